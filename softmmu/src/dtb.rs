//! The flattened device tree the kernel gets: written with vm-fdt from the
//! board table in [`crate::machine`], describing exactly the devices
//! emulated. Node names, compatible strings and interrupt specifiers follow
//! QEMU 7.2's `virt` (`hw/arm/virt.c`, `create_*`), so a kernel sees the
//! same machine either way.
//!
//! With `-dtb` the user's tree is used instead, edited as QEMU edits it
//! (`arm_load_dtb`): its memory nodes are replaced by the RAM given with
//! `-m`, and `/chosen` gets the command line and the initrd. [`patch`]
//! parses the tree (a small reader of the FDT format: vm-fdt only writes)
//! and writes it again with vm-fdt.

use vm_fdt::{FdtReserveEntry, FdtWriter, FdtWriterResult};

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

/// A node of a parsed device tree.
#[derive(Clone, Debug, Default, PartialEq)]
struct Node {
    name: String,
    props: Vec<(String, Vec<u8>)>,
    children: Vec<Node>,
}

impl Node {
    fn prop(&self, name: &str) -> Option<&[u8]> {
        self.props
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    fn set(&mut self, name: &str, value: Vec<u8>) {
        match self.props.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value,
            None => self.props.push((name.to_string(), value)),
        }
    }

    fn remove(&mut self, name: &str) {
        self.props.retain(|(n, _)| n != name);
    }
}

/// What is wrong with a device tree given with `-dtb`.
#[derive(Debug, thiserror::Error)]
pub enum DtbError {
    /// The blob is not a valid flattened device tree.
    #[error("not a valid flattened device tree: {0}")]
    Malformed(&'static str),
    /// Writing the edited tree failed.
    #[error("writing the device tree: {0}")]
    Write(String),
}

const FDT_MAGIC: u32 = 0xd00d_feed;
const FDT_BEGIN_NODE: u32 = 1;
const FDT_END_NODE: u32 = 2;
const FDT_PROP: u32 = 3;
const FDT_NOP: u32 = 4;
const FDT_END: u32 = 9;

fn be32(b: &[u8], off: usize) -> Result<u32, DtbError> {
    b.get(off..off + 4)
        .map(|s| u32::from_be_bytes(s.try_into().expect("4 bytes")))
        .ok_or(DtbError::Malformed("truncated"))
}

/// Reads a flattened device tree: its memory reservations and root node.
fn parse(blob: &[u8]) -> Result<(Vec<(u64, u64)>, Node), DtbError> {
    if be32(blob, 0)? != FDT_MAGIC {
        return Err(DtbError::Malformed("bad magic"));
    }
    let total = be32(blob, 4)? as usize;
    if total > blob.len() {
        return Err(DtbError::Malformed("header size exceeds the file"));
    }
    let blob = &blob[..total];
    let (off_struct, off_strings, off_rsv) = (
        be32(blob, 8)? as usize,
        be32(blob, 12)? as usize,
        be32(blob, 16)? as usize,
    );
    if be32(blob, 24)? > 17 {
        return Err(DtbError::Malformed("unsupported last compatible version"));
    }
    let mut rsv = Vec::new();
    let mut at = off_rsv;
    loop {
        let hi = |o| -> Result<u64, DtbError> {
            Ok((be32(blob, o)? as u64) << 32 | be32(blob, o + 4)? as u64)
        };
        let (addr, size) = (hi(at)?, hi(at + 8)?);
        if addr == 0 && size == 0 {
            break;
        }
        rsv.push((addr, size));
        at += 16;
        if rsv.len() > 1024 {
            return Err(DtbError::Malformed("too many memory reservations"));
        }
    }
    let string_at = |off: usize| -> Result<String, DtbError> {
        let start = off_strings
            .checked_add(off)
            .filter(|&s| s < blob.len())
            .ok_or(DtbError::Malformed("property name out of range"))?;
        let end = blob[start..]
            .iter()
            .position(|&c| c == 0)
            .ok_or(DtbError::Malformed("unterminated string"))?;
        String::from_utf8(blob[start..start + end].to_vec())
            .map_err(|_| DtbError::Malformed("property name is not UTF-8"))
    };
    let align = |x: usize| (x + 3) & !3;
    let mut pos = off_struct;
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    loop {
        let token = be32(blob, pos)?;
        pos += 4;
        match token {
            FDT_BEGIN_NODE => {
                let end = blob
                    .get(pos..)
                    .and_then(|r| r.iter().position(|&c| c == 0))
                    .ok_or(DtbError::Malformed("unterminated node name"))?;
                let name = String::from_utf8(blob[pos..pos + end].to_vec())
                    .map_err(|_| DtbError::Malformed("node name is not UTF-8"))?;
                pos = align(pos + end + 1);
                if stack.len() > 64 {
                    return Err(DtbError::Malformed("nodes nested too deep"));
                }
                stack.push(Node {
                    name,
                    ..Node::default()
                });
            }
            FDT_END_NODE => {
                let node = stack
                    .pop()
                    .ok_or(DtbError::Malformed("unbalanced end of node"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            FDT_PROP => {
                let len = be32(blob, pos)? as usize;
                let name = string_at(be32(blob, pos + 4)? as usize)?;
                pos += 8;
                let value = blob
                    .get(
                        pos..pos
                            .checked_add(len)
                            .ok_or(DtbError::Malformed("bad length"))?,
                    )
                    .ok_or(DtbError::Malformed("property runs past the end"))?
                    .to_vec();
                pos = align(pos + len);
                stack
                    .last_mut()
                    .ok_or(DtbError::Malformed("property outside a node"))?
                    .props
                    .push((name, value));
            }
            FDT_NOP => {}
            FDT_END => break,
            _ => return Err(DtbError::Malformed("unknown structure token")),
        }
    }
    let root = root.ok_or(DtbError::Malformed("no root node"))?;
    if !stack.is_empty() {
        return Err(DtbError::Malformed("unterminated node"));
    }
    Ok((rsv, root))
}

fn write_node(f: &mut FdtWriter, node: &Node) -> FdtWriterResult<()> {
    let n = f.begin_node(&node.name)?;
    for (name, value) in &node.props {
        f.property(name, value)?;
    }
    for child in &node.children {
        write_node(f, child)?;
    }
    f.end_node(n)
}

/// The user's device tree (`-dtb`) edited as QEMU edits it: its memory
/// nodes replaced by one for `cfg.ram_size` at the RAM base, `/chosen`
/// given the command line (if any), the initrd and the random seed.
pub fn patch(user: &[u8], cfg: &DtbConfig) -> Result<Vec<u8>, DtbError> {
    let (rsv, mut root) = parse(user)?;
    let cells = |name: &str, default: u32| {
        root.prop(name)
            .filter(|v| v.len() == 4)
            .map_or(default, |v| {
                u32::from_be_bytes(v.try_into().expect("4 bytes"))
            })
    };
    let (acells, scells) = (cells("#address-cells", 2), cells("#size-cells", 1));
    let encode = |value: u64, n: u32| -> Vec<u8> {
        match n {
            1 => (value as u32).to_be_bytes().to_vec(),
            _ => value.to_be_bytes().to_vec(),
        }
    };
    root.children
        .retain(|c| c.prop("device_type") != Some(b"memory\0"));
    let mut reg = encode(machine::RAM_BASE, acells);
    reg.extend(encode(cfg.ram_size, scells));
    root.children.push(Node {
        name: format!("memory@{:x}", machine::RAM_BASE),
        props: vec![
            ("device_type".into(), b"memory\0".to_vec()),
            ("reg".into(), reg),
        ],
        children: Vec::new(),
    });
    if !root.children.iter().any(|c| c.name == "chosen") {
        root.children.push(Node {
            name: "chosen".into(),
            ..Node::default()
        });
    }
    let chosen = root
        .children
        .iter_mut()
        .find(|c| c.name == "chosen")
        .expect("just added");
    if !cfg.bootargs.is_empty() {
        let mut args = cfg.bootargs.as_bytes().to_vec();
        args.push(0);
        chosen.set("bootargs", args);
    }
    match cfg.initrd {
        Some((start, end)) => {
            chosen.set("linux,initrd-start", encode(start, acells));
            chosen.set("linux,initrd-end", encode(end, acells));
        }
        None => {
            chosen.remove("linux,initrd-start");
            chosen.remove("linux,initrd-end");
        }
    }
    if !cfg.rng_seed.is_empty() {
        chosen.set("rng-seed", cfg.rng_seed.clone());
    }
    let rsv: Vec<FdtReserveEntry> = rsv
        .into_iter()
        .filter_map(|(a, s)| FdtReserveEntry::new(a, s).ok())
        .collect();
    let write = || -> FdtWriterResult<Vec<u8>> {
        let mut f = FdtWriter::new_with_mem_reserv(&rsv)?;
        write_node(&mut f, &root)?;
        f.finish()
    };
    write().map_err(|e| DtbError::Write(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated tree parses back to what was written, and the user's
    /// tree gets QEMU's edits: our memory node instead of its own, the
    /// command line and initrd in /chosen, its other nodes untouched.
    #[test]
    fn user_tree_is_patched_like_qemu_does() {
        let generated = build(&DtbConfig {
            ram_size: 128 << 20,
            bootargs: "old".into(),
            initrd: None,
            virtio: vec![3],
            rng_seed: Vec::new(),
        })
        .unwrap();
        let (_, root) = parse(&generated).unwrap();
        assert!(root
            .children
            .iter()
            .any(|c| c.name == "virtio_mmio@a000600"));
        let patched = patch(
            &generated,
            &DtbConfig {
                ram_size: 512 << 20,
                bootargs: "console=ttyAMA0 root=/dev/vda".into(),
                initrd: Some((0x4800_0000, 0x4810_0000)),
                virtio: Vec::new(),
                rng_seed: vec![1, 2, 3, 4],
            },
        )
        .unwrap();
        let (_, root) = parse(&patched).unwrap();
        let memories: Vec<&Node> = root
            .children
            .iter()
            .filter(|c| c.prop("device_type") == Some(b"memory\0"))
            .collect();
        assert_eq!(memories.len(), 1);
        assert_eq!(
            memories[0].prop("reg").unwrap(),
            &[0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0]
        );
        let chosen = root.children.iter().find(|c| c.name == "chosen").unwrap();
        assert_eq!(
            chosen.prop("bootargs").unwrap(),
            b"console=ttyAMA0 root=/dev/vda\0"
        );
        assert_eq!(
            chosen.prop("linux,initrd-start").unwrap(),
            &0x4800_0000u64.to_be_bytes()
        );
        assert_eq!(chosen.prop("rng-seed").unwrap(), &[1, 2, 3, 4]);
        // The user's devices stay as they were.
        assert!(root
            .children
            .iter()
            .any(|c| c.name == "virtio_mmio@a000600"));
        assert!(root.children.iter().any(|c| c.name.starts_with("intc@")));
    }

    /// Malformed trees give a clear error, never a panic: every
    /// truncation and a sweep of corrupted bytes.
    #[test]
    fn malformed_trees_are_refused_cleanly() {
        let blob = build(&DtbConfig {
            ram_size: 64 << 20,
            bootargs: "x".into(),
            ..DtbConfig::default()
        })
        .unwrap();
        assert!(matches!(
            patch(b"not a dtb", &DtbConfig::default()),
            Err(DtbError::Malformed(_))
        ));
        for n in 0..blob.len() {
            let _ = patch(&blob[..n], &DtbConfig::default());
        }
        let mut rng = 0x1234_5678u32;
        for _ in 0..3000 {
            let mut b = blob.clone();
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            let i = rng as usize % b.len();
            b[i] ^= (rng >> 24) as u8 | 1;
            let _ = patch(&b, &DtbConfig::default());
        }
    }

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
