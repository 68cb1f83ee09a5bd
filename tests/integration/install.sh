#!/bin/bash
# make install PREFIX=...: an installed mmscale runs a shipped config from
# anywhere, with the workloads from PREFIX/libexec/mmscale, not the tree
# (MMSCALE_BIN, which tests/run-tests points at the build, is unset for it).
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=$TMP/prefix

make -s -C "$ROOT" install PREFIX="$P" BUILD="${BUILD:-build}" >"$TMP/make" 2>&1
check "make install PREFIX=... (exit $?)" [ -x "$P/bin/mmscale" ]
missing=$(for f in "$ROOT"/benchmarks/workloads/*.c "$ROOT"/benchmarks/helpers/*.c; do
	b=$(basename "$f" .c); [ -x "$P/libexec/mmscale/$b" ] || echo "$b"; done)
check "every workload and helper is in libexec/mmscale${missing:+ (missing: $missing)}" [ -z "$missing" ]
check "every shipped config is in share/mmscale/configs" \
	diff -q <(cd "$ROOT/configs" && ls) <(cd "$P/share/mmscale/configs" && ls)

# from a directory that knows nothing of the source tree
mkdir -p "$TMP/elsewhere"
(cd "$TMP/elsewhere" && env -u MMSCALE_BIN PATH=/usr/bin:/bin "$P/bin/mmscale" run "$P/share/mmscale/configs/quick.conf" \
	--iterations 1 --label inst --results "$TMP/elsewhere/res") >"$TMP/run" 2>&1
rc=$?
check "the installed mmscale runs quick.conf (exit $rc)" [ $rc = 0 ]
bindir=$(jq -r .settings.bindir "$TMP/elsewhere/res/inst/meta.json" 2>/dev/null)
check "... with the installed workloads ($bindir)" \
	[ "$(readlink -f "$bindir")" = "$(readlink -f "$P/libexec/mmscale")" ]
check "... and every point ok" \
	[ "$(jq -s -c 'map(.status) | unique' "$TMP"/elsewhere/res/inst/points/*/point.json)" = '["ok"]' ]

make -s -C "$ROOT" install DESTDIR="$TMP/stage" PREFIX=/usr/local BUILD="${BUILD:-build}" >"$TMP/make" 2>&1
check "DESTDIR stages under its root" [ -x "$TMP/stage/usr/local/bin/mmscale" ]

echo "1..$n"
rm -rf "$TMP"
