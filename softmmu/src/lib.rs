//! rsemu-softmmu: system mode. QEMU's `virt` board with one Cortex-A15:
//! the physical bus and software TLB the core runs on, the page-table
//! walker, the devices, the generated device tree and the boot loader.
//! `docs/system.md` is the design.

pub mod devices;
