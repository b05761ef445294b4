#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-only
#
# junit.pl KTAP_FILE OUT_XML [SUITE_NAME]
#
# Convert the runner's KTAP stream to JUnit XML with Debian's
# TAP::Formatter::JUnit (libtap-formatter-junit-perl), the converter behind
# tap2junit. Two of its defaults are changed, nothing is written by hand:
# - a testcase is named by the case name alone (tap2junit prefixes the TAP
#   number, which changes when cases are selected), with any "# TIMEOUT"
#   directive left out of the name;
# - a "# SKIP reason" case gets a <skipped message="reason"/> element (0.11
#   writes skipped cases as passes, losing the reason).
# A failing case's diagnostics (the harness' details before the "not ok"
# line, "# XFAIL ..." from --expect after it) go into its <failure> element;
# the stream, with those lines moved after the "not ok" line, is in
# <system-out>.
use strict;
use warnings;
use TAP::Parser;
use TAP::Formatter::JUnit;
use TAP::Formatter::JUnit::Session;

my $me = 'junit.pl';
@ARGV >= 2 && @ARGV <= 3 or die "$me: usage: junit.pl KTAP_FILE OUT_XML [SUITE_NAME]\n";
my ($in, $out, $name) = @ARGV;
$name //= 'kvm-protected-state';

open(my $fh, '<', $in) or die "$me: cannot read $in: $!\n";
# The runner's closing line is not TAP; keep it out of the last case's text.
# The harness prints a failure's details before its "not ok" line, and
# TAP::Formatter::JUnit gives a case the lines after it: move the comment
# lines just before a "not ok" line to after it.
my ($tap, @held) = ('');
while (my $l = <$fh>) {
	next if $l =~ /^\d+ passed, \d+ failed, \d+ skipped$/;
	if ($l =~ /^#/) {
		push(@held, $l);
		next;
	}
	$tap .= $l =~ /^not ok / ? $l . join('', @held) : join('', @held) . $l;
	@held = ();
}
$tap .= join('', @held);
close($fh);
$tap =~ /^TAP version/m or die "$me: $in is not a KTAP stream (no 'TAP version' line)\n";

{
	no warnings 'redefine';
	*TAP::Formatter::JUnit::Session::_get_testcase_name = sub {
		my ($test) = @_;
		my $desc = $test->description();
		$desc =~ s/\s+#\s.*$//;
		$desc =~ s/^\s*-?\s*//;
		return TAP::Formatter::JUnit::Session::_squeaky_clean($desc);
	};
	my $orig = \&TAP::Formatter::JUnit::Session::_check_for_test_bogosity;
	*TAP::Formatter::JUnit::Session::_check_for_test_bogosity = sub {
		my ($self, $result) = @_;
		my $r = $result->result;
		if ($r->is_test && $r->has_skip && $r->is_ok) {
			my $why = $r->explanation();
			$why = 'skipped' if !defined($why) || $why eq '';
			return { level => 'skipped', type => 'Skipped', message => $why };
		}
		return $orig->($self, $result);
	};
}

open(my $ofh, '>', "$out.tmp") or die "$me: cannot write $out: $!\n";
my $formatter = TAP::Formatter::JUnit->new({ stdout => $ofh });
my $parser = TAP::Parser->new({ tap => $tap });
my $session = $formatter->open_test($name, $parser);
while (my $result = $parser->next()) {
	$session->result($result);
}
$session->close_test();
$formatter->summary(undef);
close($ofh) or die "$me: cannot write $out: $!\n";
rename("$out.tmp", $out) or die "$me: cannot write $out: $!\n";
