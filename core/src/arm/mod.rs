//! The ARMv7-A front end: CPU state, the decode tables for each instruction
//! set, and the translator that turns guest code into IR blocks.

pub mod a32;
pub mod cp15;
pub mod cpu;
pub mod decoder;
pub mod exception;
pub mod neon;
pub mod t32;
pub mod vfp;

use crate::ir::{it_advance, Block, Cond, Insn, Op, SysOp, PC};
use crate::mem::{GuestMemory, MemFault};

/// Most instructions in one block: bounds translation latency and the work
/// thrown away when a block is invalidated.
pub const MAX_BLOCK_INSNS: usize = 64;
/// Most conditional branches a block goes on past ([`Limits::side_exits`]):
/// the code right after a branch is what pays (an if-then, a loop's exit
/// path); more costs compilation time in start-up code for little.
pub const MAX_SIDE_EXITS: usize = 1;
/// Most conditional branches a block goes on past when that makes it a
/// loop: a translation may go on past more, but is kept that long only
/// if it then branches back to its own start (a loop with several exit
/// tests, `while (a && b)`: deflate's match chain), else cut back to
/// [`MAX_SIDE_EXITS`].
pub const MAX_LOOP_SIDE_EXITS: usize = 4;

/// Whether a T32 halfword starts a 32-bit encoding.
pub fn t32_is_wide(first: u16) -> bool {
    (first >> 11) >= 0b11101
}

/// Whether `op` ends a block: it may change the PC or leave the engine.
pub fn ends_block(op: &Op) -> bool {
    match op {
        Op::Alu { op, rd, .. } => *rd == PC && !op.is_test(),
        Op::Load { rt, .. } => *rt == PC,
        Op::LoadMultiple { regs, .. } => regs & (1 << 15) != 0,
        Op::Branch { .. }
        | Op::BranchLink { .. }
        | Op::BranchExchange { .. }
        | Op::CompareBranch { .. }
        | Op::TableBranch { .. }
        | Op::Svc { .. }
        | Op::Bkpt { .. }
        | Op::Undefined { .. }
        | Op::DebugTrap
        | Op::Wait => true,
        // Other register writes to PC are UNPREDICTABLE; ending the block
        // keeps whatever the backend does with them well defined.
        Op::Mul { rd, .. } | Op::Movt { rd, .. } => *rd == PC,
        // System register writes may change the translation regime, the
        // block key or the timers.
        Op::Coproc { read, .. } => !*read,
        Op::Sys(op) => !matches!(
            **op,
            SysOp::MrsSpsr { .. } | SysOp::MrsBanked { .. } | SysOp::Unprivileged { .. }
        ),
        _ => false,
    }
}

/// With VFP and Advanced SIMD disabled (FPEXC.EN, CPACR), their
/// instructions are UNDEFINED; the system-register accesses the kernel
/// needs to enable them are `Op::Sys` and stay.
/// Optional parts of the instruction set that a CPU model may lack
/// ([`Limits::missing`]): their encodings are then UNDEFINED, as on that
/// CPU.
pub mod feature {
    /// SDIV/UDIV (ARM and Thumb; Cortex-A7/A15, not A8/A9).
    pub const IDIV: u32 = 1 << 0;
    /// VFPv4's fused multiply-add (VFMA/VFMS/VFNMA/VFNMS, NEON VFMA/VFMS).
    pub const VFPV4: u32 = 1 << 1;
}

fn fp_gate(op: Op, fp_enabled: bool, missing: u32, raw: u32) -> Op {
    use crate::ir::neon::{NeonInsn, SameOp};
    use crate::ir::vfp::{ArithOp, VfpInsn};
    let undefined = match &op {
        Op::Vfp(_) | Op::Neon(_) if !fp_enabled => true,
        Op::Div { .. } => missing & feature::IDIV != 0,
        Op::Vfp(v) => {
            missing & feature::VFPV4 != 0
                && matches!(
                    **v,
                    VfpInsn::Arith {
                        op: ArithOp::Fma | ArithOp::Fms | ArithOp::Fnma | ArithOp::Fnms,
                        ..
                    }
                )
        }
        Op::Neon(n) => {
            missing & feature::VFPV4 != 0
                && matches!(
                    **n,
                    NeonInsn::Same {
                        op: SameOp::Fma | SameOp::Fms,
                        ..
                    }
                )
        }
        _ => false,
    };
    if undefined {
        Op::Undefined { raw }
    } else {
        op
    }
}

/// Decodes one instruction at `pc`. Returns the instruction and, for T32,
/// the ITSTATE to use for the next one.
pub fn decode_one<M: GuestMemory>(
    mem: &mut M,
    pc: u32,
    thumb: bool,
    it: u8,
) -> Result<(Insn, u8), MemFault> {
    decode_gated(mem, pc, thumb, it, true, 0)
}

fn decode_gated<M: GuestMemory>(
    mem: &mut M,
    pc: u32,
    thumb: bool,
    it: u8,
    fp_enabled: bool,
    missing: u32,
) -> Result<(Insn, u8), MemFault> {
    if !thumb {
        let raw = mem.fetch_u32(pc)?;
        let (cond, op) = a32::decode(raw, pc);
        let op = fp_gate(op, fp_enabled, missing, raw);
        return Ok((
            Insn {
                op,
                cond,
                pc,
                len: 4,
                it: 0,
            },
            0,
        ));
    }
    let first = mem.fetch_u16(pc)?;
    let (op, len) = if t32_is_wide(first) {
        let second = mem.fetch_u16(pc.wrapping_add(2))?;
        let raw = (first as u32) << 16 | second as u32;
        (
            fp_gate(t32::decode32(raw, pc, it), fp_enabled, missing, raw),
            4,
        )
    } else {
        (t32::decode16(first, pc, it), 2)
    };
    let mut cond = if it & 0xf != 0 {
        Cond::from_bits((it >> 4) as u32)
    } else {
        Cond::Al
    };
    // Conditional branches carry their own condition (never inside IT).
    if it & 0xf == 0 {
        if let Some(c) = t16_branch_cond(first, len) {
            cond = c;
        } else if len == 4 {
            let raw = (first as u32) << 16 | mem.fetch_u16(pc.wrapping_add(2))? as u32;
            if let Some(c) = t32_branch_cond(raw) {
                cond = c;
            }
        }
    }
    // The IT instruction itself sets up ITSTATE for what follows.
    let next_it = if len == 2 && first & 0xff00 == 0xbf00 && first & 0xf != 0 {
        (first & 0xff) as u8
    } else {
        it_advance(it)
    };
    Ok((
        Insn {
            op,
            cond,
            pc,
            len,
            it,
        },
        next_it,
    ))
}

/// The condition of a 16-bit conditional branch `1101 cccc imm8`.
fn t16_branch_cond(first: u16, len: u8) -> Option<Cond> {
    if len == 2 && first >> 12 == 0b1101 {
        let c = (first >> 8) & 0xf;
        if c < 0b1110 {
            return Some(Cond::from_bits(c as u32));
        }
    }
    None
}

/// The condition of a 32-bit conditional branch (encoding T3 of B).
fn t32_branch_cond(raw: u32) -> Option<Cond> {
    // 11110 S cond imm6 | 10 J1 0 J2 imm11, with cond not 111x.
    if raw & 0xf800_d000 == 0xf000_8000 {
        let c = (raw >> 22) & 0xf;
        if c < 0b1110 {
            return Some(Cond::from_bits(c));
        }
    }
    None
}

/// Translates the block starting at `pc` in the given state. Fails only if
/// the first instruction cannot be fetched; a later fetch fault ends the
/// block before that instruction, so the fault is raised when it runs.
pub fn translate<M: GuestMemory>(
    mem: &mut M,
    pc: u32,
    thumb: bool,
    it: u8,
) -> Result<Block, MemFault> {
    translate_keyed(mem, pc, thumb, it, 0)
}

/// [`translate`] for a CPU whose system state is `key_bits`
/// ([`cpu::key`]): with VFP disabled its instructions become UNDEFINED.
pub fn translate_keyed<M: GuestMemory>(
    mem: &mut M,
    pc: u32,
    thumb: bool,
    it: u8,
    key_bits: u32,
) -> Result<Block, MemFault> {
    translate_with(
        mem,
        pc,
        thumb,
        it,
        &Limits {
            key_bits,
            ..Limits::default()
        },
    )
}

/// How far [`translate_with`] goes.
#[derive(Clone, Debug)]
pub struct Limits<'a> {
    /// The CPU's [`cpu::key`] bits.
    pub key_bits: u32,
    /// Most instructions in the block.
    pub max_insns: usize,
    /// Debugger breakpoints: a block stops before any of them, and a block
    /// that starts at one is a single [`Op::DebugTrap`].
    pub breakpoints: Option<&'a std::collections::BTreeSet<u32>>,
    /// [`feature`] bits the CPU model lacks.
    pub missing: u32,
    /// Go on past a conditional direct branch along its fall-through path
    /// (the branch becomes a side exit): longer blocks for compiled code.
    /// The engine interprets cold code in blocks that stop at every
    /// branch, and translates a block again with side exits when it
    /// compiles it.
    pub side_exits: bool,
}

impl Default for Limits<'_> {
    fn default() -> Self {
        Limits {
            key_bits: 0,
            max_insns: MAX_BLOCK_INSNS,
            breakpoints: None,
            missing: 0,
            side_exits: true,
        }
    }
}

/// How many unconditional branches one translation with side exits
/// follows (see [`translate_with`]).
pub const MAX_FOLLOWED: usize = 2;

/// Whether a translation with side exits of a block starting at `start`
/// goes on past `insn`: a conditional branch (a side exit), or an
/// unconditional branch elsewhere on the block's page (followed to its
/// target).
pub fn extends_past(insn: &Insn, start: u32) -> bool {
    is_side_exit(insn) || followable(insn, start)
}

/// An unconditional direct branch outside an IT block to another place on
/// `start`'s page.
fn followable(insn: &Insn, start: u32) -> bool {
    match insn.op {
        Op::Branch { target } => {
            insn.cond == Cond::Al
                && insn.it == 0
                && target >> 12 == start >> 12
                && target != start
                && target != insn.pc
        }
        _ => false,
    }
}

/// Whether `insn` is a conditional direct branch, which a block translated
/// with [`Limits::side_exits`] goes on past (it becomes a side exit).
pub fn is_side_exit(insn: &Insn) -> bool {
    match insn.op {
        Op::Branch { .. } => insn.cond != Cond::Al,
        Op::CompareBranch { .. } => true,
        _ => false,
    }
}

/// Translates a block within `limits`.
pub fn translate_with<M: GuestMemory>(
    mem: &mut M,
    pc: u32,
    thumb: bool,
    it: u8,
    limits: &Limits,
) -> Result<Block, MemFault> {
    let at_breakpoint = |a: u32| limits.breakpoints.is_some_and(|b| b.contains(&a));
    if at_breakpoint(pc) {
        return Ok(Block {
            start: pc,
            thumb,
            insns: vec![Insn {
                op: Op::DebugTrap,
                cond: Cond::Al,
                pc,
                len: 0,
                it,
            }],
            end: pc,
            end_it: it,
        });
    }
    let fp_enabled = limits.key_bits & cpu::key::FP_OFF == 0;
    let mut insns = Vec::with_capacity(16);
    let mut cur = pc;
    let mut it = it;
    let page = pc & !0xfff;
    let mut side_exits = 0;
    let mut followed = 0;
    // Where the block would end with MAX_SIDE_EXITS side exits: (length,
    // end, end ITSTATE), once it goes on past that.
    let mut short: Option<(usize, u32, u8)> = None;
    loop {
        let (mut insn, next_it) =
            match decode_gated(mem, cur, thumb, it, fp_enabled, limits.missing) {
                Ok(x) => x,
                Err(fault) if insns.is_empty() => return Err(fault),
                Err(_) => break,
            };
        // An unconditional branch elsewhere on the page (not back into
        // the block, not to a breakpoint): the block goes on at its
        // target, so that a loop laid out with its step before its test
        // (`b test`) becomes one block looping to its own start, and code
        // on both sides of a jump shares its host registers. The branch
        // stays as a no-op at its address.
        if limits.side_exits && followed < MAX_FOLLOWED && next_it == 0 && followable(&insn, pc) {
            if let Op::Branch { target } = insn.op {
                if !insns.iter().any(|i: &Insn| i.pc == target) && !at_breakpoint(target) {
                    followed += 1;
                    insn.op = Op::Nop;
                    insns.push(insn);
                    cur = target;
                    if insns.len() >= limits.max_insns {
                        break;
                    }
                    continue;
                }
            }
        }
        // A conditional direct branch is a side exit: the block goes on
        // along its fall-through path (the backends leave at the branch
        // when it is taken), so that code between branches stays in one
        // block, with its registers in host registers and its flags in
        // host flags.
        let side_exit =
            limits.side_exits && side_exits < MAX_LOOP_SIDE_EXITS && is_side_exit(&insn);
        side_exits += side_exit as usize;
        let end = ends_block(&insn.op) && !side_exit;
        cur = insn.next_pc();
        it = next_it;
        insns.push(insn);
        if side_exit && side_exits > MAX_SIDE_EXITS && short.is_none() {
            short = Some((insns.len(), cur, it));
        }
        // After a followed branch, straight-line code may run into the
        // block's own instructions: the block ends there (it goes on at
        // them, as a jump), rather than holding them twice.
        let rejoins = followed > 0 && insns.iter().any(|i| i.pc == cur);
        if end
            || rejoins
            || insns.len() >= limits.max_insns
            || cur & !0xfff != page
            || at_breakpoint(cur)
        {
            break;
        }
    }
    // Most blocks are a few instructions: a start-up translates tens of
    // thousands of them, and the unused capacity was a third of its page
    // faults.
    insns.shrink_to_fit();
    let block = Block {
        start: pc,
        thumb,
        insns,
        end: cur,
        end_it: it,
    };
    if let Some((len, end, end_it)) = short {
        let cut = Block {
            start: pc,
            thumb,
            insns: block.insns[..len].to_vec(),
            end,
            end_it,
        };
        // Kept long only when that closes a loop the short one does not.
        if !block.branches_to_start() || cut.branches_to_start() {
            return Ok(cut);
        }
    }
    Ok(block)
}
