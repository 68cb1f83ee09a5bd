# pft -t 1 against bare-fault: faults/sec ratio (target >= 0.98) and the
# user-time share of CPU time of each (target: within one point).
SIZE=256
# the first touches of memory on this VM are several times slower (freed
# memory goes back to the host): warm up both sides first, discard
"$BIN/bare-fault" $SIZE 3 >/dev/null
"$BIN/pft" -m ${SIZE}M -t 1 -i 3 -w 0 >/dev/null
: >/tmp/bench-pft.$$; : >/tmp/bench-bare.$$
for r in $(seq "$ROUNDS"); do
	"$BIN/pft" -m ${SIZE}M -t 1 -i 1 -w 0 |
		jq -r '[.rate_sec, (.clients_detail[0] | .user_ns / (.user_ns + .sys_ns))] | @tsv' >>/tmp/bench-pft.$$
	"$BIN/bare-fault" $SIZE 1 | jq -r '[.faults_sec, .user_share] | @tsv' >>/tmp/bench-bare.$$
done
p=$(cut -f1 /tmp/bench-pft.$$ | median); b=$(cut -f1 /tmp/bench-bare.$$ | median)
pu=$(cut -f2 /tmp/bench-pft.$$ | median); bu=$(cut -f2 /tmp/bench-bare.$$ | median)
awk -v s=$SIZE -v p="$p" -v b="$b" -v pu="$pu" -v bu="$bu" 'BEGIN {
	printf "pft -t 1 -m %sM   faults/sec median %12.0f   user share %5.1f%%\n", s, p, pu * 100
	printf "bare-fault %sM    faults/sec median %12.0f   user share %5.1f%%\n", s, b, bu * 100
	printf "ratio pft/bare faults/sec: %.3f (target >= 0.98); user share difference: %+.1f points (target within 1)\n", p / b, (pu - bu) * 100
}'
rm -f /tmp/bench-pft.$$ /tmp/bench-bare.$$
