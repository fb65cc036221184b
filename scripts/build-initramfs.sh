#!/usr/bin/env bash
# Build the system-mode test initramfs, build/system/initrd.gz (gzip'd newc
# cpio): Debian's busybox-static (armhf) with its applet links, /init =
# tests/system/init.sh, and the kernel modules below with their dependencies
# (from the kernel tree's modules.dep), listed in load order in
# /etc/rsemu-modules. With --lpae: the same for the -armmp-lpae kernel, into
# build/system/initrd-lpae.gz. Fetches busybox and the kernel first if needed.
# Re-runnable; the archive is byte-for-byte reproducible (fixed owners/mtimes).
#
# What Debian bookworm's armmp kernel (linux-image-6.1.0-57-armmp, 6.1.192-3;
# /boot/config-6.1.0-57-armmp) builds in and what it builds as modules:
#   built in (=y): VIRTIO (virtio.ko, virtio_ring.ko in modules.builtin),
#     PCI_HOST_GENERIC + PCI_HOST_COMMON (the virt board's PCIe host bridge),
#     HW_RANDOM (the hwrng core), DEVTMPFS (but not DEVTMPFS_MOUNT: /init
#     mounts it), BLK_DEV_INITRD + RD_GZIP, SERIAL_AMBA_PL011(_CONSOLE),
#     RTC_DRV_PL031, ARM_PSCI(_FW), ARM_ARCH_TIMER, ARM_GIC (+ V2M, V3),
#     POWER_RESET; modules are not compressed (MODULE_COMPRESS_NONE: .ko).
#   modules (=m), all needed here:
#     VIRTIO_MMIO       virtio_mmio.ko
#     VIRTIO_PCI        virtio_pci.ko, needing VIRTIO_PCI_LIB
#                       virtio_pci_modern_dev.ko and VIRTIO_PCI_LIB_LEGACY
#                       virtio_pci_legacy_dev.ko
#     VIRTIO_BLK        virtio_blk.ko
#     HW_RANDOM_VIRTIO  virtio-rng.ko
#     EXT4_FS           ext4.ko, needing JBD2 jbd2.ko, mbcache.ko, CRC16
#                       crc16.ko; ext4 and jbd2 also have a soft dependency
#                       on crypto-crc32c (metadata_csum, on by default in
#                       mke2fs), which is CRYPTO_CRC32C crc32c_generic.ko
#                       (crc32-arm-ce.ko needs the ARMv8 CRC instructions a
#                       Cortex-A15 lacks), so crc32c_generic is listed
#                       explicitly.
# The script re-checks this against the kernel it packs: a wanted driver that
# is built in is skipped (noted), one that is neither is an error (virtio-rng:
# a note).
# Usage: scripts/build-initramfs.sh [--lpae]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SYS="$ROOT/build/system"
ME=build-initramfs.sh

KDIR=kernel OUTNAME=initrd.gz FETCH_ARGS=()
for a in "$@"; do
    case "$a" in
        --lpae) KDIR=kernel-lpae OUTNAME=initrd-lpae.gz FETCH_ARGS=(--lpae) ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) echo "$ME: unknown argument '$a' (usage: $ME [--lpae])" >&2; exit 2 ;;
    esac
done

# Modules to load, in this order (each one's dependencies are added before it).
WANTED=(virtio_mmio virtio_pci virtio_blk virtio_rng crc32c_generic ext4)
OPTIONAL=(virtio_rng)

BUSYBOX="$ROOT/build/busybox/bin/busybox"
[ -x "$BUSYBOX" ] || "$ROOT/scripts/fetch-busybox.sh"
[ -f "$SYS/$KDIR.pkg" ] || "$ROOT/scripts/fetch-kernel.sh" "${FETCH_ARGS[@]}"
KVER="$(cut -d' ' -f3 "$SYS/$KDIR.pkg")"
MODDIR="$SYS/$KDIR/lib/modules/$KVER"
[ -f "$MODDIR/modules.dep" ] || { echo "$ME: $MODDIR/modules.dep missing: rm -rf $SYS/$KDIR* and rerun scripts/fetch-kernel.sh" >&2; exit 1; }
INIT="$ROOT/tests/system/init.sh"
[ -f "$INIT" ] || { echo "$ME: $INIT missing" >&2; exit 1; }

# Applet links: ask the binary itself (through qemu-arm, from qemu-user). Without
# qemu-arm only /bin/sh is linked and /init runs `busybox --install -s`.
APPLETS="$(mktemp)"
trap 'rm -f "$APPLETS"' EXIT
if command -v qemu-arm >/dev/null 2>&1; then
    qemu-arm "$BUSYBOX" --list-full > "$APPLETS"
    [ -s "$APPLETS" ] || { echo "$ME: qemu-arm $BUSYBOX --list-full printed nothing" >&2; exit 1; }
else
    echo "$ME: note: no qemu-arm (package qemu-user) to list busybox's applets; linking only /bin/sh" >&2
    echo bin/sh > "$APPLETS"
fi

mkdir -p "$SYS"
python3 - "$MODDIR" "$BUSYBOX" "$INIT" "$APPLETS" "$SYS/$OUTNAME" "${#OPTIONAL[@]}" "${OPTIONAL[@]}" "${WANTED[@]}" <<'PY'
import gzip, io, lzma, os, stat, sys
moddir, busybox, init, applets, out, nopt = sys.argv[1:7]
optional = set(sys.argv[7:7 + int(nopt)])
wanted = sys.argv[7 + int(nopt):]
me = "build-initramfs.sh"
kver = os.path.basename(moddir)
norm = lambda p: os.path.basename(p).split(".ko")[0].replace("-", "_")

# modules.dep: "path: dep dep ..." (deps transitive, load from the end)
dep, byname = {}, {}
for line in open(os.path.join(moddir, "modules.dep")):
    k, _, v = line.partition(":")
    dep[k] = v.split()
    byname[norm(k)] = k
builtin = set()
bpath = os.path.join(moddir, "modules.builtin")
if os.path.exists(bpath):
    builtin = {norm(l.strip()) for l in open(bpath) if l.strip()}

order = []
for name in wanted:
    if name not in byname:
        if name in builtin:
            print(f"{me}: note: {name} is built into {kver}, not a module")
            continue
        if name in optional:
            print(f"{me}: note: {name} is neither a module nor built into {kver}; skipped")
            continue
        sys.exit(f"{me}: {name} is neither a module nor built into {kver}")
    path = byname[name]
    for p in list(reversed(dep[path])) + [path]:
        if p not in order:
            order.append(p)

# ---- the archive ----
entries = []  # (path, mode, data or None, rdev(major, minor))
dirs = set()
def add_dir(p):
    parts = p.split("/")
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i])
        if d and d not in dirs:
            dirs.add(d)
            entries.append((d, stat.S_IFDIR | 0o755, None, (0, 0)))
def add_file(p, data, perm=0o644):
    add_dir(os.path.dirname(p))
    entries.append((p, stat.S_IFREG | perm, data, (0, 0)))
def add_link(p, target):
    add_dir(os.path.dirname(p))
    entries.append((p, stat.S_IFLNK | 0o777, target.encode(), (0, 0)))
def add_chr(p, major, minor, perm):
    add_dir(os.path.dirname(p))
    entries.append((p, stat.S_IFCHR | perm, b"", (major, minor)))

for d in ("bin", "sbin", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "mnt", "etc", "root", "run"):
    add_dir(d)
add_chr("dev/console", 5, 1, 0o600)
add_chr("dev/null", 1, 3, 0o666)
add_file("init", open(init, "rb").read(), 0o755)
add_file("bin/busybox", open(busybox, "rb").read(), 0o755)
links = set()
for a in open(applets).read().split():
    a = a.strip("/")
    if a and a != "bin/busybox" and a not in links:
        links.add(a)
        add_link(a, "/bin/busybox")
if "bin/sh" not in links:
    add_link("bin/sh", "/bin/busybox")

size = 0
for p in order:
    data = open(os.path.join(moddir, p), "rb").read()
    if p.endswith(".xz"):
        data, p = lzma.decompress(data), p[:-3]
    elif p.endswith(".zst") or p.endswith(".gz"):
        sys.exit(f"{me}: {p}: only .ko and .ko.xz modules are handled")
    size += len(data)
    add_file(f"lib/modules/{kver}/{p}", data)
strip = lambda p: p[:-3] if p.endswith(".xz") else p
deplines = "".join(f"{strip(p)}:{''.join(' ' + strip(d) for d in dep[p])}\n" for p in order)
add_file(f"lib/modules/{kver}/modules.dep", deplines.encode())
add_file("etc/rsemu-modules", "".join(strip(p) + "\n" for p in order).encode())

buf = io.BytesIO()
def put(ino, name, mode, data, rdev):
    nb = name.encode() + b"\0"
    hdr = "070701" + "".join("%08X" % v for v in (
        ino, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0, len(data),
        0, 0, rdev[0], rdev[1], len(nb), 0))
    buf.write(hdr.encode() + nb)
    buf.write(b"\0" * (-(110 + len(nb)) % 4))
    buf.write(data)
    buf.write(b"\0" * (-len(data) % 4))
for ino, (p, mode, data, rdev) in enumerate(entries, 1):
    put(ino, p, mode, data or b"", rdev)
put(0, "TRAILER!!!", 0, b"", (0, 0))
raw = buf.getvalue()
tmp = out + ".tmp"
with open(tmp, "wb") as f:
    with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as g:
        g.write(raw)
os.replace(tmp, out)
names = " ".join(norm(p) for p in order)
print(f"{me}: {out}: {os.path.getsize(out)} bytes ({len(raw)} uncompressed), "
      f"{len(links)} applet links, {len(order)} modules for {kver} ({size} bytes): {names}")
PY
