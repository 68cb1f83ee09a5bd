/*
 * collect.c - the collectors of a point, as one table (rules in collect.h).
 * Order matters: the prefetcher is set before anything is measured, and
 * after-hooks run in reverse, so the snapshots nest around the workload.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "collect.h"
#include "monitor.h"
#include "prefetch.h"
#include "slab.h"
#include "sysinfo.h"

/* ---- prefetch: the point's prefetcher value, held once per run ---------- */

static bool prefetch_wanted(const struct collect_run *r, const struct plan_point *pt)
{
	return pt->prefetch >= 0;
}

static int prefetch_before(struct collect_inv *ci, void **slot)
{
	struct prefetch_hold **h = (struct prefetch_hold **)slot;
	int rc = *h ? 0 : prefetch_hold(PF_ADJACENT, h);

	if (!rc)
		rc = prefetch_toggle(*h, ci->pt->prefetch);
	/* read back what the point really ran with */
	if (!rc && !ci->invocation)
		json_object_set_new(ci->pj, "prefetch", prefetch_state_json());
	return rc;
}

static json_t *no_extra(json_t *value)
{
	return NULL;
}

static void prefetch_end(void **slot)
{
	prefetch_release(*slot);
	*slot = NULL;
}

/* ---- slab: /proc/slabinfo around the point's first invocation ---------- */

struct slab_state {
	struct slab_snap before;
	int err;		/* 0: before holds a snapshot; else why not */
};

static int slab_before(struct collect_inv *ci, void **slot)
{
	struct slab_state *st;

	if (ci->invocation)
		return 0;
	st = xcalloc(1, sizeof(*st));
	st->err = slab_snapshot(&st->before, true) ? errno : 0;
	ci->state = st;
	return 0;
}

static void slab_after(struct collect_inv *ci, void **slot)
{
	struct slab_state *st = ci->state;
	struct slab_snap after;

	if (!st)
		return;
	if (!st->err && slab_snapshot(&after, true))
		st->err = errno;
	if (st->err)
		json_object_set_new(ci->pj, "slab", json_sprintf("unavailable: /proc/slabinfo: %s",
								 strerror(st->err)));
	else
		json_object_set_new(ci->pj, "slab", json_pack("{s:o, s:o, s:o}",
			"before", slab_snapshot_json(&st->before), "after", slab_snapshot_json(&after),
			"delta", slab_delta_json(&st->before, &after)));
	free(st);
}

static json_t *slab_extra(json_t *value)
{
	return json_incref(json_object_get(value, "delta"));
}

/* ---- vmstat: /proc/vmstat deltas, summed over the invocations ---------- */

static int vmstat_before(struct collect_inv *ci, void **slot)
{
	ci->state = sysinfo_vmstat();
	return 0;
}

static void vmstat_after(struct collect_inv *ci, void **slot)
{
	json_t *after = sysinfo_vmstat(), *d = sysinfo_vmstat_delta(ci->state, after);
	json_t *acc = json_object_get(ci->pj, "vmstat"), *v;
	const char *k;

	json_decref(ci->state);
	json_decref(after);
	if (!acc || !json_is_object(acc) || !json_is_object(d)) {
		json_object_set_new(ci->pj, "vmstat", d);
		return;
	}
	json_object_foreach(d, k, v) {
		json_t *a = json_object_get(acc, k);

		json_object_set_new(acc, k, json_integer(json_integer_value(v) +
							 (a ? json_integer_value(a) : 0)));
	}
	json_decref(d);
}

/* ---- monitors: time series while the workload runs (monitor.h) --------- */

static bool monitors_wanted(const struct collect_run *r, const struct plan_point *pt)
{
	return r->cfg->monitors != 0;
}

static int monitors_before(struct collect_inv *ci, void **slot)
{
	ci->state = monitor_start(ci->run->cfg->monitors, ci->run->cfg->monitor_interval, ci->dir,
				  ci->invocation);
	return 0;
}

static void monitors_after(struct collect_inv *ci, void **slot)
{
	json_t *acc = json_incref(json_object_get(ci->pj, "monitors"));

	if (!ci->state)
		return;
	monitor_stop(ci->state, &acc);
	json_object_set_new(ci->pj, "monitors", acc);
}

/* ---- perf: the workload under perf stat/record/c2c (perf.h) ------------- */

static bool perf_wanted(const struct collect_run *r, const struct plan_point *pt)
{
	return r->cfg->perf != PERF_OFF;
}

static char **perf_wrap_argv(struct collect_inv *ci, char **argv)
{
	return perf_wrap(&ci->run->perf, argv, ci->dir);
}

static void perf_after(struct collect_inv *ci, void **slot)
{
	json_t *perf = perf_collect(&ci->run->perf, ci->dir, ci->samples);

	if (perf)
		json_object_set_new(ci->pj, "perf", perf);
}

/* ---- the table ------------------------------------------------------------ */

const struct collector collectors[] = {
	{ .name = "prefetch", .wanted = prefetch_wanted, .before = prefetch_before,
	  .extra = no_extra, .end = prefetch_end },
	{ .name = "slab", .before = slab_before, .after = slab_after, .extra = slab_extra },
	{ .name = "vmstat", .before = vmstat_before, .after = vmstat_after },
	{ .name = "monitors", .wanted = monitors_wanted, .before = monitors_before,
	  .after = monitors_after },
	{ .name = "perf", .wanted = perf_wanted, .wrap = perf_wrap_argv,
	  .unwrap = perf_argv_free, .after = perf_after },
};
const int ncollectors = sizeof(collectors) / sizeof(collectors[0]);

_Static_assert(sizeof(collectors) / sizeof(collectors[0]) <=
	       sizeof(((struct collect_run *)0)->slot) / sizeof(void *),
	       "a slot per collector");

static bool wanted(const struct collector *c, const struct collect_inv *ci)
{
	return !c->wanted || c->wanted(ci->run, ci->pt);
}

int collect_before(struct collect_inv *ci, void **state)
{
	for (int i = 0; i < ncollectors; i++) {
		const struct collector *c = &collectors[i];
		int rc;

		state[i] = NULL;
		if (!wanted(c, ci) || !c->before)
			continue;
		ci->state = NULL;
		rc = c->before(ci, &ci->run->slot[i]);
		state[i] = ci->state;
		if (rc) {
			/* the ones already started end now, in reverse */
			for (int k = i - 1; k >= 0; k--) {
				if (!wanted(&collectors[k], ci) || !collectors[k].after)
					continue;
				ci->state = state[k];
				collectors[k].after(ci, &ci->run->slot[k]);
			}
			return rc;
		}
	}
	return 0;
}

char **collect_wrap(struct collect_inv *ci, char **argv)
{
	ci->nwrap = 0;
	ci->argvs[0] = argv;
	for (int i = 0; i < ncollectors; i++)
		if (wanted(&collectors[i], ci) && collectors[i].wrap) {
			ci->wrapper[ci->nwrap] = i;
			ci->argvs[ci->nwrap + 1] = collectors[i].wrap(ci, ci->argvs[ci->nwrap]);
			ci->nwrap++;
		}
	return ci->argvs[ci->nwrap];
}

/* Each wrapper frees its own argv, outermost first. */
void collect_unwrap(struct collect_inv *ci)
{
	for (int k = ci->nwrap - 1; k >= 0; k--) {
		const struct collector *c = &collectors[ci->wrapper[k]];

		if (c->unwrap && ci->argvs[k + 1] != ci->argvs[k])
			c->unwrap(ci->argvs[k + 1], ci->argvs[k]);
	}
	ci->nwrap = 0;
}

void collect_after(struct collect_inv *ci, void **state)
{
	for (int i = ncollectors - 1; i >= 0; i--) {
		const struct collector *c = &collectors[i];

		if (!wanted(c, ci) || !c->after)
			continue;
		ci->state = state[i];
		c->after(ci, &ci->run->slot[i]);
	}
}

void collect_extra(json_t *pj, json_t *extra)
{
	for (int i = 0; i < ncollectors; i++) {
		const struct collector *c = &collectors[i];
		json_t *v = json_object_get(pj, c->name);

		if (!v)
			continue;
		v = c->extra ? c->extra(v) : json_incref(v);
		if (v)
			json_object_set_new(extra, c->name, v);
	}
}

void collect_end(struct collect_run *r)
{
	for (int i = 0; i < ncollectors; i++)
		if (collectors[i].end)
			collectors[i].end(&r->slot[i]);
}
