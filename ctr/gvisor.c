/* SPDX-License-Identifier: MIT */
/*
 * The gvisor placement: the service in a gVisor sandbox, `runsc` over the
 * very bundle and OCI config runc gets (runtime.c builds both; this file
 * says only what runsc needs beyond runc).
 *
 * Platform. gVisor's sentry traps the service's system calls through a
 * platform: systrap (newer releases), kvm or ptrace. With bench
 * --gvisor-platform auto (the default) probe() tries them in that order and
 * keeps the first whose trial container runs; why each one before it did
 * not is kept (results.json backends.gvisor.platform_why). Debian 12's
 * runsc (0.0~20221219) knows only ptrace and kvm: `runsc flags` says which
 * it knows. In auto, kvm is tried only where the host's own KVM boot check
 * passed (doctor's accelerator): where /dev/kvm exists but a guest hangs
 * (these hosts' PVM), a kvm sandbox hangs too. A platform the user names
 * is the only one tried, kvm included; every trial is killed after
 * GVISOR_TRIAL_MS and what it started removed (runtime.c). A platform that
 * cannot run is a VCL_E_ENV error, and bench records the placement as
 * skipped with that reason (ops.skip_unrunnable), named or not.
 *
 * Network. A Kubernetes pod under runsc gets gVisor's netstack in the pod's
 * network namespace (--network=sandbox). That runsc decides "this is the
 * root network namespace" from /proc/sys/net/core/rmem_default, which
 * kernels from 6.x (6.18 here) show in every namespace, so it refuses
 * every sandbox network ("cannot run with network enabled in root network
 * namespace"). probe() tries it and keeps runsc's words as network_why;
 * where it fails, the sandbox runs --network=host: the sentry passes its
 * socket calls to the host kernel, inside the sandbox's own network
 * namespace, which runsc makes from the config as for runc. No host port
 * is used; vclab brings that namespace's loopback up between `create` and
 * `start` (runsc leaves it down in host mode), and the probe enters it
 * through /proc/PID/ns/net as for runc.
 *
 * Startup: t0 before `runsc create`, which returns once the sandbox (the
 * sentry) has booted and its gofer serves the rootfs ("create" phase,
 * sandbox boot included); then `runsc start`; then the port and the first
 * answer, seen by the same probe as everywhere. runsc cannot hand the
 * payload's READY fd through (no --preserve-fds), so "ready" is the port
 * accepting.
 *
 * Leftovers: the record "runsc ROOT ID" is written before `create`; its
 * undo, `runsc --root ROOT delete --force ID`, stops the sandbox, its
 * gofer and its ptrace stubs and removes runsc's state (teardown, and
 * `vclab gc` after a crash).
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/cleanup.h"
#include "core/host.h"
#include "core/ledger.h"
#include "core/probe.h"
#include "core/results.h"
#include "core/util.h"
#include "ctr/ctr.h"
#include "ctr/runtime.h"

static int gvisor_lo_up(struct vcl_instance *inst, struct vcl_error **err);

/* How long a trial sandbox of /bin/true may take: ptrace needs 0.3 s here,
 * a kvm sandbox on this PVM host never ends (it hung 15 s by hand). */
#define GVISOR_TRIAL_MS 10000

/* runsc as probe() sets it up (its binary, platform and network flags):
 * what the host allows, not one run's state; each run's prepare() copies
 * it into its context. */
static struct vcl_runtime runsc_rt = {
    .name = "runsc",
    .ops = &vcl_gvisor_ops,
    .create_start = true,
    .between = gvisor_lo_up,
    .ledger_kind = "runsc",
    .own_cgroup = true,
    .id_suffix = "-sb",
    .probe_timeout_ms = GVISOR_TRIAL_MS,
};

/* The platform the user asked for (bench --gvisor-platform), "auto": try
 * systrap, kvm, ptrace. */
static char wanted[16] = "auto";

/* What probe() found, for describe(). */
static struct {
	char platform[16];
	char network[16];
	char network_why[512];
	char version[64];
	struct json_object *platform_why; /* {"systrap": "...", "kvm": "..."} */
} found;

/* ---- pure parts ---------------------------------------------------------- */

bool vcl_gvisor_knows_platform(const char *flags_text, const char *platform)
{
	const char *p = flags_text != NULL ? strstr(flags_text, "-platform ") : NULL;
	const char *end;
	size_t len = strlen(platform);

	if (p == NULL)
		p = flags_text != NULL ? strstr(flags_text, "-platform\n") : NULL;
	if (p == NULL)
		return false;
	/* The flag's description is the next line: "specifies which platform
	 * to use: ptrace (default), kvm." */
	p = strchr(p, '\n');
	if (p == NULL)
		return false;
	end = strchr(p + 1, '\n');
	if (end == NULL)
		end = p + strlen(p);
	for (const char *q = p; (q = strstr(q, platform)) != NULL && q < end; q += len) {
		bool left = q == p || !(q[-1] >= 'a' && q[-1] <= 'z');
		bool right = !(q[len] >= 'a' && q[len] <= 'z');

		if (left && right)
			return true;
	}
	return false;
}

/* ---- probe --------------------------------------------------------------- */

static void set_flags(const char *platform, const char *network)
{
	snprintf(runsc_rt.global[0], sizeof(runsc_rt.global[0]), "--platform=%s", platform);
	snprintf(runsc_rt.global[1], sizeof(runsc_rt.global[1]), "--network=%s", network);
	runsc_rt.nglobal = 2;
}

/* `runsc TOOL_ARG` into text (stdout and stderr). */
static int runsc_text(const char *arg, char **text, struct vcl_error **err)
{
	char tmpl[] = "/tmp/vclab-runsc-XXXXXX";
	char *const argv[] = {runsc_rt.bin, (char *)arg, NULL};
	int fd = mkstemp(tmpl), status = 0, ret;

	if (fd < 0)
		return vcl_fail(err, errno, "Create a temporary file");
	close(fd);
	ret = vcl_ctr_spawn_wait(runsc_rt.bin, argv, NULL, tmpl, -1, &status, err);
	if (ret == 0)
		ret = vcl_read_file(tmpl, text, NULL, err);
	unlink(tmpl);
	return ret;
}

static void why(const char *platform, const char *prefix, const char *msg)
{
	char buf[600];

	snprintf(buf, sizeof(buf), "%s%s", prefix, msg);
	json_object_object_add(found.platform_why, platform, json_object_new_string(buf));
}

/* Can this platform run a trivial sandbox here? Says why not in
 * found.platform_why. named: the user asked for it, so it is tried even
 * where the host's KVM check failed. */
static bool platform_runs(const struct vcl_host *host, const char *flags, const char *platform,
			  bool named)
{
	struct vcl_error *e = NULL;

	if (!vcl_gvisor_knows_platform(flags, platform)) {
		why(platform, "", "this runsc does not know it (not listed by `runsc flags`)");
		return false;
	}
	if (!named && strcmp(platform, "kvm") == 0 && strcmp(host->accelerator, "kvm") != 0) {
		why(platform, "not tried: a KVM guest does not run on this host: ",
		    host->accel_why[0] ? host->accel_why : "doctor's KVM check failed");
		return false;
	}
	set_flags(platform, "host");
	if (vcl_rt_probe(&runsc_rt, &e) == 0)
		return true;
	why(platform, "a trial sandbox failed: ", e->msg);
	vcl_error_free(e);
	return false;
}

/* The probe's error when no platform ran: what was tried and runsc's
 * words for each. */
static int unrunnable(struct vcl_error **err)
{
	struct json_object *w = NULL;

	if (strcmp(wanted, "auto") != 0 &&
	    json_object_object_get_ex(found.platform_why, wanted, &w))
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "gVisor platform %s (--gvisor-platform %s): %s", wanted,
				     wanted, json_object_get_string(w));
	return vcl_error_set(
	    err, VCL_E_ENV, 0, "No gVisor platform runs here (tried systrap, kvm, ptrace): %s",
	    json_object_to_json_string_ext(found.platform_why, JSON_C_TO_STRING_PLAIN));
}

int vcl_gvisor_want_platform(const char *platform, struct vcl_error **err)
{
	static const char *const names[] = {"auto", "systrap", "kvm", "ptrace"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (platform != NULL && strcmp(platform, names[i]) == 0) {
			snprintf(wanted, sizeof(wanted), "%s", platform);
			return 0;
		}
	return vcl_usage(err,
			 "--gvisor-platform %s: not a gVisor platform (auto, systrap, kvm "
			 "or ptrace)",
			 platform != NULL ? platform : "(none)");
}

static int gvisor_probe(const struct vcl_host *host, struct vcl_error **err)
{
	static const char *const order[] = {"systrap", "kvm", "ptrace"};
	cleanup_free char *flags = NULL;
	cleanup_free char *version = NULL;
	struct vcl_error *e = NULL;

	if (!vcl_is_root())
		return vcl_error_set(err, VCL_E_ENV, 0, "The gvisor placement needs root");
	if (runsc_rt.bin[0] == '\0' &&
	    vcl_ctr_find_bin("runsc", runsc_rt.bin, sizeof(runsc_rt.bin), err) < 0)
		return -1;
	if (runsc_text("flags", &flags, err) < 0 || runsc_text("--version", &version, err) < 0)
		return vcl_error_wrap(err, "Ask runsc what it supports");
	if (flags == NULL || version == NULL)
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "runsc printed nothing for flags or --version");
	snprintf(found.version, sizeof(found.version), "%.*s", (int)strcspn(version, "\n"),
		 version);
	vcl_json_putp(&found.platform_why);
	found.platform_why = json_object_new_object();
	found.platform[0] = '\0';
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		bool named = strcmp(wanted, order[i]) == 0;

		if ((named || strcmp(wanted, "auto") == 0) &&
		    platform_runs(host, flags, order[i], named)) {
			snprintf(found.platform, sizeof(found.platform), "%s", order[i]);
			break;
		}
	}
	if (found.platform[0] == '\0')
		return unrunnable(err);
	/* The pod's network: netstack in the sandbox's namespace. */
	set_flags(found.platform, "sandbox");
	if (vcl_rt_probe(&runsc_rt, &e) == 0)
		snprintf(found.network_why, sizeof(found.network_why),
			 "--network=sandbox runs here, but vclab gives netstack no link the "
			 "probe could reach yet");
	else
		snprintf(found.network_why, sizeof(found.network_why),
			 "--network=sandbox failed: %s", e->msg);
	vcl_error_free(e);
	snprintf(found.network, sizeof(found.network), "host");
	set_flags(found.platform, found.network);
	return 0;
}

/* ---- launch hook --------------------------------------------------------- */

/* In host network mode runsc leaves the sandbox namespace's loopback down;
 * the service binds 127.0.0.1 there and the probe connects to it. */
static int gvisor_lo_up(struct vcl_instance *inst, struct vcl_error **err)
{
	cleanup_close int s = vcl_socket_in_netns(inst->ep.netns_fd, SOCK_DGRAM, err);

	if (s < 0)
		return -1;
	if (vcl_loopback_up_on(s) < 0)
		return vcl_fail(err, errno, "Bring up the loopback of sandbox %s", inst->name);
	return 0;
}

/* ---- ledger kind "runsc ROOT ID" ------------------------------------------ */

/* Does runsc keep state for id under root? ("<id>_sandbox:<id>.state") */
static bool has_state(const char *root, const char *id)
{
	char pat[700];
	glob_t g;
	bool any;

	snprintf(pat, sizeof(pat), "%s/*%s.state", root, id);
	any = glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0;
	globfree(&g);
	return any;
}

static int runsc_undo(const struct vcl_ledger_rec *r, struct vcl_error **err)
{
	char log[] = "/tmp/vclab-runsc-delete-XXXXXX";
	struct stat st;
	int fd, ret;

	if (r->b == NULL)
		return vcl_error_set(err, VCL_E_USAGE, 0, "Ledger record runsc %s: no sandbox id",
				     r->a);
	if (stat(r->a, &st) < 0 || !has_state(r->a, r->b))
		return 0; /* gone, or never made */
	if (r->print)
		printf("  %s gVisor sandbox %s (runsc --root %s)\n",
		       r->dry_run ? "would delete" : "delete", r->b, r->a);
	if (r->dry_run)
		return 0;
	if (runsc_rt.bin[0] == '\0' &&
	    vcl_ctr_find_bin("runsc", runsc_rt.bin, sizeof(runsc_rt.bin), err) < 0)
		return -1;
	fd = mkstemp(log);
	if (fd < 0)
		return vcl_fail(err, errno, "Create a temporary file");
	close(fd);
	ret = vcl_rt_delete(&runsc_rt, r->a, r->b, log, err);
	unlink(log);
	if (ret < 0 && !has_state(r->a, r->b)) { /* runsc complained, but it is gone */
		vcl_error_free(*err);
		*err = NULL;
		ret = 0;
	}
	return ret;
}

static const struct vcl_ledger_kind runsc_kind = {.name = "runsc", .undo = runsc_undo};
static const struct vcl_ledger_kind *const gvisor_kinds[] = {&runsc_kind, NULL};

/* ---- the ops --------------------------------------------------------------- */

static struct json_object *gvisor_describe(const void *ctx)
{
	(void)ctx; /* what probe() found is the host's, not the run's */
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "platform", json_object_new_string(found.platform));
	json_object_object_add(o, "platform_asked", json_object_new_string(wanted));
	if (found.platform_why != NULL)
		json_object_object_add(o, "platform_why", json_object_get(found.platform_why));
	json_object_object_add(o, "network", json_object_new_string(found.network));
	json_object_object_add(o, "network_why", json_object_new_string(found.network_why));
	json_object_object_add(o, "runsc", json_object_new_string(found.version));
	return o;
}

/* The run's context: runsc as probe() set it up (platform, network). */
static int gvisor_prepare(const struct vcl_spec *spec, void **ctx, struct vcl_error **err)
{
	return vcl_rt_prepare(&runsc_rt, spec, ctx, err);
}

const char *vcl_gvisor_platform(void)
{
	return found.platform[0] != '\0' ? found.platform : NULL;
}

const struct vcl_backend_ops vcl_gvisor_ops = {
    .name = "gvisor",
    .family = VCL_FAMILY_SANDBOX,
    .runs_services = true,
    /* Standard and full run it; quick only when named (--backends): see
     * README, "Profiles" (the quick profile's 240 s). */
    .not_quick = true,
    /* A platform that cannot run here is a skip, named or not (issue 27). */
    .skip_unrunnable = true,
    .probe = gvisor_probe,
    .prepare = gvisor_prepare,
    .launch = vcl_rt_launch,
    .ready = vcl_rt_ready,
    .exited = vcl_rt_exited,
    .sample = vcl_rt_sample,
    .destroy = vcl_rt_destroy,
    .cleanup = vcl_rt_cleanup,
    .kinds = gvisor_kinds,
    .mem_covers = "the sandbox (sentry), its gofer and its platform stubs, all in the "
		  "sandbox's cgroup (PSS), and that cgroup's kernel memory",
    .describe = gvisor_describe,
};
