#!/usr/bin/env bash
# The system call fuzzer (tests/fuzz/sysfuzz.c) at scale: N random calls
# split over JOBS processes with consecutive seeds, under both backends
# in turn, in a scratch directory that is removed afterwards. Prints each
# problem the fuzzer reports and the totals; exits 1 if there were any.
# The test suite runs a fixed seed of 5000 calls (4000 compiled, 1000 interpreted) (linux-user/tests/
# syscall_fuzz.rs); this is the long run:
#
#   scripts/fuzz-syscalls.sh [-n CALLS] [-s FIRST_SEED] [-j JOBS]
#
# Defaults: 1000000 calls, seed 1000, 2 jobs.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CALLS=1000000 SEED=1000 JOBS=2
while getopts "n:s:j:" o; do
    case "$o" in
        n) CALLS="$OPTARG" ;;
        s) SEED="$OPTARG" ;;
        j) JOBS="$OPTARG" ;;
        *) sed -n '2,12p' "$0"; exit 2 ;;
    esac
done
EMU="${RSEMU_ARM:-$ROOT/target/debug/rsemu-arm}"
[ -x "$EMU" ] || { echo "fuzz-syscalls.sh: $EMU not built (cargo build)" >&2; exit 2; }
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
arm-linux-gnueabihf-gcc -O2 -static -Wall -Werror -o "$WORK/sysfuzz" "$ROOT/tests/fuzz/sysfuzz.c" || exit 2

# Chunks of 10000 calls, each its own seed, half under each backend.
CHUNK=10000
chunks=$(( (CALLS + CHUNK - 1) / CHUNK ))
for ((i = 0; i < chunks; i++)); do
    n=$CHUNK; [ $(( (i + 1) * CHUNK )) -le "$CALLS" ] || n=$(( CALLS - i * CHUNK ))
    accel=jit; [ $((i % 2)) = 1 ] && accel=interp
    echo "$((SEED + i)) $n $accel"
done > "$WORK/chunks"

run_chunk() {
    local seed="$1" n="$2" accel="$3" dir
    dir="$WORK/run-$seed"; mkdir -p "$dir"
    (cd "$dir" && "$EMU" -accel "$accel" "$WORK/sysfuzz" random "$seed" "$n" 2>&1) | grep -v '^sysfuzz: working in'
    rm -rf "$dir"
}
export -f run_chunk
export EMU WORK

start=$(date +%s)
xargs -P "$JOBS" -L 1 bash -c 'run_chunk "$@"' _ < "$WORK/chunks" | tee "$WORK/log" | grep -v ' 0 problems$'
end=$(date +%s)
done_calls=$(grep -o '^sysfuzz: [0-9]* calls' "$WORK/log" | awk '{s += $2} END {print s + 0}')
bad=$(grep -c -E '^(CRASH|HANG)' "$WORK/log")
echo "== fuzz-syscalls.sh: $done_calls calls in $((end - start)) s, $bad problems"
[ "$bad" = 0 ] && [ "$done_calls" = "$CALLS" ]
