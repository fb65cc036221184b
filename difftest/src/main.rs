//! `rsemu-difftest`: instruction-level differential testing of rsemu-arm
//! against a reference emulator (qemu-arm).
//!
//! It generates random but valid instruction sequences per class, each with
//! a random starting state (core registers with edge values, flags, FPSCR,
//! the 32 D registers, a scratch memory page), runs them all through the
//! guest harness (`tests/difftest/harness.c`) under both emulators, and
//! compares the final states. Divergences are reported with the
//! instructions, their disassembly and both states; a failing sequence is
//! minimised to the first instruction that diverges on its own.
//!
//! Valid instructions are found by drawing random encodings and keeping
//! those our decoder assigns to the class; register fields that would touch
//! SP or PC are rejected, and memory operands get base registers pointing
//! into the scratch page.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use capstone::prelude::*;
use rsemu_core::arm::{a32, t32, t32_is_wide};
use rsemu_core::ir::neon::NeonInsn;
use rsemu_core::ir::vfp::{SysReg, VfpInsn};
use rsemu_core::ir::*;

const SCRATCH_ADDR: u32 = 0x3000_0000;
const SCRATCH_SIZE: usize = 1024;
const CODE_ADDR: u32 = 0x2000_0000;
const CODE_MAX: usize = 4096 - 64;
const STATE_SIZE: usize = 15 * 4 + 4 + 4 + 4 + 32 * 8 + SCRATCH_SIZE;
const CASE_SIZE: usize = 16 + STATE_SIZE + CODE_MAX;

/// The CPU state the harness loads and reports.
#[derive(Clone, PartialEq, Eq)]
struct State {
    r: [u32; 15],
    apsr: u32,
    fpscr: u32,
    d: [u64; 32],
    scratch: Vec<u8>,
}

impl State {
    fn encode(&self, out: &mut Vec<u8>) {
        for v in self.r {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&self.apsr.to_le_bytes());
        out.extend_from_slice(&self.fpscr.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        for v in self.d {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&self.scratch);
    }

    fn decode(b: &[u8]) -> State {
        let w = |i: usize| u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap());
        let mut r = [0; 15];
        for (i, v) in r.iter_mut().enumerate() {
            *v = w(i);
        }
        let mut d = [0; 32];
        for (i, v) in d.iter_mut().enumerate() {
            *v = u64::from_le_bytes(b[72 + 8 * i..80 + 8 * i].try_into().unwrap());
        }
        State {
            r,
            apsr: w(15),
            fpscr: w(16),
            d,
            scratch: b[72 + 256..72 + 256 + SCRATCH_SIZE].to_vec(),
        }
    }

    /// Field-by-field differences, ignoring bits that are not architectural
    /// state (APSR: only N Z C V Q GE).
    fn diff(&self, other: &State) -> Vec<String> {
        let mut out = Vec::new();
        for i in 0..15 {
            if i != 13 && self.r[i] != other.r[i] {
                out.push(format!("r{i}: {:08x} vs {:08x}", self.r[i], other.r[i]));
            }
        }
        let m = 0xf80f_0000;
        if self.apsr & m != other.apsr & m {
            out.push(format!(
                "apsr: {:08x} vs {:08x}",
                self.apsr & m,
                other.apsr & m
            ));
        }
        if self.fpscr != other.fpscr {
            out.push(format!("fpscr: {:08x} vs {:08x}", self.fpscr, other.fpscr));
        }
        for i in 0..32 {
            if self.d[i] != other.d[i] {
                out.push(format!("d{i}: {:016x} vs {:016x}", self.d[i], other.d[i]));
            }
        }
        if let Some(i) = (0..SCRATCH_SIZE).find(|&i| self.scratch[i] != other.scratch[i]) {
            out.push(format!(
                "scratch[{i}]: {:02x} vs {:02x}",
                self.scratch[i], other.scratch[i]
            ));
        }
        out
    }
}

/// A deterministic xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u32) as usize]
    }
}

const EDGE32: &[u32] = &[
    0,
    1,
    2,
    0xffff_ffff,
    0x7fff_ffff,
    0x8000_0000,
    0x8000_0001,
    0xffff,
    0x1_0000,
    0x7fff,
    0x8000,
    0xff,
    0x80,
    31,
    32,
    33,
    0xfffe,
    0xff00_ff00,
];

fn random_u32(rng: &mut Rng) -> u32 {
    match rng.below(3) {
        0 => rng.pick(EDGE32),
        1 => rng.below(64),
        _ => rng.next(),
    }
}

const EDGE_F64: &[u64] = &[
    0,
    0x8000_0000_0000_0000, // -0
    0x3ff0_0000_0000_0000, // 1
    0xbff0_0000_0000_0000, // -1
    0x7ff0_0000_0000_0000, // inf
    0xfff0_0000_0000_0000, // -inf
    0x7ff8_0000_0000_0000, // qNaN
    0x7ff4_0000_0000_0001, // sNaN
    0x0000_0000_0000_0001, // denormal
    0x000f_ffff_ffff_ffff, // largest denormal
    0x7fef_ffff_ffff_ffff, // max
    0x41e0_0000_0000_0000, // 2^31
    0xc1e0_0000_0000_0000, // -2^31
    0x3fe0_0000_0000_0000, // 0.5
    0x4004_0000_0000_0000, // 2.5
    // Where float-to-integer conversions turn: negative values that round
    // to 0 or below it (unsigned results saturate: Invalid Operation
    // only), and the 32-bit limits from either side.
    0xbfd9_9999_9999_999a, // -0.4
    0xbfe0_0000_0000_0000, // -0.5
    0xbfe3_3333_3333_3333, // -0.6
    0xc004_0000_0000_0000, // -2.5
    0x41ef_ffff_ffec_cccd, // 4294967295.4
    0x41ef_ffff_fff0_0000, // 4294967295.5
    0x41f0_0000_0000_0000, // 2^32
    0x41df_ffff_ffe6_6666, // 2147483647.6
    0xc1e0_0000_0010_0000, // -2147483648.5
    0xc1e0_0000_0013_3333, // -2147483648.6
];

const EDGE_F32: &[u32] = &[
    0,
    0x8000_0000,
    0x3f80_0000,
    0xbf80_0000,
    0x7f80_0000,
    0xff80_0000,
    0x7fc0_0000,
    0x7fa0_0001,
    0x0000_0001,
    0x007f_ffff,
    0x7f7f_ffff,
    0x4f00_0000,
    0xcf00_0000,
    0x3f00_0000,
    0x4020_0000,
    // As for doubles: conversion turning points.
    0xbecc_cccd, // -0.4
    0xbf00_0000, // -0.5
    0xbf19_999a, // -0.6
    0xc020_0000, // -2.5
    0xc004_0000, // -2.0625
    0x3fc0_0000, // 1.5
    0xbfc0_0000, // -1.5
    0x4f80_0000, // 2^32
    0x4f7f_ffff, // 4294967040
];

fn random_d(rng: &mut Rng) -> u64 {
    match rng.below(4) {
        0 => rng.pick(EDGE_F64),
        1 => (rng.pick(EDGE_F32) as u64) << 32 | rng.pick(EDGE_F32) as u64,
        2 => (random_u32(rng) as u64) << 32 | random_u32(rng) as u64,
        _ => (rng.next() as u64) << 32 | rng.next() as u64,
    }
}

fn random_state(rng: &mut Rng) -> State {
    let mut r = [0; 15];
    for v in r.iter_mut() {
        *v = random_u32(rng);
    }
    r[13] = 0;
    // Rounding mode, FZ and DN vary; traps and vector length stay zero.
    // Half the cases keep Linux's default modes (round to nearest, no FZ,
    // no DN), where the JIT runs VFP arithmetic as host SSE code.
    let mut fpscr = rng.next() & 0x0fc0_0000 & !(0x0037_0000) | (rng.next() & 0xf000_009f);
    if rng.next() & 1 == 0 {
        fpscr &= !0x03c0_0000;
    }
    let mut d = [0; 32];
    for v in d.iter_mut() {
        *v = random_d(rng);
    }
    State {
        r,
        apsr: rng.next() & 0xf80f_0000,
        fpscr,
        d,
        scratch: (0..SCRATCH_SIZE).map(|_| rng.next() as u8).collect(),
    }
}

/// Instruction classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Alu,
    Mem,
    Vfp,
    Neon,
    /// ALU sequences with forward conditional branches, CBZ/CBNZ and IT
    /// blocks (control flow stays inside the sequence).
    Flow,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Alu => "alu",
            Class::Mem => "mem",
            Class::Vfp => "vfp",
            Class::Neon => "neon",
            Class::Flow => "flow",
        }
    }
}

fn ok_regs(regs: &[Reg]) -> bool {
    regs.iter().all(|&r| r != SP && r != PC)
}

fn operand_regs(op2: &Operand) -> Vec<Reg> {
    match *op2 {
        Operand::Imm { .. } => vec![],
        Operand::Reg { rm, .. } => vec![rm],
        Operand::RegShift { rm, rs, .. } => vec![rm, rs],
    }
}

/// Whether an integer (non-memory) op belongs to the ALU class.
fn is_alu(op: &Op) -> bool {
    let regs: Vec<Reg> = match op {
        Op::Alu { rd, rn, op2, .. } => [vec![*rd, *rn], operand_regs(op2)].concat(),
        Op::Movt { rd, .. } => vec![*rd],
        Op::Mul { rd, rn, rm, ra, .. } | Op::DspMul { rd, rn, rm, ra, .. } => {
            vec![*rd, *rn, *rm, *ra]
        }
        Op::MulLong {
            rdlo, rdhi, rn, rm, ..
        } => vec![*rdlo, *rdhi, *rn, *rm],
        Op::Div { rd, rn, rm, .. }
        | Op::Parallel { rd, rn, rm, .. }
        | Op::Sel { rd, rn, rm }
        | Op::Pkh { rd, rn, rm, .. } => vec![*rd, *rn, *rm],
        Op::Unary { rd, rm, .. } => vec![*rd, *rm],
        Op::Bfi { rd, rn, .. } => vec![*rd, rn.unwrap_or(0)],
        Op::Bfx { rd, rn, .. } | Op::Sat { rd, rn, .. } | Op::Sat16 { rd, rn, .. } => {
            vec![*rd, *rn]
        }
        Op::Extend { rd, rn, rm, .. } => vec![*rd, rn.unwrap_or(0), *rm],
        Op::QAddSub { rd, rm, rn, .. } => vec![*rd, *rm, *rn],
        Op::Usad8 { rd, rn, rm, ra } => vec![*rd, *rn, *rm, ra.unwrap_or(0)],
        Op::Mrs { rd } => vec![*rd],
        Op::Msr { src, .. } => operand_regs(src),
        _ => return false,
    };
    ok_regs(&regs)
}

fn is_vfp(op: &Op) -> bool {
    match op {
        Op::Vfp(v) => match **v {
            VfpInsn::MovImm { .. }
            | VfpInsn::Unary { .. }
            | VfpInsn::Arith { .. }
            | VfpInsn::Cmp { .. }
            | VfpInsn::CvtPrec { .. }
            | VfpInsn::CvtToInt { .. }
            | VfpInsn::CvtFromInt { .. }
            | VfpInsn::CvtFixed { .. }
            | VfpInsn::CvtHalf { .. } => true,
            VfpInsn::Vmrs { rt, reg } => rt == PC && reg == SysReg::Fpscr,
            _ => false,
        },
        _ => false,
    }
}

fn is_neon(op: &Op) -> bool {
    use rsemu_core::ir::neon::MiscOp;
    match op {
        // VZIP/VUZP/VTRN of a register with itself are UNPREDICTABLE (ARM
        // ARM: d == m); see docs/difftest.md.
        Op::Neon(n) => match **n {
            NeonInsn::Multi { .. } | NeonInsn::Lane { .. } | NeonInsn::AllLanes { .. } => false,
            NeonInsn::Misc {
                op: MiscOp::Zip | MiscOp::Uzp | MiscOp::Trn,
                vd,
                vm,
                ..
            } => vd != vm,
            _ => true,
        },
        _ => false,
    }
}

/// For a memory op: the registers to point into scratch (base, index) and
/// whether the op is acceptable.
fn mem_setup(op: &Op) -> Option<(Reg, Option<Reg>)> {
    let (rn, index, others): (Reg, Option<Reg>, Vec<Reg>) = match op {
        Op::Load { rt, addr, .. } | Op::Store { rt, addr, .. } => {
            let idx = match addr.offset {
                Offset::Imm(i) if i < 256 => None,
                Offset::Imm(_) => return None,
                Offset::Reg {
                    rm,
                    shift: Shift::Lsl,
                    amount,
                } if amount <= 3 => Some(rm),
                Offset::Reg { .. } => return None,
            };
            if addr.wback && (*rt == addr.rn || idx == Some(addr.rn)) {
                return None;
            }
            (addr.rn, idx, vec![*rt])
        }
        Op::LoadDual { rt, rt2, addr } | Op::StoreDual { rt, rt2, addr } => {
            // Unaligned LDRD/STRD: qemu-arm raises SIGBUS, Linux on ARMv7
            // fixes them up in the kernel (see docs/difftest.md); keep to
            // word-aligned addresses.
            let idx = match addr.offset {
                Offset::Imm(i) if i < 256 && i % 4 == 0 => None,
                Offset::Reg { rm, amount: 0, .. } => Some(rm),
                _ => return None,
            };
            if addr.wback && [*rt, *rt2].contains(&addr.rn) {
                return None;
            }
            (addr.rn, idx, vec![*rt, *rt2])
        }
        Op::LoadMultiple {
            rn, regs, wback, ..
        }
        | Op::StoreMultiple {
            rn, regs, wback, ..
        } => {
            if *wback && regs & (1 << rn) != 0 {
                return None;
            }
            let list: Vec<Reg> = (0..16).filter(|i| regs & (1 << i) != 0).collect();
            (*rn, None, list)
        }
        Op::LoadExcl {
            rt,
            rt2,
            rn,
            imm,
            size,
        }
        | Op::StoreExcl {
            rt,
            rt2,
            rn,
            imm,
            size,
            ..
        } => {
            if *imm > 64 {
                return None;
            }
            let mut o = vec![*rt];
            if *size == ExclSize::D {
                o.push(*rt2);
            }
            if let Op::StoreExcl { rd, .. } = op {
                if *rd == *rn || o.contains(rd) {
                    return None;
                }
                o.push(*rd);
            }
            (*rn, None, o)
        }
        // VFP and Advanced SIMD loads and stores (the base points into the
        // scratch page; offsets and lengths stay well inside it).
        Op::Vfp(v) => match **v {
            VfpInsn::LoadStore {
                rn: Some(rn),
                offset,
                ..
            } if offset.unsigned_abs() < 256 && offset % 4 == 0 => (rn, None, vec![]),
            VfpInsn::Multiple { rn, wback, .. } => {
                let _ = wback;
                (rn, None, vec![])
            }
            _ => return None,
        },
        Op::Neon(n) => match **n {
            NeonInsn::Multi { rn, wb, .. }
            | NeonInsn::Lane { rn, wb, .. }
            | NeonInsn::AllLanes { rn, wb, .. } => {
                use rsemu_core::ir::neon::Writeback;
                match wb {
                    Writeback::Reg(rm) if rm != rn => (rn, Some(rm), vec![]),
                    Writeback::Reg(_) => return None,
                    _ => (rn, None, vec![]),
                }
            }
            _ => return None,
        },
        _ => return None,
    };
    let mut all = others.clone();
    all.push(rn);
    if let Some(i) = index {
        if i == rn {
            return None;
        }
        all.push(i);
    }
    // A loaded register that is also the base or index is UNPREDICTABLE
    // territory (or at least order-dependent); keep them apart.
    if others.contains(&rn) || index.is_some_and(|i| others.contains(&i)) {
        return None;
    }
    ok_regs(&all).then_some((rn, index))
}

fn classify(op: &Op, class: Class) -> bool {
    match class {
        Class::Alu => is_alu(op),
        Class::Vfp => is_vfp(op),
        Class::Neon => is_neon(op),
        Class::Mem => mem_setup(op).is_some(),
        Class::Flow => is_alu(op),
    }
}

/// One generated instruction: its bytes and decoded op.
#[derive(Clone)]
struct GenInsn {
    bytes: Vec<u8>,
    op: Op,
}

fn gen_insn(rng: &mut Rng, thumb: bool, class: Class) -> GenInsn {
    loop {
        let (bytes, op) = if thumb {
            let first = rng.next() as u16;
            // The IT instruction would make the harness's final jump
            // conditional.
            if first & 0xff00 == 0xbf00 && first & 0xf != 0 {
                continue;
            }
            if t32_is_wide(first) {
                let second = rng.next() as u16;
                let mut b = first.to_le_bytes().to_vec();
                b.extend_from_slice(&second.to_le_bytes());
                (
                    b,
                    t32::decode32((first as u32) << 16 | second as u32, CODE_ADDR, 0),
                )
            } else {
                (
                    first.to_le_bytes().to_vec(),
                    t32::decode16(first, CODE_ADDR, 0),
                )
            }
        } else {
            // Mostly unconditional; sometimes a random condition.
            let mut raw = rng.next();
            if raw >> 28 == 0xf && class != Class::Neon {
                continue;
            }
            if class == Class::Neon {
                raw = if rng.below(2) == 0 {
                    (raw & 0x01ff_ffff) | 0xf200_0000
                } else {
                    raw | 0xf000_0000
                };
            } else if rng.below(4) != 0 {
                raw = (raw & 0x0fff_ffff) | 0xe000_0000;
            }
            (raw.to_le_bytes().to_vec(), a32::decode(raw, CODE_ADDR).1)
        };
        if classify(&op, class) {
            return GenInsn { bytes, op };
        }
    }
}

/// A generated case: state, instructions, mode.
#[derive(Clone)]
struct Case {
    thumb: bool,
    state: State,
    insns: Vec<GenInsn>,
}

/// One piece of a control-flow sequence before branch offsets are known.
enum Piece {
    Insn(GenInsn),
    /// A forward branch over the next `skip` pieces (A32 B<c>, T32 B<c> or
    /// CBZ/CBNZ).
    Branch {
        cond: u32,
        skip: usize,
        cbz: Option<(bool, u32)>,
    },
}

fn gen_flow_case(rng: &mut Rng) -> Case {
    let thumb = rng.below(2) == 0;
    let state = random_state(rng);
    let mut pieces = Vec::new();
    let n = 3 + rng.below(6) as usize;
    while pieces.len() < n {
        match rng.below(4) {
            0 => pieces.push(Piece::Branch {
                cond: rng.below(14),
                skip: 1 + rng.below(2) as usize,
                cbz: (thumb && rng.below(2) == 0).then(|| (rng.below(2) == 1, rng.below(8))),
            }),
            1 if thumb => {
                // IT with 1-4 conditional ALU instructions.
                let count = 1 + rng.below(4);
                let first = rng.below(14);
                let mut mask = 0u32;
                for i in 0..count - 1 {
                    mask |= (rng.below(2)) << (3 - i);
                }
                mask |= 1 << (4 - count);
                let it = 0xbf00u16 | (first << 4) as u16 | mask as u16;
                pieces.push(Piece::Insn(GenInsn {
                    bytes: it.to_le_bytes().to_vec(),
                    op: Op::Nop,
                }));
                for _ in 0..count {
                    pieces.push(Piece::Insn(gen_insn(rng, thumb, Class::Alu)));
                }
            }
            _ => pieces.push(Piece::Insn(gen_insn(rng, thumb, Class::Alu))),
        }
    }
    // Lay out: branches are 2 bytes in T32, 4 in A32.
    let sizes: Vec<u32> = pieces
        .iter()
        .map(|p| match p {
            Piece::Insn(g) => g.bytes.len() as u32,
            Piece::Branch { .. } => {
                if thumb {
                    2
                } else {
                    4
                }
            }
        })
        .collect();
    let mut addrs = vec![CODE_ADDR];
    for s in &sizes {
        addrs.push(addrs.last().unwrap() + s);
    }
    let insns = pieces
        .into_iter()
        .enumerate()
        .map(|(i, p)| match p {
            Piece::Insn(g) => g,
            Piece::Branch { cond, skip, cbz } => {
                let here = addrs[i];
                let target = addrs[(i + 1 + skip).min(addrs.len() - 1)];
                let bytes = if !thumb {
                    let off = (target.wrapping_sub(here + 8) as i32) >> 2;
                    (cond << 28 | 0x0a00_0000 | (off as u32 & 0x00ff_ffff))
                        .to_le_bytes()
                        .to_vec()
                } else if let Some((nonzero, rn)) = cbz.filter(|_| target >= here + 4) {
                    // (CBZ cannot branch to the very next halfword: then
                    // the B<c> form below is used.)
                    let off = target - (here + 4);
                    let hw = 0xb100
                        | (nonzero as u32) << 11
                        | (off >> 6 & 1) << 9
                        | (off >> 1 & 0x1f) << 3
                        | rn;
                    (hw as u16).to_le_bytes().to_vec()
                } else {
                    let off = (target.wrapping_sub(here + 4) as i32) >> 1;
                    ((0xd000 | cond << 8 | (off as u32 & 0xff)) as u16)
                        .to_le_bytes()
                        .to_vec()
                };
                GenInsn { bytes, op: Op::Nop }
            }
        })
        .collect();
    Case {
        thumb,
        state,
        insns,
    }
}

fn gen_case(rng: &mut Rng, class: Class) -> Case {
    if class == Class::Flow {
        return gen_flow_case(rng);
    }
    let thumb = rng.below(2) == 0;
    let mut state = random_state(rng);
    let n = if class == Class::Mem {
        1
    } else {
        1 + rng.below(4) as usize
    };
    let insns: Vec<GenInsn> = (0..n).map(|_| gen_insn(rng, thumb, class)).collect();
    if class == Class::Mem {
        if let Some((rn, index)) = mem_setup(&insns[0].op) {
            state.r[rn as usize] = SCRATCH_ADDR + 384 + 8 * rng.below(16);
            if matches!(insns[0].op, Op::Neon(_)) {
                // 256-bit alignment hints: qemu-arm checks only 128 bits
                // (docs/difftest.md), so keep NEON bases 32-byte aligned.
                state.r[rn as usize] &= !31;
            }
            if let Some(i) = index {
                state.r[i as usize] = 4 * rng.below(16);
            }
        }
    }
    Case {
        thumb,
        state,
        insns,
    }
}

/// The bytes of a case's code: its instructions, then a jump to the
/// harness epilogue (`ldr pc, [pc, #-4]` / `ldr.w pc, [pc]` + literal).
fn code_bytes(case: &Case, epilogue: u32) -> Vec<u8> {
    let mut code: Vec<u8> = case.insns.iter().flat_map(|i| i.bytes.clone()).collect();
    if case.thumb {
        if !code.len().is_multiple_of(4) {
            code.extend_from_slice(&0xbf00u16.to_le_bytes()); // nop
        }
        code.extend_from_slice(&0xf8dfu16.to_le_bytes());
        code.extend_from_slice(&0xf000u16.to_le_bytes());
    } else {
        code.extend_from_slice(&0xe51f_f004u32.to_le_bytes());
    }
    code.extend_from_slice(&epilogue.to_le_bytes());
    code
}

fn encode_case(case: &Case, epilogue: u32, out: &mut Vec<u8>) {
    let code = code_bytes(case, epilogue);
    let start = out.len();
    out.extend_from_slice(&0x4449_4646u32.to_le_bytes());
    out.extend_from_slice(&(case.thumb as u32).to_le_bytes());
    out.extend_from_slice(&(code.len() as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    case.state.encode(out);
    out.extend_from_slice(&code);
    out.resize(start + CASE_SIZE, 0);
}

/// The outcome of one case under one emulator.
#[derive(Clone)]
enum Outcome {
    /// It ran to the epilogue with this final state.
    Done(Box<State>),
    /// The emulator died on it (signal or error), with its last stderr line.
    Died(String),
}

/// Runs the harness under `cmd` over `cases`. A case that kills the
/// emulator is recorded as `Died` and the run resumes after it.
fn run_emulator(
    cmd: &[String],
    harness: &PathBuf,
    cases: &[Case],
    epilogue: u32,
) -> Result<Vec<Outcome>> {
    let mut outcomes = Vec::with_capacity(cases.len());
    while outcomes.len() < cases.len() {
        let rest = &cases[outcomes.len()..];
        let mut input = Vec::with_capacity(rest.len() * CASE_SIZE);
        for c in rest {
            encode_case(c, epilogue, &mut input);
        }
        let mut child = Command::new(&cmd[0])
            .args(&cmd[1..])
            .env("RSEMU_JIT_THRESHOLD", "1")
            .arg(harness)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run {}", cmd[0]))?;
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output()?;
        let _ = writer.join();
        let states: Vec<Outcome> = out
            .stdout
            .chunks_exact(STATE_SIZE)
            .map(|b| Outcome::Done(Box::new(State::decode(b))))
            .collect();
        let n = states.len();
        outcomes.extend(states);
        if n < rest.len() {
            let why = String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
                .to_string();
            outcomes.push(Outcome::Died(format!("{} ({})", why, out.status)));
        }
    }
    Ok(outcomes)
}

fn differences(want: &Outcome, got: &Outcome) -> Vec<String> {
    match (want, got) {
        (Outcome::Done(a), Outcome::Done(b)) => a.diff(b),
        (Outcome::Died(_), Outcome::Died(_)) => vec![],
        (Outcome::Died(w), Outcome::Done(_)) => vec![format!("reference died: {w}; rsemu ran on")],
        (Outcome::Done(_), Outcome::Died(g)) => vec![format!("rsemu died: {g}")],
    }
}

fn disasm(cs_arm: &Capstone, cs_thumb: &Capstone, thumb: bool, bytes: &[u8]) -> String {
    let cs = if thumb { cs_thumb } else { cs_arm };
    match cs.disasm_count(bytes, CODE_ADDR as u64, 1) {
        Ok(insns) => insns
            .iter()
            .next()
            .map(|i| {
                format!(
                    "{} {}",
                    i.mnemonic().unwrap_or(""),
                    i.op_str().unwrap_or("")
                )
            })
            .unwrap_or_else(|| "(capstone: invalid)".into()),
        Err(_) => "(capstone error)".into(),
    }
}

struct Config {
    seed: u64,
    cases: usize,
    classes: Vec<Class>,
    reference: Vec<String>,
    subject: Vec<String>,
    /// rsemu backends to test (`-accel` values), each against the reference.
    accels: Vec<String>,
    harness: PathBuf,
    epilogue: u32,
    show: usize,
}

fn parse_args() -> Result<Config> {
    let mut args = std::env::args().skip(1);
    let mut seed = 1u64;
    let mut cases = 2000usize;
    let mut classes = vec![Class::Alu, Class::Mem, Class::Vfp, Class::Neon, Class::Flow];
    let mut reference = vec!["qemu-arm".to_string(), "-cpu".into(), "cortex-a15".into()];
    let mut subject = vec!["target/release/rsemu-arm".to_string()];
    let mut accels = vec!["interp".to_string()];
    let mut harness = PathBuf::from("build/difftest/harness");
    let mut show = 5usize;
    while let Some(a) = args.next() {
        let mut val = || args.next().context("missing value");
        match a.as_str() {
            "--seed" => seed = val()?.parse()?,
            "--cases" => cases = val()?.parse()?,
            "--classes" => {
                classes = val()?
                    .split(',')
                    .map(|c| match c {
                        "alu" => Ok(Class::Alu),
                        "mem" => Ok(Class::Mem),
                        "vfp" => Ok(Class::Vfp),
                        "neon" => Ok(Class::Neon),
                        "flow" => Ok(Class::Flow),
                        _ => bail!("unknown class {c}"),
                    })
                    .collect::<Result<_>>()?
            }
            "--reference" => reference = val()?.split_whitespace().map(String::from).collect(),
            "--subject" => subject = val()?.split_whitespace().map(String::from).collect(),
            "--accel" => accels = val()?.split(',').map(String::from).collect(),
            "--harness" => harness = PathBuf::from(val()?),
            "--show" => show = val()?.parse()?,
            "--help" | "-h" => {
                println!(
                    "rsemu-difftest [--seed N] [--cases N per class] [--classes alu,mem,vfp,neon]\n  \
                     [--reference CMD] [--subject CMD] [--accel interp,jit] [--harness PATH] [--show N]"
                );
                std::process::exit(0);
            }
            _ => bail!("unknown argument {a}"),
        }
    }
    // The harness reports where its epilogue is in a header-less run: take
    // it from the symbol table instead (fixed, non-PIE binary).
    let nm = Command::new("arm-linux-gnueabihf-nm")
        .arg(&harness)
        .output()
        .context("running nm")?;
    let epilogue = String::from_utf8_lossy(&nm.stdout)
        .lines()
        .find(|l| l.ends_with(" epilogue"))
        .and_then(|l| u32::from_str_radix(l.split_whitespace().next()?, 16).ok())
        .context("no epilogue symbol in the harness")?;
    Ok(Config {
        seed,
        cases,
        classes,
        reference,
        subject,
        accels,
        harness,
        epilogue,
        show,
    })
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
    let mut total_bad = 0usize;
    let mut total = 0usize;
    for &class in &cfg.classes {
        let mut rng = Rng(cfg.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ class as u64 ^ 0x5555);
        let cases: Vec<Case> = (0..cfg.cases).map(|_| gen_case(&mut rng, class)).collect();
        let want = run_emulator(&cfg.reference, &cfg.harness, &cases, cfg.epilogue)?;
        for accel in &cfg.accels {
            // The JIT compiles every block at its first run, so it, not the
            // interpreter, runs the case.
            let mut subject = cfg.subject.clone();
            subject.extend(["-accel".to_string(), accel.clone()]);
            let got = run_emulator(&subject, &cfg.harness, &cases, cfg.epilogue)?;
            let insns: usize = cases.iter().map(|c| c.insns.len()).sum();
            let bad: Vec<usize> = (0..cases.len())
                .filter(|&i| !differences(&want[i], &got[i]).is_empty())
                .collect();
            if std::env::var_os("DIFFTEST_SHOW_FAULTS").is_some() {
                if let Some(i) = (0..cases.len()).find(|&i| matches!(&want[i], Outcome::Died(_))) {
                    for gi in &cases[i].insns {
                        println!(
                            "  fault case {i}: {:02x?} {}",
                            gi.bytes,
                            disasm(&cs_arm, &cs_thumb, cases[i].thumb, &gi.bytes)
                        );
                    }
                }
            }
            let both_died = (0..cases.len())
                .filter(|&i| matches!((&want[i], &got[i]), (Outcome::Died(_), Outcome::Died(_))))
                .count();
            println!(
                "{:5} {accel:6}: {} cases, {} instructions, {} divergent, {} fault in both",
                class.name(),
                cases.len(),
                insns,
                bad.len(),
                both_died
            );
            for &i in bad.iter().take(cfg.show) {
                let c = &cases[i];
                // Minimise: the first instruction that diverges on its own.
                let mut culprit = None;
                // (Flow cases branch between their instructions: no single
                // instruction stands alone.)
                if c.insns.len() > 1 && class != Class::Flow {
                    let singles: Vec<Case> = c
                        .insns
                        .iter()
                        .map(|gi| Case {
                            thumb: c.thumb,
                            state: c.state.clone(),
                            insns: vec![gi.clone()],
                        })
                        .collect();
                    let w = run_emulator(&cfg.reference, &cfg.harness, &singles, cfg.epilogue)?;
                    let g = run_emulator(&subject, &cfg.harness, &singles, cfg.epilogue)?;
                    culprit = (0..singles.len()).find(|&k| !differences(&w[k], &g[k]).is_empty());
                }
                println!("  case {i} ({}):", if c.thumb { "T32" } else { "A32" });
                for (k, gi) in c.insns.iter().enumerate() {
                    let hex: Vec<String> = gi
                        .bytes
                        .chunks(2)
                        .rev()
                        .map(|h| format!("{:02x}{:02x}", h[1], h[0]))
                        .collect();
                    let enc = if c.thumb {
                        hex.iter().rev().cloned().collect::<Vec<_>>().join(" ")
                    } else {
                        hex.concat()
                    };
                    let mark = if culprit == Some(k) {
                        "  <== diverges alone"
                    } else {
                        ""
                    };
                    println!(
                        "    {enc:>10}  {}{mark}",
                        disasm(&cs_arm, &cs_thumb, c.thumb, &gi.bytes)
                    );
                }
                let regs: Vec<String> = (0..15)
                    .filter(|&r| r != 13)
                    .map(|r| format!("r{r}={:08x}", c.state.r[r]))
                    .collect();
                println!(
                    "    before: {} apsr={:08x} fpscr={:08x}",
                    regs.join(" "),
                    c.state.apsr,
                    c.state.fpscr
                );
                if matches!(class, Class::Vfp | Class::Neon) {
                    for row in c.state.d.chunks(4).enumerate() {
                        let v: Vec<String> = row
                            .1
                            .iter()
                            .enumerate()
                            .map(|(k, d)| format!("d{}={d:016x}", 4 * row.0 + k))
                            .collect();
                        println!("            {}", v.join(" "));
                    }
                }
                for d in differences(&want[i], &got[i]) {
                    println!("    reference vs rsemu: {d}");
                }
            }
            total_bad += bad.len();
            total += cases.len();
        }
    }
    println!("difftest: {} passed, {total_bad} failed", total - total_bad);
    if total_bad > 0 {
        bail!("{total_bad} divergent cases");
    }
    Ok(())
}
