/* SPDX-License-Identifier: MIT */
#ifndef VCL_BACKEND_H
#define VCL_BACKEND_H

/*
 * The backend vtable every placement implements (bare, ctr, vm) and every
 * same-run peer too (runc, crun, qemu-direct): the harness launches, waits,
 * samples and destroys them all through this one interface, so the numbers
 * are comparable. Readiness is the harness's job (probe.c), never the
 * backend's: launch returns at once with an endpoint.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

struct vcl_host;
struct json_object;
struct vcl_ledger;
struct vcl_ledger_kind;

/* Resource limits every placement gets alike (fairness, issue 5). */
struct vcl_limits {
	uint64_t mem_mib; /* memory limit of the instance's cgroup (ctr, and guest RAM for vm) */
	double cpus;	  /* CPU quota in cores, 0 = unlimited */
	unsigned pids;	  /* pids limit, 0 = unlimited */
};

/* How the harness knows a service is ready (core/probe.c), the same for
 * every placement. The built-in payload: GET /healthz answers 200. */
enum vcl_ready_kind {
	VCL_READY_HTTP = 0,
	VCL_READY_TCP,
	/* A command run inside the instance (Kubernetes' exec probe), through
	 * the backend's exec op: ready when it exits 0. */
	VCL_READY_EXEC,
};
struct vcl_ready {
	enum vcl_ready_kind kind;
	char path[128]; /* HTTP: the request path, "/" ... */
	int status;	/* HTTP: the status that counts as ready (200) */
	/* HTTP: when above status, any status in [status, status_max] counts
	 * (a Kubernetes httpGet probe takes 200-399); 0 = status only. */
	int status_max;
	/* TCP with a short request/response (redis "PING\r\n" -> "+PONG"):
	 * send these bytes once connected; ready when the answer starts with
	 * expect. send_len 0 = ready on the connection itself. */
	char send[128];
	size_t send_len;
	char expect[128];
	size_t expect_len;
	/* EXEC: the command (argv[0] a path, or a name looked up in the
	 * service's PATH), borrowed from the service; run with the service's
	 * user, environment and folder, given timeout_ms (timeoutSeconds). */
	char *const *argv;
	unsigned timeout_ms;
};

/*
 * How a container is confined: Kubernetes' securityContext (container
 * fields over the pod's), as containerd's CRI plugin turns it into an OCI
 * spec (docs/ctr.md). All zero is containerd's default: its default
 * capability set, a writable root, privilege escalation allowed, seccomp
 * RuntimeDefault, the image's user. ctr, runc and podman apply it; bare
 * and vm run the service as the image says (uid/gid and read-only root
 * only).
 */
enum vcl_seccomp_mode {
	VCL_SECCOMP_RUNTIME_DEFAULT = 0, /* containerd's default profile, via libseccomp */
	VCL_SECCOMP_UNCONFINED,		 /* no filter */
};

struct vcl_security {
	uint64_t cap_add;     /* capabilities.add: bit n = CAP number n (libcap's cap_from_name) */
	uint64_t cap_drop;    /* capabilities.drop; "ALL" sets every bit */
	bool privileged;      /* every capability, no seccomp, /sys and /proc unmasked, rw */
	bool read_only_root;  /* readOnlyRootFilesystem */
	bool no_new_privs;    /* allowPrivilegeEscalation: false */
	bool run_as_non_root; /* runAsNonRoot: refuse to start as uid 0 */
	bool has_user, has_group;      /* runAsUser / runAsGroup given */
	uid_t run_as_user;	       /* overrides the image's user when has_user */
	gid_t run_as_group;	       /* overrides the image's group when has_group */
	enum vcl_seccomp_mode seccomp; /* seccompProfile.type */
	/* The pod's fsGroup: the group of its volumes' files, and one more
	 * supplementary group of the process (as the kubelet and containerd
	 * give it); then supplementalGroups. */
	bool has_fs_group;
	gid_t fs_group;
	gid_t supp_groups[16];
	unsigned nsupp;
};

/*
 * A pod volume the service sees (Kubernetes emptyDir, configMap, secret):
 * a tmpfs of its own at target holding files (none for an emptyDir),
 * group fs_group when the pod has one (core/volume.h mounts it). Strings
 * are borrowed from the service.
 */
struct vcl_vol_file {
	const char *path; /* relative to the volume ("index.html"), no ".." */
	const char *data;
	size_t len;
	unsigned mode; /* items[].mode, else defaultMode, else 0644 */
};

struct vcl_volume {
	const char *name;    /* volumes[].name */
	const char *target;  /* volumeMounts[].mountPath: absolute, inside the root */
	bool empty;	     /* an emptyDir (world-writable); else configMap or secret */
	bool read_only;	     /* configMap and secret always; emptyDir by readOnly */
	uint64_t size_bytes; /* emptyDir sizeLimit; 0 = tmpfs's default (half of RAM) */
	/* A folder on the host's disk bound at target instead of a tmpfs (a
	 * hostPath, or an emptyDir on the node's disk): the resource
	 * scenarios' /scratch. A VM gets a virtio-blk data disk instead. */
	const char *host_dir;
	/* In a VM guest: the block device of that data disk ("/dev/vdd"),
	 * an ext4 file system mounted at target. */
	const char *block_dev;
	const struct vcl_vol_file *files;
	size_t nfiles;
};

/* The run-wide container confinement (--security). */
enum vcl_security_mode {
	VCL_SECURITY_CRI = 0, /* containerd's CRI defaults, then each service's securityContext */
	VCL_SECURITY_STRICT,  /* vclab's older mode: no capabilities, read-only root, seccomp */
};

/*
 * The user's own service (image/ fills it in from an OCI image, a rootfs or
 * a host binary): what every placement runs instead of the payload. It has
 * no READY line: readiness is its port accepting, then the first good
 * answer to `ready`. Strings are borrowed from the image layer.
 */
struct vcl_svc_spec {
	const char *name;   /* services.<name> in results.json, instance hostnames */
	const char *rootfs; /* unpacked rootfs (never written), NULL for --binary */
	/* bare and ctr: the overlay's upper layer in this host folder (on
	 * disk, where runc under containerd or podman keeps it) instead of a
	 * private tmpfs; one launch at a time. NULL: the tmpfs. */
	const char *upper_dir;
	char *const *argv; /* argv[0] is a path inside rootfs (or on the host) */
	char *const *envp; /* the complete environment, NULL-terminated */
	const char *cwd;   /* working directory inside rootfs, "/" by default */
	uid_t uid;
	gid_t gid;
	uint16_t port; /* TCP port the service listens on (inside its netns) */
	struct vcl_ready ready;
	struct vcl_security sec;       /* its securityContext; zero = containerd's defaults */
	const struct vcl_volume *vols; /* its pod volumes, mounted in every placement */
	size_t nvols;
	/* The rootfs as a read-only ext4 disk image for the VM placements
	 * (image/disk.c): built on the first call (its files recorded in
	 * ledger first), reused after; *path lives as long as the service.
	 * NULL when there is no rootfs (--binary). */
	int (*disk)(const struct vcl_svc_spec *svc, struct vcl_ledger *ledger, const char **path,
		    struct vcl_error **err);
	/* Write the image itself as a docker-archive at path, tagged tag
	 * ("localhost/vclab-<run>:svc"), for the engine peers' `load`; NULL
	 * when the service has no image (rootfs:DIR, --binary). The image
	 * layer sets it and runs skopeo; placements only call it. */
	int (*export_archive)(const struct vcl_svc_spec *svc, const char *path, const char *tag,
			      struct vcl_error **err);
	/* A pod of several containers (--manifest): this spec is its first
	 * app container, whose port the probe reaches; pod lists the others,
	 * NULL-terminated: init containers first (init set: each runs to
	 * completion, in order, before any app container starts; a non-zero
	 * exit fails the launch), then the other app containers, started
	 * beside this one. All share one network, IPC and UTS namespace (the
	 * sandbox), each has its own root. NULL: a one-container service. */
	const struct vcl_svc_spec *const *pod;
	bool init;	      /* in pod[]: an init container */
	const char *ctr_name; /* its name in the pod ("" outside one) */
};

/* How many containers pod[] holds, and how many of them are init ones. */
static inline size_t vcl_svc_pod_len(const struct vcl_svc_spec *svc, size_t *ninit)
{
	size_t n = 0, ni = 0;

	for (; svc != NULL && svc->pod != NULL && svc->pod[n] != NULL; n++)
		ni += svc->pod[n]->init ? 1 : 0;
	if (ninit != NULL)
		*ninit = ni;
	return n;
}

/* The user and group the service runs as: runAsUser/runAsGroup over the
 * image's User (a runAsUser alone keeps the image's group). */
static inline void vcl_svc_user(const struct vcl_svc_spec *svc, uid_t *uid, gid_t *gid)
{
	*uid = svc->sec.has_user ? svc->sec.run_as_user : svc->uid;
	*gid = svc->sec.has_group ? svc->sec.run_as_group : svc->gid;
}

/* Everything a backend needs to start one instance. Strings are borrowed. */
struct vcl_spec {
	const char *run_id;    /* short id of this run, in every resource name */
	unsigned index;	       /* n in vclab-<run>-<n>: unique within the run */
	const char *payload;   /* absolute path of the payload binary (bin/vclab-payload) */
	const char *state_dir; /* per-run scratch folder, e.g. /run/vclab/<run> (tmpfs) */
	/* The run's resource ledger (core/ledger.h): every resource a backend
	 * makes is recorded here before it exists. NULL: nothing recorded. */
	struct vcl_ledger *ledger;
	struct vcl_limits limits;
	const char *cpuset; /* cores for workloads, cpuset list syntax ("0-1"), from topo.c */
	/* bare: give the process its accounting-only cgroup (memory, density,
	 * autoscale, steady read it). false in the startup scenario: there bare
	 * is a plain host process, with no cgroup joined on its way to exec. */
	bool accounting;
	/* The user's service instead of the payload; NULL = the payload. */
	const struct vcl_svc_spec *svc;

	/* ctr */
	bool ctr_userns;     /* run the container in a user namespace with uid/gid maps */
	bool ctr_no_seccomp; /* leave out the syscall filter (default: loaded) */
	enum vcl_security_mode security; /* ctr, runc, crun, podman: CRI defaults or strict */

	/* vm */
	unsigned vcpus;
	uint64_t vm_mem_mib;
	const char *vm_net;	 /* "user" (default) or "network:NAME" */
	const char *connect_uri; /* libvirt URI, default qemu:///system */
	const char *kernel;	 /* guest kernel; NULL = default from build/guest */
	const char *initrd;	 /* guest initramfs; NULL = default from build/guest */
	const char *accel;	 /* "kvm" or "tcg", from doctor */
	uint16_t vm_host_port;	 /* 0: pick a free 127.0.0.1 port per VM; else instance n
				  * forwards from 127.0.0.1:vm_host_port+n (firewall rules) */
};

/* Where the instance's HTTP endpoint is reachable from the host. */
struct vcl_endpoint {
	char addr[64]; /* inside 127.0.0.0/8, unless lab is set */
	uint16_t port;
	int netns_fd; /* network namespace the endpoint lives in, or -1 for the host's */
	/* addr is on a veth between two namespaces vclab made (the lab side,
	 * netns_fd, and the container's; bench/labnet.h), never the host's:
	 * the one endpoint outside 127.0.0.0/8 the network rule allows. */
	bool lab;
};

#define VCL_MAX_LAUNCH_STEPS 10

/* Timestamps of one launch, CLOCK_MONOTONIC in ns; 0 = not reached. */
struct vcl_phases {
	uint64_t start;	    /* just before the create call (fork, clone, virDomainCreateXML) */
	uint64_t created;   /* the create call returned */
	uint64_t ready;	    /* the payload's VCLAB-READY line was seen; a service
			     * without one: its port accepted a connection */
	uint64_t first_200; /* first good readiness answer (200 from GET /healthz
			     * for the payload), seen from the host */
	/* VM boots only (0 elsewhere, or when the guest did not say): the host
	 * time the guest kernel's boot clock started (taken as kernel entry),
	 * and the host time the guest's /init announced itself on the console.
	 * firmware = kernel - start, kernel = init - kernel, userspace =
	 * ready - init (docs/vm.md, "Boot phases"). */
	uint64_t kernel;
	uint64_t init;
	/* A placement that stamps its own steps (ctr: its child, on this
	 * clock, over its error pipe) splits start -> ready further: step i
	 * ran from steps[i-1].end (steps[0]: from start) to steps[i].end; the
	 * last ends at ready (the harness's stamp of it, which may come a
	 * little after the placement's). nsteps 0: no split. Names are static. */
	struct vcl_launch_step {
		const char *name;
		uint64_t end;
	} steps[VCL_MAX_LAUNCH_STEPS];
	unsigned nsteps;
};

struct vcl_backend_ops;

struct vcl_instance {
	const struct vcl_backend_ops *ops;
	char name[64]; /* vclab-<run>-<n> (domain name, cgroup leaf, hostname) */
	unsigned index;
	struct vcl_endpoint ep;
	/* Readable when a READY line may have arrived; the harness then calls
	 * ops->ready(). -1 when the backend has no readiness channel. */
	int ready_fd;
	/* pidfd of the instance's main host process (payload, container init,
	 * QEMU): readable when it exits. -1 when unknown. */
	int exit_fd;
	pid_t pid;	  /* that main host process */
	char cgroup[256]; /* cgroup path holding all its host processes, "" if none */
	struct vcl_phases t;
	/* The user's service (spec->svc) this instance runs, or NULL. The
	 * probe then waits for its port and its readiness answer. */
	const struct vcl_svc_spec *svc;
	/* File holding the service's stdout/stderr ("" if inherited): the
	 * probe quotes its last lines when the service fails. */
	char log_path[640];
	void *priv; /* the backend's own state */
};

/* Which fields of struct vcl_mem hold a reading: bits of vcl_mem.known. */
enum {
	VCL_MEM_PSS = 1u << 0,	  /* pss_kib and rss_kib (read together) */
	VCL_MEM_CGROUP = 1u << 1, /* cgroup_kib */
	VCL_MEM_KMEM = 1u << 2,	  /* kmem_kib */
	VCL_MEM_CPU = 1u << 3,	  /* cpu_usec */
	VCL_MEM_HELPER = 1u << 4, /* helper_pss_kib */
};

/* One memory/CPU sample of an instance, all host-side. A field whose bit in
 * known is clear was not read (no cgroup, the kernel does not tell, the read
 * failed): it is absent, never 0, and results.json shows it as null with the
 * reason (cgroup_why, kmem_why). A sample that finds no process at all is an
 * error, not a sample. Start from {0}: nothing known. */
struct vcl_mem {
	uint64_t pss_kib;    /* sum of PSS over every host process of the instance */
	uint64_t rss_kib;    /* sum of RSS, same processes */
	uint64_t cgroup_kib; /* cgroup memory usage including kernel memory */
	uint64_t kmem_kib;   /* the kernel-memory part of it, where the kernel tells */
	uint64_t cpu_usec;   /* CPU time consumed so far */
	/* The part of pss_kib that is the engine's per-container helper
	 * (conmon, containerd-shim), for the engine peers. */
	uint64_t helper_pss_kib;
	unsigned nprocs;      /* host processes counted */
	unsigned known;	      /* VCL_MEM_* */
	char cgroup_why[128]; /* why cgroup_kib is absent */
	char kmem_why[192];   /* why kmem_kib is absent */
};

/* What isolates an instance from the host: its kind of placement. */
enum vcl_family {
	VCL_FAMILY_PROCESS = 0, /* a plain host process (bare) */
	VCL_FAMILY_CONTAINER,	/* namespaces and cgroups on the host kernel (ctr, runc, ...) */
	VCL_FAMILY_SANDBOX,	/* a user-space kernel between the service and the host (gVisor) */
	VCL_FAMILY_VM,		/* a guest kernel on a VMM (vm, qemu-direct) */
};

/* "process", "container", "sandbox", "vm": how results.json and the docs
 * call a family (config.vm holds the settings of the vm family). */
const char *vcl_family_name(enum vcl_family f);

/*
 * The traits of a backend: what bench, report and advise branch on, in
 * place of its name, so that a new placement is its ops and one line in
 * the registry (bench/backends.c). A VM is family VCL_FAMILY_VM.
 */
struct vcl_backend_ops {
	const char *name; /* "bare", "ctr", "vm", "runc", "crun", "qemu-direct" */
	bool is_peer;	  /* a same-run reference implementation, not a placement */
	enum vcl_family family;
	/* A peer: the placement it is compared with ("ctr", "vm"), and whose
	 * choice in --backends brings it into a default run. NULL for
	 * placements. results.json records it as the peer's "family". */
	const char *peer_of;
	/* The placement every other one is compared with (ratios, the A/A
	 * twin, the memory overhead): bare. One in the registry. */
	bool baseline;
	/* Its figures carry the host's accelerator ("vm (TCG)"): its speed
	 * depends on KVM or TCG. */
	bool accel_labelled;
	/* A peer started through a container engine's CLI and image store
	 * (podman, docker): the report weighs it against its placement and the
	 * plain runtime it runs containers with (its describe()'s
	 * engine.runtime). */
	bool engine;
	bool runs_services; /* can run the user's service (spec->svc), not only the payload */
	bool runs_pods;	    /* and a pod of several containers (spec->svc->pod) */
	bool opt_in;	    /* a peer that runs only when named with --peer (podman, docker) */
	/* Left out of the quick profile's defaults (vm-iaas and its peer: a
	 * full Debian boot under TCG takes ~30-40 s); standard and full run it,
	 * and --backends/--peer name it in any profile. */
	bool not_quick;
	/* Named with --backends, a probe that fails with VCL_E_ENV (this host
	 * cannot run it) records the placement as skipped with the reason and
	 * the run goes on, as for a default one (gvisor: a platform that
	 * cannot run here). Other placements named stop the run. */
	bool skip_unrunnable;

	/* Usable on this host? Sets an error saying why not. */
	int (*probe)(const struct vcl_host *host, struct vcl_error **err);
	/* Once per run: build rootfs, image, bundle, and return the run's
	 * context in *run: everything the run keeps between calls lives
	 * there (no backend keeps run state in file-level statics), so two
	 * runs of one backend can be prepared side by side in one process.
	 * The harness hands *run back to launch, describe and cleanup, and
	 * to nothing else; it is opaque above the backend. On failure
	 * nothing is left made and *run is untouched. NULL prepare: the
	 * run's context is NULL. */
	int (*prepare)(const struct vcl_spec *spec, void **run, struct vcl_error **err);
	/* Start one instance of run (prepare()'s context) and return at once.
	 * Fills inst->t.start/created. Written as hooks run by vcl_launch()
	 * (core/launch.h), which allocates, records, takes t0 and undoes alike
	 * for every backend. An instance may point into its run (destroy
	 * needs no context): every instance of a run is destroyed before its
	 * cleanup. */
	int (*launch)(void *run, const struct vcl_spec *spec, struct vcl_instance **out,
		      struct vcl_error **err);
	/* ready_fd is readable: return 1 when READY was seen, 0 not yet, <0 on error. */
	int (*ready)(struct vcl_instance *inst, struct vcl_error **err);
	/* exit_fd is readable: the instance died. Reap it, set an error that says
	 * why (VCL_E_OOM for a memory-limit kill, VCL_E_DIED otherwise), return -1. */
	int (*exited)(struct vcl_instance *inst, struct vcl_error **err);
	int (*sample)(struct vcl_instance *inst, struct vcl_mem *mem, struct vcl_error **err);
	/* Optional: run argv inside the running instance (its namespaces,
	 * root, user and environment), as the CRI's ExecSync does for an exec
	 * probe; waits up to timeout_ms, then kills it. *status is the wait
	 * status; -1 only when it could not be started. NULL: a service with
	 * an exec probe is skipped in this backend, for the reason no_exec. */
	int (*exec)(struct vcl_instance *inst, char *const *argv, unsigned timeout_ms, int *status,
		    struct vcl_error **err);
	const char *no_exec;
	/* Kill, reap, remove every resource; frees inst. Safe on a dead instance. */
	int (*destroy)(struct vcl_instance *inst, struct vcl_error **err);
	/* Once per run, undo prepare() and free run (NULL: nothing to do).
	 * May be NULL. */
	void (*cleanup)(void *run, const struct vcl_spec *spec);
	/* The kinds of ledger record this backend defines beyond core's (pid,
	 * dir, file, mount, cgroup), NULL-terminated; NULL for none. The
	 * registry registers them before a ledger is opened or gc runs. */
	const struct vcl_ledger_kind *const *kinds;

	/* Optional, for peers whose memory is measured (the engines): what the
	 * memory figure covers, in words for results.json. NULL: the memory
	 * scenario leaves the peer out. */
	const char *mem_covers;
	/* Optional: host daemons the backend relies on (NULL-terminated), whose
	 * PSS is read before and while its instances run and recorded beside
	 * the memory figure, never in it (dockerd, containerd). */
	const char *const *daemons;
	/* Optional: called after prepare() with its run; an object whose keys
	 * go into the backend's results entry (the engines: "engine",
	 * "adjustments"). */
	struct json_object *(*describe)(const void *run);
};

/* A VM placement or peer: counts, warm-ups and time-outs of the vm_*
 * options apply (bench), and a guest boot splits into phases. */
static inline bool vcl_backend_is_vm(const struct vcl_backend_ops *ops)
{
	return ops->family == VCL_FAMILY_VM;
}

/* Look name up in table, a NULL-terminated list of backends (the one table
 * of what is built in is bench/backends.h's vcl_backends: core knows no
 * backend). Returns NULL when the table has none of that name. */
const struct vcl_backend_ops *vcl_backend_find(const struct vcl_backend_ops *const *table,
					       const char *name);

/* Allocate an instance with the common fields set (fds -1). */
struct vcl_instance *vcl_instance_new(const struct vcl_backend_ops *ops,
				      const struct vcl_spec *spec);
/* Free the common part (closes ready_fd, exit_fd, netns_fd); not priv. */
void vcl_instance_free(struct vcl_instance *inst);

/* Cleanup for an instance this scope owns (launched, not yet handed on):
 * destroys it through its backend, dropping any error (the caller is
 * already failing). Ownership leaves by steal_ptr(). */
static inline void vcl_instance_destroyp(struct vcl_instance **inst)
{
	if (*inst != NULL)
		(*inst)->ops->destroy(*inst, NULL);
	*inst = NULL;
}
#define cleanup_instance __attribute__((cleanup(vcl_instance_destroyp)))

#endif
