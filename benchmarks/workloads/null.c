/*
 * null - counts and does nothing else: a test of the harness itself.
 * Timed: each client increments a local counter until stopped and publishes
 * it once at the end (a shared counter would measure cache-line bouncing).
 * --crash makes client 0 die by SIGSEGV, to test how failures are reported.
 */
#include <signal.h>
#include "harness.h"

struct null_opts {
	bool crash;
	long sleep_ms;
};

static const struct opt null_opts[] = {
	{ "crash", 0, OPT_BOOL, OPT_OFF(struct null_opts, crash), NULL, NULL, 0, 0,
	  "client 0 kills itself with SIGSEGV (tests failure handling)" },
	{ "hang", 0, OPT_INT, OPT_OFF(struct null_opts, sleep_ms), "0", NULL, 0, 86400000,
	  "client 0 ignores the stop flag for this many ms (tests watchdogs)" },
	{ 0 }
};

static int null_run(struct client *c)
{
	const struct null_opts *o = c->run->opts;
	uint64_t n = 0;

	if (c->id == 0 && o->crash)
		raise(SIGSEGV);
	if (c->id == 0 && o->sleep_ms) {
		uint64_t end = now_ns() + (uint64_t)o->sleep_ms * 1000000ull;

		while (now_ns() < end)
			n++;
	}
	while (!__atomic_load_n(c->stop, __ATOMIC_RELAXED))
		n++;
	c->res->ops = n;
	return 0;
}

/* The rates of every workload, and a time: how long one loop iteration
 * takes a client, in ns (lower is better, arithmetic mean) -- the
 * harness's own cost per op, and the suite's test of a metric that is
 * neither a rate nor higher-is-better. */
static const struct metric_decl null_metrics[] = {
	{ .name = "ops/sec", .unit = "ops/s", .better = BETTER_HIGHER, .aggregate = AGG_HARMONIC,
	  .ideal = IDEAL_LINEAR,
	  .help = "loop iterations per second of wall time, all clients", .value = metric_per_wall_sec },
	{ .name = "ops/cpu", .unit = "ops/s", .better = BETTER_HIGHER, .aggregate = AGG_HARMONIC,
	  .ideal = IDEAL_CONSTANT,
	  .help = "loop iterations per second of CPU time", .value = metric_per_cpu_sec },
	{ .name = "ns/op", .unit = "ns", .better = BETTER_LOWER, .aggregate = AGG_ARITHMETIC,
	  .ideal = IDEAL_CONSTANT,
	  .help = "a client's wall time per loop iteration", .value = metric_ns_per_work },
	{ 0 }
};

static const struct workload null_wl = {
	.name = "null",
	.version = "1",
	.summary = "count loop iterations and nothing else (harness self-test)",
	.metric = "ops",
	.metrics = null_metrics,
	.timed = true,
	.opts = null_opts,
	.opts_size = sizeof(struct null_opts),
	.client_run = null_run,
};

MMSCALE_WORKLOAD(&null_wl)
