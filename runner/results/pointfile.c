/*
 * pointfile.c - point.json (pointfile.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "pointfile.h"

static json_t *axes_json(const struct axis *axes, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "key", axes[i].key,
						   "value", axes[i].value));
	return a;
}

int pointfile_write(const char *dir, json_t *pj, const struct point_head *h)
{
	char path[PATH_MAX], group[1024];
	json_t *argv = json_array();

	for (int a = 0; a < h->argc; a++)
		json_array_append_new(argv, json_string(h->argv[a]));
	point_group_render(h->workload, h->axes, h->naxes, group, sizeof(group));
	json_object_update_new(pj, json_pack("{s:i, s:s, s:s, s:s, s:o, s:s, s:i, s:O, s:o,"
					     " s:s, s:O, s:f, s:i}",
		"schema", POINT_SCHEMA, "id", h->id, "workload", h->workload,
		"program", h->program, "axes", axes_json(h->axes, h->naxes),
		"group", group, "clients", h->clients, "params", h->params, "argv", argv,
		"status", h->status, "seq", h->seq, "wall_sec", h->wall_sec,
		"invocations", h->invocations));
	if (h->metrics)
		json_object_set(pj, "metrics", h->metrics);
	if (h->reason && *h->reason)
		json_object_set_new(pj, "reason", json_string(h->reason));
	else
		json_object_del(pj, "reason");
	if ((size_t)snprintf(path, sizeof(path), "%s/point.json", dir) >= sizeof(path)) {
		errmsg(ENAMETOOLONG, "%s/point.json", dir);
		return EXIT_FAIL;
	}
	if (json_write_atomic(path, pj)) {
		errmsg(errno, "writing %s", path);
		return EXIT_FAIL;
	}
	return 0;
}

json_t *pointfile_load(const char *dir)
{
	char path[PATH_MAX];
	json_t *pj, *schema;

	snprintf(path, sizeof(path), "%s/point.json", dir);
	pj = json_load_file(path, 0, NULL);
	if (!json_is_object(pj)) {
		json_decref(pj);
		return NULL;
	}
	schema = json_object_get(pj, "schema");
	if (json_integer_value(schema) > POINT_SCHEMA) {
		json_decref(pj);
		return NULL;
	}
	/* version 1 (no "schema"): the same fields without axes and
	 * declarations, which the runner takes from the plan anyway */
	if (!schema)
		json_object_set_new(pj, "schema", json_integer(POINT_SCHEMA));
	return pj;
}
