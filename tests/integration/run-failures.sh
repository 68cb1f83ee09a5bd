#!/bin/bash
# The sweep survives its workloads: a crashing and a hanging point are
# marked failed and the run completes; SIGINT leaves a resumable run whose
# finished points --resume keeps; interleaved axes really alternate.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
D=$(cd "$(dirname "$0")/../data/configs" && pwd)
RES=$TMP/res
aslr0=$(cat /proc/sys/kernel/randomize_va_space)

# -- a crash (null --crash: SIGSEGV) and a hang past a 1 s watchdog
"$MM" run "$D/null-fail.conf" --label f --results "$RES" --db "$TMP/h.db" 2>"$TMP/log"; rc=$?
check "run with a crashing and a hanging point: exit 0" [ $rc = 0 ]
check "the run is complete" [ "$(jq -r .status "$RES/f/meta.json")" = complete ]
check "crash point failed with the signal, hang point failed by the watchdog, the others ok" \
	[ "$(jq -c '[.points[] | [.status, (.reason // "" | sub(" \\(.*"; ""))]]' "$RES/f/summary.json")" = \
	  '[["ok",""],["failed","killed by signal 11"],["failed","watchdog: still running after 1 s, killed"],["ok",""],["ok",""]]' ]
check "--db: the finished run was imported into the history" \
	grep -qE '^[0-9-]+ [0-9:]+ +f +.* complete' <<<"$("$MM" history --db "$TMP/h.db" 2>&1)"
check "no workload process (nor forked client) is left behind" [ -z "$(pgrep -f "$BIN/null" || true)" ]

# -- SIGINT after the first point, then --resume
"$MM" run "$D/null-sweep.conf" --label i --results "$RES" 2>"$TMP/log.i" &
pid=$!
for _ in $(seq 100); do
	[ "$(jq -r .status "$RES/i/points/p000/point.json" 2>/dev/null)" = ok ] && break
	sleep 0.1
done
kill -INT $pid
wait $pid; rc=$?
check "SIGINT mid-run: exit 130" [ $rc = 130 ]
check "meta.json says incomplete" [ "$(jq -r .status "$RES/i/meta.json")" = incomplete ]
first=$(jq -r '.points[0].status' "$RES/i/summary.json")
check "the finished point is kept (ok, 3 values), the rest pending" \
	[ "$(jq -c '[.points[] | [.status, (.metrics["ops/sec"].values // [] | length)]] | [.[0], (.[1:] | map(.[0]) | unique)]' "$RES/i/summary.json")" = '[["ok",3],["pending"]]' ]
sum0=$(md5sum <"$RES/i/points/p000/samples.jsonl")
check "ASLR is put back after the interrupt" [ "$(cat /proc/sys/kernel/randomize_va_space)" = "$aslr0" ]
"$MM" run "$D/null-sweep.conf" --label i --results "$RES" --resume 2>"$TMP/log.r"; rc=$?
check "--resume: exit 0, complete, all 4 points ok" \
	[ "$rc $(jq -r .status "$RES/i/meta.json") $(jq -c '[.points[].status] | unique' "$RES/i/summary.json")" = '0 complete ["ok"]' ]
check "--resume reran only the unfinished points" grep -q "1 of 4 points already finished" "$TMP/log.r"
check "the finished point's samples are untouched" [ "$(md5sum <"$RES/i/points/p000/samples.jsonl")" = "$sum0" ]
expect_exit 0 "--resume of a complete run is a no-op" "$MM" run "$D/null-sweep.conf" --label i --results "$RES" --resume

# -- interleaving: hang=0 (A) and hang=20 (B) of one client count alternate
"$MM" run "$D/null-interleave.conf" --label il --results "$RES" 2>/dev/null
order=$(for p in p000 p002; do
	jq -c --arg p $p '.seq[] | [., $p]' "$RES/il/points/$p/point.json"
done | jq -s -r 'sort_by(.[0]) | map(.[1] | if . == "p000" then "A" else "B" end) | join("")')
check "samples run A A(warm-up) B B(warm-up) then A B A B: got $order" [ "$order" = AABBABAB ]
check "interleaved points ran one invocation per iteration" \
	[ "$(jq -s -c 'map(.invocations)' "$RES"/il/points/p00[02]/point.json)" = '[3,3]' ]
echo "1..$n"
