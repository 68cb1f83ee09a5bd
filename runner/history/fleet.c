/*
 * fleet.c - `mmscale fleet`: the whole history at a glance.  One line per
 * machine x config x headline metric: the last night's value, its verdict
 * (the stored judgement of that night, per metric), and the latest change
 * point of the series (changes.h) over the last FLEET_NIGHTS nights.
 * `--report DIR` writes the same as an HTML page with a small trend per
 * cell (an SVG of its own: no gnuplot, no script, nothing fetched).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <jansson.h>
#include "harness.h"
#include "commands.h"
#include "changes.h"
#include "report.h"
#include "store.h"
#include "summary.h"

/* The nights a cell's change points and trend are taken over. */
#define FLEET_NIGHTS 90

enum fleet_exit {
	FLEET_OK = 0,		/* no machine's last night regressed */
	FLEET_REGRESSION = 1,	/* a machine's last night is flagged */
};

struct cell {
	char *machine, *cpu, *config, *row, *label, *kernel;
	int64_t time;
	double value;
	int good;		/* of the last night */
	bool regressed;		/* this metric regressed in the last night's verdict */
	bool has_change;
	struct change change;
	char *change_label;
	int64_t change_time;
	int n;			/* the trend */
	double *trend;
	bool *flagged;
};

struct fleet {
	struct store *st;
	struct cell *c;
	int n, cap;
	int regressed_machines;
};

/* Did ROW regress in the stored verdict JSON (verdict.h's keys)? */
static bool metric_regressed(const char *verdict, const char *row)
{
	json_t *j = verdict ? json_loads(verdict, 0, NULL) : NULL, *m;
	bool hit = false;
	size_t i;

	json_array_foreach(json_object_get(j, "metrics"), i, m) {
		const char *name = json_string_value(json_object_get(m, "name"));
		const char *cls = json_string_value(json_object_get(m, "class"));

		if (name && cls && !strcmp(name, row) && !strcmp(cls, "regression"))
			hit = true;
	}
	json_decref(j);
	return hit;
}

static int add_cell(void *arg, const struct series *sr)
{
	struct fleet *fl = arg;
	const struct store_sample *last;
	struct change ch[64];
	struct cell *c;
	char row[256], *verdict = NULL;
	int n, rc;

	if (!sr->n)
		return 0;
	last = &sr->s[sr->n - 1];
	if (fl->n == fl->cap)
		fl->c = xrealloc(fl->c, fl->cap = fl->cap ? 2 * fl->cap : 32, sizeof(*fl->c));
	c = &fl->c[fl->n++];
	point_row_name(sr->metric, sr->clients, row, sizeof(row));
	*c = (struct cell){
		.machine = xstrdup(last->run.hostname), .cpu = xstrdup(last->run.cpu_model),
		.config = xstrdup(last->run.config_name), .row = xstrdup(row),
		.label = xstrdup(last->run.label), .kernel = xstrdup(last->run.kernel),
		.time = last->run.time, .value = last->mean, .good = last->run.good,
		.n = sr->n, .trend = xcalloc(sr->n, sizeof(double)),
		.flagged = xcalloc(sr->n, sizeof(bool)),
	};
	for (int i = 0; i < sr->n; i++) {
		c->trend[i] = sr->s[i].mean;
		c->flagged[i] = sr->s[i].run.good == STORE_FLAGGED;
	}
	if (c->good == STORE_FLAGGED) {
		rc = store_run_verdict(fl->st, last->run.id, &verdict);
		if (rc)
			return rc;
		c->regressed = metric_regressed(verdict, row);
		free(verdict);
	}
	n = series_changes(sr, ch, 64);
	if (n) {
		c->has_change = true;
		c->change = ch[n - 1];
		c->change_label = xstrdup(sr->s[ch[n - 1].at].run.label);
		c->change_time = sr->s[ch[n - 1].at].run.time;
	}
	return 0;
}

static int by_cell(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;
	int d = strcmp(x->machine, y->machine);

	d = d ? d : strcmp(x->config, y->config);
	return d ? d : strcmp(x->row, y->row);
}

static void cells_free(struct fleet *fl)
{
	for (int i = 0; i < fl->n; i++) {
		struct cell *c = &fl->c[i];

		free(c->machine);
		free(c->cpu);
		free(c->config);
		free(c->row);
		free(c->label);
		free(c->kernel);
		free(c->change_label);
		free(c->trend);
		free(c->flagged);
	}
	free(fl->c);
}

static const char *cell_verdict(const struct cell *c)
{
	if (c->regressed)
		return "REGRESSION";
	return c->good == STORE_UNJUDGED ? "-" : c->good == STORE_FLAGGED ? "flagged" : "ok";
}

static void day(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(buf, n, "%Y-%m-%d", gmtime_r(&tt, &tm));
}

static void change_text(const struct cell *c, char *buf, size_t n)
{
	char when[32];

	if (!c->has_change) {
		snprintf(buf, n, "none");
		return;
	}
	day(c->change_time, when, sizeof(when));
	snprintf(buf, n, "%s %s %+.2f%%", when, c->change_label, change_pct(&c->change));
}

static void print_cells(const struct fleet *fl)
{
	char when[32], ch[160];

	printf("%-16s  %-16s  %-18s  %-10s  %-20s  %16s  %-10s  %s\n", "machine", "config",
	       "metric", "last night", "label", "value", "verdict", "latest change");
	for (int i = 0; i < fl->n; i++) {
		const struct cell *c = &fl->c[i];

		day(c->time, when, sizeof(when));
		change_text(c, ch, sizeof(ch));
		printf("%-16s  %-16s  %-18s  %-10s  %-20s  %16.4f  %-10s  %s\n", c->machine,
		       c->config, c->row, when, c->label, c->value, cell_verdict(c), ch);
	}
}

/* ---- the page ---------------------------------------------------------- */

/* A 160x40 trend: the nights' values, flagged ones red, the latest change
 * point as a dashed line. */
static int write_svg(const char *path, const struct cell *c, int first_index)
{
	FILE *f = fopen(path, "w");
	double lo = INFINITY, hi = -INFINITY, w = 160, h = 40;

	if (!f) {
		errmsg(errno, "fleet: %s", path);
		return EXIT_NORES;
	}
	for (int i = 0; i < c->n; i++) {
		lo = fmin(lo, c->trend[i]);
		hi = fmax(hi, c->trend[i]);
	}
	if (!(hi > lo))
		hi = lo + 1;
#define X(i) (c->n > 1 ? 2 + (w - 4) * (i) / (c->n - 1) : w / 2)
#define Y(v) (h - 3 - (h - 6) * ((v) - lo) / (hi - lo))
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
		"viewBox=\"0 0 %g %g\"><rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>",
		w, h, w, h);
	if (c->has_change && c->change.at - first_index >= 0)
		fprintf(f, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%g\" stroke=\"#888\" "
			"stroke-dasharray=\"3,2\"/>", X(c->change.at - first_index),
			X(c->change.at - first_index), h);
	fprintf(f, "<polyline fill=\"none\" stroke=\"#36c\" stroke-width=\"1.2\" points=\"");
	for (int i = 0; i < c->n; i++)
		fprintf(f, "%s%.1f,%.1f", i ? " " : "", X(i), Y(c->trend[i]));
	fprintf(f, "\"/>");
	for (int i = 0; i < c->n; i++)
		if (c->flagged[i])
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#c00\"/>", X(i),
				Y(c->trend[i]));
	fprintf(f, "</svg>\n");
#undef X
#undef Y
	return fclose(f) ? (errmsg(errno, "fleet: %s", path), EXIT_NORES) : 0;
}

static const char fleet_css[] =
	"body{font-family:sans-serif;margin:1em 1.5em;color:#222}h1{font-size:1.5em}"
	".tw{overflow-x:auto;max-width:100%}table{border-collapse:collapse;font-size:.9em}"
	"th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}"
	"td.regression{background:#f8dcdc}td.ok{background:#eef7ee}"
	".v{font-family:monospace}.verdict{font-weight:bold}img{display:block;width:160px;height:40px}"
	".ch{font-size:.85em;color:#555}";

static int write_report(const struct fleet *fl, const char *dir)
{
	char path[PATH_MAX], when[32], ch[160];
	FILE *f;
	int rc = 0;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		errmsg(errno, "fleet: %s", dir);
		return EXIT_NORES;
	}
	for (int i = 0; i < fl->n && !rc; i++) {
		snprintf(path, sizeof(path), "%s/cell-%03d.svg", dir, i);
		rc = write_svg(path, &fl->c[i], 0);
	}
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/index.html", dir);
	f = fopen(path, "w");
	if (!f) {
		errmsg(errno, "fleet: %s", path);
		return EXIT_NORES;
	}
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<title>mmscale fleet</title>\n<style>%s</style>\n</head>\n<body>\n"
		"<h1>mmscale fleet</h1>\n<p>%d cells; %d machine%s whose last night regressed. "
		"Each trend: the last %d nights, flagged nights red, the latest change point "
		"dashed.</p>\n<div class=\"tw\"><table>\n<tr><th>machine</th><th>config</th>"
		"<th>metric</th><th>last night</th><th>value</th><th>verdict</th>"
		"<th>trend and latest change</th></tr>\n", fleet_css, fl->n,
		fl->regressed_machines, fl->regressed_machines == 1 ? "" : "s", FLEET_NIGHTS);
	for (int i = 0; i < fl->n; i++) {
		const struct cell *c = &fl->c[i];

		day(c->time, when, sizeof(when));
		change_text(c, ch, sizeof(ch));
		fprintf(f, "<tr><td>");
		html_esc(f, c->machine);
		fprintf(f, "</td><td>");
		html_esc(f, c->config);
		fprintf(f, "</td><td>");
		html_esc(f, c->row);
		fprintf(f, "</td><td>%s ", when);
		html_esc(f, c->label);
		fprintf(f, "<br><span class=\"ch\">");
		html_esc(f, c->kernel);
		fprintf(f, "</span></td><td class=\"v\">%.4f</td><td class=\"verdict %s\">%s</td>"
			"<td><img src=\"cell-%03d.svg\" alt=\"trend of ", c->value,
			c->regressed ? "regression" : c->good == STORE_GOOD ? "ok" : "",
			cell_verdict(c), i);
		html_esc(f, c->row);
		fprintf(f, "\"><span class=\"ch\">change: ");
		html_esc(f, ch);
		fprintf(f, "</span></td></tr>\n");
	}
	fprintf(f, "</table></div>\n</body>\n</html>\n");
	return fclose(f) ? (errmsg(errno, "fleet: %s", path), EXIT_NORES) : 0;
}

/* ---- the command ------------------------------------------------------- */

struct fleet_args {
	const char *db, *machine, *config, *report;
};

#define A(f) OPT_OFF(struct fleet_args, f)
static const struct opt fleet_opts[] = {
	{ "machine", 'm', OPT_STR, A(machine), .arg = "HOST", .help = "only this machine" },
	{ "config", 'c', OPT_STR, A(config), .arg = "NAME|HASH", .help = "only this config" },
	{ "report", 'r', OPT_STR, A(report), .arg = "DIR",
	  .help = "also write DIR/index.html with a small trend per cell" },
	{ "db", 'd', OPT_STR, A(db), .arg = "DB", .help = STORE_DB_HELP },
	{ 0 }
};
#undef A

static const struct cli_exit fleet_exits[] = {
	{ FLEET_OK, "no machine's last night regressed" },
	{ FLEET_REGRESSION, "a machine's last night regressed (flagged by nightly)" },
	CLI_EXITS_COMMON,
	{ -1 }
};

static int fleet_main(void *opts, int argc, char **argv)
{
	const struct fleet_args *a = opts;
	struct store_filter f = { .machine = a->machine, .config = a->config };
	struct fleet fl = { 0 };
	int rc;

	rc = store_open_existing(a->db, &fl.st);
	if (rc)
		return rc;
	rc = history_series_each(fl.st, &f, 0, FLEET_NIGHTS, add_cell, &fl);
	if (rc)
		goto out;
	/* a machine + config whose last night is flagged */
	for (int i = 0; i < fl.n; i++) {
		bool seen = false;

		for (int k = 0; k < i && !seen; k++)
			seen = !strcmp(fl.c[k].machine, fl.c[i].machine) &&
			       !strcmp(fl.c[k].cpu, fl.c[i].cpu) && !strcmp(fl.c[k].config, fl.c[i].config);
		fl.regressed_machines += !seen && fl.c[i].good == STORE_FLAGGED;
	}
	qsort(fl.c, fl.n, sizeof(*fl.c), by_cell);
	print_cells(&fl);
	if (a->report)
		rc = write_report(&fl, a->report);
	if (!rc)
		rc = fl.regressed_machines ? FLEET_REGRESSION : FLEET_OK;
out:
	cells_free(&fl);
	store_close(fl.st);
	return rc;
}

const struct cli_command cli_cmd_fleet = {
	.name = "fleet", .operands = "", .min_operands = 0, .max_operands = 0,
	.summary = "every machine x config x headline metric of the history at a glance",
	.description =
		"One line per machine, config and headline metric: the last night's value\n"
		"and verdict (REGRESSION: this metric regressed that night; flagged: another\n"
		"one did), and the latest change point of the series over the last 90\n"
		"nights.  --report DIR writes the same as a page with a trend per cell.\n",
	.opts = fleet_opts, .opts_size = sizeof(struct fleet_args),
	.exits = fleet_exits, .main = fleet_main,
};
