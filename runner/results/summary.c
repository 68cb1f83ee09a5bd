/*
 * summary.c - summary.json of a results directory (summary.h): the only
 * code that knows its on-disk form, in every version it has had
 * (docs/output-schema.md).  Readers get typed points; the writer side gets
 * the JSON back and an atomic writer.
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

#include "meta.h"

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? strdup(s) : NULL;
}

static void metric_free(struct metric *m)
{
	free(m->name);
	free(m->unit);
	free(m->values);
}

static void point_free(struct point *p)
{
	free(p->id);
	free(p->workload);
	for (int i = 0; i < p->naxes; i++) {
		free(p->axes[i].key);
		free(p->axes[i].value);
	}
	free(p->axes);
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

int metric_from_decl(json_t *j, struct metric *m, char *why, size_t n)
{
	const char *name = json_string_value(json_object_get(j, "name"));
	const char *better = json_string_value(json_object_get(j, "better"));
	const char *agg = json_string_value(json_object_get(j, "aggregate"));
	json_t *prec = json_object_get(j, "precision");
	int b = better ? metric_better_parse(better) : BETTER_HIGHER, a, ideal;

	if (!m->name && name && !(m->name = strdup(name)))
		goto nomem;
	if (b < 0) {
		snprintf(why, n, "metric %s: better is '%s', not higher or lower",
			 m->name ? m->name : "?", better);
		return -1;
	}
	/* schema 1 had no aggregate: mmtests' mean for the direction */
	a = agg ? metric_aggregate_parse(agg) : b == BETTER_HIGHER ? AGG_HARMONIC : AGG_ARITHMETIC;
	if (a < 0) {
		snprintf(why, n, "metric %s: aggregate is '%s', not harmonic or arithmetic",
			 m->name ? m->name : "?", agg);
		return -1;
	}
	m->dir = b;
	m->agg = a;
	/* absent (or unknown, from a newer tool): no ideal line */
	ideal = metric_ideal_parse(json_string_value(json_object_get(j, "ideal")));
	m->ideal = ideal < 0 ? IDEAL_NONE : ideal;
	m->precision = json_is_integer(prec) ? (int)json_integer_value(prec) : METRIC_PRECISION_DEFAULT;
	if (m->precision < 0 || m->precision > 12)
		m->precision = METRIC_PRECISION_DEFAULT;
	m->unit = strdup(json_string_value(json_object_get(j, "unit")) ?: "");
	if (!m->unit)
		goto nomem;
	return 0;
nomem:
	snprintf(why, n, "%s", strerror(ENOMEM));
	return -1;
}

json_t *metric_decl_to_json(const struct metric *m)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:i}", "unit", m->unit ? m->unit : "",
			      "better", metric_better_name(m->dir),
			      "aggregate", metric_aggregate_name(m->agg), "precision", m->precision);

	if (m->ideal != IDEAL_NONE)
		json_object_set_new(j, "ideal", json_string(metric_ideal_name(m->ideal)));
	return j;
}

static int parse_metric(const char *name, json_t *j, struct metric *m,
			char *why, size_t n)
{
	json_t *vals = json_object_get(j, "values"), *v;
	size_t i;

	m->name = strdup(name);
	if (!m->name) {
		snprintf(why, n, "%s", strerror(ENOMEM));
		return -1;
	}
	if (!json_is_object(j)) {
		snprintf(why, n, "metric %s: not an object", name);
		return -1;
	}
	if (metric_from_decl(j, m, why, n))
		return -1;
	if (!json_is_array(vals)) {
		snprintf(why, n, "metric %s: values is not an array", name);
		return -1;
	}
	m->values = calloc(json_array_size(vals) + 1, sizeof(*m->values));
	if (!m->values) {
		snprintf(why, n, "%s", strerror(ENOMEM));
		return -1;
	}
	json_array_foreach(vals, i, v) {
		if (!json_is_number(v)) {
			snprintf(why, n, "metric %s: values[%zu] is not a number", name, i);
			return -1;
		}
		m->values[m->n++] = json_number_value(v);
	}
	return 0;
}

static int add_axis(struct point *p, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct axis *a = realloc(p->axes, (size_t)(p->naxes + 1) * sizeof(*a));

	if (!a)
		return -1;
	p->axes = a;
	a[p->naxes].key = strndup(key, klen);
	a[p->naxes].value = strndup(val, vlen);
	if (!a[p->naxes].key || !a[p->naxes].value) {
		free(a[p->naxes].key);
		free(a[p->naxes].value);
		return -1;
	}
	p->naxes++;
	return 0;
}

/* Schema 2: "axes": [{"key": K, "value": V}, ...] in plan order. */
static int parse_axes(json_t *axes, struct point *p, char *why, size_t n)
{
	json_t *a;
	size_t i;

	if (!json_is_array(axes)) {
		snprintf(why, n, "axes is not an array");
		return -1;
	}
	json_array_foreach(axes, i, a) {
		const char *k = json_string_value(json_object_get(a, "key"));
		const char *v = json_string_value(json_object_get(a, "value"));

		if (!k || !v) {
			snprintf(why, n, "axes[%zu]: want {\"key\": K, \"value\": V}", i);
			return -1;
		}
		if (add_axis(p, k, strlen(k), v, strlen(v))) {
			snprintf(why, n, "%s", strerror(ENOMEM));
			return -1;
		}
	}
	return 0;
}

/*
 * Schema 1 stored a point's identity only as its group string, "pft
 * mode=threads layout=shared": the workload, then key=value per axis.
 * This reader of the old version is the one place that takes it apart.
 */
static int axes_from_v1_group(const char *group, struct point *p)
{
	const char *t = group + strcspn(group, " ");

	if (!p->workload && !(p->workload = strndup(group, (size_t)(t - group))))
		return -1;
	while (*t) {
		size_t len, klen;

		t += strspn(t, " ");
		len = strcspn(t, " ");
		klen = strcspn(t, "=");
		if (len && klen < len && add_axis(p, t, klen, t + klen + 1, len - klen - 1))
			return -1;
		t += len;
	}
	return 0;
}

/* Fills p from j; on error leaves a reason in why (p still needs freeing). */
static int parse_point(json_t *j, int schema, struct point *p, char *why, size_t n)
{
	json_t *metrics, *m;
	const char *name;
	char buf[1024];

	memset(p, 0, sizeof(*p));
	if (!json_is_object(j)) {
		snprintf(why, n, "not an object");
		return -1;
	}
	p->id = dup_str(j, "id");
	p->workload = dup_str(j, "workload");
	p->status = dup_str(j, "status");
	p->reason = dup_str(j, "reason");
	if (!p->status)
		p->status = strdup("ok");
	if (schema >= 2) {
		if (!p->workload) {
			snprintf(why, n, "workload is missing");
			return -1;
		}
		if (parse_axes(json_object_get(j, "axes"), p, why, n))
			return -1;
	} else {
		const char *g = json_string_value(json_object_get(j, "group"));

		if (axes_from_v1_group(g ? g : p->workload ? p->workload : "", p)) {
			snprintf(why, n, "%s", strerror(ENOMEM));
			return -1;
		}
	}
	p->group = strdup(point_group_render(p->workload, p->axes, p->naxes, buf, sizeof(buf)));
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

json_t *results_json_load(const char *dir, const char *name, bool *missing)
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

	/* no "schema" at all: the first form, before versions were written */
	s->schema = schema ? (int)json_integer_value(schema) : 1;
	if (s->schema < 1 || s->schema > SUMMARY_SCHEMA) {
		errmsg(0, "%s/summary.json: unsupported schema %s (this mmscale reads 1 to %d)",
		       dir, json_is_integer(schema) ? "newer than it knows" : "(not a number)",
		       SUMMARY_SCHEMA);
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
		if (parse_point(pj, s->schema, &s->points[s->npoints++], why, sizeof(why))) {
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
	rc = meta_load(dir, &s->meta, &no_meta);
	if (rc)
		goto out;
	rc = EXIT_USAGE;
	sum = results_json_load(dir, "summary.json", &no_sum);
	if (!sum && !no_sum)
		goto out;
	if (no_sum && no_meta) {
		errmsg(0, "%s: not a results directory (no summary.json or meta.json)", dir);
		goto out;
	}
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
	json_t *j = json_object(), *ms = json_object(), *axes = json_array();
	char buf[1024];

	set_str(j, "id", p->id);
	set_str(j, "workload", p->workload);
	for (int i = 0; i < p->naxes; i++)
		json_array_append_new(axes, json_pack("{s:s, s:s}", "key", p->axes[i].key,
						      "value", p->axes[i].value));
	json_object_set_new(j, "axes", axes);
	/* for people and old readers; never read back */
	set_str(j, "group", point_group_render(p->workload, p->axes, p->naxes, buf, sizeof(buf)));
	json_object_set_new(j, "clients", json_integer(p->clients));
	set_str(j, "status", p->status);
	set_str(j, "reason", p->reason);
	if (p->params)
		json_object_set(j, "params", p->params);
	for (int i = 0; i < p->nmetrics; i++) {
		const struct metric *m = &p->metrics[i];
		json_t *vals = json_array(), *mj = metric_decl_to_json(m);

		for (int k = 0; k < m->n; k++)
			json_array_append_new(vals, json_real(m->values[k]));
		json_object_set_new(mj, "values", vals);
		json_object_set_new(ms, m->name, mj);
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

const char *point_axis(const struct point *p, const char *key)
{
	for (int i = 0; i < p->naxes; i++)
		if (!strcmp(p->axes[i].key, key))
			return p->axes[i].value;
	return NULL;
}

static bool listed(const char *const *keys, const char *k)
{
	for (int i = 0; keys && keys[i]; i++)
		if (!strcmp(keys[i], k))
			return true;
	return false;
}

bool point_same_group_except(const struct point *a, const struct point *b,
			     const char *const *except)
{
	int i = 0, j = 0;

	if (strcmp(a->workload ? a->workload : "", b->workload ? b->workload : ""))
		return false;
	for (;;) {
		while (i < a->naxes && listed(except, a->axes[i].key))
			i++;
		while (j < b->naxes && listed(except, b->axes[j].key))
			j++;
		if (i == a->naxes || j == b->naxes)
			return i == a->naxes && j == b->naxes;
		if (strcmp(a->axes[i].key, b->axes[j].key) ||
		    strcmp(a->axes[i].value, b->axes[j].value))
			return false;
		i++;
		j++;
	}
}

bool point_same_group(const struct point *a, const struct point *b)
{
	return point_same_group_except(a, b, NULL);
}

char *point_group_render(const char *workload, const struct axis *axes, int naxes,
			 char *buf, size_t n)
{
	size_t len = (size_t)snprintf(buf, n, "%s", workload ? workload : "");

	for (int i = 0; i < naxes && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, " %s=%s", axes[i].key, axes[i].value);
	return buf;
}

char *point_row_name(const char *metric, int clients, char *buf, size_t n)
{
	snprintf(buf, n, "%s-%d", metric, clients);
	return buf;
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
