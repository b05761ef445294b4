#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make check's totals (tests/run_checks.sh --tally) count honestly: every
# surviving mutant, every missing or unparsable summary or score line and
# every failing step or self-test is a failure; unseen mutants are skips.
. "$(dirname "$0")/lib.sh"
C=$SUITE/tests/run_checks.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# tally_is NAME KIND STATUS EXPECTED_TOTALS EXPECTED_EXIT < LOG
tally_is() {
	local out rc
	cat >"$tmp/log"
	out=$("$C" --tally "$2" "$tmp/log" "$3" 2>&1)
	rc=$?
	t_eq "$1: totals" "$4" "$(tail -n1 <<<"$out")"
	t_eq "$1: exit status" "$5" "$rc"
}

# A real mutation run's closing lines, as ktap.awk prints them: one mutant
# unseen (its recorded cases skip here), one survivor.
printf 'm_unseen\tu_test.f.sev_es.smm\n' >"$tmp/targets"
awk -v targets="$tmp/targets" -f "$SUITE/scripts/ktap_lib.awk" \
	-f "$SUITE/scripts/ktap.awk" >"$tmp/real" <<'S'
@@CASE u_test.f.sev_es.smm
@@CASE u_test.f.sev_es.regs
@@PLANDONE
@@MUTANT none
@@BEGIN u_test
ok 1 f.sev_es.smm # SKIP KVM_CAP_X86_SMM=0
ok 2 f.sev_es.regs
@@END u_test 0 0
@@MUTANT m_unseen
@@BEGIN u_test
ok 1 f.sev_es.smm # SKIP KVM_CAP_X86_SMM=0
ok 2 f.sev_es.regs
@@END u_test 0 0
@@MUTANT m_survivor
@@BEGIN u_test
ok 1 f.sev_es.smm # SKIP KVM_CAP_X86_SMM=0
ok 2 f.sev_es.regs
@@END u_test 0 0
@@DONE
S
rc=$?
t_match "canned run: score line with unseen" "^# mutation score: 0/2 killed, 1 unseen on this substrate$" "$(cat "$tmp/real")"
tally_is "survivor + unseen (ktap.awk's lines)" mutation "$rc" "1 passed, 1 failed, 2 skipped" 1 <"$tmp/real"

tally_is "survivor + unseen" mutation 1 "10 passed, 1 failed, 4 skipped" 1 <<'L'
# mutation score: 5/8 killed, 2 unseen on this substrate
5 passed, 0 failed, 2 skipped
L
tally_is "unseen only" mutation 0 "10 passed, 0 failed, 4 skipped" 0 <<'L'
# mutation score: 5/7 killed, 2 unseen on this substrate
5 passed, 0 failed, 2 skipped
L
tally_is "survivor" mutation 1 "11 passed, 1 failed, 2 skipped" 1 <<'L'
# mutation score: 6/7 killed
5 passed, 0 failed, 2 skipped
L
tally_is "all killed" mutation 0 "12 passed, 0 failed, 2 skipped" 0 <<'L'
# mutation score: 7/7 killed
5 passed, 0 failed, 2 skipped
L
tally_is "unparsable score" mutation 1 "5 passed, 1 failed, 2 skipped" 1 <<'L'
# mutation score: 7 of 7 killed
5 passed, 0 failed, 2 skipped
L
tally_is "score line missing in a mutation step" mutation 1 "5 passed, 1 failed, 2 skipped" 1 <<'L'
5 passed, 0 failed, 2 skipped
L
tally_is "no summary line" ktap 1 "0 passed, 1 failed, 0 skipped" 1 <<'L'
TAP version 13
1..3
ok 1 a
L
tally_is "failing step with no failing case" ktap 1 "5 passed, 1 failed, 2 skipped" 1 <<'L'
5 passed, 0 failed, 2 skipped
L
tally_is "failing cases explain the status" ktap 1 "5 passed, 3 failed, 2 skipped" 1 <<'L'
5 passed, 3 failed, 2 skipped
L
tally_is "a clean step" ktap 0 "5 passed, 0 failed, 2 skipped" 0 <<'L'
5 passed, 0 failed, 2 skipped
L
# A run with --expect (expect.awk's lines): an expected failure passes, a
# stale expectation (listed, passed) and an infrastructure error fail.
tally_is "expectations: expected failures pass" ktap 0 "7 passed, 0 failed, 2 skipped" 0 <<'L'
# Totals: pass:5 fail:0 xfail:2 xpass:0 skip:2 error:0
5 passed, 2 failed, 2 skipped
L
tally_is "expectations: a stale one fails" ktap 1 "6 passed, 1 failed, 2 skipped" 1 <<'L'
# Totals: pass:5 fail:0 xfail:1 xpass:1 skip:2 error:0
6 passed, 1 failed, 2 skipped
L
tally_is "expectations: an unexpected failure" ktap 1 "6 passed, 1 failed, 2 skipped" 1 <<'L'
# Totals: pass:5 fail:1 xfail:1 xpass:0 skip:2 error:0
5 passed, 2 failed, 2 skipped
L

# Self-tests: plan and exit status are checked too.
tally_is "self-test: clean" self 0 "1 passed, 0 failed, 1 skipped" 0 <<'L'
ok 1 a
ok 2 b # SKIP no rsync
1..2
L
tally_is "self-test: a failing check" self 1 "1 passed, 1 failed, 0 skipped" 1 <<'L'
ok 1 a
not ok 2 b
1..2
L
tally_is "self-test: ended before its plan" self 1 "1 passed, 1 failed, 0 skipped" 1 <<'L'
ok 1 a
L
tally_is "self-test: failing exit status, no failing check" self 2 "1 passed, 1 failed, 0 skipped" 1 <<'L'
ok 1 a
1..1
L

# A failing check's multi-line diagnostics stay "# " lines: a stream it
# quotes cannot add results of its own.
out=$(bash -c '. "$1/tests/lib.sh"; t_result 1 quoted "seen: $(printf "ok 7 x\nnot ok 8 y")"' _ "$SUITE")
t_eq "lib.sh: every diagnostic line is a comment" "" "$(grep -v '^#' <<<"$out" | grep -v '^not ok 1 quoted$')"

# No regex is built from a path, version or name unescaped ("6.12.117+deb12"
# as a regex does not match itself): t_match, t_one_line, grep (without -F),
# pgrep -f and sed patterns may hold a variable only through t_re_escape, as
# the whole pattern (passed through), or as a count; a "# regex: why" line
# marks a regex on purpose.
cat >"$tmp/lint.pl" <<'PL'
use strict;
use warnings;
# Read a double-quoted shell word starting at pos (after the opening quote);
# returns (content, end position after the closing quote).
sub dq {
	my ($s, $i) = @_;
	my ($out, $depth) = ('', 0);
	while ($i < length($s)) {
		my $c = substr($s, $i, 1);
		if ($c eq '\\') { $out .= substr($s, $i, 2); $i += 2; next; }
		if ($depth == 0 && $c eq '"') { return ($out, $i + 1); }
		if (substr($s, $i, 2) eq '$(') { $depth++; $out .= '$('; $i += 2; next; }
		if ($depth > 0 && $c eq '(') { $depth++; }
		if ($depth > 0 && $c eq ')') { $depth--; }
		if ($depth > 0 && $c eq '"') {
			# a nested quoted word inside $( )
			my ($inner, $j) = dq($s, $i + 1);
			$out .= "\"$inner\""; $i = $j; next;
		}
		$out .= $c; $i++;
	}
	return (undef, $i);
}
my %numeric = map { $_ => 1 } qw(np nf ns);
my $bad = 0;
for my $f (@ARGV) {
	open(my $fh, '<', $f) or die;
	my ($n, $prev) = (0, '');
	while (my $l = <$fh>) {
		$n++;
		# "# regex: why" on the line before: a regex on purpose.
		my $ok = $prev =~ /^\s*# regex: /;
		$prev = $l;
		next if $ok || $l =~ /^\s*#/;
		my @pats;
		while ($l =~ /\b(t_match\s+"(?:[^"\\]|\\.)*"\s+|t_one_line\s+"(?:[^"\\]|\\.)*"\s+\S+\s+|pgrep\s+-a?f\s+|grep\s+(?:-(?![A-Za-z]*F)[A-Za-z]+\s+)*(?:--\s+)?|sed\s+(?:-[nE]+\s+)*)"/g) {
			my ($p) = dq($l, pos($l));
			push(@pats, $p) if defined $p;
		}
		for my $p (@pats) {
			next if $p =~ /^\$\{?[A-Za-z_0-9]+\}?$/;	# a pattern passed through
			(my $q = $p) =~ s/\$\(t_re_escape\s+"(?:[^"\\]|\\.)*"\)//g;
			while ($q =~ /\$\{?([A-Za-z_][A-Za-z_0-9]*|[0-9])/g) {
				next if $numeric{$1};
				print "$f:$n: regex built from \$$1 unescaped: $p\n";
				$bad++;
			}
		}
	}
}
exit($bad ? 1 : 0);
PL
lint=$(perl "$tmp/lint.pl" "$SUITE"/tests/*.sh "$SUITE"/scripts/*.sh "$SUITE"/run_kvmtests.sh "$SUITE"/.ci/run)
t_result $? "no regex built from an unescaped variable" "$lint"
# regex: the check's own test input
printf '%s\n' 't_match "x" "^# kernel: Linux $kv " "$out"' 'pgrep -f "qemu.*$tmp/t/"' \
	't_match "x" "^# kernel: Linux $(t_re_escape "$kv") " "$out"' >"$tmp/bad.sh"
out=$(perl "$tmp/lint.pl" "$tmp/bad.sh")
t_eq "the regex check finds unescaped variables" "2" "$(grep -c 'unescaped' <<<"$out")"

t_one_line "--tally: unknown kind" 2 "unknown kind 'bogus'" "$C" --tally bogus /dev/null 0
t_done
