#!/usr/bin/env bash
# Run the system-mode test guests (build/system-guests/NAME.elf, built by
# scripts/build-system-guests.sh) and compare each one's UART output with
# tests/guest/system/NAME.expected.
#
#   scripts/run-system-guests.sh [--emulator PATH] [--timeout SECS] [NAME...]
#
# --emulator defaults to qemu-system-arm. When the emulator is QEMU (its
# basename starts with "qemu") and NAME.qemu-expected exists, that file is
# used instead: it records where QEMU 7.2 departs from the ARM ARM (see the
# comment in NAME.c). Each guest runs as
#   EMU -M virt -cpu cortex-a15 -m 256 -nographic -no-reboot -nic none -kernel NAME.elf
# with stdin from /dev/null (override the machine options with EMU_ARGS).
# Exit status: 0 when every guest's output matches, 1 otherwise.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tests/guest/system"
OUT="$ROOT/build/system-guests"
EMU=qemu-system-arm
TIMEOUT=60
names=()
while [ $# -gt 0 ]; do
    case "$1" in
        --emulator) EMU="$2"; shift 2 ;;
        --emulator=*) EMU="${1#*=}"; shift ;;
        --timeout) TIMEOUT="$2"; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        -*) echo "run-system-guests.sh: unknown option $1" >&2; exit 2 ;;
        *) names+=("$1"); shift ;;
    esac
done
EMU_ARGS="${EMU_ARGS:--M virt -cpu cortex-a15 -m 256 -nographic -no-reboot -nic none}"
command -v "$EMU" >/dev/null 2>&1 || { echo "run-system-guests.sh: emulator '$EMU' not found" >&2; exit 2; }
is_qemu=0
case "$(basename "$EMU")" in qemu*) is_qemu=1 ;; esac

if [ ${#names[@]} -eq 0 ]; then
    for e in "$SRC"/*.expected; do
        n="$(basename "$e" .expected)"
        case "$n" in *.qemu) continue ;; esac
        names+=("$n")
    done
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0; failed=()
for n in "${names[@]}"; do
    elf="$OUT/$n.elf"
    exp="$SRC/$n.expected"
    [ "$is_qemu" = 1 ] && [ -f "$SRC/$n.qemu-expected" ] && exp="$SRC/$n.qemu-expected"
    if [ ! -f "$elf" ]; then
        echo "MISSING $n ($elf: run scripts/build-system-guests.sh)"
        fail=$((fail + 1)); failed+=("$n"); continue
    fi
    # shellcheck disable=SC2086
    timeout -k 5 "$TIMEOUT" "$EMU" $EMU_ARGS -kernel "$elf" </dev/null >"$tmp/$n.out" 2>"$tmp/$n.err"
    rc=$?
    # The UART output is the guest's; strip the CRs a terminal backend may add.
    tr -d '\r' <"$tmp/$n.out" >"$tmp/$n.txt"
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        echo "TIMEOUT $n (after ${TIMEOUT}s)"
    fi
    if diff -u --label "$(basename "$exp")" --label "$n (actual)" "$exp" "$tmp/$n.txt" >"$tmp/$n.diff" && [ "$rc" -eq 0 ]; then
        echo "ok      $n$([ "$exp" = "$SRC/$n.expected" ] || echo ' (qemu-expected)')"
        pass=$((pass + 1))
    else
        echo "FAIL    $n (exit status $rc)"
        cat "$tmp/$n.diff"
        [ -s "$tmp/$n.err" ] && sed 's/^/  stderr: /' "$tmp/$n.err" | head -20
        fail=$((fail + 1)); failed+=("$n")
    fi
done
echo "system guests: $pass passed, $fail failed${failed:+ (${failed[*]})}"
[ "$fail" -eq 0 ]
