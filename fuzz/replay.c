/*
 * fuzz/replay.c - a main() for a fuzz target built without libFuzzer (gcc,
 * make check): runs it once on each file named, so every input a fuzzer
 * ever crashed on (tests/data/fuzz/TARGET/) stays a regression test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf = NULL;
		size_t n = 0, cap = 0, r;

		if (!f) {
			perror(argv[i]);
			return 2;
		}
		do {
			if (cap - n < 4096 && !(buf = realloc(buf, cap = cap * 2 + 4096)))
				return 3;
			r = fread(buf + n, 1, cap - n, f);
			n += r;
		} while (r);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
		printf("ok %d - %s\n", i, argv[i]);
	}
	printf("1..%d\n", argc - 1);
	return 0;
}
