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

int run_disturbed(const struct iter_noise *n, json_t *reasons)
{
	int count = 0;

	check_start_skew(n, reasons, &count);
	return count;
}
