/*
 * plan.c - expand a config into points.  Axes are the list-valued keys of
 * a workload section in file order (an odometer, last key fastest), with
 * the client count innermost so one group's points sit together the way
 * compare prints them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "options.h"
#include "plan.h"

static bool interleaved(const struct config *c, const char *key)
{
	for (int i = 0; i < c->ninterleave; i++)
		if (!strcmp(c->interleave[i], key))
			return true;
	return false;
}

static void argv_push(struct plan_point *pt, const char *s)
{
	pt->argv = realloc(pt->argv, sizeof(char *) * (size_t)(pt->argc + 2));
	pt->argv[pt->argc++] = strdup(s);
	pt->argv[pt->argc] = NULL;
}

static void axis_push(struct plan_point *pt, const char *key, const char *value)
{
	pt->axes = realloc(pt->axes, sizeof(*pt->axes) * (size_t)(pt->naxes + 1));
	pt->axes[pt->naxes++] = (struct axis){ .key = strdup(key), .value = strdup(value) };
}

/* Build one point from the odometer position idx[] and a client count. */
static void make_point(const struct config *c, const struct cfg_workload *w,
		       const int *idx, int clients, struct plan_point *pt,
		       char ***setkeys, int *nsets)
{
	char group[1024], setkey[1024], num[32];
	const struct cfg_kv *mode = cfg_find(w, "mode");

	*pt = (struct plan_point){ .wl = w, .clients = clients, .prefetch = -1 };
	pt->mode = strdup(mode ? mode->vals[idx[mode - w->kv]] : "threads");
	pt->params = json_object();
	pt->metrics = json_object_get(w->optspec, "metrics");
	axis_push(pt, "mode", pt->mode);
	snprintf(setkey, sizeof(setkey), "%s", w->name);
	argv_push(pt, w->program);
	argv_push(pt, !strcmp(pt->mode, "threads") ? "-t" : "-n");
	snprintf(num, sizeof(num), "%d", clients);
	argv_push(pt, num);

	for (int k = 0; k < w->nkv; k++) {
		const struct cfg_kv *kv = &w->kv[k];
		const char *v = kv->vals[idx[k]];

		if (!strcmp(kv->key, "clients"))
			continue;
		json_object_set_new(pt->params, kv->key, json_string(v));
		if (kv->nvals > 1 && kv != mode)
			axis_push(pt, kv->key, v);
		if (kv->nvals > 1 && !interleaved(c, kv->key))
			snprintf(setkey + strlen(setkey), sizeof(setkey) - strlen(setkey),
				 " %s=%s", kv->key, v);
		if (!strcmp(kv->key, "prefetch"))
			pt->prefetch = !strcmp(v, "on");
		if (kv->kind == KV_OPTION) {
			char opt[96];

			snprintf(opt, sizeof(opt), "--%s", kv->key);
			argv_push(pt, opt);
			argv_push(pt, v);
		} else if (kv->kind == KV_FLAG && !strcmp(v, "yes")) {
			char opt[96];

			snprintf(opt, sizeof(opt), "--%s", kv->key);
			argv_push(pt, opt);
		}
	}
	json_object_set_new(pt->params, "mode", json_string(pt->mode));
	json_object_set_new(pt->params, "clients", json_integer(clients));
	if (!interleaved(c, "clients"))
		snprintf(setkey + strlen(setkey), sizeof(setkey) - strlen(setkey),
			 " clients=%d", clients);
	pt->group = strdup(point_group_render(w->name, pt->axes, pt->naxes, group, sizeof(group)));

	for (pt->set = 0; pt->set < *nsets; pt->set++)
		if (!strcmp((*setkeys)[pt->set], setkey))
			return;
	*setkeys = realloc(*setkeys, sizeof(char *) * (size_t)(*nsets + 1));
	(*setkeys)[(*nsets)++] = strdup(setkey);
}

int plan_build(const struct config *c, struct plan *p)
{
	char **setkeys = NULL;
	int nsets = 0, cap = 0;

	*p = (struct plan){ .ncpus = c->env.ncpus };
	for (int wi = 0; wi < c->nwl; wi++) {
		const struct cfg_workload *w = &c->wl[wi];
		int *idx = calloc((size_t)w->nkv + 1, sizeof(int));
		bool done = false;

		if (!idx) {
			errmsg(0, "plan: out of memory");
			return EXIT_NORES;
		}
		while (!done) {
			for (int ci = 0; ci < w->nclients; ci++) {
				if (p->npoints == cap) {
					cap = cap ? cap * 2 : 64;
					p->pts = realloc(p->pts, sizeof(*p->pts) * (size_t)cap);
				}
				make_point(c, w, idx, w->clients[ci], &p->pts[p->npoints],
					   &setkeys, &nsets);
				snprintf(p->pts[p->npoints].id, sizeof(p->pts[0].id), "p%03d",
					 p->npoints);
				p->npoints++;
			}
			/* advance the odometer over list-valued keys, last fastest */
			done = true;
			for (int k = w->nkv - 1; k >= 0; k--) {
				if (w->kv[k].nvals < 2 || !strcmp(w->kv[k].key, "clients"))
					continue;
				if (++idx[k] < w->kv[k].nvals) {
					done = false;
					break;
				}
				idx[k] = 0;
			}
		}
		free(idx);
	}
	p->nsets = nsets;
	for (int i = 0; i < nsets; i++)
		free(setkeys[i]);
	free(setkeys);
	return 0;
}

void plan_free(struct plan *p)
{
	for (int i = 0; i < p->npoints; i++) {
		struct plan_point *pt = &p->pts[i];

		for (int a = 0; a < pt->argc; a++)
			free(pt->argv[a]);
		free(pt->argv);
		for (int a = 0; a < pt->naxes; a++) {
			free(pt->axes[a].key);
			free(pt->axes[a].value);
		}
		free(pt->axes);
		free(pt->group);
		free(pt->mode);
		json_decref(pt->params);
	}
	free(p->pts);
	*p = (struct plan){ 0 };
}

json_t *plan_json(const struct plan *p)
{
	json_t *pts = json_array();

	for (int i = 0; i < p->npoints; i++) {
		const struct plan_point *pt = &p->pts[i];
		json_t *argv = json_array(), *axes = json_array();

		for (int a = 0; a < pt->argc; a++)
			json_array_append_new(argv, json_string(pt->argv[a]));
		for (int a = 0; a < pt->naxes; a++)
			json_array_append_new(axes, json_pack("{s:s, s:s}", "key", pt->axes[a].key,
							      "value", pt->axes[a].value));
		json_array_append_new(pts, json_pack("{s:s, s:s, s:s, s:o, s:s, s:i, s:O, s:o, s:i}",
			"id", pt->id, "workload", pt->wl->name, "program", pt->wl->program,
			"axes", axes, "group", pt->group, "clients", pt->clients, "params", pt->params,
			"argv", argv, "set", pt->set));
	}
	return json_pack("{s:i, s:i, s:i, s:o}", "ncpus", p->ncpus, "npoints", p->npoints,
			 "nsets", p->nsets, "points", pts);
}

static bool is_size_opt(const struct cfg_workload *w, const char *arg)
{
	const char *tabs[2] = { "harness", "options" };
	json_t *o;
	size_t i;

	if (!w || strncmp(arg, "--", 2))
		return false;
	for (int t = 0; t < 2; t++)
		json_array_foreach(json_object_get(w->optspec, tabs[t]), i, o)
			if (!strcmp(json_string_value(json_object_get(o, "name")), arg + 2))
				return !strcmp(json_string_value(json_object_get(o, "type")), "size");
	return false;
}

void plan_print(const struct plan *p, FILE *f)
{
	for (int i = 0; i < p->npoints; i++) {
		const struct plan_point *pt = &p->pts[i];

		fprintf(f, "%s  set %-3d %-40s clients=%-4d", pt->id, pt->set, pt->group, pt->clients);
		for (int a = 0; a < pt->argc; a++) {
			uint64_t b;
			char buf[64];

			/* a size option's bytes with a unit, for people */
			if (a > 0 && is_size_opt(pt->wl, pt->argv[a - 1]) &&
			    !parse_size(pt->argv[a], &b))
				fprintf(f, " %s", size_text(b, buf, sizeof(buf)));
			else
				fprintf(f, " %s", pt->argv[a]);
		}
		if (pt->prefetch >= 0)
			fprintf(f, "  [prefetch %s]", pt->prefetch ? "on" : "off");
		fputc('\n', f);
	}
}
