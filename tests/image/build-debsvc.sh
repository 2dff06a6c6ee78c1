#!/bin/sh
# Build OCI images of real services offline, from the files of the host's
# Debian packages (nginx-light, redis-server, python3-minimal; installed by
# scripts/install-deps.sh), with umoci only: each binary, the shared
# libraries ldd names (and the loader), and the few files it needs.
#   DIR:nginx     /usr/sbin/nginx, a master and 2 workers as nobody, port 8080, /www
#   DIR:redis     /usr/bin/redis-server, port 6379 (ready by PING -> +PONG)
#   DIR:python    python3 -m http.server 8000 with the whole stdlib (~50 MB)
#   DIR:badarch   the nginx image marked arm64 (refused on this host)
#   DIR:silent    nginx whose Cmd makes it listen on 8081, not the 8080 it
#                 exposes (a port the service never opens)
# usage: build-debsvc.sh DIR
set -eu
dir=$1
for f in /usr/sbin/nginx /usr/bin/redis-server /usr/bin/python3.11; do
	[ -x "$f" ] || { echo "build-debsvc: $f missing (scripts/install-deps.sh)" >&2; exit 1; }
done
work=$(mktemp -d /tmp/vclab-debsvc.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

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

rm -rf "$dir"
umoci init --layout "$dir"

# nginx: master + 2 workers, everything it writes under /tmp.
r=$work/nginx
base "$r"
copy "$r" /usr/sbin/nginx
mkdir -p "$r/etc/nginx" "$r/var/log/nginx" "$r/var/lib/nginx" "$r/run"
# Its master runs as nobody (the image's User): vclab's ctr and runc give a
# container no capabilities, so a root master could not setgid() its
# workers to another user; unprivileged, nginx switches no user at all.
cat >"$r/etc/nginx/nginx.conf" <<'EOF'
worker_processes 2;
daemon off;
master_process on;
pid /tmp/nginx.pid;
error_log stderr notice;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path /tmp/nginx-body;
	proxy_temp_path /tmp/nginx-proxy;
	fastcgi_temp_path /tmp/nginx-fastcgi;
	uwsgi_temp_path /tmp/nginx-uwsgi;
	scgi_temp_path /tmp/nginx-scgi;
	server { listen 8080; root /www; }
}
EOF
image nginx "$r"
umoci config --image "$dir:nginx" --config.entrypoint /usr/sbin/nginx \
	--config.cmd -c --config.cmd /etc/nginx/nginx.conf --config.exposedports 8080/tcp \
	--config.user 65534:65534
umoci config --image "$dir:nginx" --tag badarch --architecture arm64
sed 's/listen 8080/listen 8081/' "$r/etc/nginx/nginx.conf" >"$r/etc/nginx/silent.conf"
image silent "$r"
umoci config --image "$dir:silent" --config.entrypoint /usr/sbin/nginx \
	--config.cmd -c --config.cmd /etc/nginx/silent.conf --config.exposedports 8080/tcp \
	--config.user 65534:65534

# redis-server: no persistence, loopback only.
r=$work/redis
base "$r"
copy "$r" /usr/bin/redis-server
image redis "$r"
umoci config --image "$dir:redis" --config.entrypoint /usr/bin/redis-server \
	--config.cmd --port --config.cmd 6379 --config.cmd --bind --config.cmd 127.0.0.1 \
	--config.cmd --save --config.cmd '' --config.cmd --appendonly --config.cmd no \
	--config.cmd --protected-mode --config.cmd no --config.exposedports 6379/tcp

# python3 -m http.server: the interpreter and its whole standard library.
r=$work/python
base "$r"
copy "$r" /usr/bin/python3.11
mkdir -p "$r/usr/lib"
cp -a /usr/lib/python3.11 "$r/usr/lib/"
rm -rf "$r/usr/lib/python3.11/test" "$r/usr/lib/python3.11/dist-packages"
for so in /usr/lib/python3.11/lib-dynload/*.so; do
	copy "$r" "$so"
done
ln -s python3.11 "$r/usr/bin/python3"
image python "$r"
umoci config --image "$dir:python" --config.entrypoint /usr/bin/python3 \
	--config.cmd -m --config.cmd http.server --config.cmd 8000 \
	--config.cmd --bind --config.cmd 127.0.0.1 --config.workingdir /www \
	--config.exposedports 8000/tcp
