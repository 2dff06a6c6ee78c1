/* SPDX-License-Identifier: MIT */
#include "core/probe.h"

#include <arpa/inet.h>
#include <ctype.h>
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
#include <sys/wait.h>
#include <signal.h>
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

/* One readiness wait: the instance, its channels, and the health probe in
 * flight (when the READY line is seen or not used). */
struct probe {
	struct vcl_instance *inst;
	int ep;	  /* epoll set: READY channel, exit pidfd, probe socket */
	int sock; /* the GET /healthz connection, -1 between attempts */
	uint64_t deadline, backoff;
	bool want_ready; /* still waiting for the READY line */
	bool sent;	 /* the request went out on sock */
	char req[256];	 /* the readiness request */
	size_t reqlen;
	int want_status; /* the HTTP status that means ready */
	int want_max;	 /* ... or any up to this one (0: want_status only) */
	bool tcp_only;	 /* a service ready once its port accepts */
	bool tcp_reply;	 /* a request/response probe: ready when the answer starts with expect */
	const char *expect;
	size_t expect_len;
	char resp[256];
	size_t rlen;
};

static void probe_clear(struct probe *p)
{
	vcl_closep(&p->sock);
	vcl_closep(&p->ep);
}

static uint64_t next_backoff(uint64_t backoff)
{
	return backoff * 2 > BACKOFF_CAP_NS ? BACKOFF_CAP_NS : backoff * 2;
}

/* The exit pidfd fired: the backend says why, else a generic death. */
static int instance_exited(struct vcl_instance *inst, struct vcl_error **err)
{
	if (inst->ops->exited != NULL)
		inst->ops->exited(inst, err);
	else
		vcl_error_set(err, VCL_E_DIED, 0, "%s exited before it was ready", inst->name);
	return vcl_probe_add_log_tail(inst, err);
}

/* The READY channel is readable. Returns 1 to go on waiting, else the
 * value vcl_probe_wait returns. */
static int on_ready(struct probe *p, struct vcl_error **err)
{
	struct vcl_instance *inst = p->inst;
	int r = inst->ops->ready(inst, err);

	if (r < 0 && (*err)->kind == VCL_E_DIED && inst->exit_fd >= 0 &&
	    inst->ops->exited != NULL) {
		/* The channel closed because the instance is dying: its exit
		 * status explains more than the EOF does. */
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
		p->want_ready = false;
		epoll_ctl(p->ep, EPOLL_CTL_DEL, inst->ready_fd, NULL);
	}
	return 1;
}

enum { SOCK_WAIT, SOCK_DONE, SOCK_RETRY };

/* An event on the probe socket: send the request once connected, then
 * read the status line. SOCK_DONE on a 200, SOCK_RETRY when this attempt
 * failed, SOCK_WAIT for more. */
static int on_sock(struct probe *p, uint32_t events)
{
	int st;

	if (!p->sent && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = EV_SOCK};
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		getsockopt(p->sock, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr != 0 || (events & (EPOLLERR | EPOLLHUP)))
			return SOCK_RETRY;
		/* Connected: for a service, or a placement that cannot hand
		 * the payload's READY fd through (docker, gvisor), this is the
		 * "port accepts" phase. */
		if ((p->inst->svc != NULL || p->inst->ready_fd < 0) && p->inst->t.ready == 0)
			p->inst->t.ready = vcl_now_ns();
		if (p->tcp_only) {
			p->inst->t.first_200 = vcl_now_ns();
			return SOCK_DONE;
		}
		if (send(p->sock, p->req, p->reqlen, MSG_NOSIGNAL) != (ssize_t)p->reqlen)
			return SOCK_RETRY;
		p->sent = true;
		epoll_ctl(p->ep, EPOLL_CTL_MOD, p->sock, &ev);
		return SOCK_WAIT;
	}
	if (p->sent && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
		ssize_t r = recv(p->sock, p->resp + p->rlen, sizeof(p->resp) - 1 - p->rlen, 0);

		if (r > 0) {
			p->rlen += (size_t)r;
			if (p->tcp_reply) {
				size_t k = p->rlen < p->expect_len ? p->rlen : p->expect_len;

				if (memcmp(p->resp, p->expect, k) != 0)
					return SOCK_RETRY; /* a wrong answer ("-LOADING") */
				if (p->rlen < p->expect_len)
					return SOCK_WAIT;
				p->inst->t.first_200 = vcl_now_ns();
				return SOCK_DONE;
			}
			if (p->rlen < 12)
				return SOCK_WAIT;
			st = status_of(p->resp, p->rlen);
			if (st == p->want_status || (st > p->want_status && st <= p->want_max)) {
				p->inst->t.first_200 = vcl_now_ns();
				return SOCK_DONE;
			}
			return SOCK_RETRY;
		}
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return SOCK_WAIT;
		/* Accepted, then reset or closed before an answer: slirp does
		 * this before the guest listens. */
		return SOCK_RETRY;
	}
	return SOCK_WAIT;
}

/* Drop the failed attempt and back off, but keep watching for the
 * instance's death. Returns 1 to go on, else what vcl_probe_wait returns. */
static int retry_later(struct probe *p, struct vcl_error **err)
{
	uint64_t until;

	epoll_ctl(p->ep, EPOLL_CTL_DEL, p->sock, NULL);
	vcl_closep(&p->sock);
	until = vcl_now_ns() + p->backoff;
	p->backoff = next_backoff(p->backoff);
	while (vcl_now_ns() < until && vcl_now_ns() < p->deadline) {
		struct epoll_event e2[2];
		int m = wait_events(p->ep, e2, 2, until, 0);

		if (m > 0 && e2[0].data.u32 == EV_EXIT)
			return instance_exited(p->inst, err);
		if (m < 0 && errno == EINTR && vcl_interrupted)
			return vcl_error_interrupted(err);
	}
	return 1;
}

/* No READY line to wait for and no probe in flight: connect. Returns 0
 * (connecting, or refused at once with *pause set) or -1. */
static int start_probe(struct probe *p, uint64_t *pause, struct vcl_error **err)
{
	p->sock = start_connect(&p->inst->ep, err);
	if (p->sock == -1)
		return -1;
	if (p->sock < 0) {
		p->sock = -1;
		*pause = p->backoff;
		return 0;
	}
	if (ep_add(p->ep, p->sock, EPOLLOUT | EPOLLIN | EPOLLRDHUP, EV_SOCK) < 0)
		return vcl_fail(err, errno, "epoll_ctl");
	p->sent = false;
	p->rlen = 0;
	return 0;
}

/* What the probe sends and what counts as ready: GET /healthz -> 200 for the
 * payload, the service's own readiness (HTTP status or range, a TCP
 * exchange, or the port accepting) otherwise; what says, for a time-out,
 * what never came. */
static void probe_request(struct probe *p, const struct vcl_instance *inst, char *what, size_t wlen)
{
	const struct vcl_svc_spec *svc = inst->svc;

	if (svc == NULL) {
		p->reqlen = sizeof(healthz_req) - 1;
		memcpy(p->req, healthz_req, sizeof(healthz_req));
		p->want_status = 200;
		snprintf(what, wlen, "no 200 from GET /healthz");
	} else {
		int n = snprintf(p->req, sizeof(p->req),
				 "GET %s HTTP/1.1\r\nHost: vclab\r\nConnection: close\r\n\r\n",
				 svc->ready.path[0] ? svc->ready.path : "/");

		p->reqlen = n > 0 && (size_t)n < sizeof(p->req) ? (size_t)n : 0;
		p->want_status = svc->ready.status != 0 ? svc->ready.status : 200;
		p->want_max = svc->ready.status_max;
		p->tcp_only = svc->ready.kind == VCL_READY_TCP && svc->ready.send_len == 0;
		if (svc->ready.kind == VCL_READY_TCP && svc->ready.send_len > 0) {
			char shown[96];

			p->tcp_reply = true;
			p->reqlen = svc->ready.send_len;
			memcpy(p->req, svc->ready.send, p->reqlen);
			p->expect = svc->ready.expect;
			p->expect_len = svc->ready.expect_len;
			vcl_ready_describe(&svc->ready, shown, sizeof(shown));
			snprintf(what, wlen, "no good answer to %s on port %u", shown,
				 inst->ep.port);
		} else if (p->tcp_only)
			snprintf(what, wlen, "port %u never accepted a connection", inst->ep.port);
		else if (p->want_max > p->want_status)
			snprintf(what, wlen, "no %d-%d from GET %s on port %u", p->want_status,
				 p->want_max, svc->ready.path[0] ? svc->ready.path : "/",
				 inst->ep.port);
		else
			snprintf(what, wlen, "no %d from GET %s on port %u", p->want_status,
				 svc->ready.path[0] ? svc->ready.path : "/", inst->ep.port);
	}
}

/* An exec probe: the command, run inside the instance by its backend,
 * until it exits 0 (ready), the instance dies, or the deadline. There is
 * no port phase: ready and the first good answer are the same moment. */
static int probe_exec(struct vcl_instance *inst, unsigned timeout_ms, struct vcl_error **err)
{
	const struct vcl_ready *rd = &inst->svc->ready;
	uint64_t deadline = vcl_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	uint64_t backoff = BACKOFF_START_NS;
	char last[96] = "it never ran";

	if (inst->ops->exec == NULL)
		return vcl_error_set(err, VCL_E_ENV, 0, "%s cannot run an exec probe: %s",
				     inst->ops->name, inst->ops->no_exec ? inst->ops->no_exec : "");
	while (vcl_now_ns() < deadline) {
		struct pollfd pfd = {.fd = inst->exit_fd, .events = POLLIN};
		struct timespec ts;
		int status = 0;

		if (vcl_interrupted)
			return vcl_error_interrupted(err);
		if (inst->exit_fd >= 0 && poll(&pfd, 1, 0) == 1)
			return instance_exited(inst, err);
		if (inst->ops->exec(inst, rd->argv, rd->timeout_ms ? rd->timeout_ms : 1000, &status,
				    err) < 0)
			return vcl_error_wrap(err, "%s: exec probe", inst->name);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			inst->t.ready = inst->t.first_200 = vcl_now_ns();
			return 0;
		}
		if (WIFEXITED(status))
			snprintf(last, sizeof(last), "it last exited with %d", WEXITSTATUS(status));
		else
			snprintf(last, sizeof(last), "it was last killed by signal %d%s",
				 WTERMSIG(status),
				 WTERMSIG(status) == SIGKILL ? " (its timeoutSeconds)" : "");
		ts.tv_sec = (time_t)(backoff / 1000000000ULL);
		ts.tv_nsec = (long)(backoff % 1000000000ULL);
		nanosleep(&ts, NULL);
		backoff = next_backoff(backoff);
	}
	vcl_error_set(err, VCL_E_TIMEOUT, 0, "%s not ready within %u ms (exec probe %s: %s)",
		      inst->name, timeout_ms, rd->argv[0], last);
	return vcl_probe_add_log_tail(inst, err);
}

int vcl_probe_wait(struct vcl_instance *inst, unsigned timeout_ms, struct vcl_error **err)
{
	__attribute__((cleanup(probe_clear))) struct probe p = {
	    .inst = inst,
	    .ep = epoll_create1(EPOLL_CLOEXEC),
	    .sock = -1,
	    .deadline = vcl_now_ns() + (uint64_t)timeout_ms * 1000000ULL,
	    .backoff = BACKOFF_START_NS,
	    .want_ready = inst->ready_fd >= 0,
	};

	const struct vcl_svc_spec *svc = inst->svc;
	char what[192];

	if (p.ep < 0)
		return vcl_fail(err, errno, "epoll_create1");
	if (svc != NULL && svc->ready.kind == VCL_READY_EXEC)
		return probe_exec(inst, timeout_ms, err);
	probe_request(&p, inst, what, sizeof(what));
	if (p.want_ready && ep_add(p.ep, inst->ready_fd, EPOLLIN, EV_READY) < 0)
		return vcl_fail(err, errno, "Watch the READY channel of %s", inst->name);
	if (inst->exit_fd >= 0 && ep_add(p.ep, inst->exit_fd, EPOLLIN, EV_EXIT) < 0)
		return vcl_fail(err, errno, "Watch the exit of %s", inst->name);

	for (;;) {
		struct epoll_event evs[4];
		uint64_t pause = 0;
		int n;

		if (vcl_interrupted)
			return vcl_error_interrupted(err);
		if (!p.want_ready && p.sock < 0 && start_probe(&p, &pause, err) < 0)
			return -1;
		n = wait_events(p.ep, evs, 4, p.deadline, pause);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vcl_fail(err, errno, "epoll_pwait2");
		/* Past the deadline, whatever is pending: a port that refuses at
		 * once keeps the socket readable, so n is never 0 then. */
		if (vcl_now_ns() >= p.deadline) {
			if (svc != NULL && inst->t.ready == 0 && !p.tcp_only)
				snprintf(what, sizeof(what), "port %u never accepted a connection",
					 inst->ep.port);
			vcl_error_set(err, VCL_E_TIMEOUT, 0, "%s not ready within %u ms (%s)",
				      inst->name, timeout_ms,
				      p.want_ready ? "no VCLAB-READY line" : what);
			return vcl_probe_add_log_tail(inst, err);
		}
		if (n == 0) {
			p.backoff = next_backoff(p.backoff);
			continue;
		}
		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;
			int r;

			if (tag == EV_EXIT)
				return instance_exited(inst, err);
			if (tag == EV_READY && p.want_ready) {
				r = on_ready(&p, err);
				if (r <= 0)
					return r;
				continue;
			}
			if (tag != EV_SOCK || p.sock < 0)
				continue;
			r = on_sock(&p, evs[i].events);
			if (r == SOCK_DONE)
				return 0;
			if (r == SOCK_RETRY) {
				r = retry_later(&p, err);
				if (r <= 0)
					return r;
				break;
			}
		}
	}
}

/* Decode s[0..len) with the escapes \r \n \t \\ \= \xHH into out (at
 * most size bytes). Returns the length, or -1 on a bad escape or overflow. */
static ssize_t unescape(const char *s, size_t len, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\\') {
			if (++i == len)
				return -1;
			switch (s[i]) {
			case 'r':
				c = '\r';
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case '\\':
				c = '\\';
				break;
			case '=':
				c = '=';
				break;
			case 'x': {
				char hex[3] = {0};
				char *end;

				if (i + 2 >= len || !isxdigit((unsigned char)s[i + 1]) ||
				    !isxdigit((unsigned char)s[i + 2]))
					return -1;
				hex[0] = s[i + 1];
				hex[1] = s[i + 2];
				c = (char)strtol(hex, &end, 16);
				if (*end != '\0')
					return -1;
				i += 2;
				break;
			}
			default:
				return -1;
			}
		}
		if (o == size)
			return -1;
		out[o++] = c;
	}
	return (ssize_t)o;
}

/* "tcp:SEND[=EXPECT]": the first '=' not escaped splits them. A SEND not
 * ending in a newline gets "\r\n" (line protocols: redis, memcached). */
static int parse_tcp_reply(const char *s, struct vcl_ready *out)
{
	const char *eq = NULL;
	ssize_t n;

	for (const char *q = s; *q != '\0'; q++) {
		if (*q == '\\' && q[1] != '\0') {
			q++;
			continue;
		}
		if (*q == '=') {
			eq = q;
			break;
		}
	}
	n = unescape(s, eq != NULL ? (size_t)(eq - s) : strlen(s), out->send,
		     sizeof(out->send) - 2);
	if (n <= 0)
		return -1;
	out->send_len = (size_t)n;
	if (out->send[n - 1] != '\n') {
		out->send[out->send_len++] = '\r';
		out->send[out->send_len++] = '\n';
	}
	if (eq != NULL) {
		n = unescape(eq + 1, strlen(eq + 1), out->expect, sizeof(out->expect) - 1);
		if (n <= 0)
			return -1;
		out->expect_len = (size_t)n;
	}
	out->kind = VCL_READY_TCP;
	return 0;
}

void vcl_ready_describe(const struct vcl_ready *r, char *out, size_t size)
{
	size_t o = 0;

	if (r->kind == VCL_READY_HTTP) {
		if (r->status_max > r->status)
			snprintf(out, size, "GET %s (%d-%d)", r->path, r->status, r->status_max);
		else
			snprintf(out, size, "GET %s (%d)", r->path, r->status);
		return;
	}
	if (r->kind == VCL_READY_EXEC) {
		o = (size_t)snprintf(out, size, "exec");
		for (size_t i = 0; r->argv != NULL && r->argv[i] != NULL && o + 2 < size; i++)
			o += (size_t)snprintf(out + o, size - o, " %s", r->argv[i]);
		return;
	}
	if (r->send_len == 0) {
		snprintf(out, size, "a TCP connection");
		return;
	}
	/* The request as one would type it, trailing CRLF left out. */
	for (int part = 0; part < 2 && o + 8 < size; part++) {
		const char *b = part == 0 ? r->send : r->expect;
		size_t len = part == 0 ? r->send_len : r->expect_len;

		if (part == 0 && len >= 2 && b[len - 2] == '\r' && b[len - 1] == '\n')
			len -= 2;
		o += (size_t)snprintf(out + o, size - o, part == 0 ? "\"" : " -> \"");
		for (size_t i = 0; i < len && o + 6 < size; i++) {
			unsigned char c = (unsigned char)b[i];

			if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
				out[o++] = (char)c;
			else
				o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		}
		o += (size_t)snprintf(out + o, size - o, "\"");
		if (r->expect_len == 0)
			break;
	}
}

int vcl_ready_parse(const char *s, struct vcl_ready *out)
{
	const char *eq;
	size_t len;

	memset(out, 0, sizeof(*out));
	out->status = 200;
	if (strcmp(s, "tcp") == 0) {
		out->kind = VCL_READY_TCP;
		return 0;
	}
	if (strncmp(s, "tcp:", 4) == 0)
		return parse_tcp_reply(s + 4, out);
	if (strncmp(s, "http:", 5) != 0 || s[5] != '/')
		return -1;
	s += 5;
	eq = strchr(s, '=');
	len = eq != NULL ? (size_t)(eq - s) : strlen(s);
	if (len >= sizeof(out->path) || strpbrk(s, " \r\n") != NULL)
		return -1;
	memcpy(out->path, s, len);
	out->path[len] = '\0';
	if (eq != NULL) {
		char *end;
		long st = strtol(eq + 1, &end, 10);

		if (*end != '\0' || st < 100 || st > 599)
			return -1;
		out->status = (int)st;
	}
	out->kind = VCL_READY_HTTP;
	return 0;
}

/* The last lines of a file, at most max lines and size-1 bytes, joined by
 * " | ". Pure apart from reading the file. */
static void log_tail(const char *path, unsigned max, char *out, size_t size)
{
	char buf[4096];
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end;
	ssize_t n;
	size_t len, start, o = 0;
	unsigned lines = 0;

	out[0] = '\0';
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return;
	start = (size_t)end > sizeof(buf) - 1 ? (size_t)end - (sizeof(buf) - 1) : 0;
	n = pread(fd, buf, sizeof(buf) - 1, (off_t)start);
	if (n <= 0)
		return;
	len = (size_t)n;
	while (len > 0 && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	start = len;
	while (start > 0 && lines < max) {
		start--;
		if (buf[start] == '\n' && ++lines == max) {
			start++;
			break;
		}
	}
	for (size_t i = start; i < len && o + 4 < size; i++) {
		if (buf[i] == '\n') {
			o += (size_t)snprintf(out + o, size - o, " | ");
			continue;
		}
		out[o++] = (buf[i] >= 0x20 && buf[i] < 0x7f) ? buf[i] : '?';
	}
	out[o < size ? o : size - 1] = '\0';
}

int vcl_probe_add_log_tail(struct vcl_instance *inst, struct vcl_error **err)
{
	char tail[2048];
	struct vcl_error *e = err != NULL ? *err : NULL;
	char *msg;

	if (e == NULL || inst->log_path[0] == '\0')
		return -1;
	log_tail(inst->log_path, 20, tail, sizeof(tail));
	if (asprintf(&msg, "%s; %s: %s", e->msg ? e->msg : "failed",
		     tail[0] ? "last lines of its output" : "its output",
		     tail[0] ? tail : "(empty)") < 0)
		return -1;
	free(e->msg);
	e->msg = msg;
	return -1;
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
