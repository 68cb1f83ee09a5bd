/*
 * store.h - the history database, behind one small interface.
 *
 * Everything above this header (import, history, nightly, plots) talks to a
 * struct store through the functions below and never sees SQL.  store.c is
 * the one implementation, above two SQL drivers (db.h): SQLite for a path,
 * PostgreSQL (libpq) for a postgresql:// URL, e.g. one server a fleet of
 * machines shares.
 *
 * Model: a run (one results directory: machine, kernel, config, label, start
 * time, nightly judgement) has points (one per workload x clients x group);
 * a point has metrics, stored both as raw iteration values and as a summary
 * (struct stats).  A run is identified by (machine, label, start time):
 * putting the same run again replaces its points, so re-importing is
 * idempotent.
 *
 * A calibration (calibration.h: `mmscale calibrate`, this machine's
 * run-to-run spread of a config) is kept beside the runs, keyed by
 * (machine, label, time) as runs are, and looked up by machine + config
 * hash: nightly floors its verdict with the newest one.
 */
#ifndef MMSCALE_STORE_H
#define MMSCALE_STORE_H
#include <stdbool.h>
#include <stdint.h>
#include "stats.h"
#include "calibration.h"

#define STORE_DEFAULT_DB "results/history.sqlite"
/* The help of every --db option (one text, store_default's rule). */
#define STORE_DB_HELP "the history: an SQLite file or a postgresql://USER@HOST/DB URL" \
	" [$MMSCALE_DB, else " STORE_DEFAULT_DB "]"

/* struct store_run.good: the nightly judgement of a run. */
enum {
	STORE_UNJUDGED = -1,	/* imported, never judged: may serve as baseline */
	STORE_FLAGGED = 0,	/* judged, had a regression: never a baseline */
	STORE_GOOD = 1,		/* judged, no regression */
};

struct store_run {
	int64_t id;			/* filled by put_run and queries */
	const char *hostname;		/* machine identity: hostname ... */
	const char *cpu_model;		/* ... + CPU model name */
	const char *kernel;		/* release */
	const char *config_name;	/* "pft-threads" */
	const char *config_hash;	/* hash of the config text */
	const char *toggles;		/* JSON text ("{}" if none) */
	const char *label;
	int64_t time;			/* start, seconds since the epoch */
	const char *status;		/* "complete", "incomplete", ... */
	int good;			/* STORE_UNJUDGED/FLAGGED/GOOD */
};

struct store_metric {
	const char *name;		/* "faults/sec" */
	enum better dir;
	int n;
	const double *values;		/* raw measured iterations */
	struct stats st;		/* their summary (stats_compute) */
};

struct store_point {
	const char *pid;		/* "p000" */
	const char *workload;
	const char *group;		/* "pft mode=threads" */
	int clients;
	const char *status;		/* "ok", "failed", ... */
	const char *reason;		/* or NULL */
	const char *params;		/* JSON text or NULL */
	/* how long it ran (point.json's wall_sec; 0: unknown) and the
	 * iterations that took: warm-up, adaptive pilot, kept */
	double wall_sec;
	int warmup, pilot, kept;
	int nmetrics;
	struct store_metric *metrics;
};

/* Raw values of one headline metric of one run: (group, metric, clients). */
struct store_values {
	char *group, *metric;
	int clients;
	enum better dir;
	int n;
	double *values;
};

/* A point of a run as stored, whatever its status. */
struct store_point_status {
	char *pid, *group, *status, *reason;	/* reason may be NULL */
	int clients;
	double wall_sec;		/* NAN when not recorded */
	int warmup, pilot, kept;
};

/* One run's summary of one metric: a point of a history series. */
struct store_sample {
	struct store_run run;		/* strings owned by the sample array */
	char *group;
	int clients;
	enum better dir;
	double mean;			/* Hmean or Amean, as dir says */
	struct stats st;
};

/* Filters; NULL / 0 fields do not filter. */
struct store_filter {
	const char *machine;		/* hostname */
	const char *cpu_model;
	const char *config;		/* config name or config hash */
	const char *label;
	/* only runs strictly before this (time, id) */
	bool before;
	int64_t before_time, before_id;
	/* only runs that may serve as a baseline: complete and not flagged */
	bool baseline;
	int last;			/* the K most recent (0: all) */
};

struct store;

/* A backend.  Every function returns 0 or an EXIT_* code with a message
 * already printed.  Query results come back in chronological order and
 * are freed with the matching *_free below. */
struct store_ops {
	const char *name;
	void (*close)(struct store *st);
	int (*begin)(struct store *st);		/* a write transaction */
	int (*commit)(struct store *st);
	void (*rollback)(struct store *st);
	/* Insert or replace a run (and drop its old points); sets r->id. */
	int (*put_run)(struct store *st, struct store_run *r);
	int (*put_point)(struct store *st, int64_t run_id, const struct store_point *p);
	int (*set_judgement)(struct store *st, int64_t run_id, int good,
			     const char *verdict_json);
	int (*query_runs)(struct store *st, const struct store_filter *f,
			  struct store_run **runs, int *n);
	/* Every ok point's metrics of one run, sorted by group, metric, clients. */
	int (*run_values)(struct store *st, int64_t run_id,
			  struct store_values **v, int *n);
	/* Every point of one run with its status, in point id order. */
	int (*run_points)(struct store *st, int64_t run_id,
			  struct store_point_status **p, int *n);
	/* One metric's summaries over the runs matching f (group NULL: any). */
	int (*query_series)(struct store *st, const struct store_filter *f,
			    const char *group, const char *metric, int clients,
			    struct store_sample **s, int *n);
	int (*schema_version)(struct store *st);
	const char *(*db_name)(struct store *st);	/* for messages */
	/* The stored verdict JSON of a judged run (*json NULL if none); free() it. */
	int (*run_verdict)(struct store *st, int64_t run_id, char **json);
	/* Insert or replace a calibration (c->hostname, cpu_model, label, time
	 * and config name set; rows replaced), inside a transaction. */
	int (*put_calibration)(struct store *st, const struct calib *c);
	/* The calibrations matching f's machine, cpu_model, config (name or
	 * hash), label and last, with their rows; free with store_calibs_free. */
	int (*query_calibrations)(struct store *st, const struct store_filter *f,
				  struct calib **c, int *n);
};

struct store {
	const struct store_ops *ops;
};

/* The schema version this mmscale writes.  max_version 0 migrates to it;
 * tests pass an older version to build a db that a later open must migrate.
 * A db whose schema is current is opened without any write. */
#define STORE_VERSION 5
#define STORE_SQLITE_VERSION STORE_VERSION
int store_open_version(const char *db, int max_version, struct store **st);
int store_sqlite_open(const char *path, int max_version, struct store **st);

/* The history a command uses: DB if given (--db, a config's db =), else
 * $MMSCALE_DB, else STORE_DEFAULT_DB.  A postgresql:// (or postgres://)
 * URL is a PostgreSQL server, anything else an SQLite file. */
const char *store_default(const char *db);
/* Open that history. */
int store_open(const char *db, struct store **st);
/* The same for commands that only read: a file that does not exist is an
 * error (EXIT_NORES), not a new empty history. */
int store_open_existing(const char *db, struct store **st);

static inline void store_close(struct store *st)
{ if (st) st->ops->close(st); }
static inline int store_begin(struct store *st)
{ return st->ops->begin(st); }
static inline int store_commit(struct store *st)
{ return st->ops->commit(st); }
static inline void store_rollback(struct store *st)
{ st->ops->rollback(st); }
static inline int store_put_run(struct store *st, struct store_run *r)
{ return st->ops->put_run(st, r); }
static inline int store_put_point(struct store *st, int64_t run_id, const struct store_point *p)
{ return st->ops->put_point(st, run_id, p); }
static inline int store_set_judgement(struct store *st, int64_t run_id, int good, const char *json)
{ return st->ops->set_judgement(st, run_id, good, json); }
static inline int store_query_runs(struct store *st, const struct store_filter *f,
				   struct store_run **runs, int *n)
{ return st->ops->query_runs(st, f, runs, n); }
static inline int store_run_values(struct store *st, int64_t run_id,
				   struct store_values **v, int *n)
{ return st->ops->run_values(st, run_id, v, n); }
static inline int store_run_points(struct store *st, int64_t run_id,
				   struct store_point_status **p, int *n)
{ return st->ops->run_points(st, run_id, p, n); }
static inline int store_query_series(struct store *st, const struct store_filter *f,
				     const char *group, const char *metric, int clients,
				     struct store_sample **s, int *n)
{ return st->ops->query_series(st, f, group, metric, clients, s, n); }
static inline int store_schema_version(struct store *st)
{ return st->ops->schema_version(st); }
static inline const char *store_name(struct store *st)
{ return st->ops->db_name(st); }
static inline int store_run_verdict(struct store *st, int64_t run_id, char **json)
{ return st->ops->run_verdict(st, run_id, json); }

static inline int store_put_calibration(struct store *st, const struct calib *c)
{ return st->ops->put_calibration(st, c); }
static inline int store_query_calibrations(struct store *st, const struct store_filter *f,
					   struct calib **c, int *n)
{ return st->ops->query_calibrations(st, f, c, n); }

/* Copy every row of FROM into TO, in one transaction of TO (a run or a
 * calibration TO has already is replaced); counts[]: machines, runs,
 * points, values, summaries, calibrations copied. */
#define STORE_COPY_COUNTS 6
int store_copy(struct store *from, struct store *to, long counts[STORE_COPY_COUNTS]);

/* Freeing query results (store.c). */
void store_run_clear(struct store_run *r);
void store_runs_free(struct store_run *runs, int n);
void store_values_free(struct store_values *v, int n);
void store_samples_free(struct store_sample *s, int n);
void store_points_free(struct store_point_status *p, int n);
void store_calibs_free(struct calib *c, int n);
/* Deep copy of a run's fields (strings duplicated). */
void store_run_copy(struct store_run *dst, const struct store_run *src);

/* history.c: import a finished results directory into an open store, in
 * one transaction.  On success *run (if not NULL) gets the stored run, to be
 * cleared with store_run_clear. */
int history_import_dir(struct store *st, const char *dir, struct store_run *run);
/* The same with open and close around it (DB NULL: the default path); what
 * `mmscale run` calls when a history db is configured. */
int history_import(const char *db, const char *dir);
/* Store a calibration in an open store, in one transaction: its config
 * name as the history keeps it (the config's basename without .conf), a
 * missing hash keyed by that name, as runs are. */
int history_put_calibration(struct store *st, const struct calib *c);
/* The newest calibration of a machine (hostname + CPU model) and config
 * hash; *found false (and c zeroed) when the history has none. */
int history_newest_calibration(struct store *st, const char *hostname, const char *cpu_model,
			       const char *config_hash, struct calib *c, bool *found);

#endif
