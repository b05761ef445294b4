#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make valgrind: every test program of the suite under valgrind memcheck on
# the host's /dev/kvm, once on the bare KVM and once over the software model
# (which then runs under memcheck too, with upstream's SEV selftests). One
# TAP line per (program, mode): ok when memcheck saw no error (invalid
# access, uninitialised use, bad syscall argument) and no definitely or
# indirectly lost block in any process, forked test cases included, and the
# program ended on its own within the timeout.
#
# The harness' own verdicts are printed, not counted: under valgrind the
# program sees valgrind's synthetic CPUID (vendor, features), so cases that
# read CPUID can fail for that reason alone.
#
# Needs valgrind and a /dev/kvm that can create a VM. The VM substrate's
# initramfs has no valgrind (it would add about 60 MB to every boot), so
# without a usable host /dev/kvm the whole step is a SKIP naming the cause.
#
#   tests/valgrind.sh [PROGRAM]...    (default: all of x86_64/*.c)
# Environment: KPS_VG_TIMEOUT (per program run, default 900 s),
# KPS_FUZZ_ITERS (state_fuzz_test, default 8 here), KPS_VG_KEEP=DIR (keep
# every process' valgrind log there).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
B=$SUITE/build
MODEL=$B/model/libkvm_sev_model.so
T=${KPS_VG_TIMEOUT:-900}
export KPS_FUZZ_ITERS=${KPS_FUZZ_ITERS:-8}

skip_all() {
	echo "ok 1 valgrind # SKIP $*"
	echo "1..1"
	exit 0
}

# valgrind is a package setup.sh installs: its absence is a failure.
if ! msg=$("$SUITE/scripts/setup.sh" valgrind 2>&1) || ! command -v valgrind >/dev/null; then
	echo "not ok 1 valgrind installed"
	printf '%s\n' "${msg:-valgrind not in PATH}" | sed 's/^/# /'
	echo "1..1"
	exit 1
fi
[ -x "$B/tools/kvm_env" ] || skip_all "the suite is not built ($B/tools/kvm_env missing; run make)"
if ! why=$("$B/tools/kvm_env" --probe 2>&1); then
	skip_all "host /dev/kvm cannot create a VM ($why) and the VM substrate has no valgrind"
fi
[ -f /usr/include/valgrind/memcheck.h ] ||
	skip_all "valgrind's headers are missing (/usr/include/valgrind/memcheck.h)"
KDIR=$(cat "$B/.tree" 2>/dev/null)
[ -n "$KDIR" ] && [ -f "$KDIR/usr/include/linux/kvm.h" ] ||
	skip_all "no kernel tree recorded in $B/.tree (run make)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kps-valgrind.XXXXXX")
child=
# shellcheck disable=SC2317 # called from traps
on_exit() {
	[ -n "$child" ] && kill -KILL "$child" 2>/dev/null
	if [ -n "${KPS_VG_KEEP:-}" ]; then
		mkdir -p "$KPS_VG_KEEP" && cp -r "$tmp"/. "$KPS_VG_KEEP"/
	fi
	rm -rf "$tmp"
}
trap on_exit EXIT
trap 'exit 143' TERM INT HUP

# The shim that tells memcheck what KVM wrote (see valgrind_kvm.c).
if ! gcc -O2 -g -Wall -fPIC -shared -isystem "$KDIR/usr/include" \
	"$SUITE/tests/valgrind_kvm.c" -o "$tmp/valgrind_kvm.so" 2>"$tmp/cc.err"; then
	t_result 1 "valgrind: build tests/valgrind_kvm.c" "$(head -5 "$tmp/cc.err")"
	t_done
	exit
fi

progs=("$@")
if [ ${#progs[@]} -eq 0 ]; then
	for s in "$SUITE"/x86_64/*.c; do
		progs+=("x86_64/$(basename "$s" .c)")
	done
fi

tot_p=0 tot_e=0 tot_l=0 t_all=$(date +%s)

# run LABEL PRELOAD PROGRAM
run() {
	local label=$1 pre=$2 prog=$3 name d rc t0 t1 p e l inv verdict
	name=$(basename "$prog")
	d=$tmp/$name.$label
	mkdir -p "$d"
	if [ ! -x "$B/$prog" ]; then
		t_result 1 "valgrind $name ($label)" "$B/$prog is not built"
		return
	fi
	t0=$(date +%s.%N)
	(cd "$(dirname "$B/$prog")" &&
		exec env LD_PRELOAD="$pre" timeout -s KILL "$T" valgrind \
			--tool=memcheck --leak-check=full \
			--show-leak-kinds=definite,indirect \
			--errors-for-leak-kinds=definite,indirect \
			--error-exitcode=99 --child-silent-after-fork=no \
			--suppressions="$SUITE/tests/valgrind.supp" \
			--log-file="$d/vg.%p.log" "./$name" </dev/null >"$d/out" 2>&1) &
	child=$!
	wait "$child"
	rc=$?
	child=
	t1=$(date +%s.%N)
	p=$(find "$d" -name 'vg.*.log' | wc -l)
	e=$(cat "$d"/vg.*.log 2>/dev/null |
		sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	l=$(cat "$d"/vg.*.log 2>/dev/null |
		sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' | tr -d , | awk '{ s += $1 } END { print s + 0 }')
	inv=$(cat "$d"/vg.*.log 2>/dev/null | grep -cE 'Invalid (read|write|free)|Mismatched free|uninitialised|unaddressable')
	verdict=$(grep -E '^# Totals:' "$d/out" | tail -1 | sed 's/^# Totals: //')
	tot_p=$((tot_p + p)) tot_e=$((tot_e + e)) tot_l=$((tot_l + l))
	local msg
	msg="valgrind $name ($label): $p processes, $e errors ($inv invalid/uninitialised), $l bytes definitely lost, $(printf %.1f "$(echo "$t1 - $t0" | bc)") s"
	if [ "$rc" -eq 137 ] || [ "$rc" -eq 124 ]; then
		t_result 1 "$msg" "killed after the ${T}s timeout (KPS_VG_TIMEOUT)"
	elif [ "$e" -ne 0 ] || [ "$l" -ne 0 ] || [ "$p" -eq 0 ]; then
		# The first error with its stack, from the first log that has one.
		local f
		f=$(grep -lE 'ERROR SUMMARY: [1-9]' "$d"/vg.*.log 2>/dev/null | head -1)
		t_result 1 "$msg" "harness: ${verdict:-no totals (exit $rc)}" \
			"$(grep -v '^==[0-9]*== *$' "${f:-/dev/null}" | sed -n '/== [A-Z][a-z]/,$p' | head -25)"
	else
		t_result 0 "$msg"
		echo "# harness under valgrind: ${verdict:-exit $rc}"
	fi
}

for prog in "${progs[@]}"; do
	run kvm "$tmp/valgrind_kvm.so" "$prog"
	if [ -f "$MODEL" ]; then
		run model "$MODEL" "$prog"
	else
		echo "ok $((T_NUM += 1)) valgrind $(basename "$prog") (model) # SKIP $MODEL not built"
	fi
done
# The model under upstream's SEV selftests too (make check runs them there).
if [ -f "$MODEL" ] && [ $# -eq 0 ]; then
	for up in "$B"/kvm/*/sev_init2_tests "$B"/kvm/*/sev_migrate_tests; do
		[ -x "$up" ] && run model "$MODEL" "${up#"$B"/}"
	done
	# test_sync_vmsa() compares the guest's XSAVE image with one the
	# program builds with XSAVE on the host CPU, which valgrind emulates
	# differently (mismatch at byte 0x1e, then abort).
	echo "ok $((T_NUM += 1)) valgrind sev_smoke_test (model) # SKIP its host-side XSAVE runs on valgrind's synthetic CPU (compare_xsave mismatch at byte 0x1e)"
fi
echo "# valgrind total: $tot_p processes, $tot_e errors, $tot_l bytes definitely lost, $(($(date +%s) - t_all)) s"
t_done
