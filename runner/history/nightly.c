/*
 * nightly.c - `mmscale nightly CONFIG`: run, store, judge, and end with an
 * exit code a cron job or CI can act on:
 *   0  no significant regression (or no baseline yet)
 *   1  at least one headline metric regressed (verdict.h has the rule)
 *   2  usage or config error
 *   3  the run itself failed: it did not finish, could not be stored,
 *      or a point did not end ok (the ok points are still judged)
 * `--judge-only LABEL` skips the run and judges a run already in the
 * history: re-judging a night, and how the tests drive the verdict on
 * synthetic nights without running workloads.
 */
#include <errno.h>
#include <getopt.h>
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
#include "verdict.h"

struct nightly {
	const char *config, *label, *judge_only, *machine, *db, *report, *results;
	int iterations;
	bool json;
	struct verdict_opts vo;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mmscale nightly CONFIG [--label L] [--results DIR] [--iterations N]\n"
		"                       [--baseline LABEL|last-good|window:K] [--threshold PCT]\n"
		"                       [--test mmtests|welch] [--alpha A] [--db PATH]\n"
		"                       [--report DIR] [--json]\n"
		"       mmscale nightly --judge-only LABEL [--machine HOST] [CONFIG] [...]\n"
		"Run CONFIG, store it in the history (--db, else the config's [run] db,\n"
		"else %s), judge every headline\n"
		"metric against the baseline (default %s: the previous good nights on\n"
		"this machine and config) and print the regressions and improvements.\n"
		"A regression is significant (the test of compare) and worse by more than\n"
		"the threshold (default %.0f%%).  Exit 0 none, 1 regression, 2 usage or\n"
		"config error, 3 the run failed.\n",
		STORE_DEFAULT_DB, VERDICT_DEFAULT_BASELINE, VERDICT_DEFAULT_THRESHOLD);
}

static int parse_double(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !(*out >= lo && *out <= hi)) {
		errmsg(0, "%s %s: want a number in [%g, %g]", opt, s, lo, hi);
		return EXIT_USAGE;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct nightly *n)
{
	static const struct option opts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "threshold", required_argument, NULL, 't' },
		{ "test", required_argument, NULL, 'T' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "db", required_argument, NULL, 'd' },
		{ "report", required_argument, NULL, 'r' },
		{ "label", required_argument, NULL, 'l' },
		{ "results", required_argument, NULL, 'R' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "judge-only", required_argument, NULL, 'j' },
		{ "machine", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	double x;
	int c, rc = 0, window;
	const char *label;

	*n = (struct nightly){ .vo = VERDICT_OPTS_DEFAULT };
	optind = 1;
	while ((c = getopt_long(argc, argv, "b:t:T:a:d:r:l:R:i:j:m:Jh", opts, NULL)) != -1) {
		switch (c) {
		case 'b': n->vo.baseline = optarg; break;
		case 't': rc = parse_double("--threshold", optarg, 0, 1000, &n->vo.threshold); break;
		case 'a': rc = parse_double("--alpha", optarg, 1e-9, 0.5, &n->vo.alpha); break;
		case 'T':
			if (!strcmp(optarg, "mmtests"))
				n->vo.test = SIG_MMTESTS;
			else if (!strcmp(optarg, "welch"))
				n->vo.test = SIG_WELCH;
			else {
				errmsg(0, "--test %s: want mmtests or welch", optarg);
				rc = EXIT_USAGE;
			}
			break;
		case 'd': n->db = optarg; break;
		case 'r': n->report = optarg; break;
		case 'l': n->label = optarg; break;
		case 'R': n->results = optarg; break;
		case 'i':
			rc = parse_double("--iterations", optarg, 1, INT_MAX, &x);
			n->iterations = (int)x;
			break;
		case 'j': n->judge_only = optarg; break;
		case 'm': n->machine = optarg; break;
		case 'J': n->json = true; break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (optind < argc)
		n->config = argv[optind++];
	if (optind < argc) {
		errmsg(0, "nightly: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (!n->config && !n->judge_only) {
		usage(stderr);
		return EXIT_USAGE;
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
		.iterations = n->iterations,
		/* imported below, into the store this command holds open */
		.no_import = true,
	};
	int rc;

	if (!rq.label) {
		default_label(label, sizeof(label));
		rq.label = label;
	}
	rc = run_config(&rq, outdir, outlen);
	if (rc == EXIT_USAGE || rc == EXIT_INTR)
		return rc;
	if (rc) {
		errmsg(0, "nightly: the run of %s failed (exit %d)", n->config, rc);
		return EXIT_NORES;
	}
	rc = history_import_dir(st, outdir, run);
	if (rc) {
		errmsg(0, "nightly: %s could not be stored in the history", outdir);
		return EXIT_NORES;
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
	double *x, *y, *lo, *hi;
	int *flagged, n, rc;
	char name[256];

	rc = store_query_series(st, &f, m->group, m->metric, m->clients, &s, &n);
	if (rc || !n)
		return rc;
	x = calloc(n, sizeof(double));
	y = calloc(n, sizeof(double));
	lo = calloc(n, sizeof(double));
	hi = calloc(n, sizeof(double));
	flagged = calloc(n, sizeof(int));
	if (!x || !y || !lo || !hi || !flagged) {
		rc = EXIT_NORES;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		/* nights before the judged one, so today is x = 0 */
		x[i] = (double)(s[i].run.time - v->run.time) / 86400;
		y[i] = s[i].mean;
		flagged[i] = s[i].run.good == STORE_FLAGGED;
		trend_band(s, i, k, &lo[i], &hi[i]);
	}
	if (groups)
		snprintf(name, sizeof(name), "%s %s-%d", m->group, m->metric, m->clients);
	else
		snprintf(name, sizeof(name), "%s-%d", m->metric, m->clients);
	rc = plot_trend(dir, name, x, y, n, lo, hi, flagged);
out:
	free(x);
	free(y);
	free(lo);
	free(hi);
	free(flagged);
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

int cmd_nightly(int argc, char **argv)
{
	struct nightly n;
	struct store_run run = { 0 };
	struct verdict v = { 0 };
	struct store *st = NULL;
	char cfgdb[PATH_MAX], outdir[PATH_MAX] = "";
	int rc;

	rc = parse_args(argc, argv, &n);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	/* The history the config's runs go to, unless --db says otherwise:
	 * read (and the store opened) before the run, so a bad config or db
	 * fails in a second, not after hours of running. */
	if (!n.db && n.config) {
		rc = run_config_db(n.config, cfgdb, sizeof(cfgdb));
		if (rc)
			return rc == EXIT_USAGE ? EXIT_USAGE : EXIT_NORES;
		if (*cfgdb)
			n.db = cfgdb;
	}
	rc = store_open(n.db, &st);
	if (rc)
		return rc == EXIT_USAGE || rc == EXIT_UNSUPP ? EXIT_USAGE : EXIT_NORES;
	rc = n.judge_only ? find_run(st, &n, &run) :
		run_and_import(st, &n, &run, outdir, sizeof(outdir));
	if (rc)
		goto out;
	rc = verdict_judge(st, &run, &n.vo, &v);
	if (!rc)
		rc = verdict_record(st, &v);
	if (rc) {
		rc = rc == EXIT_USAGE ? EXIT_USAGE : EXIT_NORES;
		goto out;
	}
	if (n.json) {
		json_t *j = verdict_to_json(&v);

		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(j);
	} else {
		verdict_print(stdout, &v);
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
	rc = v.regressions ? EXIT_FAIL : verdict_run_failed(&v) ? EXIT_NORES : EXIT_OK;
out:
	verdict_free(&v);
	store_run_clear(&run);
	store_close(st);
	return rc;
}
