/*
 * plot_trend with real gnuplot: 60 nights, a baseline band, night 50 flagged;
 * the PNG has the promised size, the data and the script stay beside it,
 * and the flagged-regression marker is drawn only when a night is flagged;
 * dates on the x axis, SI-prefixed ticks, a kernel change marked and named.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"
#include "plot.h"

static char dir[] = "/tmp/mmscale-plot.XXXXXX";

static int setup(void **s)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **s)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return getenv("KEEP_TMP") ? 0 : system(cmd) ? -1 : 0;
}

/* PNG: 8-byte signature, then the IHDR chunk: width and height big-endian */
static void png_size(const char *path, unsigned *w, unsigned *h)
{
	unsigned char b[24];
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(fread(b, 1, sizeof(b), f), sizeof(b));
	fclose(f);
	assert_memory_equal(b, "\x89PNG\r\n\x1a\n", 8);
	assert_memory_equal(b + 12, "IHDR", 4);
	*w = (unsigned)b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19];
	*h = (unsigned)b[20] << 24 | b[21] << 16 | b[22] << 8 | b[23];
}

static bool file_has(const char *path, const char *needle)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

static void have_gnuplot(void)
{
	char why[128];

	if (plot_available(why, sizeof(why))) {
		print_message("# SKIP: %s\n", why);
		skip();
	}
}

#define DAY0 1767225600	/* 2026-01-01 00:00 UTC */

static void test_trend(void **s)
{
	struct trend_night nt[60];
	int rows = 0, flagged = -1;
	char p[256], line[256];
	unsigned w, h;
	FILE *f;

	have_gnuplot();
	for (int i = 0; i < 60; i++)
		nt[i] = (struct trend_night){ .time = DAY0 + i * 86400LL,
			.value = 1e6 * (i >= 49 ? 0.92 : 1.0) * (1 + 0.01 * ((i * 7) % 5 - 2)),
			.band_lo = 0.98e6, .band_hi = 1.02e6, .flagged = i == 49,
			.kernel = i < 30 ? "6.17.0" : "6.18.0", .label = "night" };
	assert_int_equal(plot_trend(dir, &(struct trend){ .metric = "faults/sec-2",
		.band = "baseline band: the 7 nights before", .n = 60, .nights = nt }), 0);
	snprintf(p, sizeof(p), "%s/trend-faults-sec-2.png", dir);
	png_size(p, &w, &h);
	assert_int_equal(w, PLOT_WIDTH);
	assert_int_equal(h, PLOT_HEIGHT);
	snprintf(p, sizeof(p), "%s/trend-faults-sec-2.svg", dir);
	assert_true(file_has(p, "<svg"));
	snprintf(p, sizeof(p), "%s/trend-faults-sec-2.gp", dir);
	assert_true(file_has(p, "flagged regression"));
	assert_true(file_has(p, "baseline band: the 7 nights before"));
	/* dates, not night numbers; ticks 900k, 1M, not 1e+06 */
	assert_true(file_has(p, "set xdata time"));
	assert_true(file_has(p, "set format x '%Y-%m-%d'"));
	assert_true(file_has(p, "'1M' 1000000"));
	assert_true(file_has(p, "'900k' 900000"));
	assert_false(file_has(p, "e+0"));
	/* the kernel change between nights 30 and 31, half-way, named */
	snprintf(line, sizeof(line), "set arrow from '%lld', graph 0", DAY0 + 29 * 86400LL + 43200);
	assert_true(file_has(p, line));
	assert_true(file_has(p, "'6.18.0' at"));
	assert_true(file_has(p, "title 'kernel change'"));
	snprintf(p, sizeof(p), "%s/trend-faults-sec-2.dat", dir);
	f = fopen(p, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		double nx, nv, nl, nh;
		int fl;

		if (line[0] == '#')
			continue;
		assert_int_equal(sscanf(line, "%lf %lf %lf %lf %d", &nx, &nv, &nl, &nh, &fl), 5);
		rows++;
		if (fl) {
			flagged = rows;
			/* the night column: days before the judged (last) night */
			assert_true(nx == -10);
		}
	}
	fclose(f);
	assert_int_equal(rows, 60);
	assert_int_equal(flagged, 50);
}

/* No band, no flags, one kernel: none of them is drawn, and the picture
 * still is. */
static void test_trend_plain(void **s)
{
	struct trend_night nt[3];
	char p[256];
	unsigned w, h;

	have_gnuplot();
	for (int i = 0; i < 3; i++)
		nt[i] = (struct trend_night){ .time = DAY0 + i * 600, .value = 5 + i,
					      .band_lo = NAN, .band_hi = NAN, .kernel = "6.18.0" };
	assert_int_equal(plot_trend(dir, &(struct trend){ .metric = "ops/sec-1", .n = 3,
							  .nights = nt }), 0);
	snprintf(p, sizeof(p), "%s/trend-ops-sec-1.gp", dir);
	assert_false(file_has(p, "flagged regression"));
	assert_false(file_has(p, "baseline band"));
	assert_false(file_has(p, "kernel change"));
	/* twenty minutes of nights: the time of day */
	assert_true(file_has(p, "set format x '%H:%M:%S'"));
	snprintf(p, sizeof(p), "%s/trend-ops-sec-1.png", dir);
	png_size(p, &w, &h);
	assert_int_equal(w, PLOT_WIDTH);
	assert_int_equal(plot_trend(dir, &(struct trend){ .metric = "ops/sec-1", .n = 0,
							  .nights = nt }), EXIT_USAGE);
}

/* In a child: $MMSCALE_GNUPLOT pointing nowhere is a missing gnuplot. */
static void test_no_gnuplot(void **s)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct trend_night nt = { .time = DAY0, .value = 1, .band_lo = NAN, .band_hi = NAN };
		char why[128];

		setenv("MMSCALE_GNUPLOT", "/nonexistent/gnuplot", 1);
		if (plot_available(why, sizeof(why)) != EXIT_UNSUPP ||
		    strcmp(why, "unavailable: gnuplot not found (apt-get install gnuplot-nox)"))
			_exit(1);
		_exit(plot_trend(dir, &(struct trend){ .metric = "m", .n = 1, .nights = &nt }) ==
		      EXIT_UNSUPP ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_slug(void **s)
{
	char b[64];

	plot_slug("faults/sec", b, sizeof(b));
	assert_string_equal(b, "faults-sec");
	plot_slug("pft mode=threads layout=shared", b, sizeof(b));
	assert_string_equal(b, "pft-mode-threads-layout-shared");
	plot_slug("a//b  c/", b, sizeof(b));
	assert_string_equal(b, "a-b-c");
	plot_slug("x'y\"z", b, 4);
	assert_string_equal(b, "x-y");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trend),
		cmocka_unit_test(test_trend_plain),
		cmocka_unit_test(test_no_gnuplot),
		cmocka_unit_test(test_slug),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
