/*
 * changes.h - change points of a history series: E-divisive means.
 *
 * The method of Matteson & James (2014), as MongoDB's and Apache Otava's
 * performance tooling use it: split the series where the energy distance
 * between the part before and the part after is largest,
 *
 *   Q(t) = t(n-t)/n * ( 2/(t(n-t)) sum|a-b| - 1/t^2 sum|a-a'| - 1/(n-t)^2 sum|b-b'| )
 *
 * (alpha = 1), keep the split when a permutation test says it is
 * significant (the share of shuffled series, GSL's mt19937 with a fixed
 * seed, whose best Q reaches the observed one), and look for more in both
 * parts.  Distances, not means: one wild night moves it little, and a step
 * and a slow drift both show.
 *
 * Defaults: 199 permutations, alpha 0.005 (a change must beat every one of
 * them), at least 3 nights on each side.  On iid nights the chance of a
 * false change point in a series is alpha (the test is exact under
 * exchangeability); tests/unit/test_changes.c measures it on 100 A/A
 * histories shaped as mmscale-synth-history makes them.
 */
#ifndef MMSCALE_CHANGES_H
#define MMSCALE_CHANGES_H
#include <stdbool.h>
#include <stdint.h>
#include "store.h"

struct change {
	int at;			/* index of the first value after the change */
	double p;		/* permutation p-value */
	double before, after;	/* means of the segments either side */
};

struct changes_opts {
	int permutations;	/* 199 */
	double alpha;		/* 0.005 */
	int min_size;		/* 3 */
	unsigned long seed;	/* 1 */
};
#define CHANGES_OPTS_DEFAULT { .permutations = 199, .alpha = 0.005, .min_size = 3, .seed = 1 }

/* The change points of x[0..n), in order; returns how many (at most max). */
int changes_find(const double *x, int n, const struct changes_opts *o,
		 struct change *out, int max);

/* One headline series of the history: a row (group, metric, clients) of
 * one machine + config, its summaries oldest first. */
struct series {
	const struct store_run *last;	/* the machine + config's newest run */
	const char *group, *metric;
	int clients;
	enum better dir;
	const struct store_sample *s;
	int n;
};
typedef int (*series_fn)(void *arg, const struct series *sr);

/* Call FN for every series of the runs F selects (each machine + config,
 * the rows of its newest run), its nights from SINCE (epoch) on, only the
 * LAST newest (0: all); stops at the first non-zero return. */
int history_series_each(struct store *st, const struct store_filter *f, int64_t since,
			int last, series_fn fn, void *arg);
/* changes_find on a series' means, default options. */
int series_changes(const struct series *sr, struct change *out, int max);
/* The shift in percent of the mean before (signed, not "positive is better") */
double change_pct(const struct change *c);
bool change_is_worse(const struct change *c, enum better dir);

#endif
