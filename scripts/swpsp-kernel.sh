#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# swpsp-kernel.sh [--src TREE] [--jobs N] [--print-image] [--force] [--check]
#                  [--up-to-date] [--fixes]
#
# Build the "6.12.117+swpsp" kernel: the pinned Debian linux-source tree,
# copied into the cache (the fetched tree is never modified), with the
# software Secure Processor series kernel/swpsp/*.patch applied and the
# config fragment kernel/swpsp/swpsp.config merged over x86_64 defconfig +
# kvm_guest.config. The bzImage lands in $KPS_CACHE/swpsp/build/; its path is
# the last line printed (--print-image prints only that, building if needed).
#
# Idempotent: a stamp holds the hash of the series, the fragment and this
# script; when it matches and the bzImage exists nothing runs (0 s). When the
# series changes, the files the previous series touched are restored from the
# pristine tree and the new series is applied; make then rebuilds only what
# changed. Compiles go through ccache (Debian's ccache), under nice -n 10.
#
# --fixes builds "6.12.117+swpsp+fixes" instead: the same series with the
# KVM fixes kernel/fixes/*.patch on top, in $KPS_CACHE/swpsp/fixes/. It
# first brings the plain kernel up to date, then reuses it: the source tree
# is a hard-link copy of the plain one (files the patches change are
# written as new files, never through a link) and the build directory is
# seeded from the plain one's objects, with the absolute source and object
# paths in Kbuild's command files rewritten; make then compiles only what
# the fixes change (sev.o) and relinks.
#
# --check runs the tree's checkpatch.pl --strict over the series and the
# fixes and exits (status 1 on any finding); nothing is built. --up-to-date
# exits 0 if the bzImage is there and current, 1 if a run would build
# (nothing printed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=$(dirname "$here")
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"
me=swpsp-kernel.sh

bad() {
	echo "$me: $*" >&2
	exit 2
}

src="" jobs=$(nproc) print_only=0 force=0 check=0 up_to_date=0 with_fixes=0
while [ $# -gt 0 ]; do
	case $1 in
	--src)
		[ $# -ge 2 ] || bad "--src needs a directory"
		src=$2; shift ;;
	--jobs)
		if [ $# -lt 2 ] || ! [[ $2 =~ ^[1-9][0-9]*$ ]]; then
			bad "--jobs needs a positive number"
		fi
		jobs=$2; shift ;;
	--print-image) print_only=1 ;;
	--force) force=1 ;;
	--check) check=1 ;;
	--up-to-date) up_to_date=1 ;;
	--fixes) with_fixes=1 ;;
	*) bad "unknown option '$1' (accepted: --src --jobs --print-image --force --check --up-to-date --fixes)" ;;
	esac
	shift
done

if [ -z "$src" ]; then
	src=$KPS_CACHE/src/$KPS_SOURCE_PKG-$KPS_SOURCE_VERSION/$KPS_SOURCE_PKG
fi
if [ ! -f "$src/Makefile" ] || [ ! -f "$src/arch/x86/kvm/svm/sev.c" ]; then
	bad "no kernel tree at $src (run scripts/ksrc.sh first, or give --src TREE)"
fi

series_dir=$suite/kernel/swpsp
fixes_dir=$suite/kernel/fixes
fragment=$series_dir/swpsp.config
[ -f "$fragment" ] || bad "missing config fragment $fragment"

work=$KPS_CACHE/swpsp
tree=$work/linux
out=$work/build
shopt -s nullglob
patches=("$series_dir"/*.patch)
fixes=("$fixes_dir"/*.patch)
shopt -u nullglob

if [ $check -eq 1 ]; then
	[ ${#patches[@]} -gt 0 ] || bad "no patches in $series_dir"
	rc=0
	for p in "${patches[@]}" "${fixes[@]}"; do
		msg=$(cd "$src" && perl scripts/checkpatch.pl --strict -q "$p") || rc=1
		[ -z "$msg" ] || { echo "$(basename "$p"):"; echo "$msg"; }
	done
	[ $rc -eq 0 ] && kps_log "checkpatch --strict: $((${#patches[@]} + ${#fixes[@]})) patches clean"
	exit $rc
fi

if [ $with_fixes -eq 1 ]; then
	[ ${#fixes[@]} -gt 0 ] || bad "no patches in $fixes_dir"
	base_tree=$tree base_out=$out
	tree=$work/fixes/linux
	out=$work/fixes/build
	patches+=("${fixes[@]}")
	name=$KPS_SWPSP_FIXES_VERSION
else
	name=$KPS_SWPSP_VERSION
fi
image=$out/arch/x86/boot/bzImage
stamp=$out/.swpsp-stamp
applied=$tree/.swpsp-applied-files
mkdir -p "$work"

want=$(cat "${patches[@]}" "$fragment" "$0" | sha256sum | cut -d' ' -f1)
if [ $up_to_date -eq 1 ]; then
	[ -f "$image" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]
	exit
fi
if [ $force -eq 0 ] && [ -f "$image" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	[ $print_only -eq 1 ] || kps_log "$name kernel up to date (0 s)"
	echo "$image"
	exit 0
fi

"$here/setup.sh" build swpsp >&2
t0=$(date +%s)

# 1. The copy: once, then mrproper'd (the fetched tree has `make headers`
#    output in it, which makes O= builds refuse it). With --fixes: the
#    plain kernel first, then hard links to its tree and a copy of its
#    objects (see the head of this file), made again when the plain tree
#    was copied anew.
if [ $with_fixes -eq 1 ]; then
	jargs=(--src "$src" --jobs "$jobs")
	[ $force -eq 0 ] || jargs+=(--force)
	"$0" "${jargs[@]}" >/dev/null || kps_die "$KPS_SWPSP_VERSION did not build ($name starts from it)"
	base_id=$(stat -c '%i %Y' "$base_tree/.swpsp-copied")
	if [ "$(cat "$work/fixes/.base" 2>/dev/null)" != "$base_id" ] || [ ! -d "$tree" ]; then
		kps_log "linking $base_tree to $tree"
		rm -rf "$work/fixes"
		mkdir -p "$work/fixes"
		cp -al "$base_tree" "$tree"
		echo "$base_id" >"$work/fixes/.base"
	fi
	if [ ! -f "$out/.config" ]; then
		kps_log "seeding $out from $base_out"
		rm -rf "$out"
		cp -a "$base_out" "$out"
		rm -f "$stamp"
		ln -sfn "$tree" "$out/source"
		# shellcheck disable=SC2016 # perl's $ENV, not the shell's
		grep -rlZF --include='*.cmd' --include='*.d' --include=Makefile \
			-e "$base_tree" -e "$base_out" "$out" |
			OLD_T=$base_tree NEW_T=$tree OLD_O=$base_out NEW_O=$out xargs -0 -r perl -pi -e \
			's/\Q$ENV{OLD_T}\E(?![\w.+-])/$ENV{NEW_T}/g; s/\Q$ENV{OLD_O}\E(?![\w.+-])/$ENV{NEW_O}/g'
	fi
elif [ ! -f "$tree/.swpsp-copied" ]; then
	kps_cache_ready 2500
	kps_log "copying $src to $tree"
	rm -rf "$tree"
	mkdir -p "$tree"
	cp -a "$src/." "$tree/"
	make -s -C "$tree" mrproper
	touch "$tree/.swpsp-copied"
fi

# 2. The series, applied to pristine copies of the files it touches in a
#    scratch directory; only files whose content changes are written into the
#    tree, so make rebuilds exactly what the series change affects.
stage=$work/stage
rm -rf "$stage"
mkdir -p "$stage"
touched=$(for p in "${patches[@]}"; do git apply --numstat "$p" | cut -f3; done | sort -u)
for f in $touched; do
	if [ -e "$src/$f" ]; then
		mkdir -p "$stage/$(dirname "$f")"
		cp "$src/$f" "$stage/$f"
	fi
done
for p in "${patches[@]}"; do
	(cd "$stage" && git apply "$p" 2>"$work/apply.err") || {
		cat "$work/apply.err" >&2
		kps_die "$(basename "$p") does not apply to $src"
	}
done
previous=$(cat "$applied" 2>/dev/null || true)
# shellcheck disable=SC2086 # word lists of paths without blanks
for f in $(printf '%s\n' $previous $touched | sort -u); do
	if [ -e "$stage/$f" ]; then
		new=$stage/$f
	elif [ -e "$src/$f" ]; then
		new=$src/$f
	else
		rm -f "$tree/$f"
		continue
	fi
	# A new file, never a write through a hard link (--fixes shares the
	# plain tree's files).
	cmp -s "$new" "$tree/$f" || {
		mkdir -p "$tree/$(dirname "$f")"
		cp "$new" "$tree/$f.swpsp-new"
		mv -f "$tree/$f.swpsp-new" "$tree/$f"
	}
done
printf '%s\n' "$touched" >"$applied.new"
mv -f "$applied.new" "$applied"
rm -rf "$stage" "$work/apply.err"

# 3. The config: defconfig + kvm_guest.config + the fragment.  Kconfig only
#    touches the symbols whose value changed, so regenerating an unchanged
#    config rebuilds nothing.
cc="ccache gcc"
export CCACHE_DIR=$work/ccache
export KBUILD_BUILD_TIMESTAMP="2025-01-01 00:00:00 UTC" KBUILD_BUILD_USER=kps KBUILD_BUILD_HOST=swpsp
kmake() {
	nice -n 10 make -s -C "$tree" O="$out" CC="$cc" HOSTCC=gcc "$@"
}
mkdir -p "$out"
rm -f "$tree/arch/x86/configs/swpsp.config"
cp "$fragment" "$tree/arch/x86/configs/swpsp.config"
kmake defconfig kvm_guest.config swpsp.config >/dev/null
rm -f "$tree/arch/x86/configs/swpsp.config"
# Every line of the fragment must have survived olddefconfig.
missing=$(grep -E '^(CONFIG_|# CONFIG_)' "$fragment" | while read -r l; do
	grep -qxF "$l" "$out/.config" || echo "$l"
done)
[ -z "$missing" ] || kps_die "config fragment lines lost (unmet dependencies?): ${missing//$'\n'/ }"

# 4. The build.
kps_log "building bzImage in $out (make -j$jobs, ccache)"
t1=$(date +%s)
kmake -j"$jobs" bzImage
t2=$(date +%s)
echo "$want" >"$stamp"
kps_log "$name kernel built: make $((t2 - t1)) s, total $((t2 - t0)) s ($(ccache -s 2>/dev/null | awk '/Hits:/ { print $2 " hits"; exit }'))"
echo "$image"
