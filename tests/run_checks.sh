#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The project's own tests (`make check`): the self-tests under tests/, then
# the suite on the VM substrate (the pinned Debian kernel is the reference,
# so the result does not depend on this machine), the software model with
# upstream's SEV selftests and every mutant, and, where /dev/kvm can create
# a VM, the same on the host. The host's own KVM deviations are printed but
# do not fail the check (they are the suite's findings, see README.md).
# Ends with "N passed, N failed, N skipped".
set -uo pipefail
SUITE=$(cd "$(dirname "$0")/.." && pwd)
# Run as `make check`, the checks would inherit make's MAKELEVEL and
# MAKEFLAGS; kselftest's lib.mk picks its OUTPUT by MAKELEVEL, so the
# in-tree checks must start from a clean slate, as when run by hand.
unset MAKELEVEL MAKEFLAGS MFLAGS
R=$SUITE/run_kvmtests.sh
pass=0 fail=0 skip=0
self_only=0
[ "${1:-}" = --self-only ] && self_only=1

# Add the counts of one KTAP step; $2 = 1 to count it, 0 to only show it.
tally() {
	local log=$1 counted=$2 line k t
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -1)
	if [ -z "$line" ]; then
		echo "# $3: no summary line (the step did not finish)"
		[ "$counted" -eq 1 ] && fail=$((fail + 1))
		return
	fi
	echo "# $3: $line"
	[ "$counted" -eq 1 ] || return 0
	read -r p _ f _ s _ <<<"$line"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	line=$(sed -n 's/^# mutation score: \([0-9]*\)\/\([0-9]*\) killed$/\1 \2/p' "$log")
	if [ -n "$line" ]; then
		read -r k t <<<"$line"
		pass=$((pass + k)) fail=$((fail + t - k))
	fi
}

step() {
	# $1 = title, $2 = counted (1/0), the rest = command
	local title=$1 counted=$2 log
	shift 2
	log=$(mktemp)
	echo "# ==== $title: $*"
	"$@" 2>&1 | tee "$log"
	tally "$log" "$counted" "$title"
	rm -f "$log"
}

for t in "$SUITE"/tests/test_*.sh; do
	log=$(mktemp)
	echo "# ==== self-test $(basename "$t")"
	bash "$t" 2>&1 | tee "$log"
	p=$(grep -c '^ok .*' "$log" | head -1)
	s=$(grep -c '^ok .*# SKIP' "$log")
	f=$(grep -c '^not ok ' "$log")
	pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + f))
	rm -f "$log"
done

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
	if "$SUITE/build/tools/kvm_env" --probe >/dev/null 2>&1; then
		step "suite, host /dev/kvm (shown, not counted)" 0 "$R" --host
		step "model + upstream SEV selftests + mutants, host /dev/kvm" 1 \
			"$R" --host --model --with-upstream --mutant all
	else
		echo "# host /dev/kvm cannot create a VM here: host steps not run"
	fi
fi

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
