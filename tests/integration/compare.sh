#!/bin/bash
# mmscale compare/show/list on results directories built from published data:
# the golden table of reference section 1, significance marks under both
# tests, the slab footprint of reference section 7, the output formats and
# bad input.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
DATA=$(cd "$(dirname "$0")/../data" && pwd)
GOLD=$DATA/cover-letter-section1.txt
R=$TMP/results
mkdir -p "$R"

# meta DIR LABEL [vm_area_struct objsize/objperslab/pagesperslab [vma_lock ...]]
meta() {
	local dir=$1 label=$2 caches="" sep="" name geo
	shift 2
	for name in vm_area_struct vma_lock; do
		[ $# -gt 0 ] || break
		IFS=/ read -r o p s <<<"$1"; shift
		caches+="$sep\"$name\":{\"objsize\":$o,\"objperslab\":$p,\"pagesperslab\":$s,\"merged\":false,\"merged_with\":\"\"}"
		sep=,
	done
	geo=${caches:+,\"slab\":{\"exact\":false,\"how\":\"test\",\"caches\":{$caches}}}
	cat >"$dir/meta.json" <<-EOF
	{"label":"$label","status":"complete","kernel":{"release":"6.18.0-$label","cmdline":"ro"},
	 "cpu":{"model_name":"Test CPU","family":6,"model":79,"stepping":1},
	 "topology":{"summary":"2 packages x 14 cores x 2 PUs","ncpus":56,"numa_nodes":2},
	 "mm":{"thp_enabled":"never","aslr":"0"},"start":"2025-01-10T00:00:00Z",
	 "unavailable":{"msr":"test: no /dev/cpu/0/msr"}$geo}
	EOF
}

# golden DIR LABEL COLUMN E: a run whose Hmean per point is the published
# value of COLUMN (3: baseline, 6: patched), from two samples a = x(1+E) and
# b with 2/(1/a + 1/b) = x.  A small E makes every difference significant.
golden() {
	mkdir -p "$1"
	tr -s ' ' <"$GOLD" | awk -v col="$3" -v e="$4" -v label="$2" '
	BEGIN { printf "{\"schema\":1,\"label\":\"%s\",\"points\":[", label }
	{
		op = $2; x = $col + 0
		i = match(op, /-[0-9]+$/); metric = substr(op, 1, i - 1); c = substr(op, i + 1) + 0
		a = x * (1 + e); b = 1 / (2 / x - 1 / a)
		pt[c] = pt[c] sprintf("%s\"%s\":{\"better\":\"higher\",\"values\":[%.17g,%.17g]}",
				      pt[c] == "" ? "" : ",", metric, a, b)
		if (!(c in seen)) { seen[c] = 1; order[n++] = c }
	}
	END {
		for (k = 0; k < n; k++)
			printf "%s{\"id\":\"p%03d\",\"workload\":\"pft\",\"group\":\"pft mode=threads\",\"clients\":%d,\"status\":\"ok\",\"metrics\":{%s}}",
			       k ? "," : "", k, order[k], pt[order[k]]
		print "]}"
	}' >"$1/summary.json"
}

squeeze() { tr -s ' ' | sed 's/ *$//'; }

# ---- golden table: values, percentages and stars exactly as published ----
golden "$R/base" base 3 1e-5; meta "$R/base" base 192/21/1
golden "$R/patched" patched 6 1e-5; meta "$R/patched" patched 256/32/2
expect_exit 0 "compare base patched" "$MM" compare "$R/base" "$R/patched"
cp "$TMP/out" "$TMP/golden.out"
grep '^Hmean ' "$TMP/golden.out" | squeeze >"$TMP/hmean"
if squeeze <"$GOLD" | cmp -s - "$TMP/hmean"; then
	ok "Hmean rows equal the published table of section 1 (16 rows, stars included)"
else
	fail "Hmean rows differ from the published table: $(squeeze <"$GOLD" | diff - "$TMP/hmean" | head -6)"
fi
check "header line names both runs" grep -qE '^ +base +patched$' "$TMP/golden.out"
for stat in Min Stddev CoeffVar Max BHmean-50 BHmean-95 BHmean-99; do
	cnt=$(grep -c "^$stat " "$TMP/golden.out")
	check "16 $stat rows ($cnt)" [ "$cnt" = 16 ]
done
check "rows come stat by stat, faults/cpu before faults/sec, clients ascending" \
	[ "$(awk 'NR>1 && NF>2 {print $1, $2}' "$TMP/golden.out" | head -17 | tail -2 | tr '\n' ' ')" = "Min faults/sec-56 Hmean faults/cpu-1 " ]
check "stars only on mean rows" [ "$(grep -v '^Hmean' "$TMP/golden.out" | grep -c '%\*')" = 0 ]
# spread row: 100 - new*100/base, positive is better
line=$(squeeze <"$TMP/golden.out" | grep '^Stddev faults/cpu-1 ')
want=$(awk -v b=507926.5547 -v n=506519.3692 -v e=1e-5 'BEGIN {
	a1 = b*(1+e); b1 = 1/(2/b - 1/a1); a2 = n*(1+e); b2 = 1/(2/n - 1/a2)
	s1 = (a1-b1)/sqrt(2); s2 = (a2-b2)/sqrt(2); if (s1 < 0) s1 = -s1; if (s2 < 0) s2 = -s2
	printf "%.2f%%)", 100 - s2*100/s1 }')
check "Stddev change is 100 - new*100/base ($line, want ...$want)" [ "${line%"$want"}" != "$line" ]
check "footprint: vm_area_struct 192 B x 21/slab -> 48 pages per 1000 VMAs" \
	grep -q '^base  *vm_area_struct 192 B x 21/slab -> 48 pages per 1000 VMAs$' "$TMP/golden.out"
check "footprint change against the first run (+16 pages)" \
	grep -q '^patched  *vm_area_struct 256 B x 32/slab (2 pages) -> 64 pages per 1000 VMAs (+16 pages, +33.33%)$' "$TMP/golden.out"

# ---- cover-letter mode: the published rows, byte for byte -----------------
expect_exit 0 "compare --format mail" "$MM" compare "$R/base" "$R/patched" --format mail
check "mail: exactly the 16 rows of section 1, spaces included (no header, no footer, no slab)" cmp -s "$GOLD" "$TMP/out"
"$MM" compare "$R/base" "$R/patched" --format mail --slab on >"$TMP/mail.slab"
check "mail --slab on: the same rows, then the footprint (48 -> 64 pages per 1000 VMAs)" \
	bash -c "head -16 '$TMP/mail.slab' | cmp -s '$GOLD' - && grep -q '^patched .* -> 64 pages per 1000 VMAs (+16 pages' '$TMP/mail.slab'"
"$MM" compare "$R/base" "$R/patched" --stat Hmean,Max >"$TMP/stat.out"
check "--stat Hmean,Max: only those rows (32)" \
	[ "$(awk '$1 ~ /^[A-Z]/ && /%/ {print $1}' "$TMP/stat.out" | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')" = "Hmean:16 Max:16 " ]
"$MM" compare "$R/base" "$R/patched" --slab off >"$TMP/noslab.out"
check "--slab off: no footprint" [ "$(grep -c 'pages per 1000 VMAs' "$TMP/noslab.out")" = 0 ]
mkdir -p "$R/6.13.0-rc6-base" "$R/6.13.0-patched"
cp "$R/base/summary.json" "$R/6.13.0-rc6-base/"; cp "$R/patched/summary.json" "$R/6.13.0-patched/"
sed -i 's/"label":"base"/"label":"6.13.0-rc6-base"/' "$R/6.13.0-rc6-base/summary.json"
sed -i 's/"label":"patched"/"label":"6.13.0-patched"/' "$R/6.13.0-patched/summary.json"
"$MM" compare "$R/6.13.0-rc6-base" "$R/6.13.0-patched" --header classic --stat Hmean >"$TMP/classic.out"
check "--header classic: names split as mmtests splits them (past -rcN), right-aligned over each column" \
	[ "$(head -2 "$TMP/classic.out" | sed 's/  */|/g')" = "$(printf '|6.13.0-rc6|6.13.0\n|base|patched')" -a \
	  "$(head -1 "$TMP/classic.out" | wc -c)" = "$(( 19 + 25 + 25 + 1 ))" ]
expect_exit 2 "--slab maybe" "$MM" compare "$R/base" "$R/patched" --slab maybe
expect_exit 2 "--header bogus" "$MM" compare "$R/base" "$R/patched" --header bogus

# ---- the same Hmeans with a wide spread: nothing is significant -----------
golden "$R/wide-a" wide-a 3 0.05; golden "$R/wide-b" wide-b 6 0.05
"$MM" compare "$R/wide-a" "$R/wide-b" >"$TMP/wide.out"
grep '^Hmean ' "$TMP/wide.out" | squeeze >"$TMP/wide.hmean"
squeeze <"$GOLD" | sed 's/\* *\(-\{0,1\}[0-9.]*%\)\*/( \1)/' >"$TMP/wide.want"
check "spread 5%: same values and percentages, parentheses instead of stars" cmp -s "$TMP/wide.want" "$TMP/wide.hmean"

# ---- mmtests rule vs welch on a hand-computed pair ------------------------
# a = {10, 12} (Hmean 120/11 = 10.9091), b = {15, 15} (+37.50%): se = 1.  mmtests tests the
# rows' own means (Hmean): t = 15 - 120/11 = 45/11, df 2: p = 1 - t/sqrt(2 + t^2) = 0.0549 < 0.10
# (mmtests' own figure, issue 10).  welch tests the arithmetic means: t = 4, df 1:
# p = 1 - 2/pi atan(4) = 0.156.
pair() {
	mkdir -p "$1"
	echo "{\"schema\":1,\"label\":\"${1##*/}\",\"points\":[{\"id\":\"p000\",\"workload\":\"t\",\"group\":\"t\",\"clients\":1,\"status\":\"ok\",\"metrics\":{\"ops/sec\":{\"better\":\"higher\",\"values\":[$2]}}}]}" >"$1/summary.json"
}
pair "$R/pa" "10,12"; pair "$R/pb" "15,15"; pair "$R/pc" "12,10"
mean_pct() { "$MM" compare "$@" | awk '$1 == "Hmean" {print $(NF - 1) $NF}'; }
check "mmtests rule (default): significant (*...*)" [ "$(mean_pct "$R/pa" "$R/pb")" = "*37.50%*" ]
check "welch, alpha 0.05: not significant" [ "$(mean_pct "$R/pa" "$R/pb" --test welch --alpha 0.05)" = "(37.50%)" ]
check "welch default alpha: not significant" [ "$(mean_pct "$R/pa" "$R/pb" --test welch)" = "(37.50%)" ]
check "welch, alpha 0.2 > p 0.156: significant" [ "$(mean_pct "$R/pa" "$R/pb" --test welch --alpha 0.2)" = "*37.50%*" ]
check "mmtests rule, alpha 0.05 > p 0.0549: not significant" [ "$(mean_pct "$R/pa" "$R/pb" --alpha 0.05)" = "(37.50%)" ]
p=$("$MM" compare "$R/pa" "$R/pb" --format json | jq '.groups[0].rows[] | select(.mean_row) | .cells[1].p')
check "json p = 1 - t/sqrt(2 + t^2), t = 45/11: mmtests' 0.0549 ($p)" \
	awk -v p="$p" 'BEGIN { t = 45 / 11; w = 1 - t / sqrt(2 + t * t); exit !(p > w - 1e-12 && p < w + 1e-12 && p > 0.05485 && p < 0.05495) }'
check "A/A pair (same samples, other order): not significant, 0.00%" [ "$(mean_pct "$R/pa" "$R/pc")" = "(0.00%)" ]
"$MM" compare "$R/base" "$R/base" >"$TMP/aa.out"
check "A/A on the golden run: no star anywhere" [ "$(grep -c '%\*' "$TMP/aa.out")" = 0 ]

# ---- formats ---------------------------------------------------------------
"$MM" compare "$R/base" "$R/patched" --format json >"$TMP/c.json"
check "json parses and carries 2 runs, 1 group, 16 ops x (8 stats) rows" \
	[ "$(jq -c '[(.runs|length), (.groups|length), (.groups[0].rows|length)]' "$TMP/c.json")" = "[2,1,128]" ]
check "json: Hmean faults/cpu-21 patched is +14.76% and significant" \
	[ "$(jq -r '.groups[0].rows[] | select(.stat=="Hmean" and .operation=="faults/cpu-21") | .cells[1] | "\(.change_pct*100|round/100) \(.significant)"' "$TMP/c.json")" = "14.76 true" ]
check "json: footprint 48 -> 64 pages per 1000 VMAs" \
	[ "$(jq -c '[.footprint[].pages_per_1000, .footprint[1].change_pages]' "$TMP/c.json")" = "[48,64,16]" ]
"$MM" compare "$R/base" "$R/patched" --format csv >"$TMP/c.csv"
check "csv: every line has 18 fields" [ "$(grep -v "^#" "$TMP/c.csv" | awk -F, '{print NF}' | sort -u)" = 18 ]
check "csv: 128 rows x 2 runs + footprint" [ "$(grep -c '^pft mode=threads,' "$TMP/c.csv"),$(grep -c '^footprint,' "$TMP/c.csv")" = "256,4" ]
check "csv: Hmean faults/sec-30 patched 10.26 true" \
	[ "$(awk -F, '$2=="Hmean" && $3=="faults/sec-30" && $6==1 {print $10, $11}' "$TMP/c.csv")" = "10.26 true" ]
"$MM" compare "$R/base" "$R/patched" --format markdown >"$TMP/c.md"
check "markdown: table header and separator" grep -q '^| Stat | Operation | base | % | patched | % |$' "$TMP/c.md"
check "markdown: 128 table rows with 6 cells each" \
	[ "$(grep -c '^| [A-Z][A-Za-z-]*[0-9]* | faults' "$TMP/c.md"),$(grep '^| Hmean' "$TMP/c.md" | awk -F' [|]' '{print NF}' | sort -u)" = "128,7" ]
check "markdown: escaped stars on a significant row" \
	grep -qF '| Hmean | faults/cpu-1 | 507926.5547 | 0.00% | 506519.3692 | \*-0.28%\* |' "$TMP/c.md"

# ---- one model, every format: the same cells, values and stars --------------
# g1/g2 below have a failed point and a lower-is-better metric; base/patched
# the golden rows.  From the JSON model: each mean-row cell as every other
# format must print it.
fmt_all() {	# DIR_A DIR_B: every format of one compare into $TMP/f.*
	"$MM" compare "$1" "$2" --format json >"$TMP/f.json"
	"$MM" compare "$1" "$2" >"$TMP/f.txt"
	"$MM" compare "$1" "$2" --format markdown >"$TMP/f.md"
	"$MM" compare "$1" "$2" --format csv >"$TMP/f.csv"
	MMSCALE_GNUPLOT=/nonexistent "$MM" plot "$1" "$2" --report "$TMP/f.rep" >/dev/null 2>&1
}
fmt_check() {	# what: every mean-row cell of the model in every format
	local bad=0 cells=0 stat op run value pct sig status v p
	while IFS=$'\t' read -r stat op run value pct sig status; do
		cells=$((cells + 1))
		if [ "$status" != ok ]; then
			grep -qE "^$stat +$op .* $status( |$)" "$TMP/f.txt" || { bad=1; echo "# text: $stat $op $run $status"; }
			continue
		fi
		v=$(printf '%.4f' "$value")
		if [ "$sig" = true ]; then p=$(printf '*%7.2f%%*' "$pct"); else p=$(printf '(%7.2f%%)' "$pct"); fi
		grep -qF -- "$v $p" "$TMP/f.txt" || { bad=1; echo "# text: $op run $run: '$v $p'"; }
		if [ "$sig" = true ]; then p=$(printf '\\*%.2f%%\\*' "$pct"); else p=$(printf '%.2f%%' "$pct"); fi
		grep -F -- "| $op |" "$TMP/f.md" | grep -qF -- "| $v | $p |" || { bad=1; echo "# markdown: $op run $run: '| $v | $p |'"; }
		awk -F, -v st="$stat" -v op="$op" -v r="$run" -v v="$v" -v p="$(printf '%.2f' "$pct")" -v s="$sig" \
			'$2 == st && $3 == op && $6 == r && $9 == v && $10 == p && $11 == s {f = 1} END {exit !f}' "$TMP/f.csv" ||
			{ bad=1; echo "# csv: $stat $op run $run $v $p $sig"; }
		if [ "$sig" = true ]; then p=$(printf '*%7.2f%%*' "$pct"); else p=$(printf '(%7.2f%%)' "$pct"); fi
		grep -F "data-metric=\"$op\"" "$TMP/f.rep/index.html" | grep -qF -- "$(printf '%14.4f' "$value")</td><td class=\"num$([ "$sig" = true ] && echo ' sig')" ||
			{ bad=1; echo "# html: $op run $run value"; }
		grep -F "data-metric=\"$op\"" "$TMP/f.rep/index.html" | grep -qF -- "$p" || { bad=1; echo "# html: $op run $run '$p'"; }
	done < <(jq -r '.groups[].rows[] | select(.mean_row) | . as $r | .cells | to_entries[] |
		[$r.stat, $r.operation, .key, .value.value, .value.change_pct, .value.significant, .value.status] | @tsv' "$TMP/f.json")
	check "one model in text, markdown, csv, json and html: $cells mean-row cells, the same values, changes and stars ($1)" \
		[ $bad = 0 -a $cells -gt 0 ]
}
fmt_all "$R/base" "$R/patched"; fmt_check "golden"
check "  ...and the stars are there to compare: 16 starred cells in each format" \
	[ "$(jq '[.groups[].rows[] | select(.mean_row) | .cells[] | select(.significant)] | length' "$TMP/f.json"),$(grep -c '%\*$' "$TMP/f.txt"),$(grep -c '\\\*[-0-9.]*%\\\* |$' "$TMP/f.md"),$(grep -c ',Hmean,.*,true,' "$TMP/f.csv"),$(grep -c 'class="num sig' "$TMP/f.rep/index.html")" = 16,16,16,16,16 ]

# ---- groups, failed and missing points, extra (slab deltas, perf) --------
mkdir -p "$R/g1" "$R/g2"
cat >"$R/g1/summary.json" <<'EOF'
{"schema":1,"label":"g1","points":[
 {"id":"p000","group":"pft mode=threads","clients":1,"status":"ok",
  "metrics":{"faults/sec":{"better":"higher","values":[100,100]}},
  "extra":{"slab":{"exact":true,"caches":{"vm_area_struct":{"objects":10000,"bytes":1920000,"pages":477}}},
           "perf":{"counters":{"page-faults":{"value":16384,"unit":""}},"perf":"ok"}}},
 {"id":"p001","group":"pft mode=threads","clients":2,"status":"ok","metrics":{"faults/sec":{"values":[200,210]}}},
 {"id":"p002","group":"pft mode=processes","clients":1,"status":"ok","metrics":{"time":{"better":"lower","values":[10,10]}}}]}
EOF
cat >"$R/g2/summary.json" <<'EOF'
{"schema":1,"label":"g2","points":[
 {"id":"p000","group":"pft mode=threads","clients":1,"status":"ok",
  "metrics":{"faults/sec":{"better":"higher","values":[110,110]}},
  "extra":{"slab":{"exact":true,"caches":{"vm_area_struct":{"objects":10000,"bytes":2560000,"pages":625}}},
           "perf":{"counters":{"page-faults":{"value":16390,"unit":""}},"perf":"ok"}}},
 {"id":"p001","group":"pft mode=threads","clients":2,"status":"failed","reason":"killed by signal 9"},
 {"id":"p002","group":"pft mode=processes","clients":1,"status":"ok","metrics":{"time":{"better":"lower","values":[8,8]}}}]}
EOF
meta "$R/g1" g1 160/51/2 40/102/1
meta "$R/g2" g2 176/46/2 40/102/1
"$MM" compare "$R/g1" "$R/g2" >"$TMP/g.out"
check "one table per point group" [ "$(grep -cx 'pft mode=threads\|pft mode=processes' "$TMP/g.out")" = 2 ]
check "failed point prints 'failed'" grep -qE '^Hmean +faults/sec-2 +204\.8780 \( +0\.00%\) +failed$' "$TMP/g.out"
check "constant samples that differ: significant (se = 0)" grep -qE '^Hmean +faults/sec-1 .*\* +10\.00%\*$' "$TMP/g.out"
check "lower-is-better metric: Amean and 100 - new*100/base" grep -qE '^Amean +time-1 +10\.0000 \( +0\.00%\) +8\.0000 \* +20\.00%\*$' "$TMP/g.out"
check "slab delta rows per point" grep -qE '^Slab +vm_area_struct/pages-1 +477 \( +0\.00%\) +625 \( +31\.03%\)$' "$TMP/g.out"
check "perf counter rows per point" grep -qE '^Perf +counters/page-faults/value-1 +16384 .* 16390 ' "$TMP/g.out"
check "footprint with two caches (section 7: 50 -> 54 pages)" \
	grep -q '^g2  *vm_area_struct 176 B x 46/slab (2 pages) + vma_lock 40 B x 102/slab -> 54 pages per 1000 VMAs (+4 pages, +8.00%)$' "$TMP/g.out"
mkdir -p "$R/g3"; sed 's/"label":"g1"/"label":"g3"/' "$R/g1/summary.json" >"$R/g3/summary.json"
check "a run without the point prints '-'" \
	bash -c "'$MM' compare '$R/g3' '$R/pa' | grep -qE '^Hmean +faults/sec-1 +100\.0000 \( +0\.00%\) +-$'"
check "a run without slab geometry says so in the footprint" \
	bash -c "'$MM' compare '$R/g1' '$R/g3' | grep -q '^g3  *unavailable: no slab geometry in meta.json$'"

fmt_all "$R/g1" "$R/g2"; fmt_check "failed point, lower-is-better metric"

# ---- pivots on any axes: pft's mode and layout, vmalock's layout ------------
# tests/data/results/v1-3367e60 (pft: mode x layout; vmalock: layout)
OLD=$DATA/results/v1-3367e60
hm() {	# WORKLOAD CLIENTS METRIC JQ-SELECT: the Hmean of those samples
	jq --arg w "$1" --argjson c "$2" --arg m "$3" "[.points[] | select(.workload == \$w and .clients == \$c and ($4))][0].metrics[\$m].values |
		length / (map(1 / .) | add)" "$OLD/summary.json"
}
pivot_cell() {	# JSON SUMMARY OP TITLE: the change of that cell
	jq -r --arg s "$2" --arg op "$3" --arg t "$4" '.summaries[] | select(.summary == $s) |
		(.columns | map(.title) | index($t)) as $i | .rows[] | select(.operation == $op) | .cells[$i].change_pct' "$1"
}
near_pct() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a - b < 1e-9 && b - a < 1e-9) }'; }
"$MM" compare "$OLD" --pivot mode --format json >"$TMP/pm.json"
check "--pivot mode: pft processes against threads within the run, per layout" \
	[ "$(jq -c '[.summaries[] | [.summary, .base, (.columns | map(.title))]]' "$TMP/pm.json")" = \
	  '[["mode: pft layout=shared","mode=threads",["processes"]],["mode: pft layout=per-client","mode=threads",["processes"]]]' ]
want=$(jq -n --argjson a "$(hm pft 2 faults/sec '.params.mode == "threads" and .params.layout == "shared"')" \
	--argjson b "$(hm pft 2 faults/sec '.params.mode == "processes" and .params.layout == "shared"')" '$b * 100 / $a - 100')
got=$(pivot_cell "$TMP/pm.json" "mode: pft layout=shared" faults/sec-2 processes)
check "--pivot mode: faults/sec-2 processes = Hmean change of the raw samples ($got, $want)" near_pct "$got" "$want"
"$MM" compare "$OLD" --pivot layout --format json >"$TMP/pl.json"
check "--pivot layout: pft per-client against shared, vmalock inline64 against separate" \
	[ "$(jq -c '[.summaries[] | [.summary, .base, (.columns | map(.title))]]' "$TMP/pl.json")" = \
	  '[["layout: pft mode=threads","layout=shared",["per-client"]],["layout: pft mode=processes","layout=shared",["per-client"]],["layout: vmalock mode=threads","layout=separate",["inline64"]]]' ]
want=$(jq -n --argjson a "$(hm vmalock 1 ops/sec '.params.layout == "separate"')" \
	--argjson b "$(hm vmalock 1 ops/sec '.params.layout == "inline64"')" '$b * 100 / $a - 100')
got=$(pivot_cell "$TMP/pl.json" "layout: vmalock mode=threads" ops/sec-1 inline64)
check "--pivot layout: vmalock ops/sec-1 inline64 = Hmean change of the raw samples ($got, $want)" near_pct "$got" "$want"
"$MM" compare "$OLD" --pivot mode,layout --format json >"$TMP/pml.json"
check "--pivot mode,layout: one pft table, processes against threads under each layout" \
	[ "$(jq -c '[.summaries[] | [.summary, (.columns | map(.title))]]' "$TMP/pml.json")" = \
	  '[["mode x layout: pft",["processes layout=shared","processes layout=per-client"]]]' ]
check "--pivot mode,layout: the cells equal --pivot mode's" \
	[ "$(pivot_cell "$TMP/pml.json" "mode x layout: pft" faults/sec-2 "processes layout=shared")" = \
	  "$(pivot_cell "$TMP/pm.json" "mode: pft layout=shared" faults/sec-2 processes)" ]
"$MM" compare "$OLD" >"$TMP/pd.txt"
check "default pivot: layout (x prefetch) where the runs have those axes" \
	[ "$(grep -c '^layout: ' "$TMP/pd.txt")" = 3 ]
expect_exit 2 "--pivot clients is refused" "$MM" compare "$OLD" --pivot clients
expect_exit 2 "--pivot with no axis" "$MM" compare "$OLD" --pivot ,

# ---- show and list ---------------------------------------------------------
expect_exit 0 "show base" "$MM" show "$R/base"
check "show: label, kernel, cpu, status" \
	bash -c "grep -q '^run: *base' '$TMP/out' && grep -q '^kernel: *6.18.0-base' '$TMP/out' && grep -q '^cpu: *Test CPU (family 6 model 79 stepping 1)' '$TMP/out' && grep -q '^status: *complete' '$TMP/out'"
check "show: unavailable features" grep -q '^unavailable: msr: test: no /dev/cpu/0/msr' "$TMP/out"
check "show: per-point Hmean, CoeffVar, n, status" grep -qE '^ +p000 +1 +faults/cpu +Hmean +507926\.5547 +0\.00% +2 +ok$' "$TMP/out"
expect_exit 0 "show g2" "$MM" show "$R/g2"
check "show: failed point with its reason" grep -qE 'p001 +2 +- .*failed: killed by signal 9' "$TMP/out"
expect_exit 0 "list" "$MM" list "$R"
check "list: runs with status, kernel, ok/failed points, start" \
	bash -c "grep -qE '^base +complete +6.18.0-base +8 +0 +2025-01-10T00:00:00Z$' '$TMP/out' && grep -qE '^g2 +complete +6.18.0-g2 +2 +1 ' '$TMP/out' && grep -qE '^pa +- +- +1 +0 +-$' '$TMP/out'"
check "list: one line per run dir plus the header ($(wc -l <"$TMP/out"))" [ "$(wc -l <"$TMP/out")" = "$(( $(ls "$R" | wc -l) + 1 ))" ]

# ---- bad input --------------------------------------------------------------
expect_exit 2 "compare with a non-existent dir" "$MM" compare "$R/base" "$R/nope"
check "  ...names the dir" grep -q "$R/nope: No such file or directory" "$TMP/err"
expect_exit 2 "compare with one dir only" "$MM" compare "$R/base"
check "  ...says two are needed" grep -q 'needs at least two results directories' "$TMP/err"
mkdir -p "$R/empty"
expect_exit 2 "compare with a dir that is not a results dir" "$MM" compare "$R/base" "$R/empty"
check "  ...says so" grep -q 'not a results directory' "$TMP/err"
mkdir -p "$R/broken"; printf '{"schema":1,\n"points": [1,\n' >"$R/broken/summary.json"
expect_exit 2 "compare with a corrupt summary.json" "$MM" compare "$R/base" "$R/broken"
check "  ...names file and line" grep -q "broken/summary.json:3:" "$TMP/err"
expect_exit 2 "--format bogus" "$MM" compare "$R/base" "$R/patched" --format bogus
expect_exit 2 "--test bogus" "$MM" compare "$R/base" "$R/patched" --test bogus
expect_exit 2 "--alpha 2" "$MM" compare "$R/base" "$R/patched" --alpha 2
expect_exit 2 "show a dir that is not a results dir" "$MM" show "$R/empty"
expect_exit 2 "list a missing results root" "$MM" list "$R/nope"

rm -rf "$TMP"
echo "1..$n"
