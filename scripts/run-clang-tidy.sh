#!/bin/sh
# make lint's clang-tidy pass: fails on any warning or error it prints, and
# on its own exit status (a crash of clang-tidy, e.g. a segmentation fault
# on one file, used to vanish behind the pipe that filtered its output).
# Usage: scripts/run-clang-tidy.sh FILE.c ... -- COMPILER-FLAGS
set -u
out=$(mktemp "${TMPDIR:-/tmp}/vclab-tidy.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT INT TERM
clang-tidy --quiet "$@" >"$out" 2>&1
rc=$?
if grep -E '(warning|error):' "$out"; then
	exit 1
fi
if [ "$rc" -ne 0 ]; then
	tail -n 40 "$out" >&2
	echo "clang-tidy exited with status $rc (crashed or failed) without a diagnostic line" >&2
	exit 1
fi
exit 0
