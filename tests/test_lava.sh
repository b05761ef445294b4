#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# LAVA (lava/): the test definition's converter on fake programs (seconds),
# then the real thing: `lava/lava.sh --skipfile lava/skipfile.example` runs
# the job with Debian's lava-run (kernel + ramdisk on qemu TCG, kselftest
# tarball from the tree's gen_tar) and compares LAVA's results with
# run_kvmtests.sh --vm --with-upstream case by case (measured: 4 min 7 s
# for this test with the tarball cached, 6 min 14 s when it is rebuilt,
# on 2 cores shared with other VM runs); then the comparison
# must catch a flipped verdict, a changed SKIP reason and a missing case.
# SKIPs (naming the package) only where lava-dispatcher cannot be installed.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ST=$("$SUITE/scripts/ksrc.sh" 2>/dev/null)/tools/testing/selftests

# --- fake installed tree: kselftest's own runner, four fake programs ---
# alpha: a harness program (lists its cases with -l, honours -r, prints a
# child's "1..0 # SKIP" before a "SKIP unknown"); beta: not a harness
# program, skips (exit 4); gamma: not a harness program, passes; delta: a
# harness program that dies after its first case.
inst=$tmp/inst
mkdir -p "$inst/kvm" "$inst/kselftest"
cp "$ST/run_kselftest.sh" "$inst/"
cp "$ST/kselftest/runner.sh" "$ST/kselftest/prefix.pl" "$inst/kselftest/"
printf 'kvm:alpha\nkvm:beta\nkvm:gamma\nkvm:delta\n' >"$inst/kselftest-list.txt"
harness() {
	# $1 = program, $2 = its cases "f.v.t ...", $3 = the body after the plan
	cat >"$inst/kvm/$1" <<EOF
#!/bin/sh
# list all tests
if [ "\$1" = -l ]; then
	printf '%-20s %-25s %s\n' '# FIXTURE' VARIANT TEST >&2
	printf '%-20s %-25s %s\n' f v1 t1 '' v2 t2 >&2
	exit 4
fi
echo "\$*" >>$tmp/$1.args
want=\$(echo " \$* " | sed 's/ -r / /g')
sel() { [ -z "\$(echo \$want)" ] || case "\$want" in *" \$1 "*) return 0 ;; *) return 1 ;; esac; }
$3
EOF
	chmod +x "$inst/kvm/$1"
}
harness alpha "" '
echo "TAP version 13"
sel f:v1:t1 && echo "ok 1 f.v1.t1"
sel f:v1:t2 && { echo "# f.v1.t2: KVM_GET_REGS returned 0, expected -1/EINVAL"; echo "not ok 2 f.v1.t2"; }
sel f:v2:t1 && echo "ok 3 f.v2.t1 # SKIP kvm_amd.sev_es=0"
sel f:v2:t2 && { echo "1..0 # SKIP Requirement not met: kvm_has_cap(KVM_CAP_X)"; echo "ok 4 f.v2.t2 # SKIP unknown"; }
exit 1'
harness delta "" '
echo "ok 1 f.v1.t1"
kill -SEGV $$'
printf '#!/bin/sh\necho "1..0 # SKIP Requirement not met: kvm_cpu_has(X86_FEATURE_SEV)"\nexit 4\n' >"$inst/kvm/beta"
printf '#!/bin/sh\necho "ok 1 fine"\nexit 0\n' >"$inst/kvm/gamma"
chmod +x "$inst/kvm/beta" "$inst/kvm/gamma"

res() { sed -n 's/^RESULT //p' "$1" | sort; }
out=$("$SUITE/lava/kselftest-kvm.sh" -p "$inst" -o "$tmp/o1" 2>&1)
t_eq "kselftest-kvm.sh: one result per case, names and verdicts as the suite's" \
	"$(printf '%s\n' "fail alpha.f.v1.t2" "fail delta.f.v1.t2" "fail delta.f.v2.t1" \
		"fail delta.f.v2.t2" "pass alpha.f.v1.t1" "pass delta.f.v1.t1" "pass gamma" \
		"skip alpha.f.v2.t1" "skip alpha.f.v2.t2" "skip beta" | sort)" "$(res <(echo "$out"))"
t_eq "kselftest-kvm.sh: SKIP reasons kept (harness, child's 1..0, whole program)" \
	"$(printf '%s\n' "alpha.f.v2.t1 # SKIP kvm_amd.sev_es=0" \
		"alpha.f.v2.t2 # SKIP Requirement not met: kvm_has_cap(KVM_CAP_X)" \
		"beta # SKIP Requirement not met: kvm_cpu_has(X86_FEATURE_SEV)")" \
	"$(grep -E '^ok [0-9]+ .* # SKIP' <<<"$out" | grep -v selftests: | sed -E 's/^ok [0-9]+ //')"
t_match "kselftest-kvm.sh: the KTAP line (and failure detail) precedes each result" \
	"not ok [0-9]+ alpha.f.v1.t2 RESULT fail alpha.f.v1.t2" "$(tr '\n' ' ' <<<"$out")"
t_match "kselftest-kvm.sh: closing line" "^3 passed, 4 failed, 3 skipped$" "$(tail -n 1 "$tmp/o1/results.ktap")"
t_eq "kselftest-kvm.sh: alpha ran whole (no -r)" "" "$(cat "$tmp/alpha.args")"

# Skipfile: Linaro's "kvm:REGEX" lines and case globs; skipped cases do
# not run, the rest of their program runs through -r filters.
printf '# comment\nkvm:gam+a\n\nalpha.f.v1.t2\ndelta.f.*\n' >"$tmp/skips"
rm -f "$tmp"/*.args
out=$("$SUITE/lava/kselftest-kvm.sh" -p "$inst" -S "$tmp/skips" -o "$tmp/o2" 2>&1)
t_eq "skipfile: skipped cases reported as skip, naming the skipfile line" \
	"$(printf '%s\n' "alpha.f.v1.t2 # SKIP skipfile skips:4: alpha.f.v1.t2" \
		"delta.f.v1.t1 # SKIP skipfile skips:5: delta.f.*" \
		"delta.f.v1.t2 # SKIP skipfile skips:5: delta.f.*" \
		"delta.f.v2.t1 # SKIP skipfile skips:5: delta.f.*" \
		"delta.f.v2.t2 # SKIP skipfile skips:5: delta.f.*" \
		"gamma # SKIP skipfile skips:2: kvm:gam+a" | sort)" \
	"$(grep -E '# SKIP skipfile' <<<"$out" | sed -E 's/^ok [0-9]+ //' | sort)"
t_eq "skipfile: the rest of alpha ran through -r filters" "-r f:v1:t1 -r f:v2:t1 -r f:v2:t2" \
	"$(sed 's/ *$//' "$tmp/alpha.args")"
t_eq "skipfile: wholly skipped programs did not run" "" \
	"$(grep -E 'selftests: kvm: (delta|gamma)' "$tmp/o2/kselftest.log")"
t_eq "skipfile: kselftest-list.txt put back" "kvm:alpha kvm:beta kvm:gamma kvm:delta" \
	"$(tr '\n' ' ' <"$inst/kselftest-list.txt" | sed 's/ $//')"
t_match "skipfile: closing line" "^1 passed, 0 failed, 9 skipped$" "$(tail -n 1 "$tmp/o2/results.ktap")"
out=$("$SUITE/lava/kselftest-kvm.sh" -p "$tmp/nowhere" -o "$tmp/o3" 2>&1)
t_match "no kselftest tree: a failing setup case, not a silent pass" \
	"^RESULT fail kvm-setup$" "$out"

# --- the real LAVA job ---
if ! command -v lava-run >/dev/null; then
	"$SUITE/scripts/setup.sh" lava >/dev/null 2>&1 || true
fi
if ! command -v lava-run >/dev/null; then
	echo "ok $((T_NUM += 1)) LAVA job # SKIP lava-dispatcher cannot be installed here (apt-get install lava-dispatcher failed)"
	t_done
	exit
fi
t0=$(date +%s)
"$SUITE/lava/lava.sh" --out "$tmp/lava" --skipfile "$SUITE/lava/skipfile.example" >"$tmp/lava.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/lava.out"
t_eq "lava.sh: LAVA job run and compared ($(($(date +%s) - t0)) s)" 0 "$rc"
o=$(cat "$tmp/lava.out")
t_match "LAVA results match the suite's KTAP case by case" \
	"^# compare: LAVA results match the KTAP case by case$" "$o"
t_match "LAVA: one test case per suite case, none only on one side" \
	"^# compare: names: [0-9]{3,} in both, 0 only in the KTAP, 0 only in LAVA$" "$o"
# What lava/skipfile.example names, counted in the suite's own KTAP.
n=$(awk '$1 == "ok" || $1 == "not" {
	name = $1 == "ok" ? $3 : $4
	if (name == "sev_migrate_tests" || name ~ /^state_fuzz_test\./ ||
	    index(name, "protected_state_test.after_launch.snp.") == 1 ||
	    name == "vm_types_test.vm_type.default.create")
		n++
} END { print n + 0 }' "$tmp/lava/suite.ktap" 2>/dev/null)
t_result $((n > 0 ? 0 : 1)) "the suite's KTAP has cases the skipfile names ($n)"
t_match "LAVA: the skipfile's $n cases skipped, not run" \
	"skipped by the skipfile, not run: $n\$" "$o"

# The comparison must see differences: a flipped verdict, another SKIP
# reason, a case missing from the KTAP.
if [ -s "$tmp/lava/results.yaml" ] && [ -s "$tmp/lava/suite.ktap" ]; then
	cmp() { /usr/bin/python3 "$SUITE/lava/compare.py" compare --results "$tmp/lava/results.yaml" \
		--log "$tmp/lava/lava.log" --skipfile "$SUITE/lava/skipfile.example" --ktap "$1" 2>&1; }
	k=$tmp/lava/suite.ktap
	# Cases the skipfile leaves alone: a pass and a skip.
	p=$(grep -m1 -E '^ok [0-9]+ default_vm_state_test\.[^ ]*$' "$k" | awk '{ print $3 }')
	s=$(grep -m1 -E '^ok [0-9]+ vm_types_test\.[^ ]* # SKIP ' "$k" | awk '{ print $3 }')
	sed -E "s/^ok ([0-9]+ $(t_re_escape "$p"))\$/not ok \\1/" "$k" >"$tmp/k1"
	t_match "compare: a flipped verdict is a difference ($p)" "DIFFERENCE: $(t_re_escape "$p"): KTAP fail, LAVA pass" "$(cmp "$tmp/k1")"
	sed -E "s/^(ok [0-9]+ $(t_re_escape "$s") # SKIP ).*/\\1another reason/" "$k" >"$tmp/k2"
	t_match "compare: another SKIP reason is a difference ($s)" "DIFFERENCE: $(t_re_escape "$s"): KTAP skip # SKIP another reason" "$(cmp "$tmp/k2")"
	grep -v -E "^ok [0-9]+ $(t_re_escape "$p")\$" "$k" >"$tmp/k3"
	t_match "compare: a case only in LAVA is a difference" "DIFFERENCE: $(t_re_escape "$p"): in LAVA, not in the KTAP" "$(cmp "$tmp/k3")"
else
	t_result 1 "compare: the job left results.yaml and suite.ktap"
fi
t_done
