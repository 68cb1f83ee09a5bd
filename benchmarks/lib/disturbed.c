/*
 * disturbed.c - whether an iteration was disturbed, and why (disturbed.h).
 */
#include <stdio.h>
#include "disturbed.h"

static void add_reason(json_t *reasons, int *count, const char *s)
{
	json_array_append_new(reasons, json_string(s));
	(*count)++;
}

/*
 * Start skew: the clients did not start together, so part of the span ran
 * with fewer clients than the point claims (the contention it measures was
 * not there all along).  The barrier releases clients within about a
 * microsecond here, so 1% of the span is far above its own jitter and is
 * only reached when a client was not on its CPU at the release.
 */
static void check_start_skew(const struct iter_noise *n, json_t *reasons, int *count)
{
	char buf[128];

	if (n->nclients < 2 || !n->span_ns)
		return;
	if ((double)n->start_skew_ns * 100.0 <= DISTURB_START_SKEW_PCT * (double)n->span_ns)
		return;
	snprintf(buf, sizeof(buf), "start skew %.1f us is %.2f%% of the %.3f ms span (limit %g%%)",
		 (double)n->start_skew_ns / 1e3,
		 (double)n->start_skew_ns * 100.0 / (double)n->span_ns,
		 (double)n->span_ns / 1e6, DISTURB_START_SKEW_PCT);
	add_reason(reasons, count, buf);
}

/*
 * Steal: the hypervisor ran something else on a client's vCPU, so the
 * client's span holds time it did not run.  A quiet guest steals nothing
 * (0 jiffies in a whole make check here); 1% of the clients' CPU time is
 * one 10 ms jiffy in a second.  Jiffies are coarse: an iteration shorter
 * than a jiffy can show one whole jiffy, which the share then judges.
 */
static void check_steal(const struct iter_noise *n, json_t *reasons, int *count)
{
	double cpu_ns = (double)n->span_ns * n->steal_cpus;
	char buf[128];

	if (!n->steal_cpus || !n->span_ns)
		return;
	if ((double)n->steal_ns * 100.0 <= DISTURB_STEAL_PCT * cpu_ns)
		return;
	snprintf(buf, sizeof(buf), "steal %.1f ms is %.1f%% of the clients' CPU time (limit %g%%)",
		 (double)n->steal_ns / 1e6, (double)n->steal_ns * 100.0 / cpu_ns, DISTURB_STEAL_PCT);
	add_reason(reasons, count, buf);
}

/*
 * Involuntary context switches: another runnable task took a client's
 * CPU.  A pinned client alone on its CPU is switched out by the odd
 * kernel thread (0-2 per iteration here); one that shares its CPU with a
 * busy task is switched every few milliseconds (hundreds per second).
 */
static void check_nivcsw(const struct iter_noise *n, json_t *reasons, int *count)
{
	double s = (double)n->span_ns / 1e9;
	double limit = n->nclients * (DISTURB_NIVCSW_FREE + DISTURB_NIVCSW_PER_S * s);
	char buf[128];

	if (!n->nclients || (double)n->nivcsw <= limit)
		return;
	snprintf(buf, sizeof(buf), "involuntary context switches %llu in %.3f s (limit %.0f: "
		 "another task shared a client's CPU)", (unsigned long long)n->nivcsw, s, limit);
	add_reason(reasons, count, buf);
}

/* A client that left its CPU ran where the point does not say. */
static void check_migrations(const struct iter_noise *n, json_t *reasons, int *count)
{
	char buf[96];

	if (!n->migrations)
		return;
	snprintf(buf, sizeof(buf), "migrated: %d client(s) ran off their planned CPU", n->migrations);
	add_reason(reasons, count, buf);
}

static void check_freq(const struct iter_noise *n, json_t *reasons, int *count)
{
	double lo = (double)n->freq_min_khz, hi = (double)n->freq_max_khz;
	char buf[160];

	if (!n->freq_min_khz || (hi - lo) * 100.0 <= DISTURB_FREQ_PCT * hi)
		return;
	snprintf(buf, sizeof(buf), "cpu frequency %.2f-%.2f GHz: %.1f%% apart on the clients' CPUs "
		 "(limit %g%%)", lo / 1e6, hi / 1e6, (hi - lo) * 100.0 / hi, DISTURB_FREQ_PCT);
	add_reason(reasons, count, buf);
}

int run_disturbed(const struct iter_noise *n, json_t *reasons)
{
	int count = 0;

	check_start_skew(n, reasons, &count);
	check_steal(n, reasons, &count);
	check_nivcsw(n, reasons, &count);
	check_migrations(n, reasons, &count);
	check_freq(n, reasons, &count);
	return count;
}
