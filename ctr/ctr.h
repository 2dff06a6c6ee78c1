/* SPDX-License-Identifier: MIT */
#ifndef VCL_CTR_H
#define VCL_CTR_H

/*
 * The container placement (`ctr`) and its same-run peers (`runc`, `crun`).
 *
 * ctr.c      launch/destroy of one container: clone(CLONE_NEW*), a private
 *            mount tree, pivot_root into the shared read-only rootfs,
 *            capabilities dropped, exec of the payload (docs/ctr.md).
 * rootfs.c   the rootfs, built once per run and shared by ctr, runc, crun.
 * oci.c      pure: OCI config.json for the peers, uid/gid map strings,
 *            names of the child's setup steps. Unit-tested without root.
 * runtime.c  the runc and crun peers over the same rootfs and payload.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <linux/filter.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/backend.h"
#include "core/error.h"

extern const struct vcl_backend_ops vcl_ctr_ops;
extern const struct vcl_backend_ops vcl_runc_ops;
extern const struct vcl_backend_ops vcl_crun_ops;

/* Port the payload listens on inside every container: each container has
 * its own network namespace, so they can all use the same one. */
#define VCL_CTR_PORT 8080u
/* Path of the payload inside the rootfs. */
#define VCL_CTR_PAYLOAD "/vclab-payload"
/* User-namespace mode: container uid/gid 0..COUNT-1 are host BASE.. */
#define VCL_CTR_USERNS_BASE  100000u
#define VCL_CTR_USERNS_COUNT 65536u

/* ---- pure parts (oci.c) ------------------------------------------------ */

/* Setup steps of the container's init before it execs the payload. The
 * child reports the step that failed and its errno over the error pipe. */
enum vcl_ctr_step {
	VCL_CTR_STEP_SYNC = 1, /* waiting for the parent (userns: maps written) */
	VCL_CTR_STEP_SETID,    /* setresuid/setresgid(0) inside the user namespace */
	VCL_CTR_STEP_CGROUP,   /* attaching itself to its cgroup */
	VCL_CTR_STEP_UNSHARE,  /* unshare of the mount/uts/ipc/net/cgroup namespaces */
	VCL_CTR_STEP_NOTIFY,   /* telling the parent the namespaces exist */
	VCL_CTR_STEP_FDS,      /* moving the READY pipe to fd 3 */
	VCL_CTR_STEP_MNT_PRIVATE,
	VCL_CTR_STEP_MNT_BIND,	  /* bind of the rootfs onto itself */
	VCL_CTR_STEP_MNT_OVERLAY, /* a service's rootfs: tmpfs upper over the image */
	VCL_CTR_STEP_CHDIR,	  /* into the rootfs */
	VCL_CTR_STEP_MNT_RO,	  /* read-only remount of the rootfs bind */
	VCL_CTR_STEP_MNT_PROC,	  /* /proc */
	VCL_CTR_STEP_MNT_DEV,	  /* tmpfs on /dev */
	VCL_CTR_STEP_DEV_NODE,	  /* /dev/null, zero, urandom */
	VCL_CTR_STEP_DEV_RO,	  /* read-only remount of /dev */
	VCL_CTR_STEP_HOSTNAME,	  /* sethostname */
	VCL_CTR_STEP_LOOPBACK,	  /* bringing lo up */
	VCL_CTR_STEP_PIVOT_ROOT,  /* pivot_root(".", ".") */
	VCL_CTR_STEP_UMOUNT_OLD,  /* detaching the old root */
	VCL_CTR_STEP_CAPS,	  /* dropping every capability */
	VCL_CTR_STEP_NO_NEW_PRIVS,
	VCL_CTR_STEP_SECCOMP, /* loading the syscall filter */
	VCL_CTR_STEP_EXEC,    /* execve of the payload */
	VCL_CTR_STEP_MAX,
};

/* "pivot_root", "mount /proc", ...; "unknown step" out of range. */
const char *vcl_ctr_step_name(int step);

/* What the child writes to the error pipe when a step fails. */
struct vcl_ctr_child_error {
	int step;   /* enum vcl_ctr_step */
	int errnum; /* errno of the failed call */
};

/* One line of /proc/PID/uid_map or gid_map: "INSIDE OUTSIDE COUNT\n".
 * Returns the length, or -1 when it does not fit or count is 0, or the
 * ranges overflow 32 bits. */
int vcl_ctr_idmap(char *buf, size_t size, unsigned inside, unsigned outside, unsigned count);

/* Everything the OCI config of a peer container says. */
struct vcl_oci_params {
	const char *rootfs;	  /* absolute path, mounted read-only */
	const char *hostname;	  /* also the container id */
	const char *cgroups_path; /* "/vclab/<run>/<n>" */
	char *const *args;	  /* payload argv, NULL-terminated */
	const struct vcl_limits *limits;
	const char *cpuset; /* NULL = inherit */
	bool userns;	    /* add a user namespace with the VCL_CTR_USERNS_* maps */
	bool seccomp;	    /* the ctr syscall filter (vcl_seccomp_oci) */
	/* The user's service: its environment (NULL = PATH=/ only), cwd
	 * (NULL = "/"), uid/gid, and a tmpfs on /tmp for its writes. */
	char *const *env;
	const char *cwd;
	unsigned uid, gid;
	bool tmp_tmpfs;
};

/* The OCI runtime-spec config (1.0.2) of a peer container: the same
 * namespaces, read-only root, /proc, a tmpfs /dev, no capabilities,
 * no_new_privs and cgroup limits as a ctr container. Pure. Returns NULL
 * with *err set on bad parameters. */
struct json_object *vcl_oci_config(const struct vcl_oci_params *p, struct vcl_error **err);

/* ---- syscall filter (seccomp.c), shared by ctr and the peers ---------- */

/* Syscalls a container may not make (EPERM), NULL-terminated; clone3 gets
 * ENOSYS, and clone() with a flag of vcl_seccomp_clone_ns (0-terminated)
 * gets EPERM. Everything else is allowed. */
extern const char *const vcl_seccomp_denied[];
extern const unsigned long vcl_seccomp_clone_ns[];
/* The same policy as an OCI "linux.seccomp" object. */
struct json_object *vcl_seccomp_oci(void);
/* The same policy as a BPF program for PR_SET_SECCOMP, built with
 * libseccomp; prog->filter is malloc'd. */
int vcl_seccomp_build(struct sock_fprog *prog, struct vcl_error **err);

/* A read-only recursive bind mount entry ("mounts" array) for a config. */
struct json_object *vcl_oci_bind_mount(const char *src, const char *dest);

/* The runtime's own explanation out of what runc or crun printed: the msg
 * field of the last logrus "level=error" line (runc), else the last
 * non-empty line (crun). Returns its length, 0 when there is none. Pure. */
int vcl_oci_runtime_message(const char *text, char *out, size_t size);

/* CPU limit in cores as a CFS quota over VCL_CTR_CFS_PERIOD µs; 0 = none. */
#define VCL_CTR_CFS_PERIOD 100000u
long long vcl_ctr_cfs_quota(double cpus);

/* ---- rootfs (rootfs.c), shared by ctr and the peers -------------------- */

/* Build (once per run, idempotent) <state_dir>/ctr-rootfs holding only
 * /vclab-payload (a copy of spec->payload), /proc and /dev; recorded in
 * the ledger as `dir` before it is made. *path (may be NULL) gets the
 * folder; it stays valid until the last vcl_ctr_rootfs_release(). */
int vcl_ctr_rootfs_prepare(const struct vcl_spec *spec, const char **path, struct vcl_error **err);
/* Undo one prepare; the folder is removed with the last one. */
void vcl_ctr_rootfs_release(const struct vcl_spec *spec);
/* The prepared rootfs folder, or NULL before prepare. */
const char *vcl_ctr_rootfs_path(void);
/* Mount flags (MS_NOSUID, MS_NODEV, MS_NOEXEC) of the mount holding the
 * rootfs: a read-only remount of a bind in a user namespace must keep
 * them (they are locked), so the child adds them. */
unsigned long vcl_ctr_rootfs_mount_flags(void);

#endif
