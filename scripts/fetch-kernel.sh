#!/usr/bin/env bash
# Fetch Debian bookworm's armhf multiplatform kernel (the package behind the
# linux-image-armmp metapackage, e.g. linux-image-6.1.0-57-armmp) and unpack it
# into build/system/kernel/ (modules: build/system/kernel/lib/modules/<ver>/).
# The zImage is copied to build/system/vmlinuz.
# With --lpae, also fetch the -armmp-lpae flavour into build/system/kernel-lpae/
# with its zImage at build/system/vmlinuz-lpae.
# The package name and version are recorded in build/system/<dir>.pkg.
# Idempotent: a flavour that is already unpacked is not fetched again.
# Usage: scripts/fetch-kernel.sh [--lpae]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SYS="$ROOT/build/system"
DL="$ROOT/build/debs"
ME=fetch-kernel.sh

LPAE=0
for a in "$@"; do
    case "$a" in
        --lpae) LPAE=1 ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) echo "$ME: unknown argument '$a' (usage: $ME [--lpae])" >&2; exit 2 ;;
    esac
done

if ! dpkg --print-foreign-architectures | grep -qx armhf; then
    echo "$ME: armhf architecture not enabled: run scripts/install-deps.sh (as root)" >&2
    exit 1
fi

refresh_index() {
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq || echo "$ME: apt-get update reported errors; trying anyway" >&2
    fi
}

# The concrete image package the metapackage depends on, e.g.
# linux-image-armmp -> linux-image-6.1.0-57-armmp.
resolve() {
    apt-cache depends --no-recommends --no-suggests "$1:armhf" 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { sub(/:armhf$/, "", $2); print $2; exit }'
}

# The .deb ships no modules.dep (its postinst runs depmod on the target), so
# make one: with the host's depmod (package kmod) when there is one, else from
# each module's .modinfo "depends=" with the same format (path: its transitive
# dependencies, each after the modules that need it; load from the end).
# gen_modules_dep BASEDIR KVER
gen_modules_dep() {
    local base="$1" kver="$2" moddir="$1/lib/modules/$2"
    if [ -z "${RSEMU_NO_DEPMOD:-}" ] && command -v depmod >/dev/null 2>&1; then
        depmod -b "$base" "$kver"
        echo "$ME: generated modules.dep with $(command -v depmod)"
    elif [ -z "${RSEMU_NO_DEPMOD:-}" ] && [ -x /sbin/depmod ]; then
        /sbin/depmod -b "$base" "$kver"
        echo "$ME: generated modules.dep with /sbin/depmod"
    else
        python3 - "$moddir" <<'PY'
import lzma, os, struct, sys
moddir = sys.argv[1]

def modinfo(data):
    if data[:4] != b"\x7fELF" or data[4] != 1:
        raise ValueError("not an ELF32 file")
    shoff, = struct.unpack_from("<I", data, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
    secs = [struct.unpack_from("<10I", data, shoff + i * shentsize) for i in range(shnum)]
    stroff = secs[shstrndx][4]
    for sh in secs:
        name = data[stroff + sh[0]:data.index(b"\0", stroff + sh[0])]
        if name == b".modinfo":
            fields = data[sh[4]:sh[4] + sh[5]].split(b"\0")
            return dict(f.decode(errors="replace").split("=", 1) for f in fields if b"=" in f)
    return {}

paths, deps = {}, {}
for d, _, files in os.walk(os.path.join(moddir, "kernel")):
    for f in files:
        if not (f.endswith(".ko") or f.endswith(".ko.xz")):
            continue
        full = os.path.join(d, f)
        data = open(full, "rb").read()
        if f.endswith(".xz"):
            data = lzma.decompress(data)
        info = modinfo(data)
        # "depends=" may spell a name with '-', "name=" always has '_'
        name = (info.get("name") or f.split(".ko")[0]).replace("-", "_")
        paths[name] = os.path.relpath(full, moddir)
        deps[name] = [x.replace("-", "_") for x in info.get("depends", "").split(",") if x]

def closure(name):
    # dependencies in load order (each after the modules it needs), reversed:
    # depmod's order, where modprobe loads from the end of the list
    order, seen = [], {name}
    def visit(m):
        for x in deps.get(m, []):
            if x not in seen:
                seen.add(x)
                visit(x)
                order.append(x)
    visit(name)
    return order[::-1]

missing = set()
with open(os.path.join(moddir, "modules.dep"), "w") as f:
    for name in sorted(paths, key=lambda n: paths[n]):
        line = []
        for x in closure(name):
            if x in paths:
                line.append(paths[x])
            else:
                missing.add(x)
        f.write(paths[name] + ":" + ("" if not line else " " + " ".join(line)) + "\n")
if missing:
    print("fetch-kernel.sh: note: dependencies not found as modules: " + " ".join(sorted(missing)), file=sys.stderr)
PY
        echo "$ME: no depmod on this host (package kmod); generated modules.dep from the modules' .modinfo"
    fi
    test -s "$moddir/modules.dep" || { echo "$ME: could not generate $moddir/modules.dep" >&2; exit 1; }
}

# fetch FLAVOUR DIRNAME ZIMAGE_NAME
fetch() {
    local flavour="$1" out="$SYS/$2" zimage="$SYS/$3" stamp="$SYS/$2.pkg"
    if [ -f "$stamp" ] && [ -s "$zimage" ] && [ -d "$out/lib/modules" ]; then
        echo "$ME: $(cut -d' ' -f1-2 "$stamp") already unpacked in $out ($zimage)"
        return 0
    fi
    local meta="linux-image-$flavour" pkg
    pkg="$(resolve "$meta")"
    if [ -z "$pkg" ]; then
        echo "$ME: cannot resolve $meta:armhf with apt-cache; refreshing the package index and retrying" >&2
        refresh_index
        pkg="$(resolve "$meta")"
        [ -n "$pkg" ] || { echo "$ME: $meta:armhf does not resolve to a linux-image-<version>-$flavour package" >&2; exit 1; }
    fi
    mkdir -p "$DL"
    (
        cd "$DL"
        if ! ls "${pkg}"_*_armhf.deb >/dev/null 2>&1; then
            # apt-get download works as any user; retry once with a refreshed index
            if ! apt-get download -q "$pkg:armhf"; then
                echo "$ME: apt-get download $pkg failed; refreshing the package index and retrying" >&2
                refresh_index
                apt-get download -q "$pkg:armhf"
            fi
        fi
    )
    local deb
    deb="$(ls "$DL/${pkg}"_*_armhf.deb | sort -V | tail -n 1)"
    rm -rf "$out.tmp"
    dpkg -x "$deb" "$out.tmp"
    local kver="${pkg#linux-image-}"
    local vmlinuz="$out.tmp/boot/vmlinuz-$kver"
    test -s "$vmlinuz" || { echo "$ME: $(basename "$deb") has no boot/vmlinuz-$kver" >&2; exit 1; }
    test -f "$out.tmp/lib/modules/$kver/modules.order" ||
        { echo "$ME: $(basename "$deb") has no lib/modules/$kver/modules.order" >&2; exit 1; }
    gen_modules_dep "$out.tmp" "$kver"
    rm -rf "$out"
    mv "$out.tmp" "$out"
    cp "$out/boot/vmlinuz-$kver" "$zimage.tmp"
    mv "$zimage.tmp" "$zimage"
    echo "$pkg $(dpkg-deb -f "$deb" Version) $kver" > "$stamp"
    echo "$ME: unpacked $(basename "$deb") -> $out; $zimage ($(stat -c %s "$zimage") bytes, $(file -b "$zimage" 2>/dev/null | cut -d, -f1))"
}

mkdir -p "$SYS"
fetch armmp kernel vmlinuz
[ "$LPAE" = 0 ] || fetch armmp-lpae kernel-lpae vmlinuz-lpae
