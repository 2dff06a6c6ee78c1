/* SPDX-License-Identifier: MIT */
/*
 * The VM placement's domain XML for every option combination, each one also
 * checked by virt-xml-validate against libvirt's schema when the tool is
 * installed, and the options it refuses. No root, no libvirtd.
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

int main(void)
{
	const TTest *const tests[] = {xml_tcg_user_pinned,   xml_kvm_no_tcg_cache,
				      xml_tcg_default_cache, xml_unpinned_multi_vcpu,
				      xml_pty_console,	     xml_libvirt_network,
				      xml_escapes,	     xml_rejects_bad_input};

	return run_suite(suite_of("vmxml", 30, tests, ARRAY_SIZE(tests), NULL));
}
