/* SPDX-License-Identifier: MIT */
#ifndef VCL_CTR_CHILD_H
#define VCL_CTR_CHILD_H

/*
 * What the two sides of the ctr placement share (ctr/ctr.c, the parent:
 * prepare, clone, wait; ctr/ctr_child.c, the child: from clone to execve).
 * Internal to ctr/.
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/types.h>

#include "ctr/ctr.h"

/* What the run's mode and the service's securityContext give (prepare()). */
struct cri_conf {
	bool cri;      /* containerd's mounts; else strict's minimal /dev */
	bool ro_root;  /* read-only root (the payload's always) */
	bool nnp;      /* no_new_privs */
	bool masks;    /* masked and read-only /proc paths */
	uint64_t caps; /* bounding set (and root's permitted/effective) */
	cap_t capset;  /* caps as the process set of a root container */
};

/* What the child needs, prepared by the parent so the child allocates
 * nothing: it runs in a copy of the parent's memory (no CLONE_VM). */
struct child_args {
	const char *rootfs;
	const char *hostname;
	char *const *argv;
	struct vcl_cgroup *cg;
	cap_t nocaps;
	const struct sock_fprog *seccomp; /* NULL: none */
	unsigned long mflags;		  /* locked flags of the rootfs mount */
	bool userns;
	bool vm;	  /* CLONE_VM | CLONE_VFORK: it runs in the harness's memory */
	sigset_t sigmask; /* the harness's signal mask, the payload's at exec */
	bool born_in_cg;  /* clone3(CLONE_INTO_CGROUP) made it there: no attach */
	int ready_w;	  /* becomes fd 3, --ready-fd 3 */
	int err_w;	  /* CLOEXEC: a successful exec closes it */
	int sync_r;	  /* userns: the parent writes one byte once the maps are set */
	int nsready_w;	  /* the child writes one byte once its namespaces exist */
	/* The user's service (NULL: the payload): its rootfs is the read-only
	 * lower layer of an overlay whose upper layer is a private tmpfs on
	 * ovl_dir (a folder of the run shared by every container; each mounts
	 * its own tmpfs there in its own mount namespace). */
	const struct vcl_svc_spec *svc;
	int log_fd; /* the service's stdout and stderr */
	char ovl_dir[256], ovl_root[280], ovl_opts[1024];
	/* The confinement (cri.c): containerd's defaults or strict. */
	const struct cri_conf *cri;
	uid_t uid; /* the service's user (runAsUser over the image's) */
	gid_t gid;
	gid_t groups[17]; /* supplementary: fsGroup, supplementalGroups */
	size_t ngroups;
	char hosts[512], resolv[4096];	/* /etc/hosts and /etc/resolv.conf (CRI) */
	struct vcl_ctr_child_error rec; /* the child's stamps so far (its copy) */
	/* A pod's container: the sandbox's net, ipc and uts namespaces to
	 * join instead of making its own (-1: none, a container of its own). */
	int sandbox_ns[3];
	const struct sock_fprog *pod_filter; /* the run's filter, for the pod's others */
	char *pod_stack;		     /* the run's clone stack, for the pod's others */
};

/* The child's whole life, from clone() to execve() of the payload or the
 * service (arg: its struct child_args). A setup step that fails is sent
 * back over a->err_w and ends the child with 127; it never returns. */
int child_main(void *arg);

#endif
