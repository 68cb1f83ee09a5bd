#!/bin/bash
# The harness itself, through the null workload: barrier, timing, placement,
# failures, plans on synthetic topologies.
. "$(dirname "$0")/../lib.sh"
NULLW=$BIN/null

out=$($NULLW -t 2 -d 0.2 -i 2 -w 1)
check "null: 3 lines, 1 warm-up" [ "$(jq -s 'length, (map(select(.warmup))|length)' <<<"$out" | tr '\n' ,)" = "3,1," ]
check "null: every client counted ops and started within 50 ms of each other" \
	[ "$(jq -s 'map(.clients_detail | (map(.ops > 0) | all) and (map(.start_ns) | max) < 50e6) | all' <<<"$out")" = true ]
check "null: wall span close to --duration" [ "$(jq -s 'map(.wall_ns > 0.19e9 and .wall_ns < 0.4e9) | all' <<<"$out")" = true ]
check "null: tids are distinct threads" [ "$(jq -s 'map(.clients_detail | map(.tid) | unique | length == 2) | all' <<<"$out")" = true ]

# skew fields: recomputed from the clients' own timestamps (start_ns and
# end_ns are relative to the earliest start), in both modes
skew_ok='.start_skew_ns == (.clients_detail | map(.start_ns) | max)
	and .end_skew_ns == (.clients_detail | (map(.end_ns) | max) - (map(.end_ns) | min))
	and .wall_ns == (.clients_detail | map(.end_ns) | max)'
rate_ok='.clients_detail | map(.rate_sec as $r | ($r - .ops * 1e9 / (.end_ns - .start_ns)) | fabs <= 1e-6 * $r) | all'
# disturbed is there in every line, true exactly when there are reasons, and
# the start-skew reason fires exactly when the skew is over 1% of the span
dist_ok='(.disturbed == (.disturbed_reasons | length > 0))
	and ((.disturbed_reasons | map(startswith("start skew")) | any) == (.start_skew_ns * 100 > .wall_ns))'
for m in -t -n; do
	out=$($NULLW $m 2 -d 0.05 -i 4 -w 0)
	check "null $m 2: start_skew_ns, end_skew_ns and wall_ns agree with the clients' timestamps" \
		[ "$(jq -s "map($skew_ok) | all" <<<"$out")" = true ]
	check "null $m 2: each client's rate_sec is its ops over its own span" \
		[ "$(jq -s "map($rate_ok) | all" <<<"$out")" = true ]
	check "null $m 2: disturbed and its start-skew reason follow the 1% rule" \
		[ "$(jq -s "map($dist_ok) | all" <<<"$out")" = true ]
done
out=$($NULLW -t 1 -d 0.02 -i 1 -w 0)
check "null -t 1: no skew, no start-skew reason" [ "$(jq -c '[.start_skew_ns, .end_skew_ns, (.disturbed_reasons | map(startswith("start skew")) | any)]' <<<"$out")" = '[0,0,false]' ]

# noise per iteration: a CPU burner pinned beside a pinned client takes its
# CPU every few milliseconds; the involuntary switches and the disturbed
# share rise (steal and migrations are in every line too)
cpu=$($NULLW -t 1 -d 0.01 -i 1 -w 0 | jq '.clients_detail[0].cpu_planned')
quiet=$($NULLW -t 1 -d 0.2 -i 5 -w 0)
taskset -c "$cpu" sh -c 'while :; do :; done' &
burner=$!
busy=$($NULLW -t 1 -d 0.2 -i 5 -w 0)
kill $burner; wait $burner 2>/dev/null
share() { jq -s 'map(select(.disturbed_reasons | map(startswith("involuntary")) | any)) | length' <<<"$1"; }
nsw() { jq -s -c 'map(.nivcsw)' <<<"$1"; }
check "noise fields in every line: nivcsw, migrations, steal_ns, per client nivcsw" \
	[ "$(jq -s 'map(has("nivcsw") and has("migrations") and has("steal_ns") and (.clients_detail[0] | has("nivcsw"))) | all' <<<"$busy$quiet")" = true ]
check "a burner on CPU $cpu: disturbed by switches $(share "$busy")/5 (switches $(nsw "$busy")) against $(share "$quiet")/5 alone ($(nsw "$quiet"))" \
	[ "$(share "$busy")" -ge 4 -a "$(share "$busy")" -gt "$(share "$quiet")" ]

# CPU frequency: neither this guest nor the emulated 56-CPU one has cpufreq,
# so the probe says why and no line carries cpu_khz; a tree of
# scaling_cur_freq files (MMSCALE_SYSFS_CPU) stands in for one that has
out=$($NULLW -t 2 -d 0.02 -i 1 -w 0)
if [ -r /sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq ]; then
	check "cpufreq here: cpu_freq ok, a kHz per client" \
		[ "$(jq -c '[.probe.cpu_freq, (.cpu_khz | length)]' <<<"$out")" = '["ok",2]' ]
else
	check "no cpufreq here: the probe says why, no cpu_khz ($(jq -r .probe.cpu_freq <<<"$out"))" \
		[ "$(jq -c '[(.probe.cpu_freq | startswith("unavailable: no cpufreq: /sys/devices/system/cpu/cpu")), has("cpu_khz")]' <<<"$out")" = '[true,false]' ]
fi
F=$TMP/sysfs-cpu
for c in 0 1; do mkdir -p "$F/cpu$c/cpufreq"; done
echo 2100000 >"$F/cpu0/cpufreq/scaling_cur_freq"
echo 2050000 >"$F/cpu1/cpufreq/scaling_cur_freq"
out=$(MMSCALE_SYSFS_CPU=$F $NULLW -t 2 -d 0.02 -i 2 -w 0)
check "cpufreq tree: cpu_freq ok, each client's kHz, not disturbed by 2.4% apart" \
	[ "$(jq -s -c 'map([.probe.cpu_freq, .cpu_khz, (.disturbed_reasons | map(startswith("cpu frequency")) | any)]) | unique' <<<"$out")" = '[["ok",[2100000,2050000],false]]' ]
echo 1800000 >"$F/cpu1/cpufreq/scaling_cur_freq"
out=$(MMSCALE_SYSFS_CPU=$F $NULLW -n 2 -d 0.02 -i 1 -w 0)
check "cpufreq tree, 1.8 against 2.1 GHz (-n 2): disturbed, the reason gives both" \
	[ "$(jq -r '.disturbed_reasons[] | select(startswith("cpu frequency"))' <<<"$out")" = "cpu frequency 1.80-2.10 GHz: 14.3% apart on the clients' CPUs (limit 10%)" ]
out=$(MMSCALE_SYSFS_CPU=$F $NULLW -t 2 -d 0.02 -i 1 -w 0 --placement none)
check "unpinned clients: no CPU to read ($(jq -r .probe.cpu_freq <<<"$out"))" \
	[ "$(jq -r .probe.cpu_freq <<<"$out")" = "unavailable: clients not pinned" ]

out=$($NULLW -n 2 -d 0.1 -i 1 -w 0)
check "null -n 2: valid, pinned to 0,1" [ "$(jq -c '[.valid, .mode, .cpus]' <<<"$out")" = '[true,"processes",[0,1]]' ]
out=$($NULLW -t 2 -d 0.1 -i 1 -w 0 --placement none)
check "--placement none: unpinned (cpu_planned -1)" [ "$(jq '.clients_detail | map(.cpu_planned == -1) | all' <<<"$out")" = true ]

out=$($NULLW -n 2 -d 0.1 -i 1 -w 0 --crash 2>/dev/null)
check "a crashing client process marks the iteration invalid with the signal" \
	[ "$(jq -r '"\(.valid) \(.reason)"' <<<"$out")" = "false client 0 killed by signal 11 (Segmentation fault)" ]

plan=$($NULLW --dry-run --topology "pack:2 core:14 pu:2" -t 56 --oversubscribe --placement spread)
check "dry-run on 56 synthetic PUs: spread starts 0,28,2,30" [ "$(jq -c '.cpus[:4]' <<<"$plan")" = "[0,28,2,30]" ]
expect_exit 2 "--topology without --dry-run" $NULLW --topology "pack:2 core:2"
expect_exit 2 "bad synthetic topology" $NULLW --dry-run --topology "pack:x"
check "--list-options is JSON naming harness and workload options" \
	[ "$($NULLW --list-options | jq '[.harness[].name, .options[].name] | index("iterations") != null and index("crash") != null')" = true ]
echo "1..$n"
