# fork-exit at 1 client against bare-fork (fork, child _exit, waitpid in a
# loop, no harness), alternated round by round: medians of forks/sec and
# forks/cpu (children's CPU included on both sides) and their ratios
# (target >= 0.97).  Then `stress-ng --fork 1` for context.  Sourced
# environment: BIN, ROUNDS, median, paired, image_libs.
set -u
DUR=${DUR:-1}
a=/tmp/bench-fe.$$; b=/tmp/bench-febare.$$; l=/tmp/bench-felibs.$$; n=/tmp/bench-fen.$$
: >$a; : >$b; : >$l; : >$n
# the same bare loop with fork-exit's shared libraries loaded: how much of
# the gap is the process image every fork copies and every exit frees
libs=$(image_libs "$BIN/fork-exit")
"$BIN/bare-fork" 0.3 1 >/dev/null	# warm up both sides, discard
"$BIN/fork-exit" -t 1 -i 1 -w 0 -d 0.3 >/dev/null
# the harness pins its client (placement cores): pin the bare loop to the
# same CPU, or on a busy machine it alone could flee to an idle one
cpu=$("$BIN/fork-exit" -t 1 -i 1 -w 0 --dry-run | jq '.cpus[0]')
[ "$cpu" -ge 0 ] 2>/dev/null || cpu=0
for r in $(seq "$ROUNDS"); do
	"$BIN/fork-exit" -t 1 -i 1 -w 0 -d "$DUR" | jq -r '[.rate_sec, .rate_cpu] | @tsv' >>$a
	taskset -c "$cpu" "$BIN/bare-fork" "$DUR" 1 | jq -r '[.ops_sec, .ops_cpu] | @tsv' >>$b
	LD_PRELOAD=$libs taskset -c "$cpu" "$BIN/bare-fork" "$DUR" 1 | jq -r '[.ops_sec, .ops_cpu] | @tsv' >>$l
	# processes mode: the forking client is single-threaded, as the bare loop
	"$BIN/fork-exit" -n 1 -i 1 -w 0 -d "$DUR" | jq -r '[.rate_sec, .rate_cpu] | @tsv' >>$n
done
ls=$(cut -f1 $l | median); lc=$(cut -f2 $l | median)
ws=$(cut -f1 $a | median); wc=$(cut -f2 $a | median)
bs=$(cut -f1 $b | median); bc=$(cut -f2 $b | median)
awk -v ws="$ws" -v wc="$wc" -v bs="$bs" -v bc="$bc" -v d="$DUR" -v cpu="$cpu" 'BEGIN {
	printf "fork-exit -t 1       forks/sec median %9.0f   forks/cpu median %9.0f\n", ws, wc
	printf "bare-fork            forks/sec median %9.0f   forks/cpu median %9.0f\n", bs, bc
	printf "ratio fork-exit/bare: forks/sec %.3f, forks/cpu %.3f (target >= 0.97; %ss rounds, both on CPU %s)\n", ws / bs, wc / bc, d, cpu
}'
awk -v ls="$ls" -v lc="$lc" -v ws="$ws" -v wc="$wc" 'BEGIN {
	printf "bare-fork + fork-exit'"'"'s libraries forks/sec median %9.0f   forks/cpu median %9.0f   (fork-exit against it: %.3f, %.3f)\n", ls, lc, ws / ls, wc / lc
}'
echo "paired (median of the rounds' ratios): fork-exit/bare forks/sec $(paired $a $b 1), forks/cpu $(paired $a $b 2); fork-exit/bare+libraries forks/sec $(paired $a $l 1), forks/cpu $(paired $a $l 2)"
echo "fork-exit -n 1 (single-threaded forker), paired: /bare forks/sec $(paired $n $b 1), forks/cpu $(paired $n $b 2); /bare+libraries $(paired $n $l 1), $(paired $n $l 2); -t 1 / -n 1 forks/sec $(paired $a $n 1)"
rm -f $a $b $l $n
if command -v stress-ng >/dev/null; then
	stress-ng --fork 1 -t 5 --metrics-brief >/tmp/bench-sng.$$ 2>&1 &
	sleep 2
	w=$(pgrep -o -P $!)	# the fork worker (stress-ng-fork), child of stress-ng
	v=$([ -n "$w" ] && wc -l <"/proc/$w/maps" 2>/dev/null)
	fe=$("$BIN/fork-exit" -t 1 -i 1 -w 0 -d 1 >/dev/null & p=$!; sleep 0.5
	     wc -l <"/proc/$p/maps"; wait $p)
	bf=$("$BIN/bare-fork" 1 1 >/dev/null & p=$!; sleep 0.5; wc -l <"/proc/$p/maps"; wait $p)
	wait
	s=$(awk '$4 == "fork" { print $5, $9, $10 }' /tmp/bench-sng.$$)
	rm -f /tmp/bench-sng.$$
	echo "stress-ng --fork 1 (5 s): bogo ops $(cut -d' ' -f1 <<<"$s"), bogo ops/s $(cut -d' ' -f2 <<<"$s") real, $(cut -d' ' -f3 <<<"$s") usr+sys"
	echo "  (its loop: fork, child _exit(0), then the parent setpgid()s, SIGKILLs and waits for the"
	echo "   child; the forking process is all of stress-ng, ${v:-?} VMAs, against $fe for fork-exit and"
	echo "   $bf for bare-fork (each fork copies every VMA); its usr+sys rate leaves the children's CPU out)"
else
	echo "stress-ng: unavailable: not installed (Debian package stress-ng)"
fi
