/*
 * The runner's prefetcher API (prefetch.h) on a fake MSR tree of regular
 * files: a held change made with prefetch_set() goes back on prefetch_restore(),
 * on exit() (atexit) and on SIGTERM, and chains to a handler the runner had
 * installed; a hold toggled 100 times journals once; prefetch_state_json() and
 * prefetch_probe() report per CPU, or why not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "harness.h"
#include "prefetch.h"

#define NCPU 4
#define MSR 0x1a4
static const uint64_t start[NCPU] = { 0x0, 0x5, 0x8000000000000008ull, 0xf0 };
static char dir[] = "/tmp/mmscale-test-prefetch.XXXXXX";
static char datadir[4000];

static void path(char *buf, size_t n, int cpu)
{
	snprintf(buf, n, "%s/msr/%d/msr", dir, cpu);
}

static uint64_t get(int cpu)
{
	char p[4400];
	uint64_t v = 0;
	int fd;

	path(p, sizeof(p), cpu);
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &v, 8, MSR), 8);
	close(fd);
	return v;
}

static void put(int cpu, uint64_t v)
{
	char p[4400];
	int fd;

	path(p, sizeof(p), cpu);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096), 0);
	assert_int_equal(pwrite(fd, &v, 8, MSR), 8);
	close(fd);
}

static bool journal_exists(void)
{
	char p[4400];

	snprintf(p, sizeof(p), "%s/state/prefetch.json", dir);
	return access(p, F_OK) == 0;
}

static void mkdirf(const char *fmt, int arg)
{
	char p[4400], sub[64];

	snprintf(sub, sizeof(sub), fmt, arg);
	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	assert_true(mkdir(p, 0755) == 0);
}

static int setup(void **s)
{
	char p[4400], cwd[2048];
	FILE *f;

	if (!mkdtemp(dir))
		return -1;
	mkdirf("msr", 0);
	mkdirf("sys", 0);
	mkdirf("state", 0);
	snprintf(p, sizeof(p), "%s/sys/online", dir);
	f = fopen(p, "w");
	fprintf(f, "0-%d\n", NCPU - 1);
	fclose(f);
	for (int c = 0; c < NCPU; c++) {
		mkdirf("msr/%d", c);
		mkdirf("sys/cpu%d", c);
		mkdirf("sys/cpu%d/topology", c);
		snprintf(p, sizeof(p), "%s/sys/cpu%d/topology/thread_siblings_list", dir, c);
		f = fopen(p, "w");
		fprintf(f, "%d\n", c);
		fclose(f);
	}
	/* tests/data, from the source tree the tests run in */
	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	snprintf(datadir, sizeof(datadir), "%s/tests/data", cwd);
	snprintf(p, sizeof(p), "%s/msr", dir);
	setenv("MMSCALE_MSR_ROOT", p, 1);
	snprintf(p, sizeof(p), "%s/sys", dir);
	setenv("MMSCALE_SYSFS_CPU", p, 1);
	snprintf(p, sizeof(p), "%s/state", dir);
	setenv("MMSCALE_STATE_DIR", p, 1);
	snprintf(p, sizeof(p), "%s/none", dir);
	setenv("MMSCALE_LOCKDOWN", p, 1);
	return 0;
}

static int teardown(void **s)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

/* Fresh values and a Broadwell-EP cpuinfo before each test. */
static int fresh(void **s)
{
	char p[4400];

	for (int c = 0; c < NCPU; c++)
		put(c, start[c]);
	snprintf(p, sizeof(p), "%s/cpuinfo-broadwell-ep", datadir);
	setenv("MMSCALE_CPUINFO", p, 1);
	snprintf(p, sizeof(p), "%s/state/prefetch.json", dir);
	unlink(p);
	return 0;
}

static void expect_all(uint64_t set_bits)
{
	for (int c = 0; c < NCPU; c++)
		if (get(c) != (start[c] | set_bits))
			fail_msg("cpu%d: 0x%llx, want 0x%llx", c, (unsigned long long)get(c),
				 (unsigned long long)(start[c] | set_bits));
}

/* A B A B as a prefetch axis does it, then the run's end. */
static void test_set_and_restore(void **s)
{
	assert_int_equal(prefetch_set(PF_ADJACENT, false), 0);
	expect_all(2);
	assert_true(journal_exists());
	assert_int_equal(prefetch_set(PF_ADJACENT, true), 0);
	for (int c = 0; c < NCPU; c++)
		assert_int_equal(get(c), start[c] & ~2ull);
	assert_int_equal(prefetch_set(PF_ADJACENT, false), 0);
	expect_all(2);
	assert_int_equal(prefetch_restore(), 0);
	expect_all(0);
	assert_false(journal_exists());
}

/* exit() without prefetch_restore(): the atexit hook puts it back. */
static void test_exit_restores(void **s)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (prefetch_set(PF_ADJACENT | PF_L2, false) || get(1) != 0x7)
			_exit(9);
		exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	expect_all(0);
	assert_false(journal_exists());
}

/* SIGTERM with no handler of the runner's: restore, exit 128+15. */
static void test_sigterm_restores(void **s)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (prefetch_set(PF_ADJACENT, false) || get(0) != 0x2)
			_exit(9);
		kill(getpid(), SIGTERM);
		pause();
		_exit(8);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 128 + SIGTERM);
	expect_all(0);
	assert_false(journal_exists());
}

/* The runner's own SIGINT handler still runs, after the restore. */
static volatile sig_atomic_t runner_saw;
static void runner_handler(int sig)
{
	runner_saw = get(0) == start[0] ? sig : -1;	/* restored already? */
}

static void test_sigint_chains(void **s)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGINT, runner_handler);
		if (prefetch_set(PF_ADJACENT, false) || get(0) != 0x2)
			_exit(9);
		kill(getpid(), SIGINT);
		_exit(runner_saw == SIGINT ? 0 : 7);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	expect_all(0);
	assert_false(journal_exists());
}

/* A run's prefetch axis holds once and then only toggles: 100 toggles,
 * each written and read back on every CPU, and the journal written once
 * (same file, same inode: it is renamed into place on every write). */
static void test_hold_100_toggles(void **s)
{
	struct prefetch_hold *h;
	struct stat a, b;
	char p[4400];
	int w0 = prefetch_journal_writes();

	assert_int_equal(prefetch_hold(PF_ADJACENT, &h), 0);
	expect_all(0);		/* held, nothing written yet */
	assert_true(journal_exists());
	snprintf(p, sizeof(p), "%s/state/prefetch.json", dir);
	assert_int_equal(stat(p, &a), 0);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(prefetch_toggle(h, i % 2), 0);
		expect_all(i % 2 ? 0 : 2);
	}
	assert_int_equal(stat(p, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(prefetch_journal_writes() - w0, 1);
	assert_int_equal(prefetch_release(h), 0);
	expect_all(0);
	assert_false(journal_exists());
}

/* A hold's restore is machstate's: SIGTERM restores and exits 128+15 with
 * no handler of prefetch.c's own installed. */
static void test_hold_sigterm(void **s)
{
	struct prefetch_hold *h;
	struct sigaction cur;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (prefetch_hold(PF_ADJACENT, &h) || prefetch_toggle(h, false) || get(0) != 0x2)
			_exit(9);
		if (prefetch_toggle(h, true) || get(0) != 0 || prefetch_toggle(h, false))
			_exit(10);
		sigaction(SIGTERM, NULL, &cur);
		if (cur.sa_handler == SIG_DFL)
			_exit(11);	/* someone must own it */
		kill(getpid(), SIGTERM);
		pause();
		_exit(8);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 128 + SIGTERM);
	expect_all(0);
	assert_false(journal_exists());
}

static void test_state_json(void **s)
{
	json_t *o = prefetch_state_json(), *c;

	assert_non_null(o);
	assert_null(json_object_get(o, "unavailable"));
	assert_int_equal(json_integer_value(json_object_get(o, "model")), 79);
	assert_string_equal(json_string_value(json_object_get(o, "msr")), "0x1a4");
	assert_int_equal(json_array_size(json_object_get(o, "cpus")), NCPU);
	c = json_array_get(json_object_get(o, "cpus"), 1);	/* 0x5: l2 and dcu off */
	assert_string_equal(json_string_value(json_object_get(c, "raw")), "0x0000000000000005");
	assert_string_equal(json_string_value(json_object_get(c, "l2")), "off");
	assert_string_equal(json_string_value(json_object_get(c, "adjacent")), "on");
	assert_string_equal(json_string_value(json_object_get(c, "dcu")), "off");
	assert_string_equal(json_string_value(json_object_get(c, "dcu-ip")), "on");
	json_decref(o);
}

static void test_state_json_unavailable(void **s)
{
	char saved[4400], p[4400];
	json_t *o;

	snprintf(saved, sizeof(saved), "%s", getenv("MMSCALE_MSR_ROOT"));
	snprintf(p, sizeof(p), "%s/no-msr", dir);
	setenv("MMSCALE_MSR_ROOT", p, 1);
	o = prefetch_state_json();
	setenv("MMSCALE_MSR_ROOT", saved, 1);
	assert_non_null(json_object_get(o, "unavailable"));
	assert_non_null(strstr(json_string_value(json_object_get(o, "unavailable")), "modprobe msr"));
	json_decref(o);
}

static void test_probe(void **s)
{
	char why[512] = "", p[4400];

	assert_int_equal(prefetch_probe(PF_ADJACENT, why, sizeof(why)), 0);
	snprintf(p, sizeof(p), "%s/cpuinfo-amd-epyc", datadir);
	setenv("MMSCALE_CPUINFO", p, 1);
	assert_int_equal(prefetch_probe(PF_ADJACENT, why, sizeof(why)), EXIT_UNSUPP);
	assert_int_equal(strncmp(why, "unsupported: ", 13), 0);
	assert_int_equal(prefetch_set(PF_ADJACENT, false), EXIT_UNSUPP);
	expect_all(0);
	snprintf(p, sizeof(p), "%s/cpuinfo-goldmont", datadir);
	setenv("MMSCALE_CPUINFO", p, 1);
	assert_int_equal(prefetch_probe(PF_ADJACENT, why, sizeof(why)), EXIT_UNSUPP);
	assert_non_null(strstr(why, "reserved"));
	assert_int_equal(prefetch_probe(PF_L2 | PF_DCU, why, sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_set_and_restore, fresh),
		cmocka_unit_test_setup(test_exit_restores, fresh),
		cmocka_unit_test_setup(test_sigterm_restores, fresh),
		cmocka_unit_test_setup(test_sigint_chains, fresh),
		cmocka_unit_test_setup(test_hold_100_toggles, fresh),
		cmocka_unit_test_setup(test_hold_sigterm, fresh),
		cmocka_unit_test_setup(test_state_json, fresh),
		cmocka_unit_test_setup(test_state_json_unavailable, fresh),
		cmocka_unit_test_setup(test_probe, fresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
