/* options.h - option tables (struct opt in harness.h) and size parsing. */
#ifndef MMSCALE_OPTIONS_H
#define MMSCALE_OPTIONS_H
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "harness.h"

uint64_t mem_total_bytes(void);
uint64_t mem_available_bytes(void);
/* "64M", "1G", "4096", "20%" of MemTotal; 0 on success, -1 if not a size > 0 */
int parse_size(const char *s, uint64_t *out);
int opt_set(const struct opt *o, void *base, const char *val);
int opt_defaults(const struct opt *tab, void *base);
const char *opt_enum_name(const struct opt *o, int idx, char *buf, size_t len);
json_t *opt_value_json(const struct opt *o, const void *base);
void opt_echo(json_t *obj, const struct opt *tab, const void *base);
json_t *opt_table_json(const struct opt *tab);
void opt_help(FILE *f, const struct opt *tab);
#endif
