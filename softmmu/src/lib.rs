//! rsemu-softmmu: system mode. QEMU's `virt` board with one Cortex-A15:
//! the physical bus and software TLB the core runs on, the page-table
//! walker, the devices, the generated device tree and the boot loader.
//! `docs/system.md` is the design.

pub mod block;
pub mod boot;
pub mod console;
pub mod devices;
pub mod dtb;
pub mod gdb;
pub mod machine;
pub mod memory;
pub mod mmu;
pub mod vm;
