#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Bad input to the project's scripts: one clear line, non-zero exit.
. "$(dirname "$0")/lib.sh"

t_one_line "KSRC missing" nonzero "KSRC=/nonexistent is not a directory" \
	env KSRC=/nonexistent "$SUITE/scripts/ksrc.sh"
t_one_line "KSRC not a kernel tree" nonzero "is not a kernel tree" \
	env KSRC=/tmp "$SUITE/scripts/ksrc.sh"
t_one_line "cache not creatable" nonzero "cannot create cache directory" \
	env KPS_CACHE=/proc/kps-cache HOME=/nonexistent "$SUITE/scripts/ksrc.sh"
t_one_line "kvm_env bad argument" nonzero "unknown argument" \
	"$SUITE/build/tools/kvm_env" --bogus
t_one_line "executor bad option" nonzero "unknown option" \
	"$SUITE/scripts/executor.sh" --bogus
t_done
