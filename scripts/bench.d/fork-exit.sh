# fork-exit at 1 client (-t 1 and -n 1) against bare-fork (fork, child
# _exit, waitpid in a loop, static, no harness), pinned to the same CPU and
# alternated round by round: paired medians of forks/sec and forks/cpu
# (children's CPU included on both sides; target >= 0.97) with their
# spread, and the VMA count of each forking mm.  Then `stress-ng --fork 1`
# for context.  Sourced environment: BIN, ROUNDS, median, paired_spread.
set -u
DUR=${DUR:-1}
a=/tmp/bench-fe.$$; b=/tmp/bench-febare.$$; n=/tmp/bench-fen.$$
: >$a; : >$b; : >$n
"$BIN/bare-fork" 0.3 1 >/dev/null	# warm up both sides, discard
"$BIN/fork-exit" -t 1 -i 1 -w 0 -d 0.3 >/dev/null
# the harness pins its client (placement cores): pin the bare loop to the
# same CPU, or on a busy machine it alone could flee to an idle one
cpu=$("$BIN/fork-exit" -t 1 -i 1 -w 0 --dry-run | jq '.cpus[0]')
[ "$cpu" -ge 0 ] 2>/dev/null || cpu=0
side_t() { "$BIN/fork-exit" -t 1 -i 1 -w 0 -d "$DUR" | jq -r '[.rate_sec, .rate_cpu, .forker_vmas] | @tsv' >>$a; }
side_b() { taskset -c "$cpu" "$BIN/bare-fork" "$DUR" 1 | jq -r '[.ops_sec, .ops_cpu, .vmas] | @tsv' >>$b; }
side_n() { "$BIN/fork-exit" -n 1 -i 1 -w 0 -d "$DUR" | jq -r '[.rate_sec, .rate_cpu, .forker_vmas] | @tsv' >>$n; }
# the order reversed every other round: a drift of the machine's load
# within a round then favours each side as often as the other
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then side_t; side_b; side_n; else side_n; side_b; side_t; fi
done
printf 'fork-exit -t 1 forks/sec median %6.0f, -n 1 %6.0f, bare-fork %6.0f (%ss rounds, CPU %s)\n' \
	"$(cut -f1 $a | median)" "$(cut -f1 $n | median)" "$(cut -f1 $b | median)" "$DUR" "$cpu"
echo "forking mm: fork-exit -t 1 $(cut -f3 $a | sort -u | paste -sd/) VMAs, -n 1 $(cut -f3 $n | sort -u | paste -sd/), bare-fork $(cut -f3 $b | sort -u | paste -sd/)"
echo "paired fork-exit -t 1/bare forks/sec: $(paired_spread $a $b 1); forks/cpu: $(paired_spread $a $b 2)"
echo "paired fork-exit -n 1/bare forks/sec: $(paired_spread $n $b 1); forks/cpu: $(paired_spread $n $b 2)"
echo "(target >= 0.97)"
rm -f $a $b $n
if command -v stress-ng >/dev/null; then
	s=$(stress-ng --fork 1 -t 5 --metrics-brief 2>&1 | awk '$4 == "fork" { print $5, $9, $10 }')
	echo "stress-ng --fork 1 (5 s): bogo ops $(cut -d' ' -f1 <<<"$s"), bogo ops/s $(cut -d' ' -f2 <<<"$s") real, $(cut -d' ' -f3 <<<"$s") usr+sys"
	echo "  (its loop: fork, child _exit(0), then the parent setpgid()s, SIGKILLs and waits for the"
	echo "   child, from all of stress-ng's mm; its usr+sys rate leaves the children's CPU out)"
else
	echo "stress-ng: unavailable: not installed (Debian package stress-ng)"
fi
