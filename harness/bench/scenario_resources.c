/* SPDX-License-Identifier: MIT */
/*
 * The four resource scenarios (resources.h), each the field's own tool run
 * inside the placement by the tools image's toolrun, or between the host
 * and the placement for the network:
 *
 *   cpu    sysbench cpu, a fixed number of events on one thread: time per
 *          event as the tool saw it, and the host CPU time the placement
 *          spent for them (its cgroup; QEMU's process with all its threads
 *          for a VM), read around the run
 *   membw  sysbench memory, a fixed volume written then read in 1 MiB blocks
 *   disk   fio, six jobs one after the other: sequential and 4k random
 *          reads of /data/read.dat (the image's own storage: the overlay's
 *          lower layer on the host's file system for bare and ctr, the
 *          virtio-blk root disk for a VM), sequential and 4k random writes
 *          to /scratch (a volume: a host folder on disk bind-mounted for
 *          bare, ctr and the runtimes), then the same writes to a file in
 *          the rootfs overlay; O_DIRECT on each target that takes it
 *   net    the request latency of GET /ping over one keep-alive connection,
 *          then iperf3 TCP both ways (-R) between the host and the
 *          placement, over the path that placement uses
 *
 * Every figure records its tool, the tool's version and its exact command
 * line; the storage and the network path are named in words.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/labnet.h"
#include "bench/loadgen.h"
#include "bench/resources.h"
#include "bench/toolout.h"
#include "core/cleanup.h"
#include "core/results.h"
#include "core/util.h"
#include "vmm/vmm.h"

#define TOOL_TIMEOUT_MS 600000u /* a TCG guest runs a standard profile's tool in minutes */
#define TOOLS_PORT	"7070"	/* the tools image's port (build-tools-image.sh) */

static void add_num(struct json_object *o, const char *k, double v)
{
	json_object_object_add(o, k, json_object_new_double(v));
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

/* Run argv inside the placement; a non-zero exit is an error quoting the
 * tool's last output. */
static int in_placement(struct vcl_res_launch *l, const char *const *argv, char **out,
			struct vcl_error **err)
{
	int st = -1;

	if (vcl_res_post(&l->inst->ep, "/run", argv, TOOL_TIMEOUT_MS, out, &st, err) < 0)
		return -1;
	if (st != 0) {
		size_t n = strlen(*out);

		vcl_fail(err, 0, "%s exited with status %d: %.300s", argv[0], st,
			 n > 300 ? *out + n - 300 : *out);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int cpu_usec(struct vcl_res_launch *l, uint64_t *usec)
{
	struct vcl_mem m = {0};
	struct vcl_error *e = NULL;

	if (l->inst->ops->sample(l->inst, &m, &e) < 0 || !(m.known & VCL_MEM_CPU)) {
		vcl_error_free(e);
		return -1;
	}
	*usec = m.cpu_usec;
	return 0;
}

static void tool_info(struct vcl_res_launch *l, const char *tool, const char *version,
		      const char *label, const char *const *argv)
{
	char key[32];

	add_str(l->info, "name", tool);
	add_str(l->info, "version", version);
	snprintf(key, sizeof(key), "command%s%s", label[0] != '\0' ? "_" : "", label);
	json_object_object_add(l->info, key, vcl_res_argv_json(argv));
}

static int cpu_measure(struct vcl_res_launch *l, struct vcl_error **err)
{
	char events[32], version[32] = "", why[160];
	const char *argv[] = {
	    "/usr/bin/sysbench", "cpu", "--threads=1", "--cpu-max-prime=10000", events,
	    "--time=0",		 "run", NULL};
	cleanup_free char *out = NULL;
	uint64_t before = 0, after = 0, nev;
	bool cpu_known;
	double total;

	snprintf(events, sizeof(events), "--events=%u", l->p->cpu_events);
	cpu_known = cpu_usec(l, &before) == 0;
	if (in_placement(l, argv, &out, err) < 0)
		return -1;
	cpu_known = cpu_known && cpu_usec(l, &after) == 0 && after >= before;
	if (vcl_sysbench_cpu_parse(out, &total, &nev, why, sizeof(why)) < 0)
		return vcl_fail(err, 0, "%s", why);
	vcl_sysbench_version(out, version, sizeof(version));
	tool_info(l, "sysbench", version, "", argv);
	add_num(l->fig, "event_us", total * 1e6 / (double)nev);
	add_num(l->fig, "events_per_s", (double)nev / total);
	if (cpu_known)
		add_num(l->fig, "host_cpu_per_event_us", (double)(after - before) / (double)nev);
	add_str(l->info, "host_cpu_from",
		vcl_backend_is_vm(l->inst->ops)
		    ? "QEMU's process, every thread (its cgroup, or /proc/PID/stat)"
		    : "the placement's cgroup (cpuacct / cpu.stat usage)");
	return 0;
}

static int membw_one(struct vcl_res_launch *l, const char *oper, struct vcl_error **err)
{
	char total[48], op[32], version[32] = "", why[160], key[32];
	const char *argv[] = {
	    "/usr/bin/sysbench", "memory", "--threads=1", "--memory-block-size=1M", total, op,
	    "--time=0",		 "run",	   NULL};
	cleanup_free char *out = NULL;
	double mib_s;

	snprintf(total, sizeof(total), "--memory-total-size=%uM", l->p->mem_mib);
	snprintf(op, sizeof(op), "--memory-oper=%s", oper);
	if (in_placement(l, argv, &out, err) < 0)
		return -1;
	if (vcl_sysbench_mem_parse(out, &mib_s, why, sizeof(why)) < 0)
		return vcl_fail(err, 0, "%s", why);
	vcl_sysbench_version(out, version, sizeof(version));
	tool_info(l, "sysbench", version, oper, argv);
	snprintf(key, sizeof(key), "%s_mib_s", oper);
	add_num(l->fig, key, mib_s);
	return 0;
}

static int membw_measure(struct vcl_res_launch *l, struct vcl_error **err)
{
	return membw_one(l, "write", err) < 0 || membw_one(l, "read", err) < 0 ? -1 : 0;
}

/* ---- disk --------------------------------------------------------------- */

static const char *const fio_files[VCL_FIO_NTARGETS] = {
    [VCL_FIO_READ] = "/data/read.dat",
    [VCL_FIO_SCRATCH] = VCL_RES_SCRATCH_FILE,
    [VCL_FIO_OVERLAY] = VCL_RES_OVERLAY_FILE,
};
static const char *const target_key[VCL_FIO_NTARGETS] = {"read", "scratch", "overlay"};

/* Where the volume's bytes go for a container or process placement. */
static void scratch_label(const struct vcl_res_launch *l, char *s, size_t size)
{
	if (l->inst->ops->engine)
		snprintf(s, size,
			 "/scratch in the container's own overlay (vclab gives the engines "
			 "no volume)");
	else
		snprintf(s, size,
			 "/scratch: a host folder on the host's %s (%s) bind-mounted, as a "
			 "hostPath or an emptyDir on the node's disk",
			 l->scratch_fs, l->scratch_dir);
}

/* Where the overlay's upper layer is for a container or process placement:
 * bare's and ctr's in the host folder the driver gave them (where runc
 * under containerd or podman keeps it), a runtime peer's in its bundle. */
static void overlay_label(const struct vcl_res_launch *l, char *s, size_t size)
{
	const struct vcl_backend_ops *ops = l->inst->ops;

	if (ops->family == VCL_FAMILY_SANDBOX)
		snprintf(s, size,
			 "the sandbox's root file system: runsc's own overlay over the image "
			 "(runsc --overlay2 decides where its upper layer lives)");
	else if (ops->engine)
		snprintf(s, size, "the container's overlay in the engine's own storage");
	else if (!ops->is_peer)
		snprintf(s, size,
			 "the rootfs overlay: upper layer in a host folder on the host's %s (%s; "
			 "where runc under containerd or podman keeps it)",
			 l->upper_fs, l->upper_dir);
	else
		snprintf(s, size,
			 "the rootfs overlay: upper layer in the runtime's bundle, in the run's "
			 "state folder on the host's %s",
			 l->state_fs);
}

/* Where each target's bytes go, in words (tool.<target>_storage). */
static void disk_labels(struct vcl_res_launch *l)
{
	char s[3][400];

	if (vcl_backend_is_vm(l->inst->ops)) {
		snprintf(s[0], sizeof(s[0]),
			 "/data/read.dat on the guest's virtio-blk root disk (ext4, read-only; "
			 "QEMU's host-side cache as libvirt sets it)");
		snprintf(s[1], sizeof(s[1]),
			 "/scratch: a virtio-blk data disk, ext4 in the guest; on the host a "
			 "%lld MiB raw file made per launch on the host's %s (" VCL_VM_IMAGE_ROOT
			 "), libvirt "
			 "cache='none' (QEMU opens it O_DIRECT: no host page cache)",
			 (long long)(VCL_VM_DATA_DISK_BYTES >> 20), l->vm_fs);
		snprintf(s[2], sizeof(s[2]),
			 "the guest's rootfs overlay: upper layer on tmpfs in guest RAM");
	} else {
		snprintf(s[0], sizeof(s[0]),
			 "/data/read.dat in the rootfs overlay's lower layer: the unpacked image "
			 "(%s) on the host's %s",
			 l->rootfs, l->rootfs_fs);
		scratch_label(l, s[1], sizeof(s[1]));
		overlay_label(l, s[2], sizeof(s[2]));
	}
	for (int t = 0; t < VCL_FIO_NTARGETS; t++) {
		char key[32];

		snprintf(key, sizeof(key), "%s_storage", target_key[t]);
		add_str(l->info, key, s[t]);
	}
}

/* Whether each target takes O_DIRECT (a 4 KiB probe with fio itself);
 * one that does not is measured buffered, and the run says why
 * (tool.direct.<target>, tool.direct_why.<target>). */
static int disk_direct(struct vcl_res_launch *l, bool direct[VCL_FIO_NTARGETS],
		       struct vcl_error **err)
{
	struct json_object *d = json_object_new_object(), *why = json_object_new_object();

	json_object_object_add(l->info, "direct", d);
	json_object_object_add(l->info, "direct_why", why);
	for (int t = 0; t < VCL_FIO_NTARGETS; t++) {
		struct vcl_fio_cmd c;
		cleanup_free char *out = NULL;
		int st = -1;

		vcl_fio_probe_argv(&c, fio_files[t], t != VCL_FIO_READ);
		if (vcl_res_post(&l->inst->ep, "/run", c.argv, TOOL_TIMEOUT_MS, &out, &st, err) < 0)
			return -1;
		direct[t] = st == 0;
		json_object_object_add(d, target_key[t], json_object_new_boolean(direct[t]));
		if (!direct[t]) {
			/* fio's own line ("fio: ... does not support direct=1",
			 * "err=22"), not its JSON. */
			const char *e = strstr(out, "fio: ");
			char line[200];

			if (e == NULL)
				e = strstr(out, "err=");
			snprintf(line, sizeof(line), "%.*s", e != NULL ? (int)strcspn(e, "\n") : 0,
				 e != NULL ? e : "");
			if (line[0] == '\0')
				snprintf(line, sizeof(line), "fio --direct=1 exited with status %d",
					 st);
			json_object_object_add(why, target_key[t], json_object_new_string(line));
		}
	}
	return 0;
}

static int disk_figures(struct vcl_res_launch *l, const char *out, struct vcl_error **err)
{
	struct vcl_fio_job jobs[8];
	char version[32], why[160], key[128];
	size_t n;

	if (vcl_fio_parse(out, version, sizeof(version), jobs, 8, &n, why, sizeof(why)) < 0)
		return vcl_fail(err, 0, "%s", why);
	add_str(l->info, "name", "fio");
	add_str(l->info, "version", version);
	for (size_t i = 0; i < n; i++) {
		bool seq = strstr(jobs[i].name, "seq") != NULL;

		if (jobs[i].error != 0)
			return vcl_fail(err, jobs[i].error, "fio job %s failed", jobs[i].name);
		/* Sequential jobs by bandwidth, random ones by IOPS. A
		 * percentile of 0 is the clock's resolution (a TCG guest's
		 * clocksource), not a latency: left out. */
		snprintf(key, sizeof(key), seq ? "%.40s_mib_s" : "%.40s_iops", jobs[i].name);
		add_num(l->fig, key, seq ? jobs[i].bw_kib / 1024.0 : jobs[i].iops);
		snprintf(key, sizeof(key), "%.40s_p50_us", jobs[i].name);
		if (jobs[i].p50_us > 0)
			add_num(l->fig, key, jobs[i].p50_us);
		snprintf(key, sizeof(key), "%.40s_p99_us", jobs[i].name);
		if (jobs[i].p99_us > 0)
			add_num(l->fig, key, jobs[i].p99_us);
		/* Bytes moved: the outside check compares them with QEMU's
		 * block counters (scripts/check-vm-blockstats.sh). */
		snprintf(key, sizeof(key), "%.40s_bytes", jobs[i].name);
		json_object_object_add(l->fig, key,
				       json_object_new_int64((int64_t)jobs[i].io_bytes));
	}
	return 0;
}

static int disk_measure(struct vcl_res_launch *l, struct vcl_error **err)
{
	struct vcl_fio_cmd c;
	cleanup_free char *out = NULL;
	bool direct[VCL_FIO_NTARGETS];

	if (disk_direct(l, direct, err) < 0)
		return -1;
	vcl_fio_disk_argv(&c, l->p->disk_s, fio_files, direct);
	if (in_placement(l, c.argv, &out, err) < 0)
		return -1;
	disk_labels(l);
	json_object_object_add(l->info, "command", vcl_res_argv_json(c.argv));
	return disk_figures(l, out, err);
}

/* ---- net ---------------------------------------------------------------- */

/* A container whose network namespace vclab made (ctr, and the runtimes
 * runc and crun given it in their bundle) gets the veth a pod gets from
 * CNI. Not an engine's (podman's or docker's own network), not a sandbox
 * (gVisor's netstack takes its links at start), not bare (a process: its
 * path is loopback), not a VM (a tap would live in the host's namespace:
 * docs/resources.md). */
static bool wants_veth(const struct vcl_instance *inst)
{
	return inst->ops->family == VCL_FAMILY_CONTAINER && !inst->ops->engine &&
	       inst->ep.netns_fd >= 0;
}

static const char *net_path(const struct vcl_instance *inst)
{
	if (vcl_backend_is_vm(inst->ops))
		return "QEMU user-mode network (slirp): a host forward on 127.0.0.1 to the "
		       "guest's virtio-net";
	if (inst->ep.netns_fd >= 0)
		return "loopback inside the placement's own network namespace (the host side "
		       "enters the namespace)";
	return "the host's loopback";
}

#define VETH_PATH                                                                                  \
	"veth pair from a network namespace vclab made (the node side, " VCL_LABNET_NODE_ADDR      \
	") into the container's own (" VCL_LABNET_POD_ADDR "), as CNI gives a pod; the client "    \
	"runs in the lab namespace"

static void add_key(struct json_object *o, const char *pfx, const char *k, struct json_object *v)
{
	char key[64];

	snprintf(key, sizeof(key), "%s%s", pfx, k);
	json_object_object_add(o, key, v);
}

static int net_latency(struct vcl_res_launch *l, const struct vcl_endpoint *ep, const char *pfx,
		       struct vcl_error **err)
{
	struct vcl_loadgen_opts lo = {.ep = ep, .path = "/ping", .concurrency = 1, .seconds = 0.3};
	struct vcl_loadgen_result r;

	if (vcl_loadgen_run(&lo, &r, err) < 0) /* warm-up */
		return -1;
	lo.seconds = l->p->net_s;
	if (vcl_loadgen_run(&lo, &r, err) < 0)
		return -1;
	add_key(l->fig, pfx, "rtt_p50_us", json_object_new_double(r.lat_p50_ms * 1000.0));
	add_key(l->fig, pfx, "rtt_p99_us", json_object_new_double(r.lat_p99_ms * 1000.0));
	add_key(l->fig, pfx, "requests_per_s", json_object_new_double(r.rps));
	add_str(l->info, "latency_tool", "vclab-loadgen, GET /ping, 1 keep-alive connection");
	return 0;
}

/* iperf3's client on the host side of the path (ep's namespace); retried
 * while the server (just exec'd in the placement) is not listening yet. */
static int iperf3_client(struct vcl_res_launch *l, const struct vcl_endpoint *ep, const char *pfx,
			 bool reverse, struct vcl_error **err)
{
	char port[16], secs[16], why[160];
	const char *argv[] = {
	    "iperf3", "-c", ep->addr, "-p", port, "-t", secs, "-J", reverse ? "-R" : NULL, NULL};
	struct vcl_iperf3 r;
	int st = -1;

	snprintf(port, sizeof(port), "%u", ep->port);
	snprintf(secs, sizeof(secs), "%u", l->p->net_s);
	for (int attempt = 0;; attempt++) {
		cleanup_free char *out = NULL;

		if (vcl_res_host_tool(ep->netns_fd, argv, TOOL_TIMEOUT_MS, &out, &st, err) < 0)
			return -1;
		if (st == 0 && vcl_iperf3_parse(out, &r, why, sizeof(why)) == 0)
			break;
		if (attempt == 20 || vcl_interrupted)
			return vcl_fail(err, 0, "iperf3 client (exit %d): %.200s", st, out);
		usleep(250000);
	}
	add_str(l->info, "name", "iperf3");
	add_str(l->info, "version", r.version);
	add_key(l->info, pfx, reverse ? "command_recv" : "command_send", vcl_res_argv_json(argv));
	add_key(l->fig, pfx, reverse ? "recv_mbit_s" : "send_mbit_s",
		json_object_new_double(r.recv_bps / 1e6));
	add_key(l->fig, pfx, reverse ? "recv_bytes" : "send_bytes",
		json_object_new_int64((int64_t)r.recv_bytes));
	return 0;
}

/* The placement's own path (veth for a container vclab made, when veth is
 * set), then its namespace's loopback as loopback_*: the veth's tax. */
static int net_paths(struct vcl_res_launch *l, const struct vcl_endpoint *veth,
		     struct vcl_error **err)
{
	const char *srv[] = {"/usr/bin/iperf3", "-s", "-p", TOOLS_PORT, NULL};
	const struct vcl_endpoint *lo = &l->inst->ep, *own = veth != NULL ? veth : lo;
	cleanup_free char *out = NULL;
	int st;

	add_str(l->info, "path", veth != NULL ? VETH_PATH : net_path(l->inst));
	if (veth != NULL)
		add_str(l->info, "loopback_path", net_path(l->inst));
	if (net_latency(l, own, "", err) < 0 ||
	    (veth != NULL && net_latency(l, lo, "loopback_", err) < 0))
		return -1;
	/* toolrun becomes the iperf3 server: the /ping figures come first. */
	if (vcl_res_post(lo, "/exec", srv, 10000, &out, &st, err) < 0)
		return -1;
	json_object_object_add(l->info, "command_server", vcl_res_argv_json(srv));
	if (iperf3_client(l, own, "", false, err) < 0 || iperf3_client(l, own, "", true, err) < 0)
		return -1;
	if (veth != NULL && (iperf3_client(l, lo, "loopback_", false, err) < 0 ||
			     iperf3_client(l, lo, "loopback_", true, err) < 0))
		return -1;
	return 0;
}

static int net_measure(struct vcl_res_launch *l, struct vcl_error **err)
{
	struct vcl_labnet ln = {.fd = -1};
	struct vcl_endpoint veth;
	int r;

	if (!wants_veth(l->inst))
		return net_paths(l, NULL, err);
	if (vcl_labnet_open(l->b->spec.ledger, l->inst->ep.netns_fd, &ln, err) < 0)
		return -1;
	veth = l->inst->ep;
	snprintf(veth.addr, sizeof(veth.addr), "%s", VCL_LABNET_POD_ADDR);
	veth.netns_fd = ln.fd;
	veth.lab = true;
	r = net_paths(l, &veth, err);
	vcl_labnet_close(&ln);
	return r;
}

static const struct vcl_res_kind cpu = {.name = "cpu", .measure = cpu_measure};
static const struct vcl_res_kind membw = {.name = "membw", .measure = membw_measure};
static const struct vcl_res_kind disk = {.name = "disk", .measure = disk_measure, .storage = true};
static const struct vcl_res_kind net = {.name = "net", .measure = net_measure};

static int cpu_run(struct vcl_bench *b, struct vcl_error **err)
{
	return vcl_res_run(b, &cpu, err);
}

static int membw_run(struct vcl_bench *b, struct vcl_error **err)
{
	return vcl_res_run(b, &membw, err);
}

static int disk_run(struct vcl_bench *b, struct vcl_error **err)
{
	return vcl_res_run(b, &disk, err);
}

static int net_run(struct vcl_bench *b, struct vcl_error **err)
{
	return vcl_res_run(b, &net, err);
}

const struct vcl_scenario vcl_scenario_cpu = {
    .name = "cpu", .run = cpu_run, .not_quick = true, .preflight = vcl_res_tools_check};
const struct vcl_scenario vcl_scenario_membw = {
    .name = "membw", .run = membw_run, .not_quick = true, .preflight = vcl_res_tools_check};
const struct vcl_scenario vcl_scenario_disk = {
    .name = "disk", .run = disk_run, .not_quick = true, .preflight = vcl_res_tools_check};
const struct vcl_scenario vcl_scenario_net = {
    .name = "net", .run = net_run, .not_quick = true, .preflight = vcl_res_tools_check};
