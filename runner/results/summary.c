/*
 * summary.c - summary.json and meta.json of a results directory: the only
 * code that knows their on-disk form (results/README.md).  Readers get a
 * struct summary; the writer side gets the JSON back and an atomic writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "summary.h"

#define SUMMARY_SCHEMA 1

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? strdup(s) : NULL;
}

static void metric_free(struct metric *m)
{
	free(m->name);
	free(m->values);
}

static void point_free(struct point *p)
{
	free(p->id);
	free(p->workload);
	free(p->group);
	free(p->status);
	free(p->reason);
	json_decref(p->params);
	json_decref(p->extra);
	for (int i = 0; i < p->nmetrics; i++)
		metric_free(&p->metrics[i]);
	free(p->metrics);
	memset(p, 0, sizeof(*p));
}

static int parse_metric(const char *name, json_t *j, struct metric *m,
			char *why, size_t n)
{
	json_t *vals = json_object_get(j, "values"), *v;
	const char *better = json_string_value(json_object_get(j, "better"));
	size_t i;

	m->name = strdup(name);
	if (!m->name)
		goto nomem;
	if (!better || !strcmp(better, "higher"))
		m->dir = BETTER_HIGHER;
	else if (!strcmp(better, "lower"))
		m->dir = BETTER_LOWER;
	else {
		snprintf(why, n, "metric %s: better is '%s', not higher or lower", name, better);
		return -1;
	}
	if (!json_is_array(vals)) {
		snprintf(why, n, "metric %s: values is not an array", name);
		return -1;
	}
	m->values = calloc(json_array_size(vals) + 1, sizeof(*m->values));
	if (!m->values)
		goto nomem;
	json_array_foreach(vals, i, v) {
		if (!json_is_number(v)) {
			snprintf(why, n, "metric %s: values[%zu] is not a number", name, i);
			return -1;
		}
		m->values[m->n++] = json_number_value(v);
	}
	return 0;
nomem:
	snprintf(why, n, "%s", strerror(ENOMEM));
	return -1;
}

/* Fills p from j; on error leaves a reason in why (p still needs freeing). */
static int parse_point(json_t *j, struct point *p, char *why, size_t n)
{
	json_t *metrics, *m;
	const char *name;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(j)) {
		snprintf(why, n, "not an object");
		return -1;
	}
	p->id = dup_str(j, "id");
	p->workload = dup_str(j, "workload");
	p->group = dup_str(j, "group");
	p->status = dup_str(j, "status");
	p->reason = dup_str(j, "reason");
	if (!p->group)
		p->group = strdup(p->workload ? p->workload : "");
	if (!p->status)
		p->status = strdup("ok");
	if (!json_is_integer(json_object_get(j, "clients"))) {
		snprintf(why, n, "clients is missing or not an integer");
		return -1;
	}
	p->clients = (int)json_integer_value(json_object_get(j, "clients"));
	p->params = json_incref(json_object_get(j, "params"));
	p->extra = json_incref(json_object_get(j, "extra"));

	metrics = json_object_get(j, "metrics");
	if (metrics && !json_is_object(metrics)) {
		snprintf(why, n, "metrics is not an object");
		return -1;
	}
	p->metrics = calloc(json_object_size(metrics) + 1, sizeof(*p->metrics));
	if (!p->metrics || !p->group || !p->status) {
		snprintf(why, n, "%s", strerror(ENOMEM));
		return -1;
	}
	json_object_foreach(metrics, name, m) {
		if (parse_metric(name, m, &p->metrics[p->nmetrics++], why, n))
			return -1;
	}
	return 0;
}

int summary_point_from_json(json_t *j, struct point *p)
{
	char why[160];

	if (parse_point(j, p, why, sizeof(why))) {
		point_free(p);
		return -1;
	}
	return 0;
}

/* Loads DIR/NAME: the object, or NULL (absent: *missing set, else message). */
static json_t *load_json(const char *dir, const char *name, bool *missing)
{
	char path[PATH_MAX];
	json_error_t err;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*missing = false;
	if (access(path, F_OK)) {
		*missing = true;
		return NULL;
	}
	j = json_load_file(path, 0, &err);
	if (!j) {
		errmsg(0, "%s:%d: %s", path, err.line, err.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		errmsg(0, "%s: not a JSON object", path);
		json_decref(j);
		return NULL;
	}
	return j;
}

static int load_points(const char *dir, json_t *sum, struct summary *s)
{
	json_t *pts = json_object_get(sum, "points"), *pj;
	json_t *schema = json_object_get(sum, "schema");
	char why[160];
	size_t i;

	if (schema && json_integer_value(schema) != SUMMARY_SCHEMA) {
		errmsg(0, "%s/summary.json: unsupported schema (this mmscale reads %d)",
		       dir, SUMMARY_SCHEMA);
		return EXIT_USAGE;
	}
	if (!json_is_array(pts)) {
		errmsg(0, "%s/summary.json: points is missing or not an array", dir);
		return EXIT_USAGE;
	}
	s->points = calloc(json_array_size(pts) + 1, sizeof(*s->points));
	if (!s->points) {
		errmsg(ENOMEM, "%s/summary.json", dir);
		return EXIT_FAIL;
	}
	json_array_foreach(pts, i, pj) {
		if (parse_point(pj, &s->points[s->npoints++], why, sizeof(why))) {
			errmsg(0, "%s/summary.json: points[%zu]: %s", dir, i, why);
			return EXIT_USAGE;
		}
	}
	return 0;
}

int summary_load(const char *dir, struct summary *s)
{
	json_t *sum = NULL;
	bool no_sum, no_meta;
	struct stat st;
	const char *label;
	int rc = EXIT_USAGE;

	memset(s, 0, sizeof(*s));
	if (stat(dir, &st)) {
		errmsg(errno, "%s", dir);
		return EXIT_USAGE;
	}
	if (!S_ISDIR(st.st_mode)) {
		errmsg(0, "%s: not a results directory (not a directory)", dir);
		return EXIT_USAGE;
	}
	s->dir = strdup(dir);
	s->meta = load_json(dir, "meta.json", &no_meta);
	if (!s->meta && !no_meta)
		goto out;
	sum = load_json(dir, "summary.json", &no_sum);
	if (!sum && !no_sum)
		goto out;
	if (no_sum && no_meta) {
		errmsg(0, "%s: not a results directory (no summary.json or meta.json)", dir);
		goto out;
	}
	if (!s->meta)
		s->meta = json_object();
	/* A run interrupted before its first point has meta.json only. */
	if (sum) {
		rc = load_points(dir, sum, s);
		if (rc)
			goto out;
	}
	label = json_string_value(json_object_get(sum, "label"));
	if (!label)
		label = json_string_value(json_object_get(s->meta, "label"));
	if (label) {
		s->label = strdup(label);
	} else {
		char *d = strdup(dir);

		s->label = strdup(d ? basename(d) : dir);
		free(d);
	}
	rc = s->dir && s->label && s->meta ? 0 : EXIT_FAIL;
	if (rc)
		errmsg(ENOMEM, "%s", dir);
out:
	json_decref(sum);
	if (rc)
		summary_free(s);
	return rc;
}

void summary_free(struct summary *s)
{
	for (int i = 0; i < s->npoints; i++)
		point_free(&s->points[i]);
	free(s->points);
	free(s->label);
	free(s->dir);
	json_decref(s->meta);
	memset(s, 0, sizeof(*s));
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

json_t *summary_point_to_json(const struct point *p)
{
	json_t *j = json_object(), *ms = json_object();

	set_str(j, "id", p->id);
	set_str(j, "workload", p->workload);
	set_str(j, "group", p->group);
	json_object_set_new(j, "clients", json_integer(p->clients));
	set_str(j, "status", p->status);
	set_str(j, "reason", p->reason);
	if (p->params)
		json_object_set(j, "params", p->params);
	for (int i = 0; i < p->nmetrics; i++) {
		const struct metric *m = &p->metrics[i];
		json_t *vals = json_array();

		for (int k = 0; k < m->n; k++)
			json_array_append_new(vals, json_real(m->values[k]));
		json_object_set_new(ms, m->name, json_pack("{s:s,s:o}",
			"better", m->dir == BETTER_LOWER ? "lower" : "higher",
			"values", vals));
	}
	json_object_set_new(j, "metrics", ms);
	if (p->extra)
		json_object_set(j, "extra", p->extra);
	return j;
}

json_t *summary_to_json(const struct summary *s)
{
	json_t *j = json_object(), *pts = json_array();

	json_object_set_new(j, "schema", json_integer(SUMMARY_SCHEMA));
	set_str(j, "label", s->label);
	for (int i = 0; i < s->npoints; i++)
		json_array_append_new(pts, summary_point_to_json(&s->points[i]));
	json_object_set_new(j, "points", pts);
	return j;
}

const struct metric *point_metric(const struct point *p, const char *name)
{
	for (int i = 0; i < p->nmetrics; i++)
		if (!strcmp(p->metrics[i].name, name))
			return &p->metrics[i];
	return NULL;
}

/* fsync the directory holding path, so the rename itself is durable. */
static int sync_dir(const char *path)
{
	char *d = strdup(path);
	int fd, rc = -1;

	if (!d)
		return -1;
	fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	free(d);
	return rc;
}

int json_write_atomic(const char *path, json_t *j)
{
	char tmp[PATH_MAX];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (json_dumpfd(j, fd, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) ||
	    write(fd, "\n", 1) != 1 || fsync(fd))
		goto fail;
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path))
		goto fail;
	return sync_dir(path);
fail:
	err = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = err;
	return -1;
}
