/*
 * image-clients.h - the harness's side of a workload whose clients each
 * drive a thread of a client image (image.h): threads mode runs one image
 * with a thread per client, all in its one mm; processes mode one image
 * per client process, its child.  The client's own thread sleeps while
 * its image thread works; the image thread's CPU time and faults become
 * the client's (cpu_set).
 *
 * The hooks, in the workload's order:
 *   check          image_clients_new
 *   iter_setup     image_clients_create, then fill each block's params,
 *                  then image_clients_start (threads mode spawns here)
 *   client_setup   image_clients_client_start (processes mode spawns here)
 *   client_run     image_clients_run
 *   client_teardown image_clients_client_end
 *   iter_teardown  image_clients_end
 *   run_teardown   image_clients_free
 */
#ifndef MMSCALE_IMAGE_CLIENTS_H
#define MMSCALE_IMAGE_CLIENTS_H
#include "harness.h"
#include "image.h"

struct image_clients {
	const char *name;	/* "NAME.image", for messages */
	int elf_fd;		/* the image's program, a memfd */
	int nimg;		/* threads mode 1, processes mode nclients */
	struct image img[];
};

/* The image's program in a memfd, nothing spawned yet; into r->priv's
 * place *out.  0 or EXIT_NORES, with a message. */
int image_clients_new(const struct run *r, const char *name, const unsigned char *elf,
		      size_t len, struct image_clients **out);
/* Each image's block (made before processes-mode clients are forked, so
 * the parent sees every image's figures): 0 or EXIT_*, with a message. */
int image_clients_create(struct image_clients *ic, const struct run *r);
/* Threads mode: spawn the one image and wait until it is ready (0 or
 * EXIT_*, with a message; the images reaped on failure).  Processes mode:
 * nothing.  held, when not NULL, is called with r while every image
 * thread exists, pinned, and has built nothing yet (image_spawn): a
 * nonzero return stops there (EXIT_FAIL; held said why). */
int image_clients_start(struct image_clients *ic, struct run *r, int (*held)(void *arg));
/* Processes mode: the client process spawns its own image and waits until
 * it is ready (0, or client_fail's -1); held as above, with c, and -1
 * from it stops there.  Threads mode: nothing. */
int image_clients_client_start(struct image_clients *ic, struct client *c,
			       int (*held)(void *arg));
/* The image that client i drives, and its thread there. */
struct image *image_clients_image(struct image_clients *ic, const struct run *r, int i);
struct image_thread *image_clients_thread(struct image_clients *ic, const struct run *r, int i);
/* The client's loop, run by its image thread: release it, sleep until the
 * harness says stop, stop it and take its figures (ops, CPU time, faults;
 * the image's children's CPU in the slot of its thread 0).  0 or -1. */
int image_clients_run(struct image_clients *ic, struct client *c);
/* Processes mode: reap the client's image.  Threads mode: nothing. */
void image_clients_client_end(struct image_clients *ic, struct client *c);
/* Reap every image and drop its block. */
void image_clients_end(struct image_clients *ic);
/* The largest VMA count of an image's mm once ready; 0 when none. */
long image_clients_vmas(const struct image_clients *ic);
/* Close the program's memfd and free; NULL is fine. */
void image_clients_free(struct image_clients *ic);
#endif
