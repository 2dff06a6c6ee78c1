/* SPDX-License-Identifier: MIT */
/*
 * Pure part of the VM placement: domain XML, QEMU argv, kernel command
 * line, the guest's machine definition, option parsing, console
 * scanning. No I/O beyond memory streams, so
 * tests/unit/test_vmxml.c checks every combination without root.
 */
#include "vmm/vmm.h"

#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/backend.h"
#include "core/util.h"
#include "core/volume.h"

static bool name_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

/* cpuset list syntax: "0", "0-1", "0,2-3". */
static bool cpuset_ok(const char *s)
{
	bool digit = false;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digit = true;
		else if ((*s == ',' || *s == '-') && digit)
			digit = false;
		else
			return false;
	}
	return digit;
}

static bool loopback_ok(const char *addr)
{
	struct in_addr in;

	return addr != NULL && inet_pton(AF_INET, addr, &in) == 1 &&
	       (ntohl(in.s_addr) >> 24) == 127;
}

void vcl_vm_opts_from_spec(struct vcl_vm_opts *o, const struct vcl_spec *spec, const char *name,
			   const char *kernel, const char *initrd, const char *cmdline,
			   uint16_t host_port)
{
	memset(o, 0, sizeof(*o));
	o->name = name;
	o->kvm = spec->accel != NULL && strcmp(spec->accel, "kvm") == 0;
	o->tb_cache_mib = o->kvm ? 0 : VCL_VM_TB_CACHE_MIB;
	o->mem_mib = spec->vm_mem_mib ? spec->vm_mem_mib : VCL_VM_DEFAULT_MEM_MIB;
	o->vcpus = spec->vcpus ? spec->vcpus : 1;
	o->cpuset = spec->cpuset;
	o->firmware = VCL_VM_FIRMWARE_QBOOT;
	o->kernel = kernel;
	o->initrd = initrd;
	o->cmdline = cmdline;
	o->net = VCL_VM_NET_USER;
	o->host_addr = "127.0.0.1";
	o->host_port = host_port;
	o->guest_port = VCL_VM_GUEST_PORT;
}

void vcl_vm_opts_profile(struct vcl_vm_opts *o, const struct vcl_spec *spec, enum vcl_vm_profile p)
{
	if (p != VCL_VM_PROFILE_IAAS)
		return;
	o->machine = "q35";
	o->acpi = true;
	o->firmware = NULL; /* QEMU's default: SeaBIOS (bios-256k.bin) */
	o->mem_mib = spec->vm_mem_mib ? spec->vm_mem_mib : VCL_VM_IAAS_MEM_MIB;
	o->tb_cache_mib = o->kvm ? 0 : VCL_VM_IAAS_TB_CACHE_MIB;
}

static const char *machine_of(const struct vcl_vm_opts *o)
{
	return o->machine != NULL ? o->machine : "pc";
}

static void put_escaped(FILE *f, const char *s)
{
	vcl_xml_put(f, s, SIZE_MAX, VCL_ESC_APOS | VCL_ESC_CTRL);
}

int vcl_vm_opts_add_disk(struct vcl_vm_opts *o, const char *path, enum vcl_vm_disk_format format,
			 bool readonly, struct vcl_error **err)
{
	if (o->ndisks >= VCL_VM_MAX_DISKS)
		return vcl_usage(err, "At most %d disks per guest", VCL_VM_MAX_DISKS);
	o->disks[o->ndisks].path = path;
	o->disks[o->ndisks].format = format;
	o->disks[o->ndisks].readonly = readonly;
	o->ndisks++;
	return 0;
}

static const char *disk_format_name(enum vcl_vm_disk_format f)
{
	return f == VCL_VM_DISK_QCOW2 ? "qcow2" : "raw";
}

/* A path QEMU's option syntax and the XML both carry without quoting
 * games: absolute, no comma (QEMU's separator), no control characters. */
static bool disk_path_ok(const char *p)
{
	if (p == NULL || p[0] != '/')
		return false;
	for (; *p != '\0'; p++)
		if (*p == ',' || (unsigned char)*p < 0x20)
			return false;
	return true;
}

/* Checks shared by the XML and the argv: one set of rules for both paths. */
static int check_opts(const struct vcl_vm_opts *o, struct vcl_error **err)
{
	if (!name_ok(o->name))
		return vcl_usage(err, "Domain name '%s' must be non-empty [A-Za-z0-9._-]",
				 o->name ? o->name : "");
	if (o->mem_mib < 16 || o->mem_mib > 1048576)
		return vcl_usage(err, "Guest memory %llu MiB out of range 16..1048576",
				 (unsigned long long)o->mem_mib);
	if (o->vcpus < 1 || o->vcpus > 64)
		return vcl_usage(err, "Guest vCPUs %u out of range 1..64", o->vcpus);
	if (o->cpuset != NULL && *o->cpuset != '\0' && !cpuset_ok(o->cpuset))
		return vcl_usage(err, "Bad cpuset '%s' (want a list like 0-1,3)", o->cpuset);
	if (o->kernel == NULL || *o->kernel == '\0' || o->initrd == NULL || *o->initrd == '\0')
		return vcl_usage(err, "Guest kernel and initramfs paths are required");
	if (o->firmware != NULL && o->firmware[0] != '/')
		return vcl_usage(err, "Firmware '%s' must be an absolute path", o->firmware);
	if (strcmp(machine_of(o), "pc") != 0 && strcmp(machine_of(o), "q35") != 0)
		return vcl_usage(err, "Machine type '%s' is not pc or q35", machine_of(o));
	if (o->cmdline != NULL && (strchr(o->cmdline, '\n') != NULL))
		return vcl_usage(err, "Guest kernel command line has a newline");
	if (o->ndisks > VCL_VM_MAX_DISKS)
		return vcl_usage(err, "At most %d disks per guest", VCL_VM_MAX_DISKS);
	for (unsigned i = 0; i < o->ndisks; i++) {
		if (!disk_path_ok(o->disks[i].path))
			return vcl_usage(err,
					 "Disk %u path '%s' must be absolute, without commas or "
					 "control characters",
					 i, o->disks[i].path ? o->disks[i].path : "");
		if (o->disks[i].format != VCL_VM_DISK_RAW &&
		    o->disks[i].format != VCL_VM_DISK_QCOW2)
			return vcl_usage(err, "Disk %u: unknown format %d", i,
					 (int)o->disks[i].format);
	}
	switch (o->net) {
	case VCL_VM_NET_USER:
		if (!loopback_ok(o->host_addr))
			return vcl_usage(err, "Host forward address '%s' is not in 127.0.0.0/8",
					 o->host_addr ? o->host_addr : "");
		if (o->host_port == 0 || o->guest_port == 0)
			return vcl_usage(err, "Host and guest ports of the forward must be set");
		break;
	case VCL_VM_NET_NETWORK:
		if (!name_ok(o->network))
			return vcl_usage(err, "libvirt network name '%s' must be [A-Za-z0-9._-]",
					 o->network ? o->network : "");
		break;
	default:
		return vcl_usage(err, "Unknown VM network mode %d", (int)o->net);
	}
	return 0;
}

/* The NIC of user-mode networking. On q35 it gets a fixed slot on the
 * root complex: libvirt puts its pcie-root-ports (one per <disk>) at slot
 * 1 and up, and QEMU would give a device without an address slot 1 too
 * ("slot 1 function 0 not available for pcie-root-port"). */
static const char *nic_device(const struct vcl_vm_opts *o)
{
	return strcmp(machine_of(o), "q35") == 0 ? "virtio-net-pci,netdev=n0,bus=pcie.0,addr=0x10"
						 : "virtio-net-pci,netdev=n0";
}

/* "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:P-:80": restrict=on cuts
 * the guest off from the outside (it only answers the forward). */
static void user_netdev(const struct vcl_vm_opts *o, char *buf, size_t len)
{
	snprintf(buf, len, "user,id=n0,restrict=on,hostfwd=tcp:%s:%u-:%u", o->host_addr,
		 (unsigned)o->host_port, (unsigned)o->guest_port);
}

/* <cputune>: every vCPU and the emulator threads on o->cpuset. */
static void xml_cputune(FILE *f, const struct vcl_vm_opts *o)
{
	fputs("  <cputune>\n", f);
	for (unsigned i = 0; i < o->vcpus; i++) {
		fprintf(f, "    <vcpupin vcpu='%u' cpuset='", i);
		put_escaped(f, o->cpuset);
		fputs("'/>\n", f);
	}
	fputs("    <emulatorpin cpuset='", f);
	put_escaped(f, o->cpuset);
	fputs("'/>\n  </cputune>\n", f);
}

/* <os>: the machine, the firmware ROM and the direct kernel boot. */
static void xml_os(FILE *f, const struct vcl_vm_opts *o)
{
	/* Direct kernel boot: no firmware boot menu, no bootloader, no disk.
	 * <loader type='rom'> is how libvirt 9.0 passes -bios: qboot instead
	 * of SeaBIOS, the same ROM the qemu-direct argv names. */
	fprintf(f, "  <os>\n    <type arch='x86_64' machine='%s'>hvm</type>\n", machine_of(o));
	if (o->firmware != NULL) {
		fputs("    <loader type='rom' readonly='yes'>", f);
		put_escaped(f, o->firmware);
		fputs("</loader>\n", f);
	}
	fputs("    <kernel>", f);
	put_escaped(f, o->kernel);
	fputs("</kernel>\n    <initrd>", f);
	put_escaped(f, o->initrd);
	fputs("</initrd>\n", f);
	if (o->cmdline != NULL && *o->cmdline != '\0') {
		fputs("    <cmdline>", f);
		put_escaped(f, o->cmdline);
		fputs("</cmdline>\n", f);
	}
	fputs("  </os>\n", f);
}

/* <devices>: the console, the disks, a libvirt network's NIC. */
static void xml_devices(FILE *f, const struct vcl_vm_opts *o)
{
	fputs("  <devices>\n", f);
	fputs("    <controller type='usb' model='none'/>\n", f);
	if (o->serial_path != NULL) {
		fputs("    <serial type='file'>\n      <source path='", f);
		put_escaped(f, o->serial_path);
		fputs("'/>\n      <target port='0'/>\n    </serial>\n", f);
	} else {
		fputs("    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n", f);
	}
	fputs("    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n",
	      f);
	for (unsigned i = 0; i < o->ndisks; i++) {
		const struct vcl_vm_disk *d = &o->disks[i];

		fprintf(f,
			"    <disk type='file' device='disk'>\n      <driver name='qemu' "
			"type='%s'%s/>\n",
			disk_format_name(d->format), d->host_direct ? " cache='none'" : "");
		fputs("      <source file='", f);
		put_escaped(f, d->path);
		/* A read-only disk may be one cached file many domains share:
		 * no chown to the QEMU user and back (the file is 0644). */
		fputs(d->readonly
			  ? "'>\n        <seclabel model='dac' relabel='no'/>\n      </source>\n"
			  : "'/>\n",
		      f);
		fprintf(f, "      <target dev='vd%c' bus='virtio'/>\n", 'a' + (int)i);
		fprintf(f,
			"      <address type='pci' domain='0x0000' bus='0x00' slot='0x%02x' "
			"function='0x0'/>\n",
			VCL_VM_DISK_SLOT + i);
		if (d->readonly)
			fputs("      <readonly/>\n", f);
		fputs("    </disk>\n", f);
	}
	if (o->net == VCL_VM_NET_NETWORK) {
		fputs("    <interface type='network'>\n      <source network='", f);
		put_escaped(f, o->network);
		fputs("'/>\n      <model type='virtio'/>\n    </interface>\n", f);
	}
	fputs("    <memballoon model='none'/>\n", f);
	fputs("  </devices>\n", f);
}

int vcl_vm_domain_xml(const struct vcl_vm_opts *o, char **out, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	FILE *f;
	bool pin = o->cpuset != NULL && *o->cpuset != '\0';

	if (check_opts(o, err) < 0)
		return -1;
	f = open_memstream(&buf, &len);
	if (f == NULL)
		return vcl_fail(err, errno, "Domain XML");

	fprintf(f, "<domain type='%s' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n",
		o->kvm ? "kvm" : "qemu");
	fputs("  <name>", f);
	put_escaped(f, o->name);
	fputs("</name>\n", f);
	fprintf(f, "  <memory unit='MiB'>%llu</memory>\n", (unsigned long long)o->mem_mib);
	fprintf(f, "  <vcpu placement='static'>%u</vcpu>\n", o->vcpus);
	if (pin)
		xml_cputune(f, o);
	xml_os(f, o);
	if (o->acpi || (!o->kvm && o->tb_cache_mib > 0)) {
		fputs("  <features>\n", f);
		if (o->acpi)
			fputs("    <acpi/>\n", f);
		if (!o->kvm && o->tb_cache_mib > 0)
			fprintf(f,
				"    <tcg>\n      <tb-cache unit='MiB'>%u</tb-cache>\n    </tcg>\n",
				o->tb_cache_mib);
		fputs("  </features>\n", f);
	}
	/* A guest that panics or reboots is over: the harness sees QEMU exit
	 * (exit_fd) instead of a domain silently starting again. */
	fputs("  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>destroy</on_reboot>\n"
	      "  <on_crash>destroy</on_crash>\n",
	      f);
	xml_devices(f, o);
	if (o->net == VCL_VM_NET_USER) {
		char netdev[160];

		user_netdev(o, netdev, sizeof(netdev));
		fputs(
		    "  <qemu:commandline>\n    <qemu:arg value='-netdev'/>\n    <qemu:arg value='",
		    f);
		put_escaped(f, netdev);
		fputs("'/>\n    <qemu:arg value='-device'/>\n    <qemu:arg value='", f);
		put_escaped(f, nic_device(o));
		fputs("'/>\n  </qemu:commandline>\n", f);
	}
	/*
	 * libvirt 9.0 verifies the guest CPU of every x86 domain after QEMU
	 * starts (paused). With QEMU's "unavailable-features" property it does
	 * so generically: one qom-get QMP round trip per CPU feature, 398 of
	 * them, ~0.6 s on an idle 2-core host and 1.5 s under load, all before
	 * the guest runs a single instruction. Without that capability it uses
	 * the x86 path: two qom-gets (feature-words, filtered-features) that
	 * carry the same CPUID information. Same check, 396 fewer round trips.
	 */
	fputs("  <qemu:capabilities>\n"
	      "    <qemu:del capability='cpu-unavailable-features'/>\n"
	      "  </qemu:capabilities>\n",
	      f);
	fputs("</domain>\n", f);
	if (fclose(f) != 0)
		return vcl_fail(err, errno, "Domain XML");
	*out = steal_ptr(buf);
	return 0;
}

static int push(char **v, size_t *n, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int push(char **v, size_t *n, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n + 1 >= cap)
		return -1;
	va_start(ap, fmt);
	r = vasprintf(&v[*n], fmt, ap);
	va_end(ap);
	if (r < 0) {
		v[*n] = NULL;
		return -1;
	}
	(*n)++;
	v[*n] = NULL;
	return 0;
}

int vcl_vm_qemu_argv(const struct vcl_vm_opts *o, const char *qemu_bin, char ***out,
		     struct vcl_error **err)
{
	enum { CAP = 96 };
	cleanup_strv char **v = NULL;
	size_t n = 0;
	int r = 0;

	if (check_opts(o, err) < 0)
		return -1;
	if (o->net != VCL_VM_NET_USER)
		return vcl_usage(err, "qemu-direct supports only user-mode networking");
	v = calloc(CAP, sizeof(*v));
	if (v == NULL)
		return vcl_fail(err, ENOMEM, "QEMU argv");

	/* The same machine libvirt builds from the XML: pc, no defaults, no
	 * USB, no ACPI (libvirt passes -no-acpi when the XML has no <acpi/>),
	 * no display, the same firmware ROM, direct kernel boot, one serial
	 * port, one virtio-net on user-mode networking with the same forward. */
	r |= push(v, &n, CAP, "%s", qemu_bin);
	r |= push(v, &n, CAP, "-name");
	r |= push(v, &n, CAP, "%s", o->name);
	r |= push(v, &n, CAP, "-machine");
	r |= push(v, &n, CAP, "%s,usb=off,acpi=%s", machine_of(o), o->acpi ? "on" : "off");
	r |= push(v, &n, CAP, "-accel");
	if (o->kvm)
		r |= push(v, &n, CAP, "kvm");
	else if (o->tb_cache_mib > 0)
		r |= push(v, &n, CAP, "tcg,tb-size=%u", o->tb_cache_mib);
	else
		r |= push(v, &n, CAP, "tcg");
	r |= push(v, &n, CAP, "-m");
	r |= push(v, &n, CAP, "%llu", (unsigned long long)o->mem_mib);
	r |= push(v, &n, CAP, "-smp");
	r |= push(v, &n, CAP, "%u", o->vcpus);
	r |= push(v, &n, CAP, "-nodefaults");
	r |= push(v, &n, CAP, "-no-user-config");
	r |= push(v, &n, CAP, "-display");
	r |= push(v, &n, CAP, "none");
	r |= push(v, &n, CAP, "-no-reboot");
	if (o->firmware != NULL) {
		r |= push(v, &n, CAP, "-bios");
		r |= push(v, &n, CAP, "%s", o->firmware);
	}
	r |= push(v, &n, CAP, "-kernel");
	r |= push(v, &n, CAP, "%s", o->kernel);
	r |= push(v, &n, CAP, "-initrd");
	r |= push(v, &n, CAP, "%s", o->initrd);
	if (o->cmdline != NULL && *o->cmdline != '\0') {
		r |= push(v, &n, CAP, "-append");
		r |= push(v, &n, CAP, "%s", o->cmdline);
	}
	if (o->serial_path != NULL) {
		r |= push(v, &n, CAP, "-chardev");
		r |= push(v, &n, CAP, "file,id=s0,path=%s", o->serial_path);
		r |= push(v, &n, CAP, "-serial");
		r |= push(v, &n, CAP, "chardev:s0");
	} else {
		r |= push(v, &n, CAP, "-serial");
		r |= push(v, &n, CAP, "stdio");
	}
	/* What libvirt 9.0 makes of each <disk>: a file node and a format
	 * node (-blockdev, read-only both for <readonly/>), and a
	 * virtio-blk-pci device on it, in the same order (vda first). */
	for (unsigned i = 0; i < o->ndisks; i++) {
		const struct vcl_vm_disk *d = &o->disks[i];
		const char *ro = d->readonly ? "on" : "off";
		const char *cache = d->host_direct ? ",cache.direct=on,cache.no-flush=off" : "";

		r |= push(v, &n, CAP, "-blockdev");
		r |= push(v, &n, CAP, "driver=file,filename=%s,node-name=vd%c-file,read-only=%s%s",
			  d->path, 'a' + (int)i, ro, cache);
		r |= push(v, &n, CAP, "-blockdev");
		r |= push(v, &n, CAP, "driver=%s,file=vd%c-file,node-name=vd%c,read-only=%s%s",
			  disk_format_name(d->format), 'a' + (int)i, 'a' + (int)i, ro, cache);
		r |= push(v, &n, CAP, "-device");
		r |= push(v, &n, CAP, "virtio-blk-pci,drive=vd%c,id=virtio-disk%u,addr=0x%x",
			  'a' + (int)i, i, VCL_VM_DISK_SLOT + i);
	}
	r |= push(v, &n, CAP, "-netdev");
	{
		char netdev[160];

		user_netdev(o, netdev, sizeof(netdev));
		r |= push(v, &n, CAP, "%s", netdev);
	}
	r |= push(v, &n, CAP, "-device");
	r |= push(v, &n, CAP, "%s", nic_device(o));
	if (r != 0)
		return vcl_fail(err, ENOMEM, "QEMU argv");
	*out = steal_ptr(v);
	return 0;
}

/* "<base> vclab.name=NAME vclab.port=P<tail>" into buf. */
static int cmdline_fmt(char *buf, size_t len, struct vcl_error **err, const char *base,
		       const char *name, uint16_t guest_port, const char *tail)
{
	int n;

	if (!name_ok(name))
		return vcl_usage(err, "Instance name '%s' must be non-empty [A-Za-z0-9._-]",
				 name ? name : "");
	n = snprintf(buf, len, "%s vclab.name=%s vclab.port=%u%s", base, name, (unsigned)guest_port,
		     tail);
	if (n < 0 || (size_t)n >= len)
		return vcl_usage(err, "Guest kernel command line too long");
	return 0;
}

int vcl_vm_kernel_cmdline(const char *name, uint16_t guest_port, bool dhcp, char *buf, size_t len,
			  struct vcl_error **err)
{
	/*
	 * quiet/loglevel: console output over an emulated UART costs a VM exit
	 * per byte. panic=-1: reboot at once on a panic, which on_reboot=destroy
	 * and -no-reboot turn into a QEMU exit. 8250.nr_uarts=1: do not probe
	 * UARTs that are not there. i8042.*: no PS/2 probing (no input devices
	 * are used). cryptomgr.notests: skip crypto self-tests at boot.
	 * noapictimer: the one vCPU keeps time with the PIT. Under TCG the
	 * local APIC timer's calibration and verification cost the micro
	 * kernel ~230 ms and then failed ("APIC timer disabled due to
	 * verification failure"), ending where noapictimer starts.
	 */
	return cmdline_fmt(buf, len, err,
			   "console=ttyS0 quiet loglevel=3 panic=-1 8250.nr_uarts=1 i8042.noaux "
			   "i8042.nomux i8042.nopnp i8042.dumbkbd cryptomgr.notests noapictimer",
			   name, guest_port, dhcp ? " vclab.ip=dhcp" : "");
}

int vcl_vm_iaas_cmdline(const char *name, uint16_t guest_port, char *buf, size_t len,
			struct vcl_error **err)
{
	/* What a cloud image boots with, minus its graphical console: the
	 * root disk, the serial console, quiet (every console byte is a VM
	 * exit), panic=-1 (a panic ends the domain). fsck.mode=skip: the
	 * overlay is fresh from a clean image every boot. No micro tuning
	 * (no noapictimer, no i8042 or UART probing switches): that is the
	 * point of this profile. */
	return cmdline_fmt(
	    buf, len, err,
	    "console=ttyS0 root=/dev/vda rw quiet loglevel=3 panic=-1 fsck.mode=skip", name,
	    guest_port, "");
}

static int rec(FILE *f, const char *key, const char *val)
{
	return fprintf(f, "%s=%s", key, val) < 0 || fputc('\0', f) == EOF ? -1 : 0;
}

/* One container's records: user, folder, argv, env. */
static int svc_recs(FILE *f, const struct vcl_svc_spec *svc)
{
	char num[32];
	int r = 0;

	snprintf(num, sizeof(num), "%u", (unsigned)svc->uid);
	r |= rec(f, "uid", num);
	snprintf(num, sizeof(num), "%u", (unsigned)svc->gid);
	r |= rec(f, "gid", num);
	r |= rec(f, "cwd", svc->cwd != NULL && *svc->cwd != '\0' ? svc->cwd : "/");
	for (char *const *a = svc->argv; *a != NULL; a++)
		r |= rec(f, "arg", *a);
	for (char *const *e = svc->envp; e != NULL && *e != NULL; e++)
		r |= rec(f, "env", *e);
	return r;
}

/* A pod's other containers, each from its "ctr=NAME" record on: its
 * disk (vdX), init=1 for an init container, then its own records. */
static int pod_recs(FILE *f, const struct vcl_svc_spec *svc, const char *disks)
{
	int r = 0;

	for (size_t i = 0; svc->pod != NULL && svc->pod[i] != NULL; i++) {
		const struct vcl_svc_spec *m = svc->pod[i];
		char dev[8];

		if (m->argv == NULL || m->argv[0] == NULL)
			return -1;
		snprintf(dev, sizeof(dev), "vd%c",
			 disks != NULL && disks[i] != '\0' ? disks[i] : 'a');
		r |= rec(f, "ctr",
			 m->ctr_name != NULL && m->ctr_name[0] != '\0' ? m->ctr_name : "?");
		r |= rec(f, "disk", dev);
		if (m->init)
			r |= rec(f, "init", "1");
		r |= svc_recs(f, m);
	}
	return r;
}

/* fsgroup= and group= (supplementary groups), then each volume as
 * "vol=<e|f|d><r|w> SIZE TARGET" followed by its files as "file=MODE PATH"
 * and "data=BYTES"; a volume on the host's disk (host_dir) is the data
 * disk vd<data_dev> ('d', "voldev=vdX"). */
static int svc_volume_recs(FILE *f, const struct vcl_svc_spec *svc, char data_dev)
{
	gid_t g[17];
	size_t ng = vcl_security_groups(&svc->sec, g, sizeof(g) / sizeof(g[0]));
	char line[600];
	int r = 0;

	if (svc->sec.has_fs_group) {
		snprintf(line, sizeof(line), "%u", (unsigned)svc->sec.fs_group);
		r |= rec(f, "fsgroup", line);
	}
	for (size_t i = 0; i < ng; i++) {
		snprintf(line, sizeof(line), "%u", (unsigned)g[i]);
		r |= rec(f, "group", line);
	}
	for (size_t i = 0; i < svc->nvols; i++) {
		const struct vcl_volume *v = &svc->vols[i];

		snprintf(line, sizeof(line), "%c%c %llu %s",
			 v->host_dir != NULL ? 'd' : (v->empty ? 'e' : 'f'),
			 v->read_only ? 'r' : 'w', (unsigned long long)v->size_bytes, v->target);
		r |= rec(f, "vol", line);
		if (v->host_dir != NULL) {
			snprintf(line, sizeof(line), "vd%c", data_dev);
			r |= rec(f, "voldev", line);
		}
		for (size_t k = 0; k < v->nfiles; k++) {
			snprintf(line, sizeof(line), "%o %s", v->files[k].mode, v->files[k].path);
			r |= rec(f, "file", line);
			r |= fprintf(f, "data=%.*s", (int)v->files[k].len, v->files[k].data) < 0 ||
				     fputc('\0', f) == EOF
				 ? -1
				 : 0;
		}
	}
	return r;
}

char vcl_vm_data_disk_letter(const char *pod_letters)
{
	char last = 'b'; /* vda the service's rootfs, vdb its description */

	for (const char *p = pod_letters; p != NULL && *p != '\0'; p++)
		if (*p > last)
			last = *p;
	return (char)(last + 1);
}

int vcl_vm_svc_config(const struct vcl_svc_spec *svc, const char *disks, char **out, size_t *len,
		      struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	size_t n = 0, padded;
	char num[32];
	int r = 0;
	FILE *f;

	if (svc == NULL || svc->argv == NULL || svc->argv[0] == NULL)
		return vcl_usage(err, "Service has no command to run in the guest");
	f = open_memstream(&buf, &n);
	if (f == NULL)
		return vcl_fail(err, errno, "Service description");
	r |= fputs(VCL_VM_SVC_MAGIC, f) == EOF ? -1 : 0;
	snprintf(num, sizeof(num), "%u", (unsigned)svc->port);
	r |= rec(f, "port", num);
	r |= svc_recs(f, svc);
	r |= svc_volume_recs(f, svc, vcl_vm_data_disk_letter(disks));
	r |= pod_recs(f, svc, disks);
	r |= fputc('\0', f) == EOF ? -1 : 0;
	if (fclose(f) != 0 || r != 0)
		return vcl_fail(err, ENOMEM, "Service description");
	if (n > VCL_VM_SVC_MAX)
		return vcl_usage(err,
				 "Service %s: command and environment take %zu bytes, more than "
				 "the guest reads (%d)",
				 svc->name ? svc->name : "", n, VCL_VM_SVC_MAX);
	padded = (n + 4095) / 4096 * 4096;
	{
		char *p = realloc(buf, padded);

		if (p == NULL)
			return vcl_fail(err, ENOMEM, "Service description");
		memset(p + n, 0, padded - n);
		buf = p;
	}
	*out = steal_ptr(buf);
	*len = padded;
	return 0;
}

int vcl_vm_svc_opts(struct vcl_vm_opts *o, const struct vcl_svc_spec *svc, const char *disk,
		    const char *config, char *cmdline, size_t len, struct vcl_error **err)
{
	size_t used = strlen(cmdline);

	if (svc->port == 0)
		return vcl_usage(err, "Service %s: no port to forward", svc->name);
	if (used + sizeof(VCL_VM_SVC_CMDLINE) > len)
		return vcl_usage(err, "Guest kernel command line too long");
	memcpy(cmdline + used, VCL_VM_SVC_CMDLINE, sizeof(VCL_VM_SVC_CMDLINE));
	o->cmdline = cmdline;
	o->guest_port = svc->port;
	if (vcl_vm_opts_add_disk(o, disk, VCL_VM_DISK_RAW, true, err) < 0 ||
	    vcl_vm_opts_add_disk(o, config, VCL_VM_DISK_RAW, true, err) < 0)
		return -1;
	return 0;
}

/* dir/base, or NULL when out of memory. */
static char *path_in(const char *dir, const char *base)
{
	char *p;

	return asprintf(&p, "%s/%s", dir, base) < 0 ? NULL : p;
}

int vcl_vm_guest_placed(const struct vcl_vm_guest *src, const char *dir, struct vcl_vm_guest *out,
			struct vcl_error **err)
{
	bool iaas = src->profile == VCL_VM_PROFILE_IAAS;
	const char *kbase = strrchr(src->kernel, '/');

	memset(out, 0, sizeof(*out));
	out->profile = src->profile;
	out->dir = strdup(dir);
	out->kernel = path_in(dir, kbase != NULL ? kbase + 1 : src->kernel);
	out->initrd = path_in(dir, iaas ? "initrd.img" : "initramfs.cpio.gz");
	if (src->disk != NULL)
		out->disk = path_in(dir, "root.ext4");
	if (out->dir == NULL || out->kernel == NULL || out->initrd == NULL ||
	    (src->disk != NULL && out->disk == NULL))
		return vcl_fail(err, ENOMEM, "Guest files in %s", dir);
	return 0;
}

int vcl_vm_machine_init(struct vcl_vm_machine *m, const struct vcl_vm_guest *g,
			const struct vcl_spec *spec, const char *name, uint16_t host_port,
			enum vcl_vm_net net, const char *network, struct vcl_error **err)
{
	bool iaas = g->profile == VCL_VM_PROFILE_IAAS;
	int r;

	memset(m, 0, sizeof(*m));
	m->sw.ifd = -1;
	if (iaas && net != VCL_VM_NET_USER)
		return vcl_usage(err, "vm-iaas supports only --vm-net user");
	if (iaas)
		r = vcl_vm_iaas_cmdline(name, VCL_VM_GUEST_PORT, m->cmdline, sizeof(m->cmdline),
					err);
	else
		r = vcl_vm_kernel_cmdline(name, spec->svc ? spec->svc->port : VCL_VM_GUEST_PORT,
					  net == VCL_VM_NET_NETWORK, m->cmdline, sizeof(m->cmdline),
					  err);
	if (r < 0)
		return -1;
	vcl_vm_opts_from_spec(&m->o, spec, name, g->kernel, g->initrd, m->cmdline, host_port);
	vcl_vm_opts_profile(&m->o, spec, g->profile);
	m->o.net = net;
	m->o.network = network;
	if (spec->svc == NULL)
		return 0;
	if (vcl_vm_svc_opts(&m->o, spec->svc, g->svc_disk, g->svc_cfg, m->cmdline,
			    sizeof(m->cmdline), err) < 0)
		return -1;
	/* A pod's other images: vdc, vdd. */
	for (size_t i = 0; i < VCL_VM_POD_DISKS && g->pod_disk[i] != NULL; i++)
		if (vcl_vm_opts_add_disk(&m->o, g->pod_disk[i], VCL_VM_DISK_RAW, true, err) < 0)
			return -1;
	return 0;
}

void vcl_vm_machine_endpoint(const struct vcl_vm_machine *m, struct vcl_endpoint *ep)
{
	snprintf(ep->addr, sizeof(ep->addr), "%s", m->o.host_addr);
	ep->port = m->o.host_port;
}

int vcl_vm_parse_net(const char *s, enum vcl_vm_net *net, const char **network,
		     struct vcl_error **err)
{
	if (s == NULL || strcmp(s, "user") == 0) {
		*net = VCL_VM_NET_USER;
		*network = NULL;
		return 0;
	}
	if (strncmp(s, "network:", 8) == 0 && name_ok(s + 8)) {
		*net = VCL_VM_NET_NETWORK;
		*network = s + 8;
		return 0;
	}
	return vcl_usage(err, "Bad --vm-net '%s' (want 'user' or 'network:NAME')", s);
}

bool vcl_vm_uri_is_local(const char *uri)
{
	const char *p;

	if (uri == NULL)
		return true;
	p = strstr(uri, "://");
	if (p == NULL)
		return true;
	/* driver[+transport]://[user@]host/path: a host part means remote,
	 * and so does any transport other than unix. */
	if (p[3] != '/' && p[3] != '\0')
		return false;
	p = strchr(uri, '+');
	if (p != NULL && p < strstr(uri, "://") && strncmp(p, "+unix://", 8) != 0)
		return false;
	return true;
}

size_t vcl_vm_scan_ready(const char *buf, size_t len)
{
	static const char tag[] = "VCLAB-READY ";
	const size_t tlen = sizeof(tag) - 1;

	for (size_t i = 0; i + tlen <= len; i++) {
		if ((i == 0 || buf[i - 1] == '\n' || buf[i - 1] == '\r') &&
		    memcmp(buf + i, tag, tlen) == 0) {
			const char *nl = memchr(buf + i, '\n', len - i);

			if (nl != NULL)
				return (size_t)(nl - buf) + 1;
			return 0;
		}
	}
	return 0;
}

int vcl_vm_parse_init_line(const char *line, size_t len, uint64_t *boottime_us)
{
	static const char tag[] = "VCLAB-INIT boottime_us=";
	const size_t tlen = sizeof(tag) - 1;
	uint64_t v = 0;
	size_t i;

	if (len <= tlen || memcmp(line, tag, tlen) != 0)
		return 0;
	for (i = tlen; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
		if (i - tlen >= 15) /* > 31 years of boot clock: garbage */
			return 0;
		v = v * 10 + (uint64_t)(line[i] - '0');
	}
	if (i == tlen || (i < len && line[i] != ' ' && line[i] != '\r'))
		return 0;
	*boottime_us = v;
	return 1;
}

int vcl_vm_parse_init_field(const char *line, size_t len, const char *key, uint64_t *v)
{
	size_t klen = strlen(key);
	uint64_t x = 0;

	for (size_t i = 0; i + klen + 2 <= len; i++) {
		size_t j;

		if (line[i] != ' ' || memcmp(line + i + 1, key, klen) != 0 ||
		    line[i + 1 + klen] != '=')
			continue;
		for (j = i + 2 + klen; j < len && line[j] >= '0' && line[j] <= '9'; j++) {
			if (j - (i + 2 + klen) >= 15)
				return 0;
			x = x * 10 + (uint64_t)(line[j] - '0');
		}
		if (j == i + 2 + klen || (j < len && line[j] != ' ' && line[j] != '\r'))
			return 0;
		*v = x;
		return 1;
	}
	return 0;
}

bool vcl_vm_boot_anchor(uint64_t start, uint64_t init_seen, uint64_t boottime_us, uint64_t init_us,
			uint64_t *kernel_entry, uint64_t *init)
{
	uint64_t guest_ns = boottime_us * 1000ULL;

	/* The guest clock cannot have started before the create call: if it
	 * claims so, it runs fast or the line was read late; leave it out. */
	if (start == 0 || init_seen <= start || guest_ns > init_seen - start)
		return false;
	if (init_us > boottime_us)
		return false;
	*kernel_entry = init_seen - guest_ns;
	*init = *kernel_entry + init_us * 1000ULL;
	return true;
}
