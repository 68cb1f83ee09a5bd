#!/bin/bash
# perf integration through `mmscale run` with `perf = stat`: real pft points
# record non-zero page-faults and task-clock; under mmap-noise 1 the noise
# thread's mmap_lock acquisitions are non-zero and reported apart from the
# fault clients' acquisitions per 1000 faults.  What this machine lacks
# (hardware events, perf c2c, vma_lock_* in /proc/vmstat) is recorded as
# unavailable, and the point still runs.
. "$(dirname "$0")/../lib.sh"
M=$BIN/mmscale
CONF=$(cd "$(dirname "$0")/../.." && pwd)/configs/quick.conf
echo "1..13"

why=""
command -v perf >/dev/null || why="perf not installed (apt-get install linux-perf)"
[ -z "$why" ] && ! perf stat -x, -e mmap_lock:mmap_lock_start_locking true >/dev/null 2>&1 &&
	why="tracepoint mmap_lock:mmap_lock_start_locking not usable here (root or perf_event_paranoid)"
if [ -n "$why" ]; then
	for i in $(seq 1 13); do skip "perf" "$why"; done
	exit 0
fi

# quick.conf with perf and a noise thread; 64M per iteration = 16384 faults
mkconf() {	# mkconf PERF NOISE
	sed -e "s/^watchdog = .*/&\nperf = $1/" -e "s/^size = .*/size = 64M\nmmap-noise = $2/" "$CONF"
}
jqe() { jq -e "$@" >/dev/null; }	# jq as a test: true or false, quietly
mkconf stat 1 >"$TMP/noise.conf"
mkconf stat 0 >"$TMP/quiet.conf"
mkconf c2c 0 >"$TMP/c2c.conf"
expect_exit 0 "run with perf = stat and mmap-noise 1" \
	"$M" run "$TMP/noise.conf" --results "$TMP/res" --label noise --iterations 3
S=$TMP/res/noise/summary.json
jq -c '.points[] | {clients, perf: .extra.perf.threads}' "$S" | sed 's/^/# /'

pages=$((64 * 1024 * 1024 / $(getconf PAGESIZE)))
per_point=$((pages * 4))	# 1 warm-up + 3 iterations under one perf
check "page-faults >= $per_point and task-clock > 0 at every point" \
	jqe --argjson w "$per_point" '[.points[] | .extra.perf.counters |
		(.["page-faults"].value >= $w and .["task-clock"].value > 0)] | all and length == 2' "$S"
check "noise: one thread per iteration, mmap_lock acquisitions > 0" \
	jqe '[.points[].extra.perf.threads.noise | (.threads == 4 and .mmap_lock > 0)] | all' "$S"
# (unless perf lost samples under load, which the point then says)
check "clients: perf saw their faults (within the sampling period)" \
	jqe --argjson w "$per_point" '[.points[] | .extra.perf | .threads.clients.page_faults
		>= $w - 16 * 8 or (.threads_incomplete | type) == "string"] | all' "$S"
check "clients' mmap_lock per 1000 faults counts the clients' acquisitions only" \
	jqe '[.points[].extra.perf | .threads.clients as $c |
		(.mmap_lock_per_1000_faults - $c.mmap_lock * 1000 / $c.page_faults | fabs) < 1e-9
		and (.threads.noise.mmap_lock > $c.mmap_lock)] | all' "$S"
if { zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null; } |
	grep -qx CONFIG_PER_VMA_LOCK=y; then
	check "per-VMA locks: clients stay near 0 acquisitions per 1000 faults under noise" \
		jqe '[.points[].extra.perf.mmap_lock_per_1000_faults < 50] | all' "$S"
else
	skip "per-VMA lock figure" "kernel config not readable or without CONFIG_PER_VMA_LOCK"
fi

if perf stat -x, -e cycles true 2>&1 | grep -q '<not supported>'; then
	check "no PMU: hardware events recorded unavailable" jqe '[.points[].extra.perf.counters |
		(.cycles, .instructions, .["cache-misses"], .["LLC-loads"]) | startswith("unavailable:")] | all' "$S"
else
	check "PMU: cycles counted" jqe '[.points[].extra.perf.counters.cycles.value > 0] | all' "$S"
fi
if grep -q '^vma_lock_' /proc/vmstat; then
	check "vma_lock_* deltas recorded" jqe '[.points[].extra.perf.vma_lock_vmstat | type == "object"] | all' "$S"
else
	check "vma_lock_* absent from /proc/vmstat: recorded unavailable" \
		jqe '[.points[].extra.perf.vma_lock_vmstat | startswith("unavailable:")] | all' "$S"
fi
check "perf's own files kept in the point directory" \
	test -s "$TMP/res/noise/points/p001/perf-stat.csv" -a -s "$TMP/res/noise/points/p001/perf-threads.txt"

expect_exit 0 "run with perf = stat, no noise" \
	"$M" run "$TMP/quiet.conf" --results "$TMP/res" --label quiet --iterations 3
check "no noise threads: no noise group, the clients' figure still there" \
	jqe '[.points[].extra.perf | (.threads.noise == null and (.mmap_lock_per_1000_faults | type) == "number")] | all' \
	"$TMP/res/quiet/summary.json"

expect_exit 0 "run with perf = c2c" "$M" run "$TMP/c2c.conf" --results "$TMP/res" --label c2c --iterations 3
if perf c2c record -o "$TMP/c2c.data" -- true >/dev/null 2>&1; then
	check "c2c recorded" jq -e '[.points[] | .status == "ok" and (.extra.perf.c2c | startswith("perf-c2c.data"))] | all' \
		"$TMP/res/c2c/summary.json"
else
	check "c2c unsupported here: points ok, c2c says why" \
		jqe '[.points[] | .status == "ok" and (.extra.perf.c2c | startswith("unavailable: perf c2c record"))] | all' \
		"$TMP/res/c2c/summary.json"
fi
rm -rf "$TMP"
