/* Client series: every row of reference section 2, and MIN > 1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "series.h"

static void expect_series(int min, int end, const char *want)
{
	int out[64], n;
	char got[256] = "";

	n = series_large_stride(min, end, out, 64);
	assert_true(n <= 64);
	for (int i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%d", i ? " " : "", out[i]);
	if (strcmp(got, want))
		fail_msg("series %d..%d: got '%s', want '%s'", min, end, got, want);
}

/* The table of reference section 2, MIN = 1. */
static void test_reference_table(void **s)
{
	expect_series(1, 2, "1 2");
	expect_series(1, 4, "1 3 4");
	expect_series(1, 8, "1 3 5 7 8");
	expect_series(1, 16, "1 3 5 7 12 16");
	expect_series(1, 32, "1 3 5 7 12 18 24 30 32");
	expect_series(1, 48, "1 4 7 12 21 30 48");
	expect_series(1, 56, "1 4 7 12 21 30 48 56");
	expect_series(1, 64, "1 4 7 12 21 30 48 64");
	expect_series(1, 128, "1 4 7 12 21 30 48 79 110 128");
}

/* MIN > 1: the segments start at MIN, and fixed points below it drop out. */
static void test_min_above_one(void **s)
{
	expect_series(2, 8, "2 4 6 8");
	expect_series(2, 56, "2 5 8 12 21 30 48 56");
	expect_series(4, 16, "4 6 8 12 16");
	expect_series(10, 56, "12 21 30 48 56");
	expect_series(13, 56, "21 30 48 56");
	expect_series(20, 20, "20");
	expect_series(1, 1, "1");
	expect_series(3, 3, "3");
}

static void test_bad_range(void **s)
{
	int out[4];

	assert_int_equal(series_large_stride(5, 4, out, 4), 0);
	assert_int_equal(series_large_stride(0, 8, out, 4), 0);
}

/* A short buffer is filled as far as it goes and the full count returned. */
static void test_short_buffer(void **s)
{
	int out[3] = { 0 }, n;

	n = series_large_stride(1, 128, out, 3);
	assert_int_equal(n, 10);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 4);
	assert_int_equal(out[2], 7);
	assert_int_equal(series_large_stride(1, 56, NULL, 0), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_table),
		cmocka_unit_test(test_min_above_one),
		cmocka_unit_test(test_bad_range),
		cmocka_unit_test(test_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
