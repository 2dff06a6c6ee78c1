#!/bin/sh
# Start the services vclab needs (virtlogd, libvirtd; dockerd for the docker
# peer where docker.io is installed) and wait until their sockets answer.
# With systemd as PID 1 it asks systemd; without it (containers, these lab
# machines) it starts the daemons by hand.
set -eu

# The daemons started below live on after this script: they must not keep
# an fd of the caller's. `flock /tmp/vclab-heavy.lock scripts/services.sh`
# hands fd 3 down, and a libvirtd, virtlogd or dockerd holding it keeps the
# shared lock taken long after flock exits (seen here: every later flock
# waited forever). Closing them here is enough: flock itself holds the lock
# until this script ends.
exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-

SOCK=/run/libvirt/libvirt-sock

TIMEOUT=${VCLAB_SERVICES_TIMEOUT:-30}

if [ "$(id -u)" -ne 0 ]; then
	echo "services: must run as root to start libvirtd (CAP_SYS_ADMIN missing)" >&2
	exit 2
fi

answers() {
	[ -S "$SOCK" ] && timeout 5 virsh -c qemu:///system version >/dev/null 2>&1
}

# A daemon named NAME runs if its pid file names a live process of that
# name. /run may be a plain disk folder (it is on these lab machines), so a
# socket file or pid file alone may be left over from an earlier boot.
daemon_runs() {
	pidf=/run/$1.pid
	[ -f "$pidf" ] || return 1
	pid=$(cat "$pidf" 2>/dev/null) || return 1
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] || return 1
	# A zombie still has its name; a PID 1 that reaps late keeps it around.
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# virtlogd answers when its admin socket does.
virtlogd_answers() {
	daemon_runs virtlogd &&
		timeout 5 virt-admin -c virtlogd:///system server-list >/dev/null 2>&1
}

# Poll CHECK once a second for up to TIMEOUT seconds; else fail with WHAT.
wait_for() {
	i=0
	while ! "$1"; do
		i=$((i + 1))
		if [ "$i" -ge "$TIMEOUT" ]; then
			echo "services: $2 within ${TIMEOUT}s" >&2
			exit 1
		fi
		sleep 1
	done
}

DOCKER_SOCK=/var/run/docker.sock

docker_answers() {
	[ -S "$DOCKER_SOCK" ] &&
		timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# dockerd for the docker peer (ctr/engine.c), only where Debian's docker.io
# is installed. No systemd here: started by hand with no networking of its
# own (--bridge=none, --iptables=false: the peer's containers use
# --network none, and the host's firewall is left alone); it starts its own
# containerd. Found again by its pid file, never by name.
start_dockerd() {
	command -v dockerd >/dev/null 2>&1 || return 0
	if docker_answers; then
		echo "services: dockerd already answers on $DOCKER_SOCK"
		return 0
	fi
	if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
		systemctl start docker.service
	elif ! daemon_runs dockerd; then
		rm -f /run/dockerd.pid
		setsid dockerd --iptables=false --ip6tables=false --ip-forward=false \
			--ip-masq=false --bridge=none -p /run/dockerd.pid \
			</dev/null >>/var/log/vclab-dockerd.log 2>&1 &
	fi
	wait_for docker_answers "dockerd did not answer on $DOCKER_SOCK (see /var/log/vclab-dockerd.log)"
	echo "services: dockerd answers on $DOCKER_SOCK"
}

if answers && { [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] || virtlogd_answers; }; then
	echo "services: libvirtd already answers on qemu:///system"
	start_dockerd
	exit 0
fi

if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
	systemctl start virtlogd.socket libvirtd.socket libvirtd.service
else
	# virtlogd first: without it a domain create fails with
	# "Failed to connect socket to '/run/libvirt/virtlogd-sock'".
	# A socket file left by a virtlogd that is gone is removed first.
	if ! daemon_runs virtlogd; then
		rm -f /run/virtlogd.pid /run/libvirt/virtlogd-sock \
			/run/libvirt/virtlogd-admin-sock
		virtlogd -d
	fi
	wait_for virtlogd_answers "virtlogd did not answer on /run/libvirt/virtlogd-admin-sock"
	if ! answers; then
		# A stale pid file from a daemon that died would stop -d.
		if ! daemon_runs libvirtd; then
			rm -f /run/libvirtd.pid
		fi
		libvirtd -d
	fi
fi

wait_for answers "libvirtd did not answer on $SOCK"
echo "services: libvirtd answers on qemu:///system"
start_dockerd
