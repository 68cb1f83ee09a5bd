/*
 * metric.h - what a workload measures, declared once.
 *
 * A workload lists its metrics in struct workload (.metrics): the name the
 * tables print ("faults/sec"), its unit, which direction is better and how
 * its iterations aggregate into the headline mean.  The harness prints each
 * declared value in every iteration's JSON line ("metrics": {name: value})
 * and the declarations in --list-options ("metrics": [...]); the runner
 * learns them from there and never spells a metric's name itself.
 *
 * The harness and the runner share this header: enum better and enum
 * aggregate are the same type on both sides of the JSON.
 */
#ifndef MMSCALE_METRIC_H
#define MMSCALE_METRIC_H
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

/* Which way is better: rates are higher-is-better, times lower. */
enum better { BETTER_HIGHER, BETTER_LOWER };

/*
 * How iterations aggregate into the headline mean: a rate's is harmonic
 * (the mean of rates over equal work), a time's or a count's arithmetic.
 */
enum aggregate { AGG_HARMONIC, AGG_ARITHMETIC };

/*
 * How the metric would grow with clients if nothing were shared: the
 * reference line of the scaling plots.  A total rate (work per wall
 * second of all clients) grows linearly; a rate per CPU second or a time
 * per op stays constant; anything else has no ideal line.
 */
enum ideal { IDEAL_NONE, IDEAL_LINEAR, IDEAL_CONSTANT };

/* Decimals a table prints: 0 means the default (4, as mmtests' %.4f). */
#define METRIC_PRECISION_DEFAULT 4
#define METRIC_INTEGER -1	/* counts: no decimals */

/* One iteration's totals, what the harness hands every value function. */
struct iter_totals {
	int nclients;
	uint64_t work;		/* pages, ops: what the rates divide */
	uint64_t wall_ns;	/* earliest client start to latest end */
	uint64_t cpu_ns;	/* user + sys of every client (and its children) */
	uint64_t client_ns;	/* the sum of each client's own wall time */
};

struct run;

struct metric_decl {
	const char *name;	/* "faults/sec", as tables print it */
	const char *unit;	/* "faults/s", "ns" */
	enum better better;
	enum aggregate aggregate;
	int precision;		/* decimals; 0: default; METRIC_INTEGER */
	enum ideal ideal;	/* its ideal scaling with clients */
	const char *help;	/* one line: what it is, how to read it */
	/* The value of one iteration; not finite makes the iteration invalid. */
	double (*value)(const struct run *r, const struct iter_totals *t);
};

/* Value functions for the usual metrics. */
double metric_per_wall_sec(const struct run *r, const struct iter_totals *t);	/* work / wall */
double metric_per_cpu_sec(const struct run *r, const struct iter_totals *t);	/* work / CPU time */
double metric_ns_per_work(const struct run *r, const struct iter_totals *t);	/* client wall ns / work */

/* The name of a direction or aggregate, and back (-1: unknown). */
const char *metric_better_name(enum better b);
const char *metric_aggregate_name(enum aggregate a);
const char *metric_ideal_name(enum ideal i);	/* "none", "linear", "constant" */
int metric_better_parse(const char *s);
int metric_aggregate_parse(const char *s);
int metric_ideal_parse(const char *s);
/* The stat a table names the aggregate's mean by: "Hmean" or "Amean". */
const char *metric_mean_name(enum aggregate a);

/* A declaration as JSON (--list-options, summary.json): name, unit,
 * better, aggregate, precision, ideal (when not none), help. */
json_t *metric_decl_json(const struct metric_decl *m);

#endif
