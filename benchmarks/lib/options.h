/* options.h - option tables (struct opt in harness.h) and size parsing. */
#ifndef MMSCALE_OPTIONS_H
#define MMSCALE_OPTIONS_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "harness.h"

uint64_t mem_total_bytes(void);
uint64_t mem_available_bytes(void);
/* "64M", "1G", "4096", "20%" of MemTotal; 0 on success, -1 if not a size > 0 */
int parse_size(const char *s, uint64_t *out);
/* bytes for people: "1G", "64M" when exact (parse_size reads them back),
 * else "214748364 (204.8 MiB)" */
const char *size_text(uint64_t b, char *buf, size_t n);
/* the same, N% of memtotal bytes (0: this machine's MemTotal) */
int parse_size_of(const char *s, uint64_t memtotal, uint64_t *out);

/* A value as the checker parsed it, by the option's type. */
union opt_val {
	long l;
	double d;
	uint64_t size;
	bool b;
	int e;		/* OPT_ENUM: index into choices */
	const char *s;
};
/*
 * The one option checker: workloads' command lines, the runner's commands
 * and config validation all judge values here.  0 and *out, or -1 and why
 * ("'x' is not a whole number"; without the option's name, which each
 * caller words its own way: "--size: ...", "file:line: key 'size': ...").
 */
int opt_check(const struct opt *o, const char *val, uint64_t memtotal, union opt_val *out,
	      char *why, size_t n);
/* opt_check into the options struct; prints "prog: --name: why", EXIT_USAGE */
int opt_set(const struct opt *o, void *base, const char *val);
/* frees what OPT_STRV values allocated */
void opt_free(const struct opt *tab, void *base);
/*
 * getopt_long over several tables at once (each with the struct it fills).
 * An unknown option, one the same for every program of the suite:
 *   prog: unknown option '--lable'; did you mean '--label'? (see SEE)
 * Returns 0 with optind at the first operand, or EXIT_USAGE.
 */
int opt_parse(const struct opt *const *tabs, void *const *bases, int ntabs, int argc,
	      char **argv, const char *see);
int opt_defaults(const struct opt *tab, void *base);
const char *opt_enum_name(const struct opt *o, int idx, char *buf, size_t len);
json_t *opt_value_json(const struct opt *o, const void *base);
void opt_echo(json_t *obj, const struct opt *tab, const void *base);
json_t *opt_table_json(const struct opt *tab);
void opt_help(FILE *f, const struct opt *tab);
const char *opt_argname(const struct opt *o);	/* "N", "DIR", NULL for flags */
/* one entry of opt_table_json back as a struct opt (strings point into o) */
struct opt opt_from_json(json_t *o);
void opt_man(FILE *f, const struct opt *tab);	/* .TP entries of a man page */
void man_text(FILE *f, const char *s);		/* s escaped for roff */

/* "did you mean": offer candidates, then suggest_text for the message. */
struct suggest {
	const char *word, *match;
	int best;
};
void suggest_reset(struct suggest *sg, const char *word);
void suggest_offer(struct suggest *sg, const char *cand);
/* "; did you mean 'PREFIXmatch'?" or "" */
const char *suggest_text(const struct suggest *sg, const char *prefix, char *buf, size_t n);
#endif
