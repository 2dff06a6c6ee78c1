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
  - no step sample is negative;
  - the steps of the median launch (the launches at the startup median's
    ranks, interpolated as the median is) add up to the startup median,
    and agree with the results' own median_launch_ms when present.

Prints the step table (median, p90, median launch, share) and both sums
beside the median. The medians of skewed steps add up to less than the
median launch (docs/ctr.md, "Where a launch goes"): the first check is the
issue's "Done when" and fails in busy runs; the gate judges the same gap
with its CI (results/baselines).

usage: scripts/check-ctr-steps.py [--tol 10] RESULTS.json...
--tol inf reports the medians' gap without judging it (.ci/run: the gate
judges it, with its CI).
Exit 0 when every check passes, 1 when one fails, 2 on usage errors.
"""
import json
import math
import sys


def median_launch(per):
    """Each step of the median launch by total: the two middle launches
    weighted as a type-7 median weights them."""
    n = len(per[0])
    sums = [sum(col) for col in zip(*per)]
    order = sorted(range(n), key=lambda i: (sums[i], i))
    h = (n - 1) * 0.5
    lo = math.floor(h)
    w = h - lo
    a, b = order[lo], order[min(lo + 1, n - 1)]
    return [x[a] + w * (x[b] - x[a]) for x in per]


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
            per = [s["ms"].get("samples") for s in steps]
            whole = all(per) and len({len(x) for x in per}) == 1
            med = median_launch(per) if whole else [float("nan")] * len(steps)
            print(f"  {'step':<14} {'p50':>8} {'p90':>8} {'median launch':>13} {'share':>6}")
            for s, ml in zip(steps, med):
                m = s["ms"]
                print(f"  {s['step']:<14} {m['p50']:8.3f} {m.get('p90', float('nan')):8.3f}"
                      f" {ml:13.3f} {100 * m['p50'] / total:5.1f}%")
                if "median_launch_ms" in s and abs(s["median_launch_ms"] - ml) > 1e-6:
                    print(f"  FAIL: {s['step']}: the results' median launch"
                          f" {s['median_launch_ms']:.6f} ms, recomputed {ml:.6f} ms")
                    ok = False
                if any(x < 0 for x in m.get("samples", [])):
                    print(f"  FAIL: {s['step']} has a negative sample")
                    ok = False
            off = 100 * (total - p50) / p50
            good = abs(off) <= tol
            print(f"  sum of step medians {total:.3f} ms: {off:+.1f}% of the startup median"
                  f" ({'ok' if good else 'FAIL'}, tolerance {tol:g}%)")
            ok = ok and good
            if whole:
                same = len(per[0]) == e["startup_ms"]["n"]
                good = not same or abs(sum(med) - p50) <= 0.001
                print(f"  median launch's steps add up to {sum(med):.3f} ms"
                      f"{'' if good else ' (FAIL: not the startup median)'}")
                ok = ok and good
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
                tol = float(argv[i + 1])
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
