#!/bin/bash
# The Broadwell false-sharing investigation (reference section 5):
# configs/broadwell-false-sharing.conf plans, and here (no MSR) stops with
# exit 4; its miniature (tests/data/configs/broadwell-small.conf, the same
# points and interleave sets) runs on a fake Broadwell MSR tree with
# prefetch and the vmalock layouts interleaved A B A B; `mmscale compare`
# prints a table per axis value and the layout x prefetch summary, whose
# cells are checked against the raw samples.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=$ROOT/tests/data
REAL=$ROOT/configs/broadwell-false-sharing.conf
CFG=$DATA/configs/broadwell-small.conf
RES=$TMP/res

# ---- the real config: plans, same shape as the test's, exit 4 here ----------
shape() {	# the points of a plan: group, clients, interleave set
	"$MM" plan "$1" --json | jq -c '[.points[] | [.group, .clients, .set]]'
}
expect_exit 0 "the real config parses and plans" "$MM" plan "$REAL"
check "... pft threads with prefetch on/off, vmalock 3 layouts x prefetch on/off" \
	[ "$("$MM" plan "$REAL" --json | jq -c '[.points[].group] | unique')" = \
	  '["pft mode=threads prefetch=off","pft mode=threads prefetch=on","vmalock mode=threads layout=inline128 prefetch=off","vmalock mode=threads layout=inline128 prefetch=on","vmalock mode=threads layout=inline64 prefetch=off","vmalock mode=threads layout=inline64 prefetch=on","vmalock mode=threads layout=separate prefetch=off","vmalock mode=threads layout=separate prefetch=on"]' ]
check "... one interleave set per workload and client count" \
	[ "$("$MM" plan "$REAL" --json | jq '[.points[] | [.workload, .clients]] | unique | length')" = \
	  "$("$MM" plan "$REAL" --json | jq .nsets)" ]
check "the test's miniature has the real config's points and sets" [ "$(shape "$REAL")" = "$(shape "$CFG")" ]
check "... on a 56-CPU Broadwell too (8 client counts, 64 points)" \
	[ "$("$MM" plan "$REAL" --topology "pack:2 core:14 pu:2" --json | jq -c '[.npoints, ([.points[].clients] | unique)]')" = '[64,[1,4,7,12,21,30,48,56]]' ]
expect_exit 0 "configs/vmalock-layouts.conf (no prefetch axis) plans" "$MM" plan "$ROOT/configs/vmalock-layouts.conf"
if "$MM" prefetch status >/dev/null 2>&1 && [ -z "${MMSCALE_MSR_ROOT:-}" ]; then
	skip "the real config refused" "this machine can drive the prefetcher"
else
	expect_exit 4 "the real config where the MSR is unavailable" "$MM" run "$REAL" --label no --results "$RES"
	check "... one line saying why: $(head -c 120 "$TMP/err")" \
		[ "$(wc -l <"$TMP/err")" = 1 -a "$(grep -c "prefetch axis: $(prefetch_refusal): " "$TMP/err")" = 1 ]
	check "... and nothing written" [ ! -e "$RES/no" ]
fi
expect_exit 2 "vmalock --layout contradicting --align" "$BIN/vmalock" -t 1 --layout separate --align 128
check "... names the preset's value" grep -q -- '--layout: the preset sets --align packed, not --align 128' "$TMP/err"

# ---- a fake 4-CPU Broadwell-EP MSR tree (as run-prefetch.sh) -----------------
fake_msr_tree "$TMP/fake" cpuinfo-broadwell-ep
for c in 0 1 2 3; do	# l2 and dcu off: bits the adjacent toggle must keep
	printf '\x05' | dd of="$F/msr/$c/msr" bs=1 seek=420 conv=notrunc status=none
done
before=$(cat "$F"/msr/*/msr | md5sum)
for run in a b; do
	"$MM" run "$CFG" --label $run --results "$RES" 2>"$TMP/log-$run"; rc=$?
	check "fake Broadwell: run $run completes" [ "$rc $(jq -r .status "$RES/$run/meta.json" 2>/dev/null)" = "0 complete" ]
done
check "every fake MSR is back to its value" [ "$(cat "$F"/msr/*/msr | md5sum)" = "$before" -a ! -e "$F/state/prefetch.json" ]
A=$RES/a

# ---- A B A B: the global order of the saved samples, per interleave set -----
# order WORKLOAD CLIENTS: each point's lines by their seq, as layout/prefetch,
# a point's warm-up and first iteration (one invocation) counted once
order() {
	for pj in "$A"/points/*/point.json; do
		jq -c --arg w "$1" --argjson c "$2" 'select(.workload == $w and .clients == $c) |
			(.params | "\(.layout)/\(.prefetch)") as $k | .seq[] | [., $k]' "$pj"
	done | jq -s -r 'sort_by(.[0]) | map(.[1]) |
		reduce .[] as $k ([]; if length > 0 and .[-1] == $k then . else . + [$k] end) | join(" ")'
}
NC=$(jq '[.points[].clients] | max' "$A/summary.json")
round="separate/on separate/off inline64/on inline64/off inline128/on inline128/off"
check "vmalock, $NC clients: layouts and prefetch alternate per iteration" \
	[ "$(order vmalock "$NC")" = "$round $round $round" ]
check "pft, $NC clients: prefetch on off on off on off" \
	[ "$(order pft "$NC")" = "shared/on shared/off shared/on shared/off shared/on shared/off" ]
check "each point read the MSRs back: adjacent on or off as its prefetch value" \
	[ "$(jq -s -c 'map((.prefetch.cpus | map(.adjacent) | unique) == [.params.prefetch]) | unique' "$A"/points/*/point.json)" = '[true]' ]
check "raw samples ran the preset's layout (separate: packed 40-byte locks; inline64: stride 192; inline128: 256)" \
	[ "$(cat "$A"/points/*/samples.jsonl | jq -s -c 'map(select(.workload == "vmalock") |
		"\(.options.layout) \(.layout.lock) \(.layout.align) \(.layout.stride)") | unique')" = \
	  '["inline128 inline 128 256","inline64 inline 64 192","separate separate packed 192"]' ]

# ---- compare: one run (its layouts), then two (pft's runs) -----------------
# hmean_pct RUN WORKLOAD CLIENTS METRIC(rate_sec|rate_cpu) BASE_SEL NEW_SEL:
# new*100/base - 100 of the harmonic means of the measured, valid iterations
# in the raw samples, or "missing" when a side has none
hmean() {
	local dir=$1 w=$2 c=$3 field=$4 sel=$5
	for pj in "$dir"/points/*/point.json; do
		jq -e --arg w "$w" --argjson c "$c" ".workload == \$w and .clients == \$c and ($sel)" "$pj" >/dev/null &&
			jq -s "map(select((.warmup | not) and .valid) | .$field) |
				if length == 0 then null else length / (map(1 / .) | add) end" "${pj%point.json}samples.jsonl"
	done
}
pct() { jq -n --argjson a "$1" --argjson b "$2" 'if $a == null or $b == null then "missing" else $b * 100 / $a - 100 end'; }
# cell JSON SUMMARY_FAMILY OPERATION COLUMN_TITLE: change_pct or "missing"
cell() {
	jq -r --arg f "$2" --arg op "$3" --arg t "$4" '.summaries[] | select(.family == $f) |
		(.columns | map(.title) | index($t)) as $i |
		.rows[] | select(.operation == $op) | .cells[$i] |
		if .status == "ok" then .change_pct else "missing" end' "$1"
}
near() { jq -n --argjson a "$1" --argjson b "$2" '($a - $b | fabs) < 1e-6' | grep -qx true; }

expect_exit 0 "compare one run: its layouts" "$MM" compare "$A"
cp "$TMP/out" "$TMP/one.txt"
# issue 15: one run's layouts side by side, a table per client count, not a
# table per layout (the 6 vmalock groups were 6 tables of one column each)
check "pft: one table per prefetch value, headed by it; vmalock: no table per layout" \
	[ "$(grep -cE '^pft mode=threads prefetch=(on|off)$' "$TMP/one.txt"),$(grep -cE '^vmalock mode=threads layout=' "$TMP/one.txt")" = "2,0" ]
check "... vmalock's 6 groups side by side instead, one table per client count" \
	[ "$(grep -cE '^vmalock mode=threads: each layout side by side, [0-9]+ clients?$' "$TMP/one.txt")" = \
	  "$(jq '[.points[] | select(.workload == "vmalock") | .clients] | unique | length' "$A/summary.json")" -a \
	  "$(grep -A1 "^vmalock mode=threads: each layout side by side, $NC clients" "$TMP/one.txt" | tail -1 | xargs)" = \
	  "separate separate inline64 inline64 inline128 inline128" ]
check "... with a reading that says whether the prefetch toggle changes the pair's cost" \
	bash -c "tr '\n' ' ' <'$TMP/one.txt' | tr -s ' ' | grep -qE 'inline64 against inline128: with prefetch=on .* the prefetch toggle (changes|does not change) the pair.s cost'"
check "the layout x prefetch summary of vmalock, against layout=separate" \
	grep -qx 'layout x prefetch: vmalock mode=threads, % change against layout=separate in the same run' "$TMP/one.txt"
sed -n '/^layout x prefetch: vmalock/,/^$/p' "$TMP/one.txt" >"$TMP/summary.txt"
check "... columns: inline64, inline128 under prefetch on and off" \
	[ "$(sed -n 2p "$TMP/summary.txt" | xargs) / $(sed -n 3p "$TMP/summary.txt" | xargs)" = \
	  "inline64 inline64 inline128 inline128 / prefetch=on prefetch=off prefetch=on prefetch=off" ]
# the cells of the summary row OP, in column order
cells() { awk -v op="$1" '$2 == op' "$TMP/summary.txt" | grep -oE '[(*] *-?[0-9]+\.[0-9]{2}%[)*]| -( |$)' | tr -d ' '; }
check "... rows: Hmean ops/cpu and ops/sec per client count, 4 cells each" \
	[ "$(awk 'NR > 3 && NF {print $1}' "$TMP/summary.txt" | sort -u)" = Hmean -a \
	  "$(awk 'NR > 3 && NF' "$TMP/summary.txt" | wc -l)" = "$((2 * $(jq '[.points[].clients] | unique | length' "$A/summary.json")))" -a \
	  "$(cells "ops/sec-$NC" | wc -l)" = 4 ]
check "... no pft summary from one run (its layout is the kernel's)" \
	[ "$(grep -c '^layout x prefetch: pft' "$TMP/one.txt")" = 0 ]

"$MM" compare "$A" --format json >"$TMP/one.json"
base=$(hmean "$A" vmalock "$NC" rate_sec '.params.layout == "separate" and .params.prefetch == "on"')
new=$(hmean "$A" vmalock "$NC" rate_sec '.params.layout == "inline64" and .params.prefetch == "on"')
want=$(pct "$base" "$new"); got=$(cell "$TMP/one.json" "vmalock mode=threads" "ops/sec-$NC" "inline64 prefetch=on")
check "summary cell ops/sec-$NC inline64 prefetch=on = Hmean(raw) change: $got vs $want" near "$got" "$want"
printed=$(cells "ops/sec-$NC" | head -1 | tr -d '()*')
check "... printed as $printed" [ "$printed" = "$(printf '%.2f%%' "$want")" ]
base=$(hmean "$A" vmalock 1 rate_cpu '.params.layout == "separate" and .params.prefetch == "off"')
new=$(hmean "$A" vmalock 1 rate_cpu '.params.layout == "inline128" and .params.prefetch == "off"')
want=$(pct "$base" "$new"); got=$(cell "$TMP/one.json" "vmalock mode=threads" "ops/cpu-1" "inline128 prefetch=off")
check "summary cell ops/cpu-1 inline128 prefetch=off = Hmean(raw) change: $got vs $want" near "$got" "$want"

"$MM" compare "$A" "$RES/b" --format json >"$TMP/two.json"
"$MM" compare "$A" "$RES/b" >"$TMP/two.txt"
check "two runs: pft summary, each run against the first" \
	grep -qx 'layout x prefetch: pft mode=threads, % change of each run against a' "$TMP/two.txt"
check "... columns b prefetch=on, b prefetch=off; vmalock's: 4 per run" \
	[ "$(jq -c '[.summaries[] | [.family, (.columns | map(.title))]]' "$TMP/two.json")" = \
	  '[["pft mode=threads",["b prefetch=on","b prefetch=off"]],["vmalock mode=threads",["a inline64 prefetch=on","a inline64 prefetch=off","a inline128 prefetch=on","a inline128 prefetch=off","b inline64 prefetch=on","b inline64 prefetch=off","b inline128 prefetch=on","b inline128 prefetch=off"]]]' ]
base=$(hmean "$A" pft 1 rate_sec '.params.prefetch == "off"')
new=$(hmean "$RES/b" pft 1 rate_sec '.params.prefetch == "off"')
want=$(pct "$base" "$new"); got=$(cell "$TMP/two.json" "pft mode=threads" "faults/sec-1" "b prefetch=off")
if [ "$want" = missing ]; then
	check "pft cell faults/sec-1 b prefetch=off: no valid iteration on a side, missing" [ "$got" = missing ]
else
	check "pft cell faults/sec-1 b prefetch=off = Hmean(raw) change across runs: $got vs $want" near "$got" "$want"
fi
check "the same cell as in the one-run summary (b's own columns are within b)" \
	[ "$(cell "$TMP/two.json" "vmalock mode=threads" "ops/sec-$NC" "a inline64 prefetch=on")" = \
	  "$(cell "$TMP/one.json" "vmalock mode=threads" "ops/sec-$NC" "inline64 prefetch=on")" ]

# ---- every format carries the summary ---------------------------------------
"$MM" compare "$A" "$RES/b" --format csv >"$TMP/two.csv"
check "csv: one row per summary cell, the json's percentages" \
	[ "$(grep '^layout x prefetch: ' "$TMP/two.csv" | awk -F, '{print $1 "|" $3 "|" $7 "|" $10}' | sort)" = \
	  "$(jq -r '.summaries[] | .summary as $s | .columns as $c | .rows[] | .operation as $op |
		.cells | to_entries[] | "\($s)|\($op)|\($c[.key].title)|\(if .value.change_pct == null then "" else (.value.change_pct * 100 | round / 100 | tostring) end)"' "$TMP/two.json" |
		awk -F'|' '{ if ($4 != "") $4 = sprintf("%.2f", $4); print $1 "|" $2 "|" $3 "|" $4 }' OFS='|' | sort)" ]
check "csv: 18 fields on every line" [ "$(grep -v "^#" "$TMP/two.csv" | awk -F, '{print NF}' | sort -u)" = 18 ]
"$MM" compare "$A" "$RES/b" --format markdown >"$TMP/two.md"
check "markdown: both summaries, 8 layout columns for vmalock" \
	[ "$(grep -c '^### layout x prefetch: ' "$TMP/two.md"),$(grep -A2 '^### layout x prefetch: vmalock' "$TMP/two.md" | tail -1 | grep -o 'prefetch=' | wc -l)" = "2,8" ]

rm -rf "$TMP"
echo "1..$n"
