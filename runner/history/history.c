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
 * `import --synthetic SPEC` fills the history with generated nights (GSL's
 * Mersenne Twister, fixed seed: the same SPEC gives the same db), for the
 * tests, the nightly benchmark and for trying the nightly verdict out.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "harness.h"
#include "commands.h"
#include "store.h"
#include "meta.h"
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

static int put_summary_point(struct store *st, int64_t run_id, const struct point *p)
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
	rc = store_put_point(st, run_id, &(struct store_point){
		.pid = p->id, .workload = p->workload, .group = p->group,
		.clients = p->clients, .status = p->status, .reason = p->reason,
		.params = params, .nmetrics = p->nmetrics, .metrics = ms,
	});
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
	if (m.run.status && !strcmp(m.run.status, "running")) {
		errmsg(0, "%s: the run is still running; import it when it is finished", dir);
		rc = EXIT_USAGE;
		goto out;
	}
	rc = store_begin(st);
	if (rc)
		goto out;
	rc = store_put_run(st, &m.run);
	for (int i = 0; i < s.npoints && !rc; i++)
		rc = put_summary_point(st, m.run.id, &s.points[i]);
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

/* ---- synthetic nights -------------------------------------------------- */

struct synth {
	int nights, iterations, nclients, nmetrics;
	unsigned long seed;
	double cv, night_cv;		/* percent */
	int step_night, step_clients;	/* from that night on, metric x (1+pct) */
	char *step_metric;
	double step_pct;
	int64_t start;
	const char *machine, *cpu, *config, *prefix, *kernel;
	int clients[64];
	char *metrics[16];
};

static int split_list(char *s, char **out, int max)
{
	int n = 0;

	for (char *save = NULL, *t = strtok_r(s, ":", &save); t; t = strtok_r(NULL, ":", &save))
		if (n < max)
			out[n++] = t;
	return n;
}

static int synth_bad(const char *spec, const char *what)
{
	errmsg(0, "--synthetic %s: %s", spec, what);
	return EXIT_USAGE;
}

/*
 * SPEC: comma-separated key=value, e.g.
 *   nights=60,machine=a,seed=1,clients=1:2,iterations=30,cv=2.5,step=50:faults/sec-2:-8
 * step=NIGHT:METRIC-N:PCT changes that metric by PCT percent from NIGHT on.
 */
static int synth_parse(char *spec, const char *orig, struct synth *y)
{
	char *cl = NULL, *me = NULL;

	*y = (struct synth){
		.nights = 60, .iterations = 30, .seed = 1, .cv = 2.5, .night_cv = 0.3,
		.start = 1767225600,	/* 2026-01-01 */
		.machine = "synth", .cpu = "Synthetic CPU @ 2.00GHz", .config = "pft-threads",
		.kernel = "6.18.0-synthetic",
	};
	for (char *save = NULL, *kv = strtok_r(spec, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *val = strchr(kv, '=');

		if (!val)
			return synth_bad(orig, "want key=value pairs");
		*val++ = 0;
		if (!strcmp(kv, "nights"))
			y->nights = atoi(val);
		else if (!strcmp(kv, "iterations"))
			y->iterations = atoi(val);
		else if (!strcmp(kv, "seed"))
			y->seed = strtoul(val, NULL, 10);
		else if (!strcmp(kv, "cv"))
			y->cv = atof(val);
		else if (!strcmp(kv, "nightcv"))
			y->night_cv = atof(val);
		else if (!strcmp(kv, "start"))
			y->start = strtoll(val, NULL, 10);
		else if (!strcmp(kv, "machine"))
			y->machine = val;
		else if (!strcmp(kv, "cpu"))
			y->cpu = val;
		else if (!strcmp(kv, "config"))
			y->config = val;
		else if (!strcmp(kv, "label"))
			y->prefix = val;
		else if (!strcmp(kv, "kernel"))
			y->kernel = val;
		else if (!strcmp(kv, "clients"))
			cl = val;
		else if (!strcmp(kv, "metrics"))
			me = val;
		else if (!strcmp(kv, "step")) {
			char *p[3], *dash;

			if (split_list(val, p, 3) != 3 || !(dash = strrchr(p[1], '-')))
				return synth_bad(orig, "step=NIGHT:METRIC-N:PCT");
			*dash = 0;
			y->step_night = atoi(p[0]);
			y->step_metric = p[1];
			y->step_clients = atoi(dash + 1);
			y->step_pct = atof(p[2]);
		} else {
			return synth_bad(orig, "unknown key (nights iterations seed cv nightcv "
					 "start machine cpu config label kernel clients metrics step)");
		}
	}
	if (cl) {
		char *c[64];

		y->nclients = split_list(cl, c, 64);
		for (int i = 0; i < y->nclients; i++)
			if ((y->clients[i] = atoi(c[i])) < 1)
				return synth_bad(orig, "clients must be >= 1");
	} else {
		y->nclients = 2;
		y->clients[0] = 1;
		y->clients[1] = 2;
	}
	if (me) {
		y->nmetrics = split_list(me, y->metrics, 16);
	} else {
		y->nmetrics = 2;
		y->metrics[0] = "faults/sec";
		y->metrics[1] = "faults/cpu";
	}
	if (y->nights < 1 || y->iterations < 2 || y->cv < 0 || y->night_cv < 0 ||
	    !y->nclients || !y->nmetrics)
		return synth_bad(orig, "need nights >= 1, iterations >= 2, cv >= 0");
	if (!y->prefix)
		y->prefix = y->machine;
	return 0;
}

/* Levels shaped like pft on a small machine: faults/sec grows with clients
 * and flattens, faults/cpu falls; anything else sits at 1e5. */
static double synth_level(const char *metric, int clients)
{
	double per = 500000 * (1 - 0.04 * (clients - 1) / (clients + 1.0));

	if (!strcmp(metric, "faults/sec"))
		return per * clients;
	if (!strcmp(metric, "faults/cpu"))
		return per;
	return 100000;
}

static int synth_night(struct store *st, const struct synth *y, gsl_rng *rng, int night,
		       double *vals)
{
	char label[128], pid[16], group[160];
	struct store_metric ms[16];
	struct store_run r = {
		.hostname = y->machine, .cpu_model = y->cpu, .kernel = y->kernel,
		.config_name = y->config, .config_hash = y->config, .toggles = "{}",
		.label = label, .time = y->start + (int64_t)night * 86400,
		.status = "complete", .good = STORE_UNJUDGED,
	};
	int rc;

	snprintf(label, sizeof(label), "%s-n%03d", y->prefix, night);
	snprintf(group, sizeof(group), "pft mode=threads");
	rc = store_begin(st);
	if (!rc)
		rc = store_put_run(st, &r);
	for (int c = 0; c < y->nclients && !rc; c++) {
		for (int k = 0; k < y->nmetrics; k++) {
			double *v = vals + k * y->iterations;
			/* boot-to-boot drift: the whole night moves a little */
			double level = synth_level(y->metrics[k], y->clients[c]) *
				       (1 + gsl_ran_gaussian(rng, y->night_cv / 100));

			if (y->step_night && night >= y->step_night &&
			    y->clients[c] == y->step_clients && !strcmp(y->metrics[k], y->step_metric))
				level *= 1 + y->step_pct / 100;
			for (int i = 0; i < y->iterations; i++)
				v[i] = level * (1 + gsl_ran_gaussian(rng, y->cv / 100));
			ms[k] = (struct store_metric){
				.name = y->metrics[k], .dir = BETTER_HIGHER,
				.n = y->iterations, .values = v,
			};
			stats_compute(v, y->iterations, BETTER_HIGHER, &ms[k].st);
		}
		snprintf(pid, sizeof(pid), "p%03d", c);
		rc = store_put_point(st, r.id, &(struct store_point){
			.pid = pid, .workload = "pft", .group = group, .clients = y->clients[c],
			.status = "ok", .nmetrics = y->nmetrics, .metrics = ms,
		});
	}
	if (!rc)
		return store_commit(st);
	store_rollback(st);
	return rc;
}

static int import_synthetic(struct store *st, const char *spec_arg, bool quiet)
{
	char *spec = must(strdup(spec_arg));
	struct synth y;
	gsl_rng *rng = NULL;
	double *vals = NULL;
	int rc;

	rc = synth_parse(spec, spec_arg, &y);
	if (rc)
		goto out;
	rng = must(gsl_rng_alloc(gsl_rng_mt19937));
	gsl_rng_set(rng, y.seed);
	vals = must(calloc((size_t)y.nmetrics * y.iterations, sizeof(double)));
	/* One transaction per night, as nightly imports arrive. */
	for (int night = 1; night <= y.nights && !rc; night++)
		rc = synth_night(st, &y, rng, night, vals);
	if (!rc && !quiet)
		printf("imported %d synthetic nights of %s (%s)\n", y.nights, y.machine, y.config);
out:
	gsl_rng_free(rng);
	free(vals);
	free(spec);
	return rc;
}

static void import_usage(FILE *f)
{
	fprintf(f, "usage: mmscale import DIR... [--db PATH]\n"
		   "       mmscale import --synthetic SPEC [--db PATH]\n"
		   "Store finished results directories in the history (default %s).\n"
		   "Importing a run again replaces it: no duplicate rows.  --quiet: no output.\n"
		   "SPEC (synthetic nights, GSL RNG, fixed seed): comma-separated key=value:\n"
		   "  nights=60 machine=synth cpu=MODEL config=pft-threads label=PREFIX seed=1\n"
		   "  clients=1:2 metrics=faults/sec:faults/cpu iterations=30 cv=2.5 nightcv=0.3\n"
		   "  start=EPOCH kernel=REL step=NIGHT:METRIC-N:PCT\n", STORE_DEFAULT_DB);
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "synthetic", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *db = NULL, *synthetic = NULL;
	bool quiet = false;
	struct store *st;
	int c, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 's': synthetic = optarg; break;
		case 'q': quiet = true; break;
		case 'h': import_usage(stdout); return EXIT_OK;
		default: import_usage(stderr); return EXIT_USAGE;
		}
	}
	if (!synthetic == (optind >= argc)) {
		errmsg(0, "import: give results directories or --synthetic SPEC");
		import_usage(stderr);
		return EXIT_USAGE;
	}
	rc = store_open(db, &st);
	if (rc)
		return rc;
	if (synthetic)
		rc = import_synthetic(st, synthetic, quiet);
	for (int i = optind; i < argc && !rc; i++) {
		struct store_run r;

		rc = history_import_dir(st, argv[i], &r);
		if (rc)
			break;
		if (!quiet)
			printf("imported %s: %s on %s, kernel %s, config %s\n", argv[i], r.label,
			       r.hostname, r.kernel, r.config_name);
		store_run_clear(&r);
	}
	store_close(st);
	return rc;
}

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
 * never taken apart.  Returns 0, EXIT_USAGE when no run has such a row.
 */
static int find_row(struct store *st, const struct store_filter *f, const char *name,
		    char *metric, size_t n, int *clients)
{
	struct store_run *runs;
	int nruns, rc, found = 0;

	rc = store_query_runs(st, f, &runs, &nruns);
	if (rc)
		return rc;
	for (int r = nruns - 1; r >= 0 && !found && !rc; r--) {
		struct store_values *v;
		int nv;
		char row[256];

		rc = store_run_values(st, runs[r].id, &v, &nv);
		for (int i = 0; !rc && i < nv && !found; i++) {
			if (strcmp(point_row_name(v[i].metric, v[i].clients, row, sizeof(row)), name))
				continue;
			snprintf(metric, n, "%s", v[i].metric);
			*clients = v[i].clients;
			found = 1;
		}
		if (!rc)
			store_values_free(v, nv);
	}
	store_runs_free(runs, nruns);
	if (!rc && !found) {
		errmsg(0, "--metric %s: no such row in the history (rows are METRIC-CLIENTS, "
		       "e.g. faults/sec-2)", name);
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

static void history_usage(FILE *f)
{
	fprintf(f, "usage: mmscale history [--machine HOST] [--config NAME|HASH] [--label L]\n"
		   "                       [--metric METRIC-N [--group G]] [--last K] [--db PATH]\n"
		   "Without --metric, list the runs; with it, print the metric's series\n"
		   "(Hmean for rates, Amean for times) over the runs, oldest first.\n");
}

int cmd_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "machine", required_argument, NULL, 'm' },
		{ "config", required_argument, NULL, 'c' },
		{ "label", required_argument, NULL, 'l' },
		{ "metric", required_argument, NULL, 'M' },
		{ "group", required_argument, NULL, 'g' },
		{ "last", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct store_filter f = { 0 };
	const char *db = NULL, *metric = NULL, *group = NULL;
	struct store *st;
	char *end;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:m:c:l:M:g:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'm': f.machine = optarg; break;
		case 'c': f.config = optarg; break;
		case 'l': f.label = optarg; break;
		case 'M': metric = optarg; break;
		case 'g': group = optarg; break;
		case 'k':
			f.last = (int)strtol(optarg, &end, 10);
			if (*end || f.last < 1) {
				errmsg(0, "--last %s: want a count >= 1", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': history_usage(stdout); return EXIT_OK;
		default: history_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		errmsg(0, "history: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (access(db ? db : STORE_DEFAULT_DB, F_OK)) {
		errmsg(errno, "%s", db ? db : STORE_DEFAULT_DB);
		return EXIT_NORES;
	}
	rc = store_open(db, &st);
	if (rc)
		return rc;
	rc = metric ? print_series(st, &f, group, metric) : print_runs(st, &f);
	store_close(st);
	return rc;
}
