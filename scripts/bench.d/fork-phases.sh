# Where a fork-exit cycle's time goes, fork-exit -t 1 and -n 1 against
# bare-fork: per cycle, from the kernel's tracepoints (perf record of
# syscalls clone and wait4 enter/exit and sched_process_exit, root only),
# the medians of the parent's clone, its return-to-wait4 (user space and
# the child running first), its time in wait4, the child's life from its
# return from clone to its exit, and the whole cycle.  Each side's medians
# are pooled over ROUNDS/3 alternated rounds of 0.5 s, the order reversed
# every other round.  Medians, so a round the machine's load slowed moves
# them little; perf's own cost is on every side alike.  Sourced
# environment: BIN, ROUNDS.
set -u
if [ "$(id -u)" != 0 ] || ! command -v perf >/dev/null ||
	! perf list 2>/dev/null | grep -q 'syscalls:sys_enter_clone '; then
	echo "fork phases: unavailable: needs root, perf and the syscalls tracepoints"
	exit 0
fi
d=$(mktemp -d /tmp/bench-fphases.XXXXXX)
EV=syscalls:sys_enter_clone,syscalls:sys_exit_clone,syscalls:sys_enter_wait4,syscalls:sys_exit_wait4,sched:sched_process_exit
cpu=$("$BIN/fork-exit" -t 1 -i 1 -w 0 --dry-run | jq '.cpus[0]')
[ "$cpu" -ge 0 ] 2>/dev/null || cpu=0
# SIDE ROUND CMD...: one round of a side, its cycles' phases appended to
# d/SIDE (perf script's output is read twice, the parent found first)
rec() {
	local s=$1 r=$2; shift 2
	perf record -q -o "$d/$s.$r.data" -e $EV -- "$@" >/dev/null 2>&1
	perf script -i "$d/$s.$r.data" -F comm,pid,time,event 2>/dev/null >"$d/$s.$r.txt"
	awk 'NR == FNR { if ($4 == "syscalls:sys_enter_clone:") n[$2]++; next }
	     FNR == 1 { for (p in n) if (n[p] > max) { max = n[p]; parent = p } }
	     { t = $3 + 0; e = $4 }
	     $2 == parent && e == "syscalls:sys_enter_clone:" { if (cyc) c = t - cyc; cyc = t; ent = t; next }
	     $2 == parent && e == "syscalls:sys_exit_clone:" && ent { f = t - ent; ret = t; next }
	     $2 == parent && e == "syscalls:sys_enter_wait4:" && ret { g = t - ret; w = t; next }
	     $2 == parent && e == "syscalls:sys_exit_wait4:" && w {
		if (c && kid) printf "%.1f %.1f %.1f %.1f %.1f\n", f * 1e6, g * 1e6, (t - w) * 1e6, kid * 1e6, c * 1e6
		kid = 0; next }
	     e == "syscalls:sys_exit_clone:" { born = t; next }
	     e == "sched:sched_process_exit:" && born { kid = t - born; born = 0 }' \
		"$d/$s.$r.txt" "$d/$s.$r.txt" >>"$d/$s"
	rm -f "$d/$s.$r.data" "$d/$s.$r.txt"
}
t1() { rec t "$1" "$BIN/fork-exit" -t 1 -i 1 -w 0 -d 0.5; }
n1() { rec n "$1" "$BIN/fork-exit" -n 1 -i 1 -w 0 -d 0.5; }
b1() { rec b "$1" taskset -c "$cpu" "$BIN/bare-fork" 0.5 1; }
rounds=$(( ROUNDS / 3 > 2 ? ROUNDS / 3 : 2 ))
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then t1 $r; b1 $r; n1 $r; else n1 $r; b1 $r; t1 $r; fi
done
med() { cut -d' ' -f"$2" "$d/$1" | median; }
printf '%-16s %7s %9s %8s %8s %8s %8s  (us, medians; %d rounds of 0.5 s)\n' side cycles clone ret-wait wait4 child cycle "$rounds"
for s in b t n; do
	case $s in b) name=bare-fork ;; t) name="fork-exit -t 1" ;; n) name="fork-exit -n 1" ;; esac
	printf '%-16s %7d %9.1f %8.1f %8.1f %8.1f %8.1f\n' "$name" "$(wc -l <"$d/$s")" \
		"$(med $s 1)" "$(med $s 2)" "$(med $s 3)" "$(med $s 4)" "$(med $s 5)"
done
rm -rf "$d"
