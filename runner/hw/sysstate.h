/*
 * sysstate.h - machine-wide settings a run changes (THP mode, ASLR) and
 * puts back: after the run, on error (atexit) and after SIGINT/SIGTERM
 * (the runner restores before it exits 130).
 * Paths: $MMSCALE_THP_DIR (default /sys/kernel/mm/transparent_hugepage),
 * $MMSCALE_ASLR_FILE (default /proc/sys/kernel/randomize_va_space).
 */
#ifndef MMSCALE_SYSSTATE_H
#define MMSCALE_SYSSTATE_H
#include <stdbool.h>
#include <jansson.h>
#include "config.h"

/*
 * Apply the config's thp and aslr settings.  What happened goes into
 * record ({"thp": {...}, "aslr": {...}}), and anything that could not be
 * done into unavailable.  Returns 0, or EXIT_UNSUPP when a THP mode the
 * config requires cannot be set.  *no_aslr_personality is set when ASLR
 * must be turned off per workload with personality(2) instead.
 */
int sysstate_apply(const struct config *c, json_t *record, json_t *unavailable,
		   bool *no_aslr_personality);
/* Put back whatever sysstate_apply changed; idempotent. */
void sysstate_restore(void);
/* The current THP mode ("madvise"), or NULL if unreadable. */
const char *sysstate_thp_mode(char *buf, size_t n);

#endif
