/*
 * sysinfo.c - the machine description of meta.json.  Everything is read
 * from /proc and /sys (and hwloc), so a results directory copied to another
 * box still says which kernel, CPU and settings produced it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"
#include "machstate.h"
#include "placement.h"
#include "prefetch.h"
#include "slab.h"
#include "sysinfo.h"
#include "sysstate.h"

/* Kernel command line flags that change what mm benchmarks measure. */
static const char *const cmdline_flags[] = {
	"slab_nomerge", "slub_nomerge", "slab_merge", "slab_debug", "slub_debug",
	"slab_max_order", "slub_max_order", "transparent_hugepage", "mitigations",
	"init_on_alloc", "init_on_free", "numa_balancing", "isolcpus", "nohz_full",
	"norandmaps", "hugepages", "default_hugepagesz", "page_alloc.shuffle",
	"kasan", "nosmt", "preempt", NULL,
};

/* vmstat counters kept per point (plus every vma_lock_*). */
static const char *const vmstat_keys[] = {
	"pgfault", "pgmajfault", "thp_fault_alloc", "thp_fault_fallback",
	"thp_fault_fallback_charge", "thp_split_pmd", "pgalloc_normal", "pgfree",
	"numa_hint_faults", "numa_pages_migrated", "nr_tlb_remote_flush",
	"nr_tlb_local_flush_all", "pgscan_kswapd", "pgscan_direct", NULL,
};

void sysinfo_now(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &n, 0, f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static void set_file(json_t *obj, const char *key, const char *path, json_t *unavailable,
		     const char *what)
{
	char *s = read_file(path);

	if (s) {
		json_object_set_new(obj, key, json_string(s));
		free(s);
		return;
	}
	json_object_set_new(obj, key, json_sprintf("unavailable: %s: %s", path, strerror(errno)));
	if (unavailable && what)
		json_object_set_new(unavailable, what, json_sprintf("%s: %s", path, strerror(errno)));
}

static json_t *kernel_json(void)
{
	struct utsname u;
	char *cmd = read_file("/proc/cmdline");
	json_t *k, *flags = json_object();

	uname(&u);
	k = json_pack("{s:s, s:s, s:s, s:s}", "release", u.release, "version", u.version,
		      "machine", u.machine, "cmdline", cmd ? cmd : "");
	/* each flag that is present, with its value (true for bare flags) */
	for (char *save = NULL, *tok = cmd ? strtok_r(cmd, " ", &save) : NULL; tok;
	     tok = strtok_r(NULL, " ", &save)) {
		size_t len = strcspn(tok, "=");

		for (int i = 0; cmdline_flags[i]; i++) {
			if (strlen(cmdline_flags[i]) != len || strncmp(tok, cmdline_flags[i], len))
				continue;
			json_object_set_new(flags, cmdline_flags[i], tok[len] ?
					    json_string(tok + len + 1) : json_true());
		}
	}
	json_object_set_new(k, "flags", flags);
	free(cmd);
	return k;
}

static json_t *cpu_json(void)
{
	static const char *const keys[][2] = {
		{ "vendor_id", "vendor" }, { "model name", "model_name" },
		{ "cpu family", "family" }, { "model", "model" }, { "stepping", "stepping" },
		{ "microcode", "microcode" },
	};
	FILE *f = fopen("/proc/cpuinfo", "r");
	json_t *c = json_object();
	char line[1024];

	if (!f)
		return c;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *v, *e;

		if (line[0] == '\n')
			break;	/* the first processor is enough */
		if (!colon)
			continue;
		e = colon;
		while (e > line && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		v = colon + 1 + strspn(colon + 1, " \t");
		v[strcspn(v, "\n")] = 0;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (strlen(keys[i][0]) != (size_t)(e - line) ||
			    strncmp(line, keys[i][0], (size_t)(e - line)))
				continue;
			if (i >= 2 && i <= 4)
				json_object_set_new(c, keys[i][1], json_integer(strtol(v, NULL, 0)));
			else
				json_object_set_new(c, keys[i][1], json_string(v));
		}
	}
	fclose(f);
	return c;
}

static json_t *topology_json(json_t *unavailable)
{
	hwloc_topology_t topo = placement_topology(NULL);
	char sum[256];
	json_t *t;

	if (!topo) {
		json_object_set_new(unavailable, "topology", json_string("hwloc could not load it"));
		return json_string("unavailable: hwloc could not load the topology");
	}
	placement_summary(topo, sum, sizeof(sum));
	t = json_pack("{s:s, s:i, s:i, s:i}", "summary", sum,
		      "ncpus", placement_ncpus(topo),
		      "numa_nodes", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE),
		      "packages", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE));
	hwloc_topology_destroy(topo);
	return t;
}

static json_t *slab_json(json_t *unavailable)
{
	struct slab_snap snap;
	const struct slab_cache *vma;
	json_t *j;

	if (slab_snapshot(&snap, false)) {
		const char *why = strerror(errno);

		json_object_set_new(unavailable, "slabinfo", json_sprintf("/proc/slabinfo: %s", why));
		return json_sprintf("unavailable: /proc/slabinfo: %s", why);
	}
	j = slab_snapshot_json(&snap);
	vma = slab_find(&snap, "vm_area_struct");
	if (vma && vma->present)
		json_object_set_new(j, "vm_area_struct", json_pack(
			"{s:i, s:i, s:i, s:i, s:i, s:b, s:s, s:I}",
			"objsize", vma->objsize, "objperslab", vma->objperslab,
			"pagesperslab", vma->pagesperslab, "align", vma->align,
			"object_size", vma->object_size, "merged", vma->merged,
			"merged_with", vma->merged_with,
			"pages_per_1000", (json_int_t)slab_footprint_pages(1000, vma->objperslab,
									   vma->pagesperslab)));
	return j;
}

static const char *thp_path(char *buf, size_t n, const char *file)
{
	snprintf(buf, n, "%s/%s", machstate_thp_dir(), file);
	return buf;
}

json_t *sysinfo_collect(json_t *unavailable)
{
	json_t *m = json_object(), *mm = json_object();
	char host[256] = "", thp[32], path[PATH_MAX];

	gethostname(host, sizeof(host) - 1);
	json_object_set_new(m, "hostname", json_string(host));
	json_object_set_new(m, "tool", json_pack("{s:s, s:s}", "name", "mmscale",
						 "version", MMSCALE_VERSION));
	json_object_set_new(m, "git", json_string(MMSCALE_GIT));
	json_object_set_new(m, "kernel", kernel_json());
	json_object_set_new(m, "cpu", cpu_json());
	json_object_set_new(m, "topology", topology_json(unavailable));

	if (sysstate_thp_mode(thp, sizeof(thp)))
		json_object_set_new(mm, "thp_enabled", json_string(thp));
	else
		set_file(mm, "thp_enabled", thp_path(path, sizeof(path), "enabled"),
			 unavailable, "thp");
	set_file(mm, "thp_defrag", thp_path(path, sizeof(path), "defrag"), NULL, NULL);
	set_file(mm, "aslr", machstate_aslr_file(), unavailable, "aslr");
	set_file(mm, "numa_balancing", "/proc/sys/kernel/numa_balancing", NULL, NULL);
	set_file(mm, "max_map_count", "/proc/sys/vm/max_map_count", NULL, NULL);
	json_object_set_new(m, "mm", mm);
	{
		json_t *cf = json_object();

		set_file(cf, "governor", "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
			 unavailable, "cpufreq");
		set_file(cf, "driver", "/sys/devices/system/cpu/cpu0/cpufreq/scaling_driver",
			 NULL, NULL);
		json_object_set_new(m, "cpufreq", cf);
	}
	{
		json_t *pf = prefetch_state_json(), *why = json_object_get(pf, "unavailable");

		if (unavailable && json_is_string(why))
			json_object_set_new(unavailable, "prefetch", json_copy(why));
		json_object_set_new(m, "prefetch", pf);
	}
	json_object_set_new(m, "slab", slab_json(unavailable));
	return m;
}

json_t *sysinfo_vmstat(void)
{
	FILE *f = fopen("/proc/vmstat", "r");
	json_t *j;
	char name[128];
	long long v;

	if (!f)
		return NULL;
	j = json_object();
	while (fscanf(f, "%127s %lld", name, &v) == 2)
		json_object_set_new(j, name, json_integer(v));
	fclose(f);
	return j;
}

json_t *sysinfo_vmstat_delta(json_t *before, json_t *after)
{
	json_t *d = json_object(), *v;
	const char *key;

	if (!before || !after)
		return json_string("unavailable: /proc/vmstat unreadable");
	json_object_foreach(after, key, v) {
		bool want = !strncmp(key, "vma_lock", 8);
		json_t *b = json_object_get(before, key);

		for (int i = 0; !want && vmstat_keys[i]; i++)
			want = !strcmp(key, vmstat_keys[i]);
		if (want && b)
			json_object_set_new(d, key, json_integer(json_integer_value(v) -
								  json_integer_value(b)));
	}
	return d;
}

json_t *meta_get(json_t *meta, const char *const *paths)
{
	for (; *paths; paths++) {
		char buf[128], *save = NULL, *tok;
		json_t *j = meta;

		snprintf(buf, sizeof(buf), "%s", *paths);
		for (tok = strtok_r(buf, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save))
			j = json_object_get(j, tok);
		if (j && !json_is_null(j))
			return j;
	}
	return NULL;
}
