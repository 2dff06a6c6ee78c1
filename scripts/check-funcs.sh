#!/bin/sh
# The function-length check (make lint, issue 25): no function over 100
# lines, and no launch function (a name holding "launch") over 80, in the
# folders given. Lengths come from universal-ctags (its end: field), from
# the line of the function's name to its closing brace.
# Usage: scripts/check-funcs.sh DIR... (run from the tree's root).
# Prints one line per function over its limit and exits 1 when there is any.
set -eu
if [ $# -eq 0 ]; then
	echo "usage: scripts/check-funcs.sh DIR..." >&2
	exit 2
fi
if ! ctags --version 2>/dev/null | grep -q 'Universal Ctags'; then
	echo "check-funcs: needs universal-ctags (scripts/install-deps.sh)"
	exit 1
fi
files=$(for d in "$@"; do ls "$d"/*.c; done)
# shellcheck disable=SC2086 # one word per file name, none has spaces
ctags --fields=+ne --c-kinds=f -o - $files | awk -F'\t' -v max=100 -v lmax=80 '
{
	line = end = ""
	for (i = 4; i <= NF; i++) {
		if ($i ~ /^line:/)
			line = substr($i, 6)
		if ($i ~ /^end:/)
			end = substr($i, 5)
	}
	if (end == "")
		next
	n = end - line + 1
	lim = $1 ~ /launch/ ? lmax : max
	if (n > lim) {
		printf "check-funcs: %s:%s: %s is %d lines, over %d%s\n", $2, line, $1, n, lim,
		    lim == lmax ? " (a launch function)" : ""
		bad++
	}
}
END { exit bad > 0 }'
