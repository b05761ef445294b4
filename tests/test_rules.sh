#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# docs/rules.md is the rule book: every rule the code, the failure messages
# and the docs cite must be a section there, and nothing in the repository
# may point outside it (a reader has only the repository).
#
#   bash tests/test_rules.sh            check this repository
#   RULES_ROOT=DIR bash tests/test_rules.sh   check another copy of it
#
# Citation forms, each resolved to a section of docs/rules.md:
#   "spec 2.1", "spec section 3", "spec sections 2, 3 and 4", "spec 3/5",
#   "spec: 7", "Spec 6 item 2" (= section 6.2), "rules.md §6.2";
#   a C string that is a rule, "<section>[/<section>...] <text>"
#   ("3.1 + KVM_GET/SET_MSRS: ...", "4/3 KVM_RUN ...");
#   the citation of every row of include/kps_state_ioctls.h, verbatim.
# Outside references: "../shared", absolute paths of a machine (/work/,
# /root/, /home/), the notes and spec of the project's machines, and
# markdown links that do not resolve to a file inside the repository.
. "$(dirname "$0")/lib.sh"

# check_tree ROOT: one line per problem, "KIND FILE:LINE: what".
check_tree() {
	local root=$1
	(cd "$root" && find . \( -name .git -o -path ./build \) -prune -o -type f -print) |
		sed 's|^\./||' | LC_ALL=C sort |
		perl -e '
my $root = shift;
my (%sec, @files);
while (<STDIN>) { chomp; push @files, $_; }
sub slurp { my $p = shift; return undef unless -f $p && -r $p; local @ARGV = ($p); local $/; return <>; }
my $rules = slurp("$root/docs/rules.md");
if (!defined $rules) {
	print "NORULES docs/rules.md:0: missing\n";
	$rules = "";
}
$sec{$1} = 1 while $rules =~ /^#{2,4}\s+(\d+(?:\.\d+)*)[.\s]/mg;

# Patterns are split so that this file does not report itself.
my $w = "wo" . "rk";
my @outside = (
	[qr{\.\./sh} . qr{ared\b}, "a path into ../shared"],
	[qr{(?<![\w.\$\}\-])/(?:$w|root|home)/}, "an absolute path of a machine"],
	[qr{\bshared/(?:notes|spec|data|hooks)\b}, "the shared notes of the project machines"],
	[qr{\bhost notes\b}, "notes that are not in the repository"],
	[qr{protected-state} . qr{\.md}, "a spec that is not in the repository"],
);
my $num = qr{\d{1,2}(?:\.\d{1,2})?(?![\d-]|\.\d)};
# "6.12 x86.c:..." after a citation is the kernel version, not a section.
my $item = qr{$num(?!\s+[\w\/.-]+\.[ch]\b)(?:\s+item\s+\d{1,2}\b)?};

sub lineno { my ($t, $off) = @_; return 1 + (substr($t, 0, $off) =~ tr/\n//); }
sub want {
	my ($f, $t, $off, $s, $what) = @_;
	$s =~ s/^(\d+)\s+item\s+(\d+)$/$1.$2/;
	return if $sec{$s};
	printf "CITE %s:%d: %s names section %s, not in docs/rules.md\n",
		$f, lineno($t, $off), $what, $s;
}

for my $f (@files) {
	next if $f eq "tests/test_rules.sh";
	my $p = "$root/$f";
	next if -B $p;
	my $t = slurp($p);
	next unless defined $t;
	my %line;
	for my $o (@outside) {
		while ($t =~ /$o->[0]/g) {
			my $n = lineno($t, $-[0]);
			$line{$n} //= $o->[1];
		}
	}
	printf "OUTSIDE %s:%d: %s\n", $f, $_, $line{$_} for sort { $a <=> $b } keys %line;
	next if $f =~ m{^tests/data/};
	# "spec N", "spec section N", "spec N item K", lists of them.
	while ($t =~ /\bspec(?:\s+sections?)?\s*:?\s+($item(?:\s*(?:,|\/|and)\s*$item)*)/gi) {
		my ($list, $off) = ($1, $-[1]);
		for my $s (split /\s*(?:,|\/|and)\s*/, $list) {
			want($f, $t, $off, $s, "\"spec $list\"");
		}
	}
	# "rules.md §N.M", and "§N.M" inside docs/rules.md.
	my $sect = $f eq "docs/rules.md" ? qr{§} : qr{rules\.md\s*§};
	while ($t =~ /$sect\s*(\d+(?:\.\d+)*)/g) {
		want($f, $t, $-[1], $1, "\"§$1\"");
	}
	if ($f =~ /\.[ch]$/) {
		# A rule string: "<section>[/<section>] [+ ]Text".
		while ($t =~ /"($item(?:\/$num)*)\s(?:\+\s)?[A-Za-z]/g) {
			my ($list, $off) = ($1, $-[1]);
			want($f, $t, $off, $_, "rule string \"$list ...\"")
				for split /\//, $list;
		}
	}
	if ($f eq "include/kps_state_ioctls.h") {
		while ($t =~ /^KPS_STATE_IOCTL\((\w+),.*?"([^"]*)"\)\s*$/msg) {
			my ($row, $cite, $off) = ($1, $2, $-[2]);
			next if index($rules, $cite) >= 0;
			printf "ROW %s:%d: row %s: its citation \"%s\" is not in docs/rules.md\n",
				$f, lineno($t, $off), $row, $cite;
		}
	}
	if ($f =~ /\.md$/) {
		(my $dir = $f) =~ s{[^/]*$}{};
		while ($t =~ /\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g) {
			my ($l, $off) = ($1, $-[1]);
			my $shown = $l;
			next if $l =~ m{^(?:[a-z]+:|#)};
			$l =~ s/#.*//;
			my @parts;
			for my $c (split m{/}, "$dir$l") {
				next if $c eq "" || $c eq ".";
				if ($c eq "..") { @parts ? pop @parts : push @parts, "\0"; }
				else { push @parts, $c; }
			}
			my $target = join("/", @parts);
			if ($target =~ /\0/) {
				printf "LINK %s:%d: %s leaves the repository\n", $f, lineno($t, $off), $shown;
			} elsif (!-e "$root/$target") {
				printf "LINK %s:%d: %s does not exist\n", $f, lineno($t, $off), $shown;
			}
		}
	}
}
' "$root"
}

found=$(check_tree "${RULES_ROOT:-$SUITE}")
t_eq "docs/rules.md exists" "" "$(grep '^NORULES' <<<"$found")"
t_eq "every cited section exists in docs/rules.md" "" "$(grep '^CITE' <<<"$found")"
t_eq "every state-ioctl row's citation is in docs/rules.md" "" "$(grep '^ROW' <<<"$found")"
t_eq "nothing refers to a file outside the repository" "" "$(grep '^OUTSIDE' <<<"$found")"
t_eq "every relative markdown target resolves inside the repository" "" "$(grep '^LINK' <<<"$found")"

# The checks catch what they are for: a copy with one mistake of each kind.
if [ -z "$RULES_ROOT" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/docs" "$tmp/include" "$tmp/lib"
	cp "$SUITE/docs/rules.md" "$tmp/docs/" 2>/dev/null
	cat >"$tmp/lib/bad.c" <<'EOF'
/* spec 2.1 exists; spec 9 item 4 does not (spec 3, spec 1.1, 6.12 x86.c:1). */
static const char *r1 = "3.1 + KVM_GET_MSRS: fine";
static const char *r2 = "8.7 KVM_NOTHING: no such section";
EOF
	printf '%s\n' 'KPS_STATE_IOCTL(get_bogus, KVM_GET_REGS, KPS_GET, KPS_SIZE_STATIC,' \
		'		0, 0, none, KPS_RULE_PS,' \
		'		"6.12 arch/x86/kvm/nowhere.c:1 not in the rules")' >"$tmp/include/kps_state_ioctls.h"
	printf '%s\n' "See rules.md §6.99 and [the rules](docs/rules.md)," \
		"[a note](../sh""ared/notes/x.md), [gone](docs/gone.md)," \
		"and /wo""rk/shared/spec/x.md." >"$tmp/README.md"
	bad=$(check_tree "$tmp")
	t_eq "a bad copy: the citations that name no section" \
		"CITE lib/bad.c:1: \"spec 9 item 4\" names section 9.4, not in docs/rules.md
CITE lib/bad.c:3: rule string \"8.7 ...\" names section 8.7, not in docs/rules.md
CITE README.md:1: \"§6.99\" names section 6.99, not in docs/rules.md" \
		"$(grep '^CITE' <<<"$bad" | LC_ALL=C sort -t: -k1,1r -k2,2n)"
	t_eq "a bad copy: the row whose citation is not in docs/rules.md" \
		"ROW include/kps_state_ioctls.h:3: row get_bogus: its citation \"6.12 arch/x86/kvm/nowhere.c:1 not in the rules\" is not in docs/rules.md" \
		"$(grep '^ROW' <<<"$bad")"
	t_eq "a bad copy: the outside references" \
		"OUTSIDE README.md:2: a path into ../shared
OUTSIDE README.md:3: an absolute path of a machine" \
		"$(grep '^OUTSIDE' <<<"$bad")"
	t_eq "a bad copy: the broken targets" \
		"LINK README.md:2: ../shared/notes/x.md leaves the repository
LINK README.md:2: docs/gone.md does not exist" \
		"$(grep '^LINK README' <<<"$bad")"
fi
t_done
