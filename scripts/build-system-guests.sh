#!/usr/bin/env bash
# Build the bare-metal system-mode test guests: every tests/guest/system/NAME.c
# (or only the NAMEs given as arguments)
# (plus its NAME_*.S helpers, if any) linked with the runtime in
# tests/guest/system/rt/ into build/system-guests/NAME.elf, an ELF linked at
# 0x40100000 for `-M virt -cpu cortex-a15 -kernel NAME.elf`.
#
# Idempotent: a guest is rebuilt only when one of its sources, the runtime or
# this script is newer than the ELF. FORCE=1 rebuilds everything.
# Environment: CC (default arm-linux-gnueabihf-gcc), FORCE, OUT_DIR (default
# build/system-guests), EXTRA_CFLAGS (e.g. -DRT_BREAK=N, see rt/rt.c; use a
# separate OUT_DIR and FORCE=1 for such builds).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tests/guest/system"
RT="$SRC/rt"
OUT="${OUT_DIR:-$ROOT/build/system-guests}"
CC="${CC:-arm-linux-gnueabihf-gcc}"
FORCE="${FORCE:-0}"
EXTRA_CFLAGS="${EXTRA_CFLAGS:-}"
SELF="$ROOT/scripts/build-system-guests.sh"

if ! command -v "$CC" >/dev/null 2>&1; then
    echo "build-system-guests.sh: cross compiler '$CC' not found." >&2
    echo "  Install Debian's gcc-arm-linux-gnueabihf (scripts/install-deps.sh) or set CC." >&2
    exit 1
fi

# Freestanding A32 code, no FPU use by the compiler (the vfp test enables the
# FPU itself and writes its VFP instructions in assembly).
CFLAGS=(-O2 -g -marm -march=armv7ve -mfloat-abi=soft -ffreestanding -fno-builtin
        -fno-tree-loop-distribute-patterns -fno-pic -fno-stack-protector
        -fno-unwind-tables -fno-asynchronous-unwind-tables
        -Wall -Wextra -Wno-unused-parameter -Werror -I"$RT" $EXTRA_CFLAGS)
LDFLAGS=(-nostdlib -nostartfiles -static -T "$RT/link.ld" -Wl,--build-id=none
         -Wl,--no-warn-rwx-segments -Wl,-z,noexecstack)

mkdir -p "$OUT"
shopt -s nullglob
rt_srcs=("$RT"/*.c "$RT"/*.S)
if [ $# -gt 0 ]; then
    tests=()
    for n in "$@"; do
        [ -f "$SRC/$n.c" ] || { echo "build-system-guests.sh: no test $SRC/$n.c" >&2; exit 1; }
        tests+=("$SRC/$n.c")
    done
else
    tests=("$SRC"/*.c)
fi
[ ${#tests[@]} -gt 0 ] || { echo "build-system-guests.sh: no tests in $SRC" >&2; exit 1; }

built=0; uptodate=0; failed=0
for t in "${tests[@]}"; do
    name="$(basename "$t" .c)"
    srcs=("$t" "$SRC/${name}"_*.S "${rt_srcs[@]}")
    out="$OUT/$name.elf"
    stale="$FORCE"
    if [ "$stale" != 1 ]; then
        [ -f "$out" ] || stale=1
        for dep in "${srcs[@]}" "$RT/rt.h" "$RT/link.ld" "$SELF"; do
            [ "$dep" -nt "$out" ] && stale=1
        done
    fi
    if [ "$stale" != 1 ]; then
        uptodate=$((uptodate + 1))
        continue
    fi
    if "$CC" "${CFLAGS[@]}" "${srcs[@]}" "${LDFLAGS[@]}" -o "$out.tmp"; then
        mv -f "$out.tmp" "$out"
        built=$((built + 1))
    else
        rm -f "$out.tmp"
        echo "build-system-guests.sh: FAILED to build $name" >&2
        failed=$((failed + 1))
    fi
done
echo "system guests: $built built, $uptodate up to date, $failed failed ($OUT)"
[ "$failed" -eq 0 ]
