#!/bin/bash
# compare's warnings (runner/stats/warn.c) on constructed runs: a clean A/B
# pair is silent, and each warning fires on a pair made to have exactly its
# problem: different config hashes, different parameters, different
# iterations, the same kernel and command line, fewer than 5 samples, a star
# within CoeffVar, a different machine.  Each is one line on stderr and in
# the JSON, CSV, markdown and HTML metadata; --strict exits 2.  Then the
# 95% intervals and p-values every format carries (--ci, --show-p in text).
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
R=$TMP/res
mkdir -p "$R"

# mkrun DIR LABEL [key=value...]: a run of one pft point at 1 client whose
# faults/sec samples are V (default 30 values around 100 with CoeffVar 1%);
# keys: kernel, cmdline, hash, size, iterations, host, cpu, values
mkrun() {
	local dir=$R/$1 label=$1 kernel=6.18.0-$1 cmdline=ro hash=aaaa size=8M iterations=30
	local host=vm cpu="Test CPU" values="" kv
	shift
	for kv in "$@"; do
		case $kv in
		kernel=*) kernel=${kv#*=} ;; cmdline=*) cmdline=${kv#*=} ;;
		hash=*) hash=${kv#*=} ;; size=*) size=${kv#*=} ;;
		iterations=*) iterations=${kv#*=} ;; host=*) host=${kv#*=} ;;
		cpu=*) cpu=${kv#*=} ;; values=*) values=${kv#*=} ;;
		esac
	done
	[ -n "$values" ] || values=$(awk 'BEGIN { for (i = 0; i < 30; i++) printf "%s%g", i ? "," : "", 100 + (i % 2 ? 1 : -1) }')
	mkdir -p "$dir"
	cat >"$dir/meta.json" <<-EOF
	{"label":"$label","status":"complete","hostname":"$host",
	 "kernel":{"release":"$kernel","cmdline":"$cmdline"},
	 "cpu":{"model_name":"$cpu"},"config":{"path":"t.conf","hash":"$hash"},
	 "settings":{"iterations":$iterations,"warmup":1},"start":"2026-12-02T00:00:00Z"}
	EOF
	cat >"$dir/summary.json" <<-EOF
	{"schema":1,"label":"$label","points":[{"id":"p000","workload":"pft","group":"pft mode=threads",
	 "clients":1,"status":"ok","params":{"mode":"threads","size":"$size","clients":1},
	 "metrics":{"faults/sec":{"better":"higher","values":[$values]}}}]}
	EOF
}

# warns WHAT PATTERN B: compare base B warns PATTERN (one line, in every
# format), exit 0 without --strict and 2 with it
warns() {
	local what=$1 pat=$2 b=$3 got
	"$MM" compare "$R/base" "$R/$b" --format json >"$TMP/w.json" 2>"$TMP/w.err"
	got=$(grep -c "^mmscale: compare: warning: $pat" "$TMP/w.err")
	check "$what: one line on stderr ($got)" [ "$got" = 1 ]
	check "$what: in the JSON's warnings" \
		[ "$(jq --arg p "$pat" '[.warnings[] | select(startswith($p))] | length' "$TMP/w.json")" = 1 ]
	"$MM" compare "$R/base" "$R/$b" --format csv 2>/dev/null >"$TMP/w.csv"
	"$MM" compare "$R/base" "$R/$b" --format markdown 2>/dev/null >"$TMP/w.md"
	check "$what: a CSV header comment and a markdown warning" \
		[ "$(grep -c "^# warning: $pat" "$TMP/w.csv"),$(grep -c "^- $pat" "$TMP/w.md")" = 1,1 ]
	expect_exit 2 "$what: --strict" "$MM" compare "$R/base" "$R/$b" --strict
}

mkrun base
mkrun clean
"$MM" compare "$R/base" "$R/clean" --format json >"$TMP/c.json" 2>"$TMP/c.err"
check "clean pair: nothing on stderr" [ ! -s "$TMP/c.err" ]
check "clean pair: JSON warnings empty" [ "$(jq -c .warnings "$TMP/c.json")" = "[]" ]
"$MM" compare "$R/base" "$R/clean" --format csv >"$TMP/c.csv" 2>/dev/null
check "clean pair: CSV starts with its header" [ "$(head -c 6 "$TMP/c.csv")" = "group," ]
expect_exit 0 "clean pair: --strict" "$MM" compare "$R/base" "$R/clean" --strict

mkrun hash hash=bbbb
warns "config hash" "config differs: base ran config t.conf (hash aaaa), hash config t.conf (hash bbbb)" hash
mkrun size size=16M
warns "parameters" "parameters differ: pft mode=threads size: 8M in base, 16M in size" size
mkrun iter iterations=10
warns "iterations" "iterations differ: base ran 30 per point, iter 10" iter
mkrun aa kernel=6.18.0-base
warns "A/A hint" "same kernel: base and aa both ran 6.18.0-base with the same command line" aa
mkrun cmdline kernel=6.18.0-base cmdline="ro quiet"
"$MM" compare "$R/base" "$R/cmdline" 2>"$TMP/e" >/dev/null
check "same kernel, another command line: no A/A hint" [ ! -s "$TMP/e" ]
mkrun few values=100,101,99
warns "few samples" "few samples: few has fewer than 5 samples in 1 of 1 mean cells" few
mkrun host host=other
warns "machine (hostname)" "different machines: base ran on vm (Test CPU), host on other (Test CPU)" host
mkrun cpu cpu="Other CPU"
warns "machine (CPU model)" "different machines: base ran on vm (Test CPU), cpu on vm (Other CPU)" cpu

# a 5% drop starred (mmtests rule, p < 0.10 at n = 30 + 30) while each side's
# CoeffVar is 10%: the star is within one iteration's spread
wide() { awk -v m="$1" 'BEGIN { for (i = 0; i < 30; i++) printf "%s%g", i ? "," : "", m + (i % 2 ? 10 : -10) }'; }
mkrun nbase values="$(wide 100)"
mkrun noisy values="$(wide 95)"
"$MM" compare "$R/nbase" "$R/noisy" --format json >"$TMP/n.json" 2>"$TMP/n.err"
check "noisy star: the cell is starred" \
	[ "$(jq '.groups[0].rows[] | select(.stat == "Hmean") | .cells[1].significant' "$TMP/n.json")" = true ]
check "noisy star: one line naming the cell, the change and the CoeffVar" \
	grep -q '^mmscale: compare: warning: noisy star: pft mode=threads Hmean faults/sec-1: noisy -5.10% is within CoeffVar 10.71% (nbase 10.17%, noisy 10.71%)' "$TMP/n.err"
mkrun clear values="$(awk 'BEGIN { for (i = 0; i < 30; i++) printf "%s%g", i ? "," : "", 90 + (i % 2 ? 1 : -1) }')"
"$MM" compare "$R/base" "$R/clear" 2>"$TMP/e" >"$TMP/o"
check "a starred 10% change at CoeffVar 1%: starred, no warning" \
	[ "$(grep -c '%\*$' "$TMP/o")" = 1 -a ! -s "$TMP/e" ]

# the HTML page carries them too
MMSCALE_GNUPLOT=/nonexistent "$MM" plot "$R/base" "$R/aa" --report "$TMP/rep" >/dev/null 2>&1
check "html: a Warnings list with the A/A hint" \
	grep -q '<li>same kernel: base and aa both ran 6.18.0-base' "$TMP/rep/index.html"
# ---- confidence intervals and p ---------------------------------------------
# base: 30 samples 99/101, stddev sqrt(30/29), Hmean 2/(1/99 + 1/101);
# t(0.975; 29) = 2.0452296421327 (the printed tables' 2.045)
ci=$(awk 'BEGIN { h = 2 / (1/99 + 1/101); w = 2.0452296421327 * sqrt(30/29) / sqrt(30)
	printf "%.4f %.4f", h - w, h + w }')
"$MM" compare "$R/base" "$R/clear" --format json >"$TMP/ci.json" 2>/dev/null
check "json: the base cell's 95% interval is Hmean +- t * s / sqrt(n) ($ci)" 	[ "$(jq -r '.groups[0].rows[] | select(.mean_row) | .cells[0].ci | "\(.lo*10000|round/10000) \(.hi*10000|round/10000)"' "$TMP/ci.json" |
	     awk '{printf "%.4f %.4f", $1, $2}')" = "$ci" ]
check "json: every stat cell carries n, mean, stddev, ci and p" 	[ "$(jq '[.groups[0].rows[] | select(.stat != "Slab") | .cells[1] | select(has("n") and has("mean") and has("stddev") and has("ci") and has("p"))] | length' "$TMP/ci.json")" = 8 ]
"$MM" compare "$R/base" "$R/clear" --ci --show-p >"$TMP/ci.txt" 2>/dev/null
lo=${ci% *} hi=${ci#* }
check "text --ci --show-p: the interval and p on the Hmean row" 	grep -qE "^Hmean +faults/sec-1 .*\\( +0.00%\\) \\[ *$lo, +$hi\\] .*%\\* \\[.*\\] p=[0-9.e-]+$" "$TMP/ci.txt"
check "text --ci: other rows have no interval" [ "$(grep -c '\[' "$TMP/ci.txt")" = 2 ]
check "text without --ci: no interval" [ "$("$MM" compare "$R/base" "$R/clear" 2>/dev/null | grep -c '\[')" = 0 ]
"$MM" compare "$R/base" "$R/clear" --format csv >"$TMP/ci.csv" 2>/dev/null
check "csv: n, mean, stddev, ci_lo, ci_hi after p" \
	[ "$(awk -F, '$2 == "Hmean" && $6 == 0 {printf "%s %.4f %.4f", $13, $16, $17}' "$TMP/ci.csv")" = "30 $ci" ]
# the change's interval (Welch): base 100+-1 against clear 90+-1, 30 each:
# se = sqrt(2 * (30/29) / 30), df 58, t(0.975; 58) = 2.0017174841 (GSL, any
# t table: 2.002), relative to base's Hmean
cci=$(awk 'BEGIN { ha = 2 / (1/99 + 1/101); hb = 2 / (1/89 + 1/91); h = 2.0017174841 * sqrt(2 * (30/29) / 30)
	printf "%.4f %.4f", (hb - h) * 100 / ha - 100, (hb + h) * 100 / ha - 100 }')
check "json: the change's 95% interval is Welch's of the two Hmeans, relative to the base ($cci)" \
	[ "$(jq -r '.groups[0].rows[] | select(.mean_row) | .cells[1].change_ci | "\(.lo) \(.hi)"' "$TMP/ci.json" |
	     awk '{printf "%.4f %.4f", $1, $2}')" = "$cci" ]
check "json: the base cell has no change interval" \
	[ "$(jq '[.groups[0].rows[] | select(.mean_row) | .cells[0] | has("change_ci")] | any' "$TMP/ci.json")" = false ]
check "html: p printed beside the change" \
	grep -qE 'data-metric="faults/sec-1".*<span class="p">p=[0-9.e-]+</span>' "$TMP/rep/index.html"

echo "1..$n"
