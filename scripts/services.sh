#!/bin/sh
# Start the services vclab needs (virtlogd, libvirtd) and wait until
# libvirt's socket answers. With systemd as PID 1 it asks systemd; without
# it (containers, these lab machines) it starts the daemons with -d.
set -eu

SOCK=/run/libvirt/libvirt-sock
TIMEOUT=${VCLAB_SERVICES_TIMEOUT:-30}

if [ "$(id -u)" -ne 0 ]; then
	echo "services: must run as root to start libvirtd (CAP_SYS_ADMIN missing)" >&2
	exit 2
fi

answers() {
	[ -S "$SOCK" ] && timeout 5 virsh -c qemu:///system version >/dev/null 2>&1
}

if answers; then
	echo "services: libvirtd already answers on qemu:///system"
	exit 0
fi

if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
	systemctl start virtlogd.socket libvirtd.socket libvirtd.service
else
	# virtlogd first: without it a domain create fails with
	# "Failed to connect socket to '/run/libvirt/virtlogd-sock'".
	if [ ! -S /run/libvirt/virtlogd-sock ]; then
		virtlogd -d
	fi
	if ! answers; then
		# A stale pid file from a daemon that died would stop -d.
		pidf=/run/libvirtd.pid
		if [ -f "$pidf" ] && ! kill -0 "$(cat "$pidf")" 2>/dev/null; then
			rm -f "$pidf"
		fi
		libvirtd -d
	fi
fi

i=0
while ! answers; do
	i=$((i + 1))
	if [ "$i" -ge "$TIMEOUT" ]; then
		echo "services: libvirtd did not answer on $SOCK within ${TIMEOUT}s" >&2
		exit 1
	fi
	sleep 1
done
echo "services: libvirtd answers on qemu:///system"
