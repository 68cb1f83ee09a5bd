#!/bin/bash
# The noise floor: compare --noise-floor CAL drops a mean-row star of one run
# against another when |change| <= t(0.975; n-1) * sqrt(2) * the row's
# cv_between from n runs in a calibration.json (runner/stats/stats.c
# stats_within_floor).  Constructed
# runs (30 samples around 100 with CoeffVar 1%, so an 8% change is starred
# without the floor) and a constructed calibration with cv_between 6% at 1
# client from 5 runs (floor 23.6%) and no row at 2 clients; every format shows the same
# cells.  Bad CAL: exit 2, one line naming the file.  Then one real
# `mmscale calibrate` of pft-tiny.conf, 3 runs.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
D=$(cd "$(dirname "$0")/../data/configs" && pwd)
R=$TMP/res
mkdir -p "$R"

# mkrun LABEL CENTRE: pft at 1 and 2 clients, faults/sec 30 samples CENTRE +- 1%
mkrun() {
	local dir=$R/$1 values
	values=$(awk -v c="$2" 'BEGIN { for (i = 0; i < 30; i++) printf "%s%g", i ? "," : "", c * (1 + (i % 2 ? 0.01 : -0.01)) }')
	mkdir -p "$dir"
	cat >"$dir/meta.json" <<-EOF
	{"label":"$1","status":"complete","hostname":"vm",
	 "kernel":{"release":"6.18.0-$1","cmdline":"ro"},
	 "cpu":{"model_name":"Test CPU"},"config":{"path":"t.conf","hash":"aaaa"},
	 "settings":{"iterations":30,"warmup":1},"start":"2026-12-02T00:00:00Z"}
	EOF
	cat >"$dir/summary.json" <<-EOF
	{"schema":1,"label":"$1","points":[
	 {"id":"p000","workload":"pft","group":"pft mode=threads","clients":1,"status":"ok",
	  "params":{"mode":"threads","size":"8M","clients":1},
	  "metrics":{"faults/sec":{"better":"higher","values":[$values]}}},
	 {"id":"p001","workload":"pft","group":"pft mode=threads","clients":2,"status":"ok",
	  "params":{"mode":"threads","size":"8M","clients":2},
	  "metrics":{"faults/sec":{"better":"higher","values":[$values]}}}]}
	EOF
}
mkrun base 100
mkrun aa 108
mkrun big 140
mkrun mid 120
mkdir -p "$TMP/cal"
CAL=$TMP/cal/calibration.json
cat >"$CAL" <<-EOF
{"schema":1,"config":"t.conf","config_hash":"aaaa","runs":["c-1","c-2","c-3","c-4","c-5"],
 "rows":[{"group":"pft mode=threads","metric":"faults/sec","clients":1,"n":5,
          "cv_between":6,"cv_within_mean":1}]}
EOF

# cell FILE CLIENTS: "significant floor" of the second run's Hmean cell
cell() {
	jq -r --arg op "faults/sec-$2" '.groups[0].rows[] | select(.stat == "Hmean" and .operation == $op)
		| .cells[1] | "\(.significant) \(.floor)"' "$1"
}

"$MM" compare "$R/base" "$R/aa" --format json >"$TMP/n.json" 2>"$TMP/n.err"
check "without the floor: 8% starred at 1 and 2 clients" \
	[ "$(cell "$TMP/n.json" 1),$(cell "$TMP/n.json" 2)" = "true false,true false" ]
check "without the floor: no floor warning" [ "$(grep -c 'noise floor' "$TMP/n.err")" = 0 ]

"$MM" compare "$R/base" "$R/aa" --noise-floor "$CAL" --format json >"$TMP/f.json" 2>"$TMP/f.err"
check "floor 6%: the 8% star at 1 client dropped (floor true), 2 clients (no row) kept" \
	[ "$(cell "$TMP/f.json" 1),$(cell "$TMP/f.json" 2)" = "false true,true false" ]
check "one warning line: 1 star removed ($(head -c 200 "$TMP/f.err"))" \
	[ "$(grep -c '^mmscale: compare: warning: noise floor: 1 star removed' "$TMP/f.err"),$(wc -l <"$TMP/f.err")" = 1,1 ]
check "  and says what the floor costs: its floors 23.6-23.6%" \
	grep -q "(marked ~; its floors 23.6-23.6%: smaller changes cannot be told from this machine's drift)" "$TMP/f.err"
check "the warning in the JSON's metadata" \
	[ "$(jq '[.warnings[] | select(startswith("noise floor: 1 star removed"))] | length' "$TMP/f.json")" = 1 ]
check "a calibration of this config: no 'another config' warning" \
	[ "$(grep -c 'noise floor of another config' "$TMP/f.err")" = 0 ]
mkdir -p "$TMP/calx"
sed 's/"config_hash":"aaaa"/"config_hash":"bbbb"/' "$CAL" >"$TMP/calx/calibration.json"
"$MM" compare "$R/base" "$R/aa" --noise-floor "$TMP/calx" --format json >"$TMP/x.json" 2>"$TMP/x.err"
check "a calibration of another config hash: one warning per run naming both hashes" \
	[ "$(grep -c "warning: noise floor of another config: $TMP/calx/calibration.json calibrated t.conf (hash bbbb), .* ran hash aaaa" "$TMP/x.err")" = 2 ]
"$MM" compare "$R/base" "$R/aa" --noise-floor "$TMP/calx" --strict >/dev/null 2>&1
check "--strict: exit 2 on it" [ $? = 2 ]
"$MM" compare "$R/base" "$R/aa" --noise-floor "$TMP/cal" --format json >"$TMP/d.json" 2>/dev/null
check "CAL as the directory holding calibration.json: the same cells" \
	[ "$(cell "$TMP/d.json" 1),$(cell "$TMP/d.json" 2)" = "false true,true false" ]
"$MM" compare "$R/base" "$R/aa" --noise-floor "$CAL" >"$TMP/f.txt" 2>/dev/null
check "text: ~x%~ at 1 client, *x%* at 2" \
	bash -c "grep -qE '^Hmean +faults/sec-1 .*~ +8\.00%~$' '$TMP/f.txt' &&
		 grep -qE '^Hmean +faults/sec-2 .*\* +8\.00%\*$' '$TMP/f.txt'"
check "text: the ~ legend" grep -q '^~\.\.\.~: a star dropped' "$TMP/f.txt"
"$MM" compare "$R/base" "$R/aa" --noise-floor "$CAL" --format markdown >"$TMP/f.md" 2>/dev/null
check "markdown: \\~8.00%\\~ at 1 client, \\*8.00%\\* at 2" \
	bash -c "grep -qF '| Hmean | faults/sec-1 |' '$TMP/f.md' &&
		 [ \"\$(grep -F '| Hmean | faults/sec-1 |' '$TMP/f.md' | grep -cF '\\~8.00%\\~')\" = 1 ] &&
		 [ \"\$(grep -F '| Hmean | faults/sec-2 |' '$TMP/f.md' | grep -cF '\\*8.00%\\*')\" = 1 ]"
"$MM" compare "$R/base" "$R/aa" --noise-floor "$CAL" --format csv >"$TMP/f.csv" 2>/dev/null
check "csv: floor column last; 1 client significant false floor true, 2 clients true false" \
	[ "$(awk -F, '/^group,/ { print $NF } $2 == "Hmean" && $6 == 1 { print $3, $11, $NF }' "$TMP/f.csv" | tr '\n' ,)" = "floor,faults/sec-1 false true,faults/sec-2 true false," ]
check "csv: the warning as a comment" grep -q '^# warning: noise floor: 1 star removed' "$TMP/f.csv"

"$MM" compare "$R/base" "$R/big" --noise-floor "$CAL" --format json >"$TMP/b.json" 2>"$TMP/b.err"
check "40% change: the star kept at 1 client (beyond the 23.6% floor)" \
	[ "$(cell "$TMP/b.json" 1),$(cell "$TMP/b.json" 2)" = "true false,true false" ]
check "40% change: no floor warning" [ "$(grep -c 'noise floor' "$TMP/b.err")" = 0 ]
# the t of a prediction from 5 runs: 20% is within 2.78 * sqrt(2) * 6 =
# 23.6, not within the 17.4 of the same spread measured by 30 runs
"$MM" compare "$R/base" "$R/mid" --noise-floor "$CAL" --format json >"$TMP/m.json" 2>/dev/null
check "20% change, cv_between 6% from 5 runs: within the floor (dropped)" \
	[ "$(cell "$TMP/m.json" 1)" = "false true" ]
mkdir -p "$TMP/cal30"
sed 's/"n":5,/"n":30,/' "$CAL" >"$TMP/cal30/calibration.json"
"$MM" compare "$R/base" "$R/mid" --noise-floor "$TMP/cal30" --format json >"$TMP/m30.json" 2>/dev/null
check "20% change, the same cv_between from 30 runs: beyond the floor (kept)" \
	[ "$(cell "$TMP/m30.json" 1)" = "true false" ]

# bad CAL: exit 2, one line naming the file
expect_exit 2 "CAL missing" "$MM" compare "$R/base" "$R/aa" --noise-floor "$TMP/nope.json"
check "CAL missing: one line naming the file" \
	[ "$(wc -l <"$TMP/err"),$(grep -c "nope.json" "$TMP/err")" = 1,1 ]
expect_exit 2 "CAL a directory without calibration.json" \
	"$MM" compare "$R/base" "$R/aa" --noise-floor "$R/base"
check "... names DIR/calibration.json" grep -q "$R/base/calibration.json" "$TMP/err"
echo '{"schema":1,"rows":[' >"$TMP/bad.json"
expect_exit 2 "CAL not JSON" "$MM" compare "$R/base" "$R/aa" --noise-floor "$TMP/bad.json"
check "CAL not JSON: one line naming the file" \
	[ "$(wc -l <"$TMP/err"),$(grep -c "bad.json: not JSON" "$TMP/err")" = 1,1 ]
echo '{"schema":1,"rows":[{"group":"pft mode=threads","metric":"faults/sec","clients":1}]}' >"$TMP/bad2.json"
expect_exit 2 "CAL row without cv_between" "$MM" compare "$R/base" "$R/aa" --noise-floor "$TMP/bad2.json"
check "... says which row" grep -q "bad2.json: rows\[0\]: cv_between" "$TMP/err"

# ---- a real calibration -------------------------------------------------------
RES=$TMP/real
expect_exit 0 "calibrate pft-tiny.conf --runs 3" \
	"$MM" calibrate "$D/pft-tiny.conf" --runs 3 --label cal --results "$RES"
C=$RES/cal/calibration.json
check "the runs: cal-1..cal-3, each a results directory" \
	[ "$(jq -c .runs "$C" 2>/dev/null),$(ls -d "$RES"/cal-[123] | wc -l)" = '["cal-1","cal-2","cal-3"],3' ]
check "schema 1, config and config hash of the runs" \
	[ "$(jq -r '"\(.schema) \(.config | endswith("pft-tiny.conf")) \(.config_hash)"' "$C")" = \
	  "1 true $(jq -r .config.hash "$RES/cal-1/meta.json")" ]
want=$(jq -c '[.points[] | .clients as $c | .metrics | keys[] | "\(.)-\($c)"] | sort' "$RES/cal-1/summary.json")
check "a row per metric and client count of the run ($want)" \
	[ "$(jq -c '[.rows[] | "\(.metric)-\(.clients)"] | sort' "$C")" = "$want" ]
check "every row: group pft mode=threads, n 3, cv_between and cv_within_mean >= 0" \
	[ "$(jq '[.rows[] | select(.group == "pft mode=threads" and .n == 3 and .cv_between >= 0 and .cv_within_mean >= 0)] | length' "$C")" = "$(jq '.rows | length' "$C")" ]
# cv_between by hand for faults/sec at 1 client: the runs' Hmeans' CoeffVar
hm=$(for r in 1 2 3; do jq -r '.points[] | select(.clients == 1) | .metrics["faults/sec"].values | "\(length / (map(1 / .) | add))"' "$RES/cal-$r/summary.json"; done | tr '\n' ' ')
want=$(awk -v v="$hm" 'BEGIN { n = split(v, x, " "); for (i = 1; i <= n; i++) s += x[i]; m = s / n;
	for (i = 1; i <= n; i++) ss += (x[i] - m) ^ 2; printf "%.6f", sqrt(ss / (n - 1)) * 100 / m }')
check "cv_between of faults/sec-1 = CoeffVar of the three Hmeans ($want)" \
	[ "$(jq -r '.rows[] | select(.metric == "faults/sec" and .clients == 1) | .cv_between' "$C" | awk '{ printf "%.6f", $1 }')" = "$want" ]
expect_exit 0 "compare cal-1 cal-2 --noise-floor the calibration's directory" \
	"$MM" compare "$RES/cal-1" "$RES/cal-2" --noise-floor "$RES/cal"
expect_exit 2 "calibrate again under the same label: refused before any run" \
	"$MM" calibrate "$D/pft-tiny.conf" --runs 3 --label cal --results "$RES"
check "... naming the directory, and no cal-4" \
	[ "$(grep -c "$RES/cal exists" "$TMP/err"),$(ls -d "$RES"/cal-* | wc -l)" = 1,3 ]
expect_exit 2 "calibrate --runs 1: two runs at least" \
	"$MM" calibrate "$D/pft-tiny.conf" --runs 1 --results "$RES"

echo "1..$n"
