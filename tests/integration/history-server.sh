#!/bin/bash
# The history on a real PostgreSQL server (tests/pg.sh: a private cluster,
# Unix socket, password logins, removed on exit even on failure):
#  - the whole of history.sh on it (MMSCALE_TEST_DB=postgresql)
#  - 8 importers (as 8 machines) and 2 nightly judges at once: every run,
#    value and judgement there afterwards, counted
#  - the server stopped in the middle of an import: one line, exit 3, and
#    the run is stored whole or not at all
#  - wrong credentials (exit 2), no server (exit 3), a schema newer than
#    this mmscale (exit 2): one line each, nothing written
#  - history --copy of an SQLite history into PostgreSQL: every row of every
#    table, judgements kept, a second copy replaces rather than doubles, and
#    fleet and --changes print the same from both
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../pg.sh"
M=$BIN/mmscale
SYNTH=$BIN/mmscale-synth-history
HERE=$(cd "$(dirname "$0")" && pwd)

if ! why=$(pg_available); then
	skip "history on PostgreSQL" "$why"
	echo "1..$n"
	exit 0
fi
if ! pg_start; then
	fail "start a private PostgreSQL cluster"
	echo "1..$n"
	exit 1
fi
ok "a private PostgreSQL cluster on $PG_SOCK"
one_line() { [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "$1" "$TMP/err"; }

# ---- history.sh, on this server ---------------------------------------------------
export PG_DIR PG_SOCK PG_PW PG_BASE
MMSCALE_TEST_DB=postgresql bash "$HERE/history.sh" >"$TMP/suite" 2>&1
while IFS= read -r line; do
	case $line in
	"ok "*"# SKIP"*) d=${line#ok * - }; skip "postgresql: ${d%% # SKIP*}" "${d#* # SKIP }" ;;
	"ok "*) ok "postgresql: ${line#ok * - }" ;;
	"not ok "*) fail "postgresql: ${line#not ok * - }" ;;
	esac
done <"$TMP/suite"
grep -q '^1\.\.' "$TMP/suite" || fail "history.sh on PostgreSQL did not finish: $(tail -3 "$TMP/suite")"

# ---- faults: one line, a distinct code, nothing written ---------------------------
U=$(pg_url faults)
"$SYNTH" nights=3,machine=f --db "$U" >/dev/null
expect_exit 2 "wrong password" "$M" history --db "postgresql://mmscale:wrong@/faults?host=$PG_SOCK"
check "  one line naming it" one_line "password authentication failed"
check "  and not the password" bash -c "! grep -q wrong '$TMP/err'"
expect_exit 2 "unknown user" "$M" import --db "postgresql://nobody9:x@/faults?host=$PG_SOCK" "$TMP"
check "  one line" one_line "nobody9"
expect_exit 3 "no server on that socket" "$M" history --db "postgresql://mmscale:x@/faults?host=$TMP"
check "  one line: cannot reach the server" one_line "cannot reach the server"
expect_exit 2 "a database that does not exist" "$M" history --db "postgresql://mmscale:$PG_PW@/nope?host=$PG_SOCK"
pg_sql faults "INSERT INTO schema_version VALUES (99, 0)"
expect_exit 2 "a schema newer than this mmscale" "$SYNTH" nights=2,machine=g --db "$U"
check "  one line naming both versions" one_line "schema version 99 is newer than this mmscale knows (5)"
check "  nothing written" test "$(pg_sql faults 'select count(*) from runs')" = 3
expect_exit 2 "  history refuses it too" "$M" history --db "$U"

# ---- 8 importers and 2 judges at once ------------------------------------------------
U=$(pg_url fleet)
"$SYNTH" nights=20,machine=ja,seed=1 --db "$U" >/dev/null
"$SYNTH" nights=20,machine=jb,seed=2 --db "$U" >/dev/null
pids=
for k in 1 2 3 4 5 6 7 8; do
	"$SYNTH" nights=25,machine=m$k,seed=$k --db "$U" >"$TMP/imp$k" 2>&1 & pids="$pids $!"
done
judge() {	# machine: judge its nights 8..20 in order; exit 0/1 are verdicts
	local night r bad=0
	for night in $(seq 8 20); do
		"$M" nightly --judge-only "$(printf '%s-n%03d' "$1" "$night")" --db "$U" >/dev/null 2>"$TMP/judge-$1.err"
		r=$?
		[ $r = 0 ] || [ $r = 1 ] || bad=1
	done
	return $bad
}
judge ja & j1=$!
judge jb & j2=$!
rc=0
for p in $pids $j1 $j2; do wait "$p" || rc=$?; done
check "8 importers and 2 judges at once all succeed (exit $rc)" test "$rc" = 0
runs=$(pg_sql fleet "select count(*) from runs")
vals=$(pg_sql fleet "select count(*) from metric_values")
sums=$(pg_sql fleet "select count(*) from summaries")
# 10 machines x nights x 2 clients x 2 metrics (x 30 iterations)
check "every run (240 = 8 x 25 + 2 x 20: $runs)" test "$runs" = 240
check "every value (240 x 120 = 28800: $vals) and summary (960: $sums)" test "$vals" = 28800 -a "$sums" = 960
check "every judgement (2 x 13: $(pg_sql fleet 'select count(*) from runs where good >= 0'))" \
	test "$(pg_sql fleet "select count(*) from runs where good >= 0")" = 26
check "no night short of its values" test "$(pg_sql fleet "select count(*) from (select r.id from runs r
	join points p on p.run_id = r.id join metric_values v on v.point_id = p.id
	group by r.id having count(*) <> 120) x")" = 0

# ---- the server stops in the middle of an import -------------------------------------
# A run big enough that its import takes a while: 40 points x 2000 values.
mkdir -p "$TMP/big"
cat >"$TMP/big/meta.json" <<EOF
{"label": "big", "start": "2026-11-01T03:00:00Z", "status": "complete", "hostname": "hostbig",
 "kernel": {"release": "6.18.0-test"}, "cpu": {"model_name": "Test CPU"},
 "config": {"path": "configs/quick.conf", "hash": "abc123", "text": ""}}
EOF
awk 'BEGIN { printf "{\"schema\": 1, \"label\": \"big\", \"points\": [";
	for (p = 0; p < 40; p++) {
		printf "%s{\"id\": \"p%03d\", \"workload\": \"pft\", \"group\": \"pft mode=threads\", \"clients\": %d, \"status\": \"ok\", \"params\": {}, \"metrics\": {\"faults/sec\": {\"better\": \"higher\", \"values\": [", p ? "," : "", p, p + 1;
		for (i = 0; i < 2000; i++) printf "%s%d", i ? "," : "", 500000 + i;
		printf "]}}}";
	}
	print "]}" }' >"$TMP/big/summary.json"
U=$(pg_url gone)
"$M" import --db "$U" "$TMP/big" >"$TMP/imp-out" 2>"$TMP/err" & p=$!
# stop it once the import is under way (its rows are being sent)
for _ in $(seq 1 100); do
	[ "$(pg_sql gone "select count(*) from pg_stat_activity where datname = 'gone' and application_name = 'mmscale'" 2>/dev/null)" -ge 1 ] 2>/dev/null && break
	sleep 0.05
done
sleep 0.3
pg_kill
wait $p; rc=$?
check "import with the server gone exits 3 (exit $rc)" test "$rc" = 3
check "  with one line saying so: $(head -c 200 "$TMP/err")" one_line "server"
pg_up
runs=$(pg_sql gone "select count(*) from runs" 2>&1) vals=$(pg_sql gone "select count(*) from metric_values" 2>&1)
check "  the run is all there or not at all ($runs runs, $vals values)" \
	test "$runs/$vals" = 0/0 -o "$runs/$vals" = 1/80000
expect_exit 0 "  importing it again stores it whole" "$M" import --db "$U" "$TMP/big"
check "  80000 values" test "$(pg_sql gone 'select count(*) from metric_values')" = 80000

# ---- SQLite -> PostgreSQL ------------------------------------------------------------
S=$TMP/copy.sqlite
"$SYNTH" nights=40,machine=c1,seed=41,step=30:faults/sec-2:-8 --db "$S" >/dev/null
"$SYNTH" nights=40,machine=c2,seed=42,clients=1:2:4 --db "$S" >/dev/null
"$M" nightly --judge-all --db "$S" >/dev/null
U=$(pg_url copy)
expect_exit 0 "history --copy SQLite -> PostgreSQL" "$M" history --copy "$S" "$U"
check "  it says what it copied" grep -q '^copied .*: 2 machines, 80 runs, 200 points, 12000 values, 400 summaries' "$TMP/out"
rows=""
for t in machines runs points metric_values summaries; do
	a=$(sqlite3 "$S" "select count(*) from $t") b=$(pg_sql copy "select count(*) from $t")
	[ "$a" = "$b" ] || rows="$rows $t:$a/$b"
done
check "  every row of every table (${rows:-all equal})" test -z "$rows"
sum() { echo "$1" | awk '{ printf "%.6e\n", $1 }'; }
check "  the same values (sum of all of them)" test \
	"$(sum "$(sqlite3 "$S" 'select sum(value) from metric_values')")" = \
	"$(sum "$(pg_sql copy 'select sum(value) from metric_values')")"
check "  judgements kept" test "$(sqlite3 "$S" 'select count(*) from runs where good = 0')" = \
	"$(pg_sql copy 'select count(*) from runs where good = 0')"
"$M" history --copy "$S" "$U" >/dev/null
check "  a second copy replaces, never doubles" test "$(pg_sql copy 'select count(*) from metric_values')" = 12000
"$M" fleet --db "$S" >"$TMP/f1"; r1=$?
"$M" fleet --db "$U" >"$TMP/f2"; r2=$?
check "  fleet prints the same from both (exit $r1, $r2)" cmp -s "$TMP/f1" "$TMP/f2"
"$M" history --changes --db "$S" >"$TMP/c1"
"$M" history --changes --db "$U" >"$TMP/c2"
check "  so does history --changes ($(grep -c worse "$TMP/c1") worse)" cmp -s "$TMP/c1" "$TMP/c2"
expect_exit 3 "  --copy from a file that does not exist" "$M" history --copy "$TMP/none.sqlite" "$U"

echo "1..$n"
rm -rf "$TMP"
