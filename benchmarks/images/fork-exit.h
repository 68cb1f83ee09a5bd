/*
 * fork-exit.h - what fork-exit's image (benchmarks/images/fork-exit.c)
 * gets from the workload in its block's params, and the counters each of
 * its threads returns in aux[].
 */
#ifndef MMSCALE_IMAGE_FORK_EXIT_H
#define MMSCALE_IMAGE_FORK_EXIT_H
#include <limits.h>

struct fe_params {
	long pagesize;
	long vmas, touch;	/* --vmas, --touch */
	int touched;		/* --touched */
	char helper[PATH_MAX];	/* --exec: the path of exit0, else "" */
};

/* aux counters of an image thread */
enum { FE_EAGAIN, FE_GAVE_UP, FE_CHILD_FAIL, FE_LAST_STATUS };

/* EAGAIN from fork is retried this often, a millisecond apart */
#define FE_EAGAIN_RETRIES 100

_Static_assert(sizeof(struct fe_params) <= IMAGE_PARAMS, "fork-exit params do not fit the block");
#endif
