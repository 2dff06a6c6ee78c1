/* SPDX-License-Identifier: MIT */
/*
 * vclab-init: PID 1 of the guest initramfs (scripts/build-guest.sh).
 *
 * It does the least a kernel needs before the payload can serve: mount
 * devtmpfs, proc and sysfs, load the virtio modules listed (in dependency
 * order) in /etc/vclab-modules (none for the micro kernel, which has them
 * built in: the list is empty or absent), bring up lo and eth0 with a
 * static address, and exec the very same payload binary the other
 * placements run. No shell, no udev, no DHCP: every millisecond here is
 * part of the VM's startup.
 *
 * Its first console line is "VCLAB-INIT boottime_us=N": the kernel's boot
 * clock (CLOCK_BOOTTIME, what /proc/uptime shows) read as the first thing
 * main() does. The host anchors it to its own clock when the line arrives
 * and splits the boot into firmware, kernel and userspace (docs/vm.md).
 *
 * Parameters come from the kernel command line:
 *   vclab.name=NAME       instance name, echoed in the READY line
 *   vclab.port=PORT       port the payload listens on (default 80)
 *   vclab.ip=A.B.C.D/NN   eth0 address (default 10.0.2.15/24, QEMU's slirp guest)
 *   vclab.ip=dhcp         ask a DHCP server instead (libvirt networks: the host
 *                         learns the address from the lease)
 *   vclab.svc=vdb         run the user's service instead of the payload: its
 *                         description is on /dev/vdb (format in vmm/vmm.h,
 *                         VCL_VM_SVC_MAGIC), its rootfs the ext4 disk
 *                         /dev/vda, mounted read-only under a tmpfs overlay.
 *                         init chroots into the overlay, sets env, cwd and
 *                         user, execs the entrypoint, prints the READY line
 *                         once the port listens (/proc/net/tcp{,6}), and
 *                         ends the guest (reboot: QEMU exits) when the service exits.
 *
 * Statically linked, built by the Makefile as bin/vclab-init. Errors go to
 * the console (stderr is /dev/console) and end in reboot(), which QEMU turns
 * into an exit (-no-reboot, on_reboot=destroy), so the host sees a failed
 * boot at once instead of a hung guest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/volume.h"

#define MODULE_LIST "/etc/vclab-modules"
#define PAYLOAD	    "/bin/vclab-payload"
#define CONSOLE	    "/dev/ttyS0"

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("vclab-init: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	sync();
	reboot(RB_AUTOBOOT);
	_exit(1);
}

static void mount_or_die(const char *src, const char *dst, const char *type)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, MS_NOSUID | MS_NOEXEC, NULL) < 0 && errno != EBUSY)
		die("mount %s on %s: %s", type, dst, strerror(errno));
}

/* Value of key=VALUE in the kernel command line, copied into buf. */
static const char *cmdline_get(const char *cmdline, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == cmdline || p[-1] == ' ') && p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t n = strcspn(v, " \n");

			if (n >= len)
				n = len - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return buf;
		}
		p += klen;
	}
	return NULL;
}

static void load_modules(void)
{
	FILE *f = fopen(MODULE_LIST, "re");
	char line[256];

	if (f == NULL && errno == ENOENT)
		return; /* a kernel with everything built in */
	if (f == NULL)
		die("open %s: %s", MODULE_LIST, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		int fd;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die("open %s: %s", line, strerror(errno));
		/* finit_module has no libc wrapper in glibc 2.36. EEXIST: built in
		 * or already loaded, which is what we want anyway. */
		if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
			die("finit_module %s: %s", line, strerror(errno));
		close(fd);
	}
	fclose(f);
}

static void set_addr(int s, const char *ifname, unsigned long req, in_addr_t a)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&ifr.ifr_addr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = a;
	if (ioctl(s, req, &ifr) < 0)
		die("set address of %s: %s", ifname, strerror(errno));
}

static void link_up(int s, const char *ifname)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("get flags of %s: %s", ifname, strerror(errno));
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die("bring up %s: %s", ifname, strerror(errno));
}

/* Just enough DHCP (RFC 2131) for a libvirt network's dnsmasq and for
 * QEMU's slirp: DISCOVER, OFFER, REQUEST, ACK, with the broadcast flag set
 * so replies reach an interface that has no address yet. The lease is never
 * renewed: a guest lives for one measurement, far shorter than a lease. */
struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
	uint32_t magic;
	uint8_t options[312];
} __attribute__((packed));

enum { DHCP_DISCOVER = 1, DHCP_OFFER = 2, DHCP_REQUEST = 3, DHCP_ACK = 5, DHCP_NAK = 6 };

static size_t dhcp_build(struct dhcp_msg *m, uint32_t xid, const uint8_t mac[6], int type,
			 uint32_t req_ip, uint32_t server, const char *name)
{
	uint8_t *o = m->options;
	size_t nlen = strlen(name);

	memset(m, 0, sizeof(*m));
	m->op = 1;
	m->htype = 1;
	m->hlen = 6;
	m->xid = xid;
	m->flags = htons(0x8000);
	memcpy(m->chaddr, mac, 6);
	m->magic = htonl(0x63825363);
	*o++ = 53, *o++ = 1, *o++ = (uint8_t)type;
	if (req_ip != 0) {
		*o++ = 50, *o++ = 4;
		memcpy(o, &req_ip, 4);
		o += 4;
	}
	if (server != 0) {
		*o++ = 54, *o++ = 4;
		memcpy(o, &server, 4);
		o += 4;
	}
	if (nlen > 63)
		nlen = 63;
	/* Option 12 (host name) is length-prefixed, never NUL-terminated. */
	*o++ = 12, *o++ = (uint8_t)nlen;
	for (size_t i = 0; i < nlen; i++)
		*o++ = (uint8_t)name[i];
	*o++ = 55, *o++ = 2, *o++ = 1, *o++ = 3;
	*o++ = 255;
	return offsetof(struct dhcp_msg, options) + (size_t)(o - m->options);
}

/* Option code's value in a reply; NULL when absent. */
static const uint8_t *dhcp_opt(const struct dhcp_msg *m, size_t len, uint8_t code, uint8_t *olen)
{
	const uint8_t *o = m->options;
	const uint8_t *end = (const uint8_t *)m + len;

	while (o < end && *o != 255) {
		if (*o == 0) {
			o++;
			continue;
		}
		if (o + 2 > end || o + 2 + o[1] > end)
			return NULL;
		if (*o == code) {
			*olen = o[1];
			return o + 2;
		}
		o += 2 + o[1];
	}
	return NULL;
}

/* Wait for a reply of the wanted type to xid; 1 = got it, 0 = timeout. */
static int dhcp_recv(int s, uint32_t xid, int want, struct dhcp_msg *r, size_t *rlen)
{
	for (;;) {
		ssize_t n = recv(s, r, sizeof(*r), 0);
		const uint8_t *t;
		uint8_t olen = 0;

		if (n < 0)
			return 0; /* SO_RCVTIMEO */
		if ((size_t)n < offsetof(struct dhcp_msg, options) || r->op != 2 || r->xid != xid ||
		    r->magic != htonl(0x63825363))
			continue;
		t = dhcp_opt(r, (size_t)n, 53, &olen);
		if (t == NULL || olen != 1)
			continue;
		if (*t == DHCP_NAK)
			die("DHCP server refused the address (NAK)");
		if (*t != want)
			continue;
		*rlen = (size_t)n;
		return 1;
	}
}

static void dhcp(int ifs, const char *name, in_addr_t *addr, in_addr_t *mask)
{
	struct ifreq ifr;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(68)};
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(67)};
	struct timeval tv = {1, 0};
	struct dhcp_msg m, r;
	uint8_t mac[6];
	uint32_t xid;
	int one = 1;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("DHCP socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "eth0");
	if (ioctl(ifs, SIOCGIFHWADDR, &ifr) < 0)
		die("MAC of eth0: %s", strerror(errno));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	xid = (uint32_t)mac[2] << 24 | (uint32_t)mac[3] << 16 | (uint32_t)mac[4] << 8 | mac[5];
	xid ^= (uint32_t)time(NULL);
	if (setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "eth0", 5) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		die("DHCP socket options: %s", strerror(errno));
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("DHCP bind :68: %s", strerror(errno));
	dst.sin_addr.s_addr = htonl(INADDR_BROADCAST);

	for (int attempt = 0; attempt < 10; attempt++) {
		size_t len = dhcp_build(&m, xid, mac, DHCP_DISCOVER, 0, 0, name), rlen;
		const uint8_t *v;
		uint8_t olen = 0;
		uint32_t server = 0, offered;

		if (sendto(s, &m, len, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0)
			die("DHCP DISCOVER: %s", strerror(errno));
		if (!dhcp_recv(s, xid, DHCP_OFFER, &r, &rlen))
			continue;
		offered = r.yiaddr;
		v = dhcp_opt(&r, rlen, 54, &olen);
		if (v != NULL && olen == 4)
			memcpy(&server, v, 4);
		len = dhcp_build(&m, xid, mac, DHCP_REQUEST, offered, server, name);
		if (sendto(s, &m, len, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0)
			die("DHCP REQUEST: %s", strerror(errno));
		if (!dhcp_recv(s, xid, DHCP_ACK, &r, &rlen))
			continue;
		*addr = r.yiaddr;
		*mask = htonl(0xffffff00u);
		v = dhcp_opt(&r, rlen, 1, &olen);
		if (v != NULL && olen == 4)
			memcpy(mask, v, 4);
		close(s);
		return;
	}
	die("no DHCP lease on eth0 after 10 attempts");
}

static void net_up(const char *cidr, const char *name)
{
	char addr[32];
	unsigned prefix = 24;
	char *slash;
	struct in_addr in = {0};
	in_addr_t mask = 0;
	struct ifreq ifr;
	bool use_dhcp = strcmp(cidr, "dhcp") == 0;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket: %s", strerror(errno));

	if (!use_dhcp) {
		snprintf(addr, sizeof(addr), "%s", cidr);
		if ((slash = strchr(addr, '/')) != NULL) {
			*slash = '\0';
			prefix = (unsigned)strtoul(slash + 1, NULL, 10);
		}
		if (inet_pton(AF_INET, addr, &in) != 1 || prefix == 0 || prefix > 32)
			die("bad vclab.ip=%s (want A.B.C.D/NN or dhcp)", cidr);
		mask = htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix));
	}

	set_addr(s, "lo", SIOCSIFADDR, htonl(INADDR_LOOPBACK));
	link_up(s, "lo");

	/* virtio_net's probe runs inside finit_module (synchronous driver
	 * binding), so eth0 normally exists now. Allow a short grace period
	 * for asynchronous probing all the same: 200 x 5 ms. */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "eth0");
	for (int i = 0; ioctl(s, SIOCGIFINDEX, &ifr) < 0; i++) {
		struct timespec ts = {0, 5000000L};

		if (i == 200)
			die("no eth0 after loading the virtio modules: %s", strerror(errno));
		nanosleep(&ts, NULL);
	}
	if (use_dhcp) {
		link_up(s, "eth0");
		dhcp(s, name, &in.s_addr, &mask);
	}
	set_addr(s, "eth0", SIOCSIFADDR, in.s_addr);
	set_addr(s, "eth0", SIOCSIFNETMASK, mask);
	link_up(s, "eth0");
	close(s);
}

/* ---- the user's service (vclab.svc=vdb) ---- */

#define SVC_MAGIC "VCLAB-SVC 1\n"
#define SVC_MAX	  65536
#define SVC_ARGS  256
#define SVC_ENVS  512
/* A pod: the main container and up to POD_MAX - 1 others, each from a
 * "ctr=NAME" record on (vmm/vmm.h). */
#define POD_MAX 8

struct ctr {
	const char *name; /* "" for the main container */
	const char *disk; /* its rootfs disk, "vda" */
	bool init;	  /* an init container: runs to completion first */
	char *argv[SVC_ARGS + 1];
	char *envp[SVC_ENVS + 1];
	size_t na, ne;
	const char *cwd;
	uid_t uid;
	gid_t gid;
	char root[48]; /* /svc/N/root */
};

#define SVC_VOLS  16
#define SVC_FILES 256

struct svc {
	char buf[SVC_MAX + 1];
	struct ctr c[POD_MAX];
	size_t n;
	unsigned port;
	/* The pod's volumes and groups (core/volume.h mounts them). */
	struct vcl_security sec;
	gid_t groups[17];
	size_t ngroups;
	struct vcl_volume vols[SVC_VOLS];
	size_t nvols;
	struct vcl_vol_file files[SVC_FILES];
	size_t nfiles;
};

static struct svc svc;

/* One "key=value" record v (after the '=') of container c. */
static void svc_record(struct ctr *c, const char *p, char *v)
{
	if (strncmp(p, "arg=", 4) == 0 && c->na < SVC_ARGS)
		c->argv[c->na++] = v;
	else if (strncmp(p, "env=", 4) == 0 && c->ne < SVC_ENVS)
		c->envp[c->ne++] = v;
	else if (strncmp(p, "cwd=", 4) == 0)
		c->cwd = v;
	else if (strncmp(p, "uid=", 4) == 0)
		c->uid = (uid_t)strtoul(v, NULL, 10);
	else if (strncmp(p, "gid=", 4) == 0)
		c->gid = (gid_t)strtoul(v, NULL, 10);
	else if (strncmp(p, "disk=", 5) == 0)
		c->disk = v;
	else if (strncmp(p, "init=", 5) == 0)
		c->init = strcmp(v, "1") == 0;
}

/* fsgroup=, group=, vol=, file=, data= (vmm/vmm.h); 0 for other keys. */
static int svc_volume_rec(const char *p, const char *v)
{
	struct vcl_volume *vol = svc.nvols > 0 ? &svc.vols[svc.nvols - 1] : NULL;
	char *end;

	if (strncmp(p, "fsgroup=", 8) == 0) {
		svc.sec.has_fs_group = true;
		svc.sec.fs_group = (gid_t)strtoul(v, NULL, 10);
	} else if (strncmp(p, "group=", 6) == 0 && svc.ngroups < 17) {
		svc.groups[svc.ngroups++] = (gid_t)strtoul(v, NULL, 10);
	} else if (strncmp(p, "vol=", 4) == 0) {
		if (svc.nvols == SVC_VOLS || (v[0] != 'e' && v[0] != 'f' && v[0] != 'd') ||
		    v[2] != ' ')
			return -1;
		vol = &svc.vols[svc.nvols++];
		vol->empty = v[0] != 'f';
		vol->read_only = v[1] == 'r';
		vol->size_bytes = strtoull(v + 3, &end, 10);
		if (*end != ' ' || end[1] != '/')
			return -1;
		vol->target = end + 1;
		vol->name = vol->target;
		vol->files = &svc.files[svc.nfiles];
	} else if (strncmp(p, "voldev=", 7) == 0) {
		/* A data disk volume ('d'): its device, an ext4 to mount. */
		static char devs[SVC_VOLS][24];

		if (vol == NULL || strncmp(v, "vd", 2) != 0 || strlen(v) > 8)
			return -1;
		snprintf(devs[svc.nvols - 1], sizeof(devs[0]), "/dev/%s", v);
		vol->block_dev = devs[svc.nvols - 1];
	} else if (strncmp(p, "file=", 5) == 0) {
		if (vol == NULL || svc.nfiles == SVC_FILES)
			return -1;
		svc.files[svc.nfiles].mode = (unsigned)strtoul(v, &end, 8);
		if (*end != ' ')
			return -1;
		svc.files[svc.nfiles].path = end + 1;
		svc.files[svc.nfiles].data = "";
		svc.nfiles++;
		vol->nfiles++;
	} else if (strncmp(p, "data=", 5) == 0) {
		if (vol == NULL || vol->nfiles == 0)
			return -1;
		svc.files[svc.nfiles - 1].data = v;
		svc.files[svc.nfiles - 1].len = strlen(v);
	}
	return 0;
}

static void svc_read(const char *dev)
{
	char path[64];
	size_t got = 0;
	char *p, *end;
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", dev);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s (the service description): %s", path, strerror(errno));
	while (got < SVC_MAX) {
		ssize_t n = read(fd, svc.buf + got, SVC_MAX - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read %s: %s", path, strerror(errno));
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	svc.buf[got] = '\0';
	if (got < sizeof(SVC_MAGIC) || memcmp(svc.buf, SVC_MAGIC, sizeof(SVC_MAGIC) - 1) != 0)
		die("%s is not a vclab service description", path);
	svc.n = 1;
	svc.c[0] = (struct ctr){.name = "", .disk = "vda", .cwd = "/"};
	p = svc.buf + sizeof(SVC_MAGIC) - 1;
	end = svc.buf + got;
	/* Records "key=value\0" up to an empty one. */
	while (p < end && *p != '\0') {
		char *v = strchr(p, '=');
		size_t rl = strlen(p);

		if (v == NULL)
			die("%s: bad record '%.40s'", path, p);
		v++;
		if (strncmp(p, "port=", 5) == 0) {
			svc.port = (unsigned)strtoul(v, NULL, 10);
		} else if (strncmp(p, "ctr=", 4) == 0) {
			if (svc.n == POD_MAX)
				die("%s: a pod of more than %d containers", path, POD_MAX);
			svc.c[svc.n++] = (struct ctr){.name = v, .disk = "vda", .cwd = "/"};
		} else if (svc_volume_rec(p, v) < 0) {
			die("%s: bad volume record '%.40s'", path, p);
		} else {
			svc_record(&svc.c[svc.n - 1], p, v);
		}
		p += rl + 1;
	}
	for (size_t i = 0; i < svc.n; i++)
		if (svc.c[i].na == 0)
			die("%s: container %zu has no arg= record", path, i);
	if (svc.port == 0 || svc.port > 65535)
		die("%s: no port", path);
}

static void mount_in(const char *src, const char *dst, const char *type, unsigned long flags,
		     const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0)
		die("mount %s (%s) on %s: %s", src, type, dst, strerror(errno));
}

/* root/rel in buf. */
static const char *at(char *buf, size_t size, const char *root, const char *rel)
{
	snprintf(buf, size, "%s%s", root, rel);
	return buf;
}

/* What a container's /dev holds beyond the device nodes (the OCI runtime
 * spec's default devices and links, containerd's default mounts): the
 * /dev/fd and stdio links to /proc/self/fd, devpts for ptys, a tmpfs for
 * POSIX shared memory and the mqueue file system. devtmpfs is one
 * instance, so these appear in init's own /dev too: harmless, the guest
 * runs nothing else (the links exist once: EEXIST is fine). */
static void svc_dev_extras(const char *root)
{
	static const char *const links[][2] = {{"/proc/self/fd", "/dev/fd"},
					       {"/proc/self/fd/0", "/dev/stdin"},
					       {"/proc/self/fd/1", "/dev/stdout"},
					       {"/proc/self/fd/2", "/dev/stderr"}};
	char p[96];

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], at(p, sizeof(p), root, links[i][1])) < 0 &&
		    errno != EEXIST)
			die("symlink %s: %s", p, strerror(errno));
	mount_in("devpts", at(p, sizeof(p), root, "/dev/pts"), "devpts", MS_NOSUID | MS_NOEXEC,
		 "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mount_in("shm", at(p, sizeof(p), root, "/dev/shm"), "tmpfs",
		 MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777");
	mount_in("mqueue", at(p, sizeof(p), root, "/dev/mqueue"), "mqueue",
		 MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* Container i's root: its rootfs disk read-only, a tmpfs for its writes,
 * overlay on top (the same shape as ctr's container, docs/vm.md), under
 * /svc/I; a pod's containers of one image mount the same disk again. */
static void svc_mount(size_t i)
{
	struct ctr *c = &svc.c[i];
	char dir[32], dev[32], p[96], opts[160];

	snprintf(dir, sizeof(dir), "/svc/%zu", i);
	snprintf(c->root, sizeof(c->root), "%s/root", dir);
	snprintf(dev, sizeof(dev), "/dev/%s", c->disk);
	mkdir("/svc", 0755);
	mkdir(dir, 0755);
	mount_in(dev, at(p, sizeof(p), dir, "/lower"), "ext4", MS_RDONLY, "");
	mount_in("tmpfs", at(p, sizeof(p), dir, "/rw"), "tmpfs", 0, "mode=0755");
	mkdir(at(p, sizeof(p), dir, "/rw/upper"), 0755);
	mkdir(at(p, sizeof(p), dir, "/rw/work"), 0755);
	snprintf(opts, sizeof(opts), "lowerdir=%s/lower,upperdir=%s/rw/upper,workdir=%s/rw/work",
		 dir, dir, dir);
	mount_in("overlay", c->root, "overlay", 0, opts);
	mount_in("proc", at(p, sizeof(p), c->root, "/proc"), "proc",
		 MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_in("sysfs", at(p, sizeof(p), c->root, "/sys"), "sysfs",
		 MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL);
	mount_in("devtmpfs", at(p, sizeof(p), c->root, "/dev"), "devtmpfs", MS_NOSUID | MS_NOEXEC,
		 NULL);
	svc_dev_extras(c->root);
}

/* Is anything listening on TCP port (IPv4 or IPv6, any address)? */
static bool port_listens(unsigned port)
{
	static const char *const files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
	char line[256], want[16];

	snprintf(want, sizeof(want), ":%04X ", port);
	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "re");

		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			/* "  0: 00000000:1F90 00000000:0000 0A ...": local, remote, state */
			char *local = strchr(line, ':');
			char *st;

			if (local == NULL || (local = strchr(local + 1, ':')) == NULL)
				continue;
			st = strchr(local, ' ');
			if (strncmp(local, want, strlen(want)) == 0 && st != NULL &&
			    (st = strchr(st + 1, ' ')) != NULL && strncmp(st + 1, "0A", 2) == 0) {
				fclose(f);
				return true;
			}
		}
		fclose(f);
	}
	return false;
}

/* The end of the guest. Not RB_POWER_OFF: the machine has no ACPI
 * (acpi=off, as libvirt's XML without <acpi/>), so a power-off only halts
 * the CPU and QEMU stays. A reboot is what -no-reboot and
 * on_reboot=destroy turn into QEMU's exit, as die() does. */
static void power_off(void)
{
	sync();
	reboot(RB_AUTOBOOT);
	_exit(1);
}

static void say_exit(const struct ctr *c, pid_t pid, int status)
{
	const char *what = c->init ? "init container" : "service";

	if (WIFEXITED(status))
		printf("vclab-init: %s %s%s%s (pid %d) exited with status %d\n", what, c->name,
		       c->name[0] != '\0' ? " " : "", c->argv[0], (int)pid, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("vclab-init: %s %s%s%s (pid %d) was killed by signal %d\n", what, c->name,
		       c->name[0] != '\0' ? " " : "", c->argv[0], (int)pid, WTERMSIG(status));
	fflush(stdout);
}

/* Fork container c: chrooted into its root, its folder and user, exec. */
static pid_t start_ctr(const struct ctr *c)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid > 0)
		return pid;
	{
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0)
			dup2(nul, 0);
	}
	setsid();
	if (chdir(c->root) < 0) {
		fprintf(stderr, "vclab-init: chdir %s: %s\n", c->root, strerror(errno));
		_exit(126);
	}
	/* The pod's volumes, in the main container (the one whose
	 * volumeMounts vclab reads). */
	if (c == &svc.c[0]) {
		const char *what = "";

		if (vcl_volumes_mount(svc.vols, svc.nvols, &svc.sec, &what) < 0) {
			fprintf(stderr, "vclab-init: volumes: %s: %s\n", what, strerror(errno));
			_exit(126);
		}
	}
	if (chroot(".") < 0 || chdir(c->cwd) < 0) {
		fprintf(stderr, "vclab-init: chroot %s, cwd %s: %s\n", c->root, c->cwd,
			strerror(errno));
		_exit(126);
	}
	/* The console is the service's stdout and stderr. A service that
	 * runs as another uid can open /dev/stdout (a reopen through
	 * /proc/self/fd) only if it owns the device, as runc hands a
	 * container's stdio to its user. */
	if (c->uid != 0 && (fchown(1, c->uid, c->gid) < 0 || fchown(2, c->uid, c->gid) < 0))
		fprintf(stderr, "vclab-init: chown of the console to %u: %s\n", (unsigned)c->uid,
			strerror(errno));
	if ((c->uid != 0 || c->gid != 0 || svc.ngroups > 0) &&
	    (syscall(SYS_setgroups, svc.ngroups, svc.groups) < 0 ||
	     syscall(SYS_setresgid, c->gid, c->gid, c->gid) < 0 ||
	     syscall(SYS_setresuid, c->uid, c->uid, c->uid) < 0)) {
		fprintf(stderr, "vclab-init: user %u:%u: %s\n", (unsigned)c->uid, (unsigned)c->gid,
			strerror(errno));
		_exit(126);
	}
	execve(c->argv[0], c->argv, c->envp);
	fprintf(stderr, "vclab-init: exec %s: %s\n", c->argv[0], strerror(errno));
	_exit(127);
}

/* A pod's init containers, in order, each to completion (Kata's agent
 * does the kubelet's order inside the guest): one that fails ends the
 * guest, saying which. */
static void run_init_containers(void)
{
	for (size_t i = 1; i < svc.n; i++) {
		pid_t pid, w;
		int status = 0;

		if (!svc.c[i].init)
			continue;
		pid = start_ctr(&svc.c[i]);
		do
			w = waitpid(pid, &status, 0);
		while (w < 0 && errno == EINTR);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			say_exit(&svc.c[i], pid, status);
			power_off();
		}
	}
}

static void run_service(const char *dev, const char *name)
{
	pid_t pid;
	int status;
	bool ready = false;

	svc_read(dev);
	for (size_t i = 0; i < svc.n; i++)
		svc_mount(i);
	run_init_containers();
	pid = start_ctr(&svc.c[0]);
	for (size_t i = 1; i < svc.n; i++)
		if (!svc.c[i].init)
			start_ctr(&svc.c[i]);
	/* PID 1: reap everything (a wrapper's children too), announce the
	 * port once it listens, end the guest with the main container. */
	for (;;) {
		pid_t w = waitpid(-1, &status, ready ? 0 : WNOHANG);

		if (w == pid) {
			say_exit(&svc.c[0], pid, status);
			power_off();
		}
		if (w < 0 && errno == ECHILD)
			power_off();
		if (w > 0)
			continue;
		if (!ready && port_listens(svc.port)) {
			printf("VCLAB-READY name=%s port=%u pid=%d\n", name, svc.port, (int)pid);
			fflush(stdout);
			ready = true;
			continue;
		}
		if (!ready) {
			struct timespec ts = {0, 2000000L}; /* 2 ms, the host probe's cap */

			nanosleep(&ts, NULL);
		}
	}
}

int main(void)
{
	char cmdline[4096] = "";
	char name[64] = "vclab-guest", port[8] = "80", ip[32] = "10.0.2.15/24", svcdev[16] = "";
	char listen[48];
	int fd;
	ssize_t n;
	struct timespec boot = {0, 0};

	/* First: everything before this is the kernel's phase. */
	clock_gettime(CLOCK_BOOTTIME, &boot);
	mount_or_die("devtmpfs", "/dev", "devtmpfs");
	/* stdio of PID 1 is /dev/console only if the kernel found one. */
	fd = open(CONSOLE, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	/* One write(2), so the line reaches the UART whole. */
	{
		char line[64];
		int len = snprintf(line, sizeof(line), "VCLAB-INIT boottime_us=%llu\n",
				   (unsigned long long)boot.tv_sec * 1000000ULL +
				       (unsigned long long)boot.tv_nsec / 1000ULL);

		if (len > 0 && write(1, line, (size_t)len) < 0) {
			/* no console: the host then has no boot phases, nothing else */
		}
	}
	mount_or_die("proc", "/proc", "proc");
	mount_or_die("sysfs", "/sys", "sysfs");

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open /proc/cmdline: %s", strerror(errno));
	n = read(fd, cmdline, sizeof(cmdline) - 1);
	close(fd);
	if (n > 0)
		cmdline[n] = '\0';
	cmdline_get(cmdline, "vclab.name", name, sizeof(name));
	cmdline_get(cmdline, "vclab.port", port, sizeof(port));
	cmdline_get(cmdline, "vclab.ip", ip, sizeof(ip));
	cmdline_get(cmdline, "vclab.svc", svcdev, sizeof(svcdev));

	load_modules();
	net_up(ip, name);
	if (svcdev[0] != '\0') {
		if (strchr(svcdev, '/') != NULL)
			die("bad vclab.svc=%s (want a device name such as vdb)", svcdev);
		run_service(svcdev, name);
	}

	/* 0.0.0.0: the payload answers on eth0 (slirp forwards to 10.0.2.15)
	 * and on the guest's own loopback; only the guest sees that address. */
	snprintf(listen, sizeof(listen), "0.0.0.0:%s", port);
	execl(PAYLOAD, PAYLOAD, "--listen", listen, "--ready-path", CONSOLE, "--name", name,
	      (char *)NULL);
	die("exec %s: %s", PAYLOAD, strerror(errno));
}
