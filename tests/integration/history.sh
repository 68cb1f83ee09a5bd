#!/bin/bash
# History db and nightly verdict through the mmscale command:
#  - import of results directories, idempotent on re-import
#  - two processes importing into one db at once keep every row
#  - 60 synthetic nights on two machines, a -8% step in faults/sec-2 on
#    night 50: `nightly --judge-only` exits 1 on night 50 and 0 before it;
#    40 A/A nights flag at most 1 (the bound is derived in
#    tests/unit/test_verdict.c: 0.05 nights expected)
#  - calibrations in the history: a -6% night is a regression without one
#    and within noise under one whose floor covers it; -20% stays a
#    regression; the newest calibration counts; a v3 history is upgraded;
#    calibrate --db stores one that a real nightly then finds
#  - usage errors exit 2; a real quick nightly, if the runner works here
#  - MMSCALE_TEST_DB=postgresql: all of it on a private PostgreSQL server
#    (tests/pg.sh; history-server.sh runs it so, on a cluster it shares)
. "$(dirname "$0")/../lib.sh"
M=$BIN/mmscale
SYNTH=$BIN/mmscale-synth-history	# synthetic nights (tools/synth-history.c)
BACKEND=${MMSCALE_TEST_DB:-sqlite}
if [ "$BACKEND" = postgresql ]; then
	. "$(dirname "$0")/../pg.sh"
	if [ -z "${PG_BASE:-}" ]; then
		why=$(pg_available) || { skip "history on PostgreSQL" "$why"; echo "1..$n"; exit 0; }
		pg_start || { fail "start a PostgreSQL server"; echo "1..$n"; exit 1; }
	fi
	newdb() { pg_url "$1"; }
	q() { local d=${1#*@/}; pg_sql "${d%%\?*}" "$2"; }
else
	newdb() { echo "$TMP/$1.sqlite"; }
	q() { sqlite3 "$1" "$2"; }
fi
sqlite_only() {	# description, why: a check of SQLite's own file
	[ "$BACKEND" = sqlite ] || { skip "$1" "SQLite only"; return 1; }
}
DB=$(newdb h)

# A results directory as `mmscale run` writes it (results/README.md).
mkrun() {	# dir label start host level
	mkdir -p "$1"
	cat >"$1/meta.json" <<EOF
{"label": "$2", "start": "$3", "status": "complete", "hostname": "$4",
 "kernel": {"release": "6.18.0-test"}, "cpu": {"model_name": "Test CPU"},
 "config": {"path": "configs/quick.conf", "hash": "abc123", "text": ""}}
EOF
	local v1 v2
	v1=$(awk -v l="$5" 'BEGIN { for (i = 0; i < 5; i++) printf "%s%.1f", i ? "," : "", l * (1 + (i - 2) / 100) }')
	v2=$(awk -v l="$5" 'BEGIN { for (i = 0; i < 5; i++) printf "%s%.1f", i ? "," : "", 2 * l * (1 + (i - 2) / 100) }')
	cat >"$1/summary.json" <<EOF
{"schema": 1, "label": "$2", "points": [
 {"id": "p000", "workload": "pft", "group": "pft mode=threads", "clients": 1, "status": "ok",
  "params": {}, "metrics": {"faults/sec": {"better": "higher", "values": [$v1]}}},
 {"id": "p001", "workload": "pft", "group": "pft mode=threads", "clients": 2, "status": "ok",
  "params": {}, "metrics": {"faults/sec": {"better": "higher", "values": [$v2]}}}]}
EOF
}

# ---- import -----------------------------------------------------------------
mkrun "$TMP/r1" r1 2026-11-01T03:00:00Z hostA 500000
mkrun "$TMP/r2" r2 2026-11-02T03:00:00Z hostA 510000
expect_exit 0 "import two results directories" "$M" import "$TMP/r1" "$TMP/r2" --db "$DB"
expect_exit 0 "re-import the same runs" "$M" import "$TMP/r2" "$TMP/r1" --db "$DB"
runs=$(q "$DB" "select count(*) from runs") vals=$(q "$DB" "select count(*) from metric_values")
if [ "$runs" = 2 ] && [ "$vals" = 20 ]; then ok "re-import is idempotent (2 runs, 20 values)"
else fail "re-import: $runs runs, $vals values (want 2, 20)"; fi
sqlite_only "db is in WAL mode" && check "db is in WAL mode" test "$(q "$DB" 'pragma journal_mode')" = wal
check "schema version recorded" test "$(q "$DB" 'select max(version) from schema_version')" -ge 1
# Readers never wait for writers, and a read-only file is read (issue 16).
if sqlite_only "history while a writer holds the db"; then
	sqlite3 "$DB" "BEGIN IMMEDIATE; UPDATE runs SET status = status;" ".shell sleep 4" "COMMIT;" &
	w=$!
	sleep 0.5
	t0=$(date +%s%N)
	"$M" history --db "$DB" >"$TMP/hw" 2>&1; r=$?
	t1=$(date +%s%N)
	check "history while a writer holds the db returns at once ($(((t1 - t0) / 1000000)) ms, exit $r)" \
		test $r = 0 -a $(((t1 - t0) / 1000000)) -lt 2000 -a "$(grep -c ' r[12] ' "$TMP/hw")" = 2
	wait $w
	# (outside $TMP, which nobody may not enter)
	RO=$(mktemp -d /tmp/mmscale-ro.XXXXXX) && chmod 755 "$RO"
	cp "$DB" "$RO/h.sqlite" && chmod 444 "$RO/h.sqlite" && chmod 555 "$RO"
	if is_root; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$M" history --db "$RO/h.sqlite" >"$TMP/ro.out" 2>&1
	else
		"$M" history --db "$RO/h.sqlite" >"$TMP/ro.out" 2>&1
	fi
	check "a read-only db in a read-only directory is read ($(head -c 200 "$TMP/ro.out"))" \
		test "$(grep -c ' r[12] ' "$TMP/ro.out")" = 2
	chmod 755 "$RO" && rm -rf "$RO"
fi
"$M" history --db "$DB" --metric faults/sec-2 >"$TMP/hist" 2>&1
# Hmean of 2e6 x (0.98 0.99 1 1.01 1.02) = 999799.9720
if grep -q '^2026-11-01 03:00  r1 .*hostA .* 999799.9720 .* 5 ' "$TMP/hist" && grep -q ' r2 ' "$TMP/hist"; then
	ok "history prints the faults/sec-2 series"
else fail "history output: $(cat "$TMP/hist")"; fi
check "history --machine filters" bash -c "! '$M' history --db '$DB' --machine nobody | grep -q r1"
expect_exit 2 "import of a non-results directory" "$M" import "$TMP" --db "$DB"

# ---- two importers at once ----------------------------------------------------
CDB=$(newdb concurrent)
for i in $(seq 1 30); do
	mkrun "$TMP/c/a$i" "a$i" "2026-10-$(printf %02d $((i % 28 + 1)))T0$((i % 10)):00:00Z" hostC 400000
	mkrun "$TMP/c/b$i" "b$i" "2026-10-$(printf %02d $((i % 28 + 1)))T0$((i % 10)):00:00Z" hostD 400000
done
"$M" import --quiet "$TMP"/c/a* --db "$CDB" & p1=$!
"$M" import --quiet "$TMP"/c/b* --db "$CDB" & p2=$!
"$SYNTH" nights=200,machine=x --db "$CDB" >/dev/null & p3=$!
"$SYNTH" nights=200,machine=y --db "$CDB" >/dev/null & p4=$!
rc=0
for p in $p1 $p2 $p3 $p4; do wait $p || rc=$?; done
check "four concurrent importers all succeed" test $rc = 0
runs=$(q "$CDB" "select count(*) from runs") vals=$(q "$CDB" "select count(*) from metric_values")
# 60 dirs x 10 values + 400 nights x 2 clients x 2 metrics x 30 iterations
if [ "$runs" = 460 ] && [ "$vals" = 48600 ]; then ok "every row kept (460 runs, 48600 values)"
else fail "concurrent import: $runs runs, $vals values (want 460, 48600)"; fi
sqlite_only "integrity check passes" && check "integrity check passes" test "$(q "$CDB" 'pragma integrity_check')" = ok

# ---- nightly verdict on 60 synthetic nights -------------------------------------
NDB=$(newdb nights)
"$SYNTH" nights=60,machine=a,seed=11,step=50:faults/sec-2:-8 --db "$NDB" >/dev/null
"$SYNTH" nights=60,machine=b,seed=12 --db "$NDB" >/dev/null
early=
for night in $(seq 1 49); do
	"$M" nightly --judge-only "$(printf 'a-n%03d' "$night")" --db "$NDB" >/dev/null 2>&1
	r=$?
	[ $r = 0 ] || early="$early $night(exit $r)"
done
check "nights 1-49 judged ok (exit 0)${early:+: flagged$early}" test -z "$early"
expect_exit 1 "night 50 is a regression" "$M" nightly --judge-only a-n050 --db "$NDB"
if grep -Eq 'faults/sec-2 .*\* *-[0-9.]+%\*' "$TMP/out" && grep -q 'verdict: *regression (1 metric)' "$TMP/out"; then
	ok "night 50 names faults/sec-2 with a starred percentage"
else fail "night 50 summary: $(cat "$TMP/out")"; fi
pct=$(grep -Eo -- '-[0-9]+\.[0-9]+%' "$TMP/out" | head -1 | tr -d '%-')
check "night 50 dropped by about 8% (measured -$pct%)" awk -v p="$pct" 'BEGIN { exit !(p > 6.25 && p < 9.75) }'
expect_exit 0 "against an explicit baseline of the bad night, 51 is fine" \
	"$M" nightly --judge-only a-n051 --baseline a-n050 --db "$NDB"
# the latest judgement of a night is the one kept: judged again by default
expect_exit 1 "night 51 still regressed (flagged night 50 is not a baseline)" \
	"$M" nightly --judge-only a-n051 --db "$NDB"
expect_exit 1 "the json verdict also exits 1" "$M" nightly --judge-only a-n052 --json --db "$NDB"
check "json verdict names the regression" \
	test "$(jq -r '[.metrics[] | select(.class == "regression") | .name] | join(",")' "$TMP/out")" = faults/sec-2

flagged=0 codes=
for night in $(seq 1 60); do
	"$M" nightly --judge-only "$(printf 'b-n%03d' "$night")" --db "$NDB" >/dev/null 2>&1
	r=$?
	if [ "$night" -gt 20 ]; then
		[ $r = 1 ] && flagged=$((flagged + 1))
		[ $r = 0 ] || [ $r = 1 ] || codes="$codes $r"
	fi
done
check "A/A: $flagged of 40 nights flagged (bound 1), others exit 0" test "$flagged" -le 1 -a -z "$codes"
# the dashboard views (README): each machine's newest night, the series
check "view latest_night: a-n060 and b-n060" \
	test "$(q "$NDB" "select label from latest_night order by label" | tr '\n' ' ')" = "a-n060 b-n060 "
check "view metric_series: 60 nights of a's faults/sec-2, night 50 flagged" test \
	"$(q "$NDB" "select count(*) || ':' || sum(case when label = 'a-n050' and good = 0 then 1 else 0 end) from metric_series where machine = 'a' and metric = 'faults/sec' and clients = 2")" = 60:1
"$M" history --db "$NDB" --machine a --metric faults/sec-2 --last 12 >"$TMP/hist"
check "history marks night 50 FLAGGED" grep -q 'a-n050 .*FLAGGED' "$TMP/hist"
check "history --last 12 prints 12 nights" test "$(grep -c ' a-n0' "$TMP/hist")" = 12

# ---- where a regression started, change points, judging a whole history ----------
"$M" nightly --judge-only a-n055 --db "$NDB" >"$TMP/n55" 2>&1
check "night 55: its regression started on night 50" \
	grep -q '^started: *faults/sec-2: this regression started on night a-n050 (2026-02-20, kernel 6.18.0-synthetic): -[0-9.]*%' "$TMP/n55"
XDB=$(newdb changes)
"$SYNTH" nights=60,machine=s,seed=21,cv=2,step=30:faults/sec-2:-5 --db "$XDB" >/dev/null
"$SYNTH" nights=60,machine=d,seed=22,drift=1:faults/sec-2:-0.2 --db "$XDB" >/dev/null
"$SYNTH" nights=60,machine=q,seed=23 --db "$XDB" >/dev/null
expect_exit 0 "history --changes" "$M" history --changes --db "$XDB"
cp "$TMP/out" "$TMP/changes"
at=$(awk '$1 == "s" && $3 == "faults/sec-2" { sub("s-n0*", "", $5); print $5; exit }' "$TMP/changes")
check "a 5% step at CoeffVar 2% on night 30 found on night ${at:-none}" \
	test -n "$at" -a "${at:-0}" -ge 28 -a "${at:-0}" -le 32
check "  as about -5%, worse" awk '$1 == "s" && $3 == "faults/sec-2" && $5 == "s-n0'"${at:-x}"'" \
	{ v = $7 + 0; if (v < -4 && v > -6 && $8 == "worse") ok = 1 } END { exit !ok }' "$TMP/changes"
check "  and nothing else on s" test "$(awk '$1 == "s"' "$TMP/changes" | wc -l)" = 1
check "a drift of -0.2%/night over 60 nights is reported" \
	grep -Eq '^d +pft-threads +faults/sec-2 .* worse ' "$TMP/changes"
check "60 A/A nights: no change point" test "$(awk '$1 == "q"' "$TMP/changes" | wc -l)" = 0
check "the summary counts 12 series" grep -q ' in 12 series ' "$TMP/changes"
"$M" history --changes --since 2026-02-15 --machine s --db "$XDB" >"$TMP/since" 2>&1
check "--since 2026-02-15 leaves the step of night 30 out" \
	test "$(awk '$1 == "s"' "$TMP/since" | wc -l)" = 0 -a "$(grep -c ' in 4 series' "$TMP/since")" = 1
expect_exit 2 "--since with a bad date" "$M" history --changes --since 2026-13-45x --db "$XDB"
expect_exit 2 "--since without --changes" "$M" history --since 2026-02-15 --db "$XDB"
# The issue's case: judging only the last night of an imported history
# whose step was 10 nights earlier says ok; --judge-all flags it.
J1=$(newdb judge1) J2=$(newdb judge2)
"$SYNTH" nights=60,machine=j,seed=11,step=50:faults/sec-2:-8 --db "$J1" >/dev/null
"$SYNTH" nights=60,machine=j,seed=11,step=50:faults/sec-2:-8 --db "$J2" >/dev/null
expect_exit 0 "judging only the last night of it: ok (its baseline is after the step)" \
	"$M" nightly --judge-only j-n060 --db "$J1"
expect_exit 1 "nightly --judge-all judges every night in order: a regression" \
	"$M" nightly --judge-all --db "$J2"
check "  60 nights judged" grep -q '^judged 60 nights: ' "$TMP/out"
flag_after=$(q "$J2" "select count(*) from runs where good = 0 and label >= 'j-n050'")
flag_before=$(q "$J2" "select count(*) from runs where good = 0 and label < 'j-n050'")
check "  nights 50-60 flagged ($flag_after of 11), at most 1 before ($flag_before)" \
	test "$flag_after" = 11 -a "$flag_before" -le 1
expect_exit 1 "  then the last night is a regression" "$M" nightly --judge-only j-n060 --db "$J2"
expect_exit 0 "--judge-all again: nothing left to judge" "$M" nightly --judge-all --db "$J2"
check "  judged 0 nights" grep -q '^judged 0 nights' "$TMP/out"
expect_exit 1 "--since 2026-02-25 judges nights 55-60 again" "$M" nightly --since 2026-02-25 --db "$J2"
check "  6 nights" grep -q '^judged 6 nights: 6 regressed' "$TMP/out"
expect_exit 2 "--judge-all with a CONFIG" "$M" nightly configs/quick.conf --judge-all --db "$J2"

# The trend pictures of --report: night 55 shows the drop from night 50 on,
# flagged, against a band that stayed where the good nights were.
if command -v gnuplot >/dev/null; then
	for night in 53 54; do "$M" nightly --judge-only a-n0$night --db "$NDB" >/dev/null; done
	"$M" nightly --judge-only a-n055 --report "$TMP/rep" --db "$NDB" >/dev/null 2>&1
	D=$TMP/rep/trend-faults-sec-2.dat
	check "trend picture drawn for faults/sec-2" test -s "$TMP/rep/trend-faults-sec-2.png"
	check "trend data: 55 nights, nights 50-55 flagged, none before" test \
		"$(awk '!/^#/ { n++; if ($5) f = f " " $1 } END { print n ":" f }' "$D")" = "55: -5 -4 -3 -2 -1 0"
	check "trend band stays above the dropped nights" \
		awk '!/^#/ && $1 >= -5 { if (!($3 > $2 * 1.04)) bad = 1 } END { exit bad }' "$D"
else
	skip "trend pictures" "gnuplot not installed"
fi

# ---- the noise floor: calibrations in the history -----------------------------------
# Nights 1-11 at one level, night 12 a step: -6% on f6, -20% on f20 (CoeffVar
# 2.5%: both regressions).  A calibration of cv_between 3% from 5 runs floors
# changes up to t(0.975; 4) * sqrt(2) * 3 = 11.78%: -6% becomes noise, -20%
# stays a regression.
mkcal() {	# dir host cv_between time
	mkdir -p "$1"
	cat >"$1/calibration.json" <<EOF
{"schema": 1, "config": "configs/pft-threads.conf", "config_hash": "pft-threads",
 "hostname": "$2", "cpu_model": "Synthetic CPU @ 2.00GHz", "time": $4,
 "runs": ["cal-1", "cal-2", "cal-3", "cal-4", "cal-5"],
 "rows": [{"group": "pft mode=threads", "metric": "faults/sec", "clients": 2, "n": 5,
           "cv_between": $3, "cv_within_mean": 2.5},
          {"group": "pft mode=threads", "metric": "faults/sec", "clients": 1, "n": 5,
           "cv_between": $3, "cv_within_mean": 2.5}]}
EOF
}
FDB=$(newdb floor)
"$SYNTH" nights=12,machine=f6,seed=31,step=12:faults/sec-2:-6 --db "$FDB" >/dev/null
"$SYNTH" nights=12,machine=f20,seed=32,step=12:faults/sec-2:-20 --db "$FDB" >/dev/null
expect_exit 1 "no calibration: the -6% night is a regression" "$M" nightly --judge-only f6-n012 --db "$FDB"
check "  and says there is no calibration" grep -q '^noise: *no calibration of this machine and config' "$TMP/out"
expect_exit 1 "  --json as before: noise_floor null, nothing within noise" \
	"$M" nightly --judge-only f6-n012 --json --db "$FDB"
got=$(jq -c '[.noise_floor, .within_noise, .regressions]' "$TMP/out")
check "  $got" test "$got" = '[null,0,1]'
mkcal "$TMP/fc6/cal" f6 3 1767225600
mkcal "$TMP/fc20/cal" f20 3 1767225600
expect_exit 0 "import two calibration directories" "$M" import "$TMP/fc6/cal" "$TMP/fc20/cal" --db "$FDB"
check "  says what it stored" grep -q '^imported calibration .*: cal on f6, config pft-threads, 2 rows of 5 runs$' "$TMP/out"
expect_exit 0 "the -6% night within a floor of 11.78% is no regression" \
	"$M" nightly --judge-only f6-n012 --db "$FDB"
check "  it is within noise, with the floor" grep -Eq \
	'^  Hmean +faults/sec-2 .*\* *-[5-7]\.[0-9]+%\*.* within noise \(floor 11\.78%, cv_between 3\.00%\)$' "$TMP/out"
check "  names the calibration" grep -q '^noise: *calibration cal (2026-01-01 00:00, 5 runs, history)' "$TMP/out"
check "  verdict: ok (1 metric within noise)" grep -q '^verdict: *ok (1 metric within noise)$' "$TMP/out"
check "  the night is good, not flagged" test "$(q "$FDB" "select good from runs where label = 'f6-n012'")" = 1
expect_exit 1 "the -20% night with the same floor stays a regression" \
	"$M" nightly --judge-only f20-n012 --db "$FDB"
check "  faults/sec-2 starred at about -20%" \
	grep -Eq '^  Hmean +faults/sec-2 .*\* *-(18|19|20|21|22)\.[0-9]+%\*' "$TMP/out"
expect_exit 0 "--json of the -6% night" "$M" nightly --judge-only f6-n012 --json --db "$FDB"
got=$(jq -c '[.verdict, .within_noise, .noise_floor.label, .noise_floor.rows, (.metrics[] | select(.name == "faults/sec-2") | .class, (.floor_pct * 100 | round))]' "$TMP/out")
check "  $got" test "$got" = '["ok",1,"cal",2,"within-noise",1178]'
expect_exit 1 "--noise-floor off: a regression again" \
	"$M" nightly --judge-only f6-n012 --noise-floor off --db "$FDB"
expect_exit 1 "--noise-floor FILE of another machine: used, with a warning" \
	"$M" nightly --judge-only f20-n012 --noise-floor "$TMP/fc6/cal" --db "$FDB"
check "  the warning names both machines" grep -q 'warning: --noise-floor .* is of machine f6, the night.s is f20' "$TMP/err"
expect_exit 2 "--noise-floor of a missing file" "$M" nightly --judge-only f6-n012 --noise-floor "$TMP/none" --db "$FDB"
expect_exit 0 "nightly --since judges with it too: f6's last night" \
	"$M" nightly --since 2026-01-13 --machine f6 --db "$FDB"
check "  judged 1 night: 0 regressed" grep -q '^judged 1 night: 0 regressed' "$TMP/out"
expect_exit 0 "--report: the page says within noise" \
	"$M" nightly --judge-only f6-n012 --report "$TMP/frep" --db "$FDB"
check "  the cell ~x%~ and the calibration" bash -c "grep -q '~ *-[0-9.]*%~' '$TMP/frep/index.html' &&
	grep -q 'Noise floor: calibration <code>cal</code>' '$TMP/frep/index.html'"
# the newest calibration counts: a later, quieter one (floor 3.93%) makes it a regression
mkcal "$TMP/fc6b/cal-b" f6 1 1767312000
expect_exit 0 "import a newer calibration of f6" "$M" import "$TMP/fc6b/cal-b" --db "$FDB"
expect_exit 1 "  the -6% night beyond its floor of 3.93% is a regression" \
	"$M" nightly --judge-only f6-n012 --db "$FDB"
check "  floored with cal-b" grep -q '^noise: *calibration cal-b (2026-01-02 00:00' "$TMP/out"
expect_exit 0 "history --calibrations --machine f6" "$M" history --calibrations --machine f6 --db "$FDB"
got=$(awk '/^20/ { printf "%s ", $3 } / faults\/sec-2 / { printf "%s ", $9 }' "$TMP/out")
check "  both, oldest first, with the floor of faults/sec-2: $got" test "$got" = "cal 11.78% cal-b 3.93% "
expect_exit 0 "re-import replaces a calibration (no doubled rows)" "$M" import "$TMP/fc6b/cal-b" --db "$FDB"
got=$(q "$FDB" "select count(*) from calibrations")/$(q "$FDB" "select count(*) from calibration_rows")
check "  3 calibrations, 6 rows ($got)" test "$got" = 3/6
mkdir -p "$TMP/fc0/old" && jq 'del(.hostname, .cpu_model, .time)' "$TMP/fc6/cal/calibration.json" >"$TMP/fc0/old/calibration.json"
expect_exit 2 "a calibration without its machine and no runs beside it: refused" \
	"$M" import "$TMP/fc0/old" --db "$FDB"
check "  one line saying so" grep -q 'records no machine' "$TMP/err"
# an older history (v3: no calibrations, no point times) is upgraded in place
ODB=$(newdb old)
"$SYNTH" nights=3,machine=o --db "$ODB" >/dev/null
q "$ODB" "DROP TABLE calibration_rows; DROP TABLE calibrations; ALTER TABLE points DROP COLUMN wall_sec;
	ALTER TABLE points DROP COLUMN warmup; ALTER TABLE points DROP COLUMN pilot;
	ALTER TABLE points DROP COLUMN kept; DELETE FROM schema_version WHERE version >= 4" >/dev/null
check "a v3 history made" test "$(q "$ODB" "select max(version) from schema_version")" = 3
expect_exit 0 "  it takes a calibration (migrated to v5)" "$M" import "$TMP/fc6/cal" --db "$ODB"
got=$(q "$ODB" "select count(*) from runs")/$(q "$ODB" "select max(version) from schema_version")/$(q "$ODB" "select count(*) from calibrations")/$(q "$ODB" "select count(wall_sec) from points")
check "  its runs kept, schema 5, the calibration stored, no point times ($got)" test "$got" = 3/5/1/0

# ---- a run with a failed point ------------------------------------------------------
mkrun "$TMP/r3" r3 2026-11-03T03:00:00Z hostA 505000
jq '.points[1].status = "failed" | .points[1].reason = "killed by SIGKILL"' "$TMP/r3/summary.json" \
	>"$TMP/r3/s" && mv "$TMP/r3/s" "$TMP/r3/summary.json"
"$M" import --quiet "$TMP/r3" --db "$DB"
expect_exit 3 "a night with a failed point exits 3" "$M" nightly --judge-only r3 --db "$DB"
check "the failed point is named with its reason" grep -q 'p001 .*clients=2: failed: killed by SIGKILL' "$TMP/out"
check "its ok point is still judged" grep -q 'unchanged: 1 metric ' "$TMP/out"

# ---- usage ------------------------------------------------------------------------
expect_exit 2 "nightly without a config" "$M" nightly --db "$NDB"
expect_exit 2 "a bad baseline spec" "$M" nightly --judge-only a-n050 --baseline window:x --db "$NDB"
expect_exit 2 "an unknown baseline label" "$M" nightly --judge-only a-n050 --baseline nope --db "$NDB"
expect_exit 2 "an unknown run" "$M" nightly --judge-only nope --db "$NDB"
expect_exit 2 "a bad threshold" "$M" nightly --judge-only a-n050 --threshold -1 --db "$NDB"
expect_exit 2 "a missing config file" "$M" nightly "$TMP/none.conf" --db "$NDB"
expect_exit 2 "a bad --metric" "$M" history --db "$NDB" --metric faults/sec

# ---- a real nightly, if the runner works on this machine --------------------------
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if "$M" plan "$ROOT/configs/quick.conf" >/dev/null 2>&1; then
	RDB=$(newdb real)
	"$M" nightly "$ROOT/configs/quick.conf" --iterations 3 --results "$TMP/res" --label n1 \
		--db "$RDB" >"$TMP/n1" 2>&1
	r1=$?
	"$M" nightly "$ROOT/configs/quick.conf" --iterations 3 --results "$TMP/res" --label n2 \
		--db "$RDB" --report "$TMP/nrep" >"$TMP/n2" 2>&1
	r2=$?
	check "first real night has no baseline (exit $r1)" grep -q 'verdict: *no-baseline' "$TMP/n1"
	# Two real nights on a shared 2-CPU box may differ for real: 0 or 1.
	check "second real night judged against the first (exit $r2)" \
		test \( "$r2" = 0 -o "$r2" = 1 \) -a "$(grep -c 'baseline: *window:7: n1' "$TMP/n2")" = 1
	# what the run's meta.json says was missing is on the nightly page
	want=$(jq -r '.unavailable // {} | keys[]' \
		"$TMP/res/n2/meta.json" | sort | tr '\n' ' ')
	got=$(sed -n 's/^<li>\([^:]*\):.*/\1/p' "$TMP/nrep/index.html" | sort | tr '\n' ' ')
	check "the nightly page lists what the run lacked: '$got'" [ -n "$want" -a "$got" = "$want" ]
	check "both real nights are in the history with a judgement" \
		test "$(q "$RDB" "select count(*) from runs where good >= 0")" = 2
else
	skip "real nightly" "mmscale plan configs/quick.conf does not work here yet"
fi

# ---- calibrate --db: a real calibration in the history, used by a real nightly -----
CALDB=$(newdb calib)
printf '[run]\niterations = 3\nwarmup = 0\nduration = 0.05\n[workload null]\nclients = 1\n' >"$TMP/ncal.conf"
expect_exit 0 "calibrate --db (null, 2 runs)" \
	"$M" calibrate "$TMP/ncal.conf" --runs 2 --label ncal --results "$TMP/cres" --db "$CALDB"
got=$(q "$CALDB" "select label || ':' || config_name from calibrations")/$(q "$CALDB" "select count(*) from runs")
check "  stored: the calibration, not its runs ($got)" test "$got" = ncal:ncal/0
check "  calibration.json records the machine" \
	test "$(jq -r '.label + ":" + .hostname' "$TMP/cres/ncal/calibration.json")" = "ncal:$(jq -r .hostname "$TMP/cres/ncal-1/meta.json")"
"$M" nightly "$TMP/ncal.conf" --results "$TMP/cres" --label cn1 --db "$CALDB" >"$TMP/cn1" 2>&1
check "  a nightly of that config finds it by machine and config hash" \
	grep -q '^noise: *calibration ncal (.*, 2 runs, history)' "$TMP/cn1"
# [run] calibration = PATH: nightly's floor from a file, as compare --noise-floor's
sed "/^\[run\]/a calibration = $TMP/cres2/ncal2" "$TMP/ncal.conf" >"$TMP/ncal2.conf"
"$M" calibrate "$TMP/ncal2.conf" --runs 2 --label ncal2 --results "$TMP/cres2" >/dev/null 2>&1
"$M" nightly "$TMP/ncal2.conf" --results "$TMP/cres2" --label cn2 --db "$CALDB" >"$TMP/cn2" 2>&1
check "  [run] calibration: nightly floors with that file" \
	grep -q "^noise: *calibration ncal2 (.*, 2 runs, $TMP/cres2/ncal2/calibration.json)" "$TMP/cn2"
sed "/^\[run\]/a calibration = $TMP/none" "$TMP/ncal.conf" >"$TMP/ncal3.conf"
expect_exit 2 "  a [run] calibration that is not there: refused before the run" \
	"$M" nightly "$TMP/ncal3.conf" --results "$TMP/cres2" --label cn3 --db "$CALDB"
check "  nothing ran, one line naming the file" \
	test ! -e "$TMP/cres2/cn3" -a "$(grep -c "$TMP/none" "$TMP/err")" = 1

# ---- nightly stores where the config's [run] db says, unless --db ---------------
CFGDB=$(newdb cfg) OPTDB=$(newdb opt)
printf '[run]\niterations = 2\nwarmup = 0\nduration = 0.05\ndb = %s\n[workload null]\nclients = 1\n' \
	"$CFGDB" >"$TMP/db.conf"
(cd "$TMP" && "$M" nightly "$TMP/db.conf" --results "$TMP/res" --label c1 >"$TMP/c1" 2>&1)
check "nightly without --db stores in the config's db" \
	test "$(q "$CFGDB" "select label from runs")" = c1 -a ! -e "$TMP/results/history.sqlite"
"$M" nightly "$TMP/db.conf" --results "$TMP/res" --label c2 --db "$OPTDB" >"$TMP/c2" 2>&1
check "--db overrides the config's db" \
	test "$(q "$OPTDB" "select label from runs")/$(q "$CFGDB" "select count(*) from runs")" = c2/1

echo "1..$n"
rm -rf "$TMP"
