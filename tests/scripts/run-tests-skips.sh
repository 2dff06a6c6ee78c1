#!/bin/sh
# scripts/run-tests.sh counts skips and fails on them under CI=true: a fake
# suite that exits 77, one that notes a skipped test, and one that passes.
set -u
cd "$(dirname "$0")/../.."
d=$(mktemp -d /tmp/vclab-skiptest.XXXXXX)
trap 'rm -rf "$d"' EXIT INT TERM
printf '#!/bin/sh\nexit 77\n' >"$d/suite_skips"
printf '#!/bin/sh\necho "t: why" >>"$VCLAB_SKIP_LOG"\nexit 0\n' >"$d/test_skips"
printf '#!/bin/sh\nexit 0\n' >"$d/passes"
chmod +x "$d"/*
fail() {
	echo "run-tests-skips: FAIL: $*" >&2
	exit 1
}
out=$(CI= scripts/run-tests.sh unit "$d/passes" "$d/suite_skips" 2>&1) || fail "a skip failed outside CI: $out"
echo "$out" | grep -q '^unit: 1 passed, 0 failed, 1 skipped$' || fail "wrong count: $out"
CI=true scripts/run-tests.sh unit "$d/passes" "$d/suite_skips" >/dev/null 2>&1 && fail "CI=true passed with a skipped suite"
CI=true scripts/run-tests.sh unit "$d/test_skips" >/dev/null 2>&1 && fail "CI=true passed with a skipped test"
CI=true scripts/run-tests.sh unit "$d/passes" >/dev/null 2>&1 || fail "CI=true failed with nothing skipped"
echo "run-tests-skips: ok"
