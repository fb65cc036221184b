//! rsemu-core: the ARMv7-A guest CPU and the execution engine shared by
//! user mode (`rsemu-arm`) and system mode.
//!
//! The pipeline is decode ([`arm`]) -> IR ([`ir`]) -> backend ([`interp`]),
//! driven by the block cache and dispatch loop in [`exec`]. Memory is reached
//! only through the [`mem::GuestMemory`] trait, and the engine reports what it
//! cannot handle itself as an [`exit::Exit`].

pub mod arm;
pub mod exec;
pub mod exit;
pub mod fp;
pub mod interp;
pub mod ir;
pub mod jit;
pub mod log;
pub mod mem;
#[cfg(test)]
mod test_rng;

pub use arm::cpu::CpuState;
pub use exec::{Accel, Disassembler, Engine, Exit};
pub use mem::{GuestMemory, MemFault};
