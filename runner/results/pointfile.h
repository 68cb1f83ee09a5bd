/*
 * pointfile.h - points/PID/point.json: everything the runner knows about
 * one point (its identity, command, status, the collectors' findings).
 * run.c builds the collectors' part as it goes; this module stamps the
 * identity and the schema version, writes the file atomically, and reads
 * every earlier version back (resume) (docs/output-schema.md).
 */
#ifndef MMSCALE_POINTFILE_H
#define MMSCALE_POINTFILE_H
#include <jansson.h>
#include "summary.h"

#define POINT_SCHEMA 2	/* 2: axes and declared metrics; 1: a group string */

/* The identity and progress of a point, as the runner has it. */
struct point_head {
	const char *id, *workload, *program;
	int naxes;
	const struct axis *axes;
	int clients;
	json_t *params;		/* resolved options */
	json_t *metrics;	/* declarations, as --list-options printed them */
	char *const *argv;
	int argc;
	const char *status, *reason;	/* reason NULL or "" for none */
	json_t *seq;		/* global sequence number of each sample line */
	double wall_sec;
	int invocations;
};

/* Stamp h into pj and write DIR/point.json atomically.  Returns 0, or
 * EXIT_FAIL with a message. */
int pointfile_write(const char *dir, json_t *pj, const struct point_head *h);
/* DIR/point.json upgraded to POINT_SCHEMA, or NULL (absent or unreadable:
 * a resume reruns such a point). */
json_t *pointfile_load(const char *dir);

#endif
