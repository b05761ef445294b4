#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs the suite's test programs on the target (the host, or inside the VM
# substrate, where only busybox is available: keep this POSIX sh) and prints a
# marker protocol that run_kvmtests.sh turns into one KTAP stream:
#
#   @@ENV <banner line>             environment banner (tools/kvm_env)
#   @@CASE <case name>              one line per selected case, all before...
#   @@PLANDONE                      ...the first program runs
#   @@MUTANT <name>                 the following runs use MODEL_MUTANT=<name>
#                                   (--mutant-targets FILE: "mutant glob..."
#                                   lines naming the cases to try first)
#   @@BEGIN <program>               raw kselftest harness output follows
#   @@END <program> <rc> <seconds, 2 decimals>
#   @@DONE
#
# A case name is <program>.<fixture>.<variant>.<test>, from the harness' -l
# listing. Selection (globs, --type) is applied here, on the target, because
# libkvm programs cannot even list their cases without the kvm module.
set -u
# Before any cd: $0 may be relative.
lib=$(cd "$(dirname "$0")" && pwd)/ktap_lib.awk

root=.
timeout=300
list_only=0
stop_on_fail=0
preload=
selects=
vtype=
mutants=
mutant=
targets=
progs=

while [ $# -gt 0 ]; do
	case $1 in
	--root) root=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--list-only) list_only=1 ;;
	--preload) preload="${preload:+$preload:}$2"; shift ;;
	--select) selects="$selects $2"; shift ;;
	--type) vtype=$2; shift ;;
	--mutant) mutants="$mutants $2"; shift ;;
	--stop-on-fail) stop_on_fail=1 ;;
	--mutant-targets) targets=$2; shift ;;
	-*) echo "executor: unknown option $1" >&2; exit 2 ;;
	*) progs="$progs $1" ;;
	esac
	shift
done

cd "$root" || exit 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kps-exec.XXXXXX") || exit 2
trap 'reap "$$\."; rm -rf "$tmp"' EXIT
trap 'exit 143' TERM INT
# A reader that stops early (`--list | head -1`) must not leave $tmp behind:
# SIGPIPE would end this shell without its EXIT trap.
trap 'exit 141' PIPE

# Shared awk functions (glob2re, glob_match, tap_split), beside this script
# on the host and in the VM's /suite alike; mawk has no -e, so the programs
# that use them are files too.
[ -r "$lib" ] || { echo "executor: $lib missing" >&2; exit 2; }
# One program's harness lines -> "pass|fail|skip <program>.<case>".
cat >"$tmp/results.awk" <<'AWK'
/^(not )?ok [0-9]+ / {
	ok = tap_split($0)
	print (ok ? (tap_directive ~ /^SKIP/ ? "skip" : "pass") : "fail"), p "." tap_name
}
AWK
# Planned cases (name, filter, program) of program p matching the globs.
cat >"$tmp/select.awk" <<'AWK'
BEGIN { n = split(globs, gl, " ") }
$3 != p { next }
!n { print; next }
{
	for (i = 1; i <= n; i++)
		if (glob_match($1, gl[i])) {
			print
			next
		}
}
AWK

# Every program runs with KPS_RUN_ID=<executor pid>.<n> in its environment.
# A harness killed by the timeout leaves its test child behind (the harness
# puts each case in its own process group, setpgrp()), still in the hung
# KVM_RUN and holding our output pipe open: kill every process whose
# KPS_RUN_ID matches $1 (a regex prefix).
reap() {
	for e in /proc/[0-9]*/environ; do
		# regex: $1 is one on purpose ("<pid>\." or "<pid>\.<n>$").
		{ tr '\0' '\n' <"$e"; } 2>/dev/null | grep -q "^KPS_RUN_ID=$1" ||
			continue
		e=${e#/proc/}
		[ "${e%/environ}" != $$ ] && kill -KILL "${e%/environ}" 2>/dev/null
	done
}
nrun=0

preload_env() {
	if [ -n "$preload" ]; then
		LD_PRELOAD=$preload "$@"
	else
		"$@"
	fi
}

if [ -x tools/kvm_env ]; then
	preload_env tools/kvm_env 2>&1 | sed 's/^/@@ENV /'
fi

selected() {
	# $1 = case name, $2 = variant
	if [ -n "$vtype" ] && [ "$2" != "$vtype" ]; then
		return 1
	fi
	[ -z "$selects" ] && return 0
	for g in $selects; do
		# shellcheck disable=SC2254
		case $1 in
		$g | $g.*) return 0 ;;
		esac
	done
	return 1
}

# The harness prints "fixture variant test" in fixed columns (%-20s %-25s %s);
# a new fixture starts with a non-blank first column.
list_cases() {
	preload_env "./$1" -l 2>&1 >/dev/null | awk -v p="$(basename "$1")" '
		/^# FIXTURE/ || /^-----/ { next }
		{
			f = substr($0, 1, 20); v = substr($0, 22, 25); t = substr($0, 48)
			gsub(/ /, "", f); gsub(/ /, "", v); gsub(/ /, "", t)
			if (f != "") { fix = f; nv = 0; nt = 0 }
			if (v != "") vars[fix, ++nv] = v
			if (t != "") tests[fix, ++nt] = t
			nvs[fix] = nv; nts[fix] = nt; order[fix] = ++seen
		}
		END {
			for (fix in order) byorder[order[fix]] = fix
			for (i = 1; i <= seen; i++) {
				fix = byorder[i]
				if (fix == "" || done[fix]++) continue
				for (a = 1; a <= (nvs[fix] ? nvs[fix] : 1); a++)
					for (b = 1; b <= nts[fix]; b++) {
						v = nvs[fix] ? vars[fix, a] : ""
						print p "." fix "." (v != "" ? v "." : "") \
							tests[fix, b] "\t" fix ":" v ":" tests[fix, b] "\t" v
					}
			}
		}'
}

: >"$tmp/plan"
: >"$tmp/counts"
for p in $progs; do
	if [ ! -x "$p" ]; then
		echo "@@CASE $(basename "$p").missing"
		echo "$(basename "$p").missing	-	-" >>"$tmp/plan"
		continue
	fi
	# Only kselftest_harness programs can list their cases; others (e.g.
	# upstream's sev_smoke_test) would run instead of listing.
	if grep -q 'list all tests' "$p"; then
		list_cases "$p" >"$tmp/list" || true
	else
		: >"$tmp/list"
	fi
	if [ ! -s "$tmp/list" ]; then
		# Not a harness program (or it failed to list): one case.
		echo "$(basename "$p")	-	-" >"$tmp/list"
	fi
	printf '%s\t%s\n' "$p" "$(wc -l <"$tmp/list")" >>"$tmp/counts"
	cp "$tmp/list" "$tmp/list.$(basename "$p")"
	while IFS='	' read -r name filt var; do
		if selected "$name" "$var"; then
			echo "@@CASE $name"
			printf '%s\t%s\t%s\n' "$name" "$filt" "$p" >>"$tmp/plan"
		fi
	done <"$tmp/list"
done
echo "@@PLANDONE"
[ $list_only -eq 1 ] && { echo "@@DONE"; exit 0; }

# Centiseconds since boot: works with busybox and on the host alike.
now() { awk '{ printf "%d", $1 * 100 }' /proc/uptime; }

# Case results of one program run, "pass|fail|skip name", from the harness'
# lines (a program that is not a harness program is one case, by exit status).
case_results() {
	# $1 = program basename, $2 = exit status, $3 = output file
	if grep -qxF "$1	-	-" "$tmp/list.$1" 2>/dev/null; then
		case $2 in
		0) echo "pass $1" ;;
		4) echo "skip $1" ;;
		*) echo "fail $1" ;;
		esac
		return
	fi
	awk -v p="$1" -f "$lib" -f "$tmp/results.awk" "$3"
}

run_prog() {
	# $1 = program; the rest of the arguments are -r filters, if any.
	p=$1
	shift
	b=$(basename "$p")
	echo "@@BEGIN $b"
	t0=$(now)
	if [ ! -x "$p" ]; then
		rc=127
		: >"$tmp/out"
	elif [ "$b" = sev_smoke_test ] && [ -e /sys/bus/platform/devices/swpsp ] &&
		[ "${preload#*libkvm_sev_model}" = "$preload" ]; then
		# The upstream smoke test runs SEV, SEV-ES and SNP guests; SEV
		# here is the software Secure Processor (kernel/swpsp/) and the
		# CPU the SVM of QEMU TCG: no encrypted guest can run there
		# (KVM_EXIT_INTERNAL_ERROR for SEV, no exit for SEV-ES).
		echo "1..0 # SKIP an encrypted guest cannot run: SEV is the software Secure Processor (/sys/bus/platform/devices/swpsp) and the SVM of QEMU TCG has no VMSA encryption and no C-bit" |
			tee "$tmp/out"
		rc=4
	else
		nrun=$((nrun + 1))
		{
			KPS_RUN_ID=$$.$nrun
			export KPS_RUN_ID
			preload_env timeout -s KILL "$timeout" "./$p" "$@" </dev/null 2>&1
			rc=$?
			unset KPS_RUN_ID
			# Killed (timeout, signal): what it left runs on.
			[ $rc -ge 128 ] && reap "$$\\.$nrun\$"
			echo $rc >"$tmp/rc"
		} | tee "$tmp/out"
		rc=$(cat "$tmp/rc")
	fi
	t1=$(($(now) - t0))
	echo "@@END $b $rc $((t1 / 100)).$(printf %02d $((t1 % 100)))"
	case_results "$b" "$rc" "$tmp/out" >"$tmp/res"
	return $rc
}

# Did the last program fail a case the correct model (mutant none) passes?
killed() {
	case $rc in 0 | 1 | 4) ;; *) [ -s "$tmp/list.$b" ] && ! grep -q "	-	-\$" "$tmp/list.$b" && return 0 ;; esac
	awk 'NR == FNR { if ($1 == "pass") base[$2] = 1; next }
	     $1 == "fail" && base[$2] { found = 1 }
	     END { exit !found }' "$tmp/base" "$tmp/res"
}

# $1 (optional): globs; only the planned cases matching one of them run.
run_all() {
	# Kept before the loop: "set -- -r ..." below replaces $1.
	run_globs=${1:-}
	for p in $progs; do
		# Run the whole program when all its cases are selected, else
		# one -r filter per selected case.
		awk -F'\t' -v p="$p" -v globs="$run_globs" -f "$lib" \
			-f "$tmp/select.awk" "$tmp/plan" >"$tmp/sel"
		total=$(wc -l <"$tmp/sel")
		[ "$total" -eq 0 ] && continue
		all=$(awk -F'\t' -v p="$p" '$1 == p { print $2 }' "$tmp/counts")
		if [ "$total" -eq "$all" ]; then
			set --
		else
			set -- $(awk -F'\t' '{ printf "-r %s ", $2 }' "$tmp/sel")
		fi
		run_prog "$p" "$@"
		if [ -n "$mutant" ] && [ "$mutant" = none ]; then
			cat "$tmp/res" >>"$tmp/base"
		elif [ $stop_on_fail -eq 1 ] && killed; then
			return 1
		fi
	done
	return 0
}

if [ -z "$mutants" ]; then
	run_all
else
	: >"$tmp/base"
	for m in $mutants; do
		mutant=$m
		echo "@@MUTANT $m"
		if [ "$m" = none ]; then
			# The correct model runs in full.
			(unset MODEL_MUTANT; stop_on_fail=0; run_all)
		else
			# Cases known to kill this mutant run first; only if none
			# fails does the whole selection run.
			globs=
			[ -n "$targets" ] && globs=$(awk -v m="$m" '$1 == m { $1 = ""; print }' "$targets")
			(
				MODEL_MUTANT=$m
				export MODEL_MUTANT
				if [ -z "$globs" ] || run_all "$globs"; then
					run_all
				fi
			)
		fi
	done
fi
echo "@@DONE"
