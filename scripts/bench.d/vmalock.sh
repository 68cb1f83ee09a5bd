#!/bin/bash
# vmalock: ops/sec of each lock layout at 1 and 2 clients, and the slowdown
# of the worst layout against the best at 2 clients: the false-sharing
# effect size this kit resolves on this machine.  Layouts alternate round by
# round so drift hits all of them alike; medians of ROUNDS.
DUR=${VMALOCK_DURATION:-0.5}
layouts=(
	"separate-176:--lock separate --objsize 176 --align packed"	# 2023: vma_lock cache apart
	"inline-256-a64:--lock inline --objsize 256 --align 64"	# 2024: lock in a line of its own
	"inline-192-a64:--lock inline --objsize 192 --align 64"	# 2025 refcount, regrouped (6.18)
	"inline-192-a128:--lock inline --objsize 192 --align 128"	# pairs never shared
	"inline-40-packed:--lock inline --objsize 40 --align packed"	# everything shared
)
clients=(1)
[ "$(nproc)" -ge 2 ] && clients=(1 2)
out=/tmp/bench-vmalock.$$
mkdir -p $out
for r in $(seq "$ROUNDS"); do
	for l in "${layouts[@]}"; do
		for c in "${clients[@]}"; do
			"$BIN/vmalock" -t $c -i 1 -w 0 -d "$DUR" ${l#*:} |
				jq -r '[.rate_sec, .rate_cpu, .hot_shared_128, .lock_shared_64] | @tsv' >>"$out/${l%%:*}.$c"
		done
	done
done
printf '%-17s %7s %9s %9s %9s %9s\n' layout clients ops/sec ops/cpu hot128 lock64
for l in "${layouts[@]}"; do
	for c in "${clients[@]}"; do
		f=$out/${l%%:*}.$c
		printf '%-17s %7d %9.2fM %8.2fM %9d %9d\n' "${l%%:*}" $c \
			"$(cut -f1 "$f" | median | awk '{print $1 / 1e6}')" "$(cut -f2 "$f" | median | awk '{print $1 / 1e6}')" \
			"$(head -1 "$f" | cut -f3)" "$(head -1 "$f" | cut -f4)"
	done
done
c=${clients[-1]}
for l in "${layouts[@]}"; do
	echo "${l%%:*} $(cut -f1 "$out/${l%%:*}.$c" | median) $(cut -f2 "$out/${l%%:*}.$c" | median)"
done | sort -k2 -g | awk -v c=$c '
	NR == 1 { worst = $1; w = $2; wc = $3 }
	{ best = $1; b = $2; bc = $3 }
	END { printf "slowdown at %d clients, worst %s vs best %s: ops/sec x%.2f (ops/cpu x%.2f)\n", c, worst, best, b / w, bc / wc }'
rm -rf "$out"
