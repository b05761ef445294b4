# SPDX-License-Identifier: GPL-2.0-only
#
# Is an expectations file (expect/*.txt) exact? tests/test_expect.sh runs
# the suite on the software model once per mutant the file names
# (MODEL_MUTANT=NAME) and once on the correct model, then this script reads
#   dir "/cases"      every case name of the suite (run_kvmtests.sh --list),
#   dir "/mutants"    the model's mutant names (--list-mutants, first field),
#   dir "/NAME.ktap"  the suite under mutant NAME,
#   dir "/none.ktap"  the listed cases on the correct model,
# and prints one line per finding:
#   - an entry whose reason does not start with the kernel line
#     ("6.12 FILE:LINE FUNCTION()") or does not end with "[mutant NAME]"
#     naming a mutant of the model;
#   - an entry that matches no case of the suite;
#   - a case an entry matches that does not fail under its mutant, or does
#     not pass on the correct model;
#   - a case failing under one of the file's mutants that no entry of that
#     mutant lists (the file would be incomplete for that deviation);
#   - a run without its closing summary line.
# Exit status 1 if anything was printed.
#
# Variables: expect (the file), dir.

function finding(msg) {
	print msg
	nbad++
}

# Verdicts of one KTAP stream into v[case]: PASS, FAIL or SKIP.
function verdicts(file, v,   line, ok, done) {
	done = 0
	while ((getline line < file) > 0) {
		if (line ~ /^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$/)
			done = 1
		if (line !~ /^(not )?ok [0-9]+ /)
			continue
		ok = tap_split(line)
		v[tap_name] = !ok ? "FAIL" : (tap_directive ~ /^SKIP/ ? "SKIP" : "PASS")
	}
	close(file)
	if (!done)
		finding(file ": no summary line (the run did not finish)")
}

BEGIN {
	while ((getline c < (dir "/cases")) > 0)
		cases[++ncase] = c
	while ((getline l < (dir "/mutants")) > 0) {
		split(l, f, "\t")
		known[f[1]] = 1
	}
	n = 0
	while ((getline line < expect) > 0) {
		n++
		if (line ~ /^[ \t]*(#|$)/)
			continue
		pat = line
		sub(/[ \t].*$/, "", pat)
		why = substr(line, length(pat) + 1)
		sub(/^[ \t]+/, "", why)
		sub(/[ \t]+$/, "", why)
		if (why !~ /^6\.12 [A-Za-z0-9_\/.-]+\.[ch]:[0-9]+ [A-Za-z0-9_]+\(\)/)
			finding("line " n ": " pat ": the reason does not start with the kernel line (6.12 FILE:LINE FUNCTION())")
		m = ""
		if (match(why, /\[mutant [A-Za-z0-9_]+\]$/))
			m = substr(why, RSTART + 8, RLENGTH - 9)
		if (m == "") {
			finding("line " n ": " pat ": the reason does not end with [mutant NAME]")
			continue
		}
		if (!(m in known)) {
			finding("line " n ": " pat ": unknown mutant " m)
			continue
		}
		np++
		ppat[np] = pat
		pline[np] = n
		pmut[np] = m
		want[m] = 1
	}
	close(expect)

	verdicts(dir "/none.ktap", good)
	for (m in want) {
		delete mv
		verdicts(dir "/" m ".ktap", mv)
		for (i = 1; i <= np; i++) {
			if (pmut[i] != m)
				continue
			hits = 0
			for (k = 1; k <= ncase; k++) {
				c = cases[k]
				if (c !~ glob2re(ppat[i]))
					continue
				hits++
				listed[m, c] = 1
				r = (c in mv) ? mv[c] : "no result"
				if (r != "FAIL")
					finding(c " (line " pline[i] "): " r " under mutant " m ", listed as failing")
				r = (c in good) ? good[c] : "no result"
				if (r != "PASS")
					finding(c " (line " pline[i] "): " r " on the correct model, expected PASS")
			}
			if (!hits)
				finding("line " pline[i] ": " ppat[i] " matches no case of the suite")
		}
		for (c in mv)
			if (mv[c] == "FAIL" && !((m, c) in listed))
				finding(c ": FAIL under mutant " m ", not listed for it")
	}
	exit nbad ? 1 : 0
}
