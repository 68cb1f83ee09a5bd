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

/*
 * A metric over nights from the history: values[i] at night_x[i], the
 * baseline band [band_lo[i], band_hi[i]] (either NULL: no band), flagged[i]
 * non-zero marks a regression (NULL: none).  Writes OUT/trend-METRIC.{dat,
 * gp,png,svg}.  Returns 0 or an EXIT_* code with a message printed.
 */
int plot_trend(const char *out_dir, const char *metric, const double *night_x,
	       const double *values, int n, const double *band_lo,
	       const double *band_hi, const int *flagged);


/* "faults/sec" -> "faults-sec": the file-name form of a label */
void plot_slug(const char *s, char *out, size_t n);

#endif
