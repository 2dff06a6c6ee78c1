/* SPDX-License-Identifier: MIT */
/*
 * The guest's kernel command line, option parsing, console scanning (READY,
 * the init line, the boot anchor) and the serial watch (a temp folder and
 * inotify). No root, no libvirtd.
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

int main(void)
{
	const TTest *const tests[] = {kernel_cmdline,  parse_net,   uri_locality,	scan_ready,
				      parse_init_line, boot_anchor, serial_watch_events};

	return run_suite(suite_of("vmxml_console", 30, tests, ARRAY_SIZE(tests), NULL));
}
