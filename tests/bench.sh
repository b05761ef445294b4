#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: figures, not pass/fail. Cold set-up (an empty cache), VM
# substrate boot, each program's wall time per substrate, the whole suite
# on the model with -j 1 and -j N against the floor (cases x one VM
# create+destroy), the software model's overhead on the default-VM cases,
# and the protected-state matrix's time per case against the floor of one
# ioctl on the same substrate.
# BENCH_COLD=0 skips the cold set-up (it downloads about 260 MB).
set -uo pipefail
SUITE=$(cd "$(dirname "$0")/.." && pwd)
R=$SUITE/run_kvmtests.sh
. "$SUITE/scripts/common.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

t() { local t0; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $t0" | bc; }

echo "# kvm-protected-state benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -r)"

if [ "${BENCH_COLD:-1}" = 1 ]; then
	c=$tmp/cache
	s=$(t env KPS_CACHE="$c" "$SUITE/scripts/ksrc.sh")
	b=$(t env KPS_CACHE="$c" make -C "$SUITE" -j"$(nproc)" BUILD="$tmp/build" all)
	mkdir -p "$tmp/p"
	v=$(t env KPS_CACHE="$c" "$SUITE/scripts/vm.sh" --timeout 120 "$tmp/p" -- true)
	printf "cold set-up: kernel tree %.1f s, build %.1f s, VM kernel + first boot %.1f s\n" "$s" "$b" "$v"
fi

# Program wall times, VM boot, and the floor, from one run per substrate.
run() {
	# $1 = label, the rest = runner arguments
	local label=$1 log=$tmp/$1.log wall t0
	shift
	t0=$(date +%s.%N)
	"$R" -v "$@" >"$log" 2>&1
	wall=$(echo "$(date +%s.%N) - $t0" | bc)
	echo "$label: whole run $(printf %.1f "$wall") s, $(grep -E '^[0-9]+ passed, ' "$log" | tail -1)"
	sed -n 's/^\(# \)*vm: \(boot-to-command.*\)/  VM \2/p' "$log"
	sed -n 's/^# floor: /  floor: /p' "$log"
	sed -n 's/^# \([a-z0-9_]*\): exit status \([0-9]*\), \([0-9.]*\) s$/  \1 \3 s (exit \2)/p' "$log"
}

host=0
"$SUITE/build/tools/kvm_env" --probe >/dev/null 2>&1 && host=1
[ $host -eq 1 ] && run host --host
run vm --vm

# The whole suite on the model with -j 1 and -j N (N = this machine's
# CPUs on the host, the guest's on the VM substrate), wall time of the
# runner from start to summary, against the floor: the cases times one
# VM+vCPU create+destroy on that substrate (kvm_env's floor: the least of
# the runs' banners and, on the host, of 5 more measurements here; other
# load on the machine only raises it).
# Target on the host: at most 2x the floor.
suite() {
	# $1 = label, $2 = -j value ("" = the default), the rest runner arguments
	local label=$1 j=$2 log t0 wall n
	shift 2
	log=$tmp/suite-$label-j${j:-N}.log
	t0=$(date +%s.%N)
	"$R" "$@" ${j:+-j "$j"} >"$log" 2>&1
	wall=$(echo "$(date +%s.%N) - $t0" | bc)
	n=$(grep -cE '^(not )?ok [0-9]+ ' "$log")
	echo "$wall $n $(tail -n1 "$log")" >"$log.fig"
}
floor_of() {
	sed -n 's/^# floor: .*create\/destroy \([0-9]*\) us$/\1/p' "$tmp"/suite-"$1"-*.log "$tmp/$1.floor" 2>/dev/null | sort -n | head -n1
}
jobs_line() {
	# $1 = label (host|vm), $2 = substrate option
	local label=$1 sub=$2 fl f wall n summ jn
	suite "$label" 1 "$sub" --model
	suite "$label" "" "$sub" --model
	if [ "$label" = host ]; then
		for _ in 1 2 3 4 5; do "$SUITE/build/tools/kvm_env"; done >"$tmp/host.floor" 2>/dev/null
		jn=$(nproc)
	else
		jn="the guest's CPUs, 2"
	fi
	fl=$(floor_of "$label")
	for f in "$tmp/suite-$label-j1.log.fig" "$tmp/suite-$label-jN.log.fig"; do
		read -r wall n summ <"$f"
		printf "suite on the model, %s, -j %s: %d cases, %.1f s (%s); floor %d x %s us = %.2f s; %.1fx the floor\n" \
			"$label" "$([ "$f" = "$tmp/suite-$label-j1.log.fig" ] && echo 1 || echo "N ($jn)")" \
			"$n" "$wall" "$summ" "$n" "$fl" "$(echo "$n * $fl / 1000000" | bc -l)" \
			"$(echo "$wall * 1000000 / ($n * $fl)" | bc -l)"
	done
	if [ "$label" = host ]; then
		# Where the host's time goes: the runner's fixed part (build
		# check, listing, banner: --list) and each program.
		t0=$(date +%s.%N)
		"$R" --host --model --list >/dev/null 2>&1
		printf "  runner's fixed part (build check, case listing, banner: --list): %.2f s\n" \
			"$(echo "$(date +%s.%N) - $t0" | bc)"
		sed -n 's/^# \([a-z0-9_]*\): exit status \([0-9]*\), \([0-9.]*\) s$/  -j 1: \1 \3 s/p' "$tmp/suite-host-j1.log"
	fi
}
[ $host -eq 1 ] && jobs_line host --host
jobs_line vm --vm

# The model's overhead: default-VM cases with and without it (median of 5
# on the host, where timings are stable enough to compare).
ratio() {
	local sub=$1 n=$2 a b
	a=$(for _ in $(seq "$n"); do t "$R" "$sub" -t default_vm_state_test; done | sort -n | sed -n "$(((n + 1) / 2))p")
	b=$(for _ in $(seq "$n"); do t "$R" "$sub" --model -t default_vm_state_test; done | sort -n | sed -n "$(((n + 1) / 2))p")
	printf "model overhead (%s, default_vm_state_test, median of %d): plain %.2f s, model %.2f s, ratio %.2f (target <= 1.5)\n" \
		"${sub#--}" "$n" "$a" "$b" "$(echo "$b / $a" | bc -l)"
}
[ $host -eq 1 ] && ratio --host 5
ratio --vm 1

# The matrix: time per case against the floor of one ioctl.
matrix() {
	local sub=$1 log=$tmp/matrix$1.log cases secs floor
	"$R" "$sub" -v --model -t protected_state_test >"$log" 2>&1
	cases=$(grep -cE '^(not )?ok [0-9]+ protected_state_test' "$log")
	secs=$(sed -n 's/^# protected_state_test: exit status [0-9]*, \([0-9.]*\) s$/\1/p' "$log")
	floor=$(sed -n 's/^# floor: KVM_GET_REGS \([0-9.]*\) us.*create\/destroy \([0-9]*\) us$/\1 \2/p' "$log")
	[ -n "$secs" ] && [ "$cases" -gt 0 ] || { echo "matrix (${sub#--}): no result"; return; }
	read -r fi fv <<<"$floor"
	printf "matrix (%s, model): %d cases in %.2f s, %.1f ms per case = %.0fx one VM create/destroy (%s us), %.0fx one KVM_GET_REGS (%s us)\n" \
		"${sub#--}" "$cases" "$secs" "$(echo "$secs * 1000 / $cases" | bc -l)" \
		"$(echo "$secs * 1000000 / $cases / $fv" | bc -l)" "$fv" \
		"$(echo "$secs * 1000000 / $cases / $fi" | bc -l)" "$fi"
}
[ $host -eq 1 ] && matrix --host
matrix --vm
