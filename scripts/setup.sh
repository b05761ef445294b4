#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Check that the tools a profile needs are present:
#   build   compile the suite against a kernel tree (make headers included)
#   vm      boot the VM substrate (qemu TCG, busybox initramfs, modules)
#   report  --junit / --report (JUnit XML by TAP::Formatter::JUnit; the
#           HTML page is python3's, on a fresh machine)
#   html    the self-test that renders report.html in headless Chromium
#           (tests/test_report_html.sh; not in report: 350 MB a --report
#           does not need)
#   valgrind  make valgrind
#   intree  the suite inside a kernel tree (kselftest's install uses rsync)
#   lava    make lava (Debian's lava-run)
#   swpsp   build the software-PSP kernel (scripts/swpsp-kernel.sh)
#   check   the project's own tests: all of the above, plus the kunit.py
#           parser (python3), checkpatch and the patch series (perl, git)
#   all     everything above
# Tools are checked, not packages: a command in PATH (command -v), a C
# header gcc finds, a Perl module perl loads, a statically linked busybox,
# wherever they come from. What is missing is installed with apt-get on
# Debian (dpkg and apt-get present) as root; otherwise one line naming the
# missing tools (with their Debian packages on Debian) and exit status 1.
#   setup.sh --list PROFILE...   print the Debian packages, one a line
# Every command the project's scripts run comes from a package of a fresh
# Debian 12 machine or from one of these lists (tests/test_packages.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"

# PROFILE CHECK PACKAGE: CHECK is a command, busybox=static, <header.h> or
# perl=Module; PACKAGE the Debian package that provides it.
TOOLS="
build gcc gcc
build make make
build <stdio.h> libc6-dev
build flex flex
build bison bison
build bc bc
build xz xz-utils
vm qemu-system-x86_64 qemu-system-x86
vm busybox=static busybox-static
vm cpio cpio
vm modprobe kmod
vm depmod kmod
report perl perl
report perl=TAP::Formatter::JUnit libtap-formatter-junit-perl
valgrind valgrind valgrind
intree rsync rsync
lava lava-run lava-dispatcher
html chromium chromium
check python3 python3
check perl perl
check git git
swpsp ccache ccache
swpsp <gelf.h> libelf-dev
swpsp <openssl/evp.h> libssl-dev
swpsp git git
"

list=0
[ "${1:-}" = --list ] && { list=1; shift; }
profiles=""
for profile in "${@:-build}"; do
	case $profile in
	build | vm | report | html | valgrind | intree | lava | swpsp) profiles+=" $profile" ;;
	check) profiles+=" check report html valgrind intree lava" ;;
	all) profiles+=" build vm check report html valgrind intree lava swpsp" ;;
	*) echo "setup.sh: unknown profile '$profile' (accepted: build, vm, report, html, valgrind, intree, lava, swpsp, check, all)" >&2; exit 2 ;;
	esac
done
# The wanted CHECK PACKAGE lines, each once.
want=$(awk -v p="$profiles " 'NF == 3 && index(p, " " $1 " ") && !seen[$2]++ { print $2, $3 }' <<<"$TOOLS")
if [ $list -eq 1 ]; then
	awk '{ print $2 }' <<<"$want" | sort -u
	exit 0
fi

have() {
	local bb
	case $1 in
	busybox=static)
		bb=$(command -v busybox) || return 1
		# ldd says "not a dynamic executable" for a static binary.
		! ldd "$bb" >/dev/null 2>&1 ;;
	\<*) command -v gcc >/dev/null && printf '#include %s\n' "$1" | gcc -E -x c - >/dev/null 2>&1 ;;
	perl=*) perl -M"${1#perl=}" -e 1 >/dev/null 2>&1 ;;
	*) command -v "$1" >/dev/null ;;
	esac
}

label() {
	case $1 in
	busybox=static) echo "busybox (statically linked)" ;;
	\<*) echo "C header $1" ;;
	perl=*) echo "Perl module ${1#perl=}" ;;
	*) echo "$1" ;;
	esac
}

missing_now() {
	local check pkg
	while read -r check pkg; do
		have "$check" || echo "$check $pkg"
	done <<<"$want"
}

# "a, b, c" of the CHECK PACKAGE lines on stdin.
names() {
	local check
	while read -r check _; do label "$check"; done | paste -sd, - | sed 's/,/, /g'
}

missing=$(missing_now)
[ -z "$missing" ] && exit 0
tools=$(names <<<"$missing")
pkgs=$(awk '{ print $2 }' <<<"$missing" | sort -u | paste -sd' ' -)

if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
	kps_die "missing: $tools (not found here; install them and run again)"
fi
if [ "$(id -u)" -ne 0 ]; then
	kps_die "missing: $tools (Debian: run as root, or: apt-get install $pkgs)"
fi
kps_log "installing: $pkgs (for: $tools)"
export DEBIAN_FRONTEND=noninteractive
# Wait for a concurrent apt/dpkg (e.g. unattended-upgrades) instead of failing.
for _ in $(seq 1 60); do
	if apt-get -o DPkg::Lock::Timeout=60 update -qq >/dev/null 2>&1; then
		break
	fi
	sleep 2
done
err=$(mktemp)
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $pkgs \
	>/dev/null 2>"$err" || {
	tail -3 "$err" >&2
	rm -f "$err"
	kps_die "apt-get install $pkgs failed"
}
rm -f "$err"
# The packages installed, the tools must be there now.
missing=$(missing_now)
[ -z "$missing" ] ||
	kps_die "missing after apt-get install $pkgs: $(names <<<"$missing")"
