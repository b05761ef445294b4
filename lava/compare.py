#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""LAVA's results of the kselftest-kvm test definition against the suite's KTAP.

  compare.py extract LAVA_LOG
      The job log's "results" records (what a LAVA server stores as the
      job's results; lava-run writes them into its log) as a YAML list.

  compare.py compare --results RESULTS.yaml --log LAVA_LOG --ktap KTAP
                     [--skipfile FILE] [--definition NAME]
      Case by case: the same case names, the same verdict (pass, fail,
      skip), the same KTAP directive (the SKIP reason) in the line printed
      just before the case's LAVA signal, the same counts. Cases the
      skipfile names must be LAVA skips citing it, and must not have run.
      Exit 1 on any difference.

Runs with Debian's python3 (python3-yaml comes with lava-dispatcher).
"""
import argparse
import collections
import os
import re
import sys

import yaml

KTAP_LINE = re.compile(r'^(not )?ok [0-9]+ (\S+)(?: # (.*))?$')
SIGNAL = re.compile(r'^<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=(\S+) RESULT=\w+>$')
SUMMARY = re.compile(r'^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$')


def log_records(path):
    """(line number, record) of each record of a lava-run log (YAML lines)."""
    with open(path, encoding='utf-8', errors='replace') as f:
        for num, line in enumerate(f, 1):
            if not line.startswith('{'):
                continue
            try:
                rec = yaml.safe_load(line)
            except yaml.YAMLError:
                continue
            if isinstance(rec, dict):
                yield num, rec


def verdict(ok, directive):
    if not ok:
        return 'fail'
    return 'skip' if directive.startswith('SKIP') else 'pass'


def read_ktap(path):
    cases = collections.OrderedDict()
    summary = None
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            m = KTAP_LINE.match(line)
            if m:
                name, directive = m.group(2), m.group(3) or ''
                if name in cases:
                    sys.exit('compare: %s: case %s twice' % (path, name))
                cases[name] = (verdict(not m.group(1), directive), directive)
                continue
            m = SUMMARY.match(line)
            if m:
                summary = tuple(int(x) for x in m.groups())
    return cases, summary


def glob_re(glob):
    """scripts/ktap_lib.awk's glob2re: * and ?, '.' literal."""
    return re.escape(glob).replace(r'\*', '.*').replace(r'\?', '.')


def skipfile_cases(path, names, collection):
    """Case name -> skipfile entry, as lava/kselftest-kvm.sh applies it."""
    out = {}
    with open(path, encoding='utf-8') as f:
        entries = [l.strip() for l in f]
    for entry in entries:
        if not entry or entry.startswith('#'):
            continue
        for name in names:
            if name in out:
                continue
            prog = name.split('.')[0]
            if ':' in entry:
                hit = re.fullmatch(entry, '%s:%s' % (collection, prog))
            else:
                g = glob_re(entry)
                hit = re.fullmatch(g, name) or re.fullmatch(g + r'\..*', name)
            if hit:
                out[name] = entry
    return out


def counts(verdicts):
    c = collections.Counter(verdicts)
    return '%d pass, %d fail, %d skip' % (c['pass'], c['fail'], c['skip'])


def compare(args):
    with open(args.results, encoding='utf-8') as f:
        results = yaml.safe_load(f) or []
    # The log's target lines; for each case, the line printed just before
    # its <LAVA_SIGNAL_TESTCASE> (the KTAP line with the SKIP reason).
    target = []
    before_signal = {}
    for _, rec in log_records(args.log):
        if rec.get('lvl') != 'target':
            continue
        msg = str(rec.get('msg', ''))
        m = SIGNAL.match(msg)
        if m and target:
            before_signal.setdefault(m.group(1), target[-1])
        target.append(msg)

    lava = collections.OrderedDict()
    problems = []
    job = suite_def = None
    for r in results:
        d = str(r.get('definition', ''))
        if d == 'lava' and r.get('case') == 'job':
            job = r.get('result')
        if d == 'lava' and str(r.get('case', '')).endswith('_' + args.definition):
            suite_def = r.get('result')
        if not d.endswith('_' + args.definition):
            continue
        name = str(r['case'])
        if name in lava:
            problems.append('LAVA reports %s twice' % name)
        lava[name] = r

    ktap, summary = read_ktap(args.ktap)
    if not ktap:
        sys.exit('compare: no case line in %s' % args.ktap)
    skipped = {}
    if args.skipfile:
        skipped = skipfile_cases(args.skipfile, list(ktap), args.collection)

    def lava_line(name):
        m = KTAP_LINE.match(before_signal.get(name, ''))
        if m and m.group(2) == name:
            return not m.group(1), m.group(3) or ''
        return None

    missing = [n for n in ktap if n not in lava]
    extra = [n for n in lava if n not in ktap]
    problems += ['%s: in the KTAP, not in LAVA' % n for n in missing]
    problems += ['%s: in LAVA, not in the KTAP' % n for n in extra]
    same = collections.Counter()
    reasons = 0
    ran = '\n'.join(target)
    for name, (want, directive) in ktap.items():
        r = lava.get(name)
        if r is None:
            continue
        got = r.get('result')
        line = lava_line(name)
        if line is None:
            problems.append('%s: no KTAP line before its LAVA signal' % name)
            continue
        ok, ldirective = line
        if verdict(ok, ldirective) != got:
            problems.append('%s: LAVA result %s, its log line says %s'
                            % (name, got, verdict(ok, ldirective)))
        if name in skipped:
            cite = 'SKIP skipfile %s:' % os.path.basename(args.skipfile)
            if got != 'skip' or not ldirective.startswith(cite) or \
                    not ldirective.endswith(': ' + skipped[name]):
                problems.append('%s: skipfile entry %r, LAVA: %s # %s'
                                % (name, skipped[name], got, ldirective))
            parts = name.split('.')
            pat = (r'RUN +%s \.\.\.' % re.escape('.'.join(parts[1:])) if len(parts) > 1
                   else r'^# selftests: %s: %s$' % (re.escape(args.collection),
                                                  re.escape(name)))
            if re.search(pat, ran, re.M):
                problems.append('%s: skipped by the skipfile but it ran' % name)
            same['skipfile'] += 1
            continue
        if got != want or ldirective != directive:
            problems.append('%s: KTAP %s%s, LAVA %s%s'
                            % (name, want, ' # ' + directive if directive else '',
                               got, ' # ' + ldirective if ldirective else ''))
            continue
        same[want] += 1
        reasons += want == 'skip'

    kv = [v for v, _ in ktap.values()]
    lv = [str(r.get('result')) for r in lava.values()]
    print('# compare: KTAP %s: %d cases, %s%s' % (
        args.ktap, len(ktap), counts(kv),
        '' if summary is None else ' (closing line: %d passed, %d failed, %d skipped)' % summary))
    if summary is not None and summary != tuple(collections.Counter(kv)[k]
                                                for k in ('pass', 'fail', 'skip')):
        problems.append('KTAP closing line disagrees with its case lines')
    print('# compare: LAVA results of %s: %d test cases, %s; job %s, definition %s'
          % (args.definition, len(lava), counts(lv), job, suite_def))
    if job != 'pass' or suite_def != 'pass':
        problems.append('LAVA job result %s, test definition result %s' % (job, suite_def))
    print('# compare: names: %d in both, %d only in the KTAP, %d only in LAVA'
          % (len(ktap) - len(missing), len(missing), len(extra)))
    print('# compare: verdicts identical: %d (%d pass, %d fail, %d skip), '
          'SKIP reasons identical: %d; skipped by the skipfile, not run: %d'
          % (same['pass'] + same['fail'] + same['skip'], same['pass'], same['fail'],
             same['skip'], reasons, same['skipfile']))
    want_counts = collections.Counter(v for n, (v, _) in ktap.items() if n not in skipped)
    want_counts['skip'] += len(skipped)
    got_counts = collections.Counter(lv)
    if any(want_counts[k] != got_counts[k] for k in ('pass', 'fail', 'skip')):
        problems.append('counts: expected %s, LAVA %s' % (
            counts(list(want_counts.elements())), counts(lv)))
    for p in problems[:20]:
        print('# compare: DIFFERENCE: %s' % p)
    if len(problems) > 20:
        print('# compare: ... %d differences in all' % len(problems))
    print('# compare: %s' % ('LAVA results match the KTAP case by case' if not problems
                             else '%d difference(s)' % len(problems)))
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    ex = sub.add_parser('extract')
    ex.add_argument('log')
    cp = sub.add_parser('compare')
    cp.add_argument('--results', required=True)
    cp.add_argument('--log', required=True)
    cp.add_argument('--ktap', required=True)
    cp.add_argument('--skipfile')
    cp.add_argument('--definition', default='kselftest-kvm')
    cp.add_argument('--collection', default='kvm')
    args = ap.parse_args()
    if args.cmd == 'extract':
        res = [rec['msg'] for _, rec in log_records(args.log)
               if rec.get('lvl') == 'results' and isinstance(rec.get('msg'), dict)]
        if not res:
            return 1
        yaml.safe_dump(res, sys.stdout, default_flow_style=False, sort_keys=False)
        return 0
    return compare(args)


if __name__ == '__main__':
    sys.exit(main())
