/*
 * series.c - mmtests' "large stride" client series (reference section 2):
 * dense where contention appears, sparse where the curve is flat.
 */
#include "series.h"

struct stride {
	int from, to, step;
};

/* Appends v to out (when it fits and is >= min); counts it either way. */
static int put(int v, int min, int *out, int max, int n)
{
	if (v < min)
		return n;
	if (n < max)
		out[n] = v;
	return n + 1;
}

int series_large_stride(int min, int end, int *out, int max)
{
	/* The segments, by the size of the machine. */
	static const struct stride big[] = { { 0, 8, 3 }, { 12, 32, 9 }, { 48, -1, 31 } };
	static const struct stride mid[] = { { 0, 8, 2 }, { 12, -1, 6 } };
	static const struct stride small[] = { { 0, -1, 2 } };
	const struct stride *seg;
	int nseg, n = 0, last = 0;

	if (min < 1 || end < min)
		return 0;
	if (end > 32) {
		seg = big;
		nseg = 3;
	} else if (end > 8) {
		seg = mid;
		nseg = 2;
	} else {
		seg = small;
		nseg = 1;
	}
	for (int i = 0; i < nseg; i++) {
		/* from 0 means "start at MIN"; to -1 means "up to END" */
		int from = seg[i].from ? seg[i].from : min;
		int to = seg[i].to < 0 ? end : seg[i].to;

		for (int v = from; v <= to; v += seg[i].step) {
			n = put(v, min, out, max, n);
			if (v >= min)
				last = v;
		}
	}
	if (last != end)
		n = put(end, min, out, max, n);
	return n;
}
