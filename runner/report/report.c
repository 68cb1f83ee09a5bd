/*
 * report.c - one static HTML page per compare or nightly.
 *
 * The page is index.html in the report directory, with the pictures beside
 * it as relative <img>: the directory can be copied or served as it is.  No
 * network resources, no JavaScript; the CSS is inline.  The comparison is
 * a rendering of the compare model (compare.h), so the page and `mmscale
 * compare` never disagree.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"
#include "compare.h"
#include "plot.h"
#include "report.h"
#include "stats.h"
#include "study.h"
#include "summary.h"

/* ---- HTML helpers ----------------------------------------------------- */

void html_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* The full width of the window; pictures in a grid of as many columns of
 * at least 560 px as fit (one on a phone), tables scroll sideways inside
 * their own box rather than widening the page. */
static const char css[] =
	"body{font-family:sans-serif;margin:1em 1.5em;color:#222}"
	"h1{font-size:1.5em;overflow-wrap:anywhere}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}"
	"h3{font-size:1em}"
	".tw{overflow-x:auto;max-width:100%}"
	"table{border-collapse:collapse;margin:.5em 0;font-size:.9em}"
	"th,td{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}"
	"td.num{text-align:right;font-family:monospace;white-space:pre}"
	"tr.better td.sig,td.better{background:#e0f3e0}tr.worse td.sig,td.worse{background:#f8dcdc}"
	".regression{color:#b00;font-weight:bold}.improvement{color:#070;font-weight:bold}"
	".ok{color:#070;font-weight:bold}span.p{color:#666;font-size:.85em}ul.warnings li{color:#8a5a00}"
	"table.meta td{overflow-wrap:anywhere;max-width:40em}td.differs{background:#fff4d6}"
	".figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,560px),1fr));gap:1em}"
	"figure{margin:0}img{width:100%;max-width:800px;height:auto}figcaption{font-size:.85em}"
	"details{margin:.4em 0}summary{cursor:pointer}"
	"table.cmp td{white-space:nowrap}table.study th{text-align:left;white-space:nowrap}"
	"p.reading{max-width:60em;background:#f4f7fb;padding:.6em .8em;border-left:3px solid #08519c}"
	"ul.unavail li{font-family:monospace;overflow-wrap:anywhere}.gen{color:#666;font-size:.85em}";

static void head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
	html_esc(f, title);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", css);
	html_esc(f, title);
	fputs("</h1>\n", f);
}

static void generated(FILE *f)
{
	char when[64];
	time_t t = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
	fprintf(f, "<p class=\"gen\">generated %s by mmscale %s (%s)</p>\n", when,
		MMSCALE_VERSION, MMSCALE_GIT);
}

/* "2026-12-01 20:47:08 UTC" from seconds since the epoch. */
static void epoch_date(long long t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, n, "%lld", t);
}

/* The text of a scalar (a "time" in epoch seconds as a date). */
static void scalar_text(const char *key, json_t *v, char *buf, size_t n)
{
	if (json_is_string(v))
		snprintf(buf, n, "%s", json_string_value(v));
	else if (json_is_integer(v) && key && !strcmp(key, "time"))
		epoch_date((long long)json_integer_value(v), buf, n);
	else if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, n, "%.6g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, n, "%s", json_is_true(v) ? "true" : "false");
	else
		snprintf(buf, n, "-");
}

/*
 * A config's text as fields "config [section] key" (the way a reader
 * compares two configs), so that a diff names the key that changed.
 */
static void config_fields(const char *text, json_t *out)
{
	char sect[128] = "", line[1024], key[1300];

	while (text && *text) {
		size_t len = strcspn(text, "\n");
		char *l = line, *eq, *e;

		snprintf(line, sizeof(line), "%.*s", (int)len, text);
		text += len + (text[len] == '\n');
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l == '#' || *l == ';' || !*l)
			continue;
		if (*l == '[') {
			snprintf(sect, sizeof(sect), "%.*s", (int)strcspn(l, "]") + 1, l);
			continue;
		}
		eq = strchr(l, '=');
		if (!eq)
			continue;
		for (e = eq; e > l && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		snprintf(key, sizeof(key), "config %s %.*s", sect, (int)(e - l), l);
		for (eq++; *eq == ' ' || *eq == '\t'; eq++)
			;
		json_object_set_new(out, key, json_string(eq));
	}
}

/*
 * The scalars of metadata o as one flat object {"kernel.release": "6.18",
 * ...}, every depth; arrays of scalars joined by spaces; the config's text
 * as its keys.  Left out: the plan (its own page: `mmscale plan`) and the
 * slab geometry of every cache (meta.json has it).
 */
static void meta_flatten(json_t *o, const char *prefix, json_t *out)
{
	static const char *const skip[] = { "plan", "caches", NULL };
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		char p[512], val[4096];
		bool skipped = false;
		size_t len = 0, i;
		json_t *e;

		for (int s = 0; skip[s]; s++)
			skipped |= !strcmp(k, skip[s]);
		if (skipped)
			continue;
		snprintf(p, sizeof(p), "%s%s", prefix, k);
		if (!strcmp(p, "config.text") && json_is_string(v)) {
			config_fields(json_string_value(v), out);
			continue;
		}
		if (json_is_object(v)) {
			strncat(p, ".", sizeof(p) - strlen(p) - 1);
			meta_flatten(v, p, out);
			continue;
		}
		if (!json_is_array(v)) {
			scalar_text(k, v, val, sizeof(val));
			json_object_set_new(out, p, json_string(val));
			continue;
		}
		val[0] = 0;
		json_array_foreach(v, i, e) {
			char one[512];

			if (json_is_object(e) || json_is_array(e))
				snprintf(one, sizeof(one), "...");
			else
				scalar_text(NULL, e, one, sizeof(one));
			if (len < sizeof(val))
				len += (size_t)snprintf(val + len, sizeof(val) - len, "%s%s",
							i ? " " : "", one);
		}
		json_object_set_new(out, p, json_string(val));
	}
}

/* Rows "key: value" of a flat object (meta_flatten). */
static void flat_rows(FILE *f, json_t *flat)
{
	const char *k;
	json_t *v;

	json_object_foreach(flat, k, v) {
		fputs("<tr><th>", f);
		html_esc(f, k);
		fputs("</th><td>", f);
		html_esc(f, json_string_value(v));
		fputs("</td></tr>\n", f);
	}
}

static void meta_rows(FILE *f, json_t *o)
{
	json_t *flat = json_object();

	meta_flatten(o, "", flat);
	flat_rows(f, flat);
	json_decref(flat);
}

/* Adds "feature: why" to the set (an object used as an ordered set). */
static void unavail_add(json_t *set, const char *feature, const char *why)
{
	char line[1024];

	snprintf(line, sizeof(line), "%s: %s", feature, why);
	json_object_set_new(set, line, json_true());
}

static void unavail_from_probe(json_t *set, json_t *probe, const char *prefix)
{
	const char *k;
	json_t *v;
	char feature[128];

	json_object_foreach(probe, k, v) {
		const char *s = json_string_value(v);

		if (!s || strncmp(s, "unavailable: ", 13))
			continue;
		snprintf(feature, sizeof(feature), "%s%s", prefix, k);
		unavail_add(set, feature, s + 13);
	}
}

/* Everything a run's meta.json says the machine lacked: its
 * "unavailable" set and perf's probes. */
static void unavail_from_meta(json_t *set, json_t *meta)
{
	json_t *v;
	const char *k;

	json_object_foreach(json_object_get(meta, "unavailable"), k, v)
		if (json_is_string(v))
			unavail_add(set, k, json_string_value(v));
	unavail_from_probe(set, json_object_get(meta, "perf"), "perf ");
}

/* known: the runs' probe results were at hand (else an empty set proves
 * nothing and the page says so) */
static void unavail_list(FILE *f, json_t *set, bool known)
{
	const char *k;
	json_t *v;

	fputs("<h2 id=\"unavailable\">Unavailable on this machine</h2>\n", f);
	if (!json_object_size(set)) {
		fputs(known ? "<p>Nothing: every probed feature was available.</p>\n" :
		      "<p>Not recorded with this verdict (see the run's meta.json).</p>\n", f);
		return;
	}
	fputs("<ul class=\"unavail\">\n", f);
	json_object_foreach(set, k, v) {
		fputs("<li>", f);
		html_esc(f, k);
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

/* An image with links to its SVG, script and data file (each may be NULL). */
static void figure(FILE *f, const char *png, const char *title, const char *name, bool svg,
		   const char *data)
{
	fputs("<figure><img src=\"", f);
	html_esc(f, png);
	fprintf(f, "\" width=\"%d\" height=\"%d\" alt=\"", PLOT_WIDTH, PLOT_HEIGHT);
	html_esc(f, title);
	fputs("\"><figcaption>", f);
	html_esc(f, title);
	if (name) {
		fputs(" &mdash; ", f);
		if (svg) {
			fputs("<a href=\"", f);
			html_esc(f, name);
			fputs(".svg\">SVG</a>, ", f);
		}
		fputs("<a href=\"", f);
		html_esc(f, name);
		fputs(".gp\">gnuplot script</a>", f);
		if (data) {
			fputs(", <a href=\"", f);
			html_esc(f, data);
			fputs("\">data</a>", f);
		}
	}
	fputs("</figcaption></figure>\n", f);
}

/* Writes through DIR/index.html.tmp, renamed into place when complete. */
static FILE *page_open(const char *dir, char *tmp, size_t n)
{
	FILE *f;

	if (mkdir_p(dir)) {
		errmsg(errno, "%s", dir);
		return NULL;
	}
	snprintf(tmp, n, "%s/index.html.tmp", dir);
	f = fopen(tmp, "w");
	if (!f)
		errmsg(errno, "%s", tmp);
	return f;
}

static int page_close(FILE *f, const char *dir, const char *tmp)
{
	char path[PATH_MAX];
	bool bad;

	fputs("</body>\n</html>\n", f);
	bad = ferror(f);
	if (fclose(f) || bad) {
		errmsg(errno ? errno : EIO, "%s", tmp);
		(void)unlink(tmp);
		return EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "%s/index.html", dir);
	if (rename(tmp, path)) {
		errmsg(errno, "rename %s", path);
		return EXIT_FAIL;
	}
	printf("%s\n", path);
	return 0;
}

/* ---- compare ---------------------------------------------------------- */

/* One mean row of the model: "Hmean faults/sec-2", then per run the value
 * and its change against the base, "( 0.00%)" or "* 1.23%*" when
 * significant; n, stddev, CoeffVar and p in the title. */
static void html_row(FILE *f, const struct cmp *c, const struct cmp_row *row)
{
	char pct[32];

	fputs("<tr class=\"row\" data-metric=\"", f);
	html_esc(f, row->op);
	fprintf(f, "\"><td>%s</td><td>", row->stat);
	html_esc(f, row->op);
	fputs("</td>", f);
	for (int r = 0; r < c->nruns; r++) {
		const struct cmp_cell *cl = &row->cells[r];
		const char *cls = "";
		int prec = row->precision == METRIC_INTEGER ? 0 : row->precision;

		if (cl->state != C_OK) {
			fprintf(f, "<td class=\"num\">%s</td><td class=\"num\"></td>",
				cl->state == C_FAILED ? "failed" : "-");
			continue;
		}
		if (cl->sig)
			cls = cl->pct > 0 ? " better" : cl->pct < 0 ? " worse" : "";
		fprintf(f, "<td class=\"num\" title=\"n=%d mean=%.*f stddev=%.4g CoeffVar=%.2f%%", cl->n,
			prec ? prec : 4, cl->mean, cl->stddev, cl->mean ? cl->stddev * 100 / cl->mean : 0);
		if (!isnan(cl->ci_lo))
			fprintf(f, " %g%% CI=[%.*f, %.*f]", STATS_CI_LEVEL * 100, prec ? prec : 4,
				cl->ci_lo, prec ? prec : 4, cl->ci_hi);
		if (!isnan(cl->p))
			fprintf(f, " p=%.4g", cl->p);
		for (int w = 0; w < cl->nwarn; w++) {
			fputs("; ", f);
			html_esc(f, cl->warn[w]);
		}
		fprintf(f, "\">%14.*f</td><td class=\"num%s%s\">", prec ? prec : 4, cl->value,
			cl->sig ? " sig" : "", cls);
		fputs(cmp_pct_text(cl, pct, sizeof(pct)), f);
		/* p in print, not only in the tooltip: a reader weighs a star by it */
		if (!isnan(cl->p))
			fprintf(f, " <span class=\"p\">p=%.3g</span>", cl->p);
		fputs("</td>", f);
	}
	fputs("</tr>\n", f);
}

/* The model's warnings (warn.c), above the table they qualify. */
static void html_warnings(FILE *f, const struct cmp *c)
{
	if (!c->nwarn)
		return;
	fputs("<h2 id=\"warnings\">Warnings</h2>\n<ul class=\"warnings\">\n", f);
	for (int i = 0; i < c->nwarn; i++) {
		fputs("<li>", f);
		html_esc(f, c->warn[i]);
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

/* The comparison: the compare model's mean rows, one table per group. */
static void compare_tables(FILE *f, const struct cmp *c)
{
	html_warnings(f, c);
	fprintf(f, "<h2 id=\"comparison\">Comparison</h2>\n<p>Per run: the headline mean of the "
		"measured iterations (Hmean for rates, Amean for times and counts, as each "
		"metric declares) and its change against the first run; <code>*x%%*</code> marks "
		"a significant difference (%s rule, alpha %.2g), positive is better, and p is "
		"the test's p-value.  Hover a value for n, mean, stddev, CoeffVar and the 95%% "
		"confidence interval of the mean.</p>\n", stats_test_name(c->test), c->alpha);
	for (int g = 0; g < c->ngroups; g++) {
		const struct cmp_group *grp = &c->groups[g];

		if (c->nruns == 1 && study_has_group(c, grp->key))
			continue;	/* one run's layouts: side by side below */
		fputs("<h3>", f);
		html_esc(f, grp->name);
		fprintf(f, "</h3>\n<div class=\"tw\"><table class=\"cmp\" id=\"cmp-%d\">\n<thead><tr><th>stat</th>"
			"<th>metric</th>", g);
		for (int r = 0; r < c->nruns; r++) {
			fputs("<th colspan=\"2\">", f);
			html_esc(f, c->runs[r].label);
			fputs("</th>", f);
		}
		fputs("</tr></thead>\n<tbody>\n", f);
		for (int r = 0; r < grp->nrows; r++)
			if (grp->rows[r].mean)
				html_row(f, c, &grp->rows[r]);
		fputs("</tbody>\n</table></div>\n", f);
	}
}

/* A change cell: "*x%*" or "(x%)", coloured when significant. */
static void pct_cell(FILE *f, const struct cmp_cell *cl)
{
	char pct[32];

	if (cl->state != C_OK) {
		fputs("<td class=\"num\"></td>", f);
		return;
	}
	fprintf(f, "<td class=\"num%s\"", !cl->sig ? "" : cl->pct > 0 ? " sig better" :
		cl->pct < 0 ? " sig worse" : " sig");
	if (!isnan(cl->p))
		fprintf(f, " title=\"p=%.4g\"", cl->p);
	fputs(">", f);
	fputs(cmp_pct_text(cl, pct, sizeof(pct)), f);
	fputs("</td>", f);
}

/* The pivots (layout x prefetch by default): as compare prints them. */
static void html_pivots(FILE *f, const struct cmp *c)
{
	for (int i = 0; i < c->npivots; i++) {
		const struct cmp_pivot *pv = &c->pivots[i];

		fputs("<h3 class=\"pivot\">", f);
		html_esc(f, pv->name);
		fputs("</h3>\n<p>", f);
		html_esc(f, pv->note);
		fputs("; <code>*x%*</code>: significant.</p>\n<div class=\"tw\"><table class=\"cmp "
		      "pivot\">\n<thead><tr><th>stat</th><th>metric</th>", f);
		for (int k = 0; k < pv->ncols; k++) {
			fputs("<th>", f);
			html_esc(f, pv->cols[k].title);
			fputs("</th>", f);
		}
		fputs("</tr></thead>\n<tbody>\n", f);
		for (int r = 0; r < pv->nrows; r++) {
			fprintf(f, "<tr><td>%s</td><td>", pv->rows[r].stat);
			html_esc(f, pv->rows[r].op);
			fputs("</td>", f);
			for (int k = 0; k < pv->ncols; k++)
				pct_cell(f, &pv->rows[r].cells[k]);
			fputs("</tr>\n", f);
		}
		fputs("</tbody>\n</table></div>\n", f);
	}
}

/* The studies: a table per client count, the sharing counts, the reading. */
static void html_studies(FILE *f, const struct cmp *c)
{
	for (int i = 0; i < c->nstudies; i++) {
		const struct study *s = &c->studies[i];

		fprintf(f, "<h2 id=\"study-%d\">", i);
		html_esc(f, s->name);
		fputs("</h2>\n", f);
		if (s->reading) {	/* a paragraph per run */
			fputs("<p class=\"reading\"><b>Reading.</b> ", f);
			for (const char *r = s->reading; *r; ) {
				size_t n = strcspn(r, "\n");
				char para[8192];

				snprintf(para, sizeof(para), "%.*s", (int)n, r);
				html_esc(f, para);
				r += n;
				if (*r == '\n') {
					fputs("</p>\n<p class=\"reading\">", f);
					r++;
				}
			}
			fputs("</p>\n", f);
		}
		for (int t = 0; t < s->ntables; t++) {
			const struct study_table *tb = &s->t[t];

			fprintf(f, "<h3>%d client%s</h3>\n<div class=\"tw\"><table class=\"cmp study\" "
				"data-clients=\"%d\">\n<thead><tr><th></th>", tb->clients,
				tb->clients == 1 ? "" : "s", tb->clients);
			for (int k = 0; k < s->ncols; k++) {
				fputs("<th>", f);
				html_esc(f, s->cols[k].title);
				fputs("</th>", f);
			}
			fputs("</tr></thead>\n<tbody>\n", f);
			for (int m = 0; m < tb->nmetrics; m++) {
				const struct study_metric *sm = &tb->m[m];
				int prec = sm->precision == METRIC_INTEGER ? 0 : sm->precision ? sm->precision : 4;

				fprintf(f, "<tr class=\"mean\"><th>%s ", sm->stat);
				html_esc(f, sm->metric);
				fputs("</th>", f);
				for (int k = 0; k < s->ncols; k++)
					if (sm->cells[k].state == C_OK)
						fprintf(f, "<td class=\"num\" title=\"n=%d stddev=%.4g\">%.*f</td>",
							sm->cells[k].n, sm->cells[k].stddev, prec,
							sm->cells[k].value);
					else
						fputs("<td class=\"num\">-</td>", f);
				fputs("</tr>\n<tr><th>CoeffVar ", f);
				html_esc(f, sm->metric);
				fputs("</th>", f);
				for (int k = 0; k < s->ncols; k++)
					if (isnan(sm->cv[k]))
						fputs("<td class=\"num\">-</td>", f);
					else
						fprintf(f, "<td class=\"num\">%.2f%%</td>", sm->cv[k]);
				fputs("</tr>\n", f);
				for (int x = 0; x < sm->nchanges; x++) {
					fputs("<tr class=\"change\"><th>&nbsp;&nbsp;", f);
					html_esc(f, sm->changes[x].name);
					fputs("</th>", f);
					for (int k = 0; k < s->ncols; k++)
						pct_cell(f, &sm->changes[x].cells[k]);
					fputs("</tr>\n", f);
				}
			}
			for (int x = 0; x < tb->nfacts; x++) {
				fputs("<tr class=\"fact\"><th>", f);
				html_esc(f, tb->f[x].name);
				fputs("</th>", f);
				for (int k = 0; k < s->ncols; k++)
					if (tb->f[x].v[k] == STUDY_NO_FACT)
						fputs("<td class=\"num\">-</td>", f);
					else
						fprintf(f, "<td class=\"num\">%lld</td>", tb->f[x].v[k]);
				fputs("</tr>\n", f);
			}
			fputs("</tbody>\n</table></div>\n", f);
		}
		fprintf(f, "<p class=\"gen\">vs X: each column's mean against X's in the same run and "
			"under the same other axes; <code>*x%%*</code>: significant (%s test, alpha "
			"%.2g); the counts are the points' facts (from the arena addresses), the same in "
			"every iteration.</p>\n", stats_test_name(c->test), c->alpha);
	}
}

static double counter(json_t *perf, const char *ev)
{
	json_t *v = json_object_get(json_object_get(json_object_get(perf, "counters"), ev), "value");

	return v ? json_number_value(v) : NAN;
}

static void num_cell(FILE *f, double v, const char *fmt)
{
	fputs("<td class=\"num\">", f);
	if (isnan(v))
		fputs("-", f);
	else
		fprintf(f, fmt, v);
	fputs("</td>", f);
}

/* perf figures per point, where the run was wrapped in perf stat */
static void perf_tables(FILE *f, struct summary *runs, int nruns, json_t *unavail)
{
	bool any = false;

	for (int r = 0; r < nruns; r++)
		for (int i = 0; i < runs[r].npoints; i++)
			any |= json_object_get(runs[r].points[i].extra, "perf") != NULL;
	if (!any)
		return;
	fputs("<h2 id=\"perf\">perf</h2>\n<p>Counters of perf stat over the whole point "
	      "(warm-ups included); mmap_lock acquisitions per thread from "
	      "mmap_lock:mmap_lock_start_locking samples, split by the tids the workload "
	      "reported: the fault clients per 1000 of their faults, the noise threads apart.</p>\n", f);
	for (int r = 0; r < nruns; r++) {
		bool has = false;

		for (int i = 0; i < runs[r].npoints; i++)
			has |= json_object_get(runs[r].points[i].extra, "perf") != NULL;
		if (!has)
			continue;
		fputs("<h3>", f);
		html_esc(f, runs[r].label);
		fputs("</h3>\n<div class=\"tw\"><table class=\"perf\">\n<thead><tr><th>point</th><th>group</th>"
		      "<th>clients</th><th>task-clock ms</th><th>page-faults</th>"
		      "<th>context-switches</th><th>cpu-migrations</th><th>cycles</th>"
		      "<th>clients' mmap_lock per 1000 faults</th><th>noise mmap_lock</th></tr></thead>\n"
		      "<tbody>\n", f);
		for (int i = 0; i < runs[r].npoints; i++) {
			const struct point *p = &runs[r].points[i];
			json_t *perf = json_object_get(p->extra, "perf");
			json_t *noise = json_object_get(json_object_get(perf, "threads"), "noise");
			json_t *cyc = json_object_get(json_object_get(perf, "counters"), "cycles");
			json_t *per = json_object_get(perf, "mmap_lock_per_1000_faults");

			if (!perf)
				continue;
			unavail_from_probe(unavail, json_object_get(perf, "probe"), "perf ");
			fputs("<tr><td>", f);
			html_esc(f, p->id);
			fputs("</td><td>", f);
			html_esc(f, p->group);
			fprintf(f, "</td><td class=\"num\">%d</td>", p->clients);
			num_cell(f, counter(perf, "task-clock"), "%.1f");
			num_cell(f, counter(perf, "page-faults"), "%.0f");
			num_cell(f, counter(perf, "context-switches"), "%.0f");
			num_cell(f, counter(perf, "cpu-migrations"), "%.0f");
			if (json_is_string(cyc))
				fputs("<td>unavailable</td>", f);
			else
				num_cell(f, counter(perf, "cycles"), "%.0f");
			num_cell(f, per ? json_number_value(per) : NAN, "%.3f");
			num_cell(f, noise ? (double)json_integer_value(json_object_get(noise, "mmap_lock"))
				 : NAN, "%.0f");
			fputs("</tr>\n", f);
		}
		fputs("</tbody>\n</table></div>\n", f);
	}
}

/* ---- monitors ---------------------------------------------------------------- */

/* The vmstat counters that moved most in a run (nr_* are levels), up to n. */
static int top_counters(const struct summary *s, char (*out)[64], int n)
{
	json_t *sum = json_object(), *v;
	const char *k;
	int got = 0;

	for (int p = 0; p < s->npoints; p++) {
		json_t *d = json_object_get(json_object_get(json_object_get(s->points[p].extra, "monitors"),
							    "vmstat"), "delta");

		json_object_foreach(d, k, v)
			if (strncmp(k, "nr_", 3))
				json_object_set_new(sum, k, json_integer(json_integer_value(
					json_object_get(sum, k)) + json_integer_value(v)));
	}
	for (; got < n; got++) {
		json_int_t most = 0;

		out[got][0] = 0;
		json_object_foreach(sum, k, v)
			if (json_integer_value(v) > most) {
				most = json_integer_value(v);
				snprintf(out[got], sizeof(out[got]), "%s", k);
			}
		if (!out[got][0])
			break;
		json_object_del(sum, out[got]);
	}
	json_decref(sum);
	return got;
}

/*
 * Per run, the monitors' deltas of each point (the time series are the
 * pictures): samples, the CPUs' busy and steal shares, the counters that
 * moved most, interrupts, vm_area_struct objects, and what was unavailable.
 */
static void monitor_tables(FILE *f, struct summary *runs, int nruns, json_t *unavail)
{
	bool any = false;

	for (int r = 0; r < nruns; r++)
		for (int i = 0; i < runs[r].npoints; i++)
			any |= json_object_get(runs[r].points[i].extra, "monitors") != NULL;
	if (!any)
		return;
	fputs("<h2 id=\"monitors\">Monitors</h2>\n<p>What the monitors (<code>[run] monitors</code>) "
	      "saw while each point ran: the change of each counter from the first sample to the "
	      "last, summed over the point's invocations; CPU shares as mpstat prints them; the "
	      "time series are in each point's <code>monitor-*.jsonl</code> and in the pictures."
	      "</p>\n", f);
	for (int r = 0; r < nruns; r++) {
		char top[4][64];
		int ntop = top_counters(&runs[r], top, 4);

		fputs("<h3>", f);
		html_esc(f, runs[r].label);
		fputs("</h3>\n<div class=\"tw\"><table class=\"monitors\">\n<thead><tr><th>point</th>"
		      "<th>group</th><th>clients</th><th>samples</th><th>busy %</th><th>steal %</th>", f);
		for (int t = 0; t < ntop; t++) {
			fputs("<th>", f);
			html_esc(f, top[t]);
			fputs("</th>", f);
		}
		fputs("<th>interrupts</th><th>vm_area_struct</th></tr></thead>\n<tbody>\n", f);
		for (int i = 0; i < runs[r].npoints; i++) {
			const struct point *p = &runs[r].points[i];
			json_t *m = json_object_get(p->extra, "monitors"), *v;
			json_t *all = json_object_get(json_object_get(json_object_get(json_object_get(m,
				"mpstat"), "delta"), "pct"), "all");
			json_t *irq = json_object_get(json_object_get(m, "interrupts"), "delta");
			const char *k;
			double irqs = 0;

			if (!m)
				continue;
			json_object_foreach(m, k, v)
				if (json_is_string(v) && !strncmp(json_string_value(v), "unavailable: ", 13)) {
					char feature[64];

					snprintf(feature, sizeof(feature), "monitor %s", k);
					unavail_add(unavail, feature, json_string_value(v) + 13);
				}
			fputs("<tr><td>", f);
			html_esc(f, p->id);
			fputs("</td><td>", f);
			html_esc(f, p->group);
			fprintf(f, "</td><td class=\"num\">%d</td>", p->clients);
			v = json_object_get(json_object_get(m, "vmstat"), "samples");
			if (!v)
				v = json_object_get(json_object_get(m, "mpstat"), "samples");
			num_cell(f, v ? (double)json_integer_value(v) : NAN, "%.0f");
			num_cell(f, all ? 100 - json_number_value(json_object_get(all, "idle")) -
				 json_number_value(json_object_get(all, "iowait")) : NAN, "%.1f");
			num_cell(f, all ? json_number_value(json_object_get(all, "steal")) : NAN, "%.1f");
			for (int t = 0; t < ntop; t++) {
				json_t *d = json_object_get(json_object_get(json_object_get(m, "vmstat"),
									    "delta"), top[t]);

				num_cell(f, d ? (double)json_integer_value(d) : NAN, "%.0f");
			}
			json_object_foreach(irq, k, v)
				irqs += (double)json_integer_value(v);
			num_cell(f, irq ? irqs : NAN, "%.0f");
			v = json_object_get(json_object_get(json_object_get(m, "slab"), "delta"), "vm_area_struct");
			num_cell(f, v ? (double)json_integer_value(v) : NAN, "%+.0f");
			fputs("</tr>\n", f);
		}
		fputs("</tbody>\n</table></div>\n", f);
	}
}

/* Fields that name a run rather than describe it: always different, shown
 * in the table of runs, never in the diff. */
static const char *const identity_fields[] = { "label", "start", "end", "status", NULL };

static bool is_identity(const char *key)
{
	for (int i = 0; identity_fields[i]; i++)
		if (!strcmp(key, identity_fields[i]))
			return true;
	return false;
}

/* "2026-12-01T20:47:08Z" as "2026-12-01 20:47:08 UTC". */
static void iso_date(FILE *f, const char *iso)
{
	char d[64];

	snprintf(d, sizeof(d), "%s", iso ? iso : "-");
	if (strlen(d) == 20 && d[10] == 'T' && d[19] == 'Z') {
		d[10] = ' ';
		snprintf(d + 19, sizeof(d) - 19, " UTC");
	}
	html_esc(f, d);
}

/* The runs side by side: label, directory, when, status, points. */
static void runs_table(FILE *f, struct summary *runs, int nruns)
{
	fputs("<div class=\"tw\"><table class=\"meta\" id=\"runs-table\">\n<thead><tr><th></th>", f);
	for (int r = 0; r < nruns; r++) {
		fputs("<th>", f);
		html_esc(f, runs[r].label);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n<tr><th>directory</th>", f);
	for (int r = 0; r < nruns; r++) {
		fputs("<td>", f);
		html_esc(f, runs[r].dir);
		fputs("</td>", f);
	}
	for (int k = 1; k < 4; k++) {
		fprintf(f, "</tr>\n<tr><th>%s</th>", identity_fields[k]);
		for (int r = 0; r < nruns; r++) {
			const char *v = json_string_value(json_object_get(runs[r].meta,
									  identity_fields[k]));

			fputs("<td>", f);
			if (k < 3)
				iso_date(f, v);
			else
				html_esc(f, v ? v : "-");
			fputs("</td>", f);
		}
	}
	fputs("</tr>\n<tr><th>points</th>", f);
	for (int r = 0; r < nruns; r++) {
		int failed = 0;

		for (int i = 0; i < runs[r].npoints; i++)
			failed += runs[r].points[i].status && strcmp(runs[r].points[i].status, "ok");
		fprintf(f, "<td>%d (%d not ok)</td>", runs[r].npoints, failed);
	}
	fputs("</tr>\n</tbody>\n</table></div>\n", f);
}

/*
 * What differs between the runs' metadata: each field whose value is not
 * the same in every run (absent counts as a value), side by side, a cell
 * that differs from the first run's marked.  Returns how many fields.
 */
static bool same_value(json_t *flat_a, json_t *flat_b, const char *k)
{
	const char *a = json_string_value(json_object_get(flat_a, k));
	const char *b = json_string_value(json_object_get(flat_b, k));

	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int meta_diff(FILE *f, struct summary *runs, int nruns, json_t **flat)
{
	json_t *keys = json_object(), *differ = json_array(), *v;
	const char *k;
	size_t i;

	for (int r = 0; r < nruns; r++)
		json_object_foreach(flat[r], k, v)
			if (!is_identity(k))
				json_object_set_new(keys, k, json_true());
	json_object_foreach(keys, k, v) {
		bool same = true;

		for (int r = 1; r < nruns && same; r++)
			same = same_value(flat[0], flat[r], k);
		if (!same)
			json_array_append_new(differ, json_string(k));
	}
	if (json_array_size(differ)) {
		fputs("<div class=\"tw\"><table class=\"meta\" id=\"metadiff\">\n<thead><tr>"
		      "<th>field</th>", f);
		for (int r = 0; r < nruns; r++) {
			fputs("<th>", f);
			html_esc(f, runs[r].label);
			fputs("</th>", f);
		}
		fputs("</tr></thead>\n<tbody>\n", f);
	}
	json_array_foreach(differ, i, v) {
		k = json_string_value(v);
		fputs("<tr data-key=\"", f);
		html_esc(f, k);
		fputs("\"><th>", f);
		html_esc(f, k);
		fputs("</th>", f);
		for (int r = 0; r < nruns; r++) {
			const char *x = json_string_value(json_object_get(flat[r], k));

			fprintf(f, "<td%s>", r && !same_value(flat[0], flat[r], k) ?
				" class=\"differs\"" : "");
			html_esc(f, x ? x : "(absent)");
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	if (json_array_size(differ))
		fputs("</tbody>\n</table></div>\n", f);
	i = json_array_size(differ);
	json_decref(keys);
	json_decref(differ);
	return (int)i;
}

static void run_metadata(FILE *f, struct summary *runs, int nruns, json_t *unavail)
{
	json_t **flat = calloc((size_t)nruns, sizeof(*flat));

	if (!flat)
		return;
	for (int r = 0; r < nruns; r++) {
		flat[r] = json_object();
		meta_flatten(runs[r].meta, "", flat[r]);
	}
	fputs("<h2 id=\"runs\">Runs</h2>\n", f);
	runs_table(f, runs, nruns);
	if (nruns > 1) {
		fputs("<h3 id=\"differs\">What differs between the runs</h3>\n<p>Every metadata field "
		      "(kernel, command line, THP, CPU, topology, settings, the config's keys, ...) "
		      "whose value is not the same in all runs; a value that differs from the first "
		      "run's is marked.  Everything not listed is the same.</p>\n", f);
		if (!meta_diff(f, runs, nruns, flat))
			fputs("<p id=\"nodiff\">Nothing: the runs' metadata are the same apart from "
			      "their labels and times.</p>\n", f);
	}
	for (int r = 0; r < nruns; r++) {
		fputs("<details><summary>All metadata of ", f);
		html_esc(f, runs[r].label);
		fprintf(f, " (%zu fields)</summary>\n<div class=\"tw\"><table class=\"meta\">\n",
			json_object_size(flat[r]));
		flat_rows(f, flat[r]);
		fputs("</table></div></details>\n", f);
		for (int i = 0; i < runs[r].npoints; i++) {
			const struct point *p = &runs[r].points[i];

			if (!p->status || !strcmp(p->status, "ok"))
				continue;
			fputs("<p>", f);
			html_esc(f, runs[r].label);
			fputs(": point ", f);
			html_esc(f, p->id);
			fputs(" (", f);
			html_esc(f, p->group);
			fprintf(f, ", %d clients): ", p->clients);
			html_esc(f, p->status);
			if (p->reason) {
				fputs(": ", f);
				html_esc(f, p->reason);
			}
			fputs("</p>\n", f);
		}
		unavail_from_meta(unavail, runs[r].meta);
		json_decref(flat[r]);
	}
	free(flat);
}

int report_compare(const char *dir, char **dirs, int ndirs)
{
	struct plot_opts o = { .out_dir = dir, .png = true, .svg = true };
	json_t *images = json_array(), *unavail = json_object(), *im;
	struct summary *runs = calloc((size_t)ndirs, sizeof(*runs));
	char tmp[PATH_MAX], why[128], title[512] = "mmscale compare: ";
	int loaded = 0, rc = EXIT_FAIL, prc;
	FILE *f = NULL;
	size_t i;

	if (!runs) {
		errmsg(ENOMEM, "report");
		goto out;
	}
	for (; loaded < ndirs; loaded++) {
		rc = summary_load(dirs[loaded], &runs[loaded]);
		if (rc)
			goto out;
	}
	rc = EXIT_FAIL;
	if (mkdir_p(dir)) {
		errmsg(errno, "%s", dir);
		goto out;
	}
	/* The page stands without its pictures: say why instead. */
	prc = plot_available(why, sizeof(why));
	if (prc)
		unavail_add(unavail, "pictures", why + strlen("unavailable: "));
	else if ((prc = plot_runs(&o, runs, ndirs, images)))
		unavail_add(unavail, "pictures", "gnuplot failed (see its .log file here)");

	for (int r = 0; r < ndirs; r++)
		snprintf(title + strlen(title), sizeof(title) - strlen(title), "%s%s",
			 r ? " vs " : "", runs[r].label);
	f = page_open(dir, tmp, sizeof(tmp));
	if (!f)
		goto out;
	head(f, title);
	generated(f);
	{
		struct cmp c = { .runs = runs, .nruns = ndirs, .test = SIG_MMTESTS, .alpha = NAN };

		cmp_build(&c);
		compare_tables(f, &c);
		html_pivots(f, &c);
		html_studies(f, &c);
		cmp_free(&c);
	}
	fputs("<h2 id=\"pictures\">Pictures</h2>\n<div class=\"figs\">\n", f);
	if (!json_array_size(images))
		fputs("<p>None: see below for why.</p>\n", f);
	json_array_foreach(images, i, im)
		figure(f, json_string_value(json_object_get(im, "png")),
		       json_string_value(json_object_get(im, "title")),
		       json_string_value(json_object_get(im, "name")), true,
		       json_string_value(json_object_get(im, "data")));
	fputs("</div>\n", f);
	perf_tables(f, runs, ndirs, unavail);
	monitor_tables(f, runs, ndirs, unavail);
	run_metadata(f, runs, ndirs, unavail);
	unavail_list(f, unavail, true);
	rc = page_close(f, dir, tmp);
	f = NULL;
out:
	for (int r = 0; r < loaded; r++)
		summary_free(&runs[r]);
	free(runs);
	json_decref(images);
	json_decref(unavail);
	return rc;
}

/* ---- nightly ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.png files in dir, sorted; the caller frees. */
static int list_pngs(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	int n = 0;

	*out = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char **nv;

		if (l < 5 || strcmp(e->d_name + l - 4, ".png"))
			continue;
		nv = realloc(v, (size_t)(n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n] = strdup(e->d_name);
		if (v[n])
			n++;
	}
	closedir(d);
	qsort(v, (size_t)n, sizeof(*v), cmp_str);
	*out = v;
	return n;
}

static void verdict_table(FILE *f, json_t *metrics)
{
	size_t i;
	json_t *m;

	fputs("<h2 id=\"comparison\">Metrics against the baseline</h2>\n"
	      "<div class=\"tw\"><table class=\"cmp\" id=\"verdict\">\n<thead><tr><th>stat</th><th>metric</th>"
	      "<th>group</th><th>baseline</th><th>tonight</th><th>change</th><th>p</th>"
	      "<th>CoeffVar</th><th>noise floor</th><th>verdict</th></tr></thead>\n<tbody>\n", f);
	json_array_foreach(metrics, i, m) {
		const char *cls = json_string_value(json_object_get(m, "class"));
		json_t *pct = json_object_get(m, "pct"), *p = json_object_get(m, "p");
		bool sig = json_is_true(json_object_get(m, "significant"));

		fprintf(f, "<tr class=\"row %s\" data-metric=\"", cls ? cls : "");
		html_esc(f, json_string_value(json_object_get(m, "name")));
		fputs("\"><td>", f);
		html_esc(f, json_string_value(json_object_get(m, "stat")));
		fputs("</td><td>", f);
		html_esc(f, json_string_value(json_object_get(m, "name")));
		fputs("</td><td>", f);
		html_esc(f, json_string_value(json_object_get(m, "group")));
		fputs("</td>", f);
		num_cell(f, json_is_number(json_object_get(m, "base_mean")) ?
			 json_number_value(json_object_get(m, "base_mean")) : NAN, "%14.4f");
		num_cell(f, json_is_number(json_object_get(m, "mean")) ?
			 json_number_value(json_object_get(m, "mean")) : NAN, "%14.4f");
		bool noise = cls && !strcmp(cls, "within-noise");

		fprintf(f, "<td class=\"num%s\">", sig && !noise ? " sig" : "");
		if (json_is_number(pct))
			/* compare's marks: a star, or ~ for a change inside the noise floor */
			fprintf(f, noise ? "~%7.2f%%~" : sig ? "*%7.2f%%*" : "(%7.2f%%)",
				json_number_value(pct));
		else
			fputs("-", f);
		fputs("</td>", f);
		num_cell(f, json_is_number(p) ? json_number_value(p) : NAN, "%.4f");
		num_cell(f, json_is_number(json_object_get(m, "coeffvar")) ?
			 json_number_value(json_object_get(m, "coeffvar")) : NAN, "%.2f%%");
		num_cell(f, json_is_number(json_object_get(m, "floor_pct")) ?
			 json_number_value(json_object_get(m, "floor_pct")) : NAN, "%.2f%%");
		fputs("<td class=\"", f);
		html_esc(f, cls);
		fputs("\">", f);
		html_esc(f, cls);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table></div>\n", f);
}

/* Which calibration floored the verdict, and how many metrics it took. */
static void nightly_floor(FILE *f, json_t *verdict)
{
	json_t *nf = json_object_get(verdict, "noise_floor");
	char when[64];

	if (!json_is_object(nf)) {
		fputs("<p>Noise floor: none (no calibration of this machine and config; "
		      "<code>mmscale calibrate --db</code> stores one).</p>\n", f);
		return;
	}
	scalar_text("time", json_object_get(nf, "time"), when, sizeof(when));
	fputs("<p>Noise floor: calibration <code>", f);
	html_esc(f, json_string_value(json_object_get(nf, "label")));
	fprintf(f, "</code> (%s, %lld runs, from ", when,
		(long long)json_integer_value(json_object_get(nf, "runs")));
	html_esc(f, json_string_value(json_object_get(nf, "source")));
	fprintf(f, "): a change within t(0.975; n-1) &times; &radic;2 &times; cv_between of its n runs is noise; "
		"%lld metric(s) within it, marked <code>~x%%~</code>.</p>\n",
		(long long)json_integer_value(json_object_get(verdict, "within_noise")));
}

int report_nightly(const char *dir, json_t *verdict)
{
	json_t *run = json_object_get(verdict, "run"), *unavail = json_object();
	json_t *base = json_object_get(verdict, "baseline"), *b, *v;
	const char *vs = json_string_value(json_object_get(verdict, "verdict"));
	const char *k;
	char tmp[PATH_MAX], title[512], **pngs = NULL;
	int npng, rc = EXIT_FAIL;
	bool known;
	size_t i;
	FILE *f;

	if (!json_is_object(verdict)) {
		errmsg(0, "report_nightly: no verdict");
		json_decref(unavail);
		return EXIT_USAGE;
	}
	snprintf(title, sizeof(title), "mmscale nightly: %s",
		 json_string_value(json_object_get(run, "label")) ?: "?");
	f = page_open(dir, tmp, sizeof(tmp));
	if (!f)
		goto out;
	head(f, title);
	generated(f);
	fprintf(f, "<p>Verdict: <span class=\"%s\">", vs && !strcmp(vs, "regression") ?
		"regression" : "ok");
	html_esc(f, vs ? vs : "?");
	fprintf(f, "</span>: %lld regression(s), %lld improvement(s) beyond %.4g%% "
		"(test %s, alpha %.4g).</p>\n",
		(long long)json_integer_value(json_object_get(verdict, "regressions")),
		(long long)json_integer_value(json_object_get(verdict, "improvements")),
		json_number_value(json_object_get(verdict, "threshold_pct")),
		json_string_value(json_object_get(verdict, "test")) ?: "?",
		json_number_value(json_object_get(verdict, "alpha")));
	nightly_floor(f, verdict);
	fputs("<p>Baseline ", f);
	html_esc(f, json_string_value(json_object_get(base, "spec")));
	fputs(":", f);
	json_array_foreach(json_object_get(base, "runs"), i, b) {
		char when[64];

		fputs(i ? ", " : " ", f);
		html_esc(f, json_string_value(json_object_get(b, "label")));
		scalar_text("time", json_object_get(b, "time"), when, sizeof(when));
		fputs(" (", f);
		html_esc(f, when);
		fputs(", ", f);
		html_esc(f, json_string_value(json_object_get(b, "kernel")) ?: "?");
		fputs(")", f);
	}
	if (!json_array_size(json_object_get(base, "runs")))
		fputs(" no earlier good run", f);
	fputs(".</p>\n", f);
	verdict_table(f, json_object_get(verdict, "metrics"));

	fputs("<h2 id=\"pictures\">Pictures</h2>\n<div class=\"figs\">\n", f);
	npng = list_pngs(dir, &pngs);
	if (!npng)
		fputs("<p>None.</p>\n", f);
	for (int j = 0; j < npng; j++) {
		char name[PATH_MAX], svg[PATH_MAX * 2], gp[PATH_MAX + 8], dat[PATH_MAX + 8];
		bool svg_ok;

		snprintf(name, sizeof(name), "%.*s", (int)strlen(pngs[j]) - 4, pngs[j]);
		snprintf(svg, sizeof(svg), "%s/%s.svg", dir, name);
		snprintf(gp, sizeof(gp), "%s/%s.gp", dir, name);
		svg_ok = !access(svg, R_OK);
		snprintf(dat, sizeof(dat), "%s.dat", name);
		snprintf(svg, sizeof(svg), "%s/%s", dir, dat);
		figure(f, pngs[j], name, access(gp, R_OK) ? NULL : name, svg_ok,
		       access(svg, R_OK) ? NULL : dat);
		free(pngs[j]);
	}
	free(pngs);
	fputs("</div>\n", f);

	fputs("<h2 id=\"runs\">Run</h2>\n<div class=\"tw\"><table class=\"meta\">\n", f);
	meta_rows(f, run);
	fputs("</table></div>\n", f);
	/* what the machine lacked: from the verdict if it carries it, else
	 * from the run's own meta.json when the verdict names its directory */
	known = json_is_object(json_object_get(run, "unavailable")) ||
		json_is_object(json_object_get(verdict, "unavailable"));
	json_object_foreach(json_object_get(run, "unavailable"), k, v)
		if (json_is_string(v))
			unavail_add(unavail, k, json_string_value(v));
	json_object_foreach(json_object_get(verdict, "unavailable"), k, v)
		if (json_is_string(v))
			unavail_add(unavail, k, json_string_value(v));
	if (json_is_string(json_object_get(run, "dir"))) {
		char mp[PATH_MAX];
		json_t *meta;

		snprintf(mp, sizeof(mp), "%s/meta.json", json_string_value(json_object_get(run, "dir")));
		meta = json_load_file(mp, 0, NULL);
		if (meta) {
			known = true;
			unavail_from_meta(unavail, meta);
			json_decref(meta);
		}
	}
	unavail_list(f, unavail, known);
	rc = page_close(f, dir, tmp);
out:
	json_decref(unavail);
	return rc;
}
