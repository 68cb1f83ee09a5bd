/*
 * sysinfo.h - what meta.json needs to interpret a run later: kernel and
 * its command line, CPU identity, topology, THP/ASLR/cpufreq, prefetch and
 * vm_area_struct slab geometry.  Missing pieces are recorded in
 * unavailable as {feature: why}, never guessed.
 */
#ifndef MMSCALE_SYSINFO_H
#define MMSCALE_SYSINFO_H
#include <jansson.h>

/* A new object with the machine's description; adds to unavailable. */
json_t *sysinfo_collect(json_t *unavailable);
/* "2026-11-22T05:19:01Z" for now */
void sysinfo_now(char *buf, size_t n);
/* Every counter of /proc/vmstat, {name: value}; NULL if unreadable. */
json_t *sysinfo_vmstat(void);
/* after - before for the counters a point cares about (pgfault,
 * thp_fault_alloc, ..., every vma_lock_*). */
json_t *sysinfo_vmstat_delta(json_t *before, json_t *after);
/*
 * Reading a meta.json: the first of the '.'-separated paths (NULL-terminated)
 * present and not null.  Older runs name some fields differently, so
 * readers list each name a field has had.
 */
json_t *meta_get(json_t *meta, const char *const *paths);

#endif
