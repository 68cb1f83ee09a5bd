#!/bin/bash
# mmap-churn on this machine: exact vm_area_struct slab deltas for 10000
# VMAs, the live VMA count and the churning mm's against the bare loop's,
# split-merge seen in /proc/self/maps, bad input.
. "$(dirname "$0")/../lib.sh"
MC=$BIN/mmap-churn
NCPU=$(nproc)
TAG=mmscale-mc-$$	# marks every process this test starts (stray check)
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'; }

# the default op, both modes: valid, rates equal to ops over measured times,
# and the churned region a VMA of its own.  The churning mm is the static
# image's (never sanitized), so this holds under make SAN=1 too; and it is
# within 3 VMAs of the static bare loop's (the anchor page on both sides).
bare=$($BIN/bare-mmap-unmap 1 0.05 1 | jq .vmas)
for mode in t n; do
	out=$($MC -$mode 1 -i 2 -w 0 -d 0.2 2>&1)
	bad=$(jq -c '(.clients_detail | map(.user_ns + .sys_ns) | add) as $cpu |
		select(.valid != true or .work <= 0 or .metric != "ops" or .churn_vma != ["new"] or
		       ((.rate_sec - .work / (.wall_ns / 1e9)) | fabs) > .rate_sec * 1e-6 or
		       ((.rate_cpu - .work / ($cpu / 1e9)) | fabs) > .rate_cpu * 1e-6) | .iteration' <<<"$out" 2>&1)
	check "map-unmap -$mode 1: valid, ops/sec $(jq -s -c 'map(.rate_sec | floor)' <<<"$out"), rates = ops / measured times, each region a VMA of its own" [ -z "$bad" ]
	v=$(jq -s '.[0].churner_vmas' <<<"$out" 2>/dev/null)
	check "-$mode 1: the churning mm holds $v VMAs, within 3 of bare-mmap-unmap's $bare (vmas_live $(jq -s -c 'map(.vmas_live[0])' <<<"$out"))" \
		awk -v b="$bare" -v v="$v" 'BEGIN { d = v - b; exit !(b > 0 && v != "" && d <= 3 && d >= -3) }'
done

# --vmas: N more VMAs means N more lines in the image's /proc/self/maps
v1=$($MC -i 1 -w 0 -d 0.05 --vmas 1000 | jq '.vmas_live[0]')
v2=$($MC -i 1 -w 0 -d 0.05 --vmas 2000 | jq '.vmas_live[0]')
check "--vmas 2000 against 1000: /proc/self/maps has 1000 more VMAs ($v1 -> $v2)" [ $((v2 - v1)) = 1000 ]
if [ "$NCPU" -ge 2 ]; then
	t1=$($MC -t 2 -i 1 -w 0 -d 0.05 --vmas 1 --op mprotect | jq '.vmas_live[0]')
	out=$($MC -t 2 -i 1 -w 0 -d 0.05 --vmas 501 --op mprotect)
	check "-t 2 --vmas 501 against 1: one mm holds both clients' 500 more ($t1 -> $(jq -c .vmas_live <<<"$out"))" \
		[ "$(jq "[.vmas_live[] | . - $t1 == 1000] | all" <<<"$out")" = true ]
	out=$($MC -n 2 -i 1 -w 0 -d 0.05 --vmas 500 --op mprotect)
	check "-n 2 --vmas 500: each mm holds its own ($(jq -c .vmas_live <<<"$out"))" \
		[ "$(jq '.valid and ([.vmas_live[] | . >= 500 and . < 1000] | all)' <<<"$out")" = true ]
else
	skip "-t 2 / -n 2 --vmas" "only $NCPU CPU"
fi

# 10000 VMAs: the vm_area_struct delta across setup is within 1% of 10000
# and teardown brings it back within 1%, shrinking before each read (root).
# The counts are system-wide and other work on this machine moves them:
# medians over "quiet" iterations, where no mm_struct came or went in
# either window (no process started or exited elsewhere meanwhile).
if is_root && [ -r /proc/slabinfo ] && [ -d /sys/kernel/slab/vm_area_struct ]; then
	: >"$TMP/slab.jsonl"
	for batch in 1 2 3; do
		$MC --vmas 10000 --slab -t 1 -i 9 -w 0 -d 0.02 >>"$TMP/slab.jsonl" 2>"$TMP/err"
		quiet=$(jq -c 'select(.slab.setup_delta.caches.mm_struct.objects == 0 and
				      .slab.teardown_delta.caches.mm_struct.objects == 0)' "$TMP/slab.jsonl")
		[ "$(grep -c . <<<"$quiet")" -ge 5 ] && break
	done
	check "--vmas 10000 --slab: every snapshot exact by shrink" \
		[ "$(jq -s 'map(.slab.setup_delta.exact and .slab.teardown_delta.exact and .slab.setup_delta.how == "shrink") | all' "$TMP/slab.jsonl")" = true ]
	nq=$(grep -c . <<<"$quiet"); nall=$(wc -l <"$TMP/slab.jsonl")
	setup=$(jq '.slab.setup_delta.caches.vm_area_struct.objects' <<<"$quiet")
	tear=$(jq '.slab.teardown_delta.caches.vm_area_struct.objects' <<<"$quiet")
	ms=$(median <<<"$setup"); mt=$(median <<<"$tear")
	check "vm_area_struct delta across setup within 1% of 10000 (median $ms of $nq quiet of $nall: $(echo $setup))" \
		eval '[ "$nq" -ge 3 ] && in_range "$ms" 9900 10100'
	check "teardown brings it back within 1% (median $mt: $(echo $tear))" \
		eval '[ "$nq" -ge 3 ] && in_range "$mt" -100 100'
	echo "# all iterations (setup, teardown, mm_struct): $(jq -c '[.slab.setup_delta.caches.vm_area_struct.objects, .slab.teardown_delta.caches.vm_area_struct.objects, .slab.setup_delta.caches.mm_struct.objects]' "$TMP/slab.jsonl" | tr '\n' ' ')"
	geo=$(jq -s -r '.[0].slab.before.caches.vm_area_struct | "objsize \(.objsize), \(.objperslab)/slab, \(.pagesperslab) page(s), merged \(.merged), \(.pages_per_1000) pages per 1000"' "$TMP/slab.jsonl")
	check "vm_area_struct geometry reported ($geo)" [ "$(jq -s '.[0].slab.before.caches.vm_area_struct.objsize > 0' "$TMP/slab.jsonl")" = true ]
else
	skip "--vmas 10000 --slab exact deltas" "needs root, /proc/slabinfo and SLUB sysfs"
fi

# split-merge: the region splits into 3 VMAs and merges back; after the
# run (always an even number of ops) the count equals the count before
for args in "-t 1" "-n 1 --vmas 100"; do
	out=$($MC --op split-merge --check-maps $args -i 1 -w 0 -d 0.1)
	m=$(jq -c '.maps_check[0]' <<<"$out")
	check "split-merge $args: maps $(jq -r '"\(.after_setup) -> split \(.after_split) -> merge \(.after_merge), after \(.ops) ops \(.after_run)"' <<<"$m")" \
		[ "$(jq '.after_split == .after_setup + 2 and .after_merge == .after_setup and
			 .after_run == .after_setup and .ops > 0 and .ops % 2 == 0' <<<"$m")" = true ]
done

# bad input: exit 2 (usage) or 3 (resource), a message naming the option
max=$(cat /proc/sys/vm/max_map_count)
bad_input() {	# want, option named, args...
	local want=$1 name=$2; shift 2
	expect_exit "$want" "mmap-churn $*" env MMSCALE_TEST_TAG=$TAG $MC -i 1 -w 0 -d 0.05 "$@"
	grep -q -- "$name" "$TMP/err" && ok "message names $name: $(head -1 "$TMP/err")" ||
		fail "message for $* does not name $name: $(cat "$TMP/err")"
}
bad_input 3 --vmas --vmas $((max + 1))
bad_input 3 --vmas -t 1 --vmas $((max - 10))
bad_input 2 --vmas --vmas -1
bad_input 2 --pages --pages -4
bad_input 2 --op --op frobnicate
bad_input 2 --touch --op mprotect --touch 1
bad_input 2 --pages --op split-merge --pages 2
sleep 0.2
strays=$(grep -l "MMSCALE_TEST_TAG=$TAG" /proc/[0-9]*/environ 2>/dev/null | grep -v "^/proc/$$/")
check "no stray processes left by bad input (process table)" [ -z "$strays" ]
echo "1..$n"
