#!/bin/bash
# A prefetch = on, off axis: refused up front (exit 4, nothing written)
# where the MSR cannot be driven, as on this VM; on a fake Broadwell MSR
# tree it runs interleaved and every CPU gets its value back.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
DATA=$(cd "$(dirname "$0")/../data" && pwd)
CFG=$DATA/configs/prefetch-ab.conf
RES=$TMP/res

if "$MM" prefetch status >/dev/null 2>&1 && [ -z "${MMSCALE_MSR_ROOT:-}" ]; then
	skip "prefetch axis refused" "this machine can drive the prefetcher"
else
	expect_exit 4 "prefetch axis where the MSR is unavailable: exit 4" "$MM" run "$CFG" --label no --results "$RES"
	if intel_cpu; then
		check "... saying why" grep -q "prefetch axis: unavailable: .*msr" "$TMP/err"
	else
		check "... saying why (not Intel)" grep -q "prefetch axis: unsupported: .*family" "$TMP/err"
	fi
	check "... and nothing written" [ ! -e "$RES/no" ]
fi

# a fake 4-CPU Broadwell-EP MSR tree (as tests/integration/prefetch.sh)
fake_msr_tree "$TMP/fake" cpuinfo-broadwell-ep
for c in 0 1 2 3; do	# l2 and dcu off: bits the adjacent toggle must keep
	printf '\x05' | dd of="$F/msr/$c/msr" bs=1 seek=420 conv=notrunc status=none
done
before=$(cat "$F"/msr/*/msr | md5sum)
"$MM" run "$CFG" --label fake --results "$RES" 2>"$TMP/log"; rc=$?
check "fake Broadwell: the prefetch on/off run completes" [ "$rc $(jq -r .status "$RES/fake/meta.json")" = "0 complete" ]
order=$(for p in p000 p001; do jq -c --arg p $p '.seq[] | [., $p]' "$RES/fake/points/$p/point.json"; done |
	jq -s -r 'sort_by(.[0]) | map(.[1] | if . == "p000" then "on" else "off" end) | join(" ")')
check "on and off alternate: $order" [ "$order" = "on off on off" ]
check "point.json read the MSRs back: adjacent on for p000, off for p001 on every CPU" \
	[ "$(jq -s -c 'map([.prefetch.cpus[].adjacent] | unique)' "$RES"/fake/points/p00[01]/point.json)" = '[["on"],["off"]]' ]
check "every fake MSR is back to its value, the journal gone" \
	[ "$(cat "$F"/msr/*/msr | md5sum)" = "$before" -a ! -e "$F/state/prefetch.json" ]
check "meta.json records the per-CPU prefetch state" [ "$(jq '.prefetch | tostring | test("adjacent")' "$RES/fake/meta.json")" = true ]
echo "1..$n"
