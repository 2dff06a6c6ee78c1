/* SPDX-License-Identifier: MIT */
/*
 * The one VM guest description (vmm.h, "the guest"), as pure code on
 * literal input: where a run's guest files go when placed, and the
 * machine of one instance in each profile, which feeds both the domain XML
 * (vm) and the QEMU argv (qemu-direct). No root, no libvirtd, no image.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "vmm/vmm.h"
#include "tests/suite_main.h"

#define DIR_ "/var/lib/libvirt/images/vclab-ab12"

/* A micro guest as prepare leaves it for a local libvirtd. */
static struct vcl_vm_guest micro_guest(void)
{
	struct vcl_vm_guest g = {
	    .profile = VCL_VM_PROFILE_MICRO,
	    .kernel = (char *)DIR_ "/vmlinux",
	    .initrd = (char *)DIR_ "/initramfs.cpio.gz",
	};
	return g;
}

static struct vcl_vm_guest iaas_guest(void)
{
	struct vcl_vm_guest g = {
	    .profile = VCL_VM_PROFILE_IAAS,
	    .kernel = (char *)DIR_ "-iaas/vmlinuz",
	    .initrd = (char *)DIR_ "-iaas/initrd.img",
	    .disk = (char *)DIR_ "-iaas/root.ext4",
	};
	return g;
}

static const struct vcl_spec tcg = {.run_id = "ab12", .accel = "tcg"};

/* The machine of instance name on a user-mode forward from port: must work. */
static void init_ok(struct vcl_vm_machine *m, const struct vcl_vm_guest *g,
		    const struct vcl_spec *spec, const char *name, uint16_t port)
{
	cleanup_error struct vcl_error *err = NULL;

	ck_assert_msg(vcl_vm_machine_init(m, g, spec, name, port, VCL_VM_NET_USER, NULL, &err) == 0,
		      "%s", err != NULL ? err->msg : "");
}

static bool argv_has(char **v, const char *opt, const char *val)
{
	for (size_t i = 0; v[i] != NULL && v[i + 1] != NULL; i++)
		if (strcmp(v[i], opt) == 0 && strcmp(v[i + 1], val) == 0)
			return true;
	return false;
}

START_TEST(placed_micro)
{
	struct vcl_vm_guest src = {
	    .profile = VCL_VM_PROFILE_MICRO,
	    .kernel = (char *)"/home/u/vclab/build/guest/vmlinux",
	    .initrd = (char *)"/tmp/my-initrd.img", /* --initrd: any name */
	};
	struct vcl_vm_guest g;
	cleanup_error struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_vm_guest_placed(&src, DIR_, &g, &err), 0);
	ck_assert_int_eq(g.profile, VCL_VM_PROFILE_MICRO);
	ck_assert_str_eq(g.dir, DIR_);
	ck_assert_str_eq(g.kernel, DIR_ "/vmlinux");
	ck_assert_str_eq(g.initrd, DIR_ "/initramfs.cpio.gz");
	ck_assert_ptr_null(g.disk);
	ck_assert_ptr_null(g.svc_disk);
	ck_assert(!g.made);
	vcl_vm_guest_free(&g);
	ck_assert_ptr_null(g.dir);
	ck_assert_ptr_null(g.kernel);
	ck_assert_int_eq(g.profile, VCL_VM_PROFILE_MICRO);

	/* A kernel given without a folder keeps its name too. */
	src.kernel = (char *)"bzImage";
	ck_assert_int_eq(vcl_vm_guest_placed(&src, "/d", &g, &err), 0);
	ck_assert_str_eq(g.kernel, "/d/bzImage");
	vcl_vm_guest_free(&g);
}
END_TEST

START_TEST(placed_iaas)
{
	struct vcl_vm_guest src = {
	    .profile = VCL_VM_PROFILE_IAAS,
	    .kernel = (char *)"/c/guest-iaas/abc/vmlinuz-6.1.0-cloud-amd64",
	    .initrd = (char *)"/c/guest-iaas/abc/initrd.img-6.1.0-cloud-amd64",
	    .disk = (char *)"/c/guest-iaas/abc/root.raw",
	};
	struct vcl_vm_guest g;
	cleanup_error struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_vm_guest_placed(&src, DIR_ "-iaas", &g, &err), 0);
	ck_assert_int_eq(g.profile, VCL_VM_PROFILE_IAAS);
	ck_assert_str_eq(g.kernel, DIR_ "-iaas/vmlinuz-6.1.0-cloud-amd64");
	ck_assert_str_eq(g.initrd, DIR_ "-iaas/initrd.img");
	ck_assert_str_eq(g.disk, DIR_ "-iaas/root.ext4");
	vcl_vm_guest_free(&g);
}
END_TEST

/* free removes the folder only when the guest made it (prepare, in the
 * ledger): a placed description names a folder it does not own. */
START_TEST(free_removes_only_made_dir)
{
	char dir[] = "/tmp/vclab-vmguest-XXXXXX";
	struct vcl_vm_guest src = micro_guest();
	struct vcl_vm_guest g;
	struct stat st;
	cleanup_error struct vcl_error *err = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(vcl_vm_guest_placed(&src, dir, &g, &err), 0);
	vcl_vm_guest_free(&g);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_int_eq(vcl_vm_guest_placed(&src, dir, &g, &err), 0);
	g.made = true;
	vcl_vm_guest_free(&g);
	ck_assert_int_eq(stat(dir, &st), -1);
	/* Twice, and on a zeroed guest: nothing happens. */
	vcl_vm_guest_free(&g);
}
END_TEST

START_TEST(machine_micro_payload)
{
	struct vcl_vm_guest g = micro_guest();
	struct vcl_spec spec = {.run_id = "ab12", .accel = "tcg", .cpuset = "1"};
	struct vcl_vm_machine m;
	struct vcl_endpoint ep = {0};
	cleanup_error struct vcl_error *err = NULL;

	init_ok(&m, &g, &spec, "vclab-ab12-1", 41234);
	ck_assert_str_eq(m.cmdline,
			 "console=ttyS0 quiet loglevel=3 panic=-1 8250.nr_uarts=1 i8042.noaux "
			 "i8042.nomux i8042.nopnp i8042.dumbkbd cryptomgr.notests noapictimer "
			 "vclab.name=vclab-ab12-1 vclab.port=80");
	/* The options point at the machine's command line and the guest's
	 * files: nothing is copied that could drift apart. */
	ck_assert_ptr_eq(m.o.cmdline, m.cmdline);
	ck_assert_ptr_eq(m.o.kernel, g.kernel);
	ck_assert_ptr_eq(m.o.initrd, g.initrd);
	ck_assert_str_eq(m.o.name, "vclab-ab12-1");
	ck_assert_ptr_null(m.o.machine);
	ck_assert(!m.o.acpi && !m.o.kvm);
	ck_assert_str_eq(m.o.firmware, VCL_VM_FIRMWARE_QBOOT);
	ck_assert_uint_eq(m.o.mem_mib, VCL_VM_DEFAULT_MEM_MIB);
	ck_assert_uint_eq(m.o.tb_cache_mib, VCL_VM_TB_CACHE_MIB);
	ck_assert_uint_eq(m.o.vcpus, 1);
	ck_assert_str_eq(m.o.cpuset, "1");
	ck_assert_uint_eq(m.o.ndisks, 0);
	ck_assert_int_eq(m.o.net, VCL_VM_NET_USER);
	ck_assert_uint_eq(m.o.guest_port, 80);
	ck_assert_ptr_null(m.o.serial_path); /* the host side sets it */
	ck_assert_ptr_null(m.dir);
	ck_assert_int_eq(m.sw.ifd, -1);
	vcl_vm_machine_endpoint(&m, &ep);
	ck_assert_str_eq(ep.addr, "127.0.0.1");
	ck_assert_uint_eq(ep.port, 41234);
	vcl_vm_machine_free(&m, NULL);
}
END_TEST

/* One machine, two ways of booting it: the XML and the argv carry the
 * same kernel, initrd, command line, memory and forward. */
START_TEST(machine_feeds_xml_and_argv)
{
	struct vcl_vm_guest g = micro_guest();
	struct vcl_spec spec = {.run_id = "ab12", .accel = "kvm", .vcpus = 2, .vm_mem_mib = 200};
	struct vcl_vm_machine m;
	cleanup_free char *xml = NULL;
	cleanup_strv char **v = NULL;
	cleanup_error struct vcl_error *err = NULL;
	char want[640];

	init_ok(&m, &g, &spec, "vclab-ab12-3", 41000);
	ck_assert(m.o.kvm);
	ck_assert_uint_eq(m.o.tb_cache_mib, 0);
	ck_assert_int_eq(vcl_vm_domain_xml(&m.o, &xml, &err), 0);
	ck_assert_int_eq(vcl_vm_qemu_argv(&m.o, "qemu-system-x86_64", &v, &err), 0);
	ck_assert_ptr_nonnull(strstr(xml, "<domain type='kvm'"));
	ck_assert_ptr_nonnull(strstr(xml, "<kernel>" DIR_ "/vmlinux</kernel>"));
	ck_assert_ptr_nonnull(strstr(xml, "<memory unit='MiB'>200</memory>"));
	ck_assert_ptr_nonnull(strstr(xml, "<vcpu placement='static'>2</vcpu>"));
	snprintf(want, sizeof(want), "<cmdline>%s</cmdline>", m.cmdline);
	ck_assert_ptr_nonnull(strstr(xml, want));
	ck_assert_ptr_nonnull(strstr(xml, "hostfwd=tcp:127.0.0.1:41000-:80"));
	ck_assert(argv_has(v, "-kernel", DIR_ "/vmlinux"));
	ck_assert(argv_has(v, "-initrd", DIR_ "/initramfs.cpio.gz"));
	ck_assert(argv_has(v, "-append", m.cmdline));
	ck_assert(argv_has(v, "-m", "200"));
	ck_assert(argv_has(v, "-smp", "2"));
	ck_assert(argv_has(v, "-netdev", "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:41000-:80"));
	vcl_vm_machine_free(&m, NULL);
}
END_TEST

START_TEST(machine_micro_network)
{
	struct vcl_vm_guest g = micro_guest();
	struct vcl_spec spec = tcg;
	struct vcl_vm_machine m;
	cleanup_free char *xml = NULL;
	cleanup_error struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_vm_machine_init(&m, &g, &spec, "vclab-ab12-1", 0, VCL_VM_NET_NETWORK,
					     "default", &err),
			 0);
	ck_assert_ptr_nonnull(strstr(m.cmdline, " vclab.port=80 vclab.ip=dhcp"));
	ck_assert_int_eq(m.o.net, VCL_VM_NET_NETWORK);
	ck_assert_str_eq(m.o.network, "default");
	ck_assert_int_eq(vcl_vm_domain_xml(&m.o, &xml, &err), 0);
	ck_assert_ptr_nonnull(strstr(xml, "<source network='default'/>"));
	ck_assert_ptr_null(strstr(xml, "hostfwd"));
	vcl_vm_machine_free(&m, NULL);
}
END_TEST

START_TEST(machine_service)
{
	char a0[] = "/bin/httpd";
	char *argv[] = {a0, NULL};
	struct vcl_svc_spec svc = {.name = "web", .argv = argv, .port = 8080};
	struct vcl_vm_guest g = micro_guest();
	struct vcl_spec spec = {.run_id = "ab12", .accel = "tcg", .svc = &svc};
	struct vcl_vm_machine m;
	cleanup_error struct vcl_error *err = NULL;

	g.svc_disk = (char *)DIR_ "/rootfs.ext4";
	g.svc_cfg = (char *)DIR_ "/service.vdb";
	init_ok(&m, &g, &spec, "vclab-ab12-2", 41002);
	/* The service's port in the command line and the forward; its disk
	 * is vda, its description vdb, both read-only. */
	ck_assert_ptr_nonnull(strstr(m.cmdline, " vclab.name=vclab-ab12-2 vclab.port=8080 "
						"vclab.svc=vdb"));
	ck_assert_uint_eq(m.o.guest_port, 8080);
	ck_assert_uint_eq(m.o.ndisks, 2);
	ck_assert_str_eq(m.o.disks[0].path, DIR_ "/rootfs.ext4");
	ck_assert_str_eq(m.o.disks[1].path, DIR_ "/service.vdb");
	ck_assert(m.o.disks[0].readonly && m.o.disks[1].readonly);
	ck_assert_int_eq(m.o.disks[0].format, VCL_VM_DISK_RAW);
	vcl_vm_machine_free(&m, NULL);

	/* A service with no port has nothing to forward to. */
	svc.port = 0;
	ck_assert_int_lt(
	    vcl_vm_machine_init(&m, &g, &spec, "vclab-ab12-2", 41002, VCL_VM_NET_USER, NULL, &err),
	    0);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	vcl_vm_machine_free(&m, NULL);
}
END_TEST

START_TEST(machine_iaas)
{
	struct vcl_vm_guest g = iaas_guest();
	struct vcl_spec spec = tcg;
	struct vcl_vm_machine m;
	cleanup_strv char **v = NULL;
	cleanup_error struct vcl_error *err = NULL;

	init_ok(&m, &g, &spec, "vclab-ab12-1", 41234);
	ck_assert_str_eq(m.cmdline, "console=ttyS0 root=/dev/vda rw quiet loglevel=3 panic=-1 "
				    "fsck.mode=skip vclab.name=vclab-ab12-1 vclab.port=80");
	ck_assert_str_eq(m.o.machine, "q35");
	ck_assert(m.o.acpi);
	ck_assert_ptr_null(m.o.firmware); /* SeaBIOS */
	ck_assert_uint_eq(m.o.mem_mib, VCL_VM_IAAS_MEM_MIB);
	ck_assert_uint_eq(m.o.tb_cache_mib, VCL_VM_IAAS_TB_CACHE_MIB);
	ck_assert_str_eq(m.o.kernel, DIR_ "-iaas/vmlinuz");
	/* The root disk is the instance's overlay, added on the host side. */
	ck_assert_uint_eq(m.o.ndisks, 0);
	ck_assert_int_eq(vcl_vm_qemu_argv(&m.o, "qemu-system-x86_64", &v, &err), 0);
	ck_assert(argv_has(v, "-initrd", DIR_ "-iaas/initrd.img"));
	vcl_vm_machine_free(&m, NULL);

	/* --vm-mem-mib wins over the profile's default. */
	spec.vm_mem_mib = 512;
	init_ok(&m, &g, &spec, "vclab-ab12-1", 41234);
	ck_assert_uint_eq(m.o.mem_mib, 512);
	vcl_vm_machine_free(&m, NULL);
}
END_TEST

START_TEST(machine_refuses)
{
	struct vcl_vm_guest g = iaas_guest();
	struct vcl_spec spec = tcg;
	struct vcl_vm_machine m;
	struct vcl_error *err = NULL;

	/* The iaas guest has user-mode networking only. */
	ck_assert_int_lt(vcl_vm_machine_init(&m, &g, &spec, "vclab-ab12-1", 0, VCL_VM_NET_NETWORK,
					     "default", &err),
			 0);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_str_eq(err->msg, "vm-iaas supports only --vm-net user");
	ck_assert_int_eq(m.sw.ifd, -1);
	vcl_vm_machine_free(&m, NULL);
	vcl_error_free(err);
	err = NULL;

	/* A name the kernel command line cannot carry. */
	g = micro_guest();
	ck_assert_int_lt(
	    vcl_vm_machine_init(&m, &g, &spec, "bad name", 41234, VCL_VM_NET_USER, NULL, &err), 0);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_ptr_nonnull(strstr(err->msg, "bad name"));
	vcl_vm_machine_free(&m, NULL);
	vcl_error_free(err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmguest");
	TCase *tc = tcase_create("placed");

	tcase_add_test(tc, placed_micro);
	tcase_add_test(tc, placed_iaas);
	tcase_add_test(tc, free_removes_only_made_dir);
	suite_add_tcase(s, tc);
	tc = tcase_create("machine");
	tcase_add_test(tc, machine_micro_payload);
	tcase_add_test(tc, machine_feeds_xml_and_argv);
	tcase_add_test(tc, machine_micro_network);
	tcase_add_test(tc, machine_service);
	tcase_add_test(tc, machine_iaas);
	tcase_add_test(tc, machine_refuses);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
