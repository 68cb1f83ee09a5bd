/*
 * estimate.c - a config's time on this machine before it runs (estimate.h):
 * `mmscale plan --db DB` and `plan --pilot`.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"
#include "estimate.h"
#include "meta.h"
#include "run.h"
#include "stats.h"
#include "store.h"
#include "sysinfo.h"

char *estimate_duration(double sec, char *buf, size_t n)
{
	if (!isfinite(sec) || sec < 0)
		snprintf(buf, n, "-");
	else if (sec < 10)
		snprintf(buf, n, "%.2f s", sec);
	else if (sec < 60)
		snprintf(buf, n, "%.1f s", sec);
	else if (sec < 3600)
		snprintf(buf, n, "%d min %02d s", (int)(sec / 60), (int)fmod(sec, 60));
	else
		snprintf(buf, n, "%d h %02d min", (int)(sec / 3600), (int)fmod(sec / 60, 60));
	return buf;
}

/* The iterations a point of the plan runs besides what adaptive keeps. */
static int fixed_iterations(const struct config *cfg)
{
	return cfg->warmup + (cfg->precision > 0 ? cfg->min_iterations : cfg->iterations);
}

static void estimate_init(struct estimate *e, const struct plan *plan)
{
	json_t *un = json_object(), *sys = sysinfo_collect(un);
	const char *host = meta_str(sys, "hostname"), *cpu = meta_str(sys, "cpu.model_name");

	*e = (struct estimate){ .npoints = plan->npoints };
	e->pts = xcalloc((size_t)plan->npoints + 1, sizeof(*e->pts));
	snprintf(e->machine, sizeof(e->machine), "%s", host ? host : "unknown");
	snprintf(e->cpu, sizeof(e->cpu), "%s", cpu ? cpu : "unknown");
	json_decref(sys);
	json_decref(un);
}

static void estimate_sum(struct estimate *e)
{
	e->total = e->total_max = 0;
	e->known = 0;
	for (int i = 0; i < e->npoints; i++) {
		struct estimate_point *p = &e->pts[i];

		if (!p->known)
			continue;
		p->sec = p->s_iter * p->iters;
		p->sec_max = p->s_iter * p->iters_max;
		e->total += p->sec;
		e->total_max += p->sec_max;
		e->known++;
	}
}

/* ---- from the history ---------------------------------------------------------- */

/* What the newest runs recorded of one planned point. */
struct seen {
	double wall;			/* summed over the runs */
	int iters;			/* iterations those took */
	int adaptive_runs, kept;	/* runs of it with a pilot, their kept sum */
	int64_t values_run;		/* the newest run with it ok (its spread) */
};

static const struct store_point_status *find_point(const struct store_point_status *p, int n,
						   const struct plan_point *pt)
{
	for (int i = 0; i < n; i++)
		if (p[i].clients == pt->clients && !strcmp(p[i].group, pt->group))
			return &p[i];
	return NULL;
}

/* An adaptive point from a history of fixed runs: what the run's rule
 * would keep after its pilot, given the spread the newest run recorded. */
static int kept_from_spread(struct store *st, const struct config *cfg,
			    const struct plan_point *pt, int64_t run_id, int *kept)
{
	const char *metric = json_string_value(json_object_get(json_array_get(pt->metrics, 0),
							       "name"));
	struct store_values *v;
	int n, rc = store_run_values(st, run_id, &v, &n);
	bool capped;

	*kept = -1;
	if (rc)
		return rc;
	for (int i = 0; metric && i < n && *kept < 0; i++)
		if (v[i].clients == pt->clients && !strcmp(v[i].group, pt->group) &&
		    !strcmp(v[i].metric, metric)) {
			struct stats s;

			stats_compute(v[i].values, v[i].n, v[i].dir, &s);
			*kept = stats_adaptive_n(&s, cfg->precision, cfg->max_iterations, &capped);
		}
	store_values_free(v, n);
	return 0;
}

static int history_point(struct store *st, const struct config *cfg, const struct plan_point *pt,
			 const struct seen *sn, struct estimate_point *ep)
{
	int kept = 0, rc;

	if (sn->iters <= 0 || sn->wall <= 0)
		return 0;
	ep->known = true;
	ep->s_iter = sn->wall / sn->iters;
	if (cfg->precision > 0) {
		if (sn->adaptive_runs) {
			/* its own adaptive runs: what they kept, on average */
			kept = (int)ceil((double)sn->kept / sn->adaptive_runs);
		} else {
			rc = kept_from_spread(st, cfg, pt, sn->values_run, &kept);
			if (rc)
				return rc;
			if (kept < 0)
				kept = cfg->max_iterations;
		}
	}
	ep->iters = ep->iters_max = fixed_iterations(cfg) + kept;
	return 0;
}

int estimate_history(const struct config *cfg, const struct plan *plan, const char *db,
		     struct estimate *e)
{
	struct store *st = NULL;
	struct store_run *runs = NULL;
	struct seen *seen = NULL;
	int nruns = 0, rc;

	estimate_init(e, plan);
	e->source = EST_HISTORY;
	rc = store_open_existing(db, &st);
	if (rc)
		goto out;
	rc = store_query_runs(st, &(struct store_filter){ .machine = e->machine, .cpu_model = e->cpu,
			      .config = cfg->hash, .last = ESTIMATE_RUNS }, &runs, &nruns);
	if (rc)
		goto out;
	seen = xcalloc((size_t)plan->npoints + 1, sizeof(*seen));
	/* runs come oldest first: the newest run with a point is the last seen */
	for (int r = 0; r < nruns && !rc; r++) {
		struct store_point_status *p;
		int np;

		rc = store_run_points(st, runs[r].id, &p, &np);
		for (int i = 0; !rc && i < plan->npoints; i++) {
			const struct store_point_status *x = find_point(p, np, &plan->pts[i]);
			int ran = x ? x->warmup + x->pilot + x->kept : 0;

			if (!x || strcmp(x->status, "ok") || !(x->wall_sec > 0) || ran <= 0)
				continue;
			seen[i].wall += x->wall_sec;
			seen[i].iters += ran;
			seen[i].adaptive_runs += x->pilot > 0;
			seen[i].kept += x->pilot > 0 ? x->kept : 0;
			seen[i].values_run = runs[r].id;
		}
		if (!rc)
			store_points_free(p, np);
	}
	for (int i = 0; !rc && i < plan->npoints; i++)
		rc = history_point(st, cfg, &plan->pts[i], &seen[i], &e->pts[i]);
	if (rc)
		goto out;
	e->runs = nruns;
	e->newest = nruns ? runs[nruns - 1].time : 0;
	estimate_sum(e);
	if (!e->known) {
		e->source = EST_NONE;
		snprintf(e->why, sizeof(e->why), "no history of this config (hash %s) on %s%s",
			 cfg->hash, e->machine, nruns ? " with the time of its points" : "");
	}
out:
	free(seen);
	store_runs_free(runs, nruns);
	store_close(st);
	return rc;
}

/* ---- from a pilot -------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path) ? -1 : 0;
}

int estimate_pilot(const char *config, const char *const *sets, int nsets,
		   const struct config *cfg, const struct plan *plan, struct estimate *e)
{
	const char *tmpdir = getenv("TMPDIR");
	char scratch[PATH_MAX], out[PATH_MAX], path[PATH_MAX + 64];
	int rc;

	estimate_init(e, plan);
	e->source = EST_PILOT;
	snprintf(scratch, sizeof(scratch), "%s/mmscale-pilot.XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(scratch)) {
		errmsg(errno, "plan --pilot: %s", scratch);
		return EXIT_NORES;
	}
	/* --iterations: fixed, whatever the config's precision says */
	rc = run_config(&(struct run_request){
		.config = config, .label = "pilot", .results = scratch,
		.iterations = ESTIMATE_PILOT_ITERATIONS, .warmup_given = true, .warmup = 0,
		.sets = sets, .nsets = nsets, .no_import = true,
	}, out, sizeof(out));
	for (int i = 0; !rc && i < plan->npoints; i++) {
		struct estimate_point *ep = &e->pts[i];
		json_t *pj, *w;

		snprintf(path, sizeof(path), "%s/points/%s/point.json", out, plan->pts[i].id);
		pj = json_load_file(path, 0, NULL);
		w = json_object_get(pj, "wall_sec");
		if (json_is_number(w) && json_number_value(w) > 0 &&
		    !strcmp(json_string_value(json_object_get(pj, "status")) ?: "", "ok")) {
			ep->known = true;
			/* the points' own time: not the wait for another run's lock */
			e->pilot_sec += json_number_value(w);
			ep->s_iter = json_number_value(w) / ESTIMATE_PILOT_ITERATIONS;
			/* adaptive: the rule keeps STATS_FEW_SAMPLES at least */
			ep->iters = fixed_iterations(cfg) +
				    (cfg->precision > 0 ? STATS_FEW_SAMPLES : 0);
			ep->iters_max = fixed_iterations(cfg) +
					(cfg->precision > 0 ? cfg->max_iterations : 0);
		}
		json_decref(pj);
	}
	if (nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS))
		errmsg(errno, "plan --pilot: removing %s", scratch);
	if (rc == EXIT_FAIL)
		rc = 0;		/* a failed point: estimated without it, said below */
	estimate_sum(e);
	if (!rc && !e->known) {
		e->source = EST_NONE;
		snprintf(e->why, sizeof(e->why), "no point of the pilot ended ok");
	}
	return rc;
}

/* ---- output -------------------------------------------------------------------- */

static void source_line(const struct estimate *e, char *buf, size_t n)
{
	char when[32];
	time_t t = (time_t)e->newest;
	struct tm tm;

	switch (e->source) {
	case EST_HISTORY:
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", gmtime_r(&t, &tm));
		snprintf(buf, n, "estimate: from history, %d run%s, newest %s (UTC), on %s", e->runs,
			 e->runs == 1 ? "" : "s", when, e->machine);
		break;
	case EST_PILOT:
		snprintf(buf, n, "estimate: from a pilot of %d iterations per point (its points "
			 "ran %.2f s) on %s",
			 ESTIMATE_PILOT_ITERATIONS, e->pilot_sec, e->machine);
		break;
	default:
		snprintf(buf, n, "no estimate: %s", e->why);
	}
}

void estimate_print(const struct estimate *e, const struct plan *plan, FILE *f)
{
	char line[1024], a[32], b[32];

	source_line(e, line, sizeof(line));
	fprintf(f, "# %s\n", line);
	if (e->source == EST_NONE)
		return;
	for (int i = 0; i < e->npoints; i++) {
		const struct estimate_point *p = &e->pts[i];
		const struct plan_point *pt = &plan->pts[i];

		if (!p->known) {
			fprintf(f, "#   %s %s clients=%d: no estimate (not in the %s)\n", pt->id,
				pt->group, pt->clients, e->source == EST_PILOT ? "pilot's ok points" :
				"history");
			continue;
		}
		fprintf(f, "#   %s %s clients=%d: %.4f s/iteration x %d", pt->id, pt->group,
			pt->clients, p->s_iter, p->iters);
		if (p->iters_max != p->iters)
			fprintf(f, "..%d", p->iters_max);
		fprintf(f, " = %s", estimate_duration(p->sec, a, sizeof(a)));
		if (p->iters_max != p->iters)
			fprintf(f, " .. %s", estimate_duration(p->sec_max, b, sizeof(b)));
		fprintf(f, "\n");
	}
	fprintf(f, "# total: %s", estimate_duration(e->total, a, sizeof(a)));
	if (e->total_max != e->total)
		fprintf(f, " .. %s (adaptive: %d .. max_iterations kept)",
			estimate_duration(e->total_max, b, sizeof(b)), STATS_FEW_SAMPLES);
	fprintf(f, " (%.1f s) for %d of %d points\n", e->total, e->known, e->npoints);
}

json_t *estimate_json(const struct estimate *e, const struct plan *plan)
{
	static const char *const names[] = {
		[EST_NONE] = "none", [EST_HISTORY] = "history", [EST_PILOT] = "pilot",
	};
	json_t *pts = json_array(), *j;
	char line[1024];

	for (int i = 0; i < e->npoints; i++) {
		const struct estimate_point *p = &e->pts[i];

		json_array_append_new(pts, p->known ?
			json_pack("{s:s, s:b, s:f, s:i, s:i, s:f, s:f}", "id", plan->pts[i].id,
				  "known", 1, "sec_per_iteration", p->s_iter, "iterations", p->iters,
				  "iterations_max", p->iters_max, "sec", p->sec, "sec_max", p->sec_max) :
			json_pack("{s:s, s:b}", "id", plan->pts[i].id, "known", 0));
	}
	source_line(e, line, sizeof(line));
	j = json_pack("{s:s, s:s, s:i, s:i, s:f, s:f, s:o}", "source", names[e->source],
		      "text", line, "points_known", e->known, "npoints", e->npoints,
		      "total_sec", e->total, "total_sec_max", e->total_max, "points", pts);
	if (e->source == EST_HISTORY) {
		json_object_set_new(j, "runs", json_integer(e->runs));
		json_object_set_new(j, "newest", json_integer(e->newest));
	} else if (e->source == EST_PILOT) {
		json_object_set_new(j, "pilot_iterations", json_integer(ESTIMATE_PILOT_ITERATIONS));
		json_object_set_new(j, "pilot_sec", json_real(e->pilot_sec));
	}
	return j;
}

void estimate_free(struct estimate *e)
{
	free(e->pts);
	*e = (struct estimate){ 0 };
}
