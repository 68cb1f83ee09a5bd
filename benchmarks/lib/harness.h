/*
 * harness.h - the one interface between mmscale workloads and the harness.
 *
 * A workload (benchmarks/workloads/NAME.c) only does the work and counts it.
 * The harness owns option parsing, spawning clients as threads or processes,
 * pinning, the start barrier, warm-up, timing, rusage and output.  Each
 * workload file ends with MMSCALE_WORKLOAD(&its_struct), which gives it a
 * main().
 *
 * Per-iteration life cycle (all in the parent unless noted):
 *   iter_setup(run)         e.g. map the region (before fork in processes mode)
 *   spawn clients           pinned, each calls client_setup then waits
 *   barrier released        every client starts timing at once
 *   client_run(client)      in the client; fixed work, or loop until *stop
 *   clients join            wall span, rusage and ops collected
 *   iter_report(run, out)   add workload fields; may mark the iteration invalid
 *   iter_teardown(run)
 */
#ifndef MMSCALE_HARNESS_H
#define MMSCALE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "metric.h"

/* Exit codes, shared by every program in the suite. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* the run itself failed */
	EXIT_USAGE = 2,		/* bad usage, option, config or input */
	EXIT_NORES = 3,		/* a resource is missing (memory, processes) */
	EXIT_UNSUPP = 4,	/* not supported on this machine */
	EXIT_INTR = 130,	/* stopped by SIGINT, partial results kept */
};

/* ---- option tables (one table drives getopt, --help and the JSON echo) -- */

enum opt_type {
	OPT_END = 0,
	OPT_INT,	/* long, within [min, max] */
	OPT_SIZE,	/* bytes: N, NK, NM, NG or N% of MemTotal; > 0 */
	OPT_BOOL,	/* flag, no argument */
	OPT_STR,	/* free string */
	OPT_ENUM,	/* one of choices, "a|b|c"; stored as the index */
	OPT_DOUBLE,	/* double, within [min, max] */
	OPT_STRV,	/* a string that may be given again: struct opt_strv */
};

struct opt {
	const char *name;	/* long name, without "--" */
	int shortopt;		/* 0 for none */
	enum opt_type type;
	size_t off;		/* offset of the value in the options struct */
	const char *def;	/* default as text, parsed like the user's */
	const char *choices;	/* OPT_ENUM: "a|b|c" */
	double min, max;	/* OPT_INT/OPT_DOUBLE bounds */
	const char *help;
	const char *arg;	/* the value's name in --help, e.g. "DIR" */
};

/* OPT_STRV's value: every string given, in order. */
struct opt_strv {
	int n;
	const char **v;
};

#define OPT_OFF(type, field) offsetof(type, field)

/* ---- clients ---------------------------------------------------------- */

enum mode { MODE_THREADS, MODE_PROCESSES };

/*
 * What one client measured in one iteration.  Each lives in its own slot of
 * a shared (MAP_SHARED) array, CLIENT_SLOT bytes apart, so the harness adds
 * no false sharing of its own, even with a 128-byte prefetch pair.
 */
#define CLIENT_SLOT 256
struct client_result {
	int cpu_planned;	/* -1 when unpinned */
	int cpu_start, cpu_end;	/* sched_getcpu() before and after */
	pid_t tid;		/* for per-thread perf attribution */
	uint64_t t_start_ns, t_end_ns;	/* CLOCK_MONOTONIC */
	uint64_t user_ns, sys_ns;	/* own rusage delta (RUSAGE_THREAD) */
	uint64_t minflt, majflt;
	uint64_t nivcsw;	/* involuntary context switches (RUSAGE_THREAD) */
	uint64_t ops;
	uint64_t child_user_ns, child_sys_ns;	/* RUSAGE_CHILDREN delta */
	uint64_t aux[4];	/* workload-defined counters */
	int err;		/* errno-style failure, 0 if fine */
	/* The workload measured user_ns, sys_ns, minflt and majflt itself
	 * (its work ran in another task: an image, image.h); the harness
	 * keeps them instead of the client thread's own. */
	bool cpu_set;
	char errmsg[64];
};

struct run;

struct client {
	struct run *run;
	int id;			/* 0..nclients-1 */
	int cpu;		/* planned CPU or -1 */
	volatile int *stop;	/* for timed workloads: loop until *stop */
	struct client_result *res;	/* this client's slot */
	void *priv;		/* per-client workload state */
};

/* ---- a run (one program invocation) ------------------------------------ */

struct run {
	const struct workload *wl;
	void *opts;		/* the workload's options struct */
	enum mode mode;
	int nclients;
	int iteration;		/* current, counting warm-ups from 0 */
	bool warmup;		/* current iteration is a warm-up */
	const int *cpus;	/* planned CPU per client, -1 if none */
	long pagesize;
	uint64_t duration_ns;	/* for timed workloads */
	struct client_result *res;	/* nclients slots: use client_res() */
	int naux;			/* auxiliary threads (e.g. pft's noise) */
	struct client_result *aux_res;	/* naux slots: use aux_res() */
	void *priv;		/* per-run workload state */
	/* invalidation: a workload sets these from iter_report */
	bool invalid;
	char reason[160];
};

/* Slots are CLIENT_SLOT bytes apart, not sizeof(struct client_result). */
static inline struct client_result *client_res(const struct run *r, int i)
{
	return (struct client_result *)((char *)r->res + (size_t)i * CLIENT_SLOT);
}

static inline struct client_result *aux_res(const struct run *r, int i)
{
	return (struct client_result *)((char *)r->aux_res + (size_t)i * CLIENT_SLOT);
}

_Static_assert(sizeof(struct client_result) <= CLIENT_SLOT, "client slot too small");

/* ---- the workload ------------------------------------------------------ */

struct workload {
	const char *name;
	const char *version;
	const char *summary;	/* one line for --help */
	const char *metric;	/* rate name, e.g. "faults" -> faults/sec */
	/* What each iteration reports (metric.h), ending in { 0 }; NULL: the
	 * two rates of .metric, "<metric>/sec" and "<metric>/cpu". */
	const struct metric_decl *metrics;
	/*
	 * Integer fields of the iteration line that describe the point rather
	 * than measure it, the same in every iteration (vmalock: how many
	 * clients share a line with another's lock word); NULL-terminated.
	 * The runner keeps each point's values (summary.json extra.facts) and
	 * compare prints them beside the rates.  A name ending in _shared_64
	 * or _shared_128 counts clients sharing a 64-byte line or a 128-byte
	 * adjacent-line pair: the false-sharing reading (stats/study.c) reads
	 * them so.
	 */
	const char *const *facts;
	bool timed;		/* loops until *stop (--duration), else fixed work */
	bool threads_only;	/* no processes mode */
	const struct opt *opts;
	size_t opts_size;
	/* Validate options after parsing; return EXIT_* with a message.  It may
	 * set r->priv to one malloc'ed block: the harness frees it when the
	 * program ends before run_setup.  Once run_setup was called (even if it
	 * failed), run_teardown is called on every way out. */
	int (*check)(struct run *r);
	int (*run_setup)(struct run *r);	/* once, before iterations */
	void (*run_teardown)(struct run *r);
	int (*iter_setup)(struct run *r);
	int (*client_setup)(struct client *c);
	int (*client_run)(struct client *c);
	void (*client_teardown)(struct client *c);
	/* Add own fields to the iteration object; may set r->invalid. */
	void (*iter_report)(struct run *r, json_t *out);
	void (*iter_teardown)(struct run *r);
	/*
	 * Auxiliary threads (threads mode only): started with the clients in
	 * the same mm, looping until every client has finished; their ops and
	 * tids are reported apart as "<aux_name>_ops" and "<aux_name>_tids".
	 */
	const char *aux_name;
	const char *aux_option;	/* the option that asks for them, for errors */
	int (*aux_count)(struct run *r);
	int (*aux_run)(struct client *c);
	/* The amount of work (pages, ops) the rates divide: defaults to the
	 * sum of clients' ops. */
	uint64_t (*work)(struct run *r);
};

int harness_main(const struct workload *wl, int argc, char **argv);

/* The declared metrics of wl (its .metrics or the default pair); *n gets
 * how many. */
const struct metric_decl *workload_metrics(const struct workload *wl, int *n);
/* {name: value} of every declared metric for one iteration; *bad gets the
 * name of the first that is not finite (NULL when all are). */
json_t *workload_metric_values(const struct workload *wl, const struct run *r,
			       const struct iter_totals *t, const char **bad);

#define MMSCALE_WORKLOAD(wlp) \
	int main(int argc, char **argv) { return harness_main((wlp), argc, argv); }

/* ---- helpers for workloads --------------------------------------------- */

extern const char *progname;

/* Print "prog: what: strerror(err)" (err 0: no strerror part). */
void errmsg(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* errmsg, then exit(code). */
void die(int code, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
/*
 * The one allocation-failure path: "prog: out of memory" and exit 3
 * (EXIT_NORES).  Callers need no NULL check.
 */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n, size_t size);	/* n elements of size */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Record a client failure in its slot; returns -1 for `return`. */
int client_fail(struct client *c, int err, const char *what);

uint64_t now_ns(void);
/* v with an SI prefix in `digits` significant digits: 900k, 1.02M. */
void fmt_si(double v, int digits, char *buf, size_t n);
/* The first integer in the file at path (procfs, sysfs), or -1. */
long read_long(const char *path);
/* mkdir -p with mode 0755: 0, or -1 with errno. */
int mkdir_p(const char *dir);
/* Sleep (not spin) until the client's *stop is set: for a client whose
 * work runs in another task on its CPU. */
void client_wait_stop(struct client *c);
/* Set true on SIGINT/SIGTERM: the harness stops after the iteration. */
extern volatile int harness_interrupted;

#endif
