#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages a profile needs, if missing:
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
# Needs root (apt-get) only when something is missing; otherwise one line
# naming the missing packages and exit status 1.
#   setup.sh --list PROFILE...   print the packages, one a line, and exit
# Every command the project's scripts run comes from a package of a fresh
# Debian 12 machine or from one of these lists (tests/test_packages.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"

pkgs_build="gcc make libc6-dev flex bison bc xz-utils"
pkgs_vm="qemu-system-x86 busybox-static cpio kmod"
pkgs_report="perl libtap-formatter-junit-perl"
pkgs_html="chromium"
pkgs_valgrind="valgrind"
pkgs_intree="rsync"
pkgs_lava="lava-dispatcher"
pkgs_check="python3 perl git $pkgs_report $pkgs_html $pkgs_valgrind $pkgs_intree $pkgs_lava"
pkgs_swpsp="ccache libelf-dev libssl-dev git"

list=0
[ "${1:-}" = --list ] && { list=1; shift; }
want=""
for profile in "${@:-build}"; do
	case $profile in
	build) want+=" $pkgs_build" ;;
	vm) want+=" $pkgs_vm" ;;
	report) want+=" $pkgs_report" ;;
	html) want+=" $pkgs_html" ;;
	valgrind) want+=" $pkgs_valgrind" ;;
	intree) want+=" $pkgs_intree" ;;
	check) want+=" $pkgs_check" ;;
	lava) want+=" $pkgs_lava" ;;
	swpsp) want+=" $pkgs_swpsp" ;;
	all) want+=" $pkgs_build $pkgs_vm $pkgs_check $pkgs_swpsp" ;;
	*) echo "setup.sh: unknown profile '$profile' (accepted: build, vm, report, html, valgrind, intree, lava, swpsp, check, all)" >&2; exit 2 ;;
	esac
done
if [ $list -eq 1 ]; then
	tr ' ' '\n' <<<"$want" | grep . | sort -u
	exit 0
fi

missing=""
for p in $(tr ' ' '\n' <<<"$want" | grep . | sort -u); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=" $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	kps_die "missing Debian packages:$missing (run as root, or: apt-get install$missing)"
fi
kps_log "installing:$missing"
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
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing \
	>/dev/null 2>"$err" || {
	tail -3 "$err" >&2
	rm -f "$err"
	kps_die "apt-get install$missing failed"
}
rm -f "$err"
