#!/bin/sh
# tests/scale/guest.sh - what tests/scale/vm.sh runs inside the emulated
# machine (busybox sh, cwd /mmscale).  It only runs things and keeps their raw
# output in /out/CHECK/; every assertion is made on the host, against the
# guest's own sysfs topology dumped here.  /out/times gets "CHECK SECONDS"
# per check (the rig's benchmark figures), or "CHECK timeout" when one ran
# past its limit and was killed (the others still run).  A check whose task
# the guest kernel hangs (a soft lockup: seen once in perf stat of pft under
# TCG, CPU stuck 600+ s) cannot be killed, so the script never waits on it
# past its limit: it writes the kernel's lockup lines to /out/CHECK/lockup
# and goes on.
#   sh guest.sh [CHECK...]      (default: all of them, in this order)
O=/out
ncpus=$(grep -c '^processor' /proc/cpuinfo)
nodes=$(ls -d /sys/devices/system/node/node[0-9]* | wc -l)
# The published client series (reference section 1), cut to this machine.
series=
for c in 1 4 7 12 21 30 48 56; do
	[ "$c" -le "$ncpus" ] && series="$series $c"
done
case " $series " in *" $ncpus "*) ;; *) series="$series $ncpus" ;; esac

uptime_s() { cut -d' ' -f1 /proc/uptime; }
run_check() {	# name: run check_NAME into /out/NAME in a shell of its own, time it
	local t0=$(uptime_s) rc pid waited=0
	mkdir -p "$O/$1"
	echo "scale: $1"
	timeout -k 5 "$limit" sh "$0" --one "$1" >"$O/$1/log" 2>&1 &
	pid=$!
	# timeout(1) itself waits for a child the kernel will not let die:
	# poll, and give up on it 10 s past its kill
	while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((2 * (limit + 15))) ]; do
		sleep 0.5
		waited=$((waited + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		dmesg | grep -E 'soft lockup|hung_task|rcu.*stall' | head -5 >"$O/$1/lockup"
		echo "$1 timeout" >>$O/times
		return
	fi
	wait "$pid"
	rc=$?
	if [ $rc = 124 ] || [ $rc = 143 ] || [ $rc = 137 ]; then
		echo "$1 timeout" >>$O/times
	else
		echo "$1 $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }')" >>$O/times
	fi
}

# cpu package core node, from sysfs (not hwloc)
check_topology() {
	local c n
	for c in /sys/devices/system/cpu/cpu[0-9]*; do
		n=$(ls -d $c/node[0-9]* 2>/dev/null | sed 's/.*node//')
		echo "${c##*cpu} $(cat $c/topology/physical_package_id) $(cat $c/topology/core_id) $n"
	done | sort -n >"$1/cpus"
	echo "$ncpus $nodes $series" >"$1/machine"
	uname -r >"$1/kernel"
}

# Each placement at each client count, threads: where each client ran.
check_placement() {
	local p c
	for p in cores pus spread; do
		for c in $series; do
			null -t "$c" -p "$p" -i 1 -w 0 -d 0.05 >"$1/$p-$c.json" || echo "null -t $c -p $p: exit $?"
		done
	done
	# and processes once, at the whole machine
	null -n "$ncpus" -p spread -i 1 -w 0 -d 0.05 >"$1/spread-$ncpus-processes.json"
}

# Where the pages of a 128 MiB pft landed under each memory policy:
# numa_hit per node before and after (the guest is otherwise idle).
numa_hits() {
	for n in /sys/devices/system/node/node[0-9]*; do
		awk '$1 == "numa_hit" { printf "%s ", $2 }' $n/numastat
	done
}
mempolicy_one() {	# dir name cgroup [pft options]: pft -t 4 -m 128M in a cgroup
	local d=$1 name=$2 cg=$3 before
	shift 3
	before=$(numa_hits)
	sh -c 'echo $$ >/sys/fs/cgroup/'"$cg"'/cgroup.procs && exec pft -t 4 -i 1 -w 0 -m 128M "$@"' \
		pft "$@" >"$d/$name.json" || echo "pft $name: exit $?"
	echo "$before" >"$d/$name.before"
	echo "$(numa_hits)" >"$d/$name.after"
}
check_mempolicy() {
	local n
	# local: a cpuset cgroup per node confines the clients to its CPUs
	# (hwloc plans on the cgroup's CPUs; an affinity mask set by taskset
	# it does not see, and the harness pins past it)
	mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
	echo +cpuset >/sys/fs/cgroup/cgroup.subtree_control
	for n in /sys/devices/system/node/node[0-9]*; do
		mkdir -p /sys/fs/cgroup/${n##*/}
		cat $n/cpulist >/sys/fs/cgroup/${n##*/}/cpuset.cpus
	done
	mkdir -p /sys/fs/cgroup/all
	mempolicy_one "$1" node0 all --mempolicy node:0
	mempolicy_one "$1" node1 all --mempolicy node:1
	mempolicy_one "$1" interleave all --mempolicy interleave
	mempolicy_one "$1" local0 node0 --mempolicy local
	mempolicy_one "$1" local1 node1 --mempolicy local
}

# pft at the whole machine, both modes: validity and minflt against pages.
check_pft() {
	pft -t "$ncpus" -m $((ncpus * 2))M -i 1 -w 0 >"$1/threads.json" || echo "pft -t: exit $?"
	pft -n "$ncpus" -m $((ncpus * 2))M -i 1 -w 0 >"$1/processes.json" || echo "pft -n: exit $?"
}

check_churn() {
	# one mode each (both took 76 s here): the shared mm for VMA churn,
	# an mm per client for fork
	mmap-churn -t "$ncpus" -d 0.2 -i 1 -w 0 >"$1/mmap-churn-threads.json" || echo "mmap-churn -t: exit $?"
	fork-exit -n "$ncpus" -d 0.2 -i 1 -w 0 >"$1/fork-exit-processes.json" || echo "fork-exit -n: exit $?"
}

# Exact slab deltas with every CPU's per-CPU slabs in play: 50 VMAs per
# client, a client on every CPU, all in one mm.
check_slab() {
	mmap-churn -t "$ncpus" --vmas 50 --slab -d 0.2 -i 1 -w 0 >"$1/threads.json" || echo "mmap-churn --slab -t: exit $?"
	# what the kernel itself says afterwards, for a teardown delta that is not 0
	grep '^vm_area_struct ' /proc/slabinfo >"$1/slabinfo"
	for f in objects total_objects objects_partial cpu_slabs; do
		echo "$f $(cat /sys/kernel/slab/vm_area_struct/$f)"
	done >"$1/sysfs"
}

# The runner end to end: cover-letter.conf at 32 MiB, 2 iterations,
# two labels; the host compares them.
check_cover() {
	sed 's/^size = .*/size = 32M/' configs/cover-letter.conf >/tmp/cover-letter.conf
	mmscale run /tmp/cover-letter.conf --label cover-a --iterations 2; echo "$?" >"$1/rc-a"
	mmscale run /tmp/cover-letter.conf --label cover-b --iterations 2; echo "$?" >"$1/rc-b"
}

# The real msr driver (insmod'ed by the rig's init) on the emulated CPU.
check_prefetch() {
	grep -m3 -E '^(vendor_id|cpu family|model)\s' /proc/cpuinfo >"$1/cpuinfo"
	ls /dev/cpu/0/msr >"$1/dev" 2>&1
	mmscale prefetch status >"$1/status.out" 2>"$1/status.err"; echo "$?" >"$1/status.rc"
	# the raw register, read as the driver answers it (the file offset is
	# the MSR's number)
	dd if=/dev/cpu/0/msr bs=8 count=1 skip=$((0x1a4)) iflag=skip_bytes 2>"$1/dd.err" |
		od -An -tx8 >"$1/dd.out"
	# a prefetch axis (the test suite's interleaved A/B config)
	cp /mmscale/add/prefetch-ab.conf /tmp/
	mmscale run /tmp/prefetch-ab.conf --label prefetch-ab >"$1/run.out" 2>"$1/run.err"; echo "$?" >"$1/run.rc"
	mmscale prefetch status >"$1/status-after.out" 2>&1
	dmesg | grep -i msr >"$1/dmesg"
}

# perf's tracepoints in the guest kernel (6.1: no per-VMA locks).
check_perf() {
	cp /mmscale/add/perf-stat.conf /tmp/
	perf stat -e exceptions:page_fault_user -e mmap_lock:mmap_lock_start_locking true >"$1/probe" 2>&1
	echo "$?" >"$1/probe.rc"
	mmscale run /tmp/perf-stat.conf --label perf >"$1/run.out" 2>&1; echo "$?" >"$1/run.rc"
}

if [ "${1:-}" = --one ]; then
	"check_$2" "$O/$2"
	exit
fi
limit=${SCALE_CHECK_LIMIT:-180}
checks=${*:-topology placement mempolicy pft churn slab cover prefetch perf}
: >$O/times
for c in $checks; do
	run_check "$c"
done
echo "scale: done"
