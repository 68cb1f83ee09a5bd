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

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
DRIVER=$(command -v chromedriver || true)
if [ -z "$CHROMIUM" ] || [ -z "$DRIVER" ]; then
	for i in $(seq 1 28); do skip "report in a browser" "chromium or chromedriver not installed (apt-get install chromium chromium-driver)"; done
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

# chromedriver on a free localhost port, in its own process group so the
# browser it starts goes with it.
port=""
for p in $(shuf -i 20000-60000 -n 20); do
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
setsid "$DRIVER" --port="$port" --allowed-ips= >"$TMP/driver.log" 2>&1 &
dpid=$!
W=http://127.0.0.1:$port
sid=""
cleanup() {
	[ -n "$sid" ] && curl -s --max-time 10 -X DELETE "$W/session/$sid" >/dev/null
	kill -- -"$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
}
trap cleanup EXIT
for i in $(seq 1 50); do
	[ "$(curl -s --max-time 2 "$W/status" | jq -r '.value.ready' 2>/dev/null)" = true ] && break
	sleep 0.2
done
wd() {	# wd METHOD PATH [JSON]: one WebDriver call, its JSON answer on stdout
	curl -s --max-time 60 -X "$1" -H 'Content-Type: application/json' \
		${3:+--data "$3"} "$W$2"
}
caps=$(jq -n --arg bin "$CHROMIUM" --arg dir "$TMP/profile" '{capabilities: {alwaysMatch: {
	browserName: "chrome", "goog:chromeOptions": {binary: $bin, args: [
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-dev-shm-usage", "--window-size=1280,2400", ("--user-data-dir=" + $dir)]}}}}')
sid=$(wd POST /session "$caps" | jq -r '.value.sessionId // empty')
if [ -z "$sid" ]; then
	fail "chromium session: $(head -c 300 "$TMP/driver.log")"
	exit 1
fi
ok "headless chromium session on port $port"

js() {	# js SCRIPT: the value the script returns, as JSON
	wd POST "/session/$sid/execute/sync" "$(jq -n --arg s "$1" '{script: $s, args: []}')" | jq -c '.value'
}
# every <img>: complete and decoded (naturalWidth > 0)
IMGS='return Array.from(document.images).map(i => ({src: i.getAttribute("src"), ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth, h: i.naturalHeight}));'

wd POST "/session/$sid/url" "$(jq -n --arg u "file://$TMP/rep/index.html" '{url: $u}')" >/dev/null
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
cleanup
sid=""
trap - EXIT
check "chromedriver stopped" bash -c "! kill -0 $dpid 2>/dev/null"
[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
