/*
 * study.h - the layouts side by side, and what they say (study.c): the
 * end of the false-sharing study, part of the compare model (compare.h).
 *
 * For each pivot that compares an axis' values within a run (by default
 * vmalock's layout), one table per client count: a column per run and
 * group of the family (each layout, under each prefetch value), per
 * metric its headline mean and CoeffVar, then rows of changes, each
 * column against
 *   - the pivot's base (the axis' first value: separate),
 *   - the layout that shares nothing (its sharing counts are 0 at every
 *     client count: inline128), so that inline64 meets inline128,
 *   - the first value of the other pivot axes (prefetch=on), same layout,
 * and the point's facts (the sharing counts, extra.facts).  A reading in
 * words follows from those numbers alone: which layout wins, whether
 * sharing only a 128-byte adjacent-line pair costs anything, whether the
 * prefetch toggle changes that, and why a difference at 1 client is not
 * false sharing.  Flip the numbers and the reading flips.
 */
#ifndef MMSCALE_STUDY_H
#define MMSCALE_STUDY_H
#include <stdbool.h>
#include "compare.h"

/* What a layout shares at its largest client count, from its facts. */
enum share { SHARE_UNKNOWN, SHARE_NONE, SHARE_PAIR, SHARE_LINE };

struct study_col {
	int run;
	const struct point *group;
	const char *value;	/* the pivot's first axis: "inline64" */
	char *rest;		/* the other pivot axes: "prefetch=on", or "" */
	const char *head[3];	/* header lines: run label, value, rest */
	char *title;		/* the header in one line */
};

/* A row of changes: cells[k] is column k against another column. */
struct study_change {
	char *name;		/* "vs separate", "vs prefetch=on" */
	struct cmp_cell *cells;	/* per column; C_MISSING: not compared */
	int *against;		/* per column: the column compared with, or -1 */
};

struct study_metric {
	char *metric;		/* "ops/sec" */
	const char *stat;	/* "Hmean" */
	int precision;
	enum better dir;
	struct cmp_cell *cells;	/* per column: the mean (value, n, stddev) */
	double *cv;		/* per column: its CoeffVar row, %; NAN: none */
	int nchanges;
	struct study_change *changes;
};

struct study_fact {
	char *name;		/* "hot_shared_128" */
	long long *v;		/* per column; STUDY_NO_FACT: the point has none */
};
#define STUDY_NO_FACT (-1LL)

struct study_table {
	int clients;
	int nmetrics;
	struct study_metric *m;
	int nfacts;
	struct study_fact *f;
};

struct study {
	char *name;		/* "vmalock mode=threads: layout side by side" */
	const struct cmp_pivot *pv;
	const char *axis;	/* "layout" */
	const char *base;	/* the pivot's base value: "separate" */
	const char *clean;	/* the value that shares nothing, or NULL */
	int ncols;
	struct study_col *cols;
	int ntables;		/* one per client count, ascending */
	struct study_table *t;
	char *reading;		/* the paragraph; NULL: nothing to read (no facts) */
	const char *metric;	/* the one it reads: the steadiest (lowest mean CoeffVar) */
	/* the reading's findings, as data (JSON, tests) */
	const char *winner;	/* at the largest client count, first run, that metric */
	const char *pair;	/* the layout that shares only a pair, or NULL */
	int pair_cost;		/* -1: it costs (significantly worse than clean),
				 * 0: nothing measurable, 1: significantly better */
	int prefetch_changes;	/* -1: no second axis; 0: the same; 1: it changes the pair's cost */
};

/* The studies of a built model (c->pivots): c->studies, c->nstudies. */
void study_build(struct cmp *c);
void study_free(struct cmp *c);

/* Renderers (render.c, report.c): to stdout, or the reading wrapped. */
void study_print_text(const struct cmp *c);
void study_print_markdown(const struct cmp *c);
json_t *study_json(const struct cmp *c);

/* Is group g in a study's family (its table replaces g's own)? */
bool study_has_group(const struct cmp *c, const struct point *g);

#endif
