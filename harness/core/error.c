/* SPDX-License-Identifier: MIT */
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

int vcl_error_set(struct vcl_error **err, enum vcl_error_kind kind, int errnum, const char *fmt,
		  ...)
{
	int saved = errno;
	struct vcl_error *e;
	va_list ap;
	char *msg;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	if (msg != NULL && errnum != 0) {
		char *full = NULL;

		if (asprintf(&full, "%s: %s", msg, strerror(errnum)) >= 0) {
			free(msg);
			msg = full;
		}
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		free(msg);
		errno = saved;
		return -1;
	}
	e->kind = kind;
	e->errnum = errnum;
	e->msg = msg != NULL ? msg : strdup("Out of memory while reporting an error");
	vcl_error_free(*err); /* a newer error replaces an older one */
	*err = e;
	errno = saved;
	return -1;
}

int vcl_error_wrap(struct vcl_error **err, const char *fmt, ...)
{
	char *prefix, *full = NULL;
	va_list ap;

	if (err == NULL || *err == NULL)
		return -1;
	va_start(ap, fmt);
	prefix = vformat(fmt, ap);
	va_end(ap);
	if (prefix == NULL)
		return -1;
	if (asprintf(&full, "%s: %s", prefix, (*err)->msg != NULL ? (*err)->msg : "") >= 0) {
		free((*err)->msg);
		(*err)->msg = full;
	}
	free(prefix);
	return -1;
}

int vcl_error_set_kind(struct vcl_error **err, enum vcl_error_kind kind)
{
	if (err != NULL && *err != NULL)
		(*err)->kind = kind;
	return -1;
}

void vcl_vwarn(const char *fmt, va_list ap)
{
	int saved = errno;
	char *msg = vformat(fmt, ap);

	/* One write per line, so lines from two processes do not interleave. */
	fprintf(stderr, "vclab: warning: %s\n", msg != NULL ? msg : fmt);
	free(msg);
	errno = saved;
}

void vcl_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcl_vwarn(fmt, ap);
	va_end(ap);
}

void vcl_error_free(struct vcl_error *e)
{
	if (e == NULL)
		return;
	free(e->msg);
	free(e);
}

void vcl_error_freep(struct vcl_error **e)
{
	vcl_error_free(*e);
	*e = NULL;
}

/* Indexed by the kind: the assert below fails the build when a kind is
 * added to the enum without its name. */
static const char *const kind_names[] = {
    [VCL_E_FAIL] = "fail", [VCL_E_USAGE] = "usage",	[VCL_E_ENV] = "env",   [VCL_E_OOM] = "oom",
    [VCL_E_DIED] = "died", [VCL_E_TIMEOUT] = "timeout", [VCL_E_INTR] = "intr",
};
_Static_assert(sizeof(kind_names) / sizeof(kind_names[0]) == VCL_E_NKINDS,
	       "every enum vcl_error_kind has a name in kind_names");

const char *vcl_error_kind_name(enum vcl_error_kind kind)
{
	return (unsigned)kind < VCL_E_NKINDS && kind_names[kind] != NULL ? kind_names[kind]
									 : "fail";
}

int vcl_error_exit_code(const struct vcl_error *e)
{
	if (e == NULL)
		return 0;
	switch (e->kind) {
	case VCL_E_USAGE:
	case VCL_E_ENV:
		return 2;
	case VCL_E_INTR:
		return 130;
	default:
		return 1;
	}
}
