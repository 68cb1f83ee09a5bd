#!/bin/bash
# mmscale plot on two real quick runs: every picture is a real PNG of the
# expected size and an SVG, its data and script are kept and re-render, the
# data are the runs' Hmeans, and a missing gnuplot is one clear line, exit 4.
. "$(dirname "$0")/../lib.sh"
M=$BIN/mmscale
CONF=$(cd "$(dirname "$0")/../.." && pwd)/configs/quick.conf
echo "1..28"

for l in a b; do
	"$M" run "$CONF" --results "$TMP/res" --label $l --iterations 3 >"$TMP/run.$l" 2>&1 ||
		{ echo "Bail out! mmscale run quick.conf failed: $(tail -2 "$TMP/run.$l")"; exit 1; }
done
expect_exit 0 "plot two runs" "$M" plot "$TMP/res/a" "$TMP/res/b" --out "$TMP/plots"
P=$TMP/plots
names="pft-mode-threads.faults-sec pft-mode-threads.faults-cpu
       pft-mode-threads.faults-sec.change pft-mode-threads.faults-cpu.change"
# the slab footprint needs the geometry from /proc/slabinfo (root here)
slab=$([ -r /proc/slabinfo ] && echo yes)
[ -n "$slab" ] && names="$names slab-footprint"
npics=$(wc -w <<<"$names")

# PNG: signature, then IHDR width and height as big-endian 32-bit at 16..23
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4 "x" $5*16777216+$6*65536+$7*256+$8}'; }
png_sig() { [ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = 89504e470d0a1a0a ]; }
bad=""
for nm in $names; do
	f=$P/$nm.png
	if [ ! -s "$f" ] || ! png_sig "$f" || [ "$(png_size "$f")" != 800x500 ] ||
	   [ "$(stat -c %s "$f")" -lt 5000 ]; then
		bad="$bad $nm.png($( [ -f "$f" ] && png_size "$f"))"
	fi
done
check "$npics PNGs, 800x500, with content${bad:+: bad$bad}" test -z "$bad"
bad=""
for nm in $names; do grep -q '<svg' "$P/$nm.svg" 2>/dev/null || bad="$bad $nm.svg"; done
check "$npics SVGs${bad:+: bad$bad}" test -z "$bad"
bad=""
for nm in $names; do
	[ -s "$P/$nm.gp" ] || bad="$bad $nm.gp"
	[ -s "$P/${nm%.change}.dat" ] || bad="$bad ${nm%.change}.dat"
done
check "scripts and data kept next to the images${bad:+: missing$bad}" test -z "$bad"

# The plotted mean is the run's Hmean over its iterations (summary.json).
hm=$(jq -r '[.points[] | select(.clients == 2)][0].metrics["faults/sec"].values
	    | (length / (map(1 / .) | add))' "$TMP/res/b/summary.json")
dat=$(awk '$1 == 2 { print $5 }' "$P/pft-mode-threads.faults-sec.dat")
check "faults/sec-2 of run b is its Hmean ($dat vs $hm)" \
	awk -v a="$dat" -v b="$hm" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d / b < 1e-9) }'
# and the change column is new*100/base-100 of the two Hmeans
chk=$(awk '$1 == 2 { d = $5 * 100 / $2 - 100 - $7; print (d < 0 ? -d : d) < 1e-4 }' \
	"$P/pft-mode-threads.faults-sec.dat")
check "%change column is new*100/base-100" test "$chk" = 1
# after every line's three columns, each line's interval of its change and
# its star (1, 0): b's are compare's change_ci and significant, and hold its change
"$M" compare "$TMP/res/a" "$TMP/res/b" --format json >"$TMP/cmp.json" 2>/dev/null
want=$(jq -r '.groups[0].rows[] | select(.mean_row and .operation == "faults/sec-2") | .cells[1] |
	"\(.change_ci.lo * 1e4 | round) \(.change_ci.hi * 1e4 | round) \(if .significant then 1 else 0 end)"' "$TMP/cmp.json")
got=$(awk '$1 == 2 { printf "%.0f %.0f %d", $11 * 1e4, $12 * 1e4, $13 }' "$P/pft-mode-threads.faults-sec.dat")
check "faults/sec-2 of b: the .dat's interval and star are compare's ($got vs $want)" test "$got" = "$want"
check "  and the interval holds the change" \
	awk '$1 == 2 { exit !($11 <= $7 && $7 <= $12) }' "$P/pft-mode-threads.faults-sec.dat"
check "the change picture draws each change's interval and a star on the starred" \
	bash -c "grep -qF '):7:11:12 with yerrorlines' '$P/pft-mode-threads.faults-sec.change.gp' &&
		 grep -q '(column(13) > 0 ? column(7) : NaN) with points pt 3' '$P/pft-mode-threads.faults-sec.change.gp' &&
		 grep -q \"title 'starred (significant); bars: 95% interval of the change'\" '$P/pft-mode-threads.faults-sec.change.gp'"
if [ -n "$slab" ]; then	# the slab bars are meta.json's pages per 1000 objects
	want=$(jq -r '.slab.caches.vm_area_struct.pages_per_1000' "$TMP/res/a/meta.json")
	got=$(awk '$1 == "vm_area_struct" { print $2 }' "$P/slab-footprint.dat")
	check "slab footprint of vm_area_struct is meta.json's ($got vs $want pages/1000)" \
		test -n "$got" -a "$got" = "$want"
else
	check "no slab geometry: no footprint picture, and why: $(grep footprint "$TMP/out")" \
		grep -q '^slab footprint: unavailable: /proc/slabinfo: Permission denied' "$TMP/out"
fi

# What a reviewer reads at a glance: SI ticks, bars aside, the ideal line.
G=$P/pft-mode-threads.faults-sec.gp
check "y ticks with SI prefixes, never an exponent: $(grep -o "^set ytics.*" "$G" | head -c 90)" \
	bash -c "grep -q \"^set ytics ('0' 0, \" '$G' && ! grep '^set ytics' '$G' | grep -q 'e+'"
check "each run's error bars set aside: $(grep -o 'using (\$1[-+][0-9.]*)' "$G" | tr '\n' ' ')" \
	test "$(grep -o 'using (\$1[-+][0-9.]*)' "$G" | sort -u | wc -l)" = 2
check "faults/sec (a total rate): a linear ideal line from 1 client" \
	grep -q "title 'ideal: linear from 1 client (a)'" "$G"
check "faults/cpu (per CPU second): a constant ideal line" \
	grep -q "title 'ideal: constant from 1 client (a)'" "$P/pft-mode-threads.faults-cpu.gp"

# A user edits a script and re-renders by hand.
sed -i 's/^set title .*/set title "edited"/' "$P/pft-mode-threads.faults-sec.gp"
rm -f "$P/pft-mode-threads.faults-sec.png"
check "edited script re-renders with gnuplot in the plot directory" \
	bash -c "cd '$P' && gnuplot pft-mode-threads.faults-sec.gp && test -s pft-mode-threads.faults-sec.png"

expect_exit 0 "--format png writes no SVG" "$M" plot "$TMP/res/a" --out "$TMP/png" --format png
check "only PNGs for --format png" test -s "$TMP/png/pft-mode-threads.faults-sec.png" -a \
	! -e "$TMP/png/pft-mode-threads.faults-sec.svg"
check "one run: no change picture" test ! -e "$TMP/png/pft-mode-threads.faults-sec.change.png"
expect_exit 2 "bad --format" "$M" plot "$TMP/res/a" --format jpeg
expect_exit 2 "not a results directory" "$M" plot "$TMP" --out "$TMP/x"

# No gnuplot on PATH: one line saying so and how to get it, exit 4.
expect_exit 4 "missing gnuplot" env PATH=/nonexistent "$M" plot "$TMP/res/a" --out "$TMP/none"
check "missing gnuplot: one clear line" test "$(cat "$TMP/err")" = \
	"mmscale: unavailable: gnuplot not found (apt-get install gnuplot-nox)"
# The report page stands without its pictures and says why.
expect_exit 0 "report without gnuplot" env PATH=/nonexistent "$M" plot "$TMP/res/a" "$TMP/res/b" --report "$TMP/rep"
check "report without gnuplot: no <img>, the reason listed" bash -c \
	"! grep -q '<img' '$TMP/rep/index.html' && grep -q '<li>pictures: gnuplot not found' '$TMP/rep/index.html'"
rm -rf "$TMP"
