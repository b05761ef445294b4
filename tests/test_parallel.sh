#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# run_kvmtests.sh -j N: programs (and parts of a big one) run at once, the
# stream keeps the order and lines of -j 1. Compared with -j 1: the whole
# suite on the model (host), failures with their messages, timeouts (and no
# process left behind), a mutant's table, and a run on the VM substrate
# (the guest's executor). Bad values: one line, exit status 2.
. "$(dirname "$0")/lib.sh"
R=$SUITE/run_kvmtests.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kps-parallel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

for v in 0 x 01 -1 ''; do
	t_one_line "-j '$v'" 2 "^run_kvmtests\.sh: (-j needs a positive number of programs to run at once, not '$(t_re_escape "$v")'|option -j needs a value)$" "$R" -j "$v"
done
t_one_line "-j without a value" 2 "^run_kvmtests\.sh: option -j needs a value$" "$R" -j

# The lines that must not depend on -j: all but the run's timings, the
# floor measurement and the fuzzer's random seed; process ids and code
# addresses of libkvm's backtraces differ from run to run.
stable() {
	grep -vE '^# [a-z0-9_]+: exit status [0-9]+, [0-9.]+ s$|^# floor: |KPS_SEED=0x[0-9a-f]+ ' "$1" |
		sed -E 's/pid=[0-9]+ tid=[0-9]+/pid=N tid=N/; s/0x[0-9a-f]{8,}/0xADDR/g'
}
# compare NAME J OPTIONS...: the run with -j 1 and with -j J.
compare() {
	local name=$1 j=$2 rc1 rc2
	shift 2
	"$R" -j 1 "$@" >"$tmp/j1.ktap" 2>"$tmp/j1.err"
	rc1=$?
	"$R" -j "$j" "$@" >"$tmp/jn.ktap" 2>"$tmp/jn.err"
	rc2=$?
	t_eq "$name: exit status of -j $j = of -j 1" "$rc1" "$rc2"
	t_eq "$name: case lines of -j $j = of -j 1" "$(grep -E '^(not )?ok ' "$tmp/j1.ktap")" \
		"$(grep -E '^(not )?ok ' "$tmp/jn.ktap")"
	t_eq "$name: closing line of -j $j = of -j 1" "$(tail -n1 "$tmp/j1.ktap")" "$(tail -n1 "$tmp/jn.ktap")"
	t_eq "$name: every other line of -j $j = of -j 1 (but timings)" "" \
		"$(diff <(stable "$tmp/j1.ktap") <(stable "$tmp/jn.ktap"))"
	t_match "$name: cases ran" "^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" "$(tail -n1 "$tmp/jn.ktap")"
}

if "$SUITE/build/tools/kvm_env" --probe >/dev/null 2>&1; then
	compare "host, model, whole suite" 2 --host --model
	t_eq "host, model: protected_state_test ran in parts, one header" 1 \
		"$(grep -c '^# Starting [0-9]* tests from [0-9]* test cases\.$' <(sed -n '/default_vm_state_test: exit/,/protected_state_test: exit/p' "$tmp/jn.ktap"))"
	compare "host, model, -j 3" 3 --host --model -t protected_state_test -t vm_types_test

	# Failures, with the harness' messages (KVM_GET_REGS fails).
	t_fault_preload "$tmp/p.so"
	compare "host, failures" 2 --host --preload "$tmp/p.so" -t default_vm_state_test -t protected_state_test.after_launch
	t_eq "host, failures: some cases fail" 1 "$(grep -cm1 '^not ok ' "$tmp/jn.ktap")"
	t_match "host, failures: the message before the failing case" \
		"KVM_GET_REGS on type default phase fresh_vcpu: expected ret=0, seen ret=-1 errno=EIO" "$(cat "$tmp/jn.ktap")"

	# Timeouts: programs killed at --timeout, their cases TIMEOUT, as
	# with -j 1; nothing of theirs left running.
	T_NO_EIO=1 T_HANG=1 compare "host, timeouts" 2 --host --timeout 2 --preload "$tmp/p.so" \
		-t default_vm_state_test.after_run.default.get_regs -t vm_types_test -t protected_state_test.run_after
	t_match "host, timeouts: a TIMEOUT case" "^not ok [0-9]+ default_vm_state_test\.after_run\.default\.get_regs # TIMEOUT$" "$(cat "$tmp/jn.ktap")"
	left=$(for e in /proc/[0-9]*/environ; do { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -q '^T_HANG=' && echo "${e%/environ}"; done)
	t_eq "host, timeouts: no process left" "" "$left"

	# A mutant: the table and the case that killed it.
	m=$("$R" --list-mutants | awk '$1 == "set_regs_dropped" { print $1 }')
	if [ -n "$m" ]; then
		compare "host, mutant $m" 2 --host --mutant "$m" -t default_vm_state_test -t vm_types_test
		t_match "host, mutant: killed" "^# mutant $(t_re_escape "$m"): killed by " "$(cat "$tmp/jn.ktap")"
	fi
else
	echo "ok $((T_NUM += 1)) host runs # SKIP no /dev/kvm that can create a VM here"
fi

# The guest's executor: -j 2 in the VM (2 vCPUs) against -j 1.
compare "VM substrate, model" 2 --vm --model -t default_vm_state_test -t vm_types_test -t sev_cmd_acceptance_test
t_done
