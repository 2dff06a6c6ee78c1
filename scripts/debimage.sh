# Shared by the scripts that build OCI images offline from the host's
# Debian packages with umoci (tests/image/build-debsvc.sh,
# scripts/build-tools-image.sh). Sourced; the caller sets $dir (the OCI
# layout) and `set -eu`.

# start NAME FILE...: fail when a FILE the image needs is missing, make the
# scratch folder $work (removed on exit) and a new, empty OCI layout $dir.
start() {
	name=$1
	shift
	for f in "$@"; do
		[ -e "$f" ] || { echo "build-$name: $f missing (scripts/install-deps.sh, make all)" >&2; exit 1; }
	done
	work=$(mktemp -d "/tmp/vclab-$name.XXXXXX")
	trap 'rm -rf "$work"' EXIT INT TERM
	rm -rf "$dir"
	umoci init --layout "$dir"
}

# copy ROOT FILE...: each file and every library ldd lists for it, at the
# same path under ROOT (symlinks followed: the rootfs holds real files).
copy() {
	root=$1
	shift
	for f in "$@"; do
		cp -L --parents "$f" "$root"
		ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' |
			while read -r lib; do
				[ -e "$root$lib" ] || cp -L --parents "$lib" "$root"
			done
	done
}

# The files every image gets: users for nginx's workers, and name lookups
# answered from /etc/hosts only (python's http.server asks getfqdn()).
base() {
	root=$1
	mkdir -p "$root/etc" "$root/tmp" "$root/www"
	chmod 1777 "$root/tmp"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
		>"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	printf 'hosts: files\n' >"$root/etc/nsswitch.conf"
	printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
	echo "hello from vclab's service test" >"$root/www/index.html"
}

image() {
	tag=$1
	root=$2
	umoci new --image "$dir:$tag"
	umoci insert --image "$dir:$tag" "$root" / >/dev/null
}

