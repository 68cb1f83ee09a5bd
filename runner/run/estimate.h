/*
 * estimate.h - how long a config's plan takes on this machine, for `mmscale
 * plan --db DB` (from the newest runs of the config in the history) and
 * `plan --pilot` (from a short run of every point).
 *
 * A point's time is its seconds per iteration (the whole point's wall time,
 * process start and untimed work included, over the iterations it ran)
 * times the iterations the plan will run: warm-up + iterations, or for an
 * adaptive point warm-up + the pilot (min_iterations) + what it will keep.
 * The kept iterations of an adaptive point come from the history's own
 * adaptive runs of it, else from the spread it recorded (stats_adaptive_n,
 * the rule the run applies); a pilot of 2 iterations cannot say, so its
 * adaptive points get a range (STATS_FEW_SAMPLES kept .. max_iterations).
 */
#ifndef MMSCALE_ESTIMATE_H
#define MMSCALE_ESTIMATE_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "config.h"
#include "plan.h"

#define ESTIMATE_RUNS 3			/* the newest runs of the history used */
#define ESTIMATE_PILOT_ITERATIONS 2	/* iterations per point of --pilot */

enum estimate_source { EST_NONE, EST_HISTORY, EST_PILOT };

struct estimate_point {
	bool known;
	double s_iter;			/* seconds per iteration */
	int iters, iters_max;		/* iterations the plan runs (a range: adaptive
					 * from a pilot), warm-up included */
	double sec, sec_max;
};

struct estimate {
	enum estimate_source source;
	char machine[256], cpu[256];	/* hostname and CPU model it is for */
	char why[512];			/* EST_NONE: why there is none */
	int runs;			/* history: runs used */
	int64_t newest;			/* history: start of the newest (epoch) */
	double pilot_sec;		/* pilot: its wall time */
	int npoints, known;
	struct estimate_point *pts;	/* per plan point */
	double total, total_max;	/* seconds, of the known points */
};

/* From the newest ESTIMATE_RUNS runs of cfg's hash on this machine in the
 * history DB.  Returns 0 (e->source EST_NONE with why when it has none) or
 * a store error. */
int estimate_history(const struct config *cfg, const struct plan *plan, const char *db,
		     struct estimate *e);
/* Run every point ESTIMATE_PILOT_ITERATIONS times (no warm-up, a scratch
 * results directory removed after) and extrapolate.  Returns 0 or the
 * run's exit code. */
int estimate_pilot(const char *config, const char *const *sets, int nsets,
		   const struct config *cfg, const struct plan *plan, struct estimate *e);
void estimate_print(const struct estimate *e, const struct plan *plan, FILE *f);
json_t *estimate_json(const struct estimate *e, const struct plan *plan);
void estimate_free(struct estimate *e);
/* "0.42 s", "12.3 s", "4 min 05 s", "2 h 07 min" */
char *estimate_duration(double sec, char *buf, size_t n);

#endif
