#!/usr/bin/env bash
# Runs the thread and signal guest tests many times over, under both
# backends, and reports every hang and every failure: races show up as
# the rare run that differs. Each run is checked like the test suite
# checks it (exact stdout against tests/guest/NAME.expected, exit status
# 0), with a time limit.
#
#   scripts/repeat-guests.sh [-n RUNS] [-j JOBS] [-t SECONDS] [NAME...]
#
# Defaults: 200 runs of sigstorm, threads, signals, setxid, rtqueue,
# sigrestart, robust, mainexit, clone_vm (their arm-O2 build) and the Go program
# gostress, two jobs, 30 s per run. Exits 1 if any run failed or hung.
# Needs a built rsemu-arm (cargo build), scripts/build-guests.sh and
# scripts/build-go.sh.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS=200 JOBS=2 LIMIT=30
while getopts "n:j:t:" o; do
    case "$o" in
        n) RUNS="$OPTARG" ;;
        j) JOBS="$OPTARG" ;;
        t) LIMIT="$OPTARG" ;;
        *) sed -n '2,15p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(sigstorm threads signals setxid rtqueue sigrestart robust mainexit clone_vm gostress)
EMU="${RSEMU_ARM:-$ROOT/target/debug/rsemu-arm}"
[ -x "$EMU" ] || { echo "repeat-guests.sh: $EMU not built (cargo build)" >&2; exit 2; }

TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
# One line per job: NAME ACCEL RUN
for name in "${NAMES[@]}"; do
    for accel in interp jit; do
        for ((i = 1; i <= RUNS; i++)); do echo "$name $accel $i"; done
    done
done > "$TMP/jobs"

run_one() {
    local name="$1" accel="$2" i="$3" prog expected wd st
    if [ "$name" = gostress ]; then
        prog="$ROOT/build/go/gostress"; expected="$ROOT/tests/go/gostress.expected"
    else
        prog="$ROOT/build/guest/$name.arm-O2"; expected="$ROOT/tests/guest/$name.expected"
    fi
    wd="$TMP/wd-$name-$accel-$i"; mkdir -p "$wd"
    (cd "$wd" && exec env -i PATH=/usr/bin:/bin RSEMU_JIT_THRESHOLD=1 \
        timeout -s KILL "$LIMIT" "$EMU" -accel "$accel" "$prog" </dev/null >"$wd/out" 2>"$wd/err")
    st=$?
    if [ "$st" = 137 ]; then
        echo "HANG $name/$accel run $i (killed after ${LIMIT}s)"
    elif [ "$st" != 0 ]; then
        echo "FAIL $name/$accel run $i: exit $st: $(tail -n 2 "$wd/err" | tr '\n' ' ')"
    elif ! cmp -s "$wd/out" "$expected"; then
        echo "FAIL $name/$accel run $i: stdout differs: $(diff "$expected" "$wd/out" | head -n 3 | tr '\n' ' ')"
    else
        echo "ok $name/$accel"
        rm -rf "$wd"
    fi
}
export -f run_one
export ROOT EMU TMP LIMIT

start=$(date +%s)
xargs -P "$JOBS" -L 1 bash -c 'run_one "$@"' _ < "$TMP/jobs" > "$TMP/results"
end=$(date +%s)

grep -v '^ok ' "$TMP/results" || true
echo "== repeat-guests.sh: $(wc -l < "$TMP/jobs") runs in $((end - start)) s"
for name in "${NAMES[@]}"; do
    for accel in interp jit; do
        ok=$(grep -c "^ok $name/$accel\$" "$TMP/results")
        bad=$(grep -c " $name/$accel run " "$TMP/results")
        printf '%-12s %-6s %5d passed %5d failed or hung\n' "$name" "$accel" "$ok" "$bad"
    done
done
! grep -qv '^ok ' "$TMP/results"
