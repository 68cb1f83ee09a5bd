# tests/lib.sh - TAP helpers for integration tests (sourced).
# ok/fail/skip print one TAP line each; expect_* compare and report.
set -u
BIN=${MMSCALE_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/bin}
TMP=${MMSCALE_TMP:-/tmp}/$(basename "$0" .sh).$$
mkdir -p "$TMP"
n=0
ok()   { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() {	# check "description" command...: ok if the command succeeds
	local d=$1; shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}
# expect_exit CODE "description" command...: the command exits with CODE
expect_exit() {
	local want=$1 d=$2 rc; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
	if [ "$rc" = "$want" ]; then ok "$d (exit $rc)"
	else fail "$d: exit $rc, wanted $want; stderr: $(head -c 300 "$TMP/err")"; fi
}
is_root() { [ "$(id -u)" = 0 ]; }
# What `mmscale prefetch` must answer on this real machine where it cannot
# drive the MSR: an Intel part without access says 'unavailable', any other
# vendor (AMD, hybrid, ...) says 'unsupported' for the whole machine.
intel_cpu() { grep -q -m1 '^vendor_id.*GenuineIntel' /proc/cpuinfo; }
prefetch_refusal() { if intel_cpu; then echo unavailable; else echo unsupported; fi; }
# JSON in tests is read with jq (a test dependency, see scripts/deps).

# fake_msr_tree DIR CPUINFO [smt]: a 4-CPU tree of regular files standing in
# for /dev/cpu/N/msr, sysfs topology and cpuinfo (tests/data/CPUINFO), and the
# environment that points mmscale at it.  Every MSR starts at 0; with smt,
# cores are {0,2} and {1,3}.  Sets F=DIR.
fake_msr_tree() {
	local c data
	data=$(cd "$(dirname "${BASH_SOURCE[0]}")/data" && pwd)
	F=$1
	rm -rf "$F"
	mkdir -p "$F/msr" "$F/sys" "$F/state"
	echo 0-3 >"$F/sys/online"
	for c in 0 1 2 3; do
		mkdir -p "$F/msr/$c" "$F/sys/cpu$c/topology"
		if [ "${3:-}" = smt ]; then
			echo "$((c % 2)),$((c % 2 + 2))" >"$F/sys/cpu$c/topology/thread_siblings_list"
		else
			echo "$c" >"$F/sys/cpu$c/topology/thread_siblings_list"
		fi
		truncate -s 4096 "$F/msr/$c/msr"
	done
	export MMSCALE_MSR_ROOT=$F/msr MMSCALE_SYSFS_CPU=$F/sys MMSCALE_STATE_DIR=$F/state
	export MMSCALE_CPUINFO=$data/$2 MMSCALE_LOCKDOWN=$F/no-lockdown
}
