/*
 * calibration.h - calibration.json, this machine's run-to-run spread of a
 * config (`mmscale calibrate`, runner/run/calibrate.c), read by compare
 * --noise-floor.  This file and calibration.c are the only code that knows
 * its form:
 *
 *   {"schema": 1, "config": "pft.conf", "config_hash": "ab12..",
 *    "label": "cal", "hostname": "box", "cpu_model": "...", "time": 1764650000,
 *    "runs": ["cal-1", "cal-2", ...],
 *    "rows": [{"group": "pft mode=threads", "metric": "faults/sec",
 *              "clients": 1, "n": 5, "cv_between": 9.8, "cv_within_mean": 2.1}]}
 *
 * A row is a metric at a client count of a point group (the group as
 * rendered by point_group_render); n the runs that had it; cv_between the
 * CoeffVar (%) of their headline means; cv_within_mean the mean of their
 * own CoeffVars.  label, hostname, cpu_model (the machine, as the history
 * keys it) and time (epoch seconds, when it was written) came later: a
 * reader takes a file without them (an import then finds the machine in
 * its runs' meta.json).
 */
#ifndef MMSCALE_CALIBRATION_H
#define MMSCALE_CALIBRATION_H
#include <stdint.h>

#define CALIB_SCHEMA 1
#define CALIB_FILE "calibration.json"

struct calib_row {
	char *group, *metric;
	int clients;
	int n;
	double cv_between, cv_within_mean;
};

struct calib {
	char *path;		/* the file read (load) */
	char *config, *config_hash;	/* config_hash: NULL when not recorded */
	char *label, *hostname, *cpu_model;	/* NULL when not recorded */
	int64_t time;		/* epoch seconds; 0 when not recorded */
	int nruns;
	char **runs;		/* labels */
	int nrows;
	struct calib_row *rows;
};

/*
 * Read a calibration: ARG is a calibration.json or the directory holding
 * one.  Returns 0, or EXIT_USAGE after one line naming the file and what
 * is wrong with it ("prog: WHAT: FILE: ...").
 */
int calib_load(const char *arg, const char *what, struct calib *c);
/* Write DIR/calibration.json atomically.  Returns 0 or EXIT_FAIL (said). */
int calib_write(const char *dir, const struct calib *c);
/* Add a row (strings copied). */
void calib_add(struct calib *c, const char *group, const char *metric, int clients, int n,
	       double cv_between, double cv_within_mean);
/* The row of metric at clients in group, or NULL. */
const struct calib_row *calib_find(const struct calib *c, const char *group,
				   const char *metric, int clients);
void calib_free(struct calib *c);

#endif
