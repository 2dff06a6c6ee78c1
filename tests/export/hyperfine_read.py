#!/usr/bin/env python3
"""Read a hyperfine --export-json file the way hyperfine's scripts do.

hyperfine documents its JSON export as {"results": [{"command", "mean",
"stddev", "median", "min", "max", "times": [...], ...}]} with times in
seconds; its scripts (advanced_statistics.py, plot_whisker.py,
welch_ttest.py) take "command" as the label and the statistics from
"times". This is our own reader of that documented format, not their code:
for each result it prints the command and statistics computed from the
times, and fails when the stored mean/median/min/max/stddev disagree with
the times or a field is missing or mistyped.

usage: hyperfine_read.py FILE.json   (prints one "Command '...'" per result)
"""
import json
import math
import statistics
import sys

REQUIRED = {"command": str, "mean": float, "median": float, "min": float,
            "max": float, "times": list}


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def main(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    results = doc["results"]
    if not isinstance(results, list) or not results:
        sys.exit(f"{path}: 'results' must be a non-empty list")
    for r in results:
        for key, typ in REQUIRED.items():
            if key not in r:
                sys.exit(f"{path}: result without '{key}'")
            v = r[key]
            if typ is float and isinstance(v, int):
                v = float(v)
            if not isinstance(v, typ):
                sys.exit(f"{path}: '{key}' is {type(v).__name__}, not {typ.__name__}")
        times = [float(t) for t in r["times"]]
        if not times:
            sys.exit(f"{path}: {r['command']}: no times")
        checks = {"mean": statistics.fmean(times), "median": statistics.median(times),
                  "min": min(times), "max": max(times)}
        if len(times) > 1:
            checks["stddev"] = statistics.stdev(times)
        for key, want in checks.items():
            if r.get(key) is None or not close(float(r[key]), want):
                sys.exit(f"{path}: {r['command']}: {key} {r.get(key)} but the times give {want}")
        if "exit_codes" in r and len(r["exit_codes"]) != len(times):
            sys.exit(f"{path}: {r['command']}: exit_codes and times differ in length")
        q = statistics.quantiles(times, n=4) if len(times) > 1 else [times[0]] * 3
        print(f"Command '{r['command']}'")
        print(f"  runs:   {len(times):8d}")
        print(f"  mean:   {checks['mean']:8.6f} s")
        print(f"  stddev: {checks.get('stddev', 0.0):8.6f} s")
        print(f"  median: {checks['median']:8.6f} s")
        print(f"  min:    {checks['min']:8.6f} s")
        print(f"  max:    {checks['max']:8.6f} s")
        print(f"  P_25:   {q[0]:8.6f} s")
        print(f"  P_75:   {q[2]:8.6f} s")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
