# SPDX-License-Identifier: GPL-2.0-only
# Minimal TAP helpers for the project's self-tests. Sourced.
SUITE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T_NUM=0
T_FAIL=0

t_result() {
	# $1 = 0 for pass, $2 = name, $3... = diagnostics on failure
	local rc=$1 name=$2
	shift 2
	T_NUM=$((T_NUM + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $T_NUM $name"
	else
		T_FAIL=$((T_FAIL + 1))
		echo "not ok $T_NUM $name"
		# Every line of a diagnostic is a comment, so a quoted KTAP
		# stream cannot add "ok"/"not ok" lines of its own.
		local l
		for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
	fi
}

# t_eq NAME EXPECTED SEEN
t_eq() {
	if [ "$2" = "$3" ]; then
		t_result 0 "$1"
	else
		t_result 1 "$1" "expected: $2" "seen:     $3"
	fi
}

# t_re_escape STRING: STRING as an extended regex that matches it literally.
# A regex built from a path, version or case name must go through it
# ("6.12.117+deb12": "+" is a quantifier). "/" is left as it is: in a sed
# s/// command use another delimiter.
t_re_escape() {
	printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'
}

# t_match NAME REGEX TEXT
t_match() {
	if grep -Eq -- "$2" <<<"$3"; then
		t_result 0 "$1"
	else
		t_result 1 "$1" "expected to match: $2" "seen: $(head -c 600 <<<"$3")"
	fi
}

# t_one_line NAME STATUS PATTERN CMD...: CMD exits with STATUS (a number,
# or nonzero for any failure) and writes exactly one line, matching PATTERN,
# to stderr (stdout is not looked at). An empty stderr is no line.
t_one_line() {
	local name=$1 status=$2 pattern=$3 out rc
	shift 3
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$status" = nonzero ]; then
		t_eq "$name: non-zero exit" 1 "$((rc != 0))"
	else
		t_eq "$name: exit status" "$status" "$rc"
	fi
	t_eq "$name: one line" 1 "$(printf '%s' "$out" | grep -c '')"
	t_match "$name: message" "$pattern" "$out"
}

t_done() {
	echo "1..$T_NUM"
	[ $T_FAIL -eq 0 ]
}

# t_fault_preload OUT: build tests/fault_preload.c (KVM_GET_REGS fails with
# EIO; T_NO_EIO and T_HANG change that) as the preload library OUT.
t_fault_preload() {
	gcc -shared -fPIC -O2 -isystem "$("$SUITE/scripts/ksrc.sh")/usr/include" \
		-o "$1" "$SUITE/tests/fault_preload.c" -ldl
}
