#!/bin/bash
# tests/scale/vm.sh - the suite on an emulated 2-socket, 2-node machine
# (issue 11).  One boot of scripts/scale-vm runs tests/scale/guest.sh inside
# (default 2x14x2, the published machine; SCALE_TOPOLOGY=2x4x2 for a smaller
# one); every check here reads what the guest wrote and judges it against the
# guest's own sysfs topology.  Rates under TCG mean nothing: only topology,
# placement, page placement, counts and the runner's path are judged.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VM=$ROOT/scripts/scale-vm
MM=$BIN/mmscale
TOPO=${SCALE_TOPOLOGY:-2x14x2}

# One boot per CI run, in its root gcc pass (README's make check): under
# SAN=1 the guest would run the ASan builds, which TCG runs past the checks'
# limits and whose shadow memory moves page placement; the unprivileged pass
# would spend the same 4 minutes again on the same guest.  MMSCALE_SCALE=1
# runs it anyway.
if [ "${MMSCALE_SCALE:-}" != 1 ]; then
	why=
	[ "${MMSCALE_SAN:-0}" = 1 ] && why="SAN=1: the guest would run ASan builds (TCG runs them past the limits, their shadow moves page placement); the rig runs in the gcc pass"
	is_root || why="not root: the rig runs once per CI, in the root gcc pass (MMSCALE_SCALE=1 runs it here)"
	if [ -n "$why" ]; then
		skip "scale rig $TOPO" "$why"
		echo "1..$n"
		exit 0
	fi
fi
O=$TMP/guest RES=$TMP/results	# ($TMP/out and err are expect_exit's)

# --- the rig's own errors (no boot) ---------------------------------------
expect_exit 2 "scale-vm --topology 2x14: a usage error" "$VM" --topology 2x14 -- true
check "... naming the option" grep -q -- "--topology '2x14'" "$TMP/err"
expect_exit 2 "scale-vm --nodes 3 on 2x14x2: a usage error" "$VM" --nodes 3 -- true
# a boot that cannot finish in time is killed and said so in one line
# (TMPDIR: the console the rig keeps then goes with this test's files)
expect_exit 124 "scale-vm --boot-timeout 1: killed" env TMPDIR="$TMP" "$VM" -q --topology 1x1x1 --boot-timeout 1 -- true
check "... in one line ($(head -1 "$TMP/err"))" grep -qE "^scale-vm: guest \(1x1x1, 1 nodes\) did not boot in 1 s: killed" "$TMP/err"

# --- the boot ------------------------------------------------------------
# exit 42 after the checks: the rig must hand back the guest command's code
"$VM" -q --topology "$TOPO" --timeout 700 --out "$O" --results "$RES" \
	--add "$ROOT/tests/scale/guest.sh" --add "$ROOT/tests/scale/perf-stat.conf" \
	--add "$ROOT/tests/data/configs/prefetch-ab.conf" \
	-- sh -c 'sh /mmscale/add/guest.sh; exit 42' 2>"$TMP/vm.err"
rc=$?
cat "$TMP/vm.err" | sed 's/^/# /'
# A check the guest kernel hung (guest.sh: its lockup lines in
# $O/CHECK/lockup) is the emulated kernel's failure, not the suite's: its
# checks skip, naming the lockup; any other timeout fails.
lockup() { [ -s "$O/$1/lockup" ] && echo "guest kernel locked up in $1 under TCG: $(head -1 "$O/$1/lockup" | sed 's/^\[[ 0-9.]*\] //')"; }
locked=$(for c in $(awk '$2 == "timeout" { print $1 }' "$O/times" 2>/dev/null); do lockup "$c"; done | head -1)
if [ -n "$locked" ] && [ "$rc" != 42 ]; then
	skip "scale-vm $TOPO: exit 42, the guest command's (exit $rc)" "$locked"
else
	check "scale-vm $TOPO: exit 42, the guest command's" [ "$rc" = 42 ]
fi
[ -f "$O/times" ] || { fail "the guest wrote no $O/times"; echo "1..$n"; exit 1; }
sed 's/^/# check time (s): /' "$O/times"
for c in $(awk '$2 == "timeout" { print $1 }' "$O/times"); do
	if [ -n "$(lockup "$c")" ]; then
		skip "guest check $c within its limit" "$(lockup "$c")"
	else
		fail "guest check $c ran past its limit"
	fi
done

# --- the machine, from the guest's sysfs ----------------------------------
# cpus: "cpu package core node" per line
T=$O/topology/cpus
read -r ncpus nnodes series <"$O/topology/machine"
IFS=x read -r S C H <<<"$TOPO"
check "guest kernel 6.1 ($(cat "$O/topology/kernel"))" grep -q '^6\.1\.' "$O/topology/kernel"
check "sysfs: $ncpus CPUs in $S packages, $((S * C)) cores, $nnodes nodes" \
	[ "$ncpus" = $((S * C * H)) -a "$nnodes" = "$S" \
	  -a "$(awk '{ print $2 }' "$T" | sort -u | wc -l)" = "$S" \
	  -a "$(awk '{ print $2 "/" $3 }' "$T" | sort -u | wc -l)" = $((S * C)) \
	  -a "$(awk '{ print $4 }' "$T" | sort -u | wc -l)" = "$nnodes" ]

# --- placement ------------------------------------------------------------
# place_check MODE FILE: "" when every client ran on its planned CPU and the
# plan is what MODE promises on this topology, else what is wrong
place_check() {
	jq -r '.clients_detail[] | "\(.id) \(.cpu_planned) \(.cpu) \(.migrated)"' "$2" 2>/dev/null |
	awk -v mode="$1" -v S="$S" -v C="$C" -v H="$H" -v want="$3" '
	FILENAME == ARGV[1] { pkg[$1] = $2; core[$1] = $2 "/" $3; node[$1] = $4; next }
	{
		k = $1; n++
		if ($2 != $3 || $4 != "false") { err = err " client " k " planned " $2 " ran " $3; next }
		c = $2
		if (c in used) err = err " cpu " c " twice"
		used[c] = 1
		if (mode == "cores") {
			if (k < S * C) {
				if (core[c] in seen) err = err " client " k ": core " core[c] " again before every core has one"
				if (pkg[c] != int(k / C)) err = err " client " k ": package " pkg[c] " (want " int(k / C) ")"
			} else if (!(core[c] in seen))
				err = err " client " k ": a new core after all had one"
			seen[core[c]] = 1
		} else if (mode == "pus") {
			if (pkg[c] != int(k / (C * H))) err = err " client " k ": package " pkg[c]
			if (k % H == 0) first = core[c]
			else if (core[c] != first) err = err " client " k ": not on the core of its first sibling"
		} else if (mode == "spread") {
			if (pkg[c] != k % S || node[c] != k % S) err = err " client " k ": package " pkg[c] " node " node[c] " (want " k % S ")"
		}
	}
	END { if (n != want) err = err " " n " clients, want " want; print err }' "$T" -
}
for p in cores pus spread; do
	bad=
	for c in $series; do
		f=$O/placement/$p-$c.json
		e=$(place_check "$p" "$f" "$c")
		[ "$(jq -r .valid "$f" 2>/dev/null)" = true ] || e="$e invalid or missing"
		[ -n "$e" ] && bad="$bad [$c:$e]"
	done
	check "placement $p at$series clients: each on its planned CPU, as $p promises${bad:+:$bad}" [ -z "$bad" ]
done
e=$(place_check spread "$O/placement/spread-$ncpus-processes.json" "$ncpus")
check "placement spread, $ncpus processes: each on its planned CPU${e:+:$e}" [ -z "$e" ]

# --- memory policy: where the pages landed (numa_hit per node) -------------
# share NAME NODE: the per-mille of NAME's page allocations on NODE
share() {
	paste -d' ' "$O/mempolicy/$1.before" "$O/mempolicy/$1.after" |
		awk -v k="$2" '{ h = NF / 2; for (i = 1; i <= h; i++) { d[i-1] = $(i+h) - $i; t += d[i-1] } print int(1000 * d[k] / t) }'
}
on_node() {	# NAME NODE: every client ran on NODE's CPUs
	local c
	for c in $(jq -r '.cpus[]' "$O/mempolicy/$1.json"); do
		[ "$(awk -v c="$c" '$1 == c { print $4 }' "$T")" = "$2" ] || return 1
	done
}
for m in node0:0 node1:1; do
	f=${m%:*} k=${m#*:}
	s=$(share "$f" "$k")
	check "--mempolicy node:$k: $s per mille of the pages on node $k (>= 950)" \
		[ "$(jq -r .valid "$O/mempolicy/$f.json")" = true -a "$s" -ge 950 ]
done
s0=$(share interleave 0)
check "--mempolicy interleave: $s0 per mille on node 0 (500 +- 50)" [ "$s0" -ge 450 -a "$s0" -le 550 ]
for k in 0 1; do
	s=$(share local$k "$k")
	check "--mempolicy local, clients on node $k's CPUs ($(jq -c .cpus "$O/mempolicy/local$k.json")): $s per mille on node $k (>= 950)" \
		on_node local$k "$k" -a "$s" -ge 950
done

# --- pft, mmap-churn, fork-exit at the whole machine ------------------------
for m in threads processes; do
	f=$O/pft/$m.json
	check "pft $m at $ncpus clients: valid, $(jq -r '"minflt \(.minflt) for \(.pages) pages"' "$f" 2>/dev/null) (within 1%)" \
		[ "$(jq -s 'length > 0 and all(.valid and .clients == '"$ncpus"' and .minflt >= .pages * 0.99 and .minflt <= .pages * 1.01)' "$f" 2>/dev/null)" = true ]
done
for f in mmap-churn-threads fork-exit-processes; do
	check "${f/-t/ t} at $ncpus clients: valid ($(jq -r '"\(.work) \(.metric)"' "$O/churn/$f.json" 2>/dev/null))" \
		[ "$(jq -s 'length > 0 and all(.valid and .clients == '"$ncpus"')' "$O/churn/$f.json" 2>/dev/null)" = true ]
done

# --- slab: exact deltas with every CPU's per-CPU slabs -----------------------
f=$O/slab/threads.json
d=$(jq -c '.slab | [.setup_delta.exact, .setup_delta.caches.vm_area_struct.objects, .teardown_delta.caches.vm_area_struct.objects]' "$f" 2>/dev/null)
check "mmap-churn --vmas 50 --slab, $ncpus threads: setup +$((50 * ncpus)) vm_area_structs, exact ([exact, setup, teardown] = $d)" \
	[ "$(jq -r '.slab.setup_delta | .exact and .caches.vm_area_struct.objects == '"$((50 * ncpus))" "$f" 2>/dev/null)" = true ]
# Not 0 here, and not asserted: before the image's threads stayed until the
# driver's quit (eb766c1), glibc unmapped exited threads' stacks past its 40
# MiB cache and the delta measured -104 and -2856; now +8, the harness's own
# cached client-thread stacks from the single measured iteration (a warm-up
# iteration would likely make it 0: not tried).  With 2 threads on the host
# it is 0 (tests/integration/mmap-churn.sh).
td=$(jq -r '.slab.teardown_delta.caches.vm_area_struct.objects' "$f" 2>/dev/null)
if [ "$td" = 0 ]; then
	ok "... and 0 after teardown"
else
	skip "... and 0 after teardown" "measured $td: the harness's cached client-thread stacks (see the comment)"
fi

# --- the runner end to end: cover-letter.conf, two labels, compared here ----
check "cover-letter.conf ran twice in the guest (exit $(cat "$O/cover/rc-a" "$O/cover/rc-b" | tr '\n' ' '))" \
	[ "$(cat "$O/cover/rc-a" "$O/cover/rc-b" | tr -d '\n')" = 00 ]
check "... both runs copied out to the host's results/" \
	[ "$(jq -r .status "$RES/cover-a/meta.json" "$RES/cover-b/meta.json" 2>/dev/null | tr '\n' ' ')" = "complete complete " ]
"$MM" compare "$RES/cover-a" "$RES/cover-b" >"$TMP/compare" 2>"$TMP/compare.err"
rows=$(grep -E '^Hmean +faults/(cpu|sec)-[0-9]+ ' "$TMP/compare" | awk '{ print $2 }' | sort -u)
# the client counts the plan has for this topology (large-stride)
ls=$("$MM" plan "$ROOT/configs/cover-letter.conf" --topology "pack:$S core:$C pu:$H" --json |
	jq -r '[.points[].clients] | map(tostring) | join(" ")')
want=$(for c in $ls; do echo "faults/cpu-$c"; echo "faults/sec-$c"; done | sort -u)
check "mmscale compare on the host: $(wc -l <<<"$rows") Hmean rows, faults/cpu and faults/sec at $ls" \
	[ "$rows" = "$want" ]
[ "$TOPO" = 2x14x2 ] && check "... 16 rows at 1 4 7 12 21 30 48 56" [ "$(wc -l <<<"$rows")" = 16 -a "$ls" = "1 4 7 12 21 30 48 56" ]

# --- prefetch: the real msr driver on the emulated Broadwell -----------------
P=$O/prefetch
sed 's/^/# guest cpuinfo: /' "$P/cpuinfo"
check "the msr driver is loaded in the guest (/dev/cpu/0/msr)" grep -q '^/dev/cpu/0/msr$' "$P/dev"
raw=$(tr -d ' \n' <"$P/dd.out")
st=$(cat "$P/status.rc")
if [ -n "$raw" ]; then
	# the register reads: status must show that very value on every CPU
	check "prefetch status: exit $st, reads MSR 0x1a4 on $ncpus CPUs as the driver answers it (0x$raw)" \
		[ "$st" = 0 -a "$(grep -c "^cpu[0-9]*: 0x$raw " "$P/status.out")" = "$ncpus" ]
else
	check "prefetch status: the driver refuses reads ($(head -1 "$P/dd.err")): exit 4, unavailable" \
		[ "$st" = 4 ] && grep -q 'unavailable' "$P/status.err"
fi
# What a prefetch axis must do for that answer: where a write does not
# take (TCG drops writes to 0x1a4), refuse with exit 4 saying so; where it
# takes, run with each point's state read back as its axis value.
rr=$(cat "$P/run.rc")
if [ "$rr" = 4 ]; then
	check "prefetch axis: exit 4, one line naming the ignored write ($(grep -m1 . "$P/run.err"))" \
		grep -q 'prefetch: unavailable: MSR 0x1a4 on cpu [0-9]*: wrote .* read back .* ignores the write' "$P/run.err"
	check "... no point that claims prefetch=off ran ok" \
		[ -z "$(jq -r 'select(.params.prefetch == "off" and .status == "ok") | .id' "$RES"/prefetch-ab/points/*/point.json 2>/dev/null)" ]
	check "... the MSR as it was afterwards" [ "$(grep -c "^cpu[0-9]*: 0x$raw " "$P/status-after.out")" = "$ncpus" ]
else
	check "prefetch axis: exit $rr, each point's read-back state is its axis value" \
		[ "$rr" = 0 ] && [ "$(jq -s -c 'map([.prefetch.cpus[].adjacent] | unique)' "$RES"/prefetch-ab/points/p00[01]/point.json)" = '[["on"],["off"]]' ]
fi

# --- perf in the guest: every fault takes mmap_lock on 6.1 -------------------
if [ -n "$(lockup perf)" ]; then
	skip "perf in the guest: mmap_lock per 1000 faults" "$(lockup perf)"
elif [ "$(cat "$O/perf/probe.rc")" = 0 ] && [ "$(cat "$O/perf/run.rc")" = 0 ]; then
	v=$(jq -r '.perf.mmap_lock_per_1000_faults // "missing"' "$RES/perf/points/p000/point.json")
	check "perf in the guest: mmap_lock per 1000 faults $v (6.1 has no per-VMA locks: 950..1100)" \
		awk -v v="$v" 'BEGIN { exit !(v + 0 >= 950 && v + 0 <= 1100) }'
else
	fail "perf in the guest: probe exit $(cat "$O/perf/probe.rc"), run exit $(cat "$O/perf/run.rc"): $(grep -m1 -iE 'unavailable|error' "$O/perf/probe" "$O/perf/run.out")"
fi
echo "1..$n"
