//! CP15, the system control coprocessor of a Cortex-A15 (without the
//! Security and Virtualization Extensions), and the generic timer's
//! registers.
//!
//! [`Cp15`] holds the register file. [`read`] and [`write`] implement
//! MRC/MCR (and [`read64`]/[`write64`] MRRC/MCRR) for one access: they
//! return the value or the [`Effect`] the write has on the rest of the
//! system (translation, timers, block keys), which the instruction's
//! semantics then apply, or [`Undefined`] for encodings this CPU does not
//! have or the current privilege may not use.
//!
//! The ID registers describe what rsemu emulates: a Cortex-A15 r4p0 with
//! VFPv4-D32, Advanced SIMD, LPAE and the generic timer, one L1 cache level
//! (so cache maintenance by set/way loops stay short), no debug or
//! performance-monitor registers, no Security or Virtualization Extensions.

use std::time::Instant;

use crate::arm::cpu::{CpuState, FPEXC_EN};

/// SCTLR.M: MMU enable.
pub const SCTLR_M: u32 = 1 << 0;
/// SCTLR.A: alignment checking.
pub const SCTLR_A: u32 = 1 << 1;
/// SCTLR.V: high exception vectors.
pub const SCTLR_V: u32 = 1 << 13;
/// SCTLR.TE: exceptions are taken in Thumb state.
pub const SCTLR_TE: u32 = 1 << 30;
/// SCTLR.EE: exception endianness (big-endian is not supported).
pub const SCTLR_EE: u32 = 1 << 25;
/// SCTLR bits software may change (the rest are fixed for this CPU: RES1,
/// RES0, or features it lacks such as big-endian exceptions).
const SCTLR_WRITABLE: u32 = 0x7000_0000 // TE, AFE, TRE
    | 1 << 28 // TRE
    | 1 << 20 // UWXN
    | 1 << 19 // WXN
    | 1 << 13 // V
    | 1 << 12 // I
    | 1 << 11 // Z
    | 1 << 10 // SW
    | 1 << 5 // CP15BEN
    | 1 << 2 // C
    | SCTLR_A
    | SCTLR_M;
/// SCTLR at reset (Cortex-A15 TRM 4.3.27: RES1 bits 23, 22, 18, 16, 6, 4, 3).
const SCTLR_RESET: u32 = 0x00c5_0078;

/// The generic timer's counter frequency: 62.5 MHz, as QEMU's Cortex-A15.
pub const COUNTER_HZ: u64 = 62_500_000;
/// Nanoseconds per counter tick.
const NS_PER_TICK: u64 = 1_000_000_000 / COUNTER_HZ;

/// CNT*_CTL.ENABLE.
pub const CNT_CTL_ENABLE: u32 = 1;
/// CNT*_CTL.IMASK.
pub const CNT_CTL_IMASK: u32 = 2;
/// CNT*_CTL.ISTATUS (read-only).
pub const CNT_CTL_ISTATUS: u32 = 4;

/// MIDR: ARM Cortex-A15 r4p0 (as QEMU's).
const MIDR: u32 = 0x414f_c0f0;
/// CTR: 64-byte lines, VIPT instruction cache, 16-word ERG/CWG.
const CTR: u32 = 0x8444_c004;
/// MPIDR: multiprocessing extensions, cluster 0, CPU 0.
const MPIDR: u32 = 0x8000_0000;
/// ID_PFR0: ARM, Thumb-2 and trivial Jazelle; no ThumbEE (its
/// instructions and registers are not emulated, and Linux would save its
/// handler register on every context switch).
const ID_PFR0: u32 = 0x0000_0131;
/// ID_PFR1: programmers' model and the generic timer; no Security or
/// Virtualization Extensions.
const ID_PFR1: u32 = 0x0001_0001;
/// ID_DFR0: no debug or performance-monitor architecture implemented.
const ID_DFR0: u32 = 0;
/// ID_MMFR0..3 as the Cortex-A15 (VMSAv7 with LPAE, TEX remap, ...).
const ID_MMFR: [u32; 4] = [0x1020_1105, 0x2000_0000, 0x0124_0000, 0x0210_2211];
/// ID_ISAR0..5 as the Cortex-A15 (divide, LDREXD, barriers, ...).
const ID_ISAR: [u32; 6] = [
    0x0210_1110,
    0x1311_2111,
    0x2123_2041,
    0x1111_2131,
    0x1001_1142,
    0,
];
/// CLIDR: separate L1 instruction and data caches; level of coherency and
/// unification 1.
const CLIDR: u32 = 0x0920_0003;
/// CCSIDR of the L1 data cache: 32 KiB, 2-way, 64-byte lines.
const CCSIDR_L1D: u32 = 0x701f_e00a;
/// CCSIDR of the L1 instruction cache: 32 KiB, 2-way, 64-byte lines.
const CCSIDR_L1I: u32 = 0x201f_e00a;

/// The CP15 registers (and the generic timer's) as state.
#[derive(Clone, Debug)]
pub struct Cp15 {
    /// SCTLR.
    pub sctlr: u32,
    /// ACTLR (the SMP bit is kept; nothing else is modelled).
    pub actlr: u32,
    /// CPACR.
    pub cpacr: u32,
    /// TTBR0 (64-bit: the long-descriptor format uses the top half).
    pub ttbr0: u64,
    /// TTBR1.
    pub ttbr1: u64,
    /// TTBCR.
    pub ttbcr: u32,
    /// DACR.
    pub dacr: u32,
    /// DFSR.
    pub dfsr: u32,
    /// IFSR.
    pub ifsr: u32,
    /// ADFSR.
    pub adfsr: u32,
    /// AIFSR.
    pub aifsr: u32,
    /// DFAR.
    pub dfar: u32,
    /// IFAR.
    pub ifar: u32,
    /// PAR (64-bit in the long-descriptor format).
    pub par: u64,
    /// PRRR, or MAIR0 with long descriptors.
    pub prrr: u32,
    /// NMRR, or MAIR1.
    pub nmrr: u32,
    /// AMAIR0.
    pub amair0: u32,
    /// AMAIR1.
    pub amair1: u32,
    /// VBAR.
    pub vbar: u32,
    /// CONTEXTIDR.
    pub contextidr: u32,
    /// TPIDRPRW.
    pub tpidrprw: u32,
    /// CSSELR.
    pub csselr: u32,
    /// CBAR (the base of the CPU's private peripherals: the GIC on `virt`).
    pub cbar: u32,
    /// CNTFRQ.
    pub cntfrq: u32,
    /// CNTKCTL.
    pub cntkctl: u32,
    /// CNTP_CTL (ENABLE and IMASK; ISTATUS is computed).
    pub cntp_ctl: u32,
    /// CNTP_CVAL.
    pub cntp_cval: u64,
    /// CNTV_CTL.
    pub cntv_ctl: u32,
    /// CNTV_CVAL.
    pub cntv_cval: u64,
    /// CNTVOFF (CNTVCT = CNTPCT - CNTVOFF).
    pub cntvoff: u64,
    /// Host time at which the physical count was 0.
    origin: Instant,
}

impl Cp15 {
    /// The registers user-mode emulation runs with: VFP/NEON access
    /// granted in CPACR, everything else at reset values.
    pub fn user_mode() -> Cp15 {
        Cp15 {
            cpacr: 0x00f0_0000,
            ..Cp15::reset()
        }
    }

    /// The reset values.
    pub fn reset() -> Cp15 {
        Cp15 {
            sctlr: SCTLR_RESET,
            actlr: 0,
            cpacr: 0,
            ttbr0: 0,
            ttbr1: 0,
            ttbcr: 0,
            dacr: 0,
            dfsr: 0,
            ifsr: 0,
            adfsr: 0,
            aifsr: 0,
            dfar: 0,
            ifar: 0,
            par: 0,
            prrr: 0,
            nmrr: 0,
            amair0: 0,
            amair1: 0,
            vbar: 0,
            contextidr: 0,
            tpidrprw: 0,
            csselr: 0,
            cbar: 0,
            cntfrq: COUNTER_HZ as u32,
            cntkctl: 0,
            cntp_ctl: 0,
            cntp_cval: 0,
            cntv_ctl: 0,
            cntv_cval: 0,
            cntvoff: 0,
            origin: Instant::now(),
        }
    }

    /// The physical count (CNTPCT) now: host monotonic time at
    /// [`COUNTER_HZ`].
    pub fn physical_count(&self) -> u64 {
        self.count_at(Instant::now())
    }

    /// The physical count at host time `t`.
    pub fn count_at(&self, t: Instant) -> u64 {
        (t.saturating_duration_since(self.origin).as_nanos() / NS_PER_TICK as u128) as u64
    }

    /// The host time at which the physical count reaches `count`.
    pub fn instant_of(&self, count: u64) -> Instant {
        self.origin + std::time::Duration::from_nanos(count.saturating_mul(NS_PER_TICK))
    }

    /// The timers' state: for the physical and the virtual timer, the
    /// count at which it fires (its compare value on the physical count)
    /// if enabled and not masked, and whether its output is asserted now.
    pub fn timers(&self) -> [Timer; 2] {
        let now = self.physical_count();
        let timer = |ctl: u32, cval_phys: u64| {
            let armed = ctl & CNT_CTL_ENABLE != 0 && ctl & CNT_CTL_IMASK == 0;
            Timer {
                deadline: armed.then_some(cval_phys),
                asserted: armed && now >= cval_phys,
            }
        };
        [
            timer(self.cntp_ctl, self.cntp_cval),
            timer(self.cntv_ctl, self.cntv_cval.wrapping_add(self.cntvoff)),
        ]
    }

    fn ctl_read(ctl: u32, count: u64, cval: u64) -> u32 {
        let status = ctl & CNT_CTL_ENABLE != 0 && count >= cval;
        (ctl & 3) | (status as u32) << 2
    }

    fn tval(count: u64, cval: u64) -> u32 {
        cval.wrapping_sub(count) as u32
    }

    fn cval_from_tval(count: u64, tval: u32) -> u64 {
        count.wrapping_add(tval as i32 as i64 as u64)
    }
}

/// One generic timer as the machine sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timer {
    /// The physical count at which an armed timer's condition becomes
    /// true; `None` if it is disabled or masked.
    pub deadline: Option<u64>,
    /// The output (to the interrupt controller) is asserted now.
    pub asserted: bool,
}

/// What a CP15 write changed beyond the register itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing else.
    None,
    /// State that affects how blocks are translated (the block key):
    /// end the block.
    Key,
    /// The translation regime (SCTLR, TTBRs, TTBCR, CONTEXTIDR): the
    /// memory must be told, and translations made with the old regime are
    /// stale.
    Mmu,
    /// Permissions or attributes of existing translations (DACR, PRRR,
    /// NMRR): the memory must be told (it drops the TLB entries they
    /// change), but virtual addresses still name the same code. Linux's
    /// software PAN writes DACR around every user access, so this must
    /// stay cheap.
    Permissions,
    /// A TLB maintenance operation.
    Tlb(crate::mem::TlbOp),
    /// An address-translation operation (ATS1C**): translate `va` and
    /// write PAR.
    Translate {
        /// The address.
        va: u32,
        /// A write access (ATS1C*W).
        write: bool,
        /// With User-mode permissions (ATS1CU*).
        user: bool,
    },
    /// A generic timer register: the machine recomputes the timers.
    Timer,
}

/// The access is UNDEFINED (no such register, or not at this privilege).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Undefined;

/// A 32-bit CP15 register: (opc1, CRn, CRm, opc2).
type Reg32 = (u8, u8, u8, u8);

/// Whether the PL0 access to the counter-timer register `r` is allowed by
/// CNTKCTL (PL0PCTEN bit 0, PL0VCTEN bit 1, PL0VTEN bit 8, PL0PTEN bit 9).
fn pl0_timer_allowed(cntkctl: u32, r: Reg32) -> bool {
    match r {
        // CNTFRQ: readable if either counter is.
        (0, 14, 0, 0) => cntkctl & 3 != 0,
        (0, 14, 2, _) => cntkctl & (1 << 9) != 0,
        (0, 14, 3, _) => cntkctl & (1 << 8) != 0,
        _ => false,
    }
}

/// MRC p15: the value of a 32-bit register.
pub fn read(cpu: &CpuState, r: Reg32) -> Result<u32, Undefined> {
    let c = &cpu.sys.cp15;
    // What User mode may read.
    match r {
        (0, 13, 0, 2) => return Ok(cpu.tpidrurw),
        (0, 13, 0, 3) => return Ok(cpu.tpidruro),
        _ => {}
    }
    if !(cpu.privileged() || r.1 == 14 && pl0_timer_allowed(c.cntkctl, r)) {
        return Err(Undefined);
    }
    let count = || c.physical_count();
    Ok(match r {
        (0, 0, 0, 0) | (0, 0, 0, 4) | (0, 0, 0, 7) => MIDR,
        (0, 0, 0, 1) => CTR,
        (0, 0, 0, 2) | (0, 0, 0, 3) | (0, 0, 0, 6) => 0, // TCMTR, TLBTR, REVIDR
        (0, 0, 0, 5) => MPIDR,
        (0, 0, 1, 0) => ID_PFR0,
        (0, 0, 1, 1) => ID_PFR1,
        (0, 0, 1, 2) => ID_DFR0,
        (0, 0, 1, 3) => 0, // ID_AFR0
        (0, 0, 1, n @ 4..=7) => ID_MMFR[n as usize - 4],
        (0, 0, 2, n @ 0..=5) => ID_ISAR[n as usize],
        (0, 0, 2, 6..=7) | (0, 0, 3..=7, _) => 0, // reserved ID space: RAZ
        (1, 0, 0, 0) => match c.csselr {
            0 => CCSIDR_L1D,
            1 => CCSIDR_L1I,
            _ => 0,
        },
        (1, 0, 0, 1) => CLIDR,
        (1, 0, 0, 7) => 0, // AIDR
        (2, 0, 0, 0) => c.csselr,
        (0, 1, 0, 0) => c.sctlr,
        (0, 1, 0, 1) => c.actlr,
        (0, 1, 0, 2) => c.cpacr,
        (0, 2, 0, 0) => c.ttbr0 as u32,
        (0, 2, 0, 1) => c.ttbr1 as u32,
        (0, 2, 0, 2) => c.ttbcr,
        (0, 3, 0, 0) => c.dacr,
        (0, 5, 0, 0) => c.dfsr,
        (0, 5, 0, 1) => c.ifsr,
        (0, 5, 1, 0) => c.adfsr,
        (0, 5, 1, 1) => c.aifsr,
        (0, 6, 0, 0) => c.dfar,
        (0, 6, 0, 2) => c.ifar,
        (0, 7, 4, 0) => c.par as u32,
        (0, 10, 2, 0) => c.prrr,
        (0, 10, 2, 1) => c.nmrr,
        (0, 10, 3, 0) => c.amair0,
        (0, 10, 3, 1) => c.amair1,
        (0, 12, 0, 0) => c.vbar,
        // ISR reads the pending asynchronous exceptions; the interrupt
        // controller's lines are outside the core, and Linux does not read
        // it: report none.
        (0, 12, 1, 0) => 0,
        (0, 13, 0, 0) => 0, // FCSEIDR: FCSE not implemented
        (0, 13, 0, 1) => c.contextidr,
        (0, 13, 0, 4) => c.tpidrprw,
        (0, 14, 0, 0) => c.cntfrq,
        (0, 14, 1, 0) => c.cntkctl,
        (0, 14, 2, 0) => Cp15::tval(count(), c.cntp_cval),
        (0, 14, 2, 1) => Cp15::ctl_read(c.cntp_ctl, count(), c.cntp_cval),
        (0, 14, 3, 0) => Cp15::tval(count().wrapping_sub(c.cntvoff), c.cntv_cval),
        (0, 14, 3, 1) => Cp15::ctl_read(c.cntv_ctl, count().wrapping_sub(c.cntvoff), c.cntv_cval),
        (1, 9, 0, 2) => 0, // L2CTLR: one core, no L2 features to report
        (4, 15, 0, 0) => c.cbar,
        _ => return Err(Undefined),
    })
}

/// MCR p15: writes a 32-bit register; what else the write changed.
pub fn write(cpu: &mut CpuState, r: Reg32, v: u32) -> Result<Effect, Undefined> {
    if r == (0, 13, 0, 2) {
        cpu.tpidrurw = v;
        return Ok(Effect::None);
    }
    let privileged = cpu.privileged();
    // The CP15 barrier operations are allowed at PL0 when SCTLR.CP15BEN.
    if matches!(r, (0, 7, 5, 4) | (0, 7, 10, 4) | (0, 7, 10, 5)) {
        return if privileged || cpu.sys.cp15.sctlr & (1 << 5) != 0 {
            Ok(Effect::None)
        } else {
            Err(Undefined)
        };
    }
    if !(privileged || r.1 == 14 && r.2 != 0 && pl0_timer_allowed(cpu.sys.cp15.cntkctl, r)) {
        return Err(Undefined);
    }
    if r == (0, 13, 0, 3) {
        cpu.tpidruro = v;
        return Ok(Effect::None);
    }
    let c = &mut cpu.sys.cp15;
    let count = c.physical_count();
    use crate::mem::TlbOp;
    let effect = match r {
        (2, 0, 0, 0) => {
            // Only the L1 data (0) and instruction (1) caches exist.
            c.csselr = v & 1;
            Effect::None
        }
        (0, 1, 0, 0) => {
            c.sctlr = (c.sctlr & !SCTLR_WRITABLE) | (v & SCTLR_WRITABLE);
            Effect::Mmu
        }
        (0, 1, 0, 1) => {
            c.actlr = v & (1 << 6); // SMP
            Effect::None
        }
        (0, 1, 0, 2) => {
            // cp10/cp11 access and ASEDIS/D32DIS; other coprocessors are
            // not implemented and read as no access.
            c.cpacr = v & 0xc0f0_0000;
            Effect::Key
        }
        (0, 2, 0, 0) => {
            c.ttbr0 = (c.ttbr0 & !0xffff_ffff) | v as u64;
            Effect::Mmu
        }
        (0, 2, 0, 1) => {
            c.ttbr1 = (c.ttbr1 & !0xffff_ffff) | v as u64;
            Effect::Mmu
        }
        (0, 2, 0, 2) => {
            // EAE, the long-format fields (A1, EPDx, SH/ORGN/IRGN, TxSZ)
            // or the short-format N and PD0/PD1.
            c.ttbcr = v & 0xbfff_7fb7;
            Effect::Mmu
        }
        (0, 3, 0, 0) => {
            c.dacr = v;
            Effect::Permissions
        }
        (0, 5, 0, 0) => {
            // The union of both formats' fields: FS/STATUS, the short
            // format's Domain[7:4], LPAE, WnR, ExT, CM.
            c.dfsr = v & 0x3eff;
            Effect::None
        }
        (0, 5, 0, 1) => {
            // FS/STATUS, FS[4], LPAE, ExT (no WnR or CM in the IFSR).
            c.ifsr = v & 0x163f;
            Effect::None
        }
        (0, 5, 1, 0) => {
            c.adfsr = v;
            Effect::None
        }
        (0, 5, 1, 1) => {
            c.aifsr = v;
            Effect::None
        }
        (0, 6, 0, 0) => {
            c.dfar = v;
            Effect::None
        }
        (0, 6, 0, 2) => {
            c.ifar = v;
            Effect::None
        }
        (0, 7, 4, 0) => {
            c.par = v as u64;
            Effect::None
        }
        // Cache and branch-predictor maintenance: there are no caches.
        // Writes to code are caught as they happen, so instruction-cache
        // invalidation has nothing to do either.
        (0, 7, 1, 0) | (0, 7, 1, 6) | (0, 7, 5, 0) | (0, 7, 5, 1) | (0, 7, 5, 6) | (0, 7, 5, 7) => {
            Effect::None
        }
        (0, 7, 6, 1) | (0, 7, 6, 2) | (0, 7, 10, 1) | (0, 7, 10, 2) | (0, 7, 11, 1) => Effect::None,
        (0, 7, 14, 1) | (0, 7, 14, 2) => Effect::None,
        (0, 7, 8, op2 @ 0..=3) => Effect::Translate {
            va: v,
            write: op2 & 1 != 0,
            user: op2 >= 2,
        },
        // TLB maintenance: the inner-shareable (c3), instruction (c5),
        // data (c6) and unified (c7) forms do the same here.
        (0, 8, 3 | 5 | 6 | 7, op2 @ 0..=3) => {
            let op = match op2 {
                0 => TlbOp::All,
                1 => TlbOp::Mva {
                    va: v & !0xfff,
                    asid: v as u8,
                },
                2 => TlbOp::Asid(v as u8),
                _ => TlbOp::MvaAllAsid(v & !0xfff),
            };
            Effect::Tlb(op)
        }
        (0, 10, 2, 0) => {
            c.prrr = v;
            Effect::Permissions
        }
        (0, 10, 2, 1) => {
            c.nmrr = v;
            Effect::Permissions
        }
        (0, 10, 3, 0) => {
            c.amair0 = v;
            Effect::None
        }
        (0, 10, 3, 1) => {
            c.amair1 = v;
            Effect::None
        }
        (0, 12, 0, 0) => {
            c.vbar = v & !0x1f;
            Effect::None
        }
        (0, 13, 0, 0) => Effect::None, // FCSEIDR: RAZ/WI
        (0, 13, 0, 1) => {
            c.contextidr = v;
            Effect::Mmu
        }
        (0, 13, 0, 4) => {
            c.tpidrprw = v;
            Effect::None
        }
        (0, 14, 0, 0) => {
            c.cntfrq = v;
            Effect::None
        }
        (0, 14, 1, 0) => {
            c.cntkctl = v & 0x303;
            Effect::Timer
        }
        (0, 14, 2, 0) => {
            c.cntp_cval = Cp15::cval_from_tval(count, v);
            Effect::Timer
        }
        (0, 14, 2, 1) => {
            c.cntp_ctl = v & 3;
            Effect::Timer
        }
        (0, 14, 3, 0) => {
            c.cntv_cval = Cp15::cval_from_tval(count.wrapping_sub(c.cntvoff), v);
            Effect::Timer
        }
        (0, 14, 3, 1) => {
            c.cntv_ctl = v & 3;
            Effect::Timer
        }
        (1, 9, 0, 2) => Effect::None, // L2CTLR: writes ignored
        _ => return Err(Undefined),
    };
    if matches!(effect, Effect::Mmu | Effect::Key) {
        cpu.update_key_bits();
    }
    Ok(effect)
}

/// MRRC p15: a 64-bit register (opc1, CRm).
pub fn read64(cpu: &CpuState, opc1: u8, crm: u8) -> Result<u64, Undefined> {
    let c = &cpu.sys.cp15;
    let count = c.physical_count();
    let pl0 = c.cntkctl;
    Ok(match (opc1, crm) {
        (0, 14) if cpu.privileged() || pl0 & 1 != 0 => count,
        (1, 14) if cpu.privileged() || pl0 & 2 != 0 => count.wrapping_sub(c.cntvoff),
        (2, 14) if cpu.privileged() || pl0 & (1 << 9) != 0 => c.cntp_cval,
        (3, 14) if cpu.privileged() || pl0 & (1 << 8) != 0 => c.cntv_cval,
        _ if !cpu.privileged() => return Err(Undefined),
        (0, 2) => c.ttbr0,
        (1, 2) => c.ttbr1,
        (0, 7) => c.par,
        _ => return Err(Undefined),
    })
}

/// MCRR p15: writes a 64-bit register (opc1, CRm).
pub fn write64(cpu: &mut CpuState, opc1: u8, crm: u8, v: u64) -> Result<Effect, Undefined> {
    let privileged = cpu.privileged();
    let pl0 = cpu.sys.cp15.cntkctl;
    let c = &mut cpu.sys.cp15;
    Ok(match (opc1, crm) {
        (2, 14) if privileged || pl0 & (1 << 9) != 0 => {
            c.cntp_cval = v;
            Effect::Timer
        }
        (3, 14) if privileged || pl0 & (1 << 8) != 0 => {
            c.cntv_cval = v;
            Effect::Timer
        }
        _ if !privileged => return Err(Undefined),
        (0, 2) => {
            c.ttbr0 = v;
            Effect::Mmu
        }
        (1, 2) => {
            c.ttbr1 = v;
            Effect::Mmu
        }
        (0, 7) => {
            c.par = v;
            Effect::None
        }
        _ => return Err(Undefined),
    })
}

/// VMRS from FPSID, MVFR0/1 or FPEXC, and VMSR to FPEXC (FPSID writes are
/// ignored): PL1 only, with CPACR granting cp10 access at PL1, and allowed
/// with FPEXC.EN clear, as the kernel's lazy VFP switching needs
/// (ARM ARM B6.1.1). `value` is written for VMSR.
pub fn vfp_system_reg(
    cpu: &mut CpuState,
    reg: crate::ir::vfp::SysReg,
    write: Option<u32>,
) -> Result<u32, Undefined> {
    use crate::ir::vfp::SysReg;
    let cp10 = (cpu.sys.cp15.cpacr >> 20) & 3;
    if !cpu.privileged() || cp10 & 1 == 0 {
        return Err(Undefined);
    }
    // FPSID: ARM, VFPv3+ architecture with VFPv4 subarchitecture, A15.
    const FPSID: u32 = 0x4104_30f0;
    const MVFR0: u32 = 0x1011_0222;
    const MVFR1: u32 = 0x1111_1111;
    Ok(match (reg, write) {
        (SysReg::Fpsid, None) => FPSID,
        (SysReg::Mvfr0, None) => MVFR0,
        (SysReg::Mvfr1, None) => MVFR1,
        (SysReg::Fpexc, None) => cpu.sys.fpexc,
        (SysReg::Fpexc, Some(v)) => {
            // EN and EX; the trapped-exception bits are RAZ (no
            // trapping of floating-point exceptions on this core).
            cpu.sys.fpexc = v & (FPEXC_EN | 1 << 31);
            cpu.update_key_bits();
            0
        }
        (SysReg::Fpsid, Some(_)) => 0,
        _ => return Err(Undefined),
    })
}
