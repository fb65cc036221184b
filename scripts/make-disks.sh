#!/usr/bin/env bash
# Make the two test disks of the system-mode tests, fresh each run (the guest
# writes to them):
#   build/system/disk-raw.img  raw, 64 MiB ext4, label RSEMU_RAW, with /host.txt
#   build/system/disk.qcow2    qcow2 of a 64 MiB ext4, label RSEMU_QCOW, with
#                              its own /host.txt
# and print the md5s the guest must report for them (tests/system/init.sh,
# phase write: "RESULT hostfile <label> <md5>"); the same lines go to
# build/system/disks.expected.
#
# --check: after a guest ran phase write, check the disks from the host:
# e2fsck -fn on the raw image (and on a raw copy of the qcow2), qemu-img check
# on the qcow2, and /guest.txt read out of both with debugfs, its md5 printed
# and compared with what `sh tests/system/init.sh --expected` says it must be.
# Needs e2fsprogs (mkfs.ext4 with -d, e2fsck, debugfs) and qemu-utils (qemu-img).
# RSEMU_DISK_DIR=DIR puts (or checks) the disks in DIR instead of
# build/system, so tests can each work on their own copies.
# Usage: scripts/make-disks.sh [--check]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SYS="${RSEMU_DISK_DIR:-$ROOT/build/system}"
RAW="$SYS/disk-raw.img"
QCOW="$SYS/disk.qcow2"
ME=make-disks.sh
SIZE_MB=64

CHECK=0
for a in "$@"; do
    case "$a" in
        --check) CHECK=1 ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) echo "$ME: unknown argument '$a' (usage: $ME [--check])" >&2; exit 2 ;;
    esac
done

export PATH="$PATH:/usr/sbin:/sbin"
need() { command -v "$1" >/dev/null 2>&1 || { echo "$ME: $1 not found (install package $2)" >&2; exit 1; }; }
need mkfs.ext4 e2fsprogs
need e2fsck e2fsprogs
need debugfs e2fsprogs
need qemu-img qemu-utils

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# The host's file on the disk labelled $1.
host_content() {
    echo "rsemu host.txt on $1"
    seq 1 3000 | awk -v l="$1" '{ printf "%s line %05d %08x\n", l, $1, ($1 * 2654435761) % 4294967296 }'
}

if [ "$CHECK" = 1 ]; then
    for f in "$RAW" "$QCOW"; do
        [ -f "$f" ] || { echo "$ME: $f missing: run $ME (then a guest with rsemu.phase=write) first" >&2; exit 1; }
    done
    expected="$(sh "$ROOT/tests/system/init.sh" --expected | grep '^RESULT guestfile ')"
    fail=0
    echo "$ME: e2fsck -fn $(basename "$RAW")"
    if ! e2fsck -fn "$RAW" > "$TMP/fsck" 2>&1; then
        sed 's/^/    /' "$TMP/fsck"; echo "$ME: FAIL: e2fsck found problems in $RAW"; fail=1
    fi
    echo "$ME: qemu-img check $(basename "$QCOW")"
    if ! qemu-img check "$QCOW" > "$TMP/qcheck" 2>&1; then
        sed 's/^/    /' "$TMP/qcheck"; echo "$ME: FAIL: qemu-img check found problems in $QCOW"; fail=1
    fi
    qemu-img convert -O raw "$QCOW" "$TMP/qcow.raw"
    echo "$ME: e2fsck -fn (raw conversion of $(basename "$QCOW"))"
    if ! e2fsck -fn "$TMP/qcow.raw" > "$TMP/fsck" 2>&1; then
        sed 's/^/    /' "$TMP/fsck"; echo "$ME: FAIL: e2fsck found problems in $QCOW"; fail=1
    fi
    for pair in "RSEMU_RAW:$RAW" "RSEMU_QCOW:$TMP/qcow.raw"; do
        label="${pair%%:*}" img="${pair#*:}"
        want="$(echo "$expected" | awk -v l="$label" '$3 == l { print $4 }')"
        if ! debugfs -R 'cat /guest.txt' "$img" > "$TMP/guest.txt" 2> "$TMP/dbg" ||
           grep -q 'File not found' "$TMP/dbg"; then
            echo "$ME: FAIL: no /guest.txt on $label ($(grep -v '^debugfs ' "$TMP/dbg" | head -n 1))"; fail=1; continue
        fi
        got="$(md5sum < "$TMP/guest.txt" | cut -d' ' -f1)"
        if [ "$got" = "$want" ]; then
            echo "guestfile $label $got ok"
        else
            echo "guestfile $label $got FAIL (expected $want)"; fail=1
        fi
    done
    if [ "$fail" = 0 ]; then echo "$ME: check passed"; else echo "$ME: check FAILED" >&2; exit 1; fi
    exit 0
fi

mkdir -p "$SYS"
: > "$TMP/expected"
for label in RSEMU_RAW RSEMU_QCOW; do
    mkdir -p "$TMP/$label"
    host_content "$label" > "$TMP/$label/host.txt"
    img="$TMP/$label.img"
    truncate -s "${SIZE_MB}M" "$img"
    mkfs.ext4 -q -F -L "$label" -E root_owner=0:0 -d "$TMP/$label" "$img" > "$TMP/mkfs.log" 2>&1 ||
        { cat "$TMP/mkfs.log" >&2; echo "$ME: mkfs.ext4 failed for $label (too old for -d?)" >&2; exit 1; }
    echo "RESULT hostfile $label $(md5sum < "$TMP/$label/host.txt" | cut -d' ' -f1)" >> "$TMP/expected"
done
mv "$TMP/RSEMU_RAW.img" "$RAW"
rm -f "$QCOW"
qemu-img convert -f raw -O qcow2 "$TMP/RSEMU_QCOW.img" "$QCOW"
cp "$TMP/expected" "$SYS/disks.expected"
echo "$ME: $RAW (raw, ${SIZE_MB} MiB, ext4 label RSEMU_RAW)"
echo "$ME: $QCOW (qcow2, ${SIZE_MB} MiB, ext4 label RSEMU_QCOW)"
echo "$ME: a guest in phase write must print (also in $SYS/disks.expected):"
cat "$SYS/disks.expected"
