/* report.h - the static HTML reports (report.c). */
#ifndef MMSCALE_REPORT_H
#define MMSCALE_REPORT_H
#include <jansson.h>

/* Write the nightly report page into DIR from VERDICT (verdict_to_json(),
 * keys documented in verdict.h).  Returns 0 or an EXIT_* code with a
 * message printed. */
int report_nightly(const char *dir, json_t *verdict);

#endif
