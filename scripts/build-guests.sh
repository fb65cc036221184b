#!/usr/bin/env bash
# Build every tests/guest/*.c and *.S into build/guest/NAME.VARIANT, static
# (the dyn-* variants are dynamically linked and run with -L the cross sysroot),
# with the ARM cross compiler. Rebuilds only what is out of date (source or
# this script newer than the output).
#
# Header comments read from the first 40 lines of each source:
#   // variants: thumb-O0 thumb-O2 arm-O0 arm-O2 neon-O3
#        (default: thumb-O0 thumb-O2 arm-O0 arm-O2)
#   // cflags: EXTRA FLAGS      (added to every variant)
#   // ldflags: EXTRA FLAGS     (added after the source, e.g. -lm)
# Variants: thumb-OX = -mthumb -OX, arm-OX = -marm -OX,
#           neon-O3 = -mthumb -O3 -mfpu=neon -ftree-vectorize.
# Environment: CC (default arm-linux-gnueabihf-gcc), JOBS (default nproc),
#              FORCE=1 rebuilds everything.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tests/guest"
OUT="$ROOT/build/guest"
CC="${CC:-arm-linux-gnueabihf-gcc}"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
FORCE="${FORCE:-0}"
SELF="$ROOT/scripts/build-guests.sh"
DEFAULT_VARIANTS="thumb-O0 thumb-O2 arm-O0 arm-O2 dyn-O2"

command -v "$CC" >/dev/null || { echo "build-guests.sh: $CC not found; run scripts/install-deps.sh" >&2; exit 1; }
mkdir -p "$OUT"
LOGDIR="$(mktemp -d)"
trap 'rm -rf "$LOGDIR"' EXIT

header() { # header FILE KEY -> value of "// KEY: value" (first match)
    head -n 40 "$1" | sed -n "s|^[[:space:]]*//[[:space:]]*$2:[[:space:]]*||p" | head -n 1
}

variant_flags() {
    case "$1" in
        thumb-O*) echo "-mthumb -${1#thumb-}" ;;
        arm-O*)   echo "-marm -${1#arm-}" ;;
        neon-O3)  echo "-mthumb -O3 -mfpu=neon -ftree-vectorize" ;;
        dyn-O2)   echo "-mthumb -O2" ;;   # dynamically linked: run with -L
        *) return 1 ;;
    esac
}

built=0; uptodate=0; failed=0; running=0
declare -a jobs_names=()
compile() { # compile SRC OUTFILE FLAGS... (runs in background)
    local src="$1" out="$2"; shift 2
    local log="$LOGDIR/$(basename "$out").log"
    if "$CC" "$@" -o "$out.tmp" >"$log" 2>&1; then
        mv -f "$out.tmp" "$out"
    else
        rm -f "$out.tmp"; echo "FAILED: $CC $*" >>"$log"; return 1
    fi
}

shopt -s nullglob
sources=("$SRC"/*.c "$SRC"/*.S)
[ ${#sources[@]} -gt 0 ] || { echo "build-guests.sh: no sources in $SRC" >&2; exit 1; }

pids=(); outs=()
wait_one() {
    local i=0
    wait "${pids[0]}" && built=$((built+1)) || { failed=$((failed+1)); echo "build-guests.sh: FAILED ${outs[0]##*/}"; cat "$LOGDIR/${outs[0]##*/}.log"; }
    pids=("${pids[@]:1}"); outs=("${outs[@]:1}")
}

for src in "${sources[@]}"; do
    base="$(basename "$src")"; name="${base%.*}"
    variants="$(header "$src" variants)"; variants="${variants:-$DEFAULT_VARIANTS}"
    cflags="$(header "$src" cflags)"; ldflags="$(header "$src" ldflags)"
    for v in $variants; do
        vf="$(variant_flags "$v")" || { echo "build-guests.sh: $base: unknown variant '$v'" >&2; failed=$((failed+1)); continue; }
        out="$OUT/$name.$v"
        if [ "$FORCE" != 1 ] && [ -f "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$SELF" ]; then
            uptodate=$((uptodate+1)); continue
        fi
        # shellcheck disable=SC2086
        link=-static; case "$v" in dyn-*) link= ;; esac
        compile "$src" "$out" $link -Wall -Werror -g0 $vf $cflags "$src" $ldflags -lm &
        pids+=($!); outs+=("$out")
        [ ${#pids[@]} -lt "$JOBS" ] || wait_one
    done
done
while [ ${#pids[@]} -gt 0 ]; do wait_one; done

# Drop outputs whose source or variant no longer exists.
removed=0
for f in "$OUT"/*; do
    [ -f "$f" ] || continue
    b="$(basename "$f")"; n="${b%.*}"; v="${b##*.}"
    s=""; [ -f "$SRC/$n.c" ] && s="$SRC/$n.c"; [ -f "$SRC/$n.S" ] && s="$SRC/$n.S"
    if [ -z "$s" ]; then rm -f "$f"; removed=$((removed+1)); continue; fi
    vs="$(header "$s" variants)"; vs="${vs:-$DEFAULT_VARIANTS}"
    case " $vs " in *" $v "*) ;; *) rm -f "$f"; removed=$((removed+1)) ;; esac
done

echo "build-guests.sh: ${#sources[@]} sources: $built built, $uptodate up to date, $failed failed, $removed stale removed -> $OUT"
[ "$failed" = 0 ]
