/* SPDX-License-Identifier: MIT */
#ifndef VCL_ERROR_H
#define VCL_ERROR_H

#include <stdarg.h>

/*
 * One error type for the whole lab, in the shape of crun's libcrun_error_s.
 * Every function that can fail takes `struct vcl_error **err` last, returns
 * a negative value, and leaves an error here. Callers add context with
 * vcl_error_wrap(); only main() prints it and picks the exit status.
 */

/* What kind of failure: lets main() choose the exit code, and the bench
 * record an out-of-memory kill as such instead of as a generic failure. */
enum vcl_error_kind {
	VCL_E_FAIL = 0, /* the operation failed; exit 1 */
	VCL_E_USAGE,	/* bad arguments or input file; exit 2 */
	VCL_E_ENV,	/* the host cannot run this: not root, no libvirtd, missing image; exit 2 */
	VCL_E_OOM,	/* the instance was killed by its memory limit */
	VCL_E_DIED,	/* the instance exited or crashed on its own */
	VCL_E_TIMEOUT,	/* readiness or an operation timed out */
	VCL_E_INTR,	/* interrupted by SIGINT/SIGTERM */
	VCL_E_NKINDS	/* how many; not a kind */
};

struct vcl_error {
	enum vcl_error_kind kind;
	int errnum; /* errno behind it, or 0 */
	char *msg;  /* one line, capitalised, no trailing period */
};

/* Set *err (when err is not NULL) and return -1. A strerror() text is
 * appended when errnum is non-zero. */
int vcl_error_set(struct vcl_error **err, enum vcl_error_kind kind, int errnum, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));

/* Shorthands for the common kinds. */
#define vcl_fail(err, errnum, ...) vcl_error_set((err), VCL_E_FAIL, (errnum), __VA_ARGS__)
#define vcl_usage(err, ...)	   vcl_error_set((err), VCL_E_USAGE, 0, __VA_ARGS__)

/* Prefix context to an existing error: "create domain x: <old message>".
 * Returns -1 so call sites read `return vcl_error_wrap(err, "...");`. */
int vcl_error_wrap(struct vcl_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Change the kind of an existing error (a read failure that means bad
 * input, a write failure that means the host). Returns -1 so call sites
 * read `return vcl_error_set_kind(err, VCL_E_USAGE);`; does nothing when
 * err or *err is NULL. */
int vcl_error_set_kind(struct vcl_error **err, enum vcl_error_kind kind);

void vcl_error_free(struct vcl_error *e);
void vcl_error_freep(struct vcl_error **e);

/* The kind's name in results.json ("fail", "usage", "env", "oom", "died",
 * "timeout", "intr"); "fail" for a value out of range. */
const char *vcl_error_kind_name(enum vcl_error_kind kind);

/* Exit status main() uses for an error of this kind. */
int vcl_error_exit_code(const struct vcl_error *e);

/*
 * The one diagnostics sink for warnings: something went wrong or looks
 * suspicious, the command goes on. One line on stderr,
 * "vclab: warning: <message>"; the newline is added. Progress lines and
 * summaries are not warnings and keep their own format.
 */
void vcl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vcl_vwarn(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#define cleanup_error __attribute__((cleanup(vcl_error_freep)))

#endif
