#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# run_kvmtests.sh: bad options give one line and exit status 2.
. "$(dirname "$0")/lib.sh"
R=$SUITE/run_kvmtests.sh

# bad_option NAME PATTERN OPTION...: exit status 2, one line matching.
bad_option() {
	t_one_line "$1" 2 "$2" "$R" "${@:3}"
}

bad_option "unknown option" "unknown option '--bogus'.*accepted: --list" --bogus
bad_option "unknown type" "unknown --type 'sev-es'.*default, sw_protected, sev, sev_es, snp, tdx" --type sev-es
bad_option "missing type" "needs a value" --type
bad_option "bad timeout" "positive number of seconds" --timeout 0
bad_option "bad timeout text" "positive number of seconds" --timeout ten
bad_option "bad kernel" "Debian kernel version" --kernel latest
bad_option "unknown kernel version" "unknown kernel version '6\.12\.999\+deb12'.*known: " --kernel 6.12.999+deb12
bad_option "swpsp kernel on the host" "--kernel 6\.12\.117\+swpsp boots on the VM substrate; it excludes --host" --host --kernel 6.12.117+swpsp
bad_option "swpsp+fixes kernel on the host" "--kernel 6\.12\.117\+swpsp\+fixes boots on the VM substrate; it excludes --host" --host --kernel 6.12.117+swpsp+fixes
bad_option "append on the host" "--append passes kernel parameters to the VM substrate; it excludes --host" --host --append tsc=unstable
bad_option "append with a line break" "--append: kernel parameters with a line break" --vm --append $'a\nb'
bad_option "missing append value" "needs a value" --append
bad_option "missing preload" "no such file" --preload /nonexistent.so
bad_option "missing -t value" "needs a value" -t

out=$("$R" -h 2>&1)
t_eq "help: exit status" 0 "$?"
t_match "help lists --type values" "default\|sw_protected\|sev\|sev_es\|snp\|tdx" "$out"
t_done
