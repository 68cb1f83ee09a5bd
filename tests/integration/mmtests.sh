#!/bin/bash
# mmtests in and out: export --mmtests writes a run as mmtests' pft tree,
# import-mmtests reads trees (as mmtests' ExtractPft.pm reads them) and
# --json-export files (plain, zstd, xz), and bad input exits 2 with nothing
# written or imported.
. "$(dirname "$0")/../lib.sh"
MM=$BIN/mmscale
D=$(cd "$(dirname "$0")/../data/configs" && pwd)
RES=$TMP/res

# ---- round trip: a real run out to mmtests and back, the same table -------
for r in a b; do "$MM" run "$D/pft-tiny.conf" --label $r --results "$RES" >/dev/null 2>&1; done
"$MM" compare "$RES/a" "$RES/b" --slab off >"$TMP/direct.txt"
expect_exit 0 "export --mmtests" "$MM" export --mmtests "$TMP/tree" "$RES/a" "$RES/b"
check "the tree: NAME/iter-0/pft/logs/pft-CLIENTS.log, 5 lines per client count" \
	[ "$(wc -l <"$TMP/tree/a/iter-0/pft/logs/pft-1.log") $(wc -l <"$TMP/tree/b/iter-0/pft/logs/pft-2.log")" = "5 5" ]
line=$(head -1 "$TMP/tree/a/iter-0/pft/logs/pft-2.log")
check "pft's own columns: GB threads cachelines user sys wall (with s) faults/cpu faults/sec ($line)" \
	bash -c "grep -qE '^ +0 +2 +1 +[0-9.]+s +[0-9.]+s +[0-9.]+s +[0-9.]+ +[0-9.]+$' <<<'$line'"
want=$(jq '[.points[] | select(.clients == 2)][0].metrics["faults/sec"].values[0]' "$RES/a/summary.json")
check "the faults/sec column is the run's sample ($want)" \
	awk -v a="$(awk '{print $8}' <<<"$line")" -v b="$want" 'BEGIN { exit !(a - b < 1e-6 && b - a < 1e-6) }'
expect_exit 0 "import-mmtests the exported tree" "$MM" import-mmtests "$TMP/tree" --results "$TMP/back"
"$MM" compare "$TMP/back/a" "$TMP/back/b" --slab off >"$TMP/back.txt"
check "round trip: the same compare table, every printed digit ($(wc -l <"$TMP/direct.txt") lines)" \
	cmp -s "$TMP/direct.txt" "$TMP/back.txt"
cmp -s "$TMP/direct.txt" "$TMP/back.txt" || diff "$TMP/direct.txt" "$TMP/back.txt" | sed "s/^/# /"
check "  ...and mixed: the mmtests import compares against the mmscale run" \
	bash -c "'$MM' compare '$TMP/back/a' '$RES/b' --slab off | grep -qE '^Hmean +faults/sec-2 +[0-9.]+ \\( +0\\.00%\\) +[0-9.]+ [(*]'"

# ---- a tree as mmtests writes it: warnings, a cut last line, iterations -----
T=$TMP/mm/old
mkdir -p "$T/iter-0/pft/logs" "$T/iter-1/pft/logs" "$TMP/mm/new/iter-0/pft/logs"
cat >"$T/iter-0/pft/logs/pft-1.log" <<'LOG'
 MappingSize  Threads CacheLine   UserTime  SysTime WallTime flt/cpu/s fault/wsec
   4    1   1     0.50s     9.66s     9.66s  199657.920 199657.920
Warning: THP disabled for this test
   4    1   1     0.49s     9.70s     9.70s  198532.118 198532.118

   4    1   1     0.51s     9.62s     9.62s  200412.771 200412.771
LOG
printf '   4    1   1     0.50s     9.6' >>"$T/iter-0/pft/logs/pft-1.log"
printf '   4    2   1     0.52s     9.90s     5.01s  190000.500 380001.000\n   4    2   1     0.52s     9.80s     5.00s  191000.250 381000.500\n' >"$T/iter-0/pft/logs/pft-2.log"
printf '   4    1   1     0.50s     9.66s     9.66s  199000.000 199000.000\n' >"$T/iter-1/pft/logs/pft-1.log"
printf '   4    1   1     0.50s     9.66s     9.66s  201000.000 201000.000\n' >"$TMP/mm/new/iter-0/pft/logs/pft-1.log"
# what mmtests' own parser makes of it (ExtractPft.pm's rules, in Perl)
perl -e 'for $f (@ARGV) { ($c) = $f =~ /pft-(\d+)\.log$/; open(F, $f); while (<F>) { tr/s//d; next if /[a-zA-Z]/;
	my @x = split(/\s+/); next unless @x == 9; push @{$v{$c}}, $x[8] } } print join(" ", map { "$_:" . join(",", @{$v{$_}}) } sort { $a <=> $b } keys %v), "\n"' \
	"$T"/iter-*/pft/logs/pft-*.log >"$TMP/perl.want"
expect_exit 0 "import-mmtests a tree with warnings, a header, a cut last line, two iterations" \
	"$MM" import-mmtests "$TMP/mm" --results "$TMP/mmres" --db "$TMP/h.db"
got=$(jq -r '[.points[] | "\(.clients):" + (.metrics["faults/sec"].values | map(tostring) | join(","))] | join(" ")' "$TMP/mmres/old/summary.json")
check "the samples mmtests' parser takes, no more ($got)" [ "$got" = "$(sed 's/\.0*,/,/g; s/\.0* / /g; s/\.0*$//; s/\(\.[0-9]*[1-9]\)0*\([, ]\|$\)/\1\2/g' "$TMP/perl.want")" ]
check "old: faults/cpu-1 has the 4 samples of both iterations, the cut line skipped" \
	[ "$(jq '[.points[] | select(.clients == 1)][0].metrics["faults/cpu"].values | length' "$TMP/mmres/old/summary.json")" = 4 ]
"$MM" compare "$TMP/mmres/old" "$TMP/mmres/new" >"$TMP/mm.txt"
check "a client count only one run has: '-' in the other" grep -qE '^Hmean +faults/sec-2 +[0-9.]+ \( +0\.00%\) +-$' "$TMP/mm.txt"
check "the history holds both mmtests runs" [ "$(sqlite3 "$TMP/h.db" 'select count(*) from runs')" = 2 ]

# ---- --json-export files: plain, zstd, xz ------------------------------------
jq -n --slurpfile s "$TMP/mmres/old/summary.json" '[{_ModuleName: "ExtractPfttime", _TestName: "old", _ResultData: {}},
	{_ModuleName: "ExtractPft", _TestName: "old", _PreferredVal: "Higher",
	 _Operations: [$s[0].points[] | "faults/cpu-\(.clients)", "faults/sec-\(.clients)"],
	 _ResultData: ([$s[0].points[] | . as $p | (.metrics | to_entries[] |
		{key: "\(.key)-\($p.clients)", value: [{Values: .value.values, SampleNrs: [range(.value.values | length)]}]})] | from_entries)}]' >"$TMP/pft.json"
zstd -q -f "$TMP/pft.json" -o "$TMP/pft.json.zst"
xz -k -f "$TMP/pft.json"
for f in pft.json pft.json.zst pft.json.xz; do
	rm -rf "$TMP/j"
	"$MM" import-mmtests "$TMP/$f" --results "$TMP/j" >/dev/null 2>"$TMP/err"
	check "--json-export $f: the same samples as the tree" \
		[ "$(jq -c '.points | map(.metrics)' "$TMP/j/old/summary.json" 2>/dev/null)" = "$(jq -c '.points | map(.metrics)' "$TMP/mmres/old/summary.json")" ]
done

# ---- bad input: exit 2, file and line named, nothing written or imported ------
before=$(sqlite3 "$TMP/h.db" 'select count(*) from runs')
head -c 200 "$TMP/pft.json.zst" >"$TMP/cut.json.zst"
expect_exit 2 "a truncated zstd export" "$MM" import-mmtests "$TMP/cut.json.zst" --results "$TMP/bad" --db "$TMP/h.db"
check "  ...names the file" grep -q 'cut.json.zst: zstd' "$TMP/err"
printf '[{"_ModuleName": "ExtractPft", "_TestName": "x", "_ResultData": {"faults/cpu-1": [{"Values": [1, "two"]}]}}]' >"$TMP/badval.json"
expect_exit 2 "an export with a value that is no number" "$MM" import-mmtests "$TMP/badval.json" --results "$TMP/bad" --db "$TMP/h.db"
check "  ...names the place" grep -q 'badval.json: x: faults/cpu-1\[0\].Values\[1\] is not a number' "$TMP/err"
printf '[{"_ModuleName": "ExtractPft",\n "_TestName": ' >"$TMP/broken.json"
expect_exit 2 "a broken JSON export" "$MM" import-mmtests "$TMP/broken.json" --results "$TMP/bad" --db "$TMP/h.db"
check "  ...names file and line" grep -q 'broken.json:2:' "$TMP/err"
cp -r "$TMP/mm" "$TMP/mm2"; mv "$TMP/mm2/old" "$TMP/mm2/older"; mv "$TMP/mm2/new" "$TMP/mm2/newer"
# no letter (mmtests would skip it), one field short, not the last line
sed -i '4s/.*/   4    1   1     0.49s     9.70s  198532.118 198532.118/' "$TMP/mm2/older/iter-0/pft/logs/pft-1.log"
expect_exit 2 "a tree with a malformed line" "$MM" import-mmtests "$TMP/mm2" --results "$TMP/bad" --db "$TMP/h.db"
check "  ...names file and line" grep -q 'older/iter-0/pft/logs/pft-1.log:4: not a pft result line' "$TMP/err"
check "nothing written for any of them (no results dir) and the history unchanged" \
	[ ! -e "$TMP/bad" -a "$(sqlite3 "$TMP/h.db" 'select count(*) from runs')" = "$before" ]
expect_exit 2 "an existing results directory is never overwritten" "$MM" import-mmtests "$TMP/mm" --results "$TMP/mmres"

rm -rf "$TMP"
echo "1..$n"
