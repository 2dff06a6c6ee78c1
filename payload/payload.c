/* SPDX-License-Identifier: MIT */
/*
 * vclab-payload: the one microservice every placement runs, unchanged.
 * A single-threaded epoll HTTP/1.1 server with keep-alive. See README.md.
 *
 * It is deliberately self-contained (no allocation per request, static
 * binary) so that its own footprint is small and identical everywhere, and
 * any difference in a result comes from the placement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "payload/http.h"

#define MAX_CONNS    1024
#define BUF_SIZE     (VCL_HTTP_MAX_HEAD + VCL_HTTP_MAX_BODY + 1)
#define MAX_ITERS    1000000000ULL    /* /work: about a second or two of CPU at most */
#define MAX_ALLOC_MB (1024ULL * 1024) /* /alloc: one request asks for at most 1 TiB */

struct conn {
	int fd;
	size_t len;
	char buf[BUF_SIZE];
};

struct block {
	struct block *next;
	size_t size;
};

static struct conn *conns[MAX_CONNS];
static struct block *held;
static uint64_t held_mib;
static const char *name = "payload";
/* CLOCK_MONOTONIC at main(): the READY line's start_ns, so a placement on
 * this host's clock can tell the exec from the service's own start. */
static uint64_t start_ns;

__attribute__((noreturn)) static void die(const char *what)
{
	fprintf(stderr, "vclab-payload: %s: %s\n", what, strerror(errno));
	exit(1);
}

__attribute__((noreturn)) static void usage(void)
{
	fprintf(stderr,
		"usage: vclab-payload --listen ADDR:PORT [--ready-fd N | --ready-path PATH] "
		"[--name NAME]\n"
		"       vclab-payload --pause\n");
	exit(2);
}

/* A text/plain response with body. */
static int respond(int fd, int status, const char *body, int keep_alive)
{
	return vcl_http_reply(fd, status, "text/plain", "", body, strlen(body), keep_alive != 0);
}

static int handle_alloc(uint64_t mib, char *body, size_t bodysz)
{
	size_t size = (size_t)mib << 20;
	struct block *b;

	if (mib == 0) {
		snprintf(body, bodysz, "held_mib=%" PRIu64 "\n", held_mib);
		return 200;
	}
	b = malloc(size);
	if (b == NULL) {
		snprintf(body, bodysz, "cannot allocate %" PRIu64 " MiB\n", mib);
		return 507;
	}
	/* Touch every page so the memory is really resident. */
	memset(b, 0xa5, size);
	b->size = size;
	b->next = held;
	held = b;
	held_mib += mib;
	snprintf(body, bodysz, "held_mib=%" PRIu64 "\n", held_mib);
	return 200;
}

/* Serve one parsed request; returns <0 to close the connection. */
static int serve(int fd, const struct vcl_http_req *req)
{
	char body[128] = "";
	int status;
	uint64_t v = 0;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		status = strcmp(req->path, "/healthz") == 0 || strcmp(req->path, "/work") == 0 ||
				 strcmp(req->path, "/alloc") == 0
			     ? 405
			     : 404;
	} else if (strcmp(req->path, "/healthz") == 0) {
		status = 200;
		snprintf(body, sizeof(body), "ok %s\n", name);
	} else if (strcmp(req->path, "/work") == 0) {
		int r = vcl_http_query_u64(req->query, "iters", MAX_ITERS, &v);

		if (r == -1)
			v = 1000;
		if (r == -2) {
			status = 400;
			snprintf(body, sizeof(body), "iters must be 0..%llu\n", MAX_ITERS);
		} else {
			status = 200;
			snprintf(body, sizeof(body), "%016" PRIx64 "\n", vcl_work_checksum(v));
		}
	} else if (strcmp(req->path, "/alloc") == 0) {
		if (vcl_http_query_u64(req->query, "mib", MAX_ALLOC_MB, &v) < 0) {
			status = 400;
			snprintf(body, sizeof(body), "mib must be 0..%llu\n", MAX_ALLOC_MB);
		} else {
			status = handle_alloc(v, body, sizeof(body));
		}
	} else {
		status = 404;
		snprintf(body, sizeof(body), "not found\n");
	}
	if (respond(fd, status, body, req->keep_alive) < 0)
		return -1;
	return req->keep_alive ? 0 : -1;
}

static void conn_close(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	conns[c->fd] = NULL;
	free(c);
}

static void conn_read(int ep, struct conn *c)
{
	for (;;) {
		ssize_t r = recv(c->fd, c->buf + c->len, BUF_SIZE - 1 - c->len, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			conn_close(ep, c);
			return;
		}
		c->len += (size_t)r;
		/* Serve every complete pipelined request in the buffer. */
		for (;;) {
			struct vcl_http_req req;
			long n = vcl_http_parse(c->buf, c->len, &req);

			if (n == VCL_HTTP_INCOMPLETE) {
				if (c->len >= BUF_SIZE - 1) {
					respond(c->fd, 413, "too large\n", 0);
					conn_close(ep, c);
					return;
				}
				break;
			}
			if (n < 0) {
				int st = n == VCL_HTTP_TOO_LARGE ? 413 : 400;

				respond(c->fd, st, st == 413 ? "too large\n" : "bad request\n", 0);
				conn_close(ep, c);
				return;
			}
			if (serve(c->fd, &req) < 0) {
				conn_close(ep, c);
				return;
			}
			memmove(c->buf, c->buf + n, c->len - (size_t)n);
			c->len -= (size_t)n;
		}
	}
}

static int parse_listen(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static void announce(int ready_fd, const char *ready_path, int lfd)
{
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);
	char line[160];
	int n, fd = ready_fd;

	if (getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
		die("getsockname");
	n = snprintf(line, sizeof(line),
		     "VCLAB-READY name=%s port=%u pid=%d start_ns=%" PRIu64 "\n", name,
		     ntohs(sa.sin_port), (int)getpid(), start_ns);
	if (ready_path != NULL) {
		fd = open(ready_path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			die(ready_path);
	}
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) != n)
			die("write READY line");
		close(fd);
	}
}

/* --pause: a pod sandbox's holder (containerd's pause): it only keeps
 * the namespaces it was started in alive, until a signal ends it. */
__attribute__((noreturn)) static void hold(void)
{
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *listen_at = NULL, *ready_path = NULL;
	int ready_fd = -1, lfd, ep, sfd, one = 1;
	struct sockaddr_in sa;
	struct epoll_event ev;
	sigset_t mask;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	start_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (argc == 2 && strcmp(argv[1], "--pause") == 0)
		hold();
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			listen_at = argv[++i];
		else if (strcmp(argv[i], "--ready-fd") == 0 && i + 1 < argc)
			ready_fd = atoi(argv[++i]);
		else if (strcmp(argv[i], "--ready-path") == 0 && i + 1 < argc)
			ready_path = argv[++i];
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else
			usage();
	}
	if (listen_at == NULL || parse_listen(listen_at, &sa) < 0)
		usage();

	/* SIGTERM/SIGINT arrive through the event loop: a clean exit 0. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		die("signalfd");

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(listen_at);
	if (listen(lfd, 512) < 0)
		die("listen");
	announce(ready_fd, ready_path, lfd);

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);

	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == sfd) {
				close(lfd);
				return 0;
			}
			if (fd == lfd) {
				int cfd;

				while ((cfd = accept4(lfd, NULL, NULL,
						      SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					struct conn *c;

					if (cfd >= MAX_CONNS || (c = malloc(sizeof(*c))) == NULL) {
						close(cfd);
						continue;
					}
					setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one,
						   sizeof(one));
					c->fd = cfd;
					c->len = 0;
					conns[cfd] = c;
					ev.events = EPOLLIN | EPOLLRDHUP;
					ev.data.fd = cfd;
					epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
				}
				continue;
			}
			if (fd >= 0 && fd < MAX_CONNS && conns[fd] != NULL)
				conn_read(ep, conns[fd]);
		}
	}
}
