#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Bad input to the project's scripts: one clear line, non-zero exit.
. "$(dirname "$0")/lib.sh"

one_line_error() {
	local name=$1 pattern=$2 out rc
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	t_eq "$name: non-zero exit" 1 "$((rc != 0))"
	t_eq "$name: one line" 1 "$(wc -l <<<"$out")"
	t_match "$name: message" "$pattern" "$out"
}

one_line_error "KSRC missing" "KSRC=/nonexistent is not a directory" \
	env KSRC=/nonexistent "$SUITE/scripts/ksrc.sh"
one_line_error "KSRC not a kernel tree" "is not a kernel tree" \
	env KSRC=/tmp "$SUITE/scripts/ksrc.sh"
one_line_error "cache not creatable" "cannot create cache directory" \
	env KPS_CACHE=/proc/kps-cache HOME=/nonexistent "$SUITE/scripts/ksrc.sh"
one_line_error "kvm_env bad argument" "unknown argument" \
	"$SUITE/build/tools/kvm_env" --bogus
one_line_error "executor bad option" "unknown option" \
	"$SUITE/scripts/executor.sh" --bogus
t_done
