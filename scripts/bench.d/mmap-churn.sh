# mmap-churn map-unmap at 1 client (-t 1 and -n 1) against bare-mmap-unmap
# (mmap(NULL) and munmap of one page in a loop, static, no harness), pinned
# to the same CPU and alternated round by round: paired medians of ops/sec
# and ops/cpu (target >= 0.97) with their spread, and each mm's VMA count.
# Then `stress-ng --mmap 1` for context.  Sourced environment: BIN, ROUNDS,
# median, paired_spread.
set -u
DUR=${DUR:-1}
a=/tmp/bench-mc.$$; b=/tmp/bench-mcbare.$$; n=/tmp/bench-mcn.$$
: >$a; : >$b; : >$n
"$BIN/bare-mmap-unmap" 1 0.3 1 >/dev/null	# warm up both sides, discard
"$BIN/mmap-churn" -t 1 -i 1 -w 0 -d 0.3 >/dev/null
cpu=$("$BIN/mmap-churn" -t 1 -i 1 -w 0 --dry-run | jq '.cpus[0]')
[ "$cpu" -ge 0 ] 2>/dev/null || cpu=0
side_t() { "$BIN/mmap-churn" -t 1 -i 1 -w 0 -d "$DUR" | jq -r '[.rate_sec, .rate_cpu, .churner_vmas, .churn_vma[0]] | @tsv' >>$a; }
side_b() { taskset -c "$cpu" "$BIN/bare-mmap-unmap" 1 "$DUR" 1 | jq -r '[.ops_sec, .ops_cpu, .vmas, .churn_vma] | @tsv' >>$b; }
side_n() { "$BIN/mmap-churn" -n 1 -i 1 -w 0 -d "$DUR" | jq -r '[.rate_sec, .rate_cpu, .churner_vmas, .churn_vma[0]] | @tsv' >>$n; }
# the order reversed every other round (as fork-exit.sh)
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then side_t; side_b; side_n; else side_n; side_b; side_t; fi
done
printf 'mmap-churn -t 1 ops/sec median %9.0f, -n 1 %9.0f, bare-mmap-unmap %9.0f (%ss rounds, CPU %s)\n' \
	"$(cut -f1 $a | median)" "$(cut -f1 $n | median)" "$(cut -f1 $b | median)" "$DUR" "$cpu"
# the same syscalls; the maple tree each op walks and updates holds every
# VMA of the churning mm: the image's, held to the bare loop's
echo "mm: mmap-churn -t 1 $(cut -f3 $a | sort -u | paste -sd/) VMAs, -n 1 $(cut -f3 $n | sort -u | paste -sd/), bare $(cut -f3 $b | sort -u | paste -sd/); each region a VMA of its own: $(cut -f4 $a | sort -u | tr '\n' ' ')/ $(cut -f4 $b | sort -u | tr '\n' ' ')"
echo "paired mmap-churn -t 1/bare ops/sec: $(paired_spread $a $b 1); ops/cpu: $(paired_spread $a $b 2)"
echo "paired mmap-churn -n 1/bare ops/sec: $(paired_spread $n $b 1); ops/cpu: $(paired_spread $n $b 2)"
echo "(target >= 0.97)"
rm -f $a $b $n
if command -v stress-ng >/dev/null; then
	s=$(stress-ng --mmap 1 -t 5 --metrics-brief 2>&1 | awk '$4 == "mmap" { print $5, $9, $10 }')
	echo "stress-ng --mmap 1 (5 s): bogo ops $(cut -d' ' -f1 <<<"$s"), bogo ops/s $(cut -d' ' -f2 <<<"$s") real, $(cut -d' ' -f3 <<<"$s") usr+sys"
	echo "  (not comparable per op: one stress-ng mmap bogo op maps a 256 MiB region, faults and checks"
	echo "   every page, then munmaps it piece by piece; it prices page faults and big munmaps, not VMA creation)"
else
	echo "stress-ng: unavailable: not installed (Debian package stress-ng)"
fi
