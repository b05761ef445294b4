#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# environment.sh [--argv "ARGS"] [--expect FILE] KTAP_FILE
#
# Print the environment of a run as "key: value" lines, for a report a
# vendor can file: what the target said in the KTAP banner (kernel, CPU,
# KVM and kvm_amd/kvm_intel module parameters, KVM_CAP_VM_TYPES, /dev/sev
# SEV API version and firmware build, substrate, kernel tree) and what only
# the host knows (suite git revision, BIOS/firmware, CPU microcode, date,
# the runner's arguments and result). "unknown" where a value is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=$(dirname "$here")

argv="" expect=""
while [ $# -gt 1 ]; do
	case $1 in
	--argv) argv=$2; shift 2 ;;
	--expect) expect=$2; shift 2 ;;
	*) echo "environment.sh: unknown option '$1' (accepted: --argv --expect)" >&2; exit 2 ;;
	esac
done
[ $# -eq 1 ] && [ -r "$1" ] || { echo "environment.sh: usage: environment.sh [--argv ARGS] [--expect FILE] KTAP_FILE" >&2; exit 2; }
ktap=$1

# Value of the banner line "# KEY: value" (first one).
banner() {
	awk -v p="# $1: " 'index($0, p) == 1 { print substr($0, length(p) + 1); exit }' "$ktap"
}

kv() {
	printf '%s: %s\n' "$1" "${2:-unknown}"
}

rev=$(git -C "$suite" describe --always --dirty --abbrev=12 2>/dev/null || true)
[ -n "$rev" ] || rev="unknown (not a git checkout)"
kvm=$(banner /dev/kvm)
sev=$(banner /dev/sev)

kv date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
kv suite "kvm-protected-state $rev"
kv runner "run_kvmtests.sh${argv:+ $argv}"
kv substrate "$(banner substrate)"
kv kernel "$(banner kernel)"
kv cpu "$(banner cpu)"
kv kvm_api "$(sed -n 's/^api \([0-9]*\),.*/\1/p' <<<"$kvm")"
kv vm_types "$(sed -n 's/.*KVM_CAP_VM_TYPES=\(.*\)$/\1/p' <<<"$kvm")"
kv kvm_parameters "$(banner 'kvm parameters')"
kv kvm_amd_parameters "$(banner 'kvm_amd parameters')"
kv kvm_intel_parameters "$(banner 'kvm_intel parameters')"
kv sev_device "$sev"
kv sev_api_version "$(sed -n 's/^SEV API \([0-9]*\.[0-9]*\),.*/\1/p' <<<"$sev")"
kv sev_firmware_build "$(sed -n 's/.*firmware build \([0-9]*\),.*/\1/p' <<<"$sev")"
kv kernel_tree "$(banner 'kernel tree')"
v=$(banner model)
kv model "${v:-none}"
v=$(banner preload)
kv preload "${v:-none}"
kv floor "$(banner floor)"
# The host, which for the VM substrate is not the target.
kv host_kernel "$(uname -srm)"
kv host_cpu_microcode "$(sed -n 's/^microcode[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | sort -u | tr '\n' ' ' | sed 's/ $//')"
dmi=/sys/class/dmi/id
bios=""
if [ -r $dmi/bios_version ]; then
	bios="$(cat $dmi/bios_vendor 2>/dev/null) $(cat $dmi/bios_version 2>/dev/null) $(cat $dmi/bios_date 2>/dev/null)"
fi
kv host_firmware "$bios"
kv host_board "$( { cat $dmi/sys_vendor $dmi/product_name 2>/dev/null || true; } | tr '\n' ' ' | sed 's/ $//')"
kv expectations "${expect:-none}"
v=$(sed -n 's/^# expectations ([^)]*): //p' "$ktap" | tail -n1)
kv expectations_result "${v:-none}"
kv result "$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$ktap" | tail -n1)"
