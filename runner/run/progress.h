/*
 * progress.h - the live progress line of `mmscale run` (progress.c):
 *
 *   [###.......]  35%  p003 4/6 clients=2  iter 3/5 ±3.1%/2%  elapsed 0:41
 *     ETA 1:16  ops/sec 101.9M  vmalock mode=threads layout=inline64
 *
 * ±3.1%/2%: the 95% half-width of the headline mean so far, relative to
 * it (stats_ci_rel over what the point would summarise now), against an
 * adaptive point's target; a fixed point shows its precision alone (±3.1%),
 * an adaptive one before two samples ±?/2%.
 * on one line, cut to the terminal's width (the group goes first); the
 * warm-up is marked
 * ("warm-up 1/1") and not counted as a measured iteration.  The ETA is the
 * measured pace once there is one, and before that the plan's estimate
 * (a timed workload's duration per iteration), so the first iteration has
 * one too.
 */
#ifndef MMSCALE_PROGRESS_H
#define MMSCALE_PROGRESS_H
#include <stddef.h>

struct progress {
	int point, npoints;	/* 1-based */
	const char *id, *group;	/* "p003", "vmalock mode=threads layout=inline64" */
	int clients;
	int iteration;		/* of the point, warm-ups included, 1-based */
	int warmup, iterations;	/* the point's warm-ups and measured iterations */
	long done, total;	/* invocations of the run: done and planned */
	double elapsed;		/* seconds since the run started */
	double eta;		/* seconds left; NAN: unknown */
	const char *headline;	/* "ops/sec 101.9M" (the last value), or NULL */
	double precision;	/* 95% half-width / mean so far (0.031); NAN: not yet */
	double target;		/* adaptive's precision (0.02); 0: fixed iterations */
	int width;		/* columns; 0: 80 */
};

/* The line, without newline or escape codes, at most width - 1 columns
 * (UTF-8: a column per character). */
void progress_format(const struct progress *p, char *buf, size_t n);

/*
 * Seconds left: done/total iterations after elapsed seconds at the
 * measured pace; with nothing done yet, planned_per_iter seconds (the
 * plan's estimate, NAN: none) per iteration left.
 */
double progress_eta(double elapsed, long done, long total, double planned_per_iter);

/* "±3.1%/2%", "±3.1%", "±?/2%", "" (fixed, not yet): p's precision part */
void progress_precision(const struct progress *p, char *buf, size_t n);

/* "1:05", "1:02:03" */
void progress_time(double s, char *buf, size_t n);

#endif
