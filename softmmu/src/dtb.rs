//! The flattened device tree the kernel gets: written with vm-fdt from the
//! board table in [`crate::machine`], describing exactly the devices
//! emulated. Node names, compatible strings and interrupt specifiers follow
//! QEMU 7.2's `virt` (`hw/arm/virt.c`, `create_*`), so a kernel sees the
//! same machine either way.

use vm_fdt::{FdtWriter, FdtWriterResult};

use crate::machine::{self, irq, Window};

/// What the tree describes beyond the fixed board.
#[derive(Clone, Debug, Default)]
pub struct DtbConfig {
    /// RAM size in bytes.
    pub ram_size: u64,
    /// The kernel command line.
    pub bootargs: String,
    /// The initrd's guest-physical [start, end), if any.
    pub initrd: Option<(u64, u64)>,
    /// The virtio-mmio transports that have a device.
    pub virtio: Vec<u32>,
    /// Bytes for `/chosen/rng-seed` (none: no property).
    pub rng_seed: Vec<u8>,
}

const PHANDLE_GIC: u32 = 1;
const PHANDLE_CLOCK: u32 = 2;

/// Interrupt specifier cells: type 0 = SPI, 1 = PPI.
const GIC_SPI: u32 = 0;
const GIC_PPI: u32 = 1;
/// Level-high trigger; for PPIs the CPU mask (one CPU) goes in bits 15:8.
const LEVEL_HIGH: u32 = 4;
const PPI_ONE_CPU: u32 = 1 << 8;

fn reg(w: Window) -> [u64; 2] {
    [w.base, w.size]
}

/// The (type, number, flags) cells of a GIC interrupt ID.
fn interrupt(id: u32) -> [u32; 3] {
    if id >= 32 {
        [GIC_SPI, id - 32, LEVEL_HIGH]
    } else {
        [GIC_PPI, id - 16, LEVEL_HIGH | PPI_ONE_CPU]
    }
}

/// The path of the UART node, for `stdout-path` and the alias.
fn uart_path() -> String {
    format!("/pl011@{:x}", machine::UART.base)
}

/// Writes the device tree.
pub fn build(cfg: &DtbConfig) -> FdtWriterResult<Vec<u8>> {
    let mut f = FdtWriter::new()?;
    let root = f.begin_node("")?;
    f.property_u32("#address-cells", 2)?;
    f.property_u32("#size-cells", 2)?;
    f.property_string("compatible", "linux,dummy-virt")?;
    f.property_string("model", "linux,dummy-virt")?;
    f.property_u32("interrupt-parent", PHANDLE_GIC)?;

    let chosen = f.begin_node("chosen")?;
    f.property_string("bootargs", &cfg.bootargs)?;
    f.property_string("stdout-path", &uart_path())?;
    if let Some((start, end)) = cfg.initrd {
        f.property_u64("linux,initrd-start", start)?;
        f.property_u64("linux,initrd-end", end)?;
    }
    if !cfg.rng_seed.is_empty() {
        // Seeds the kernel's random pool at once, as QEMU's /chosen does.
        f.property("rng-seed", &cfg.rng_seed)?;
    }
    f.end_node(chosen)?;

    let aliases = f.begin_node("aliases")?;
    f.property_string("serial0", &uart_path())?;
    f.end_node(aliases)?;

    let memory = f.begin_node(&format!("memory@{:x}", machine::RAM_BASE))?;
    f.property_string("device_type", "memory")?;
    f.property_array_u64("reg", &[machine::RAM_BASE, cfg.ram_size])?;
    f.end_node(memory)?;

    let cpus = f.begin_node("cpus")?;
    f.property_u32("#address-cells", 1)?;
    f.property_u32("#size-cells", 0)?;
    let cpu = f.begin_node("cpu@0")?;
    f.property_string("device_type", "cpu")?;
    f.property_string("compatible", "arm,cortex-a15")?;
    f.property_u32("reg", 0)?;
    f.end_node(cpu)?;
    f.end_node(cpus)?;

    let psci = f.begin_node("psci")?;
    f.property_string_list(
        "compatible",
        vec![
            "arm,psci-1.0".into(),
            "arm,psci-0.2".into(),
            "arm,psci".into(),
        ],
    )?;
    f.property_string("method", "hvc")?;
    // The PSCI 0.1 binding's function IDs, for kernels that only know it.
    f.property_u32("cpu_suspend", machine::psci::CPU_SUSPEND)?;
    f.property_u32("cpu_off", machine::psci::CPU_OFF)?;
    f.property_u32("cpu_on", machine::psci::CPU_ON)?;
    f.end_node(psci)?;

    let gic = f.begin_node(&format!("intc@{:x}", machine::GIC_DIST.base))?;
    f.property_string("compatible", "arm,cortex-a15-gic")?;
    f.property_u32("#interrupt-cells", 3)?;
    f.property_null("interrupt-controller")?;
    let mut gic_reg = reg(machine::GIC_DIST).to_vec();
    gic_reg.extend(reg(machine::GIC_CPU));
    f.property_array_u64("reg", &gic_reg)?;
    f.property_phandle(PHANDLE_GIC)?;
    f.end_node(gic)?;

    let timer = f.begin_node("timer")?;
    f.property_string("compatible", "arm,armv7-timer")?;
    let mut cells = Vec::new();
    for id in [
        irq::TIMER_SECURE,
        irq::TIMER_PHYS,
        irq::TIMER_VIRT,
        irq::TIMER_HYP,
    ] {
        cells.extend(interrupt(id));
    }
    f.property_array_u32("interrupts", &cells)?;
    f.end_node(timer)?;

    let clock = f.begin_node("apb-pclk")?;
    f.property_string("compatible", "fixed-clock")?;
    f.property_u32("#clock-cells", 0)?;
    f.property_u32("clock-frequency", machine::APB_CLOCK_HZ)?;
    f.property_string("clock-output-names", "clk24mhz")?;
    f.property_phandle(PHANDLE_CLOCK)?;
    f.end_node(clock)?;

    let uart = f.begin_node(&uart_path()[1..])?;
    f.property_string_list(
        "compatible",
        vec!["arm,pl011".into(), "arm,primecell".into()],
    )?;
    f.property_array_u64("reg", &reg(machine::UART))?;
    f.property_array_u32("interrupts", &interrupt(irq::UART))?;
    f.property_string_list("clock-names", vec!["uartclk".into(), "apb_pclk".into()])?;
    f.property_array_u32("clocks", &[PHANDLE_CLOCK, PHANDLE_CLOCK])?;
    f.end_node(uart)?;

    let rtc = f.begin_node(&format!("pl031@{:x}", machine::RTC.base))?;
    f.property_string_list(
        "compatible",
        vec!["arm,pl031".into(), "arm,primecell".into()],
    )?;
    f.property_array_u64("reg", &reg(machine::RTC))?;
    f.property_array_u32("interrupts", &interrupt(irq::RTC))?;
    f.property_string("clock-names", "apb_pclk")?;
    f.property_u32("clocks", PHANDLE_CLOCK)?;
    f.end_node(rtc)?;

    for &k in &cfg.virtio {
        let w = machine::virtio(k);
        let node = f.begin_node(&format!("virtio_mmio@{:x}", w.base))?;
        f.property_string("compatible", "virtio,mmio")?;
        f.property_array_u64("reg", &reg(w))?;
        f.property_array_u32("interrupts", &interrupt(irq::virtio(k)))?;
        // Devices see RAM as the CPU does: no cache maintenance needed.
        f.property_null("dma-coherent")?;
        f.end_node(node)?;
    }

    f.end_node(root)?;
    f.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree decompiles with dtc (when installed) to the nodes and
    /// properties the board table says.
    #[test]
    fn device_tree_matches_the_board() {
        let cfg = DtbConfig {
            ram_size: 256 << 20,
            bootargs: "console=ttyAMA0".into(),
            initrd: Some((0x4800_0000, 0x4810_0000)),
            virtio: vec![0, 1],
            rng_seed: vec![7; 8],
        };
        let blob = build(&cfg).expect("dtb");
        assert_eq!(&blob[..4], &[0xd0, 0x0d, 0xfe, 0xed]);
        let dir = std::env::temp_dir().join(format!("rsemu-dtb-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("virt.dtb");
        std::fs::write(&path, &blob).unwrap();
        let out = match std::process::Command::new("dtc")
            .args(["-I", "dtb", "-O", "dts"])
            .arg(&path)
            .output()
        {
            Ok(out) => out,
            Err(e) => panic!("dtc (device-tree-compiler) is needed for this test: {e}"),
        };
        assert!(
            out.status.success(),
            "dtc: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dts = String::from_utf8(out.stdout).unwrap();
        for want in [
            "bootargs = \"console=ttyAMA0\"",
            "stdout-path = \"/pl011@9000000\"",
            "linux,initrd-start = <0x00 0x48000000>",
            "reg = <0x00 0x40000000 0x00 0x10000000>",
            "compatible = \"arm,cortex-a15-gic\"",
            "reg = <0x00 0x8000000 0x00 0x10000 0x00 0x8010000 0x00 0x10000>",
            "compatible = \"arm,armv7-timer\"",
            "interrupts = <0x01 0x0d 0x104 0x01 0x0e 0x104 0x01 0x0b 0x104 0x01 0x0a 0x104>",
            "pl011@9000000",
            "interrupts = <0x00 0x01 0x04>",
            "pl031@9010000",
            "virtio_mmio@a000000",
            "virtio_mmio@a000200",
            "interrupts = <0x00 0x11 0x04>",
            "method = \"hvc\"",
            "rng-seed = <0x7070707 0x7070707>",
        ] {
            assert!(dts.contains(want), "missing {want:?} in\n{dts}");
        }
        assert!(
            !dts.contains("virtio_mmio@a000400"),
            "only transports with devices"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
