/* SPDX-License-Identifier: MIT */
/* The services file of `vclab bench --services` (bench/services.c) and the
 * request/response readiness probe's syntax (core/probe.c), on literal
 * input: what each key gives, and one FILE:LINE:COL line per mistake. */
#include <check.h>
#include <string.h>

#include "bench/services.h"
#include "core/probe.h"
#include "tests/suite_main.h"

static const char good[] = "services:\n"
			   "  - name: web\n"
			   "    image: oci:/srv/nginx:latest\n"
			   "    port: 8080\n"
			   "    ready: http:/index.html=200\n"
			   "    env: {GREETING: hello, MODE: fast}\n"
			   "    command: [-g, \"daemon off;\"]\n"
			   "    limits: {memory: 256Mi, cpu: 1.5, pids: 64}\n"
			   "    load: /index.html\n"
			   "  - name: cache\n"
			   "    image: docker-archive:/srv/redis.tar\n"
			   "    ready: tcp:PING=+PONG\n"
			   "    env: [A=1]\n"
			   "  - name: kv\n"
			   "    binary: /usr/bin/kv\n"
			   "    port: 7000\n"
			   "    ready: {send: \"HELLO\\r\\n\", expect: \"OK\"}\n"
			   "    load: {path: /get}\n"
			   "  - name: vclab-payload\n"
			   "    limits: {memory: 1Gi}\n";

START_TEST(test_parse_good)
{
	struct vcl_services *s = NULL;
	struct vcl_error *err = NULL;
	struct vcl_limits run = {.mem_mib = 512, .cpus = 1, .pids = 0}, l;

	ck_assert_int_eq(vcl_services_parse("svc.yaml", good, strlen(good), &s, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_uint_eq(s->n, 4);
	ck_assert_str_eq(s->v[0].name, "web");
	ck_assert_str_eq(s->v[0].io.ref, "oci:/srv/nginx:latest");
	ck_assert_uint_eq(s->v[0].io.port, 8080);
	ck_assert_ptr_eq(s->v[0].io.ready_spec, &s->v[0].ready);
	ck_assert_str_eq(s->v[0].ready.path, "/index.html");
	ck_assert_str_eq(s->v[0].io.env[0], "GREETING=hello");
	ck_assert_str_eq(s->v[0].io.env[1], "MODE=fast");
	ck_assert_ptr_null(s->v[0].io.env[2]);
	ck_assert_str_eq(s->v[0].io.cmd[1], "daemon off;");
	ck_assert_str_eq(s->v[0].io.load, "/index.html");
	ck_assert_uint_eq(s->v[0].line, 2);
	l = vcl_services_limits(s, 0, &run);
	ck_assert_uint_eq(l.mem_mib, 256);
	ck_assert(l.cpus == 1.5);
	ck_assert_uint_eq(l.pids, 64);

	ck_assert_int_eq(s->v[1].ready.kind, VCL_READY_TCP);
	ck_assert_uint_eq(s->v[1].ready.send_len, 6);
	ck_assert_int_eq(memcmp(s->v[1].ready.send, "PING\r\n", 6), 0);
	ck_assert_uint_eq(s->v[1].ready.expect_len, 5);
	ck_assert_int_eq(memcmp(s->v[1].ready.expect, "+PONG", 5), 0);
	ck_assert_uint_eq(s->v[1].io.port, 0); /* from the image */
	l = vcl_services_limits(s, 1, &run);   /* the run's */
	ck_assert_uint_eq(l.mem_mib, 512);

	ck_assert_str_eq(s->v[2].io.binary, "/usr/bin/kv");
	ck_assert_int_eq(memcmp(s->v[2].ready.send, "HELLO\r\n", 7), 0);
	ck_assert_uint_eq(s->v[2].ready.send_len, 7);
	ck_assert_str_eq(s->v[2].io.load, "/get");

	ck_assert(s->v[3].payload);
	ck_assert(!s->v[0].payload);
	ck_assert_uint_eq(vcl_services_limits(s, 3, &run).mem_mib, 1024);
	vcl_services_free(s);
}
END_TEST

/* Each mistake: one error, naming the file, line and column. */
static void bad(const char *text, const char *expect)
{
	struct vcl_services *s = NULL;
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_services_parse("f.yaml", text, strlen(text), &s, &err), -1);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_msg(strstr(err->msg, expect) != NULL, "'%s' lacks '%s'", err->msg, expect);
	ck_assert_ptr_null(strchr(err->msg, '\n'));
	vcl_error_free(err);
}

START_TEST(test_parse_bad)
{
	bad("services: [\n", "f.yaml:2:1:");
	/* A quoted value with a newline stays on the message's one line
	 * (fuzz_services, corpus/services/regress-newline-in-message). */
	bad("services:\n  - name: w\n    image: oci:/x\n    limits: {pids: \"A\\r\\nB\"}\n",
	    "f.yaml:4:20: 'A\\r\\nB' is not a number");
	bad("service:\n  - name: a\n", "f.yaml:1:1: unknown key 'service'");
	bad("services: []\n", "f.yaml:1:11: services: expected a non-empty list");
	bad("services:\n  - image: oci:/x\n", "f.yaml:2:5: a service needs a name");
	bad("services:\n  - name: web\n    image: oci:/x\n    limts: {}\n",
	    "f.yaml:4:5: unknown key 'limts'");
	bad("services:\n  - name: web\n", "f.yaml:2:5: service web: give image or binary");
	bad("services:\n  - name: a b\n    image: oci:/x\n", "f.yaml:2:11: name 'a b'");
	bad("services:\n  - name: w\n    image: oci:/x\n    port: 70000\n", "f.yaml:4:11:");
	bad("services:\n  - name: w\n    image: oci:/x\n    ready: udp\n",
	    "f.yaml:4:12: ready: 'udp'");
	bad("services:\n  - name: w\n    image: oci:/x\n    ready: {expect: x}\n",
	    "ready.expect needs ready.send");
	bad("services:\n  - name: w\n    image: oci:/x\n    env: [NOEQUALS]\n",
	    "f.yaml:4:11: env: 'NOEQUALS' is not K=V");
	bad("services:\n  - name: w\n    image: oci:/x\n    command: nginx -g x\n",
	    "command: expected a list of words");
	bad("services:\n  - name: w\n    image: oci:/x\n    limits: {memory: lots}\n",
	    "f.yaml:4:22: limits.memory: 'lots'");
	bad("services:\n  - name: w\n    image: oci:/x\n    limits: {pids: 2.5}\n",
	    "limits.pids: expected a whole number");
	bad("services:\n  - name: w\n    image: oci:/x\n    load: index.html\n",
	    "f.yaml:4:11: load: expected an HTTP path");
	bad("services:\n  - name: w\n    image: oci:/x\n    binary: /bin/x\n",
	    "give one of image and binary");
	bad("services:\n  - name: w\n    image: oci:/x\n  - name: w\n    image: oci:/y\n",
	    "f.yaml:4:11: service w is listed twice (first at line 2)");
	bad("services:\n  - name: vclab-payload\n    port: 80\n",
	    "vclab-payload takes only limits, not port");
}
END_TEST

START_TEST(test_parse_mib)
{
	uint64_t m = 0;

	ck_assert_int_eq(vcl_services_parse_mib("256", &m), 0);
	ck_assert_uint_eq(m, 256);
	ck_assert_int_eq(vcl_services_parse_mib("2Gi", &m), 0);
	ck_assert_uint_eq(m, 2048);
	ck_assert_int_eq(vcl_services_parse_mib("524288Ki", &m), 0);
	ck_assert_uint_eq(m, 512);
	ck_assert_int_eq(vcl_services_parse_mib("12Ki", &m), -1); /* under 1 MiB */
	ck_assert_int_eq(vcl_services_parse_mib("-5", &m), -1);
	ck_assert_int_eq(vcl_services_parse_mib("5Ti", &m), -1);
	ck_assert_int_eq(vcl_services_parse_mib("", &m), -1);
}
END_TEST

START_TEST(test_ready_reply)
{
	struct vcl_ready r;
	char d[96];

	ck_assert_int_eq(vcl_ready_parse("tcp:PING=+PONG", &r), 0);
	ck_assert_int_eq(r.kind, VCL_READY_TCP);
	ck_assert_uint_eq(r.send_len, 6);
	ck_assert_int_eq(memcmp(r.send, "PING\r\n", 6), 0);
	ck_assert_uint_eq(r.expect_len, 5);
	vcl_ready_describe(&r, d, sizeof(d));
	ck_assert_str_eq(d, "\"PING\" -> \"+PONG\"");
	/* Escapes: an '=' in the request, a newline already there, hex. */
	ck_assert_int_eq(vcl_ready_parse("tcp:SET a\\=1\\n=\\x2bOK", &r), 0);
	ck_assert_uint_eq(r.send_len, 8);
	ck_assert_int_eq(memcmp(r.send, "SET a=1\n", 8), 0);
	ck_assert_int_eq(memcmp(r.expect, "+OK", 3), 0);
	/* Any answer. */
	ck_assert_int_eq(vcl_ready_parse("tcp:stats", &r), 0);
	ck_assert_uint_eq(r.expect_len, 0);
	vcl_ready_describe(&r, d, sizeof(d));
	ck_assert_str_eq(d, "\"stats\"");
	ck_assert_int_eq(vcl_ready_parse("tcp", &r), 0);
	ck_assert_uint_eq(r.send_len, 0);
	vcl_ready_describe(&r, d, sizeof(d));
	ck_assert_str_eq(d, "a TCP connection");
	ck_assert_int_eq(vcl_ready_parse("tcp:", &r), -1);
	ck_assert_int_eq(vcl_ready_parse("tcp:=x", &r), -1);
	ck_assert_int_eq(vcl_ready_parse("tcp:PING=", &r), -1);
	ck_assert_int_eq(vcl_ready_parse("tcp:P\\q", &r), -1);
	ck_assert_int_eq(vcl_ready_parse("tcp:P\\x4", &r), -1);
	ck_assert_int_eq(vcl_ready_parse("tcp:P\\xzz", &r), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("services_file");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_parse_good);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_parse_mib);
	tcase_add_test(tc, test_ready_reply);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
