#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Print the kernel tree the suite builds against, fetching it if needed.
#
# Order: KSRC=/path; the enclosing tree when the suite sits at
# tools/testing/selftests/kvm of a kernel tree; otherwise the cache, filled
# from Debian's pinned linux-source package (apt-get download + extraction,
# nothing installed system-wide), followed by `make headers` there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=$(dirname "$here")
. "$here/common.sh"

# A usable tree has the harness, libkvm and a top-level Makefile of a
# kernel >= 6.10 (KVM_CAP_VM_TYPES appeared in 6.10).
check_tree() {
	local t=$1 v p
	[ -f "$t/Makefile" ] && [ -f "$t/tools/testing/selftests/kselftest_harness.h" ] &&
		[ -f "$t/tools/testing/selftests/kvm/lib/kvm_util.c" ] ||
		kps_die "$t is not a kernel tree (no tools/testing/selftests/kvm/lib/kvm_util.c)"
	v=$(sed -n 's/^VERSION = //p' "$t/Makefile")
	p=$(sed -n 's/^PATCHLEVEL = //p' "$t/Makefile")
	[ -n "$v" ] && [ -n "$p" ] || kps_die "$t/Makefile has no VERSION/PATCHLEVEL"
	[ $((v * 1000 + p)) -ge 6010 ] ||
		kps_die "$t is Linux $v.$p; the suite needs a tree >= 6.10 (KVM_CAP_VM_TYPES)"
}

# uapi headers: `make headers` installs them into usr/include of the tree.
ensure_headers() {
	local t=$1
	[ -f "$t/usr/include/linux/kvm.h" ] && return 0
	[ -w "$t" ] || kps_die "$t has no usr/include (run 'make headers' there; tree not writable)"
	kps_log "make headers in $t"
	make -s -C "$t" headers >/dev/null 2>"$KPS_TMP/headers.err" || {
		tail -5 "$KPS_TMP/headers.err" >&2
		kps_die "'make headers' failed in $t"
	}
}

fetch_cached_tree() {
	local dir=$KPS_CACHE/src/$KPS_SOURCE_PKG-$KPS_SOURCE_VERSION
	local tree=$dir/$KPS_SOURCE_PKG
	if [ -f "$dir/.ready" ]; then
		echo "$tree"
		return
	fi
	# Debian's package is the only source fetched: elsewhere a tree is needed.
	if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
		kps_die "no kernel tree: set KSRC=/path/to/linux (a tree >= 6.10; the cache is filled from Debian's $KPS_SOURCE_PKG with apt-get and dpkg-deb, absent here)"
	fi
	# The .deb (150 MB) and the extracted tree with headers (1.7 GB).
	kps_cache_ready 2000
	mkdir -p "$dir"
	exec 9>"$dir/.lock"
	flock 9
	if [ ! -f "$dir/.ready" ]; then
		kps_log "fetching $KPS_SOURCE_PKG=$KPS_SOURCE_VERSION into $dir"
		rm -rf "$dir/deb" "$tree"
		mkdir -p "$dir/deb"
		(cd "$dir/deb" && kps_apt_download "$KPS_SOURCE_PKG=$KPS_SOURCE_VERSION") ||
			kps_die "apt-get download $KPS_SOURCE_PKG=$KPS_SOURCE_VERSION failed (set KSRC=/path/to/linux)"
		dpkg-deb -x "$dir"/deb/*.deb "$dir/deb/x" || kps_die "dpkg-deb -x failed"
		tar -C "$dir" -xf "$dir"/deb/x/usr/src/$KPS_SOURCE_PKG.tar.xz ||
			kps_die "cannot extract $KPS_SOURCE_PKG.tar.xz into $dir"
		rm -rf "$dir/deb"
		check_tree "$tree"
		ensure_headers "$tree"
		touch "$dir/.ready"
	fi
	echo "$tree"
}

KPS_TMP=$(mktemp -d)
trap 'rm -rf "$KPS_TMP"' EXIT

if [ -n "${KSRC:-}" ]; then
	[ -d "$KSRC" ] || kps_die "KSRC=$KSRC is not a directory"
	tree=$(cd "$KSRC" && pwd)
	check_tree "$tree"
	ensure_headers "$tree"
	echo "$tree"
	exit 0
fi

# The enclosing tree, when this suite is tools/testing/selftests/kvm.
up=$(cd "$suite/../../../.." 2>/dev/null && pwd || true)
if [ -n "$up" ] && [ -f "$up/tools/testing/selftests/kselftest_harness.h" ] &&
	[ "$(cd "$up/tools/testing/selftests/kvm" 2>/dev/null && pwd -P)" = "$(cd "$suite" && pwd -P)" ]; then
	check_tree "$up"
	ensure_headers "$up"
	echo "$up"
	exit 0
fi

fetch_cached_tree
