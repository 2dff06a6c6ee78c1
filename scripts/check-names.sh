#!/bin/sh
# The backend-name check (make lint; docs/architecture.md, "Adding a
# backend"): bench and report branch on a backend's traits, never on its
# name, so no name of a placement or peer appears as a string literal in
# harness/bench or harness/report outside the registry (bench/backends.c).
# The names are read from the ops initialisers in bare/, ctr/ and vmm/, so
# a new backend is covered as soon as it exists.
# Usage: scripts/check-names.sh [TREE] (default: the working folder).
# Prints each offending line and exits 1 when there is any.
set -eu
cd "${1:-.}"
names=$(grep -ho '^    \.name = "[^"]*"' bare/*.c ctr/*.c vmm/*.c | sed 's/.*= "//; s/"$//' |
	sort -u)
if [ -z "$names" ]; then
	echo "check-names: no .name in any backend's ops (bare/, ctr/, vmm/)"
	exit 1
fi
# A name alone ("crun") or as a step of a results.json path
# ("backends.vm.startup_ms", "peers.qemu-direct").
pattern=$(printf '"%s"\n' $names; for n in $names; do printf '"backends.%s.\n"backends.%s"\n"peers.%s.\n"peers.%s"\n' "$n" "$n" "$n" "$n"; done)
if printf '%s\n' "$pattern" | grep -rnF -f - harness/bench harness/report |
	grep -v '^harness/bench/backends\.c:' | sed 's/^/check-names: /' | grep .; then
	echo "check-names: branch on the traits (core/backend.h), not on a backend's name"
	exit 1
fi
