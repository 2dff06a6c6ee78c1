/* SPDX-License-Identifier: MIT */
#ifndef VCL_CLEANUP_H
#define VCL_CLEANUP_H

/*
 * Cleanup attributes instead of hand-written unwinding (crun, lxc). Every
 * cleaner accepts NULL / -1 / already-released values. Ownership leaves a
 * scope by `*out = p; p = NULL;` (or `fd = -1`, `pid = -1`).
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

void vcl_freep(void *p);
void vcl_closep(int *fd);
void vcl_fclosep(FILE **f);
void vcl_closedirp(DIR **d);
/* Kill (SIGKILL) and reap a child that still belongs to this scope. */
void vcl_killpidp(pid_t *pid);
/* Free a NULL-terminated array of strings. */
void vcl_strvfreep(char ***v);

#define cleanup_free  __attribute__((cleanup(vcl_freep)))
#define cleanup_close __attribute__((cleanup(vcl_closep)))
#define cleanup_file  __attribute__((cleanup(vcl_fclosep)))
#define cleanup_dir   __attribute__((cleanup(vcl_closedirp)))
#define cleanup_pid   __attribute__((cleanup(vcl_killpidp)))
#define cleanup_strv  __attribute__((cleanup(vcl_strvfreep)))

/* Take ownership out of a cleanup variable. */
#define steal_ptr(p)                                                                               \
	({                                                                                         \
		__typeof__(p) _tmp = (p);                                                          \
		(p) = NULL;                                                                        \
		_tmp;                                                                              \
	})
#define steal_fd(fd)                                                                               \
	({                                                                                         \
		int _tmp = (fd);                                                                   \
		(fd) = -1;                                                                         \
		_tmp;                                                                              \
	})

#define LIKELY(x)     __builtin_expect(!!(x), 1)
#define UNLIKELY(x)   __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
