/*
 * show.c - `mmscale show DIR` (one run: how it ran and its per-point
 * summary) and `mmscale list [RESULTS]` (one line per run).
 *
 * meta.json comes upgraded to its current names (results/meta.h), and
 * whatever is absent prints as "-" rather than failing, so an old or
 * interrupted run can still be inspected.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "commands.h"
#include "runstate.h"
#include "stats.h"
#include "summary.h"
#include "sysinfo.h"

#define PATHS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* A scalar as text into buf ("-" when absent); objects print compactly. */
static const char *as_text(json_t *j, char *buf, size_t n)
{
	char *d;

	if (!j)
		return "-";
	if (json_is_string(j))
		return json_string_value(j);
	if (json_is_integer(j))
		snprintf(buf, n, "%lld", (long long)json_integer_value(j));
	else if (json_is_real(j))
		snprintf(buf, n, "%g", json_real_value(j));
	else if (json_is_boolean(j))
		snprintf(buf, n, "%s", json_is_true(j) ? "yes" : "no");
	else {
		d = json_dumps(j, JSON_COMPACT);
		snprintf(buf, n, "%s", d ? d : "?");
		free(d);
	}
	return buf;
}

static const char *meta_text(json_t *meta, const char *const *paths, char *buf, size_t n)
{
	return as_text(meta_get(meta, paths), buf, n);
}

/* sysfs choice files read "a [b] c": keep the chosen one. */
static const char *chosen(const char *v, char *buf, size_t n)
{
	const char *l = strchr(v, '['), *r = l ? strchr(l, ']') : NULL;

	if (!r)
		return v;
	snprintf(buf, n, "%.*s", (int)(r - l - 1), l + 1);
	return buf;
}

/* What the run did to a machine setting: "; requested R, was W: result". */
static void show_applied(json_t *meta, const char *key)
{
	json_t *ap = json_object_get(json_object_get(meta, "applied"), key);
	char r[64], w[64], res[256];

	if (json_is_object(ap))
		printf(" during the run; requested %s, was %s: %s",
		       as_text(json_object_get(ap, "requested"), r, sizeof(r)),
		       as_text(json_object_get(ap, "was"), w, sizeof(w)),
		       as_text(json_object_get(ap, "result"), res, sizeof(res)));
	putchar('\n');
}

static void show_meta(const struct summary *s)
{
	json_t *m = s->meta, *un, *v, *vma;
	char a[512], b[512], c[256], d[256];
	const char *key;
	bool first = true;

	printf("run:         %s (%s)\n", s->label, s->dir);
	printf("status:      %s\n", runstate_status(s->dir, m, false, a, sizeof(a)));
	printf("time:        %s .. %s\n", meta_text(m, PATHS("start"), a, sizeof(a)),
	       meta_text(m, PATHS("end"), b, sizeof(b)));
	printf("tool:        mmscale %s (%s)\n", meta_text(m, PATHS("tool.version"), a, sizeof(a)),
	       meta_text(m, PATHS("git"), b, sizeof(b)));
	printf("config:      %s\n", meta_text(m, PATHS("config.path"), a, sizeof(a)));
	printf("host:        %s\n", meta_text(m, PATHS("hostname"), a, sizeof(a)));
	printf("kernel:      %s\n", meta_text(m, PATHS("kernel.release"), a, sizeof(a)));
	printf("cmdline:     %s\n", meta_text(m, PATHS("kernel.cmdline"), a, sizeof(a)));
	printf("cpu:         %s (family %s model %s stepping %s)\n",
	       meta_text(m, PATHS("cpu.model_name"), a, sizeof(a)),
	       meta_text(m, PATHS("cpu.family"), b, sizeof(b)),
	       meta_text(m, PATHS("cpu.model"), c, sizeof(c)),
	       meta_text(m, PATHS("cpu.stepping"), d, sizeof(d)));
	printf("topology:    %s; %s CPUs, %s NUMA node(s)\n",
	       meta_text(m, PATHS("topology.summary"), a, sizeof(a)),
	       meta_text(m, PATHS("topology.ncpus"), b, sizeof(b)),
	       meta_text(m, PATHS("topology.numa_nodes"), c, sizeof(c)));
	printf("thp:         %s (defrag %s)",
	       chosen(meta_text(m, PATHS("mm.thp_enabled"), a, sizeof(a)), c, sizeof(c)),
	       chosen(meta_text(m, PATHS("mm.thp_defrag"), b, sizeof(b)), d, sizeof(d)));
	show_applied(m, "thp");
	printf("aslr:        %s", meta_text(m, PATHS("mm.aslr"), a, sizeof(a)));
	show_applied(m, "aslr");
	printf("cpufreq:     %s\n", meta_text(m, PATHS("cpufreq.governor"), a, sizeof(a)));
	if (meta_get(m, PATHS("prefetch.unavailable")))
		printf("prefetch:    unavailable: %s\n", meta_text(m, PATHS("prefetch.unavailable"), a, sizeof(a)));
	else
		printf("prefetch:    %s\n", meta_text(m, PATHS("prefetch.state"), a, sizeof(a)));
	vma = meta_get(m, PATHS("slab.caches.vm_area_struct"));
	if (vma)
		printf("slab:        vm_area_struct %s B x %s/slab, %s page(s)/slab, merged: %s\n",
		       as_text(json_object_get(vma, "objsize"), a, sizeof(a)),
		       as_text(json_object_get(vma, "objperslab"), b, sizeof(b)),
		       as_text(json_object_get(vma, "pagesperslab"), c, sizeof(c)),
		       as_text(json_object_get(vma, "merged"), d, sizeof(d)));
	else
		printf("slab:        %s\n", meta_text(m, PATHS("slab"), a, sizeof(a)));
	un = meta_get(m, PATHS("unavailable"));
	json_object_foreach(un, key, v) {
		printf("%s %s: %s\n", first ? "unavailable:" : "            ", key,
		       as_text(v, a, sizeof(a)));
		first = false;
	}
}

static void show_points(const struct summary *s)
{
	const char *group = NULL;

	if (!s->npoints) {
		printf("\nno points summarised yet\n");
		return;
	}
	for (int i = 0; i < s->npoints; i++) {
		const struct point *p = &s->points[i];

		if (!group || strcmp(group, p->group)) {	/* display names, as rendered */
			group = p->group;
			printf("\n%s\n  %-6s %7s  %-14s %-6s %14s %9s %4s  %s\n", group, "point",
			       "clients", "metric", "mean", "", "CoeffVar", "n", "status");
		}
		if (!p->nmetrics || strcmp(p->status, "ok")) {
			printf("  %-6s %7d  %-14s %-6s %14s %9s %4s  %s%s%s\n", p->id ? p->id : "-",
			       p->clients, "-", "", "", "", "", p->status,
			       p->reason ? ": " : "", p->reason ? p->reason : "");
			continue;
		}
		for (int k = 0; k < p->nmetrics; k++) {
			const struct metric *m = &p->metrics[k];
			struct stats st;

			stats_compute_agg(m->values, m->n, m->dir, m->agg, &st);
			printf("  %-6s %7d  %-14s %-6s %14.4f %8.2f%% %4d  %s\n", p->id ? p->id : "-",
			       p->clients, m->name, stats_headline_name(m->agg),
			       stats_headline(&st), st.coeffvar, st.n, p->status);
		}
	}
}

static const struct opt no_opts[] = { { 0 } };

static const struct cli_exit show_exits[] = {
	{ EXIT_OK, "shown" },
	CLI_EXITS_COMMON,
	{ -1 }
};

static int show_main(void *opts, int argc, char **argv)
{
	struct summary s;
	int rc = cli_load_run(argv[0], &s);

	if (rc)
		return rc;
	show_meta(&s);
	show_points(&s);
	summary_free(&s);
	return EXIT_OK;
}

const struct cli_command cli_cmd_show = {
	.name = "show", .operands = "RUN", .min_operands = 1, .max_operands = 1,
	.summary = "one run: its machine, config, settings and every point's headline",
	.description =
		"RUN is a results directory or a label under results/.  Prints the run's\n"
		"metadata (kernel, machine, what was unavailable, the settings applied) and\n"
		"per point its status and each metric's headline mean (Hmean for rates,\n"
		"Amean for times), CoeffVar and iterations.\n",
	.opts = no_opts, .exits = show_exits, .main = show_main,
};

static bool is_run_dir(const char *dir)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/meta.json", dir) >= (int)sizeof(p))
		return false;
	if (!access(p, F_OK))
		return true;
	if (snprintf(p, sizeof(p), "%s/summary.json", dir) >= (int)sizeof(p))
		return false;
	return !access(p, F_OK);
}

static int only_dirs(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static int list_main(void *opts, int argc, char **argv)
{
	struct dirent **ents = NULL;
	const char *root = argc ? argv[0] : "results";
	int n, shown = 0;
	struct stat st;

	errno = 0;
	if (stat(root, &st) || !S_ISDIR(st.st_mode)) {
		errmsg(errno ? errno : ENOTDIR, "list: %s", root);
		return EXIT_USAGE;
	}
	n = scandir(root, &ents, only_dirs, alphasort);
	if (n < 0) {
		errmsg(errno, "list: %s", root);
		return EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		char dir[PATH_MAX], a[256], b[256], c[256];
		struct summary s;
		int ok = 0, failed = 0;

		if (snprintf(dir, sizeof(dir), "%s/%s", root, ents[i]->d_name) >= (int)sizeof(dir))
			continue;
		if (stat(dir, &st) || !S_ISDIR(st.st_mode) || !is_run_dir(dir))
			continue;
		if (!shown++)
			printf("%-24s %-10s %-20s %4s %6s  %s\n", "label", "status", "kernel",
			       "ok", "failed", "start");
		if (summary_load(dir, &s)) {
			printf("%-24s %-10s\n", ents[i]->d_name, "unreadable");
			continue;
		}
		for (int p = 0; p < s.npoints; p++) {
			if (!strcmp(s.points[p].status, "ok"))
				ok++;
			else if (strcmp(s.points[p].status, "pending"))
				failed++;
		}
		printf("%-24s %-10s %-20s %4d %6d  %s\n", s.label,
		       runstate_status(dir, s.meta, true, a, sizeof(a)),
		       meta_text(s.meta, PATHS("kernel.release"), b, sizeof(b)),
		       ok, failed, meta_text(s.meta, PATHS("start"), c, sizeof(c)));
		summary_free(&s);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (!shown)
		printf("no runs in %s\n", root);
	return EXIT_OK;
}

const struct cli_command cli_cmd_list = {
	.name = "list", .operands = "[RESULTS]", .min_operands = 0, .max_operands = 1,
	.summary = "the runs in a results directory (default results/)",
	.opts = no_opts, .exits = show_exits, .main = list_main,
};
