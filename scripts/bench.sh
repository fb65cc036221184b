#!/usr/bin/env bash
# User-mode benchmarks: twelve workloads timed under qemu-arm and rsemu-arm
# (and, for the C kernels, the same source built for the host), printed as a
# markdown table of medians and ratios (lower is better for rsemu).
#
#   C kernels (tests/bench/NAME.c, static ARM builds; in the C geomeans):
#     crc32 sieve matmul sha256 sort interp nbody
#   real programs from build/sysroot (Debian bookworm armhf, -L build/sysroot):
#     xz (-6 of 2 MiB of generated text), gzip (-9, same input),
#     lua (lua5.4 fib(33)), python (python3.11 dict/string loop),
#     sqlite (sqlite3 :memory:, 200,000 rows in one transaction)
#   start-up rows, not in any geomean:
#     python-startup (python3.11 -c pass), busybox-true (static busybox true)
#   extra rows, run only when named with --only, not in any geomean:
#     intloop (tests/bench/intloop.c), nbody-fastmath and matmul-fastmath
#     (nbody.c and matmul.c built with -ffast-math: FPSCR's flush-to-zero
#     set at start-up, as crtfastmath does; no native build, whose output
#     may differ in the last digits)
#
# Every workload runs once untimed under each emulator (and natively) to check
# that all outputs agree, then RUNS times each, interleaved (qemu, rsemu,
# rsemu warm, [interp], [native], qemu, ...), wall clock; the table shows the
# medians. "rsemu" runs with -tcache off (a first run: everything hot is
# compiled in the run), "rsemu warm" with the persistent translation cache
# the check run filled (a repeated run, as CI and test suites run the same
# binaries again).
# qemu-arm gets -cpu cortex-a15 (ARMv7-A, VFPv4, NEON: the CPU rsemu models).
# The table also goes to build/bench/results.md, every run's time to
# build/bench/runs.tsv. See docs/bench.md.
#
# Options:
#   --runs N            timed runs per emulator and workload (default 3)
#   --only NAME[,NAME]  run only these workloads (names as above)
#   --interp            also time rsemu-arm -accel interp (slow)
#   --no-build          use target/release/rsemu-arm as it is (no cargo build)
# Usage: scripts/bench.sh [--runs N] [--only NAME[,NAME]] [--interp] [--no-build]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ME=bench.sh

C_KERNELS=(crc32 sieve matmul sha256 sort interp nbody)
PROGRAMS=(xz gzip lua python sqlite)
STARTUP=(python-startup busybox-true)
EXTRA=(intloop nbody-fastmath matmul-fastmath)
ALL=("${C_KERNELS[@]}" "${PROGRAMS[@]}" "${STARTUP[@]}" "${EXTRA[@]}")

RUNS=3 ONLY="" INTERP=0 BUILD=1
usage() { echo "usage: $ME [--runs N] [--only NAME[,NAME]] [--interp] [--no-build]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) [ $# -ge 2 ] || usage; RUNS="$2"; shift 2 ;;
        --only) [ $# -ge 2 ] || usage; ONLY="$2"; shift 2 ;;
        --interp) INTERP=1; shift ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) echo "$ME: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "$ME: --runs wants a positive integer, not '$RUNS'" >&2; exit 2; }
die() { echo "$ME: $*" >&2; exit 1; }
note() { echo "$ME: $*" >&2; }
secs() { # a time for the table: 3 decimals, 4 below 0.1 s
    if [ -n "$1" ]; then awk -v t="$1" 'BEGIN { printf (t < 0.1 ? "%.4f" : "%.3f"), t }'; else echo "-"; fi
}

# The workloads to run, in table order.
SELECTED=()
if [ -z "$ONLY" ]; then
    SELECTED=("${C_KERNELS[@]}" "${PROGRAMS[@]}" "${STARTUP[@]}")
else
    IFS=, read -r -a want <<<"$ONLY"
    for w in "${want[@]}"; do
        [[ " ${ALL[*]} " == *" $w "* ]] || die "unknown workload '$w' (known: ${ALL[*]})"
    done
    for n in "${ALL[@]}"; do
        if [[ ",$ONLY," == *",$n,"* ]]; then SELECTED+=("$n"); fi
    done
fi
is_in() { local x="$1"; shift; [[ " $* " == *" $x "* ]]; }
selected() { is_in "$1" "${SELECTED[@]}"; }

# --- Build what the selected workloads need ---------------------------------
command -v qemu-arm >/dev/null || die "qemu-arm not found (scripts/install-deps.sh)"
QEMU="$(command -v qemu-arm)"
QEMU_CPU=cortex-a15
RSEMU="$ROOT/target/release/rsemu-arm"
if [ "$BUILD" = 1 ]; then
    cargo build --release -q -p rsemu-linux-user
fi
[ -x "$RSEMU" ] || die "$RSEMU not built (cargo build --release -p rsemu-linux-user)"

B=build/bench
mkdir -p "$B/native" "$B/out"
need_c=0
for n in "${C_KERNELS[@]}" "${EXTRA[@]}"; do if selected "$n"; then need_c=1; fi; done
if [ "$need_c" = 1 ]; then
    command -v arm-linux-gnueabihf-gcc >/dev/null || die "arm-linux-gnueabihf-gcc not found (scripts/install-deps.sh)"
    command -v gcc >/dev/null || die "gcc not found"
fi
for n in "${C_KERNELS[@]}" "${EXTRA[@]}"; do
    selected "$n" || continue
    src=tests/bench/${n%-fastmath}.c
    if [ "$n" != "${n%-fastmath}" ]; then
        [ "$B/$n" -nt "$src" ] || arm-linux-gnueabihf-gcc -static -O2 -ffast-math -o "$B/$n" "$src" -lm
        continue
    fi
    [ "$B/$n" -nt "$src" ] || arm-linux-gnueabihf-gcc -static -O2 -o "$B/$n" "$src" -lm
    [ "$B/native/$n" -nt "$src" ] || gcc -O2 -o "$B/native/$n" "$src" -lm
done

SYSROOT=build/sysroot
need_sysroot=0
for n in "${PROGRAMS[@]}" python-startup; do if selected "$n"; then need_sysroot=1; fi; done
if [ "$need_sysroot" = 1 ]; then
    missing=0
    for f in usr/bin/xz bin/gzip usr/bin/lua5.4 usr/bin/python3.11 usr/bin/sqlite3; do
        [ -x "$SYSROOT/$f" ] || missing=1
    done
    if [ "$missing" = 1 ]; then
        # Keep Python's test suite if the sysroot was fetched with it.
        extra=()
        grep -qw libpython3.11-testsuite "$SYSROOT/.packages" 2>/dev/null && extra=(--python-tests)
        note "build/sysroot lacks a benchmark program: running scripts/fetch-sysroot.sh ${extra[*]}"
        scripts/fetch-sysroot.sh "${extra[@]}" >&2
    fi
fi

# Input of xz and gzip: 2 MiB of pseudo-random English-like text, made by a
# host build of tests/bench/gentext.c (its output depends only on its source).
TEXT=$B/text.txt
TEXT_BYTES=2097152
if selected xz || selected gzip; then
    [ "$B/native/gentext" -nt tests/bench/gentext.c ] ||
        gcc -O2 -o "$B/native/gentext" tests/bench/gentext.c
    if [ ! -f "$TEXT" ] || [ "$TEXT" -ot "$B/native/gentext" ] || [ "$(stat -c %s "$TEXT")" != "$TEXT_BYTES" ]; then
        "$B/native/gentext" "$TEXT_BYTES" >"$TEXT"
    fi
fi

BUSYBOX=build/busybox/bin/busybox
if selected busybox-true && [ ! -x "$BUSYBOX" ]; then
    note "skipping busybox-true: no $BUSYBOX (scripts/fetch-busybox.sh fetches it)"
    keep=(); for n in "${SELECTED[@]}"; do [ "$n" = busybox-true ] || keep+=("$n"); done
    SELECTED=("${keep[@]}")
fi
[ ${#SELECTED[@]} -gt 0 ] || die "nothing to run"

# --- Workloads ----------------------------------------------------------------
# define NAME sets: GUEST (ARM program and its arguments), USE_SYSROOT (0/1),
# STDIN, NATIVE (host build, C kernels only), ROUNDTRIP (decompressor that
# must turn the output back into the input: xz, gzip, or empty).
define() {
    GUEST=() USE_SYSROOT=0 STDIN=/dev/null NATIVE="" ROUNDTRIP=""
    case "$1" in
        xz)     GUEST=("$SYSROOT/usr/bin/xz" -6 -c); USE_SYSROOT=1; STDIN=$TEXT; ROUNDTRIP=xz ;;
        gzip)   GUEST=("$SYSROOT/bin/gzip" -9 -c); USE_SYSROOT=1; STDIN=$TEXT; ROUNDTRIP=gzip ;;
        lua)    GUEST=("$SYSROOT/usr/bin/lua5.4" tests/bench/fib.lua); USE_SYSROOT=1 ;;
        python) GUEST=("$SYSROOT/usr/bin/python3.11" tests/bench/dictloop.py); USE_SYSROOT=1 ;;
        sqlite) GUEST=("$SYSROOT/usr/bin/sqlite3" :memory:); USE_SYSROOT=1; STDIN=tests/bench/insert.sql ;;
        python-startup) GUEST=("$SYSROOT/usr/bin/python3.11" -c pass); USE_SYSROOT=1 ;;
        busybox-true) GUEST=("$BUSYBOX" true) ;;
        *-fastmath) GUEST=("$B/$1") ;;
        *)      GUEST=("$B/$1"); NATIVE="$B/native/$1" ;;
    esac
}

# The engines of this run: q qemu-arm, r rsemu-arm (JIT) with an empty
# translation cache (-tcache off: every run is a first run), w rsemu-arm with
# its persistent translation cache (build/bench/tcache, emptied here and
# filled by the check run: every timed run is a repeated run), i rsemu-arm
# -accel interp, n native (only where define set NATIVE).
ENGINES=(q r w)
[ "$INTERP" = 0 ] || ENGINES+=(i)
ENGINES+=(n)
TCACHE=$ROOT/build/bench/tcache
rm -rf "$TCACHE"
engine_name() { case "$1" in q) echo qemu-arm ;; r) echo rsemu-arm ;; w) echo "rsemu-arm (warm -tcache)" ;; i) echo "rsemu-arm -accel interp" ;; n) echo native ;; esac; }
# command ENGINE: sets CMD to the full command line of the current workload.
command_for() {
    local sys=()
    [ "$USE_SYSROOT" = 0 ] || sys=(-L "$SYSROOT")
    case "$1" in
        q) CMD=("$QEMU" -cpu "$QEMU_CPU" "${sys[@]}" "${GUEST[@]}") ;;
        r) CMD=("$RSEMU" -tcache off "${sys[@]}" "${GUEST[@]}") ;;
        w) CMD=("$RSEMU" -tcache "$TCACHE" "${sys[@]}" "${GUEST[@]}") ;;
        i) CMD=("$RSEMU" -accel interp "${sys[@]}" "${GUEST[@]}") ;;
        n) CMD=("$NATIVE") ;;
    esac
}

# From here on the guests (and the emulators) see only this environment:
# nothing from the caller's (QEMU_*, PYTHON*, locale) can change what they do,
# except RSEMU_* variables, which are passed on to rsemu-arm (and said so).
# PYTHONDONTWRITEBYTECODE: CPython must not write .pyc files into the
# sysroot, so every run does the same work (it compiles the few stdlib
# modules it imports at start-up that are not frozen).
kept=""
for v in $(compgen -e); do
    case "$v" in RSEMU_*) kept+=" $v=${!v}" ;; *) export -n "$v" ;; esac
done
export PATH=/usr/bin:/bin LC_ALL=C PYTHONDONTWRITEBYTECODE=1
[ -z "$kept" ] || note "passing on to the emulators (and guests):$kept"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5 (EPOCHREALTIME)"

# run ENGINE OUT: run the current workload once, stdout to OUT, stderr to
# OUT.err; sets SECS (wall time) and STATUS.
run() {
    local s e
    command_for "$1"
    STATUS=0
    s=$EPOCHREALTIME
    "${CMD[@]}" <"$STDIN" >"$2" 2>"$2.err" || STATUS=$?
    e=$EPOCHREALTIME
    SECS=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f", e - s }')
}
show_cmd() { local w out=""; for w in "$@"; do [[ "$w" =~ [[:space:]] ]] && w="'$w'"; out+=" $w"; done; echo "${out# }"; }
fail_run() { # NAME ENGINE OUT WHY
    command_for "$2"
    echo "$ME: FAIL: $1: $(engine_name "$2") $4" >&2
    echo "  command: $(show_cmd "${CMD[@]}") <$STDIN" >&2
    [ ! -s "$3.err" ] || { echo "  stderr:" >&2; head -n 20 "$3.err" | sed 's/^/    /' >&2; }
    exit 1
}
describe() { # a file's content for a message: the text, or its size and md5
    if [ ! -s "$1" ]; then echo "(none)"; return; fi
    if LC_ALL=C grep -qP '[^\x09\x0a\x20-\x7e]' "$1" 2>/dev/null || [ "$(wc -l <"$1")" -gt 5 ]; then
        echo "$(stat -c %s "$1") bytes, md5 $(md5sum <"$1" | cut -d' ' -f1)"
    else
        echo "'$(head -c 300 "$1")'"
    fi
}

note "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $RUNS timed runs each, interleaved"
note "qemu:  $QEMU -cpu $QEMU_CPU ($("$QEMU" --version | head -n1))"
note "rsemu: $RSEMU$([ "$INTERP" = 0 ] || echo " (JIT, and -accel interp)")"
TSV=$B/runs.tsv
# (written beside it and renamed at the end: a failed run keeps the last good one)
printf 'workload\tengine\trun\tseconds\n' >"$TSV.tmp"
declare -A MED
for name in "${SELECTED[@]}"; do
    define "$name"
    engines=()
    for g in "${ENGINES[@]}"; do
        if [ "$g" != n ] || [ -n "$NATIVE" ]; then engines+=("$g"); fi
    done
    # Check run: every engine once, untimed; qemu-arm's output is the reference.
    ref=$B/out/$name.ref
    for g in "${engines[@]}"; do
        out=$B/out/$name.$g
        run "$g" "$out"
        [ "$STATUS" = 0 ] || fail_run "$name" "$g" "$out" "exited with status $STATUS"
        if [ "$g" = q ]; then
            cp "$out" "$ref"
        elif ! cmp -s "$out" "$ref"; then
            fail_run "$name" "$g" "$out" "output differs from qemu-arm's: $(describe "$out") vs $(describe "$ref")"
        fi
    done
    is_in "$name" "${STARTUP[@]}" || [ -s "$ref" ] || fail_run "$name" q "$ref" "printed nothing"
    if [ -n "$ROUNDTRIP" ]; then
        # The compressed stream must decompress to the input (host tool if
        # there is one, else the sysroot's under qemu-arm).
        if command -v "$ROUNDTRIP" >/dev/null; then dec=("$ROUNDTRIP" -dc)
        else dec=("$QEMU" -cpu "$QEMU_CPU" -L "$SYSROOT" "${GUEST[0]}" -dc); fi
        "${dec[@]}" <"$ref" | cmp -s - "$TEXT" ||
            die "FAIL: $name: the compressed output does not decompress to $TEXT"
        note "$name: output $(describe "$ref"), round trip ok"
    else
        note "$name: output $(describe "$ref")"
    fi
    # Timed runs, interleaved; each output must still match.
    declare -A times=()
    for r in $(seq "$RUNS"); do
        for g in "${engines[@]}"; do
            out=$B/out/$name.$g
            run "$g" "$out"
            [ "$STATUS" = 0 ] || fail_run "$name" "$g" "$out" "exited with status $STATUS (timed run $r)"
            cmp -s "$out" "$ref" || fail_run "$name" "$g" "$out" "output changed in timed run $r: $(describe "$out")"
            times[$g]+=" $SECS"
            printf '%s\t%s\t%s\t%s\n' "$name" "$(engine_name "$g")" "$r" "$SECS" >>"$TSV.tmp"
        done
    done
    line="$name:"
    for g in "${engines[@]}"; do
        MED[$name,$g]=$(echo "${times[$g]}" | tr ' ' '\n' | grep . | sort -g |
            awk '{ t[NR] = $1 } END { printf "%.4f", NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }')
        line+=" $(engine_name "$g") $(secs "${MED[$name,$g]}") s (runs:${times[$g]});"
    done
    unset times
    note "${line%;}"
done

# --- Table ---------------------------------------------------------------------
ratio() { # A B [DIGITS]: A/B, or - when either is missing
    if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f", d, (b > 0 ? a / b : 0) }'
    else echo "-"; fi
}
geomean() { # the ratios given as arguments
    printf '%s\n' "$@" | awk '$1 > 0 { s += log($1); n++ } END { if (n) printf "%.2f", exp(s / n); else print "-" }'
}
# row WORKLOAD QEMU RSEMU RSEMU/QEMU WARM WARM/QEMU INTERP INTERP/QEMU NATIVE
#     RSEMU/NATIVE QEMU/NATIVE
# (the interpreter's two cells only with --interp)
row() {
    local cells=("$@")
    [ "$INTERP" = 1 ] || cells=("${cells[@]:0:6}" "${cells[@]:8}")
    local c out="|"
    for c in "${cells[@]}"; do if [ -n "$c" ]; then out+=" $c |"; else out+=" |"; fi; done
    echo "$out"
}
table() {
    row workload "qemu-arm (s)" "rsemu-arm (s)" rsemu/qemu "rsemu, warm tcache (s)" warm/qemu \
        "rsemu interp (s)" interp/qemu "native (s)" rsemu/native qemu/native
    row --- ---: ---: ---: ---: ---: ---: ---: ---: ---: ---:
    local rq_all=() wq_all=() rq_c=() rq_p=() rn_c=() qn_c=() worst="" worst_r=0
    local name q r w i n rq label
    for name in "${SELECTED[@]}"; do
        q=${MED[$name,q]} r=${MED[$name,r]} w=${MED[$name,w]} i=${MED[$name,i]:-} n=${MED[$name,n]:-}
        rq=$(ratio "$r" "$q")
        label=$name
        if is_in "$name" "${STARTUP[@]}"; then label="$name (start-up, not in geomeans)"; fi
        if is_in "$name" "${EXTRA[@]}"; then label="$name (extra, not in geomeans)"; fi
        row "$label" "$(secs "$q")" "$(secs "$r")" "$rq" "$(secs "$w")" "$(ratio "$w" "$q")" \
            "$(secs "$i")" "$(ratio "$i" "$q")" "$(secs "$n")" "$(ratio "$r" "$n")" "$(ratio "$q" "$n")"
        # The geomeans use unrounded ratios.
        rq=$(ratio "$r" "$q" 6)
        if is_in "$name" "${C_KERNELS[@]}" "${PROGRAMS[@]}"; then
            rq_all+=("$rq")
            wq_all+=("$(ratio "$w" "$q" 6)")
            if awk -v a="$rq" -v b="$worst_r" 'BEGIN { exit !(a > b) }'; then worst=$name worst_r=$rq; fi
        fi
        if is_in "$name" "${C_KERNELS[@]}"; then
            rq_c+=("$rq") rn_c+=("$(ratio "$r" "$n" 6)") qn_c+=("$(ratio "$q" "$n" 6)")
        fi
        if is_in "$name" "${PROGRAMS[@]}"; then rq_p+=("$rq"); fi
    done
    if [ ${#rq_all[@]} -gt 0 ]; then
        row "**geomean, ${#rq_all[@]} workloads**" "" "" "**$(geomean "${rq_all[@]}")**" "" \
            "**$(geomean "${wq_all[@]}")**" "" "" "" "" ""
    fi
    if [ ${#rq_c[@]} -gt 0 ]; then
        row "**geomean, ${#rq_c[@]} C kernels**" "" "" "$(geomean "${rq_c[@]}")" "" "" "" "" "" \
            "**$(geomean "${rn_c[@]}")**" "**$(geomean "${qn_c[@]}")**"
    fi
    if [ ${#rq_p[@]} -gt 0 ]; then
        row "geomean, ${#rq_p[@]} programs" "" "" "$(geomean "${rq_p[@]}")" "" "" "" "" "" "" ""
    fi
    if [ -n "$worst" ]; then row "worst rsemu/qemu: $worst" "" "" "$(ratio "$worst_r" 1)" "" "" "" "" "" "" ""; fi
}
TABLE=$(table)
{
    echo "scripts/bench.sh --runs $RUNS${ONLY:+ --only $ONLY}$([ "$INTERP" = 0 ] || echo " --interp"), $(date -u '+%Y-%m-%d %H:%M UTC'),"
    echo "$(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)),"
    echo "qemu-arm $("$QEMU" --version | head -n1 | awk '{ print $3 }') -cpu $QEMU_CPU,"
    echo "rsemu $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown); medians of $RUNS wall-clock runs, seconds."
    echo
    echo "$TABLE"
} >"$B/results.md"
mv "$TSV.tmp" "$TSV"
echo "$TABLE"
note "table written to $B/results.md, every run's time to $TSV"
