/*
 * bare-mmap-unmap - the kernel's own limit for an mmap-churn map-unmap
 * client: one thread looping mmap(NULL) of PAGES anonymous pages and
 * munmap, no harness at all, stopped by a timer like the harness's stop
 * flag.  scripts/bench.d/mmap-churn.sh runs it beside `mmap-churn -t 1`.
 * Like mmap-churn, it first maps a PROT_NONE anchor page where the first
 * region would go, so regions land beside a neighbour they cannot merge
 * with, and says whether a trial region was a VMA of its own.
 * Usage: bare-mmap-unmap PAGES SECONDS ROUNDS; one JSON line per round.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "bare.h"

static volatile sig_atomic_t stop;

static void on_alarm(int sig) { stop = 1; }
static double secs(struct timeval tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

#define USAGE "bare-mmap-unmap PAGES SECONDS ROUNDS"

int main(int argc, char **argv)
{
	long pages = argc > 1 ? atol(argv[1]) : 1, rounds = argc > 3 ? atol(argv[3]) : 1;
	double dur = argc > 2 ? atof(argv[2]) : 1;
	size_t len = (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
	struct sigaction sa = { .sa_handler = on_alarm };

	bare_help(argc, argv, USAGE);
	if (pages <= 0 || rounds <= 0 || dur <= 0)
		return bare_usage(USAGE);
	sigaction(SIGALRM, &sa, NULL);
	if (mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0) == MAP_FAILED) {
		perror("bare-mmap-unmap: mmap of the anchor");
		return 3;
	}
	long before = bare_count_maps();	/* this mm's VMAs, anchor included */
	void *t = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const char *churn = bare_count_maps() > before ? "new" : "merged";

	if (t == MAP_FAILED || munmap(t, len)) {
		perror("bare-mmap-unmap: mmap");
		return 3;
	}
	for (long r = 0; r < rounds; r++) {
		struct itimerval it = { .it_value = { .tv_sec = (time_t)dur,
			.tv_usec = (suseconds_t)((dur - (time_t)dur) * 1e6) } };
		struct timespec t0, t1;
		struct rusage u0, u1;
		unsigned long n = 0;

		stop = 0;
		getrusage(RUSAGE_THREAD, &u0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		setitimer(ITIMER_REAL, &it, NULL);
		while (!stop) {
			void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (m == MAP_FAILED || munmap(m, len)) {
				perror("bare-mmap-unmap: mmap");
				return 3;
			}
			n++;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		getrusage(RUSAGE_THREAD, &u1);
		double wall = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		double cpu = secs(u1.ru_utime) - secs(u0.ru_utime) + secs(u1.ru_stime) - secs(u0.ru_stime);
		printf("{\"ops_sec\":%.1f,\"ops_cpu\":%.1f,\"ops\":%lu,\"churn_vma\":\"%s\",\"vmas\":%ld}\n",
		       n / wall, cpu > 0 ? n / cpu : 0, n, churn, before);
		fflush(stdout);
	}
	return 0;
}
