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
#include <math.h>
#include <cmocka.h>
#include "stats.h"
#include "compare.h"

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
	/* mmtests: k = floor(3 * pct / 100); best of higher-is-better keeps the
	 * top k + 1 (capped at n), lower-is-better the bottom k (all if 0) */
	near(s.best50, 8.0 / 3, 1e-12, "BHmean-50 = hmean{2,4}");
	near(s.best95, 12.0 / 7, 1e-12, "BHmean-95 = hmean{1,2,4}");
	near(s.best99, 12.0 / 7, 1e-12, "BHmean-99 = hmean{1,2,4}");

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
	for (int i = 15; i <= 30; i++)	/* top 16 = 15..30 */
		h16 += 1.0 / i;
	stats_compute(v, 30, BETTER_HIGHER, &s);
	near(s.amean, 15.5, 1e-12, "amean");
	near(s.best50, 16 / h16, 1e-12, "BHmean-50 over the top 16");
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
	assert_true(stats_significant(a, 2, b, 2, SIG_MMTESTS, 0.10, &p));
	near(p, p_mm, 1e-9, "mmtests p");
	assert_false(stats_significant(a, 2, b, 2, SIG_WELCH, 0.05, &p));
	near(p, p_w, 1e-9, "welch p");
	assert_false(stats_significant(a, 2, b, 2, SIG_WELCH, 0.10, &p));
	/* order of the runs does not matter */
	assert_true(stats_significant(b, 2, a, 2, SIG_MMTESTS, 0.10, &p));
	near(p, p_mm, 1e-9, "mmtests p, swapped");
}

/* Equal n and equal variances: Welch's df is na + nb - 2, same p. */
static void test_equal_variances(void **st)
{
	const double a[] = { 1, 3 }, b[] = { 4, 6 };
	double p1, p2, t = 3 / sqrt(2.0);	/* s^2 = 2 each, se = sqrt(2) */

	stats_significant(a, 2, b, 2, SIG_MMTESTS, 0.10, &p1);
	stats_significant(a, 2, b, 2, SIG_WELCH, 0.10, &p2);
	near(p1, 1 - t / sqrt(t * t + 2), 1e-9, "df 2 closed form");
	near(p2, p1, 1e-12, "welch df equals na+nb-2 here");
}

/* A/A: the same distribution twice is not significant. */
static void test_aa(void **st)
{
	const double a[] = { 100, 101, 99, 100.5, 99.5 }, b[] = { 99.5, 100.5, 100, 101, 99 };
	const double c[] = { 100, 102, 98, 101, 99 };
	double p;

	assert_false(stats_significant(a, N(a), b, N(b), SIG_MMTESTS, 0.10, &p));
	near(p, 1, 1e-12, "identical samples, p = 1");
	assert_false(stats_significant(a, N(a), c, N(c), SIG_MMTESTS, 0.10, &p));
	near(p, 1, 1e-12, "same mean, p = 1");
	assert_false(stats_significant(a, N(a), c, N(c), SIG_WELCH, 0.05, &p));
}

/* se = 0: significant iff the means differ; n < 2 never significant. */
static void test_zero_spread(void **st)
{
	const double a[] = { 5, 5 }, b[] = { 6, 6 };
	double p;

	assert_false(stats_significant(a, 2, a, 2, SIG_MMTESTS, 0.10, &p));
	near(p, 1, 0, "constant, equal");
	assert_true(stats_significant(a, 2, b, 2, SIG_WELCH, 0.05, &p));
	near(p, 0, 0, "constant, different");
	assert_false(stats_significant(a, 1, b, 2, SIG_MMTESTS, 0.10, &p));
	near(p, 1, 0, "n = 1");
}

/*
 * compare_mean_change, the hook a 2x2 summary builds on: the mean-row
 * change exactly as the table prints it (reference section 1, cpu-21:
 * 200061.2238 -> 229597.0317 is +14.76%), and -1 for a failed point.
 */
static void test_mean_change(void **st)
{
	double va[] = { 200061.2238, 200061.2238 }, vb[] = { 229597.0317, 229597.0317 };
	double lo_a[] = { 10, 10 }, lo_b[] = { 8, 8 };
	struct metric ma[] = { { .name = "faults/cpu", .dir = BETTER_HIGHER, .n = 2, .values = va },
			       { .name = "time", .dir = BETTER_LOWER, .n = 2, .values = lo_a } };
	struct metric mb[] = { { .name = "faults/cpu", .dir = BETTER_HIGHER, .n = 2, .values = vb },
			       { .name = "time", .dir = BETTER_LOWER, .n = 2, .values = lo_b } };
	struct point pa[] = { { .group = "g", .clients = 21, .status = "ok", .nmetrics = 2, .metrics = ma },
			      { .group = "g", .clients = 30, .status = "ok", .nmetrics = 2, .metrics = ma } };
	struct point pb[] = { { .group = "g", .clients = 21, .status = "ok", .nmetrics = 2, .metrics = mb },
			      { .group = "g", .clients = 30, .status = "failed", .nmetrics = 0 } };
	struct summary a = { .label = "a", .npoints = 2, .points = pa };
	struct summary b = { .label = "b", .npoints = 2, .points = pb };
	double pct, p;
	bool sig;

	assert_int_equal(compare_mean_change(&a, &b, "g", "faults/cpu", 21, SIG_MMTESTS, 0.10,
					     &pct, &sig, &p), 0);
	near(pct, 229597.0317 * 100 / 200061.2238 - 100, 1e-9, "+14.76%");
	assert_true(sig);	/* constant samples that differ */
	/* lower is better: 10 -> 8 is +20% (positive is better) */
	assert_int_equal(compare_mean_change(&a, &b, "g", "time", 21, SIG_WELCH, 0.05,
					     &pct, &sig, NULL), 0);
	near(pct, 20, 1e-12, "lower-is-better");
	assert_int_equal(compare_mean_change(&a, &b, "g", "faults/cpu", 30, SIG_MMTESTS, 0.10,
					     &pct, &sig, &p), -1);
	assert_int_equal(compare_mean_change(&a, &b, "other", "faults/cpu", 21, SIG_MMTESTS, 0.10,
					     &pct, &sig, &p), -1);
	assert_int_equal(compare_mean_change(&a, &b, "g", "nope", 21, SIG_MMTESTS, 0.10,
					     &pct, &sig, &p), -1);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
