#!/usr/bin/env bash
# Build an armhf sysroot from Debian's packages in build/sysroot: python3.11,
# perl, lua, sqlite3, bash, coreutils, stress-ng, xz, gzip and their libraries,
# for running real dynamically linked programs under rsemu-arm -L build/sysroot
# (scripts/bench.sh uses xz, gzip, lua, python and sqlite3).
# Idempotent; pass --python-tests to add Python's regression test suite.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/build/sysroot"
PKGS="libc6 libgcc-s1 libstdc++6 zlib1g libexpat1 libffi8 libbz2-1.0 liblzma5 libssl3
      libcrypt1 libuuid1 libsqlite3-0 libncursesw6 libtinfo6 libreadline8 libdb5.3 libgdbm6
      libnsl2 libtirpc3 libselinux1 libpcre2-8-0 libacl1 libattr1 libgmp10
      python3.11-minimal libpython3.11-minimal libpython3.11-stdlib
      perl-base lua5.4 liblua5.4-0 sqlite3 bash coreutils
      stress-ng libegl1 libglvnd0 libgles2 libgbm1 libdrm2 libwayland-server0 libjudydebian1
      libapparmor1 libbsd0 libmd0 libjpeg62-turbo libkmod2 libzstd1 libsctp1 libxxhash0
      xz-utils gzip"
[ "${1:-}" = "--python-tests" ] && PKGS="$PKGS libpython3.11-testsuite"
marker="$OUT/.packages"
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$(echo $PKGS)" ]; then
    echo "fetch-sysroot.sh: $OUT up to date"
    exit 0
fi
dpkg --print-foreign-architectures | grep -qx armhf || {
    echo "fetch-sysroot.sh: armhf architecture not enabled: run scripts/install-deps.sh (as root)" >&2
    exit 1
}
DL="$ROOT/build/debs/sysroot"
mkdir -p "$DL"
cd "$DL"
for p in $PKGS; do
    ls "${p}"_*_armhf.deb >/dev/null 2>&1 || ls "${p}"_*_all.deb >/dev/null 2>&1 && continue
    # Architecture-independent packages (the test suite) have no :armhf.
    if ! apt-get download -q "$p:armhf" >/dev/null 2>&1 && ! apt-get download -q "$p" >/dev/null 2>&1; then
        # One retry after refreshing the index (a mirror may be mid-sync).
        [ "$(id -u)" = 0 ] && { apt-get update -qq || echo "fetch-sysroot.sh: apt-get update reported errors; trying anyway" >&2; }
        apt-get download -q "$p:armhf" || apt-get download -q "$p"
    fi
done
rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp"
for deb in *.deb; do dpkg -x "$deb" "$OUT.tmp"; done
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
echo $PKGS > "$marker"
echo "fetch-sysroot.sh: $(ls "$DL"/*.deb | wc -l) packages unpacked into $OUT"
