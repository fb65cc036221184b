//! `rsemu-difftest-sys`: the privileged class of the difftest, rsemu-system-arm
//! against qemu-system-arm.
//!
//! It generates random sequences of the A32 instructions that only system
//! mode has (CPS, MRS/MSR of CPSR and SPSR, the banked MRS/MSR, SRS, RFE,
//! exception returns with SUBS PC, LR and LDM ^, LDM/STM of the User bank,
//! MCR/MRC of CP15 registers, SVC and UDF), mixed with moves between banked
//! registers, each from a random starting state (every mode's banked
//! registers and SPSR, CPSR, the CP15 registers under test, a scratch
//! page), links them into one bare-metal image with the harness in
//! `tests/difftest/sys/`, boots that image under both emulators and
//! compares the state each case leaves at its first exception.
//!
//! The generator follows the current mode through the sequence, so that
//! it emits only what the ARM ARM defines there: nothing UNPREDICTABLE
//! (SPSR access in User or System mode, a banked access to the current
//! mode's own registers, invalid modes or Hyp and Monitor, exception
//! returns with IT or E bits set). The reference runs with
//! `-M virt,virtualization=on`: QEMU's cortex-a15 lacks the banked MRS/MSR
//! (Virtualization Extensions) without it; the harness's runtime drops
//! from Hyp to SVC before any case runs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use capstone::prelude::*;

/// Layout of a case's state and of the dump, as in
/// `tests/difftest/sys/layout.h` (same order; the names are for reports).
const FIELDS: [&str; 52] = [
    "r0",
    "r1",
    "r2",
    "r3",
    "r4",
    "r5",
    "r6",
    "r7",
    "r8",
    "r9",
    "r10",
    "r11",
    "r12",
    "sp_usr",
    "lr_usr",
    "sp_svc",
    "lr_svc",
    "spsr_svc",
    "sp_abt",
    "lr_abt",
    "spsr_abt",
    "sp_und",
    "lr_und",
    "spsr_und",
    "sp_irq",
    "lr_irq",
    "spsr_irq",
    "sp_fiq",
    "lr_fiq",
    "spsr_fiq",
    "r8_fiq",
    "r9_fiq",
    "r10_fiq",
    "r11_fiq",
    "r12_fiq",
    "cpsr",
    "TPIDRURW",
    "TPIDRURO",
    "CONTEXTIDR",
    "DACR",
    "DFSR",
    "IFSR",
    "DFAR",
    "IFAR",
    "PAR",
    "PRRR",
    "NMRR",
    "TTBR0",
    "TTBR1",
    "TTBCR",
    "vector",
    "scratch-hash",
];
const S_WORDS: usize = 50;
const S_SP_USR: usize = 13;
const S_CPSR: usize = 35;
const S_CP15: usize = 36;
const SCRATCH: u32 = 0x4050_0000;
const CODE_BUF: u32 = 0x4060_0000;
/// Cases per image (about 250 bytes each; the image must stay under 3 MiB).
const BATCH: usize = 4000;

const M_USR: u32 = 0x10;
const M_FIQ: u32 = 0x11;
const M_IRQ: u32 = 0x12;
const M_SVC: u32 = 0x13;
const M_ABT: u32 = 0x17;
const M_UND: u32 = 0x1b;
const M_SYS: u32 = 0x1f;
/// The modes a Cortex-A15 at PL1 may name (no Monitor or Hyp).
const MODES: [u32; 7] = [M_USR, M_FIQ, M_IRQ, M_SVC, M_ABT, M_UND, M_SYS];
/// The modes with an SPSR.
const EXC_MODES: [u32; 5] = [M_FIQ, M_IRQ, M_SVC, M_ABT, M_UND];

/// The CP15 registers under test: name, (opc1, CRn, CRm, opc2), whether
/// User mode may read it, may write it, and the bits a value may set (the
/// rest are UNK/SBZP in the ARM ARM's short-descriptor formats).
struct Cp15Reg {
    name: &'static str,
    crn: u32,
    crm: u32,
    opc2: u32,
    user_read: bool,
    user_write: bool,
    bits: u32,
}

const CP15: [Cp15Reg; 14] = [
    cp("TPIDRURW", 13, 0, 2, true, true, !0),
    cp("TPIDRURO", 13, 0, 3, true, false, !0),
    cp("CONTEXTIDR", 13, 0, 1, false, false, !0),
    cp("DACR", 3, 0, 0, false, false, !0),
    cp("DFSR", 5, 0, 0, false, false, 0x3cff),
    cp("IFSR", 5, 0, 1, false, false, 0x143f),
    cp("DFAR", 6, 0, 0, false, false, !0),
    cp("IFAR", 6, 0, 2, false, false, !0),
    cp("PAR", 7, 4, 0, false, false, !0),
    cp("PRRR", 10, 2, 0, false, false, !0),
    cp("NMRR", 10, 2, 1, false, false, !0),
    cp("TTBR0", 2, 0, 0, false, false, !0),
    cp("TTBR1", 2, 0, 1, false, false, !0),
    // N only. EAE would switch the TTBRs to 64 bits; PD0/PD1 are
    // defined only with the Security Extensions, which neither board's
    // CPU reports in ID_PFR1 (QEMU drops them, rsemu keeps and honours
    // them: both within the ARM ARM's UNK/SBZP).
    cp("TTBCR", 2, 0, 2, false, false, 0x7),
];

const fn cp(
    name: &'static str,
    crn: u32,
    crm: u32,
    opc2: u32,
    user_read: bool,
    user_write: bool,
    bits: u32,
) -> Cp15Reg {
    Cp15Reg {
        name,
        crn,
        crm,
        opc2,
        user_read,
        user_write,
        bits,
    }
}

/// Registers of the banked MRS/MSR: SYSm (M:M1), R, name, the mode whose
/// bank it is (User for the User bank), whether it is that mode's SP.
const BANKED: [(u32, u32, &str, u32, bool); 27] = [
    (0b00000, 0, "r8_usr", M_USR, false),
    (0b00001, 0, "r9_usr", M_USR, false),
    (0b00010, 0, "r10_usr", M_USR, false),
    (0b00011, 0, "r11_usr", M_USR, false),
    (0b00100, 0, "r12_usr", M_USR, false),
    (0b00101, 0, "sp_usr", M_USR, true),
    (0b00110, 0, "lr_usr", M_USR, false),
    (0b01000, 0, "r8_fiq", M_FIQ, false),
    (0b01001, 0, "r9_fiq", M_FIQ, false),
    (0b01010, 0, "r10_fiq", M_FIQ, false),
    (0b01011, 0, "r11_fiq", M_FIQ, false),
    (0b01100, 0, "r12_fiq", M_FIQ, false),
    (0b01101, 0, "sp_fiq", M_FIQ, true),
    (0b01110, 0, "lr_fiq", M_FIQ, false),
    (0b10000, 0, "lr_irq", M_IRQ, false),
    (0b10001, 0, "sp_irq", M_IRQ, true),
    (0b10010, 0, "lr_svc", M_SVC, false),
    (0b10011, 0, "sp_svc", M_SVC, true),
    (0b10100, 0, "lr_abt", M_ABT, false),
    (0b10101, 0, "sp_abt", M_ABT, true),
    (0b10110, 0, "lr_und", M_UND, false),
    (0b10111, 0, "sp_und", M_UND, true),
    (0b01110, 1, "spsr_fiq", M_FIQ, false),
    (0b10000, 1, "spsr_irq", M_IRQ, false),
    (0b10010, 1, "spsr_svc", M_SVC, false),
    (0b10100, 1, "spsr_abt", M_ABT, false),
    (0b10110, 1, "spsr_und", M_UND, false),
    // (Monitor and Hyp registers: UNPREDICTABLE from Non-secure PL1.)
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn u32(&mut self) -> u32 {
        // Edge values now and then: they are where masks go wrong.
        match self.below(8) {
            0 => [0, !0, 0x8000_0000, 0x7fff_ffff, 1][self.below(5) as usize],
            _ => self.next() as u32,
        }
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    fn chance(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

fn mode_name(m: u32) -> &'static str {
    match m {
        M_USR => "usr",
        M_FIQ => "fiq",
        M_IRQ => "irq",
        M_SVC => "svc",
        M_ABT => "abt",
        M_UND => "und",
        M_SYS => "sys",
        _ => "?",
    }
}

/// A CPSR value an instruction may write and an exception return may
/// restore into A32 code: any flags, GE and A/I/F; a PL1-nameable mode;
/// T, J, IT and E clear; reserved bits clear.
fn cpsr_value(rng: &mut Rng) -> u32 {
    let flags = (rng.next() as u32) & 0xf800_0000;
    let ge = (rng.next() as u32) & 0x000f_0000;
    let aif = (rng.next() as u32) & 0x1c0;
    flags | ge | aif | rng.pick(&MODES)
}

/// An SPSR value as MSR may write it: like `cpsr_value`, and also T and
/// the IT bits (an SPSR records Thumb state; nothing returns to it here).
fn spsr_value(rng: &mut Rng) -> u32 {
    let mut v = cpsr_value(rng);
    if rng.chance(3) {
        v |= 0x20 | ((rng.next() as u32) & 0x0600_fc00);
    }
    v
}

fn cp15_value(rng: &mut Rng, reg: &Cp15Reg) -> u32 {
    rng.u32() & reg.bits
}

/// One case: its starting state, scratch seed and code, with a line of
/// text per generated step for reports.
struct Case {
    state: [u32; S_WORDS],
    seed: u32,
    code: Vec<u32>,
    text: Vec<String>,
}

struct Gen<'a> {
    rng: &'a mut Rng,
    /// T32 (every instruction 32 bits wide, so each is word-aligned) or A32.
    thumb: bool,
    mode: u32,
    code: Vec<u32>,
    text: Vec<String>,
    /// The code after this point would not run (an exception was taken).
    ended: bool,
}

const AL: u32 = 0xe000_0000;

/// T32's modified immediate for the constants used here (ThumbExpandImm
/// inverted): (i, imm3, imm8).
fn t32_imm(imm12: u32) -> (u32, u32, u32) {
    (imm12 >> 11, (imm12 >> 8) & 7, imm12 & 0xff)
}

impl Gen<'_> {
    fn emit(&mut self, word: u32, text: String) {
        self.code.push(word);
        self.text.push(text);
    }
    /// A 32-bit T32 instruction, first halfword first in memory.
    fn emit_t(&mut self, hw1: u32, hw2: u32, text: String) {
        self.emit(hw1 | hw2 << 16, text);
    }
    fn privileged(&self) -> bool {
        self.mode != M_USR
    }
    fn has_spsr(&self) -> bool {
        EXC_MODES.contains(&self.mode)
    }
    /// CPSR.T for code that continues in this case's instruction set.
    fn t_bit(&self) -> u32 {
        if self.thumb {
            0x20
        } else {
            0
        }
    }
    /// A general register other than SP and PC, and not in `avoid`.
    fn reg(&mut self, avoid: &[u32]) -> u32 {
        loop {
            let r = self
                .rng
                .pick(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14]);
            if !avoid.contains(&r) {
                return r;
            }
        }
    }
    /// A low register (r0-r12) not in `avoid`.
    fn low_reg(&mut self, avoid: &[u32]) -> u32 {
        loop {
            let r = self.rng.below(13) as u32;
            if !avoid.contains(&r) {
                return r;
            }
        }
    }
    fn mov32(&mut self, rd: u32, v: u32) {
        let lo = v & 0xffff;
        let hi = v >> 16;
        for (half, a32, t32, name) in [
            (lo, 0x0300_0000, 0xf240, "movw"),
            (hi, 0x0340_0000, 0xf2c0, "movt"),
        ] {
            let text = format!("{name} r{rd}, #{half:#x}");
            if self.thumb {
                let hw1 = t32 | (half >> 11 & 1) << 10 | half >> 12;
                let hw2 = (half >> 8 & 7) << 12 | rd << 8 | (half & 0xff);
                self.emit_t(hw1, hw2, text);
            } else {
                self.emit(
                    AL | a32 | (half >> 12) << 16 | rd << 12 | (half & 0xfff),
                    text,
                );
            }
        }
    }
    /// rd = the address of this instruction + `off` (A32 `add rd, pc, #k`,
    /// T32 `addw rd, pc, #k`; PC reads 8 or 4 ahead).
    fn adr(&mut self, rd: u32, off: u32) {
        if self.thumb {
            let k = off - 4;
            self.emit_t(0xf20f, rd << 8 | k, format!("addw r{rd}, pc, #{k}"));
        } else {
            let k = off - 8;
            self.emit(
                AL | 0x028f_0000 | rd << 12 | k,
                format!("add r{rd}, pc, #{k}"),
            );
        }
    }
    fn str_imm(&mut self, rt: u32, rn: u32, off: i32) {
        let imm = off.unsigned_abs();
        let text = format!("str r{rt}, [r{rn}, #{off}]");
        if self.thumb {
            if off >= 0 {
                self.emit_t(0xf8c0 | rn, rt << 12 | imm, text);
            } else {
                self.emit_t(0xf840 | rn, rt << 12 | 0xc00 | imm, text);
            }
        } else {
            let u = u32::from(off >= 0);
            self.emit(AL | 0x0500_0000 | u << 23 | rn << 16 | rt << 12 | imm, text);
        }
    }
    /// A word address in the scratch page, with room on both sides.
    fn scratch_addr(&mut self) -> u32 {
        SCRATCH + 0x100 + 4 * self.rng.below(0x20) as u32
    }
    /// Addressing modes of RFE/SRS/LDM: (P, U, name). T32 has DB and IA only.
    fn pu(&mut self) -> (u32, u32, &'static str) {
        let (p, u) = if self.thumb {
            self.rng.pick(&[(1, 0), (0, 1)])
        } else {
            (self.rng.below(2) as u32, self.rng.below(2) as u32)
        };
        (p, u, ["da", "ia", "db", "ib"][(p * 2 + u) as usize])
    }

    fn step(&mut self) {
        let pick = self.rng.below(100);
        match pick {
            0..=9 => self.cps(),
            10..=15 => self.mrs_cpsr(),
            16..=23 => self.msr_cpsr(),
            24..=29 if self.has_spsr() => self.spsr_access(),
            30..=39 if self.privileged() => self.banked(),
            40..=51 => self.cp15(),
            52..=59 => self.alu(),
            60..=65 if self.has_spsr() => self.exception_return(),
            66..=69 if self.privileged() => self.rfe(),
            70..=75 if self.has_spsr() => self.srs(),
            76..=83 if self.has_spsr() && !self.thumb => self.ldm_stm_user(),
            84..=86 => {
                if self.thumb {
                    // 16 bits: the case ends here, alignment does not matter.
                    let imm = self.rng.next() as u32 & 0xff;
                    self.emit(0xdf00 | imm | 0xbf00 << 16, format!("svc #{imm:#x}"));
                } else {
                    let imm = self.rng.next() as u32 & 0xff_ffff;
                    self.emit(AL | 0x0f00_0000 | imm, format!("svc #{imm:#x}"));
                }
                self.ended = true;
            }
            87..=88 => {
                let imm = self.rng.next() as u32 & 0xffff;
                if self.thumb {
                    self.emit_t(
                        0xf7f0 | imm >> 12,
                        0xa000 | (imm & 0xfff),
                        format!("udf.w #{imm:#x}"),
                    );
                } else {
                    self.emit(
                        AL | 0x07f0_00f0 | (imm >> 4) << 8 | (imm & 0xf),
                        format!("udf #{imm:#x}"),
                    );
                }
                self.ended = true;
            }
            89..=91 => self.alignment_fault(),
            _ => self.alu(),
        }
    }

    /// A data access that must take an alignment fault whatever SCTLR.A
    /// says (ARM ARM A3.2.1): LDREX, LDRD and LDM/STM at an address that
    /// is not word-aligned. Ends the case with a data abort.
    fn alignment_fault(&mut self) {
        let rb = self.low_reg(&[]);
        let addr = self.scratch_addr() + 1 + self.rng.below(3) as u32;
        self.mov32(rb, addr);
        let rt = self.low_reg(&[rb, rb + 1, rb.wrapping_sub(1)]) & !1; // even, for LDRD
                                                                       // (No STREX: the ARM ARM's ExclusiveMonitorsPass checks alignment
                                                                       // before the monitor, and rsemu faults; QEMU 7.2 checks the monitor
                                                                       // first and fails the store without a fault.)
                                                                       // (At least two registers in a T32 LDM/STM: fewer is UNPREDICTABLE.)
        let (t, a) = (self.thumb, !self.thumb);
        match self.rng.below(4) {
            0 => {
                let text = format!("ldrex r{rt}, [r{rb}]");
                if t {
                    self.emit_t(0xe850 | rb, rt << 12 | 0xf00, text)
                } else {
                    self.emit(AL | 0x0190_0f9f | rb << 16 | rt << 12, text)
                }
            }
            1 => {
                let text = format!("ldrd r{rt}, r{}, [r{rb}]", rt + 1);
                if t {
                    self.emit_t(0xe9d0 | rb, rt << 12 | (rt + 1) << 8, text)
                } else {
                    self.emit(AL | 0x01c0_00d0 | rb << 16 | rt << 12, text)
                }
            }
            2 => {
                let list = (self.rng.next() as u32 & 0x5fff) | 3;
                let text = format!("ldm r{rb}, {{{}}}", reglist(list));
                if a {
                    self.emit(AL | 0x0890_0000 | rb << 16 | list, text)
                } else {
                    self.emit_t(0xe890 | rb, list, text)
                }
            }
            _ => {
                let list = (self.rng.next() as u32 & 0x5fff) | 6;
                let text = format!("stm r{rb}, {{{}}}", reglist(list));
                if a {
                    self.emit(AL | 0x0880_0000 | rb << 16 | list, text)
                } else {
                    self.emit_t(0xe880 | rb, list, text)
                }
            }
        }
        self.ended = true;
    }

    fn cps(&mut self) {
        // imod: 00 (mode only), 10 (enable), 11 (disable).
        let imod = self.rng.pick(&[0u32, 2, 3]);
        let (aif, change) = if imod == 0 {
            (0, true)
        } else {
            (1 + self.rng.below(7) as u32, self.rng.chance(2))
        };
        let mode = if change { self.rng.pick(&MODES) } else { 0 };
        let mut t = String::from(match imod {
            0 => "cps",
            2 => "cpsie",
            _ => "cpsid",
        });
        if aif != 0 {
            t.push(' ');
            for (bit, c) in [(4, 'a'), (2, 'i'), (1, 'f')] {
                if aif & bit != 0 {
                    t.push(c);
                }
            }
        }
        if change {
            let _ = write!(t, "{}#{:#x}", if aif != 0 { ", " } else { " " }, mode);
            // A NOP in User mode.
            if self.privileged() {
                self.mode = mode;
            }
        }
        if self.thumb {
            let hw2 = 0x8000 | imod << 9 | u32::from(change) << 8 | aif << 5 | mode;
            self.emit_t(0xf3af, hw2, t);
        } else {
            self.emit(
                0xf100_0000 | imod << 18 | u32::from(change) << 17 | aif << 6 | mode,
                t,
            );
        }
    }

    fn mrs_cpsr(&mut self) {
        let rd = self.reg(&[]);
        let text = format!("mrs r{rd}, cpsr");
        if self.thumb {
            self.emit_t(0xf3ef, 0x8000 | rd << 8, text);
        } else {
            self.emit(AL | 0x010f_0000 | rd << 12, text);
        }
        if self.mode == M_USR {
            // In User mode only the APSR's bits are defined (NZCVQ, GE).
            for (a32, t32, c) in [
                (0x67f, 0x6fe, 0x07f0_0000u32),
                (0xcff, 0xc7f, 0xff00),
                (0xff, 0xff, 0xff),
            ] {
                let text = format!("bic r{rd}, r{rd}, #{c:#x}");
                if self.thumb {
                    let (i, imm3, imm8) = t32_imm(t32);
                    self.emit_t(0xf020 | i << 10 | rd, imm3 << 12 | rd << 8 | imm8, text);
                } else {
                    self.emit(AL | 0x03c0_0000 | rd << 16 | rd << 12 | a32, text);
                }
            }
        }
    }

    fn mask_text(mask: u32) -> String {
        let mut t = String::new();
        for (bit, c) in [(8, 'f'), (4, 's'), (2, 'x'), (1, 'c')] {
            if mask & bit != 0 {
                t.push(c);
            }
        }
        t
    }

    fn msr_cpsr(&mut self) {
        let mut mask = 1 + self.rng.below(15) as u32;
        let v;
        if !self.thumb && self.rng.chance(3) {
            // Immediate (A32 only): one byte, the flags' or the control byte.
            let (imm12, val) = if self.rng.chance(2) {
                // (Not with the control byte in the mask: mode 0 is
                // UNPREDICTABLE.)
                mask = if mask & !1 == 0 { 8 } else { mask & !1 };
                let b = self.rng.next() as u32 & 0xf8;
                (0x400 | b, b << 24)
            } else {
                let b = self.rng.pick(&MODES) | (self.rng.next() as u32 & 0xc0);
                (b, b)
            };
            v = val;
            self.emit(
                AL | 0x0320_f000 | mask << 16 | imm12,
                format!("msr cpsr_{}, #{val:#x}", Self::mask_text(mask)),
            );
        } else {
            v = cpsr_value(self.rng);
            let rt = self.low_reg(&[]);
            self.mov32(rt, v);
            let text = format!("msr cpsr_{}, r{rt}", Self::mask_text(mask));
            if self.thumb {
                self.emit_t(0xf380 | rt, 0x8000 | mask << 8, text);
            } else {
                self.emit(AL | 0x0120_f000 | mask << 16 | rt, text);
            }
        }
        if self.privileged() && mask & 1 != 0 {
            self.mode = v & 0x1f;
        }
    }

    fn spsr_access(&mut self) {
        if self.rng.chance(2) {
            let rd = self.reg(&[]);
            let text = format!("mrs r{rd}, spsr");
            if self.thumb {
                self.emit_t(0xf3ff, 0x8000 | rd << 8, text);
            } else {
                self.emit(AL | 0x014f_0000 | rd << 12, text);
            }
        } else {
            let mask = 1 + self.rng.below(15) as u32;
            let v = spsr_value(self.rng);
            let rt = self.low_reg(&[]);
            self.mov32(rt, v);
            let text = format!("msr spsr_{}, r{rt}", Self::mask_text(mask));
            if self.thumb {
                self.emit_t(0xf390 | rt, 0x8000 | mask << 8, text);
            } else {
                self.emit(AL | 0x0160_f000 | mask << 16 | rt, text);
            }
        }
    }

    /// MRS/MSR (banked register), never to the current mode's own
    /// registers (nor the User bank from System mode), never writing an SP
    /// (the cases' SPs stay in the scratch page for SRS).
    fn banked(&mut self) {
        let own = if self.mode == M_SYS { M_USR } else { self.mode };
        // r8_usr-r12_usr outside FIQ mode are the current registers too
        // (the ARM ARM's BankedRegisterAccessValid: UNPREDICTABLE).
        let choices: Vec<_> = BANKED
            .iter()
            .filter(|b| b.3 != own && !(b.3 == M_USR && b.0 < 5 && self.mode != M_FIQ))
            .collect();
        let &&(sysm, r, name, _, is_sp) = &choices[self.rng.below(choices.len() as u64) as usize];
        let m = sysm >> 4;
        let m1 = sysm & 0xf;
        if is_sp || self.rng.chance(2) {
            let rd = self.reg(&[]);
            let text = format!("mrs r{rd}, {name}");
            if self.thumb {
                self.emit_t(0xf3e0 | r << 4 | m1, 0x8020 | rd << 8 | m << 4, text);
            } else {
                self.emit(
                    AL | 0x0100_0200 | r << 22 | m1 << 16 | rd << 12 | m << 8,
                    text,
                );
            }
        } else {
            let rn = self.low_reg(&[]);
            if r == 1 {
                let v = spsr_value(self.rng);
                self.mov32(rn, v);
            }
            let text = format!("msr {name}, r{rn}");
            if self.thumb {
                self.emit_t(0xf380 | r << 4 | rn, 0x8020 | m1 << 8 | m << 4, text);
            } else {
                self.emit(AL | 0x0120_f200 | r << 22 | m1 << 16 | m << 8 | rn, text);
            }
        }
    }

    fn cp15(&mut self) {
        let reg = &CP15[self.rng.below(CP15.len() as u64) as usize];
        let read = self.rng.chance(2);
        let rt = if read {
            self.reg(&[])
        } else {
            let rt = self.low_reg(&[]);
            let v = cp15_value(self.rng, reg);
            self.mov32(rt, v);
            rt
        };
        let l = u32::from(read);
        let text = format!(
            "{} p15, 0, r{rt}, c{}, c{}, {} ({})",
            if read { "mrc" } else { "mcr" },
            reg.crn,
            reg.crm,
            reg.opc2,
            reg.name
        );
        if self.thumb {
            let hw2 = rt << 12 | 0xf10 | reg.opc2 << 5 | reg.crm;
            self.emit_t(0xee00 | l << 4 | reg.crn, hw2, text);
        } else {
            let enc = reg.crn << 16 | reg.opc2 << 5 | reg.crm;
            self.emit(AL | 0x0e00_0f10 | l << 20 | enc | rt << 12, text);
        }
        let allowed = self.privileged() || if read { reg.user_read } else { reg.user_write };
        if !allowed {
            self.ended = true; // UNDEFINED
        }
    }

    fn alu(&mut self) {
        let rd = self.reg(&[]);
        let any = [0u32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
        let rm = self.rng.pick(&any);
        match self.rng.below(3) {
            0 => {
                let text = format!("mov r{rd}, r{rm}");
                if self.thumb {
                    self.emit_t(0xea4f, rd << 8 | rm, text)
                } else {
                    self.emit(AL | 0x01a0_0000 | rd << 12 | rm, text)
                }
            }
            1 => {
                let imm = self.rng.next() as u32 & 0xff;
                let text = format!("add r{rd}, r{rm}, #{imm}");
                if self.thumb {
                    self.emit_t(0xf200 | rm, rd << 8 | imm, text)
                } else {
                    self.emit(AL | 0x0280_0000 | rm << 16 | rd << 12 | imm, text)
                }
            }
            _ => {
                // (T32 EOR may not name SP.)
                let (rn, rm) = if self.thumb {
                    (self.reg(&[]), self.reg(&[]))
                } else {
                    (self.rng.pick(&any), rm)
                };
                let text = format!("eor r{rd}, r{rn}, r{rm}");
                if self.thumb {
                    self.emit_t(0xea80 | rn, rd << 8 | rm, text)
                } else {
                    self.emit(AL | 0x0020_0000 | rn << 16 | rd << 12 | rm, text)
                }
            }
        }
    }

    /// SUBS PC, LR / MOVS PC, LR / LDM {..., pc}^ (A32) to the next
    /// instruction, with an SPSR set just before.
    fn exception_return(&mut self) {
        let v = cpsr_value(self.rng) | self.t_bit();
        let rt = self.low_reg(&[]);
        self.mov32(rt, v);
        let text = format!("msr spsr_fsxc, r{rt}");
        if self.thumb {
            self.emit_t(0xf390 | rt, 0x8f00, text);
        } else {
            self.emit(AL | 0x0160_f000 | 0xf << 16 | rt, text);
        }
        match self.rng.below(if self.thumb { 1 } else { 3 }) {
            0 => {
                let k = 4 * self.rng.below(8) as u32;
                self.adr(14, 8 + k);
                if self.thumb {
                    self.emit_t(0xf3de, 0x8f00 | k, format!("subs pc, lr, #{k}"));
                } else {
                    self.emit(AL | 0x025e_f000 | k, format!("subs pc, lr, #{k}"));
                }
            }
            1 => {
                self.adr(14, 8);
                self.emit(AL | 0x01b0_f00e, "movs pc, lr".into());
            }
            _ => {
                // ldm{ia,ib,da,db} rB{!}, {list, pc}^; pc from the top slot.
                let rb = self.low_reg(&[]);
                let base = self.scratch_addr();
                self.mov32(rb, base);
                let mut list = (self.rng.next() as u32) & 0x5fff;
                let wback = self.rng.chance(2) && list & (1 << rb) == 0;
                if self.rng.chance(3) {
                    list &= 0x4000 | (1 << rb); // short lists too
                }
                list |= 1 << 15;
                let n = list.count_ones() as i32;
                let (p, u, name) = self.pu();
                let start = match (p, u) {
                    (0, 1) => 0,
                    (1, 1) => 4,
                    (0, _) => -4 * n + 4,
                    _ => -4 * n,
                };
                let rt2 = self.low_reg(&[rb]);
                self.adr(rt2, 12);
                self.str_imm(rt2, rb, start + 4 * (n - 1));
                self.emit(
                    AL | 0x0850_0000 | p << 24 | u << 23 | u32::from(wback) << 21 | rb << 16 | list,
                    format!(
                        "ldm{name} r{rb}{}, {{{}}}^",
                        if wback { "!" } else { "" },
                        reglist(list)
                    ),
                );
            }
        }
        self.mode = v & 0x1f;
    }

    fn rfe(&mut self) {
        let v = cpsr_value(self.rng) | self.t_bit();
        let rb = self.low_reg(&[]);
        let rt = self.low_reg(&[rb]);
        let ru = self.low_reg(&[rb, rt]);
        let base = self.scratch_addr();
        self.mov32(rb, base);
        self.mov32(ru, v);
        let (p, u, name) = self.pu();
        let w = self.rng.below(2) as u32;
        let start = match (p, u) {
            (0, 1) => 0,
            (1, 1) => 4,
            (0, _) => -4,
            _ => -8,
        };
        // adr rt; str rt; str ru; rfe -> the instruction after the rfe.
        self.adr(rt, 16);
        self.str_imm(rt, rb, start);
        self.str_imm(ru, rb, start + 4);
        let text = format!("rfe{name} r{rb}{}", if w == 1 { "!" } else { "" });
        if self.thumb {
            let hw1 = if p == 1 { 0xe810 } else { 0xe990 };
            self.emit_t(hw1 | w << 5 | rb, 0xc000, text);
        } else {
            self.emit(0xf810_0a00 | p << 24 | u << 23 | w << 21 | rb << 16, text);
        }
        self.mode = v & 0x1f;
    }

    fn srs(&mut self) {
        let target = self.rng.pick(&MODES);
        let (p, u, name) = self.pu();
        let w = self.rng.below(2) as u32;
        let text = format!(
            "srs{name} sp{}, #{:#x} ({})",
            if w == 1 { "!" } else { "" },
            target,
            mode_name(target)
        );
        if self.thumb {
            let hw1 = if p == 1 { 0xe80d } else { 0xe98d };
            self.emit_t(hw1 | w << 5, 0xc000 | target, text);
        } else {
            self.emit(0xf84d_0500 | p << 24 | u << 23 | w << 21 | target, text);
        }
    }

    /// LDM/STM of the User bank (A32 only; no PC, no writeback).
    fn ldm_stm_user(&mut self) {
        let rb = self.low_reg(&[]);
        let base = self.scratch_addr();
        self.mov32(rb, base);
        let load = self.rng.chance(2);
        let mut list = (self.rng.next() as u32) & 0x7fff;
        if load {
            list &= !(1 << 13); // SP_usr stays a scratch address
        }
        if list == 0 {
            list = 1 << 14;
        }
        let (p, u, name) = self.pu();
        self.emit(
            AL | 0x0840_0000 | p << 24 | u << 23 | u32::from(load) << 20 | rb << 16 | list,
            format!(
                "{}{name} r{rb}, {{{}}}^",
                if load { "ldm" } else { "stm" },
                reglist(list)
            ),
        );
    }
}

fn reglist(list: u32) -> String {
    (0..16)
        .filter(|r| list & (1 << r) != 0)
        .map(|r| match r {
            13 => "sp".to_string(),
            14 => "lr".to_string(),
            15 => "pc".to_string(),
            _ => format!("r{r}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn gen_case(rng: &mut Rng) -> Case {
    let mut state = [0u32; S_WORDS];
    for w in state.iter_mut() {
        *w = rng.u32();
    }
    // Every mode's SP in its own stretch of the scratch page (SRS stores
    // there), word-aligned.
    for (k, slot) in [S_SP_USR, 15, 18, 21, 24, 27].into_iter().enumerate() {
        state[slot] = SCRATCH + 0x200 + 0x200 * k as u32 + 4 * rng.below(32) as u32;
    }
    for slot in [17, 20, 23, 26, 29] {
        state[slot] = spsr_value(rng);
    }
    let thumb = rng.chance(2);
    state[S_CPSR] = cpsr_value(rng) | if thumb { 0x20 } else { 0 };
    for (k, reg) in CP15.iter().enumerate() {
        state[S_CP15 + k] = cp15_value(rng, reg);
    }
    let mut g = Gen {
        rng,
        thumb,
        mode: state[S_CPSR] & 0x1f,
        code: Vec::new(),
        text: Vec::new(),
        ended: false,
    };
    let steps = 1 + g.rng.below(8);
    for _ in 0..steps {
        g.step();
        if g.ended {
            break;
        }
    }
    if !g.ended {
        // The end: an UNDEFINED instruction of the case's instruction set.
        if thumb {
            g.emit_t(0xf7f0, 0xa000, "udf.w #0 (end)".into());
        } else {
            g.emit(0xe7f0_00f0, "udf #0 (end)".into());
        }
    }
    let (code, text) = (g.code, g.text);
    Case {
        state,
        seed: rng.next() as u32,
        code,
        text,
    }
}

/// Whether the exception in `dump` was taken before the case's last
/// instruction (from the vector's LR and SPSR.T, ARM ARM B1.8.3's offsets).
fn stopped_early(case: &Case, dump: &[u32]) -> bool {
    let last = CODE_BUF + 4 * (case.code.len() as u32 - 1);
    let (lr, spsr) = match dump[50] {
        1 => (dump[22], dump[23]),
        2 => (dump[16], dump[17]),
        4 => (dump[19], dump[20]),
        _ => return true,
    };
    let thumb = spsr & 0x20 != 0;
    let at = match dump[50] {
        1 | 2 => lr.wrapping_sub(if thumb { 2 } else { 4 }),
        _ => lr.wrapping_sub(8),
    };
    at != last
}

struct Config {
    seed: u64,
    cases: usize,
    accels: Vec<String>,
    reference: Vec<String>,
    subject: String,
    show: usize,
    workdir: PathBuf,
}

fn parse_args() -> Result<Config> {
    let mut cfg = Config {
        seed: 1,
        cases: 1000,
        accels: vec!["interp".into(), "jit".into()],
        reference: "qemu-system-arm -M virt,virtualization=on -cpu cortex-a15 -m 256 -nographic -no-reboot -nic none"
            .split_whitespace()
            .map(String::from)
            .collect(),
        subject: "target/release/rsemu-system-arm".into(),
        show: 5,
        workdir: PathBuf::from("build/difftest/sys"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().context("missing value");
        match a.as_str() {
            "--seed" => cfg.seed = val()?.parse()?,
            "--cases" => cfg.cases = val()?.parse()?,
            "--accel" => cfg.accels = val()?.split(',').map(String::from).collect(),
            "--reference" => cfg.reference = val()?.split_whitespace().map(String::from).collect(),
            "--subject" => cfg.subject = val()?,
            "--show" => cfg.show = val()?.parse()?,
            "--workdir" => cfg.workdir = PathBuf::from(val()?),
            "--help" | "-h" => {
                println!(
                    "rsemu-difftest-sys [--seed N] [--cases N] [--accel interp,jit] [--show N]\n  \
                     [--reference 'CMD ARGS'] [--subject PATH] [--workdir DIR]"
                );
                std::process::exit(0);
            }
            _ => bail!("unknown argument {a}"),
        }
    }
    Ok(cfg)
}

/// Writes the cases as assembly and links the bare-metal image.
fn build_image(cfg: &Config, cases: &[Case], part: usize) -> Result<PathBuf> {
    std::fs::create_dir_all(&cfg.workdir)?;
    let mut s = String::from(
        "/* Generated by rsemu-difftest-sys. */\n    .section .rodata\n    .align 2\n    .global sys_cases\nsys_cases:\n",
    );
    for c in cases {
        let _ = writeln!(s, "    .word {:#x}, {:#x}", c.code.len(), c.seed);
        for chunk in c.state.chunks(10).chain(c.code.chunks(10)) {
            let words: Vec<String> = chunk.iter().map(|w| format!("{w:#x}")).collect();
            let _ = writeln!(s, "    .word {}", words.join(", "));
        }
    }
    s.push_str("    .word 0xffffffff\n");
    let cases_s = cfg.workdir.join(format!("cases-{part}.S"));
    std::fs::write(&cases_s, s)?;
    let sys = Path::new("tests/difftest/sys");
    let rt = Path::new("tests/guest/system/rt");
    let elf = cfg.workdir.join(format!("sys-{part}.elf"));
    let status = Command::new("arm-linux-gnueabihf-gcc")
        .args([
            "-O2",
            "-marm",
            "-march=armv7ve",
            "-mfloat-abi=soft",
            "-ffreestanding",
            "-fno-builtin",
            "-fno-pic",
            "-fno-stack-protector",
            "-fno-unwind-tables",
            "-fno-asynchronous-unwind-tables",
            "-Wall",
            "-Werror",
            "-nostdlib",
            "-nostartfiles",
            "-static",
            "-Wl,--build-id=none",
            "-Wl,--no-warn-rwx-segments",
            "-Wl,-z,noexecstack",
        ])
        .arg(format!("-I{}", rt.display()))
        .arg(format!("-I{}", sys.display()))
        .arg("-T")
        .arg(rt.join("link.ld"))
        .arg(sys.join("harness.c"))
        .arg(sys.join("harness_asm.S"))
        .arg(rt.join("rt.c"))
        .arg(rt.join("start.S"))
        .arg(&cases_s)
        .arg("-o")
        .arg(&elf)
        .status()
        .context("running arm-linux-gnueabihf-gcc")?;
    if !status.success() {
        bail!("building the harness image failed");
    }
    Ok(elf)
}

/// Boots the image, returns each case's dump (None: the case printed no line).
fn run(
    cmd: &[String],
    env: &[(&str, &str)],
    elf: &Path,
    n: usize,
) -> Result<Vec<Option<Vec<u32>>>> {
    // Under timeout(1): a case that hangs must not hang the test.
    let mut child = Command::new("timeout");
    child
        .args(["-k", "5", "600"])
        .args(cmd)
        .arg("-kernel")
        .arg(elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        child.env(k, v);
    }
    let out = child
        .output()
        .with_context(|| format!("starting {}", cmd[0]))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut dumps = vec![None; n];
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("case ") else {
            continue;
        };
        let Some((idx, words)) = rest.split_once(':') else {
            continue;
        };
        let Ok(idx) = idx.parse::<usize>() else {
            continue;
        };
        let words: Vec<u32> = words
            .split_whitespace()
            .filter_map(|w| u32::from_str_radix(w, 16).ok())
            .collect();
        if idx < n && words.len() == FIELDS.len() {
            dumps[idx] = Some(words);
        }
    }
    if !text.contains(&format!("cases: {n}")) {
        eprintln!(
            "{}: the run did not finish (status {}); stderr: {}",
            cmd[0],
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(dumps)
}

fn main() -> Result<()> {
    let cfg = parse_args()?;
    let cs_arm = Capstone::new()
        .arm()
        .mode(arch::arm::ArchMode::Arm)
        .build()?;
    let cs_thumb = Capstone::new()
        .arm()
        .mode(arch::arm::ArchMode::Thumb)
        .build()?;
    let mut rng = Rng(cfg.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let cases: Vec<Case> = (0..cfg.cases).map(|_| gen_case(&mut rng)).collect();
    // Images of at most BATCH cases: each must fit below the harness's
    // scratch RAM.
    let images = cases
        .chunks(BATCH)
        .enumerate()
        .map(|(k, chunk)| build_image(&cfg, chunk, k))
        .collect::<Result<Vec<_>>>()?;
    let run_all = |cmd: &[String], env: &[(&str, &str)]| -> Result<Vec<Option<Vec<u32>>>> {
        let mut out = Vec::with_capacity(cases.len());
        for (elf, chunk) in images.iter().zip(cases.chunks(BATCH)) {
            out.extend(run(cmd, env, elf, chunk.len())?);
        }
        Ok(out)
    };
    let want = run_all(&cfg.reference, &[])?;
    // Cases whose first exception came before their last instruction
    // under the reference: a generator that emits what the reference
    // treats as UNDEFINED would test little while both agree.
    let early: Vec<usize> = (0..cases.len())
        .filter(|&i| {
            want[i]
                .as_ref()
                .is_some_and(|w| stopped_early(&cases[i], w))
        })
        .collect();
    println!(
        "sys reference: {} cases ({} A32, {} T32), {} stopped before their last instruction",
        cases.len(),
        cases.iter().filter(|c| c.state[S_CPSR] & 0x20 == 0).count(),
        cases.iter().filter(|c| c.state[S_CPSR] & 0x20 != 0).count(),
        early.len()
    );
    for &i in early.iter().take(cfg.show) {
        let c = &cases[i];
        println!("  case {i}: {}", c.text.join("; "));
    }
    let mut failed = 0usize;
    let mut total = 0usize;
    for accel in &cfg.accels {
        let subject: Vec<String> = [
            cfg.subject.as_str(),
            "-M",
            "virt",
            "-cpu",
            "cortex-a15",
            "-m",
            "256",
        ]
        .iter()
        .chain(
            [
                "-nographic",
                "-no-reboot",
                "-nic",
                "none",
                "-accel",
                accel.as_str(),
            ]
            .iter(),
        )
        .map(|s| s.to_string())
        .collect();
        // The JIT compiles every block at its first run.
        let got = run_all(&subject, &[("RSEMU_JIT_THRESHOLD", "1")])?;
        let insns: usize = cases.iter().map(|c| c.code.len()).sum();
        let bad: Vec<usize> = (0..cases.len()).filter(|&i| want[i] != got[i]).collect();
        let no_ref = want.iter().filter(|w| w.is_none()).count();
        println!(
            "sys   {accel:6}: {} cases, {insns} instructions, {} divergent{}",
            cases.len(),
            bad.len(),
            if no_ref > 0 {
                format!(", {no_ref} without a reference result")
            } else {
                String::new()
            }
        );
        for &i in bad.iter().take(cfg.show) {
            let c = &cases[i];
            let thumb = c.state[S_CPSR] & 0x20 != 0;
            println!(
                "  case {i} ({}, starts in {}):",
                if thumb { "T32" } else { "A32" },
                mode_name(c.state[S_CPSR] & 0x1f)
            );
            let cs = if thumb { &cs_thumb } else { &cs_arm };
            for (k, w) in c.code.iter().enumerate() {
                let dis = cs
                    .disasm_count(&w.to_le_bytes(), u64::from(CODE_BUF) + 4 * k as u64, 1)
                    .ok()
                    .and_then(|d| {
                        d.iter().next().map(|i| {
                            format!(
                                "{} {}",
                                i.mnemonic().unwrap_or(""),
                                i.op_str().unwrap_or("")
                            )
                        })
                    })
                    .unwrap_or_default();
                println!(
                    "    {:08x}: {w:08x}  {:<40} ; {}",
                    CODE_BUF + 4 * k as u32,
                    c.text[k],
                    dis
                );
            }
            let before: Vec<String> = FIELDS[..S_WORDS]
                .iter()
                .zip(c.state.iter())
                .map(|(n, v)| format!("{n}={v:08x}"))
                .collect();
            println!("    before: {}", before.join(" "));
            match (&want[i], &got[i]) {
                (Some(w), Some(g)) => {
                    for (k, name) in FIELDS.iter().enumerate() {
                        if w[k] != g[k] {
                            println!("    {name}: reference {:08x}, rsemu {:08x}", w[k], g[k]);
                        }
                    }
                }
                (w, g) => println!(
                    "    reference {}, rsemu {}",
                    if w.is_some() {
                        "finished"
                    } else {
                        "printed nothing"
                    },
                    if g.is_some() {
                        "finished"
                    } else {
                        "printed nothing"
                    }
                ),
            }
        }
        failed += bad.len();
        total += cases.len();
    }
    println!("difftest-sys: {} passed, {failed} failed", total - failed);
    if failed > 0 {
        bail!("{failed} divergent cases");
    }
    Ok(())
}
