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

static int judge_noise(const struct iter_noise *n, json_t **reasons)
{
	*reasons = json_array();
	return run_disturbed(n, *reasons);
}

/* steal: DISTURB_STEAL_PCT (1%) of the clients' CPU time over the span */
static void test_steal(void **state)
{
	struct iter_noise n = { .nclients = 2, .span_ns = 1000000000, .steal_cpus = 2,
				.steal_ns = 20000000 };	/* 20 ms of 2 CPU-seconds: 1% */
	json_t *r;

	assert_int_equal(judge_noise(&n, &r), 0);
	json_decref(r);
	n.steal_ns = 30000000;	/* 1.5% */
	assert_int_equal(judge_noise(&n, &r), 1);
	assert_non_null(strstr(json_string_value(json_array_get(r, 0)),
			       "steal 30.0 ms is 1.5% of the clients' CPU time"));
	json_decref(r);
	n.steal_cpus = 0;	/* not read: nothing judged */
	assert_int_equal(judge_noise(&n, &r), 0);
	json_decref(r);
}

/* involuntary switches: DISTURB_NIVCSW_FREE + DISTURB_NIVCSW_PER_S * s per client */
static void test_nivcsw(void **state)
{
	struct iter_noise n = { .nclients = 2, .span_ns = 500000000, .nivcsw = 24 };
	json_t *r;

	/* limit 2 * (2 + 20 * 0.5) = 24 */
	assert_int_equal(judge_noise(&n, &r), 0);
	json_decref(r);
	n.nivcsw = 25;
	assert_int_equal(judge_noise(&n, &r), 1);
	assert_non_null(strstr(json_string_value(json_array_get(r, 0)),
			       "involuntary context switches 25 in 0.500 s (limit 24"));
	json_decref(r);
}

/* a migrated client, and several causes at once: a reason each */
static void test_migrations_and_several(void **state)
{
	struct iter_noise n = { .nclients = 2, .span_ns = 1000000, .start_skew_ns = 20000,
				.migrations = 1, .nivcsw = 100 };
	json_t *r;

	assert_int_equal(judge_noise(&n, &r), 3);
	assert_int_equal(json_array_size(r), 3);
	assert_non_null(strstr(json_string_value(json_array_get(r, 2)),
			       "migrated: 1 client(s) ran off their planned CPU"));
	json_decref(r);
}

/* cpu frequency: the clients' CPUs DISTURB_FREQ_PCT (10%) of the highest apart */
static void test_freq(void **state)
{
	struct iter_noise n = { .nclients = 2, .span_ns = 1000000000,
				.freq_min_khz = 1890000, .freq_max_khz = 2100000 };	/* 10% */
	json_t *r;

	assert_int_equal(judge_noise(&n, &r), 0);
	json_decref(r);
	n.freq_min_khz = 1800000;	/* 14.3% */
	assert_int_equal(judge_noise(&n, &r), 1);
	assert_non_null(strstr(json_string_value(json_array_get(r, 0)),
			       "cpu frequency 1.80-2.10 GHz: 14.3% apart on the clients' CPUs (limit 10%)"));
	json_decref(r);
	n.freq_min_khz = n.freq_max_khz = 0;	/* no cpufreq: nothing judged */
	assert_int_equal(judge_noise(&n, &r), 0);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skew_under_limit),
		cmocka_unit_test(test_skew_over_limit),
		cmocka_unit_test(test_one_client_never),
		cmocka_unit_test(test_steal),
		cmocka_unit_test(test_nivcsw),
		cmocka_unit_test(test_migrations_and_several),
		cmocka_unit_test(test_freq),
	};
	return cmocka_run_group_tests_name("disturbed", tests, NULL, NULL);
}
