/*
 * test_slab - slab accounting: the published footprint geometry, parsing a
 * captured /proc/slabinfo with its sysfs merge state, and a real snapshot
 * of this machine.  Run from the top of the tree (tests/run-tests does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include "slab.h"

#define DATA "tests/data/"

/* Section 7 of the reference: 50, 54, 64 and 48 pages per 1000 VMAs. */
static void test_footprint_golden(void **state)
{
	FILE *f = fopen(DATA "slab-geometry-section7.txt", "r");
	char line[512];
	int layouts = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char layout[64], name[64];
		unsigned long want, got = 0;
		unsigned objsize, perslab, pages;
		int off, n;
		const char *p = line;

		if (line[0] == '#' || sscanf(p, "%63s %lu%n", layout, &want, &off) != 2)
			continue;
		p += off;
		while (sscanf(p, "%63s %u %u %u%n", name, &objsize, &perslab, &pages, &n) == 4) {
			got += slab_footprint_pages(1000, perslab, pages);
			p += n;
		}
		print_message("# %s: %lu pages per 1000 VMAs (published %lu)\n", layout, got, want);
		assert_int_equal(got, want);
		layouts++;
	}
	fclose(f);
	assert_int_equal(layouts, 4);
	/* "5.5MB per 100000 VMAs" is (64 - 50) pages * 100 * 4 KiB = 5.47 MiB */
	assert_int_equal((slab_footprint_pages(1000, 32, 2) - slab_footprint_pages(1000, 102, 1) -
			  slab_footprint_pages(1000, 51, 2)) * 100 * 4096 * 10 / (1 << 20), 54);
	assert_int_equal(slab_footprint_pages(1000, 0, 1), 0);
	assert_int_equal(slab_footprint_pages(21, 21, 1), 1);
	assert_int_equal(slab_footprint_pages(22, 21, 1), 2);
}

static void test_parse_line(void **state)
{
	struct slab_cache c;

	assert_int_equal(slab_parse_line("vm_area_struct      1233   1512    192   21    1 : "
					 "tunables    0    0    0 : slabdata     72     72      0\n", &c), 0);
	assert_string_equal(c.name, "vm_area_struct");
	assert_int_equal(c.active_objs, 1233);
	assert_int_equal(c.num_objs, 1512);
	assert_int_equal(c.objsize, 192);
	assert_int_equal(c.objperslab, 21);
	assert_int_equal(c.pagesperslab, 1);
	assert_int_equal(c.align, -1);
	assert_int_equal(slab_parse_line("# name <active_objs> <num_objs>\n", &c), -1);
	assert_int_equal(slab_parse_line("garbage 12 x\n", &c), -1);
}

/* A captured 6.18 slabinfo with a sysfs tree of the same machine:
 * anon_vma_chain is a symlink to ":A-0000064" shared with two aliases. */
static void test_fixture_618(void **state)
{
	struct slab_snap s;
	const struct slab_cache *c;
	json_t *j;

	assert_int_equal(slab_snapshot_at(&s, false, DATA "slab-slabinfo-6.18.txt",
					  DATA "slab-sysfs-6.18"), 0);
	assert_false(s.exact);
	assert_non_null(strstr(s.how, "approximate"));
	c = slab_find(&s, "vm_area_struct");
	assert_non_null(c);
	assert_true(c->present);
	assert_int_equal(c->active_objs, 1233);
	assert_int_equal(c->num_objs, 1512);
	assert_int_equal(c->objsize, 192);
	assert_int_equal(c->objperslab, 21);
	assert_int_equal(c->pagesperslab, 1);
	assert_int_equal(c->align, 64);
	assert_int_equal(c->object_size, 192);
	assert_false(c->merged);
	c = slab_find(&s, "vma_lock");
	assert_non_null(c);
	assert_false(c->present);	/* folded into vm_area_struct since 6.x */
	c = slab_find(&s, "anon_vma_chain");
	assert_true(c->present && c->merged);
	assert_int_equal(c->active_objs, 641);
	assert_non_null(strstr(c->merged_with, "fs_cache"));
	assert_non_null(strstr(c->merged_with, "eventpoll_pwq"));
	c = slab_find(&s, "task_struct");
	assert_int_equal(c->objsize, 5888);
	assert_int_equal(c->pagesperslab, 8);

	j = slab_snapshot_json(&s);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		json_object_get(j, "caches"), "vm_area_struct"), "pages_per_1000")), 48);
	assert_null(json_object_get(json_object_get(j, "caches"), "vma_lock"));
	assert_true(json_is_false(json_object_get(j, "exact")));
	json_decref(j);
}

/* vma_lock has no slabinfo line, but its sysfs alias points where
 * ext4_extent_status's does: the counts are that line's, marked merged. */
static void test_fixture_merged(void **state)
{
	struct slab_snap s;
	const struct slab_cache *c;

	assert_int_equal(slab_snapshot_at(&s, false, DATA "slab-slabinfo-merged.txt",
					  DATA "slab-sysfs-merged"), 0);
	c = slab_find(&s, "vma_lock");
	assert_true(c->present && c->merged);
	assert_string_equal(c->merged_with, "ext4_extent_status");
	assert_int_equal(c->objsize, 40);
	assert_int_equal(c->objperslab, 102);
	assert_int_equal(c->active_objs, 5100);
	assert_int_equal(c->object_size, 40);
	c = slab_find(&s, "vm_area_struct");
	assert_true(c->present);
	assert_false(c->merged);
	/* the split-typical layout of section 7 */
	assert_int_equal(slab_footprint_pages(1000, c->objperslab, c->pagesperslab) +
			 slab_footprint_pages(1000, slab_find(&s, "vma_lock")->objperslab,
					      slab_find(&s, "vma_lock")->pagesperslab), 54);
	assert_false(slab_find(&s, "anon_vma")->present);
}

static void test_bad_files(void **state)
{
	struct slab_snap s;
	char path[] = "/tmp/test_slab.XXXXXX";
	int fd = mkstemp(path);

	assert_int_equal(slab_snapshot_at(&s, false, DATA "no-such-slabinfo", "/nonexistent"), -1);
	assert_true(fd >= 0);
	/* a format this code does not know is refused, not guessed at */
	assert_int_equal(write(fd, "slabinfo - version: 1.1\n", 24), 24);
	close(fd);
	assert_int_equal(slab_snapshot_at(&s, false, path, "/nonexistent"), -1);
	unlink(path);
}

/* vm_area_struct objects gained by splitting a 2n-page mapping into n
 * VMAs, between the snapshots a and b (also checked against the delta's
 * JSON, which must say the same). */
static long vma_delta(int n, long ps, struct slab_snap *a, struct slab_snap *b)
{
	char *m = mmap(NULL, (size_t)(2 * n) * (size_t)ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	long delta;
	json_t *d;

	assert_true(m != MAP_FAILED);
	assert_int_equal(slab_snapshot(a, true), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(munmap(m + (size_t)(2 * i + 1) * (size_t)ps, (size_t)ps), 0);
	assert_int_equal(slab_snapshot(b, true), 0);
	delta = (long)slab_find(b, "vm_area_struct")->active_objs -
		(long)slab_find(a, "vm_area_struct")->active_objs;
	print_message("# vm_area_struct delta for %d new VMAs: %+ld (%s)\n", n - 1, delta, b->how);
	d = slab_delta_json(a, b);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(
		d, "caches"), "vm_area_struct"), "objects")), delta);
	json_decref(d);
	munmap(m, (size_t)(2 * n) * (size_t)ps);
	return delta;
}

/* This machine: vm_area_struct exists with a real geometry, and as root a
 * shrunk before/after pair around 2000 new VMAs sees them. */
static void test_real_snapshot(void **state)
{
	struct slab_snap a, b;
	const struct slab_cache *c;
	long ps = sysconf(_SC_PAGESIZE);
	const int n = 2000;
	long delta;

	if (access("/proc/slabinfo", R_OK)) {
		skip();	/* not root: slabinfo is 0400 */
		return;
	}
#ifdef MMSCALE_SAN
	/* ASan's allocator maps regions of its own as it goes (seen: +2128
	 * vm_area_structs for 1999 VMAs), so exact deltas cannot be measured */
	print_message("# skipped under ASan: its allocator adds VMAs of its own\n");
	skip();
	return;
#endif
	assert_int_equal(slab_snapshot(&a, true), 0);
	c = slab_find(&a, "vm_area_struct");
	assert_non_null(c);
	assert_true(c->present);
	assert_true(c->objsize > 0 && c->objperslab > 0 && c->pagesperslab > 0);
	assert_true(c->align > 0 && c->object_size > 0);
	print_message("# vm_area_struct: objsize %u, %u/slab, %u page(s), align %d, %s; %s\n",
		      c->objsize, c->objperslab, c->pagesperslab, c->align,
		      c->merged ? "merged" : "not merged", a.how);
	if (geteuid() == 0)
		assert_true(a.exact);

	/*
	 * n distinct VMAs: every other page of a 2n-page mapping unmapped.
	 * The count is system-wide, and a compiler starting beside us adds
	 * its own (seen: +2227 for 1999 while two builds ran), so up to 5
	 * tries: one undisturbed try within 5% passes, none fails.
	 */
	for (int t = 0; t < 5; t++) {
		delta = vma_delta(n, ps, &a, &b);
		if (delta >= (n - 1) * 95 / 100 && delta <= (n - 1) * 105 / 100)
			break;
	}
	if (a.exact && b.exact)
		assert_true(delta >= (n - 1) * 95 / 100 && delta <= (n - 1) * 105 / 100);
	else
		assert_true(delta >= (n - 1) * 80 / 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_footprint_golden),
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_fixture_618),
		cmocka_unit_test(test_fixture_merged),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_real_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
