/*
 * sysstate.h - the machine-wide settings a config asks for (THP mode,
 * ASLR), set through the machine state journal (machstate.h) so that they
 * come back on every path out: machstate_restore() after the run, atexit,
 * signals, and the next mmscale command after a kill -9.
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
 * record ({"thp": {...}, "aslr": {...}}: requested, was, result; "was" is
 * the machine's own value, also after a killed run), and anything that
 * could not be done into unavailable.  Returns 0, EXIT_UNSUPP when a THP
 * mode the config requires cannot be set, or EXIT_FAIL when it could not
 * be journaled.  *no_aslr_personality is set when ASLR must be turned off
 * per workload with personality(2) instead.
 */
int sysstate_apply(const struct config *c, json_t *record, json_t *unavailable,
		   bool *no_aslr_personality);
/* The current THP mode ("madvise"), or NULL if unreadable. */
const char *sysstate_thp_mode(char *buf, size_t n);

#endif
