#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The LAVA test definition's script (lava/kselftest-kvm.yaml): run the kvm
# collection of an installed kselftest tree with its own run_kselftest.sh
# and report one LAVA test case per suite case, named as run_kvmtests.sh
# prints it (<program>.<fixture>.<variant>.<test>, or the bare program name
# for a program that is not a kselftest_harness one), SKIP reasons kept.
#
#   kselftest-kvm.sh [-p KSELFTEST_PATH] [-c COLLECTION] [-S SKIPFILE]
#                    [-u TARBALL_URL] [-o OUTDIR]
#
# -p  the installed tree (run_kselftest.sh, kselftest-list.txt, kvm/);
#     default /opt/kselftests/default-in-kernel
# -u  if -p holds no run_kselftest.sh: fetch this tarball (gen_tar's
#     kselftest.tar.gz) with wget and unpack it there, like Linaro's
#     kselftest.sh -u
# -S  skipfile, as Linaro's kselftest.sh -S takes it: one entry a line,
#     "#" comments. "COLLECTION:PROGRAM" lines are regexes over
#     kselftest-list.txt (Linaro's format); any other line is a case name,
#     a glob (* ?) or a dotted prefix such as a program name
#     (protected_state_test.after_launch.snp.*). Skipped cases never run and
#     are reported as skip with "skipfile FILE:LINE" as the reason. A path
#     is taken relative to the test definition's repository, or is a URL.
# -o  where the log, the KTAP and the results go (default ./output)
#
# Uses the suite's own KTAP logic (scripts/executor.sh --list-only for the
# case list, scripts/ktap.awk for the results), from the repository this
# script is part of. Outside LAVA (no lava-test-case in PATH) each result
# is printed as "RESULT <pass|fail|skip> <name>". POSIX sh: the DUT may have
# only busybox. Exits 0 unless it could not run at all: the verdicts are in
# the test cases.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
scripts=$repo/scripts

kpath=/opt/kselftests/default-in-kernel
coll=kvm
skipfile=
url=
out=$(pwd)/output

usage() {
	echo "usage: kselftest-kvm.sh [-p KSELFTEST_PATH] [-c COLLECTION] [-S SKIPFILE] [-u TARBALL_URL] [-o OUTDIR]" >&2
	exit 2
}

while getopts "p:c:S:u:o:h" opt; do
	case $opt in
	p) kpath=$OPTARG ;;
	c) coll=$OPTARG ;;
	S) skipfile=$OPTARG ;;
	u) url=$OPTARG ;;
	o) out=$OPTARG ;;
	*) usage ;;
	esac
done
[ -n "$coll" ] || usage

# One result: the KTAP-style line first (it carries the SKIP reason or the
# failure, and LAVA's log shows it next to the case), then the signal.
report() {
	# $1 = pass|fail|skip, $2 = case name, $3 = the line to print
	printf '%s\n' "$3"
	if [ "$have_lava" = 1 ]; then
		lava-test-case "$2" --result "$1"
	else
		echo "RESULT $1 $2"
	fi
}
have_lava=0
command -v lava-test-case >/dev/null 2>&1 && have_lava=1

# Setup errors are failures of a case of their own, never a silent pass.
die() {
	report fail "$coll-setup" "not ok - $coll-setup # $*"
	exit 0
}

mkdir -p "$out" || die "cannot create $out"
for f in executor.sh ktap.awk ktap_lib.awk; do
	[ -r "$scripts/$f" ] || die "$scripts/$f missing (run from the suite's repository)"
done

if [ ! -x "$kpath/run_kselftest.sh" ]; then
	[ -n "$url" ] || die "no run_kselftest.sh in $kpath and no -u URL"
	mkdir -p "$kpath" || die "cannot create $kpath"
	wget -q -O "$out/kselftest.tar.gz" "$url" || die "wget $url failed"
	tar -xzf "$out/kselftest.tar.gz" -C "$kpath" || die "cannot unpack $url"
	[ -x "$kpath/run_kselftest.sh" ] || die "$url holds no run_kselftest.sh"
fi

case $skipfile in
"") ;;
http://* | https://*)
	wget -q -O "$out/skipfile" "$skipfile" || die "wget $skipfile failed"
	skipfile=$out/skipfile ;;
/*) ;;
*) skipfile=$repo/$skipfile ;;
esac
[ -z "$skipfile" ] || [ -r "$skipfile" ] || die "skipfile $skipfile not found"

list=$kpath/kselftest-list.txt
[ -r "$list" ] || die "$list missing"
progs=$(sed -n "s/^$coll://p" "$list")
[ -n "$progs" ] || die "no $coll:* entry in $list"

# The case list, from each harness program's -l (the same listing the
# suite's runner plans with).
# shellcheck disable=SC2086 # one word per program
sh "$scripts/executor.sh" --root "$kpath/$coll" --list-only $progs \
	>"$out/plan.raw" 2>"$out/plan.err" || die "listing the cases failed: $(head -n 3 "$out/plan.err")"
sed -n 's/^@@CASE //p' "$out/plan.raw" >"$out/cases"
[ -s "$out/cases" ] || die "no case listed: $(head -n 3 "$out/plan.err")"

# Skipfile -> "name<TAB>reason" for each skipped case; the first entry that
# skips a case gives its reason.
cat >"$out/skip.awk" <<'AWK'
glob_match($0, g) { print $0 "\t" why }
AWK
: >"$out/skipped.all"
if [ -n "$skipfile" ]; then
	n=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		entry=$(printf '%s\n' "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		case $entry in "" | \#*) continue ;; esac
		why="skipfile $(basename "$skipfile"):$n: $entry"
		case $entry in
		*:*)
			# Linaro's format: a regex over the whole list entry; its
			# programs are skipped with all their cases.
			grep -E -x -e "$entry" "$list" | sed -n "s/^$coll://p" |
				while IFS= read -r p; do
					awk -v p="$p" -v why="$why" \
						'$0 == p || index($0, p ".") == 1 { print $0 "\t" why }' "$out/cases"
				done ;;
		*)
			awk -v g="$entry" -v why="$why" -f "$scripts/ktap_lib.awk" \
				-f "$out/skip.awk" "$out/cases" ;;
		esac
	done <"$skipfile" >"$out/skipped.all"
fi
awk -F'\t' '!seen[$1]++' "$out/skipped.all" >"$out/skipped"

# What runs: programs with no case left leave kselftest-list.txt; the others
# get one "-r fixture:variant:test" per case left when some are skipped,
# through run_kselftest.sh's KSELFTEST_<PROGRAM>_ARGS.
awk -F'\t' -v sk="$out/skipped" 'FILENAME == sk { s[$1] = 1; next } !s[$1]' \
	"$out/skipped" "$out/cases" >"$out/run-cases"
: >"$out/list"
for p in $progs; do
	all=$(awk -v p="$p" '$0 == p || index($0, p ".") == 1' "$out/cases" | wc -l)
	left=$(awk -v p="$p" '$0 == p || index($0, p ".") == 1' "$out/run-cases" | wc -l)
	[ "$left" -gt 0 ] || continue
	echo "$coll:$p" >>"$out/list"
	[ "$left" -lt "$all" ] || continue
	var=KSELFTEST_$(echo "$p" | tr -c '[:alnum:]_\n' '_' | tr '[:lower:]' '[:upper:]')_ARGS
	args=$(awk -F. -v p="$p" 'index($0, p ".") == 1 { printf "-r %s:%s%s%s ", $2, $3, ($3 != "" ? ":" : ""), $4 }' "$out/run-cases")
	export "$var=$args"
done
echo "# $coll: $(wc -l <"$out/cases") cases in $(echo "$progs" | wc -w) programs, $(wc -l <"$out/skipped") skipped by the skipfile, $(wc -l <"$out/run-cases") to run"

# Run the collection as a farm does (run_kselftest.sh -c), with the list
# cut down as Linaro's kselftest.sh does, then put back.
: >"$out/kselftest.log"
if [ -s "$out/list" ]; then
	cp "$list" "$out/kselftest-list.txt.full"
	cp "$out/list" "$list"
	(cd "$kpath" && ./run_kselftest.sh -c "$coll" 2>&1) | tee "$out/kselftest.log"
	cp "$out/kselftest-list.txt.full" "$list"
fi

# run_kselftest.sh's output -> the executor's marker protocol, with the
# skipfile's cases as SKIP lines of their program, -> scripts/ktap.awk.
cat >"$out/markers.awk" <<'AWK'
BEGIN { FS = "\t" }
FILENAME == skipped {
	split($1, parts, ".")
	sk[parts[1]] = sk[parts[1]] (index($1, ".") ? \
		"ok 0 " substr($1, length(parts[1]) + 2) " # SKIP " $2 : "1..0 # SKIP " $2) "\n"
	next
}
FILENAME == cases { print "@@CASE " $1; next }
FNR == 1 && !planned { print "@@PLANDONE"; planned = 1 }
/^# selftests: / {
	prog = $0
	sub(/^# selftests: [^:]*: /, "", prog)
	print "@@BEGIN " prog
	printf "%s", sk[prog]
	done[prog] = 1
	inprog = 1
	next
}
inprog && /^(not )?ok [0-9]+ selftests: / {
	rc = 1
	if ($0 ~ /^ok /)
		rc = $0 ~ /# SKIP/ ? 4 : 0
	else if ($0 ~ /# TIMEOUT/)
		rc = 124
	else if (match($0, /# exit=[0-9]+/))
		rc = substr($0, RSTART + 7, RLENGTH - 7)
	print "@@END " prog " " rc " -"
	inprog = 0
	next
}
inprog { sub(/^# ?/, ""); print }
END {
	if (!planned)
		print "@@PLANDONE"
	for (p in sk)
		if (!done[p]) {
			print "@@BEGIN " p
			printf "%s", sk[p]
			print "@@END " p " 4 -"
		}
	print "@@DONE"
}
AWK
awk -v skipped="$out/skipped" -v cases="$out/cases" -f "$out/markers.awk" "$out/skipped" "$out/cases" "$out/kselftest.log" \
	>"$out/markers"
awk -f "$scripts/ktap_lib.awk" -f "$scripts/ktap.awk" "$out/markers" >"$out/results.ktap"

# One LAVA test case per KTAP case line.
cat >"$out/report.awk" <<'AWK'
/^(not )?ok [0-9]+ / {
	ok = tap_split($0)
	print (ok ? (tap_directive ~ /^SKIP/ ? "skip" : "pass") : "fail") "\t" tap_name "\t" $0
}
AWK
awk -f "$scripts/ktap_lib.awk" -f "$out/report.awk" "$out/results.ktap" >"$out/results.tsv"
while IFS='	' read -r res name line; do
	report "$res" "$name" "$line"
done <"$out/results.tsv"
tail -n 1 "$out/results.ktap"
exit 0
