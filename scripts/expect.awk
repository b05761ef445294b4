# SPDX-License-Identifier: GPL-2.0-only
#
# Expected failures (run_kvmtests.sh --expect FILE), for platforms where
# some cases are known to fail: filter the runner's KTAP stream and split
# its failures into expected and unexpected ones.
#
# FILE: one case per line, "CASE REASON": a case name as printed by the
# runner (or a glob with * and ?), blanks, and why it fails there. Blank
# lines and lines starting with # are ignored. A bad line stops the run
# before anything is built: "FILE:LINE: what is wrong", exit status 2.
#
# The KTAP lines pass through unchanged (ok / not ok: parsers have no XFAIL);
# a "# XFAIL reason" or "# XPASS reason" diagnostic follows the line of a
# listed case. Before the closing "N passed, N failed, N skipped" line (still
# the plain KTAP counts) come the expectation summary and a kselftest-style
# "# Totals:" line. Exit status 1 for an unexpected failure, a listed case
# that passed, an infrastructure error or a stream without its closing line;
# else 0.
#
# Variables: expect (FILE), check (1: only validate FILE, print nothing).

function bad(n, msg) {
	printf "%s:%d: %s\n", expect, n, msg > "/dev/stderr"
	status = 2
	exit 2
}

function load(   line, n, pat, why) {
	n = 0
	while ((getline line < expect) > 0) {
		n++
		sub(/\r$/, "", line)
		if (line ~ /^[ \t]*(#|$)/)
			continue
		sub(/^[ \t]+/, "", line)
		pat = line
		sub(/[ \t].*$/, "", pat)
		why = substr(line, length(pat) + 1)
		sub(/^[ \t]+/, "", why)
		sub(/[ \t]+$/, "", why)
		if (pat !~ /^[A-Za-z0-9_.*?-]+$/)
			bad(n, "bad case name '" pat "' (letters, digits, _ . - and the globs * ?)")
		if (pat !~ /\./ && pat !~ /[*?]/)
			bad(n, "'" pat "' is not a case name (<program>.<fixture>.<variant>.<test>)")
		if (why == "")
			bad(n, "'" pat "' has no reason (write: CASE REASON)")
		if (pat in lineof)
			bad(n, "'" pat "' is listed twice (first on line " lineof[pat] ")")
		lineof[pat] = n
		pats[++npat] = pat
		res[npat] = glob2re(pat)
		reason[npat] = why
	}
	if (n == 0 && (getline line < expect) < 0)
		bad(0, "cannot read the file")
	close(expect)
}

# Index of the first entry matching case name c, or 0.
function lookup(c,   i) {
	for (i = 1; i <= npat; i++)
		if (c ~ res[i])
			return i
	return 0
}

BEGIN {
	if (expect == "") {
		print "expect.awk: no expectations file (-v expect=FILE)" > "/dev/stderr"
		status = 2
		exit 2
	}
	load()
	if (check)
		exit 0
}

/^(not )?ok [0-9]+ / {
	print
	tap_split($0)
	name = tap_name
	directive = tap_directive
	i = lookup(name)
	if (i)
		used[i]++
	if ($1 == "not") {
		if (i) {
			nxfail++
			xfail[nxfail] = name
			print "# XFAIL " reason[i]
		} else {
			nfail++
			unexp[nfail] = name
		}
	} else if (directive ~ /^SKIP/) {
		nskip++
	} else if (i) {
		nxpass++
		xpass[nxpass] = name " (" reason[i] ")"
		print "# XPASS expected to fail: " reason[i]
	} else {
		npass++
	}
	fflush()
	next
}

/^# infrastructure error/ { infra = 1 }
/^# mutation score: / {
	split($4, ms, "/")
	if (ms[1] + 0 < ms[2] + 0)
		infra = 1
}

/^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$/ {
	summary = $0
	printf "# expectations (%s): %d expected failure%s, %d unexpected failure%s, %d expected to fail but passed\n",
		expect, nxfail, nxfail == 1 ? "" : "s", nfail, nfail == 1 ? "" : "s", nxpass
	for (i = 1; i <= nfail; i++)
		print "#   unexpected failure: " unexp[i]
	for (i = 1; i <= nxpass; i++)
		print "#   expected to fail but passed: " xpass[i]
	for (i = 1; i <= nxfail; i++)
		print "#   expected failure: " xfail[i]
	for (i = 1; i <= npat; i++)
		if (!used[i])
			printf "#   no case matched %s (line %d)\n", pats[i], lineof[pats[i]]
	printf "# Totals: pass:%d fail:%d xfail:%d xpass:%d skip:%d error:%d\n",
		npass, nfail, nxfail, nxpass, nskip, infra ? 1 : 0
	print
	fflush()
	next
}

{ print; fflush() }

END {
	if (status)
		exit status
	if (check)
		exit 0
	if (nfail || nxpass || infra || summary == "")
		exit 1
	exit 0
}
