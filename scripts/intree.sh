#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# intree.sh slim TREE DEST     copy what tools/testing/selftests needs of a
#                              kernel tree (top Makefile, scripts/, tools/,
#                              usr/include from `make headers`) to DEST
# intree.sh copy KVM_DIR       copy the suite's files (git ls-files, else
#                              everything but build/) into KVM_DIR, i.e.
#                              TREE/tools/testing/selftests/kvm; the
#                              tree's Makefile, config and settings are
#                              replaced, its .gitignore kept
# intree.sh to614 TREE         turn a 6.12 tree's kvm folder into the
#                              >= 6.14 layout: x86_64/ -> x86/ (tests, lib,
#                              include), the build logic moved from Makefile
#                              to Makefile.kvm with the _x86 names
#
# The in-tree check (tests/test_intree.sh, `make intree-check`) uses these;
# a maintainer only needs `copy` (or a plain cp -a of the suite).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=$(dirname "$here")
me=intree.sh

usage() {
	echo "$me: usage: intree.sh slim TREE DEST | copy KVM_DIR | to614 TREE" >&2
	exit 2
}

case ${1:-} in
slim)
	[ $# -eq 3 ] || usage
	t=$2 d=$3
	[ -f "$t/tools/testing/selftests/lib.mk" ] || { echo "$me: $t is not a kernel tree" >&2; exit 1; }
	[ -f "$t/usr/include/linux/kvm.h" ] || { echo "$me: $t has no usr/include (run make headers)" >&2; exit 1; }
	mkdir -p "$d/usr"
	cp -a "$t/Makefile" "$t/scripts" "$t/tools" "$d/"
	cp -a "$t/usr/include" "$d/usr/"
	chmod -R u+w "$d"
	;;
copy)
	[ $# -eq 2 ] || usage
	k=$2
	[ -f "$k/../lib.mk" ] || { echo "$me: $k is not tools/testing/selftests/kvm of a tree" >&2; exit 1; }
	if files=$(git -C "$suite" ls-files -co --exclude-standard 2>/dev/null | sort -u) &&
		[ -n "$files" ]; then
		(cd "$suite" && while IFS= read -r f; do
			# Not .gitignore, .ci/: the project's, not the tree's.
			case $f in .*) continue ;; esac
			[ -f "$f" ] && printf '%s\0' "$f"
		done <<<"$files" | xargs -0 cp -f --parents -t "$k")
	else
		(cd "$suite" && find . -path ./build -prune -o -path ./.git -prune -o \
			-name '.*' -prune -o -type f -print0 | xargs -0 cp -f --parents -t "$k")
	fi
	;;
to614)
	[ $# -eq 2 ] || usage
	k=$2/tools/testing/selftests/kvm
	[ -d "$k/x86_64" ] && [ ! -f "$k/Makefile.kvm" ] || { echo "$me: $k is not a <= 6.13 kvm folder" >&2; exit 1; }
	mv "$k/x86_64" "$k/x86"
	mv "$k/lib/x86_64" "$k/lib/x86"
	mv "$k/include/x86_64" "$k/include/x86"
	# 6.14 renamed aarch64/s390x too; only x86 matters here.
	sed -e 's/x86_64/x86/g' "$k/Makefile" >"$k/Makefile.kvm"
	cat >"$k/Makefile" <<'MK'
# SPDX-License-Identifier: GPL-2.0-only
# Simulated >= 6.14 wrapper (scripts/intree.sh to614): the logic is in
# Makefile.kvm.
top_srcdir = ../../../..
include $(top_srcdir)/scripts/subarch.include
ARCH ?= $(SUBARCH)
ifeq ($(ARCH),x86_64)
override ARCH := x86
endif
include Makefile.kvm
MK
	;;
*) usage ;;
esac
