/*
 * verdict.c - judge a run of the history against a baseline (verdict.h).
 *
 * The baseline of a metric is the union of the raw iteration values of the
 * baseline runs, not the mean of their means: a night of 30 iterations
 * against 7 nights x 30 values is a test with 30 + 210 samples, and a
 * noisy night counts with its own spread.  The significance test alone
 * would flag tiny but real shifts (a kernel that is 0.5% slower with 210
 * samples behind the baseline is "significant"); the threshold keeps the
 * verdict to changes someone would act on.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "harness.h"
#include "summary.h"
#include "verdict.h"

static void *must(void *p)
{
	if (!p)
		die(EXIT_NORES, ENOMEM, "verdict");
	return p;
}

/* The history keeps no aggregate: mmtests' mean for the direction. */
static enum aggregate dir_aggregate(enum better dir)
{
	return dir == BETTER_HIGHER ? AGG_HARMONIC : AGG_ARITHMETIC;
}

int verdict_parse_baseline(const char *spec, int *window, const char **label)
{
	char *end;

	*window = 0;
	*label = NULL;
	if (!spec || !*spec) {
		errmsg(0, "--baseline: empty (want LABEL, last-good or window:K)");
		return EXIT_USAGE;
	}
	if (!strcmp(spec, "last-good")) {
		*window = 1;
		return 0;
	}
	if (!strncmp(spec, "window:", 7)) {
		errno = 0;
		long k = strtol(spec + 7, &end, 10);

		if (errno || end == spec + 7 || *end || k < 1 || k > 100000) {
			errmsg(0, "--baseline %s: K must be a number of nights >= 1", spec);
			return EXIT_USAGE;
		}
		*window = (int)k;
		return 0;
	}
	*label = spec;
	return 0;
}

void verdict_judge_metric(const double *cur, int n, const double *base, int nb,
			  enum better dir, const struct verdict_opts *o,
			  struct verdict_metric *m)
{
	struct stats a, b;

	m->dir = dir;
	m->n = n;
	m->base_n = nb;
	m->significant = false;
	m->pct = m->p = NAN;
	m->base_mean = m->base_cv = NAN;
	m->cv_between = m->floor_pct = NAN;
	/* the history keeps no aggregate: mmtests' mean for the direction */
	stats_compute(cur, n, dir, &a);
	m->mean = stats_headline(&a);
	m->cv = a.coeffvar;
	if (n < 2 || nb < 2) {
		m->cls = V_NOBASE;
		return;
	}
	stats_compute(base, nb, dir, &b);
	m->base_mean = stats_headline(&b);
	m->base_cv = b.coeffvar;
	/* the change as compare prints it: positive is better */
	m->pct = stats_gain_pct(m->base_mean, m->mean, dir == BETTER_LOWER);
	m->significant = stats_significant(&b, &a, o->test, o->alpha, &m->p);

	if (m->significant && -m->pct > o->threshold)
		m->cls = V_REGRESSION;
	else if (m->significant && m->pct > o->threshold)
		m->cls = V_IMPROVEMENT;
	else
		m->cls = V_UNCHANGED;
}

static int key_cmp(const char *ga, const char *ma, int ca, const struct store_values *b)
{
	int c = strcmp(ga, b->group);

	if (!c)
		c = strcmp(ma, b->metric);
	return c ? c : (ca > b->clients) - (ca < b->clients);
}

/* run_values come sorted by (group, metric, clients) in byte order, the
 * order strcmp gives: binary search. */
static const struct store_values *find(const struct store_values *v, int n,
				       const struct store_values *key)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		int c = key_cmp(key->group, key->metric, key->clients, &v[mid]);

		if (!c)
			return &v[mid];
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int baseline_runs(struct store *st, const struct store_run *run, const char *spec,
			 struct store_run **base, int *nbase)
{
	struct store_filter f = {
		.machine = run->hostname,
		.cpu_model = run->cpu_model,
		.before = true,
		.before_time = run->time,
		.before_id = run->id,
	};
	const char *label;
	int window, rc;

	rc = verdict_parse_baseline(spec, &window, &label);
	if (rc)
		return rc;
	if (label) {
		/* An explicit label is the user's choice: any config, any
		 * judgement, even a later run. */
		f.before = false;
		f.label = label;
		f.last = 1;
	} else {
		f.config = run->config_hash;
		f.baseline = true;
		f.last = window;
	}
	rc = store_query_runs(st, &f, base, nbase);
	if (!rc && label && !*nbase) {
		errmsg(0, "--baseline %s: no run with that label on %s (%s)", label,
		       run->hostname, run->cpu_model);
		return EXIT_USAGE;
	}
	return rc;
}

static int failed_points(struct store *st, int64_t run_id, struct verdict *v)
{
	struct store_point_status *p;
	int n, rc;

	rc = store_run_points(st, run_id, &p, &n);
	if (rc)
		return rc;
	v->failed = must(calloc(n + 1, sizeof(*p)));
	for (int i = 0; i < n; i++) {
		if (!strcmp(p[i].status, "ok"))
			continue;	/* freed with the array below */
		v->failed[v->nfailed++] = p[i];
		p[i] = (struct store_point_status){ 0 };
	}
	store_points_free(p, n);
	return 0;
}

/*
 * The calibration to floor with: the one given, or the history's newest of
 * the run's machine and config hash (into *own).  NULL: none.
 */
static int find_floor(struct store *st, const struct store_run *run,
		      const struct verdict_opts *o, struct verdict *v, struct calib *own,
		      const struct calib **cal)
{
	bool found = false;
	int rc;

	*cal = NULL;
	if (o->no_floor)
		return 0;
	if (o->calib) {
		*cal = o->calib;
	} else {
		rc = history_newest_calibration(st, run->hostname, run->cpu_model, run->config_hash,
						own, &found);
		if (rc)
			return rc;
		if (found)
			*cal = own;
	}
	if (*cal)
		v->floor = (struct verdict_floor){
			.on = true,
			.label = must(strdup((*cal)->label ? (*cal)->label : "-")),
			.source = must(strdup(o->calib ? o->calib_source ? o->calib_source :
					      "file" : "history")),
			.hostname = (*cal)->hostname ? must(strdup((*cal)->hostname)) : NULL,
			.config_hash = (*cal)->config_hash ? must(strdup((*cal)->config_hash)) :
				       NULL,
			.time = (*cal)->time,
			.runs = (*cal)->nruns,
			.rows = (*cal)->nrows,
		};
	return 0;
}

/* A regression or improvement inside the calibration's spread is noise. */
static void apply_floor(struct verdict_metric *m, const struct calib_row *row)
{
	if (!row)
		return;
	m->cv_between = row->cv_between;
	m->floor_pct = stats_noise_floor(row->cv_between, row->n);
	if ((m->cls == V_REGRESSION || m->cls == V_IMPROVEMENT) &&
	    stats_within_floor(m->pct, row->cv_between, row->n))
		m->cls = V_NOISE;
}

bool verdict_run_failed(const struct verdict *v)
{
	return v->nfailed > 0 || v->nmetrics == 0;
}

int verdict_judge(struct store *st, const struct store_run *run,
		  const struct verdict_opts *o, struct verdict *v)
{
	struct store_values *cur = NULL, **bv = NULL;
	struct calib own = { 0 };
	const struct calib *cal = NULL;
	int ncur = 0, *nbv = NULL, rc;
	const char *spec = o->baseline ? o->baseline : VERDICT_DEFAULT_BASELINE;

	*v = (struct verdict){
		.baseline = must(strdup(spec)),
		.threshold = o->threshold,
		.alpha = o->alpha,
		.test = o->test,
	};
	store_run_copy(&v->run, run);
	rc = baseline_runs(st, run, spec, &v->base, &v->nbase);
	rc = rc ?: find_floor(st, run, o, v, &own, &cal);
	if (rc)
		goto out;
	rc = store_run_values(st, run->id, &cur, &ncur);
	if (!rc)
		rc = failed_points(st, run->id, v);
	if (rc)
		goto out;
	bv = must(calloc(v->nbase + 1, sizeof(*bv)));
	nbv = must(calloc(v->nbase + 1, sizeof(*nbv)));
	for (int i = 0; i < v->nbase && !rc; i++)
		rc = store_run_values(st, v->base[i].id, &bv[i], &nbv[i]);
	if (rc)
		goto out;

	v->m = must(calloc(ncur + 1, sizeof(*v->m)));
	for (int i = 0; i < ncur; i++) {
		struct verdict_metric *m = &v->m[v->nmetrics++];
		double *pool = NULL;
		int np = 0;

		for (int b = 0; b < v->nbase; b++) {
			const struct store_values *x = find(bv[b], nbv[b], &cur[i]);

			if (!x || x->dir != cur[i].dir)
				continue;
			pool = must(realloc(pool, (np + x->n) * sizeof(double)));
			memcpy(pool + np, x->values, x->n * sizeof(double));
			np += x->n;
		}
		m->group = must(strdup(cur[i].group));
		m->metric = must(strdup(cur[i].metric));
		m->clients = cur[i].clients;
		verdict_judge_metric(cur[i].values, cur[i].n, pool, np, cur[i].dir, o, m);
		apply_floor(m, calib_find(cal, m->group, m->metric, m->clients));
		v->regressions += m->cls == V_REGRESSION;
		v->improvements += m->cls == V_IMPROVEMENT;
		v->within_noise += m->cls == V_NOISE;
		free(pool);
	}
out:
	for (int i = 0; bv && i < v->nbase; i++)
		store_values_free(bv[i], nbv[i]);
	free(bv);
	free(nbv);
	store_values_free(cur, ncur);
	calib_free(&own);
	if (rc)
		verdict_free(v);
	return rc;
}

int verdict_record(struct store *st, const struct verdict *v)
{
	json_t *j = verdict_to_json(v);
	char *text = json_dumps(j, JSON_COMPACT);
	int rc;

	json_decref(j);
	rc = store_begin(st);
	if (!rc)
		rc = store_set_judgement(st, v->run.id,
					 v->regressions ? STORE_FLAGGED : STORE_GOOD, text);
	if (!rc)
		rc = store_commit(st);
	else
		store_rollback(st);
	free(text);
	return rc;
}

/* ---- output ------------------------------------------------------------ */

static const char *class_name(enum vclass c)
{
	static const char *const names[] = {
		[V_UNCHANGED] = "unchanged",
		[V_IMPROVEMENT] = "improvement",
		[V_REGRESSION] = "regression",
		[V_NOBASE] = "no-baseline",
		[V_NOISE] = "within-noise",
	};
	return names[c];
}

const char *verdict_word(const struct verdict *v)
{
	if (v->regressions)
		return "regression";
	if (verdict_run_failed(v))
		return "failed";
	return v->nbase ? "ok" : "no-baseline";
}

/* Row name as compare prints it; the group only when the run has several. */
static void metric_name(const struct verdict *v, const struct verdict_metric *m,
			char *buf, size_t n)
{
	bool groups = false;
	char row[256];

	for (int i = 1; i < v->nmetrics && !groups; i++)
		groups = strcmp(v->m[i].group, v->m[0].group) != 0;
	if (groups)
		snprintf(buf, n, "%s %s", m->group, point_row_name(m->metric, m->clients, row, sizeof(row)));
	else
		point_row_name(m->metric, m->clients, buf, n);
}

static void print_class(FILE *f, const struct verdict *v, enum vclass cls, const char *title)
{
	char name[256];
	int shown = 0;

	fprintf(f, "%s:", title);
	for (int i = 0; i < v->nmetrics; i++) {
		const struct verdict_metric *m = &v->m[i];

		if (m->cls != cls)
			continue;
		if (!shown++)
			fprintf(f, "\n");
		metric_name(v, m, name, sizeof(name));
		/* The mmtests layout: the percentage between stars when
		 * significant (always, for these two classes). */
		fprintf(f, "  %-6s %-24s %14.4f (base %14.4f) %s%7.2f%%%s  p=%.4f cv %.2f%% / %.2f%%",
			stats_headline_name(dir_aggregate(m->dir)), name, m->mean,
			m->base_mean, m->significant ? "*" : " ", m->pct,
			m->significant ? "*" : " ", m->p, m->cv, m->base_cv);
		if (cls == V_NOISE)
			fprintf(f, "  within noise (floor %.2f%%, cv_between %.2f%%)", m->floor_pct,
				m->cv_between);
		fprintf(f, "\n");
	}
	if (!shown)
		fprintf(f, " none\n");
}

static void print_floor(FILE *f, const struct verdict_floor *fl)
{
	char when[32] = "time unknown";

	if (!fl->on) {
		fprintf(f, "noise:     no calibration of this machine and config "
			"(mmscale calibrate --db): no noise floor\n");
		return;
	}
	if (fl->time) {
		time_t t = (time_t)fl->time;
		struct tm tm;

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", gmtime_r(&t, &tm));
	}
	fprintf(f, "noise:     calibration %s (%s, %d runs, %s): a change within "
		"t(0.975; n-1) * sqrt(2) * cv_between is noise\n", fl->label, when, fl->runs, fl->source);
}

void verdict_print(FILE *f, const struct verdict *v)
{
	int unchanged = 0, nobase = 0;

	fprintf(f, "run:       %s on %s (%s), kernel %s, config %s\n", v->run.label,
		v->run.hostname, v->run.cpu_model, v->run.kernel, v->run.config_name);
	fprintf(f, "baseline:  %s: ", v->baseline);
	if (!v->nbase)
		fprintf(f, "no earlier good run on this machine and config\n");
	else if (v->nbase == 1)
		fprintf(f, "%s (%s)\n", v->base[0].label, v->base[0].kernel);
	else
		fprintf(f, "%d runs, %s .. %s\n", v->nbase, v->base[0].label,
			v->base[v->nbase - 1].label);
	fprintf(f, "rule:      %s test, alpha %.2f, threshold %.2f%%\n",
		stats_test_name(v->test), v->alpha, v->threshold);
	print_floor(f, &v->floor);
	print_class(f, v, V_REGRESSION, "regressions");
	print_class(f, v, V_IMPROVEMENT, "improvements");
	if (v->floor.on)
		print_class(f, v, V_NOISE, "within noise");
	for (int i = 0; i < v->nmetrics; i++) {
		unchanged += v->m[i].cls == V_UNCHANGED;
		nobase += v->m[i].cls == V_NOBASE;
	}
	fprintf(f, "unchanged: %d metric%s (not significant or within %.2f%%)", unchanged,
		unchanged == 1 ? "" : "s", v->threshold);
	if (nobase)
		fprintf(f, ", %d without a baseline", nobase);
	if (v->nfailed)
		fprintf(f, "\nfailed:    %d point%s:", v->nfailed, v->nfailed == 1 ? "" : "s");
	for (int i = 0; i < v->nfailed; i++)
		fprintf(f, "\n  %s %s clients=%d: %s%s%s", v->failed[i].pid, v->failed[i].group,
			v->failed[i].clients, v->failed[i].status, v->failed[i].reason ? ": " : "",
			v->failed[i].reason ? v->failed[i].reason : "");
	if (!v->nmetrics && !v->nfailed)
		fprintf(f, "\nfailed:    the run has no points");
	fprintf(f, "\nverdict:   %s", verdict_word(v));
	if (v->regressions)
		fprintf(f, " (%d metric%s)", v->regressions, v->regressions == 1 ? "" : "s");
	else if (v->within_noise)
		fprintf(f, " (%d metric%s within noise)", v->within_noise,
			v->within_noise == 1 ? "" : "s");
	fprintf(f, "\n");
}

static json_t *num_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *run_json(const struct store_run *r)
{
	json_t *toggles = json_loads(r->toggles ? r->toggles : "{}", 0, NULL);

	return json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:I, s:s?}",
			 "label", r->label, "hostname", r->hostname, "cpu_model", r->cpu_model,
			 "kernel", r->kernel, "config", r->config_name,
			 "config_hash", r->config_hash,
			 "toggles", toggles ? toggles : json_object(),
			 "time", (json_int_t)r->time, "status", r->status);
}

json_t *verdict_to_json(const struct verdict *v)
{
	json_t *runs = json_array(), *metrics = json_array(), *failed = json_array();
	json_t *nf = NULL;
	char name[256];

	for (int i = 0; i < v->nbase; i++)
		json_array_append_new(runs, json_pack("{s:s?, s:s?, s:I}",
				      "label", v->base[i].label, "kernel", v->base[i].kernel,
				      "time", (json_int_t)v->base[i].time));
	for (int i = 0; i < v->nfailed; i++)
		json_array_append_new(failed, json_pack("{s:s, s:s, s:i, s:s, s:s?}",
				      "id", v->failed[i].pid, "group", v->failed[i].group,
				      "clients", v->failed[i].clients, "status", v->failed[i].status,
				      "reason", v->failed[i].reason));
	for (int i = 0; i < v->nmetrics; i++) {
		const struct verdict_metric *m = &v->m[i];

		point_row_name(m->metric, m->clients, name, sizeof(name));
		json_array_append_new(metrics, json_pack(
			"{s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:o, s:o, s:i, s:o, s:o, s:o,"
			" s:o, s:b, s:o, s:o, s:s}",
			"name", name, "group", m->group, "metric", m->metric,
			"clients", m->clients,
			"better", m->dir == BETTER_HIGHER ? "higher" : "lower",
			"stat", stats_headline_name(dir_aggregate(m->dir)),
			"n", m->n, "mean", num_or_null(m->mean), "coeffvar", num_or_null(m->cv),
			"base_n", m->base_n, "base_mean", num_or_null(m->base_mean),
			"base_coeffvar", num_or_null(m->base_cv), "pct", num_or_null(m->pct),
			"p", num_or_null(m->p), "significant", m->significant,
			"cv_between", num_or_null(m->cv_between),
			"floor_pct", num_or_null(m->floor_pct),
			"class", class_name(m->cls)));
	}
	if (v->floor.on)
		nf = json_pack("{s:s, s:s, s:s?, s:s?, s:I, s:i, s:i}", "label", v->floor.label,
				  "source", v->floor.source, "hostname", v->floor.hostname,
				  "config_hash", v->floor.config_hash,
				  "time", (json_int_t)v->floor.time, "runs", v->floor.runs,
				  "rows", v->floor.rows);
	return json_pack("{s:i, s:s, s:i, s:i, s:i, s:o, s:o, s:o, s:{s:s, s:o}, s:f, s:f, s:s,"
			 " s:o}",
			 "schema", 1, "verdict", verdict_word(v),
			 "regressions", v->regressions, "improvements", v->improvements,
			 "within_noise", v->within_noise,
			 "noise_floor", nf ? nf : json_null(),
			 "failed_points", failed,
			 "run", run_json(&v->run),
			 "baseline", "spec", v->baseline, "runs", runs,
			 "threshold_pct", v->threshold, "alpha", v->alpha,
			 "test", stats_test_name(v->test),
			 "metrics", metrics);
}

void verdict_free(struct verdict *v)
{
	for (int i = 0; i < v->nmetrics; i++) {
		free(v->m[i].group);
		free(v->m[i].metric);
	}
	free(v->m);
	store_points_free(v->failed, v->nfailed);
	store_runs_free(v->base, v->nbase);
	store_run_clear(&v->run);
	free(v->baseline);
	free(v->floor.label);
	free(v->floor.source);
	free(v->floor.hostname);
	free(v->floor.config_hash);
	*v = (struct verdict){ 0 };
}
