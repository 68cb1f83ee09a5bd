/*
 * collect.h - what the runner gathers around each workload invocation, as
 * one table: every collector (slab, vmstat, perf, prefetch, monitors)
 * declares hooks, and run.c's invoke() only walks the table.  A point's
 * point.json key and summary.json `extra` key of a collector are its name.
 * Adding a collector is one entry in collect.c (and its module).
 *
 *   wanted  does this run/point use it (NULL: always)
 *   before  before the workload starts: snapshot, set the machine up.  A
 *           non-zero EXIT_* fails the invocation (the run stops).
 *   wrap    the command line it runs under (perf), or NULL: unchanged
 *   after   after the workload exited, its lines appended: into point.json
 *   extra   what summary.json's extra gets from point.json's value (NULL:
 *           the value as it is; returning NULL: nothing)
 *   end     once, when the run ends (the prefetch hold's release)
 */
#ifndef MMSCALE_COLLECT_H
#define MMSCALE_COLLECT_H
#include <stdbool.h>
#include <jansson.h>
#include "config.h"
#include "plan.h"
#include "perf.h"

/* The run, as collectors see it; slots hold what a collector keeps. */
struct collect_run {
	const struct config *cfg;
	struct perf_req perf;
	void *slot[8];		/* per collector, indexed by its table position */
};

/* One invocation of one point. */
struct collect_inv {
	struct collect_run *run;
	const struct plan_point *pt;
	const char *dir;	/* the point's directory */
	json_t *pj;		/* point.json being built: each collector its own key */
	json_t *samples;	/* the point's lines so far (after: with this one's) */
	int invocation;		/* 0: the point's first */
	void *state;		/* before -> after, per invocation */
	/* the command line as each wrapper made it: argvs[0] the workload's */
	char **argvs[9];
	int wrapper[8], nwrap;
};

struct collector {
	const char *name;
	bool (*wanted)(const struct collect_run *r, const struct plan_point *pt);
	int (*before)(struct collect_inv *ci, void **slot);
	char **(*wrap)(struct collect_inv *ci, char **argv);
	void (*unwrap)(char **wrapped, char **argv);
	void (*after)(struct collect_inv *ci, void **slot);
	json_t *(*extra)(json_t *value);
	void (*end)(void **slot);
};

extern const struct collector collectors[];
extern const int ncollectors;

/* The walks invoke() does; state[] has ncollectors entries. */
int collect_before(struct collect_inv *ci, void **state);
char **collect_wrap(struct collect_inv *ci, char **argv);
void collect_unwrap(struct collect_inv *ci);
void collect_after(struct collect_inv *ci, void **state);
/* summary.json's extra keys of a point, from its point.json */
void collect_extra(json_t *pj, json_t *extra);
void collect_end(struct collect_run *r);

#endif
