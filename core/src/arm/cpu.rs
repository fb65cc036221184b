//! The architectural state of one ARMv7-A guest CPU.
//!
//! The fields user code sees (registers, flags, VFP/NEON, the TLS
//! registers) come first: compiled code addresses them at fixed offsets.
//! The privileged state (mode, banked registers, SPSRs, CP15) lives in
//! [`SysState`]; in user mode it stays at its defaults (User mode, VFP
//! enabled), which make the privileged instructions behave as at PL0.

use super::cp15::Cp15;
use crate::mem::MmuState;

/// Processor modes (CPSR.M).
pub mod mode {
    /// User.
    pub const USR: u8 = 0x10;
    /// FIQ.
    pub const FIQ: u8 = 0x11;
    /// IRQ.
    pub const IRQ: u8 = 0x12;
    /// Supervisor.
    pub const SVC: u8 = 0x13;
    /// Monitor (Security Extensions: not implemented).
    pub const MON: u8 = 0x16;
    /// Abort.
    pub const ABT: u8 = 0x17;
    /// Hyp (Virtualization Extensions: not implemented).
    pub const HYP: u8 = 0x1a;
    /// Undefined.
    pub const UND: u8 = 0x1b;
    /// System.
    pub const SYS: u8 = 0x1f;
}

/// CPSR bits outside the APSR and execution state.
pub mod psr {
    /// Asynchronous abort mask.
    pub const A: u32 = 1 << 8;
    /// IRQ mask.
    pub const I: u32 = 1 << 7;
    /// FIQ mask.
    pub const F: u32 = 1 << 6;
    /// Thumb state.
    pub const T: u32 = 1 << 5;
    /// Big-endian data (not supported: always 0).
    pub const E: u32 = 1 << 9;
    /// Jazelle state (not supported: always 0).
    pub const J: u32 = 1 << 24;
    /// The mode field.
    pub const M: u32 = 0x1f;
}

/// Bits of [`SysState::key_bits`]: the system state that changes how a
/// block is translated or compiled, part of the block-cache key. All zero
/// in user mode, so user mode's keys are Thumb and ITSTATE only.
pub mod key {
    /// The block runs at PL1 (its memory accesses use the privileged TLB).
    pub const PRIVILEGED: u32 = 1 << 9;
    /// VFP and Advanced SIMD are disabled (FPEXC.EN or CPACR): their
    /// instructions translate as UNDEFINED.
    pub const FP_OFF: u32 = 1 << 10;
    /// SCTLR.A: every access is checked for alignment.
    pub const ALIGN: u32 = 1 << 11;
}

/// FPEXC.EN.
pub const FPEXC_EN: u32 = 1 << 30;

/// The privileged state of the CPU (system mode).
#[derive(Clone, Debug)]
pub struct SysState {
    /// CPSR.M. The registers in `CpuState::r` are this mode's.
    pub mode: u8,
    /// CPSR.A, I and F, in their CPSR positions ([`psr::A`] ...).
    pub aif: u32,
    /// SP and LR of each bank not current: User/System, SVC, Abort,
    /// Undefined, IRQ, FIQ (see [`bank`]).
    pub banked_sp: [u32; 6],
    /// LR of each bank, as `banked_sp`.
    pub banked_lr: [u32; 6],
    /// r8-r12 of every mode but FIQ, while FIQ is current.
    pub usr_r8_12: [u32; 5],
    /// r8-r12 of FIQ mode, while another mode is current.
    pub fiq_r8_12: [u32; 5],
    /// SPSR of each exception mode (indexed like `banked_sp`; 0 unused).
    pub spsr: [u32; 6],
    /// The CP15 system registers.
    pub cp15: Cp15,
    /// FPEXC.
    pub fpexc: u32,
    /// [`key`] bits for the current state; recomputed by
    /// [`CpuState::update_key_bits`].
    pub key_bits: u32,
}

impl Default for SysState {
    /// User mode with VFP/NEON enabled: the state user-mode emulation runs in.
    fn default() -> SysState {
        SysState {
            mode: mode::USR,
            aif: 0,
            banked_sp: [0; 6],
            banked_lr: [0; 6],
            usr_r8_12: [0; 5],
            fiq_r8_12: [0; 5],
            spsr: [0; 6],
            cp15: Cp15::user_mode(),
            fpexc: FPEXC_EN,
            key_bits: 0,
        }
    }
}

/// The register bank of a mode: 0 User/System, 1 SVC, 2 Abort, 3 Undefined,
/// 4 IRQ, 5 FIQ; `None` for Monitor, Hyp and reserved encodings, which this
/// CPU does not have.
pub fn bank(m: u8) -> Option<usize> {
    match m {
        mode::USR | mode::SYS => Some(0),
        mode::SVC => Some(1),
        mode::ABT => Some(2),
        mode::UND => Some(3),
        mode::IRQ => Some(4),
        mode::FIQ => Some(5),
        _ => None,
    }
}

/// Guest CPU state: core registers, flags, execution state, VFP/NEON, the
/// user-visible CP15 thread registers and (system mode) the privileged
/// state.
#[derive(Clone, Debug, Default)]
pub struct CpuState {
    /// r0..r15. `r[15]` holds the address of the next instruction between
    /// blocks; inside an instruction the interpreter sets it to the PC-read
    /// value (address + 8 or + 4).
    pub r: [u32; 16],
    /// The condition flags N, Z, C, V in bits 3..0. One word rather than
    /// four bools: flag writes and the condition check that follows them
    /// then hit the same bytes, which keeps store-to-load forwarding working
    /// on the interpreter's hottest path.
    pub nzcv: u32,
    /// Sticky saturation flag.
    pub q: bool,
    /// GE[3:0] flags of the parallel add/subtract instructions.
    pub ge: u8,
    /// T32 (Thumb) state.
    pub thumb: bool,
    /// ITSTATE (IT[7:0]); 0 outside an IT block.
    pub itstate: u8,
    /// The 32 doubleword VFP/NEON registers (S0..S31 alias D0..D15,
    /// Q0..Q15 are pairs).
    pub d: [u64; 32],
    /// FPSCR.
    pub fpscr: u32,
    /// TPIDRURO (CP15 c13, c0, 3): the TLS pointer set by `set_tls`.
    pub tpidruro: u32,
    /// TPIDRURW (CP15 c13, c0, 2).
    pub tpidrurw: u32,
    /// The local exclusive monitor: address and value loaded by LDREX, used
    /// to make STREX a compare-and-swap.
    pub exclusive: Option<Exclusive>,
    /// Privileged state: mode, banked registers, SPSRs, CP15.
    pub sys: SysState,
}

/// What the last LDREX saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exclusive {
    /// Address of the access.
    pub addr: u32,
    /// Value read (zero-extended; both words for LDREXD).
    pub value: u64,
}

impl CpuState {
    /// The address of the next instruction to run.
    pub fn pc(&self) -> u32 {
        self.r[15]
    }

    /// Negative flag.
    #[inline(always)]
    pub fn n(&self) -> bool {
        self.nzcv & 8 != 0
    }
    /// Zero flag.
    #[inline(always)]
    pub fn z(&self) -> bool {
        self.nzcv & 4 != 0
    }
    /// Carry flag.
    #[inline(always)]
    pub fn c(&self) -> bool {
        self.nzcv & 2 != 0
    }
    /// Overflow flag.
    #[inline(always)]
    pub fn v(&self) -> bool {
        self.nzcv & 1 != 0
    }
    /// Sets all four condition flags.
    #[inline(always)]
    pub fn set_nzcv(&mut self, n: bool, z: bool, c: bool, v: bool) {
        self.nzcv = (n as u32) << 3 | (z as u32) << 2 | (c as u32) << 1 | v as u32;
    }
    /// Sets N and Z from a 32-bit result, keeping C and V.
    #[inline(always)]
    pub fn set_nz_from(&mut self, r: u32) {
        self.nzcv = (self.nzcv & 3) | (r >> 31) << 3 | ((r == 0) as u32) << 2;
    }
    /// Sets N and Z, keeping C and V.
    #[inline(always)]
    pub fn set_nz(&mut self, n: bool, z: bool) {
        self.nzcv = (self.nzcv & 3) | (n as u32) << 3 | (z as u32) << 2;
    }
    /// Sets C.
    #[inline(always)]
    pub fn set_c(&mut self, c: bool) {
        self.nzcv = (self.nzcv & !2) | (c as u32) << 1;
    }

    /// APSR as MRS reads it (N Z C V Q, GE).
    pub fn apsr(&self) -> u32 {
        self.nzcv << 28 | (self.q as u32) << 27 | (self.ge as u32 & 0xf) << 16
    }

    /// CPSR: APSR, the execution state bits (IT, T), the A/I/F masks and
    /// the mode.
    pub fn cpsr(&self) -> u32 {
        let it = self.itstate as u32;
        self.apsr()
            | ((it & 3) << 25)
            | ((it >> 2) << 10)
            | (self.thumb as u32) << 5
            | self.sys.aif
            | self.sys.mode as u32
    }

    /// Whether the CPU runs at PL1 (any mode but User).
    #[inline(always)]
    pub fn privileged(&self) -> bool {
        self.sys.mode != mode::USR
    }

    /// Switches to mode `m`, swapping the banked registers. `m` must be a
    /// mode this CPU has ([`bank`] is `Some`); others are ignored.
    pub fn set_mode(&mut self, m: u8) {
        let (Some(old), Some(new)) = (bank(self.sys.mode), bank(m)) else {
            return;
        };
        if old != new {
            self.sys.banked_sp[old] = self.r[13];
            self.sys.banked_lr[old] = self.r[14];
            self.r[13] = self.sys.banked_sp[new];
            self.r[14] = self.sys.banked_lr[new];
            if old == 5 {
                self.sys.fiq_r8_12.copy_from_slice(&self.r[8..13]);
                self.r[8..13].copy_from_slice(&self.sys.usr_r8_12);
            } else if new == 5 {
                self.sys.usr_r8_12.copy_from_slice(&self.r[8..13]);
                self.r[8..13].copy_from_slice(&self.sys.fiq_r8_12);
            }
        }
        self.sys.mode = m;
        self.update_key_bits();
    }

    /// Writes the whole CPSR as an exception return does (mode, masks,
    /// execution state, flags). An unsupported mode leaves the mode as is.
    pub fn write_cpsr(&mut self, value: u32) {
        self.set_cpsr(value);
        self.sys.aif = value & (psr::A | psr::I | psr::F);
        let m = (value & psr::M) as u8;
        if bank(m).is_some() {
            self.set_mode(m);
        }
        self.update_key_bits();
    }

    /// SPSR of the current mode; `None` in User and System modes, which
    /// have none.
    pub fn spsr(&self) -> Option<u32> {
        match bank(self.sys.mode) {
            Some(b) if b != 0 => Some(self.sys.spsr[b]),
            _ => None,
        }
    }

    /// Writes the SPSR of the current mode (ignored in User and System).
    pub fn set_spsr(&mut self, value: u32) {
        if let Some(b) = bank(self.sys.mode).filter(|&b| b != 0) {
            self.sys.spsr[b] = value;
        }
    }

    /// Whether VFP and Advanced SIMD instructions may run now: FPEXC.EN
    /// and CPACR's cp10/cp11 access for the current privilege.
    pub fn fp_enabled(&self) -> bool {
        let cpacr = self.sys.cp15.cpacr;
        let cp10 = (cpacr >> 20) & 3;
        let cp11 = (cpacr >> 22) & 3;
        let allowed = |a: u32| {
            if self.privileged() {
                a & 1 != 0
            } else {
                a == 3
            }
        };
        self.sys.fpexc & FPEXC_EN != 0 && allowed(cp10) && allowed(cp11)
    }

    /// Recomputes [`SysState::key_bits`] after a change of mode, FPEXC,
    /// CPACR or SCTLR.
    pub fn update_key_bits(&mut self) {
        let mut k = 0;
        if self.privileged() {
            k |= key::PRIVILEGED;
        }
        if !self.fp_enabled() {
            k |= key::FP_OFF;
        }
        if self.sys.cp15.sctlr & super::cp15::SCTLR_A != 0 {
            k |= key::ALIGN;
        }
        self.sys.key_bits = k;
    }

    /// The translation regime a system-mode memory needs.
    pub fn mmu_state(&self) -> MmuState {
        let c = &self.sys.cp15;
        MmuState {
            sctlr: c.sctlr,
            ttbcr: c.ttbcr,
            ttbr0: c.ttbr0,
            ttbr1: c.ttbr1,
            dacr: c.dacr,
            prrr: c.prrr,
            nmrr: c.nmrr,
            contextidr: c.contextidr,
            privileged: self.privileged(),
        }
    }

    /// Puts the CPU in its reset state for system mode (SVC, interrupts
    /// masked, MMU off, VFP disabled) with `pc` as the first instruction.
    pub fn reset_system(&mut self, pc: u32, thumb: bool) {
        *self = CpuState::default();
        self.sys.cp15 = Cp15::reset();
        self.sys.fpexc = 0;
        self.sys.aif = psr::A | psr::I | psr::F;
        self.sys.mode = mode::SVC;
        self.r[15] = pc;
        self.thumb = thumb;
        self.update_key_bits();
    }

    /// Writes the APSR fields selected by `nzcvq` and `g`.
    pub fn set_apsr(&mut self, value: u32, nzcvq: bool, g: bool) {
        if nzcvq {
            self.nzcv = value >> 28;
            self.q = value & (1 << 27) != 0;
        }
        if g {
            self.ge = ((value >> 16) & 0xf) as u8;
        }
    }

    /// Restores the user-writable CPSR fields (flags, GE, IT, T), as
    /// sigreturn does; the mode and masks are left alone.
    pub fn set_cpsr(&mut self, value: u32) {
        self.set_apsr(value, true, true);
        self.thumb = value & (1 << 5) != 0;
        self.itstate = (((value >> 25) & 3) | ((value >> 10) & 0x3f) << 2) as u8;
    }

    /// Single-precision register `Sn` as raw bits.
    pub fn s(&self, n: usize) -> u32 {
        (self.d[n / 2] >> ((n % 2) * 32)) as u32
    }

    /// Writes single-precision register `Sn` as raw bits.
    pub fn set_s(&mut self, n: usize, bits: u32) {
        let shift = (n % 2) * 32;
        let d = &mut self.d[n / 2];
        *d = (*d & !(0xffff_ffffu64 << shift)) | ((bits as u64) << shift);
    }

    /// Quad register `Qn` as (low, high) doublewords.
    pub fn q_reg(&self, n: usize) -> [u64; 2] {
        [self.d[2 * n], self.d[2 * n + 1]]
    }

    /// Writes quad register `Qn`.
    pub fn set_q_reg(&mut self, n: usize, v: [u64; 2]) {
        self.d[2 * n] = v[0];
        self.d[2 * n + 1] = v[1];
    }

    /// Evaluates a condition against the flags. A table lookup rather than
    /// a `match`: the interpreter does this for every conditional guest
    /// instruction, and a jump table there mispredicts.
    #[inline(always)]
    pub fn cond_passed(&self, cond: crate::ir::Cond) -> bool {
        COND_TABLE[cond as usize] >> (self.nzcv & 15) & 1 != 0
    }
}

/// The pass mask of a condition: bit `nzcv` is set when the condition
/// passes with those flags (the JIT tests it with one `bt`).
pub fn cond_mask(cond: crate::ir::Cond) -> u16 {
    COND_TABLE[cond as usize]
}

/// For each condition, bit `nzcv` says whether it passes with those flags.
const COND_TABLE: [u16; 15] = {
    let mut t = [0u16; 15];
    let mut nzcv = 0;
    while nzcv < 16 {
        let (n, z, c, v) = (nzcv & 8 != 0, nzcv & 4 != 0, nzcv & 2 != 0, nzcv & 1 != 0);
        let pass = [
            z,
            !z,
            c,
            !c,
            n,
            !n,
            v,
            !v,
            c && !z,
            !c || z,
            n == v,
            n != v,
            !z && n == v,
            z || n != v,
            true,
        ];
        let mut cond = 0;
        while cond < 15 {
            if pass[cond] {
                t[cond] |= 1 << nzcv;
            }
            cond += 1;
        }
        nzcv += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s_registers_alias_d_registers() {
        let mut cpu = CpuState::default();
        cpu.set_s(0, 0x1111_1111);
        cpu.set_s(1, 0x2222_2222);
        cpu.set_s(31, 0xdead_beef);
        assert_eq!(cpu.d[0], 0x2222_2222_1111_1111);
        assert_eq!(cpu.d[15] >> 32, 0xdead_beef);
        assert_eq!(cpu.s(1), 0x2222_2222);
    }

    #[test]
    fn cpsr_round_trips_it_and_flags() {
        let mut cpu = CpuState::default();
        cpu.set_cpsr(0xf800_0000 | 0x000f_0000 | (0b10 << 25) | (0b101101 << 10) | (1 << 5));
        assert!(cpu.n() && cpu.z() && cpu.c() && cpu.v() && cpu.q);
        assert_eq!(cpu.ge, 0xf);
        assert!(cpu.thumb);
        assert_eq!(cpu.itstate, 0b1011_0110);
        assert_eq!(
            cpu.cpsr() & !0x1f,
            0xf80f_0000 | (0b10 << 25) | (0b101101 << 10) | (1 << 5)
        );
    }
}
