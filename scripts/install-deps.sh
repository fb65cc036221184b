#!/usr/bin/env bash
# Install what rsemu's build and tests need on a Debian 12 x86-64 machine.
# Idempotent: a second run only checks and returns quickly.
# Run as root (CI is root). Needs no stdin.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PKGS=(gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user libcapstone-dev
      file make pkg-config ca-certificates xz-utils golang-go
      qemu-utils e2fsprogs device-tree-compiler kmod gdb-multiarch
      qemu-system-arm docker.io)

SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo -n"; else
        echo "install-deps.sh: must run as root (or with sudo)" >&2; exit 1; fi
fi

missing=()
for p in "${PKGS[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
have_armhf=0
dpkg --print-foreign-architectures | grep -qx armhf && have_armhf=1

# apt-get update, retried once. A failure on one suite's armhf index (mirror
# mid-sync) is tolerated when the packages we need still resolve.
apt_update() {
    if $SUDO apt-get update -qq; then return 0; fi
    echo "install-deps.sh: apt-get update failed, retrying once in 5 s" >&2
    sleep 5
    if $SUDO apt-get update -qq; then return 0; fi
    echo "install-deps.sh: apt-get update failed twice; checking whether the needed packages still resolve" >&2
    local p
    for p in "${PKGS[@]}" busybox-static:armhf; do
        if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]'; then
            echo "install-deps.sh: package $p does not resolve; giving up" >&2
            return 1
        fi
    done
    echo "install-deps.sh: NOTE: apt-get update reported errors (likely one suite's armhf index), but every needed package resolves: carrying on" >&2
}

updated=0
if [ "$have_armhf" = 0 ]; then
    echo "install-deps.sh: adding armhf architecture"
    $SUDO dpkg --add-architecture armhf
    apt_update; updated=1
fi

if [ ${#missing[@]} -gt 0 ]; then
    [ "$updated" = 1 ] || apt_update
    echo "install-deps.sh: installing ${missing[*]}"
    # The whole list, not only what is missing: a package already installed
    # at another version (a preinstalled qemu-utils older than the
    # qemu-system-arm being installed) is otherwise removed by apt to
    # satisfy the new one's dependencies, instead of being upgraded with it.
    $SUDO apt-get install -y -q --no-install-recommends "${PKGS[@]}"
else
    echo "install-deps.sh: all packages present (${PKGS[*]})"
fi

# Rust toolchain components used by scripts/test.sh
if command -v rustup >/dev/null 2>&1; then
    for c in rustfmt clippy; do
        rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c" || true
    done
fi

for t in arm-linux-gnueabihf-gcc qemu-arm qemu-system-arm go qemu-img dtc gdb-multiarch; do
    command -v "$t" >/dev/null || { echo "install-deps.sh: $t still missing" >&2; exit 1; }
done
echo "install-deps.sh: ok"
