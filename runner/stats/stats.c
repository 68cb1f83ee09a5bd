/*
 * stats.c - summary statistics and significance of one metric's iterations
 * (stats.h).  Every figure is computed the way mmtests' Perl computes it:
 * samples sorted best-first, sums in that order, the sample stddev, and the
 * t distribution (GSL here, R there).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "stats.h"

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y) - (x > y);
}

static int cmp_asc(const void *a, const void *b)
{
	return -cmp_desc(a, b);
}

static double amean(const double *v, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++)
		sum += v[i];
	return n ? sum / n : 0;
}

/* 0 when a value is <= 0: a harmonic mean of rates is undefined then. */
static double hmean(const double *v, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++) {
		if (v[i] <= 0)
			return 0;
		sum += 1 / v[i];
	}
	return n ? n / sum : 0;
}

static double agg_mean(const double *v, int n, enum aggregate agg)
{
	return agg == AGG_HARMONIC ? hmean(v, n) : amean(v, n);
}

/* Sample stddev (n - 1) around the arithmetic mean, 0 for n < 2. */
static double stddev(const double *v, int n)
{
	double m = amean(v, n), ss = 0;

	if (n < 2)
		return 0;
	for (int i = 0; i < n; i++)
		ss += (v[i] - m) * (v[i] - m);
	return sqrt(ss / (n - 1));
}

/* mmtests 2026's spread of a harmonic mean (Stat.pm calc_stddev of hmean). */
static double hstddev(const double *v, int n, double h)
{
	double ss = 0;

	if (n < 1 || h <= 0)
		return 0;
	for (int i = 0; i < n; i++)
		ss += (1 / v[i] - 1 / h) * (1 / v[i] - 1 / h);
	return sqrt(ss * pow(h, 4) / n);
}

/* The mean of the best max(1, floor(n * pct / 100)) of best-first samples. */
static double best_mean(const double *best_first, int n, int pct, enum aggregate agg)
{
	int k = (int)((long long)n * pct / 100);

	return agg_mean(best_first, k < 1 ? 1 : k, agg);
}

void stats_compute_agg(const double *v, int n, enum better dir, enum aggregate agg,
		       struct stats *s)
{
	double *sorted, one;

	*s = (struct stats){ .n = n > 0 ? n : 0, .dir = dir, .agg = agg };
	if (n <= 0)
		return;
	/* One sample needs no buffer; otherwise without memory for the
	 * order the sums run in input order (last bits may differ). */
	sorted = n == 1 ? &one : malloc(n * sizeof(*sorted));
	if (!sorted) {
		sorted = (double *)v;
	} else {
		memcpy(sorted, v, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), dir == BETTER_HIGHER ? cmp_desc : cmp_asc);
	}
	s->min = s->max = sorted[0];
	for (int i = 1; i < n; i++) {
		s->min = fmin(s->min, sorted[i]);
		s->max = fmax(s->max, sorted[i]);
	}
	s->amean = amean(sorted, n);
	s->hmean = hmean(sorted, n);
	s->stddev = stddev(sorted, n);
	s->coeffvar = s->amean ? s->stddev * 100 / s->amean : 0;
	s->hstddev = hstddev(sorted, n, s->hmean);
	s->hcoeffvar = s->hmean > 0 ? s->hstddev * 100 / s->hmean : 0;
	s->best50 = best_mean(sorted, n, 50, agg);
	s->best95 = best_mean(sorted, n, 95, agg);
	s->best99 = best_mean(sorted, n, 99, agg);
	if (agg == AGG_HARMONIC && s->hmean <= 0) {
		/* the same fallback as the headline */
		s->best50 = best_mean(sorted, n, 50, AGG_ARITHMETIC);
		s->best95 = best_mean(sorted, n, 95, AGG_ARITHMETIC);
		s->best99 = best_mean(sorted, n, 99, AGG_ARITHMETIC);
	}
	s->mean = stats_headline(s);
	if (sorted != v && sorted != &one)
		free(sorted);
}

void stats_compute(const double *v, int n, enum better dir, struct stats *s)
{
	stats_compute_agg(v, n, dir, dir == BETTER_HIGHER ? AGG_HARMONIC : AGG_ARITHMETIC, s);
}

bool stats_headline_fallback(const struct stats *s)
{
	return s->agg == AGG_HARMONIC && s->n > 0 && s->hmean <= 0;
}

double stats_headline(const struct stats *s)
{
	if (s->agg == AGG_HARMONIC && !stats_headline_fallback(s))
		return s->hmean;
	return s->amean;
}

const char *stats_headline_name(enum aggregate agg)
{
	return metric_mean_name(agg);
}

double stats_gain_pct(double base, double now, bool lower_better)
{
	if (!lower_better) {
		if (now == base || now == 0)
			return 0;
		if (base == 0)
			return 100;
		return now * 100 / base - 100;
	}
	if (now == base)
		return 0;
	if (now == 0)
		return 100;
	if (base == 0)
		return -99;
	return 100 - now * 100 / base;
}

double stats_ci_halfwidth(const struct stats *s, double level)
{
	if (s->n < 2)
		return NAN;
	return gsl_cdf_tdist_Pinv(1 - (1 - level) / 2, s->n - 1) * s->stddev / sqrt(s->n);
}

/* Welch-Satterthwaite degrees of freedom of two samples whose squared
 * standard errors are qa and qb. */
static double welch_df(const struct stats *a, const struct stats *b, double qa, double qb)
{
	return (qa + qb) * (qa + qb) / (qa * qa / (a->n - 1) + qb * qb / (b->n - 1));
}

void stats_change_ci(const struct stats *a, const struct stats *b, double level,
		     bool lower_better, double *lo, double *hi)
{
	double ma = stats_headline(a), mb = stats_headline(b), qa, qb, h = 0, x, y;

	*lo = *hi = NAN;
	if (a->n < 2 || b->n < 2 || ma == 0)
		return;
	qa = a->stddev * a->stddev / a->n;
	qb = b->stddev * b->stddev / b->n;
	if (qa + qb > 0)
		h = gsl_cdf_tdist_Pinv(1 - (1 - level) / 2, welch_df(a, b, qa, qb)) * sqrt(qa + qb);
	/* both gains are linear in b's mean: map its two ends */
	x = (mb - h) * 100 / ma - 100;
	y = (mb + h) * 100 / ma - 100;
	if (lower_better) {
		x = -x;
		y = -y;
	}
	*lo = x < y ? x : y;
	*hi = x < y ? y : x;
}

double stats_ci_rel(const struct stats *s, double level)
{
	double h = stats_ci_halfwidth(s, level), m = stats_headline(s);

	return isnan(h) || m == 0 ? NAN : h / fabs(m);
}

int stats_adaptive_n(const struct stats *pilot, double target, int max, bool *capped)
{
	double rel = stats_ci_rel(pilot, STATS_CI_LEVEL), t, est;

	int least;

	*capped = true;
	if (max < 2)
		max = 2;
	least = max < STATS_FEW_SAMPLES ? max : STATS_FEW_SAMPLES;
	if (isnan(rel) || !(target > 0))
		return max;
	t = gsl_cdf_tdist_Pinv(1 - (1 - STATS_CI_LEVEL) / 2, pilot->n - 1);
	est = ceil(pow(t * pilot->stddev / (target * fabs(stats_headline(pilot))), 2));
	*capped = est > max;
	return est < least ? least : est > max ? max : (int)est;
}

enum stats_stop stats_adaptive_stop(double rel, double target, bool capped)
{
	if (rel <= target)
		return STOP_PRECISION;
	return capped ? STOP_MAX : STOP_ESTIMATE;
}

const char *stats_stop_name(enum stats_stop why)
{
	switch (why) {
	case STOP_PRECISION: return "precision";
	case STOP_ESTIMATE: return "estimate";
	case STOP_MAX: return "max_iterations";
	default: return "fixed";
	}
}

static const char *const test_names[] = {
	[SIG_MMTESTS] = "mmtests", [SIG_WELCH] = "welch", [SIG_MMTESTS_2026] = "mmtests-2026",
};

double stats_default_alpha(enum sig_test test)
{
	switch (test) {
	case SIG_WELCH: return STATS_ALPHA_WELCH;
	case SIG_MMTESTS_2026: return STATS_ALPHA_MMTESTS_2026;
	default: return STATS_ALPHA_MMTESTS;
	}
}

const char *stats_test_name(enum sig_test test)
{
	return test_names[test <= SIG_MMTESTS_2026 ? test : SIG_MMTESTS];
}

int stats_test_parse(const char *name)
{
	for (int i = 0; name && i <= SIG_MMTESTS_2026; i++)
		if (!strcmp(name, test_names[i]))
			return i;
	return -1;
}

/* mmtests 2026: the intervals mean +- z * stddev must not touch. */
static bool significant_2026(const struct stats *a, const struct stats *b, double alpha)
{
	double z = gsl_cdf_ugaussian_Qinv(alpha / 2);

	if (a->n < 2 || b->n < 2)
		return false;
	return fabs(a->mean - b->mean) > z * a->stddev + z * b->stddev;
}

bool stats_significant(const struct stats *a, const struct stats *b, enum sig_test test,
		       double alpha, double *p)
{
	double ma = a->mean, mb = b->mean, qa, qb, se, t, df, pv;

	if (p)
		*p = test == SIG_MMTESTS_2026 ? NAN : 1;
	if (a->n < 1 || b->n < 1)
		return false;
	if (test == SIG_MMTESTS_2026)
		return significant_2026(a, b, alpha);
	if (test == SIG_WELCH) {
		if (a->n < 2 || b->n < 2)
			return false;
		ma = a->amean;
		mb = b->amean;
	}
	qa = a->stddev * a->stddev / a->n;
	qb = b->stddev * b->stddev / b->n;
	se = sqrt(qa + qb);
	if (se == 0) {
		/* Both sides constant: any difference at all is real. */
		if (p)
			*p = ma != mb ? 0 : 1;
		return ma != mb;
	}
	t = fabs(ma - mb) / se;
	if (test == SIG_WELCH)
		df = welch_df(a, b, qa, qb);
	else
		df = a->n + b->n - 2;
	if (!(df > 0))
		return false;
	pv = 2 * gsl_cdf_tdist_Q(t, df);
	if (p)
		*p = pv;
	return pv < alpha;
}

double stats_noise_floor(double cv_between, int nruns)
{
	if (nruns < 2 || !(cv_between >= 0))
		return NAN;
	return gsl_cdf_tdist_Pinv(1 - (1 - STATS_FLOOR_LEVEL) / 2, nruns - 1) * sqrt(2) * cv_between;
}

bool stats_within_floor(double pct, double cv_between, int nruns)
{
	double f = stats_noise_floor(cv_between, nruns);

	if (isnan(pct) || isnan(f))
		return false;
	return fabs(pct) <= f;
}

bool stats_significant_raw(const double *a, int na, const double *b, int nb,
			   enum better dir, enum sig_test test, double alpha, double *p)
{
	struct stats sa, sb;

	stats_compute(a, na, dir, &sa);
	stats_compute(b, nb, dir, &sb);
	return stats_significant(&sa, &sb, test, alpha, p);
}
