/*
 * perf.c - wrap a point's workload in perf and read back what it counted.
 *
 * One point can be wrapped in up to four layers, outermost first:
 *
 *   perf c2c record     (--c2c, only where memory-access sampling exists)
 *   perf record -g      (--record: a profile of the point)
 *   perf record         (--stat: mmap_lock and page-fault samples per thread)
 *   perf stat -x,       (--stat: the counters of the workload alone)
 *   the workload
 *
 * perf stat sits innermost so its counters cover the workload and nothing
 * of perf itself.  The per-thread split cannot come from perf stat: perf
 * 6.1 refuses --per-thread for a command it starts, and the inherit_stat
 * per-thread counts of "perf record -s" lose whichever thread holds the
 * original context after the kernel's context-swap optimisation (measured
 * here: one thread in five runs missing, another with a count ten times
 * the total).  Samples carry the tid of the thread that hit the event, so
 * the split is made from samples: every mmap_lock_start_locking (a
 * tracepoint is sampled at period 1 whatever -c says) and every 16th page
 * fault (software event, period 16; the per-thread error is below 16).
 *
 * The workload's JSON lines name the tids: clients_detail[i].tid are the
 * fault clients, "<name>_tids" the auxiliary threads (pft's "noise_tids").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"
#include "perf.h"

#define PERF_FAULT_PERIOD 16

static const char *const sw_events[] = {
	"task-clock", "page-faults", "context-switches", "cpu-migrations", NULL
};
static const char *const hw_events[] = {
	"cycles", "instructions", "cache-misses", "LLC-loads", NULL
};
static const char *const tp_events[] = {
	"mmap_lock:mmap_lock_start_locking", "exceptions:page_fault_user", NULL
};

/* perf's absolute path: the wrapped argv may be started with execv, which
 * does not search PATH.  $MMSCALE_PERF names another binary. */
static const char *perf_bin(void)
{
	static char resolved[PATH_MAX];
	const char *p = getenv("MMSCALE_PERF"), *path = getenv("PATH");

	if (!p || !*p)
		p = "perf";
	if (strchr(p, '/'))
		return p;
	if (*resolved)
		return resolved;
	for (const char *s = path ? path : "/usr/bin:/bin"; *s; ) {
		size_t len = strcspn(s, ":");

		snprintf(resolved, sizeof(resolved), "%.*s/%s", (int)len, len ? s : ".", p);
		if (!access(resolved, X_OK))
			return resolved;
		s += len;
		if (*s)
			s++;
	}
	resolved[0] = '\0';
	return p;
}

/* "unavailable: <why>" as a JSON string: the one spelling of a reason. */
static json_t *unavail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *unavail(const char *fmt, ...)
{
	char *why = NULL;
	json_t *j;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		why = NULL;
	va_end(ap);
	j = json_sprintf("unavailable: %s", why ? why : "(out of memory)");
	free(why);
	return j;
}

/* Run argv with stdout and stderr into buf (NUL-terminated, truncated);
 * returns the exit status, 127 when it could not be started. */
static int capture(char *const argv[], char *buf, size_t n)
{
	int fd[2], status;
	size_t len = 0;
	pid_t pid;

	buf[0] = '\0';
	if (pipe2(fd, O_CLOEXEC))
		return 127;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return 127;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		char tmp[4096];
		ssize_t r = read(fd[0], tmp, sizeof(tmp));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		/* keep reading to the end so the child never blocks on a full pipe */
		for (ssize_t i = 0; i < r && len + 1 < n; i++)
			buf[len++] = tmp[i];
	}
	buf[len] = '\0';
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The first non-empty line of s, trimmed, into out. */
static void first_line(const char *s, char *out, size_t n)
{
	while (*s == '\n' || *s == ' ')
		s++;
	snprintf(out, n, "%.*s", (int)strcspn(s, "\n"), s);
}

/* ---- /proc/vmstat vma_lock_* ------------------------------------------ */

/* {name: value} for every vma_lock_* line; an empty object when none. */
json_t *perf_read_vma_lock_vmstat(void)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char name[128];
	unsigned long long v;
	json_t *o;

	if (!f)
		return NULL;
	o = json_object();
	while (fscanf(f, "%127s %llu", name, &v) == 2)
		if (!strncmp(name, "vma_lock_", 9))
			json_object_set_new(o, name, json_integer((json_int_t)v));
	fclose(f);
	return o;
}

/* ---- building argv --------------------------------------------------- */

struct argvec {
	char **v;
	int n, cap;
	bool oom;
};

static void push(struct argvec *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		int cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, (size_t)cap * sizeof(*v));

		if (!v) {
			a->oom = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strdup(s);
	if (!a->v[a->n])
		a->oom = true;
	else
		a->n++;
	a->v[a->n] = NULL;
}

static void push_path(struct argvec *a, const char *dir, const char *file)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	push(a, p);
}

/* The per-thread sampling layer; the probe runs exactly this on `true`. */
static void push_thread_record(struct argvec *a, const char *dir)
{
	char pf[64];

	snprintf(pf, sizeof(pf), "page-faults/period=%d/", PERF_FAULT_PERIOD);
	push(a, perf_bin());
	push(a, "record");
	push(a, "-q");
	push(a, "-e");
	push(a, "mmap_lock:mmap_lock_start_locking");
	push(a, "-e");
	push(a, pf);
	/* 8 MiB per CPU: a noise thread makes ~100k mmap_lock samples a
	 * second while the clients keep every CPU busy; a small ring
	 * loses samples before perf record gets to run */
	push(a, "-m");
	push(a, "2048");
	push(a, "-o");
	push_path(a, dir, "perf-threads.data");
	push(a, "--");
}

static void argvec_free(struct argvec *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* ---- probing ---------------------------------------------------------- */

static bool vmstat_has_vma_lock(void)
{
	json_t *v = perf_read_vma_lock_vmstat();
	bool any;

	any = v && json_object_size(v) > 0;
	json_decref(v);
	return any;
}

static json_t *probe_events(const char *const ev[], const char *what)
{
	char list[256] = "", out[4096], line[200];
	char *argv[] = { (char *)perf_bin(), "stat", "-x,", "-e", list, "--", "true", NULL };
	int rc;

	for (int i = 0; ev[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? "," : "", ev[i]);
	rc = capture(argv, out, sizeof(out));
	if (rc == 0 && !strstr(out, "<not supported>") && !strstr(out, "<not counted>"))
		return json_string("ok");
	if (strstr(out, "<not supported>"))
		return unavail("%s <not supported> by perf here (no PMU: a virtual "
			       "machine without a virtual PMU?)", what);
	first_line(out, line, sizeof(line));
	if (geteuid())
		return unavail("perf stat -e %s failed: %s (as uid %u: needs root, or "
			       "perf_event_paranoid -1 and a readable tracefs)", what, line,
			       (unsigned)geteuid());
	return unavail("perf stat -e %s failed: %s", what, line);
}

/* The tracepoints count with perf stat; can perf record sample them with
 * the ring perf_wrap asks for (mlock limits bite unprivileged users)? */
static json_t *probe_thread_record(void)
{
	char dir[] = "/tmp/mmscale-rec.XXXXXX", path[64], out[4096], line[200];
	struct argvec a = { 0 };
	int rc;

	if (!mkdtemp(dir))
		return unavail("mkdtemp: %s", strerror(errno));
	push_thread_record(&a, dir);
	push(&a, "true");
	rc = a.oom ? 127 : capture(a.v, out, sizeof(out));
	argvec_free(&a);
	snprintf(path, sizeof(path), "%s/perf-threads.data", dir);
	(void)unlink(path);
	(void)rmdir(dir);
	if (rc == 0)
		return json_string("ok");
	first_line(out, line, sizeof(line));
	return unavail("perf record -m 2048 -e mmap_lock:mmap_lock_start_locking: %s",
		       *line ? line : "failed");
}

static json_t *probe_c2c(void)
{
	char dir[] = "/tmp/mmscale-c2c.XXXXXX", path[64], out[4096], line[200];
	char *argv[] = { (char *)perf_bin(), "c2c", "record", "-o", path, "--", "true", NULL };
	int rc;

	if (!mkdtemp(dir))
		return json_string("unavailable: mkdtemp failed");
	snprintf(path, sizeof(path), "%s/c2c.data", dir);
	rc = capture(argv, out, sizeof(out));
	(void)unlink(path);
	(void)rmdir(dir);
	if (rc == 0)
		return json_string("ok");
	first_line(out, line, sizeof(line));
	return unavail("perf c2c record: %s (needs memory-access "
		       "sampling: Intel PEBS load latency or AMD IBS, absent in most VMs)",
		       *line ? line : "failed");
}

static bool probe_ok(json_t *probe, const char *key)
{
	const char *v = json_string_value(json_object_get(probe, key));

	return v && !strcmp(v, "ok");
}

json_t *perf_probe(void)
{
	static json_t *cached;
	char out[4096], line[200];
	char *argv[] = { (char *)perf_bin(), "--version", NULL };
	json_t *p;

	if (cached)
		return json_incref(cached);
	p = json_object();
	if (capture(argv, out, sizeof(out)) != 0 || strncmp(out, "perf version", 12)) {
		const char *r = "unavailable: perf not found (apt-get install linux-perf)";

		json_object_set_new(p, "perf", json_string(r));
		json_object_set_new(p, "hw_events", json_string(r));
		json_object_set_new(p, "tracepoints", json_string(r));
		json_object_set_new(p, "c2c", json_string(r));
	} else {
		first_line(out, line, sizeof(line));
		json_object_set_new(p, "perf", json_string("ok"));
		json_object_set_new(p, "version", json_string(line + 13));
		json_object_set_new(p, "hw_events", probe_events(hw_events, "hardware events"));
		json_object_set_new(p, "tracepoints", probe_events(tp_events, "tracepoints mmap_lock, page_fault_user"));
		if (probe_ok(p, "tracepoints"))
			json_object_set_new(p, "tracepoints", probe_thread_record());
		json_object_set_new(p, "c2c", probe_c2c());
	}
	if (vmstat_has_vma_lock())
		json_object_set_new(p, "vma_lock_vmstat", json_string("ok"));
	else
		json_object_set_new(p, "vma_lock_vmstat",
				    unavail("no vma_lock_* in /proc/vmstat (kernel built "
					    "without CONFIG_PER_VMA_LOCK_STATS)"));
	cached = p;
	return json_incref(cached);
}


/* ---- wrapping --------------------------------------------------------- */

static void join_events(const char *const ev[], char *list, size_t n)
{
	for (int i = 0; ev[i]; i++)
		snprintf(list + strlen(list), n - strlen(list), "%s%s", *list ? "," : "", ev[i]);
}

char **perf_wrap(const struct perf_req *rq, char **argv, const char *point_dir)
{
	struct argvec a = { 0 };
	json_t *probe;
	bool tp, thread_rec;

	if (!rq || !(rq->stat || rq->record || rq->c2c))
		return argv;
	probe = perf_probe();
	if (!probe_ok(probe, "perf")) {
		json_decref(probe);
		return argv;
	}
	tp = probe_ok(probe, "tracepoints");
	thread_rec = rq->stat && tp;

	if (rq->c2c && probe_ok(probe, "c2c")) {
		push(&a, perf_bin());
		push(&a, "c2c");
		push(&a, "record");
		push(&a, "-o");
		push_path(&a, point_dir, "perf-c2c.data");
		push(&a, "--");
	}
	if (rq->record) {
		/* the default event falls back to cpu-clock without a PMU */
		push(&a, perf_bin());
		push(&a, "record");
		push(&a, "-q");
		push(&a, "-g");
		push(&a, "-F");
		push(&a, "999");
		push(&a, "-o");
		push_path(&a, point_dir, "perf-profile.data");
		push(&a, "--");
	}
	if (thread_rec)
		push_thread_record(&a, point_dir);
	if (rq->stat) {
		char list[512] = "";

		join_events(sw_events, list, sizeof(list));
		if (probe_ok(probe, "hw_events"))
			join_events(hw_events, list, sizeof(list));
		if (tp)
			join_events(tp_events, list, sizeof(list));
		push(&a, perf_bin());
		push(&a, "stat");
		push(&a, "-x,");
		push(&a, "-o");
		push_path(&a, point_dir, "perf-stat.csv");
		push(&a, "-e");
		push(&a, list);
		push(&a, "--");
		if (probe_ok(probe, "vma_lock_vmstat")) {
			char p[PATH_MAX];
			json_t *before = perf_read_vma_lock_vmstat();

			snprintf(p, sizeof(p), "%s/perf-vmstat-before.json", point_dir);
			if (before && json_dump_file(before, p, 0))
				errmsg(errno, "%s", p);
			json_decref(before);
		}
	}
	json_decref(probe);
	for (int i = 0; argv[i]; i++)
		push(&a, argv[i]);
	if (a.oom || !a.v) {
		errmsg(ENOMEM, "perf_wrap");
		argvec_free(&a);
		return argv;
	}
	return a.v;
}

void perf_argv_free(char **wrapped, char **orig)
{
	if (!wrapped || wrapped == orig)
		return;
	for (int i = 0; wrapped[i]; i++)
		free(wrapped[i]);
	free(wrapped);
}

/* ---- parsing ---------------------------------------------------------- */

/*
 * perf stat -x, lines: value,unit,event,run_ns,run_pct,metric,metric_unit.
 * value is "<not supported>" or "<not counted>" when perf could not count.
 * Returns {event: {"value":v,"unit":u,"running_pct":p}} or
 * {event: "unavailable: <not supported>"}.
 */
json_t *perf_parse_stat(FILE *f)
{
	json_t *o = json_object();
	char line[1024];

	while (fgets(line, sizeof(line), f)) {
		char *field[7] = { 0 }, *s = line;
		int nf = 0;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		while (nf < 7) {
			field[nf++] = s;
			s = strchr(s, ',');
			if (!s)
				break;
			*s++ = '\0';
		}
		if (nf < 3 || !*field[2])
			continue;
		/* unprivileged, perf adds ":u" (user space only): keep the event's
		 * name and say what was counted */
		char *mod = strrchr(field[2], ':');
		const char *scope = NULL;

		if (mod && mod[1] && strlen(mod + 1) <= 3 &&
		    strspn(mod + 1, "ukh") == strlen(mod + 1)) {
			scope = !strcmp(mod + 1, "u") ? "user space only" :
				!strcmp(mod + 1, "k") ? "kernel only" : mod + 1;
			*mod = '\0';
		}
		if (field[0][0] == '<') {
			json_object_set_new(o, field[2], unavail("%s", field[0]));
			continue;
		}

		char *end;
		double v = strtod(field[0], &end);

		if (end == field[0])
			continue;
		json_t *e = json_object();

		json_object_set_new(e, "value", json_real(v));
		if (*field[1])
			json_object_set_new(e, "unit", json_string(field[1]));
		if (nf >= 5 && *field[4])
			json_object_set_new(e, "running_pct", json_real(strtod(field[4], NULL)));
		if (scope)
			json_object_set_new(e, "scope", json_string(scope));
		json_object_set_new(o, field[2], e);
	}
	return o;
}

/*
 * perf report --stdio --sort pid -F period,sample,pid: per event a header
 * "# Samples: N of event 'EV'" then lines "PERIOD SAMPLES TID:COMM".
 * Returns {EV: {"TID": {"period":p,"samples":s,"comm":c}}}; event names
 * lose perf's "/period=N/" suffix.
 */
json_t *perf_parse_threads(FILE *f)
{
	json_t *o = json_object(), *cur = NULL;
	char line[1024];

	while (fgets(line, sizeof(line), f)) {
		unsigned long long period, samples;
		char ev[256], comm[128], key[24];
		int tid;

		if (sscanf(line, "# Total Lost Samples: %llu", &samples) == 1) {
			json_object_set_new(o, "lost_samples", json_integer((json_int_t)samples));
			continue;
		}
		if (sscanf(line, "# Samples: %*s of event '%255[^']'", ev) == 1) {
			ev[strcspn(ev, "/")] = '\0';
			cur = json_object_get(o, ev);
			if (!cur) {
				cur = json_object();
				json_object_set_new(o, ev, cur);
			}
			continue;
		}
		if (!cur || line[0] == '#')
			continue;
		comm[0] = '\0';
		if (sscanf(line, " %llu %llu %d:%127s", &period, &samples, &tid, comm) < 3)
			continue;
		snprintf(key, sizeof(key), "%d", tid);
		json_t *t = json_object_get(cur, key);

		if (t) {	/* the same tid twice (a comm change): add up */
			period += json_integer_value(json_object_get(t, "period"));
			samples += json_integer_value(json_object_get(t, "samples"));
		}
		t = json_object();
		json_object_set_new(t, "period", json_integer((json_int_t)period));
		json_object_set_new(t, "samples", json_integer((json_int_t)samples));
		json_object_set_new(t, "comm", json_string(comm));
		json_object_set_new(cur, key, t);
	}
	return o;
}

/* tid (as a string) -> group name, from every JSON line of the point. */
static json_t *tid_groups(json_t *samples)
{
	json_t *g = json_object(), *line;
	size_t i;

	if (json_is_object(samples)) {
		json_t *a = json_array();

		json_array_append(a, samples);
		json_t *r = tid_groups(a);

		json_decref(a);
		json_decref(g);
		return r;
	}
	json_array_foreach(samples, i, line) {
		json_t *c, *v;
		const char *k;
		size_t j;
		char key[24];

		json_array_foreach(json_object_get(line, "clients_detail"), j, c) {
			snprintf(key, sizeof(key), "%lld",
				 (long long)json_integer_value(json_object_get(c, "tid")));
			json_object_set_new(g, key, json_string("clients"));
		}
		json_object_foreach(line, k, v) {
			size_t kl = strlen(k), jj;
			json_t *t;
			char name[64];

			if (kl <= 5 || strcmp(k + kl - 5, "_tids") || !json_is_array(v))
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)(kl - 5), k);
			json_array_foreach(v, jj, t) {
				snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(t));
				json_object_set_new(g, key, json_string(name));
			}
		}
	}
	return g;
}

static json_t *group_of(json_t *groups, const char *name)
{
	json_t *g = json_object_get(groups, name);

	if (!g) {
		g = json_pack("{s:i,s:i,s:i}", "threads", 0, "page_faults", 0, "mmap_lock", 0);
		json_object_set_new(groups, name, g);
	}
	return g;
}

static void group_add(json_t *g, const char *key, json_int_t v)
{
	json_object_set_new(g, key, json_integer(json_integer_value(json_object_get(g, key)) + v));
}

/*
 * Attribute perf_parse_threads() output to the workload's threads:
 * {"clients":{threads,page_faults,mmap_lock,mmap_lock_per_1000_faults},
 *  "noise":{...}, "other":{...} (the workload's own main thread, ...),
 *  "perf":{...} (perf's own processes)}.
 */
json_t *perf_attribute(json_t *threads, json_t *samples)
{
	json_t *tg = tid_groups(samples), *out = json_object(), *seen = json_object();
	static const struct { const char *ev, *key; } evs[] = {
		{ "mmap_lock:mmap_lock_start_locking", "mmap_lock" },
		{ "page-faults", "page_faults" },
	};
	const char *name;
	json_t *g;

	for (size_t e = 0; e < sizeof(evs) / sizeof(evs[0]); e++) {
		json_t *per = json_object_get(threads, evs[e].ev), *t;
		const char *tid;

		json_object_foreach(per, tid, t) {
			const char *grp = json_string_value(json_object_get(tg, tid));
			const char *comm = json_string_value(json_object_get(t, "comm"));
			char seenkey[64];

			if (!grp)
				grp = comm && !strcmp(comm, "perf") ? "perf" : "other";
			g = group_of(out, grp);
			group_add(g, evs[e].key, json_integer_value(json_object_get(t, "period")));
			snprintf(seenkey, sizeof(seenkey), "%s", tid);
			if (!json_object_get(seen, seenkey)) {
				json_object_set_new(seen, seenkey, json_true());
				group_add(g, "threads", 1);
			}
		}
	}
	json_object_foreach(out, name, g) {
		json_int_t pf = json_integer_value(json_object_get(g, "page_faults"));
		json_int_t ml = json_integer_value(json_object_get(g, "mmap_lock"));

		if (pf > 0)
			json_object_set_new(g, "mmap_lock_per_1000_faults",
					    json_real(ml * 1000.0 / (double)pf));
	}
	/* the fault clients are there even when perf saw none of them */
	group_of(out, "clients");
	if (json_integer_value(json_object_get(threads, "lost_samples")) > 0)
		json_object_set(out, "lost_samples", json_object_get(threads, "lost_samples"));
	json_decref(tg);
	json_decref(seen);
	return out;
}

/* ---- collecting ------------------------------------------------------- */

static json_t *collect_stat(const char *dir, json_t *probe)
{
	char p[PATH_MAX];
	FILE *f;
	json_t *c;

	snprintf(p, sizeof(p), "%s/perf-stat.csv", dir);
	f = fopen(p, "r");
	if (!f)
		return unavail("%s: %s", p, strerror(errno));
	c = perf_parse_stat(f);
	fclose(f);
	/* events that were never asked for say why */
	for (int i = 0; hw_events[i]; i++)
		if (!json_object_get(c, hw_events[i]))
			json_object_set(c, hw_events[i], json_object_get(probe, "hw_events"));
	for (int i = 0; tp_events[i]; i++)
		if (!json_object_get(c, tp_events[i]))
			json_object_set(c, tp_events[i], json_object_get(probe, "tracepoints"));
	return c;
}

static json_t *collect_threads(const char *dir, json_t *samples)
{
	char data[PATH_MAX], txt[PATH_MAX];
	char *argv[] = { (char *)perf_bin(), "report", "-i", data, "--stdio", "--sort", "pid",
			 "-F", "period,sample,pid", NULL };
	json_t *threads, *att;
	FILE *f;
	int rc;

	snprintf(data, sizeof(data), "%s/perf-threads.data", dir);
	snprintf(txt, sizeof(txt), "%s/perf-threads.txt", dir);
	if (access(data, R_OK))
		return unavail("%s: %s", data, strerror(errno));
	/* perf report writes straight into the file kept next to the data,
	 * so a user can read what the figures came from */
	f = fopen(txt, "w");
	if (!f)
		return unavail("%s: %s", txt, strerror(errno));
	pid_t pid = fork();

	if (pid == 0) {
		dup2(fileno(f), 1);
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	fclose(f);
	rc = 127;
	if (pid > 0) {
		int st;

		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	}
	if (rc)
		return unavail("perf report -i %s failed (exit %d)", data, rc);
	f = fopen(txt, "r");
	if (!f)
		return unavail("%s: %s", txt, strerror(errno));
	threads = perf_parse_threads(f);
	fclose(f);
	att = perf_attribute(threads, samples);
	json_decref(threads);
	return att;
}

static json_t *collect_vmstat(const char *dir, json_t *probe)
{
	char p[PATH_MAX];
	json_t *before, *after, *d, *v;
	const char *k;

	if (!probe_ok(probe, "vma_lock_vmstat"))
		return json_incref(json_object_get(probe, "vma_lock_vmstat"));
	snprintf(p, sizeof(p), "%s/perf-vmstat-before.json", dir);
	before = json_load_file(p, 0, NULL);
	after = perf_read_vma_lock_vmstat();
	if (!before || !after) {
		json_decref(before);
		json_decref(after);
		return json_string("unavailable: no vma_lock_* snapshot before the point");
	}
	d = json_object();
	json_object_foreach(after, k, v)
		json_object_set_new(d, k, json_integer(json_integer_value(v) -
					json_integer_value(json_object_get(before, k))));
	json_decref(before);
	json_decref(after);
	return d;
}

json_t *perf_collect(const struct perf_req *rq, const char *point_dir, json_t *samples)
{
	json_t *probe, *o, *att;
	char p[PATH_MAX];

	if (!rq || !(rq->stat || rq->record || rq->c2c))
		return NULL;
	probe = perf_probe();
	o = json_object();
	json_object_set(o, "probe", probe);
	if (!probe_ok(probe, "perf")) {
		json_object_set(o, "perf", json_object_get(probe, "perf"));
		json_decref(probe);
		return o;
	}
	if (rq->stat) {
		json_object_set_new(o, "counters", collect_stat(point_dir, probe));
		if (probe_ok(probe, "tracepoints")) {
			att = collect_threads(point_dir, samples);
			json_object_set_new(o, "threads", att);
			json_t *lost = json_object_get(att, "lost_samples");

			/* a lost sample belongs to no thread: say the split is short */
			json_object_set_new(o, "threads_how", json_sprintf(
				"perf record samples: mmap_lock at period 1, page faults "
				"at period %d; perf-threads.txt", PERF_FAULT_PERIOD));
			if (lost)
				json_object_set_new(o, "threads_incomplete", json_sprintf(
					"%lld samples lost: the per-thread figures are short",
					(long long)json_integer_value(lost)));
			json_t *c = json_object_get(json_object_get(att, "clients"),
						    "mmap_lock_per_1000_faults");

			if (c)
				json_object_set(o, "mmap_lock_per_1000_faults", c);
		} else
			json_object_set(o, "threads", json_object_get(probe, "tracepoints"));
		json_object_set_new(o, "vma_lock_vmstat", collect_vmstat(point_dir, probe));
	}
	if (rq->record) {
		snprintf(p, sizeof(p), "%s/perf-profile.data", point_dir);
		json_object_set_new(o, "profile", access(p, R_OK) ? json_string("unavailable: perf record wrote nothing")
				    : json_string("perf-profile.data (perf report -i)"));
	}
	if (rq->c2c) {
		snprintf(p, sizeof(p), "%s/perf-c2c.data", point_dir);
		if (!probe_ok(probe, "c2c"))
			json_object_set(o, "c2c", json_object_get(probe, "c2c"));
		else
			json_object_set_new(o, "c2c", access(p, R_OK) ? json_string("unavailable: perf c2c wrote nothing")
					    : json_string("perf-c2c.data (perf c2c report -i)"));
	}
	json_decref(probe);
	return o;
}
