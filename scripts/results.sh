#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The runner's last stage: reads its KTAP stream on stdin, prints it, and
# on request applies expectations and writes reports.
#
#   results.sh [--expect FILE] [--junit FILE] [--report DIR] [--argv "ARGS"]
#
# --expect FILE  split failures into expected and unexpected (expect.awk);
#                the exit status is then expect.awk's
# --junit FILE   JUnit XML of the run (junit.pl, TAP::Formatter::JUnit)
# --report DIR   DIR/results.ktap (the stream as printed), DIR/results.xml
#                (JUnit), DIR/environment.txt (environment.sh), DIR/report.html
#                (report_html.py: self-contained, one grid per program)
# --argv ARGS    the runner's arguments, recorded in environment.txt
# Without --expect the exit status is 0 unless a report cannot be written
# (then 1, with one line on stderr).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
me=results.sh

die() {
	echo "$me: error: $*" >&2
	exit 1
}

expect="" junit="" report="" argv=""
while [ $# -gt 0 ]; do
	case $1 in
	--expect | --junit | --report | --argv)
		[ $# -ge 2 ] || { echo "$me: $1 needs a value" >&2; exit 2; }
		case $1 in
		--expect) expect=$2 ;;
		--junit) junit=$2 ;;
		--report) report=$2 ;;
		--argv) argv=$2 ;;
		esac
		shift ;;
	*) echo "$me: unknown option '$1' (accepted: --expect --junit --report --argv)" >&2; exit 2 ;;
	esac
	shift
done

# No stream at all (a selection that matched no case): nothing to report.
IFS= read -r first || exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ktap=$tmp/results.ktap
if [ -n "$report" ]; then
	mkdir -p "$report" 2>/dev/null && [ -w "$report" ] ||
		die "--report $report: cannot create a writable directory"
	ktap=$report/results.ktap
fi

rc=0
if [ -n "$expect" ]; then
	{ printf '%s\n' "$first"; cat; } |
		awk -v expect="$expect" -f "$here/ktap_lib.awk" -f "$here/expect.awk" | tee "$ktap"
	rc=${PIPESTATUS[1]}
else
	{ printf '%s\n' "$first"; cat; } | tee "$ktap"
fi

write_junit() {
	PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0 perl "$here/junit.pl" "$ktap" "$1" ||
		die "cannot write JUnit XML $1 (is libtap-formatter-junit-perl installed?)"
}

if [ -n "$junit" ]; then
	write_junit "$junit"
fi
if [ -n "$report" ]; then
	write_junit "$report/results.xml"
	"$here/environment.sh" --argv "$argv" ${expect:+--expect "$expect"} \
		"$ktap" >"$report/environment.txt" ||
		die "cannot write $report/environment.txt"
	[ -z "$expect" ] || cp "$expect" "$report/expectations.txt" ||
		die "cannot copy $expect into $report"
	python3 "$here/report_html.py" --out "$report/report.html" \
		--env "$report/environment.txt" ${expect:+--expect "$expect"} "$ktap" ||
		die "cannot write $report/report.html"
	echo "# report: $report (results.ktap, results.xml, environment.txt, report.html${expect:+, expectations.txt})" >&2
fi
exit "$rc"
