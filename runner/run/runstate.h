/*
 * runstate.h - who is running a results directory right now, in
 * DIR/runstate.json: the runner (pid, start time, boot id) and the process
 * group of the workload it has running, if any.  The runner writes it when
 * it starts and for each workload it starts, and removes it when it ends.
 *
 * A file left behind means the runner was killed (kill -9, OOM, power):
 * list, show and import tell such a run `dead` from `running`, and
 * `--resume` kills the dead runner's workload (and waits for it) before it
 * runs anything, so that an orphan never measures beside the resumed run or
 * writes into its files.  The machine-wide journal (machstate.h) records the
 * same group so that any next command reaps it; this file is the per-run
 * record, which works where the journal's directory cannot be written.
 */
#ifndef MMSCALE_RUNSTATE_H
#define MMSCALE_RUNSTATE_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

enum runstate {
	RUNSTATE_NONE,		/* no record: the runner ended (or never ran) */
	RUNSTATE_RUNNING,	/* its runner is alive */
	RUNSTATE_DEAD,		/* its runner died without ending the run */
};

/* This process runs dir now (no workload yet).  0, or -1 with errno. */
int runstate_begin(const char *dir);
/* The workload process group pgid runs now (0: none).  0, or -1. */
int runstate_workload(const char *dir, pid_t pgid);
/* The run ended, for whatever reason: the record goes. */
void runstate_end(const char *dir);

/* Is someone running dir?  *pid gets the runner's pid (may be NULL). */
enum runstate runstate_get(const char *dir, pid_t *pid);

/*
 * The status to print for a run whose meta.json says status: a "running"
 * run whose runner is gone (killed, or no record of one) reads
 * "dead (the runner, pid N, was killed; resume with `mmscale run CONFIG
 * --label L --results R [--set ...] --resume`)"; anything else as it is.
 * Returns buf.  short_form: just "dead" (list's column).
 */
const char *runstate_status(const char *dir, json_t *meta, bool short_form, char *buf, size_t n);

/*
 * Before resuming dir: a live runner is refused (EXIT_USAGE, message
 * printed); a dead runner's workload group is killed and waited for (a few
 * seconds at most; one line says so).  0 when nothing of the old run is
 * left alive, else EXIT_FAIL with a message.
 */
int runstate_reap(const char *dir);

#endif
