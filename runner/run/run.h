/* run.h - run a config into a results directory (run.c). */
#ifndef MMSCALE_RUN_H
#define MMSCALE_RUN_H
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct run_request {
	const char *config;	/* path of the INI config */
	const char *label;	/* NULL: kernel release */
	const char *results;	/* NULL: "results" */
	int iterations;		/* 0: as the config says */
	bool warmup_given;	/* else as the config says */
	int warmup;
	const char *const *sets;	/* --set SECTION.KEY=VALUE */
	int nsets;
	bool resume;
	bool force;		/* resume on another kernel, host or CPU */
	const char *db;		/* history db to import into, or NULL: the config's */
	bool no_import;		/* the caller imports (nightly): no db at all */
};

/* Runs the plan; writes the results directory's path to outdir.
 * Returns EXIT_OK, EXIT_INTR (partial run kept), or another EXIT_*. */
int run_config(const struct run_request *rq, char *outdir, size_t n);

/*
 * The workloads' JSON Lines (docs/output-schema.md) into samples, one
 * entry per line: a line that is not a JSON object becomes an invalid
 * sample ("not a JSON line"); a last line without its newline (cut by a
 * kill) is no sample.  *used: the bytes read (up to the last newline).
 * Returns the lines added.  Exposed for fuzz/samples.c.
 */
int run_read_lines(const char *text, json_t *samples, size_t *used);

/* The [run] db of a config ("" when none); EXIT_USAGE for a bad config. */
int run_config_db(const char *config, char *db, size_t n);
/* The [run] calibration of a config ("" when none): nightly's noise floor. */
int run_config_calibration(const char *config, char *cal, size_t n);
#endif
