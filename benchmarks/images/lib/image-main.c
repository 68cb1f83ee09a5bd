/*
 * image-main.c - the image's side of a client image (image.h), the same
 * for every image: attach the block the driver left at IMAGE_FD, run the
 * image's hooks in one thread per client, pinned, and hand back each
 * thread's figures.  Linked into every benchmarks/images/NAME.image: static,
 * libc alone, so nothing here may come from the harness.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "image.h"

struct image_hdr *image_block;
static const struct image_prog *prog;

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
}

int image_fail(int err, const char *what)
{
	snprintf(image_block->what, sizeof(image_block->what), "%s: %s", what, strerror(err));
	__atomic_store_n(&image_block->err, err, __ATOMIC_RELEASE);
	/* the driver waits on one of these, whichever phase it is in */
	image_futex_wake(&image_block->attached);
	image_futex_wake(&image_block->ready);
	return 1;
}

/* Thread 0 waits until the others have reached *word, counts the mm into
 * *vmas (every thread and what it built is in it then), and arrives last:
 * the driver, waiting for all, sees the count.  The others just arrive. */
static void arrive(int i, volatile int *word, long *vmas)
{
	struct image_hdr *h = image_block;

	if (i == 0) {
		int n;

		while ((n = __atomic_load_n(word, __ATOMIC_ACQUIRE)) < h->nthreads - 1)
			image_futex_wait(word, n, NULL);
		*vmas = image_count_maps();
	}
	image_add(word);
}

static void wait_set(volatile int *word)
{
	while (!__atomic_load_n(word, __ATOMIC_ACQUIRE))
		image_futex_wait(word, 0, NULL);
}

static int pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? image_fail(errno, "sched_setaffinity") : 0;
}

/* The loop between two RUSAGE_THREAD readings: its CPU time and faults
 * are the client's. */
static void measured_run(struct image_thread *t, int i)
{
	struct rusage r0, r1;

	getrusage(RUSAGE_THREAD, &r0);
	prog->run(t, i);
	getrusage(RUSAGE_THREAD, &r1);
	t->user_ns = tv_ns(r1.ru_utime) - tv_ns(r0.ru_utime);
	t->sys_ns = tv_ns(r1.ru_stime) - tv_ns(r0.ru_stime);
	t->minflt = (uint64_t)(r1.ru_minflt - r0.ru_minflt);
	t->majflt = (uint64_t)(r1.ru_majflt - r0.ru_majflt);
}

static void *thread_main(void *arg)
{
	struct image_hdr *h = image_block;
	int i = (int)(long)arg;
	struct image_thread *t = image_thread(h, i);

	if (pin(t->cpu))
		return NULL;
	if (h->hold) {
		arrive(i, &h->attached, &h->vmas_held);
		wait_set(&h->build);
	}
	if (prog->thread_setup && prog->thread_setup(t, i))
		return NULL;
	arrive(i, &h->ready, &h->vmas);
	wait_set(&t->go);
	measured_run(t, i);
	if (prog->thread_teardown)
		prog->thread_teardown(t, i);
	image_set(&t->done);
	if (image_add(&h->finished) == h->nthreads) {
		/* every child of every thread is reaped: all of them, once */
		struct rusage ch;

		getrusage(RUSAGE_CHILDREN, &ch);
		h->child_user_ns = tv_ns(ch.ru_utime);
		h->child_sys_ns = tv_ns(ch.ru_stime);
		h->child_minflt = (uint64_t)ch.ru_minflt;
		image_add(&h->finished);	/* nthreads + 1: children are in */
	}
	/* every thread stays until quit, its stack too: glibc caches 40 MiB
	 * of exited threads' stacks and unmaps the rest, which moved the
	 * teardown slab counts (-94 vm_area_structs at 56 threads) */
	wait_set(&h->quit);
	return NULL;
}

int image_main(const struct image_prog *p)
{
	struct stat st;
	pthread_t *tids;

	prog = p;
	/* dies with its driver; a ^C to the group is the driver's to handle */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	if (fstat(IMAGE_FD, &st) || (size_t)st.st_size < sizeof(*image_block)) {
		fprintf(stderr, "%s: no block at fd %d (run by its workload only)\n", p->name, IMAGE_FD);
		return 2;
	}
	image_block = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, IMAGE_FD, 0);
	if (image_block == MAP_FAILED || image_block->magic != IMAGE_MAGIC ||
	    image_block->version != IMAGE_VERSION) {
		fprintf(stderr, "%s: fd %d is not an image block of version %d\n", p->name,
			IMAGE_FD, IMAGE_VERSION);
		return 2;
	}
	close(IMAGE_FD);
	memcpy(p->params, image_block->params, p->params_size);
	if (p->setup && p->setup())
		return 1;
	tids = calloc((size_t)image_block->nthreads, sizeof(*tids));
	if (!tids)
		return image_fail(ENOMEM, "threads");
	for (int i = 1; i < image_block->nthreads; i++) {
		int err = pthread_create(&tids[i], NULL, thread_main, (void *)(long)i);

		if (err)
			return image_fail(err, "pthread_create");
	}
	thread_main(0);
	for (int i = 1; i < image_block->nthreads; i++)
		pthread_join(tids[i], NULL);
	/* (thread 0 returned at quit: the mm stays until the driver is
	 * done with it, its teardown figures count the image as still there,
	 * as at the start) */
	return 0;
}
