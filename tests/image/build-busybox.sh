#!/bin/sh
# Build an OCI layout of busybox httpd offline, from the busybox-static
# package's file, with umoci only (issue 14's test image):
#   DIR:latest    Entrypoint /bin/httpd, Cmd -f -p 8080 -h /www, ExposedPorts 8080/tcp
#   DIR:noentry   no Entrypoint and no Cmd
#   DIR:missing   Entrypoint /bin/nothere (not in the rootfs)
#   DIR:noport    no ExposedPorts
#   DIR:shell     /bin/sh -c 'httpd ...': a wrapper and its child (process tree)
# usage: build-busybox.sh DIR
set -eu
dir=$1
bb=/bin/busybox
[ -x "$bb" ] || { echo "build-busybox: $bb missing (apt-get install busybox-static)" >&2; exit 1; }
work=$(mktemp -d /tmp/vclab-bbimg.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/bin" "$work/www"
cp "$bb" "$work/bin/busybox"
ln -s busybox "$work/bin/httpd"
ln -s busybox "$work/bin/sh"
echo "hello from busybox httpd" >"$work/www/index.html"
rm -rf "$dir"
umoci init --layout "$dir"
umoci new --image "$dir:latest"
umoci insert --image "$dir:latest" "$work/bin" /bin >/dev/null
umoci insert --image "$dir:latest" "$work/www" /www >/dev/null
umoci config --image "$dir:latest" --tag noentry --config.workingdir /www
umoci config --image "$dir:latest" --tag noport --config.entrypoint /bin/httpd \
	--config.cmd -f --config.cmd -p --config.cmd 8080 --config.cmd -h --config.cmd /www
umoci config --image "$dir:latest" --tag missing --config.entrypoint /bin/nothere \
	--config.exposedports 8080/tcp
umoci config --image "$dir:latest" --tag shell --config.entrypoint /bin/sh \
	--config.cmd -c --config.cmd 'httpd -f -p 8080 -h /www' --config.exposedports 8080/tcp
umoci config --image "$dir:latest" --config.entrypoint /bin/httpd \
	--config.cmd -f --config.cmd -p --config.cmd 8080 --config.cmd -h --config.cmd /www \
	--config.exposedports 8080/tcp --config.env GREETING=hello
