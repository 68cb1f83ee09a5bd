/*
 * harness.c - runs a workload's clients, measures them, prints one JSON line
 * per iteration.  See harness.h for the life cycle and
 * docs/output-schema.md for the output.
 *
 * Clients are threads of this process (shared mm) or forked processes (own
 * mm).  Either way their results live in a MAP_SHARED array of
 * CLIENT_SLOT-byte slots, and the barrier words sit in slots of their own,
 * so the harness never false-shares with the work it measures.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/futex.h>
#include <numa.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "disturbed.h"
#include "harness.h"
#include "options.h"
#include "placement.h"

struct common_opts {
	long threads, procs;
	long iterations, warmup;
	int placement;
	const char *mempolicy;
	bool oversubscribe;
	int format;
	double duration;
	const char *topology;
	bool dry_run, list_options, help;
};

enum { FORMAT_JSON, FORMAT_TEXT };

#define C(f) OPT_OFF(struct common_opts, f)
static const struct opt common_table[] = {
	{ "threads", 't', OPT_INT, C(threads), NULL, NULL, 1, 65536,
	  "clients as threads of one process (shared mm)" },
	{ "processes", 'n', OPT_INT, C(procs), NULL, NULL, 1, 65536,
	  "clients as processes (an mm each)" },
	{ "iterations", 'i', OPT_INT, C(iterations), "5", NULL, 1, 1000000,
	  "measured iterations" },
	{ "warmup", 'w', OPT_INT, C(warmup), "1", NULL, 0, 1000000,
	  "warm-up iterations: run and printed marked, never summarised" },
	{ "placement", 'p', OPT_ENUM, C(placement), "cores", "cores|pus|spread|none", 0, 0,
	  "where clients run" },
	{ "mempolicy", 0, OPT_STR, C(mempolicy), "local", NULL, 0, 0,
	  "memory policy: local, interleave or node:N" },
	{ "oversubscribe", 0, OPT_BOOL, C(oversubscribe), NULL, NULL, 0, 0,
	  "allow more clients than CPUs" },
	{ "format", 0, OPT_ENUM, C(format), "json", "json|text", 0, 0,
	  "output: JSON Lines or one human line per iteration" },
	{ "duration", 'd', OPT_DOUBLE, C(duration), "1", NULL, 0.001, 86400,
	  "seconds per iteration (timed workloads)" },
	{ "topology", 0, OPT_STR, C(topology), NULL, NULL, 0, 0,
	  "hwloc synthetic topology to plan on (with --dry-run)" },
	{ "dry-run", 0, OPT_BOOL, C(dry_run), NULL, NULL, 0, 0,
	  "print the planned CPU of each client and exit" },
	{ "list-options", 0, OPT_BOOL, C(list_options), NULL, NULL, 0, 0,
	  "print every option as JSON and exit" },
	{ "help", 'h', OPT_BOOL, C(help), NULL, NULL, 0, 0, "this help" },
	{ 0 }
};
#undef C

/*
 * The barrier and stop words, each in a slot of its own.
 *
 * The start barrier has two phases, so that no one but the clients is on a
 * CPU when they are released.  Phase 1: each client (and aux thread) counts
 * itself in `ready` and sleeps on the futex `arm`; the harness polls `ready`
 * and, once all are there, sets `arm` and wakes them all, then blocks
 * (join, waitpid, nanosleep) and leaves the CPUs to them.  Phase 2: each
 * woken client counts itself in `armed` and spins on `go`; the last to
 * arrive sets `go`, when every other client is already spinning on its own
 * CPU, so they all see it within a cache-line transfer.  A one-phase
 * barrier (clients spinning while the harness, woken from its poll, stores
 * `go`) measured here a median start skew of 3.9 us (null -t 2) and 17.7 us
 * (-n 2): the harness itself had taken one client's CPU.
 */
struct control {
	volatile int ready __attribute__((aligned(CLIENT_SLOT)));
	volatile int arm __attribute__((aligned(CLIENT_SLOT)));
	volatile int armed __attribute__((aligned(CLIENT_SLOT)));
	volatile int go __attribute__((aligned(CLIENT_SLOT)));
	volatile int stop __attribute__((aligned(CLIENT_SLOT)));
	volatile int done __attribute__((aligned(CLIENT_SLOT)));
	volatile int aux_stop __attribute__((aligned(CLIENT_SLOT)));
	int nclients, naux;	/* read-only while clients run */
};

static struct control *ctl;
static bool oversubscribed;	/* more clients than CPUs: yield while waiting */

static void futex_release(volatile int *word);

static void on_signal(int sig)
{
	int err = errno;

	harness_interrupted = sig;
	if (ctl)
		futex_release(&ctl->stop);	/* a raw syscall: async-signal-safe */
	errno = err;
}

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
}

/* Spin politely: an unpinned or oversubscribed spinner may share its CPU
 * with the client whose arrival it waits for. */
static inline void relax(bool yield)
{
	if (yield)
		sched_yield();
	else
		__builtin_ia32_pause();
}

/* Shared (not FUTEX_PRIVATE) futexes: the words are in a MAP_SHARED mapping
 * that forked clients wait on too. */
static void futex_wait_set(volatile int *word)
{
	while (!__atomic_load_n(word, __ATOMIC_ACQUIRE))
		(void)syscall(SYS_futex, word, FUTEX_WAIT, 0, NULL, NULL, 0);
}

static void futex_wake_all(volatile int *word)
{
	(void)syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Set the word and wake everyone sleeping on it. */
static void futex_release(volatile int *word)
{
	__atomic_store_n(word, 1, __ATOMIC_RELEASE);
	futex_wake_all(word);
}

/* The client side of the start barrier (struct control).  Aux threads only
 * sleep until `go`: their start is not measured against the clients'. */
static void barrier_wait(const struct client *c, bool aux)
{
	__atomic_add_fetch(&ctl->ready, 1, __ATOMIC_SEQ_CST);
	futex_wait_set(&ctl->arm);
	if (aux) {
		futex_wait_set(&ctl->go);
		return;
	}
	if (__atomic_add_fetch(&ctl->armed, 1, __ATOMIC_SEQ_CST) == ctl->nclients) {
		__atomic_store_n(&ctl->go, 1, __ATOMIC_RELEASE);
		if (ctl->naux)	/* only they sleep on it: no syscall otherwise */
			futex_wake_all(&ctl->go);
		return;
	}
	bool yield = oversubscribed || c->cpu < 0;

	while (!__atomic_load_n(&ctl->go, __ATOMIC_ACQUIRE))
		relax(yield);
}

static int pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? errno : 0;
}

/* One client's (or aux thread's) whole life in an iteration. */
static void client_body(struct client *c, bool aux)
{
	const struct workload *wl = c->run->wl;
	struct client_result *res = c->res;
	struct rusage r0, r1;
	bool ok = true;
	int err;

	res->tid = (pid_t)syscall(SYS_gettid);
	res->cpu_planned = c->cpu;
	err = pin_self(c->cpu);
	if (err) {
		client_fail(c, err, "sched_setaffinity");
		ok = false;
	}
	if (ok && !aux && wl->client_setup && wl->client_setup(c))
		ok = false;
	/* Warm the timing path before the barrier: in a forked client the
	 * first write to r0's stack page is a copy-on-write fault, and the
	 * first getrusage after fork measured 20-60 us here, against 1 us
	 * after it (the start skew of -n 2 was that). */
	(void)sched_getcpu();
	getrusage(RUSAGE_THREAD, &r0);
	(void)now_ns();
	barrier_wait(c, aux);
	if (ok) {
		/* The clock first: a client's start is its release from the
		 * barrier (within 0.1-0.4 us of the others' here), not that plus
		 * a getrusage whose own time varies by 1-2 us.  The span holds
		 * both getrusage calls, about 2 us. */
		res->t_start_ns = now_ns();
		res->cpu_start = sched_getcpu();
		getrusage(RUSAGE_THREAD, &r0);
		if (aux)
			wl->aux_run(c);
		else
			wl->client_run(c);
		getrusage(RUSAGE_THREAD, &r1);
		res->cpu_end = sched_getcpu();
		res->t_end_ns = now_ns();
		if (!res->cpu_set) {
			res->user_ns = tv_ns(r1.ru_utime) - tv_ns(r0.ru_utime);
			res->sys_ns = tv_ns(r1.ru_stime) - tv_ns(r0.ru_stime);
			res->minflt = (uint64_t)(r1.ru_minflt - r0.ru_minflt);
			res->majflt = (uint64_t)(r1.ru_majflt - r0.ru_majflt);
		}
		/* of the client thread itself, even when an image did the work:
		 * it is the one pinned to the CPU the point claims */
		res->nivcsw = (uint64_t)(r1.ru_nivcsw - r0.ru_nivcsw);
	}
	if (!aux)
		__atomic_add_fetch(&ctl->done, 1, __ATOMIC_SEQ_CST);
	if (!aux && wl->client_teardown)
		wl->client_teardown(c);
}

static void *client_thread(void *arg)
{
	client_body(arg, false);
	return NULL;
}

static void *aux_thread(void *arg)
{
	client_body(arg, true);
	return NULL;
}

static void __attribute__((format(printf, 2, 3)))
set_invalid(struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->invalid)
		return;
	r->invalid = true;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

/* Wait until every client and aux thread is at the barrier.  In processes
 * mode a child that died before getting there must not hang us. */
static int wait_ready(struct run *r, pid_t *pids, int want)
{
	while (__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE) < want) {
		if (pids) {
			for (int i = 0; i < r->nclients; i++) {
				int st;

				if (pids[i] > 0 && waitpid(pids[i], &st, WNOHANG) == pids[i]) {
					pids[i] = -1;
					set_invalid(r, "client %d died before the start barrier", i);
					return -1;
				}
			}
		}
		usleep(100);
	}
	return 0;
}

/*
 * A timed iteration's duration counts from the clients' release (go), not
 * from the harness waking them (arm): under QEMU's TCG, 21 to 56 woken
 * vCPUs took longer than a 50 ms duration to arm, and the clients then
 * started with stop already set and did no work ("zero wall time").  The
 * harness checks every millisecond, asleep, so that it does not take a
 * client's CPU at the release; a release that never comes (a client died
 * after its wake) is waited for 10 s at most.
 */
static void wait_go(void)
{
	uint64_t give_up = now_ns() + 10000000000ull;
	struct timespec ms = { .tv_nsec = 1000000 };

	while (!__atomic_load_n(&ctl->go, __ATOMIC_ACQUIRE) && !harness_interrupted &&
	       now_ns() < give_up)
		nanosleep(&ms, NULL);
}

static void sleep_duration(struct run *r)
{
	uint64_t end;

	wait_go();
	end = now_ns() + r->duration_ns;

	while (!harness_interrupted) {
		uint64_t now = now_ns();
		struct timespec ts;

		if (now >= end)
			break;
		ts.tv_sec = (time_t)((end - now) / 1000000000ull);
		ts.tv_nsec = (long)((end - now) % 1000000000ull);
		nanosleep(&ts, NULL);
	}
	futex_release(&ctl->stop);	/* client_wait_stop sleeps on it */
}

void client_wait_stop(struct client *c)
{
	futex_wait_set(c->stop);
}

/* Reap client process i; one that ends before the release (killed from
 * outside at the barrier) would leave the others spinning: release them. */
static void reap_one(struct run *r, pid_t *pids, int i)
{
	int st;

	while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
		;
	pids[i] = -1;
	if (!__atomic_load_n(&ctl->go, __ATOMIC_ACQUIRE)) {
		set_invalid(r, "client %d died before the start barrier", i);
		ctl->stop = 1;
		futex_release(&ctl->go);
	}
	if (WIFSIGNALED(st))
		set_invalid(r, "client %d killed by signal %d (%s)",
			    i, WTERMSIG(st), strsignal(WTERMSIG(st)));
}

/* Reap the client processes in the order they end (WNOWAIT peeks which
 * child it is); a child that is no client's leaves the rest to be reaped
 * in order. */
static void reap_processes(struct run *r, pid_t *pids)
{
	for (;;) {
		siginfo_t si = { 0 };
		int i;

		if (waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < r->nclients && pids[i] != si.si_pid; i++)
			;
		if (i == r->nclients || pids[i] <= 0)
			break;
		reap_one(r, pids, i);
	}
	for (int i = 0; i < r->nclients; i++)
		if (pids[i] > 0)
			reap_one(r, pids, i);
}

/* Run one iteration's clients; results land in r->res / r->aux_res. */
static void run_clients(struct run *r, struct client *cl, struct client *ax)
{
	const struct workload *wl = r->wl;
	int total = r->nclients + r->naux;
	pthread_t *tids = calloc(total, sizeof(*tids));
	pid_t *pids = NULL;
	int rc;

	if (!tids)
		die(EXIT_NORES, ENOMEM, "client threads");
	memset((void *)ctl, 0, sizeof(*ctl));
	ctl->nclients = r->nclients;
	ctl->naux = r->naux;
	if (harness_interrupted)
		ctl->stop = 1;
	memset(r->res, 0, (size_t)total * CLIENT_SLOT);

	for (int i = 0; i < r->naux; i++) {
		int err = pthread_create(&tids[r->nclients + i], NULL, aux_thread, &ax[i]);

		if (err)
			die(EXIT_NORES, err, "pthread_create (%s thread)", wl->aux_name);
	}
	if (r->mode == MODE_THREADS) {
		for (int i = 0; i < r->nclients; i++) {
			int err = pthread_create(&tids[i], NULL, client_thread, &cl[i]);

			if (err)
				die(EXIT_NORES, err, "pthread_create (client %d)", i);
		}
	} else {
		pids = calloc(r->nclients, sizeof(*pids));
		if (!pids)
			die(EXIT_NORES, ENOMEM, "client processes");
		fflush(NULL);
		for (int i = 0; i < r->nclients; i++) {
			pids[i] = fork();
			if (pids[i] < 0) {
				/* let the started ones finish, then report */
				errmsg(errno, "fork (client %d)", i);
				set_invalid(r, "client %d could not be forked", i);
				ctl->stop = 1;
				r->nclients = i;
				break;
			}
			if (pids[i] == 0) {
				client_body(&cl[i], false);
				_exit(cl[i].res->err ? 1 : 0);
			}
		}
	}

	/* phase 1 done: every client sleeps on arm.  A failed start releases
	 * go first, so the clients run straight through with stop set (fewer
	 * clients than ctl->nclients would never all be armed). */
	rc = wait_ready(r, pids, r->nclients + r->naux);
	if (rc || ctl->stop) {
		ctl->stop = 1;
		futex_release(&ctl->go);
	}
	futex_release(&ctl->arm);
	if (!rc && wl->timed)
		sleep_duration(r);

	if (r->mode == MODE_THREADS) {
		for (int i = 0; i < r->nclients; i++)
			pthread_join(tids[i], NULL);
	} else {
		reap_processes(r, pids);
		free(pids);
	}
	__atomic_store_n(&ctl->aux_stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < r->naux; i++)
		pthread_join(tids[r->nclients + i], NULL);
	free(tids);
}

static json_t *client_json(const struct client_result *c, int id, uint64_t t0, bool children)
{
	json_t *j = json_pack("{s:i, s:i, s:i, s:i, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"id", id, "tid", (int)c->tid, "cpu_planned", c->cpu_planned,
		"cpu", c->cpu_end,
		"migrated", c->cpu_planned >= 0 &&
			(c->cpu_start != c->cpu_planned || c->cpu_end != c->cpu_planned),
		"user_ns", (json_int_t)c->user_ns, "sys_ns", (json_int_t)c->sys_ns,
		"minflt", (json_int_t)c->minflt, "majflt", (json_int_t)c->majflt,
		"ops", (json_int_t)c->ops, "nivcsw", (json_int_t)c->nivcsw,
		"start_ns", (json_int_t)(c->t_start_ns ? c->t_start_ns - t0 : 0),
		"end_ns", (json_int_t)(c->t_end_ns ? c->t_end_ns - t0 : 0));

	/* the client's own rate over its own span: with the skews, what the
	 * wall span's rate hides when one client lags */
	json_object_set_new(j, "rate_sec", json_real(c->t_end_ns > c->t_start_ns && c->t_start_ns ?
		(double)c->ops / ((double)(c->t_end_ns - c->t_start_ns) / 1e9) : 0));
	if (children) {
		json_object_set_new(j, "child_user_ns", json_integer((json_int_t)c->child_user_ns));
		json_object_set_new(j, "child_sys_ns", json_integer((json_int_t)c->child_sys_ns));
	}
	return j;
}

struct harness {
	struct common_opts co;
	struct run run;
	const char *mempolicy_name;
	json_t *probe;
	int *cpus;			/* planned CPU per client */
	struct client *cl, *ax;		/* clients and aux threads */
	bool setup_called, teardown_done;	/* for harness_main's cleanup */
	/* steal jiffies per CPU (/proc/stat) before and after an iteration */
	int nsteal;
	unsigned long long *steal0, *steal1;
	/* each client's CPU frequency (kHz) before and after an iteration,
	 * from cpufreq where the kernel has it (nfreq 0: it has not) */
	int nfreq, *freq_fd;
	unsigned long *freq0, *freq1;
};

/*
 * Each CPU's steal time in jiffies from /proc/stat (the 8th value of its
 * cpuN line: time the hypervisor ran something else while this vCPU had
 * work), into v[0..n); a CPU /proc/stat does not list stays 0.
 */
static void steal_read(unsigned long long *v, int n)
{
	FILE *f;
	char line[512];

	if (!v)
		return;
	memset(v, 0, (size_t)n * sizeof(*v));
	f = fopen("/proc/stat", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long x[8];
		int cpu;

		if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9')
			continue;
		if (sscanf(line + 3, "%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &x[0],
			   &x[1], &x[2], &x[3], &x[4], &x[5], &x[6], &x[7]) == 9 && cpu >= 0 && cpu < n)
			v[cpu] = x[7];
	}
	fclose(f);
}

/*
 * cpufreq's scaling_cur_freq of each client's planned CPU, opened once
 * (MMSCALE_SYSFS_CPU stands for /sys/devices/system/cpu: a test's tree,
 * since neither this guest nor the emulated one has cpufreq).  Where it
 * is missing the probe says why, once, and the lines carry no cpu_khz.
 */
static void freq_open(struct harness *h)
{
	const char *root = getenv("MMSCALE_SYSFS_CPU");
	int n = h->run.nclients;
	char path[PATH_MAX], why[PATH_MAX + 96];

	root = root && *root ? root : "/sys/devices/system/cpu";
	h->freq_fd = calloc((size_t)n, sizeof(*h->freq_fd));
	h->freq0 = calloc((size_t)n, sizeof(*h->freq0));
	h->freq1 = calloc((size_t)n, sizeof(*h->freq1));
	if (!h->freq_fd || !h->freq0 || !h->freq1)
		die(EXIT_NORES, ENOMEM, "frequency slots");
	for (int i = 0; i < n; i++)
		h->freq_fd[i] = -1;
	for (int i = 0; i < n; i++) {
		if (h->cpus[i] < 0) {
			snprintf(why, sizeof(why), "unavailable: clients not pinned");
			goto none;
		}
		snprintf(path, sizeof(path), "%s/cpu%d/cpufreq/scaling_cur_freq", root, h->cpus[i]);
		h->freq_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (h->freq_fd[i] < 0) {
			snprintf(why, sizeof(why), "unavailable: no cpufreq: %s: %s", path,
				 strerror(errno));
			goto none;
		}
	}
	h->nfreq = n;
	json_object_set_new(h->probe, "cpu_freq", json_string("ok"));
	return;
none:
	json_object_set_new(h->probe, "cpu_freq", json_string(why));
	for (int i = 0; i < n; i++)
		if (h->freq_fd[i] >= 0)
			close(h->freq_fd[i]);
	h->nfreq = 0;
}

static void freq_read(const struct harness *h, unsigned long *khz)
{
	char buf[32];

	for (int i = 0; i < h->nfreq; i++) {
		ssize_t len = pread(h->freq_fd[i], buf, sizeof(buf) - 1, 0);

		buf[len > 0 ? len : 0] = 0;
		khz[i] = strtoul(buf, NULL, 10);
	}
}

static void freq_close(struct harness *h)
{
	for (int i = 0; i < h->nfreq; i++)
		close(h->freq_fd[i]);
	free(h->freq_fd);
	free(h->freq0);
	free(h->freq1);
	h->nfreq = 0;
	h->freq_fd = NULL;
	h->freq0 = h->freq1 = NULL;
}

/* The clients' CPU frequencies into noise (lowest and highest of both
 * reads) and khz (each client's mean of its two), when there are any. */
static void freq_noise(const struct harness *h, struct iter_noise *noise, json_t *khz)
{
	for (int i = 0; i < h->nfreq; i++) {
		unsigned long a = h->freq0[i], b = h->freq1[i];
		unsigned long lo = a < b ? a : b, hi = a > b ? a : b;

		if (!lo)
			continue;	/* an unreadable value is no frequency */
		if (!noise->freq_min_khz || lo < noise->freq_min_khz)
			noise->freq_min_khz = lo;
		if (hi > noise->freq_max_khz)
			noise->freq_max_khz = hi;
		json_array_append_new(khz, json_integer((json_int_t)((a + b) / 2)));
	}
}

static void report_iteration(struct harness *h)
{
	struct run *r = &h->run;
	const struct workload *wl = r->wl;
	uint64_t t0 = UINT64_MAX, t1 = 0, cpu_ns = 0, work = 0, client_ns = 0;
	uint64_t s1 = 0, e0 = UINT64_MAX;	/* latest start, earliest end */
	struct iter_noise noise = { 0 };
	json_t *reasons = json_array();
	bool children = false;
	const char *bad_metric;
	json_t *metrics;
	json_t *out, *cpus = json_array(), *detail = json_array();
	double rate_sec = 0, rate_cpu = 0;
	char name[64];

	for (int i = 0; i < r->nclients; i++) {
		struct client_result *c = client_res(r, i);

		if (c->err && !r->invalid) {
			r->invalid = true;
			snprintf(r->reason, sizeof(r->reason), "client %d: %s: %s", i,
				 c->errmsg, strerror(c->err));
		}
		if (c->t_start_ns && c->t_start_ns < t0)
			t0 = c->t_start_ns;
		if (c->t_end_ns > t1)
			t1 = c->t_end_ns;
		if (c->t_start_ns) {	/* a client that never started has no skew */
			noise.nclients++;
			if (c->t_start_ns > s1)
				s1 = c->t_start_ns;
			if (c->t_end_ns < e0)
				e0 = c->t_end_ns;
		}
		cpu_ns += c->user_ns + c->sys_ns + c->child_user_ns + c->child_sys_ns;
		if (c->child_user_ns || c->child_sys_ns)
			children = true;
		work += c->ops;
		if (c->t_end_ns > c->t_start_ns)
			client_ns += c->t_end_ns - c->t_start_ns;
		noise.nivcsw += c->nivcsw;
		if (c->cpu_planned >= 0 && (c->cpu_start != c->cpu_planned || c->cpu_end != c->cpu_planned))
			noise.migrations++;
		/* the steal of the CPUs the clients were pinned to */
		if (c->t_start_ns && c->cpu_planned >= 0 && c->cpu_planned < h->nsteal &&
		    h->steal1[c->cpu_planned] >= h->steal0[c->cpu_planned]) {
			noise.steal_ns += (h->steal1[c->cpu_planned] - h->steal0[c->cpu_planned]) *
					  (uint64_t)(1000000000L / sysconf(_SC_CLK_TCK));
			noise.steal_cpus++;
		}
	}
	if (t0 == UINT64_MAX)
		t0 = t1;
	if (noise.nclients) {
		noise.span_ns = t1 - t0;
		noise.start_skew_ns = s1 - t0;
		noise.end_skew_ns = t1 - e0;
	}
	for (int i = 0; i < r->nclients; i++) {
		json_array_append_new(cpus, json_integer(client_res(r, i)->cpu_end));
		json_array_append_new(detail, client_json(client_res(r, i), i, t0, children));
	}
	if (wl->work)
		work = wl->work(r);

	out = json_object();
	if (wl->iter_report)
		wl->iter_report(r, out);	/* may invalidate */
	if (t1 > t0)
		rate_sec = (double)work / ((double)(t1 - t0) / 1e9);
	if (cpu_ns)
		rate_cpu = (double)work / ((double)cpu_ns / 1e9);
	if (!r->invalid && (!rate_sec || !rate_cpu)) {
		r->invalid = true;
		snprintf(r->reason, sizeof(r->reason), "zero %s",
			 rate_sec ? "CPU time (tick accounting: run longer)" : "wall time");
	}
	metrics = workload_metric_values(wl, r, &(struct iter_totals){ .nclients = r->nclients,
		.work = work, .wall_ns = t1 - t0, .cpu_ns = cpu_ns, .client_ns = client_ns },
		&bad_metric);
	if (!r->invalid && bad_metric) {
		r->invalid = true;
		snprintf(r->reason, sizeof(r->reason), "metric %s: not a number", bad_metric);
	}

	json_object_update_missing_new(out, json_pack(
		"{s:i, s:s, s:s, s:s, s:i, s:s, s:s, s:b, s:i, s:b, s:b, s:I, s:I, s:s, s:f, s:f}",
		"schema", 2, "workload", wl->name, "version", wl->version,
		"mode", r->mode == MODE_THREADS ? "threads" : "processes",
		"clients", r->nclients,
		"placement", placement_names[h->co.placement],
		"mempolicy", h->mempolicy_name,
		"oversubscribed", oversubscribed,
		"iteration", r->iteration, "warmup", r->warmup, "valid", !r->invalid,
		"wall_ns", (json_int_t)(t1 - t0), "work", (json_int_t)work,
		"metric", wl->metric, "rate_sec", rate_sec, "rate_cpu", rate_cpu));
	if (r->invalid)
		json_object_set_new(out, "reason", json_string(r->reason));
	json_object_set_new(out, "start_skew_ns", json_integer((json_int_t)noise.start_skew_ns));
	json_object_set_new(out, "end_skew_ns", json_integer((json_int_t)noise.end_skew_ns));
	json_object_set_new(out, "nivcsw", json_integer((json_int_t)noise.nivcsw));
	json_object_set_new(out, "migrations", json_integer(noise.migrations));
	json_object_set_new(out, "steal_ns", json_integer((json_int_t)noise.steal_ns));
	if (h->nfreq) {
		json_t *khz = json_array();

		freq_noise(h, &noise, khz);
		json_object_set_new(out, "cpu_khz", khz);
	}
	json_object_set_new(out, "disturbed", json_boolean(run_disturbed(&noise, reasons) > 0));
	json_object_set_new(out, "disturbed_reasons", reasons);
	json_object_set_new(out, "metrics", metrics);
	json_object_set_new(out, "cpus", cpus);
	json_object_set_new(out, "clients_detail", detail);
	if (r->naux) {
		json_t *tids = json_array();
		uint64_t ops = 0, a0 = UINT64_MAX, a1 = 0;

		for (int i = 0; i < r->naux; i++) {
			json_array_append_new(tids, json_integer(aux_res(r, i)->tid));
			ops += aux_res(r, i)->ops;
			if (aux_res(r, i)->t_start_ns < a0)
				a0 = aux_res(r, i)->t_start_ns;
			if (aux_res(r, i)->t_end_ns > a1)
				a1 = aux_res(r, i)->t_end_ns;
		}
		snprintf(name, sizeof(name), "%s_tids", wl->aux_name);
		json_object_set_new(out, name, tids);
		snprintf(name, sizeof(name), "%s_ops", wl->aux_name);
		json_object_set_new(out, name, json_integer((json_int_t)ops));
		snprintf(name, sizeof(name), "%s_ops_sec", wl->aux_name);
		json_object_set_new(out, name, json_real(a1 > a0 ?
			(double)ops / ((double)(a1 - a0) / 1e9) : 0));
	}
	{
		json_t *o = json_object();

		opt_echo(o, wl->opts, r->opts);
		json_object_set_new(out, "options", o);
	}
	json_object_set(out, "probe", h->probe);

	if (h->co.format == FORMAT_JSON) {
		json_dumpf(out, stdout, JSON_COMPACT);
		fputc('\n', stdout);
	} else {
		printf("%s %s clients=%d iter=%d%s %s wall=%.3fs %s/sec=%.1f %s/cpu=%.1f cpus=",
		       wl->name, r->mode == MODE_THREADS ? "threads" : "processes",
		       r->nclients, r->iteration, r->warmup ? " (warm-up)" : "",
		       r->invalid ? "INVALID" : "valid", (double)(t1 - t0) / 1e9,
		       wl->metric, rate_sec, wl->metric, rate_cpu);
		for (int i = 0; i < r->nclients; i++)
			printf("%s%d", i ? "," : "", client_res(r, i)->cpu_end);
		if (r->invalid)
			printf(" reason=\"%s\"", r->reason);
		printf(" start_skew=%.1fus", (double)noise.start_skew_ns / 1e3);
		if (json_array_size(reasons))
			printf(" disturbed=\"%s\"", json_string_value(json_array_get(reasons, 0)));
		putchar('\n');
	}
	fflush(stdout);
	json_decref(out);
}

/* ---- command line ------------------------------------------------------ */

static void usage(FILE *f, const struct workload *wl)
{
	fprintf(f, "usage: %s [-t N | -n N] [options]\n%s\n\nharness options:\n",
		wl->name, wl->summary);
	opt_help(f, common_table);
	fprintf(f, "\n%s options:\n", wl->name);
	opt_help(f, wl->opts);
	fprintf(f, "\nOutput: one JSON object per iteration (docs/output-schema.md).\n"
		"Exit: 0 ok, 1 failure, 2 bad usage, 3 missing resource, 4 unsupported, 130 interrupted.\n");
}

static int parse_args(struct harness *h, int argc, char **argv)
{
	const struct opt *const tabs[2] = { common_table, h->run.wl->opts };
	void *const bases[2] = { &h->co, h->run.opts };
	int rc = opt_parse(tabs, bases, 2, argc, argv, "--help");

	if (rc)
		return rc;
	if (optind < argc) {
		errmsg(0, "unexpected argument '%s' (see --help)", argv[optind]);
		return EXIT_USAGE;
	}
	return 0;
}

static int apply_mempolicy(struct harness *h)
{
	const char *p = h->co.mempolicy;
	char *end;
	long node;

	h->mempolicy_name = p;
	if (!strcmp(p, "local")) {
		json_object_set_new(h->probe, "numa", json_string(numa_available() < 0 ?
			"unavailable: no NUMA support in this kernel" : "ok"));
		return 0;
	}
	if (strcmp(p, "interleave") && strncmp(p, "node:", 5)) {
		errmsg(0, "--mempolicy: unknown policy '%s' (local, interleave or node:N)", p);
		return EXIT_USAGE;
	}
	if (numa_available() < 0) {
		errmsg(0, "--mempolicy %s: unavailable: no NUMA support in this kernel", p);
		return EXIT_UNSUPP;
	}
	json_object_set_new(h->probe, "numa", json_string("ok"));
	if (!strcmp(p, "interleave")) {
		numa_set_interleave_mask(numa_all_nodes_ptr);
		return 0;
	}
	errno = 0;
	node = strtol(p + 5, &end, 10);
	if (errno || end == p + 5 || *end || node < 0) {
		errmsg(0, "--mempolicy: '%s' is not node:N", p);
		return EXIT_USAGE;
	}
	if (node > numa_max_node() || !numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)node)) {
		errmsg(0, "--mempolicy %s: no such memory node (nodes 0-%d)", p, numa_max_node());
		return EXIT_USAGE;
	}
	{
		struct bitmask *bm = numa_allocate_nodemask();

		numa_bitmask_setbit(bm, (unsigned)node);
		numa_set_membind(bm);
		numa_free_nodemask(bm);
	}
	return 0;
}

/* The whole run; what it allocates hangs off h, so harness_main frees it on
 * every path (LeakSanitizer checks --help and --list-options too). */
static int harness_run(struct harness *h, int argc, char **argv)
{
	const struct workload *wl = h->run.wl;
	struct run *r = &h->run;
	hwloc_topology_t topo;
	struct client *cl, *ax;
	int *cpus, ncpus, rc;
	struct sigaction sa = { .sa_handler = on_signal };

	progname = wl->name;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	r->opts = calloc(1, wl->opts_size ? wl->opts_size : 1);
	if (!r->opts)
		die(EXIT_NORES, ENOMEM, "options");
	if (opt_defaults(common_table, &h->co) || opt_defaults(wl->opts, r->opts))
		die(EXIT_FAIL, 0, "bad default in an option table");
	rc = parse_args(h, argc, argv);
	if (rc)
		return rc;
	if (h->co.help) {
		usage(stdout, wl);
		return EXIT_OK;
	}
	if (h->co.list_options) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:o, s:o}", "workload", wl->name,
				      "version", wl->version, "summary", wl->summary, "timed", wl->timed,
				      "harness", opt_table_json(common_table),
				      "options", opt_table_json(wl->opts));
		json_t *decls = json_array();
		int nm;
		const struct metric_decl *m = workload_metrics(wl, &nm);

		for (int i = 0; i < nm; i++)
			json_array_append_new(decls, metric_decl_json(&m[i]));
		json_object_set_new(j, "metrics", decls);
		if (wl->facts) {
			json_t *facts = json_array();

			for (int i = 0; wl->facts[i]; i++)
				json_array_append_new(facts, json_string(wl->facts[i]));
			json_object_set_new(j, "facts", facts);
		}
		json_dumpf(j, stdout, JSON_INDENT(1));
		putchar('\n');
		json_decref(j);
		return EXIT_OK;
	}
	if (h->co.threads && h->co.procs) {
		errmsg(0, "-t and -n: choose threads or processes, not both");
		return EXIT_USAGE;
	}
	r->mode = h->co.procs ? MODE_PROCESSES : MODE_THREADS;
	r->nclients = (int)(h->co.procs ? h->co.procs : h->co.threads ? h->co.threads : 1);
	if (r->mode == MODE_PROCESSES && wl->threads_only) {
		errmsg(0, "-n: %s runs in threads mode only", wl->name);
		return EXIT_USAGE;
	}
	if (h->co.topology && !h->co.dry_run) {
		errmsg(0, "--topology: a synthetic topology can only be planned (add --dry-run)");
		return EXIT_USAGE;
	}
	topo = placement_topology(h->co.topology);
	if (!topo)
		return h->co.topology ? EXIT_USAGE : EXIT_FAIL;
	ncpus = placement_ncpus(topo);
	if (r->nclients > ncpus && !h->co.oversubscribe) {
		errmsg(0, "%s %d: more clients than CPUs (%d); add --oversubscribe to allow it",
		       r->mode == MODE_THREADS ? "-t" : "-n", r->nclients, ncpus);
		hwloc_topology_destroy(topo);
		return EXIT_USAGE;
	}
	oversubscribed = r->nclients > ncpus;
	cpus = h->cpus = calloc(r->nclients, sizeof(*cpus));
	if (!cpus)
		die(EXIT_NORES, ENOMEM, "cpus");
	placement_plan(topo, (enum placement)h->co.placement, r->nclients, cpus);
	if (h->co.dry_run) {
		char sum[128];
		json_t *j = json_array();

		for (int i = 0; i < r->nclients; i++)
			json_array_append_new(j, json_integer(cpus[i]));
		placement_summary(topo, sum, sizeof(sum));
		j = json_pack("{s:s, s:i, s:s, s:s, s:o}", "workload", wl->name,
			      "clients", r->nclients, "placement",
			      placement_names[h->co.placement], "topology", sum, "cpus", j);
		json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(j);
		hwloc_topology_destroy(topo);
		return EXIT_OK;
	}
	hwloc_topology_destroy(topo);
	r->cpus = cpus;
	r->pagesize = sysconf(_SC_PAGESIZE);
	r->duration_ns = (uint64_t)(h->co.duration * 1e9);
	h->probe = json_object();
	rc = apply_mempolicy(h);
	if (rc)
		return rc;
	if (wl->check && (rc = wl->check(r)))
		return rc;
	r->naux = wl->aux_count ? wl->aux_count(r) : 0;
	if (r->naux && r->mode != MODE_THREADS) {
		errmsg(0, "--%s: needs threads mode (-t): the %s threads share the clients' mm",
		       wl->aux_option ? wl->aux_option : wl->aux_name, wl->aux_name);
		return EXIT_USAGE;
	}

	/* results slots and the barrier, shared with forked clients */
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	r->res = mmap(NULL, (size_t)(r->nclients + r->naux) * CLIENT_SLOT,
		      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED || r->res == MAP_FAILED)
		die(EXIT_NORES, errno, "mmap of the result slots");
	r->aux_res = (struct client_result *)((char *)r->res + (size_t)r->nclients * CLIENT_SLOT);
	cl = h->cl = calloc(r->nclients, sizeof(*cl));
	ax = h->ax = calloc(r->naux ? r->naux : 1, sizeof(*ax));
	if (!cl || !ax)
		die(EXIT_NORES, ENOMEM, "clients");
	for (int i = 0; i < r->nclients; i++)
		cl[i] = (struct client){ .run = r, .id = i, .cpu = cpus[i], .stop = &ctl->stop,
			.res = client_res(r, i) };
	/* aux threads float over every allowed CPU: pinning them next to a
	 * client would measure the scheduler, not the lock */
	for (int i = 0; i < r->naux; i++)
		ax[i] = (struct client){ .run = r, .id = i, .cpu = -1, .stop = &ctl->aux_stop,
			.res = aux_res(r, i) };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* steal per CPU: sized by the CPUs this machine may have, not by the
	 * client count (client k runs on CPU cpus[k]) */
	h->nsteal = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (h->nsteal > 0) {
		h->steal0 = xcalloc((size_t)h->nsteal, sizeof(*h->steal0));
		h->steal1 = xcalloc((size_t)h->nsteal, sizeof(*h->steal1));
	} else {
		h->nsteal = 0;
	}
	freq_open(h);
	h->setup_called = true;
	if (wl->run_setup && (rc = wl->run_setup(r)))
		return rc;
	for (int it = 0; it < h->co.warmup + h->co.iterations && !harness_interrupted; it++) {
		r->iteration = it;
		r->warmup = it < h->co.warmup;
		r->invalid = false;
		r->reason[0] = 0;
		if (wl->iter_setup && (rc = wl->iter_setup(r)))
			break;
		steal_read(h->steal0, h->nsteal);
		freq_read(h, h->freq0);
		run_clients(r, cl, ax);
		freq_read(h, h->freq1);
		steal_read(h->steal1, h->nsteal);
		if (!harness_interrupted || !wl->timed)
			report_iteration(h);
		if (wl->iter_teardown)
			wl->iter_teardown(r);
	}
	if (wl->run_teardown)
		wl->run_teardown(r);
	h->teardown_done = true;
	json_decref(h->probe);
	h->probe = NULL;
	if (harness_interrupted) {
		errmsg(0, "interrupted by signal %d; finished iterations were printed",
		       harness_interrupted);
		return EXIT_INTR;
	}
	return rc;
}

int harness_main(const struct workload *wl, int argc, char **argv)
{
	struct harness h = { .run = { .wl = wl } };
	int rc = harness_run(&h, argc, argv);

	/* every way out frees the workload's state: run_teardown once run_setup
	 * was called (it copes with a setup that failed half way), else the
	 * one block check may have allocated (harness.h) */
	if (h.setup_called && !h.teardown_done && wl->run_teardown)
		wl->run_teardown(&h.run);
	else if (!h.setup_called)
		free(h.run.priv);
	free(h.cl);
	free(h.ax);
	free(h.cpus);
	free(h.steal0);
	free(h.steal1);
	freq_close(&h);
	free(h.run.opts);
	json_decref(h.probe);	/* left by a return before the iterations */
	return rc;
}
