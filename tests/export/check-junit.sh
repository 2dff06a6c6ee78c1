#!/bin/sh
# `vclab check --junit` output against the JUnit schema Jenkins reads
# (tests/data/junit.xsd), for each way a check can end: pass, regression,
# incomplete run, incomplete with --force, another host class with --force.
# usage: check-junit.sh VCLAB
set -eu
vclab=$1
xsd=$(dirname "$0")/../data/junit.xsd
sample=$(dirname "$0")/../data/results-sample.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
[ -x "$py" ] || py=python3

"$vclab" baseline --from "$sample" -o "$tmp/b.yaml" >/dev/null
# Variants of the fixture: ctr 3x slower; incomplete; another host class.
"$py" - "$sample" "$tmp" <<'PY'
import copy, json, sys
doc = json.load(open(sys.argv[1]))
out = sys.argv[2]
slow = copy.deepcopy(doc)
st = slow["backends"]["ctr"]["startup_ms"]
for k in ("p50", "p90", "p95", "p99", "mean", "min", "max", "stddev", "mad"):
    st[k] = st[k] * 3
st["ci95"] = [v * 3 for v in st["ci95"]]
st["samples"] = [v * 3 for v in st["samples"]]
slow.pop("comparisons", None)
json.dump(slow, open(f"{out}/slow.json", "w"))
inc = copy.deepcopy(doc)
inc["complete"] = False
inc["incomplete_reason"] = "interrupted by signal 2 <&> \"quoted\""
json.dump(inc, open(f"{out}/incomplete.json", "w"))
other = copy.deepcopy(doc)
other["host"]["accelerator"] = "kvm"
other["host"]["cpus"] = 64
json.dump(other, open(f"{out}/other.json", "w"))
PY

run() { # name expected-exit args...
	name=$1 want=$2
	shift 2
	set +e
	"$vclab" check --baseline "$tmp/b.yaml" --junit "$tmp/$name.xml" "$@" >"$tmp/$name.out" 2>&1
	got=$?
	set -e
	if [ "$want" != any ] && [ "$got" -ne "$want" ]; then
		echo "check ($name): exit $got, expected $want" >&2
		cat "$tmp/$name.out" >&2
		exit 1
	fi
	if [ ! -s "$tmp/$name.xml" ]; then
		echo "check ($name): no JUnit file" >&2
		exit 1
	fi
	xmllint --noout --schema "$xsd" "$tmp/$name.xml"
}
run pass 0 "$sample"
run regressed 1 "$tmp/slow.json"
grep -q '<failure type="regression"' "$tmp/regressed.xml"
run incomplete 1 "$tmp/incomplete.json"
grep -q '<failure type="incomplete"' "$tmp/incomplete.xml"
run forced 0 --force "$tmp/incomplete.json"
# Another host class is a usage error (exit 2, no JUnit: nothing was
# judged); judged anyway with --force, the JUnit file says so.
run other-host any --force "$tmp/other.json"
grep -q 'host class differs' "$tmp/other-host.xml"
# The schema is not a rubber stamp: a broken file fails it.
sed 's/tests="[0-9]*"/tests="many"/' "$tmp/pass.xml" >"$tmp/broken.xml"
if xmllint --noout --schema "$xsd" "$tmp/broken.xml" 2>/dev/null; then
	echo "junit.xsd accepted tests=\"many\"" >&2
	exit 1
fi
echo "== junit: 5 check outcomes validate against tests/data/junit.xsd; a broken file does not"
