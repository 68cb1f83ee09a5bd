/*
 * mmap-churn.image - the churning process of mmap-churn (image.h): a
 * static program whose mm holds its own few VMAs and what each thread
 * builds, so every op walks and updates a maple tree of the size the
 * point says, not one holding the workload's libraries (14 VMAs at one
 * client against bare-mmap-unmap's 13; 58 in the workload's own mm).
 * One thread per client (threads mode: clients share this mm and its
 * mmap_lock; processes mode: one image per client), each looping one VMA
 * operation until the driver says stop.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include "image.h"
#include "mmap-churn.h"

static struct mc_params params;
static const struct mc_params *prm = &params;

/* each thread's own regions (static TLS: on its stack, no VMA of its own) */
static __thread char *area;	/* slots * stride; NULL for map-unmap without --vmas */
static __thread void *anchor;	/* map-unmap without --vmas: the PROT_NONE neighbour */

static int failed(struct image_thread *t, const char *what)
{
	t->err = errno;
	snprintf(t->what, sizeof(t->what), "%s", what);
	return 1;
}

/* The slots: one mapping carved into regions by unmapping one guard page
 * after each, so each region is its own VMA. */
static int build_slots(void)
{
	size_t total = (size_t)prm->slots * prm->stride;

	area = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		area = NULL;
		return image_fail(errno, "mmap of the VMA slots");
	}
	/* VM_NOHUGEPAGE: no region can merge with a neighbour not our own */
	if (madvise(area, total, MADV_NOHUGEPAGE))
		return image_fail(errno, "madvise(MADV_NOHUGEPAGE) of the slots");
	for (long i = 0; i < prm->slots; i++)
		if (munmap(area + (size_t)i * prm->stride + prm->len, (size_t)prm->pagesize))
			return image_fail(errno, "munmap of a guard page");
	return 0;
}

/* A PROT_NONE page where the next mmap(NULL) would go, so the churn's
 * regions land beside it; then one trial region, to see whether it is a
 * VMA of its own (maps +1) or merged into a neighbour (maps +0). */
static int place_anchor(struct image_thread *t)
{
	long before, after;
	void *a;

	anchor = mmap(NULL, (size_t)prm->pagesize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anchor == MAP_FAILED) {
		anchor = NULL;
		return image_fail(errno, "mmap of the anchor page");
	}
	before = image_count_maps();
	a = mmap(NULL, prm->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return image_fail(errno, "mmap");
	after = image_count_maps();
	munmap(a, prm->len);
	t->aux[MC_CHURN_VMA] = after > before ? MC_NEW : MC_MERGED;
	return 0;
}

static int split_merge_once(char *a, int prot)
{
	size_t ps = (size_t)prm->pagesize;

	return mprotect(a + prm->len / ps / 2 * ps, ps, prot);
}

static int thread_setup(struct image_thread *t, int i)
{
	int rc = prm->vmas || prm->op != MC_MAP_UNMAP ? build_slots() : place_anchor(t);

	if (rc || !prm->check_maps)
		return rc;
	t->aux[MC_AFTER_SETUP] = (uint64_t)image_count_maps();
	if (!area || prm->op != MC_SPLIT_MERGE)
		return 0;
	/* one split and one merge by hand, counted: the run's ops are the
	 * same two calls */
	if (split_merge_once(area, PROT_READ))
		return image_fail(errno, "mprotect (split)");
	t->aux[MC_AFTER_SPLIT] = (uint64_t)image_count_maps();
	if (split_merge_once(area, PROT_READ | PROT_WRITE))
		return image_fail(errno, "mprotect (merge)");
	t->aux[MC_AFTER_MERGE] = (uint64_t)image_count_maps();
	return 0;
}

static void touch(char *a, long pages, long pagesize)
{
	for (long i = 0; i < pages; i++)
		((volatile char *)a)[i * pagesize] = 1;
}

/* Fresh regions wherever the kernel puts them: the bare-loop shape. */
static void run_map_unmap_free(struct image_thread *t)
{
	/* locals: the syscalls would make the compiler reload them */
	const size_t len = prm->len;
	const long ntouch = prm->touch, pagesize = prm->pagesize;
	volatile int *stop = &image_block->stop;
	uint64_t n = 0;

	while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (a == MAP_FAILED) {
			failed(t, "mmap");
			break;
		}
		if (ntouch)
			touch(a, ntouch, pagesize);
		if (munmap(a, len)) {
			failed(t, "munmap");
			break;
		}
		n++;
	}
	t->ops = n;
}

static void run_slots(struct image_thread *t)
{
	const size_t len = prm->len, stride = prm->stride;
	const long pagesize = prm->pagesize, slots = prm->slots, ntouch = prm->touch;
	const int op = prm->op;
	volatile int *stop = &image_block->stop;
	/* mprotect flips every slot once per pass: all of a pass's slots
	 * go to the same protection, so no per-slot state */
	int prot = PROT_READ;
	long slot = 0;
	uint64_t n = 0;

	while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		char *a = area + (size_t)slot * stride;

		switch (op) {
		case MC_MAP_UNMAP:
			if (munmap(a, len))
				goto fail_munmap;
			if (mmap(a, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
				 MAP_FIXED_NOREPLACE, -1, 0) != a)
				goto fail_mmap;
			touch(a, ntouch, pagesize);
			n++;
			break;
		case MC_MPROTECT:
			if (mprotect(a, len, prot))
				goto fail_mprotect;
			n++;
			break;
		case MC_SPLIT_MERGE:
			/* always a pair, so the run ends merged: the count of
			 * VMAs after it equals the count before */
			if (split_merge_once(a, PROT_READ))
				goto fail_split;
			n++;
			if (split_merge_once(a, PROT_READ | PROT_WRITE))
				goto fail_merge;
			n++;
			break;
		}
		if (++slot == slots) {
			slot = 0;
			prot ^= PROT_WRITE;
		}
	}
	t->ops = n;
	return;
fail_munmap:
	failed(t, "munmap");
	goto out;
fail_mmap:
	failed(t, "mmap (MAP_FIXED_NOREPLACE)");
	goto out;
fail_mprotect:
	failed(t, "mprotect");
	goto out;
fail_split:
	failed(t, "mprotect (split)");
	goto out;
fail_merge:
	failed(t, "mprotect (merge)");
out:
	t->ops = n;
}

static void run(struct image_thread *t, int i)
{
	if (area)
		run_slots(t);
	else
		run_map_unmap_free(t);
}

/* The run's own VMAs go before done: the driver's teardown slab snapshot
 * follows it. */
static void thread_teardown(struct image_thread *t, int i)
{
	if (prm->check_maps)
		t->aux[MC_AFTER_RUN] = (uint64_t)image_count_maps();
	if (area)
		munmap(area, (size_t)prm->slots * prm->stride);
	if (anchor)
		munmap(anchor, (size_t)prm->pagesize);
	area = NULL;
	anchor = NULL;
}

int main(void)
{
	return image_main(&(const struct image_prog){
		.name = "mmap-churn.image",
		.params = &params,
		.params_size = sizeof(params),
		.thread_setup = thread_setup,
		.run = run,
		.thread_teardown = thread_teardown,
	});
}
