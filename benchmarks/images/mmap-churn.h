/*
 * mmap-churn.h - what mmap-churn's image (benchmarks/images/mmap-churn.c)
 * gets from the workload in its block's params, and the counters each of
 * its threads returns in aux[].
 */
#ifndef MMSCALE_IMAGE_MMAP_CHURN_H
#define MMSCALE_IMAGE_MMAP_CHURN_H

/* --op, in the order of the workload's option table */
enum { MC_MAP_UNMAP, MC_SPLIT_MERGE, MC_MPROTECT };

struct mc_params {
	long pagesize;
	int op;
	long vmas;		/* --vmas: 0 for map-unmap of fresh regions */
	long slots;		/* regions each thread builds (--vmas, at least 1) */
	long touch;		/* --touch */
	size_t len;		/* region bytes (--pages) */
	size_t stride;		/* region plus a guard page */
	int check_maps;		/* --check-maps */
};

/* aux counters of an image thread: what map-unmap's fresh region became
 * (MC_NEW or MC_MERGED), and with --check-maps the thread's own counts of
 * its mm around one split and merge and after the run */
enum { MC_CHURN_VMA, MC_AFTER_SETUP, MC_AFTER_SPLIT, MC_AFTER_MERGE, MC_AFTER_RUN };
enum { MC_NEW = 1, MC_MERGED = 2 };

_Static_assert(sizeof(struct mc_params) <= IMAGE_PARAMS, "mmap-churn params do not fit the block");
#endif
