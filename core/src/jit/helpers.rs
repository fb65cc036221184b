//! Functions compiled code calls: the escape to the reference interpreter
//! for one instruction.
//!
//! They use the System V calling convention, take the [`JitCtx`] first and
//! are generic over the memory type, so the block compiler takes the address
//! of the instance for the engine's memory type.

use super::JitCtx;
use crate::arm::cpu::CpuState;
use crate::interp::{exec_one, Flow};
use crate::ir::Insn;
use crate::mem::GuestMemory;

/// Helper result: go on with the next instruction.
pub const NEXT: u32 = 0;
/// Helper result: PC was written; look up the next block.
pub const JUMP: u32 = 1;
/// Helper result: leave the engine with `ctx.exit`.
pub const EXIT: u32 = 2;

/// Runs `insn` (its condition already passed) with the interpreter's
/// semantics.
///
/// # Safety
/// `ctx` must be the live context of the running compiled code, its `cpu`
/// and `mem` pointers valid and `mem` of type `M`; `insn` must point at a
/// live instruction.
pub unsafe extern "sysv64" fn generic<M: GuestMemory>(ctx: *mut JitCtx, insn: *const Insn) -> u32 {
    // SAFETY: guaranteed by the caller (the compiled code passes its own
    // context and a pointer into the block it was compiled from).
    let (ctx, insn) = unsafe { (&mut *ctx, &*insn) };
    // SAFETY: as above; nothing else uses the state or memory while the
    // helper runs (compiled code is suspended in the call).
    let (cpu, mem): (&mut CpuState, &mut M) = unsafe { (&mut *ctx.cpu, &mut *(ctx.mem as *mut M)) };
    let thumb = cpu.thumb;
    match exec_one(cpu, mem, insn, thumb) {
        Flow::Next => NEXT,
        Flow::Jump => {
            cpu.itstate = 0;
            JUMP
        }
        Flow::Exit(e) => {
            ctx.exit = Some(e);
            EXIT
        }
    }
}
