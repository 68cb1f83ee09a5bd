/*
 * fuzz/mmtests.c - the mmtests importers (runner/results/mmtests.c) through
 * `mmscale import-mmtests`, the way a user reaches them: the first byte
 * picks the input's shape, the rest is its text.
 *   0: a compare-mmtests.pl --json-export file (plain)
 *   1: an mmtests pft log, SRC/NAME/iter-0/pft/logs/pft-4.log
 * What an import writes goes to a scratch results directory, emptied after
 * each input.  Seeds (fuzz/run): an export and a tree of tests/data's runs.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "cli.h"
#include "commands.h"

static char dir[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(dir, sizeof(dir), "/tmp/fuzz-mmtests.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	return remove(p);
}

static void put(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char src[PATH_MAX], out[PATH_MAX], cmd[PATH_MAX + 16];
	char *argv[] = { "import-mmtests", "--quiet", "--results", out, src, NULL };

	if (!size)
		return 0;
	snprintf(out, sizeof(out), "%s/out", dir);
	if (data[0] % 2 == 0) {
		snprintf(src, sizeof(src), "%s/export.json", dir);
		put(src, data + 1, size - 1);
	} else {
		char log[PATH_MAX + 64];

		snprintf(src, sizeof(src), "%s/tree", dir);
		snprintf(log, sizeof(log), "%s/run/iter-0/pft/logs", src);
		if (mkdir_p(log))
			abort();
		strcat(log, "/pft-4.log");
		put(log, data + 1, size - 1);
	}
	(void)cli_run(&cli_cmd_import_mmtests, 5, argv);
	nftw(out, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	snprintf(cmd, sizeof(cmd), "%s/tree", dir);
	nftw(cmd, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	snprintf(cmd, sizeof(cmd), "%s/export.json", dir);
	unlink(cmd);
	return 0;
}
