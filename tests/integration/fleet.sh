#!/bin/bash
# mmscale fleet on a 4-machine synthetic history, judged with --judge-all:
#  - m1: faults/sec-2 drops 8% on night 50; m4: faults/cpu-1 drops 8% on
#    night 52; m2: A/A; m3: faults/sec-1 gains 8% on night 50
#  - exactly those two cells are REGRESSION, m2 and m3 are ok, exit 1
#  - the latest change point of m1 faults/sec-2 is night 50 +- 2
#  - without m1 and m4 (--machine m2): exit 0
#  - --report: the page in headless Chromium, every trend image loaded
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../browser.sh"
M=$BIN/mmscale
SYNTH=$BIN/mmscale-synth-history
DB=$TMP/fleet.sqlite

"$SYNTH" nights=60,machine=m1,seed=31,step=50:faults/sec-2:-8 --db "$DB" >/dev/null
"$SYNTH" nights=60,machine=m2,seed=32 --db "$DB" >/dev/null
"$SYNTH" nights=60,machine=m3,seed=33,step=50:faults/sec-1:8 --db "$DB" >/dev/null
"$SYNTH" nights=60,machine=m4,seed=34,step=52:faults/cpu-1:-8 --db "$DB" >/dev/null
"$M" nightly --judge-all --db "$DB" >"$TMP/judge" 2>&1
check "the history judged: 240 nights" grep -q '^judged 240 nights' "$TMP/judge"

expect_exit 1 "fleet: a machine's last night regressed" "$M" fleet --db "$DB" --report "$TMP/rep"
cp "$TMP/out" "$TMP/fleet"
check "16 cells (4 machines x 4 metrics)" test "$(grep -c '^m[1-4] ' "$TMP/fleet")" = 16
reg=$(awk '$7 == "REGRESSION" { printf "%s%s:%s", n++ ? " " : "", $1, $3 }' "$TMP/fleet")
check "REGRESSION cells: m1 faults/sec-2 and m4 faults/cpu-1 ($reg)" \
	test "$reg" = "m1:faults/sec-2 m4:faults/cpu-1"
check "m2 and m3: every cell ok" \
	test "$(awk '($1 == "m2" || $1 == "m3") && $7 == "ok"' "$TMP/fleet" | wc -l)" = 8
at=$(awk '$1 == "m1" && $3 == "faults/sec-2" { sub("m1-n0*", "", $9); print $9 }' "$TMP/fleet")
check "m1 faults/sec-2: latest change point on night ${at:-none} (put on 50)" \
	test -n "$at" -a "${at:-0}" -ge 48 -a "${at:-0}" -le 52
check "m3 faults/sec-1: its change is an improvement" \
	awk '$1 == "m3" && $3 == "faults/sec-1" && $10 ~ /^\+/ { ok = 1 } END { exit !ok }' "$TMP/fleet"
expect_exit 0 "fleet --machine m2: exit 0" "$M" fleet --db "$DB" --machine m2
expect_exit 2 "fleet: an unknown option" "$M" fleet --db "$DB" --lable m2
expect_exit 3 "fleet: no such SQLite file" "$M" fleet --db "$TMP/none/x.sqlite"

check "report page and 16 trends written" test -s "$TMP/rep/index.html" -a "$(ls "$TMP/rep"/cell-*.svg | wc -l)" = 16
check "no network resources, no script" \
	bash -c "! grep -Eiq '(src|href)=\"(https?:)?//|<script' '$TMP/rep/index.html'"
if why=$(browser_available); then
	if browser_start; then
		browser_open "$TMP/rep/index.html"
		imgs=$(js "$IMGS")
		check "fleet page in Chromium: $(jq length <<<"$imgs") trend images, all loaded" \
			test "$(jq length <<<"$imgs")" = 16 -a "$(jq '[.[] | select(.ok | not)] | length' <<<"$imgs")" = 0
		cells=$(js 'return Array.from(document.querySelectorAll("td.regression")).length;')
		check "fleet page: 2 regression cells ($cells)" test "$cells" = 2
		wd POST "/session/$sid/window/rect" '{"width": 390, "height": 2400}' >/dev/null
		sw=$(js 'return [window.innerWidth, document.documentElement.scrollWidth];')
		check "fleet page at 390 px: nothing wider than the window ($sw)" \
			test "$(jq '.[1] <= .[0]' <<<"$sw")" = true
		browser_stop
	else
		fail "chromium session: $(head -c 300 "$TMP/driver.log")"
	fi
else
	for i in 1 2 3; do skip "fleet page in a browser" "$why"; done
fi

echo "1..$n"
rm -rf "$TMP"
