/*
 * nightly.c - `mmscale nightly CONFIG`: run, store, judge, and end with an
 * exit code a cron job or CI can act on: nightly's own codes below (they
 * are not the suite's EXIT_* meanings: 1 and 3 say other things here).
 * `--judge-only LABEL` skips the run and judges a run already in the
 * history: re-judging a night, and how the tests drive the verdict on
 * synthetic nights without running workloads.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include "harness.h"
#include "commands.h"
#include "plot.h"
#include "report.h"
#include "run.h"
#include "store.h"
#include "changes.h"
#include "summary.h"
#include "verdict.h"

enum nightly_exit {
	NIGHTLY_OK = 0,			/* no significant regression beyond the threshold
					 * and the noise floor (or no baseline yet) */
	NIGHTLY_REGRESSION = 1,		/* a headline metric regressed (verdict.h's rule) */
	NIGHTLY_USAGE = EXIT_USAGE,	/* usage or config error */
	NIGHTLY_RUN_FAILED = 3,		/* the run did not finish, was not stored, or a
					 * point did not end ok (ok points still judged) */
	NIGHTLY_INTR = EXIT_INTR,	/* interrupted: the partial run is kept */
};

static const struct cli_exit nightly_exits[] = {
	{ NIGHTLY_OK, "no significant regression beyond the threshold and the noise floor "
		      "(or no baseline yet)" },
	{ NIGHTLY_REGRESSION, "a regression" },
	{ NIGHTLY_USAGE, "usage or config error (bad spec, unknown label or run)" },
	{ NIGHTLY_RUN_FAILED, "the run failed: it did not finish, was not stored, or a point "
			      "did not end ok (its ok points are still judged and printed)" },
	{ NIGHTLY_INTR, "interrupted: the partial run is kept, nothing judged" },
	{ -1 }
};

struct nightly {
	const char *config, *label, *judge_only, *machine, *db, *report, *results, *baseline;
	const char *since, *noise_floor;
	bool judge_all;
	long iterations;
	int test;	/* mmtests, welch */
	double threshold, alpha;	/* NAN: the default */
	bool json;
	struct verdict_opts vo;
};

#define A(f) OPT_OFF(struct nightly, f)
static const struct opt nightly_opts[] = {
	{ "baseline", 'b', OPT_STR, A(baseline), .arg = "SPEC",
	  .help = "window:K (the K latest good nights), last-good, or a LABEL "
		  "[" VERDICT_DEFAULT_BASELINE "]" },
	{ "threshold", 't', OPT_DOUBLE, A(threshold), .min = 0, .max = 1000, .arg = "PCT",
	  .help = "a regression is worse by more than PCT percent (default 2)" },
	{ "test", 'T', OPT_ENUM, A(test), "mmtests", "mmtests|welch",
	  .help = "significance test, as compare's" },
	{ "alpha", 'a', OPT_DOUBLE, A(alpha), .min = 1e-9, .max = 0.5,
	  .help = "significance level (default: the test's)" },
	{ "label", 'l', OPT_STR, A(label), .arg = "L",
	  .help = "the night's label (default nightly-<kernel>-<time>)" },
	{ "results", 'R', OPT_STR, A(results), .arg = "DIR", .help = "where runs go [results]" },
	{ "iterations", 'i', OPT_INT, A(iterations), .min = 1, .max = 1000000,
	  .help = "measured iterations per point, instead of the config's" },
	{ "judge-only", 'j', OPT_STR, A(judge_only), .arg = "LABEL",
	  .help = "judge this run already in the history; nothing is run" },
	{ "judge-all", 'A', OPT_BOOL, A(judge_all),
	  .help = "judge every night never judged, oldest first, as nightly would have; "
		  "nothing is run" },
	{ "since", 's', OPT_STR, A(since), .arg = "DATE",
	  .help = "judge (again) every night from DATE (YYYY-MM-DD, UTC) on, oldest first" },
	{ "machine", 'm', OPT_STR, A(machine), .arg = "HOST",
	  .help = "with --judge-only: the run's machine (default this one); with "
		  "--judge-all or --since: only this machine" },
	{ "report", 'r', OPT_STR, A(report), .arg = "DIR",
	  .help = "write trend pictures and an HTML page into DIR" },
	{ "noise-floor", 'N', OPT_STR, A(noise_floor), .arg = "CAL|history|off",
	  .help = "a change within the calibration's run-to-run spread is noise, not a "
		  "regression: CAL a calibration.json (or its directory), history the newest "
		  "calibration of the machine and config in the history, off none [the "
		  "config's [run] calibration, else history]" },
	{ "json", 'J', OPT_BOOL, A(json), .help = "print the verdict as JSON" },
	{ "db", 'd', OPT_STR, A(db), .arg = "DB",
	  .help = STORE_DB_HELP "; default: the config's [run] db first" },
	{ 0 }
};
#undef A

static void nightly_init(void *opts)
{
	struct nightly *n = opts;

	n->threshold = NAN;
	n->alpha = NAN;
}

/* --noise-floor: history (the default), off, or a calibration file. */
static int load_floor(struct nightly *n, struct calib *cal)
{
	int rc;

	if (!n->noise_floor || !strcmp(n->noise_floor, "history"))
		return 0;
	if (!strcmp(n->noise_floor, "off")) {
		n->vo.no_floor = true;
		return 0;
	}
	rc = calib_load(n->noise_floor, "--noise-floor", cal);
	if (rc)
		return NIGHTLY_USAGE;
	n->vo.calib = cal;
	n->vo.calib_source = cal->path;
	return 0;
}

/* A calibration file of another machine or config floors with a spread
 * this night did not have: say so (judged all the same). */
static void floor_mismatch(const struct calib *cal, const struct store_run *run)
{
	if (cal->hostname && strcmp(cal->hostname, run->hostname))
		errmsg(0, "nightly: warning: --noise-floor %s is of machine %s, the night's is %s",
		       cal->path, cal->hostname, run->hostname);
	if (cal->config_hash && strcmp(cal->config_hash, run->config_hash))
		errmsg(0, "nightly: warning: --noise-floor %s is of config hash %s, the night's is %s",
		       cal->path, cal->config_hash, run->config_hash);
}

static int parse_args(int argc, char **argv, struct nightly *n)
{
	int window;
	const char *label;

	n->vo = (struct verdict_opts)VERDICT_OPTS_DEFAULT;
	if (n->baseline)
		n->vo.baseline = n->baseline;
	if (!isnan(n->threshold))
		n->vo.threshold = n->threshold;
	if (!isnan(n->alpha))
		n->vo.alpha = n->alpha;
	if (n->test)
		n->vo.test = SIG_WELCH;
	if (argc)
		n->config = argv[0];
	if ((n->judge_all || n->since) && (n->config || n->judge_only)) {
		errmsg(0, "nightly: --judge-all and --since judge the history: no CONFIG, "
		       "no --judge-only");
		return NIGHTLY_USAGE;
	}
	if (!n->config && !n->judge_only && !n->judge_all && !n->since) {
		errmsg(0, "nightly: needs CONFIG, --judge-only LABEL, --judge-all or --since DATE "
		       "(see mmscale nightly --help)");
		return NIGHTLY_USAGE;
	}
	/* A bad spec should fail before an hour of running, not after. */
	return verdict_parse_baseline(n->vo.baseline, &window, &label);
}

/* The run's results under its own label, so nights never clash. */
static void default_label(char *buf, size_t len)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", gmtime_r(&now, &tm));
	snprintf(buf, len, "nightly-%s-%s", uname(&u) ? "unknown" : u.release, stamp);
}

static int run_and_import(struct store *st, const struct nightly *n, struct store_run *run,
			  char *outdir, size_t outlen)
{
	char label[256];
	struct run_request rq = {
		.config = n->config,
		.label = n->label,
		.results = n->results,
		.iterations = (int)n->iterations,
		/* imported below, into the store this command holds open */
		.no_import = true,
	};
	int rc;

	if (!rq.label) {
		default_label(label, sizeof(label));
		rq.label = label;
	}
	rc = run_config(&rq, outdir, outlen);
	if (rc == EXIT_USAGE)
		return NIGHTLY_USAGE;
	if (rc == EXIT_INTR)
		return NIGHTLY_INTR;
	if (rc) {
		errmsg(0, "nightly: the run of %s failed (exit %d)", n->config, rc);
		return NIGHTLY_RUN_FAILED;
	}
	rc = history_import_dir(st, outdir, run);
	if (rc) {
		errmsg(0, "nightly: %s could not be stored in the history", outdir);
		return NIGHTLY_RUN_FAILED;
	}
	return 0;
}

/* The config name as the history keeps it: basename without ".conf". */
static void config_key(const char *config, char *buf, size_t len)
{
	const char *base = strrchr(config, '/') ? strrchr(config, '/') + 1 : config;
	size_t l = strlen(base);

	if (l > 5 && !strcmp(base + l - 5, ".conf"))
		l -= 5;
	snprintf(buf, len, "%.*s", (int)l, base);
}

static int find_run(struct store *st, const struct nightly *n, struct store_run *run)
{
	char config[256];
	struct store_filter f = { .label = n->judge_only, .machine = n->machine };
	struct store_run *r;
	int cnt, rc;

	if (n->config) {
		config_key(n->config, config, sizeof(config));
		f.config = config;
	}
	rc = store_query_runs(st, &f, &r, &cnt);
	if (rc)
		return rc;
	for (int i = 1; i < cnt && !rc; i++)
		if (strcmp(r[i].hostname, r[0].hostname) || strcmp(r[i].cpu_model, r[0].cpu_model)) {
			errmsg(0, "--judge-only %s: runs on several machines have that label; "
			       "pick one with --machine", n->judge_only);
			rc = EXIT_USAGE;
		}
	if (!rc && !cnt) {
		errmsg(0, "--judge-only %s: no such run in the history", n->judge_only);
		rc = EXIT_USAGE;
	}
	if (!rc)	/* the newest of that label */
		store_run_copy(run, &r[cnt - 1]);
	store_runs_free(r, cnt);
	return rc;
}

/* How many nights a trend picture shows, up to the judged one. */
#define TREND_NIGHTS 90

/*
 * One night's baseline band for the trend picture: the range of the
 * headline means of the K nights before it that could be a baseline (not
 * flagged), as the window:K rule picks them.
 */
static void trend_band(const struct store_sample *s, int i, int k, double *lo, double *hi)
{
	int used = 0;

	*lo = *hi = NAN;
	for (int j = i - 1; j >= 0 && used < k; j--) {
		if (s[j].run.good == STORE_FLAGGED)
			continue;
		if (!used++ || s[j].mean < *lo)
			*lo = s[j].mean;
		if (used == 1 || s[j].mean > *hi)
			*hi = s[j].mean;
	}
}

/*
 * Was this metric part of night i's regression?  The judged night: its
 * verdict says.  An earlier one: it was flagged and this metric's mean was
 * worse than its band (the verdict of that night is not kept per metric;
 * a flagged night whose other metrics regressed is not marked here).
 */
static bool trend_flagged(const struct store_sample *s, int i, int n, const struct verdict_metric *m,
			  double lo, double hi)
{
	if (i == n - 1)
		return m->cls == V_REGRESSION;
	if (s[i].run.good != STORE_FLAGGED || isnan(lo))
		return false;
	return m->dir == BETTER_LOWER ? s[i].mean > hi : s[i].mean < lo;
}

static int draw_trend(struct store *st, const struct verdict *v, const struct verdict_metric *m,
		      int k, bool groups, const char *dir)
{
	struct store_filter f = {
		.machine = v->run.hostname, .cpu_model = v->run.cpu_model,
		.config = v->run.config_hash, .before = true,
		/* up to and including the judged run */
		.before_time = v->run.time, .before_id = v->run.id + 1,
		.last = TREND_NIGHTS,
	};
	struct store_sample *s;
	struct trend_night *nt;
	int n, rc;
	char name[256], band[160];

	rc = store_query_series(st, &f, m->group, m->metric, m->clients, &s, &n);
	if (rc || !n)
		return rc;
	nt = calloc(n, sizeof(*nt));
	if (!nt) {
		rc = EXIT_NORES;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		nt[i] = (struct trend_night){ .time = s[i].run.time, .value = s[i].mean,
					      .kernel = s[i].run.kernel, .label = s[i].run.label };
		trend_band(s, i, k, &nt[i].band_lo, &nt[i].band_hi);
		nt[i].flagged = trend_flagged(s, i, n, m, nt[i].band_lo, nt[i].band_hi);
	}
	if (groups)
		snprintf(name, sizeof(name), "%s %s-%d", m->group, m->metric, m->clients);
	else
		snprintf(name, sizeof(name), "%s-%d", m->metric, m->clients);
	snprintf(band, sizeof(band), "baseline band: lowest to highest mean of the %d unflagged "
		 "night%s before", k, k == 1 ? "" : "s");
	rc = plot_trend(dir, &(struct trend){ .metric = name, .band = band, .n = n, .nights = nt });
out:
	free(nt);
	store_samples_free(s, n);
	return rc;
}

/* The trend pictures the report shows: every headline metric over the
 * last nights, with the baseline band and the flagged nights. */
static void draw_trends(struct store *st, const struct verdict *v, const char *dir)
{
	char why[256];
	const char *label;
	bool groups = false;
	int k;

	if (plot_available(why, sizeof(why))) {
		printf("trend plots %s\n", why);
		return;
	}
	if (verdict_parse_baseline(v->baseline, &k, &label) || !k)
		k = 1;
	for (int i = 1; i < v->nmetrics && !groups; i++)
		groups = strcmp(v->m[i].group, v->m[0].group) != 0;
	for (int i = 0; i < v->nmetrics; i++)
		if (draw_trend(st, v, &v->m[i], k, groups, dir))
			return;	/* the message is out; the report goes on */
}

/*
 * "this regression started on night X (kernel Y)": the latest change point
 * of the metric's series up to the judged night that made it worse, when
 * there is one (it needs 3 nights on each side: not on the first bad night).
 */
static void print_started(struct store *st, const struct verdict *v)
{
	struct store_filter f = {
		.machine = v->run.hostname, .cpu_model = v->run.cpu_model,
		.config = v->run.config_hash, .before = true,
		.before_time = v->run.time, .before_id = v->run.id + 1,
	};

	for (int i = 0; i < v->nmetrics; i++) {
		const struct verdict_metric *m = &v->m[i];
		struct store_sample *s;
		struct change c[64];
		int n, nc, k;
		char row[256], when[32];

		if (m->cls != V_REGRESSION ||
		    store_query_series(st, &f, m->group, m->metric, m->clients, &s, &n))
			continue;
		nc = series_changes(&(struct series){ .s = s, .n = n, .dir = m->dir }, c, 64);
		for (k = nc - 1; k >= 0 && !change_is_worse(&c[k], m->dir); k--)
			;
		if (k >= 0) {
			const struct store_run *r = &s[c[k].at].run;
			time_t t = (time_t)r->time;
			struct tm tm;

			strftime(when, sizeof(when), "%Y-%m-%d", gmtime_r(&t, &tm));
			point_row_name(m->metric, m->clients, row, sizeof(row));
			printf("started:   %s: this regression started on night %s (%s, kernel %s): "
			       "%+.2f%%, p=%.4f\n", row, r->label, when, r->kernel, change_pct(&c[k]),
			       c[k].p);
		}
		store_samples_free(s, n);
	}
}

/* --judge-all / --since: every night they select, oldest first, one line
 * each; a flagged night leaves later baselines as a nightly job would. */
static int judge_history(struct store *st, const struct nightly *n)
{
	struct store_filter f = { .machine = n->machine };
	struct store_run *r;
	int cnt, rc, judged = 0, regressed = 0, failed = 0;
	int64_t since = 0;
	char when[32];

	if (n->since) {
		struct tm tm = { 0 };
		const char *end = strptime(n->since, "%Y-%m-%d", &tm);

		if (!end || *end) {
			errmsg(0, "--since %s: want a date, YYYY-MM-DD (UTC)", n->since);
			return NIGHTLY_USAGE;
		}
		since = (int64_t)timegm(&tm);
	}
	rc = store_query_runs(st, &f, &r, &cnt);
	if (rc)
		return rc == EXIT_USAGE ? NIGHTLY_USAGE : NIGHTLY_RUN_FAILED;
	for (int i = 0; i < cnt && !rc; i++) {
		struct verdict v = { 0 };
		time_t t = (time_t)r[i].time;
		struct tm tm;

		if (r[i].time < since || (n->judge_all && r[i].good != STORE_UNJUDGED))
			continue;
		rc = verdict_judge(st, &r[i], &n->vo, &v);
		rc = rc ?: verdict_record(st, &v);
		if (!rc) {
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M", gmtime_r(&t, &tm));
			printf("%-16s  %-20s  %-16s  %s", when, r[i].label, r[i].hostname,
			       verdict_word(&v));
			if (v.regressions)
				printf(" (%d metric%s)", v.regressions, v.regressions == 1 ? "" : "s");
			printf("\n");
			judged++;
			regressed += v.regressions > 0;
			failed += !v.regressions && verdict_run_failed(&v);
		}
		verdict_free(&v);
	}
	store_runs_free(r, cnt);
	if (rc)
		return rc == EXIT_USAGE ? NIGHTLY_USAGE : NIGHTLY_RUN_FAILED;
	printf("judged %d night%s: %d regressed, %d failed\n", judged, judged == 1 ? "" : "s",
	       regressed, failed);
	return regressed ? NIGHTLY_REGRESSION : failed ? NIGHTLY_RUN_FAILED : NIGHTLY_OK;
}

static int nightly_main(void *opts, int argc, char **argv)
{
	struct nightly n = *(struct nightly *)opts;
	struct store_run run = { 0 };
	struct verdict v = { 0 };
	struct store *st = NULL;
	struct calib cal = { 0 };
	char cfgdb[PATH_MAX], cfgcal[PATH_MAX], outdir[PATH_MAX] = "";
	int rc;

	rc = parse_args(argc, argv, &n);
	/* the config's [run] calibration unless --noise-floor says: read (and
	 * loaded) before the run, so a bad one fails in a second */
	if (!rc && !n.noise_floor && n.config) {
		rc = run_config_calibration(n.config, cfgcal, sizeof(cfgcal));
		if (rc)
			return rc == EXIT_USAGE ? NIGHTLY_USAGE : NIGHTLY_RUN_FAILED;
		if (*cfgcal)
			n.noise_floor = cfgcal;
	}
	rc = rc ?: load_floor(&n, &cal);
	if (rc)
		return rc;
	/* The history the config's runs go to, unless --db says otherwise:
	 * read (and the store opened) before the run, so a bad config or db
	 * fails in a second, not after hours of running. */
	if (!n.db && n.config) {
		rc = run_config_db(n.config, cfgdb, sizeof(cfgdb));
		if (rc)
			return rc == EXIT_USAGE ? NIGHTLY_USAGE : NIGHTLY_RUN_FAILED;
		if (*cfgdb)
			n.db = cfgdb;
	}
	rc = store_open(n.db, &st);
	if (rc) {
		calib_free(&cal);
		return rc == EXIT_USAGE || rc == EXIT_UNSUPP ? NIGHTLY_USAGE : NIGHTLY_RUN_FAILED;
	}
	if (n.judge_all || n.since) {
		rc = judge_history(st, &n);
		goto out;
	}
	rc = n.judge_only ? find_run(st, &n, &run) :
		run_and_import(st, &n, &run, outdir, sizeof(outdir));
	if (rc)
		goto out;
	if (n.vo.calib)
		floor_mismatch(n.vo.calib, &run);
	rc = verdict_judge(st, &run, &n.vo, &v);
	if (!rc)
		rc = verdict_record(st, &v);
	if (rc) {
		rc = rc == EXIT_USAGE ? NIGHTLY_USAGE : NIGHTLY_RUN_FAILED;
		goto out;
	}
	if (n.json) {
		json_t *j = verdict_to_json(&v);

		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(j);
	} else {
		verdict_print(stdout, &v);
		print_started(st, &v);
	}
	if (n.report) {
		json_t *j = verdict_to_json(&v);
		int rrc;

		/* the run's directory: its meta.json says what the machine lacked */
		if (*outdir)
			json_object_set_new(json_object_get(j, "run"), "dir", json_string(outdir));
		draw_trends(st, &v, n.report);
		rrc = report_nightly(n.report, j);

		json_decref(j);
		/* The verdict stands without its page; say so, keep the code. */
		if (rrc)
			errmsg(0, "nightly: the report in %s failed (exit %d)", n.report, rrc);
	}
	/* A regression is the more specific news when both happened. */
	rc = v.regressions ? NIGHTLY_REGRESSION : verdict_run_failed(&v) ? NIGHTLY_RUN_FAILED :
	     NIGHTLY_OK;
out:
	verdict_free(&v);
	store_run_clear(&run);
	store_close(st);
	calib_free(&cal);
	return rc;
}

const struct cli_command cli_cmd_nightly = {
	.name = "nightly", .operands = "[CONFIG]", .min_operands = 0, .max_operands = 1,
	.summary = "run, store and judge a night against its baseline",
	.description =
		"Runs CONFIG, stores it in the history and judges every headline metric\n"
		"against the baseline (the previous good nights on this machine and\n"
		"config): a regression is significant (compare's test) and worse than the\n"
		"threshold.  --judge-only LABEL judges a stored run instead of running;\n"
		"--judge-all judges every night never judged, --since DATE every night\n"
		"from DATE, oldest first.  A regression that a change point of its series\n"
		"explains says on which night (and kernel) it started.  A change within\n"
		"the run-to-run spread of this machine's newest calibration of the config\n"
		"(mmscale calibrate --db) is said to be within noise and is no regression.\n",
	.opts = nightly_opts, .opts_size = sizeof(struct nightly), .init = nightly_init,
	.exits = nightly_exits, .main = nightly_main,
};
