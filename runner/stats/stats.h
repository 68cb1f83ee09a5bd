/* stats.h - summary statistics and significance, the one place that knows them. */
#ifndef MMSCALE_STATS_H
#define MMSCALE_STATS_H
#include <stdbool.h>

/* Which way is better for a metric: rates are higher-is-better, times lower. */
enum better { BETTER_HIGHER, BETTER_LOWER };

struct stats {
	int n;
	double min, max;
	double amean, hmean;	/* hmean is 0 if any value <= 0 */
	double stddev;		/* sample stddev (n-1) */
	double coeffvar;	/* stddev * 100 / amean */
	/* mean of the best 50/95/99% of samples: harmonic for higher-is-better,
	 * arithmetic for lower-is-better (as mmtests' BHmean/BAmean).  As in
	 * mmtests, with k = floor(n * N / 100): the highest k + 1 values (at
	 * most n), or the lowest k (all n when k is 0). */
	double best50, best95, best99;
};

void stats_compute(const double *v, int n, enum better dir, struct stats *s);

enum sig_test { SIG_MMTESTS, SIG_WELCH };

/*
 * Is the difference in means between a and b significant?
 *   SIG_MMTESTS: se = sqrt(sa^2/na + sb^2/nb), t = |ma-mb|/se,
 *                df = na+nb-2, two-tailed p, significant when p < alpha
 *                (alpha 0.10 for the mmtests rule);
 *   SIG_WELCH:   the same t with the Welch-Satterthwaite df.
 * se == 0: significant iff the means differ.  *p gets the p-value (0 or 1
 * when se == 0).  Needs n >= 2 on both sides, else not significant.
 */
bool stats_significant(const double *a, int na, const double *b, int nb,
		       enum sig_test test, double alpha, double *p);

#endif
