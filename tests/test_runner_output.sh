#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# What a user sees: a selection that matches no case is one line and exit
# status 2; skips for absent VM types are explained before the closing
# line; a failing case reports an fd leak only when there is one; a reader
# that stops early leaves no file and no process behind.
. "$(dirname "$0")/lib.sh"
R=$SUITE/run_kvmtests.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kps-output.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
sub=--vm
"$SUITE/build/tools/kvm_env" --probe >/dev/null 2>&1 && sub=--host

# --- a selection that matches no case ---
nomatch() {
	# $1 = name, the rest = runner options; stdout must stay empty too.
	local name=$1 out err rc
	shift
	out=$("$R" "$sub" "$@" 2>"$tmp/err")
	rc=$?
	err=$(cat "$tmp/err")
	t_eq "$name: exit status 2" 2 "$rc"
	t_eq "$name: one line on stderr" 1 "$(printf '%s' "$err" | grep -c '')"
	t_match "$name: message" "^run_kvmtests\.sh: no case matches .* \(see --list\)$" "$err"
	t_eq "$name: nothing on stdout" "" "$out"
}
nomatch "-t nosuchtest" -t nosuchtest
nomatch "--list -t nosuchtest" --list -t nosuchtest
nomatch "--type tdx -t default_vm_state_test" --type tdx -t default_vm_state_test
nomatch "-t nosuchtest --junit FILE" -t nosuchtest --junit "$tmp/j.xml"
t_eq "-t nosuchtest --junit FILE: no file written" "" "$(ls -A "$tmp" | grep -v '^err$')"
# A selection that matches still runs (and --list exits 0).
out=$("$R" "$sub" --list -t vm_types_test.vm_type.default.create 2>&1)
t_eq "--list -t CASE: exit status 0" 0 "$?"
t_eq "--list -t CASE: the case" vm_types_test.vm_type.default.create "$out"

# --- closing lines: why cases skipped ---
# Canned: skips for absent VM types are counted by type before the closing
# line, and point to --model unless the run is on the model.
canned() {
	awk -v model="$1" -f "$SUITE/scripts/ktap_lib.awk" -f "$SUITE/scripts/ktap.awk" <<'S'
@@CASE s_test.f.sev.a
@@CASE s_test.f.snp.a
@@CASE s_test.f.tdx.a
@@CASE s_test.f.default.b
@@PLANDONE
@@BEGIN s_test
ok 1 f.sev.a # SKIP KVM_CAP_VM_TYPES=0x1 lacks KVM_X86_SEV_VM (kvm_amd.sev=N)
ok 2 f.snp.a # SKIP KVM_CAP_VM_TYPES=0x1 lacks KVM_X86_SNP_VM (kvm_amd.sev_snp=N)
ok 3 f.tdx.a # SKIP KVM_CAP_VM_TYPES=0x1 lacks KVM_X86_TDX_VM (kvm_intel.tdx=N)
ok 4 f.default.b # SKIP KVM_CAP_X86_SMM=0
@@END s_test 0 0
@@DONE
S
}
out=$(canned 0)
t_eq "skips explained: closing lines" \
	"# 3 of the 4 skipped cases skipped because KVM_CAP_VM_TYPES lacks their VM type (SEV 1, SNP 1, TDX 1)
# --model runs the 2 SEV, SEV_ES and SNP ones on the software model of SEV (model/README.md)
0 passed, 0 failed, 4 skipped" "$(tail -n3 <<<"$out")"
out=$(canned 1)
t_eq "skips explained on the model: no pointer to --model" \
	"# 3 of the 4 skipped cases skipped because KVM_CAP_VM_TYPES lacks their VM type (SEV 1, SNP 1, TDX 1)
0 passed, 0 failed, 4 skipped" "$(tail -n2 <<<"$out")"
# A real run: where SEV is absent (no host here has it; the VM substrate's
# QEMU has no SEV firmware) the SEV cases skip and the lines say so.
out=$("$R" "$sub" -t vm_types_test 2>&1)
t_eq "real run ($sub): exit status" 0 "$?"
last=$(tail -n1 <<<"$out")
t_match "real run ($sub): the closing line stays last" "^[0-9]+ passed, 0 failed, [0-9]+ skipped$" "$last"
if grep -q 'lacks KVM_X86_SEV_VM' <<<"$out"; then
	t_match "real run ($sub): skips for absent VM types counted" \
		"^# [0-9]+ of the [0-9]+ skipped cases skipped because KVM_CAP_VM_TYPES lacks their VM type \(.*SEV [0-9]+" \
		"$(tail -n3 <<<"$out")"
	t_match "real run ($sub): --model pointed to" "^# --model runs the [0-9]+ SEV, SEV_ES and SNP ones" \
		"$(tail -n2 <<<"$out")"
else
	t_result 0 "real run ($sub): skips for absent VM types counted # SKIP this KVM has SEV"
	t_result 0 "real run ($sub): --model pointed to # SKIP this KVM has SEV"
fi

# --- fd leak reports ---
# A case that fails an ASSERT reports no fd leak when it left none open; a
# leak, failing case or not, is reported with the fd.
kdir=$("$SUITE/scripts/ksrc.sh" 2>/dev/null)
cat >"$tmp/leak_test.c" <<'EOF'
#include <fcntl.h>
#include "kselftest_harness.h"
#include "kps_leak.h"

FIXTURE(leak) {
	struct kps_fdset fds;
};
FIXTURE_SETUP(leak) { kps_fdset_take(&self->fds); }
FIXTURE_TEARDOWN(leak) { kps_assert_no_fd_leak(_metadata, &self->fds); }
TEST_F(leak, fails_clean) { ASSERT_EQ(0, 1); }
TEST_F(leak, passes_clean) { }
TEST_F(leak, leaks) { open("/dev/null", O_RDONLY); }
TEST_F(leak, fails_and_leaks) { open("/dev/null", O_RDONLY); ASSERT_EQ(0, 1); }
TEST_HARNESS_MAIN
EOF
if gcc -D_GNU_SOURCE -I"$kdir/tools/testing/selftests" -I"$SUITE/include" \
	-o "$tmp/leak_test" "$tmp/leak_test.c" "$SUITE/lib/kps_leak.c" 2>"$tmp/cc.err"; then
	t_result 0 "fd leak: test program built"
	out=$("$tmp/leak_test" 2>&1)
	t_eq "fd leak: failing case without a leak reports none" "" "$(grep 'fails_clean:fd leak' <<<"$out")"
	t_match "fd leak: failing case without a leak still fails" "^not ok 1 leak\.fails_clean" "$out"
	t_match "fd leak: passing case" "^ok 2 leak\.passes_clean" "$out"
	t_match "fd leak: a leak is reported with the fd" \
		":leaks:fd leak: 1 fd\(s\) opened by the case still open after teardown: fd [0-9]+ -> /dev/null" "$out"
	t_match "fd leak: a failing case's leak is reported" \
		":fails_and_leaks:fd leak: 1 fd\(s\) opened by the case still open after teardown: fd [0-9]+ -> /dev/null" "$out"
else
	t_result 1 "fd leak: test program built" "$(head -n5 "$tmp/cc.err")"
fi

# --- a reader that stops early ---
# `--list | head -1` and `| head -1` end the runner by SIGPIPE: no file and
# no process may stay behind.
procs_with_env() {
	local e
	for e in /proc/[0-9]*/environ; do
		{ tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qxF "$1" && echo "${e%/environ}"
	done
}
for args in "--list" "-t vm_types_test"; do
	mkdir -p "$tmp/p"
	# shellcheck disable=SC2086
	first=$(TMPDIR=$tmp/p "$R" "$sub" $args | head -n1)
	t_match "$sub $args | head -1: printed" "^(TAP version 13|[a-z_]+_test\.)" "$first"
	t_eq "$sub $args | head -1: no temporary file left" "" "$(ls -A "$tmp/p")"
	t_eq "$sub $args | head -1: no process left" "" "$(procs_with_env "TMPDIR=$tmp/p")"
	rm -rf "$tmp/p"
done
t_done
