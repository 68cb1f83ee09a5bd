/*
 * run_disturbed(): the one judgement of a disturbed iteration.  The start
 * skew limit is DISTURB_START_SKEW_PCT (1%) of the span: just under it is
 * not disturbed, just over it is, with a reason that gives both figures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "disturbed.h"

static int judge(int nclients, uint64_t span, uint64_t skew, json_t **reasons)
{
	struct iter_noise n = { .nclients = nclients, .span_ns = span, .start_skew_ns = skew };

	*reasons = json_array();
	return run_disturbed(&n, *reasons);
}

static void test_skew_under_limit(void **state)
{
	json_t *r;

	/* 9.9 us of a 1 ms span: 0.99% */
	assert_int_equal(judge(2, 1000000, 9900, &r), 0);
	assert_int_equal(json_array_size(r), 0);
	json_decref(r);
}

static void test_skew_over_limit(void **state)
{
	json_t *r;
	const char *s;

	/* 10.1 us of a 1 ms span: 1.01% */
	assert_int_equal(judge(2, 1000000, 10100, &r), 1);
	assert_int_equal(json_array_size(r), 1);
	s = json_string_value(json_array_get(r, 0));
	assert_non_null(s);
	assert_non_null(strstr(s, "start skew 10.1 us is 1.01% of the 1.000 ms span"));
	json_decref(r);
}

static void test_one_client_never(void **state)
{
	json_t *r;

	/* one client has no skew to judge, whatever the numbers say */
	assert_int_equal(judge(1, 1000000, 500000, &r), 0);
	json_decref(r);
	/* nor has a zero span (the iteration is invalid for that already) */
	assert_int_equal(judge(2, 0, 0, &r), 0);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skew_under_limit),
		cmocka_unit_test(test_skew_over_limit),
		cmocka_unit_test(test_one_client_never),
	};
	return cmocka_run_group_tests_name("disturbed", tests, NULL, NULL);
}
