/*
 * The progress line: the bar and percentage of the run's invocations, the
 * warm-up marked and not counted, an ETA on the first iteration from the
 * plan, then from the measured pace, and a cut at the terminal's width that
 * keeps the numbers.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "progress.h"

static void test_line(void **s)
{
	struct progress p = { .point = 4, .npoints = 6, .id = "p003",
			      .group = "vmalock mode=threads layout=inline64", .clients = 2,
			      .iteration = 1, .warmup = 1, .iterations = 5, .done = 7, .total = 20,
			      .elapsed = 41, .eta = 76, .headline = "ops/sec 101.9M", .width = 200,
			      .precision = NAN };
	char b[256];

	progress_format(&p, b, sizeof(b));
	assert_string_equal(b, "[###.......]  35%  p003 4/6 clients=2  warm-up 1/1  "
			    "elapsed 0:41  ETA 1:16  ops/sec 101.9M  vmalock mode=threads layout=inline64");
	p.iteration = 4;
	p.eta = NAN;
	p.headline = NULL;
	progress_format(&p, b, sizeof(b));
	assert_non_null(strstr(b, "  iter 3/5  elapsed 0:41  ETA ?  vmalock"));
	p.width = 72;	/* the group is cut, the numbers stay */
	progress_format(&p, b, sizeof(b));
	assert_int_equal(strlen(b), 71);
	assert_non_null(strstr(b, "ETA ?"));
	p.done = p.total = 20;
	progress_format(&p, b, sizeof(b));
	assert_non_null(strstr(b, "[##########] 100%"));
}

/* The precision so far: against an adaptive point's target, alone for a
 * fixed one, "?" before an adaptive point has 2 samples; cut by columns
 * (the ± is two bytes, one column). */
static void test_precision(void **s)
{
	struct progress p = { .point = 1, .npoints = 2, .id = "p000", .group = "pft mode=threads",
			      .clients = 1, .iteration = 5, .warmup = 1, .iterations = 30, .done = 4,
			      .total = 60, .elapsed = 3, .eta = 42, .width = 200,
			      .precision = 0.031, .target = 0.02 };
	char b[256];

	progress_precision(&p, b, sizeof(b));
	assert_string_equal(b, "\u00b13.1%/2%");
	progress_format(&p, b, sizeof(b));
	assert_non_null(strstr(b, "  iter 4/30 \u00b13.1%/2%  elapsed 0:03  ETA 0:42  pft"));
	p.precision = 0.1234;		/* two digits from 10% on */
	p.target = 0.005;
	progress_precision(&p, b, sizeof(b));
	assert_string_equal(b, "\u00b112%/0.5%");
	p.precision = 0.0042;		/* below 1%: two decimals */
	p.target = 0;			/* fixed: the precision alone */
	progress_precision(&p, b, sizeof(b));
	assert_string_equal(b, "\u00b10.42%");
	p.precision = NAN;		/* fixed, fewer than 2 samples: nothing */
	progress_precision(&p, b, sizeof(b));
	assert_string_equal(b, "");
	progress_format(&p, b, sizeof(b));
	assert_non_null(strstr(b, "  iter 4/30  elapsed"));
	p.target = 0.02;		/* adaptive, not yet: the target with a ? */
	progress_precision(&p, b, sizeof(b));
	assert_string_equal(b, "\u00b1?/2%");
	p.iteration = 1;		/* a warm-up has no precision */
	p.precision = 0.031;
	progress_format(&p, b, sizeof(b));
	assert_null(strstr(b, "\u00b1"));
	/* 60 columns: 59 characters, 60 bytes with the ± */
	p.iteration = 5;
	p.width = 60;
	progress_format(&p, b, sizeof(b));
	assert_int_equal(strlen(b), 60);
	assert_non_null(strstr(b, "iter 4/30 \u00b13.1%/2%  "));
}

static void test_eta(void **s)
{
	char b[32];

	/* nothing done: the plan's 1.2 s per iteration for 30 left */
	assert_true(fabs(progress_eta(0, 0, 30, 1.2) - 36) < 1e-9);
	assert_true(isnan(progress_eta(0, 0, 30, NAN)));
	/* then the measured pace: 10 in 20 s, 20 left: 40 s */
	assert_true(fabs(progress_eta(20, 10, 30, 1.2) - 40) < 1e-9);
	assert_true(progress_eta(20, 30, 30, 1.2) == 0);
	progress_time(3723, b, sizeof(b));
	assert_string_equal(b, "1:02:03");
	progress_time(65, b, sizeof(b));
	assert_string_equal(b, "1:05");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_precision),
		cmocka_unit_test(test_eta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
