/*
 * db.h - the SQL drivers under the history store.
 *
 * store.c holds the one implementation of the history (schema, migrations,
 * every query); a driver only moves SQL text and values to a database and
 * rows back: SQLite (db_sqlite.c) for a path, PostgreSQL through libpq
 * (db_pg.c) for a postgresql:// URL.  The SQL store.c writes is the common
 * subset of both dialects with SQLite's numbered parameters (?1, ?2, ...);
 * the PostgreSQL driver renumbers them as $1, $2.  What the dialects spell
 * differently in a schema is a token the driver expands (db_expand).
 *
 * Every function that can fail returns 0 or an EXIT_* code with a one-line
 * message already printed, naming the database: EXIT_NORES when the
 * database is unreachable, busy past the timeout or went away (nothing of
 * the transaction is kept), EXIT_USAGE when it refused what it was given
 * (wrong credentials, not a history, a schema newer than this mmscale).
 */
#ifndef MMSCALE_DB_H
#define MMSCALE_DB_H
#include <stdbool.h>
#include <stdint.h>

struct db;
struct db_stmt;

/* db_step's answers besides an EXIT_* code. */
#define DB_ROW  (-1)
#define DB_DONE (-2)

struct db_ops {
	const char *name;		/* "sqlite", "postgresql" */
	/* Schema tokens, written {PK} {INT8} {REAL} {NOROWID} in store.c. */
	const char *pk, *int8, *real, *norowid;
	/* One row, one integer: does the table schema_version exist? */
	const char *has_schema_sql;
	void (*close)(struct db *db);
	/* SQL without parameters, possibly several statements. */
	int (*exec)(struct db *db, const char *sql, const char *what);
	/* A write transaction; schema: the one that may migrate, which many
	 * processes opening a new db at once must take one at a time. */
	int (*begin)(struct db *db, bool schema);
	int (*commit)(struct db *db);
	void (*rollback)(struct db *db);
	/* persistent: the statement is run many times (kept prepared). */
	int (*prepare)(struct db *db, const char *sql, bool persistent, struct db_stmt **st);
	void (*bind_int64)(struct db_stmt *st, int i, int64_t v);
	void (*bind_double)(struct db_stmt *st, int i, double v);	/* NAN: NULL */
	void (*bind_text)(struct db_stmt *st, int i, const char *v);	/* NULL: NULL */
	/* DB_ROW, DB_DONE or an EXIT_* code (what names it in the message) */
	int (*step)(struct db_stmt *st, const char *what);
	int64_t (*col_int64)(struct db_stmt *st, int i);
	double (*col_double)(struct db_stmt *st, int i);
	const char *(*col_text)(struct db_stmt *st, int i);		/* NULL: NULL */
	/* back to before the first step, bindings cleared */
	void (*reset)(struct db_stmt *st);
	void (*finalize)(struct db_stmt *st);
};

struct db {
	const struct db_ops *ops;
	const char *name;		/* for messages: the path, the URL without password */
	bool readonly;			/* SQLite: the file can only be read */
};

struct db_stmt {
	struct db *db;
};

int db_sqlite_open(const char *path, struct db **db);
int db_pg_open(const char *url, struct db **db);
bool db_is_url(const char *name);

/* SQL with the schema tokens of db's dialect; free() the result. */
char *db_expand(const struct db *db, const char *sql);

#endif
