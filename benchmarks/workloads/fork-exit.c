/*
 * fork-exit - a fork/exit storm: the cost of copying and tearing down VMAs.
 *
 * Each client loops fork, waitpid; the child stores to --touch pages of a
 * region it inherited (populated before, so each store breaks COW) and
 * _exits, or with --exec execs the tiny static helper bin/exit0.
 * forks/sec and forks/cpu per iteration; the CPU time includes the
 * children's, since fork's copy and exit's teardown are the work measured.
 *
 * The forking is done by a static image (benchmarks/images/fork-exit.c,
 * image.h) the client drives, so that the forking mm holds none of this
 * program's libraries: 13 VMAs at 1 client against 54 for this program
 * and 12 for the static bare loop (forker_vmas in the output).  Threads
 * mode: one image, one thread per client, all in its one mm; processes
 * mode: one image per client process.  The image's thread does the work,
 * so its CPU time and faults are the client's (cpu_set).
 *
 * The forking mm first holds --vmas N extra distinct VMAs of one page each
 * (a guard page apart, MADV_NOHUGEPAGE, so none merges).  Fork duplicates
 * every VMA (vm_area_dup) and, for a populated one, its anon_vma chain and
 * page table; exit detaches and frees them all.  So --touched, which
 * populates those pages, makes each fork cost more.
 *
 * Children's CPU time is the image's RUSAGE_CHILDREN: per client in
 * processes mode; in threads mode RUSAGE_CHILDREN is per process, so the
 * image's children are reported once, in client 0's slot, and said so in
 * the output ("children_accounting").
 *
 * fork failing with EAGAIN (a process limit) is retried, up to
 * FE_EAGAIN_RETRIES times in a row a millisecond apart, and counted; if it
 * persists the client stops and the iteration is marked invalid.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"
#include "image-clients.h"
#include "../images/fork-exit.h"

MMSCALE_IMAGE(fe_image, "fork-exit");

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
	  "extra distinct one-page VMAs the forking mm holds" },
	{ "touched", 0, OPT_BOOL, O(touched), NULL, NULL, 0, 0,
	  "populate the pages of those VMAs (fork then copies their page tables)" },
	{ "touch", 0, OPT_INT, O(touch), "0", NULL, 0, 1 << 20,
	  "pages of an inherited region the child stores to before exiting" },
	{ "exec", 0, OPT_BOOL, O(exec), NULL, NULL, 0, 0,
	  "the child execs the static helper exit0 instead of _exit" },
	{ 0 }
};
#undef O

struct fe {
	char helper[PATH_MAX];
	struct image_clients *ic;
};

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
	return image_clients_new(r, "fork-exit.image", fe_image, (size_t)(fe_image_end - fe_image),
				 &f->ic);
}

/* The blocks, made before the clients are forked so that the parent sees
 * every image's figures; threads mode starts its one image here too. */
static int fe_iter_setup(struct run *r)
{
	const struct fe_opts *o = r->opts;
	struct fe *f = r->priv;
	int rc = image_clients_create(f->ic, r);

	if (rc)
		return rc;
	for (int i = 0; i < f->ic->nimg; i++) {
		struct fe_params *p = (struct fe_params *)f->ic->img[i].hdr->params;

		*p = (struct fe_params){ .pagesize = r->pagesize, .vmas = o->vmas,
			.touch = o->touch, .touched = o->touched };
		if (o->exec)
			snprintf(p->helper, sizeof(p->helper), "%s", f->helper);
	}
	return image_clients_start(f->ic, r, NULL);
}

static void fe_iter_teardown(struct run *r)
{
	image_clients_end(((struct fe *)r->priv)->ic);
}

/* processes mode: the client process starts its own image, its child */
static int fe_client_setup(struct client *c)
{
	return image_clients_client_start(((struct fe *)c->run->priv)->ic, c, NULL);
}

static void fe_client_teardown(struct client *c)
{
	image_clients_client_end(((struct fe *)c->run->priv)->ic, c);
}

/* The client's storm runs in its image thread; its counters are the
 * client's. */
static int fe_client_run(struct client *c)
{
	struct image_clients *ic = ((struct fe *)c->run->priv)->ic;
	const struct image_thread *t = image_clients_thread(ic, c->run, c->id);
	struct client_result *res = c->res;
	int rc = image_clients_run(ic, c);

	res->aux[AUX_EAGAIN] = t->aux[FE_EAGAIN];
	res->aux[AUX_CHILD_FAIL] = t->aux[FE_CHILD_FAIL];
	res->aux[AUX_FLAGS] = (t->aux[FE_GAVE_UP] ? GAVE_UP : 0) | t->aux[FE_LAST_STATUS] << 8;
	/* the image's children's faults, where its children's CPU went */
	if (!rc && (c->run->mode != MODE_THREADS || c->id == 0))
		res->aux[AUX_CHILD_MINFLT] = image_clients_image(ic, c->run, c->id)->hdr->child_minflt;
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
		"per client: RUSAGE_CHILDREN of each client's forker image" :
		"whole process, once: RUSAGE_CHILDREN is per process, so all clients' "
		"children (of the one forker image) are in clients_detail[0]"));
	json_object_set_new(out, "forker_vmas",
			    json_integer(image_clients_vmas(((struct fe *)r->priv)->ic)));
	if (r->invalid)
		return;
	if (gave_up >= 0) {
		r->invalid = true;
		snprintf(r->reason, sizeof(r->reason),
			 "client %d: fork failed with EAGAIN %d times in a row (process limit: "
			 "RLIMIT_NPROC, pids cgroup or kernel.pid_max); %llu retries in all",
			 gave_up, FE_EAGAIN_RETRIES, (unsigned long long)eagain);
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
	struct fe *f = r->priv;

	if (f)
		image_clients_free(f->ic);
	free(f);
	r->priv = NULL;
}

/* the forking mm's size describes the point: compare prints it */
static const char *const fe_facts[] = { "forker_vmas", NULL };

static const struct workload fork_exit = {
	.name = "fork-exit",
	.version = "2",
	.summary = "loop fork, child touch and _exit (or exec), waitpid; the forking mm holds N VMAs",
	.metric = "forks",
	.facts = fe_facts,
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
