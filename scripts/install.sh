#!/bin/sh
# `make install` and `make uninstall`.
# usage: install.sh install|uninstall   (environment: PREFIX, DESTDIR)
#
# Layout (PREFIX=/usr/local by default; DESTDIR is prepended to every path):
#   PREFIX/bin/vclab
#   PREFIX/lib/vclab/        vclab-payload, vclab-isoprobe, vclab-init,
#                            build-guest.sh, and
#                            guest/ (vmlinuz, initramfs.cpio.gz, ...) when
#                            built, and tools/, the tools image the resource
#                            scenarios run (make tools: an OCI layout); an
#                            installed vclab finds them from its own path
#                            (bin/../lib/vclab) or $VCLAB_LIBDIR
#   PREFIX/share/man/man1/   vclab.1, vclab-VERB.1 (generated: make man)
#   PREFIX/share/bash-completion/completions/vclab  (make completion)
#   PREFIX/share/doc/vclab/  README.md, docs/*.md, examples/
# install writes the list of what it installed to
# PREFIX/lib/vclab/install-manifest; uninstall removes exactly those files,
# the guest image build-guest.sh may have written since, and the folders
# vclab owns once empty.
set -eu
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
libdir=$PREFIX/lib/vclab
manifest=$libdir/install-manifest
GUEST_FILES="vmlinux vmlinuz initramfs.cpio.gz modules.list kernel.release"

# "MODE SOURCE DEST" lines.
files() {
	echo "0755 bin/vclab $PREFIX/bin/vclab"
	for f in bin/vclab-payload bin/vclab-isoprobe bin/vclab-init scripts/build-guest.sh; do
		echo "0755 $f $libdir/${f##*/}"
	done
	for f in $GUEST_FILES; do
		[ -f "build/guest/$f" ] && echo "0644 build/guest/$f $libdir/guest/$f"
	done
	# The tools image (--scenarios cpu,membw,disk,net): bench/resources.c
	# looks for lib/vclab/tools/index.json.
	(cd build/tools && find . -type f | sort) | while read -r f; do
		echo "0644 build/tools/${f#./} $libdir/tools/${f#./}"
	done
	for f in build/man/*.1; do
		echo "0644 $f $PREFIX/share/man/man1/${f##*/}"
	done
	echo "0644 build/completion/vclab $PREFIX/share/bash-completion/completions/vclab"
	echo "0644 README.md $PREFIX/share/doc/vclab/README.md"
	for f in docs/*.md; do
		echo "0644 $f $PREFIX/share/doc/vclab/${f##*/}"
	done
	for f in docs/examples/*; do
		[ -f "$f" ] && echo "0644 $f $PREFIX/share/doc/vclab/examples/${f##*/}"
	done
	return 0
}

case ${1:-} in
install)
	for f in bin/vclab bin/vclab-payload bin/vclab-isoprobe build/completion/vclab build/man/vclab.1 \
		build/tools/index.json; do
		[ -e "$f" ] || { echo "install: $f missing: run make all man completion tools" >&2; exit 2; }
	done
	list=$(files)
	echo "$list" | while read -r mode src dest; do
		install -D -m "$mode" "$src" "$DESTDIR$dest"
		echo "  INSTALL $DESTDIR$dest"
	done
	echo "$list" | awk '{ print $3 }' >"$DESTDIR$manifest.tmp"
	echo "$manifest" >>"$DESTDIR$manifest.tmp"
	mv "$DESTDIR$manifest.tmp" "$DESTDIR$manifest"
	;;
uninstall)
	if [ ! -f "$DESTDIR$manifest" ]; then
		echo "uninstall: $DESTDIR$manifest not found: nothing installed at PREFIX=$PREFIX" >&2
		exit 2
	fi
	while read -r path; do
		[ "$path" = "$manifest" ] && continue
		rm -f "$DESTDIR$path"
		echo "  RM      $DESTDIR$path"
	done <"$DESTDIR$manifest"
	for f in $GUEST_FILES; do
		rm -f "$DESTDIR$libdir/guest/$f"
	done
	rm -f "$DESTDIR$manifest"
	# Only the folders vclab owns, and only when empty.
	for d in "$libdir/guest" "$libdir/tools/blobs/sha256" "$libdir/tools/blobs" "$libdir/tools" "$libdir" "$PREFIX/share/doc/vclab/examples" "$PREFIX/share/doc/vclab"; do
		rmdir "$DESTDIR$d" 2>/dev/null || true
	done
	;;
*)
	echo "usage: install.sh install|uninstall" >&2
	exit 2
	;;
esac
