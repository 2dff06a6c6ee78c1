/* SPDX-License-Identifier: MIT */
/*
 * Isolation (issue 28): what a service can reach from each placement,
 * measured. The isolation probe (bin/vclab-isoprobe, payload/isoprobe.h)
 * runs as the service, the way a user's image runs there: a rootfs
 * holding only the static probe, with its port and readiness, prepared
 * and launched by each placement and peer like any user's service. Once
 * ready, GET /isolation tells what it holds and reaches; the harness
 * passes its own pid, that pid's start time and the host's boot id in the
 * query, so the probe can say whether it sees a host process and runs on
 * the host's kernel. The object is stored as is under
 * backends.<b>.isolation (peers.<p>.isolation), with
 * cri_violations for the container family: what containerd's defaults
 * forbid and the probe could still do (core/isolation.h).
 *
 * It runs after the run's own service, with its own prepare and cleanup of
 * each placement (a service's rootfs is a prepare-time input), and only
 * when named: `--scenarios isolation`. One launch per placement: these
 * are facts, not timings.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/cleanup.h"
#include "core/isolation.h"
#include "core/ledger.h"
#include "core/probe.h"
#include "core/results.h"
#include "core/util.h"
#include "image/image.h"

#define PROBE_PORT  8080
#define PROBE_BODY  ((size_t)256 * 1024)
#define PROBE_FETCH 30000 /* ms: the probe's calls take milliseconds, a TCG guest more */

/* The probe's rootfs: the static binary and the folders the placements
 * mount their API file systems on. */
static int make_rootfs(const char *probe, const char *dir, struct vcl_error **err)
{
	static const char *const sub[] = {"proc", "sys", "dev", "tmp", "run", "etc"};
	cleanup_free char *bin = NULL, *data = NULL;
	size_t len = 0;

	if (vcl_mkdir_p(dir, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		char p[600];

		snprintf(p, sizeof(p), "%s/%s", dir, sub[i]);
		if (mkdir(p, strcmp(sub[i], "tmp") == 0 ? 01777 : 0755) < 0 && errno != EEXIST)
			return vcl_fail(err, errno, "Create %s", p);
		if (strcmp(sub[i], "tmp") == 0 && chmod(p, 01777) < 0)
			return vcl_fail(err, errno, "Set mode of %s", p);
	}
	if (asprintf(&bin, "%s/vclab-isoprobe", dir) < 0)
		return vcl_fail(err, ENOMEM, "Probe path");
	if (vcl_read_file(probe, &data, &len, err) < 0)
		return vcl_error_wrap(err, "Isolation probe (run `make all`)");
	if (vcl_write_atomic(bin, data, len, err) < 0)
		return -1;
	if (chmod(bin, 0755) < 0)
		return vcl_fail(err, errno, "Set mode of %s", bin);
	return 0;
}

/* The probe next to the payload (bin/, or PREFIX/lib/vclab). */
static int probe_path(const char *payload, char **out, struct vcl_error **err)
{
	cleanup_free char *copy = strdup(payload != NULL ? payload : "");

	if (copy == NULL || asprintf(out, "%s/vclab-isoprobe", dirname(copy)) < 0)
		return vcl_fail(err, ENOMEM, "Probe path");
	if (access(*out, X_OK) < 0) {
		int e = errno;

		vcl_error_set(err, VCL_E_ENV, e,
			      "Isolation probe %s is missing (run `make all`, or install it "
			      "beside vclab-payload)",
			      *out);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* What the probe is told: the harness's pid and start time, the host's
 * boot id and kernel release. */
static int host_query(char *q, size_t size, struct vcl_error **err)
{
	unsigned long long start = 0;
	cleanup_free char *boot = NULL;
	struct utsname u;
	size_t len = 0;

	if (vcl_proc_starttime(getpid(), &start) < 0)
		return vcl_fail(err, errno, "Read this process's start time");
	if (vcl_read_file("/proc/sys/kernel/random/boot_id", &boot, &len, err) < 0)
		return -1;
	boot[strcspn(boot, "\n")] = '\0';
	if (uname(&u) < 0)
		return vcl_fail(err, errno, "uname");
	snprintf(q, size, "/isolation?pid=%d&start=%llu&boot=%s&rel=%s", (int)getpid(), start, boot,
		 u.release);
	return 0;
}

int vcl_isolation_read(struct vcl_instance *inst, struct json_object **out, struct vcl_error **err)
{
	cleanup_free char *body = malloc(PROBE_BODY);
	enum json_tokener_error jerr = json_tokener_success;
	char query[256];
	int status = 0;

	if (body == NULL)
		return vcl_fail(err, ENOMEM, "Probe answer");
	if (host_query(query, sizeof(query), err) < 0)
		return -1;
	if (vcl_http_get(&inst->ep, query, PROBE_FETCH, &status, body, PROBE_BODY, err) < 0)
		return vcl_error_wrap(err, "GET %s", query);
	if (status != 200)
		return vcl_fail(err, 0, "GET /isolation answered %d", status);
	*out = json_tokener_parse_verbose(body, &jerr);
	if (*out == NULL || !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		return vcl_fail(err, 0, "The probe's answer is not a JSON object: %s",
				json_tokener_error_desc(jerr));
	}
	return 0;
}

/* Prepare active placement i for the probe, launch it once, read it,
 * clean up. */
static int probe_one(struct vcl_bench *b, unsigned i, struct vcl_error **err)
{
	const struct vcl_backend_ops *ops = b->active[i];
	struct vcl_instance *inst = NULL;
	struct json_object *o = NULL;
	int r = -1;

	b->run[i] = NULL;
	if (ops->prepare != NULL && ops->prepare(&b->spec, &b->run[i], err) < 0)
		return vcl_error_wrap(err, "Prepare %s for the probe", ops->name);
	if (vcl_bench_start(b, ops, &inst, err) == 0 && vcl_isolation_read(inst, &o, err) == 0) {
		if (ops->family == VCL_FAMILY_CONTAINER) {
			char why[1024];
			unsigned n = vcl_isolation_cri_violations(o, why, sizeof(why));

			json_object_object_add(o, "cri_violations", json_object_new_int((int)n));
			if (n > 0)
				json_object_object_add(o, "cri_violations_are",
						       json_object_new_string(why));
		}
		json_object_object_add(vcl_bench_result_obj(b, ops), "isolation", o);
		r = 0;
	}
	vcl_bench_stop(b, inst);
	if (ops->cleanup != NULL)
		ops->cleanup(b->run[i], &b->spec);
	b->run[i] = NULL;
	return r;
}

static int probe_all(struct vcl_bench *b, struct vcl_image *img, struct vcl_error **err)
{
	b->spec.svc = &img->svc;
	b->steps_total += b->nactive;
	for (unsigned i = 0; i < b->nactive; i++) {
		struct vcl_error *e = NULL;

		if (probe_one(b, i, &e) < 0) {
			if (vcl_bench_fatal(e)) {
				*err = e;
				return -1;
			}
			vcl_bench_record_error(b, b->active[i]->name, "isolation", e);
			vcl_error_free(e);
		}
		vcl_bench_step(b, b->active[i]->name);
	}
	return 0;
}

int vcl_isolation_service(const char *payload, const char *dir, struct vcl_ledger *ledger,
			  struct vcl_image *img, struct vcl_error **err)
{
	static char a_probe[] = "/vclab-isoprobe", a_listen[] = "--listen",
		    a_addr[] = "0.0.0.0:8080";
	static char *cmd[] = {a_probe, a_listen, a_addr, NULL};
	cleanup_free char *probe = NULL, *ref = NULL;
	struct vcl_image_opts io = {
	    .name = "isoprobe", .port = PROBE_PORT, .ready = "http:/healthz", .cmd = cmd};

	memset(img, 0, sizeof(*img));
	if (probe_path(payload, &probe, err) < 0)
		return -1;
	if (asprintf(&ref, "rootfs:%s", dir) < 0)
		return vcl_fail(err, ENOMEM, "Probe rootfs path");
	if (vcl_ledger_add(ledger, err, "dir %s", dir) < 0)
		return -1;
	io.ref = ref;
	if (make_rootfs(probe, dir, err) < 0 || vcl_image_load(&io, img, err) < 0) {
		vcl_isolation_service_free(img, dir);
		return vcl_error_wrap(err, "Isolation probe as a service");
	}
	return 0;
}

void vcl_isolation_service_free(struct vcl_image *img, const char *dir)
{
	struct vcl_error *ignored = NULL;

	vcl_image_free(img);
	vcl_rm_rf(dir, &ignored);
	vcl_error_free(ignored);
}

static int isolation_run(struct vcl_bench *b, struct vcl_error **err)
{
	cleanup_free char *dir = NULL;
	const struct vcl_svc_spec *saved_svc = b->spec.svc;
	struct vcl_image *saved_image = b->image;
	struct vcl_image img;
	int r;

	if (asprintf(&dir, "%s/isoprobe-root", b->spec.state_dir) < 0)
		return vcl_fail(err, ENOMEM, "Probe rootfs path");
	if (vcl_isolation_service(b->spec.payload, dir, b->spec.ledger, &img, err) < 0)
		return -1;
	/* Results of the probe belong to the placements, not to a service. */
	b->image = NULL;
	r = probe_all(b, &img, err);
	b->spec.svc = saved_svc;
	b->image = saved_image;
	vcl_isolation_service_free(&img, dir);
	return r;
}

const struct vcl_scenario vcl_scenario_isolation = {
    .name = "isolation", .run = isolation_run, .opt_in = true, .own_service = true};
