//! The interrupt controller of the `virt` board: an ARM Generic Interrupt
//! Controller, architecture version 2 (GICv2, ARM IHI 0048B), as the GIC of
//! a Cortex-A15 MPCore with one CPU (device tree `arm,cortex-a15-gic`),
//! without the Security Extensions and without the Virtualization
//! Extensions.
//!
//! The GIC has two register windows, mapped separately by the machine: the
//! distributor (`GICD_*`, which holds the per-interrupt state: enable,
//! pending, active, group, priority, target, trigger mode) and the CPU
//! interface (`GICC_*`, through which the CPU acknowledges and completes
//! interrupts). Both share one [`Gic`]; [`GicDistributor`] and
//! [`GicCpuInterface`] are the two [`MmioDevice`]s.
//!
//! Inputs are the [`IrqLevels`] bitmap that devices drive (PPIs 16-31 and
//! SPIs 32+); outputs are the CPU's IRQ and FIQ lines ([`CpuIrqLines`]).
//! The GIC samples the inputs at every register access and when the machine
//! calls [`Gic::update`]; every access that changes state recomputes the
//! outputs before it returns.
//!
//! What is modelled (for the one CPU interface, number 0):
//! - distributor: `GICD_CTLR` (EnableGrp0/EnableGrp1), `TYPER`, `IIDR`,
//!   `IGROUPR`, `ISENABLER`/`ICENABLER`, `ISPENDR`/`ICPENDR`,
//!   `ISACTIVER`/`ICACTIVER`, `IPRIORITYR` (8 priority bits),
//!   `ITARGETSR`, `ICFGR`, `SGIR`, `CPENDSGIR`/`SPENDSGIR` and the
//!   identification registers at 0xfd0-0xffc;
//! - CPU interface: `GICC_CTLR` (EnableGrp0, EnableGrp1, AckCtl, FIQEn,
//!   CBPR, EOImode; the bypass-disable bits are stored but bypass is not
//!   modelled), `PMR`, `BPR`, `IAR`, `EOIR`, `RPR`, `HPPIR`, `ABPR`,
//!   `AIAR`, `AEOIR`, `AHPPIR`, `APR0-3`, `NSAPR0-3`, `IIDR`, `DIR`;
//! - level-sensitive inputs are pending while high (and active-and-pending
//!   once acknowledged); edge-triggered inputs latch pending on a rising
//!   edge; `ISPENDR`/`ICPENDR` set and clear a pending latch for both;
//! - group 0 is signalled as FIQ when `GICC_CTLR.FIQEn` is set, otherwise
//!   as IRQ; group 1 always as IRQ;
//! - preemption by group priority (binary point), the running priority
//!   from the active priority registers, and split priority drop
//!   (`EOIR`) / deactivation (`DIR`) when `GICC_CTLR.EOImode` is set.
//!
//! Not modelled: the Security Extensions (`GICD_TYPER.SecurityExtn` reads
//! 0, so every access behaves as the spec's "GIC without the Security
//! Extensions" view), the virtualization interfaces (`GICH_*`/`GICV_*`),
//! interrupt bypass, and the Cortex-A15's implementation-defined
//! `GICD_PPISR`/`GICD_SPISRn` status registers (RAZ/WI).
//!
//! Inputs are sampled, not watched: an edge-triggered input that rises and
//! falls again between two samples is missed. Every device of the board
//! drives level-sensitive lines, for which this cannot happen.

use std::sync::{Arc, Mutex};

use super::{CpuIrqLines, IrqLevels, MmioDevice};

// ---- Distributor register map (offsets into the distributor window) ----

/// Distributor Control Register: bit 0 EnableGrp0, bit 1 EnableGrp1.
pub const GICD_CTLR: u32 = 0x000;
/// Interrupt Controller Type Register (RO).
pub const GICD_TYPER: u32 = 0x004;
/// Distributor Implementer Identification Register (RO).
pub const GICD_IIDR: u32 = 0x008;
/// Interrupt Group Registers, one bit per interrupt (0 = group 0).
pub const GICD_IGROUPR: u32 = 0x080;
/// Interrupt Set-Enable Registers, one bit per interrupt.
pub const GICD_ISENABLER: u32 = 0x100;
/// Interrupt Clear-Enable Registers, one bit per interrupt.
pub const GICD_ICENABLER: u32 = 0x180;
/// Interrupt Set-Pending Registers, one bit per interrupt.
pub const GICD_ISPENDR: u32 = 0x200;
/// Interrupt Clear-Pending Registers, one bit per interrupt.
pub const GICD_ICPENDR: u32 = 0x280;
/// Interrupt Set-Active Registers, one bit per interrupt.
pub const GICD_ISACTIVER: u32 = 0x300;
/// Interrupt Clear-Active Registers, one bit per interrupt.
pub const GICD_ICACTIVER: u32 = 0x380;
/// Interrupt Priority Registers, one byte per interrupt.
pub const GICD_IPRIORITYR: u32 = 0x400;
/// Interrupt Processor Targets Registers, one byte per interrupt.
pub const GICD_ITARGETSR: u32 = 0x800;
/// Interrupt Configuration Registers, two bits per interrupt.
pub const GICD_ICFGR: u32 = 0xc00;
/// Software Generated Interrupt Register (WO).
pub const GICD_SGIR: u32 = 0xf00;
/// SGI Clear-Pending Registers, one byte per SGI (a bit per source CPU).
pub const GICD_CPENDSGIR: u32 = 0xf10;
/// SGI Set-Pending Registers, one byte per SGI (a bit per source CPU).
pub const GICD_SPENDSGIR: u32 = 0xf20;
/// First identification register (`GICD_PIDR4`); the block ends with
/// `GICD_CIDR3` at 0xffc.
pub const GICD_PIDR4: u32 = 0xfd0;
/// Bytes of the distributor window that hold registers.
pub const GICD_SIZE: u32 = 0x1000;

// ---- CPU interface register map (offsets into the CPU interface window) ----

/// CPU Interface Control Register.
pub const GICC_CTLR: u32 = 0x00;
/// Interrupt Priority Mask Register.
pub const GICC_PMR: u32 = 0x04;
/// Binary Point Register (group 0, and group 1 when `CBPR` is set).
pub const GICC_BPR: u32 = 0x08;
/// Interrupt Acknowledge Register (RO, reading acknowledges).
pub const GICC_IAR: u32 = 0x0c;
/// End of Interrupt Register (WO).
pub const GICC_EOIR: u32 = 0x10;
/// Running Priority Register (RO).
pub const GICC_RPR: u32 = 0x14;
/// Highest Priority Pending Interrupt Register (RO).
pub const GICC_HPPIR: u32 = 0x18;
/// Aliased Binary Point Register (group 1 when `CBPR` is clear).
pub const GICC_ABPR: u32 = 0x1c;
/// Aliased Interrupt Acknowledge Register (group 1 only).
pub const GICC_AIAR: u32 = 0x20;
/// Aliased End of Interrupt Register (group 1 only, WO).
pub const GICC_AEOIR: u32 = 0x24;
/// Aliased Highest Priority Pending Interrupt Register (group 1 only).
pub const GICC_AHPPIR: u32 = 0x28;
/// Active Priorities Registers 0-3 (group 0).
pub const GICC_APR0: u32 = 0xd0;
/// Non-secure Active Priorities Registers 0-3 (group 1).
pub const GICC_NSAPR0: u32 = 0xe0;
/// CPU Interface Identification Register (RO).
pub const GICC_IIDR: u32 = 0xfc;
/// Deactivate Interrupt Register (WO).
pub const GICC_DIR: u32 = 0x1000;
/// Bytes of the CPU interface window that hold registers.
pub const GICC_SIZE: u32 = 0x2000;

// ---- Register fields and values ----

/// `GICD_CTLR`/`GICC_CTLR` bit 0: forward/signal group 0 interrupts.
const CTLR_ENABLE_GRP0: u32 = 1 << 0;
/// `GICD_CTLR`/`GICC_CTLR` bit 1: forward/signal group 1 interrupts.
const CTLR_ENABLE_GRP1: u32 = 1 << 1;
/// `GICC_CTLR.AckCtl`: `GICC_IAR` may acknowledge group 1 interrupts.
const GICC_CTLR_ACKCTL: u32 = 1 << 2;
/// `GICC_CTLR.FIQEn`: group 0 interrupts are signalled as FIQ.
const GICC_CTLR_FIQEN: u32 = 1 << 3;
/// `GICC_CTLR.CBPR`: `GICC_BPR` also controls group 1 preemption.
const GICC_CTLR_CBPR: u32 = 1 << 4;
/// `GICC_CTLR.EOImode`: `EOIR` only drops priority, `DIR` deactivates.
const GICC_CTLR_EOIMODE: u32 = 1 << 9;
/// The `GICC_CTLR` bits of a GICv2 without the Security Extensions
/// (bits 5-8 are the bypass-disable bits, kept so software reads back
/// what it wrote; bit 10, EOImodeNS, only exists with the extensions).
const GICC_CTLR_MASK: u32 = 0x3ff;

/// `GICD_IIDR`: implementer ARM (JEP106 0x43b), revision and variant 0.
const GICD_IIDR_VALUE: u32 = 0x0000_043b;
/// `GICC_IIDR`: architecture version 2, implementer ARM. Linux checks
/// `(GICC_IIDR & 0xff0fff) == 0x02043b` before it touches `GICC_APRn`.
const GICC_IIDR_VALUE: u32 = 0x0002_043b;
/// `GICD_PIDR4-7`, `GICD_PIDR0-3`, `GICD_CIDR0-3` (0xfd0-0xffc): the
/// values of ARM's GICv2 implementation; `PIDR2[7:4]` = 2 is the
/// architecture version, the component ID is the PrimeCell 0xb105f00d.
const GICD_ID_REGS: [u32; 12] = [
    0x04, 0x00, 0x00, 0x00, 0x90, 0xb4, 0x2b, 0x00, 0x0d, 0xf0, 0x05, 0xb1,
];

/// Number of software generated interrupts (IDs 0-15).
const NUM_SGIS: u32 = 16;
/// The bits of word 0 of a bitmap that are SGIs.
const SGI_BITS: u32 = 0xffff;
/// Interrupt IDs 1020-1023 are reserved for special meanings.
const MAX_INTERRUPTS: u32 = 1020;
/// `GICC_IAR`: no interrupt to acknowledge.
const INTID_SPURIOUS: u32 = 1023;
/// `GICC_IAR`: the highest priority pending interrupt is group 1 and
/// `AckCtl` is clear, so this read cannot acknowledge it.
const INTID_GROUP1_ONLY: u32 = 1022;
/// Running priority when no interrupt is active (lower than any priority).
const IDLE_PRIORITY: u32 = 0x100;
/// This CPU interface's bit in CPU masks (target lists, SGI sources).
/// There is one CPU interface, so bits 1-7 name nothing and are RAZ/WI.
const THIS_CPU: u8 = 0x01;

/// Interrupt state of the distributor and the one CPU interface.
pub struct Gic {
    /// Interrupt IDs the distributor implements: a multiple of 32, from
    /// 32 to 1024 (`GICD_TYPER.ITLinesNumber + 1` times 32).
    num_irqs: u32,
    inputs: Arc<IrqLevels>,
    out: Arc<CpuIrqLines>,

    /// `GICD_CTLR`.
    dctlr: u32,
    /// One bit per interrupt ID, word `n` covering IDs `32n..32n+31`.
    group: Vec<u32>,
    enabled: Vec<u32>,
    /// The pending latch of PPIs and SPIs: set by a rising edge of an
    /// edge-triggered input or by `ISPENDR`, cleared by `ICPENDR` or when
    /// the interrupt is acknowledged. A level-sensitive interrupt is also
    /// pending while its input is high. SGIs use `sgi_sources` instead.
    latch: Vec<u32>,
    active: Vec<u32>,
    /// 1 = edge-triggered (`ICFGR` field bit 1). SGI bits are always 1.
    edge: Vec<u32>,
    /// The input levels as last sampled (SGI bits always 0).
    level: Vec<u32>,
    /// `IPRIORITYR`, one byte per interrupt ID.
    priority: Vec<u8>,
    /// Per SGI, the source CPUs it is pending from (`SPENDSGIR` bits).
    sgi_sources: [u8; NUM_SGIS as usize],

    /// `GICC_CTLR`.
    cctlr: u32,
    /// `GICC_PMR`: only interrupts of a priority value below it are signalled.
    pmr: u32,
    /// `GICC_BPR` (0-7).
    bpr: u32,
    /// `GICC_ABPR` (1-7).
    abpr: u32,
    /// `GICC_APR0-3`: active group 0 preemption levels, bit `n` of the
    /// 128 being group priority `2n` (8 priority bits, minimum BPR 0).
    apr: [u32; 4],
    /// `GICC_NSAPR0-3`: the same for group 1.
    nsapr: [u32; 4],
}

impl Gic {
    /// A GIC at reset with `num_irqs` interrupt IDs (rounded up to a
    /// multiple of 32, between 32 and 1024; the `virt` board uses 288),
    /// sampling `inputs` and driving `out`.
    pub fn new(num_irqs: u32, inputs: Arc<IrqLevels>, out: Arc<CpuIrqLines>) -> Gic {
        let num_irqs = num_irqs.clamp(32, 1024).div_ceil(32) * 32;
        let words = (num_irqs / 32) as usize;
        let mut gic = Gic {
            num_irqs,
            inputs,
            out,
            dctlr: 0,
            group: vec![0; words],
            enabled: vec![0; words],
            latch: vec![0; words],
            active: vec![0; words],
            edge: vec![0; words],
            level: vec![0; words],
            priority: vec![0; num_irqs as usize],
            sgi_sources: [0; NUM_SGIS as usize],
            cctlr: 0,
            pmr: 0,
            // The minimum values for 8 priority bits.
            bpr: 0,
            abpr: 1,
            apr: [0; 4],
            nsapr: [0; 4],
        };
        // SGIs are always enabled (their ISENABLER bits are RAO/WI, as on
        // ARM's implementations) and always edge-triggered.
        gic.enabled[0] = SGI_BITS;
        gic.edge[0] = SGI_BITS;
        gic.update();
        gic
    }

    /// Reads `size` bytes at `offset` in the distributor window.
    pub fn dist_read(&mut self, offset: u32, size: u8) -> u32 {
        if !access_ok(offset, size) || offset >= GICD_SIZE {
            return 0;
        }
        // Pending bits must show the inputs as they are now.
        self.sample_inputs();
        let shift = (offset & 3) * 8;
        (self.dist_read_reg(offset & !3) >> shift) & size_mask(size)
    }

    /// Writes `size` bytes at `offset` in the distributor window. Accesses
    /// narrower than a register change only the bytes written.
    pub fn dist_write(&mut self, offset: u32, size: u8, value: u32) {
        if !access_ok(offset, size) || offset >= GICD_SIZE {
            return;
        }
        self.sample_inputs();
        let shift = (offset & 3) * 8;
        let mask = size_mask(size) << shift;
        self.dist_write_reg(offset & !3, (value << shift) & mask, mask);
        self.update_output();
    }

    /// Reads `size` bytes at `offset` in the CPU interface window. Its
    /// registers are word-accessible only: other accesses read as zero
    /// (and acknowledge nothing).
    pub fn cpu_read(&mut self, offset: u32, size: u8) -> u32 {
        if size != 4 || !offset.is_multiple_of(4) || offset >= GICC_SIZE {
            return 0;
        }
        self.sample_inputs();
        let value = match offset {
            GICC_CTLR => self.cctlr,
            GICC_PMR => self.pmr,
            GICC_BPR => self.bpr,
            GICC_IAR => self.acknowledge(false),
            GICC_RPR => self.running_priority().min(0xff),
            GICC_HPPIR => self.highest_pending_id(false),
            GICC_ABPR => self.abpr,
            GICC_AIAR => self.acknowledge(true),
            GICC_AHPPIR => self.highest_pending_id(true),
            o if (GICC_APR0..GICC_APR0 + 16).contains(&o) => {
                self.apr[((o - GICC_APR0) / 4) as usize]
            }
            o if (GICC_NSAPR0..GICC_NSAPR0 + 16).contains(&o) => {
                self.nsapr[((o - GICC_NSAPR0) / 4) as usize]
            }
            GICC_IIDR => GICC_IIDR_VALUE,
            _ => 0,
        };
        // An acknowledge changed the running priority and active state.
        self.update_output();
        value
    }

    /// Writes `size` bytes at `offset` in the CPU interface window
    /// (word-accessible only: other accesses are ignored).
    pub fn cpu_write(&mut self, offset: u32, size: u8, value: u32) {
        if size != 4 || !offset.is_multiple_of(4) || offset >= GICC_SIZE {
            return;
        }
        self.sample_inputs();
        match offset {
            GICC_CTLR => self.cctlr = value & GICC_CTLR_MASK,
            GICC_PMR => self.pmr = value & 0xff,
            GICC_BPR => self.bpr = value & 7,
            GICC_EOIR => self.end_of_interrupt(value, false),
            // A group 1 binary point below 1 is not implemented: writes of
            // 0 set the minimum.
            GICC_ABPR => self.abpr = (value & 7).max(1),
            GICC_AEOIR => self.end_of_interrupt(value, true),
            o if (GICC_APR0..GICC_APR0 + 16).contains(&o) => {
                self.apr[((o - GICC_APR0) / 4) as usize] = value;
            }
            o if (GICC_NSAPR0..GICC_NSAPR0 + 16).contains(&o) => {
                self.nsapr[((o - GICC_NSAPR0) / 4) as usize] = value;
            }
            GICC_DIR => self.deactivate(value),
            _ => {}
        }
        self.update_output();
    }

    /// Samples the input levels (IrqLevels: PPIs 16-31 and SPIs 32+) and
    /// recomputes the CPU's IRQ/FIQ lines. The machine calls it when
    /// [`IrqLevels::take_changed`] reports a change.
    pub fn update(&mut self) {
        self.sample_inputs();
        self.update_output();
    }

    // ---- State ----

    /// One past the highest implemented interrupt ID.
    fn limit(&self) -> u32 {
        self.num_irqs.min(MAX_INTERRUPTS)
    }

    /// The implemented interrupts among those of bitmap word `w`.
    fn word_mask(&self, w: usize) -> u32 {
        let first = w as u32 * 32;
        match self.limit().saturating_sub(first) {
            0 => 0,
            n if n >= 32 => u32::MAX,
            n => (1 << n) - 1,
        }
    }

    fn sample_inputs(&mut self) {
        for w in 0..self.level.len() {
            let mut now = self.inputs.word(w) & self.word_mask(w);
            if w == 0 {
                // SGIs are generated by writes, not by lines.
                now &= !SGI_BITS;
            }
            let rising = now & !self.level[w];
            self.latch[w] |= rising & self.edge[w];
            self.level[w] = now;
        }
    }

    /// The pending state of the interrupts of bitmap word `w`.
    fn pending_word(&self, w: usize) -> u32 {
        let mut pending = self.latch[w] | (self.level[w] & !self.edge[w]);
        if w == 0 {
            pending &= !SGI_BITS;
            for (sgi, sources) in self.sgi_sources.iter().enumerate() {
                if *sources != 0 {
                    pending |= 1 << sgi;
                }
            }
        }
        pending
    }

    fn is_group1(&self, irq: u32) -> bool {
        bit(&self.group, irq)
    }

    /// The highest priority interrupt the CPU interface could signal,
    /// before the priority mask and running priority are considered:
    /// enabled, pending and not active, targeting this CPU, of a group that
    /// both the distributor forwards and the CPU interface signals (a
    /// disabled group is ignored, so it cannot hide the other). Equal
    /// priorities go to the lowest ID.
    fn highest_pending(&self) -> Option<u32> {
        let enabled = self.dctlr & self.cctlr;
        let grp0 = if enabled & CTLR_ENABLE_GRP0 != 0 {
            u32::MAX
        } else {
            0
        };
        let grp1 = if enabled & CTLR_ENABLE_GRP1 != 0 {
            u32::MAX
        } else {
            0
        };
        if grp0 == 0 && grp1 == 0 {
            return None;
        }
        let mut best: Option<(u8, u32)> = None;
        for w in 0..self.enabled.len() {
            let groups = (self.group[w] & grp1) | (!self.group[w] & grp0);
            let mut candidates = self.enabled[w] & self.pending_word(w) & !self.active[w] & groups;
            while candidates != 0 {
                let irq = w as u32 * 32 + candidates.trailing_zeros();
                candidates &= candidates - 1;
                let prio = self.priority[irq as usize];
                if best.is_none_or(|(p, _)| prio < p) {
                    best = Some((prio, irq));
                }
            }
        }
        best.map(|(_, irq)| irq)
    }

    /// The group priority of `irq`: its priority with the subpriority bits
    /// (those below the binary point of its group) cleared. Only this part
    /// decides preemption.
    fn group_priority(&self, irq: u32) -> u32 {
        let shift = if self.is_group1(irq) && self.cctlr & GICC_CTLR_CBPR == 0 {
            // GICC_ABPR = n puts group 1's binary point one bit lower than
            // GICC_BPR = n does for group 0.
            self.abpr
        } else {
            self.bpr + 1
        };
        u32::from(self.priority[irq as usize]) & (0xff << shift) & 0xff
    }

    /// The running priority: the group priority of the highest priority
    /// active interrupt that has not had its priority dropped, from the
    /// active priorities registers; `IDLE_PRIORITY` when there is none.
    fn running_priority(&self) -> u32 {
        for (i, (a, ns)) in self.apr.iter().zip(self.nsapr.iter()).enumerate() {
            let bits = a | ns;
            if bits != 0 {
                return (i as u32 * 32 + bits.trailing_zeros()) << 1;
            }
        }
        IDLE_PRIORITY
    }

    /// Whether `irq` (a highest pending candidate) is above the priority
    /// mask and can preempt the running priority.
    ///
    /// QEMU compares the full priority with the running priority; the spec
    /// (3.3 "Preemption") compares the group priority, which is what this
    /// does: interrupts that differ only in subpriority do not preempt.
    fn can_signal(&self, irq: u32) -> bool {
        u32::from(self.priority[irq as usize]) < self.pmr
            && self.group_priority(irq) < self.running_priority()
    }

    /// Drives the IRQ and FIQ lines from the current state.
    fn update_output(&self) {
        let (irq, fiq) = match self.highest_pending() {
            Some(id) if self.can_signal(id) => {
                if !self.is_group1(id) && self.cctlr & GICC_CTLR_FIQEN != 0 {
                    (false, true)
                } else {
                    (true, false)
                }
            }
            _ => (false, false),
        };
        self.out.set(irq, fiq);
    }

    /// A read of `GICC_IAR` (or of `GICC_AIAR` when `alias`): returns the
    /// ID of the signalled interrupt and makes it active, or a special ID.
    fn acknowledge(&mut self, alias: bool) -> u32 {
        let Some(irq) = self.highest_pending() else {
            return INTID_SPURIOUS;
        };
        if !self.can_signal(irq) {
            return INTID_SPURIOUS;
        }
        let group1 = self.is_group1(irq);
        if alias && !group1 {
            // The aliased registers are the group 1 (Non-secure) view.
            return INTID_SPURIOUS;
        }
        if !alias && group1 && self.cctlr & GICC_CTLR_ACKCTL == 0 {
            return INTID_GROUP1_ONLY;
        }
        // Record its preemption level: that raises the running priority
        // until the priority drop (EOIR).
        let level = self.group_priority(irq) >> 1;
        let (reg, bit) = ((level / 32) as usize, level % 32);
        if group1 {
            self.nsapr[reg] |= 1 << bit;
        } else {
            self.apr[reg] |= 1 << bit;
        }
        set_bit(&mut self.active, irq, true);
        if irq < NUM_SGIS {
            // An SGI is pending once per source CPU: acknowledge one
            // source, and say which in bits 12:10.
            let sources = &mut self.sgi_sources[irq as usize];
            let source = sources.trailing_zeros();
            if source < 8 {
                *sources &= !(1 << source);
                return irq | (source << 10);
            }
            return irq;
        }
        // A level-sensitive interrupt whose input is still high stays
        // pending (active and pending); the latch is consumed.
        set_bit(&mut self.latch, irq, false);
        irq
    }

    /// `GICC_HPPIR` (or `GICC_AHPPIR` when `alias`): the highest priority
    /// pending interrupt above the priority mask, whether or not it can
    /// preempt the running priority; nothing changes.
    fn highest_pending_id(&self, alias: bool) -> u32 {
        let Some(irq) = self.highest_pending() else {
            return INTID_SPURIOUS;
        };
        if u32::from(self.priority[irq as usize]) >= self.pmr {
            return INTID_SPURIOUS;
        }
        let group1 = self.is_group1(irq);
        if alias && !group1 {
            return INTID_SPURIOUS;
        }
        if !alias && group1 && self.cctlr & GICC_CTLR_ACKCTL == 0 {
            return INTID_GROUP1_ONLY;
        }
        if irq < NUM_SGIS {
            let source = self.sgi_sources[irq as usize].trailing_zeros();
            if source < 8 {
                return irq | (source << 10);
            }
        }
        irq
    }

    /// A write to `GICC_EOIR` (or `GICC_AEOIR` when `alias`): priority
    /// drop, and deactivation unless `EOImode` splits it off to `DIR`.
    fn end_of_interrupt(&mut self, value: u32, alias: bool) {
        let irq = value & 0x3ff;
        if irq >= self.limit() {
            // Spurious IDs (1020-1023) are ignored, as the spec says; so
            // are IDs the GIC does not implement (UNPREDICTABLE).
            return;
        }
        if alias && !self.is_group1(irq) {
            // The group 1 alias cannot complete a group 0 interrupt.
            return;
        }
        // Software must complete interrupts in the reverse order of
        // acknowledging them, so the interrupt being completed holds the
        // highest active priority. With nothing active the write is
        // UNPREDICTABLE: ignore it.
        if !self.priority_drop() {
            return;
        }
        if self.cctlr & GICC_CTLR_EOIMODE == 0 {
            set_bit(&mut self.active, irq, false);
        }
    }

    /// Clears the highest active priority (the lowest set bit of the
    /// active priorities registers). Returns false if none was set.
    fn priority_drop(&mut self) -> bool {
        for (a, ns) in self.apr.iter_mut().zip(self.nsapr.iter_mut()) {
            let bits = *a | *ns;
            if bits != 0 {
                let lowest = bits & bits.wrapping_neg();
                *a &= !lowest;
                *ns &= !lowest;
                return true;
            }
        }
        false
    }

    /// A write to `GICC_DIR`.
    fn deactivate(&mut self, value: u32) {
        // With EOImode clear, EOIR deactivates and DIR writes are
        // UNPREDICTABLE: ignore them (as QEMU does).
        if self.cctlr & GICC_CTLR_EOIMODE == 0 {
            return;
        }
        let irq = value & 0x3ff;
        if irq < self.limit() {
            set_bit(&mut self.active, irq, false);
        }
    }

    // ---- Distributor registers ----

    /// Reads the 32-bit distributor register at word offset `reg`.
    fn dist_read_reg(&self, reg: u32) -> u32 {
        match reg {
            GICD_CTLR => self.dctlr,
            // ITLinesNumber; CPUNumber 0 (one CPU interface); no
            // Security Extensions, so no LSPI either.
            GICD_TYPER => self.num_irqs / 32 - 1,
            GICD_IIDR => GICD_IIDR_VALUE,
            r if in_block(r, GICD_IGROUPR) => word_of(&self.group, r - GICD_IGROUPR),
            r if in_block(r, GICD_ISENABLER) => word_of(&self.enabled, r - GICD_ISENABLER),
            r if in_block(r, GICD_ICENABLER) => word_of(&self.enabled, r - GICD_ICENABLER),
            r if in_block(r, GICD_ISPENDR) => self.pending_reg(r - GICD_ISPENDR),
            r if in_block(r, GICD_ICPENDR) => self.pending_reg(r - GICD_ICPENDR),
            r if in_block(r, GICD_ISACTIVER) => word_of(&self.active, r - GICD_ISACTIVER),
            r if in_block(r, GICD_ICACTIVER) => word_of(&self.active, r - GICD_ICACTIVER),
            r if (GICD_IPRIORITYR..GICD_ITARGETSR).contains(&r) => {
                let first = r - GICD_IPRIORITYR;
                self.bytes(first, |irq| self.priority[irq as usize])
            }
            // A uniprocessor GIC's ITARGETSR is RAZ/WI (GICv2 spec 4.3.12):
            // every SPI goes to the one CPU.
            r if (GICD_ITARGETSR..GICD_ICFGR).contains(&r) => 0,
            r if (GICD_ICFGR..GICD_ICFGR + 0x100).contains(&r) => {
                let first = (r - GICD_ICFGR) * 4;
                let mut value = 0;
                for i in 0..16 {
                    let irq = first + i;
                    if irq < self.limit() && bit(&self.edge, irq) {
                        // Field bit 1: edge-triggered. Bit 0 is reserved in
                        // GICv2 and reads as zero.
                        value |= 2 << (2 * i);
                    }
                }
                value
            }
            r if (GICD_CPENDSGIR..GICD_SPENDSGIR + 16).contains(&r) => {
                let first = (r - GICD_CPENDSGIR) % 16;
                let mut value = 0;
                for i in 0..4 {
                    value |= u32::from(self.sgi_sources[(first + i) as usize]) << (8 * i);
                }
                value
            }
            r if (GICD_PIDR4..GICD_SIZE).contains(&r) => {
                GICD_ID_REGS[((r - GICD_PIDR4) / 4) as usize]
            }
            // GICD_SGIR is write-only; everything else is reserved.
            _ => 0,
        }
    }

    /// Writes the bytes of `value` selected by `mask` to the 32-bit
    /// distributor register at word offset `reg`.
    fn dist_write_reg(&mut self, reg: u32, value: u32, mask: u32) {
        let bits = value & mask;
        match reg {
            GICD_CTLR => {
                let ctlr = (self.dctlr & !mask) | bits;
                self.dctlr = ctlr & (CTLR_ENABLE_GRP0 | CTLR_ENABLE_GRP1);
            }
            r if in_block(r, GICD_IGROUPR) => {
                // Every interrupt, SGIs and PPIs included, has a group bit.
                let n = ((r - GICD_IGROUPR) / 4) as usize;
                let wm = self.word_mask(n) & mask;
                if let Some(w) = self.group.get_mut(n) {
                    *w = (*w & !wm) | (bits & wm);
                }
            }
            r if in_block(r, GICD_ISENABLER) => {
                let n = ((r - GICD_ISENABLER) / 4) as usize;
                let set = bits & self.word_mask(n);
                if let Some(w) = self.enabled.get_mut(n) {
                    *w |= set;
                }
            }
            r if in_block(r, GICD_ICENABLER) => {
                // SGIs cannot be disabled.
                let n = ((r - GICD_ICENABLER) / 4) as usize;
                let clear = bits & self.word_mask(n) & not_sgis(n);
                if let Some(w) = self.enabled.get_mut(n) {
                    *w &= !clear;
                }
            }
            r if in_block(r, GICD_ISPENDR) => {
                // In GICv2 the SGI bits are read-only here: SGIs are
                // pended per source through GICD_SPENDSGIR or GICD_SGIR.
                let n = ((r - GICD_ISPENDR) / 4) as usize;
                let set = bits & self.word_mask(n) & not_sgis(n);
                if let Some(w) = self.latch.get_mut(n) {
                    *w |= set;
                }
            }
            r if in_block(r, GICD_ICPENDR) => {
                // Clears the latch only: a level-sensitive interrupt whose
                // input is high stays pending.
                let n = ((r - GICD_ICPENDR) / 4) as usize;
                let clear = bits & self.word_mask(n) & not_sgis(n);
                if let Some(w) = self.latch.get_mut(n) {
                    *w &= !clear;
                }
            }
            r if in_block(r, GICD_ISACTIVER) => {
                let n = ((r - GICD_ISACTIVER) / 4) as usize;
                let set = bits & self.word_mask(n);
                if let Some(w) = self.active.get_mut(n) {
                    *w |= set;
                }
            }
            r if in_block(r, GICD_ICACTIVER) => {
                let n = ((r - GICD_ICACTIVER) / 4) as usize;
                let clear = bits & self.word_mask(n);
                if let Some(w) = self.active.get_mut(n) {
                    *w &= !clear;
                }
            }
            r if (GICD_IPRIORITYR..GICD_ITARGETSR).contains(&r) => {
                let first = r - GICD_IPRIORITYR;
                for (i, byte) in self.lanes(first, value, mask) {
                    self.priority[i as usize] = byte;
                }
            }
            // RAZ/WI on a uniprocessor GIC (see the read side).
            r if (GICD_ITARGETSR..GICD_ICFGR).contains(&r) => {}
            r if (GICD_ICFGR..GICD_ICFGR + 0x100).contains(&r) => {
                let first = (r - GICD_ICFGR) * 4;
                for i in 0..16 {
                    let irq = first + i;
                    let field_bit = 2 << (2 * i);
                    // SGIs are always edge-triggered; PPIs and SPIs are
                    // programmable.
                    if irq >= NUM_SGIS && irq < self.limit() && mask & field_bit != 0 {
                        set_bit(&mut self.edge, irq, value & field_bit != 0);
                    }
                }
            }
            // A word-only register: a partial write generates nothing.
            GICD_SGIR if mask == u32::MAX => self.generate_sgi(value),
            r if (GICD_CPENDSGIR..GICD_SPENDSGIR).contains(&r) => {
                let first = r - GICD_CPENDSGIR;
                for i in 0..4 {
                    let byte = ((bits >> (8 * i)) & 0xff) as u8;
                    self.sgi_sources[(first + i) as usize] &= !byte;
                }
            }
            r if (GICD_SPENDSGIR..GICD_SPENDSGIR + 16).contains(&r) => {
                let first = r - GICD_SPENDSGIR;
                for i in 0..4 {
                    // Bits of source CPUs that do not exist are RAZ/WI.
                    let byte = ((bits >> (8 * i)) & 0xff) as u8 & THIS_CPU;
                    self.sgi_sources[(first + i) as usize] |= byte;
                }
            }
            // Read-only and reserved registers.
            _ => {}
        }
    }

    /// A write to `GICD_SGIR` by this CPU.
    fn generate_sgi(&mut self, value: u32) {
        let sgi = (value & 0xf) as usize;
        let target_list = ((value >> 16) & 0xff) as u8;
        let to_self = match (value >> 24) & 3 {
            // Forward to the CPUs in CPUTargetList.
            0 => target_list & THIS_CPU != 0,
            // Forward to all CPUs but the requesting one: there are none.
            1 => false,
            // Forward to the requesting CPU only.
            2 => true,
            // Reserved. QEMU sends to every CPU; the spec names no
            // behaviour, and nothing is generated here.
            _ => false,
        };
        if to_self {
            // Pending from source CPU 0 (this CPU), on this CPU.
            self.sgi_sources[sgi] |= THIS_CPU;
        }
    }

    /// `ISPENDR`/`ICPENDR` read value of word `offset / 4`.
    fn pending_reg(&self, offset: u32) -> u32 {
        let n = (offset / 4) as usize;
        if n < self.latch.len() {
            self.pending_word(n)
        } else {
            0
        }
    }

    /// Assembles a byte-per-interrupt register from interrupt `first` on;
    /// unimplemented interrupts read as zero.
    fn bytes(&self, first: u32, byte: impl Fn(u32) -> u8) -> u32 {
        let mut value = 0;
        for i in 0..4 {
            let irq = first + i;
            if irq < self.limit() {
                value |= u32::from(byte(irq)) << (8 * i);
            }
        }
        value
    }

    /// The (interrupt, byte) pairs a write of `value` under `mask` makes
    /// to a byte-per-interrupt register starting at interrupt `first`,
    /// skipping unimplemented interrupts.
    fn lanes(&self, first: u32, value: u32, mask: u32) -> Vec<(u32, u8)> {
        (0..4)
            .filter(|i| (mask >> (8 * i)) & 0xff != 0 && first + i < self.limit())
            .map(|i| (first + i, ((value >> (8 * i)) & 0xff) as u8))
            .collect()
    }
}

/// The distributor window, sharing one [`Gic`] with the CPU interface.
pub struct GicDistributor(pub Arc<Mutex<Gic>>);

impl MmioDevice for GicDistributor {
    fn read(&mut self, offset: u32, size: u8) -> u32 {
        lock(&self.0).dist_read(offset, size)
    }

    fn write(&mut self, offset: u32, size: u8, value: u32) {
        lock(&self.0).dist_write(offset, size, value);
    }
}

/// The CPU interface window, sharing one [`Gic`] with the distributor.
pub struct GicCpuInterface(pub Arc<Mutex<Gic>>);

impl MmioDevice for GicCpuInterface {
    fn read(&mut self, offset: u32, size: u8) -> u32 {
        lock(&self.0).cpu_read(offset, size)
    }

    fn write(&mut self, offset: u32, size: u8, value: u32) {
        lock(&self.0).cpu_write(offset, size, value);
    }
}

/// Locks the GIC; a panic elsewhere while it was held leaves the state
/// usable (every update is complete before the lock is released).
fn lock(gic: &Mutex<Gic>) -> std::sync::MutexGuard<'_, Gic> {
    gic.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether an access of `size` bytes at `offset` is one the bus can make:
/// 1, 2 or 4 bytes, naturally aligned.
fn access_ok(offset: u32, size: u8) -> bool {
    matches!(size, 1 | 2 | 4) && offset.is_multiple_of(u32::from(size))
}

fn size_mask(size: u8) -> u32 {
    match size {
        1 => 0xff,
        2 => 0xffff,
        _ => u32::MAX,
    }
}

/// Whether word offset `reg` lies in the 0x80-byte bitmap block at `base`.
fn in_block(reg: u32, base: u32) -> bool {
    (base..base + 0x80).contains(&reg)
}

/// Word `offset / 4` of a bitmap, zero past its end.
fn word_of(bitmap: &[u32], offset: u32) -> u32 {
    bitmap.get((offset / 4) as usize).copied().unwrap_or(0)
}

/// The bits of bitmap word `n` that are not SGIs.
fn not_sgis(n: usize) -> u32 {
    if n == 0 {
        !SGI_BITS
    } else {
        u32::MAX
    }
}

fn bit(bitmap: &[u32], irq: u32) -> bool {
    bitmap
        .get((irq / 32) as usize)
        .is_some_and(|w| w & (1 << (irq % 32)) != 0)
}

fn set_bit(bitmap: &mut [u32], irq: u32, on: bool) {
    if let Some(w) = bitmap.get_mut((irq / 32) as usize) {
        if on {
            *w |= 1 << (irq % 32);
        } else {
            *w &= !(1 << (irq % 32));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    struct Rig {
        gic: Gic,
        levels: Arc<IrqLevels>,
        lines: Arc<CpuIrqLines>,
    }

    fn rig_with(num_irqs: u32) -> Rig {
        let kick = Arc::new(AtomicBool::new(false));
        let levels = Arc::new(IrqLevels::new(kick.clone()));
        let lines = Arc::new(CpuIrqLines::new(kick));
        let gic = Gic::new(num_irqs, levels.clone(), lines.clone());
        Rig { gic, levels, lines }
    }

    fn rig() -> Rig {
        rig_with(256)
    }

    impl Rig {
        fn dr(&mut self, offset: u32) -> u32 {
            self.gic.dist_read(offset, 4)
        }
        fn dw(&mut self, offset: u32, value: u32) {
            self.gic.dist_write(offset, 4, value);
        }
        fn cr(&mut self, offset: u32) -> u32 {
            self.gic.cpu_read(offset, 4)
        }
        fn cw(&mut self, offset: u32, value: u32) {
            self.gic.cpu_write(offset, 4, value);
        }
        /// Drives input `id` and lets the GIC sample it, as the machine does.
        fn input(&mut self, id: u32, high: bool) {
            self.levels.set(id, high);
            if self.levels.take_changed() {
                self.gic.update();
            }
        }
        fn irq(&self) -> bool {
            self.lines.irq()
        }
        fn fiq(&self) -> bool {
            self.lines.fiq()
        }
        /// Distributor and CPU interface on for group 0, everything
        /// unmasked.
        fn enable_all(&mut self) {
            self.dw(GICD_CTLR, 1);
            self.cw(GICC_PMR, 0xff);
            self.cw(GICC_CTLR, 1);
        }
        fn enable_irq(&mut self, irq: u32, prio: u8) {
            self.gic
                .dist_write(GICD_IPRIORITYR + irq, 1, u32::from(prio));
            self.dw(GICD_ISENABLER + (irq / 32) * 4, 1 << (irq % 32));
        }
        fn set_edge(&mut self, irq: u32) {
            let reg = GICD_ICFGR + (irq / 16) * 4;
            let old = self.dr(reg);
            self.dw(reg, old | 2 << (2 * (irq % 16)));
        }
        fn pending(&mut self, irq: u32) -> bool {
            self.dr(GICD_ISPENDR + (irq / 32) * 4) & (1 << (irq % 32)) != 0
        }
        fn active(&mut self, irq: u32) -> bool {
            self.dr(GICD_ISACTIVER + (irq / 32) * 4) & (1 << (irq % 32)) != 0
        }
    }

    #[test]
    fn identification_registers() {
        let mut r = rig();
        assert_eq!(r.dr(GICD_TYPER), 7, "256 IDs: ITLinesNumber 7, one CPU");
        assert_eq!(r.dr(GICD_IIDR), 0x0000_043b);
        assert_eq!(r.cr(GICC_IIDR), 0x0002_043b);
        // Linux's gic_check_gicv2().
        assert_eq!(r.cr(GICC_IIDR) & 0xff0fff, 0x02043b);
        let pidr: Vec<u32> = (0..12).map(|i| r.dr(0xfd0 + 4 * i)).collect();
        assert_eq!(
            pidr,
            [0x04, 0, 0, 0, 0x90, 0xb4, 0x2b, 0, 0x0d, 0xf0, 0x05, 0xb1]
        );
        assert_eq!((r.dr(0xfe8) >> 4) & 0xf, 2, "ArchRev: GICv2");
        let cid = (0..4).fold(0, |acc, i| acc | (r.dr(0xff0 + 4 * i) & 0xff) << (8 * i));
        assert_eq!(cid, 0xb105_f00d);
        // ID registers are read-only.
        r.dw(0xfe0, 0);
        assert_eq!(r.dr(0xfe0), 0x90);
        assert_eq!(rig_with(64).dr(GICD_TYPER), 1);
        assert_eq!(rig_with(1).dr(GICD_TYPER), 0);
        assert_eq!(rig_with(100).dr(GICD_TYPER), 3);
    }

    #[test]
    fn reset_state() {
        let mut r = rig();
        assert_eq!(r.dr(GICD_CTLR), 0);
        assert_eq!(r.dr(GICD_ISENABLER), 0xffff, "SGIs always enabled");
        assert_eq!(r.dr(GICD_ISENABLER + 4), 0);
        assert_eq!(r.dr(GICD_ICFGR), 0xaaaa_aaaa, "SGIs edge-triggered");
        assert_eq!(r.dr(GICD_ICFGR + 4), 0, "PPIs level-sensitive");
        assert_eq!(r.dr(GICD_IGROUPR), 0);
        assert_eq!(r.dr(GICD_ITARGETSR), 0, "uniprocessor: RAZ");
        assert_eq!(r.dr(GICD_ITARGETSR + 32), 0);
        assert_eq!(r.cr(GICC_CTLR), 0);
        assert_eq!(r.cr(GICC_PMR), 0);
        assert_eq!(r.cr(GICC_BPR), 0);
        assert_eq!(r.cr(GICC_ABPR), 1);
        assert_eq!(r.cr(GICC_RPR), 0xff);
        assert_eq!(r.cr(GICC_IAR), 1023);
        assert!(!r.irq() && !r.fiq());
    }

    /// The register sequence of Linux 6.1's gic_dist_init, gic_cpu_init
    /// and gic_cpu_if_up, then one level-triggered SPI end to end.
    #[test]
    fn linux_init_sequence_and_level_spi() {
        let mut r = rig();
        r.dw(GICD_CTLR, 0);
        let gic_irqs = ((r.dr(GICD_TYPER) & 0x1f) + 1) * 32;
        assert_eq!(gic_irqs, 256);
        // gic_get_cpumask: the first non-zero ITARGETSR0-7 word; none on a
        // uniprocessor GIC, which Linux accepts with one CPU.
        let mut mask = r.dr(GICD_ITARGETSR);
        mask |= mask >> 16;
        mask |= mask >> 8;
        assert_eq!(mask & 0xff, 0);
        let cpumask = 0x0101_0101;
        for i in (32..gic_irqs).step_by(4) {
            r.dw(GICD_ITARGETSR + i, cpumask);
        }
        // gic_dist_config.
        for i in (32..gic_irqs).step_by(16) {
            r.dw(GICD_ICFGR + i / 4, 0);
        }
        for i in (32..gic_irqs).step_by(4) {
            r.dw(GICD_IPRIORITYR + i, 0xa0a0_a0a0);
        }
        for i in (32..gic_irqs).step_by(32) {
            r.dw(GICD_ICACTIVER + i / 8, u32::MAX);
            r.dw(GICD_ICENABLER + i / 8, u32::MAX);
        }
        r.dw(GICD_CTLR, 1);
        // gic_cpu_config + gic_cpu_if_up.
        r.dw(GICD_ICACTIVER, u32::MAX);
        r.dw(GICD_ICENABLER, u32::MAX);
        for i in (0..32).step_by(4) {
            r.dw(GICD_IPRIORITYR + i, 0xa0a0_a0a0);
        }
        r.cw(GICC_PMR, 0xf0);
        for i in 0..4 {
            r.cw(GICC_APR0 + 4 * i, 0);
        }
        let bypass = r.cr(GICC_CTLR) & 0x1e0;
        r.cw(GICC_CTLR, bypass | 1);
        assert_eq!(r.cr(GICC_CTLR), 1);
        assert_eq!(r.dr(GICD_ISENABLER), 0xffff, "SGIs stay enabled");
        assert_eq!(r.dr(GICD_ITARGETSR + 40), 0, "writes ignored");

        // The UART's SPI (virt: SPI 1 = ID 33), level-sensitive.
        r.dw(GICD_ISENABLER + 4, 1 << 1);
        assert_eq!(r.dr(GICD_ICENABLER + 4), 1 << 1);
        assert!(!r.irq());
        r.input(33, true);
        assert!(r.irq());
        assert!(!r.fiq());
        assert!(r.pending(33));
        assert_eq!(r.cr(GICC_HPPIR), 33);
        assert_eq!(r.cr(GICC_IAR), 33);
        assert!(!r.irq(), "active: no longer signalled");
        assert!(r.active(33));
        assert!(r.pending(33), "input still high: active and pending");
        assert_eq!(r.cr(GICC_RPR), 0xa0);
        assert_eq!(r.cr(GICC_APR0 + 8), 1 << 16, "level 0xa0 >> 1 = 80");
        assert_eq!(r.cr(GICC_IAR), 1023, "nothing else to acknowledge");
        // The handler quietens the device, then EOIs.
        r.input(33, false);
        assert!(!r.pending(33));
        r.cw(GICC_EOIR, 33);
        assert!(!r.active(33));
        assert_eq!(r.cr(GICC_RPR), 0xff);
        assert_eq!(r.cr(GICC_APR0 + 8), 0);
        assert!(!r.irq());
    }

    #[test]
    fn level_input_still_high_after_eoi_fires_again() {
        let mut r = rig();
        r.enable_all();
        r.enable_irq(40, 0x80);
        r.input(40, true);
        assert_eq!(r.cr(GICC_IAR), 40);
        assert!(!r.irq());
        r.cw(GICC_EOIR, 40);
        assert!(r.irq(), "level still high: pending again");
        assert_eq!(r.cr(GICC_IAR), 40);
        r.input(40, false);
        r.cw(GICC_EOIR, 40);
        assert!(!r.irq());
        assert!(!r.pending(40));
    }

    #[test]
    fn level_input_without_acknowledge_is_not_latched() {
        let mut r = rig();
        r.enable_all();
        r.enable_irq(41, 0x80);
        r.input(41, true);
        assert!(r.irq());
        r.input(41, false);
        assert!(!r.irq());
        assert!(!r.pending(41));
        assert_eq!(r.cr(GICC_IAR), 1023);
    }

    #[test]
    fn edge_input_latches_until_acknowledged() {
        let mut r = rig();
        r.enable_all();
        r.set_edge(50);
        assert_eq!(r.dr(GICD_ICFGR + 12), 2 << 4);
        r.enable_irq(50, 0x80);
        r.input(50, true);
        r.input(50, false);
        assert!(r.pending(50), "the rising edge latched it");
        assert!(r.irq());
        assert_eq!(r.cr(GICC_IAR), 50);
        assert!(!r.pending(50));
        assert!(!r.irq());
        // A second edge while active: active and pending.
        r.input(50, true);
        assert!(r.pending(50) && r.active(50));
        assert!(!r.irq(), "not signalled while active");
        // Holding the line high is not a new edge.
        r.gic.update();
        r.cw(GICC_EOIR, 50);
        assert!(r.irq());
        assert_eq!(r.cr(GICC_IAR), 50);
        r.cw(GICC_EOIR, 50);
        assert!(!r.irq());
        assert!(!r.pending(50), "line still high, but edge-triggered");
    }

    #[test]
    fn edge_latches_while_disabled() {
        let mut r = rig();
        r.enable_all();
        r.set_edge(60);
        r.input(60, true);
        assert!(r.pending(60));
        assert!(!r.irq(), "disabled: not forwarded");
        r.enable_irq(60, 0x10);
        assert!(r.irq());
        r.dw(GICD_ICENABLER + 4, 1 << 28);
        assert!(!r.irq());
        assert!(r.pending(60));
    }

    #[test]
    fn software_pend_and_clear() {
        let mut r = rig();
        r.enable_all();
        r.enable_irq(70, 0x40);
        // Level-sensitive, input low: ISPENDR latches, ICPENDR clears.
        r.dw(GICD_ISPENDR + 8, 1 << 6);
        assert!(r.pending(70));
        assert!(r.irq());
        r.dw(GICD_ICPENDR + 8, 1 << 6);
        assert!(!r.pending(70));
        assert!(!r.irq());
        // Input high: ICPENDR cannot clear what the line holds.
        r.input(70, true);
        r.dw(GICD_ICPENDR + 8, 1 << 6);
        assert!(r.pending(70));
        r.input(70, false);
        assert!(!r.pending(70));
        // A software-pended level interrupt is consumed by acknowledge.
        r.dw(GICD_ISPENDR + 8, 1 << 6);
        assert_eq!(r.cr(GICC_IAR), 70);
        assert!(!r.pending(70));
        r.cw(GICC_EOIR, 70);
        assert!(!r.irq());
        // Edge-triggered: ISPENDR/ICPENDR on the latch.
        r.set_edge(71);
        r.enable_irq(71, 0x40);
        r.dw(GICD_ISPENDR + 8, 1 << 7);
        assert!(r.irq());
        r.dw(GICD_ICPENDR + 8, 1 << 7);
        assert!(!r.irq());
        // SGI bits of ISPENDR0/ICPENDR0 are read-only.
        r.dw(GICD_ISPENDR, 0xffff);
        assert_eq!(r.dr(GICD_ISPENDR), 0);
    }

    #[test]
    fn ppi_input() {
        let mut r = rig();
        r.enable_all();
        // The virtual timer PPI (ID 27), level-sensitive.
        r.enable_irq(27, 0xa0);
        r.input(27, true);
        assert!(r.irq());
        assert_eq!(r.dr(GICD_ISPENDR), 1 << 27);
        assert_eq!(r.cr(GICC_IAR), 27);
        r.input(27, false);
        r.cw(GICC_EOIR, 27);
        assert!(!r.irq());
        // PPI entries of ITARGETSR are RAZ/WI too.
        r.gic.dist_write(GICD_ITARGETSR + 27, 1, 1);
        assert_eq!(r.gic.dist_read(GICD_ITARGETSR + 27, 1), 0);
    }

    #[test]
    fn priority_order_and_ties() {
        let mut r = rig();
        r.enable_all();
        r.enable_irq(40, 0x80);
        r.enable_irq(41, 0x40);
        r.enable_irq(42, 0x40);
        r.dw(GICD_ISPENDR + 4, (1 << 8) | (1 << 9) | (1 << 10));
        assert_eq!(r.cr(GICC_HPPIR), 41, "highest priority, lowest ID");
        assert_eq!(r.cr(GICC_IAR), 41);
        // 42 has the same group priority as the running 41: no preemption.
        assert!(!r.irq());
        assert_eq!(r.cr(GICC_IAR), 1023);
        assert_eq!(r.cr(GICC_HPPIR), 42, "HPPIR ignores the running priority");
        r.cw(GICC_EOIR, 41);
        assert!(r.irq());
        assert_eq!(r.cr(GICC_IAR), 42);
        r.cw(GICC_EOIR, 42);
        assert_eq!(r.cr(GICC_IAR), 40);
        r.cw(GICC_EOIR, 40);
        assert_eq!(r.cr(GICC_IAR), 1023);
        assert!(!r.irq());
    }

    #[test]
    fn preemption_and_nesting() {
        let mut r = rig();
        r.enable_all();
        r.enable_irq(40, 0x80);
        r.enable_irq(41, 0x40);
        r.enable_irq(42, 0xc0);
        r.input(40, true);
        assert_eq!(r.cr(GICC_IAR), 40);
        assert_eq!(r.cr(GICC_RPR), 0x80);
        // A lower priority interrupt does not preempt.
        r.input(42, true);
        assert!(!r.irq());
        // A higher priority one does.
        r.input(41, true);
        assert!(r.irq());
        assert_eq!(r.cr(GICC_IAR), 41);
        assert_eq!(r.cr(GICC_RPR), 0x40);
        // Levels 32 (0x40, APR1 bit 0) and 64 (0x80, APR2 bit 0).
        assert_eq!(r.cr(GICC_APR0 + 4), 1);
        assert_eq!(r.cr(GICC_APR0 + 8), 1);
        assert!(!r.irq());
        r.input(41, false);
        r.cw(GICC_EOIR, 41);
        assert_eq!(r.cr(GICC_RPR), 0x80, "back to the preempted interrupt");
        assert!(!r.irq(), "0xc0 still cannot preempt 0x80");
        r.input(40, false);
        r.cw(GICC_EOIR, 40);
        assert_eq!(r.cr(GICC_RPR), 0xff);
        assert!(r.irq());
        assert_eq!(r.cr(GICC_IAR), 42);
        r.input(42, false);
        r.cw(GICC_EOIR, 42);
        assert!(!r.irq());
    }

    #[test]
    fn active_priority_register_layout() {
        let mut r = rig();
        r.enable_all();
        r.enable_irq(40, 0x80);
        r.enable_irq(41, 0x40);
        r.input(40, true);
        r.cr(GICC_IAR);
        r.input(41, true);
        r.cr(GICC_IAR);
        // Priority 0x40 is preemption level 32 (APR1 bit 0), 0x80 level 64
        // (APR2 bit 0).
        assert_eq!(r.cr(GICC_APR0), 0);
        assert_eq!(r.cr(GICC_APR0 + 4), 1);
        assert_eq!(r.cr(GICC_APR0 + 8), 1);
        assert_eq!(r.cr(GICC_NSAPR0 + 4), 0);
        // Writing the APRs moves the running priority.
        r.cw(GICC_APR0 + 4, 0);
        assert_eq!(r.cr(GICC_RPR), 0x80);
        r.cw(GICC_APR0, 1 << 3);
        assert_eq!(r.cr(GICC_RPR), 0x06);
    }

    #[test]
    fn binary_point_limits_preemption() {
        let mut r = rig();
        r.enable_all();
        r.enable_irq(40, 0x48);
        r.enable_irq(41, 0x40);
        r.cw(GICC_BPR, 3); // group priority bits [7:4]
        assert_eq!(r.cr(GICC_BPR), 3);
        r.input(40, true);
        assert_eq!(r.cr(GICC_IAR), 40);
        assert_eq!(
            r.cr(GICC_RPR),
            0x40,
            "running priority is the group priority"
        );
        r.input(41, true);
        assert!(!r.irq(), "same group priority 0x40: no preemption");
        assert_eq!(r.cr(GICC_IAR), 1023);
        // BPR 0, group priority bits [7:1]: 0x40 < 0x48. The running
        // priority was fixed at acknowledge time.
        r.cw(GICC_BPR, 0);
        assert_eq!(r.cr(GICC_RPR), 0x40);
        assert!(!r.irq());
        r.cw(GICC_EOIR, 40);
        r.input(40, false);
        assert_eq!(r.cr(GICC_IAR), 41);
        r.input(40, true);
        assert!(!r.irq());
        r.cw(GICC_EOIR, 41);
        r.input(41, false);
        assert_eq!(r.cr(GICC_IAR), 40);
        assert_eq!(r.cr(GICC_RPR), 0x48);
        r.input(41, true);
        assert!(r.irq(), "BPR 0: 0x40 preempts 0x48");
        assert_eq!(r.cr(GICC_IAR), 41);
    }

    #[test]
    fn priority_mask() {
        let mut r = rig();
        r.enable_all();
        r.enable_irq(40, 0x80);
        r.cw(GICC_PMR, 0x80);
        r.input(40, true);
        assert!(!r.irq(), "priority must be below the mask");
        assert_eq!(r.cr(GICC_IAR), 1023);
        assert_eq!(r.cr(GICC_HPPIR), 1023);
        assert!(!r.active(40));
        r.cw(GICC_PMR, 0x81);
        assert!(r.irq());
        assert_eq!(r.cr(GICC_HPPIR), 40);
        r.cw(GICC_PMR, 0x1ff);
        assert_eq!(r.cr(GICC_PMR), 0xff);
    }

    #[test]
    fn spurious_and_bad_eoi() {
        let mut r = rig();
        r.enable_all();
        assert_eq!(r.cr(GICC_IAR), 1023);
        assert_eq!(r.cr(GICC_HPPIR), 1023);
        r.enable_irq(40, 0x80);
        r.input(40, true);
        assert_eq!(r.cr(GICC_IAR), 40);
        // EOI of the spurious ID and of unimplemented IDs is ignored.
        r.cw(GICC_EOIR, 1023);
        r.cw(GICC_EOIR, 300);
        assert!(r.active(40));
        assert_eq!(r.cr(GICC_RPR), 0x80);
        r.cw(GICC_EOIR, 40);
        assert!(!r.active(40));
        // EOI with nothing active is ignored.
        r.dw(GICD_ISACTIVER + 4, 1 << 9);
        r.cw(GICC_EOIR, 41);
        assert!(r.active(41));
        r.dw(GICD_ICACTIVER + 4, 1 << 9);
        assert!(!r.active(41));
    }

    #[test]
    fn disabled_interfaces_signal_nothing() {
        let mut r = rig();
        r.enable_all();
        r.enable_irq(40, 0x80);
        r.input(40, true);
        assert!(r.irq());
        r.dw(GICD_CTLR, 0);
        assert!(!r.irq());
        assert_eq!(r.cr(GICC_IAR), 1023);
        r.dw(GICD_CTLR, 1);
        assert!(r.irq());
        r.cw(GICC_CTLR, 0);
        assert!(!r.irq());
        assert_eq!(r.cr(GICC_IAR), 1023);
        assert!(r.pending(40), "still pending in the distributor");
    }

    /// ITARGETSR is RAZ/WI on a uniprocessor GIC, and SPIs reach the CPU
    /// whatever was written there.
    #[test]
    fn spi_targets_are_raz_wi() {
        let mut r = rig();
        r.enable_all();
        r.enable_irq(40, 0x80);
        r.gic.dist_write(GICD_ITARGETSR + 40, 1, 0xfe);
        assert_eq!(r.gic.dist_read(GICD_ITARGETSR + 40, 1), 0);
        assert_eq!(r.dr(GICD_ITARGETSR + 40), 0);
        r.input(40, true);
        assert!(r.pending(40));
        assert!(r.irq(), "delivered to the only CPU");
        assert_eq!(r.cr(GICC_IAR), 40);
        // SGI entries.
        assert_eq!(r.gic.dist_read(GICD_ITARGETSR + 3, 1), 0);
        assert_eq!(r.gic.dist_read(GICD_ITARGETSR + 2, 2), 0);
    }

    #[test]
    fn sgi_target_filters() {
        let mut r = rig();
        r.enable_all();
        r.gic.dist_write(GICD_IPRIORITYR + 5, 1, 0x80);
        // Filter 2: this CPU only (what Linux uses with one CPU).
        r.dw(GICD_SGIR, (2 << 24) | 5);
        assert!(r.irq());
        assert_eq!(r.dr(GICD_ISPENDR), 1 << 5);
        assert_eq!(r.dr(GICD_SPENDSGIR + 4), 0x0000_0100, "SGI 5 from CPU 0");
        let iar = r.cr(GICC_IAR);
        assert_eq!(iar & 0x3ff, 5);
        assert_eq!((iar >> 10) & 7, 0, "source CPU 0");
        assert!(!r.irq());
        assert_eq!(r.dr(GICD_SPENDSGIR + 4), 0);
        r.cw(GICC_EOIR, iar);
        assert!(!r.active(5));
        // Filter 0 with this CPU in the target list.
        r.dw(GICD_SGIR, (0x01 << 16) | 7);
        assert!(r.pending(7));
        r.dw(GICD_CPENDSGIR + 4, 0xff << 24);
        assert!(!r.pending(7));
        // Filter 0 naming other CPUs only, filter 1 (others) and the
        // reserved filter 3 reach nothing.
        r.dw(GICD_SGIR, (0xfe << 16) | 7);
        r.dw(GICD_SGIR, (1 << 24) | (0xff << 16) | 7);
        r.dw(GICD_SGIR, (3 << 24) | (0xff << 16) | 7);
        assert!(!r.pending(7));
        assert!(!r.irq());
        // Partial writes to SGIR do nothing.
        r.gic.dist_write(GICD_SGIR, 2, 7);
        r.gic.dist_write(GICD_SGIR + 2, 2, 0x0201);
        assert!(!r.pending(7));
        // SGIs cannot be disabled.
        r.dw(GICD_ICENABLER, u32::MAX);
        assert_eq!(r.dr(GICD_ISENABLER) & 0xffff, 0xffff);
    }

    #[test]
    fn sgi_set_and_clear_pending_registers() {
        let mut r = rig();
        r.enable_all();
        r.gic.dist_write(GICD_IPRIORITYR + 9, 1, 0x20);
        // Byte access to SGI 9's set-pending byte; sources 1-7 do not exist.
        r.gic.dist_write(GICD_SPENDSGIR + 9, 1, 0xff);
        assert_eq!(r.gic.dist_read(GICD_SPENDSGIR + 9, 1), 0x01);
        assert_eq!(r.gic.dist_read(GICD_CPENDSGIR + 9, 1), 0x01);
        assert_eq!(r.dr(GICD_SPENDSGIR + 8), 0x0000_0100);
        assert!(r.pending(9));
        assert!(r.irq());
        assert_eq!(r.cr(GICC_HPPIR), 9);
        r.gic.dist_write(GICD_CPENDSGIR + 9, 1, 0x01);
        assert!(!r.pending(9));
        assert!(!r.irq());
        // Active and pending: an SGI sent again while active.
        r.dw(GICD_SGIR, (2 << 24) | 9);
        assert_eq!(r.cr(GICC_IAR), 9);
        r.dw(GICD_SGIR, (2 << 24) | 9);
        assert!(r.pending(9) && r.active(9));
        assert!(!r.irq());
        r.cw(GICC_EOIR, 9);
        assert!(r.irq());
        assert_eq!(r.cr(GICC_IAR), 9);
        r.cw(GICC_EOIR, 9);
        assert!(!r.irq());
    }

    #[test]
    fn group0_as_fiq() {
        let mut r = rig();
        r.enable_all();
        r.enable_irq(40, 0x80);
        r.input(40, true);
        assert!(r.irq() && !r.fiq());
        r.cw(GICC_CTLR, 1 | GICC_CTLR_FIQEN);
        assert!(!r.irq() && r.fiq());
        assert_eq!(r.cr(GICC_IAR), 40);
        assert!(!r.fiq());
        r.input(40, false);
        r.cw(GICC_EOIR, 40);
        assert!(!r.irq() && !r.fiq());
    }

    #[test]
    fn group1_and_the_aliased_registers() {
        let mut r = rig();
        r.dw(GICD_CTLR, 3);
        r.cw(GICC_PMR, 0xff);
        r.cw(GICC_CTLR, 3 | GICC_CTLR_FIQEN);
        r.dw(GICD_IGROUPR + 4, 1 << 8); // ID 40 is group 1
        assert_eq!(r.dr(GICD_IGROUPR + 4), 1 << 8);
        r.enable_irq(40, 0x80);
        r.enable_irq(41, 0x90);
        r.input(40, true);
        assert!(r.irq() && !r.fiq(), "group 1 is always IRQ");
        // AckCtl clear: the main view cannot acknowledge group 1.
        assert_eq!(r.cr(GICC_HPPIR), 1022);
        assert_eq!(r.cr(GICC_IAR), 1022);
        assert!(!r.active(40));
        assert_eq!(r.cr(GICC_AHPPIR), 40);
        assert_eq!(r.cr(GICC_AIAR), 40);
        assert!(r.active(40));
        assert_eq!(r.cr(GICC_NSAPR0 + 8), 1, "group 1 active priority");
        assert_eq!(r.cr(GICC_APR0 + 8), 0);
        assert_eq!(r.cr(GICC_RPR), 0x80);
        // A group 0 EOI through the alias is ignored; AEOIR completes 40.
        r.input(40, false);
        r.cw(GICC_AEOIR, 41);
        assert_eq!(r.cr(GICC_RPR), 0x80);
        r.cw(GICC_AEOIR, 40);
        assert!(!r.active(40));
        assert_eq!(r.cr(GICC_RPR), 0xff);
        // A group 0 interrupt is invisible to the alias.
        r.input(41, true);
        assert!(r.fiq());
        assert_eq!(r.cr(GICC_AHPPIR), 1023);
        assert_eq!(r.cr(GICC_AIAR), 1023);
        assert_eq!(r.cr(GICC_IAR), 41);
        r.input(41, false);
        r.cw(GICC_EOIR, 41);
        // AckCtl set: IAR acknowledges group 1 too.
        r.cw(GICC_CTLR, 3 | GICC_CTLR_ACKCTL);
        r.input(40, true);
        assert_eq!(r.cr(GICC_IAR), 40);
        r.cw(GICC_EOIR, 40);
        assert!(!r.active(40));
    }

    #[test]
    fn group_enables_are_independent() {
        let mut r = rig();
        r.cw(GICC_PMR, 0xff);
        r.dw(GICD_IGROUPR + 4, 1 << 9); // 41 group 1, 40 group 0
        r.enable_irq(40, 0x10);
        r.enable_irq(41, 0x80);
        r.input(40, true);
        r.input(41, true);
        r.dw(GICD_CTLR, 2); // distributor forwards group 1 only
        r.cw(GICC_CTLR, 3 | GICC_CTLR_ACKCTL);
        assert!(r.irq());
        assert_eq!(
            r.cr(GICC_HPPIR),
            41,
            "disabled group 0 does not hide group 1"
        );
        r.dw(GICD_CTLR, 3);
        assert_eq!(r.cr(GICC_HPPIR), 40);
        r.cw(GICC_CTLR, 2 | GICC_CTLR_ACKCTL); // CPU interface: group 1 only
        assert_eq!(r.cr(GICC_HPPIR), 41);
        assert_eq!(r.dr(GICD_CTLR), 3);
        r.dw(GICD_CTLR, 0xffff_fffc);
        assert_eq!(r.dr(GICD_CTLR), 0);
    }

    #[test]
    fn group1_binary_point() {
        let mut r = rig();
        r.dw(GICD_CTLR, 3);
        r.cw(GICC_PMR, 0xff);
        r.cw(GICC_CTLR, 3 | GICC_CTLR_ACKCTL);
        r.dw(GICD_IGROUPR + 4, 3 << 8); // 40 and 41 group 1
        r.enable_irq(40, 0x46);
        r.enable_irq(41, 0x44);
        r.cw(GICC_ABPR, 0);
        assert_eq!(r.cr(GICC_ABPR), 1, "minimum");
        r.cw(GICC_ABPR, 3); // group 1 priority bits [7:3]
        r.input(40, true);
        assert_eq!(r.cr(GICC_IAR), 40);
        assert_eq!(r.cr(GICC_RPR), 0x40);
        r.input(41, true);
        assert!(!r.irq(), "0x44 and 0x46 share group priority 0x40");
        // CBPR: GICC_BPR (0, bits [7:1]) governs group 1 for new
        // acknowledges too.
        r.cw(GICC_CTLR, 3 | GICC_CTLR_ACKCTL | GICC_CTLR_CBPR);
        r.cw(GICC_EOIR, 40);
        r.input(40, false);
        r.input(40, true);
        r.input(41, false);
        assert_eq!(r.cr(GICC_IAR), 40);
        assert_eq!(r.cr(GICC_RPR), 0x46);
        r.input(41, true);
        assert!(r.irq(), "0x44 preempts 0x46 with BPR 0");
    }

    #[test]
    fn eoimode_splits_priority_drop_and_deactivate() {
        let mut r = rig();
        r.enable_all();
        r.cw(GICC_CTLR, 1 | GICC_CTLR_EOIMODE);
        assert_eq!(r.cr(GICC_CTLR), 1 | GICC_CTLR_EOIMODE);
        r.enable_irq(40, 0x80);
        r.enable_irq(41, 0xc0);
        r.input(40, true);
        assert_eq!(r.cr(GICC_IAR), 40);
        r.cw(GICC_EOIR, 40);
        assert_eq!(r.cr(GICC_RPR), 0xff, "priority dropped");
        assert!(r.active(40), "but still active");
        assert!(!r.irq(), "active: the still-high line is not signalled");
        // A lower priority interrupt can now be taken.
        r.input(41, true);
        assert!(r.irq());
        assert_eq!(r.cr(GICC_IAR), 41);
        r.input(41, false);
        r.cw(GICC_EOIR, 41);
        r.cw(GICC_DIR, 41);
        r.cw(GICC_DIR, 40);
        assert!(!r.active(40));
        assert!(r.irq(), "deactivated with the line high: pending again");
        // DIR of a spurious ID is ignored.
        assert_eq!(r.cr(GICC_IAR), 40);
        r.cw(GICC_EOIR, 40);
        r.cw(GICC_DIR, 1023);
        assert!(r.active(40));
        // Without EOImode, DIR does nothing and EOIR deactivates.
        r.cw(GICC_CTLR, 1);
        r.cw(GICC_DIR, 40);
        assert!(r.active(40));
        r.dw(GICD_ICACTIVER + 4, 1 << 8);
        assert!(r.irq());
        assert_eq!(r.cr(GICC_IAR), 40);
        r.cw(GICC_EOIR, 40);
        assert!(!r.active(40));
    }

    #[test]
    fn set_and_clear_active() {
        let mut r = rig();
        r.enable_all();
        r.enable_irq(40, 0x80);
        r.dw(GICD_ISACTIVER + 4, 1 << 8);
        assert_eq!(r.dr(GICD_ICACTIVER + 4), 1 << 8);
        r.input(40, true);
        assert!(!r.irq(), "active interrupts are not signalled");
        r.dw(GICD_ICACTIVER + 4, 1 << 8);
        assert!(r.irq());
        // Active state alone does not change the running priority.
        assert_eq!(r.cr(GICC_RPR), 0xff);
    }

    #[test]
    fn priority_register_widths() {
        let mut r = rig();
        r.dw(GICD_IPRIORITYR + 32, 0x4433_2211);
        assert_eq!(r.gic.dist_read(GICD_IPRIORITYR + 33, 1), 0x22);
        assert_eq!(r.gic.dist_read(GICD_IPRIORITYR + 34, 2), 0x4433);
        r.gic.dist_write(GICD_IPRIORITYR + 35, 1, 0xff);
        r.gic.dist_write(GICD_IPRIORITYR + 32, 2, 0xbbaa);
        assert_eq!(r.dr(GICD_IPRIORITYR + 32), 0xff33_bbaa);
        // Misaligned accesses are not made by the bus; they do nothing.
        r.gic.dist_write(GICD_IPRIORITYR + 33, 2, 0);
        assert_eq!(r.gic.dist_read(GICD_IPRIORITYR + 33, 2), 0);
        assert_eq!(r.dr(GICD_IPRIORITYR + 32), 0xff33_bbaa);
        // 8 implemented priority bits; SGIs and PPIs have priorities too.
        r.gic.dist_write(GICD_IPRIORITYR + 3, 1, 0x5a);
        assert_eq!(r.dr(GICD_IPRIORITYR), 0x5a00_0000);
    }

    #[test]
    fn config_registers() {
        let mut r = rig();
        r.dw(GICD_ICFGR, 0);
        assert_eq!(r.dr(GICD_ICFGR), 0xaaaa_aaaa, "SGIs stay edge");
        r.dw(GICD_ICFGR + 4, 0xffff_ffff);
        assert_eq!(r.dr(GICD_ICFGR + 4), 0xaaaa_aaaa, "bit 0 reserved");
        r.gic.dist_write(GICD_ICFGR + 4, 1, 0);
        assert_eq!(r.dr(GICD_ICFGR + 4), 0xaaaa_aa00);
        r.dw(GICD_ICFGR + 8, 0x0000_0008);
        assert_eq!(r.dr(GICD_ICFGR + 8), 8, "ID 33 edge");
    }

    #[test]
    fn bitmap_registers_and_group() {
        let mut r = rig();
        r.dw(GICD_ISENABLER + 4, 0x8000_0001);
        r.dw(GICD_ISENABLER + 4, 0x10);
        assert_eq!(r.dr(GICD_ISENABLER + 4), 0x8000_0011);
        r.dw(GICD_ICENABLER + 4, 0x8000_0000);
        assert_eq!(r.dr(GICD_ICENABLER + 4), 0x11);
        // Byte access to a bitmap register changes only its byte.
        r.gic.dist_write(GICD_ICENABLER + 4, 1, 0xff);
        assert_eq!(r.dr(GICD_ISENABLER + 4), 0);
        r.dw(GICD_IGROUPR, 0xffff_ffff);
        assert_eq!(r.dr(GICD_IGROUPR), 0xffff_ffff, "SGIs and PPIs too");
        // Interrupts past the implemented ones are RAZ/WI.
        r.dw(GICD_ISENABLER + 32, u32::MAX);
        assert_eq!(r.dr(GICD_ISENABLER + 32), 0);
        r.dw(GICD_IPRIORITYR + 300, u32::MAX);
        assert_eq!(r.dr(GICD_IPRIORITYR + 300), 0);
    }

    #[test]
    fn fewer_interrupts() {
        let mut r = rig_with(64);
        r.enable_all();
        r.dw(GICD_ISENABLER + 8, u32::MAX);
        assert_eq!(r.dr(GICD_ISENABLER + 8), 0);
        // Inputs above the implemented range are ignored.
        r.input(100, true);
        assert!(!r.irq());
        r.enable_irq(63, 0x10);
        r.input(63, true);
        assert!(r.irq());
        assert_eq!(r.cr(GICC_IAR), 63);
    }

    #[test]
    fn cpu_interface_access_widths() {
        let mut r = rig();
        r.enable_all();
        r.enable_irq(40, 0x80);
        r.input(40, true);
        // Byte reads of IAR acknowledge nothing.
        assert_eq!(r.gic.cpu_read(GICC_IAR, 1), 0);
        assert_eq!(r.gic.cpu_read(GICC_IAR, 2), 0);
        assert!(!r.active(40));
        r.gic.cpu_write(GICC_PMR, 1, 0);
        assert_eq!(r.cr(GICC_PMR), 0xff);
        assert_eq!(r.cr(GICC_EOIR), 0, "write-only");
        assert_eq!(r.cr(GICC_DIR), 0);
        r.cw(GICC_CTLR, u32::MAX);
        assert_eq!(r.cr(GICC_CTLR), 0x3ff);
        r.cw(GICC_BPR, 0xff);
        assert_eq!(r.cr(GICC_BPR), 7);
    }

    #[test]
    fn mmio_wrappers_share_one_gic() {
        let r = rig();
        let lines = r.lines.clone();
        let levels = r.levels.clone();
        let gic = Arc::new(Mutex::new(r.gic));
        let mut dist = GicDistributor(gic.clone());
        let mut cpu = GicCpuInterface(gic.clone());
        dist.write(GICD_CTLR, 4, 1);
        cpu.write(GICC_PMR, 4, 0xff);
        cpu.write(GICC_CTLR, 4, 1);
        dist.write(GICD_ISENABLER + 4, 4, 1);
        levels.set(32, true);
        assert!(levels.take_changed());
        lock(&gic).update();
        assert!(lines.irq());
        assert_eq!(cpu.read(GICC_IAR, 4), 32);
        assert_eq!(dist.read(GICD_ISACTIVER + 4, 4), 1);
        levels.set(32, false);
        cpu.write(GICC_EOIR, 4, 32);
        assert!(!lines.irq());
        assert_eq!(dist.read(GICD_ISACTIVER + 4, 4), 0);
    }

    #[test]
    fn no_panic_on_any_access() {
        let mut r = rig();
        r.enable_all();
        let values = [0, 1, 0xff, 0x8000_0000, 0x0300_ffff, u32::MAX];
        for size in [0u8, 1, 2, 3, 4, 8, 255] {
            for offset in (0..0x1_1000)
                .step_by(1)
                .filter(|o| o % 64 < 8 || *o >= 0xf00)
            {
                for &v in &values {
                    r.gic.dist_write(offset, size, v);
                    r.gic.dist_read(offset, size);
                    r.gic.cpu_write(offset, size, v);
                    r.gic.cpu_read(offset, size);
                }
            }
            for offset in [u32::MAX, u32::MAX - 3, 0x8000_0000, 0xffff_0000] {
                r.gic.dist_write(offset, size, 1);
                r.gic.dist_read(offset, size);
                r.gic.cpu_write(offset, size, 1);
                r.gic.cpu_read(offset, size);
            }
        }
        for n in [0, 1, 31, 33, 1019, 1020, 1024, 5000, u32::MAX] {
            let mut g = rig_with(n);
            g.dw(GICD_ISENABLER + 0x7c, u32::MAX);
            g.dw(GICD_ISPENDR + 0x7c, u32::MAX);
            g.dw(GICD_IPRIORITYR + 0x3fc, u32::MAX);
            g.dw(GICD_ITARGETSR + 0x3fc, u32::MAX);
            g.dw(GICD_ICFGR + 0xfc, u32::MAX);
            g.enable_all();
            g.cr(GICC_IAR);
            g.cw(GICC_EOIR, u32::MAX);
        }
        assert_eq!(rig_with(u32::MAX).dr(GICD_TYPER), 31);
    }
}
