/*
 * compare.h - what other reports reuse from `mmscale compare` (compare.c):
 * the mean-row change of one operation, exactly as the table prints it, so
 * a summary built on top (e.g. a layout x prefetch 2x2) agrees with it.
 */
#ifndef MMSCALE_COMPARE_H
#define MMSCALE_COMPARE_H
#include <stdbool.h>
#include "stats.h"
#include "summary.h"

/*
 * Mean row (Hmean, or Amean for lower-is-better) of metric at clients in
 * point group `group`: run `b` against run `a`.  *pct gets the mmtests
 * percentage (positive is better), *sig and *p the significance under
 * test/alpha (p may be NULL).  Returns 0, or -1 when either run has no
 * ok point with that metric.
 */
int compare_mean_change(const struct summary *a, const struct summary *b,
			const char *group, const char *metric, int clients,
			enum sig_test test, double alpha,
			double *pct, bool *sig, double *p);

/* The same between two point groups, e.g. one layout against another in
 * the same run (group_b of run b against group_a of run a). */
int compare_mean_change_groups(const struct summary *a, const char *group_a,
			       const struct summary *b, const char *group_b,
			       const char *metric, int clients,
			       enum sig_test test, double alpha,
			       double *pct, bool *sig, double *p);

#endif
