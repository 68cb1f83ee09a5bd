/*
 * perf integration: the parsers on captured perf 6.1 output (tests/data/
 * perf-*), and a real pft point with a noise thread run under perf_wrap
 * and read back with perf_collect.
 */
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
#include "perf.h"

static FILE *data(const char *name)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "tests/data/%s", name);
	f = fopen(p, "r");
	if (!f)
		fail_msg("%s: cannot open (run from the source tree)", p);
	return f;
}

static json_t *jsonl(FILE *f)
{
	json_t *a = json_array();
	char line[65536];

	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);

		if (j)
			json_array_append_new(a, j);
	}
	return a;
}

static double num(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(o, a), b);

	if (!v)
		fail_msg("no %s.%s", a, b);
	return json_number_value(v);
}

static void test_stat_vm(void **s)
{
	FILE *f = data("perf-stat-vm.csv");
	json_t *c = perf_parse_stat(f);

	fclose(f);
	assert_float_equal(num(c, "task-clock", "value"), 156.22, 1e-9);
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "task-clock"), "unit")), "msec");
	assert_float_equal(num(c, "page-faults", "value"), 49498, 0);
	assert_float_equal(num(c, "exceptions:page_fault_user", "value"), 49494, 0);
	assert_float_equal(num(c, "mmap_lock:mmap_lock_start_locking", "value"), 26131, 0);
	assert_string_equal(json_string_value(json_object_get(c, "cycles")),
			    "unavailable: <not supported>");
	assert_string_equal(json_string_value(json_object_get(c, "LLC-loads")),
			    "unavailable: <not supported>");
	json_decref(c);
}

static void test_stat_pmu(void **s)
{
	FILE *f = data("perf-stat-pmu.csv");
	json_t *c = perf_parse_stat(f);

	fclose(f);
	assert_float_equal(num(c, "cycles", "value"), 4123456789.0, 0);
	assert_float_equal(num(c, "cycles", "running_pct"), 71.40, 1e-9);
	assert_float_equal(num(c, "instructions", "value"), 2987654321.0, 0);
	assert_float_equal(num(c, "cache-misses", "value"), 12345678, 0);
	assert_string_equal(json_string_value(json_object_get(c, "LLC-loads")),
			    "unavailable: <not counted>");
	assert_int_equal(json_object_size(c), 8);
	json_decref(c);
}

/* Unprivileged, perf counts user space only and names events "x:u"; a
 * tracepoint's own ':' is not a modifier. */
static void test_stat_user(void **s)
{
	static char txt[] = "# started on ...\n\n"
		"306.08,msec,task-clock:u,306079640,100.00,0.960,CPUs utilized\n"
		"49472,,page-faults:u,306079640,100.00,161.631,K/sec\n"
		"5,,mmap_lock:mmap_lock_start_locking,1,100.00,,\n";
	FILE *f = fmemopen(txt, sizeof(txt) - 1, "r");
	json_t *c = perf_parse_stat(f);

	fclose(f);
	assert_float_equal(num(c, "page-faults", "value"), 49472, 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "task-clock"),
							      "scope")), "user space only");
	assert_float_equal(num(c, "mmap_lock:mmap_lock_start_locking", "value"), 5, 0);
	assert_null(json_object_get(json_object_get(c, "mmap_lock:mmap_lock_start_locking"), "scope"));
	json_decref(c);
}

/* perf report of a pft run with one noise thread, split by the tids the
 * workload printed: the numbers are the captured file's, added by hand. */
static void test_threads(void **s)
{
	FILE *f = data("perf-threads-noise.txt");
	json_t *t = perf_parse_threads(f), *lines, *att, *cl, *no;

	fclose(f);
	assert_non_null(json_object_get(t, "page-faults"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		json_object_get(t, "mmap_lock:mmap_lock_start_locking"), "12773"), "period")), 9547);
	f = data("perf-samples-noise.jsonl");
	lines = jsonl(f);
	fclose(f);
	assert_int_equal(json_array_size(lines), 3);
	att = perf_attribute(t, lines);
	cl = json_object_get(att, "clients");
	no = json_object_get(att, "noise");
	assert_non_null(cl);
	assert_non_null(no);
	assert_int_equal(json_integer_value(json_object_get(cl, "threads")), 6);
	assert_int_equal(json_integer_value(json_object_get(cl, "mmap_lock")), 3 + 3 + 2 + 2 + 2 + 2);
	assert_int_equal(json_integer_value(json_object_get(cl, "page_faults")),
			 8192 * 4 + 8176 * 2);
	assert_float_equal(num(att, "clients", "mmap_lock_per_1000_faults"),
			   14 * 1000.0 / (8192 * 4 + 8176 * 2), 1e-9);
	assert_int_equal(json_integer_value(json_object_get(no, "threads")), 3);
	assert_int_equal(json_integer_value(json_object_get(no, "mmap_lock")), 6457 + 9547 + 9820);
	/* the workload's main thread and perf itself stay apart */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(att, "other"), "mmap_lock")), 303);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(att, "perf"), "mmap_lock")), 235);
	json_decref(att);
	json_decref(lines);
	json_decref(t);
}

/* Samples perf lost under load belong to no thread: the split says so. */
static void test_lost(void **s)
{
	static char txt[] = "# Total Lost Samples: 4887\n#\n"
		"# Samples: 97K of event 'mmap_lock:mmap_lock_start_locking'\n"
		"            5             5     2415:pft    \n";
	FILE *f = fmemopen(txt, sizeof(txt) - 1, "r");
	json_t *t = perf_parse_threads(f), *att;

	fclose(f);
	assert_int_equal(json_integer_value(json_object_get(t, "lost_samples")), 4887);
	att = perf_attribute(t, NULL);
	assert_int_equal(json_integer_value(json_object_get(att, "lost_samples")), 4887);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(att, "other"), "mmap_lock")), 5);
	json_decref(att);
	json_decref(t);
}

/* Without perf, nothing is wrapped and the reason is recorded.  In a child:
 * perf_probe() caches its answer for the life of the process. */
static void test_no_perf(void **s)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "true", NULL };
		struct perf_req rq = { .stat = true };
		json_t *p;

		setenv("MMSCALE_PERF", "/nonexistent/perf", 1);
		if (perf_wrap(&rq, argv, "/tmp") != argv)
			_exit(1);
		p = perf_probe();
		if (strcmp(json_string_value(json_object_get(p, "perf")),
			   "unavailable: perf not found (apt-get install linux-perf)"))
			_exit(2);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_nothing_requested(void **s)
{
	char *argv[] = { "true", NULL };
	struct perf_req rq = { 0 };

	assert_ptr_equal(perf_wrap(&rq, argv, "/tmp"), argv);
	assert_null(perf_collect(&rq, "/tmp", NULL));
}

/* Run argv with stdout into a JSON array of its lines; returns exit status. */
static int run_lines(char **argv, json_t **lines)
{
	int fd[2], st;
	pid_t pid;
	FILE *f;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	*lines = jsonl(f);
	fclose(f);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* CONFIG_PER_VMA_LOCK=y in the running kernel's config, where readable */
static bool kernel_has_per_vma_lock(void)
{
	FILE *f = popen("{ zcat /proc/config.gz || cat /boot/config-$(uname -r); } 2>/dev/null", "r");
	char line[256];
	bool y = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		y |= !strcmp(line, "CONFIG_PER_VMA_LOCK=y\n");
	pclose(f);
	return y;
}

/*
 * A real point: pft, 2 fault clients and 1 noise thread, under perf stat and
 * the per-thread sampling.  The counters must be real (non-zero faults and
 * CPU time), the noise thread's mmap_lock acquisitions non-zero and kept apart
 * from the clients' per-1000-faults figure.
 */
static void test_real_pft(void **s)
{
	const char *bin = getenv("MMSCALE_BIN");
	char pft[512], dir[] = "/tmp/mmscale-perf.XXXXXX";
	char *argv[] = { pft, "-t", "2", "-m", "64M", "-i", "2", "-w", "0",
			 "--mmap-noise", "1", NULL };
	struct perf_req rq = { .stat = true };
	json_t *probe = perf_probe(), *lines = NULL, *o, *cl, *no;
	char **w;
	double per1000;

	snprintf(pft, sizeof(pft), "%s/pft", bin ? bin : "build/bin");
	if (access(pft, X_OK))
		skip();
	if (strcmp(json_string_value(json_object_get(probe, "perf")), "ok") ||
	    strcmp(json_string_value(json_object_get(probe, "tracepoints")), "ok")) {
		print_message("# SKIP: perf %s, tracepoints %s\n",
			      json_string_value(json_object_get(probe, "perf")),
			      json_string_value(json_object_get(probe, "tracepoints")));
		json_decref(probe);
		skip();
	}
	assert_non_null(mkdtemp(dir));
	w = perf_wrap(&rq, argv, dir);
	assert_ptr_not_equal(w, argv);
	assert_int_equal(run_lines(w, &lines), 0);
	perf_argv_free(w, argv);
	assert_int_equal(json_array_size(lines), 2);
	o = perf_collect(&rq, dir, lines);
	assert_non_null(o);
	if (getenv("TEST_PERF_VERBOSE"))
		json_dumpf(o, stderr, JSON_INDENT(1));

	json_t *c = json_object_get(o, "counters");

	/* 2 iterations x 64M of 4K pages = 32768 faults, plus the process' own */
	assert_true(num(c, "page-faults", "value") >= 32768);
	assert_true(num(c, "page-faults", "value") < 32768 * 2);
	assert_true(num(c, "task-clock", "value") > 0);
	assert_true(num(c, "context-switches", "value") >= 0);
	assert_true(json_is_string(json_object_get(c, "cycles")) ||
		    json_is_object(json_object_get(c, "cycles")));

	cl = json_object_get(json_object_get(o, "threads"), "clients");
	no = json_object_get(json_object_get(o, "threads"), "noise");
	assert_non_null(cl);
	assert_non_null(no);
	assert_int_equal(json_integer_value(json_object_get(cl, "threads")), 4);
	assert_int_equal(json_integer_value(json_object_get(no, "threads")), 2);
	/* every page a client stored to is a fault seen by perf (+-period),
	 * unless perf lost samples, which the point then says */
	if (!json_object_get(o, "threads_incomplete"))
		assert_true(json_integer_value(json_object_get(cl, "page_faults")) > 32768 - 4 * 16);
	/* noise: mmap + mprotect + munmap per op, each takes mmap_lock */
	assert_true(json_integer_value(json_object_get(no, "mmap_lock")) > 0);
	per1000 = json_number_value(json_object_get(o, "mmap_lock_per_1000_faults"));
	print_message("# clients: %lld faults, %lld mmap_lock (%.3f per 1000 faults); "
		      "noise: %lld mmap_lock\n",
		      json_integer_value(json_object_get(cl, "page_faults")),
		      json_integer_value(json_object_get(cl, "mmap_lock")), per1000,
		      json_integer_value(json_object_get(no, "mmap_lock")));
	assert_float_equal(per1000, num(json_object_get(o, "threads"), "clients",
					"mmap_lock_per_1000_faults"), 0);
	/* per-VMA locks: faults do not take mmap_lock, even under noise */
	if (kernel_has_per_vma_lock())
		assert_true(per1000 < 50);
	else
		print_message("# per-VMA lock figure not judged: kernel config unreadable\n");
	json_decref(o);
	json_decref(lines);
	json_decref(probe);
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_vm),
		cmocka_unit_test(test_stat_pmu),
		cmocka_unit_test(test_stat_user),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_no_perf),
		cmocka_unit_test(test_nothing_requested),
		cmocka_unit_test(test_real_pft),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
