/*
 * compare.c - `mmscale compare DIR_A DIR_B [...]`: runs side by side in the
 * classic mmtests compare layout, the table kernel developers paste into
 * cover letters:
 *
 *   Hmean faults/cpu-12   347639.1021 (   0.00%)   352004.2254 *   1.26%*
 *
 * The first run is the baseline.  Every percentage follows mmtests: positive
 * is better.  Significance (stats.h) is judged on the mean row only and
 * turns the parentheses into stars.  One table per point group (the axes
 * other than clients), a "layout x prefetch" summary for runs with those
 * axes (reference section 5), then the slab footprint of each run from its
 * meta.json.
 *
 * The table is built once (struct cmp) and rendered as text, markdown, CSV
 * or JSON, so the formats cannot disagree.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "commands.h"
#include "compare.h"
#include "config.h"
#include "slab.h"
#include "stats.h"
#include "summary.h"

enum fmt { FMT_TEXT, FMT_MARKDOWN, FMT_CSV, FMT_JSON };

/* The statistics rows of each operation, in mmtests' order. */
enum row { ROW_MIN, ROW_MEAN, ROW_STDDEV, ROW_COEFFVAR, ROW_MAX,
	   ROW_B50, ROW_B95, ROW_B99, NROWS };

enum cstate { C_OK, C_MISSING, C_FAILED };

struct cell {
	enum cstate state;
	double value;
	double pct;		/* NAN when there is nothing to compare to */
	bool sig;
	double p;		/* NAN unless a test ran */
};

struct line {			/* one printed row */
	const char *stat;	/* "Hmean", "Slab", ... (static) */
	char *op;		/* "faults/cpu-12" */
	char *metric;		/* "faults/cpu", or the extra key */
	int clients;
	bool mean;		/* the row significance is judged on */
	bool integral;		/* counts: print without decimals */
	struct cell *cells;	/* one per run */
};

struct table {			/* one point group */
	const char *group;	/* borrowed from a run's point */
	int nlines;
	struct line *lines;
};

/* The VMA footprint of one run: pages per 1000 VMAs from slab geometry. */
#define FP_MAX 2
struct footprint {
	const char *why;	/* NULL when known, else why not */
	int n;
	struct fp_cache {
		const char *name;
		unsigned objsize, objperslab, pagesperslab;
		unsigned long pages;
		const char *merged_with;	/* NULL unless merged */
	} c[FP_MAX];
	unsigned long pages;
};

/*
 * The "layout x prefetch" summary of one family (a point group without its
 * layout and prefetch values, e.g. "vmalock mode=threads"), reference
 * section 5 as a table: rows are the mean rows of each metric and client
 * count, a column is one layout under one prefetch value, a cell its change
 * against the base layout.  The layouts are an axis of the runs (vmalock
 * --layout: the base is the axis' first value, compared within each run)
 * or, for a family with a prefetch axis but no layout axis, the runs
 * themselves (pft on two kernels: the base is the first run).
 */
struct scol {
	int run, base_run;	/* the two sides: run/group against base_run/base_group */
	const char *group;	/* borrowed from the tables */
	char *base_group;
	const char *layout;	/* the layout value, NULL when the runs are the layouts */
	const char *prefetch;	/* NULL without a prefetch axis */
	const char *head[3];	/* header lines: run label, layout, "prefetch=P" (NULL: none) */
	char *title;		/* the three in one line */
};

struct summ {
	char *name;		/* "layout x prefetch: vmalock mode=threads" */
	char *note;		/* what the cells are changes against */
	char *base;		/* "layout=separate" or the first run's label */
	const char *base_layout;	/* "separate"; NULL when the runs are the layouts */
	struct table t;		/* t.group: the family; a line's cells: one per column */
	int ncols;
	struct scol *cols;
	int nvals;
	char **vals;		/* layout and prefetch values the columns point to */
};

struct cmp {
	int nruns;
	struct summary *runs;
	enum sig_test test;
	double alpha;
	int ntables;
	struct table *tables;
	int nsumm;
	struct summ *summ;
	struct footprint *fp;	/* one per run */
};

/* The caches a VMA costs: the struct itself and, on older kernels, its
 * separately allocated lock (reference section 7). */
static const char *const fp_caches[] = { "vm_area_struct", "vma_lock", NULL };
static const char no_slab[] = "unavailable: no slab geometry in meta.json";

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die(EXIT_FAIL, ENOMEM, "compare");
	return p;
}

/* p grown to n elements of size bytes */
static void *xrealloc(void *p, size_t n, size_t size)
{
	p = realloc(p, (n ? n : 1) * size);
	if (!p)
		die(EXIT_FAIL, ENOMEM, "compare");
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die(EXIT_FAIL, ENOMEM, "compare");
	return d;
}

/* ---- one operation of one run ----------------------------------------- */

static const struct point *find_point(const struct summary *s, const char *group, int clients)
{
	for (int i = 0; i < s->npoints; i++)
		if (s->points[i].clients == clients && !strcmp(s->points[i].group, group))
			return &s->points[i];
	return NULL;
}

static enum cstate op_state(const struct summary *s, const char *group, const char *metric,
			    int clients, const struct metric **m)
{
	const struct point *pt = find_point(s, group, clients);

	*m = NULL;
	if (!pt)
		return C_MISSING;
	if (strcmp(pt->status, "ok"))
		return C_FAILED;
	*m = point_metric(pt, metric);
	return *m && (*m)->n > 0 ? C_OK : C_MISSING;
}

static double row_value(const struct stats *s, enum row r, enum better dir)
{
	switch (r) {
	case ROW_MIN: return s->min;
	case ROW_MEAN: return dir == BETTER_HIGHER ? s->hmean : s->amean;
	case ROW_STDDEV: return s->stddev;
	case ROW_COEFFVAR: return s->coeffvar;
	case ROW_MAX: return s->max;
	case ROW_B50: return s->best50;
	case ROW_B95: return s->best95;
	default: return s->best99;
	}
}

static const char *row_name(enum row r, enum better dir)
{
	static const char *const hi[NROWS] = { "Min", "Hmean", "Stddev", "CoeffVar", "Max",
					       "BHmean-50", "BHmean-95", "BHmean-99" };
	static const char *const lo[NROWS] = { "Min", "Amean", "Stddev", "CoeffVar", "Max",
					       "BAmean-50", "BAmean-95", "BAmean-99" };

	return dir == BETTER_HIGHER ? hi[r] : lo[r];
}

/*
 * mmtests' percentages, positive is better: new*100/base - 100 when higher
 * is better, 100 - new*100/base for spread rows and lower-is-better
 * metrics.  NAN when the base is 0 and the new value is not.
 */
static double pct_change(double base, double now, bool lower_better)
{
	if (base == now)
		return 0;
	if (base == 0)
		return NAN;
	return lower_better ? 100 - now * 100 / base : now * 100 / base - 100;
}

int compare_mean_change_groups(const struct summary *a, const char *group_a,
			       const struct summary *b, const char *group_b,
			       const char *metric, int clients,
			       enum sig_test test, double alpha,
			       double *pct, bool *sig, double *p)
{
	const struct metric *ma, *mb;
	struct stats sa, sb;

	if (op_state(a, group_a, metric, clients, &ma) != C_OK ||
	    op_state(b, group_b, metric, clients, &mb) != C_OK)
		return -1;
	stats_compute(ma->values, ma->n, ma->dir, &sa);
	stats_compute(mb->values, mb->n, ma->dir, &sb);
	*pct = pct_change(row_value(&sa, ROW_MEAN, ma->dir), row_value(&sb, ROW_MEAN, ma->dir),
			  ma->dir == BETTER_LOWER);
	*sig = stats_significant(ma->values, ma->n, mb->values, mb->n, test, alpha, p);
	return 0;
}

int compare_mean_change(const struct summary *a, const struct summary *b,
			const char *group, const char *metric, int clients,
			enum sig_test test, double alpha,
			double *pct, bool *sig, double *p)
{
	return compare_mean_change_groups(a, group, b, group, metric, clients, test, alpha,
					  pct, sig, p);
}

/* ---- building the tables ---------------------------------------------- */

struct opkey {			/* an operation: metric (or extra key) at clients */
	const char *stat;	/* NULL for a metric, else the extra row's name */
	char *metric;
	int clients;
	enum better dir;
};

struct opset {
	int n, cap;
	struct opkey *k;
};

static void opset_add(struct opset *s, const char *stat, const char *metric, int clients,
		      enum better dir)
{
	for (int i = 0; i < s->n; i++)
		if (s->k[i].clients == clients && s->k[i].stat == stat &&
		    !strcmp(s->k[i].metric, metric))
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->k = xrealloc(s->k, s->cap, sizeof(*s->k));
	}
	s->k[s->n++] = (struct opkey){ .stat = stat, .metric = xstrdup(metric),
				       .clients = clients, .dir = dir };
}

/* Metrics by name, then clients ascending: all faults/cpu rows, then
 * faults/sec, as in the published tables. */
static int cmp_opkey(const void *a, const void *b)
{
	const struct opkey *x = a, *y = b;
	int c = strcmp(x->metric, y->metric);

	return c ? c : (x->clients > y->clients) - (x->clients < y->clients);
}

static struct line *add_line(struct table *t, int nruns, const char *stat,
			     const struct opkey *k)
{
	struct line *l;
	char op[512];

	t->lines = xrealloc(t->lines, t->nlines + 1, sizeof(*t->lines));
	l = &t->lines[t->nlines++];
	snprintf(op, sizeof(op), "%s-%d", k->metric, k->clients);
	*l = (struct line){ .stat = stat, .op = xstrdup(op), .metric = xstrdup(k->metric),
			    .clients = k->clients, .cells = xcalloc(nruns, sizeof(struct cell)) };
	return l;
}

static void drop_last_line(struct table *t)
{
	struct line *l = &t->lines[--t->nlines];

	free(l->op);
	free(l->metric);
	free(l->cells);
}

static void build_stat_lines(struct cmp *c, struct table *t, const struct opset *ops)
{
	struct stats *st = xcalloc(c->nruns, sizeof(*st));
	const struct metric **m = xcalloc(c->nruns, sizeof(*m));

	for (enum row r = 0; r < NROWS; r++) {
		for (int k = 0; k < ops->n; k++) {
			const struct opkey *key = &ops->k[k];
			struct line *l = add_line(t, c->nruns, row_name(r, key->dir), key);

			l->mean = r == ROW_MEAN;
			for (int i = 0; i < c->nruns; i++) {
				struct cell *cl = &l->cells[i];
				bool lower = r == ROW_STDDEV || r == ROW_COEFFVAR ||
					     key->dir == BETTER_LOWER;

				cl->state = op_state(&c->runs[i], t->group, key->metric,
						     key->clients, &m[i]);
				cl->pct = cl->p = NAN;
				if (cl->state != C_OK)
					continue;
				stats_compute(m[i]->values, m[i]->n, key->dir, &st[i]);
				cl->value = row_value(&st[i], r, key->dir);
				if (i == 0)
					cl->pct = 0;
				else if (l->cells[0].state == C_OK)
					cl->pct = pct_change(l->cells[0].value, cl->value, lower);
				if (l->mean && i > 0 && l->cells[0].state == C_OK)
					cl->sig = stats_significant(m[0]->values, m[0]->n,
								    m[i]->values, m[i]->n,
								    c->test, c->alpha, &cl->p);
			}
		}
	}
	free(st);
	free(m);
}

/* ---- extra: per-point slab deltas and perf counters ------------------- */

typedef void (*leaf_fn)(const char *path, double v, void *arg);

/* Calls fn for every numeric leaf of j, keys joined by '/'. */
static void flatten(json_t *j, char *path, size_t len, size_t cap, leaf_fn fn, void *arg)
{
	const char *key;
	json_t *v;

	if (json_is_number(j)) {
		fn(path, json_number_value(j), arg);
		return;
	}
	json_object_foreach(j, key, v) {
		int n = snprintf(path + len, cap - len, "%s%s", len ? "/" : "", key);

		if (n > 0 && len + n < cap)
			flatten(v, path, len + n, cap, fn, arg);
		path[len] = 0;
	}
}

struct extra_section {
	const char *stat;	/* row name */
	const char *const path[3];	/* where under point.extra */
};

static const struct extra_section extras[] = {
	{ "Slab", { "slab", "caches", NULL } },	/* slab_delta_json(): objects, bytes, pages */
	{ "Perf", { "perf", NULL } },
};

static json_t *extra_of(const struct point *pt, const struct extra_section *x)
{
	json_t *j = pt ? pt->extra : NULL;

	for (int i = 0; j && x->path[i]; i++)
		j = json_object_get(j, x->path[i]);
	return json_is_object(j) ? j : NULL;
}

struct collect_arg {
	struct opset *ops;
	const char *stat;
	int clients;
};

static void collect_leaf(const char *path, double v, void *arg)
{
	struct collect_arg *a = arg;

	opset_add(a->ops, a->stat, path, a->clients, BETTER_HIGHER);
}

struct find_arg {
	const char *want;
	bool found;
	double v;
};

static void find_leaf(const char *path, double v, void *arg)
{
	struct find_arg *a = arg;

	if (!a->found && !strcmp(path, a->want)) {
		a->found = true;
		a->v = v;
	}
}

/* Extra rows are plain numbers: the change is new*100/base - 100 (only
 * against a positive base: a delta can be negative) and no test is made
 * (there is one value per point, not a sample).  Rows that are 0 in every
 * run (caches the workload never touched) are left out. */
static void build_extra_lines(struct cmp *c, struct table *t, const struct extra_section *x)
{
	struct opset ops = { 0 };
	char path[512] = "";

	for (int i = 0; i < c->nruns; i++)
		for (int p = 0; p < c->runs[i].npoints; p++) {
			const struct point *pt = &c->runs[i].points[p];
			struct collect_arg a = { &ops, x->stat, pt->clients };

			if (!strcmp(pt->group, t->group) && !strcmp(pt->status, "ok"))
				flatten(extra_of(pt, x), path, 0, sizeof(path), collect_leaf, &a);
		}
	qsort(ops.k, ops.n, sizeof(*ops.k), cmp_opkey);
	for (int k = 0; k < ops.n; k++) {
		struct line *l = add_line(t, c->nruns, x->stat, &ops.k[k]);
		bool nonzero = false;

		l->integral = true;
		for (int i = 0; i < c->nruns; i++) {
			const struct point *pt = find_point(&c->runs[i], t->group, l->clients);
			struct find_arg f = { .want = l->metric };
			struct cell *cl = &l->cells[i];

			cl->pct = cl->p = NAN;
			cl->state = !pt ? C_MISSING : strcmp(pt->status, "ok") ? C_FAILED : C_OK;
			if (cl->state != C_OK)
				continue;
			flatten(extra_of(pt, x), path, 0, sizeof(path), find_leaf, &f);
			if (!f.found) {
				cl->state = C_MISSING;
				continue;
			}
			cl->value = f.v;
			nonzero |= f.v != 0;
			if (f.v != floor(f.v))
				l->integral = false;
			if (i == 0)
				cl->pct = 0;
			else if (l->cells[0].state == C_OK &&
				 (l->cells[0].value > 0 || l->cells[0].value == f.v))
				cl->pct = pct_change(l->cells[0].value, f.v, false);
		}
		if (!nonzero)
			drop_last_line(t);
		free(ops.k[k].metric);
	}
	free(ops.k);
}

static void build_table(struct cmp *c, struct table *t)
{
	struct opset ops = { 0 };

	for (int i = 0; i < c->nruns; i++)
		for (int p = 0; p < c->runs[i].npoints; p++) {
			const struct point *pt = &c->runs[i].points[p];

			if (strcmp(pt->group, t->group))
				continue;
			for (int m = 0; m < pt->nmetrics; m++)
				opset_add(&ops, NULL, pt->metrics[m].name, pt->clients,
					  pt->metrics[m].dir);
		}
	qsort(ops.k, ops.n, sizeof(*ops.k), cmp_opkey);
	build_stat_lines(c, t, &ops);
	for (size_t x = 0; x < sizeof(extras) / sizeof(extras[0]); x++)
		build_extra_lines(c, t, &extras[x]);
	for (int k = 0; k < ops.n; k++)
		free(ops.k[k].metric);
	free(ops.k);
}

static void footprint_of(json_t *meta, struct footprint *f)
{
	json_t *slab = json_object_get(meta, "slab"), *caches;

	memset(f, 0, sizeof(*f));
	if (json_is_string(slab)) {	/* "unavailable: why" */
		f->why = json_string_value(slab);
		return;
	}
	if (!json_is_object(slab)) {
		f->why = no_slab;
		return;
	}
	caches = json_object_get(slab, "caches");
	if (!json_is_object(caches))
		caches = slab;
	for (int i = 0; fp_caches[i] && f->n < FP_MAX; i++) {
		json_t *cj = json_object_get(caches, fp_caches[i]);
		struct fp_cache *fc = &f->c[f->n];
		json_int_t per = json_integer_value(json_object_get(cj, "objperslab"));
		json_int_t pages = json_integer_value(json_object_get(cj, "pagesperslab"));

		if (per <= 0 || pages <= 0)
			continue;	/* not on this kernel (vma_lock since 6.4 gone) */
		*fc = (struct fp_cache){
			.name = fp_caches[i],
			.objsize = (unsigned)json_integer_value(json_object_get(cj, "objsize")),
			.objperslab = (unsigned)per,
			.pagesperslab = (unsigned)pages,
			.pages = slab_footprint_pages(1000, (unsigned)per, (unsigned)pages),
		};
		if (json_is_true(json_object_get(cj, "merged")))
			fc->merged_with = json_string_value(json_object_get(cj, "merged_with"));
		f->pages += fc->pages;
		f->n++;
	}
	if (!f->n)
		f->why = "unavailable: no vm_area_struct geometry in meta.json";
}

static void table_free(struct table *t)
{
	for (int l = 0; l < t->nlines; l++) {
		free(t->lines[l].op);
		free(t->lines[l].metric);
		free(t->lines[l].cells);
	}
	free(t->lines);
}

static void summ_free(struct summ *s)
{
	table_free(&s->t);
	free((char *)s->t.group);
	for (int i = 0; i < s->ncols; i++) {
		free(s->cols[i].base_group);
		free(s->cols[i].title);
	}
	free(s->cols);
	cfg_strv_free(s->vals, s->nvals);
	free(s->name);
	free(s->note);
	free(s->base);
}

/* ---- the layout x prefetch summary ------------------------------------- */

/* The value of axis key in a point group ("pft mode=threads prefetch=on";
 * the first word is the workload) into buf, or NULL when it is no axis. */
static const char *group_value(const char *group, const char *key, char *buf, size_t n)
{
	size_t klen = strlen(key);

	for (const char *t = strchr(group, ' '); t; t = strchr(t, ' ')) {
		t++;
		if (!strncmp(t, key, klen) && t[klen] == '=') {
			snprintf(buf, n, "%.*s", (int)strcspn(t + klen + 1, " "), t + klen + 1);
			return buf;
		}
	}
	return NULL;
}

/* group with the value of key replaced by val, or its word dropped (val NULL). */
static char *group_with(const char *group, const char *key, const char *val)
{
	size_t klen = strlen(key);
	char *out = xcalloc(strlen(group) + klen + (val ? strlen(val) : 0) + 2, 1), *o = out;

	for (const char *t = group; *t;) {
		size_t len = strcspn(t, " ");

		if (t == group || strncmp(t, key, klen) || t[klen] != '=')
			o += sprintf(o, "%s%.*s", t == group ? "" : " ", (int)len, t);
		else if (val)
			o += sprintf(o, " %s=%s", key, val);
		t += len;
		t += strspn(t, " ");
	}
	return out;
}

static char *family_of(const char *group)
{
	char *nolayout = group_with(group, "layout", NULL);
	char *f = group_with(nolayout, "prefetch", NULL);

	free(nolayout);
	return f;
}

static bool in_family(const char *group, const char *family)
{
	char *f = family_of(group);
	bool in = !strcmp(f, family);

	free(f);
	return in;
}

/* The index of v in s->vals, added if new. */
static int summ_val(struct summ *s, const char *v)
{
	for (int i = 0; i < s->nvals; i++)
		if (!strcmp(s->vals[i], v))
			return i;
	s->vals = xrealloc(s->vals, s->nvals + 1, sizeof(*s->vals));
	s->vals[s->nvals] = xstrdup(v);
	return s->nvals++;
}

static bool same_val(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The family's group with this layout and prefetch value, or NULL. */
static const char *family_group(const struct cmp *c, const char *family,
				const char *layout, const char *prefetch)
{
	char l[128], p[128];

	for (int t = 0; t < c->ntables; t++) {
		const char *g = c->tables[t].group;

		if (in_family(g, family) && same_val(group_value(g, "layout", l, sizeof(l)), layout) &&
		    same_val(group_value(g, "prefetch", p, sizeof(p)), prefetch))
			return g;
	}
	return NULL;
}

static void add_col(const struct cmp *c, struct summ *s, int run, bool in_run,
		    const char *layout, const char *prefetch)
{
	const char *g = family_group(c, s->t.group, layout, prefetch);
	struct scol *col;
	char pf[160], title[512];

	if (!g)
		return;
	s->cols = xrealloc(s->cols, s->ncols + 1, sizeof(*s->cols));
	col = &s->cols[s->ncols++];
	*col = (struct scol){ .run = run, .base_run = in_run ? run : 0, .group = g,
			      .layout = layout, .prefetch = prefetch };
	col->base_group = in_run ? group_with(g, "layout", s->base_layout) : xstrdup(g);
	if (!in_run || c->nruns > 1)
		col->head[in_run ? 0 : 1] = c->runs[run].label;
	if (in_run)
		col->head[1] = layout;
	if (prefetch) {
		int k;

		snprintf(pf, sizeof(pf), "prefetch=%s", prefetch);
		k = summ_val(s, pf);	/* may move s->vals */
		col->head[2] = s->vals[k];
	}
	title[0] = 0;
	for (int k = 0; k < 3; k++)
		if (col->head[k])
			snprintf(title + strlen(title), sizeof(title) - strlen(title), "%s%s",
				 title[0] ? " " : "", col->head[k]);
	col->title = xstrdup(title);
}

/* One family's summary; s->ncols stays 0 when it has nothing to compare. */
static void build_summary(struct cmp *c, const char *family, struct summ *s)
{
	int nlayouts = 0, nprefetch = 0, *lay, *pre;
	struct opset ops = { 0 };
	char buf[128], note[512];
	bool in_run;

	*s = (struct summ){ .t.group = xstrdup(family) };
	/* the axis values in order of first appearance; layout values first */
	lay = xcalloc(c->ntables, sizeof(int));
	pre = xcalloc(c->ntables, sizeof(int));
	for (int pass = 0; pass < 2; pass++)
		for (int t = 0; t < c->ntables; t++) {
			const char *g = c->tables[t].group, *v;
			int k, *list = pass ? pre : lay, *n = pass ? &nprefetch : &nlayouts;

			if (!in_family(g, family) ||
			    !(v = group_value(g, pass ? "prefetch" : "layout", buf, sizeof(buf))))
				continue;
			k = summ_val(s, v);
			for (int i = 0; i < *n; i++)
				if (list[i] == k)
					k = -1;
			if (k >= 0)
				list[(*n)++] = k;
		}
	in_run = nlayouts > 1;
	if (in_run) {
		s->base_layout = s->vals[lay[0]];
		snprintf(buf, sizeof(buf), "layout=%s", s->base_layout);
		s->base = xstrdup(buf);
		snprintf(note, sizeof(note), "%% change against %s in the same run", s->base);
	} else {
		s->base = xstrdup(c->runs[0].label);
		snprintf(note, sizeof(note), "%% change of each run against %s", s->base);
	}
	/* columns: run, then layout, then prefetch value */
	for (int r = in_run ? 0 : 1; (in_run || nprefetch) && r < c->nruns; r++)
		for (int l = in_run ? 1 : 0; l < (in_run ? nlayouts : 1); l++)
			for (int p = 0; p < (nprefetch ? nprefetch : 1); p++)
				add_col(c, s, r, in_run, in_run ? s->vals[lay[l]] : NULL,
					nprefetch ? s->vals[pre[p]] : NULL);
	free(lay);
	free(pre);
	snprintf(buf, sizeof(buf), "layout%s: %s", nprefetch ? " x prefetch" : "", family);
	s->name = xstrdup(buf);
	s->note = xstrdup(note);

	for (int r = 0; r < c->nruns; r++)
		for (int p = 0; p < c->runs[r].npoints; p++) {
			const struct point *pt = &c->runs[r].points[p];

			if (!in_family(pt->group, family))
				continue;
			for (int m = 0; m < pt->nmetrics; m++)
				opset_add(&ops, NULL, pt->metrics[m].name, pt->clients,
					  pt->metrics[m].dir);
		}
	qsort(ops.k, ops.n, sizeof(*ops.k), cmp_opkey);
	for (int k = 0; k < ops.n && s->ncols; k++) {
		struct line *l = add_line(&s->t, s->ncols, row_name(ROW_MEAN, ops.k[k].dir), &ops.k[k]);

		l->mean = true;
		for (int i = 0; i < s->ncols; i++) {
			const struct scol *col = &s->cols[i];
			struct cell *cl = &l->cells[i];

			cl->p = NAN;
			cl->state = compare_mean_change_groups(&c->runs[col->base_run], col->base_group,
							       &c->runs[col->run], col->group,
							       l->metric, l->clients, c->test, c->alpha,
							       &cl->pct, &cl->sig, &cl->p) ?
				    C_MISSING : C_OK;
		}
	}
	for (int k = 0; k < ops.n; k++)
		free(ops.k[k].metric);
	free(ops.k);
}

/* A summary per family that has a layout or prefetch axis, in table order. */
static void build_summaries(struct cmp *c)
{
	for (int t = 0; t < c->ntables; t++) {
		char *f = family_of(c->tables[t].group);
		bool seen = !strcmp(f, c->tables[t].group);

		for (int k = 0; k < t && !seen; k++)
			seen = in_family(c->tables[k].group, f);
		if (!seen) {
			c->summ = xrealloc(c->summ, c->nsumm + 1, sizeof(*c->summ));
			build_summary(c, f, &c->summ[c->nsumm]);
			if (c->summ[c->nsumm].ncols)
				c->nsumm++;
			else
				summ_free(&c->summ[c->nsumm]);
		}
		free(f);
	}
}

static void cmp_build(struct cmp *c)
{
	const char **groups = NULL;
	int ng = 0;

	/* groups in order of first appearance, baseline first */
	for (int i = 0; i < c->nruns; i++)
		for (int p = 0; p < c->runs[i].npoints; p++) {
			const char *g = c->runs[i].points[p].group;
			int k;

			for (k = 0; k < ng && strcmp(groups[k], g); k++)
				;
			if (k < ng)
				continue;
			groups = xrealloc(groups, ng + 1, sizeof(*groups));
			groups[ng++] = g;
		}
	c->tables = xcalloc(ng, sizeof(*c->tables));
	c->ntables = ng;
	for (int g = 0; g < ng; g++) {
		c->tables[g].group = groups[g];
		build_table(c, &c->tables[g]);
	}
	free(groups);
	build_summaries(c);
	c->fp = xcalloc(c->nruns, sizeof(*c->fp));
	for (int i = 0; i < c->nruns; i++)
		footprint_of(c->runs[i].meta, &c->fp[i]);
}

static void cmp_free(struct cmp *c)
{
	for (int t = 0; t < c->ntables; t++)
		table_free(&c->tables[t]);
	free(c->tables);
	for (int i = 0; i < c->nsumm; i++)
		summ_free(&c->summ[i]);
	free(c->summ);
	free(c->fp);
}

static const char *state_name(enum cstate s)
{
	return s == C_OK ? "ok" : s == C_FAILED ? "failed" : "missing";
}

static const char *test_name(enum sig_test t)
{
	return t == SIG_WELCH ? "welch" : "mmtests";
}

/* ---- text: the classic mmtests layout --------------------------------- */

#define VALW 14			/* %14.4f */
#define COLW (VALW + 11)	/* value, space, "(%7.2f%%)" */

/* Prints buf without trailing blanks. */
static void put_line(char *buf)
{
	size_t n = strlen(buf);

	while (n && buf[n - 1] == ' ')
		buf[--n] = 0;
	puts(buf);
}

/* "(%7.2f%)", starred when significant: 10 characters */
static const char *text_pct(const struct cell *cl, char *pct, size_t n)
{
	if (isnan(cl->pct))
		snprintf(pct, n, "(%8s)", "n/a");
	else if (cl->sig)
		snprintf(pct, n, "*%7.2f%%*", cl->pct);
	else
		snprintf(pct, n, "(%7.2f%%)", cl->pct);
	return pct;
}

static int text_cell(char *b, size_t n, const struct line *l, const struct cell *cl)
{
	char pct[16];

	if (cl->state != C_OK)
		return snprintf(b, n, " %*s %-10s", VALW - 1, cl->state == C_FAILED ? "failed" : "-", "");
	text_pct(cl, pct, sizeof(pct));
	if (l->integral)
		return snprintf(b, n, "%*.0f %s", VALW, cl->value, pct);
	return snprintf(b, n, "%*.4f %s", VALW, cl->value, pct);
}

static void text_footprint(const struct cmp *c, int labw)
{
	bool any = false;

	for (int i = 0; i < c->nruns; i++)
		any |= c->fp[i].n > 0 || c->fp[i].why != no_slab;
	if (!any)
		return;		/* no run recorded anything: nothing to say */
	printf("\nFootprint: pages per 1000 VMAs, from each run's slab geometry\n");
	for (int i = 0; i < c->nruns; i++) {
		const struct footprint *f = &c->fp[i];

		printf("%-*s  ", labw, c->runs[i].label);
		if (!f->n) {
			printf("%s\n", f->why);
			continue;
		}
		for (int k = 0; k < f->n; k++) {
			const struct fp_cache *fc = &f->c[k];

			printf("%s%s %u B x %u/slab", k ? " + " : "", fc->name, fc->objsize,
			       fc->objperslab);
			if (fc->pagesperslab != 1)
				printf(" (%u pages)", fc->pagesperslab);
			if (fc->merged_with)
				printf(" [merged into %s]", fc->merged_with);
		}
		printf(" -> %lu pages per 1000 VMAs", f->pages);
		if (i > 0 && c->fp[0].n) {
			long d = (long)f->pages - (long)c->fp[0].pages;

			printf(" (%+ld pages, %+.2f%%)", d, d * 100.0 / c->fp[0].pages);
		}
		putchar('\n');
	}
}

/* Each run's label ends where its values end; a long label reaches left
 * into the blank above the previous percentage, never into a neighbour. */
static void text_header(const struct cmp *c, int indent, char *buf, size_t size)
{
	size_t n = 0;

	for (int i = 0; i < c->nruns; i++) {
		const char *l = c->runs[i].label;
		size_t len = strlen(l), end = indent + (size_t)i * COLW + VALW;
		size_t start = len < end ? end - len : 0;

		if (i && start <= n)
			start = n + 1;
		if (start + len + 1 > size)
			break;
		memset(buf + n, ' ', start - n);
		memcpy(buf + start, l, len);
		n = start + len;
	}
	buf[n] = 0;
	put_line(buf);
}

/* Stat and operation as in the tables, then one right-aligned column per
 * layout and prefetch value, its header stacked over up to three lines. */
static void text_summaries(const struct cmp *c)
{
	char buf[4096], pct[16];

	for (int i = 0; i < c->nsumm; i++) {
		const struct summ *s = &c->summ[i];
		int statw = 5, opw = 10, *w = xcalloc(s->ncols, sizeof(int));
		size_t n;

		for (int l = 0; l < s->t.nlines; l++) {
			statw = statw > (int)strlen(s->t.lines[l].stat) ? statw : (int)strlen(s->t.lines[l].stat);
			opw = opw > (int)strlen(s->t.lines[l].op) ? opw : (int)strlen(s->t.lines[l].op);
		}
		for (int k = 0; k < s->ncols; k++) {
			w[k] = 10;
			for (int h = 0; h < 3; h++)
				if (s->cols[k].head[h] && (int)strlen(s->cols[k].head[h]) > w[k])
					w[k] = (int)strlen(s->cols[k].head[h]);
		}
		printf("\n%s, %s\n", s->name, s->note);
		for (int h = 0; h < 3; h++) {
			bool any = false;

			for (int k = 0; k < s->ncols; k++)
				any |= s->cols[k].head[h] != NULL;
			if (!any)
				continue;
			n = snprintf(buf, sizeof(buf), "%*s", statw + 1 + opw, "");
			for (int k = 0; k < s->ncols && n < sizeof(buf); k++)
				n += snprintf(buf + n, sizeof(buf) - n, "  %*s", w[k],
					      s->cols[k].head[h] ? s->cols[k].head[h] : "");
			put_line(buf);
		}
		for (int l = 0; l < s->t.nlines; l++) {
			const struct line *ln = &s->t.lines[l];

			n = snprintf(buf, sizeof(buf), "%-*s %-*s", statw, ln->stat, opw, ln->op);
			for (int k = 0; k < s->ncols && n < sizeof(buf); k++)
				n += snprintf(buf + n, sizeof(buf) - n, "  %*s", w[k],
					      ln->cells[k].state == C_OK ?
					      text_pct(&ln->cells[k], pct, sizeof(pct)) : "-");
			put_line(buf);
		}
		free(w);
	}
	if (c->nsumm)
		printf("\n*...*: significant against the summary's base (%s test, p < %g, mean rows only)\n",
		       test_name(c->test), c->alpha);
}

static void print_text(const struct cmp *c)
{
	int statw = 5, opw = 10, labw = 0;
	char buf[4096];

	for (int i = 0; i < c->nruns; i++)
		labw = labw > (int)strlen(c->runs[i].label) ? labw : (int)strlen(c->runs[i].label);
	for (int t = 0; t < c->ntables; t++)
		for (int l = 0; l < c->tables[t].nlines; l++) {
			const struct line *ln = &c->tables[t].lines[l];

			statw = statw > (int)strlen(ln->stat) ? statw : (int)strlen(ln->stat);
			opw = opw > (int)strlen(ln->op) ? opw : (int)strlen(ln->op);
		}
	for (int t = 0; t < c->ntables; t++) {
		const struct table *tb = &c->tables[t];
		size_t n;

		if (t)
			putchar('\n');
		if (c->ntables > 1)
			printf("%s\n", tb->group);
		text_header(c, statw + 1 + opw, buf, sizeof(buf));
		for (int l = 0; l < tb->nlines; l++) {
			const struct line *ln = &tb->lines[l];

			n = snprintf(buf, sizeof(buf), "%-*s %-*s", statw, ln->stat, opw, ln->op);
			for (int i = 0; i < c->nruns && n < sizeof(buf); i++)
				n += text_cell(buf + n, sizeof(buf) - n, ln, &ln->cells[i]);
			put_line(buf);
		}
	}
	if (c->nruns > 1 && c->ntables)
		printf("\n*...*: significant against %s (%s test, p < %g, mean rows only)\n",
		       c->runs[0].label, test_name(c->test), c->alpha);
	text_summaries(c);
	text_footprint(c, labw);
}

/* ---- markdown ---------------------------------------------------------- */

static void md_str(const char *s)
{
	for (; *s; s++) {
		if (strchr("|*_\\`", *s))
			putchar('\\');
		putchar(*s);
	}
}

static void md_row_start(const struct line *ln)
{
	printf("| %s | ", ln->stat);
	md_str(ln->op);
	printf(" |");
}

static void md_pct(const struct cell *cl)
{
	printf("%s%.2f%%%s", cl->sig ? "\\*" : "", cl->pct, cl->sig ? "\\*" : "");
}

/* "### title[, note]" and the first two header cells of a table */
static void md_table_head(const char *sep, const char *title, const char *note)
{
	printf("%s### ", sep);
	md_str(title);
	if (note) {
		printf(", ");
		md_str(note);
	}
	printf("\n\n| Stat | Operation |");
}

static void md_summaries(const struct cmp *c)
{
	for (int i = 0; i < c->nsumm; i++) {
		const struct summ *s = &c->summ[i];

		md_table_head("\n", s->name, s->note);
		for (int k = 0; k < s->ncols; k++) {
			putchar(' ');
			md_str(s->cols[k].title);
			printf(" |");
		}
		printf("\n|:--|:--|");
		for (int k = 0; k < s->ncols; k++)
			printf("--:|");
		putchar('\n');
		for (int l = 0; l < s->t.nlines; l++) {
			const struct line *ln = &s->t.lines[l];

			md_row_start(ln);
			for (int k = 0; k < s->ncols; k++) {
				putchar(' ');
				if (ln->cells[k].state == C_OK)
					md_pct(&ln->cells[k]);
				else
					putchar('-');
				printf(" |");
			}
			putchar('\n');
		}
	}
	if (c->nsumm)
		printf("\n\\*x\\*: significant against the summary's base (%s test, p < %g, mean rows only)\n",
		       test_name(c->test), c->alpha);
}

static void print_markdown(const struct cmp *c)
{
	for (int t = 0; t < c->ntables; t++) {
		const struct table *tb = &c->tables[t];

		md_table_head(t ? "\n" : "", tb->group, NULL);
		for (int i = 0; i < c->nruns; i++) {
			putchar(' ');
			md_str(c->runs[i].label);
			printf(" | %% |");
		}
		printf("\n|:--|:--|");
		for (int i = 0; i < c->nruns; i++)
			printf("--:|--:|");
		putchar('\n');
		for (int l = 0; l < tb->nlines; l++) {
			const struct line *ln = &tb->lines[l];

			md_row_start(ln);
			for (int i = 0; i < c->nruns; i++) {
				const struct cell *cl = &ln->cells[i];

				if (cl->state != C_OK)
					printf(" %s | |", cl->state == C_FAILED ? "failed" : "-");
				else if (isnan(cl->pct))
					printf(" %.*f | n/a |", ln->integral ? 0 : 4, cl->value);
				else {
					printf(" %.*f | ", ln->integral ? 0 : 4, cl->value);
					md_pct(cl);
					printf(" |");
				}
			}
			putchar('\n');
		}
	}
	if (c->nruns > 1 && c->ntables)
		printf("\n\\*x\\*: significant against %s (%s test, p < %g, mean rows only)\n",
		       c->runs[0].label, test_name(c->test), c->alpha);
	md_summaries(c);
	printf("\n### Footprint (pages per 1000 VMAs)\n\n| Run | Caches | Pages | Change |\n|:--|:--|--:|--:|\n");
	for (int i = 0; i < c->nruns; i++) {
		const struct footprint *f = &c->fp[i];

		printf("| ");
		md_str(c->runs[i].label);
		if (!f->n) {
			printf(" | %s | - | |\n", f->why);
			continue;
		}
		printf(" | ");
		for (int k = 0; k < f->n; k++)
			printf("%s%s %u B x %u/slab, %u page%s", k ? "; " : "", f->c[k].name,
			       f->c[k].objsize, f->c[k].objperslab, f->c[k].pagesperslab,
			       f->c[k].pagesperslab == 1 ? "" : "s");
		printf(" | %lu |", f->pages);
		if (i > 0 && c->fp[0].n)
			printf(" %+ld |\n", (long)f->pages - (long)c->fp[0].pages);
		else
			printf(" |\n");
	}
}

/* ---- CSV: one row per cell (tidy), RFC 4180 quoting -------------------- */

static void csv_str(const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void print_csv(const struct cmp *c)
{
	puts("group,stat,operation,metric,clients,run,label,status,value,change_pct,significant,p");
	for (int t = 0; t < c->ntables; t++)
		for (int l = 0; l < c->tables[t].nlines; l++) {
			const struct line *ln = &c->tables[t].lines[l];

			for (int i = 0; i < c->nruns; i++) {
				const struct cell *cl = &ln->cells[i];

				csv_str(c->tables[t].group);
				printf(",%s,", ln->stat);
				csv_str(ln->op);
				putchar(',');
				csv_str(ln->metric);
				printf(",%d,%d,", ln->clients, i);
				csv_str(c->runs[i].label);
				printf(",%s,", state_name(cl->state));
				if (cl->state == C_OK)
					printf("%.*f", ln->integral ? 0 : 4, cl->value);
				putchar(',');
				if (!isnan(cl->pct))
					printf("%.2f", cl->pct);
				printf(",%s,", cl->sig ? "true" : "false");
				if (!isnan(cl->p))
					printf("%.6g", cl->p);
				putchar('\n');
			}
		}
	/* summaries: run is the compared side, label the column */
	for (int i = 0; i < c->nsumm; i++)
		for (int l = 0; l < c->summ[i].t.nlines; l++) {
			const struct summ *s = &c->summ[i];
			const struct line *ln = &s->t.lines[l];

			for (int k = 0; k < s->ncols; k++) {
				const struct cell *cl = &ln->cells[k];

				csv_str(s->name);
				printf(",%s,", ln->stat);
				csv_str(ln->op);
				putchar(',');
				csv_str(ln->metric);
				printf(",%d,%d,", ln->clients, s->cols[k].run);
				csv_str(s->cols[k].title);
				printf(",%s,,", state_name(cl->state));
				if (cl->state == C_OK)
					printf("%.2f", cl->pct);
				printf(",%s,", cl->sig ? "true" : "false");
				if (!isnan(cl->p))
					printf("%.6g", cl->p);
				putchar('\n');
			}
		}
	for (int i = 0; i < c->nruns; i++) {
		const struct footprint *f = &c->fp[i];

		if (!f->n)
			continue;
		for (int k = 0; k <= f->n; k++) {
			unsigned long pages = k < f->n ? f->c[k].pages : f->pages;

			printf("footprint,Pages/1000VMAs,%s,,,%d,", k < f->n ? f->c[k].name : "total", i);
			csv_str(c->runs[i].label);
			printf(",ok,%lu,", pages);
			if (k == f->n && c->fp[0].n)
				printf("%.2f", pct_change(c->fp[0].pages, pages, false));
			printf(",false,\n");
		}
	}
}

/* ---- JSON -------------------------------------------------------------- */

static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *footprint_json(const struct cmp *c, int i)
{
	const struct footprint *f = &c->fp[i];
	json_t *j = json_pack("{s:s}", "label", c->runs[i].label), *caches;

	if (!f->n) {
		json_object_set_new(j, "unavailable", json_string(f->why));
		return j;
	}
	caches = json_array();
	for (int k = 0; k < f->n; k++)
		json_array_append_new(caches, json_pack("{s:s,s:i,s:i,s:i,s:I,s:o}",
			"name", f->c[k].name, "objsize", (int)f->c[k].objsize,
			"objperslab", (int)f->c[k].objperslab,
			"pagesperslab", (int)f->c[k].pagesperslab,
			"pages_per_1000", (json_int_t)f->c[k].pages,
			"merged_with", f->c[k].merged_with ? json_string(f->c[k].merged_with)
							   : json_null()));
	json_object_set_new(j, "caches", caches);
	json_object_set_new(j, "pages_per_1000", json_integer((json_int_t)f->pages));
	if (i > 0 && c->fp[0].n)
		json_object_set_new(j, "change_pages",
				    json_integer((json_int_t)f->pages - (json_int_t)c->fp[0].pages));
	return j;
}

static json_t *summaries_json(const struct cmp *c)
{
	json_t *a = json_array();

	for (int i = 0; i < c->nsumm; i++) {
		const struct summ *s = &c->summ[i];
		json_t *cols = json_array(), *rows = json_array();

		for (int k = 0; k < s->ncols; k++) {
			const struct scol *col = &s->cols[k];

			json_array_append_new(cols, json_pack("{s:s,s:i,s:s,s:s,s:i,s:s,s:o,s:o}",
				"title", col->title, "run", col->run,
				"label", c->runs[col->run].label, "group", col->group,
				"base_run", col->base_run, "base_group", col->base_group,
				"layout", col->layout ? json_string(col->layout) : json_null(),
				"prefetch", col->prefetch ? json_string(col->prefetch) : json_null()));
		}
		for (int l = 0; l < s->t.nlines; l++) {
			const struct line *ln = &s->t.lines[l];
			json_t *cells = json_array();

			for (int k = 0; k < s->ncols; k++) {
				const struct cell *cl = &ln->cells[k];

				json_array_append_new(cells, json_pack("{s:s,s:o,s:b,s:o}",
					"status", state_name(cl->state),
					"change_pct", cl->state == C_OK ? num_or_null(cl->pct) : json_null(),
					"significant", cl->sig, "p", num_or_null(cl->p)));
			}
			json_array_append_new(rows, json_pack("{s:s,s:s,s:s,s:i,s:o}",
				"stat", ln->stat, "operation", ln->op, "metric", ln->metric,
				"clients", ln->clients, "cells", cells));
		}
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}",
			"summary", s->name, "family", s->t.group, "note", s->note,
			"base", s->base, "columns", cols, "rows", rows));
	}
	return a;
}

static int print_json(const struct cmp *c)
{
	json_t *j = json_object(), *runs = json_array(), *groups = json_array(), *fp = json_array();
	int rc;

	json_object_set_new(j, "schema", json_integer(1));
	json_object_set_new(j, "test", json_string(test_name(c->test)));
	json_object_set_new(j, "alpha", json_real(c->alpha));
	for (int i = 0; i < c->nruns; i++)
		json_array_append_new(runs, json_pack("{s:s,s:s}", "label", c->runs[i].label,
						      "dir", c->runs[i].dir));
	for (int t = 0; t < c->ntables; t++) {
		json_t *rows = json_array();

		for (int l = 0; l < c->tables[t].nlines; l++) {
			const struct line *ln = &c->tables[t].lines[l];
			json_t *cells = json_array();

			for (int i = 0; i < c->nruns; i++) {
				const struct cell *cl = &ln->cells[i];

				json_array_append_new(cells, json_pack("{s:s,s:o,s:o,s:b,s:o}",
					"status", state_name(cl->state),
					"value", cl->state == C_OK ? json_real(cl->value) : json_null(),
					"change_pct", num_or_null(cl->pct),
					"significant", cl->sig,
					"p", num_or_null(cl->p)));
			}
			json_array_append_new(rows, json_pack("{s:s,s:s,s:s,s:i,s:b,s:o}",
				"stat", ln->stat, "operation", ln->op, "metric", ln->metric,
				"clients", ln->clients, "mean_row", ln->mean, "cells", cells));
		}
		json_array_append_new(groups, json_pack("{s:s,s:o}", "group", c->tables[t].group,
							"rows", rows));
	}
	for (int i = 0; i < c->nruns; i++)
		json_array_append_new(fp, footprint_json(c, i));
	json_object_set_new(j, "runs", runs);
	json_object_set_new(j, "groups", groups);
	if (c->nsumm)	/* runs without axes print as they always did */
		json_object_set_new(j, "summaries", summaries_json(c));
	json_object_set_new(j, "footprint", fp);
	rc = json_dumpf(j, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
	putchar('\n');
	json_decref(j);
	return rc ? EXIT_FAIL : EXIT_OK;
}

/* ---- the command -------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mmscale compare DIR_A DIR_B [DIR...] [--format text|markdown|csv|json]\n"
		"                       [--test mmtests|welch] [--alpha A]\n"
		"       mmscale compare DIR   (a run with a layout axis: its layouts compared)\n"
		"The first run is the baseline.  Percentages: positive is better.\n"
		"Runs with a layout or prefetch axis end in a layout x prefetch summary.\n"
		"  --test mmtests  t-test, df = na+nb-2, significant when p < alpha (0.10)\n"
		"  --test welch    Welch-Satterthwaite df, significant when p < alpha (0.05)\n");
}

static int too_few(const struct cmp *c)
{
	errmsg(0, "compare: needs at least two results directories (got %d), or one with a "
	       "layout axis", c->nruns);
	usage(stderr);
	return EXIT_USAGE;
}

int cmd_compare(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "test", required_argument, NULL, 't' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const fmts[] = { "text", "markdown", "csv", "json", NULL };
	struct cmp c = { .test = SIG_MMTESTS, .alpha = NAN };
	enum fmt fmt = FMT_TEXT;
	int opt, rc = EXIT_OK, loaded = 0;
	char *end;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:t:a:h", lopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			for (fmt = 0; fmts[fmt] && strcmp(fmts[fmt], optarg); fmt++)
				;
			if (!fmts[fmt]) {
				errmsg(0, "compare: --format %s: not text, markdown, csv or json", optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			if (!strcmp(optarg, "mmtests"))
				c.test = SIG_MMTESTS;
			else if (!strcmp(optarg, "welch"))
				c.test = SIG_WELCH;
			else {
				errmsg(0, "compare: --test %s: not mmtests or welch", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'a':
			c.alpha = strtod(optarg, &end);
			if (*end || end == optarg || !(c.alpha > 0 && c.alpha < 1)) {
				errmsg(0, "compare: --alpha %s: not a number between 0 and 1", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (isnan(c.alpha))
		c.alpha = c.test == SIG_WELCH ? 0.05 : 0.10;
	c.nruns = argc - optind;
	if (c.nruns < 1)
		return too_few(&c);
	c.runs = xcalloc(c.nruns, sizeof(*c.runs));
	for (; loaded < c.nruns; loaded++) {
		rc = summary_load(argv[optind + loaded], &c.runs[loaded]);
		if (rc)
			goto out;
	}
	cmp_build(&c);
	/* one run is enough when its layouts are compared within it */
	if (c.nruns < 2 && !c.nsumm) {
		rc = too_few(&c);
		cmp_free(&c);
		goto out;
	}
	switch (fmt) {
	case FMT_TEXT: print_text(&c); break;
	case FMT_MARKDOWN: print_markdown(&c); break;
	case FMT_CSV: print_csv(&c); break;
	case FMT_JSON: rc = print_json(&c); break;
	}
	if (fflush(stdout) || ferror(stdout)) {
		errmsg(errno, "compare: writing the table");
		rc = EXIT_FAIL;
	}
	cmp_free(&c);
out:
	for (int i = 0; i < loaded; i++)
		summary_free(&c.runs[i]);
	free(c.runs);
	return rc;
}
