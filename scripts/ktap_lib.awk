# SPDX-License-Identifier: GPL-2.0-only
#
# Functions shared by the awk programs that read case names and KTAP result
# lines (ktap.awk, expect.awk, the executor). Load it first:
#   awk -f scripts/ktap_lib.awk -f scripts/ktap.awk

# A glob (* and ?) as an anchored regex. Case names are [A-Za-z0-9_.-]
# parts, so "." is the only regex character to escape.
function glob2re(g) {
	gsub(/\./, "\\.", g)
	gsub(/\*/, ".*", g)
	gsub(/\?/, ".", g)
	return "^" g "$"
}

# Does a case name match a glob, or have it as a dotted prefix (a program,
# a fixture)?
function glob_match(name, g) {
	return name ~ glob2re(g) || name ~ glob2re(g ".*")
}

# Split an "ok N name # directive" / "not ok N ..." line: sets tap_name and
# tap_directive ("" when there is none); returns 1 for ok, 0 for not ok.
function tap_split(line,   p) {
	tap_name = line
	sub(/^(not )?ok [0-9]+ /, "", tap_name)
	tap_directive = ""
	if ((p = index(tap_name, " # ")) > 0) {
		tap_directive = substr(tap_name, p + 3)
		tap_name = substr(tap_name, 1, p - 1)
	}
	return line ~ /^ok /
}
