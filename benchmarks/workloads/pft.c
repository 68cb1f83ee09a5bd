/*
 * pft - the classic page fault test: a storm of first-touch faults.
 *
 * One MAP_PRIVATE region of SIZE bytes is split into equal, ceil-rounded
 * slices, one per client; each client stores one byte per page of its slice.
 * Every store is a page fault, so:
 *   faults/sec = pages / (latest end - earliest start)
 *   faults/cpu = pages / sum of clients' user+sys seconds
 * In threads mode all clients fault inside one VMA of one mm (the per-VMA
 * lock's home ground); in processes mode the region is mapped before fork
 * and each client faults its own slice in its own mm.
 *
 * --mmap-noise K adds K threads to the same mm that mmap, mprotect and
 * munmap small unrelated regions throughout the storm: the mmap_lock writers
 * that per-VMA locks let faults ignore.  Their op rate is reported apart.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "harness.h"
#include "options.h"

enum { LAYOUT_SHARED, LAYOUT_PER_CLIENT };
enum { PAGES_BASE, PAGES_THP };
enum { BACK_ANON, BACK_SHMEM, BACK_FILE_PRIVATE, BACK_FILE_SHARED };
enum { TOUCH_PAGE, TOUCH_CACHELINE, TOUCH_BZERO };

#define DEFAULT_CAP (1ull << 30)	/* default size: 20% of MemTotal, at most 1 GiB */
#define HPAGE (2ul << 20)

struct pft_opts {
	uint64_t size;
	int layout, pages, backing, touch;
	long noise;
};

#define O(f) OPT_OFF(struct pft_opts, f)
static const struct opt pft_table[] = {
	{ "size", 'm', OPT_SIZE, O(size), NULL, NULL, 0, 0,
	  "mapping size: N[KMG] or N% of MemTotal [20% of MemTotal, at most 1G]" },
	{ "layout", 0, OPT_ENUM, O(layout), "shared", "shared|per-client", 0, 0,
	  "one VMA for all clients, or one VMA each (will-it-scale page_fault1)" },
	{ "pages", 0, OPT_ENUM, O(pages), "base", "base|thp", 0, 0,
	  "MADV_NOHUGEPAGE or MADV_HUGEPAGE" },
	{ "backing", 0, OPT_ENUM, O(backing), "anon",
	  "anon|shmem|file-private|file-shared", 0, 0, "what the region maps" },
	{ "touch", 0, OPT_ENUM, O(touch), "page", "page|cacheline|bzero", 0, 0,
	  "one store per page, per cache line, or memset of the slice" },
	{ "mmap-noise", 0, OPT_INT, O(noise), "0", NULL, 0, 64,
	  "threads doing mmap/mprotect/munmap in the same mm during the storm" },
	{ 0 }
};
#undef O

struct pft {
	uint64_t pages, per_client;	/* base pages */
	size_t slice, stride;		/* bytes per client; distance between slices */
	char *reserve;			/* PROT_NONE reservation, HPAGE aligned inside */
	size_t reserve_len;
	char *base;
	int fd;				/* file backings: an unlinked temporary file */
	char thp_mode[16];
	bool size_default;
};

static void read_thp_mode(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[256], *a, *b;

	snprintf(buf, len, "unavailable");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (a = strchr(line, '[')) && (b = strchr(a, ']'))) {
		*b = 0;
		snprintf(buf, len, "%s", a + 1);
	}
	fclose(f);
}

static int pft_check(struct run *r)
{
	struct pft_opts *o = r->opts;
	struct pft *p = calloc(1, sizeof(*p));
	uint64_t need, avail;
	char human[32];

	if (!p)
		return EXIT_NORES;
	r->priv = p;
	p->fd = -1;
	if (!o->size) {
		o->size = mem_total_bytes() / 5;
		if (o->size > DEFAULT_CAP)
			o->size = DEFAULT_CAP;
		p->size_default = true;
	}
	p->pages = (o->size + (uint64_t)r->pagesize - 1) / (uint64_t)r->pagesize;
	p->per_client = (p->pages + (uint64_t)r->nclients - 1) / (uint64_t)r->nclients;
	if (o->pages == PAGES_THP)	/* whole huge pages per slice */
		p->per_client = (p->per_client * r->pagesize + HPAGE - 1) / HPAGE * HPAGE / r->pagesize;
	p->pages = p->per_client * (uint64_t)r->nclients;
	p->slice = p->per_client * (size_t)r->pagesize;
	p->stride = o->layout == LAYOUT_PER_CLIENT ?
		(p->slice + HPAGE + HPAGE - 1) / HPAGE * HPAGE : p->slice;

	need = p->pages * (uint64_t)r->pagesize;
	avail = mem_available_bytes();
	if (avail && need > avail) {
		snprintf(human, sizeof(human), "%.1f GiB", (double)avail / (1 << 30));
		errmsg(0, "--size: %.1f GiB does not fit in available memory (%s)",
		       (double)need / (1 << 30), human);
		return EXIT_NORES;
	}
	read_thp_mode(o->backing == BACK_SHMEM ?
		      "/sys/kernel/mm/transparent_hugepage/shmem_enabled" :
		      "/sys/kernel/mm/transparent_hugepage/enabled",
		      p->thp_mode, sizeof(p->thp_mode));
	if (o->pages == PAGES_THP) {
		if (o->backing == BACK_FILE_PRIVATE || o->backing == BACK_FILE_SHARED) {
			errmsg(0, "--pages thp: unsupported with file backing (page cache THP is not faulted in by stores)");
			return EXIT_UNSUPP;
		}
		if (!strcmp(p->thp_mode, "never") || !strcmp(p->thp_mode, "deny") ||
		    !strcmp(p->thp_mode, "unavailable")) {
			errmsg(0, "--pages thp: unavailable: THP mode is '%s'", p->thp_mode);
			return EXIT_UNSUPP;
		}
	}
	return 0;
}

static int pft_run_setup(struct run *r)
{
	struct pft_opts *o = r->opts;
	struct pft *p = r->priv;
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	if (o->backing != BACK_FILE_PRIVATE && o->backing != BACK_FILE_SHARED)
		return 0;
	/* never linked (or unlinked at once): gone even after SIGKILL */
	p->fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL, 0600);
	if (p->fd < 0) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/mmscale-pft.XXXXXX", dir);
		p->fd = mkstemp(path);
		if (p->fd < 0) {
			errmsg(errno, "temporary file in %s", dir);
			return EXIT_NORES;
		}
		unlink(path);
	}
	return 0;
}

static int pft_iter_setup(struct run *r)
{
	struct pft_opts *o = r->opts;
	struct pft *p = r->priv;
	int prot = PROT_READ | PROT_WRITE, flags, n = o->layout == LAYOUT_PER_CLIENT ? r->nclients : 1;
	size_t len = o->layout == LAYOUT_PER_CLIENT ? p->slice : p->slice * (size_t)r->nclients;

	if (p->fd >= 0) {	/* drop last iteration's page cache */
		if (ftruncate(p->fd, 0) || ftruncate(p->fd, (off_t)(p->stride * (size_t)r->nclients))) {
			errmsg(errno, "ftruncate of the temporary file");
			return EXIT_NORES;
		}
	}
	p->reserve_len = p->stride * (size_t)r->nclients + HPAGE;
	p->reserve = mmap(NULL, p->reserve_len, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->reserve == MAP_FAILED) {
		errmsg(errno, "mmap of %zu bytes", p->reserve_len);
		return EXIT_NORES;
	}
	p->base = (char *)(((uintptr_t)p->reserve + HPAGE - 1) & ~(HPAGE - 1));
	switch (o->backing) {
	case BACK_ANON: flags = MAP_PRIVATE | MAP_ANONYMOUS; break;
	case BACK_SHMEM: flags = MAP_SHARED | MAP_ANONYMOUS; break;
	case BACK_FILE_PRIVATE: flags = MAP_PRIVATE; break;
	default: flags = MAP_SHARED; break;
	}
	for (int i = 0; i < n; i++) {
		char *at = p->base + (size_t)i * p->stride;

		if (mmap(at, len, prot, flags | MAP_FIXED, p->fd, p->fd >= 0 ?
			 (off_t)((size_t)i * p->stride) : 0) == MAP_FAILED) {
			errmsg(errno, "mmap of %zu bytes", len);
			return EXIT_NORES;
		}
		if (madvise(at, len, o->pages == PAGES_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) &&
		    o->pages == PAGES_THP) {
			errmsg(errno, "madvise(MADV_HUGEPAGE)");
			return EXIT_UNSUPP;
		}
	}
	return 0;
}

static int pft_client_run(struct client *c)
{
	const struct pft_opts *o = c->run->opts;
	const struct pft *p = c->run->priv;
	long ps = c->run->pagesize;
	char *s = p->base + (size_t)c->id * (o->layout == LAYOUT_PER_CLIENT ? p->stride : p->slice);

	switch (o->touch) {
	case TOUCH_PAGE:
		for (uint64_t i = 0; i < p->per_client; i++)
			((volatile char *)s)[i * ps] = 1;
		break;
	case TOUCH_CACHELINE:
		for (size_t off = 0; off < p->slice; off += 64)
			((volatile char *)s)[off] = 1;
		break;
	case TOUCH_BZERO:
		memset(s, 0, p->slice);
		break;
	}
	c->res->ops = p->per_client;
	return 0;
}

/* Noise: the mmap_lock writers a storm of faults competes with. */
static int pft_noise_run(struct client *c)
{
	long ps = c->run->pagesize;
	uint64_t n = 0;

	while (!__atomic_load_n(c->stop, __ATOMIC_RELAXED)) {
		char *m = mmap(NULL, (size_t)ps, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			return client_fail(c, errno, "noise mmap");
		if (mprotect(m, (size_t)ps, PROT_READ))
			return client_fail(c, errno, "noise mprotect");
		munmap(m, (size_t)ps);
		n++;
	}
	c->res->ops = n;
	return 0;
}

static int pft_noise_count(struct run *r)
{
	return (int)((struct pft_opts *)r->opts)->noise;
}

static uint64_t pft_work(struct run *r)
{
	return ((struct pft *)r->priv)->pages;
}

static void pft_iter_report(struct run *r, json_t *out)
{
	const struct pft_opts *o = r->opts;
	const struct pft *p = r->priv;
	uint64_t minflt = 0, majflt = 0;
	uint64_t expect = o->pages == PAGES_THP ? p->pages * (uint64_t)r->pagesize / HPAGE : p->pages;

	for (int i = 0; i < r->nclients; i++) {
		minflt += client_res(r, i)->minflt;
		majflt += client_res(r, i)->majflt;
	}
	json_object_set_new(out, "pages", json_integer((json_int_t)p->pages));
	json_object_set_new(out, "pages_per_client", json_integer((json_int_t)p->per_client));
	json_object_set_new(out, "size", json_integer((json_int_t)(p->pages * (uint64_t)r->pagesize)));
	json_object_set_new(out, "size_default", json_boolean(p->size_default));
	json_object_set_new(out, "minflt", json_integer((json_int_t)minflt));
	json_object_set_new(out, "majflt", json_integer((json_int_t)majflt));
	json_object_set_new(out, "expected_faults", json_integer((json_int_t)expect));
	json_object_set_new(out, "thp_mode", json_string(p->thp_mode));
	/* base pages of anon memory fault exactly once each: anything else
	 * means the storm was not what it claims to be */
	if (o->pages == PAGES_BASE && o->backing == BACK_ANON && !r->invalid &&
	    (minflt > p->pages + p->pages / 100 || minflt + p->pages / 100 < p->pages)) {
		r->invalid = true;
		snprintf(r->reason, sizeof(r->reason),
			 "minor faults %llu differ from pages %llu by more than 1%%",
			 (unsigned long long)minflt, (unsigned long long)p->pages);
	}
}

static void pft_iter_teardown(struct run *r)
{
	struct pft *p = r->priv;

	if (p->reserve && p->reserve != MAP_FAILED)
		munmap(p->reserve, p->reserve_len);
	p->reserve = NULL;
}

static void pft_run_teardown(struct run *r)
{
	struct pft *p = r->priv;

	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

static const struct workload pft_wl = {
	.name = "pft",
	.version = "1",
	.summary = "page fault test: clients store one byte per page of their slice of one mapping",
	.metric = "faults",
	.opts = pft_table,
	.opts_size = sizeof(struct pft_opts),
	.check = pft_check,
	.run_setup = pft_run_setup,
	.run_teardown = pft_run_teardown,
	.iter_setup = pft_iter_setup,
	.client_run = pft_client_run,
	.iter_report = pft_iter_report,
	.iter_teardown = pft_iter_teardown,
	.work = pft_work,
	.aux_name = "noise",
	.aux_option = "mmap-noise",
	.aux_count = pft_noise_count,
	.aux_run = pft_noise_run,
};

MMSCALE_WORKLOAD(&pft_wl)
