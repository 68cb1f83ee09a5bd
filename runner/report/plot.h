/*
 * plot.h - pictures with gnuplot (plot.c).  Every picture is a data file
 * (NAME.dat), a generated gnuplot script (NAME.gp) that reads it, and the
 * images the script writes (NAME.png via pngcairo, NAME.svg): a user can
 * edit the script and re-render with `cd OUT && gnuplot NAME.gp`.
 */
#ifndef MMSCALE_PLOT_H
#define MMSCALE_PLOT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "summary.h"

#define PLOT_WIDTH 800		/* PNG size in pixels */
#define PLOT_HEIGHT 500

struct plot_opts {
	const char *out_dir;	/* created if missing */
	bool png, svg;		/* which images the scripts write */
};

/* 0 when gnuplot can be run; else EXIT_UNSUPP with "unavailable: gnuplot
 * not found (apt-get install gnuplot-nox)" in why.  $MMSCALE_GNUPLOT
 * names another binary. */
int plot_available(char *why, size_t n);

/*
 * The pictures of one or more runs (the first is the base):
 *   per group and metric: the mean (Hmean, Amean for lower-is-better)
 *   against clients, one line per run, error bars +-stddev of the
 *   iterations; with two runs or more, the %change against the first run
 *   per client count; and the slab footprint (pages per 1000 objects per
 *   cache, from meta.json) per run.
 * Appends {"name","title","kind":"metric"|"change"|"slab","png","svg"} per
 * picture to images (may be NULL).  Returns 0 or an EXIT_* code with a
 * message printed.
 */
int plot_runs(const struct plot_opts *o, struct summary *runs, int nruns, json_t *images);

/* One night of a trend picture. */
struct trend_night {
	int64_t time;			/* the run's start, seconds since the epoch */
	double value;			/* the headline mean */
	double band_lo, band_hi;	/* the baseline band that night; NAN: none */
	bool flagged;			/* this metric regressed that night */
	const char *kernel;		/* release; NULL: unknown */
	const char *label;		/* the run's label, or NULL */
};

struct trend {
	const char *metric;		/* "faults/sec-2": the title and the file name */
	const char *band;		/* the band's legend: what it is (NULL: "baseline band") */
	int n;
	const struct trend_night *nights;	/* oldest first; the last is the judged one */
};

/*
 * A metric over nights from the history: dates on the x axis, the values
 * with the judged night ringed, the baseline band, the nights flagged for
 * this metric, and a dashed line where the kernel changed.  Writes
 * OUT/trend-METRIC.{dat,gp,png,svg}.  Returns 0 or an EXIT_* code with a
 * message printed.
 */
int plot_trend(const char *out_dir, const struct trend *t);

/* "faults/sec" -> "faults-sec": the file-name form of a label */
void plot_slug(const char *s, char *out, size_t n);

#endif
