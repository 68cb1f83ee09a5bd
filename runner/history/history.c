/*
 * history.c - `mmscale import` and `mmscale history`: results directories
 * into the history database (store.h) and series back out of it.
 *
 * Import reads a results directory through summary.h only, takes the
 * machine identity (hostname + CPU model), kernel, config and start time
 * from meta.json, and stores the run with every point's raw values and
 * summaries in one transaction.  The run's key is (machine, label, start
 * time), so importing the same directory twice changes nothing.
 *
 * Synthetic nights for tests and benchmarks are not imported here: that is
 * tools/synth-history.c (mmscale-synth-history), so this file only ever
 * stores what was measured.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "harness.h"
#include "options.h"
#include "commands.h"
#include "db.h"
#include "changes.h"
#include "store.h"
#include "meta.h"
#include "runstate.h"
#include "summary.h"
#include "sysinfo.h"

static void *must(void *p)
{
	if (!p)
		die(EXIT_NORES, ENOMEM, "history");
	return p;
}

/* ---- meta.json --------------------------------------------------------- */

#define PATHS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ISO 8601 ("2026-11-22T05:18:19Z", "...+01:00") or epoch seconds. */
static int64_t parse_time(json_t *j)
{
	struct tm tm = { 0 };
	const char *s, *rest;
	int64_t t;

	if (json_is_number(j))
		return (int64_t)json_number_value(j);
	if (!json_is_string(j))
		return 0;
	s = json_string_value(j);
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		rest = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!rest)
		return 0;
	t = timegm(&tm);
	if (*rest == '.')
		while (*++rest >= '0' && *rest <= '9')
			;
	if ((rest[0] == '+' || rest[0] == '-') && strlen(rest) >= 5) {
		int hh = 0, mm = 0;

		if (sscanf(rest + 1, "%2d:%2d", &hh, &mm) == 2 ||
		    sscanf(rest + 1, "%2d%2d", &hh, &mm) == 2)
			t -= (rest[0] == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
	}
	return t;
}

static char *config_name(json_t *meta)
{
	const char *name = meta_str(meta, "config.name");
	const char *path = meta_str(meta, "config.path");
	char *s, *dot;

	if (name)
		return must(strdup(name));
	if (!path)
		return must(strdup("unknown"));
	s = must(strdup(strrchr(path, '/') ? strrchr(path, '/') + 1 : path));
	dot = strrchr(s, '.');
	if (dot && !strcmp(dot, ".conf"))
		*dot = 0;
	return s;
}

/* The switches that change what a run measures: the run settings (THP,
 * ASLR, perf, iterations...) without paths and timeouts, and the THP mode
 * the machine actually had. */
static json_t *run_toggles(json_t *meta)
{
	json_t *t = meta_get(meta, PATHS("toggles"));
	json_t *thp = meta_get(meta, PATHS("mm.thp_enabled"));

	if (json_is_object(t))
		return json_incref(t);
	t = json_deep_copy(meta_get(meta, PATHS("settings")));
	if (!json_is_object(t)) {
		json_decref(t);
		t = json_object();
	}
	json_object_del(t, "bindir");
	json_object_del(t, "watchdog");
	if (json_is_string(thp))
		json_object_set(t, "thp_enabled", thp);
	return t;
}

struct meta_run {
	struct store_run run;
	char host[HOST_NAME_MAX + 1];
	char *config, *toggles;
};

static void meta_to_run(const struct summary *s, const char *dir, struct meta_run *m)
{
	json_t *meta = s->meta, *toggles;
	const char *host;

	memset(m, 0, sizeof(*m));
	host = meta_str(meta, "hostname");
	/* Older meta.json had no hostname; an import normally runs on the
	 * machine that produced the run. */
	if (!host && gethostname(m->host, sizeof(m->host)) == 0)
		host = m->host;
	m->config = config_name(meta);
	toggles = run_toggles(meta);
	m->toggles = json_dumps(toggles, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(toggles);
	must(m->toggles);
	m->run = (struct store_run){
		.hostname = host ? host : "unknown",
		.cpu_model = meta_str(meta, "cpu.model_name"),
		.kernel = meta_str(meta, "kernel.release"),
		.config_name = m->config,
		.config_hash = meta_str(meta, "config.hash"),
		.toggles = m->toggles,
		.label = s->label ? s->label : meta_str(meta, "label"),
		.time = parse_time(meta_at(meta, "start")),
		.status = meta_str(meta, "status"),
		.good = STORE_UNJUDGED,
	};
	if (!m->run.label) {
		const char *slash = strrchr(dir, '/');

		m->run.label = slash && slash[1] ? slash + 1 : dir;
	}
	/* Hash of nothing is still a key: runs without a recorded hash group
	 * by config name. */
	if (!m->run.config_hash)
		m->run.config_hash = m->config;
	/* what the store keeps for a field meta.json did not have */
	if (!m->run.cpu_model)
		m->run.cpu_model = "unknown";
	if (!m->run.kernel)
		m->run.kernel = "unknown";
	if (!m->run.status)
		m->run.status = "complete";
}

static void meta_run_free(struct meta_run *m)
{
	free(m->config);
	free(m->toggles);
}

/* ---- import ------------------------------------------------------------ */

/*
 * How long a point ran and in how many iterations, for `plan --db`:
 * point.json's wall_sec, the run's warm-up, the pilot and kept iterations
 * of extra.precision (or the values, before adaptive iterations).
 * wall_sec stays 0 without a point.json.
 */
static void point_timing(const char *dir, json_t *meta, const struct point *p,
			 struct store_point *sp)
{
	char path[PATH_MAX];
	json_t *pj, *prec = json_object_get(p->extra, "precision");
	json_t *warmup = meta_at(meta, "settings.warmup");

	if (snprintf(path, sizeof(path), "%s/points/%s/point.json", dir, p->id) >= (int)sizeof(path))
		return;
	pj = json_load_file(path, 0, NULL);
	if (json_is_number(json_object_get(pj, "wall_sec")))
		sp->wall_sec = json_number_value(json_object_get(pj, "wall_sec"));
	json_decref(pj);
	sp->warmup = json_is_integer(warmup) ? (int)json_integer_value(warmup) : 0;
	sp->pilot = (int)json_integer_value(json_object_get(prec, "pilot"));
	sp->kept = json_is_integer(json_object_get(prec, "iterations")) ?
		   (int)json_integer_value(json_object_get(prec, "iterations")) :
		   p->nmetrics ? p->metrics[0].n : 0;
}

static int put_summary_point(struct store *st, int64_t run_id, const struct point *p,
			     const char *dir, json_t *meta)
{
	struct store_metric *ms = must(calloc(p->nmetrics + 1, sizeof(*ms)));
	char *params = p->params ? json_dumps(p->params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int rc;

	for (int i = 0; i < p->nmetrics; i++) {
		const struct metric *m = &p->metrics[i];

		ms[i] = (struct store_metric){
			.name = m->name, .dir = m->dir, .n = m->n, .values = m->values,
		};
		stats_compute_agg(m->values, m->n, m->dir, m->agg, &ms[i].st);
	}
	struct store_point sp = {
		.pid = p->id, .workload = p->workload, .group = p->group,
		.clients = p->clients, .status = p->status, .reason = p->reason,
		.params = params, .nmetrics = p->nmetrics, .metrics = ms,
	};

	point_timing(dir, meta, p, &sp);
	rc = store_put_point(st, run_id, &sp);
	free(params);
	free(ms);
	return rc;
}

int history_import_dir(struct store *st, const char *dir, struct store_run *out)
{
	struct summary s = { 0 };
	struct meta_run m;
	int rc;

	rc = summary_load(dir, &s);
	if (rc)
		return rc;
	meta_to_run(&s, dir, &m);
	/* without meta.json nothing says how (or whether) the run finished */
	if (!json_object_size(s.meta)) {
		errmsg(0, "%s/meta.json: missing: not a run to import (status, machine and kernel unknown)", dir);
		rc = EXIT_USAGE;
		goto out;
	}
	if (m.run.status && !strcmp(m.run.status, "running")) {
		char why[PATH_MAX + 512];

		/* running, or dead: then say how to finish it (runstate.h) */
		runstate_status(dir, s.meta, false, why, sizeof(why));
		errmsg(0, "%s: the run is %s; import it when it is finished", dir,
		       strcmp(why, "running") ? why : "still running");
		rc = EXIT_USAGE;
		goto out;
	}
	rc = store_begin(st);
	if (rc)
		goto out;
	rc = store_put_run(st, &m.run);
	for (int i = 0; i < s.npoints && !rc; i++)
		rc = put_summary_point(st, m.run.id, &s.points[i], dir, s.meta);
	if (!rc)
		rc = store_commit(st);
	else
		store_rollback(st);
	if (!rc && out)
		store_run_copy(out, &m.run);
out:
	meta_run_free(&m);
	summary_free(&s);
	return rc;
}

int history_import(const char *db, const char *dir)
{
	struct store *st;
	int rc = store_open(db, &st);

	if (rc)
		return rc;
	rc = history_import_dir(st, dir, NULL);
	store_close(st);
	return rc;
}

/* ---- calibrations ------------------------------------------------------ */

/* "configs/pft.conf" -> "pft": the config name as runs are kept under it */
static char *config_base(const char *path)
{
	const char *base = path ? strrchr(path, '/') ? strrchr(path, '/') + 1 : path : "unknown";
	size_t l = strlen(base);

	if (l > 5 && !strcmp(base + l - 5, ".conf"))
		l -= 5;
	return must(strndup(base, l));
}

int history_put_calibration(struct store *st, const struct calib *c)
{
	struct calib k = *c;
	int rc;

	k.config = config_base(c->config);
	/* as for runs: without a recorded hash the name is the key */
	if (!k.config_hash)
		k.config_hash = k.config;
	rc = store_begin(st);
	if (rc)
		goto out;
	rc = store_put_calibration(st, &k);
	if (!rc)
		rc = store_commit(st);
	else
		store_rollback(st);
out:
	free(k.config);
	return rc;
}

int history_newest_calibration(struct store *st, const char *hostname, const char *cpu_model,
			       const char *config_hash, struct calib *c, bool *found)
{
	struct store_filter f = { .machine = hostname, .cpu_model = cpu_model,
				  .config = config_hash };
	struct calib *all;
	int n, rc;

	*c = (struct calib){ 0 };
	*found = false;
	rc = store_query_calibrations(st, &f, &all, &n);
	if (rc)
		return rc;
	/* the filter matches a name or a hash; the calibration is of this
	 * hash (calibrations are few: all of them, the newest last) */
	for (int i = n - 1; i >= 0 && !*found; i--)
		if (!strcmp(all[i].config_hash, config_hash)) {
			*c = all[i];
			all[i] = (struct calib){ 0 };
			*found = true;
		}
	store_calibs_free(all, n);
	return 0;
}

/*
 * A calibration.json from before it recorded its machine: the machine of
 * its first run (DIR/../RUN/meta.json), the time of the file.  Returns 0
 * or EXIT_USAGE when neither says.
 */
static int calib_machine(struct calib *c, const char *dir)
{
	char parent[PATH_MAX], rdir[PATH_MAX + 256];
	struct stat sb;
	json_t *meta = NULL;
	bool missing = true;

	if (!c->time && c->path && !stat(c->path, &sb))
		c->time = (int64_t)sb.st_mtime;
	if (c->hostname)
		return 0;
	snprintf(parent, sizeof(parent), "%s", dir);
	if (strrchr(parent, '/'))
		*strrchr(parent, '/') = 0;
	else
		snprintf(parent, sizeof(parent), ".");
	if (c->nruns) {
		snprintf(rdir, sizeof(rdir), "%s/%s", parent, c->runs[0]);
		if (meta_load(rdir, &meta, &missing))
			meta = NULL;
	}
	if (meta && !missing && meta_str(meta, "hostname")) {
		c->hostname = must(strdup(meta_str(meta, "hostname")));
		c->cpu_model = must(strdup(meta_str(meta, "cpu.model_name") ?: "unknown"));
	}
	json_decref(meta);
	if (c->hostname)
		return 0;
	errmsg(0, "%s: the calibration records no machine, and its first run's meta.json "
	       "(%s) is not there to say", c->path, c->nruns ? rdir : "no runs listed");
	return EXIT_USAGE;
}

/* Is DIR (or the file DIR) a calibration rather than a run? */
static bool is_calibration(const char *dir)
{
	char path[PATH_MAX + 32];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/meta.json", dir);
	if (!stat(path, &sb))
		return false;
	snprintf(path, sizeof(path), "%s/" CALIB_FILE, dir);
	return !stat(path, &sb);
}

static int import_calibration(struct store *st, const char *dir, bool quiet)
{
	struct calib c;
	int rc = calib_load(dir, "import", &c);
	const char *slash;

	if (rc)
		return rc;
	/* the label: the calibration's directory, as calibrate names it */
	if (!c.label) {
		slash = strrchr(dir, '/');
		c.label = must(strdup(slash && slash[1] ? slash + 1 : dir));
	}
	rc = calib_machine(&c, dir);
	rc = rc ?: history_put_calibration(st, &c);
	if (!rc && !quiet) {
		char *name = config_base(c.config);

		printf("imported calibration %s: %s on %s, config %s, %d rows of %d runs\n", dir,
		       c.label, c.hostname, name, c.nrows, c.nruns);
		free(name);
	}
	calib_free(&c);
	return rc;
}

struct import_args {
	const char *db;
	bool quiet;
};

#define A(f) OPT_OFF(struct import_args, f)
static const struct opt import_opts[] = {
	{ "db", 'd', OPT_STR, A(db), .arg = "DB",
	  .help = STORE_DB_HELP },
	{ "quiet", 'q', OPT_BOOL, A(quiet), .help = "no output" },
	{ 0 }
};
#undef A

static const struct cli_exit import_exits[] = {
	{ EXIT_OK, "every run was stored" },
	{ EXIT_FAIL, "storing failed" },
	CLI_EXITS_COMMON,
	{ -1 }
};

static int import_main(void *opts, int argc, char **argv)
{
	const struct import_args *a = opts;
	struct store *st;
	int rc = store_open(a->db, &st);

	if (rc)
		return rc;
	for (int i = 0; i < argc && !rc; i++) {
		struct store_run r;
		char dir[PATH_MAX];

		rc = cli_results_dir(argv[i], dir, sizeof(dir));
		if (!rc && is_calibration(dir)) {
			rc = import_calibration(st, dir, a->quiet);
			continue;
		}
		if (!rc)
			rc = history_import_dir(st, dir, &r);
		if (rc)
			break;
		if (!a->quiet)
			printf("imported %s: %s on %s, kernel %s, config %s\n", dir, r.label,
			       r.hostname, r.kernel, r.config_name);
		store_run_clear(&r);
	}
	store_close(st);
	return rc;
}

const struct cli_command cli_cmd_import = {
	.name = "import", .operands = "RUN...", .min_operands = 1, .max_operands = -1,
	.summary = "store finished runs in the history database",
	.description =
		"RUN is a results directory or a label under results/.  Importing a run\n"
		"again replaces it: no duplicate rows.  A calibration directory (mmscale\n"
		"calibrate's RESULTS/L, holding calibration.json) is stored as this\n"
		"machine's calibration of its config, which nightly then uses.  (Synthetic\n"
		"nights for trying the verdict out: mmscale-synth-history.)\n",
	.opts = import_opts, .opts_size = sizeof(struct import_args),
	.exits = import_exits, .main = import_main,
};

/* ---- history ----------------------------------------------------------- */

static const char *good_word(int good)
{
	return good == STORE_GOOD ? "good" : good == STORE_FLAGGED ? "FLAGGED" : "-";
}

static void fmt_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(buf, n, "%Y-%m-%d %H:%M", gmtime_r(&tt, &tm));
}

static int print_runs(struct store *st, const struct store_filter *f)
{
	struct store_run *r;
	int n, rc;
	char when[32];

	rc = store_query_runs(st, f, &r, &n);
	if (rc)
		return rc;
	printf("%-16s  %-20s  %-16s  %-20s  %-16s  %-10s  %s\n", "time (UTC)", "label",
	       "machine", "kernel", "config", "status", "nightly");
	for (int i = 0; i < n; i++) {
		fmt_time(r[i].time, when, sizeof(when));
		printf("%-16s  %-20s  %-16s  %-20s  %-16s  %-10s  %s\n", when, r[i].label,
		       r[i].hostname, r[i].kernel, r[i].config_name, r[i].status,
		       good_word(r[i].good));
	}
	store_runs_free(r, n);
	return 0;
}

/*
 * The metric and client count of a row name ("faults/sec-2"): the names are
 * rendered from the rows the history holds (newest run first) and compared,
 * never taken apart.  Returns 0, EXIT_USAGE when no run has such a row
 * (naming the closest row there is).
 */
static int find_row(struct store *st, const struct store_filter *f, const char *name,
		    char *metric, size_t n, int *clients)
{
	struct store_run *runs;
	struct suggest sg;
	char rows[32][256], hint[320];
	int nruns, rc, found = 0, nrows = 0;

	rc = store_query_runs(st, f, &runs, &nruns);
	if (rc)
		return rc;
	suggest_reset(&sg, name);
	for (int r = nruns - 1; r >= 0 && !found && !rc; r--) {
		struct store_values *v;
		int nv;
		char row[256];

		rc = store_run_values(st, runs[r].id, &v, &nv);
		for (int i = 0; !rc && i < nv && !found; i++) {
			point_row_name(v[i].metric, v[i].clients, row, sizeof(row));
			if (strcmp(row, name)) {
				bool seen = false;

				for (int k = 0; k < nrows; k++)
					seen |= !strcmp(rows[k], row);
				if (!seen && nrows < 32) {
					snprintf(rows[nrows], sizeof(rows[0]), "%s", row);
					suggest_offer(&sg, rows[nrows++]);
				}
				continue;
			}
			snprintf(metric, n, "%s", v[i].metric);
			*clients = v[i].clients;
			found = 1;
		}
		if (!rc)
			store_values_free(v, nv);
	}
	store_runs_free(runs, nruns);
	if (!rc && !found) {
		errmsg(0, "--metric %s: no such row in the history%s (rows are METRIC-CLIENTS%s%s)",
		       name, suggest_text(&sg, "", hint, sizeof(hint)), nrows ? ", e.g. " : "",
		       nrows ? rows[0] : "");
		rc = EXIT_USAGE;
	}
	return rc;
}

static int print_series(struct store *st, const struct store_filter *f, const char *group,
			const char *name)
{
	struct store_sample *s;
	char metric[128], when[32];
	int n, clients = 0, rc;

	rc = find_row(st, f, name, metric, sizeof(metric), &clients);
	if (rc)
		return rc;
	rc = store_query_series(st, f, group, metric, clients, &s, &n);
	if (rc)
		return rc;
	if (!n) {
		store_samples_free(s, n);
		errmsg(0, "--metric %s: no run has it in group '%s'", name, group ? group : "");
		return EXIT_USAGE;
	}
	printf("%-16s  %-20s  %-16s  %-20s  %14s  %8s  %4s  %s\n", "time (UTC)", "label",
	       "machine", "kernel", name, "cv%", "n", "nightly");
	for (int i = 0; i < n; i++) {
		fmt_time(s[i].run.time, when, sizeof(when));
		printf("%-16s  %-20s  %-16s  %-20s  %14.4f  %8.2f  %4d  %s\n", when,
		       s[i].run.label, s[i].run.hostname, s[i].run.kernel, s[i].mean,
		       s[i].st.coeffvar, s[i].st.n, good_word(s[i].run.good));
	}
	store_samples_free(s, n);
	return 0;
}

/* ---- history --changes -------------------------------------------------- */

struct change_print {
	const char *row;		/* --metric: only this row */
	int series, found;
};

static int print_series_changes(void *arg, const struct series *sr)
{
	struct change_print *cp = arg;
	struct change c[64];
	char row[256], when[32];
	int n;

	point_row_name(sr->metric, sr->clients, row, sizeof(row));
	if (cp->row && strcmp(cp->row, row))
		return 0;
	if (!cp->series++)
		printf("%-16s  %-16s  %-18s  %-10s  %-20s  %-20s  %9s  %-6s  %s\n", "machine",
		       "config", "metric", "night", "label", "kernel", "shift", "", "p");
	n = series_changes(sr, c, 64);
	for (int i = 0; i < n; i++) {
		const struct store_run *r = &sr->s[c[i].at].run;
		time_t t = (time_t)r->time;
		struct tm tm;

		strftime(when, sizeof(when), "%Y-%m-%d", gmtime_r(&t, &tm));
		printf("%-16s  %-16s  %-18s  %-10s  %-20s  %-20s  %+8.2f%%  %-6s  %.4f\n",
		       r->hostname, r->config_name, row, when, r->label, r->kernel, change_pct(&c[i]),
		       change_is_worse(&c[i], sr->dir) ? "worse" : "better", c[i].p);
	}
	cp->found += n;
	return 0;
}

/* "2026-02-19" (UTC) -> epoch seconds; -1 when it is not a date */
static int64_t parse_date(const char *s)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%d", &tm);

	if (!end || *end)
		return -1;
	return (int64_t)timegm(&tm);
}

static int print_changes(struct store *st, const struct store_filter *f, const char *row,
			 const char *since)
{
	struct change_print cp = { .row = row };
	int64_t from = 0;
	int rc;

	if (since && (from = parse_date(since)) < 0) {
		errmsg(0, "--since %s: want a date, YYYY-MM-DD (UTC)", since);
		return EXIT_USAGE;
	}
	rc = history_series_each(st, f, from, 0, print_series_changes, &cp);
	if (rc)
		return rc;
	if (row && !cp.series) {
		errmsg(0, "--metric %s: no such row in the history", row);
		return EXIT_USAGE;
	}
	printf("%d change point%s in %d series (E-divisive means, 199 permutations, alpha 0.005)\n",
	       cp.found, cp.found == 1 ? "" : "s", cp.series);
	return 0;
}

static int print_calibrations(struct store *st, const struct store_filter *f)
{
	struct calib *c;
	char when[32], op[512];
	int n, rc;

	rc = store_query_calibrations(st, f, &c, &n);
	if (rc)
		return rc;
	printf("%-16s  %-20s  %-16s  %-16s  %4s  %4s\n", "time (UTC)", "label", "machine",
	       "config", "runs", "rows");
	for (int i = 0; i < n; i++) {
		fmt_time(c[i].time, when, sizeof(when));
		printf("%-16s  %-20s  %-16s  %-16s  %4d  %4d\n", when, c[i].label, c[i].hostname,
		       c[i].config, c[i].nruns, c[i].nrows);
		for (int k = 0; k < c[i].nrows; k++) {
			const struct calib_row *r = &c[i].rows[k];

			printf("    %-24s  %-18s  n %2d  cv_between %6.2f%%  floor %6.2f%%  "
			       "cv_within_mean %6.2f%%\n", r->group,
			       point_row_name(r->metric, r->clients, op, sizeof(op)), r->n,
			       r->cv_between, stats_noise_floor(r->cv_between, r->n), r->cv_within_mean);
		}
	}
	store_calibs_free(c, n);
	return 0;
}

static int copy_history(const char *from_db, const char *to_db)
{
	struct store *from = NULL, *to = NULL;
	long n[STORE_COPY_COUNTS];
	int rc;

	rc = store_open_existing(from_db, &from);
	rc = rc ?: store_open(to_db, &to);
	rc = rc ?: store_copy(from, to, n);
	if (!rc)
		printf("copied %s to %s: %ld machines, %ld runs, %ld points, %ld values, "
		       "%ld summaries, %ld calibrations\n", store_name(from), store_name(to), n[0],
		       n[1], n[2], n[3], n[4], n[5]);
	store_close(from);
	store_close(to);
	return rc;
}

struct history_args {
	const char *db, *machine, *config, *label, *metric, *group, *since, *copy;
	long last;
	bool changes, calibrations;
};

#define A(f) OPT_OFF(struct history_args, f)
static const struct opt history_opts[] = {
	{ "machine", 'm', OPT_STR, A(machine), .arg = "HOST", .help = "only this machine" },
	{ "config", 'c', OPT_STR, A(config), .arg = "NAME|HASH", .help = "only this config" },
	{ "label", 'l', OPT_STR, A(label), .arg = "L", .help = "only this label" },
	{ "metric", 'M', OPT_STR, A(metric), .arg = "METRIC-N",
	  .help = "print this metric's series at N clients, e.g. faults/sec-2" },
	{ "group", 'g', OPT_STR, A(group), .arg = "G", .help = "the point group of --metric" },
	{ "last", 'k', OPT_INT, A(last), .min = 1, .max = 1e9, .arg = "K",
	  .help = "only the K latest runs" },
	{ "changes", 'C', OPT_BOOL, A(changes),
	  .help = "the change points of every headline series, per machine and config "
		  "(E-divisive means with a permutation test)" },
	{ "calibrations", 0, OPT_BOOL, A(calibrations),
	  .help = "the stored calibrations (mmscale calibrate) with their rows: cv_between and "
		  "the noise floor nightly uses" },
	{ "copy", 0, OPT_STR, A(copy), .arg = "FROM",
	  .help = "copy every row of the history FROM (a file or URL) into TO, or into --db" },
	{ "since", 's', OPT_STR, A(since), .arg = "DATE",
	  .help = "with --changes: only the nights from DATE (YYYY-MM-DD, UTC) on" },
	{ "db", 'd', OPT_STR, A(db), .arg = "DB",
	  .help = STORE_DB_HELP },
	{ 0 }
};
#undef A

static const struct cli_exit history_exits[] = {
	{ EXIT_OK, "printed" },
	CLI_EXITS_COMMON,
	{ -1 }
};

static int history_main(void *opts, int argc, char **argv)
{
	const struct history_args *a = opts;
	struct store_filter f = {
		.machine = a->machine, .config = a->config, .label = a->label, .last = (int)a->last,
	};
	struct store *st;
	int rc;

	if (argc && !a->copy) {
		errmsg(0, "history: TO is the target of --copy FROM (see mmscale history --help)");
		return EXIT_USAGE;
	}
	if (a->copy)
		return copy_history(a->copy, argc ? argv[0] : a->db);
	rc = store_open_existing(a->db, &st);
	if (rc)
		return rc;
	if (a->since && !a->changes) {
		errmsg(0, "--since needs --changes");
		rc = EXIT_USAGE;
	} else if (a->calibrations && (a->changes || a->metric)) {
		errmsg(0, "--calibrations lists calibrations: no --changes, no --metric");
		rc = EXIT_USAGE;
	} else if (a->calibrations) {
		rc = print_calibrations(st, &f);
	} else if (a->changes) {
		rc = print_changes(st, &f, a->metric, a->since);
	} else {
		rc = a->metric ? print_series(st, &f, a->group, a->metric) : print_runs(st, &f);
	}
	store_close(st);
	return rc;
}

const struct cli_command cli_cmd_history = {
	.name = "history", .operands = "[TO]", .min_operands = 0, .max_operands = 1,
	.summary = "the runs in the history, or one metric's series over them",
	.description =
		"Without --metric, lists the runs; with it, prints the metric's series\n"
		"(Hmean for rates, Amean for times) over the runs, oldest first.  A metric\n"
		"the history has never stored is an error.  --changes prints where each\n"
		"headline series of each machine and config changed: the night, its label\n"
		"and kernel, the shift of the mean and its p-value.  --calibrations lists\n"
		"the stored calibrations.\n",
	.opts = history_opts, .opts_size = sizeof(struct history_args),
	.exits = history_exits, .main = history_main,
};
