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
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include "image.h"
#include "fork-exit.h"

/* A private copy of the parameters: the block is a shared mapping, whose
 * page tables fork does not copy, so a child reading it would take a
 * fault the bare loop's child does not. */
static struct fe_params params;
static const struct fe_params *prm = &params;
static char *area, *region;

/* The --vmas N distinct one-page VMAs (a guard page apart, no THP, so none
 * merges) and the --touch region, as fork-exit has always built them. */
static int build_mm(void)
{
	size_t ps = (size_t)prm->pagesize;

	if (prm->vmas) {
		size_t len = (size_t)prm->vmas * 2 * ps;

		area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (area == MAP_FAILED)
			return image_fail(errno, "mmap of the --vmas area");
		if (madvise(area, len, MADV_NOHUGEPAGE))
			return image_fail(errno, "madvise");
		for (long i = 0; i < prm->vmas; i++)
			if (munmap(area + (size_t)(2 * i + 1) * ps, ps))
				return image_fail(errno, "munmap of a guard page");
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
			return image_fail(errno, "mmap of the --touch region");
		memset(region, 1, (size_t)prm->touch * ps);
	}
	return 0;
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
static void storm(struct image_thread *t, int i)
{
	uint64_t n = 0, eagain = 0, bad = 0;
	int tries = 0, last = 0;

	while (!image_stopped()) {
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
	t->ops = n;
	t->aux[FE_EAGAIN] = eagain;
	t->aux[FE_CHILD_FAIL] = bad;
	t->aux[FE_LAST_STATUS] = (uint64_t)(unsigned)last;
}

int main(void)
{
	return image_main(&(const struct image_prog){
		.name = "fork-exit.image",
		.params = &params,
		.params_size = sizeof(params),
		.setup = build_mm,
		.run = storm,
	});
}
