#!/bin/bash
# plan's time estimate (runner/run/estimate.c):
#  - plan --db: from the newest 3 runs of the config on this machine in the
#    history; constructed runs (a real run's meta.json, so machine and
#    config hash are this machine's and the plan's, with set wall times):
#    seconds per iteration x planned iterations equals the hand arithmetic,
#    an older 4th run is left out; an adaptive point from its recorded
#    pilot + kept iterations
#  - plan --pilot on the null workload: within a factor 2 of the real run
#  - no history: says so; bad combinations exit 2, a missing db 3
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
R=$TMP/res
mkdir -p "$R" "$TMP/ptmp"
C=$TMP/est.conf
printf '[run]\niterations = 10\nwarmup = 1\nduration = 0.05\n[workload null]\nclients = 1, 2\n' >"$C"
CA=$TMP/est-ad.conf
printf '[run]\nprecision = 5%%\nmin_iterations = 10\nmax_iterations = 100\nwarmup = 1\nduration = 0.05\n[workload null]\nclients = 1, 2\n' >"$CA"

expect_exit 0 "a seed run (its meta.json: this machine, the config's hash)" \
	"$MM" run "$C" --iterations 2 --warmup 0 --results "$R" --label seed
expect_exit 0 "  and of the adaptive config" \
	"$MM" run "$CA" --iterations 2 --warmup 0 --results "$R" --label seed-ad

# mkhist SEED LABEL START WALL0 WALL1 PILOT KEPT: a copy of SEED that started
# at START, ran 1 warm-up + PILOT + KEPT iterations in WALL0 (p000), WALL1 (p001)
mkhist() {
	local d=$R/$2 p w
	rm -rf "$d" && cp -r "$R/$1" "$d"
	jq --arg l "$2" --arg s "$3" '.label = $l | .start = $s | .settings.warmup = 1' \
		"$R/$1/meta.json" >"$d/meta.json"
	jq --arg l "$2" --argjson p "$6" --argjson k "$7" \
		'.label = $l | .points[].extra.precision.pilot = $p | .points[].extra.precision.iterations = $k' \
		"$R/$1/summary.json" >"$d/summary.json"
	for p in p000 p001; do
		w=$4; [ $p = p001 ] && w=$5
		jq --argjson w "$w" '.wall_sec = $w' "$R/$1/points/$p/point.json" >"$d/points/$p/point.json"
	done
}
DB=$TMP/h.sqlite
mkhist seed old 2026-10-01T03:00:00Z 1000 1000 0 5
mkhist seed h1 2026-11-01T03:00:00Z 6 3 0 5
mkhist seed h2 2026-11-02T03:00:00Z 9 4.5 0 5
mkhist seed h3 2026-11-03T03:00:00Z 12 6 0 5
expect_exit 0 "import 4 constructed runs" "$MM" import --quiet "$R/old" "$R/h1" "$R/h2" "$R/h3" --db "$DB"

# p000: (6 + 9 + 12) s / (3 x (1 + 5)) = 1.5 s/iteration x (1 + 10) = 16.5 s
# p001: (3 + 4.5 + 6) / 18 = 0.75 x 11 = 8.25 s; total 24.75 s (run "old" is the 4th newest)
expect_exit 0 "plan --db" "$MM" plan "$C" --db "$DB"
check "  says where it came from" grep -q '^# estimate: from history, 3 runs, newest 2026-11-03 03:00 (UTC), on ' "$TMP/out"
check "  p000: 1.5 s/iteration x 11 = 16.5 s" grep -q '^#   p000 null mode=threads clients=1: 1.5000 s/iteration x 11 = 16.5 s$' "$TMP/out"
check "  p001: 0.75 s/iteration x 11 = 8.25 s" grep -q '^#   p001 null mode=threads clients=2: 0.7500 s/iteration x 11 = 8.25 s$' "$TMP/out"
check "  total 24.75 s" grep -q '^# total: 24.8 s (24.8 s) for 2 of 2 points$' "$TMP/out"
expect_exit 0 "plan --db --json" "$MM" plan "$C" --db "$DB" --json
got=$(jq -c '.estimate | [.source, .runs, (.total_sec * 1000 | round), [.points[] | .iterations, (.sec * 1000 | round)]]' "$TMP/out")
check "  $got" test "$got" = '["history",3,24750,[11,16500,11,8250]]'
check "  carries the config hash" test "$(jq -r .config_hash "$TMP/out")" = "$(jq -r .config.hash "$R/seed/meta.json")"

# adaptive: 1 warm-up + 10 pilot + 37 kept in 48 s (p000), 24 s (p001):
# 1 and 0.5 s/iteration x (1 + 10 + 37) = 48 s, 24 s
mkhist seed-ad ad1 2026-11-04T03:00:00Z 48 24 10 37
expect_exit 0 "import an adaptive run" "$MM" import --quiet "$R/ad1" --db "$DB"
expect_exit 0 "plan --db of the adaptive config" "$MM" plan "$CA" --db "$DB" --json
got=$(jq -c '.estimate | [.runs, (.total_sec | round), [.points[] | .iterations]]' "$TMP/out")
check "  from its recorded pilot + kept: $got" test "$got" = '[1,72,[48,48]]'
# a history of fixed runs only: what their spread says the rule would keep
ADB=$TMP/ad.sqlite
"$MM" import --quiet "$R/seed-ad" --db "$ADB"
expect_exit 0 "plan --db of the adaptive config from a fixed run" "$MM" plan "$CA" --db "$ADB" --json
got=$(jq -c '[.estimate.points[] | .iterations]' "$TMP/out")
inside=$(jq 'all(.estimate.points[]; .iterations >= 16 and .iterations <= 111)' "$TMP/out")
check "  11 + 5 .. 11 + 100 iterations: $got" test "$inside" = true

# no history of a config on this machine
printf '[run]\niterations = 3\nduration = 0.05\n[workload null]\nclients = 1\n' >"$TMP/other.conf"
expect_exit 0 "plan --db of a config the history lacks" "$MM" plan "$TMP/other.conf" --db "$DB"
check "  no estimate, and why" grep -q '^# no estimate: no history of this config (hash [0-9a-f]*) on ' "$TMP/out"
expect_exit 2 "--pilot with --db" "$MM" plan "$C" --pilot --db "$DB"
expect_exit 3 "--db of a file that does not exist" "$MM" plan "$C" --db "$TMP/none.sqlite"

# the pilot against the real run: null's iterations last 0.05 s, so the
# time is the plan's 11 iterations x 2 points plus the process starts
TMPDIR=$TMP/ptmp "$MM" plan "$C" --pilot --json >"$TMP/pilot.json" 2>"$TMP/pilot.err"
check "plan --pilot: from a pilot of 2 iterations per point" \
	test "$(jq -r '.estimate.source + ":" + (.estimate.pilot_iterations | tostring)' "$TMP/pilot.json")" = pilot:2
check "  its scratch directory is gone" test -z "$(ls -A "$TMP/ptmp")"
"$MM" run "$C" --results "$R" --label real >/dev/null 2>&1
real=$(jq -s 'map(.wall_sec) | add' "$R"/real/points/p00*/point.json)
est=$(jq .estimate.total_sec "$TMP/pilot.json")
check "  estimate ${est} s against the real run's ${real} s: within a factor 2" \
	awk -v e="$est" -v r="$real" 'BEGIN { exit !(r > 0 && e / r > 0.5 && e / r < 2) }'

echo "1..$n"
rm -rf "$TMP"
