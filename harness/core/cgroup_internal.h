/* SPDX-License-Identifier: MIT */
#ifndef VCL_CGROUP_INTERNAL_H
#define VCL_CGROUP_INTERNAL_H

/*
 * Inside core/cgroup: what the two modes share, as crun's
 * cgroup-internal.h. core/cgroup.c holds the public API and picks one
 * struct vcl_cgroup_ops once (the only place that asks which mode this
 * host is in); core/cgroup_v1.c (v1 and the hybrid, through libcgroup) and
 * core/cgroup_v2.c (the unified tree, plain files) fill one in each.
 * Nothing outside core/cgroup*.c includes this but the unit tests, which
 * feed its pure parts literal input.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "core/cgroup.h"

/* Where the unified hierarchy is mounted on a v2 host. */
#define VCL_CG_V2_ROOT "/sys/fs/cgroup"

/* cpuset is VCL_CGROUP_NO_CPUSET: the cgroup gets no cpuset controller. */
static inline bool vcl_cg_no_cpuset(const char *cpuset)
{
	return cpuset != NULL && cpuset[0] == '\0';
}

/* Whether a cgroup made with cpuset has controller: every one but cpuset
 * under VCL_CGROUP_NO_CPUSET. */
static inline bool vcl_cg_has_controller(const char *cpuset, const char *controller)
{
	return !vcl_cg_no_cpuset(cpuset) || strcmp(controller, "cpuset") != 0;
}

struct vcl_cgroup {
	char path[256];
	bool owned; /* created by us: destroy removes it */
	/* Absolute cgroup.procs files, precomputed so that attaching from a
	 * freshly forked or cloned child needs no allocation. */
	char procs[8][320];
	unsigned nprocs;
};

/* What differs between the modes. Paths are relative to the controller
 * roots ("vclab/<run>/<n>"), as in cgroup.h. */
struct vcl_cgroup_ops {
	/* The controllers an instance cgroup joins. */
	const char *const *controllers;
	size_t ncontrollers;
	/* The line of /proc/PID/cgroup that open_pid reads, for its error. */
	const char *proc_line;
	/* Absolute folder of path for controller, NULL when it has none.
	 * Caller frees. */
	char *(*dir)(const char *controller, const char *path);
	/* Make path (and its parents) with the controllers, the cpuset
	 * (NULL: inherit; VCL_CGROUP_NO_CPUSET: without that controller) and
	 * lim's knobs (NULL: accounting only). */
	int (*create)(const char *path, const struct vcl_limits *lim, const char *cpuset,
		      struct vcl_error **err);
	/* The cgroup to read for a process, out of the text of its
	 * /proc/PID/cgroup. -1 when there is no such line, or out is short. */
	int (*proc_cgroup)(const char *text, char *out, size_t len);
	/* The figures of vcl_cg_stats the mode reads (all but pids); -1 only
	 * when memory usage cannot be read. */
	int (*stats)(const char *path, struct vcl_cg_stats *st, struct vcl_error **err);
	/* Every task in path (and, where tasks sit below it, its subtree). */
	int (*procs)(const char *path, pid_t **pids, size_t *n, struct vcl_error **err);
	/* Optional: kill the whole subtree at once, before the SIGKILL loop. */
	void (*kill_tree)(const char *path);
	/* Optional: an O_PATH fd of path for clone3's CLONE_INTO_CGROUP. */
	int (*dirfd)(const char *path);
};

extern const struct vcl_cgroup_ops vcl_cgroup_v1_ops;
extern const struct vcl_cgroup_ops vcl_cgroup_v2_ops;

/* libcgroup, initialised once (vcl_cgroup_dir and the API calls it). */
int vcl_cgroup_lib_init(struct vcl_error **err);

/* ---- the one table from vcl_limits to knobs ---- */

/* One value to write: knob `name` of `controller`. */
struct vcl_cg_knob {
	const char *controller;
	const char *name;
	char value[48];
	/* The kernel may not have it (memory.swap.max without swap
	 * accounting): skipped when absent instead of failing. */
	bool optional;
};
#define VCL_CG_MAX_KNOBS 8

/* Pure: the knobs that carry lim in v2's names (v2) or v1's, in the order
 * they are written; lim NULL or all zero gives none. Returns how many of
 * out[max] it filled. */
size_t vcl_cgroup_limit_knobs(const struct vcl_limits *lim, bool v2, struct vcl_cg_knob *out,
			      size_t max);

/* ---- the one pid-list reader ---- */

/* A growing list of pids, each once. */
struct vcl_cg_pids {
	pid_t *v;
	size_t n, cap;
};
/* Pure: add the pids of a cgroup.procs text ("12\n345\n") to l, skipping
 * those already there; stops at the first thing that is not a number.
 * -1 when out of memory (l keeps what it had). */
int vcl_cgroup_pids_parse(struct vcl_cg_pids *l, const char *text);
/* The pids of file (a cgroup.procs) added to l; -1 with errno when
 * unreadable. */
int vcl_cgroup_pids_read(struct vcl_cg_pids *l, const char *file);

/* ---- reading knobs ---- */

/* Pure: the value of "key value" in a flat-keyed text (memory.stat,
 * cpu.stat, memory.events, memory.oom_control). -1 when key is absent. */
int vcl_cgroup_keyed_value(const char *text, const char *key, uint64_t *v);
/* The number in controller's knob of path. On failure, why (when not
 * NULL) says "<knob> unreadable: <reason>". */
int vcl_cgroup_read_u64(const char *controller, const char *path, const char *knob, uint64_t *v,
			char *why, size_t len);
/* The text of controller's file of path, NULL when unreadable. Caller
 * frees. */
char *vcl_cgroup_read_text(const char *controller, const char *path, const char *file);
/* The value of key in controller's flat-keyed file of path. */
int vcl_cgroup_read_keyed(const char *controller, const char *path, const char *file,
			  const char *key, uint64_t *v);

/* Is word one of the space-separated words of list? */
bool vcl_cgroup_word_in(const char *list, const char *word);

#endif
