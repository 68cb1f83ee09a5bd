/*
 * image.c - the driver's side of a client image (image.h): load it into a
 * memfd, spawn it with its block, release and stop its threads, reap it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "image.h"

extern char **environ;

/* while waiting on the image, look whether it is still alive this often */
static const struct timespec poll_ts = { .tv_nsec = 20 * 1000000 };

int image_load(const char *name, const unsigned char *elf, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t n = write(fd, elf + off, len - off);

		if (n < 0) {
			int err = errno;

			close(fd);
			errno = err;
			return -1;
		}
		off += (size_t)n;
	}
	/* above IMAGE_FD: image_start's dup2 onto it must not close this */
	if (fd <= IMAGE_FD) {
		int high = fcntl(fd, F_DUPFD_CLOEXEC, IMAGE_FD + 1), err = errno;

		close(fd);
		errno = err;
		fd = high;
	}
	return fd;
}

int image_create(struct image *im, int nthreads, const int *cpus)
{
	size_t size = image_size(nthreads);
	int fd = memfd_create("mmscale-image-block", MFD_CLOEXEC), err;
	struct image_hdr *h;

	*im = (struct image){ .fd = -1 };
	if (fd < 0)
		return errno;
	if (ftruncate(fd, (off_t)size)) {
		err = errno;
		close(fd);
		return err;
	}
	h = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		err = errno;
		close(fd);
		return err;
	}
	h->magic = IMAGE_MAGIC;
	h->version = IMAGE_VERSION;
	h->nthreads = nthreads;
	h->size = size;
	for (int i = 0; i < nthreads; i++)
		image_thread(h, i)->cpu = cpus ? cpus[i] : -1;
	*im = (struct image){ .hdr = h, .fd = fd };
	return 0;
}

/* Still running?  Peeks without reaping (WNOWAIT), so any thread may ask. */
static bool image_alive(const struct image *im)
{
	siginfo_t si = { 0 };

	if (im->pid <= 0)
		return false;
	if (waitid(P_PID, (id_t)im->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return false;
	return si.si_pid != im->pid;
}

static int spawn(struct image *im, int elf_fd, const char *name, char *msg, size_t msglen)
{
	posix_spawn_file_actions_t fa;
	char path[64];
	char *argv[] = { (char *)name, NULL };
	int err, fd;

	/* the block at IMAGE_FD in the image: dup2 clears close-on-exec, but
	 * not when the fd is IMAGE_FD already, so move it above first */
	fd = fcntl(im->fd, F_DUPFD_CLOEXEC, IMAGE_FD + 1);
	if (fd < 0) {
		snprintf(msg, msglen, "%s: fcntl F_DUPFD", name);
		return errno;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", elf_fd);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, IMAGE_FD);
	err = posix_spawn(&im->pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	if (err) {
		im->pid = 0;
		snprintf(msg, msglen, "%s: posix_spawn", name);
	}
	return err;
}

/* Wait until every thread has reached *word (attached or ready): 0, or an
 * errno with the reason in msg. */
static int wait_threads(struct image *im, volatile int *word, const char *name, char *msg,
			size_t msglen)
{
	struct image_hdr *h = im->hdr;

	for (;;) {
		int n = __atomic_load_n(word, __ATOMIC_ACQUIRE);

		if (h->err) {
			snprintf(msg, msglen, "%s: %s", name, h->what);
			return h->err;
		}
		if (n == h->nthreads)
			return 0;
		if (!image_alive(im)) {
			snprintf(msg, msglen, "%s: died before it was ready", name);
			return ECHILD;
		}
		image_futex_wait(word, n, &poll_ts);
	}
}

int image_start(struct image *im, int elf_fd, const char *name, char *msg, size_t msglen)
{
	int err = spawn(im, elf_fd, name, msg, msglen);

	return err ? err : wait_threads(im, &im->hdr->ready, name, msg, msglen);
}

int image_spawn(struct image *im, int elf_fd, const char *name, char *msg, size_t msglen)
{
	int err;

	im->hdr->hold = 1;
	err = spawn(im, elf_fd, name, msg, msglen);
	return err ? err : wait_threads(im, &im->hdr->attached, name, msg, msglen);
}

void image_build(struct image *im)
{
	image_set(&im->hdr->build);
}

int image_wait_ready(struct image *im, const char *name, char *msg, size_t msglen)
{
	return wait_threads(im, &im->hdr->ready, name, msg, msglen);
}

void image_go(struct image *im, int i)
{
	image_set(&image_thread(im->hdr, i)->go);
}

void image_stop(struct image *im)
{
	__atomic_store_n(&im->hdr->stop, 1, __ATOMIC_RELEASE);
}

static int wait_word(struct image *im, volatile int *word, int want)
{
	for (;;) {
		int v = __atomic_load_n(word, __ATOMIC_ACQUIRE);

		if (v >= want)
			return 0;
		if (!image_alive(im))
			return __atomic_load_n(word, __ATOMIC_ACQUIRE) >= want ? 0 : -1;
		image_futex_wait(word, v, &poll_ts);
	}
}

int image_wait_done(struct image *im, int i)
{
	return wait_word(im, &image_thread(im->hdr, i)->done, 1);
}

int image_wait_finished(struct image *im)
{
	/* nthreads + 1: the last thread adds one more once the children's
	 * figures are in */
	return wait_word(im, &im->hdr->finished, im->hdr->nthreads + 1);
}

int image_reap(struct image *im)
{
	int st = 0;

	if (im->pid <= 0)
		return 0;
	if (im->hdr && im->hdr->ready < im->hdr->nthreads)
		kill(im->pid, SIGKILL);	/* it failed, holds, or hangs in its setup */
	else if (im->hdr && !__atomic_load_n(&im->hdr->stop, __ATOMIC_ACQUIRE)) {
		/* never released or stopped: release every thread with stop set */
		image_stop(im);
		for (int i = 0; i < im->hdr->nthreads; i++)
			image_go(im, i);
	}
	if (im->hdr)
		image_set(&im->hdr->quit);
	while (waitpid(im->pid, &st, 0) < 0 && errno == EINTR)
		;
	im->pid = 0;
	return st;
}

void image_destroy(struct image *im)
{
	if (im->hdr)
		munmap(im->hdr, im->hdr->size);
	if (im->fd >= 0)
		close(im->fd);
	*im = (struct image){ .fd = -1 };
}
