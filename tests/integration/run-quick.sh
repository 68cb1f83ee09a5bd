#!/bin/bash
# End to end: `mmscale run configs/quick.conf` twice with different labels,
# then compare; the results directory layout, meta.json, and the measured
# effects (faults counted in /proc/vmstat, ASLR put back).
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
cd "$(dirname "$0")/../.."
RES=$TMP/res
aslr0=$(cat /proc/sys/kernel/randomize_va_space)

for l in A B; do
	"$MM" run configs/quick.conf --label $l --results "$RES" 2>"$TMP/log.$l"; rc=$?
	check "run $l: exit 0" [ $rc = 0 ]
done
check "a plain log line per point when stderr is not a TTY" \
	[ "$(grep -c '^mmscale: p00[01] \[[12]/2\] pft mode=threads clients=[12]: ok, 10 iterations' "$TMP/log.A")" = 2 ]
check "ASLR is back to $aslr0 after the run" [ "$(cat /proc/sys/kernel/randomize_va_space)" = "$aslr0" ]
if is_root && [ "$aslr0" != 0 ]; then
	check "ASLR was off during the run (sysctl, was $aslr0)" \
		[ "$(jq -c '[.applied.aslr.result, .applied.aslr.was, .mm.aslr]' "$RES/A/meta.json")" = \
		  "[\"set (sysctl); personality ADDR_NO_RANDOMIZE per workload\",$aslr0,\"0\"]" ]
else
	skip "ASLR off through the sysctl" "not root or ASLR already off"
fi

S=$RES/A/summary.json
check "summary: 2 ok points, clients 1 and 2 (large-stride on 2 CPUs)" \
	[ "$(jq -c '[.points[] | [.clients, .status]]' "$S")" = '[[1,"ok"],[2,"ok"]]' ]
check "summary: faults/sec and faults/cpu with 10 positive values each (warm-up excluded)" \
	[ "$(jq '[.points[].metrics | to_entries[] | select(.key == "faults/sec" or .key == "faults/cpu") | .value.values | length == 10 and all(. > 0)] | length == 4 and all' "$S")" = true ]
check "samples.jsonl: 11 lines, the first a marked warm-up" \
	[ "$(jq -s -c '[length, .[0].warmup, (map(select(.warmup)) | length)]' "$RES/A/points/p000/samples.jsonl")" = '[11,true,1]' ]
# 256 MiB of 4 KiB pages = 65536 faults per iteration, 11 iterations
check "vmstat delta: pgfault of p000 counts the 11 x 65536 faults it took" \
	[ "$(jq '.vmstat.pgfault >= 11 * 65536' "$RES/A/points/p000/point.json")" = true ]
check "each sample's minflt is within 1% of 65536 pages" \
	[ "$(jq -s 'map(.minflt >= 65536 and .minflt < 65536 * 1.01) | all' "$RES/A/points/p001/samples.jsonl")" = true ]
if [ -r /proc/slabinfo ]; then
	check "slab snapshots before/after and the delta are in point.json" \
		[ "$(jq '.slab | (.before.caches.vm_area_struct != null) and (.delta.caches.vm_area_struct.objects != null)' "$RES/A/points/p000/point.json")" = true ]
	slabgeo=".slab.vm_area_struct.objsize .slab.vm_area_struct.objperslab .slab.vm_area_struct.merged"
else	# not root: slabinfo is 0400 here; the run says so and goes on
	check "point.json: slab unavailable, with why ($(jq -c .slab "$RES/A/points/p000/point.json"))" \
		[ "$(jq '.slab | tostring | test("^unavailable: /proc/slabinfo: Permission denied")' "$RES/A/points/p000/point.json")" = true ]
	slabgeo=.unavailable.slabinfo
fi

M=$RES/A/meta.json
for f in .tool.version .git .config.path .config.text .config.hash .plan.points .kernel.release \
	 .kernel.cmdline .kernel.flags .cpu.vendor .cpu.model_name .cpu.family .cpu.model .cpu.stepping \
	 .topology.summary .topology.numa_nodes .mm.thp_enabled .mm.thp_defrag .mm.aslr \
	 .cpufreq.governor .prefetch $slabgeo .unavailable .start .end .settings.iterations; do
	jq -e "$f != null" "$M" >/dev/null || missing="${missing:-} $f"
done
check "meta.json has tool, config, plan, kernel, CPU, topology, THP/ASLR/cpufreq, prefetch, slab geometry, times${missing:+ (missing:$missing)}" [ -z "${missing:-}" ]
complete_as_run() { [ "$(jq -r .status "$M")" = complete ] && cmp -s "$RES/A/config.conf" configs/quick.conf; }
check "meta.json: status complete, config.conf is the config text as run" complete_as_run

start=$(jq -r .start "$M")
expect_exit 2 "an existing label is an error" "$MM" run configs/quick.conf --label A --results "$RES"
check "... and the run is left untouched" [ "$(jq -r .start "$M")" = "$start" ]

out=$("$MM" compare "$RES/A" "$RES/B" 2>&1); rc=$?
check "compare A B: exit 0" [ $rc = 0 ]
for r in faults/cpu-1 faults/cpu-2 faults/sec-1 faults/sec-2; do
	check "compare prints a $r row" grep -qE "^[A-Za-z]+ +$r " <<<"$out"
done
# every point says how many of its measured iterations were disturbed
check "summary.json: each point's disturbed share (iterations of its measured ones, the causes counted)" \
	[ "$(jq '[.points[] | .extra.disturbed as $d | ($d.of == (.metrics | to_entries[0].value.values | length))
		and ($d.iterations <= $d.of) and ($d.share == (if $d.of > 0 then $d.iterations / $d.of else 0 end))
		and (($d.reasons | add // 0) >= $d.iterations)] | all' "$RES/A/summary.json")" = true ]
got=$(jq -s -c '[map(select(.warmup | not)) | (map(.steal_ns) | add), (map(.nivcsw) | add), (map(.migrations) | add)]' "$RES/A/points/p000/samples.jsonl")
check "summary.json: p000's steal_ns, nivcsw and migrations are its measured samples' sums ($got)" \
	[ "$(jq -c '.points[0].extra.disturbed | [.steal_ns, .nivcsw, .migrations]' "$RES/A/summary.json")" = "$got" ]

# on a terminal: the live line (a pseudo-terminal from script(1), 120 columns)
script -qc "stty cols 120; '$MM' run tests/data/configs/pft-tiny.conf --set run.iterations=30 --label tty --results '$RES'" /dev/null \
	| tr '\r' '\n' | sed 's/\x1b\[K//g' >"$TMP/tty" 2>&1
check "tty: a bar, a percentage, the point and the warm-up marked ($(grep -am1 'warm-up' "$TMP/tty"))" \
	grep -qaE '^\[[#.]{10}\] +[0-9]+%  p000 1/2 clients=1  warm-up 1/1  elapsed 0:0[0-9]  ETA ' "$TMP/tty"
check "tty: measured iterations counted without the warm-up, the ETA and headline from the run" \
	grep -qaE '^\[[#.]{10}\] +[0-9]+%  p00[01] [12]/2 clients=[12]  iter [0-9]+/30( ±[0-9.]+%)?  elapsed [0-9:]+  ETA [0-9]+:[0-9]{2}  faults/sec [0-9.]+[kMG]?  pft mode=threads$' "$TMP/tty"
check "tty: the precision so far beside the iteration ($(grep -aEo 'iter [0-9]+/30 ±[0-9.]+%' "$TMP/tty" | tail -1))" \
	grep -qaE '  iter [0-9]+/30 ±[0-9.]+%  ' "$TMP/tty"
# columns, not bytes: the ± is two bytes (UTF-8 continuation bytes dropped)
check "tty: every live line fits the terminal's 120 columns (the lines it leaves are a log)" \
	[ "$(LC_ALL=C awk '/^\[/ { s = $0; gsub(/[\200-\277]/, "", s); if (length(s) > 119) n++ } END { print n + 0 }' "$TMP/tty")" = 0 ]
echo "1..$n"
