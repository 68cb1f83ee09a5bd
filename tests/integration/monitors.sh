#!/bin/bash
# [run] monitors: vmstat and mpstat sample at monitor_interval while each
# point runs (a time series in the point's directory, one line per sample),
# their summary goes to point.json and summary.json, and compare --monitors
# prints a Monitor row per counter that moved.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
D=$(cd "$(dirname "$0")/../data/configs" && pwd)
RES=$TMP/res

for r in a b; do
	expect_exit 0 "run monitors.conf ($r)" "$MM" run "$D/monitors.conf" --label $r --results "$RES"
done
P=$RES/a/points
for p in p000 p001; do
	nv=$(wc -l <"$P/$p/monitor-vmstat.jsonl")
	m=$(wc -l <"$P/$p/monitor-mpstat.jsonl")
	secs=$(jq .monitors.vmstat.seconds "$P/$p/point.json")
	# a sample at the start, one per interval, one at the end
	want=$(awk -v s="$secs" 'BEGIN { printf "%d", s / 0.1 + 2 }')
	check "$p: $nv vmstat and $m mpstat samples over $secs s at 0.1 s (want $want +- 1)" \
		awk -v n="$nv" -v m="$m" -v w="$want" 'BEGIN { exit !(n >= w - 1 && n <= w + 1 && m == n) }'
	check "$p: point.json counts the samples it wrote" \
		[ "$(jq .monitors.vmstat.samples "$P/$p/point.json")" = "$nv" ]
	check "$p: the samples are 0.1 s apart (median step)" \
		bash -c "jq .t '$P/$p/monitor-vmstat.jsonl' | awk 'NR > 1 { print \$1 - prev } { prev = \$1 }' |
			sort -g | awk '{ v[NR] = \$1 } END { m = v[int((NR + 1) / 2)]; exit !(m > 0.08 && m < 0.14) }'"
	check "$p: pgfault moved by at least the mapping's 4096 pages" \
		[ "$(jq '.monitors.vmstat.delta.pgfault' "$P/$p/point.json")" -ge 4096 ]
done
check "summary.json carries the monitors per point" \
	[ "$(jq '[.points[].extra.monitors | keys] | unique' -c "$RES/a/summary.json")" = '[["mpstat","vmstat"]]' ]

"$MM" compare "$RES/a" "$RES/b" --monitors >"$TMP/cmp" 2>/dev/null
check "compare --monitors: a Monitor row of pgfault per client count" \
	[ "$(grep -cE '^Monitor +vmstat pgfault-[12] +[0-9]+ ' "$TMP/cmp")" = 2 ]
check "compare --monitors: the CPUs' busy share" grep -qE '^Monitor +mpstat busy%-1 ' "$TMP/cmp"
check "compare without --monitors has no Monitor row" \
	bash -c "! '$MM' compare '$RES/a' '$RES/b' 2>/dev/null | grep -q '^Monitor'"
"$MM" compare "$RES/a" "$RES/b" --monitors --format json >"$TMP/cmp.json" 2>/dev/null
check "... and in JSON" bash -c "grep -q 'vmstat pgfault' '$TMP/cmp.json'"

# a monitor that is no monitor: the config's line, exit 2, no run
sed 's/^monitors = .*/monitors = vmstat, vmstta/' "$D/monitors.conf" >"$TMP/bad.conf"
expect_exit 2 "monitors = vmstta" "$MM" run "$TMP/bad.conf" --label bad --results "$RES"
check "... names the line and the monitor ($(head -1 "$TMP/err"))" grep -q "bad.conf:9: .*'vmstta' is not a monitor" "$TMP/err"
check "... and starts no run" [ ! -e "$RES/bad" ]
echo "1..$n"
