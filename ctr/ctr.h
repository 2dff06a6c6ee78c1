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
 * engine.c   the podman and docker peers: the same rootfs as an image in the
 *            engine's own storage, run with `run -d` (docs/ctr.md).
 * gvisor.c  the gvisor placement: runsc over the runc bundle (runtime.h).
 * engine_args.c  pure: their `run` argv, the rlimit adjustments, the names
 *            a run's leftovers carry. Unit-tested without root.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <linux/filter.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/backend.h"
#include "core/error.h"

extern const struct vcl_backend_ops vcl_ctr_ops;
extern const struct vcl_backend_ops vcl_runc_ops;
extern const struct vcl_backend_ops vcl_crun_ops;
extern const struct vcl_backend_ops vcl_podman_ops;
extern const struct vcl_backend_ops vcl_docker_ops;
/* The gvisor placement (gvisor.c): runsc over runc's bundle and config. */
extern const struct vcl_backend_ops vcl_gvisor_ops;

/* Does `runsc flags` text list platform in the -platform flag's
 * description ("specifies which platform to use: ptrace (default), kvm")?
 * Pure. */
bool vcl_gvisor_knows_platform(const char *flags_text, const char *platform);
/* The platform the next probe() tries: "auto" (systrap, kvm, ptrace, the
 * first that runs; the default) or one of them alone. Another word is a
 * usage error. */
int vcl_gvisor_want_platform(const char *platform, struct vcl_error **err);
/* The platform probe() chose ("ptrace"), or NULL before a probe. */
const char *vcl_gvisor_platform(void);

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
	VCL_CTR_STEP_SECCOMP,	  /* loading the syscall filter */
	VCL_CTR_STEP_EXEC,	  /* execve of the payload */
	VCL_CTR_STEP_ETC,	  /* /etc/hosts, hostname, resolv.conf (CRI) */
	VCL_CTR_STEP_MNT_SYS,	  /* /sys and the masked /proc paths (CRI) */
	VCL_CTR_STEP_MNT_VOLUMES, /* the pod's volumes (core/volume.h) */
	VCL_CTR_STEP_MAX,
};

/* "pivot_root", "mount /proc", ...; "unknown step" out of range. */
const char *vcl_ctr_step_name(int step);

/* Where the child's setup went: stamps it takes itself on CLOCK_MONOTONIC
 * (the host's clock: there is no time namespace), each as a group of
 * steps ends. The child sends them in the order taken, so a variant that
 * reorders the groups needs no new record. */
enum vcl_ctr_mark {
	VCL_CTR_MARK_ENTRY = 1, /* the child runs: clone (with the pid namespace) done */
	VCL_CTR_MARK_CGROUP,	/* in its cgroup: attached itself, or born there */
	VCL_CTR_MARK_UNSHARE,	/* the other namespaces made */
	VCL_CTR_MARK_MOUNTS,	/* root, /proc, /dev, /sys, masks, hostname, lo, pivot_root */
	VCL_CTR_MARK_LOCKDOWN,	/* capabilities, no_new_privs, seccomp: just before execve */
	VCL_CTR_MARK_MAX,
};
#define VCL_CTR_MAX_MARKS 8

/* What the child writes to the error pipe: when a step fails (step set),
 * and once just before execve (step 0) with its stamps. One write of
 * less than PIPE_BUF, so a record never mixes with another. */
struct vcl_ctr_child_error {
	int step;   /* enum vcl_ctr_step; 0: no error, only the stamps */
	int errnum; /* errno of the failed call */
	unsigned nmarks;
	unsigned char mark[VCL_CTR_MAX_MARKS]; /* enum vcl_ctr_mark, in the order taken */
	uint64_t t[VCL_CTR_MAX_MARKS];	       /* CLOCK_MONOTONIC ns */
};

/* The launch's steps from the child's stamps (pure, oci.c): clone ran
 * from clone_ns (the parent's stamp just before the clone call; start up
 * to it is "cgroup_create": the cgroup, the pipes), each mark ends the step
 * it names, "exec" ends at payload_ns (the payload's own stamp at main;
 * 0: folded into "service") and "service" at ready_ns. Fills t->steps;
 * returns their number, or 0 (t->nsteps 0) when a stamp is missing, out of
 * order or outside [t->start, ready_ns]. */
unsigned vcl_ctr_steps(const struct vcl_ctr_child_error *rec, uint64_t clone_ns,
		       uint64_t payload_ns, uint64_t ready_ns, struct vcl_phases *t);

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
	 * (NULL = "/"), uid/gid, and a tmpfs on /tmp for its writes (strict
	 * mode: the root stays read-only). */
	char *const *env;
	const char *cwd;
	unsigned uid, gid;
	bool tmp_tmpfs;
	/* Confinement: strict (no capabilities, read-only root) or containerd's
	 * CRI defaults with the service's securityContext (sec, NULL = none):
	 * its capabilities, /dev with pts, shm and mqueue, /sys read-only,
	 * masked /proc paths, and etc_dir's hosts, hostname and resolv.conf
	 * bound on /etc (NULL: none). */
	enum vcl_security_mode mode;
	const struct vcl_security *sec;
	const char *etc_dir;
	/* A pod's container: the pid of the sandbox holder whose network, IPC
	 * and UTS namespaces it joins (/proc/PID/ns/...); 0: its own. */
	int sandbox_pid;
	/* The pod's volumes: an emptyDir a tmpfs mount, a configMap or
	 * secret a read-only bind of vol_dir/vol-<i> (filled by the caller,
	 * core/volume.h); sec's fsGroup and supplementalGroups become
	 * additionalGids. */
	const struct vcl_volume *vols;
	size_t nvols;
	const char *vol_dir;
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

/* ---- containerd's CRI defaults (cri.c, pure) --------------------------- */

/* The default capability set as a mask (bit n = capability n), and every
 * capability the headers know. */
uint64_t vcl_cri_default_caps(void);
uint64_t vcl_cri_all_caps(void);
/* The container's bounding (and, for root, permitted and effective) set:
 * strict: none; privileged: all; else the default set with add/drop. */
uint64_t vcl_cri_caps(const struct vcl_security *sec, enum vcl_security_mode mode);
bool vcl_cri_read_only_root(const struct vcl_security *sec, enum vcl_security_mode mode);
bool vcl_cri_no_new_privs(const struct vcl_security *sec, enum vcl_security_mode mode);
/* The syscall filter (RuntimeDefault), unless Unconfined, privileged or
 * --ctr-no-seccomp. */
bool vcl_cri_seccomp(const struct vcl_security *sec, enum vcl_security_mode mode, bool no_seccomp);
/* Masked and read-only /proc and /sys paths apply (not privileged). */
bool vcl_cri_masks(const struct vcl_security *sec, enum vcl_security_mode mode);
/* runAsNonRoot against the user the container starts as: -1 and why. */
int vcl_cri_check_user(const struct vcl_security *sec, uid_t uid, char *why, size_t size);
/* The user svc starts as; in CRI mode one that runAsNonRoot refuses is a
 * usage error naming the service. */
int vcl_cri_svc_user(const struct vcl_svc_spec *svc, enum vcl_security_mode mode, uid_t *uid,
		     gid_t *gid, struct vcl_error **err);
/* "CAP_CHOWN" for CAP_CHOWN (libcap's name upper-cased); -1 if unknown. */
int vcl_cri_cap_name(unsigned cap, char *buf, size_t size);
/* "cri" or "strict", as results.json labels a run. */
const char *vcl_security_mode_name(enum vcl_security_mode mode);
/* NULL-terminated path lists (the OCI spec's defaults). */
extern const char *const vcl_cri_masked_paths[];
extern const char *const vcl_cri_readonly_paths[];

/* A read-only recursive bind mount entry ("mounts" array) for a config. */
struct json_object *vcl_oci_bind_mount(const char *src, const char *dest);

/* The runtime's own explanation out of what runc or crun printed: the msg
 * field of the last logrus "level=error" line (runc), else the last
 * non-empty line (crun). Returns its length, 0 when there is none. Pure. */
int vcl_oci_runtime_message(const char *text, char *out, size_t size);

/* CPU limit in cores as a CFS quota over VCL_CTR_CFS_PERIOD µs; 0 = none. */
#define VCL_CTR_CFS_PERIOD 100000u
long long vcl_ctr_cfs_quota(double cpus);

/* ---- pods (pod.c) ------------------------------------------------------ */

/* Start a pod's sandbox holder (containerd's pause): a child in cg (NULL:
 * none) with its own network, IPC and UTS namespaces, hostname set and
 * loopback up, then the static payload's --pause. Recorded in the ledger.
 * *pid and *pidfd are set as soon as it exists (kill and reap it with
 * vcl_proc_kill_reap); ns (may be NULL) gets O_CLOEXEC fds of its net,
 * ipc and uts namespaces. */
struct vcl_cgroup;
int vcl_ctr_sandbox_start(const struct vcl_spec *spec, struct vcl_cgroup *cg, const char *hostname,
			  pid_t *pid, int *pidfd, int ns[3], struct vcl_error **err);

/* ---- a service container's root and /etc files (svcroot.c) ----------- */

/* Mount an overlay on DIR/rootfs: lower the cached rootfs, upper and work
 * DIR/upper and DIR/work (created), recorded in the ledger first. root
 * gets DIR/rootfs. */
int vcl_ctr_svc_root(struct vcl_ledger *ledger, const char *dir, const char *lower, char *root,
		     size_t size, struct vcl_error **err);
/* Detach DIR/rootfs (before DIR is removed). */
void vcl_ctr_svc_root_release(const char *dir);
/* The text of the container's /etc/hosts (localhost, ::1, its hostname)
 * and /etc/resolv.conf (the host's, as containerd copies it). -1 when the
 * hostname does not fit. */
int vcl_ctr_etc_text(const char *hostname, char *hosts, size_t hsize, char *resolv, size_t rsize);
/* DIR/hosts, DIR/hostname and DIR/resolv.conf for the bind mounts. */
int vcl_ctr_etc_files(const char *dir, const char *hostname, struct vcl_error **err);

/* ---- helpers of the peers (peer_tools.c): runtime, engine, gvisor ---- */

/* Find name in PATH (and root's usual sbin folders) into bin. */
int vcl_ctr_find_bin(const char *name, char *bin, size_t size, struct vcl_error **err);
/* Run bin with stdin from /dev/null, stderr into log, stdout into out
 * (NULL: into log too; files, not pipes: a detached container inherits
 * them), ready_w (when >= 0) as fd 3. Waits for it; *status as waitpid. */
int vcl_ctr_spawn_wait(const char *bin, char *const argv[], const char *out, const char *log,
		       int ready_w, int *status, struct vcl_error **err);
/* The same without the wait, with attr (may be NULL; a process group of
 * its own for a call killed at a time limit): *pid is the child. */
int vcl_ctr_spawn(const char *bin, char *const argv[], const char *out, const char *log,
		  int ready_w, const posix_spawnattr_t *attr, pid_t *pid, struct vcl_error **err);
/* Error for a tool call that failed, in the tool's own words (its log,
 * through vcl_oci_runtime_message). Returns -1. */
int vcl_ctr_tool_failed(const char *name, const char *verb, int status, const char *log,
			enum vcl_error_kind kind, struct vcl_error **err);

/* The READY pipe of a detached peer: *ready_w goes to the runtime as fd 3,
 * *ready_r (non-blocking, as the shared READY reader wants) becomes the
 * instance's ready_fd. Both CLOEXEC. */
int vcl_ctr_ready_pipe(int *ready_r, int *ready_w, struct vcl_error **err);
/* ops->ready of a detached peer: feed its READY line, stamp t.ready. */
struct vcl_readyline;
int vcl_ctr_ready_feed(struct vcl_instance *inst, struct vcl_readyline *rl, struct vcl_error **err);
/* ops->exited of a detached peer (who: "runc", "podman"): an OOM kill by
 * the cgroup cg, else died with no status to read. Returns -1. */
struct vcl_cgroup;
int vcl_ctr_detached_exited(const char *who, const char *name, struct vcl_cgroup *cg,
			    struct vcl_error **err);

/* The ops of a peer over impl_probe, impl_prepare, impl_launch and
 * impl_cleanup: name_probe and name_prepare hand impl the peer's static
 * description tmpl (what probe finds out about the host: its binary);
 * prepare returns a run context, which name_launch and name_cleanup hand
 * on. */
#define VCL_CTR_PEER_WRAPPERS(name, impl, tmpl)                                                    \
	static int name##_probe(const struct vcl_host *host, struct vcl_error **err)               \
	{                                                                                          \
		(void)host;                                                                        \
		return impl##_probe(&(tmpl), err);                                                 \
	}                                                                                          \
	static int name##_prepare(const struct vcl_spec *spec, void **ctx, struct vcl_error **err) \
	{                                                                                          \
		return impl##_prepare(&(tmpl), spec, ctx, err);                                    \
	}                                                                                          \
	static int name##_launch(void *ctx, const struct vcl_spec *spec,                           \
				 struct vcl_instance **out, struct vcl_error **err)                \
	{                                                                                          \
		return impl##_launch(ctx, spec, out, err);                                         \
	}                                                                                          \
	static void name##_cleanup(void *ctx, const struct vcl_spec *spec)                         \
	{                                                                                          \
		impl##_cleanup(ctx, spec);                                                         \
	}

/* ---- engines (engine_args.c: pure) ------------------------------------- */

enum vcl_engine_kind { VCL_ENGINE_PODMAN, VCL_ENGINE_DOCKER };

/* The limits the host sets on what the engine may give a container. */
struct vcl_engine_host {
	uint64_t nofile_hard; /* RLIMIT_NOFILE hard limit of vclab (inherited by the engine) */
	uint64_t nproc_hard;  /* RLIMIT_NPROC hard limit */
	uint64_t pid_max;     /* kernel.pid_max; 0 = unknown */
};

/* One thing the peer sets because the engine's default does not work here
 * (results.json: peers.<engine>.adjustments[]). */
struct vcl_engine_adjust {
	char what[32];		 /* "ulimit nofile" */
	char engine_default[32]; /* "1048576:1048576" */
	char set[32];		 /* "20000:20000": the value passed */
	char option[64];	 /* "--ulimit nofile=20000:20000" */
	char reason[256];
};
#define VCL_ENGINE_MAX_ADJUST 4

/* podman 4.x gives a rootful container RLIMIT_NOFILE and RLIMIT_NPROC of
 * 1048576:1048576 unless --ulimit says otherwise; runc cannot raise a hard
 * limit above the engine's own without CAP_SYS_RESOURCE, and fails with
 * "error setting rlimit type 7: operation not permitted". podman caps its
 * own RLIMIT_NPROC at kernel.pid_max (it runs with 32768:32768 here, where
 * vclab has 96365), so that is the ceiling for nproc. docker sets no rlimit
 * (the container inherits containerd's). Fills out with what must change;
 * returns how many. Pure. */
size_t vcl_engine_ulimits(enum vcl_engine_kind kind, const struct vcl_engine_host *h,
			  struct vcl_engine_adjust *out, size_t max);

/* Everything one `ENGINE run -d` says. Strings are borrowed. */
struct vcl_engine_run {
	enum vcl_engine_kind kind;
	const char *bin;	   /* the engine's program */
	const char *name;	   /* container name and hostname: vclab-<run>-<n> */
	const char *image;	   /* image reference in the engine's storage */
	const char *cgroup_parent; /* "/vclab/<run>" */
	const struct vcl_limits *limits;
	const char *cpuset;	  /* NULL = inherit */
	const char *seccomp_file; /* the ctr filter as JSON; NULL = unconfined */
	bool userns;		  /* the VCL_CTR_USERNS_* maps */
	bool ready_fd;		  /* hand fd 3 through (podman --preserve-fds 1) */
	const struct vcl_engine_adjust *adjust;
	size_t nadjust;
	char *const *args; /* the payload's argv from argv[0], NULL-terminated */
	/* The user's service (issue 14): its complete environment, working
	 * folder and uid:gid, a tmpfs on /tmp for its writes (as runc's), and
	 * (podman) the file its output goes to. service false: the payload. */
	bool service;
	char *const *env; /* NULL-terminated or NULL */
	const char *cwd;  /* NULL = the image's */
	unsigned uid, gid;
	const char *log_path; /* podman --log-opt path=; NULL = the engine's */
	/* Confinement (cri.c), as for runc: strict drops every capability
	 * and makes the root read-only (a tmpfs on /tmp for a service); CRI
	 * gives exactly caps (containerd's set, not the engine's own), a
	 * writable root unless ro_root, no_new_privs only when nnp. */
	enum vcl_security_mode mode;
	uint64_t caps;
	bool ro_root, nnp, privileged;
};

/* The argv of `run -d --rm` for r: own network namespace with only
 * loopback (--network none, as ctr and runc), read-only root, no
 * capabilities, no-new-privileges, the seccomp file, the limits, the
 * adjustments; podman with --runtime runc (crun 1.8 refuses this hybrid
 * cgroup host) and --pull never; a service adds --user, --workdir, one
 * --env per variable and --tmpfs /tmp. NULL-terminated, malloc'd (free with
 * vcl_strvfreep). NULL with *err on bad input. Pure. */
char **vcl_engine_run_argv(const struct vcl_engine_run *r, struct vcl_error **err);

/* The image repository of a run: "vclab-<run>" (podman stores it as
 * "localhost/vclab-<run>"; a user's image is loaded as
 * "localhost/vclab-<run>:svc" into both engines). */
int vcl_engine_image_repo(char *buf, size_t size, const char *run_id);
/* Is name a container of run_id ("vclab-<run>-<n>", an optional leading
 * '/' as docker prints it)? Pure. */
bool vcl_engine_is_run_container(const char *name, const char *run_id);
/* Is ref ("[localhost/]vclab-<run>:<tag>") an image of run_id? Pure. */
bool vcl_engine_is_run_image(const char *ref, const char *run_id);

/* Undo a ledger record "engine ENGINE RUN": remove every container and
 * image of that run from the engine's storage (gc of a crashed run, and
 * teardown after a normal one). Missing engines or objects are success. */
int vcl_engine_undo(const char *engine, const char *run_id, bool dry_run, bool print,
		    struct vcl_error **err);

/* ---- rootfs (rootfs.c), shared by ctr and the peers -------------------- */

/* One run's hold on <state_dir>/ctr-rootfs, the folder holding only
 * /vclab-payload (a copy of spec->payload), /proc and /dev. Runs of one
 * state_dir (ctr and its peers) share the folder; it goes with the last
 * hold. Start from {0}: not held. */
struct vcl_ctr_rootfs {
	const char *path;     /* the folder; NULL: not held */
	unsigned long mflags; /* MS_NOSUID, MS_NODEV of the mount holding it: a
			       * read-only remount of a bind in a user
			       * namespace must keep them (they are locked) */
};

/* Hold the folder of spec->state_dir in *fs, building it on the first hold
 * (recorded in the ledger as `dir` before it is made). Idempotent on a
 * held *fs. */
int vcl_ctr_rootfs_prepare(const struct vcl_spec *spec, struct vcl_ctr_rootfs *fs,
			   struct vcl_error **err);
/* Undo the hold (nothing when *fs is not held); the last removes the
 * folder. */
void vcl_ctr_rootfs_release(struct vcl_ctr_rootfs *fs);

#endif
