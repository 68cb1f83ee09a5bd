/*
 * warn.c - what compare warns about (compare.h, cmp_warnings): facts about
 * the runs that make a table read differently than it looks.  Each is one
 * line, stored in the model (c->warn) so that every format carries it in
 * its metadata; compare prints them on stderr, and --strict turns any of
 * them into exit 2.  Every run is checked against the baseline (run 0):
 *
 *   config      the config hashes differ, or a point's parameters do
 *   iterations  the runs asked for different iteration counts or precision,
 *               or (without both asking for a precision) a mean cell's n differs
 *   A/A         the same kernel release and command line: a star is then
 *               run-to-run noise unless something else changed
 *   samples     mean cells with fewer than STATS_FEW_SAMPLES samples
 *   noisy star  a starred change smaller than either side's CoeffVar
 *   machine     a different hostname or CPU model
 *
 * A field a run does not record (an imported mmtests tree has no config
 * hash) is not a difference: nothing is said about it.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "calibration.h"
#include "compare.h"
#include "meta.h"
#include "stats.h"

void cmp_warn(struct cmp *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (int i = 0; i < c->nwarn; i++)
		if (!strcmp(c->warn[i], buf))
			return;		/* one line per fact */
	c->warn = xrealloc(c->warn, (size_t)c->nwarn + 1, sizeof(*c->warn));
	c->warn[c->nwarn++] = xstrdup(buf);
}

void cmp_warn_free(struct cmp *c)
{
	for (int i = 0; i < c->nwarn; i++)
		free(c->warn[i]);
	free(c->warn);
	c->warn = NULL;
	c->nwarn = 0;
}

/* Both present and different (a field either run lacks says nothing). */
static bool str_differs(const char *a, const char *b)
{
	return a && b && strcmp(a, b);
}

static void scalar_text(json_t *v, char *buf, size_t n)
{
	char *s;

	if (!v) {
		snprintf(buf, n, "(unset)");
	} else if (json_is_string(v)) {
		snprintf(buf, n, "%s", json_string_value(v));
	} else {
		s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		snprintf(buf, n, "%s", s ? s : "?");
		free(s);
	}
}

static void warn_config(struct cmp *c, int r)
{
	const struct summary *a = &c->runs[0], *b = &c->runs[r];
	const char *ha = meta_str(a->meta, "config.hash"), *hb = meta_str(b->meta, "config.hash");

	if (str_differs(ha, hb))
		cmp_warn(c, "config differs: %s ran config %s (hash %s), %s config %s (hash %s)",
			 a->label, meta_str(a->meta, "config.path") ?: "?", ha, b->label,
			 meta_str(b->meta, "config.path") ?: "?", hb);
	/* the same point in both runs, with a parameter other than clients
	 * set differently: one line per key */
	for (int p = 0; p < b->npoints; p++) {
		const struct point *pb = &b->points[p], *pa = NULL;
		const char *key;
		json_t *v;

		for (int q = 0; q < a->npoints && !pa; q++)
			if (a->points[q].clients == pb->clients && point_same_group(&a->points[q], pb))
				pa = &a->points[q];
		if (!pa || !json_is_object(pa->params) || !json_is_object(pb->params))
			continue;
		json_object_foreach(pb->params, key, v) {
			json_t *va = json_object_get(pa->params, key);
			char x[128], y[128];

			if (!strcmp(key, "clients") || (va && json_equal(va, v)))
				continue;
			scalar_text(va, x, sizeof(x));
			scalar_text(v, y, sizeof(y));
			cmp_warn(c, "parameters differ: %s %s: %s in %s, %s in %s", pb->group ?: pb->workload,
				 key, x, a->label, y, b->label);
		}
		json_object_foreach(pa->params, key, v) {
			char x[128];

			if (strcmp(key, "clients") && !json_object_get(pb->params, key)) {
				scalar_text(v, x, sizeof(x));
				cmp_warn(c, "parameters differ: %s %s: %s in %s, unset in %s",
					 pa->group ?: pa->workload, key, x, a->label, b->label);
			}
		}
	}
}

/* The first ok mean cell of run r whose n differs from the base's. */
static const struct cmp_row *n_differs(const struct cmp *c, int r)
{
	for (int g = 0; g < c->ngroups; g++)
		for (int k = 0; k < c->groups[g].nrows; k++) {
			const struct cmp_row *row = &c->groups[g].rows[k];

			if (row->mean && row->cells[0].state == C_OK && row->cells[r].state == C_OK &&
			    row->cells[0].n != row->cells[r].n)
				return row;
		}
	return NULL;
}

static void warn_iterations(struct cmp *c, int r)
{
	const struct summary *a = &c->runs[0], *b = &c->runs[r];
	json_t *ia = meta_at(a->meta, "settings.iterations"), *ib = meta_at(b->meta, "settings.iterations");
	json_t *pa = meta_at(a->meta, "settings.precision"), *pb = meta_at(b->meta, "settings.precision");
	const struct cmp_row *row;
	char x[64], y[64];

	/* runs that stop at a precision take what it needs */
	if (ia && ib && !json_equal(ia, ib) && !(pa && pb)) {
		scalar_text(ia, x, sizeof(x));
		scalar_text(ib, y, sizeof(y));
		cmp_warn(c, "iterations differ: %s ran %s per point, %s %s", a->label, x, b->label, y);
	}
	if ((pa || pb) && !(pa && pb && json_equal(pa, pb))) {
		scalar_text(pa, x, sizeof(x));
		scalar_text(pb, y, sizeof(y));
		cmp_warn(c, "precision differs: %s asked for %s, %s for %s", a->label,
			 pa ? x : "fixed iterations", b->label, pb ? y : "fixed iterations");
	}
	/* runs that both stop at one precision take the samples it needs */
	if (pa && pb)
		return;
	row = n_differs(c, r);
	if (row)
		cmp_warn(c, "sample counts differ: %s %s has n=%d in %s, n=%d in %s", row->stat,
			 row->op, row->cells[0].n, a->label, row->cells[r].n, b->label);
}

static void warn_same_kernel(struct cmp *c, int r)
{
	const struct summary *a = &c->runs[0], *b = &c->runs[r];
	const char *ka = meta_str(a->meta, "kernel.release"), *kb = meta_str(b->meta, "kernel.release");
	const char *ca = meta_str(a->meta, "kernel.cmdline"), *cb = meta_str(b->meta, "kernel.cmdline");

	if (ka && kb && ca && cb && !strcmp(ka, kb) && !strcmp(ca, cb))
		cmp_warn(c, "same kernel: %s and %s both ran %s with the same command line (an A/A "
			 "comparison? a star is then run-to-run noise unless something else changed)",
			 a->label, b->label, ka);
}

static void warn_machine(struct cmp *c, int r)
{
	const struct summary *a = &c->runs[0], *b = &c->runs[r];
	const char *ha = meta_str(a->meta, "hostname"), *hb = meta_str(b->meta, "hostname");
	const char *ma = meta_str(a->meta, "cpu.model_name"), *mb = meta_str(b->meta, "cpu.model_name");

	if (str_differs(ha, hb) || str_differs(ma, mb))
		cmp_warn(c, "different machines: %s ran on %s (%s), %s on %s (%s)", a->label,
			 ha ?: "?", ma ?: "?", b->label, hb ?: "?", mb ?: "?");
}

static double cell_cv(const struct cmp_cell *cl)
{
	return isnan(cl->coeffvar) ? 0 : fabs(cl->coeffvar);
}

/* Per run: the mean cells with few samples (one line), and each starred
 * change smaller than the spread of one iteration on either side. */
static void warn_cells(struct cmp *c, int r)
{
	const struct cmp_row *few = NULL;
	int nfew = 0, ncells = 0;

	for (int g = 0; g < c->ngroups; g++)
		for (int k = 0; k < c->groups[g].nrows; k++) {
			const struct cmp_row *row = &c->groups[g].rows[k];
			const struct cmp_cell *cl = &row->cells[r], *base = &row->cells[0];
			double cv;

			if (!row->mean || cl->state != C_OK)
				continue;
			ncells++;
			if (cl->n < STATS_FEW_SAMPLES) {
				few = few ? few : row;
				nfew++;
			}
			if (r == 0 || !cl->sig || base->state != C_OK)
				continue;
			cv = fmax(cell_cv(cl), cell_cv(base));
			if (cv > fabs(cl->pct))
				cmp_warn(c, "noisy star: %s %s %s: %s %+.2f%% is within CoeffVar %.2f%% "
					 "(%s %.2f%%, %s %.2f%%)", c->groups[g].name, row->stat, row->op,
					 c->runs[r].label, cl->pct, cv, c->runs[0].label, cell_cv(base),
					 c->runs[r].label, cell_cv(cl));
		}
	if (nfew)
		cmp_warn(c, "few samples: %s has fewer than %d samples in %d of %d mean cells "
			 "(%s %s: n=%d)", c->runs[r].label, STATS_FEW_SAMPLES, nfew, ncells, few->stat,
			 few->op, few->cells[r].n);
}

/*
 * A calibration of another config measured another spread: its floor
 * may drop stars it has no business dropping.  (A calibration without a
 * recorded hash says nothing either way.)
 */
static void warn_floor(struct cmp *c, int r)
{
	const struct summary *s = &c->runs[r];
	const char *h = meta_str(s->meta, "config.hash");

	if (c->floor && c->floor->config_hash && h && strcmp(c->floor->config_hash, h))
		cmp_warn(c, "noise floor of another config: %s calibrated %s (hash %s), %s ran "
			 "hash %s", cmp_floor_path(c), c->floor->config ?: "?",
			 c->floor->config_hash, s->label, h);
}

void cmp_warnings(struct cmp *c)
{
	for (int r = 0; r < c->nruns; r++) {
		if (r > 0) {
			warn_config(c, r);
			warn_iterations(c, r);
			warn_same_kernel(c, r);
			warn_machine(c, r);
		}
		warn_cells(c, r);
		warn_floor(c, r);
	}
}
