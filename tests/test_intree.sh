#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# In-tree: the suite copied into tools/testing/selftests/kvm of the pinned
# 6.12 tree (a copy of what selftests need: top Makefile, scripts/, tools/,
# usr/include; the cached tree is never touched) builds and runs with the
# tree's own commands: make TARGETS=kvm, O=, install, run_kselftest.sh -l /
# -t kvm:NAME (result lines compared with the standalone run), run_tests,
# gen_tar; and the same in a simulated >= 6.14 layout (x86/, Makefile.kvm;
# scripts/intree.sh to614), where upstream's own kvm tests keep building.
. "$(dirname "$0")/lib.sh"
I=$SUITE/scripts/intree.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# kselftest's install (lib.mk) copies with rsync.
out=$("$SUITE/scripts/setup.sh" intree 2>&1)
t_result $? "setup.sh intree: rsync installed" "$out"
kdir=$("$SUITE/scripts/ksrc.sh" 2>/dev/null) || { t_result 1 "kernel tree" "ksrc.sh failed"; t_done; exit; }
j=-j$(nproc)
ST=tools/testing/selftests
host=0
"$SUITE/build/tools/kvm_env" --probe >/dev/null 2>&1 && host=1

secs() { echo $(($(date +%s) - $1)); }
progs=$(grep -l '^#include "kps_' "$SUITE"/x86_64/*.c | xargs -n1 basename | sed 's/\.c$//' | sort)

# --- 6.12 ---
t0=$(date +%s)
"$I" slim "$kdir" "$tmp/linux" && "$I" copy "$tmp/linux/$ST/kvm"
t_result $? "copy: tree copy and suite copied into $ST/kvm ($(secs "$t0") s)"
L=$tmp/linux

# O= first, so the source folder must stay free of build output.
mkdir -p "$tmp/obj/usr" && cp -a "$L/usr/include" "$tmp/obj/usr/"
t0=$(date +%s)
out=$(make $j -C "$L/$ST" TARGETS=kvm O="$tmp/obj" 2>&1)
t_result $? "O=: make -C $ST TARGETS=kvm O=DIR ($(secs "$t0") s)" "$(tail -n5 <<<"$out")"
for p in $progs sev_smoke_test; do
	[ -x "$tmp/obj/kselftest/kvm/x86_64/$p" ]
	t_result $? "O=: built kselftest/kvm/x86_64/$p"
done
t_eq "O=: no object files in the source folder" "" "$(find "$L/$ST/kvm" -name '*.o' | head -n3)"

t0=$(date +%s)
out=$(make $j -C "$L/$ST" TARGETS=kvm 2>&1)
t_result $? "make -C $ST TARGETS=kvm ($(secs "$t0") s)" "$(tail -n5 <<<"$out")"
out=$(make -C "$L/$ST" TARGETS=kvm install INSTALL_PATH="$tmp/inst" 2>&1)
t_result $? "make -C $ST TARGETS=kvm install INSTALL_PATH=DIR" "$(tail -n5 <<<"$out")"
want=$(for p in $progs sev_init2_tests sev_smoke_test sev_migrate_tests; do echo "kvm:$p"; done | sort)
t_eq "install: kselftest-list.txt = the suite's programs + upstream's SEV tests" "$want" "$(sort "$tmp/inst/kselftest-list.txt")"
t_eq "install: settings and config installed" "$(cat "$SUITE/settings" "$SUITE/config")" \
	"$(cat "$tmp/inst/kvm/settings" "$tmp/inst/kvm/config" 2>/dev/null)"
t_eq "run_kselftest.sh -l lists them" "$want" "$("$tmp/inst/run_kselftest.sh" -l | sort)"

# One binary through run_kselftest.sh vs the standalone runner: the same
# result lines (status, fixture.variant.test, SKIP reason).
norm_nested() { sed -nE 's/^# (not )?ok [0-9]+ ([^ ]+)(.*)$/\1ok \2\3/p'; }
norm_ours() { sed -nE "s/^(not )?ok [0-9]+ $(t_re_escape "$1")\\.([^ ]+)(.*)$/\\1ok \\2\\3/p"; }
# The installed tree runs on the VM substrate like on a DUT (always, so the
# guest's busybox environment is proven on every machine), and on the host
# when it has /dev/kvm.
subs=--vm
[ $host -eq 1 ] && subs="--host --vm"
for sub in $subs; do
	if [ "$sub" = --host ]; then
		out=$("$tmp/inst/run_kselftest.sh" -t kvm:vm_types_test 2>&1)
	else
		out=$("$SUITE/scripts/vm.sh" --timeout 300 "$tmp/inst" -- ./run_kselftest.sh -t kvm:vm_types_test 2>/dev/null)
	fi
	t_match "run_kselftest.sh -t kvm:vm_types_test passes ($sub)" "^ok 1 selftests: kvm: vm_types_test$" "$out"
	std=$("$SUITE/run_kvmtests.sh" "$sub" -t vm_types_test 2>/dev/null | norm_ours vm_types_test)
	nested=$(norm_nested <<<"$out")
	t_eq "run_kselftest.sh and run_kvmtests.sh give the same result lines ($sub, $(wc -l <<<"$std") cases)" "$std" "$nested"
done

if [ $host -eq 1 ]; then
	t0=$(date +%s)
	out=$(make -C "$L/$ST" TARGETS=kvm run_tests 2>&1)
	t_result $? "make -C $ST TARGETS=kvm run_tests ($(secs "$t0") s)" "$(tail -n5 <<<"$out")"
	t_eq "run_tests: one result per program, none failed" "$(wc -w <<<"$want") 0" \
		"$(grep -c '^ok [0-9]* selftests: kvm: \|^not ok [0-9]* selftests: kvm: ' <<<"$out") $(grep -c '^not ok [0-9]* selftests: kvm: ' <<<"$out")"
else
	echo "ok $((T_NUM += 1)) run_tests # SKIP /dev/kvm cannot create a VM here"
fi
out=$(make -C "$L/$ST" TARGETS=kvm gen_tar INSTALL_PATH="$tmp/tar" 2>&1)
t_result $? "make -C $ST TARGETS=kvm gen_tar" "$(tail -n5 <<<"$out")"
t_match "gen_tar: the tarball holds the programs and run_kselftest.sh" "kvm/vm_types_test.*run_kselftest.sh|run_kselftest.sh.*kvm/vm_types_test" \
	"$(tar tf "$tmp/tar/kselftest-packages/kselftest.tar.gz" 2>/dev/null | tr '\n' ' ')"
out=$(make -C "$L/$ST/kvm" clean 2>&1)
t_result $? "make -C $ST/kvm clean" "$(tail -n3 <<<"$out")"
t_eq "clean: no programs or objects left" "" "$(find "$L/$ST/kvm" -name '*.o' -o -name vm_types_test -type f | head -n3)"

# The suite's own runner inside the tree (the enclosing tree is its tree).
if [ $host -eq 1 ]; then
	out=$(KPS_CACHE=$tmp/cache "$L/$ST/kvm/run_kvmtests.sh" --host -t vm_types_test 2>&1)
	t_result $? "run_kvmtests.sh inside the tree" "$(tail -n5 <<<"$out")"
	t_match "run_kvmtests.sh inside the tree uses it" "^# kernel tree: $(t_re_escape "$L")$" "$out"
	t_eq "run_kvmtests.sh inside the tree: same results" "$std" "$(norm_ours vm_types_test <<<"$out")"
fi
rm -rf "$L" "$tmp/obj" "$tmp/inst" "$tmp/tar"

# --- simulated >= 6.14 layout ---
"$I" slim "$kdir" "$tmp/l614" && "$I" to614 "$tmp/l614" && "$I" copy "$tmp/l614/$ST/kvm"
t_result $? ">= 6.14 (simulated): x86/, Makefile.kvm, suite copied in"
t0=$(date +%s)
out=$(make $j -C "$tmp/l614/$ST" TARGETS=kvm 2>&1)
t_result $? ">= 6.14: make -C $ST TARGETS=kvm ($(secs "$t0") s)" "$(grep -m3 -i 'error' <<<"$out")"
for p in $progs; do
	[ -x "$tmp/l614/$ST/kvm/x86_64/$p" ]
	t_result $? ">= 6.14: built $p"
done
[ -x "$tmp/l614/$ST/kvm/x86/state_test" ] && [ -x "$tmp/l614/$ST/kvm/dirty_log_test" ]
t_result $? ">= 6.14: upstream's own tests (x86/state_test, dirty_log_test) still built"
out=$(make -C "$tmp/l614/$ST" TARGETS=kvm install INSTALL_PATH="$tmp/i614" 2>&1)
t_result $? ">= 6.14: install" "$(tail -n3 <<<"$out")"
t_match ">= 6.14: run_kselftest.sh -l lists ours and upstream's" "kvm:vm_types_test.*kvm:state_test|kvm:state_test.*kvm:vm_types_test" \
	"$("$tmp/i614/run_kselftest.sh" -l | tr '\n' ' ')"
if [ $host -eq 1 ]; then
	out=$("$tmp/i614/run_kselftest.sh" -t kvm:vm_types_test 2>&1)
	t_eq ">= 6.14: run_kselftest.sh -t kvm:vm_types_test, same result lines" "$std" "$(norm_nested <<<"$out")"
fi
t_done
