#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A fresh machine runs every README command: each external command the
# project's scripts, Makefiles and Perl programs run (tests/data/
# commands.txt, COMMAND PACKAGE) comes from a package that a fresh Debian 12
# machine of this kind has (tests/data/fresh-machine-packages.tsv) or that
# scripts/setup.sh installs. The list is checked for completeness against
# the words of the code that are commands on this machine, its packages
# against dpkg, and the runner stops before the build naming a missing
# tool. tests/test_portable.sh checks setup.sh where dpkg and apt-get are
# absent.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
D=$SUITE/tests/data
LIST=$D/commands.txt
FRESH=$D/fresh-machine-packages.tsv

# --- the fresh machine's packages ---
fresh_names() { awk -F'\t' '$1 == "apt" { sub(/:.*/, "", $2); print $2 }' "$1" | sort -u; }
fresh_names "$FRESH" >"$tmp/fresh"
t_eq "fresh-machine list: has packages" 1 "$(($(wc -l <"$tmp/fresh") > 100))"
"$SUITE/scripts/setup.sh" --list all >"$tmp/setup"
t_result $? "setup.sh --list all"

# --- the list ---
grep -v '^#' "$LIST" | grep . >"$tmp/list"
bad=$(awk 'NF < 2 || ($2 == "-" && NF < 3) { print NR ": " $0 }' "$tmp/list")
t_eq "commands.txt: COMMAND PACKAGE [NOTE] lines, a note for every '-'" "" "$bad"
t_eq "commands.txt: each command once" "" "$(cut -d' ' -f1 "$tmp/list" | sort | uniq -d)"

# The code: the project's scripts, Makefiles and Perl programs, comment
# lines and trailing " # " comments left out. vm-init.sh and guest-setup.sh
# run in the guest on busybox (checked below), so they are not host code.
host_files=("$SUITE/run_kvmtests.sh" "$SUITE/.ci/run" "$SUITE/Makefile" "$SUITE/suite.mk"
	"$SUITE/scripts/intree.mk")
for f in "$SUITE"/scripts/*.sh "$SUITE"/scripts/*.awk "$SUITE"/scripts/*.pl "$SUITE"/tests/*.sh; do
	case $(basename "$f") in vm-init.sh | guest-setup.sh) ;; *) host_files+=("$f") ;; esac
done
code_words() {
	sed -e 's/^[[:space:]]*#.*//' -e 's/[[:space:]]#[[:space:]].*//' "$@" |
		grep -oE '[A-Za-z_][A-Za-z0-9_.+-]*' | sort -u
}
code_words "${host_files[@]}" >"$tmp/words"
# A command here: an executable in the system's directories (not a user's
# shims, such as pyenv's python3).
sysdirs=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
is_cmd() { PATH=$sysdirs type -P "$1" 2>/dev/null; }
missing=""
while read -r w; do
	is_cmd "$w" >/dev/null || continue
	grep -q "^$(t_re_escape "$w") " "$tmp/list" || missing+=" $w"
done <"$tmp/words"
t_eq "commands.txt lists every command word of the code" "" "${missing# }"
# Perl modules used by scripts/*.pl (pragmas are lowercase).
mods=$(sed -n 's/^use \([A-Z][A-Za-z0-9:]*\).*;/\1/p' "$SUITE"/scripts/*.pl | sort -u)
missing=""
for m in $mods; do grep -qF "perl:$m " "$tmp/list" || missing+=" $m"; done
t_eq "commands.txt lists every Perl module scripts/*.pl use" "" "${missing# }"
# No stale entry: every listed command is still a word of the code.
stale=""
while read -r c p note; do
	case $c in perl:*) c=${c#perl:}; grep -qxF -- "$c" <<<"$mods" || stale+=" perl:$c"; continue ;; esac
	[[ $note == extern* ]] && continue
	grep -qxF -- "$c" "$tmp/words" || stale+=" $c"
done <"$tmp/list"
t_eq "commands.txt: every entry is still used" "" "${stale# }"

# --- every package: on a fresh machine, or installed by setup.sh ---
awk '$2 != "-" { print $2 }' "$tmp/list" | sort -u >"$tmp/pkgs"
while read -r p; do
	if grep -qxF -- "$p" "$tmp/fresh"; then
		t_result 0 "package $p: on a fresh machine"
	else
		grep -qxF -- "$p" "$tmp/setup"
		t_result $? "package $p: installed by scripts/setup.sh" \
			"needed by: $(awk -v p="$p" '$2 == p { printf "%s ", $1 }' "$tmp/list")" \
			"$p is neither on a fresh machine nor in any setup.sh profile"
	fi
done <"$tmp/pkgs"

# --- the list's packages are right (where this machine has the command) ---
# The package owns the command (as the path or its target), depends on the
# owner directly (python3 on python3-minimal), or provides the alternative.
owners() {
	local path=$1 real a
	real=$(readlink -f "$path")
	{
		dpkg -S "$path" "${path#/usr}" "$real" "${real#/usr}" 2>/dev/null
		if [[ $(readlink "$path") == /etc/alternatives/* ]]; then
			for a in $(update-alternatives --list "$(basename "$(readlink "$path")")" 2>/dev/null); do
				dpkg -S "$a" "${a#/usr}" 2>/dev/null
			done
		fi
	} | sed 's/[:,].*//' | sort -u
}
wrong=""
while read -r c p _; do
	[ "$p" = - ] && continue
	case $c in
	perl:*)
		f=$(perl -M"${c#perl:}" -e 'my $m = shift; $m =~ s{::}{/}g; print $INC{"$m.pm"}' "${c#perl:}" 2>/dev/null) || continue
		o=$(dpkg -S "$(readlink -f "$f")" 2>/dev/null | sed 's/[:,].*//' | sort -u) ;;
	*)
		path=$(is_cmd "$c") || continue
		o=$(owners "$path") ;;
	esac
	grep -qxF -- "$p" <<<"$o" && continue
	deps=$(dpkg-query -W -f='${Pre-Depends}, ${Depends}' "$p" 2>/dev/null | tr ',|' '\n\n' | sed 's/^ *//; s/[ :].*//')
	for x in $o; do grep -qxF -- "$x" <<<"$deps" && continue 2; done
	wrong+=" $c:$p(dpkg:${o//$'\n'/,})"
done <"$tmp/list"
t_eq "commands.txt: each package provides its command here (dpkg -S)" "" "${wrong# }"

# --- the guest: the /init scripts, guest-setup.sh and the executor run on
# busybox ---
if bb=$(is_cmd busybox); then
	"$bb" --list | sort -u >"$tmp/applets"
	missing=""
	while read -r w; do
		is_cmd "$w" >/dev/null || continue
		case $w in sh | busybox) continue ;; esac
		# Words of the code that are not run (the list's "-" entries).
		grep -q "^$(t_re_escape "$w") - " "$tmp/list" && continue
		grep -qxF -- "$w" "$tmp/applets" || missing+=" $w"
	done < <(code_words "$SUITE/scripts/vm-init.sh" "$SUITE/scripts/guest-setup.sh" \
		"$SUITE/lava/ramdisk-init.sh" "$SUITE/scripts/executor.sh")
	t_eq "vm-init.sh, guest-setup.sh, ramdisk-init.sh and executor.sh: every command is a busybox applet" "" "${missing# }"
else
	echo "ok $((T_NUM += 1)) vm-init.sh, guest-setup.sh, ramdisk-init.sh and executor.sh: every command is a busybox applet # SKIP busybox not installed"
fi

# --- a missing tool stops the option before the build, in one line ---
# A perl that cannot load the JUnit converter, and a user that is not
# root: --junit must name it and its Debian package before any build (KSRC=
# points nowhere, so reaching the build would give ksrc.sh's line instead).
mkdir -p "$tmp/bin"
cat >"$tmp/bin/perl" <<'EOF'
#!/bin/sh
[ "$1" = -MTAP::Formatter::JUnit ] && exit 2
exec /usr/bin/perl "$@"
EOF
printf '#!/bin/sh\n[ "$1" = -u ] && { echo 1000; exit 0; }\nexec /usr/bin/id "$@"\n' >"$tmp/bin/id"
chmod +x "$tmp/bin/"*
t_one_line "--junit without TAP::Formatter::JUnit" 1 \
	"missing: Perl module TAP::Formatter::JUnit \(Debian: run as root, or: apt-get install libtap-formatter-junit-perl\)$" \
	env PATH="$tmp/bin:$PATH" KSRC=/nonexistent "$SUITE/run_kvmtests.sh" --junit "$tmp/j.xml"
t_one_line "--report without TAP::Formatter::JUnit" 1 "missing: Perl module TAP::Formatter::JUnit" \
	env PATH="$tmp/bin:$PATH" KSRC=/nonexistent "$SUITE/run_kvmtests.sh" --report "$tmp/rep"
t_eq "--junit/--report without the module: nothing written" "" "$(ls -A "$tmp" | grep -vxE 'bin|fresh|setup|list|words|pkgs|applets')"
t_done
