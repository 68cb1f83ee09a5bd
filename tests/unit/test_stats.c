/*
 * Statistics and significance on hand-computed cases.  The p-values are
 * checked against closed forms of Student's t distribution (df = 1 is the
 * Cauchy distribution, df = 2 has P(|T| > t) = 1 - t / sqrt(t^2 + 2)), so
 * the expected figures do not come from GSL itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <math.h>
#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <jansson.h>
#include "stats.h"
#include "compare.h"
#include "calibration.h"
#include "harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void near(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: got %.12g, want %.12g", what, got, want);
}

/* {1, 2, 4}: every figure by hand. */
static void test_basic(void **st)
{
	const double v[] = { 4, 1, 2 };
	struct stats s;

	stats_compute(v, N(v), BETTER_HIGHER, &s);
	assert_int_equal(s.n, 3);
	near(s.min, 1, 0, "min");
	near(s.max, 4, 0, "max");
	near(s.amean, 7.0 / 3, 1e-12, "amean");
	near(s.hmean, 12.0 / 7, 1e-12, "hmean");	/* 3 / (1 + 1/2 + 1/4) */
	near(s.stddev, sqrt(7.0 / 3), 1e-12, "stddev");	/* (16+1+25)/9 / 2 */
	near(s.coeffvar, sqrt(7.0 / 3) * 100 / (7.0 / 3), 1e-9, "coeffvar");
	/* mmtests 2019-2024 (Summarise.pm since d1acdee4): the best
	 * max(1, floor(3 * pct / 100)) samples, either direction (issue 10:
	 * mmscale used to keep k + 1 of higher-is-better ones) */
	near(s.best50, 4, 1e-12, "BHmean-50 = hmean{4}");
	near(s.best95, 8.0 / 3, 1e-12, "BHmean-95 = hmean{2,4}");
	near(s.best99, 8.0 / 3, 1e-12, "BHmean-99 = hmean{2,4}");

	stats_compute(v, N(v), BETTER_LOWER, &s);
	near(s.best50, 1, 1e-12, "BAmean-50 = amean{1}");
	near(s.best95, 1.5, 1e-12, "BAmean-95 = amean{1,2}");
	near(s.best99, 1.5, 1e-12, "BAmean-99 = amean{1,2}");
}

/* 30 samples 1..30 as a sweep produces them. */
static void test_thirty(void **st)
{
	double v[30];
	struct stats s;
	double h16 = 0;

	for (int i = 0; i < 30; i++)
		v[i] = 30 - i;
	for (int i = 16; i <= 30; i++)	/* top 15 = 16..30 (floor(30 * 50 / 100)) */
		h16 += 1.0 / i;
	stats_compute(v, 30, BETTER_HIGHER, &s);
	near(s.amean, 15.5, 1e-12, "amean");
	near(s.best50, 15 / h16, 1e-12, "BHmean-50 over the top 15");
	stats_compute(v, 30, BETTER_LOWER, &s);
	near(s.best50, 8, 1e-12, "BAmean-50 = amean 1..15");
	near(s.best95, 14.5, 1e-12, "BAmean-95 = amean 1..28");
}

static void test_degenerate(void **st)
{
	const double one[] = { 5 }, withzero[] = { 0, 3 };
	struct stats s;

	stats_compute(one, 1, BETTER_HIGHER, &s);
	near(s.stddev, 0, 0, "stddev of one value");
	near(s.hmean, 5, 0, "hmean of one value");
	near(s.best50, 5, 0, "BHmean-50 of one value");
	stats_compute(withzero, 2, BETTER_HIGHER, &s);
	near(s.hmean, 0, 0, "hmean with a zero is 0");
	stats_compute(NULL, 0, BETTER_HIGHER, &s);
	assert_int_equal(s.n, 0);
}

/*
 * a = {0, 2}: mean 1, s^2 = 2, s^2/n = 1.  b = {5, 5}: s = 0.  se = 1, t = 4.
 * mmtests: df = 2, p = 1 - 4/sqrt(18) = 0.0572 < 0.10: significant.
 * welch: df = (1 + 0)^2 / (1/1 + 0) = 1, p = 1 - 2/pi*atan(4) = 0.1560:
 * not significant at 0.05 (nor at 0.10).
 */
static void test_mmtests_vs_welch(void **st)
{
	const double a[] = { 0, 2 }, b[] = { 5, 5 };
	double p_mm = 1 - 4 / sqrt(18), p_w = 1 - 2 / M_PI * atan(4), p;

	near(p_mm, 0.0572, 1e-4, "hand value, mmtests");
	near(p_w, 0.1560, 1e-4, "hand value, welch");
	assert_true(stats_significant_raw(a, 2, b, 2, BETTER_HIGHER, SIG_MMTESTS, 0.10, &p));
	near(p, p_mm, 1e-9, "mmtests p");
	assert_false(stats_significant_raw(a, 2, b, 2, BETTER_HIGHER, SIG_WELCH, 0.05, &p));
	near(p, p_w, 1e-9, "welch p");
	assert_false(stats_significant_raw(a, 2, b, 2, BETTER_HIGHER, SIG_WELCH, 0.10, &p));
	/* order of the runs does not matter */
	assert_true(stats_significant_raw(b, 2, a, 2, BETTER_HIGHER, SIG_MMTESTS, 0.10, &p));
	near(p, p_mm, 1e-9, "mmtests p, swapped");
}

/* Equal n and equal variances: Welch's df is na + nb - 2, same p. */
static void test_equal_variances(void **st)
{
	const double a[] = { 1, 3 }, b[] = { 4, 6 };
	double p1, p2, t = 3 / sqrt(2.0);	/* s^2 = 2 each, se = sqrt(2) */

	/* lower-is-better: both rules test the arithmetic means */
	stats_significant_raw(a, 2, b, 2, BETTER_LOWER, SIG_MMTESTS, 0.10, &p1);
	stats_significant_raw(a, 2, b, 2, BETTER_LOWER, SIG_WELCH, 0.10, &p2);
	near(p1, 1 - t / sqrt(t * t + 2), 1e-9, "df 2 closed form");
	near(p2, p1, 1e-12, "welch df equals na+nb-2 here");
}

/* A/A: the same distribution twice is not significant (arithmetic means,
 * which are equal here; their harmonic means are not). */
static void test_aa(void **st)
{
	const double a[] = { 100, 101, 99, 100.5, 99.5 }, b[] = { 99.5, 100.5, 100, 101, 99 };
	const double c[] = { 100, 102, 98, 101, 99 };
	double p;

	assert_false(stats_significant_raw(a, N(a), b, N(b), BETTER_LOWER, SIG_MMTESTS, 0.10, &p));
	near(p, 1, 1e-12, "identical samples, p = 1");
	assert_false(stats_significant_raw(a, N(a), c, N(c), BETTER_LOWER, SIG_MMTESTS, 0.10, &p));
	near(p, 1, 1e-12, "same mean, p = 1");
	assert_false(stats_significant_raw(a, N(a), c, N(c), BETTER_LOWER, SIG_WELCH, 0.05, &p));
}

/* se = 0: significant iff the means differ.  One sample: mmtests takes its
 * stddev as 0 and tests all the same (issue 10; mmscale used to refuse). */
static void test_zero_spread(void **st)
{
	const double a[] = { 5, 5 }, b[] = { 6, 6 };
	double p;

	assert_false(stats_significant_raw(a, 2, a, 2, BETTER_HIGHER, SIG_MMTESTS, 0.10, &p));
	near(p, 1, 0, "constant, equal");
	assert_true(stats_significant_raw(a, 2, b, 2, BETTER_HIGHER, SIG_WELCH, 0.05, &p));
	near(p, 0, 0, "constant, different");
	assert_true(stats_significant_raw(a, 1, b, 2, BETTER_HIGHER, SIG_MMTESTS, 0.10, &p));
	near(p, 0, 0, "n = 1: s = 0 on both sides, the means differ");
	assert_false(stats_significant_raw(a, 1, b, 2, BETTER_HIGHER, SIG_WELCH, 0.05, &p));
	near(p, 1, 0, "welch needs n >= 2");
}

/*
 * cmp_mean_cell, the hook a pivot builds on: the mean-row change exactly as
 * the table prints it (reference section 1, cpu-21: 200061.2238 ->
 * 229597.0317 is +14.76%), and -1 for a failed point.
 */
static void test_mean_change(void **st)
{
	double va[] = { 200061.2238, 200061.2238 }, vb[] = { 229597.0317, 229597.0317 };
	double lo_a[] = { 10, 10 }, lo_b[] = { 8, 8 };
	struct metric ma[] = { { .name = "faults/cpu", .dir = BETTER_HIGHER, .agg = AGG_HARMONIC, .n = 2, .values = va },
			       { .name = "time", .dir = BETTER_LOWER, .agg = AGG_ARITHMETIC, .n = 2, .values = lo_a } };
	struct metric mb[] = { { .name = "faults/cpu", .dir = BETTER_HIGHER, .agg = AGG_HARMONIC, .n = 2, .values = vb },
			       { .name = "time", .dir = BETTER_LOWER, .agg = AGG_ARITHMETIC, .n = 2, .values = lo_b } };
	struct point pa[] = { { .workload = "g", .clients = 21, .status = "ok", .nmetrics = 2, .metrics = ma },
			      { .workload = "g", .clients = 30, .status = "ok", .nmetrics = 2, .metrics = ma } };
	struct point pb[] = { { .workload = "g", .clients = 21, .status = "ok", .nmetrics = 2, .metrics = mb },
			      { .workload = "g", .clients = 30, .status = "failed", .nmetrics = 0 } };
	struct point other = { .workload = "other" };
	struct summary runs[] = { { .label = "a", .npoints = 2, .points = pa },
				  { .label = "b", .npoints = 2, .points = pb } };
	struct cmp c = { .nruns = 2, .runs = runs, .test = SIG_MMTESTS, .alpha = 0.10 };
	struct cmp_cell cl;

	assert_int_equal(cmp_mean_cell(&c, 0, &pa[0], 1, &pb[0], "faults/cpu", 21, &cl), 0);
	near(cl.pct, 229597.0317 * 100 / 200061.2238 - 100, 1e-9, "+14.76%");
	assert_true(cl.sig);	/* constant samples that differ */
	/* lower is better: 10 -> 8 is +20% (positive is better) */
	c.test = SIG_WELCH;
	c.alpha = 0.05;
	assert_int_equal(cmp_mean_cell(&c, 0, &pa[0], 1, &pb[0], "time", 21, &cl), 0);
	near(cl.pct, 20, 1e-12, "lower-is-better");
	assert_int_equal(cmp_mean_cell(&c, 0, &pa[0], 1, &pb[0], "faults/cpu", 30, &cl), -1);
	assert_int_equal(cmp_mean_cell(&c, 0, &other, 1, &other, "faults/cpu", 21, &cl), -1);
	assert_int_equal(cmp_mean_cell(&c, 0, &pa[0], 1, &pb[0], "nope", 21, &cl), -1);
}

/*
 * The 95% interval of the headline mean on a fixed case, by hand: {9, 10,
 * 11, 12, 13} has stddev sqrt(2.5) and t(0.975; 4) = 2.7764451051977987
 * (the printed tables' 2.776), so the half-width is 2.7764 * sqrt(2.5/5)
 * around the Hmean.  The model's cell and the JSON compare prints carry
 * exactly that; the relative half-width is what adaptive stopping reads.
 */
static json_t *json_of(const struct cmp *c)
{
	FILE *tf = tmpfile();
	int saved;
	json_t *j;

	assert_non_null(tf);
	fflush(stdout);
	saved = dup(1);
	assert_true(saved >= 0 && dup2(fileno(tf), 1) == 1);
	assert_int_equal(cmp_print_json(c), 0);
	fflush(stdout);
	assert_int_equal(dup2(saved, 1), 1);
	close(saved);
	rewind(tf);
	j = json_loadf(tf, 0, NULL);
	fclose(tf);
	assert_non_null(j);
	return j;
}

static void test_ci(void **st)
{
	double v[] = { 12, 9, 13, 10, 11 }, w[] = { 11, 12, 13, 14, 15 };
	double h = 5 / (1 / 9.0 + 1 / 10.0 + 1 / 11.0 + 1 / 12.0 + 1 / 13.0);
	double t = gsl_cdf_tdist_Pinv(0.975, 4), half = t * sqrt(2.5) / sqrt(5);
	struct metric ma = { .name = "faults/sec", .dir = BETTER_HIGHER, .agg = AGG_HARMONIC, .n = 5, .values = v };
	struct metric mb = { .name = "faults/sec", .dir = BETTER_HIGHER, .agg = AGG_HARMONIC, .n = 5, .values = w };
	struct point pa = { .workload = "g", .group = "g", .clients = 1, .status = "ok", .nmetrics = 1, .metrics = &ma };
	struct point pb = { .workload = "g", .group = "g", .clients = 1, .status = "ok", .nmetrics = 1, .metrics = &mb };
	struct summary runs[] = { { .label = "a", .dir = "a", .npoints = 1, .points = &pa },
				  { .label = "b", .dir = "b", .npoints = 1, .points = &pb } };
	struct cmp c = { .nruns = 2, .runs = runs, .test = SIG_MMTESTS, .alpha = NAN, .no_slab = true };
	struct stats s;
	json_t *j, *cell = NULL, *row;
	size_t k;

	near(t, 2.7764451051977987, 1e-12, "t(0.975; 4) as the tables print it");
	stats_compute(v, 5, BETTER_HIGHER, &s);
	near(stats_ci_halfwidth(&s, 0.95), half, 1e-12, "half-width");
	near(stats_ci_rel(&s, 0.95), half / h, 1e-12, "relative half-width");
	assert_true(isnan(stats_ci_halfwidth(&(struct stats){ .n = 1 }, 0.95)));

	cmp_build(&c);
	j = json_of(&c);
	json_array_foreach(json_object_get(json_array_get(json_object_get(j, "groups"), 0), "rows"), k, row)
		if (json_is_true(json_object_get(row, "mean_row")))
			cell = json_array_get(json_object_get(row, "cells"), 0);
	assert_non_null(cell);
	assert_int_equal(json_integer_value(json_object_get(cell, "n")), 5);
	near(json_real_value(json_object_get(cell, "mean")), h, 1e-9, "JSON mean = Hmean");
	near(json_real_value(json_object_get(cell, "stddev")), sqrt(2.5), 1e-12, "JSON stddev");
	near(json_real_value(json_object_get(json_object_get(cell, "ci"), "lo")), h - half, 1e-9, "JSON ci.lo");
	near(json_real_value(json_object_get(json_object_get(cell, "ci"), "hi")), h + half, 1e-9, "JSON ci.hi");
	near(json_real_value(json_object_get(json_object_get(cell, "ci"), "level")), 0.95, 0, "JSON ci.level");
	json_decref(j);
	cmp_free(&c);
}

/*
 * Adaptive iterations on synthetic samples (GSL's Mersenne Twister, fixed
 * seeds): normal samples of mean 1000 and CoeffVar cv, run as run.c runs
 * a point: a pilot of n0, then stats_adaptive_n more, the pilot left out.
 * Returns the samples kept (in v); *why says how it ended.
 */
static int adaptive(gsl_rng *r, double cv, double target, int n0, int max, double *v,
		    enum stats_stop *why)
{
	struct stats s;
	bool capped;
	int n;

	for (int i = 0; i < n0; i++)
		v[i] = 1000 * (1 + gsl_ran_gaussian(r, cv));
	stats_compute(v, n0, BETTER_HIGHER, &s);
	n = stats_adaptive_n(&s, target, max, &capped);
	/* the formula, by hand */
	{
		double t = gsl_cdf_tdist_Pinv(0.975, n0 - 1);
		double est = ceil(pow(t * s.stddev / (target * s.hmean), 2));
		int least = max < STATS_FEW_SAMPLES ? max : STATS_FEW_SAMPLES;

		if (!capped && n != (est < least ? least : (int)est))
			fail_msg("n %d, the formula says %.0f", n, est);
		if (capped && !(n == max && est > max))
			fail_msg("capped at %d, the formula says %.0f", n, est);
	}
	for (int i = 0; i < n; i++)
		v[i] = 1000 * (1 + gsl_ran_gaussian(r, cv));
	stats_compute(v, n, BETTER_HIGHER, &s);
	*why = stats_adaptive_stop(stats_ci_rel(&s, 0.95), target, capped);
	return n;
}

/*
 * The samples kept are the t-based formula's on the pilot exactly; on
 * average they are (t(0.975; n0-1) * cv / target)^2 (E[s0^2] = sigma^2),
 * within one sample; a point that cannot reach its precision stops at
 * max_iterations and says so.
 */
static void test_adaptive_formula(void **st)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	double v[400], sum = 0, want = pow(gsl_cdf_tdist_Pinv(0.975, 9) * 0.05 / 0.02, 2);
	const int trials = 2000;
	int reached = 0;
	enum stats_stop why;

	gsl_rng_set(r, 12);
	for (int k = 0; k < trials; k++) {
		sum += adaptive(r, 0.05, 0.02, 10, 400, v, &why);
		assert_true(why == STOP_PRECISION || why == STOP_ESTIMATE);
		reached += why == STOP_PRECISION;
	}
	if (!(fabs(sum / trials - want) <= 1))
		fail_msg("mean n %.2f, formula %.2f", sum / trials, want);
	/* the estimate is a median: about half the points end at or below */
	assert_true(reached > trials / 3 && reached < trials * 4 / 5);
	/* CoeffVar 0.1% for 8% would take 1: a point keeps 5 (few samples) */
	assert_int_equal(adaptive(r, 0.001, 0.08, 10, 100, v, &why), STATS_FEW_SAMPLES);
	assert_int_equal(why, STOP_PRECISION);
	/* ... unless max_iterations is lower */
	assert_int_equal(adaptive(r, 0.001, 0.08, 10, 3, v, &why), 3);
	/* CoeffVar 50% for 1% would take ~10^4 */
	assert_int_equal(adaptive(r, 0.5, 0.01, 10, 20, v, &why), 20);
	assert_int_equal(why, STOP_MAX);
	assert_string_equal(stats_stop_name(why), "max_iterations");
	assert_string_equal(stats_stop_name(STOP_NOT), "fixed");
	gsl_rng_free(r);
}

/*
 * A/A with adaptive stopping: both sides drawn from one distribution, each
 * sized by its own pilot.  The share of starred pairs must stay at the
 * nominal alpha within 3 binomial standard deviations (Welch at 0.05, the
 * mmtests rule at 0.10): the stopping rule does not inflate it.  (A
 * sequential rule, stopping as soon as the interval is narrow enough,
 * fails this: 8.4% for Welch from a 5-sample start.)
 */
static void test_adaptive_aa(void **st)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	double a[200], b[200], pv;
	const int pairs = 3000;
	int stars_w = 0, stars_m = 0;
	enum stats_stop why;

	gsl_rng_set(r, 2026);
	for (int k = 0; k < pairs; k++) {
		int na = adaptive(r, 0.05, 0.02, 10, 200, a, &why);
		int nb = adaptive(r, 0.05, 0.02, 10, 200, b, &why);

		stars_w += stats_significant_raw(a, na, b, nb, BETTER_HIGHER, SIG_WELCH, 0.05, &pv);
		stars_m += stats_significant_raw(a, na, b, nb, BETTER_HIGHER, SIG_MMTESTS, 0.10, &pv);
	}
	print_message("# A/A adaptive: welch %.2f%%, mmtests %.2f%% of %d pairs starred\n",
		      stars_w * 100.0 / pairs, stars_m * 100.0 / pairs, pairs);
	if (fabs(stars_w / (double)pairs - 0.05) > 3 * sqrt(0.05 * 0.95 / pairs))
		fail_msg("welch: %d of %d A/A pairs starred", stars_w, pairs);
	if (fabs(stars_m / (double)pairs - 0.10) > 3 * sqrt(0.10 * 0.90 / pairs))
		fail_msg("mmtests: %d of %d A/A pairs starred", stars_m, pairs);
	gsl_rng_free(r);
}

/*
 * The interval of a change: Welch's of the two headline means relative to
 * the base, in stats_gain_pct's sign.  a = 9, 10, 11 (Amean 10, s 1), b =
 * 11, 12, 13 (12, s 1), lower is better (headline Amean): qa = qb = 1/3,
 * df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4, t(0.975; 4) = 2.7764451; the change
 * -20% (worse), its interval -(20 +- 2.7764451 * sqrt(2/3) * 10).
 */
static void test_change_ci(void **st)
{
	double a[] = { 9, 10, 11 }, b[] = { 11, 12, 13 }, lo, hi, h = 2.7764451 * sqrt(2.0 / 3) * 10;
	struct stats sa, sb;

	(void)st;
	stats_compute(a, 3, BETTER_LOWER, &sa);
	stats_compute(b, 3, BETTER_LOWER, &sb);
	stats_change_ci(&sa, &sb, 0.95, true, &lo, &hi);
	near(lo, -20 - h, 1e-5, "lower is better: lo");
	near(hi, -20 + h, 1e-5, "lower is better: hi");
	near(stats_gain_pct(10, 12, true), -20, 1e-12, "the change itself");
	/* higher is better: the same numbers read as +20% */
	stats_compute(a, 3, BETTER_HIGHER, &sa);
	stats_compute(b, 3, BETTER_HIGHER, &sb);
	stats_change_ci(&sa, &sb, 0.95, false, &lo, &hi);
	assert_true(lo < stats_gain_pct(sa.mean, sb.mean, false) &&
		    stats_gain_pct(sa.mean, sb.mean, false) < hi);
	/* one sample: no interval */
	stats_compute(a, 1, BETTER_HIGHER, &sa);
	stats_change_ci(&sa, &sb, 0.95, false, &lo, &hi);
	assert_true(isnan(lo) && isnan(hi));
}

/* The noise floor: t(0.975; n-1) * sqrt(2) * cv_between, both signs, edges. */
static void test_noise_floor(void **st)
{
	(void)st;
	/* t(0.975; 4) = 2.7764451 (any t table), t(0.975; 2) = 4.3026527 */
	near(stats_noise_floor(6, 5), 2.7764451 * sqrt(2) * 6, 1e-5, "floor of 6% from 5 runs");
	near(stats_noise_floor(6, 3), 4.3026527 * sqrt(2) * 6, 1e-5, "floor of 6% from 3 runs");
	/* many runs: the normal range */
	near(stats_noise_floor(6, 100000), 1.959964 * sqrt(2) * 6, 1e-3, "floor of 6% from 1e5 runs");
	assert_true(isnan(stats_noise_floor(6, 1)));
	assert_true(stats_within_floor(8, 6, 5));
	assert_true(stats_within_floor(-8, 6, 5));
	assert_true(stats_within_floor(20, 6, 5));	/* 1.96's floor (16.6) would not */
	assert_false(stats_within_floor(24, 6, 5));
	assert_false(stats_within_floor(40, 6, 5));
	assert_false(stats_within_floor(-40, 6, 5));
	assert_true(stats_within_floor(stats_noise_floor(6, 5), 6, 5));	/* <=: on the edge */
	assert_false(stats_within_floor(stats_noise_floor(6, 5) * 1.0001, 6, 5));
	assert_false(stats_within_floor(NAN, 6, 5));
	assert_false(stats_within_floor(1, NAN, 5));
	assert_false(stats_within_floor(1, 6, 1));
	assert_true(stats_within_floor(0, 0, 5));
	assert_false(stats_within_floor(0.1, 0, 5));
}

/*
 * The floor is a 95% prediction range: calibrate from 5 runs whose means
 * spread 5%, then one A/A pair of new runs from the same machine; the pair
 * lands outside the floor in 5% of trials (binomial 3 sigma), where a
 * floor of 1.96 that takes the 5-run estimate for the truth is left in
 * about 11% (the reason for t).
 */
static void test_noise_floor_rate(void **st)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	const int trials = 20000, nruns = 5;
	int out_t = 0, out_z = 0;

	(void)st;
	gsl_rng_set(r, 5);
	for (int k = 0; k < trials; k++) {
		double m[5], a, b, pct;
		struct stats s;

		for (int i = 0; i < nruns; i++)
			m[i] = 1000 * (1 + gsl_ran_gaussian(r, 0.05));
		stats_compute(m, nruns, BETTER_HIGHER, &s);
		a = 1000 * (1 + gsl_ran_gaussian(r, 0.05));
		b = 1000 * (1 + gsl_ran_gaussian(r, 0.05));
		pct = (b - a) / a * 100;
		out_t += !stats_within_floor(pct, s.coeffvar, nruns);
		out_z += !(fabs(pct) <= 1.96 * sqrt(2) * s.coeffvar);
	}
	print_message("# noise floor from %d runs: outside t %.2f%%, 1.96 %.2f%% of %d A/A pairs\n",
		      nruns, out_t * 100.0 / trials, out_z * 100.0 / trials, trials);
	if (fabs(out_t / (double)trials - 0.05) > 3 * sqrt(0.05 * 0.95 / trials))
		fail_msg("t floor: %d of %d A/A pairs outside", out_t, trials);
	assert_true(out_z > trials / 12);
	gsl_rng_free(r);
}

/* calibration.json: written, read back, rows found; a bad file refused. */
static void test_calibration_file(void **st)
{
	char dir[] = "/tmp/test_calib.XXXXXX", path[300];
	struct calib w = { .config = "t.conf", .config_hash = "ab12" }, r;
	char *runs[] = { "c-1", "c-2" };
	const struct calib_row *row;
	FILE *f;

	(void)st;
	assert_non_null(mkdtemp(dir));
	w.nruns = 2;
	w.runs = runs;
	calib_add(&w, "pft mode=threads", "faults/sec", 1, 2, 9.5, 1.25);
	calib_add(&w, "pft mode=threads", "faults/sec", 2, 2, 4, NAN);
	assert_int_equal(calib_write(dir, &w), 0);
	assert_int_equal(calib_load(dir, "test", &r), 0);	/* the directory */
	assert_int_equal(r.nrows, 2);
	assert_int_equal(r.nruns, 2);
	assert_string_equal(r.runs[1], "c-2");
	assert_string_equal(r.config_hash, "ab12");
	row = calib_find(&r, "pft mode=threads", "faults/sec", 1);
	assert_non_null(row);
	near(row->cv_between, 9.5, 0, "cv_between");
	near(row->cv_within_mean, 1.25, 0, "cv_within_mean");
	assert_int_equal(row->n, 2);
	assert_true(isnan(calib_find(&r, "pft mode=threads", "faults/sec", 2)->cv_within_mean));
	assert_null(calib_find(&r, "pft mode=threads", "faults/sec", 4));
	assert_null(calib_find(&r, "pft mode=processes", "faults/sec", 1));
	calib_free(&r);
	for (int i = 0; i < w.nrows; i++) {
		free(w.rows[i].group);
		free(w.rows[i].metric);
	}
	free(w.rows);
	/* not JSON, another schema, a negative cv_between, no file */
	snprintf(path, sizeof(path), "%s/calibration.json", dir);
	const char *bad[] = { "{", "{\"schema\":2,\"rows\":[]}",
		("{\"schema\":1,\"rows\":[{\"group\":\"g\",\"metric\":\"m\",\"clients\":1,"
		 "\"cv_between\":-1}]}") };
	for (int i = 0; i < N(bad); i++) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(bad[i], f);
		fclose(f);
		assert_int_equal(calib_load(path, "test", &r), EXIT_USAGE);
		assert_int_equal(r.nrows, 0);
	}
	unlink(path);
	assert_int_equal(calib_load(path, "test", &r), EXIT_USAGE);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_thirty),
		cmocka_unit_test(test_degenerate),
		cmocka_unit_test(test_mmtests_vs_welch),
		cmocka_unit_test(test_equal_variances),
		cmocka_unit_test(test_aa),
		cmocka_unit_test(test_zero_spread),
		cmocka_unit_test(test_mean_change),
		cmocka_unit_test(test_ci),
		cmocka_unit_test(test_adaptive_formula),
		cmocka_unit_test(test_adaptive_aa),
		cmocka_unit_test(test_change_ci),
		cmocka_unit_test(test_noise_floor),
		cmocka_unit_test(test_noise_floor_rate),
		cmocka_unit_test(test_calibration_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
