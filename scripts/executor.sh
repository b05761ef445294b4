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
jobs=
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
	--jobs) jobs=$2; shift ;;
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
# Programs run at once (--jobs N; default: the CPUs of this target).
[ -n "$jobs" ] || jobs=$(nproc 2>/dev/null || echo 1)
case $jobs in '' | *[!0-9]* | 0*) echo "executor: --jobs needs a positive number, not '$jobs'" >&2; exit 2 ;; esac
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

# Why program $1 cannot run here (exit status 0 and the reason), for both
# run_prog and run_job. The upstream smoke test runs SEV, SEV-ES and SNP
# guests; on the software Secure Processor (kernel/swpsp/) the CPU is the
# SVM of QEMU TCG: no encrypted guest can run there
# (KVM_EXIT_INTERNAL_ERROR for SEV, no exit for SEV-ES).
cannot_run() {
	[ "$1" = sev_smoke_test ] && [ -e /sys/bus/platform/devices/swpsp ] &&
		[ "${preload#*libkvm_sev_model}" = "$preload" ] || return 1
	echo "an encrypted guest cannot run: SEV is the software Secure Processor (/sys/bus/platform/devices/swpsp) and the SVM of QEMU TCG has no VMSA encryption and no C-bit"
}

# Run program $2 (its filters after it) as run number $1 (KPS_RUN_ID),
# output and errors on stdout: the one way run_prog and run_job run a
# program. Exit status: the program's; 127 if it is not built; 4
# (KSFT_SKIP) after a plan line naming why if cannot_run says it cannot
# run here.
exec_prog() {
	id=$1 p=$2
	shift 2
	if [ ! -x "$p" ]; then
		return 127
	elif why=$(cannot_run "$(basename "$p")"); then
		echo "1..0 # SKIP $why"
		return 4
	fi
	KPS_RUN_ID=$$.$id
	export KPS_RUN_ID
	preload_env timeout -s KILL "$timeout" "./$p" "$@" </dev/null 2>&1
	rc=$?
	unset KPS_RUN_ID
	# Killed (timeout, signal): what it left runs on.
	[ $rc -ge 128 ] && reap "$$\\.$id\$"
	return $rc
}

run_prog() {
	# $1 = program; the rest of the arguments are -r filters, if any.
	p=$1
	shift
	b=$(basename "$p")
	echo "@@BEGIN $b"
	t0=$(now)
	nrun=$((nrun + 1))
	{
		exec_prog $nrun "$p" "$@"
		echo $? >"$tmp/rc"
	} | tee "$tmp/out"
	rc=$(cat "$tmp/rc")
	t1=$(($(now) - t0))
	echo "@@END $b $rc $((t1 / 100)).$(printf %02d $((t1 % 100)))"
	case_results "$b" "$rc" "$tmp/out" >"$tmp/res"
	return $rc
}

# One job of a parallel run (-j N > 1), in the background: a program, or a
# part of one (a run of its fixtures), with its output in $tmp/job.$1.out,
# its exit status and start and end times (centiseconds) in $tmp/job.$1.rc,
# and $tmp/job.$1.done last. Every file is its own: jobs share nothing
# here. $2 = KPS_RUN_ID's number, $3 = program, the rest its filters.
run_job() {
	j=$tmp/job.$1 n=$2 p=$3
	shift 3
	t0=$(now)
	exec_prog "$n" "$p" "$@" >"$j.out"
	echo "$? $t0 $(now)" >"$j.rc"
	: >"$j.done"
}

# The block of jobs $1..$2 (the parts of one program, in its order) as
# run_prog prints it; sets b, rc and $tmp/res. The parts' harness headers
# become one: "Starting N tests from M test cases" with the sums (the
# parts split the program's fixtures), the other parts' dropped. The exit
# status is the first part's that is neither 0 nor 4 (KSFT_SKIP), else 4
# if every part's is 4, else 0; the time runs from the first start to the
# last end.
emit_jobs() {
	b=$(basename "$(cat "$tmp/job.$1.prog")")
	k=$1 files= rcs=
	while [ "$k" -le "$2" ]; do
		files="$files $tmp/job.$k.out"
		rcs="$rcs$(cat "$tmp/job.$k.rc")
"
		k=$((k + 1))
	done
	set -- $(printf '%s' "$rcs" | awk '
		{ if (!t0 || $2 < t0) t0 = $2; if ($3 > t1) t1 = $3 }
		$1 != 0 && $1 != 4 && rc == "" { rc = $1 }
		$1 != 4 { all4 = 0 }
		NR == 1 { all4 = ($1 == 4) }
		END { print (rc != "" ? rc : all4 ? 4 : 0), t1 - t0 }')
	rc=$1 t1=$2
	# shellcheck disable=SC2086 # the parts' output files
	awk '
		FNR == 1 { part++; head = 1 }
		head && /^# Starting [0-9]+ tests from [0-9]+ test cases\.$/ { nt += $3; nc += $6 }
		/^(not )?ok [0-9]+ / { head = 0 }
		{ line[part, FNR] = $0; n[part] = FNR; inhead[part, FNR] = head }
		END {
			for (p = 1; p <= part; p++)
				for (i = 1; i <= n[p]; i++) {
					l = line[p, i]
					if (inhead[p, i] && l ~ /^# Starting [0-9]+ tests from [0-9]+ test cases\.$/) {
						if (p == 1)
							print "# Starting " nt " tests from " nc " test cases."
						continue
					}
					if (p > 1 && inhead[p, i] && (l ~ /^TAP version / || l ~ /^1\.\.[0-9]+$/))
						continue
					print l
				}
		}' $files >"$tmp/out"
	echo "@@BEGIN $b"
	cat "$tmp/out"
	echo "@@END $b $rc $((t1 / 100)).$(printf %02d $((t1 % 100)))"
	case_results "$b" "$rc" "$tmp/out" >"$tmp/res"
}

# Did the last program fail a case the correct model (mutant none) passes?
killed() {
	case $rc in 0 | 1 | 4) ;; *) [ -s "$tmp/list.$b" ] && ! grep -q "	-	-\$" "$tmp/list.$b" && return 0 ;; esac
	awk 'NR == FNR { if ($1 == "pass") base[$2] = 1; next }
	     $1 == "fail" && base[$2] { found = 1 }
	     END { exit !found }' "$tmp/base" "$tmp/res"
}

# After a program's results are in $tmp/res (rc, b set): 1 to stop the run.
after_prog() {
	if [ -n "$mutant" ] && [ "$mutant" = none ]; then
		cat "$tmp/res" >>"$tmp/base"
	elif [ $stop_on_fail -eq 1 ] && killed; then
		return 1
	fi
	return 0
}

# $1 (optional): globs; only the planned cases matching one of them run.
# With -j N > 1, up to N jobs (programs, or parts of a big one) run at
# once; each program's block is printed in the order of -j 1, once its
# jobs and all before them have ended, so the case lines are the ones -j 1
# prints.
run_all() {
	# Kept before the loop: "set -- -r ..." below replaces $1.
	run_globs=${1:-}
	njobs=0
	rm -f "$tmp"/job.*
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
		if [ "$jobs" -eq 1 ]; then
			run_prog "$p" "$@"
			after_prog || return 1
			continue
		fi
		# A harness program run whole, with many cases, runs as up to
		# -j parts, each a run of its fixtures (-f; -r filters would
		# cost the harness a getopt pass per filter per case); the
		# parts are contiguous, so their outputs in order are its own.
		b=$(basename "$p")
		if [ $# -eq 0 ] && ! grep -q "	-	-\$" "$tmp/list.$b" && [ "$total" -ge 200 ]; then
			awk -F'\t' -v jobs="$jobs" -v total="$total" '
				{ split($2, f, ":"); if (!(f[1] in cnt)) ord[++nf] = f[1]; cnt[f[1]]++ }
				END {
					parts = jobs < nf ? jobs : nf
					if (parts > int(total / 100)) parts = int(total / 100)
					if (parts < 1) parts = 1
					g = 1; acc = 0
					for (i = 1; i <= nf; i++) {
						# A new part once this one has its share,
						# while fixtures remain for the parts left.
						if (acc >= g * total / parts && g < parts && nf - i + 1 >= parts - g)
							g = g + 1
						acc += cnt[ord[i]]
						print g, parts, ord[i]
					}
				}' "$tmp/list.$b" >"$tmp/parts"
			read -r _ parts _ <"$tmp/parts"
			i=1
			while [ "$i" -le "$parts" ]; do
				njobs=$((njobs + 1))
				echo "$p" >"$tmp/job.$njobs.prog"
				echo "$i $parts" >"$tmp/job.$njobs.part"
				awk -v g="$i" '$1 == g { print "-f"; print $3 }' "$tmp/parts" >"$tmp/job.$njobs.args"
				i=$((i + 1))
			done
			continue
		fi
		njobs=$((njobs + 1))
		echo "$p" >"$tmp/job.$njobs.prog"
		echo "1 1" >"$tmp/job.$njobs.part"
		printf '%s\n' "$@" >"$tmp/job.$njobs.args"
	done
	[ "$jobs" -eq 1 ] && return 0
	started=0 emitted=0
	while [ $emitted -lt $njobs ]; do
		# Programs running: started, not yet done.
		running=0 k=$emitted
		while [ $k -lt $started ]; do
			k=$((k + 1))
			[ -e "$tmp/job.$k.done" ] || running=$((running + 1))
		done
		if [ $started -lt $njobs ] && [ $running -lt "$jobs" ]; then
			started=$((started + 1))
			nrun=$((nrun + 1))
			# shellcheck disable=SC2046 # -r filters, one word each
			run_job $started $nrun "$(cat "$tmp/job.$started.prog")" \
				$(cat "$tmp/job.$started.args") &
			continue
		fi
		# The next program to print: all its parts done?
		k=$((emitted + 1))
		read -r _ parts <"$tmp/job.$k.part"
		last=$((k + parts - 1)) i=$k
		while [ $i -le $last ] && [ -e "$tmp/job.$i.done" ]; do
			i=$((i + 1))
		done
		if [ $i -le $last ]; then
			sleep 0.02
			continue
		fi
		emitted=$last
		emit_jobs $k $last
		if ! after_prog; then
			# A mutant killed: the programs still running stop, as
			# with -j 1 they would not have started.
			reap "$$\\."
			wait
			return 1
		fi
	done
	wait
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
