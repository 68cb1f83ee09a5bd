#!/bin/bash
# What a lab does to a run (issue 16): the runner killed with SIGKILL (its
# workload, forked clients included, must not survive it; --resume gives
# exactly the planned samples), a workload that ignores Ctrl-C (a second
# Ctrl-C, or the grace, stops the run within 2 s and leaves the point
# pending for --resume), an interleaved set killed mid-set (saved as it
# goes), the collector table (monitors), and small lifecycle defects.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
D=$(cd "$(dirname "$0")/../data/configs" && pwd)
RES=$TMP/res
# a machine lock and journal of our own: other runs on this machine neither
# delay these timings nor see our workloads
export MMSCALE_STATE_DIR=$TMP/state
mkdir -p "$MMSCALE_STATE_DIR"
# wait_until SECONDS COMMAND...: poll every 50 ms; false on timeout
wait_until() {
	local end=$(($(date +%s%N) + $1 * 1000000000)); shift
	while ! "$@"; do
		[ "$(date +%s%N)" -gt "$end" ] && return 1
		sleep 0.05
	done
}
ms() { echo $(($(date +%s%N) / 1000000)); }
# the workload group of a run, from its runstate.json
wl_pgid() { jq -r '.workload.pgid // empty' "$1/runstate.json" 2>/dev/null; }
# live (not zombie) members of process group $1
group_n() { ps -eo pgid=,stat= | awk -v g="${1:-0}" '$1 == g && $2 !~ /^Z/' | wc -l; }
group_gone() { [ "$(group_n "$1")" = 0 ]; }
leader_gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
running_point() { [ -e "$1/points/$2/.stdout" ] && [ -n "$(wl_pgid "$1")" ]; }
# point $2 of run $1 runs, with at least $3 processes in its group
running_n() { running_point "$1" "$2" && [ "$(group_n "$(wl_pgid "$1")")" -ge "$3" ]; }
# every point has exactly iterations + warm-up lines, each a JSON object
# with a unique global seq
samples_exact() {	# dir lines-per-point
	local p
	for p in "$1"/points/*/; do
		[ "$(wc -l <"$p/samples.jsonl")" = "$2" ] || return 1
		jq -e -s "length == $2 and all(type == \"object\")" "$p/samples.jsonl" >/dev/null || return 1
	done
	[ "$(jq -s '[.[].seq[]] | length == (unique | length)' "$1"/points/*/point.json)" = true ]
}

# -- kill -9 of the runner while a processes-mode point runs
"$MM" run "$D/lifecycle-kill.conf" --label k --results "$RES" 2>"$TMP/k.err" &
pid=$!
wait_until 10 running_n "$RES/k" p001 3
pg=$(wl_pgid "$RES/k")
check "the workload's process group is recorded in runstate.json (pgid ${pg:-none})" [ -n "$pg" ]
check "... and holds the leader and its 2 forked clients" [ "$(group_n "$pg")" -ge 3 ]
{ kill -KILL $pid; wait $pid; } 2>/dev/null
check "kill -9 of the runner: the workload leader dies with it (parent-death signal)" \
	wait_until 2 leader_gone "$pg"
"$MM" list "$RES" >"$TMP/list.out" 2>"$TMP/list.err"
check "the next command finds no workload process alive" group_gone "$pg"
check "... and warns at most once: $(head -c 200 "$TMP/list.err")" [ "$(grep -c WARNING "$TMP/list.err")" -le 1 ]
check "list: the killed run is dead, not running" grep -qE "^k +dead " "$TMP/list.out"
"$MM" show "$RES/k" >"$TMP/show.out" 2>&1
check "show: dead, the runner's pid and the line that resumes it" \
	grep -qF "status:      dead (the runner, pid $pid, was killed; resume with \`mmscale run $D/lifecycle-kill.conf --label k --results $RES --resume\`)" "$TMP/show.out"
expect_exit 2 "import of the dead run: refused" "$MM" import "$RES/k" --db "$TMP/h.db"
check "... saying it is dead and how to resume it" grep -q "the run is dead (the runner, pid $pid, was killed; resume with .*--resume" "$TMP/err"
# another kernel, host or CPU: refused, naming the field, unless --force
for f in kernel.release:kernel hostname:host cpu.model_name:CPU; do
	cp "$RES/k/meta.json" "$TMP/meta.keep"
	jq --arg p "${f%%:*}" 'setpath($p | split("."); "other")' "$TMP/meta.keep" >"$RES/k/meta.json"
	expect_exit 2 "--resume on another ${f#*:}: refused" "$MM" run "$D/lifecycle-kill.conf" --label k --results "$RES" --resume
	check "... naming the field: $(head -c 150 "$TMP/err")" grep -q "cannot resume: the ${f#*:} changed (${f%%:*} 'other', now '.*'): .*--force" "$TMP/err"
	cp "$TMP/meta.keep" "$RES/k/meta.json"
done
jq 'setpath(["kernel","release"]; "other")' "$TMP/meta.keep" >"$RES/k/meta.json"
"$MM" run "$D/lifecycle-kill.conf" --label k --results "$RES" --resume --force 2>"$TMP/k.resume"; rc=$?
check "--resume --force after kill -9 (another kernel): exit 0, complete, recorded (exit $rc)" \
	[ "$rc $(jq -r '[.status, .resumed_forced] | join(" ")' "$RES/k/meta.json")" = "0 complete true" ]
check "... exactly the planned samples: 4 per point, no stray line" samples_exact "$RES/k" 4
check "... and no runstate.json left" [ ! -e "$RES/k/runstate.json" ]

# -- a client that outlives its leader for sure (it spins for a minute):
# the next command kills it and says so once
orphan_run() {	# label: start, kill -9 while p001 runs; sets pg, alive
	"$MM" run "$D/lifecycle-orphan.conf" --label "$1" --results "$RES" 2>/dev/null &
	local pid=$!
	wait_until 10 running_n "$RES/$1" p001 2
	pg=$(wl_pgid "$RES/$1")
	{ kill -KILL $pid; wait $pid; } 2>/dev/null
	wait_until 2 leader_gone "${pg:-0}"
	alive=$(group_n "$pg")
}
orphan_run o
"$MM" list "$RES" >/dev/null 2>"$TMP/o.err"
check "kill -9: $alive client(s) outlived the runner; the next command killed them" \
	eval '[ "$alive" -ge 1 ] && group_gone "$pg"'
check "... and said so in one line: $(head -c 250 "$TMP/o.err")" \
	[ "$(grep -c "WARNING: pid [0-9]* (.*) died with its workload running: killed $alive process(es) of its workload (null p001 of " "$TMP/o.err")/$(wc -l <"$TMP/o.err")" = 1/1 ]

# -- the same where the machine journal cannot be written (a user without
# /run/mmscale): the resume itself reaps the dead runner's clients
MMSCALE_STATE_DIR=/proc/mmscale-none orphan_run o2
MMSCALE_STATE_DIR=/proc/mmscale-none "$MM" run "$D/lifecycle-orphan.conf" --label o2 --results "$RES" --resume 2>"$TMP/o2.resume"; rc=$?
check "no journal: $alive client(s) outlived the runner; --resume killed them before running" \
	grep -q "killed $alive process(es) of the workload dead runner pid [0-9]* left running" "$TMP/o2.resume"
check "... none survives, and the resumed run completes (exit $rc)" \
	eval 'group_gone "$pg" && [ "$rc $(jq -r .status "$RES/o2/meta.json")" = "0 complete" ]'

# -- a workload that ignores Ctrl-C: twice stops it, fast
"$MM" run "$D/lifecycle-hang.conf" --label h --results "$RES" 2>"$TMP/h.err" &
pid=$!
wait_until 10 running_point "$RES/h" p001
sleep 0.2
t0=$(ms)
kill -INT $pid
sleep 0.2
kill -INT $pid
wait $pid; rc=$?
t=$(($(ms) - t0))
check "Ctrl-C twice on a hung workload: exit 130 within 2 s (${t} ms)" [ "$rc" = 130 -a "$t" -lt 2000 ]
check "... the hung point is pending, the finished one ok" \
	[ "$(jq -c '[.points[].status]' "$RES/h/summary.json")" = '["ok","pending"]' ]
check "... its reason survives in stderr: $(grep -c stopping "$TMP/h.err") stopping line" grep -q "stopping: the workload finishes its iteration" "$TMP/h.err"
check "... nothing of it left running" bash -c "! pgrep -f '^$BIN/null .*--hang' >/dev/null"
"$MM" run "$D/lifecycle-hang.conf" --label h --results "$RES" --resume 2>"$TMP/h.resume"; rc=$?
check "--resume reran the pending point (watchdog ended it this time): exit $rc" \
	[ "$(jq -c '[.points[] | [.status, (.reason // "" | sub(",.*"; ""))]]' "$RES/h/summary.json")" = \
	  '[["ok",""],["failed","watchdog: still running after 2 s"]]' ]

# -- one Ctrl-C and the grace: MMSCALE_STOP_GRACE=0.5
MMSCALE_STOP_GRACE=0.5 "$MM" run "$D/lifecycle-hang.conf" --label g --results "$RES" 2>"$TMP/g.err" &
pid=$!
wait_until 10 running_point "$RES/g" p001
sleep 0.3	# in its iteration: the harness has its handlers (ASan starts slowly)
t0=$(ms)
kill -TERM $pid
wait $pid; rc=$?
t=$(($(ms) - t0))
check "one SIGTERM, MMSCALE_STOP_GRACE=0.5: exit 130 within 0.5-2 s (${t} ms)" [ "$rc" = 130 -a "$t" -ge 450 -a "$t" -lt 2000 ]
check "... the point pending" [ "$(jq -r '.points[1].status' "$RES/g/summary.json")" = pending ]
expect_exit 2 "MMSCALE_STOP_GRACE=soon: exit 2" env MMSCALE_STOP_GRACE=soon "$MM" run "$D/lifecycle-hang.conf" --label bad --results "$RES"
check "... naming the variable, nothing written" bash -c "grep -q MMSCALE_STOP_GRACE '$TMP/err' && [ ! -e '$RES/bad' ]"
# -- an interleaved set saves as it goes: SIGKILL, then SIGINT, mid-set
lines() { cat "$RES/$1"/points/p00[01]/samples.jsonl 2>/dev/null | wc -l; }
saved_n() { [ "$(lines "$1")" -ge "$2" ]; }
order() {	# the points' lines in run order: A for p000, B for p001
	for p in p000 p001; do jq -c --arg p $p '.seq[] | [., $p]' "$RES/$1/points/$p/point.json"; done |
		jq -s -r 'sort_by(.[0]) | map(.[1] | if . == "p000" then "A" else "B" end) | join("")'
}
"$MM" run "$D/lifecycle-interleave.conf" --label il --results "$RES" 2>/dev/null &
pid=$!
wait_until 20 saved_n il 5
{ kill -KILL $pid; wait $pid; } 2>/dev/null
got=$(lines il)
check "kill -9 mid-set: the iterations that ended are saved ($got lines)" [ "$got" -ge 5 ]
"$MM" run "$D/lifecycle-interleave.conf" --label il --results "$RES" --resume 2>"$TMP/il.resume"; rc=$?
check "--resume goes on: exit $rc, complete, exactly the planned samples" \
	eval '[ "$rc $(jq -r .status "$RES/il/meta.json")" = "0 complete" ] && samples_exact "$RES/il" 6'
check "... still alternating: $(order il)" [ "$(order il)" = AABBABABABAB ]
check "... one invocation per iteration, none run twice" \
	[ "$(jq -s -c 'map(.invocations)' "$RES"/il/points/p00[01]/point.json)" = '[5,5]' ]
"$MM" run "$D/lifecycle-interleave.conf" --label il2 --results "$RES" 2>/dev/null &
pid=$!
wait_until 20 saved_n il2 5
kill -INT $pid
wait $pid; rc=$?
got=$(lines il2)
"$MM" run "$D/lifecycle-interleave.conf" --label il2 --results "$RES" --resume 2>/dev/null
inv=$(jq -s 'map(.invocations) | add' "$RES"/il2/points/p00[01]/point.json)
check "Ctrl-C mid-set (exit $rc, $got lines kept): --resume reruns only the rest ($inv invocations: 10, or 11 with the interrupted one)" \
	eval '[ "$rc" = 130 ] && samples_exact "$RES/il2" 6 && [ "$inv" -le 11 ]'

# -- the collectors are a table (collect.c): `monitors` runs as one of them,
# and a point's summary extra has exactly the keys of the collectors it used
"$MM" run "$D/lifecycle-interleave.conf" --label mon --results "$RES" --set 'run.monitors=vmstat, mpstat' \
	--set run.monitor_interval=0.1 --set run.iterations=1 2>/dev/null
check "monitors = vmstat, mpstat: their time series in the point's directory" \
	[ -s "$RES/mon/points/p000/monitor-vmstat.jsonl" -a -s "$RES/mon/points/p000/monitor-mpstat.jsonl" ]
# slab's extra is its delta, which needs a readable /proc/slabinfo (root)
want='["disturbed","monitors","precision","vmstat"]'
[ -r /proc/slabinfo ] && want='["disturbed","monitors","precision","slab","vmstat"]'
check "summary extra keys follow the collectors: $(jq -c '.points[0].extra | keys' "$RES/mon/summary.json")" \
	[ "$(jq -c '[.points[].extra | keys] | unique' "$RES/mon/summary.json")" = "[$want]" ]
expect_exit 2 "monitors = vmstatt: exit 2" "$MM" run "$D/lifecycle-interleave.conf" --label mon2 --results "$RES" --set run.monitors=vmstatt

# -- a watchdog below a second is reported as it was set
"$MM" run "$D/lifecycle-hang.conf" --label wd --results "$RES" --set run.watchdog=0.001 2>/dev/null
check "watchdog = 0.001: 'after 0.001 s'" \
	[ "$(jq -r '.points[1].reason' "$RES/wd/summary.json")" = "watchdog: still running after 0.001 s, killed" ]

# -- the prefetcher on a fake Broadwell MSR tree (tests/lib.sh)
(fake_msr_tree "$TMP/fake" cpuinfo-broadwell-ep
echo '{"cpus": [' >"$F/state/prefetch.json"
"$MM" run "$D/prefetch-ab.conf" --label pf --results "$RES" >/dev/null 2>"$TMP/pf.err"; echo $? >"$TMP/pf.rc"
rm "$F/state/prefetch.json"
"$MM" prefetch off -- sleep 30 &
w=$!
wait_until 5 bash -c "pgrep -P $w -x sleep >/dev/null"
c=$(pgrep -P $w -x sleep)
{ kill -KILL $w; wait $w; } 2>/dev/null
wait_until 2 leader_gone "${c:-0}" && echo gone >"$TMP/pf.cmd"
"$MM" prefetch status >/dev/null 2>&1)
check "a corrupt prefetch journal: the prefetch run exits 1 before anything is written" \
	[ "$(cat "$TMP/pf.rc")" = 1 -a ! -e "$RES/pf" ]
check "... with one warning and one line that says nothing ran: $(tr '\n' '|' <"$TMP/pf.err" | head -c 300)" \
	[ "$(grep -c WARNING "$TMP/pf.err") $(grep -c 'nothing was run' "$TMP/pf.err")" = "1 1" ]
check "prefetch off -- CMD killed with -9: CMD does not run on" [ -e "$TMP/pf.cmd" ]

# -- a directory without meta.json is not a run to import
mkdir -p "$TMP/nometa" && cp -r "$RES/k/points" "$RES/k/summary.json" "$TMP/nometa/"
expect_exit 2 "import of a directory without meta.json: refused" "$MM" import "$TMP/nometa" --db "$TMP/h.db"
check "... naming the file" grep -q "nometa/meta.json: missing" "$TMP/err"

# -- a full disk mid-run: the run ends incomplete, meta.json says so
if ! is_root; then
	skip "full disk" "mounting a small tmpfs needs root"
elif ! mkdir -p "$TMP/small" || ! mount -t tmpfs -o size=1m tmpfs "$TMP/small" 2>/dev/null; then
	skip "full disk" "cannot mount a tmpfs here"
else
	"$MM" run "$D/lifecycle-kill.conf" --label full --results "$TMP/small" 2>"$TMP/full.err" &
	pid=$!
	wait_until 10 running_point "$TMP/small/full" p000
	dd if=/dev/zero of="$TMP/small/fill" bs=4k 2>/dev/null
	wait $pid; rc=$?
	check "disk full mid-run: exit 1, meta.json incomplete (exit $rc): $(grep -m1 -o 'No space.*' "$TMP/full.err")" \
		[ "$rc $(jq -r .status "$TMP/small/full/meta.json")" = "1 incomplete" ]
	umount "$TMP/small"
fi
echo "1..$n"
