#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Our KTAP as CI systems read it: the kernel's kunit.py parse and an
# LKFT/KernelCI-style line regex must see the cases and counts the runner
# reports, on canned streams and on real runs (VM substrate, and the host
# when it can create a VM); case names are unique, ASCII, free of '#' and
# run-dependent data (the same on every run and substrate).
. "$(dirname "$0")/lib.sh"
P=$SUITE/scripts/parsers.sh
R=$SUITE/run_kvmtests.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$SUITE/scripts/setup.sh" check >/dev/null || true
kdir=$("$SUITE/scripts/ksrc.sh" 2>/dev/null)

# Pass, fail with diagnostics, skip with reason, timeout, banner lines.
cat >"$tmp/mixed.ktap" <<'S'
TAP version 13
# kernel: Linux 6.12.117+deb12-amd64 x86_64
# /dev/kvm: api 12, KVM_CAP_VM_TYPES=0x1f (DEFAULT|SW_PROTECTED|SEV|SEV_ES|SNP)
1..5
ok 1 a_test.f.default.one
# a_test.c:10:two:ioctl KVM_GET_FPU on type snp phase after_launch: expected ret=-1 errno=EINVAL, seen ret=0
not ok 2 a_test.f.snp.two
ok 3 a_test.f.tdx.one # SKIP KVM_CAP_VM_TYPES=0x1f lacks KVM_X86_TDX_VM (kvm_intel.tdx=N)
# a_test: exit status 1, 0.10 s
not ok 4 b_test.f.default.one # TIMEOUT
ok 5 up_test # SKIP Requirement not met: kvm_cpu_has(X86_FEATURE_SEV)
1 passed, 2 failed, 2 skipped
S
out=$("$P" --kdir "$kdir" "$tmp/mixed.ktap" 2>&1)
t_eq "canned pass/fail/skip/timeout: parsers agree" 0 "$?"
t_match "canned: kunit.py counts" "kunit.py parse: 1 passed, 2 failed, 2 skipped" "$out"
t_match "canned: regex counts" "regex: +1 passed, 2 failed, 2 skipped" "$out"

# The check itself catches what it is for.
sed 's/^ok 5 up_test/ok 5 a_test.f.default.one/' "$tmp/mixed.ktap" >"$tmp/dup.ktap"
out=$("$P" --kdir "$kdir" "$tmp/dup.ktap" 2>&1)
t_eq "duplicate name: rejected" 1 "$?"
t_match "duplicate name: named" "duplicate case names: a_test.f.default.one" "$out"
sed 's/^ok 1 a_test.f.default.one/ok 1 a_test.f.default.one#1/' "$tmp/mixed.ktap" >"$tmp/hash.ktap"
out=$("$P" --kdir "$kdir" "$tmp/hash.ktap" 2>&1)
t_eq "'#' in a name: rejected" 1 "$?"
sed 's/^1 passed, 2 failed/2 passed, 1 failed/' "$tmp/mixed.ktap" >"$tmp/count.ktap"
out=$("$P" --kdir "$kdir" "$tmp/count.ktap" 2>&1)
t_eq "closing line disagreeing: rejected" 1 "$?"
t_match "closing line disagreeing: said" "kunit.py parse counts differ" "$out"

# Real runs.
names() { sed -nE 's/^(not )?ok [0-9]+ ([^ ]+).*/\2/p' "$1"; }
real_run() {
	# $1 = substrate option
	local sub=$1 log=$tmp/run$1.ktap out
	"$R" "$sub" >"$log" 2>/dev/null
	out=$("$P" --kdir "$kdir" "$log" 2>&1)
	t_result $? "real run ($sub): kunit.py, regex and runner agree" "$out"
	t_match "real run ($sub): kunit.py counted the cases" "kunit.py parse: [0-9]+ passed" "$out"
	"$R" "$sub" --list >"$tmp/list$sub" 2>/dev/null
	t_eq "real run ($sub): names are those of --list" "$(cat "$tmp/list$sub")" "$(names "$log")"
}
real_run --vm
if "$SUITE/build/tools/kvm_env" --probe >/dev/null 2>&1; then
	real_run --host
	t_eq "names are the same on both substrates" "$(names "$tmp/run--vm.ktap")" "$(names "$tmp/run--host.ktap")"
	"$R" --host --list >"$tmp/list2" 2>/dev/null
	t_eq "names are the same on a second listing" "$(cat "$tmp/list--host")" "$(cat "$tmp/list2")"
else
	echo "ok $((T_NUM += 1)) real run (--host) # SKIP /dev/kvm cannot create a VM here"
fi
t_done
