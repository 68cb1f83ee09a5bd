/*
 * Configs and plans: lists, expressions, error lines, axes, interleave
 * sets, and a large synthetic machine.  Workload keys are validated against
 * the real programs' --list-options ($MMSCALE_BIN, as tests/run-tests sets
 * it); without them those cases are skipped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"
#include "config.h"
#include "plan.h"

static char bindir[4096];

static struct cfg_env env56(void)
{
	return (struct cfg_env){ .ncpus = 56, .memtotal = 64ull << 30, .bindir = bindir };
}

static void need_programs(void)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/pft", bindir);
	if (access(p, X_OK))
		skip();
	snprintf(p, sizeof(p), "%s/null", bindir);
	if (access(p, X_OK))
		skip();
}

/* Write text to a temporary config; returns its path (static). */
static const char *conf(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_config.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* Load, capturing stderr into msg; returns the exit code. */
static int load(const char *text, struct cfg_env env, struct config *c, char *msg, size_t n)
{
	const char *path = conf(text);
	char errpath[] = "/tmp/test_config_err.XXXXXX";
	int fd = mkstemp(errpath), saved = dup(2), rc;
	FILE *f;

	fflush(stderr);
	dup2(fd, 2);
	rc = config_load(path, &env, c);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	msg[0] = 0;
	if (!fgets(msg, (int)n, f))
		msg[0] = 0;
	fclose(f);
	unlink(errpath);
	unlink(path);
	return rc;
}

static void test_split(void **s)
{
	char **v;
	int n = cfg_split(" a, b ,c ", &v);

	assert_int_equal(n, 3);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b");
	assert_string_equal(v[2], "c");
	cfg_strv_free(v, n);
	n = cfg_split("64M", &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "64M");
	cfg_strv_free(v, n);
	assert_int_equal(cfg_split("a,,b", &v), -1);
	assert_int_equal(cfg_split("a, ", &v), -1);
}

static void test_expand(void **s)
{
	struct cfg_env e = env56();
	char out[64], err[128];

	assert_int_equal(cfg_expand("$ncpus", &e, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "56");
	assert_int_equal(cfg_expand("$ncpus/2", &e, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "28");
	assert_int_equal(cfg_expand("$ncpus/3", &e, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "18");
	assert_int_equal(cfg_expand("$memtotal/4", &e, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "17179869184");
	assert_int_equal(cfg_expand("$memtotal*3/4", &e, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "51539607552");
	assert_int_equal(cfg_expand("20%", &e, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "20%");	/* sizes resolve it, by type */
	assert_int_equal(cfg_expand("$cpus", &e, out, sizeof(out), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "$cpus"));
	assert_int_equal(cfg_expand("2*$ncpus", &e, out, sizeof(out), err, sizeof(err)), -1);
	assert_int_equal(cfg_expand("$ncpus/0", &e, out, sizeof(out), err, sizeof(err)), -1);
	assert_int_equal(cfg_expand("$ncpus+1", &e, out, sizeof(out), err, sizeof(err)), -1);
}

static void test_errors(void **s)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[run]\niterations = 0\n[workload null]\n", ":2: key 'iterations'" },
		{ "[run]\n\niterations = 2, 3\n[workload null]\n", ":3: key 'iterations': takes one value" },
		{ "[run]\nwatchdog = soon\n[workload null]\n", ":2: key 'watchdog'" },
		{ "[run]\nperf = all\n[workload null]\n", ":2: key 'perf': unknown value 'all'" },
		{ "[run]\ncolour = red\n[workload null]\n", ":2: key 'colour': unknown key in [run]" },
		{ "[run]\niterations = 2\niterations = 3\n[workload null]\n", ":3: key 'iterations': given twice" },
		{ "[workload null]\nclients = 1\n\n[workload null]\n", ":4: [workload null] given twice" },
		{ "[workload null]\ncrash = maybe\n", ":2: key 'crash': 'maybe' is not yes or no" },
		{ "[workload null]\nhang = -1\n", ":2: key 'hang': -1 is out of range" },
		{ "[workload null]\nthreads = 4\n", ":2: key 'threads': not allowed" },
		{ "[workload null]\niterations = 4\n", ":2: key 'iterations': not allowed in a config: set it in [run]" },
		{ "[workload null]\nmode = thread\n", ":2: key 'mode': unknown value 'thread'" },
		{ "[workload null]\nclients = 0\n", ":2: key 'clients'" },
		{ "[workload null]\n# 56 CPUs\nclients = 57\n", ":3: key 'clients': 57 clients but 56 CPUs" },
		{ "[workload null]\nclients = $cpus\n", ":2: key 'clients': unknown variable '$cpus'" },
		{ "[workload pft]\nsize = 12Q\n", ":2: key 'size': '12Q' is not a size" },
		{ "[workload pft]\nsize = 64M,\n", ":2: key 'size': empty value" },
		{ "[workload p]\nprogram = pft, null\n", ":2: key 'program': takes one value" },
		{ "[run]\nplacement = diagonal\n[workload null]\n", ":2: key 'placement': unknown value 'diagonal'" },
		{ "[run]\ninterleave = layout\n[workload pft]\nlayout = shared\n",
		  ":2: key 'interleave': 'layout' is not a list-valued key" },
		{ "[run]\niterations = 1\n", ":2: no [workload NAME] section" },
		{ "[workload null]\nmempolicy = local, node:x\n", ":2: key 'mempolicy': unknown value 'node:x'" },
		{ "[run]\nmempolicy = remote\n[workload null]\n", ":2: key 'mempolicy': unknown value 'remote'" },
		{ "[workload]\n", ":1: unknown section [workload]" },
	};
	struct config c;
	char msg[512];

	need_programs();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = load(cases[i].text, env56(), &c, msg, sizeof(msg));

		if (rc != EXIT_USAGE || !strstr(msg, cases[i].want))
			fail_msg("case %zu: exit %d, message '%s', wanted 2 and '%s'", i, rc, msg,
				 cases[i].want);
		config_free(&c);
	}
}

static void test_plan_axes(void **s)
{
	struct config c;
	struct plan p;
	char msg[512];
	static const int stride56[] = { 1, 4, 7, 12, 21, 30, 48, 56 };

	need_programs();
	assert_int_equal(load("[run]\niterations = 3   # comment\nwarmup = 0 ; inih comment\n"
			      "[workload pft]\nmode = threads, processes\n"
			      "clients = large-stride\nlayout = shared, per-client\nsize = 1%\n",
			      env56(), &c, msg, sizeof(msg)), 0);
	assert_int_equal(c.iterations, 3);
	assert_int_equal(c.warmup, 0);
	assert_int_equal(c.wl[0].nclients, 8);
	assert_memory_equal(c.wl[0].clients, stride56, sizeof(stride56));
	assert_int_equal(plan_build(&c, &p), 0);
	assert_int_equal(p.npoints, 2 * 2 * 8);
	assert_int_equal(p.nsets, 32);	/* nothing interleaved: one set each */
	assert_string_equal(p.pts[0].id, "p000");
	assert_string_equal(p.pts[31].id, "p031");
	/* odometer: mode slowest, then layout, clients innermost */
	assert_string_equal(p.pts[0].group, "pft mode=threads layout=shared");
	assert_string_equal(p.pts[8].group, "pft mode=threads layout=per-client");
	assert_string_equal(p.pts[16].group, "pft mode=processes layout=shared");
	assert_int_equal(p.pts[7].clients, 56);
	assert_string_equal(p.pts[16].argv[1], "-n");
	assert_string_equal(p.pts[16].argv[2], "1");
	/* 1% of 64 GiB, resolved to bytes */
	assert_string_equal(json_string_value(json_object_get(p.pts[0].params, "size")),
			    "687194767");
	plan_free(&p);
	config_free(&c);
}

static void test_interleave_sets(void **s)
{
	struct config c;
	struct plan p;
	char msg[512];

	need_programs();
	assert_int_equal(load("[run]\ninterleave = layout\n"
			      "[workload pft]\nclients = 1, 2\nlayout = shared, per-client\n"
			      "[workload n]\nprogram = null\ncrash = no\nclients = 50%\n",
			      env56(), &c, msg, sizeof(msg)), 0);
	assert_int_equal(plan_build(&c, &p), 0);
	assert_int_equal(p.npoints, 5);
	/* shared/per-client of one client count run together */
	assert_int_equal(p.pts[0].set, p.pts[2].set);
	assert_int_equal(p.pts[1].set, p.pts[3].set);
	assert_int_not_equal(p.pts[0].set, p.pts[1].set);
	assert_int_equal(p.nsets, 3);
	/* program = null under another name; a "no" flag passes nothing */
	assert_string_equal(p.pts[4].argv[0], "null");
	assert_int_equal(p.pts[4].clients, 28);
	assert_int_equal(p.pts[4].argc, 3);
	plan_free(&p);
	config_free(&c);
}

static void test_big_machine(void **s)
{
	struct cfg_env e = env56();
	struct config c;
	struct plan p;
	char msg[512];

	need_programs();
	e.ncpus = 1024;
	assert_int_equal(load("[workload null]\nclients = large-stride\nmode = threads, processes\n",
			      e, &c, msg, sizeof(msg)), 0);
	assert_int_equal(plan_build(&c, &p), 0);
	assert_int_equal(p.pts[c.wl[0].nclients - 1].clients, 1024);
	assert_int_equal(p.npoints, 2 * c.wl[0].nclients);
	plan_free(&p);
	config_free(&c);
	/* more clients than CPUs only when asked for */
	assert_int_equal(load("[workload null]\nclients = 2048\noversubscribe = yes\n",
			      e, &c, msg, sizeof(msg)), 0);
	config_free(&c);
}

/* inih reads lines into a 200-byte buffer: longer lines must be parsed whole
 * or refused with file:line, never split into a second "line" (issue 16). */
static void test_long_lines(void **s)
{
	size_t big = 60000;
	char *text = malloc(big), msg[512];
	struct config c;
	const struct cfg_kv *kv;
	int n = 0;

	need_programs();
	assert_non_null(text);
	/* a 10,000-byte comment, then keys whose lines errors still name */
	n = snprintf(text, big, "# ");
	memset(text + n, 'x', 10000);
	n += 10000;
	n += snprintf(text + n, big - (size_t)n, "\n[workload null]\nhang = -1\n");
	assert_int_equal(load(text, env56(), &c, msg, sizeof(msg)), EXIT_USAGE);
	assert_non_null(strstr(msg, ":3: key 'hang'"));
	config_free(&c);

	/* a key after 199 bytes of comment on the same line stays a comment */
	n = snprintf(text, big, "[workload null]\n# a long comment: ");
	memset(text + n, 'x', 199);
	n += 199;
	snprintf(text + n, big - (size_t)n, " crash = yes\nduration = 0.5\n");
	assert_int_equal(load(text, env56(), &c, msg, sizeof(msg)), 0);
	assert_null(cfg_find(&c.wl[0], "crash"));
	assert_non_null(kv = cfg_find(&c.wl[0], "duration"));
	assert_int_equal(kv->line, 3);
	config_free(&c);

	/* a 10,000-entry clients list, parsed whole */
	n = snprintf(text, big, "[workload null]\nclients = ");
	for (int i = 0; i < 10000; i++)
		n += snprintf(text + n, big - (size_t)n, "%s%d", i ? ", " : "", i % 56 + 1);
	snprintf(text + n, big - (size_t)n, "\nduration = 0.5\n");
	assert_int_equal(load(text, env56(), &c, msg, sizeof(msg)), 0);
	assert_int_equal(c.wl[0].nclients, 10000);
	assert_int_equal(c.wl[0].clients[9999], 9999 % 56 + 1);
	assert_int_equal(cfg_find(&c.wl[0], "duration")->line, 3);
	config_free(&c);

	/* a long value with an inline comment: the value only */
	n = snprintf(text, big, "[workload null]\nmempolicy = local ; ");
	memset(text + n, 'y', 500);
	n += 500;
	snprintf(text + n, big - (size_t)n, "\n");
	assert_int_equal(load(text, env56(), &c, msg, sizeof(msg)), 0);
	assert_string_equal(cfg_find(&c.wl[0], "mempolicy")->vals[0], "local");
	config_free(&c);

	/* a long line that is no key = value: refused, naming its line */
	n = snprintf(text, big, "[workload null]\n\n[");
	memset(text + n, 'z', 300);
	n += 300;
	snprintf(text + n, big - (size_t)n, "]\n");
	assert_int_equal(load(text, env56(), &c, msg, sizeof(msg)), EXIT_USAGE);
	assert_non_null(strstr(msg, ":3: syntax error in a line of 302 bytes"));
	config_free(&c);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_plan_axes),
		cmocka_unit_test(test_interleave_sets),
		cmocka_unit_test(test_big_machine),
		cmocka_unit_test(test_long_lines),
	};

	progname = "test_config";
	snprintf(bindir, sizeof(bindir), "%s", getenv("MMSCALE_BIN") ? getenv("MMSCALE_BIN") : "build/bin");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
