#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# scripts/ktap.awk: numbering, directives, summary counts and exit status,
# on canned executor streams.
. "$(dirname "$0")/lib.sh"

agg() {
	awk -v banner="# kernel tree: /k" -v tailfile="${TAILFILE:-}" \
		-f "$SUITE/scripts/ktap_lib.awk" -f "$SUITE/scripts/ktap.awk"
}

# A harness program with pass, fail and skip, and a single-case program.
out=$(agg <<'S'
@@ENV # kernel: Linux 6.12
@@CASE a_test.f.default.one
@@CASE a_test.f.default.two
@@CASE a_test.f.sev_es.one
@@CASE up_test
@@PLANDONE
@@BEGIN a_test
Random seed: 0x1
TAP version 13
1..3
# Starting 3 tests from 2 test cases.
#  RUN           f.default.one ...
#            OK  f.default.one
ok 1 f.default.one
# a_test.c:10:two:Expected 0 (0) == r (-1)
not ok 2 f.default.two
ok 3 f.sev_es.one # SKIP KVM_CAP_VM_TYPES=0x1 lacks SEV_ES
# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0
@@END a_test 1 0
@@BEGIN up_test
1..0 # SKIP - Requirement not met: kvm_cpu_has(X86_FEATURE_SEV)
@@END up_test 4 0
@@DONE
S
)
rc=$?
t_eq "exit status with a failure" 1 "$rc"
t_eq "first line" "TAP version 13" "$(head -1 <<<"$out")"
t_match "banner kept" "^# kernel tree: /k$" "$out"
t_match "env banner kept" "^# kernel: Linux 6.12$" "$out"
t_match "plan" "^1\.\.4$" "$out"
t_match "pass renumbered and prefixed" "^ok 1 a_test\.f\.default\.one$" "$out"
t_match "fail" "^not ok 2 a_test\.f\.default\.two$" "$out"
t_match "failure diagnostic kept" "^# a_test.c:10:two:Expected" "$out"
t_match "skip with reason" "^ok 3 a_test\.f\.sev_es\.one # SKIP KVM_CAP_VM_TYPES=0x1 lacks SEV_ES$" "$out"
t_match "single-case skip reason" "^ok 4 up_test # SKIP Requirement not met: kvm_cpu_has" "$out"
t_eq "summary line last" "1 passed, 1 failed, 2 skipped" "$(tail -1 <<<"$out")"
t_eq "no per-program TAP header" 1 "$(grep -c '^TAP version' <<<"$out")"
t_eq "no per-program plan" 1 "$(grep -c '^1\.\.' <<<"$out")"
t_eq "harness chatter dropped" 0 "$(grep -c '#  RUN\|Totals' <<<"$out")"

# A program killed by the per-program timeout: its unreported cases time out.
out=$(agg <<'S'
@@CASE b_test.f.default.one
@@CASE b_test.f.default.two
@@PLANDONE
@@BEGIN b_test
ok 1 f.default.one
@@END b_test 137 600
@@DONE
S
)
t_eq "timeout: exit status" 1 "$?"
t_match "timeout directive" "^not ok 2 b_test\.f\.default\.two # TIMEOUT$" "$out"
t_eq "timeout: summary" "1 passed, 1 failed, 0 skipped" "$(tail -1 <<<"$out")"

# A crash: unreported cases fail and say so.
out=$(agg <<'S'
@@CASE c_test.f.default.one
@@PLANDONE
@@BEGIN c_test
@@END c_test 139 0
@@DONE
S
)
t_match "crash: reason" "no result, c_test exited with status 139" "$out"
t_match "crash: not ok" "^not ok 1 c_test\.f\.default\.one$" "$out"

# The target died mid-run (guest panic or hang): the rest are not ok, with
# the console tail, and the run is a failure.
tail=$(mktemp)
echo "Kernel panic - not syncing: x" >"$tail"
out=$(TAILFILE=$tail agg <<'S'
@@CASE d_test.f.default.one
@@CASE d_test.f.default.two
@@PLANDONE
@@BEGIN d_test
ok 1 f.default.one
S
)
rc=$?
rm -f "$tail"
t_eq "truncated: exit status" 1 "$rc"
t_match "truncated: remaining case fails" "^not ok 2 d_test\.f\.default\.two$" "$out"
t_match "truncated: infrastructure error" "^# infrastructure error" "$out"
t_match "truncated: console tail" "^# Kernel panic - not syncing: x$" "$out"

# All pass: exit status 0.
out=$(agg <<'S'
@@CASE e_test.f.default.one
@@PLANDONE
@@BEGIN e_test
ok 1 f.default.one
@@END e_test 0 0
@@DONE
S
)
t_eq "all pass: exit status" 0 "$?"
t_eq "all pass: summary" "1 passed, 0 failed, 0 skipped" "$(tail -1 <<<"$out")"

# Mutation: the correct model's lines are printed; each mutant is killed or
# survives; a survivor fails the run.
out=$(agg <<'S'
@@CASE m_test.f.sev_es.get_regs
@@PLANDONE
@@MUTANT none
@@BEGIN m_test
ok 1 f.sev_es.get_regs
@@END m_test 0 0
@@MUTANT errno_efault
@@BEGIN m_test
not ok 1 f.sev_es.get_regs
@@END m_test 1 0
@@MUTANT harmless
@@BEGIN m_test
ok 1 f.sev_es.get_regs
@@END m_test 0 0
@@DONE
S
)
t_eq "mutation: survivor fails the run" 1 "$?"
t_match "mutation: killed with the case" "^# errno_efault +killed +m_test\.f\.sev_es\.get_regs" "$out"
t_match "mutation: survivor named" "^# harmless +SURVIVED" "$out"
t_match "mutation: score" "^# mutation score: 1/2 killed$" "$out"
t_eq "mutation: baseline summary" "1 passed, 0 failed, 0 skipped" "$(tail -1 <<<"$out")"
# A case the correct model already fails cannot kill a mutant, and a failing
# baseline makes the table meaningless.
out=$(agg <<'S'
@@CASE n_test.f.sev_es.a
@@CASE n_test.f.sev_es.b
@@PLANDONE
@@MUTANT none
@@BEGIN n_test
ok 1 f.sev_es.a
not ok 2 f.sev_es.b
@@END n_test 1 0
@@MUTANT m1
@@BEGIN n_test
ok 1 f.sev_es.a
not ok 2 f.sev_es.b
@@END n_test 1 0
@@DONE
S
)
t_eq "mutation: failing baseline fails the run" 1 "$?"
t_match "mutation: baseline failure does not kill" "^# m1 +SURVIVED" "$out"
t_match "mutation: table flagged" "correct model fails 1 case" "$out"
# A survivor whose recorded killer cases all skip here is unseen, not a hole.
tg=$(mktemp)
printf 'm2\tu_test.f.sev_es.smm\n' >"$tg"
out=$(awk -v targets="$tg" -f "$SUITE/scripts/ktap_lib.awk" -f "$SUITE/scripts/ktap.awk" <<'S'
@@CASE u_test.f.sev_es.smm
@@CASE u_test.f.sev_es.regs
@@PLANDONE
@@MUTANT none
@@BEGIN u_test
ok 1 f.sev_es.smm # SKIP KVM_CAP_X86_SMM=0
ok 2 f.sev_es.regs
@@END u_test 0 0
@@MUTANT m2
@@BEGIN u_test
ok 1 f.sev_es.smm # SKIP KVM_CAP_X86_SMM=0
ok 2 f.sev_es.regs
@@END u_test 0 0
@@DONE
S
)
rc=$?
rm -f "$tg"
t_eq "mutation: unseen does not fail the run" 0 "$rc"
t_match "mutation: unseen reported" "^# m2 +unseen +\(its cases skip here" "$out"
t_match "mutation: unseen in score" "0/1 killed, 1 unseen on this substrate" "$out"
t_done
