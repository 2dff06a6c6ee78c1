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
# The compatibility images (issue 26): each as its package installs it,
# run the way its container image would run it, in every placement.
#   DIR:web        nginx with the packaged default config, untouched: starts
#                  as root, listens on 80 and [::]:80, chowns its temp
#                  folders and hands its workers to www-data; logs to
#                  /var/log/nginx (the package's files)
#   DIR:web-stderr the same, with its log files linked to /dev/stdout and
#                  /dev/stderr as the official nginx image does
#   DIR:tcp        redis-server as nobody (65534), TCP only (ready by
#                  PING), all addresses, logging to /dev/stderr (reopened
#                  by a non-root uid)
#   DIR:pyapp      a small python3 application (the interpreter and its
#                  standard library) on [::]:8000, as nobody
# usage: build-debsvc.sh DIR
set -eu
dir=$1
. "$(dirname "$0")/../../scripts/debimage.sh"
start debsvc /usr/sbin/nginx /usr/bin/redis-server /usr/bin/python3.11 /etc/nginx/nginx.conf

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

# web: nginx exactly as nginx-light and nginx-common install it (their
# files from dpkg -L, what the maintainer scripts create: www-data, the log
# folder root:adm, the log files www-data:adm 0640, the default page), run
# as its official image runs it: as root, in the foreground.
pkgfiles() {
	dpkg -L "$@" | while read -r f; do
		case $f in /etc/init.d/*) continue ;; /etc/* | /usr/share/nginx/* | /usr/lib/nginx/* | /var/*) ;; *) continue ;; esac
		{ [ -f "$f" ] || [ -L "$f" ]; } && echo "$f"
	done
}
web() {
	r=$1
	base "$r"
	printf 'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n' >>"$r/etc/passwd"
	printf 'adm:x:4:\nwww-data:x:33:\n' >>"$r/etc/group"
	copy "$r" /usr/sbin/nginx $(pkgfiles libnginx-mod-http-echo | grep '\.so$')
	# Files and links as packaged (/usr/share/nginx/modules is a link to
	# /usr/lib/nginx/modules).
	for f in $(pkgfiles nginx-common libnginx-mod-http-echo | grep -v '\.so$'); do
		cp -P --parents "$f" "$r"
	done
	# The package's symlinks (sites-enabled/default, modules-enabled/*).
	cp -a /etc/nginx/sites-enabled /etc/nginx/modules-enabled "$r/etc/nginx/"
	mkdir -p "$r/var/lib/nginx" "$r/var/log/nginx" "$r/var/www/html" "$r/run"
	cp /usr/share/nginx/html/index.html "$r/var/www/html/index.nginx-debian.html"
	chown 0:4 "$r/var/log/nginx"
	for l in access error; do
		: >"$r/var/log/nginx/$l.log"
		chmod 0640 "$r/var/log/nginx/$l.log"
		chown 33:4 "$r/var/log/nginx/$l.log"
	done
}
web "$work/web"
image web "$work/web"
umoci config --image "$dir:web" --config.entrypoint /usr/sbin/nginx \
	--config.cmd -g --config.cmd 'daemon off;' --config.exposedports 80/tcp
r=$work/web-stderr
web "$r"
ln -sf /dev/stdout "$r/var/log/nginx/access.log"
ln -sf /dev/stderr "$r/var/log/nginx/error.log"
image web-stderr "$r"
umoci config --image "$dir:web-stderr" --config.entrypoint /usr/sbin/nginx \
	--config.cmd -g --config.cmd 'daemon off;' --config.exposedports 80/tcp

# tcp: redis-server as nobody on every address (IPv4 and, where there is
# one, IPv6), no persistence, its log on /dev/stderr.
r=$work/tcp
base "$r"
copy "$r" /usr/bin/redis-server
image tcp "$r"
umoci config --image "$dir:tcp" --config.entrypoint /usr/bin/redis-server \
	--config.cmd --port --config.cmd 6379 --config.cmd --bind --config.cmd '* -::*' \
	--config.cmd --save --config.cmd '' --config.cmd --appendonly --config.cmd no \
	--config.cmd --protected-mode --config.cmd no --config.cmd --logfile \
	--config.cmd /dev/stderr --config.exposedports 6379/tcp --config.user 65534:65534

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

# pyapp: a python3 application on the same interpreter rootfs: a WSGI app
# (wsgiref) that answers on [::]:8000 (IPv4 too), as nobody.
mkdir -p "$r/app"
cat >"$r/app/app.py" <<'EOF'
import socket
import sys
from wsgiref.simple_server import WSGIServer, make_server

hits = 0


def app(environ, start_response):
    global hits
    hits += 1
    body = ("%s %d\n" % (environ.get("PATH_INFO", "/"), hits)).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


class Server6(WSGIServer):
    address_family = socket.AF_INET6


print("pyapp: listening on [::]:8000", file=sys.stderr, flush=True)
make_server("::", 8000, app, server_class=Server6).serve_forever()
EOF
image pyapp "$r"
umoci config --image "$dir:pyapp" --config.entrypoint /usr/bin/python3 \
	--config.cmd /app/app.py --config.workingdir /app --config.exposedports 8000/tcp \
	--config.user 65534:65534
