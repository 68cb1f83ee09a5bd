# mmap-churn map-unmap at 1 client against bare-mmap-unmap (mmap(NULL) and
# munmap of one page in a loop, no harness), alternated round by round:
# medians of ops/sec and ops/cpu and their ratios (target >= 0.97).  Then
# `stress-ng --mmap 1` for context.  Sourced environment: BIN, ROUNDS,
# median, paired, image_libs.
set -u
DUR=${DUR:-1}
a=/tmp/bench-mc.$$; b=/tmp/bench-mcbare.$$; l=/tmp/bench-mclibs.$$; n=/tmp/bench-mcn.$$
: >$a; : >$b; : >$l; : >$n
# the same bare loop with mmap-churn's shared libraries loaded: how much of
# the gap is the mm each mmap(NULL) searches and each op updates
libs=$(image_libs "$BIN/mmap-churn")
"$BIN/bare-mmap-unmap" 1 0.3 1 >/dev/null	# warm up both sides, discard
"$BIN/mmap-churn" -t 1 -i 1 -w 0 -d 0.3 >/dev/null
# the harness pins its client (placement cores): pin the bare loop to the
# same CPU, or on a busy machine it alone could flee to an idle one
cpu=$("$BIN/mmap-churn" -t 1 -i 1 -w 0 --dry-run | jq '.cpus[0]')
[ "$cpu" -ge 0 ] 2>/dev/null || cpu=0
for r in $(seq "$ROUNDS"); do
	"$BIN/mmap-churn" -t 1 -i 1 -w 0 -d "$DUR" | jq -r '[.rate_sec, .rate_cpu, .vmas_live[0], .churn_vma[0]] | @tsv' >>$a
	taskset -c "$cpu" "$BIN/bare-mmap-unmap" 1 "$DUR" 1 | jq -r '[.ops_sec, .ops_cpu, .vmas, .churn_vma] | @tsv' >>$b
	LD_PRELOAD=$libs taskset -c "$cpu" "$BIN/bare-mmap-unmap" 1 "$DUR" 1 |
		jq -r '[.ops_sec, .ops_cpu, .vmas] | @tsv' >>$l
	# processes mode: the client's mm has one thread, as the bare loop's
	"$BIN/mmap-churn" -n 1 -i 1 -w 0 -d "$DUR" | jq -r '[.rate_sec, .rate_cpu] | @tsv' >>$n
done
ls=$(cut -f1 $l | median); lc=$(cut -f2 $l | median)
ws=$(cut -f1 $a | median); wc=$(cut -f2 $a | median)
bs=$(cut -f1 $b | median); bc=$(cut -f2 $b | median)
awk -v ws="$ws" -v wc="$wc" -v bs="$bs" -v bc="$bc" -v d="$DUR" -v cpu="$cpu" 'BEGIN {
	printf "mmap-churn -t 1 (map-unmap, 1 page)  ops/sec median %10.0f   ops/cpu median %10.0f\n", ws, wc
	printf "bare-mmap-unmap 1 page              ops/sec median %10.0f   ops/cpu median %10.0f\n", bs, bc
	printf "ratio mmap-churn/bare: ops/sec %.3f, ops/cpu %.3f (target >= 0.97; %ss rounds, both on CPU %s)\n", ws / bs, wc / bc, d, cpu
}'
echo "paired (median of the rounds' ratios): mmap-churn/bare ops/sec $(paired $a $b 1), ops/cpu $(paired $a $b 2); mmap-churn/bare+libraries ops/sec $(paired $a $l 1), ops/cpu $(paired $a $l 2)"
echo "mmap-churn -n 1 (a single-threaded mm), paired: /bare ops/sec $(paired $n $b 1), ops/cpu $(paired $n $b 2); /bare+libraries $(paired $n $l 1), $(paired $n $l 2); -t 1 / -n 1 ops/sec $(paired $a $n 1)"
# the same syscalls, but not the same mm: the maple tree each op walks and
# updates holds every VMA of the process (the harness's libraries included)
echo "mm: $(cut -f3 $a | sort -u | head -1) VMAs in mmap-churn's, $(cut -f3 $b | sort -u | head -1) in bare's; each region a VMA of its own: $(cut -f4 $a | sort -u | tr '\n' ' ')/ $(cut -f4 $b | sort -u | tr '\n' ' ')"
awk -v ls="$ls" -v lc="$lc" -v ws="$ws" -v wc="$wc" -v v="$(cut -f3 $l | sort -u | head -1)" 'BEGIN {
	printf "bare-mmap-unmap + mmap-churn'"'"'s libraries (%s VMAs) ops/sec median %10.0f   ops/cpu median %10.0f   (mmap-churn against it: %.3f, %.3f)\n", v, ls, lc, ws / ls, wc / lc
}'
rm -f $a $b $l $n
if command -v stress-ng >/dev/null; then
	s=$(stress-ng --mmap 1 -t 5 --metrics-brief 2>&1 | awk '$4 == "mmap" { print $5, $9, $10 }')
	echo "stress-ng --mmap 1 (5 s): bogo ops $(cut -d' ' -f1 <<<"$s"), bogo ops/s $(cut -d' ' -f2 <<<"$s") real, $(cut -d' ' -f3 <<<"$s") usr+sys"
	echo "  (not comparable per op: one stress-ng mmap bogo op maps a 256 MiB region, faults and checks"
	echo "   every page, then munmaps it piece by piece; it prices page faults and big munmaps, not VMA creation)"
else
	echo "stress-ng: unavailable: not installed (Debian package stress-ng)"
fi
