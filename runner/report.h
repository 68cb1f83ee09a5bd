/* report.h - the static HTML reports (report.c): one self-contained page
 * (index.html) per nightly or compare, pictures beside it as relative
 * <img>, no network resources and no JavaScript. */
#ifndef MMSCALE_REPORT_H
#define MMSCALE_REPORT_H
#include <jansson.h>
#include "stats.h"

/* Write the nightly report page into DIR from VERDICT (verdict_to_json(),
 * keys documented in verdict.h).  Every *.png already in DIR (the trend
 * plots of plot_trend) is shown.  Returns 0 or an EXIT_* code with a
 * message printed. */
int report_nightly(const char *dir, json_t *verdict);

/* Write DIR/index.html comparing the runs in DIRS (the first is the base):
 * the comparison table, the pictures of plot_runs (drawn into DIR), each
 * run's metadata, perf figures, and what was unavailable.  Returns 0 or an
 * EXIT_* code with a message printed. */
int report_compare(const char *dir, char **dirs, int ndirs);

/* The percent change of VAL against BASE, positive when better:
 * val*100/base-100 for higher-is-better, 100-val*100/base for
 * lower-is-better; NAN when base is 0.  Plots and reports use this one. */
double report_pct(double base, double val, enum better dir);

#endif
