/* SPDX-License-Identifier: MIT */
#ifndef VCL_TEST_TEST_SERVER_H
#define VCL_TEST_TEST_SERVER_H

/*
 * A tiny HTTP server on 127.0.0.1 for the unit suites that drive a client
 * against it (test_loadgen: the load generator; test_density: the density
 * load and health check): one thread, poll, at most 64 connections at once,
 * every request answered with the same status and a 2-byte body, with
 * stalls at known points. Each test file is its own binary, so this is
 * static inline rather than in a library.
 */

#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"

struct tsrv {
	int lfd, stop[2];
	uint16_t port;
	unsigned stall_at, every; /* stall once at request stall_at, or at every every-th */
	unsigned stall_ms;
	int backlog;		  /* listen()'s; 0: 64 */
	unsigned accept_delay_ms; /* no accept() before, as a busy accepter */
	bool close_each;	  /* "Connection: close" after every answer (busybox httpd) */
	int status;		  /* the status of every answer; 0: 200 */
	unsigned long served;
	pthread_t th;
};

static inline void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One thread, poll: a stall blocks every connection, as a paused VM or a GC
 * pause would. */
static inline void *tsrv_main(void *arg)
{
	struct tsrv *s = arg;
	char resp[96];
	int rlen =
	    snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\nContent-Length: 2\r\n%s\r\nok",
		     s->status > 0 ? s->status : 200, s->close_each ? "Connection: close\r\n" : "");
	struct pollfd p[66];
	char buf[66][1024];
	size_t have[66] = {0};
	nfds_t n = 2;

	p[0] = (struct pollfd){.fd = s->stop[0], .events = POLLIN};
	p[1] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
	sleep_ms(s->accept_delay_ms);
	while (poll(p, n, -1) >= 0 && !(p[0].revents & POLLIN)) {
		if ((p[1].revents & POLLIN) && n < ARRAY_SIZE(p)) {
			int fd = accept(s->lfd, NULL, NULL);

			if (fd >= 0) {
				have[n] = 0;
				p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
			}
		}
		for (nfds_t i = 2; i < n; i++) {
			ssize_t got;
			char *end;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(p[i].fd, buf[i] + have[i], sizeof(buf[i]) - have[i]);
			if (got <= 0) {
				close(p[i].fd);
				p[i] = p[n - 1], have[i] = have[n - 1];
				memcpy(buf[i], buf[n - 1], have[i]);
				n--, i--;
				continue;
			}
			have[i] += (size_t)got;
			while ((end = memmem(buf[i], have[i], "\r\n\r\n", 4)) != NULL) {
				size_t len = (size_t)(end - buf[i]) + 4;

				s->served++;
				if (s->served == s->stall_at ||
				    (s->every > 0 && s->served % s->every == 0))
					sleep_ms(s->stall_ms);
				(void)!write(p[i].fd, resp, (size_t)rlen);
				if (s->close_each) {
					shutdown(p[i].fd, SHUT_RDWR); /* read() then ends it */
					have[i] = 0;
					break;
				}
				memmove(buf[i], buf[i] + len, have[i] - len);
				have[i] -= len;
			}
		}
	}
	for (nfds_t i = 2; i < n; i++)
		close(p[i].fd);
	return NULL;
}

/* Listen on a free loopback port (s->port) and serve in a thread. */
static inline void tsrv_start(struct tsrv *s)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);

	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s->lfd, 0);
	ck_assert_int_eq(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(s->lfd, s->backlog > 0 ? s->backlog : 64), 0);
	ck_assert_int_eq(getsockname(s->lfd, (struct sockaddr *)&sa, &sl), 0);
	s->port = ntohs(sa.sin_port);
	ck_assert_int_eq(pipe(s->stop), 0);
	ck_assert_int_eq(pthread_create(&s->th, NULL, tsrv_main, s), 0);
}

/* Stop the thread and close every connection and the listener. */
static inline void tsrv_stop(struct tsrv *s)
{
	(void)!write(s->stop[1], "x", 1);
	pthread_join(s->th, NULL);
	close(s->stop[0]);
	close(s->stop[1]);
	close(s->lfd);
}

#endif
