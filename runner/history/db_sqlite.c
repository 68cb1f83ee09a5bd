/*
 * db_sqlite.c - the SQLite driver of the history (db.h).
 *
 * One file, WAL mode so readers never block the nightly writer, a busy
 * timeout so two importers queue instead of failing, and write transactions
 * taken with BEGIN IMMEDIATE: a deferred transaction that upgrades to a
 * writer can hit SQLITE_BUSY without the busy handler ever being asked,
 * which is exactly how concurrent importers lose rows.
 *
 * A file this process may only read is opened read-only, and nothing is
 * asked of it that needs a write lock (store.c migrates only an old
 * schema), so a history on a read-only share can still be printed.
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
#include "db.h"

#define BUSY_TIMEOUT_MS 60000

struct sq_db {
	struct db base;
	sqlite3 *h;
	char *path, *uri;
};

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *s;
};

static const struct db_ops sqlite_db_ops;

static struct sq_db *D(struct db *db) { return (struct sq_db *)db; }
static struct sq_stmt *T(struct db_stmt *st) { return (struct sq_stmt *)st; }

static int sq_err(struct sq_db *d, const char *what)
{
	int code = sqlite3_errcode(d->h);

	errmsg(0, "%s: %s: %s", d->path, what, sqlite3_errmsg(d->h));
	/* A locked or busy db after the whole timeout is a missing resource;
	 * anything else (corrupt, not a db, wrong schema) is bad input. */
	return code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_IOERR ||
	       code == SQLITE_FULL || code == SQLITE_CANTOPEN || code == SQLITE_READONLY ?
	       EXIT_NORES : EXIT_USAGE;
}

static int sq_exec(struct db *db, const char *sql, const char *what)
{
	return sqlite3_exec(D(db)->h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : sq_err(D(db), what);
}

static int sq_begin(struct db *db, bool schema)
{
	return sq_exec(db, "BEGIN IMMEDIATE", schema ? "begin migration" : "begin");
}

static int sq_commit(struct db *db)
{
	return sq_exec(db, "COMMIT", "commit");
}

static void sq_rollback(struct db *db)
{
	sqlite3_exec(D(db)->h, "ROLLBACK", NULL, NULL, NULL);
}

static int sq_prepare(struct db *db, const char *sql, bool persistent, struct db_stmt **out)
{
	struct sq_stmt *t = xcalloc(1, sizeof(*t));

	t->base.db = db;
	if (sqlite3_prepare_v3(D(db)->h, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0,
			       &t->s, NULL) != SQLITE_OK) {
		free(t);
		return sq_err(D(db), "prepare");
	}
	*out = &t->base;
	return 0;
}

static void sq_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(T(st)->s, i, v);
}

static void sq_bind_double(struct db_stmt *st, int i, double v)
{
	sqlite3_bind_double(T(st)->s, i, v);
}

static void sq_bind_text(struct db_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(T(st)->s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(T(st)->s, i);
}

static int sq_step(struct db_stmt *st, const char *what)
{
	int rc = sqlite3_step(T(st)->s);

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return sq_err(D(st->db), what);
}

static int64_t sq_col_int64(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(T(st)->s, i);
}

static double sq_col_double(struct db_stmt *st, int i)
{
	return sqlite3_column_double(T(st)->s, i);
}

static const char *sq_col_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(T(st)->s, i);
}

static void sq_reset(struct db_stmt *st)
{
	sqlite3_reset(T(st)->s);
	sqlite3_clear_bindings(T(st)->s);
}

static void sq_finalize(struct db_stmt *st)
{
	if (!st)
		return;
	sqlite3_finalize(T(st)->s);
	free(st);
}

static void sq_close(struct db *db)
{
	struct sq_db *d = D(db);

	sqlite3_close(d->h);
	free(d->path);
	free(d->uri);
	free(d);
}

/* journal_mode=WAL needs a moment of exclusive access; the busy handler
 * does not cover it, so retry by hand within the same timeout.  A db that
 * is in WAL mode already is left alone: asking again would take that lock
 * for nothing, and a read-only one cannot be asked. */
static int set_wal(struct sq_db *d)
{
	sqlite3_stmt *q = NULL;
	bool wal = false;

	if (sqlite3_prepare_v2(d->h, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		wal = !strcmp((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	if (wal || d->base.readonly)
		return 0;
	for (int waited = 0;; waited += 10) {
		int rc = sqlite3_exec(d->h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);

		if (rc == SQLITE_OK)
			return 0;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= BUSY_TIMEOUT_MS)
			return sq_err(d, "set WAL mode");
		usleep(10000);
	}
}

static void mkdir_parent(const char *path)
{
	char *copy = xstrdup(path);

	/* results/ may not exist yet on a fresh checkout; deeper paths are
	 * the user's to create. */
	if (mkdir(dirname(copy), 0755) && errno != EEXIST)
		errno = 0;
	free(copy);
}

/*
 * Reading a WAL db needs its -shm file, which SQLite makes beside it; in a
 * directory we cannot write (a read-only share) there is none to make, so
 * such a db is opened immutable: read as it is, without locks.  Whoever
 * can write it could also write its directory.
 */
static const char *open_name(struct sq_db *d, const char *path, int *flags)
{
	char *dir = xstrdup(path), *uri, *o;
	bool dir_ro = access(dirname(dir), W_OK) != 0;

	free(dir);
	if (!d->base.readonly || !dir_ro)
		return path;
	uri = o = xmalloc(3 * strlen(path) + 32);
	o += sprintf(o, "file:");
	for (const char *p = path; *p; p++)
		o += strchr("%?#", *p) ? sprintf(o, "%%%02X", (unsigned char)*p) :
		     sprintf(o, "%c", *p);
	sprintf(o, "?immutable=1");
	free(d->uri);
	d->uri = uri;
	*flags |= SQLITE_OPEN_URI;
	return uri;
}

int db_sqlite_open(const char *path, struct db **out)
{
	struct sq_db *d = xcalloc(1, sizeof(*d));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, rc;

	d->base.ops = &sqlite_db_ops;
	d->path = xstrdup(path);
	d->base.name = d->path;
	mkdir_parent(path);
	/* A file we may read but not write: open it read-only up front, so
	 * SQLite does not try (and fail) to create its journal files. */
	if (!access(path, R_OK) && access(path, W_OK) && errno == EACCES) {
		flags = SQLITE_OPEN_READONLY;
		d->base.readonly = true;
	}
	if (sqlite3_open_v2(open_name(d, path, &flags), &d->h, flags, NULL) != SQLITE_OK) {
		rc = d->h ? sq_err(d, "open") : EXIT_NORES;
		goto fail;
	}
	d->base.readonly |= sqlite3_db_readonly(d->h, "main") == 1;
	sqlite3_busy_timeout(d->h, BUSY_TIMEOUT_MS);
	rc = set_wal(d);
	/* NORMAL is durable across process crashes in WAL mode; only a power
	 * cut may lose the last night, never corrupt the db.  A read-only
	 * one is left alone: a pragma on a WAL db whose -shm cannot be made
	 * counts as a write (SQLITE_READONLY). */
	if (!rc && !d->base.readonly)
		rc = sq_exec(&d->base, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON",
			     "pragmas");
	if (rc)
		goto fail;
	*out = &d->base;
	return 0;
fail:
	sq_close(&d->base);
	return rc;
}

static const struct db_ops sqlite_db_ops = {
	.name = "sqlite",
	.pk = "INTEGER PRIMARY KEY",
	.int8 = "INTEGER",
	.real = "REAL",
	.norowid = " WITHOUT ROWID",
	.has_schema_sql = "SELECT count(*) FROM sqlite_master"
			  " WHERE type = 'table' AND name = 'schema_version'",
	.close = sq_close,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.prepare = sq_prepare,
	.bind_int64 = sq_bind_int64,
	.bind_double = sq_bind_double,
	.bind_text = sq_bind_text,
	.step = sq_step,
	.col_int64 = sq_col_int64,
	.col_double = sq_col_double,
	.col_text = sq_col_text,
	.reset = sq_reset,
	.finalize = sq_finalize,
};
