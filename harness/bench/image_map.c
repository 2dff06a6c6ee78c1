/* SPDX-License-Identifier: MIT */
/*
 * --image-map for `vclab bench --manifest` (bench/manifest.h): the table
 * that turns a manifest's image reference into one vclab can read (a
 * registry name into an OCI layout on disk, say), from the option and
 * from a map file. Pure.
 */
#include "bench/manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/k8s.h"
#include "core/util.h"

/* ---- --image-map ------------------------------------------------------- */

static int map_push(struct vcl_image_maps *m, const char *from, size_t flen, const char *to,
		    size_t tlen)
{
	struct vcl_image_map_entry *grown = realloc(m->v, (m->n + 1) * sizeof(*grown));

	if (grown == NULL)
		return -1;
	m->v = grown;
	snprintf(m->v[m->n].from, sizeof(m->v[0].from), "%.*s", (int)flen, from);
	snprintf(m->v[m->n].to, sizeof(m->v[0].to), "%.*s", (int)tlen, to);
	m->n++;
	return 0;
}

/* "FROM=TO" split at the first '=' (an image reference has none), blanks
 * around it dropped. */
static int map_pair(struct vcl_image_maps *m, const char *s, size_t len, bool *ok)
{
	const char *eq = memchr(s, '=', len), *fe = eq, *t = eq != NULL ? eq + 1 : NULL;
	size_t tlen;

	*ok = false;
	if (eq == NULL)
		return 0;
	while (fe > s && (fe[-1] == ' ' || fe[-1] == '\t'))
		fe--;
	while (t < s + len && (*t == ' ' || *t == '\t'))
		t++;
	tlen = (size_t)(s + len - t);
	*ok = fe > s && tlen > 0 && (size_t)(fe - s) < sizeof(m->v[0].from) &&
	      tlen < sizeof(m->v[0].to);
	if (!*ok)
		return 0;
	return map_push(m, s, (size_t)(fe - s), t, tlen);
}

int vcl_image_maps_parse(struct vcl_image_maps *m, const char *name, const char *buf, size_t len,
			 struct vcl_error **err)
{
	unsigned line = 0;

	for (const char *p = buf, *end = buf + len; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl != NULL ? nl : end;
		const char *a = p, *b = e;
		bool ok;

		p = e + 1;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
			b--;
		if (a == b || *a == '#')
			continue;
		if (map_pair(m, a, (size_t)(b - a), &ok) < 0)
			return vcl_fail(err, ENOMEM, "Image map");
		if (!ok)
			return vcl_usage(err,
					 "%s:%u: expected FROM=TO (an image reference = where "
					 "to read it, e.g. nginx:1.25=oci:/srv/nginx:1.25)",
					 name, line + 1);
	}
	return 0;
}

int vcl_image_maps_add(struct vcl_image_maps *m, const char *arg, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	bool ok;

	if (strchr(arg, '=') != NULL) {
		if (map_pair(m, arg, strlen(arg), &ok) < 0)
			return vcl_fail(err, ENOMEM, "Image map");
		if (!ok)
			return vcl_usage(err, "--image-map %s: expected FROM=TO or a file", arg);
		return 0;
	}
	if (vcl_read_file(arg, &buf, &len, err) < 0) {
		vcl_error_set_kind(err, VCL_E_USAGE);
		return vcl_error_wrap(err, "--image-map %s (neither FROM=TO nor a readable file)",
				      arg);
	}
	return vcl_image_maps_parse(m, arg, buf, len, err);
}

const char *vcl_image_maps_find(const struct vcl_image_maps *m, const char *ref)
{
	static const char *const transports[] = {"oci:",	  "oci-archive:", "docker-archive:",
						 "dir:",	  "rootfs:",	  "docker://",
						 "docker-daemon:"};

	for (size_t i = 0; m != NULL && i < m->n; i++)
		if (strcmp(m->v[i].from, ref) == 0 || vcl_k8s_image_matches(m->v[i].from, ref))
			return m->v[i].to;
	for (size_t i = 0; i < ARRAY_SIZE(transports); i++)
		if (strncmp(ref, transports[i], strlen(transports[i])) == 0)
			return ref;
	return NULL;
}

void vcl_image_maps_free(struct vcl_image_maps *m)
{
	free(m->v);
	m->v = NULL;
	m->n = 0;
}
