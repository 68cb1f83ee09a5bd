/*
 * slab.h - slab accounting for the VMA-related caches: geometry, merge
 * state and exact before/after deltas.  Shared by the workloads and the
 * runner; the only code that reads /proc/slabinfo and /sys/kernel/slab.
 */
#ifndef MMSCALE_SLAB_H
#define MMSCALE_SLAB_H
#include <stdbool.h>
#include <jansson.h>

/* The caches mmscale tracks (NULL-terminated): vm_area_struct, vma_lock,
 * anon_vma, anon_vma_chain, mm_struct, maple_node, task_struct. */
extern const char *const slab_tracked[];

struct slab_cache {
	char name[64];
	bool present;
	unsigned long active_objs, num_objs;
	unsigned objsize, objperslab, pagesperslab;
	int align, object_size;	/* from sysfs, -1 when unknown */
	bool merged;		/* sysfs entry is an alias of a shared cache */
	char merged_with[64];	/* the real cache it is merged into */
};

struct slab_snap {
	int ncaches;
	struct slab_cache caches[16];
	bool exact;		/* every cache was shrunk right before reading */
	char how[128];		/* "shrink" or why the delta is approximate */
};

/* Read the tracked caches; with shrink, write 1 to each cache's sysfs
 * shrink file right before reading (root only; else falls back and says
 * why in snap->how).  Returns 0, or -1 with errno if slabinfo is unreadable. */
int slab_snapshot(struct slab_snap *snap, bool shrink);
const struct slab_cache *slab_find(const struct slab_snap *snap, const char *name);
/* slab_snapshot from other files (tests: a captured slabinfo and a fixture
 * sysfs tree).  merged_with: the slabinfo line the counts come from when the
 * cache has no line of its own, else the aliases folded into its line. */
int slab_snapshot_at(struct slab_snap *snap, bool shrink, const char *slabinfo,
		     const char *sysfs);
/* One /proc/slabinfo 2.1 data line; 0, or -1 for a header or a bad line. */
int slab_parse_line(const char *line, struct slab_cache *c);

/* pages needed for n objects = ceil(n / objperslab) * pagesperslab */
unsigned long slab_footprint_pages(unsigned long n, unsigned objperslab,
				   unsigned pagesperslab);

/* JSON: {"exact":b,"how":s,"caches":{name:{active_objs,num_objs,objsize,
 * objperslab,pagesperslab,align,object_size,merged,merged_with,
 * pages_per_1000}}} */
json_t *slab_snapshot_json(const struct slab_snap *snap);
/* {"exact":b,"how":s,"caches":{name:{objects,bytes,pages}}} after - before */
json_t *slab_delta_json(const struct slab_snap *before, const struct slab_snap *after);

#endif
