/*
 * slab.c - slab accounting for the caches the per-VMA lock work changed.
 *
 * Counts come from /proc/slabinfo (format 2.1); geometry the slabinfo line
 * does not carry (align, object_size) and the merge state come from SLUB's
 * /sys/kernel/slab/<cache>.  A mergeable cache's sysfs entry is a symlink
 * to a unique-id directory (":A-0000064"); when other caches were merged
 * into the same one, slabinfo shows a single line under the first cache's
 * name and its counts include every alias.  A delta of such a cache is not
 * the delta of the objects the workload made, so the merge is reported.
 *
 * /proc/slabinfo counts objects parked in per-CPU slabs and sheaves as
 * active, so a before/after delta drifts by up to a few hundred objects.
 * Writing 1 to /sys/kernel/slab/<cache>/shrink flushes them back first;
 * objects freed through kfree_rcu come back only after a grace period, so
 * the snapshot shrinks, waits for one, shrinks again and reads: the delta
 * is then exact (+10000 for 10000 VMAs, 0 after their teardown).  That
 * needs root; otherwise the snapshot is taken anyway and says why it is
 * approximate.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include "harness.h"
#include "slab.h"

#ifndef SETTLE_NS
#define SETTLE_NS 20000000L	/* after the grace period, for its callbacks */
#endif

const char *const slab_tracked[] = {
	"vm_area_struct", "vma_lock", "anon_vma", "anon_vma_chain",
	"mm_struct", "maple_node", "task_struct", NULL,
};

/* One line of /proc/slabinfo. */
struct slab_line {
	char name[64];
	unsigned long active_objs, num_objs;
	unsigned objsize, objperslab, pagesperslab;
};

struct slab_lines {
	struct slab_line *v;
	int n, cap;
};

unsigned long slab_footprint_pages(unsigned long n, unsigned objperslab,
				   unsigned pagesperslab)
{
	if (!objperslab)
		return 0;
	return (n + objperslab - 1) / objperslab * pagesperslab;
}

int slab_parse_line(const char *line, struct slab_cache *c)
{
	char name[64];
	unsigned long active, num;
	unsigned objsize, perslab, pages;

	if (line[0] == '#' || sscanf(line, "%63s %lu %lu %u %u %u", name, &active,
				     &num, &objsize, &perslab, &pages) != 6)
		return -1;
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->active_objs = active;
	c->num_objs = num;
	c->objsize = objsize;
	c->objperslab = perslab;
	c->pagesperslab = pages;
	c->align = c->object_size = -1;
	return 0;
}

/* Read every line of a slabinfo file; only version 2.1 is understood. */
static int read_slabinfo(const char *path, struct slab_lines *out)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int ret = -1, err = 0;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f) || strncmp(line, "slabinfo - version: 2.1", 23)) {
		err = EPROTO;	/* not a format we know: refuse, don't guess */
		goto out;
	}
	while (fgets(line, sizeof(line), f)) {
		struct slab_cache c;

		if (slab_parse_line(line, &c))
			continue;
		if (out->n == out->cap) {
			int cap = out->cap ? out->cap * 2 : 256;
			struct slab_line *v = realloc(out->v, (size_t)cap * sizeof(*v));

			if (!v) {
				err = ENOMEM;
				goto out;
			}
			out->v = v;
			out->cap = cap;
		}
		out->v[out->n++] = (struct slab_line){
			.active_objs = c.active_objs, .num_objs = c.num_objs,
			.objsize = c.objsize, .objperslab = c.objperslab,
			.pagesperslab = c.pagesperslab,
		};
		memcpy(out->v[out->n - 1].name, c.name, sizeof(c.name));
	}
	ret = 0;
out:
	fclose(f);
	if (err)
		errno = err;
	return ret;
}

static const struct slab_line *find_line(const struct slab_lines *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

/* First integer of <sysfs>/<cache>/<file>, or -1. */
static long sysfs_long(const char *sysfs, const char *cache, const char *file)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s", sysfs, cache, file);
	return read_long(path);
}

/* The directory a mergeable cache's sysfs symlink points to ("" if the
 * entry is a plain directory); -1 if the entry is absent. */
static int sysfs_target(const char *sysfs, const char *cache, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", sysfs, cache);
	if (lstat(path, &st))
		return -1;
	buf[0] = 0;
	if (!S_ISLNK(st.st_mode))
		return 0;
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -1;
	buf[n] = 0;
	/* keep the basename: the link is relative (":A-0000064") */
	if (strrchr(buf, '/'))
		memmove(buf, strrchr(buf, '/') + 1, strlen(strrchr(buf, '/') + 1) + 1);
	return 0;
}

/*
 * Merge state of one cache whose sysfs entry links to `target`.  If
 * slabinfo lists the cache, merged_with names the aliases folded into its
 * counts; if not, the counts are those of the slabinfo line whose sysfs
 * entry links to the same target, and merged_with is that line's name.
 */
static void resolve_merge(const char *sysfs, const struct slab_lines *l,
			  struct slab_cache *c, const char *target)
{
	DIR *d = opendir(sysfs);
	struct dirent *e;
	char t[128];
	size_t used = 0;
	bool listed = find_line(l, c->name) != NULL;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_name[0] == ':' || !strcmp(e->d_name, c->name))
			continue;
		if (sysfs_target(sysfs, e->d_name, t, sizeof(t)) || strcmp(t, target))
			continue;
		c->merged = true;
		if (!listed) {
			const struct slab_line *s = find_line(l, e->d_name);

			if (!s)
				continue;
			snprintf(c->merged_with, sizeof(c->merged_with), "%s", s->name);
			c->present = true;
			c->active_objs = s->active_objs;
			c->num_objs = s->num_objs;
			c->objsize = s->objsize;
			c->objperslab = s->objperslab;
			c->pagesperslab = s->pagesperslab;
			listed = true;
			used = sizeof(c->merged_with);	/* one name says it all */
		} else if (used + strlen(e->d_name) + 2 < sizeof(c->merged_with)) {
			used += (size_t)snprintf(c->merged_with + used, sizeof(c->merged_with) - used,
						 "%s%s", used ? "," : "", e->d_name);
		}
	}
	closedir(d);
}

/* Flush per-CPU slabs and sheaves of every tracked cache back to the
 * lists, so the active count that follows is exact.  0 or errno. */
static int shrink_all(const char *sysfs, struct slab_snap *snap)
{
	int n = 0;

	while (slab_tracked[n])
		n++;
	/* backwards: vm_area_struct, the one deltas are asked of, goes last,
	 * nearest to the read */
	for (int i = n - 1; i >= 0; i--) {
		char path[PATH_MAX];
		int fd;

		snprintf(path, sizeof(path), "%s/%s/shrink", sysfs, slab_tracked[i]);
		fd = open(path, O_WRONLY);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;	/* cache absent on this kernel */
			snprintf(snap->how, sizeof(snap->how),
				 "approximate: cannot open %s/shrink: %s", slab_tracked[i],
				 strerror(errno));
			return errno;
		}
		if (write(fd, "1", 1) != 1) {
			int err = errno;

			close(fd);
			snprintf(snap->how, sizeof(snap->how),
				 "approximate: shrink of %s failed: %s", slab_tracked[i],
				 strerror(err));
			return err;
		}
		close(fd);
	}
	return 0;
}

/*
 * Objects freed by kfree_rcu (vm_area_struct on current kernels: its frees
 * go through an RCU sheaf) come back to the slab only after a grace period.
 * The first shrink hands the per-CPU RCU sheaves to call_rcu; membarrier
 * (MEMBARRIER_CMD_GLOBAL) waits for a grace period, and a short pause lets
 * the callbacks run; the second shrink then flushes what they returned.
 */
static int rcu_settle(void)
{
	struct timespec pause = { .tv_nsec = SETTLE_NS };

	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0 && errno != EINVAL &&
	    errno != ENOSYS)
		return -1;
	nanosleep(&pause, NULL);
	return 0;
}

int slab_snapshot_at(struct slab_snap *snap, bool shrink, const char *slabinfo,
		     const char *sysfs)
{
	struct slab_lines lines = { 0 };
	struct stat st;
	bool have_sysfs = !stat(sysfs, &st) && S_ISDIR(st.st_mode);

	memset(snap, 0, sizeof(*snap));
	snprintf(snap->how, sizeof(snap->how),
		 "approximate: not shrunk (per-CPU slabs count as active)");
	if (shrink) {
		if (!have_sysfs)
			snprintf(snap->how, sizeof(snap->how),
				 "approximate: no SLUB sysfs at %s to shrink", sysfs);
		else if (geteuid() != 0)
			snprintf(snap->how, sizeof(snap->how),
				 "approximate: not root, cannot write %s/*/shrink", sysfs);
		else if (!shrink_all(sysfs, snap) && !rcu_settle() && !shrink_all(sysfs, snap))
			snap->exact = true;
	}
	/* read right after the shrink: every object freed since is counted */
	if (read_slabinfo(slabinfo, &lines)) {
		int err = errno;

		free(lines.v);
		errno = err;
		return -1;
	}
	if (snap->exact)
		snprintf(snap->how, sizeof(snap->how), "shrink");

	for (int i = 0; slab_tracked[i] && snap->ncaches < (int)(sizeof(snap->caches) /
			sizeof(snap->caches[0])); i++) {
		struct slab_cache *c = &snap->caches[snap->ncaches++];
		const struct slab_line *s = find_line(&lines, slab_tracked[i]);
		char target[128];

		memset(c, 0, sizeof(*c));
		snprintf(c->name, sizeof(c->name), "%s", slab_tracked[i]);
		c->align = c->object_size = -1;
		if (s) {
			c->present = true;
			c->active_objs = s->active_objs;
			c->num_objs = s->num_objs;
			c->objsize = s->objsize;
			c->objperslab = s->objperslab;
			c->pagesperslab = s->pagesperslab;
		}
		if (!have_sysfs || sysfs_target(sysfs, c->name, target, sizeof(target)))
			continue;
		c->align = (int)sysfs_long(sysfs, c->name, "align");
		c->object_size = (int)sysfs_long(sysfs, c->name, "object_size");
		if (target[0])
			resolve_merge(sysfs, &lines, c, target);
	}
	free(lines.v);
	return 0;
}

int slab_snapshot(struct slab_snap *snap, bool shrink)
{
	return slab_snapshot_at(snap, shrink, "/proc/slabinfo", "/sys/kernel/slab");
}

const struct slab_cache *slab_find(const struct slab_snap *snap, const char *name)
{
	for (int i = 0; i < snap->ncaches; i++)
		if (!strcmp(snap->caches[i].name, name))
			return &snap->caches[i];
	return NULL;
}

json_t *slab_snapshot_json(const struct slab_snap *snap)
{
	json_t *caches = json_object();

	for (int i = 0; i < snap->ncaches; i++) {
		const struct slab_cache *c = &snap->caches[i];

		if (!c->present)
			continue;	/* e.g. vma_lock on kernels that folded it in */
		json_object_set_new(caches, c->name, json_pack(
			"{s:I, s:I, s:i, s:i, s:i, s:i, s:i, s:b, s:s, s:I}",
			"active_objs", (json_int_t)c->active_objs,
			"num_objs", (json_int_t)c->num_objs,
			"objsize", (int)c->objsize, "objperslab", (int)c->objperslab,
			"pagesperslab", (int)c->pagesperslab,
			"align", c->align, "object_size", c->object_size,
			"merged", c->merged, "merged_with", c->merged_with,
			"pages_per_1000", (json_int_t)slab_footprint_pages(1000,
				c->objperslab, c->pagesperslab)));
	}
	return json_pack("{s:b, s:s, s:o}", "exact", snap->exact, "how", snap->how,
			 "caches", caches);
}

json_t *slab_delta_json(const struct slab_snap *before, const struct slab_snap *after)
{
	json_t *caches = json_object();

	for (int i = 0; i < after->ncaches; i++) {
		const struct slab_cache *a = &after->caches[i];
		const struct slab_cache *b = slab_find(before, a->name);
		long objs, slabs;

		if (!a->present || !b || !b->present || !a->objperslab || !b->objperslab)
			continue;
		objs = (long)a->active_objs - (long)b->active_objs;
		/* num_objs is whole slabs: the page delta is exact even
		 * when the object delta is not */
		slabs = (long)(a->num_objs / a->objperslab) - (long)(b->num_objs / b->objperslab);
		json_object_set_new(caches, a->name, json_pack("{s:I, s:I, s:I}",
			"objects", (json_int_t)objs,
			"bytes", (json_int_t)(objs * (long)a->objsize),
			"pages", (json_int_t)(slabs * (long)a->pagesperslab)));
	}
	return json_pack("{s:b, s:s, s:o}", "exact", before->exact && after->exact,
			 "how", before->exact && after->exact ? "shrink" :
			 !before->exact ? before->how : after->how, "caches", caches);
}
