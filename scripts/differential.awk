# SPDX-License-Identifier: GPL-2.0-only
#
# The comparison step of scripts/differential.sh: two KTAP streams, the
# suite on the software model (first file) and on the software Secure
# Processor kernel run with --expect (second file), case by case.
#
# A case whose verdicts differ (XFAIL counts as FAIL, XPASS as PASS) is
# explained by
#   - a kernel deviation: model PASS, kernel XFAIL, the expectation's reason
#     citing the kernel source as file:line (expect/6.12.117.txt), or
#   - a kernel SKIP whose reason names the software Secure Processor (an
#     encrypted guest cannot run on it);
# a case of type 1 (sw_protected) that only the kernel runs (the Debian
# kernel under the model run has no CONFIG_KVM_SW_PROTECTED_VM, the model
# does not model type 1) is reported and not compared; any other
# difference is unexplained. An expectation whose case passes on
# the kernel (XPASS) is stale. A case failing on both is neither a
# difference nor fine. Prints one "# differential:" line per finding and a
# summary; exit status 1 for an unexplained difference, a stale expectation
# or a failure on both, else 0.
#
# Variables: label_m, label_k (the two columns' names), kfile (the kernel's
# file name: the other one is the model's).

function verdict(ok, directive) {
	if (!ok)
		return directive ~ /^TIMEOUT/ ? "TIMEOUT" : "FAIL"
	return directive ~ /^SKIP/ ? "SKIP" : "PASS"
}

function norm(v) {
	if (v == "XFAIL" || v == "TIMEOUT")
		return "FAIL"
	return v == "XPASS" ? "PASS" : v
}

FNR == 1 { side = FILENAME == kfile ? 2 : 1 }

/^(not )?ok [0-9]+ / {
	ok = tap_split($0)
	name = tap_name
	last = name
	if (!(name in seen)) {
		seen[name] = 1
		order[++n] = name
	}
	ncase[side]++
	res[side, name] = verdict(ok, tap_directive)
	why[side, name] = tap_directive
	sub(/^SKIP[ -]*/, "", why[side, name])
	next
}

/^# XFAIL / || /^# XPASS / {
	if (last == "")
		next
	if ($2 == "XFAIL" && res[side, last] == "FAIL")
		res[side, last] = "XFAIL"
	else if ($2 == "XPASS" && res[side, last] == "PASS")
		res[side, last] = "XPASS"
	else
		next
	why[side, last] = substr($0, 9)
	sub(/^expected to fail: /, "", why[side, last])
	next
}

function say(kind, c, m, k, text) {
	printf "# differential: %s: %s (%s %s, %s %s)%s\n", kind, c, label_m, m, label_k, k,
		text != "" ? ": " text : ""
}

END {
	if (!ncase[1] || !ncase[2]) {
		printf "# differential: no case reported a result on %s\n",
			!ncase[1] ? label_m : label_k
		exit 1
	}
	for (i = 1; i <= n; i++) {
		c = order[i]
		m = ((1, c) in res) ? res[1, c] : "-"
		k = ((2, c) in res) ? res[2, c] : "-"
		if (k == "XPASS") {
			say("stale expectation", c, m, k, why[2, c])
			nstale++
		}
		if (norm(m) == norm(k)) {
			if (norm(m) == "FAIL") {
				say("fails on both", c, m, k, "")
				nboth++
			} else {
				nsame++
			}
			continue
		}
		ndiff++
		if (m == "PASS" && k == "XFAIL" && why[2, c] ~ /[A-Za-z0-9_\/-]+\.[ch]:[0-9]+/) {
			say("kernel deviation", c, m, k, why[2, c])
			ndev++
		} else if (k == "SKIP" && why[2, c] ~ /software Secure Processor/) {
			say("cannot run on the software Secure Processor", c, m, k, why[2, c])
			nsp++
		} else if (m == "SKIP" && k == "PASS" && why[1, c] ~ /CONFIG_KVM_SW_PROTECTED_VM=n/) {
			nsw++
		} else {
			text = k == "XFAIL" ? "expectation cites no file:line: " why[2, c] : why[2, c]
			if (m == "-" || k == "-")
				text = "no result on one side"
			else if (norm(k) == "FAIL" && k != "XFAIL")
				text = "fails on " label_k ", not in its expectations"
			say("UNEXPLAINED", c, m, k, text)
			nbad++
		}
	}
	if (nsw)
		printf "# differential: %d sw_protected cases not compared: they skip on the model's Debian kernel (no CONFIG_KVM_SW_PROTECTED_VM; the model does not model type 1) and pass on %s\n",
			nsw, label_k
	printf "# differential: %d cases: %d agree, %d differ (%d kernel deviations in the expectations, %d skipped on the software Secure Processor, %d sw_protected not compared, %d unexplained); %d stale expectations; %d fail on both\n",
		n, nsame, ndiff, ndev, nsp, nsw, nbad, nstale, nboth
	exit (nbad || nstale || nboth) ? 1 : 0
}
