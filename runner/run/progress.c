/*
 * progress.c - the live progress line (progress.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "progress.h"

#define BAR 10

void progress_time(double s, char *buf, size_t n)
{
	long t = (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

double progress_eta(double elapsed, long done, long total, double planned_per_iter)
{
	if (total <= done)
		return 0;
	if (done > 0 && elapsed > 0)
		return elapsed * (double)(total - done) / (double)done;
	return isnan(planned_per_iter) ? NAN : planned_per_iter * (double)(total - done);
}

void progress_format(const struct progress *p, char *buf, size_t n)
{
	int width = p->width > 20 ? p->width : 80, pct = 0, fill;
	char e[32], eta[32] = "?", it[64], bar[BAR + 1];
	size_t len;

	if (p->total > 0)
		pct = (int)(p->done * 100 / p->total);
	pct = pct < 0 ? 0 : pct > 100 ? 100 : pct;
	fill = pct * BAR / 100;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(BAR - fill));
	bar[BAR] = 0;
	progress_time(p->elapsed, e, sizeof(e));
	if (!isnan(p->eta))
		progress_time(p->eta, eta, sizeof(eta));
	if (p->iteration <= p->warmup)
		snprintf(it, sizeof(it), "warm-up %d/%d", p->iteration, p->warmup);
	else
		snprintf(it, sizeof(it), "iter %d/%d", p->iteration - p->warmup, p->iterations);
	/* what changes first, the group last: a cut loses only its tail */
	snprintf(buf, n, "[%s] %3d%%  %s %d/%d clients=%d  %s  elapsed %s  ETA %s%s%s  %s", bar, pct,
		 p->id, p->point, p->npoints, p->clients, it, e, eta, p->headline ? "  " : "",
		 p->headline ? p->headline : "", p->group);
	/* a line longer than the terminal would scroll instead of redraw */
	len = strlen(buf);
	if (len > (size_t)width - 1 && (size_t)width - 1 < n)
		buf[width - 1] = 0;
}
