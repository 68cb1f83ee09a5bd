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
			      .elapsed = 41, .eta = 76, .headline = "ops/sec 101.9M", .width = 200 };
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
		cmocka_unit_test(test_eta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
