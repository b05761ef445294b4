#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The HTML pages (scripts/report_html.py): --report DIR's report.html and
# the matrix's matrix.html. From canned streams: a FAIL cell carries its
# message and spec row, a SKIP cell its reason, XFAIL/XPASS/TIMEOUT cells
# their colour, text from the stream is escaped. Self-contained: no http(s)
# src/href. In headless Chromium: the page loads with no console message
# (its Content-Security-Policy turns any external load into one), the DOM
# holds the grid, and the screenshot is a PNG of the window's size showing
# the PASS and FAIL colours. Each check is also fed a page it must reject.
# Then the same on a real run's report.
. "$(dirname "$0")/lib.sh"
R=$SUITE/run_kvmtests.sh
H=$SUITE/scripts/report_html.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$SUITE/scripts/setup.sh" html >/dev/null || true

# Absolute http(s) URLs in src=/href= attributes (or CSS url()): one a line.
external_refs() {
	grep -oiE "(src|href)[[:space:]]*=[[:space:]]*[\"']?[[:space:]]*https?://[^\"' >]*|url\([\"']?https?://[^)]*" "$1"
}

# One data-case cell of a page (or its DOM): "STATUS<TAB>title", the
# title unescaped, newlines as " | ".
cell_of() {
	python3 - "$1" "$2" <<'PY'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "td" and a.get("data-case") == sys.argv[2]:
            print(a.get("data-status", "") + "\t" + a.get("title", "").replace("\n", " | "))
P().feed(open(sys.argv[1], encoding="utf-8").read())
PY
}

# Text of the expandable part of a cell ("" if none).
cell_text() {
	python3 - "$1" "$2" <<'PY'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    depth = 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "td" and a.get("data-case") == sys.argv[2]:
            self.depth = 1
        elif self.depth and tag == "td":
            self.depth += 1
    def handle_endtag(self, tag):
        if self.depth and tag == "td":
            self.depth -= 1
    def handle_data(self, d):
        if self.depth:
            sys.stdout.write(d.replace("\n", " | "))
P().feed(open(sys.argv[1], encoding="utf-8").read())
PY
}

# Headless Chromium, no network, its own profile: $1 = page, $2 = what
# (--dump-dom, or --screenshot=FILE), the rest more options. Console
# messages and errors go to $tmp/console.
chrome() {
	local page=$1
	shift
	timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$tmp/profile" --host-resolver-rules='MAP * ~NOTFOUND' \
		--enable-logging=stderr --v=0 "$@" "file://$page" 2>"$tmp/chrome.err"
	local rc=$?
	grep -E ':CONSOLE|Uncaught' "$tmp/chrome.err" >"$tmp/console"
	return $rc
}

# "W H distinct-colours has-PASS-colour has-FAIL-colour" of a PNG, or
# "not a PNG": the PNG decoded with zlib (8-bit RGB/RGBA, filters 0-4).
png_facts() {
	python3 - "$1" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
if d[:8] != b"\x89PNG\r\n\x1a\n":
    print("not a PNG"); sys.exit()
p, idat = 8, b""
while p < len(d):
    n, t = struct.unpack(">I4s", d[p:p + 8])
    if t == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", d[p + 8:p + 18])
    elif t == b"IDAT":
        idat += d[p + 8:p + 8 + n]
    p += 12 + n
bpp = {2: 3, 6: 4}.get(ctype)
if depth != 8 or not bpp:
    print(w, h, "unsupported"); sys.exit()
raw, stride, prev, colours = zlib.decompress(idat), w * bpp, bytearray(w * bpp), set()
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            da, db, dc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            line[i] = (line[i] + (a if da <= db and da <= dc else b if db <= dc else c)) & 255
    colours.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp))
    prev = line
print(w, h, len(colours), int(bytes.fromhex("b7e4b7") in colours), int(bytes.fromhex("f4a6a6") in colours))
PY
}

# The browser checks of one page: $1 = page, $2 = label, $3 = a case
# whose cell the DOM must hold.
browser_checks() {
	local page=$1 label=$2 case=$3 facts
	chrome "$page" --dump-dom >"$tmp/dom.html"
	t_eq "$label: Chromium loads it (exit status)" 0 "$?"
	t_eq "$label: no console message or error" "" "$(cat "$tmp/console")"
	t_match "$label: the DOM holds the grid" '<table class="grid">' "$(cat "$tmp/dom.html")"
	t_match "$label: the DOM holds the cell of $case" "^[A-Z]" "$(cell_of "$tmp/dom.html" "$case")"
	rm -f "$tmp/shot.png"
	chrome "$page" --window-size=1200,900 --screenshot="$tmp/shot.png" >/dev/null
	facts=$(png_facts "$tmp/shot.png" 2>&1)
	t_match "$label: screenshot is a 1200x900 PNG of many colours" "^1200 900 ([2-9][0-9]|[0-9]{3,}) " "$facts"
	t_match "$label: screenshot shows the PASS and FAIL colours" " 1 1$" "$facts"
}

# --- a canned stream ---
cat >"$tmp/c.ktap" <<'S'
TAP version 13
# substrate: host /dev/kvm
# kernel: Linux 6.12.117-amd64 x86_64
# cpu: AuthenticAMD family 0x19 model 0x1 "AMD EPYC <script>alert(1)</script>"
# /dev/kvm: api 12, KVM_CAP_VM_TYPES=0x1d (DEFAULT|SEV|SEV_ES|SNP)
# model vendor: amd (kvm_amd with SEV, SEV-ES, SNP)
1..7
# Starting 7 tests from 2 test cases.
ok 1 a_test.after_launch.default.get_regs
# a_test.c:113:get_regs:ioctl KVM_GET_REGS on type SNP phase after_launch: expected ret=-1 errno=EINVAL, seen ret=0, first changed byte 0 <&"'>; vCPU 0; spec row: 6.12 arch/x86/kvm/regs.c:92-94 get_regs: PS -> -EINVAL, nothing copied
# get_regs: Test terminated by assertion
#          FAIL  after_launch.snp.get_regs
not ok 2 a_test.after_launch.snp.get_regs
ok 3 a_test.after_launch.tdx.get_regs # SKIP KVM_CAP_VM_TYPES=0x1d lacks KVM_X86_TDX_VM (kvm_intel.tdx=N)
not ok 4 a_test.before_launch.snp.get_fpu # TIMEOUT
not ok 5 a_test.before_launch.sev.get_fpu
# XFAIL firmware 1.55 <b>bug</b>
ok 6 a_test.before_launch.default.get_fpu
# XPASS expected to fail: was broken
ok 7 b_test
# b_test: exit status 0, 0.10 s
3 passed, 3 failed, 1 skipped
S
printf 'date: 2026-12-01T00:00:00Z\nsuite: kvm-protected-state abc\nkernel: Linux 6.12.117-amd64 x86_64\nexpectations: /x/e.txt\n' >"$tmp/env.txt"
python3 "$H" --out "$tmp/c.html" --env "$tmp/env.txt" "$tmp/c.ktap"
t_eq "report_html.py: writes the page" 0 "$?"
c=$(cat "$tmp/c.html")
t_eq "no http(s) src/href" "" "$(external_refs "$tmp/c.html")"
t_eq "no <script> or <link> element" "" "$(grep -oiE '<(script|link)[ >]' "$tmp/c.html")"
fail=$(cell_of "$tmp/c.html" a_test.after_launch.snp.get_regs)
t_match "FAIL cell: status" "^FAIL	" "$fail"
t_match "FAIL cell: the message in its title" "expected ret=-1 errno=EINVAL, seen ret=0, first changed byte 0 <&\"'>" "$fail"
t_match "FAIL cell: the spec row in its title" "\| spec row: 6\.12 arch/x86/kvm/regs\.c:92-94 get_regs: PS -> -EINVAL, nothing copied$" "$fail"
t_match "FAIL cell: message and spec row when opened" "spec row: 6\.12 arch/x86/kvm/regs\.c:92-94.*seen ret=0" "$(cell_text "$tmp/c.html" a_test.after_launch.snp.get_regs)"
t_eq "FAIL cell: not the harness' FAIL line" "" "$(grep -o 'FAIL  after_launch' <<<"$fail")"
skip=$(cell_of "$tmp/c.html" a_test.after_launch.tdx.get_regs)
t_match "SKIP cell: the reason in its title" "^SKIP	.*reason: KVM_CAP_VM_TYPES=0x1d lacks KVM_X86_TDX_VM \(kvm_intel\.tdx=N\)$" "$skip"
t_match "SKIP cell: the reason when opened" "reason: KVM_CAP_VM_TYPES=0x1d lacks KVM_X86_TDX_VM" "$(cell_text "$tmp/c.html" a_test.after_launch.tdx.get_regs)"
t_match "TIMEOUT cell" "^TIMEOUT	" "$(cell_of "$tmp/c.html" a_test.before_launch.snp.get_fpu)"
t_match "XFAIL cell with its reason" "^XFAIL	.*expected failure: firmware 1\.55 <b>bug</b>" "$(cell_of "$tmp/c.html" a_test.before_launch.sev.get_fpu)"
t_match "XPASS cell" "^XPASS	.*was broken" "$(cell_of "$tmp/c.html" a_test.before_launch.default.get_fpu)"
t_match "PASS cell" "^PASS	" "$(cell_of "$tmp/c.html" a_test.after_launch.default.get_regs)"
t_match "a program without cases is one cell" "^PASS	" "$(cell_of "$tmp/c.html" b_test)"
t_eq "columns: VM types in their order" "default sev snp tdx" \
	"$(sed -n '/<h2>a_test/,/<\/tr>/p' "$tmp/c.html" | grep -oE '<th>[a-z_]+</th>' | sed 's/<[^>]*>//g' | tr '\n' ' ' | sed 's/ $//')"
t_match "rows: phase x ioctl" '<th rowspan="1">after_launch</th><th>get_regs</th><td[^>]*data-case="a_test\.after_launch\.default\.get_regs"' "$(tr -d '\n' <"$tmp/c.html")"
t_eq "stream text is escaped" "" "$(grep -oE '<script>alert|<b>bug' "$tmp/c.html")"
t_match "escaped text kept" "AMD EPYC &lt;script&gt;alert\(1\)&lt;/script&gt;" "$c"
t_match "banner: kernel" "<th>kernel</th><td>Linux 6\.12\.117-amd64 x86_64</td>" "$c"
t_match "banner: substrate, model vendor, CPU, date, suite" \
	"substrate</th><td>host /dev/kvm.*model vendor</th><td>amd .*cpu</th><td>AuthenticAMD.*date</th><td>2026-12-01T00:00:00Z.*suite</th><td>kvm-protected-state abc" "$(tr -d '\n' <<<"$c")"
t_match "banner: the expectations file applied" "<th>expectations</th><td>/x/e\.txt</td>" "$c"
t_match "totals row" "<th>all</th><td>7</td>" "$c"

# The checks reject a page that breaks them.
sed 's|</head>|<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="http://cdn.example/a.css"></head>|' "$tmp/c.html" >"$tmp/ext.html"
t_eq "a page with an external script and stylesheet: external_refs names both" 2 "$(external_refs "$tmp/ext.html" | wc -l)"
t_eq "a page with an external script and stylesheet: the element check sees both" 2 "$(grep -oiE '<(script|link)[ >]' "$tmp/ext.html" | wc -l)"
sed 's|&lt;script&gt;alert(1)&lt;/script&gt;|<script>alert(1)</script>|' "$tmp/c.html" >"$tmp/unesc.html"
t_eq "an unescaped page: the escape check sees it" 1 "$(grep -qE '<script>alert' "$tmp/unesc.html" && echo 1)"
sed 's|seen ret=0, first changed|seen ret=?, first changed|' "$tmp/c.html" >"$tmp/nomsg.html"
grep -qE "seen ret=0, first changed byte 0" <<<"$(cell_of "$tmp/nomsg.html" a_test.after_launch.snp.get_regs)"
t_eq "a FAIL cell without the message: the message check fails" 1 "$?"
sed 's|spec row: 6.12 arch|spec: arch|' "$tmp/c.html" >"$tmp/nospec.html"
grep -qE "\| spec row: 6\.12 arch/x86/kvm/regs\.c:92-94" <<<"$(cell_of "$tmp/nospec.html" a_test.after_launch.snp.get_regs)"
t_eq "a FAIL cell without the spec row: the spec row check fails" 1 "$?"
sed 's|reason: KVM_CAP_VM_TYPES=0x1d lacks|reason: |' "$tmp/c.html" >"$tmp/noreason.html"
grep -qE "reason: KVM_CAP_VM_TYPES=0x1d lacks" <<<"$(cell_of "$tmp/noreason.html" a_test.after_launch.tdx.get_regs)"
t_eq "a SKIP cell without the reason: the reason check fails" 1 "$?"

if ! command -v chromium >/dev/null; then
	echo "ok $((T_NUM += 1)) Chromium checks # SKIP chromium not installed (scripts/setup.sh check)"
	t_done
	exit
fi
browser_checks "$tmp/c.html" "canned report" a_test.after_launch.snp.get_regs
chrome "$tmp/ext.html" --dump-dom >/dev/null
t_match "external script and stylesheet: console messages (the page fails the console check)" \
	"Loading the script 'https://cdn.example/x.js' violates" "$(cat "$tmp/console")"
sed 's|</body>|<script>undefined_fn();</script></body>|; s|content="default-src [^"]*"|content="default-src '"'"'none'"'"'; style-src '"'"'unsafe-inline'"'"'; script-src '"'"'unsafe-inline'"'"'"|' \
	"$tmp/c.html" >"$tmp/err.html"
chrome "$tmp/err.html" --dump-dom >/dev/null
t_match "a page with a script error: a console line" "Uncaught ReferenceError" "$(cat "$tmp/console")"
printf '<!DOCTYPE html><html><head><title>x</title></head><body></body></html>\n' >"$tmp/blank.html"
chrome "$tmp/blank.html" --window-size=1200,900 --screenshot="$tmp/blank.png" >/dev/null
t_match "a blank page's screenshot: one colour, no PASS/FAIL (the screenshot checks fail)" \
	"^1200 900 1 0 0$" "$(png_facts "$tmp/blank.png")"
t_eq "a missing screenshot: not a PNG" "not a PNG" "$(png_facts /etc/hostname)"
chrome "$tmp/blank.html" --dump-dom >"$tmp/dom.html"
t_eq "a page without the grid: the DOM check fails" 0 "$(grep -c '<table class="grid">' "$tmp/dom.html")"

# --- the matrix page ---
sed 's/^not ok 2 /ok 2 /; s/^3 passed, 3/4 passed, 2/' "$tmp/c.ktap" >"$tmp/c2.ktap"
"$SUITE/scripts/matrix.sh" --html "$tmp/m.html" --from k1="$tmp/c.ktap" k2="$tmp/c2.ktap" >/dev/null 2>&1
t_eq "matrix --html: exit status 1 (a FAIL cell)" 1 "$?"
t_eq "matrix: no http(s) src/href" "" "$(external_refs "$tmp/m.html")"
t_eq "matrix: kernels across, one cell each" "$(printf 'FAIL\nPASS')" \
	"$(cell_of "$tmp/m.html" a_test.after_launch.snp.get_regs | cut -f1)"
t_match "matrix: the FAIL cell names its kernel, message and spec row" \
	"^FAIL	k1: a_test\.after_launch\.snp\.get_regs FAIL \|.*seen ret=0.*\| spec row: 6\.12 arch/x86/kvm/regs\.c:92-94" \
	"$(cell_of "$tmp/m.html" a_test.after_launch.snp.get_regs)"
browser_checks "$tmp/m.html" "matrix page" a_test.after_launch.snp.get_regs

# --- a real run's report (failures injected with a preload) ---
sub=--vm
"$SUITE/build/tools/kvm_env" --probe >/dev/null 2>&1 && sub=--host
t_fault_preload "$tmp/eio.so"
"$R" "$sub" --preload "$tmp/eio.so" -t default_vm_state_test.fresh_vcpu --report "$tmp/rep" >"$tmp/run.ktap" 2>"$tmp/run.err"
t_eq "real run with failures: exit status 1" 1 "$?"
t_match "the runner names report.html" "^# report: .*report\.html" "$(cat "$tmp/run.err")"
n=$(grep -cE '^(not )?ok [0-9]+ ' "$tmp/run.ktap")
t_eq "real report: one cell per case" "$n" "$(grep -o 'data-case=' "$tmp/rep/report.html" | wc -l)"
t_eq "real report: no http(s) src/href" "" "$(external_refs "$tmp/rep/report.html")"
t_match "real report: the failing get_regs cell carries the harness' message" \
	"^FAIL	.*ioctl KVM_GET_REGS on type default phase fresh_vcpu: expected ret=0, seen ret=-1 errno=EIO" \
	"$(cell_of "$tmp/rep/report.html" default_vm_state_test.fresh_vcpu.default.get_regs)"
sk=$(grep -m1 '^ok [0-9]* [^ ]* # SKIP ' "$tmp/run.ktap")
skc=$(sed -E 's/^ok [0-9]+ ([^ ]+) # SKIP .*/\1/' <<<"$sk")
t_match "real report: a SKIP cell carries its reason" "^SKIP	.*reason: $(t_re_escape "${sk#* # SKIP }")" "$(cell_of "$tmp/rep/report.html" "$skc")"
browser_checks "$tmp/rep/report.html" "real report" default_vm_state_test.fresh_vcpu.default.get_regs
t_done
