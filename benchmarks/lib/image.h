/*
 * image.h - a client image: the small static program a workload's client
 * drives when the work must run in an mm of its own making.
 *
 * fork copies every VMA of the forking mm, and a workload's mm holds its
 * libraries (hwloc, libnuma, jansson, libudev, libm: 54 VMAs for fork-exit
 * against the static bare loop's 12).  So the forking is done by a static
 * image (benchmarks/images/NAME.c, built with -static and no library but
 * libc, embedded in the workload's program and exec'd from a memfd) whose
 * mm holds only what it builds.  The workload drives it through a block of
 * shared memory, also a memfd, which the image finds at fd IMAGE_FD:
 *
 *   driver (workload)                    image
 *   image_create: block, params          -
 *   image_start: spawn, wait ready       attach, build its mm, one thread
 *                                        per client (pinned), ready
 *     (or image_spawn, wait attached;    (with hold: every thread waits,
 *      image_build, image_wait_ready)     pinned, until told to build)
 *   image_go(i)                          thread i: loop until stop
 *   image_stop, image_wait_done(i)       thread i: results, done
 *   image_reap                           exit when every thread is done
 *                                        and the driver says quit (its mm
 *                                        lives as long as the driver wants)
 *
 * Both sides include this header: the image with nothing but libc, so
 * everything here is plain C and static inline.  The image's side of that
 * sequence is one function, image_main() (benchmarks/images/lib/
 * image-main.c), that every image calls with its own hooks; the
 * harness's side, for a workload whose clients each drive an image
 * thread, is image-clients.h.
 */
#ifndef MMSCALE_IMAGE_H
#define MMSCALE_IMAGE_H
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define IMAGE_MAGIC 0x6d6d696dU	/* "mmim" */
#define IMAGE_VERSION 2
#define IMAGE_FD 3		/* where the image finds the block */
#define IMAGE_SLOT 256		/* words and threads a slot apart (harness.h) */
#define IMAGE_PARAMS 8192	/* bytes of the workload's parameters */

/* One image thread's words and results: thread i works for client i. */
struct image_thread {
	volatile int go;	/* driver -> thread: start the loop */
	volatile int done;	/* thread -> driver: results are in */
	int cpu;		/* pin here; -1: as inherited */
	int err;		/* errno of a failure, 0 if fine */
	char what[48];		/* what failed */
	uint64_t ops;
	uint64_t user_ns, sys_ns, minflt, majflt;	/* own RUSAGE_THREAD delta */
	uint64_t aux[8];	/* the image's own counters */
};

struct image_hdr {
	uint32_t magic, version;
	int nthreads;
	int hold;		/* threads wait for build before their setup */
	size_t size;		/* of the whole block */
	volatile int attached __attribute__((aligned(IMAGE_SLOT)));	/* threads pinned, holding */
	volatile int build;	/* driver -> all, with hold: set up now */
	volatile int ready __attribute__((aligned(IMAGE_SLOT)));	/* threads ready */
	volatile int stop __attribute__((aligned(IMAGE_SLOT)));	/* driver -> all */
	volatile int finished __attribute__((aligned(IMAGE_SLOT)));	/* threads done */
	volatile int quit;	/* driver -> image: exit now (image_reap) */
	int err;		/* a failure before ready */
	char what[80];
	long vmas;		/* /proc/self/maps lines once ready: the image's mm */
	long vmas_held;		/* with hold: the same, while every thread holds */
	/* RUSAGE_CHILDREN of the image process over the loops, once */
	uint64_t child_user_ns, child_sys_ns, child_minflt;
	/* the workload's parameters for its image */
	char params[IMAGE_PARAMS] __attribute__((aligned(IMAGE_SLOT)));
	/* nthreads struct image_thread follow, IMAGE_SLOT apart */
	char threads[] __attribute__((aligned(IMAGE_SLOT)));
};

_Static_assert(sizeof(struct image_thread) <= IMAGE_SLOT, "image thread slot too small");

static inline size_t image_size(int nthreads)
{
	return sizeof(struct image_hdr) + (size_t)nthreads * IMAGE_SLOT;
}

static inline struct image_thread *image_thread(struct image_hdr *h, int i)
{
	return (struct image_thread *)(h->threads + (size_t)i * IMAGE_SLOT);
}

/* Shared futexes (the block is MAP_SHARED across processes). */
static inline void image_futex_wait(volatile int *word, int val, const struct timespec *timeout)
{
	(void)syscall(SYS_futex, word, FUTEX_WAIT, val, timeout, NULL, 0);
}

static inline void image_futex_wake(volatile int *word)
{
	(void)syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static inline void image_set(volatile int *word)
{
	__atomic_store_n(word, 1, __ATOMIC_RELEASE);
	image_futex_wake(word);
}

static inline int image_add(volatile int *word)
{
	int v = __atomic_add_fetch(word, 1, __ATOMIC_SEQ_CST);

	image_futex_wake(word);
	return v;
}

static inline uint64_t image_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Lines of /proc/self/maps: this mm's VMAs, or -1 (both sides count
 * theirs: the image its own mm, the workload the mm it would have had). */
static inline long image_count_maps(void)
{
	char buf[4096];
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

/* ---- the image's side (benchmarks/images/lib/image-main.c) ------------- */

/*
 * What an image (benchmarks/images/NAME.c) does, as hooks image_main()
 * calls; every hook but run may be NULL.  Failures before ready go through
 * image_fail(); the loop's own go into its thread's err and what.
 */
struct image_prog {
	const char *name;	/* "NAME.image", for messages */
	void *params;		/* a private copy of the block's params goes here: */
	size_t params_size;	/* the block is shared, and fork does not copy the
				 * page tables of a shared mapping */
	/* once, in the main thread before the other threads exist: the part
	 * of the mm every thread shares; 0, or image_fail()'s 1 */
	int (*setup)(void);
	/* in thread i, pinned, before it is ready: its own part of the mm */
	int (*thread_setup)(struct image_thread *t, int i);
	/* thread i's loop, until image_stopped(); its ops and aux into t */
	void (*run)(struct image_thread *t, int i);
	/* after the loop, before done (counts, unmapping) */
	void (*thread_teardown)(struct image_thread *t, int i);
};

/* The block, once image_main() has attached it. */
extern struct image_hdr *image_block;

/* The image's main(): attach the block, run prog's hooks in one thread
 * per client, report, exit when every thread is done. */
int image_main(const struct image_prog *prog);
/* A failure before ready: "what: strerror" into the header, the driver
 * woken; returns 1. */
int image_fail(int err, const char *what);

static inline int image_stopped(void)
{
	return __atomic_load_n(&image_block->stop, __ATOMIC_RELAXED);
}

/* ---- the driver's side (benchmarks/lib/image.c) ------------------------ */

#include <sys/types.h>

/*
 * MMSCALE_IMAGE(sym, "NAME"): the bytes of $(BUILD)/images/NAME.image in
 * this program's .rodata, from sym to sym_end (the Makefile builds the
 * image first and passes its folder as MMSCALE_IMAGE_DIR).
 */
#define MMSCALE_IMAGE(sym, name) \
	__asm__(".section .rodata\n.balign 64\n.hidden " #sym "\n.globl " #sym "\n" #sym ":\n" \
		".incbin \"" MMSCALE_IMAGE_DIR "/" name ".image\"\n.hidden " #sym "_end\n" \
		".globl " #sym "_end\n" #sym "_end:\n.previous\n"); \
	extern const unsigned char sym[], sym##_end[]

struct image {
	struct image_hdr *hdr;
	int fd;			/* the block's memfd, -1 when none */
	pid_t pid;		/* the running image; 0 when none */
};

/* The image's program in a memfd (once per run; forked clients inherit
 * it): the fd, or -1 with errno. */
int image_load(const char *name, const unsigned char *elf, size_t len);
/* A block for nthreads threads (pinned to cpus[i], NULL: as inherited),
 * mapped shared, so clients forked after this see it too: 0 or an errno. */
int image_create(struct image *im, int nthreads, const int *cpus);
/* Spawn the image from the calling task (it becomes that task's child and
 * inherits its CPU affinity) and wait until every thread is ready: 0, or
 * an errno with the reason in msg ("what: ..."). */
int image_start(struct image *im, int elf_fd, const char *name, char *msg, size_t msglen);
/* image_start in steps, for a driver that looks at the system between the
 * image's arrival and its setup (slab counts): spawn and wait until every
 * thread holds, pinned (the block's hold is set); then let them build and
 * wait until they are ready.  0 or an errno, the reason in msg. */
int image_spawn(struct image *im, int elf_fd, const char *name, char *msg, size_t msglen);
void image_build(struct image *im);
int image_wait_ready(struct image *im, const char *name, char *msg, size_t msglen);
void image_go(struct image *im, int i);
/* Every thread stops its loop. */
void image_stop(struct image *im);
/* Wait until thread i's results are in (0) or the image died (-1). */
int image_wait_done(struct image *im, int i);
/* Wait until every thread's results and the children's figures are in (0)
 * or the image died (-1). */
int image_wait_finished(struct image *im);
/* Reap the image (killing it if it is still running); its exit status. */
int image_reap(struct image *im);
/* Unmap and close the block. */
void image_destroy(struct image *im);

#endif
