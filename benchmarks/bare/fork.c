/*
 * bare-fork - the kernel's own limit for a fork-exit client: one thread
 * looping fork, child _exit(0), waitpid, no harness at all, stopped by a
 * timer like the harness's stop flag.  CPU time includes the children's
 * (RUSAGE_CHILDREN).  scripts/bench.d/fork-exit.sh runs it beside
 * `fork-exit -t 1`.
 * Usage: bare-fork SECONDS ROUNDS; one JSON line per round, with the
 * forking mm's VMA count ("vmas") that fork-exit's forker_vmas is held to.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bare.h"

static volatile sig_atomic_t stop;

static void on_alarm(int sig) { stop = 1; }
static double secs(struct timeval tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

#define USAGE "bare-fork SECONDS ROUNDS"

int main(int argc, char **argv)
{
	double dur = argc > 1 ? atof(argv[1]) : 1;
	long rounds = argc > 2 ? atol(argv[2]) : 1;
	struct sigaction sa = { .sa_handler = on_alarm };

	bare_help(argc, argv, USAGE);
	if (rounds <= 0 || dur <= 0)
		return bare_usage(USAGE);
	sigaction(SIGALRM, &sa, NULL);
	long vmas = bare_count_maps();

	for (long r = 0; r < rounds; r++) {
		struct itimerval it = { .it_value = { .tv_sec = (time_t)dur,
			.tv_usec = (suseconds_t)((dur - (time_t)dur) * 1e6) } };
		struct timespec t0, t1;
		struct rusage u0, u1, c0, c1;
		unsigned long n = 0;

		stop = 0;
		getrusage(RUSAGE_THREAD, &u0);
		getrusage(RUSAGE_CHILDREN, &c0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		setitimer(ITIMER_REAL, &it, NULL);
		while (!stop) {
			pid_t pid = fork();
			int st;

			if (pid < 0) {
				perror("bare-fork: fork");
				return 3;
			}
			if (pid == 0)
				_exit(0);
			while (waitpid(pid, &st, 0) < 0)
				;	/* EINTR from the timer */
			n++;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		getrusage(RUSAGE_THREAD, &u1);
		getrusage(RUSAGE_CHILDREN, &c1);
		double wall = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		double cpu = secs(u1.ru_utime) - secs(u0.ru_utime) + secs(u1.ru_stime) - secs(u0.ru_stime) +
			     secs(c1.ru_utime) - secs(c0.ru_utime) + secs(c1.ru_stime) - secs(c0.ru_stime);
		printf("{\"ops_sec\":%.1f,\"ops_cpu\":%.1f,\"ops\":%lu,\"vmas\":%ld}\n", n / wall,
		       cpu > 0 ? n / cpu : 0, n, vmas);
		fflush(stdout);
	}
	return 0;
}
