/* SPDX-License-Identifier: MIT */
/*
 * vclab-toolrun: the service of the tools image (scripts/build-tools-image.sh).
 * It runs in every placement the way any user's service does, answers the
 * harness's readiness probe, and runs the field's own tools (sysbench, fio,
 * iperf3, from Debian's packages) inside the placement when asked, so that
 * what a tool measures is the placement's CPU, memory, storage and network,
 * and the tool runs only once the placement is up (its boot is not in the
 * figure, and the host can read the placement's CPU time around the run).
 *
 *   GET  /healthz  200 "ok"
 *   GET  /ping     200 "pong" (keep-alive: the request latency of the path)
 *   POST /run      body: the tool's argv, one argument a line; runs it to
 *                  completion and answers 200 with its stdout and stderr,
 *                  the exit status in X-Exit
 *   POST /exec     body: an iperf3 argv; answers 200, closes its listener
 *                  and becomes that iperf3 (a server on the same port, the
 *                  only port a VM's user-mode network forwards)
 *
 * Only the three tools may run (their absolute paths in the image): the
 * service is a measuring instrument, not a remote shell. One connection at
 * a time; a connection idle for 5 s is closed (a probe that left it open).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "payload/http.h"

#define MAX_ARGS 64
#define MAX_OUT	 (1u << 20) /* a tool's output kept: fio's JSON is ~20 KiB */
#define IDLE_MS	 5000

static const char *const allowed[] = {"/usr/bin/sysbench", "/usr/bin/fio", "/usr/bin/iperf3", NULL};

/* A text/plain response carrying the tool's exit status in X-Exit. */
static int respond(int fd, int status, int exit_status, const char *body, size_t len,
		   int keep_alive)
{
	char extra[32];

	snprintf(extra, sizeof(extra), "X-Exit: %d\r\n", exit_status);
	return vcl_http_reply(fd, status, "text/plain", extra, body, len, keep_alive != 0);
}

/* Split the body (one argument a line) into argv; NULL when empty, too
 * long, or naming a program that is not one of the tools. */
static char **parse_argv(char *body, size_t len, char **argv)
{
	size_t n = 0;
	char *p = body, *end = body + len;

	while (p < end && n < MAX_ARGS) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			nl = end;
		*nl = '\0';
		argv[n++] = p;
		p = nl + 1;
	}
	argv[n] = NULL;
	if (n == 0 || p < end)
		return NULL;
	for (const char *const *a = allowed; *a != NULL; a++)
		if (strcmp(argv[0], *a) == 0)
			return argv;
	return NULL;
}

/* Run argv with stdout and stderr into out (at most MAX_OUT bytes kept);
 * returns the wait status, or -1. */
static int run_tool(char **argv, char *out, size_t *outlen)
{
	int p[2], status = 0;
	pid_t pid;
	ssize_t r;

	*outlen = 0;
	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		/* The service ignores SIGPIPE (a client gone is a send error);
		 * an ignored signal stays ignored across exec, and a tool must
		 * die of a closed pipe as it would anywhere else. */
		signal(SIGPIPE, SIG_DFL);
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execv(argv[0], argv);
		dprintf(2, "vclab-toolrun: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while ((r = read(p[0], out + *outlen, MAX_OUT - *outlen)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		*outlen += (size_t)r;
		if (*outlen == MAX_OUT) {
			char sink[4096];

			while (read(p[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/* Serve one request; returns <0 to close the connection, 1 after /exec
 * was accepted (the caller execs). */
static int serve(int fd, const struct vcl_http_req *req, char *body, char **argv, char *out)
{
	size_t outlen = 0;
	int st;

	if (strcmp(req->method, "GET") == 0 && strcmp(req->path, "/healthz") == 0)
		return respond(fd, 200, 0, "ok\n", 3, req->keep_alive) < 0 || !req->keep_alive ? -1
											       : 0;
	if (strcmp(req->method, "GET") == 0 && strcmp(req->path, "/ping") == 0)
		return respond(fd, 200, 0, "pong\n", 5, req->keep_alive) < 0 || !req->keep_alive
			   ? -1
			   : 0;
	if (strcmp(req->method, "POST") != 0 ||
	    (strcmp(req->path, "/run") != 0 && strcmp(req->path, "/exec") != 0)) {
		respond(fd, 404, 0, "not found\n", 10, 0);
		return -1;
	}
	if (parse_argv(body, req->content_length, argv) == NULL) {
		respond(fd, 400, 0, "not a tool\n", 11, 0);
		return -1;
	}
	if (strcmp(req->path, "/exec") == 0) {
		if (strcmp(argv[0], "/usr/bin/iperf3") != 0) {
			respond(fd, 400, 0, "exec: iperf3 only\n", 18, 0);
			return -1;
		}
		respond(fd, 200, 0, "exec\n", 5, 0);
		return 1;
	}
	st = run_tool(argv, out, &outlen);
	if (st < 0) {
		respond(fd, 500, -1, "fork failed\n", 12, 0);
		return -1;
	}
	respond(fd, 200, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), out, outlen, 0);
	return -1;
}

/* Read and serve requests on one connection until it closes or idles. */
static int connection(int fd, char **argv, char *out)
{
	static char buf[VCL_HTTP_MAX_HEAD + VCL_HTTP_MAX_BODY + 1];
	size_t len = 0;

	for (;;) {
		struct vcl_http_req req;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long n = vcl_http_parse(buf, len, &req);
		ssize_t r;
		int s;

		if (n > 0) {
			/* static: /exec's argv points into it after return */
			static char body[VCL_HTTP_MAX_BODY + 1];

			memcpy(body, buf + req.head_len, req.content_length);
			body[req.content_length] = '\0';
			memmove(buf, buf + n, len - (size_t)n);
			len -= (size_t)n;
			s = serve(fd, &req, body, argv, out);
			if (s != 0)
				return s;
			continue;
		}
		if (n < 0 || len == sizeof(buf) - 1) {
			respond(fd, 400, 0, "bad request\n", 12, 0);
			return -1;
		}
		if (poll(&pfd, 1, IDLE_MS) <= 0)
			return -1;
		r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (r <= 0)
			return -1;
		len += (size_t)r;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
	char *targv[MAX_ARGS + 1];
	char *out = malloc(MAX_OUT);
	int ls, one = 1;
	long port;

	if (argc != 2 || (port = strtol(argv[1], NULL, 10)) <= 0 || port > 65535) {
		fprintf(stderr, "usage: vclab-toolrun PORT\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sa.sin_port = htons((uint16_t)port);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (out == NULL || ls < 0 ||
	    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 16) < 0) {
		fprintf(stderr, "vclab-toolrun: listen on port %ld: %s\n", port, strerror(errno));
		return 1;
	}
	fprintf(stderr, "vclab-toolrun: listening on port %ld\n", port);
	for (;;) {
		int fd = vcl_http_accept(ls, "vclab-toolrun");

		if (fd < 0)
			return 1;
		/* A tool's output larger than the reply buffer goes out after
		 * its head, in a second write: without this, Nagle and the
		 * client's delayed ACK would hold it ~40 ms. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connection(fd, targv, out) == 1) {
			/* /exec: the port goes to the tool (SO_REUSEADDR on both). */
			close(fd);
			close(ls);
			signal(SIGPIPE, SIG_DFL); /* not inherited ignored (run_tool) */
			execv(targv[0], targv);
			fprintf(stderr, "vclab-toolrun: exec %s: %s\n", targv[0], strerror(errno));
			return 127;
		}
		close(fd);
	}
}
