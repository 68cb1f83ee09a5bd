/*
 * render_study.c - the studies of the compare model (study.h) in text,
 * markdown and JSON; render.c calls these after the pivots, report.c
 * renders the same studies as HTML.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "compare.h"
#include "study.h"

static int prec(const struct study_metric *m)
{
	return m->precision == METRIC_INTEGER ? 0 : m->precision ? m->precision :
	       METRIC_PRECISION_DEFAULT;
}

/* ---- text ------------------------------------------------------------------ */

/* Prints s wrapped at width columns, the first line after prefix. */
static void wrap(const char *prefix, const char *s, int width)
{
	int col = printf("%s", prefix);
	bool first = true;

	while (*s) {
		size_t w = strcspn(s, " \n");

		if (*s == '\n') {	/* a new paragraph */
			fputs("\n\n", stdout);
			col = 0;
			first = true;
			s++;
			continue;
		}
		if (!first && col + 1 + (int)w > width) {
			putchar('\n');
			col = 0;
		} else if (!first) {
			putchar(' ');
			col++;
		}
		col += printf("%.*s", (int)w, s);
		first = false;
		s += w;
		while (*s == ' ')
			s++;
	}
	putchar('\n');
}

/* markdown: a paragraph per line of the reading */
static void md_paragraphs(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\n\n", stdout);
		else {
			if (strchr("|*_\\`", *s))
				putchar('\\');
			putchar(*s);
		}
	}
}

static void text_row_end(char *buf, size_t n)
{
	while (n && buf[n - 1] == ' ')
		buf[--n] = 0;
	puts(buf);
}

static void text_table(const struct study *s, const struct study_table *t, const struct cmp *c)
{
	int lw = 12, w[s->ncols ? s->ncols : 1];
	char buf[8192], pct[16];
	size_t n;

	for (int i = 0; i < t->nmetrics; i++) {
		int l = (int)(strlen(t->m[i].stat) + 1 + strlen(t->m[i].metric));

		lw = l > lw ? l : lw;
		lw = (int)strlen("CoeffVar ") + (int)strlen(t->m[i].metric) > lw ?
		     (int)strlen("CoeffVar ") + (int)strlen(t->m[i].metric) : lw;
		for (int x = 0; x < t->m[i].nchanges; x++)
			lw = (int)strlen(t->m[i].changes[x].name) + 2 > lw ?
			     (int)strlen(t->m[i].changes[x].name) + 2 : lw;
	}
	for (int f = 0; f < t->nfacts; f++)
		lw = (int)strlen(t->f[f].name) > lw ? (int)strlen(t->f[f].name) : lw;
	for (int k = 0; k < s->ncols; k++) {
		w[k] = 14;
		for (int h = 0; h < 3; h++)
			if (s->cols[k].head[h] && (int)strlen(s->cols[k].head[h]) > w[k])
				w[k] = (int)strlen(s->cols[k].head[h]);
	}
	printf("\n%s, %d client%s\n", s->name, t->clients, t->clients == 1 ? "" : "s");
	for (int h = 0; h < 3; h++) {
		bool any = false;

		for (int k = 0; k < s->ncols; k++)
			any |= s->cols[k].head[h] != NULL;
		if (!any)
			continue;
		n = (size_t)snprintf(buf, sizeof(buf), "%-*s", lw, "");
		for (int k = 0; k < s->ncols && n < sizeof(buf); k++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  %*s", w[k],
					      s->cols[k].head[h] ? s->cols[k].head[h] : "");
		text_row_end(buf, n);
	}
	for (int i = 0; i < t->nmetrics; i++) {
		const struct study_metric *m = &t->m[i];
		char label[300];

		snprintf(label, sizeof(label), "%s %s", m->stat, m->metric);
		n = (size_t)snprintf(buf, sizeof(buf), "%-*s", lw, label);
		for (int k = 0; k < s->ncols && n < sizeof(buf); k++) {
			if (m->cells[k].state == C_OK)
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  %*.*f", w[k], prec(m),
						      m->cells[k].value);
			else
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  %*s", w[k],
						      m->cells[k].state == C_FAILED ? "failed" : "-");
		}
		text_row_end(buf, n);
		snprintf(label, sizeof(label), "CoeffVar %s", m->metric);
		n = (size_t)snprintf(buf, sizeof(buf), "%-*s", lw, label);
		for (int k = 0; k < s->ncols && n < sizeof(buf); k++) {
			if (isnan(m->cv[k]))
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  %*s", w[k], "-");
			else
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  %*.2f", w[k], m->cv[k]);
		}
		text_row_end(buf, n);
		for (int x = 0; x < m->nchanges; x++) {
			const struct study_change *ch = &m->changes[x];

			snprintf(label, sizeof(label), "  %s", ch->name);
			n = (size_t)snprintf(buf, sizeof(buf), "%-*s", lw, label);
			for (int k = 0; k < s->ncols && n < sizeof(buf); k++)
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  %*s", w[k],
						      ch->cells[k].state == C_OK ?
						      cmp_pct_text(&ch->cells[k], pct, sizeof(pct)) : "");
			text_row_end(buf, n);
		}
	}
	for (int f = 0; f < t->nfacts; f++) {
		n = (size_t)snprintf(buf, sizeof(buf), "%-*s", lw, t->f[f].name);
		for (int k = 0; k < s->ncols && n < sizeof(buf); k++) {
			if (t->f[f].v[k] == STUDY_NO_FACT)
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  %*s", w[k], "-");
			else
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  %*lld", w[k], t->f[f].v[k]);
		}
		text_row_end(buf, n);
	}
	(void)c;
}

void study_print_text(const struct cmp *c)
{
	for (int i = 0; i < c->nstudies; i++) {
		const struct study *s = &c->studies[i];

		for (int t = 0; t < s->ntables; t++)
			text_table(s, &s->t[t], c);
		if (s->reading) {
			putchar('\n');
			wrap("Reading: ", s->reading, 78);
		}
	}
	if (c->nstudies) {
		char note[512];

		snprintf(note, sizeof(note), "each column's mean against X's in the same run and under "
			 "the same other axes; *...*: significant (%s test, p < %g); the counts are the "
			 "points' facts, the same in every iteration", stats_test_name(c->test), c->alpha);
		putchar('\n');
		wrap("vs X: ", note, 78);
	}
}

/* ---- markdown ------------------------------------------------------------------ */

static void md(const char *s)
{
	for (; *s; s++) {
		if (strchr("|*_\\`", *s))
			putchar('\\');
		putchar(*s);
	}
}

void study_print_markdown(const struct cmp *c)
{
	for (int i = 0; i < c->nstudies; i++) {
		const struct study *s = &c->studies[i];

		for (int t = 0; t < s->ntables; t++) {
			const struct study_table *tb = &s->t[t];

			printf("\n### ");
			md(s->name);
			printf(", %d client%s\n\n| |", tb->clients, tb->clients == 1 ? "" : "s");
			for (int k = 0; k < s->ncols; k++) {
				putchar(' ');
				md(s->cols[k].title);
				printf(" |");
			}
			printf("\n|:--|");
			for (int k = 0; k < s->ncols; k++)
				printf("--:|");
			putchar('\n');
			for (int m = 0; m < tb->nmetrics; m++) {
				const struct study_metric *sm = &tb->m[m];

				printf("| %s ", sm->stat);
				md(sm->metric);
				printf(" |");
				for (int k = 0; k < s->ncols; k++)
					if (sm->cells[k].state == C_OK)
						printf(" %.*f |", prec(sm), sm->cells[k].value);
					else
						printf(" - |");
				printf("\n| CoeffVar ");
				md(sm->metric);
				printf(" |");
				for (int k = 0; k < s->ncols; k++)
					if (isnan(sm->cv[k]))
						printf(" - |");
					else
						printf(" %.2f |", sm->cv[k]);
				putchar('\n');
				for (int x = 0; x < sm->nchanges; x++) {
					printf("| &nbsp;&nbsp;");
					md(sm->changes[x].name);
					printf(" |");
					for (int k = 0; k < s->ncols; k++) {
						const struct cmp_cell *cl = &sm->changes[x].cells[k];

						if (cl->state != C_OK || isnan(cl->pct))
							printf(" |");
						else
							printf(" %s%.2f%%%s |", cl->sig ? "\\*" : "", cl->pct,
							       cl->sig ? "\\*" : "");
					}
					putchar('\n');
				}
			}
			for (int f = 0; f < tb->nfacts; f++) {
				printf("| ");
				md(tb->f[f].name);
				printf(" |");
				for (int k = 0; k < s->ncols; k++)
					if (tb->f[f].v[k] == STUDY_NO_FACT)
						printf(" - |");
					else
						printf(" %lld |", tb->f[f].v[k]);
				putchar('\n');
			}
		}
		if (s->reading) {
			printf("\n**Reading.** ");
			md_paragraphs(s->reading);
			putchar('\n');
		}
	}
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *num(double v)
{
	return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *table_json(const struct study *s, const struct study_table *t)
{
	json_t *metrics = json_array(), *facts = json_object();

	for (int i = 0; i < t->nmetrics; i++) {
		const struct study_metric *m = &t->m[i];
		json_t *cells = json_array(), *changes = json_array();

		for (int k = 0; k < s->ncols; k++) {
			const struct cmp_cell *cl = &m->cells[k];
			bool ok = cl->state == C_OK;

			json_array_append_new(cells, json_pack("{s:s,s:o,s:i,s:o,s:o}",
				"status", cmp_state_name(cl->state), "value", ok ? num(cl->value) : json_null(),
				"n", ok ? cl->n : 0, "stddev", ok ? num(cl->stddev) : json_null(),
				"coeffvar", num(m->cv[k])));
		}
		for (int x = 0; x < m->nchanges; x++) {
			const struct study_change *ch = &m->changes[x];
			json_t *cc = json_array();

			for (int k = 0; k < s->ncols; k++) {
				const struct cmp_cell *cl = &ch->cells[k];

				json_array_append_new(cc, ch->against[k] < 0 || cl->state != C_OK ? json_null() :
					json_pack("{s:i,s:o,s:b,s:o}", "against", ch->against[k],
						  "change_pct", num(cl->pct), "significant", cl->sig,
						  "p", num(cl->p)));
			}
			json_array_append_new(changes, json_pack("{s:s,s:o}", "name", ch->name, "cells", cc));
		}
		json_array_append_new(metrics, json_pack("{s:s,s:s,s:o,s:o}", "metric", m->metric,
			"stat", m->stat, "cells", cells, "changes", changes));
	}
	for (int f = 0; f < t->nfacts; f++) {
		json_t *v = json_array();

		for (int k = 0; k < s->ncols; k++)
			json_array_append_new(v, t->f[f].v[k] == STUDY_NO_FACT ? json_null() :
					      json_integer(t->f[f].v[k]));
		json_object_set_new(facts, t->f[f].name, v);
	}
	return json_pack("{s:i,s:o,s:o}", "clients", t->clients, "metrics", metrics, "facts", facts);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *study_json(const struct cmp *c)
{
	static const char *const costs[] = { "costs", "nothing measurable", "faster" };
	json_t *a = json_array();

	for (int i = 0; i < c->nstudies; i++) {
		const struct study *s = &c->studies[i];
		json_t *cols = json_array(), *tables = json_array();
		char g[1024];

		for (int k = 0; k < s->ncols; k++)
			json_array_append_new(cols, json_pack("{s:s,s:i,s:s,s:s,s:s,s:s}",
				"title", s->cols[k].title, "run", s->cols[k].run,
				"label", c->runs[s->cols[k].run].label,
				"group", point_group_render(s->cols[k].group->workload, s->cols[k].group->axes,
							    s->cols[k].group->naxes, g, sizeof(g)),
				"value", s->cols[k].value, "rest", s->cols[k].rest));
		for (int t = 0; t < s->ntables; t++)
			json_array_append_new(tables, table_json(s, &s->t[t]));
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o}",
			"study", s->name, "family", s->pv->family, "axis", s->axis, "base", s->base,
			"clean", str_or_null(s->clean), "columns", cols, "tables", tables,
			"reading", str_or_null(s->reading),
			"findings", json_pack("{s:o,s:o,s:o,s:o}", "winner", str_or_null(s->winner),
				"pair_only", str_or_null(s->pair),
				"pair_cost", s->pair ? json_string(costs[s->pair_cost + 1]) : json_null(),
				"toggle_changes_pair_cost", s->prefetch_changes < 0 ? json_null() :
							    json_boolean(s->prefetch_changes))));
	}
	return a;
}
