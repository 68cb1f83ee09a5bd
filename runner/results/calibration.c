/*
 * calibration.c - calibration.json's reader and writer (calibration.h).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "harness.h"
#include "calibration.h"
#include "summary.h"

void calib_add(struct calib *c, const char *group, const char *metric, int clients, int n,
	       double cv_between, double cv_within_mean)
{
	c->rows = xrealloc(c->rows, (size_t)c->nrows + 1, sizeof(*c->rows));
	c->rows[c->nrows++] = (struct calib_row){ .group = xstrdup(group),
		.metric = xstrdup(metric), .clients = clients, .n = n,
		.cv_between = cv_between, .cv_within_mean = cv_within_mean };
}

const struct calib_row *calib_find(const struct calib *c, const char *group,
				   const char *metric, int clients)
{
	for (int i = 0; c && i < c->nrows; i++)
		if (c->rows[i].clients == clients && !strcmp(c->rows[i].metric, metric) &&
		    !strcmp(c->rows[i].group, group))
			return &c->rows[i];
	return NULL;
}

void calib_free(struct calib *c)
{
	for (int i = 0; i < c->nrows; i++) {
		free(c->rows[i].group);
		free(c->rows[i].metric);
	}
	for (int i = 0; i < c->nruns; i++)
		free(c->runs[i]);
	free(c->rows);
	free(c->runs);
	free(c->path);
	free(c->config);
	free(c->config_hash);
	free(c->label);
	free(c->hostname);
	free(c->cpu_model);
	*c = (struct calib){ 0 };
}

static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

int calib_write(const char *dir, const struct calib *c)
{
	json_t *j, *runs = json_array(), *rows = json_array();
	char path[PATH_MAX];
	int rc = EXIT_OK;

	for (int i = 0; i < c->nruns; i++)
		json_array_append_new(runs, json_string(c->runs[i]));
	for (int i = 0; i < c->nrows; i++) {
		const struct calib_row *r = &c->rows[i];

		json_array_append_new(rows, json_pack("{s:s,s:s,s:i,s:i,s:o,s:o}",
			"group", r->group, "metric", r->metric, "clients", r->clients, "n", r->n,
			"cv_between", num_or_null(r->cv_between),
			"cv_within_mean", num_or_null(r->cv_within_mean)));
	}
	j = json_pack("{s:i,s:s,s:o,s:s?,s:s?,s:s?,s:I,s:o,s:o}", "schema", CALIB_SCHEMA,
		      "config", c->config,
		      "config_hash", c->config_hash ? json_string(c->config_hash) : json_null(),
		      "label", c->label, "hostname", c->hostname, "cpu_model", c->cpu_model,
		      "time", (json_int_t)c->time, "runs", runs, "rows", rows);
	if (snprintf(path, sizeof(path), "%s/%s", dir, CALIB_FILE) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	if (json_write_atomic(path, j))
		goto fail;
	goto out;
fail:
	errmsg(errno, "calibrate: writing %s/%s", dir, CALIB_FILE);
	rc = EXIT_FAIL;
out:
	json_decref(j);
	return rc;
}

/* One row; NULL when fine, else what is wrong with it. */
static const char *row_from_json(json_t *r, struct calib *c)
{
	json_t *g = json_object_get(r, "group"), *m = json_object_get(r, "metric"),
	       *cl = json_object_get(r, "clients"), *n = json_object_get(r, "n"),
	       *cb = json_object_get(r, "cv_between"), *cw = json_object_get(r, "cv_within_mean");

	if (!json_is_object(r))
		return "not an object";
	if (!json_is_string(g) || !json_is_string(m))
		return "no group or metric string";
	if (!json_is_integer(cl) || json_integer_value(cl) < 1)
		return "clients is not a positive integer";
	if (!json_is_number(cb) || json_number_value(cb) < 0)
		return "cv_between is not a number >= 0";
	calib_add(c, json_string_value(g), json_string_value(m),
		  (int)json_integer_value(cl), json_is_integer(n) ? (int)json_integer_value(n) : 0,
		  json_number_value(cb), json_is_number(cw) ? json_number_value(cw) : NAN);
	return NULL;
}

static char *str_or_null(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

int calib_load(const char *arg, const char *what, struct calib *c)
{
	char path[PATH_MAX], why[200] = "";
	struct stat st;
	json_error_t jerr;
	json_t *j = NULL, *rows, *runs, *v;
	size_t i;

	*c = (struct calib){ 0 };
	if (!stat(arg, &st) && S_ISDIR(st.st_mode))
		snprintf(path, sizeof(path), "%s/%s", arg, CALIB_FILE);
	else
		snprintf(path, sizeof(path), "%s", arg);
	if (stat(path, &st)) {
		errmsg(errno, "%s: %s", what, path);
		return EXIT_USAGE;
	}
	j = json_load_file(path, 0, &jerr);
	if (!j) {
		snprintf(why, sizeof(why), "not JSON (line %d: %s)", jerr.line, jerr.text);
		goto bad;
	}
	if (!json_is_object(j) || json_integer_value(json_object_get(j, "schema")) != CALIB_SCHEMA) {
		snprintf(why, sizeof(why), "not a calibration (schema %d expected)", CALIB_SCHEMA);
		goto bad;
	}
	rows = json_object_get(j, "rows");
	if (!json_is_array(rows)) {
		snprintf(why, sizeof(why), "not a calibration (no rows array)");
		goto bad;
	}
	json_array_foreach(rows, i, v) {
		const char *e = row_from_json(v, c);

		if (e) {
			snprintf(why, sizeof(why), "rows[%zu]: %s", i, e);
			goto bad;
		}
	}
	runs = json_object_get(j, "runs");
	json_array_foreach(runs, i, v)
		if (json_is_string(v)) {
			c->runs = xrealloc(c->runs, (size_t)c->nruns + 1, sizeof(*c->runs));
			c->runs[c->nruns++] = xstrdup(json_string_value(v));
		}
	if (json_is_string(json_object_get(j, "config")))
		c->config = xstrdup(json_string_value(json_object_get(j, "config")));
	c->config_hash = str_or_null(j, "config_hash");
	c->label = str_or_null(j, "label");
	c->hostname = str_or_null(j, "hostname");
	c->cpu_model = str_or_null(j, "cpu_model");
	if (json_is_integer(json_object_get(j, "time")))
		c->time = json_integer_value(json_object_get(j, "time"));
	c->path = xstrdup(path);
	json_decref(j);
	return 0;
bad:
	errmsg(0, "%s: %s: %s", what, path, why);
	json_decref(j);
	calib_free(c);
	return EXIT_USAGE;
}
