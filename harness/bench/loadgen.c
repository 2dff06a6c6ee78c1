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
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/probe.h"
#include "core/proc.h"
#include "core/stats.h"
#include "core/util.h"

struct lconn {
	int fd;
	bool connected;
	uint64_t sent_at;
	size_t have;
	char buf[1024];
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
	c->have = 0;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

/* A complete response in c->buf? Returns its length, 0 if incomplete. The
 * payload always sends Content-Length. */
static size_t response_len(const struct lconn *c, int *status)
{
	const char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
	const char *cl;
	size_t head, body;

	if (end == NULL)
		return 0;
	head = (size_t)(end - c->buf) + 4;
	cl = memmem(c->buf, head, "Content-Length:", 15);
	body = cl != NULL ? strtoul(cl + 15, NULL, 10) : 0;
	if (c->have < head + body)
		return 0;
	*status = c->have >= 12 ? atoi(c->buf + 9) : 0;
	return head + body;
}

int vcl_loadgen_run(const struct vcl_loadgen_opts *o, struct vcl_loadgen_result *r,
		    struct vcl_error **err)
{
	cleanup_close int epfd = epoll_create1(EPOLL_CLOEXEC);
	cleanup_free struct lconn *conns = calloc(o->concurrency, sizeof(*conns));
	cleanup_free double *lat = NULL;
	size_t nlat = 0, cap = 4096;
	char req[600];
	int reqlen;
	uint64_t t0, end;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (epfd < 0 || conns == NULL)
		return vcl_fail(err, errno ? errno : ENOMEM, "Load generator");
	lat = malloc(cap * sizeof(*lat));
	if (lat == NULL)
		return vcl_fail(err, ENOMEM, "Load generator");
	reqlen = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: vclab\r\n\r\n", o->path);
	for (unsigned i = 0; i < o->concurrency; i++)
		conns[i].fd = -1;
	for (unsigned i = 0; i < o->concurrency; i++)
		if (lconn_open(o->ep, &conns[i], epfd, err) < 0) {
			ret = -1;
			goto out;
		}
	t0 = vcl_now_ns();
	end = t0 + (uint64_t)(o->seconds * 1e9);
	while (vcl_now_ns() < end && !vcl_interrupted) {
		struct epoll_event evs[64];
		int n = epoll_wait(epfd, evs, 64, 50);

		for (int i = 0; i < n; i++) {
			struct lconn *c = evs[i].data.ptr;

			if (!c->connected && (evs[i].events & EPOLLOUT)) {
				struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
				int soerr = 0;
				socklen_t sl = sizeof(soerr);

				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
				if (soerr != 0)
					goto reconnect;
				c->connected = true;
				epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
				goto send_next;
			}
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
				ssize_t got =
				    recv(c->fd, c->buf + c->have, sizeof(c->buf) - c->have, 0);
				size_t len;
				int status = 0;

				if (got < 0 && errno == EAGAIN)
					continue;
				if (got <= 0)
					goto reconnect;
				c->have += (size_t)got;
				len = response_len(c, &status);
				if (len == 0) {
					if (c->have == sizeof(c->buf))
						goto reconnect;
					continue;
				}
				if (status == 200) {
					r->requests++;
					if (nlat == cap) {
						double *g = realloc(lat, (cap *= 2) * sizeof(*g));

						if (g == NULL) {
							ret =
							    vcl_fail(err, ENOMEM, "Load generator");
							goto out;
						}
						lat = g;
					}
					lat[nlat++] = vcl_ns_to_ms(vcl_now_ns() - c->sent_at);
				} else {
					r->errors++;
				}
				memmove(c->buf, c->buf + len, c->have - len);
				c->have -= len;
				goto send_next;
			}
			continue;
		send_next:
			c->sent_at = vcl_now_ns();
			if (send(c->fd, req, (size_t)reqlen, MSG_NOSIGNAL) != reqlen)
				goto reconnect;
			continue;
		reconnect:
			r->errors++;
			epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
			vcl_closep(&c->fd);
			if (lconn_open(o->ep, c, epfd, err) < 0) {
				ret = -1;
				goto out;
			}
		}
	}
	r->seconds = (double)(vcl_now_ns() - t0) / 1e9;
	r->rps = (double)r->requests / r->seconds;
	if (nlat > 0) {
		struct vcl_stats st;

		vcl_stats_compute(lat, nlat, 0, 0, &st);
		r->lat_p50_ms = st.p50;
		r->lat_p90_ms = st.p90;
		r->lat_p99_ms = st.p99;
		r->lat_max_ms = st.max;
	}
out:
	for (unsigned i = 0; i < o->concurrency; i++)
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

int vcl_wrk_parse(const char *text, struct vcl_loadgen_result *r)
{
	const char *p;

	p = strstr(text, "Requests/sec:");
	if (p == NULL)
		return -1;
	r->rps = strtod(p + 13, NULL);
	if ((p = strstr(text, "Latency Distribution")) == NULL)
		return -1;
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
	return isnan(r->lat_p50_ms) ? -1 : 0;
}

int vcl_wrk_run(const struct vcl_loadgen_opts *o, struct vcl_loadgen_result *r,
		struct vcl_error **err)
{
	static const char *const wrk = "/usr/bin/wrk";
	char url[700], conc[16], dur[16], threads[8] = "1";
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
