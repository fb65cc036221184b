//! Functions compiled code calls: the escape to the reference interpreter
//! for one instruction, and the VFP and NEON arithmetic.
//!
//! They use the System V calling convention, take the [`JitCtx`] first and
//! are generic over the memory type, so the block compiler takes the address
//! of the instance for the engine's memory type.

use super::JitCtx;
use crate::arm::cpu::CpuState;
use crate::interp::{exec_one, Flow};
use crate::ir::neon::NeonInsn;
use crate::ir::vfp::VfpInsn;
use crate::ir::Insn;
use crate::mem::{Access, GuestMemory, MemFault, MemResult};

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
        Flow::Resume => JUMP,
        Flow::Exit(e) => {
            ctx.exit = Some(e);
            EXIT
        }
    }
}

/// Memory for VFP data-processing instructions, which never access it.
struct NoMemory;

impl GuestMemory for NoMemory {
    fn read_u8(&mut self, addr: u32) -> MemResult<u8> {
        Err(MemFault::perm(addr, Access::Read))
    }
    fn read_u16(&mut self, addr: u32) -> MemResult<u16> {
        Err(MemFault::perm(addr, Access::Read))
    }
    fn read_u32(&mut self, addr: u32) -> MemResult<u32> {
        Err(MemFault::perm(addr, Access::Read))
    }
    fn write_u8(&mut self, addr: u32, _: u8) -> MemResult<()> {
        Err(MemFault::perm(addr, Access::Write))
    }
    fn write_u16(&mut self, addr: u32, _: u16) -> MemResult<()> {
        Err(MemFault::perm(addr, Access::Write))
    }
    fn write_u32(&mut self, addr: u32, _: u32) -> MemResult<()> {
        Err(MemFault::perm(addr, Access::Write))
    }
    fn compare_exchange(&mut self, addr: u32, _: u8, _: u64, _: u64) -> MemResult<bool> {
        Err(MemFault::perm(addr, Access::Write))
    }
    fn swap(&mut self, addr: u32, _: u8, _: u32) -> MemResult<u32> {
        Err(MemFault::perm(addr, Access::Write))
    }
    fn fetch_u16(&mut self, addr: u32) -> MemResult<u16> {
        Err(MemFault::perm(addr, Access::Exec))
    }
}

/// Runs a VFP data-processing instruction (arithmetic, compare, convert),
/// which reads and writes only extension registers and FPSCR.
///
/// # Safety
/// `cpu` must be the running guest's state and `insn` a live VFP
/// instruction of that kind.
pub unsafe extern "sysv64" fn vfp_pure(cpu: *mut CpuState, insn: *const VfpInsn) {
    // SAFETY: guaranteed by the caller; compiled code is suspended in the
    // call, so nothing else uses the state.
    let (cpu, insn) = unsafe { (&mut *cpu, &*insn) };
    let r = crate::interp::vfp::exec(cpu, &mut NoMemory, insn);
    debug_assert!(r.is_ok(), "a VFP data-processing op touched memory");
}

/// Runs an Advanced SIMD data-processing instruction (not a load or
/// store), which reads and writes only extension registers and FPSCR.QC.
///
/// # Safety
/// `cpu` must be the running guest's state and `insn` a live NEON
/// instruction that does not access memory.
pub unsafe extern "sysv64" fn neon_pure(cpu: *mut CpuState, insn: *const NeonInsn) {
    // SAFETY: guaranteed by the caller; compiled code is suspended in the
    // call, so nothing else uses the state.
    let (cpu, insn) = unsafe { (&mut *cpu, &*insn) };
    let r = crate::interp::neon::exec(cpu, &mut NoMemory, insn);
    debug_assert!(r.is_ok(), "a NEON data-processing op touched memory");
}
