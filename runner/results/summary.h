/*
 * summary.h - summary.json of a results directory: the typed points of a
 * run and each point's declared metrics, read by compare, show, plot,
 * report and history, written by run.  This file and summary.c are the
 * only code that knows summary.json's form (docs/output-schema.md); they
 * write schema SUMMARY_SCHEMA and read every earlier one.
 *
 * A point's identity is its workload, an ordered list of axis key/value
 * pairs (the plan's axes other than clients) and its client count.  Group
 * and row names ("pft mode=threads", "faults/sec-4") are rendered from it
 * for display and never parsed back.
 */
#ifndef MMSCALE_SUMMARY_H
#define MMSCALE_SUMMARY_H
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "stats.h"

#define SUMMARY_SCHEMA 2	/* 2: axes and metric declarations; 1: group strings */

struct axis {
	char *key, *value;
};

struct metric {
	char *name;		/* declared by the workload, e.g. "faults/sec" */
	char *unit;		/* "faults/s", "ns"; "" when not declared */
	enum better dir;
	enum aggregate agg;
	int precision;		/* decimals tables print */
	enum ideal ideal;	/* its ideal scaling with clients (plots) */
	int n;
	double *values;		/* measured iterations only, no warm-ups */
};

struct point {
	char *id;		/* "p000", stable across resume */
	char *workload;		/* "pft" */
	int naxes;
	struct axis *axes;	/* in plan order, without clients */
	char *group;		/* display only: workload and axes, "pft mode=threads" */
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
	json_t *meta;		/* meta.json, upgraded to the current names (meta.h) */
	int schema;		/* the summary.json version read */
	int npoints;
	struct point *points;
};

/* Load DIR/summary.json and DIR/meta.json.  Returns 0, or EXIT_* with a
 * message printed. */
int summary_load(const char *dir, struct summary *s);
void summary_free(struct summary *s);
/* Serialise (the writer side of run): always the current schema. */
json_t *summary_to_json(const struct summary *s);
json_t *summary_point_to_json(const struct point *p);
const struct metric *point_metric(const struct point *p, const char *name);

/* A metric from a declaration object {name, unit, better, aggregate,
 * precision} (as --list-options prints it); values are not touched.
 * Returns 0 or -1 with why. */
int metric_from_decl(json_t *decl, struct metric *m, char *why, size_t n);
/* The declaration of m as JSON, without values. */
json_t *metric_decl_to_json(const struct metric *m);

/* The value of axis key, or NULL when the point has no such axis. */
const char *point_axis(const struct point *p, const char *key);
/* Same workload and the same axes (keys and values, in order). */
bool point_same_group(const struct point *a, const struct point *b);
/* Same group, with the axis `except` allowed to differ (or to be absent
 * from both); except may be a list of keys, NULL-terminated. */
bool point_same_group_except(const struct point *a, const struct point *b,
			     const char *const *except);
/* Display names, rendered: "pft mode=threads layout=shared" and
 * "faults/sec-4".  Return buf. */
char *point_group_render(const char *workload, const struct axis *axes, int naxes,
			 char *buf, size_t n);
char *point_row_name(const char *metric, int clients, char *buf, size_t n);

/* DIR/NAME as a JSON object, or NULL: absent (*missing set) or not a JSON
 * object (a message naming file and line printed).  Every results file is
 * read through this. */
json_t *results_json_load(const char *dir, const char *name, bool *missing);

/* Write j to path atomically: path.tmp.PID, fsync, rename, fsync of the
 * directory.  Returns 0, or -1 with errno set (the caller says what failed). */
int json_write_atomic(const char *path, json_t *j);

#endif
