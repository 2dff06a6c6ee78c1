#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Outside check of ctr's launch steps (backends.*.steps_ms, docs/ctr.md).

Reads results.json files only. For every placement with steps_ms:

  - the medians of its steps add up to within TOL% of its startup median
    (startup_ms.p50): the steps tile t0 -> first 200, so a gap means a
    stamp is missing, misplaced or on another clock;
  - per launch, the step samples add up to one of the startup samples
    (the same launch, from the host's own t0 and first 200) within 0.01 ms,
    when every launch gave its steps;
  - no step sample is negative.

Prints the step table (median, p90, share) and the sum beside the median.

--tol none prints the sum beside the median without judging it (a run of
a few launches, as in the cgroup v2 guest, where a median of 3 is one
launch's figure); the per-launch and sign checks still hold.

usage: scripts/check-ctr-steps.py [--tol 10|none] RESULTS.json...
Exit 0 when every check passes, 1 when one fails, 2 on usage errors.
"""
import json
import sys


def check(path, tol):
    try:
        with open(path, encoding="utf-8") as f:
            res = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{path}: cannot read: {e}", file=sys.stderr)
        return None
    ok, seen = True, 0
    for sec in ("backends", "peers"):
        for name, e in sorted(res.get(sec, {}).items()):
            steps = e.get("steps_ms")
            if not steps:
                continue
            seen += 1
            p50 = e["startup_ms"]["p50"]
            total = sum(s["ms"]["p50"] for s in steps)
            print(f"{path}: {name}: startup p50 {p50:.3f} ms, n {e['startup_ms']['n']}")
            print(f"  {'step':<14} {'p50':>8} {'p90':>8} {'share':>6}")
            for s in steps:
                m = s["ms"]
                print(f"  {s['step']:<14} {m['p50']:8.3f} {m.get('p90', float('nan')):8.3f}"
                      f" {100 * m['p50'] / total:5.1f}%")
                if any(x < 0 for x in m.get("samples", [])):
                    print(f"  FAIL: {s['step']} has a negative sample")
                    ok = False
            off = 100 * (total - p50) / p50
            good = tol is None or abs(off) <= tol
            verdict = ("not judged" if tol is None else
                       f"{'ok' if good else 'FAIL'}, tolerance {tol:g}%")
            print(f"  sum of step medians {total:.3f} ms: {off:+.1f}% of the startup median"
                  f" ({verdict})")
            ok = ok and good
            per = [s["ms"].get("samples") for s in steps]
            starts = e["startup_ms"].get("samples")
            if all(per) and starts and len(per[0]) == len(starts):
                sums = [sum(col) for col in zip(*per)]
                bad = [(a, b) for a, b in zip(sums, starts) if abs(a - b) > 0.01]
                print(f"  per launch: {len(sums) - len(bad)}/{len(sums)} launches' steps add up"
                      " to their startup sample")
                ok = ok and not bad
    if seen == 0:
        print(f"{path}: no placement recorded steps_ms", file=sys.stderr)
        return False
    return ok


def main(argv):
    tol, files = 10.0, []
    i = 0
    while i < len(argv):
        if argv[i] == "--tol" and i + 1 < len(argv):
            try:
                tol = None if argv[i + 1] == "none" else float(argv[i + 1])
            except ValueError:
                print(f"--tol: not a number: {argv[i + 1]}", file=sys.stderr)
                return 2
            i += 2
        elif argv[i].startswith("-"):
            print(__doc__.split("usage: ")[1].split("\n")[0], file=sys.stderr)
            return 2
        else:
            files.append(argv[i])
            i += 1
    if not files:
        print("usage: " + __doc__.split("usage: ")[1].split("\n")[0], file=sys.stderr)
        return 2
    results = [check(f, tol) for f in files]
    if None in results:
        return 2
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
