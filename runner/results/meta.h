/*
 * meta.h - meta.json of a results directory: how a run ran (machine,
 * kernel, config, settings, what was unavailable).  The writer is run.c
 * (its fields come from sysinfo and sysstate); this module owns the file's
 * schema version and reads every earlier form, so that readers look each
 * field up under one name (docs/output-schema.md).
 */
#ifndef MMSCALE_META_H
#define MMSCALE_META_H
#include <stdbool.h>
#include <jansson.h>

/* 2: this table of names is the contract (earlier files used others for
 * the same fields under version 1, or no version at all). */
#define META_SCHEMA 2

/*
 * Load DIR/meta.json upgraded to META_SCHEMA: every field an earlier
 * version named differently (start_time, host.hostname, kernel as a
 * string, ...) is moved to its current name.  *meta gets a new object
 * (empty when the file is absent: *missing is set).  Returns 0, or
 * EXIT_USAGE with a message for a file that is not JSON or is newer than
 * this mmscale.
 */
int meta_load(const char *dir, json_t **meta, bool *missing);
/* The same for an object already parsed (the history's importer). */
int meta_upgrade(json_t *meta, const char *what);
/* Stamp the current version into a meta.json being written. */
void meta_stamp(json_t *meta);
/* The string at a dotted path ("kernel.release"), or NULL. */
const char *meta_str(json_t *meta, const char *path);
json_t *meta_at(json_t *meta, const char *path);

#endif
