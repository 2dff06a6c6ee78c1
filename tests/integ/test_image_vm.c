/* SPDX-License-Identifier: MIT */
/* The user's service in a VM (root, libvirtd): the busybox httpd image of
 * tests/image/build-busybox.sh, built offline with umoci, run by
 * `vclab bench --image` in vm (libvirt) and its qemu-direct peer from the
 * same ext4 disk, next to bare for the memory overhead. Bad input (an
 * entrypoint missing from the rootfs) gives one line and exit 2; a service
 * that exits in the guest is an error with its status and console lines.
 * Nothing is left: no domain, no QEMU, no image folder, no per-run disk. */
#include <check.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "keep_results.h"
#include "integ_util.h"
#include "tests/suite_main.h"

#define TOP   "/tmp/vclab-test-image-vm"
#define IMG   TOP "/oci"
#define CACHE TOP "/cache"
#define OUT   TOP "/out"

/* The programs this suite runs (its image's build and its tests). */
static const char *const needs[] = {INTEG_BUSYBOX_TOOLS, "/sbin/mke2fs", NULL};

/* Nothing of the run left: its domains, QEMU processes, libvirt image
 * folder, state folder, cgroups; and no per-run disk in the cache. */
static void nothing_left(const char *run_id)
{
	char cmd[1024];

	ck_assert_ptr_nonnull(run_id);
	snprintf(cmd, sizeof(cmd),
		 "! virsh -q -c qemu:///system list --all --name | grep -q 'vclab-%s-' && "
		 "! pgrep -f '[q]emu-system.*vclab-%s-' >/dev/null && "
		 "test ! -e /var/lib/libvirt/images/vclab-%s && test ! -e /run/vclab/%s && "
		 "! find /sys/fs/cgroup -maxdepth 4 -path '*vclab/%s*' | grep -q . && "
		 "! ls -d " CACHE "/disks/run-* " CACHE "/vmdisks/.*.tmp 2>/dev/null | grep -q .",
		 run_id, run_id, run_id, run_id, run_id);
	ck_assert_msg(run(cmd) == 0, "something of run %s is left", run_id);
}

static void check_vm_figures(struct json_object *b, const char *what, bool memory)
{
	ck_assert_msg(b != NULL, "%s missing", what);
	ck_assert_int_ge(json_object_get_int(at(b, "startup_ms.n")), 2);
	ck_assert(json_object_get_double(at(b, "phases_ms.create.p50")) > 0);
	ck_assert(json_object_get_double(at(b, "phases_ms.ready.p50")) > 0);
	ck_assert(json_object_get_double(at(b, "phases_ms.first_200.p50")) >=
		  json_object_get_double(at(b, "phases_ms.ready.p50")));
	/* A guest boots a kernel first: far more than bare's ~1 ms. */
	ck_assert(json_object_get_double(at(b, "startup_ms.p50")) > 100);
	if (!memory)
		return;
	/* QEMU with a 128 MiB guest: tens of MiB of PSS, never more than
	 * the guest's memory plus QEMU's own. */
	ck_assert(json_object_get_double(at(b, "memory.pss_kib")) > 16384);
	ck_assert(json_object_get_double(at(b, "memory.pss_kib")) < 400 * 1024);
}

START_TEST(test_vm_busybox)
{
	struct json_object *r, *vm, *qd, *bare;
	int rc = run("rm -rf " OUT " && VCLAB_CACHE=" CACHE " bin/vclab bench --image oci:" IMG
		     ":latest --name bbvm --ready http:/ --backends bare,vm --peer qemu-direct "
		     "--scenarios startup,memory --runs 2 --warmup 0 --no-report -q --out " OUT
		     " >/dev/null");

	ck_assert_int_eq(rc, 0);
	r = json_object_from_file(OUT "/results.json");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(json_object_array_length(at(r, "errors")), 0);
	vm = at(r, "services.bbvm.backends.vm");
	qd = at(r, "services.bbvm.peers.qemu-direct");
	bare = at(r, "services.bbvm.backends.bare");
	check_vm_figures(vm, "services.bbvm.backends.vm", true);
	/* The memory scenario samples placements, not peers. */
	check_vm_figures(qd, "services.bbvm.peers.qemu-direct", false);
	ck_assert_ptr_nonnull(bare);
	/* Overhead against the same service run bare: the guest costs more. */
	ck_assert(json_object_get_double(at(vm, "memory.overhead_kib")) > 8192);
	ck_assert(json_object_get_double(at(vm, "memory.overhead_kib")) <
		  json_object_get_double(at(vm, "memory.pss_kib")));
	/* The guest's boot phases are there as for the payload. */
	ck_assert(json_object_get_double(at(vm, "phases_ms.kernel.p50")) > 0);
	keep_results(OUT "/results.json", "image-vm");
	nothing_left(json_object_get_string(at(r, "run_id")));
	json_object_put(r);
	/* One disk per digest, kept in the cache for the next run. */
	ck_assert_int_eq(run("test $(ls " CACHE "/vmdisks/*/rootfs.ext4 | wc -l) -eq 1"), 0);
	ck_assert_int_eq(run("test \"$(stat -c %a " CACHE "/vmdisks/*/rootfs.ext4)\" = 644"), 0);
}
END_TEST

/* The entrypoint is not in the rootfs: refused before anything of the run
 * exists, one line, exit 2, no domain. */
START_TEST(test_vm_missing_entrypoint)
{
	int rc = run("rm -rf " OUT " && VCLAB_CACHE=" CACHE " bin/vclab bench --image oci:" IMG
		     ":missing --backends vm --peer qemu-direct --scenarios startup --runs 1 -q "
		     "--no-report --out " OUT " 2>" TOP "/err; rc=$?; "
		     "test $(wc -l <" TOP "/err) -eq 1 && grep -qF 'Entrypoint /bin/nothere' " TOP
		     "/err && test ! -e " OUT " && "
		     "! virsh -q -c qemu:///system list --all --name | grep -q vclab- && exit $rc");

	ck_assert_int_eq(rc, 2);
}
END_TEST

/* A service that exits inside the guest: init reports its status on the
 * console and powers off; the error has the status and the console's last
 * lines, and nothing is left. */
START_TEST(test_vm_service_exits)
{
	struct json_object *r;
	const char *msg;
	int rc = run("rm -rf " OUT " && VCLAB_CACHE=" CACHE " bin/vclab bench --image oci:" IMG
		     ":latest --name bbexit --port 8080 --backends vm --peers none --scenarios "
		     "startup --runs 1 --warmup 0 --timeout-ms 120000 -q --no-report --out " OUT
		     " -- -f -p 8080 -h /nonexistent >/dev/null 2>&1");

	ck_assert_int_ne(rc, 0);
	r = json_object_from_file(OUT "/results.json");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_gt(json_object_array_length(at(r, "errors")), 0);
	msg = json_object_get_string(at(json_object_array_get_idx(at(r, "errors"), 0), "message"));
	ck_assert_ptr_nonnull(msg);
	/* busybox httpd cannot chdir to its -h folder and exits with 1. */
	ck_assert_msg(strstr(msg, "exited with status 1") != NULL, "message: %s", msg);
	ck_assert_msg(strstr(msg, "nonexistent") != NULL, "message: %s", msg);
	ck_assert_msg(strstr(msg, "not ready within") == NULL, "message: %s", msg);
	nothing_left(json_object_get_string(at(r, "run_id")));
	json_object_put(r);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_vm_busybox, test_vm_missing_entrypoint,
				      test_vm_service_exits};

	if (run("virsh -q -c qemu:///system list >/dev/null 2>&1") != 0)
		return skip_suite("image_vm", "libvirtd not answering (scripts/services.sh)");
	return integ_main_with_image("image_vm", 600, tests, ARRAY_SIZE(tests), needs, TOP,
				     INTEG_BUSYBOX_SH);
}
