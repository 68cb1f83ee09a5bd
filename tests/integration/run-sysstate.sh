#!/bin/bash
# THP and ASLR for a run: set through sysfs/sysctl, seen by the workload,
# put back after the run and after SIGINT; without root a required THP mode
# fails with exit 4 and ASLR falls back to personality(ADDR_NO_RANDOMIZE).
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
D=$(cd "$(dirname "$0")/../data/configs" && pwd)
RES=$TMP/res
THP=/sys/kernel/mm/transparent_hugepage/enabled
thp_mode() { sed -n 's/.*\[\(.*\)\].*/\1/p' $THP; }

if ! is_root || [ ! -w $THP ] || [ "$(thp_mode)" = never ]; then
	skip "THP never set and restored" "needs root and THP not already never"
	echo "1..$n"
	exit 0
fi
thp0=$(thp_mode)
aslr0=$(cat /proc/sys/kernel/randomize_va_space)

"$MM" run "$D/thp-never.conf" --label t --results "$RES" 2>"$TMP/log"; rc=$?
check "thp = never run: exit 0" [ $rc = 0 ]
check "pft saw THP never during the run" [ "$(jq -r .thp_mode "$RES/t/points/p000/samples.jsonl")" = never ]
check "meta.json records it (was $thp0, set)" \
	[ "$(jq -c '[.applied.thp.was, .applied.thp.result, .mm.thp_enabled]' "$RES/t/meta.json")" = "[\"$thp0\",\"set\",\"never\"]" ]
check "THP is $thp0 again after the run" [ "$(thp_mode)" = "$thp0" ]

"$MM" run "$D/thp-never-long.conf" --label l --results "$RES" 2>/dev/null &
pid=$!
for _ in $(seq 100); do
	[ "$(jq -r .status "$RES/l/meta.json" 2>/dev/null)" = running ] && break
	sleep 0.1
done
during="$(thp_mode) $(cat /proc/sys/kernel/randomize_va_space)"
kill -INT $pid
wait $pid; rc=$?
check "during the run THP is never and ASLR is off" [ "$during" = "never 0" ]
check "SIGINT: exit 130, THP back to $thp0, ASLR back to $aslr0" \
	[ "$rc $(thp_mode) $(cat /proc/sys/kernel/randomize_va_space)" = "130 $thp0 $aslr0" ]

"$MM" run "$D/thp-never-long.conf" --label term --results "$RES" 2>/dev/null &
pid=$!
for _ in $(seq 100); do
	[ "$(jq -r .status "$RES/term/meta.json" 2>/dev/null)" = running ] && break
	sleep 0.1
done
kill -TERM $pid
wait $pid; rc=$?
check "SIGTERM: exit 130, run incomplete, THP back to $thp0, ASLR back to $aslr0" \
	[ "$rc $(jq -r .status "$RES/term/meta.json") $(thp_mode) $(cat /proc/sys/kernel/randomize_va_space)" = "130 incomplete $thp0 $aslr0" ]

# without root: the same machine, as nobody
NB=$(mktemp -d /tmp/mmscale-nobody.XXXXXX)
chmod 777 "$NB"
trap 'rm -rf "$NB"' EXIT
asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
asnobody "$MM" run "$D/thp-never.conf" --label n --results "$NB" >"$TMP/out" 2>"$TMP/err"; rc=$?
check "not root, thp = never required: exit 4 with the reason" \
	grep -q "^4 .*thp = never is required by the config" <<<"$rc $(cat "$TMP/err")"
check "... and nothing was written" [ ! -e "$NB/n" ]
check "... and THP is still $thp0" [ "$(thp_mode)" = "$thp0" ]
asnobody "$MM" run "$D/aslr-only.conf" --label a --results "$NB" 2>"$TMP/err"; rc=$?
check "not root, aslr = off: runs with personality(ADDR_NO_RANDOMIZE)" \
	[ "$rc $(jq -r .applied.aslr.result "$NB/a/meta.json" 2>/dev/null)" = "0 personality ADDR_NO_RANDOMIZE per workload" ]
check "... and the sysctl recorded as unavailable" \
	[ "$(jq -r '.unavailable.aslr_sysctl // "" | test("Permission denied")' "$NB/a/meta.json")" = true ]
echo "1..$n"
