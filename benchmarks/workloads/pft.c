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
 * --pages mthp:SIZE faults multi-size THP folios of SIZE (kernels since
 * 6.8): the size's sysfs switch is set to "always" for the run through
 * machstate (journaled, restored at exit, on signals, and by the next
 * command after a kill -9), every other size that would apply to the
 * region set to "never", and the region left without madvise, so each
 * fault maps one SIZE folio: pages / (SIZE / 4 KiB) faults.
 *
 * --mmap-noise K adds K threads to the same mm that mmap, mprotect and
 * munmap small unrelated regions throughout the storm: the mmap_lock writers
 * that per-VMA locks let faults ignore.  Their op rate is reported apart.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>
#include "harness.h"
#include "machstate.h"
#include "options.h"

enum { LAYOUT_SHARED, LAYOUT_PER_CLIENT };
enum { PAGES_BASE, PAGES_THP, PAGES_MTHP };
enum { BACK_ANON, BACK_SHMEM, BACK_FILE_PRIVATE, BACK_FILE_SHARED };
enum { TOUCH_PAGE, TOUCH_CACHELINE, TOUCH_BZERO };

#define DEFAULT_CAP (1ull << 30)	/* default size: 20% of MemTotal, at most 1 GiB */
#define HPAGE (2ul << 20)

struct pft_opts {
	uint64_t size;
	const char *pages_arg;	/* base, thp or mthp:SIZE */
	int layout, backing, touch;
	long noise;
	int pages;		/* pages_arg parsed by pft_check */
};

#define O(f) OPT_OFF(struct pft_opts, f)
static const struct opt pft_table[] = {
	{ "size", 'm', OPT_SIZE, O(size), NULL, NULL, 0, 0,
	  "mapping size: N[KMG] or N% of MemTotal [20% of MemTotal, at most 1G]" },
	{ "layout", 0, OPT_ENUM, O(layout), "shared", "shared|per-client", 0, 0,
	  "one VMA for all clients, or one VMA each (will-it-scale page_fault1)" },
	{ "pages", 0, OPT_STR, O(pages_arg), "base", NULL, 0, 0,
	  "base (MADV_NOHUGEPAGE), thp (MADV_HUGEPAGE) or mthp:SIZE (multi-size THP "
	  "folios of SIZE, e.g. mthp:64K, set in sysfs for the run)", "base|thp|mthp:SIZE" },
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
	long mthp_kb;			/* --pages mthp:SIZE, in kB */
	uint64_t folio_pages;		/* base pages per folio faulted */
	long long mthp_alloc0, mthp_fallback0;	/* the size's stats at iteration start */
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

/* The size's counter in hugepages-NkB/stats, or -1. */
static long long mthp_stat(long kb, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/hugepages-%ldkB/stats/%s", machstate_thp_dir(), kb, name);
	return read_long(path);
}

/* "mthp:64K", "mthp:64k", "mthp:64kB", "mthp:2M": kB, or -1. */
static long parse_mthp(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v <= 0)
		return -1;
	if (!strcasecmp(end, "K") || !strcasecmp(end, "kB"))
		return v;
	if (!strcasecmp(end, "M") || !strcasecmp(end, "MB"))
		return v <= LONG_MAX / 1024 ? v * 1024 : -1;
	return -1;
}

/*
 * --pages mthp:SIZE for the run: SIZE's switch "always" and every other
 * size that would also apply to an un-madvised region ("always", or
 * "inherit" under a top-level "always") "never", so that every fault maps
 * a SIZE folio.  Each through machstate: restored however the run ends.
 */
static int set_mthp(struct pft *p, const char *arg)
{
	char path[PATH_MAX], was[64], why[256], top[32] = "";
	const char *dir = machstate_thp_dir();
	long kb = p->mthp_kb;
	struct dirent *d;
	DIR *dd;
	int rc;

	snprintf(path, sizeof(path), "%s/hugepages-%ldkB/enabled", dir, kb);
	if (access(path, F_OK)) {
		errmsg(0, "--pages %s: unavailable: this kernel has no %ld kB mTHP size (no %s)",
		       arg, kb, path);
		return EXIT_UNSUPP;
	}
	snprintf(path, sizeof(path), "%s/enabled", dir);
	(void)machstate_get(path, top, sizeof(top));
	dd = opendir(dir);
	if (!dd) {
		errmsg(errno, "--pages %s: unavailable: %s", arg, dir);
		return EXIT_UNSUPP;
	}
	while ((d = readdir(dd))) {
		char mode[32];
		long other;

		if (sscanf(d->d_name, "hugepages-%ldkB", &other) != 1 || other == kb)
			continue;
		snprintf(path, sizeof(path), "%s/%s/enabled", dir, d->d_name);
		if (machstate_get(path, mode, sizeof(mode)))
			continue;
		if (strcmp(mode, "always") && !(!strcmp(mode, "inherit") && !strcmp(top, "always")))
			continue;
		rc = machstate_set(path, "never", was, sizeof(was), why, sizeof(why));
		if (rc) {
			closedir(dd);
			errmsg(0, "--pages %s: %s", arg, why);
			return rc;
		}
	}
	closedir(dd);
	snprintf(path, sizeof(path), "%s/hugepages-%ldkB/enabled", dir, kb);
	rc = machstate_set(path, "always", was, sizeof(was), why, sizeof(why));
	if (rc) {
		errmsg(0, "--pages %s: %s", arg, why);
		return rc;
	}
	snprintf(p->thp_mode, sizeof(p->thp_mode), "always");
	return 0;
}

static int parse_pages(struct pft_opts *o, struct pft *p, long pagesize)
{
	const char *a = o->pages_arg;

	p->folio_pages = 1;
	if (!strcmp(a, "base")) {
		o->pages = PAGES_BASE;
		return 0;
	}
	if (!strcmp(a, "thp")) {
		o->pages = PAGES_THP;
		p->folio_pages = HPAGE / (uint64_t)pagesize;
		return 0;
	}
	if (strncmp(a, "mthp:", 5) || (p->mthp_kb = parse_mthp(a + 5)) < 0 ||
	    p->mthp_kb * 1024 % pagesize || p->mthp_kb & (p->mthp_kb - 1)) {
		errmsg(0, "--pages: '%s' is not base, thp or mthp:SIZE (a power of two, e.g. mthp:64K)", a);
		return EXIT_USAGE;
	}
	o->pages = PAGES_MTHP;
	p->folio_pages = (uint64_t)p->mthp_kb * 1024 / (uint64_t)pagesize;
	return 0;
}

static int pft_check(struct run *r)
{
	struct pft_opts *o = r->opts;
	struct pft *p = calloc(1, sizeof(*p));
	uint64_t need, avail;
	char human[32];
	int rc;

	if (!p)
		return EXIT_NORES;
	r->priv = p;
	p->fd = -1;
	if ((rc = parse_pages(o, p, r->pagesize)))
		return rc;
	if (!o->size) {
		o->size = mem_total_bytes() / 5;
		if (o->size > DEFAULT_CAP)
			o->size = DEFAULT_CAP;
		p->size_default = true;
	}
	p->pages = (o->size + (uint64_t)r->pagesize - 1) / (uint64_t)r->pagesize;
	p->per_client = (p->pages + (uint64_t)r->nclients - 1) / (uint64_t)r->nclients;
	/* whole huge pages or folios per slice */
	p->per_client = (p->per_client + p->folio_pages - 1) / p->folio_pages * p->folio_pages;
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
	if (o->pages == PAGES_MTHP) {
		if (o->backing != BACK_ANON) {
			errmsg(0, "--pages %s: only with --backing anon (the sysfs switch is anon's)",
			       o->pages_arg);
			return EXIT_USAGE;
		}
		return set_mthp(p, o->pages_arg);
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
		/* mTHP: no madvise, so only the sizes set "always" apply */
		if (o->pages != PAGES_MTHP &&
		    madvise(at, len, o->pages == PAGES_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) &&
		    o->pages == PAGES_THP) {
			errmsg(errno, "madvise(MADV_HUGEPAGE)");
			return EXIT_UNSUPP;
		}
	}
	if (o->pages == PAGES_MTHP) {
		p->mthp_alloc0 = mthp_stat(p->mthp_kb, "anon_fault_alloc");
		p->mthp_fallback0 = mthp_stat(p->mthp_kb, "anon_fault_fallback");
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
	uint64_t expect = p->pages / p->folio_pages;

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
	if (o->pages == PAGES_MTHP) {
		long long a = mthp_stat(p->mthp_kb, "anon_fault_alloc");
		long long f = mthp_stat(p->mthp_kb, "anon_fault_fallback");

		/* system-wide counters of the size: another process faulting
		 * such folios meanwhile adds to them */
		json_object_set_new(out, "mthp_kb", json_integer(p->mthp_kb));
		json_object_set_new(out, "mthp_fault_alloc", json_integer(
			a >= 0 && p->mthp_alloc0 >= 0 ? a - p->mthp_alloc0 : -1));
		json_object_set_new(out, "mthp_fault_fallback", json_integer(
			f >= 0 && p->mthp_fallback0 >= 0 ? f - p->mthp_fallback0 : -1));
	}
	/* anon memory faults once per base page or folio: anything else
	 * means the storm was not what it claims to be */
	if ((o->pages == PAGES_BASE || o->pages == PAGES_MTHP) && o->backing == BACK_ANON &&
	    !r->invalid && (minflt > expect + expect / 100 || minflt + expect / 100 < expect)) {
		r->invalid = true;
		snprintf(r->reason, sizeof(r->reason),
			 "minor faults %llu differ from the %llu expected (pages / %llu) by more than 1%%",
			 (unsigned long long)minflt, (unsigned long long)expect,
			 (unsigned long long)p->folio_pages);
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
