#!/bin/bash
# mmscale configs and plans, without running workloads: every config error
# exits 2 naming file:line and the key; plans expand axes and expressions.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
D=$(cd "$(dirname "$0")/../data/configs" && pwd)
cd "$(dirname "$0")/../.."

# expect_cfg_error CONFIG LINE KEY: exit 2 and "CONFIG:LINE:" and the key in the message
expect_cfg_error() {
	local cfg=$1 line=$2 key=$3 rc
	"$MM" plan "$cfg" >"$TMP/out" 2>"$TMP/err"; rc=$?
	if [ $rc = 2 ] && grep -qF "$cfg:$line:" "$TMP/err" && grep -qF -- "$key" "$TMP/err"; then
		ok "$(basename "$cfg"): exit 2 at line $line, names '$key'"
	else
		fail "$(basename "$cfg"): exit $rc, wanted 2 with '$cfg:$line:' and '$key'; got: $(cat "$TMP/err")"
	fi
}

# a missing config has no line to name (issue 15: it said "nothere.conf:0:")
"$MM" plan "$D/nothere.conf" >"$TMP/out" 2>"$TMP/err"; rc=$?
if [ $rc = 2 ] && grep -qxF "mmscale: $D/nothere.conf: cannot open the config: No such file or directory" "$TMP/err"
then ok "nothere.conf: exit 2, named without a line number"
else fail "nothere.conf: exit $rc; got: $(cat "$TMP/err")"; fi
expect_cfg_error "$D/bad-value.conf" 4 "key 'thp'"
expect_cfg_error "$D/unknown-key.conf" 7 "key 'sise'"
expect_cfg_error "$D/list-single.conf" 4 "key 'iterations'"
expect_cfg_error "$D/bad-option-value.conf" 7 "key 'layout'"
expect_cfg_error "$D/unknown-section.conf" 4 "[worklaod pft]"
expect_cfg_error "$D/too-many-clients.conf" 6 "key 'clients'"
expect_cfg_error "$D/syntax.conf" 3 "syntax error"
expect_cfg_error "$D/bad-interleave.conf" 2 "key 'interleave'"
expect_cfg_error "$D/no-program.conf" 4 "nosuchworkload"
# a config error also stops `run` before anything is written
expect_exit 2 "run with a bad config exits 2" "$MM" run "$D/unknown-key.conf" --results "$TMP/res" --label x
check "... and writes no results directory" [ ! -e "$TMP/res/x" ]

# plans
"$MM" plan --json "$D/expressions.conf" >"$TMP/plan.json"
if [ "$(jq .ncpus "$TMP/plan.json")" = 2 ]; then
	check "expressions: pft large-stride (1 2 here) x 2 modes, then \$ncpus/2, \$ncpus" \
		[ "$(jq -c '[.points[] | [.workload, .params.mode, .clients]]' "$TMP/plan.json")" = \
		  '[["pft","threads",1],["pft","threads",2],["pft","processes",1],["pft","processes",2],["half","threads",1],["half","threads",2]]' ]
else
	skip "expressions on 2 CPUs" "this machine has $(jq .ncpus "$TMP/plan.json") CPUs"
fi
memkb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)
check "size = 1% resolves to 1% of MemTotal in bytes" \
	[ "$(jq -r '.points[0].params.size' "$TMP/plan.json")" = "$(awk -v k="$memkb" 'BEGIN { printf "%.0f", int(k * 1024 / 100) }')" ]
check "argv carries -t/-n and the options" \
	[ "$(jq -c '.points[2].argv[:3]' "$TMP/plan.json")" = '["pft","-n","1"]' ]
check "ids are stable p000.." [ "$(jq -c '[.points[].id][:3]' "$TMP/plan.json")" = '["p000","p001","p002"]' ]

out=$("$MM" plan --json --topology "pack:2 core:14 pu:2" configs/cover-letter.conf)
check "cover-letter on a synthetic 56-CPU box: 1 4 7 12 21 30 48 56" \
	[ "$(jq -c '[.points[].clients]' <<<"$out")" = "[1,4,7,12,21,30,48,56]" ]
out=$(MMSCALE_TOPOLOGY="pack:16 core:32 pu:2" "$MM" plan --json configs/pft-threads.conf)
check "MMSCALE_TOPOLOGY: a synthetic 1024-CPU topology plans up to 1024 clients" \
	[ "$(jq -c '[.ncpus, (.points | last | .clients)]' <<<"$out")" = "[1024,1024]" ]
out=$("$MM" plan --json "$D/null-interleave.conf")
check "interleave: hang=0 and hang=20 of one client count share a set" \
	[ "$(jq -c '[.points[] | [.clients, .params.hang, .set]]' <<<"$out")" = '[[1,"0",0],[2,"0",1],[1,"20",0],[2,"20",1]]' ]
echo "1..$n"
