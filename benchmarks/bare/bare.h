/*
 * bare.h - what the bare reference loops share: their command line and a
 * count of their VMAs.  They
 * stay free of the harness and its libraries on purpose (their mm is the
 * reference), so this is a header of inline helpers, nothing more.
 */
#ifndef MMSCALE_BARE_H
#define MMSCALE_BARE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --help or -h: the usage on stdout, exit 0 (as every program of the suite) */
static inline void bare_help(int argc, char **argv, const char *usage)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: %s\nA bare reference loop for scripts/bench-harness: no harness, "
		       "no libraries.\nexit codes: 0 ok, 1 the loop failed, 2 bad usage\n", usage);
		exit(0);
	}
}

/* lines of /proc/self/maps: this mm's VMAs, or -1 */
static inline long bare_count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int ch;

	if (!f)
		return -1;
	while ((ch = getc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* a bad argument: the usage on stderr, exit 2 */
static inline int bare_usage(const char *usage)
{
	fprintf(stderr, "usage: %s\n", usage);
	return 2;
}
#endif
