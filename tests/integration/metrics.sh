#!/bin/bash
# Declared metrics end to end: the null workload declares ns/op (a client's
# wall time per loop iteration: lower is better, arithmetic mean, neither a
# rate nor higher-is-better) beside its two rates.  The runner learns the
# declarations from --list-options, summary.json carries them, and compare,
# plot, history and nightly handle ns/op with no code that knows its name.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
D=$(cd "$(dirname "$0")/../data/configs" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RES=$TMP/res DB=$TMP/h.db

decl=$("$BIN/null" --list-options | jq -c '.metrics[] | select(.name == "ns/op") | [.unit, .better, .aggregate]')
check "null --list-options declares ns/op: ns, lower, arithmetic ($decl)" [ "$decl" = '["ns","lower","arithmetic"]' ]
line=$("$BIN/null" -t 1 -i 1 -w 0 -d 0.05)
check "an iteration line carries every declared metric (and the old rate fields)" \
	[ "$(jq -c '[(.metrics | keys), (.rate_sec > 0), .schema]' <<<"$line")" = '[["ns/op","ops/cpu","ops/sec"],true,2]' ]
check "ns/op is the clients' wall time per op" \
	[ "$(jq '(.metrics["ns/op"] - ([.clients_detail[] | .end_ns - .start_ns] | add) / .work | fabs) < 1e-6 * .metrics["ns/op"]' <<<"$line")" = true ]

for r in a b; do
	"$MM" run "$D/null-metrics.conf" --label $r --results "$RES" >/dev/null 2>"$TMP/log.$r"
done
S=$RES/a/summary.json
check "summary.json: schema 2, each point's metric declarations" \
	[ "$(jq -c '[.schema, (.points[0].metrics["ns/op"] | [.unit, .better, .aggregate, (.values | length)])]' "$S")" = '[2,["ns","lower","arithmetic",5]]' ]
check "summary.json: typed axes (mode), the group rendered from them" \
	[ "$(jq -c '[.points[] | [(.axes | map("\(.key)=\(.value)") | join(" ")), .group]] | unique' "$S")" = \
	  '[["mode=processes","null mode=processes"],["mode=threads","null mode=threads"]]' ]

# compare: Amean and BAmean rows for ns/op, its change 100 - new*100/base
"$MM" compare "$RES/a" "$RES/b" --format json >"$TMP/c.json"
check "compare: ns/op rows are Amean, Min..BAmean-99 (8 stats x 2 clients x 2 groups)" \
	[ "$(jq -c '[.groups[].rows[] | select(.metric == "ns/op") | .stat] | unique' "$TMP/c.json")" = \
	  '["Amean","BAmean-50","BAmean-95","BAmean-99","CoeffVar","Max","Min","Stddev"]' -a \
	  "$(jq '[.groups[].rows[] | select(.metric == "ns/op")] | length' "$TMP/c.json")" = 32 ]
check "compare: ns/op change is positive when b is faster (100 - new*100/base)" \
	[ "$(jq '[.groups[].rows[] | select(.metric == "ns/op" and .mean_row) | .cells as $c |
		(100 - $c[1].value * 100 / $c[0].value) - $c[1].change_pct | fabs < 1e-9] | all' "$TMP/c.json")" = true ]
check "compare: the rates are Hmean rows" \
	[ "$(jq -c '[.groups[].rows[] | select(.mean_row) | [.metric, .stat]] | unique' "$TMP/c.json")" = \
	  '[["ns/op","Amean"],["ops/cpu","Hmean"],["ops/sec","Hmean"]]' ]

# plot: a picture per metric, ns/op included
if "$MM" plot "$RES/a" "$RES/b" --out "$TMP/plots" >"$TMP/plot.out" 2>&1; then
	check "plot: ns/op pictures, titled Amean" \
		bash -c "test -s '$TMP/plots/null-mode-threads.ns-op.png' && grep -q 'ns/op (Amean' '$TMP/plots/null-mode-threads.ns-op.gp'"
else
	skip "plot: ns/op pictures" "$(head -1 "$TMP/plot.out")"
fi

# history and nightly: a steady night ("even": each of b's values set to
# its point's mean, +-1%) and a slower one (even's ns/op x 1.5, rates / 1.5).
# Steady, because null's own spread at 1 client reaches a CoeffVar of 45%
# on this shared guest, and a 50% change at n = 5 is then not significant:
# the judgement under test is the direction the declaration gives.
mkdir -p "$RES/even" "$RES/slow"
jq '.label = "even" | .points[].metrics[] |= (.values as $v | ($v | add / length) as $m |
	.values = [range($v | length) | $m * (1 + 0.01 * ((. % 3) - 1))])' \
	"$RES/b/summary.json" >"$RES/even/summary.json"
jq '.label = "slow" | .points[].metrics |= with_entries(
	if .value.better == "lower" then .value.values |= map(. * 1.5) else .value.values |= map(. / 1.5) end)' \
	"$RES/even/summary.json" >"$RES/slow/summary.json"
jq '.label = "even" | .start = "2098-01-01T00:00:00Z"' "$RES/b/meta.json" >"$RES/even/meta.json"
jq '.label = "slow" | .start = "2099-01-01T00:00:00Z"' "$RES/b/meta.json" >"$RES/slow/meta.json"
"$MM" import --db "$DB" "$RES/a" "$RES/b" "$RES/even" "$RES/slow" >/dev/null
"$MM" history --db "$DB" --metric ns/op-1 --group "null mode=threads" >"$TMP/hist" 2>&1
check "history --metric ns/op-1: 4 runs (Amean series)" [ "$(grep -cE ' (a|b|even|slow) ' "$TMP/hist")" = 4 ]
"$MM" nightly --judge-only slow --db "$DB" --baseline even --json >"$TMP/v.json" 2>"$TMP/v.err"; rc=$?
check "nightly: the slower night regressed (exit 1)" [ $rc = 1 ]
check "nightly: ns/op is judged lower-is-better by Amean, a regression where it rose" \
	[ "$(jq -c '[.metrics[] | select(.metric == "ns/op") | [.better, .stat, .class]] | unique' "$TMP/v.json")" = '[["lower","Amean","regression"]]' ]
check "nightly: the rates fell and regressed too, by Hmean" \
	[ "$(jq -c '[.metrics[] | select(.metric != "ns/op") | [.better, .stat, .class]] | unique' "$TMP/v.json")" = '[["higher","Hmean","regression"]]' ]

# no metric is spelled in the runner's code (comments aside): every name
# above came from the program.  Two exceptions: the synthetic-history
# generator (history.c, synth_*), which invents pft-like nights and is
# moving out of the runner into a tool of its own (issue 9, cli); and
# results/mmtests.c, whose pft_ops are mmtests' own operation names in its
# pft format (an outside format, spelled once).
names=$(grep -rnE '"(faults|ops|forks|ns)/(sec|cpu|op)|"/sec"|"/cpu"' "$ROOT/runner" | grep -v '^[^:]*/results/mmtests.c:' |
	grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)|/\* |y->metrics\[|synth_level|strcmp\(metric, "faults/' || true)
check "no metric name in runner/${names:+: $names}" [ -z "$names" ]

rm -rf "$TMP"
echo "1..$n"
