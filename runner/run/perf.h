/*
 * perf.h - wrapping a point's workload in perf (stat, record, c2c) and
 * reading back what perf counted.  The only code that knows perf's output.
 */
#ifndef MMSCALE_PERF_H
#define MMSCALE_PERF_H
#include <stdbool.h>
#include <jansson.h>

struct perf_req {
	bool stat;		/* perf stat: software events always, hardware
				 * events where the PMU exists, plus the
				 * mmap_lock tracepoint per thread */
	bool record;		/* perf record -g */
	bool c2c;		/* perf c2c record */
};

/* What perf can do here: {"perf":"ok"|"unavailable: why","hw_events":...,
 * "tracepoints":...,"c2c":...}; probes once. */
json_t *perf_probe(void);
/* Returns a new NULL-terminated argv that runs argv under perf, writing its
 * files into point_dir; or argv itself when nothing is requested or perf is
 * unavailable (the reason goes in perf_probe()). Free with perf_argv_free. */
char **perf_wrap(const struct perf_req *rq, char **argv, const char *point_dir);
void perf_argv_free(char **wrapped, char **orig);
/* After the workload exited: parse perf's files in point_dir into
 * point.json's extra.perf.  samples are the workload's JSON lines (to
 * attribute per-thread counts to fault clients vs noise threads). */
json_t *perf_collect(const struct perf_req *rq, const char *point_dir, json_t *samples);

/* The pieces of perf_collect, exposed for tests on captured perf output. */
#include <stdio.h>
/* perf stat -x, output -> {event: {value,unit,running_pct} | "unavailable: why"} */
json_t *perf_parse_stat(FILE *f);
/* perf report --stdio --sort pid -F period,sample,pid ->
 * {event: {"tid": {period,samples,comm}}} */
json_t *perf_parse_threads(FILE *f);
/* Per-thread figures -> {"clients"|"noise"|...|"other"|"perf":
 * {threads,page_faults,mmap_lock,mmap_lock_per_1000_faults}}, using the
 * workload's JSON lines (an array, or one object) for the tids. */
json_t *perf_attribute(json_t *threads, json_t *samples);
/* {vma_lock_*: value} from /proc/vmstat (empty without PER_VMA_LOCK_STATS) */
json_t *perf_read_vma_lock_vmstat(void);
#endif
