#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# In-tree: the suite copied into tools/testing/selftests/kvm of the pinned
# 6.12 tree (a copy of what selftests need: top Makefile, scripts/, tools/,
# usr/include; the cached tree is never touched) by scripts/intree.sh copy,
# which adds it to the tree's kvm Makefile, config and settings, builds and
# runs with the tree's own commands: make TARGETS=kvm, O=, install,
# run_kselftest.sh -l / -t kvm:NAME (result lines compared with the
# standalone run), run_tests, gen_tar; upstream's kvm test list is the
# pristine tree's plus exactly the suite's programs, and all of them build.
# The same in a simulated >= 6.14 layout (x86/, Makefile.kvm; scripts/
# intree.sh to614); and copy --replace (the suite's Makefile instead of the
# tree's: its programs and upstream's SEV tests).
. "$(dirname "$0")/lib.sh"
. "$SUITE/scripts/kvmdir.sh"
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
ours=$(for p in $progs; do echo "kvm:$p"; done)
# The collection's list as kselftest's install writes it (lib.mk's
# emit_tests, no build).
emit() { make -s --no-print-directory -C "$1" emit_tests COLLECTION=kvm 2>/dev/null | sort; }
# The config options (NAME=VALUE lines) of a fragment; the option names
# set more than once.
options() { grep '^CONFIG_' "$1" | sort; }
dup_names() { grep '^CONFIG_' "$1" | cut -d= -f1 | sort | uniq -d; }
# Lines that FILE gained over PRISTINE (none may go).
added() { diff "$1" "$2" | sed -n 's/^> //p'; }
removed() { diff "$1" "$2" | sed -n 's/^< //p'; }

# merge LABEL PRISTINE_KVM_DIR KVM_DIR MAKEFILE ARCH: the suite's copy
# added exactly its lines to the tree's kvm Makefile, kept every config
# line of the tree's and ours, the larger timeout; a second copy changes
# nothing.
merge_checks() {
	local l=$1 p=$2 k=$3 mk=$4 arch=$5 want_mk want_t
	want_mk=$({ for f in "$SUITE"/lib/*.c; do echo "LIBKVM_$arch += lib/$(basename "$f")"; done
		for q in $progs; do echo "TEST_GEN_PROGS_$arch += x86_64/$q"; done; } | sort)
	t_eq "$l: $mk: nothing removed" "" "$(removed "$p/$mk" "$k/$mk")"
	t_eq "$l: $mk: one line per suite program and library file added" "$want_mk" "$(added "$p/$mk" "$k/$mk" | sort)"
	t_eq "$l: config: every option of the tree's config and of the suite's" \
		"$(sort -u <(options "$p/config") <(options "$SUITE/config"))" "$(options "$k/config")"
	t_eq "$l: config: the tree's lines kept in place, first" "$(cat "$p/config")" "$(head -n "$(wc -l <"$p/config")" "$k/config")"
	t_eq "$l: config: no option set twice" "" "$(dup_names "$k/config")"
	want_t=$(cat "$p/settings" "$SUITE/settings" | sed -n 's/^timeout=//p' | sort -n | tail -n1)
	t_eq "$l: settings: timeout=$want_t, the larger of the tree's and the suite's" "timeout=$want_t" "$(grep '^timeout=' "$k/settings")"
	cp "$k/$mk" "$tmp/mk.1" && cp "$k/config" "$tmp/config.1" && cp "$k/settings" "$tmp/settings.1"
	"$I" copy "$k"
	t_result $? "$l: copy again"
	t_eq "$l: copy again adds nothing" "" \
		"$(diff "$tmp/mk.1" "$k/$mk"; diff "$tmp/config.1" "$k/config"; diff "$tmp/settings.1" "$k/settings")"
}

# The merge of settings on its own: the larger timeout wins either way,
# other settings of the tree stay.
printf 'timeout=45\nfoo=1\n' >"$tmp/s.low"
printf 'timeout=300\n' >"$tmp/s.high"
t_eq "settings merge: the suite's 120 over the tree's 45, the tree's other lines kept" \
	"$(printf 'timeout=120\nfoo=1')" "$(kvm_settings_merge "$tmp/s.low" "$SUITE/settings")"
t_eq "settings merge: the tree's 300 over the suite's 120" "timeout=300" \
	"$(kvm_settings_merge "$tmp/s.high" "$SUITE/settings")"
printf 'CONFIG_KVM=m\n' >"$tmp/c.m"
out=$(kvm_config_missing "$tmp/c.m" "$SUITE/config" 2>&1 >/dev/null)
t_match "config merge: a conflicting value keeps the tree's, one line says so" "^kvmdir.sh: config: CONFIG_KVM=m kept \(the suite has CONFIG_KVM=y\)$" "$out"

# --- 6.12 ---
t0=$(date +%s)
"$I" slim "$kdir" "$tmp/linux"
t_result $? "slim: tree copy ($(secs "$t0") s)"
L=$tmp/linux
up=$(emit "$L/$ST/kvm")
t_eq "6.12: upstream's kvm list has its tests (state_test, sev_smoke_test)" "kvm:sev_smoke_test kvm:state_test" \
	"$(grep -xE 'kvm:(state_test|sev_smoke_test)' <<<"$up" | sort | tr '\n' ' ' | sed 's/ $//')"
"$I" copy "$L/$ST/kvm"
t_result $? "copy: suite copied into $ST/kvm, added to its Makefile, config, settings"
merge_checks 6.12 "$kdir/$ST/kvm" "$L/$ST/kvm" Makefile x86_64
want=$(sort <(echo "$up") <(echo "$ours"))
t_eq "6.12: emit_tests = upstream's $(wc -l <<<"$up") tests + the suite's $(wc -l <<<"$ours")" "$want" "$(emit "$L/$ST/kvm")"

# O= first, so the source folder must stay free of build output. The
# suite's programs and two of upstream's (the list set on the command
# line): the build below builds all 90 again.
mkdir -p "$tmp/obj/usr" && cp -a "$L/usr/include" "$tmp/obj/usr/"
t0=$(date +%s)
out=$(make $j -C "$L/$ST" TARGETS=kvm O="$tmp/obj" \
	TEST_GEN_PROGS_x86_64="$(printf 'x86_64/%s ' $progs sev_smoke_test state_test)" 2>&1)
t_result $? "O=: make -C $ST TARGETS=kvm O=DIR ($(secs "$t0") s)" "$(tail -n5 <<<"$out")"
for p in $progs sev_smoke_test state_test; do
	[ -x "$tmp/obj/kselftest/kvm/x86_64/$p" ]
	t_result $? "O=: built kselftest/kvm/x86_64/$p"
done
t_eq "O=: no object files in the source folder" "" "$(find "$L/$ST/kvm" -name '*.o' | head -n3)"

t0=$(date +%s)
out=$(make $j -C "$L/$ST" TARGETS=kvm 2>&1)
t_result $? "make -C $ST TARGETS=kvm ($(secs "$t0") s)" "$(tail -n5 <<<"$out")"
out=$(make -C "$L/$ST" TARGETS=kvm install INSTALL_PATH="$tmp/inst" 2>&1)
t_result $? "make -C $ST TARGETS=kvm install INSTALL_PATH=DIR" "$(tail -n5 <<<"$out")"
t_eq "install: kselftest-list.txt = upstream's list + exactly the suite's programs" "$want" "$(sort "$tmp/inst/kselftest-list.txt")"
missing=""
for p in $(sed 's/^kvm://' <<<"$want"); do [ -x "$tmp/inst/kvm/$p" ] || missing+=" $p"; done
t_eq "install: every listed test built and installed ($(wc -l <<<"$want"))" "" "${missing# }"
t_eq "install: the merged settings and config installed" "$(cat "$L/$ST/kvm/settings" "$L/$ST/kvm/config")" \
	"$(cat "$tmp/inst/kvm/settings" "$tmp/inst/kvm/config" 2>/dev/null)"
t_eq "run_kselftest.sh -l lists them" "$want" "$("$tmp/inst/run_kselftest.sh" -l | sort)"

# One binary through run_kselftest.sh vs the standalone runner: the same
# result lines (status, fixture.variant.test, SKIP reason).
norm_nested() { sed -nE 's/^# (not )?ok [0-9]+ ([^ ]+)(.*)$/\1ok \2\3/p'; }
norm_ours() { sed -nE "s/^(not )?ok [0-9]+ $(t_re_escape "$1")\\.([^ ]+)(.*)$/\\1ok \\2\\3/p"; }
# The installed tree runs on the VM substrate like on a DUT (always, so the
# guest's busybox environment is proven on every machine), and on the host
# when it has /dev/kvm: the suite's vm_types_test and upstream's
# kvm_binary_stats_test side by side. The guest gets the installed tree
# with only these two programs (all 90 make an 80 MB initramfs that takes
# the guest 20 s more to unpack under TCG).
mkdir -p "$tmp/vmpay/kvm"
cp -a "$tmp/inst/run_kselftest.sh" "$tmp/inst/kselftest" "$tmp/inst/kselftest-list.txt" "$tmp/vmpay/"
cp -a "$tmp/inst/kvm/"{vm_types_test,kvm_binary_stats_test,config,settings} "$tmp/vmpay/kvm/"
subs=--vm
[ $host -eq 1 ] && subs="--host --vm"
for sub in $subs; do
	if [ "$sub" = --host ]; then
		out=$("$tmp/inst/run_kselftest.sh" -t kvm:vm_types_test -t kvm:kvm_binary_stats_test 2>&1)
	else
		out=$("$SUITE/scripts/vm.sh" --timeout 300 "$tmp/vmpay" -- \
			./run_kselftest.sh -t kvm:vm_types_test -t kvm:kvm_binary_stats_test 2>/dev/null)
	fi
	t_match "run_kselftest.sh -t kvm:vm_types_test passes ($sub)" "^ok [12] selftests: kvm: vm_types_test$" "$out"
	t_match "run_kselftest.sh -t kvm:kvm_binary_stats_test (upstream's) passes beside it ($sub)" \
		"^ok [12] selftests: kvm: kvm_binary_stats_test$" "$out"
	out=$(sed -n '/^# selftests: kvm: vm_types_test$/,/^ok .* vm_types_test$/p' <<<"$out")
	std=$("$SUITE/run_kvmtests.sh" "$sub" -t vm_types_test 2>/dev/null | norm_ours vm_types_test)
	nested=$(norm_nested <<<"$out")
	t_eq "run_kselftest.sh and run_kvmtests.sh give the same result lines ($sub, $(wc -l <<<"$std") cases)" "$std" "$nested"
done

if [ $host -eq 1 ]; then
	# The suite's programs and one of upstream's (the list set on the
	# command line): all of upstream's take minutes, and some need hardware
	# or settings this host lacks.
	run=$(for p in $progs; do printf 'x86_64/%s ' "$p"; done)kvm_binary_stats_test
	t0=$(date +%s)
	out=$(make -C "$L/$ST" TARGETS=kvm run_tests TEST_GEN_PROGS_x86_64="$run" TEST_PROGS_x86_64= 2>&1)
	t_result $? "make -C $ST TARGETS=kvm run_tests (the suite's + kvm_binary_stats_test, $(secs "$t0") s)" "$(tail -n5 <<<"$out")"
	t_eq "run_tests: one result per program, none failed" "$(wc -w <<<"$run") 0" \
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

# --- copy --replace: the suite's Makefile, config and settings instead ---
cp "$kdir/$ST/kvm/Makefile" "$kdir/$ST/kvm/config" "$kdir/$ST/kvm/settings" "$L/$ST/kvm/"
rm -f "$L/$ST/kvm/Makefile.kps"
"$I" copy --replace "$L/$ST/kvm"
t_result $? "copy --replace"
t_eq "copy --replace: the suite's Makefile, config, settings" "" \
	"$(for f in Makefile config settings; do cmp -s "$SUITE/$f" "$L/$ST/kvm/$f" || echo "$f"; done)"
t_eq "copy --replace: emit_tests = the suite's programs + upstream's SEV tests" \
	"$(sort <(echo "$ours") <(printf 'kvm:%s\n' sev_init2_tests sev_smoke_test sev_migrate_tests))" "$(emit "$L/$ST/kvm")"
t_one_line "copy after copy --replace" 1 "Makefile is the suite's .*restore the tree's first" "$I" copy "$L/$ST/kvm"
rm -rf "$L" "$tmp/obj" "$tmp/inst" "$tmp/tar" "$tmp/vmpay"

# --- simulated >= 6.14 layout ---
"$I" slim "$kdir" "$tmp/l614" && "$I" to614 "$tmp/l614"
t_result $? ">= 6.14 (simulated): x86/, Makefile.kvm"
cp -a "$tmp/l614/$ST/kvm" "$tmp/p614"
up=$(emit "$tmp/l614/$ST/kvm")
"$I" copy "$tmp/l614/$ST/kvm"
t_result $? ">= 6.14: suite copied in"
merge_checks ">= 6.14" "$tmp/p614" "$tmp/l614/$ST/kvm" Makefile.kvm x86
want=$(sort <(echo "$up") <(echo "$ours"))
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
t_eq ">= 6.14: run_kselftest.sh -l = upstream's $(wc -l <<<"$up") tests + exactly the suite's" "$want" \
	"$("$tmp/i614/run_kselftest.sh" -l | sort)"
missing=""
for p in $(sed 's/^kvm://' <<<"$want"); do [ -x "$tmp/i614/kvm/$p" ] || missing+=" $p"; done
t_eq ">= 6.14: every listed test built and installed ($(wc -l <<<"$want"))" "" "${missing# }"
if [ $host -eq 1 ]; then
	out=$("$tmp/i614/run_kselftest.sh" -t kvm:vm_types_test 2>&1)
	t_eq ">= 6.14: run_kselftest.sh -t kvm:vm_types_test, same result lines" "$std" "$(norm_nested <<<"$out")"
fi
t_done
