#!/usr/bin/env bash
# CPU-bound guest benchmarks: time each under qemu-arm and rsemu-arm on this
# machine in one run and print the ratio (rsemu / qemu; lower is better).
# Usage: scripts/bench.sh [--runs N]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUNS=3
[ "${1:-}" = "--runs" ] && RUNS="$2"
cargo build --release -q -p rsemu-linux-user
mkdir -p build/bench
printf '%-10s %10s %10s %8s\n' bench qemu-arm rsemu-arm ratio
for src in tests/bench/*.c; do
    name=$(basename "$src" .c)
    bin=build/bench/$name
    [ "$bin" -nt "$src" ] || arm-linux-gnueabihf-gcc -static -O2 -o "$bin" "$src"
    best() { # best wall time of RUNS runs, in seconds
        local b=""
        for _ in $(seq "$RUNS"); do
            local s e
            s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
            b=$(echo "$s $e ${b:-1e9}" | awk '{t=$2-$1; print (t<$3)?t:$3}')
        done
        echo "$b"
    }
    want=$(qemu-arm -cpu cortex-a15 "$bin")
    got=$(target/release/rsemu-arm "$bin")
    [ "$want" = "$got" ] || { echo "$name: output differs: qemu '$want' rsemu '$got'"; exit 1; }
    q=$(best qemu-arm -cpu cortex-a15 "$bin")
    r=$(best target/release/rsemu-arm "$bin")
    printf '%-10s %9.3fs %9.3fs %7.1fx\n' "$name" "$q" "$r" "$(echo "$q $r" | awk '{print $2/$1}')"
done
