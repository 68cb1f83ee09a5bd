/*
 * calibrate.c - `mmscale calibrate CONFIG`: this machine's run-to-run
 * spread of a config.  Runs it N times (RESULTS/L-1 .. L-N, each a normal
 * run), then, per point group, metric and client count, the CoeffVar of the
 * N runs' headline means (cv_between) beside the mean of their own
 * CoeffVars (cv_within_mean), into RESULTS/L/calibration.json
 * (calibration.h).  compare --noise-floor reads it: a VM that drifts 10%
 * between runs gets no star for a 5% A/A difference.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "harness.h"
#include "commands.h"
#include "calibration.h"
#include "meta.h"
#include "run.h"
#include "stats.h"
#include "store.h"
#include "summary.h"

struct calibrate_args {
	const char *label, *results, *db;
	long runs;
};

#define A(f) OPT_OFF(struct calibrate_args, f)
static const struct opt calibrate_opts[] = {
	{ "runs", 'n', OPT_INT, A(runs), "5", .min = 2, .max = 1000, .arg = "N",
	  .help = "how many runs of the config (each a normal run, labels L-1..L-N)" },
	{ "label", 'l', OPT_STR, A(label), "calibration", .arg = "L",
	  .help = "the runs are RESULTS/L-1..L-N, the calibration RESULTS/L/calibration.json" },
	{ "results", 'r', OPT_STR, A(results), "results", .arg = "DIR",
	  .help = "where runs go" },
	{ "db", 'd', OPT_STR, A(db), .arg = "DB",
	  .help = "store the calibration in this history too (nightly uses it): "
		  STORE_DB_HELP "; default: the config's [run] db, else $MMSCALE_DB, else none" },
	{ 0 }
};
#undef A

static const struct cli_exit calibrate_exits[] = {
	{ EXIT_OK, "every run finished and the calibration was written" },
	{ EXIT_FAIL, "a run failed, or the calibration could not be written" },
	CLI_EXITS_COMMON,
	{ EXIT_UNSUPP, "the config needs what this machine lacks (unavailable: why)" },
	{ EXIT_INTR, "interrupted: the finished runs are kept, no calibration written" },
	{ -1 }
};

/* The point of s in the group of key at its client count (ok only). */
static const struct metric *run_metric(const struct summary *s, const struct point *key,
				       const char *metric)
{
	for (int i = 0; i < s->npoints; i++) {
		const struct point *p = &s->points[i];

		if (p->clients == key->clients && point_same_group(p, key) &&
		    !strcmp(p->status, "ok"))
			return point_metric(p, metric);
	}
	return NULL;
}

/* One row: metric m of point key across the runs.  Rows need two runs. */
static void calib_row(struct calib *cal, const struct summary *runs, int nruns,
		      const struct point *key, const struct metric *m)
{
	double *means = xcalloc((size_t)nruns, sizeof(*means));
	double *cvs = xcalloc((size_t)nruns, sizeof(*cvs));
	struct stats st, between, within;
	char group[1024];
	int n = 0;

	for (int r = 0; r < nruns; r++) {
		const struct metric *rm = run_metric(&runs[r], key, m->name);

		if (!rm || rm->n < 1)
			continue;
		stats_compute_agg(rm->values, rm->n, rm->dir, rm->agg, &st);
		means[n] = stats_headline(&st);
		cvs[n++] = st.coeffvar;
	}
	if (n >= 2) {
		/* the spread of the means: CoeffVar = stddev * 100 / amean */
		stats_compute_agg(means, n, m->dir, AGG_ARITHMETIC, &between);
		stats_compute_agg(cvs, n, BETTER_LOWER, AGG_ARITHMETIC, &within);
		calib_add(cal, point_group_render(key->workload, key->axes, key->naxes, group,
						  sizeof(group)),
			  m->name, key->clients, n, between.coeffvar, within.amean);
	}
	free(means);
	free(cvs);
}

static void print_rows(const struct calib *cal, const char *path)
{
	char op[512];

	printf("%-28s %-24s %3s %11s %15s\n", "group", "operation", "n", "cv_between%",
	       "cv_within_mean%");
	for (int i = 0; i < cal->nrows; i++) {
		const struct calib_row *r = &cal->rows[i];

		printf("%-28s %-24s %3d %11.2f %15.2f\n", r->group,
		       point_row_name(r->metric, r->clients, op, sizeof(op)), r->n, r->cv_between,
		       r->cv_within_mean);
	}
	printf("calibration: %s\n", path);
}

/* The history the calibration goes to, as run picks one: --db, the
 * config's [run] db, $MMSCALE_DB; "" for none. */
static int calib_db(const struct calibrate_args *a, const char *config, char *db, size_t n)
{
	const char *env = getenv("MMSCALE_DB");
	int rc;

	if (a->db) {
		snprintf(db, n, "%s", a->db);
		return 0;
	}
	rc = run_config_db(config, db, n);
	if (!rc && !*db && env)
		snprintf(db, n, "%s", env);
	return rc;
}

/* What the history keys a calibration by: the machine of its first run,
 * the label, now. */
static void calib_identity(struct calib *cal, const char *label, json_t *meta)
{
	const char *hash = meta_str(meta, "config.hash");
	const char *host = meta_str(meta, "hostname"), *cpu = meta_str(meta, "cpu.model_name");

	cal->config_hash = hash ? xstrdup(hash) : NULL;
	cal->label = xstrdup(label);
	cal->hostname = xstrdup(host ? host : "unknown");
	cal->cpu_model = xstrdup(cpu ? cpu : "unknown");
	cal->time = (int64_t)time(NULL);
}

static int calibrate_main(void *opts, int argc, char **argv)
{
	const struct calibrate_args *a = opts;
	int nruns = (int)a->runs, loaded = 0, rc = EXIT_OK;
	struct summary *runs = xcalloc((size_t)nruns, sizeof(*runs));
	struct calib cal = { .config = xstrdup(argv[0]) };
	struct store *hist = NULL;
	/* dir shorter than out: dir/calibration.json and dir-N always fit */
	char dir[PATH_MAX - 32], out[PATH_MAX], label[PATH_MAX], db[PATH_MAX];
	struct stat st;

	(void)argc;
	if (strchr(a->label, '/') || !a->label[0]) {
		errmsg(0, "calibrate: --label '%s': a name, not a path", a->label);
		rc = EXIT_USAGE;
		goto out;
	}
	if (snprintf(dir, sizeof(dir), "%s/%s", a->results, a->label) >= (int)sizeof(dir)) {
		errmsg(ENAMETOOLONG, "calibrate: %s/%s", a->results, a->label);
		rc = EXIT_USAGE;
		goto out;
	}
	/* before any run: a calibration is not overwritten */
	if (!stat(dir, &st)) {
		errmsg(0, "calibrate: %s exists (pick another --label)", dir);
		rc = EXIT_USAGE;
		goto out;
	}
	for (int i = 0; i < nruns; i++) {
		snprintf(out, sizeof(out), "%s-%d", dir, i + 1);
		if (!stat(out, &st)) {
			errmsg(0, "calibrate: %s exists (pick another --label)", out);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	/* the history opened before any run: a bad db fails in a second */
	rc = calib_db(a, argv[0], db, sizeof(db));
	if (!rc && *db)
		rc = store_open(db, &hist);
	if (rc)
		goto out;
	for (int i = 0; i < nruns; i++) {
		/* The runs stay out of the history: five runs of one kernel
		 * minutes apart would fill a nightly window:7 baseline. */
		struct run_request rq = { .config = argv[0], .label = label,
					  .results = a->results, .no_import = true };

		snprintf(label, sizeof(label), "%s-%d", a->label, i + 1);
		fprintf(stderr, "%s: calibrate: run %d of %d: %s/%s\n", progname, i + 1, nruns,
			a->results, label);
		rc = run_config(&rq, out, sizeof(out));
		if (rc)
			goto out;
		cal.runs = xrealloc(cal.runs, (size_t)cal.nruns + 1, sizeof(*cal.runs));
		cal.runs[cal.nruns++] = xstrdup(label);
		rc = summary_load(out, &runs[loaded]);
		if (rc)
			goto out;
		loaded++;
	}
	calib_identity(&cal, a->label, runs[0].meta);
	for (int p = 0; p < runs[0].npoints; p++) {
		const struct point *key = &runs[0].points[p];

		for (int m = 0; m < key->nmetrics; m++)
			calib_row(&cal, runs, nruns, key, &key->metrics[m]);
	}
	if (mkdir(dir, 0777) && errno != EEXIST) {
		errmsg(errno, "calibrate: %s", dir);
		rc = EXIT_FAIL;
		goto out;
	}
	rc = calib_write(dir, &cal);
	if (!rc) {
		snprintf(out, sizeof(out), "%s/%s", dir, CALIB_FILE);
		print_rows(&cal, out);
	}
	if (!rc && hist) {
		rc = history_put_calibration(hist, &cal);
		if (!rc)
			printf("stored in the history %s: %s on %s\n", store_name(hist), cal.label,
			       cal.hostname);
	}
out:
	store_close(hist);
	for (int i = 0; i < loaded; i++)
		summary_free(&runs[i]);
	free(runs);
	calib_free(&cal);
	return rc;
}

const struct cli_command cli_cmd_calibrate = {
	.name = "calibrate", .operands = "CONFIG", .min_operands = 1, .max_operands = 1,
	.summary = "measure this machine's run-to-run spread of a config",
	.description =
		"Runs CONFIG N times (RESULTS/L-1..L-N, each a normal run), then writes\n"
		"RESULTS/L/calibration.json: per point group, metric and client count the\n"
		"CoeffVar (%) of the runs' headline means (cv_between) and the mean of\n"
		"their own CoeffVars (cv_within_mean).  compare --noise-floor reads it.\n"
		"With a history (--db, the config's [run] db or $MMSCALE_DB) it is stored\n"
		"there too, under this machine and the config's hash, and nightly floors\n"
		"its verdicts with the newest one; the runs themselves are not imported.\n",
	.opts = calibrate_opts, .opts_size = sizeof(struct calibrate_args),
	.exits = calibrate_exits, .main = calibrate_main,
};
