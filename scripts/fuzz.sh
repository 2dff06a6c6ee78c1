#!/bin/sh
# Run each libFuzzer target for SECONDS from its committed seed corpus
# (tests/fuzz/corpus/<name>/, never modified) plus a working corpus under
# build/fuzz/corpus/<name>/. Any crash, leak or timeout fails the run.
# Targets run FUZZ_JOBS at a time (default: one per online CPU); each is
# single-threaded, so on 2 cores the stage takes half the time.
# usage: fuzz.sh SECONDS BIN...
set -u
secs=$1
shift
jobs=${FUZZ_JOBS:-$(nproc)}
failed=""

# One target, run in the background: the subshell becomes the fuzzer
# (exec), so its pid is the fuzzer's own.
one() {
	name=$(basename "$1" | sed 's/^fuzz_//')
	work=build/fuzz/corpus/$name
	mkdir -p "$work" "build/fuzz/crashes/$name"
	exec "$1" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="build/fuzz/crashes/$name/" "$work" "tests/fuzz/corpus/$name" \
		>"build/fuzz/$name.log" 2>&1
}

# Report a finished target: its stats, or the log's tail when it failed.
report() {
	name=$(basename "$1" | sed 's/^fuzz_//')
	if [ "$2" -ne 0 ]; then
		failed="$failed $name"
		echo "== fuzz: $name FAILED (exit $2)" >&2
		tail -30 "build/fuzz/$name.log" >&2
	else
		echo "== fuzz: $name ran ${secs}s: $(grep -E '^stat::number_of_executed_units' \
			"build/fuzz/$name.log" | tail -1)"
	fi
}

pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; exit 1' INT TERM
while [ $# -gt 0 ]; do
	pids=""
	bins=""
	n=0
	while [ $# -gt 0 ] && [ "$n" -lt "$jobs" ]; do
		one "$1" &
		pids="$pids $!"
		bins="$bins $1"
		n=$((n + 1))
		shift
	done
	for p in $pids; do
		wait "$p"
		rc=$?
		b=${bins# }
		b=${b%% *}
		bins=${bins# }
		bins=${bins#"$b"}
		report "$b" "$rc"
	done
done
if [ -n "$failed" ]; then
	echo "== fuzz: FAILED:$failed (artifacts in build/fuzz/crashes/)" >&2
	exit 1
fi
echo "== fuzz: all targets ran ${secs}s with no crash ($jobs at a time)"
