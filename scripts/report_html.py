#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# The suite's KTAP streams as one self-contained HTML page: inline CSS, no
# script, no link to anything outside the file (a Content-Security-Policy
# of default-src 'none' makes the browser refuse any that slipped in).
#
#   report_html.py --out FILE [--env environment.txt] [--expect FILE] KTAP
#       one run (run_kvmtests.sh --report DIR writes DIR/report.html): the
#       environment, the totals, and per test program a grid with the VM
#       types across and phase x ioctl (fixture x test) down
#   report_html.py --matrix --out FILE LABEL=KTAP...
#       several kernels (scripts/matrix.sh): per program, cases down,
#       kernels across
#
# A case name is program.fixture.variant.test (scripts/executor.sh), the
# variant being the VM type. Each cell is PASS, FAIL, SKIP, TIMEOUT, XFAIL
# or XPASS (--expect: an expected failure, a listed case that passed), or
# n/a<6.8 in a matrix (a kernel too old for the tree's libkvm); the
# harness' failure lines, the skip reason and the spec row the test logged
# are in the cell (title, and an expandable part). Everything taken from a
# stream is HTML-escaped.
import argparse
import html
import re
import sys

TYPES = ["default", "sw_protected", "sev", "sev_es", "snp", "tdx"]
RESULT = re.compile(r"^(not )?ok [0-9]+ (\S+)(?: # (.*))?$")
SUMMARY = re.compile(r"^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$")
# Lines of a program, not of one case (ktap.awk, the harness).
PROGLINE = re.compile(r"^# (Starting [0-9]+ tests from|[A-Za-z0-9_]+: exit status |"
                      r"[A-Za-z0-9_]+: KPS_SEED=|Totals:|expectations \()")
HARNESS = re.compile(r"^#\s+(FAIL|OK|SKIP|RUN)\s\s")
SPEC = re.compile(r"spec(?: row)?: ([^;]*)")
STATUSES = ["PASS", "FAIL", "TIMEOUT", "XFAIL", "XPASS", "SKIP", "n/a", "-"]

CSS = """
body{font:13px/1.35 sans-serif;margin:1em;color:#111;background:#fff}
h1{font-size:1.4em;margin:0 0 .4em}h2{font-size:1.15em;margin:1.2em 0 .3em}
table{border-collapse:collapse;margin:.3em 0}
th,td{border:1px solid #bbb;padding:2px 5px;vertical-align:top;text-align:left}
th{background:#eee;font-weight:600}
td.c{min-width:4.5em;font-family:monospace}
.PASS{background:#b7e4b7}.FAIL,.TIMEOUT{background:#f4a6a6}
.SKIP{background:#e6e6e6;color:#444}.XFAIL{background:#f7d9a0}
.XPASS{background:#d9b3f0}.na{background:#cfe0f5}.none{background:#fff;color:#999}
table.env th{text-align:right}
details>summary{cursor:pointer}
details pre{white-space:pre-wrap;max-width:60em;margin:.2em 0;font-size:11px}
.spec{font-style:italic}
.legend span{display:inline-block;padding:1px 6px;margin-right:4px;border:1px solid #bbb}
"""


def esc(s):
    return html.escape(s, quote=True)


def parse_ktap(path):
    """Banner, cases (ordered), per case status/directive/message, summary."""
    run = {"banner": [], "cases": [], "res": {}, "summary": "", "totals": "",
           "expectations": "", "release": ""}
    pending = []
    last = None
    planned = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = RESULT.match(line)
            if m:
                planned = True
                name, d = m.group(2), m.group(3) or ""
                if m.group(1):
                    st = "TIMEOUT" if d.startswith("TIMEOUT") else "FAIL"
                else:
                    st = "SKIP" if d.startswith("SKIP") else "PASS"
                msg = [l[2:] if l.startswith("# ") else l[1:]
                       for l in pending if not HARNESS.match(l)]
                if name not in run["res"]:
                    run["cases"].append(name)
                run["res"][name] = {"st": st, "dir": d, "msg": msg, "note": ""}
                pending = []
                last = name
                continue
            if line.startswith("1.."):
                planned = True
                continue
            if not planned:
                if line.startswith("# "):
                    run["banner"].append(line[2:])
                    if line.startswith("# kernel: "):
                        run["release"] = (line.split() + ["", "", ""])[3]
                continue
            if SUMMARY.match(line):
                run["summary"] = line
                continue
            if line.startswith("# XFAIL ") and last and run["res"][last]["st"] == "FAIL":
                run["res"][last]["st"] = "XFAIL"
                run["res"][last]["note"] = line[8:]
                continue
            if line.startswith("# XPASS ") and last and run["res"][last]["st"] == "PASS":
                run["res"][last]["st"] = "XPASS"
                run["res"][last]["note"] = line[8:]
                continue
            if line.startswith("# Totals: "):
                run["totals"] = line[2:]
            elif line.startswith("# expectations ("):
                run["expectations"] = line[2:]
            if PROGLINE.match(line):
                pending = []
                continue
            if line.startswith("#"):
                pending.append(line)
    return run


def split_case(name):
    """(program, row, column) of a case name."""
    p = name.split(".")
    if len(p) >= 4:
        return p[0], (p[1], ".".join(p[3:])), p[2]
    if len(p) == 3:
        return p[0], (p[1], p[2]), "-"
    return p[0], ("", ".".join(p[1:]) or p[0]), "-"


def columns(cols):
    known = [t for t in TYPES if t in cols]
    return known + [c for c in cols if c not in known]


def cell(r, case, label=None):
    """A <td> for result r (or None: the case was not listed)."""
    if r is None:
        return '<td class="c none">-</td>'
    st = r["st"]
    cls = "na" if st.startswith("n/a") else st
    text = []
    if st in ("SKIP",) or st.startswith("n/a"):
        text.append("reason: " + re.sub(r"^SKIP[ -]*", "", r["dir"]))
    elif r["dir"]:
        text.append(r["dir"])
    if r["note"]:
        text.append(("expected failure: " if st == "XFAIL" else "") + r["note"])
    text += r["msg"]
    specs = []
    for l in r["msg"]:
        for s in SPEC.findall(l):
            if s.strip() and s.strip() not in specs:
                specs.append(s.strip())
    title = (label + ": " if label else "") + case + " " + st
    if text:
        title += "\n" + "\n".join(text)
    if specs:
        title += "\nspec row: " + "; ".join(specs)
    out = '<td class="c %s" data-case="%s" data-status="%s" title="%s">' % (
        cls, esc(case), esc(st), esc(title))
    if text or specs:
        out += "<details><summary>%s</summary>" % esc(st)
        if specs:
            out += '<div class="spec">spec row: %s</div>' % esc("; ".join(specs))
        out += "<pre>%s</pre></details>" % esc("\n".join(text))
    else:
        out += esc(st)
    return out + "</td>"


def grid(head, rows, colnames, lookup):
    """One program's table: rows [(fixture, test)], lookup(row, col)."""
    out = ['<table class="grid"><tr><th>phase (fixture)</th><th>ioctl (test)</th>']
    out += ["<th>%s</th>" % esc(c) for c in colnames]
    out.append("</tr>")
    span = {}
    for r in rows:
        span[r[0]] = span.get(r[0], 0) + 1
    seen = set()
    for r in rows:
        out.append("<tr>")
        if r[0] not in seen:
            seen.add(r[0])
            out.append('<th rowspan="%d">%s</th>' % (span[r[0]], esc(r[0] or "-")))
        out.append("<th>%s</th>" % esc(r[1]))
        out += [lookup(r, c) for c in colnames]
        out.append("</tr>")
    out.append("</table>")
    return "<h2>%s</h2>\n" % esc(head) + "\n".join(out)


def page(title, body):
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">\n<title>%s</title>\n<style>%s</style>\n"
            "</head><body>\n%s\n</body></html>\n" % (esc(title), CSS, body))


def legend():
    return ('<p class="legend">' + "".join(
        '<span class="%s">%s</span>' % ("na" if s == "n/a" else s, s)
        for s in ["PASS", "FAIL", "TIMEOUT", "SKIP", "XFAIL", "XPASS"]) +
        " hover over a cell, or open it, for the message, skip reason and spec row</p>")


def counts(res, names):
    c = {}
    for n in names:
        c[res[n]["st"]] = c.get(res[n]["st"], 0) + 1
    return c


def read_env(path):
    env = []
    if path:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition(": ")
                env.append((k, v))
    return env


def report(args):
    run = parse_ktap(args.ktap[0])
    env = read_env(args.env)
    envd = dict(env)
    ban = {}
    for b in run["banner"]:
        k, _, v = b.partition(": ")
        ban.setdefault(k, v)
    body = ["<h1>kvm-protected-state: %s</h1>" % esc(run["summary"] or "no summary line")]
    key = [("kernel", envd.get("kernel") or ban.get("kernel", "unknown")),
           ("substrate", envd.get("substrate") or ban.get("substrate", "unknown")),
           ("model", envd.get("model") or ban.get("model", "none")),
           ("model vendor", ban.get("model vendor", "none")),
           ("cpu", envd.get("cpu") or ban.get("cpu", "unknown")),
           ("VM types", ban.get("/dev/kvm", "unknown")),
           ("date", envd.get("date", "unknown")),
           ("suite", envd.get("suite", "unknown")),
           ("expectations", args.expect or envd.get("expectations", "none")),
           ("expectations result", run["expectations"] or "none"),
           ("result", run["summary"] or "no summary line")]
    if run["totals"]:
        key.append(("totals", run["totals"]))
    body.append('<table class="env" id="environment">')
    body += ["<tr><th>%s</th><td>%s</td></tr>" % (esc(k), esc(v)) for k, v in key]
    body.append("</table>")
    progs = []
    byprog = {}
    for n in run["cases"]:
        p, row, col = split_case(n)
        if p not in byprog:
            progs.append(p)
            byprog[p] = {"rows": [], "cols": [], "cell": {}}
        g = byprog[p]
        if row not in g["rows"]:
            g["rows"].append(row)
        if col not in g["cols"]:
            g["cols"].append(col)
        g["cell"][row, col] = n
    allc = counts(run["res"], run["cases"])
    sts = [s for s in STATUSES if any(s in counts(run["res"], [n for n in run["cases"]
                                                               if split_case(n)[0] == p])
                                      for p in progs) or s in ("PASS", "FAIL", "SKIP")]
    body.append('<h2>Totals</h2><table id="totals"><tr><th>program</th><th>cases</th>')
    body += ["<th>%s</th>" % esc(s) for s in sts]
    body.append("</tr>")
    for p in progs + [None]:
        names = run["cases"] if p is None else [n for n in run["cases"] if split_case(n)[0] == p]
        c = allc if p is None else counts(run["res"], names)
        body.append("<tr><th>%s</th><td>%d</td>" % (esc(p or "all"), len(names)))
        body += ['<td class="%s">%d</td>' % (s if c.get(s) else "none", c.get(s, 0)) for s in sts]
        body.append("</tr>")
    body.append("</table>")
    body.append(legend())
    for p in progs:
        g = byprog[p]
        cols = columns(g["cols"])
        body.append(grid(p, g["rows"], cols, lambda r, c, g=g: cell(
            run["res"][g["cell"][r, c]], g["cell"][r, c]) if (r, c) in g["cell"]
            else '<td class="c none"></td>'))
    body.append("<h2>Environment</h2><table class=\"env\">")
    body += ["<tr><th>%s</th><td>%s</td></tr>" % (esc(k), esc(v)) for k, v in env]
    body += ["<tr><th>banner</th><td>%s</td></tr>" % esc(b) for b in run["banner"]]
    body.append("</table>")
    return page("kvm-protected-state report", "\n".join(body))


def matrix(args):
    labels, runs = [], []
    for a in args.ktap:
        label, sep, path = a.partition("=")
        if not sep:
            label, path = re.sub(r"\.ktap$", "", a.rsplit("/", 1)[-1]), a
        labels.append(label)
        runs.append(parse_ktap(path))
    # Kernels older than the tree's libkvm (KVM_SET_USER_MEMORY_REGION2,
    # v6.8) skip every case that gives a vCPU memory: n/a, as matrix.sh.
    for r in runs:
        m = re.match(r"([0-9]+)\.([0-9]+)", r["release"])
        old = bool(m) and (int(m.group(1)), int(m.group(2))) < (6, 8)
        for x in r["res"].values():
            why = re.sub(r"^SKIP[ -]*", "", x["dir"])
            if x["st"] == "SKIP" and ("KVM_SET_USER_MEMORY_REGION2" in why or
                                      (why == "unknown" and old)):
                v = re.search(r"introduced in v([0-9]+\.[0-9]+)", why)
                x["st"] = "n/a<" + (v.group(1) if v else "6.8")
    order, progs, rows = [], [], {}
    for r in runs:
        for n in r["cases"]:
            if n not in rows:
                rows[n] = 1
                order.append(n)
                p = split_case(n)[0]
                if p not in progs:
                    progs.append(p)
    body = ["<h1>kvm-protected-state matrix: %d kernel%s, %d cases</h1>" % (
        len(runs), "" if len(runs) == 1 else "s", len(order))]
    body.append('<table class="env" id="kernels"><tr><th>kernel</th><th>release</th>'
                "<th>substrate</th><th>VM types</th><th>result</th></tr>")
    for l, r in zip(labels, runs):
        ban = dict(b.partition(": ")[::2] for b in reversed(r["banner"]))
        body.append("<tr><th>%s</th><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
            esc(l), esc(ban.get("kernel", "unknown")), esc(ban.get("substrate", "unknown")),
            esc(ban.get("/dev/kvm", "unknown")), esc(r["summary"] or "no summary line")))
    body.append("</table>")
    body.append('<h2>Totals</h2><table id="totals"><tr><th>result</th>')
    body += ["<th>%s</th>" % esc(l) for l in labels]
    body.append("</tr>")
    cnt = [counts(r["res"], r["cases"]) for r in runs]
    keys = []
    for c in cnt:
        keys += [k for k in c if k not in keys]
    for s in [s for s in STATUSES if s in keys or s in ("PASS", "FAIL", "SKIP")] + \
            sorted(k for k in keys if k.startswith("n/a")):
        if s == "n/a":
            continue
        body.append("<tr><th>%s</th>" % esc(s))
        body += ["<td>%d</td>" % c.get(s, 0) for c in cnt]
        body.append("</tr>")
    body.append("</table>")
    body.append(legend())
    for p in progs:
        names = [n for n in order if split_case(n)[0] == p]
        t = ['<table class="grid"><tr><th>case</th>']
        t += ["<th>%s</th>" % esc(l) for l in labels]
        t.append("</tr>")
        for n in names:
            t.append("<tr><th>%s</th>" % esc(n[len(p) + 1:] or n))
            t += [cell(r["res"].get(n), n, l) for l, r in zip(labels, runs)]
            t.append("</tr>")
        t.append("</table>")
        body.append("<h2>%s</h2>\n%s" % (esc(p), "\n".join(t)))
    return page("kvm-protected-state matrix", "\n".join(body))


def main():
    ap = argparse.ArgumentParser(description="KTAP streams as a self-contained HTML page")
    ap.add_argument("--out", required=True)
    ap.add_argument("--env")
    ap.add_argument("--expect")
    ap.add_argument("--matrix", action="store_true")
    ap.add_argument("ktap", nargs="+")
    args = ap.parse_args()
    if not args.matrix and len(args.ktap) != 1:
        ap.error("one KTAP file without --matrix")
    text = matrix(args) if args.matrix else report(args)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
