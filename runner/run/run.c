/*
 * run.c - `mmscale run` and `mmscale plan`: a config's plan executed point
 * by point into results/<label>/ (layout in results/README.md).
 *
 * Every file is rewritten whole and atomically after each point, so an
 * interrupted or killed run always leaves a consistent directory: finished
 * points complete, the rest "pending", meta.json "incomplete"; `--resume`
 * reruns only what is unfinished.  Machine state (THP, ASLR, prefetch) is
 * restored on every path out (sysstate.c, prefetch.c).
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"
#include "machstate.h"
#include "options.h"
#include "placement.h"
#include "commands.h"
#include "collect.h"
#include "config.h"
#include "exec.h"
#include "meta.h"
#include "perf.h"
#include "plan.h"
#include "estimate.h"
#include "pointfile.h"
#include "prefetch.h"
#include "progress.h"
#include "run.h"
#include "runstate.h"
#include "slab.h"
#include "stats.h"
#include "store.h"
#include "summary.h"
#include "sysinfo.h"
#include "sysstate.h"

static volatile sig_atomic_t stop_requested, stop_count;

static void on_stop(int sig)
{
	stop_requested = sig;
	stop_count++;
}

#define STOP_GRACE_DEFAULT 10.0

/* How long a workload may take to stop after the first signal before its
 * group is killed: $MMSCALE_STOP_GRACE seconds (0: until a second signal).
 * A value that is not a number is an error, not a silent default. */
static int stop_grace(double *grace)
{
	const char *v = getenv("MMSCALE_STOP_GRACE");
	char *end;

	*grace = STOP_GRACE_DEFAULT;
	if (!v || !*v)
		return 0;
	errno = 0;
	*grace = strtod(v, &end);
	if (errno || *end || end == v || *grace < 0 || *grace > 86400) {
		errmsg(0, "MMSCALE_STOP_GRACE='%s': not a number of seconds from 0 to 86400", v);
		return EXIT_USAGE;
	}
	return 0;
}

/* What the runner knows about one point while the run goes on. */
struct pstate {
	char dir[PATH_MAX];
	const char *status;	/* "pending", "ok", "failed", "invalid" */
	char reason[256];
	char *raw;		/* samples.jsonl text, verbatim */
	size_t rawlen;
	json_t *samples;	/* the lines parsed */
	json_t *seq;		/* global sequence number of each line */
	json_t *pj;		/* point.json being built (collect.h: a key per collector) */
	double wall;
	int invocations;
	int pilot;		/* adaptive: the first measured lines, not summarised */
	int adaptive_n;		/* adaptive: the iterations run after the pilot */
};

struct runner {
	const struct run_request *rq;
	struct config cfg;
	struct plan plan;
	struct pstate *ps;
	char dir[PATH_MAX];
	json_t *meta, *unavailable;
	bool no_aslr, tty;
	struct collect_run col;	/* the collectors' run state (collect.h) */
	double grace;		/* MMSCALE_STOP_GRACE */
	pid_t pgid;		/* the workload running now, 0: none */
	long seq;
	/* progress */
	double t0;
	long iters_total, iters_done;
	int points_done, cur;
	const char *cur_out;
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- files ---------------------------------------------------------------- */

static const char *in_dir(char *buf, size_t n, const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, n, "%s/%s", dir, name) >= n)
		die(EXIT_FAIL, ENAMETOOLONG, "%s/%s", dir, name);
	return buf;
}

/* The text files (samples, config): like json_write_atomic, temp + rename. */
static int write_atomic(const char *path, const char *buf, size_t len)
{
	char tmp[PATH_MAX + 32];
	bool bad;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		errmsg(errno, "writing %s", tmp);
		return EXIT_FAIL;
	}
	bad = fwrite(buf, 1, len, f) != len || fflush(f) || fsync(fileno(f));
	if (fclose(f) || bad) {
		errmsg(errno, "writing %s", tmp);
		unlink(tmp);
		return EXIT_FAIL;
	}
	if (rename(tmp, path)) {
		errmsg(errno, "rename %s", path);
		unlink(tmp);
		return EXIT_FAIL;
	}
	return 0;
}

static int write_json(const char *path, json_t *j)
{
	if (json_write_atomic(path, j)) {
		errmsg(errno, "writing %s", path);
		return EXIT_FAIL;
	}
	return 0;
}

static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return NULL;
	n = getdelim(&buf, &cap, 0, f);
	fclose(f);
	if (n < 0) {
		free(buf);
		buf = strdup("");
		n = 0;
	}
	if (len)
		*len = (size_t)n;
	return buf;
}

/* ---- per point state ------------------------------------------------------ */

static void ps_reset(struct pstate *s)
{
	free(s->raw);
	json_decref(s->samples);
	json_decref(s->seq);
	s->raw = strdup("");
	s->rawlen = 0;
	s->samples = json_array();
	s->seq = json_array();
	s->status = "pending";
	s->reason[0] = 0;
	s->wall = 0;
	s->invocations = 0;
	s->pilot = 0;
}

static void ps_free(struct pstate *s)
{
	free(s->raw);
	json_decref(s->samples);
	json_decref(s->seq);
	json_decref(s->pj);
}

static bool finished(const struct pstate *s)
{
	return strcmp(s->status, "pending");
}

int run_read_lines(const char *text, json_t *samples, size_t *used)
{
	const char *end = strrchr(text, '\n');
	size_t len = end ? (size_t)(end - text) + 1 : 0;
	char *copy = strndup(text, len), *save = NULL;
	int lines = 0;

	if (!copy)
		die(EXIT_NORES, ENOMEM, "samples");
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(l, 0, NULL);

		/* a line that is not a JSON object is kept in the raw text but
		 * cannot be summarised; record it as an invalid sample */
		if (!json_is_object(j)) {
			json_decref(j);
			j = json_pack("{s:b, s:b, s:s}", "warmup", false, "valid", false,
				      "reason", "not a JSON line");
		}
		json_array_append_new(samples, j);
		lines++;
	}
	free(copy);
	*used = len;
	return lines;
}

/* Append a workload's stdout to the point: raw text verbatim, parsed lines
 * with a global sequence number each; a last line without its newline was
 * cut by a kill and is dropped.  Returns the lines added. */
static int ps_append(struct runner *R, struct pstate *s, const char *text)
{
	size_t len;
	int lines = run_read_lines(text, s->samples, &len);

	s->raw = realloc(s->raw, s->rawlen + len + 1);
	memcpy(s->raw + s->rawlen, text, len);
	s->rawlen += len;
	s->raw[s->rawlen] = 0;
	for (int i = 0; i < lines; i++)
		json_array_append_new(s->seq, json_integer(R->seq++));
	return lines;
}

/* Keep the first n lines of a point (samples and raw text). */
static void ps_truncate(struct pstate *s, size_t n)
{
	char *p = s->raw;

	if (json_array_size(s->samples) <= n)
		return;
	for (size_t i = 0; i < n && p; i++)
		if ((p = strchr(p, '\n')))
			p++;
	if (p) {
		*p = 0;
		s->rawlen = (size_t)(p - s->raw);
	}
	while (json_array_size(s->samples) > n)
		json_array_remove(s->samples, json_array_size(s->samples) - 1);
}

static void metrics_free(struct point *p)
{
	for (int m = 0; m < p->nmetrics; m++) {
		free(p->metrics[m].name);
		free(p->metrics[m].unit);
		free(p->metrics[m].values);
	}
	free(p->metrics);
	p->metrics = NULL;
	p->nmetrics = 0;
}

/* The metrics of a point: each metric the program declared, over the
 * measured, valid iterations.  The names and directions come from the
 * program (--list-options); nothing here knows a metric. */
static void point_metrics(const struct plan_point *pt, const struct pstate *s, struct point *p,
			  const char **invalid_why)
{
	size_t n = json_array_size(s->samples), nm = json_array_size(pt->metrics), i;
	json_t *j;
	char why[160];
	int measured = 0;

	*invalid_why = NULL;
	p->nmetrics = 0;
	p->metrics = calloc(nm + 1, sizeof(struct metric));
	for (size_t k = 0; k < nm; k++) {
		struct metric *m = &p->metrics[p->nmetrics];

		*m = (struct metric){ 0 };
		if (metric_from_decl(json_array_get(pt->metrics, k), m, why, sizeof(why)) ||
		    !m->name) {
			free(m->name);
			free(m->unit);
			continue;
		}
		m->values = calloc(n + 1, sizeof(double));
		p->nmetrics++;
	}
	json_array_foreach(s->samples, i, j) {
		json_t *vals = json_object_get(j, "metrics");

		if (json_is_true(json_object_get(j, "warmup")))
			continue;
		if (measured++ < s->pilot)
			continue;	/* adaptive's pilot: it chose n, it is not one of them */
		if (!json_is_true(json_object_get(j, "valid"))) {
			if (!*invalid_why)
				*invalid_why = json_string_value(json_object_get(j, "reason"));
			continue;
		}
		for (int k = 0; k < p->nmetrics; k++) {
			json_t *v = json_object_get(vals, p->metrics[k].name);

			if (json_is_number(v))
				p->metrics[k].values[p->metrics[k].n++] = json_number_value(v);
		}
	}
	/* a point with no valid iteration has no metrics at all */
	for (int k = 0; k < p->nmetrics; k++)
		if (p->metrics[k].n)
			return;
	metrics_free(p);
}

/* The facts the program declares (--list-options "facts"), from its last
 * measured valid iteration: what the point is, not what it measured. */
static void point_facts(const struct plan_point *pt, const struct pstate *s, json_t *e)
{
	json_t *names = json_object_get(pt->wl->optspec, "facts"), *last = NULL, *j, *n;
	json_t *facts;
	size_t i;

	json_array_foreach(s->samples, i, j)
		if (!json_is_true(json_object_get(j, "warmup")) &&
		    json_is_true(json_object_get(j, "valid")))
			last = j;
	if (!last || !json_array_size(names))
		return;
	facts = json_object();
	json_array_foreach(names, i, n) {
		json_t *v = json_object_get(last, json_string_value(n));

		if (json_is_integer(v))
			json_object_set(facts, json_string_value(n), v);
	}
	json_object_set_new(e, "facts", facts);
}

/* summary.json's extra of a point: its facts, and each collector's keys */
/*
 * The point's disturbed share: its measured iterations that the harness
 * marked disturbed (disturbed.h judges each), and why, counted per reason
 * (the reason's words up to its first figure: "steal", "start skew").
 */
static json_t *point_disturbed(const struct pstate *s)
{
	json_t *j, *why = json_object(), *out;
	size_t i, k;
	json_int_t n = 0, d = 0, steal = 0, nivcsw = 0, migr = 0;
	double khz = 0;
	int nkhz = 0, measured = 0;

	json_array_foreach(s->samples, i, j) {
		json_t *r;

		if (json_is_true(json_object_get(j, "warmup")))
			continue;
		/* over the samples the summary keeps: adaptive's pilot is not one */
		if (measured++ < s->pilot)
			continue;
		n++;
		steal += json_integer_value(json_object_get(j, "steal_ns"));
		nivcsw += json_integer_value(json_object_get(j, "nivcsw"));
		migr += json_integer_value(json_object_get(j, "migrations"));
		json_array_foreach(json_object_get(j, "cpu_khz"), k, r) {
			khz += (double)json_integer_value(r);
			nkhz++;
		}
		if (!json_is_true(json_object_get(j, "disturbed")))
			continue;
		d++;
		json_array_foreach(json_object_get(j, "disturbed_reasons"), k, r) {
			const char *t = json_string_value(r);
			char key[48];
			size_t len = 0;

			if (!t)
				continue;
			while (t[len] && !(t[len] >= '0' && t[len] <= '9') && len < sizeof(key) - 1)
				len++;
			while (len && (t[len - 1] == ' ' || t[len - 1] == ':'))
				len--;
			snprintf(key, sizeof(key), "%.*s", (int)len, len ? t : "other");
			json_object_set_new(why, key, json_integer(json_integer_value(
				json_object_get(why, key)) + 1));
		}
	}
	out = json_pack("{s:I, s:I, s:f, s:o, s:I, s:I, s:I}", "iterations", d, "of", n,
			"share", n ? (double)d / (double)n : 0.0, "reasons", why, "steal_ns", steal,
			"nivcsw", nivcsw, "migrations", migr);
	if (nkhz)
		json_object_set_new(out, "cpu_khz", json_real(khz / nkhz));
	return out;
}

static json_t *point_extra(const struct plan_point *pt, const struct pstate *s)
{
	json_t *e = json_object();

	point_facts(pt, s, e);
	json_object_set_new(e, "disturbed", point_disturbed(s));
	collect_extra(s->pj, e);
	if (json_object_get(s->pj, "precision"))
		json_object_set(e, "precision", json_object_get(s->pj, "precision"));
	return e;
}

static int write_summary(struct runner *R)
{
	struct summary sum = { .label = (char *)json_string_value(json_object_get(R->meta, "label")),
			       .dir = R->dir, .meta = R->meta, .npoints = R->plan.npoints };
	char path[PATH_MAX];
	json_t *j;
	int rc;

	sum.points = calloc((size_t)R->plan.npoints, sizeof(struct point));
	for (int i = 0; i < R->plan.npoints; i++) {
		const struct plan_point *pt = &R->plan.pts[i];
		struct pstate *s = &R->ps[i];
		struct point *p = &sum.points[i];
		const char *why;

		*p = (struct point){ .id = (char *)pt->id, .workload = pt->wl->name,
				     .naxes = pt->naxes, .axes = pt->axes,
				     .group = pt->group, .clients = pt->clients,
				     .status = (char *)s->status,
				     .reason = s->reason[0] ? s->reason : NULL,
				     .params = pt->params, .extra = point_extra(pt, s) };
		if (finished(s))
			point_metrics(pt, s, p, &why);
	}
	j = summary_to_json(&sum);
	in_dir(path, sizeof(path), R->dir, "summary.json");
	rc = write_json(path, j);
	json_decref(j);
	for (int i = 0; i < R->plan.npoints; i++) {
		metrics_free(&sum.points[i]);
		json_decref(sum.points[i].extra);
	}
	free(sum.points);
	return rc;
}

static int write_point(struct runner *R, int i)
{
	const struct plan_point *pt = &R->plan.pts[i];
	struct pstate *s = &R->ps[i];
	char path[PATH_MAX];
	int rc;

	in_dir(path, sizeof(path), s->dir, "samples.jsonl");
	rc = write_atomic(path, s->raw, s->rawlen);
	return rc ? rc : pointfile_write(s->dir, s->pj, &(struct point_head){
		.id = pt->id, .workload = pt->wl->name, .program = pt->wl->program,
		.naxes = pt->naxes, .axes = pt->axes, .clients = pt->clients,
		.params = pt->params, .metrics = pt->metrics, .argv = pt->argv, .argc = pt->argc,
		.status = s->status, .reason = s->reason, .seq = s->seq, .wall_sec = s->wall,
		.invocations = s->invocations });
}

/*
 * A full disk must not leave meta.json saying "running": the run keeps a
 * reserve file of twice meta.json's size (64 KiB at least) from its start,
 * and gives the space back just before it writes its final status.
 */
#define RESERVE_MIN (64 << 10)

static void reserve_path(const struct runner *R, char *buf, size_t n)
{
	in_dir(buf, n, R->dir, ".reserve");
}

static void reserve_space(struct runner *R)
{
	char path[PATH_MAX], *text = json_dumps(R->meta, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
	off_t len = text ? (off_t)strlen(text) * 2 : 0;
	int fd;

	free(text);
	if (len < RESERVE_MIN)
		len = RESERVE_MIN;
	reserve_path(R, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;		/* best effort: the run is no worse than without */
	if (posix_fallocate(fd, 0, len))
		(void)unlink(path);
	close(fd);
}

static int write_meta(struct runner *R, const char *status)
{
	char path[PATH_MAX], now[32];

	json_object_set_new(R->meta, "status", json_string(status));
	if (strcmp(status, "running")) {
		sysinfo_now(now, sizeof(now));
		json_object_set_new(R->meta, "end", json_string(now));
		reserve_path(R, path, sizeof(path));
		(void)unlink(path);
	}
	in_dir(path, sizeof(path), R->dir, "meta.json");
	return write_json(path, R->meta);
}

/* ---- progress --------------------------------------------------------------- */

/*
 * The lines the running invocation has written so far, and the last one
 * (its newest iteration, for the headline): NULL when there is none.
 */
static long count_lines(const char *path, char **last)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	long n = 0;

	*last = NULL;
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0 && strchr(line, '\n')) {
		n++;
		free(*last);
		*last = xstrdup(line);
	}
	free(line);
	fclose(f);
	return n;
}

/* The headline of one iteration's line: "faults/sec 1.02M"; 0, or -1. */
static int line_headline(const char *name, json_t *j, char *buf, size_t n)
{
	json_t *val = json_object_get(json_object_get(j, "metrics"), name);
	char v[32];

	if (json_is_true(json_object_get(j, "warmup")) || !json_is_number(val))
		return -1;
	fmt_si(json_number_value(val), 3, v, sizeof(v));
	snprintf(buf, n, "%s %s", name, v);
	return 0;
}

/*
 * The point's headline metric at its newest measured iteration: the
 * running invocation's last line, else the last sample kept.
 */
static void last_headline(const struct plan_point *pt, const struct pstate *s, const char *last,
			  char *buf, size_t n)
{
	const char *name = json_string_value(json_object_get(json_array_get(pt->metrics, 0), "name"));
	json_t *j = last ? json_loads(last, 0, NULL) : NULL;
	int rc = -1;

	buf[0] = 0;
	if (!name)
		goto out;
	if (j && !line_headline(name, j, buf, n))
		goto out;
	for (size_t i = json_array_size(s->samples); rc && i-- > 0;)
		rc = line_headline(name, json_array_get(s->samples, i), buf, n);
out:
	json_decref(j);
}

/*
 * The precision the point has reached so far: its headline over what it
 * would summarise now (point_metrics: no warm-up, no pilot once the pilot
 * is done, valid lines), the running invocation's lines included.  NAN
 * before 2 samples.
 */
static double live_precision(const struct runner *R, const struct plan_point *pt)
{
	struct pstate tmp = R->ps[R->cur];
	json_t *all = json_copy(tmp.samples);
	char *text = R->cur_out ? read_text(R->cur_out, NULL) : NULL;
	struct point p = { 0 };
	const char *why;
	double rel = NAN;
	size_t used;

	if (!all)
		return NAN;
	if (text)
		run_read_lines(text, all, &used);
	tmp.samples = all;
	point_metrics(pt, &tmp, &p, &why);
	if (p.nmetrics) {
		struct stats st;

		stats_compute_agg(p.metrics[0].values, p.metrics[0].n, p.metrics[0].dir,
				  p.metrics[0].agg, &st);
		rel = stats_ci_rel(&st, STATS_CI_LEVEL);
	}
	metrics_free(&p);
	json_decref(all);
	free(text);
	return rel;
}

/* The live line on a terminal (progress.c draws it): called on exec's ticks. */
static void progress(void *arg)
{
	struct runner *R = arg;
	const struct plan_point *pt = &R->plan.pts[R->cur];
	char *last = NULL;
	long now_lines = R->tty && R->cur_out ? count_lines(R->cur_out, &last) : 0;
	double el = mono() - R->t0;
	struct winsize ws = { 0 };
	char line[512], head[64];
	struct progress p = {
		.point = R->cur + 1, .npoints = R->plan.npoints, .id = pt->id, .group = pt->group,
		.clients = pt->clients, .warmup = R->cfg.warmup, .iterations = R->cfg.iterations,
		.done = R->iters_done + now_lines, .total = R->iters_total, .elapsed = el,
	};

	if (!R->tty)
		goto out;
	/* no workload declares a duration, so the pace starts with the first line */
	p.eta = progress_eta(el, p.done, p.total, NAN);
	/* adaptive: the pilot, then the pilot and the estimate it made */
	if (R->cfg.precision > 0)
		p.iterations = R->ps[R->cur].pilot ? R->ps[R->cur].pilot + R->ps[R->cur].adaptive_n :
			       R->cfg.min_iterations;
	p.iteration = (int)json_array_size(R->ps[R->cur].samples) + (int)now_lines + 1;
	if (p.iteration > p.warmup + p.iterations)
		p.iteration = p.warmup + p.iterations;
	last_headline(pt, &R->ps[R->cur], last, head, sizeof(head));
	p.headline = head[0] ? head : NULL;
	p.precision = live_precision(R, pt);
	p.target = R->cfg.precision;
	if (ioctl(2, TIOCGWINSZ, &ws) == 0)
		p.width = ws.ws_col;
	progress_format(&p, line, sizeof(line));
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
out:
	free(last);
}

static void log_point(struct runner *R, int i)
{
	const struct plan_point *pt = &R->plan.pts[i];
	struct pstate *s = &R->ps[i];
	struct point p = { 0 };
	const char *why;
	char line[512];

	point_metrics(pt, s, &p, &why);
	snprintf(line, sizeof(line), "%s [%d/%d] %s clients=%d: %s", pt->id, i + 1,
		 R->plan.npoints, pt->group, pt->clients, s->status);
	if (p.nmetrics) {
		const struct metric *m = &p.metrics[0];
		struct stats st;

		stats_compute_agg(m->values, m->n, m->dir, m->agg, &st);
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 ", %d iterations, %s %s %.1f", m->n, stats_headline_name(m->agg),
			 m->name, stats_headline(&st));
	}
	if (p.nmetrics) {
		json_t *d = point_disturbed(s);
		json_int_t k = json_integer_value(json_object_get(d, "iterations"));

		if (k)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), ", %lld of %lld disturbed",
				 (long long)k, (long long)json_integer_value(json_object_get(d, "of")));
		json_decref(d);
	}
	if (s->reason[0])
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " (%s)", s->reason);
	snprintf(line + strlen(line), sizeof(line) - strlen(line), " in %.1f s", s->wall);
	if (R->tty)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "%s: %s\n", progname, line);
	metrics_free(&p);
}

/* ---- running ----------------------------------------------------------------- */

/* The last line the workload printed on stderr, to say why it failed. */
static void last_stderr_line(const char *dir, char *buf, size_t n)
{
	char path[PATH_MAX], *text, *end, *start;

	buf[0] = 0;
	in_dir(path, sizeof(path), dir, "stderr.log");
	text = read_text(path, NULL);
	if (!text)
		return;
	end = text + strlen(text);
	while (end > text && end[-1] == '\n')
		*--end = 0;
	start = strrchr(text, '\n');
	snprintf(buf, n, "%s", start ? start + 1 : text);
	free(text);
}

/* The workload's group exists: recorded for this run (runstate) and for
 * the machine (machstate's journal), so that whatever outlives a killed
 * runner is reaped by the next command. */
static void workload_started(pid_t pgid, void *arg)
{
	struct runner *R = arg;
	const struct plan_point *pt = &R->plan.pts[R->cur];
	char what[200];

	R->pgid = pgid;
	snprintf(what, sizeof(what), "%s %s of %.120s", pt->wl->program, pt->id, R->dir);
	(void)runstate_workload(R->dir, pgid);
	(void)machstate_hold_group(pgid, what);
}

static void workload_ended(struct runner *R)
{
	if (!R->pgid)
		return;
	machstate_release_group(R->pgid);
	(void)runstate_workload(R->dir, 0);
	R->pgid = 0;
}

/*
 * One workload process for point i: iters measured iterations after warm
 * warm-ups.  Returns 0 when it ran (the point may now be failed), EXIT_INTR
 * when interrupted, or another EXIT_* when the runner itself failed.
 */
static int invoke(struct runner *R, int i, int iters, int warm)
{
	const struct plan_point *pt = &R->plan.pts[i];
	struct pstate *s = &R->ps[i];
	char path[PATH_MAX], out[PATH_MAX], err[PATH_MAX], ni[16], nw[16];
	char **argv, **run_argv, *text;
	void *state[ncollectors];
	struct collect_inv ci;
	struct exec_result res;
	struct exec_req rq;
	int argc = 0, lines, rc;

	argv = calloc((size_t)pt->argc + 6, sizeof(char *));
	snprintf(path, sizeof(path), "%s/%s", R->cfg.env.bindir, pt->wl->program);
	argv[argc++] = path;
	for (int a = 1; a < pt->argc; a++)
		argv[argc++] = pt->argv[a];
	snprintf(ni, sizeof(ni), "%d", iters);
	snprintf(nw, sizeof(nw), "%d", warm);
	argv[argc++] = "--iterations";
	argv[argc++] = ni;
	argv[argc++] = "--warmup";
	argv[argc++] = nw;
	argv[argc] = NULL;

	ci = (struct collect_inv){ .run = &R->col, .pt = pt, .dir = s->dir, .pj = s->pj,
				   .samples = s->samples, .invocation = s->invocations };
	rc = collect_before(&ci, state);
	if (rc) {
		free(argv);
		return rc;
	}
	run_argv = collect_wrap(&ci, argv);

	in_dir(out, sizeof(out), s->dir, ".stdout");
	in_dir(err, sizeof(err), s->dir, "stderr.log");
	if (!s->invocations) {
		json_t *cmd = json_array();

		for (int a = 0; run_argv[a]; a++)
			json_array_append_new(cmd, json_string(run_argv[a]));
		json_object_set_new(s->pj, "command", cmd);
	}
	rq = (struct exec_req){ .argv = run_argv, .out_path = out, .err_path = err,
				.watchdog = R->cfg.watchdog, .no_aslr = R->no_aslr,
				.stop = &stop_requested, .stops = &stop_count, .grace = R->grace,
				.started = workload_started, .tick = progress, .tick_arg = R };
	R->cur = i;
	R->cur_out = out;
	progress(R);
	rc = exec_workload(&rq, &res);
	workload_ended(R);
	R->cur_out = NULL;
	collect_unwrap(&ci);
	free(argv);
	if (rc) {
		collect_after(&ci, state);
		return rc;
	}
	s->invocations++;
	s->wall += res.wall;

	text = read_text(out, NULL);
	unlink(out);
	lines = ps_append(R, s, text ? text : "");
	free(text);
	R->iters_done += lines;
	collect_after(&ci, state);
	if (res.interrupted && !res.timed_out)
		return EXIT_INTR;
	if (res.code || res.sig) {
		char last[200];

		last_stderr_line(s->dir, last, sizeof(last));
		s->status = "failed";
		snprintf(s->reason, sizeof(s->reason), "%s", res.reason);
		/* the last stderr line, cut to fit (stderr.log keeps it whole) */
		if (last[0] && !res.timed_out) {
			size_t l = strlen(s->reason);

			snprintf(s->reason + l, sizeof(s->reason) - l, ": %.*s",
				 (int)(sizeof(s->reason) - l), last);
		}
	} else if (lines < iters + warm) {
		s->status = "failed";
		snprintf(s->reason, sizeof(s->reason), "printed %d of %d iterations", lines,
			 iters + warm);
	}
	return 0;
}

/* A point ran all its invocations: ok, or invalid without one usable
 * iteration (failed was decided by invoke). */
static void conclude(struct runner *R, int i)
{
	struct pstate *s = &R->ps[i];
	struct point p = { 0 };
	const char *why;

	if (!strcmp(s->status, "pending")) {
		point_metrics(&R->plan.pts[i], s, &p, &why);
		if (p.nmetrics) {
			s->status = "ok";
		} else {
			s->status = "invalid";
			snprintf(s->reason, sizeof(s->reason), "no valid iteration%s%s",
				 why ? ": " : "", why ? why : "");
		}
		metrics_free(&p);
	}
	R->points_done++;
}

/*
 * iters measured iterations of the points idx[0..n): a lone point in one
 * invocation, an interleave set iteration by iteration (A B A B ...).  An
 * interleaved set is saved after every invocation, so a kill loses at most
 * the iteration in flight; skip[k] (NULL: none) are the iterations point k
 * already has from before a resume.
 */
static int run_rounds(struct runner *R, const int *idx, int n, int iters, int warm,
		      const int *skip)
{
	int rc = 0;

	if (n == 1)
		return invoke(R, idx[0], iters, warm);
	for (int it = 0; it < iters && !rc; it++) {
		for (int k = 0; k < n && !rc; k++) {
			if (finished(&R->ps[idx[k]]))
				continue;	/* failed earlier: the others go on */
			if (skip && skip[k] > it)
				continue;	/* this iteration ran before a resume */
			rc = invoke(R, idx[k], 1, it ? 0 : warm);
			if (rc && rc != EXIT_INTR)
				break;
			/* saved as it goes: pending until the set ends */
			if (write_point(R, idx[k]) && !rc)
				rc = EXIT_FAIL;
			if (!rc && stop_requested)
				rc = EXIT_INTR;
		}
	}
	return rc;
}

/* The headline metric of point i (its first declared), summarised. */
static int point_headline(struct runner *R, int i, struct stats *st, char *name, size_t nn)
{
	struct point p = { 0 };
	const char *why;

	point_metrics(&R->plan.pts[i], &R->ps[i], &p, &why);
	if (!p.nmetrics) {
		metrics_free(&p);
		return -1;
	}
	stats_compute_agg(p.metrics[0].values, p.metrics[0].n, p.metrics[0].dir, p.metrics[0].agg, st);
	snprintf(name, nn, "%s", p.metrics[0].name);
	metrics_free(&p);
	return 0;
}

/* point.json's (and summary.json's extra) precision: what the point
 * reached on its headline metric, how many samples it kept and why it
 * stopped ("fixed" without a target). */
static void record_precision(struct runner *R, int i, enum stats_stop why, bool capped)
{
	struct pstate *s = &R->ps[i];
	struct stats st;
	char name[128];
	double rel;

	if (finished(s) || point_headline(R, i, &st, name, sizeof(name)))
		return;
	rel = stats_ci_rel(&st, STATS_CI_LEVEL);
	if (R->cfg.precision > 0)
		why = stats_adaptive_stop(rel, R->cfg.precision, capped);
	json_object_set_new(s->pj, "precision", json_pack("{s:o, s:o, s:s, s:i, s:i, s:s}",
		"target", R->cfg.precision > 0 ? json_real(R->cfg.precision) : json_null(),
		"reached", isnan(rel) ? json_null() : json_real(rel), "metric", name,
		"iterations", st.n, "pilot", s->pilot, "stop", stats_stop_name(why)));
}

/*
 * Adaptive iterations (stats.h): a pilot of min_iterations, then the
 * estimated count from the pilot's spread, the pilot left out of the
 * summary.  An interleave set stays paired: every point runs the largest
 * estimate of the set, A B A B, so its toggles still alternate.
 */
static int run_adaptive(struct runner *R, const int *idx, int n, bool *capped)
{
	int rc, need = 0;

	rc = run_rounds(R, idx, n, R->cfg.min_iterations, R->cfg.warmup, NULL);
	if (rc)
		return rc;
	*capped = false;
	for (int k = 0; k < n; k++) {
		struct pstate *s = &R->ps[idx[k]];
		struct stats st;
		char name[128];
		size_t j;
		json_t *l;
		bool cap;
		int m;

		if (finished(s) || point_headline(R, idx[k], &st, name, sizeof(name)))
			continue;
		m = stats_adaptive_n(&st, R->cfg.precision, R->cfg.max_iterations, &cap);
		need = m > need ? m : need;
		*capped |= cap;
		s->pilot = 0;
		json_array_foreach(s->samples, j, l)
			s->pilot += !json_is_true(json_object_get(l, "warmup"));
	}
	for (int k = 0; k < n; k++) {
		R->ps[idx[k]].adaptive_n = need;	/* what the live line counts to */
		/* the plan guessed min_iterations after the pilot: now it is known */
		R->iters_total += need - R->cfg.min_iterations;
	}
	return need ? run_rounds(R, idx, n, need, 0, NULL) : 0;
}

/* Points of the set of point i (interleaved when more than one). */
static int set_size(const struct runner *R, int set)
{
	int n = 0;

	for (int i = 0; i < R->plan.npoints; i++)
		n += R->plan.pts[i].set == set;
	return n;
}

/* Lines of a point that were warm-ups, and measured ones. */
static void lines_done(const struct pstate *s, int *warm, int *measured)
{
	size_t i;
	json_t *j;

	*warm = *measured = 0;
	json_array_foreach(s->samples, i, j) {
		if (json_is_true(json_object_get(j, "warmup")))
			(*warm)++;
		else
			(*measured)++;
	}
}

/*
 * Run one interleave set: fixed iterations, or adaptive ones.  A resumed
 * interleaved set with fixed iterations goes on from the iterations its
 * points already have; an adaptive one starts again (its pilot decides).
 */
static int run_set(struct runner *R, int set)
{
	int idx[R->plan.npoints], n = 0, rc = 0;
	int iters = R->cfg.iterations, warm = R->cfg.warmup;
	bool capped = false;

	for (int i = 0; i < R->plan.npoints; i++)
		if (R->plan.pts[i].set == set)
			idx[n++] = i;
	for (int k = 0; k < n; k++) {
		struct pstate *s = &R->ps[idx[k]];
		char p[PATH_MAX];

		if (n > 1 && s->invocations && R->cfg.precision <= 0)
			continue;	/* resumed: keep what it measured */
		ps_reset(s);
		json_decref(s->pj);
		s->pj = json_object();
		/* a fresh stderr.log per attempt */
		in_dir(p, sizeof(p), s->dir, "stderr.log");
		unlink(p);
	}
	if (R->cfg.precision > 0) {
		rc = run_adaptive(R, idx, n, &capped);
	} else {
		int skip[n], w;

		for (int k = 0; k < n; k++)
			lines_done(&R->ps[idx[k]], &w, &skip[k]);
		rc = run_rounds(R, idx, n, iters, warm, skip);
	}
	for (int k = 0; k < n && !rc; k++)
		record_precision(R, idx[k], STOP_NOT, capped);
	if (rc) {
		/* interrupted or broken: a lone point is rerun whole; an
		 * interleaved set keeps what it measured (--resume goes on) */
		for (int k = 0; k < n; k++) {
			if (n > 1 && finished(&R->ps[idx[k]]))
				continue;
			R->ps[idx[k]].status = "pending";
			write_point(R, idx[k]);
		}
		return rc;
	}
	for (int k = 0; k < n; k++) {
		conclude(R, idx[k]);
		rc = write_point(R, idx[k]);
		if (rc)
			return rc;
		log_point(R, idx[k]);
	}
	return write_summary(R);
}

/* ---- setting up ----------------------------------------------------------------- */

static int load_env(struct cfg_env *env, const char *synthetic)
{
	hwloc_topology_t topo = placement_topology(synthetic);

	if (!topo)
		return synthetic ? EXIT_USAGE : EXIT_FAIL;
	env->ncpus = placement_ncpus(topo);
	hwloc_topology_destroy(topo);
	env->memtotal = mem_total_bytes();
	env->bindir = cfg_default_bindir();
	return 0;
}

/* The history db a config names ([run] db), for commands that open the
 * store before the run (nightly).  *db is "" when it names none. */
/* A [run] path of a config: db or calibration ("" when it names none). */
static int config_path(const char *config, bool calibration, char *out, size_t n)
{
	struct cfg_env env = { 0 };
	struct config c = { 0 };
	const char *v;
	int rc = load_env(&env, NULL);

	if (!rc)
		rc = config_load(config, &env, &c);
	if (rc) {
		config_free(&c);	/* a failed load keeps what it set (its path) */
		return rc;
	}
	v = calibration ? c.calibration : c.db;
	snprintf(out, n, "%s", v ? v : "");
	config_free(&c);
	return 0;
}

int run_config_db(const char *config, char *db, size_t n)
{
	return config_path(config, false, db, n);
}

int run_config_calibration(const char *config, char *cal, size_t n)
{
	return config_path(config, true, cal, n);
}

static bool label_ok(const char *l)
{
	return *l && *l != '.' && !strchr(l, '/') && strlen(l) < 128;
}

/* A resumed run is one run: its points measured on one machine and kernel.
 * The first field that differs is named; --force accepts the mix. */
static int same_machine(struct runner *R, json_t *old)
{
	static const struct { const char *path, *what; } fields[] = {
		{ "kernel.release", "kernel" }, { "hostname", "host" },
		{ "cpu.model_name", "CPU" },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *was = meta_str(old, fields[i].path), *now = meta_str(R->meta, fields[i].path);

		if (was && now && strcmp(was, now)) {
			errmsg(0, "%s: cannot resume: the %s changed (%s '%s', now '%s'): its points would "
			       "mix two machines; --force resumes anyway", R->dir, fields[i].what,
			       fields[i].path, was, now);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Resume: the finished points of an existing directory. */
static int load_existing(struct runner *R)
{
	char path[PATH_MAX];
	json_t *meta, *set;
	json_error_t jerr;
	const char *hash;
	int rc;

	in_dir(path, sizeof(path), R->dir, "meta.json");
	meta = json_load_file(path, 0, &jerr);
	if (!meta) {
		errmsg(0, "%s: cannot resume: %s", path, jerr.text);
		return EXIT_USAGE;
	}
	hash = json_string_value(json_object_get(json_object_get(meta, "config"), "hash"));
	if (!hash || strcmp(hash, R->cfg.hash)) {
		errmsg(0, "%s: cannot resume: the config changed since this run started "
		       "(hash %s, now %s)", R->dir, hash ? hash : "none", R->cfg.hash);
		json_decref(meta);
		return EXIT_USAGE;
	}
	if (!R->rq->force && (rc = same_machine(R, meta))) {
		json_decref(meta);
		return rc;
	}
	set = json_object_get(meta, "settings");
	if (!R->rq->iterations && json_integer_value(json_object_get(set, "iterations")) > 0)
		R->cfg.iterations = (int)json_integer_value(json_object_get(set, "iterations"));
	if (!R->rq->warmup_given && json_is_integer(json_object_get(set, "warmup")))
		R->cfg.warmup = (int)json_integer_value(json_object_get(set, "warmup"));
	/* keep the original start time and machine record */
	json_object_set(R->meta, "start", json_object_get(meta, "start"));
	json_object_set_new(R->meta, "resumed", json_integer(
		json_integer_value(json_object_get(meta, "resumed")) + 1));
	if (R->rq->force)
		json_object_set_new(R->meta, "resumed_forced", json_true());
	json_decref(meta);

	for (int i = 0; i < R->plan.npoints; i++) {
		struct pstate *s = &R->ps[i];
		json_t *pj, *seq, *v;
		const char *st;
		bool partial;
		char *text;
		size_t k;

		pj = pointfile_load(s->dir);
		st = json_string_value(json_object_get(pj, "status"));
		partial = st && !strcmp(st, "pending") && set_size(R, R->plan.pts[i].set) > 1 &&
			  json_integer_value(json_object_get(pj, "invocations")) > 0;
		if (!pj || !st || (!strcmp(st, "pending") && !partial)) {
			json_decref(pj);
			continue;
		}
		in_dir(path, sizeof(path), s->dir, "samples.jsonl");
		text = read_text(path, NULL);
		ps_append(R, s, text ? text : "");
		free(text);
		/* keep the sequence numbers the lines had when they ran */
		seq = json_object_get(pj, "seq");
		json_array_clear(s->seq);
		json_array_foreach(seq, k, v) {
			json_array_append(s->seq, v);
			if (json_integer_value(v) >= R->seq)
				R->seq = (long)json_integer_value(v) + 1;
		}
		/* killed between samples.jsonl and point.json: the line point.json
		 * never recorded is the iteration that was in flight */
		if (partial)
			ps_truncate(s, json_array_size(s->seq));
		json_decref(s->pj);
		s->pj = pj;
		s->wall = json_number_value(json_object_get(pj, "wall_sec"));
		s->invocations = (int)json_integer_value(json_object_get(pj, "invocations"));
		s->pilot = (int)json_integer_value(json_object_get(json_object_get(pj, "precision"),
								   "pilot"));
		if (partial)
			continue;	/* an interleaved set's iterations so far */
		s->status = !strcmp(st, "ok") ? "ok" : !strcmp(st, "failed") ? "failed" : "invalid";
		snprintf(s->reason, sizeof(s->reason), "%s",
			 json_string_value(json_object_get(pj, "reason")) ?: "");
		R->points_done++;
	}
	return 0;
}

static json_t *build_meta(struct runner *R, const char *label, json_t *state)
{
	char now[32];
	json_t *m = sysinfo_collect(R->unavailable);

	sysinfo_now(now, sizeof(now));
	meta_stamp(m);
	json_object_set_new(m, "label", json_string(label));
	json_object_set_new(m, "start", json_string(now));
	json_object_set_new(m, "status", json_string("running"));
	json_object_set_new(m, "config", json_pack("{s:s, s:s, s:s}", "path", R->cfg.path,
						   "text", R->cfg.text, "hash", R->cfg.hash));
	if (R->cfg.nsets) {
		json_t *sets = json_array();

		for (int i = 0; i < R->cfg.nsets; i++)
			json_array_append_new(sets, json_string(R->cfg.sets[i]));
		json_object_set_new(json_object_get(m, "config"), "set", sets);
	}
	json_object_set_new(m, "plan", plan_json(&R->plan));
	json_object_set_new(m, "settings", json_pack("{s:i, s:i, s:f, s:s, s:s, s:s, s:s}",
		"iterations", R->cfg.iterations, "warmup", R->cfg.warmup,
		"watchdog", R->cfg.watchdog, "thp", cfg_thp_names[R->cfg.thp],
		"aslr", cfg_aslr_names[R->cfg.aslr], "perf", cfg_perf_names[R->cfg.perf],
		"bindir", R->cfg.env.bindir));
	if (R->cfg.precision > 0) {
		json_t *set = json_object_get(m, "settings");

		json_object_set_new(set, "precision", json_real(R->cfg.precision));
		json_object_set_new(set, "min_iterations", json_integer(R->cfg.min_iterations));
		json_object_set_new(set, "max_iterations", json_integer(R->cfg.max_iterations));
	}
	json_object_set_new(m, "applied", json_incref(state));
	if (R->cfg.perf != PERF_OFF)
		json_object_set_new(m, "perf", perf_probe());
	json_object_set(m, "unavailable", R->unavailable);
	return m;
}

/* Results are never overwritten: checked before the machine is touched. */
static int check_dir(struct runner *R, const char *results, const char *label, bool *exists)
{
	struct stat st;

	if ((size_t)snprintf(R->dir, sizeof(R->dir), "%s/%s", results, label) >= sizeof(R->dir)) {
		errmsg(ENAMETOOLONG, "%s/%s", results, label);
		return EXIT_USAGE;
	}
	*exists = !stat(R->dir, &st);
	if (*exists && !R->rq->resume) {
		errmsg(0, "%s already exists: results are never overwritten (choose another "
		       "--label, or --resume to continue it)", R->dir);
		return EXIT_USAGE;
	}
	return 0;
}

static int prepare_dir(struct runner *R, const char *results)
{
	if (mkdir_p(results)) {
		errmsg(errno, "%s", results);
		return EXIT_FAIL;
	}
	for (int i = 0; i < R->plan.npoints; i++) {
		char sub[32];

		snprintf(sub, sizeof(sub), "points/%s", R->plan.pts[i].id);
		in_dir(R->ps[i].dir, sizeof(R->ps[i].dir), R->dir, sub);
		if (mkdir_p(R->ps[i].dir)) {
			errmsg(errno, "%s", R->ps[i].dir);
			return EXIT_FAIL;
		}
	}
	return 0;
}

/*
 * One run at a time per machine: two sweeps at once measure each other,
 * and the second would see the first's THP/ASLR settings as the machine's
 * own and "restore" them wrongly.  A second run waits (and says so).  The
 * fd stays open, and locked, until the process exits; a process that runs
 * again (calibrate: N runs) holds it already: a second open would be
 * another open file description, and its flock would wait on our own.
 */
static int machine_lock(void)
{
	static bool held;
	const char *dir = getenv("MMSCALE_STATE_DIR");
	char path[PATH_MAX];
	int fd;

	if (held)
		return 0;
	snprintf(path, sizeof(path), "%s/mmscale-run.lock", dir && *dir ? dir : "/tmp");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
	if (fd < 0) {
		errmsg(errno, "%s: running without the one-run-per-machine lock", path);
		return 0;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB)) {
		held = true;
		return 0;
	}
	fprintf(stderr, "%s: another mmscale run holds %s: waiting for it to finish\n",
		progname, path);
	while (flock(fd, LOCK_EX))
		if (errno != EINTR || stop_requested)
			return EXIT_INTR;
	held = true;
	return 0;
}

static int prefetch_check(struct runner *R)
{
	char why[256];

	for (int i = 0; i < R->plan.npoints; i++) {
		if (R->plan.pts[i].prefetch < 0)
			continue;
		if (prefetch_probe(PF_ADJACENT, why, sizeof(why))) {
			errmsg(0, "%s: prefetch axis: %s%s", R->cfg.path,
			       strncmp(why, "unavailable", 11) && strncmp(why, "unsupported", 11) ?
			       "unavailable: " : "", why);
			return EXIT_UNSUPP;
		}
		/* before anything is written: the run would fail at its first
		 * prefetch point, with the results directory already made */
		if (prefetch_journal_usable()) {
			errmsg(0, "%s: prefetch axis: the prefetch journal cannot be read (see the warning); nothing was run",
			       R->cfg.path);
			return EXIT_FAIL;
		}
		return 0;
	}
	return 0;
}

int run_config(const struct run_request *rq, char *outdir, size_t n)
{
	struct runner R = { .rq = rq };
	struct cfg_env env = { 0 };
	struct utsname u;
	const char *label = rq->label, *db;
	json_t *state = json_object();
	bool exists = false, stopped = false, handlers = false, began = false;
	int rc;

	stop_requested = stop_count = 0;
	R.unavailable = json_object();
	if ((rc = stop_grace(&R.grace)) || (rc = load_env(&env, NULL)) ||
	    (rc = config_load_set(rq->config, &env, rq->sets, rq->nsets, &R.cfg)))
		goto out;
	if (rq->iterations > 0) {
		R.cfg.iterations = rq->iterations;
		R.cfg.precision = 0;	/* an explicit count: fixed iterations */
	}
	if (rq->warmup_given)
		R.cfg.warmup = rq->warmup;
	if ((rc = plan_build(&R.cfg, &R.plan)))
		goto out;
	if (!label) {
		uname(&u);
		label = u.release;
	}
	if (!label_ok(label)) {
		errmsg(0, "--label '%s': not a usable directory name", label);
		rc = EXIT_USAGE;
		goto out;
	}
	R.ps = calloc((size_t)R.plan.npoints, sizeof(*R.ps));
	for (int i = 0; i < R.plan.npoints; i++) {
		ps_reset(&R.ps[i]);
		R.ps[i].pj = json_object();
	}
	if ((rc = check_dir(&R, rq->results ? rq->results : "results", label, &exists)) ||
	    (rc = prefetch_check(&R)))
		goto out;
	/* from here on a signal only sets stop_requested (machstate owns the
	 * signals; THP, ASLR and prefetch register their restores with it):
	 * whatever we change on the machine is put back before we exit */
	machstate_signals(on_stop);
	handlers = true;
	if ((rc = machine_lock()))
		goto out;
	/* a killed runner's workload may still run: never beside this one */
	if (exists && (rc = runstate_reap(R.dir)))
		goto out;
	/* before anything is written: a THP mode the config requires but
	 * this machine cannot set fails the run with nothing left behind */
	if ((rc = sysstate_apply(&R.cfg, state, R.unavailable, &R.no_aslr)))
		goto out;
	if ((rc = prepare_dir(&R, rq->results ? rq->results : "results")))
		goto out;
	began = !runstate_begin(R.dir);
	R.col = (struct collect_run){ .cfg = &R.cfg, .perf = {
		.stat = R.cfg.perf == PERF_STAT, .record = R.cfg.perf == PERF_RECORD,
		.c2c = R.cfg.perf == PERF_C2C } };
	R.meta = build_meta(&R, label, state);
	if (exists && (rc = load_existing(&R)))
		goto out;
	{
		char path[PATH_MAX];

		in_dir(path, sizeof(path), R.dir, "config.conf");
		if ((rc = write_atomic(path, R.cfg.text, strlen(R.cfg.text))) ||
		    (rc = write_meta(&R, "running")) || (rc = write_summary(&R)))
			goto out;
		reserve_space(&R);
	}

	R.tty = isatty(2);
	R.t0 = mono();
	for (int i = 0; i < R.plan.npoints; i++)
		if (!finished(&R.ps[i]))
			R.iters_total += R.cfg.warmup + (R.cfg.precision > 0 ?
				2 * R.cfg.min_iterations : R.cfg.iterations) -
				(long)json_array_size(R.ps[i].samples);
	if (R.points_done)
		fprintf(stderr, "%s: resuming %s: %d of %d points already finished\n", progname,
			R.dir, R.points_done, R.plan.npoints);

	/* sets in order of their first point */
	for (int i = 0; i < R.plan.npoints && !stopped; i++) {
		bool first = true, todo = false;

		for (int k = 0; k < i; k++)
			if (R.plan.pts[k].set == R.plan.pts[i].set)
				first = false;
		for (int k = 0; k < R.plan.npoints; k++)
			if (R.plan.pts[k].set == R.plan.pts[i].set && !finished(&R.ps[k]))
				todo = true;
		if (!first || !todo)
			continue;
		if (stop_requested) {
			stopped = true;
			break;
		}
		rc = run_set(&R, R.plan.pts[i].set);
		if (rc == EXIT_INTR || stop_requested)
			stopped = true;
		else if (rc)
			break;
	}
	if (R.tty)
		fprintf(stderr, "\r\033[K");
	collect_end(&R.col);
	machstate_restore();
	if (write_summary(&R) && !rc)
		rc = EXIT_FAIL;
	if (stopped) {
		char sets[1024] = "";

		write_meta(&R, "incomplete");
		/* the --set values are part of the config's hash: resume needs them */
		for (int i = 0; i < R.cfg.nsets; i++)
			snprintf(sets + strlen(sets), sizeof(sets) - strlen(sets), " --set '%s'",
				 R.cfg.sets[i]);
		errmsg(0, "interrupted: %d of %d points finished; `mmscale run %s --label %s%s%s%s "
		       "--resume` continues", R.points_done, R.plan.npoints, rq->config, label,
		       rq->results ? " --results " : "", rq->results ? rq->results : "", sets);
		rc = EXIT_INTR;
		goto out;
	}
	if (rc) {
		write_meta(&R, "incomplete");
		goto out;
	}
	if ((rc = write_meta(&R, "complete")))
		goto out;
	fprintf(stderr, "%s: %s complete: %d points\n", progname, R.dir, R.plan.npoints);
	db = rq->no_import ? NULL : rq->db ? rq->db : R.cfg.db ? R.cfg.db : getenv("MMSCALE_DB");
	if (db && !*db)
		db = NULL;
	if (db)
		rc = history_import(db, R.dir);
out:
	if (began)
		runstate_end(R.dir);
	collect_end(&R.col);
	machstate_restore();
	if (handlers)
		machstate_signals(NULL);
	if (outdir && n)
		snprintf(outdir, n, "%s", R.dir);
	for (int i = 0; R.ps && i < R.plan.npoints; i++)
		ps_free(&R.ps[i]);
	free(R.ps);
	json_decref(R.meta);
	json_decref(R.unavailable);
	json_decref(state);
	plan_free(&R.plan);
	config_free(&R.cfg);
	return rc;
}

/* ---- commands ----------------------------------------------------------------- */

struct run_args {
	const char *label, *results, *db;
	long iterations, warmup;	/* 0 / -1: as the config says */
	bool resume, force;
	struct opt_strv set;
};

#define A(f) OPT_OFF(struct run_args, f)
static const struct opt run_opts[] = {
	{ "label", 'l', OPT_STR, A(label), .arg = "NAME",
	  .help = "the run's name: RESULTS/NAME (default: the kernel release)" },
	{ "iterations", 'i', OPT_INT, A(iterations), .min = 1, .max = 1000000,
	  .help = "measured iterations per point, instead of the config's" },
	{ "warmup", 'w', OPT_INT, A(warmup), .min = 0, .max = 1000000,
	  .help = "warm-up iterations per point, instead of the config's" },
	{ "set", 's', OPT_STRV, A(set), .arg = "SECTION.KEY=VALUE",
	  .help = "override or add a config value: SECTION is run or a workload "
		  "section's NAME, e.g. --set pft.size=1G" },
	{ "results", 'r', OPT_STR, A(results), .arg = "DIR",
	  .help = "where runs go [results]" },
	{ "resume", 0, OPT_BOOL, A(resume),
	  .help = "continue an interrupted run at its unfinished points" },
	{ "force", 0, OPT_BOOL, A(force),
	  .help = "with --resume: resume even on another kernel, host or CPU" },
	{ "db", 'd', OPT_STR, A(db), .arg = "DB",
	  .help = "also store the finished run in this history (an SQLite file or a "
		  "postgresql:// URL; else the config's db =, else $MMSCALE_DB)" },
	{ 0 }
};
#undef A

static const struct cli_exit run_exits[] = {
	{ EXIT_OK, "every point ran" },
	{ EXIT_FAIL, "the run failed (a point failed, or results could not be written)" },
	CLI_EXITS_COMMON,
	{ EXIT_UNSUPP, "the config needs what this machine lacks (unavailable: why)" },
	{ EXIT_INTR, "interrupted: finished points kept, --resume continues" },
	{ -1 }
};

static void run_init(void *opts)
{
	((struct run_args *)opts)->warmup = -1;
}

static int run_main(void *opts, int argc, char **argv)
{
	const struct run_args *a = opts;
	struct run_request rq = {
		.config = argv[0], .label = a->label, .results = a->results, .db = a->db,
		.resume = a->resume, .force = a->force, .iterations = (int)a->iterations,
		.warmup_given = a->warmup >= 0, .warmup = (int)a->warmup,
		.sets = a->set.v, .nsets = a->set.n,
	};
	char dir[PATH_MAX];

	if (a->force && !a->resume) {
		errmsg(0, "run: --force goes with --resume");
		return EXIT_USAGE;
	}
	/* a resumed run keeps the iterations it started with: a new value
	 * would mix two runs in one directory (--force does not change that) */
	if (a->resume && (a->iterations || a->warmup >= 0)) {
		errmsg(0, "run: --resume continues the run as it started: drop --%s (the run's "
		       "own value is in its meta.json)", a->iterations ? "iterations" : "warmup");
		return EXIT_USAGE;
	}
	return run_config(&rq, dir, sizeof(dir));
}

const struct cli_command cli_cmd_run = {
	.name = "run", .operands = "CONFIG", .min_operands = 1, .max_operands = 1,
	.summary = "run a config's plan into a results directory",
	.description =
		"Runs every point of the config's plan into RESULTS/NAME (default\n"
		"results/<kernel release>).  An existing NAME is an error unless --resume,\n"
		"which reruns only the points that did not finish (with the same --set\n"
		"values: they are part of the config's hash).\n",
	.opts = run_opts, .opts_size = sizeof(struct run_args), .init = run_init,
	.exits = run_exits, .main = run_main,
};

struct plan_args {
	const char *topology, *db;
	bool json, pilot;
	struct opt_strv set;
};

#define A(f) OPT_OFF(struct plan_args, f)
static const struct opt plan_opts[] = {
	{ "topology", 't', OPT_STR, A(topology), .arg = "SYNTH",
	  .help = "plan on an hwloc synthetic topology, e.g. \"pack:2 core:14 pu:2\" "
		  "(also MMSCALE_TOPOLOGY)" },
	{ "json", 'j', OPT_BOOL, A(json), .help = "print the plan as JSON" },
	{ "set", 's', OPT_STRV, A(set), .arg = "SECTION.KEY=VALUE",
	  .help = "override or add a config value, as run --set does" },
	{ "db", 'd', OPT_STR, A(db), .arg = "DB",
	  .help = "estimate the time from the newest runs of this config on this machine in "
		  "the history DB (" STORE_DB_HELP ")" },
	{ "pilot", 'p', OPT_BOOL, A(pilot),
	  .help = "estimate the time from a pilot: every point run for 2 iterations, "
		  "no warm-up, into a scratch directory removed after" },
	{ 0 }
};
#undef A

static const struct cli_exit plan_exits[] = {
	{ EXIT_OK, "the plan was printed (with an estimate, or why there is none)" },
	{ EXIT_FAIL, "the plan could not be built, or the pilot failed" },
	CLI_EXITS_COMMON,
	{ EXIT_UNSUPP, "--pilot: the config needs what this machine lacks (unavailable: why)" },
	{ EXIT_INTR, "--pilot interrupted: nothing estimated" },
	{ -1 }
};

static int plan_main(void *opts, int argc, char **argv)
{
	const struct plan_args *a = opts;
	const char *topo = a->topology ? a->topology : getenv("MMSCALE_TOPOLOGY");
	struct cfg_env env = { 0 };
	struct config cfg;
	struct plan plan;
	struct estimate est = { 0 };
	bool json = a->json;
	int rc;

	if (topo && !*topo)
		topo = NULL;
	if (a->pilot && (a->db || topo)) {
		errmsg(0, "plan: --pilot runs here: no --db, no --topology");
		return EXIT_USAGE;
	}
	if ((rc = load_env(&env, topo)))
		return rc;
	if ((rc = config_load_set(argv[0], &env, a->set.v, a->set.n, &cfg))) {
		config_free(&cfg);
		return rc;
	}
	rc = plan_build(&cfg, &plan);
	if (!rc && (a->db || a->pilot)) {
		rc = a->pilot ? estimate_pilot(argv[0], a->set.v, a->set.n, &cfg, &plan, &est) :
		     estimate_history(&cfg, &plan, a->db, &est);
		if (rc)
			plan_free(&plan);
	}
	if (!rc) {
		if (json) {
			json_t *j = plan_json(&plan);

			json_object_set_new(j, "config_hash", json_string(cfg.hash));
			if (a->db || a->pilot)
				json_object_set_new(j, "estimate", estimate_json(&est, &plan));
			json_dumpf(j, stdout, JSON_INDENT(1));
			putchar('\n');
			json_decref(j);
		} else {
			if (cfg.precision > 0)
				printf("# %s: %d points, %d CPUs, precision %g%%: a pilot of %d, then "
				       "as many as it estimates (at most %d) + %d warm-up each\n",
				       cfg.path, plan.npoints, plan.ncpus, cfg.precision * 100,
				       cfg.min_iterations, cfg.max_iterations, cfg.warmup);
			else
				printf("# %s: %d points, %d CPUs, %d iterations + %d warm-up each\n",
				       cfg.path, plan.npoints, plan.ncpus, cfg.iterations, cfg.warmup);
			plan_print(&plan, stdout);
			if (a->db || a->pilot)
				estimate_print(&est, &plan, stdout);
		}
		plan_free(&plan);
	}
	estimate_free(&est);
	config_free(&cfg);
	return rc;
}

const struct cli_command cli_cmd_plan = {
	.name = "plan", .operands = "CONFIG", .min_operands = 1, .max_operands = 1,
	.summary = "print the points a config expands to, nothing run",
	.description =
		"Prints the points of CONFIG's plan.  --db DB estimates how long it runs\n"
		"on this machine from the newest 3 runs of the config (its hash) in the\n"
		"history: per point, its seconds per iteration there times the iterations\n"
		"planned (warm-up included; adaptive points: the pilot and what the\n"
		"history's runs kept, or what their spread says the rule would keep).\n"
		"--pilot runs every point for 2 iterations instead and extrapolates.\n",
	.opts = plan_opts, .opts_size = sizeof(struct plan_args),
	.exits = plan_exits, .main = plan_main,
};
