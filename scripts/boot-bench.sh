#!/usr/bin/env bash
# Boot benchmark: boot Debian's armmp kernel with the test initramfs
# (tests/system/init.sh, rsemu.phase=none) N times under qemu-system-arm and,
# with --rsemu PATH, under rsemu-system-arm, alternating, with the user's
# command line:
#   -M virt -m 256 -kernel build/system/vmlinuz -initrd build/system/initrd.gz
#   -append 'console=ttyAMA0 rsemu.phase=none' -nographic -no-reboot
#   (--disk: plus -drive file=build/system/disk.qcow2,format=qcow2,if=virtio)
# and measure the wall time from launch to the RSEMU-USERSPACE-UP line on the
# console and to the process's exit. Prints each run, then a table of medians
# and the ratio rsemu/qemu (lower is better). Every run must reach the marker,
# print the RESULT lines `sh tests/system/init.sh --expected` predicts, print
# RSEMU-DONE and exit with status 0, or the script fails saying which run did
# what (console logs: build/system/bench/).
#
# QEMU only: -nic none (rsemu has no NIC; QEMU's default virtio-net-pci would
# also need efi-virtio.rom from ipxe-qemu), and with --disk -M virt,highmem=off
# (QEMU 7.2's if=virtio is virtio-blk-pci, and Debian's 32-bit kernel cannot
# use the default high PCIe ECAM window; rsemu's if=virtio is virtio-mmio).
#
# --accel NAME passes -accel NAME to rsemu-system-arm (jit, its default, or
# interp) to time the interpreter alone.
# Usage: scripts/boot-bench.sh [--runs N] [--disk] [--rsemu PATH] [--accel NAME] [--timeout SECONDS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ME=boot-bench.sh

RUNS=5 DISK=0 RSEMU="" TIMEOUT=120 ACCEL=""
usage() { echo "usage: $ME [--runs N] [--disk] [--rsemu PATH] [--accel NAME] [--timeout SECONDS]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) [ $# -ge 2 ] || usage; RUNS="$2"; shift 2 ;;
        --disk) DISK=1; shift ;;
        --rsemu) [ $# -ge 2 ] || usage; RSEMU="$2"; shift 2 ;;
        --accel) [ $# -ge 2 ] || usage; ACCEL="$2"; shift 2 ;;
        --timeout) [ $# -ge 2 ] || usage; TIMEOUT="$2"; shift 2 ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) echo "$ME: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "$ME: --runs wants a positive integer, not '$RUNS'" >&2; exit 2; }
[[ "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || { echo "$ME: --timeout wants whole seconds, not '$TIMEOUT'" >&2; exit 2; }
command -v qemu-system-arm >/dev/null || { echo "$ME: qemu-system-arm not found (package qemu-system-arm)" >&2; exit 1; }

SYS=build/system
[ -s "$SYS/vmlinuz" ] || scripts/fetch-kernel.sh
[ -s "$SYS/initrd.gz" ] && [ "$SYS/initrd.gz" -nt tests/system/init.sh ] || scripts/build-initramfs.sh
if [ "$DISK" = 1 ] && [ ! -f "$SYS/disk.qcow2" ]; then scripts/make-disks.sh; fi

ARGS=(-m 256 -kernel "$SYS/vmlinuz" -initrd "$SYS/initrd.gz"
      -append 'console=ttyAMA0 rsemu.phase=none' -nographic -no-reboot)
[ "$DISK" = 0 ] || ARGS+=(-drive "file=$SYS/disk.qcow2,format=qcow2,if=virtio")
QCMD=(qemu-system-arm -M virt -nic none "${ARGS[@]}")
RCMD=()
if [ "$DISK" = 1 ]; then
    QCMD=(qemu-system-arm -M virt,highmem=off -nic none "${ARGS[@]}")
    echo "$ME: --disk: qemu-system-arm gets -M virt,highmem=off (its if=virtio is virtio-blk-pci; Debian's 32-bit kernel cannot reach the high PCIe ECAM); rsemu gets plain -M virt (virtio-mmio)"
fi
echo "$ME: qemu-system-arm also gets -nic none (rsemu emulates no NIC)"
if [ -n "$RSEMU" ] && [ -f "$RSEMU" ]; then
    [ -x "$RSEMU" ] || { echo "$ME: $RSEMU is not executable" >&2; exit 1; }
    RCMD=("$RSEMU" -M virt "${ARGS[@]}")
    [ -z "$ACCEL" ] || RCMD+=(-accel "$ACCEL")
else
    echo "$ME: rsemu-system-arm not built, skipped${RSEMU:+ (no file $RSEMU)}"
fi

EXPECTED="$(mktemp)"
trap 'rm -f "$EXPECTED"' EXIT
sh tests/system/init.sh --expected | grep -E '^RESULT (pipeline|md5|gzip) ' > "$EXPECTED"
LOGDIR="$SYS/bench"
mkdir -p "$LOGDIR"
TAG=nodisk; [ "$DISK" = 0 ] || TAG=disk
echo "$ME: $RUNS runs each, timeout ${TIMEOUT}s, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
show() { local w out=""; for w in "$@"; do [[ "$w" =~ [[:space:]] ]] && w="'$w'"; out+=" $w"; done; echo "${out# }"; }
echo "$ME: qemu:  $(show "${QCMD[@]}")"
[ ${#RCMD[@]} = 0 ] || echo "$ME: rsemu: $(show "${RCMD[@]}")"

# each emulator as: name, number of words, command words
EMUS=(qemu-system-arm "${#QCMD[@]}" "${QCMD[@]}")
[ ${#RCMD[@]} = 0 ] || EMUS+=(rsemu-system-arm "${#RCMD[@]}" "${RCMD[@]}")
python3 - "$RUNS" "$TIMEOUT" "$LOGDIR" "$EXPECTED" "$TAG" "${EMUS[@]}" <<'PY'
import os, re, selectors, signal, statistics, subprocess, sys, time
runs, timeout, logdir, expfile, tag = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
rest, emus = sys.argv[6:], []
while rest:
    n = int(rest[1])
    emus.append((rest[0], rest[2:2 + n]))
    rest = rest[2 + n:]
expected = open(expfile).read().split("\n")
expected = [l for l in expected if l]
MARKER = b"RSEMU-USERSPACE-UP"
me = "boot-bench.sh"

def fail(msg, log=None):
    print(f"{me}: FAIL: {msg}", flush=True)
    if log:
        lines = open(log, "rb").read().decode(errors="replace").splitlines()
        print(f"{me}: console log {log}; " + ("last lines:" if lines else "it is empty"))
        for l in lines[-15:]:
            print("    " + l)
    sys.exit(1)

def run_once(name, cmd, i):
    log = os.path.join(logdir, f"{name}-{tag}-{i}.log")
    out = bytearray()
    t_marker = None
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    fd = p.stdout.fileno()
    os.set_blocking(fd, False)
    timed_out = False
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    while True:
        left = t0 + timeout - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        if not sel.select(left):
            continue
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            continue
        now = time.monotonic()
        if not chunk:
            break
        out += chunk
        if t_marker is None and MARKER in out[-(len(chunk) + len(MARKER)):]:
            t_marker = now - t0
    if timed_out:
        os.killpg(p.pid, signal.SIGKILL)
    rc = p.wait()
    t_exit = time.monotonic() - t0
    with open(log, "wb") as f:
        f.write(out)
    text = out.decode(errors="replace")
    what = f"{name} run {i}"
    if t_marker is None:
        why = f"timed out after {timeout:.0f} s" if timed_out else f"exited with status {rc} after {t_exit:.1f} s"
        fail(f"{what} never reached RSEMU-USERSPACE-UP ({why})", log)
    if timed_out:
        fail(f"{what} reached the marker at {t_marker:.2f} s but did not exit within {timeout:.0f} s", log)
    if rc != 0:
        fail(f"{what} exited with status {rc}", log)
    errors = re.findall(r"RESULT error .*", text)
    if errors:
        fail(f"{what}: guest reported: {'; '.join(errors)}", log)
    got = re.findall(r"RESULT (?:pipeline|md5|gzip) .*", text)
    if [g.strip() for g in got] != expected:
        fail(f"{what}: RESULT lines differ: got {got}, expected {expected}", log)
    if "RSEMU-DONE" not in text:
        fail(f"{what}: no RSEMU-DONE", log)
    if tag == "disk" and not re.search(r"virtio_blk virtio\d+: \[vd[a-z]\]", text):
        fail(f"{what}: the guest found no virtio disk (no 'virtio_blk ... [vda]' in its kernel log)", log)
    print(f"  {what:<24} marker {t_marker:7.2f} s   exit {t_exit:7.2f} s", flush=True)
    return t_marker, t_exit

times = {name: [] for name, _ in emus}
for i in range(1, runs + 1):
    for name, cmd in emus:
        times[name].append(run_once(name, cmd, i))

print()
print(f"boot to userspace ({tag}), median of {runs}:")
print(f"  {'':<18} {'to marker':>10} {'to exit':>10}")
med = {}
for name, _ in emus:
    m = statistics.median(t[0] for t in times[name])
    e = statistics.median(t[1] for t in times[name])
    med[name] = (m, e)
    print(f"  {name:<18} {m:9.2f}s {e:9.2f}s")
if len(emus) == 2:
    (qm, qe), (rm, re_) = med[emus[0][0]], med[emus[1][0]]
    print(f"  {'ratio rsemu/qemu':<18} {rm / qm:9.2f}x {re_ / qe:9.2f}x")
PY
