/* SPDX-License-Identifier: MIT */
#include "core/probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/util.h"

/* Backoff between probes when nothing tells us the endpoint is up yet:
 * starts small, doubles, never above 2 ms (issue: capped short backoff). */
#define BACKOFF_START_NS 100000ULL
#define BACKOFF_CAP_NS	 2000000ULL

static const char healthz_req[] =
    "GET /healthz HTTP/1.1\r\nHost: vclab\r\nConnection: close\r\n\r\n";

int vcl_socket_in_netns(int netns_fd, int type, struct vcl_error **err)
{
	static int host_ns = -1;
	int fd, e;

	if (netns_fd < 0) {
		fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return vcl_fail(err, errno, "Create socket");
		return fd;
	}
	/* The harness is single-threaded: switching this thread's network
	 * namespace for one socket() call is invisible elsewhere. A socket keeps
	 * the namespace it was made in, whatever the thread does afterwards. */
	if (host_ns < 0) {
		host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (host_ns < 0)
			return vcl_fail(err, errno, "Open /proc/self/ns/net");
	}
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return vcl_fail(err, errno, "Enter the instance's network namespace");
	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	e = errno;
	if (setns(host_ns, CLONE_NEWNET) < 0) {
		/* Staying in a container's netns would misdirect every later
		 * socket: there is no safe way on. */
		perror("vclab: return to the host network namespace");
		abort();
	}
	if (fd < 0)
		return vcl_fail(err, e, "Create socket in the instance's network namespace");
	return fd;
}

static int start_connect(const struct vcl_endpoint *ep, struct vcl_error **err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(ep->port)};
	int fd;

	if (inet_pton(AF_INET, ep->addr, &sa.sin_addr) != 1)
		return vcl_usage(err, "Bad endpoint address %s", ep->addr);
	/* The network rule: vclab only ever talks to loopback. */
	if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127)
		return vcl_usage(err, "Endpoint %s is outside 127.0.0.0/8", ep->addr);
	fd = vcl_socket_in_netns(ep->netns_fd, SOCK_STREAM, err);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -2; /* refused at once: retry later */
	}
	return fd;
}

/* 200 in the status line of a (possibly partial) response? */
static int status_of(const char *buf, size_t len)
{
	if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0)
		return 0;
	return atoi(buf + 9);
}

enum { EV_READY = 1, EV_EXIT, EV_SOCK };

static int ep_add(int ep, int fd, uint32_t events, int tag)
{
	struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)tag};

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static bool have_pwait2 = true;

/* Wait for events until deadline (ns), or at most max_ns from now. */
static int wait_events(int ep, struct epoll_event *evs, int n, uint64_t deadline, uint64_t max_ns)
{
	uint64_t now = vcl_now_ns(), left = deadline > now ? deadline - now : 0;
	struct timespec ts;

	if (max_ns != 0 && max_ns < left)
		left = max_ns;
	ts.tv_sec = (time_t)(left / 1000000000ULL);
	ts.tv_nsec = (long)(left % 1000000000ULL);
	if (have_pwait2) {
		int r = epoll_pwait2(ep, evs, n, &ts, NULL);

		if (r >= 0 || errno != ENOSYS)
			return r;
		/* Kernels before 5.11 and valgrind lack epoll_pwait2: fall back
		 * to millisecond timeouts, rounded up so a wait never spins. */
		have_pwait2 = false;
	}
	return epoll_wait(ep, evs, n, (int)((left + 999999ULL) / 1000000ULL));
}

int vcl_probe_wait(struct vcl_instance *inst, unsigned timeout_ms, struct vcl_error **err)
{
	cleanup_close int ep = epoll_create1(EPOLL_CLOEXEC);
	cleanup_close int sock = -1;
	uint64_t deadline = vcl_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	uint64_t backoff = BACKOFF_START_NS;
	bool want_ready = inst->ready_fd >= 0;
	char resp[64];
	size_t rlen = 0;
	bool sent = false;

	if (ep < 0)
		return vcl_fail(err, errno, "epoll_create1");
	if (want_ready && ep_add(ep, inst->ready_fd, EPOLLIN, EV_READY) < 0)
		return vcl_fail(err, errno, "Watch the READY channel of %s", inst->name);
	if (inst->exit_fd >= 0 && ep_add(ep, inst->exit_fd, EPOLLIN, EV_EXIT) < 0)
		return vcl_fail(err, errno, "Watch the exit of %s", inst->name);

	for (;;) {
		struct epoll_event evs[4];
		uint64_t pause = 0;
		int n;

		if (vcl_interrupted)
			return vcl_error_interrupted(err);
		if (!want_ready && sock < 0) {
			sock = start_connect(&inst->ep, err);
			if (sock == -1)
				return -1;
			if (sock >= 0) {
				if (ep_add(ep, sock, EPOLLOUT | EPOLLIN | EPOLLRDHUP, EV_SOCK) < 0)
					return vcl_fail(err, errno, "epoll_ctl");
				sent = false;
				rlen = 0;
			} else {
				sock = -1;
				pause = backoff;
			}
		}
		n = wait_events(ep, evs, 4, deadline, pause);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vcl_fail(err, errno, "epoll_pwait2");
		if (n == 0 && vcl_now_ns() >= deadline)
			return vcl_error_set(
			    err, VCL_E_TIMEOUT, 0, "%s not ready within %u ms (%s)", inst->name,
			    timeout_ms,
			    want_ready ? "no VCLAB-READY line" : "no 200 from GET /healthz");
		if (n == 0) {
			backoff = backoff * 2 > BACKOFF_CAP_NS ? BACKOFF_CAP_NS : backoff * 2;
			continue;
		}
		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;

			if (tag == EV_EXIT) {
				if (inst->ops->exited != NULL)
					return inst->ops->exited(inst, err);
				return vcl_error_set(err, VCL_E_DIED, 0,
						     "%s exited before it was ready", inst->name);
			}
			if (tag == EV_READY && want_ready) {
				int r = inst->ops->ready(inst, err);

				if (r < 0 && (*err)->kind == VCL_E_DIED && inst->exit_fd >= 0 &&
				    inst->ops->exited != NULL) {
					/* The channel closed because the instance is dying:
					 * its exit status explains more than the EOF does. */
					struct pollfd pfd = {.fd = inst->exit_fd, .events = POLLIN};

					if (poll(&pfd, 1, 1000) == 1) {
						vcl_error_freep(err);
						return inst->ops->exited(inst, err);
					}
				}
				if (r < 0)
					return vcl_error_wrap(err, "%s", inst->name);
				if (r > 0) {
					inst->t.ready = vcl_now_ns();
					want_ready = false;
					epoll_ctl(ep, EPOLL_CTL_DEL, inst->ready_fd, NULL);
				}
				continue;
			}
			if (tag != EV_SOCK || sock < 0)
				continue;
			if (!sent && (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
				int soerr = 0;
				socklen_t sl = sizeof(soerr);

				getsockopt(sock, SOL_SOCKET, SO_ERROR, &soerr, &sl);
				if (soerr != 0 || (evs[i].events & (EPOLLERR | EPOLLHUP)) ||
				    send(sock, healthz_req, sizeof(healthz_req) - 1,
					 MSG_NOSIGNAL) != (ssize_t)(sizeof(healthz_req) - 1)) {
					goto retry;
				}
				sent = true;
				struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP,
							 .data.u32 = EV_SOCK};
				epoll_ctl(ep, EPOLL_CTL_MOD, sock, &ev);
				continue;
			}
			if (sent &&
			    (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
				ssize_t r = recv(sock, resp + rlen, sizeof(resp) - 1 - rlen, 0);

				if (r > 0) {
					rlen += (size_t)r;
					if (rlen >= 12) {
						int st = status_of(resp, rlen);

						if (st == 200) {
							inst->t.first_200 = vcl_now_ns();
							return 0;
						}
						goto retry;
					}
					continue;
				}
				if (r < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				/* Accepted, then reset or closed before an answer:
				 * slirp does this before the guest listens. */
				goto retry;
			}
			continue;
		retry:
			epoll_ctl(ep, EPOLL_CTL_DEL, sock, NULL);
			vcl_closep(&sock);
			{
				/* Back off, but keep watching for the instance's death. */
				uint64_t until = vcl_now_ns() + backoff;

				backoff =
				    backoff * 2 > BACKOFF_CAP_NS ? BACKOFF_CAP_NS : backoff * 2;
				while (vcl_now_ns() < until && vcl_now_ns() < deadline) {
					struct epoll_event e2[2];
					int m = wait_events(ep, e2, 2, until, 0);

					if (m > 0 && e2[0].data.u32 == EV_EXIT) {
						if (inst->ops->exited != NULL)
							return inst->ops->exited(inst, err);
						return vcl_error_set(
						    err, VCL_E_DIED, 0,
						    "%s exited before it was ready", inst->name);
					}
					if (m < 0 && errno == EINTR && vcl_interrupted)
						return vcl_error_interrupted(err);
				}
			}
			break;
		}
	}
}

int vcl_http_get(const struct vcl_endpoint *ep, const char *path, unsigned timeout_ms, int *status,
		 char *body, size_t bodysz, struct vcl_error **err)
{
	cleanup_close int fd = -1;
	uint64_t deadline = vcl_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	char req[600], buf[8192];
	size_t len = 0, off = 0, reqlen;
	struct pollfd pfd;

	reqlen = (size_t)snprintf(
	    req, sizeof(req), "GET %s HTTP/1.1\r\nHost: vclab\r\nConnection: close\r\n\r\n", path);
	if (reqlen >= sizeof(req))
		return vcl_usage(err, "Path too long");
	fd = start_connect(ep, err);
	if (fd == -2)
		return vcl_fail(err, ECONNREFUSED, "GET %s on %s:%u", path, ep->addr, ep->port);
	if (fd < 0)
		return -1;
	pfd.fd = fd;
	while (off < reqlen || len < sizeof(buf) - 1) {
		uint64_t now = vcl_now_ns();
		int r;

		if (now >= deadline)
			return vcl_error_set(err, VCL_E_TIMEOUT, 0, "GET %s on %s:%u: timed out",
					     path, ep->addr, ep->port);
		pfd.events = off < reqlen ? POLLOUT : POLLIN;
		r = poll(&pfd, 1, (int)((deadline - now) / 1000000ULL) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		if (off < reqlen) {
			ssize_t w = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);

			if (w < 0 && errno != EAGAIN)
				return vcl_fail(err, errno, "GET %s on %s:%u", path, ep->addr,
						ep->port);
			if (w > 0)
				off += (size_t)w;
			continue;
		}
		{
			ssize_t rr = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

			if (rr < 0 && errno == EAGAIN)
				continue;
			if (rr < 0)
				return vcl_fail(err, errno, "GET %s on %s:%u", path, ep->addr,
						ep->port);
			if (rr == 0)
				break;
			len += (size_t)rr;
		}
	}
	buf[len] = '\0';
	*status = status_of(buf, len);
	if (*status == 0)
		return vcl_fail(err, 0, "GET %s on %s:%u: no HTTP response", path, ep->addr,
				ep->port);
	if (body != NULL && bodysz > 0) {
		const char *b = strstr(buf, "\r\n\r\n");

		snprintf(body, bodysz, "%s", b != NULL ? b + 4 : "");
	}
	return 0;
}
