/*
 * compare.c - `mmscale compare DIR_A DIR_B [...]`: builds the compare model
 * (compare.h) of runs side by side in the classic mmtests compare layout,
 * the table kernel developers paste into cover letters:
 *
 *   Hmean faults/cpu-12   347639.1021 (   0.00%)   352004.2254 *   1.26%*
 *
 * The first run is the baseline.  Every percentage follows mmtests:
 * positive is better.  Significance (stats.h) is judged on the mean row
 * only and turns the parentheses into stars.  One group per workload and
 * axes other than clients; a pivot per family (the groups without the
 * pivot axes: by default layout x prefetch, reference section 5); then the
 * slab footprint of each run from its meta.json.  The renderers are in
 * report/render.c and report/report.c.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "calibration.h"
#include "commands.h"
#include "compare.h"
#include "config.h"
#include "slab.h"
#include "stats.h"
#include "study.h"
#include "summary.h"

/* The statistics rows of each metric, in mmtests' order (2019-2024, and
 * 2026 under SIG_MMTESTS_2026). */
static const enum cmp_stat rows_2024[] = { ST_MIN, ST_MEAN, ST_STDDEV, ST_COEFFVAR, ST_MAX,
					   ST_B50, ST_B95, ST_B99 };
static const enum cmp_stat rows_2026[] = { ST_MIN, ST_MEAN, ST_HSTDDEV, ST_HCOEFFVAR, ST_MAX,
					   ST_B95 };

/* The caches a VMA costs: the struct itself and, on older kernels, its
 * separately allocated lock (reference section 7). */
static const char *const fp_caches[] = { "vm_area_struct", "vma_lock", NULL };
const char cmp_no_slab[] = "unavailable: no slab geometry in meta.json";

/* xcalloc, xrealloc, xstrdup: harness.h (out of memory is exit 3) */

const char *cmp_state_name(enum cmp_state s)
{
	return s == C_OK ? "ok" : s == C_FAILED ? "failed" : "missing";
}

const char *cmp_floor_path(const struct cmp *c)
{
	return c->floor && c->floor->path ? c->floor->path : "";
}

static void cell_warn(struct cmp_cell *cl, const char *w)
{
	cl->warn = xrealloc(cl->warn, (size_t)cl->nwarn + 1, sizeof(*cl->warn));
	cl->warn[cl->nwarn++] = xstrdup(w);
}

/* ---- one metric of one run ------------------------------------------------ */

/* The point of run s in the group of key (same workload and axes) at clients. */
static const struct point *find_point(const struct summary *s, const struct point *key,
				      int clients)
{
	for (int i = 0; i < s->npoints; i++)
		if (s->points[i].clients == clients && point_same_group(&s->points[i], key))
			return &s->points[i];
	return NULL;
}

static enum cmp_state op_state(const struct summary *s, const struct point *key,
			       const char *metric, int clients, const struct metric **m)
{
	const struct point *pt = find_point(s, key, clients);

	*m = NULL;
	if (!pt)
		return C_MISSING;
	if (strcmp(pt->status, "ok"))
		return C_FAILED;
	*m = point_metric(pt, metric);
	return *m && (*m)->n > 0 ? C_OK : C_MISSING;
}

static double row_value(const struct stats *s, enum cmp_stat r)
{
	switch (r) {
	case ST_MIN: return s->min;
	case ST_MEAN: return stats_headline(s);
	case ST_STDDEV: return s->stddev;
	case ST_COEFFVAR: return s->coeffvar;
	case ST_MAX: return s->max;
	case ST_B50: return s->best50;
	case ST_B95: return s->best95;
	case ST_B99: return s->best99;
	case ST_HSTDDEV: return s->agg == AGG_HARMONIC ? s->hstddev : s->stddev;
	case ST_HCOEFFVAR: return s->agg == AGG_HARMONIC ? s->hcoeffvar : s->coeffvar;
	default: return NAN;
	}
}

/* mmtests' row names; 2026 writes the best-N means with a dot. */
static const char *row_name(enum cmp_stat r, enum aggregate agg, enum sig_test test)
{
	bool h = agg == AGG_HARMONIC, dot = test == SIG_MMTESTS_2026;

	switch (r) {
	case ST_MIN: return "Min";
	case ST_MEAN: return stats_headline_name(agg);
	case ST_STDDEV: return "Stddev";
	case ST_COEFFVAR: return "CoeffVar";
	case ST_MAX: return "Max";
	case ST_B50: return h ? "BHmean-50" : "BAmean-50";
	case ST_B95: return dot ? (h ? "BHmean.95" : "BAmean.95") : (h ? "BHmean-95" : "BAmean-95");
	case ST_B99: return h ? "BHmean-99" : "BAmean-99";
	case ST_HSTDDEV: return h ? "HStddev" : "Stddev";
	case ST_HCOEFFVAR: return h ? "HCoeffVar" : "CoeffVar";
	default: return "?";
	}
}

/* Spread rows are compared the other way round (mmtests' pndiff). */
static bool lower_is_better(enum cmp_stat r, enum better dir)
{
	return r == ST_STDDEV || r == ST_COEFFVAR || r == ST_HSTDDEV || r == ST_HCOEFFVAR ||
	       dir == BETTER_LOWER;
}

/* A cell's samples: its statistics and what they say about themselves. */
static void fill_samples(struct cmp_cell *cl, const struct metric *m, struct stats *st)
{
	stats_compute_agg(m->values, m->n, m->dir, m->agg, st);
	cl->n = st->n;
	cl->mean = stats_headline(st);
	cl->stddev = st->stddev;
	cl->coeffvar = st->coeffvar;
	cl->ci_lo = cl->ci_hi = NAN;
	if (st->n >= 2) {
		double h = stats_ci_halfwidth(st, STATS_CI_LEVEL);

		cl->ci_lo = cl->mean - h;
		cl->ci_hi = cl->mean + h;
	}
	if (stats_headline_fallback(st))
		cell_warn(cl, "Hmean undefined (a value <= 0): Amean shown");
}

static void cell_compare(const struct cmp *c, struct cmp_cell *cl, const struct cmp_cell *base,
			 const struct stats *sb, const struct stats *sn, enum cmp_stat r,
			 enum better dir)
{
	cl->pct = stats_gain_pct(base->value, cl->value, lower_is_better(r, dir));
	cl->pct_lo = cl->pct_hi = NAN;
	if (r == ST_MEAN) {
		cl->sig = stats_significant(sb, sn, c->test, c->alpha, &cl->p);
		stats_change_ci(sb, sn, STATS_CI_LEVEL, lower_is_better(r, dir), &cl->pct_lo,
				&cl->pct_hi);
	}
}

/*
 * The noise floor: a star of one run against another (never a comparison
 * within a run: the calibration measured the spread between runs) whose
 * change is within the calibration's floor for the row is dropped
 * (stats_within_floor).  A row the calibration does not have keeps it.
 */
static bool floor_cell(const struct cmp *c, struct cmp_cell *cl, const char *group,
		       const char *metric, int clients)
{
	const struct calib_row *cr;

	if (!c->floor || !cl->sig)
		return false;
	cr = calib_find(c->floor, group, metric, clients);
	if (!cr || !stats_within_floor(cl->pct, cr->cv_between, cr->n))
		return false;
	cl->sig = false;
	cl->floor = true;
	return true;
}

int cmp_mean_cell(const struct cmp *c, int ra, const struct point *ga, int rb,
		  const struct point *gb, const char *metric, int clients,
		  struct cmp_cell *cell)
{
	const struct metric *ma, *mb;
	struct stats sa, sb;
	struct cmp_cell base = { 0 };

	*cell = (struct cmp_cell){ .state = C_MISSING, .pct = NAN, .p = NAN,
				   .ci_lo = NAN, .ci_hi = NAN, .pct_lo = NAN, .pct_hi = NAN };
	if (op_state(&c->runs[ra], ga, metric, clients, &ma) != C_OK ||
	    op_state(&c->runs[rb], gb, metric, clients, &mb) != C_OK)
		return -1;
	fill_samples(&base, ma, &sa);
	fill_samples(cell, mb, &sb);
	for (int i = 0; i < base.nwarn; i++)
		free(base.warn[i]);
	free(base.warn);
	cell->state = C_OK;
	base.value = sa.mean;
	cell->value = sb.mean;
	cell_compare(c, cell, &base, &sa, &sb, ST_MEAN, ma->dir);
	return 0;
}

/* ---- the rows of a group -------------------------------------------------- */

struct opkey {			/* a metric (or extra key) at clients */
	char *metric;
	int clients;
	enum better dir;
	enum aggregate agg;
	int precision;
};

struct opset {
	int n, cap;
	struct opkey *k;
};

static void opset_add(struct opset *s, const char *metric, int clients, const struct metric *m)
{
	for (int i = 0; i < s->n; i++)
		if (s->k[i].clients == clients && !strcmp(s->k[i].metric, metric))
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->k = xrealloc(s->k, (size_t)s->cap, sizeof(*s->k));
	}
	s->k[s->n++] = (struct opkey){ .metric = xstrdup(metric), .clients = clients,
		.dir = m ? m->dir : BETTER_HIGHER, .agg = m ? m->agg : AGG_ARITHMETIC,
		.precision = m ? m->precision : 0 };
}

static void opset_free(struct opset *s)
{
	for (int k = 0; k < s->n; k++)
		free(s->k[k].metric);
	free(s->k);
}

/* Metrics by name, then clients ascending: all faults/cpu rows, then
 * faults/sec, as in the published tables. */
static int cmp_opkey(const void *a, const void *b)
{
	const struct opkey *x = a, *y = b;
	int c = strcmp(x->metric, y->metric);

	return c ? c : (x->clients > y->clients) - (x->clients < y->clients);
}

static void sort_ops(struct opset *s)
{
	if (s->n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(s->k, (size_t)s->n, sizeof(*s->k), cmp_opkey);
}

static struct cmp_row *add_row(struct cmp_row **rows, int *nrows, int ncells,
			       enum cmp_stat kind, const char *stat, const struct opkey *k)
{
	struct cmp_row *r;
	char op[512];

	*rows = xrealloc(*rows, (size_t)*nrows + 1, sizeof(**rows));
	r = &(*rows)[(*nrows)++];
	*r = (struct cmp_row){ .kind = kind, .stat = stat, .metric = xstrdup(k->metric),
		.op = xstrdup(point_row_name(k->metric, k->clients, op, sizeof(op))),
		.clients = k->clients, .mean = kind == ST_MEAN, .precision = k->precision,
		.cells = xcalloc((size_t)ncells, sizeof(struct cmp_cell)) };
	for (int i = 0; i < ncells; i++)
		r->cells[i] = (struct cmp_cell){ .pct = NAN, .p = NAN, .mean = NAN,
			.stddev = NAN, .coeffvar = NAN, .ci_lo = NAN, .ci_hi = NAN,
			.pct_lo = NAN, .pct_hi = NAN };
	return r;
}

static void row_free(struct cmp_row *r, int ncells)
{
	for (int i = 0; i < ncells; i++) {
		for (int w = 0; w < r->cells[i].nwarn; w++)
			free(r->cells[i].warn[w]);
		free(r->cells[i].warn);
	}
	free(r->op);
	free(r->metric);
	free(r->cells);
}

static void build_stat_rows(struct cmp *c, struct cmp_group *g, const struct opset *ops)
{
	struct stats *st = xcalloc((size_t)c->nruns, sizeof(*st));
	const struct metric **m = xcalloc((size_t)c->nruns, sizeof(*m));
	bool y2026 = c->test == SIG_MMTESTS_2026;
	const enum cmp_stat *kinds = y2026 ? rows_2026 : rows_2024;
	int nk = y2026 ? (int)(sizeof(rows_2026) / sizeof(rows_2026[0])) :
			 (int)(sizeof(rows_2024) / sizeof(rows_2024[0]));

	for (int r = 0; r < nk; r++) {
		for (int k = 0; k < ops->n; k++) {
			const struct opkey *key = &ops->k[k];
			struct cmp_row *row = add_row(&g->rows, &g->nrows, c->nruns, kinds[r],
						      row_name(kinds[r], key->agg, c->test), key);

			for (int i = 0; i < c->nruns; i++) {
				struct cmp_cell *cl = &row->cells[i];

				cl->state = op_state(&c->runs[i], g->key, key->metric,
						     key->clients, &m[i]);
				if (cl->state != C_OK)
					continue;
				fill_samples(cl, m[i], &st[i]);
				cl->value = row_value(&st[i], kinds[r]);
				if (i == 0)
					cl->pct = 0;
				else if (row->cells[0].state == C_OK) {
					cell_compare(c, cl, &row->cells[0], &st[0], &st[i], kinds[r],
						     key->dir);
					/* counted here: a pivot of runs repeats these */
					c->nfloored += floor_cell(c, cl, g->name, key->metric,
								  key->clients);
				}
			}
		}
	}
	free(st);
	free(m);
}

/* ---- extra: per-point slab deltas and perf counters ----------------------- */

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
	/* a flat view of what is there, when its shape is not rows already */
	json_t *(*view)(json_t *section);
};

/*
 * The monitors' summary (monitor.h) as rows: the CPUs' busy and steal
 * shares, each vmstat counter's change, the interrupts in all, each slab
 * cache's change of active objects.  Per-CPU shares and jiffies stay in
 * point.json: a row each would bury the rest.
 */
static json_t *monitor_view(json_t *m)
{
	json_t *v = json_object(), *all = json_object_get(json_object_get(json_object_get(
		json_object_get(m, "mpstat"), "delta"), "pct"), "all"), *d, *x;
	const char *k;
	double irqs = 0;
	char key[160];

	if (all) {
		json_object_set_new(v, "mpstat busy%", json_real(100 -
			json_number_value(json_object_get(all, "idle")) -
			json_number_value(json_object_get(all, "iowait"))));
		json_object_set(v, "mpstat steal%", json_object_get(all, "steal"));
	}
	d = json_object_get(json_object_get(m, "vmstat"), "delta");
	json_object_foreach(d, k, x) {
		snprintf(key, sizeof(key), "vmstat %s", k);
		json_object_set(v, key, x);
	}
	d = json_object_get(json_object_get(m, "interrupts"), "delta");
	json_object_foreach(d, k, x)
		irqs += json_number_value(x);
	if (d)
		json_object_set_new(v, "interrupts", json_real(irqs));
	d = json_object_get(json_object_get(m, "slab"), "delta");
	json_object_foreach(d, k, x) {
		snprintf(key, sizeof(key), "slab %s", k);
		json_object_set(v, key, x);
	}
	return v;
}

static const struct extra_section extras[] = {
	{ "Slab", { "slab", "caches", NULL } },	/* slab_delta_json(): objects, bytes, pages */
	{ "Perf", { "perf", NULL } },
	{ "Monitor", { "monitors", NULL }, monitor_view },	/* compare --monitors */
};

static json_t *extra_of(const struct point *pt, const struct extra_section *x)
{
	json_t *j = pt ? pt->extra : NULL;
	char cache[64];

	for (int i = 0; j && x->path[i]; i++)
		j = json_object_get(j, x->path[i]);
	if (!json_is_object(j))
		return NULL;
	if (!x->view)
		return j;
	/* the view is built once per point and kept beside what it views */
	snprintf(cache, sizeof(cache), ".view %s", x->stat);
	if (!json_object_get(pt->extra, cache))
		json_object_set_new(pt->extra, cache, x->view(j));
	return json_object_get(pt->extra, cache);
}

struct collect_arg {
	struct opset *ops;
	int clients;
};

static void collect_leaf(const char *path, double v, void *arg)
{
	struct collect_arg *a = arg;

	opset_add(a->ops, path, a->clients, NULL);
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
static void build_extra_rows(struct cmp *c, struct cmp_group *g, const struct extra_section *x)
{
	struct opset ops = { 0 };
	char path[512] = "";

	for (int i = 0; i < c->nruns; i++)
		for (int p = 0; p < c->runs[i].npoints; p++) {
			const struct point *pt = &c->runs[i].points[p];
			struct collect_arg a = { &ops, pt->clients };

			if (point_same_group(pt, g->key) && !strcmp(pt->status, "ok"))
				flatten(extra_of(pt, x), path, 0, sizeof(path), collect_leaf, &a);
		}
	sort_ops(&ops);
	for (int k = 0; k < ops.n; k++) {
		struct cmp_row *r = add_row(&g->rows, &g->nrows, c->nruns, ST_EXTRA, x->stat,
					    &ops.k[k]);
		bool nonzero = false;

		r->precision = METRIC_INTEGER;
		for (int i = 0; i < c->nruns; i++) {
			const struct point *pt = find_point(&c->runs[i], g->key, r->clients);
			struct find_arg f = { .want = r->metric };
			struct cmp_cell *cl = &r->cells[i];

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
				r->precision = METRIC_PRECISION_DEFAULT;
			if (i == 0)
				cl->pct = 0;
			else if (r->cells[0].state == C_OK &&
				 (r->cells[0].value > 0 || r->cells[0].value == f.v))
				cl->pct = f.v == r->cells[0].value ? 0 :
					  f.v * 100 / r->cells[0].value - 100;
		}
		if (!nonzero)
			row_free(&g->rows[--g->nrows], c->nruns);
	}
	opset_free(&ops);
}

static bool keep_row(const struct cmp *c, const struct cmp_row *r)
{
	if (c->no_slab && r->kind == ST_EXTRA && !strcmp(r->stat, "Slab"))
		return false;
	if (!c->monitors && r->kind == ST_EXTRA && !strcmp(r->stat, "Monitor"))
		return false;
	if (c->nstats) {
		for (int i = 0; i < c->nstats; i++)
			if (!strcmp(c->stats[i], r->stat))
				return true;
		return false;
	}
	return !c->mean_only || r->mean;
}

/* Leave out the rows a cover letter does not want (--stat, --slab off). */
static void filter_rows(struct cmp *c, struct cmp_group *g)
{
	int k = 0;

	for (int r = 0; r < g->nrows; r++) {
		if (keep_row(c, &g->rows[r]))
			g->rows[k++] = g->rows[r];
		else
			row_free(&g->rows[r], c->nruns);
	}
	g->nrows = k;
}

static void build_group(struct cmp *c, struct cmp_group *g)
{
	struct opset ops = { 0 };

	for (int i = 0; i < c->nruns; i++)
		for (int p = 0; p < c->runs[i].npoints; p++) {
			const struct point *pt = &c->runs[i].points[p];

			if (!point_same_group(pt, g->key))
				continue;
			for (int m = 0; m < pt->nmetrics; m++)
				opset_add(&ops, pt->metrics[m].name, pt->clients, &pt->metrics[m]);
		}
	sort_ops(&ops);
	build_stat_rows(c, g, &ops);
	for (size_t x = 0; x < sizeof(extras) / sizeof(extras[0]); x++)
		build_extra_rows(c, g, &extras[x]);
	opset_free(&ops);
	filter_rows(c, g);
}

/* ---- the footprint -------------------------------------------------------- */

static void footprint_of(json_t *meta, struct footprint *f)
{
	json_t *slab = json_object_get(meta, "slab"), *caches;

	memset(f, 0, sizeof(*f));
	if (json_is_string(slab)) {	/* "unavailable: why" */
		f->why = json_string_value(slab);
		return;
	}
	if (!json_is_object(slab)) {
		f->why = cmp_no_slab;
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

/* ---- pivots ----------------------------------------------------------------- */

/* The default pivot: the false-sharing study's layout x prefetch. */
/* NULL-terminated: point_same_group_except walks it to the end */
static const char *const default_pivot[] = { "layout", "prefetch", NULL };

static bool in_family(const struct point *p, const struct point *fam, const char *const *axes)
{
	return point_same_group_except(p, fam, axes);
}

/* The group of the family with these pivot values (NULL value: absent). */
static const struct point *family_group(const struct cmp *c, const struct point *fam,
					const char *const *axes, int naxes, const char *const *vals)
{
	for (int g = 0; g < c->ngroups; g++) {
		const struct point *k = c->groups[g].key;
		bool match = in_family(k, fam, axes);

		for (int a = 0; match && a < naxes; a++) {
			const char *v = point_axis(k, axes[a]);

			match = v == vals[a] || (v && vals[a] && !strcmp(v, vals[a]));
		}
		if (match)
			return k;
	}
	return NULL;
}

/* The values of axis a in the family's groups, in order of first appearance. */
static int axis_values(const struct cmp *c, const struct point *fam, const char *const *axes,
		       const char *axis, const char **out, int max)
{
	int n = 0;

	for (int g = 0; g < c->ngroups; g++) {
		const char *v = point_axis(c->groups[g].key, axis);
		bool seen = false;

		if (!v || !in_family(c->groups[g].key, fam, axes))
			continue;
		for (int i = 0; i < n; i++)
			seen |= !strcmp(out[i], v);
		if (!seen && n < max)
			out[n++] = v;
	}
	return n;
}

#define PIVOT_VALS 64

static void add_col(const struct cmp *c, struct cmp_pivot *pv, const struct point *fam,
		    int run, bool in_run, const char *const *vals)
{
	const char *base_vals[CMP_PIVOT_MAX];
	const struct point *g = family_group(c, fam, pv->axes, pv->naxes, vals), *b;
	struct cmp_col *col;
	char rest[512] = "", title[1024] = "";

	if (!g)
		return;
	memcpy(base_vals, vals, sizeof(base_vals));
	if (in_run)
		base_vals[0] = pv->base_value;
	b = in_run ? family_group(c, fam, pv->axes, pv->naxes, base_vals) : g;
	if (!b)
		return;
	pv->cols = xrealloc(pv->cols, (size_t)pv->ncols + 1, sizeof(*pv->cols));
	col = &pv->cols[pv->ncols++];
	*col = (struct cmp_col){ .run = run, .base_run = in_run ? run : 0, .group = g,
				 .base_group = b };
	for (int a = 0; a < pv->naxes; a++) {
		if (!vals[a])
			continue;
		col->keys[col->nvals] = pv->axes[a];
		col->vals[col->nvals++] = vals[a];
		if (a == 0 && in_run)
			continue;
		snprintf(rest + strlen(rest), sizeof(rest) - strlen(rest), "%s%s=%s",
			 rest[0] ? " " : "", pv->axes[a], vals[a]);
	}
	if (!in_run || c->nruns > 1)
		col->head[0] = c->runs[run].label;
	if (in_run)
		col->head[1] = vals[0];
	if (rest[0])
		col->head[2] = col->head_rest = xstrdup(rest);
	for (int k = 0; k < 3; k++)
		if (col->head[k])
			snprintf(title + strlen(title), sizeof(title) - strlen(title), "%s%s",
				 title[0] ? " " : "", col->head[k]);
	col->title = xstrdup(title);
}

/* Columns: run, then the first axis' values, then the other axes' (an
 * odometer, last axis fastest). */
static void pivot_columns(const struct cmp *c, struct cmp_pivot *pv, const struct point *fam,
			  const char *(*vals)[PIVOT_VALS], const int *nvals, bool in_run)
{
	int idx[CMP_PIVOT_MAX] = { 0 }, first = in_run ? 1 : 0;

	for (int r = in_run ? 0 : 1; r < c->nruns; r++) {
		bool done = false;

		memset(idx, 0, sizeof(idx));
		idx[0] = first;
		if (in_run && nvals[0] <= first)
			continue;
		while (!done) {
			const char *v[CMP_PIVOT_MAX] = { 0 };

			for (int a = 0; a < pv->naxes; a++)
				v[a] = nvals[a] ? vals[a][idx[a]] : NULL;
			add_col(c, pv, fam, r, in_run, v);
			done = true;
			for (int a = pv->naxes - 1; a >= 0; a--) {
				if (++idx[a] < (nvals[a] ? nvals[a] : 1)) {
					done = false;
					break;
				}
				idx[a] = a == 0 ? first : 0;
			}
		}
	}
}

/* One family's pivot; pv->ncols stays 0 when it has nothing to compare. */
static void build_pivot(struct cmp *c, const struct point *fam, const char *const *axes,
			int naxes, struct cmp_pivot *pv)
{
	const char *vals[CMP_PIVOT_MAX][PIVOT_VALS];
	int nvals[CMP_PIVOT_MAX] = { 0 };
	struct opset ops = { 0 };
	char buf[1200], famname[1024], note[1300];
	struct point fk = *fam;
	struct axis fa[32];
	bool in_run;

	*pv = (struct cmp_pivot){ .naxes = naxes };
	memcpy(pv->axes, axes, sizeof(*axes) * (size_t)naxes);
	/* the family's name: the group without the pivot axes */
	fk.naxes = 0;
	fk.axes = fa;
	for (int i = 0; i < fam->naxes && fk.naxes < 32; i++) {
		bool pivot = false;

		for (int a = 0; a < naxes; a++)
			pivot |= !strcmp(fam->axes[i].key, axes[a]);
		if (!pivot)
			fa[fk.naxes++] = fam->axes[i];
	}
	point_group_render(fk.workload, fk.axes, fk.naxes, famname, sizeof(famname));
	pv->family = xstrdup(famname);
	for (int a = 0; a < naxes; a++)
		nvals[a] = axis_values(c, fam, axes, axes[a], vals[a], PIVOT_VALS);
	/* the first axis with values of its own is compared within a run,
	 * against its first value; without, the runs are the columns */
	in_run = nvals[0] > 1;
	if (in_run) {
		pv->base_value = vals[0][0];
		snprintf(buf, sizeof(buf), "%s=%s", axes[0], vals[0][0]);
		pv->base = xstrdup(buf);
		snprintf(note, sizeof(note), "%% change against %s in the same run", pv->base);
	} else {
		pv->base = xstrdup(c->runs[0].label);
		snprintf(note, sizeof(note), "%% change of each run against %s", pv->base);
	}
	pv->note = xstrdup(note);
	snprintf(buf, sizeof(buf), "%s", axes[0]);
	for (int a = 1; a < naxes; a++)
		if (nvals[a])
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " x %s", axes[a]);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ": %s", famname);
	pv->name = xstrdup(buf);
	pivot_columns(c, pv, fam, vals, nvals, in_run);

	for (int r = 0; r < c->nruns; r++)
		for (int p = 0; p < c->runs[r].npoints; p++) {
			const struct point *pt = &c->runs[r].points[p];

			if (!in_family(pt, fam, axes))
				continue;
			for (int m = 0; m < pt->nmetrics; m++)
				opset_add(&ops, pt->metrics[m].name, pt->clients, &pt->metrics[m]);
		}
	sort_ops(&ops);
	for (int k = 0; k < ops.n && pv->ncols; k++) {
		struct cmp_row *row = add_row(&pv->rows, &pv->nrows, pv->ncols, ST_MEAN,
					      stats_headline_name(ops.k[k].agg), &ops.k[k]);

		for (int i = 0; i < pv->ncols; i++) {
			const struct cmp_col *col = &pv->cols[i];

			cmp_mean_cell(c, col->base_run, col->base_group, col->run, col->group,
				      row->metric, row->clients, &row->cells[i]);
			if (col->run != col->base_run && col->group == col->base_group)
				floor_cell(c, &row->cells[i],
					   point_group_render(col->group->workload, col->group->axes,
							      col->group->naxes, buf, sizeof(buf)),
					   row->metric, row->clients);
		}
	}
	opset_free(&ops);
}

static void pivot_free(struct cmp_pivot *pv)
{
	for (int r = 0; r < pv->nrows; r++)
		row_free(&pv->rows[r], pv->ncols);
	free(pv->rows);
	for (int k = 0; k < pv->ncols; k++) {
		free(pv->cols[k].title);
		free(pv->cols[k].head_rest);
	}
	free(pv->cols);
	free(pv->name);
	free(pv->family);
	free(pv->note);
	free(pv->base);
}

static bool has_pivot_axis(const struct point *p, const char *const *axes, int naxes)
{
	for (int a = 0; a < naxes; a++)
		if (point_axis(p, axes[a]))
			return true;
	return false;
}

/* A pivot per family that has one of the pivot axes, in group order. */
static void build_pivots(struct cmp *c)
{
	const char *const *axes = c->npivot ? c->pivot : default_pivot;
	int naxes = c->npivot ? c->npivot : 2;

	for (int g = 0; g < c->ngroups; g++) {
		const struct point *k = c->groups[g].key;
		bool seen = !has_pivot_axis(k, axes, naxes);

		for (int h = 0; h < g && !seen; h++)
			seen = in_family(c->groups[h].key, k, axes);
		if (seen)
			continue;
		c->pivots = xrealloc(c->pivots, (size_t)c->npivots + 1, sizeof(*c->pivots));
		build_pivot(c, k, axes, naxes, &c->pivots[c->npivots]);
		if (c->pivots[c->npivots++].ncols)
			continue;
		pivot_free(&c->pivots[--c->npivots]);	/* nothing to compare */
	}
}

/* The lowest and highest floor of a calibration's rows (what it costs). */
static void floor_range(const struct calib *cal, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = 0;
	for (int i = 0; i < cal->nrows; i++) {
		double f = stats_noise_floor(cal->rows[i].cv_between, cal->rows[i].n);

		if (isnan(f))
			continue;
		*lo = f < *lo ? f : *lo;
		*hi = f > *hi ? f : *hi;
	}
	if (*lo > *hi)
		*lo = *hi = NAN;
}

/* ---- the model ---------------------------------------------------------------- */

void cmp_build(struct cmp *c)
{
	char name[1024];

	if (isnan(c->alpha))
		c->alpha = stats_default_alpha(c->test);
	/* groups in order of first appearance, baseline first */
	for (int i = 0; i < c->nruns; i++)
		for (int p = 0; p < c->runs[i].npoints; p++) {
			const struct point *pt = &c->runs[i].points[p];
			int k;

			for (k = 0; k < c->ngroups && !point_same_group(c->groups[k].key, pt); k++)
				;
			if (k < c->ngroups)
				continue;
			c->groups = xrealloc(c->groups, (size_t)c->ngroups + 1, sizeof(*c->groups));
			c->groups[c->ngroups++] = (struct cmp_group){ .key = pt,
				.name = xstrdup(point_group_render(pt->workload, pt->axes, pt->naxes,
								   name, sizeof(name))) };
		}
	for (int g = 0; g < c->ngroups; g++)
		build_group(c, &c->groups[g]);
	build_pivots(c);
	c->fp = xcalloc((size_t)c->nruns, sizeof(*c->fp));
	for (int i = 0; i < c->nruns; i++)
		footprint_of(c->runs[i].meta, &c->fp[i]);
	study_build(c);
	cmp_warnings(c);
	if (c->nfloored) {
		double lo, hi;

		floor_range(c->floor, &lo, &hi);
		cmp_warn(c, "noise floor: %d star%s removed: changes within t(0.975; n-1) * sqrt(2) * the "
			 "run-to-run CoeffVar of %s (marked ~; its floors %.1f-%.1f%%: smaller changes "
			 "cannot be told from this machine's drift)", c->nfloored,
			 c->nfloored == 1 ? "" : "s", cmp_floor_path(c), lo, hi);
	}
}

void cmp_free(struct cmp *c)
{
	study_free(c);
	cmp_warn_free(c);
	for (int g = 0; g < c->ngroups; g++) {
		for (int r = 0; r < c->groups[g].nrows; r++)
			row_free(&c->groups[g].rows[r], c->nruns);
		free(c->groups[g].rows);
		free(c->groups[g].name);
	}
	free(c->groups);
	for (int i = 0; i < c->npivots; i++)
		pivot_free(&c->pivots[i]);
	free(c->pivots);
	free(c->fp);
	c->ngroups = c->npivots = 0;
	c->groups = NULL;
	c->pivots = NULL;
	c->fp = NULL;
}

/* ---- the command -------------------------------------------------------------- */

enum { FMT_MAIL = 4 };	/* the index of mail in --format's choices */

struct compare_args {
	int format;	/* text, markdown, csv, json, mail */
	int test;	/* enum sig_test: the choices are in its order */
	double alpha;	/* NAN: the test's default */
	char *pivot, *stat;
	int slab;	/* -1: as the format says, 0 off, 1 on */
	int header;	/* labels, classic */
	bool strict;	/* a warning is exit 2 */
	bool ci, show_p;
	bool monitors;	/* the Monitor rows */
	char *noise_floor;	/* a calibration.json or its directory */
};

#define A(f) OPT_OFF(struct compare_args, f)
static const struct opt compare_opts[] = {
	{ "format", 'f', OPT_ENUM, A(format), "text", "text|markdown|csv|json|mail",
	  .help = "output format; mail: the headline rows alone, as a cover letter prints them" },
	{ "test", 't', OPT_ENUM, A(test), "mmtests", "mmtests|welch|mmtests-2026",
	  .help = "mmtests: mmtests 2019-2024, t-test on the rows' means, df = na+nb-2 "
		  "(alpha 0.10); welch: Welch's t-test on the arithmetic means (alpha 0.05); "
		  "mmtests-2026: today's mmtests, rows HStddev, BHmean.95, mean +- z*stddev "
		  "intervals apart (alpha 0.05)" },
	{ "alpha", 'a', OPT_DOUBLE, A(alpha), .min = 1e-9, .max = 0.999,
	  .help = "significance level (default: the test's)" },
	{ "pivot", 'p', OPT_STR, A(pivot), .arg = "AXIS[,AXIS...]",
	  .help = "a table per family with the first axis' values against its first (or "
		  "the runs against the first run), split by the other axes; default "
		  "layout,prefetch" },
	{ "stat", 's', OPT_STR, A(stat), .arg = "STAT[,STAT...]",
	  .help = "only these rows (Min, Hmean, Amean, Stddev, BHmean-95, ...)" },
	{ "slab", 'S', OPT_ENUM, A(slab), .choices = "off|on",
	  .help = "the Slab rows and the footprint (default on; mail: off)" },
	{ "monitors", 0, OPT_BOOL, A(monitors),
	  .help = "the Monitor rows: what [run] monitors saw per point (busy and steal %, "
		  "each vmstat counter's change, interrupts, slab objects)" },
	{ "header", 'H', OPT_ENUM, A(header), "labels", "labels|classic",
	  .help = "classic: run names over two lines, split as mmtests splits them" },
	{ "ci", 0, OPT_BOOL, A(ci),
	  .help = "text: each mean cell's 95% confidence interval of the headline mean "
		  "[lo, hi] (mean +- t * stddev / sqrt(n)); JSON and CSV always carry it" },
	{ "show-p", 0, OPT_BOOL, A(show_p),
	  .help = "text: each mean cell's p-value; JSON, CSV and HTML always carry it" },
	{ "noise-floor", 0, OPT_STR, A(noise_floor), .arg = "CAL",
	  .help = "drop a mean-row star of one run against another when |change| <= "
		  "t(0.975; n-1) * sqrt(2) * the row's run-to-run CoeffVar from n runs in CAL (a calibration.json of "
		  "mmscale calibrate, or its directory); such cells print ~x%~ (JSON, CSV: "
		  "floor true)" },
	{ "strict", 0, OPT_BOOL, A(strict),
	  .help = "exit 2 when compare warns (different configs, iterations or machines, the "
		  "same kernel, fewer than 5 samples, a star within CoeffVar)" },
	{ 0 }
};
#undef A

static const struct cli_exit compare_exits[] = {
	{ EXIT_OK, "the comparison was printed" },
	{ EXIT_FAIL, "writing the output failed" },
	CLI_EXITS_COMMON,
	{ EXIT_USAGE, "--strict: compare warned (each warning is a line on stderr)" },
	{ -1 }
};

static void compare_init(void *opts)
{
	((struct compare_args *)opts)->alpha = NAN;
	((struct compare_args *)opts)->slab = -1;
}

static int too_few(const struct cmp *c)
{
	errmsg(0, "compare: needs at least two results directories (got %d), or one with a "
	       "pivot axis (see mmscale compare --help)", c->nruns);
	return EXIT_USAGE;
}

static int parse_stats(struct cmp *c, char *arg)
{
	c->nstats = 0;
	for (char *save = NULL, *t = strtok_r(arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (c->nstats == 16) {
			errmsg(0, "compare: --stat: at most 16 stats");
			return EXIT_USAGE;
		}
		c->stats[c->nstats++] = t;
	}
	if (!c->nstats) {
		errmsg(0, "compare: --stat: no stat named (e.g. Hmean, or Hmean,Amean,Stddev)");
		return EXIT_USAGE;
	}
	return 0;
}

static int parse_pivot(struct cmp *c, char *arg)
{
	c->npivot = 0;
	for (char *save = NULL, *t = strtok_r(arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (c->npivot == CMP_PIVOT_MAX) {
			errmsg(0, "compare: --pivot: at most %d axes", CMP_PIVOT_MAX);
			return EXIT_USAGE;
		}
		if (!strcmp(t, "clients")) {
			errmsg(0, "compare: --pivot clients: clients are the rows already");
			return EXIT_USAGE;
		}
		c->pivot[c->npivot++] = t;
	}
	if (!c->npivot) {
		errmsg(0, "compare: --pivot: no axis named");
		return EXIT_USAGE;
	}
	return 0;
}

static int compare_main(void *opts, int argc, char **argv)
{
	const struct compare_args *a = opts;
	/* --test's choices are in enum sig_test's order */
	struct cmp c = { .test = (enum sig_test)a->test, .alpha = a->alpha,
			 .classic_header = a->header == 1, .show_ci = a->ci, .show_p = a->show_p };
	int rc = EXIT_OK, loaded = 0, fmt = a->format;
	struct calib cal = { 0 };

	if (a->pivot && parse_pivot(&c, a->pivot))
		return EXIT_USAGE;
	if (a->stat && parse_stats(&c, a->stat))
		return EXIT_USAGE;
	if (a->noise_floor) {
		if (calib_load(a->noise_floor, "compare: --noise-floor", &cal))
			return EXIT_USAGE;
		c.floor = &cal;
	}
	/* a cover letter: the headline rows, no slab section unless asked */
	if (fmt == FMT_MAIL)
		c.mean_only = !c.nstats;
	c.no_slab = a->slab < 0 ? fmt == FMT_MAIL : !a->slab;
	c.monitors = a->monitors;
	c.nruns = argc;
	c.runs = xcalloc((size_t)c.nruns, sizeof(*c.runs));
	for (; loaded < c.nruns; loaded++) {
		rc = cli_load_run(argv[loaded], &c.runs[loaded]);
		if (rc)
			goto out;
	}
	cmp_build(&c);
	/* one run is enough when its pivot values are compared within it */
	if (c.nruns < 2 && !c.npivots) {
		rc = too_few(&c);
		cmp_free(&c);
		goto out;
	}
	/* on stderr whatever the format: mail and text keep their layout */
	for (int i = 0; i < c.nwarn; i++)
		fprintf(stderr, "%s: compare: warning: %s\n", progname, c.warn[i]);
	switch (fmt) {
	case 0: cmp_print_text(&c); break;
	case 1: cmp_print_markdown(&c); break;
	case 2: cmp_print_csv(&c); break;
	case 4: cmp_print_mail(&c); break;
	default: rc = cmp_print_json(&c); break;
	}
	if (fflush(stdout) || ferror(stdout)) {
		errmsg(errno, "compare: writing the table");
		rc = EXIT_FAIL;
	}
	if (rc == EXIT_OK && a->strict && c.nwarn)
		rc = EXIT_USAGE;
	cmp_free(&c);
out:
	for (int i = 0; i < loaded; i++)
		summary_free(&c.runs[i]);
	free(c.runs);
	calib_free(&cal);
	return rc;
}

const struct cli_command cli_cmd_compare = {
	.name = "compare", .operands = "RUN...", .min_operands = 1, .max_operands = -1,
	.summary = "compare runs as mmtests does (the first is the baseline)",
	.description =
		"RUN is a results directory or a label under results/.  The first run is\n"
		"the baseline; percentages: positive is better.  One run is enough when it\n"
		"has a pivot axis (its values are compared within it).\n",
	.opts = compare_opts, .opts_size = sizeof(struct compare_args), .init = compare_init,
	.exits = compare_exits, .main = compare_main,
};
