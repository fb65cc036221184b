#!/usr/bin/env bash
# A/B timing of two rsemu-arm builds on the workloads of scripts/bench.sh:
# the runs of the two alternate (A, B, A, B, ...), and each build's minimum
# over the runs is reported with the ratio B/A. On a noisy machine the
# minimum of interleaved runs is what tells a few percent apart; medians of
# a whole bench.sh run do not.
#
#   scripts/ab.sh [--runs N] BASE_EXE NEW_EXE [WORKLOAD...]
#
# BASE_EXE, NEW_EXE: rsemu-arm binaries, e.g. a worktree of the base commit
# built with its own target directory:
#   git worktree add /tmp/base HEAD~1
#   (cd /tmp/base && CARGO_TARGET_DIR=/tmp/base-target cargo build --release -p rsemu-linux-user)
#   scripts/ab.sh /tmp/base-target/release/rsemu-arm target/release/rsemu-arm sort xz
# Workloads (default: all twelve): crc32 sieve matmul sha256 sort interp
# nbody xz gzip lua python sqlite, and python-startup. Both builds run with
# -tcache off, except in python-startup-warm (python-startup with each
# build's own persistent cache, filled by an untimed first run). Needs what
# bench.sh builds and fetches (run it once first).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
if [ "${1:-}" = --runs ]; then
    runs=$2
    shift 2
fi
if [ $# -lt 2 ]; then
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
base=$1 new=$2
shift 2
[ $# -gt 0 ] || set -- crc32 sieve matmul sha256 sort interp nbody xz gzip lua python sqlite

S=build/sysroot
B=build/bench
# The command line after the emulator, and the file on stdin.
args_of() {
    case $1 in
    crc32 | sieve | matmul | sha256 | sort | interp | nbody) echo "$B/$1" ;;
    xz) echo "-L $S $S/usr/bin/xz -6 -c $B/text.txt" ;;
    gzip) echo "-L $S $S/bin/gzip -9 -c $B/text.txt" ;;
    lua) echo "-L $S $S/usr/bin/lua5.4 tests/bench/fib.lua" ;;
    python) echo "-L $S $S/usr/bin/python3.11 tests/bench/dictloop.py" ;;
    sqlite) echo "-L $S $S/usr/bin/sqlite3 :memory:" ;;
    python-startup | python-startup-warm) echo "-L $S $S/usr/bin/python3.11 -c pass" ;;
    *)
        echo "ab.sh: unknown workload $1" >&2
        exit 2
        ;;
    esac
}
stdin_of() {
    if [ "$1" = sqlite ]; then echo tests/bench/insert.sql; else echo /dev/null; fi
}
# The -tcache argument of build $1 (a or b) in workload $2.
tcache_of() {
    case $2 in
    *-warm) echo "$tcache_dir/$1" ;;
    *) echo off ;;
    esac
}
tcache_dir=$(mktemp -d)
trap 'rm -rf "$tcache_dir"' EXIT
# Wall-clock nanoseconds of one run of build $1 (a or b), executable $2.
time_of() {
    local which=$1 exe=$2 w=$3 start
    start=$(date +%s%N)
    # shellcheck disable=SC2046 # the arguments are words
    "$exe" -tcache "$(tcache_of "$which" "$w")" $(args_of "$w") <"$(stdin_of "$w")" >/dev/null
    echo "$(($(date +%s%N) - start))"
}

printf '%-15s %10s %10s %7s\n' workload "base (s)" "new (s)" new/base
for w in "$@"; do
    args_of "$w" >/dev/null
    best_a='' best_b=''
    # Fills the warm workloads' caches.
    time_of a "$base" "$w" >/dev/null
    time_of b "$new" "$w" >/dev/null
    for _ in $(seq "$runs"); do
        a=$(time_of a "$base" "$w")
        b=$(time_of b "$new" "$w")
        if [ -z "$best_a" ] || [ "$a" -lt "$best_a" ]; then best_a=$a; fi
        if [ -z "$best_b" ] || [ "$b" -lt "$best_b" ]; then best_b=$b; fi
    done
    awk -v w="$w" -v a="$best_a" -v b="$best_b" \
        'BEGIN { printf "%-15s %10.3f %10.3f %7.3f\n", w, a / 1e9, b / 1e9, b / a }'
done
