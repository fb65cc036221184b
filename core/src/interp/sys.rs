//! Semantics of the privileged and system instructions ([`SysOp`]) and of
//! CP15 accesses, following ARM ARM B9.
//!
//! Each one looks at the current mode: in User mode they do what the
//! architecture says for PL0, which is all user-mode emulation ever sees.
//! Instructions that change state a translated block depends on (the
//! mode, the masks, the translation regime, FPEXC) end the block: they
//! return [`Flow::Resume`] with PC at the next instruction, or an [`Exit`]
//! the engine acts on before going on.

use super::{address, alu_write_pc, fault, operand, undefined, Flow};
use crate::arm::cp15::{self, Effect};
use crate::arm::cpu::{bank, mode, psr, CpuState};
use crate::arm::exception;
use crate::exit::Exit;
use crate::ir::*;
use crate::mem::{Access, GuestMemory, MemResult};

/// Leaves the block after `insn`, which completed: PC and ITSTATE point at
/// the next instruction.
fn end_block(cpu: &mut CpuState, insn: &Insn) -> Flow {
    cpu.r[15] = insn.next_pc();
    cpu.itstate = it_advance(insn.it);
    Flow::Resume
}

/// Leaves the engine after `insn`, which completed, with `exit`.
fn exit_after(cpu: &mut CpuState, insn: &Insn, exit: Exit) -> Flow {
    cpu.r[15] = insn.next_pc();
    cpu.itstate = it_advance(insn.it);
    Flow::Exit(exit)
}

/// After a change of the CPSR masks: if IRQ or FIQ got unmasked the engine
/// must look at the interrupt lines, else the block just ends.
fn after_mask_change(cpu: &mut CpuState, insn: &Insn, before: u32) -> Flow {
    if exception::unmasked(before, cpu.sys.aif) {
        exit_after(cpu, insn, Exit::InterruptsUnmasked)
    } else {
        end_block(cpu, insn)
    }
}

/// Register `n` of mode `m`'s bank, whatever the current mode.
fn banked_reg(cpu: &CpuState, m: u8, n: usize) -> u32 {
    let (cur, target) = (bank(cpu.sys.mode), bank(m));
    match n {
        13 | 14 if cur != target => {
            let b = target.unwrap_or(0);
            if n == 13 {
                cpu.sys.banked_sp[b]
            } else {
                cpu.sys.banked_lr[b]
            }
        }
        8..=12 if (cur == Some(5)) != (target == Some(5)) => {
            if target == Some(5) {
                cpu.sys.fiq_r8_12[n - 8]
            } else {
                cpu.sys.usr_r8_12[n - 8]
            }
        }
        _ => cpu.r[n],
    }
}

/// Writes register `n` of mode `m`'s bank.
fn set_banked_reg(cpu: &mut CpuState, m: u8, n: usize, v: u32) {
    let (cur, target) = (bank(cpu.sys.mode), bank(m));
    match n {
        13 | 14 if cur != target => {
            let b = target.unwrap_or(0);
            if n == 13 {
                cpu.sys.banked_sp[b] = v;
            } else {
                cpu.sys.banked_lr[b] = v;
            }
        }
        8..=12 if (cur == Some(5)) != (target == Some(5)) => {
            if target == Some(5) {
                cpu.sys.fiq_r8_12[n - 8] = v;
            } else {
                cpu.sys.usr_r8_12[n - 8] = v;
            }
        }
        _ => cpu.r[n] = v,
    }
}

/// The register a banked MRS/MSR names (ARM ARM B9.2.3): (mode, register
/// number or 16 for the SPSR). `None` for encodings that name nothing this
/// CPU has (Monitor, Hyp) or reserved ones.
fn banked_target(r: bool, sysm: u8) -> Option<(u8, usize)> {
    if r {
        return Some((
            match sysm {
                0b01110 => mode::FIQ,
                0b10000 => mode::IRQ,
                0b10010 => mode::SVC,
                0b10100 => mode::ABT,
                0b10110 => mode::UND,
                _ => return None,
            },
            16,
        ));
    }
    Some(match sysm {
        0b00000..=0b00110 => (mode::USR, 8 + sysm as usize),
        0b01000..=0b01110 => (mode::FIQ, sysm as usize),
        0b10000..=0b10111 => {
            let m = [mode::IRQ, mode::SVC, mode::ABT, mode::UND][(sysm as usize - 0b10000) / 2];
            (m, if sysm & 1 == 0 { 14 } else { 13 })
        }
        _ => return None,
    })
}

/// CPSRWriteByInstr (not an exception return): `mask` selects the byte
/// fields. Privileged fields are written only at PL1; the execution-state
/// bits (IT, J, T) never.
fn write_cpsr_by_instr(cpu: &mut CpuState, value: u32, mask: u8) {
    if mask & 8 != 0 {
        cpu.set_apsr(value, true, false);
    }
    if mask & 4 != 0 {
        cpu.set_apsr(value, false, true);
    }
    if !cpu.privileged() {
        return;
    }
    if mask & 2 != 0 {
        // E (big-endian) is not supported: stays 0.
        cpu.sys.aif = (cpu.sys.aif & !psr::A) | (value & psr::A);
    }
    if mask & 1 != 0 {
        cpu.sys.aif = (cpu.sys.aif & !(psr::I | psr::F)) | (value & (psr::I | psr::F));
        let m = (value & psr::M) as u8;
        if bank(m).is_some() {
            cpu.set_mode(m);
        }
    }
}

/// The first address and the written-back base of an SRS/RFE (two words).
fn two_words(base: u32, bmode: BlockMode) -> (u32, u32) {
    match bmode {
        BlockMode::Ia => (base, base.wrapping_add(8)),
        BlockMode::Ib => (base.wrapping_add(4), base.wrapping_add(8)),
        BlockMode::Da => (base.wrapping_sub(4), base.wrapping_sub(8)),
        BlockMode::Db => (base.wrapping_sub(8), base.wrapping_sub(8)),
    }
}

macro_rules! mem_try {
    ($cpu:expr, $insn:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(f) => return fault($cpu, $insn, f),
        }
    };
}

/// Executes a system instruction (out of line: rare, and it keeps the
/// interpreter's dispatch small).
#[inline(never)]
pub(super) fn exec<M: GuestMemory>(
    cpu: &mut CpuState,
    mem: &mut M,
    insn: &Insn,
    thumb: bool,
    op: &SysOp,
) -> Flow {
    let privileged = cpu.privileged();
    let undef = |cpu: &mut CpuState, mem: &mut M| {
        let raw = super::raw_encoding(mem, insn, thumb);
        undefined(cpu, insn, thumb, raw)
    };
    match *op {
        SysOp::Cps { aif, disable, mode } => {
            // A NOP in User mode (ARM ARM B9.3.2).
            if !privileged {
                return Flow::Next;
            }
            let before = cpu.sys.aif;
            if disable {
                cpu.sys.aif |= aif;
            } else {
                cpu.sys.aif &= !aif;
            }
            if let Some(m) = mode.filter(|&m| bank(m).is_some()) {
                cpu.set_mode(m);
                let _ = mem.set_mmu(&cpu.mmu_state());
            }
            after_mask_change(cpu, insn, before)
        }
        SysOp::MrsSpsr { rd } => match cpu.spsr() {
            Some(v) => {
                cpu.r[rd as usize] = v;
                Flow::Next
            }
            None => undef(cpu, mem),
        },
        SysOp::MsrPsr {
            spsr,
            mask,
            ref src,
        } => {
            let v = operand(cpu, src);
            if spsr {
                let Some(old) = cpu.spsr() else {
                    return undef(cpu, mem);
                };
                let mut bytes = 0u32;
                for i in 0..4 {
                    if mask & (1 << i) != 0 {
                        bytes |= 0xff << (8 * i);
                    }
                }
                cpu.set_spsr((old & !bytes) | (v & bytes));
                return Flow::Next;
            }
            let (before, old_mode) = (cpu.sys.aif, cpu.sys.mode);
            write_cpsr_by_instr(cpu, v, mask);
            if cpu.sys.mode != old_mode {
                let _ = mem.set_mmu(&cpu.mmu_state());
            }
            if mask & 3 != 0 && privileged {
                after_mask_change(cpu, insn, before)
            } else {
                Flow::Next
            }
        }
        SysOp::MrsBanked { rd, r, sysm } => {
            let Some((m, n)) = banked_target(r, sysm).filter(|_| privileged) else {
                return undef(cpu, mem);
            };
            // Naming the current mode's own register is UNPREDICTABLE:
            // UNDEFINED, as QEMU does.
            if bank(m) == bank(cpu.sys.mode) {
                return undef(cpu, mem);
            }
            cpu.r[rd as usize] = if n == 16 {
                cpu.sys.spsr[bank(m).unwrap_or(0)]
            } else {
                banked_reg(cpu, m, n)
            };
            Flow::Next
        }
        SysOp::MsrBanked { rn, r, sysm } => {
            let Some((m, n)) = banked_target(r, sysm).filter(|_| privileged) else {
                return undef(cpu, mem);
            };
            if bank(m) == bank(cpu.sys.mode) {
                return undef(cpu, mem);
            }
            let v = cpu.r[rn as usize];
            if n == 16 {
                cpu.sys.spsr[bank(m).unwrap_or(0)] = v;
            } else {
                set_banked_reg(cpu, m, n, v);
            }
            Flow::Next
        }
        SysOp::Srs {
            mode: m,
            bmode,
            wback,
        } => {
            // UNDEFINED in User mode; UNPREDICTABLE in System mode (no
            // SPSR) or to a mode this CPU lacks: UNDEFINED.
            let Some(spsr) = cpu.spsr().filter(|_| privileged && bank(m).is_some()) else {
                return undef(cpu, mem);
            };
            let base = banked_reg(cpu, m, 13);
            let (a, new_base) = two_words(base, bmode);
            mem_try!(cpu, insn, super::check_aligned(a, 4, Access::Write));
            mem_try!(cpu, insn, mem.write_u32(a, cpu.r[14]));
            mem_try!(cpu, insn, mem.write_u32(a.wrapping_add(4), spsr));
            if wback {
                set_banked_reg(cpu, m, 13, new_base);
            }
            Flow::Next
        }
        SysOp::Rfe { rn, bmode, wback } => {
            if !privileged {
                return undef(cpu, mem);
            }
            let (a, new_base) = two_words(cpu.r[rn as usize], bmode);
            mem_try!(cpu, insn, super::check_aligned(a, 4, Access::Read));
            let pc = mem_try!(cpu, insn, mem.read_u32(a));
            let psr = mem_try!(cpu, insn, mem.read_u32(a.wrapping_add(4)));
            if wback {
                cpu.r[rn as usize] = new_base;
            }
            exception_return(cpu, mem, pc, psr)
        }
        SysOp::MultipleUser {
            load,
            rn,
            regs,
            bmode,
        } => {
            if !privileged {
                return undef(cpu, mem);
            }
            let (mut a, _) = super::block_addresses(cpu.r[rn as usize], regs.count_ones(), bmode);
            let access = if load { Access::Read } else { Access::Write };
            mem_try!(cpu, insn, super::check_aligned(a, 4, access));
            if load {
                let mut vals = [0u32; 15];
                for (i, val) in vals.iter_mut().enumerate() {
                    if regs & (1 << i) != 0 {
                        *val = mem_try!(cpu, insn, mem.read_u32(a));
                        a = a.wrapping_add(4);
                    }
                }
                for (i, &val) in vals.iter().enumerate() {
                    if regs & (1 << i) != 0 {
                        set_banked_reg(cpu, mode::USR, i, val);
                    }
                }
            } else {
                for i in 0..16 {
                    if regs & (1 << i) != 0 {
                        let v = if i == 15 {
                            insn.pc_read(thumb)
                        } else {
                            banked_reg(cpu, mode::USR, i)
                        };
                        mem_try!(cpu, insn, mem.write_u32(a, v));
                        a = a.wrapping_add(4);
                    }
                }
            }
            Flow::Next
        }
        SysOp::LoadMultipleReturn {
            rn,
            regs,
            bmode,
            wback,
        } => {
            let Some(spsr) = cpu.spsr().filter(|_| privileged) else {
                return undef(cpu, mem);
            };
            let pc = match super::load_multiple(cpu, mem, insn, rn, regs, bmode, wback) {
                Ok(pc) => pc,
                Err(flow) => return flow,
            };
            exception_return(cpu, mem, pc, spsr)
        }
        SysOp::AluReturn { op, rn, ref op2 } => {
            // UNPREDICTABLE in User and System mode: UNDEFINED, as QEMU.
            let Some(spsr) = cpu.spsr().filter(|_| privileged) else {
                return undef(cpu, mem);
            };
            let (a, b) = (cpu.r[rn as usize], operand(cpu, op2));
            let c = cpu.c();
            let result = match op {
                AluOp::And => a & b,
                AluOp::Eor => a ^ b,
                AluOp::Sub => a.wrapping_sub(b),
                AluOp::Rsb => b.wrapping_sub(a),
                AluOp::Add => a.wrapping_add(b),
                AluOp::Adc => a.wrapping_add(b).wrapping_add(c as u32),
                AluOp::Sbc => a.wrapping_sub(b).wrapping_sub(!c as u32),
                AluOp::Rsc => b.wrapping_sub(a).wrapping_sub(!c as u32),
                AluOp::Orr => a | b,
                AluOp::Mov => b,
                AluOp::Bic => a & !b,
                AluOp::Mvn => !b,
                AluOp::Orn => a | !b,
                AluOp::Tst | AluOp::Teq | AluOp::Cmp | AluOp::Cmn => return undef(cpu, mem),
            };
            exception_return(cpu, mem, result, spsr)
        }
        SysOp::Unprivileged {
            load,
            size,
            rt,
            ref addr,
        } => {
            let (a, new_base) = address(cpu, addr);
            let bytes = match size {
                MemSize::U8 | MemSize::S8 => 1,
                MemSize::U16 | MemSize::S16 => 2,
                MemSize::U32 => 4,
            };
            if load {
                let v: MemResult<u32> = mem.read_unprivileged(a, bytes);
                let v = mem_try!(cpu, insn, v);
                let v = match size {
                    MemSize::S8 => v as u8 as i8 as i32 as u32,
                    MemSize::S16 => v as u16 as i16 as i32 as u32,
                    _ => v,
                };
                if addr.wback {
                    cpu.r[addr.rn as usize] = new_base;
                }
                if rt == PC {
                    alu_write_pc(cpu, v, thumb);
                    return Flow::Jump;
                }
                cpu.r[rt as usize] = v;
            } else {
                let v = if rt == PC {
                    insn.pc_read(thumb)
                } else {
                    cpu.r[rt as usize]
                };
                mem_try!(cpu, insn, mem.write_unprivileged(a, bytes, v));
                if addr.wback {
                    cpu.r[addr.rn as usize] = new_base;
                }
            }
            Flow::Next
        }
        SysOp::Hvc { imm } | SysOp::Smc { imm } => {
            if !privileged {
                return undef(cpu, mem);
            }
            let exit = if matches!(op, SysOp::Hvc { .. }) {
                Exit::Hvc { pc: insn.pc, imm }
            } else {
                Exit::Smc { pc: insn.pc, imm }
            };
            exit_after(cpu, insn, exit)
        }
        SysOp::VfpSystem { reg, rt, write } => {
            let value = write.then(|| cpu.r[rt as usize]);
            match cp15::vfp_system_reg(cpu, reg, value) {
                Ok(v) if !write => {
                    cpu.r[rt as usize] = v;
                    Flow::Next
                }
                Ok(_) => end_block(cpu, insn),
                Err(_) => undef(cpu, mem),
            }
        }
    }
}

/// The exception return of RFE, LDM `^` and the flag-setting ALU ops.
fn exception_return<M: GuestMemory>(cpu: &mut CpuState, mem: &mut M, pc: u32, spsr: u32) -> Flow {
    if exception::return_to(cpu, mem, pc, spsr) {
        Flow::Exit(Exit::InterruptsUnmasked)
    } else {
        Flow::Resume
    }
}

/// CP14, the debug registers: only DBGDIDR exists, reading 0 at PL1 (no
/// debug architecture: Linux's `get_debug_arch` reads it whatever ID_DFR0
/// says, and then leaves breakpoint hardware alone).
fn cp14(
    cpu: &mut CpuState,
    read: bool,
    reg: (u8, u8, u8, u8),
    rt: Reg,
    rt2: Option<Reg>,
) -> Result<Effect, cp15::Undefined> {
    if read && rt2.is_none() && reg == (0, 0, 0, 0) && cpu.privileged() && rt != PC {
        cpu.r[rt as usize] = 0;
        return Ok(Effect::None);
    }
    Err(cp15::Undefined)
}

/// MRC/MCR/MRRC/MCRR: CP15 and the one CP14 register.
#[allow(clippy::too_many_arguments)]
pub(super) fn coproc<M: GuestMemory>(
    cpu: &mut CpuState,
    mem: &mut M,
    insn: &Insn,
    thumb: bool,
    read: bool,
    (cp, opc1, crn, crm, opc2): (u8, u8, u8, u8, u8),
    rt: Reg,
    rt2: Option<Reg>,
) -> Flow {
    let result = if cp == 14 {
        cp14(cpu, read, (opc1, crn, crm, opc2), rt, rt2)
    } else if cp != 15 {
        Err(cp15::Undefined)
    } else {
        match (read, rt2) {
            (true, None) => cp15::read(cpu, (opc1, crn, crm, opc2)).map(|v| {
                if rt == PC {
                    // MRC to APSR_nzcv.
                    cpu.nzcv = v >> 28;
                } else {
                    cpu.r[rt as usize] = v;
                }
                Effect::None
            }),
            (false, None) => {
                let v = cpu.r[rt as usize];
                cp15::write(cpu, (opc1, crn, crm, opc2), v)
            }
            (true, Some(rt2)) => cp15::read64(cpu, opc1, crm).map(|v| {
                cpu.r[rt as usize] = v as u32;
                cpu.r[rt2 as usize] = (v >> 32) as u32;
                Effect::None
            }),
            (false, Some(rt2)) => {
                let v = (cpu.r[rt2 as usize] as u64) << 32 | cpu.r[rt as usize] as u64;
                cp15::write64(cpu, opc1, crm, v)
            }
        }
    };
    let effect = match result {
        Ok(e) => e,
        Err(_) => {
            let raw = super::raw_encoding(mem, insn, thumb);
            return undefined(cpu, insn, thumb, raw);
        }
    };
    match effect {
        Effect::None => Flow::Next,
        Effect::Key => end_block(cpu, insn),
        Effect::Mmu => {
            let _ = mem.set_mmu(&cpu.mmu_state());
            // The block key may have changed (SCTLR.A). Translated code
            // needs nothing more: the engine checks every virtually tagged
            // lookup against the TLB.
            end_block(cpu, insn)
        }
        Effect::Permissions => {
            // The memory drops the TLB entries concerned at once, and the
            // next access (compiled code looks the TLB up every time)
            // refills them: no need to end the block.
            let _ = mem.set_mmu(&cpu.mmu_state());
            Flow::Next
        }
        Effect::Tlb(op) => {
            mem.tlb_maintenance(op);
            Flow::Next
        }
        Effect::Translate { va, write, user } => {
            cpu.sys.cp15.par = mem.address_translation(va, write, user);
            Flow::Next
        }
        Effect::Timer => exit_after(cpu, insn, Exit::TimerChanged),
    }
}
