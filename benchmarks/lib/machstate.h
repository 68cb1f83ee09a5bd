/*
 * machstate.h - the one owner of machine state and of the signals that
 * must give it back.  Every machine-wide setting an mmscale program changes
 * (THP enabled/defrag, mTHP sizes, ASLR, any sysfs/sysctl file; the
 * prefetcher registers its own MSR restore here) is
 *
 *   1. journaled before the change, in $MMSCALE_STATE_DIR/machstate.json
 *      (default /run/mmscale: a tmpfs, like the settings, which a reboot
 *      resets), with the holder's pid, start time and boot id;
 *   2. put back by the holder: machstate_restore(), at exit (atexit), and on
 *      SIGINT/SIGTERM/SIGHUP (see machstate_signals);
 *   3. put back by the next mmscale command when the holder died without
 *      doing it (kill -9, OOM): machstate_recover(), one warning per holder.
 *
 * A later holder that journals a file a dead holder left changed inherits
 * the dead holder's original, so the machine's true value is never lost.
 * The journal also records the process groups of running workloads, so that
 * the next command kills what a killed runner left behind.
 *
 * Use from a workload (pft setting an mTHP size for --pages mthp:SIZE):
 *
 *	char path[PATH_MAX], was[64], why[256];
 *	snprintf(path, sizeof(path), "%s/hugepages-%dkB/enabled", machstate_thp_dir(), kb);
 *	if (machstate_set(path, "always", was, sizeof(was), why, sizeof(why)))
 *		die(EXIT_UNSUPP, 0, "--pages mthp:%dK: %s", kb, why);
 *	... it is restored at exit; the harness's SIGINT/SIGTERM path exits
 *	normally, so that covers signals; kill -9 leaves it to the next command.
 *
 * Fake roots for tests: $MMSCALE_THP_DIR (default
 * /sys/kernel/mm/transparent_hugepage), $MMSCALE_ASLR_FILE (default
 * /proc/sys/kernel/randomize_va_space), $MMSCALE_STATE_DIR.
 */
#ifndef MMSCALE_MACHSTATE_H
#define MMSCALE_MACHSTATE_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- paths ------------------------------------------------------------- */

const char *machstate_dir(void);	/* the journal's directory */
const char *machstate_thp_dir(void);	/* THP's sysfs directory (mTHP: hugepages-NkB/) */
const char *machstate_aslr_file(void);

/* ---- settings ---------------------------------------------------------- */

/*
 * The value in force in a sysfs/sysctl file: the bracketed choice of
 * "always [madvise] never", else the first line.  0, or -1 with errno.
 */
int machstate_get(const char *path, char *buf, size_t n);

/*
 * Set path to value for the rest of this process: the file is checked
 * writable, the original journaled (fsync'ed), then value written and read
 * back.  was gets the original (the one a dead holder left journaled, if
 * any: the machine's own).  Already at value: nothing journaled or written,
 * returns 0 with was == value.  Errors: EXIT_UNSUPP when the file cannot be
 * read or written (why: "unavailable: ..." / "cannot write ..."), EXIT_FAIL
 * when the journal cannot be written or read back differs; nothing changed.
 */
int machstate_set(const char *path, const char *value, char *was, size_t wasn,
		  char *why, size_t whyn);

/*
 * Everything this process changed, back as it was, newest first: the
 * registered restores (machstate_at_restore) and every machstate_set; the
 * journal entries are removed.  Idempotent; called at exit by itself.
 */
void machstate_restore(void);

/*
 * Register another restore (the prefetcher's MSRs): fn in ordinary code
 * (restore, exit), raw from a signal handler (async-signal-safe), either
 * may be NULL.  Both run once at most; newest registered runs first.
 */
void machstate_at_restore(void (*fn)(void), void (*raw)(void));

/* ---- signals: SIGINT, SIGTERM, SIGHUP ------------------------------------ */

/*
 * Who handles the three signals:
 *   stop != NULL  stop(sig) only (it should count or set a flag); the
 *                 program winds down and restores in ordinary code.  The
 *                 runner and the harness do this.
 *   stop == NULL  the default once anything is registered: restore
 *                 (async-signal-safe), then the handler that was installed
 *                 before machstate's (if any) runs, else exit 128+sig.
 *                 With nothing left to restore, the dispositions from before
 *                 are put back.
 */
void machstate_signals(void (*stop)(int sig));
/* Block (true) or unblock (false) the three signals around a critical
 * section; nests. */
void machstate_block(bool block);

/* ---- holders that died -------------------------------------------------- */

/*
 * Give back what dead holders left: their files to the journaled original,
 * their workload process groups killed (and waited for, a few seconds at
 * most).  One warning line on stderr per holder that had left something
 * changed.  Returns the number of entries that could not be resolved
 * (kept in the journal; a bad journal counts 1 and is warned about once).
 */
int machstate_recover(void);

/* ---- workload process groups -------------------------------------------- */

/* A workload whose process group this process runs: journaled so that if
 * this process is killed, the next command kills the group.  what: for the
 * warning (a command line).  Best effort: 0, or -1 when no journal could be
 * written (an unprivileged user without a state directory). */
int machstate_hold_group(pid_t pgid, const char *what);
void machstate_release_group(pid_t pgid);
/* Live groups whose holder is dead (after machstate_recover tried to kill
 * them): 0 when none.  The first one's pgid and description go to buf. */
int machstate_orphans(char *buf, size_t n);
/* Live members (zombies excluded) of process group pgid that started at or
 * after start (the leader's start: older ones belong to a reused pgid). */
int machstate_group_alive(pid_t pgid, unsigned long long start);

/* ---- process identity (shared with the prefetch journal) ----------------- */

/* Field 22 of /proc/PID/stat, ticks since boot; 0 if the process is gone. */
unsigned long long machstate_proc_start(pid_t pid);
/* Is the process pid with that start time alive (start 0: any)? */
bool machstate_alive(pid_t pid, unsigned long long start);
/* This boot's id (/proc/sys/kernel/random/boot_id), "" if unreadable. */
const char *machstate_boot_id(void);
/* The journal lock ($STATE_DIR/journal.lock), held until machstate_unlock:
 * -1 when the directory does not exist and create is false, or on error
 * (errno set; with create, the message is printed). */
int machstate_lock(bool create);
void machstate_unlock(int fd);
/* Write text to path through tmp + fsync + rename; async-signal-safe.
 * 0, or -1 with errno. */
int machstate_write_atomic(const char *path, const char *tmp, const char *text);

#endif
