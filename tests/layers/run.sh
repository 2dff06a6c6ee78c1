#!/bin/sh
# Self-test of scripts/check-layers.sh (make unit): the tree passes, and
# copies of it broken on purpose fail, each with the violation named.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
check="$here/scripts/check-layers.sh"
tmp=$(mktemp -d /tmp/vclab-layers-XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0

# A fresh copy of the source folders, then the given edit.
tree() {
	rm -rf "$tmp/t"
	mkdir -p "$tmp/t"
	mkdir -p "$tmp/t/docs"
	(cd "$here" && cp -r harness bare ctr vmm image payload "$tmp/t/" &&
		cp docs/architecture.md "$tmp/t/docs/")
}

# fails NAME PATTERN CHECK [ARG...]: CHECK fails and says PATTERN.
fails() {
	what=$1 pattern=$2
	shift 2
	if "$@" >"$tmp/out" 2>&1; then
		echo "layers: FAIL: $what: the check passed"
		failed=1
	elif ! grep -q "$pattern" "$tmp/out"; then
		echo "layers: FAIL: $what: no line matching '$pattern' in:"
		cat "$tmp/out"
		failed=1
	else
		echo "layers: ok: $what: $(head -n 1 "$tmp/out")"
	fi
}

# passes NAME CHECK [ARG...]: CHECK passes (on the tree as it is).
passes() {
	what=$1
	shift
	if ! "$@" >"$tmp/out" 2>&1; then
		echo "layers: FAIL: $what:"
		cat "$tmp/out"
		failed=1
	fi
}

# expect NAME PATTERN: the layer check fails on $tmp/t and says PATTERN.
expect() {
	fails "$1" "$2" "$check" "$tmp/t"
}

tree
passes "the tree as it is" "$check" "$tmp/t"

tree
echo '#include "vmm/vmm.h"' >>"$tmp/t/harness/core/ledger.c"
expect "core includes upward" 'core/ledger.c includes "vmm/vmm.h": core/ includes only core/'

tree
echo '#include "bench/bench.h"' >>"$tmp/t/ctr/ctr.c"
expect "backend includes bench" 'ctr/ctr.c includes "bench/bench.h": ctr/ includes only core/ and ctr/'

tree
echo '#include "ctr/ctr.h"' >>"$tmp/t/vmm/vm.c"
expect "backend includes another" 'vmm/vm.c includes "ctr/ctr.h"'

tree
echo '#include "report/report.h"' >>"$tmp/t/harness/advise/advise_summary.c"
echo '#include "advise/advise.h"' >>"$tmp/t/harness/report/report.c"
expect "two folders include each other" 'cycle between advise/ and report/'

tree
echo '#include "advise/advise.h"' >>"$tmp/t/harness/report/report.c"
echo '#include "gate/gate.h"' >>"$tmp/t/harness/advise/advise.c"
echo '#include "report/report.h"' >>"$tmp/t/harness/gate/check.c"
expect "a cycle through three folders" 'cycle between advise/ and report/'

# A new folder of sources the layer map does not name.
tree
mkdir "$tmp/t/sandbox"
echo 'int vcl_sandbox_x;' >"$tmp/t/sandbox/sandbox.c"
expect "a folder the map does not list" 'sandbox/ holds C sources but docs/architecture.md'

# A folder taken out of the map.
tree
sed -i '/^image\//d' "$tmp/t/docs/architecture.md"
expect "a folder dropped from the map" 'image/ holds C sources but'

# No map at all.
tree
rm "$tmp/t/docs/architecture.md"
expect "the map is missing" 'docs/architecture.md is missing'

# The name check (scripts/check-names.sh): the tree passes; a backend's
# name compared in report/ fails, named in the registry does not.
names="$here/scripts/check-names.sh"
tree
passes "check-names on the tree as it is" "$names" "$tmp/t"
echo 'static const char *x = "crun";' >>"$tmp/t/harness/report/report.c"
fails "a name in report/" 'report/report.c:.*"crun"' "$names" "$tmp/t"
tree
echo 'static const char *y = "peers.qemu-direct.startup_ms";' >>"$tmp/t/harness/bench/bench.c"
fails "a name in a results path" 'bench/bench.c:.*qemu-direct' "$names" "$tmp/t"

# The function-length check (scripts/check-funcs.sh): the covered folders
# pass; a function of 101 lines, or a launch function of 81, fails.
funcs="$here/scripts/check-funcs.sh"
long_fn() { # NAME LINES: a function whose body makes it LINES lines long
	printf 'int %s(void);\nint %s(void)\n{\n' "$1" "$1"
	i=4
	while [ "$i" -lt "$2" ]; do
		echo '	(void)0;'
		i=$((i + 1))
	done
	echo '	return 0;'
	echo '}'
}
# in_tree CMD [ARG...]: CMD run in the copy.
# shellcheck disable=SC2317 # called through passes
in_tree() {
	(cd "$tmp/t" && "$@")
}
tree
passes "check-funcs on the tree as it is" in_tree "$funcs" bare vmm image payload
long_fn vcl_long_one 101 >>"$tmp/t/bare/bare.c"
long_fn vcl_try_launch 81 >>"$tmp/t/vmm/vm.c"
long_fn vcl_fine_one 100 >>"$tmp/t/image/image.c"
if (cd "$tmp/t" && "$funcs" bare vmm image) >"$tmp/out" 2>&1 ||
	! grep -q 'vcl_long_one is 101 lines, over 100' "$tmp/out" ||
	! grep -q 'vcl_try_launch is 81 lines, over 80 (a launch function)' "$tmp/out" ||
	grep -q vcl_fine_one "$tmp/out"; then
	echo "layers: FAIL: check-funcs on long functions:"
	cat "$tmp/out"
	failed=1
else
	echo "layers: ok: long functions: $(head -n 1 "$tmp/out")"
fi

exit $failed
