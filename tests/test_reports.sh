#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Reports and expectations: --junit (TAP::Formatter::JUnit), --report DIR
# (KTAP log, JUnit, environment) and --expect FILE, on a canned stream and on
# a real run with failures injected by a preload library that fails
# KVM_GET_REGS with EIO.
. "$(dirname "$0")/lib.sh"
R=$SUITE/run_kvmtests.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$SUITE/scripts/setup.sh" check >/dev/null || true

# XPath-free XML reading with Debian's python3: "tests failures skipped
# testcases" of the file, or "invalid" if it is not well-formed.
xml_counts() {
	python3 - "$1" <<'PY' 2>/dev/null || echo invalid
import sys, xml.etree.ElementTree as E
s = E.parse(sys.argv[1]).getroot().find("testsuite")
c = s.findall("testcase")
print(s.get("tests"), s.get("failures"), len([t for t in c if t.find("skipped") is not None]), len(c))
PY
}
xml_get() {
	# $1 = file, $2 = case name, $3 = child element: its message
	python3 - "$1" "$2" "$3" <<'PY' 2>/dev/null
import sys, xml.etree.ElementTree as E
for t in E.parse(sys.argv[1]).getroot().iter("testcase"):
    if t.get("name") == sys.argv[2]:
        e = t.find(sys.argv[3])
        print(e.get("message") if e is not None else "none")
PY
}

# --- JUnit from a canned stream ---
cat >"$tmp/c.ktap" <<'S'
TAP version 13
# kernel: Linux 6.12
1..4
ok 1 a_test.f.default.one
# a_test.c:10:two:expected ret=-1 errno=EINVAL, seen ret=0 <&>
not ok 2 a_test.f.snp.two
ok 3 a_test.f.tdx.one # SKIP KVM_CAP_VM_TYPES=0x1f lacks KVM_X86_TDX_VM
not ok 4 b_test.f.default.one # TIMEOUT
1 passed, 2 failed, 1 skipped
S
perl "$SUITE/scripts/junit.pl" "$tmp/c.ktap" "$tmp/c.xml"
t_eq "junit: converts" 0 "$?"
t_eq "junit: tests failures skipped testcases" "4 2 1 4" "$(xml_counts "$tmp/c.xml")"
t_eq "junit: case named without number or directive" "none" "$(xml_get "$tmp/c.xml" b_test.f.default.one skipped)"
t_eq "junit: skip reason" "KVM_CAP_VM_TYPES=0x1f lacks KVM_X86_TDX_VM" "$(xml_get "$tmp/c.xml" a_test.f.tdx.one skipped)"
t_match "junit: failure details in the failing case" "CDATA\[not ok 2 a_test.f.snp.two.# a_test.c:10:two:expected" "$(tr '\n' '.' <"$tmp/c.xml")"
t_eq "junit: generator is TAP::Formatter::JUnit" 1 "$(grep -c 'TAP::Formatter::JUnit' "$SUITE/scripts/junit.pl" | awk '{print ($1 > 0)}')"
out=$(perl "$SUITE/scripts/junit.pl" /etc/hostname "$tmp/x.xml" 2>&1)
t_match "junit: not KTAP, one line" "is not a KTAP stream" "$out"

# --- --expect file errors: one line with the line number, exit status 2 ---
bad_expect() {
	local name=$1 content=$2 pattern=$3 out rc
	printf "%b" "$content" >"$tmp/bad.expect"
	out=$("$R" --expect "$tmp/bad.expect" 2>&1 >/dev/null)
	rc=$?
	t_eq "expect file, $name: exit status 2" 2 "$rc"
	t_eq "expect file, $name: one line" 1 "$(wc -l <<<"$out")"
	t_match "expect file, $name: message" "$pattern" "$out"
}
bad_expect "no reason" "# c\n\nvm_types_test.vm_type.sev.create\n" "bad.expect:3: 'vm_types_test.vm_type.sev.create' has no reason"
bad_expect "bad name" "a.b#c.d reason\n" "bad.expect:1: bad case name 'a.b#c.d'"
bad_expect "not a case" "vm_types_test reason\n" "bad.expect:1: 'vm_types_test' is not a case name"
bad_expect "twice" "a.b.c.d r\n\na.b.c.d r2\n" "bad.expect:3: 'a.b.c.d' is listed twice \(first on line 1\)"
out=$("$R" --expect "$tmp/nonexistent" 2>&1 >/dev/null)
t_match "expect file missing" "^run_kvmtests.sh: --expect: no such file" "$out"
out=$("$R" --report /nonexistent/dir/r 2>&1 >/dev/null)
t_match "report dir parent missing" "^run_kvmtests.sh: --report: no such directory" "$out"

# --- --kernel-image / --modules: wired to the VM substrate ---
out=$("$R" --kernel-image /nonexistent 2>&1 >/dev/null)
t_match "--kernel-image missing file: one line" "^run_kvmtests.sh: --kernel-image: no such file '/nonexistent'$" "$out"
out=$("$R" --modules /tmp 2>&1 >/dev/null)
t_match "--modules without --kernel-image" "^run_kvmtests.sh: --modules needs --kernel-image$" "$out"
kr=$(ls -d "${KPS_CACHE:-$HOME/.cache/kvm-protected-state}"/kernels/*/root 2>/dev/null | head -n1)
if [ -n "$kr" ] && kv=$(cat "$kr/../release" 2>/dev/null) && [ -f "$kr/boot/vmlinuz-$kv" ]; then
	out=$("$R" --kernel-image "$kr/boot/vmlinuz-$kv" --modules "$kr/lib/modules/$kv" -t vm_types_test.vm_type.default.create 2>&1)
	t_result $? "--kernel-image BZIMAGE --modules DIR boots it" "$(tail -n5 <<<"$out")"
	t_match "--kernel-image: the banner names the image" \
		"^# substrate: vm \(kernel image $(t_re_escape "$kr/boot/vmlinuz-$kv") with modules" "$out"
	t_match "--kernel-image: the guest runs it" "^# kernel: Linux $(t_re_escape "$kv") " "$out"
else
	echo "ok $((T_NUM += 1)) --kernel-image boots it # SKIP no cached Debian kernel"
fi

# --- a real run with failures ---
sub=--vm
"$SUITE/build/tools/kvm_env" --probe >/dev/null 2>&1 && sub=--host
t_fault_preload "$tmp/eio.so"
run() {
	# $1 = log; the rest = runner options
	local log=$1
	shift
	"$R" "$sub" --preload "$tmp/eio.so" -t default_vm_state_test "$@" >"$log" 2>"$log.err"
}
run "$tmp/plain.ktap" --report "$tmp/rep" --junit "$tmp/j.xml"
t_eq "real run with failures: exit status 1" 1 "$?"
summary=$(tail -n1 "$tmp/plain.ktap")
read -r np _ nf _ ns _ <<<"$summary"
t_eq "real run: some cases fail" 1 "$((nf > 0))"
t_eq "report: results.ktap is the printed stream" "$(cat "$tmp/plain.ktap")" "$(cat "$tmp/rep/results.ktap")"
t_eq "report: JUnit counts = KTAP counts" "$((np + nf + ns)) $nf $ns $((np + nf + ns))" "$(xml_counts "$tmp/rep/results.xml")"
t_eq "--junit FILE = report's JUnit" "$(xml_counts "$tmp/rep/results.xml")" "$(xml_counts "$tmp/j.xml")"
env=$(cat "$tmp/rep/environment.txt")
for k in date suite runner substrate kernel cpu kvm_api vm_types kvm_parameters \
	kvm_amd_parameters sev_device sev_api_version sev_firmware_build host_cpu_microcode \
	host_firmware result; do
	t_match "environment: $k" "^$(t_re_escape "$k"): ." "$env"
done
t_match "environment: suite git revision" "^suite: kvm-protected-state [0-9a-f]{7,}" "$env"
t_match "environment: VM types decoded" "^vm_types: 0x[0-9a-f]+ \(DEFAULT" "$env"
t_match "environment: result line" "^result: $(t_re_escape "$summary")$" "$env"
t_eq "report: report.html, one cell per case (tests/test_report_html.sh checks it)" "$((np + nf + ns))" \
	"$(grep -o 'data-case=' "$tmp/rep/report.html" 2>/dev/null | wc -l)"

# Expected failures: all failing cases listed -> exit 0, KTAP unchanged.
grep '^not ok' "$tmp/plain.ktap" | sed -E 's/^not ok [0-9]+ ([^ ]+).*/\1 KVM_GET_REGS fails with EIO here (test preload)/' >"$tmp/all.expect"
run "$tmp/xfail.ktap" --expect "$tmp/all.expect" --report "$tmp/rep2"
t_eq "--expect, all failures expected: exit status 0" 0 "$?"
t_eq "--expect: KTAP result lines unchanged" "$(grep -E '^(not )?ok ' "$tmp/plain.ktap")" "$(grep -E '^(not )?ok ' "$tmp/xfail.ktap")"
t_eq "--expect: closing line unchanged" "$summary" "$(tail -n1 "$tmp/xfail.ktap")"
t_match "--expect: summary separates" "^# expectations \(.*\): $nf expected failures, 0 unexpected failures, 0 expected to fail but passed$" "$(cat "$tmp/xfail.ktap")"
t_match "--expect: reason after the case" "^# XFAIL KVM_GET_REGS fails with EIO here" "$(cat "$tmp/xfail.ktap")"
t_match "--expect: kselftest Totals" "^# Totals: pass:$np fail:0 xfail:$nf xpass:0 skip:$ns error:0$" "$(cat "$tmp/xfail.ktap")"
out=$("$SUITE/scripts/parsers.sh" "$tmp/xfail.ktap" 2>&1)
t_result $? "--expect: kunit.py and the regex still agree with the closing line" "$out"
t_eq "--expect: report keeps the expectations" "$(cat "$tmp/all.expect")" "$(cat "$tmp/rep2/expectations.txt")"
t_match "--expect: environment names the result" "^expectations_result: $nf expected failures" "$(cat "$tmp/rep2/environment.txt")"

# One failure not listed -> exit 1, named.
first=$(head -n1 "$tmp/all.expect" | cut -d' ' -f1)
sed 1d "$tmp/all.expect" >"$tmp/most.expect"
run "$tmp/unexp.ktap" --expect "$tmp/most.expect"
t_eq "--expect, one unexpected failure: exit status 1" 1 "$?"
t_match "--expect: unexpected failure named" "^#   unexpected failure: $(t_re_escape "$first")$" "$(cat "$tmp/unexp.ktap")"

# A listed case that passes -> exit 1 (the expectation is stale).
cp "$tmp/all.expect" "$tmp/xpass.expect"
echo "default_vm_state_test.fresh_vcpu.default.get_fpu fixed in firmware 1.55?" >>"$tmp/xpass.expect"
run "$tmp/xpass.ktap" --expect "$tmp/xpass.expect"
t_eq "--expect, expected failure passed: exit status 1" 1 "$?"
t_match "--expect: passing case named" "^#   expected to fail but passed: default_vm_state_test.fresh_vcpu.default.get_fpu" "$(cat "$tmp/xpass.ktap")"
t_done
