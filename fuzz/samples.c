/*
 * fuzz/samples.c - the runner's reader of the workloads' JSON Lines
 * (run_read_lines, run.h: what `mmscale run` makes of a workload's stdout
 * before anything is summarised).  The input is the stdout text.  Seeds
 * (fuzz/run): the samples.jsonl of tests/data/results/v1-3367e60 and of a
 * run written by this tree, and lines cut short.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "run.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;	/* nothing to set up: the reader works on memory */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	json_t *samples = json_array();
	size_t used, i;
	json_t *j;
	int n;

	if (!text || !samples)
		abort();
	memcpy(text, data, size);
	text[size] = 0;
	n = run_read_lines(text, samples, &used);
	/* what the runner then relies on: one object per line, within the text */
	if (n < 0 || (size_t)n != json_array_size(samples) || used > size ||
	    (used && text[used - 1] != '\n'))
		abort();
	json_array_foreach(samples, i, j)
		if (!json_is_object(j))
			abort();
	json_decref(samples);
	free(text);
	return 0;
}
