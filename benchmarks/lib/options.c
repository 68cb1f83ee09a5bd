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
	[OPT_STRV] = "strings",
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

/* "64M", "1g", "4096", "20%" (of memtotal, 0: this machine's).  0 on
 * success. */
int parse_size_of(const char *s, uint64_t memtotal, uint64_t *out)
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
		v = v / 100 * (double)(memtotal ? memtotal : mem_total_bytes());
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

int parse_size(const char *s, uint64_t *out)
{
	return parse_size_of(s, 0, out);
}

const char *size_text(uint64_t b, char *buf, size_t n)
{
	static const char units[] = "KMGT";
	int u = -1;
	double v = (double)b;

	for (uint64_t x = b; x && !(x % 1024) && u < 3; x /= 1024)
		u++;
	if (u >= 0) {
		snprintf(buf, n, "%llu%c", (unsigned long long)(b >> (10 * (u + 1))), units[u]);
		return buf;
	}
	for (u = -1; v >= 1024 && u < 3; u++)
		v /= 1024;
	if (u < 0)
		snprintf(buf, n, "%llu", (unsigned long long)b);
	else
		snprintf(buf, n, "%llu (%.1f %ciB)", (unsigned long long)b, v, units[u]);
	return buf;
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

/* The one option checker: the workloads' command line, the runner's
 * commands and config validation all judge a value here, so a value means
 * the same wherever it is typed. */
int opt_check(const struct opt *o, const char *val, uint64_t memtotal, union opt_val *out,
	      char *why, size_t n)
{
	char *end;

	switch (o->type) {
	case OPT_INT: {
		long v;

		errno = 0;
		v = strtol(val, &end, 0);
		if (errno || end == val || *end || isspace((unsigned char)*val)) {
			snprintf(why, n, "'%s' is not a whole number", val);
			return -1;
		}
		if (v < o->min || v > o->max) {
			snprintf(why, n, "%ld is out of range [%.0f, %.0f]", v, o->min, o->max);
			return -1;
		}
		out->l = v;
		break;
	}
	case OPT_DOUBLE: {
		double v;

		errno = 0;
		v = strtod(val, &end);
		if (errno || end == val || *end || !isfinite(v) || isspace((unsigned char)*val)) {
			snprintf(why, n, "'%s' is not a number", val);
			return -1;
		}
		if (v < o->min || v > o->max) {
			snprintf(why, n, "%g is out of range [%g, %g]", v, o->min, o->max);
			return -1;
		}
		out->d = v;
		break;
	}
	case OPT_SIZE:
		if (parse_size_of(val, memtotal, &out->size)) {
			snprintf(why, n, "'%s' is not a size (N, NK, NM, NG or N%% of MemTotal, > 0)",
				 val);
			return -1;
		}
		break;
	case OPT_BOOL:
		if (!val || !strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "1") ||
		    !strcmp(val, "on"))
			out->b = true;
		else if (!strcmp(val, "no") || !strcmp(val, "false") || !strcmp(val, "0") ||
			 !strcmp(val, "off"))
			out->b = false;
		else {
			snprintf(why, n, "'%s' is not yes or no", val);
			return -1;
		}
		break;
	case OPT_STR:
	case OPT_STRV:
		out->s = val;
		break;
	case OPT_ENUM: {
		int i = enum_index(o->choices, val);

		if (i < 0) {
			snprintf(why, n, "unknown value '%s' (one of %s)", val, o->choices);
			return -1;
		}
		out->e = i;
		break;
	}
	case OPT_END:
		break;
	}
	return 0;
}

/* Parse one value into place; prints "prog: --name: why" and returns
 * EXIT_USAGE on bad input (nothing is stored then). */
int opt_set(const struct opt *o, void *base, const char *val)
{
	void *dst = (char *)base + o->off;
	union opt_val v;
	char why[256];

	if (opt_check(o, val, 0, &v, why, sizeof(why))) {
		errmsg(0, "--%s: %s", o->name, why);
		return EXIT_USAGE;
	}
	switch (o->type) {
	case OPT_INT: *(long *)dst = v.l; break;
	case OPT_DOUBLE: *(double *)dst = v.d; break;
	case OPT_SIZE: *(uint64_t *)dst = v.size; break;
	case OPT_BOOL: *(bool *)dst = v.b; break;
	case OPT_STR: *(const char **)dst = v.s; break;
	case OPT_ENUM: *(int *)dst = v.e; break;
	case OPT_STRV: {
		struct opt_strv *sv = dst;

		sv->v = xrealloc(sv->v, (size_t)sv->n + 1, sizeof(*sv->v));
		sv->v[sv->n++] = v.s;
		break;
	}
	case OPT_END:
		break;
	}
	return 0;
}

void opt_free(const struct opt *tab, void *base)
{
	for (const struct opt *o = tab; o && o->name; o++) {
		if (o->type == OPT_STRV) {
			struct opt_strv *sv = (struct opt_strv *)((char *)base + o->off);

			free(sv->v);
			*sv = (struct opt_strv){ 0 };
		}
	}
}

/* ---- "did you mean" ------------------------------------------------------ */

/* Levenshtein distance, capped: names are short. */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

void suggest_reset(struct suggest *sg, const char *word)
{
	*sg = (struct suggest){ .word = word, .best = 99 };
}

/* Offer one candidate: the closest wins, if it is close enough to be a
 * typo (at most 2 edits, and fewer than half the word) or the word is a
 * prefix of it. */
void suggest_offer(struct suggest *sg, const char *cand)
{
	int d = distance(sg->word, cand);
	size_t len = strlen(sg->word);

	if (len >= 2 && !strncmp(cand, sg->word, len))
		d = 1;
	if (d > 2 || (size_t)d * 2 >= len + (len < 4))
		return;
	if (d < sg->best) {
		sg->best = d;
		sg->match = cand;
	}
}

const char *suggest_text(const struct suggest *sg, const char *prefix, char *buf, size_t n)
{
	if (!sg->match)
		return "";
	snprintf(buf, n, "; did you mean '%s%s'?", prefix, sg->match);
	return buf;
}

/* ---- the command line ---------------------------------------------------- */

int opt_parse(const struct opt *const *tabs, void *const *bases, int ntabs, int argc,
	      char **argv, const char *see)
{
	struct option lopts[160];
	char shorts[160] = ":", hint[96];
	int n = 0, rc;

	for (int t = 0; t < ntabs; t++) {
		for (const struct opt *o = tabs[t]; o && o->name; o++) {
			if (n >= 150 || strlen(shorts) > 150)
				die(EXIT_FAIL, 0, "too many options");
			lopts[n++] = (struct option){ o->name,
				o->type == OPT_BOOL ? optional_argument : required_argument,
				NULL, 256 + t * 1000 + (int)(o - tabs[t]) };
			if (o->shortopt) {
				size_t l = strlen(shorts);

				shorts[l] = (char)o->shortopt;
				shorts[l + 1] = 0;
				if (o->type != OPT_BOOL)
					strcat(shorts, ":");
			}
		}
	}
	lopts[n] = (struct option){ 0 };

	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, shorts, lopts, NULL);
		const struct opt *o = NULL;
		int t = 0;

		if (c == -1)
			break;
		if (c == '?') {
			const char *arg = argv[optind - 1];
			struct suggest sg;

			if (optopt && optopt < 256) {
				errmsg(0, "unknown option '-%c' (see %s)", optopt, see);
				return EXIT_USAGE;
			}
			/* --name=value: suggest on the name alone */
			char name[64];

			snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
			suggest_reset(&sg, name);
			for (int k = 0; k < n; k++)
				suggest_offer(&sg, lopts[k].name);
			errmsg(0, "unknown option '%s'%s (see %s)", arg,
			       suggest_text(&sg, "--", hint, sizeof(hint)), see);
			return EXIT_USAGE;
		}
		if (c == ':') {
			errmsg(0, "option '%s' needs a value (see %s)", argv[optind - 1], see);
			return EXIT_USAGE;
		}
		if (c >= 256) {
			t = (c - 256) / 1000;
			o = &tabs[t][(c - 256) % 1000];
		} else {
			for (t = 0; t < ntabs && !o; t++)
				for (const struct opt *p = tabs[t]; p && p->name; p++)
					if (p->shortopt == c) {
						o = p;
						break;
					}
			t--;
		}
		rc = opt_set(o, bases[t], optarg);
		if (rc)
			return rc;
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
	case OPT_STRV: {
		const struct opt_strv *sv = src;
		json_t *a = json_array();

		for (int i = 0; i < sv->n; i++)
			json_array_append_new(a, json_string(sv->v[i]));
		return a;
	}
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
		if (opt_argname(o))
			json_object_set_new(j, "arg", json_string(opt_argname(o)));
		if (o->type == OPT_INT || o->type == OPT_DOUBLE) {
			json_object_set_new(j, "min", json_real(o->min));
			json_object_set_new(j, "max", json_real(o->max));
		}
		json_array_append_new(a, j);
	}
	return a;
}

/* An option as a program's --list-options describes it (the JSON of
 * opt_table_json); its strings point into o. */
struct opt opt_from_json(json_t *o)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *sh = json_string_value(json_object_get(o, "short"));
	struct opt op = {
		.name = json_string_value(json_object_get(o, "name")),
		.shortopt = sh && sh[0] && !sh[1] ? sh[0] : 0,
		.type = OPT_STR,
		.def = json_string_value(json_object_get(o, "default")),
		.choices = json_string_value(json_object_get(o, "choices")),
		.min = json_number_value(json_object_get(o, "min")),
		.max = json_number_value(json_object_get(o, "max")),
		.help = json_string_value(json_object_get(o, "help")),
		.arg = json_string_value(json_object_get(o, "arg")),
	};

	for (size_t t = 1; type && t < sizeof(type_names) / sizeof(type_names[0]); t++)
		if (type_names[t] && !strcmp(type_names[t], type))
			op.type = (enum opt_type)t;
	if (op.type == OPT_ENUM && !op.choices)
		op.type = OPT_STR;
	return op;
}

/* The value's name in help: the table's, else one for its type. */
const char *opt_argname(const struct opt *o)
{
	static const char *const names[] = {
		[OPT_INT] = "N", [OPT_SIZE] = "SIZE", [OPT_STR] = "V", [OPT_ENUM] = "V",
		[OPT_DOUBLE] = "X", [OPT_STRV] = "V",
	};

	if (o->type == OPT_BOOL)
		return NULL;
	return o->arg ? o->arg : names[o->type];
}

void opt_help(FILE *f, const struct opt *tab)
{
	for (const struct opt *o = tab; o && o->name; o++) {
		const char *arg = opt_argname(o);
		char left[64];

		snprintf(left, sizeof(left), "%s%c%s--%s%s%s", o->shortopt ? "-" : " ",
			 o->shortopt ? o->shortopt : ' ', o->shortopt ? ", " : "  ", o->name,
			 arg ? " " : "", arg ? arg : "");
		fprintf(f, "  %-26s %s", left, o->help ? o->help : "");
		if (o->choices)
			fprintf(f, " (%s)", o->choices);
		if (o->def && o->type != OPT_BOOL)
			fprintf(f, " [%s]", o->def);
		if (o->type == OPT_STRV)
			fprintf(f, " (may be given again)");
		fputc('\n', f);
	}
}

/* roff text: backslashes and leading dots or quotes escaped. */
void man_text(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		if (*s == '\n' && (s[1] == '.' || s[1] == '\''))
			fputs("\\&", f);
	}
}

/* The table as a man page's option list (.TP per option). */
void opt_man(FILE *f, const struct opt *tab)
{
	for (const struct opt *o = tab; o && o->name; o++) {
		const char *arg = opt_argname(o);

		fputs(".TP\n", f);
		if (o->shortopt)
			fprintf(f, "\\fB\\-%c\\fR, ", o->shortopt);
		fputs("\\fB\\-\\-", f);
		man_text(f, o->name);
		fputs("\\fR", f);
		if (arg) {
			fputs(" \\fI", f);
			man_text(f, arg);
			fputs("\\fR", f);
		}
		fputc('\n', f);
		man_text(f, o->help ? o->help : "");
		if (o->choices) {
			fputs(" (", f);
			man_text(f, o->choices);
			fputc(')', f);
		}
		if (o->def && o->type != OPT_BOOL) {
			fputs("; default ", f);
			man_text(f, o->def);
		}
		if (o->type == OPT_STRV)
			fputs("; may be given again", f);
		fputs(".\n", f);
	}
}
