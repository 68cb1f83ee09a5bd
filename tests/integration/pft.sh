#!/bin/bash
# pft on this machine: fault counts, rates, placement, noise, THP, bad input.
. "$(dirname "$0")/../lib.sh"
PFT=$BIN/pft
NCPU=$(nproc)

# 64 MiB of base pages = 16384 faults, in every mode and client count.
for mode in t n; do
	for c in 1 2; do
		[ "$c" -gt "$NCPU" ] && { skip "pft -$mode $c" "only $NCPU CPUs"; continue; }
		$PFT -m 64M -$mode $c -i 3 -w 1 >"$TMP/pft.jsonl" 2>"$TMP/err"
		rc=$?
		name="pft -$mode $c -m 64M"
		check "$name exits 0 ($rc)" [ $rc = 0 ]
		check "$name prints 1 warm-up + 3 iterations" \
			[ "$(jq -s 'map(select(.warmup)) | length' "$TMP/pft.jsonl"),$(jq -s 'map(select(.warmup|not)) | length' "$TMP/pft.jsonl")" = "1,3" ]
		bad=$(jq -c 'select(.warmup|not) | select(.minflt < 16384*0.99 or .minflt > 16384*1.01 or .pages != 16384) | .minflt' "$TMP/pft.jsonl")
		check "$name: measured minflt within 1% of 16384 ($(jq -s -c 'map(.minflt)' "$TMP/pft.jsonl"))" [ -z "$bad" ]
		# rates positive and equal to pages over the measured wall and CPU time
		incons=$(jq -c 'select(.warmup|not) |
			(.clients_detail | map(.user_ns + .sys_ns) | add) as $cpu |
			select(.valid != true or .rate_sec <= 0 or .rate_cpu <= 0 or
			       ((.rate_sec - .pages / (.wall_ns / 1e9)) | fabs) > .rate_sec * 1e-6 or
			       ((.rate_cpu - .pages / ($cpu / 1e9)) | fabs) > .rate_cpu * 1e-6) | .iteration' "$TMP/pft.jsonl")
		check "$name: rates positive and consistent with measured times" [ -z "$incons" ]
		pinned=$(jq -c 'select(.clients_detail | map(.cpu != .cpu_planned or .migrated) | any) | .iteration' "$TMP/pft.jsonl")
		check "$name: every client ran on the CPU it was pinned to" [ -z "$pinned" ]
		want=$(seq -s, 0 $((c - 1)))
		check "$name: CPU list is [$want]" [ "$(jq -c -s 'map(.cpus) | unique | .[0] | join(",")' "$TMP/pft.jsonl" | tr -d '"')" = "$want" ]
	done
done

# THP: far fewer faults when huge pages can be used
thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
if [ "$thp" = madvise ] || [ "$thp" = always ]; then
	$PFT -m 64M -t 2 -i 1 -w 1 --pages thp >"$TMP/thp.jsonl"
	f=$(jq -s 'map(select(.warmup|not)) | .[0].minflt' "$TMP/thp.jsonl")
	check "pft --pages thp takes under 100 faults for 64 MiB ($f, THP $thp)" [ "$f" -lt 100 ]
else
	skip "pft --pages thp" "THP is '${thp:-absent}' on this machine"
	expect_exit 4 "pft --pages thp refused when THP is off" $PFT -m 64M --pages thp
fi

# mTHP: --pages mthp:SIZE sets the size's sysfs switch for the run, faults
# one folio per fault, and puts the switch back, also after SIGINT
MTHP=/sys/kernel/mm/transparent_hugepage
mthp64() { cat $MTHP/hugepages-64kB/enabled; }
sigint_pft() {	# run CMD... until its first line, SIGINT it; its exit code
	rm -f "$TMP/mthp-int.jsonl"
	"$@" -i 100000 -w 0 >"$TMP/mthp-int.jsonl" 2>"$TMP/mthp-int.err" &
	local pid=$! t=0
	while [ ! -s "$TMP/mthp-int.jsonl" ] && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
	kill -INT $pid
	wait $pid
}
if [ -d $MTHP/hugepages-64kB ] && is_root && [ -w $MTHP/hugepages-64kB/enabled ]; then
	was=$(mthp64)
	out=$($PFT -m 64M -i 1 -w 0 --pages mthp:64K)
	check "mthp:64K: 64 MiB takes 1024 faults within 1% ($(jq -r '"minflt \(.minflt), expected \(.expected_faults); 64 kB folios allocated \(.mthp_fault_alloc), fallbacks \(.mthp_fault_fallback) (system-wide)"' <<<"$out"))" \
		[ "$(jq '.valid and .expected_faults == 1024 and .minflt >= 1014 and .minflt <= 1034' <<<"$out")" = true ]
	check "mthp:64K: the 64 kB switch is back after the run ($(mthp64))" [ "$(mthp64)" = "$was" ]
	sigint_pft $PFT -m 64M --pages mthp:64K
	rc=$?
	check "mthp:64K: SIGINT exits 130 ($rc) with the switch back ($(mthp64))" [ $rc = 130 -a "$(mthp64)" = "$was" ]
else
	skip "pft --pages mthp:64K faults and restore" "needs root and $MTHP/hugepages-64kB (mTHP, kernel 6.8+)"
	is_root || expect_exit 4 "mthp:64K without root: unavailable" $PFT -m 16M -i 1 -w 0 --pages mthp:64K
fi
# the same restore on a fake sysfs tree, which any user can write
F=$TMP/fake-thp
mkdir -p $F/thp/hugepages-64kB $F/thp/hugepages-128kB $F/state
echo "always [madvise] never" >$F/thp/enabled
echo "always inherit madvise [never]" >$F/thp/hugepages-64kB/enabled
echo "[always] inherit madvise never" >$F/thp/hugepages-128kB/enabled
sigint_pft env MMSCALE_THP_DIR=$F/thp MMSCALE_STATE_DIR=$F/state $PFT -m 4M --pages mthp:64K
rc=$?
check "mthp:64K on a fake tree: SIGINT exits 130 ($rc); 64 kB back to never ($(cat $F/thp/hugepages-64kB/enabled)), 128 kB (always, would apply too) back to always ($(cat $F/thp/hugepages-128kB/enabled)); stderr: $(head -c 300 $TMP/mthp-int.err); $(head -c 200 $TMP/mthp-int.jsonl)" \
	[ $rc = 130 -a "$(cat $F/thp/hugepages-64kB/enabled)" = never -a "$(cat $F/thp/hugepages-128kB/enabled)" = always ]
# sizes the kernel lacks: exit 4 naming the size; a malformed size: exit 2
expect_exit 4 "mthp:4096K: no such mTHP size" $PFT -m 16M --pages mthp:4096K
grep -q "no 4096 kB mTHP size" "$TMP/err" && ok "message names the size: $(cat "$TMP/err")" || fail "message: $(cat "$TMP/err")"
expect_exit 2 "mthp:48K: not a power of two" $PFT -m 16M --pages mthp:48K
expect_exit 2 "mthp:64K with --backing shmem" $PFT -m 16M --pages mthp:64K --backing shmem

# noise threads in the same mm, reported apart from the fault clients
$PFT -m 256M -t 1 -i 1 -w 0 --mmap-noise 1 >"$TMP/noise.jsonl"
check "--mmap-noise 1: noise ops > 0 ($(jq .noise_ops "$TMP/noise.jsonl"))" [ "$(jq '.noise_ops > 0 and (.noise_tids|length) == 1' "$TMP/noise.jsonl")" = true ]
check "--mmap-noise 1: client faults still counted apart (minflt $(jq .minflt "$TMP/noise.jsonl"))" \
	[ "$(jq '.minflt >= 65536*0.99 and .minflt <= 65536*1.01' "$TMP/noise.jsonl")" = true ]

# other layouts and backings run and fault every page (64 MiB: CPU time is
# tick-accounted here, and a shorter storm can measure zero CPU)
for args in "--layout per-client -t 2" "--backing shmem" "--backing file-private" "--touch cacheline" "--touch bzero" "-n 2 --layout per-client"; do
	if [ "${MMSCALE_SAN:-0}" = 1 ] && [ "$args" = "--touch bzero" ]; then
		# ASan's memset interceptor reads the shadow of the range: 2048 more faults
		skip "pft $args: faults = pages" "make SAN=1: ASan's memset faults its shadow pages in"
		continue
	fi
	out=$($PFT -m 64M $args -i 1 -w 0 2>&1)
	check "pft $args: valid, $(jq -r '"minflt \(.minflt), pages \(.pages)"' <<<"$out")" \
		[ "$(jq '.valid and .minflt >= .pages * 0.99' <<<"$out" 2>/dev/null)" = true ]
done
# shared file mappings may map a whole large folio per fault: fewer faults
out=$($PFT -m 64M --backing file-shared -i 1 -w 0 2>&1)
check "pft --backing file-shared: valid, $(jq -r '"minflt \(.minflt) for \(.pages) pages"' <<<"$out")" \
	[ "$(jq '.valid and .minflt > 0 and .minflt <= .pages * 1.01' <<<"$out" 2>/dev/null)" = true ]

# Ctrl-C: exit 130, finished iterations printed, the temporary file gone
TMPDIR=$TMP $PFT -m 512M --backing file-shared -i 1000 -w 0 >"$TMP/int.jsonl" 2>"$TMP/int.err" &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid
rc=$?
check "SIGINT: exit 130 ($rc), $(wc -l <"$TMP/int.jsonl") iterations kept" [ $rc = 130 -a -s "$TMP/int.jsonl" ]
check "SIGINT: every kept line is whole JSON" [ "$(jq -s length "$TMP/int.jsonl" 2>/dev/null)" = "$(wc -l <"$TMP/int.jsonl")" ]
check "SIGINT: no temporary file left" [ -z "$(ls "$TMP" | grep mmscale-pft)" ]

# bad input: exit 2 naming the option, or 3 for memory
expect_exit 2 "-m 0" $PFT -m 0
grep -q -- '--size' "$TMP/err" && ok "-m 0 names --size" || fail "-m 0 message: $(cat "$TMP/err")"
expect_exit 2 "-m -5" $PFT -m -5
expect_exit 2 "-m garbage" $PFT -m 12Q
expect_exit 2 "-t 0" $PFT -t 0
expect_exit 2 "-t -1" $PFT -t -1
expect_exit 2 "unknown option" $PFT --frobnicate
grep -q -- 'frobnicate' "$TMP/err" && ok "unknown option named" || fail "unknown option message: $(cat "$TMP/err")"
expect_exit 2 "-t and -n together" $PFT -t 1 -n 1
expect_exit 2 "more clients than CPUs" $PFT -t $((NCPU + 1))
grep -q -- 'oversubscribe' "$TMP/err" && ok "too many clients suggests --oversubscribe" || fail "message: $(cat "$TMP/err")"
expect_exit 2 "--mempolicy node:7" $PFT -m 1M --mempolicy node:7
expect_exit 2 "--mmap-noise in processes mode" $PFT -n 1 --mmap-noise 1
check "... names --mmap-noise: $(cat "$TMP/err")" grep -q -- '^pft: --mmap-noise: needs threads' "$TMP/err"
expect_exit 3 "mapping larger than memory" $PFT -m 100T
# 32 MiB a client: big enough that each one's CPU time is above a tick
out=$($PFT -m $((32 * (NCPU + 1)))M -t $((NCPU + 1)) --oversubscribe -i 1 -w 0)
check "--oversubscribe runs and is recorded ($(jq -c '[.oversubscribed, .valid, .reason, .cpus]' <<<"$out"))" \
	[ "$(jq '.oversubscribed and .valid and (.cpus | length) == '$((NCPU + 1)) <<<"$out")" = true ]
check "--oversubscribe with clients that fit is not recorded as oversubscribed" \
	[ "$($PFT -m 8M -t 1 --oversubscribe -i 1 -w 0 | jq .oversubscribed)" = false ]
check "--help exits 0" $PFT --help >/dev/null

echo "1..$n"
