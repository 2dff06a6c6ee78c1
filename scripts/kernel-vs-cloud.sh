#!/bin/sh
# The userspace-facing options Debian's cloud kernel has (=y or =m) and the
# micro guest kernel's .config lacks: the symbols defined in the Kconfig
# files of syscalls and general setup, file systems, IPC, /proc, networking
# (IPv4, IPv6, Unix sockets) and seccomp/security. docs/vm.md ("What the
# micro kernel leaves out") groups and explains this list.
#   usage: scripts/kernel-vs-cloud.sh [MICRO_CONFIG [CLOUD_CONFIG]]
# MICRO_CONFIG defaults to the newest build/kernel/*/config, CLOUD_CONFIG
# to the newest /boot/config-*-cloud-amd64. Needs build/kernel/src.
set -eu
cd "$(dirname "$0")/.."
micro=${1:-$(ls -t build/kernel/*/config 2>/dev/null | head -n 1)}
cloud=${2:-$(ls -t /boot/config-*-cloud-amd64 2>/dev/null | head -n 1)}
src=build/kernel/src
[ -r "$micro" ] || { echo "kernel-vs-cloud: no micro .config (make guest)" >&2; exit 2; }
[ -r "$cloud" ] || { echo "kernel-vs-cloud: no cloud kernel config in /boot" >&2; exit 2; }
[ -d "$src" ] || { echo "kernel-vs-cloud: $src missing (make guest unpacks it)" >&2; exit 2; }
for f in init/Kconfig fs/Kconfig fs/notify/Kconfig fs/notify/dnotify/Kconfig \
	fs/notify/inotify/Kconfig fs/notify/fanotify/Kconfig fs/proc/Kconfig \
	fs/ext4/Kconfig net/Kconfig net/ipv4/Kconfig net/ipv6/Kconfig net/unix/Kconfig \
	arch/Kconfig security/Kconfig; do
	grep -hE '^[[:space:]]*(menu)?config [A-Z0-9_]+' "$src/$f" | awk '{print $2}'
done | sort -u | while read -r s; do
	c=$(grep -E "^CONFIG_$s=" "$cloud" | cut -d= -f2 || true)
	m=$(grep -E "^CONFIG_$s=" "$micro" | cut -d= -f2 || true)
	case $c in y | m) [ -z "$m" ] && echo "$s=$c" ;; esac
done
