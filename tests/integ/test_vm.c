/* SPDX-License-Identifier: MIT */
/*
 * VM placement against the real libvirtd (root; scripts/services.sh started
 * it). Skips, saying why, when not root, when libvirtd does not answer, or
 * when the guest image is missing (`make guest`).
 *
 *   - boot one domain, READY on the console, 200 from GET /healthz, sample;
 *   - kill QEMU mid-boot: the wait fails at once with VCL_E_DIED and a clear
 *     message, and no domain is left;
 *   - the ledger/gc hook destroys a recorded domain, idempotently;
 *   - 20 boot/destroy cycles leave no vclab domain, no file, no QEMU;
 *   - the qemu-direct peer boots the same guest, and dies as clearly;
 *   - the boot check (used for KVM) works with TCG;
 *   - vm vs qemu-direct startup, interleaved, printed for the record;
 *   - tcase "iaas" (CK_RUN_CASE=iaas): vm-iaas and qemu-direct-iaas boot
 *     the Debian image once each, with every boot phase, and leave no
 *     domain, QEMU, overlay or image copy behind (`make guest-iaas`).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/backends.h"
#include "core/backend.h"
#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/probe.h"
#include "core/stats.h"
#include "core/util.h"
#include "vmm/vmm.h"
#include "tests/suite_main.h"

#include "integ_util.h"

#define BOOT_TIMEOUT_MS 30000

static char run_id[16];

static struct vcl_spec make_spec(unsigned index)
{
	struct vcl_spec s = {
	    .run_id = run_id,
	    .index = index,
	    .state_dir = NULL,
	    .ledger = integ_ledger,
	    .cpuset = "0-1",
	    .vcpus = 1,
	    .vm_mem_mib = 256,
	    .vm_net = "user",
	    .connect_uri = VCL_VM_DEFAULT_URI,
	    .accel = "tcg",
	};
	return s;
}

static void silent(void *data, virErrorPtr e)
{
}

/* Domains of this run that libvirt still knows, running or not. */
static int count_domains(void)
{
	virConnectPtr c = virConnectOpen(VCL_VM_DEFAULT_URI);
	virDomainPtr *doms = NULL;
	char prefix[40];
	int n, mine = 0;

	ck_assert_ptr_nonnull(c);
	snprintf(prefix, sizeof(prefix), "vclab-%s-", run_id);
	n = virConnectListAllDomains(c, &doms, 0);
	ck_assert_int_ge(n, 0);
	for (int i = 0; i < n; i++) {
		if (strncmp(virDomainGetName(doms[i]), prefix, strlen(prefix)) == 0)
			mine++;
		virDomainFree(doms[i]);
	}
	free(doms);
	virConnectClose(c);
	return mine;
}

/* QEMU processes whose command line holds needle. */
static int count_qemus_with(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[4096];
		FILE *f;
		size_t len;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		f = fopen(path, "re");
		if (f == NULL)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		for (size_t i = 0; i < len; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[len] = '\0';
		if (strstr(buf, "qemu-system") != NULL && strstr(buf, needle) != NULL)
			n++;
	}
	closedir(d);
	return n;
}

/* QEMU processes of a guest of this run. */
static int count_qemus(void)
{
	char needle[40];

	snprintf(needle, sizeof(needle), "vclab-%s-", run_id);
	return count_qemus_with(needle);
}

/* Entries in a folder (0 when it does not exist). */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int count_domain_logs(void)
{
	DIR *d = opendir("/var/log/libvirt/qemu");
	struct dirent *e;
	char prefix[40];
	int n = 0;

	if (d == NULL)
		return 0;
	snprintf(prefix, sizeof(prefix), "vclab-%s-", run_id);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static void setup(void)
{
	cleanup_error struct vcl_error *err = NULL;

	snprintf(run_id, sizeof(run_id), "it%04x", (unsigned)(getpid() & 0xffff));
	virSetErrorFunc(NULL, silent);
	ck_assert_msg(vcl_ledger_open(&integ_ledger, run_id, &integ_kinds, &err) == 0, "%s",
		      err ? err->msg : "");
}

/* Prepare a run of ops; returns its context. */
static void *prepare(const struct vcl_backend_ops *ops, const struct vcl_spec *s)
{
	cleanup_error struct vcl_error *err = NULL;
	void *run = NULL;

	ck_assert_msg(ops->prepare(s, &run, &err) == 0, "%s prepare: %s", ops->name,
		      err ? err->msg : "");
	return run;
}

/* Boot to the first 200; returns the instance. */
static struct vcl_instance *boot_within(const struct vcl_backend_ops *ops, void *run,
					unsigned index, unsigned timeout_ms)
{
	struct vcl_spec s = make_spec(index);
	struct vcl_instance *inst = NULL;
	cleanup_error struct vcl_error *err = NULL;

	ck_assert_msg(ops->launch(run, &s, &inst, &err) == 0, "%s launch: %s", ops->name,
		      err ? err->msg : "");
	ck_assert_msg(vcl_probe_wait(inst, timeout_ms, &err) == 0, "%s wait: %s", ops->name,
		      err ? err->msg : "");
	ck_assert_uint_gt(inst->t.created, inst->t.start);
	ck_assert_uint_gt(inst->t.ready, inst->t.created);
	ck_assert_uint_ge(inst->t.first_200, inst->t.ready);
	return inst;
}

static struct vcl_instance *boot(const struct vcl_backend_ops *ops, void *run, unsigned index)
{
	return boot_within(ops, run, index, BOOT_TIMEOUT_MS);
}

static void destroy(struct vcl_instance *inst)
{
	cleanup_error struct vcl_error *err = NULL;

	ck_assert_msg(inst->ops->destroy(inst, &err) == 0, "destroy: %s", err ? err->msg : "");
}

static void healthz(struct vcl_instance *inst)
{
	cleanup_error struct vcl_error *err = NULL;
	char body[64];
	int status = 0;

	ck_assert_str_eq(inst->ep.addr, "127.0.0.1");
	ck_assert_msg(
	    vcl_http_get(&inst->ep, "/healthz", 5000, &status, body, sizeof(body), &err) == 0,
	    "GET /healthz: %s", err ? err->msg : "");
	ck_assert_int_eq(status, 200);
}

static const char *skip(void)
{
	static char why[300];

	virConnectPtr c;
	cleanup_free char *k = NULL;
	cleanup_error struct vcl_error *err = NULL;

	if (geteuid() != 0) {
		return "needs root";
	}
	virSetErrorFunc(NULL, silent);
	c = virConnectOpen(VCL_VM_DEFAULT_URI);
	if (c == NULL) {
		snprintf(why, sizeof(why), "libvirtd not reachable at %s (run scripts/services.sh)",
			 VCL_VM_DEFAULT_URI);
		return why;
	}
	virConnectClose(c);
	if (vcl_vmm_guest_file("initramfs.cpio.gz", &k, &err) < 0) {
		snprintf(why, sizeof(why), "%s", err->msg);
		return why;
	}
	return NULL;
}

START_TEST(vm_boot_healthz_sample)
{
	struct vcl_spec s = make_spec(0);
	struct vcl_instance *inst;
	struct vcl_mem mem;
	cleanup_error struct vcl_error *err = NULL;
	char dir[128];

	void *run = prepare(&vcl_vm_ops, &s);
	inst = boot(&vcl_vm_ops, run, 1);
	healthz(inst);
	ck_assert_int_gt(inst->pid, 1);
	ck_assert_int_ge(inst->exit_fd, 0);
	ck_assert_msg(vcl_vm_ops.sample(inst, &mem, &err) == 0, "%s", err ? err->msg : "");
	ck_assert_uint_gt(mem.pss_kib, 10240);
	ck_assert_uint_eq(mem.nprocs, 1);
	fprintf(stderr,
		"test_vm: vm create %.0f ms, READY %.0f ms, first 200 %.0f ms, QEMU PSS %llu KiB, "
		"cgroup %s\n",
		vcl_ns_to_ms(inst->t.created - inst->t.start),
		vcl_ns_to_ms(inst->t.ready - inst->t.start),
		vcl_ns_to_ms(inst->t.first_200 - inst->t.start), (unsigned long long)mem.pss_kib,
		inst->cgroup);
	ck_assert_int_eq(count_domains(), 1);
	destroy(inst);
	ck_assert_int_eq(count_domains(), 0);
	ck_assert_int_eq(count_qemus(), 0);
	vcl_vm_ops.cleanup(run, &s);
	snprintf(dir, sizeof(dir), "%s/vclab-%s", VCL_VM_IMAGE_ROOT, run_id);
	ck_assert_int_ne(access(dir, F_OK), 0);
	ck_assert_int_eq(count_domain_logs(), 0);
}
END_TEST

START_TEST(vm_qemu_killed_mid_boot)
{
	struct vcl_spec s = make_spec(0);
	struct vcl_spec s1 = make_spec(1);
	struct vcl_instance *inst = NULL;
	cleanup_error struct vcl_error *err = NULL;
	cleanup_error struct vcl_error *werr = NULL;
	uint64_t t0;

	void *run = prepare(&vcl_vm_ops, &s);
	ck_assert_msg(vcl_vm_ops.launch(run, &s1, &inst, &err) == 0, "%s", err ? err->msg : "");
	ck_assert_int_gt(inst->pid, 1);
	ck_assert_int_eq(kill(inst->pid, SIGKILL), 0);
	t0 = vcl_now_ns();
	ck_assert_int_lt(vcl_probe_wait(inst, BOOT_TIMEOUT_MS, &werr), 0);
	/* Seen through the pidfd, not after a timeout. */
	ck_assert_uint_lt(vcl_now_ns() - t0, 2000000000ULL);
	ck_assert_int_eq(werr->kind, VCL_E_DIED);
	ck_assert_ptr_nonnull(strstr(werr->msg, inst->name));
	ck_assert_ptr_nonnull(strstr(werr->msg, "exited before READY"));
	fprintf(stderr, "test_vm: killed mid-boot: %s\n", werr->msg);
	destroy(inst);
	ck_assert_int_eq(count_domains(), 0);
	ck_assert_int_eq(count_qemus(), 0);
	vcl_vm_ops.cleanup(run, &s);
	ck_assert_int_eq(count_domain_logs(), 0);
}
END_TEST

/* What ledger teardown and `vclab gc` call for a recorded domain: it goes,
 * a second call (or a never-created name) is success, and the instance's
 * own destroy afterwards still succeeds. */
START_TEST(vm_destroy_domain_for_gc)
{
	struct vcl_spec s = make_spec(0);
	struct vcl_spec s1 = make_spec(1);
	struct vcl_instance *inst = NULL;
	cleanup_error struct vcl_error *err = NULL;
	char name[64];

	void *run = prepare(&vcl_vm_ops, &s);
	ck_assert_msg(vcl_vm_ops.launch(run, &s1, &inst, &err) == 0, "%s", err ? err->msg : "");
	snprintf(name, sizeof(name), "%s", inst->name);
	ck_assert_int_eq(count_domains(), 1);
	ck_assert_msg(vcl_vmm_destroy_domain(VCL_VM_DEFAULT_URI, name, &err) == 0, "%s",
		      err ? err->msg : "");
	ck_assert_int_eq(count_domains(), 0);
	ck_assert_int_eq(count_qemus(), 0);
	ck_assert_int_eq(vcl_vmm_destroy_domain(VCL_VM_DEFAULT_URI, name, &err), 0);
	ck_assert_int_eq(vcl_vmm_destroy_domain(NULL, "vclab-never-made-1", &err), 0);
	destroy(inst);
	vcl_vm_ops.cleanup(run, &s);
	ck_assert_int_eq(count_domain_logs(), 0);
}
END_TEST

START_TEST(vm_cycles_leave_nothing)
{
	struct vcl_spec s = make_spec(0);
	char dir[128];

	void *run = prepare(&vcl_vm_ops, &s);
	snprintf(dir, sizeof(dir), "%s/vclab-%s", VCL_VM_IMAGE_ROOT, run_id);
	/* Boots that reach 200 and boots torn down right after the create
	 * returns (the guest still booting): both must leave nothing. Only
	 * every fifth waits, to stay within ~3 minutes under TCG. */
	for (unsigned i = 1; i <= 20; i++) {
		struct vcl_instance *inst = NULL;

		if (i % 5 == 0) {
			inst = boot(&vcl_vm_ops, run, i);
		} else {
			struct vcl_spec si = make_spec(i);
			cleanup_error struct vcl_error *err = NULL;

			ck_assert_msg(vcl_vm_ops.launch(run, &si, &inst, &err) == 0,
				      "launch %u: %s", i, err ? err->msg : "");
		}
		destroy(inst);
		ck_assert_int_eq(count_domains(), 0);
	}
	ck_assert_int_eq(count_domains(), 0);
	ck_assert_int_eq(count_qemus(), 0);
	/* Only the run's kernel and initramfs copies are left, until cleanup. */
	ck_assert_int_eq(count_entries(dir), 2);
	ck_assert_int_eq(count_domain_logs(), 0);
	vcl_vm_ops.cleanup(run, &s);
	ck_assert_int_ne(access(dir, F_OK), 0);
}
END_TEST

START_TEST(qemu_direct_boot_and_death)
{
	struct vcl_spec s = make_spec(0);
	struct vcl_spec s2 = make_spec(2);
	struct vcl_instance *inst;
	struct vcl_mem mem;
	cleanup_error struct vcl_error *err = NULL;
	cleanup_error struct vcl_error *werr = NULL;

	void *qd_run = prepare(&vcl_qemu_direct_ops, &s);
	inst = boot(&vcl_qemu_direct_ops, qd_run, 1);
	healthz(inst);
	ck_assert_msg(vcl_qemu_direct_ops.sample(inst, &mem, &err) == 0, "%s", err ? err->msg : "");
	ck_assert_uint_gt(mem.pss_kib, 10240);
	destroy(inst);
	ck_assert_int_eq(count_qemus(), 0);

	inst = NULL;
	ck_assert_msg(vcl_qemu_direct_ops.launch(qd_run, &s2, &inst, &err) == 0, "%s",
		      err ? err->msg : "");
	ck_assert_int_eq(kill(inst->pid, SIGKILL), 0);
	ck_assert_int_lt(vcl_probe_wait(inst, BOOT_TIMEOUT_MS, &werr), 0);
	ck_assert_int_eq(werr->kind, VCL_E_DIED);
	ck_assert_ptr_nonnull(strstr(werr->msg, "killed by signal 9"));
	destroy(inst);
	ck_assert_int_eq(count_qemus(), 0);
	vcl_qemu_direct_ops.cleanup(qd_run, &s);
}
END_TEST

/* The boot check the doctor uses for KVM, here under TCG; with DHCP, so
 * init's DHCP client (used on libvirt networks) is exercised against
 * slirp's server. */
START_TEST(boot_check_tcg_dhcp)
{
	cleanup_error struct vcl_error *err = NULL;
	char why[256] = "";

	ck_assert_msg(
	    vcl_vmm_boot_check(integ_ledger, "tcg", true, 60000, why, sizeof(why), &err) == 1,
	    "%s / %s", why, err ? err->msg : "");
	ck_assert_int_eq(count_qemus_with("vclab-bootcheck"), 0);
}
END_TEST

/* Not a gate (timings are noisy on a shared 2-core host): the numbers the
 * report quotes, vm and qemu-direct interleaved in the same run. */
START_TEST(libvirt_tax)
{
	enum { N = 3 };
	struct vcl_spec s = make_spec(0);
	double vm[3][N], qd[3][N];

	void *run = prepare(&vcl_vm_ops, &s);
	void *qd_run = prepare(&vcl_qemu_direct_ops, &s);
	for (unsigned i = 0; i < N; i++) {
		struct vcl_instance *a = boot(&vcl_vm_ops, run, 100 + i);
		struct vcl_instance *b;

		vm[0][i] = vcl_ns_to_ms(a->t.created - a->t.start);
		vm[1][i] = vcl_ns_to_ms(a->t.ready - a->t.start);
		vm[2][i] = vcl_ns_to_ms(a->t.first_200 - a->t.start);
		destroy(a);
		b = boot(&vcl_qemu_direct_ops, qd_run, 200 + i);
		qd[0][i] = vcl_ns_to_ms(b->t.created - b->t.start);
		qd[1][i] = vcl_ns_to_ms(b->t.ready - b->t.start);
		qd[2][i] = vcl_ns_to_ms(b->t.first_200 - b->t.start);
		destroy(b);
	}
	for (int k = 0; k < 3; k++) {
		static const char *const what[] = {"create", "READY", "first 200"};
		struct vcl_stats sv, sq;
		double pv, pq;

		vcl_stats_compute(vm[k], N, 0, VCL_BOOTSTRAP_SEED, &sv);
		vcl_stats_compute(qd[k], N, 0, VCL_BOOTSTRAP_SEED, &sq);
		pv = sv.p50;
		pq = sq.p50;

		fprintf(stderr, "test_vm: p50 %-9s vm %7.1f ms, qemu-direct %7.1f ms, ratio %.3f\n",
			what[k], pv, pq, pq > 0 ? pv / pq : 0);
	}
	vcl_vm_ops.cleanup(run, &s);
	vcl_qemu_direct_ops.cleanup(qd_run, &s);
	ck_assert_int_eq(count_domains(), 0);
	ck_assert_int_eq(count_qemus(), 0);
}
END_TEST

/* Two runs of each VM backend prepared at once in one process (issue 25):
 * each prepare() returns a context of its own with its own guest folder;
 * the end of one run leaves the other's folder, and the other still boots
 * (one qemu-direct boot; vm's is the same context code with libvirt). */
START_TEST(two_runs_prepared)
{
	char run_b[24], vm_a[256], vm_b[256], qd_a[600], qd_b[600];
	struct vcl_spec sa = make_spec(0), sb = make_spec(0);
	struct vcl_instance *inst;
	struct stat st;
	void *vm_ra, *vm_rb, *qd_ra, *qd_rb;

	snprintf(run_b, sizeof(run_b), "%sb", run_id);
	sb.run_id = run_b;
	snprintf(vm_a, sizeof(vm_a), "%s/vclab-%s", VCL_VM_IMAGE_ROOT, run_id);
	snprintf(vm_b, sizeof(vm_b), "%s/vclab-%s", VCL_VM_IMAGE_ROOT, run_b);
	snprintf(qd_a, sizeof(qd_a), "%s/qemu-direct-%s", vcl_ledger_dir(integ_ledger), run_id);
	snprintf(qd_b, sizeof(qd_b), "%s/qemu-direct-%s", vcl_ledger_dir(integ_ledger), run_b);
	vm_ra = prepare(&vcl_vm_ops, &sa);
	vm_rb = prepare(&vcl_vm_ops, &sb);
	qd_ra = prepare(&vcl_qemu_direct_ops, &sa);
	qd_rb = prepare(&vcl_qemu_direct_ops, &sb);
	ck_assert(vm_ra != NULL && vm_rb != NULL && vm_ra != vm_rb);
	ck_assert(qd_ra != NULL && qd_rb != NULL && qd_ra != qd_rb);
	ck_assert(stat(vm_a, &st) == 0 && stat(vm_b, &st) == 0);
	ck_assert(stat(qd_a, &st) == 0 && stat(qd_b, &st) == 0);

	vcl_vm_ops.cleanup(vm_ra, &sa);
	vcl_qemu_direct_ops.cleanup(qd_ra, &sa);
	ck_assert(stat(vm_a, &st) < 0 && errno == ENOENT);
	ck_assert(stat(qd_a, &st) < 0 && errno == ENOENT);
	ck_assert(stat(vm_b, &st) == 0 && stat(qd_b, &st) == 0);
	inst = boot(&vcl_qemu_direct_ops, qd_rb, 1);
	healthz(inst);
	destroy(inst);
	vcl_vm_ops.cleanup(vm_rb, &sb);
	vcl_qemu_direct_ops.cleanup(qd_rb, &sb);
	ck_assert(stat(vm_b, &st) < 0 && errno == ENOENT);
	ck_assert(stat(qd_b, &st) < 0 && errno == ENOENT);
	ck_assert_int_eq(count_qemus(), 0);
}
END_TEST

/* A full Debian boot under TCG: ~10 s here, more on a loaded host. */
#define IAAS_BOOT_TIMEOUT_MS 120000

/* Boot the iaas image once through ops: every phase present and in order,
 * a 200 from /healthz, the instance's overlay present while it runs and
 * gone after, the shared image untouched. */
static void iaas_boot_once(const struct vcl_backend_ops *ops, const char *run_dir)
{
	struct vcl_spec s = make_spec(0);
	struct vcl_instance *inst;
	cleanup_free char *disk = NULL;
	cleanup_error struct vcl_error *err = NULL;
	char overlay[256];
	struct stat before, after;
	void *run;

	ck_assert_msg(vcl_vmm_iaas_image(NULL, NULL, &disk, &err) == 0, "%s", err ? err->msg : "");
	ck_assert_int_eq(stat(disk, &before), 0);
	run = prepare(ops, &s);
	inst = boot_within(ops, run, 1, IAAS_BOOT_TIMEOUT_MS);
	healthz(inst);
	/* The guest's phases: kernel entry after t0, /init after it, READY
	 * after /init; firmware + kernel + userspace = ready exactly. */
	ck_assert_msg(inst->t.kernel > inst->t.start, "%s: no kernel phase (INIT line?)",
		      ops->name);
	ck_assert_uint_gt(inst->t.init, inst->t.kernel);
	ck_assert_uint_ge(inst->t.ready, inst->t.init);
	fprintf(stderr,
		"test_vm: %s create %.0f ms, firmware %.0f ms, kernel %.0f ms, userspace %.0f ms, "
		"READY %.0f ms, first 200 %.0f ms\n",
		ops->name, vcl_ns_to_ms(inst->t.created - inst->t.start),
		vcl_ns_to_ms(inst->t.kernel - inst->t.start),
		vcl_ns_to_ms(inst->t.init - inst->t.kernel),
		vcl_ns_to_ms(inst->t.ready - inst->t.init),
		vcl_ns_to_ms(inst->t.ready - inst->t.start),
		vcl_ns_to_ms(inst->t.first_200 - inst->t.start));
	snprintf(overlay, sizeof(overlay), "%s/%s/root.qcow2", run_dir, inst->name);
	ck_assert_msg(access(overlay, F_OK) == 0, "no overlay %s while it runs", overlay);
	destroy(inst);
	ck_assert_int_ne(access(overlay, F_OK), 0);
	ck_assert_int_eq(count_domains(), 0);
	ck_assert_int_eq(count_qemus(), 0);
	ck_assert_int_eq(count_domain_logs(), 0);
	ops->cleanup(run, &s);
	ck_assert_int_ne(access(run_dir, F_OK), 0);
	/* The guest wrote to its overlay only. */
	ck_assert_int_eq(stat(disk, &after), 0);
	ck_assert_int_eq(after.st_mtime, before.st_mtime);
	ck_assert_int_eq(after.st_size, before.st_size);
}

START_TEST(iaas_boot_phases)
{
	char dir[160];
	const char *state = vcl_ledger_dir(integ_ledger);

	snprintf(dir, sizeof(dir), "%s/vclab-%s-iaas", VCL_VM_IMAGE_ROOT, run_id);
	iaas_boot_once(&vcl_vm_iaas_ops, dir);
	snprintf(dir, sizeof(dir), "%s/qemu-direct-%s-iaas", state != NULL ? state : "/tmp",
		 run_id);
	iaas_boot_once(&vcl_qemu_direct_iaas_ops, dir);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("vm");
	TCase *tc = tcase_create("libvirt");

	const char *why = skip();

	if (why != NULL)
		return skip_suite("test_vm", why);
	/* The ledger's undo of every kind built in, before any teardown or gc. */
	if (vcl_backends_init(&integ_kinds, NULL) < 0)
		return 1;
	tcase_add_checked_fixture(tc, setup, integ_ledger_close);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, vm_boot_healthz_sample);
	tcase_add_test(tc, vm_qemu_killed_mid_boot);
	tcase_add_test(tc, vm_destroy_domain_for_gc);
	tcase_add_test(tc, qemu_direct_boot_and_death);
	tcase_add_test(tc, boot_check_tcg_dhcp);
	tcase_add_test(tc, vm_cycles_leave_nothing);
	tcase_add_test(tc, libvirt_tax);
	tcase_add_test(tc, two_runs_prepared);
	suite_add_tcase(su, tc);
	{
		TCase *ti = tcase_create("iaas");
		cleanup_error struct vcl_error *e = NULL;

		/* make check builds the image (make guest-iaas); without it the
		 * case fails rather than skips. */
		if (vcl_vmm_iaas_image(NULL, NULL, NULL, &e) < 0)
			fprintf(stderr, "test_vm: iaas: %s\n", e->msg);
		tcase_add_checked_fixture(ti, setup, integ_ledger_close);
		tcase_set_timeout(ti, 400);
		tcase_add_test(ti, iaas_boot_phases);
		suite_add_tcase(su, ti);
	}
	return run_suite(su);
}
