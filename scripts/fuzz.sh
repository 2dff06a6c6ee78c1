#!/bin/sh
# Run each libFuzzer target for SECONDS from its committed seed corpus
# (tests/fuzz/corpus/<name>/, never modified) plus a working corpus under
# build/fuzz/corpus/<name>/. Any crash, leak or timeout fails the run.
# usage: fuzz.sh SECONDS BIN...
set -u
secs=$1
shift
failed=""
for bin in "$@"; do
	name=$(basename "$bin" | sed 's/^fuzz_//')
	seeds=tests/fuzz/corpus/$name
	work=build/fuzz/corpus/$name
	mkdir -p "$work" "build/fuzz/crashes/$name"
	echo "== fuzz: $name for ${secs}s"
	if ! "$bin" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="build/fuzz/crashes/$name/" "$work" "$seeds" \
		>"build/fuzz/$name.log" 2>&1; then
		failed="$failed $name"
		tail -30 "build/fuzz/$name.log" >&2
	else
		grep -E '^stat::number_of_executed_units|^Done' "build/fuzz/$name.log" | tail -2
	fi
done
if [ -n "$failed" ]; then
	echo "== fuzz: FAILED:$failed (artifacts in build/fuzz/crashes/)" >&2
	exit 1
fi
echo "== fuzz: all targets ran ${secs}s with no crash"
