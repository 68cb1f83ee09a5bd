#!/bin/bash
# The HTML report in a real browser: headless Chromium driven by chromedriver
# over the WebDriver HTTP API (curl + jq) on localhost.  The compare page of
# two real quick runs and the nightly page of two real nights are loaded from
# file://; every image must have loaded (naturalWidth > 0), the tables must
# have the expected rows, and a screenshot is taken at 1280 px (the pictures
# two abreast, the page its full width) and at a phone's 390 px (one column,
# nothing wider than the screen: tables scroll in their own box).
# KEEP_TMP=1 keeps the screenshots ($TMP/{compare,nightly}-{1280,390}.png).
. "$(dirname "$0")/../lib.sh"
M=$BIN/mmscale
CONF=$(cd "$(dirname "$0")/../.." && pwd)/configs/quick.conf
echo "1..28"

. "$(dirname "$0")/../browser.sh"
if ! why=$(browser_available); then
	for i in $(seq 1 28); do skip "report in a browser" "$why"; done
	exit 0
fi

# Two real runs, the compare report, and two nights with their report.
for l in a b; do
	"$M" run "$CONF" --results "$TMP/res" --label $l --iterations 3 >"$TMP/run.$l" 2>&1 ||
		{ echo "Bail out! mmscale run quick.conf failed: $(tail -2 "$TMP/run.$l")"; exit 1; }
done
expect_exit 0 "compare report written" "$M" plot "$TMP/res/a" "$TMP/res/b" --report "$TMP/rep"
for l in n1 n2; do
	"$M" nightly "$CONF" --label $l --results "$TMP/nres" --iterations 3 --db "$TMP/h.sqlite" \
		--report "$TMP/nrep" >"$TMP/night.$l" 2>&1
done
check "nightly report written" test -s "$TMP/nrep/index.html"
check "no network resources in the pages" \
	bash -c "! grep -Eiq '(src|href)=\"(https?:)?//|<script' '$TMP/rep/index.html' '$TMP/nrep/index.html'"

# chromedriver and one headless session (tests/browser.sh)
if ! browser_start; then
	fail "chromium session: $(head -c 300 "$TMP/driver.log")"
	exit 1
fi
ok "headless chromium session at $W"

browser_open "$TMP/rep/index.html"
imgs=$(js "$IMGS")
nimg=$(jq 'length' <<<"$imgs")
nbad=$(jq '[.[] | select(.ok | not)] | length' <<<"$imgs")
# 2 metrics x (values, change) + the slab footprint where slabinfo is readable
want=4; [ -r /proc/slabinfo ] && want=5
check "compare page: $nimg images (want $want), all loaded (naturalWidth > 0), $nbad not" \
	test "$nimg" = $want -a "$nbad" = 0
check "compare page: images are 800x500" test "$(jq '[.[] | select(.w != 800 or .h != 500)] | length' <<<"$imgs")" = 0
rows=$(js 'return Array.from(document.querySelectorAll("table.cmp tbody tr.row")).map(r => r.dataset.metric);')
check "compare table rows: faults/cpu-1,2 and faults/sec-1,2 ($rows)" \
	test "$rows" = '["faults/cpu-1","faults/cpu-2","faults/sec-1","faults/sec-2"]'
cells=$(js 'return document.querySelectorAll("table.cmp tbody tr.row")[0].cells.length;')
check "compare row: stat, metric, and value + change per run ($cells cells)" test "$cells" = 6
# at_width W NAME: resize, every image still loaded, nothing wider than the
# window, a screenshot
LAYOUT='return {w: window.innerWidth, sw: document.documentElement.scrollWidth,
	figs: Array.from(document.querySelectorAll("figure")).map(f => Math.round(f.getBoundingClientRect().top)),
	grid: (document.querySelector(".figs") || document.body).clientWidth};'
at_width() {
	local w=$1 name=$2 lay
	wd POST "/session/$sid/window/rect" "{\"width\": $w, \"height\": 2400}" >/dev/null
	imgs=$(js "$IMGS")
	check "$name at $w px: all $(jq length <<<"$imgs") images loaded" \
		test "$(jq '[.[] | select(.ok | not)] | length' <<<"$imgs")" = 0 -a "$(jq length <<<"$imgs")" -gt 0
	lay=$(js "$LAYOUT")
	check "$name at $w px: nothing wider than the window ($(jq -c '[.w, .sw]' <<<"$lay"))" \
		test "$(jq '.sw <= .w' <<<"$lay")" = true
	if [ "$w" -ge 1280 ]; then
		check "$name at $w px: the pictures two abreast in the full width ($(jq -c '[.grid, .figs[0:2]]' <<<"$lay"))" \
			test "$(jq '.grid > 1100 and (.figs | length) >= 2 and .figs[0] == .figs[1]' <<<"$lay")" = true
	else
		check "$name at $w px: one picture a row ($(jq -c '.figs[0:2]' <<<"$lay"))" \
			test "$(jq '(.figs | length) >= 2 and .figs[0] < .figs[1]' <<<"$lay")" = true
	fi
	wd GET "/session/$sid/screenshot" | jq -r '.value' | base64 -d >"$TMP/$name-$w.png" 2>/dev/null
	check "screenshot of the $name page at $w px ($(stat -c %s "$TMP/$name-$w.png" 2>/dev/null) bytes)" \
		test "$(od -An -tx1 -N4 "$TMP/$name-$w.png" | tr -d ' ')" = 89504e47
}
at_width 1280 compare
at_width 390 compare

wd POST "/session/$sid/window/rect" '{"width": 1280, "height": 2400}' >/dev/null
wd POST "/session/$sid/url" "$(jq -n --arg u "file://$TMP/nrep/index.html" '{url: $u}')" >/dev/null
imgs=$(js "$IMGS")
nimg=$(jq 'length' <<<"$imgs")
nbad=$(jq '[.[] | select(.ok | not)] | length' <<<"$imgs")
check "nightly page: $nimg trend images, all loaded, $nbad not" test "$nimg" = 4 -a "$nbad" = 0
rows=$(js 'return Array.from(document.querySelectorAll("table#verdict tbody tr.row")).map(r => r.dataset.metric).sort();')
check "nightly table rows: the 4 headline metrics ($rows)" \
	test "$rows" = '["faults/cpu-1","faults/cpu-2","faults/sec-1","faults/sec-2"]'
when=$(js 'return Array.from(document.querySelectorAll("table.meta tr")).filter(r => r.cells[0].textContent == "time").map(r => r.cells[1].textContent)[0];')
check "nightly page: the run's time is a date ($when)" \
	grep -qE '^"20[0-9]{2}-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9] UTC"$' <<<"$when"
at_width 1280 nightly
at_width 390 nightly
pid=$dpid
browser_stop
trap - EXIT
check "chromedriver stopped" bash -c "! kill -0 $pid 2>/dev/null"
[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
