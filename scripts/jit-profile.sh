#!/usr/bin/env bash
# Where the time goes inside compiled code, host instruction by host
# instruction: runs a guest under `perf record` with RSEMU_PERF_MAP=1 and
# `-d out_asm`, then prints the hottest blocks and, for each of the top N,
# its host code with the share of samples of each instruction.
#
#   scripts/jit-profile.sh [--top N] [--exe RSEMU_ARM] -- GUEST_ARGS...
#   e.g. scripts/jit-profile.sh -- build/bench/sort
#        scripts/jit-profile.sh --top 2 -- -L build/sysroot build/sysroot/usr/bin/xz -6 -c FILE
#
# Samples land on the instruction after a slow one (skid): a load that
# misses the cache shows as a hot `nop` or store after it. Needs perf
# (linux-perf); the guest's stdout goes to /dev/null. Output files stay in
# $TMPDIR/rsemu-jit-profile (perf.data, out_asm.log).
set -euo pipefail
cd "$(dirname "$0")/.."

top=3
exe=target/release/rsemu-arm
while [ $# -gt 0 ]; do
    case "$1" in
        --top) top=$2; shift 2 ;;
        --exe) exe=$2; shift 2 ;;
        --) shift; break ;;
        *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
[ $# -gt 0 ] || { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
command -v perf >/dev/null || { echo "jit-profile.sh: perf not found (apt-get install linux-perf)" >&2; exit 1; }
[ -x "$exe" ] || { echo "jit-profile.sh: $exe not built (cargo build --release -p rsemu-linux-user)" >&2; exit 1; }

dir=${TMPDIR:-/tmp}/rsemu-jit-profile
mkdir -p "$dir"
RSEMU_PERF_MAP=1 perf record -q -o "$dir/perf.data" \
    "$exe" -tcache off -d out_asm -D "$dir/out_asm.log" "$@" >/dev/null
perf script -i "$dir/perf.data" -F ip,sym 2>/dev/null >"$dir/samples.txt"

python3 - "$dir" "$top" <<'EOF'
import collections, re, sys
d, top = sys.argv[1], int(sys.argv[2])
by_sym = collections.Counter()
by_ip = collections.Counter()
total = 0
for line in open(f"{d}/samples.txt"):
    parts = line.split(None, 1)
    if len(parts) < 2:
        continue
    total += 1
    sym = parts[1].strip()
    by_sym[sym] += 1
    if sym.startswith("guest_"):
        by_ip[int(parts[0], 16)] += 1
print(f"{total} samples; hottest:")
for sym, n in by_sym.most_common(12):
    print(f"  {n * 100 / total:5.1f}%  {sym}")
# Host code of each block, by its guest address and state (the last
# compilation of it in the log: the one that ran longest, usually).
blocks = {}
cur = None
for line in open(f"{d}/out_asm.log"):
    m = re.match(r"OUT: \[guest 0x([0-9a-f]+) (A32|T32)", line)
    if m:
        cur = f"guest_{m.group(1)}_{'t' if m.group(2) == 'T32' else 'a'}"
        blocks[cur] = []
    elif cur and line.startswith("0x"):
        blocks[cur].append(line.rstrip())
    elif not line.strip():
        cur = None
for sym, n in [s for s in by_sym.most_common() if s[0].startswith("guest_")][:top]:
    print(f"\n== {sym}: {n * 100 / total:.1f}% of samples (share of the block's samples per instruction)")
    for line in blocks.get(sym, []):
        ip = int(line.split(":")[0], 16)
        share = by_ip[ip] * 100 / n if n else 0
        print(f"{share:5.1f}  {line[20:].strip()}")
EOF
