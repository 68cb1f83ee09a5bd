/*
 * fuzz/results.c - the results-file readers of runner/results/: summary.json
 * and meta.json through summary_load (what compare, show, plot and import
 * read: every schema version, meta_upgrade included) and point.json through
 * pointfile_load (resume).  The first byte picks the file; the rest is its
 * text.  Seeds (fuzz/run): tests/data/results/v1-3367e60, written by an
 * older main, and a run written by this tree.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "pointfile.h"
#include "summary.h"

static char dir[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(dir, sizeof(dir), "/tmp/fuzz-results.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	return 0;
}

static void put(const char *name, const uint8_t *data, size_t size)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
}

static void drop(const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct summary s;

	if (!size)
		return 0;
	drop("summary.json");
	drop("meta.json");
	drop("point.json");
	if (data[0] % 3 == 2) {
		json_t *pj;

		put("point.json", data + 1, size - 1);
		pj = pointfile_load(dir);
		json_decref(pj);
		return 0;
	}
	put(data[0] % 3 ? "meta.json" : "summary.json", data + 1, size - 1);
	if (!summary_load(dir, &s)) {
		json_decref(summary_to_json(&s));
		summary_free(&s);
	}
	return 0;
}
