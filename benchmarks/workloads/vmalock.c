/*
 * vmalock - a user-space model of the per-VMA lock living in a slab, to test
 * false-sharing hypotheses in seconds instead of kernel rebuilds.
 *
 * A page-aligned arena holds one object per client, neighbours next to each
 * other as a slab would place them: --objsize bytes each, at a stride of
 * objsize rounded up to 8 (packed), 64 or 128 (--align).  Each object starts
 * with the fields a page fault reads (vm_start, vm_end, flags: 24 bytes).
 * The lock word is a refcount as in the 2025 series: readers add one unless
 * the writer bit 0x40000000 is set and never wait on it (a failure is a
 * fallback to mmap_lock in the kernel, which waits for the writer: modelled
 * as that wait, counted in read_fallbacks and, done, as an op); the writer
 * sets the bit and waits for the readers to drain.  It lives either in the
 * object (--lock inline, at --lock-offset: by default a line of its own at
 * 128 like vm_refcnt, or 64 or 24 in smaller objects) or in a packed arena
 * of 40-byte lock objects (--lock separate: the 2023 vma_lock cache).
 * --layout names the three layouts of the Broadwell investigation, so that
 * a config can make them one axis (the objects keep --objsize):
 *   separate   --lock separate --align packed  (2023: vma_lock cache, no
 *              SLAB_HWCACHE_ALIGN on either cache)
 *   inline64   --lock inline --align 64        (lock in a 64-byte aligned object)
 *   inline128  --lock inline --align 128       (lock in a 128-byte aligned object)
 *
 * Each client loops: read-lock its own object, read the hot fields, unlock.
 * Rates: ops/sec and ops/cpu as always.  The numbers to read next to them
 * are computed from the arena addresses alone: how many clients have their
 * hot fields in the same 64-byte line (hot_shared_64) or 128-byte pair that
 * the adjacent-line prefetcher fetches together (hot_shared_128) as another
 * client's lock word, and the same for lock words against each other
 * (lock_shared_*).  Every lock word is written twice per op, so a line that
 * carries one is the line that bounces.
 * --writer-rate N adds a writer thread that write-locks the objects in turn,
 * N times a second; its ops are "writer_ops", the readers' failed attempts
 * "read_fallbacks".
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "harness.h"
#include "options.h"

#define HOT_BYTES	24		/* vm_start, vm_end, flags */
#define WRITER_BIT	0x40000000u	/* VMA_LOCK_OFFSET */
#define LOCK_OBJSIZE	40		/* the 2023 vma_lock: an rw_semaphore */
#define ARENA_ALIGN	4096

enum { ALIGN_PACKED, ALIGN_64, ALIGN_128 };
enum { LOCK_INLINE, LOCK_SEPARATE };
enum { LAYOUT_CUSTOM, LAYOUT_SEPARATE, LAYOUT_INLINE64, LAYOUT_INLINE128 };
static const size_t align_bytes[] = { [ALIGN_PACKED] = 8, [ALIGN_64] = 64, [ALIGN_128] = 128 };
static const char *const align_names[] = { [ALIGN_PACKED] = "packed", [ALIGN_64] = "64", [ALIGN_128] = "128" };
static const char *const lock_names[] = { [LOCK_INLINE] = "inline", [LOCK_SEPARATE] = "separate" };

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

struct vmalock_opts {
	long objsize;
	int align, lock, layout;
	long lock_offset;
	long writer_rate;
};

#define O(f) OPT_OFF(struct vmalock_opts, f)
static const struct opt vmalock_table[] = {
	{ "objsize", 0, OPT_INT, O(objsize), "192", NULL, 24, 65536,
	  "object size in bytes (e.g. 40, 160, 176, 192, 256)" },
	{ "align", 0, OPT_ENUM, O(align), "64", "packed|64|128", 0, 0,
	  "object alignment: packed (8 bytes, as slab does without SLAB_HWCACHE_ALIGN), 64 or 128" },
	{ "lock", 0, OPT_ENUM, O(lock), "inline", "inline|separate", 0, 0,
	  "lock word inside the object, or in a packed arena of 40-byte lock objects" },
	{ "layout", 0, OPT_ENUM, O(layout), "custom", "custom|separate|inline64|inline128", 0, 0,
	  "sets --lock and --align at once: separate = separate + packed (2023), inline64 = "
	  "inline + 64, inline128 = inline + 128; custom: --lock and --align as given" },
	{ "lock-offset", 0, OPT_INT, O(lock_offset), "0", NULL, 0, 65532,
	  "inline lock word offset in the object; 0: 128, 64 or 24, the first that fits" },
	{ "writer-rate", 0, OPT_INT, O(writer_rate), "0", NULL, 0, 10000000,
	  "write-locks per second by one extra writer thread (0: no writer)" },
	{ 0 }
};
#undef O

struct vmalock {
	size_t stride, lock_off;	/* lock_off: inline only */
	char *arena, *locks;		/* locks: separate only */
	size_t arena_len, locks_len;
};

static inline volatile uint64_t *hot(const struct vmalock *v, int i)
{
	return (volatile uint64_t *)(v->arena + (size_t)i * v->stride);
}

static inline uint32_t *lockw(const struct vmalock *v, int i)
{
	if (v->locks)
		return (uint32_t *)(v->locks + (size_t)i * LOCK_OBJSIZE);
	return (uint32_t *)(v->arena + (size_t)i * v->stride + v->lock_off);
}

static size_t round_up(size_t x, size_t a)
{
	return (x + a - 1) / a * a;
}

/*
 * --layout sets --align and --lock, and the iteration's options echo what
 * ran.  Either of them away from both its default and the preset's value is
 * a contradiction and refused; an explicit default cannot be told apart from
 * none, so the help says the preset wins.
 */
static int apply_layout(struct vmalock_opts *o)
{
	static const struct { int align, lock; } preset[] = {
		[LAYOUT_SEPARATE] = { ALIGN_PACKED, LOCK_SEPARATE },
		[LAYOUT_INLINE64] = { ALIGN_64, LOCK_INLINE },
		[LAYOUT_INLINE128] = { ALIGN_128, LOCK_INLINE },
	};
	struct vmalock_opts def = { 0 };

	if (o->layout == LAYOUT_CUSTOM)
		return 0;
	if (opt_defaults(vmalock_table, &def))
		return EXIT_FAIL;
	if (o->align != def.align && o->align != preset[o->layout].align) {
		errmsg(0, "--layout: the preset sets --align %s, not --align %s",
		       align_names[preset[o->layout].align], align_names[o->align]);
		return EXIT_USAGE;
	}
	if (o->lock != def.lock && o->lock != preset[o->layout].lock) {
		errmsg(0, "--layout: the preset sets --lock %s, not --lock %s",
		       lock_names[preset[o->layout].lock], lock_names[o->lock]);
		return EXIT_USAGE;
	}
	o->align = preset[o->layout].align;
	o->lock = preset[o->layout].lock;
	return 0;
}

static int vmalock_check(struct run *r)
{
	struct vmalock_opts *o = r->opts;
	struct vmalock *v = calloc(1, sizeof(*v));
	size_t size;
	int rc;

	if (!v)
		return EXIT_NORES;
	r->priv = v;
	if ((rc = apply_layout(o)))
		return rc;
	size = (size_t)o->objsize;
	v->stride = round_up(size, align_bytes[o->align]);
	if (o->lock == LOCK_SEPARATE) {
		if (o->lock_offset) {
			errmsg(0, "--lock-offset: only with --lock inline");
			return EXIT_USAGE;
		}
		return 0;
	}
	if (o->lock_offset) {
		v->lock_off = (size_t)o->lock_offset;
		if (v->lock_off < HOT_BYTES || v->lock_off % 4 || v->lock_off + 4 > size) {
			errmsg(0, "--lock-offset: %ld must be a multiple of 4 from %d to objsize - 4 (%ld)",
			       o->lock_offset, HOT_BYTES, o->objsize - 4);
			return EXIT_USAGE;
		}
	} else {
		/* a cache line of its own after the hot ones, as
		 * ____cacheline_aligned_in_smp places vm_refcnt; small objects
		 * keep it right after the hot fields */
		v->lock_off = size >= 128 + 4 ? 128 : size >= 64 + 4 ? 64 : HOT_BYTES;
		if (v->lock_off + 4 > size) {
			errmsg(0, "--objsize: %ld leaves no room for an inline lock word (at least %d)",
			       o->objsize, HOT_BYTES + 4);
			return EXIT_USAGE;
		}
	}
	return 0;
}

static void *map_arena(size_t len)
{
	/* mmap is page aligned, so the layout inside is the same every run;
	 * MAP_SHARED so that processes mode shares it like threads do */
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int vmalock_run_setup(struct run *r)
{
	struct vmalock_opts *o = r->opts;
	struct vmalock *v = r->priv;

	v->arena_len = round_up(v->stride * (size_t)r->nclients, ARENA_ALIGN);
	v->arena = map_arena(v->arena_len);
	if (!v->arena) {
		errmsg(errno, "mmap %zu bytes (object arena)", v->arena_len);
		return EXIT_NORES;
	}
	if (o->lock == LOCK_SEPARATE) {
		v->locks_len = round_up((size_t)LOCK_OBJSIZE * (size_t)r->nclients, ARENA_ALIGN);
		v->locks = map_arena(v->locks_len);
		if (!v->locks) {
			errmsg(errno, "mmap %zu bytes (lock arena)", v->locks_len);
			return EXIT_NORES;
		}
	}
	return 0;
}

static void vmalock_run_teardown(struct run *r)
{
	struct vmalock *v = r->priv;

	if (v->arena)
		munmap(v->arena, v->arena_len);
	if (v->locks)
		munmap(v->locks, v->locks_len);
	free(v);
	r->priv = NULL;
}

/* Attached VMAs: refcount 1, distinct ranges. */
static int vmalock_iter_setup(struct run *r)
{
	struct vmalock *v = r->priv;

	for (int i = 0; i < r->nclients; i++) {
		hot(v, i)[0] = 0x7f0000000000ull + ((uint64_t)i << 20);
		hot(v, i)[1] = hot(v, i)[0] + (1ull << 20);
		hot(v, i)[2] = 0x73;	/* VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC */
		__atomic_store_n(lockw(v, i), 1, __ATOMIC_RELEASE);
	}
	return 0;
}

/* Read-lock: add one unless the writer bit is set.  Never waits. */
static inline bool read_trylock(uint32_t *lk)
{
	uint32_t old = __atomic_load_n(lk, __ATOMIC_RELAXED);

	do {
		if (old & WRITER_BIT)
			return false;
	} while (!__atomic_compare_exchange_n(lk, &old, old + 1, true,
					      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	return true;
}

static int vmalock_client_run(struct client *c)
{
	struct vmalock *v = c->run->priv;
	uint32_t *lk = lockw(v, c->id);
	volatile uint64_t *h = hot(v, c->id);
	uint64_t n = 0, fallbacks = 0, bad = 0;

	/* counters are local and published once: a shared one would be the
	 * false sharing this workload is meant to measure */
	while (!__atomic_load_n(c->stop, __ATOMIC_RELAXED)) {
		uint64_t start, end, flags;

		if (read_trylock(lk)) {
			start = h[0];
			end = h[1];
			flags = h[2];
			__atomic_fetch_sub(lk, 1, __ATOMIC_RELEASE);
		} else {
			/* the kernel falls back to mmap_lock, which the writer
			 * holds: that wait is the price of a fallback */
			fallbacks++;
			while ((__atomic_load_n(lk, __ATOMIC_ACQUIRE) & WRITER_BIT) &&
			       !__atomic_load_n(c->stop, __ATOMIC_RELAXED))
				cpu_relax();
			start = h[0];
			end = h[1];
			flags = h[2];
		}
		bad += start >= end || !flags;
		n++;
	}
	c->res->ops = n;
	c->res->aux[0] = fallbacks;
	if (bad)
		return client_fail(c, EINVAL, "torn VMA read under the read lock");
	return 0;
}

static int vmalock_aux_count(struct run *r)
{
	return ((struct vmalock_opts *)r->opts)->writer_rate ? 1 : 0;
}

/* The writer: set the bit, wait for readers to drain, change the flags,
 * clear the bit; objects in turn, at a fixed rate. */
static int vmalock_writer(struct client *c)
{
	const struct vmalock_opts *o = c->run->opts;
	struct vmalock *v = c->run->priv;
	uint64_t period = 1000000000ull / (uint64_t)o->writer_rate, next = now_ns(), n = 0;

	while (!__atomic_load_n(c->stop, __ATOMIC_RELAXED)) {
		int i = (int)(n % (uint64_t)c->run->nclients);
		uint32_t *lk = lockw(v, i);
		uint64_t now = now_ns();

		next += period;
		if (next > now) {
			struct timespec ts = { .tv_sec = (time_t)(next / 1000000000ull),
					       .tv_nsec = (long)(next % 1000000000ull) };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
		__atomic_fetch_add(lk, WRITER_BIT, __ATOMIC_ACQUIRE);
		/* a reader preempted inside its section holds us up: on a
		 * shared CPU, yield to it rather than spin out the time slice */
		for (unsigned spins = 0; __atomic_load_n(lk, __ATOMIC_ACQUIRE) != WRITER_BIT + 1; spins++) {
			if (spins > 1000)
				sched_yield();
			cpu_relax();
		}
		hot(v, i)[2] ^= 0x100;	/* VM_GROWSDOWN, say: readers only check non-zero */
		__atomic_fetch_sub(lk, WRITER_BIT, __ATOMIC_RELEASE);
		n++;
	}
	c->res->ops = n;
	return 0;
}

/* How many clients have [a, a+len) in the same block (64: line, 128:
 * adjacent-line pair) as another client's lock word. */
static int shared_with_lock(const struct vmalock *v, int n, bool hot_side, size_t block)
{
	int count = 0;

	for (int i = 0; i < n; i++) {
		uintptr_t a = hot_side ? (uintptr_t)hot(v, i) : (uintptr_t)lockw(v, i);
		uintptr_t first = a / block, last = (a + (hot_side ? HOT_BYTES : 4) - 1) / block;

		for (int j = 0; j < n; j++) {
			uintptr_t l = (uintptr_t)lockw(v, j) / block;

			if (j != i && l >= first && l <= last) {
				count++;
				break;
			}
		}
	}
	return count;
}

static void vmalock_iter_report(struct run *r, json_t *out)
{
	const struct vmalock_opts *o = r->opts;
	struct vmalock *v = r->priv;
	uint64_t fallbacks = 0;
	json_t *layout;

	for (int i = 0; i < r->nclients; i++)
		fallbacks += client_res(r, i)->aux[0];
	layout = json_pack("{s:i, s:s, s:s, s:I, s:I}", "objsize", (int)o->objsize,
			   "align", align_names[o->align],
			   "lock", lock_names[o->lock],
			   "stride", (json_int_t)v->stride,
			   "arena_align", (json_int_t)ARENA_ALIGN);
	if (v->locks)
		json_object_set_new(layout, "lock_stride", json_integer(LOCK_OBJSIZE));
	else
		json_object_set_new(layout, "lock_offset", json_integer((json_int_t)v->lock_off));
	json_object_set_new(out, "layout", layout);
	json_object_set_new(out, "hot_shared_64", json_integer(shared_with_lock(v, r->nclients, true, 64)));
	json_object_set_new(out, "hot_shared_128", json_integer(shared_with_lock(v, r->nclients, true, 128)));
	json_object_set_new(out, "lock_shared_64", json_integer(shared_with_lock(v, r->nclients, false, 64)));
	json_object_set_new(out, "lock_shared_128", json_integer(shared_with_lock(v, r->nclients, false, 128)));
	json_object_set_new(out, "read_fallbacks", json_integer((json_int_t)fallbacks));
}

/* What the layout shares, from the addresses: the same in every iteration. */
static const char *const vmalock_facts[] = { "hot_shared_64", "hot_shared_128", "lock_shared_64",
					     "lock_shared_128", NULL };

static const struct workload vmalock_wl = {
	.name = "vmalock",
	.version = "1",
	.summary = "per-VMA refcount read lock in a slab-like arena: false sharing by layout",
	.metric = "ops",
	.facts = vmalock_facts,
	.timed = true,
	.opts = vmalock_table,
	.opts_size = sizeof(struct vmalock_opts),
	.check = vmalock_check,
	.run_setup = vmalock_run_setup,
	.run_teardown = vmalock_run_teardown,
	.iter_setup = vmalock_iter_setup,
	.client_run = vmalock_client_run,
	.iter_report = vmalock_iter_report,
	.aux_name = "writer",
	.aux_option = "writer-rate",
	.aux_count = vmalock_aux_count,
	.aux_run = vmalock_writer,
};

MMSCALE_WORKLOAD(&vmalock_wl)
