#!/usr/bin/env bash
# System mode, first thing to try: fetch Debian bookworm's armhf armmp kernel,
# build a busybox initramfs and two test disks, build rsemu-system-arm and
# boot the kernel with QEMU's command line. The initramfs's /init runs a
# small workload, writes to the disks and powers off.
# With --shell the kernel starts a busybox shell on the console instead
# (Ctrl-A x quits, as in QEMU).
# Usage: scripts/demo-system.sh [--shell]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APPEND='console=ttyAMA0 rsemu.phase=write'
for a in "$@"; do
    case "$a" in
        --shell) APPEND='console=ttyAMA0 rdinit=/bin/sh' ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) echo "demo-system.sh: unknown argument '$a' (usage: demo-system.sh [--shell])" >&2; exit 2 ;;
    esac
done

need=0
for t in arm-linux-gnueabihf-gcc qemu-arm qemu-img dtc; do command -v "$t" >/dev/null || need=1; done
dpkg --print-foreign-architectures 2>/dev/null | grep -qx armhf || need=1
if [ "$need" = 1 ]; then
    echo "== installing dependencies (scripts/install-deps.sh)"
    scripts/install-deps.sh </dev/null
fi
scripts/fetch-busybox.sh </dev/null
scripts/fetch-kernel.sh </dev/null
scripts/build-initramfs.sh </dev/null
scripts/make-disks.sh </dev/null
echo "== cargo build --release -p rsemu-softmmu"
cargo build --release -p rsemu-softmmu </dev/null
set -x
exec target/release/rsemu-system-arm -M virt -m 256 \
    -kernel build/system/vmlinuz -initrd build/system/initrd.gz \
    -append "$APPEND" -nographic -no-reboot \
    -drive file=build/system/disk-raw.img,format=raw,if=virtio \
    -drive file=build/system/disk.qcow2,format=qcow2,if=virtio
