/*
 * changes.c - E-divisive means change points (changes.h).
 *
 * One scan of the split point costs O(n^2): moving one value from the
 * right part to the left changes the three distance sums by its distances
 * to the values on each side.  A permutation test repeats the scan on
 * shuffled copies; it stops as soon as enough shuffles reach the observed
 * Q that the p-value can no longer be below alpha, so a series without a
 * change costs a few scans, not hundreds.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "harness.h"
#include "changes.h"

/* The best split of y[0..m) with at least k values on each side: sets *at,
 * returns its Q (or -1 when the series is too short). */
static double best_split(const double *y, int m, int k, int *at)
{
	double total = 0, sa = 0, sb, best = -1;

	for (int i = 0; i < m; i++)
		for (int j = i + 1; j < m; j++)
			total += fabs(y[i] - y[j]);
	sb = total;
	for (int t = 1; t < m; t++) {
		/* y[t-1] moves from the right part to the left */
		double ra = 0, rb = 0, x, e, q;
		int c = t - 1;

		for (int i = 0; i < c; i++)
			ra += fabs(y[i] - y[c]);
		for (int j = c + 1; j < m; j++)
			rb += fabs(y[c] - y[j]);
		sa += ra;
		sb -= rb;
		if (t < k || m - t < k)
			continue;
		x = total - sa - sb;
		e = 2 * x / ((double)t * (m - t)) - 2 * sa / ((double)t * t) -
		    2 * sb / ((double)(m - t) * (m - t));
		q = (double)t * (m - t) / m * e;
		if (q > best) {
			best = q;
			*at = t;
		}
	}
	return best;
}

/* p-value of the best split's Q against shuffles of y[0..m). */
static double perm_p(const double *y, int m, double q, const struct changes_opts *o,
		     gsl_rng *rng, double *tmp)
{
	/* p = (1 + reached) / (P + 1) > alpha once reached passes this */
	int limit = (int)floor(o->alpha * (o->permutations + 1)) - 1, reached = 0, p, at;

	memcpy(tmp, y, m * sizeof(double));
	for (p = 0; p < o->permutations; p++) {
		gsl_ran_shuffle(rng, tmp, m, sizeof(double));
		if (best_split(tmp, m, o->min_size, &at) >= q && ++reached > limit)
			return (1.0 + reached) / (p + 2);	/* at least this, stopped early */
	}
	return (1.0 + reached) / (o->permutations + 1);
}

struct ctx {
	const double *x;
	const struct changes_opts *o;
	gsl_rng *rng;
	double *tmp;
	struct change *out;
	int n, max;
};

static void segment(struct ctx *c, int s, int e)
{
	int at = 0;
	double q, p;

	if (e - s < 2 * c->o->min_size || c->n >= c->max)
		return;
	q = best_split(c->x + s, e - s, c->o->min_size, &at);
	if (q <= 0)
		return;
	p = perm_p(c->x + s, e - s, q, c->o, c->rng, c->tmp);
	if (p > c->o->alpha * (1 + 1e-9))
		return;
	c->out[c->n++] = (struct change){ .at = s + at, .p = p };
	segment(c, s, s + at);
	segment(c, s + at, e);
}

static int by_at(const void *a, const void *b)
{
	return ((const struct change *)a)->at - ((const struct change *)b)->at;
}

static double mean(const double *x, int s, int e)
{
	double sum = 0;

	for (int i = s; i < e; i++)
		sum += x[i];
	return e > s ? sum / (e - s) : NAN;
}

int changes_find(const double *x, int n, const struct changes_opts *o,
		 struct change *out, int max)
{
	static const struct changes_opts def = CHANGES_OPTS_DEFAULT;
	struct ctx c = { .x = x, .o = o ? o : &def, .out = out, .max = max };

	if (n < 2 * c.o->min_size || max <= 0)
		return 0;
	c.rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!c.rng)
		die(EXIT_NORES, ENOMEM, "out of memory");
	gsl_rng_set(c.rng, c.o->seed);
	c.tmp = xcalloc(n, sizeof(double));
	segment(&c, 0, n);
	qsort(out, c.n, sizeof(*out), by_at);
	for (int i = 0; i < c.n; i++) {
		int s = i ? out[i - 1].at : 0, e = i + 1 < c.n ? out[i + 1].at : n;

		out[i].before = mean(x, s, out[i].at);
		out[i].after = mean(x, out[i].at, e);
	}
	free(c.tmp);
	gsl_rng_free(c.rng);
	return c.n;
}

/* ---- the history's series ---------------------------------------------- */

static bool same_key(const struct store_run *a, const struct store_run *b)
{
	return !strcmp(a->hostname, b->hostname) && !strcmp(a->cpu_model, b->cpu_model) &&
	       !strcmp(a->config_hash, b->config_hash);
}

int history_series_each(struct store *st, const struct store_filter *f, int64_t since,
			int last, series_fn fn, void *arg)
{
	struct store_run *runs;
	int nruns, rc;

	rc = store_query_runs(st, f, &runs, &nruns);
	if (rc)
		return rc;
	/* one machine + config at a time: its newest run names the rows */
	for (int r = nruns - 1; r >= 0 && !rc; r--) {
		struct store_filter sf = {
			.machine = runs[r].hostname, .cpu_model = runs[r].cpu_model,
			.config = runs[r].config_hash, .label = NULL, .last = last,
		};
		struct store_values *v;
		bool seen = false;
		int nv;

		for (int k = r + 1; k < nruns && !seen; k++)
			seen = same_key(&runs[k], &runs[r]);
		if (seen)
			continue;
		if (f && f->before) {
			sf.before = true;
			sf.before_time = f->before_time;
			sf.before_id = f->before_id;
		}
		rc = store_run_values(st, runs[r].id, &v, &nv);
		if (rc)
			break;
		for (int i = 0; i < nv && !rc; i++) {
			struct store_sample *s;
			int n, from = 0;

			if (i && v[i].clients == v[i - 1].clients && !strcmp(v[i].metric, v[i - 1].metric) &&
			    !strcmp(v[i].group, v[i - 1].group))
				continue;
			rc = store_query_series(st, &sf, v[i].group, v[i].metric, v[i].clients, &s, &n);
			if (rc)
				break;
			while (from < n && s[from].run.time < since)
				from++;
			rc = fn(arg, &(struct series){
				.last = &runs[r], .group = v[i].group, .metric = v[i].metric,
				.clients = v[i].clients, .dir = v[i].dir, .s = s + from, .n = n - from,
			});
			store_samples_free(s, n);
		}
		store_values_free(v, nv);
	}
	store_runs_free(runs, nruns);
	return rc;
}

int series_changes(const struct series *sr, struct change *out, int max)
{
	double *x = xcalloc(sr->n ? sr->n : 1, sizeof(double));
	int n;

	for (int i = 0; i < sr->n; i++)
		x[i] = sr->s[i].mean;
	n = changes_find(x, sr->n, NULL, out, max);
	free(x);
	return n;
}

/* positive: the change made the metric worse */
double change_pct(const struct change *c)
{
	return c->before ? (c->after / c->before - 1) * 100 : NAN;
}

bool change_is_worse(const struct change *c, enum better dir)
{
	return dir == BETTER_HIGHER ? c->after < c->before : c->after > c->before;
}
