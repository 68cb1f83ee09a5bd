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
/*
 * A held change, as a run's prefetch axis makes it (A B A B):
 *   prefetch_hold    detect the CPU, probe every MSR and journal the
 *                    current values, once; nothing is written yet
 *   prefetch_toggle  on/off on every core, each write read back; nothing
 *                    detected or journaled again.  A write that does not
 *                    take is EXIT_UNSUPP and undoes the hold.
 *   prefetch_release back to the values the hold started from; frees h
 * The restore is registered with machstate (machstate.h), which owns
 * SIGINT/SIGTERM/SIGHUP and exit: on a signal it restores, then runs the
 * program's stop handler (machstate_signals) or the handler from before,
 * or exits 128+sig.  Returns 0 or EXIT_* with a message printed.  Sysfs
 * topology root: $MMSCALE_SYSFS_CPU (default /sys/devices/system/cpu).
 */
struct prefetch_hold;
int prefetch_hold(unsigned which, struct prefetch_hold **h);
int prefetch_toggle(struct prefetch_hold *h, bool on);
int prefetch_release(struct prefetch_hold *h);
/* The same without a handle: the first call holds, later calls toggle. */
int prefetch_set(unsigned which, bool on);
/* 0, or EXIT_FAIL when a journal exists but cannot be read (warned about
 * once per process): a run must not start on it. */
int prefetch_journal_usable(void);
/* How many times this process wrote the journal (tests). */
int prefetch_journal_writes(void);
/* Put every CPU back to its journaled value and remove the journal.
 * In a process holding a change made by prefetch_set(): back to the values
 * it started from; a deliberate `mmscale prefetch off` from before stays
 * in force (and in the journal). */
int prefetch_restore(void);
/* Per-CPU state for meta.json, or {"unavailable": why}. */
json_t *prefetch_state_json(void);
#endif
