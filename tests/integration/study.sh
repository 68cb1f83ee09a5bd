#!/bin/bash
# The end of the false-sharing study on a real short vmalock-layouts run
# (tests/data/configs/vmalock-layouts-small.conf: configs/vmalock-layouts.conf
# with short iterations): compare sets the three layouts side by side in one
# table per client count with the sharing counts beside the rates, and its
# reading follows from the numbers.  Then the numbers are changed (the
# summary's samples of inline64 rewritten from inline128's) and the reading
# must change with them: the 128-byte pair costs, or it wins.
. "$(dirname "$0")/../lib.sh"
M=$BIN/mmscale
CFG=$(cd "$(dirname "$0")/../data/configs" && pwd)/vmalock-layouts-small.conf
echo "1..20"

"$M" run "$CFG" --results "$TMP/res" --label layouts >"$TMP/run.log" 2>&1 ||
	{ echo "Bail out! the layouts run failed: $(tail -2 "$TMP/run.log")"; exit 1; }
R=$TMP/res/layouts
NC=$(jq '[.points[].clients] | max' "$R/summary.json")
check "summary.json keeps each point's sharing counts (extra.facts)" \
	[ "$(jq '[.points[] | .extra.facts | keys] | unique' -c "$R/summary.json")" = \
	  '[["hot_shared_128","hot_shared_64","lock_shared_128","lock_shared_64"]]' ]

expect_exit 0 "compare the run's layouts" "$M" compare "$R"
cp "$TMP/out" "$TMP/one.txt"
tr '\n' ' ' <"$TMP/one.txt" | tr -s ' ' >"$TMP/one.flat"	# the reading is wrapped
check "no table per layout (one run: the layouts are side by side)" \
	[ "$(grep -cE '^vmalock mode=threads layout=' "$TMP/one.txt")" = 0 ]
ntab=$(grep -cE '^vmalock mode=threads: each layout side by side, [0-9]+ clients?$' "$TMP/one.txt")
check "one table per client count ($ntab)" \
	[ "$ntab" = "$(jq '[.points[].clients] | unique | length' "$R/summary.json")" ]
sed -n "/^vmalock mode=threads: each layout side by side, $NC clients\$/,/^\$/p" "$TMP/one.txt" >"$TMP/top.txt"
check "... its columns: separate, inline64, inline128" \
	[ "$(sed -n 2p "$TMP/top.txt" | xargs)" = "separate inline64 inline128" ]
# the counts vmalock.sh derives by hand for 192-byte objects at 2 clients
row() { awk -v k="$1" '$1 == k { $1 = ""; print }' "$TMP/top.txt" | xargs; }
if [ "$NC" = 2 ]; then
	check "sharing counts at 2 clients beside the rates: lock_shared_64 2 0 0, hot_shared_128 0 1 0" \
		[ "$(row lock_shared_64)/$(row hot_shared_128)/$(row hot_shared_64)" = "2 0 0/0 1 0/0 0 0" ]
else
	check "sharing counts at $NC clients beside the rates" [ -n "$(row lock_shared_64)" ]
fi
check "rows: each metric's mean and CoeffVar, vs separate and vs inline128" \
	[ "$(grep -cE '^(Hmean|CoeffVar) ops/(sec|cpu) ' "$TMP/top.txt"),$(grep -cE '^  vs (separate|inline128) ' "$TMP/top.txt")" = "4,4" ]
check "a reading" grep -q '^Reading: At ' "$TMP/one.txt"

# consistent: the reading's claims are the JSON's numbers
"$M" compare "$R" --format json >"$TMP/one.json"
# judge JSON: winner (max of the reading's metric at the top table), the
# pair's change against inline128 and whether it is significant
judge() {
	jq -r --arg m "$2" '.studies[0] as $s | ($s.tables | last) as $t |
		($t.metrics[] | select(.metric == $m)) as $x |
		($s.columns | map(.value)) as $v |
		($x.cells | to_entries | max_by(.value.value) | $v[.key]) as $win |
		($x.changes[] | select(.name == "vs inline128") | .cells[$v | index("inline64")]) as $p |
		"\($win) \(if $p.significant and $p.change_pct < 0 then "costs" elif $p.significant then "faster" else "nothing measurable" end)"' "$1"
}
metric=$(grep -oE 'Reading: At [0-9]+ clients? [a-z0-9]+ leads in [^ ]+' "$TMP/one.flat" | awk '{print $NF}')
want=$(judge "$TMP/one.json" "$metric")
got=$(jq -r '.studies[0].findings | "\(.winner) \(.pair_cost)"' "$TMP/one.json")
check "reading of $metric follows the numbers: winner and the pair's cost '$got' (from the cells: '$want')" \
	[ "$got" = "$want" -a -n "$metric" ]
check "... and says so in words" grep -q "$NC clients\? ${want%% *} leads in $metric" "$TMP/one.flat"
check "... inline64 is the layout that shares only a pair, inline128 the one that shares nothing" \
	[ "$(jq -r '.studies[0] | "\(.findings.pair_only) \(.clean)"' "$TMP/one.json")" = "inline64 inline128" ]
check "... prefetch was no axis: nothing concluded about it" \
	bash -c "grep -q 'prefetch was not an axis of this run' '$TMP/one.flat' && [ \"\$(jq '.studies[0].findings.toggle_changes_pair_cost' '$TMP/one.json')\" = null ]"
grep -q 'At 1 client nothing can be shared' "$TMP/one.flat" &&
	ok "... at 1 client: nothing can be shared, not false sharing" ||
	fail "no 1-client sentence: $(grep -A3 '^Reading' "$TMP/one.txt")"

# ---- flip the numbers: inline64's samples at NC clients set from inline128's ----
# flip FACTOR NAME: a copy of the run where inline64 = inline128 * FACTOR
flip() {
	mkdir -p "$TMP/res/$2"
	cp -r "$R/meta.json" "$R/config.conf" "$TMP/res/$2/"
	jq --argjson f "$1" --argjson nc "$NC" --arg l "$2" '
		def lay: (.axes[] | select(.key == "layout") | .value);
		(.points | map(select(lay == "inline128" and .clients == $nc)) | first | .metrics) as $m |
		.points |= map(if lay == "inline64" and .clients == $nc then
			.metrics |= with_entries(.value.values = ($m[.key].values | map(. * $f))) else . end)
		| .label = $l' "$R/summary.json" >"$TMP/res/$2/summary.json"
	jq --arg l "$2" '.label = $l' "$R/meta.json" >"$TMP/res/$2/meta.json"
	"$M" compare "$TMP/res/$2" >"$TMP/$2.txt"
	"$M" compare "$TMP/res/$2" --format json >"$TMP/$2.json"
}
flip 0.5 slow64
check "inline64 at 50% of inline128: the pair costs ($(jq -r '.studies[0].findings | "\(.winner), \(.pair_cost)"' "$TMP/slow64.json"))" \
	[ "$(jq -r '.studies[0].findings.pair_cost' "$TMP/slow64.json")" = costs ]
check "... in words: the 128-byte pair costs 50.00% here" \
	bash -c "tr '\n' ' ' <'$TMP/slow64.txt' | tr -s ' ' | grep -q 'the 128-byte pair costs 50.00% here'"
flip 2 fast64
check "inline64 at 200% of inline128: inline64 wins, the pair costs nothing" \
	[ "$(jq -r '.studies[0].findings | "\(.winner) \(.pair_cost)"' "$TMP/fast64.json")" = "inline64 faster" ]
check "... in words: inline64 leads, the pair costs nothing here" \
	bash -c "tr '\n' ' ' <'$TMP/fast64.txt' | tr -s ' ' | grep -q 'clients\? inline64 leads in' && tr '\n' ' ' <'$TMP/fast64.txt' | tr -s ' ' | grep -q 'the pair costs nothing here'"
check "the flipped readings differ from each other and from the run's" \
	[ "$(md5sum <"$TMP/slow64.txt")" != "$(md5sum <"$TMP/fast64.txt")" ]

# the same study in markdown and in the HTML report
"$M" compare "$R" --format markdown >"$TMP/one.md"
check "markdown: a table per client count with the counts, and the reading" \
	[ "$(grep -c '^### vmalock mode=threads: each layout side by side' "$TMP/one.md"),$(grep -c '^| lock\\_shared\\_64 |' "$TMP/one.md"),$(grep -c '^\*\*Reading.\*\*' "$TMP/one.md")" = "$ntab,$ntab,1" ]
if command -v gnuplot >/dev/null; then
	"$M" plot "$R" --report "$TMP/rep" >/dev/null 2>&1
	check "HTML report: the study's tables with the counts, the reading, one picture per metric with all layouts" \
		[ "$(grep -c '<table class="cmp study"' "$TMP/rep/index.html"),$(grep -c '<p class="reading">' "$TMP/rep/index.html"),$(grep -c "title 'layout=" "$TMP/rep/vmalock-mode-threads.ops-sec.gp")" = "$ntab,1,3" ]
else
	skip "HTML report of the study" "gnuplot not installed"
fi
[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
