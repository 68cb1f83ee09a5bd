/*
 * verdict.h - judging one run of the history against a baseline.
 *
 * Every headline metric of the run (the mean row of a metric at a client
 * count, e.g. faults/sec-2: Hmean for higher-is-better metrics, Amean for
 * lower-is-better) is compared with the union of the raw iteration values
 * of the baseline runs, with stats_significant() (the test `compare` uses)
 * and the change as compare prints it (stats_gain_pct: positive is better).
 *
 *   regression:  significant AND worse than the baseline by more than the
 *                threshold (default 2%)
 *   improvement: significant AND better by more than the threshold
 *   within noise: a regression or improvement by the rules above whose
 *                change is inside the noise floor of this machine's
 *                calibration of the config (stats_within_floor: |change| <=
 *                t(0.975; n-1) * sqrt(2) * cv_between of that row, n
 *                its runs): not flagged
 *   unchanged:   anything else
 *
 * The calibration is the newest the history holds for the run's machine
 * and config hash (mmscale calibrate --db, or import of a calibration), or
 * one given (nightly --noise-floor CAL); without one nothing is floored.
 * A run with a regression is flagged in the history and never enters a
 * later baseline.  A run with a point that did not end "ok", or with no
 * point at all, failed (verdict "failed", nightly exit 3) unless it also
 * has a regression (exit 1); its ok points are judged all the same.  Baselines (struct verdict_opts.baseline):
 *   "window:K"   the K most recent earlier runs on the same machine (hostname
 *                + CPU model) and config (hash) that are complete and not
 *                flagged (default window:7)
 *   "last-good"  the most recent such run (window:1)
 *   LABEL        the run with that label on the same machine
 */
#ifndef MMSCALE_VERDICT_H
#define MMSCALE_VERDICT_H
#include <stdio.h>
#include <jansson.h>
#include "stats.h"
#include "store.h"

#define VERDICT_DEFAULT_BASELINE "window:7"
#define VERDICT_DEFAULT_THRESHOLD 2.0	/* percent */

struct verdict_opts {
	const char *baseline;		/* NULL: VERDICT_DEFAULT_BASELINE */
	double threshold;		/* percent, >= 0 */
	enum sig_test test;		/* SIG_MMTESTS, as compare's default */
	double alpha;			/* stats_default_alpha() of the test */
	/* The noise floor: calib if given, else (unless no_floor) the newest
	 * calibration of the run's machine and config hash in the history. */
	const struct calib *calib;
	const char *calib_source;	/* what calib was read from (messages) */
	bool no_floor;
};
#define VERDICT_OPTS_DEFAULT { .baseline = VERDICT_DEFAULT_BASELINE, \
	.threshold = VERDICT_DEFAULT_THRESHOLD, .test = SIG_MMTESTS, .alpha = STATS_ALPHA_MMTESTS }

enum vclass { V_UNCHANGED, V_IMPROVEMENT, V_REGRESSION, V_NOBASE, V_NOISE };

struct verdict_metric {
	char *group, *metric;		/* "pft mode=threads", "faults/sec" */
	int clients;
	enum better dir;
	int n, base_n;			/* iterations judged, baseline values */
	double mean, base_mean;		/* Hmean or Amean, as dir says */
	double cv, base_cv;		/* coefficients of variation, % */
	double pct;			/* stats_gain_pct(): positive is better */
	double p;			/* p-value of the test */
	bool significant;
	double cv_between, floor_pct;	/* the calibration's row; NAN without one */
	enum vclass cls;
};

/* The calibration a verdict was floored with. */
struct verdict_floor {
	bool on;			/* a calibration was found or given */
	char *label, *source;		/* source: "history" or the file */
	char *hostname, *config_hash;
	int64_t time;			/* when it was made (epoch seconds; 0 unknown) */
	int runs, rows;
};

struct verdict {
	struct store_run run;		/* the judged run (owned copy) */
	char *baseline;			/* the spec, as given */
	int nbase;
	struct store_run *base;		/* the baseline runs, oldest first */
	double threshold, alpha;
	enum sig_test test;
	int nmetrics;
	struct verdict_metric *m;
	int regressions, improvements;
	int within_noise;		/* V_NOISE metrics */
	struct verdict_floor floor;
	/* points of the run that did not end "ok" (failed, invalid, ...) */
	int nfailed;
	struct store_point_status *failed;
};

/* Check a baseline spec; 0 or EXIT_USAGE with a message naming it. */
int verdict_parse_baseline(const char *spec, int *window, const char **label);

/*
 * Judge RUN (already in the store) and fill V.  Returns 0, EXIT_USAGE for a
 * bad spec or an unknown baseline label, or a store error.  With no baseline
 * run at all, every metric is V_NOBASE and there is no regression.
 */
int verdict_judge(struct store *st, const struct store_run *run,
		  const struct verdict_opts *o, struct verdict *v);

/* The statistics alone, for one metric: CUR against the union BASE.
 * Used by verdict_judge and directly by the unit tests. */
void verdict_judge_metric(const double *cur, int n, const double *base, int nb,
			  enum better dir, const struct verdict_opts *o,
			  struct verdict_metric *m);

/* Store the judgement: the run becomes STORE_FLAGGED when it has a
 * regression, else STORE_GOOD; the verdict JSON is kept with it. */
int verdict_record(struct store *st, const struct verdict *v);

/* Text summary: regressions and improvements with percentages and stars. */
void verdict_print(FILE *f, const struct verdict *v);

/*
 * The verdict as JSON, for reports (report_nightly) and the history.  Keys:
 *   "schema": 1
 *   "verdict": "regression" | "failed" | "ok" | "no-baseline"
 *   "regressions", "improvements": counts
 *   "failed_points": [ { "id", "group", "clients", "status", "reason" } ]
 *   "run": { "label", "hostname", "cpu_model", "kernel", "config",
 *            "config_hash", "toggles" (object), "time" (epoch seconds),
 *            "status" }
 *   "baseline": { "spec": "window:7", "runs": [ {"label", "kernel", "time"} ] }
 *   "threshold_pct", "alpha", "test": "mmtests" | "welch"
 *   "metrics": [ { "name": "faults/sec-2", "group", "metric", "clients",
 *                  "better": "higher" | "lower", "stat": "Hmean" | "Amean",
 *                  "n", "mean", "coeffvar", "base_n", "base_mean",
 *                  "base_coeffvar", "pct", "p", "significant" (bool),
 *                  "cv_between", "floor_pct" (the calibration's row, or null),
 *                  "class": "regression" | "improvement" | "unchanged" |
 *                           "no-baseline" | "within-noise" } ]
 *   "within_noise": count
 *   "noise_floor": { "label", "source", "hostname", "config_hash", "time",
 *                    "runs", "rows" } or null (no calibration)
 * "pct", "p", means are null where there is no baseline.
 */
json_t *verdict_to_json(const struct verdict *v);

/* "regression", "failed", "ok" or "no-baseline" */
const char *verdict_word(const struct verdict *v);

/* Has the run points that did not end ok (or none at all)? */
bool verdict_run_failed(const struct verdict *v);

void verdict_free(struct verdict *v);

#endif
