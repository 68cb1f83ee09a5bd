/*
 * db_pg.c - the PostgreSQL driver of the history (db.h), through libpq.
 *
 * For a fleet: many machines import and judge into one server.  A run's
 * import is one transaction (store.c), so a server that goes away in the
 * middle keeps all of it or none; the upserts of store.c are safe under
 * READ COMMITTED with many writers; the schema transaction takes an
 * advisory lock so two first opens of an empty database do not both
 * create the tables.
 *
 * Values travel as text (PQexecParams): float8 prints the shortest text
 * that reads back to the same double (extra_float_digits >= 1, the
 * default since PostgreSQL 12), and we print 17 significant digits, so a
 * value survives the trip bit for bit.
 */
#include <errno.h>
#include <math.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include "harness.h"
#include "db.h"

/* pg_type.h's OIDs of the three types the store binds. */
#define INT8OID 20
#define TEXTOID 25
#define FLOAT8OID 701
/* pg_advisory_xact_lock key of the schema transaction: "mmsc" */
#define SCHEMA_LOCK 0x6d6d7363
#define MAX_PARAMS 160

struct pg_db {
	struct db base;
	PGconn *c;
	char *name;
	int nstmts;		/* names of prepared statements: s1, s2, ... */
};

struct pg_stmt {
	struct db_stmt base;
	char *sql;
	bool persistent;
	char prepared[16];	/* the server-side name, once prepared */
	int nparams;
	char *values[MAX_PARAMS];
	unsigned int types[MAX_PARAMS];
	PGresult *res;
	int row, nrows;
};

static const struct db_ops pg_db_ops;

static struct pg_db *D(struct db *db) { return (struct pg_db *)db; }
static struct pg_stmt *T(struct db_stmt *st) { return (struct pg_stmt *)st; }

bool db_is_url(const char *name)
{
	return !strncmp(name, "postgresql://", 13) || !strncmp(name, "postgres://", 11);
}

/* libpq's messages run over several lines ("...failed: ...\n\tIs the
 * server running ...?"): the first says what happened. */
static void first_line(const char *msg, char *out, size_t n)
{
	const char *p = msg ? msg : "";

	while (*p == ' ')
		p++;
	snprintf(out, n, "%.*s", (int)strcspn(p, "\n"), p);
	if (!*out)
		snprintf(out, n, "unknown error");
}

/* Which errors are the server's (gone, shutting down, out of something,
 * a lock or serialization conflict: try again later) and which are ours. */
static int classify(struct pg_db *d, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(d->c) == CONNECTION_BAD || !state)
		return EXIT_NORES;
	if (!strncmp(state, "08", 2) || !strncmp(state, "53", 2) || !strncmp(state, "57", 2) ||
	    !strncmp(state, "58", 2) || !strcmp(state, "40001") || !strcmp(state, "40P01") ||
	    !strcmp(state, "55P03"))
		return EXIT_NORES;
	return EXIT_USAGE;
}

static int pg_err(struct pg_db *d, const PGresult *res, const char *what)
{
	char line[512];

	first_line(res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res) :
		   PQerrorMessage(d->c), line, sizeof(line));
	if (PQstatus(d->c) == CONNECTION_BAD)
		errmsg(0, "%s: %s: the server went away: %s", d->name, what, line);
	else
		errmsg(0, "%s: %s: %s", d->name, what, line);
	return classify(d, res);
}

static int pg_exec(struct db *db, const char *sql, const char *what)
{
	PGresult *res = PQexec(D(db)->c, sql);
	ExecStatusType s = PQresultStatus(res);
	int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? 0 : pg_err(D(db), res, what);

	PQclear(res);
	return rc;
}

static int pg_begin(struct db *db, bool schema)
{
	char sql[80];

	if (!schema)
		return pg_exec(db, "BEGIN", "begin");
	snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%d)", SCHEMA_LOCK);
	return pg_exec(db, sql, "begin migration");
}

static int pg_commit(struct db *db)
{
	return pg_exec(db, "COMMIT", "commit");
}

static void pg_rollback(struct db *db)
{
	if (PQstatus(D(db)->c) == CONNECTION_OK)
		PQclear(PQexec(D(db)->c, "ROLLBACK"));
}

/* ?N -> $N (store.c writes SQLite's numbered parameters); counts them. */
static char *renumber(const char *sql, int *nparams)
{
	char *out = xmalloc(strlen(sql) + 1), *o = out;
	bool quoted = false;

	*nparams = 0;
	for (const char *p = sql; *p; p++) {
		if (*p == '\'')
			quoted = !quoted;
		if (*p == '?' && !quoted) {
			int i = atoi(p + 1);

			*o++ = '$';
			if (i > *nparams)
				*nparams = i;
			continue;
		}
		*o++ = *p;
	}
	*o = 0;
	return out;
}

static int pg_prepare(struct db *db, const char *sql, bool persistent, struct db_stmt **out)
{
	struct pg_stmt *t = xcalloc(1, sizeof(*t));

	t->base.db = db;
	t->sql = renumber(sql, &t->nparams);
	t->persistent = persistent;
	if (t->nparams > MAX_PARAMS)
		die(EXIT_FAIL, 0, "db_pg: %d parameters, at most %d", t->nparams, MAX_PARAMS);
	*out = &t->base;
	return 0;
}

static void set_param(struct pg_stmt *t, int i, unsigned int type, char *v)
{
	if (i < 1 || i > t->nparams) {
		free(v);
		return;
	}
	free(t->values[i - 1]);
	t->values[i - 1] = v;
	t->types[i - 1] = type;
}

static void pg_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	char *s;

	if (asprintf(&s, "%" PRId64, v) < 0)
		die(EXIT_NORES, ENOMEM, "history");
	set_param(T(st), i, INT8OID, s);
}

static void pg_bind_double(struct db_stmt *st, int i, double v)
{
	char *s;

	/* NAN is NULL, as SQLite stores it (a typed NULL: the column is real) */
	if (isnan(v)) {
		set_param(T(st), i, FLOAT8OID, NULL);
		return;
	}
	if (asprintf(&s, "%.17g", v) < 0)
		die(EXIT_NORES, ENOMEM, "history");
	set_param(T(st), i, FLOAT8OID, s);
}

static void pg_bind_text(struct db_stmt *st, int i, const char *v)
{
	set_param(T(st), i, TEXTOID, v ? xstrdup(v) : NULL);
}

static PGresult *run(struct pg_stmt *t)
{
	struct pg_db *d = D(t->base.db);
	const char *const *vals = (const char *const *)t->values;

	if (!t->persistent)
		return PQexecParams(d->c, t->sql, t->nparams, t->types, vals, NULL, NULL, 0);
	if (!*t->prepared) {
		char name[16];
		PGresult *r;

		snprintf(name, sizeof(name), "s%d", ++d->nstmts);
		r = PQprepare(d->c, name, t->sql, t->nparams, t->types);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			return r;
		PQclear(r);
		memcpy(t->prepared, name, sizeof(name));
	}
	return PQexecPrepared(d->c, t->prepared, t->nparams, vals, NULL, NULL, 0);
}

static int pg_step(struct db_stmt *st, const char *what)
{
	struct pg_stmt *t = T(st);

	if (!t->res) {
		ExecStatusType s;

		t->res = run(t);
		s = PQresultStatus(t->res);
		if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
			int rc = pg_err(D(st->db), t->res, what);

			PQclear(t->res);
			t->res = NULL;
			return rc;
		}
		t->nrows = s == PGRES_TUPLES_OK ? PQntuples(t->res) : 0;
		t->row = -1;
	}
	return ++t->row < t->nrows ? DB_ROW : DB_DONE;
}

static const char *pg_col_text(struct db_stmt *st, int i)
{
	struct pg_stmt *t = T(st);

	if (!t->res || t->row < 0 || t->row >= t->nrows || PQgetisnull(t->res, t->row, i))
		return NULL;
	return PQgetvalue(t->res, t->row, i);
}

static int64_t pg_col_int64(struct db_stmt *st, int i)
{
	const char *v = pg_col_text(st, i);

	return v ? strtoll(v, NULL, 10) : 0;
}

static double pg_col_double(struct db_stmt *st, int i)
{
	const char *v = pg_col_text(st, i);

	return v ? strtod(v, NULL) : 0;
}

static void pg_reset(struct db_stmt *st)
{
	struct pg_stmt *t = T(st);

	PQclear(t->res);
	t->res = NULL;
	for (int i = 0; i < t->nparams; i++) {
		free(t->values[i]);
		t->values[i] = NULL;
		t->types[i] = 0;
	}
}

static void pg_finalize(struct db_stmt *st)
{
	if (!st)
		return;
	pg_reset(st);
	free(T(st)->sql);
	free(st);
}

static void pg_close(struct db *db)
{
	struct pg_db *d = D(db);

	PQfinish(d->c);
	free(d->name);
	free(d);
}

/* The URL for messages: without its password. */
static char *public_name(const char *url)
{
	const char *rest = strstr(url, "://"), *at, *colon;
	char *out;

	if (!rest)
		return xstrdup(url);
	rest += 3;
	at = strchr(rest, '@');
	colon = strchr(rest, ':');
	if (!at || !colon || colon > at || strchr(rest, '/') < at)
		return xstrdup(url);
	if (asprintf(&out, "%.*s%s", (int)(colon - url), url, at) < 0)
		die(EXIT_NORES, ENOMEM, "history");
	return out;
}

/* NOTICEs (a table that exists already, ...) are not the user's business. */
static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

int db_pg_open(const char *url, struct db **out)
{
	/* Ours first: what the URL says wins (expand_dbname). */
	const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *const vals[] = { "10", "mmscale", url, NULL };
	struct pg_db *d = xcalloc(1, sizeof(*d));
	char line[512];
	int rc;

	d->base.ops = &pg_db_ops;
	d->name = public_name(url);
	d->base.name = d->name;
	d->c = PQconnectdbParams(keys, vals, 1);
	if (!d->c)
		die(EXIT_NORES, ENOMEM, "history");
	if (PQstatus(d->c) != CONNECTION_OK) {
		const char *msg = PQerrorMessage(d->c);

		/* libpq gives no SQLSTATE for a refused login: its words do.
		 * The server and its socket are there, the URL is wrong. */
		first_line(strstr(msg, "FATAL:") ? strstr(msg, "FATAL:") : msg, line, sizeof(line));
		if (strstr(msg, "authentication failed") || strstr(msg, "no password supplied") ||
		    strstr(msg, "does not exist") || strstr(msg, "invalid URI") ||
		    strstr(msg, "invalid connection option") || strstr(msg, "not permitted")) {
			errmsg(0, "%s: connection refused by the server: %s", d->name, line);
			rc = EXIT_USAGE;
		} else {
			errmsg(0, "%s: cannot reach the server: %s", d->name, line);
			rc = EXIT_NORES;
		}
		pg_close(&d->base);
		return rc;
	}
	PQsetNoticeProcessor(d->c, quiet, NULL);
	rc = pg_exec(&d->base, "SET client_min_messages = warning; SET extra_float_digits = 3",
		     "session settings");
	if (rc) {
		pg_close(&d->base);
		return rc;
	}
	*out = &d->base;
	return 0;
}

static const struct db_ops pg_db_ops = {
	.name = "postgresql",
	.pk = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
	.int8 = "BIGINT",
	.real = "DOUBLE PRECISION",
	.norowid = "",
	.has_schema_sql = "SELECT count(*) FROM pg_catalog.pg_tables"
			  " WHERE tablename = 'schema_version' AND schemaname = current_schema()",
	.close = pg_close,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.prepare = pg_prepare,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.step = pg_step,
	.col_int64 = pg_col_int64,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.reset = pg_reset,
	.finalize = pg_finalize,
};
