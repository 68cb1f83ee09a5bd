/*
 * study.c - the layouts side by side and their reading (study.h).
 *
 * Built from the compare model after its pivots: every cell is a mean
 * cell of the model (cmp_mean_cell: the headline mean, the change rule
 * and the significance decision of stats.h), the facts are the points'
 * extra.facts.  The reading is made of those cells and facts only, so a
 * test that swaps two layouts' samples swaps the reading.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "compare.h"
#include "study.h"

/* xcalloc, xstrdup: harness.h (out of memory is exit 3) */

/* ---- the columns ------------------------------------------------------------ */

static bool run_has_group(const struct summary *s, const struct point *g)
{
	for (int i = 0; i < s->npoints; i++)
		if (point_same_group(&s->points[i], g))
			return true;
	return false;
}

static const struct point *find_point(const struct summary *s, const struct point *g, int clients)
{
	for (int i = 0; i < s->npoints; i++)
		if (s->points[i].clients == clients && point_same_group(&s->points[i], g))
			return &s->points[i];
	return NULL;
}

/* A column per run and group of the pivot's family, in group order. */
static void study_columns(const struct cmp *c, struct study *s)
{
	const struct cmp_pivot *pv = s->pv;
	const char *axes[CMP_PIVOT_MAX + 1] = { 0 };

	memcpy(axes, pv->axes, sizeof(*axes) * (size_t)pv->naxes);
	s->cols = xcalloc((size_t)c->nruns * (size_t)c->ngroups, sizeof(*s->cols));
	for (int r = 0; r < c->nruns; r++)
		for (int g = 0; g < c->ngroups; g++) {
			const struct point *k = c->groups[g].key;
			const char *v = point_axis(k, pv->axes[0]);
			struct study_col *col;
			char rest[512] = "", title[1024] = "";

			if (!v || !point_same_group_except(k, pv->cols[0].group, axes) ||
			    !run_has_group(&c->runs[r], k))
				continue;
			for (int a = 1; a < pv->naxes; a++) {
				const char *x = point_axis(k, pv->axes[a]);

				if (x)
					snprintf(rest + strlen(rest), sizeof(rest) - strlen(rest),
						 "%s%s=%s", rest[0] ? " " : "", pv->axes[a], x);
			}
			col = &s->cols[s->ncols++];
			*col = (struct study_col){ .run = r, .group = k, .value = v,
						   .rest = xstrdup(rest) };
			if (c->nruns > 1)
				col->head[0] = c->runs[r].label;
			col->head[1] = v;
			if (rest[0])
				col->head[2] = col->rest;
			for (int h = 0; h < 3; h++)
				if (col->head[h])
					snprintf(title + strlen(title), sizeof(title) - strlen(title),
						 "%s%s", title[0] ? " " : "", col->head[h]);
			col->title = xstrdup(title);
		}
}

/* The column of run r with this value and rest (NULL: any), or -1. */
static int col_of(const struct study *s, int r, const char *value, const char *rest)
{
	for (int k = 0; k < s->ncols; k++)
		if (s->cols[k].run == r && (!value || !strcmp(s->cols[k].value, value)) &&
		    (!rest || !strcmp(s->cols[k].rest, rest)))
			return k;
	return -1;
}

/* ---- facts ------------------------------------------------------------------- */

static long long fact_of(const struct point *p, const char *name)
{
	json_t *v = p ? json_object_get(json_object_get(p->extra, "facts"), name) : NULL;

	return json_is_integer(v) ? (long long)json_integer_value(v) : STUDY_NO_FACT;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

/* What column k's point at clients shares, from its facts. */
static enum share share_at(const struct cmp *c, const struct study *s, int k, int clients)
{
	const struct point *p = find_point(&c->runs[s->cols[k].run], s->cols[k].group, clients);
	json_t *facts = p ? json_object_get(p->extra, "facts") : NULL, *v;
	enum share sh = SHARE_NONE;
	const char *name;

	if (!json_object_size(facts))
		return SHARE_UNKNOWN;
	json_object_foreach(facts, name, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			continue;
		if (ends_with(name, "_shared_64"))
			sh = SHARE_LINE;
		else if (ends_with(name, "_shared_128") && sh == SHARE_NONE)
			sh = SHARE_PAIR;
	}
	return sh;
}

/* The first value whose every column shares nothing at every client count. */
static const char *clean_value(const struct cmp *c, const struct study *s)
{
	for (int k = 0; k < s->ncols; k++) {
		bool clean = true;

		for (int j = 0; j < s->ncols && clean; j++) {
			if (strcmp(s->cols[j].value, s->cols[k].value))
				continue;
			for (int t = 0; t < s->ntables && clean; t++)
				clean = share_at(c, s, j, s->t[t].clients) == SHARE_NONE;
		}
		if (clean)
			return s->cols[k].value;
	}
	return NULL;
}

/* ---- the tables ----------------------------------------------------------------- */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The mean row of metric at clients in the group of column k, or NULL. */
static const struct cmp_row *model_row(const struct cmp *c, const struct study_col *col,
				       enum cmp_stat kind, const char *metric, int clients)
{
	for (int g = 0; g < c->ngroups; g++) {
		if (c->groups[g].key != col->group)
			continue;
		for (int i = 0; i < c->groups[g].nrows; i++) {
			const struct cmp_row *row = &c->groups[g].rows[i];

			if (row->kind == kind && row->clients == clients && !strcmp(row->metric, metric))
				return row;
		}
	}
	return NULL;
}

/* A row of changes: each column against the column `against_of` names. */
static void add_change(const struct cmp *c, const struct study *s, struct study_metric *m,
		       int clients, const char *name, int (*against_of)(const struct study *, int))
{
	struct study_change *ch;
	bool any = false;

	m->changes = xrealloc(m->changes, (size_t)m->nchanges + 1, sizeof(*m->changes));
	ch = &m->changes[m->nchanges++];
	*ch = (struct study_change){ .name = xstrdup(name),
		.cells = xcalloc((size_t)s->ncols, sizeof(*ch->cells)),
		.against = xcalloc((size_t)s->ncols, sizeof(int)) };
	for (int k = 0; k < s->ncols; k++) {
		int j = against_of(s, k);

		ch->against[k] = j;
		ch->cells[k] = (struct cmp_cell){ .state = C_MISSING, .pct = NAN, .p = NAN,
						  .pct_lo = NAN, .pct_hi = NAN };
		if (j < 0)
			continue;
		cmp_mean_cell(c, s->cols[j].run, s->cols[j].group, s->cols[k].run, s->cols[k].group,
			      m->metric, clients, &ch->cells[k]);
		any |= ch->cells[k].state == C_OK;
	}
	if (!any) {	/* nothing to say: not a row */
		free(ch->name);
		free(ch->cells);
		free(ch->against);
		m->nchanges--;
	}
}

static int against_base(const struct study *s, int k)
{
	const struct study_col *col = &s->cols[k];

	return strcmp(col->value, s->base) ? col_of(s, col->run, s->base, col->rest) : -1;
}

static int against_clean(const struct study *s, int k)
{
	const struct study_col *col = &s->cols[k];

	return s->clean && strcmp(col->value, s->clean) ? col_of(s, col->run, s->clean, col->rest) : -1;
}

/* the same value under the run's first rest (prefetch=on) */
static int against_rest0(const struct study *s, int k)
{
	const struct study_col *col = &s->cols[k];
	int first = col_of(s, col->run, NULL, NULL);

	if (first < 0 || !strcmp(col->rest, s->cols[first].rest))
		return -1;
	return col_of(s, col->run, col->value, s->cols[first].rest);
}

/* Metrics in their declared order (the first point's), then any others. */
static int study_metrics(const struct cmp *c, const struct study *s, const char **out, int max)
{
	int n = 0;

	for (int k = 0; k < s->ncols; k++) {
		const struct summary *run = &c->runs[s->cols[k].run];

		for (int p = 0; p < run->npoints; p++) {
			const struct point *pt = &run->points[p];

			if (!point_same_group(pt, s->cols[k].group))
				continue;
			for (int m = 0; m < pt->nmetrics; m++) {
				bool seen = false;

				for (int i = 0; i < n && !seen; i++)
					seen = !strcmp(out[i], pt->metrics[m].name);
				if (!seen && n < max)
					out[n++] = pt->metrics[m].name;
			}
		}
	}
	return n;
}

static void build_table(const struct cmp *c, struct study *s, struct study_table *t,
			const char *const *metrics, int nm)
{
	t->m = xcalloc((size_t)nm, sizeof(*t->m));
	for (int i = 0; i < nm; i++) {
		struct study_metric *m = &t->m[t->nmetrics];
		bool any = false;
		char name[300];

		*m = (struct study_metric){ .metric = xstrdup(metrics[i]),
			.cells = xcalloc((size_t)s->ncols, sizeof(*m->cells)),
			.cv = xcalloc((size_t)s->ncols, sizeof(double)) };
		for (int k = 0; k < s->ncols; k++) {
			const struct cmp_row *row = model_row(c, &s->cols[k], ST_MEAN, metrics[i],
							      t->clients);
			const struct point *p = find_point(&c->runs[s->cols[k].run],
							   s->cols[k].group, t->clients);
			const struct metric *pm = p ? point_metric(p, metrics[i]) : NULL;

			const struct cmp_row *cv = model_row(c, &s->cols[k], ST_COEFFVAR, metrics[i],
							     t->clients);

			if (!cv)	/* mmtests 2026 rows */
				cv = model_row(c, &s->cols[k], ST_HCOEFFVAR, metrics[i], t->clients);
			m->cv[k] = cv && cv->cells[s->cols[k].run].state == C_OK ?
				   cv->cells[s->cols[k].run].value : NAN;
			m->cells[k] = (struct cmp_cell){ .state = C_MISSING, .pct = NAN, .p = NAN,
							 .pct_lo = NAN, .pct_hi = NAN };
			if (!row)
				continue;
			m->cells[k] = row->cells[s->cols[k].run];
			m->cells[k].nwarn = 0;	/* the model's row owns them */
			m->cells[k].warn = NULL;
			m->stat = row->stat;
			m->precision = row->precision;
			if (pm)
				m->dir = pm->dir;
			any |= m->cells[k].state == C_OK;
		}
		if (!any) {
			free(m->metric);
			free(m->cells);
			free(m->cv);
			continue;
		}
		t->nmetrics++;
		snprintf(name, sizeof(name), "vs %s", s->base);
		add_change(c, s, m, t->clients, name, against_base);
		if (s->clean && strcmp(s->clean, s->base)) {
			snprintf(name, sizeof(name), "vs %s", s->clean);
			add_change(c, s, m, t->clients, name, against_clean);
		}
		if (s->ncols && s->cols[0].rest[0]) {
			snprintf(name, sizeof(name), "vs %s", s->cols[0].rest);
			add_change(c, s, m, t->clients, name, against_rest0);
		}
	}
	/* the facts of the points, in the order the first one has them */
	for (int k = 0; k < s->ncols; k++) {
		const struct point *p = find_point(&c->runs[s->cols[k].run], s->cols[k].group,
						   t->clients);
		json_t *facts = p ? json_object_get(p->extra, "facts") : NULL, *v;
		const char *name;

		json_object_foreach(facts, name, v) {
			bool seen = false;

			for (int f = 0; f < t->nfacts && !seen; f++)
				seen = !strcmp(t->f[f].name, name);
			if (seen)
				continue;
			t->f = xrealloc(t->f, (size_t)t->nfacts + 1, sizeof(*t->f));
			t->f[t->nfacts++] = (struct study_fact){ .name = xstrdup(name),
				.v = xcalloc((size_t)s->ncols, sizeof(long long)) };
		}
	}
	for (int f = 0; f < t->nfacts; f++)
		for (int k = 0; k < s->ncols; k++)
			t->f[f].v[k] = fact_of(find_point(&c->runs[s->cols[k].run], s->cols[k].group,
							  t->clients), t->f[f].name);
}

/* ---- the reading ----------------------------------------------------------------- */

struct para {
	char *buf;
	size_t len, cap;
};

static void say(struct para *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(p->buf + p->len, p->cap - p->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && p->len + (size_t)n < p->cap)
			break;
		p->cap = p->cap * 2 + (size_t)(n > 0 ? n : 0) + 256;
		p->buf = xrealloc(p->buf, p->cap, 1);
	}
	p->len += (size_t)n;
}

/* 165064940.53 as "165.1M": a reading names the size, the table the digits */
static void si(double v, char *buf, size_t n)
{
	static const char *const prefix[] = { "", "k", "M", "G", "T" };
	double a = fabs(v);
	int k = 0;

	while (a >= 999.95 && k < 4) {
		a /= 1000;
		k++;
	}
	snprintf(buf, n, "%.4g%s", v / pow(1000, k), prefix[k]);
}

/* "(significant, p 0.003)", "(within noise, p 0.41)" */
static void say_sig(struct para *p, const struct cmp_cell *cl)
{
	say(p, "(%s", cl->sig ? "significant" : "within noise");
	if (!isnan(cl->p))
		say(p, cl->p < 0.001 ? ", p < 0.001" : ", p %.3g", cl->p);
	say(p, ")");
}

/* -1: significantly worse, 0: within noise, 1: significantly better */
static int verdict(const struct cmp_cell *cl)
{
	return cl->state != C_OK || !cl->sig ? 0 : cl->pct < 0 ? -1 : 1;
}

/* The reading's metric in table t (NULL: the table lacks it). */
static const struct study_metric *read_metric(const struct study *s, const struct study_table *t)
{
	for (int i = 0; i < t->nmetrics; i++)
		if (s->metric && !strcmp(t->m[i].metric, s->metric))
			return &t->m[i];
	return NULL;
}

/*
 * The reading follows the metric that varied least at the largest client
 * count (the mean of its columns' CoeffVar): on a busy machine ops per
 * CPU second is steadier than ops per wall second, on a quiet one either.
 */
static const char *steadiest(const struct study *s, const struct study_table *t)
{
	const char *best = NULL;
	double bcv = INFINITY;

	for (int i = 0; i < t->nmetrics; i++) {
		double sum = 0;
		int n = 0;

		for (int k = 0; k < s->ncols; k++)
			if (!isnan(t->m[i].cv[k])) {
				sum += t->m[i].cv[k];
				n++;
			}
		if (!best || (n && sum / n < bcv)) {
			best = t->m[i].metric;
			bcv = n ? sum / n : INFINITY;
		}
	}
	return best;
}

/* The best ok column of metric m among run r's columns with rest. */
static int best_col(const struct study *s, const struct study_metric *m, int r, const char *rest,
		    int skip)
{
	int best = -1;

	for (int k = 0; k < s->ncols; k++) {
		const struct cmp_cell *cl = &m->cells[k];

		if (k == skip || s->cols[k].run != r || strcmp(s->cols[k].rest, rest) ||
		    cl->state != C_OK)
			continue;
		if (best < 0 || (m->dir == BETTER_LOWER ? cl->value < m->cells[best].value :
						       cl->value > m->cells[best].value))
			best = k;
	}
	return best;
}

/* The facts of column k that are not 0, "lock_shared_64 = 2". */
static void say_facts(struct para *p, const struct study_table *t, int k)
{
	int n = 0;

	for (int f = 0; f < t->nfacts; f++)
		if (t->f[f].v[k] > 0)
			say(p, "%s%s = %lld", n++ ? ", " : "", t->f[f].name, t->f[f].v[k]);
}

static void read_winner(const struct cmp *c, const struct study *s, struct para *p, int r,
			const struct study_table *t, const char *rest)
{
	const struct study_metric *m = read_metric(s, t);
	int w = m ? best_col(s, m, r, rest, -1) : -1, n = 0;
	char val[32];

	if (w < 0)
		return;
	si(m->cells[w].value, val, sizeof(val));
	say(p, "At %d client%s%s%s %s leads in %s (%s %s)", t->clients, t->clients == 1 ? "" : "s",
	    rest[0] ? " with " : "", rest, s->cols[w].value, m->metric, m->stat, val);
	/* every other layout against the winner, best first */
	{
		int order[s->ncols ? s->ncols : 1], no = 0;

		for (int k = 0; k < s->ncols; k++) {
			int at;

			if (k == w || s->cols[k].run != r || strcmp(s->cols[k].rest, rest) ||
			    m->cells[k].state != C_OK)
				continue;
			for (at = no; at > 0 && (m->dir == BETTER_LOWER ?
					m->cells[k].value < m->cells[order[at - 1]].value :
					m->cells[k].value > m->cells[order[at - 1]].value); at--)
				order[at] = order[at - 1];
			order[at] = k;
			no++;
		}
		for (int i = 0; i < no; i++) {
			struct cmp_cell cl;

			if (cmp_mean_cell(c, r, s->cols[w].group, r, s->cols[order[i]].group,
					  m->metric, t->clients, &cl))
				continue;
			say(p, "%s %s %+.2f%% ", n++ ? "," : "; against it", s->cols[order[i]].value,
			    cl.pct);
			say_sig(p, &cl);
			for (int x = 0; x < cl.nwarn; x++)
				free(cl.warn[x]);
			free(cl.warn);
		}
	}
	say(p, ".");
	for (int i = 0; i < t->nmetrics; i++) {
		int o = &t->m[i] == m ? -1 : best_col(s, &t->m[i], r, rest, -1);

		if (o >= 0)
			say(p, o == w ? " %s agrees." : " In %s %s leads.", t->m[i].metric,
			    s->cols[o].value);
	}
}

/* The change row of metric m named "vs X", or NULL. */
static const struct study_change *change_vs(const struct study_metric *m, const char *x)
{
	char name[300];

	snprintf(name, sizeof(name), "vs %s", x);
	for (int i = 0; i < m->nchanges; i++)
		if (!strcmp(m->changes[i].name, name))
			return &m->changes[i];
	return NULL;
}

static void read_sharing(const struct study *s, struct para *p, int r, const struct study_table *t,
			 const char *rest, const struct cmp *c, struct study *out)
{
	const struct study_metric *m = read_metric(s, t);
	const struct study_change *vc = s->clean && m ? change_vs(m, s->clean) : NULL;

	for (int k = 0; k < s->ncols; k++) {
		enum share sh;

		if (s->cols[k].run != r || strcmp(s->cols[k].rest, rest))
			continue;
		sh = share_at(c, s, k, t->clients);
		if (sh == SHARE_LINE) {
			say(p, " %s shares 64-byte lines between clients (", s->cols[k].value);
			say_facts(p, t, k);
			say(p, ")");
			if (vc && vc->cells[k].state == C_OK) {
				say(p, " and is %+.2f%% against %s, which shares nothing ",
				    vc->cells[k].pct, s->clean);
				say_sig(p, &vc->cells[k]);
				say(p, verdict(&vc->cells[k]) < 0 ? ": that is what false sharing costs here." :
				    ": its line sharing costs nothing measurable here.");
			} else
				say(p, ".");
		} else if (sh == SHARE_PAIR) {
			int v = vc && vc->cells[k].state == C_OK ? verdict(&vc->cells[k]) : 0;

			say(p, " %s shares no line, only 128-byte adjacent-line pairs (", s->cols[k].value);
			say_facts(p, t, k);
			say(p, ")");
			if (!vc || vc->cells[k].state != C_OK) {
				say(p, ".");
				continue;
			}
			say(p, ": against %s it is %+.2f%% ", s->clean, vc->cells[k].pct);
			say_sig(p, &vc->cells[k]);
			if (v < 0)
				say(p, ": the 128-byte pair costs %.2f%% here.", -vc->cells[k].pct);
			else if (v > 0)
				say(p, ": the pair costs nothing here.");
			else
				say(p, ": the 128-byte pair costs nothing measurable here.");
			if (r == 0 && !out->pair) {
				out->pair = s->cols[k].value;
				out->pair_cost = v;
			}
		}
	}
}

/* Does the second pivot axis change the pair's cost?  Its verdict against
 * the clean layout under each value of the other axes. */
static void read_toggle(const struct study *s, struct para *p, int r, const struct study_table *t,
			struct study *out)
{
	const struct study_metric *m = read_metric(s, t);
	const struct study_change *vc = s->clean && m ? change_vs(m, s->clean) : NULL;
	const char *axis = s->pv->naxes > 1 ? s->pv->axes[1] : NULL;
	int first = -1, n = 0;
	bool differs = false;

	if (!s->pair || !vc)
		return;
	if (!axis || !s->cols[col_of(s, r, NULL, NULL)].rest[0]) {
		say(p, " %s was not an axis of this run: nothing is concluded about it.",
		    axis ? axis : "The prefetcher");
		return;
	}
	for (int k = 0; k < s->ncols; k++) {
		if (s->cols[k].run != r || strcmp(s->cols[k].value, s->pair) ||
		    vc->cells[k].state != C_OK)
			continue;
		if (!n)
			say(p, " %s against %s:", s->pair, s->clean);
		say(p, "%s with %s %+.2f%% ", n++ ? "," : "", s->cols[k].rest, vc->cells[k].pct);
		say_sig(p, &vc->cells[k]);
		if (first < 0)
			first = verdict(&vc->cells[k]);
		else
			differs |= verdict(&vc->cells[k]) != first;
	}
	if (!n)
		return;
	say(p, differs ? ": the %s toggle changes the pair's cost (the Broadwell case: the adjacent-line "
		"prefetcher pulls the neighbour's lock line in with ours)." :
	    ": the %s toggle does not change the pair's cost.", axis);
	if (r == 0)
		out->prefetch_changes = differs;
}

static void read_one_client(const struct study *s, struct para *p, int r, const struct cmp *c)
{
	const struct study_table *t = NULL;
	const struct study_change *worst_row = NULL;
	const struct study_metric *m;
	int worst = -1;
	bool zero = true;

	for (int i = 0; i < s->ntables && !t; i++)
		if (s->t[i].clients == 1)
			t = &s->t[i];
	m = t ? read_metric(s, t) : NULL;
	if (!m)
		return;
	for (int k = 0; k < s->ncols; k++)
		if (s->cols[k].run == r)
			zero &= share_at(c, s, k, 1) == SHARE_NONE;
	if (!zero)
		return;
	for (int i = 0; i < m->nchanges; i++) {
		const struct study_change *ch = &m->changes[i];

		if (ch->name[3] && s->cols[0].rest[0] && !strcmp(ch->name + 3, s->cols[0].rest))
			continue;	/* the toggle's row: not a layout's difference */
		for (int k = 0; k < s->ncols; k++)
			if (s->cols[k].run == r && ch->cells[k].state == C_OK &&
			    (worst < 0 || fabs(ch->cells[k].pct) > fabs(worst_row->cells[worst].pct))) {
				worst = k;
				worst_row = ch;
			}
	}
	if (worst < 0)
		return;
	say(p, " At 1 client nothing can be shared (every sharing count is 0: a client has no "
	    "neighbour), yet the layouts differ by up to %+.2f%%, %s against %s ",
	    worst_row->cells[worst].pct, s->cols[worst].value,
	    s->cols[worst_row->against[worst]].value);
	say_sig(p, &worst_row->cells[worst]);
	say(p, ": that is not false sharing but what else a layout changes for one client (a "
	    "separate lock's second cache line per op, the objects' stride and alignment) and the "
	    "machine's run-to-run noise.");
}

static char *reading(const struct cmp *c, struct study *s)
{
	struct para p = { 0 };
	bool facts = false;

	for (int i = 0; i < s->ntables; i++)
		facts |= s->t[i].nfacts > 0;
	if (!facts || !s->ntables)
		return NULL;
	s->pair_cost = 0;
	s->prefetch_changes = -1;
	s->metric = steadiest(s, &s->t[s->ntables - 1]);
	for (int r = 0; r < c->nruns; r++) {
		const struct study_table *t = &s->t[s->ntables - 1];
		int first = col_of(s, r, NULL, NULL), w;

		if (first < 0 || !t->nmetrics)
			continue;
		if (c->nruns > 1)	/* a paragraph per run */
			say(&p, "%s%s:", p.len ? "\n" : "", c->runs[r].label);
		for (int k = 0; k < s->ncols; k++) {	/* each value of the other axes */
			bool seen = false;

			if (s->cols[k].run != r)
				continue;
			for (int j = 0; j < k && !seen; j++)
				seen = s->cols[j].run == r && !strcmp(s->cols[j].rest, s->cols[k].rest);
			if (!seen) {
				if (p.len && p.buf[p.len - 1] != '\n')
					say(&p, " ");
				read_winner(c, s, &p, r, t, s->cols[k].rest);
			}
		}
		w = read_metric(s, t) ? best_col(s, read_metric(s, t), r, s->cols[first].rest, -1) : -1;
		if (r == 0 && w >= 0)
			s->winner = s->cols[w].value;
		read_sharing(s, &p, r, t, s->cols[first].rest, c, s);
		read_toggle(s, &p, r, t, s);
		read_one_client(s, &p, r, c);
	}
	return p.buf;
}

/* ---- the model ------------------------------------------------------------------ */

void study_build(struct cmp *c)
{
	for (int i = 0; i < c->npivots; i++) {
		const struct cmp_pivot *pv = &c->pivots[i];
		struct study *s;
		const char *metrics[64];
		int clients[256], nc = 0, nm;
		char name[1200];

		if (!pv->base_value || !pv->ncols)
			continue;	/* the runs are the columns: no values to set side by side */
		c->studies = xrealloc(c->studies, (size_t)c->nstudies + 1, sizeof(*c->studies));
		s = &c->studies[c->nstudies++];
		*s = (struct study){ .pv = pv, .axis = pv->axes[0], .base = pv->base_value,
				     .pair_cost = 0, .prefetch_changes = -1 };
		snprintf(name, sizeof(name), "%s: each %s side by side", pv->family, pv->axes[0]);
		s->name = xstrdup(name);
		study_columns(c, s);
		for (int k = 0; k < s->ncols; k++)
			for (int g = 0; g < c->ngroups; g++) {
				if (c->groups[g].key != s->cols[k].group)
					continue;
				for (int r = 0; r < c->groups[g].nrows; r++) {
					bool seen = false;

					if (c->groups[g].rows[r].kind != ST_MEAN)
						continue;
					for (int j = 0; j < nc && !seen; j++)
						seen = clients[j] == c->groups[g].rows[r].clients;
					if (!seen && nc < 256)
						clients[nc++] = c->groups[g].rows[r].clients;
				}
			}
		if (nc > 1)
			qsort(clients, (size_t)nc, sizeof(int), cmp_int);
		s->t = xcalloc((size_t)nc, sizeof(*s->t));
		for (int t = 0; t < nc; t++)
			s->t[s->ntables++].clients = clients[t];
		s->clean = clean_value(c, s);
		nm = study_metrics(c, s, metrics, 64);
		for (int t = 0; t < s->ntables; t++)
			build_table(c, s, &s->t[t], metrics, nm);
		s->reading = reading(c, s);
	}
}

static void change_free(struct study_change *ch, int ncols)
{
	for (int k = 0; k < ncols; k++) {
		for (int w = 0; w < ch->cells[k].nwarn; w++)
			free(ch->cells[k].warn[w]);
		free(ch->cells[k].warn);
	}
	free(ch->cells);
	free(ch->against);
	free(ch->name);
}

void study_free(struct cmp *c)
{
	for (int i = 0; i < c->nstudies; i++) {
		struct study *s = &c->studies[i];

		for (int t = 0; t < s->ntables; t++) {
			for (int m = 0; m < s->t[t].nmetrics; m++) {
				for (int x = 0; x < s->t[t].m[m].nchanges; x++)
					change_free(&s->t[t].m[m].changes[x], s->ncols);
				free(s->t[t].m[m].changes);
				free(s->t[t].m[m].cells);
				free(s->t[t].m[m].cv);
				free(s->t[t].m[m].metric);
			}
			free(s->t[t].m);
			for (int f = 0; f < s->t[t].nfacts; f++) {
				free(s->t[t].f[f].name);
				free(s->t[t].f[f].v);
			}
			free(s->t[t].f);
		}
		free(s->t);
		for (int k = 0; k < s->ncols; k++) {
			free(s->cols[k].rest);
			free(s->cols[k].title);
		}
		free(s->cols);
		free(s->name);
		free(s->reading);
	}
	free(c->studies);
	c->studies = NULL;
	c->nstudies = 0;
}

bool study_has_group(const struct cmp *c, const struct point *g)
{
	for (int i = 0; i < c->nstudies; i++)
		for (int k = 0; k < c->studies[i].ncols; k++)
			if (c->studies[i].cols[k].group == g)
				return true;
	return false;
}
