/* SPDX-License-Identifier: MIT */
/*
 * Advisor input: vclab service profiles and Kubernetes manifests, both YAML.
 * A document with apiVersion or kind is a Kubernetes object; anything else
 * is a profile (docs/advisor.md lists the fields). Works on a loaded
 * struct vcl_yaml, so it is pure apart from vcl_advise_load_file().
 */
#include "advise/advise.h"
#include "advise/advise_input.h"
#include "core/k8s.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"

int vcl_advise_note(struct vcl_advise_input *in, const char *fmt, ...)
{
	char **grown;
	char *line = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	grown = realloc(in->notes, (in->nnotes + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(line);
		return -1;
	}
	in->notes = grown;
	in->notes[in->nnotes++] = line;
	return 0;
}

void vcl_advise_where(const struct vcl_yaml *y, const yaml_node_t *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%zu:%zu", y->name, n->start_mark.line + 1, n->start_mark.column + 1);
}

void vcl_advise_line(const struct vcl_yaml *y, const yaml_node_t *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%zu", y->name, n->start_mark.line + 1);
}

int vcl_advise_warn(struct vcl_advise_input *in, const struct vcl_yaml *y, const yaml_node_t *n,
		    const char *kind, const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	char at[600];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	vcl_advise_where(y, n, at, sizeof(at));
	return vcl_advise_note(in, "%s: %s: %s", at, kind, msg);
}

int vcl_advise_nomem(struct vcl_error **err, const struct vcl_yaml *y)
{
	return vcl_fail(err, ENOMEM, "Read %s", y->name);
}

/* A whole, non-negative count. */
int vcl_advise_get_count(const struct vcl_yaml *y, yaml_node_t *n, const char *what, long *out,
			 struct vcl_error **err)
{
	double v;

	if (vcl_yaml_double(y, n, -INFINITY, INFINITY, &v, err) < 0)
		return -1;
	if (v < 0.0)
		return vcl_yaml_error(err, y, n, "%s must be 0 or more (got %s)", what,
				      vcl_yaml_str(n));
	if (v != floor(v) || v > 100000.0)
		return vcl_yaml_error(err, y, n, "%s must be a whole number up to 100000 (got %s)",
				      what, vcl_yaml_str(n));
	*out = (long)v;
	return 0;
}

int vcl_advise_get_memory(const struct vcl_yaml *y, yaml_node_t *n, double *mib,
			  struct vcl_error **err)
{
	const char *s = vcl_yaml_str(n);
	double bytes;

	if (s == NULL || vcl_k8s_quantity(s, &bytes) < 0)
		return vcl_yaml_error(err, y, n,
				      "memory '%s' is not a Kubernetes quantity (e.g. 512Mi, 2Gi)",
				      s != NULL ? s : "");
	/* Kubernetes reads a bare number as bytes; a service smaller than a
	 * MiB is a forgotten unit, not a real size. */
	if (bytes < 1048576.0)
		return vcl_yaml_error(err, y, n,
				      "memory %s is less than 1 MiB (a plain number is bytes: "
				      "write e.g. 512Mi)",
				      s);
	if (bytes > 64.0 * 1099511627776.0)
		return vcl_yaml_error(err, y, n, "memory %s is more than 64Ti per replica", s);
	*mib = bytes / 1048576.0;
	return 0;
}

int vcl_advise_get_cpu(const struct vcl_yaml *y, yaml_node_t *n, double *cores,
		       struct vcl_error **err)
{
	const char *s = vcl_yaml_str(n);

	if (s == NULL || vcl_k8s_quantity(s, cores) < 0)
		return vcl_yaml_error(err, y, n,
				      "cpu '%s' is not a Kubernetes quantity (e.g. 500m, 2)",
				      s != NULL ? s : "");
	if (*cores <= 0.0 || *cores > 10000.0)
		return vcl_yaml_error(err, y, n,
				      "cpu must be more than 0 and at most 10000 (got %s)", s);
	return 0;
}

static int get_hw(const struct vcl_yaml *y, yaml_document_t *doc, yaml_node_t *n, unsigned *out,
		  struct vcl_error **err)
{
	unsigned hw = 0;
	size_t count = n->type == YAML_SEQUENCE_NODE ? vcl_yaml_seq_len(n) : 1;

	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = n->type == YAML_SEQUENCE_NODE ? vcl_yaml_seq_at(doc, n, i) : n;
		const char *s = vcl_yaml_str(item);
		char copy[128];
		char *save = NULL;

		if (s == NULL || strlen(s) >= sizeof(copy))
			return vcl_yaml_error(err, y, item,
					      "direct_hardware: expected nic, gpu, "
					      "storage or none");
		memcpy(copy, s, strlen(s) + 1);
		/* A scalar may list several ("gpu,nic"): annotations are strings. */
		for (char *tok = strtok_r(copy, ", ", &save); tok != NULL;
		     tok = strtok_r(NULL, ", ", &save)) {
			if (strcmp(tok, "nic") == 0)
				hw |= VCL_HW_NIC;
			else if (strcmp(tok, "gpu") == 0)
				hw |= VCL_HW_GPU;
			else if (strcmp(tok, "storage") == 0)
				hw |= VCL_HW_STORAGE;
			else if (strcmp(tok, "none") != 0)
				return vcl_yaml_error(err, y, item,
						      "direct_hardware: unknown device '%s' "
						      "(nic, gpu, storage or none)",
						      tok);
		}
	}
	*out = hw;
	return 0;
}

static int get_enum(const struct vcl_yaml *y, yaml_node_t *n, const char *what,
		    const char *(*name)(int), int max, int *out, struct vcl_error **err)
{
	const char *s = vcl_yaml_str(n);
	char list[128] = "";
	size_t off = 0;

	for (int i = 0; i <= max; i++) {
		if (s != NULL && strcmp(s, name(i)) == 0) {
			*out = i;
			return 0;
		}
		off += (size_t)snprintf(list + off, off < sizeof(list) ? sizeof(list) - off : 0,
					"%s%s", i > 0 ? ", " : "", name(i));
	}
	return vcl_yaml_error(err, y, n, "%s '%s' is not one of: %s", what, s != NULL ? s : "",
			      list);
}

static const char *tenancy_name(int i)
{
	return vcl_tenancy_name((enum vcl_tenancy)i);
}

static const char *place_name(int i)
{
	return vcl_place_name((enum vcl_place)i);
}

int vcl_advise_get_tenancy(const struct vcl_yaml *y, yaml_node_t *n, int *out,
			   struct vcl_error **err)
{
	return get_enum(y, n, "tenancy", tenancy_name, VCL_TEN_HOSTILE, out, err);
}

static const char *latency_name(int i)
{
	return vcl_latency_name((enum vcl_latency)i);
}

/* profile: "disk-heavy", or several ("disk-heavy,net-heavy"): the
 * resources whose taxes weigh (cpu-, membw-, disk-, net-heavy). */
static int get_profile(const struct vcl_yaml *y, yaml_node_t *v, struct vcl_service *s,
		       struct vcl_error **err)
{
	const char *text = vcl_yaml_str(v);
	char word[32];

	if (v == NULL || v->type != YAML_SCALAR_NODE || text[0] == '\0')
		return vcl_yaml_error(err, y, v, "profile must be a string such as disk-heavy");
	for (const char *p = text; *p != '\0';) {
		size_t n = strcspn(p, ", ");
		int r = -1;

		snprintf(word, sizeof(word), "%.*s", (int)(n < sizeof(word) ? n : sizeof(word) - 1),
			 p);
		for (int i = 0; i < VCL_NRES; i++) {
			char want[32];

			snprintf(want, sizeof(want), "%s-heavy", vcl_res_name((enum vcl_res)i));
			if (strcmp(word, want) == 0)
				r = i;
		}
		if (n > 0 && r < 0)
			return vcl_yaml_error(err, y, v,
					      "profile: unknown '%s' (cpu-heavy, membw-heavy, "
					      "disk-heavy, net-heavy)",
					      word);
		if (r >= 0)
			s->heavy |= 1u << r;
		p += n;
		p += strspn(p, ", ");
	}
	vcl_advise_where(y, v, s->heavy_at, sizeof(s->heavy_at));
	return 0;
}

/* Set one advisor field from a value node. Returns 1 when set, 0 when key
 * is not an advisor field, -1 on a bad value. Shared by profiles and
 * vclab.io/<field> annotations, so the two cannot drift apart. */
int vcl_advise_set_field(const struct vcl_yaml *y, yaml_document_t *doc, struct vcl_service *s,
			 const char *key, yaml_node_t *v, struct vcl_error **err)
{
	int e = 0;

	if (strcmp(key, "replicas") == 0)
		return vcl_advise_get_count(y, v, "replicas", &s->replicas, err) < 0 ? -1 : 1;
	if (strcmp(key, "tenancy") == 0) {
		if (vcl_advise_get_tenancy(y, v, &e, err) < 0)
			return -1;
		s->tenancy = s->own_tenancy = (enum vcl_tenancy)e;
		s->tenancy_given = s->own_tenancy_given = true;
		return 1;
	}
	if (strcmp(key, "prefer") == 0) {
		if (get_enum(y, v, "prefer", place_name, VCL_VM, &e, err) < 0)
			return -1;
		s->prefer = e;
		s->prefer_given = true;
		return 1;
	}
	if (strcmp(key, "latency") == 0) {
		if (get_enum(y, v, "latency", latency_name, VCL_LAT_CRITICAL, &e, err) < 0)
			return -1;
		s->latency = (enum vcl_latency)e;
		return 1;
	}
	if (strcmp(key, "startup_slo_ms") == 0) {
		if (vcl_yaml_double(y, v, -INFINITY, INFINITY, &s->slo_ms, err) < 0)
			return -1;
		if (s->slo_ms <= 0.0)
			return vcl_yaml_error(err, y, v,
					      "startup_slo_ms must be more than 0 (got %s; leave "
					      "it out for no SLO)",
					      vcl_yaml_str(v));
		return 1;
	}
	if (strcmp(key, "scale_out_per_hour") == 0) {
		if (vcl_yaml_double(y, v, -INFINITY, INFINITY, &s->scale_per_hour, err) < 0)
			return -1;
		if (s->scale_per_hour < 0.0)
			return vcl_yaml_error(err, y, v,
					      "scale_out_per_hour must be 0 or more (got %s)",
					      vcl_yaml_str(v));
		return 1;
	}
	if (strcmp(key, "own_kernel") == 0)
		return vcl_yaml_bool(y, v, &s->own_kernel, err) < 0 ? -1 : 1;
	if (strcmp(key, "dedicated_cores") == 0)
		return vcl_yaml_bool(y, v, &s->dedicated_cores, err) < 0 ? -1 : 1;
	if (strcmp(key, "direct_hardware") == 0)
		return get_hw(y, doc, v, &s->hw, err) < 0 ? -1 : 1;
	if (strcmp(key, "profile") == 0)
		return get_profile(y, v, s, err) < 0 ? -1 : 1;
	return 0;
}

void vcl_advise_service_defaults(struct vcl_service *s)
{
	memset(s, 0, sizeof(*s));
	s->replicas = 1;
	s->tenancy = s->own_tenancy = VCL_TEN_TRUSTED;
	s->latency = VCL_LAT_LOW;
	s->prefer = -1;
}

int vcl_advise_push_service(struct vcl_advise_input *in, const struct vcl_service *s)
{
	struct vcl_service *grown = realloc(in->svc, (in->nsvc + 1) * sizeof(*grown));

	if (grown == NULL)
		return -1;
	in->svc = grown;
	in->svc[in->nsvc++] = *s;
	return 0;
}

static int parse_profile(struct vcl_yaml *y, yaml_document_t *doc, yaml_node_t *root,
			 struct vcl_advise_input *in, struct vcl_error **err)
{
	struct vcl_service s;
	bool have_name = false;

	vcl_advise_service_defaults(&s);
	snprintf(s.kind, sizeof(s.kind), "profile");
	vcl_advise_where(y, root, s.origin, sizeof(s.origin));
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *key = vcl_yaml_str(k);
		int r;

		if (key == NULL)
			return vcl_yaml_error(err, y, k, "expected a field name");
		if (strcmp(key, "name") == 0) {
			const char *name = vcl_yaml_str(v);

			if (name == NULL || name[0] == '\0')
				return vcl_yaml_error(err, y, v, "name must be a non-empty string");
			snprintf(s.name, sizeof(s.name), "%s", name);
			have_name = true;
			continue;
		}
		if (strcmp(key, "memory") == 0) {
			if (vcl_advise_get_memory(y, v, &s.mem_mib, err) < 0)
				return -1;
			s.mem_given = true;
			continue;
		}
		if (strcmp(key, "cpu") == 0) {
			if (vcl_advise_get_cpu(y, v, &s.cpu, err) < 0)
				return -1;
			s.cpu_given = true;
			continue;
		}
		if (strcmp(key, "description") == 0)
			continue;
		r = vcl_advise_set_field(y, doc, &s, key, v, err);
		if (r < 0)
			return -1;
		if (r == 0 &&
		    vcl_advise_warn(in, y, k, "warning", "unknown field '%s' (ignored)", key) < 0)
			return vcl_advise_nomem(err, y);
	}
	if (!have_name)
		return vcl_yaml_error(err, y, root, "service profile has no name");
	if (!s.mem_given)
		return vcl_yaml_error(
		    err, y, root, "service profile '%s' has no memory (per replica, e.g. 512Mi)",
		    s.name);
	if (vcl_advise_push_service(in, &s) < 0)
		return vcl_advise_nomem(err, y);
	return 0;
}

static int profile_of(struct vcl_yaml *y, const struct vcl_k8s_obj *o, void *ctx,
		      struct vcl_error **err)
{
	return parse_profile(y, o->doc, o->root, ctx, err);
}

int vcl_advise_parse_yaml(struct vcl_yaml *y, struct vcl_advise_input *in, struct vcl_error **err)
{
	if (y->ndocs == 0 &&
	    vcl_advise_warn(in, y, &(yaml_node_t){0}, "warning", "no documents") < 0)
		return vcl_advise_nomem(err, y);
	return vcl_k8s_each(y, vcl_advise_parse_k8s, profile_of, in, err);
}

int vcl_advise_skip_kind(struct vcl_advise_input *in, const struct vcl_yaml *y,
			 const struct vcl_k8s_obj *o)
{
	struct vcl_skipped_obj *grown = realloc(in->skipped, (in->nskipped + 1) * sizeof(*grown));
	struct vcl_skipped_obj *k;

	if (grown == NULL)
		return -1;
	in->skipped = grown;
	k = &in->skipped[in->nskipped++];
	snprintf(k->kind, sizeof(k->kind), "%s", o->kind);
	snprintf(k->line, sizeof(k->line),
		 "%s:%zu:%zu: note: skipped %s '%s' (not a workload: only Deployment, "
		 "StatefulSet, ReplicaSet, DaemonSet, Job, CronJob and Pod are advised on; "
		 "Namespace and HorizontalPodAutoscaler are joined to them)",
		 y->name, o->root->start_mark.line + 1, o->root->start_mark.column + 1, o->kind,
		 o->name != NULL ? o->name : "(unnamed)");
	return 0;
}

int vcl_advise_fold_skipped(struct vcl_advise_input *in, bool verbose)
{
	char counts[600] = "";
	size_t off = 0;

	if (in->nskipped == 0)
		return 0;
	if (verbose) {
		for (size_t i = 0; i < in->nskipped; i++)
			if (vcl_advise_note(in, "%s", in->skipped[i].line) < 0)
				return -1;
		return 0;
	}
	/* Kinds in order of first appearance, each counted once. */
	for (size_t i = 0; i < in->nskipped && off < sizeof(counts); i++) {
		size_t n = 0;
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(in->skipped[j].kind, in->skipped[i].kind) == 0;
		if (seen)
			continue;
		for (size_t j = i; j < in->nskipped; j++)
			n += strcmp(in->skipped[j].kind, in->skipped[i].kind) == 0;
		off += (size_t)snprintf(counts + off, sizeof(counts) - off, "%s%zu %s",
					off > 0 ? ", " : "", n, in->skipped[i].kind);
	}
	return vcl_advise_note(in, "note: skipped %zu object%s that %s: %s (--verbose lists them)",
			       in->nskipped, in->nskipped == 1 ? "" : "s",
			       in->nskipped == 1 ? "is not a workload" : "are not workloads",
			       counts);
}

int vcl_advise_parse_buffer(const char *name, const char *buf, size_t len,
			    struct vcl_advise_input *in, struct vcl_error **err)
{
	struct vcl_yaml *y = NULL;
	int r;

	if (vcl_yaml_load_buffer(name, buf, len, &y, err) < 0)
		return -1;
	r = vcl_advise_parse_yaml(y, in, err);
	vcl_yaml_free(y);
	return r;
}

int vcl_advise_load_file(const char *path, struct vcl_advise_input *in, struct vcl_error **err)
{
	struct vcl_yaml *y = NULL;
	int r;

	if (vcl_yaml_load_file(path, &y, err) < 0)
		return -1;
	r = vcl_advise_parse_yaml(y, in, err);
	vcl_yaml_free(y);
	return r;
}

void vcl_advise_input_free(struct vcl_advise_input *in)
{
	if (in == NULL)
		return;
	for (size_t i = 0; i < in->nnotes; i++)
		free(in->notes[i]);
	free(in->notes);
	free(in->svc);
	free(in->ns);
	free(in->hpa);
	free(in->map);
	for (size_t i = 0; i < in->nfiles; i++)
		free(in->files[i]);
	free(in->files);
	free(in->skipped);
	memset(in, 0, sizeof(*in));
}
