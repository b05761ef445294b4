#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The shipped expectations (expect/*.txt) stay exact: every entry cites its
# kernel line, names a real case, fails under the model mutant it names
# ("[mutant NAME]") and passes on the correct model, and no other case fails
# under that mutant (scripts/expect-check.awk). The suite runs on the host
# substrate when /dev/kvm can create a VM (about 15 s per run), else on the
# VM substrate. Then doctored copies of the file (an entry dropped, one
# added, a bogus name, a wrong or missing mutant, no kernel line) and of the
# correct model's run must each be caught, from the same runs.
. "$(dirname "$0")/lib.sh"
R=$SUITE/run_kvmtests.sh
C=$SUITE/scripts/expect-check.awk
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sub=--vm
"$SUITE/build/tools/kvm_env" --probe >/dev/null 2>&1 && sub=--host

check() {
	# $1 = expectations file, $2 = directory of the runs
	awk -v expect="$1" -v dir="$2" -f "$SUITE/scripts/ktap_lib.awk" -f "$C" 2>&1
}

for f in "$SUITE"/expect/*.txt; do
	name=expect/$(basename "$f")
	d=$tmp/$(basename "$f" .txt)
	mkdir -p "$d"
	"$R" $sub --list >"$d/cases" 2>"$d/err" ||
		{ t_result 1 "$name: list the suite's cases ($sub)" "$(tail -n5 "$d/err")"; continue; }
	"$R" --list-mutants >"$d/mutants" 2>>"$d/err"
	mutants=$(sed -n 's/.*\[mutant \([A-Za-z0-9_]*\)\][ \t]*$/\1/p' "$f" | sort -u)
	t_eq "$name: names at least one mutant" 1 "$([ -n "$mutants" ] && echo 1)"
	for m in $mutants; do
		MODEL_MUTANT=$m "$R" $sub --model >"$d/$m.ktap" 2>>"$d/err"
	done
	sel=()
	while read -r pat _; do
		sel+=(-t "$pat")
	done < <(grep -Ev '^[[:space:]]*(#|$)' "$f")
	"$R" $sub --model "${sel[@]}" >"$d/none.ktap" 2>>"$d/err"
	out=$(check "$f" "$d")
	t_eq "$name: exact (every entry fails under its mutant and only there, passes on the correct model)" "" "$out"
	n=$(grep -Evc '^[[:space:]]*(#|$)' "$f")
	t_match "$name: $n entries checked, $(wc -l <"$d/cases") cases listed ($sub)" '^[1-9]' "$n"

	# The checker catches each kind of inexact file.
	m1=${mutants%%$'\n'*}
	last=$(grep -E "\[mutant $(t_re_escape "$m1")\][[:space:]]*$" "$f" | tail -n1)
	lcase=${last%%[[:space:]]*}
	grep -vxF -- "$last" "$f" >"$tmp/drop.txt"
	t_match "doctored: entry $lcase dropped" \
		"^$(t_re_escape "$lcase"): FAIL under mutant $m1, not listed for it$" "$(check "$tmp/drop.txt" "$d")"
	extra=$(grep -m1 '\.default\.' "$d/cases")
	{ cat "$f"; printf '%s\t6.12 x86.c:1 f(): doctored [mutant %s]\n' "$extra" "$m1"; } >"$tmp/add.txt"
	t_match "doctored: passing case $extra added" \
		"^$(t_re_escape "$extra") \(line [0-9]+\): (PASS|SKIP) under mutant $m1, listed as failing$" "$(check "$tmp/add.txt" "$d")"
	{ cat "$f"; printf 'no_such_test.f.v.t\t6.12 x86.c:1 f(): doctored [mutant %s]\n' "$m1"; } >"$tmp/bogus.txt"
	t_match "doctored: bogus case name" \
		'^line [0-9]+: no_such_test\.f\.v\.t matches no case of the suite$' "$(check "$tmp/bogus.txt" "$d")"
	sed "s/\[mutant $(t_re_escape "$m1")\]/[mutant no_such_mutant]/" "$f" >"$tmp/unknown.txt"
	t_match "doctored: unknown mutant" ': unknown mutant no_such_mutant$' "$(check "$tmp/unknown.txt" "$d")"
	sed "s/[[:space:]]*\[mutant $(t_re_escape "$m1")\]//" "$f" >"$tmp/untagged.txt"
	t_match "doctored: no mutant tag" 'the reason does not end with \[mutant NAME\]$' "$(check "$tmp/untagged.txt" "$d")"
	sed -E 's/\t6\.12 [^ ]+ /\t/' "$f" >"$tmp/noline.txt"
	t_match "doctored: no kernel line" 'does not start with the kernel line' "$(check "$tmp/noline.txt" "$d")"
	cp -r "$d" "$tmp/good"
	sed -i "s/^ok \([0-9]*\) $(t_re_escape "$lcase")\$/not ok \1 $lcase/" "$tmp/good/none.ktap"
	t_match "doctored: $lcase fails on the correct model" \
		"^$(t_re_escape "$lcase") \(line [0-9]+\): FAIL on the correct model, expected PASS$" "$(check "$f" "$tmp/good")"
	rm -rf "$tmp/good"
	[ ! -s "$d/err" ] || sed 's/^/# stderr: /' "$d/err" | tail -n5
done

t_done
