/* SPDX-License-Identifier: MIT */
#ifndef VCL_TEST_VM_FIXTURE_H
#define VCL_TEST_VM_FIXTURE_H

/*
 * What the VM placement's pure suites (test_vmxml*.c) share: a base set of
 * options, the domain XML of options (checked by virt-xml-validate against
 * libvirt's schema where installed), and argv lookups.
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

static inline struct vcl_vm_opts base_opts(void)
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

static inline unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Validate against libvirt's RelaxNG schema. Returns 1 valid, 0 invalid,
 * -1 when virt-xml-validate is not installed (the caller says so). */
static inline int xml_validate(const char *xml)
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

static inline void assert_valid(const char *xml)
{
	int v = xml_validate(xml);

	if (v < 0) {
		fprintf(stderr, "test_vmxml: virt-xml-validate not installed, schema check skipped "
				"(apt-get install libvirt-clients)\n");
		return;
	}
	ck_assert_msg(v == 1, "virt-xml-validate rejected:\n%s", xml);
}

static inline char *xml_of(const struct vcl_vm_opts *o)
{
	cleanup_error struct vcl_error *err = NULL;
	char *xml = NULL;

	ck_assert_msg(vcl_vm_domain_xml(o, &xml, &err) == 0, "%s", err ? err->msg : "");
	ck_assert_ptr_nonnull(xml);
	return xml;
}

static inline bool argv_has(char **v, const char *a, const char *b)
{
	for (size_t i = 0; v[i] != NULL; i++)
		if (strcmp(v[i], a) == 0 && (b == NULL || (v[i + 1] && strcmp(v[i + 1], b) == 0)))
			return true;
	return false;
}

#endif
