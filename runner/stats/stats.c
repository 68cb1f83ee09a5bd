/*
 * stats.c - summary statistics and significance of one metric's iterations.
 *
 * The definitions follow mmtests (bin/lib/MMTests/Stat.pm) so that tables
 * made here read like the ones kernel developers already paste into cover
 * letters; where mmtests has a quirk we keep it and say so.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double amean(const double *v, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++)
		sum += v[i];
	return n ? sum / n : 0;
}

/* 0 when any value is <= 0: a harmonic mean of rates is meaningless then. */
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

/* Sample variance (n - 1), 0 for fewer than two values. */
static double variance(const double *v, int n)
{
	double m = amean(v, n), ss = 0;

	if (n < 2)
		return 0;
	for (int i = 0; i < n; i++)
		ss += (v[i] - m) * (v[i] - m);
	return ss / (n - 1);
}

/*
 * mmtests' BHmean-N / BAmean-N over sorted (ascending) values.  With
 * k = floor(n * pct / 100), mmtests' select_highest() keeps the top k + 1
 * values and select_lowest() the bottom k (all of them when k is 0); the
 * asymmetry is mmtests' own and kept so the numbers match its reports.
 */
static double best_mean(const double *sorted, int n, int pct, enum better dir)
{
	int k = (int)((long long)n * pct / 100);

	if (dir == BETTER_HIGHER) {
		k = k + 1 > n ? n : k + 1;
		return hmean(sorted + n - k, k);
	}
	if (k == 0)
		k = n;
	return amean(sorted, k);
}

void stats_compute(const double *v, int n, enum better dir, struct stats *s)
{
	double *sorted;

	*s = (struct stats){ .n = n > 0 ? n : 0 };
	if (n <= 0)
		return;
	s->amean = amean(v, n);
	s->hmean = hmean(v, n);
	s->stddev = sqrt(variance(v, n));
	s->coeffvar = s->amean ? s->stddev * 100 / s->amean : 0;

	sorted = malloc(n * sizeof(*sorted));
	if (!sorted) {
		/* No memory for the order statistics: report them as 0 rather
		 * than make every caller handle a failure of a tiny malloc. */
		s->min = s->max = v[0];
		for (int i = 1; i < n; i++) {
			s->min = fmin(s->min, v[i]);
			s->max = fmax(s->max, v[i]);
		}
		return;
	}
	memcpy(sorted, v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	s->min = sorted[0];
	s->max = sorted[n - 1];
	s->best50 = best_mean(sorted, n, 50, dir);
	s->best95 = best_mean(sorted, n, 95, dir);
	s->best99 = best_mean(sorted, n, 99, dir);
	free(sorted);
}

bool stats_significant(const double *a, int na, const double *b, int nb,
		       enum sig_test test, double alpha, double *p)
{
	double ma, mb, qa, qb, se, t, df, pv;

	if (p)
		*p = 1;
	if (na < 2 || nb < 2)
		return false;
	ma = amean(a, na);
	mb = amean(b, nb);
	qa = variance(a, na) / na;
	qb = variance(b, nb) / nb;
	se = sqrt(qa + qb);
	if (se == 0) {
		/* Both sides constant: any difference at all is real. */
		if (p)
			*p = ma != mb ? 0 : 1;
		return ma != mb;
	}
	t = fabs(ma - mb) / se;
	if (test == SIG_WELCH)
		df = (qa + qb) * (qa + qb) /
		     (qa * qa / (na - 1) + qb * qb / (nb - 1));
	else
		df = na + nb - 2;
	pv = 2 * gsl_cdf_tdist_Q(t, df);
	if (p)
		*p = pv;
	return pv < alpha;
}
