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
 * The churn runs in a static image (benchmarks/images/mmap-churn.c,
 * image-clients.h) the client drives, so that the churning mm holds none
 * of this program's libraries: 14 VMAs at 1 client with the anchor, as
 * bare-mmap-unmap's, against 58 in this program's mm (churner_vmas in the
 * output).  Threads mode: one image, a thread per client, all in its one
 * mm, so every op takes the same mmap_lock for writing; processes mode:
 * one image, one mm, per client.  The image's thread does the work, so
 * its CPU time and faults are the client's.
 *
 * Setup (building the VMAs) happens before the start barrier and is not
 * timed.  The live VMA count of the churning mm (/proc/self/maps) after
 * every client's setup is reported, and --slab records the vm_area_struct
 * slab before and after setup and after teardown (exact when root: see
 * slab.c): "before" once every image thread exists, pinned, holding
 * before its setup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "harness.h"
#include "image-clients.h"
#include "slab.h"
#include "../images/mmap-churn.h"

MMSCALE_IMAGE(mc_image, "mmap-churn");

enum { OP_MAP_UNMAP = MC_MAP_UNMAP, OP_SPLIT_MERGE = MC_SPLIT_MERGE, OP_MPROTECT = MC_MPROTECT };

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
	struct image_clients *ic;
};

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
	/* the image's own VMAs, thread stacks and slack: this process's
	 * count, which is more, bounds them */
	base = image_count_maps() + 64;
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
	return image_clients_new(r, "mmap-churn.image", mc_image, (size_t)(mc_image_end - mc_image),
				 &m->ic);
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

/* threads mode, the one image holding: the "before" snapshot */
static int held_threads(void *arg)
{
	struct run *r = arg;
	struct mc *m = r->priv;

	m->sh->slab_rc[0] = slab_snapshot(&m->sh->slab[0], true) ? errno : 0;
	return 0;
}

static int mc_iter_setup(struct run *r)
{
	const struct mc_opts *o = r->opts;
	struct mc *m = r->priv;
	int rc;

	memset(m->sh, 0, sizeof(*m->sh));
	rc = image_clients_create(m->ic, r);
	if (rc)
		return rc;
	for (int i = 0; i < m->ic->nimg; i++)
		*(struct mc_params *)m->ic->img[i].hdr->params = (struct mc_params){
			.pagesize = r->pagesize, .op = o->op, .vmas = o->vmas,
			.slots = m->slots, .touch = o->touch, .len = m->len,
			.stride = m->stride, .check_maps = o->check_maps,
		};
	rc = image_clients_start(m->ic, r, o->slab ? held_threads : NULL);
	if (!rc && o->slab && r->mode == MODE_THREADS)
		m->sh->slab_rc[1] = slab_snapshot(&m->sh->slab[1], true) ? errno : 0;
	return rc;
}

static void mc_iter_teardown(struct run *r)
{
	image_clients_end(((struct mc *)r->priv)->ic);
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

/* processes mode, this client's image holding: the "before" snapshot
 * waits for every client's image to exist (and for the VMAs fork copied
 * into the clients), and every build waits for it */
static int held_process(void *arg)
{
	struct client *c = arg;
	struct run *r = c->run;
	struct mc *m = r->priv;

	__atomic_add_fetch(&m->sh->arrived, 1, __ATOMIC_SEQ_CST);
	if (c->id) {
		if (wait_for(c, &m->sh->before_taken, 1))
			return client_fail(c, ETIMEDOUT, "waiting for the slab snapshot");
		return 0;
	}
	if (wait_for(c, &m->sh->arrived, r->nclients))
		return client_fail(c, ETIMEDOUT, "waiting for the clients to start");
	m->sh->slab_rc[0] = slab_snapshot(&m->sh->slab[0], true) ? errno : 0;
	__atomic_store_n(&m->sh->before_taken, 1, __ATOMIC_RELEASE);
	return 0;
}

static int mc_client_setup(struct client *c)
{
	struct run *r = c->run;
	struct mc *m = r->priv;
	const struct mc_opts *o = r->opts;
	int rc;

	if (r->mode == MODE_THREADS)
		return 0;
	rc = image_clients_client_start(m->ic, c, o->slab ? held_process : NULL);
	if (!o->slab)
		return rc;
	/* counted even on failure, so nobody waits for this client in vain */
	__atomic_add_fetch(&m->sh->built, 1, __ATOMIC_SEQ_CST);
	if (rc)
		return rc;
	if (wait_for(c, &m->sh->built, r->nclients))
		return client_fail(c, ETIMEDOUT, "waiting for the other clients' setup");
	if (c->id == 0)
		m->sh->slab_rc[1] = slab_snapshot(&m->sh->slab[1], true) ? errno : 0;
	return 0;
}

static int mc_client_run(struct client *c)
{
	return image_clients_run(((struct mc *)c->run->priv)->ic, c);
}

static void mc_client_teardown(struct client *c)
{
	image_clients_client_end(((struct mc *)c->run->priv)->ic, c);
}

static void mc_iter_report(struct run *r, json_t *out)
{
	struct mc *m = r->priv;
	const struct mc_opts *o = r->opts;
	json_t *live = json_array();

	/* each client's mm once its image was ready: every thread built */
	for (int i = 0; i < r->nclients; i++)
		json_array_append_new(live, json_integer(
			image_clients_image(m->ic, r, i)->hdr->vmas));
	json_object_set_new(out, "vmas_live", live);
	json_object_set_new(out, "vmas_per_client", json_integer(o->vmas));
	json_object_set_new(out, "churner_vmas", json_integer(image_clients_vmas(m->ic)));
	if (o->op == OP_MAP_UNMAP && !o->vmas) {
		json_t *cv = json_array();

		for (int i = 0; i < r->nclients; i++) {
			uint64_t v = image_clients_thread(m->ic, r, i)->aux[MC_CHURN_VMA];

			json_array_append_new(cv, json_string(v == MC_NEW ? "new" :
							       v == MC_MERGED ? "merged" : "unknown"));
		}
		json_object_set_new(out, "churn_vma", cv);
	}
	if (o->check_maps) {
		json_t *cm = json_array();

		for (int i = 0; i < r->nclients; i++) {
			const struct image_thread *t = image_clients_thread(m->ic, r, i);
			json_t *j = json_pack("{s:I, s:I, s:I}",
				"after_setup", (json_int_t)t->aux[MC_AFTER_SETUP],
				"after_run", (json_int_t)t->aux[MC_AFTER_RUN],
				"ops", (json_int_t)client_res(r, i)->ops);

			if (o->op == OP_SPLIT_MERGE) {
				json_object_set_new(j, "after_split", json_integer((json_int_t)t->aux[MC_AFTER_SPLIT]));
				json_object_set_new(j, "after_merge", json_integer((json_int_t)t->aux[MC_AFTER_MERGE]));
			}
			json_array_append_new(cm, j);
		}
		json_object_set_new(out, "maps_check", cm);
	}
	if (o->slab) {
		json_t *s;

		/* every image thread has unmapped its regions (processes
		 * mode: every client and its image has exited): teardown */
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
	image_clients_free(m->ic);
	free(m);
	r->priv = NULL;
}

/* the churning mm's size describes the point: compare prints it */
static const char *const mc_facts[] = { "churner_vmas", NULL };

static const struct workload mmap_churn = {
	.name = "mmap-churn",
	.version = "2",
	.summary = "loop mmap/munmap, VMA split/merge or mprotect on small regions, among N live VMAs",
	.metric = "ops",
	.facts = mc_facts,
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
	.iter_teardown = mc_iter_teardown,
	.run_teardown = mc_run_teardown,
};

MMSCALE_WORKLOAD(&mmap_churn)
