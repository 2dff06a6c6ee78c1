/* SPDX-License-Identifier: MIT */
/*
 * The services file of `vclab bench --services` (bench/services.h): parsed
 * with libyaml's document API (core/yamldoc.h), so every error points at
 * its line. Unknown keys are errors, not warnings: a misspelt `limts:`
 * would otherwise measure the service without the limits the user meant.
 */
#include "bench/services.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/probe.h"
#include "core/results.h"
#include "core/util.h"
#include "core/yamldoc.h"

struct parse {
	struct vcl_yaml *y;
	yaml_document_t *doc;
	struct vcl_error **err;
};

void *vcl_service_own(struct vcl_service_def *d, void *p)
{
	void **n;

	if (p == NULL)
		return NULL;
	n = realloc(d->owned, (d->nowned + 1) * sizeof(*n));
	if (n == NULL) {
		free(p);
		return NULL;
	}
	d->owned = n;
	d->owned[d->nowned++] = p;
	return p;
}

char *vcl_service_own_str(struct vcl_service_def *d, const char *s)
{
	return vcl_service_own(d, strdup(s));
}

int vcl_services_parse_mib(const char *s, uint64_t *mib)
{
	static const struct {
		const char *suffix;
		double mib;
	} units[] = {{"Ki", 1.0 / 1024}, {"K", 1.0 / 1024}, {"Mi", 1}, {"M", 1},
		     {"Gi", 1024},	 {"G", 1024},	    {"", 1}};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v <= 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		v *= units[i].mib;
		if (v < 1 || v > 1024.0 * 1024)
			return -1;
		*mib = (uint64_t)(v + 0.5);
		return 0;
	}
	return -1;
}

static int want_str(struct parse *p, yaml_node_t *n, const char *key, const char **out)
{
	*out = vcl_yaml_str(n);
	if (*out == NULL || (*out)[0] == '\0')
		return vcl_yaml_error(p->err, p->y, n, "%s: expected a non-empty string", key);
	return 0;
}

/* A sequence of strings (or, for env, a mapping K: V) as a NULL-terminated
 * owned array. */
static int str_list(struct parse *p, struct vcl_service_def *d, yaml_node_t *n, const char *key,
		    bool mapping_ok, char ***out)
{
	size_t cnt = 0;
	char **v;

	if (n->type == YAML_MAPPING_NODE && mapping_ok) {
		cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
		v = vcl_service_own(d, calloc(cnt + 1, sizeof(*v)));
		if (v == NULL)
			return vcl_fail(p->err, ENOMEM, "Services file");
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_pair_t *pr = &n->data.mapping.pairs.start[i];
			yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
			yaml_node_t *val = yaml_document_get_node(p->doc, pr->value);
			const char *ks = vcl_yaml_str(k), *vs = vcl_yaml_str(val);
			char *kv;

			if (ks == NULL || vs == NULL || ks[0] == '\0' || strchr(ks, '=') != NULL)
				return vcl_yaml_error(p->err, p->y, k,
						      "%s: expected NAME: value pairs", key);
			if (asprintf(&kv, "%s=%s", ks, vs) < 0 || vcl_service_own(d, kv) == NULL)
				return vcl_fail(p->err, ENOMEM, "Services file");
			v[i] = kv;
		}
		*out = v;
		return 0;
	}
	if (n->type == YAML_SCALAR_NODE && !mapping_ok) {
		/* command: "a b c" is ambiguous about quoting: ask for a list. */
		return vcl_yaml_error(p->err, p->y, n, "%s: expected a list of words ([a, b])",
				      key);
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return vcl_yaml_error(p->err, p->y, n, "%s: expected a list%s", key,
				      mapping_ok ? " of K=V or a mapping" : "");
	cnt = vcl_yaml_seq_len(n);
	if (cnt == 0)
		return vcl_yaml_error(p->err, p->y, n, "%s: empty list", key);
	v = vcl_service_own(d, calloc(cnt + 1, sizeof(*v)));
	if (v == NULL)
		return vcl_fail(p->err, ENOMEM, "Services file");
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = vcl_yaml_seq_at(p->doc, n, i);
		const char *s = vcl_yaml_str(it);

		if (s == NULL)
			return vcl_yaml_error(p->err, p->y, it, "%s: expected a string", key);
		if (mapping_ok && (strchr(s, '=') == NULL || s[0] == '='))
			return vcl_yaml_error(p->err, p->y, it, "%s: '%s' is not K=V", key, s);
		v[i] = vcl_service_own_str(d, s);
		if (v[i] == NULL)
			return vcl_fail(p->err, ENOMEM, "Services file");
	}
	*out = v;
	return 0;
}

/* ready: a string in --ready's syntax, or a mapping
 * {http: PATH, status: N} | {tcp: true} | {send: BYTES, expect: BYTES}
 * (YAML's own escapes in double quotes give "\r\n"; sent as written). */
static int parse_ready(struct parse *p, struct vcl_service_def *d, yaml_node_t *n)
{
	struct vcl_ready *r = &d->ready;
	const char *s = vcl_yaml_str(n);
	yaml_node_t *http, *status, *tcp, *send, *expect;

	d->io.ready_spec = r;
	if (s != NULL) {
		if (vcl_ready_parse(s, r) < 0)
			return vcl_yaml_error(p->err, p->y, n,
					      "ready: '%s': expected http:PATH[=STATUS], tcp or "
					      "tcp:SEND[=EXPECT]",
					      s);
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return vcl_yaml_error(p->err, p->y, n, "ready: expected a string or a mapping");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		const char *ks = vcl_yaml_str(k);

		if (ks == NULL || (strcmp(ks, "http") != 0 && strcmp(ks, "status") != 0 &&
				   strcmp(ks, "tcp") != 0 && strcmp(ks, "send") != 0 &&
				   strcmp(ks, "expect") != 0))
			return vcl_yaml_error(p->err, p->y, k,
					      "ready: unknown key '%s' (http, status, tcp, send, "
					      "expect)",
					      ks ? ks : "?");
	}
	http = vcl_yaml_get(p->doc, n, "http");
	status = vcl_yaml_get(p->doc, n, "status");
	tcp = vcl_yaml_get(p->doc, n, "tcp");
	send = vcl_yaml_get(p->doc, n, "send");
	expect = vcl_yaml_get(p->doc, n, "expect");
	memset(r, 0, sizeof(*r));
	r->status = 200;
	if (http != NULL) {
		const char *path = vcl_yaml_str(http);
		char buf[160];

		if (tcp != NULL || send != NULL || expect != NULL)
			return vcl_yaml_error(p->err, p->y, n,
					      "ready: http and tcp/send/expect exclude each other");
		snprintf(buf, sizeof(buf), "http:%s", path ? path : "");
		if (path == NULL || vcl_ready_parse(buf, r) < 0)
			return vcl_yaml_error(p->err, p->y, http, "ready.http: expected /PATH");
		if (status != NULL) {
			double st;

			if (vcl_yaml_double(p->y, status, 100, 599, &st, p->err) < 0)
				return -1;
			r->status = (int)st;
		}
		return 0;
	}
	if (status != NULL)
		return vcl_yaml_error(p->err, p->y, status, "ready.status needs ready.http");
	r->kind = VCL_READY_TCP;
	if (tcp != NULL) {
		bool on;

		if (vcl_yaml_bool(p->y, tcp, &on, p->err) < 0)
			return -1;
		if (!on)
			return vcl_yaml_error(p->err, p->y, tcp,
					      "ready.tcp: only true is meaningful");
	}
	if (expect != NULL && send == NULL)
		return vcl_yaml_error(p->err, p->y, expect, "ready.expect needs ready.send");
	if (send != NULL) {
		const char *ss = vcl_yaml_str(send), *es = expect ? vcl_yaml_str(expect) : "";

		if (ss == NULL || ss[0] == '\0' || strlen(ss) >= sizeof(r->send))
			return vcl_yaml_error(p->err, p->y, send,
					      "ready.send: expected 1 to %zu bytes",
					      sizeof(r->send) - 1);
		if (es == NULL || strlen(es) >= sizeof(r->expect))
			return vcl_yaml_error(p->err, p->y, expect,
					      "ready.expect: expected at most %zu bytes",
					      sizeof(r->expect) - 1);
		r->send_len = strlen(ss);
		memcpy(r->send, ss, r->send_len);
		r->expect_len = strlen(es);
		memcpy(r->expect, es, r->expect_len);
	}
	return 0;
}

static int parse_limits(struct parse *p, struct vcl_service_def *d, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE)
		return vcl_yaml_error(p->err, p->y, n, "limits: expected a mapping");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
		const char *ks = vcl_yaml_str(k), *vs = vcl_yaml_str(v);
		double x;

		if (ks != NULL && strcmp(ks, "memory") == 0) {
			if (vs == NULL || vcl_services_parse_mib(vs, &d->limits.mem_mib) < 0)
				return vcl_yaml_error(p->err, p->y, v,
						      "limits.memory: '%s': expected MiB or a "
						      "size such as 256Mi, 1Gi",
						      vs ? vs : "?");
			d->mem_given = true;
		} else if (ks != NULL && strcmp(ks, "cpu") == 0) {
			if (vcl_yaml_double(p->y, v, 0.01, 1024, &x, p->err) < 0)
				return -1;
			d->limits.cpus = x;
			d->cpus_given = true;
		} else if (ks != NULL && strcmp(ks, "pids") == 0) {
			if (vcl_yaml_double(p->y, v, 1, 1 << 22, &x, p->err) < 0)
				return -1;
			if (x != (double)(unsigned)x)
				return vcl_yaml_error(p->err, p->y, v,
						      "limits.pids: expected a whole number");
			d->limits.pids = (unsigned)x;
			d->pids_given = true;
		} else {
			return vcl_yaml_error(p->err, p->y, k,
					      "limits: unknown key '%s' (memory, cpu, pids)",
					      ks ? ks : "?");
		}
	}
	return 0;
}

static bool name_ok(const char *s)
{
	if (s[0] == '\0' || strlen(s) >= 64)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

static int parse_one(struct parse *p, yaml_node_t *n, struct vcl_service_def *d)
{
	static const char *const keys[] = {"name", "image",   "binary", "port", "ready",
					   "env",  "command", "limits", "load", NULL};
	yaml_node_t *v;
	const char *s;

	d->line = (unsigned)n->start_mark.line + 1;
	if (n->type != YAML_MAPPING_NODE)
		return vcl_yaml_error(p->err, p->y, n, "a service: expected a mapping");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		const char *ks = vcl_yaml_str(k);
		bool known = false;

		for (size_t i = 0; ks != NULL && keys[i] != NULL; i++)
			known |= strcmp(ks, keys[i]) == 0;
		if (!known)
			return vcl_yaml_error(p->err, p->y, k,
					      "unknown key '%s' (name, image, binary, port, ready, "
					      "env, command, limits, load)",
					      ks ? ks : "?");
	}
	v = vcl_yaml_get(p->doc, n, "name");
	if (v == NULL)
		return vcl_yaml_error(p->err, p->y, n, "a service needs a name");
	if (want_str(p, v, "name", &s) < 0)
		return -1;
	if (!name_ok(s))
		return vcl_yaml_error(p->err, p->y, v,
				      "name '%s': use at most 63 of A-Z a-z 0-9 . _ -", s);
	snprintf(d->name, sizeof(d->name), "%s", s);
	d->io.name = d->name;
	if ((v = vcl_yaml_get(p->doc, n, "image")) != NULL) {
		if (want_str(p, v, "image", &s) < 0 ||
		    (d->io.ref = vcl_service_own_str(d, s)) == NULL)
			return *p->err ? -1 : vcl_fail(p->err, ENOMEM, "Services file");
	}
	if ((v = vcl_yaml_get(p->doc, n, "binary")) != NULL) {
		if (d->io.ref != NULL)
			return vcl_yaml_error(p->err, p->y, v, "give one of image and binary");
		if (want_str(p, v, "binary", &s) < 0 ||
		    (d->io.binary = vcl_service_own_str(d, s)) == NULL)
			return *p->err ? -1 : vcl_fail(p->err, ENOMEM, "Services file");
	}
	d->payload = d->io.ref == NULL && d->io.binary == NULL;
	if (d->payload && strcmp(d->name, VCL_PAYLOAD_SERVICE) != 0)
		return vcl_yaml_error(p->err, p->y, n,
				      "service %s: give image or binary (only " VCL_PAYLOAD_SERVICE
				      " is built in)",
				      d->name);
	if (d->payload) {
		/* The payload is measured as it always is: nothing to override. */
		for (size_t i = 1; keys[i] != NULL; i++)
			if (strcmp(keys[i], "limits") != 0 &&
			    (v = vcl_yaml_get(p->doc, n, keys[i])) != NULL)
				return vcl_yaml_error(
				    p->err, p->y, v,
				    VCL_PAYLOAD_SERVICE " takes only limits, not %s", keys[i]);
	}
	if ((v = vcl_yaml_get(p->doc, n, "port")) != NULL) {
		double port;

		if (vcl_yaml_double(p->y, v, 1, 65535, &port, p->err) < 0)
			return -1;
		if (port != (double)(uint16_t)port)
			return vcl_yaml_error(p->err, p->y, v, "port: expected a whole number");
		d->io.port = (uint16_t)port;
	}
	if ((v = vcl_yaml_get(p->doc, n, "ready")) != NULL && parse_ready(p, d, v) < 0)
		return -1;
	if ((v = vcl_yaml_get(p->doc, n, "env")) != NULL &&
	    str_list(p, d, v, "env", true, &d->io.env) < 0)
		return -1;
	if ((v = vcl_yaml_get(p->doc, n, "command")) != NULL &&
	    str_list(p, d, v, "command", false, &d->io.cmd) < 0)
		return -1;
	if ((v = vcl_yaml_get(p->doc, n, "limits")) != NULL && parse_limits(p, d, v) < 0)
		return -1;
	if ((v = vcl_yaml_get(p->doc, n, "load")) != NULL) {
		s = vcl_yaml_str(v);
		if (v->type == YAML_MAPPING_NODE) {
			yaml_node_t *path = vcl_yaml_get(p->doc, v, "path");

			if (path == NULL ||
			    v->data.mapping.pairs.top - v->data.mapping.pairs.start != 1)
				return vcl_yaml_error(p->err, p->y, v,
						      "load: expected /PATH or {path: /PATH}");
			s = vcl_yaml_str(path);
			v = path;
		}
		if (s == NULL || s[0] != '/' || strpbrk(s, " \r\n") != NULL || strlen(s) >= 256)
			return vcl_yaml_error(p->err, p->y, v,
					      "load: expected an HTTP path such as /index.html");
		if ((d->io.load = vcl_service_own_str(d, s)) == NULL)
			return vcl_fail(p->err, ENOMEM, "Services file");
	}
	return 0;
}

int vcl_services_parse(const char *name, const char *buf, size_t len, struct vcl_services **out,
		       struct vcl_error **err)
{
	struct vcl_yaml *y = NULL;
	struct vcl_services *s;
	struct parse p = {.err = err};
	yaml_node_t *root, *list;
	size_t n;
	int r = -1;

	*out = NULL;
	if (vcl_yaml_load_buffer(name, buf, len, &y, err) < 0)
		return -1;
	p.y = y;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		vcl_yaml_free(y);
		return vcl_fail(err, ENOMEM, "Services file");
	}
	snprintf(s->file, sizeof(s->file), "%s", name);
	root = vcl_yaml_root(y, 0);
	if (root == NULL || y->ndocs != 1 || root->type != YAML_MAPPING_NODE) {
		vcl_yaml_error(err, y, root, "expected one document, a mapping with 'services:'");
		goto out;
	}
	p.doc = &y->docs[0];
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(p.doc, pr->key);
		const char *ks = vcl_yaml_str(k);

		if (ks == NULL || strcmp(ks, "services") != 0) {
			vcl_yaml_error(err, y, k, "unknown key '%s' (services)", ks ? ks : "?");
			goto out;
		}
	}
	list = vcl_yaml_get(p.doc, root, "services");
	if (list == NULL || list->type != YAML_SEQUENCE_NODE || vcl_yaml_seq_len(list) == 0) {
		vcl_yaml_error(err, y, list != NULL ? list : root,
			       "services: expected a non-empty list of services");
		goto out;
	}
	n = vcl_yaml_seq_len(list);
	s->v = calloc(n, sizeof(*s->v));
	if (s->v == NULL) {
		vcl_fail(err, ENOMEM, "Services file");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = vcl_yaml_seq_at(p.doc, list, i);

		s->n = i + 1;
		if (parse_one(&p, it, &s->v[i]) < 0)
			goto out;
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->v[j].name, s->v[i].name) == 0) {
				vcl_yaml_error(err, y, vcl_yaml_get(p.doc, it, "name"),
					       "service %s is listed twice (first at line %u)",
					       s->v[i].name, s->v[j].line);
				goto out;
			}
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	vcl_services_free(s);
	vcl_yaml_free(y);
	return r;
}

int vcl_services_load_file(const char *path, struct vcl_services **out, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;

	if (vcl_read_file(path, &buf, &len, err) < 0) {
		vcl_error_set_kind(err, VCL_E_USAGE);
		return vcl_error_wrap(err, "--services %s", path);
	}
	return vcl_services_parse(path, buf, len, out, err);
}

/* The main container of a pod: the first of containers[] (after the
 * init containers). */
static size_t pod_main(const struct vcl_service_def *d)
{
	size_t m = 0;

	while (m < d->nctrs && d->ctrs[m].init)
		m++;
	return m;
}

/* The images of a pod's other containers, and the main spec's pod[]. */
static int load_pod(struct vcl_service_def *d, struct vcl_image *main_img, struct vcl_error **err)
{
	size_t m = pod_main(d);

	if (d->nctrs < 2)
		return 0;
	d->pod_img = calloc(d->nctrs - 1, sizeof(*d->pod_img));
	d->pod_svc = calloc(d->nctrs, sizeof(void *));
	if (d->pod_img == NULL || d->pod_svc == NULL)
		return vcl_fail(err, ENOMEM, "Pod");
	for (size_t i = 0; i < d->nctrs; i++) {
		struct vcl_container_def *k = &d->ctrs[i];
		struct vcl_image *img = &d->pod_img[d->npod];

		if (i == m)
			continue;
		k->io.port_optional = true;
		if (vcl_image_load(&k->io, img, err) < 0)
			return vcl_error_wrap(err, "container %s", k->name);
		d->npod++;
		img->svc.sec = k->sec;
		img->svc.init = k->init && !k->sidecar;
		img->svc.ctr_name = k->name;
		d->pod_svc[d->npod - 1] = &img->svc;
	}
	main_img->svc.pod = d->pod_svc;
	main_img->svc.ctr_name = d->ctrs[m].name;
	return 0;
}

static void free_pod(struct vcl_service_def *d)
{
	for (size_t i = 0; i < d->npod; i++)
		vcl_image_free(&d->pod_img[i]);
	free(d->pod_img);
	free(d->pod_svc);
	d->pod_img = NULL;
	d->pod_svc = NULL;
	d->npod = 0;
}

int vcl_services_load_images(struct vcl_services *s, struct vcl_error **err)
{
	s->img = calloc(s->n, sizeof(*s->img));
	if (s->img == NULL)
		return vcl_fail(err, ENOMEM, "Services");
	for (size_t i = 0; i < s->n; i++) {
		struct vcl_service_def *d = &s->v[i];

		if (d->payload || d->skip[0] != '\0')
			continue;
		if (vcl_image_load(&d->io, &s->img[i], err) == 0) {
			s->img[i].svc.sec = d->sec;
			s->img[i].svc.vols = d->vols;
			s->img[i].svc.nvols = d->nvols;
			if (load_pod(d, &s->img[i], err) == 0)
				continue;
		}
		if (d->wl.kind[0] == '\0')
			return vcl_error_wrap(err, "%s:%u: service %s", s->file, d->line, d->name);
		/* A workload whose image cannot be read is skipped, not fatal. */
		snprintf(d->skip, sizeof(d->skip), "%s:%u: %s", d->wl.file, d->wl.line,
			 (*err)->msg);
		free_pod(d);
		vcl_image_free(&s->img[i]);
		vcl_error_free(*err);
		*err = NULL;
	}
	return 0;
}

struct vcl_limits vcl_services_limits(const struct vcl_services *s, size_t i,
				      const struct vcl_limits *run)
{
	struct vcl_limits l = *run;
	const struct vcl_service_def *d = &s->v[i];

	if (d->mem_given)
		l.mem_mib = d->limits.mem_mib;
	if (d->cpus_given)
		l.cpus = d->limits.cpus;
	if (d->pids_given)
		l.pids = d->limits.pids;
	return l;
}

void vcl_services_free(struct vcl_services *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; s->v != NULL && i < s->n; i++) {
		for (size_t j = 0; j < s->v[i].nowned; j++)
			free(s->v[i].owned[j]);
		free(s->v[i].owned);
		if (s->img != NULL && !s->v[i].payload && s->v[i].skip[0] == '\0')
			vcl_image_free(&s->img[i]);
		free_pod(&s->v[i]);
		free(s->v[i].ctrs);
	}
	free(s->img);
	free(s->v);
	free(s);
}

static void summary_cell(FILE *f, struct json_object *o, const char *path, int width, int prec)
{
	double v;

	if (vcl_json_path_double(o, path, &v) == 0)
		fprintf(f, " %*.*f", width, prec, v);
	else
		fprintf(f, " %*s", width, "-");
}

void vcl_services_print_summary(struct json_object *root, FILE *f)
{
	struct json_object *svcs = vcl_json_path(root, "services");

	if (svcs == NULL || !json_object_is_type(svcs, json_type_object))
		return;
	fprintf(f,
		"\nservices: startup (ms, launch -> first good readiness answer), memory (KiB)\n");
	fprintf(f, "%-20s %-12s %4s %9s %9s %9s %9s %9s\n", "service", "placement", "n", "p50",
		"ready", "answer", "PSS", "overhead");
	json_object_object_foreach(svcs, name, svc)
	{
		struct json_object *skipped = vcl_json_path(svc, "reason");
		struct json_object *groups[2] = {vcl_json_path(svc, "backends"),
						 vcl_json_path(svc, "peers")};

		if (skipped != NULL)
			fprintf(f, "%-20s %-12s skipped: %s\n", name, "-",
				json_object_get_string(skipped));
		for (int g = 0; g < 2; g++) {
			if (groups[g] == NULL || !json_object_is_type(groups[g], json_type_object))
				continue;
			json_object_object_foreach(groups[g], pl, o)
			{
				struct json_object *why = vcl_json_path(o, "reason");

				fprintf(f, "%-20s %-12s", name, pl);
				if (why != NULL) {
					fprintf(f, " skipped: %s\n", json_object_get_string(why));
					continue;
				}
				summary_cell(f, o, "startup_ms.n", 4, 0);
				summary_cell(f, o, "startup_ms.p50", 9, 2);
				summary_cell(f, o, "phases_ms.ready.p50", 9, 2);
				summary_cell(f, o, "phases_ms.first_200.p50", 9, 2);
				summary_cell(f, o, "memory.pss_kib", 9, 0);
				summary_cell(f, o, "memory.overhead_kib", 9, 0);
				fputc('\n', f);
			}
		}
	}
}
