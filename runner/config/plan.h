/*
 * plan.h - a config expanded into points: workload x axes x clients, each
 * one workload argv with a stable id (p000, p001, ...).  Points that differ
 * only in the config's `interleave` axes form one interleave set and are
 * run iteration by iteration (A B A B ...).
 */
#ifndef MMSCALE_PLAN_H
#define MMSCALE_PLAN_H
#include <stdbool.h>
#include <jansson.h>
#include "config.h"
#include "summary.h"

struct plan_point {
	char id[16];		/* "p000" */
	const struct cfg_workload *wl;
	int naxes;
	struct axis *axes;	/* the point's identity besides workload and
				 * clients: mode, then every list-valued key,
				 * in file order */
	char *group;		/* display only, rendered from the axes */
	char *mode;		/* "threads" | "processes" */
	int clients;
	int prefetch;		/* -1: not an axis, 0 off, 1 on */
	json_t *params;		/* every resolved key of the point */
	json_t *metrics;	/* the program's declared metrics (its
				 * --list-options "metrics"), borrowed */
	char **argv;		/* program name first; no --iterations/--warmup */
	int argc;
	int set;		/* interleave set index */
};

struct plan {
	int npoints;
	struct plan_point *pts;
	int nsets;
	int ncpus;
};

/* Expand c into p.  Returns 0 or EXIT_* with a message. */
int plan_build(const struct config *c, struct plan *p);
void plan_free(struct plan *p);
/* The resolved plan, for meta.json and `mmscale plan --json`. */
json_t *plan_json(const struct plan *p);
/* Print one line per point. */
void plan_print(const struct plan *p, FILE *f);

#endif
