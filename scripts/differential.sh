#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The model against real KVM: the suite on the VM substrate over the
# SEV/SEV-ES/SNP software model (--vm --model), and without the model on
# the software Secure Processor kernel (--kernel 6.12.117+swpsp, its
# expectations file), then per case both verdicts (scripts/matrix.sh
# --from), the rows that differ, one line per difference with what
# explains it (scripts/differential.awk) and a summary.
#
#   differential.sh [--out DIR] [-- RUNNER_ARGS...]
#   differential.sh --compare MODEL_KTAP KERNEL_KTAP
#
# A difference is explained by a line of expect/6.12.117.txt
# (the kernel deviates; the reason cites file:line) or by a kernel SKIP
# naming the software Secure Processor (an encrypted guest cannot run).
# RUNNER_ARGS go to both runs (-t NAME, --type, --timeout). --compare runs
# only the comparison, on two KTAP streams made that way (the self-test
# feeds it canned ones). The streams are kept in DIR (default
# build/differential).
#
# Exit status: 0; 1 for an unexplained difference, a stale expectation, a
# case failing on both or a run without results; 2 on bad usage.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUITE=$(dirname "$here")
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"
RUNNER=$SUITE/run_kvmtests.sh
EXPECT=$SUITE/expect/6.12.117.txt
LM=model LK=$KPS_SWPSP_VERSION

bad() {
	echo "differential.sh: $*" >&2
	exit 2
}

# Both verdicts of every case, the rows that differ, and the verdict.
compare() {
	local m=$1 k=$2
	"$here/matrix.sh" --from "$LM=$m" "$LK=$k"
	echo
	echo "# differential: the rows that differ"
	"$here/matrix.sh" --diff --from "$LM=$m" "$LK=$k" |
		awk '/^case / { p = 1 } p && /^-+( |$)/ && ++r == 2 { exit } p'
	awk -v label_m="$LM" -v label_k="$LK" -v kfile="$k" -f "$here/ktap_lib.awk" \
		-f "$here/differential.awk" "$m" "$k"
}

out=${DIFFERENTIAL_OUT:-$SUITE/build/differential}
rargs=()
while [ $# -gt 0 ]; do
	case $1 in
	--compare)
		[ $# -eq 3 ] || bad "--compare needs MODEL_KTAP KERNEL_KTAP"
		for f in "$2" "$3"; do
			[ -f "$f" ] || bad "--compare: no such file '$f'"
		done
		compare "$2" "$3"
		exit $? ;;
	--out)
		[ $# -ge 2 ] && [ -n "$2" ] || bad "--out needs a directory"
		out=$2; shift ;;
	-h | --help)
		sed -n '3,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"
		exit 0 ;;
	--) shift; rargs=("$@"); break ;;
	*) bad "unknown option '$1' (accepted: --out DIR, --compare MODEL KERNEL, -- RUNNER_ARGS...)" ;;
	esac
	shift
done
for a in "${rargs[@]}"; do
	case $a in
	--host | --vm | --kernel | --kernel-image | --modules | --model | --expect | --mutant | --list | --list-mutants | --report | --junit | --print-substrate | -h | --help)
		bad "runner option '$a' cannot go in a differential (it picks both runs)" ;;
	esac
done
mkdir -p "$out" 2>/dev/null && [ -w "$out" ] || bad "cannot write to --out directory '$out'"

fm=$out/model.ktap fk=$out/$KPS_SWPSP_VERSION.ktap
t0=$SECONDS
echo "# differential: [1/2] $LM: run_kvmtests.sh --vm --model ${rargs[*]}" >&2
"$RUNNER" --vm --model "${rargs[@]}" >"$fm" 2>"$fm.err" </dev/null
rc=$?
echo "# differential: [1/2] $LM: $(tail -n1 "$fm") (exit status $rc) in $((SECONDS - t0)) s" >&2
t0=$SECONDS
echo "# differential: [2/2] $LK: run_kvmtests.sh --kernel $KPS_SWPSP_VERSION --expect ${EXPECT#"$SUITE"/} ${rargs[*]}" >&2
"$RUNNER" --kernel "$KPS_SWPSP_VERSION" --expect "$EXPECT" "${rargs[@]}" >"$fk" 2>"$fk.err" </dev/null
rc=$?
# The runner's status, for make check's tally of this run.
echo "$rc" >"$fk.rc"
echo "# differential: [2/2] $LK: $(tail -n1 "$fk") (exit status $rc) in $((SECONDS - t0)) s" >&2
for f in "$fm" "$fk"; do
	if [ -s "$f.err" ]; then
		tail -n5 "$f.err" | sed 's/^/# differential:   /' >&2
	else
		rm -f "$f.err"
	fi
done
compare "$fm" "$fk"
