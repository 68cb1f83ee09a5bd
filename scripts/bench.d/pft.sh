# pft -t 1 against bare-fault, pinned to the same CPU and alternated round
# by round: the paired median of faults/sec (target >= 0.98) with its
# spread, and the user-time share of CPU time of each (target: within one
# point).  Sourced environment: BIN, ROUNDS, median, paired_spread.
SIZE=256
a=/tmp/bench-pft.$$; b=/tmp/bench-bare.$$
: >$a; : >$b
cpu=$("$BIN/pft" -t 1 --dry-run | jq '.cpus[0]')
[ "$cpu" -ge 0 ] 2>/dev/null || cpu=0
# the first touches of memory on this VM are several times slower (freed
# memory goes back to the host): warm up both sides first, discard
taskset -c "$cpu" "$BIN/bare-fault" $SIZE 3 >/dev/null
"$BIN/pft" -m ${SIZE}M -t 1 -i 3 -w 0 >/dev/null
side_p() {
	"$BIN/pft" -m ${SIZE}M -t 1 -i 1 -w 0 |
		jq -r '[.rate_sec, (.clients_detail[0] | .user_ns / (.user_ns + .sys_ns))] | @tsv' >>$a
}
side_b() { taskset -c "$cpu" "$BIN/bare-fault" $SIZE 1 | jq -r '[.faults_sec, .user_share] | @tsv' >>$b; }
# the order reversed every other round (as fork-exit.sh)
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then side_p; side_b; else side_b; side_p; fi
done
p=$(cut -f1 $a | median); q=$(cut -f1 $b | median)
pu=$(cut -f2 $a | median); bu=$(cut -f2 $b | median)
awk -v s=$SIZE -v p="$p" -v b="$q" -v pu="$pu" -v bu="$bu" -v cpu="$cpu" 'BEGIN {
	printf "pft -t 1 -m %sM   faults/sec median %12.0f   user share %5.1f%%\n", s, p, pu * 100
	printf "bare-fault %sM    faults/sec median %12.0f   user share %5.1f%%   (both on CPU %s)\n", s, b, bu * 100, cpu
	printf "user share difference: %+.1f points (target within 1)\n", (pu - bu) * 100
}'
echo "paired pft/bare faults/sec: $(paired_spread $a $b 1) (target >= 0.98)"
rm -f $a $b
