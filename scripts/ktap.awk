# SPDX-License-Identifier: GPL-2.0-only
#
# Turn the executor's marker protocol (see scripts/executor.sh) into one KTAP
# stream: "TAP version 13", "# " banner lines, the plan, one "ok N name" /
# "not ok N name [# SKIP reason]" line per case, and the summary line
# "N passed, N failed, N skipped". Exit status 1 iff a case failed.
#
# Variables: banner (extra banner lines, "\n"-separated), verbose (1 keeps
# the harness' RUN/OK chatter), infra (reason used for cases that never
# reported because the target died), tailfile (console tail to show then),
# targets (the mutant targets file: a survivor whose target cases all skip
# on this substrate is reported as unseen here, not as a hole), selection
# (the runner's -t/--type options as typed: when they select no case, the
# one line "run_kvmtests.sh: no case matches SELECTION" goes to stderr,
# nothing to stdout, and the exit status is 2), model (1 on the software
# model: the closing lines then do not point to --model).

function emit(ok, name, directive,   line, st, vt) {
	if (reported[name]++)
		return
	st = !ok ? "fail" : (directive ~ /^SKIP/ ? "skip" : "pass")
	if (mutant == "none")
		base[name] = st
	if (mutant != "" && mutant != "none") {
		# A mutant is killed only by a case the correct model passes.
		if (st == "fail" && base[name] == "pass") {
			mfails[mutant]++
			if (mfirst[mutant] == "")
				mfirst[mutant] = name
		}
		return
	}
	num++
	count[st]++
	if (st == "skip" && match(directive, /lacks KVM_X86_[A-Z_]+_VM/)) {
		vt = substr(directive, RSTART + 14, RLENGTH - 17)
		typeskip[vt]++
		ntypeskip++
	}
	line = (ok ? "ok " : "not ok ") num " " name
	if (directive != "")
		line = line " # " directive
	print line
	fflush()
}

function finish_prog(rc,   i, why) {
	# Under a mutant only some cases may have been selected: a crash or
	# timeout of the program is a kill, cases it did not report are not.
	if (mutant != "" && mutant != "none" && !single[prog]) {
		if (rc != 0 && rc != 1 && rc != 4) {
			mfails[mutant]++
			if (mfirst[mutant] == "")
				mfirst[mutant] = prog " (exit status " rc ")"
		}
		return
	}
	if (single[prog]) {
		if (rc == 0)
			emit(1, prog, "")
		else if (rc == 4)
			emit(1, prog, "SKIP " (skipwhy[prog] != "" ? skipwhy[prog] : "exit status 4 (KSFT_SKIP)"))
		else
			emit(0, prog, rc == 137 || rc == 124 ? "TIMEOUT" : "")
		return
	}
	why = (rc == 137 || rc == 124) ? "TIMEOUT" : ""
	for (i = 1; i <= ncases; i++)
		if (caseprog[i] == prog && !reported[cases[i]]) {
			if (why == "" && (mutant == "" || mutant == "none"))
				print "# " cases[i] ": no result, " prog " exited with status " rc
			emit(0, cases[i], why)
		}
}

function finish_mutant(   n) {
	if (mutant == "" || mutant == "none")
		return
	n = mfails[mutant] + 0
	mresult[mutant] = n ? "killed" : "SURVIVED"
	if (!n && unseen(mutant)) {
		mresult[mutant] = "unseen"
		mfirst[mutant] = "(its cases skip here: " tglobs[mutant] ")"
		nunseen++
	}
	printf "# mutant %s: %s%s\n", mutant, mresult[mutant],
		n ? " by " mfirst[mutant] " (" n " failing case" (n > 1 ? "s" : "") ")" : \
		(mresult[mutant] == "unseen" ? " " mfirst[mutant] : "")
	fflush()
}

# 1 if every baseline case matching the mutant's target globs was skipped.
function unseen(m,   n, gl, i, c, matched) {
	if (tglobs[m] == "")
		return 0
	n = split(tglobs[m], gl, " ")
	for (c in base)
		for (i = 1; i <= n; i++)
			if (glob_match(c, gl[i])) {
				if (base[c] != "skip")
					return 0
				matched++
			}
	return matched > 0
}

function header(   i, n, parts) {
	print "TAP version 13"
	n = split(banner, parts, "\n")
	for (i = 1; i <= n; i++)
		if (parts[i] != "")
			print parts[i]
	for (i = 1; i <= nenv; i++)
		print env[i]
	print "1.." ncases
	fflush()
	planned = 1
}

BEGIN {
	if (targets != "")
		while ((getline l < targets) > 0)
			if (l !~ /^#/ && split(l, tp, "\t") == 2)
				tglobs[tp[1]] = tp[2]
}

/^@@ENV / { env[++nenv] = substr($0, 7); next }
/^@@CASE / {
	c = substr($0, 8)
	cases[++ncases] = c
	split(c, parts, ".")
	caseprog[ncases] = parts[1]
	if (index(c, ".") == 0)
		single[c] = 1
	next
}
/^@@PLANDONE/ {
	if (!ncases && selection != "") {
		print "run_kvmtests.sh: no case matches " selection " (see --list)" > "/dev/stderr"
		noselect = 1
	} else {
		header()
	}
	next
}
noselect { next }
/^@@MUTANT / {
	finish_mutant()
	for (k in reported)
		delete reported[k]
	mutant = $2
	morder[++nmut] = mutant
	if (mutant != "none")
		mutants_run++
	next
}
/^@@BEGIN / { prog = $2; inprog = 1; next }
/^@@END / {
	finish_prog($3 + 0)
	if (mutant == "" || mutant == "none")
		print "# " prog ": exit status " $3 ", " $4 " s"
	inprog = 0
	prog = ""
	next
}
/^@@DONE/ { finish_mutant(); done = 1; next }

inprog && !single[prog] && /^(not )?ok [0-9]+ / {
	ok = tap_split($0)
	rest = tap_name
	directive = tap_directive
	# A libkvm TEST_REQUIRE in the case's child prints "1..0 # SKIP reason"
	# (libkvm's own kselftest counters are zero) and the harness reports
	# "SKIP unknown": give the case that reason.
	if (directive == "SKIP unknown" && childskip != "")
		directive = "SKIP " childskip
	childskip = ""
	emit(ok, prog "." rest, directive)
	next
}

inprog {
	if (single[prog] && $0 ~ /^(ok|not ok) [0-9]+ .*# SKIP|^1\.\.0 # SKIP/) {
		skipwhy[prog] = $0
		sub(/.*# SKIP[ -]*/, "", skipwhy[prog])
	}
	if (!single[prog] && $0 ~ /^1\.\.0 # SKIP/) {
		childskip = $0
		sub(/^1\.\.0 # SKIP[ -]*/, "", childskip)
	}
	if ($0 ~ /^TAP version/ || $0 ~ /^1\.\.[0-9]+/ || $0 ~ /^# (Totals|PASSED|FAILED):/)
		next
	if (!verbose && ($0 ~ /^#  RUN  / || $0 ~ /^# +(OK|SKIP)  / || $0 ~ /^Random seed:/))
		next
	if (mutant != "" && mutant != "none" && !verbose)
		next
	print ($0 ~ /^#/ ? $0 : "# " $0)
	fflush()
	next
}

{ if (verbose) print ($0 ~ /^#/ ? $0 : "# " $0) }

# Cases skipped because their VM type is absent, by type; on SEV-less
# hosts the model runs the SEV, SEV-ES and SNP ones. "# " lines, before the
# closing line.
function skip_summary(   t, n, i, list, onmodel) {
	if (!ntypeskip)
		return
	n = split("SW_PROTECTED SEV SEV_ES SNP TDX", t, " ")
	for (i = 1; i <= n; i++)
		if (typeskip[t[i]]) {
			list = list (list != "" ? ", " : "") t[i] " " typeskip[t[i]]
			if (t[i] ~ /^(SEV|SEV_ES|SNP)$/)
				onmodel += typeskip[t[i]]
		}
	print "# " ntypeskip " of the " count["skip"] " skipped cases skipped because KVM_CAP_VM_TYPES lacks their VM type (" list ")"
	if (onmodel && !model)
		print "# --model runs the " onmodel " SEV, SEV_ES and SNP ones on the software model of SEV (model/README.md)"
}

END {
	if (noselect)
		exit 2
	if (!planned)
		header()
	if (!done) {
		if (inprog)
			print "# " prog ": target stopped while running"
		for (i = 1; i <= ncases; i++)
			if (!reported[cases[i]])
				emit(0, cases[i], "")
		print "# infrastructure error: " (infra != "" ? infra : "the run ended before all cases reported")
		if (tailfile != "")
			while ((getline l < tailfile) > 0)
				print "# " l
		count["fail"] += 0
	}
	# A planned case its program never reported is a failure, not a gap.
	if (done && mutant == "")
		for (i = 1; i <= ncases; i++)
			if (!reported[cases[i]]) {
				print "# " cases[i] ": no result, " caseprog[i] " did not report it"
				emit(0, cases[i], "")
			}
	if (mutants_run) {
		print "# mutation table (mutant, result, first failing case)"
		killed = 0
		for (i = 1; i <= nmut; i++) {
			m = morder[i]
			if (m == "none")
				continue
			if (mresult[m] == "")
				mresult[m] = done ? "SURVIVED" : "NOT RUN"
			printf "# %-32s %-9s %s\n", m, mresult[m], mfirst[m]
			killed += (mresult[m] == "killed")
		}
		printf "# mutation score: %d/%d killed%s\n", killed, mutants_run,
			nunseen ? ", " nunseen " unseen on this substrate" : ""
		if (count["fail"])
			print "# mutation: the correct model fails " count["fail"] " case(s); the table is not meaningful"
	}
	skip_summary()
	printf "%d passed, %d failed, %d skipped\n", count["pass"], count["fail"], count["skip"]
	if (count["fail"] || !done || (mutants_run && killed + nunseen < mutants_run))
		exit 1
	exit 0
}
