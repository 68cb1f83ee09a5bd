/*
 * test_mmtests.c - `compare --test mmtests` and `--test mmtests-2026`
 * against what mmtests' own compare code printed for the same samples:
 * tests/data/mmtests-vectors.json (copied from the team's reference; four
 * cases, faults/cpu higher-is-better and system time lower-is-better, rows
 * of the 2019-2024 tree 93946ac6 and of the 2026 tree 638401e0).  Every row
 * name, value (1e-9 relative), percentage and star must match, through the
 * compare model itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include "compare.h"
#include "harness.h"

#ifndef VECTORS
#define VECTORS "tests/data/mmtests-vectors.json"
#endif

static json_t *vectors;

static int setup(void **st)
{
	json_error_t err;

	vectors = json_load_file(VECTORS, 0, &err);
	if (!vectors)
		fprintf(stderr, "%s: %s\n", VECTORS, err.text);
	return vectors ? 0 : -1;
}

static int teardown(void **st)
{
	json_decref(vectors);
	return 0;
}

/* A value within 1e-9 relative; values that are rounding noise in mmtests
 * (a stddev of 1e-15 for constant samples) within 1e-9 of the row's scale. */
static bool close_to(double got, double want, double scale)
{
	return fabs(got - want) <= 1e-9 * fmax(fabs(want), 1e-9 * scale) + 1e-300;
}

static void fill_metric(struct metric *m, const char *name, json_t *vals)
{
	size_t i;
	json_t *v;

	*m = (struct metric){ .name = (char *)name, .unit = "",
		.dir = strcmp(name, "system") ? BETTER_HIGHER : BETTER_LOWER,
		.agg = strcmp(name, "system") ? AGG_HARMONIC : AGG_ARITHMETIC,
		.precision = 4, .values = calloc(json_array_size(vals) + 1, sizeof(double)) };
	json_array_foreach(vals, i, v)
		m->values[m->n++] = json_number_value(v);
}

static const struct cmp_row *find_row(const struct cmp *c, const char *stat, const char *metric)
{
	for (int r = 0; r < c->groups[0].nrows; r++)
		if (!strcmp(c->groups[0].rows[r].stat, stat) &&
		    !strcmp(c->groups[0].rows[r].metric, metric))
			return &c->groups[0].rows[r];
	return NULL;
}

/* 2 * upper tail of t, as mmtests asks R for it, printed to R's 7 digits. */
static double r_p(double t, double df)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.7g", 2 * gsl_cdf_tdist_Q(t, df));
	return strtod(buf, NULL);
}

static void check_era(json_t *cs, const char *era, enum sig_test test, int *rows_checked)
{
	json_t *samples = json_object_get(cs, "samples"), *want = json_object_get(cs, era), *rows;
	const char *name = json_string_value(json_object_get(cs, "name")), *metric;
	struct metric ma[2], mb[2];
	struct point pa = { .workload = "pft", .clients = 1, .status = "ok", .nmetrics = 2, .metrics = ma };
	struct point pb = pa;
	struct summary runs[2] = { { .label = "base", .npoints = 1, .points = &pa },
				   { .label = "new", .npoints = 1, .points = &pb } };
	struct cmp c = { .nruns = 2, .runs = runs, .test = test, .alpha = NAN };
	int k = 0, nrows = 0;

	pb.metrics = mb;
	fill_metric(&ma[0], "faults/cpu", json_object_get(json_object_get(samples, "base"), "faults/cpu"));
	fill_metric(&ma[1], "system", json_object_get(json_object_get(samples, "base"), "system"));
	fill_metric(&mb[0], "faults/cpu", json_object_get(json_object_get(samples, "new"), "faults/cpu"));
	fill_metric(&mb[1], "system", json_object_get(json_object_get(samples, "new"), "system"));
	cmp_build(&c);
	assert_int_equal(c.ngroups, 1);
	json_object_foreach(want, metric, rows) {
		size_t i;
		json_t *w;

		json_array_foreach(rows, i, w) {
			const char *stat = json_string_value(json_object_get(w, "stat"));
			const struct cmp_row *r = find_row(&c, stat, metric);
			double b = json_number_value(json_object_get(w, "base"));
			double n = json_number_value(json_object_get(w, "new"));
			double pct = json_number_value(json_object_get(w, "pct"));
			json_t *star = json_object_get(w, "starred");

			if (!r)
				fail_msg("%s %s: no row %s %s", name, era, stat, metric);
			if (!close_to(r->cells[0].value, b, fabs(n)) || !close_to(r->cells[1].value, n, fabs(b)))
				fail_msg("%s %s %s %s: values %.17g %.17g, mmtests %.17g %.17g", name, era,
					 stat, metric, r->cells[0].value, r->cells[1].value, b, n);
			if (!(fabs(r->cells[1].pct - pct) <= 1e-9 * fmax(1, fabs(pct))))
				fail_msg("%s %s %s %s: change %.12g%%, mmtests %.12g%%", name, era, stat,
					 metric, r->cells[1].pct, pct);
			if (star && r->cells[1].sig != (json_integer_value(star) == 1))
				fail_msg("%s %s %s %s: starred %d, mmtests %d", name, era, stat, metric,
					 r->cells[1].sig, (int)json_integer_value(star));
			if (!star && r->cells[1].sig)
				fail_msg("%s %s %s %s: starred, mmtests never stars this row", name, era,
					 stat, metric);
			k++;
		}
		nrows += (int)json_array_size(rows);
	}
	/* and no row of ours that mmtests does not print */
	assert_int_equal(c.groups[0].nrows, nrows);
	/* the t-test's p from mmtests' own printed rows: its mean, stddev, n */
	if (test == SIG_MMTESTS)
		json_object_foreach(want, metric, rows) {
			const struct cmp_row *mean = NULL;
			double sb = 0, sn = 0, hb = 0, hn = 0, t, se;
			int nb = ma[strcmp(metric, "system") == 0].n, nn = mb[strcmp(metric, "system") == 0].n;
			size_t i;
			json_t *w;

			json_array_foreach(rows, i, w) {
				const char *stat = json_string_value(json_object_get(w, "stat"));

				if (json_object_get(w, "starred")) {
					mean = find_row(&c, stat, metric);
					hb = json_number_value(json_object_get(w, "base"));
					hn = json_number_value(json_object_get(w, "new"));
				}
				if (!strcmp(stat, "Stddev")) {
					sb = json_number_value(json_object_get(w, "base"));
					sn = json_number_value(json_object_get(w, "new"));
				}
			}
			se = sqrt(sb * sb / nb + sn * sn / nn);
			if (se == 0 || !mean)
				continue;
			t = fabs(hb - hn) / se;
			if (!(fabs(mean->cells[1].p - r_p(t, nb + nn - 2)) < 1e-6))
				fail_msg("%s %s: p %.9g, from mmtests' rows %.9g", name, metric,
					 mean->cells[1].p, r_p(t, nb + nn - 2));
		}
	cmp_free(&c);
	for (int m = 0; m < 2; m++) {
		free(ma[m].values);
		free(mb[m].values);
	}
	*rows_checked += k;
}

/* Every case of one era: rows is how many rows mmtests printed in all. */
static void check_all(const char *era, enum sig_test test, int want_rows)
{
	size_t i;
	json_t *cs;
	int rows = 0;

	json_array_foreach(json_object_get(vectors, "cases"), i, cs)
		check_era(cs, era, test, &rows);
	assert_int_equal(rows, want_rows);
}

static void test_era_2024(void **st)
{
	check_all("mmtests_2024", SIG_MMTESTS, 4 * 16);
}

static void test_era_2026(void **st)
{
	check_all("mmtests_2026", SIG_MMTESTS_2026, 4 * 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_era_2024),
		cmocka_unit_test(test_era_2026),
	};

	progname = "test_mmtests";
	return cmocka_run_group_tests_name("mmtests", tests, setup, teardown);
}
