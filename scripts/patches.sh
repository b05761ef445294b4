#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# patches.sh [--tree TREE] [--check] OUTDIR
#
# Write the suite as a git format-patch series for the kernel's
# tools/testing/selftests/kvm (`make patches`), in upstream's own style:
# the programs go into the arch folder (x86_64/ in <= 6.13, x86/ in >= 6.14),
# the helpers into include/ and lib/, and upstream's Makefile (Makefile.kvm
# in >= 6.14) gets one line per file; the suite's own runner, scripts and
# software model stay out. Patches:
#   1    KVM: selftests: Add helpers for VM types and protected guest state
#   2..  KVM: selftests: Add <program>          (one per x86_64/*.c)
#   last KVM: selftests: Add the SEV and TDX options to the kvm config
# plus a cover letter (0000). The base is TREE's kvm folder as it is (the
# pinned Debian linux-source by default, see scripts/ksrc.sh), committed in
# a scratch git repository, so the series applies to a clean tree of that
# version with `git am`.
#
# --check also proves it: every patch passes TREE's checkpatch.pl --strict
# and the series applies with `git am` to a fresh copy of the base.
# Author and Signed-off-by: the suite repository's git identity
# (git var GIT_AUTHOR_IDENT), else a placeholder to replace before sending.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=$(dirname "$here")
# shellcheck source-path=SCRIPTDIR source=kvmdir.sh
. "$here/kvmdir.sh"
me=patches.sh

die() {
	echo "$me: error: $*" >&2
	exit 1
}

tree="" check=0
while [ $# -gt 1 ]; do
	case $1 in
	--tree) tree=$2; shift 2 ;;
	--check) check=1; shift ;;
	*) echo "$me: unknown option '$1' (accepted: --tree --check)" >&2; exit 2 ;;
	esac
done
[ $# -eq 1 ] || { echo "$me: usage: patches.sh [--tree TREE] [--check] OUTDIR" >&2; exit 2; }
out=$1
[ "${out#-}" = "$out" ] || { echo "$me: usage: patches.sh [--tree TREE] [--check] OUTDIR" >&2; exit 2; }
[ -n "$tree" ] || tree=$("$here/ksrc.sh")
kvm=$tree/tools/testing/selftests/kvm
[ -f "$kvm/Makefile" ] || die "$tree has no tools/testing/selftests/kvm/Makefile"
command -v git >/dev/null || die "git not found (apt-get install git)"

# Layout of the base tree.
kvm_layout "$kvm" ||
	die "$kvm has no '$kvm_progs_var += ' or '$kvm_lib_var += ' lines in $kvm_mk (unknown layout)"
mk=$kvm_mk arch=$kvm_arch

ident=$(git -C "$suite" var GIT_AUTHOR_IDENT 2>/dev/null | sed 's/ [0-9]* [-+][0-9]*$//' || true)
[ -n "$ident" ] || ident="KVM protected-state suite <kvm-protected-state@example.org>"
name=${ident% <*}
email=${ident##*<}
email=${email%>}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email
export GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email
export GIT_AUTHOR_DATE="2025-01-01T00:00:00Z" GIT_COMMITTER_DATE="2025-01-01T00:00:00Z"
export GIT_CONFIG_NOSYSTEM=1 HOME=$tmp
base_repo() {
	# $1 = directory: a git repository holding the base kvm folder.
	mkdir -p "$1/tools/testing/selftests"
	cp -a "$kvm" "$1/tools/testing/selftests/kvm"
	git -C "$1" init -q
	git -C "$1" add -A
	git -C "$1" commit -q -m "base: $(basename "$tree") tools/testing/selftests/kvm"
}
base_repo "$tmp/w"
w=$tmp/w/tools/testing/selftests/kvm

# The comment at the top of a C file, without the SPDX line and the " * ".
describe() {
	awk 'NR == 1 { next } /^\/\*/ { on = 1; next } on && /\*\// { exit }
		on { sub(/^ \* ?/, ""); sub(/^ \*$/, ""); print }' "$1"
}

commit() {
	# $1 = subject, stdin = body
	# Refill paragraphs to 72 columns; indented lines stay apart.
	{ echo "$1"; echo; fmt -w 72; echo; echo "Signed-off-by: $name <$email>"; } >"$tmp/msg"
	git -C "$tmp/w" add -A
	git -C "$tmp/w" commit -q -F "$tmp/msg"
}

libs=() hdrs=()
for f in "$suite"/lib/*.c; do [ -f "$f" ] && libs+=("$f"); done
for f in "$suite"/include/*.h; do [ -f "$f" ] && hdrs+=("$f"); done
[ ${#libs[@]} -gt 0 ] || die "no lib/*.c in $suite"
cp "${hdrs[@]}" "$w/include/"
cp "${libs[@]}" "$w/lib/"
lines=()
for f in "${libs[@]}"; do lines+=("lib/$(basename "$f")"); done
kvm_add_lines "$w/$mk" "$kvm_lib_var" "${lines[@]}"
{
	echo "Add the helpers shared by the VM type and protected-state tests that"
	echo "follow: the table of VM types (KVM_X86_DEFAULT_VM .. KVM_X86_TDX_VM)"
	echo "with the properties KVM derives from each, the catalog of guest-state"
	echo "ioctls with their buffers, and raw VM/vCPU creation that checks the"
	echo "exact return value and errno. They are built into libkvm for x86."
	echo
	for f in "${libs[@]}" "${hdrs[@]}"; do
		printf '  %s: %s\n' "$(basename "$f")" \
			"$(describe "$f" | awk -v p="$(basename "$f") - " 'NR == 1 { if (index($0, p) == 1) $0 = substr($0, length(p) + 1); print }')"
	done
} | commit "KVM: selftests: Add helpers for VM types and protected guest state"

n=0
for f in "$suite"/x86_64/*.c; do
	[ -f "$f" ] || continue
	p=$(basename "$f" .c)
	cp "$f" "$w/$arch/"
	kvm_add_lines "$w/$mk" "$kvm_progs_var" "$arch/$p"
	describe "$f" | awk -v p="$p - " 'NR == 1 && index($0, p) == 1 { $0 = substr($0, length(p) + 1) } 1' |
		sed '1s/^./\U&/' |
		commit "KVM: selftests: Add $p"
	n=$((n + 1))
done
[ $n -gt 0 ] || die "no x86_64/*.c in $suite"

# config: the options the suite needs that the tree's fragment lacks, each
# with its comment from the suite's config.
kvm_config_missing "$w/config" "$suite/config" >"$tmp/config.add"
if [ -s "$tmp/config.add" ]; then
	# Upstream's fragments are sorted lists without comments.
	{ grep '^CONFIG_' "$w/config"; grep '^CONFIG_' "$tmp/config.add"; } | sort -u >"$tmp/config"
	cp "$tmp/config" "$w/config"
	{
		echo "The VM type tests create SEV, SEV-ES and SNP VMs and, on Intel, TDX"
		echo "VMs; without these options KVM_CAP_VM_TYPES lacks those types and the"
		echo "tests skip. Add them to the kvm selftests config fragment:"
		echo
		sed 's/^# /  # /; s/^CONFIG_/  CONFIG_/' "$tmp/config.add"
	} | commit "KVM: selftests: Add the SEV and TDX options to the kvm config"
fi

mkdir -p "$out"
rm -f "$out"/*.patch
git -C "$tmp/w" format-patch -q --cover-letter -o "$(cd "$out" && pwd)" HEAD~$(($(git -C "$tmp/w" rev-list --count HEAD) - 1))
cover=$(ls "$out"/0000-*.patch)
{
	echo "This series adds conformance tests for KVM's VM types and protected guest"
	echo "state on x86: every VM type is creatable exactly when KVM_CAP_VM_TYPES"
	echo "advertises it and reports the per-VM capabilities that follow from it;"
	echo "once a vCPU's state is protected (SEV-ES, SNP, TDX) every guest-state"
	echo "ioctl fails with -EINVAL and leaves the caller's buffer untouched; and"
	echo "default VMs keep round-tripping all of their state."
	echo
	echo "Generated by kvm-protected-state's 'make patches' against $(basename "$tree")."
} >"$tmp/blurb"
awk -v blurb="$tmp/blurb" '
	/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, "KVM: selftests: Tests for VM types and protected guest state") }
	/\*\*\* BLURB HERE \*\*\*/ { while ((getline l < blurb) > 0) print l; next }
	{ print }' "$cover" >"$tmp/cover" && cp "$tmp/cover" "$cover"
echo "# patches: $(ls "$out"/*.patch | wc -l) files in $out (cover letter + $(($(ls "$out"/*.patch | wc -l) - 1)) patches) for $(basename "$tree")"

[ $check -eq 1 ] || exit 0
fail=0
patches=()
for p in "$out"/0*.patch; do
	case $p in */0000-*) ;; *) patches+=("$p") ;; esac
done
for p in "${patches[@]}"; do
	# FILE_PATH_CHANGES ("does MAINTAINERS need updating?") is left out:
	# MAINTAINERS already covers tools/testing/selftests/kvm/.
	if ! (cd "$tree" && perl scripts/checkpatch.pl --strict -q \
		--ignore FILE_PATH_CHANGES "$p") >"$tmp/cp" 2>&1; then
		echo "$me: $(basename "$p"): checkpatch.pl --strict: $(grep -m1 -E '^(ERROR|WARNING|CHECK)' "$tmp/cp" || tail -n1 "$tmp/cp")"
		fail=1
	fi
done
base_repo "$tmp/clean"
if git -C "$tmp/clean" am -q "${patches[@]}" >"$tmp/am" 2>&1; then
	echo "# patches: git am applied $(($(git -C "$tmp/clean" rev-list --count HEAD) - 1)) commits to a clean $(basename "$tree") kvm folder"
else
	echo "$me: git am failed: $(head -n1 "$tmp/am")"
	fail=1
fi
[ $fail -eq 0 ] && echo "# patches: checkpatch.pl --strict clean"
exit $fail
