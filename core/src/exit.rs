//! Why the engine stopped: the [`Exit`] the interpreter, the JIT and the
//! engine all return. It lives below all three so that none imports
//! another to name it.

use crate::mem::MemFault;

/// Why the engine stopped running guest code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// SVC executed. `cpu.r[15]` is the address after it.
    Syscall {
        /// Address of the SVC instruction.
        pc: u32,
        /// Its immediate.
        imm: u32,
    },
    /// An undefined (or unsupported) instruction. `cpu.r[15]` is its address.
    Undefined {
        /// Address of the instruction.
        pc: u32,
        /// Its encoding (T32 32-bit: first halfword in the top half).
        raw: u32,
        /// Whether it was T32.
        thumb: bool,
    },
    /// BKPT. `cpu.r[15]` is its address.
    Breakpoint {
        /// Address of the instruction.
        pc: u32,
        /// Its immediate.
        imm: u32,
    },
    /// A data access or instruction fetch failed. `cpu.r[15]` is the address
    /// of the faulting instruction; its effects were not committed.
    MemFault {
        /// Address of the instruction.
        pc: u32,
        /// The failed access.
        fault: MemFault,
    },
    /// WFI/WFE. `cpu.r[15]` is the next instruction.
    Wait,
    /// A debugger breakpoint was reached (see `Engine::set_breakpoints`):
    /// `cpu.r[15]` is its address; the instruction there has not run.
    Debug {
        /// The breakpoint's address.
        pc: u32,
    },
    /// The interrupt flag was raised (an asynchronous event needs handling).
    Interrupted,
    /// HVC at PL1 (system mode: the machine may implement PSCI behind it,
    /// or take an undefined-instruction exception). `cpu.r[15]` is the
    /// next instruction.
    Hvc {
        /// Address of the HVC.
        pc: u32,
        /// Its immediate.
        imm: u32,
    },
    /// SMC at PL1, as [`Exit::Hvc`].
    Smc {
        /// Address of the SMC.
        pc: u32,
        /// Its immediate.
        imm: u32,
    },
    /// A generic timer register was written (system mode): the machine
    /// recomputes the timers. `cpu.r[15]` is the next instruction.
    TimerChanged,
    /// An instruction cleared CPSR.I or CPSR.F (system mode): handled by
    /// the engine, which takes a pending interrupt. `cpu.r[15]` is the
    /// next instruction.
    InterruptsUnmasked,
}
