#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Substrate selection: host only when /dev/kvm can create a VM; --host and
# --vm force it. KPS_DEV_KVM points the probe at another path.
. "$(dirname "$0")/lib.sh"
R=$SUITE/run_kvmtests.sh

out=$(KPS_DEV_KVM=/nonexistent "$R" --print-substrate 2>/dev/null)
t_eq "no /dev/kvm picks vm" "vm (host: /nonexistent: No such file or directory)" "$out"
out=$(KPS_DEV_KVM=/dev/null "$R" --print-substrate 2>/dev/null)
t_match "a device that cannot create a VM picks vm" "^vm \(host: KVM_CREATE_VM" "$out"
out=$(KPS_DEV_KVM=/nonexistent "$R" --host --print-substrate 2>/dev/null)
t_eq "--host forces host" "host" "$out"
out=$("$R" --vm --print-substrate 2>/dev/null)
t_eq "--vm forces vm" "vm" "$out"
if [ -c /dev/kvm ] && "$SUITE/build/tools/kvm_env" --probe >/dev/null; then
	out=$("$R" --print-substrate 2>/dev/null)
	t_eq "usable /dev/kvm picks host" "host" "$out"
else
	echo "ok $((T_NUM += 1)) usable /dev/kvm picks host # SKIP /dev/kvm cannot create a VM here"
fi
t_done
