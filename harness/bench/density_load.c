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

int vcl_density_load(struct vcl_instance **inst, unsigned n, double rps, double seconds,
		     struct vcl_density_load *out, struct vcl_error **err)
{
	uint64_t total = (uint64_t)(rps * n * seconds), next = 0, done = 0;
	uint64_t t0 = vcl_now_ns(), period = (uint64_t)(1e9 / (rps * n));
	cleanup_close int ep = epoll_create1(EPOLL_CLOEXEC);
	cleanup_free struct req *reqs = reqs_new();
	cleanup_free double *lat = calloc(total > 0 ? total : 1, sizeof(double));
	cleanup_free unsigned char *bad = calloc(n > 0 ? n : 1, 1);
	size_t nlat = 0;
	unsigned inflight = 0;

	memset(out, 0, sizeof(*out));
	out->p99_ms = -1;
	if (ep < 0 || reqs == NULL || lat == NULL || bad == NULL)
		return vcl_fail(err, errno != 0 ? errno : ENOMEM, "Density load");
	if (n == 0)
		return 0;
	while (done < total) {
		struct epoll_event evs[64];
		uint64_t now = vcl_now_ns();
		unsigned expired;
		int m;

		if (vcl_interrupted)
			return reqs_interrupted(ep, reqs, err);
		/* Send what is due, while a slot is free. */
		for (unsigned s = 0; next < total && t0 + next * period <= now && s < LOAD_INFLIGHT;
		     s++) {
			struct req *r = &reqs[s];

			if (r->fd >= 0)
				continue;
			r->inst = (unsigned)(next % n);
			r->intended = t0 + next * period;
			next++;
			if (req_start(ep, r, &inst[r->inst]->ep, s) < 0) {
				bad[r->inst] = 1;
				out->errors++;
				done++;
				continue;
			}
			inflight++;
		}
		/* Expire what waited too long. */
		expired = reqs_expire(ep, reqs, now, LOAD_TIMEOUT_MS, bad);
		out->errors += expired;
		done += expired;
		inflight -= expired;
		m = epoll_wait(ep, evs, 64, 1);
		for (int i = 0; i < m; i++) {
			unsigned s = evs[i].data.u32;
			struct req *r = &reqs[s];
			int v;

			if (r->fd < 0)
				continue;
			v = req_event(ep, r, evs[i].events, s);
			if (v == 0)
				continue;
			if (v > 0)
				lat[nlat++] = (double)(vcl_now_ns() - r->intended) / 1e6;
			else {
				bad[r->inst] = 1;
				out->errors++;
			}
			req_end(ep, r);
			done++;
			inflight--;
		}
	}
	out->requests = nlat;
	for (unsigned i = 0; i < n; i++)
		out->unhealthy += bad[i];
	if (nlat > 0) {
		struct vcl_stats st;

		vcl_stats_compute(lat, nlat, 0, 0, &st);
		out->p50_ms = st.p50;
		out->p99_ms = st.p99;
	}
	out->seconds = (double)(vcl_now_ns() - t0) / 1e9;
	return 0;
}

int vcl_density_health(struct vcl_instance **inst, unsigned n, unsigned timeout_ms,
		       unsigned char *bad, struct vcl_error **err)
{
	cleanup_close int ep = epoll_create1(EPOLL_CLOEXEC);
	cleanup_free struct req *reqs = reqs_new();
	unsigned next = 0, done = 0;

	if (ep < 0 || reqs == NULL)
		return vcl_fail(err, errno != 0 ? errno : ENOMEM, "Health check");
	memset(bad, 0, n);
	while (done < n) {
		struct epoll_event evs[64];
		uint64_t now = vcl_now_ns();
		int m;

		if (vcl_interrupted)
			return reqs_interrupted(ep, reqs, err);
		/* Fill the free slots; each request's clock starts at its start. */
		for (unsigned s = 0; next < n && s < LOAD_INFLIGHT; s++) {
			struct req *r = &reqs[s];

			if (r->fd >= 0)
				continue;
			r->inst = next++;
			r->intended = now;
			if (req_start(ep, r, &inst[r->inst]->ep, s) < 0) {
				bad[r->inst] = 1;
				done++;
			}
		}
		done += reqs_expire(ep, reqs, now, timeout_ms, bad);
		m = epoll_wait(ep, evs, 64, 10);
		for (int i = 0; i < m; i++) {
			unsigned s = evs[i].data.u32;
			struct req *r = &reqs[s];
			int v;

			if (r->fd < 0 || (v = req_event(ep, r, evs[i].events, s)) == 0)
				continue;
			bad[r->inst] = v < 0;
			req_end(ep, r);
			done++;
		}
	}
	return 0;
}
