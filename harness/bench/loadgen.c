/* SPDX-License-Identifier: MIT */
#include "bench/loadgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/hdr.h"
#include "core/probe.h"
#include "core/proc.h"
#include "core/util.h"

struct lconn {
	int fd;
	bool connected;
	bool busy;	  /* a request is in flight */
	bool warmed;	  /* answered the connect phase's request */
	uint64_t sent_at; /* closed-loop: the actual send; open-loop: the intended one */
	uint64_t due;	  /* open-loop: intended send time of this connection's next request */
	size_t have;
	char buf[1024];
};

/* One run's state, shared by both modes. */
struct lrun {
	const struct vcl_loadgen_opts *o;
	struct vcl_loadgen_result *r;
	struct vcl_hdr *h;
	struct lconn *conns;
	int epfd, tfd; /* tfd: open-loop timer for the next intended send, else -1 */
	bool open;
	uint64_t interval; /* open-loop: ns between one connection's intended sends */
	uint64_t end;	   /* closed-loop: stop; open-loop: intended sends before it */
	uint64_t sent;	   /* open-loop: scheduled requests sent */
	bool warming;	   /* the connect phase: answers are not recorded */
	char req[600];
	size_t reqlen;
};

static int lconn_open(const struct vcl_endpoint *ep, struct lconn *c, int epfd,
		      struct vcl_error **err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(ep->port)};
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
	int one = 1;

	inet_pton(AF_INET, ep->addr, &sa.sin_addr);
	c->fd = vcl_socket_in_netns(ep->netns_fd, SOCK_STREAM, err);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		int e = errno;

		vcl_closep(&c->fd);
		return vcl_fail(err, e, "Connect to %s:%u", ep->addr, ep->port);
	}
	c->connected = false;
	c->busy = false;
	c->have = 0;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

/* The value of header name (with its ':', any case: busybox httpd writes
 * "Content-type") in the head [buf, buf+head), or NULL. */
static const char *header_value(const char *buf, size_t head, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = buf; p != NULL && p + n < buf + head;) {
		const char *eol = memmem(p, (size_t)(buf + head - p), "\r\n", 2);

		if (eol == NULL)
			return NULL;
		p = eol + 2;
		if (p + n < buf + head && strncasecmp(p, name, n) == 0)
			return p + n;
	}
	return NULL;
}

/* A complete response in c->buf? Returns its length, 0 if incomplete. The
 * payload always sends Content-Length; a user's service may also close
 * the connection after each answer (*close: "Connection: close"). */
static size_t response_len(const struct lconn *c, int *status, bool *close)
{
	const char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
	const char *cl, *conn;
	size_t head, body;

	if (end == NULL)
		return 0;
	head = (size_t)(end - c->buf) + 4;
	cl = header_value(c->buf, head, "Content-Length:");
	body = cl != NULL ? strtoul(cl, NULL, 10) : 0;
	if (c->have < head + body)
		return 0;
	conn = header_value(c->buf, head, "Connection:");
	while (conn != NULL && *conn == ' ')
		conn++;
	*close = conn != NULL && strncasecmp(conn, "close", 5) == 0;
	*status = c->have >= 12 ? atoi(c->buf + 9) : 0;
	return head + body;
}

static int lconn_send(struct lrun *l, struct lconn *c, uint64_t stamp)
{
	c->sent_at = stamp;
	c->busy = true;
	return send(c->fd, l->req, l->reqlen, MSG_NOSIGNAL) == (ssize_t)l->reqlen ? 0 : -1;
}

/* Count the failure, drop the connection (and its request in flight) and
 * open a new one. */
static int lconn_reconnect(struct lrun *l, struct lconn *c, struct vcl_error **err)
{
	l->r->errors++;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	vcl_closep(&c->fd);
	return lconn_open(l->o->ep, c, l->epfd, err);
}

/* Open-loop: send every request whose intended time has come on a free
 * connection, stamped with that intended time, then arm the timer for the
 * earliest one still ahead. A connection that is still busy sends its
 * overdue requests as soon as its response is in (the next call). */
static int open_dispatch(struct lrun *l, uint64_t now, struct vcl_error **err)
{
	uint64_t next = UINT64_MAX;
	struct itimerspec its = {0};

	for (unsigned i = 0; i < l->o->concurrency; i++) {
		struct lconn *c = &l->conns[i];

		if (!c->connected || c->busy || c->due >= l->end)
			continue;
		if (c->due <= now) {
			l->sent++;
			if (lconn_send(l, c, c->due) < 0 && lconn_reconnect(l, c, err) < 0)
				return -1;
			c->due += l->interval;
			continue;
		}
		if (c->due < next)
			next = c->due;
	}
	if (next != UINT64_MAX) {
		its.it_value.tv_sec = (time_t)(next / 1000000000U);
		its.it_value.tv_nsec = (long)(next % 1000000000U);
	}
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return vcl_fail(err, errno, "Arm the load generator's timer");
	return 0;
}

/* Open-loop: every request scheduled in the window has been answered. */
static bool open_done(const struct lrun *l)
{
	for (unsigned i = 0; i < l->o->concurrency; i++)
		if (l->conns[i].busy || l->conns[i].due < l->end)
			return false;
	return true;
}

/* One epoll event on a connection. */
static int lconn_event(struct lrun *l, struct lconn *c, uint32_t events, struct vcl_error **err)
{
	if (!c->connected && (events & EPOLLOUT)) {
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr != 0)
			return lconn_reconnect(l, c, err);
		c->connected = true;
		epoll_ctl(l->epfd, EPOLL_CTL_MOD, c->fd, &ev);
		/* Open-loop sends on schedule, from open_dispatch. */
		if (((l->warming && !c->warmed) || (!l->warming && !l->open)) &&
		    lconn_send(l, c, vcl_now_ns()) < 0)
			return lconn_reconnect(l, c, err);
		return 0;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		ssize_t got = recv(c->fd, c->buf + c->have, sizeof(c->buf) - c->have, 0);
		size_t len;
		int status = 0;
		bool close_after = false;

		if (got < 0 && errno == EAGAIN)
			return 0;
		if (got <= 0)
			return lconn_reconnect(l, c, err);
		c->have += (size_t)got;
		len = response_len(c, &status, &close_after);
		if (len == 0)
			return c->have == sizeof(c->buf) ? lconn_reconnect(l, c, err) : 0;
		if (l->warming) {
			c->warmed = true;
			l->r->connect_errors += status == 200 ? 0 : 1;
		} else if (status == 200) {
			l->r->requests++;
			vcl_hdr_record_ns(l->h, vcl_now_ns() - c->sent_at);
		} else {
			l->r->errors++;
		}
		memmove(c->buf, c->buf + len, c->have - len);
		c->have -= len;
		c->busy = false;
		if (close_after) {
			/* The server said it closes: a new connection, not an
			 * error; the next request goes out once it is up. */
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->fd, NULL);
			vcl_closep(&c->fd);
			return lconn_open(l->o->ep, c, l->epfd, err);
		}
		if (!l->warming && !l->open && lconn_send(l, c, vcl_now_ns()) < 0)
			return lconn_reconnect(l, c, err);
	}
	return 0;
}

/* The connect phase, before the window: open the connections one at a time,
 * each answering one request before the next is opened, so that the
 * measured window starts with every connection up and none of the
 * handshakes falls in it. Opening them all at once is not harmless: QEMU's
 * user-mode network listens on its forwarded port with a backlog of 1, so
 * SYNs beyond the accept queue are dropped and retried after TCP's 1 s
 * initial RTO (docs/metrics.md, "The VM's one-second stall"). */
static int connect_phase(struct lrun *l, struct vcl_error **err)
{
	const uint64_t limit = vcl_now_ns() + (uint64_t)(VCL_LOADGEN_CONNECT_S * 1e9);
	uint64_t start = vcl_now_ns();

	l->warming = true;
	for (unsigned i = 0; i < l->o->concurrency; i++) {
		struct lconn *c = &l->conns[i];
		uint64_t t = vcl_now_ns();

		if (lconn_open(l->o->ep, c, l->epfd, err) < 0)
			return -1;
		while (!c->warmed) {
			struct epoll_event evs[8];
			int n;

			if (vcl_interrupted)
				return vcl_error_interrupted(err);
			if (vcl_now_ns() >= limit)
				return vcl_fail(
				    err, ETIMEDOUT,
				    "Load generator: connection %u of %u to %s:%u not up "
				    "and answering within %.0f s",
				    i + 1, l->o->concurrency, l->o->ep->addr, l->o->ep->port,
				    VCL_LOADGEN_CONNECT_S);
			n = epoll_wait(l->epfd, evs, 8, 50);
			for (int k = 0; k < n; k++)
				if (evs[k].data.ptr != NULL &&
				    lconn_event(l, evs[k].data.ptr, evs[k].events, err) < 0)
					return -1;
		}
		t = vcl_now_ns() - t;
		if (t > l->r->connect_max_ns)
			l->r->connect_max_ns = t;
	}
	l->r->connect_ns = vcl_now_ns() - start;
	l->warming = false;
	return 0;
}

/* Intended sends in [t0, end) over all connections. */
static uint64_t open_slots(const struct lrun *l, uint64_t t0)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < l->o->concurrency; i++) {
		uint64_t first = t0 + (uint64_t)((double)i * 1e9 / l->o->rate);

		if (first < l->end)
			n += (l->end - first + l->interval - 1) / l->interval;
	}
	return n;
}

int vcl_loadgen_run(const struct vcl_loadgen_opts *o, struct vcl_loadgen_result *r,
		    struct vcl_error **err)
{
	cleanup_close int epfd = epoll_create1(EPOLL_CLOEXEC);
	cleanup_close int tfd = -1;
	cleanup_free struct lconn *conns = calloc(o->concurrency, sizeof(*conns));
	cleanup_free struct vcl_hdr *h = malloc(sizeof(*h));
	struct lrun l = {.o = o, .r = r, .h = h, .conns = conns, .epfd = epfd, .tfd = -1};
	uint64_t t0, hard_end;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (epfd < 0 || conns == NULL || h == NULL)
		return vcl_fail(err, errno ? errno : ENOMEM, "Load generator");
	vcl_hdr_init(h);
	l.open = o->rate > 0;
	if (l.open) {
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

		tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (tfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev) < 0)
			return vcl_fail(err, errno, "Load generator timer");
		l.tfd = tfd;
		l.interval = (uint64_t)((double)o->concurrency * 1e9 / o->rate);
		if (l.interval == 0)
			l.interval = 1;
	}
	l.reqlen = (size_t)snprintf(l.req, sizeof(l.req), "GET %s HTTP/1.1\r\nHost: vclab\r\n\r\n",
				    o->path);
	if (l.reqlen >= sizeof(l.req))
		return vcl_fail(err, ENAMETOOLONG, "Load generator path");
	for (unsigned i = 0; i < o->concurrency; i++)
		conns[i].fd = -1;
	if (connect_phase(&l, err) < 0) {
		ret = -1;
		goto out;
	}
	t0 = vcl_now_ns();
	l.end = t0 + (uint64_t)(o->seconds * 1e9);
	hard_end = l.open ? l.end + (uint64_t)(VCL_LOADGEN_DRAIN_S * 1e9) : l.end;
	for (unsigned i = 0; l.open && i < o->concurrency; i++)
		conns[i].due = t0 + (uint64_t)((double)i * 1e9 / o->rate);
	/* Closed-loop: start every connection that is up; one a server
	 * closed after its answer starts once it is up again. */
	for (unsigned i = 0; !l.open && i < o->concurrency; i++)
		if (conns[i].connected && lconn_send(&l, &conns[i], t0) < 0 &&
		    lconn_reconnect(&l, &conns[i], err) < 0) {
			ret = -1;
			goto out;
		}
	while (!vcl_interrupted) {
		struct epoll_event evs[64];
		uint64_t now = vcl_now_ns();
		int n;

		if (now >= hard_end || (l.open && open_done(&l)))
			break;
		if (l.open && open_dispatch(&l, now, err) < 0) {
			ret = -1;
			goto out;
		}
		n = epoll_wait(epfd, evs, 64, 50);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				uint64_t ticks;

				(void)!read(tfd, &ticks, sizeof(ticks));
				continue;
			}
			if (lconn_event(&l, evs[i].data.ptr, evs[i].events, err) < 0) {
				ret = -1;
				goto out;
			}
		}
	}
	if (l.open) {
		r->target_rps = o->rate;
		r->scheduled = open_slots(&l, t0);
		/* Never sent (the connection was behind) or sent and not answered. */
		r->unfinished = r->scheduled - l.sent;
		for (unsigned i = 0; i < o->concurrency; i++)
			r->unfinished += conns[i].busy ? 1 : 0;
		r->errors += r->unfinished;
	}
	r->seconds = (double)(vcl_now_ns() - t0) / 1e9;
	r->rps = (double)r->requests / r->seconds;
	if (vcl_hdr_count(h) > 0) {
		r->lat_p50_ms = vcl_hdr_percentile(h, 0.50) / 1000;
		r->lat_p90_ms = vcl_hdr_percentile(h, 0.90) / 1000;
		r->lat_p99_ms = vcl_hdr_percentile(h, 0.99) / 1000;
		r->lat_p999_ms = vcl_hdr_percentile(h, 0.999) / 1000;
		r->lat_max_ms = (double)vcl_hdr_max(h) / 1000;
	}
out:
	for (unsigned i = 0; i < o->concurrency; i++)
		vcl_closep(&conns[i].fd);
	return ret;
}

/* TcpExt's TCPSynRetrans and ListenDrops of the calling thread's network
 * namespace (/proc/net/netstat: a line of names, then a line of values). */
static bool tcpext_counters(uint64_t *syn_retrans, uint64_t *listen_drops)
{
	cleanup_file FILE *f = fopen("/proc/net/netstat", "re");
	char names[4096], vals[4096];
	int found = 0;

	if (f == NULL)
		return false;
	while (fgets(names, sizeof(names), f) != NULL && fgets(vals, sizeof(vals), f) != NULL) {
		char *sn, *sv, *n, *v;

		if (strncmp(names, "TcpExt:", 7) != 0)
			continue;
		n = strtok_r(names + 7, " \n", &sn);
		v = strtok_r(vals + 7, " \n", &sv);
		for (; n != NULL && v != NULL;
		     n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv)) {
			if (strcmp(n, "TCPSynRetrans") == 0 && ++found)
				*syn_retrans = strtoull(v, NULL, 10);
			else if (strcmp(n, "ListenDrops") == 0 && ++found)
				*listen_drops = strtoull(v, NULL, 10);
		}
	}
	return found == 2;
}

int vcl_loadgen_connect_burst(const struct vcl_endpoint *ep, unsigned n,
			      struct vcl_connect_burst *out, struct vcl_error **err)
{
	cleanup_close int epfd = epoll_create1(EPOLL_CLOEXEC);
	cleanup_free struct lconn *conns = calloc(n, sizeof(*conns));
	uint64_t t0, limit, syn0 = 0, drop0 = 0, syn1 = 0, drop1 = 0;
	unsigned up = 0;
	int ret = 0;
	bool host_ns = ep->netns_fd < 0 && tcpext_counters(&syn0, &drop0);

	memset(out, 0, sizeof(*out));
	out->connections = n;
	if (epfd < 0 || conns == NULL)
		return vcl_fail(err, errno ? errno : ENOMEM, "Connection burst");
	for (unsigned i = 0; i < n; i++)
		conns[i].fd = -1;
	t0 = vcl_now_ns();
	limit = t0 + (uint64_t)(VCL_LOADGEN_CONNECT_S * 1e9);
	for (unsigned i = 0; i < n; i++)
		if (lconn_open(ep, &conns[i], epfd, err) < 0) {
			ret = -1;
			goto out;
		}
	while (up < n && !vcl_interrupted && vcl_now_ns() < limit) {
		struct epoll_event evs[16];
		int k = epoll_wait(epfd, evs, 16, 50);

		for (int i = 0; i < k; i++) {
			struct lconn *c = evs[i].data.ptr;
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			uint64_t t = vcl_now_ns() - t0;

			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
			up++;
			if (soerr != 0) {
				out->failed++;
				continue;
			}
			if (out->fastest_ns == 0 || t < out->fastest_ns)
				out->fastest_ns = t;
			if (t > out->slowest_ns)
				out->slowest_ns = t;
		}
	}
	out->failed += n - up;
	out->counted = host_ns && tcpext_counters(&syn1, &drop1);
	if (out->counted) {
		out->syn_retrans = syn1 - syn0;
		out->listen_drops = drop1 - drop0;
	}
	if (vcl_interrupted)
		ret = vcl_error_interrupted(err);
out:
	for (unsigned i = 0; i < n; i++)
		vcl_closep(&conns[i].fd);
	return ret;
}

/* "1.23ms" / "850.00us" / "1.02s" -> ms */
static double wrk_time_ms(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (strncmp(end, "us", 2) == 0)
		return v / 1000;
	if (strncmp(end, "ms", 2) == 0)
		return v;
	if (*end == 's')
		return v * 1000;
	if (*end == 'm')
		return v * 60000;
	return NAN;
}

/* The token after s's leading blanks; *next is set past it. */
static const char *wrk_token(const char *s, const char **next)
{
	s += strspn(s, " \t");
	*next = s + strcspn(s, " \t\n");
	return s;
}

int vcl_wrk_parse(const char *text, struct vcl_loadgen_result *r)
{
	const char *dist = strstr(text, "Latency Distribution");
	const char *p, *q;

	p = strstr(text, "Requests/sec:");
	if (p == NULL || dist == NULL)
		return -1;
	r->rps = strtod(p + 13, NULL);
	/* Thread Stats: "Latency   Avg   Stdev   Max   +/- Stdev". */
	if ((p = strstr(text, "Latency ")) != NULL && p < dist) {
		(void)wrk_token(p + 7, &q); /* Avg */
		(void)wrk_token(q, &q);	    /* Stdev */
		r->lat_max_ms = wrk_time_ms(wrk_token(q, &q));
		if (isnan(r->lat_max_ms))
			r->lat_max_ms = 0;
	}
	p = dist;
	{
		const char *p50 = strstr(p, "50%"), *p90 = strstr(p, "90%"),
			   *p99 = strstr(p, "99%");

		if (p50 == NULL || p90 == NULL || p99 == NULL)
			return -1;
		r->lat_p50_ms = wrk_time_ms(p50 + 3 + strspn(p50 + 3, " \t"));
		r->lat_p90_ms = wrk_time_ms(p90 + 3 + strspn(p90 + 3, " \t"));
		r->lat_p99_ms = wrk_time_ms(p99 + 3 + strspn(p99 + 3, " \t"));
	}
	if ((p = strstr(text, " requests in ")) != NULL) {
		const char *line = p;

		while (line > text && line[-1] != '\n')
			line--;
		r->requests = strtoull(line + strspn(line, " "), NULL, 10);
	}
	if ((p = strstr(text, "Non-2xx or 3xx responses:")) != NULL)
		r->errors += strtoull(p + 26, NULL, 10);
	/* "Socket errors: connect 0, read 1, write 0, timeout 2" */
	if ((p = strstr(text, "Socket errors:")) != NULL) {
		static const char *const kinds[] = {"connect ", "read ", "write ", "timeout "};
		const char *eol = strchr(p, '\n');

		for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
			q = strstr(p, kinds[i]);
			if (q != NULL && (eol == NULL || q < eol))
				r->errors += strtoull(q + strlen(kinds[i]), NULL, 10);
		}
	}
	return isnan(r->lat_p50_ms) || isnan(r->lat_p90_ms) || isnan(r->lat_p99_ms) ? -1 : 0;
}

int vcl_wrk_run(const struct vcl_loadgen_opts *o, struct vcl_loadgen_result *r,
		struct vcl_error **err)
{
	static const char *const wrk = "/usr/bin/wrk";
	char url[700], conc[16], dur[16], threads[8] = "1", script[64] = "";
	cleanup_close int sfd = -1;
	int pfd[2];
	pid_t pid;
	cleanup_free char *out = NULL;
	size_t len = 0, cap = 0;
	int status;

	if (access(wrk, X_OK) < 0)
		return 0;
	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "http://%s:%u%s", o->ep->addr, o->ep->port, o->path);
	snprintf(conc, sizeof(conc), "%u", o->concurrency);
	snprintf(dur, sizeof(dur), "%.0fs", o->seconds < 1 ? 1 : o->seconds);
	if (o->rate > 0) {
		/* Paced: each connection waits concurrency/rate between its
		 * answer and its next request (wrk's delay() hook, in ms). */
		char lua[96];
		int n = snprintf(lua, sizeof(lua), "function delay() return %.0f end\n",
				 (double)o->concurrency * 1e3 / o->rate);

		sfd = memfd_create("vclab-wrk-pace", 0);
		if (sfd < 0 || write(sfd, lua, (size_t)n) != n)
			return vcl_fail(err, errno, "wrk's pacing script");
		snprintf(script, sizeof(script), "/proc/self/fd/%d", sfd);
	}
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return vcl_fail(err, errno, "pipe2");
	pid = fork();
	if (pid < 0)
		return vcl_fail(err, errno, "fork wrk");
	if (pid == 0) {
		/* wrk cannot enter a namespace itself: the child does, then execs. */
		if (o->ep->netns_fd >= 0 && setns(o->ep->netns_fd, CLONE_NEWNET) < 0)
			_exit(126);
		dup2(pfd[1], 1);
		if (script[0] != '\0')
			execl(wrk, "wrk", "-t", threads, "-c", conc, "-d", dur, "--latency", "-s",
			      script, url, (char *)NULL);
		else
			execl(wrk, "wrk", "-t", threads, "-c", conc, "-d", dur, "--latency", url,
			      (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n;

		if (len + 512 > cap) {
			char *g = realloc(out, cap = cap ? cap * 2 : 4096);

			if (g == NULL)
				break;
			out = g;
		}
		n = read(pfd[0], out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pfd[0]);
	vcl_waitpid(pid, &status, 0);
	if (out == NULL || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vcl_fail(err, 0, "wrk failed (status %d)", status);
	out[len] = '\0';
	if (vcl_wrk_parse(out, r) < 0)
		return vcl_fail(err, 0, "Cannot parse wrk's output");
	r->seconds = o->seconds;
	return 1;
}
