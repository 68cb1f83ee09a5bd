/*
 * mmscale-synth-history - fill a history database with synthetic nights,
 * for the tests, scripts/gen-history, scripts/bench-nightly and for trying
 * the nightly verdict out.  GSL's Mersenne Twister with a fixed seed: the
 * same SPEC gives the same database.  Kept out of `mmscale import`, which
 * only ever stores what was measured.
 *
 *   mmscale-synth-history SPEC [--db PATH] [--quiet]
 *
 * SPEC: comma-separated key=value, e.g.
 *   nights=60,machine=a,seed=1,clients=1:2,iterations=30,cv=2.5,step=50:faults/sec-2:-8
 * Every number is checked as the options of the suite are (options.c):
 * cv=abc or nights=6x is an error naming the key.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "harness.h"
#include "options.h"
#include "stats.h"
#include "store.h"

struct synth {
	long nights, iterations, seed, start;
	double cv, night_cv;		/* percent */
	long step_night, step_clients;	/* from that night on, metric x (1+pct) */
	char *step_metric;
	double step_pct;
	long drift_night, drift_clients; /* from that night on, x (1+pct*nights) */
	char *drift_metric;
	double drift_pct;
	const char *machine, *cpu, *config, *prefix, *kernel, *clients_s, *metrics_s, *step_s;
	const char *drift_s;
	int nclients, nmetrics;
	int clients[64];
	char *metrics[16];
	char *lists[4];		/* copies strtok_r may cut up */
};

/* The SPEC's keys: the same table kind the workloads' options use, so the
 * same checker judges every value. */
#define S(f) OPT_OFF(struct synth, f)
static const struct opt spec_keys[] = {
	{ "nights", 0, OPT_INT, S(nights), "60", NULL, 1, 100000, "nights to generate" },
	{ "iterations", 0, OPT_INT, S(iterations), "30", NULL, 2, 100000, "values per metric" },
	{ "seed", 0, OPT_INT, S(seed), "1", NULL, 0, 4294967295.0, "GSL mt19937 seed" },
	{ "cv", 0, OPT_DOUBLE, S(cv), "2.5", NULL, 0, 100, "within-night CoeffVar, %" },
	{ "nightcv", 0, OPT_DOUBLE, S(night_cv), "0.3", NULL, 0, 100,
	  "night-to-night drift of the level, %" },
	{ "start", 0, OPT_INT, S(start), "1767225600", NULL, 0, 4102444800.0,
	  "epoch of night 1 (default 2026-01-01)" },
	{ "machine", 0, OPT_STR, S(machine), "synth", .help = "hostname" },
	{ "cpu", 0, OPT_STR, S(cpu), "Synthetic CPU @ 2.00GHz", .help = "CPU model" },
	{ "config", 0, OPT_STR, S(config), "pft-threads", .help = "config name and hash" },
	{ "label", 0, OPT_STR, S(prefix), .help = "label prefix (default: the machine)" },
	{ "kernel", 0, OPT_STR, S(kernel), "6.18.0-synthetic", .help = "kernel release" },
	{ "clients", 0, OPT_STR, S(clients_s), "1:2", .help = "client counts, N:N:..." },
	{ "metrics", 0, OPT_STR, S(metrics_s), "faults/sec:faults/cpu",
	  .help = "metrics, M:M:..." },
	{ "step", 0, OPT_STR, S(step_s), .help = "NIGHT:METRIC-N:PCT: a step from NIGHT on" },
	{ "drift", 0, OPT_STR, S(drift_s),
	  .help = "NIGHT:METRIC-N:PCT: PCT more every night from NIGHT on" },
	{ 0 }
};
#undef S

static int split_list(char *s, char **out, int max)
{
	int n = 0;

	for (char *save = NULL, *t = strtok_r(s, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		if (n >= max)
			return -1;
		out[n++] = t;
	}
	return n;
}

static int __attribute__((format(printf, 2, 3))) bad(const char *spec, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errmsg(0, "SPEC %s: %s", spec, msg);
	return EXIT_USAGE;
}

/* One number, checked by the suite's checker against a bound of its own. */
static int number(const char *spec, const char *key, const char *val, enum opt_type t,
		  double min, double max, union opt_val *out)
{
	struct opt o = { .name = key, .type = t, .min = min, .max = max };
	char why[256];

	if (opt_check(&o, val, 0, out, why, sizeof(why)))
		return bad(spec, "%s: %s", key, why);
	return 0;
}

/* step= and drift=: NIGHT:METRIC-N:PCT */
static int parse_shift(const char *orig, const char *key, const char *val, char **copy,
		       long *night, char **metric, long *clients, double *pct)
{
	char *p[3], *dash, what[32];
	union opt_val v;
	int rc;

	if (split_list(*copy = xstrdup(val), p, 3) != 3 || !(dash = strrchr(p[1], '-')))
		return bad(orig, "%s: want NIGHT:METRIC-N:PCT", key);
	*dash = 0;
	*metric = p[1];
	snprintf(what, sizeof(what), "%s night", key);
	if ((rc = number(orig, what, p[0], OPT_INT, 1, 100000, &v)))
		return rc;
	*night = v.l;
	snprintf(what, sizeof(what), "%s clients", key);
	if ((rc = number(orig, what, dash + 1, OPT_INT, 1, 65536, &v)))
		return rc;
	*clients = v.l;
	snprintf(what, sizeof(what), "%s percent", key);
	if ((rc = number(orig, what, p[2], OPT_DOUBLE, -100, 10000, &v)))
		return rc;
	*pct = v.d;
	return 0;
}

static int synth_parse(char *spec, const char *orig, struct synth *y)
{
	const struct opt *o;
	union opt_val v;
	char why[256];
	int rc;

	*y = (struct synth){ 0 };
	if (opt_defaults(spec_keys, y))
		return EXIT_FAIL;	/* a bug in the table */
	for (char *save = NULL, *kv = strtok_r(spec, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *val = strchr(kv, '=');

		if (!val)
			return bad(orig, "'%s': want key=value", kv);
		*val++ = 0;
		for (o = spec_keys; o->name && strcmp(o->name, kv); o++)
			;
		if (!o->name) {
			struct suggest sg;
			char hint[96];

			suggest_reset(&sg, kv);
			for (o = spec_keys; o->name; o++)
				suggest_offer(&sg, o->name);
			return bad(orig, "unknown key '%s'%s", kv, suggest_text(&sg, "", hint,
										 sizeof(hint)));
		}
		if (opt_check(o, val, 0, &v, why, sizeof(why)))
			return bad(orig, "%s: %s", kv, why);
		opt_set(o, y, val);
	}
	{
		char *c[64];

		y->nclients = split_list(y->lists[0] = xstrdup(y->clients_s), c, 64);
		if (y->nclients < 1)
			return bad(orig, "clients: want 1 to 64 counts N:N:...");
		for (int i = 0; i < y->nclients; i++) {
			if ((rc = number(orig, "clients", c[i], OPT_INT, 1, 65536, &v)))
				return rc;
			y->clients[i] = (int)v.l;
		}
	}
	y->nmetrics = split_list(y->lists[1] = xstrdup(y->metrics_s), y->metrics, 16);
	if (y->nmetrics < 1)
		return bad(orig, "metrics: want 1 to 16 names M:M:...");
	if (y->step_s && (rc = parse_shift(orig, "step", y->step_s, &y->lists[2], &y->step_night,
					    &y->step_metric, &y->step_clients, &y->step_pct)))
		return rc;
	if (y->drift_s && (rc = parse_shift(orig, "drift", y->drift_s, &y->lists[3], &y->drift_night,
					     &y->drift_metric, &y->drift_clients, &y->drift_pct)))
		return rc;
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
			if (y->drift_night && night >= y->drift_night &&
			    y->clients[c] == y->drift_clients && !strcmp(y->metrics[k], y->drift_metric))
				level *= 1 + y->drift_pct / 100 * (night - y->drift_night + 1);
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

static int generate(struct store *st, const char *spec_arg, bool quiet)
{
	char *spec = xstrdup(spec_arg);
	struct synth y = { 0 };
	gsl_rng *rng = NULL;
	double *vals = NULL;
	int rc;

	rc = synth_parse(spec, spec_arg, &y);
	if (rc)
		goto out;
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng)
		die(EXIT_NORES, ENOMEM, "out of memory");
	gsl_rng_set(rng, y.seed);
	vals = xcalloc((size_t)y.nmetrics * (size_t)y.iterations, sizeof(double));
	/* One transaction per night, as nightly imports arrive. */
	for (int night = 1; night <= y.nights && !rc; night++)
		rc = synth_night(st, &y, rng, night, vals);
	if (!rc && !quiet)
		printf("stored %ld synthetic nights of %s (%s)\n", y.nights, y.machine, y.config);
out:
	gsl_rng_free(rng);
	free(vals);
	free(spec);
	for (int i = 0; i < 4; i++)
		free(y.lists[i]);
	return rc;
}


struct args {
	const char *db;
	bool quiet, help;
};

#define A(f) OPT_OFF(struct args, f)
static const struct opt tool_opts[] = {
	{ "db", 'd', OPT_STR, A(db), .arg = "DB", .help = STORE_DB_HELP },
	{ "quiet", 'q', OPT_BOOL, A(quiet), .help = "no output" },
	{ "help", 'h', OPT_BOOL, A(help), .help = "this help" },
	{ 0 }
};
#undef A

static void usage(FILE *f)
{
	fprintf(f, "usage: mmscale-synth-history SPEC [--db PATH] [--quiet]\n"
		"Stores synthetic nights in a history database (GSL mt19937, fixed seed).\n\n"
		"options:\n");
	opt_help(f, tool_opts);
	fprintf(f, "\nSPEC: comma-separated key=value:\n");
	opt_help(f, spec_keys);
	fprintf(f, "\nexit codes: 0 stored, 2 bad SPEC or option, 3 the database could not be "
		"opened or written\n");
}

int main(int argc, char **argv)
{
	const struct opt *const tabs[1] = { tool_opts };
	struct args a = { 0 };
	void *const bases[1] = { &a };
	struct store *st;
	int rc;

	progname = "mmscale-synth-history";
	rc = opt_parse(tabs, bases, 1, argc, argv, "mmscale-synth-history --help");
	if (rc)
		return rc;
	if (a.help) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc - optind != 1) {
		errmsg(0, "needs exactly one SPEC (see mmscale-synth-history --help)");
		return EXIT_USAGE;
	}
	rc = store_open(a.db, &st);
	if (rc)
		return rc;
	rc = generate(st, argv[optind], a.quiet);
	store_close(st);
	return rc;
}
