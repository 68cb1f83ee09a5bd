#!/bin/bash
# mmscale prefetch on a fake MSR tree (regular sparse files, 4 CPUs, a fake
# cpuinfo and sysfs topology): bits, journal, restore on every exit path,
# stale journal recovery, refusals; and `status` on this real machine.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
DATA=$(cd "$(dirname "$0")/../data" && pwd)
OFF=420		# MSR 0x1A4 is the byte offset in /dev/cpu/N/msr

put() {	# file offset value: 8 bytes little-endian
	local v b="" i
	v=$(printf '%016x' "$3")
	for i in 14 12 10 8 6 4 2 0; do b+="\\x${v:$i:2}"; done
	printf "$b" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
get() { od -An -tx8 -j "${2:-$OFF}" -N8 "$1" | tr -d ' '; }	# file [offset] -> 16 hex digits
vals() { local c s=""; for c in 0 1 2 3; do s+="$(get "$F/msr/$c/msr" "${1:-$OFF}") "; done; echo ${s% }; }
hexes() { local v s=""; for v in "$@"; do s+="$(printf '%016x' "$v") "; done; echo ${s% }; }

# fake NAME CPUINFO [smt] [offset]: a fresh tree with distinct start values
# whose other bits must survive: 0, l2+dcu off, bit 63 + dcu-ip off, 0xf0
START=(0x0 0x5 0x8000000000000008 0xf0)
fake() {
	local c
	fake_msr_tree "$TMP/$1" "$2" "${3:-}"
	for c in 0 1 2 3; do put "$F/msr/$c/msr" "${4:-$OFF}" "${START[$c]}"; done
}
J() { jq -r "$1" "$F/state/prefetch.json" 2>/dev/null; }
wait_held() {	# wait until the journal names the holder and its CMD runs
	local i
	for i in $(seq 200); do
		[ "$(J '.held.pid // empty')" = "$1" ] && [ -n "$(pgrep -P "$1")" ] && return 0
		sleep 0.05
	done
	return 1
}
ORIG=$(hexes "${START[@]}")

# ---- off / on / restore ----------------------------------------------------
fake bdw cpuinfo-broadwell-ep
expect_exit 0 "status on a fake Broadwell-EP" $MM prefetch status
check "status: 4 CPUs, cpu1 l2 off adjacent on ($(grep -c '^cpu[0-9]' "$TMP/out") lines)" \
	grep -q '^cpu1: 0x0000000000000005 l2 off adjacent on dcu off dcu-ip on$' "$TMP/out"
expect_exit 0 "prefetch off" $MM prefetch off
want=$(hexes 0x2 0x7 0x800000000000000a 0xf2)
got=$(vals)
check "off sets bit 1 on every CPU, other bits kept ($got)" [ "$got" = "$want" ]
check "journal: deliberate, no holder, originals saved" \
	[ "$(J '[.deliberate, .held, .msr, (.cpus | map(.original) | join(" "))] | map(tostring) | join("|")')" = \
	  "true|null|0x1a4|0x0000000000000000 0x0000000000000005 0x8000000000000008 0x00000000000000f0" ]
$MM prefetch status >"$TMP/st"
check "status shows adjacent off and the pending journal" \
	grep -q 'adjacent off' "$TMP/st" && grep -q '^journal: .*changed on purpose' "$TMP/st"
expect_exit 0 "prefetch off again keeps the first originals" $MM prefetch off
check "journal originals unchanged after a second off" [ "$(J '.cpus[1].original')" = 0x0000000000000005 ]
expect_exit 0 "prefetch restore" $MM prefetch restore
got=$(vals)
check "restore returns every CPU to its saved value ($got)" [ "$got" = "$ORIG" ]
check "restore removes the journal" [ ! -e "$F/state/prefetch.json" ]
$MM prefetch off --which all >/dev/null && $MM prefetch on --which all >/dev/null
got=$(vals)
check "off --which all then on --which all clears bits 0-3 only ($got)" \
	[ "$got" = "$(hexes 0x0 0x0 0x8000000000000000 0xf0)" ]
$MM prefetch restore >/dev/null
$MM prefetch off --which l2,dcu >/dev/null
got=$(vals)
check "--which l2,dcu sets bits 0 and 2 only ($got)" [ "$got" = "$(hexes 0x5 0x5 0x800000000000000d 0xf5)" ]
$MM prefetch restore >/dev/null
$MM prefetch off >/dev/null && $MM prefetch on >/dev/null
check "on after off, back at the originals, drops the journal" [ ! -e "$F/state/prefetch.json" ]
$MM prefetch restore >/dev/null

# ---- held: off -- CMD ------------------------------------------------------
fake held cpuinfo-broadwell-ep
$MM prefetch off -- sh -c "od -An -tx8 -j $OFF -N8 $F/msr/3/msr; exit 3" >"$TMP/held.out" 2>&1
rc=$?
check "off -- CMD: CMD saw adjacent off ($(tr -d ' \n' <"$TMP/held.out"))" [ "$(tr -d ' \n' <"$TMP/held.out")" = 00000000000000f2 ]
check "off -- CMD: exit status of CMD passed on ($rc)" [ $rc = 3 ]
got=$(vals)
check "off -- CMD: restored afterwards ($got), no journal left" [ "$got" = "$ORIG" -a ! -e "$F/state/prefetch.json" ]
expect_exit 127 "off -- missing command: restored, exit 127" $MM prefetch off -- /nonexistent/cmd
check "after a failed exec: restored" [ "$(vals)" = "$ORIG" ]

# a held change on top of a deliberate one returns to the deliberate state
$MM prefetch off >/dev/null
$MM prefetch on -- sh -c "od -An -tx8 -j $OFF -N8 $F/msr/0/msr" >"$TMP/held.out"
check "on -- CMD over a deliberate off: CMD saw adjacent on" [ "$(tr -d ' \n' <"$TMP/held.out")" = 0000000000000000 ]
got=$(vals)
check "... and afterwards the deliberate off is back ($got)" [ "$got" = "$(hexes 0x2 0x7 0x800000000000000a 0xf2)" ]
check "... with the deliberate journal and its originals kept" \
	[ "$(J '"\(.deliberate) \(.held) \(.cpus[3].original)"')" = "true null 0x00000000000000f0" ]
$MM prefetch restore >/dev/null
check "restore after all that: originals" [ "$(vals)" = "$ORIG" ]

# ---- signals ---------------------------------------------------------------
for sig in INT TERM HUP; do
	fake sig$sig cpuinfo-broadwell-ep
	$MM prefetch off -- sleep 30 >/dev/null 2>&1 &
	pid=$!
	wait_held $pid
	child=$(pgrep -P $pid)
	during=$(vals)
	kill -$sig $pid
	wait $pid
	rc=$?
	check "SIG$sig: adjacent was off while held ($during)" [ "$during" = "$(hexes 0x2 0x7 0x800000000000000a 0xf2)" ]
	check "SIG$sig: wrapper exits 128+sig ($rc)" [ $rc = $((128 + $(kill -l $sig))) ]
	check "SIG$sig: restored before exit, journal gone" [ "$(vals)" = "$ORIG" -a ! -e "$F/state/prefetch.json" ]
	check "SIG$sig: forwarded, the child is gone" [ -n "$child" ] && ! kill -0 "$child" 2>/dev/null
done

# ---- SIGKILL: the next invocation restores ---------------------------------
fake kill cpuinfo-broadwell-ep
$MM prefetch off --which adjacent,dcu -- sleep 30 >/dev/null 2>&1 &
pid=$!
wait_held $pid
child=$(pgrep -P $pid)
kill -KILL $pid
wait $pid 2>/dev/null
[ -n "$child" ] && kill "$child" 2>/dev/null
got=$(vals)
check "SIGKILL leaves the prefetcher off ($got) and a journal held by $pid" \
	[ "$got" = "$(hexes 0x6 0x7 0x800000000000000e 0xf6)" ] && [ "$(J .held.pid)" = "$pid" ]
$MM prefetch status >"$TMP/st" 2>"$TMP/st.err"
rc=$?
check "next invocation warns loudly: $(head -c 200 "$TMP/st.err")" grep -q "^mmscale: WARNING: .*pid $pid.*restored" "$TMP/st.err"
got=$(vals)
check "next invocation restored the saved values ($got), journal gone" [ "$got" = "$ORIG" -a ! -e "$F/state/prefetch.json" ]
check "... and the command itself still ran (status exit $rc)" [ $rc = 0 ] && grep -q 'adjacent on' "$TMP/st"

# a live holder: deliberate changes and restore are refused, state untouched
fake live cpuinfo-broadwell-ep
$MM prefetch off -- sleep 30 >/dev/null 2>&1 &
pid=$!
wait_held $pid
expect_exit 1 "prefetch on refused while pid $pid holds it" $MM prefetch on
grep -q "held by pid $pid" "$TMP/err" && ok "refusal names the holder" || fail "refusal: $(cat "$TMP/err")"
expect_exit 1 "prefetch restore refused while held" $MM prefetch restore
kill -TERM $pid
wait $pid
check "after the holder ends: originals" [ "$(vals)" = "$ORIG" ]

# ---- topology: one write per core ------------------------------------------
fake smt cpuinfo-broadwell-ep smt
$MM prefetch off >/dev/null
got=$(vals)
# regular files do not share a register: the siblings' files show who was written
check "SMT siblings: only cpu0 and cpu1 (the core leaders) written ($got)" \
	[ "$got" = "$(hexes 0x2 0x7 0x8000000000000008 0xf0)" ]
check "SMT: every CPU read and journaled (4 entries, leaders 0 1 0 1)" \
	[ "$(J '.cpus | map(.core_leader) | join(" ")')" = "0 1 0 1" ]
fake nosys cpuinfo-broadwell-ep
export MMSCALE_SYSFS_CPU=$F/absent
$MM prefetch off >/dev/null
got=$(vals)
check "no sysfs topology: every CPU of the MSR tree written ($got)" [ "$got" = "$(hexes 0x2 0x7 0x800000000000000a 0xf2)" ]

# ---- what is refused -------------------------------------------------------
fake amd cpuinfo-amd-epyc
expect_exit 4 "AMD: prefetch off refused" $MM prefetch off
check "AMD: 'unsupported:' with the reason ($(cat "$TMP/err"))" grep -q 'unsupported: AuthenticAMD.*AMD documents no adjacent' "$TMP/err"
check "AMD: nothing written, no journal" [ "$(vals)" = "$ORIG" -a ! -e "$F/state/prefetch.json" ]
expect_exit 4 "AMD: status says unsupported" $MM prefetch status
grep -q '^unsupported:' "$TMP/out" && ok "AMD status line: $(cat "$TMP/out")" || fail "AMD status: $(cat "$TMP/out")"
fake glm cpuinfo-goldmont
expect_exit 4 "Goldmont: adjacent refused (bit 1 reserved)" $MM prefetch off --which adjacent
grep -q 'Goldmont.*adjacent.*reserved' "$TMP/err" && ok "Goldmont reason: $(cat "$TMP/err")" || fail "Goldmont: $(cat "$TMP/err")"
expect_exit 4 "Goldmont: --which all refused too" $MM prefetch off --which all
check "Goldmont: nothing written" [ "$(vals)" = "$ORIG" ]
expect_exit 0 "Goldmont: l2 allowed" $MM prefetch off --which l2
check "Goldmont: l2 sets bit 0 only ($(vals))" [ "$(vals)" = "$(hexes 0x1 0x5 0x8000000000000009 0xf1)" ]
$MM prefetch status >"$TMP/st"
check "Goldmont status has no adjacent column" [ "$(grep -c adjacent "$TMP/st")" = 0 ]
fake core2 cpuinfo-core2 "" 416
expect_exit 0 "Core 2: off uses IA32_MISC_ENABLE" $MM prefetch off
got=$(vals 416)
check "Core 2: bit 19 of MSR 0x1A0 set ($got)" [ "$got" = "$(hexes 0x80000 0x80005 0x8000000000080008 0x800f0)" ]
expect_exit 4 "Core 2: --which l2 refused" $MM prefetch off --which l2

# ---- unavailable, each with its reason --------------------------------------
fake unav cpuinfo-broadwell-ep
export MMSCALE_MSR_ROOT=$F/nowhere
expect_exit 4 "no msr driver: status exit 4" $MM prefetch status
grep -q 'unavailable: .*modprobe msr' "$TMP/out" && ok "says modprobe msr" || fail "no msr: $(cat "$TMP/out")"
export MMSCALE_MSR_ROOT=$F/msr
: >"$F/msr/2/msr"
expect_exit 4 "an MSR the CPU does not implement (EIO): status exit 4" $MM prefetch status
grep -q '^cpu2: unavailable: .*Input/output error' "$TMP/out" && ok "cpu2: EIO reason" || fail "EIO: $(cat "$TMP/out")"
expect_exit 4 "off with one CPU unreadable: refused before any write" $MM prefetch off
check "nothing written when a CPU is unreadable" [ "$(get "$F/msr/0/msr")" = 0000000000000000 -a ! -e "$F/state/prefetch.json" ]
fake lock cpuinfo-broadwell-ep
echo "none [integrity] confidentiality" >"$F/lockdown"
export MMSCALE_LOCKDOWN=$F/lockdown
expect_exit 4 "lockdown: off refused" $MM prefetch off
grep -q "lockdown is 'integrity'" "$TMP/err" && ok "lockdown reason" || fail "lockdown: $(cat "$TMP/err")"
expect_exit 0 "lockdown: status still reads" $MM prefetch status
if is_root && command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null &&
   setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$MM"; then
	# a world-traversable tree of its own: the test's TMP is private
	PERM=$(mktemp -d /tmp/mmscale-prefetch-perm.XXXXXX)
	chmod 755 "$PERM"
	TMP_SAVE=$TMP TMP=$PERM
	fake perm cpuinfo-broadwell-ep
	TMP=$TMP_SAVE
	chmod -R a+rX "$F"; chmod 600 "$F"/msr/*/msr
	cp "$DATA/cpuinfo-broadwell-ep" "$F/cpuinfo" && chmod 644 "$F/cpuinfo"
	export MMSCALE_CPUINFO=$F/cpuinfo
	expect_exit 4 "unprivileged: status exit 4" setpriv --reuid=65534 --regid=65534 --clear-groups $MM prefetch status
	grep -q 'unavailable: .*CAP_SYS_RAWIO' "$TMP/out" && ok "says CAP_SYS_RAWIO" || fail "EPERM: $(cat "$TMP/out")"
	rm -rf "$MMSCALE_STATE_DIR"
	expect_exit 4 "unprivileged: off exit 4" setpriv --reuid=65534 --regid=65534 --clear-groups $MM prefetch off
	check "... one line on CAP_SYS_RAWIO, before any journal: $(cat "$TMP/err")" \
		[ "$(grep -c 'unavailable: .*CAP_SYS_RAWIO' "$TMP/err")/$(wc -l <"$TMP/err")" = 1/1 -a ! -e "$MMSCALE_STATE_DIR" ]
	rm -rf "$PERM"
else
	skip "unprivileged status" "needs root and setpriv"
fi

# ---- bad usage -------------------------------------------------------------
expect_exit 2 "unknown subcommand" $MM prefetch sideways
expect_exit 2 "--which bogus" $MM prefetch off --which bogus
expect_exit 2 "status -- CMD" $MM prefetch status -- true

# ---- this real machine -----------------------------------------------------
unset MMSCALE_MSR_ROOT MMSCALE_SYSFS_CPU MMSCALE_CPUINFO MMSCALE_LOCKDOWN
export MMSCALE_STATE_DIR=$TMP/real-state
if [ -e /dev/cpu/0/msr ]; then
	$MM prefetch status >"$TMP/out" 2>&1
	rc=$?
	check "real machine (msr driver present): status exit 0 or 4 ($rc)" [ $rc = 0 ] || [ $rc = 4 ]
else
	expect_exit 4 "real machine: status exit 4 ($(sed -n 2p "$TMP/out" 2>/dev/null))" $MM prefetch status
	if intel_cpu; then
		check "real machine: an 'unavailable:' line per CPU ($(grep -c unavailable: "$TMP/out"))" \
			[ "$(grep -c '^cpu[0-9]*: unavailable: ' "$TMP/out")" = "$(nproc --all)" ]
	else
		check "real machine, not Intel: one 'unsupported:' line naming the vendor ($(head -c 80 "$TMP/out"))" \
			[ "$(wc -l <"$TMP/out")" = 1 -a "$(grep -cE '^unsupported: [A-Za-z]+ family [0-9]+ model [0-9]+: ' "$TMP/out")" = 1 ]
	fi
	expect_exit 4 "real machine: off refused" $MM prefetch off
	check "real machine: no journal left" [ ! -e "$TMP/real-state/prefetch.json" ]
fi

echo "1..$n"
