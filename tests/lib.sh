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
		local l
		for l in "$@"; do echo "# $l"; done
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

# t_match NAME REGEX TEXT
t_match() {
	if grep -Eq -- "$2" <<<"$3"; then
		t_result 0 "$1"
	else
		t_result 1 "$1" "expected to match: $2" "seen: $(head -c 600 <<<"$3")"
	fi
}

t_done() {
	echo "1..$T_NUM"
	[ $T_FAIL -eq 0 ]
}
