# tests/browser.sh - headless Chromium through chromedriver's WebDriver HTTP
# API (curl + jq) on localhost, for checking report pages (sourced after
# lib.sh; the same calls as report-browser.sh).
#   browser_available   prints why not and returns 1 when chromium or
#                       chromedriver is missing
#   browser_start       chromedriver on a free port, one session (sets sid);
#                       browser_stop (also on EXIT) ends both
#   browser_open FILE   load file://FILE
#   js SCRIPT           the script's return value as JSON
#   IMGS                a script: every <img> with its src and whether it
#                       loaded (complete, naturalWidth > 0)
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
DRIVER=$(command -v chromedriver || true)
IMGS='return Array.from(document.images).map(i => ({src: i.getAttribute("src"), ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth, h: i.naturalHeight}));'
sid="" dpid=""

browser_available() {
	[ -n "$CHROMIUM" ] && [ -n "$DRIVER" ] && return 0
	echo "chromium or chromedriver not installed (apt-get install chromium chromium-driver)"
	return 1
}

wd() {	# wd METHOD PATH [JSON]: one WebDriver call, its JSON answer on stdout
	curl -s --max-time 60 -X "$1" -H 'Content-Type: application/json' \
		${3:+--data "$3"} "$W$2"
}

browser_stop() {
	[ -n "$sid" ] && curl -s --max-time 10 -X DELETE "$W/session/$sid" >/dev/null
	[ -n "$dpid" ] && kill -- -"$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	sid="" dpid=""
}

browser_start() {
	local port="" p caps
	for p in $(shuf -i 20000-60000 -n 20); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
	done
	# its own process group, so the browser it starts goes with it
	setsid "$DRIVER" --port="$port" --allowed-ips= >"$TMP/driver.log" 2>&1 &
	dpid=$!
	W=http://127.0.0.1:$port
	trap browser_stop EXIT
	for _ in $(seq 1 50); do
		[ "$(curl -s --max-time 2 "$W/status" | jq -r '.value.ready' 2>/dev/null)" = true ] && break
		sleep 0.2
	done
	caps=$(jq -n --arg bin "$CHROMIUM" --arg dir "$TMP/profile" '{capabilities: {alwaysMatch: {
		browserName: "chrome", "goog:chromeOptions": {binary: $bin, args: [
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--window-size=1280,2400", ("--user-data-dir=" + $dir)]}}}}')
	sid=$(wd POST /session "$caps" | jq -r '.value.sessionId // empty')
	[ -n "$sid" ]
}

browser_open() { wd POST "/session/$sid/url" "$(jq -n --arg u "file://$1" '{url: $u}')" >/dev/null; }

js() { wd POST "/session/$sid/execute/sync" "$(jq -n --arg s "$1" '{script: $s, args: []}')" | jq -c '.value'; }
