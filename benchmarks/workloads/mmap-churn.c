/*
 * mmap-churn - the cost of creating, splitting and freeing VMAs.
 *
 * Each client loops one VMA operation on small regions and counts ops:
 *   map-unmap    mmap, touch --touch pages, munmap (default: one page)
 *   split-merge  mprotect the middle page of a 3-page region and back: the
 *                VMA splits into three and merges into one every op
 *   mprotect     flip the protection of a whole region
 * ops/sec and ops/cpu are per iteration, like every mmscale rate.
 *
 * --vmas N: each client first builds N live, distinct VMAs (regions one
 * guard page apart, marked MADV_NOHUGEPAGE so they never merge with a
 * foreign neighbour) and then churns among them, slot after slot: the
 * map-unmap op replaces one of them (munmap, then mmap at the same address),
 * the others change one in place.  Without --vmas, map-unmap uses fresh
 * mmap(NULL) regions like bare-mmap-unmap, the other ops one region.
 * Where mmap(NULL) lands decides the work: merged into an anonymous
 * neighbour (vma_expand, then a split at munmap) or a VMA of its own.  So
 * both first map a PROT_NONE anchor page where the kernel would put the
 * first region, making the churn land beside something it cannot merge
 * with, and report which it was ("churn_vma": "new" or "merged").
 *
 * Threads mode shares one mm, so every op takes the same mmap_lock for
 * writing; processes mode has an mm per client.  Setup (building the VMAs)
 * happens before the start barrier and is not timed.  The live VMA count
 * of the mm (/proc/self/maps) after every client's setup is reported, and
 * --slab records the vm_area_struct slab before and after setup and after
 * teardown (exact when root: see slab.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "harness.h"
#include "slab.h"

enum { OP_MAP_UNMAP, OP_SPLIT_MERGE, OP_MPROTECT };

struct mc_opts {
	int op;
	long vmas, pages, touch;
	bool slab, check_maps;
};

#define O(f) OPT_OFF(struct mc_opts, f)
static const struct opt mc_table[] = {
	{ "op", 0, OPT_ENUM, O(op), "map-unmap", "map-unmap|split-merge|mprotect", 0, 0,
	  "the VMA operation each client loops" },
	{ "vmas", 0, OPT_INT, O(vmas), "0", NULL, 0, 100000000,
	  "live VMAs each client builds first and churns among" },
	{ "pages", 0, OPT_INT, O(pages), "0", NULL, 0, 1 << 20,
	  "pages per region [0: 1, or 3 for split-merge]" },
	{ "touch", 0, OPT_INT, O(touch), "0", NULL, 0, 1 << 20,
	  "map-unmap: pages stored to after each mmap" },
	{ "slab", 0, OPT_BOOL, O(slab), NULL, NULL, 0, 0,
	  "record vm_area_struct slab snapshots around setup and teardown" },
	{ "check-maps", 0, OPT_BOOL, O(check_maps), NULL, NULL, 0, 0,
	  "count /proc/self/maps around one split and merge, and after the run" },
	{ 0 }
};
#undef O

#define WAIT_NS (30ull * 1000000000ull)	/* no client setup takes this long */

/* Shared with forked clients: the setup rendezvous and the slab figures. */
struct mc_shared {
	int arrived, before_taken, built;
	int slab_rc[3];
	struct slab_snap slab[3];	/* before setup, after setup, after teardown */
};

struct mc {
	struct mc_shared *sh;
	size_t len;		/* region bytes */
	size_t stride;		/* region plus guard page */
	long slots;
};

struct mc_client {
	char *area;		/* slots * stride bytes; NULL for map-unmap without --vmas */
	int *prot;		/* per slot, for mprotect */
	void *anchor;		/* map-unmap without --vmas: the PROT_NONE neighbour */
};

/* aux[1] of a map-unmap client without --vmas: what one region became */
enum { CHURN_NEW = 1, CHURN_MERGED = 2 };

/* Lines of /proc/self/maps: the mm's VMA count. */
static long count_maps(void)
{
	char buf[65536];
	long n = 0;
	ssize_t got;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < got; i++)
			n += buf[i] == '\n';
	close(fd);
	return got < 0 ? -1 : n;
}

static int mc_check(struct run *r)
{
	struct mc_opts *o = r->opts;
	struct mc *m = calloc(1, sizeof(*m));
	long max_map, base, need;

	if (!m)
		return EXIT_NORES;
	r->priv = m;
	if (!o->pages)
		o->pages = o->op == OP_SPLIT_MERGE ? 3 : 1;
	if (o->op == OP_SPLIT_MERGE && o->pages < 3) {
		errmsg(0, "--pages %ld: split-merge needs a region of at least 3 pages", o->pages);
		return EXIT_USAGE;
	}
	if (o->touch && o->op != OP_MAP_UNMAP) {
		errmsg(0, "--touch: only with --op map-unmap (the other ops keep their pages)");
		return EXIT_USAGE;
	}
	if (o->touch > o->pages) {
		errmsg(0, "--touch %ld: more than the region's %ld pages", o->touch, o->pages);
		return EXIT_USAGE;
	}
	m->len = (size_t)o->pages * (size_t)r->pagesize;
	m->stride = m->len + (size_t)r->pagesize;
	m->slots = o->vmas ? o->vmas : 1;

	/* every VMA of one mm counts against vm.max_map_count: refuse a run
	 * the kernel would stop halfway with ENOMEM */
	max_map = read_long("/proc/sys/vm/max_map_count");
	base = count_maps() + 64;	/* this process, thread stacks, slack */
	need = (m->slots + 2) * (r->mode == MODE_THREADS ? r->nclients : 1) + base;
	if (max_map > 0 && need > max_map) {
		errmsg(0, "--vmas %ld: needs about %ld VMAs in one mm, over vm.max_map_count (%ld)",
		       o->vmas, need, max_map);
		return EXIT_NORES;
	}
	if ((double)m->slots * (double)m->stride * (r->mode == MODE_THREADS ? r->nclients : 1) >
	    (double)(1ull << 46)) {
		errmsg(0, "--vmas %ld --pages %ld: more address space than a process has",
		       o->vmas, o->pages);
		return EXIT_NORES;
	}
	return 0;
}

static int mc_run_setup(struct run *r)
{
	struct mc *m = r->priv;

	m->sh = mmap(NULL, sizeof(*m->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m->sh == MAP_FAILED) {
		errmsg(errno, "mmap of the shared setup state");
		return EXIT_NORES;
	}
	return 0;
}

static int mc_iter_setup(struct run *r)
{
	struct mc *m = r->priv;

	memset(m->sh, 0, sizeof(*m->sh));
	return 0;
}

/* Wait until *word reaches want; bounded, so a client that died in setup
 * cannot hang the others.  0 or -1. */
static int wait_for(struct client *c, int *word, int want)
{
	uint64_t end = now_ns() + WAIT_NS;

	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) < want) {
		if (now_ns() > end || __atomic_load_n(c->stop, __ATOMIC_RELAXED))
			return -1;
		usleep(50);
	}
	return 0;
}

/* The slots: one mapping carved into regions by unmapping one guard page
 * after each, so each region is its own VMA. */
static int build_slots(struct client *c, struct mc_client *p)
{
	struct mc *m = c->run->priv;
	const struct mc_opts *o = c->run->opts;
	size_t total = (size_t)m->slots * m->stride;

	p->area = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->area == MAP_FAILED) {
		p->area = NULL;
		return client_fail(c, errno, "mmap of the VMA slots");
	}
	/* VM_NOHUGEPAGE: no region can merge with a neighbour not our own */
	if (madvise(p->area, total, MADV_NOHUGEPAGE))
		return client_fail(c, errno, "madvise(MADV_NOHUGEPAGE) of the slots");
	for (long i = 0; i < m->slots; i++)
		if (munmap(p->area + (size_t)i * m->stride + m->len, (size_t)c->run->pagesize))
			return client_fail(c, errno, "munmap of a guard page");
	if (o->op == OP_MPROTECT) {
		p->prot = calloc((size_t)m->slots, sizeof(*p->prot));
		if (!p->prot)
			return client_fail(c, ENOMEM, "slot protections");
		for (long i = 0; i < m->slots; i++)
			p->prot[i] = PROT_READ | PROT_WRITE;
	}
	return 0;
}

/* A PROT_NONE page where the next mmap(NULL) would go, so the churn's
 * regions land beside it; then one trial region, to see whether it is a
 * VMA of its own (maps +1) or merged into a neighbour (maps +0). */
static int place_anchor(struct client *c, struct mc_client *p)
{
	struct mc *m = c->run->priv;
	long before, after;
	void *a;

	p->anchor = mmap(NULL, (size_t)c->run->pagesize, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->anchor == MAP_FAILED) {
		p->anchor = NULL;
		return client_fail(c, errno, "mmap of the anchor page");
	}
	before = count_maps();
	a = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return client_fail(c, errno, "mmap");
	after = count_maps();
	munmap(a, m->len);
	c->res->aux[1] = after > before ? CHURN_NEW : CHURN_MERGED;
	return 0;
}

static int split_merge_once(struct mc_client *p, size_t len, long pagesize, int prot)
{
	return mprotect(p->area + len / (size_t)pagesize / 2 * (size_t)pagesize,
			(size_t)pagesize, prot);
}

static int mc_client_setup(struct client *c)
{
	struct run *r = c->run;
	struct mc *m = r->priv;
	const struct mc_opts *o = r->opts;
	struct mc_client *p = calloc(1, sizeof(*p));
	int rc = 0;

	c->priv = p;
	if (!p)
		return client_fail(c, ENOMEM, "client state");
	__atomic_add_fetch(&m->sh->arrived, 1, __ATOMIC_SEQ_CST);
	if (o->slab) {
		/* the "before" snapshot waits for every client to exist (in
		 * processes mode, for the VMAs fork copied), and every build
		 * waits for it */
		if (c->id == 0) {
			if (wait_for(c, &m->sh->arrived, r->nclients))
				rc = client_fail(c, ETIMEDOUT, "waiting for the clients to start");
			m->sh->slab_rc[0] = slab_snapshot(&m->sh->slab[0], true) ? errno : 0;
			__atomic_store_n(&m->sh->before_taken, 1, __ATOMIC_RELEASE);
		} else if (wait_for(c, &m->sh->before_taken, 1)) {
			rc = client_fail(c, ETIMEDOUT, "waiting for the slab snapshot");
		}
	}
	if (!rc && (o->vmas || o->op != OP_MAP_UNMAP))
		rc = build_slots(c, p);
	else if (!rc)
		rc = place_anchor(c, p);
	/* counted even on failure, so nobody waits for this client in vain */
	__atomic_add_fetch(&m->sh->built, 1, __ATOMIC_SEQ_CST);
	if (rc)
		return rc;
	if (wait_for(c, &m->sh->built, r->nclients))
		return client_fail(c, ETIMEDOUT, "waiting for the other clients' setup");
	/* the snapshot first: the shorter the window between the two, the
	 * less other processes' VMAs move the system-wide counts */
	if (o->slab && c->id == 0)
		m->sh->slab_rc[1] = slab_snapshot(&m->sh->slab[1], true) ? errno : 0;
	c->res->aux[0] = (uint64_t)count_maps();
	if (o->check_maps && p->area && o->op == OP_SPLIT_MERGE) {
		/* one split and one merge by hand, counted: the run's ops are
		 * the same two calls */
		if (split_merge_once(p, m->len, r->pagesize, PROT_READ))
			return client_fail(c, errno, "mprotect (split)");
		c->res->aux[1] = (uint64_t)count_maps();
		if (split_merge_once(p, m->len, r->pagesize, PROT_READ | PROT_WRITE))
			return client_fail(c, errno, "mprotect (merge)");
		c->res->aux[2] = (uint64_t)count_maps();
	}
	return 0;
}

static void touch(char *a, long pages, long pagesize)
{
	for (long i = 0; i < pages; i++)
		((volatile char *)a)[i * pagesize] = 1;
}

/* Fresh regions wherever the kernel puts them: the bare-loop shape. */
static int run_map_unmap_free(struct client *c, uint64_t *ops)
{
	const struct mc_opts *o = c->run->opts;
	const struct mc *m = c->run->priv;
	/* locals: the syscalls would make the compiler reload them */
	const size_t len = m->len;
	const long ntouch = o->touch, pagesize = c->run->pagesize;
	volatile int *stop = c->stop;
	uint64_t n = 0;

	while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (a == MAP_FAILED)
			return *ops = n, client_fail(c, errno, "mmap");
		if (ntouch)
			touch(a, ntouch, pagesize);
		if (munmap(a, len))
			return *ops = n, client_fail(c, errno, "munmap");
		n++;
	}
	*ops = n;
	return 0;
}

static int run_slots(struct client *c, uint64_t *ops)
{
	const struct mc_opts *o = c->run->opts;
	struct mc *m = c->run->priv;
	struct mc_client *p = c->priv;
	long pagesize = c->run->pagesize, slot = 0;
	uint64_t n = 0;

	while (!__atomic_load_n(c->stop, __ATOMIC_RELAXED)) {
		char *a = p->area + (size_t)slot * m->stride;

		switch (o->op) {
		case OP_MAP_UNMAP:
			if (munmap(a, m->len))
				return *ops = n, client_fail(c, errno, "munmap");
			if (mmap(a, m->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
				 MAP_FIXED_NOREPLACE, -1, 0) != a)
				return *ops = n, client_fail(c, errno, "mmap (MAP_FIXED_NOREPLACE)");
			touch(a, o->touch, pagesize);
			n++;
			break;
		case OP_MPROTECT:
			p->prot[slot] ^= PROT_WRITE;
			if (mprotect(a, m->len, p->prot[slot]))
				return *ops = n, client_fail(c, errno, "mprotect");
			n++;
			break;
		case OP_SPLIT_MERGE: {
			struct mc_client one = { .area = a };

			/* always a pair, so the run ends merged: the count of
			 * VMAs after it equals the count before */
			if (split_merge_once(&one, m->len, pagesize, PROT_READ))
				return *ops = n, client_fail(c, errno, "mprotect (split)");
			if (split_merge_once(&one, m->len, pagesize, PROT_READ | PROT_WRITE))
				return *ops = n + 1, client_fail(c, errno, "mprotect (merge)");
			n += 2;
			break;
		}
		}
		if (++slot == m->slots)
			slot = 0;
	}
	*ops = n;
	return 0;
}

static int mc_client_run(struct client *c)
{
	struct mc_client *p = c->priv;
	uint64_t ops = 0;
	int rc;

	/* a local counter, published once: a shared one would bounce */
	rc = p->area ? run_slots(c, &ops) : run_map_unmap_free(c, &ops);
	c->res->ops = ops;
	return rc;
}

static void mc_client_teardown(struct client *c)
{
	struct mc *m = c->run->priv;
	const struct mc_opts *o = c->run->opts;
	struct mc_client *p = c->priv;

	if (!p)
		return;
	if (o->check_maps)
		c->res->aux[3] = (uint64_t)count_maps();
	if (p->area)
		munmap(p->area, (size_t)m->slots * m->stride);
	if (p->anchor)
		munmap(p->anchor, (size_t)c->run->pagesize);
	free(p->prot);
	free(p);
	c->priv = NULL;
}

static void mc_iter_report(struct run *r, json_t *out)
{
	struct mc *m = r->priv;
	const struct mc_opts *o = r->opts;
	json_t *live = json_array();

	for (int i = 0; i < r->nclients; i++)
		json_array_append_new(live, json_integer((json_int_t)client_res(r, i)->aux[0]));
	json_object_set_new(out, "vmas_live", live);
	json_object_set_new(out, "vmas_per_client", json_integer(o->vmas));
	if (o->op == OP_MAP_UNMAP && !o->vmas) {
		json_t *cv = json_array();

		for (int i = 0; i < r->nclients; i++)
			json_array_append_new(cv, json_string(
				client_res(r, i)->aux[1] == CHURN_NEW ? "new" :
				client_res(r, i)->aux[1] == CHURN_MERGED ? "merged" : "unknown"));
		json_object_set_new(out, "churn_vma", cv);
	}
	if (o->check_maps) {
		json_t *cm = json_array();

		for (int i = 0; i < r->nclients; i++) {
			const struct client_result *c = client_res(r, i);

			json_t *j = json_pack("{s:I, s:I, s:I}",
				"after_setup", (json_int_t)c->aux[0],
				"after_run", (json_int_t)c->aux[3], "ops", (json_int_t)c->ops);

			if (o->op == OP_SPLIT_MERGE) {
				json_object_set_new(j, "after_split", json_integer((json_int_t)c->aux[1]));
				json_object_set_new(j, "after_merge", json_integer((json_int_t)c->aux[2]));
			}
			json_array_append_new(cm, j);
		}
		json_object_set_new(out, "maps_check", cm);
	}
	if (o->slab) {
		json_t *s;

		/* every client has finished and unmapped (or exited): teardown */
		m->sh->slab_rc[2] = slab_snapshot(&m->sh->slab[2], true) ? errno : 0;
		if (m->sh->slab_rc[0] || m->sh->slab_rc[1] || m->sh->slab_rc[2]) {
			int err = m->sh->slab_rc[0] ? m->sh->slab_rc[0] :
				  m->sh->slab_rc[1] ? m->sh->slab_rc[1] : m->sh->slab_rc[2];
			char why[160];

			snprintf(why, sizeof(why), "unavailable: /proc/slabinfo: %s", strerror(err));
			json_object_set_new(out, "slab", json_string(why));
			return;
		}
		s = json_pack("{s:o, s:o, s:o}",
			      "before", slab_snapshot_json(&m->sh->slab[0]),
			      "setup_delta", slab_delta_json(&m->sh->slab[0], &m->sh->slab[1]),
			      "teardown_delta", slab_delta_json(&m->sh->slab[0], &m->sh->slab[2]));
		json_object_set_new(out, "slab", s);
	}
}

static void mc_run_teardown(struct run *r)
{
	struct mc *m = r->priv;

	if (m->sh)
		munmap(m->sh, sizeof(*m->sh));
	free(m);
	r->priv = NULL;
}

static const struct workload mmap_churn = {
	.name = "mmap-churn",
	.version = "1",
	.summary = "loop mmap/munmap, VMA split/merge or mprotect on small regions, among N live VMAs",
	.metric = "ops",
	.timed = true,
	.opts = mc_table,
	.opts_size = sizeof(struct mc_opts),
	.check = mc_check,
	.run_setup = mc_run_setup,
	.iter_setup = mc_iter_setup,
	.client_setup = mc_client_setup,
	.client_run = mc_client_run,
	.client_teardown = mc_client_teardown,
	.iter_report = mc_iter_report,
	.run_teardown = mc_run_teardown,
};

MMSCALE_WORKLOAD(&mmap_churn)
