/*
 * store.c - the history (store.h), one implementation above the SQL
 * drivers of db.h: SQLite for a path, PostgreSQL for a postgresql:// URL.
 *
 * The schema is versioned (table schema_version) and built by numbered
 * migrations applied in order inside one transaction, so an old db is
 * upgraded in place the first time a newer mmscale opens it.  Opening a
 * db whose schema is current takes no write lock at all: a reader never
 * waits behind an importer, and a read-only file can be read.
 *
 * The SQL below is the subset SQLite and PostgreSQL share; the few words
 * their schemas spell differently are tokens ({PK}, {INT8}, {REAL},
 * {NOROWID}) each driver expands.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "harness.h"
#include "db.h"
#include "store.h"

/* Migration N brings a db from version N-1 to N.  Never change what a
 * shipped one makes: add the next. */
static const char *const migrations[] = {
	[1] =
	"CREATE TABLE machines ("
	"  id {PK},"
	"  hostname TEXT NOT NULL,"
	"  cpu_model TEXT NOT NULL,"
	"  UNIQUE (hostname, cpu_model));"
	"CREATE TABLE runs ("
	"  id {PK},"
	"  machine_id {INT8} NOT NULL REFERENCES machines(id),"
	"  kernel TEXT NOT NULL,"
	"  config_name TEXT NOT NULL,"
	"  config_hash TEXT NOT NULL,"
	"  toggles TEXT NOT NULL,"
	"  label TEXT NOT NULL,"
	"  time {INT8} NOT NULL,"
	"  status TEXT NOT NULL,"
	"  good INTEGER NOT NULL DEFAULT -1,"	/* STORE_UNJUDGED */
	"  UNIQUE (machine_id, label, time));"
	"CREATE TABLE points ("
	"  id {PK},"
	"  run_id {INT8} NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
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
	"  point_id {INT8} NOT NULL REFERENCES points(id) ON DELETE CASCADE,"
	"  metric TEXT NOT NULL,"
	"  iter INTEGER NOT NULL,"
	"  value {REAL} NOT NULL,"
	"  PRIMARY KEY (point_id, metric, iter)){NOROWID};"
	/* per-point summaries: what series and plots read */
	"CREATE TABLE summaries ("
	"  point_id {INT8} NOT NULL REFERENCES points(id) ON DELETE CASCADE,"
	"  metric TEXT NOT NULL,"
	"  better TEXT NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  mean {REAL} NOT NULL,"		/* Hmean (higher-is-better) or Amean */
	"  amean {REAL}, hmean {REAL}, stddev {REAL}, coeffvar {REAL},"
	"  min {REAL}, max {REAL}, best50 {REAL}, best95 {REAL}, best99 {REAL},"
	"  PRIMARY KEY (point_id, metric)){NOROWID};",
	/* v2: the verdict text of judged runs, and the index baseline lookups
	 * walk (machine, config, newest first). */
	[2] =
	"ALTER TABLE runs ADD COLUMN verdict TEXT;"
	"CREATE INDEX runs_by_config ON runs (machine_id, config_hash, time);",
	/* v3: views for dashboards (Grafana's PostgreSQL source, psql,
	 * sqlite3), documented in the README: every headline summary with its
	 * run, and each machine + config's newest night. */
	[3] =
	"CREATE VIEW metric_series AS SELECT m.hostname AS machine, m.cpu_model,"
	" r.config_name, r.config_hash, r.id AS run_id, r.label, r.kernel, r.time, r.status,"
	" r.good, p.grp, p.clients, s.metric, s.better, s.n, s.mean, s.stddev, s.coeffvar"
	" FROM runs r JOIN machines m ON m.id = r.machine_id JOIN points p ON p.run_id = r.id"
	" JOIN summaries s ON s.point_id = p.id WHERE p.status = 'ok';"
	"CREATE VIEW latest_night AS SELECT m.hostname AS machine, m.cpu_model,"
	" r.config_name, r.config_hash, r.id AS run_id, r.label, r.kernel, r.time, r.status,"
	" r.good, r.verdict FROM runs r JOIN machines m ON m.id = r.machine_id"
	" WHERE NOT EXISTS (SELECT 1 FROM runs n WHERE n.machine_id = r.machine_id"
	" AND n.config_hash = r.config_hash AND (n.time > r.time OR (n.time = r.time AND n.id > r.id)));",
	/* v4: calibrations (`mmscale calibrate`): a machine's run-to-run
	 * spread of a config, per group, metric and client count; nightly
	 * looks the newest one up by machine and config hash. */
	[4] =
	"CREATE TABLE calibrations ("
	"  id {PK},"
	"  machine_id {INT8} NOT NULL REFERENCES machines(id),"
	"  config_name TEXT NOT NULL,"
	"  config_hash TEXT NOT NULL,"
	"  label TEXT NOT NULL,"
	"  time {INT8} NOT NULL,"
	"  runs TEXT NOT NULL,"			/* JSON array of the runs' labels */
	"  UNIQUE (machine_id, label, time));"
	"CREATE INDEX calibrations_by_config ON calibrations (machine_id, config_hash, time);"
	"CREATE TABLE calibration_rows ("
	"  calibration_id {INT8} NOT NULL REFERENCES calibrations(id) ON DELETE CASCADE,"
	"  grp TEXT NOT NULL,"
	"  metric TEXT NOT NULL,"
	"  clients INTEGER NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  cv_between {REAL} NOT NULL,"	/* %, CoeffVar of the runs' headline means */
	"  cv_within_mean {REAL},"		/* %, the mean of their own CoeffVars */
	"  PRIMARY KEY (calibration_id, grp, metric, clients)){NOROWID};",
	/* v5: how long each point ran (point.json's wall_sec) and the
	 * iterations that took (warm-up, adaptive pilot, kept): what `plan
	 * --db` estimates a config's time from.  NULL for points stored
	 * before, or without a point.json. */
	[5] =
	"ALTER TABLE points ADD COLUMN wall_sec {REAL};"
	"ALTER TABLE points ADD COLUMN warmup INTEGER;"
	"ALTER TABLE points ADD COLUMN pilot INTEGER;"
	"ALTER TABLE points ADD COLUMN kept INTEGER;",
};
#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])) - 1)
_Static_assert(NMIGRATIONS == STORE_VERSION, "STORE_VERSION");

/* Values go in statements of up to this many rows: one round trip to a
 * server per metric of a point rather than per value (PostgreSQL: ~5x
 * faster imports); 2 + 2 * 64 parameters are within both databases' limits. */
#define VALUES_PER_INSERT 64

struct dbstore {
	struct store base;
	struct db *db;
	const struct db_ops *o;
	int version;
	/* kept prepared: run once per value, point, or series of a fleet */
	struct db_stmt *ins_point, *ins_summary, *run_values, *runs_q, *series_q;
	/* ins_values[k]: k values of one metric in one statement */
	struct db_stmt *ins_values[VALUES_PER_INSERT + 1];
};

static const struct store_ops store_db_ops;

static struct dbstore *S(struct store *st)
{
	return (struct dbstore *)st;
}

static char *col_strdup(struct dbstore *s, struct db_stmt *q, int i)
{
	const char *t = s->o->col_text(q, i);

	return xstrdup(t ? t : "");
}

static int prepare(struct dbstore *s, const char *sql, struct db_stmt **q)
{
	return s->o->prepare(s->db, sql, false, q);
}

/* A statement run once per value of an import: kept prepared. */
static int prepare_kept(struct dbstore *s, const char *sql, struct db_stmt **q)
{
	return *q ? 0 : s->o->prepare(s->db, sql, true, q);
}

/* Step a statement that returns no row; ready to bind again after. */
static int step_done(struct dbstore *s, struct db_stmt *q, const char *what)
{
	int rc = s->o->step(q, what);

	s->o->reset(q);
	return rc == DB_DONE ? 0 : rc == DB_ROW ? 0 : rc;
}

char *db_expand(const struct db *db, const char *sql)
{
	static const struct { const char *tok; size_t off; } toks[] = {
		{ "{PK}", offsetof(struct db_ops, pk) },
		{ "{INT8}", offsetof(struct db_ops, int8) },
		{ "{REAL}", offsetof(struct db_ops, real) },
		{ "{NOROWID}", offsetof(struct db_ops, norowid) },
	};
	size_t cap = strlen(sql) * 2 + 256, len = 0;
	char *out = xmalloc(cap);

	for (const char *p = sql; *p;) {
		const char *word = NULL;
		size_t skip = 1;

		for (size_t t = 0; t < sizeof(toks) / sizeof(toks[0]) && *p == '{'; t++)
			if (!strncmp(p, toks[t].tok, strlen(toks[t].tok))) {
				word = *(const char *const *)((const char *)db->ops + toks[t].off);
				skip = strlen(toks[t].tok);
			}
		if (!word) {
			out[len++] = *p;
		} else {
			size_t w = strlen(word);

			if (len + w + 1 >= cap)
				out = xrealloc(out, cap = 2 * cap + w, 1);
			memcpy(out + len, word, w);
			len += w;
		}
		p += skip;
		if (len + 2 >= cap)
			out = xrealloc(out, cap *= 2, 1);
	}
	out[len] = 0;
	return out;
}

/* ---- schema ------------------------------------------------------------ */

static int read_int(struct dbstore *s, const char *sql, const char *what, int *v)
{
	struct db_stmt *q = NULL;
	int rc = prepare(s, sql, &q);

	if (rc)
		return rc;
	rc = s->o->step(q, what);
	*v = rc == DB_ROW ? (int)s->o->col_int64(q, 0) : 0;
	s->o->finalize(q);
	return rc == DB_ROW || rc == DB_DONE ? 0 : rc;
}

static int read_version(struct dbstore *s, int *version)
{
	int has = 0, rc = read_int(s, s->o->has_schema_sql, "read schema version", &has);

	*version = 0;
	if (!rc && has)
		rc = read_int(s, "SELECT max(version) FROM schema_version", "read schema version",
			      version);
	return rc;
}

static int too_new(struct dbstore *s, int version)
{
	if (version <= NMIGRATIONS)
		return 0;
	errmsg(0, "%s: schema version %d is newer than this mmscale knows (%d): "
	       "use a newer mmscale", s->db->name, version, NMIGRATIONS);
	return EXIT_USAGE;
}

/* Bring the schema to max_version, all or nothing, in the schema
 * transaction (one process at a time; the version is read again inside). */
static int migrate(struct dbstore *s, int max_version)
{
	int version, rc;

	rc = s->o->begin(s->db, true);
	if (rc)
		return rc;
	rc = s->o->exec(s->db, "CREATE TABLE IF NOT EXISTS schema_version ("
			"version INTEGER NOT NULL, applied BIGINT NOT NULL)", "schema_version");
	rc = rc ?: read_version(s, &version);
	rc = rc ?: too_new(s, version);
	for (int v = version + 1; !rc && v <= max_version; v++) {
		char *sql = db_expand(s->db, migrations[v]);
		struct db_stmt *q = NULL;

		rc = s->o->exec(s->db, sql, "migrate");
		free(sql);
		rc = rc ?: prepare(s, "INSERT INTO schema_version VALUES (?1, ?2)", &q);
		if (!rc) {
			s->o->bind_int64(q, 1, v);
			s->o->bind_int64(q, 2, (int64_t)time(NULL));
			rc = step_done(s, q, "migrate");
			s->o->finalize(q);
		}
		version = v;
	}
	if (rc) {
		s->o->rollback(s->db);
		return rc;
	}
	s->version = version;
	return s->o->commit(s->db);
}

static int open_schema(struct dbstore *s, int max_version)
{
	int version, rc = read_version(s, &version);

	rc = rc ?: too_new(s, version);
	if (rc)
		return rc;
	s->version = version;
	if (version >= max_version)
		return 0;
	if (s->db->readonly) {
		errmsg(0, "%s: schema version %d needs migrating to %d, and the file is read-only",
		       s->db->name, version, max_version);
		return EXIT_NORES;
	}
	return migrate(s, max_version);
}

int store_open_version(const char *path, int max_version, struct store **st)
{
	struct dbstore *s = xcalloc(1, sizeof(*s));
	int rc;

	s->base.ops = &store_db_ops;
	if (max_version <= 0 || max_version > NMIGRATIONS)
		max_version = NMIGRATIONS;
	rc = db_is_url(path) ? db_pg_open(path, &s->db) : db_sqlite_open(path, &s->db);
	if (rc) {
		free(s);
		return rc;
	}
	s->o = s->db->ops;
	rc = open_schema(s, max_version);
	if (rc) {
		store_db_ops.close(&s->base);
		return rc;
	}
	*st = &s->base;
	return 0;
}

int store_sqlite_open(const char *path, int max_version, struct store **st)
{
	return store_open_version(path, max_version, st);
}

const char *store_default(const char *path)
{
	const char *env = getenv("MMSCALE_DB");

	return path ? path : env && *env ? env : STORE_DEFAULT_DB;
}

int store_open(const char *path, struct store **st)
{
	return store_open_version(store_default(path), 0, st);
}

int store_open_existing(const char *path, struct store **st)
{
	const char *db = store_default(path);

	if (!db_is_url(db) && access(db, F_OK)) {
		errmsg(errno, "%s", db);
		return EXIT_NORES;
	}
	return store_open(db, st);
}

static void db_store_close(struct store *st)
{
	struct dbstore *s = S(st);

	s->o->finalize(s->ins_point);
	for (int k = 0; k <= VALUES_PER_INSERT; k++)
		s->o->finalize(s->ins_values[k]);
	s->o->finalize(s->ins_summary);
	s->o->finalize(s->run_values);
	s->o->finalize(s->runs_q);
	s->o->finalize(s->series_q);
	s->o->close(s->db);
	free(s);
}

static int db_schema_version(struct store *st)
{
	return S(st)->version;
}

static const char *db_name(struct store *st)
{
	return S(st)->db->name;
}

/* ---- writes ------------------------------------------------------------ */

static int db_begin(struct store *st)
{
	return S(st)->o->begin(S(st)->db, false);
}

static int db_commit(struct store *st)
{
	return S(st)->o->commit(S(st)->db);
}

static void db_rollback(struct store *st)
{
	S(st)->o->rollback(S(st)->db);
}

/* One statement that returns one row; its first column as an id. */
static int step_id(struct dbstore *s, struct db_stmt *q, const char *what, int64_t *id, int *good)
{
	int rc = s->o->step(q, what);

	if (rc == DB_ROW) {
		*id = s->o->col_int64(q, 0);
		if (good)
			*good = (int)s->o->col_int64(q, 1);
		rc = 0;
	} else if (rc == DB_DONE) {
		errmsg(0, "%s: %s: no row returned", s->db->name, what);
		rc = EXIT_FAIL;
	}
	return rc;
}

static int machine_id(struct dbstore *s, const char *hostname, const char *cpu_model,
		      int64_t *id)
{
	struct db_stmt *q = NULL;
	int rc = prepare(s, "INSERT INTO machines (hostname, cpu_model) VALUES (?1, ?2) "
			 "ON CONFLICT (hostname, cpu_model) DO UPDATE SET hostname = excluded.hostname"
			 " RETURNING id", &q);

	if (rc)
		return rc;
	s->o->bind_text(q, 1, hostname ? hostname : "unknown");
	s->o->bind_text(q, 2, cpu_model ? cpu_model : "unknown");
	rc = step_id(s, q, "store machine", id, NULL);
	s->o->finalize(q);
	return rc;
}

static int db_put_run(struct store *st, struct store_run *r)
{
	struct dbstore *s = S(st);
	struct db_stmt *q = NULL;
	int64_t mid = 0;
	int rc;

	rc = machine_id(s, r->hostname, r->cpu_model, &mid);
	/* The judgement survives a re-import: it is about the same run. */
	rc = rc ?: prepare(s, "INSERT INTO runs (machine_id, kernel, config_name, config_hash,"
			   " toggles, label, time, status) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) "
			   "ON CONFLICT (machine_id, label, time) DO UPDATE SET"
			   " kernel = excluded.kernel, config_name = excluded.config_name,"
			   " config_hash = excluded.config_hash, toggles = excluded.toggles,"
			   " status = excluded.status RETURNING id, good", &q);
	if (rc)
		return rc;
	s->o->bind_int64(q, 1, mid);
	s->o->bind_text(q, 2, r->kernel ? r->kernel : "unknown");
	s->o->bind_text(q, 3, r->config_name ? r->config_name : "unknown");
	s->o->bind_text(q, 4, r->config_hash ? r->config_hash : "");
	s->o->bind_text(q, 5, r->toggles ? r->toggles : "{}");
	s->o->bind_text(q, 6, r->label);
	s->o->bind_int64(q, 7, r->time);
	s->o->bind_text(q, 8, r->status ? r->status : "complete");
	rc = step_id(s, q, "store run", &r->id, &r->good);
	s->o->finalize(q);
	q = NULL;
	rc = rc ?: prepare(s, "DELETE FROM points WHERE run_id = ?1", &q);
	if (rc)
		return rc;
	s->o->bind_int64(q, 1, r->id);
	rc = step_done(s, q, "replace points");
	s->o->finalize(q);
	return rc;
}

/* INSERT INTO metric_values VALUES (?1,?2,?3,?4),(?1,?2,?5,?6),... k rows */
static int prepare_values(struct dbstore *s, int k)
{
	char *sql, *p;
	int rc;

	if (s->ins_values[k])
		return 0;
	sql = p = xmalloc(64 + 24 * (size_t)k);
	p += sprintf(p, "INSERT INTO metric_values VALUES ");
	for (int j = 0; j < k; j++)
		p += sprintf(p, "%s(?1,?2,?%d,?%d)", j ? "," : "", 3 + 2 * j, 4 + 2 * j);
	rc = prepare_kept(s, sql, &s->ins_values[k]);
	free(sql);
	return rc;
}

static int put_metric(struct dbstore *s, int64_t point_id, const struct store_metric *m)
{
	const struct stats *t = &m->st;
	struct db_stmt *u = s->ins_summary;
	const struct db_ops *o = s->o;
	int rc;

	for (int i = 0; i < m->n; i += VALUES_PER_INSERT) {
		int k = m->n - i < VALUES_PER_INSERT ? m->n - i : VALUES_PER_INSERT;
		struct db_stmt *v;

		rc = prepare_values(s, k);
		if (rc)
			return rc;
		v = s->ins_values[k];
		o->bind_int64(v, 1, point_id);
		o->bind_text(v, 2, m->name);
		for (int j = 0; j < k; j++) {
			o->bind_int64(v, 3 + 2 * j, i + j);
			o->bind_double(v, 4 + 2 * j, m->values[i + j]);
		}
		rc = step_done(s, v, "store value");
		if (rc)
			return rc;
	}
	o->bind_int64(u, 1, point_id);
	o->bind_text(u, 2, m->name);
	o->bind_text(u, 3, m->dir == BETTER_HIGHER ? "higher" : "lower");
	o->bind_int64(u, 4, t->n);
	o->bind_double(u, 5, stats_headline(t));	/* the one rule: stats.h */
	o->bind_double(u, 6, t->amean);
	o->bind_double(u, 7, t->hmean);
	o->bind_double(u, 8, t->stddev);
	o->bind_double(u, 9, t->coeffvar);
	o->bind_double(u, 10, t->min);
	o->bind_double(u, 11, t->max);
	o->bind_double(u, 12, t->best50);
	o->bind_double(u, 13, t->best95);
	o->bind_double(u, 14, t->best99);
	return step_done(s, u, "store summary");
}

static int db_put_point(struct store *st, int64_t run_id, const struct store_point *p)
{
	struct dbstore *s = S(st);
	struct db_stmt *q;
	int64_t point_id = 0;
	int rc;

	/* a db kept at an older version (tests build them) has no timing columns */
	rc = prepare_kept(s, s->version >= 5 ?
			  "INSERT INTO points (run_id, pid, workload, grp, clients, status,"
			  " reason, params, wall_sec, warmup, pilot, kept)"
			  " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) RETURNING id" :
			  "INSERT INTO points (run_id, pid, workload, grp, clients, status,"
			  " reason, params) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) RETURNING id",
			  &s->ins_point);
	rc = rc ?: prepare_kept(s, "INSERT INTO summaries VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,"
				"?10,?11,?12,?13,?14)", &s->ins_summary);
	if (rc)
		return rc;
	q = s->ins_point;
	s->o->bind_int64(q, 1, run_id);
	s->o->bind_text(q, 2, p->pid);
	s->o->bind_text(q, 3, p->workload ? p->workload : "");
	s->o->bind_text(q, 4, p->group ? p->group : "");
	s->o->bind_int64(q, 5, p->clients);
	s->o->bind_text(q, 6, p->status ? p->status : "ok");
	s->o->bind_text(q, 7, p->reason);
	s->o->bind_text(q, 8, p->params);
	/* a point without its time: wall_sec NULL (a db kept at an older
	 * version has no such columns) */
	if (s->version >= 5) {
		s->o->bind_double(q, 9, p->wall_sec > 0 ? p->wall_sec : NAN);
		s->o->bind_int64(q, 10, p->warmup);
		s->o->bind_int64(q, 11, p->pilot);
		s->o->bind_int64(q, 12, p->kept);
	}
	rc = step_id(s, q, "store point", &point_id, NULL);
	s->o->reset(q);
	for (int i = 0; i < p->nmetrics && !rc; i++)
		rc = put_metric(s, point_id, &p->metrics[i]);
	return rc;
}

static int db_set_judgement(struct store *st, int64_t run_id, int good, const char *json)
{
	struct dbstore *s = S(st);
	struct db_stmt *q = NULL;
	int rc = prepare(s, "UPDATE runs SET good = ?2, verdict = ?3 WHERE id = ?1", &q);

	if (rc)
		return rc;
	s->o->bind_int64(q, 1, run_id);
	s->o->bind_int64(q, 2, good);
	s->o->bind_text(q, 3, json);
	rc = step_done(s, q, "store judgement");
	s->o->finalize(q);
	return rc;
}

/* The runs' labels as the JSON text the calibrations table keeps. */
static char *runs_json(const struct calib *c)
{
	json_t *a = json_array();
	char *text;

	for (int i = 0; i < c->nruns; i++)
		json_array_append_new(a, json_string(c->runs[i]));
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (!text)
		die(EXIT_NORES, ENOMEM, "store calibration");
	return text;
}

static int db_put_calibration(struct store *st, const struct calib *c)
{
	struct dbstore *s = S(st);
	const struct db_ops *o = s->o;
	struct db_stmt *q = NULL;
	int64_t mid = 0, id = 0;
	char *runs = runs_json(c);
	int rc;

	rc = machine_id(s, c->hostname, c->cpu_model, &mid);
	rc = rc ?: prepare(s, "INSERT INTO calibrations (machine_id, config_name, config_hash,"
			   " label, time, runs) VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT"
			   " (machine_id, label, time) DO UPDATE SET config_name = excluded.config_name,"
			   " config_hash = excluded.config_hash, runs = excluded.runs RETURNING id", &q);
	if (!rc) {
		o->bind_int64(q, 1, mid);
		o->bind_text(q, 2, c->config ? c->config : "unknown");
		o->bind_text(q, 3, c->config_hash ? c->config_hash : "");
		o->bind_text(q, 4, c->label ? c->label : "calibration");
		o->bind_int64(q, 5, c->time);
		o->bind_text(q, 6, runs);
		rc = step_id(s, q, "store calibration", &id, NULL);
		o->finalize(q);
		q = NULL;
	}
	rc = rc ?: prepare(s, "DELETE FROM calibration_rows WHERE calibration_id = ?1", &q);
	if (!rc) {
		o->bind_int64(q, 1, id);
		rc = step_done(s, q, "replace calibration rows");
		o->finalize(q);
		q = NULL;
	}
	/* a row twice (a hand-made file): the first counts, as calib_find's */
	rc = rc ?: prepare(s, "INSERT INTO calibration_rows VALUES (?1,?2,?3,?4,?5,?6,?7)"
			   " ON CONFLICT (calibration_id, grp, metric, clients) DO NOTHING", &q);
	for (int i = 0; !rc && i < c->nrows; i++) {
		const struct calib_row *r = &c->rows[i];

		o->bind_int64(q, 1, id);
		o->bind_text(q, 2, r->group);
		o->bind_text(q, 3, r->metric);
		o->bind_int64(q, 4, r->clients);
		o->bind_int64(q, 5, r->n);
		o->bind_double(q, 6, r->cv_between);
		o->bind_double(q, 7, r->cv_within_mean);	/* NAN: NULL */
		rc = step_done(s, q, "store calibration row");
	}
	if (q)
		o->finalize(q);
	free(runs);
	return rc;
}

/* ---- queries ----------------------------------------------------------- */

#define RUN_COLS "r.id, m.hostname, m.cpu_model, r.kernel, r.config_name, r.config_hash," \
		 " r.toggles, r.label, r.time, r.status, r.good"
#define RUN_FROM " FROM runs r JOIN machines m ON m.id = r.machine_id WHERE" \
		 " (?1 IS NULL OR m.hostname = ?1) AND (?2 IS NULL OR m.cpu_model = ?2)" \
		 " AND (?3 IS NULL OR r.config_name = ?3 OR r.config_hash = ?3)" \
		 " AND (?4 IS NULL OR r.label = ?4)" \
		 " AND (r.time < ?5 OR (r.time = ?5 AND r.id < ?6))" \
		 " AND (?7 = 0 OR (r.good <> 0 AND r.status = 'complete'))" \
		 " ORDER BY r.time DESC, r.id DESC LIMIT ?8"

static void bind_filter(struct dbstore *s, struct db_stmt *q, const struct store_filter *f)
{
	static const struct store_filter none;
	const struct db_ops *o = s->o;

	if (!f)
		f = &none;
	o->bind_text(q, 1, f->machine);
	o->bind_text(q, 2, f->cpu_model);
	o->bind_text(q, 3, f->config);
	o->bind_text(q, 4, f->label);
	/* every parameter bound, and typed, whatever the filter: PostgreSQL
	 * cannot type "?5 IS NULL" alone */
	o->bind_int64(q, 5, f->before ? f->before_time : INT64_MAX);
	o->bind_int64(q, 6, f->before ? f->before_id : INT64_MAX);
	o->bind_int64(q, 7, f->baseline);
	o->bind_int64(q, 8, f->last > 0 ? f->last : INT64_MAX);
}

static void read_run(struct dbstore *s, struct db_stmt *q, struct store_run *r)
{
	*r = (struct store_run){
		.id = s->o->col_int64(q, 0),
		.hostname = col_strdup(s, q, 1),
		.cpu_model = col_strdup(s, q, 2),
		.kernel = col_strdup(s, q, 3),
		.config_name = col_strdup(s, q, 4),
		.config_hash = col_strdup(s, q, 5),
		.toggles = col_strdup(s, q, 6),
		.label = col_strdup(s, q, 7),
		.time = s->o->col_int64(q, 8),
		.status = col_strdup(s, q, 9),
		.good = (int)s->o->col_int64(q, 10),
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

static int db_query_runs(struct store *st, const struct store_filter *f,
			 struct store_run **runs, int *n)
{
	struct dbstore *s = S(st);
	struct db_stmt *q = NULL;
	struct store_run *r = NULL;
	int cnt = 0, cap = 0, rc;

	rc = prepare_kept(s, "SELECT " RUN_COLS RUN_FROM, &s->runs_q);
	if (rc)
		return rc;
	q = s->runs_q;
	bind_filter(s, q, f);
	while ((rc = s->o->step(q, "query runs")) == DB_ROW) {
		if (cnt == cap) {
			cap = cap ? 2 * cap : 16;
			r = xrealloc(r, cap, sizeof(*r));
		}
		read_run(s, q, &r[cnt++]);
	}
	s->o->reset(q);
	if (rc != DB_DONE) {
		store_runs_free(r, cnt);
		return rc;
	}
	reverse_runs(r, cnt);
	*runs = r;
	*n = cnt;
	return 0;
}

static int db_run_values(struct store *st, int64_t run_id, struct store_values **out, int *n)
{
	struct dbstore *s = S(st);
	const struct db_ops *o = s->o;
	struct db_stmt *q;
	struct store_values *v = NULL, *cur = NULL;
	int cnt = 0, cap = 0, vcap = 0, rc;

	rc = prepare_kept(s, "SELECT p.grp, v.metric, p.clients, s.better, v.value"
			  " FROM points p JOIN summaries s ON s.point_id = p.id"
			  " JOIN metric_values v ON v.point_id = p.id AND v.metric = s.metric"
			  " WHERE p.run_id = ?1 AND p.status = 'ok'"
			  " ORDER BY p.grp, v.metric, p.clients, p.id, v.iter", &s->run_values);
	if (rc)
		return rc;
	q = s->run_values;
	o->bind_int64(q, 1, run_id);
	while ((rc = o->step(q, "query values")) == DB_ROW) {
		const char *grp = o->col_text(q, 0), *metric = o->col_text(q, 1);
		int clients = (int)o->col_int64(q, 2);

		if (!cur || cur->clients != clients || strcmp(cur->metric, metric) ||
		    strcmp(cur->group, grp)) {
			if (cnt == cap) {
				cap = cap ? 2 * cap : 16;
				v = xrealloc(v, cap, sizeof(*v));
			}
			cur = &v[cnt++];
			*cur = (struct store_values){
				.group = xstrdup(grp),
				.metric = xstrdup(metric),
				.clients = clients,
				.dir = strcmp(o->col_text(q, 3), "lower") ? BETTER_HIGHER :
				       BETTER_LOWER,
			};
			vcap = 0;
		}
		if (cur->n == vcap) {
			vcap = vcap ? 2 * vcap : 32;
			cur->values = xrealloc(cur->values, vcap, sizeof(double));
		}
		cur->values[cur->n++] = o->col_double(q, 4);
	}
	o->reset(q);
	if (rc != DB_DONE) {
		store_values_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int db_run_points(struct store *st, int64_t run_id, struct store_point_status **out,
			 int *n)
{
	struct dbstore *s = S(st);
	struct db_stmt *q = NULL;
	struct store_point_status *p = NULL;
	int cnt = 0, cap = 0, rc;

	rc = prepare(s, "SELECT pid, grp, clients, status, reason, wall_sec, warmup, pilot, kept"
		     " FROM points WHERE run_id = ?1 ORDER BY pid", &q);
	if (rc)
		return rc;
	s->o->bind_int64(q, 1, run_id);
	while ((rc = s->o->step(q, "query points")) == DB_ROW) {
		if (cnt == cap) {
			cap = cap ? 2 * cap : 16;
			p = xrealloc(p, cap, sizeof(*p));
		}
		/* the value before col_text (SQLite converts it to text) */
		double wall = s->o->col_double(q, 5);

		p[cnt++] = (struct store_point_status){
			.pid = col_strdup(s, q, 0),
			.group = col_strdup(s, q, 1),
			.clients = (int)s->o->col_int64(q, 2),
			.status = col_strdup(s, q, 3),
			.reason = s->o->col_text(q, 4) ? col_strdup(s, q, 4) : NULL,
			.wall_sec = s->o->col_text(q, 5) ? wall : NAN,
			.warmup = (int)s->o->col_int64(q, 6),
			.pilot = (int)s->o->col_int64(q, 7),
			.kept = (int)s->o->col_int64(q, 8),
		};
	}
	s->o->finalize(q);
	if (rc != DB_DONE) {
		store_points_free(p, cnt);
		return rc;
	}
	*out = p;
	*n = cnt;
	return 0;
}

static int db_query_series(struct store *st, const struct store_filter *f, const char *group,
			   const char *metric, int clients, struct store_sample **out, int *n)
{
	struct dbstore *s = S(st);
	const struct db_ops *o = s->o;
	struct db_stmt *q = NULL;
	struct store_sample *v = NULL;
	int cnt = 0, cap = 0, rc;

	/* LIMIT counts runs, not rows, so it sits in the subquery. */
	rc = prepare_kept(s, "SELECT " RUN_COLS ", p.grp, p.clients, su.n, su.amean, su.hmean,"
		     " su.stddev, su.coeffvar, su.min, su.max, su.best50, su.best95, su.best99,"
		     " su.better, su.mean FROM runs r JOIN machines m ON m.id = r.machine_id"
		     " JOIN points p ON p.run_id = r.id"
		     " JOIN summaries su ON su.point_id = p.id"
		     " WHERE r.id IN (SELECT r.id" RUN_FROM ")"
		     " AND su.metric = ?9 AND p.clients = ?10 AND (?11 IS NULL OR p.grp = ?11)"
		     " AND p.status = 'ok' ORDER BY r.time, r.id, p.grp", &s->series_q);
	if (rc)
		return rc;
	q = s->series_q;
	bind_filter(s, q, f);
	o->bind_text(q, 9, metric);
	o->bind_int64(q, 10, clients);
	o->bind_text(q, 11, group);
	while ((rc = o->step(q, "query series")) == DB_ROW) {
		if (cnt == cap) {
			cap = cap ? 2 * cap : 16;
			v = xrealloc(v, cap, sizeof(*v));
		}
		struct store_sample *x = &v[cnt++];

		read_run(s, q, &x->run);
		x->group = col_strdup(s, q, 11);
		x->clients = (int)o->col_int64(q, 12);
		x->dir = strcmp(o->col_text(q, 23), "lower") ? BETTER_HIGHER : BETTER_LOWER;
		x->mean = o->col_double(q, 24);
		x->st = (struct stats){
			.n = (int)o->col_int64(q, 13),
			.amean = o->col_double(q, 14),
			.hmean = o->col_double(q, 15),
			.stddev = o->col_double(q, 16),
			.coeffvar = o->col_double(q, 17),
			.min = o->col_double(q, 18),
			.max = o->col_double(q, 19),
			.best50 = o->col_double(q, 20),
			.best95 = o->col_double(q, 21),
			.best99 = o->col_double(q, 22),
		};
	}
	o->reset(q);
	if (rc != DB_DONE) {
		store_samples_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int db_run_verdict(struct store *st, int64_t run_id, char **json)
{
	struct dbstore *s = S(st);
	struct db_stmt *q = NULL;
	int rc = prepare(s, "SELECT verdict FROM runs WHERE id = ?1", &q);

	*json = NULL;
	if (rc)
		return rc;
	s->o->bind_int64(q, 1, run_id);
	rc = s->o->step(q, "query verdict");
	if (rc == DB_ROW && s->o->col_text(q, 0))
		*json = xstrdup(s->o->col_text(q, 0));
	s->o->finalize(q);
	return rc == DB_ROW || rc == DB_DONE ? 0 : rc;
}

static int calib_rows(struct dbstore *s, int64_t id, struct calib *c)
{
	const struct db_ops *o = s->o;
	struct db_stmt *q = NULL;
	int rc = prepare(s, "SELECT grp, metric, clients, n, cv_between, cv_within_mean"
			 " FROM calibration_rows WHERE calibration_id = ?1"
			 " ORDER BY grp, metric, clients", &q);

	if (rc)
		return rc;
	o->bind_int64(q, 1, id);
	while ((rc = o->step(q, "query calibration rows")) == DB_ROW) {
		/* the value before col_text (SQLite converts it to text) */
		double within = o->col_double(q, 5);

		calib_add(c, o->col_text(q, 0), o->col_text(q, 1), (int)o->col_int64(q, 2),
			  (int)o->col_int64(q, 3), o->col_double(q, 4),
			  o->col_text(q, 5) ? within : NAN);
	}
	o->finalize(q);
	return rc == DB_DONE ? 0 : rc;
}

static void calib_runs_from_json(struct calib *c, const char *text)
{
	json_t *a = text ? json_loads(text, 0, NULL) : NULL, *v;
	size_t i;

	json_array_foreach(a, i, v)
		if (json_is_string(v)) {
			c->runs = xrealloc(c->runs, (size_t)c->nruns + 1, sizeof(*c->runs));
			c->runs[c->nruns++] = xstrdup(json_string_value(v));
		}
	json_decref(a);
}

static int db_query_calibrations(struct store *st, const struct store_filter *f,
				 struct calib **out, int *n)
{
	static const struct store_filter none;
	struct dbstore *s = S(st);
	const struct db_ops *o = s->o;
	struct db_stmt *q = NULL;
	struct calib *c = NULL;
	int64_t *ids = NULL;
	int cnt = 0, rc;

	if (!f)
		f = &none;
	rc = prepare(s, "SELECT c.id, m.hostname, m.cpu_model, c.config_name, c.config_hash,"
		     " c.label, c.time, c.runs FROM calibrations c JOIN machines m"
		     " ON m.id = c.machine_id WHERE (?1 IS NULL OR m.hostname = ?1)"
		     " AND (?2 IS NULL OR m.cpu_model = ?2)"
		     " AND (?3 IS NULL OR c.config_name = ?3 OR c.config_hash = ?3)"
		     " AND (?4 IS NULL OR c.label = ?4)"
		     " ORDER BY c.time DESC, c.id DESC LIMIT ?5", &q);
	if (rc)
		return rc;
	o->bind_text(q, 1, f->machine);
	o->bind_text(q, 2, f->cpu_model);
	o->bind_text(q, 3, f->config);
	o->bind_text(q, 4, f->label);
	o->bind_int64(q, 5, f->last > 0 ? f->last : INT64_MAX);
	while ((rc = o->step(q, "query calibrations")) == DB_ROW) {
		struct calib *x;

		/* newest first from the statement (LIMIT keeps the newest):
		 * filled from the end after, chronological as every query */
		c = xrealloc(c, (size_t)cnt + 1, sizeof(*c));
		ids = xrealloc(ids, (size_t)cnt + 1, sizeof(*ids));
		x = &c[cnt];
		*x = (struct calib){
			.hostname = col_strdup(s, q, 1),
			.cpu_model = col_strdup(s, q, 2),
			.config = col_strdup(s, q, 3),
			.config_hash = col_strdup(s, q, 4),
			.label = col_strdup(s, q, 5),
			.time = o->col_int64(q, 6),
		};
		calib_runs_from_json(x, o->col_text(q, 7));
		ids[cnt++] = o->col_int64(q, 0);
	}
	o->finalize(q);
	if (rc == DB_DONE)
		rc = 0;
	/* the rows after the statement: one statement at a time per
	 * connection is all libpq's synchronous calls allow */
	for (int i = 0; i < cnt && !rc; i++)
		rc = calib_rows(s, ids[i], &c[i]);
	free(ids);
	if (rc) {
		store_calibs_free(c, cnt);
		return rc;
	}
	for (int i = 0; i < cnt / 2; i++) {
		struct calib t = c[i];

		c[i] = c[cnt - 1 - i];
		c[cnt - 1 - i] = t;
	}
	*out = c;
	*n = cnt;
	return 0;
}

/* ---- copying a history ------------------------------------------------- */

/* old id -> new id, filled in old-id order (the SELECTs below sort by id) */
struct idmap {
	int64_t *from, *to;
	int n, cap;
};

static void idmap_add(struct idmap *m, int64_t from, int64_t to)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 256;
		m->from = xrealloc(m->from, m->cap, sizeof(int64_t));
		m->to = xrealloc(m->to, m->cap, sizeof(int64_t));
	}
	m->from[m->n] = from;
	m->to[m->n++] = to;
}

static bool idmap_get(const struct idmap *m, int64_t from, int64_t *to)
{
	int lo = 0, hi = m->n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (m->from[mid] == from) {
			*to = m->to[mid];
			return true;
		}
		if (m->from[mid] < from)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

static void idmap_free(struct idmap *m)
{
	free(m->from);
	free(m->to);
}

/* Column kinds of a copied table: i integer, r real, t text (may be NULL),
 * and the id columns mapped through a map: M machine, R run, P point,
 * C calibration. */
struct table_copy {
	const char *select, *insert, *cols;
	int returns_id;		/* the insert returns the new id of column 0 */
	struct idmap *own;	/* where the returned ids go */
};

static int copy_table(struct dbstore *a, struct dbstore *b, const struct table_copy *t,
		      struct idmap *maps[4], long *count)
{
	struct db_stmt *q = NULL, *ins = NULL;
	int rc = prepare(a, t->select, &q), ncols = (int)strlen(t->cols);

	rc = rc ?: prepare_kept(b, t->insert, &ins);
	while (!rc && (rc = a->o->step(q, "copy: read")) == DB_ROW) {
		int64_t old_id = a->o->col_int64(q, 0), id;
		int bi = 1;

		rc = 0;
		for (int c = t->returns_id ? 1 : 0; c < ncols && !rc; c++, bi++) {
			static const char *const what[] = { "machine", "run", "point", "calibration" };
			const char *k = strchr("MRPC", t->cols[c]);

			if (k) {
				if (!idmap_get(maps[k - "MRPC"], a->o->col_int64(q, c), &id)) {
					errmsg(0, "%s: copy: a row refers to a missing %s", a->db->name,
					       what[k - "MRPC"]);
					rc = EXIT_USAGE;
				}
				b->o->bind_int64(ins, bi, id);
			} else if (t->cols[c] == 'i') {
				b->o->bind_int64(ins, bi, a->o->col_int64(q, c));
			} else if (t->cols[c] == 'r') {
				/* the value before col_text (SQLite converts it to text) */
				double d = a->o->col_double(q, c);

				/* a NULL real stays NULL */
				b->o->bind_double(ins, bi, a->o->col_text(q, c) ? d : NAN);
			} else {
				b->o->bind_text(ins, bi, a->o->col_text(q, c));
			}
		}
		if (rc)
			break;
		if (t->returns_id) {
			rc = step_id(b, ins, "copy: write", &id, NULL);
			b->o->reset(ins);
			if (!rc)
				idmap_add(t->own, old_id, id);
		} else {
			rc = step_done(b, ins, "copy: write");
		}
		(*count)++;
	}
	if (rc == DB_DONE)
		rc = 0;
	a->o->finalize(q);
	b->o->finalize(ins);
	return rc;
}

int store_copy(struct store *from, struct store *to, long counts[STORE_COPY_COUNTS])
{
	struct dbstore *a = S(from), *b = S(to);
	struct idmap mm = { 0 }, rm = { 0 }, pm = { 0 }, cm = { 0 };
	struct idmap *maps[4] = { &mm, &rm, &pm, &cm };
	long rows = 0;
	/* runs keep their judgement; a run already in TO is replaced, as a
	 * re-import would */
	const struct table_copy tables[] = {
		{ "SELECT id, hostname, cpu_model FROM machines ORDER BY id",
		  "INSERT INTO machines (hostname, cpu_model) VALUES (?1, ?2) ON CONFLICT"
		  " (hostname, cpu_model) DO UPDATE SET hostname = excluded.hostname RETURNING id",
		  "itt", 1, &mm },
		{ "SELECT id, machine_id, kernel, config_name, config_hash, toggles, label, time,"
		  " status, good, verdict FROM runs ORDER BY id",
		  "INSERT INTO runs (machine_id, kernel, config_name, config_hash, toggles, label,"
		  " time, status, good, verdict) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"
		  " ON CONFLICT (machine_id, label, time) DO UPDATE SET kernel = excluded.kernel,"
		  " config_name = excluded.config_name, config_hash = excluded.config_hash,"
		  " toggles = excluded.toggles, status = excluded.status, good = excluded.good,"
		  " verdict = excluded.verdict RETURNING id",
		  "iMtttttiiit", 1, &rm },
		{ "SELECT id, run_id, pid, workload, grp, clients, status, reason, params,"
		  " wall_sec, warmup, pilot, kept FROM points ORDER BY id",
		  "INSERT INTO points (run_id, pid, workload, grp, clients, status, reason, params,"
		  " wall_sec, warmup, pilot, kept) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
		  " RETURNING id",
		  "iRtttitttriii", 1, &pm },
		{ "SELECT point_id, metric, iter, value FROM metric_values ORDER BY point_id",
		  "INSERT INTO metric_values VALUES (?1,?2,?3,?4)", "Ptir", 0, NULL },
		{ "SELECT point_id, metric, better, n, mean, amean, hmean, stddev, coeffvar, min,"
		  " max, best50, best95, best99 FROM summaries ORDER BY point_id",
		  "INSERT INTO summaries VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
		  "Pttirrrrrrrrrr", 0, NULL },
		{ "SELECT id, machine_id, config_name, config_hash, label, time, runs"
		  " FROM calibrations ORDER BY id",
		  "INSERT INTO calibrations (machine_id, config_name, config_hash, label, time, runs)"
		  " VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT (machine_id, label, time) DO UPDATE SET"
		  " config_name = excluded.config_name, config_hash = excluded.config_hash,"
		  " runs = excluded.runs RETURNING id",
		  "iMtttit", 1, &cm },
		{ "SELECT calibration_id, grp, metric, clients, n, cv_between, cv_within_mean"
		  " FROM calibration_rows ORDER BY calibration_id",
		  "INSERT INTO calibration_rows VALUES (?1,?2,?3,?4,?5,?6,?7)", "Cttiirr", 0, NULL },
	};
	/* what each table's count adds to: the rows of a calibration are part of it */
	long *count[] = { &counts[0], &counts[1], &counts[2], &counts[3], &counts[4],
			  &counts[5], &rows };
	/* the runs and calibrations copied replace what TO had of them */
	static const char *const replace[] = {
		[1] = "DELETE FROM points WHERE run_id = ?1",
		[5] = "DELETE FROM calibration_rows WHERE calibration_id = ?1",
	};
	const int ntables = (int)(sizeof(tables) / sizeof(tables[0]));
	int rc;

	_Static_assert(sizeof(count) / sizeof(count[0]) == sizeof(tables) / sizeof(tables[0]),
		       "a count per table");
	memset(counts, 0, STORE_COPY_COUNTS * sizeof(long));
	rc = b->o->begin(b->db, false);
	if (rc)
		return rc;
	for (int i = 0; i < ntables && !rc; i++) {
		rc = copy_table(a, b, &tables[i], maps, count[i]);
		if (!rc && i < (int)(sizeof(replace) / sizeof(replace[0])) && replace[i]) {
			const struct idmap *m = i == 1 ? &rm : &cm;
			struct db_stmt *q = NULL;

			rc = prepare(b, replace[i], &q);
			for (int k = 0; k < m->n && !rc; k++) {
				b->o->bind_int64(q, 1, m->to[k]);
				rc = step_done(b, q, "copy: replace rows");
			}
			b->o->finalize(q);
		}
	}
	rc = rc ?: b->o->commit(b->db);
	if (rc)
		b->o->rollback(b->db);
	idmap_free(&mm);
	idmap_free(&rm);
	idmap_free(&pm);
	idmap_free(&cm);
	return rc;
}

static const struct store_ops store_db_ops = {
	.name = "db",
	.close = db_store_close,
	.begin = db_begin,
	.commit = db_commit,
	.rollback = db_rollback,
	.put_run = db_put_run,
	.put_point = db_put_point,
	.set_judgement = db_set_judgement,
	.query_runs = db_query_runs,
	.run_values = db_run_values,
	.run_points = db_run_points,
	.query_series = db_query_series,
	.schema_version = db_schema_version,
	.db_name = db_name,
	.run_verdict = db_run_verdict,
	.put_calibration = db_put_calibration,
	.query_calibrations = db_query_calibrations,
};

/* ---- freeing ----------------------------------------------------- */

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
	return s ? xstrdup(s) : NULL;
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

void store_calibs_free(struct calib *c, int n)
{
	for (int i = 0; i < n; i++)
		calib_free(&c[i]);
	free(c);
}
