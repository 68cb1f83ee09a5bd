/*
 * disturbed.h - the one judgement of whether an iteration was disturbed.
 *
 * A disturbed iteration ran correctly (it stays `valid`) but something
 * outside the work it measures may have moved its numbers: it is kept,
 * printed and counted, marked `"disturbed": true` with one reason per cause
 * in `"disturbed_reasons"`.  Every cause is judged in run_disturbed() and
 * nowhere else; a new cause adds a field to struct iter_noise and one check
 * there (README, "Workloads and the harness", documents each threshold).
 */
#ifndef MMSCALE_DISTURBED_H
#define MMSCALE_DISTURBED_H
#include <stdint.h>
#include <jansson.h>

/* A start skew above this share of the iteration's span disturbs it. */
#define DISTURB_START_SKEW_PCT 1.0
/* Steal above this share of the clients' CPU time over the span. */
#define DISTURB_STEAL_PCT 1.0
/* Involuntary switches: more than this many per client and second of
 * span, beyond DISTURB_NIVCSW_FREE per client. */
#define DISTURB_NIVCSW_PER_S 20.0
#define DISTURB_NIVCSW_FREE 2
/* The clients' CPUs (cpufreq, before and after) ran at frequencies this
 * share of the highest apart: a change mid-iteration, or clients on CPUs
 * of different speeds, moves a rate as much as the change measured. */
#define DISTURB_FREQ_PCT 10.0

/* What one iteration measured about its own conditions. */
struct iter_noise {
	int nclients;		/* clients that started their loop */
	uint64_t span_ns;	/* latest end minus earliest start */
	uint64_t start_skew_ns;	/* latest start minus earliest start */
	uint64_t end_skew_ns;	/* latest end minus earliest end */
	uint64_t nivcsw;	/* involuntary context switches, all clients */
	int migrations;		/* clients that left their planned CPU */
	uint64_t steal_ns;	/* steal on the clients' CPUs (/proc/stat) */
	int steal_cpus;		/* the CPUs steal_ns was read for */
	/* lowest and highest frequency (kHz) of the clients' CPUs over the
	 * iteration; 0 where cpufreq is missing */
	unsigned long freq_min_khz, freq_max_khz;
};

/* Append one string per cause to reasons (a JSON array); returns how many
 * were appended, 0 for an undisturbed iteration. */
int run_disturbed(const struct iter_noise *n, json_t *reasons);

#endif
