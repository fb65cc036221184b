//! The interpreter backend: executes IR blocks directly.
//!
//! It is the reference every other backend is checked against, so it follows
//! the ARM ARM pseudocode closely. Each instruction costs one `match`; all
//! decoding happened when the block was translated.

pub mod alu;
pub mod fast;
pub mod neon;
mod sys;
pub mod vfp;

use crate::arm::cpu::CpuState;
use crate::exit::Exit;
use crate::ir::*;
use crate::mem::{Access, FaultKind, GuestMemory, MemFault, MemResult};
use alu::*;

/// What an instruction did to control flow.
pub(crate) enum Flow {
    /// Go on with the next instruction.
    Next,
    /// PC (and maybe the state) was written by a branch: leave the block
    /// (ITSTATE is cleared).
    Jump,
    /// PC, the execution state and ITSTATE were all set by the instruction
    /// (an exception return, or a system instruction that ends its block
    /// and continues at the next one): leave the block as they are.
    Resume,
    /// Leave the engine.
    Exit(Exit),
}

/// Leaves the CPU at a faulting instruction, with nothing committed.
fn fault(cpu: &mut CpuState, insn: &Insn, fault: MemFault) -> Flow {
    cpu.r[15] = insn.pc;
    cpu.itstate = insn.it;
    Flow::Exit(Exit::MemFault { pc: insn.pc, fault })
}

/// BXWritePC: branch, switching state by bit 0.
fn bx_write_pc(cpu: &mut CpuState, target: u32) {
    if target & 1 != 0 {
        cpu.thumb = true;
        cpu.r[15] = target & !1;
    } else {
        cpu.thumb = false;
        // An A32 target with bit 1 set is UNPREDICTABLE; force alignment.
        cpu.r[15] = target & !3;
    }
}

/// ALUWritePC: interworking in A32 state, a plain branch in T32 state.
fn alu_write_pc(cpu: &mut CpuState, value: u32, thumb: bool) {
    if thumb {
        cpu.r[15] = value & !1;
    } else {
        bx_write_pc(cpu, value);
    }
}

/// The return address BL/BLX leave in LR.
fn link_value(insn: &Insn, thumb: bool) -> u32 {
    insn.next_pc() | thumb as u32
}

#[inline]
fn set_nz(cpu: &mut CpuState, r: u32) {
    cpu.set_nz_from(r);
}

#[inline(always)]
fn operand(cpu: &CpuState, op2: &Operand) -> u32 {
    match *op2 {
        Operand::Imm { value, .. } => value,
        Operand::Reg { rm, shift, amount } => {
            shift_value(cpu.r[rm as usize], shift, amount as u32, cpu.c())
        }
        Operand::RegShift { rm, shift, rs } => shift_value(
            cpu.r[rm as usize],
            shift,
            cpu.r[rs as usize] & 0xff,
            cpu.c(),
        ),
    }
}

#[inline(always)]
fn operand_c(cpu: &CpuState, op2: &Operand) -> (u32, bool) {
    match *op2 {
        Operand::Imm { value, carry } => (value, carry.unwrap_or(cpu.c())),
        Operand::Reg { rm, shift, amount } => {
            shift_c(cpu.r[rm as usize], shift, amount as u32, cpu.c())
        }
        Operand::RegShift { rm, shift, rs } => shift_c(
            cpu.r[rm as usize],
            shift,
            cpu.r[rs as usize] & 0xff,
            cpu.c(),
        ),
    }
}

/// Computes (address used, updated base) for a single load/store.
#[inline(always)]
fn address(cpu: &CpuState, a: &Addr) -> (u32, u32) {
    let base = cpu.r[a.rn as usize];
    let off = match a.offset {
        Offset::Imm(i) => i,
        Offset::Reg { rm, shift, amount } => {
            shift_value(cpu.r[rm as usize], shift, amount as u32, cpu.c())
        }
    };
    let offset_addr = if a.add {
        base.wrapping_add(off)
    } else {
        base.wrapping_sub(off)
    };
    (if a.index { offset_addr } else { base }, offset_addr)
}

/// The first address and the written-back base of an LDM/STM.
fn block_addresses(base: u32, count: u32, mode: BlockMode) -> (u32, u32) {
    let size = 4 * count;
    match mode {
        BlockMode::Ia => (base, base.wrapping_add(size)),
        BlockMode::Ib => (base.wrapping_add(4), base.wrapping_add(size)),
        BlockMode::Da => (
            base.wrapping_sub(size).wrapping_add(4),
            base.wrapping_sub(size),
        ),
        BlockMode::Db => (base.wrapping_sub(size), base.wrapping_sub(size)),
    }
}

fn load<M: GuestMemory>(mem: &mut M, size: MemSize, addr: u32) -> MemResult<u32> {
    Ok(match size {
        MemSize::U8 => mem.read_u8(addr)? as u32,
        MemSize::S8 => mem.read_u8(addr)? as i8 as i32 as u32,
        MemSize::U16 => mem.read_u16(addr)? as u32,
        MemSize::S16 => mem.read_u16(addr)? as i16 as i32 as u32,
        MemSize::U32 => mem.read_u32(addr)?,
    })
}

fn store<M: GuestMemory>(mem: &mut M, size: MemSize, addr: u32, value: u32) -> MemResult<()> {
    match size {
        MemSize::U8 | MemSize::S8 => mem.write_u8(addr, value as u8),
        MemSize::U16 | MemSize::S16 => mem.write_u16(addr, value as u16),
        MemSize::U32 => mem.write_u32(addr, value),
    }
}

fn excl_bytes(size: ExclSize) -> u32 {
    match size {
        ExclSize::B => 1,
        ExclSize::H => 2,
        ExclSize::W => 4,
        ExclSize::D => 8,
    }
}

fn check_aligned(addr: u32, bytes: u32, access: Access) -> MemResult<()> {
    if addr & (bytes - 1) != 0 {
        Err(MemFault {
            addr,
            access,
            kind: FaultKind::Alignment,
        })
    } else {
        Ok(())
    }
}

/// LDRD, STRD, LDM and STM need a word-aligned address whatever SCTLR.A
/// says (ARM ARM A3.2.1, table A3-1). Only a system-mode memory raises the
/// fault: for user programs Linux's alignment handler emulates the access,
/// so user mode just performs it.
#[inline(always)]
fn word_aligned<M: GuestMemory>(addr: u32, access: Access) -> MemResult<()> {
    if M::MMU {
        check_aligned(addr, 4, access)
    } else {
        Ok(())
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

/// Runs one instruction (its condition already checked) by the reference
/// semantics: the JIT's slow paths and rare instructions come here. PC reads
/// as the instruction's address + 8 / + 4.
pub(crate) fn exec_one<M: GuestMemory>(
    cpu: &mut CpuState,
    mem: &mut M,
    insn: &Insn,
    thumb: bool,
) -> Flow {
    cpu.r[15] = insn.pc_read(thumb);
    exec(cpu, mem, insn, thumb)
}

#[inline(always)]
fn exec<M: GuestMemory>(cpu: &mut CpuState, mem: &mut M, insn: &Insn, thumb: bool) -> Flow {
    match &insn.op {
        Op::Nop | Op::Barrier => Flow::Next,
        &Op::Alu {
            op,
            s,
            rd,
            rn,
            ref op2,
        } => {
            let a = cpu.r[rn as usize];
            let (result, write) = if op.is_logical() {
                let (b, carry) = if s {
                    operand_c(cpu, op2)
                } else {
                    (operand(cpu, op2), cpu.c())
                };
                let r = match op {
                    AluOp::And | AluOp::Tst => a & b,
                    AluOp::Eor | AluOp::Teq => a ^ b,
                    AluOp::Orr => a | b,
                    AluOp::Mov => b,
                    AluOp::Bic => a & !b,
                    AluOp::Mvn => !b,
                    _ => a | !b, // ORN
                };
                if s {
                    set_nz(cpu, r);
                    cpu.set_c(carry);
                }
                (r, !op.is_test())
            } else {
                let b = operand(cpu, op2);
                let (r, c, v) = match op {
                    AluOp::Add | AluOp::Cmn => add_with_carry(a, b, false),
                    AluOp::Sub | AluOp::Cmp => add_with_carry(a, !b, true),
                    AluOp::Rsb => add_with_carry(!a, b, true),
                    AluOp::Adc => add_with_carry(a, b, cpu.c()),
                    AluOp::Sbc => add_with_carry(a, !b, cpu.c()),
                    _ => add_with_carry(!a, b, cpu.c()), // RSC
                };
                if s {
                    cpu.set_nzcv(r >> 31 != 0, r == 0, c, v);
                }
                (r, !op.is_test())
            };
            if write {
                if rd == PC {
                    alu_write_pc(cpu, result, thumb);
                    return Flow::Jump;
                }
                cpu.r[rd as usize] = result;
            }
            Flow::Next
        }
        &Op::Movt { rd, imm16 } => {
            cpu.r[rd as usize] = (cpu.r[rd as usize] & 0xffff) | (imm16 as u32) << 16;
            Flow::Next
        }
        &Op::Mul {
            op,
            s,
            rd,
            rn,
            rm,
            ra,
        } => {
            let p = cpu.r[rn as usize].wrapping_mul(cpu.r[rm as usize]);
            let r = match op {
                MulOp::Mul => p,
                MulOp::Mla => p.wrapping_add(cpu.r[ra as usize]),
                MulOp::Mls => cpu.r[ra as usize].wrapping_sub(p),
            };
            if s {
                set_nz(cpu, r);
            }
            cpu.r[rd as usize] = r;
            Flow::Next
        }
        &Op::MulLong {
            op,
            s,
            rdlo,
            rdhi,
            rn,
            rm,
        } => {
            let (n, m) = (cpu.r[rn as usize], cpu.r[rm as usize]);
            let acc = (cpu.r[rdhi as usize] as u64) << 32 | cpu.r[rdlo as usize] as u64;
            let r: u64 = match op {
                MulLongOp::Umull => n as u64 * m as u64,
                MulLongOp::Smull => (n as i32 as i64 * m as i32 as i64) as u64,
                MulLongOp::Umlal => (n as u64 * m as u64).wrapping_add(acc),
                MulLongOp::Smlal => ((n as i32 as i64 * m as i32 as i64) as u64).wrapping_add(acc),
                MulLongOp::Umaal => {
                    n as u64 * m as u64 + cpu.r[rdlo as usize] as u64 + cpu.r[rdhi as usize] as u64
                }
            };
            if s {
                cpu.set_nz(r >> 63 != 0, r == 0);
            }
            cpu.r[rdlo as usize] = r as u32;
            cpu.r[rdhi as usize] = (r >> 32) as u32;
            Flow::Next
        }
        &Op::DspMul { op, rd, rn, rm, ra } => {
            dsp_mul(cpu, op, rd, rn, rm, ra);
            Flow::Next
        }
        &Op::Div { signed, rd, rn, rm } => {
            let (n, m) = (cpu.r[rn as usize], cpu.r[rm as usize]);
            cpu.r[rd as usize] = if m == 0 {
                0
            } else if signed {
                (n as i32).wrapping_div(m as i32) as u32
            } else {
                n / m
            };
            Flow::Next
        }
        &Op::Unary { op, rd, rm } => {
            let v = cpu.r[rm as usize];
            cpu.r[rd as usize] = match op {
                UnOp::Clz => v.leading_zeros(),
                UnOp::Rbit => v.reverse_bits(),
                UnOp::Rev => v.swap_bytes(),
                UnOp::Rev16 => ((v & 0x00ff_00ff) << 8) | ((v >> 8) & 0x00ff_00ff),
                UnOp::Revsh => (v as u16).swap_bytes() as i16 as i32 as u32,
            };
            Flow::Next
        }
        &Op::Bfi { rd, rn, lsb, msb } => {
            let mask = low_mask((msb - lsb + 1) as u32) << lsb;
            let src = rn.map_or(0, |r| cpu.r[r as usize] << lsb);
            cpu.r[rd as usize] = (cpu.r[rd as usize] & !mask) | (src & mask);
            Flow::Next
        }
        &Op::Bfx {
            signed,
            rd,
            rn,
            lsb,
            width,
        } => {
            let v = (cpu.r[rn as usize] >> lsb) & low_mask(width as u32);
            cpu.r[rd as usize] = if signed && width < 32 {
                let sh = 32 - width as u32;
                (((v << sh) as i32) >> sh) as u32
            } else {
                v
            };
            Flow::Next
        }
        &Op::Extend {
            signed,
            bits,
            dual,
            rd,
            rn,
            rm,
            rot,
        } => {
            let v = cpu.r[rm as usize].rotate_right(rot as u32);
            let add = rn.map_or(0, |r| cpu.r[r as usize]);
            cpu.r[rd as usize] = extend(v, add, signed, bits, dual);
            Flow::Next
        }
        &Op::Sat {
            signed,
            rd,
            bits,
            rn,
            shift,
            amount,
        } => {
            let v = shift_value(cpu.r[rn as usize], shift, amount as u32, cpu.c()) as i32 as i64;
            let (r, sat) = if signed {
                signed_sat(v, bits as u32)
            } else {
                unsigned_sat(v, bits as u32)
            };
            cpu.r[rd as usize] = r;
            cpu.q |= sat;
            Flow::Next
        }
        &Op::Sat16 {
            signed,
            rd,
            bits,
            rn,
        } => {
            let v = cpu.r[rn as usize];
            let mut out = 0;
            for half in 0..2 {
                let x = ((v >> (16 * half)) as u16 as i16) as i64;
                let (r, sat) = if signed {
                    signed_sat(x, bits as u32)
                } else {
                    unsigned_sat(x, bits as u32)
                };
                cpu.q |= sat;
                out |= (r & 0xffff) << (16 * half);
            }
            cpu.r[rd as usize] = out;
            Flow::Next
        }
        &Op::QAddSub { op, rd, rm, rn } => {
            let m = cpu.r[rm as usize] as i32 as i64;
            let mut n = cpu.r[rn as usize] as i32 as i64;
            let mut q = false;
            if matches!(op, QOp::Qdadd | QOp::Qdsub) {
                let (d, s) = signed_sat(2 * n, 32);
                n = d as i32 as i64;
                q |= s;
            }
            let sum = if matches!(op, QOp::Qadd | QOp::Qdadd) {
                m + n
            } else {
                m - n
            };
            let (r, s) = signed_sat(sum, 32);
            cpu.r[rd as usize] = r;
            cpu.q |= q | s;
            Flow::Next
        }
        &Op::Parallel {
            op,
            kind,
            rd,
            rn,
            rm,
        } => {
            let (r, ge) = parallel(op, kind, cpu.r[rn as usize], cpu.r[rm as usize]);
            cpu.r[rd as usize] = r;
            if let Some(ge) = ge {
                cpu.ge = ge;
            }
            Flow::Next
        }
        &Op::Sel { rd, rn, rm } => {
            let (n, m) = (cpu.r[rn as usize], cpu.r[rm as usize]);
            let mut mask = 0u32;
            for i in 0..4 {
                if cpu.ge & (1 << i) != 0 {
                    mask |= 0xff << (8 * i);
                }
            }
            cpu.r[rd as usize] = (n & mask) | (m & !mask);
            Flow::Next
        }
        &Op::Usad8 { rd, rn, rm, ra } => {
            let (n, m) = (cpu.r[rn as usize], cpu.r[rm as usize]);
            let mut sum = ra.map_or(0, |r| cpu.r[r as usize]);
            for i in 0..4 {
                let a = (n >> (8 * i)) & 0xff;
                let b = (m >> (8 * i)) & 0xff;
                sum = sum.wrapping_add(a.abs_diff(b));
            }
            cpu.r[rd as usize] = sum;
            Flow::Next
        }
        &Op::Pkh {
            tb,
            rd,
            rn,
            rm,
            amount,
        } => {
            let (n, m) = (cpu.r[rn as usize], cpu.r[rm as usize]);
            cpu.r[rd as usize] = if tb {
                let lo = shift_value(m, Shift::Asr, amount as u32, false);
                (n & 0xffff_0000) | (lo & 0xffff)
            } else {
                (n & 0xffff) | ((m << amount) & 0xffff_0000)
            };
            Flow::Next
        }
        &Op::Load { size, rt, ref addr } => {
            let (a, new_base) = address(cpu, addr);
            let v = mem_try!(cpu, insn, load(mem, size, a));
            if addr.wback {
                cpu.r[addr.rn as usize] = new_base;
            }
            if rt == PC {
                bx_write_pc(cpu, v);
                return Flow::Jump;
            }
            cpu.r[rt as usize] = v;
            Flow::Next
        }
        &Op::Store { size, rt, ref addr } => {
            let (a, new_base) = address(cpu, addr);
            mem_try!(cpu, insn, store(mem, size, a, cpu.r[rt as usize]));
            if addr.wback {
                cpu.r[addr.rn as usize] = new_base;
            }
            Flow::Next
        }
        &Op::LoadDual { rt, rt2, ref addr } => {
            let (a, new_base) = address(cpu, addr);
            mem_try!(cpu, insn, word_aligned::<M>(a, Access::Read));
            let lo = mem_try!(cpu, insn, mem.read_u32(a));
            let hi = mem_try!(cpu, insn, mem.read_u32(a.wrapping_add(4)));
            if addr.wback {
                cpu.r[addr.rn as usize] = new_base;
            }
            cpu.r[rt as usize] = lo;
            cpu.r[rt2 as usize] = hi;
            Flow::Next
        }
        &Op::StoreDual { rt, rt2, ref addr } => {
            let (a, new_base) = address(cpu, addr);
            mem_try!(cpu, insn, word_aligned::<M>(a, Access::Write));
            mem_try!(cpu, insn, mem.write_u32(a, cpu.r[rt as usize]));
            mem_try!(
                cpu,
                insn,
                mem.write_u32(a.wrapping_add(4), cpu.r[rt2 as usize])
            );
            if addr.wback {
                cpu.r[addr.rn as usize] = new_base;
            }
            Flow::Next
        }
        &Op::LoadMultiple {
            rn,
            regs,
            mode,
            wback,
        } => match load_multiple(cpu, mem, insn, rn, regs, mode, wback) {
            Ok(pc) if regs & (1 << 15) != 0 => {
                bx_write_pc(cpu, pc);
                Flow::Jump
            }
            Ok(_) => Flow::Next,
            Err(flow) => flow,
        },
        &Op::StoreMultiple {
            rn,
            regs,
            mode,
            wback,
        } => {
            let (mut a, new_base) = block_addresses(cpu.r[rn as usize], regs.count_ones(), mode);
            mem_try!(cpu, insn, word_aligned::<M>(a, Access::Write));
            for i in 0..16 {
                if regs & (1 << i) != 0 {
                    mem_try!(cpu, insn, mem.write_u32(a, cpu.r[i]));
                    a = a.wrapping_add(4);
                }
            }
            if wback {
                cpu.r[rn as usize] = new_base;
            }
            Flow::Next
        }
        &Op::LoadExcl {
            size,
            rt,
            rt2,
            rn,
            imm,
        } => {
            let a = cpu.r[rn as usize].wrapping_add(imm);
            let bytes = excl_bytes(size);
            mem_try!(cpu, insn, check_aligned(a, bytes, Access::Read));
            let value = match size {
                ExclSize::B => mem_try!(cpu, insn, mem.read_u8(a)) as u64,
                ExclSize::H => mem_try!(cpu, insn, mem.read_u16(a)) as u64,
                ExclSize::W => mem_try!(cpu, insn, mem.read_u32(a)) as u64,
                ExclSize::D => mem_try!(cpu, insn, mem.read_u64(a)),
            };
            cpu.exclusive = Some(crate::arm::cpu::Exclusive { addr: a, value });
            cpu.r[rt as usize] = value as u32;
            if size == ExclSize::D {
                cpu.r[rt2 as usize] = (value >> 32) as u32;
            }
            Flow::Next
        }
        &Op::StoreExcl {
            size,
            rd,
            rt,
            rt2,
            rn,
            imm,
        } => {
            let a = cpu.r[rn as usize].wrapping_add(imm);
            let bytes = excl_bytes(size);
            mem_try!(cpu, insn, check_aligned(a, bytes, Access::Write));
            let new = if size == ExclSize::D {
                (cpu.r[rt2 as usize] as u64) << 32 | cpu.r[rt as usize] as u64
            } else {
                cpu.r[rt as usize] as u64 & (u64::MAX >> (64 - 8 * bytes))
            };
            let ok = match cpu.exclusive.take() {
                Some(ex) if ex.addr == a => {
                    mem_try!(
                        cpu,
                        insn,
                        mem.compare_exchange(a, bytes as u8, ex.value, new)
                    )
                }
                _ => false,
            };
            cpu.r[rd as usize] = !ok as u32;
            Flow::Next
        }
        Op::Clrex => {
            cpu.exclusive = None;
            Flow::Next
        }
        &Op::Swp { byte, rt, rt2, rn } => {
            let a = cpu.r[rn as usize];
            let size = if byte { 1 } else { 4 };
            let old = mem_try!(cpu, insn, mem.swap(a, size, cpu.r[rt2 as usize]));
            cpu.r[rt as usize] = old;
            Flow::Next
        }
        &Op::Branch { target } => {
            cpu.r[15] = target;
            Flow::Jump
        }
        &Op::BranchLink { target, to_thumb } => {
            cpu.r[14] = link_value(insn, thumb);
            cpu.thumb = to_thumb;
            cpu.r[15] = target;
            Flow::Jump
        }
        &Op::BranchExchange { rm, link } => {
            let target = cpu.r[rm as usize];
            if link {
                cpu.r[14] = link_value(insn, thumb);
            }
            bx_write_pc(cpu, target);
            Flow::Jump
        }
        &Op::CompareBranch {
            rn,
            nonzero,
            target,
        } => {
            if (cpu.r[rn as usize] != 0) == nonzero {
                cpu.r[15] = target;
                Flow::Jump
            } else {
                Flow::Next
            }
        }
        &Op::TableBranch { rn, rm, half } => {
            let base = cpu.r[rn as usize];
            let idx = cpu.r[rm as usize];
            let off = if half {
                mem_try!(cpu, insn, mem.read_u16(base.wrapping_add(idx << 1))) as u32
            } else {
                mem_try!(cpu, insn, mem.read_u8(base.wrapping_add(idx))) as u32
            };
            cpu.r[15] = insn.pc_read(thumb).wrapping_add(2 * off);
            Flow::Jump
        }
        &Op::Mrs { rd } => {
            // At PL1 MRS reads the CPSR with the execution-state bits (IT,
            // J, T) as zero (ARM ARM B9.3.8); User mode sees the APSR.
            cpu.r[rd as usize] = if cpu.privileged() {
                cpu.cpsr() & 0xf8ff_03df
            } else {
                cpu.apsr()
            };
            Flow::Next
        }
        &Op::Msr { nzcvq, g, ref src } => {
            let v = operand(cpu, src);
            cpu.set_apsr(v, nzcvq, g);
            Flow::Next
        }
        &Op::Coproc {
            read,
            cp,
            opc1,
            crn,
            crm,
            opc2,
            rt,
            rt2,
        } => sys::coproc(
            cpu,
            mem,
            insn,
            thumb,
            read,
            (cp, opc1, crn, crm, opc2),
            rt,
            rt2,
        ),
        Op::Sys(op) => sys::exec(cpu, mem, insn, thumb, op),
        &Op::Svc { imm } => {
            cpu.r[15] = insn.next_pc();
            cpu.itstate = it_advance(insn.it);
            Flow::Exit(Exit::Syscall { pc: insn.pc, imm })
        }
        &Op::Bkpt { imm } => {
            cpu.r[15] = insn.pc;
            cpu.itstate = insn.it;
            Flow::Exit(Exit::Breakpoint { pc: insn.pc, imm })
        }
        &Op::Undefined { raw } => undefined(cpu, insn, thumb, raw),
        Op::DebugTrap => {
            cpu.r[15] = insn.pc;
            cpu.itstate = insn.it;
            Flow::Exit(Exit::Debug { pc: insn.pc })
        }
        Op::Wait => {
            cpu.r[15] = insn.next_pc();
            cpu.itstate = it_advance(insn.it);
            Flow::Exit(Exit::Wait)
        }
        Op::Vfp(v) => match exec_vfp(cpu, mem, v) {
            Ok(()) => Flow::Next,
            Err(f) => fault(cpu, insn, f),
        },
        Op::Neon(n) => match exec_neon(cpu, mem, n) {
            Ok(()) => Flow::Next,
            Err(f) => fault(cpu, insn, f),
        },
    }
}

/// LDM's loads and register writes, the base's writeback included (a
/// loaded base wins over it), but not PC: its loaded value is returned for
/// the caller's branch or exception return. On a fault nothing is written
/// and the error is the fault's flow.
fn load_multiple<M: GuestMemory>(
    cpu: &mut CpuState,
    mem: &mut M,
    insn: &Insn,
    rn: Reg,
    regs: u16,
    mode: BlockMode,
    wback: bool,
) -> Result<u32, Flow> {
    let (mut a, new_base) = block_addresses(cpu.r[rn as usize], regs.count_ones(), mode);
    word_aligned::<M>(a, Access::Read).map_err(|f| fault(cpu, insn, f))?;
    let mut vals = [0u32; 16];
    for (i, val) in vals.iter_mut().enumerate() {
        if regs & (1 << i) != 0 {
            *val = mem.read_u32(a).map_err(|f| fault(cpu, insn, f))?;
            a = a.wrapping_add(4);
        }
    }
    if wback {
        cpu.r[rn as usize] = new_base;
    }
    for (i, &val) in vals.iter().enumerate().take(15) {
        if regs & (1 << i) != 0 {
            cpu.r[i] = val;
        }
    }
    Ok(vals[15])
}

// The SIMD executors are large; keeping them out of line keeps the integer
// dispatch loop small (no big stack frame per guest instruction).
#[inline(never)]
fn exec_vfp<M: GuestMemory>(
    cpu: &mut CpuState,
    mem: &mut M,
    v: &crate::ir::vfp::VfpInsn,
) -> MemResult<()> {
    vfp::exec(cpu, mem, v)
}

#[inline(never)]
fn exec_neon<M: GuestMemory>(
    cpu: &mut CpuState,
    mem: &mut M,
    n: &crate::ir::neon::NeonInsn,
) -> MemResult<()> {
    neon::exec(cpu, mem, n)
}

/// The encoding of `insn` as stored in guest memory, for reports: ops keep
/// decoded fields, not raw bits, so re-read them (they were just fetched).
fn raw_encoding<M: GuestMemory>(mem: &mut M, insn: &Insn, thumb: bool) -> u32 {
    let read = |mem: &mut M| -> MemResult<u32> {
        Ok(match (thumb, insn.len) {
            (false, _) => mem.fetch_u32(insn.pc)?,
            (true, 2) => mem.fetch_u16(insn.pc)? as u32,
            (true, _) => {
                (mem.fetch_u16(insn.pc)? as u32) << 16
                    | mem.fetch_u16(insn.pc.wrapping_add(2))? as u32
            }
        })
    };
    read(mem).unwrap_or(0)
}

fn undefined(cpu: &mut CpuState, insn: &Insn, thumb: bool, raw: u32) -> Flow {
    cpu.r[15] = insn.pc;
    cpu.itstate = insn.it;
    Flow::Exit(Exit::Undefined {
        pc: insn.pc,
        raw,
        thumb,
    })
}
