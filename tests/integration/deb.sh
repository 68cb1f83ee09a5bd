#!/bin/bash
# The Debian package (issue 15): `make deb`'s dpkg-buildpackage -us -uc -b
# on a copy of the tree, lintian clean apart from the documented overrides,
# installed into a scratch root with dpkg --root, and its mmscale runs the
# shipped quick config from there.  Timed: the figures go to the output.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${MMSCALE_SAN:-0}" = 1 ]; then
	# the package is built with Debian's flags, not the sanitizers: the
	# same test in the gcc and unprivileged passes covers it
	skip "the Debian package" "make SAN=1 check: the package does not use the sanitized build"
	echo "1..$n"
	exit 0
fi
S=$TMP/src/mmscale-0.1
mkdir -p "$S"
t0=$(date +%s)
# a copy of what git tracks (plus this tree's uncommitted files), nothing built
# (without git, e.g. as another user: every file but the build directories)
(cd "$ROOT" && { git ls-files -co --exclude-standard 2>/dev/null ||
	find . \( -path './build*' -o -path ./.git -o -path ./results \) -prune -o -type f -print | sed 's|^\./||'; } |
	grep -v '^build' | tar -cf - -T -) | tar -C "$S" -xf -
(cd "$S" && make -s deb) >"$TMP/build.log" 2>&1; rc=$?
t1=$(date +%s)
deb=$(ls "$TMP"/src/mmscale_*_amd64.deb 2>/dev/null | head -1)
check "make deb builds a .deb (exit $rc, $((t1 - t0)) s)" [ $rc = 0 ] && [ -n "$deb" ]
[ -n "$deb" ] || { tail -20 "$TMP/build.log" | sed 's/^/# /'; echo "1..$n"; exit 0; }
dpkg-deb -c "$deb" >"$TMP/contents"
missing=
for f in usr/bin/mmscale usr/libexec/mmscale/pft usr/libexec/mmscale/vmalock usr/libexec/mmscale/null \
	usr/libexec/mmscale/exit0 usr/share/mmscale/configs/quick.conf usr/share/man/man1/mmscale.1.gz \
	usr/share/man/man1/mmscale-pft.1.gz usr/share/man/man1/mmscale-vmalock.1.gz \
	usr/share/bash-completion/completions/mmscale; do
	grep -q " \./$f\$" "$TMP/contents" || missing="$missing $f"
done
check "the package holds the programs, configs, man pages and completion${missing:+ (missing:$missing)}" [ -z "$missing" ]

if command -v lintian >/dev/null; then
	t2=$(date +%s)
	lintian --fail-on error,warning "$deb" >"$TMP/lintian" 2>&1; rc=$?
	t3=$(date +%s)
	check "lintian: no error or warning beyond the documented overrides (exit $rc, $((t3 - t2)) s)$(
		[ $rc = 0 ] || echo ": $(head -5 "$TMP/lintian" | tr '\n' ' ')")" [ $rc = 0 ]
else
	skip "lintian" "lintian is not installed (scripts/deps check installs it)"
fi

# into a scratch root: dpkg's own database there, dependencies are the host's
R=$TMP/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"
if is_root; then
	dpkg --root="$R" --force-depends --force-script-chrootless -i "$deb" >"$TMP/dpkg" 2>&1; rc=$?
	check "dpkg --root installs it (exit $rc)" [ $rc = 0 ]
	check "dpkg --root lists it installed" bash -c "dpkg --root='$R' -s mmscale | grep -q '^Status: install ok installed'"
else
	dpkg-deb -x "$deb" "$R"; rc=$?
	check "not root: dpkg-deb -x unpacks it into the scratch root (exit $rc)" [ $rc = 0 ]
fi
(cd "$TMP" && env -u MMSCALE_BIN "$R/usr/bin/mmscale" run "$R/usr/share/mmscale/configs/quick.conf" \
	--iterations 1 --label deb --results "$TMP/res") >"$TMP/run" 2>&1; rc=$?
check "the installed mmscale runs configs/quick.conf (exit $rc)" [ $rc = 0 ]
check "... with the installed workloads (meta.json's bindir)" \
	bash -c "[ \"\$(realpath \"\$(jq -r .settings.bindir '$TMP/res/deb/meta.json')\")\" = '$R/usr/libexec/mmscale' ]"
check "the installed man page renders" bash -c "zcat '$R/usr/share/man/man1/mmscale.1.gz' | groff -man -Tutf8 -P-cbou 2>/dev/null | grep -q 'nightly'"
echo "# deb: build ${t1:+$((t1 - t0))} s"
echo "1..$n"
