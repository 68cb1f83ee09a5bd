/*
 * monitor.c - time series while a workload runs (monitor.h).
 *
 * One sampler thread per invocation reads each /proc file at a fixed
 * cadence (absolute deadlines on CLOCK_MONOTONIC, so a late wake-up does
 * not shift the ones after it) and appends a line per sample to the
 * monitor's file; turbostat is a child process of its own.  The thread
 * only reads /proc and writes its files: it never touches the run's state.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"
#include "monitor.h"
#include "slab.h"
#include "sysinfo.h"

static const char *const names[MON_N] = {
	[MON_VMSTAT] = "vmstat", [MON_MPSTAT] = "mpstat", [MON_INTERRUPTS] = "interrupts",
	[MON_TURBOSTAT] = "turbostat", [MON_SLAB] = "slab",
};

/* the key of the values in each line */
static const char *const keys[MON_N] = {
	[MON_VMSTAT] = "vmstat", [MON_MPSTAT] = "cpus", [MON_INTERRUPTS] = "irqs",
	[MON_SLAB] = "slab",
};

const char *monitor_name(enum monitor_kind k)
{
	return k < MON_N ? names[k] : "?";
}

int monitor_parse(const char *list, unsigned *mask, char *why, size_t n)
{
	char buf[512], *save = NULL;

	*mask = 0;
	snprintf(buf, sizeof(buf), "%s", list ? list : "");
	for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		int k;

		for (k = 0; k < MON_N && strcmp(t, names[k]); k++)
			;
		if (k == MON_N) {
			snprintf(why, n, "'%s' is not a monitor (vmstat, mpstat, interrupts, turbostat, "
				 "slab)", t);
			return -1;
		}
		*mask |= 1u << k;
	}
	return 0;
}

/* ---- the samplers ------------------------------------------------------------ */

/* /proc/stat's cpu lines: {"cpu": [8 jiffies], "cpu0": [...], ...} */
static json_t *sample_mpstat(void)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[512];
	json_t *j;

	if (!f)
		return NULL;
	j = json_object();
	while (fgets(line, sizeof(line), f)) {
		char name[32];
		unsigned long long v[8] = { 0 };
		json_t *a;

		if (strncmp(line, "cpu", 3) ||
		    sscanf(line, "%31s %llu %llu %llu %llu %llu %llu %llu %llu", name, &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 5)
			continue;
		a = json_array();
		for (int i = 0; i < 8; i++)
			json_array_append_new(a, json_integer((json_int_t)v[i]));
		json_object_set_new(j, name, a);
	}
	fclose(f);
	return j;
}

/* /proc/interrupts: {"LOC": count summed over the CPUs, "0": ..., ...} */
static json_t *sample_interrupts(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096];
	int ncpu = 0;
	json_t *j;

	if (!f)
		return NULL;
	if (fgets(line, sizeof(line), f))	/* "CPU0 CPU1 ...": how many columns */
		for (char *s = line; (s = strstr(s, "CPU")); s += 3)
			ncpu++;
	j = json_object();
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *s, *end, *name = line;
		long long total = 0;

		if (!colon)
			continue;
		*colon = 0;
		while (*name == ' ')
			name++;
		s = colon + 1;
		for (int c = 0; c < ncpu; c++) {
			long long v = strtoll(s, &end, 10);

			if (end == s)
				break;
			total += v;
			s = end;
		}
		json_object_set_new(j, name, json_integer(total));
	}
	fclose(f);
	return j;
}

/* the tracked caches' active objects (slab.h) */
static json_t *sample_slab(void)
{
	struct slab_snap snap;
	json_t *j;

	if (slab_snapshot(&snap, false))
		return NULL;
	j = json_object();
	for (int i = 0; i < snap.ncaches; i++)
		if (snap.caches[i].present)
			json_object_set_new(j, snap.caches[i].name,
					    json_integer((json_int_t)snap.caches[i].active_objs));
	return j;
}

static json_t *sample(enum monitor_kind k)
{
	switch (k) {
	case MON_VMSTAT: return sysinfo_vmstat();
	case MON_MPSTAT: return sample_mpstat();
	case MON_INTERRUPTS: return sample_interrupts();
	case MON_SLAB: return sample_slab();
	default: return NULL;
	}
}

static const char *const sources[MON_N] = {
	[MON_VMSTAT] = "/proc/vmstat", [MON_MPSTAT] = "/proc/stat",
	[MON_INTERRUPTS] = "/proc/interrupts", [MON_SLAB] = "/proc/slabinfo",
};

/* ---- one invocation ------------------------------------------------------------ */

struct monitor {
	unsigned mask;
	double interval, t0, wall0, t_end;
	int inv;
	char dir[PATH_MAX];
	FILE *f[MON_N];
	json_t *first[MON_N], *last[MON_N];
	int samples[MON_N];
	char why[MON_N][512];	/* "" or "unavailable: ..." */
	pid_t turbo;
	pthread_t th;
	bool started, stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void take_sample(struct monitor *m)
{
	double t = mono() - m->t0, now = m->wall0 + t;

	for (int k = 0; k < MON_N; k++) {
		json_t *v, *line;

		if (!(m->mask & 1u << k) || k == MON_TURBOSTAT || m->why[k][0] || !m->f[k])
			continue;
		v = sample(k);
		if (!v) {
			snprintf(m->why[k], sizeof(m->why[k]), "unavailable: %s: %s", sources[k],
				 strerror(errno ? errno : EIO));
			continue;
		}
		line = json_pack("{s:i,s:f,s:f,s:O}", "inv", m->inv, "t", t, "time", now, keys[k], v);
		if (json_dumpf(line, m->f[k], JSON_COMPACT) || fputc('\n', m->f[k]) == EOF ||
		    fflush(m->f[k]))
			snprintf(m->why[k], sizeof(m->why[k]), "unavailable: writing monitor-%s.jsonl: %s",
				 names[k], strerror(errno ? errno : EIO));
		json_decref(line);
		if (!m->first[k])
			m->first[k] = json_incref(v);
		json_decref(m->last[k]);
		m->last[k] = v;
		m->samples[k]++;
	}
}

/* The first sample is taken by monitor_start; then one per deadline. */
static void *sampler(void *arg)
{
	struct monitor *m = arg;

	pthread_mutex_lock(&m->mu);
	for (long tick = 1;; tick++) {
		double deadline = m->t0 + tick * m->interval;
		struct timespec ts = { .tv_sec = (time_t)deadline,
				       .tv_nsec = (long)((deadline - floor(deadline)) * 1e9) };

		while (!m->stop && mono() < deadline)
			pthread_cond_timedwait(&m->cv, &m->mu, &ts);
		if (m->stop)
			break;
		pthread_mutex_unlock(&m->mu);
		take_sample(m);
		pthread_mutex_lock(&m->mu);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char p[PATH_MAX];

	for (const char *s = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin"; *s; ) {
		size_t len = strcspn(s, ":");

		snprintf(p, sizeof(p), "%.*s/%s", (int)len, len ? s : ".", prog);
		if (!access(p, X_OK))
			return true;
		s += len + (s[len] == ':');
	}
	return false;
}

/* turbostat --interval writes its own table until it is told to stop. */
static void turbostat_start(struct monitor *m)
{
	char out[PATH_MAX + 32], err[PATH_MAX + 32], iv[32];

	if (!in_path("turbostat")) {
		snprintf(m->why[MON_TURBOSTAT], sizeof(m->why[0]),
			 "unavailable: turbostat not found (apt-get install linux-cpupower)");
		return;
	}
	snprintf(out, sizeof(out), "%s/monitor-turbostat.txt", m->dir);
	snprintf(err, sizeof(err), "%s/monitor-turbostat.err", m->dir);
	snprintf(iv, sizeof(iv), "%g", m->interval);
	m->turbo = fork();
	if (m->turbo < 0) {
		snprintf(m->why[MON_TURBOSTAT], sizeof(m->why[0]), "unavailable: fork: %s",
			 strerror(errno));
		m->turbo = 0;
		return;
	}
	if (!m->turbo) {
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGTERM);	/* never outlives the runner */
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("turbostat", "turbostat", "--quiet", "--interval", iv, "--out", out,
		       (char *)NULL);
		_exit(127);
	}
}

static void turbostat_stop(struct monitor *m)
{
	char err[PATH_MAX + 32], line[200] = "";
	int st = 0;
	FILE *f;

	if (!m->turbo)
		return;
	/* still running: stop it; gone already: it refused (no MSR, not root) */
	if (waitpid(m->turbo, &st, WNOHANG) == 0) {
		kill(m->turbo, SIGINT);
		while (waitpid(m->turbo, &st, 0) < 0 && errno == EINTR)
			;
		m->turbo = 0;
		return;
	}
	m->turbo = 0;
	snprintf(err, sizeof(err), "%s/monitor-turbostat.err", m->dir);
	f = fopen(err, "r");
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	line[strcspn(line, "\n")] = 0;
	snprintf(m->why[MON_TURBOSTAT], sizeof(m->why[0]), "unavailable: turbostat exited %d: %s",
		 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), line[0] ? line : "no message");
}

struct monitor *monitor_start(unsigned mask, double interval, const char *dir, int inv)
{
	struct monitor *m = calloc(1, sizeof(*m));
	pthread_condattr_t ca;

	if (!m)
		return NULL;
	m->mask = mask;
	m->interval = interval > 0 ? interval : MONITOR_DEFAULT_INTERVAL;
	m->inv = inv;
	snprintf(m->dir, sizeof(m->dir), "%s", dir);
	for (int k = 0; k < MON_N; k++) {
		char p[PATH_MAX + 32];

		if (!(mask & 1u << k) || k == MON_TURBOSTAT)
			continue;
		snprintf(p, sizeof(p), "%s/monitor-%s.jsonl", dir, names[k]);
		m->f[k] = fopen(p, "a");
		if (!m->f[k])
			snprintf(m->why[k], sizeof(m->why[k]), "unavailable: monitor-%s.jsonl: %s",
				 names[k], strerror(errno));
	}
	pthread_mutex_init(&m->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cv, &ca);
	pthread_condattr_destroy(&ca);
	m->t0 = mono();
	m->wall0 = wall();
	if (mask & 1u << MON_TURBOSTAT)
		turbostat_start(m);
	take_sample(m);
	m->started = !pthread_create(&m->th, NULL, sampler, m);
	return m;
}

/* delta[k] += last[k] - first[k], integers; zeros left out */
static void fold_counts(json_t *delta, json_t *first, json_t *last)
{
	const char *k;
	json_t *v;

	json_object_foreach(last, k, v) {
		json_t *b = json_object_get(first, k), *acc = json_object_get(delta, k);
		json_int_t d;

		if (!json_is_integer(v) || !json_is_integer(b))
			continue;
		d = json_integer_value(v) - json_integer_value(b) + json_integer_value(acc);
		if (d || acc)
			json_object_set_new(delta, k, json_integer(d));
	}
}

static const char *const cpu_states[8] = { "usr", "nice", "sys", "idle", "iowait", "irq",
					   "soft", "steal" };

/* mpstat: the jiffies of each state summed over invocations, then their
 * shares in percent per CPU ("all": every CPU), as mpstat prints them */
static void fold_mpstat(json_t *delta, json_t *first, json_t *last)
{
	json_t *jif = json_object_get(delta, "jiffies"), *pct = json_object(), *v;
	const char *cpu;

	if (!jif) {
		jif = json_object();
		json_object_set_new(delta, "jiffies", jif);
	}
	json_object_foreach(last, cpu, v) {
		json_t *b = json_object_get(first, cpu), *acc = json_object_get(jif, cpu), *p;
		json_int_t sum = 0, d[8];

		if (!json_is_array(b))
			continue;
		if (!acc) {
			acc = json_array();
			for (int i = 0; i < 8; i++)
				json_array_append_new(acc, json_integer(0));
			json_object_set_new(jif, cpu, acc);
		}
		for (int i = 0; i < 8; i++) {
			d[i] = json_integer_value(json_array_get(v, i)) -
			       json_integer_value(json_array_get(b, i)) +
			       json_integer_value(json_array_get(acc, i));
			json_array_set_new(acc, i, json_integer(d[i]));
			sum += d[i];
		}
		p = json_object();
		for (int i = 0; i < 8; i++)
			json_object_set_new(p, cpu_states[i], json_real(sum ? d[i] * 100.0 / sum : 0));
		json_object_set_new(pct, strcmp(cpu, "cpu") ? cpu : "all", p);
	}
	json_object_set_new(delta, "pct", pct);
}

void monitor_stop(struct monitor *m, json_t **acc)
{
	if (!m)
		return;
	if (m->started) {
		pthread_mutex_lock(&m->mu);
		m->stop = true;
		pthread_cond_signal(&m->cv);
		pthread_mutex_unlock(&m->mu);
		pthread_join(m->th, NULL);
	}
	take_sample(m);		/* the end of the invocation */
	m->t_end = mono() - m->t0;
	turbostat_stop(m);
	if (!*acc)
		*acc = json_object();
	for (int k = 0; k < MON_N; k++) {
		json_t *o = json_object_get(*acc, names[k]), *delta;
		char file[64];

		if (!(m->mask & 1u << k))
			continue;
		if (m->why[k][0]) {
			if (!json_is_object(o))	/* an earlier invocation's data wins */
				json_object_set_new(*acc, names[k], json_string(m->why[k]));
			goto next;
		}
		snprintf(file, sizeof(file), k == MON_TURBOSTAT ? "monitor-%s.txt" : "monitor-%s.jsonl",
			 names[k]);
		if (!json_is_object(o)) {
			o = json_pack("{s:s,s:f,s:i,s:f}", "file", file, "interval", m->interval,
				      "samples", 0, "seconds", 0.0);
			json_object_set_new(*acc, names[k], o);
		}
		json_object_set_new(o, "samples", json_integer(json_integer_value(
			json_object_get(o, "samples")) + m->samples[k]));
		json_object_set_new(o, "seconds", json_real(json_number_value(
			json_object_get(o, "seconds")) + m->t_end));
		json_object_set_new(o, "invocations", json_integer(json_integer_value(
			json_object_get(o, "invocations")) + 1));
		if (k == MON_TURBOSTAT || !m->first[k])
			goto next;
		delta = json_object_get(o, "delta");
		if (!delta) {
			delta = json_object();
			json_object_set_new(o, "delta", delta);
		}
		if (k == MON_MPSTAT)
			fold_mpstat(delta, m->first[k], m->last[k]);
		else
			fold_counts(delta, m->first[k], m->last[k]);
next:
		if (m->f[k])
			fclose(m->f[k]);
		json_decref(m->first[k]);
		json_decref(m->last[k]);
	}
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->cv);
	free(m);
}
