//! Condition-flag liveness over a block: which N, Z, C, V writes a later
//! instruction (or the code after the block) can observe.
//!
//! Thumb code sets flags on almost every 16-bit ALU instruction (`movs`,
//! `adds`, `subs` outside IT blocks), and most of those flags are overwritten
//! before anything reads them. A backend that computes flags eagerly (the
//! JIT packs them from host flags after each flag-setting instruction) uses
//! this analysis to skip the dead ones.
//!
//! Precision rules: every instruction that can leave the block or the engine
//! (memory accesses that may fault, anything run through the reference
//! interpreter, system calls) counts as reading all four flags, because the
//! guest state must be exact there (a signal handler sees the flags). At the
//! end of the block all flags are live.

use super::{AluOp, Block, Cond, Insn, Op, Operand, Shift};

/// Flag bits, in the layout of `CpuState::nzcv`.
pub const N: u8 = 8;
/// Zero flag.
pub const Z: u8 = 4;
/// Carry flag.
pub const C: u8 = 2;
/// Overflow flag.
pub const V: u8 = 1;
/// All four.
pub const NZCV: u8 = 15;

/// The flags a condition reads.
pub fn cond_reads(cond: Cond) -> u8 {
    match cond {
        Cond::Eq | Cond::Ne => Z,
        Cond::Cs | Cond::Cc => C,
        Cond::Mi | Cond::Pl => N,
        Cond::Vs | Cond::Vc => V,
        Cond::Hi | Cond::Ls => C | Z,
        Cond::Ge | Cond::Lt => N | V,
        Cond::Gt | Cond::Le => N | Z | V,
        Cond::Al => 0,
    }
}

/// What one instruction does to the flags: the flags it reads, and the
/// flags it always overwrites when it executes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagUse {
    /// Read (including conditions and exits that expose the state).
    pub reads: u8,
    /// Overwritten whenever the instruction executes.
    pub writes: u8,
}

/// The flags the shifter carry of a flag-setting logical op writes, and
/// whether it reads C to compute it.
fn logical_carry(op2: &Operand) -> (u8, u8) {
    match *op2 {
        Operand::Imm { carry: None, .. } => (0, 0),
        Operand::Imm { carry: Some(_), .. } => (C, 0),
        Operand::Reg {
            shift: Shift::Rrx, ..
        } => (C, C),
        Operand::Reg {
            shift: Shift::Lsl,
            amount: 0,
            ..
        } => (0, 0),
        Operand::Reg { .. } => (C, 0),
        // A zero amount in the register leaves C alone: a read and a write.
        Operand::RegShift { .. } => (C, C),
    }
}

/// Whether reading `op2` needs the carry flag (RRX).
fn operand_reads_c(op2: &Operand) -> bool {
    matches!(
        op2,
        Operand::Reg {
            shift: Shift::Rrx,
            ..
        }
    )
}

/// The flag use of one instruction, ignoring its condition.
fn op_use(op: &Op) -> FlagUse {
    let all = FlagUse {
        reads: NZCV,
        writes: 0,
    };
    let none = FlagUse {
        reads: 0,
        writes: 0,
    };
    match op {
        Op::Nop | Op::Barrier | Op::Movt { .. } => none,
        // Leaves the block: the state must be exact there (a branch can
        // be a side exit in the middle of a block). Like memory accesses,
        // they read the flags only to expose them (`access_only`).
        Op::Branch { .. } | Op::BranchLink { .. } => all,
        Op::Alu { op, s, op2, .. } => {
            let c_in = match op {
                AluOp::Adc | AluOp::Sbc | AluOp::Rsc => C,
                _ => 0,
            };
            let rrx = if operand_reads_c(op2) { C } else { 0 };
            if !s {
                return FlagUse {
                    reads: c_in | rrx,
                    writes: 0,
                };
            }
            if op.is_logical() {
                let (w, r) = logical_carry(op2);
                FlagUse {
                    reads: r | rrx,
                    writes: N | Z | w,
                }
            } else {
                FlagUse {
                    reads: c_in | rrx,
                    writes: NZCV,
                }
            }
        }
        Op::Mul { s, .. } | Op::MulLong { s, .. } => FlagUse {
            reads: 0,
            writes: if *s { N | Z } else { 0 },
        },
        Op::Div { .. }
        | Op::Unary { .. }
        | Op::Bfi { .. }
        | Op::Bfx { .. }
        | Op::Extend { .. }
        | Op::Pkh { .. }
        | Op::BranchExchange { .. } => none,
        Op::CompareBranch { .. } => all,
        // VFP data processing touches only the extension registers and
        // FPSCR, and cannot fault or exit (with the FPU off it decodes as
        // UNDEFINED instead).
        Op::Vfp(v) if vfp_data(v) => none,
        // Everything else may fault, exit or run through the reference
        // interpreter (loads and stores included): the state must be exact.
        _ => all,
    }
}

/// Whether `v` is VFP data processing (arithmetic, compares, moves of
/// immediates, conversions), which neither reads nor writes NZCV.
fn vfp_data(v: &super::vfp::VfpInsn) -> bool {
    use super::vfp::VfpInsn;
    matches!(
        v,
        VfpInsn::Arith { .. }
            | VfpInsn::Unary { .. }
            | VfpInsn::Cmp { .. }
            | VfpInsn::MovImm { .. }
            | VfpInsn::CvtPrec { .. }
            | VfpInsn::CvtToInt { .. }
            | VfpInsn::CvtFromInt { .. }
            | VfpInsn::CvtFixed { .. }
            | VfpInsn::CvtHalf { .. }
    )
}

/// Whether `op` is a memory access that reads the flags only to make the
/// state exact if it faults, or a branch that reads them only to leave
/// them exact (it computes nothing from them).
fn access_only(op: &Op) -> bool {
    use super::Offset;
    match op {
        Op::Load { addr, .. }
        | Op::Store { addr, .. }
        | Op::LoadDual { addr, .. }
        | Op::StoreDual { addr, .. } => !matches!(
            addr.offset,
            Offset::Reg {
                shift: Shift::Rrx,
                ..
            }
        ),
        Op::LoadMultiple { .. } | Op::StoreMultiple { .. } => true,
        // A load from the table, then an indirect exit.
        Op::TableBranch { .. } => true,
        // Exits (see `op_use`).
        Op::Branch { .. } | Op::BranchLink { .. } | Op::CompareBranch { .. } => true,
        Op::Vfp(v) => matches!(
            **v,
            super::vfp::VfpInsn::LoadStore { .. } | super::vfp::VfpInsn::Multiple { .. }
        ),
        Op::Neon(n) => matches!(
            **n,
            super::neon::NeonInsn::Multi { .. }
                | super::neon::NeonInsn::Lane { .. }
                | super::neon::NeonInsn::AllLanes { .. }
        ),
        _ => false,
    }
}

/// The flag use of an instruction, its condition included. A conditional
/// instruction may not execute, so it overwrites nothing for certain.
pub fn insn_use(insn: &Insn) -> FlagUse {
    let u = op_use(&insn.op);
    if insn.cond == Cond::Al {
        u
    } else {
        FlagUse {
            reads: u.reads | cond_reads(insn.cond),
            writes: 0,
        }
    }
}

/// The flags an instruction's operation writes when it executes.
pub fn op_writes(op: &Op) -> u8 {
    op_use(op).writes
}

/// The flags an instruction's operation reads (its condition aside).
pub fn op_reads(op: &Op) -> u8 {
    op_use(op).reads
}

/// The liveness of `block`'s flag writes: for each instruction, the flags
/// it writes that a later reader can observe, and the flags live after it.
/// With `faults_read` false, memory accesses do not count as readers (they
/// read the flags only so that the state is exact if they fault).
fn analyse(block: &Block, faults_read: bool) -> (Vec<u8>, Vec<u8>) {
    // After the block anything may read the flags; but a backend that
    // defers flags produces them at every exit anyway, so for its
    // "computed" view the block end reads nothing.
    let mut live = if faults_read { NZCV } else { 0 };
    let mut writes = vec![0u8; block.insns.len()];
    let mut after = vec![0u8; block.insns.len()];
    for (i, insn) in block.insns.iter().enumerate().rev() {
        after[i] = live;
        writes[i] = op_use(&insn.op).writes & live;
        let mut u = insn_use(insn);
        if !faults_read && access_only(&insn.op) {
            u.reads = cond_reads(insn.cond);
        }
        live = (live & !u.writes) | u.reads;
    }
    (writes, after)
}

/// The flags an instruction's operation computes with, memory accesses
/// (which read them only for an exact fault) counting as none.
pub fn op_reads_computed(op: &Op) -> u8 {
    if access_only(op) {
        0
    } else {
        op_use(op).reads
    }
}

/// For each instruction of `block`, the flags among those it writes that
/// something later can observe (so the backend must produce them).
pub fn live_writes(block: &Block) -> Vec<u8> {
    analyse(block, true).0
}

/// Like [`live_writes`], with the flags live after each instruction, but
/// memory accesses do not count as readers: what later instructions compute
/// with. A backend that keeps flags unpacked across accesses (producing
/// them only if an access faults) uses this to tell when it must produce
/// them for a real reader.
pub fn live_computed(block: &Block) -> (Vec<u8>, Vec<u8>) {
    analyse(block, false)
}

/// For each instruction of `block`, the flags live after it: what a later
/// instruction, or the code after the block, can read.
pub fn live_out(block: &Block) -> Vec<u8> {
    analyse(block, true).1
}

/// The flags `block` can read before overwriting them: what must be exact
/// when it starts (for a branch back to its own start).
pub fn live_in(block: &Block) -> u8 {
    let mut live = NZCV;
    for insn in block.insns.iter().rev() {
        let u = insn_use(insn);
        live = (live & !u.writes) | u.reads;
    }
    live
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Addr, MemSize};

    fn insn(op: Op, cond: Cond) -> Insn {
        Insn {
            op,
            cond,
            pc: 0,
            len: 2,
            it: 0,
        }
    }

    fn alu(op: AluOp, s: bool, op2: Operand) -> Op {
        Op::Alu {
            op,
            s,
            rd: 0,
            rn: 1,
            op2,
        }
    }

    fn block(insns: Vec<Insn>) -> Block {
        Block {
            start: 0,
            thumb: true,
            insns,
            end: 0,
            end_it: 0,
        }
    }

    #[test]
    fn overwritten_flags_are_dead() {
        // adds r0, r1, #1; cmp r0, #3; bne
        let b = block(vec![
            insn(alu(AluOp::Add, true, Operand::imm(1)), Cond::Al),
            insn(alu(AluOp::Cmp, true, Operand::imm(3)), Cond::Al),
            insn(Op::Branch { target: 0 }, Cond::Ne),
        ]);
        assert_eq!(live_writes(&b), vec![0, NZCV, 0]);
    }

    #[test]
    fn partial_writes_keep_older_flags_live() {
        // cmp (NZCV); movs (NZ only); bcs reads C from the cmp
        let b = block(vec![
            insn(alu(AluOp::Cmp, true, Operand::imm(3)), Cond::Al),
            insn(alu(AluOp::Mov, true, Operand::imm(0)), Cond::Al),
            insn(Op::Branch { target: 0 }, Cond::Cs),
        ]);
        assert_eq!(live_writes(&b), vec![C | V, N | Z, 0]);
    }

    #[test]
    fn conditional_writes_and_faulting_accesses_keep_flags_live() {
        let ld = Op::Load {
            size: MemSize::U32,
            rt: 2,
            addr: Addr::imm(3, 0, true),
        };
        let b = block(vec![
            insn(alu(AluOp::Add, true, Operand::imm(1)), Cond::Al),
            insn(ld, Cond::Al),
            insn(alu(AluOp::Sub, true, Operand::imm(1)), Cond::Eq),
            insn(alu(AluOp::Sub, true, Operand::imm(1)), Cond::Al),
        ]);
        assert_eq!(live_writes(&b), vec![NZCV, 0, 0, NZCV]);
    }

    #[test]
    fn accesses_only_need_flags_if_they_fault() {
        let ld = Op::Load {
            size: MemSize::U32,
            rt: 2,
            addr: Addr::imm(3, 0, true),
        };
        // adds; ldr; cmp: the adds' flags matter only if the ldr faults.
        let b = block(vec![
            insn(alu(AluOp::Add, true, Operand::imm(1)), Cond::Al),
            insn(ld, Cond::Al),
            insn(alu(AluOp::Cmp, true, Operand::imm(1)), Cond::Al),
        ]);
        assert_eq!(live_writes(&b), vec![NZCV, 0, NZCV]);
        // (and at the block end, where exits produce them)
        assert_eq!(live_computed(&b).0, vec![0, 0, 0]);
    }

    #[test]
    fn carry_readers() {
        let b = block(vec![
            insn(alu(AluOp::Cmp, true, Operand::imm(3)), Cond::Al),
            insn(alu(AluOp::Adc, false, Operand::imm(0)), Cond::Al),
            insn(alu(AluOp::Cmp, true, Operand::imm(3)), Cond::Al),
        ]);
        assert_eq!(live_writes(&b), vec![C, 0, NZCV]);
    }
}
