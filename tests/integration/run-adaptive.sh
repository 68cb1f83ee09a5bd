#!/bin/bash
# Adaptive iterations ([run] precision, min_iterations, max_iterations;
# stats.h's two stages) on the null workload, 20 ms per iteration: a pilot,
# then the estimated count; each point records the precision it reached,
# the samples it kept and why it stopped (point.json and summary.json);
# an unreachable precision stops at max_iterations and says so; fixed
# iterations still say what they reached; an interleaved pair stays paired;
# --set overrides; bad values exit 2.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
RES=$TMP/res
mkdir -p "$RES"

cat >"$TMP/a.conf" <<-EOF
[run]
warmup = 0
thp = keep
aslr = keep
precision = 100%
min_iterations = 3
max_iterations = 6

[workload null]
clients = 1
duration = 0.02
EOF

# a pilot of 3, then the estimate (2 to 6); stop "precision" exactly when
# the kept samples reached 100%, else "estimate" (or the cap)
expect_exit 0 "run with precision = 100%" "$MM" run "$TMP/a.conf" --results "$RES" --label easy
P=$RES/easy/points/p000/point.json
check "point.json: target 1, pilot 3, 2..6 kept, ops/sec, stop as reached says" \
	[ "$(jq -c '.precision | [.target, .pilot, (.iterations >= 2 and .iterations <= 6), .metric,
		((.stop == "precision") == (.reached <= 1))]' "$P")" = '[1,3,true,"ops/sec",true]' ]
kept=$(jq .precision.iterations "$P")
check "summary.json: the same record in the point's extra, and the kept samples only" \
	[ "$(jq -c '.points[0] | [.extra.precision.pilot, (.metrics["ops/sec"].values | length)]' "$RES/easy/summary.json")" = "[3,$kept]" ]
check "summary.json: the disturbed share is over the kept samples, not the pilot" \
	[ "$(jq '.points[0].extra.disturbed.of' "$RES/easy/summary.json")" = "$kept" ]
check "samples.jsonl: every line written (3 pilot + $kept)" [ "$(wc -l <"$RES/easy/points/p000/samples.jsonl")" = $((3 + kept)) ]
check "meta.json: settings carry precision, min and max" \
	[ "$(jq -c '.settings | [.precision, .min_iterations, .max_iterations]' "$RES/easy/meta.json")" = '[1,3,6]' ]

# unreachable: 0.0001% of a loop counter that varies by percents
expect_exit 0 "run with precision = 0.0001%" "$MM" run "$TMP/a.conf" --results "$RES" --label hard \
	--set run.precision=0.0001%
check "unreachable: stops at max_iterations (6 kept) and says so" \
	[ "$(jq -c '.precision | [.stop, .iterations, .reached > 0.000001]' "$RES/hard/points/p000/point.json")" = '["max_iterations",6,true]' ]

# fixed iterations: what they reached, stop "fixed"
expect_exit 0 "run with --set run.precision=off (fixed 4)" "$MM" run "$TMP/a.conf" --results "$RES" \
	--label fixed --set run.precision=off --iterations 4
check "fixed: 4 samples, stop fixed, no target, a reached precision" \
	[ "$(jq -c '.precision | [.stop, .iterations, .target, (.reached > 0)]' "$RES/fixed/points/p000/point.json")" = '["fixed",4,null,true]' ]
check "fixed: meta.json has no precision" [ "$(jq '.settings | has("precision")' "$RES/fixed/meta.json")" = false ]

# an interleaved pair (null's --hang 0 vs 1 as the toggled axis) stays paired
cat >"$TMP/i.conf" <<-EOF
[run]
warmup = 0
thp = keep
aslr = keep
precision = 0.0001%
min_iterations = 2
max_iterations = 4
interleave = hang

[workload null]
clients = 1
duration = 0.02
hang = 0, 1
EOF
expect_exit 0 "interleaved run with precision" "$MM" run "$TMP/i.conf" --results "$RES" --label il
check "interleaved: both points kept 4, after a pilot of 2" \
	[ "$(jq -sc '[.[] | .precision | [.iterations, .pilot]] | unique' "$RES"/il/points/p00*/point.json)" = '[[4,2]]' ]
check "interleaved: the lines alternate (A B A B: sequence numbers interleave)" \
	[ "$(jq -sc '[.[0].seq[1] - .[0].seq[0], .[1].seq[0] - .[0].seq[0]]' "$RES"/il/points/p00*/point.json)" = '[2,1]' ]

# compare: two runs at one precision differ in n without an iterations warning
"$MM" compare "$RES/easy" "$RES/hard" >/dev/null 2>"$TMP/w"
check "compare: precision differs warned, no iterations line" \
	[ "$(grep -c 'precision differs' "$TMP/w"),$(grep -c 'iterations differ' "$TMP/w")" = 1,0 ]

# bad values
for v in "precision=2" "precision=0%" "precision=abc%" "min_iterations=1" "max_iterations=x"; do
	expect_exit 2 "--set run.$v is refused" "$MM" plan "$TMP/a.conf" --set "run.$v"
done
"$MM" plan "$TMP/a.conf" --set run.precision=2% >"$TMP/plan" 2>&1
check "plan says precision 2%, a pilot of 3, at most 6" grep -q 'precision 2%: a pilot of 3, then as many as it estimates (at most 6)' "$TMP/plan"
echo "1..$n"
