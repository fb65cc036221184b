//! Element and structure loads and stores (VLDn/VSTn, DDI 0406C A8.8.3xx).
//!
//! Alignment hints are ignored (no alignment faults). VLD1/VST1 of whole
//! registers move doublewords (the little-endian byte order makes that the
//! same as element accesses); the interleaving forms move single elements.
//! If an access faults, the registers already transferred keep their new
//! values and the base register is not written back.

use super::{dup, emask, lane};
use crate::arm::cpu::CpuState;
use crate::ir::neon::{NeonInsn, Size, Writeback};
use crate::mem::{GuestMemory, MemResult};

fn read<M: GuestMemory>(mem: &mut M, addr: u32, size: Size) -> MemResult<u64> {
    Ok(match size {
        0 => mem.read_u8(addr)? as u64,
        1 => mem.read_u16(addr)? as u64,
        2 => mem.read_u32(addr)? as u64,
        _ => mem.read_u64(addr)?,
    })
}

fn write<M: GuestMemory>(mem: &mut M, addr: u32, size: Size, v: u64) -> MemResult<()> {
    match size {
        0 => mem.write_u8(addr, v as u8),
        1 => mem.write_u16(addr, v as u16),
        2 => mem.write_u32(addr, v as u32),
        _ => mem.write_u64(addr, v),
    }
}

fn set_lane(v: &mut u64, size: Size, i: usize, x: u64) {
    let sh = (i as u32 * (8 << size)) % 64;
    *v = (*v & !(emask(size) << sh)) | ((x & emask(size)) << sh);
}

fn write_back(cpu: &mut CpuState, rn: u8, wb: Writeback, base: u32) {
    let inc = match wb {
        Writeback::None => return,
        Writeback::Fixed(n) => n as u32,
        Writeback::Reg(m) => cpu.r[m as usize],
    };
    cpu.r[rn as usize] = base.wrapping_add(inc);
}

/// The alignment check an encoding's hint asks for (an alignment fault,
/// SIGBUS in user mode, which Linux does not fix up for NEON).
fn check_alignment(base: u32, align: u8, load: bool) -> MemResult<()> {
    if align > 1 && base & (align as u32 - 1) != 0 {
        return Err(crate::mem::MemFault {
            addr: base,
            access: if load {
                crate::mem::Access::Read
            } else {
                crate::mem::Access::Write
            },
            kind: crate::mem::FaultKind::Alignment,
        });
    }
    Ok(())
}

/// Executes a VLDn/VSTn.
pub(super) fn exec<M: GuestMemory>(
    cpu: &mut CpuState,
    mem: &mut M,
    insn: &NeonInsn,
) -> MemResult<()> {
    match *insn {
        NeonInsn::Multi {
            load,
            n,
            regs,
            inc,
            size,
            vd,
            rn,
            wb,
            align,
        } => {
            let base = cpu.r[rn as usize];
            check_alignment(base, align, load)?;
            if n == 1 {
                for r in 0..regs as usize {
                    let addr = base.wrapping_add(8 * r as u32);
                    let d = (vd as usize + r) % 32;
                    if load {
                        cpu.d[d] = mem.read_u64(addr)?;
                    } else {
                        mem.write_u64(addr, cpu.d[d])?;
                    }
                }
            } else {
                let ebytes = 1u32 << size;
                let mut addr = base;
                for r in 0..regs as usize {
                    for e in 0..(8 >> size) as usize {
                        for i in 0..n as usize {
                            let d = (vd as usize + i * inc as usize + r) % 32;
                            if load {
                                let x = read(mem, addr, size)?;
                                set_lane(&mut cpu.d[d], size, e, x);
                            } else {
                                write(mem, addr, size, lane(cpu.d[d], size, e))?;
                            }
                            addr = addr.wrapping_add(ebytes);
                        }
                    }
                }
            }
            write_back(cpu, rn, wb, base);
        }
        NeonInsn::Lane {
            load,
            n,
            inc,
            size,
            index,
            vd,
            rn,
            wb,
            align,
        } => {
            let base = cpu.r[rn as usize];
            check_alignment(base, align, load)?;
            for i in 0..n as usize {
                let addr = base.wrapping_add((i as u32) << size);
                let d = (vd as usize + i * inc as usize) % 32;
                if load {
                    let x = read(mem, addr, size)?;
                    set_lane(&mut cpu.d[d], size, index as usize, x);
                } else {
                    write(mem, addr, size, lane(cpu.d[d], size, index as usize))?;
                }
            }
            write_back(cpu, rn, wb, base);
        }
        NeonInsn::AllLanes {
            n,
            regs,
            inc,
            size,
            vd,
            rn,
            wb,
            align,
        } => {
            let base = cpu.r[rn as usize];
            check_alignment(base, align, true)?;
            for i in 0..n as usize {
                let x = dup(
                    read(mem, base.wrapping_add((i as u32) << size), size)?,
                    size,
                );
                for r in 0..regs as usize {
                    cpu.d[(vd as usize + i * inc as usize + r) % 32] = x;
                }
            }
            write_back(cpu, rn, wb, base);
        }
        _ => unreachable!("not a load/store"),
    }
    Ok(())
}
