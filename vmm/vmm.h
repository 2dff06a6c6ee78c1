/* SPDX-License-Identifier: MIT */
#ifndef VCL_VMM_H
#define VCL_VMM_H

/*
 * The VM placement: one transient libvirt domain per instance (vm), and the
 * same guest started by a plain fork/exec of QEMU (qemu-direct), so the
 * libvirt tax can be measured in the same run.
 *
 * Split as everywhere in vclab: the pure part (domain XML, kernel command
 * line, QEMU argv, console scanning) has no side effects and is unit-tested
 * without root (tests/unit/test_vmxml.c); vm.c, qemu_direct.c, guest.c and
 * kvm.c touch the host.
 */

#include <libvirt/libvirt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/backend.h"
#include "core/error.h"

#define VCL_VM_DEFAULT_URI "qemu:///system"
/* The micro guest (vmm/guest-kernel/micro.config, no modules, a 1.6 MiB
 * initramfs) boots and serves in far less; 128 MiB leaves the payload and a
 * user's small service room. */
#define VCL_VM_DEFAULT_MEM_MIB 128
/* TCG translation-block cache. QEMU 7.2 defaults to 1 GiB in system mode;
 * only touched pages cost host memory, but a bounded cache keeps the
 * per-VM figure honest and comparable between runs. Sized for the micro
 * guest (`info jit` after READY): its boot generates ~19 MiB of host code,
 * so 8 MiB flushes twice and generates ~24 MiB in all, 16 MiB flushes once
 * for ~23 MiB: the same translation work (boot code runs once), and every
 * cache page is touched, so 8 MiB costs 9 MiB less PSS per VM (Pss_Anon
 * 44.5 against 53.4 MiB). */
#define VCL_VM_TB_CACHE_MIB 8
/* qboot (Debian's qemu-system-data): a minimal firmware that jumps
 * straight to -kernel, ~300 ms less than SeaBIOS under TCG
 * (docs/vm.md). Both paths get it from the same vcl_vm_opts. */
#define VCL_VM_FIRMWARE_QBOOT "/usr/share/qemu/qboot.rom"
/* Port the payload listens on inside the guest. */
#define VCL_VM_GUEST_PORT 80
/* Where libvirt's QEMU (user libvirt-qemu) can read kernel and initramfs. */
#define VCL_VM_IMAGE_ROOT "/var/lib/libvirt/images"

/* Most virtio-blk disks one machine definition carries (vda..vde: a
 * pod's two more images and a data disk). */
#define VCL_VM_MAX_DISKS 5
/* PCI slot of the first disk (vda), the n-th at +n, fixed in both
 * definitions. The user-mode virtio-net comes from <qemu:commandline>,
 * which libvirt puts before its own devices, and takes the first free
 * slot (2): libvirt's own choice for a disk would collide with it. */
#define VCL_VM_DISK_SLOT 4

enum vcl_vm_disk_format {
	VCL_VM_DISK_RAW = 0,
	VCL_VM_DISK_QCOW2,
};

/*
 * One virtio-blk disk of the machine, the same in the domain XML and the
 * qemu-direct argv. The n-th disk is vd<a+n> in the guest (/dev/vda first),
 * in PCI slot VCL_VM_DISK_SLOT + n. Read-only disks may be shared by many guests at once
 * (a cached image): libvirt is told not to relabel them (seclabel
 * relabel='no'), so their file must be readable by libvirt's QEMU user
 * (mode 0644 under world-searchable folders). Writable disks are labelled
 * by libvirt for the domain's life as usual.
 */
struct vcl_vm_disk {
	const char *path; /* absolute path of the image file */
	enum vcl_vm_disk_format format;
	bool readonly;
	/* QEMU opens the host file O_DIRECT, bypassing the host's page cache:
	 * libvirt's cache='none' (-blockdev cache.direct=on). Else the
	 * hypervisor's default, writeback. */
	bool host_direct;
};

/* The two VM profiles (docs/vm.md lists every difference):
 *   micro  placement vm, peer qemu-direct: pc without ACPI, qboot, the micro
 *          PVH kernel and a tiny initramfs whose init runs the payload;
 *   iaas   placement vm-iaas, peer qemu-direct-iaas: q35 with ACPI, SeaBIOS,
 *          Debian's cloud kernel and its initrd, a minimal Debian root disk
 *          (build/guest-iaas, `make guest-iaas`) booting systemd, which
 *          runs the payload as a unit. */
enum vcl_vm_profile {
	VCL_VM_PROFILE_MICRO = 0,
	VCL_VM_PROFILE_IAAS,
};
/* iaas defaults: a cloud kernel, initrd, udev and systemd need more guest
 * RAM than the micro guest and generate far more TCG code. */
#define VCL_VM_IAAS_MEM_MIB	 256
#define VCL_VM_IAAS_TB_CACHE_MIB 32

enum vcl_vm_net {
	VCL_VM_NET_USER = 0, /* QEMU user-mode (slirp), one host port forward on 127.0.0.1 */
	VCL_VM_NET_NETWORK,  /* a libvirt network (bridge), address from its DHCP lease */
};

/* Everything that varies between domains. Strings are borrowed. */
struct vcl_vm_opts {
	const char *name;      /* vclab-<run>-<n>: [A-Za-z0-9._-]+ */
	const char *machine;   /* "pc" (micro) or "q35" (iaas); NULL = "pc" */
	bool acpi;	       /* ACPI tables (iaas); micro has none */
	bool kvm;	       /* domain type kvm (-accel kvm); else qemu (TCG) */
	unsigned tb_cache_mib; /* TCG only; 0 = QEMU's default */
	uint64_t mem_mib;
	unsigned vcpus;
	const char *cpuset;   /* pin vCPUs and emulator threads here; NULL or "" = no pinning */
	const char *firmware; /* ROM for <loader type='rom'> / -bios; NULL = QEMU's SeaBIOS */
	const char *kernel;   /* vmlinux (PVH entry) or a bzImage */
	const char *initrd;
	const char *cmdline;
	const char *serial_path; /* serial console to this file; NULL = a pty (console stream) */
	enum vcl_vm_net net;
	const char *network;   /* libvirt network name, VCL_VM_NET_NETWORK */
	const char *host_addr; /* user-mode forward: host side, must be in 127.0.0.0/8 */
	uint16_t host_port;
	uint16_t guest_port;
	struct vcl_vm_disk disks[VCL_VM_MAX_DISKS];
	unsigned ndisks;
};

/* Pure: append a disk to o (paths borrowed). USAGE error when o already
 * has VCL_VM_MAX_DISKS; the path is checked with the rest of the opts. */
int vcl_vm_opts_add_disk(struct vcl_vm_opts *o, const char *path, enum vcl_vm_disk_format format,
			 bool readonly, struct vcl_error **err);

/*
 * Pure: the options both ways of booting share (vm through libvirt and the
 * qemu-direct peer), from the spec: the same accelerator, TCG cache, memory,
 * vCPUs, pinning, kernel, initramfs, command line and 127.0.0.1 forward, so
 * the libvirt tax is all the two differ by. Networking is user-mode; the
 * caller sets serial_path, and net/network for a libvirt network.
 */
struct vcl_spec;
void vcl_vm_opts_from_spec(struct vcl_vm_opts *o, const struct vcl_spec *spec, const char *name,
			   const char *kernel, const char *initrd, const char *cmdline,
			   uint16_t host_port);

/*
 * Pure: turn micro options (vcl_vm_opts_from_spec) into those of profile p.
 * iaas: q35 with ACPI, QEMU's SeaBIOS (firmware NULL), 256 MiB unless
 * --vm-mem-mib says otherwise, a 32 MiB TCG cache. micro: unchanged.
 */
void vcl_vm_opts_profile(struct vcl_vm_opts *o, const struct vcl_spec *spec, enum vcl_vm_profile p);

/*
 * Pure: the transient domain XML for o, in *out (caller frees). Direct
 * kernel boot, no firmware menu, no USB, no balloon, no graphics, one
 * serial console, on_reboot/poweroff/crash=destroy (a guest panic ends the
 * domain at once), vCPUs and emulator pinned to o->cpuset. User-mode
 * networking is passed through <qemu:commandline> because libvirt 9.0 has
 * no restrict=on for <interface type='user'>.
 */
int vcl_vm_domain_xml(const struct vcl_vm_opts *o, char **out, struct vcl_error **err);

/*
 * Pure: the qemu-system-x86_64 argv that boots the same guest with the same
 * accelerator, memory, vCPUs, TCG cache, devices and forward as the domain
 * XML, for the qemu-direct peer. NULL-terminated; free with vcl_strvfreep.
 * argv[0] is qemu_bin. Pinning is not in argv (the launcher sets affinity).
 */
int vcl_vm_qemu_argv(const struct vcl_vm_opts *o, const char *qemu_bin, char ***out,
		     struct vcl_error **err);

/* Pure: the guest kernel command line (console, quiet boot, instance name
 * and port for vclab-init; dhcp: vclab.ip=dhcp, for libvirt networks, else
 * init's static slirp address). Fails when name has characters the kernel
 * command line cannot carry. */
int vcl_vm_kernel_cmdline(const char *name, uint16_t guest_port, bool dhcp, char *buf, size_t len,
			  struct vcl_error **err);

/*
 * The user's service in a guest (docs/vm.md, "The user's service"). Two
 * read-only disks: vda is the image's rootfs as ext4 (image/disk.c, one
 * per digest), vdb the service description below, a few hundred bytes
 * written per run. The kernel command line only says "vclab.svc=vdb":
 * it is size-limited (COMMAND_LINE_SIZE) and space-separated, and argv
 * and env are neither.
 *
 * The description, read by vclab-init from /dev/vdb:
 *   "VCLAB-SVC 1\n", then NUL-terminated "key=value" records (port=,
 *   uid=, gid=, cwd=, then arg= in argv order and env= in envp order,
 *   then fsgroup= and group= (supplementary groups), and each pod volume
 *   as vol=<e|f><r|w> SIZE TARGET followed by its files, file=MODE PATH
 *   (octal mode) then data=BYTES),
 *   ended by an empty record; zero-padded to whole 4 KiB blocks.
 * Values may hold any byte but NUL (a newline in an env value too).
 * A pod (svc->pod) goes on after the main container's records: each other
 * container from a "ctr=NAME" record, then disk=vdX (its rootfs disk:
 * vda for the main one's image, else vdc or vdd), init=1 for an init
 * container, and its own uid=, gid=, cwd=, arg= and env= records.
 */
#define VCL_VM_SVC_MAGIC   "VCLAB-SVC 1\n"
#define VCL_VM_SVC_MAX	   65536
#define VCL_VM_SVC_CMDLINE " vclab.svc=vdb"
/* Disks beside vda and vdb for a pod's other images (VCL_VM_MAX_DISKS). */
#define VCL_VM_POD_DISKS 2

/* Pure: the service description of svc in *out (caller frees), *len a
 * multiple of 4096. USAGE error when it exceeds VCL_VM_SVC_MAX or svc
 * has no argv. */
/* disks: one letter per svc->pod member, its disk (NULL: all 'a'). */
int vcl_vm_svc_config(const struct vcl_svc_spec *svc, const char *disks, char **out, size_t *len,
		      struct vcl_error **err);

/* Pure: turn the payload guest of o (and its kernel command line in
 * cmdline, of size len) into the service's: its two disks, the forward
 * to the service's port, "vclab.svc=vdb" on the command line. The same
 * call for vm and qemu-direct: one machine definition. */
int vcl_vm_svc_opts(struct vcl_vm_opts *o, const struct vcl_svc_spec *svc, const char *disk,
		    const char *config, char *cmdline, size_t len, struct vcl_error **err);

/* Pure: the iaas guest's kernel command line: root on the first virtio
 * disk (/dev/vda, read-write through the instance's overlay), a quiet
 * serial console, no fsck, and the name and port the payload unit reads. */
int vcl_vm_iaas_cmdline(const char *name, uint16_t guest_port, char *buf, size_t len,
			struct vcl_error **err);

/* Pure: parse --vm-net ("user", "network:NAME"); *network points into s. */
int vcl_vm_parse_net(const char *s, enum vcl_vm_net *net, const char **network,
		     struct vcl_error **err);

/* Pure: true when uri names the local host's libvirtd (no host part), so
 * local paths (serial log, pid file, image copies) mean something. */
bool vcl_vm_uri_is_local(const char *uri);

/* Pure: does console text hold a complete "VCLAB-READY ..." line? Returns
 * the offset just past that line, or 0. */
size_t vcl_vm_scan_ready(const char *buf, size_t len);

/*
 * Pure: parse one console line (no '\n') written by the guest's init as
 * the first thing it does:
 *
 *   VCLAB-INIT boottime_us=<CLOCK_BOOTTIME at /init start, microseconds>
 *
 * CLOCK_BOOTTIME is the kernel's own boot clock (what /proc/uptime shows),
 * so the value is the guest-measured kernel phase, from the kernel's clock
 * origin to /init. 1 and *boottime_us set when line is such a line, else 0.
 */
int vcl_vm_parse_init_line(const char *line, size_t len, uint64_t *boottime_us);

/* Pure: the value of " KEY=<digits>" later on such a line (the iaas
 * guest's unit adds init_us=, the kernel's "Run /init" on the same clock
 * as boottime_us). 1 and *v set when present and well-formed, else 0. */
int vcl_vm_parse_init_field(const char *line, size_t len, const char *key, uint64_t *v);

/*
 * Pure: the guest boot phases of one VM launch on the host's clock.
 *   start     host time just before the create call
 *   init_seen host time the VCLAB-INIT line was read from the console
 *   boottime_us  the guest's boot clock on that line
 *   init_us   the guest's clock when /init started (micro: = boottime_us,
 *             the line is init's first act; iaas: the kernel's "Run /init")
 * Sets *kernel_entry = init_seen - boottime_us (the host time the guest's
 * clock started, taken as kernel entry) and *init = kernel_entry +
 * init_us. Returns false (and sets nothing) when the figures are
 * inconsistent: a guest clock longer than the whole launch means the
 * anchor cannot be trusted, and /init cannot start after the line.
 */
bool vcl_vm_boot_anchor(uint64_t start, uint64_t init_seen, uint64_t boottime_us, uint64_t init_us,
			uint64_t *kernel_entry, uint64_t *init);

/* ---- host side (guest.c) ---- */

/* Absolute path of build/guest/<file>: $VCLAB_GUEST_DIR, else next to the
 * running binary (bin/ or build/tests/). ENV error naming `make guest` when
 * absent. */
int vcl_vmm_guest_file(const char *file, char **out, struct vcl_error **err);
/* The iaas image (`make guest-iaas`): build/guest-iaas/{vmlinuz,
 * initrd.img,root.ext4}, or $VCLAB_GUEST_IAAS_DIR, real paths (the build
 * folder holds symlinks into its cache). Any out may be NULL (probe). ENV
 * error naming `make guest-iaas` when absent. */
int vcl_vmm_iaas_image(char **kernel, char **initrd, char **disk, struct vcl_error **err);
/* The instance's root disk: dir/root.qcow2 (*path, caller frees), a qcow2
 * overlay backed by the raw image backing (qemu-img create), recorded in
 * the ledger ("file") before it exists, and added to o as its first,
 * writable disk (/dev/vda). The image itself is never written. */
struct vcl_vm_opts;
int vcl_vmm_root_overlay(struct vcl_ledger *ledger, struct vcl_vm_opts *o, const char *backing,
			 const char *dir, char **path, struct vcl_error **err);

/* The guest kernel of the image: build/guest/vmlinux (the micro kernel,
 * `make guest`), else build/guest/vmlinuz (GUEST_KERNEL=cloud make guest).
 * build-guest.sh leaves only one of them. */
int vcl_vmm_guest_kernel(char **out, struct vcl_error **err);

/* A free TCP port on 127.0.0.1 (bind port 0, read, close). Another process
 * may take it before QEMU binds it: launchers report "address in use"
 * clearly rather than hiding the race. */
int vcl_vmm_free_port(uint16_t *port, struct vcl_error **err);
/* The host side of an instance's forward: spec->vm_host_port + index when
 * the user fixed a base (--vm-host-port), else a free port. */
int vcl_vmm_host_port(const struct vcl_spec *spec, uint16_t *port, struct vcl_error **err);

/* Watches one serial log file for the READY line, event-driven: an inotify
 * watch on the file's folder (the file may be created, truncated or
 * appended by QEMU or virtlogd), and reads only the new bytes. */
struct vcl_serial_watch {
	int ifd;	/* inotify fd: the instance's ready_fd */
	char *path;	/* the log file */
	off_t off;	/* bytes consumed */
	char tail[256]; /* last console line, for error messages */
	size_t tail_len;
	char pending[256]; /* a line not yet terminated */
	size_t pending_len;
	uint64_t init_seen;   /* host time the VCLAB-INIT line was read; 0 = not yet */
	uint64_t boottime_us; /* the guest's boot clock on that line */
	uint64_t init_us;     /* /init's start on that clock (= boottime_us without init_us=) */
};
/* Make dir (mode 0755) and start watching dir/serial.log. */
int vcl_serial_watch_init(struct vcl_serial_watch *w, const char *dir, struct vcl_error **err);
/* Drain events, read new bytes: 1 = READY seen, 0 = not yet. */
int vcl_serial_watch_check(struct vcl_serial_watch *w, struct vcl_error **err);
/* Fill inst->t.kernel and .init from the VCLAB-INIT line, when one was
 * seen and its anchor holds (vcl_vm_boot_anchor); else leave them 0. */
void vcl_serial_watch_phases(const struct vcl_serial_watch *w, struct vcl_phases *t);
/* Last console line seen (possibly ""), for messages. */
const char *vcl_serial_watch_last(struct vcl_serial_watch *w);
/* Close the fd (unless taken), free the path. */
void vcl_serial_watch_free(struct vcl_serial_watch *w);

/* The files of the user's service for a guest, in dir (made, 0755): the
 * service description (dir/service.vdb) and the rootfs disk. place: put
 * the disk in dir too (a hard link to the cached disk, else a copy), for
 * libvirt's QEMU user, which may not reach the cache; else *disk is the
 * cached disk itself. A pod's other images go to pod_disk[] the same way
 * (rootfs-c.ext4, rootfs-d.ext4), one disk per distinct image (a USAGE
 * error beyond VCL_VM_POD_DISKS). Errors name the service. */
int vcl_vmm_svc_files(struct vcl_ledger *ledger, const struct vcl_svc_spec *svc, const char *dir,
		      bool place, char **disk, char **config, char *pod_disk[VCL_VM_POD_DISKS],
		      struct vcl_error **err);
/* Copy src to dst (mode 0644). */
int vcl_vmm_copy_file(const char *src, const char *dst, struct vcl_error **err);

/* Boot the guest image with plain QEMU under accel ("kvm" or "tcg") and
 * wait at most timeout_ms for its READY line. dhcp: the guest takes its
 * address from slirp's DHCP server (tests init's DHCP client). 1 = booted,
 * 0 = not (why says what happened), <0 = could not even try. Leaves no
 * process (its QEMU is recorded in ledger, which may be NULL). */
int vcl_vmm_boot_check(struct vcl_ledger *ledger, const char *accel, bool dhcp, unsigned timeout_ms,
		       char *why, size_t whylen, struct vcl_error **err);

/* ---- the guest: one description for vm and qemu-direct ---- */

/*
 * One VM guest, resolved once per run (prepare) and shared by both ways of
 * booting it, vm through libvirt and the qemu-direct peer, in either
 * profile: what the machine boots and the run folder holding it.
 * vcl_vm_guest_prepare() makes it, vcl_vm_guest_free() drops it, and every
 * instance's machine comes from it through vcl_vm_machine_init(), the one
 * place a profile becomes options. Paths are absolute and owned.
 */
struct vcl_vm_guest {
	enum vcl_vm_profile profile;
	char *dir;	/* the run's folder, instance folders below it; NULL = none (remote) */
	bool made;	/* dir is this run's (in the ledger): free removes it */
	char *kernel;	/* vmlinux (PVH) or a bzImage */
	char *initrd;	/* the micro initramfs, or the iaas initrd */
	char *disk;	/* iaas: the root image every instance's overlay is backed by */
	char *svc_disk; /* the user's service: its rootfs disk, read-only (vda) */
	char *svc_cfg;	/* and its description (vdb); both NULL without a service */
	/* A pod whose containers use other images: their disks (vdc, vdd). */
	char *pod_disk[VCL_VM_POD_DISKS];
};

/* Pure: the paths src's kernel, initrd and iaas root image take when put
 * in dir (libvirt's QEMU user may not reach the build tree): the kernel
 * keeps its file name (vmlinux or vmlinuz: the copy says which kernel the
 * domain boots), the initrd is initramfs.cpio.gz (micro) or initrd.img
 * (iaas), the root image root.ext4. out is filled from scratch (profile,
 * dir and those three; made false); free it with vcl_vm_guest_free. */
int vcl_vm_guest_placed(const struct vcl_vm_guest *src, const char *dir, struct vcl_vm_guest *out,
			struct vcl_error **err);

/*
 * The guest of profile p for this run. iaas: kernel, initrd and root image
 * from `make guest-iaas`, whatever --kernel/--initrd say; micro:
 * spec->kernel and spec->initrd, else build/guest's. dir NULL: those paths
 * as they are (a remote libvirtd reads them on its host), no service.
 * Else dir is recorded in the ledger and made, and the service's files go
 * there; place: kernel, initrd, root image and service disk are put in dir
 * too (vcl_vm_guest_placed; the root image and service disk hard-linked
 * when the file system allows). On failure g is freed.
 */
int vcl_vm_guest_prepare(struct vcl_vm_guest *g, enum vcl_vm_profile p, const struct vcl_spec *spec,
			 const char *dir, bool place, struct vcl_error **err);
/* Free g's strings and, when made, remove its folder; g is zeroed (its
 * profile kept). Safe on a zeroed or half-made g. */
void vcl_vm_guest_free(struct vcl_vm_guest *g);

/*
 * One instance of a guest: its machine definition (the options that feed
 * both the domain XML and the QEMU argv, and the command line they point
 * at) and, where the guest has a folder, the instance's own below it: the
 * serial console and, iaas, the root overlay. Lives in the instance's
 * private data and must not move: o points into it.
 */
struct vcl_vm_machine {
	struct vcl_vm_opts o;
	char cmdline[512];
	char *dir;		    /* guest dir/<name>; NULL when the guest has none */
	struct vcl_serial_watch sw; /* the console in dir (have_sw), else sw.ifd -1 */
	bool have_sw;
	char *overlay; /* iaas: dir/root.qcow2, the instance's writable root */
	char *data;    /* dir/data.raw: the service's data disk, or NULL */
};

/*
 * Pure: the machine of instance name of guest g: the kernel command line of
 * g's profile (micro: the payload's or the service's port, vclab.ip=dhcp on
 * a libvirt network; iaas: root on vda), the options from spec and the
 * profile, the network, and the user's service (its disks and
 * "vclab.svc=vdb"). host_port: the 127.0.0.1 forward (user-mode). USAGE
 * error for an iaas guest on a libvirt network. m is reset first, so
 * vcl_vm_machine_free is safe after any failure.
 */
int vcl_vm_machine_init(struct vcl_vm_machine *m, const struct vcl_vm_guest *g,
			const struct vcl_spec *spec, const char *name, uint16_t host_port,
			enum vcl_vm_net net, const char *network, struct vcl_error **err);
/* Pure: the host's end of m's user-mode forward (o.host_addr:host_port),
 * where the instance is reached. */
void vcl_vm_machine_endpoint(const struct vcl_vm_machine *m, struct vcl_endpoint *ep);
/* The data disk of a service's volume on the host's disk (the resource
 * scenarios' /scratch): dir/data.raw, VCL_VM_DATA_DISK_BYTES sparse, an
 * ext4 made by mkfs.ext4, recorded in ledger before it exists and removed
 * with dir; added to o writable with host_direct, its path in *path. */
#define VCL_VM_DATA_DISK_BYTES (256LL << 20)
int vcl_vmm_data_disk(struct vcl_ledger *ledger, struct vcl_vm_opts *o, const char *dir,
		      char **path, struct vcl_error **err);
/* Pure: the data disk's letter (vd<letter>), after vda, vdb and a pod's
 * images (pod_letters: vcl_vm_svc_config's disks). */
char vcl_vm_data_disk_letter(const char *pod_letters);

/* The instance's folder below g's, when g has one: the serial console
 * watch there (m->o.serial_path; a service's log is that console, in
 * inst->log_path) and, iaas, the root overlay as the first disk, recorded
 * in ledger. Made before t0: the same for both ways of booting. */
int vcl_vm_machine_files(struct vcl_vm_machine *m, const struct vcl_vm_guest *g,
			 struct vcl_ledger *ledger, struct vcl_instance *inst,
			 struct vcl_error **err);
/* Close the console watch (unless it is inst's ready_fd, which the instance
 * closes), remove the instance's folder, free. */
void vcl_vm_machine_free(struct vcl_vm_machine *m, const struct vcl_instance *inst);

/* Sample an instance's QEMU (inst->pid) and the cgroup holding it (cg,
 * NULL: none, for no_cg's reason). Errors name the instance; no_pid says
 * why there is no pid. */
struct vcl_cgroup;
struct vcl_mem;
int vcl_vmm_sample_qemu(const struct vcl_instance *inst, struct vcl_cgroup *cg, const char *no_pid,
			const char *no_cg, struct vcl_mem *mem, struct vcl_error **err);

/* ops->destroy of a VM backend: release (kill QEMU or destroy the domain,
 * remove what the instance made; inst->priv is set) and free the rest.
 * Safe on NULL and on a half-made instance. */
int vcl_vmm_destroy(struct vcl_instance *inst,
		    int (*release)(struct vcl_instance *inst, struct vcl_error **err),
		    struct vcl_error **err);

/*
 * A VM backend on the launch skeleton (core/launch.h): its hooks,
 * prefix_hooks, over struct prefix_priv (fresh as prefix_priv_init) with
 * prefix_setup, prefix_start and prefix_finish, record_pid as given; the
 * undo, prefix_release with its errors dropped (the launch is already
 * failing); and ops->destroy, prefix_destroy: prefix_release, then free.
 * prefix_release(inst, err) drops all the instance holds but its private
 * data itself, and copes with a half-made instance.
 */
#define VCL_VM_LAUNCH_HOOKS(prefix, pid)                                                           \
	static void prefix##_undo(struct vcl_launch *l, struct vcl_error **err)                    \
	{                                                                                          \
		(void)err;                                                                         \
		prefix##_release(l->inst, NULL);                                                   \
	}                                                                                          \
	static int prefix##_destroy(struct vcl_instance *inst, struct vcl_error **err)             \
	{                                                                                          \
		return vcl_vmm_destroy(inst, prefix##_release, err);                               \
	}                                                                                          \
	static const struct vcl_launch_hooks prefix##_hooks = {                                    \
	    .priv_size = sizeof(struct prefix##_priv),                                             \
	    .priv_init = &prefix##_priv_init,                                                      \
	    .setup = prefix##_setup,                                                               \
	    .start = prefix##_start,                                                               \
	    .record_pid = (pid),                                                                   \
	    .finish = prefix##_finish,                                                             \
	    .undo = prefix##_undo,                                                                 \
	};

/*
 * One profile of a VM backend (vm, vm-iaas, qemu-direct, qemu-direct-iaas):
 * the ops' entry points prefix_prepare, prefix_launch and prefix_cleanup,
 * thin glue over the backend's run_prepare, run_launch and run_free. The
 * run's context is a struct type (whose first members are ops and guest),
 * allocated by prefix_prepare with the backend's ops and the profile prof
 * set, filled by run_prepare (which leaves nothing made when it fails),
 * undone and freed by run_free through prefix_cleanup.
 */
#define VCL_VM_PROFILE_RUN(prefix, type, backend, prof)                                            \
	static int prefix##_prepare(const struct vcl_spec *spec, void **ctx,                       \
				    struct vcl_error **err)                                        \
	{                                                                                          \
		struct type *g = calloc(1, sizeof(*g));                                            \
                                                                                                   \
		if (g == NULL)                                                                     \
			return vcl_fail(err, ENOMEM, "Prepare %s", (backend).name);                \
		g->ops = &(backend);                                                               \
		g->guest.profile = (prof);                                                         \
		if (run_prepare(g, spec, err) < 0) {                                               \
			free(g);                                                                   \
			return -1;                                                                 \
		}                                                                                  \
		*ctx = g;                                                                          \
		return 0;                                                                          \
	}                                                                                          \
	static void prefix##_cleanup(void *ctx, const struct vcl_spec *spec)                       \
	{                                                                                          \
		(void)spec;                                                                        \
		run_free(ctx);                                                                     \
	}

/* The ops of such a profile in its vcl_backend_ops: the entry points above
 * (prefix), the backend's run_launch(void *ctx, ...), the instance ops
 * the backend's profiles share (inst:
 * inst_ready, inst_exited, inst_sample, inst_destroy) and the traits every
 * VM profile has (the VM family; results labelled with the accelerator). */
#define VCL_VM_PROFILE_OPS(prefix, inst)                                                           \
	.probe = prefix##_probe, .prepare = prefix##_prepare, .launch = run_launch,                \
	.cleanup = prefix##_cleanup, .ready = inst##_ready, .exited = inst##_exited,               \
	.sample = inst##_sample, .destroy = inst##_destroy, .no_exec = VCL_VM_NO_EXEC,             \
	.family = VCL_FAMILY_VM, .accel_labelled = true

/* The traits of the app profile (vm, qemu-direct; not the iaas ones): its
 * guest runs the user's service and pods, not only the payload. */
#define VCL_VM_APP_TRAITS .runs_services = true, .runs_pods = true

/* Why a VM runs no exec probe: nothing in the guest takes a command from
 * the host once it has booted. */
#define VCL_VM_NO_EXEC                                                                             \
	"the guest's init (run_service in payload/init.c) only watches the service's port "        \
	"and takes no command from the host once the guest runs, so a command cannot run "         \
	"inside the guest"

/* ---- what vmm hands to core through the registry (bench/backends.c): the
 * host probe's KVM check; the ledger's domain undo is vcl_vm_ops.kinds ---- */

/* 1 when KVM really works here: vmx/svm in /proc/cpuinfo, /dev/kvm opens,
 * KVM_GET_API_VERSION == 12, and the guest image boots to READY under
 * -accel kvm within ~10 s. 0 otherwise, with the reason in why. Caches
 * nothing. */
int vcl_vmm_kvm_usable(char *why, size_t whylen);

/* Destroy a recorded domain (ledger teardown, gc): no such domain is not an
 * error. Also removes libvirt's per-domain log file on a local URI. */
int vcl_vmm_destroy_domain(const char *uri, const char *name, struct vcl_error **err);

extern const struct vcl_backend_ops vcl_vm_ops;
extern const struct vcl_backend_ops vcl_qemu_direct_ops;
extern const struct vcl_backend_ops vcl_vm_iaas_ops;
extern const struct vcl_backend_ops vcl_qemu_direct_iaas_ops;

/* Cleanups for libvirt handles a scope owns: a connection reference
 * (virConnectClose) and a domain object (virDomainFree, which leaves the
 * domain itself running). */
static inline void vcl_virconn_closep(virConnectPtr *c)
{
	if (*c != NULL)
		virConnectClose(*c);
	*c = NULL;
}
static inline void vcl_virdom_freep(virDomainPtr *d)
{
	if (*d != NULL)
		virDomainFree(*d);
	*d = NULL;
}
#define cleanup_virconn __attribute__((cleanup(vcl_virconn_closep)))
#define cleanup_virdom	__attribute__((cleanup(vcl_virdom_freep)))

#endif
