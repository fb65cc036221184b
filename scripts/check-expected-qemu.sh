#!/usr/bin/env bash
# Run every built guest (build/guest/NAME.VARIANT) under qemu-arm and compare
# with tests/guest/NAME.expected and the expected exit status / signal.
# qemu-arm is a reference, not the truth: where it disagrees with the ARM ARM
# (or the Linux kernel ABI) the test source says so, NAME.expected follows the
# truth, and NAME.qemu-expected holds qemu's known-wrong output, which this
# script compares against instead (so it passes while the deviation is known).
#
# Same conventions as linux-user/tests/guest_programs.rs:
#   // args: A B C        argv[1..] (split on whitespace)
#   // env: NAME=VALUE    (may repeat) added to a minimal environment
#   // stdin: FILE        file in tests/guest/ fed as stdin (default /dev/null)
#   // exit: N            expected exit status (default 0)
#   // signal: N          process must be killed by signal N (overrides exit)
# The guest runs with cwd = a fresh temporary directory and the environment
# cleared to PATH=/usr/bin:/bin plus the env headers.
# Usage: scripts/check-expected-qemu.sh [SUBSTRING-FILTER]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tests/guest"; BIN="$ROOT/build/guest"
QEMU="${QEMU:-qemu-arm}"
# An ARMv7-A CPU with NEON, VFPv4-D32 and IDIVA, like the one rsemu models
# (qemu's default "max" is ARMv8 and reports AT_PLATFORM v8l).
QEMU_CPU_MODEL="${QEMU_CPU_MODEL:-cortex-a15}"
FILTER="${1:-${RSEMU_GUEST_FILTER:-}}"
command -v "$QEMU" >/dev/null || { echo "check-expected-qemu.sh: $QEMU not found (scripts/install-deps.sh)" >&2; exit 1; }
ls "$BIN"/* >/dev/null 2>&1 || { echo "check-expected-qemu.sh: no guests in $BIN: run scripts/build-guests.sh" >&2; exit 1; }

headers() { head -n 40 "$1" | sed -n "s|^[[:space:]]*//[[:space:]]*$2:[[:space:]]*||p"; }

pass=0; fail=0; failed_names=()
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
for prog in "$BIN"/*; do
    b="$(basename "$prog")"; name="${b%.*}"
    [ -z "$FILTER" ] || [[ "$b" == *"$FILTER"* ]] || continue
    src="$SRC/$name.c"; [ -f "$src" ] || src="$SRC/$name.S"
    exp="$SRC/$name.expected"
    [ -f "$SRC/$name.qemu-expected" ] && exp="$SRC/$name.qemu-expected"
    [ -f "$exp" ] || { echo "FAIL $b: missing $exp"; fail=$((fail+1)); failed_names+=("$b"); continue; }
    read -r -a args <<<"$(headers "$src" args | head -n1)"
    mapfile -t envs < <(headers "$src" env)
    stdin="$(headers "$src" stdin | head -n1)"; stdin="${stdin:+$SRC/$stdin}"; stdin="${stdin:-/dev/null}"
    want_exit="$(headers "$src" exit | head -n1)"; want_exit="${want_exit:-0}"
    want_sig="$(headers "$src" signal | head -n1)"
    # "// qemu-skip: VARIANT reason": qemu-arm itself fails that build.
    if headers "$src" qemu-skip | grep -qw "${b##*.}"; then
        echo "skip $b (qemu-skip: $(headers "$src" qemu-skip | head -n1))"; continue
    fi
    wd="$TMP/$b"; mkdir -p "$wd"
    sysroot=(); case "$b" in *.dyn-*) sysroot=(-L /usr/arm-linux-gnueabihf) ;; esac
    # (the outer 2>/dev/null hides bash's "Aborted"/"Segmentation fault" notes)
    { (cd "$wd" && exec env -i PATH=/usr/bin:/bin "${envs[@]}" timeout -s KILL 20 "$QEMU" -cpu "$QEMU_CPU_MODEL" "${sysroot[@]}" "$prog" "${args[@]}" <"$stdin" >"$TMP/out" 2>"$TMP/err"); } 2>/dev/null
    st=$?
    ok=1; why=""
    if [ -n "$want_sig" ]; then
        [ "$st" = $((128 + want_sig)) ] || { ok=0; why="status $st, want signal $want_sig ($((128 + want_sig)))"; }
    else
        [ "$st" = "$want_exit" ] || { ok=0; why="exit $st, want $want_exit"; }
    fi
    if ! cmp -s "$TMP/out" "$exp"; then ok=0; why="$why stdout differs"; fi
    if [ "$ok" = 1 ]; then pass=$((pass+1)); else
        fail=$((fail+1)); failed_names+=("$b")
        echo "FAIL $b: $why"
        diff "$exp" "$TMP/out" | head -n 15
        tail -n 5 "$TMP/err"
    fi
done
echo "check-expected-qemu.sh: $pass passed, $fail failed${fail:+ ${failed_names[*]:-}}"
[ "$fail" = 0 ]
