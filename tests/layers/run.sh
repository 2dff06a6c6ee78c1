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

# expect NAME PATTERN: the check fails on $tmp/t and says PATTERN.
expect() {
	if "$check" "$tmp/t" >"$tmp/out" 2>&1; then
		echo "layers: FAIL: $1: the check passed"
		failed=1
	elif ! grep -q "$2" "$tmp/out"; then
		echo "layers: FAIL: $1: no line matching '$2' in:"
		cat "$tmp/out"
		failed=1
	else
		echo "layers: ok: $1: $(head -n 1 "$tmp/out")"
	fi
}

tree
if ! "$check" "$tmp/t" >"$tmp/out" 2>&1; then
	echo "layers: FAIL: the tree as it is:"
	cat "$tmp/out"
	failed=1
fi

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
tree
names="$here/scripts/check-names.sh"
if ! "$names" "$tmp/t" >"$tmp/out" 2>&1; then
	echo "layers: FAIL: check-names on the tree as it is:"
	cat "$tmp/out"
	failed=1
fi
echo 'static const char *x = "crun";' >>"$tmp/t/harness/report/report.c"
if "$names" "$tmp/t" >"$tmp/out" 2>&1 || ! grep -q 'report/report.c:.*"crun"' "$tmp/out"; then
	echo "layers: FAIL: check-names passed a name literal in report/:"
	cat "$tmp/out"
	failed=1
else
	echo "layers: ok: a name in report/: $(head -n 1 "$tmp/out")"
fi
tree
echo 'static const char *y = "peers.qemu-direct.startup_ms";' >>"$tmp/t/harness/bench/bench.c"
if "$names" "$tmp/t" >"$tmp/out" 2>&1 || ! grep -q 'bench/bench.c:.*qemu-direct' "$tmp/out"; then
	echo "layers: FAIL: check-names passed a name in a results path in bench/:"
	cat "$tmp/out"
	failed=1
else
	echo "layers: ok: a name in a results path: $(head -n 1 "$tmp/out")"
fi

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
tree
if ! (cd "$tmp/t" && "$funcs" bare vmm image payload) >"$tmp/out" 2>&1; then
	echo "layers: FAIL: check-funcs on the tree as it is:"
	cat "$tmp/out"
	failed=1
fi
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
