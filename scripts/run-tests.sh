#!/bin/sh
# Run Check test binaries, one after another, and summarise.
# usage: run-tests.sh unit|integ BIN...
set -u
kind=$1
shift
failed=""
total=0
start=$(date +%s)
for t in "$@"; do
	total=$((total + 1))
	echo "== $kind: $(basename "$t")"
	if ! CK_FORK=yes "$t"; then
		failed="$failed $(basename "$t")"
	fi
done
end=$(date +%s)
if [ -n "$failed" ]; then
	echo "== $kind: FAILED:$failed ($total suites, $((end - start))s)" >&2
	exit 1
fi
echo "== $kind: all $total suites passed ($((end - start))s)"
