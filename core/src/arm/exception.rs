//! Exception entry and return (ARM ARM B1.8 and B1.9), for system mode.
//!
//! The engine takes synchronous exceptions itself ([`take`]) when a block
//! stops at an SVC, an undefined instruction, a breakpoint or a memory
//! fault, and asynchronous ones ([`take_interrupt`]) when the machine's
//! interrupt lines say so. The instructions that return from exceptions
//! (`subs pc, lr`, RFE, LDM with `^`) use [`return_to`].

use super::cp15::{SCTLR_TE, SCTLR_V};
use super::cpu::{mode, psr, CpuState};
use crate::mem::{Access, FaultKind, GuestMemory, MemFault};

/// The exceptions of a CPU without the Security and Virtualization
/// Extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exception {
    /// Undefined instruction.
    Undefined,
    /// Supervisor call.
    Svc,
    /// Prefetch abort (instruction fetch fault or BKPT).
    PrefetchAbort,
    /// Data abort.
    DataAbort,
    /// IRQ.
    Irq,
    /// FIQ.
    Fiq,
}

impl Exception {
    /// Offset of the exception's vector from the vector base.
    fn vector(self) -> u32 {
        match self {
            Exception::Undefined => 0x04,
            Exception::Svc => 0x08,
            Exception::PrefetchAbort => 0x0c,
            Exception::DataAbort => 0x10,
            Exception::Irq => 0x18,
            Exception::Fiq => 0x1c,
        }
    }

    fn target_mode(self) -> u8 {
        match self {
            Exception::Undefined => mode::UND,
            Exception::Svc => mode::SVC,
            Exception::PrefetchAbort | Exception::DataAbort => mode::ABT,
            Exception::Irq => mode::IRQ,
            Exception::Fiq => mode::FIQ,
        }
    }

    /// The CPSR mask bits the exception sets.
    fn masks(self) -> u32 {
        match self {
            Exception::Undefined | Exception::Svc => psr::I,
            Exception::PrefetchAbort | Exception::DataAbort | Exception::Irq => psr::I | psr::A,
            Exception::Fiq => psr::I | psr::A | psr::F,
        }
    }
}

/// Fault status of an alignment fault in the current format (short
/// descriptors: FS 0b00001; long: STATUS 0b100001 with the LPAE bit).
pub fn alignment_status(cpu: &CpuState) -> u32 {
    if lpae(cpu) {
        0x221
    } else {
        0x001
    }
}

/// Fault status of a debug event (BKPT) in the current format.
pub fn debug_status(cpu: &CpuState) -> u32 {
    if lpae(cpu) {
        0x222
    } else {
        0x002
    }
}

fn lpae(cpu: &CpuState) -> bool {
    cpu.sys.cp15.ttbcr & (1 << 31) != 0
}

/// The architectural status of a memory fault, in the current format.
fn fault_status(cpu: &CpuState, kind: FaultKind) -> u32 {
    match kind {
        FaultKind::Mmu(status) => status,
        FaultKind::Alignment => alignment_status(cpu),
        // A flat memory's refusal: report a translation fault (section).
        FaultKind::Permission if lpae(cpu) => 0x205,
        FaultKind::Permission => 0x005,
    }
}

/// Enters exception `kind`: `lr` is the value the new mode's LR gets. The
/// CPSR (as the faulting instruction left it: ITSTATE included) becomes
/// the new mode's SPSR.
fn enter<M: GuestMemory>(cpu: &mut CpuState, mem: &mut M, kind: Exception, lr: u32) {
    let spsr = cpu.cpsr();
    cpu.set_mode(kind.target_mode());
    cpu.set_spsr(spsr);
    cpu.r[14] = lr;
    cpu.sys.aif |= kind.masks();
    cpu.thumb = cpu.sys.cp15.sctlr & SCTLR_TE != 0;
    cpu.itstate = 0;
    cpu.exclusive = None;
    let base = if cpu.sys.cp15.sctlr & SCTLR_V != 0 {
        0xffff_0000
    } else {
        cpu.sys.cp15.vbar
    };
    cpu.r[15] = base.wrapping_add(kind.vector());
    cpu.update_key_bits();
    // A change of privilege alone keeps translations.
    let _ = mem.set_mmu(&cpu.mmu_state());
}

/// Takes the synchronous exception raised by the instruction at `pc`
/// (for an SVC: the SVC itself, with the CPU already past it). `thumb` is
/// the instruction's state.
pub fn take<M: GuestMemory>(cpu: &mut CpuState, mem: &mut M, kind: Exception, pc: u32) {
    let thumb = cpu.thumb;
    // Preferred return addresses plus the architectural offsets
    // (ARM ARM table B1-7).
    let lr = match kind {
        // The next instruction: an SVC is 2 bytes in T32. An undefined
        // 32-bit T32 instruction also gets +2: the handler works out the
        // length itself (Linux's __und_usr does).
        Exception::Undefined | Exception::Svc => pc.wrapping_add(if thumb { 2 } else { 4 }),
        Exception::PrefetchAbort => pc.wrapping_add(4),
        Exception::DataAbort => pc.wrapping_add(8),
        Exception::Irq | Exception::Fiq => pc.wrapping_add(4),
    };
    enter(cpu, mem, kind, lr);
}

/// Takes the abort for `fault` raised by the instruction at `pc`: a
/// prefetch abort for an instruction fetch, else a data abort, with the
/// fault status and address registers written.
pub fn take_fault<M: GuestMemory>(cpu: &mut CpuState, mem: &mut M, pc: u32, fault: MemFault) {
    let status = fault_status(cpu, fault.kind);
    if fault.access == Access::Exec {
        // IFSR has no domain field (bits 7:4 of a short-format status).
        cpu.sys.cp15.ifsr = if status & (1 << 9) == 0 {
            status & !0xf0
        } else {
            status
        };
        cpu.sys.cp15.ifar = fault.addr;
        take(cpu, mem, Exception::PrefetchAbort, pc);
    } else {
        let wnr = (fault.access == Access::Write) as u32;
        cpu.sys.cp15.dfsr = status | wnr << 11;
        cpu.sys.cp15.dfar = fault.addr;
        take(cpu, mem, Exception::DataAbort, pc);
    }
}

/// Takes the prefetch abort of a BKPT at `pc` (a debug event).
pub fn take_breakpoint<M: GuestMemory>(cpu: &mut CpuState, mem: &mut M, pc: u32) {
    cpu.sys.cp15.ifsr = debug_status(cpu);
    take(cpu, mem, Exception::PrefetchAbort, pc);
}

/// Takes a pending interrupt if its mask allows: FIQ before IRQ. The CPU
/// is between instructions (`r[15]` is the next one). Returns whether an
/// interrupt was taken.
pub fn take_interrupt<M: GuestMemory>(
    cpu: &mut CpuState,
    mem: &mut M,
    irq: bool,
    fiq: bool,
) -> bool {
    let kind = if fiq && cpu.sys.aif & psr::F == 0 {
        Exception::Fiq
    } else if irq && cpu.sys.aif & psr::I == 0 {
        Exception::Irq
    } else {
        return false;
    };
    let next = cpu.r[15];
    enter(cpu, mem, kind, next.wrapping_add(4));
    true
}

/// Returns from an exception: CPSR from `spsr`, then a branch to `target`
/// in the restored state (bit 0 cleared in Thumb, bits 1:0 in ARM state).
/// Returns whether the return unmasked IRQ or FIQ.
pub fn return_to<M: GuestMemory>(cpu: &mut CpuState, mem: &mut M, target: u32, spsr: u32) -> bool {
    let before = cpu.sys.aif;
    cpu.write_cpsr(spsr);
    cpu.r[15] = if cpu.thumb { target & !1 } else { target & !3 };
    cpu.exclusive = None;
    // A change of privilege alone keeps translations.
    let _ = mem.set_mmu(&cpu.mmu_state());
    unmasked(before, cpu.sys.aif)
}

/// Whether going from masks `before` to `after` cleared CPSR.I or CPSR.F.
pub fn unmasked(before: u32, after: u32) -> bool {
    before & !after & (psr::I | psr::F) != 0
}
