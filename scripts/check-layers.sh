#!/bin/sh
# The layer check (make lint; docs/architecture.md): every quoted include
# names its folder ("core/ledger.h"), and
#   - harness/core includes only core/ (system headers aside);
#   - a backend folder (bare/, ctr/, vmm/) and image/ (the user's service)
#     include only core/ and themselves;
#   - no two folders include each other, directly or through others.
#   - every folder holding C sources (tests/ and build/ aside) is listed in
#     the layer map of docs/architecture.md (the code block under
#     "## Layers"), so the map cannot fall behind the tree.
# Usage: scripts/check-layers.sh [TREE] (default: the working folder).
# Prints one line per violation and exits 1 when there is any.
set -eu
cd "${1:-.}"
doc=docs/architecture.md
if [ ! -f "$doc" ]; then
	echo "check-layers: $doc is missing: it holds the layer map"
	exit 1
fi
# The folders the map names ("harness/core/", "bare/ ctr/ vmm/"), one a line.
listed=$(awk '/^## Layers/ { on = 1; next } on && /^```/ { if (inside) exit; inside = 1; next }
	inside { print }' "$doc" | grep -o '[a-z_][a-z_]*/\([a-z_][a-z_]*/\)\{0,1\}' | sort -u)
dirs=$(find . -path ./tests -prune -o -path ./build -prune -o -path './.*' -prune -o \
	-type f -name '*.[ch]' -print | sed 's|^\./||; s|/[^/]*$||' | sort -u)
unlisted=0
for d in $dirs; do
	if ! printf '%s\n' "$listed" | grep -qx "$d/"; then
		echo "check-layers: $d/ holds C sources but $doc's layer map does not list it"
		unlisted=1
	fi
done
# shellcheck disable=SC2046 # one word per file name, none has spaces
awk '
function bad(why) {
	printf "check-layers: %s includes \"%s\": %s\n", FILENAME, inc, why
	fails++
}
FNR == 1 {
	from = FILENAME
	sub(/\/[^\/]*$/, "", from)
	sub(/^harness\//, "", from)
}
/^[ \t]*#[ \t]*include[ \t]*"/ {
	inc = $0
	sub(/^[^"]*"/, "", inc)
	sub(/".*/, "", inc)
	to = inc
	if (index(to, "/") == 0)
		to = ""
	else
		sub(/\/.*/, "", to)
	if (from == "core" && to != "core")
		bad("core/ includes only core/")
	else if ((from == "bare" || from == "ctr" || from == "vmm" || from == "image") &&
	    to != "core" && to != from)
		bad(from "/ includes only core/ and " from "/")
	if (to != "" && to != from) {
		if (!((from, to) in via))
			via[from, to] = FILENAME ": " inc
		folder[from]
		folder[to]
	}
}
END {
	for (k in via)
		reach[k] = 1
	# Transitive closure (Floyd-Warshall over a dozen folders).
	for (m in folder)
		for (a in folder)
			if ((a, m) in reach)
				for (b in folder)
					if ((m, b) in reach)
						reach[a, b] = 1
	for (a in folder)
		for (b in folder)
			if (a < b && (a, b) in reach && (b, a) in reach) {
				printf "check-layers: cycle between %s/ and %s/", a, b
				if ((a, b) in via && (b, a) in via)
					printf " (%s; %s)", via[a, b], via[b, a]
				printf "\n"
				fails++
			}
	exit fails > 0
}' $(for d in $dirs; do ls "$d"/*.[ch]; done) || exit 1
exit $unlisted
