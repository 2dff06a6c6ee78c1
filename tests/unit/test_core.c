/* SPDX-License-Identifier: MIT */
/* Pure parts of the harness: bench options, READY lines, results.json
 * reading and path lookup, the YAML loader's error positions. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/backends.h"
#include "bench/bench.h"
#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/nsexec.h"
#include "core/proc.h"
#include "core/results.h"
#include "core/sample.h"
#include "core/util.h"
#include "core/volume.h"
#include "core/yamldoc.h"
#include "tests/suite_main.h"

static int parse(struct vcl_bench_opts *o, struct vcl_error **err, ...)
{
	char *argv[32];
	int argc = 0;
	bool help;
	va_list ap;
	char *a;

	argv[argc++] = (char *)"bench";
	va_start(ap, err);
	while ((a = va_arg(ap, char *)) != NULL)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return vcl_bench_opts_parse(argc, argv, o, &help, err);
}

START_TEST(test_opts_defaults)
{
	struct vcl_bench_opts o;
	struct vcl_error *err = NULL;

	ck_assert_int_eq(parse(&o, &err, NULL), 0);
	ck_assert_str_eq(o.profile, "quick");
	ck_assert_uint_eq(o.runs, 20);
	ck_assert_uint_eq(o.limits.mem_mib, 256);
	ck_assert_ptr_null(o.backends);
	ck_assert_str_eq(o.vm_net, "user");
	vcl_bench_opts_free(&o);
}
END_TEST

START_TEST(test_opts_values)
{
	struct vcl_bench_opts o;
	struct vcl_error *err = NULL;

	ck_assert_int_eq(parse(&o, &err, "--runs", "7", "--profile", "standard", "--backends",
			       "bare,ctr", "--peer", "runc", "--vm-net", "network:default",
			       "--cpus", "0.5", "--scenarios", "startup,steady", NULL),
			 0);
	/* Explicit --runs wins over the profile, whatever the order. */
	ck_assert_uint_eq(o.runs, 7);
	ck_assert_uint_eq(o.vm_runs, 20);
	ck_assert_uint_eq(vcl_strv_len(o.backends), 2);
	ck_assert(vcl_strv_contains(o.backends, "ctr"));
	ck_assert(vcl_strv_contains(o.peers, "runc"));
	ck_assert_str_eq(o.vm_net, "network:default");
	ck_assert_double_eq(o.limits.cpus, 0.5);
	vcl_bench_opts_free(&o);
}
END_TEST

START_TEST(test_opts_errors)
{
	static const char *const bad[][3] = {
	    {"--runs", "0", NULL},
	    {"--runs", "-3", NULL},
	    {"--runs", "x", NULL},
	    {"--backends", "bare,kvm"},
	    {"--backends", "bare,,ctr"},
	    {"--profile", "huge"},
	    {"--vm-net", "bridge"},
	    {"--cpus", "0"},
	    {"--nope", NULL},
	    {"--runs", NULL},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vcl_bench_opts o;
		struct vcl_error *err = NULL;

		ck_assert_int_lt(parse(&o, &err, bad[i][0], bad[i][1], NULL), 0);
		ck_assert_ptr_nonnull(err);
		ck_assert_int_eq(err->kind, VCL_E_USAGE);
		ck_assert_int_eq(vcl_error_exit_code(err), 2);
		ck_assert_ptr_null(strchr(err->msg, '\n'));
		vcl_error_free(err);
		vcl_bench_opts_free(&o);
	}
}
END_TEST

START_TEST(test_readyline)
{
	uint16_t port = 0;

	ck_assert_int_eq(vcl_readyline_parse("VCLAB-READY name=a port=8080 pid=3", &port), 0);
	ck_assert_uint_eq(port, 8080);
	ck_assert_int_eq(vcl_readyline_parse("VCLAB-READY name=a port=0 pid=3", &port), -1);
	ck_assert_int_eq(vcl_readyline_parse("[    1.2] virtio_net", &port), -1);
	ck_assert_uint_eq(vcl_readyline_start_ns("VCLAB-READY name=a port=1 pid=3 start_ns=42"),
			  42);
	ck_assert_uint_eq(
	    vcl_readyline_start_ns("VCLAB-READY name=a start_ns=18446744073709551615 port=1"),
	    UINT64_MAX);
	ck_assert_uint_eq(vcl_readyline_start_ns("VCLAB-READY name=a port=1 pid=3"), 0);
	ck_assert_uint_eq(vcl_readyline_start_ns("VCLAB-READY start_ns=-4"), 0);
	ck_assert_uint_eq(vcl_readyline_start_ns("VCLAB-READY start_ns=12x"), 0);
	ck_assert_uint_eq(vcl_readyline_start_ns("VCLAB-READY start_ns=99999999999999999999"), 0);
}
END_TEST

START_TEST(test_readyline_feed)
{
	int p[2];
	struct vcl_readyline rl = {0};
	uint16_t port = 0;
	struct vcl_error *err = NULL;
	const char *noise = "[ 0.5] booting\nVCLAB-READY name=x port=1234 pid=1\n";

	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	ck_assert_int_eq(write(p[1], noise, 10), 10);
	ck_assert_int_eq(vcl_readyline_feed(&rl, p[0], &port, &err), 0);
	ck_assert_int_eq(write(p[1], noise + 10, strlen(noise) - 10), (ssize_t)strlen(noise) - 10);
	ck_assert_int_eq(vcl_readyline_feed(&rl, p[0], &port, &err), 1);
	ck_assert_uint_eq(port, 1234);
	close(p[1]);
	close(p[0]);
}
END_TEST

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/vclab-test-XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(test_json_errors)
{
	struct json_object *o = NULL;
	struct vcl_error *err = NULL;
	char *p = write_tmp("{\n  \"schema\": \"vclab.results/1\",\n  \"x\": [1, 2,,]\n}\n");
	char want[300];

	ck_assert_int_lt(vcl_results_load(p, &o, &err), 0);
	snprintf(want, sizeof(want), "%s:3:", p);
	ck_assert_msg(strncmp(err->msg, want, strlen(want)) == 0, "%s", err->msg);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	vcl_error_freep(&err);
	unlink(p);
	free(p);

	p = write_tmp("{\"schema\": \"other/1\"}");
	ck_assert_int_lt(vcl_results_load(p, &o, &err), 0);
	ck_assert_ptr_nonnull(strstr(err->msg, "not a vclab results file"));
	vcl_error_freep(&err);
	unlink(p);
	free(p);

	p = write_tmp("{\"schema\": \"vclab.results/1\"} trailing");
	ck_assert_int_lt(vcl_results_load(p, &o, &err), 0);
	ck_assert_ptr_nonnull(strstr(err->msg, ":1:31:"));
	vcl_error_freep(&err);
	unlink(p);
	free(p);

	p = write_tmp("{\"schema\": \"vclab.results/1\"");
	ck_assert_int_lt(vcl_results_load(p, &o, &err), 0);
	ck_assert_ptr_nonnull(strstr(err->msg, "unexpected end of file"));
	vcl_error_freep(&err);
	unlink(p);
	free(p);

	ck_assert_int_lt(vcl_results_load("/nonexistent/r.json", &o, &err), 0);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	vcl_error_freep(&err);
}
END_TEST

START_TEST(test_json_path)
{
	struct json_object *o = NULL;
	struct vcl_error *err = NULL;
	double v = 0;

	ck_assert_int_eq(vcl_results_load("tests/data/results-sample.json", &o, &err), 0);
	ck_assert_int_eq(vcl_json_path_double(o, "host.cpus", &v), 0);
	ck_assert_double_eq(v, 2);
	ck_assert_int_eq(vcl_json_path_double(o, "backends.vm.density.bursts.1.instances", &v), 0);
	ck_assert_double_eq(v, 4);
	ck_assert_int_lt(vcl_json_path_double(o, "backends.vm.density.bursts.9.instances", &v), 0);
	ck_assert_int_lt(vcl_json_path_double(o, "backends.nope.startup_ms.p50", &v), 0);
	ck_assert_int_lt(vcl_json_path_double(o, "host.accelerator", &v), 0);
	ck_assert_int_lt(vcl_json_path_double(o, "host..cpus", &v), 0);
	json_object_put(o);
}
END_TEST

START_TEST(test_yaml_errors)
{
	struct vcl_yaml *y = NULL;
	struct vcl_error *err = NULL;
	const char *bad = "name: a\nreplicas: [1, 2\nmemory: 3\n";
	const char *ok = "---\na: 1\n---\n---\nb: [x, y]\n";

	ck_assert_int_lt(vcl_yaml_load_buffer("svc.yaml", bad, strlen(bad), &y, &err), 0);
	ck_assert_msg(strncmp(err->msg, "svc.yaml:3:", 11) == 0, "%s", err->msg);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	vcl_error_freep(&err);

	ck_assert_int_eq(vcl_yaml_load_buffer("ok.yaml", ok, strlen(ok), &y, &err), 0);
	ck_assert_uint_eq(y->ndocs, 2);
	{
		yaml_node_t *b = vcl_yaml_get(&y->docs[1], vcl_yaml_root(y, 1), "b");

		ck_assert_uint_eq(vcl_yaml_seq_len(b), 2);
		ck_assert_str_eq(vcl_yaml_str(vcl_yaml_seq_at(&y->docs[1], b, 1)), "y");
		ck_assert_int_lt(vcl_yaml_error(&err, y, b, "bad %d", 7), 0);
		ck_assert_str_eq(err->msg, "ok.yaml:5:4: bad 7");
		vcl_error_freep(&err);
	}
	vcl_yaml_free(y);
}
END_TEST

/* Write a ledger for run "r1" under root whose owner and one pid record are
 * the live process pid, stamped with the given boot id. */
static void fake_run(const char *root, pid_t pid, const char *boot)
{
	char path[256];
	unsigned long long st = 0;
	FILE *f;

	ck_assert_int_eq(vcl_proc_starttime(pid, &st), 0);
	snprintf(path, sizeof(path), "%s/r1", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/r1/owner", root);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%d %llu %s\n", (int)pid, st, boot);
	fclose(f);
	snprintf(path, sizeof(path), "%s/r1/ledger", root);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "pid %d %llu\n", (int)pid, st);
	fclose(f);
}

/* A ledger can outlive a reboot where /run is on disk: gc takes a run of an
 * earlier boot for dead even when its pid is alive again, and leaves that
 * pid alone. A run of this boot with a live owner is kept. */
START_TEST(test_gc_boot_id)
{
	char root[] = "/tmp/vclab-gc-XXXXXX", path[300], boot[64] = "";
	struct vcl_ledger_kinds kinds = {0};
	struct vcl_gc_opts o = {.dry_run = false, .kinds = &kinds};
	struct vcl_error *err = NULL;
	unsigned removed = 99;
	pid_t child;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(root));
	o.root = root;
	ck_assert_int_eq(vcl_ledger_register(&kinds, &vcl_ledger_kind_pid, &err), 0);
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(boot, sizeof(boot), f));
	fclose(f);
	boot[strcspn(boot, "\n")] = '\0';
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	/* This boot, live owner: kept. */
	fake_run(root, child, boot);
	ck_assert_int_eq(vcl_gc(&o, &removed, &err), 0);
	ck_assert_uint_eq(removed, 0);
	snprintf(path, sizeof(path), "%s/r1/ledger", root);
	ck_assert_int_eq(access(path, F_OK), 0);
	/* Another boot: removed, and the process that now has the pid lives. */
	snprintf(path, sizeof(path), "rm -rf %s/r1", root);
	ck_assert_int_eq(system(path), 0);
	snprintf(path, sizeof(path), "%s/r1/ledger", root);
	fake_run(root, child, "00000000-0000-0000-0000-000000000000");
	ck_assert_int_eq(vcl_gc(&o, &removed, &err), 0);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(kill(child, 0), 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	rmdir(root);
}
END_TEST

/* A run "r1" under root of an earlier boot (so its runner counts as gone)
 * whose ledger holds text. */
/* Write text into path (created or truncated). */
static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void dead_run(const char *root, const char *text)
{
	char path[256], owner[96];

	snprintf(path, sizeof(path), "%s/r1", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/r1/owner", root);
	snprintf(owner, sizeof(owner), "%d 1 00000000-0000-0000-0000-000000000000\n",
		 (int)getpid());
	put_file(path, owner);
	snprintf(path, sizeof(path), "%s/r1/ledger", root);
	put_file(path, text);
}

static unsigned fake_undos;
static char fake_last[64];

static int fake_undo(const struct vcl_ledger_rec *r, struct vcl_error **err)
{
	fake_undos++;
	snprintf(fake_last, sizeof(fake_last), "%s %s", r->a, r->b != NULL ? r->b : "-");
	return 0;
}

/* Registering: the same kind twice is fine, another under a taken name or a
 * bad one is refused. */
START_TEST(test_ledger_register)
{
	static const struct vcl_ledger_kind other_pid = {.name = "pid", .undo = fake_undo};
	static const struct vcl_ledger_kind bad = {.name = "Pid 2", .undo = fake_undo};
	static const struct vcl_ledger_kind no_undo = {.name = "x"};
	struct vcl_ledger_kinds kinds = {0};
	cleanup_error struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_ledger_register(&kinds, &vcl_ledger_kind_pid, &err), 0);
	ck_assert_int_eq(vcl_ledger_register(&kinds, &vcl_ledger_kind_pid, &err), 0);
	ck_assert_uint_eq(kinds.n, 1);
	ck_assert_int_lt(vcl_ledger_register(&kinds, &other_pid, &err), 0);
	ck_assert_ptr_nonnull(strstr(err->msg, "pid is registered twice"));
	vcl_error_freep(&err);
	ck_assert_int_lt(vcl_ledger_register(&kinds, &bad, &err), 0);
	vcl_error_freep(&err);
	ck_assert_int_lt(vcl_ledger_register(&kinds, &no_undo, &err), 0);
}
END_TEST

/* A record no registered kind knows fails gc loudly and keeps the ledger
 * (a renamed or unregistered undo must not skip resources without a word);
 * once its kind is registered, gc undoes it through that kind's undo. */
START_TEST(test_gc_unknown_kind)
{
	static const struct vcl_ledger_kind fake = {.name = "domain", .undo = fake_undo};
	char root[] = "/tmp/vclab-gck-XXXXXX", path[300];
	struct vcl_ledger_kinds kinds = {0};
	struct vcl_gc_opts o = {.dry_run = false, .kinds = &kinds};
	cleanup_error struct vcl_error *err = NULL;
	unsigned removed = 99;

	ck_assert_ptr_nonnull(mkdtemp(root));
	o.root = root;
	dead_run(root, "domain qemu:///system vclab-r1-0\n");
	snprintf(path, sizeof(path), "%s/r1/ledger", root);
	ck_assert_int_lt(vcl_gc(&o, &removed, &err), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_ptr_nonnull(strstr(err->msg, "no undo is registered for kind domain"));
	ck_assert_int_eq(access(path, F_OK), 0);
	vcl_error_freep(&err);

	ck_assert_int_eq(vcl_ledger_register(&kinds, &fake, &err), 0);
	ck_assert_int_eq(vcl_gc(&o, &removed, &err), 0);
	ck_assert_uint_eq(removed, 1);
	ck_assert_uint_eq(fake_undos, 1);
	ck_assert_str_eq(fake_last, "qemu:///system vclab-r1-0");
	ck_assert_int_ne(access(path, F_OK), 0);
	rmdir(root);
}
END_TEST

/* A ledger temporary ".RUN.new" in root, its owner file holding owner
 * (NULL: none), its mtime age seconds ago. */
static void new_temp(const char *root, const char *run, const char *owner, long age)
{
	char path[256], file[300];
	struct timeval tv[2];

	snprintf(path, sizeof(path), "%s/.%s.new", root, run);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(file, sizeof(file), "%s/owner", path);
	if (owner != NULL)
		put_file(file, owner);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= age;
	tv[1] = tv[0];
	ck_assert_int_eq(utimes(path, tv), 0);
}

static bool temp_left(const char *root, const char *run)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/.%s.new", root, run);
	return access(path, F_OK) == 0;
}

/* gc removes the ".RUN.new" a crashed vcl_ledger_open left (its owner
 * dead, or no owner file and older than a minute), never a live one's;
 * with a prefix it touches only the runs so named. */
START_TEST(test_gc_new_temporaries)
{
	char root[] = "/tmp/vclab-gcn-XXXXXX", cmd[64], live[128], boot[64] = "";
	struct vcl_gc_opts o = {0};
	cleanup_error struct vcl_error *err = NULL;
	unsigned long long st = 0;
	unsigned removed = 0;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(boot, sizeof(boot), f));
	fclose(f);
	boot[strcspn(boot, "\n")] = '\0';
	ck_assert_int_eq(vcl_proc_starttime(getpid(), &st), 0);
	snprintf(live, sizeof(live), "%d %llu %s\n", (int)getpid(), st, boot);
	ck_assert_ptr_nonnull(mkdtemp(root));
	o.root = root;
	new_temp(root, "dead", "1 1 00000000-0000-0000-0000-000000000000\n", 0);
	new_temp(root, "fresh", NULL, 0);
	new_temp(root, "stale", NULL, 120);
	new_temp(root, "live", live, 120);
	dead_run(root, "");
	o.prefix = "zz";
	ck_assert_int_eq(vcl_gc(&o, &removed, &err), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert(temp_left(root, "dead") && temp_left(root, "stale"));
	o.prefix = NULL;
	ck_assert_int_eq(vcl_gc(&o, &removed, &err), 0);
	ck_assert_uint_eq(removed, 3);
	ck_assert(!temp_left(root, "dead") && !temp_left(root, "stale"));
	ck_assert(temp_left(root, "fresh") && temp_left(root, "live"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The registry registers an undo for every kind the built-in parts write:
 * a dry-run gc over one record of each succeeds. */
START_TEST(test_gc_builtin_kinds)
{
	char root[] = "/tmp/vclab-gcb-XXXXXX", cmd[64];
	struct vcl_ledger_kinds kinds = {0};
	struct vcl_gc_opts o = {.dry_run = true, .kinds = &kinds};
	cleanup_error struct vcl_error *err = NULL;
	unsigned removed = 0;

	ck_assert_int_eq(vcl_backends_init(&kinds, &err), 0);
	ck_assert_int_eq(vcl_backends_init(&kinds, &err), 0);
	ck_assert_ptr_nonnull(mkdtemp(root));
	o.root = root;
	dead_run(root, "pid 1 1\ndir /nonexistent/vclab-r1\nfile /nonexistent/vclab-r1.log\n"
		       "mount /nonexistent/vclab-r1\ncgroup vclab/r1/0\n"
#ifdef VCL_WITH_VM
		       "domain qemu:///system vclab-r1-0\n"
#endif
	);
	ck_assert_int_eq(vcl_gc(&o, &removed, &err), 0);
	ck_assert_uint_eq(removed, 1);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Each error kind has its own name in results.json: a kind added to the
 * enum without one would read as "fail" (and the static assert in
 * core/error.c stops one added at the end). */
START_TEST(test_error_kind_names)
{
	static const char *const want[] = {"fail", "usage",   "env", "oom",
					   "died", "timeout", "intr"};

	ck_assert_int_eq(VCL_E_NKINDS, sizeof(want) / sizeof(want[0]));
	for (int k = 0; k < VCL_E_NKINDS; k++)
		ck_assert_str_eq(vcl_error_kind_name((enum vcl_error_kind)k), want[k]);
	ck_assert_str_eq(vcl_error_kind_name(VCL_E_NKINDS), "fail");
}
END_TEST

/* The traits the harness branches on instead of names hold together: one
 * baseline, placements first, every peer compared with a placement of its
 * own family that is built in, and the option words are the table's. */
START_TEST(test_registry_traits)
{
	const char *const *pw = vcl_backends_placement_words();
	const char *const *qw = vcl_backends_peer_words();
	unsigned baselines = 0, np = 0, nq = 0;
	bool peers_seen = false;

	for (const struct vcl_backend_ops *const *b = vcl_backends; *b != NULL; b++) {
		const struct vcl_backend_ops *o = *b;

		ck_assert_ptr_eq(vcl_backends_find(o->name), o);
		baselines += o->baseline;
		ck_assert_msg(!o->baseline || (!o->is_peer && o->family == VCL_FAMILY_PROCESS),
			      "%s: the baseline is a process placement", o->name);
		ck_assert_msg(!(peers_seen && !o->is_peer), "%s: placement after a peer", o->name);
		peers_seen = peers_seen || o->is_peer;
		ck_assert_msg(o->is_peer == (o->peer_of != NULL), "%s: peer_of", o->name);
		if (o->is_peer) {
			const struct vcl_backend_ops *p = vcl_backends_find(o->peer_of);

			ck_assert_msg(p != NULL && !p->is_peer, "%s: peer of %s, no placement",
				      o->name, o->peer_of);
			ck_assert_int_eq(p->family, o->family);
			ck_assert_str_eq(qw[nq++], o->name);
		} else {
			ck_assert_str_eq(pw[np++], o->name);
		}
		ck_assert_msg(!o->accel_labelled || vcl_backend_is_vm(o), "%s: accel", o->name);
		ck_assert_msg(!o->engine || o->is_peer, "%s: an engine is a peer", o->name);
	}
	ck_assert_uint_eq(baselines, 1);
	ck_assert_ptr_null(pw[np]);
	ck_assert_str_eq(qw[nq], "none");
	ck_assert_ptr_null(qw[nq + 1]);
	ck_assert_str_eq(vcl_backends_baseline(), "bare");
	ck_assert_ptr_null(vcl_backends_find("kvm"));
	ck_assert_ptr_null(vcl_backends_find(NULL));
	ck_assert_str_eq(vcl_family_name(VCL_FAMILY_VM), "vm");
	ck_assert_str_eq(vcl_family_name(VCL_FAMILY_SANDBOX), "sandbox");
}
END_TEST

/* The reasons a backend gives in results.json (no_exec: why a service's
 * exec probe is skipped there) cite source files without line numbers: a
 * line number goes stale with the next edit of the file. */
START_TEST(test_reasons_cite_no_line)
{
	regex_t re;

	ck_assert_int_eq(regcomp(&re, "[A-Za-z0-9_]\\.[ch]:[0-9]", REG_EXTENDED | REG_NOSUB), 0);
	for (const struct vcl_backend_ops *const *b = vcl_backends; *b != NULL; b++) {
		const char *why[] = {(*b)->no_exec, (*b)->mem_covers};

		for (size_t i = 0; i < sizeof(why) / sizeof(why[0]); i++)
			ck_assert_msg(why[i] == NULL || regexec(&re, why[i], 0, NULL, 0) != 0,
				      "%s cites a source line: %s", (*b)->name, why[i]);
	}
	regfree(&re);
}
END_TEST

START_TEST(test_kib_field)
{
	uint64_t v = 0;
	const char *t =
	    "Rss:                1404 kB\nPss:                1180 kB\nPss_Anon: 3 kB\n";

	ck_assert_int_eq(vcl_parse_kib_field(t, "Pss", &v), 0);
	ck_assert_uint_eq(v, 1180);
	ck_assert_int_eq(vcl_parse_kib_field(t, "Rss", &v), 0);
	ck_assert_uint_eq(v, 1404);
	ck_assert_int_lt(vcl_parse_kib_field(t, "Swap", &v), 0);
}
END_TEST

/* A configMap volume's files written into a folder (runc's bundle does
 * this): items with folders, their modes, and fsGroup's group-read and
 * set-gid folders; a path that exists already is refused (O_EXCL), so a
 * link planted in the folder is never followed. */
START_TEST(test_volume_fill)
{
	char dir[] = "/tmp/vclab-unit-vol.XXXXXX", path[600];
	const struct vcl_vol_file files[] = {
	    {.path = "index.html", .data = "hello", .len = 5, .mode = 0600},
	    {.path = "conf/a.conf", .data = "x", .len = 1, .mode = 0644},
	};
	struct vcl_volume v = {
	    .name = "html", .target = "/srv", .read_only = true, .files = files, .nfiles = 2};
	struct vcl_security sec = {.has_fs_group = true, .fs_group = getgid()};
	const char *what = NULL;
	char buf[16] = "";
	struct stat st;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(vcl_volume_fill(dir, &v, &sec, &what), 0);
	snprintf(path, sizeof(path), "%s/index.html", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640); /* 0600 + group read */
	ck_assert_uint_eq(st.st_gid, getgid());
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, "hello");
	snprintf(path, sizeof(path), "%s/conf", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(st.st_mode & S_ISGID);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 02755);
	/* Again into the same folder: the files exist, nothing is overwritten. */
	ck_assert_int_eq(vcl_volume_fill(dir, &v, &sec, &what), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_str_eq(what, "write the volume's files");
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

/* A volume with a host folder (the resource scenarios' /scratch on the
 * host's disk) is that folder bound at its target, not a tmpfs: a file
 * written through the target lands in the host folder; the overlay's
 * upper folder likewise. In a mount namespace of the test's own (root
 * only: as another user unshare says EPERM and nothing is mounted). */
START_TEST(test_volume_host_dir)
{
	char root[] = "/var/tmp/vclab-unit-root.XXXXXX", host[] = "/var/tmp/vclab-unit-host.XXXXXX";
	char path[600];
	struct vcl_volume v = {.name = "scratch", .target = "/scratch", .empty = true};
	struct stat st;
	int status = -1;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_ptr_nonnull(mkdtemp(host));
	v.host_dir = host;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const char *what = "";
		struct vcl_security sec = {0};
		struct statfs fs;
		int fd;

		if (unshare(CLONE_NEWNS) < 0)
			_exit(errno == EPERM ? 3 : 4);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || chdir(root) < 0 ||
		    vcl_volumes_mount(&v, 1, &sec, &what) < 0)
			_exit(5);
		if (statfs("scratch", &fs) < 0 || fs.f_type == 0x01021994 /* tmpfs */)
			_exit(6);
		fd = open("scratch/fio.dat", O_CREAT | O_WRONLY, 0644);
		if (fd < 0 || write(fd, "x", 1) != 1)
			_exit(7);
		close(fd);
		if (mkdir("upper", 0755) < 0 || vcl_overlay_upper_mount("upper", host) < 0 ||
		    access("upper/fio.dat", F_OK) < 0)
			_exit(8);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), geteuid() == 0 ? 0 : 3);
	snprintf(path, sizeof(path), "%s/fio.dat", host);
	if (geteuid() == 0)
		ck_assert_int_eq(stat(path, &st), 0);
	snprintf(path, sizeof(path), "rm -rf %s %s", root, host);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

/* An exec probe's command run "inside" this very process (its namespaces
 * are ours, its root is /): exit statuses come back, a command past its
 * time-out is killed; a name is found through PATH. */
START_TEST(test_nsexec)
{
	static char path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin", t[] = "true", f[] = "false",
		    sl[] = "sleep", five[] = "5";
	char *const env[] = {path, NULL}, *const ok[] = {t, NULL}, *const no[] = {f, NULL},
		    *const slow[] = {sl, five, NULL};
	struct vcl_svc_spec svc = {.cwd = "/", .envp = env, .uid = getuid(), .gid = getgid()};
	struct vcl_error *err = NULL;
	int status = -1;

	ck_assert(vcl_exec_found("/", "true", env));
	ck_assert(vcl_exec_found("/", "/bin/sh", env));
	ck_assert(!vcl_exec_found("/", "pg_isready-not-here", env));
	ck_assert_int_eq(vcl_nsexec(getpid(), &svc, ok, 2000, &status, &err), 0);
	/* setgroups needs root: as another user the child says so (125). */
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), geteuid() == 0 ? 0 : 125);
	if (geteuid() == 0) {
		ck_assert_int_eq(vcl_nsexec(getpid(), &svc, no, 2000, &status, &err), 0);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
		ck_assert_int_eq(vcl_nsexec(getpid(), &svc, slow, 50, &status, &err), 0);
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_opts_defaults);
	tcase_add_test(tc, test_opts_values);
	tcase_add_test(tc, test_opts_errors);
	tcase_add_test(tc, test_readyline);
	tcase_add_test(tc, test_readyline_feed);
	tcase_add_test(tc, test_json_errors);
	tcase_add_test(tc, test_json_path);
	tcase_add_test(tc, test_yaml_errors);
	tcase_add_test(tc, test_registry_traits);
	tcase_add_test(tc, test_reasons_cite_no_line);
	tcase_add_test(tc, test_gc_new_temporaries);
	tcase_add_test(tc, test_kib_field);
	tcase_add_test(tc, test_error_kind_names);
	tcase_add_test(tc, test_gc_boot_id);
	tcase_add_test(tc, test_ledger_register);
	tcase_add_test(tc, test_gc_unknown_kind);
	tcase_add_test(tc, test_gc_builtin_kinds);
	tcase_add_test(tc, test_volume_fill);
	tcase_add_test(tc, test_volume_host_dir);
	tcase_add_test(tc, test_nsexec);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
