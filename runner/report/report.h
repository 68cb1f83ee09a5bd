/* report.h - the static HTML reports (report.c): one self-contained page
 * (index.html) per nightly or compare, pictures beside it as relative
 * <img>, no network resources and no JavaScript. */
#ifndef MMSCALE_REPORT_H
#define MMSCALE_REPORT_H
#include <jansson.h>

/* Write the nightly report page into DIR from VERDICT (verdict_to_json(),
 * keys documented in verdict.h).  Every *.png already in DIR (the trend
 * plots of plot_trend) is shown.  What the machine lacked comes from
 * VERDICT's optional "unavailable" or "run"."unavailable" ({feature: why}),
 * or from the meta.json of an optional "run"."dir" (the results directory).
 * Returns 0 or an EXIT_* code with a message printed. */
int report_nightly(const char *dir, json_t *verdict);

/* Write DIR/index.html comparing the runs in DIRS (the first is the base):
 * the comparison table, the pictures of plot_runs (drawn into DIR), each
 * run's metadata, perf figures, and what was unavailable.  Returns 0 or an
 * EXIT_* code with a message printed. */
int report_compare(const char *dir, char **dirs, int ndirs);

/* Text into HTML: & < > " ' escaped. */
#include <stdio.h>
void html_esc(FILE *f, const char *s);

#endif
