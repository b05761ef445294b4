#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages a profile needs, if missing:
#   build  compile the suite against a kernel tree (make headers included)
#   vm     boot the VM substrate (qemu TCG, busybox initramfs, modules)
#   check  the project's own tests (kunit.py parser, checkpatch, JUnit,
#          valgrind)
#   swpsp  build the software-PSP kernel (scripts/swpsp-kernel.sh)
#   all    everything above
# Needs root (apt-get) only when something is missing.
set -euo pipefail
. "$(dirname "$0")/common.sh"

pkgs_build="gcc make libc6-dev flex bison bc xz-utils"
pkgs_vm="qemu-system-x86 busybox-static cpio kmod"
pkgs_check="python3 perl libtap-formatter-junit-perl valgrind"
pkgs_swpsp="ccache libelf-dev libssl-dev git"

want=""
for profile in "${@:-build}"; do
	case $profile in
	build) want+=" $pkgs_build" ;;
	vm) want+=" $pkgs_vm" ;;
	check) want+=" $pkgs_check" ;;
	swpsp) want+=" $pkgs_swpsp" ;;
	all) want+=" $pkgs_build $pkgs_vm $pkgs_check" ;;
	*) echo "setup.sh: unknown profile '$profile' (accepted: build, vm, check, swpsp, all)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=" $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	kps_die "missing Debian packages:$missing (run as root, or: apt-get install$missing)"
fi
kps_log "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Wait for a concurrent apt/dpkg (e.g. unattended-upgrades) instead of failing.
for _ in $(seq 1 60); do
	if apt-get -o DPkg::Lock::Timeout=60 update -qq >/dev/null 2>&1; then
		break
	fi
	sleep 2
done
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing \
	>/dev/null 2>"${TMPDIR:-/tmp}/kps-apt.err" || {
	tail -3 "${TMPDIR:-/tmp}/kps-apt.err" >&2
	rm -f "${TMPDIR:-/tmp}/kps-apt.err"
	kps_die "apt-get install$missing failed"
}
rm -f "${TMPDIR:-/tmp}/kps-apt.err"
