#!/usr/bin/env bash
# First thing to try: build rsemu-arm, cross-compile tests/guest/hello.c for
# 32-bit ARM and run it under the emulator.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
exec </dev/null

if ! command -v arm-linux-gnueabihf-gcc >/dev/null || ! command -v file >/dev/null \
   || ! dpkg -s libc6-dev-armhf-cross libcapstone-dev >/dev/null 2>&1; then
    echo "== installing dependencies (scripts/install-deps.sh)"
    scripts/install-deps.sh
fi

echo "== cargo build --release -p rsemu-linux-user"
cargo build --release -p rsemu-linux-user

mkdir -p build/demo
echo "== arm-linux-gnueabihf-gcc -static -O2 tests/guest/hello.c -o build/demo/hello"
arm-linux-gnueabihf-gcc -static -O2 -Wall -o build/demo/hello tests/guest/hello.c
echo "== file build/demo/hello"
file build/demo/hello
echo "== host: $(uname -m); running under target/release/rsemu-arm:"
target/release/rsemu-arm build/demo/hello
