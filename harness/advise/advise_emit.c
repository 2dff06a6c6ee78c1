/* SPDX-License-Identifier: MIT */
/*
 * `vclab advise --emit kustomize DIR`: the advice as a kustomize overlay
 * that `kubectl kustomize DIR` renders without a cluster.
 *
 *   DIR/kustomization.yaml   resources (base/ + runtimeclasses.yaml) and
 *                            one strategic-merge patch per workload
 *   DIR/base/NN-FILE         the input manifests, copied (kustomize loads
 *                            nothing outside its folder)
 *   DIR/runtimeclasses.yaml  runc, and kata with overhead.podFixed from the
 *                            measured per-VM overhead
 *   DIR/patches/NN-KIND-NAME.yaml
 *   DIR/DECISIONS.md         every workload, its placement and why
 *
 * patchesStrategicMerge, not patches: the kustomize inside Debian 12's
 * kubectl 1.20 (v2.0.3) knows only the former; v5 still renders it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise/advise.h"
#include "core/cleanup.h"
#include "core/util.h"

/* Node labels and taints the overlay relies on: documented in DECISIONS.md. */
#define VM_CLASS      "kata"
#define VM_NODE_LABEL "vclab.io/runtime"
#define POOL_LABEL    "vclab.io/pool"
/* No per-VM CPU overhead is measured: Kata's own default pod overhead. */
#define VM_CPU_OVERHEAD "250m"

long vcl_advise_vm_overhead_mi(const struct vcl_measured *m)
{
	return vcl_advise_overhead_mi(m, VCL_VM);
}

long vcl_advise_overhead_mi(const struct vcl_measured *m, enum vcl_place p)
{
	const struct vcl_meas_backend *b = &m->b[p];

	if (!b->present || !b->has_overhead || b->overhead_kib < 0.0)
		return -1;
	return (long)ceil(b->overhead_kib / 1024.0);
}

static int write_text(const char *dir, const char *name, const char *text, struct vcl_error **err)
{
	cleanup_free char *path = NULL;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return vcl_fail(err, ENOMEM, "Emit %s", name);
	return vcl_write_atomic(path, text, strlen(text), err);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* Lower-case kind + name, safe as a file name. */
static void patch_name(const struct vcl_service *s, size_t i, char *buf, size_t len)
{
	int n = snprintf(buf, len, "patches/%02zu-%s-%s.yaml", i + 1, s->kind, s->name);

	for (int k = 8; k < n && (size_t)k < len; k++) {
		char c = buf[k];

		if (c >= 'A' && c <= 'Z')
			buf[k] = (char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			   c == '.'))
			buf[k] = '-';
	}
}

/* The pod spec's path by kind, as nested mapping keys. */
static const char *const *pod_path(const char *kind)
{
	static const char *const pod[] = {"spec", NULL};
	static const char *const cron[] = {"spec", "jobTemplate", "spec", "template", "spec", NULL};
	static const char *const tmpl[] = {"spec", "template", "spec", NULL};

	if (strcmp(kind, "Pod") == 0)
		return pod;
	if (strcmp(kind, "CronJob") == 0)
		return cron;
	return tmpl;
}

static void patch_text(FILE *f, const struct vcl_service *s, const struct vcl_k8s_realise *k)
{
	const char *const *path = pod_path(s->kind);
	size_t depth = 0;

	fprintf(f, "# vclab advise: %s %s -> %s\n", s->kind, s->name,
		k->runtime_class != NULL ? k->runtime_class : "(no runtime class)");
	fprintf(f, "apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n", s->api_version, s->kind,
		s->name);
	if (s->ns_given)
		fprintf(f, "  namespace: %s\n", s->ns);
	for (; path[depth] != NULL; depth++)
		fprintf(f, "%*s%s:\n", (int)(2 * depth), "", path[depth]);
	if (k->runtime_class != NULL)
		fprintf(f, "%*sruntimeClassName: %s\n", (int)(2 * depth), "", k->runtime_class);
	if (k->pool != NULL) {
		fprintf(f, "%*snodeSelector:\n%*s%s: %s\n", (int)(2 * depth), "",
			(int)(2 * depth + 2), "", POOL_LABEL, k->pool);
		/* The pool's nodes are tainted so nothing else lands there. */
		fprintf(f,
			"%*stolerations:\n%*s- key: %s\n%*soperator: Equal\n%*svalue: %s\n"
			"%*seffect: NoSchedule\n",
			(int)(2 * depth), "", (int)(2 * depth + 2), "", POOL_LABEL,
			(int)(2 * depth + 4), "", (int)(2 * depth + 4), "", k->pool,
			(int)(2 * depth + 4), "");
	}
}

/* The gvisor class: runsc, with the measured per-sandbox overhead. */
static void gvisor_class(FILE *f, const struct vcl_measured *m)
{
	long mi = vcl_advise_overhead_mi(m, VCL_GVISOR);
	const char *platform = m->gvisor_platform[0] != '\0' ? m->gvisor_platform : "?";

	fprintf(f,
		"---\n"
		"# gvisor: a gVisor sandbox per pod. overhead.podFixed.memory is the measured\n"
		"# per-sandbox overhead (backends.gvisor.memory.overhead_kib %.0f KiB in %s,\n"
		"# platform %s, rounded up to Mi); no per-sandbox CPU overhead is measured.\n"
		"apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: gvisor\n"
		"handler: runsc\n",
		m->b[VCL_GVISOR].overhead_kib, m->source, platform);
	if (mi >= 0)
		fprintf(f, "overhead:\n  podFixed:\n    memory: \"%ldMi\"\n", mi);
}

static int runtime_classes(const char *dir, const struct vcl_measured *m, bool want_vm,
			   bool want_gvisor, struct vcl_error **err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	long mi = vcl_advise_vm_overhead_mi(m);
	int r;

	if (f == NULL)
		return vcl_fail(err, errno, "Emit runtimeclasses.yaml");
	fputs("# The runtime classes the advice uses. runc is the platform default (ctr).\n"
	      "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: runc\n"
	      "handler: runc\n",
	      f);
	if (want_vm) {
		fprintf(f,
			"---\n"
			"# vm: a VM per pod. overhead.podFixed.memory is the measured per-VM "
			"overhead\n# (backends.vm.memory.overhead_kib %.0f KiB in %s, rounded up "
			"to Mi%s);\n# cpu is Kata's default: vclab does not measure a per-VM CPU "
			"overhead.\n"
			"apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: %s\n"
			"handler: %s\n",
			m->b[VCL_VM].overhead_kib, m->source, m->tcg ? ", measured under TCG" : "",
			VM_CLASS, VM_CLASS);
		if (mi >= 0)
			fprintf(f,
				"overhead:\n  podFixed:\n    memory: \"%ldMi\"\n    cpu: \"%s\"\n",
				mi, VM_CPU_OVERHEAD);
		fprintf(f, "scheduling:\n  nodeSelector:\n    %s: %s\n", VM_NODE_LABEL, VM_CLASS);
	}
	if (want_gvisor)
		gvisor_class(f, m);
	if (fclose(f) != 0)
		return vcl_fail(err, errno, "Emit runtimeclasses.yaml");
	r = write_text(dir, "runtimeclasses.yaml", text, err);
	return r;
}

static const char *verdict_text(const struct vcl_decision *d)
{
	if (d->verdict == VCL_ADVICE_OK)
		return vcl_place_name((enum vcl_place)d->place);
	return d->verdict == VCL_ADVICE_NONE ? "no placement" : "cannot judge";
}

static int decisions_md(const char *dir, const struct vcl_measured *m,
			const struct vcl_advise_input *in, const struct vcl_decision *d,
			struct vcl_error **err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	long mi = vcl_advise_vm_overhead_mi(m);

	if (f == NULL)
		return vcl_fail(err, errno, "Emit DECISIONS.md");
	fprintf(f,
		"# Placement decisions\n\n"
		"Written by `vclab advise --emit kustomize` from results `%s` (run %s, host %s, "
		"accelerator %s). Render with `kubectl kustomize .`; apply with `kubectl apply "
		"-k .`.\n\n",
		m->source, m->run_id, m->host, m->accel);
	fprintf(f,
		"Nodes this overlay expects: VM nodes labelled `%s=%s` (the `%s` "
		"RuntimeClass selects them); dedicated and bare-metal pools labelled `%s=<pool>` "
		"and tainted `%s=<pool>:NoSchedule` (the patches tolerate it).\n\n",
		VM_NODE_LABEL, VM_CLASS, VM_CLASS, POOL_LABEL, POOL_LABEL);
	if (mi >= 0)
		fprintf(f,
			"`%s` overhead.podFixed: memory %ldMi = the measured per-VM overhead %.0f "
			"KiB rounded up to Mi; cpu %s is Kata's default (not measured).\n\n",
			VM_CLASS, mi, m->b[VCL_VM].overhead_kib, VM_CPU_OVERHEAD);
	fputs("| workload | namespace | placement | confidence | Kubernetes |\n"
	      "|---|---|---|---|---|\n",
	      f);
	for (size_t i = 0; i < in->nsvc; i++) {
		const struct vcl_service *s = &in->svc[i];
		struct vcl_k8s_realise k = {0};

		if (!s->k8s)
			continue;
		if (d[i].verdict == VCL_ADVICE_OK)
			vcl_advise_k8s(s, (enum vcl_place)d[i].place, &k);
		fprintf(f, "| %s %s | %s | %s | %s | %s |\n", s->kind, s->name, s->ns,
			verdict_text(&d[i]),
			d[i].verdict == VCL_ADVICE_OK ? vcl_confidence_name(d[i].conf) : "-",
			d[i].verdict == VCL_ADVICE_OK ? k.text : "not patched: resolve first");
	}
	for (size_t i = 0; i < in->nsvc; i++) {
		const struct vcl_service *s = &in->svc[i];

		if (!s->k8s)
			continue;
		fprintf(f, "\n## %s %s -> %s\n\n`%s`\n\n", s->kind, s->name, verdict_text(&d[i]),
			s->origin);
		for (size_t j = 0; j < d[i].nsteps; j++) {
			const struct vcl_step *st = &d[i].steps[j];

			if (st->reason && (strcmp(st->rule, "measured") != 0 ||
					   d[i].verdict == VCL_ADVICE_UNJUDGED))
				fprintf(f, "- %s\n", st->text);
		}
	}
	if (fclose(f) != 0)
		return vcl_fail(err, errno, "Emit DECISIONS.md");
	return write_text(dir, "DECISIONS.md", text, err);
}

int vcl_advise_emit_kustomize(const char *dir, const struct vcl_measured *m,
			      const struct vcl_advise_input *in, const struct vcl_decision *d,
			      struct vcl_error **err)
{
	cleanup_free char *kust = NULL, *sub = NULL, *plist = NULL;
	size_t klen = 0, plen = 0, npatch = 0;
	bool want_vm = false, want_gvisor = false;
	FILE *kf, *pl;

	if (in->nfiles == 0)
		return vcl_usage(err, "--emit kustomize needs Kubernetes manifests among the "
				      "INPUTs (service profiles have nothing to patch)");
	if (asprintf(&sub, "%s/base", dir) < 0)
		return vcl_fail(err, ENOMEM, "Emit");
	if (vcl_mkdir_p(sub, err) < 0)
		return -1;
	free(sub);
	sub = NULL;
	if (asprintf(&sub, "%s/patches", dir) < 0)
		return vcl_fail(err, ENOMEM, "Emit");
	if (vcl_mkdir_p(sub, err) < 0)
		return -1;
	kf = open_memstream(&kust, &klen);
	if (kf == NULL)
		return vcl_fail(err, errno, "Emit kustomization.yaml");
	fputs("# Written by vclab advise --emit kustomize: see DECISIONS.md.\n"
	      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n",
	      kf);
	for (size_t i = 0; i < in->nfiles; i++) {
		cleanup_free char *body = NULL, *name = NULL;
		size_t blen = 0;

		if (vcl_read_file(in->files[i], &body, &blen, err) < 0 ||
		    asprintf(&name, "base/%02zu-%s", i + 1, base_name(in->files[i])) < 0 ||
		    write_text(dir, name, body, err) < 0) {
			fclose(kf);
			return -1;
		}
		fprintf(kf, "  - %s\n", name);
	}
	fputs("  - runtimeclasses.yaml\n", kf);
	pl = open_memstream(&plist, &plen);
	if (pl == NULL) {
		fclose(kf);
		return vcl_fail(err, errno, "Emit kustomization.yaml");
	}
	for (size_t i = 0; i < in->nsvc; i++) {
		const struct vcl_service *s = &in->svc[i];
		struct vcl_k8s_realise k;
		cleanup_free char *text = NULL;
		size_t tlen = 0;
		char name[400];
		FILE *pf;

		if (!s->k8s || d[i].verdict != VCL_ADVICE_OK)
			continue;
		vcl_advise_k8s(s, (enum vcl_place)d[i].place, &k);
		want_vm |= d[i].place == VCL_VM;
		want_gvisor |= d[i].place == VCL_GVISOR;
		patch_name(s, i, name, sizeof(name));
		pf = open_memstream(&text, &tlen);
		if (pf == NULL) {
			fclose(kf);
			fclose(pl);
			return vcl_fail(err, errno, "Emit %s", name);
		}
		patch_text(pf, s, &k);
		fclose(pf);
		if (write_text(dir, name, text, err) < 0) {
			fclose(kf);
			fclose(pl);
			return -1;
		}
		fprintf(pl, "  - %s\n", name);
		npatch++;
	}
	fclose(pl);
	if (npatch > 0)
		fprintf(kf, "patchesStrategicMerge:\n%s", plist);
	if (fclose(kf) != 0)
		return vcl_fail(err, errno, "Emit kustomization.yaml");
	if (write_text(dir, "kustomization.yaml", kust, err) < 0 ||
	    runtime_classes(dir, m, want_vm, want_gvisor, err) < 0 ||
	    decisions_md(dir, m, in, d, err) < 0)
		return -1;
	return 0;
}
