/*
 * config.c - parse an INI job file with inih and validate every key.
 *
 * inih calls us once per "key = value"; we only collect (key, raw value,
 * line) there and validate afterwards, because a workload section's keys
 * can only be checked once its program is known (`program =` may come
 * last).  The line counting reader below is what lets every later error
 * still name file:line: inih itself only reports the first error's line.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "options.h"
#include "series.h"
#include "config.h"
#include "exec.h"
#include "monitor.h"

const char *const cfg_thp_names[] = { "keep", "never", "madvise", "always", NULL };
const char *const cfg_aslr_names[] = { "keep", "off", NULL };
const char *const cfg_perf_names[] = { "off", "stat", "record", "c2c", NULL };

/* A section as read: the header's line and its keys in file order. */
struct raw_section {
	char *name;		/* "run" or "workload NAME" */
	int line;
	int nkv;
	struct cfg_kv *kv;	/* vals[0] holds the raw value */
};

struct parse_ctx {
	FILE *f;
	char *buf;		/* the line being read, any length */
	size_t bufsize;
	struct config *c;
	int line;		/* lines read so far = inih's current line */
	int nsec;
	struct raw_section *sec;
	int err_line;		/* first error we flagged ourselves */
	char err[512];
};

/* Harness options a config may not set, and why. */
static const struct {
	const char *key, *why;
} forbidden[] = {
	{ "iterations", "set it in [run]" },
	{ "warmup", "set it in [run]" },
	{ "threads", "use mode = threads and clients = ..." },
	{ "processes", "use mode = processes and clients = ..." },
	{ "format", "the runner reads JSON" },
	{ "topology", "only `mmscale plan --topology` plans on a synthetic topology" },
	{ "dry-run", "use `mmscale plan`" },
	{ "list-options", "not an option of a run" },
	{ "help", "not an option of a run" },
};

/* [run] keys that are defaults for every workload's harness option. */
static const char *const run_defaults[] = { "placement", "mempolicy", "duration", "oversubscribe", NULL };
/* Every [run] key, for "did you mean". */
static const char *const run_keys[] = {
	"iterations", "warmup", "placement", "mempolicy", "duration", "oversubscribe", "thp",
	"aslr", "watchdog", "perf", "interleave", "db", "precision", "min_iterations",
	"max_iterations", "monitors", "monitor_interval", "calibration", NULL
};

static int __attribute__((format(printf, 4, 5)))
cfg_error(const struct config *c, int line, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line < 0)	/* from the command line: --set number -line */
		errmsg(0, "%s: --set %s: %s", c->path, c->sets[-line - 1], msg);
	else if (key)
		errmsg(0, "%s:%d: key '%s': %s", c->path, line, key, msg);
	else
		errmsg(0, "%s:%d: %s", c->path, line, msg);
	return EXIT_USAGE;
}

void cfg_strv_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int cfg_split(const char *in, char ***out)
{
	char *copy = xstrdup(in), *tok;
	char **v = NULL;
	int n = 0;
	size_t len = strlen(in);

	/* strtok_r would swallow empty items ("a,,b"): count commas instead */
	for (size_t i = 0, start = 0; i <= len; i++) {
		if (copy[i] != ',' && copy[i] != 0)
			continue;
		copy[i] = 0;
		tok = trim(copy + start);
		start = i + 1;
		if (!*tok) {
			cfg_strv_free(v, n);
			free(copy);
			return -1;
		}
		v = xrealloc(v, (size_t)n + 1, sizeof(*v));
		v[n++] = xstrdup(tok);
	}
	free(copy);
	*out = v;
	return n;
}

int cfg_expand(const char *in, const struct cfg_env *env, char *out, size_t n,
	       char *err, size_t errn)
{
	const char *p = in;
	char name[32];
	size_t len = 0;
	double v;

	if (!strchr(in, '$')) {
		snprintf(out, n, "%s", in);
		return 0;
	}
	if (*p++ != '$') {
		snprintf(err, errn, "'%s': an expression starts with $ncpus or $memtotal", in);
		return -1;
	}
	while (isalpha((unsigned char)*p) && len < sizeof(name) - 1)
		name[len++] = *p++;
	name[len] = 0;
	if (!strcmp(name, "ncpus"))
		v = env->ncpus;
	else if (!strcmp(name, "memtotal"))
		v = (double)env->memtotal;
	else {
		snprintf(err, errn, "unknown variable '$%s' (known: $ncpus, $memtotal)", name);
		return -1;
	}
	while (*p) {
		char op = *p++, *end;
		long k;

		while (isspace((unsigned char)*p))
			p++;
		errno = 0;
		k = strtol(p, &end, 10);
		if ((op != '*' && op != '/') || end == p || errno || k <= 0) {
			snprintf(err, errn, "'%s': only $var, $var*N and $var/N are understood", in);
			return -1;
		}
		v = op == '*' ? v * (double)k : floor(v / (double)k);
		p = end;
		while (isspace((unsigned char)*p))
			p++;
	}
	snprintf(out, n, "%.0f", v);
	return 0;
}

static int on_key(void *user, const char *section, const char *name, const char *value);

/* A line too long for inih's buffer (INI_MAX_LINE, 200 in Debian's build),
 * read whole.  inih would split it and parse the tail as a line of its own;
 * instead a comment is dropped, a key = value is handed to on_key here, and
 * inih gets an empty line in its place, so line numbers stay right. */
static void long_line(struct parse_ctx *x, char *p)
{
	struct raw_section *sec = x->nsec ? &x->sec[x->nsec - 1] : NULL;
	char *eq, *v;

	if (!*p || *p == ';' || *p == '#')
		return;
	eq = strpbrk(p, "=:");
	if (*p == '[' || !eq || p == eq) {
		if (!x->err_line) {
			x->err_line = x->line;
			snprintf(x->err, sizeof(x->err), "syntax error in a line of %zu bytes "
				 "(expected key = value or a comment)", strlen(p));
		}
		return;
	}
	*eq = 0;
	v = trim(eq + 1);
	/* inih's inline comments: ';' after whitespace */
	for (char *sc = strchr(v, ';'); sc; sc = strchr(sc + 1, ';'))
		if (sc > v && isspace((unsigned char)sc[-1])) {
			*sc = 0;
			v = trim(v);
			break;
		}
	on_key(x, sec ? sec->name : "", trim(p), v);
}

/* Reads whole lines (getline), counts them and notes section headers with
 * their line, so that sections without keys exist too and errors can name
 * lines. */
static char *counting_reader(char *str, int num, void *stream)
{
	struct parse_ctx *x = stream;
	ssize_t len = getline(&x->buf, &x->bufsize, x->f);
	char *p, *end;
	struct raw_section *sec;

	if (len < 0)
		return NULL;
	x->line++;
	p = x->buf;
	while (isspace((unsigned char)*p))
		p++;
	if (len > num - 1) {
		long_line(x, trim(p));
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	memcpy(str, x->buf, (size_t)len + 1);
	if (*p != '[' || !(end = strchr(p, ']')))
		return str;
	x->sec = xrealloc(x->sec, (size_t)x->nsec + 1, sizeof(*x->sec));
	sec = &x->sec[x->nsec++];
	*sec = (struct raw_section){ .line = x->line };
	sec->name = xstrndup(p + 1, (size_t)(end - p - 1));
	{
		char *t = trim(sec->name);

		memmove(sec->name, t, strlen(t) + 1);
	}
	return str;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *x = user;
	struct raw_section *sec = x->nsec ? &x->sec[x->nsec - 1] : NULL;
	struct cfg_kv *kv;

	if (x->err_line)
		return 1;	/* keep the first error only */
	if (!sec || strcmp(sec->name, section)) {
		x->err_line = x->line;
		snprintf(x->err, sizeof(x->err), "key '%s': outside any section", name);
		return 0;
	}
	for (int i = 0; i < sec->nkv; i++) {
		if (!strcmp(sec->kv[i].key, name)) {
			x->err_line = x->line;
			snprintf(x->err, sizeof(x->err),
				 "key '%s': given twice in [%s] (first on line %d)",
				 name, section, sec->kv[i].line);
			return 0;
		}
	}
	sec->kv = xrealloc(sec->kv, (size_t)sec->nkv + 1, sizeof(*sec->kv));
	kv = &sec->kv[sec->nkv++];
	*kv = (struct cfg_kv){ .key = xstrdup(name), .line = x->line, .nvals = 1 };
	kv->vals = xcalloc(1, sizeof(char *));
	kv->vals[0] = xstrdup(value);
	/* inih strips inline "; ..." comments; strip " # ..." too, since
	 * configs use # for every other comment */
	for (char *h = strchr(kv->vals[0], '#'); h; h = strchr(h + 1, '#')) {
		if (h > kv->vals[0] && isspace((unsigned char)h[-1])) {
			*h = 0;
			memmove(kv->vals[0], trim(kv->vals[0]), strlen(trim(kv->vals[0])) + 1);
			break;
		}
	}
	return 1;
}

static void raw_free(struct parse_ctx *x)
{
	for (int i = 0; i < x->nsec; i++) {
		for (int k = 0; k < x->sec[i].nkv; k++) {
			free(x->sec[i].kv[k].key);
			cfg_strv_free(x->sec[i].kv[k].vals, x->sec[i].kv[k].nvals);
		}
		free(x->sec[i].kv);
		free(x->sec[i].name);
	}
	free(x->sec);
}

static int enum_lookup(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static void join_names(const char *const *names, char *buf, size_t n)
{
	buf[0] = 0;
	for (int i = 0; names[i]; i++)
		snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", i ? "|" : "", names[i]);
}

/* Resolve kv's raw value into a list of expanded values. */
static int kv_values(struct config *c, struct cfg_kv *kv)
{
	char **v, buf[256], why[256];
	int n = cfg_split(kv->vals[0], &v);

	if (n < 1)
		return cfg_error(c, kv->line, kv->key, "empty value or empty list item in '%s'",
				 kv->vals[0]);
	for (int i = 0; i < n; i++) {
		if (cfg_expand(v[i], &c->env, buf, sizeof(buf), why, sizeof(why))) {
			cfg_strv_free(v, n);
			return cfg_error(c, kv->line, kv->key, "%s", why);
		}
		free(v[i]);
		v[i] = xstrdup(buf);
	}
	cfg_strv_free(kv->vals, kv->nvals);
	kv->vals = v;
	kv->nvals = n;
	return 0;
}

static int single(struct config *c, const struct cfg_kv *kv)
{
	if (kv->nvals != 1)
		return cfg_error(c, kv->line, kv->key,
				 "takes one value, not a list of %d", kv->nvals);
	return 0;
}

static int parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 0);
	return errno || end == s || *end ? -1 : 0;
}

static int parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end || !isfinite(*out) ? -1 : 0;
}

static int run_key(struct config *c, struct cfg_kv *kv)
{
	const char *k = kv->key, *v;
	long l;
	int i, rc;
	char names[64];

	if ((rc = kv_values(c, kv)))
		return rc;
	if (!strcmp(k, "interleave")) {
		c->ninterleave = kv->nvals;
		c->interleave = xcalloc((size_t)kv->nvals, sizeof(char *));
		for (i = 0; i < kv->nvals; i++)
			c->interleave[i] = xstrdup(kv->vals[i]);
		c->interleave_line = kv->line;
		return 0;
	}
	if (!strcmp(k, "monitors")) {
		char why[128];
		unsigned mask;

		for (i = 0; i < kv->nvals; i++) {
			if (monitor_parse(kv->vals[i], &mask, why, sizeof(why)))
				return cfg_error(c, kv->line, k, "%s", why);
			c->monitors |= mask;
		}
		return 0;
	}
	for (i = 0; run_defaults[i]; i++)
		if (!strcmp(k, run_defaults[i]))
			return 0;	/* checked per workload, against its table */
	if ((rc = single(c, kv)))
		return rc;
	v = kv->vals[0];
	if (!strcmp(k, "precision")) {
		double d;
		size_t len = strlen(v);
		char num[64];

		if (!strcmp(v, "off")) {
			c->precision = 0;
			return 0;
		}
		snprintf(num, sizeof(num), "%.*s", len ? (int)len - 1 : 0, v);
		if (!len || v[len - 1] != '%' || parse_double(num, &d) || d <= 0 || d > 100)
			return cfg_error(c, kv->line, k, "'%s' is not a percentage in (0%%, 100%%] "
					 "(e.g. 2%%) or off", v);
		c->precision = d / 100;
	} else if (!strcmp(k, "min_iterations") || !strcmp(k, "max_iterations")) {
		if (parse_long(v, &l) || l < 2 || l > 1000000)
			return cfg_error(c, kv->line, k, "'%s' is not a whole number in [2, 1000000]", v);
		*(k[1] == 'i' ? &c->min_iterations : &c->max_iterations) = (int)l;
	} else if (!strcmp(k, "iterations") || !strcmp(k, "warmup")) {
		long min = k[0] == 'i' ? 1 : 0;

		if (parse_long(v, &l) || l < min || l > 1000000)
			return cfg_error(c, kv->line, k, "'%s' is not a whole number in [%ld, 1000000]",
					 v, min);
		*(k[0] == 'i' ? &c->iterations : &c->warmup) = (int)l;
	} else if (!strcmp(k, "watchdog")) {
		double d;

		if (!strcmp(v, "off"))
			d = 0;
		else if (parse_double(v, &d) || d < 0)
			return cfg_error(c, kv->line, k, "'%s' is not seconds >= 0 (or off)", v);
		c->watchdog = d;
	} else if (!strcmp(k, "thp") || !strcmp(k, "aslr") || !strcmp(k, "perf")) {
		const char *const *tab = k[0] == 't' ? cfg_thp_names :
					 k[0] == 'a' ? cfg_aslr_names : cfg_perf_names;

		i = enum_lookup(tab, v);
		if (i < 0) {
			join_names(tab, names, sizeof(names));
			return cfg_error(c, kv->line, k, "unknown value '%s' (one of %s)", v, names);
		}
		if (k[0] == 't')
			c->thp = (enum cfg_thp)i;
		else if (k[0] == 'a')
			c->aslr = (enum cfg_aslr)i;
		else
			c->perf = (enum cfg_perf)i;
	} else if (!strcmp(k, "monitor_interval")) {
		double d;

		if (parse_double(v, &d) || d < 0.01 || d > 3600)
			return cfg_error(c, kv->line, k, "'%s' is not seconds in [0.01, 3600]", v);
		c->monitor_interval = d;
	} else if (!strcmp(k, "db")) {
		c->db = xstrdup(v);
	} else if (!strcmp(k, "calibration")) {
		c->calibration = xstrdup(v);
	} else {
		struct suggest sg;
		char hint[96];

		suggest_reset(&sg, k);
		for (i = 0; run_keys[i]; i++)
			suggest_offer(&sg, run_keys[i]);
		return cfg_error(c, kv->line, k, "unknown key in [run]%s (iterations, warmup, "
				 "placement, mempolicy, duration, oversubscribe, thp, aslr, "
				 "watchdog, perf, interleave, db, precision, min_iterations, "
				 "max_iterations, monitors, monitor_interval, calibration)",
				 suggest_text(&sg, "", hint, sizeof(hint)));
	}
	return 0;
}

/* The option named key in the program's --list-options, or NULL. */
static json_t *find_opt(json_t *spec, const char *key, bool *harness)
{
	const char *tabs[2] = { "harness", "options" };
	json_t *o;
	size_t i;

	for (int t = 0; t < 2; t++) {
		json_array_foreach(json_object_get(spec, tabs[t]), i, o) {
			if (!strcmp(json_string_value(json_object_get(o, "name")), key)) {
				if (harness)
					*harness = t == 0;
				return o;
			}
		}
	}
	return NULL;
}

/* Check one value with the program's own rules; sizes given as N% or an
 * expression are resolved to bytes (of the planned machine's MemTotal) so
 * the plan says exactly what runs, and booleans become yes or no. */
static int check_value(struct config *c, struct cfg_kv *kv, json_t *o, int idx)
{
	struct opt op = opt_from_json(o);
	const char *v = kv->vals[idx];
	union opt_val val;
	char why[256], buf[32];

	if (opt_check(&op, v, c->env.memtotal, &val, why, sizeof(why)))
		return cfg_error(c, kv->line, kv->key, "%s", why);
	if (op.type == OPT_SIZE && strchr(v, '%')) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val.size);
		free(kv->vals[idx]);
		kv->vals[idx] = xstrdup(buf);
	} else if (op.type == OPT_BOOL) {
		free(kv->vals[idx]);
		kv->vals[idx] = xstrdup(val.b ? "yes" : "no");
		kv->kind = KV_FLAG;
	}
	return 0;
}

static int parse_clients(struct config *c, struct cfg_workload *w, struct cfg_kv *kv)
{
	w->clients_line = kv->line;
	if (kv->nvals == 1 && !strcmp(kv->vals[0], "large-stride")) {
		int n = series_large_stride(1, c->env.ncpus, NULL, 0);

		if (n < 1)
			return cfg_error(c, kv->line, kv->key, "no large-stride series for %d CPUs",
					 c->env.ncpus);
		w->clients = xcalloc((size_t)n, sizeof(int));
		w->nclients = series_large_stride(1, c->env.ncpus, w->clients, n);
		return 0;
	}
	w->clients = xcalloc((size_t)kv->nvals, sizeof(int));
	w->nclients = kv->nvals;
	for (int i = 0; i < kv->nvals; i++) {
		const char *v = kv->vals[i];
		size_t len = strlen(v);
		long l;

		if (len > 1 && v[len - 1] == '%') {
			/* N% of the CPUs, at least one */
			char *num = xstrndup(v, len - 1);
			double d;
			int bad = parse_double(num, &d) || d <= 0 || d > 100;

			free(num);
			if (bad)
				return cfg_error(c, kv->line, kv->key, "'%s' is not a percentage of CPUs", v);
			l = lround(floor(d * c->env.ncpus / 100));
			if (l < 1)
				l = 1;
		} else if (parse_long(v, &l) || l < 1 || l > 65536) {
			return cfg_error(c, kv->line, kv->key, "'%s' is not a client count in "
					 "[1, 65536], a list, N%% or large-stride", v);
		}
		w->clients[i] = (int)l;
	}
	return 0;
}

/* The harness takes --mempolicy as a string; catch typos here rather
 * than as failed points halfway through a sweep. */
static int check_mempolicy(struct config *c, const struct cfg_kv *kv, int idx)
{
	const char *v = kv->vals[idx];
	long node;

	if (!strcmp(v, "local") || !strcmp(v, "interleave"))
		return 0;
	if (!strncmp(v, "node:", 5) && !parse_long(v + 5, &node) && node >= 0)
		return 0;
	return cfg_error(c, kv->line, kv->key, "unknown value '%s' (local, interleave or node:N)", v);
}

static int workload_key(struct config *c, struct cfg_workload *w, struct cfg_kv *kv)
{
	const char *k = kv->key;
	bool harness = false;
	json_t *o;
	int rc;

	if ((rc = kv_values(c, kv)))
		return rc;
	if (!strcmp(k, "program"))
		return single(c, kv);
	if (!strcmp(k, "mode") || !strcmp(k, "prefetch")) {
		const char *a = k[0] == 'm' ? "threads" : "on", *b = k[0] == 'm' ? "processes" : "off";

		kv->kind = KV_RUNNER;
		for (int i = 0; i < kv->nvals; i++)
			if (strcmp(kv->vals[i], a) && strcmp(kv->vals[i], b))
				return cfg_error(c, kv->line, k, "unknown value '%s' (%s or %s)",
						 kv->vals[i], a, b);
		return 0;
	}
	if (!strcmp(k, "clients")) {
		kv->kind = KV_RUNNER;
		return parse_clients(c, w, kv);
	}
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		if (!strcmp(k, forbidden[i].key))
			return cfg_error(c, kv->line, k, "not allowed in a config: %s", forbidden[i].why);
	o = find_opt(w->optspec, k, &harness);
	if (!o) {
		static const char *const runner_keys[] = { "program", "mode", "prefetch", "clients" };
		const char *tabs[2] = { "harness", "options" };
		struct suggest sg;
		char hint[96];
		json_t *e;
		size_t i;

		suggest_reset(&sg, k);
		for (size_t r = 0; r < sizeof(runner_keys) / sizeof(runner_keys[0]); r++)
			suggest_offer(&sg, runner_keys[r]);
		for (int t = 0; t < 2; t++)
			json_array_foreach(json_object_get(w->optspec, tabs[t]), i, e)
				suggest_offer(&sg, json_string_value(json_object_get(e, "name")));
		return cfg_error(c, kv->line, k, "unknown key for workload %s%s (see %s --help)",
				 w->program, suggest_text(&sg, "", hint, sizeof(hint)), w->program);
	}
	if (!strcmp(k, "oversubscribe") && (rc = single(c, kv)))
		return rc;
	for (int i = 0; i < kv->nvals; i++) {
		if ((rc = check_value(c, kv, o, i)))
			return rc;
		if (!strcmp(k, "mempolicy") && (rc = check_mempolicy(c, kv, i)))
			return rc;
	}
	return 0;
}

/* Run `PROG --list-options` for the program's option table. */
static int load_optspec(struct config *c, struct cfg_workload *w, int line)
{
	char path[PATH_MAX], *out = NULL;
	char *argv[] = { path, "--list-options", NULL };
	json_error_t jerr;
	int rc;

	if (strchr(w->program, '/') || !*w->program)
		return cfg_error(c, line, NULL, "[workload %s]: '%s' is not a workload name",
				 w->name, w->program);
	snprintf(path, sizeof(path), "%s/%s", c->env.bindir, w->program);
	if (access(path, X_OK))
		return cfg_error(c, line, NULL, "[workload %s]: no workload program %s: %s",
				 w->name, path, strerror(errno));
	rc = exec_capture(argv, &out);
	if (rc) {
		free(out);
		return cfg_error(c, line, NULL, "[workload %s]: %s is not a workload program "
				 "(its --list-options failed, exit %d)", w->name, path, rc);
	}
	w->optspec = json_loads(out, 0, &jerr);
	free(out);
	if (!w->optspec)
		return cfg_error(c, line, NULL, "[workload %s]: %s --list-options: bad JSON: %s",
				 w->name, path, jerr.text);
	if (!json_is_string(json_object_get(w->optspec, "workload")) ||
	    !json_is_array(json_object_get(w->optspec, "harness")))
		return cfg_error(c, line, NULL, "[workload %s]: %s is not a workload program "
				 "(its --list-options names no workload)", w->name, path);
	w->timed = json_is_true(json_object_get(w->optspec, "timed"));
	return 0;
}

static void move_kv(struct cfg_workload *w, struct cfg_kv *kv)
{
	w->kv = xrealloc(w->kv, (size_t)w->nkv + 1, sizeof(*w->kv));
	w->kv[w->nkv++] = *kv;
	*kv = (struct cfg_kv){ 0 };
}

static struct cfg_kv kv_copy(const struct cfg_kv *kv)
{
	struct cfg_kv n = *kv;

	n.key = xstrdup(kv->key);
	n.vals = xcalloc((size_t)kv->nvals, sizeof(char *));
	for (int i = 0; i < kv->nvals; i++)
		n.vals[i] = xstrdup(kv->vals[i]);
	return n;
}

static int build_workload(struct config *c, struct raw_section *s, const char *name,
			  struct raw_section *run)
{
	struct cfg_workload *w;
	struct cfg_kv *prog = NULL;
	int rc;

	for (int i = 0; i < c->nwl; i++)
		if (!strcmp(c->wl[i].name, name))
			return cfg_error(c, s->line, NULL, "[workload %s] given twice (first on line %d)",
					 name, c->wl[i].line);
	c->wl = xrealloc(c->wl, (size_t)c->nwl + 1, sizeof(*c->wl));
	w = &c->wl[c->nwl++];
	*w = (struct cfg_workload){ .name = xstrdup(name), .line = s->line };
	for (int i = 0; i < s->nkv; i++)
		if (!strcmp(s->kv[i].key, "program"))
			prog = &s->kv[i];
	if (prog) {
		if ((rc = kv_values(c, prog)) || (rc = single(c, prog)))
			return rc;
	}
	w->program = xstrdup(prog ? prog->vals[0] : name);
	if ((rc = load_optspec(c, w, prog ? prog->line : s->line)))
		return rc;
	if (prog)
		prog->kind = KV_RUNNER;
	for (int i = 0; i < s->nkv; i++) {
		if (&s->kv[i] != prog && (rc = workload_key(c, w, &s->kv[i])))
			return rc;
		move_kv(w, &s->kv[i]);
	}
	/* [run] defaults the section did not override */
	for (int i = 0; run && i < run->nkv; i++) {
		struct cfg_kv kv;

		if (enum_lookup(run_defaults, run->kv[i].key) < 0 || cfg_find(w, run->kv[i].key))
			continue;
		if (!strcmp(run->kv[i].key, "duration") && !w->timed)
			continue;	/* only timed workloads take --duration */
		kv = kv_copy(&run->kv[i]);
		/* already split and expanded by run_key's kv_values */
		for (int k = 0; k < kv.nvals; k++) {
			json_t *o = find_opt(w->optspec, kv.key, NULL);

			if (!o) {
				rc = cfg_error(c, kv.line, kv.key, "not an option of workload %s",
					       w->program);
				cfg_strv_free(kv.vals, kv.nvals);
				free(kv.key);
				return rc;
			}
			if ((rc = check_value(c, &kv, o, k)) ||
			    (!strcmp(kv.key, "mempolicy") && (rc = check_mempolicy(c, &kv, k)))) {
				cfg_strv_free(kv.vals, kv.nvals);
				free(kv.key);
				return rc;
			}
		}
		if (!strcmp(kv.key, "oversubscribe") && (rc = single(c, &kv))) {
			cfg_strv_free(kv.vals, kv.nvals);
			free(kv.key);
			return rc;
		}
		move_kv(w, &kv);
	}
	if (!w->nclients) {
		w->clients = xcalloc(1, sizeof(int));
		w->clients[0] = 1;
		w->nclients = 1;
		w->clients_line = s->line;
	}
	{
		const struct cfg_kv *os = cfg_find(w, "oversubscribe");
		bool over = os && !strcmp(os->vals[0], "yes");

		for (int i = 0; i < w->nclients && !over; i++)
			if (w->clients[i] > c->env.ncpus)
				return cfg_error(c, w->clients_line, "clients",
						 "%d clients but %d CPUs (add oversubscribe = yes "
						 "to allow it)", w->clients[i], c->env.ncpus);
	}
	return 0;
}

static int check_interleave(struct config *c)
{
	for (int i = 0; i < c->ninterleave; i++) {
		bool found = false;

		for (int w = 0; w < c->nwl && !found; w++) {
			const struct cfg_kv *kv = cfg_find(&c->wl[w], c->interleave[i]);

			if (kv && (kv->nvals > 1 || (!strcmp(kv->key, "clients") &&
						     c->wl[w].nclients > 1)))
				found = true;
		}
		if (!found)
			return cfg_error(c, c->interleave_line, "interleave",
					 "'%s' is not a list-valued key of any workload",
					 c->interleave[i]);
	}
	return 0;
}

static int validate(struct config *c, struct parse_ctx *x)
{
	struct raw_section *run = NULL;
	int rc;

	for (int i = 0; i < x->nsec; i++) {
		struct raw_section *s = &x->sec[i];

		if (!strcmp(s->name, "run")) {
			if (run)
				return cfg_error(c, s->line, NULL, "[run] given twice (first on line %d)",
						 run->line);
			run = s;
			for (int k = 0; k < s->nkv; k++)
				if ((rc = run_key(c, &s->kv[k])))
					return rc;
		} else if (strncmp(s->name, "workload", 8) || !isspace((unsigned char)s->name[8])) {
			return cfg_error(c, s->line, NULL, "unknown section [%s] (expected [run] or "
					 "[workload NAME])", s->name);
		}
	}
	for (int i = 0; i < x->nsec; i++) {
		struct raw_section *s = &x->sec[i];
		char *name;

		if (s == run)
			continue;
		name = trim(s->name + 8);
		if (!*name || strpbrk(name, " \t"))
			return cfg_error(c, s->line, NULL, "[%s]: expected [workload NAME]", s->name);
		if ((rc = build_workload(c, s, name, run)))
			return rc;
	}
	if (!c->nwl)
		return cfg_error(c, x->line, NULL, "no [workload NAME] section: nothing to run");
	return check_interleave(c);
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The file as read, or NULL with errno (a directory reads as EISDIR). */
static char *slurp(FILE *f)
{
	size_t n = 0, cap = 4096, r;
	char *buf = xmalloc(cap);

	while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n < 2)
			buf = xrealloc(buf, cap *= 2, 1);
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

/* Where --set SECTION.KEY=VALUE goes: [run], or [workload SECTION]. */
static struct raw_section *set_section(struct parse_ctx *x, const char *name, size_t len)
{
	for (int i = 0; i < x->nsec; i++) {
		const char *n = x->sec[i].name;

		if (len == 3 && !strncmp(name, "run", 3) && !strcmp(n, "run"))
			return &x->sec[i];
		if (!strncmp(n, "workload", 8) && isspace((unsigned char)n[8])) {
			const char *w = n + 8;

			while (isspace((unsigned char)*w))
				w++;
			if (strlen(w) == len && !strncmp(w, name, len))
				return &x->sec[i];
		}
	}
	return NULL;
}

/* --set values replace the file's (or add a key); they keep a line of -N,
 * so errors about them name the --set, not a line of the file. */
static int apply_sets(struct config *c, struct parse_ctx *x)
{
	for (int i = 0; i < c->nsets; i++) {
		const char *a = c->sets[i], *dot = strchr(a, '.'), *eq = strchr(a, '=');
		struct raw_section *sec;
		struct cfg_kv *kv = NULL;
		char *key;

		if (!dot || !eq || dot > eq || dot == a || eq == dot + 1) {
			errmsg(0, "%s: --set %s: want SECTION.KEY=VALUE (SECTION: run or a workload "
			       "section's NAME)", c->path, a);
			return EXIT_USAGE;
		}
		sec = set_section(x, a, (size_t)(dot - a));
		if (!sec) {
			struct suggest sg;
			char want[64], hint[96];

			snprintf(want, sizeof(want), "%.*s", (int)(dot - a), a);
			suggest_reset(&sg, want);
			for (int k = 0; k < x->nsec; k++)
				suggest_offer(&sg, !strncmp(x->sec[k].name, "workload ", 9) ?
					      x->sec[k].name + 9 : x->sec[k].name);
			errmsg(0, "%s: --set %s: no [%s%s] section in the config%s", c->path, a,
			       strcmp(want, "run") ? "workload " : "", want,
			       suggest_text(&sg, "", hint, sizeof(hint)));
			return EXIT_USAGE;
		}
		key = xstrndup(dot + 1, (size_t)(eq - dot - 1));
		for (int k = 0; k < sec->nkv; k++)
			if (!strcmp(sec->kv[k].key, key))
				kv = &sec->kv[k];
		if (!kv) {
			sec->kv = xrealloc(sec->kv, (size_t)sec->nkv + 1, sizeof(*sec->kv));
			kv = &sec->kv[sec->nkv++];
			*kv = (struct cfg_kv){ .key = key, .nvals = 1 };
			kv->vals = xcalloc(1, sizeof(char *));
		} else {
			free(key);
			cfg_strv_free(kv->vals, kv->nvals);
			kv->vals = xcalloc(1, sizeof(char *));
			kv->nvals = 1;
		}
		kv->vals[0] = xstrdup(eq + 1);
		kv->line = -(i + 1);
	}
	return 0;
}

int config_load_set(const char *path, const struct cfg_env *env, const char *const *sets,
		    int nsets, struct config *c)
{
	struct parse_ctx x = { .c = c };
	uint64_t h = 0xcbf29ce484222325ull;
	int rc, line;

	*c = (struct config){ .path = xstrdup(path), .env = *env, .iterations = 5,
			      .warmup = 1, .watchdog = 600, .min_iterations = 10,
			      .max_iterations = 100, .monitor_interval = MONITOR_DEFAULT_INTERVAL };
	x.f = fopen(path, "r");
	if (!x.f) {
		errmsg(errno, "%s: cannot open the config", path);
		return EXIT_USAGE;
	}
	c->text = slurp(x.f);
	if (!c->text) {
		errmsg(errno, "%s: cannot read the config", path);
		fclose(x.f);
		return EXIT_USAGE;
	}
	/* what runs is the file plus its --set values: both make the hash
	 * that history and --resume compare */
	h = fnv1a(h, c->text);
	c->sets = xcalloc((size_t)nsets, sizeof(char *));
	for (int i = 0; i < nsets; i++) {
		c->sets[c->nsets++] = xstrdup(sets[i]);
		h = fnv1a(fnv1a(h, "\n--set "), sets[i]);
	}
	snprintf(c->hash, sizeof(c->hash), "%016llx", (unsigned long long)h);
	rewind(x.f);
	line = ini_parse_stream(counting_reader, &x, on_key, &x);
	fclose(x.f);
	free(x.buf);
	if (x.err_line) {
		errmsg(0, "%s:%d: %s", path, x.err_line, x.err);
		rc = EXIT_USAGE;
	} else if (line > 0) {
		errmsg(0, "%s:%d: syntax error (expected [section], key = value or a comment)",
		       path, line);
		rc = EXIT_USAGE;
	} else if (line < 0) {
		errmsg(ENOMEM, "%s: parsing", path);
		rc = EXIT_NORES;
	} else if (!(rc = apply_sets(c, &x))) {
		rc = validate(c, &x);
	}
	raw_free(&x);
	return rc;
}

int config_load(const char *path, const struct cfg_env *env, struct config *c)
{
	return config_load_set(path, env, NULL, 0, c);
}

void config_free(struct config *c)
{
	for (int i = 0; i < c->nwl; i++) {
		struct cfg_workload *w = &c->wl[i];

		for (int k = 0; k < w->nkv; k++) {
			free(w->kv[k].key);
			cfg_strv_free(w->kv[k].vals, w->kv[k].nvals);
		}
		free(w->kv);
		free(w->name);
		free(w->program);
		free(w->clients);
		json_decref(w->optspec);
	}
	free(c->wl);
	cfg_strv_free(c->interleave, c->ninterleave);
	cfg_strv_free(c->sets, c->nsets);
	free(c->db);
	free(c->calibration);
	free(c->text);
	free(c->path);
	*c = (struct config){ 0 };
}

const struct cfg_kv *cfg_find(const struct cfg_workload *w, const char *key)
{
	for (int i = 0; i < w->nkv; i++)
		if (w->kv[i].key && !strcmp(w->kv[i].key, key))
			return &w->kv[i];
	return NULL;
}

const char *cfg_default_bindir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("MMSCALE_BIN");
	ssize_t n;

	if (env && *env)
		return env;
	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0) {
		snprintf(dir, sizeof(dir), ".");
		return dir;
	}
	dir[n] = 0;
	*strrchr(dir, '/') = 0;
	/* installed: PREFIX/bin/mmscale runs PREFIX/libexec/mmscale/NAME */
	{
		char lib[PATH_MAX + 32];

		snprintf(lib, sizeof(lib), "%s/../libexec/mmscale", dir);
		if (!access(lib, X_OK) && (size_t)snprintf(dir, sizeof(dir), "%s", lib) >= sizeof(dir))
			dir[0] = 0;
	}
	return dir;
}
