/* SPDX-License-Identifier: MIT */
/*
 * vclab-isoprobe: the isolation probe (issue 28). A static service the
 * harness runs in every placement as the user's service would run; it
 * answers
 *   GET /healthz                         200 ok (readiness, as the payload)
 *   GET /isolation?pid=P&start=S&boot=B&rel=R  200, one JSON object: what
 *        it can reach from there (payload/isoprobe.h). P and S name the
 *        harness's process on the host (its start time in clock ticks), B
 *        and R the host's boot id and kernel release: the probe says
 *        whether it sees that process and whether its kernel is the host's.
 * or, with --print, writes that object to stdout once and exits (the same
 * facts from a shell, for outside checks).
 *
 *   vclab-isoprobe --listen ADDR:PORT | --print [--host-pid P --host-start S --host-boot B --host-release R]
 *
 * One request at a time, Connection: close: it is read a handful of times
 * per run, never under load.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "payload/http.h"
#include "payload/isoprobe.h"

__attribute__((noreturn)) static void usage(void)
{
	fprintf(stderr, "usage: vclab-isoprobe --listen ADDR:PORT | --print [--host-pid P "
			"--host-start S --host-boot ID --host-release R]\n");
	exit(2);
}

/* SIGTERM is the normal stop, as for the payload: exit 0. */
static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

/* One response, and the connection closes after it. */
static void respond(int fd, int status, const char *type, const char *body, size_t len)
{
	(void)vcl_http_reply(fd, status, type, "", body, len, false);
}

/* key=value of the query, value made only of chars in accept. */
static void query_str(const char *q, const char *key, const char *accept, char *out, size_t size)
{
	size_t klen = strlen(key), n;
	const char *p = q;

	out[0] = '\0';
	while ((p = strstr(p, key)) != NULL && ((p != q && p[-1] != '&') || p[klen] != '='))
		p += klen;
	if (p == NULL)
		return;
	p += klen + 1;
	n = strspn(p, accept);
	if (n < size && (p[n] == '\0' || p[n] == '&'))
		snprintf(out, size, "%.*s", (int)n, p);
}

static void serve(int fd, const struct vcl_http_req *req)
{
	struct vcl_isoprobe_host host = {0};
	struct vcl_isobuf b = {0};
	uint64_t v;

	if (strcmp(req->path, "/healthz") == 0) {
		respond(fd, 200, "text/plain", "ok\n", 3);
		return;
	}
	if (strcmp(req->path, "/isolation") != 0) {
		respond(fd, 404, "text/plain", "not found\n", 10);
		return;
	}
	if (vcl_http_query_u64(req->query, "pid", 1u << 22, &v) == 0)
		host.pid = (pid_t)v;
	if (vcl_http_query_u64(req->query, "start", UINT64_MAX, &v) == 0)
		host.starttime = v;
	query_str(req->query, "boot", "0123456789abcdef-", host.boot_id, sizeof(host.boot_id));
	query_str(req->query, "rel",
		  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._+-",
		  host.release, sizeof(host.release));
	vcl_isoprobe_run(&host, &b);
	if (b.oom)
		respond(fd, 500, "text/plain", "out of memory\n", 14);
	else
		respond(fd, 200, "application/json", b.p, b.len);
	free(b.p);
}

static void handle(int fd)
{
	char buf[VCL_HTTP_MAX_HEAD + 1];
	size_t len = 0;
	struct vcl_http_req req;

	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		long r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		len += (size_t)n;
		r = vcl_http_parse(buf, len, &req);
		if (r > 0) {
			serve(fd, &req);
			return;
		}
		if (r < 0 || len == sizeof(buf) - 1) {
			respond(fd, 400, "text/plain", "bad request\n", 12);
			return;
		}
	}
}

static int listen_on(const char *spec)
{
	char addr[64];
	const char *colon = strrchr(spec, ':');
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1, fd;
	long port;

	if (colon == NULL || (size_t)(colon - spec) >= sizeof(addr))
		usage();
	snprintf(addr, sizeof(addr), "%.*s", (int)(colon - spec), spec);
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		usage();
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		fprintf(stderr, "vclab-isoprobe: listen %s: %s\n", spec, strerror(errno));
		exit(1);
	}
	return fd;
}

static void print_once(const struct vcl_isoprobe_host *host)
{
	struct vcl_isobuf b = {0};

	vcl_isoprobe_run(host, &b);
	if (b.oom || fwrite(b.p, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
		fprintf(stderr, "vclab-isoprobe: write: %s\n", strerror(errno));
		exit(1);
	}
	free(b.p);
	exit(0);
}

int main(int argc, char **argv)
{
	struct vcl_isoprobe_host host = {0};
	const char *listen_spec = NULL;
	int print = 0, lfd;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--print") == 0)
			print = 1;
		else if (i + 1 >= argc)
			usage();
		else if (strcmp(argv[i], "--listen") == 0)
			listen_spec = argv[++i];
		else if (strcmp(argv[i], "--host-pid") == 0)
			host.pid = (pid_t)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--host-start") == 0)
			host.starttime = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--host-boot") == 0)
			snprintf(host.boot_id, sizeof(host.boot_id), "%s", argv[++i]);
		else if (strcmp(argv[i], "--host-release") == 0)
			snprintf(host.release, sizeof(host.release), "%s", argv[++i]);
		else
			usage();
	}
	if (print)
		print_once(&host);
	if (listen_spec == NULL)
		usage();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_term);
	lfd = listen_on(listen_spec);
	for (;;) {
		int c = vcl_http_accept(lfd, "vclab-isoprobe");

		if (c < 0)
			return 1;
		handle(c);
		close(c);
	}
}
