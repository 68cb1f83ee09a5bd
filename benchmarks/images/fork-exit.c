/*
 * fork-exit.image - the forking process of fork-exit (image.h): a static
 * program whose mm holds its own few VMAs, the --vmas N it builds and the
 * --touch region, and nothing else, so each fork copies what the point
 * says it copies.  One thread per client (threads mode: clients share this
 * mm; processes mode: one image per client), each looping fork, child
 * stores to --touch pages and _exit (or execs exit0), waitpid, until the
 * driver says stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "image.h"
#include "fork-exit.h"

static struct image_hdr *hdr;
/* A private copy of the parameters: the block is a shared mapping, whose
 * page tables fork does not copy, so a child reading it would take a
 * fault the bare loop's child does not. */
static struct fe_params params;
static const struct fe_params *prm = &params;
static char *area, *region;

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
}

static int fail(int err, const char *what)
{
	snprintf(hdr->what, sizeof(hdr->what), "%s: %s", what, strerror(err));
	__atomic_store_n(&hdr->err, err, __ATOMIC_RELEASE);
	image_futex_wake(&hdr->ready);
	return 1;
}

/* The --vmas N distinct one-page VMAs (a guard page apart, no THP, so none
 * merges) and the --touch region, as fork-exit has always built them. */
static int build_mm(void)
{
	size_t ps = (size_t)prm->pagesize;

	if (prm->vmas) {
		size_t len = (size_t)prm->vmas * 2 * ps;

		area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (area == MAP_FAILED)
			return fail(errno, "mmap of the --vmas area");
		if (madvise(area, len, MADV_NOHUGEPAGE))
			return fail(errno, "madvise");
		for (long i = 0; i < prm->vmas; i++)
			if (munmap(area + (size_t)(2 * i + 1) * ps, ps))
				return fail(errno, "munmap of a guard page");
		/* after the split, so each VMA gets an anon_vma of its own,
		 * as separately faulted mappings do */
		if (prm->touched)
			for (long i = 0; i < prm->vmas; i++)
				area[(size_t)(2 * i) * ps] = 1;
	}
	if (prm->touch) {
		region = mmap(NULL, (size_t)prm->touch * ps, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (region == MAP_FAILED)
			return fail(errno, "mmap of the --touch region");
		memset(region, 1, (size_t)prm->touch * ps);
	}
	return 0;
}

static long count_maps(void)
{
	char buf[4096];
	long n = 0;
	ssize_t got;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < got; i++)
			n += buf[i] == '\n';
	close(fd);
	return n;
}

static void __attribute__((noreturn)) child(void)
{
	for (long i = 0; i < prm->touch; i++)
		((volatile char *)region)[(size_t)i * (size_t)prm->pagesize] = 2;
	if (prm->helper[0]) {
		char *argv[] = { (char *)"exit0", NULL };
		char *envp[] = { NULL };

		execve(prm->helper, argv, envp);
		_exit(127);
	}
	_exit(0);
}

/* One client's loop; its counters in its slot. */
static void storm(struct image_thread *t)
{
	struct rusage r0, r1;
	uint64_t n = 0, eagain = 0, bad = 0;
	int tries = 0, last = 0;

	getrusage(RUSAGE_THREAD, &r0);
	while (!__atomic_load_n(&hdr->stop, __ATOMIC_RELAXED)) {
		pid_t pid = fork();
		int st;

		if (pid < 0) {
			if (errno == EAGAIN && tries < FE_EAGAIN_RETRIES) {
				struct timespec ms = { .tv_nsec = 1000000 };

				tries++;
				eagain++;
				nanosleep(&ms, NULL);
				continue;
			}
			if (errno == EAGAIN)
				t->aux[FE_GAVE_UP] = 1;
			else
				t->err = errno, snprintf(t->what, sizeof(t->what), "fork");
			break;
		}
		if (pid == 0)
			child();
		tries = 0;
		while (waitpid(pid, &st, 0) < 0) {
			if (errno != EINTR) {
				t->err = errno;
				snprintf(t->what, sizeof(t->what), "waitpid");
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
	getrusage(RUSAGE_THREAD, &r1);
	t->ops = n;
	t->user_ns = tv_ns(r1.ru_utime) - tv_ns(r0.ru_utime);
	t->sys_ns = tv_ns(r1.ru_stime) - tv_ns(r0.ru_stime);
	t->minflt = (uint64_t)(r1.ru_minflt - r0.ru_minflt);
	t->majflt = (uint64_t)(r1.ru_majflt - r0.ru_majflt);
	t->aux[FE_EAGAIN] = eagain;
	t->aux[FE_CHILD_FAIL] = bad;
	t->aux[FE_LAST_STATUS] = (uint64_t)(unsigned)last;
}

static void *thread_main(void *arg)
{
	int i = (int)(long)arg;
	struct image_thread *t = image_thread(hdr, i);

	if (t->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(t->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fail(errno, "sched_setaffinity");
			return NULL;
		}
	}
	if (i == 0) {
		/* the last to be ready counts the mm, every thread in it */
		while (__atomic_load_n(&hdr->ready, __ATOMIC_ACQUIRE) < hdr->nthreads - 1)
			image_futex_wait(&hdr->ready, hdr->ready, NULL);
		hdr->vmas = count_maps();
	}
	image_add(&hdr->ready);
	while (!__atomic_load_n(&t->go, __ATOMIC_ACQUIRE))
		image_futex_wait(&t->go, 0, NULL);
	storm(t);
	image_set(&t->done);
	if (image_add(&hdr->finished) == hdr->nthreads) {
		/* every child of every thread is reaped: all of them, once */
		struct rusage ch;

		getrusage(RUSAGE_CHILDREN, &ch);
		hdr->child_user_ns = tv_ns(ch.ru_utime);
		hdr->child_sys_ns = tv_ns(ch.ru_stime);
		hdr->child_minflt = (uint64_t)ch.ru_minflt;
		image_add(&hdr->finished);	/* nthreads + 1: children are in */
	}
	return NULL;
}

int main(void)
{
	struct stat st;
	pthread_t *tids;

	/* dies with its driver; a ^C to the group is the driver's to handle */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	if (fstat(IMAGE_FD, &st) || (size_t)st.st_size < sizeof(*hdr)) {
		fprintf(stderr, "fork-exit.image: no block at fd %d (run by fork-exit only)\n", IMAGE_FD);
		return 2;
	}
	hdr = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, IMAGE_FD, 0);
	if (hdr == MAP_FAILED || hdr->magic != IMAGE_MAGIC || hdr->version != IMAGE_VERSION) {
		fprintf(stderr, "fork-exit.image: fd %d is not an image block\n", IMAGE_FD);
		return 2;
	}
	close(IMAGE_FD);
	memcpy(&params, hdr->params, sizeof(params));
	if (build_mm())
		return 1;
	tids = calloc((size_t)hdr->nthreads, sizeof(*tids));
	if (!tids)
		return fail(ENOMEM, "threads");
	for (int i = 1; i < hdr->nthreads; i++) {
		int err = pthread_create(&tids[i], NULL, thread_main, (void *)(long)i);

		if (err)
			return fail(err, "pthread_create");
	}
	thread_main(0);
	for (int i = 1; i < hdr->nthreads; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
