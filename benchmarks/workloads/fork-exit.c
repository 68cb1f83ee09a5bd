/*
 * fork-exit - a fork/exit storm: the cost of copying and tearing down VMAs.
 *
 * Each client loops fork, waitpid; the child stores to --touch pages of a
 * region it inherited (populated by the parent, so each store breaks COW)
 * and _exits, or with --exec execs the tiny static helper bin/exit0.
 * forks/sec and forks/cpu per iteration; the CPU time includes the
 * children's, since fork's copy and exit's teardown are the work measured.
 *
 * The parent's mm first holds --vmas N extra distinct VMAs of one page
 * each (a guard page apart, MADV_NOHUGEPAGE, so none merges).  Fork
 * duplicates every VMA (vm_area_dup) and, for a populated one, its
 * anon_vma chain and page table; exit detaches and frees them all.  So
 * --touched, which populates those pages, makes each fork cost more.
 *
 * Threads mode: the clients share one mm holding the N VMAs.  Processes
 * mode: each client builds its own N in its own mm.  Children's CPU time
 * comes from RUSAGE_CHILDREN: per client process in processes mode; in
 * threads mode RUSAGE_CHILDREN is per process, so the whole process's
 * children time is reported once, in client 0's slot, and said so in the
 * output ("children_accounting").
 *
 * fork failing with EAGAIN (a process limit) is retried, up to
 * EAGAIN_RETRIES times in a row a millisecond apart, and counted; if it
 * persists the client stops and the iteration is marked invalid.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

#define EAGAIN_RETRIES 100

/* aux counters of each client's slot; AUX_FLAGS holds GAVE_UP and the
 * wait status of the last child that failed, shifted by 8 */
enum { AUX_EAGAIN, AUX_FLAGS, AUX_CHILD_FAIL, AUX_CHILD_MINFLT };
#define GAVE_UP 1

struct fe_opts {
	long vmas, touch;
	bool touched, exec;
};

#define O(f) OPT_OFF(struct fe_opts, f)
static const struct opt fe_table[] = {
	{ "vmas", 0, OPT_INT, O(vmas), "0", NULL, 0, 100000000,
	  "extra distinct one-page VMAs the parent holds" },
	{ "touched", 0, OPT_BOOL, O(touched), NULL, NULL, 0, 0,
	  "populate the pages of those VMAs (fork then copies their page tables)" },
	{ "touch", 0, OPT_INT, O(touch), "0", NULL, 0, 1 << 20,
	  "pages of an inherited region the child stores to before exiting" },
	{ "exec", 0, OPT_BOOL, O(exec), NULL, NULL, 0, 0,
	  "the child execs the static helper exit0 instead of _exit" },
	{ 0 }
};
#undef O

/* The VMAs and the region the child touches, one set per mm. */
struct fe_mm {
	char *area;		/* 2 * vmas pages: VMA, guard, VMA, guard... */
	char *region;		/* touch pages, populated */
};

struct fe {
	char helper[PATH_MAX];
	struct fe_mm shared;	/* threads mode: the one mm's */
	struct rusage ch0;	/* threads mode: RUSAGE_CHILDREN at iteration start */
	int finished;		/* threads mode: clients done with their loop */
	struct client_result *slot0;
};

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
}

static int fe_check(struct run *r)
{
	struct fe_opts *o = r->opts;
	struct fe *f = calloc(1, sizeof(*f));
	long max_map;
	ssize_t n;

	if (!f)
		return EXIT_NORES;
	r->priv = f;
	if (o->touched && !o->vmas) {
		errmsg(0, "--touched: needs --vmas N (the VMAs whose pages it populates)");
		return EXIT_USAGE;
	}
	max_map = read_long("/proc/sys/vm/max_map_count");
	if (max_map > 0 && o->vmas + 1000 > max_map) {
		errmsg(0, "--vmas %ld: with this process's own VMAs, over vm.max_map_count (%ld)",
		       o->vmas, max_map);
		return EXIT_NORES;
	}
	if (o->exec) {
		/* the helper sits beside this program in bin/ */
		n = readlink("/proc/self/exe", f->helper, sizeof(f->helper) - 8);
		if (n < 0) {
			errmsg(errno, "--exec: readlink /proc/self/exe");
			return EXIT_NORES;
		}
		f->helper[n] = 0;
		snprintf(strrchr(f->helper, '/') + 1, 8, "exit0");
		if (access(f->helper, X_OK)) {
			errmsg(errno, "--exec: helper %s", f->helper);
			return EXIT_NORES;
		}
	}
	return 0;
}

static int build_mm(struct run *r, struct fe_mm *m)
{
	const struct fe_opts *o = r->opts;
	size_t ps = (size_t)r->pagesize;

	if (o->vmas) {
		size_t len = (size_t)o->vmas * 2 * ps;

		m->area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m->area == MAP_FAILED) {
			m->area = NULL;
			return errno;
		}
		if (madvise(m->area, len, MADV_NOHUGEPAGE))
			return errno;
		for (long i = 0; i < o->vmas; i++)
			if (munmap(m->area + (size_t)(2 * i + 1) * ps, ps))
				return errno;
		/* after the split, so each VMA gets an anon_vma of its own,
		 * as separately faulted mappings do */
		if (o->touched)
			for (long i = 0; i < o->vmas; i++)
				m->area[(size_t)(2 * i) * ps] = 1;
	}
	if (o->touch) {
		m->region = mmap(NULL, (size_t)o->touch * ps, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m->region == MAP_FAILED) {
			m->region = NULL;
			return errno;
		}
		memset(m->region, 1, (size_t)o->touch * ps);
	}
	return 0;
}

static void free_mm(struct run *r, struct fe_mm *m)
{
	const struct fe_opts *o = r->opts;

	if (m->area)
		munmap(m->area, (size_t)o->vmas * 2 * (size_t)r->pagesize);
	if (m->region)
		munmap(m->region, (size_t)o->touch * (size_t)r->pagesize);
	*m = (struct fe_mm){ 0 };
}

static int fe_iter_setup(struct run *r)
{
	struct fe *f = r->priv;
	int err;

	f->finished = 0;
	f->slot0 = client_res(r, 0);
	if (r->mode != MODE_THREADS)
		return 0;
	err = build_mm(r, &f->shared);
	if (err) {
		errmsg(err, "building --vmas %ld", ((struct fe_opts *)r->opts)->vmas);
		free_mm(r, &f->shared);
		return EXIT_NORES;
	}
	/* no child of this iteration exists yet: the base of the delta */
	getrusage(RUSAGE_CHILDREN, &f->ch0);
	return 0;
}

static void fe_iter_teardown(struct run *r)
{
	struct fe *f = r->priv;

	free_mm(r, &f->shared);
}

static int fe_client_setup(struct client *c)
{
	struct fe_mm *m;
	int err;

	if (c->run->mode == MODE_THREADS)
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return client_fail(c, ENOMEM, "client state");
	c->priv = m;
	err = build_mm(c->run, m);
	return err ? client_fail(c, err, "building the VMAs") : 0;
}

static void fe_client_teardown(struct client *c)
{
	if (c->priv) {
		free_mm(c->run, c->priv);
		free(c->priv);
		c->priv = NULL;
	}
}

static void __attribute__((noreturn)) child(struct run *r, const struct fe_mm *m,
					    const char *helper)
{
	const struct fe_opts *o = r->opts;

	for (long i = 0; i < o->touch; i++)
		((volatile char *)m->region)[(size_t)i * (size_t)r->pagesize] = 2;
	if (helper) {
		char *argv[] = { (char *)"exit0", NULL };
		char *envp[] = { NULL };

		execve(helper, argv, envp);
		_exit(127);
	}
	_exit(0);
}

static int fe_client_run(struct client *c)
{
	struct run *r = c->run;
	struct fe *f = r->priv;
	const struct fe_opts *o = r->opts;
	const struct fe_mm *m = r->mode == MODE_THREADS ? &f->shared : c->priv;
	const char *helper = o->exec ? f->helper : NULL;
	struct client_result *res = c->res;
	struct rusage ch0, ch1;
	uint64_t n = 0, eagain = 0, bad = 0;
	int tries = 0, rc = 0, last = 0;

	getrusage(RUSAGE_CHILDREN, &ch0);
	while (!__atomic_load_n(c->stop, __ATOMIC_RELAXED)) {
		pid_t pid = fork();
		int st;

		if (pid < 0) {
			if (errno == EAGAIN && tries < EAGAIN_RETRIES) {
				struct timespec ms = { .tv_nsec = 1000000 };

				tries++;
				eagain++;
				nanosleep(&ms, NULL);
				continue;
			}
			if (errno == EAGAIN) {
				res->aux[AUX_FLAGS] |= GAVE_UP;	/* iter_report says why */
				break;
			}
			rc = client_fail(c, errno, "fork");
			break;
		}
		if (pid == 0)
			child(r, m, helper);
		tries = 0;
		while (waitpid(pid, &st, 0) < 0) {
			if (errno != EINTR) {
				rc = client_fail(c, errno, "waitpid");
				goto out;
			}
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			bad++;
			last = st;
		}
		n++;
	}
out:
	res->ops = n;
	res->aux[AUX_EAGAIN] = eagain;
	res->aux[AUX_CHILD_FAIL] = bad;
	res->aux[AUX_FLAGS] |= (uint64_t)(unsigned)last << 8;
	if (r->mode == MODE_PROCESSES) {
		getrusage(RUSAGE_CHILDREN, &ch1);
		res->child_user_ns = tv_ns(ch1.ru_utime) - tv_ns(ch0.ru_utime);
		res->child_sys_ns = tv_ns(ch1.ru_stime) - tv_ns(ch0.ru_stime);
		res->aux[AUX_CHILD_MINFLT] = (uint64_t)(ch1.ru_minflt - ch0.ru_minflt);
	} else if (__atomic_add_fetch(&f->finished, 1, __ATOMIC_SEQ_CST) == r->nclients) {
		/* the last client out: every child of every client is reaped,
		 * so this delta is all of them, counted once */
		getrusage(RUSAGE_CHILDREN, &ch1);
		f->slot0->child_user_ns = tv_ns(ch1.ru_utime) - tv_ns(f->ch0.ru_utime);
		f->slot0->child_sys_ns = tv_ns(ch1.ru_stime) - tv_ns(f->ch0.ru_stime);
		f->slot0->aux[AUX_CHILD_MINFLT] = (uint64_t)(ch1.ru_minflt - f->ch0.ru_minflt);
	}
	return rc;
}

static void fe_iter_report(struct run *r, json_t *out)
{
	uint64_t eagain = 0, bad = 0, pu = 0, ps = 0, cu = 0, cs = 0, cflt = 0;
	int gave_up = -1, failed = -1;
	uint64_t last = 0;

	for (int i = 0; i < r->nclients; i++) {
		const struct client_result *c = client_res(r, i);

		eagain += c->aux[AUX_EAGAIN];
		bad += c->aux[AUX_CHILD_FAIL];
		if ((c->aux[AUX_FLAGS] & GAVE_UP) && gave_up < 0)
			gave_up = i;
		if (c->aux[AUX_CHILD_FAIL] && failed < 0) {
			failed = i;
			last = c->aux[AUX_FLAGS] >> 8;
		}
		cflt += c->aux[AUX_CHILD_MINFLT];
		pu += c->user_ns;
		ps += c->sys_ns;
		cu += c->child_user_ns;
		cs += c->child_sys_ns;
	}
	json_object_set_new(out, "fork_eagain_retries", json_integer((json_int_t)eagain));
	json_object_set_new(out, "child_failures", json_integer((json_int_t)bad));
	json_object_set_new(out, "parent_user_ns", json_integer((json_int_t)pu));
	json_object_set_new(out, "parent_sys_ns", json_integer((json_int_t)ps));
	json_object_set_new(out, "child_user_ns", json_integer((json_int_t)cu));
	json_object_set_new(out, "child_sys_ns", json_integer((json_int_t)cs));
	json_object_set_new(out, "child_minflt", json_integer((json_int_t)cflt));
	json_object_set_new(out, "children_accounting", json_string(
		r->mode == MODE_PROCESSES ?
		"per client: RUSAGE_CHILDREN delta of each client process" :
		"whole process, once: RUSAGE_CHILDREN is per process, so all clients' "
		"children are in clients_detail[0]"));
	if (r->invalid)
		return;
	if (gave_up >= 0) {
		r->invalid = true;
		snprintf(r->reason, sizeof(r->reason),
			 "client %d: fork failed with EAGAIN %d times in a row (process limit: "
			 "RLIMIT_NPROC, pids cgroup or kernel.pid_max); %llu retries in all",
			 gave_up, EAGAIN_RETRIES, (unsigned long long)eagain);
	} else if (failed >= 0) {
		int st = (int)last;

		r->invalid = true;
		if (WIFEXITED(st))
			snprintf(r->reason, sizeof(r->reason), "%llu children failed; the last "
				 "exited %d%s", (unsigned long long)bad, WEXITSTATUS(st),
				 WEXITSTATUS(st) == 127 ? " (exec of the helper failed)" : "");
		else
			snprintf(r->reason, sizeof(r->reason), "%llu children failed; the last "
				 "was killed by signal %d", (unsigned long long)bad,
				 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	}
}

static void fe_run_teardown(struct run *r)
{
	free(r->priv);
	r->priv = NULL;
}

static const struct workload fork_exit = {
	.name = "fork-exit",
	.version = "1",
	.summary = "loop fork, child touch and _exit (or exec), waitpid; the parent holds N VMAs",
	.metric = "forks",
	.timed = true,
	.opts = fe_table,
	.opts_size = sizeof(struct fe_opts),
	.check = fe_check,
	.iter_setup = fe_iter_setup,
	.iter_teardown = fe_iter_teardown,
	.client_setup = fe_client_setup,
	.client_run = fe_client_run,
	.client_teardown = fe_client_teardown,
	.iter_report = fe_iter_report,
	.run_teardown = fe_run_teardown,
};

MMSCALE_WORKLOAD(&fork_exit)
