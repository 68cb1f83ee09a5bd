/*
 * image-clients.c - clients that drive image threads (image-clients.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "image-clients.h"

int image_clients_new(const struct run *r, const char *name, const unsigned char *elf,
		      size_t len, struct image_clients **out)
{
	int nimg = r->mode == MODE_THREADS ? 1 : r->nclients;
	struct image_clients *ic = xcalloc(1, sizeof(*ic) + (size_t)nimg * sizeof(ic->img[0]));

	*out = ic;
	ic->name = name;
	ic->nimg = nimg;
	for (int i = 0; i < nimg; i++)
		ic->img[i] = (struct image){ .fd = -1 };
	ic->elf_fd = image_load(name, elf, len);
	if (ic->elf_fd < 0) {
		errmsg(errno, "%s: memfd", name);
		return EXIT_NORES;
	}
	return 0;
}

static int exit_code(int err)
{
	return err == ENOMEM || err == EAGAIN ? EXIT_NORES : EXIT_FAIL;
}

int image_clients_create(struct image_clients *ic, const struct run *r)
{
	for (int i = 0; i < ic->nimg; i++) {
		int err = image_create(&ic->img[i], ic->nimg == 1 ? r->nclients : 1,
				       r->mode == MODE_THREADS ? r->cpus : NULL);

		if (err) {
			errmsg(err, "%s: its shared block", ic->name);
			image_clients_end(ic);
			return exit_code(err);
		}
	}
	return 0;
}

/* image_start, or with held: image_spawn, held(arg), image_build and
 * image_wait_ready.  0, an errno (msg says why) or -1: held said stop. */
static int start(struct image_clients *ic, struct image *im, int (*held)(void *arg), void *arg,
		 char *msg, size_t msglen)
{
	int err;

	if (!held)
		return image_start(im, ic->elf_fd, ic->name, msg, msglen);
	err = image_spawn(im, ic->elf_fd, ic->name, msg, msglen);
	if (err)
		return err;
	if (held(arg))
		return -1;
	image_build(im);
	return image_wait_ready(im, ic->name, msg, msglen);
}

int image_clients_start(struct image_clients *ic, struct run *r, int (*held)(void *arg))
{
	char msg[160];
	int err;

	if (r->mode != MODE_THREADS)
		return 0;
	err = start(ic, &ic->img[0], held, r, msg, sizeof(msg));
	if (!err)
		return 0;
	if (err > 0)
		errmsg(err, "%s", msg);
	image_clients_end(ic);
	return err < 0 ? EXIT_FAIL : exit_code(err);
}

int image_clients_client_start(struct image_clients *ic, struct client *c,
			       int (*held)(void *arg))
{
	char msg[160];
	int err;

	if (c->run->mode == MODE_THREADS)
		return 0;
	/* the client's child: it inherits the client's CPU */
	err = start(ic, &ic->img[c->id], held, c, msg, sizeof(msg));
	if (err <= 0)
		return err;
	errmsg(err, "%s", msg);
	return client_fail(c, err, "image start");
}

struct image *image_clients_image(struct image_clients *ic, const struct run *r, int i)
{
	return &ic->img[r->mode == MODE_THREADS ? 0 : i];
}

struct image_thread *image_clients_thread(struct image_clients *ic, const struct run *r, int i)
{
	return image_thread(image_clients_image(ic, r, i)->hdr, r->mode == MODE_THREADS ? i : 0);
}

int image_clients_run(struct image_clients *ic, struct client *c)
{
	struct image *im = image_clients_image(ic, c->run, c->id);
	int ti = c->run->mode == MODE_THREADS ? c->id : 0;
	struct image_thread *t = image_thread(im->hdr, ti);
	struct client_result *res = c->res;

	image_go(im, ti);
	client_wait_stop(c);
	image_stop(im);
	if (image_wait_done(im, ti))
		return client_fail(c, ECHILD, "image died");
	res->ops = t->ops;
	res->user_ns = t->user_ns;
	res->sys_ns = t->sys_ns;
	res->minflt = t->minflt;
	res->majflt = t->majflt;
	res->cpu_set = true;
	if (t->err)
		return client_fail(c, t->err, t->what);
	/* the image's children, once per image: RUSAGE_CHILDREN is the
	 * whole image's */
	if (ti == 0) {
		if (image_wait_finished(im))
			return client_fail(c, ECHILD, "image died");
		res->child_user_ns = im->hdr->child_user_ns;
		res->child_sys_ns = im->hdr->child_sys_ns;
	}
	return 0;
}

void image_clients_client_end(struct image_clients *ic, struct client *c)
{
	if (c->run->mode != MODE_THREADS)
		image_reap(&ic->img[c->id]);
}

void image_clients_end(struct image_clients *ic)
{
	for (int i = 0; i < ic->nimg; i++) {
		image_reap(&ic->img[i]);
		image_destroy(&ic->img[i]);
	}
}

long image_clients_vmas(const struct image_clients *ic)
{
	long v = 0;

	for (int i = 0; i < ic->nimg; i++)
		if (ic->img[i].hdr && ic->img[i].hdr->vmas > v)
			v = ic->img[i].hdr->vmas;
	return v;
}

void image_clients_free(struct image_clients *ic)
{
	if (!ic)
		return;
	if (ic->elf_fd >= 0)
		close(ic->elf_fd);
	free(ic);
}
