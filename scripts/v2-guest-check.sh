#!/bin/sh
# Host side of make check-v2: read what the v2 guest wrote (tests/v2/inside.sh)
# and fail on anything short of a clean, complete, pure-v2 run.
# usage: scripts/v2-guest-check.sh OUTDIR SERIAL_LOG INTEG_BIN...
set -u
out=$1
serial=$2
shift 2
bad=0
fail() {
	echo "v2-check: FAIL: $*" >&2
	bad=1
}
sum=$out/summary
if [ ! -f "$sum" ]; then
	echo "v2-check: FAIL: the guest wrote no $sum; the end of $serial:" >&2
	tail -n 30 "$serial" >&2
	exit 1
fi
sed 's/^/v2-guest| /' "$sum"
# The steps the guest ran (V2_STEPS; all three unless narrowed by hand).
STEPS=$(sed -n 's/^STEPS="\(.*\)"$/\1/p' "$out/env")
STEPS=${STEPS:-unit integ bench}
step() { case " $STEPS " in *" $1 "*) return 0 ;; esac; return 1; }
grep -q '^done$' "$sum" || fail "the guest run did not finish (see $serial)"
grep -q '^V2-GUEST-EXIT 0' "$serial" || fail "the guest's runner did not exit 0 (see $serial)"
grep -q '^cgroupfs: cgroup2fs v1-mounts:none$' "$sum" ||
	fail "the guest was not pure cgroup v2: $(grep '^cgroupfs:' "$sum")"

# run-tests.sh's own count line: at least one pass, no failure, no skip.
counts_ok() {
	echo "$1" | grep -Eq ': [1-9][0-9]* passed, 0 failed, 0 skipped$'
}
if step unit; then
	line=$(grep '^unit: ' "$sum")
	counts_ok "$line" || fail "unit suite in the guest: ${line:-no result} (see $out/unit.log)"
fi
if step integ; then
	for t in "$@"; do
		n=$(basename "$t")
		line=$(grep "^$n " "$sum")
		counts_ok "$line" || fail "$n in the guest: ${line:-no result} (see $out/$n.log)"
	done
fi
grep -q "^doctor-cgroup: v2 (controllers: " "$sum" || fail "vclab doctor in the guest: $(grep '^doctor-cgroup:' "$sum")"
grep -q '^leftover-cgroups: $' "$sum" || fail "cgroups left in the guest: $(grep '^leftover-cgroups:' "$sum")"

if step bench && ! grep -q '^outside-check: ok' "$sum"; then
	fail "scripts/check-bare-memory.sh in the guest: $(grep '^outside-check:' "$sum") (see $out/check-bare-memory.log)"
fi

# What v2 changes for ctr, from the bench's results.json (issue 30): its
# launch steps, stamped by its child (scripts/check-ctr-steps.py prints
# them; the sum of 3 medians is not judged, each launch's steps must add
# up to its startup), the cgroup attach ~0 (born in its cgroup by
# CLONE_INTO_CGROUP), and ctr/runc in the same run with vclab's CI.
v2_figures() {
	echo "v2-check: ctr's launch steps in the guest (TCG, medians of the bench's launches):"
	steps=$(python3 scripts/check-ctr-steps.py --tol inf "$out/results.json" 2>&1)
	rc=$?
	echo "$steps" | sed 's/^/v2-check| /'
	[ $rc -eq 0 ] || fail "ctr's launch steps in $out/results.json (scripts/check-ctr-steps.py --tol inf)"
	python3 - "$out/results.json" <<'PY' || fail "ctr on v2 in $out/results.json"
import json, sys
d = json.load(open(sys.argv[1]))
errs = []
steps = {s["step"]: s["ms"] for s in d["backends"]["ctr"].get("steps_ms") or []}
att = steps.get("cgroup_attach", {}).get("p50")
if att is None:
    errs.append("backends.ctr.steps_ms has no cgroup_attach step")
elif att > 0.5:
    errs.append("ctr's cgroup_attach p50 is %.3f ms: not born in its cgroup "
                "(CLONE_INTO_CGROUP) on v2" % att)
else:
    print("v2-check: ctr cgroup_attach p50 %.3f ms: born in its cgroup (CLONE_INTO_CGROUP)" % att)
runc = d.get("peers", {}).get("runc") or {}
if "startup_ms" not in runc:
    errs.append("peers.runc did not run: %s" % (runc.get("reason") or "absent"))
for c in d.get("comparisons", []):
    if c["metric"] == "startup_ms.p50" and c["b"] in ("bare", "runc", "crun") and c["a"] == "ctr":
        print("v2-check: ctr/%s startup p50 x%.3f [%.3f-%.3f] (95%% CI, n %d/%d, %s)" % (
            c["b"], c["ratio"], c["ci95"][0], c["ci95"][1], c["n_a"], c["n_b"], c["verdict"]))
if not any(c["a"] == "ctr" and c["b"] == "runc" for c in d.get("comparisons", [])):
    errs.append("comparisons has no ctr/runc startup ratio")
for e in errs:
    print("v2-check: results.json: " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
}

# The bench's results.json: a v2 host, and memory figures for bare and ctr.
if ! step bench; then
	:
elif ! grep -q '^bench: ok$' "$sum"; then
	fail "vclab bench in the guest: $(grep '^bench:' "$sum") (see $out/bench.log)"
elif ! python3 - "$out/results.json" <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1]))
errs = []
if d["host"].get("cgroup") != "v2":
    errs.append("host.cgroup is %r, not 'v2'" % d["host"].get("cgroup"))
for b in ("bare", "ctr"):
    m = (d.get("backends", {}).get(b) or {}).get("memory") or {}
    for k in ("pss_kib", "rss_kib", "cgroup_kib"):
        if not isinstance(m.get(k), (int, float)):
            errs.append("backends.%s.memory.%s is %r" % (b, k, m.get(k)))
    if "startup_ms" not in (d.get("backends", {}).get(b) or {}):
        errs.append("backends.%s has no startup_ms" % b)
    else:
        print("v2-check: %s startup p50 %.2f ms, pss %s KiB, cgroup %s KiB" % (
            b, d["backends"][b]["startup_ms"]["p50"], m.get("pss_kib"), m.get("cgroup_kib")))
for e in errs:
    print("v2-check: results.json: " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
	fail "results.json of the guest's bench ($out/results.json)"
else
	v2_figures
fi
[ $bad -eq 0 ] || exit 1
if [ "$STEPS" != "unit integ bench" ]; then
	echo "v2-check: pure cgroup v2 guest: PARTIAL run (V2_STEPS='$STEPS'): what ran passed, none skipped"
	exit 0
fi
echo "v2-check: pure cgroup v2 guest: all suites passed, none skipped; results.json is a v2 run"
