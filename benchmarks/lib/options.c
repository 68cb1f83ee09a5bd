/*
 * options.c - option tables: one table per program drives getopt_long,
 * --help, --list-options (the JSON the runner validates configs against)
 * and the JSON echo of what ran.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "options.h"

static const char *const type_names[] = {
	[OPT_INT] = "int", [OPT_SIZE] = "size", [OPT_BOOL] = "bool",
	[OPT_STR] = "string", [OPT_ENUM] = "enum", [OPT_DOUBLE] = "double",
};

uint64_t mem_total_bytes(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb * 1024;
}

uint64_t mem_available_bytes(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb * 1024;
}

/* "64M", "1g", "4096", "20%" (of MemTotal).  0 on success. */
int parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v <= 0)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 0: break;
	case 'K': v *= 1024; end++; break;
	case 'M': v *= 1024 * 1024; end++; break;
	case 'G': v *= 1024.0 * 1024 * 1024; end++; break;
	case 'T': v *= 1024.0 * 1024 * 1024 * 1024; end++; break;
	case '%':
		if (v > 100)
			return -1;
		v = v / 100 * (double)mem_total_bytes();
		end++;
		break;
	default:
		return -1;
	}
	if ((*end == 'B' || *end == 'b') && end[-1] != '%')
		end++;
	if (*end || v < 1 || v > 9.2e18)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static int enum_index(const char *choices, const char *s)
{
	size_t len = strlen(s);
	int i = 0;

	for (const char *p = choices; *p; i++) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		if (n == len && !strncmp(p, s, n))
			return i;
		if (!bar)
			break;
		p = bar + 1;
	}
	return -1;
}

const char *opt_enum_name(const struct opt *o, int idx, char *buf, size_t len)
{
	const char *p = o->choices;

	for (int i = 0; i < idx && p; i++) {
		p = strchr(p, '|');
		if (p)
			p++;
	}
	if (!p) {
		snprintf(buf, len, "?");
		return buf;
	}
	size_t n = strcspn(p, "|");
	snprintf(buf, len, "%.*s", (int)n, p);
	return buf;
}

/* Parse one value into place; prints "prog: --name: ..." and returns
 * EXIT_USAGE on bad input. */
int opt_set(const struct opt *o, void *base, const char *val)
{
	void *dst = (char *)base + o->off;
	char *end;

	switch (o->type) {
	case OPT_INT: {
		long v;

		errno = 0;
		v = strtol(val, &end, 0);
		if (errno || end == val || *end) {
			errmsg(0, "--%s: '%s' is not a whole number", o->name, val);
			return EXIT_USAGE;
		}
		if (v < o->min || v > o->max) {
			errmsg(0, "--%s: %ld is out of range [%.0f, %.0f]", o->name, v, o->min, o->max);
			return EXIT_USAGE;
		}
		*(long *)dst = v;
		break;
	}
	case OPT_DOUBLE: {
		double v;

		errno = 0;
		v = strtod(val, &end);
		if (errno || end == val || *end || !isfinite(v)) {
			errmsg(0, "--%s: '%s' is not a number", o->name, val);
			return EXIT_USAGE;
		}
		if (v < o->min || v > o->max) {
			errmsg(0, "--%s: %g is out of range [%g, %g]", o->name, v, o->min, o->max);
			return EXIT_USAGE;
		}
		*(double *)dst = v;
		break;
	}
	case OPT_SIZE:
		if (parse_size(val, (uint64_t *)dst)) {
			errmsg(0, "--%s: '%s' is not a size (N, NK, NM, NG or N%% of MemTotal, > 0)",
			       o->name, val);
			return EXIT_USAGE;
		}
		break;
	case OPT_BOOL:
		if (!val || !strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "1"))
			*(bool *)dst = true;
		else if (!strcmp(val, "no") || !strcmp(val, "false") || !strcmp(val, "0"))
			*(bool *)dst = false;
		else {
			errmsg(0, "--%s: '%s' is not yes or no", o->name, val);
			return EXIT_USAGE;
		}
		break;
	case OPT_STR:
		*(const char **)dst = val;
		break;
	case OPT_ENUM: {
		int i = enum_index(o->choices, val);

		if (i < 0) {
			errmsg(0, "--%s: unknown value '%s' (one of %s)", o->name, val, o->choices);
			return EXIT_USAGE;
		}
		*(int *)dst = i;
		break;
	}
	case OPT_END:
		break;
	}
	return 0;
}

int opt_defaults(const struct opt *tab, void *base)
{
	for (const struct opt *o = tab; o && o->name; o++) {
		if (o->type == OPT_BOOL && !o->def)
			continue;
		if (o->def && opt_set(o, base, o->def))
			return EXIT_FAIL;	/* a bug in the table */
	}
	return 0;
}

json_t *opt_value_json(const struct opt *o, const void *base)
{
	const void *src = (const char *)base + o->off;
	char buf[64];

	switch (o->type) {
	case OPT_INT: return json_integer(*(const long *)src);
	case OPT_DOUBLE: return json_real(*(const double *)src);
	case OPT_SIZE: return json_integer((json_int_t)*(const uint64_t *)src);
	case OPT_BOOL: return json_boolean(*(const bool *)src);
	case OPT_STR: {
		const char *s = *(const char *const *)src;

		return s ? json_string(s) : json_null();
	}
	case OPT_ENUM:
		return json_string(opt_enum_name(o, *(const int *)src, buf, sizeof(buf)));
	case OPT_END:
		break;
	}
	return json_null();
}

void opt_echo(json_t *obj, const struct opt *tab, const void *base)
{
	for (const struct opt *o = tab; o && o->name; o++)
		json_object_set_new(obj, o->name, opt_value_json(o, base));
}

json_t *opt_table_json(const struct opt *tab)
{
	json_t *a = json_array();

	for (const struct opt *o = tab; o && o->name; o++) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "name", o->name,
				      "type", type_names[o->type], "help", o->help ? o->help : "");
		if (o->shortopt)
			json_object_set_new(j, "short", json_sprintf("%c", o->shortopt));
		if (o->def)
			json_object_set_new(j, "default", json_string(o->def));
		if (o->choices)
			json_object_set_new(j, "choices", json_string(o->choices));
		if (o->type == OPT_INT || o->type == OPT_DOUBLE) {
			json_object_set_new(j, "min", json_real(o->min));
			json_object_set_new(j, "max", json_real(o->max));
		}
		json_array_append_new(a, j);
	}
	return a;
}

void opt_help(FILE *f, const struct opt *tab)
{
	for (const struct opt *o = tab; o && o->name; o++) {
		char left[64];

		if (o->shortopt)
			snprintf(left, sizeof(left), "-%c, --%s%s", o->shortopt, o->name,
				 o->type == OPT_BOOL ? "" : " V");
		else
			snprintf(left, sizeof(left), "    --%s%s", o->name,
				 o->type == OPT_BOOL ? "" : " V");
		fprintf(f, "  %-26s %s", left, o->help ? o->help : "");
		if (o->choices)
			fprintf(f, " (%s)", o->choices);
		if (o->def && o->type != OPT_BOOL)
			fprintf(f, " [%s]", o->def);
		fputc('\n', f);
	}
}
