#!/bin/sh
# The .deb on this machine (make check-deb): dpkg -i, then the installed
# vclab (/usr/bin/vclab, nothing from the build tree on PATH) runs
# `vclab bench --backends bare` from /, finding its payload in
# /usr/lib/vclab by itself; vclab doctor finds the guest image there too;
# then dpkg --purge, after which none of the package's files, nor
# /usr/lib/vclab, /var/cache/vclab or a run folder under /run/vclab, is
# left. The package is purged on every exit path; a vclab package already
# installed is left alone (the check refuses to run).
# usage: check-deb.sh build/deb/vclab_VERSION_amd64.deb  (as root)
set -eu
deb=$(readlink -f "$1")
tmp=$(mktemp -d /tmp/vclab-deb.XXXXXX)
installed=0
fail() {
	echo "check-deb: $*" >&2
	exit 1
}
cleanup() {
	[ "$installed" = 1 ] && dpkg --purge vclab >"$tmp/purge.log" 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || fail "must run as root (dpkg -i)"
[ -f "$deb" ] || fail "$1: no such package file"
if dpkg-query -W -f='${Status}' vclab 2>/dev/null | grep -q 'installed'; then
	fail "a vclab package is already installed here: not touching it"
fi
[ ! -e /usr/bin/vclab ] || fail "/usr/bin/vclab exists and no package owns it"

echo "== dpkg -i $(basename "$deb")"
installed=1
dpkg -i "$deb" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; fail "dpkg -i failed"; }
dpkg -L vclab >"$tmp/files"
echo "   $(wc -l <"$tmp/files") paths installed"

echo "== vclab bench --backends bare, from /"
# PATH without the build tree: the installed vclab alone.
(cd / && env -u VCLAB_LIBDIR PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	vclab bench --backends bare --peer none --scenarios startup --runs 5 --warmup 1 \
	--quiet --no-report --out "$tmp/run") >"$tmp/bench.log" 2>&1 ||
	{ cat "$tmp/bench.log" >&2; fail "the installed vclab's bench failed"; }
n=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["backends"]["bare"]["startup_ms"]["n"])' "$tmp/run/results.json")
run_id=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$tmp/run/results.json")
[ "$n" = 5 ] || fail "bare startup n=$n, want 5"
echo "   bare startup: n=$n, payload found in /usr/lib/vclab"
PATH=/usr/sbin:/usr/bin:/sbin:/bin vclab doctor --json >"$tmp/doctor.json" 2>"$tmp/doctor.err" ||
	{ cat "$tmp/doctor.err" >&2; fail "vclab doctor failed"; }
man -w vclab-bench >/dev/null 2>&1 || fail "man vclab-bench: not found after install"

echo "== dpkg --purge vclab"
dpkg --purge vclab >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log" >&2; fail "purge failed"; }
installed=0
if dpkg-query -W -f='${Status}' vclab 2>/dev/null | grep -q 'installed'; then
	fail "vclab still known to dpkg after purge"
fi
left=0
while read -r p; do
	# Folders the package shares with others (/usr, /usr/share/man, ...)
	# stay; every file and every folder of its own must go.
	case $p in
	/. | /usr | /usr/bin | /usr/lib | /usr/share | /usr/share/doc | /usr/share/man | \
		/usr/share/man/man1 | /usr/share/bash-completion | \
		/usr/share/bash-completion/completions | /usr/share/lintian | \
		/usr/share/lintian/overrides) continue ;;
	esac
	if [ -e "$p" ] || [ -L "$p" ]; then
		echo "check-deb: left behind: $p" >&2
		left=$((left + 1))
	fi
done <"$tmp/files"
for p in /usr/lib/vclab /var/cache/vclab /usr/share/doc/vclab; do
	[ ! -e "$p" ] || { echo "check-deb: left behind: $p" >&2; left=$((left + 1)); }
done
# The bench's own run folder (others' runs may come and go meanwhile).
[ ! -e "/run/vclab/$run_id" ] || fail "run folder /run/vclab/$run_id left behind"
[ "$left" = 0 ] || fail "$left paths left after purge"
echo "check-deb: ok: installed, ran a bare bench from /, purged with nothing left"
