/*
 * metric.c - the metric declarations of a workload (metric.h): the default
 * pair of rates, the usual value functions, and the JSON both the
 * iteration lines and --list-options carry.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"

static const char *const better_names[] = { [BETTER_HIGHER] = "higher", [BETTER_LOWER] = "lower" };
static const char *const agg_names[] = { [AGG_HARMONIC] = "harmonic", [AGG_ARITHMETIC] = "arithmetic" };
static const char *const ideal_names[] = { [IDEAL_NONE] = "none", [IDEAL_LINEAR] = "linear",
					   [IDEAL_CONSTANT] = "constant" };

double metric_per_wall_sec(const struct run *r, const struct iter_totals *t)
{
	return t->wall_ns ? (double)t->work / ((double)t->wall_ns / 1e9) : 0;
}

double metric_per_cpu_sec(const struct run *r, const struct iter_totals *t)
{
	return t->cpu_ns ? (double)t->work / ((double)t->cpu_ns / 1e9) : 0;
}

double metric_ns_per_work(const struct run *r, const struct iter_totals *t)
{
	return t->work ? (double)t->client_ns / (double)t->work : NAN;
}

const char *metric_better_name(enum better b)
{
	return b == BETTER_LOWER ? better_names[BETTER_LOWER] : better_names[BETTER_HIGHER];
}

const char *metric_aggregate_name(enum aggregate a)
{
	return a == AGG_ARITHMETIC ? agg_names[AGG_ARITHMETIC] : agg_names[AGG_HARMONIC];
}

int metric_better_parse(const char *s)
{
	for (int i = 0; s && i < 2; i++)
		if (!strcmp(s, better_names[i]))
			return i;
	return -1;
}

const char *metric_ideal_name(enum ideal i)
{
	return i == IDEAL_LINEAR || i == IDEAL_CONSTANT ? ideal_names[i] : ideal_names[IDEAL_NONE];
}

int metric_ideal_parse(const char *s)
{
	for (int i = 0; s && i < 3; i++)
		if (!strcmp(s, ideal_names[i]))
			return i;
	return -1;
}

int metric_aggregate_parse(const char *s)
{
	for (int i = 0; s && i < 2; i++)
		if (!strcmp(s, agg_names[i]))
			return i;
	return -1;
}

const char *metric_mean_name(enum aggregate a)
{
	return a == AGG_ARITHMETIC ? "Amean" : "Hmean";
}

json_t *metric_decl_json(const struct metric_decl *m)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", m->name,
			      "unit", m->unit ? m->unit : "",
			      "better", metric_better_name(m->better),
			      "aggregate", metric_aggregate_name(m->aggregate),
			      "precision", m->precision ? m->precision : METRIC_PRECISION_DEFAULT);

	if (m->precision == METRIC_INTEGER)
		json_object_set_new(j, "precision", json_integer(0));
	if (m->ideal != IDEAL_NONE)
		json_object_set_new(j, "ideal", json_string(metric_ideal_name(m->ideal)));
	if (m->help)
		json_object_set_new(j, "help", json_string(m->help));
	return j;
}

/* The default pair: the rate of .metric over wall time and over CPU time. */
static const struct metric_decl *default_pair(const struct workload *wl)
{
	static char names[2][64], units[64];
	static struct metric_decl pair[3];
	const char *m = wl->metric ? wl->metric : "ops";

	snprintf(names[0], sizeof(names[0]), "%s/sec", m);
	snprintf(names[1], sizeof(names[1]), "%s/cpu", m);
	snprintf(units, sizeof(units), "%s/s", m);
	pair[0] = (struct metric_decl){ .name = names[0], .unit = units,
		.better = BETTER_HIGHER, .aggregate = AGG_HARMONIC,
		.ideal = IDEAL_LINEAR,
		.help = "work per second of wall time, all clients together",
		.value = metric_per_wall_sec };
	pair[1] = (struct metric_decl){ .name = names[1], .unit = units,
		.better = BETTER_HIGHER, .aggregate = AGG_HARMONIC,
		.ideal = IDEAL_CONSTANT,
		.help = "work per second of CPU time (user + sys of every client)",
		.value = metric_per_cpu_sec };
	return pair;
}

const struct metric_decl *workload_metrics(const struct workload *wl, int *n)
{
	const struct metric_decl *m = wl->metrics ? wl->metrics : default_pair(wl);

	for (*n = 0; m[*n].name; (*n)++)
		;
	return m;
}

json_t *workload_metric_values(const struct workload *wl, const struct run *r,
			       const struct iter_totals *t, const char **bad)
{
	int n;
	const struct metric_decl *m = workload_metrics(wl, &n);
	json_t *j = json_object();

	*bad = NULL;
	for (int i = 0; i < n; i++) {
		double v = m[i].value ? m[i].value(r, t) : NAN;

		if (!isfinite(v)) {
			if (!*bad)
				*bad = m[i].name;
			json_object_set_new(j, m[i].name, json_null());
			continue;
		}
		json_object_set_new(j, m[i].name, json_real(v));
	}
	return j;
}
