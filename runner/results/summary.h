/*
 * summary.h - the per-point summary of a results directory (summary.json),
 * read by compare/show/plot/history and written by run.  The on-disk format
 * is documented in results/README.md; this file and summary.c are the only
 * code that knows it.
 */
#ifndef MMSCALE_SUMMARY_H
#define MMSCALE_SUMMARY_H
#include <stdbool.h>
#include <jansson.h>
#include "stats.h"

struct metric {
	char *name;		/* "faults/sec", "faults/cpu", "ops/sec", ... */
	enum better dir;
	int n;
	double *values;		/* measured iterations only, no warm-ups */
};

struct point {
	char *id;		/* "p000", stable across resume */
	char *workload;		/* "pft" */
	char *group;		/* the axes other than clients, e.g.
				 * "pft mode=threads layout=shared"; tables are
				 * printed per group */
	int clients;
	char *status;		/* "ok", "failed", "pending", "invalid" */
	char *reason;		/* why not ok, or NULL */
	json_t *params;		/* the point's resolved options */
	int nmetrics;
	struct metric *metrics;
	json_t *extra;		/* slab, vmstat, perf, ...: kept verbatim */
};

struct summary {
	char *label;
	char *dir;
	json_t *meta;		/* meta.json, for headers and footprint */
	int npoints;
	struct point *points;
};

/* Load DIR/summary.json and DIR/meta.json.  Returns 0, or EXIT_* with a
 * message printed. */
int summary_load(const char *dir, struct summary *s);
void summary_free(struct summary *s);
/* Serialise (the writer side of run). */
json_t *summary_to_json(const struct summary *s);
int summary_point_from_json(json_t *j, struct point *p);
json_t *summary_point_to_json(const struct point *p);
const struct metric *point_metric(const struct point *p, const char *name);

/* Write j to path atomically: path.tmp.PID, fsync, rename, fsync of the
 * directory.  Returns 0, or -1 with errno set (the caller says what failed). */
int json_write_atomic(const char *path, json_t *j);

#endif
