/* SPDX-License-Identifier: MIT */
/*
 * What results.json records of a service read from a manifest
 * (vcl_manifest_json, bench/manifest.h): its containers, probes, volumes
 * and security context, as read. Pure.
 */
#include "bench/manifest.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

static struct json_object *security_json(const struct vcl_security *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "privileged", json_object_new_boolean(s->privileged));
	json_object_object_add(o, "read_only_root", json_object_new_boolean(s->read_only_root));
	json_object_object_add(o, "no_new_privs", json_object_new_boolean(s->no_new_privs));
	json_object_object_add(o, "run_as_non_root", json_object_new_boolean(s->run_as_non_root));
	if (s->has_user)
		json_object_object_add(o, "run_as_user", json_object_new_int64(s->run_as_user));
	if (s->has_group)
		json_object_object_add(o, "run_as_group", json_object_new_int64(s->run_as_group));
	if (s->has_fs_group)
		json_object_object_add(o, "fs_group", json_object_new_int64(s->fs_group));
	if (s->nsupp > 0) {
		struct json_object *g = json_object_new_array();

		for (unsigned i = 0; i < s->nsupp; i++)
			json_object_array_add(g, json_object_new_int64(s->supp_groups[i]));
		json_object_object_add(o, "supplemental_groups", g);
	}
	json_object_object_add(o, "cap_add", json_object_new_uint64(s->cap_add));
	json_object_object_add(o, "cap_drop", json_object_new_uint64(s->cap_drop));
	json_object_object_add(o, "seccomp",
			       json_object_new_string(s->seccomp == VCL_SECCOMP_UNCONFINED
							  ? "Unconfined"
							  : "RuntimeDefault"));
	return o;
}

struct json_object *vcl_manifest_json(const struct vcl_service_def *d)
{
	struct json_object *o = json_object_new_object(), *cs = json_object_new_array();
	char at[300];

	snprintf(at, sizeof(at), "%s:%u", d->wl.file, d->wl.line);
	json_object_object_add(o, "at", json_object_new_string(at));
	json_object_object_add(o, "namespace", json_object_new_string(d->wl.ns));
	json_object_object_add(o, "kind", json_object_new_string(d->wl.kind));
	json_object_object_add(o, "name", json_object_new_string(d->wl.name));
	if (d->wl.replicas >= 0)
		json_object_object_add(o, "replicas", json_object_new_int64(d->wl.replicas));
	for (size_t i = 0; i < d->nctrs; i++) {
		const struct vcl_container_def *k = &d->ctrs[i];
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "name", json_object_new_string(k->name));
		json_object_object_add(c, "image", json_object_new_string(k->image));
		if (k->io.ref != NULL)
			json_object_object_add(c, "read_from", json_object_new_string(k->io.ref));
		if (k->init)
			json_object_object_add(c, k->sidecar ? "sidecar" : "init",
					       json_object_new_boolean(1));
		if (k->sec_given)
			json_object_object_add(c, "security_context", security_json(&k->sec));
		json_object_array_add(cs, c);
	}
	json_object_object_add(o, "containers", cs);
	/* The pod as measured: every container in one sandbox, the init
	 * containers run first (their time is in startup). */
	{
		size_t ninit = 0;

		for (size_t i = 0; i < d->nctrs; i++)
			ninit += d->ctrs[i].init && !d->ctrs[i].sidecar ? 1 : 0;
		json_object_object_add(o, "n_containers",
				       json_object_new_int64((int64_t)(d->nctrs - ninit)));
		json_object_object_add(o, "n_init_containers",
				       json_object_new_int64((int64_t)ninit));
	}
	if (d->nvols > 0) {
		struct json_object *vs = json_object_new_array();

		for (size_t i = 0; i < d->nvols; i++) {
			struct json_object *v = json_object_new_object();

			json_object_object_add(v, "name", json_object_new_string(d->vols[i].name));
			json_object_object_add(v, "mount_path",
					       json_object_new_string(d->vols[i].target));
			json_object_object_add(v, "read_only",
					       json_object_new_boolean(d->vols[i].read_only));
			json_object_object_add(v, "files",
					       json_object_new_int64((int64_t)d->vols[i].nfiles));
			if (d->vols[i].size_bytes > 0)
				json_object_object_add(
				    v, "size_bytes",
				    json_object_new_int64((int64_t)d->vols[i].size_bytes));
			json_object_array_add(vs, v);
		}
		json_object_object_add(o, "volumes", vs);
	}
	return o;
}
