#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Upstream-ready: SPDX GPL-2.0-only headers everywhere, every C file and
# header clean under the tree's scripts/checkpatch.pl --strict, and
# `make patches` (scripts/patches.sh --check) writes a format-patch series
# that passes checkpatch.pl --strict and applies with git am to a clean
# tools/testing/selftests/kvm of the pinned tree.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kdir=$("$SUITE/scripts/ksrc.sh" 2>/dev/null) || { t_result 1 "kernel tree" "scripts/ksrc.sh failed"; t_done; exit; }
cd "$SUITE" || exit 1

# Sources: what git tracks plus new files not ignored (the working tree).
files=$(git ls-files -co --exclude-standard 2>/dev/null || find . -type f ! -path './build/*' ! -path './.git/*' | sed 's|^\./||')

c_files=$(grep -E '\.(c|h)$' <<<"$files" | sort)
for f in $c_files; do
	[ -f "$f" ] || continue
	case $f in
	*.c) want='// SPDX-License-Identifier: GPL-2.0-only' ;;
	*.h) want='/* SPDX-License-Identifier: GPL-2.0-only */' ;;
	esac
	t_eq "SPDX: $f" "$want" "$(head -n1 "$f")"
	out=$(cd "$kdir" && perl scripts/checkpatch.pl --strict --no-summary --terse -q -f "$SUITE/$f" 2>&1)
	t_result $? "checkpatch.pl --strict: $f" "$(head -n5 <<<"$out")"
done
# (Not config: kernel config fragments carry no SPDX line upstream.)
for f in $(grep -E '\.(sh|awk|pl|mk)$|(^|/)Makefile$' <<<"$files"); do
	[ -f "$f" ] || continue
	t_match "SPDX: $f" '^(#|//) SPDX-License-Identifier: GPL-2.0-only$' "$(head -n3 "$f")"
done

out=$("$SUITE/scripts/patches.sh" --tree "$kdir" --check "$tmp/p" 2>&1)
t_result $? "make patches: checkpatch.pl --strict clean and git am applies" "$out"
t_match "make patches: applied to a clean tree" "git am applied [0-9]+ commits" "$out"
subjects=$(grep -h '^Subject:' "$tmp"/p/0*.patch | grep -v '0/' | sed 's/^Subject: \[PATCH [0-9]*\/[0-9]*\] //')
t_eq "make patches: every subject starts 'KVM: selftests: '" "" "$(grep -v '^KVM: selftests: ' <<<"$subjects")"
t_eq "make patches: one patch per program" \
	"$(ls x86_64/*.c | wc -l)" "$(grep -c '^KVM: selftests: Add [a-z0-9_]*_test$' <<<"$subjects")"
t_eq "make patches: only tools/testing/selftests/kvm is touched" "" \
	"$(grep -h '^diff --git' "$tmp"/p/0*.patch | grep -v ' a/tools/testing/selftests/kvm/')"
t_eq "make patches: signed off" "$(ls "$tmp"/p/0*.patch | grep -vc 0000-)" "$(grep -l '^Signed-off-by: ' "$tmp"/p/0*.patch | grep -vc 0000-)"
# The kernel series (kernel/swpsp/) and the KVM fixes on top of it
# (kernel/fixes/): checkpatch.pl --strict clean; the fixes are "KVM: SEV: "
# patches, signed off, each naming the suite's failing cases, and apply
# on top of the series.
out=$("$SUITE/scripts/swpsp-kernel.sh" --src "$kdir" --check 2>&1)
t_result $? "kernel patches: checkpatch.pl --strict clean" "$out"
fixes=$(ls kernel/fixes/0*.patch)
t_eq "kernel fixes: every subject starts 'KVM: SEV: '" "" \
	"$(sed -n '/^Subject:/{N;s/\n / /;s/^Subject: \[PATCH [0-9]*\/[0-9]*\] //;p}' $fixes | grep -v '^KVM: SEV: ')"
t_eq "kernel fixes: signed off" "$(wc -l <<<"$fixes")" "$(grep -l '^Signed-off-by: ' $fixes | wc -l)"
t_eq "kernel fixes: each names a failing case of the suite" "$(wc -l <<<"$fixes")" \
	"$(grep -l '^  protected_state_test\.' $fixes | wc -l)"
mkdir -p "$tmp/k/arch/x86/kvm/svm"
cp "$kdir/arch/x86/kvm/svm/sev.c" "$tmp/k/arch/x86/kvm/svm/"
out=$(cd "$tmp/k" && for p in "$SUITE"/kernel/swpsp/0*.patch $fixes; do
	case $p in /*) ;; *) p=$SUITE/$p ;; esac
	git apply --include='arch/x86/kvm/svm/sev.c' "$p" 2>&1 || echo "$p does not apply"
done)
t_eq "kernel fixes: sev.c of the series takes them" "" "$out"
t_done
