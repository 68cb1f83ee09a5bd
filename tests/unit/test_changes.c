/*
 * Change points (runner/history/changes.c) on synthetic series shaped as
 * mmscale-synth-history makes them: each night's level moves by N(0,
 * nightcv) (boot to boot, 0.3%), its 30 iterations by N(0, cv) around it,
 * and the series is the nights' Hmeans.
 *
 *  - a 5% step at CoeffVar 2% is found within 2 nights of where it was put
 *  - a drift of 0.2% a night over 60 nights is reported as a change
 *  - of 100 A/A histories of 60 nights, the share with a false change point
 *    is printed and at most 5%
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "harness.h"
#include "stats.h"
#include "changes.h"

#define NIGHTS 60
#define ITER 30

/* night i's Hmean; level *= 1 + step (from night `at` on) + drift * i */
static void synth(gsl_rng *r, double cv, int at, double step, double drift, double *x)
{
	double v[ITER];
	struct stats st;

	for (int i = 0; i < NIGHTS; i++) {
		double level = 500000 * (1 + gsl_ran_gaussian(r, 0.003));

		if (at >= 0 && i >= at)
			level *= 1 + step;
		level *= 1 + drift * i;
		for (int k = 0; k < ITER; k++)
			v[k] = level * (1 + gsl_ran_gaussian(r, cv));
		stats_compute(v, ITER, BETTER_HIGHER, &st);
		x[i] = stats_headline(&st);
	}
}

static void test_step(void **state)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	double x[NIGHTS];
	struct change c[16];
	int worst = 0;

	for (int h = 0; h < 20; h++) {
		int n, best = NIGHTS;

		gsl_rng_set(r, 100 + h);
		synth(r, 0.02, 30, -0.05, 0, x);
		n = changes_find(x, NIGHTS, NULL, c, 16);
		assert_true(n >= 1);
		for (int i = 0; i < n; i++)
			if (abs(c[i].at - 30) < abs(best - 30))
				best = c[i].at;
		assert_true(abs(best - 30) <= 2);
		if (abs(best - 30) > worst)
			worst = abs(best - 30);
		/* the shift is the step's: -5% +- 1 */
		for (int i = 0; i < n; i++)
			if (c[i].at == best)
				assert_true(fabs((c[i].after / c[i].before - 1) * 100 + 5) < 1);
	}
	printf("# 5%% step at CoeffVar 2%%: found in 20 of 20 histories, at most %d night%s off\n",
	       worst, worst == 1 ? "" : "s");
	gsl_rng_free(r);
}

static void test_drift(void **state)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	double x[NIGHTS];
	struct change c[16];
	int found = 0;

	for (int h = 0; h < 20; h++) {
		gsl_rng_set(r, 200 + h);
		synth(r, 0.025, -1, 0, -0.002, x);
		found += changes_find(x, NIGHTS, NULL, c, 16) > 0;
	}
	printf("# drift of -0.2%%/night over 60 nights: a change reported in %d of 20\n", found);
	assert_int_equal(found, 20);
	gsl_rng_free(r);
}

static void test_aa(void **state)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	double x[NIGHTS];
	struct change c[16];
	int false_pos = 0;

	gsl_rng_set(r, 7);
	for (int h = 0; h < 100; h++) {
		synth(r, 0.025, -1, 0, 0, x);
		false_pos += changes_find(x, NIGHTS, NULL, c, 16) > 0;
	}
	printf("# A/A: %d of 100 histories of 60 nights have a false change point (bound 5)\n",
	       false_pos);
	assert_true(false_pos <= 5);
	gsl_rng_free(r);
}

/* Too short to split, and a constant series: nothing, no crash. */
static void test_edges(void **state)
{
	double x[NIGHTS];
	struct change c[4];

	for (int i = 0; i < NIGHTS; i++)
		x[i] = 1;
	assert_int_equal(changes_find(x, 5, NULL, c, 4), 0);
	assert_int_equal(changes_find(x, NIGHTS, NULL, c, 4), 0);
	assert_int_equal(changes_find(x, 0, NULL, c, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_drift),
		cmocka_unit_test(test_aa),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
