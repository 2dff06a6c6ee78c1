/* SPDX-License-Identifier: MIT */
/* Pure parts of the container placement: step names, id maps, OCI config. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/volume.h"
#include "ctr/ctr.h"

static const char *const step_names[VCL_CTR_STEP_MAX] = {
    [VCL_CTR_STEP_SYNC] = "wait for the parent",
    [VCL_CTR_STEP_SETID] = "setresuid/setresgid inside the user namespace",
    [VCL_CTR_STEP_CGROUP] = "attach to the cgroup",
    [VCL_CTR_STEP_UNSHARE] = "unshare the mount/uts/ipc/net/cgroup namespaces",
    [VCL_CTR_STEP_NOTIFY] = "notify the parent",
    [VCL_CTR_STEP_FDS] = "set up the READY fd",
    [VCL_CTR_STEP_MNT_PRIVATE] = "make the mount tree private",
    [VCL_CTR_STEP_MNT_BIND] = "bind-mount the rootfs",
    [VCL_CTR_STEP_MNT_OVERLAY] = "mount the overlay on the service rootfs",
    [VCL_CTR_STEP_CHDIR] = "chdir into the rootfs",
    [VCL_CTR_STEP_MNT_RO] = "remount the rootfs read-only",
    [VCL_CTR_STEP_MNT_PROC] = "mount /proc",
    [VCL_CTR_STEP_MNT_DEV] = "mount the /dev tmpfs",
    [VCL_CTR_STEP_DEV_NODE] = "bind a /dev node",
    [VCL_CTR_STEP_DEV_RO] = "remount /dev read-only",
    [VCL_CTR_STEP_HOSTNAME] = "set the hostname",
    [VCL_CTR_STEP_LOOPBACK] = "bring up loopback",
    [VCL_CTR_STEP_PIVOT_ROOT] = "pivot_root",
    [VCL_CTR_STEP_UMOUNT_OLD] = "detach the old root",
    [VCL_CTR_STEP_CAPS] = "drop capabilities",
    [VCL_CTR_STEP_NO_NEW_PRIVS] = "set no_new_privs",
    [VCL_CTR_STEP_SECCOMP] = "load the seccomp filter",
    [VCL_CTR_STEP_EXEC] = "exec the payload",
    [VCL_CTR_STEP_ETC] = "write /etc/hosts, /etc/hostname, /etc/resolv.conf",
    [VCL_CTR_STEP_MNT_SYS] = "mount /sys and mask /proc paths",
    [VCL_CTR_STEP_MNT_VOLUMES] = "mount the pod's volumes (emptyDir, configMap, secret)",
};

const char *vcl_ctr_step_name(int step)
{
	if (step <= 0 || step >= VCL_CTR_STEP_MAX || step_names[step] == NULL)
		return "unknown step";
	return step_names[step];
}

/* The step each of the child's marks ends (results: steps_ms). */
static const char *const mark_steps[VCL_CTR_MARK_MAX] = {
    [VCL_CTR_MARK_ENTRY] = "clone",	  [VCL_CTR_MARK_CGROUP] = "cgroup_attach",
    [VCL_CTR_MARK_UNSHARE] = "unshare",	  [VCL_CTR_MARK_MOUNTS] = "mounts",
    [VCL_CTR_MARK_LOCKDOWN] = "lockdown",
};

/* Appends a step ending at end; false when it would run backwards. */
static bool add_step(struct vcl_phases *t, const char *name, uint64_t end)
{
	uint64_t from = t->nsteps > 0 ? t->steps[t->nsteps - 1].end : t->start;

	if (end < from || t->nsteps >= VCL_MAX_LAUNCH_STEPS)
		return false;
	t->steps[t->nsteps].name = name;
	t->steps[t->nsteps].end = end;
	t->nsteps++;
	return true;
}

unsigned vcl_ctr_steps(const struct vcl_ctr_child_error *rec, uint64_t clone_ns,
		       uint64_t payload_ns, uint64_t ready_ns, struct vcl_phases *t)
{
	bool ok = rec->step == 0 && rec->nmarks > 0 && rec->nmarks <= VCL_CTR_MAX_MARKS &&
		  t->start != 0 && clone_ns != 0 && ready_ns != 0;

	t->nsteps = 0;
	ok = ok && add_step(t, "cgroup_create", clone_ns);
	for (unsigned i = 0; ok && i < rec->nmarks; i++) {
		unsigned m = rec->mark[i];

		ok = m > 0 && m < VCL_CTR_MARK_MAX && add_step(t, mark_steps[m], rec->t[i]);
	}
	if (ok && payload_ns != 0)
		ok = add_step(t, "exec", payload_ns);
	ok = ok && add_step(t, payload_ns != 0 ? "service" : "exec_service", ready_ns);
	if (!ok)
		t->nsteps = 0;
	return t->nsteps;
}

int vcl_ctr_idmap(char *buf, size_t size, unsigned inside, unsigned outside, unsigned count)
{
	int n;

	/* The kernel rejects empty ranges and ranges that wrap around. */
	if (count == 0 || (uint64_t)inside + count > UINT32_MAX ||
	    (uint64_t)outside + count > UINT32_MAX)
		return -1;
	n = snprintf(buf, size, "%u %u %u\n", inside, outside, count);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

long long vcl_ctr_cfs_quota(double cpus)
{
	long long q;

	if (!(cpus > 0))
		return 0;
	q = llround(cpus * VCL_CTR_CFS_PERIOD);
	/* The kernel's smallest quota is 1 ms. */
	return q < 1000 ? 1000 : q;
}

/* json-c helpers: json_object_object_add() takes ownership, and a NULL
 * value (allocation failure) is caught once at the end by a final check. */
static struct json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

static struct json_object *jstrv(const char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (; a != NULL && *v != NULL; v++)
		json_object_array_add(a, jstr(*v));
	return a;
}

static struct json_object *jmapping(void)
{
	struct json_object *a = json_object_new_array();
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "containerID", json_object_new_int64(0));
	json_object_object_add(m, "hostID", json_object_new_int64(VCL_CTR_USERNS_BASE));
	json_object_object_add(m, "size", json_object_new_int64(VCL_CTR_USERNS_COUNT));
	json_object_array_add(a, m);
	return a;
}

static struct json_object *jnamespaces(bool userns, int sandbox_pid)
{
	/* Exactly the set ctr.c clones with; a pod's container joins the
	 * sandbox's network, IPC and UTS namespaces by path. */
	static const char *const types[] = {"pid", "network", "ipc", "uts", "mount", "cgroup"};
	static const char *const files[] = {NULL, "net", "ipc", "uts", NULL, NULL};
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct json_object *ns = json_object_new_object();

		json_object_object_add(ns, "type", jstr(types[i]));
		if (sandbox_pid > 0 && files[i] != NULL) {
			char path[64];

			snprintf(path, sizeof(path), "/proc/%d/ns/%s", sandbox_pid, files[i]);
			json_object_object_add(ns, "path", jstr(path));
		}
		json_object_array_add(a, ns);
	}
	if (userns) {
		struct json_object *ns = json_object_new_object();

		json_object_object_add(ns, "type", jstr("user"));
		json_object_array_add(a, ns);
	}
	return a;
}

static struct json_object *jmount(const char *dest, const char *type, const char *const *opts)
{
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", jstr(dest));
	json_object_object_add(m, "type", jstr(type));
	json_object_object_add(m, "source", jstr(type));
	json_object_object_add(m, "options", jstrv(opts));
	return m;
}

static struct json_object *jresources(const struct vcl_limits *lim, const char *cpuset)
{
	struct json_object *r = json_object_new_object();
	long long quota = vcl_ctr_cfs_quota(lim->cpus);

	if (lim->mem_mib > 0) {
		struct json_object *mem = json_object_new_object();

		json_object_object_add(mem, "limit",
				       json_object_new_int64((int64_t)(lim->mem_mib << 20)));
		json_object_object_add(r, "memory", mem);
	}
	if (quota > 0 || (cpuset != NULL && *cpuset != '\0')) {
		struct json_object *cpu = json_object_new_object();

		if (quota > 0) {
			json_object_object_add(cpu, "quota", json_object_new_int64(quota));
			json_object_object_add(cpu, "period",
					       json_object_new_int64(VCL_CTR_CFS_PERIOD));
		}
		if (cpuset != NULL && *cpuset != '\0')
			json_object_object_add(cpu, "cpus", jstr(cpuset));
		json_object_object_add(r, "cpu", cpu);
	}
	if (lim->pids > 0) {
		struct json_object *pids = json_object_new_object();

		json_object_object_add(pids, "limit", json_object_new_int64(lim->pids));
		json_object_object_add(r, "pids", pids);
	}
	return r;
}

/* The capability mask as OCI names ("CAP_CHOWN"), libcap's spelling
 * upper-cased. */
static struct json_object *jcaps(uint64_t mask)
{
	struct json_object *a = json_object_new_array();

	for (unsigned c = 0; a != NULL && c < 64; c++) {
		char name[64];

		if ((mask & (UINT64_C(1) << c)) != 0 &&
		    vcl_cri_cap_name(c, name, sizeof(name)) == 0)
			json_object_array_add(a, jstr(name));
	}
	return a;
}

static struct json_object *jtyped_mount(const char *dest, const char *type, const char *src,
					const char *const *opts)
{
	struct json_object *m = jmount(dest, type, opts);

	json_object_object_add(m, "source", jstr(src));
	return m;
}

/* containerd's default mounts beyond /proc and /dev, and its sandbox files
 * on /etc. */
static void cri_mounts(struct json_object *mounts, const struct vcl_oci_params *p, bool ro)
{
	static const char *const pts_opts[] = {
	    "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL};
	static const char *const shm_opts[] = {"nosuid",    "noexec",	   "nodev",
					       "mode=1777", "size=65536k", NULL};
	static const char *const mq_opts[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const sys_opts[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	static const char *const etc_rw[] = {"rbind", "rprivate", NULL};
	static const char *const etc_ro[] = {"rbind", "rprivate", "ro", NULL};
	static const char *const files[] = {"hosts", "hostname", "resolv.conf"};

	json_object_array_add(mounts, jtyped_mount("/dev/pts", "devpts", "devpts", pts_opts));
	json_object_array_add(mounts, jtyped_mount("/dev/shm", "tmpfs", "shm", shm_opts));
	json_object_array_add(mounts, jtyped_mount("/dev/mqueue", "mqueue", "mqueue", mq_opts));
	json_object_array_add(mounts, jtyped_mount("/sys", "sysfs", "sysfs", sys_opts));
	for (size_t i = 0; p->etc_dir != NULL && i < sizeof(files) / sizeof(files[0]); i++) {
		char src[512], dst[32];

		snprintf(src, sizeof(src), "%s/%s", p->etc_dir, files[i]);
		snprintf(dst, sizeof(dst), "/etc/%s", files[i]);
		json_object_array_add(mounts, jtyped_mount(dst, "bind", src, ro ? etc_ro : etc_rw));
	}
}

/* fsGroup and supplementalGroups, as containerd's additionalGids. */
static void additional_gids(struct json_object *user, const struct vcl_security *sec)
{
	gid_t g[17];
	size_t ng = sec != NULL ? vcl_security_groups(sec, g, sizeof(g) / sizeof(g[0])) : 0;
	struct json_object *ag;

	if (ng == 0)
		return;
	ag = json_object_new_array();
	for (size_t i = 0; i < ng; i++)
		json_object_array_add(ag, json_object_new_int64(g[i]));
	json_object_object_add(user, "additionalGids", ag);
}

/* The pod's volumes: what the kubelet hands containerd as mounts. */
static void volume_mounts(struct json_object *mounts, const struct vcl_oci_params *p)
{
	for (size_t i = 0; i < p->nvols; i++) {
		const struct vcl_volume *v = &p->vols[i];
		const struct vcl_security *sec = p->sec;
		bool fsg = sec != NULL && sec->has_fs_group;
		char mode[32], size[48], gid[32], src[512];
		const char *opts[8];
		size_t n = 0;

		opts[n++] = "nosuid";
		opts[n++] = "nodev";
		if (v->read_only)
			opts[n++] = "ro";
		if (v->host_dir != NULL) {
			opts[n++] = "rbind";
			opts[n] = NULL;
			json_object_array_add(mounts,
					      jtyped_mount(v->target, "bind", v->host_dir, opts));
			continue;
		}
		if (!v->empty) {
			opts[n++] = "rbind";
			opts[n] = NULL;
			snprintf(src, sizeof(src), "%s/vol-%zu", p->vol_dir, i);
			json_object_array_add(mounts, jtyped_mount(v->target, "bind", src, opts));
			continue;
		}
		/* emptyDir: world-writable; with fsGroup its group, set-gid. */
		snprintf(mode, sizeof(mode), "mode=%s", fsg ? "2777" : "0777");
		opts[n++] = mode;
		if (fsg) {
			snprintf(gid, sizeof(gid), "gid=%u", (unsigned)sec->fs_group);
			opts[n++] = gid;
		}
		if (v->size_bytes > 0) {
			snprintf(size, sizeof(size), "size=%llu",
				 (unsigned long long)v->size_bytes);
			opts[n++] = size;
		}
		opts[n] = NULL;
		json_object_array_add(mounts, jtyped_mount(v->target, "tmpfs", "tmpfs", opts));
	}
}

struct json_object *vcl_oci_bind_mount(const char *src, const char *dest)
{
	static const char *const opts[] = {"rbind", "ro", "nosuid", "nodev", NULL};
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", jstr(dest));
	json_object_object_add(m, "type", jstr("bind"));
	json_object_object_add(m, "source", jstr(src));
	json_object_object_add(m, "options", jstrv(opts));
	return m;
}

int vcl_oci_runtime_message(const char *text, char *out, size_t size)
{
	const char *best = NULL, *best_end = NULL;
	size_t n = 0;

	if (size == 0)
		return -1;
	out[0] = '\0';
	/* The last error line wins (runc logs warnings first); without one,
	 * the last non-empty line (crun prints a bare message). */
	for (const char *line = text; *line != '\0';) {
		const char *end = line + strcspn(line, "\n");
		const char *t = line;

		while (t < end && (*t == ' ' || *t == '\t' || *t == '\r'))
			t++;
		if (t < end &&
		    (best == NULL || memmem(line, (size_t)(end - line), "level=error", 11) ||
		     memmem(best, (size_t)(best_end - best), "level=error", 11) == NULL)) {
			best = t;
			best_end = end;
		}
		line = *end == '\n' ? end + 1 : end;
	}
	if (best == NULL)
		return 0;
	/* logrus format: take the msg="..." field, unescaping \" and \\. */
	{
		const char *m = memmem(best, (size_t)(best_end - best), "msg=\"", 5);

		if (m != NULL) {
			for (m += 5; m < best_end && *m != '"' && n + 1 < size; m++) {
				if (*m == '\\' && m + 1 < best_end)
					m++;
				out[n++] = *m;
			}
			out[n] = '\0';
			return (int)n;
		}
	}
	while (best_end > best && (best_end[-1] == ' ' || best_end[-1] == '\r'))
		best_end--;
	n = (size_t)(best_end - best) < size - 1 ? (size_t)(best_end - best) : size - 1;
	memcpy(out, best, n);
	out[n] = '\0';
	return (int)n;
}

struct json_object *vcl_oci_config(const struct vcl_oci_params *p, struct vcl_error **err)
{
	static const char *const none[] = {NULL};
	static const char *const env[] = {"PATH=/", NULL};
	static const char *const proc_opts[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const dev_opts[] = {"nosuid", "noexec", "mode=755", "size=64k", NULL};
	static const char *const cri_dev_opts[] = {"nosuid", "strictatime", "mode=755",
						   "size=65536k", NULL};
	static const char *const tmp_opts[] = {"nosuid", "nodev", "mode=1777", "size=64m", NULL};
	struct json_object *cfg, *proc, *user, *caps, *root, *mounts, *linux_;
	static const char *const capnames[] = {"bounding", "effective", "permitted"};
	const struct vcl_security *sec = p != NULL ? p->sec : NULL;
	bool cri = p != NULL && p->mode == VCL_SECURITY_CRI;
	/* The payload's rootfs is one static binary, shared: read-only in
	 * both modes. A service's root is its own overlay. */
	bool ro = p == NULL || !p->tmp_tmpfs || vcl_cri_read_only_root(sec, p->mode);
	uint64_t capmask = p != NULL ? vcl_cri_caps(sec, p->mode) : 0;

	if (p == NULL || p->rootfs == NULL || p->rootfs[0] != '/')
		return vcl_usage(err, "OCI config: rootfs must be an absolute path"), NULL;
	if (p->hostname == NULL || p->hostname[0] == '\0' || strlen(p->hostname) > 63)
		return vcl_usage(err, "OCI config: hostname must have 1 to 63 characters"), NULL;
	if (p->cgroups_path == NULL || p->cgroups_path[0] != '/')
		return vcl_usage(err, "OCI config: cgroupsPath must be absolute"), NULL;
	if (p->args == NULL || p->args[0] == NULL)
		return vcl_usage(err, "OCI config: empty process args"), NULL;
	if (p->limits == NULL)
		return vcl_usage(err, "OCI config: no limits"), NULL;

	cfg = json_object_new_object();
	if (cfg == NULL)
		return vcl_fail(err, ENOMEM, "OCI config"), NULL;
	json_object_object_add(cfg, "ociVersion", jstr("1.0.2"));

	proc = json_object_new_object();
	json_object_object_add(proc, "terminal", json_object_new_boolean(0));
	user = json_object_new_object();
	json_object_object_add(user, "uid", json_object_new_int64(p->uid));
	json_object_object_add(user, "gid", json_object_new_int64(p->gid));
	additional_gids(user, sec);
	json_object_object_add(proc, "user", user);
	json_object_object_add(proc, "args", jstrv((const char *const *)p->args));
	json_object_object_add(proc, "env",
			       jstrv(p->env != NULL ? (const char *const *)p->env : env));
	json_object_object_add(proc, "cwd", jstr(p->cwd != NULL ? p->cwd : "/"));
	/* Strict: every set empty. CRI: containerd's set (with the
	 * securityContext's add/drop) bounding, effective and permitted;
	 * inheritable and ambient empty, as containerd has them since the
	 * inheritable-capabilities fix (CVE-2022-24769). */
	caps = json_object_new_object();
	for (size_t i = 0; i < sizeof(capnames) / sizeof(capnames[0]); i++)
		json_object_object_add(caps, capnames[i], jcaps(capmask));
	json_object_object_add(caps, "inheritable", jstrv(none));
	json_object_object_add(caps, "ambient", jstrv(none));
	json_object_object_add(proc, "capabilities", caps);
	json_object_object_add(proc, "noNewPrivileges",
			       json_object_new_boolean(vcl_cri_no_new_privs(sec, p->mode)));
	json_object_object_add(cfg, "process", proc);

	root = json_object_new_object();
	json_object_object_add(root, "path", jstr(p->rootfs));
	json_object_object_add(root, "readonly", json_object_new_boolean(ro));
	json_object_object_add(cfg, "root", root);
	json_object_object_add(cfg, "hostname", jstr(p->hostname));

	mounts = json_object_new_array();
	json_object_array_add(mounts, jmount("/proc", "proc", proc_opts));
	json_object_array_add(mounts, jmount("/dev", "tmpfs", cri ? cri_dev_opts : dev_opts));
	if (cri)
		cri_mounts(mounts, p, ro);
	else if (p->tmp_tmpfs)
		json_object_array_add(mounts, jmount("/tmp", "tmpfs", tmp_opts));
	volume_mounts(mounts, p);
	json_object_object_add(cfg, "mounts", mounts);

	linux_ = json_object_new_object();
	json_object_object_add(linux_, "namespaces", jnamespaces(p->userns, p->sandbox_pid));
	if (p->userns) {
		json_object_object_add(linux_, "uidMappings", jmapping());
		json_object_object_add(linux_, "gidMappings", jmapping());
	}
	json_object_object_add(linux_, "cgroupsPath", jstr(p->cgroups_path));
	json_object_object_add(linux_, "resources", jresources(p->limits, p->cpuset));
	json_object_object_add(linux_, "rootfsPropagation", jstr("private"));
	if (cri && vcl_cri_masks(sec, p->mode)) {
		json_object_object_add(linux_, "maskedPaths", jstrv(vcl_cri_masked_paths));
		json_object_object_add(linux_, "readonlyPaths", jstrv(vcl_cri_readonly_paths));
	}
	if (p->seccomp && vcl_cri_seccomp(sec, p->mode, false))
		json_object_object_add(linux_, "seccomp", vcl_seccomp_oci());
	json_object_object_add(cfg, "linux", linux_);

	return cfg;
}
