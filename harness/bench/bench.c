/* SPDX-License-Identifier: MIT */
/*
 * `vclab bench`: probe the host, prepare each backend once, run the chosen
 * scenarios, save results.json after each one, write the report. Ctrl-C
 * (or SIGTERM) tears everything down and saves what was gathered, marked
 * incomplete.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/backends.h"
#include "bench/bench.h"
#include "bench/manifest.h"
#include "bench/services.h"
#include "core/cleanup.h"
#include "core/compare.h"
#include "core/isolation.h"
#include "core/ledger.h"
#include "core/limits.h"
#include "core/probe.h"
#include "core/results.h"
#include "image/image.h"
#include "core/stats.h"
#include "core/util.h"
#include "core/version.h"

bool vcl_bench_wants(const struct vcl_bench *b, const char *scenario)
{
	if (b->o->scenarios != NULL)
		return vcl_strv_contains(b->o->scenarios, scenario);
	for (const struct vcl_scenario *const *sc = vcl_scenarios; *sc != NULL; sc++)
		if (strcmp((*sc)->name, scenario) == 0) {
			if ((*sc)->opt_in)
				return false;
			if ((*sc)->not_quick)
				return strcmp(b->o->profile, "quick") != 0;
		}
	return true;
}

unsigned vcl_bench_runs(const struct vcl_bench *b, const struct vcl_backend_ops *ops)
{
	return vcl_backend_is_vm(ops) ? b->o->vm_runs : b->o->runs;
}

unsigned vcl_bench_warmup(const struct vcl_bench *b, const struct vcl_backend_ops *ops)
{
	return vcl_backend_is_vm(ops) ? b->o->vm_warmup : b->o->warmup;
}

unsigned vcl_bench_timeout(const struct vcl_bench *b, const struct vcl_backend_ops *ops)
{
	return vcl_backend_is_vm(ops) ? b->o->vm_timeout_ms : b->o->timeout_ms;
}

struct json_object *vcl_bench_result_obj(struct vcl_bench *b, const struct vcl_backend_ops *ops)
{
	/* The user's service: services.<name>.{backends,peers}; the built-in
	 * payload keeps the top-level keys the gate and the advisor read. */
	struct json_object *top =
	    b->image != NULL ? vcl_json_obj(vcl_json_obj(b->root, "services"), b->image->name)
			     : b->root;
	struct json_object *group = vcl_json_obj(top, ops->is_peer ? "peers" : "backends");
	struct json_object *o = vcl_json_obj(group, ops->name);

	if (ops->is_peer && ops->peer_of != NULL)
		json_object_object_add(o, "family", json_object_new_string(ops->peer_of));
	return o;
}

void vcl_bench_record_error(struct vcl_bench *b, const char *backend, const char *scenario,
			    const struct vcl_error *e)
{
	struct json_object *errs = NULL, *o;

	if (!json_object_object_get_ex(b->root, "errors", &errs)) {
		errs = json_object_new_array();
		json_object_object_add(b->root, "errors", errs);
	}
	o = json_object_new_object();
	json_object_object_add(o, "backend", json_object_new_string(backend));
	json_object_object_add(o, "scenario", json_object_new_string(scenario));
	json_object_object_add(o, "kind", json_object_new_string(vcl_error_kind_name(e->kind)));
	json_object_object_add(o, "message", json_object_new_string(e->msg ? e->msg : ""));
	/* Which service, when a run measures the user's (services.<name>). */
	if (b->image != NULL)
		json_object_object_add(o, "service", json_object_new_string(b->image->name));
	json_object_array_add(errs, o);
	if (b->tty && !b->o->quiet)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "vclab bench: %s%s%s/%s: %s\n", b->image != NULL ? b->image->name : "",
		b->image != NULL ? "/" : "", backend, scenario, e->msg ? e->msg : "error");
}

int vcl_bench_launch(struct vcl_bench *b, const struct vcl_backend_ops *ops,
		     struct vcl_instance **out, struct vcl_error **err)
{
	void *run = NULL;

	for (unsigned i = 0; i < b->nactive; i++)
		if (b->active[i] == ops)
			run = b->run[i];
	b->spec.index = b->next_index++;
	return ops->launch(run, &b->spec, out, err);
}

int vcl_bench_start(struct vcl_bench *b, const struct vcl_backend_ops *ops,
		    struct vcl_instance **out, struct vcl_error **err)
{
	cleanup_instance struct vcl_instance *inst = NULL;

	if (vcl_bench_launch(b, ops, &inst, err) < 0)
		return vcl_error_wrap(err, "Launch %s", ops->name);
	if (vcl_probe_wait(inst, vcl_bench_timeout(b, ops), err) < 0)
		return -1;
	*out = steal_ptr(inst);
	return 0;
}

int vcl_probe_wait_for_bench(struct vcl_bench *b, struct vcl_instance *inst, struct vcl_error **err)
{
	return vcl_probe_wait(inst, vcl_bench_timeout(b, inst->ops), err);
}

void vcl_bench_stop(struct vcl_bench *b, struct vcl_instance *inst)
{
	struct vcl_error *e = NULL;
	const char *name;

	if (inst == NULL)
		return;
	name = inst->ops->name;
	if (inst->ops->destroy(inst, &e) < 0) {
		vcl_bench_record_error(b, name, "destroy", e);
		vcl_error_free(e);
	}
}

void vcl_bench_step(struct vcl_bench *b, const char *what)
{
	double elapsed, eta;
	unsigned width = 30, fill;

	b->steps_done++;
	if (!b->tty || b->o->quiet || b->steps_total == 0)
		return;
	elapsed = (double)(vcl_now_ns() - b->t_begin) / 1e9;
	if (b->steps_done > b->steps_total)
		b->steps_total = b->steps_done;
	eta = elapsed / b->steps_done * (b->steps_total - b->steps_done);
	fill = (unsigned)((double)width * b->steps_done / b->steps_total);
	fprintf(stderr, "\r\033[K[");
	for (unsigned i = 0; i < width; i++)
		fputc(i < fill ? '#' : '.', stderr);
	fprintf(stderr, "] %3u%% %-10s %-12s ETA %3.0fs", 100 * b->steps_done / b->steps_total,
		b->phase ? b->phase : "", what, eta);
	fflush(stderr);
}

int vcl_bench_save(struct vcl_bench *b, struct vcl_error **err)
{
	struct json_object *svcs = NULL;
	char now[32];

	vcl_iso8601_now(now, sizeof(now));
	json_object_object_add(b->root, "finished", json_object_new_string(now));
	/* Rebuilt from the samples at every save: always matches them. The
	 * user's services (--image, --services, --manifest) each get theirs. */
	json_object_object_add(b->root, "comparisons", vcl_comparisons_build(b->root));
	if (json_object_object_get_ex(b->root, "services", &svcs)) {
		json_object_object_foreach(svcs, sname, svc)
		{
			(void)sname;
			if (json_object_object_get_ex(svc, "backends", NULL))
				json_object_object_add(svc, "comparisons",
						       vcl_comparisons_build_in(svc, b->root));
		}
	}
	vcl_bench_record_concurrent(b);
	return vcl_results_write(b->out_dir, b->root, err);
}

static int find_payload(struct vcl_bench *b, char **out, struct vcl_error **err)
{
	static const char *const rel[] = {"vclab-payload", "../../bin/vclab-payload"};
	char real[PATH_MAX];

	if (b->o->payload != NULL) {
		if (realpath(b->o->payload, real) == NULL || access(real, X_OK) < 0)
			return vcl_error_set(err, VCL_E_ENV, errno, "Payload %s", b->o->payload);
		*out = strdup(real);
		return *out != NULL ? 0 : vcl_fail(err, ENOMEM, "Payload");
	}
	/* Installed (PREFIX/lib/vclab, or $VCLAB_LIBDIR), then the build tree. */
	for (size_t i = 0; i <= ARRAY_SIZE(rel); i++) {
		cleanup_free char *p = NULL;
		int r = i == 0 ? vcl_libdir_file("vclab-payload", &p, err) : 0;

		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		if (i > 0 && vcl_self_relative(rel[i - 1], &p, err) < 0)
			return -1;
		if (realpath(p, real) != NULL && access(real, X_OK) == 0) {
			*out = strdup(real);
			return *out != NULL ? 0 : vcl_fail(err, ENOMEM, "Payload");
		}
	}
	return vcl_error_set(
	    err, VCL_E_ENV, 0,
	    "Payload vclab-payload is missing: not in $VCLAB_LIBDIR, "
	    "PREFIX/lib/vclab or next to vclab (run `make all` or pass --payload)");
}

static int make_out_dir(struct vcl_bench *b, struct vcl_error **err)
{
	if (b->o->out != NULL) {
		snprintf(b->out_dir, sizeof(b->out_dir), "%s", b->o->out);
	} else {
		char stamp[32];
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		snprintf(b->out_dir, sizeof(b->out_dir), "results/%s-%s", stamp, b->host.hostname);
	}
	if (vcl_mkdir_p(b->out_dir, err) < 0) {
		vcl_error_set_kind(err, VCL_E_ENV);
		return vcl_error_wrap(err, "Results folder");
	}
	if (access(b->out_dir, W_OK) < 0)
		return vcl_error_set(err, VCL_E_ENV, errno, "Results folder %s", b->out_dir);
	if (b->o->out == NULL) {
		/* results/latest -> the newest run, replaced atomically. */
		const char *base = strrchr(b->out_dir, '/') + 1;

		unlink("results/latest.tmp");
		if (symlink(base, "results/latest.tmp") == 0)
			rename("results/latest.tmp", "results/latest");
	}
	return 0;
}

/* Parts named on the command line that are not built into this vclab: a
 * placement is an error, a peer is skipped with a warning. */
static int check_built(char **given, bool peers, struct vcl_error **err)
{
	for (size_t i = 0; given != NULL && given[i] != NULL; i++) {
		if (vcl_backend_find(vcl_backends, given[i]) != NULL ||
		    strcmp(given[i], "none") == 0)
			continue;
		if (!peers)
			return vcl_error_set(err, VCL_E_ENV, 0,
					     "Placement %s is not built into this vclab", given[i]);
		vcl_warn("peer %s is not built in, skipped", given[i]);
	}
	return 0;
}

/* Pick the placements and peers from the registry, in its order: explicit
 * ones must work; defaults that cannot run here are recorded as skipped,
 * with the backend's reason. */
static int choose_backends(struct vcl_bench *b, struct vcl_error **err)
{
	struct json_object *cfg = vcl_json_obj(b->root, "config");
	struct json_object *jb = json_object_new_array(), *jp = json_object_new_array();

	json_object_object_add(cfg, "backends", jb);
	json_object_object_add(cfg, "peers", jp);
	/* Before the ledger opens: teardown must know every kind of record. */
	if (vcl_backends_init(&b->kinds, err) < 0 ||
	    vcl_backends_gvisor_platform(b->o->gvisor_platform, err) < 0)
		return -1;
	if ((b->o->backends_given && check_built(b->o->backends, false, err) < 0) ||
	    (b->o->peers_given && check_built(b->o->peers, true, err) < 0))
		return -1;
	for (int pass = 0; pass < 2; pass++) {
		char **given = pass == 0 ? b->o->backends : b->o->peers;
		bool explicit_list = pass == 0 ? b->o->backends_given : b->o->peers_given;

		for (const struct vcl_backend_ops *const *p = vcl_backends; *p != NULL; p++) {
			const struct vcl_backend_ops *ops = *p;
			struct vcl_error *e = NULL;
			bool wanted;

			if (ops->is_peer != (pass == 1))
				continue;
			bool quick = b->o->profile != NULL && strcmp(b->o->profile, "quick") == 0;

			if (explicit_list)
				wanted = vcl_strv_contains(given, ops->name);
			else if (pass == 0)
				wanted = !(ops->not_quick && quick);
			else /* default peers: those of the chosen placements */
				wanted = ops->peer_of != NULL && !ops->opt_in &&
					 (b->o->backends == NULL
					      ? !(ops->not_quick && quick)
					      : vcl_strv_contains(b->o->backends, ops->peer_of));
			if (!wanted)
				continue;
			if (b->image != NULL && !ops->runs_services)
				vcl_error_set(
				    &e, VCL_E_ENV, 0,
				    "%s cannot run a user's service (--image/--binary) yet",
				    ops->name);
			if (e != NULL || ops->probe(&b->host, &e) < 0) {
				struct json_object *o;

				if (pass == 0 && explicit_list &&
				    !(ops->skip_unrunnable && e->kind == VCL_E_ENV)) {
					int r = vcl_error_set(err, VCL_E_ENV, e->errnum, "%s: %s",
							      ops->name, e->msg);

					vcl_error_free(e);
					return r;
				}
				o = vcl_bench_result_obj(b, ops);
				json_object_object_add(o, "skipped", json_object_new_boolean(1));
				json_object_object_add(o, "reason", json_object_new_string(e->msg));
				if (!b->o->quiet)
					fprintf(stderr, "vclab bench: %s skipped: %s\n", ops->name,
						e->msg);
				vcl_error_free(e);
				continue;
			}
			if (b->nactive < VCL_MAX_ACTIVE)
				b->active[b->nactive++] = ops;
			json_object_array_add(pass == 0 ? jb : jp,
					      json_object_new_string(ops->name));
		}
	}
	if (b->nactive == 0 || b->active[0]->is_peer)
		return vcl_error_set(err, VCL_E_ENV, 0, "No placement can run on this host");
	return 0;
}

static void record_config(struct vcl_bench *b)
{
	struct json_object *cfg = vcl_json_obj(b->root, "config");
	struct json_object *lim = json_object_new_object(), *pin = json_object_new_object();
	struct json_object *vm = json_object_new_object(), *sc = json_object_new_array();

	json_object_object_add(cfg, "profile", json_object_new_string(b->o->profile));
	json_object_object_add(cfg, "runs", json_object_new_int((int)b->o->runs));
	json_object_object_add(cfg, "warmup", json_object_new_int((int)b->o->warmup));
	json_object_object_add(cfg, "vm_runs", json_object_new_int((int)b->o->vm_runs));
	json_object_object_add(cfg, "vm_warmup", json_object_new_int((int)b->o->vm_warmup));
	for (const struct vcl_scenario *const *s = vcl_scenarios; *s != NULL; s++)
		if (vcl_bench_wants(b, (*s)->name))
			json_object_array_add(sc, json_object_new_string((*s)->name));
	json_object_object_add(cfg, "scenarios", sc);
	json_object_object_add(lim, "mem_mib",
			       json_object_new_int64((int64_t)b->o->limits.mem_mib));
	json_object_object_add(lim, "cpus", json_object_new_double(b->o->limits.cpus));
	json_object_object_add(lim, "pids", json_object_new_int((int)b->o->limits.pids));
	json_object_object_add(cfg, "limits", lim);
	json_object_object_add(pin, "layout",
			       json_object_new_string(b->host.topo.split ? "split" : "shared"));
	json_object_object_add(pin, "workload_cpus",
			       json_object_new_string(b->host.topo.workload_cpus));
	json_object_object_add(pin, "harness_cpus",
			       json_object_new_string(b->host.topo.harness_cpus));
	json_object_object_add(cfg, "pinning", pin);
	json_object_object_add(vm, "vcpus", json_object_new_int((int)b->o->vcpus));
	json_object_object_add(vm, "mem_mib", json_object_new_int64((int64_t)b->o->vm_mem_mib));
	json_object_object_add(vm, "net", json_object_new_string(b->o->vm_net));
	json_object_object_add(vm, "accelerator", json_object_new_string(b->host.accelerator));
	json_object_object_add(cfg, vcl_family_name(VCL_FAMILY_VM), vm);
	json_object_object_add(cfg, "ctr_userns", json_object_new_boolean(b->o->ctr_userns));
	json_object_object_add(cfg, "ctr_seccomp", json_object_new_boolean(!b->o->ctr_no_seccomp));
	json_object_object_add(cfg, "security", json_object_new_string(b->o->security));
	json_object_object_add(cfg, "gvisor_platform",
			       json_object_new_string(b->o->gvisor_platform));
	json_object_object_add(cfg, "cache", json_object_new_string(b->o->cache));
}

/* config.services: the --services file and its services in file order
 * (the report's order; vclab-payload among them when listed). */
static void record_services(struct vcl_bench *b)
{
	struct json_object *cfg = vcl_json_obj(b->root, "config"), *arr = json_object_new_array();

	for (size_t i = 0; i < b->services->n; i++)
		json_object_array_add(arr, json_object_new_string(b->services->v[i].name));
	json_object_object_add(cfg, "services", arr);
	if (b->o->services != NULL) {
		json_object_object_add(cfg, "services_file",
				       json_object_new_string(b->o->services));
		return;
	}
	arr = json_object_new_array();
	for (char **m = b->o->manifests; m != NULL && *m != NULL; m++)
		json_object_array_add(arr, json_object_new_string(*m));
	json_object_object_add(cfg, "manifests", arr);
}

/* --manifest: the workloads as services; services.<ns/kind/name> gets
 * where it is in the files, and the image or why it is not measured. An
 * error when none can be measured. */
static int load_manifests(struct vcl_bench *b, struct vcl_error **err)
{
	struct vcl_image_maps maps = {0};
	size_t n = 0, measured = 0;
	int r = -1;

	for (char **m = b->o->image_maps; m != NULL && *m != NULL; m++)
		if (vcl_image_maps_add(&maps, *m, err) < 0)
			goto out;
	while (b->o->manifests[n] != NULL)
		n++;
	if (vcl_manifest_load_files(n, b->o->manifests, &maps, &b->services, err) < 0 ||
	    vcl_services_load_images(b->services, err) < 0)
		goto out;
	record_services(b);
	for (size_t i = 0; i < b->services->n; i++) {
		const struct vcl_service_def *d = &b->services->v[i];
		struct json_object *o = vcl_json_obj(vcl_json_obj(b->root, "services"), d->name);

		json_object_object_add(o, "manifest", vcl_manifest_json(d));
		if (d->skip[0] == '\0') {
			json_object_object_add(o, "image", vcl_image_json(&b->services->img[i]));
			measured++;
			continue;
		}
		json_object_object_add(o, "skipped", json_object_new_boolean(1));
		json_object_object_add(o, "reason", json_object_new_string(d->skip));
		fprintf(stderr, "vclab bench: skipped %s: %s\n", d->name, d->skip);
	}
	if (measured == 0) {
		vcl_usage(err,
			  "None of the %zu workloads of the manifests can be measured (the "
			  "reasons are above)",
			  b->services->n);
		goto out;
	}
	r = 0;
out:
	vcl_image_maps_free(&maps);
	return r;
}

const struct vcl_scenario *const vcl_scenarios[] = {
    &vcl_scenario_startup,
    &vcl_scenario_memory,
    &vcl_scenario_density,
    &vcl_scenario_autoscale,
    &vcl_scenario_steady,
    &vcl_scenario_cpu,
    &vcl_scenario_membw,
    &vcl_scenario_disk,
    &vcl_scenario_net,
    &vcl_scenario_isolation,
    NULL,
};

/* The scenarios of the run's service (own = false), or those that bring
 * their own (own = true, after the run's service is done). */
static int run_scenarios(struct vcl_bench *b, bool own, struct vcl_error **err)
{
	for (const struct vcl_scenario *const *sc = vcl_scenarios; *sc != NULL; sc++) {
		if (!vcl_bench_wants(b, (*sc)->name) || (*sc)->own_service != own)
			continue;
		int64_t from = vcl_bench_now_real();
		int r;

		b->phase = (*sc)->name;
		r = (*sc)->run(b, err);
		if (vcl_bench_window_add(b, (*sc)->name, from, vcl_bench_now_real()) < 0 && r == 0)
			return vcl_fail(err, ENOMEM, "Scenario %s", (*sc)->name);
		if (r < 0)
			return vcl_error_wrap(err, "Scenario %s", (*sc)->name);
		if (vcl_bench_save(b, err) < 0)
			return -1;
	}
	return 0;
}

static void new_run_id(char *out, size_t len)
{
	unsigned char r[3] = {0};

	if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
		uint64_t t = vcl_now_ns();

		memcpy(r, &t, sizeof(r));
	}
	snprintf(out, len, "%02x%02x%02x", r[0], r[1], r[2]);
}

/* The results document's header and config. */
static void results_init(struct vcl_bench *b)
{
	char now[32];

	b->root = json_object_new_object();
	json_object_object_add(b->root, "schema", json_object_new_string(VCL_RESULTS_SCHEMA));
	json_object_object_add(b->root, "vclab_version", json_object_new_string(VCLAB_VERSION));
	json_object_object_add(b->root, "run_id", json_object_new_string(b->run_id));
	vcl_iso8601_now(now, sizeof(now));
	json_object_object_add(b->root, "started", json_object_new_string(now));
	json_object_object_add(b->root, "complete", json_object_new_boolean(0));
	json_object_object_add(b->root, "host", vcl_host_json(&b->host));
	json_object_object_add(b->root, "errors", json_object_new_array());
	record_config(b);
}

/* The template every launch copies. */
static void spec_init(struct vcl_bench *b, const char *payload)
{
	const struct vcl_bench_opts *o = b->o;

	b->spec = (struct vcl_spec){
	    .accounting = true,
	    .run_id = b->run_id,
	    .payload = payload,
	    .limits = o->limits,
	    .cpuset = b->host.topo.workload_cpus,
	    .ctr_userns = o->ctr_userns,
	    .ctr_no_seccomp = o->ctr_no_seccomp,
	    .security = strcmp(o->security, "strict") == 0 ? VCL_SECURITY_STRICT : VCL_SECURITY_CRI,
	    .vcpus = o->vcpus,
	    .vm_mem_mib = o->vm_mem_mib,
	    .vm_net = o->vm_net,
	    .connect_uri = o->connect_uri != NULL ? o->connect_uri : "qemu:///system",
	    .kernel = o->kernel,
	    .initrd = o->initrd,
	    .accel = b->host.accelerator,
	    .vm_host_port = (uint16_t)o->vm_host_port,
	};
}

/* --image/--binary: copy, unpack and configure the user's service before
 * anything of the run exists, so bad input leaves nothing behind. */
static int load_service(struct vcl_bench *b, struct vcl_error **err)
{
	const struct vcl_bench_opts *o = b->o;
	struct vcl_image_opts io = {
	    .ref = o->image,
	    .binary = o->binary,
	    .name = o->svc_name,
	    .port = (uint16_t)o->svc_port,
	    .ready = o->ready,
	    .env = o->svc_env,
	    .cmd = o->svc_cmd,
	};

	if (o->manifests != NULL) {
		if (o->svc_name != NULL || o->svc_port != 0 || o->ready != NULL ||
		    o->svc_env != NULL)
			return vcl_usage(err, "--name, --port, --ready and --env come from each "
					      "workload of the --manifest files");
		return load_manifests(b, err);
	}
	if (o->services != NULL) {
		if (o->svc_name != NULL || o->svc_port != 0 || o->ready != NULL ||
		    o->svc_env != NULL)
			return vcl_usage(err, "--name, --port, --ready and --env are per service "
					      "in the --services file");
		if (vcl_services_load_file(o->services, &b->services, err) < 0 ||
		    vcl_services_load_images(b->services, err) < 0)
			return -1;
		record_services(b);
		for (size_t i = 0; i < b->services->n; i++)
			if (!b->services->v[i].payload)
				json_object_object_add(
				    vcl_json_obj(vcl_json_obj(b->root, "services"),
						 b->services->img[i].name),
				    "image", vcl_image_json(&b->services->img[i]));
		return 0;
	}
	if (o->image == NULL && o->binary == NULL) {
		if (o->svc_name != NULL || o->svc_port != 0 || o->ready != NULL ||
		    o->svc_env != NULL)
			return vcl_usage(err, "--name, --port, --ready and --env need --image or "
					      "--binary");
		return 0;
	}
	b->image = calloc(1, sizeof(*b->image));
	if (b->image == NULL)
		return vcl_fail(err, ENOMEM, "Service");
	if (vcl_image_load(&io, b->image, err) < 0)
		return -1;
	b->spec.svc = &b->image->svc;
	/* bare runs the service on the host's own port: one instance at a
	 * time. Memory is then the mean of one idle instance per round. */
	b->o->mem_instances = 1;
	b->o->vm_mem_instances = 1;
	json_object_object_add(vcl_json_obj(vcl_json_obj(b->root, "services"), b->image->name),
			       "image", vcl_image_json(b->image));
	return 0;
}

/* The needs of the scenarios --scenarios names, before anything is made:
 * one clear line and no results folder when one is missing. */
static int preflight(const struct vcl_bench *b, struct vcl_error **err)
{
	for (const struct vcl_scenario *const *sc = vcl_scenarios; *sc != NULL; sc++)
		if (b->o->scenarios != NULL && (*sc)->preflight != NULL &&
		    vcl_strv_contains(b->o->scenarios, (*sc)->name) && (*sc)->preflight(err) < 0)
			return vcl_error_wrap(err, "Scenario %s", (*sc)->name);
	return 0;
}

/* Everything before the first launch: host, payload, results header,
 * placements, results folder, ledger. The ledger opens last, so a failure
 * here leaves nothing to undo. */
static int bench_setup(struct vcl_bench *b, char **payload, struct vcl_error **err)
{
	struct vcl_error *e = NULL;
	uint64_t nofile_hard = 0;

	if (!vcl_is_root())
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "vclab bench must run as root: CAP_SYS_ADMIN is missing "
				     "(namespaces, cgroups and libvirt's system URI need it)");
	if (preflight(b, err) < 0 || find_payload(b, payload, err) < 0 ||
	    vcl_host_probe(&b->host, b->o->connect_uri, &vcl_backends_host_hooks, err) < 0)
		return -1;
	if (b->o->host_class != NULL)
		snprintf(b->host.host_class, sizeof(b->host.host_class), "%s", b->o->host_class);
	new_run_id(b->run_id, sizeof(b->run_id));
	results_init(b);
	spec_init(b, *payload);
	if (load_service(b, err) < 0 || choose_backends(b, err) < 0 || make_out_dir(b, err) < 0)
		return -1;
	vcl_install_signal_handlers();
	/* Thousands of instances hold a few descriptors each (density). */
	if (vcl_raise_nofile(&b->nofile, &nofile_hard, &e) < 0) {
		vcl_warn("%s", e->msg);
		vcl_error_freep(&e);
	}
	if (vcl_ledger_open(&b->spec.ledger, b->run_id, &b->kinds, err) < 0)
		return -1;
	b->spec.state_dir = vcl_ledger_dir(b->spec.ledger);
	if (vcl_bench_announce(b, err) < 0) {
		/* Refused (another run fills the memory): leave nothing. */
		vcl_ledger_close(&b->spec.ledger, NULL);
		if (b->o->out != NULL)
			rmdir(b->out_dir);
		return -1;
	}
	if (vcl_topo_bind_harness(&b->host.topo, &e) < 0) {
		/* Pinning is an optimisation, not a precondition. */
		vcl_warn("%s", e->msg);
		vcl_error_freep(&e);
	}
	return 0;
}

/* What a backend says about itself once prepared (an engine's version,
 * image and adjustments) goes into its results entry. */
static void describe(struct vcl_bench *b, const struct vcl_backend_ops *ops, const void *run)
{
	struct json_object *d = ops->describe(run), *o = vcl_bench_result_obj(b, ops);

	if (d == NULL)
		return;
	for (struct json_object_iterator it = json_object_iter_begin(d),
					 end = json_object_iter_end(d);
	     !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		json_object_object_add(o, json_object_iter_peek_name(&it),
				       json_object_get(json_object_iter_peek_value(&it)));
	json_object_put(d);
}

/* Prepare each placement once, run the scenarios, undo the prepares in
 * reverse. The first failure is left in *run_err. */
static void measure_service(struct vcl_bench *b, struct vcl_error **run_err)
{
	unsigned prepared = 0;

	for (; prepared < b->nactive; prepared++) {
		const struct vcl_backend_ops *ops = b->active[prepared];

		b->run[prepared] = NULL;
		if (ops->prepare != NULL &&
		    ops->prepare(&b->spec, &b->run[prepared], run_err) < 0) {
			vcl_error_wrap(run_err, "Prepare %s", ops->name);
			break;
		}
		if (ops->describe != NULL)
			describe(b, ops, b->run[prepared]);
	}
	if (*run_err == NULL)
		run_scenarios(b, false, run_err);
	/* A failed prepare left nothing: only the ones before it are undone. */
	for (unsigned i = prepared; i-- > 0;) {
		if (b->active[i]->cleanup != NULL)
			b->active[i]->cleanup(b->run[i], &b->spec);
		b->run[i] = NULL;
	}
}

/* Make service i of the file the one measured: its image (NULL for the
 * payload), limits, instance counts, and the chosen backends that can run
 * it (the others are recorded as skipped for it). */
static void select_service(struct vcl_bench *b, size_t i, const struct vcl_limits *run_limits,
			   const unsigned counts[2])
{
	const struct vcl_service_def *d = &b->services->v[i];

	b->image = d->payload ? NULL : &b->services->img[i];
	b->spec.svc = d->payload ? NULL : &b->image->svc;
	b->spec.limits = vcl_services_limits(b->services, i, run_limits);
	/* bare runs a service on the host's own port: one instance at a time
	 * (see load_service). */
	b->o->mem_instances = d->payload ? counts[0] : 1;
	b->o->vm_mem_instances = d->payload ? counts[1] : 1;
	b->nactive = 0;
	for (unsigned k = 0; k < b->nchosen; k++) {
		const struct vcl_backend_ops *ops = b->chosen[k];

		if (b->image != NULL &&
		    (!ops->runs_services || (b->image->svc.pod != NULL && !ops->runs_pods))) {
			struct json_object *o = vcl_bench_result_obj(b, ops);
			char why[160];

			snprintf(why, sizeof(why), "%s cannot run a %s yet", ops->name,
				 ops->runs_services ? "pod of several containers"
						    : "user's service");
			json_object_object_add(o, "skipped", json_object_new_boolean(1));
			json_object_object_add(o, "reason", json_object_new_string(why));
			continue;
		}
		if (b->image != NULL && b->image->svc.ready.kind == VCL_READY_EXEC &&
		    ops->exec == NULL) {
			struct json_object *o = vcl_bench_result_obj(b, ops);
			char why[512];

			snprintf(why, sizeof(why), "%s cannot run the exec probe: %s", ops->name,
				 ops->no_exec != NULL ? ops->no_exec
						      : "it runs no command inside an instance");
			json_object_object_add(o, "skipped", json_object_new_boolean(1));
			json_object_object_add(o, "reason", json_object_new_string(why));
			continue;
		}
		b->active[b->nactive++] = ops;
	}
}

static void bench_measure(struct vcl_bench *b, struct vcl_error **run_err)
{
	b->t_begin = vcl_now_ns();
	/* The launch order's seed: given, or from the clock (recorded). */
	b->seed = b->o->seed_given ? b->o->seed : b->t_begin ^ (uint64_t)getpid() << 32;
	if (b->services == NULL) {
		measure_service(b, run_err);
	} else {
		struct vcl_limits run_limits = b->spec.limits;
		unsigned counts[2] = {b->o->mem_instances, b->o->vm_mem_instances};

		memcpy(b->chosen, b->active, sizeof(b->chosen));
		b->nchosen = b->nactive;
		for (size_t i = 0; i < b->services->n && *run_err == NULL; i++) {
			if (b->services->v[i].skip[0] != '\0')
				continue;
			select_service(b, i, &run_limits, counts);
			if (!b->o->quiet)
				fprintf(stderr, "%svclab bench: service %s\n",
					b->tty ? "\r\033[K" : "", b->services->v[i].name);
			if (b->nactive > 0)
				measure_service(b, run_err);
		}
		b->spec.limits = run_limits;
		b->o->mem_instances = counts[0];
		b->o->vm_mem_instances = counts[1];
		/* Every chosen placement, for the scenarios that follow. */
		memcpy(b->active, b->chosen, sizeof(b->active));
		b->nactive = b->nchosen;
	}
	if (*run_err == NULL)
		run_scenarios(b, true, run_err);
	if (b->tty && !b->o->quiet)
		fputs("\r\033[K", stderr);
}

/* Mark the results complete (or why not), save them, close the ledger. */
static void bench_finish(struct vcl_bench *b, struct vcl_error **run_err)
{
	struct vcl_error *save_err = NULL;

	if (*run_err != NULL)
		json_object_object_add(b->root, "incomplete_reason",
				       json_object_new_string((*run_err)->msg));
	else
		json_object_object_add(b->root, "complete", json_object_new_boolean(1));
	/* A save that failed after a scenario fails again here: report the
	 * first failure once. */
	if (vcl_bench_save(b, &save_err) < 0 && *run_err == NULL)
		*run_err = steal_ptr(save_err);
	vcl_error_free(save_err);
	if (vcl_ledger_close(&b->spec.ledger, NULL) < 0)
		vcl_warn("teardown left something behind; run vclab gc");
}

int vcl_bench_run(struct vcl_bench *b, struct vcl_bench_opts *o, struct vcl_error **err)
{
	cleanup_free char *payload = NULL;
	struct vcl_error *run_err = NULL;

	memset(b, 0, sizeof(*b));
	b->o = o;
	b->tty = isatty(2);
	if (bench_setup(b, &payload, err) < 0)
		return -1;
	bench_measure(b, &run_err);
	bench_finish(b, &run_err);
	b->spec.payload = NULL; /* freed on return: the launches are over */
	if (run_err == NULL || vcl_bench_fatal(run_err))
		vcl_bench_print_summary(b);
	if (run_err == NULL)
		return 0;
	if (vcl_bench_fatal(run_err))
		fprintf(stderr,
			"vclab bench: %s; partial results saved in %s (marked incomplete)\n",
			run_err->kind == VCL_E_INTR ? "interrupted" : "stopped", b->out_dir);
	*err = run_err;
	return -1;
}

static int check_measured_one(struct vcl_bench *b, struct vcl_error **err)
{
	for (unsigned i = 0; i < b->nactive; i++) {
		if (b->active[i]->is_peer ||
		    vcl_json_path(vcl_bench_result_obj(b, b->active[i]), "startup_ms") != NULL)
			continue;
		if (b->services != NULL)
			return vcl_fail(err, 0,
					"service %s: %s: no launch succeeded (errors[] in "
					"%s/results.json)",
					b->image != NULL ? b->image->name : VCL_PAYLOAD_SERVICE,
					b->active[i]->name, b->out_dir);
		return vcl_fail(err, 0, "%s: no launch succeeded (errors[] in %s/results.json)",
				b->active[i]->name, b->out_dir);
	}
	return 0;
}

int vcl_bench_check_measured(struct vcl_bench *b, struct vcl_error **err)
{
	struct vcl_limits run_limits = b->spec.limits;
	unsigned counts[2] = {b->o->mem_instances, b->o->vm_mem_instances};
	int r = 0;

	if (!vcl_bench_wants(b, "startup"))
		return 0;
	if (b->services == NULL)
		return check_measured_one(b, err);
	for (size_t i = 0; i < b->services->n && r == 0; i++) {
		if (b->services->v[i].skip[0] != '\0')
			continue;
		select_service(b, i, &run_limits, counts);
		r = check_measured_one(b, err);
	}
	b->spec.limits = run_limits;
	b->o->mem_instances = counts[0];
	b->o->vm_mem_instances = counts[1];
	return r;
}

void vcl_bench_release(struct vcl_bench *b)
{
	free(b->windows);
	b->windows = NULL;
	b->nwindows = 0;
	json_object_put(b->root);
	b->root = NULL;
	if (b->services != NULL) {
		vcl_services_free(b->services);
		b->services = NULL;
		b->image = NULL; /* pointed into services */
	}
	if (b->image != NULL) {
		vcl_image_free(b->image);
		free(b->image);
		b->image = NULL;
	}
}
