#!/bin/bash
# vmalock on this machine: the line-sharing counts each layout implies
# (derived by hand below), the false-sharing slowdown of the 2023 layout
# against 128-byte aligned inline locks, the writer, bad input.
. "$(dirname "$0")/../lib.sh"
VL=$BIN/vmalock
NCPU=$(nproc)

# counts CLIENTS "ARGS": hot_shared_64 hot_shared_128 lock_shared_64 lock_shared_128 stride
counts() {
	local c=$1; shift
	$VL -t "$c" $( [ "$c" -gt "$NCPU" ] && echo --oversubscribe) -i 1 -w 0 -d 0.05 "$@" |
		jq -r '"\(.hot_shared_64) \(.hot_shared_128) \(.lock_shared_64) \(.lock_shared_128) \(.layout.stride)"'
}
expect_counts() {	# "want" clients args...
	local want=$1 c=$2 got; shift 2
	got=$(counts "$c" "$@")
	check "$c clients $*: hot64 hot128 lock64 lock128 stride = $want (got $got)" [ "$got" = "$want" ]
}

# Hot fields are bytes 0-23 of an object; the arenas start page aligned.
# separate, 40 packed: locks at 0 and 40 -> one line, one pair; the objects
#   live in another arena, so no hot line carries a lock.
expect_counts "0 0 2 2 40" 2 --objsize 40 --align packed --lock separate
# four clients: locks at 0,40,80,120 -> lines 0,0,1,1 (each has a partner),
#   all in pair 0.
expect_counts "0 0 4 4 40" 4 --objsize 40 --align packed --lock separate
# inline, 192 aligned 128: stride 256, lock at 128: objects 0-255 and
#   256-511 never share a line or a pair.
expect_counts "0 0 0 0 256" 2 --objsize 192 --align 128 --lock inline
# inline, 192 aligned 64: stride 192, locks at 128 and 320 (pairs 1, 2);
#   client 1's hot bytes 192-215 are in pair 1 (128-255) with client 0's
#   lock, in different lines (3 and 2): the adjacent-line prefetcher case.
expect_counts "0 1 0 0 192" 2 --objsize 192 --align 64 --lock inline
# 176 aligned 64 pads to the same stride 192: the same counts.
expect_counts "0 1 0 0 192" 2 --objsize 176 --align 64 --lock inline
# four of those: objects at 0,192,384,576, locks at 128,320,512,704 (pairs
#   1,2,4,5), hot pairs 0,1,3,4: clients 1 and 3 share a pair with a lock.
expect_counts "0 2 0 0 192" 4 --objsize 192 --align 64 --lock inline
# 256 aligned 64 (the 2024 cacheline-aligned lock): pairs 2i hot, 2i+1 lock.
expect_counts "0 0 0 0 256" 2 --objsize 256 --align 64 --lock inline
# inline, 40 packed: lock at 24 (no room for a line of its own), objects at
#   0 and 40: client 1's hot bytes 40-63 share line 0 with client 0's lock
#   (24); lock 1 at 64 is line 1, so the locks share only pair 0.
expect_counts "1 2 0 2 40" 2 --objsize 40 --align packed --lock inline
# inline, 160 packed: locks at 128 and 288 (lines 2, 4; pairs 1, 2); client
#   1's hot bytes 160-183 are in line 2 and pair 1 with client 0's lock.
expect_counts "1 1 0 0 160" 2 --objsize 160 --align packed --lock inline
out=$($VL -t 1 -i 1 -w 0 -d 0.05 --objsize 100 --align 64 --lock-offset 96)
check "--lock-offset 96 is used and reported ($(jq -c .layout <<<"$out"))" \
	[ "$(jq '.layout.lock_offset == 96 and .layout.stride == 128 and .valid' <<<"$out")" = true ]

# ---- the false-sharing effect, measured -------------------------------------
# A = the 2023 layout (40-byte lock objects packed: both lock words in one
# line), B = 192-byte objects 128-aligned with the lock inside (nothing
# shared).  Alternated A B A B so drift hits both; ops per CPU-second, which
# other load on the machine distorts far less than ops per wall second.
if [ "$NCPU" -ge 2 ]; then
	med() { jq -s "map(.$2) | sort | .[2]" "$1"; }
	steal() { awk '$1 == "cpu" { print $9 }' /proc/stat; }
	# one attempt: 5 A B pairs; sets ratio, wratio, par, st
	measure() {
		local r st0
		: >"$TMP/a"; : >"$TMP/b"
		st0=$(steal)
		for r in 1 2 3 4 5; do
			$VL -t 2 -i 1 -w 0 -d 0.3 --objsize 40 --align packed --lock separate >>"$TMP/a"
			$VL -t 2 -i 1 -w 0 -d 0.3 --objsize 192 --align 128 --lock inline >>"$TMP/b"
		done
		st=$(( $(steal) - st0 ))
		ratio=$(jq -n --argjson a "$(med "$TMP/a" rate_cpu)" --argjson b "$(med "$TMP/b" rate_cpu)" '$b / $a * 1000 | round / 1000')
		wratio=$(jq -n --argjson a "$(med "$TMP/a" rate_sec)" --argjson b "$(med "$TMP/b" rate_sec)" '$b / $a * 1000 | round / 1000')
		# false sharing needs both clients on CPU at once: how much they
		# were (CPU seconds per wall second, 2.0 = always) decides if it can show
		par=$(jq -s 'map((.clients_detail | map(.user_ns + .sys_ns) | add) / .wall_ns) | sort | .[length / 2 | floor] * 100 | round / 100' "$TMP/a" "$TMP/b")
	}
	# A guest's two vCPUs can sit on one host core for a while (SMT
	# siblings, or time-shared): then no line crosses a cache and the
	# layouts tie.  Up to 3 attempts, seconds apart; every one is reported.
	tries=""
	for attempt in 1 2 3; do
		measure
		echo "# vmalock 2 clients, attempt $attempt: 128-aligned inline / packed 40-byte separate: ops/cpu x$ratio, ops/sec x$wratio (medians of 5; clients ran concurrently x$par; host steal $st ticks)"
		tries="$tries x$ratio"
		[ "$(jq -n "$ratio > 1.25 or $par < 1.5")" = true ] && break
		sleep 3
	done
	check "all 10 runs valid, clients pinned to CPUs 0 and 1" \
		[ "$(jq -s 'map(.valid and .cpus == [0,1] and (.clients_detail | map(.migrated | not) | all)) | all' "$TMP/a" "$TMP/b")" = true ]
	if [ "$(jq -n "$ratio > 1.25 or $par >= 1.5")" = true ]; then
		check "packed 40-byte separate locks slower than 128-aligned inline: ops/cpu ratio $ratio > 1.25 (attempts:$tries)" \
			[ "$(jq -n "$ratio > 1.25")" = true ]
	else
		skip "false-sharing ratio $ratio" "machine busy: the 2 clients shared the CPUs (x$par concurrent, need 1.5)"
	fi
else
	skip "false-sharing ratio" "needs 2 CPUs, have $NCPU"
fi

# ---- the writer ------------------------------------------------------------
out=$($VL -t 1 -i 1 -w 0 -d 0.5 --writer-rate 1000)
check "--writer-rate 1000: $(jq -r '"\(.writer_ops) writes, \(.writer_ops_sec|floor)/sec, \(.read_fallbacks) read fallbacks"' <<<"$out")" \
	[ "$(jq '.valid and .writer_ops_sec > 500 and .writer_ops_sec < 1100 and (.read_fallbacks | type) == "number"' <<<"$out")" = true ]
out=$($VL -t 1 -i 1 -w 0 -d 0.05)
check "no writer: no writer fields, zero fallbacks" [ "$(jq '.writer_ops == null and .read_fallbacks == 0' <<<"$out")" = true ]
out=$($VL -n 2 -i 1 -w 0 -d 0.1 --objsize 40 --align packed --lock separate 2>&1)
check "processes mode: valid, shared arena, same counts ($(jq -c '[.lock_shared_64, .rate_cpu]' <<<"$out" 2>/dev/null))" \
	[ "$(jq '.valid and .lock_shared_64 == 2 and .work > 0' <<<"$out" 2>/dev/null)" = true ]

# ---- bad input -------------------------------------------------------------
expect_exit 2 "--objsize 24 leaves no room for an inline lock" $VL -t 1 --objsize 24
grep -q -- '--objsize' "$TMP/err" && ok "names --objsize" || fail "message: $(cat "$TMP/err")"
expect_exit 2 "--objsize 16 below the hot fields" $VL -t 1 --objsize 16
expect_exit 2 "--lock-offset with --lock separate" $VL -t 1 --lock separate --lock-offset 64
expect_exit 2 "--lock-offset 30: not a multiple of 4" $VL -t 1 --lock-offset 30
expect_exit 2 "--lock-offset past the object" $VL -t 1 --objsize 64 --lock-offset 64
expect_exit 2 "--align 32" $VL -t 1 --align 32
expect_exit 2 "--writer-rate in processes mode" $VL -n 1 --writer-rate 10

echo "1..$n"
