#!/bin/bash
# The command line, from the one table each command declares (runner/cli/cli.h):
# every subcommand's --help is complete and exits 0, every option of the table
# is accepted, the README's synopsis block is the table's, unknown options and
# commands get one message everywhere (with "did you mean"), exit codes are
# the table's; and the CLI defects of issue 15 each give their message.
. "$(dirname "$0")/../lib.sh"
M=$BIN/mmscale
cd "$(dirname "$0")/../.."
J=$TMP/cli.json
"$M" help --json >"$J"
check "help --json is the command table" bash -c "jq -e 'length >= 10' '$J' >/dev/null"

# ---- --help: exit 0, every option named, every exit code listed --------------
bad=
for c in $(jq -r '.[].name' "$J"); do
	"$M" "$c" --help >"$TMP/h" 2>&1 || bad="$bad $c(exit $?)"
	for o in $(jq -r --arg c "$c" '.[] | select(.name == $c) | .options[].name' "$J"); do
		grep -q -- "--$o\b" "$TMP/h" || bad="$bad $c:--$o"
	done
	for e in $(jq -r --arg c "$c" '.[] | select(.name == $c) | .exits[].code' "$J"); do
		grep -qE "^  $e +" "$TMP/h" || bad="$bad $c:exit$e"
	done
done
check "every subcommand's --help exits 0 and names each option and exit code${bad:+:$bad}" [ -z "$bad" ]

# every option of the table is accepted by the parser (getopt_long is built
# from the same table); operands are given wrong on purpose so nothing runs
bad=
while IFS=';' read -r c nmin nmax o type choices min; do
	case $type in
	bool) v=() ;;
	enum) v=("${choices%%|*}") ;;
	int|double) v=("${min%.0}") ;;
	*) v=("$TMP/nowhere") ;;
	esac
	# too few operands, or one too many: refused before the command runs
	ops=()
	[ "$nmin" = 0 ] && for i in $(seq 0 "$nmax"); do ops+=(x); done
	(cd "$TMP" && "$M" "$c" "--$o" "${v[@]}" "${ops[@]}" >/dev/null 2>"$TMP/e")
	grep -q "unknown option\|needs a value" "$TMP/e" && bad="$bad $c:--$o"
	grep -qE "needs|takes" "$TMP/e" || bad="$bad $c:--$o:ran($(head -c 80 "$TMP/e"))"
done < <(jq -r '.[] | .name as $c | .min_operands as $a | .max_operands as $b | .options[] |
	select(.name != "help") |
	[$c, $a, $b, .name, .type, (.choices // ""), (.min // 0)] | map(tostring) | join(";")' "$J")
check "every option in the table is accepted${bad:+:$bad}" [ -z "$bad" ]

check "top-level --help names every command and every option" bash -c '
	h=$("'"$M"'" --help) || exit 1
	for c in $(jq -r ".[].name" "'"$J"'"); do grep -q "mmscale $c" <<<"$h" || exit 1; done
	for o in $(jq -r ".[].options[].name" "'"$J"'" | grep -v "^help$"); do grep -q -- "--$o" <<<"$h" || { echo "missing --$o"; exit 1; }; done'

# the README's command synopsis is the table's (regenerate it with
# `mmscale help --synopsis` when a command changes)
"$M" help --synopsis >"$TMP/syn"
awk '/^<!-- synopsis: mmscale help --synopsis -->$/ {on=1; next} on && /^```$/ {if (n++) exit; next} on' README.md >"$TMP/readme-syn"
if diff -u "$TMP/readme-syn" "$TMP/syn" >"$TMP/d"; then ok "README's synopsis block is mmscale help --synopsis"
else fail "README's synopsis differs from the table: $(head -20 "$TMP/d")"; fi

# ---- one message for mistakes ------------------------------------------------
expect_exit 2 "unknown option of a command" "$M" run --lable x configs/quick.conf
grep -q "^mmscale: unknown option '--lable'; did you mean '--label'? (see mmscale run --help)$" "$TMP/err" &&
	ok "unknown option: one line with did-you-mean" || fail "unknown option: $(cat "$TMP/err")"
expect_exit 2 "unknown option of a workload" "$BIN/pft" --sise 1M
grep -q "^pft: unknown option '--sise'; did you mean '--size'? (see --help)$" "$TMP/err" &&
	ok "a workload says it the same way" || fail "workload unknown option: $(cat "$TMP/err")"
expect_exit 2 "misspelt subcommand" "$M" comapre a b
grep -q "unknown command 'comapre'; did you mean 'compare'?" "$TMP/err" && ok "did you mean 'compare'" ||
	fail "comapre: $(cat "$TMP/err")"
expect_exit 2 "missing value" "$M" compare --format
grep -q "option '--format' needs a value" "$TMP/err" && ok "missing value named" || fail "$(cat "$TMP/err")"
expect_exit 2 "bad enum value" "$M" compare --format xml a b
grep -q -- "--format: unknown value 'xml' (one of text|markdown|csv|json" "$TMP/err" && ok "bad value named" ||
	fail "$(cat "$TMP/err")"
expect_exit 2 "wrong operand count" "$M" show a b
grep -q "show: takes RUN, got 2" "$TMP/err" && ok "operand count named" || fail "$(cat "$TMP/err")"
for b in fault fork mmap-unmap; do
	expect_exit 0 "bare-$b --help" "$BIN/bare-$b" --help
done

# ---- configs -------------------------------------------------------------------
expect_exit 2 "a missing config" "$M" run nope.conf
if grep -q "^mmscale: nope.conf: cannot open the config: No such file or directory$" "$TMP/err"; then
	ok "a missing config is named without a line number"
else fail "missing config: $(cat "$TMP/err")"; fi
printf '[workload pft]\nsise = 1M\n' >"$TMP/typo.conf"
expect_exit 2 "a misspelt workload key" "$M" plan "$TMP/typo.conf"
grep -q "typo.conf:2: key 'sise': unknown key for workload pft; did you mean 'size'?" "$TMP/err" &&
	ok "did you mean 'size' for a config key" || fail "$(cat "$TMP/err")"
printf '[run]\niteratons = 3\n[workload null]\n' >"$TMP/typo2.conf"
expect_exit 2 "a misspelt [run] key" "$M" plan "$TMP/typo2.conf"
grep -q "did you mean 'iterations'?" "$TMP/err" && ok "did you mean 'iterations'" || fail "$(cat "$TMP/err")"
printf '[workload x]\nprogram = mmscale\n' >"$TMP/prog.conf"
expect_exit 2 "program = mmscale" "$M" plan "$TMP/prog.conf"
if [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "is not a workload program" "$TMP/err"; then
	ok "program = mmscale: one line, no usage text leaked"
else fail "program = mmscale: $(cat "$TMP/err")"; fi

# ---- plan: sizes with units, --set, topology limit ------------------------------
printf '[run]\niterations = 2\n[workload pft]\nsize = 64M\n' >"$TMP/p.conf"
check "plan prints sizes with units" bash -c "'$M' plan '$TMP/p.conf' | grep -q -- '--size 64M'"
check "plan --set pft.size=1G replaces the config's value" \
	bash -c "'$M' plan '$TMP/p.conf' --set pft.size=1G | grep -q -- '--size 1G'"
check "plan --set run.iterations=3" bash -c "'$M' plan '$TMP/p.conf' --set run.iterations=3 | grep -q '3 iterations'"
expect_exit 2 "--set on a missing section" "$M" plan "$TMP/p.conf" --set pfd.size=1G
grep -q -- "--set pfd.size=1G: no \[workload pfd\] section in the config; did you mean 'pft'?" "$TMP/err" &&
	ok "--set names the section it did not find" || fail "$(cat "$TMP/err")"
expect_exit 2 "--set with a bad value" "$M" plan "$TMP/p.conf" --set pft.size=12Q
grep -q -- "--set pft.size=12Q: '12Q' is not a size" "$TMP/err" && ok "--set value checked like the file's" ||
	fail "$(cat "$TMP/err")"
t0=$(date +%s%N)
expect_exit 2 "a topology too big to plan" "$M" plan "$TMP/p.conf" --topology 'pack:99999 core:99999 pu:99999'
t1=$(date +%s%N)
check "... refused in under a second ($(( (t1 - t0) / 1000000 )) ms), naming the limit" \
	bash -c "[ $(( (t1 - t0) / 1000000 )) -lt 1000 ] && grep -q 'at most 65536 PUs' '$TMP/err'"

# ---- run: --warmup, --set, labels as results directories, resume overrides ------
printf '[run]\niterations = 2\nwarmup = 1\nthp = keep\naslr = keep\n[workload null]\nduration = 0.05\n' >"$TMP/n.conf"
W=$TMP/w
mkdir -p "$W" && cp "$TMP/n.conf" "$W/n.conf"
(cd "$W" && "$M" run n.conf --label a --warmup 0 --set null.duration=0.02 2>"$TMP/run-a.err" &&
	"$M" run n.conf --label b 2>"$TMP/run-b.err"); rc=$?
check "two runs, one with --warmup 0 --set null.duration=0.02 (exit $rc)" [ $rc = 0 ]
check "--warmup 0: no warm-up line in the samples" \
	bash -c "! grep -q '\"warmup\":true' '$W'/results/a/points/p000/samples.jsonl && grep -q '\"warmup\":true' '$W'/results/b/points/p000/samples.jsonl"
check "--set reached the workload (duration 0.02) and meta.json records it" \
	bash -c "jq -e '.config.set == [\"null.duration=0.02\"]' '$W/results/a/meta.json' >/dev/null &&
		jq -e '[.plan | .. | objects | select(has(\"argv\")) | .argv | index(\"0.02\")] | all' '$W/results/a/meta.json' >/dev/null"
check "compare takes labels under results/" bash -c "cd '$W' && '$M' compare a b >/dev/null"
check "show takes a label" bash -c "cd '$W' && '$M' show a | grep -q '^run: *a (results/a)'"
expect_exit 2 "a label that is not there" bash -c "cd '$W' && '$M' compare a nosuch"
grep -q "nosuch: No such file or directory (not a results directory, nor a label under results/)" "$TMP/err" &&
	ok "a missing label is named" || fail "$(cat "$TMP/err")"
expect_exit 2 "--resume with --iterations is refused" bash -c "cd '$W' && '$M' run n.conf --label a --resume --iterations 3"
grep -q -- "--resume continues the run as it started: drop --iterations" "$TMP/err" &&
	ok "... with a message naming the ignored override" || fail "$(cat "$TMP/err")"

# ---- history: an unknown metric is an error ------------------------------------
DB=$TMP/h.sqlite
"$BIN/mmscale-synth-history" --quiet nights=3,machine=m --db "$DB"
expect_exit 2 "history --metric of a metric never stored" "$M" history --db "$DB" --metric faults/sec-9
grep -q "no such row in the history; did you mean 'faults/sec-1'?" "$TMP/err" && ok "... names the closest row it has" ||
	fail "$(cat "$TMP/err")"
check "history --metric of a stored metric prints its series" \
	bash -c "'$M' history --db '$DB' --metric faults/sec-2 | grep -c m-n00 | grep -qx 3"
expect_exit 2 "synthetic history: cv=abc is an error" "$BIN/mmscale-synth-history" cv=abc --db "$TMP/x.sqlite"
grep -q "cv: 'abc' is not a number" "$TMP/err" && ok "... naming the key" || fail "$(cat "$TMP/err")"

# ---- man page and completion come from the same table ---------------------------
check "mmscale help --man renders (groff) with every command" bash -c "
	'$M' help --man >'$TMP/mmscale.1' && groff -man -ww -z '$TMP/mmscale.1' 2>'$TMP/man.err' &&
	! grep -q . '$TMP/man.err' && groff -man -Tutf8 -P-cbou '$TMP/mmscale.1' >'$TMP/man.txt' && for c in \$(jq -r '.[].name' '$J'); do grep -q \"^   \$c\" '$TMP/man.txt' || exit 1; done"
check "bash completion completes commands and options" bash -c "
	'$M' help --completion >'$TMP/compl' && . '$TMP/compl' &&
	COMP_WORDS=(mmscale comp) COMP_CWORD=1 && _mmscale && [ \"\${COMPREPLY[*]}\" = compare ] &&
	COMP_WORDS=(mmscale compare --for) COMP_CWORD=2 && _mmscale && [ \"\${COMPREPLY[*]}\" = --format ] &&
	COMP_WORDS=(mmscale compare --format mar) COMP_CWORD=3 && _mmscale && [ \"\${COMPREPLY[*]}\" = markdown ]"
echo "1..$n"
