/* SPDX-License-Identifier: MIT */
/*
 * The qemu-direct argv that must mirror the domain XML: firmware, the iaas
 * profile, the guest init, disks and the service disk on both paths, options
 * from a spec. No root, no libvirtd.
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
#include "tests/unit/vm_fixture.h"

#define L2(s) (s), sizeof(s) - 1

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
	ck_assert_int_eq(vcl_vm_opts_add_disk(&o, "/e", VCL_VM_DISK_RAW, false, &err), 0);
	ck_assert_int_lt(vcl_vm_opts_add_disk(&o, "/f", VCL_VM_DISK_RAW, true, &err), 0);
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

	ck_assert_int_eq(vcl_vm_svc_config(&svc, NULL, &buf, &len, &err), 0);
	ck_assert_uint_eq(len, 4096);
	ck_assert_int_eq(memcmp(buf, want, sizeof(want) - 1), 0);
	for (size_t i = sizeof(want) - 1; i < len; i++)
		ck_assert_int_eq(buf[i], 0);

	/* No command: refused. Too big for the guest's read: refused. */
	free(buf);
	buf = NULL;
	svc.argv = NULL;
	ck_assert_int_lt(vcl_vm_svc_config(&svc, NULL, &buf, &len, &err), 0);
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
		ck_assert_int_lt(vcl_vm_svc_config(&svc, NULL, &buf, &len, &err), 0);
		ck_assert_ptr_nonnull(strstr(err->msg, "more than the guest reads"));
	}
}
END_TEST

/* A pod: the other containers follow the main one's records, each from
 * its ctr= record, with its disk and init flag (vmm/vmm.h). */
START_TEST(svc_config_pod)
{
	static char a0[] = "/app", s0[] = "/side", i0[] = "/bin/true";
	char *argv[] = {a0, NULL}, *sargv[] = {s0, NULL}, *iargv[] = {i0, NULL};
	struct vcl_svc_spec init = {.argv = iargv, .init = true, .ctr_name = "wait", .cwd = "/"};
	struct vcl_svc_spec side = {.argv = sargv, .ctr_name = "side", .uid = 65534, .cwd = "/"};
	const struct vcl_svc_spec *pod[] = {&init, &side, NULL};
	struct vcl_svc_spec svc = {.argv = argv, .port = 80, .cwd = "/", .pod = pod};
	static const char want[] =
	    VCL_VM_SVC_MAGIC "port=80\0uid=0\0gid=0\0cwd=/\0arg=/app\0"
			     "ctr=wait\0disk=vda\0init=1\0uid=0\0gid=0\0cwd=/\0"
			     "arg=/bin/true\0ctr=side\0disk=vdc\0uid=65534\0"
			     "gid=0\0cwd=/\0arg=/side\0\0";
	cleanup_free char *buf = NULL;
	cleanup_error struct vcl_error *err = NULL;
	size_t len = 0;

	ck_assert_int_eq(vcl_vm_svc_config(&svc, "ac", &buf, &len, &err), 0);
	ck_assert_int_eq(memcmp(buf, want, sizeof(want) - 1), 0);
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

int main(void)
{
	const TTest *const tests[] = {
	    argv_mirrors_xml,	     firmware_qboot_both_paths, opts_from_spec_micro_defaults,
	    iaas_profile_both_paths, init_field_and_anchor,	disks_both_paths,
	    no_disks_by_default,     svc_config_format,		svc_config_pod,
	    svc_opts_both_paths,     argv_rejects_network_mode};

	return run_suite(suite_of("vmxml_argv", 30, tests, ARRAY_SIZE(tests), NULL));
}
