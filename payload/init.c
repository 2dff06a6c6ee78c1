/* SPDX-License-Identifier: MIT */
/*
 * vclab-init: PID 1 of the guest initramfs (scripts/build-guest.sh).
 *
 * It does the least a kernel needs before the payload can serve: mount
 * devtmpfs, proc and sysfs, load the virtio modules listed (in dependency
 * order) in /etc/vclab-modules, bring up lo and eth0 with a static address,
 * and exec the very same payload binary the other placements run. No shell,
 * no udev, no DHCP: every millisecond here is part of the VM's startup.
 *
 * Parameters come from the kernel command line:
 *   vclab.name=NAME       instance name, echoed in the READY line
 *   vclab.port=PORT       port the payload listens on (default 80)
 *   vclab.ip=A.B.C.D/NN   eth0 address (default 10.0.2.15/24, QEMU's slirp guest)
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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

static void net_up(const char *cidr)
{
	char addr[32];
	unsigned prefix = 24;
	char *slash;
	struct in_addr in;
	in_addr_t mask;
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket: %s", strerror(errno));
	snprintf(addr, sizeof(addr), "%s", cidr);
	if ((slash = strchr(addr, '/')) != NULL) {
		*slash = '\0';
		prefix = (unsigned)strtoul(slash + 1, NULL, 10);
	}
	if (inet_pton(AF_INET, addr, &in) != 1 || prefix == 0 || prefix > 32)
		die("bad vclab.ip=%s (want A.B.C.D/NN)", cidr);
	mask = htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix));

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
	set_addr(s, "eth0", SIOCSIFADDR, in.s_addr);
	set_addr(s, "eth0", SIOCSIFNETMASK, mask);
	link_up(s, "eth0");
	close(s);
}

int main(void)
{
	char cmdline[4096] = "";
	char name[64] = "vclab-guest", port[8] = "80", ip[32] = "10.0.2.15/24";
	char listen[48];
	int fd;
	ssize_t n;

	mount_or_die("devtmpfs", "/dev", "devtmpfs");
	/* stdio of PID 1 is /dev/console only if the kernel found one. */
	fd = open(CONSOLE, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
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

	load_modules();
	net_up(ip);

	/* 0.0.0.0: the payload answers on eth0 (slirp forwards to 10.0.2.15)
	 * and on the guest's own loopback; only the guest sees that address. */
	snprintf(listen, sizeof(listen), "0.0.0.0:%s", port);
	execl(PAYLOAD, PAYLOAD, "--listen", listen, "--ready-path", CONSOLE, "--name", name,
	      (char *)NULL);
	die("exec %s: %s", PAYLOAD, strerror(errno));
}
