/*
 * monitor.h - time series while a workload runs (monitor.c), as mmtests'
 * monitors: `[run] monitors = vmstat, mpstat, interrupts, turbostat, slab`
 * sample every `monitor_interval` seconds (default 1) from the start of
 * each invocation of a point to its end, one JSON line per sample, into
 * the point's directory:
 *
 *   monitor-vmstat.jsonl      {"inv","t","time","vmstat":{counter: value}}
 *   monitor-mpstat.jsonl      {"inv","t","time","cpus":{"cpu": [user, nice,
 *                              system, idle, iowait, irq, softirq, steal] jiffies,
 *                              "cpu0": [...], ...}}
 *   monitor-interrupts.jsonl  {"inv","t","time","irqs":{"NAME": total over CPUs}}
 *   monitor-slab.jsonl        {"inv","t","time","slab":{cache: active_objs}}
 *   monitor-turbostat.txt     turbostat's own output (--interval)
 *
 * t: seconds since the invocation started; time: seconds since the epoch.
 * The counters are cumulative as the kernel keeps them; the summary of a
 * monitor (point.json "monitors", summary.json extra) is each counter's
 * change over the point (the sum over its invocations), mpstat's as the
 * share of each CPU state in percent.  A monitor the machine cannot run
 * records "unavailable: why" instead.
 */
#ifndef MMSCALE_MONITOR_H
#define MMSCALE_MONITOR_H
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

enum monitor_kind { MON_VMSTAT, MON_MPSTAT, MON_INTERRUPTS, MON_TURBOSTAT, MON_SLAB, MON_N };

#define MONITOR_DEFAULT_INTERVAL 1.0

const char *monitor_name(enum monitor_kind k);
/* "vmstat, mpstat" into a mask of 1 << kind; 0, or -1 with why. */
int monitor_parse(const char *list, unsigned *mask, char *why, size_t n);

struct monitor;

/*
 * Start the monitors of mask for invocation inv of a point: the first
 * sample now, then one every interval seconds until monitor_stop, appended
 * to DIR's files.  Never fails the point: what cannot run is recorded as
 * unavailable.  NULL only when out of memory.
 */
struct monitor *monitor_start(unsigned mask, double interval, const char *dir, int inv);

/*
 * Stop: a last sample, the files closed.  Folds this invocation into
 * *acc (point.json's "monitors", created when NULL): per monitor
 * {"file", "interval", "samples", "seconds", "delta": {...}} or
 * "unavailable: why".
 */
void monitor_stop(struct monitor *m, json_t **acc);

#endif
