#!/bin/sh
# make install / uninstall, man pages, bash completion, and an installed
# vclab run outside the build tree:
#   1. make install DESTDIR=D PREFIX=/usr: D/usr/bin/vclab, one man page per
#      verb under D/usr/share/man/man1 (man -l renders them, vclab-bench(1)
#      documents --runs, groff -ww and mandoc -Tlint have nothing to say),
#      the completion completes verbs, options and enum/list words;
#   2. that vclab, copied out of D, with VCLAB_LIBDIR=D/usr/lib/vclab runs
#      `bench --backends bare --scenarios startup --runs 3` from /tmp, and
#      the exports of its results pass check-export.sh;
#   3. make install PREFIX=P: P/bin/vclab finds P/lib/vclab by itself,
#      the tools image among it: its bench runs the cpu resource scenario
#      (sysbench inside the tools image, docs/resources.md) with the build
#      tree's image out of its reach;
#   4. make uninstall leaves no file behind in D or P.
set -eu
cd "$(dirname "$0")/../.."
tree=$(pwd)
tmp=$(mktemp -d /tmp/vclab-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
D=$tmp/destdir
P=$tmp/prefix
fail() {
	echo "check-install: $*" >&2
	exit 1
}

echo "== install: make install DESTDIR=$D PREFIX=/usr"
make --no-print-directory install DESTDIR="$D" PREFIX=/usr >"$tmp/install.log"
[ -x "$D/usr/bin/vclab" ] || fail "no $D/usr/bin/vclab"
[ -x "$D/usr/lib/vclab/vclab-payload" ] || fail "no payload in $D/usr/lib/vclab"
[ -x "$D/usr/lib/vclab/build-guest.sh" ] || fail "no build-guest.sh in $D/usr/lib/vclab"
man1=$D/usr/share/man/man1
for p in $(bin/vclab __man --list); do
	[ -f "$man1/$p.1" ] || fail "no man page $man1/$p.1"
	out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man1/$p.1" 2>&1) || fail "groff $p.1: $out"
	[ -z "$out" ] || fail "groff -ww $p.1: $out"
	if command -v mandoc >/dev/null 2>&1; then
		# style-level notes (e.g. "useless macro") are not defects
		out=$(mandoc -Tlint -W warning "$man1/$p.1" 2>&1) || fail "mandoc -Tlint $p.1: $out"
	fi
done
MANWIDTH=100 man -l "$man1/vclab-bench.1" 2>/dev/null | grep -q -- '--runs' ||
	fail "vclab-bench(1) does not document --runs"
MANWIDTH=100 man -l "$man1/vclab.1" 2>/dev/null | grep -q 'vclab-export(1)' ||
	fail "vclab(1) does not list vclab-export(1)"
echo "   man pages: $(ls "$man1" | wc -l) pages, groff -ww and mandoc -Tlint clean, --runs documented"

comp=$D/usr/share/bash-completion/completions/vclab
complete_words() { # expected-word word...
	want=$1
	shift
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vclab
		printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@" | grep -qx -- "$want" ||
		fail "completion of '$*' lacks '$want'"
}
complete_words export vclab ex
complete_words --profile vclab bench --prof
complete_words quick vclab bench --profile q
complete_words bare,ctr vclab bench --backends bare,c
complete_words openmetrics vclab export --format ""
echo "   bash completion: verbs, options, enum and list words"

echo "== install: the installed vclab outside the tree (VCLAB_LIBDIR)"
mkdir -p "$tmp/elsewhere"
cp "$D/usr/bin/vclab" "$tmp/elsewhere/vclab"
(cd /tmp && VCLAB_LIBDIR="$D/usr/lib/vclab" "$tmp/elsewhere/vclab" bench --backends bare \
	--scenarios startup --runs 3 --no-report -q --out "$tmp/run1" >"$tmp/run1.log" 2>&1) ||
	{ cat "$tmp/run1.log" >&2; fail "installed vclab bench failed"; }
[ -f "$tmp/run1/results.json" ] || fail "no results.json from the installed vclab"
"$tree/tests/export/check-export.sh" "$D/usr/bin/vclab" "$tree/tests/data/results-sample.json" \
	"$tmp/run1/results.json"

echo "== install: make install PREFIX=$P (found from its own path)"
make --no-print-directory install PREFIX="$P" >"$tmp/install2.log"
[ -f "$P/lib/vclab/tools/index.json" ] || fail "no tools image in $P/lib/vclab/tools"
(cd /tmp && env -u VCLAB_LIBDIR "$P/bin/vclab" bench --backends bare --scenarios startup,cpu \
	--runs 3 --no-report -q --out "$tmp/run2" >"$tmp/run2.log" 2>&1) ||
	{ cat "$tmp/run2.log" >&2; fail "vclab installed in $P: bench failed"; }
[ -f "$tmp/run2/results.json" ] || fail "no results.json from $P/bin/vclab"
# The cpu figure must be there: a missing tools image is a recorded error,
# not a failed bench.
/usr/bin/python3 - "$tmp/run2/results.json" <<'PY' || fail "installed vclab: no cpu figures"
import json, sys
d = json.load(open(sys.argv[1]))
cpu = d["backends"]["bare"].get("cpu", {})
assert cpu.get("metrics", {}).get("event_us", {}).get("p50", 0) > 0, (cpu, d.get("errors"))
assert cpu["tool"]["name"] == "sysbench" and cpu["tool"]["version"], cpu["tool"]
print("   installed vclab ran sysbench %s from its own tools image: event_us p50 %.0f"
      % (cpu["tool"]["version"], cpu["metrics"]["event_us"]["p50"]))
PY

echo "== install: make uninstall"
make --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr >/dev/null
make --no-print-directory uninstall PREFIX="$P" >/dev/null
left=$(find "$D" "$P" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "== install: installed, ran outside the tree, uninstalled without a trace"
