#!/bin/sh
# make lint's clang-tidy pass: fails on any warning or error it prints, and
# on its own exit status (a crash of clang-tidy, e.g. a segmentation fault
# on one file, used to vanish behind the pipe that filtered its output).
# The files are dealt round-robin to TIDY_JOBS clang-tidy processes (default:
# one per online CPU); each file is checked on its own, so the split
# changes nothing but the wall time.
# Usage: scripts/run-clang-tidy.sh FILE.c ... -- COMPILER-FLAGS
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/vclab-tidy.XXXXXX") || exit 1
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT INT TERM
jobs=${TIDY_JOBS:-$(nproc)}

# The files before "--" go to the lists, round-robin; "$@" keeps the flags.
i=0
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	echo "$1" >>"$dir/files.$((i % jobs))"
	i=$((i + 1))
	shift
done

j=0
while [ "$j" -lt "$jobs" ]; do
	if [ -s "$dir/files.$j" ]; then
		# shellcheck disable=SC2046 # one word per file name (no spaces in the tree)
		clang-tidy --quiet $(cat "$dir/files.$j") "$@" >"$dir/out.$j" 2>&1 &
		pids="$pids $!"
		echo "$!" >"$dir/pid.$j"
	fi
	j=$((j + 1))
done

bad=0
j=0
while [ "$j" -lt "$jobs" ]; do
	if [ -s "$dir/files.$j" ]; then
		wait "$(cat "$dir/pid.$j")"
		rc=$?
		if grep -E '(warning|error):' "$dir/out.$j"; then
			bad=1
		elif [ "$rc" -ne 0 ]; then
			tail -n 40 "$dir/out.$j" >&2
			echo "clang-tidy exited with status $rc (crashed or failed) without a diagnostic line" >&2
			bad=1
		fi
	fi
	j=$((j + 1))
done
pids=""
exit "$bad"
