/* SPDX-License-Identifier: MIT */
/*
 * Density under load (--density-load RPS): after each burst, every instance
 * up serves RPS requests a second for one window, open-loop: request i goes
 * to instance i mod n at its intended time t0 + i / (RPS * n), and its
 * latency runs from that time, so a harness or host that falls behind
 * shows in the figure. One epoll set holds every request in flight (at
 * most LOAD_INFLIGHT); a request not answered within LOAD_TIMEOUT_MS is an
 * error, and an instance with an error is unhealthy (stop_reason cpu).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/density.h"
#include "core/cleanup.h"
#include "core/probe.h"
#include "core/stats.h"
#include "core/util.h"

#define LOAD_INFLIGHT	1024
#define LOAD_TIMEOUT_MS 1000

static const char load_req[] = "GET /healthz HTTP/1.1\r\nHost: vclab\r\nConnection: close\r\n\r\n";

struct req {
	int fd;
	unsigned inst;
	uint64_t intended;
	bool sent;
};

static void req_end(int ep, struct req *r)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, r->fd, NULL);
	close(r->fd);
	r->fd = -1;
}

static int req_start(int ep, struct req *r, const struct vcl_endpoint *e, unsigned slot)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(e->port)};
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.u32 = slot};

	if (inet_pton(AF_INET, e->addr, &sa.sin_addr) != 1)
		return -1;
	r->fd = vcl_socket_in_netns(e->netns_fd, SOCK_STREAM, NULL);
	if (r->fd < 0)
		return -1;
	r->sent = false;
	if ((connect(r->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, r->fd, &ev) < 0) {
		close(r->fd);
		r->fd = -1;
		return -1;
	}
	return 0;
}

/* An event on request slot r: 1 answered 200, -1 failed, 0 not yet. */
static int req_event(int ep, struct req *r, uint32_t events, unsigned slot)
{
	char buf[128];
	ssize_t n;

	if (!r->sent) {
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = slot};
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr != 0 || (events & EPOLLERR) ||
		    send(r->fd, load_req, sizeof(load_req) - 1, MSG_NOSIGNAL) !=
			(ssize_t)(sizeof(load_req) - 1))
			return -1;
		r->sent = true;
		epoll_ctl(ep, EPOLL_CTL_MOD, r->fd, &ev);
		return 0;
	}
	n = recv(r->fd, buf, sizeof(buf) - 1, 0);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n < 12)
		return -1;
	buf[n] = '\0';
	return strncmp(buf, "HTTP/1.1 200", 12) == 0 ? 1 : -1;
}

/* LOAD_INFLIGHT empty request slots, or NULL. */
static struct req *reqs_new(void)
{
	struct req *reqs = calloc(LOAD_INFLIGHT, sizeof(*reqs));

	for (unsigned i = 0; reqs != NULL && i < LOAD_INFLIGHT; i++)
		reqs[i].fd = -1;
	return reqs;
}

/* A signal arrived: drop every request in flight; returns -1. */
static int reqs_interrupted(int ep, struct req *reqs, struct vcl_error **err)
{
	for (unsigned i = 0; i < LOAD_INFLIGHT; i++)
		if (reqs[i].fd >= 0)
			req_end(ep, &reqs[i]);
	return vcl_error_interrupted(err);
}

/* End the requests that started more than timeout_ms before now, marking
 * their instances bad; returns how many. */
static unsigned reqs_expire(int ep, struct req *reqs, uint64_t now, unsigned timeout_ms,
			    unsigned char *bad)
{
	unsigned n = 0;

	for (unsigned s = 0; s < LOAD_INFLIGHT; s++)
		if (reqs[s].fd >= 0 && now - reqs[s].intended > (uint64_t)timeout_ms * 1000000ULL) {
			req_end(ep, &reqs[s]);
			bad[reqs[s].inst] = 1;
			n++;
		}
	return n;
}

/* One round of requests to the instances: request i goes to instance
 * i mod n, due at t0 + i * period, and its clock runs from then (period 0:
 * each goes out as soon as a slot is free, its clock starting when it
 * does). Both density measures (load, health) are one of these. */
struct load_round {
	struct vcl_instance **inst;
	unsigned n;
	uint64_t total, t0, period;
	unsigned timeout_ms; /* a request not answered by then is an error */
	int wait_ms;	     /* epoll_wait's time-out: how late a due request may go */
	unsigned char *bad;  /* n flags: 1 where an instance had an error */
	double *lat;	     /* total slots, or NULL: the latency of each 200, in ms */
	size_t nlat;
	uint64_t errors;
};

/* Send the requests of round L that are due at now while a slot is free;
 * returns how many could not start (errors, done). */
static uint64_t round_send(struct load_round *L, int ep, struct req *reqs, uint64_t *next,
			   uint64_t now)
{
	uint64_t failed = 0;

	for (unsigned s = 0;
	     *next < L->total && L->t0 + *next * L->period <= now && s < LOAD_INFLIGHT; s++) {
		struct req *r = &reqs[s];

		if (r->fd >= 0)
			continue;
		r->inst = (unsigned)(*next % L->n);
		r->intended = L->period != 0 ? L->t0 + *next * L->period : now;
		(*next)++;
		if (req_start(ep, r, &L->inst[r->inst]->ep, s) < 0) {
			L->bad[r->inst] = 1;
			failed++;
		}
	}
	return failed;
}

/* Run round L to its end: every request answered, failed or expired.
 * what names it in an error. */
static int round_run(struct load_round *L, const char *what, struct vcl_error **err)
{
	cleanup_close int ep = epoll_create1(EPOLL_CLOEXEC);
	cleanup_free struct req *reqs = reqs_new();
	uint64_t next = 0, done = 0;

	if (ep < 0 || reqs == NULL)
		return vcl_fail(err, errno != 0 ? errno : ENOMEM, "%s", what);
	while (done < L->total) {
		struct epoll_event evs[64];
		uint64_t now = vcl_now_ns(), lost;
		int m;

		if (vcl_interrupted)
			return reqs_interrupted(ep, reqs, err);
		lost = round_send(L, ep, reqs, &next, now);
		lost += reqs_expire(ep, reqs, now, L->timeout_ms, L->bad);
		L->errors += lost;
		done += lost;
		m = epoll_wait(ep, evs, 64, L->wait_ms);
		for (int i = 0; i < m; i++) {
			unsigned s = evs[i].data.u32;
			struct req *r = &reqs[s];
			int v;

			if (r->fd < 0 || (v = req_event(ep, r, evs[i].events, s)) == 0)
				continue;
			if (v > 0 && L->lat != NULL)
				L->lat[L->nlat++] = (double)(vcl_now_ns() - r->intended) / 1e6;
			else if (v < 0) {
				L->bad[r->inst] = 1;
				L->errors++;
			}
			req_end(ep, r);
			done++;
		}
	}
	return 0;
}

int vcl_density_load(struct vcl_instance **inst, unsigned n, double rps, double seconds,
		     struct vcl_density_load *out, struct vcl_error **err)
{
	uint64_t total = (uint64_t)(rps * n * seconds);
	cleanup_free double *lat = calloc(total > 0 ? total : 1, sizeof(double));
	cleanup_free unsigned char *bad = calloc(n > 0 ? n : 1, 1);
	struct load_round L = {.inst = inst,
			       .n = n,
			       .total = total,
			       .t0 = vcl_now_ns(),
			       .period = (uint64_t)(1e9 / (rps * n)),
			       .timeout_ms = LOAD_TIMEOUT_MS,
			       .wait_ms = 1,
			       .bad = bad,
			       .lat = lat};

	memset(out, 0, sizeof(*out));
	out->p99_ms = -1;
	if (lat == NULL || bad == NULL)
		return vcl_fail(err, ENOMEM, "Density load");
	if (n == 0)
		return 0;
	if (round_run(&L, "Density load", err) < 0)
		return -1;
	out->requests = L.nlat;
	out->errors = L.errors;
	for (unsigned i = 0; i < n; i++)
		out->unhealthy += bad[i];
	if (L.nlat > 0) {
		struct vcl_stats st;

		vcl_stats_compute(lat, L.nlat, 0, 0, &st);
		out->p50_ms = st.p50;
		out->p99_ms = st.p99;
	}
	out->seconds = (double)(vcl_now_ns() - L.t0) / 1e9;
	return 0;
}

int vcl_density_health(struct vcl_instance **inst, unsigned n, unsigned timeout_ms,
		       unsigned char *bad, struct vcl_error **err)
{
	struct load_round L = {.inst = inst,
			       .n = n,
			       .total = n,
			       .t0 = vcl_now_ns(),
			       .timeout_ms = timeout_ms,
			       .wait_ms = 10,
			       .bad = bad};

	memset(bad, 0, n);
	return round_run(&L, "Health check", err);
}
