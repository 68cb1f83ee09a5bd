/* common.c - error reporting and clocks shared by every program. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "harness.h"

const char *progname = "mmscale";
volatile int harness_interrupted;

static void verrmsg(int err, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", progname, buf, strerror(err));
	else
		fprintf(stderr, "%s: %s\n", progname, buf);
}

void errmsg(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrmsg(err, fmt, ap);
	va_end(ap);
}

void die(int code, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrmsg(err, fmt, ap);
	va_end(ap);
	exit(code);
}

static void __attribute__((noreturn)) out_of_memory(void)
{
	die(EXIT_NORES, ENOMEM, "out of memory");
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		out_of_memory();
	p = realloc(p, n && size ? n * size : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		out_of_memory();
	return d;
}

void fmt_si(double v, int digits, char *buf, size_t n)
{
	static const char *const prefix[] = { "", "k", "M", "G", "T", "P", "E" };
	double a = fabs(v);
	int k = 0;

	while (a >= 999.5 && k < 6) {
		a /= 1000;
		k++;
	}
	snprintf(buf, n, "%.*g%s", digits, v / pow(1000, k), prefix[k]);
}

char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d)
		out_of_memory();
	return d;
}

int client_fail(struct client *c, int err, const char *what)
{
	c->res->err = err ? err : EIO;
	snprintf(c->res->errmsg, sizeof(c->res->errmsg), "%s", what);
	return -1;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int mkdir_p(const char *dir)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0755) && errno != EEXIST ? -1 : 0;
}
