#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# scripts/differential.sh --compare: canned model and kernel KTAP pairs (no
# VM boot). Explained differences (a kernel deviation in the expectations,
# a SKIP naming the software Secure Processor) pass; an unexplained one, an
# expectation without file:line, a stale expectation and a failure on both
# fail, each named on its own line; bad usage is one line.
. "$(dirname "$0")/lib.sh"
D=$SUITE/scripts/differential.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/model.ktap" <<'K'
TAP version 13
# model: SEV/SEV-ES/SNP software model (model/libkvm_sev_model.so) over real KVM
1..5
ok 1 p_test.f.default.same
ok 2 p_test.f.snp.get_fpu
ok 3 p_test.f.sev.run_after
ok 4 p_test.f.tdx.one # SKIP KVM_CAP_VM_TYPES=0x1f lacks KVM_X86_TDX_VM
ok 5 p_test.f.sev_es.set_fpu
ok 6 p_test.f.sw_protected.one # SKIP KVM_CAP_VM_TYPES=0x1d lacks KVM_X86_SW_PROTECTED_VM (CONFIG_KVM_SW_PROTECTED_VM=n or kvm.tdp_mmu=N); kvm.tdp_mmu=Y
6 passed, 0 failed, 2 skipped
K
# The kernel side as run_kvmtests.sh --expect writes it.
cat >"$tmp/kernel.ktap" <<'K'
TAP version 13
1..5
ok 1 p_test.f.default.same
not ok 2 p_test.f.snp.get_fpu
# p_test.c:10:get_fpu:Expected -1 (-1) == r (0)
# XFAIL 6.12 sev.c:2491 SNP fpstate not confidential: x86.c:11431 lets KVM_GET_FPU through
ok 3 p_test.f.sev.run_after # SKIP KVM_RUN of an encrypted sev guest: SEV is the software Secure Processor (/sys/bus/platform/devices/swpsp) on a CPU without SEV, which cannot run one (launch checked)
ok 4 p_test.f.tdx.one # SKIP KVM_CAP_VM_TYPES=0x1f lacks KVM_X86_TDX_VM
ok 5 p_test.f.sev_es.set_fpu
ok 6 p_test.f.sw_protected.one
4 passed, 1 failed, 2 skipped
K

out=$("$D" --compare "$tmp/model.ktap" "$tmp/kernel.ktap" 2>&1)
t_eq "explained differences: exit 0" 0 $?
t_match "per case both verdicts" '^p_test\.f\.default\.same +PASS +PASS$' "$out"
t_match "the rows that differ: the deviation" \
	'^# differential: the rows that differ$' "$out"
diffrows=$(sed -n '/^# differential: the rows that differ$/,/^# differential: [0-9]/p' <<<"$out")
t_match "diff rows: the deviation" '^p_test\.f\.snp\.get_fpu +PASS +XFAIL$' "$diffrows"
t_match "diff rows: the skip" '^p_test\.f\.sev\.run_after +PASS +SKIP$' "$diffrows"
t_match "diff rows: type 1 on the kernel only" '^p_test\.f\.sw_protected\.one +SKIP +PASS$' "$diffrows"
t_eq "diff rows: only those three" 0 "$(grep -cE '^p_test\.f\.(default|tdx|sev_es)\.' <<<"$diffrows")"
t_match "the deviation with its reason" \
	'^# differential: kernel deviation: p_test\.f\.snp\.get_fpu \(model PASS, 6\.12\.117\+swpsp XFAIL\): 6\.12 sev\.c:2491 ' "$out"
t_match "the skip with its reason" \
	'^# differential: cannot run on the software Secure Processor: p_test\.f\.sev\.run_after \(model PASS, 6\.12\.117\+swpsp SKIP\): KVM_RUN of an encrypted' "$out"
t_match "summary" \
	'^# differential: 6 cases: 3 agree, 3 differ \(1 kernel deviations in the expectations, 1 skipped on the software Secure Processor, 1 sw_protected not compared, 0 unexplained\); 0 stale expectations; 0 fail on both$' "$out"
t_match "type 1 not compared: one line" \
	'^# differential: 1 sw_protected cases not compared: they skip on the model.s Debian kernel \(no CONFIG_KVM_SW_PROTECTED_VM' "$out"

# Unexplained: a kernel failure with no expectation, a skip for another
# reason, an expectation citing no file:line, a case the kernel never ran.
cat >"$tmp/kernel-bad.ktap" <<'K'
TAP version 13
1..4
ok 1 p_test.f.default.same # SKIP KVM_CAP_VM_TYPES=0x0 lacks it
not ok 2 p_test.f.snp.get_fpu
# XFAIL it just fails
ok 3 p_test.f.sev.run_after
not ok 4 p_test.f.sev_es.set_fpu
4 passed, 2 failed, 1 skipped
K
out=$("$D" --compare "$tmp/model.ktap" "$tmp/kernel-bad.ktap" 2>&1)
t_eq "unexplained differences: exit 1" 1 $?
for c in p_test.f.default.same p_test.f.snp.get_fpu p_test.f.sev_es.set_fpu p_test.f.tdx.one; do
	t_match "unexplained: $c" "^# differential: UNEXPLAINED: $(t_re_escape "$c") " "$out"
done
t_match "unexplained: the expectation without file:line" \
	'UNEXPLAINED: p_test\.f\.snp\.get_fpu .*: expectation cites no file:line: it just fails$' "$out"
t_match "unexplained: no result" 'UNEXPLAINED: p_test\.f\.tdx\.one \(model SKIP, 6\.12\.117\+swpsp -\): no result on one side$' "$out"
t_eq "unexplained: agreeing case not listed" 0 "$(grep -c 'p_test\.f\.sev\.run_after' <<<"$(grep '^# differential: [A-Za-z]' <<<"$out")")"
t_match "unexplained: summary" '5 unexplained\); 0 stale' "$out"

# Stale: a listed case that passes on the kernel (XPASS); a case failing on
# both runs.
cat >"$tmp/model-fail.ktap" <<'K'
TAP version 13
1..2
ok 1 p_test.f.snp.get_fpu
not ok 2 p_test.f.default.same
1 passed, 1 failed, 0 skipped
K
cat >"$tmp/kernel-stale.ktap" <<'K'
TAP version 13
1..2
ok 1 p_test.f.snp.get_fpu
# XPASS expected to fail: 6.12 sev.c:2491 SNP fpstate not confidential
not ok 2 p_test.f.default.same
1 passed, 1 failed, 0 skipped
K
out=$("$D" --compare "$tmp/model-fail.ktap" "$tmp/kernel-stale.ktap" 2>&1)
t_eq "stale expectation: exit 1" 1 $?
t_match "stale expectation: named with its reason" \
	'^# differential: stale expectation: p_test\.f\.snp\.get_fpu \(model PASS, 6\.12\.117\+swpsp XPASS\): 6\.12 sev\.c:2491 SNP' "$out"
t_match "fails on both: named" '^# differential: fails on both: p_test\.f\.default\.same \(model FAIL, 6\.12\.117\+swpsp FAIL\)$' "$out"
t_match "stale: summary" '0 unexplained\); 1 stale expectations; 1 fail on both$' "$out"

: >"$tmp/empty.ktap"
out=$("$D" --compare "$tmp/model.ktap" "$tmp/empty.ktap" 2>&1)
t_eq "kernel run without results: exit 1" 1 $?
t_match "kernel run without results: named" '^# differential: no case reported a result on 6\.12\.117\+swpsp$' "$out"

t_one_line "--compare with one file" 2 '^differential\.sh: --compare needs MODEL_KTAP KERNEL_KTAP$' \
	"$D" --compare "$tmp/model.ktap"
t_one_line "--compare missing file" 2 "^differential\\.sh: --compare: no such file '$(t_re_escape "$tmp")/nope'$" \
	"$D" --compare "$tmp/model.ktap" "$tmp/nope"
t_one_line "unknown option" 2 "^differential\\.sh: unknown option '--bogus'" "$D" --bogus
t_one_line "runner option picked by the differential" 2 \
	"^differential\\.sh: runner option '--model' cannot go in a differential" "$D" -- --model
t_done
