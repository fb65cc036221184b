#!/usr/bin/env bash
# The project's test command (also what CI runs via .ci/run):
#   install deps if missing -> build ARM guests and Go programs -> fetch busybox,
#   the sysroot, Debian's armmp kernel, build the test initramfs ->
#   cargo fmt --check -> cargo clippy -D warnings -> cargo test --workspace.
# Works with no stdin and CI=true. Extra args are passed to `cargo test`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
exec </dev/null

need_deps=0
for t in arm-linux-gnueabihf-gcc qemu-arm file go qemu-img dtc gdb-multiarch; do command -v "$t" >/dev/null || need_deps=1; done
for t in mkfs.ext4 debugfs e2fsck; do command -v "$t" >/dev/null || [ -x "/sbin/$t" ] || need_deps=1; done
dpkg -s libc6-dev-armhf-cross libcapstone-dev >/dev/null 2>&1 || need_deps=1
dpkg --print-foreign-architectures 2>/dev/null | grep -qx armhf || need_deps=1
if [ "$need_deps" = 1 ]; then
    echo "== scripts/install-deps.sh"
    scripts/install-deps.sh
fi

echo "== scripts/build-guests.sh"
scripts/build-guests.sh
echo "== scripts/build-system-guests.sh (bare-metal guests for rsemu-system-arm)"
scripts/build-system-guests.sh
echo "== scripts/build-go.sh"
scripts/build-go.sh
echo "== scripts/fetch-busybox.sh"
scripts/fetch-busybox.sh
echo "== scripts/fetch-sysroot.sh"
scripts/fetch-sysroot.sh
echo "== scripts/fetch-kernel.sh --lpae (Debian's armmp and armmp-lpae kernels for rsemu-system-arm)"
scripts/fetch-kernel.sh --lpae
echo "== scripts/build-initramfs.sh (and --lpae)"
scripts/build-initramfs.sh
scripts/build-initramfs.sh --lpae

echo "== cargo fmt --all -- --check"
cargo fmt --all -- --check
echo "== cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
echo "== scripts/build-static.sh (the static rsemu-arm the binfmt_misc test pins with F)"
scripts/build-static.sh
echo "== cargo test --workspace"
cargo test --workspace "$@"
echo "== scripts/difftest --cases 10000 --accel interp,jit (instruction-level, against qemu-arm)"
scripts/difftest --cases 10000 --accel interp,jit
echo "== scripts/difftest --system --cases 8000 (privileged instructions, rsemu-system-arm against qemu-system-arm)"
scripts/difftest --system --cases 8000
echo "== all tests passed"
