# tests/pg.sh - a private PostgreSQL server for a test file (sourced after
# lib.sh).  pg_start makes a cluster with Debian's initdb and pg_ctl in a
# fresh directory, listening on a Unix socket only, with password logins
# (so wrong credentials can be tested); pg_stop (also run by the EXIT trap
# pg_start sets, so a failing test never leaves a server behind) removes it.
# initdb refuses root, so as root the server runs as nobody; as any other
# user it runs as that user.  One cluster per test file: starting one takes
# about 2 s here.
#
#   pg_start            sets PG_DIR, PG_SOCK, PG_PW and PG_BASE
#   pg_url NAME         creates database NAME and prints its URL
#   pg_sql NAME SQL     runs SQL in database NAME, prints rows unaligned
#   pg_kill             stops the server at once (-m immediate); pg_up restarts it
PG_BIN=${MMSCALE_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=${PG_DIR:-}

# As root the server's commands run as nobody.
pg_as() {
	# from /, which nobody may enter (the test's cwd may not be)
	if is_root; then (cd / && setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@")
	else "$@"; fi
}

pg_available() {	# prints why not, returns 1
	[ -x "$PG_BIN/initdb" ] || { echo "$PG_BIN/initdb not found (apt-get install postgresql)"; return 1; }
	command -v psql >/dev/null || { echo "psql not found (apt-get install postgresql-client)"; return 1; }
	return 0
}

pg_up() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 30 \
		-o "-k $PG_DIR -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=40" \
		start >/dev/null
}

pg_start() {
	PG_DIR=$(mktemp -d /tmp/mmscale-pg.XXXXXX) || return 1
	trap pg_stop EXIT
	trap "exit 143" TERM INT HUP
	PG_PW=pw$$
	PG_SOCK=$PG_DIR
	chmod 755 "$PG_DIR"
	echo "$PG_PW" >"$PG_DIR/pw"
	is_root && chown 65534:65534 "$PG_DIR" "$PG_DIR/pw"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U mmscale --auth=scram-sha-256 \
		--pwfile="$PG_DIR/pw" -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
		{ echo "# initdb failed: $(tail -3 "$PG_DIR/initdb.log")"; return 1; }
	pg_up || { echo "# pg_ctl start failed: $(tail -3 "$PG_DIR/log")"; return 1; }
	PG_BASE="postgresql://mmscale:$PG_PW@/%s?host=$PG_SOCK"
}

pg_psql() {	# DB, psql args...
	local db=$1; shift
	PGPASSWORD=$PG_PW psql -X -q -h "$PG_SOCK" -U mmscale -d "$db" -v ON_ERROR_STOP=1 "$@"
}

pg_url() {
	pg_psql postgres -c "CREATE DATABASE \"$1\"" >/dev/null || return 1
	# shellcheck disable=SC2059
	printf "$PG_BASE\n" "$1"
}

pg_sql() { pg_psql "$1" -At -c "$2"; }

pg_kill() { pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1; }

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
	PG_DIR=
}
