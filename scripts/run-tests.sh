#!/bin/sh
# Run Check test binaries, one after another, and summarise.
# usage: run-tests.sh unit|integ BIN...
#
# A suite that exits 77 could not run here (no root, no libvirtd, no guest
# image) and is counted as skipped, never as passed; so is each test that
# wrote a line to $VCLAB_SKIP_LOG (tests/suite_main.h: note_skip). Under
# CI=true (as .ci/run runs) any skip fails the run: CI must not go green on
# a machine that could not run every test.
set -u
kind=$1
shift
failed=""
skipped=""
total=0
passed=0
start=$(date +%s)
log=$(mktemp /tmp/vclab-skips.XXXXXX)
trap 'rm -f "$log"' EXIT INT TERM
for t in "$@"; do
	total=$((total + 1))
	name=$(basename "$t")
	echo "== $kind: $name"
	before=$(wc -l <"$log")
	t0=$(date +%s)
	VCLAB_SKIP_LOG=$log CK_FORK=yes "$t"
	rc=$?
	after=$(wc -l <"$log")
	echo "== $kind: $name: exit $rc after $(($(date +%s) - t0))s"
	if [ "$rc" -eq 77 ]; then
		skipped="$skipped $name"
	elif [ "$rc" -ne 0 ]; then
		failed="$failed $name"
	else
		passed=$((passed + 1))
		if [ "$after" -gt "$before" ]; then
			skipped="$skipped $name:$((after - before))-test(s)"
		fi
	fi
done
end=$(date +%s)
nskipped=$(echo "$skipped" | wc -w)
nfailed=$(echo "$failed" | wc -w)
if [ -n "$skipped" ]; then
	echo "== $kind: skipped:$skipped" >&2
	sed 's/^/   skip: /' "$log" >&2
	if [ "${CI:-}" = true ]; then
		echo "== $kind: CI=true: a skipped test is a failure here" >&2
		failed="$failed (skips)"
		nfailed=$((nfailed + 1))
	fi
fi
echo "$kind: $passed passed, $nfailed failed, $nskipped skipped"
if [ -n "$failed" ]; then
	echo "== $kind: FAILED:$failed ($total suites, $((end - start))s)" >&2
	exit 1
fi
echo "== $kind: all $total suites ran: $passed passed, $nskipped skipped ($((end - start))s)"
