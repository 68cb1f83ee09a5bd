#!/bin/bash
# The compare page's "what differs" table on two constructed runs: copies of
# the kept results fixture, the second with its kernel release, command line,
# THP mode, CPU model and one config key changed.  The table must list
# exactly those five fields, mark the second run's cells, and say "nothing"
# for two identical copies.  No workload runs (the fixture's samples are real).
. "$(dirname "$0")/../lib.sh"
M=$BIN/mmscale
FIX=$(cd "$(dirname "$0")/../data/results" && pwd)/v1-3367e60
echo "1..6"

mkdir -p "$TMP/res"
cp -r "$FIX" "$TMP/res/a"
cp -r "$FIX" "$TMP/res/b"
cp -r "$FIX" "$TMP/res/same"
jq '.label = "b" | .kernel.release = "6.19.0-rc1" | .kernel.cmdline += " transparent_hugepage=always"
    | .mm.thp_enabled = "always" | .cpu.model_name = "Intel(R) Xeon(R) CPU E5-2690 v4"
    | .config.text |= sub("size = 8M"; "size = 16M")' "$FIX/meta.json" >"$TMP/res/b/meta.json"
jq '.label = "a"' "$FIX/meta.json" >"$TMP/res/a/meta.json"
jq '.label = "same" | .start = "2030-01-01T00:00:00Z"' "$FIX/meta.json" >"$TMP/res/same/meta.json"

# data-key of each row of table#metadiff, one per line, in page order
diff_keys() {
	sed -n '/<table class="meta" id="metadiff">/,/<\/table>/p' "$1" |
		sed -n 's/.*<tr data-key="\([^"]*\)">.*/\1/p'
}
expect_exit 0 "report of a and b" env PATH=/nonexistent "$M" plot "$TMP/res/a" "$TMP/res/b" --report "$TMP/rep"
got=$(diff_keys "$TMP/rep/index.html" | sort | tr '\n' ',')
want=$(printf '%s\n' "config [workload pft] size" cpu.model_name kernel.cmdline kernel.release \
	mm.thp_enabled | sort | tr '\n' ',')
check "the diff lists exactly the five changed fields (got: $got)" test "$got" = "$want"
row=$(grep -F '<tr data-key="kernel.release">' "$TMP/rep/index.html")
check "side by side, the second run's value marked: $row" \
	test "$row" = '<tr data-key="kernel.release"><th>kernel.release</th><td>6.18.44-fc-v1045</td><td class="differs">6.19.0-rc1</td></tr>'
check "the config key's values: 8M against 16M" \
	grep -qF '<tr data-key="config [workload pft] size"><th>config [workload pft] size</th><td>8M</td><td class="differs">16M</td></tr>' "$TMP/rep/index.html"

# Two copies that differ in label and start time only: nothing to list.
expect_exit 0 "report of a and an identical copy" env PATH=/nonexistent "$M" plot "$TMP/res/a" "$TMP/res/same" --report "$TMP/rep2"
check "identical metadata: no diff table, says nothing differs" \
	bash -c "! grep -q 'id=\"metadiff\"' '$TMP/rep2/index.html' && grep -q 'id=\"nodiff\"' '$TMP/rep2/index.html'"
[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
