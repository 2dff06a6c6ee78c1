#!/bin/sh
# valgrind on the CLI verbs: 0 definitely lost bytes and 0 errors each.
# usage: valgrind.sh  (from the repository root, as root, after make all)
set -u
out=${VCLAB_VALGRIND_OUT:-build/valgrind}
rm -rf "$out"
mkdir -p "$out"
fail=""
vg() {
	name=$1
	shift
	valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
		--child-silent-after-fork=yes "$@" >"$out/$name.out" 2>"$out/$name.err"
	rc=$?
	lost=$(grep -m1 'definitely lost' "$out/$name.err" | sed 's/.*definitely lost: //')
	errs=$(grep -m1 'ERROR SUMMARY' "$out/$name.err" | sed 's/.*ERROR SUMMARY: //; s/ from.*//')
	echo "valgrind $name: exit $rc, definitely lost: ${lost:-0 bytes}, errors: ${errs:-?}"
	[ "$rc" -eq 99 ] && fail="$fail $name"
}
vg doctor bin/vclab doctor
vg bench bin/vclab bench --profile quick --backends bare,ctr --peer none --quiet --no-report \
	--out "$out/run"
vg report bin/vclab report "$out/run/results.json" -o "$out/report"
vg advise bin/vclab advise --results "$out/run/results.json" docs/examples/web-api.yaml \
	tests/data/advise/shop.yaml
vg baseline bin/vclab baseline --from "$out/run/results.json" -o "$out/baseline.yaml"
vg check bin/vclab check --baseline "$out/baseline.yaml" "$out/run/results.json" \
	--junit "$out/junit.xml"
if [ -n "$fail" ]; then
	echo "valgrind: leaks or errors in:$fail (logs in $out/)" >&2
	exit 1
fi
echo "valgrind: 0 definite leaks, 0 errors in every verb"
