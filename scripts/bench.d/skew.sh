# The start barrier: start skew (latest client start minus earliest, per
# iteration) of null and pft at 2 clients in both modes, median and p99
# over many short iterations, and the end skew's median.  Sourced
# environment: BIN, pct.
ITER=${SKEW_ITERATIONS:-200}
if [ "$(nproc)" -lt 2 ]; then
	echo "skew: unavailable: needs 2 CPUs"
	exit 0
fi
for w in "null -d 0.01" "pft -m 16M"; do
	for m in -t -n; do
		f=/tmp/bench-skew.$$
		"$BIN/${w%% *}" $m 2 ${w#* } -i "$ITER" -w 1 | jq -r 'select(.warmup | not) | [.start_skew_ns, .end_skew_ns, .disturbed] | @tsv' >$f
		printf '%-14s %s 2: start skew median %6.2f us, p99 %8.1f us; end skew median %8.1f us; disturbed %d of %d\n' \
			"${w%% *}" "$m" "$(cut -f1 $f | pct 50 | awk '{print $1 / 1e3}')" \
			"$(cut -f1 $f | pct 99 | awk '{print $1 / 1e3}')" "$(cut -f2 $f | pct 50 | awk '{print $1 / 1e3}')" \
			"$(grep -c true $f)" "$(wc -l <$f)"
		rm -f $f
	done
done
