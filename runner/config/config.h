/*
 * config.h - the INI job files in configs/ (inih), parsed and validated.
 *
 * One [run] section (iterations, warmup, THP, ASLR, watchdog, perf,
 * interleave, and defaults for placement/mempolicy/duration), then one
 * [workload NAME] section per workload with the workload's own long options.
 * Any value may be a list "a, b, c": it becomes an axis of the plan.  Workload
 * keys are checked against the program's own option table
 * (`PROG --list-options`), so a typo is an error with file:line, never
 * silently ignored.
 */
#ifndef MMSCALE_CONFIG_H
#define MMSCALE_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

enum cfg_thp { THP_KEEP, THP_NEVER, THP_MADVISE, THP_ALWAYS };
enum cfg_aslr { ASLR_KEEP, ASLR_OFF };
enum cfg_perf { PERF_OFF, PERF_STAT, PERF_RECORD, PERF_C2C };
extern const char *const cfg_thp_names[];
extern const char *const cfg_aslr_names[];
extern const char *const cfg_perf_names[];

/* What expressions resolve against ($ncpus, $memtotal, N%). */
struct cfg_env {
	int ncpus;
	uint64_t memtotal;	/* bytes */
	const char *bindir;	/* where the workload programs are */
};

/* How a workload key reaches the program. */
enum cfg_kind {
	KV_OPTION,	/* --key value */
	KV_FLAG,	/* boolean: --key when yes, nothing when no */
	KV_RUNNER,	/* consumed by the runner (mode, clients, prefetch, program) */
};

struct cfg_kv {
	char *key;
	int line;
	enum cfg_kind kind;
	int nvals;
	char **vals;		/* expressions resolved */
};

struct cfg_workload {
	char *name;		/* the section's NAME */
	char *program;		/* the binary, NAME unless program = ... */
	int line;		/* of the section header */
	bool timed;		/* from --list-options */
	json_t *optspec;	/* the program's --list-options */
	int nkv;
	struct cfg_kv *kv;	/* in file order; [run] defaults appended */
	int nclients;
	int *clients;
	int clients_line;
};

struct config {
	char *path;
	char *text;		/* the file as read, for meta.json */
	char hash[17];		/* FNV-1a 64 of text and sets, hex */
	struct cfg_env env;
	int iterations, warmup;
	/* adaptive iterations: 0 off, else the target relative 95% half-width
	 * of each point's headline mean (0.02 = 2%), a pilot of
	 * min_iterations and at most max_iterations kept (stats.h) */
	double precision;
	int min_iterations, max_iterations;
	double watchdog;	/* seconds per workload invocation, 0: none */
	enum cfg_thp thp;
	enum cfg_aslr aslr;
	enum cfg_perf perf;
	char *db;
	char *calibration;	/* nightly's noise floor: a calibration.json or its directory */
	unsigned monitors;	/* 1 << enum monitor_kind (monitor.h) */
	double monitor_interval;	/* seconds between two samples */
	int ninterleave;
	char **interleave;	/* axis names run A B A B */
	int interleave_line;
	int nwl;
	struct cfg_workload *wl;
	int nsets;
	char **sets;		/* --set SECTION.KEY=VALUE, as given */
};

/*
 * Parse and validate path.  Returns 0, or EXIT_USAGE (bad config: message
 * "path:line: key 'k': why" printed), EXIT_NORES or EXIT_FAIL.
 */
int config_load(const char *path, const struct cfg_env *env, struct config *c);
/* The same with `run --set SECTION.KEY=VALUE` values (SECTION: run or a
 * workload section's NAME): each replaces the file's value or adds the key,
 * is validated like it, and is part of the config's hash. */
int config_load_set(const char *path, const struct cfg_env *env, const char *const *sets,
		    int nsets, struct config *c);
void config_free(struct config *c);

/*
 * Resolve one expression: "$ncpus", "$memtotal", "$ncpus/2", "$memtotal*3/4",
 * plain text passes through.  Returns 0 or -1 with why in err.
 */
int cfg_expand(const char *in, const struct cfg_env *env, char *out, size_t n,
	       char *err, size_t errn);
/* Split "a, b ,c" into trimmed items; returns the count or -1 (empty item). */
int cfg_split(const char *in, char ***out);
void cfg_strv_free(char **v, int n);

const struct cfg_kv *cfg_find(const struct cfg_workload *w, const char *key);
/* Directory of the workload programs: $MMSCALE_BIN, else the directory of
 * the running executable. */
const char *cfg_default_bindir(void);

#endif
