#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# scripts/matrix.sh: the table built from canned KTAP streams (pass, fail,
# skip, timeout, expected failures, kernels too old for libkvm), compact and
# diff modes, and the runs driven through a stub runner and stub apt.
. "$(dirname "$0")/lib.sh"
M=$SUITE/scripts/matrix.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/new.ktap" <<'K'
TAP version 13
# kernel tree: /k
# substrate: vm (Debian 6.12.117+deb12 under qemu TCG)
# kernel: Linux 6.12.117-amd64 x86_64
# /dev/kvm: api 12, KVM_CAP_VM_TYPES=0x3 (DEFAULT|SW_PROTECTED)
1..7
ok 1 a_test.f.default.one
ok 2 a_test.f.default.two
not ok 3 a_test.f.default.three
# a_test.c:10:three:Expected 0 (0) == r (-1)
ok 4 a_test.f.sev.one # SKIP KVM_CAP_VM_TYPES=0x3 lacks KVM_X86_SEV_VM (kvm_amd.sev=N)
not ok 5 a_test.g.default.slow # TIMEOUT
not ok 6 a_test.g.default.known
# XFAIL known breakage
ok 7 a_test.g.default.odd # SKIP unknown
6 passed, 3 failed, 2 skipped
K
# 6.1: no KVM_CAP_VM_TYPES, libkvm's VMs with memory skip (with the reason
# kept by ktap.awk, or "unknown" in older streams), the rest run.
cat >"$tmp/old.ktap" <<'K'
TAP version 13
# kernel: Linux 6.1.0-56-amd64 x86_64
# /dev/kvm: api 12, KVM_CAP_VM_TYPES=0x0 (capability absent: DEFAULT only)
1..6
ok 1 a_test.f.default.one
ok 2 a_test.f.default.two # SKIP KVM selftests now require KVM_SET_USER_MEMORY_REGION2 (introduced in v6.8)
ok 3 a_test.f.default.three # SKIP unknown
ok 4 a_test.f.sev.one # SKIP KVM_CAP_VM_TYPES=0x1 lacks KVM_X86_SEV_VM (kvm_amd.sev=N)
ok 5 a_test.g.default.slow
ok 6 up_test # SKIP KVM selftests now require KVM_SET_USER_MEMORY_REGION2 (introduced in v6.8)
2 passed, 0 failed, 4 skipped
K

# cells of NAME's row, space-separated
row() { awk -v n="$1" '$1 == n { $1 = ""; sub(/^ /, ""); print }' <<<"$2"; }

out=$("$M" --from 6.12.117+deb12="$tmp/new.ktap" 6.1.0-56="$tmp/old.ktap")
rc=$?
t_eq "a FAIL cell fails the matrix" 1 "$rc"
t_match "header names both kernels" "^case +6\.12\.117\+deb12 +6\.1\.0-56$" "$out"
t_match "per-kernel line: release, VM types, summary" \
	"^# 6\.1\.0-56: Linux 6\.1\.0-56-amd64; KVM_CAP_VM_TYPES=0x0 \(capability absent: DEFAULT only\); 2 passed, 0 failed, 4 skipped$" "$out"
t_eq "pass on both" "PASS PASS" "$(row a_test.f.default.one "$out")"
t_eq "too old (named reason): n/a, not SKIP" "PASS n/a<6.8" "$(row a_test.f.default.two "$out")"
t_eq "too old (reason unknown, release < 6.8): n/a" "FAIL n/a<6.8" "$(row a_test.f.default.three "$out")"
t_eq "a missing VM type stays SKIP on an old kernel" "SKIP SKIP" "$(row a_test.f.sev.one "$out")"
t_eq "timeout" "TIMEOUT PASS" "$(row a_test.g.default.slow "$out")"
t_eq "expected failure, case missing on a kernel" "XFAIL -" "$(row a_test.g.default.known "$out")"
t_eq "SKIP unknown on a >= 6.8 kernel stays SKIP" "SKIP -" "$(row a_test.g.default.odd "$out")"
t_eq "single-program case too old" "- n/a<6.8" "$(row up_test "$out")"
t_eq "totals: PASS" "2 2" "$(row PASS "$out")"
t_eq "totals: FAIL" "1 0" "$(row FAIL "$out")"
t_eq "totals: TIMEOUT" "1 0" "$(row TIMEOUT "$out")"
t_eq "totals: SKIP" "2 1" "$(row SKIP "$out")"
t_eq "totals: n/a" "0 3" "$(row 'n/a<6.8' "$out")"
t_eq "one footnote" 1 "$(grep -c '^# n/a<6\.8: ' <<<"$out")"
t_match "footnote names reason and kernel" \
	"^# n/a<6\.8: too old for this libkvm, not run: KVM selftests now require KVM_SET_USER_MEMORY_REGION2 \(introduced in v6\.8\); 6\.1\.0-56 \(6\.1\.0-56-amd64\)$" "$out"
t_eq "columns line up" 1 "$(grep -E '^(case|a_test|up_test|PASS|FAIL|SKIP)' <<<"$out" |
	awk '{ print index($0, $2) }' | sort -u | wc -l)"

out=$("$M" --from a="$tmp/old.ktap")
t_eq "no FAIL cell: exit status 0" 0 "$?"
t_eq "no footnote without n/a" 0 "$(grep -c '^# n/a' <<<"$("$M" --from "$tmp/new.ktap")")"
t_match "label from the file name" "^case +new$" "$("$M" --from "$tmp/new.ktap")"

# An expectations file's entry that passes on a kernel (the kernel was
# fixed): XPASS, named as stale, and the matrix fails.
cat >"$tmp/fixed.ktap" <<'K'
TAP version 13
1..3
ok 1 a_test.f.default.one
ok 2 a_test.g.default.known
# XPASS expected to fail: known breakage
ok 3 a_test.g.default.odd # SKIP unknown
# Totals: pass:1 fail:0 xfail:0 xpass:1 skip:1 error:0
2 passed, 0 failed, 1 skipped
K
grep -v '^not ok 3 \|^# a_test.c' "$tmp/new.ktap" | sed '/^not ok 5/d' >"$tmp/known.ktap"
out=$("$M" --from broken="$tmp/known.ktap" fixed="$tmp/fixed.ktap")
t_eq "stale expectation: the matrix fails" 1 "$?"
t_eq "stale expectation: XFAIL then XPASS" "XFAIL XPASS" "$(row a_test.g.default.known "$out")"
t_eq "stale expectation: XFAIL total" "1 0" "$(row XFAIL "$out")"
t_eq "stale expectation: XPASS total" "0 1" "$(row XPASS "$out")"
t_match "stale expectation: counted for the kernel" \
	"^# fixed: 1 stale expectation: listed as expected to fail, passed \(XPASS\)$" "$out"
t_match "stale expectation: named" "^#   stale on fixed: a_test\.g\.default\.known$" "$out"
t_eq "stale expectation: none on the other kernel" 0 "$(grep -c '^# broken: .*stale' <<<"$out")"

# --compact: alike rows of one program.fixture.variant fold, the others stay.
out=$("$M" --compact --from x="$tmp/old.ktap" y="$tmp/old.ktap")
t_match "compact: folded row" "^a_test\.f\.default\.\* \(2 of 3\) +n/a<6\.8 +n/a<6\.8$" "$out"
t_match "compact: fully alike fixture" "^a_test\.g\.default\.\* \(1\)|^a_test\.g\.default\.slow +PASS +PASS$" "$out"
t_eq "compact: the exception stays" "PASS PASS" "$(row a_test.f.default.one "$out")"
t_eq "compact: totals still count cases" "0 0" "$(row FAIL "$out")"
t_eq "compact: n/a total" "3 3" "$(row 'n/a<6.8' "$out")"

# --diff: only rows that differ across kernels.
out=$("$M" --diff --from "$tmp/new.ktap" "$tmp/old.ktap")
t_eq "diff: alike rows dropped" "" "$(row a_test.f.default.one "$out")"
t_eq "diff: differing rows kept" "PASS n/a<6.8" "$(row a_test.f.default.two "$out")"
out=$("$M" --diff --from "$tmp/new.ktap" "$tmp/new.ktap")
t_match "diff: nothing differs" "^\(no case differs across kernels\)$" "$out"
t_match "duplicate labels made unique" "^case +new +new#2$" "$out"

# ktap.awk keeps the reason libkvm prints in a harness case's child.
out=$(awk -f "$SUITE/scripts/ktap_lib.awk" -f "$SUITE/scripts/ktap.awk" <<'S'
@@CASE h_test.f.default.one
@@CASE h_test.f.default.two
@@PLANDONE
@@BEGIN h_test
1..2
#  RUN           f.default.one ...
1..0 # SKIP - KVM selftests now require KVM_SET_USER_MEMORY_REGION2 (introduced in v6.8)
#            OK  f.default.one
ok 1 f.default.one # SKIP unknown
ok 2 f.default.two # SKIP unknown
@@END h_test 0 0
@@DONE
S
)
t_match "ktap.awk: child's skip reason kept" \
	"^ok 1 h_test\.f\.default\.one # SKIP KVM selftests now require KVM_SET_USER_MEMORY_REGION2 \(introduced in v6\.8\)$" "$out"
t_match "ktap.awk: and used once" "^ok 2 h_test\.f\.default\.two # SKIP unknown$" "$out"

# MATRIX_FILTER with cases of two programs: the executor runs both (it
# used to lose the globs after the first program run with -r filters), and
# a planned case no program reported is a failure, never a silent gap.
mkdir -p "$tmp/t/x86_64"
for p in a_test b_test; do
	cat >"$tmp/t/x86_64/$p" <<'P'
#!/bin/sh
# (kselftest harness stand-in: "list all tests")
if [ "$1" = -l ]; then
	printf '%-20s %-25s %s\n' f default one '' '' two >&2
	exit 0
fi
n=0
[ $# -eq 0 ] && set -- -r f:default:one -r f:default:two
while [ $# -gt 0 ]; do
	n=$((n + 1))
	t=${2##*:}
	echo "ok $n f.default.$t"
	shift 2
done
P
	chmod +x "$tmp/t/x86_64/$p"
done
out=$(sh "$SUITE/scripts/executor.sh" --root "$tmp/t" --select a_test.f.default.one \
	--select 'b_test.f.*.two' x86_64/a_test x86_64/b_test | awk -f "$SUITE/scripts/ktap_lib.awk" -f "$SUITE/scripts/ktap.awk")
t_eq "filter over two programs: both run" "2 passed, 0 failed, 0 skipped" "$(tail -n1 <<<"$out")"
out=$(awk -f "$SUITE/scripts/ktap_lib.awk" -f "$SUITE/scripts/ktap.awk" <<'S'
@@CASE h_test.f.default.one
@@CASE g_test.f.default.two
@@PLANDONE
@@BEGIN h_test
ok 1 f.default.one
@@END h_test 0 0
@@DONE
S
)
t_eq "unreported planned case: exit status" 1 "$?"
t_match "unreported planned case: not ok, with why" \
	"^# g_test\.f\.default\.two: no result, g_test did not report it$" "$out"
t_eq "unreported planned case: counted" "1 passed, 1 failed, 0 skipped" "$(tail -n1 <<<"$out")"

# Runs, through a stub runner (its arguments land in the stream) and a stub
# apt that knows 6.1.0-55, 6.1.0-56, 6.12.113+deb12 and the pinned version.
. "$SUITE/scripts/common.sh"
mkdir -p "$tmp/bin" "$tmp/cache/kernels/9.9.9-1" "$tmp/out"
touch "$tmp/cache/kernels/9.9.9-1/.ready"
cat >"$tmp/bin/apt-cache" <<A
#!/bin/sh
[ "\$1" = pkgnames ] || { case \$3 in *6.1.0-5[56]-amd64-unsigned|*6.12.113+deb12-amd64-unsigned|*$KPS_IMAGE_VERSION-amd64-unsigned) exit 0 ;; esac; exit 100; }
printf 'linux-image-%s-amd64-unsigned\n' 6.1.0-55 6.1.0-56 6.12.113+deb12 $KPS_IMAGE_VERSION
printf 'linux-image-6.1.0-56-rt-amd64-unsigned\n'
A
printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/apt-get"
cat >"$tmp/runner" <<'R'
#!/bin/bash
k=${3:-}
if [ "$k" = 9.9.9-1 ]; then
	printf 'TAP version 13\n1..\n# infrastructure error: vm substrate failed\n'
	echo "# vm.sh: error: unknown kernel version '9.9.9-1': apt has no linux-image-9.9.9-1-amd64-unsigned (known: 6.1.0-56)"
	exit 1
fi
[ "$k" = 2.0.0-1 ] && { echo "run_kvmtests.sh: bad thing" >&2; exit 2; }
echo "TAP version 13"
echo "# args: $*"
case $k in 6.1.*) echo "# kernel: Linux $k-amd64 x86_64" ;; *) echo "# kernel: Linux 6.12.0-amd64 x86_64" ;; esac
echo "ok 1 s_test.f.default.one"
echo "1 passed, 0 failed, 0 skipped"
R
chmod +x "$tmp/bin"/* "$tmp/runner"
run() {
	PATH=$tmp/bin:$PATH KPS_CACHE=$tmp/cache KPS_MATRIX_RUNNER=$tmp/runner \
		"$M" --out "$tmp/out" "$@" 2>"$tmp/err"
}
out=$(run 6.12.113+deb12 6.1.0-56 -- -t 's_test.*' --model)
t_eq "run: exit status" 0 "$?"
t_eq "run: runner arguments" "--vm --kernel 6.1.0-56 -t s_test.* --model" \
	"$(sed -n 's/^# args: //p' "$tmp/out/6.1.0-56.ktap")"
t_eq "run: row" "PASS PASS" "$(row s_test.f.default.one "$out")"
t_match "run: progress on stderr" "^# matrix: \[2/2\] 6\.1\.0-56: 1 passed, 0 failed, 0 skipped \(exit status 0\) in [0-9]+ s$" "$(cat "$tmp/err")"
run >/dev/null
t_eq "run: default kernels" "--vm --kernel $KPS_IMAGE_VERSION|--vm --kernel 6.12.113+deb12|--vm --kernel 6.1.0-56" \
	"$(for k in "$KPS_IMAGE_VERSION" 6.12.113+deb12 6.1.0-56; do sed -n 's/^# args: //p' "$tmp/out/$k.ktap"; done | paste -sd'|')"
img=$tmp/bzImage
: >"$img"
run "$img:$tmp" >/dev/null
t_eq "run: a bzImage with modules" "--vm --kernel-image $img --modules $tmp" \
	"$(sed -n 's/^# args: //p' "$tmp/out/bzImage.ktap")"

run "$KPS_SWPSP_VERSION" -- --append swpsp_snp=off >/dev/null
t_eq "run: the software SP kernel, no apt look-up" "--vm --kernel $KPS_SWPSP_VERSION --append swpsp_snp=off" \
	"$(sed -n 's/^# args: //p' "$tmp/out/$KPS_SWPSP_VERSION.ktap")"
run "$KPS_SWPSP_VERSION" "$KPS_SWPSP_FIXES_VERSION" -- --expect "$SUITE/expect/6.12.117.txt" >/dev/null
t_eq "run: the software SP kernel with and without the fixes, one expectations file" \
	"--vm --kernel $KPS_SWPSP_VERSION --expect $SUITE/expect/6.12.117.txt|--vm --kernel $KPS_SWPSP_FIXES_VERSION --expect $SUITE/expect/6.12.117.txt" \
	"$(for k in "$KPS_SWPSP_VERSION" "$KPS_SWPSP_FIXES_VERSION"; do sed -n 's/^# args: //p' "$tmp/out/$k.ktap"; done | paste -sd'|')"

rm -f "$tmp/out"/*
run 6.1.0-56 6.1.0-99 >/dev/null
t_eq "unknown version (apt): status 2" 2 "$?"
t_match "unknown version (apt): one line naming the known ones" \
	"^matrix.sh: unknown kernel version '6\.1\.0-99': apt has no linux-image-6\.1\.0-99-amd64-unsigned \(known: 6\.1\.0-55 6\.1\.0-56 6\.12\.113\+deb12 " "$(cat "$tmp/err")"
t_eq "unknown version (apt): nothing ran" 0 "$(find "$tmp/out" -name '*.ktap' | wc -l)"
run 9.9.9-1 >/dev/null
t_eq "unknown version (vm.sh): status 2" 2 "$?"
t_eq "unknown version (vm.sh): its line" "vm.sh: error: unknown kernel version '9.9.9-1': apt has no linux-image-9.9.9-1-amd64-unsigned (known: 6.1.0-56)" \
	"$(grep -v '^# matrix' "$tmp/err")"
run 6.1 >/dev/null
t_eq "bad version: status 2" 2 "$?"
t_eq "bad version: one line" 1 "$(wc -l <"$tmp/err")"
touch "$tmp/cache/kernels/9.9.9-1/.ready"
mkdir -p "$tmp/cache/kernels/2.0.0-1" && touch "$tmp/cache/kernels/2.0.0-1/.ready"
run 2.0.0-1 >/dev/null
t_eq "runner usage error: status 2" 2 "$?"
t_eq "runner usage error: its line" "run_kvmtests.sh: bad thing" "$(grep -v '^# matrix' "$tmp/err")"
for o in --host --kernel --report; do
	run 6.1.0-56 -- "$o" x >/dev/null
	t_eq "runner option $o refused" 2 "$?"
done
run --bogus >/dev/null
t_eq "unknown option" 2 "$?"
t_match "unknown option: one line" "^matrix.sh: unknown option '--bogus'" "$(cat "$tmp/err")"
t_done
