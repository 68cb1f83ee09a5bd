#!/bin/bash
# The machine state journal end to end, on fake sysfs/sysctl files (THP
# enabled, ASLR): `mmscale run` killed with SIGKILL leaves both changed and
# journaled; the next command (any) restores them with one warning that
# names the dead runner; `--resume` records the machine's own originals.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
D=$(cd "$(dirname "$0")/../data/configs" && pwd)
RES=$TMP/res
F=$TMP/fake
mkdir -p "$F/thp" "$F/state"
echo "always [madvise] never" >"$F/thp/enabled"
echo 2 >"$F/aslr"
export MMSCALE_THP_DIR=$F/thp MMSCALE_ASLR_FILE=$F/aslr MMSCALE_STATE_DIR=$F/state
thp() { sed -n 's/.*\[\(.*\)\].*/\1/p;t;p' "$F/thp/enabled"; }
J() { jq -r "$1" "$F/state/machstate.json" 2>/dev/null; }

"$MM" run "$D/journal-kill.conf" --label k --results "$RES" 2>"$TMP/run.err" &
pid=$!
for _ in $(seq 100); do
	[ "$(jq -r .status "$RES/k/meta.json" 2>/dev/null)" = running ] && break
	sleep 0.1
done
during="$(thp) $(cat "$F/aslr")"
kill -KILL $pid
wait $pid 2>/dev/null
check "during the run: THP never, ASLR 0 ($during)" [ "$during" = "never 0" ]
check "after kill -9: still never and 0, journaled with the runner as holder" \
	[ "$(thp) $(cat "$F/aslr") $(J '[.entries[].holder.pid] | unique | join(",")')" = "never 0 $pid" ]
check "the journal holds the originals (madvise, 2)" \
	[ "$(J '[.entries[] | select(.path) | "\(.path | sub(".*/"; ""))=\(.was)"] | join(" ")')" = "enabled=madvise aslr=2" ]

"$MM" list "$RES" >"$TMP/list.out" 2>"$TMP/list.err"; rc=$?
check "the next command (list) runs (exit $rc)" [ $rc = 0 ]
check "... restored THP to madvise and ASLR to 2, journal gone" \
	[ "$(thp) $(cat "$F/aslr")" = "madvise 2" -a ! -e "$F/state/machstate.json" ]
check "... with one warning line: $(head -c 300 "$TMP/list.err")" [ "$(grep -c WARNING "$TMP/list.err")/$(wc -l <"$TMP/list.err")" = 1/1 ]
check "... naming the dead runner, THP and ASLR" grep -q "WARNING: pid $pid (.*mmscale run .*journal-kill.conf.*) died with machine settings changed: restored .*aslr '0' -> '2'.*thp/enabled 'never' -> 'madvise'" "$TMP/list.err"
"$MM" list "$RES" >/dev/null 2>"$TMP/list2.err"
check "a second command has nothing to say" [ ! -s "$TMP/list2.err" ]

# killed again, then resumed straight away: the resume itself recovers first
"$MM" run "$D/journal-kill.conf" --label k2 --results "$RES" 2>/dev/null &
pid=$!
for _ in $(seq 100); do
	[ "$(jq -r .status "$RES/k2/meta.json" 2>/dev/null)" = running ] && break
	sleep 0.1
done
kill -KILL $pid
wait $pid 2>/dev/null
"$MM" run "$D/journal-kill.conf" --label k2 --results "$RES" --resume 2>"$TMP/resume.err"; rc=$?
check "--resume after kill -9: exit 0, complete" [ "$rc $(jq -r .status "$RES/k2/meta.json")" = "0 complete" ]
check "... the resume warned once and restored first" [ "$(grep -c WARNING "$TMP/resume.err")" = 1 ]
check "--resume records the true originals (thp was madvise, set; aslr was 2)" \
	[ "$(jq -c '[.applied.thp.was, .applied.thp.result, .applied.aslr.was]' "$RES/k2/meta.json")" = '["madvise","set",2]' ]
check "after the resumed run: madvise and 2, no journal" \
	[ "$(thp) $(cat "$F/aslr")" = "madvise 2" -a ! -e "$F/state/machstate.json" ]
echo "1..$n"
