/*
 * store_sqlite.c - the SQLite backend of the history (store.h).
 *
 * One file, WAL mode so readers never block the nightly writer, a busy
 * timeout so two importers queue instead of failing, and write transactions
 * taken with BEGIN IMMEDIATE: a deferred transaction that upgrades to a
 * writer can hit SQLITE_BUSY without the busy handler ever being asked,
 * which is exactly how concurrent importers lose rows.
 *
 * The schema is versioned (table schema_version) and built by numbered
 * migrations applied in order inside one transaction, so an old db is
 * upgraded in place the first time a newer mmscale opens it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libgen.h>
#include <sqlite3.h>
#include "harness.h"
#include "store.h"

#define BUSY_TIMEOUT_MS 60000

/* Migration N brings a db from version N-1 to N.  Never edit a shipped
 * one: add the next. */
static const char *const migrations[] = {
	[1] =
	"CREATE TABLE machines ("
	"  id INTEGER PRIMARY KEY,"
	"  hostname TEXT NOT NULL,"
	"  cpu_model TEXT NOT NULL,"
	"  UNIQUE (hostname, cpu_model));"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  machine_id INTEGER NOT NULL REFERENCES machines(id),"
	"  kernel TEXT NOT NULL,"
	"  config_name TEXT NOT NULL,"
	"  config_hash TEXT NOT NULL,"
	"  toggles TEXT NOT NULL,"
	"  label TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  status TEXT NOT NULL,"
	"  good INTEGER NOT NULL DEFAULT -1,"	/* STORE_UNJUDGED */
	"  UNIQUE (machine_id, label, time));"
	"CREATE TABLE points ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  pid TEXT NOT NULL,"
	"  workload TEXT NOT NULL,"
	"  grp TEXT NOT NULL,"
	"  clients INTEGER NOT NULL,"
	"  status TEXT NOT NULL,"
	"  reason TEXT,"
	"  params TEXT,"
	"  UNIQUE (run_id, pid));"
	/* raw iteration values: the input of every significance test */
	"CREATE TABLE metric_values ("
	"  point_id INTEGER NOT NULL REFERENCES points(id) ON DELETE CASCADE,"
	"  metric TEXT NOT NULL,"
	"  iter INTEGER NOT NULL,"
	"  value REAL NOT NULL,"
	"  PRIMARY KEY (point_id, metric, iter)) WITHOUT ROWID;"
	/* per-point summaries: what series and plots read */
	"CREATE TABLE summaries ("
	"  point_id INTEGER NOT NULL REFERENCES points(id) ON DELETE CASCADE,"
	"  metric TEXT NOT NULL,"
	"  better TEXT NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  mean REAL NOT NULL,"		/* Hmean (higher-is-better) or Amean */
	"  amean REAL, hmean REAL, stddev REAL, coeffvar REAL,"
	"  min REAL, max REAL, best50 REAL, best95 REAL, best99 REAL,"
	"  PRIMARY KEY (point_id, metric)) WITHOUT ROWID;",
	/* v2: the verdict text of judged runs, and the index baseline lookups
	 * walk (machine, config, newest first). */
	[2] =
	"ALTER TABLE runs ADD COLUMN verdict TEXT;"
	"CREATE INDEX runs_by_config ON runs (machine_id, config_hash, time);",
};
#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])) - 1)
_Static_assert(NMIGRATIONS == STORE_SQLITE_VERSION, "STORE_SQLITE_VERSION");

struct sqlite_store {
	struct store base;
	sqlite3 *db;
	char *path;
	int version;
	sqlite3_stmt *ins_point, *ins_value, *ins_summary, *run_values;
};

static const struct store_ops sqlite_ops;

/* Running out of memory while reading the history is not worth a
 * recovery path: say so and stop. */
static void *must(void *p)
{
	if (!p)
		die(EXIT_NORES, ENOMEM, "history");
	return p;
}

static struct sqlite_store *S(struct store *st)
{
	return (struct sqlite_store *)st;
}

static int dberr(struct sqlite_store *s, const char *what)
{
	int code = sqlite3_errcode(s->db);

	errmsg(0, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	/* A locked or busy db after the whole timeout is a missing resource;
	 * anything else (corrupt, not a db, wrong schema) is bad input. */
	return code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_IOERR ||
	       code == SQLITE_FULL || code == SQLITE_CANTOPEN ? EXIT_NORES : EXIT_USAGE;
}

static int exec(struct sqlite_store *s, const char *sql, const char *what)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : dberr(s, what);
}

static int prepare(struct sqlite_store *s, const char *sql, sqlite3_stmt **stmt)
{
	if (*stmt)
		return 0;
	return sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) ==
	       SQLITE_OK ? 0 : dberr(s, "prepare");
}

static void bind_text(sqlite3_stmt *stmt, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(stmt, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, i);
}

static char *col_strdup(sqlite3_stmt *stmt, int i)
{
	const unsigned char *t = sqlite3_column_text(stmt, i);

	return must(strdup(t ? (const char *)t : ""));
}

/* ---- schema ------------------------------------------------------------ */

static int read_version(struct sqlite_store *s, int *version)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "SELECT max(version) FROM schema_version", -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return dberr(s, "read schema version");
	rc = sqlite3_step(stmt);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : dberr(s, "read schema version");
}

/* Bring the schema to max_version, all or nothing. */
static int migrate(struct sqlite_store *s, int max_version)
{
	int version, rc;
	char sql[96];

	rc = exec(s, "BEGIN IMMEDIATE", "begin migration");
	if (rc)
		return rc;
	rc = exec(s, "CREATE TABLE IF NOT EXISTS schema_version ("
		     "version INTEGER NOT NULL, applied INTEGER NOT NULL)", "schema_version");
	if (!rc)
		rc = read_version(s, &version);
	if (rc)
		goto fail;
	if (version > NMIGRATIONS) {
		errmsg(0, "%s: schema version %d is newer than this mmscale knows (%d)",
		       s->path, version, NMIGRATIONS);
		rc = EXIT_USAGE;
		goto fail;
	}
	for (int v = version + 1; v <= max_version; v++) {
		rc = exec(s, migrations[v], "migrate");
		if (rc)
			goto fail;
		snprintf(sql, sizeof(sql),
			 "INSERT INTO schema_version VALUES (%d, strftime('%%s','now'))", v);
		rc = exec(s, sql, "migrate");
		if (rc)
			goto fail;
		version = v;
	}
	s->version = version;
	return exec(s, "COMMIT", "commit migration");
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* journal_mode=WAL needs a moment of exclusive access; the busy handler
 * does not cover it, so retry by hand within the same timeout. */
static int set_wal(struct sqlite_store *s)
{
	for (int waited = 0;; waited += 10) {
		int rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);

		if (rc == SQLITE_OK)
			return 0;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= BUSY_TIMEOUT_MS)
			return dberr(s, "set WAL mode");
		usleep(10000);
	}
}

static void mkdir_parent(const char *path)
{
	char *copy = must(strdup(path));

	/* results/ may not exist yet on a fresh checkout; deeper paths are
	 * the user's to create. */
	if (mkdir(dirname(copy), 0755) && errno != EEXIST)
		errno = 0;
	free(copy);
}

int store_sqlite_open(const char *path, int max_version, struct store **st)
{
	struct sqlite_store *s = must(calloc(1, sizeof(*s)));
	int rc;

	s->base.ops = &sqlite_ops;
	s->path = must(strdup(path));
	if (max_version <= 0 || max_version > NMIGRATIONS)
		max_version = NMIGRATIONS;
	mkdir_parent(path);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		rc = s->db ? dberr(s, "open") : EXIT_NORES;
		goto fail;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	rc = set_wal(s);
	if (!rc)
		/* NORMAL is durable across process crashes in WAL mode; only
		 * a power cut may lose the last night, never corrupt the db. */
		rc = exec(s, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", "pragmas");
	if (!rc)
		rc = migrate(s, max_version);
	if (rc)
		goto fail;
	*st = &s->base;
	return 0;
fail:
	sqlite_ops.close(&s->base);
	return rc;
}

int store_open(const char *path, struct store **st)
{
	if (!path)
		path = STORE_DEFAULT_DB;
	if (!strncmp(path, "postgresql:", 11) || !strncmp(path, "postgres:", 9)) {
		errmsg(0, "%s: unavailable: no PostgreSQL backend is built (store.h)", path);
		return EXIT_UNSUPP;
	}
	return store_sqlite_open(path, 0, st);
}

static void sq_close(struct store *st)
{
	struct sqlite_store *s = S(st);

	sqlite3_finalize(s->ins_point);
	sqlite3_finalize(s->ins_value);
	sqlite3_finalize(s->ins_summary);
	sqlite3_finalize(s->run_values);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

static int sq_schema_version(struct store *st)
{
	return S(st)->version;
}

/* ---- writes ------------------------------------------------------------ */

static int sq_begin(struct store *st)
{
	return exec(S(st), "BEGIN IMMEDIATE", "begin");
}

static int sq_commit(struct store *st)
{
	return exec(S(st), "COMMIT", "commit");
}

static void sq_rollback(struct store *st)
{
	sqlite3_exec(S(st)->db, "ROLLBACK", NULL, NULL, NULL);
}

static int machine_id(struct sqlite_store *s, const struct store_run *r, int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	int rc = EXIT_OK;

	if (sqlite3_prepare_v2(s->db,
			"INSERT INTO machines (hostname, cpu_model) VALUES (?1, ?2) "
			"ON CONFLICT DO UPDATE SET hostname = excluded.hostname RETURNING id",
			-1, &stmt, NULL) != SQLITE_OK)
		return dberr(s, "prepare machine");
	bind_text(stmt, 1, r->hostname ? r->hostname : "unknown");
	bind_text(stmt, 2, r->cpu_model ? r->cpu_model : "unknown");
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*id = sqlite3_column_int64(stmt, 0);
	else
		rc = dberr(s, "store machine");
	sqlite3_finalize(stmt);
	return rc;
}

static int sq_put_run(struct store *st, struct store_run *r)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *stmt = NULL;
	int64_t mid = 0;
	int rc;

	rc = machine_id(s, r, &mid);
	if (rc)
		return rc;
	/* The judgement survives a re-import: it is about the same run. */
	if (sqlite3_prepare_v2(s->db,
			"INSERT INTO runs (machine_id, kernel, config_name, config_hash,"
			" toggles, label, time, status) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) "
			"ON CONFLICT (machine_id, label, time) DO UPDATE SET"
			" kernel = excluded.kernel, config_name = excluded.config_name,"
			" config_hash = excluded.config_hash, toggles = excluded.toggles,"
			" status = excluded.status RETURNING id, good",
			-1, &stmt, NULL) != SQLITE_OK)
		return dberr(s, "prepare run");
	sqlite3_bind_int64(stmt, 1, mid);
	bind_text(stmt, 2, r->kernel ? r->kernel : "unknown");
	bind_text(stmt, 3, r->config_name ? r->config_name : "unknown");
	bind_text(stmt, 4, r->config_hash ? r->config_hash : "");
	bind_text(stmt, 5, r->toggles ? r->toggles : "{}");
	bind_text(stmt, 6, r->label);
	sqlite3_bind_int64(stmt, 7, r->time);
	bind_text(stmt, 8, r->status ? r->status : "complete");
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		r->id = sqlite3_column_int64(stmt, 0);
		r->good = sqlite3_column_int(stmt, 1);
	} else {
		rc = dberr(s, "store run");
	}
	sqlite3_finalize(stmt);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(s->db, "DELETE FROM points WHERE run_id = ?1", -1, &stmt,
			       NULL) != SQLITE_OK)
		return dberr(s, "prepare delete");
	sqlite3_bind_int64(stmt, 1, r->id);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = dberr(s, "replace points");
	sqlite3_finalize(stmt);
	return rc;
}

static int step_done(struct sqlite_store *s, sqlite3_stmt *stmt, const char *what)
{
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return rc == SQLITE_DONE ? 0 : dberr(s, what);
}

static int put_metric(struct sqlite_store *s, int64_t point_id, const struct store_metric *m)
{
	const struct stats *t = &m->st;
	sqlite3_stmt *v = s->ins_value, *u = s->ins_summary;
	int rc;

	for (int i = 0; i < m->n; i++) {
		sqlite3_bind_int64(v, 1, point_id);
		bind_text(v, 2, m->name);
		sqlite3_bind_int(v, 3, i);
		sqlite3_bind_double(v, 4, m->values[i]);
		rc = step_done(s, v, "store value");
		if (rc)
			return rc;
	}
	sqlite3_bind_int64(u, 1, point_id);
	bind_text(u, 2, m->name);
	bind_text(u, 3, m->dir == BETTER_HIGHER ? "higher" : "lower");
	sqlite3_bind_int(u, 4, t->n);
	sqlite3_bind_double(u, 5, stats_headline(t));	/* the one rule: stats.h */
	sqlite3_bind_double(u, 6, t->amean);
	sqlite3_bind_double(u, 7, t->hmean);
	sqlite3_bind_double(u, 8, t->stddev);
	sqlite3_bind_double(u, 9, t->coeffvar);
	sqlite3_bind_double(u, 10, t->min);
	sqlite3_bind_double(u, 11, t->max);
	sqlite3_bind_double(u, 12, t->best50);
	sqlite3_bind_double(u, 13, t->best95);
	sqlite3_bind_double(u, 14, t->best99);
	return step_done(s, u, "store summary");
}

static int sq_put_point(struct store *st, int64_t run_id, const struct store_point *p)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *stmt;
	int64_t point_id;
	int rc;

	rc = prepare(s, "INSERT INTO points (run_id, pid, workload, grp, clients, status,"
		     " reason, params) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)", &s->ins_point);
	rc = rc ?: prepare(s, "INSERT INTO metric_values VALUES (?1,?2,?3,?4)", &s->ins_value);
	rc = rc ?: prepare(s, "INSERT INTO summaries VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,"
			   "?10,?11,?12,?13,?14)", &s->ins_summary);
	if (rc)
		return rc;
	stmt = s->ins_point;
	sqlite3_bind_int64(stmt, 1, run_id);
	bind_text(stmt, 2, p->pid);
	bind_text(stmt, 3, p->workload ? p->workload : "");
	bind_text(stmt, 4, p->group ? p->group : "");
	sqlite3_bind_int(stmt, 5, p->clients);
	bind_text(stmt, 6, p->status ? p->status : "ok");
	bind_text(stmt, 7, p->reason);
	bind_text(stmt, 8, p->params);
	rc = step_done(s, stmt, "store point");
	if (rc)
		return rc;
	point_id = sqlite3_last_insert_rowid(s->db);
	for (int i = 0; i < p->nmetrics && !rc; i++)
		rc = put_metric(s, point_id, &p->metrics[i]);
	return rc;
}

static int sq_set_judgement(struct store *st, int64_t run_id, int good, const char *json)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, "UPDATE runs SET good = ?2, verdict = ?3 WHERE id = ?1",
			       -1, &stmt, NULL) != SQLITE_OK)
		return dberr(s, "prepare judgement");
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int(stmt, 2, good);
	bind_text(stmt, 3, json);
	rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : dberr(s, "store judgement");
	sqlite3_finalize(stmt);
	return rc;
}

/* ---- queries ----------------------------------------------------------- */

#define RUN_COLS "r.id, m.hostname, m.cpu_model, r.kernel, r.config_name, r.config_hash," \
		 " r.toggles, r.label, r.time, r.status, r.good"
#define RUN_FROM " FROM runs r JOIN machines m ON m.id = r.machine_id WHERE" \
		 " (?1 IS NULL OR m.hostname = ?1) AND (?2 IS NULL OR m.cpu_model = ?2)" \
		 " AND (?3 IS NULL OR r.config_name = ?3 OR r.config_hash = ?3)" \
		 " AND (?4 IS NULL OR r.label = ?4)" \
		 " AND (?5 IS NULL OR r.time < ?5 OR (r.time = ?5 AND r.id < ?6))" \
		 " AND (?7 = 0 OR (r.good <> 0 AND r.status = 'complete'))" \
		 " ORDER BY r.time DESC, r.id DESC LIMIT ?8"

static void bind_filter(sqlite3_stmt *stmt, const struct store_filter *f)
{
	static const struct store_filter none;

	if (!f)
		f = &none;
	bind_text(stmt, 1, f->machine);
	bind_text(stmt, 2, f->cpu_model);
	bind_text(stmt, 3, f->config);
	bind_text(stmt, 4, f->label);
	if (f->before) {
		sqlite3_bind_int64(stmt, 5, f->before_time);
		sqlite3_bind_int64(stmt, 6, f->before_id);
	}
	sqlite3_bind_int(stmt, 7, f->baseline);
	sqlite3_bind_int(stmt, 8, f->last > 0 ? f->last : -1);
}

static void read_run(sqlite3_stmt *stmt, struct store_run *r)
{
	*r = (struct store_run){
		.id = sqlite3_column_int64(stmt, 0),
		.hostname = col_strdup(stmt, 1),
		.cpu_model = col_strdup(stmt, 2),
		.kernel = col_strdup(stmt, 3),
		.config_name = col_strdup(stmt, 4),
		.config_hash = col_strdup(stmt, 5),
		.toggles = col_strdup(stmt, 6),
		.label = col_strdup(stmt, 7),
		.time = sqlite3_column_int64(stmt, 8),
		.status = col_strdup(stmt, 9),
		.good = sqlite3_column_int(stmt, 10),
	};
}

/* The statement returns newest first (so LIMIT keeps the newest); callers
 * want chronological order. */
static void reverse_runs(struct store_run *r, int n)
{
	for (int i = 0; i < n / 2; i++) {
		struct store_run t = r[i];

		r[i] = r[n - 1 - i];
		r[n - 1 - i] = t;
	}
}

static int sq_query_runs(struct store *st, const struct store_filter *f,
			 struct store_run **runs, int *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *stmt = NULL;
	struct store_run *r = NULL;
	int cnt = 0, cap = 0, rc;

	if (sqlite3_prepare_v2(s->db, "SELECT " RUN_COLS RUN_FROM, -1, &stmt, NULL) != SQLITE_OK)
		return dberr(s, "prepare query");
	bind_filter(stmt, f);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? 2 * cap : 16;
			r = must(realloc(r, cap * sizeof(*r)));
		}
		read_run(stmt, &r[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		rc = dberr(s, "query runs");
		sqlite3_finalize(stmt);
		store_runs_free(r, cnt);
		return rc;
	}
	sqlite3_finalize(stmt);
	reverse_runs(r, cnt);
	*runs = r;
	*n = cnt;
	return 0;
}

static int sq_run_values(struct store *st, int64_t run_id, struct store_values **out, int *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *stmt;
	struct store_values *v = NULL, *cur = NULL;
	int cnt = 0, cap = 0, vcap = 0, rc;

	rc = prepare(s, "SELECT p.grp, v.metric, p.clients, s.better, v.value"
		     " FROM points p JOIN summaries s ON s.point_id = p.id"
		     " JOIN metric_values v ON v.point_id = p.id AND v.metric = s.metric"
		     " WHERE p.run_id = ?1 AND p.status = 'ok'"
		     " ORDER BY p.grp, v.metric, p.clients, p.id, v.iter", &s->run_values);
	if (rc)
		return rc;
	stmt = s->run_values;
	sqlite3_bind_int64(stmt, 1, run_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *grp = (const char *)sqlite3_column_text(stmt, 0);
		const char *metric = (const char *)sqlite3_column_text(stmt, 1);
		int clients = sqlite3_column_int(stmt, 2);

		if (!cur || cur->clients != clients || strcmp(cur->metric, metric) ||
		    strcmp(cur->group, grp)) {
			if (cnt == cap) {
				cap = cap ? 2 * cap : 16;
				v = must(realloc(v, cap * sizeof(*v)));
			}
			cur = &v[cnt++];
			*cur = (struct store_values){
				.group = must(strdup(grp)),
				.metric = must(strdup(metric)),
				.clients = clients,
				.dir = strcmp((const char *)sqlite3_column_text(stmt, 3), "lower") ?
				       BETTER_HIGHER : BETTER_LOWER,
			};
			vcap = 0;
		}
		if (cur->n == vcap) {
			vcap = vcap ? 2 * vcap : 32;
			cur->values = must(realloc(cur->values, vcap * sizeof(double)));
		}
		cur->values[cur->n++] = sqlite3_column_double(stmt, 4);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		store_values_free(v, cnt);
		return dberr(s, "query values");
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int sq_run_points(struct store *st, int64_t run_id, struct store_point_status **out,
			 int *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *stmt = NULL;
	struct store_point_status *p = NULL;
	int cnt = 0, cap = 0, rc;

	if (sqlite3_prepare_v2(s->db, "SELECT pid, grp, clients, status, reason FROM points"
			       " WHERE run_id = ?1 ORDER BY pid", -1, &stmt, NULL) != SQLITE_OK)
		return dberr(s, "prepare points");
	sqlite3_bind_int64(stmt, 1, run_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? 2 * cap : 16;
			p = must(realloc(p, cap * sizeof(*p)));
		}
		p[cnt++] = (struct store_point_status){
			.pid = col_strdup(stmt, 0),
			.group = col_strdup(stmt, 1),
			.clients = sqlite3_column_int(stmt, 2),
			.status = col_strdup(stmt, 3),
			.reason = sqlite3_column_type(stmt, 4) == SQLITE_NULL ? NULL :
				  col_strdup(stmt, 4),
		};
	}
	rc = rc == SQLITE_DONE ? 0 : dberr(s, "query points");
	sqlite3_finalize(stmt);
	if (rc) {
		store_points_free(p, cnt);
		return rc;
	}
	*out = p;
	*n = cnt;
	return 0;
}

static int sq_query_series(struct store *st, const struct store_filter *f, const char *group,
			   const char *metric, int clients, struct store_sample **out, int *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *stmt = NULL;
	struct store_sample *v = NULL;
	int cnt = 0, cap = 0, rc;

	/* LIMIT counts runs, not rows, so it sits in the subquery. */
	if (sqlite3_prepare_v2(s->db,
			"SELECT " RUN_COLS ", p.grp, p.clients, su.n, su.amean, su.hmean,"
			" su.stddev, su.coeffvar, su.min, su.max, su.best50, su.best95, su.best99,"
			" su.better, su.mean FROM runs r JOIN machines m ON m.id = r.machine_id"
			" JOIN points p ON p.run_id = r.id"
			" JOIN summaries su ON su.point_id = p.id"
			" WHERE r.id IN (SELECT r.id" RUN_FROM ")"
			" AND su.metric = ?9 AND p.clients = ?10 AND (?11 IS NULL OR p.grp = ?11)"
			" AND p.status = 'ok' ORDER BY r.time, r.id, p.grp",
			-1, &stmt, NULL) != SQLITE_OK)
		return dberr(s, "prepare series");
	bind_filter(stmt, f);
	bind_text(stmt, 9, metric);
	sqlite3_bind_int(stmt, 10, clients);
	bind_text(stmt, 11, group);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? 2 * cap : 16;
			v = must(realloc(v, cap * sizeof(*v)));
		}
		struct store_sample *x = &v[cnt++];

		read_run(stmt, &x->run);
		x->group = col_strdup(stmt, 11);
		x->clients = sqlite3_column_int(stmt, 12);
		x->dir = strcmp((const char *)sqlite3_column_text(stmt, 23), "lower") ?
			 BETTER_HIGHER : BETTER_LOWER;
		x->mean = sqlite3_column_double(stmt, 24);
		x->st = (struct stats){
			.n = sqlite3_column_int(stmt, 13),
			.amean = sqlite3_column_double(stmt, 14),
			.hmean = sqlite3_column_double(stmt, 15),
			.stddev = sqlite3_column_double(stmt, 16),
			.coeffvar = sqlite3_column_double(stmt, 17),
			.min = sqlite3_column_double(stmt, 18),
			.max = sqlite3_column_double(stmt, 19),
			.best50 = sqlite3_column_double(stmt, 20),
			.best95 = sqlite3_column_double(stmt, 21),
			.best99 = sqlite3_column_double(stmt, 22),
		};
	}
	if (rc != SQLITE_DONE) {
		rc = dberr(s, "query series");
		sqlite3_finalize(stmt);
		store_samples_free(v, cnt);
		return rc;
	}
	sqlite3_finalize(stmt);
	*out = v;
	*n = cnt;
	return 0;
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.put_run = sq_put_run,
	.put_point = sq_put_point,
	.set_judgement = sq_set_judgement,
	.query_runs = sq_query_runs,
	.run_values = sq_run_values,
	.run_points = sq_run_points,
	.query_series = sq_query_series,
	.schema_version = sq_schema_version,
};

/* ---- freeing (backend-independent) ------------------------------------- */

void store_run_clear(struct store_run *r)
{
	free((void *)r->hostname);
	free((void *)r->cpu_model);
	free((void *)r->kernel);
	free((void *)r->config_name);
	free((void *)r->config_hash);
	free((void *)r->toggles);
	free((void *)r->label);
	free((void *)r->status);
	*r = (struct store_run){ 0 };
}

static char *dup_or_null(const char *s)
{
	return s ? must(strdup(s)) : NULL;
}

void store_run_copy(struct store_run *dst, const struct store_run *src)
{
	*dst = *src;
	dst->hostname = dup_or_null(src->hostname);
	dst->cpu_model = dup_or_null(src->cpu_model);
	dst->kernel = dup_or_null(src->kernel);
	dst->config_name = dup_or_null(src->config_name);
	dst->config_hash = dup_or_null(src->config_hash);
	dst->toggles = dup_or_null(src->toggles);
	dst->label = dup_or_null(src->label);
	dst->status = dup_or_null(src->status);
}

void store_runs_free(struct store_run *runs, int n)
{
	for (int i = 0; i < n; i++)
		store_run_clear(&runs[i]);
	free(runs);
}

void store_values_free(struct store_values *v, int n)
{
	for (int i = 0; i < n; i++) {
		free(v[i].group);
		free(v[i].metric);
		free(v[i].values);
	}
	free(v);
}

void store_samples_free(struct store_sample *s, int n)
{
	for (int i = 0; i < n; i++) {
		store_run_clear(&s[i].run);
		free(s[i].group);
	}
	free(s);
}

void store_points_free(struct store_point_status *p, int n)
{
	for (int i = 0; i < n; i++) {
		free(p[i].pid);
		free(p[i].group);
		free(p[i].status);
		free(p[i].reason);
	}
	free(p);
}
