#!/bin/sh
# `make deb`: build the .deb with dpkg-buildpackage (debian/, debhelper
# compat 13) from a tree where `make all guest tools` has run, move it into
# build/deb/ and run lintian on it. lintian errors fail; warnings are
# printed (docs/fleet.md lists those left on purpose).
# dpkg-buildpackage writes its results next to the source tree, so they
# are moved out at once, and its work files in debian/ are removed on every
# exit path.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
parent=$(dirname "$top")
version=$(dpkg-parsechangelog -S Version)
out=build/deb
made="vclab_${version}_amd64.deb vclab_${version}_amd64.buildinfo vclab_${version}_amd64.changes vclab-dbgsym_${version}_amd64.deb"

cleanup() {
	rm -rf debian/vclab debian/.debhelper debian/files debian/vclab.substvars \
		debian/debhelper-build-stamp debian/vclab.debhelper.log
	for f in $made; do rm -f "$parent/$f"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for f in $made; do
	if [ -e "$parent/$f" ]; then
		echo "make-deb: $parent/$f exists: not overwriting what is not ours" >&2
		exit 2
	fi
done
rm -rf "$out"
mkdir -p "$out"
# -b: binary only; --no-pre-clean: the tree's clean would drop build/
# (the cached kernel); -us -uc: unsigned. Rules-Requires-Root: no, so
# no fakeroot is needed for the binary package.
dpkg-buildpackage -b -us -uc --no-pre-clean >"$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log" >&2
	echo "make-deb: dpkg-buildpackage failed (full log: $out/build.log)" >&2
	exit 1
}
for f in $made; do
	[ -e "$parent/$f" ] && mv "$parent/$f" "$out/"
done
deb=$out/vclab_${version}_amd64.deb
[ -f "$deb" ] || { echo "make-deb: $deb was not made" >&2; exit 1; }
echo "make-deb: $deb ($(stat -c %s "$deb") bytes)"
# Errors fail (exit 1 with --fail-on error), warnings are shown; the
# overrides in debian/vclab.lintian-overrides are listed too (shown as
# "O:"), so nothing is hidden.
# (--show-overrides makes lintian fail on overridden errors too: the
# verdict comes from a run without it.)
rc=0
lintian --fail-on error --tag-display-limit 0 "$deb" >/dev/null 2>&1 || rc=$?
lintian --tag-display-limit 0 --show-overrides "$deb" >"$out/lintian.txt" 2>&1 || true
grep -v '^running with root privileges' "$out/lintian.txt" || true
if [ "$rc" -ne 0 ]; then
	echo "make-deb: lintian failed (exit $rc)" >&2
	exit 1
fi
echo "make-deb: lintian: $(grep -c '^E:' "$out/lintian.txt" || true) errors, $(grep -c '^W:' "$out/lintian.txt" || true) warnings, $(grep -c '^O:' "$out/lintian.txt" || true) overridden"
