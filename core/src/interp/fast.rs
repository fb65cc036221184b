//! Translate-time specialisation of IR blocks for the interpreter.
//!
//! The general `exec` path decides, for every executed instruction, which
//! ALU operation, operand form, flag setting and PC handling applies: several
//! data-dependent branches on top of the dispatch. Here those decisions are
//! made once per block: the commonest instruction shapes (ALU ops on an
//! immediate or a plain register, compares, word/byte/halfword loads and
//! stores with an immediate or register offset, direct branches) become
//! dedicated steps whose execution is straight-line code. Everything else is
//! a `Generic` step that runs the reference path. Specialised steps never
//! read or write PC, so only generic steps need `r[15]` set first.

use super::alu::{add_with_carry, low_mask, shift_value};
use super::{exec, fault, Flow};
use crate::arm::cpu::CpuState;
use crate::exit::Exit;
use crate::ir::*;
use crate::mem::GuestMemory;
use std::sync::atomic::{AtomicBool, Ordering};

/// A block ready for the interpreter: the IR and its specialised steps.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The IR block (generic steps and fault reports refer to it).
    pub block: Block,
    steps: Vec<Step>,
    /// The block can branch back to its own start without a lookup: it
    /// does not start inside an IT block (whose state would differ).
    self_loop: bool,
}

/// One specialised instruction: condition, index of its IR instruction, and
/// what to do.
#[derive(Clone, Copy, Debug)]
struct Step {
    cond: Cond,
    idx: u16,
    kind: Kind,
}

/// The specialised shapes. Register fields are never PC.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Generic,
    MovImm {
        rd: u8,
        imm: u32,
    },
    MovReg {
        rd: u8,
        rm: u8,
    },
    AddImm {
        rd: u8,
        rn: u8,
        imm: u32,
    },
    SubImm {
        rd: u8,
        rn: u8,
        imm: u32,
    },
    RsbImm {
        rd: u8,
        rn: u8,
        imm: u32,
    },
    AndImm {
        rd: u8,
        rn: u8,
        imm: u32,
    },
    OrrImm {
        rd: u8,
        rn: u8,
        imm: u32,
    },
    EorImm {
        rd: u8,
        rn: u8,
        imm: u32,
    },
    BicImm {
        rd: u8,
        rn: u8,
        imm: u32,
    },
    /// ALU ops on a register shifted by a constant (no RRX).
    AddReg {
        rd: u8,
        rn: u8,
        rm: u8,
        sh: ConstShift,
    },
    SubReg {
        rd: u8,
        rn: u8,
        rm: u8,
        sh: ConstShift,
    },
    RsbReg {
        rd: u8,
        rn: u8,
        rm: u8,
        sh: ConstShift,
    },
    AndReg {
        rd: u8,
        rn: u8,
        rm: u8,
        sh: ConstShift,
    },
    OrrReg {
        rd: u8,
        rn: u8,
        rm: u8,
        sh: ConstShift,
    },
    EorReg {
        rd: u8,
        rn: u8,
        rm: u8,
        sh: ConstShift,
    },
    BicReg {
        rd: u8,
        rn: u8,
        rm: u8,
        sh: ConstShift,
    },
    MvnReg {
        rd: u8,
        rm: u8,
        sh: ConstShift,
    },
    /// The same ALU ops on a plain register (the commonest case, with no
    /// shift to decide at run time).
    AddR {
        rd: u8,
        rn: u8,
        rm: u8,
    },
    SubR {
        rd: u8,
        rn: u8,
        rm: u8,
    },
    AndR {
        rd: u8,
        rn: u8,
        rm: u8,
    },
    OrrR {
        rd: u8,
        rn: u8,
        rm: u8,
    },
    EorR {
        rd: u8,
        rn: u8,
        rm: u8,
    },
    /// UBFX/SBFX.
    Ubfx {
        rd: u8,
        rn: u8,
        lsb: u8,
        width: u8,
    },
    Sbfx {
        rd: u8,
        rn: u8,
        lsb: u8,
        width: u8,
    },
    /// UXTB/UXTH/SXTB/SXTH without add, rotation `rot`.
    Uxtb {
        rd: u8,
        rm: u8,
        rot: u8,
    },
    Uxth {
        rd: u8,
        rm: u8,
        rot: u8,
    },
    Sxtb {
        rd: u8,
        rm: u8,
        rot: u8,
    },
    Sxth {
        rd: u8,
        rm: u8,
        rot: u8,
    },
    /// MUL/MLA without flags.
    Mul {
        rd: u8,
        rn: u8,
        rm: u8,
    },
    Mla {
        rd: u8,
        rn: u8,
        rm: u8,
        ra: u8,
    },
    LslImm {
        rd: u8,
        rm: u8,
        sh: u8,
    },
    LsrImm {
        rd: u8,
        rm: u8,
        sh: u8,
    },
    AsrImm {
        rd: u8,
        rm: u8,
        sh: u8,
    },
    /// CMP/SUBS (`write`: SUBS) with an immediate.
    SubsImm {
        rd: u8,
        rn: u8,
        imm: u32,
        write: bool,
    },
    /// CMN/ADDS with an immediate.
    AddsImm {
        rd: u8,
        rn: u8,
        imm: u32,
        write: bool,
    },
    /// CMP/SUBS with a plain register.
    SubsReg {
        rd: u8,
        rn: u8,
        rm: u8,
        write: bool,
    },
    /// ADDS/CMN with a plain register.
    AddsReg {
        rd: u8,
        rn: u8,
        rm: u8,
        write: bool,
    },
    /// TST with an immediate that leaves C alone.
    TstImm {
        rn: u8,
        imm: u32,
    },
    /// TST/ANDS with a plain register.
    AndsReg {
        rd: u8,
        rn: u8,
        rm: u8,
        write: bool,
    },
    /// Loads and stores at rn + signed offset, no writeback.
    Ldr {
        rt: u8,
        rn: u8,
        off: i32,
    },
    Ldrb {
        rt: u8,
        rn: u8,
        off: i32,
    },
    Ldrh {
        rt: u8,
        rn: u8,
        off: i32,
    },
    Str {
        rt: u8,
        rn: u8,
        off: i32,
    },
    Strb {
        rt: u8,
        rn: u8,
        off: i32,
    },
    Strh {
        rt: u8,
        rn: u8,
        off: i32,
    },
    /// Loads and stores at rn + (rm << sh), no writeback.
    LdrReg {
        rt: u8,
        rn: u8,
        rm: u8,
        sh: u8,
    },
    LdrbReg {
        rt: u8,
        rn: u8,
        rm: u8,
        sh: u8,
    },
    StrReg {
        rt: u8,
        rn: u8,
        rm: u8,
        sh: u8,
    },
    StrbReg {
        rt: u8,
        rn: u8,
        rm: u8,
        sh: u8,
    },
    /// Byte load/store with writeback: pre-indexed (`pre`) or post-indexed.
    LdrbWb {
        rt: u8,
        rn: u8,
        off: i32,
        pre: bool,
    },
    StrbWb {
        rt: u8,
        rn: u8,
        off: i32,
        pre: bool,
    },
    LdrWb {
        rt: u8,
        rn: u8,
        off: i32,
        pre: bool,
    },
    StrWb {
        rt: u8,
        rn: u8,
        off: i32,
        pre: bool,
    },
    Branch {
        target: u32,
    },
    /// CBZ/CBNZ.
    Cbz {
        rn: u8,
        nonzero: bool,
        target: u32,
    },
    /// BX to a register other than PC.
    Bx {
        rm: u8,
    },
    /// BL/BLX immediate: `lr` is the precomputed return address.
    Bl {
        target: u32,
        lr: u32,
        to_thumb: bool,
    },
    /// A flag-setting subtract/compare with an immediate fused with the
    /// conditional branch that ends the block (loop back-edges).
    SubsImmBranch {
        rd: u8,
        rn: u8,
        imm: u32,
        write: bool,
        cond: Cond,
        target: u32,
    },
    /// The same with a register operand.
    SubsRegBranch {
        rd: u8,
        rn: u8,
        rm: u8,
        write: bool,
        cond: Cond,
        target: u32,
    },
}

/// A shift by a constant (LSL, LSR, ASR, ROR; not RRX) as branch-free
/// data: rotate right, keep the bits of `mask`, fill the others from the
/// sign if `fill` is all ones. One formula covers the four kinds, so a
/// step does not choose among them at run time.
#[derive(Clone, Copy, Debug)]
struct ConstShift {
    rot: u8,
    mask: u32,
    fill: u32,
}

impl ConstShift {
    fn new(shift: Shift, amount: u8) -> ConstShift {
        let n = amount as u32;
        let (rot, mask) = match shift {
            Shift::Lsl if n < 32 => ((32 - n) % 32, u32::MAX << n),
            Shift::Lsl => (0, 0),
            Shift::Lsr | Shift::Asr if n >= 32 => (0, 0),
            Shift::Lsr | Shift::Asr => (n, u32::MAX >> n),
            _ => (n % 32, u32::MAX),
        };
        let fill = if shift == Shift::Asr { u32::MAX } else { 0 };
        ConstShift {
            rot: rot as u8,
            mask,
            fill,
        }
    }

    #[inline(always)]
    fn apply(self, v: u32) -> u32 {
        let sign = ((v as i32) >> 31) as u32 & self.fill;
        (v.rotate_right(self.rot as u32) & self.mask) | (sign & !self.mask)
    }
}

fn no_pc(regs: &[u8]) -> bool {
    regs.iter().all(|&r| r != PC)
}

fn specialise_alu(op: AluOp, s: bool, rd: u8, rn: u8, op2: &Operand) -> Kind {
    let write = !op.is_test();
    if !no_pc(&[rd, rn]) {
        return Kind::Generic;
    }
    match (*op2, s) {
        (Operand::Imm { value: imm, .. }, false) => match op {
            AluOp::Mov => Kind::MovImm { rd, imm },
            AluOp::Mvn => Kind::MovImm { rd, imm: !imm },
            AluOp::Add => Kind::AddImm { rd, rn, imm },
            AluOp::Sub => Kind::SubImm { rd, rn, imm },
            AluOp::Rsb => Kind::RsbImm { rd, rn, imm },
            AluOp::And => Kind::AndImm { rd, rn, imm },
            AluOp::Orr => Kind::OrrImm { rd, rn, imm },
            AluOp::Eor => Kind::EorImm { rd, rn, imm },
            AluOp::Bic => Kind::BicImm { rd, rn, imm },
            AluOp::Orn => Kind::OrrImm { rd, rn, imm: !imm },
            _ => Kind::Generic,
        },
        (Operand::Imm { value: imm, carry }, true) => match op {
            AluOp::Sub | AluOp::Cmp => Kind::SubsImm { rd, rn, imm, write },
            AluOp::Add | AluOp::Cmn => Kind::AddsImm { rd, rn, imm, write },
            AluOp::Tst if carry.is_none() => Kind::TstImm { rn, imm },
            _ => Kind::Generic,
        },
        (Operand::Reg { rm, shift, amount }, false) if rm != PC => {
            if op == AluOp::Mov {
                return match (shift, amount) {
                    (_, 0) if shift != Shift::Rrx => Kind::MovReg { rd, rm },
                    (Shift::Lsl, 1..=31) => Kind::LslImm { rd, rm, sh: amount },
                    (Shift::Lsr, 1..=31) => Kind::LsrImm { rd, rm, sh: amount },
                    (Shift::Asr, 1..=31) => Kind::AsrImm { rd, rm, sh: amount },
                    _ => Kind::Generic,
                };
            }
            if shift == Shift::Rrx {
                return Kind::Generic;
            }
            let sh = ConstShift::new(shift, amount);
            if (shift, amount) == (Shift::Lsl, 0) {
                match op {
                    AluOp::Add => return Kind::AddR { rd, rn, rm },
                    AluOp::Sub => return Kind::SubR { rd, rn, rm },
                    AluOp::And => return Kind::AndR { rd, rn, rm },
                    AluOp::Orr => return Kind::OrrR { rd, rn, rm },
                    AluOp::Eor => return Kind::EorR { rd, rn, rm },
                    _ => {}
                }
            }
            match op {
                AluOp::Add => Kind::AddReg { rd, rn, rm, sh },
                AluOp::Sub => Kind::SubReg { rd, rn, rm, sh },
                AluOp::Rsb => Kind::RsbReg { rd, rn, rm, sh },
                AluOp::And => Kind::AndReg { rd, rn, rm, sh },
                AluOp::Orr => Kind::OrrReg { rd, rn, rm, sh },
                AluOp::Eor => Kind::EorReg { rd, rn, rm, sh },
                AluOp::Bic => Kind::BicReg { rd, rn, rm, sh },
                AluOp::Mvn => Kind::MvnReg { rd, rm, sh },
                _ => Kind::Generic,
            }
        }
        (
            Operand::Reg {
                rm,
                shift: Shift::Lsl,
                amount: 0,
            },
            true,
        ) if rm != PC => match op {
            AluOp::Sub | AluOp::Cmp => Kind::SubsReg { rd, rn, rm, write },
            AluOp::Add | AluOp::Cmn => Kind::AddsReg { rd, rn, rm, write },
            AluOp::And | AluOp::Tst => Kind::AndsReg { rd, rn, rm, write },
            _ => Kind::Generic,
        },
        _ => Kind::Generic,
    }
}

fn specialise_mem(load: bool, size: MemSize, rt: u8, a: &Addr) -> Kind {
    let (rn, rt) = (a.rn, rt);
    if !no_pc(&[rn, rt]) || (a.wback && rn == rt) {
        return Kind::Generic;
    }
    match a.offset {
        Offset::Imm(imm) => {
            let off = if a.add {
                imm as i32
            } else {
                (imm as i32).wrapping_neg()
            };
            if !a.wback {
                match (load, size) {
                    (true, MemSize::U32) => Kind::Ldr { rt, rn, off },
                    (true, MemSize::U8) => Kind::Ldrb { rt, rn, off },
                    (true, MemSize::U16) => Kind::Ldrh { rt, rn, off },
                    (false, MemSize::U32) => Kind::Str { rt, rn, off },
                    (false, MemSize::U8) => Kind::Strb { rt, rn, off },
                    (false, MemSize::U16) => Kind::Strh { rt, rn, off },
                    _ => Kind::Generic,
                }
            } else {
                let pre = a.index;
                match (load, size) {
                    (true, MemSize::U8) => Kind::LdrbWb { rt, rn, off, pre },
                    (false, MemSize::U8) => Kind::StrbWb { rt, rn, off, pre },
                    (true, MemSize::U32) => Kind::LdrWb { rt, rn, off, pre },
                    (false, MemSize::U32) => Kind::StrWb { rt, rn, off, pre },
                    _ => Kind::Generic,
                }
            }
        }
        Offset::Reg {
            rm,
            shift: Shift::Lsl,
            amount,
        } if rm != PC && a.add && a.index && !a.wback && amount < 32 => {
            let sh = amount;
            match (load, size) {
                (true, MemSize::U32) => Kind::LdrReg { rt, rn, rm, sh },
                (true, MemSize::U8) => Kind::LdrbReg { rt, rn, rm, sh },
                (false, MemSize::U32) => Kind::StrReg { rt, rn, rm, sh },
                (false, MemSize::U8) => Kind::StrbReg { rt, rn, rm, sh },
                _ => Kind::Generic,
            }
        }
        _ => Kind::Generic,
    }
}

/// The specialised step of `insn`. `flags_seen`: whether any flag it
/// writes can be observed later (from `ir::flags`); a flag-setting ALU op
/// whose flags nothing reads runs as its plain form.
fn specialise(insn: &Insn, thumb: bool, flags_seen: bool) -> Kind {
    match insn.op {
        Op::Alu { op, s, rd, rn, op2 } => {
            // A test op without flags does nothing: keep it as it is.
            let s = s && (flags_seen || op.is_test());
            specialise_alu(op, s, rd, rn, &op2)
        }
        Op::Load { size, rt, addr } => specialise_mem(true, size, rt, &addr),
        Op::Store { size, rt, addr } => specialise_mem(false, size, rt, &addr),
        Op::Branch { target } => Kind::Branch { target },
        Op::CompareBranch {
            rn,
            nonzero,
            target,
        } if rn != PC => Kind::Cbz {
            rn,
            nonzero,
            target,
        },
        Op::BranchExchange { rm, link: false } if rm != PC => Kind::Bx { rm },
        Op::BranchLink { target, to_thumb } => Kind::Bl {
            target,
            // The return address carries the caller's state in bit 0.
            lr: insn.next_pc() | thumb as u32,
            to_thumb,
        },
        Op::Bfx {
            signed,
            rd,
            rn,
            lsb,
            width,
        } if no_pc(&[rd, rn]) => {
            if signed {
                Kind::Sbfx { rd, rn, lsb, width }
            } else {
                Kind::Ubfx { rd, rn, lsb, width }
            }
        }
        Op::Extend {
            signed,
            bits,
            dual: false,
            rd,
            rn: None,
            rm,
            rot,
        } if no_pc(&[rd, rm]) => match (signed, bits) {
            (false, 8) => Kind::Uxtb { rd, rm, rot },
            (false, _) => Kind::Uxth { rd, rm, rot },
            (true, 8) => Kind::Sxtb { rd, rm, rot },
            (true, _) => Kind::Sxth { rd, rm, rot },
        },
        Op::Mul {
            op,
            s: false,
            rd,
            rn,
            rm,
            ra,
        } if no_pc(&[rd, rn, rm, ra]) => match op {
            MulOp::Mul => Kind::Mul { rd, rn, rm },
            MulOp::Mla => Kind::Mla { rd, rn, rm, ra },
            MulOp::Mls => Kind::Generic,
        },
        _ => Kind::Generic,
    }
}

/// Specialises a translated block.
pub fn compile(block: Block) -> Compiled {
    let live = crate::ir::flags::live_writes(&block);
    let mut steps: Vec<Step> = block
        .insns
        .iter()
        .enumerate()
        .map(|(i, insn)| Step {
            cond: insn.cond,
            idx: i as u16,
            kind: specialise(insn, block.thumb, live[i] != 0),
        })
        .collect();
    fuse_compare_and_branch(&mut steps);
    let self_loop = block.insns.first().is_some_and(|i| i.it == 0);
    Compiled {
        block,
        steps,
        self_loop,
    }
}

/// Fuses `cmp/subs ...; b<cond> target` at the end of a block into one step.
fn fuse_compare_and_branch(steps: &mut Vec<Step>) {
    let n = steps.len();
    if n < 2 || steps[n - 2].cond != Cond::Al || steps[n - 1].cond == Cond::Al {
        return;
    }
    let (cond, Kind::Branch { target }) = (steps[n - 1].cond, steps[n - 1].kind) else {
        return;
    };
    let fused = match steps[n - 2].kind {
        Kind::SubsImm { rd, rn, imm, write } => Kind::SubsImmBranch {
            rd,
            rn,
            imm,
            write,
            cond,
            target,
        },
        Kind::SubsReg { rd, rn, rm, write } => Kind::SubsRegBranch {
            rd,
            rn,
            rm,
            write,
            cond,
            target,
        },
        _ => return,
    };
    steps[n - 2].kind = fused;
    steps.pop();
}

#[inline(always)]
fn set_nzcv(cpu: &mut CpuState, (r, c, v): (u32, bool, bool)) -> u32 {
    cpu.set_nzcv(r >> 31 != 0, r == 0, c, v);
    r
}

/// Runs a compiled block. Returns `None` when execution should continue at
/// `cpu.r[15]`, or the exit that stopped it.
#[inline(always)]
pub fn run<M: GuestMemory>(
    cpu: &mut CpuState,
    mem: &mut M,
    code: &Compiled,
    interrupt: &AtomicBool,
) -> Option<Exit> {
    run_budget(cpu, mem, code, interrupt, u32::MAX)
}

/// [`run`], going round a block that loops to its own start at most
/// `loop_budget` more times before returning (with `cpu.r[15]` at the
/// block's start), so that a JIT can take over a loop that turns out
/// to be long.
#[inline(always)]
pub fn run_budget<M: GuestMemory>(
    cpu: &mut CpuState,
    mem: &mut M,
    code: &Compiled,
    interrupt: &AtomicBool,
    mut loop_budget: u32,
) -> Option<Exit> {
    let block = &code.block;
    let thumb = block.thumb;
    macro_rules! r {
        ($x:expr) => {
            cpu.r[($x & 15) as usize]
        };
    }
    macro_rules! mem_op {
        ($step:expr, $e:expr) => {
            match $e {
                Ok(v) => v,
                Err(f) => {
                    if let Flow::Exit(e) = fault(cpu, &block.insns[$step.idx as usize], f) {
                        return Some(e);
                    }
                    unreachable!()
                }
            }
        };
    }
    // A direct branch back to this block's start (a tight loop) restarts
    // the steps here instead of going back through the block lookup.
    macro_rules! jump {
        ($l:lifetime, $target:expr) => {{
            let target = $target;
            cpu.itstate = 0;
            if target == block.start
                && code.self_loop
                && loop_budget > 0
                && !interrupt.load(Ordering::Relaxed)
            {
                loop_budget -= 1;
                continue $l;
            }
            cpu.r[15] = target;
            return None;
        }};
    }
    'block: loop {
        for step in &code.steps {
            if step.cond != Cond::Al && !cpu.cond_passed(step.cond) {
                continue;
            }
            match step.kind {
                Kind::Generic => {
                    let insn = &block.insns[step.idx as usize];
                    cpu.r[15] = insn.pc_read(thumb);
                    match exec(cpu, mem, insn, thumb) {
                        Flow::Next => {}
                        Flow::Jump => {
                            cpu.itstate = 0;
                            return None;
                        }
                        Flow::Resume => return None,
                        Flow::Exit(e) => return Some(e),
                    }
                }
                Kind::MovImm { rd, imm } => r!(rd) = imm,
                Kind::MovReg { rd, rm } => r!(rd) = r!(rm),
                Kind::AddImm { rd, rn, imm } => r!(rd) = r!(rn).wrapping_add(imm),
                Kind::SubImm { rd, rn, imm } => r!(rd) = r!(rn).wrapping_sub(imm),
                Kind::RsbImm { rd, rn, imm } => r!(rd) = imm.wrapping_sub(r!(rn)),
                Kind::AndImm { rd, rn, imm } => r!(rd) = r!(rn) & imm,
                Kind::OrrImm { rd, rn, imm } => r!(rd) = r!(rn) | imm,
                Kind::EorImm { rd, rn, imm } => r!(rd) = r!(rn) ^ imm,
                Kind::BicImm { rd, rn, imm } => r!(rd) = r!(rn) & !imm,
                Kind::AddReg { rd, rn, rm, sh } => r!(rd) = r!(rn).wrapping_add(sh.apply(r!(rm))),
                Kind::SubReg { rd, rn, rm, sh } => r!(rd) = r!(rn).wrapping_sub(sh.apply(r!(rm))),
                Kind::RsbReg { rd, rn, rm, sh } => r!(rd) = sh.apply(r!(rm)).wrapping_sub(r!(rn)),
                Kind::AndReg { rd, rn, rm, sh } => r!(rd) = r!(rn) & sh.apply(r!(rm)),
                Kind::OrrReg { rd, rn, rm, sh } => r!(rd) = r!(rn) | sh.apply(r!(rm)),
                Kind::EorReg { rd, rn, rm, sh } => r!(rd) = r!(rn) ^ sh.apply(r!(rm)),
                Kind::BicReg { rd, rn, rm, sh } => r!(rd) = r!(rn) & !sh.apply(r!(rm)),
                Kind::AddR { rd, rn, rm } => r!(rd) = r!(rn).wrapping_add(r!(rm)),
                Kind::SubR { rd, rn, rm } => r!(rd) = r!(rn).wrapping_sub(r!(rm)),
                Kind::AndR { rd, rn, rm } => r!(rd) = r!(rn) & r!(rm),
                Kind::OrrR { rd, rn, rm } => r!(rd) = r!(rn) | r!(rm),
                Kind::EorR { rd, rn, rm } => r!(rd) = r!(rn) ^ r!(rm),
                Kind::MvnReg { rd, rm, sh } => r!(rd) = !sh.apply(r!(rm)),
                Kind::Ubfx { rd, rn, lsb, width } => {
                    r!(rd) = (r!(rn) >> lsb) & low_mask(width as u32)
                }
                Kind::Sbfx { rd, rn, lsb, width } => {
                    let up = 32 - (lsb as u32 + width as u32);
                    r!(rd) = (((r!(rn) << up) as i32) >> (32 - width as u32)) as u32;
                }
                Kind::Uxtb { rd, rm, rot } => r!(rd) = r!(rm).rotate_right(rot as u32) & 0xff,
                Kind::Uxth { rd, rm, rot } => r!(rd) = r!(rm).rotate_right(rot as u32) & 0xffff,
                Kind::Sxtb { rd, rm, rot } => {
                    r!(rd) = r!(rm).rotate_right(rot as u32) as u8 as i8 as i32 as u32
                }
                Kind::Sxth { rd, rm, rot } => {
                    r!(rd) = r!(rm).rotate_right(rot as u32) as u16 as i16 as i32 as u32
                }
                Kind::Mul { rd, rn, rm } => r!(rd) = r!(rn).wrapping_mul(r!(rm)),
                Kind::Mla { rd, rn, rm, ra } => {
                    r!(rd) = r!(rn).wrapping_mul(r!(rm)).wrapping_add(r!(ra))
                }
                Kind::LslImm { rd, rm, sh } => r!(rd) = r!(rm) << sh,
                Kind::LsrImm { rd, rm, sh } => r!(rd) = r!(rm) >> sh,
                Kind::AsrImm { rd, rm, sh } => {
                    r!(rd) = shift_value(r!(rm), Shift::Asr, sh as u32, false)
                }
                Kind::SubsImm { rd, rn, imm, write } => {
                    let v = set_nzcv(cpu, add_with_carry(r!(rn), !imm, true));
                    if write {
                        r!(rd) = v;
                    }
                }
                Kind::AddsImm { rd, rn, imm, write } => {
                    let v = set_nzcv(cpu, add_with_carry(r!(rn), imm, false));
                    if write {
                        r!(rd) = v;
                    }
                }
                Kind::SubsReg { rd, rn, rm, write } => {
                    let v = set_nzcv(cpu, add_with_carry(r!(rn), !r!(rm), true));
                    if write {
                        r!(rd) = v;
                    }
                }
                Kind::AddsReg { rd, rn, rm, write } => {
                    let v = set_nzcv(cpu, add_with_carry(r!(rn), r!(rm), false));
                    if write {
                        r!(rd) = v;
                    }
                }
                Kind::TstImm { rn, imm } => {
                    let v = r!(rn) & imm;
                    cpu.set_nz_from(v);
                }
                Kind::AndsReg { rd, rn, rm, write } => {
                    // A plain register operand's shifter carry-out is C itself.
                    let v = r!(rn) & r!(rm);
                    cpu.set_nz_from(v);
                    if write {
                        r!(rd) = v;
                    }
                }
                Kind::Ldr { rt, rn, off } => {
                    r!(rt) = mem_op!(step, mem.read_u32(r!(rn).wrapping_add(off as u32)));
                }
                Kind::Ldrb { rt, rn, off } => {
                    r!(rt) = mem_op!(step, mem.read_u8(r!(rn).wrapping_add(off as u32))) as u32;
                }
                Kind::Ldrh { rt, rn, off } => {
                    r!(rt) = mem_op!(step, mem.read_u16(r!(rn).wrapping_add(off as u32))) as u32;
                }
                Kind::Str { rt, rn, off } => {
                    mem_op!(step, mem.write_u32(r!(rn).wrapping_add(off as u32), r!(rt)));
                }
                Kind::Strb { rt, rn, off } => {
                    mem_op!(
                        step,
                        mem.write_u8(r!(rn).wrapping_add(off as u32), r!(rt) as u8)
                    );
                }
                Kind::Strh { rt, rn, off } => {
                    mem_op!(
                        step,
                        mem.write_u16(r!(rn).wrapping_add(off as u32), r!(rt) as u16)
                    );
                }
                Kind::LdrReg { rt, rn, rm, sh } => {
                    r!(rt) = mem_op!(step, mem.read_u32(r!(rn).wrapping_add(r!(rm) << sh)));
                }
                Kind::LdrbReg { rt, rn, rm, sh } => {
                    r!(rt) = mem_op!(step, mem.read_u8(r!(rn).wrapping_add(r!(rm) << sh))) as u32;
                }
                Kind::StrReg { rt, rn, rm, sh } => {
                    mem_op!(
                        step,
                        mem.write_u32(r!(rn).wrapping_add(r!(rm) << sh), r!(rt))
                    );
                }
                Kind::StrbReg { rt, rn, rm, sh } => {
                    mem_op!(
                        step,
                        mem.write_u8(r!(rn).wrapping_add(r!(rm) << sh), r!(rt) as u8)
                    );
                }
                Kind::LdrbWb { rt, rn, off, pre } => {
                    let next = r!(rn).wrapping_add(off as u32);
                    let v = mem_op!(step, mem.read_u8(if pre { next } else { r!(rn) })) as u32;
                    r!(rn) = next;
                    r!(rt) = v;
                }
                Kind::StrbWb { rt, rn, off, pre } => {
                    let next = r!(rn).wrapping_add(off as u32);
                    mem_op!(
                        step,
                        mem.write_u8(if pre { next } else { r!(rn) }, r!(rt) as u8)
                    );
                    r!(rn) = next;
                }
                Kind::LdrWb { rt, rn, off, pre } => {
                    let next = r!(rn).wrapping_add(off as u32);
                    let v = mem_op!(step, mem.read_u32(if pre { next } else { r!(rn) }));
                    r!(rn) = next;
                    r!(rt) = v;
                }
                Kind::StrWb { rt, rn, off, pre } => {
                    let next = r!(rn).wrapping_add(off as u32);
                    mem_op!(step, mem.write_u32(if pre { next } else { r!(rn) }, r!(rt)));
                    r!(rn) = next;
                }
                Kind::Branch { target } => jump!('block, target),
                Kind::Cbz {
                    rn,
                    nonzero,
                    target,
                } => {
                    if (r!(rn) != 0) == nonzero {
                        jump!('block, target);
                    }
                }
                Kind::Bx { rm } => {
                    let target = r!(rm);
                    super::bx_write_pc(cpu, target);
                    cpu.itstate = 0;
                    return None;
                }
                Kind::Bl {
                    target,
                    lr,
                    to_thumb,
                } => {
                    cpu.r[14] = lr;
                    cpu.thumb = to_thumb;
                    cpu.r[15] = target;
                    cpu.itstate = 0;
                    return None;
                }
                Kind::SubsImmBranch {
                    rd,
                    rn,
                    imm,
                    write,
                    cond,
                    target,
                } => {
                    let v = set_nzcv(cpu, add_with_carry(r!(rn), !imm, true));
                    if write {
                        r!(rd) = v;
                    }
                    if cpu.cond_passed(cond) {
                        jump!('block, target);
                    }
                }
                Kind::SubsRegBranch {
                    rd,
                    rn,
                    rm,
                    write,
                    cond,
                    target,
                } => {
                    let v = set_nzcv(cpu, add_with_carry(r!(rn), !r!(rm), true));
                    if write {
                        r!(rd) = v;
                    }
                    if cpu.cond_passed(cond) {
                        jump!('block, target);
                    }
                }
            }
        }
        break;
    }
    cpu.r[15] = block.end;
    cpu.itstate = block.end_it;
    None
}

#[cfg(test)]
mod tests {
    //! Every specialised step must do exactly what the reference path does:
    //! random encodings whose step is specialised run both ways from the
    //! same random state, and the whole state must match.
    use super::*;
    use crate::arm::{a32, t32, t32_is_wide};
    use crate::mem::{FlatMemory, GuestMemory};

    use crate::test_rng::Rng;

    const BASE: u32 = 0x1000;
    const SIZE: usize = 0x4000;

    fn run_one(
        insn: &Insn,
        thumb: bool,
        specialised: bool,
        cpu: &mut CpuState,
        mem: &mut FlatMemory,
    ) -> Option<Exit> {
        let block = Block {
            start: insn.pc,
            thumb,
            insns: vec![insn.clone()],
            end: insn.next_pc(),
            end_it: 0,
        };
        let mut code = compile(block);
        if !specialised {
            code.steps.iter_mut().for_each(|s| s.kind = Kind::Generic);
        }
        // A raised interrupt flag makes a branch to itself (`b .`) leave instead
        // of spinning.
        run(cpu, mem, &code, &AtomicBool::new(true))
    }

    fn check(insn: Insn, thumb: bool, rng: &mut Rng) -> bool {
        if matches!(specialise(&insn, thumb, true), Kind::Generic) {
            return false;
        }
        let mut cpu = CpuState::default();
        for r in 0..15 {
            // Registers point into the scratch memory half the time, so
            // loads and stores hit it.
            cpu.r[r] = if rng.next() & 1 == 0 {
                BASE + 0x1000 + (rng.next() & 0x7ff)
            } else {
                rng.next()
            };
        }
        cpu.nzcv = rng.next() & 15;
        cpu.thumb = thumb;
        let mut mem = FlatMemory::new(BASE, SIZE);
        for (i, b) in mem.bytes.iter_mut().enumerate() {
            *b = (i as u32).wrapping_mul(2654435761) as u8;
        }
        let (mut c1, mut m1) = (cpu.clone(), mem.clone());
        let (mut c2, mut m2) = (cpu, mem);
        let e1 = run_one(&insn, thumb, false, &mut c1, &mut m1);
        let e2 = run_one(&insn, thumb, true, &mut c2, &mut m2);
        assert_eq!(e1, e2, "{insn:?}");
        assert_eq!(
            (c1.r, c1.nzcv, c1.itstate, c1.thumb),
            (c2.r, c2.nzcv, c2.itstate, c2.thumb),
            "{insn:?}"
        );
        assert!(m1.bytes == m2.bytes, "memory differs after {insn:?}");
        true
    }

    #[test]
    fn specialised_a32_steps_match_the_reference() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        let mut checked = 0;
        for _ in 0..400_000 {
            let raw = rng.next();
            let (cond, op) = a32::decode(raw, 0x2000);
            let insn = Insn {
                op,
                cond,
                pc: 0x2000,
                len: 4,
                it: 0,
            };
            checked += check(insn, false, &mut rng) as u32;
        }
        assert!(checked > 20_000, "only {checked} specialised encodings");
    }

    #[test]
    fn specialised_t32_steps_match_the_reference() {
        let mut rng = Rng(0x0fed_cba9_8765_4321);
        let mut checked = 0;
        for _ in 0..400_000 {
            let first = rng.next() as u16;
            let (op, len) = if t32_is_wide(first) {
                (
                    t32::decode32((first as u32) << 16 | (rng.next() & 0xffff), 0x2000, 0),
                    4,
                )
            } else {
                (t32::decode16(first, 0x2000, 0), 2)
            };
            let insn = Insn {
                op,
                cond: Cond::Al,
                pc: 0x2000,
                len,
                it: 0,
            };
            checked += check(insn, true, &mut rng) as u32;
        }
        assert!(checked > 20_000, "only {checked} specialised encodings");
    }

    #[test]
    fn compare_and_branch_fuse() {
        // cmp r0, #5; blt back
        let insns = vec![
            Insn {
                op: Op::Alu {
                    op: AluOp::Cmp,
                    s: true,
                    rd: 0,
                    rn: 0,
                    op2: Operand::imm(5),
                },
                cond: Cond::Al,
                pc: 0x100,
                len: 4,
                it: 0,
            },
            Insn {
                op: Op::Branch { target: 0x80 },
                cond: Cond::Lt,
                pc: 0x104,
                len: 4,
                it: 0,
            },
        ];
        let code = compile(Block {
            start: 0x100,
            thumb: false,
            insns,
            end: 0x108,
            end_it: 0,
        });
        assert_eq!(code.steps.len(), 1);
        let mut mem = FlatMemory::new(0, 16);
        let mut cpu = CpuState::default();
        cpu.r[0] = 3;
        assert_eq!(
            run(&mut cpu, &mut mem, &code, &AtomicBool::new(false)),
            None
        );
        assert_eq!(cpu.r[15], 0x80);
        cpu.r[0] = 7;
        assert_eq!(
            run(&mut cpu, &mut mem, &code, &AtomicBool::new(false)),
            None
        );
        assert_eq!(cpu.r[15], 0x108);
        let _ = mem.read_u8(0);
    }

    #[test]
    fn self_loops_run_in_place_and_stop_on_interrupt() {
        // loop: subs r0, r0, #1; bne loop
        let insns = vec![
            Insn {
                op: Op::Alu {
                    op: AluOp::Sub,
                    s: true,
                    rd: 0,
                    rn: 0,
                    op2: Operand::imm(1),
                },
                cond: Cond::Al,
                pc: 0x100,
                len: 4,
                it: 0,
            },
            Insn {
                op: Op::Branch { target: 0x100 },
                cond: Cond::Ne,
                pc: 0x104,
                len: 4,
                it: 0,
            },
        ];
        let code = compile(Block {
            start: 0x100,
            thumb: false,
            insns,
            end: 0x108,
            end_it: 0,
        });
        let mut mem = FlatMemory::new(0, 16);
        let mut cpu = CpuState::default();
        cpu.r[0] = 1000;
        assert_eq!(
            run(&mut cpu, &mut mem, &code, &AtomicBool::new(false)),
            None
        );
        assert_eq!((cpu.r[0], cpu.r[15]), (0, 0x108));
        cpu.r[0] = 1000;
        assert_eq!(run(&mut cpu, &mut mem, &code, &AtomicBool::new(true)), None);
        assert_eq!((cpu.r[0], cpu.r[15]), (999, 0x100));
        // A budget of 10 more rounds: 11 iterations, then back at the start.
        cpu.r[0] = 1000;
        let stop = AtomicBool::new(false);
        assert_eq!(run_budget(&mut cpu, &mut mem, &code, &stop, 10), None);
        assert_eq!((cpu.r[0], cpu.r[15]), (989, 0x100));
    }
}
