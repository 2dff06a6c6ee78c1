/* SPDX-License-Identifier: MIT */
/*
 * The resource scenarios' driver (resources.h): the tools image through the
 * user-image machinery, shuffled rounds over the placements, statistics
 * with ratios to bare.
 *
 * The tools image is the service only while these scenarios run: the
 * placements were prepared for the run's own service, so they are undone
 * and prepared again for the tools image, and back afterwards (prepare
 * depends on the service: ctr's overlay folder and confinement, bare's
 * overlay folder, the VM's service disk).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/resources.h"
#include "core/cleanup.h"
#include "core/compare.h"
#include "core/ledger.h"
#include "core/probe.h"
#include "core/proc.h"
#include "core/results.h"
#include "core/stats.h"
#include "core/util.h"
#include "image/image.h"
#include "vmm/vmm.h"

/* clang-format off */
static const struct vcl_res_params params[] = {
	/* profile    rounds cpu_events mem_mib disk_s net_s */
	{"quick",         3,     1000,    512,     1,    1},
	{"standard",      5,    10000,   8192,    10,   10},
	{"full",         10,    30000,  32768,    30,   30},
};
/* clang-format on */

#define RES_MAX_OUT (4u << 20)

int vcl_res_lower_is_better(const char *metric)
{
	size_t n = strlen(metric);

	return (n > 3 &&
		(strcmp(metric + n - 3, "_ms") == 0 || strcmp(metric + n - 3, "_us") == 0));
}

struct json_object *vcl_res_argv_json(const char *const *argv)
{
	struct json_object *a = json_object_new_array();

	for (; *argv != NULL; argv++)
		json_object_array_add(a, json_object_new_string(*argv));
	return a;
}

/* Read from fd until EOF or the deadline into a growing buffer. */
static int read_all(int fd, uint64_t deadline, char **out, size_t *len, struct vcl_error **err)
{
	size_t cap = 65536;
	char *buf = malloc(cap);

	*len = 0;
	if (buf == NULL)
		return vcl_fail(err, ENOMEM, "Read a tool's output");
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint64_t now = vcl_now_ns();
		ssize_t r;

		if (vcl_interrupted) {
			free(buf);
			return vcl_error_interrupted(err);
		}
		if (now >= deadline) {
			free(buf);
			return vcl_error_set(err, VCL_E_TIMEOUT, 0,
					     "the tool did not finish in time");
		}
		if (poll(&pfd, 1, (int)((deadline - now) / 1000000ULL) + 1) <= 0)
			continue;
		if (cap - *len < 4096 && cap < RES_MAX_OUT) {
			char *n = realloc(buf, cap * 2);

			if (n == NULL) {
				free(buf);
				return vcl_fail(err, ENOMEM, "Read a tool's output");
			}
			buf = n;
			cap *= 2;
		}
		r = read(fd, buf + *len, cap - 1 - *len);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			break;
		*len += (size_t)r;
		if (*len >= cap - 1)
			break;
	}
	buf[*len] = '\0';
	*out = buf;
	return 0;
}

static int connect_ep(const struct vcl_endpoint *ep, uint64_t deadline, struct vcl_error **err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(ep->port)};
	struct pollfd pfd;
	int fd, e = 0;
	socklen_t el = sizeof(e);

	if (inet_pton(AF_INET, ep->addr, &sa.sin_addr) != 1 ||
	    ((ntohl(sa.sin_addr.s_addr) >> 24) != 127 && !(ep->lab && ep->netns_fd >= 0)))
		return vcl_usage(err, "Endpoint %s is outside 127.0.0.0/8", ep->addr);
	fd = vcl_socket_in_netns(ep->netns_fd, SOCK_STREAM, err);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		e = errno;
		close(fd);
		return vcl_fail(err, e, "Connect to %s:%u", ep->addr, ep->port);
	}
	pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
	if (poll(&pfd, 1, (int)((deadline - vcl_now_ns()) / 1000000ULL) + 1) <= 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e != 0) {
		close(fd);
		return vcl_fail(err, e != 0 ? e : ETIMEDOUT, "Connect to %s:%u", ep->addr,
				ep->port);
	}
	return fd;
}

static int send_request(int fd, const char *path, const char *const *argv, uint64_t deadline,
			struct vcl_error **err)
{
	char body[8192], req[8448];
	size_t blen = 0, off = 0;
	int n;

	for (; *argv != NULL; argv++) {
		n = snprintf(body + blen, sizeof(body) - blen, "%s%s", blen > 0 ? "\n" : "", *argv);
		if (n < 0 || (size_t)n >= sizeof(body) - blen)
			return vcl_usage(err, "Tool command line too long");
		blen += (size_t)n;
	}
	n = snprintf(req, sizeof(req),
		     "POST %s HTTP/1.1\r\nHost: vclab\r\nConnection: close\r\n"
		     "Content-Length: %zu\r\n\r\n%s",
		     path, blen, body);
	if (n < 0 || (size_t)n >= sizeof(req))
		return vcl_usage(err, "Tool request too long");
	while (off < (size_t)n) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		ssize_t w;

		if (vcl_now_ns() >= deadline)
			return vcl_error_set(err, VCL_E_TIMEOUT, 0, "POST %s: timed out", path);
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		w = send(fd, req + off, (size_t)n - off, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return vcl_fail(err, errno, "POST %s", path);
		if (w > 0)
			off += (size_t)w;
	}
	return 0;
}

int vcl_res_post(const struct vcl_endpoint *ep, const char *path, const char *const *argv,
		 unsigned timeout_ms, char **out, int *exit_status, struct vcl_error **err)
{
	uint64_t deadline = vcl_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	cleanup_close int fd = -1;
	cleanup_free char *resp = NULL;
	const char *body, *x;
	size_t len;
	int status = 0;

	fd = connect_ep(ep, deadline, err);
	if (fd < 0 || send_request(fd, path, argv, deadline, err) < 0 ||
	    read_all(fd, deadline, &resp, &len, err) < 0)
		return vcl_error_wrap(err, "Run %s in the placement", argv[0]);
	body = strstr(resp, "\r\n\r\n");
	if (sscanf(resp, "HTTP/1.1 %d", &status) != 1 || body == NULL)
		return vcl_fail(err, 0, "Run %s in the placement: no HTTP answer", argv[0]);
	if (status != 200)
		return vcl_fail(err, 0, "Run %s in the placement: toolrun answered %d: %s", argv[0],
				status, body + 4);
	x = strstr(resp, "X-Exit: ");
	*exit_status = x != NULL && x < body ? atoi(x + 8) : -1;
	*out = strdup(body + 4);
	return *out != NULL ? 0 : vcl_fail(err, ENOMEM, "Tool output");
}

int vcl_res_host_tool(int netns_fd, const char *const *argv, unsigned timeout_ms, char **out,
		      int *exit_status, struct vcl_error **err)
{
	uint64_t deadline = vcl_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	int p[2], st = 0, r;
	size_t len;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return vcl_fail(err, errno, "Run %s", argv[0]);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return vcl_fail(err, errno, "Run %s", argv[0]);
	}
	if (pid == 0) {
		if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) < 0)
			_exit(126);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	r = read_all(p[0], deadline, out, &len, err);
	close(p[0]);
	if (r < 0)
		kill(pid, SIGKILL);
	vcl_waitpid(pid, &st, 0);
	if (r < 0)
		return vcl_error_wrap(err, "Run %s", argv[0]);
	*exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (*exit_status == 127 || *exit_status == 126) {
		free(*out);
		*out = NULL;
		return vcl_error_set(err, VCL_E_ENV, 0, "Run %s: not installed or no namespace",
				     argv[0]);
	}
	return 0;
}

/* ---- the rounds ------------------------------------------------------- */

static const struct vcl_res_params *params_of(const char *profile)
{
	for (size_t i = 0; i < ARRAY_SIZE(params); i++)
		if (strcmp(params[i].profile, profile) == 0)
			return &params[i];
	return &params[0];
}

/* The tools image: installed (PREFIX/lib/vclab/tools), or the build tree's. */
static int tools_ref(char *ref, size_t size, struct vcl_error **err)
{
	cleanup_free char *p = NULL;
	char real[PATH_MAX];
	int r = vcl_libdir_file("tools/index.json", &p, err);

	if (r < 0)
		return -1;
	if (r > 0 && vcl_self_relative("../build/tools/index.json", &p, err) < 0)
		return -1;
	if (realpath(p, real) == NULL)
		return vcl_error_set(err, VCL_E_ENV, errno,
				     "The tools image is missing (%s; run `make tools`)", p);
	*strrchr(real, '/') = '\0';
	snprintf(ref, size, "oci:%s:tools", real);
	return 0;
}

int vcl_res_tools_check(struct vcl_error **err)
{
	char ref[PATH_MAX + 16];

	return tools_ref(ref, sizeof(ref), err);
}

/* The disk scenario's host folders: dir/volume and dir/overlay. */
struct vcl_res_storage {
	char dir[PATH_MAX / 2], vol[PATH_MAX / 2 + 16], upper[PATH_MAX / 2 + 16];
	bool made;
};

/* Undo every active placement's prepare, make svc the service, prepare
 * them again (new run contexts in b->run; one that failed stays NULL). */
static int reprepare(struct vcl_bench *b, const struct vcl_svc_spec *svc, struct vcl_error **err)
{
	for (unsigned i = b->nactive; i-- > 0;) {
		if (b->active[i]->cleanup != NULL)
			b->active[i]->cleanup(b->run[i], &b->spec);
		b->run[i] = NULL;
	}
	b->spec.svc = svc;
	for (unsigned i = 0; i < b->nactive; i++)
		if (b->active[i]->prepare != NULL &&
		    b->active[i]->prepare(&b->spec, &b->run[i], err) < 0)
			return vcl_error_wrap(err, "Prepare %s", b->active[i]->name);
	return 0;
}

/* Empty the disk scenario's folders for the next launch (what fio wrote,
 * the overlay's upper and work layers), then sync their file system: the
 * blocks just freed (journal, discards on a `discard` mount) are settled
 * before the next launch writes, not charged to it (or to whichever
 * placement comes next). */
static int storage_empty(struct vcl_res_launch *l, struct vcl_error **err)
{
	const char *const dirs[] = {l->scratch_dir, l->upper_dir};
	int fd;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		mode_t mode = i == 0 ? 01777 : 0755;

		if (vcl_rm_rf(dirs[i], err) < 0 || vcl_mkdir_p(dirs[i], err) < 0 ||
		    chmod(dirs[i], mode) < 0)
			return vcl_error_wrap(err, "Empty %s", dirs[i]);
	}
	fd = open(l->scratch_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return vcl_fail(err, e, "Sync %s", l->scratch_dir);
	}
	close(fd);
	return 0;
}

/* One launch: start the tools image, measure, stop. */
static int one_launch(struct vcl_res_launch *l, const struct vcl_backend_ops *ops,
		      const struct vcl_res_kind *k, struct vcl_error **err)
{
	struct json_object *o = vcl_json_obj(vcl_bench_result_obj(l->b, ops), k->name);
	struct json_object *runs = NULL;
	int r;

	if (!json_object_object_get_ex(o, "runs", &runs)) {
		runs = json_object_new_array();
		json_object_object_add(o, "runs", runs);
	}
	if (vcl_bench_start(l->b, ops, &l->inst, err) < 0)
		return -1;
	l->fig = json_object_new_object();
	l->info = vcl_json_obj(o, "tool");
	r = k->measure(l, err);
	vcl_bench_stop(l->b, l->inst);
	l->inst = NULL;
	if (l->scratch_dir != NULL && r == 0)
		r = storage_empty(l, err);
	if (r < 0) {
		json_object_put(l->fig);
		return -1;
	}
	json_object_array_add(runs, l->fig);
	return 0;
}

/* The placements that can run the tools image; the others say why not. */
static unsigned eligible(struct vcl_bench *b, const struct vcl_res_kind *k,
			 const struct vcl_backend_ops **out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < b->nactive; i++) {
		if (b->active[i]->runs_services) {
			out[n++] = b->active[i];
			continue;
		}
		json_object_object_add(vcl_json_obj(vcl_bench_result_obj(b, b->active[i]), k->name),
				       "skipped", json_object_new_boolean(1));
		json_object_object_add(
		    vcl_json_obj(vcl_bench_result_obj(b, b->active[i]), k->name), "reason",
		    json_object_new_string("cannot run the tools image (a user's service) yet"));
	}
	return n;
}

static int rounds(struct vcl_res_launch *l, const struct vcl_res_kind *k,
		  const struct vcl_backend_ops **ops, unsigned n, struct vcl_error **err)
{
	uint64_t state = l->b->seed ^ 0x7e5c0u;
	unsigned idx[VCL_MAX_ACTIVE];

	l->b->steps_total += n * l->p->rounds;
	for (unsigned r = 0; r < l->p->rounds; r++) {
		for (unsigned i = 0; i < n; i++)
			idx[i] = i;
		vcl_shuffle(idx, n, &state);
		for (unsigned i = 0; i < n; i++) {
			struct vcl_error *e = NULL;

			if (one_launch(l, ops[idx[i]], k, &e) < 0) {
				if (vcl_bench_fatal(e)) {
					*err = e;
					return -1;
				}
				vcl_bench_record_error(l->b, ops[idx[i]]->name, k->name, e);
				vcl_error_free(e);
			}
			vcl_bench_step(l->b, ops[idx[i]]->name);
		}
	}
	return 0;
}

/* The values of metric in o.runs[]. */
static size_t metric_samples(struct json_object *o, const char *metric, double *x, size_t max)
{
	struct json_object *runs = vcl_json_path(o, "runs");
	size_t n = 0, len = runs != NULL ? json_object_array_length(runs) : 0;

	for (size_t i = 0; i < len && n < max; i++) {
		struct json_object *v;

		if (json_object_object_get_ex(json_object_array_get_idx(runs, i), metric, &v))
			x[n++] = json_object_get_double(v);
	}
	return n;
}

/* metrics.<m> = stats of the runs, with x_bare: the ratio to bare's. */
static void summarise(struct vcl_bench *b, const struct vcl_res_kind *k,
		      const struct vcl_backend_ops **ops, unsigned n)
{
	const struct vcl_backend_ops *base = NULL;
	double aa_lo = NAN, aa_hi = NAN;

	for (unsigned i = 0; i < n; i++)
		if (ops[i]->baseline)
			base = ops[i];
	if (vcl_json_path_double(b->root, "calibration.aa.ci95.0", &aa_lo) < 0 ||
	    vcl_json_path_double(b->root, "calibration.aa.ci95.1", &aa_hi) < 0)
		aa_lo = aa_hi = NAN;
	for (unsigned i = 0; i < n; i++) {
		struct json_object *o = vcl_json_obj(vcl_bench_result_obj(b, ops[i]), k->name);
		struct json_object *run0 = json_object_array_get_idx(vcl_json_path(o, "runs"), 0);
		struct json_object *metrics = json_object_new_object();

		if (run0 == NULL) {
			json_object_put(metrics);
			continue;
		}
		json_object_object_foreach(run0, key, val)
		{
			double x[64], y[64];
			size_t nx = metric_samples(o, key, x, 64), ny = 0;
			struct vcl_stats st;
			struct json_object *m, *r;

			(void)val;
			/* Byte counts are for the outside checks, not figures. */
			if (nx == 0 || strstr(key, "_bytes") != NULL)
				continue;
			vcl_stats_compute(x, nx, VCL_BOOTSTRAP_RESAMPLES, VCL_BOOTSTRAP_SEED, &st);
			m = vcl_stats_json(&st, x, nx);
			json_object_object_add(m, "better",
					       json_object_new_string(vcl_res_lower_is_better(key)
									  ? "lower"
									  : "higher"));
			if (base != NULL)
				ny = metric_samples(
				    vcl_json_obj(vcl_bench_result_obj(b, base), k->name), key, y,
				    64);
			r = json_object_new_object();
			if (ny > 0 && vcl_ratio_fill(r, x, nx, y, ny, aa_lo, aa_hi))
				json_object_object_add(m, "x_bare", r);
			else
				json_object_put(r);
			json_object_object_add(metrics, key, m);
		}
		json_object_object_add(o, "metrics", metrics);
	}
}

static const char *fs_name(const char *path)
{
	struct statfs s;

	if (path == NULL || statfs(path, &s) < 0)
		return "unknown";
	switch ((unsigned long)s.f_type) {
	case 0xEF53UL:
		return "ext4";
	case 0x58465342UL:
		return "xfs";
	case 0x9123683EUL:
		return "btrfs";
	case 0x01021994UL:
		return "tmpfs";
	case 0x794c7630UL:
		return "overlay";
	default:
		return "other";
	}
}

static int run_with_tools(struct vcl_bench *b, const struct vcl_res_kind *k, struct vcl_image *img,
			  const struct vcl_res_storage *st, struct vcl_error **err)
{
	const struct vcl_backend_ops *ops[VCL_MAX_ACTIVE];
	struct vcl_res_launch l = {.b = b, .p = params_of(b->o->profile)};
	unsigned n = eligible(b, k, ops);
	int r;

	l.rootfs = img->rootfs;
	l.rootfs_fs = fs_name(img->rootfs);
	if (k->storage) {
		l.scratch_dir = st->vol;
		l.upper_dir = st->upper;
		l.scratch_fs = fs_name(st->vol);
		l.upper_fs = fs_name(st->upper);
		l.state_fs = fs_name(b->spec.state_dir);
		l.vm_fs = fs_name(VCL_VM_IMAGE_ROOT);
	}
	r = rounds(&l, k, ops, n, err);
	summarise(b, k, ops, n);
	return r;
}

/* The disk scenario's host folders, on the image cache's file system (the
 * lab's state on disk; the run's state folder may be a tmpfs /run): the
 * folder recorded in the ledger first, removed by vcl_res_storage_free,
 * and by `vclab gc` after a crash. */
static int storage_make(struct vcl_bench *b, struct vcl_res_storage *st, struct vcl_error **err)
{
	const char *run = strrchr(b->spec.state_dir, '/');

	snprintf(st->dir, sizeof(st->dir), "%s/resources-%s", vcl_image_cache_root(),
		 run != NULL ? run + 1 : b->spec.state_dir);
	snprintf(st->vol, sizeof(st->vol), "%s/volume", st->dir);
	snprintf(st->upper, sizeof(st->upper), "%s/overlay", st->dir);
	if (vcl_ledger_add(b->spec.ledger, err, "dir %s", st->dir) < 0)
		return -1;
	st->made = true;
	if (vcl_mkdir_p(st->vol, err) < 0 || vcl_mkdir_p(st->upper, err) < 0)
		return vcl_error_wrap(err, "Make the disk scenario's folders");
	/* The service may run as any user: world-writable as an emptyDir. */
	if (chmod(st->vol, 01777) < 0)
		return vcl_fail(err, errno, "Make %s writable", st->vol);
	return 0;
}

static void storage_free(struct vcl_res_storage *st)
{
	if (st->made)
		vcl_rm_rf(st->dir, NULL);
	st->made = false;
}

int vcl_res_run(struct vcl_bench *b, const struct vcl_res_kind *k, struct vcl_error **err)
{
	struct vcl_image img = {0};
	const struct vcl_svc_spec *svc = b->spec.svc;
	struct vcl_image *own = b->image;
	struct vcl_error *e = NULL;
	char ref[PATH_MAX + 16];
	struct vcl_image_opts io = {.ref = ref, .ready = "http:/healthz", .name = "vclab-tools"};
	struct vcl_res_storage st = {0};
	struct vcl_volume vol;
	int r;

	/* Resources are the placement's, not a service's: once per run, at
	 * the top level (a --services file measures its services one after
	 * the other: the first one's pass measures them). */
	b->image = NULL;
	if (b->nactive > 0 &&
	    vcl_json_path(vcl_bench_result_obj(b, b->active[0]), k->name) != NULL) {
		b->image = own;
		return 0;
	}
	if (tools_ref(ref, sizeof(ref), &e) < 0 || vcl_image_load(&io, &img, &e) < 0) {
		vcl_bench_record_error(b, "", k->name, e);
		vcl_error_free(e);
		b->image = own;
		return 0;
	}
	r = k->storage ? storage_make(b, &st, err) : 0;
	if (r == 0 && k->storage) {
		/* Like a pod's emptyDir on the node's disk, at /scratch. */
		vol = (struct vcl_volume){.name = "scratch",
					  .target = VCL_RES_SCRATCH,
					  .empty = true,
					  .host_dir = st.vol};
		img.svc.vols = &vol;
		img.svc.nvols = 1;
		img.svc.upper_dir = st.upper;
	}
	if (r == 0)
		r = reprepare(b, &img.svc, err);
	if (r == 0)
		r = run_with_tools(b, k, &img, &st, err);
	if (reprepare(b, svc, r == 0 ? err : &e) < 0 && r == 0)
		r = -1;
	storage_free(&st);
	vcl_error_free(e);
	vcl_image_free(&img);
	b->image = own;
	return r;
}
