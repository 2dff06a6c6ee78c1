/* SPDX-License-Identifier: MIT */
/*
 * Integration tests of the resource scenarios (docs/resources.md):
 * `vclab bench --scenarios cpu,net --backends bare,ctr` (quick) gives every
 * figure, positive, with its tool's version, its exact command line and
 * the network path it took (ctr over the lab veth, with its loopback
 * figures beside), and leaves nothing: no run folder, cgroup, mount, lab
 * namespace or link in the host's network namespace. The lab network's
 * own contract: a veth into vclab's own (the host's) namespace is refused,
 * and a runner killed with the veth up leaves only what its ledger undoes.
 * Needs root and the tools image (make tools).
 */
#include <check.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/labnet.h"
#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/util.h"
#include "integ_util.h"
#include "keep_results.h"
#include "tests/suite_main.h"

static char *payload;

#define OUT	"/tmp/vclab-test-resources"
#define CACHE	"/tmp/vclab-test-resources-cache"
#define NOTOOLS "/tmp/vclab-test-resources-notools"

static void setup(void)
{
	integ_ledger_open("rs");
}

/* The links of the host's (this test's) network namespace, one a line. */
static char *host_links(void)
{
	FILE *p = popen("ip -o link show | cut -d: -f2 | sort", "r");
	char *buf = calloc(1, 4096);
	size_t n;

	ck_assert(p != NULL && buf != NULL);
	n = fread(buf, 1, 4095, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

/* metrics.<m>.p50 of backends.<pl>.<scen>, which must be there and > 0. */
static double p50_of(struct json_object *r, const char *pl, const char *scen, const char *m)
{
	char path[256];
	struct json_object *o;

	snprintf(path, sizeof(path), "backends.%s.%s.metrics.%s.p50", pl, scen, m);
	o = at(r, path);
	ck_assert_msg(o != NULL, "%s missing", path);
	ck_assert_msg(json_object_get_double(o) > 0, "%s = %g, not positive", path,
		      json_object_get_double(o));
	return json_object_get_double(o);
}

/* tool.<key> of backends.<pl>.<scen>: a command line starting with argv0. */
static void command_of(struct json_object *r, const char *pl, const char *scen, const char *key,
		       const char *argv0)
{
	char path[256];
	struct json_object *a;

	snprintf(path, sizeof(path), "backends.%s.%s.tool.%s", pl, scen, key);
	a = at(r, path);
	ck_assert_msg(a != NULL && json_object_is_type(a, json_type_array) &&
			  json_object_array_length(a) > 1,
		      "%s: no command line", path);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(a, 0)), argv0);
}

static const char *tool_str(struct json_object *r, const char *pl, const char *scen,
			    const char *key)
{
	char path[256];
	struct json_object *o;

	snprintf(path, sizeof(path), "backends.%s.%s.tool.%s", pl, scen, key);
	o = at(r, path);
	ck_assert_msg(o != NULL && json_object_get_string_len(o) > 0, "%s missing", path);
	return json_object_get_string(o);
}

/* A quick run of scenarios on bare and ctr into OUT: its results.json,
 * kept as keep_as, with no errors. */
static struct json_object *bench_results(const char *scenarios, const char *keep_as)
{
	char cmd[512];
	struct json_object *r;

	snprintf(cmd, sizeof(cmd),
		 "rm -rf " OUT " && VCLAB_CACHE=" CACHE " bin/vclab bench --scenarios %s "
		 "--backends bare,ctr --peer none --profile quick -q --no-report --out " OUT
		 " >/dev/null",
		 scenarios);
	ck_assert_int_eq(run(cmd), 0);
	r = json_object_from_file(OUT "/results.json");
	ck_assert(r != NULL);
	keep_results(OUT "/results.json", keep_as);
	ck_assert_msg(json_object_array_length(at(r, "errors")) == 0, "errors: %s",
		      json_object_to_json_string(at(r, "errors")));
	return r;
}

START_TEST(test_bench_cpu_net)
{
	static const char *const pls[] = {"bare", "ctr"};
	cleanup_free char *before = host_links(), *after = NULL;
	struct json_object *r = bench_results("cpu,net", "resources-bench");

	for (size_t i = 0; i < ARRAY_SIZE(pls); i++) {
		const char *pl = pls[i];

		p50_of(r, pl, "cpu", "event_us");
		p50_of(r, pl, "cpu", "host_cpu_per_event_us");
		ck_assert_str_eq(tool_str(r, pl, "cpu", "name"), "sysbench");
		ck_assert(strchr(tool_str(r, pl, "cpu", "version"), '.') != NULL);
		command_of(r, pl, "cpu", "command", "/usr/bin/sysbench");
		p50_of(r, pl, "net", "send_mbit_s");
		p50_of(r, pl, "net", "recv_mbit_s");
		p50_of(r, pl, "net", "rtt_p50_us");
		ck_assert_str_eq(tool_str(r, pl, "net", "name"), "iperf3");
		ck_assert(strstr(tool_str(r, pl, "net", "version"), "3.") != NULL);
		command_of(r, pl, "net", "command_send", "iperf3");
		command_of(r, pl, "net", "command_recv", "iperf3");
		command_of(r, pl, "net", "command_server", "/usr/bin/iperf3");
	}
	/* The paths: bare its namespace's loopback; ctr the lab veth, with
	 * its loopback measured beside it and labelled. */
	ck_assert(strstr(tool_str(r, "bare", "net", "path"), "loopback") != NULL);
	ck_assert(at(r, "backends.bare.net.metrics.loopback_send_mbit_s") == NULL);
	ck_assert(strncmp(tool_str(r, "ctr", "net", "path"), "veth", 4) == 0);
	ck_assert(strstr(tool_str(r, "ctr", "net", "loopback_path"), "loopback") != NULL);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(
			     at(r, "backends.ctr.net.tool.command_send"), 2)),
			 VCL_LABNET_POD_ADDR);
	p50_of(r, "ctr", "net", "loopback_send_mbit_s");
	p50_of(r, "ctr", "net", "loopback_recv_mbit_s");
	p50_of(r, "ctr", "net", "loopback_rtt_p50_us");
	ck_assert(at(r, "backends.ctr.net.metrics.send_mbit_s.x_bare.ratio") != NULL);
	/* Nothing left, in the host's network namespace least of all. */
	integ_nothing_left(r, CACHE);
	ck_assert_int_eq(run("! grep -q labnet /proc/mounts"), 0);
	after = host_links();
	ck_assert_str_eq(after, before);
	json_object_put(r);
	run("rm -rf " OUT " " CACHE);
}
END_TEST

/* The disk scenario's storage: for bare and ctr, fio's writes go to the
 * volume at /scratch (a host folder in the image cache, bound) and to the
 * overlay (its upper layer in the cache too), each figure positive; each
 * target's O_DIRECT as probed is the one its jobs ran with; the folders
 * are gone after the run. */
static void direct_matches(struct json_object *r, const char *pl, const char *target,
			   const char *job)
{
	char path[256], want[64], name[64];
	struct json_object *d, *cmd;
	bool seen = false;

	snprintf(path, sizeof(path), "backends.%s.disk.tool.direct.%s", pl, target);
	d = at(r, path);
	ck_assert_msg(d != NULL && json_object_is_type(d, json_type_boolean), "%s missing", path);
	snprintf(want, sizeof(want), "--direct=%d", json_object_get_boolean(d) ? 1 : 0);
	snprintf(name, sizeof(name), "--name=%s", job);
	snprintf(path, sizeof(path), "backends.%s.disk.tool.command", pl);
	cmd = at(r, path);
	ck_assert(cmd != NULL);
	for (size_t i = 0; i < json_object_array_length(cmd); i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(cmd, i));

		if (strcmp(a, name) == 0)
			seen = true;
		if (seen && strncmp(a, "--direct=", 9) == 0) {
			ck_assert_str_eq(a, want);
			return;
		}
	}
	ck_abort_msg("%s: job %s has no --direct", pl, job);
}

START_TEST(test_bench_disk)
{
	static const char *const pls[] = {"bare", "ctr"};
	static const char *const figs[] = {"seqread_mib_s",	 "randread_iops",
					   "seqwrite_mib_s",	 "randwrite_iops",
					   "ovl_seqwrite_mib_s", "ovl_randwrite_iops"};
	struct json_object *r = bench_results("disk", "resources-disk");

	for (size_t i = 0; i < ARRAY_SIZE(pls); i++) {
		const char *pl = pls[i];

		for (size_t k = 0; k < ARRAY_SIZE(figs); k++)
			p50_of(r, pl, "disk", figs[k]);
		ck_assert(strstr(tool_str(r, pl, "disk", "scratch_storage"), "host folder") !=
			  NULL);
		ck_assert(strstr(tool_str(r, pl, "disk", "scratch_storage"), CACHE "/resources-") !=
			  NULL);
		ck_assert(strstr(tool_str(r, pl, "disk", "overlay_storage"), CACHE "/resources-") !=
			  NULL);
		direct_matches(r, pl, "read", "seqread");
		direct_matches(r, pl, "scratch", "seqwrite");
		direct_matches(r, pl, "overlay", "ovl_randwrite");
	}
	integ_nothing_left(r, CACHE);
	ck_assert_int_eq(run("! ls -d " CACHE "/resources-* 2>/dev/null | grep -q ."), 0);
	json_object_put(r);
	run("rm -rf " OUT " " CACHE);
}
END_TEST

/* Each resource scenario named with no tools image (a vclab that finds
 * neither an installed one nor a build tree's): one line naming the image
 * and `make tools`, a non-zero exit, no results folder, no run folder. */
START_TEST(test_no_tools_image)
{
	static const char *const scen[] = {"cpu", "membw", "disk", "net"};
	char cmd[1024];

	ck_assert_int_eq(run("rm -rf " NOTOOLS " " CACHE " && mkdir -p " NOTOOLS
			     "/bin && cp bin/vclab " NOTOOLS "/bin/ && ls /run/vclab >" NOTOOLS
			     "/runs 2>/dev/null; true"),
			 0);
	for (size_t i = 0; i < ARRAY_SIZE(scen); i++) {
		snprintf(cmd, sizeof(cmd),
			 "cd /tmp && VCLAB_LIBDIR=" NOTOOLS "/lib VCLAB_CACHE=" CACHE " " NOTOOLS
			 "/bin/vclab bench --scenarios %s --backends bare --peer none --payload %s "
			 "--profile quick -q --no-report --out " OUT " 2>" NOTOOLS "/err",
			 scen[i], payload);
		ck_assert_msg(run(cmd) != 0, "%s: exit 0 with no tools image", scen[i]);
		ck_assert_int_eq(run("test $(wc -l <" NOTOOLS "/err) = 1"), 0);
		ck_assert_int_eq(
		    run("grep -q 'tools image is missing.*make tools' " NOTOOLS "/err"), 0);
		ck_assert_msg(run("test ! -e " OUT " && test ! -e " CACHE) == 0,
			      "%s: left " OUT " or " CACHE, scen[i]);
		ck_assert_msg(run("ls /run/vclab 2>/dev/null | cmp -s - " NOTOOLS "/runs") == 0,
			      "%s: left a run folder in /run/vclab", scen[i]);
	}
	run("rm -rf " NOTOOLS " " CACHE);
}
END_TEST

/* A child in a network namespace of its own (a stand-in for a
 * container's, made here): its pid, and an fd on its namespace. */
static pid_t pod_netns(int *fd)
{
	int p[2];
	char c, path[64];
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0 || write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert(*fd >= 0);
	return pid;
}

START_TEST(test_labnet_refuses_host)
{
	struct vcl_labnet n;
	struct vcl_error *e = NULL;
	int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cleanup_free char *before = host_links(), *after = NULL;

	ck_assert(own >= 0);
	ck_assert_int_lt(vcl_labnet_open(integ_ledger, own, &n, &e), 0);
	ck_assert_msg(e != NULL && strstr(e->msg, "host") != NULL, "%s", e != NULL ? e->msg : "?");
	vcl_error_free(e);
	close(own);
	after = host_links();
	ck_assert_str_eq(after, before);
}
END_TEST

/* A runner makes the veth and dies by SIGKILL: the pin stays mounted and
 * the link stays in the pod's namespace until the ledger is undone. */
START_TEST(test_labnet_killed_runner)
{
	int podfd = -1, st = 0;
	pid_t pod = pod_netns(&podfd), runner;
	char cmd[256];

	runner = fork();
	ck_assert(runner >= 0);
	if (runner == 0) {
		struct vcl_labnet n;
		struct vcl_error *e = NULL;

		if (vcl_labnet_open(integ_ledger, podfd, &n, &e) < 0) {
			fprintf(stderr, "runner: %s\n", e->msg);
			_exit(1);
		}
		raise(SIGKILL);
	}
	waitpid(runner, &st, 0);
	ck_assert(WIFSIGNALED(st));
	snprintf(cmd, sizeof(cmd),
		 "nsenter --net=/proc/%d/ns/net ip -o addr show " VCL_LABNET_POD_IF
		 " | grep -q " VCL_LABNET_POD_ADDR " && grep -q labnet /proc/mounts",
		 (int)pod);
	ck_assert_msg(run(cmd) == 0, "no veth in the pod's namespace after the runner died");
	integ_ledger_close();
	snprintf(cmd, sizeof(cmd),
		 "! nsenter --net=/proc/%d/ns/net ip link show " VCL_LABNET_POD_IF
		 " 2>/dev/null && ! grep -q labnet /proc/mounts",
		 (int)pod);
	ck_assert_msg(run(cmd) == 0, "the ledger's undo left the veth or the pin");
	kill(pod, SIGKILL);
	waitpid(pod, NULL, 0);
	close(podfd);
	integ_ledger_open("rs");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_no_tools_image, test_labnet_refuses_host,
				      test_labnet_killed_runner, test_bench_cpu_net,
				      test_bench_disk};
	int ret =
	    integ_payload_main("test_resources", "needs root (namespaces, containers)", &payload);

	if (ret != 0)
		return ret;
	if (access("build/tools/index.json", F_OK) != 0) {
		printf("test_resources: the tools image is missing: run make tools first\n");
		free(payload);
		return 1;
	}
	ret = run_suite(integ_fixture_suite("resources", 600, tests, ARRAY_SIZE(tests), setup));
	free(payload);
	return ret;
}
