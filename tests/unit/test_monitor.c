/*
 * The monitors on this machine's real /proc: sampled every 0.1 s for about
 * 0.65 s into a directory, one line per sample in each file (the count is
 * the elapsed time over the interval, plus the first and the last), the
 * summary's deltas from the first and last samples, mpstat's shares adding
 * up to 100%, turbostat unavailable with why where it cannot run.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"
#include "monitor.h"

static char dir[] = "/tmp/mmscale-monitor.XXXXXX";

static int setup(void **s)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **s)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

static int lines(const char *name)
{
	char p[256], buf[1 << 16];
	int n = 0;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "r");
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f))
		n += strchr(buf, '\n') != NULL;
	fclose(f);
	return n;
}

static void test_parse(void **s)
{
	unsigned mask;
	char why[128];

	assert_int_equal(monitor_parse("vmstat, mpstat", &mask, why, sizeof(why)), 0);
	assert_int_equal(mask, 1u << MON_VMSTAT | 1u << MON_MPSTAT);
	assert_int_equal(monitor_parse("vmstat,bogus", &mask, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "'bogus' is not a monitor"));
}

static void test_sample(void **s)
{
	unsigned mask = 1u << MON_VMSTAT | 1u << MON_MPSTAT | 1u << MON_INTERRUPTS |
			1u << MON_TURBOSTAT;
	struct timespec ts = { 0, 650 * 1000 * 1000 };
	struct monitor *m = monitor_start(mask, 0.1, dir, 0);
	json_t *acc = NULL, *v, *pct;
	double secs, sum = 0;
	int n, want;
	const char *k;

	assert_non_null(m);
	/* a little work, so that counters move */
	for (volatile long i = 0; i < 20000000; i++)
		;
	nanosleep(&ts, NULL);
	monitor_stop(m, &acc);
	v = json_object_get(acc, "vmstat");
	assert_true(json_is_object(v));
	n = (int)json_integer_value(json_object_get(v, "samples"));
	secs = json_number_value(json_object_get(v, "seconds"));
	want = (int)floor(secs / 0.1);
	print_message("# %d samples in %.3f s at 0.1 s\n", n, secs);
	/* the first, one per interval, the last (a tick at the stop may go) */
	assert_in_range(n, want, want + 2);
	assert_int_equal(lines("monitor-vmstat.jsonl"), n);
	assert_int_equal(lines("monitor-mpstat.jsonl"), n);
	assert_int_equal(lines("monitor-interrupts.jsonl"), n);
	/* time passed: the CPUs' jiffies moved and the shares add up */
	pct = json_object_get(json_object_get(json_object_get(json_object_get(acc, "mpstat"), "delta"),
					      "pct"), "all");
	assert_true(json_is_object(pct));
	json_object_foreach(pct, k, v)
		sum += json_number_value(v);
	assert_true(fabs(sum - 100) < 0.01);
	assert_true(json_integer_value(json_object_get(json_object_get(json_object_get(acc,
		"interrupts"), "delta"), "LOC")) > 0 ||
		json_object_size(json_object_get(json_object_get(acc, "interrupts"), "delta")) > 0);
	/* turbostat: data where it runs, else why not */
	v = json_object_get(acc, "turbostat");
	if (json_is_string(v))
		assert_non_null(strstr(json_string_value(v), "unavailable: turbostat"));
	else
		assert_true(json_is_object(v));
	json_decref(acc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_sample),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
