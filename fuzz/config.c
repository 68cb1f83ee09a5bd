/*
 * fuzz/config.c - the config parser, its expressions and the option checker.
 *
 * The first byte picks what the rest is: an INI file for config_load (long
 * lines, sections, [run] keys, lists; [workload pft] and [workload null]
 * keys are checked against their real option tables, other programs are
 * missing),
 * one expression for cfg_expand and cfg_split, or one value for opt_check
 * of each type.  Seeds: tests/data/configs and configs/ (fuzz/run).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "options.h"
#include "config.h"

static char path[64], bindir[64];

/* A stand-in for workload PROG in bindir: a script printing the real
 * program's --list-options (from $FUZZ_WORKLOADS), so [workload pft]
 * sections are validated key by key without running a workload. */
static void fake_workload(const char *prog)
{
	const char *from = getenv("FUZZ_WORKLOADS");
	char cmd[512], p[128];

	if (!from)
		return;
	snprintf(p, sizeof(p), "%s/%s", bindir, prog);
	snprintf(cmd, sizeof(cmd), "{ echo '#!/bin/sh'; echo \"cat <<'EOF'\"; '%s/%s' --list-options; "
		 "echo EOF; } >'%s' && chmod 755 '%s'", from, prog, p, p);
	if (system(cmd))
		fprintf(stderr, "fuzz: no stand-in for %s\n", prog);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/fuzz-config.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	snprintf(bindir, sizeof(bindir), "/tmp/fuzz-config-bin.XXXXXX");
	if (!mkdtemp(bindir))
		abort();
	fake_workload("pft");
	fake_workload("null");
	return 0;
}

static void config_case(const uint8_t *data, size_t size)
{
	struct cfg_env env = { .ncpus = 56, .memtotal = 64ull << 30, .bindir = bindir };
	static const char *const sets[] = { "run.iterations=3", "null.duration=0.5" };
	struct config c;
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	(void)config_load_set(path, &env, sets, size & 1 ? 2 : 0, &c);
	config_free(&c);
}

static void expr_case(const char *s)
{
	struct cfg_env env = { .ncpus = 56, .memtotal = 64ull << 30 };
	char out[256], err[256], **v;
	int n;

	(void)cfg_expand(s, &env, out, sizeof(out), err, sizeof(err));
	n = cfg_split(s, &v);
	if (n > 0)
		cfg_strv_free(v, n);
}

static void value_case(const char *s)
{
	static const struct opt tab[] = {
		{ "n", 0, OPT_INT, 0, .min = -5, .max = 1e6 },
		{ "d", 0, OPT_DOUBLE, 0, .min = 0.001, .max = 86400 },
		{ "s", 0, OPT_SIZE, 0 },
		{ "b", 0, OPT_BOOL, 0 },
		{ "e", 0, OPT_ENUM, 0, .choices = "shared|per-client|x" },
		{ "t", 0, OPT_STR, 0 },
		{ 0 }
	};
	union opt_val v;
	char why[256];

	for (const struct opt *o = tab; o->name; o++)
		(void)opt_check(o, s, 1ull << 30, &v, why, sizeof(why));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (!size)
		return 0;
	switch (data[0] % 4) {
	case 0:
	case 1:
		config_case(data + 1, size - 1);
		break;
	default:
		s = xstrndup((const char *)data + 1, size - 1);
		if (data[0] % 4 == 2)
			expr_case(s);
		else
			value_case(s);
		free(s);
	}
	return 0;
}
