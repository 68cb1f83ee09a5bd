/*
 * prefetch.h - the hardware prefetcher control (MSR 0x1A4 / 0x1A0) with a
 * journal that guarantees the machine goes back to how the user had it.
 * Device root: $MMSCALE_MSR_ROOT (default /dev/cpu); cpuinfo:
 * $MMSCALE_CPUINFO (default /proc/cpuinfo); journal directory:
 * $MMSCALE_STATE_DIR (default /run/mmscale).
 */
#ifndef MMSCALE_PREFETCH_H
#define MMSCALE_PREFETCH_H
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

enum pf_which { PF_L2 = 1, PF_ADJACENT = 2, PF_DCU = 4, PF_DCU_IP = 8, PF_ALL = 15 };

/* Can the prefetcher(s) be controlled here?  0, or EXIT_UNSUPP with the
 * one-line reason in why. */
int prefetch_probe(unsigned which, char *why, size_t n);
/* Journal the current values (once), then set on/off on every core.
 * Restores automatically at exit and on SIGINT/SIGTERM/SIGHUP.
 * Returns 0 or EXIT_* with a message printed.
 * Call it again to alternate (A B A B): the first call's values are what
 * is restored.  The signal handler restores, then calls the handler that
 * was installed before the call (or exits 128+sig when there was none);
 * each call re-installs it in front of the current handler.  Sysfs
 * topology root: $MMSCALE_SYSFS_CPU (default /sys/devices/system/cpu). */
int prefetch_set(unsigned which, bool on);
/* Put every CPU back to its journaled value and remove the journal.
 * In a process holding a change made by prefetch_set(): back to the values
 * it started from; a deliberate `mmscale prefetch off` from before stays
 * in force (and in the journal). */
int prefetch_restore(void);
/* Per-CPU state for meta.json, or {"unavailable": why}. */
json_t *prefetch_state_json(void);
#endif
