/*
 * Placement plans on hwloc synthetic topologies.  The expected orders are
 * written from the policy definitions (placement.h), not from the code:
 * in "pack:2 core:14 pu:2" core k holds PUs 2k and 2k+1, package p cores
 * 14p..14p+13.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "placement.h"

static const int counts[] = { 1, 4, 7, 12, 21, 30, 48, 56 };

static int expect_cores56(int i)
{
	return i < 28 ? 2 * i : 2 * (i - 28) + 1;
}

static int expect_spread56(int i)
{
	int pkg = i % 2, k = i / 2;

	return k < 14 ? 28 * pkg + 2 * k : 28 * pkg + 2 * (k - 14) + 1;
}

static void check_policy(const char *synth, enum placement p, int (*expect)(int))
{
	hwloc_topology_t t = placement_topology(synth);
	int cpus[64];

	assert_non_null(t);
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		int n = counts[c];

		if (n > placement_ncpus(t))
			break;
		assert_int_equal(placement_plan(t, p, n, cpus), 0);
		for (int i = 0; i < n; i++) {
			if (cpus[i] != expect(i))
				fail_msg("%s %s n=%d client %d: cpu %d, want %d", synth,
					 placement_names[p], n, i, cpus[i], expect(i));
		}
	}
	hwloc_topology_destroy(t);
}

static int ident(int i) { return i; }
static int unpinned(int i) { (void)i; return -1; }

static void test_cores_56(void **s) { check_policy("pack:2 core:14 pu:2", PLACE_CORES, expect_cores56); }
static void test_pus_56(void **s) { check_policy("pack:2 core:14 pu:2", PLACE_PUS, ident); }
static void test_spread_56(void **s) { check_policy("pack:2 core:14 pu:2", PLACE_SPREAD, expect_spread56); }
static void test_none_56(void **s) { check_policy("pack:2 core:14 pu:2", PLACE_NONE, unpinned); }

/* one node, two cores, one PU each: every policy is 0, 1 */
static void test_two_cores(void **s)
{
	check_policy("numa:1 core:2 pu:1", PLACE_CORES, ident);
	check_policy("numa:1 core:2 pu:1", PLACE_PUS, ident);
	check_policy("numa:1 core:2 pu:1", PLACE_SPREAD, ident);
}

/* spread across NUMA nodes when there is one package */
static int expect_numa2(int i)
{
	return (i % 2) * 4 + i / 2;	/* node d holds cores 4d..4d+3 */
}

static void test_spread_numa(void **s) { check_policy("pack:1 numa:2 core:4 pu:1", PLACE_SPREAD, expect_numa2); }

static void test_oversubscribed_wraps(void **s)
{
	hwloc_topology_t t = placement_topology("numa:1 core:2 pu:1");
	int cpus[5];

	placement_plan(t, PLACE_CORES, 5, cpus);
	assert_int_equal(cpus[2], 0);
	assert_int_equal(cpus[4], 0);
	assert_int_equal(cpus[3], 1);
	hwloc_topology_destroy(t);
}

static void test_bad_synthetic(void **s)
{
	assert_null(placement_topology("pack:two"));
}

static void test_1024(void **s)
{
	hwloc_topology_t t = placement_topology("pack:8 numa:2 core:32 pu:2");
	int cpus[1024];

	assert_int_equal(placement_ncpus(t), 1024);
	placement_plan(t, PLACE_SPREAD, 1024, cpus);
	/* a permutation: every PU exactly once */
	char seen[1024] = { 0 };
	for (int i = 0; i < 1024; i++) {
		assert_in_range(cpus[i], 0, 1023);
		assert_int_equal(seen[cpus[i]]++, 0);
	}
	assert_int_equal(cpus[1], 128);	/* second client on the second package */
	hwloc_topology_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cores_56),
		cmocka_unit_test(test_pus_56),
		cmocka_unit_test(test_spread_56),
		cmocka_unit_test(test_none_56),
		cmocka_unit_test(test_two_cores),
		cmocka_unit_test(test_spread_numa),
		cmocka_unit_test(test_oversubscribed_wraps),
		cmocka_unit_test(test_bad_synthetic),
		cmocka_unit_test(test_1024),
	};
	return cmocka_run_group_tests_name("placement", tests, NULL, NULL);
}
