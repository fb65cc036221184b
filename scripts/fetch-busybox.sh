#!/usr/bin/env bash
# Fetch Debian's busybox-static:armhf and unpack it into build/busybox
# (binary: build/busybox/bin/busybox). Idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/build/busybox"
BIN="$OUT/bin/busybox"
if [ -x "$BIN" ]; then
    echo "fetch-busybox.sh: $BIN already present"
    exit 0
fi
if ! dpkg --print-foreign-architectures | grep -qx armhf; then
    echo "fetch-busybox.sh: armhf architecture not enabled: run scripts/install-deps.sh (as root)" >&2
    exit 1
fi
DL="$ROOT/build/debs"
mkdir -p "$DL"
cd "$DL"
if ! ls busybox-static_*_armhf.deb >/dev/null 2>&1; then
    # apt-get download works as any user; retry once with a refreshed index
    if ! apt-get download -q busybox-static:armhf; then
        echo "fetch-busybox.sh: apt-get download failed; refreshing the package index and retrying" >&2
        if [ "$(id -u)" = 0 ]; then apt-get update -qq || echo "fetch-busybox.sh: apt-get update reported errors; trying anyway" >&2; fi
        apt-get download -q busybox-static:armhf
    fi
fi
deb="$(ls busybox-static_*_armhf.deb | head -n 1)"
rm -rf "$OUT.tmp"
dpkg -x "$deb" "$OUT.tmp"
test -x "$OUT.tmp/bin/busybox" || { echo "fetch-busybox.sh: $deb has no bin/busybox" >&2; exit 1; }
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
echo "fetch-busybox.sh: unpacked $deb -> $BIN ($(file -b "$BIN" 2>/dev/null | cut -d, -f1-2))"
