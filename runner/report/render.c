/*
 * render.c - the text, markdown, CSV and JSON renderers of the compare
 * model (compare.h).  Each prints the same groups, rows and cells; only
 * the layout differs.  The HTML report renders the same model (report.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "compare.h"
#include "stats.h"
#include "study.h"

/* Decimals of a row: its metric's declared precision. */
static int prec(const struct cmp_row *r)
{
	return r->precision == METRIC_INTEGER ? 0 : r->precision ? r->precision :
	       METRIC_PRECISION_DEFAULT;
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

/* "(%7.2f%)", starred when significant, "~%7.2f%~" when a star was dropped
 * by the noise floor: 10 characters */
const char *cmp_pct_text(const struct cmp_cell *cl, char *pct, size_t n)
{
	if (isnan(cl->pct))
		snprintf(pct, n, "(%8s)", "n/a");
	else if (cl->sig)
		snprintf(pct, n, "*%7.2f%%*", cl->pct);
	else if (cl->floor)
		snprintf(pct, n, "~%7.2f%%~", cl->pct);
	else
		snprintf(pct, n, "(%7.2f%%)", cl->pct);
	return pct;
}

/* The widest bound of any mean cell's interval (--ci), in its row's decimals. */
static int ci_width(const struct cmp *c)
{
	char b[64];
	int w = 3;

	for (int t = 0; c->show_ci && t < c->ngroups; t++)
		for (int l = 0; l < c->groups[t].nrows; l++) {
			const struct cmp_row *r = &c->groups[t].rows[l];

			for (int i = 0; r->mean && i < c->nruns; i++) {
				const struct cmp_cell *cl = &r->cells[i];
				int a, z;

				if (cl->state != C_OK || isnan(cl->ci_lo))
					continue;
				a = snprintf(b, sizeof(b), "%.*f", prec(r), cl->ci_lo);
				z = snprintf(b, sizeof(b), "%.*f", prec(r), cl->ci_hi);
				w = w > a ? w : a;
				w = w > z ? w : z;
			}
		}
	return w;
}

#define PW 10	/* " p=%-7.3g" */

/* A run's column: the value and change, then (--ci) " [lo, hi]" and
 * (--show-p) " p=x" on mean rows, blanks elsewhere so columns stay aligned. */
static int col_width(const struct cmp *c, int ciw)
{
	return COLW + (c->show_ci ? 2 * ciw + 5 : 0) + (c->show_p ? PW : 0);
}

static int text_cell(char *b, size_t n, const struct cmp *c, int ciw, const struct cmp_row *l,
		     const struct cmp_cell *cl)
{
	char pct[16];
	int k;

	if (cl->state != C_OK)
		k = snprintf(b, n, " %*s %-10s", VALW - 1, cl->state == C_FAILED ? "failed" : "-", "");
	else
		k = snprintf(b, n, "%*.*f %s", VALW, prec(l), cl->value, cmp_pct_text(cl, pct, sizeof(pct)));
	if (k < 0 || (size_t)k >= n)
		return k;
	if (c->show_ci) {
		bool have = l->mean && cl->state == C_OK && !isnan(cl->ci_lo);

		if (have)
			k += snprintf(b + k, n - k, " [%*.*f, %*.*f]", ciw, prec(l), cl->ci_lo, ciw,
				      prec(l), cl->ci_hi);
		else
			k += snprintf(b + k, n - k, " %-*s", 2 * ciw + 4,
				      l->mean && cl->state == C_OK ? "[n < 2]" : "");
	}
	if (k >= 0 && (size_t)k < n && c->show_p) {
		if (l->mean && cl->state == C_OK && !isnan(cl->p))
			k += snprintf(b + k, n - k, " p=%-7.3g", cl->p);
		else
			k += snprintf(b + k, n - k, "%*s", PW, "");
	}
	return k;
}

static void text_footprint(const struct cmp *c, int labw)
{
	bool any = false;

	for (int i = 0; i < c->nruns; i++)
		any |= c->fp[i].n > 0 || c->fp[i].why != cmp_no_slab;
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
static void text_header(const struct cmp *c, int indent, int colw, char *buf, size_t size)
{
	size_t n = 0;

	for (int i = 0; i < c->nruns; i++) {
		const char *l = c->runs[i].label;
		size_t len = strlen(l), end = indent + (size_t)i * colw + VALW;
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

	for (int i = 0; i < c->npivots; i++) {
		const struct cmp_pivot *s = &c->pivots[i];
		int statw = 5, opw = 10, w[s->ncols ? s->ncols : 1];
		size_t n;

		for (int l = 0; l < s->nrows; l++) {
			statw = statw > (int)strlen(s->rows[l].stat) ? statw : (int)strlen(s->rows[l].stat);
			opw = opw > (int)strlen(s->rows[l].op) ? opw : (int)strlen(s->rows[l].op);
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
		for (int l = 0; l < s->nrows; l++) {
			const struct cmp_row *ln = &s->rows[l];

			n = snprintf(buf, sizeof(buf), "%-*s %-*s", statw, ln->stat, opw, ln->op);
			for (int k = 0; k < s->ncols && n < sizeof(buf); k++)
				n += snprintf(buf + n, sizeof(buf) - n, "  %*s", w[k],
					      ln->cells[k].state == C_OK ?
					      cmp_pct_text(&ln->cells[k], pct, sizeof(pct)) : "-");
			put_line(buf);
		}
	}
	if (c->npivots)
		printf("\n*...*: significant against the summary's base (%s test, p < %g, mean rows only)\n",
		       stats_test_name(c->test), c->alpha);
}

/*
 * mmtests' two header lines (Compare.pm _generateHeaderTable): each run's
 * name up to its first '-' (past "-rcN" when one follows it), then the rest,
 * right-aligned over the run's column.  Exception: a name without '-' prints
 * whole on the second line (mmtests would print it less its last character
 * on the first).
 */
static void classic_header(const struct cmp *c, int indent, int colw)
{
	for (int line = 0; line < 2; line++) {
		char buf[4096];
		size_t n = (size_t)snprintf(buf, sizeof(buf), "%*s", indent, "");

		for (int i = 0; i < c->nruns && n < sizeof(buf); i++) {
			const char *l = c->runs[i].label, *dash = strchr(l, '-');
			size_t idx = dash ? (size_t)(dash - l) : 0;
			char part[256];

			if (dash && !strncmp(dash, "-rc", 3) && dash[3] >= '0' && dash[3] <= '9')
				idx += 4;
			if (idx > strlen(l))
				idx = strlen(l);
			if (line == 0)
				snprintf(part, sizeof(part), "%.*s", dash ? (int)idx : 0, l);
			else
				snprintf(part, sizeof(part), "%s", dash ? l + idx + (l[idx] ? 1 : 0) : l);
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%*s", i ? colw : COLW, part);
		}
		put_line(buf);
	}
}

static void text_widths(const struct cmp *c, int *statw, int *opw, int minstat, int minop)
{
	*statw = minstat;
	*opw = minop;
	for (int t = 0; t < c->ngroups; t++)
		for (int l = 0; l < c->groups[t].nrows; l++) {
			const struct cmp_row *ln = &c->groups[t].rows[l];

			*statw = *statw > (int)strlen(ln->stat) ? *statw : (int)strlen(ln->stat);
			*opw = *opw > (int)strlen(ln->op) ? *opw : (int)strlen(ln->op);
		}
}

static void text_rows(const struct cmp *c, const struct cmp_group *tb, int statw, int opw)
{
	char buf[4096];
	int ciw = ci_width(c);

	for (int l = 0; l < tb->nrows; l++) {
		const struct cmp_row *ln = &tb->rows[l];
		size_t n = (size_t)snprintf(buf, sizeof(buf), "%-*s %-*s", statw, ln->stat, opw, ln->op);

		for (int i = 0; i < c->nruns && n < sizeof(buf); i++)
			n += (size_t)text_cell(buf + n, sizeof(buf) - n, c, ciw, ln, &ln->cells[i]);
		put_line(buf);
	}
}

void cmp_print_mail(const struct cmp *c)
{
	int statw, opw, labw = 0;

	/* no minimum widths: the published layout is as wide as its rows */
	text_widths(c, &statw, &opw, 0, 0);
	for (int i = 0; i < c->nruns; i++)
		labw = labw > (int)strlen(c->runs[i].label) ? labw : (int)strlen(c->runs[i].label);
	for (int t = 0; t < c->ngroups; t++) {
		if (t)
			putchar('\n');
		if (c->ngroups > 1)
			printf("%s\n", c->groups[t].name);
		text_rows(c, &c->groups[t], statw, opw);
	}
	if (!c->no_slab)
		text_footprint(c, labw);
}

void cmp_print_text(const struct cmp *c)
{
	int statw, opw, labw = 0;
	char buf[4096];

	for (int i = 0; i < c->nruns; i++)
		labw = labw > (int)strlen(c->runs[i].label) ? labw : (int)strlen(c->runs[i].label);
	text_widths(c, &statw, &opw, 5, 10);
	for (int t = 0, shown = 0; t < c->ngroups; t++) {
		const struct cmp_group *tb = &c->groups[t];

		/* one run's layouts: side by side in the study, not a table each */
		if (c->nruns == 1 && study_has_group(c, tb->key))
			continue;
		if (shown++)
			putchar('\n');
		if (c->ngroups > 1)
			printf("%s\n", tb->name);
		if (c->classic_header)
			classic_header(c, statw + 1 + opw, col_width(c, ci_width(c)));
		else
			text_header(c, statw + 1 + opw, col_width(c, ci_width(c)), buf, sizeof(buf));
		text_rows(c, tb, statw, opw);
	}
	if (c->nruns > 1 && c->ngroups)
		printf("\n*...*: significant against %s (%s test, p < %g, mean rows only)\n",
		       c->runs[0].label, stats_test_name(c->test), c->alpha);
	if (c->nfloored)
		printf("~...~: a star dropped: the change is within the noise floor of %s\n",
		       cmp_floor_path(c));
	if (c->show_ci && c->ngroups)
		printf("[lo, hi]: the %g%% confidence interval of the mean (mean +- t * stddev / "
		       "sqrt(n))\n", STATS_CI_LEVEL * 100);
	text_summaries(c);
	study_print_text(c);
	if (!c->no_slab)
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

static void md_row_start(const struct cmp_row *ln)
{
	printf("| %s | ", ln->stat);
	md_str(ln->op);
	printf(" |");
}

static void md_pct(const struct cmp_cell *cl)
{
	const char *mark = cl->sig ? "\\*" : cl->floor ? "\\~" : "";

	printf("%s%.2f%%%s", mark, cl->pct, mark);
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
	for (int i = 0; i < c->npivots; i++) {
		const struct cmp_pivot *s = &c->pivots[i];

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
		for (int l = 0; l < s->nrows; l++) {
			const struct cmp_row *ln = &s->rows[l];

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
	if (c->npivots)
		printf("\n\\*x\\*: significant against the summary's base (%s test, p < %g, mean rows only)\n",
		       stats_test_name(c->test), c->alpha);
}

/* The model's warnings (warn.c) as the metadata of a markdown page. */
static void md_warnings(const struct cmp *c)
{
	if (!c->nwarn)
		return;
	printf("### Warnings\n\n");
	for (int i = 0; i < c->nwarn; i++) {
		printf("- ");
		md_str(c->warn[i]);
		putchar('\n');
	}
	putchar('\n');
}

void cmp_print_markdown(const struct cmp *c)
{
	md_warnings(c);
	for (int t = 0, shown = 0; t < c->ngroups; t++) {
		const struct cmp_group *tb = &c->groups[t];

		if (c->nruns == 1 && study_has_group(c, tb->key))
			continue;
		md_table_head(shown++ ? "\n" : "", tb->name, NULL);
		for (int i = 0; i < c->nruns; i++) {
			putchar(' ');
			md_str(c->runs[i].label);
			printf(" | %% |");
		}
		printf("\n|:--|:--|");
		for (int i = 0; i < c->nruns; i++)
			printf("--:|--:|");
		putchar('\n');
		for (int l = 0; l < tb->nrows; l++) {
			const struct cmp_row *ln = &tb->rows[l];

			md_row_start(ln);
			for (int i = 0; i < c->nruns; i++) {
				const struct cmp_cell *cl = &ln->cells[i];

				if (cl->state != C_OK)
					printf(" %s | |", cl->state == C_FAILED ? "failed" : "-");
				else if (isnan(cl->pct))
					printf(" %.*f | n/a |", prec(ln), cl->value);
				else {
					printf(" %.*f | ", prec(ln), cl->value);
					md_pct(cl);
					printf(" |");
				}
			}
			putchar('\n');
		}
	}
	if (c->nruns > 1 && c->ngroups)
		printf("\n\\*x\\*: significant against %s (%s test, p < %g, mean rows only)\n",
		       c->runs[0].label, stats_test_name(c->test), c->alpha);
	if (c->nfloored) {
		printf("\n\\~x\\~: a star dropped: the change is within the noise floor of ");
		md_str(cmp_floor_path(c));
		putchar('\n');
	}
	md_summaries(c);
	study_print_markdown(c);
	if (c->no_slab)
		return;
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

/* ",n,mean,stddev,ci_lo,ci_hi" of a cell's samples; empty where it has
 * none (extra rows are one number per point) or no interval (n < 2). */
static void csv_samples(const struct cmp_row *r, const struct cmp_cell *cl)
{
	int d = prec(r) + 2;	/* two more decimals than the value: a bound */

	if (cl->state != C_OK || r->kind == ST_EXTRA || !cl->n) {
		printf(",,,,,");
		return;
	}
	printf(",%d,%.*f,%.*f,", cl->n, d, cl->mean, d, cl->stddev);
	if (!isnan(cl->ci_lo))
		printf("%.*f,%.*f", d, cl->ci_lo, d, cl->ci_hi);
	else
		putchar(',');
}

void cmp_print_csv(const struct cmp *c)
{
	/* warnings: comment lines before the header (readers skip '#') */
	for (int i = 0; i < c->nwarn; i++)
		printf("# warning: %s\n", c->warn[i]);
	puts("group,stat,operation,metric,clients,run,label,status,value,change_pct,significant,p,"
	     "n,mean,stddev,ci_lo,ci_hi,floor");
	for (int t = 0; t < c->ngroups; t++)
		for (int l = 0; l < c->groups[t].nrows; l++) {
			const struct cmp_row *ln = &c->groups[t].rows[l];

			for (int i = 0; i < c->nruns; i++) {
				const struct cmp_cell *cl = &ln->cells[i];

				csv_str(c->groups[t].name);
				printf(",%s,", ln->stat);
				csv_str(ln->op);
				putchar(',');
				csv_str(ln->metric);
				printf(",%d,%d,", ln->clients, i);
				csv_str(c->runs[i].label);
				printf(",%s,", cmp_state_name(cl->state));
				if (cl->state == C_OK)
					printf("%.*f", prec(ln), cl->value);
				putchar(',');
				if (!isnan(cl->pct))
					printf("%.2f", cl->pct);
				printf(",%s,", cl->sig ? "true" : "false");
				if (!isnan(cl->p))
					printf("%.6g", cl->p);
				csv_samples(ln, cl);
				printf(",%s\n", cl->floor ? "true" : "false");
			}
		}
	/* summaries: run is the compared side, label the column */
	for (int i = 0; i < c->npivots; i++)
		for (int l = 0; l < c->pivots[i].nrows; l++) {
			const struct cmp_pivot *s = &c->pivots[i];
			const struct cmp_row *ln = &s->rows[l];

			for (int k = 0; k < s->ncols; k++) {
				const struct cmp_cell *cl = &ln->cells[k];

				csv_str(s->name);
				printf(",%s,", ln->stat);
				csv_str(ln->op);
				putchar(',');
				csv_str(ln->metric);
				printf(",%d,%d,", ln->clients, s->cols[k].run);
				csv_str(s->cols[k].title);
				printf(",%s,,", cmp_state_name(cl->state));
				if (cl->state == C_OK)
					printf("%.2f", cl->pct);
				printf(",%s,", cl->sig ? "true" : "false");
				if (!isnan(cl->p))
					printf("%.6g", cl->p);
				printf(",,,,,,%s\n", cl->floor ? "true" : "false");
			}
		}
	for (int i = 0; i < c->nruns && !c->no_slab; i++) {
		const struct footprint *f = &c->fp[i];

		if (!f->n)
			continue;
		for (int k = 0; k <= f->n; k++) {
			unsigned long pages = k < f->n ? f->c[k].pages : f->pages;

			printf("footprint,Pages/1000VMAs,%s,,,%d,", k < f->n ? f->c[k].name : "total", i);
			csv_str(c->runs[i].label);
			printf(",ok,%lu,", pages);
			if (k == f->n && c->fp[0].n)
				printf("%.2f", stats_gain_pct((double)c->fp[0].pages, (double)pages, false));
			printf(",false,,,,,,,false\n");
		}
	}
}

/* ---- JSON -------------------------------------------------------------- */

/* A cell's 95% interval of its change (stats_change_ci), as JSON. */
static json_t *change_ci_json(const struct cmp_cell *cl)
{
	return json_pack("{s:f,s:f,s:f}", "level", STATS_CI_LEVEL, "lo", cl->pct_lo, "hi", cl->pct_hi);
}

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

	for (int i = 0; i < c->npivots; i++) {
		const struct cmp_pivot *s = &c->pivots[i];
		json_t *cols = json_array(), *rows = json_array();
		char g[1024], bg[1024];

		for (int k = 0; k < s->ncols; k++) {
			const struct cmp_col *col = &s->cols[k];

			json_t *cj = json_pack("{s:s,s:i,s:s,s:s,s:i,s:s}",
				"title", col->title, "run", col->run,
				"label", c->runs[col->run].label,
				"group", point_group_render(col->group->workload, col->group->axes,
							    col->group->naxes, g, sizeof(g)),
				"base_run", col->base_run,
				"base_group", point_group_render(col->base_group->workload,
								 col->base_group->axes,
								 col->base_group->naxes, bg, sizeof(bg)));

			/* the pivot axes' values, null where the column has none */
			for (int x = 0; x < s->naxes; x++)
				json_object_set_new(cj, s->axes[x], json_null());
			for (int x = 0; x < col->nvals; x++)
				json_object_set_new(cj, col->keys[x], json_string(col->vals[x]));
			json_array_append_new(cols, cj);
		}
		for (int l = 0; l < s->nrows; l++) {
			const struct cmp_row *ln = &s->rows[l];
			json_t *cells = json_array();

			for (int k = 0; k < s->ncols; k++) {
				const struct cmp_cell *cl = &ln->cells[k];

				json_t *cj = json_pack("{s:s,s:o,s:b,s:b,s:o}",
					"status", cmp_state_name(cl->state),
					"change_pct", cl->state == C_OK ? num_or_null(cl->pct) : json_null(),
					"significant", cl->sig, "floor", cl->floor,
					"p", num_or_null(cl->p));

				if (cl->state == C_OK && !isnan(cl->pct_lo))
					json_object_set_new(cj, "change_ci", change_ci_json(cl));
				json_array_append_new(cells, cj);
			}
			json_array_append_new(rows, json_pack("{s:s,s:s,s:s,s:i,s:o}",
				"stat", ln->stat, "operation", ln->op, "metric", ln->metric,
				"clients", ln->clients, "cells", cells));
		}
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}",
			"summary", s->name, "family", s->family, "note", s->note,
			"base", s->base, "columns", cols, "rows", rows));
	}
	return a;
}

int cmp_print_json(const struct cmp *c)
{
	json_t *j = json_object(), *runs = json_array(), *groups = json_array(), *fp = json_array();
	int rc;

	json_object_set_new(j, "schema", json_integer(1));
	json_object_set_new(j, "test", json_string(stats_test_name(c->test)));
	json_object_set_new(j, "alpha", json_real(c->alpha));
	{
		json_t *w = json_array();

		for (int i = 0; i < c->nwarn; i++)
			json_array_append_new(w, json_string(c->warn[i]));
		json_object_set_new(j, "warnings", w);
	}
	for (int i = 0; i < c->nruns; i++)
		json_array_append_new(runs, json_pack("{s:s,s:s}", "label", c->runs[i].label,
						      "dir", c->runs[i].dir));
	for (int t = 0; t < c->ngroups; t++) {
		json_t *rows = json_array();

		for (int l = 0; l < c->groups[t].nrows; l++) {
			const struct cmp_row *ln = &c->groups[t].rows[l];
			json_t *cells = json_array();

			for (int i = 0; i < c->nruns; i++) {
				const struct cmp_cell *cl = &ln->cells[i];

				json_t *cj = json_pack("{s:s,s:o,s:o,s:b,s:b,s:o}",
					"status", cmp_state_name(cl->state),
					"value", cl->state == C_OK ? json_real(cl->value) : json_null(),
					"change_pct", num_or_null(cl->pct),
					"significant", cl->sig, "floor", cl->floor,
					"p", num_or_null(cl->p));

				/* the samples behind the cell (not for one-number extra rows) */
				if (cl->state == C_OK && ln->kind != ST_EXTRA && cl->n) {
					json_object_set_new(cj, "n", json_integer(cl->n));
					json_object_set_new(cj, "mean", num_or_null(cl->mean));
					json_object_set_new(cj, "stddev", num_or_null(cl->stddev));
					json_object_set_new(cj, "ci", isnan(cl->ci_lo) ? json_null() :
						json_pack("{s:f,s:f,s:f}", "level", STATS_CI_LEVEL,
							  "lo", cl->ci_lo, "hi", cl->ci_hi));
				}
				if (ln->mean && !isnan(cl->pct_lo))
					json_object_set_new(cj, "change_ci", change_ci_json(cl));
				json_array_append_new(cells, cj);
			}
			json_array_append_new(rows, json_pack("{s:s,s:s,s:s,s:i,s:b,s:o}",
				"stat", ln->stat, "operation", ln->op, "metric", ln->metric,
				"clients", ln->clients, "mean_row", ln->mean, "cells", cells));
		}
		json_array_append_new(groups, json_pack("{s:s,s:o}", "group", c->groups[t].name,
							"rows", rows));
	}
	for (int i = 0; i < c->nruns && !c->no_slab; i++)
		json_array_append_new(fp, footprint_json(c, i));
	json_object_set_new(j, "runs", runs);
	json_object_set_new(j, "groups", groups);
	if (c->npivots)	/* runs without axes print as they always did */
		json_object_set_new(j, "summaries", summaries_json(c));
	if (c->nstudies)
		json_object_set_new(j, "studies", study_json(c));
	json_object_set_new(j, "footprint", fp);
	rc = json_dumpf(j, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
	putchar('\n');
	json_decref(j);
	return rc ? EXIT_FAIL : EXIT_OK;
}

