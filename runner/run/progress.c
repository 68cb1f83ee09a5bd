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

/* A percentage as short as it reads: 3.1, 12, 0.42 */
static void pct_text(double frac, char *buf, size_t n)
{
	double v = frac * 100;

	snprintf(buf, n, v >= 10 ? "%.0f" : v >= 1 ? "%.1f" : "%.2f", v);
}

void progress_precision(const struct progress *p, char *buf, size_t n)
{
	char now[16] = "?", target[16];

	buf[0] = 0;
	if (isfinite(p->precision))
		pct_text(p->precision, now, sizeof(now));
	else if (!(p->target > 0))
		return;		/* a fixed point: nothing to say before 2 samples */
	if (p->target > 0) {
		snprintf(target, sizeof(target), "%g", p->target * 100);
		snprintf(buf, n, "\u00b1%s%s/%s%%", now, strcmp(now, "?") ? "%" : "", target);
	} else {
		snprintf(buf, n, "\u00b1%s%%", now);
	}
}

/* Cut s to at most cols characters (UTF-8: continuation bytes take none). */
static void cut_columns(char *s, int cols)
{
	int c = 0;

	for (char *q = s; *q; q++)
		if (((unsigned char)*q & 0xc0) != 0x80 && ++c > cols) {
			*q = 0;
			return;
		}
}

void progress_format(const struct progress *p, char *buf, size_t n)
{
	int width = p->width > 20 ? p->width : 80, pct = 0, fill;
	char e[32], eta[32] = "?", it[96], prec[32], bar[BAR + 1];

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
	else {
		progress_precision(p, prec, sizeof(prec));
		snprintf(it, sizeof(it), "iter %d/%d%s%s", p->iteration - p->warmup, p->iterations,
			 prec[0] ? " " : "", prec);
	}
	/* what changes first, the group last: a cut loses only its tail */
	snprintf(buf, n, "[%s] %3d%%  %s %d/%d clients=%d  %s  elapsed %s  ETA %s%s%s  %s", bar, pct,
		 p->id, p->point, p->npoints, p->clients, it, e, eta, p->headline ? "  " : "",
		 p->headline ? p->headline : "", p->group);
	/* a line longer than the terminal would scroll instead of redraw */
	cut_columns(buf, width - 1);
}
