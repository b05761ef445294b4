#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The project's own tests (`make check`): the self-tests under tests/, then
# the suite on the VM substrate (the pinned Debian kernel is the reference,
# so the result does not depend on this machine), the software model with
# upstream's SEV selftests and every mutant, the software Secure Processor
# kernel (kernel/swpsp/: its build, the suite on it with
# expect/6.12.117.txt, and the differential model vs. that kernel), and,
# where /dev/kvm can create a VM, the same on the host. The host's own KVM
# deviations are printed but do not fail the check (they are the suite's
# findings, see README.md). Every step prints "# step TITLE: N s". Ends
# with "N passed, N failed, N skipped".
#
# The swpsp kernel builds in the background (nice 10) from the start, while
# the self-tests and the VM substrate's single-CPU runs leave a core idle;
# its step waits for it.
set -uo pipefail
SUITE=$(cd "$(dirname "$0")/.." && pwd)
# Run as `make check`, the checks would inherit make's MAKELEVEL and
# MAKEFLAGS; kselftest's lib.mk picks its OUTPUT by MAKELEVEL, so the
# in-tree checks must start from a clean slate, as when run by hand.
unset MAKELEVEL MAKEFLAGS MFLAGS
# shellcheck source-path=SCRIPTDIR source=../scripts/common.sh
. "$SUITE/scripts/common.sh"
R=$SUITE/run_kvmtests.sh
pass=0 fail=0 skip=0

# Add the counts of one KTAP step's log. $1 = log, $2 = 1 to count it, 0 to
# only show it, $3 = title, $4 = the step's exit status, $5 = 1 if the step
# ran mutants (a score line is then required). Every failing case, every
# surviving mutant, a missing or unparsable summary or score line, and a
# non-zero exit status that no counted failure explains are failures.
tally() {
	local log=$1 counted=$2 title=$3 rc=$4 mutation=${5:-0}
	local line p f s k t u n=0 f0=$fail
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -1)
	if [ -z "$line" ]; then
		echo "# $title: no summary line (the step did not finish; exit status $rc)"
		[ "$counted" -eq 1 ] && fail=$((fail + 1))
		return 0
	fi
	echo "# $title: $line"
	[ "$counted" -eq 1 ] || { [ "$rc" -eq 0 ] || echo "# $title: exit status $rc (not counted)"; return 0; }
	read -r p _ f _ s _ <<<"$line"
	# A run with --expect (expect.awk's "# Totals:" line): an expected
	# failure passes, a listed case that passed (a stale expectation) and
	# an infrastructure error fail.
	line=$(grep -E '^# Totals: pass:[0-9]+ fail:[0-9]+ xfail:[0-9]+ xpass:[0-9]+ skip:[0-9]+ error:[0-9]+$' "$log" | tail -1)
	if [ -n "$line" ]; then
		local tp tf tx ty ts te
		IFS=': ' read -r _ _ _ tp _ tf _ tx _ ty _ ts _ te <<<"$line"
		p=$((tp + tx)) f=$((tf + ty + te)) s=$ts
		[ "$ty" -eq 0 ] || echo "# $title: $ty stale expectation(s) (listed, passed)"
		[ "$tx" -eq 0 ] || echo "# $title: $tx expected failure(s) counted as passed"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	# "# mutation score: K/T killed[, U unseen on this substrate]": K kills
	# pass, U unseen mutants (their cases skip here) skip, the other
	# T - K - U survived and fail.
	if grep -q '^# mutation score:' "$log" || [ "$mutation" -eq 1 ]; then
		line=$(grep '^# mutation score:' "$log" | tail -1)
		if [[ $line =~ ^#\ mutation\ score:\ ([0-9]+)/([0-9]+)\ killed(,\ ([0-9]+)\ unseen\ on\ this\ substrate)?$ ]]; then
			k=${BASH_REMATCH[1]} t=${BASH_REMATCH[2]} u=${BASH_REMATCH[4]:-0}
			n=$((t - k - u))
			[ "$n" -ge 0 ] || n=1
			pass=$((pass + k)) skip=$((skip + u)) fail=$((fail + n))
			[ "$n" -eq 0 ] || echo "# $title: $n mutant(s) survived"
			[ "$u" -eq 0 ] || echo "# $title: $u mutant(s) unseen on this substrate (counted as skipped)"
		else
			echo "# $title: no parsable mutation score line (${line:-none})"
			fail=$((fail + 1))
		fi
	fi
	if [ "$rc" -ne 0 ] && [ "$fail" -eq "$f0" ]; then
		echo "# $title: exit status $rc with no failing case or mutant counted"
		fail=$((fail + 1))
	fi
	return 0
}

# Add the counts of one self-test's log ($1, title $2, exit status $3):
# "ok" passes, "ok ... # SKIP" skips, "not ok" fails; no plan line, a plan
# that does not match the results, or a non-zero exit status with no
# "not ok" line is one more failure.
self_tally() {
	local log=$1 title=$2 rc=$3 p s f plan
	p=$(grep -c '^ok ' "$log")
	s=$(grep -c '^ok .*# SKIP' "$log")
	f=$(grep -c '^not ok ' "$log")
	pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + f))
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$log" | tail -1)
	if [ "$plan" != "$((p + f))" ]; then
		echo "# $title: plan '1..${plan:-?}' but $((p + f)) results (the test did not finish)"
		fail=$((fail + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "# $title: exit status $rc with no failing check"
		fail=$((fail + 1))
	fi
	return 0
}

# run_checks.sh --tally ktap|mutation|self LOG STATUS: the counts of one
# saved log, as make check would add them (for tests/test_checks.sh).
if [ "${1:-}" = --tally ]; then
	[ $# -eq 4 ] || { echo "run_checks.sh: usage: --tally ktap|mutation|self LOG STATUS" >&2; exit 2; }
	case $2 in
	ktap) tally "$3" 1 "$(basename "$3")" "$4" 0 ;;
	mutation) tally "$3" 1 "$(basename "$3")" "$4" 1 ;;
	self) self_tally "$3" "$(basename "$3")" "$4" ;;
	*) echo "run_checks.sh: --tally: unknown kind '$2' (accepted: ktap, mutation, self)" >&2; exit 2 ;;
	esac
	echo "$pass passed, $fail failed, $skip skipped"
	[ $fail -eq 0 ]
	exit
fi

self_only=0
[ "${1:-}" = --self-only ] && self_only=1

step() {
	# $1 = title, $2 = counted (1/0), the rest = command
	local title=$1 counted=$2 log rc mutation=0 t0=$SECONDS
	shift 2
	[[ " $* " == *" --mutant "* ]] && mutation=1
	log=$(mktemp)
	echo "# ==== $title: $*"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	tally "$log" "$counted" "$title" "$rc" "$mutation"
	rm -f "$log"
	echo "# step $title: $((SECONDS - t0)) s"
}

# One command that passes (exit status 0) or fails as a whole: $1 = title,
# the rest = command.
cmd_step() {
	local title=$1 rc t0=$SECONDS
	shift
	echo "# ==== $title: $*"
	"$@" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "# $title: ok"
	else
		fail=$((fail + 1))
		echo "# $title: FAILED (exit status $rc)"
	fi
	echo "# step $title: $((SECONDS - t0)) s"
}

# What the checks need: compilers, qemu and busybox for the VM substrate,
# python3, the JUnit converter, valgrind, rsync for kselftest's install.
"$SUITE/scripts/setup.sh" all || exit 1

t_all=$SECONDS
swpsp_pid="" swpsp_log=""
if [ $self_only -eq 0 ]; then
	swpsp_log=$(mktemp)
	( t0=$SECONDS; "$SUITE/scripts/swpsp-kernel.sh" >"$swpsp_log" 2>&1
	  rc=$?; echo "# swpsp-kernel.sh: exit status $rc, $((SECONDS - t0)) s" >>"$swpsp_log"; exit $rc ) &
	swpsp_pid=$!
fi
# An interrupted make check does not leave the build running.
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}
# shellcheck disable=SC2046 # a list of process ids
trap '[ -z "$swpsp_pid" ] || kill $(descendants "$swpsp_pid") "$swpsp_pid" 2>/dev/null' EXIT

for t in "$SUITE"/tests/test_*.sh; do
	log=$(mktemp)
	t0=$SECONDS
	echo "# ==== self-test $(basename "$t")"
	bash "$t" 2>&1 | tee "$log"
	self_tally "$log" "self-test $(basename "$t")" "${PIPESTATUS[0]}"
	rm -f "$log"
	echo "# step self-test $(basename "$t"): $((SECONDS - t0)) s"
done

# The background build's output and status, as a step.
swpsp_wait() {
	local rc
	wait "$swpsp_pid"
	rc=$?
	swpsp_pid=""
	cat "$swpsp_log"
	rm -f "$swpsp_log"
	return $rc
}

if [ $self_only -eq 0 ]; then
	step "suite, VM substrate" 1 "$R" --vm
	step "model + upstream SEV selftests + mutants, VM substrate" 1 \
		"$R" --vm --model --with-upstream --mutant all
	# kvm_amd loaded with one SEV knob off, on the model: the types it
	# removes must SKIP naming it, and nothing may fail (ES_INIT -ENOTTY).
	step "model of kvm_intel with TDX + TDX mutants, VM substrate" 1 \
		env MODEL_VENDOR=intel "$R" --vm --model --mutant all
	for knob in MODEL_SEV_ES MODEL_SEV_SNP MODEL_SEV; do
		step "model with $knob=0, VM substrate" 1 \
			env "$knob=0" "$R" --vm --model
	done
	# The software Secure Processor kernel: its build, then the
	# differential (the model on the VM substrate vs. the suite on that
	# kernel with its expectations); the kernel's run is also tallied as
	# a step of its own rather than run twice.
	cmd_step "swpsp kernel build (scripts/swpsp-kernel.sh, in the background since the start)" swpsp_wait
	diff_out=$SUITE/build/differential
	kt=$diff_out/$KPS_SWPSP_VERSION.ktap
	rm -f "$kt" "$kt.rc"
	# With upstream's SEV selftests: sev_smoke_test must skip on the
	# kernel naming the software Secure Processor (explained), the
	# others pass on both.
	cmd_step "differential, model vs. $KPS_SWPSP_VERSION, with upstream's SEV selftests" \
		"$SUITE/scripts/differential.sh" --out "$diff_out" -- --with-upstream
	echo "# ==== suite, $KPS_SWPSP_VERSION --expect expect/6.12.117.txt --with-upstream (the differential's run)"
	if [ -f "$kt" ] && [ -f "$kt.rc" ]; then
		tally "$kt" 1 "suite, $KPS_SWPSP_VERSION --expect expect/6.12.117.txt" "$(cat "$kt.rc" 2>/dev/null || echo 1)" 0
	else
		echo "# suite, $KPS_SWPSP_VERSION: no run (the differential did not run the suite on it)"
		fail=$((fail + 1))
	fi
	if "$SUITE/build/tools/kvm_env" --probe >/dev/null 2>&1; then
		step "suite, host /dev/kvm (shown, not counted)" 0 "$R" --host
		step "model + upstream SEV selftests + mutants, host /dev/kvm" 1 \
			"$R" --host --model --with-upstream --mutant all
	else
		echo "# host /dev/kvm cannot create a VM here: host steps not run"
	fi
fi

echo "# make check: $((SECONDS - t_all)) s after setup"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
