#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# intree.sh slim TREE DEST     copy what tools/testing/selftests needs of a
#                              kernel tree (top Makefile, scripts/, tools/,
#                              usr/include from `make headers`) to DEST
# intree.sh copy [--replace] KVM_DIR
#                              copy the suite's files (git ls-files, else
#                              everything but build/) into KVM_DIR, i.e.
#                              TREE/tools/testing/selftests/kvm, and add
#                              them to the tree's kvm build as `make
#                              patches` does: one "TEST_GEN_PROGS_<arch> +="
#                              line per program and "LIBKVM_<arch> +=" line
#                              per lib/kps_*.c in the tree's Makefile
#                              (Makefile.kvm in >= 6.14), the suite's
#                              missing options appended to the tree's
#                              config, the larger timeout in its settings;
#                              the suite's own Makefile goes in as
#                              Makefile.kps (make -f Makefile.kps check).
#                              Upstream's kvm tests keep building and
#                              running next to the suite's. Again on the
#                              same tree: nothing is added twice.
#                              --replace: the suite's Makefile, config and
#                              settings replace the tree's instead
#                              (scripts/intree.mk: the suite's programs and
#                              upstream's SEV tests only, on <= 6.13)
# intree.sh to614 TREE         turn a 6.12 tree's kvm folder into the
#                              >= 6.14 layout: x86_64/ -> x86/ (tests, lib,
#                              include), the build logic moved from Makefile
#                              to Makefile.kvm with the _x86 names
#
# The in-tree check (tests/test_intree.sh, `make intree-check`) uses these;
# a maintainer only needs `copy` (`copy --replace` is a plain cp -a of the
# suite).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=$(dirname "$here")
# shellcheck source-path=SCRIPTDIR source=kvmdir.sh
. "$here/kvmdir.sh"
me=intree.sh

usage() {
	echo "$me: usage: intree.sh slim TREE DEST | copy [--replace] KVM_DIR | to614 TREE" >&2
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
	replace=0
	[ "${2:-}" = --replace ] && { replace=1; shift; }
	[ $# -eq 2 ] || usage
	k=$2
	[ -f "$k/../lib.mk" ] || { echo "$me: $k is not tools/testing/selftests/kvm of a tree" >&2; exit 1; }
	if [ $replace -eq 0 ]; then
		if grep -q 'scripts/intree.mk' "$k/Makefile" 2>/dev/null; then
			echo "$me: $k/Makefile is the suite's (an earlier copy --replace): restore the tree's first (git checkout)" >&2
			exit 1
		fi
		kvm_layout "$k" || {
			echo "$me: $k/$kvm_mk has no '$kvm_progs_var += ' or '$kvm_lib_var += ' lines (unknown layout)" >&2
			exit 1
		}
	fi
	# The files: the suite's Makefile, config and settings under their own
	# names with --replace, else Makefile.kps and merged below.
	if files=$(git -C "$suite" ls-files -co --exclude-standard 2>/dev/null | sort -u) &&
		[ -n "$files" ]; then
		# Not .gitignore, .ci/: the project's, not the tree's.
		files=$(grep -v '^\.' <<<"$files")
	else
		files=$(cd "$suite" && find . -path ./build -prune -o -path ./.git -prune -o \
			-name '.*' -prune -o -type f -print | sed 's|^\./||' | sort)
	fi
	[ $replace -eq 1 ] || files=$(grep -vxE 'Makefile|config|settings' <<<"$files")
	(cd "$suite" && while IFS= read -r f; do
		[ -f "$f" ] && printf '%s\0' "$f"
	done <<<"$files" | xargs -0 cp -f --parents -t "$k")
	[ $replace -eq 1 ] && exit 0
	cp -f "$suite/Makefile" "$k/Makefile.kps"
	libs=() progs=()
	for f in "$suite"/lib/*.c; do [ -f "$f" ] && libs+=("lib/$(basename "$f")"); done
	for f in "$suite"/x86_64/*.c; do [ -f "$f" ] && progs+=("x86_64/$(basename "$f" .c)"); done
	kvm_add_lines "$k/$kvm_mk" "$kvm_lib_var" "${libs[@]}"
	kvm_add_lines "$k/$kvm_mk" "$kvm_progs_var" "${progs[@]}"
	kvm_config_missing "$k/config" "$suite/config" >"$k/config.kps-tmp"
	if [ -s "$k/config.kps-tmp" ]; then
		{ echo "# kvm-protected-state (scripts/intree.sh copy):"; cat "$k/config.kps-tmp"; } >>"$k/config"
	fi
	rm -f "$k/config.kps-tmp"
	kvm_settings_merge "$k/settings" "$suite/settings" >"$k/settings.kps-tmp" &&
		mv "$k/settings.kps-tmp" "$k/settings"
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
