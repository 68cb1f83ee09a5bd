/*
 * exec.h - run one workload process for the runner: stdout to a file,
 * stderr appended to a log, its own process group (so a watchdog kill takes
 * its forked clients too), a deadline, Ctrl-C forwarded and escalated, and
 * a parent-death signal (it never outlives a killed runner).
 */
#ifndef MMSCALE_EXEC_H
#define MMSCALE_EXEC_H
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct exec_req {
	char **argv;			/* argv[0] is the path */
	const char *out_path;		/* stdout, truncated */
	const char *err_path;		/* stderr, appended */
	double watchdog;		/* seconds; 0: no deadline */
	bool no_aslr;			/* personality(ADDR_NO_RANDOMIZE) in the child */
	volatile sig_atomic_t *stop;	/* set by the caller's signal handler:
					 * forwarded to the workload as SIGINT */
	volatile sig_atomic_t *stops;	/* how many stop signals came: a second
					 * one kills the workload's group */
	double grace;			/* seconds after the first stop before
					 * the group is killed; 0: never */
	/* called in the parent as soon as the workload's group exists */
	void (*started)(pid_t pgid, void *arg);
	/* called about once a second while the workload runs */
	void (*tick)(void *arg);
	void *tick_arg;
};

struct exec_result {
	int code;			/* exit status, or -1 when signalled */
	int sig;			/* terminating signal, 0 if exited */
	bool timed_out;			/* killed by the watchdog */
	bool interrupted;		/* *stop was seen while it ran */
	bool stop_killed;		/* killed for a second stop or the grace */
	double wall;			/* seconds */
	char reason[200];		/* why it did not exit 0, or "" */
};

/* Returns 0 when the process ran (see res for how it ended), or EXIT_* when
 * it could not be started (message printed). */
int exec_workload(const struct exec_req *rq, struct exec_result *res);

/* Run argv to completion and capture its stdout (stderr goes to /dev/null).
 * Returns the exit status (or 128+signal, or -1 if it could not run);
 * *out is malloc'ed and NUL-terminated. */
int exec_capture(char *const argv[], char **out);

#endif
