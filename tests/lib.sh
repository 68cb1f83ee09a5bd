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
# JSON in tests is read with jq (a test dependency, see scripts/deps).
