#!/usr/bin/env bash
# CPU-bound guest benchmarks: time each under qemu-arm and rsemu-arm (JIT and
# interpreter) on this machine in one run and print the ratios
# (rsemu / qemu; lower is better).
# Usage: scripts/bench.sh [--runs N]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUNS=3
[ "${1:-}" = "--runs" ] && RUNS="$2"
cargo build --release -q -p rsemu-linux-user
mkdir -p build/bench
printf '%-10s %10s %10s %7s %10s %7s\n' bench qemu-arm rsemu-jit ratio rsemu-int ratio
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
    for accel in jit interp; do
        got=$(target/release/rsemu-arm -accel $accel "$bin")
        [ "$want" = "$got" ] || { echo "$name: output differs: qemu '$want' rsemu ($accel) '$got'"; exit 1; }
    done
    q=$(best qemu-arm -cpu cortex-a15 "$bin")
    j=$(best target/release/rsemu-arm -accel jit "$bin")
    i=$(best target/release/rsemu-arm -accel interp "$bin")
    printf '%-10s %9.3fs %9.3fs %6.2fx %9.3fs %6.2fx\n' "$name" "$q" "$j" \
        "$(echo "$q $j" | awk '{print $2/$1}')" "$i" "$(echo "$q $i" | awk '{print $2/$1}')"
done
