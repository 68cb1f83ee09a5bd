/* Sizes and option values: what users type, what is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include "options.h"

static void test_sizes(void **s)
{
	uint64_t v;

	assert_int_equal(parse_size("64M", &v), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(parse_size("1g", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("512KB", &v), 0);
	assert_int_equal(v, 512 << 10);
	assert_int_equal(parse_size("1.5K", &v), 0);
	assert_int_equal(v, 1536);
	assert_int_equal(parse_size("20%", &v), 0);
	assert_true(v > 0 && v <= mem_total_bytes() / 5 + 1 && v + 1 >= mem_total_bytes() / 5);
}

static void test_bad_sizes(void **s)
{
	const char *bad[] = { "0", "-1", "-5M", "abc", "", "12Q", "101%", "M", "1e30", "0.1", " 5" };
	uint64_t v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_size(bad[i], &v) == 0)
			fail_msg("'%s' was accepted as %llu", bad[i], (unsigned long long)v);
}

struct o { long n; int e; double d; bool b; };
static const struct opt tab[] = {
	{ "n", 0, OPT_INT, OPT_OFF(struct o, n), "3", NULL, 0, 10, "" },
	{ "e", 0, OPT_ENUM, OPT_OFF(struct o, e), "b", "a|b|c", 0, 0, "" },
	{ "d", 0, OPT_DOUBLE, OPT_OFF(struct o, d), "0.5", NULL, 0, 1, "" },
	{ "b", 0, OPT_BOOL, OPT_OFF(struct o, b), NULL, NULL, 0, 0, "" },
	{ 0 }
};

static void test_table(void **s)
{
	struct o o = { 0 };
	char buf[8];

	assert_int_equal(opt_defaults(tab, &o), 0);
	assert_int_equal(o.n, 3);
	assert_int_equal(o.e, 1);
	assert_string_equal(opt_enum_name(&tab[1], o.e, buf, sizeof(buf)), "b");
	assert_int_equal(opt_set(&tab[0], &o, "11"), EXIT_USAGE);
	assert_int_equal(opt_set(&tab[0], &o, "-1"), EXIT_USAGE);
	assert_int_equal(opt_set(&tab[0], &o, "7x"), EXIT_USAGE);
	assert_int_equal(opt_set(&tab[1], &o, "d"), EXIT_USAGE);
	assert_int_equal(opt_set(&tab[2], &o, "nan"), EXIT_USAGE);
	assert_int_equal(opt_set(&tab[3], &o, NULL), 0);
	assert_true(o.b);
	assert_int_equal(o.n, 3);	/* refused values change nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
