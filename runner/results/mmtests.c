/*
 * mmtests.c - mmtests' pft results in and out.
 *
 *   mmscale import-mmtests SRC... [--results DIR] [--db PATH] [--mode M]
 *   mmscale export --mmtests DIR RUN...
 *
 * SRC is an mmtests results tree (DIR/NAME/iter-N/pft/logs/pft-CLIENTS.log,
 * or one run's DIR/NAME) or a `compare-mmtests.pl --json-export` file
 * (plain, zstd or xz: read through libzstd and liblzma).  Each mmtests run
 * becomes an mmscale results directory RESULTS/NAME (summary.json and
 * meta.json; "source": "mmtests"), so that `mmscale compare OLD_MMTESTS
 * NEW_MMSCALE` works, and with --db it goes into the history too.  A log is
 * read as mmtests' ExtractPft.pm reads it: every 's' deleted, a line that
 * still has a letter skipped (warnings, headers), the rest split on
 * whitespace, fields 8 and 9 (after the leading empty one) faults/cpu and
 * faults/sec.  Exceptions, on purpose: a last line without its newline (a
 * run killed mid-write) is skipped; any other line without 9 numeric
 * fields is an error.  Bad input names the file and line, exits 2, and
 * nothing of that run (nor of any later SRC) is written.
 *
 * export writes an mmscale run as an mmtests pft tree, one line per
 * measured iteration in pft's own column layout (GB, threads, cachelines,
 * user, sys, wall, faults/cpu, faults/sec), so that mmtests'
 * compare-kernels reads it; rates get 6 decimals instead of pft's 3 so a
 * round trip keeps every printed digit of compare's table.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <lzma.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include "harness.h"
#include "commands.h"
#include "meta.h"
#include "store.h"
#include "summary.h"

/*
 * mmtests' pft operations (ExtractPft.pm): the names of an outside format,
 * spelled here and nowhere else in the runner.  An mmscale pft run's
 * default metrics happen to carry the same names, which is what makes a
 * mixed compare line up.
 */
static const char *const pft_ops[2] = { "faults/cpu", "faults/sec" };

/*
 * Decimals that print a rate with 17 significant digits, so that a run sent
 * out to mmtests and read back holds the very same doubles: pft's own 6
 * decimals lost the last bits, and compare's 4-decimal Hmean of the values
 * read back then differed in its last digit in about 1 round trip of 12.
 * mmtests' parser takes any number of decimals.
 */
static int exact_decimals(double v)
{
	int d = v != 0 ? 16 - (int)floor(log10(fabs(v))) : 6;

	return d < 6 ? 6 : d > 17 ? 17 : d;
}
#define PFT_FIELDS 9	/* "", GB, threads, cachelines, user, sys, wall, cpu, sec */

/* One mmtests run being read: per client count, the two operations' samples. */
struct mrun {
	char *name;
	int nclients;
	struct mclient {
		int clients;
		int n, cap;
		double *v[2];		/* faults/cpu, faults/sec */
	} *c;
};

/* xrealloc (harness.h): out of memory is exit 3 everywhere */

static struct mclient *mrun_client(struct mrun *r, int clients)
{
	for (int i = 0; i < r->nclients; i++)
		if (r->c[i].clients == clients)
			return &r->c[i];
	r->c = xrealloc(r->c, sizeof(*r->c) * (size_t)(r->nclients + 1), 1);
	r->c[r->nclients] = (struct mclient){ .clients = clients };
	return &r->c[r->nclients++];
}

static void mclient_add(struct mclient *c, double cpu, double sec)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 32;
		c->v[0] = xrealloc(c->v[0], sizeof(double) * (size_t)c->cap, 1);
		c->v[1] = xrealloc(c->v[1], sizeof(double) * (size_t)c->cap, 1);
	}
	c->v[0][c->n] = cpu;
	c->v[1][c->n++] = sec;
}

static void mrun_free(struct mrun *r)
{
	for (int i = 0; i < r->nclients; i++) {
		free(r->c[i].v[0]);
		free(r->c[i].v[1]);
	}
	free(r->c);
	free(r->name);
	memset(r, 0, sizeof(*r));
}

static int cmp_client(const void *a, const void *b)
{
	const struct mclient *x = a, *y = b;

	return (x->clients > y->clients) - (x->clients < y->clients);
}

/* ---- pft logs -------------------------------------------------------------- */

/* A number field as Perl would take it, strictly: the whole field. */
static bool num_field(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return s[0] && !*end && !errno && isfinite(*v);
}

/* Read one pft-CLIENTS.log into r.  Returns 0 or EXIT_USAGE with file:line. */
static int read_log(const char *path, int clients, struct mrun *r)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, rc = 0;
	struct mclient *mc = mrun_client(r, clients);

	if (!f) {
		errmsg(errno, "%s", path);
		return EXIT_USAGE;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		char *fields[PFT_FIELDS + 1], *save = NULL, *w = line;
		double cpu, sec;
		int nf = 1;
		bool letter = false, complete = line[len - 1] == '\n';

		lineno++;
		/* ExtractPft: tr/s//d, then skip a line with any letter */
		for (char *p = line; *p; p++)
			if (*p != 's')
				*w++ = *p;
		*w = 0;
		for (char *p = line; *p; p++)
			letter |= isalpha((unsigned char)*p);
		if (letter)
			continue;
		fields[0] = "";
		for (char *t = strtok_r(line, " \t\r\n", &save); t && nf <= PFT_FIELDS;
		     t = strtok_r(NULL, " \t\r\n", &save))
			fields[nf++] = t;
		if (nf == 1)
			continue;	/* a blank line */
		if (nf != PFT_FIELDS || !num_field(fields[7], &cpu) || !num_field(fields[8], &sec)) {
			if (!complete)
				break;	/* the last line, cut short: a run killed mid-write */
			errmsg(0, "%s:%d: not a pft result line (GB threads cachelines user sys "
			       "wall faults/cpu faults/sec)", path, lineno);
			rc = EXIT_USAGE;
			break;
		}
		mclient_add(mc, cpu, sec);
	}
	free(line);
	fclose(f);
	return rc;
}

/* "pft-12.log" -> 12, else -1 */
static int log_clients(const char *name)
{
	char *end;
	long c;

	if (strncmp(name, "pft-", 4))
		return -1;
	c = strtol(name + 4, &end, 10);
	return end != name + 4 && !strcmp(end, ".log") && c > 0 && c < 1 << 20 ? (int)c : -1;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* One mmtests run directory (NAME/iter-N/pft/logs/pft-N.log). */
static int read_run_dir(const char *dir, const char *name, struct mrun *r)
{
	struct dirent **it = NULL;
	int n = scandir(dir, &it, NULL, by_name), rc = 0, logs = 0;

	*r = (struct mrun){ .name = strdup(name) };
	for (int i = 0; i < n; i++) {
		char logs_dir[PATH_MAX];
		struct dirent **lg = NULL;
		int m;

		if (strncmp(it[i]->d_name, "iter-", 5) || rc) {
			free(it[i]);
			continue;
		}
		snprintf(logs_dir, sizeof(logs_dir), "%s/%s/pft/logs", dir, it[i]->d_name);
		free(it[i]);
		m = scandir(logs_dir, &lg, NULL, by_name);
		for (int k = 0; k < m; k++) {
			int clients = log_clients(lg[k]->d_name);
			char path[PATH_MAX * 2];

			if (clients > 0 && !rc) {
				snprintf(path, sizeof(path), "%s/%s", logs_dir, lg[k]->d_name);
				rc = read_log(path, clients, r);
				logs++;
			}
			free(lg[k]);
		}
		free(lg);
	}
	free(it);
	if (!rc && !logs) {
		errmsg(0, "%s: no pft logs (want %s/iter-N/pft/logs/pft-CLIENTS.log)", dir, dir);
		rc = EXIT_USAGE;
	}
	if (!rc && r->nclients > 1)
		qsort(r->c, (size_t)r->nclients, sizeof(*r->c), cmp_client);
	return rc;
}

/* ---- --json-export files ---------------------------------------------------- */

static char *read_all(FILE *f, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	do {
		if (n + 65536 > cap) {
			cap = cap ? 2 * cap : 1 << 20;
			buf = xrealloc(buf, cap + 1, 1);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	*len = n;
	buf[n] = 0;
	return buf;
}

static char *unzstd(const char *in, size_t len, size_t *out_len, const char *path)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t cap = len * 4 + 65536, ret = 1;
	char *out = xrealloc(NULL, cap + 1, 1);
	ZSTD_outBuffer ob = { out, cap, 0 };

	ZSTD_initDStream(ds);
	while (ib.pos < ib.size) {
		if (ob.pos == ob.size) {
			cap *= 2;
			out = xrealloc(out, cap + 1, 1);
			ob.dst = out;
			ob.size = cap;
		}
		ret = ZSTD_decompressStream(ds, &ob, &ib);
		if (ZSTD_isError(ret)) {
			errmsg(0, "%s: zstd: %s", path, ZSTD_getErrorName(ret));
			ZSTD_freeDStream(ds);
			free(out);
			return NULL;
		}
	}
	ZSTD_freeDStream(ds);
	if (ret) {
		errmsg(0, "%s: zstd: the file ends inside a frame (truncated)", path);
		free(out);
		return NULL;
	}
	*out_len = ob.pos;
	out[ob.pos] = 0;
	return out;
}

static char *unxz(const char *in, size_t len, size_t *out_len, const char *path)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = len * 4 + 65536;
	char *out = xrealloc(NULL, cap + 1, 1);
	lzma_ret ret;

	if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
		errmsg(0, "%s: xz: cannot start the decoder", path);
		free(out);
		return NULL;
	}
	s.next_in = (const uint8_t *)in;
	s.avail_in = len;
	s.next_out = (uint8_t *)out;
	s.avail_out = cap;
	for (;;) {
		ret = lzma_code(&s, LZMA_FINISH);
		if (ret == LZMA_STREAM_END)
			break;
		if (ret != LZMA_OK) {
			errmsg(0, "%s: xz: %s", path, ret == LZMA_DATA_ERROR ? "corrupt data" :
			       ret == LZMA_BUF_ERROR ? "truncated" : "cannot decompress");
			lzma_end(&s);
			free(out);
			return NULL;
		}
		if (!s.avail_out) {
			size_t used = cap;

			cap *= 2;
			out = xrealloc(out, cap + 1, 1);
			s.next_out = (uint8_t *)out + used;
			s.avail_out = cap - used;
		}
	}
	*out_len = cap - s.avail_out;
	out[*out_len] = 0;
	lzma_end(&s);
	return out;
}

/* The JSON text of a plain, zstd or xz file, by its magic. */
static char *read_export(const char *path, size_t *len)
{
	static const unsigned char zmagic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const unsigned char xmagic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	FILE *f = fopen(path, "rb");
	char *raw, *text;
	size_t n;

	if (!f) {
		errmsg(errno, "%s", path);
		return NULL;
	}
	raw = read_all(f, &n);
	fclose(f);
	if (n >= 4 && !memcmp(raw, zmagic, 4))
		text = unzstd(raw, n, len, path);
	else if (n >= 6 && !memcmp(raw, xmagic, 6))
		text = unxz(raw, n, len, path);
	else {
		*len = n;
		return raw;
	}
	free(raw);
	return text;
}

/* "faults/cpu-12" -> op 0, clients 12: mmtests' own operation names. */
static int op_of(const char *name, int *clients)
{
	for (int k = 0; k < 2; k++) {
		size_t l = strlen(pft_ops[k]);
		char *end;
		long c;

		if (strncmp(name, pft_ops[k], l) || name[l] != '-')
			continue;
		c = strtol(name + l + 1, &end, 10);
		if (end == name + l + 1 || *end || c < 1)
			return -1;
		*clients = (int)c;
		return k;
	}
	return -1;
}

/* The ExtractPft modules of a --json-export file, one run each. */
static int read_json_export(const char *path, struct mrun **runs, int *nruns)
{
	json_error_t err;
	size_t len, i;
	char *text = read_export(path, &len);
	json_t *j, *mod;
	int rc = 0;

	*runs = NULL;
	*nruns = 0;
	if (!text)
		return EXIT_USAGE;
	j = json_loadb(text, len, 0, &err);
	free(text);
	if (!j) {
		errmsg(0, "%s:%d: %s", path, err.line, err.text);
		return EXIT_USAGE;
	}
	if (!json_is_array(j)) {
		errmsg(0, "%s: not an mmtests --json-export (want an array of modules)", path);
		json_decref(j);
		return EXIT_USAGE;
	}
	json_array_foreach(j, i, mod) {
		const char *mname = json_string_value(json_object_get(mod, "_ModuleName"));
		const char *test = json_string_value(json_object_get(mod, "_TestName"));
		json_t *data = json_object_get(mod, "_ResultData"), *iters;
		const char *op;
		struct mrun *r;

		if (!mname || strcmp(mname, "ExtractPft"))
			continue;	/* other benchmarks in the same export */
		if (!test || !json_is_object(data)) {
			errmsg(0, "%s: module %zu: ExtractPft without _TestName or _ResultData", path, i);
			rc = EXIT_USAGE;
			break;
		}
		*runs = xrealloc(*runs, sizeof(**runs) * (size_t)(*nruns + 1), 1);
		r = &(*runs)[(*nruns)++];
		*r = (struct mrun){ .name = strdup(test) };
		json_object_foreach(data, op, iters) {
			int clients, k = op_of(op, &clients);
			struct mclient *mc;
			size_t it, s;
			json_t *one, *v;

			if (k < 0)
				continue;
			mc = mrun_client(r, clients);
			if (!json_is_array(iters)) {
				errmsg(0, "%s: %s: %s is not an array of iterations", path, test, op);
				rc = EXIT_USAGE;
				break;
			}
			json_array_foreach(iters, it, one) {
				json_t *vals = json_object_get(one, "Values");

				if (!json_is_array(vals)) {
					errmsg(0, "%s: %s: %s[%zu] has no Values array", path, test, op, it);
					rc = EXIT_USAGE;
					break;
				}
				json_array_foreach(vals, s, v) {
					if (!json_is_number(v)) {
						errmsg(0, "%s: %s: %s[%zu].Values[%zu] is not a number",
						       path, test, op, it, s);
						rc = EXIT_USAGE;
						break;
					}
					/* the two operations fill the same sample slots */
					if (k == 0)
						mclient_add(mc, json_number_value(v), NAN);
					else {
						int at = 0;

						while (at < mc->n && !isnan(mc->v[1][at]))
							at++;
						if (at == mc->n)
							mclient_add(mc, NAN, json_number_value(v));
						else
							mc->v[1][at] = json_number_value(v);
					}
				}
				if (rc)
					break;
			}
			if (rc)
				break;
		}
		if (!rc && r->nclients > 1)
			qsort(r->c, (size_t)r->nclients, sizeof(*r->c), cmp_client);
		for (int c = 0; !rc && c < r->nclients; c++)
			for (int s = 0; s < r->c[c].n; s++)
				if (isnan(r->c[c].v[0][s]) || isnan(r->c[c].v[1][s])) {
					errmsg(0, "%s: %s: faults/cpu-%d and faults/sec-%d have different "
					       "sample counts", path, test, r->c[c].clients, r->c[c].clients);
					rc = EXIT_USAGE;
					break;
				}
		if (rc)
			break;
	}
	json_decref(j);
	if (!rc && !*nruns) {
		errmsg(0, "%s: no ExtractPft module in this export", path);
		rc = EXIT_USAGE;
	}
	return rc;
}

/* ---- into an mmscale results directory -------------------------------------------- */

static int write_run(const struct mrun *r, const char *results, const char *mode,
		     const char *source, char *dir, size_t dlen)
{
	struct summary s = { .label = r->name };
	struct axis ax = { .key = "mode", .value = (char *)mode };
	struct metric *ms = xrealloc(NULL, sizeof(*ms) * 2 * (size_t)(r->nclients + 1), 1);
	char tmp[PATH_MAX], path[PATH_MAX * 2], *id = xrealloc(NULL, 16 * (size_t)(r->nclients + 1), 1);
	json_t *j, *meta;
	int rc = EXIT_FAIL;

	if ((size_t)snprintf(dir, dlen, "%s/%s", results, r->name) >= dlen ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.import.%d", results, r->name,
			     (int)getpid()) >= sizeof(tmp)) {
		errmsg(ENAMETOOLONG, "%s/%s", results, r->name);
		free(ms);
		free(id);
		return EXIT_USAGE;
	}
	if (!access(dir, F_OK)) {
		errmsg(0, "%s already exists: results are never overwritten", dir);
		free(ms);
		free(id);
		return EXIT_USAGE;
	}
	s.npoints = r->nclients;
	s.points = xrealloc(NULL, sizeof(*s.points) * (size_t)(r->nclients + 1), 1);
	for (int c = 0; c < r->nclients; c++) {
		struct point *p = &s.points[c];

		snprintf(id + 16 * c, 16, "p%03d", c);
		for (int k = 0; k < 2; k++)
			ms[2 * c + k] = (struct metric){ .name = (char *)pft_ops[k], .unit = "faults/s",
				.dir = BETTER_HIGHER, .agg = AGG_HARMONIC, .precision = 4,
				.n = r->c[c].n, .values = r->c[c].v[k] };
		*p = (struct point){ .id = id + 16 * c, .workload = "pft", .naxes = 1, .axes = &ax,
				     .clients = r->c[c].clients, .status = "ok",
				     .nmetrics = r->c[c].n ? 2 : 0, .metrics = &ms[2 * c] };
	}
	meta = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "label", r->name,
			 "status", "complete", "source", "mmtests",
			 "config", "name", "mmtests-pft", "path", source,
			 "kernel", "release", r->name);
	meta_stamp(meta);
	j = summary_to_json(&s);
	if (mkdir_p(results) || mkdir(tmp, 0755)) {
		errmsg(errno, "%s", tmp);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/summary.json", tmp);
	if (json_write_atomic(path, j)) {
		errmsg(errno, "%s", path);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/meta.json", tmp);
	if (json_write_atomic(path, meta)) {
		errmsg(errno, "%s", path);
		goto out;
	}
	/* the whole directory appears at once, or not at all */
	if (rename(tmp, dir)) {
		errmsg(errno, "rename %s", dir);
		goto out;
	}
	rc = 0;
out:
	if (rc) {
		snprintf(path, sizeof(path), "%s/summary.json", tmp);
		unlink(path);
		snprintf(path, sizeof(path), "%s/meta.json", tmp);
		unlink(path);
		rmdir(tmp);
	}
	json_decref(j);
	json_decref(meta);
	free(s.points);
	free(ms);
	free(id);
	return rc;
}

/* Every run of one SRC: a tree of runs, one run, or a --json-export file. */
static int read_source(const char *src, struct mrun **runs, int *nruns)
{
	struct dirent **e = NULL;
	int n, rc = 0;
	char *base;

	*runs = NULL;
	*nruns = 0;
	if (!is_dir(src))
		return read_json_export(src, runs, nruns);
	n = scandir(src, &e, NULL, by_name);
	for (int i = 0; i < n; i++)
		if (!strncmp(e[i]->d_name, "iter-", 5))
			*nruns = -1;	/* SRC is itself a run */
	if (*nruns < 0) {
		char *d = strdup(src);

		*nruns = 0;
		base = strrchr(d, '/');
		while (base && !base[1] && base > d) {	/* "dir/" */
			*base = 0;
			base = strrchr(d, '/');
		}
		*runs = xrealloc(NULL, sizeof(**runs), 1);
		rc = read_run_dir(src, base ? base + 1 : d, &(*runs)[0]);
		*nruns = 1;
		free(d);
	} else {
		for (int i = 0; i < n && !rc; i++) {
			char dir[PATH_MAX * 2];

			if (e[i]->d_name[0] == '.')
				continue;
			snprintf(dir, sizeof(dir), "%s/%s", src, e[i]->d_name);
			if (!is_dir(dir))
				continue;
			*runs = xrealloc(*runs, sizeof(**runs) * (size_t)(*nruns + 1), 1);
			rc = read_run_dir(dir, e[i]->d_name, &(*runs)[(*nruns)++]);
		}
		if (!rc && !*nruns) {
			errmsg(0, "%s: no mmtests runs (want %s/NAME/iter-N/pft/logs/pft-CLIENTS.log)",
			       src, src);
			rc = EXIT_USAGE;
		}
	}
	for (int i = 0; i < n; i++)
		free(e[i]);
	free(e);
	return rc;
}

struct import_mmtests_args {
	const char *results, *db;
	int mode;	/* threads, processes */
	bool quiet;
};

#define A(f) OPT_OFF(struct import_mmtests_args, f)
static const struct opt import_mmtests_opts[] = {
	{ "results", 'r', OPT_STR, A(results), "results", .arg = "DIR",
	  .help = "where each run becomes DIR/NAME" },
	{ "db", 'd', OPT_STR, A(db), .arg = "DB", .help = "also import the runs into this history" },
	{ "mode", 'm', OPT_ENUM, A(mode), "threads", "threads|processes",
	  .help = "the mode the points are recorded in" },
	{ "quiet", 'q', OPT_BOOL, A(quiet), .help = "no output" },
	{ 0 }
};
#undef A

static const struct cli_exit import_mmtests_exits[] = {
	{ EXIT_OK, "every run was imported" },
	{ EXIT_FAIL, "writing failed" },
	{ EXIT_USAGE, "bad usage or input (a malformed line or export names file and line; "
		      "nothing is written)" },
	{ EXIT_NORES, "a resource is missing (memory, a file)" },
	{ -1 }
};

static int import_mmtests_main(void *opts, int nsrc, char **srcs)
{
	const struct import_mmtests_args *a = opts;
	const char *results = a->results, *db = a->db, *mode = a->mode ? "processes" : "threads";
	struct mrun **all;
	int *nall, rc = 0;
	bool quiet = a->quiet;
	struct store *st = NULL;

	all = xrealloc(NULL, sizeof(*all) * (size_t)nsrc, 1);
	nall = xrealloc(NULL, sizeof(*nall) * (size_t)nsrc, 1);
	memset(nall, 0, sizeof(*nall) * (size_t)nsrc);
	memset(all, 0, sizeof(*all) * (size_t)nsrc);
	/* everything is read before anything is written */
	for (int i = 0; i < nsrc && !rc; i++)
		rc = read_source(srcs[i], &all[i], &nall[i]);
	for (int i = 0; i < nsrc && !rc; i++)
		for (int k = 0; k < nall[i] && !rc; k++) {
			char dir[PATH_MAX];

			for (int j = 0; j < nall[i]; j++)
				if (j != k && !strcmp(all[i][j].name, all[i][k].name)) {
					errmsg(0, "%s: two runs named %s", srcs[i], all[i][k].name);
					rc = EXIT_USAGE;
				}
			if (!rc)
				rc = write_run(&all[i][k], results, mode, srcs[i], dir, sizeof(dir));
			if (!rc && db) {
				if (!st)
					rc = store_open(db, &st);
				if (!rc)
					rc = history_import_dir(st, dir, NULL);
			}
			if (!rc && !quiet)
				printf("imported %s: %s, %d client counts\n", srcs[i], dir,
				       all[i][k].nclients);
		}
	store_close(st);
	for (int i = 0; i < nsrc; i++) {
		for (int k = 0; k < nall[i]; k++)
			mrun_free(&all[i][k]);
		free(all[i]);
	}
	free(all);
	free(nall);
	return rc;
}

const struct cli_command cli_cmd_import_mmtests = {
	.name = "import-mmtests", .operands = "SRC...", .min_operands = 1, .max_operands = -1,
	.summary = "mmtests pft results trees or --json-export files into results directories",
	.description =
		"SRC: an mmtests results tree (SRC/NAME/iter-N/pft/logs/pft-CLIENTS.log), one\n"
		"run of it (SRC/iter-N/...), or a compare-mmtests.pl --json-export file (plain,\n"
		".zst or .xz).  Each run becomes RESULTS/NAME, pft points with faults/cpu and\n"
		"faults/sec per client count; --db also imports it into the history.  Every\n"
		"SRC is read before anything is written.\n",
	.opts = import_mmtests_opts, .opts_size = sizeof(struct import_mmtests_args),
	.exits = import_mmtests_exits, .main = import_mmtests_main,
};

/* ---- export ------------------------------------------------------------------ */

/* Per measured iteration of a point, user/sys/wall seconds from its samples
 * (valid, not warm-up, in order); NULL when they do not line up. */
static double *point_times(const struct summary *s, const struct point *p, int n)
{
	char path[PATH_MAX * 2];
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	double *t = calloc((size_t)(3 * n + 3), sizeof(double));
	int k = 0;

	snprintf(path, sizeof(path), "%s/points/%s/samples.jsonl", s->dir, p->id ? p->id : "");
	f = fopen(path, "r");
	if (!f || !t) {
		if (f)
			fclose(f);
		free(t);
		return NULL;
	}
	while (getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL), *cl;
		double u = 0, sy = 0;
		size_t i;

		if (!j || json_is_true(json_object_get(j, "warmup")) ||
		    !json_is_true(json_object_get(j, "valid"))) {
			json_decref(j);
			continue;
		}
		json_array_foreach(json_object_get(j, "clients_detail"), i, cl) {
			u += json_number_value(json_object_get(cl, "user_ns")) / 1e9;
			sy += json_number_value(json_object_get(cl, "sys_ns")) / 1e9;
		}
		if (k < n) {
			t[3 * k] = u;
			t[3 * k + 1] = sy;
			t[3 * k + 2] = json_number_value(json_object_get(j, "wall_ns")) / 1e9;
		}
		k++;
		json_decref(j);
	}
	free(line);
	fclose(f);
	if (k != n) {
		free(t);
		return NULL;
	}
	return t;
}

static int export_run(const struct summary *s, const char *out)
{
	char dir[PATH_MAX], path[PATH_MAX * 2];
	int written = 0;

	snprintf(dir, sizeof(dir), "%s/%s/iter-0/pft/logs", out, s->label);
	for (int i = 0; i < s->npoints; i++) {
		const struct point *p = &s->points[i];
		const struct metric *m[2] = { point_metric(p, pft_ops[0]), point_metric(p, pft_ops[1]) };
		double *t, gb = 0;
		FILE *f;

		if (strcmp(p->workload, "pft") || strcmp(p->status, "ok") || !m[0] || !m[1] ||
		    m[0]->n != m[1]->n)
			continue;
		if (mkdir_p(dir)) {
			errmsg(errno, "%s", dir);
			return EXIT_FAIL;
		}
		t = point_times(s, p, m[0]->n);
		if (json_is_string(json_object_get(p->params, "size"))) {
			/* pft's first column is the mapping in GB */
			const char *sz = json_string_value(json_object_get(p->params, "size"));
			char *end;
			double v = strtod(sz, &end);

			gb = *end == 'G' ? v : *end == 'M' ? v / 1024 : *end == 'K' ? v / 1048576 : 0;
		}
		snprintf(path, sizeof(path), "%s/pft-%d.log", dir, p->clients);
		f = fopen(path, "w");
		if (!f) {
			errmsg(errno, "%s", path);
			free(t);
			return EXIT_FAIL;
		}
		for (int k = 0; k < m[0]->n; k++)
			fprintf(f, " %3ld %4d %3d %8.2fs %8.2fs %8.2fs  %10.*f %10.*f\n", (long)gb,
				p->clients, 1, t ? t[3 * k] : 0, t ? t[3 * k + 1] : 0,
				t ? t[3 * k + 2] : 0, exact_decimals(m[0]->values[k]),
				m[0]->values[k], exact_decimals(m[1]->values[k]), m[1]->values[k]);
		free(t);
		if (fclose(f)) {
			errmsg(errno, "%s", path);
			return EXIT_FAIL;
		}
		written++;
	}
	if (!written) {
		errmsg(0, "%s: no ok pft point with faults/cpu and faults/sec to export", s->dir);
		return EXIT_USAGE;
	}
	printf("%s/%s: %d pft logs\n", out, s->label, written);
	return 0;
}

struct export_args {
	const char *mmtests;
};

static const struct opt export_opts[] = {
	{ "mmtests", 'm', OPT_STR, OPT_OFF(struct export_args, mmtests), .arg = "DIR",
	  .help = "write DIR/LABEL/iter-0/pft/logs/pft-CLIENTS.log (required)" },
	{ 0 }
};

static const struct cli_exit export_exits[] = {
	{ EXIT_OK, "every run was exported" },
	{ EXIT_FAIL, "writing failed" },
	CLI_EXITS_COMMON,
	{ -1 }
};

static int export_main(void *opts, int argc, char **argv)
{
	const char *out = ((struct export_args *)opts)->mmtests;
	int rc = 0;

	if (!out) {
		errmsg(0, "export: want --mmtests DIR (see mmscale export --help)");
		return EXIT_USAGE;
	}
	for (int i = 0; i < argc && !rc; i++) {
		struct summary s;

		rc = cli_load_run(argv[i], &s);
		if (rc)
			break;
		rc = export_run(&s, out);
		summary_free(&s);
	}
	return rc;
}

const struct cli_command cli_cmd_export = {
	.name = "export", .operands = "RUN...", .min_operands = 1, .max_operands = -1,
	.summary = "runs out as mmtests pft results trees (--mmtests DIR)",
	.description =
		"RUN is a results directory or a label under results/.  Writes each run's pft\n"
		"points as an mmtests results tree, DIR/LABEL/iter-0/pft/logs/pft-CLIENTS.log,\n"
		"one pft line per iteration, for mmtests' own compare-kernels.\n",
	.opts = export_opts, .opts_size = sizeof(struct export_args),
	.exits = export_exits, .main = export_main,
};
