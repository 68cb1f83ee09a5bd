/*
 * bare-fault - the kernel's own limit for a pft client: one thread storing
 * one byte per page of a fresh MADV_NOHUGEPAGE mapping, no harness at all.
 * scripts/bench-harness runs it beside `pft -t 1` to price the harness.
 * Usage: bare-fault SIZE_MB ROUNDS; one JSON line per round.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "bare.h"

static double secs(struct timeval tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

#define USAGE "bare-fault SIZE_MB ROUNDS"

int main(int argc, char **argv)
{
	long mb = argc > 1 ? atol(argv[1]) : 256, rounds = argc > 2 ? atol(argv[2]) : 1;
	long ps = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)mb << 20;

	bare_help(argc, argv, USAGE);
	if (mb <= 0 || rounds <= 0)
		return bare_usage(USAGE);
	for (long r = 0; r < rounds; r++) {
		struct timespec t0, t1;
		struct rusage u0, u1;
		char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED || madvise(m, len, MADV_NOHUGEPAGE)) {
			perror("bare-fault: mmap");
			return 3;
		}
		getrusage(RUSAGE_THREAD, &u0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (size_t off = 0; off < len; off += (size_t)ps)
			((volatile char *)m)[off] = 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		getrusage(RUSAGE_THREAD, &u1);
		double wall = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		double user = secs(u1.ru_utime) - secs(u0.ru_utime);
		double sys = secs(u1.ru_stime) - secs(u0.ru_stime);
		printf("{\"faults_sec\":%.1f,\"user_share\":%.4f,\"faults\":%ld}\n",
		       (double)(len / (size_t)ps) / wall, user + sys > 0 ? user / (user + sys) : 0,
		       u1.ru_minflt - u0.ru_minflt);
		munmap(m, len);
	}
	return 0;
}
