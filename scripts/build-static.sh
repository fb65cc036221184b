#!/usr/bin/env bash
# Builds a static, self-contained rsemu-arm (glibc linked in, +crt-static)
# at target/static/rsemu-arm: the binary a binfmt_misc entry with the F
# flag pins, so that it runs ARM programs in chroots and containers that
# have no host libraries (what qemu-user-static is to qemu-user):
#
#   scripts/build-static.sh
#   target/static/rsemu-arm --binfmt register --flags F --path target/static/rsemu-arm
#
# A separate target directory keeps the regular build's cache intact.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TRIPLE=x86_64-unknown-linux-gnu
# --target makes +crt-static apply to rsemu-arm only, not to build
# scripts and proc macros (which must stay dynamic).
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
    cargo build --release -q -p rsemu-linux-user --bin rsemu-arm --target "$TRIPLE" \
    --target-dir target/static-build
mkdir -p target/static
cp -f "target/static-build/$TRIPLE/release/rsemu-arm" target/static/rsemu-arm
# ldd says "statically linked" (static-pie) or "not a dynamic executable".
if ! ldd target/static/rsemu-arm 2>&1 | grep -qE 'statically linked|not a dynamic executable'; then
    echo "build-static.sh: target/static/rsemu-arm is not static:" >&2
    ldd target/static/rsemu-arm >&2
    exit 1
fi
echo "build-static.sh: target/static/rsemu-arm ($(du -h target/static/rsemu-arm | cut -f1), static)"
