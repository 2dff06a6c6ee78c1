/* SPDX-License-Identifier: MIT */
#ifndef VCL_PROBE_H
#define VCL_PROBE_H

/*
 * Readiness, identical for every placement: wait for the payload's READY
 * line where the backend has a channel for it (ready_fd), then send an
 * exact "GET /healthz" with non-blocking connects on a capped backoff
 * (<= 2 ms) until the first 200. A connection that is accepted and then
 * reset (slirp before the guest listens) is retried. The instance dying
 * (exit_fd) ends the wait at once with the backend's explanation.
 */

#include <stdint.h>

#include "core/backend.h"
#include "core/error.h"

/* Fills inst->t.ready and inst->t.first_200. timeout_ms counts from the
 * call. Errors: VCL_E_TIMEOUT, VCL_E_DIED/VCL_E_OOM (from ops->exited),
 * VCL_E_INTR. */
int vcl_probe_wait(struct vcl_instance *inst, unsigned timeout_ms, struct vcl_error **err);

/* Append the last 20 lines of the instance's output (inst->log_path) to
 * *err's message, when there is a log. Returns -1 (for `return`). */
int vcl_probe_add_log_tail(struct vcl_instance *inst, struct vcl_error **err);

/* Parse --ready. Pure. Returns 0 or -1. One of:
 *   http:PATH[=STATUS]  GET PATH answers STATUS (200)
 *   tcp                 the port accepts a connection
 *   tcp:SEND[=EXPECT]   once connected, send SEND; ready when the answer
 *                       starts with EXPECT (any answer without =EXPECT).
 *                       Escapes \r \n \t \\ \= \xHH; a SEND not ending in
 *                       a newline gets "\r\n" ("tcp:PING=+PONG" for redis). */
int vcl_ready_parse(const char *s, struct vcl_ready *out);
/* The probe in words for messages: "GET / (200)", "a TCP connection",
 * "\"PING\" -> \"+PONG\"". Pure. */
void vcl_ready_describe(const struct vcl_ready *r, char *out, size_t size);

/* A socket (SOCK_NONBLOCK|SOCK_CLOEXEC) made in network namespace netns_fd
 * (-1 = the host's): setns there, socket(), setns back. */
int vcl_socket_in_netns(int netns_fd, int type, struct vcl_error **err);

/* One blocking HTTP GET (keep-alive off) to an endpoint, for tests and
 * scenarios: fills the status and up to bodysz-1 bytes of body. */
int vcl_http_get(const struct vcl_endpoint *ep, const char *path, unsigned timeout_ms, int *status,
		 char *body, size_t bodysz, struct vcl_error **err);

#endif
