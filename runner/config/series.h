/* series.h - client-count series (reference section 2). */
#ifndef MMSCALE_SERIES_H
#define MMSCALE_SERIES_H
/* mmtests' "large stride" series from min to end: writes at most max values
 * to out and returns how many there are (may exceed max: call again). */
int series_large_stride(int min, int end, int *out, int max);
#endif
