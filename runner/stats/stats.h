/*
 * stats.h - the one statistics module: the summary of one metric's
 * iterations, its headline mean, the percent-change rule, the default
 * alpha and the significance decision.  compare, plot, report, show and
 * verdict all call these; none computes a mean or a change of its own.
 *
 * The definitions follow mmtests' compare (bin/lib/MMTests/Stat.pm,
 * Summarise.pm, Compare.pm) so that tables made here read like the ones
 * kernel developers paste into cover letters: the 2019-2024 rules by
 * default, today's (2026) under SIG_MMTESTS_2026.  Where mmscale differs on
 * purpose it says so here.
 */
#ifndef MMSCALE_STATS_H
#define MMSCALE_STATS_H
#include <stdbool.h>
#include "metric.h"

struct stats {
	int n;
	enum better dir;
	enum aggregate agg;
	double min, max;
	double amean;
	double hmean;		/* 0 when a value is <= 0 (mmtests: -1) */
	double mean;		/* the headline: stats_headline() */
	double stddev;		/* sample stddev (n - 1); 0 for n < 2 (mmtests: NaN, read as 0) */
	double coeffvar;	/* stddev * 100 / amean */
	/*
	 * mmtests 2019-2024 BHmean-N / BAmean-N: the headline mean of the
	 * max(1, floor(n * N / 100)) best samples (highest first for
	 * higher-is-better, lowest first for lower-is-better).
	 */
	double best50, best95, best99;
	/* mmtests 2026: HStddev = sqrt(sum (1/x - 1/H)^2 * H^4 / n), and
	 * HCoeffVar = HStddev * 100 / H (0 when H is undefined). */
	double hstddev, hcoeffvar;
};

/*
 * Summarise v[0..n) (any order): every sum runs over the samples sorted
 * best-first, as mmtests' do, so values agree to the last bits.
 */
void stats_compute_agg(const double *v, int n, enum better dir, enum aggregate agg,
		       struct stats *s);
/* The same with mmtests' aggregate for the direction: harmonic for
 * higher-is-better, arithmetic for lower-is-better. */
void stats_compute(const double *v, int n, enum better dir, struct stats *s);

/*
 * The headline mean of a metric: Hmean for a harmonic aggregate, Amean
 * for an arithmetic one.  Exception to mmtests: a harmonic mean is
 * undefined when a value is <= 0 (mmtests prints -1); the headline then
 * falls back to the arithmetic mean and stats_headline_fallback() says so.
 */
double stats_headline(const struct stats *s);
bool stats_headline_fallback(const struct stats *s);
/* "Hmean" or "Amean": the name of the headline row of an aggregate. */
const char *stats_headline_name(enum aggregate agg);

/*
 * The percentage change of a row, positive is better (mmtests' pdiff and
 * pndiff, quirks kept): lower_better is set for lower-is-better metrics and
 * for spread rows (Stddev, CoeffVar).
 *   higher: now*100/base - 100; 0 when now == base or now == 0; +100 when
 *           base == 0
 *   lower:  100 - now*100/base; 0 when now == base; +100 when now == 0;
 *           -99 when base == 0
 */
double stats_gain_pct(double base, double now, bool lower_better);

/*
 * The confidence interval of the headline mean: headline +- t(1 - (1 -
 * level) / 2; n - 1) * stddev / sqrt(n), Student's t quantile (GSL), the
 * sample stddev: the standard error the mmtests rule tests with, centred
 * on the mean it tests (Hmean for rates).  NAN for n < 2.  Its ratio to
 * the headline is the precision adaptive iterations stop on.
 */
#define STATS_CI_LEVEL 0.95
double stats_ci_halfwidth(const struct stats *s, double level);
/*
 * The confidence interval of the change of b against a, in stats_gain_pct's
 * terms (positive is better): b's headline minus a's, +- t(1 - (1 - level)
 * / 2; Welch's df) * sqrt(sa^2/na + sb^2/nb), relative to a's headline, so
 * that it holds the change compare prints.  A change whose interval holds
 * 0 is one a t-test would not star.  *lo and *hi NAN for n < 2 on either
 * side or a zero base.
 */
void stats_change_ci(const struct stats *a, const struct stats *b, double level,
		     bool lower_better, double *lo, double *hi);
/* Half-width / |headline| (0.02 = 2%); NAN for n < 2 or a zero mean. */
double stats_ci_rel(const struct stats *s, double level);

/*
 * Adaptive iterations, in two stages (Stein's): a pilot of n0 samples
 * estimates the spread, and the point then runs
 *     n = ceil((t(0.975; n0-1) * s0 / (target * mean0))^2)
 * new samples (at least 2, at most max), summarised without the pilot.
 * The rule looks at precision only, never at a comparison, and the kept
 * samples are independent of how many were taken: a sequential rule
 * (stop as soon as the interval is narrow enough) stops when the spread
 * happens to look small and makes later tests star too often (simulated
 * A/A, CoeffVar 5%, 2%: Welch at 0.05 stars 8.4% of pairs after a 5-sample
 * start, 6.2% after 20; two stages 4.7-5.2%; tests/unit/test_stats.c).
 * The precision reached is then near the target, not always below it:
 * stats_stop says which way it ended.
 */
enum stats_stop { STOP_NOT, STOP_PRECISION, STOP_ESTIMATE, STOP_MAX };
/* The samples to run after the pilot p (NAN spread or zero mean: max),
 * never fewer than STATS_FEW_SAMPLES (unless max is): a pilot that saw
 * little spread asked for 2, and 2 kept samples gave a half-width of 50%
 * on this guest (t(0.975; 1) = 12.7) where 5 give about the pilot's. */
int stats_adaptive_n(const struct stats *pilot, double target, int max, bool *capped);
/* How a point that ran the estimate ended: the precision reached (rel) at
 * or below target, or above it after the estimate, or capped at max. */
enum stats_stop stats_adaptive_stop(double rel, double target, bool capped);
/* "precision", "estimate", "max_iterations", "fixed" (STOP_NOT) */
const char *stats_stop_name(enum stats_stop why);

/* Fewer samples than this in a mean cell: compare warns (a t-test on 2-4
 * samples has little power, and a star on them little meaning). */
#define STATS_FEW_SAMPLES 5

/* The significance rules. */
enum sig_test {
	SIG_MMTESTS,		/* mmtests 2019-2024: t-test on the rows' own means */
	SIG_WELCH,		/* Welch's t-test on the arithmetic means */
	SIG_MMTESTS_2026,	/* mmtests 2026: mean +- z * stddev do not overlap */
};
#define STATS_ALPHA_MMTESTS 0.10
#define STATS_ALPHA_WELCH 0.05
#define STATS_ALPHA_MMTESTS_2026 0.05

/* The default alpha of a rule. */
double stats_default_alpha(enum sig_test test);
/* "mmtests", "welch", "mmtests-2026", and back (-1: unknown). */
const char *stats_test_name(enum sig_test test);
int stats_test_parse(const char *name);

/*
 * Is b's headline different from a's?  *p (may be NULL) gets the p-value
 * (NAN for SIG_MMTESTS_2026, which has none).
 *   SIG_MMTESTS:  numerator the two headline means, s the sample stddevs
 *                 (0 for one sample), se = sqrt(sa^2/na + sb^2/nb),
 *                 df = na + nb - 2, two-tailed p < alpha; se == 0:
 *                 significant iff the means differ (p 0 or 1).
 *   SIG_WELCH:    the arithmetic means, the Welch-Satterthwaite df; needs
 *                 n >= 2 on both sides (else not significant, p 1).
 *   SIG_MMTESTS_2026: each side's interval mean +- qnorm(1 - alpha/2) *
 *                 stddev; significant when the means are further apart
 *                 than the two half-widths; n < 2: never.
 */
bool stats_significant(const struct stats *a, const struct stats *b, enum sig_test test,
		       double alpha, double *p);

/*
 * The noise floor (compare --noise-floor, a calibration.json): a change of
 * |pct| <= t(0.975; nruns - 1) * sqrt(2) * cv_between is within what this
 * machine drifts between runs of the same config.  cv_between (%) is the
 * CoeffVar of nruns runs' headline means, an estimate of one run mean's
 * relative spread; the difference of two new run means has sqrt(2) times
 * that spread, and measured against an estimate from nruns runs it is
 * t-distributed with nruns - 1 degrees of freedom (a prediction interval),
 * so the floor is its 95% range.  qnorm's 1.96 would take the estimate for
 * the truth: from 5 runs it is 2.78, from 3 runs 4.30.  A star inside the
 * floor is dropped.  NAN (and within: false) for a NAN pct or cv_between
 * or fewer than 2 runs.
 */
#define STATS_FLOOR_LEVEL 0.95
double stats_noise_floor(double cv_between, int nruns);
bool stats_within_floor(double pct, double cv_between, int nruns);

/* The same from raw samples, summarised with mmtests' aggregate. */
bool stats_significant_raw(const double *a, int na, const double *b, int nb,
			   enum better dir, enum sig_test test, double alpha, double *p);

#endif
