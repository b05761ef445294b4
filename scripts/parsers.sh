#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# parsers.sh [--kdir TREE] KTAP_FILE
#
# Read a KTAP stream of the runner the way CI systems do and check that
# they all see the same results:
#   kunit  the kernel's own parser, TREE/tools/testing/kunit/kunit.py parse
#          (--json), run with Debian's python3;
#   regex  a line regex of the kind LKFT and KernelCI use,
#          ^(# )*(not )?ok N name( # SKIP)?  (name: no blanks);
#   ours   the runner's closing line "N passed, N failed, N skipped".
# It also checks the case names: unique, printable ASCII from
# [A-Za-z0-9_.-] (no '#', no blanks), <program>.<fixture>.<variant>.<test>
# or a bare program name.
# Prints one "# parsers: ..." line per parser, then "parsers agree" and exits
# 0, or one line per disagreement and exits 1. TREE defaults to the tree
# scripts/ksrc.sh picks.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
me=parsers.sh

kdir=""
if [ "${1:-}" = --kdir ]; then
	[ $# -ge 2 ] || { echo "$me: --kdir needs a value" >&2; exit 2; }
	kdir=$2
	shift 2
fi
[ $# -eq 1 ] && [ -r "$1" ] || { echo "$me: usage: parsers.sh [--kdir TREE] KTAP_FILE" >&2; exit 2; }
ktap=$1
[ -n "$kdir" ] || kdir=$("$here/ksrc.sh") || exit 1
kunit=$kdir/tools/testing/kunit/kunit.py
[ -f "$kunit" ] || { echo "$me: error: $kunit not found" >&2; exit 1; }
command -v python3 >/dev/null || { echo "$me: error: python3 not found (apt-get install python3)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
problem() {
	echo "parsers: $*"
	bad=1
}

# kunit.py: "name<TAB>PASS|FAIL|SKIP|ERROR" per case, in order.
# (Its exit status is non-zero when a case failed: look at the JSON.)
python3 "$kunit" parse "$ktap" --json="$tmp/kunit.json" >"$tmp/kunit.out" 2>&1
[ -s "$tmp/kunit.json" ] || problem "kunit.py parse wrote no JSON: $(tail -n1 "$tmp/kunit.out")"
python3 - "$tmp/kunit.json" >"$tmp/kunit.tsv" <<'PY' || problem "cannot read kunit.py's JSON"
import json, sys
def walk(g):
    for c in g.get("test_cases", []):
        print("%s\t%s" % (c["name"], c["status"]))
    for s in g.get("sub_groups", []):
        walk(s)
walk(json.load(open(sys.argv[1])))
PY
sed -i 's/\tPASS$/\tpass/; s/\tFAIL$/\tfail/; s/\tERROR$/\tfail/; s/\tSKIP$/\tskip/' "$tmp/kunit.tsv"

# The regex parser.
sed -nE 's/^(# )*(not )?ok [0-9]+ ([^ ]+)( # SKIP)?.*/\3\t\2\4/p' "$ktap" |
	awk -F'\t' '{ print $1 "\t" ($2 == "not " ? "fail" : $2 == " # SKIP" ? "skip" : "pass") }' \
	>"$tmp/regex.tsv"

count() {
	printf '%d passed, %d failed, %d skipped' "$(grep -c $'\tpass$' "$1")" \
		"$(grep -c $'\tfail$' "$1")" "$(grep -c $'\tskip$' "$1")"
}
ours=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$ktap" | tail -n1)
echo "# parsers: kunit.py parse: $(count "$tmp/kunit.tsv")"
echo "# parsers: regex:          $(count "$tmp/regex.tsv")"
echo "# parsers: runner:         ${ours:-no closing line}"
[ -n "$ours" ] || problem "the stream has no closing 'N passed, N failed, N skipped' line"
[ "$(count "$tmp/kunit.tsv")" = "$ours" ] || problem "kunit.py parse counts differ from the runner's"
[ "$(count "$tmp/regex.tsv")" = "$ours" ] || problem "the regex parser's counts differ from the runner's"
if ! cmp -s "$tmp/kunit.tsv" "$tmp/regex.tsv"; then
	problem "kunit.py and the regex read different cases: $(diff "$tmp/kunit.tsv" "$tmp/regex.tsv" | grep '^[<>]' | head -n2 | tr '\n' ' ')"
fi

# Case names.
cut -f1 "$tmp/regex.tsv" >"$tmp/names"
dup=$(sort "$tmp/names" | uniq -d | head -n3 | tr '\n' ' ')
[ -z "$dup" ] || problem "duplicate case names: $dup"
odd=$(LC_ALL=C grep -vE '^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){3}$|^[A-Za-z0-9_-]+$' "$tmp/names" | head -n3 | tr '\n' ' ')
[ -z "$odd" ] || problem "case names outside [A-Za-z0-9_-] or not program.fixture.variant.test: $odd"
[ -s "$tmp/names" ] || problem "no case lines"

if [ $bad -eq 0 ]; then
	echo "parsers agree ($(wc -l <"$tmp/names") cases)"
fi
exit $bad
