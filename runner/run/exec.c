/*
 * exec.c - one workload process at a time.
 *
 * The workload gets a process group of its own: a watchdog SIGKILL to the
 * group also takes the clients it forked (processes mode), which would
 * otherwise keep faulting as orphans while the next point runs.  That also
 * means a terminal's Ctrl-C no longer reaches it, so the runner forwards
 * SIGINT itself; the harness then finishes and prints the iteration it is in.
 * We wait on a pidfd with poll(): a deadline and a signal both wake us
 * without a SIGCHLD handler.
 *
 * A workload that does not stop (stuck in a syscall, or a loop that never
 * looks at the stop flag) must not hold the run until its watchdog: a
 * second stop signal, or the grace period after the first, kills its group.
 * A runner killed with SIGKILL takes the workload with it through
 * PR_SET_PDEATHSIG; the clients it forked in processes mode are its group,
 * which the caller records (started) so that the next command kills them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"
#include "exec.h"

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void __attribute__((noreturn)) child(const struct exec_req *rq, pid_t parent)
{
	sigset_t none;
	int out, err;

	setpgid(0, 0);
	/* the runner is single-threaded here, so "parent" is the process; a
	 * runner that died before the prctl is seen by the getppid check */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (rq->no_aslr)
		personality(ADDR_NO_RANDOMIZE);
	out = open(rq->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	err = open(rq->err_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	execv(rq->argv[0], rq->argv);
	{
		static const char msg[] = "mmscale: exec of the workload failed\n";

		(void)!write(2, msg, sizeof(msg) - 1);
	}
	_exit(127);
}

static void describe(struct exec_result *res, const struct exec_req *rq, int st)
{
	if (WIFSIGNALED(st)) {
		res->code = -1;
		res->sig = WTERMSIG(st);
		if (res->timed_out)
			snprintf(res->reason, sizeof(res->reason),
				 "watchdog: still running after %.3g s, killed", rq->watchdog);
		else
			snprintf(res->reason, sizeof(res->reason), "killed by signal %d (%s)",
				 res->sig, strsignal(res->sig));
	} else {
		res->code = WEXITSTATUS(st);
		if (res->code == 127)
			snprintf(res->reason, sizeof(res->reason), "could not execute %s",
				 rq->argv[0]);
		else if (res->code)
			snprintf(res->reason, sizeof(res->reason), "exit %d", res->code);
	}
}

/* After a stop: kill the group on a second signal or when the grace is
 * over.  Returns how long to sleep, in ms. */
static int escalate(const struct exec_req *rq, struct exec_result *res, pid_t pid,
		    double stopped_at, double now)
{
	double left = rq->grace > 0 ? stopped_at + rq->grace - now : 1e9;

	if (res->stop_killed)
		return 1000;
	if ((rq->stops && *rq->stops >= 2) || left <= 0) {
		res->stop_killed = true;
		kill(-pid, SIGKILL);
		if (rq->stops && *rq->stops >= 2)
			snprintf(res->reason, sizeof(res->reason), "stopped: killed at the second signal");
		else
			snprintf(res->reason, sizeof(res->reason),
				 "stopped: killed %.3g s after the signal", rq->grace);
		return 1000;
	}
	return left * 1000 < 1000 ? (int)(left * 1000) + 1 : 1000;
}

int exec_workload(const struct exec_req *rq, struct exec_result *res)
{
	double t0 = mono(), last_tick = t0, stopped_at = 0;
	bool forwarded = false;
	pid_t pid, parent = getpid();
	int pidfd, st;

	*res = (struct exec_result){ 0 };
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		errmsg(errno, "fork");
		return EXIT_NORES;
	}
	if (pid == 0)
		child(rq, parent);
	setpgid(pid, pid);	/* both sides: no race with kill(-pid) */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (rq->started)
		rq->started(pid, rq->tick_arg);

	for (;;) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		double now = mono();
		int ms = 1000;

		if (rq->watchdog > 0) {
			double left = t0 + rq->watchdog - now;

			if (left <= 0) {
				res->timed_out = true;
				kill(-pid, SIGKILL);
				break;
			}
			if (left * 1000 < ms)
				ms = (int)(left * 1000) + 1;
		}
		if (rq->stop && *rq->stop && !forwarded) {
			/* the harness finishes the iteration it is in and exits 130 */
			res->interrupted = true;
			forwarded = true;
			stopped_at = now;
			kill(-pid, SIGINT);
			if (rq->grace > 0)
				fprintf(stderr, "\r\033[K%s: stopping: the workload finishes its iteration "
					"(killed at a second Ctrl-C, or in %.3g s)\n", progname, rq->grace);
		}
		if (forwarded) {
			int left = escalate(rq, res, pid, stopped_at, now);

			if (left < ms)
				ms = left;
		}
		if (pidfd >= 0) {
			if (poll(&pfd, 1, ms) > 0)
				break;
		} else {
			/* no pidfd (old kernel): poll the child */
			if (waitpid(pid, &st, WNOHANG) == pid)
				goto reaped;
			usleep(50000);
		}
		if (rq->tick && mono() - last_tick >= 1) {
			last_tick = mono();
			rq->tick(rq->tick_arg);
		}
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
reaped:
	/* stray clients of a dying workload: the group goes with it */
	kill(-pid, SIGKILL);
	if (pidfd >= 0)
		close(pidfd);
	res->wall = mono() - t0;
	if (rq->stop && *rq->stop)
		res->interrupted = true;
	if (res->stop_killed) {
		res->code = -1;
		res->sig = SIGKILL;
	} else {
		describe(res, rq, st);
	}
	return 0;
}

int exec_capture(char *const argv[], char **out)
{
	int fd[2], st;
	size_t n = 0, cap = 8192;
	char *buf = malloc(cap);
	ssize_t r;
	pid_t pid;

	*out = NULL;
	if (!buf || pipe2(fd, O_CLOEXEC)) {
		free(buf);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		free(buf);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		dup2(fd[1], 1);
		/* the caller reports failures in its own words: a program that
		 * is not what it expected must not add its usage text */
		if (null >= 0)
			dup2(null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		if (cap - n < 4096)
			buf = realloc(buf, cap *= 2);
		r = read(fd[0], buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
	close(fd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*out = buf;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
