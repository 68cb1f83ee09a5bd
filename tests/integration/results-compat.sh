#!/bin/bash
# Old results stay readable: tests/data/results/v1-3367e60 was written by
# mmscale at 3367e60 (summary.json, meta.json and point.json of schema 1:
# group strings, no axes, no metric declarations; tests/data/configs/
# fixture.conf).  show, compare, import and plot read it through the
# results modules, and a run of today's schema compares against it.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
DATA=$(cd "$(dirname "$0")/../data" && pwd)
OLD=$DATA/results/v1-3367e60
RES=$TMP/res

check "the fixture is schema 1" [ "$(jq -c '[.schema, (.points[0] | has("axes"))]' "$OLD/summary.json")" = '[1,false]' ]

expect_exit 0 "show reads the old run" "$MM" show "$OLD"
check "show: kernel, status and a per-point Hmean" \
	bash -c "grep -q '^kernel: *6\.' '$TMP/out' && grep -q '^status: *complete' '$TMP/out' && grep -qE '^ +p008 +1 +ops/sec +Hmean +[0-9.]+ ' '$TMP/out'"

expect_exit 0 "compare reads the old run (its layouts within it)" "$MM" compare "$OLD" --format json
cp "$TMP/out" "$TMP/old.json"
check "compare: the v1 groups become typed axes (6 groups, vmalock layouts apart)" \
	[ "$(jq -c '[.groups[].group]' "$TMP/old.json")" = \
	  '["pft mode=threads layout=shared","pft mode=threads layout=per-client","pft mode=processes layout=shared","pft mode=processes layout=per-client","vmalock mode=threads layout=separate","vmalock mode=threads layout=inline64"]' ]
check "compare: the default layout pivot of both workloads" \
	[ "$(jq -c '[.summaries[].summary]' "$TMP/old.json")" = \
	  '["layout: pft mode=threads","layout: pft mode=processes","layout: vmalock mode=threads"]' ]
check "compare: v1 metrics are higher-is-better rates (Hmean rows)" \
	[ "$(jq -c '[.groups[].rows[] | select(.mean_row) | .stat] | unique' "$TMP/old.json")" = '["Hmean"]' ]

"$MM" run "$DATA/configs/fixture.conf" --label new --results "$RES" >/dev/null 2>"$TMP/run.log"
check "a run of today (schema 2) of the same config" [ "$(jq .schema "$RES/new/summary.json")" = 2 ]
expect_exit 0 "compare old against new" "$MM" compare "$OLD" "$RES/new" --format json
check "old and new points meet in the same groups (every cell of the new run is ok)" \
	[ "$(jq '([.groups[].rows[] | select(.mean_row) | .cells[1].status] | unique == ["ok"]) and (.groups | length) == 6' "$TMP/out")" = true ]

expect_exit 0 "import reads the old run" "$MM" import --db "$TMP/h.db" "$OLD"
check "the history has its 12 points" [ "$(sqlite3 "$TMP/h.db" 'select count(*) from points')" = 12 ]
expect_exit 0 "history --metric of the old run" "$MM" history --db "$TMP/h.db" --metric ops/sec-2 --group "vmalock mode=threads layout=inline64"
check "  ...one row: v1-3367e60" [ "$(grep -c 'v1-3367e60' "$TMP/out")" = 1 ]

if "$MM" plot "$OLD" --out "$TMP/plots" >"$TMP/plot.out" 2>&1; then
	check "plot reads the old run: a picture per family (layouts together) and metric, and its change picture" \
		[ "$(ls "$TMP/plots"/*.png | grep -vc slab)" = 12 ]
else
	skip "plot reads the old run" "$(head -1 "$TMP/plot.out")"
fi

# meta.json version 1 under its older names: read under today's
mkdir -p "$TMP/renamed"
cp "$OLD/summary.json" "$TMP/renamed/"
jq '.start_time = .start | del(.start) | .kernel = .kernel.release | .host = {hostname: .hostname} | del(.hostname)' \
	"$OLD/meta.json" >"$TMP/renamed/meta.json"
expect_exit 0 "show a meta.json with the old field names" "$MM" show "$TMP/renamed"
check "  ...start, kernel and host found under their old names" \
	bash -c "grep -qE '^time: +20[0-9-]+T' '$TMP/out' && grep -qE '^kernel: +6\.' '$TMP/out' && grep -qE '^host: +[^-]' '$TMP/out'"
echo '{"schema": 99, "points": []}' >"$TMP/renamed/summary.json"
expect_exit 2 "a summary.json newer than this mmscale" "$MM" show "$TMP/renamed"
check "  ...says so" grep -q 'unsupported schema' "$TMP/err"

rm -rf "$TMP"
echo "1..$n"
