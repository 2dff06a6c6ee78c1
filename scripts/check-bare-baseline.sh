#!/bin/sh
# Outside check of bare's startup (docs/metrics.md, "What bare measures"):
# vclab's bare p50 must lie within max(25%, 0.5 ms) of a plain posix_spawn
# -> first 200 measured by scripts/plain-startup.py, minutes apart at most.
#
#   check-bare-baseline.sh                 run a bare-only startup bench, then compare
#   check-bare-baseline.sh RESULTS.json    compare an existing run (e.g. the quick profile)
set -eu
cd "$(dirname "$0")/.."

if [ $# -ge 1 ]; then
	results=$1
else
	out=$(mktemp -d /tmp/vclab-bare-check.XXXXXX)
	trap 'rm -rf "$out"' EXIT INT TERM
	bin/vclab bench --backends bare --scenarios startup --runs 40 --quiet --no-report \
		--out "$out" >/dev/null
	results=$out/results.json
fi
plain=$(scripts/plain-startup.py --runs 40 --json)
python3 - "$results" "$plain" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
plain = json.loads(sys.argv[2])
bare = r["backends"]["bare"]["startup_ms"]["p50"]
ref = plain["p50"]
tol = max(0.25 * ref, 0.5)
ok = abs(bare - ref) <= tol
print("bare-baseline: vclab bare p50 %.3f ms, plain posix_spawn p50 %.3f ms, "
      "allowed +-%.3f ms: %s" % (bare, ref, tol, "ok" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
