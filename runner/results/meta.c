/*
 * meta.c - meta.json's versions (meta.h).  Version 1 files were written
 * while fields were still being renamed, so one "schema": 1 file may say
 * start_time where another says start; the table below maps every name a
 * field has had to the one it has now.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "meta.h"
#include "summary.h"

/* current name <- names it had before; the first that exists wins */
static const struct rename {
	const char *now;
	const char *const was[6];
	bool object;		/* the field is an object (else only scalars move) */
} renames[] = {
	{ "start", { "start_time", "time.start", "started", "times.start" }, false },
	{ "end", { "end_time", "time.end" }, false },
	{ "tool.version", { "version" }, false },
	{ "git", { "tool.git" }, false },
	{ "config.path", { "config_path", "config.file" }, false },
	{ "config.name", { "config_name" }, false },
	{ "config.hash", { "config_hash" }, false },
	{ "hostname", { "host.hostname", "machine.hostname", "system.hostname", "uname.nodename" }, false },
	{ "kernel.release", { "kernel", "uname.release" }, false },
	{ "kernel.cmdline", { "cmdline" }, false },
	{ "cpu.model_name", { "cpu.model name", "cpu.name", "cpu_model", "machine.cpu_model" }, false },
	{ "topology.summary", { "topology" }, false },
	{ "topology.ncpus", { "ncpus" }, false },
	{ "topology.numa_nodes", { "numa.nodes", "numa_nodes" }, false },
	{ "mm.thp_enabled", { "thp.enabled", "thp" }, false },
	{ "mm.thp_defrag", { "thp.defrag" }, false },
	{ "mm.aslr", { "aslr" }, false },
	{ "cpufreq.governor", { "cpufreq" }, false },
	{ "prefetch.state", { "prefetch" }, false },
	{ "slab.caches.vm_area_struct", { "slab.vm_area_struct" }, true },
};

json_t *meta_at(json_t *meta, const char *path)
{
	char key[128];
	json_t *j = meta;

	while (j && *path) {
		size_t len = strcspn(path, ".");

		/* "cpu.model name": a key with a space, no dot inside */
		snprintf(key, sizeof(key), "%.*s", (int)len, path);
		j = json_is_object(j) ? json_object_get(j, key) : NULL;
		path += len + (path[len] == '.');
	}
	return j;
}

const char *meta_str(json_t *meta, const char *path)
{
	const char *s = json_string_value(meta_at(meta, path));

	return s && *s ? s : NULL;
}

/* Set the value at a dotted path, making the objects on the way. */
static void set_at(json_t *meta, const char *path, json_t *v)
{
	char key[128];
	size_t len = strcspn(path, ".");

	snprintf(key, sizeof(key), "%.*s", (int)len, path);
	if (!path[len]) {
		json_object_set(meta, key, v);
		return;
	}
	if (!json_is_object(json_object_get(meta, key)))
		json_object_set_new(meta, key, json_object());
	set_at(json_object_get(meta, key), path + len + 1, v);
}

/* The value at path unless it is an object (an old scalar "kernel" moves,
 * today's object "kernel" stays). */
static json_t *scalar_at(json_t *meta, const char *path)
{
	json_t *v = meta_at(meta, path);

	return v && !json_is_object(v) ? v : NULL;
}

int meta_upgrade(json_t *meta, const char *what)
{
	json_t *schema = json_object_get(meta, "schema");

	if (schema && (!json_is_integer(schema) || json_integer_value(schema) > META_SCHEMA ||
		       json_integer_value(schema) < 1)) {
		errmsg(0, "%s: unsupported meta.json schema (this mmscale reads 1 to %d)",
		       what, META_SCHEMA);
		return EXIT_USAGE;
	}
	if (json_integer_value(schema) == META_SCHEMA)
		return 0;
	for (size_t i = 0; i < sizeof(renames) / sizeof(renames[0]); i++) {
		const struct rename *r = &renames[i];

		if (r->object ? meta_at(meta, r->now) != NULL : scalar_at(meta, r->now) != NULL)
			continue;
		for (int k = 0; r->was[k]; k++) {
			json_t *v = r->object ? meta_at(meta, r->was[k]) : scalar_at(meta, r->was[k]);

			if (!v)
				continue;
			v = json_incref(v);
			if (!strchr(r->was[k], '.') && !r->object)
				json_object_del(meta, r->was[k]);	/* e.g. "kernel": "6.1" */
			set_at(meta, r->now, v);
			json_decref(v);
			break;
		}
	}
	return 0;
}

void meta_stamp(json_t *meta)
{
	json_object_set_new(meta, "schema", json_integer(META_SCHEMA));
}

int meta_load(const char *dir, json_t **meta, bool *missing)
{
	char path[PATH_MAX];
	json_t *j = results_json_load(dir, "meta.json", missing);

	*meta = NULL;
	if (*missing) {
		*meta = json_object();
		return *meta ? 0 : EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "%s/meta.json", dir);
	if (!j || meta_upgrade(j, path)) {
		json_decref(j);
		return EXIT_USAGE;
	}
	*meta = j;
	return 0;
}
