/* SPDX-License-Identifier: MIT */
/*
 * The VM placement's pure parts: domain XML for every option combination
 * (each one also checked by virt-xml-validate against libvirt's schema when
 * the tool is installed), the qemu-direct argv that must mirror it, the
 * kernel command line, option parsing, console scanning, and the serial
 * watch (a temp folder and inotify; no root, no libvirtd).
 */
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "vmm/vmm.h"
#include "tests/suite_main.h"

static struct vcl_vm_opts base_opts(void)
{
	struct vcl_vm_opts o = {
	    .name = "vclab-ab12-1",
	    .kvm = false,
	    .tb_cache_mib = 16,
	    .mem_mib = 256,
	    .vcpus = 1,
	    .cpuset = "1",
	    .firmware = VCL_VM_FIRMWARE_QBOOT,
	    .kernel = "/var/lib/libvirt/images/vclab-ab12/vmlinux",
	    .initrd = "/var/lib/libvirt/images/vclab-ab12/initramfs.cpio.gz",
	    .cmdline = "console=ttyS0 quiet panic=-1 vclab.name=vclab-ab12-1 vclab.port=80",
	    .serial_path = "/var/lib/libvirt/images/vclab-ab12/vclab-ab12-1/serial.log",
	    .net = VCL_VM_NET_USER,
	    .host_addr = "127.0.0.1",
	    .host_port = 41234,
	    .guest_port = 80,
	};
	return o;
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Validate against libvirt's RelaxNG schema. Returns 1 valid, 0 invalid,
 * -1 when virt-xml-validate is not installed (the caller says so). */
static int xml_validate(const char *xml)
{
	char path[] = "/tmp/vclab-vmxml-XXXXXX";
	char cmd[256];
	int fd, st;

	if (access("/usr/bin/virt-xml-validate", X_OK) != 0)
		return -1;
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, xml, strlen(xml)), (ssize_t)strlen(xml));
	close(fd);
	snprintf(cmd, sizeof(cmd), "virt-xml-validate %s domain >/dev/null 2>&1", path);
	st = system(cmd);
	unlink(path);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 1 : 0;
}

static void assert_valid(const char *xml)
{
	int v = xml_validate(xml);

	if (v < 0) {
		fprintf(stderr, "test_vmxml: virt-xml-validate not installed, schema check skipped "
				"(apt-get install libvirt-clients)\n");
		return;
	}
	ck_assert_msg(v == 1, "virt-xml-validate rejected:\n%s", xml);
}

static char *xml_of(const struct vcl_vm_opts *o)
{
	cleanup_error struct vcl_error *err = NULL;
	char *xml = NULL;

	ck_assert_msg(vcl_vm_domain_xml(o, &xml, &err) == 0, "%s", err ? err->msg : "");
	ck_assert_ptr_nonnull(xml);
	return xml;
}

START_TEST(xml_tcg_user_pinned)
{
	struct vcl_vm_opts o = base_opts();
	cleanup_free char *xml = xml_of(&o);

	ck_assert_ptr_nonnull(strstr(xml, "<domain type='qemu'"));
	ck_assert_ptr_nonnull(strstr(xml, "<name>vclab-ab12-1</name>"));
	ck_assert_ptr_nonnull(strstr(xml, "<memory unit='MiB'>256</memory>"));
	ck_assert_ptr_nonnull(strstr(xml, "<vcpu placement='static'>1</vcpu>"));
	ck_assert_ptr_nonnull(strstr(xml, "<tb-cache unit='MiB'>16</tb-cache>"));
	ck_assert_uint_eq(count(xml, "<vcpupin "), 1);
	ck_assert_ptr_nonnull(strstr(xml, "<vcpupin vcpu='0' cpuset='1'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<emulatorpin cpuset='1'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<kernel>/var/lib/libvirt/images/vclab-ab12/vmlinux"));
	ck_assert_ptr_nonnull(strstr(xml, "<initrd>"));
	ck_assert_ptr_nonnull(strstr(xml, "<cmdline>console=ttyS0 quiet"));
	ck_assert_ptr_nonnull(strstr(xml, "<controller type='usb' model='none'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<memballoon model='none'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<serial type='file'>"));
	ck_assert_ptr_nonnull(strstr(xml, "serial.log'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<on_reboot>destroy</on_reboot>"));
	ck_assert_ptr_nonnull(
	    strstr(xml, "value='user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:41234-:80'"));
	ck_assert_ptr_nonnull(strstr(xml, "value='virtio-net-pci,netdev=n0'"));
	ck_assert_ptr_nonnull(strstr(xml, "<qemu:del capability='cpu-unavailable-features'/>"));
	ck_assert_ptr_null(strstr(xml, "<graphics"));
	ck_assert_ptr_null(strstr(xml, "<interface"));
	ck_assert_ptr_null(strstr(xml, "<disk"));
	assert_valid(xml);
}
END_TEST

START_TEST(xml_kvm_no_tcg_cache)
{
	struct vcl_vm_opts o = base_opts();
	cleanup_free char *xml = NULL;

	o.kvm = true;
	xml = xml_of(&o);
	ck_assert_ptr_nonnull(strstr(xml, "<domain type='kvm'"));
	ck_assert_ptr_null(strstr(xml, "<tcg>"));
	ck_assert_ptr_null(strstr(xml, "tb-cache"));
	assert_valid(xml);
}
END_TEST

START_TEST(xml_tcg_default_cache)
{
	struct vcl_vm_opts o = base_opts();
	cleanup_free char *xml = NULL;

	o.tb_cache_mib = 0;
	xml = xml_of(&o);
	ck_assert_ptr_nonnull(strstr(xml, "<domain type='qemu'"));
	ck_assert_ptr_null(strstr(xml, "<features>"));
	assert_valid(xml);
}
END_TEST

START_TEST(xml_unpinned_multi_vcpu)
{
	struct vcl_vm_opts o = base_opts();
	cleanup_free char *xml = NULL;
	cleanup_free char *pinned = NULL;

	o.cpuset = NULL;
	o.vcpus = 2;
	o.mem_mib = 512;
	xml = xml_of(&o);
	ck_assert_ptr_null(strstr(xml, "<cputune>"));
	ck_assert_ptr_nonnull(strstr(xml, "<vcpu placement='static'>2</vcpu>"));
	ck_assert_ptr_nonnull(strstr(xml, "<memory unit='MiB'>512</memory>"));
	assert_valid(xml);

	o.cpuset = "0-1,3";
	pinned = xml_of(&o);
	ck_assert_uint_eq(count(pinned, "<vcpupin "), 2);
	ck_assert_ptr_nonnull(strstr(pinned, "<vcpupin vcpu='1' cpuset='0-1,3'/>"));
	ck_assert_ptr_nonnull(strstr(pinned, "<emulatorpin cpuset='0-1,3'/>"));
	assert_valid(pinned);
}
END_TEST

START_TEST(xml_pty_console)
{
	struct vcl_vm_opts o = base_opts();
	cleanup_free char *xml = NULL;

	o.serial_path = NULL;
	xml = xml_of(&o);
	ck_assert_ptr_nonnull(strstr(xml, "<serial type='pty'>"));
	ck_assert_ptr_null(strstr(xml, "<serial type='file'>"));
	assert_valid(xml);
}
END_TEST

START_TEST(xml_libvirt_network)
{
	struct vcl_vm_opts o = base_opts();
	cleanup_free char *xml = NULL;

	o.net = VCL_VM_NET_NETWORK;
	o.network = "default";
	o.host_addr = NULL;
	o.host_port = 0;
	xml = xml_of(&o);
	ck_assert_ptr_nonnull(strstr(xml, "<interface type='network'>"));
	ck_assert_ptr_nonnull(strstr(xml, "<source network='default'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<model type='virtio'/>"));
	ck_assert_ptr_null(strstr(xml, "qemu:commandline"));
	ck_assert_ptr_null(strstr(xml, "hostfwd"));
	ck_assert_ptr_nonnull(strstr(xml, "<qemu:capabilities>"));
	assert_valid(xml);
}
END_TEST

START_TEST(xml_escapes)
{
	struct vcl_vm_opts o = base_opts();
	cleanup_free char *xml = NULL;

	o.kernel = "/srv/a&b/<k>'\"";
	o.cmdline = "console=ttyS0 x=<&>";
	xml = xml_of(&o);
	ck_assert_ptr_nonnull(strstr(xml, "<kernel>/srv/a&amp;b/&lt;k&gt;&apos;&quot;</kernel>"));
	ck_assert_ptr_nonnull(strstr(xml, "x=&lt;&amp;&gt;</cmdline>"));
	assert_valid(xml);
}
END_TEST

static void expect_usage(const struct vcl_vm_opts *o, const char *part)
{
	cleanup_error struct vcl_error *err = NULL;
	char *xml = NULL;

	ck_assert_int_lt(vcl_vm_domain_xml(o, &xml, &err), 0);
	ck_assert_ptr_null(xml);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_msg(strstr(err->msg, part) != NULL, "'%s' lacks '%s'", err->msg, part);
}

START_TEST(xml_rejects_bad_input)
{
	struct vcl_vm_opts o;

	o = base_opts();
	o.name = "bad name";
	expect_usage(&o, "Domain name");
	o = base_opts();
	o.name = "";
	expect_usage(&o, "Domain name");
	o = base_opts();
	o.mem_mib = 0;
	expect_usage(&o, "memory");
	o = base_opts();
	o.vcpus = 0;
	expect_usage(&o, "vCPUs");
	o = base_opts();
	o.cpuset = "0-";
	expect_usage(&o, "cpuset");
	o = base_opts();
	o.cpuset = "a";
	expect_usage(&o, "cpuset");
	o = base_opts();
	o.host_addr = "10.0.2.15";
	expect_usage(&o, "127.0.0.0/8");
	o = base_opts();
	o.host_addr = "0.0.0.0";
	expect_usage(&o, "127.0.0.0/8");
	o = base_opts();
	o.host_port = 0;
	expect_usage(&o, "ports");
	o = base_opts();
	o.kernel = NULL;
	expect_usage(&o, "kernel");
	o = base_opts();
	o.net = VCL_VM_NET_NETWORK;
	o.network = NULL;
	expect_usage(&o, "network");
	o = base_opts();
	o.cmdline = "a\nb";
	expect_usage(&o, "newline");
}
END_TEST

#define L2(s) (s), sizeof(s) - 1

static bool argv_has(char **v, const char *a, const char *b)
{
	for (size_t i = 0; v[i] != NULL; i++)
		if (strcmp(v[i], a) == 0 && (b == NULL || (v[i + 1] && strcmp(v[i + 1], b) == 0)))
			return true;
	return false;
}

START_TEST(argv_mirrors_xml)
{
	struct vcl_vm_opts o = base_opts();
	cleanup_strv char **v = NULL;
	cleanup_strv char **k = NULL;
	cleanup_error struct vcl_error *err = NULL;

	o.vcpus = 2;
	ck_assert_int_eq(vcl_vm_qemu_argv(&o, "qemu-system-x86_64", &v, &err), 0);
	ck_assert_str_eq(v[0], "qemu-system-x86_64");
	ck_assert(argv_has(v, "-accel", "tcg,tb-size=16"));
	ck_assert(argv_has(v, "-m", "256"));
	ck_assert(argv_has(v, "-smp", "2"));
	ck_assert(argv_has(v, "-machine", "pc,usb=off,acpi=off"));
	ck_assert(argv_has(v, "-nodefaults", NULL));
	ck_assert(argv_has(v, "-no-reboot", NULL));
	ck_assert(argv_has(v, "-display", "none"));
	ck_assert(argv_has(v, "-kernel", o.kernel));
	ck_assert(argv_has(v, "-initrd", o.initrd));
	ck_assert(argv_has(v, "-append", o.cmdline));
	ck_assert(argv_has(v, "-netdev", "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:41234-:80"));
	ck_assert(argv_has(v, "-device", "virtio-net-pci,netdev=n0"));
	ck_assert(argv_has(v, "-chardev",
			   "file,id=s0,path=/var/lib/libvirt/images/vclab-ab12/"
			   "vclab-ab12-1/serial.log"));
	ck_assert(argv_has(v, "-serial", "chardev:s0"));

	o.kvm = true;
	ck_assert_int_eq(vcl_vm_qemu_argv(&o, "qemu-system-x86_64", &k, &err), 0);
	ck_assert(argv_has(k, "-accel", "kvm"));
	ck_assert(!argv_has(k, "-accel", "tcg,tb-size=16"));
}
END_TEST

/* The micro profile: qboot and the uncompressed PVH vmlinux, the same in
 * the XML and the argv; no firmware given means QEMU's default in both. */
START_TEST(firmware_qboot_both_paths)
{
	struct vcl_vm_opts o = base_opts();
	cleanup_free char *xml = xml_of(&o);
	cleanup_free char *plain_xml = NULL;
	cleanup_strv char **v = NULL;
	cleanup_strv char **plain = NULL;
	cleanup_error struct vcl_error *err = NULL;

	ck_assert_ptr_nonnull(
	    strstr(xml, "<loader type='rom' readonly='yes'>/usr/share/qemu/qboot.rom</loader>"));
	ck_assert_ptr_nonnull(strstr(xml, "</loader>\n    <kernel>/var/lib/libvirt/images/"
					  "vclab-ab12/vmlinux</kernel>"));
	ck_assert_ptr_null(strstr(xml, "<acpi"));
	assert_valid(xml);
	ck_assert_int_eq(vcl_vm_qemu_argv(&o, "qemu-system-x86_64", &v, &err), 0);
	ck_assert(argv_has(v, "-bios", "/usr/share/qemu/qboot.rom"));
	ck_assert(argv_has(v, "-kernel", "/var/lib/libvirt/images/vclab-ab12/vmlinux"));

	o.firmware = NULL;
	plain_xml = xml_of(&o);
	ck_assert_ptr_null(strstr(plain_xml, "<loader"));
	ck_assert_int_eq(vcl_vm_qemu_argv(&o, "qemu-system-x86_64", &plain, &err), 0);
	ck_assert(!argv_has(plain, "-bios", NULL));

	o.firmware = "qboot.rom";
	ck_assert_int_lt(vcl_vm_domain_xml(&o, &plain_xml, &err), 0);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
}
END_TEST

/* The spec's defaults for the micro profile. */
START_TEST(opts_from_spec_micro_defaults)
{
	struct vcl_spec spec;
	struct vcl_vm_opts o;

	memset(&spec, 0, sizeof(spec));
	spec.accel = "tcg";
	vcl_vm_opts_from_spec(&o, &spec, "vclab-ab12-1", "/k/vmlinux", "/k/initramfs.cpio.gz",
			      "console=ttyS0", 41234);
	ck_assert_uint_eq(o.mem_mib, 128);
	ck_assert_uint_eq(o.tb_cache_mib, VCL_VM_TB_CACHE_MIB);
	ck_assert_str_eq(o.firmware, VCL_VM_FIRMWARE_QBOOT);
	ck_assert_str_eq(o.kernel, "/k/vmlinux");
	ck_assert_uint_eq(o.vcpus, 1);
}
END_TEST

/* The iaas profile: q35 with ACPI, SeaBIOS (no -bios), 256 MiB, a 32 MiB
 * TCG cache, the root disk; the same in the XML and the argv. */
START_TEST(iaas_profile_both_paths)
{
	struct vcl_spec spec;
	struct vcl_vm_opts o;
	cleanup_free char *xml = NULL;
	cleanup_strv char **v = NULL;
	cleanup_error struct vcl_error *err = NULL;
	char cmd[512];

	memset(&spec, 0, sizeof(spec));
	spec.accel = "tcg";
	ck_assert_int_eq(vcl_vm_iaas_cmdline("vclab-ab12-1", 80, cmd, sizeof(cmd), NULL), 0);
	ck_assert_ptr_nonnull(strstr(cmd, "root=/dev/vda rw"));
	ck_assert_ptr_nonnull(strstr(cmd, "vclab.name=vclab-ab12-1 vclab.port=80"));
	ck_assert_ptr_null(strstr(cmd, "noapictimer"));
	vcl_vm_opts_from_spec(&o, &spec, "vclab-ab12-1", "/k/vmlinuz", "/k/initrd.img", cmd, 41234);
	vcl_vm_opts_profile(&o, &spec, VCL_VM_PROFILE_IAAS);
	ck_assert_uint_eq(o.mem_mib, VCL_VM_IAAS_MEM_MIB);
	ck_assert_uint_eq(o.tb_cache_mib, VCL_VM_IAAS_TB_CACHE_MIB);
	ck_assert_ptr_null(o.firmware);
	ck_assert_int_eq(vcl_vm_opts_add_disk(&o, "/i/root.qcow2", VCL_VM_DISK_QCOW2, false, NULL),
			 0);
	ck_assert_int_eq(vcl_vm_domain_xml(&o, &xml, &err), 0);
	ck_assert_ptr_nonnull(strstr(xml, "machine='q35'"));
	ck_assert_ptr_nonnull(strstr(xml, "<acpi/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<tb-cache unit='MiB'>32</tb-cache>"));
	ck_assert_ptr_null(strstr(xml, "<loader"));
	ck_assert_ptr_nonnull(strstr(xml, "type='qcow2'"));
	assert_valid(xml);
	ck_assert_int_eq(vcl_vm_qemu_argv(&o, "qemu-system-x86_64", &v, &err), 0);
	ck_assert(argv_has(v, "-machine", "q35,usb=off,acpi=on"));
	ck_assert(argv_has(v, "-accel", "tcg,tb-size=32"));
	ck_assert(!argv_has(v, "-bios", NULL));
	ck_assert(argv_has(v, "-m", "256"));
	ck_assert(argv_has(v, "-device", "virtio-net-pci,netdev=n0,bus=pcie.0,addr=0x10"));
	ck_assert_ptr_nonnull(strstr(xml, "virtio-net-pci,netdev=n0,bus=pcie.0,addr=0x10"));
	/* --vm-mem-mib wins; micro options stay as they were. */
	spec.vm_mem_mib = 512;
	vcl_vm_opts_profile(&o, &spec, VCL_VM_PROFILE_IAAS);
	ck_assert_uint_eq(o.mem_mib, 512);
	vcl_vm_opts_from_spec(&o, &spec, "vclab-ab12-1", "/k/vmlinux", "/k/i", "c", 41234);
	vcl_vm_opts_profile(&o, &spec, VCL_VM_PROFILE_MICRO);
	ck_assert_str_eq(o.firmware, VCL_VM_FIRMWARE_QBOOT);
	ck_assert(!o.acpi);
	/* An unknown machine type is refused by both paths. */
	o.machine = "microvm";
	{
		char *x2 = NULL;
		char **v2 = NULL;

		ck_assert_int_lt(vcl_vm_domain_xml(&o, &x2, NULL), 0);
		ck_assert_int_lt(vcl_vm_qemu_argv(&o, "q", &v2, NULL), 0);
		ck_assert_ptr_null(x2);
		ck_assert_ptr_null(v2);
	}
}
END_TEST

/* The iaas unit's line: init_us= on the same clock, checked by the anchor. */
START_TEST(init_field_and_anchor)
{
	static const char line[] = "VCLAB-INIT boottime_us=9000000 init_us=2500000 systemd_us=0";
	const uint64_t ms = 1000000ULL;
	uint64_t v = 0, k = 0, i = 0;

	ck_assert_int_eq(vcl_vm_parse_init_field(line, sizeof(line) - 1, "init_us", &v), 1);
	ck_assert_uint_eq(v, 2500000);
	ck_assert_int_eq(vcl_vm_parse_init_field(line, sizeof(line) - 1, "systemd_us", &v), 1);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(vcl_vm_parse_init_field(line, sizeof(line) - 1, "other", &v), 0);
	ck_assert_int_eq(
	    vcl_vm_parse_init_field(L2("VCLAB-INIT boottime_us=1 init_us=x"), "init_us", &v), 0);
	ck_assert_int_eq(
	    vcl_vm_parse_init_field(L2("VCLAB-INIT boottime_us=1 init_us="), "init_us", &v), 0);
	/* Line read at 10 s, guest clock 9 s: kernel entry at 1 s, /init at
	 * 3.5 s. */
	ck_assert(vcl_vm_boot_anchor(500 * ms, 10000 * ms, 9000000, 2500000, &k, &i));
	ck_assert_uint_eq(k, 1000 * ms);
	ck_assert_uint_eq(i, 3500 * ms);
	/* /init after the line's own stamp cannot be. */
	k = i = 5;
	ck_assert(!vcl_vm_boot_anchor(500 * ms, 10000 * ms, 9000000, 9000001, &k, &i));
	ck_assert_uint_eq(k, 5);
}
END_TEST

/* Disks: the same virtio-blk devices, in the same order, read-only where
 * asked, in both machine definitions; bad paths and too many disks are
 * refused by both. */
START_TEST(disks_both_paths)
{
	struct vcl_vm_opts o = base_opts();
	cleanup_free char *xml = NULL;
	cleanup_strv char **v = NULL;
	cleanup_error struct vcl_error *err = NULL;
	size_t a = 0, b = 0;

	ck_assert_int_eq(vcl_vm_opts_add_disk(&o, "/var/cache/vclab/disks/abc.ext4",
					      VCL_VM_DISK_RAW, true, &err),
			 0);
	ck_assert_int_eq(vcl_vm_opts_add_disk(&o, "/var/lib/libvirt/images/r.qcow2",
					      VCL_VM_DISK_QCOW2, false, &err),
			 0);
	ck_assert_int_eq(vcl_vm_domain_xml(&o, &xml, &err), 0);
	assert_valid(xml);
	ck_assert_uint_eq(count(xml, "<disk type='file' device='disk'>"), 2);
	ck_assert_ptr_nonnull(strstr(xml, "<driver name='qemu' type='raw'/>\n      <source "
					  "file='/var/cache/vclab/disks/abc.ext4'>\n        "
					  "<seclabel model='dac' relabel='no'/>"));
	ck_assert_ptr_nonnull(strstr(xml,
				     "<target dev='vda' bus='virtio'/>\n      <address type='pci' "
				     "domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>\n"
				     "      <readonly/>"));
	ck_assert_ptr_nonnull(
	    strstr(xml, "<driver name='qemu' type='qcow2'/>\n      <source "
			"file='/var/lib/libvirt/images/r.qcow2'/>\n      <target "
			"dev='vdb' bus='virtio'/>\n      <address type='pci' "
			"domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>\n    </disk>"));
	ck_assert_uint_eq(count(xml, "<readonly/>"), 1);

	ck_assert_int_eq(vcl_vm_qemu_argv(&o, "qemu-system-x86_64", &v, &err), 0);
	ck_assert(
	    argv_has(v, "-blockdev",
		     "driver=file,filename=/var/cache/vclab/disks/abc.ext4,node-name=vda-file,"
		     "read-only=on"));
	ck_assert(argv_has(v, "-blockdev", "driver=raw,file=vda-file,node-name=vda,read-only=on"));
	ck_assert(argv_has(v, "-device", "virtio-blk-pci,drive=vda,id=virtio-disk0,addr=0x4"));
	ck_assert(
	    argv_has(v, "-blockdev", "driver=qcow2,file=vdb-file,node-name=vdb,read-only=off"));
	ck_assert(argv_has(v, "-device", "virtio-blk-pci,drive=vdb,id=virtio-disk1,addr=0x5"));
	for (size_t i = 0; v[i] != NULL; i++) {
		if (strcmp(v[i], "virtio-blk-pci,drive=vda,id=virtio-disk0,addr=0x4") == 0)
			a = i;
		if (strcmp(v[i], "virtio-blk-pci,drive=vdb,id=virtio-disk1,addr=0x5") == 0)
			b = i;
	}
	ck_assert(a > 0 && b > a);

	/* Refused the same way by both paths. */
	o.disks[1].path = "/tmp/a,b.img";
	free(xml);
	xml = NULL;
	ck_assert_int_lt(vcl_vm_domain_xml(&o, &xml, &err), 0);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_ptr_nonnull(strstr(err->msg, "Disk 1 path"));
	vcl_error_free(err);
	err = NULL;
	o.disks[1].path = "relative.img";
	{
		cleanup_strv char **w = NULL;

		ck_assert_int_lt(vcl_vm_qemu_argv(&o, "qemu-system-x86_64", &w, &err), 0);
	}
	vcl_error_free(err);
	err = NULL;
	o.disks[1].path = "/x/b.img";
	ck_assert_int_eq(vcl_vm_opts_add_disk(&o, "/c", VCL_VM_DISK_RAW, true, &err), 0);
	ck_assert_int_eq(vcl_vm_opts_add_disk(&o, "/d", VCL_VM_DISK_RAW, true, &err), 0);
	ck_assert_int_lt(vcl_vm_opts_add_disk(&o, "/e", VCL_VM_DISK_RAW, true, &err), 0);
	ck_assert_uint_eq(o.ndisks, VCL_VM_MAX_DISKS);
}
END_TEST

/* No disk given: none in either definition (the payload guest). */
START_TEST(no_disks_by_default)
{
	struct vcl_vm_opts o = base_opts();
	cleanup_free char *xml = NULL;
	cleanup_strv char **v = NULL;
	cleanup_error struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_vm_domain_xml(&o, &xml, &err), 0);
	ck_assert_ptr_null(strstr(xml, "<disk"));
	ck_assert_int_eq(vcl_vm_qemu_argv(&o, "qemu-system-x86_64", &v, &err), 0);
	ck_assert(!argv_has(v, "-blockdev", NULL));
}
END_TEST

/* The service description on the guest's second disk: magic, records in
 * order, NUL-terminated, an empty record last, whole 4 KiB blocks; an env
 * value with a newline or space survives as it is. */
START_TEST(svc_config_format)
{
	char a0[] = "/bin/httpd", a1[] = "-f", a2[] = "-p", a3[] = "8080";
	char e0[] = "PATH=/bin", e1[] = "MULTI=a b\nc";
	char *argv[] = {a0, a1, a2, a3, NULL};
	char *envp[] = {e0, e1, NULL};
	struct vcl_svc_spec svc = {.name = "bb",
				   .argv = argv,
				   .envp = envp,
				   .cwd = "/www",
				   .uid = 33,
				   .gid = 34,
				   .port = 8080};
	static const char want[] = VCL_VM_SVC_MAGIC "port=8080\0uid=33\0gid=34\0cwd=/www\0"
						    "arg=/bin/httpd\0arg=-f\0arg=-p\0arg=8080\0"
						    "env=PATH=/bin\0env=MULTI=a b\nc\0\0";
	cleanup_free char *buf = NULL;
	cleanup_error struct vcl_error *err = NULL;
	size_t len = 0;

	ck_assert_int_eq(vcl_vm_svc_config(&svc, &buf, &len, &err), 0);
	ck_assert_uint_eq(len, 4096);
	ck_assert_int_eq(memcmp(buf, want, sizeof(want) - 1), 0);
	for (size_t i = sizeof(want) - 1; i < len; i++)
		ck_assert_int_eq(buf[i], 0);

	/* No command: refused. Too big for the guest's read: refused. */
	free(buf);
	buf = NULL;
	svc.argv = NULL;
	ck_assert_int_lt(vcl_vm_svc_config(&svc, &buf, &len, &err), 0);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	vcl_error_free(err);
	err = NULL;
	{
		static char big[VCL_VM_SVC_MAX];
		char *bigenv[] = {big, NULL};

		memset(big, 'x', sizeof(big) - 1);
		big[0] = 'X';
		big[1] = '=';
		svc.argv = argv;
		svc.envp = bigenv;
		ck_assert_int_lt(vcl_vm_svc_config(&svc, &buf, &len, &err), 0);
		ck_assert_ptr_nonnull(strstr(err->msg, "more than the guest reads"));
	}
}
END_TEST

/* The service turns the payload guest into its own in both definitions:
 * rootfs disk vda and description vdb (read-only), the forward to the
 * service's port, vclab.svc=vdb on the command line. */
START_TEST(svc_opts_both_paths)
{
	char a0[] = "/bin/httpd";
	char *argv[] = {a0, NULL};
	struct vcl_svc_spec svc = {.name = "bb", .argv = argv, .port = 8080};
	struct vcl_vm_opts o = base_opts();
	char cmdline[512] = "console=ttyS0 vclab.name=vclab-ab12-1 vclab.port=8080";
	cleanup_free char *xml = NULL;
	cleanup_strv char **v = NULL;
	cleanup_error struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_vm_svc_opts(&o, &svc, "/var/lib/libvirt/images/vclab-ab12/rootfs.ext4",
					 "/var/lib/libvirt/images/vclab-ab12/service.vdb", cmdline,
					 sizeof(cmdline), &err),
			 0);
	ck_assert_str_eq(cmdline,
			 "console=ttyS0 vclab.name=vclab-ab12-1 vclab.port=8080 vclab.svc=vdb");
	ck_assert_uint_eq(o.guest_port, 8080);
	ck_assert_uint_eq(o.ndisks, 2);
	ck_assert(o.disks[0].readonly && o.disks[1].readonly);
	ck_assert_int_eq(vcl_vm_domain_xml(&o, &xml, &err), 0);
	assert_valid(xml);
	ck_assert_ptr_nonnull(strstr(xml, "hostfwd=tcp:127.0.0.1:41234-:8080"));
	ck_assert_ptr_nonnull(strstr(xml, "rootfs.ext4'>"));
	ck_assert_ptr_nonnull(strstr(xml, "service.vdb'>"));
	ck_assert_ptr_nonnull(strstr(xml, "vclab.svc=vdb</cmdline>"));
	ck_assert_int_eq(vcl_vm_qemu_argv(&o, "qemu-system-x86_64", &v, &err), 0);
	ck_assert(
	    argv_has(v, "-netdev", "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:41234-:8080"));
	ck_assert(argv_has(v, "-append",
			   "console=ttyS0 vclab.name=vclab-ab12-1 vclab.port=8080 vclab.svc=vdb"));
	ck_assert(argv_has(v, "-blockdev",
			   "driver=file,filename=/var/lib/libvirt/images/vclab-ab12/rootfs.ext4,"
			   "node-name=vda-file,read-only=on"));
	ck_assert(argv_has(v, "-blockdev",
			   "driver=file,filename=/var/lib/libvirt/images/vclab-ab12/service.vdb,"
			   "node-name=vdb-file,read-only=on"));

	/* No port: refused; a full command line: refused. */
	svc.port = 0;
	ck_assert_int_lt(vcl_vm_svc_opts(&o, &svc, "/a", "/b", cmdline, sizeof(cmdline), &err), 0);
	vcl_error_free(err);
	err = NULL;
	svc.port = 80;
	{
		char small[8] = "abc";

		ck_assert_int_lt(vcl_vm_svc_opts(&o, &svc, "/a", "/b", small, sizeof(small), &err),
				 0);
	}
}
END_TEST

START_TEST(argv_rejects_network_mode)
{
	struct vcl_vm_opts o = base_opts();
	char **v = NULL;
	cleanup_error struct vcl_error *err = NULL;

	o.net = VCL_VM_NET_NETWORK;
	o.network = "default";
	ck_assert_int_lt(vcl_vm_qemu_argv(&o, "qemu-system-x86_64", &v, &err), 0);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
}
END_TEST

START_TEST(kernel_cmdline)
{
	char buf[512];
	char tiny[16];
	cleanup_error struct vcl_error *err = NULL;
	cleanup_error struct vcl_error *err2 = NULL;

	ck_assert_int_eq(vcl_vm_kernel_cmdline("vclab-x-3", 80, false, buf, sizeof(buf), NULL), 0);
	ck_assert_ptr_nonnull(strstr(buf, "console=ttyS0"));
	ck_assert_ptr_nonnull(strstr(buf, "panic=-1"));
	ck_assert_ptr_nonnull(strstr(buf, "quiet"));
	ck_assert_ptr_nonnull(strstr(buf, " noapictimer "));
	ck_assert_ptr_nonnull(strstr(buf, "vclab.name=vclab-x-3"));
	ck_assert_ptr_nonnull(strstr(buf, "vclab.port=80"));
	ck_assert_ptr_null(strstr(buf, "vclab.ip="));
	ck_assert_int_eq(vcl_vm_kernel_cmdline("vclab-x-3", 8080, true, buf, sizeof(buf), NULL), 0);
	ck_assert_ptr_nonnull(strstr(buf, "vclab.port=8080 vclab.ip=dhcp"));
	ck_assert_int_lt(vcl_vm_kernel_cmdline("a b", 80, false, buf, sizeof(buf), &err), 0);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_int_lt(vcl_vm_kernel_cmdline("x", 80, false, tiny, sizeof(tiny), &err2), 0);
}
END_TEST

START_TEST(parse_net)
{
	enum vcl_vm_net n;
	const char *name;
	cleanup_error struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_vm_parse_net("user", &n, &name, NULL), 0);
	ck_assert_int_eq(n, VCL_VM_NET_USER);
	ck_assert_ptr_null(name);
	ck_assert_int_eq(vcl_vm_parse_net(NULL, &n, &name, NULL), 0);
	ck_assert_int_eq(n, VCL_VM_NET_USER);
	ck_assert_int_eq(vcl_vm_parse_net("network:br-lab", &n, &name, NULL), 0);
	ck_assert_int_eq(n, VCL_VM_NET_NETWORK);
	ck_assert_str_eq(name, "br-lab");
	ck_assert_int_lt(vcl_vm_parse_net("network:", &n, &name, NULL), 0);
	ck_assert_int_lt(vcl_vm_parse_net("bridge", &n, &name, &err), 0);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_ptr_nonnull(strstr(err->msg, "bridge"));
}
END_TEST

START_TEST(uri_locality)
{
	ck_assert(vcl_vm_uri_is_local("qemu:///system"));
	ck_assert(vcl_vm_uri_is_local("qemu:///session"));
	ck_assert(vcl_vm_uri_is_local("qemu+unix:///system"));
	ck_assert(vcl_vm_uri_is_local(NULL));
	ck_assert(!vcl_vm_uri_is_local("qemu+ssh://host/system"));
	ck_assert(!vcl_vm_uri_is_local("qemu+ssh://root@10.1.2.3/system"));
	ck_assert(!vcl_vm_uri_is_local("qemu+tcp:///system"));
	ck_assert(!vcl_vm_uri_is_local("qemu://host/system"));
}
END_TEST

START_TEST(scan_ready)
{
	const char ok[] = "\x1b[0mboot\r\nVCLAB-READY name=a port=80 pid=1\r\nmore";
	const char partial[] = "boot\nVCLAB-READY name=a port=8";
	const char midline[] = "xVCLAB-READY name=a\n";
	const char first[] = "VCLAB-READY name=a port=80 pid=1\n";
	size_t n = vcl_vm_scan_ready(ok, sizeof(ok) - 1);

	ck_assert_uint_gt(n, 0);
	ck_assert_str_eq(ok + n, "more");
	ck_assert_uint_eq(vcl_vm_scan_ready(partial, sizeof(partial) - 1), 0);
	ck_assert_uint_eq(vcl_vm_scan_ready(midline, sizeof(midline) - 1), 0);
	ck_assert_uint_eq(vcl_vm_scan_ready(first, sizeof(first) - 1), sizeof(first) - 1);
	ck_assert_uint_eq(vcl_vm_scan_ready("", 0), 0);
}
END_TEST

START_TEST(parse_init_line)
{
	uint64_t us = 7;

#define L(s) (s), sizeof(s) - 1
	ck_assert_int_eq(vcl_vm_parse_init_line(L("VCLAB-INIT boottime_us=657578"), &us), 1);
	ck_assert_uint_eq(us, 657578);
	ck_assert_int_eq(vcl_vm_parse_init_line(L("VCLAB-INIT boottime_us=0\r"), &us), 1);
	ck_assert_uint_eq(us, 0);
	ck_assert_int_eq(vcl_vm_parse_init_line(L("VCLAB-INIT boottime_us=12 later=1"), &us), 1);
	ck_assert_uint_eq(us, 12);
	us = 7;
	ck_assert_int_eq(vcl_vm_parse_init_line(L("VCLAB-INIT boottime_us="), &us), 0);
	ck_assert_int_eq(vcl_vm_parse_init_line(L("VCLAB-INIT boottime_us=12x"), &us), 0);
	ck_assert_int_eq(vcl_vm_parse_init_line(L("VCLAB-INIT boottime_us=-1"), &us), 0);
	ck_assert_int_eq(vcl_vm_parse_init_line(L("VCLAB-INIT boottime_us=1234567890123456"), &us),
			 0);
	ck_assert_int_eq(vcl_vm_parse_init_line(L("xVCLAB-INIT boottime_us=1"), &us), 0);
	ck_assert_int_eq(vcl_vm_parse_init_line(L("VCLAB-READY name=a port=80 pid=1"), &us), 0);
	ck_assert_int_eq(vcl_vm_parse_init_line("", 0, &us), 0);
	/* Not NUL-terminated: the parser stays inside len. */
	ck_assert_int_eq(vcl_vm_parse_init_line("VCLAB-INIT boottime_us=42999", 25, &us), 1);
	ck_assert_uint_eq(us, 42);
#undef L
}
END_TEST

START_TEST(boot_anchor)
{
	const uint64_t ms = 1000000ULL;
	uint64_t k = 0, i = 0;

	/* create at 1000 ms, INIT line read at 1900 ms, guest clock 650 ms:
	 * kernel entry at 1250 ms (firmware 250, kernel 650). */
	ck_assert(vcl_vm_boot_anchor(1000 * ms, 1900 * ms, 650000, 650000, &k, &i));
	ck_assert_uint_eq(k, 1250 * ms);
	ck_assert_uint_eq(i, 1900 * ms);
	/* A guest clock longer than the whole launch: no anchor, nothing set. */
	k = i = 5;
	ck_assert(!vcl_vm_boot_anchor(1000 * ms, 1900 * ms, 900001, 900001, &k, &i));
	ck_assert(!vcl_vm_boot_anchor(0, 1900 * ms, 1, 1, &k, &i));
	ck_assert(!vcl_vm_boot_anchor(1000 * ms, 1000 * ms, 0, 0, &k, &i));
	ck_assert_uint_eq(k, 5);
	ck_assert_uint_eq(i, 5);
	/* Exactly the whole launch (firmware 0) still holds. */
	ck_assert(vcl_vm_boot_anchor(1000 * ms, 1900 * ms, 900000, 900000, &k, &i));
	ck_assert_uint_eq(k, 1000 * ms);
}
END_TEST

static void append(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 1000) == 1;
}

START_TEST(serial_watch_events)
{
	char root[] = "/tmp/vclab-sw-XXXXXX";
	char dir[64];
	char cmd[128];
	struct vcl_serial_watch w;
	cleanup_error struct vcl_error *err = NULL;

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/inst", root);
	ck_assert_int_eq(vcl_serial_watch_init(&w, dir, &err), 0);
	/* No file yet: not ready, and nothing to read. */
	ck_assert_int_eq(vcl_serial_watch_check(&w, &err), 0);

	append(w.path, "VCLAB-INIT boottime_us=650000\r\n");
	ck_assert(readable(w.ifd));
	ck_assert_int_eq(vcl_serial_watch_check(&w, &err), 0);
	ck_assert_uint_gt(w.init_seen, 0);
	ck_assert_uint_eq(w.boottime_us, 650000);
	append(w.path, "Linux version 6.1\r\nVCLAB-REA");
	ck_assert(readable(w.ifd));
	ck_assert_int_eq(vcl_serial_watch_check(&w, &err), 0);
	ck_assert_str_eq(vcl_serial_watch_last(&w), "VCLAB-REA");
	append(w.path, "DY name=a port=80 pid=1\r\n");
	ck_assert(readable(w.ifd));
	ck_assert_int_eq(vcl_serial_watch_check(&w, &err), 1);
	ck_assert_str_eq(vcl_serial_watch_last(&w), "VCLAB-READY name=a port=80 pid=1");
	{
		struct vcl_phases t = {.start = w.init_seen - 900000000ULL};

		vcl_serial_watch_phases(&w, &t);
		ck_assert_uint_eq(t.init, w.init_seen);
		ck_assert_uint_eq(t.kernel, w.init_seen - 650000000ULL);
		t.start = w.init_seen - 600000000ULL; /* guest clock > launch: dropped */
		vcl_serial_watch_phases(&w, &t);
		ck_assert_uint_eq(t.init, 0);
		ck_assert_uint_eq(t.kernel, 0);
	}

	vcl_serial_watch_free(&w);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmxml");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, xml_tcg_user_pinned);
	tcase_add_test(tc, xml_kvm_no_tcg_cache);
	tcase_add_test(tc, xml_tcg_default_cache);
	tcase_add_test(tc, xml_unpinned_multi_vcpu);
	tcase_add_test(tc, xml_pty_console);
	tcase_add_test(tc, xml_libvirt_network);
	tcase_add_test(tc, xml_escapes);
	tcase_add_test(tc, xml_rejects_bad_input);
	tcase_add_test(tc, argv_mirrors_xml);
	tcase_add_test(tc, firmware_qboot_both_paths);
	tcase_add_test(tc, opts_from_spec_micro_defaults);
	tcase_add_test(tc, argv_rejects_network_mode);
	tcase_add_test(tc, disks_both_paths);
	tcase_add_test(tc, no_disks_by_default);
	tcase_add_test(tc, svc_config_format);
	tcase_add_test(tc, svc_opts_both_paths);
	tcase_add_test(tc, kernel_cmdline);
	tcase_add_test(tc, parse_net);
	tcase_add_test(tc, uri_locality);
	tcase_add_test(tc, scan_ready);
	tcase_add_test(tc, parse_init_line);
	tcase_add_test(tc, boot_anchor);
	tcase_add_test(tc, iaas_profile_both_paths);
	tcase_add_test(tc, init_field_and_anchor);
	tcase_add_test(tc, serial_watch_events);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
