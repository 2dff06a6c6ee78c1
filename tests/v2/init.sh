#!/bin/busybox sh
# PID 1 of the cgroup v2 test guest (scripts/v2-guest.sh packs it as /init
# with a static busybox and the cloud kernel's modules). It builds a root
# from the host's root, shared read-only over virtiofs, with a tmpfs
# overlay for writes; mounts a pure cgroup v2 hierarchy (no v1 controller
# anywhere) on /sys/fs/cgroup; then runs tests/v2/inside.sh switched into
# that root, which writes its results to the "v2out" share. Everything it
# says goes to ttyS0, which the host keeps in build/v2/serial.log.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
say() { echo "v2-init: $*"; }
die() {
	say "FATAL: $*"
	echo "V2-GUEST-FATAL $*"
	poweroff -f
}
# Modules in the order modules.list gives (dependencies first).
while read -r m; do
	insmod "/lib/modules/$m" || die "insmod $m"
done </modules.list
mkdir -p /lower /rw /newroot /out
# virtiofs devices appear once virtio_pci probed them.
i=0
until mount -t virtiofs -o ro hostroot /lower 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || die "mount virtiofs hostroot"
	sleep 0.1
done
mount -t virtiofs v2out /out || die "mount virtiofs v2out"
mount -t tmpfs -o mode=755 rw /rw || die "mount tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
	die "mount overlay"
mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t devtmpfs dev /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /newroot/dev/pts
mount -t tmpfs shm /newroot/dev/shm
mount -t tmpfs tmp /newroot/tmp
mount -t tmpfs run /newroot/run
# The unified hierarchy straight on /sys/fs/cgroup, as systemd mounts it on
# a v2 host: no tmpfs of v1 mount points under it.
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /newroot/sys/fs/cgroup ||
	die "mount cgroup2"
mkdir -p /newroot/v2out
mount --bind /out /newroot/v2out
# The host's /etc/mtab is a link to /proc/self/mounts: nothing to fix.
hostname vclab-v2
ip link set lo up
dir=$(sed -n 's/.*v2dir=\([^ ]*\).*/\1/p' /proc/cmdline)
say "cgroup2 controllers: $(cat /newroot/sys/fs/cgroup/cgroup.controllers)"
say "running $dir/tests/v2/inside.sh"
# switch_root, not chroot: the overlay becomes the mount namespace's root,
# so the suites are not "in a chroot", where the kernel refuses
# CLONE_NEWUSER (EPERM; ctr's and runc's user-namespace modes need it).
# The new PID 1 is busybox's sh: it reaps the orphans the suites leave.
exec switch_root /newroot /bin/busybox sh -c "cd '$dir' && \
	{ tests/v2/inside.sh /v2out </dev/console >/dev/console 2>&1 & wait \$!; }; \
	echo \"V2-GUEST-EXIT \$?\" >/dev/console; sync; /bin/busybox poweroff -f"
