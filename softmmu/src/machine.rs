//! The `virt` board: every address window and interrupt number in one
//! table, read both by the code that wires the devices ([`crate::vm`]) and
//! by the device-tree writer ([`crate::dtb`]), so the two cannot disagree.
//! The layout is QEMU 7.2's `hw/arm/virt.c` (`base_memmap[]`,
//! `a15irqmap[]`) for the devices rsemu emulates, so guests and device
//! trees written for QEMU's `virt` find them where they expect.

/// A window of the physical address map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First address.
    pub base: u64,
    /// Size in bytes.
    pub size: u64,
}

/// GICv2 distributor.
pub const GIC_DIST: Window = Window {
    base: 0x0800_0000,
    size: 0x1_0000,
};
/// GICv2 CPU interface (GICC_DIR lives at +0x1000).
pub const GIC_CPU: Window = Window {
    base: 0x0801_0000,
    size: 0x1_0000,
};
/// PL011 UART.
pub const UART: Window = Window {
    base: 0x0900_0000,
    size: 0x1000,
};
/// PL031 real-time clock.
pub const RTC: Window = Window {
    base: 0x0901_0000,
    size: 0x1000,
};
/// The first virtio-mmio transport; the others follow, [`VIRTIO_SIZE`]
/// bytes apart.
pub const VIRTIO_BASE: u64 = 0x0a00_0000;
/// Bytes per virtio-mmio transport.
pub const VIRTIO_SIZE: u64 = 0x200;
/// Number of virtio-mmio transports (QEMU's `NUM_VIRTIO_TRANSPORTS`).
pub const VIRTIO_COUNT: u32 = 32;
/// Guest RAM starts here.
pub const RAM_BASE: u64 = 0x4000_0000;
/// The most RAM a 32-bit `virt` guest can have below 4 GiB (QEMU's
/// `LEGACY_RAMLIMIT_BYTES` is 255 GiB, but a CPU without LPAE reaches only
/// the 3 GiB from 1 GiB up).
pub const RAM_MAX: u64 = 0xc000_0000;
/// The base of the CPU's private peripherals, which CBAR reports.
pub const CPU_PERIPHS: u64 = 0x0800_0000;

/// Interrupts: GIC interrupt IDs.
pub mod irq {
    /// SPI number `n` as a GIC interrupt ID.
    pub const fn spi(n: u32) -> u32 {
        32 + n
    }
    /// PPI number `n` as a GIC interrupt ID.
    pub const fn ppi(n: u32) -> u32 {
        16 + n
    }
    /// UART: SPI 1.
    pub const UART: u32 = spi(1);
    /// RTC: SPI 2.
    pub const RTC: u32 = spi(2);
    /// virtio-mmio transport `k`: SPI 16 + k.
    pub const fn virtio(k: u32) -> u32 {
        spi(16 + k)
    }
    /// Generic timer, secure physical: PPI 13.
    pub const TIMER_SECURE: u32 = ppi(13);
    /// Generic timer, non-secure physical: PPI 14.
    pub const TIMER_PHYS: u32 = ppi(14);
    /// Generic timer, virtual: PPI 11.
    pub const TIMER_VIRT: u32 = ppi(11);
    /// Generic timer, hypervisor: PPI 10.
    pub const TIMER_HYP: u32 = ppi(10);
}

/// Interrupt IDs the GIC implements: 32 private ones and QEMU virt's 256
/// SPIs (GICD_TYPER.ITLinesNumber = 8).
pub const GIC_IRQS: u32 = 288;

/// The fixed clock the PL011 and PL031 are given in the device tree.
pub const APB_CLOCK_HZ: u32 = 24_000_000;

/// The window of virtio-mmio transport `k`.
pub const fn virtio(k: u32) -> Window {
    Window {
        base: VIRTIO_BASE + k as u64 * VIRTIO_SIZE,
        size: VIRTIO_SIZE,
    }
}

/// PSCI function IDs (SMC32 calling convention; ARM DEN 0022).
pub mod psci {
    /// PSCI_VERSION.
    pub const VERSION: u32 = 0x8400_0000;
    /// CPU_SUSPEND.
    pub const CPU_SUSPEND: u32 = 0x8400_0001;
    /// CPU_OFF.
    pub const CPU_OFF: u32 = 0x8400_0002;
    /// CPU_ON.
    pub const CPU_ON: u32 = 0x8400_0003;
    /// AFFINITY_INFO.
    pub const AFFINITY_INFO: u32 = 0x8400_0004;
    /// MIGRATE_INFO_TYPE.
    pub const MIGRATE_INFO_TYPE: u32 = 0x8400_0006;
    /// SYSTEM_OFF.
    pub const SYSTEM_OFF: u32 = 0x8400_0008;
    /// SYSTEM_RESET.
    pub const SYSTEM_RESET: u32 = 0x8400_0009;
    /// PSCI_FEATURES.
    pub const FEATURES: u32 = 0x8400_000a;
    /// Success.
    pub const SUCCESS: i32 = 0;
    /// NOT_SUPPORTED.
    pub const NOT_SUPPORTED: i32 = -1;
    /// INVALID_PARAMETERS.
    pub const INVALID_PARAMETERS: i32 = -2;
    /// ALREADY_ON.
    pub const ALREADY_ON: i32 = -4;
    /// The version implemented: 1.0.
    pub const IMPLEMENTED_VERSION: u32 = 0x0001_0000;
}
