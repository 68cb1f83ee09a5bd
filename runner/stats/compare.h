/*
 * compare.h - the compare model: `mmscale compare` builds it once
 * (compare.c) and every output renders it (text, markdown, CSV, JSON here;
 * the HTML report in report.c), so the formats cannot disagree.
 *
 *   struct cmp          runs, rule, alpha
 *    +- groups[]        one per point group (workload + axes other than clients)
 *    |   +- rows[]      a statistic of a metric at a client count ("Hmean faults/sec-4")
 *    |       +- cells[] one per run: value, change, n, mean, stddev, p, significant
 *    +- pivots[]        a pivot (default: layout x prefetch) per family
 *    |   +- rows[]      the mean rows; a cell per column (a run and axis values)
 *    +- fp[]            each run's slab footprint (pages per 1000 VMAs)
 *    +- studies[]       per in-run pivot: its values side by side per client
 *                       count, with the sharing counts and a reading (study.h)
 *
 * Every number in a cell comes from stats.h: the headline mean, the change
 * rule (positive is better) and the significance decision.
 */
#ifndef MMSCALE_COMPARE_H
#define MMSCALE_COMPARE_H
#include <stdbool.h>
#include "stats.h"
#include "summary.h"

enum cmp_state { C_OK, C_MISSING, C_FAILED };
struct study;
struct calib;

struct cmp_cell {
	enum cmp_state state;
	double value;		/* the row's statistic */
	double pct;		/* change against the base cell, positive is
				 * better (stats_gain_pct); NAN: nothing to compare */
	bool sig;		/* significant (mean rows only) */
	bool floor;		/* significant, but within the noise floor
				 * (--noise-floor): sig is false then */
	double p;		/* p-value; NAN unless a t-test ran */
	/* the samples behind the cell (stat rows): n, headline mean, stddev */
	int n;
	double mean, stddev;
	double coeffvar;	/* stddev * 100 / amean, as the CoeffVar row */
	double ci_lo, ci_hi;	/* 95% interval of the mean; NAN until computed */
	double pct_lo, pct_hi;	/* 95% interval of pct (stats_change_ci; mean
				 * rows); NAN without one */
	int nwarn;
	char **warn;		/* one line each, e.g. "Hmean undefined: Amean shown" */
};

/* Which statistic a row is (text, markdown etc. print cmp_row.stat). */
enum cmp_stat {
	ST_MIN, ST_MEAN, ST_STDDEV, ST_COEFFVAR, ST_MAX, ST_B50, ST_B95, ST_B99,
	ST_HSTDDEV, ST_HCOEFFVAR, ST_EXTRA,
};

struct cmp_row {
	enum cmp_stat kind;
	const char *stat;	/* "Hmean", "BHmean-95", "Slab", ... (static) */
	char *op;		/* "faults/cpu-12", rendered */
	char *metric;		/* "faults/cpu", or the extra key */
	int clients;
	bool mean;		/* the row significance is judged on */
	int precision;		/* decimals */
	struct cmp_cell *cells;	/* one per run (groups) or column (pivots) */
};

struct cmp_group {
	const struct point *key;	/* a point of the group: workload and axes */
	char *name;		/* rendered, "pft mode=threads" */
	int nrows;
	struct cmp_row *rows;
};

/* A column of a pivot: group `group` of run `run` against `base_group` of
 * `base_run`, labelled by the run and the pivot axes' values. */
struct cmp_col {
	int run, base_run;
	const struct point *group, *base_group;
	int nvals;
	const char *keys[4], *vals[4];	/* the pivot axes' values of the column */
	const char *head[3];	/* header lines: run label, first axis, the others */
	char *head_rest;	/* storage of head[2] */
	char *title;		/* the header in one line */
};

#define CMP_PIVOT_MAX 4
struct cmp_pivot {
	char *name;		/* "layout x prefetch: vmalock mode=threads" */
	char *family;		/* the groups without the pivot axes */
	char *note;		/* what the cells are changes against */
	char *base;		/* "layout=separate" or the first run's label */
	const char *base_value;	/* "separate"; NULL when the runs are compared */
	int naxes;
	const char *axes[CMP_PIVOT_MAX];
	int ncols;
	struct cmp_col *cols;
	int nrows;
	struct cmp_row *rows;
};

/* The VMA footprint of one run: pages per 1000 VMAs from slab geometry. */
#define FP_MAX 2
struct footprint {
	const char *why;	/* NULL when known, else why not */
	int n;
	struct fp_cache {
		const char *name;
		unsigned objsize, objperslab, pagesperslab;
		unsigned long pages;
		const char *merged_with;	/* NULL unless merged */
	} c[FP_MAX];
	unsigned long pages;
};

struct cmp {
	/* input */
	int nruns;
	struct summary *runs;
	enum sig_test test;
	double alpha;
	int npivot;		/* --pivot axes; 0: the default (layout, prefetch) */
	const char *pivot[CMP_PIVOT_MAX + 1];	/* NULL-terminated */
	/* which rows the model keeps (cover letters): */
	int nstats;		/* --stat: only rows of these stats ("Hmean", ...) */
	const char *stats[16];
	bool mean_only;		/* only the mean rows (mail, without --stat) */
	bool no_slab;		/* leave out the Slab rows and the footprint */
	bool monitors;		/* keep the Monitor rows (--monitors) */
	bool classic_header;	/* text: mmtests' two-line run names */
	bool show_ci;		/* text: each mean cell's 95% interval (--ci) */
	bool show_p;		/* text: each mean cell's p-value (--show-p) */
	/* --noise-floor: this machine's run-to-run spread (calibration.h); a
	 * mean-row star of one run against another within it is dropped */
	const struct calib *floor;
	/* the model */
	int ngroups;
	struct cmp_group *groups;
	int npivots;
	struct cmp_pivot *pivots;
	struct footprint *fp;	/* one per run */
	int nstudies;		/* the layouts side by side (study.h) */
	struct study *studies;
	int nfloored;		/* the stars the noise floor dropped */
	int nwarn;		/* what the reader should know (warn.c): one line each, */
	char **warn;		/* on stderr and in every format's metadata */
};

/* Build the model of c->runs under c->test, c->alpha and c->pivot. */
void cmp_build(struct cmp *c);
void cmp_free(struct cmp *c);

/* The warnings about the runs (warn.c; cmp_build calls it). */
void cmp_warnings(struct cmp *c);
void cmp_warn(struct cmp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cmp_warn_free(struct cmp *c);

/* Renderers of the model, to stdout (HTML: report.c). */
void cmp_print_text(const struct cmp *c);
/* Just the rows, in the layout of the published tables, ready to paste
 * into a cover letter (reference section 1), then the footprint if on. */
void cmp_print_mail(const struct cmp *c);
void cmp_print_markdown(const struct cmp *c);
void cmp_print_csv(const struct cmp *c);
int cmp_print_json(const struct cmp *c);

/* How a cell's change prints in text: "(  1.26%)", "*  1.26%*", "(     n/a)". */
const char *cmp_pct_text(const struct cmp_cell *cl, char *buf, size_t n);
const char *cmp_state_name(enum cmp_state s);
/* The calibration file --noise-floor read ("" without one). */
const char *cmp_floor_path(const struct cmp *c);
extern const char cmp_no_slab[];	/* the footprint's why without geometry */

/*
 * The mean-row cell of metric at clients: group b of run `rb` against
 * group a of run `ra` (the same group, or another, e.g. one layout against
 * another).  Returns 0 with *cell filled, or -1 when either side has no ok
 * point with that metric.
 */
int cmp_mean_cell(const struct cmp *c, int ra, const struct point *ga, int rb,
		  const struct point *gb, const char *metric, int clients,
		  struct cmp_cell *cell);

#endif
