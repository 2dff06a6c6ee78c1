#!/bin/sh
# Check `vclab export` against the tools that read it:
#   openmetrics  promtool check metrics (Prometheus' own linter and parser),
#                and the strict OpenMetrics parser of python3-prometheus-client;
#   hyperfine    tests/export/hyperfine_read.py (hyperfine's documented JSON
#                format, read as its scripts read it): one command per
#                placement and peer; and the shape of a real
#                `hyperfine --export-json` file when hyperfine is installed;
#   csv          Python's csv reader: the header, one row per sample.
# usage: check-export.sh VCLAB RESULTS.json...
set -eu
vclab=$1
shift
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Debian's python3 has the Debian packages (prometheus_client); a pyenv
# python3 earlier on PATH may not.
py=/usr/bin/python3
[ -x "$py" ] || py=python3

for res in "$@"; do
	echo "== export: $res"
	"$vclab" export --format openmetrics -o "$tmp/m.prom" "$res"
	tail -n 1 "$tmp/m.prom" | grep -qx '# EOF' || { echo "no '# EOF' at the end" >&2; exit 1; }
	promtool check metrics <"$tmp/m.prom"
	echo "   promtool check metrics: ok"
	if "$py" -c 'import prometheus_client' 2>/dev/null; then
		"$py" - "$tmp/m.prom" <<'PY'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
names = {f.name for f in fams}
for want in ("vclab_startup_seconds", "vclab_run_info"):
    assert want in names, f"{want} missing from {sorted(names)}"
for f in fams:
    for s in f.samples:
        for label in ("host", "accelerator", "run_id", "profile"):
            assert label in s.labels, f"{s.name} has no {label} label"
print(f"   OpenMetrics parser: {len(fams)} families ok")
PY
	fi

	"$vclab" export --format hyperfine -o "$tmp/h.json" "$res"
	"$here/hyperfine_read.py" "$tmp/h.json" >"$tmp/h.out"
	"$py" - "$res" "$tmp/h.out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
want = []
for group, suffix in (("backends", ""), ("peers", " (peer)")):
    for name, o in doc.get(group, {}).items():
        if isinstance(o, dict) and o.get("startup_ms", {}).get("samples"):
            want.append(f"Command 'vclab-payload on {name}{suffix}'")
got = [l for l in open(sys.argv[2]).read().splitlines() if l.startswith("Command ")]
assert sorted(got) == sorted(want), f"commands {got}, expected {want}"
print(f"   hyperfine reader: {len(got)} commands, one per placement and peer")
PY
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -N --runs 3 --style none --export-json "$tmp/real.json" true >/dev/null 2>&1
		"$py" - "$tmp/real.json" "$tmp/h.json" <<'PY'
import json, sys
real = json.load(open(sys.argv[1]))["results"][0]
ours = json.load(open(sys.argv[2]))["results"]
kind = lambda v: "number" if isinstance(v, (int, float)) and not isinstance(v, bool) else type(v).__name__
for r in ours:
    for k, v in real.items():
        # user/system: hyperfine's CPU time of the command, which vclab
        # does not measure for a placement; left out, not made up.
        if k in ("user", "system"):
            continue
        assert k in r, f"{r['command']}: '{k}' missing (hyperfine writes it)"
        assert kind(r[k]) == kind(v), f"'{k}': {kind(r[k])}, hyperfine writes {kind(v)}"
    assert all(kind(t) == "number" for t in r["times"])
print("   same shape as hyperfine", sys.argv[1].rsplit("/", 1)[-1], "(bar user/system)")
PY
	fi

	"$vclab" export --format csv -o "$tmp/s.csv" "$res"
	"$py" - "$res" "$tmp/s.csv" <<'PY'
import csv, json, sys
doc = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2], newline="")))
cols = "run_id,host,accelerator,service,placement,kind,platform,network,scenario,metric,sample_index,value,unit"
assert list(rows[0].keys()) == cols.split(","), list(rows[0].keys())
for name, o in doc.get("backends", {}).items():
    s = o.get("startup_ms", {}).get("samples", [])
    got = [float(r["value"]) for r in rows if r["placement"] == name and r["metric"] == "startup"]
    assert len(got) == len(s), f"{name}: {len(got)} startup rows, {len(s)} samples"
    assert all(abs(g - v / 1e3) < 1e-12 for g, v in zip(got, s)), f"{name}: values differ"
print(f"   csv: {len(rows)} rows, one per sample")
PY
done
