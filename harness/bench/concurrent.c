/* SPDX-License-Identifier: MIT */
/*
 * Runs beside this one. A CI runner runs two jobs at once, or a fleet run
 * starts while someone benches by hand; tried by hand, ctr's startup p50
 * was 15.5 ms in one of two simultaneous runs and 7.6 ms in the other.
 * Each run announces itself in its ledger (core/ledger.h: placements and
 * start), and results.json's concurrent_runs[] names every other vclab
 * run active at some time during this one: its run id, placements, when
 * it started and ended, how many seconds of this run it overlapped, and of
 * each scenario (the report prints that beside the scenario's figures).
 * A scenario that fills the host's memory (density) claims it: a second
 * such run is refused while the first lives, rather than both measuring
 * less.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"
#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/results.h"

/* The claim a scenario that fills the host's memory takes. */
#define MEMORY_CLAIM "memory"

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void iso8601(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000LL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

double vcl_bench_overlap_s(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
	int64_t from = a0 > b0 ? a0 : b0, to = a1 < b1 ? a1 : b1;

	return to > from ? (double)(to - from) / 1e9 : 0.0;
}

static bool fills_memory(const struct vcl_bench *b, const char **which)
{
	for (const struct vcl_scenario *const *sc = vcl_scenarios; *sc != NULL; sc++)
		if ((*sc)->fills_memory && vcl_bench_wants(b, (*sc)->name)) {
			*which = (*sc)->name;
			return true;
		}
	return false;
}

/* Claim the host's memory when a scenario asked for fills it. */
static int claim_memory(struct vcl_bench *b, struct vcl_error **err)
{
	struct vcl_ledger_peer holder;
	const char *scenario = NULL;
	char since[64] = "";
	bool got = true;

	if (!fills_memory(b, &scenario))
		return 0;
	if (vcl_ledger_claim(b->spec.ledger, MEMORY_CLAIM, &got, &holder, err) < 0)
		return -1;
	if (got)
		return 0;
	if (holder.start_ns != 0) {
		char t[32];

		iso8601(holder.start_ns, t, sizeof(t));
		snprintf(since, sizeof(since), ", since %s", t);
	}
	return vcl_error_set(err, VCL_E_ENV, 0,
			     "Scenario %s: vclab run %s (%s%s) is filling this host's memory "
			     "(density); two such runs both measure less. Run this one after it "
			     "ends",
			     scenario, holder.run, holder.placements, since);
}

int vcl_bench_announce(struct vcl_bench *b, struct vcl_error **err)
{
	char pl[256] = "";
	size_t len = 0;

	/* The claim first: a run refused is never announced to the others. */
	if (claim_memory(b, err) < 0)
		return -1;
	for (unsigned i = 0; i < b->nactive && len < sizeof(pl); i++)
		len += (size_t)snprintf(pl + len, sizeof(pl) - len, "%s%s", i > 0 ? "," : "",
					b->active[i]->name);
	return vcl_ledger_announce(b->spec.ledger, pl, err);
}

int vcl_bench_window_add(struct vcl_bench *b, const char *scenario, int64_t from, int64_t to)
{
	struct vcl_bench_window *g = realloc(b->windows, (b->nwindows + 1) * sizeof(*g));

	if (g == NULL)
		return -1;
	b->windows = g;
	g[b->nwindows++] = (struct vcl_bench_window){scenario, from, to};
	return 0;
}

int64_t vcl_bench_now_real(void)
{
	return realtime_ns();
}

/* concurrent_runs[] entry of one other run, overlapping [me, now]. */
static struct json_object *peer_json(const struct vcl_bench *b, const struct vcl_ledger_peer *p,
				     int64_t me, int64_t now)
{
	struct json_object *o = json_object_new_object(), *pl = json_object_new_array(),
			   *sc = json_object_new_object();
	int64_t end = p->end_ns != 0 ? p->end_ns : now;
	char buf[256], *save = NULL;

	json_object_object_add(o, "run_id", json_object_new_string(p->run));
	snprintf(buf, sizeof(buf), "%s", p->placements);
	for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
		if (strcmp(t, "-") != 0)
			json_object_array_add(pl, json_object_new_string(t));
	json_object_object_add(o, "placements", pl);
	iso8601(p->start_ns, buf, sizeof(buf));
	json_object_object_add(o, "started", json_object_new_string(buf));
	if (p->end_ns != 0) {
		iso8601(p->end_ns, buf, sizeof(buf));
		json_object_object_add(o, "ended", json_object_new_string(buf));
	}
	json_object_object_add(
	    o, "overlap_s",
	    json_object_new_double(round(vcl_bench_overlap_s(me, now, p->start_ns, end) * 10) /
				   10));
	/* Per scenario: seconds of overlap, of the scenario's own seconds
	 * (several windows when a services file runs it once per service). */
	for (size_t w = 0; w < b->nwindows; w++) {
		const struct vcl_bench_window *win = &b->windows[w];
		double ov = vcl_bench_overlap_s(win->from, win->to, p->start_ns, end);
		struct json_object *e = vcl_json_obj(sc, win->scenario), *x;
		double have_ov = json_object_object_get_ex(e, "overlap_s", &x)
				     ? json_object_get_double(x)
				     : 0,
		       have_of =
			   json_object_object_get_ex(e, "of_s", &x) ? json_object_get_double(x) : 0;

		json_object_object_add(e, "overlap_s", json_object_new_double(have_ov + ov));
		json_object_object_add(
		    e, "of_s",
		    json_object_new_double(have_of + (double)(win->to - win->from) / 1e9));
	}
	/* Rounded once summed; scenarios it did not overlap are left out. */
	json_object_object_foreach(sc, name, e)
	{
		struct json_object *ov = NULL, *of = NULL;

		json_object_object_get_ex(e, "overlap_s", &ov);
		json_object_object_get_ex(e, "of_s", &of);
		if (json_object_get_double(ov) < 0.05) {
			json_object_object_del(sc, name);
			continue;
		}
		json_object_object_add(
		    e, "overlap_s",
		    json_object_new_double(round(json_object_get_double(ov) * 10) / 10));
		json_object_object_add(
		    e, "of_s", json_object_new_double(round(json_object_get_double(of) * 10) / 10));
	}
	json_object_object_add(o, "scenarios", sc);
	return o;
}

void vcl_bench_record_concurrent(struct vcl_bench *b)
{
	cleanup_free struct vcl_ledger_peer *v = NULL;
	int64_t me = vcl_ledger_started(b->spec.ledger), now = realtime_ns();
	struct json_object *arr;
	struct vcl_error *e = NULL;
	size_t n = 0;

	if (me == 0)
		return; /* not announced (no ledger yet): nothing known */
	if (vcl_ledger_peers(b->spec.ledger, &v, &n, &e) < 0) {
		vcl_warn("concurrent runs not recorded: %s", e->msg);
		vcl_error_free(e);
		return;
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		if (v[i].start_ns != 0)
			json_object_array_add(arr, peer_json(b, &v[i], me, now));
	json_object_object_add(b->root, "concurrent_runs", arr);
}
