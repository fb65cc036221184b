//! Interpreter semantics of VFP instructions.
//!
//! Arithmetic goes through [`crate::fp`] with an [`FpEnv`] built from FPSCR;
//! the exception flags it collects are ORed into FPSCR afterwards. The
//! compositions (VNMUL, the VMLA family, the fused family) follow the ARM ARM
//! pseudocode literally, including where FPNeg flips the sign of a NaN.
//!
//! Extension register loads and stores are word accesses that must be word
//! aligned (MemA in the ARM ARM), whatever SCTLR.A says; a misaligned address
//! is an alignment fault. A multiple load reads all of its words before it
//! writes any register, so a faulting VLDM/VPOP leaves the state unchanged.

use crate::arm::cpu::CpuState;
use crate::fp::{self, Fmt, FpEnv, F16, F32, F64};
use crate::ir::vfp::{ArithOp, SysReg, UnaryOp, VfpInsn};
use crate::mem::{Access, FaultKind, GuestMemory, MemFault, MemResult};

/// FPSID as a Cortex-A15 (VFPv4, no trapping) reports it.
pub const FPSID: u32 = 0x4104_30f0;
/// MVFR0: 32 registers, single and double VFPv3+, divide, square root,
/// all rounding modes, no short vectors, no trapping.
pub const MVFR0: u32 = 0x1011_0222;
/// MVFR1: full denormal and NaN support, Advanced SIMD with single
/// precision, half precision conversions and fused multiply-add.
pub const MVFR1: u32 = 0x1111_1111;
/// FPEXC: the unit is enabled.
pub const FPEXC: u32 = 0x4000_0000;
/// The FPSCR bits VMSR can change: NZCV, QC, AHP, DN, FZ, RMode and the
/// cumulative flags. Len and Stride (no short vectors) and the trap enables
/// (no trapping) read as zero and ignore writes, as on Cortex-A15.
pub const FPSCR_WRITABLE: u32 = 0xffc0_009f;

fn fmt(dp: bool) -> Fmt {
    if dp {
        F64
    } else {
        F32
    }
}

/// Reads an S (`dp == false`) or D register as raw bits.
fn get(cpu: &CpuState, dp: bool, r: u8) -> u64 {
    if dp {
        cpu.d[r as usize]
    } else {
        cpu.s(r as usize) as u64
    }
}

/// Writes an S or D register.
fn set(cpu: &mut CpuState, dp: bool, r: u8, bits: u64) {
    if dp {
        cpu.d[r as usize] = bits;
    } else {
        cpu.set_s(r as usize, bits as u32);
    }
}

fn check_align(addr: u32, access: Access) -> MemResult<()> {
    if addr & 3 != 0 {
        return Err(MemFault {
            addr,
            access,
            kind: FaultKind::Alignment,
        });
    }
    Ok(())
}

/// Executes one VFP instruction.
pub fn exec<M: GuestMemory>(cpu: &mut CpuState, mem: &mut M, insn: &VfpInsn) -> MemResult<()> {
    match *insn {
        VfpInsn::LoadStore {
            load,
            dp,
            vd,
            rn,
            offset,
        } => {
            let base = rn.map_or(0, |r| cpu.r[r as usize]);
            let addr = base.wrapping_add(offset as u32);
            if load {
                check_align(addr, Access::Read)?;
                let lo = mem.read_u32(addr)? as u64;
                if dp {
                    let hi = mem.read_u32(addr.wrapping_add(4))? as u64;
                    cpu.d[vd as usize] = hi << 32 | lo;
                } else {
                    cpu.set_s(vd as usize, lo as u32);
                }
            } else {
                check_align(addr, Access::Write)?;
                let v = get(cpu, dp, vd);
                mem.write_u32(addr, v as u32)?;
                if dp {
                    mem.write_u32(addr.wrapping_add(4), (v >> 32) as u32)?;
                }
            }
        }
        VfpInsn::Multiple {
            load,
            dp,
            vd,
            count,
            rn,
            add,
            wback,
            bytes,
        } => {
            let base = cpu.r[rn as usize];
            let bytes = bytes as u32;
            let start = if add { base } else { base.wrapping_sub(bytes) };
            // Words moved: the registers only (FLDMX/FSTMX skip the extra
            // word, which only counts for the writeback).
            let words = count as usize * if dp { 2 } else { 1 };
            if load {
                check_align(start, Access::Read)?;
                let mut buf = [0u32; 32];
                for (i, w) in buf[..words].iter_mut().enumerate() {
                    *w = mem.read_u32(start.wrapping_add(4 * i as u32))?;
                }
                for i in 0..count as usize {
                    if dp {
                        cpu.d[vd as usize + i] = (buf[2 * i + 1] as u64) << 32 | buf[2 * i] as u64;
                    } else {
                        cpu.set_s(vd as usize + i, buf[i]);
                    }
                }
            } else {
                check_align(start, Access::Write)?;
                for i in 0..words {
                    let w = if dp {
                        (cpu.d[vd as usize + i / 2] >> (32 * (i % 2))) as u32
                    } else {
                        cpu.s(vd as usize + i)
                    };
                    mem.write_u32(start.wrapping_add(4 * i as u32), w)?;
                }
            }
            if wback {
                cpu.r[rn as usize] = if add { base.wrapping_add(bytes) } else { start };
            }
        }
        VfpInsn::MovImm { dp, vd, bits } => set(cpu, dp, vd, bits),
        VfpInsn::Unary { op, dp, vd, vm } => {
            let f = fmt(dp);
            let m = get(cpu, dp, vm);
            let r = match op {
                UnaryOp::Mov => m,
                UnaryOp::Abs => fp::abs(f, m),
                UnaryOp::Neg => fp::neg(f, m),
                UnaryOp::Sqrt => {
                    let mut env = FpEnv::new(cpu.fpscr);
                    let r = fp::sqrt(f, m, &mut env);
                    cpu.fpscr |= env.flags;
                    r
                }
            };
            set(cpu, dp, vd, r);
        }
        VfpInsn::Arith { op, dp, vd, vn, vm } => {
            let f = fmt(dp);
            let (d, n, m) = (get(cpu, dp, vd), get(cpu, dp, vn), get(cpu, dp, vm));
            let mut env = FpEnv::new(cpu.fpscr);
            let e = &mut env;
            let r = match op {
                ArithOp::Add => fp::add(f, n, m, e),
                ArithOp::Sub => fp::sub(f, n, m, e),
                ArithOp::Mul => fp::mul(f, n, m, e),
                ArithOp::Div => fp::div(f, n, m, e),
                ArithOp::Nmul => fp::neg(f, fp::mul(f, n, m, e)),
                ArithOp::Mla => {
                    let p = fp::mul(f, n, m, e);
                    fp::add(f, d, p, e)
                }
                ArithOp::Mls => {
                    let p = fp::mul(f, n, m, e);
                    fp::add(f, d, fp::neg(f, p), e)
                }
                ArithOp::Nmla => {
                    let p = fp::mul(f, n, m, e);
                    fp::add(f, fp::neg(f, d), fp::neg(f, p), e)
                }
                ArithOp::Nmls => {
                    let p = fp::mul(f, n, m, e);
                    fp::add(f, fp::neg(f, d), p, e)
                }
                ArithOp::Fma => fp::mul_add(f, d, n, m, e),
                ArithOp::Fms => fp::mul_add(f, d, fp::neg(f, n), m, e),
                ArithOp::Fnma => fp::mul_add(f, fp::neg(f, d), fp::neg(f, n), m, e),
                ArithOp::Fnms => fp::mul_add(f, fp::neg(f, d), n, m, e),
            };
            set(cpu, dp, vd, r);
            cpu.fpscr |= env.flags;
        }
        VfpInsn::Cmp { dp, e, vd, vm } => {
            let f = fmt(dp);
            let a = get(cpu, dp, vd);
            let b = vm.map_or(0, |vm| get(cpu, dp, vm));
            let mut env = FpEnv::new(cpu.fpscr);
            let nzcv = fp::compare(f, a, b, e, &mut env);
            cpu.fpscr = (cpu.fpscr & 0x0fff_ffff) | nzcv << 28 | env.flags;
        }
        VfpInsn::CvtPrec { to_dp, vd, vm } => {
            let mut env = FpEnv::new(cpu.fpscr);
            if to_dp {
                cpu.d[vd as usize] = fp::convert(F32, F64, cpu.s(vm as usize) as u64, &mut env);
            } else {
                let r = fp::convert(F64, F32, cpu.d[vm as usize], &mut env);
                cpu.set_s(vd as usize, r as u32);
            }
            cpu.fpscr |= env.flags;
        }
        VfpInsn::CvtToInt {
            dp,
            signed,
            round_zero,
            sd,
            vm,
        } => {
            let mut env = FpEnv::new(cpu.fpscr);
            let v = get(cpu, dp, vm);
            let r = fp::to_fixed(fmt(dp), v, 32, 0, !signed, round_zero, &mut env);
            cpu.set_s(sd as usize, r as u32);
            cpu.fpscr |= env.flags;
        }
        VfpInsn::CvtFromInt { dp, signed, vd, sm } => {
            let mut env = FpEnv::new(cpu.fpscr);
            let v = cpu.s(sm as usize) as u64;
            let r = fp::from_fixed(fmt(dp), v, 32, 0, !signed, false, &mut env);
            set(cpu, dp, vd, r);
            cpu.fpscr |= env.flags;
        }
        VfpInsn::CvtFixed {
            to_fixed,
            dp,
            signed,
            half,
            vd,
            fbits,
        } => {
            let mut env = FpEnv::new(cpu.fpscr);
            let size = if half { 16 } else { 32 };
            let v = get(cpu, dp, vd);
            let r = if to_fixed {
                // Saturated, then sign- or zero-extended to the register.
                let x = fp::to_fixed(fmt(dp), v, size, fbits as u32, !signed, true, &mut env);
                x as u64
            } else {
                // Fixed to floating point always rounds to nearest (ARM ARM
                // VCVT between floating-point and fixed-point: FixedToFP with
                // round_to_nearest TRUE); only FZ, DN and the flags come from FPSCR.
                fp::from_fixed(fmt(dp), v, size, fbits as u32, !signed, true, &mut env)
            };
            set(cpu, dp, vd, if dp { r } else { r & 0xffff_ffff });
            cpu.fpscr |= env.flags;
        }
        VfpInsn::CvtHalf {
            to_half,
            top,
            sd,
            sm,
        } => {
            let mut env = FpEnv::new(cpu.fpscr);
            let shift = if top { 16 } else { 0 };
            let m = cpu.s(sm as usize);
            if to_half {
                let h = fp::convert(F32, F16, m as u64, &mut env) as u32;
                let old = cpu.s(sd as usize);
                cpu.set_s(sd as usize, (old & !(0xffff << shift)) | h << shift);
            } else {
                let h = (m >> shift) & 0xffff;
                let r = fp::convert(F16, F32, h as u64, &mut env);
                cpu.set_s(sd as usize, r as u32);
            }
            cpu.fpscr |= env.flags;
        }
        VfpInsn::MovCoreS { to_core, rt, sn } => {
            if to_core {
                cpu.r[rt as usize] = cpu.s(sn as usize);
            } else {
                cpu.set_s(sn as usize, cpu.r[rt as usize]);
            }
        }
        VfpInsn::MovCore2S {
            to_core,
            rt,
            rt2,
            sm,
        } => {
            if to_core {
                cpu.r[rt as usize] = cpu.s(sm as usize);
                cpu.r[rt2 as usize] = cpu.s(sm as usize + 1);
            } else {
                cpu.set_s(sm as usize, cpu.r[rt as usize]);
                cpu.set_s(sm as usize + 1, cpu.r[rt2 as usize]);
            }
        }
        VfpInsn::MovCoreD {
            to_core,
            rt,
            rt2,
            dm,
        } => {
            if to_core {
                let v = cpu.d[dm as usize];
                cpu.r[rt as usize] = v as u32;
                cpu.r[rt2 as usize] = (v >> 32) as u32;
            } else {
                cpu.d[dm as usize] = (cpu.r[rt2 as usize] as u64) << 32 | cpu.r[rt as usize] as u64;
            }
        }
        VfpInsn::MovToScalar {
            dd,
            size,
            index,
            rt,
        } => {
            let shift = size as u32 * index as u32;
            let mask = lane_mask(size) << shift;
            let v = (cpu.r[rt as usize] as u64) << shift;
            let d = &mut cpu.d[dd as usize];
            *d = (*d & !mask) | (v & mask);
        }
        VfpInsn::MovFromScalar {
            rt,
            dn,
            size,
            index,
            signed,
        } => {
            let shift = size as u32 * index as u32;
            let v = (cpu.d[dn as usize] >> shift) & lane_mask(size);
            cpu.r[rt as usize] = if signed {
                let s = 64 - size as u32;
                ((v << s) as i64 >> s) as u32
            } else {
                v as u32
            };
        }
        VfpInsn::Dup { dd, q, size, rt } => {
            let elem = cpu.r[rt as usize] as u64 & lane_mask(size);
            let mut v = 0u64;
            for i in 0..64 / size as u32 {
                v |= elem << (i * size as u32);
            }
            cpu.d[dd as usize] = v;
            if q {
                cpu.d[dd as usize + 1] = v;
            }
        }
        VfpInsn::Vmrs { rt, reg } => {
            let value = match reg {
                SysReg::Fpsid => FPSID,
                SysReg::Fpscr => cpu.fpscr,
                SysReg::Mvfr0 => MVFR0,
                SysReg::Mvfr1 => MVFR1,
                SysReg::Fpexc => FPEXC,
            };
            if rt == 15 {
                // VMRS APSR_nzcv, FPSCR.
                cpu.nzcv = value >> 28;
            } else {
                cpu.r[rt as usize] = value;
            }
        }
        VfpInsn::Vmsr { reg, rt } => {
            if reg == SysReg::Fpscr {
                cpu.fpscr = cpu.r[rt as usize] & FPSCR_WRITABLE;
            }
        }
    }
    Ok(())
}

fn lane_mask(size: u8) -> u64 {
    if size >= 64 {
        u64::MAX
    } else {
        (1u64 << size) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::vfp::decode;
    use crate::ir::Op;
    use crate::mem::FlatMemory;

    /// Decodes `raw` (A32) and runs it.
    fn run(cpu: &mut CpuState, mem: &mut FlatMemory, raw: u32) -> MemResult<()> {
        match decode(raw, 0x8000) {
            Some(Op::Vfp(insn)) => exec(cpu, mem, &insn),
            other => panic!("{raw:#010x}: {other:?}"),
        }
    }

    fn setup() -> (CpuState, FlatMemory) {
        (CpuState::default(), FlatMemory::new(0x1000, 0x1000))
    }

    /// Found by the difftest: fixed-to-float conversion ignores the FPSCR
    /// rounding mode and rounds to nearest (the float-to-fixed direction
    /// always truncates).
    #[test]
    fn vcvt_from_fixed_rounds_to_nearest_in_every_mode() {
        // vcvt.f32.u32 s5, s5, #19 (eefb2ae6): 0xc7dca867 / 2^19; the 24-bit
        // mantissa is 0xc7dca8 with 0x67/0x100 left over: nearest is down.
        for rmode in 0..4u32 {
            let (mut cpu, mut mem) = setup();
            cpu.fpscr = rmode << 22;
            cpu.set_s(5, 0xc7dc_a867);
            run(&mut cpu, &mut mem, 0xeefb_2ae6).unwrap();
            assert_eq!(cpu.s(5), 0x45c7_dca8, "rounding mode {rmode}");
            assert_eq!(cpu.fpscr & 0x10, 0x10, "inexact");
        }
    }

    #[test]
    fn vpush_vpop_address_arithmetic() {
        let (mut cpu, mut mem) = setup();
        cpu.r[13] = 0x1800;
        for i in 8..16 {
            cpu.d[i] = 0x1111_1111_0000_0000 * i as u64 + i as u64;
        }
        run(&mut cpu, &mut mem, 0xed2d8b10).unwrap(); // vpush {d8-d15}
        assert_eq!(cpu.r[13], 0x1800 - 64);
        assert_eq!(mem.read_u32(0x1800 - 64).unwrap(), 8);
        assert_eq!(mem.read_u32(0x1800 - 60).unwrap(), 0x8888_8888);
        assert_eq!(mem.read_u64(0x1800 - 8).unwrap(), cpu.d[15]);
        let saved = cpu.d;
        cpu.d = [0; 32];
        // vpop {d8-d15}: ecbd8b10
        run(&mut cpu, &mut mem, 0xecbd8b10).unwrap();
        assert_eq!(cpu.r[13], 0x1800);
        assert_eq!(cpu.d, saved);
        // vpop {s16-s17} reads two words.
        cpu.r[13] = 0x1800 - 64;
        run(&mut cpu, &mut mem, 0xecbd8a02).unwrap();
        assert_eq!(cpu.r[13], 0x1800 - 56);
        assert_eq!(cpu.s(16), 8);
        assert_eq!(cpu.s(17), 0x8888_8888);
    }

    #[test]
    fn vldm_vstm_modes() {
        let (mut cpu, mut mem) = setup();
        for i in 0..8u32 {
            mem.write_u32(0x1100 + 4 * i, 0x100 + i).unwrap();
        }
        // vldmia r1, {s0-s3}: no writeback.
        cpu.r[1] = 0x1100;
        run(&mut cpu, &mut mem, 0xec910a04).unwrap();
        assert_eq!(cpu.r[1], 0x1100);
        assert_eq!(
            [cpu.s(0), cpu.s(1), cpu.s(2), cpu.s(3)],
            [0x100, 0x101, 0x102, 0x103]
        );
        // fldmiax r0!, {d0-d3}: 4 doubles, base moves by 36.
        cpu.r[0] = 0x1100;
        run(&mut cpu, &mut mem, 0xecb00b09).unwrap();
        assert_eq!(cpu.r[0], 0x1100 + 36);
        assert_eq!(cpu.d[3], 0x107_0000_0106);
        // vldmdb r1!, {d16-d31} from 0x1180: starts at 0x1100.
        cpu.r[1] = 0x1180;
        run(&mut cpu, &mut mem, 0xed710b20).unwrap();
        assert_eq!(cpu.r[1], 0x1100);
        assert_eq!(cpu.d[16], 0x101_0000_0100);
        // vstmia r2!, {s4-s5} (eca22a02).
        cpu.set_s(4, 0xaaaa_aaaa);
        cpu.set_s(5, 0xbbbb_bbbb);
        cpu.r[2] = 0x1200;
        run(&mut cpu, &mut mem, 0xeca22a02).unwrap();
        assert_eq!(cpu.r[2], 0x1208);
        assert_eq!(mem.read_u64(0x1200).unwrap(), 0xbbbb_bbbb_aaaa_aaaa);
        // A fault leaves registers and base unchanged.
        cpu.r[1] = 0x1ff8;
        let before = cpu.clone();
        assert!(run(&mut cpu, &mut mem, 0xecb10b04).is_err()); // vldmia r1!, {d0-d1}
        assert_eq!(cpu.d, before.d);
        assert_eq!(cpu.r[1], 0x1ff8);
    }

    #[test]
    fn vldr_vstr() {
        let (mut cpu, mut mem) = setup();
        cpu.r[2] = 0x1000;
        cpu.set_s(3, 0x1234_5678);
        run(&mut cpu, &mut mem, 0xedc21aff).unwrap(); // vstr s3, [r2, #1020]
        assert_eq!(mem.read_u32(0x13fc).unwrap(), 0x1234_5678);
        // vldr d1, [pc, #-8] at 0x8000 reads 0x8000: outside memory here,
        // so place memory there.
        let mut mem2 = FlatMemory::new(0x8000, 16);
        mem2.write_u64(0x8000, 0x0123_4567_89ab_cdef).unwrap();
        run(&mut cpu, &mut mem2, 0xed1f1b02).unwrap();
        assert_eq!(cpu.d[1], 0x0123_4567_89ab_cdef);
        // Misaligned: alignment fault.
        cpu.r[2] = 0x1002;
        let err = run(&mut cpu, &mut mem, 0xedc21aff).unwrap_err();
        assert_eq!(err.kind, FaultKind::Alignment);
    }

    #[test]
    fn core_register_transfers() {
        let (mut cpu, mut mem) = setup();
        cpu.r[3] = 0xdead_beef;
        run(&mut cpu, &mut mem, 0xee0f3a90).unwrap(); // vmov s31, r3
        assert_eq!(cpu.d[15] >> 32, 0xdead_beef);
        cpu.d[17] = 0x8899_aabb_ccdd_eeff;
        run(&mut cpu, &mut mem, 0xec521b31).unwrap(); // vmov r1, r2, d17
        assert_eq!((cpu.r[1], cpu.r[2]), (0xccdd_eeff, 0x8899_aabb));
        cpu.set_s(3, 7);
        cpu.set_s(4, 9);
        run(&mut cpu, &mut mem, 0xec521a31).unwrap(); // vmov r1, r2, s3, s4
        assert_eq!((cpu.r[1], cpu.r[2]), (7, 9));
        // vmov.u16 r3, d17[3] / vmov.s8 r3, d17[7]
        run(&mut cpu, &mut mem, 0xeeb13bf0).unwrap();
        assert_eq!(cpu.r[3], 0x8899);
        run(&mut cpu, &mut mem, 0xee713bf0).unwrap();
        assert_eq!(cpu.r[3], 0xffff_ff88);
        // vmov.8 d1[5], r2
        cpu.d[1] = 0;
        cpu.r[2] = 0x1234_56ab;
        run(&mut cpu, &mut mem, 0xee612b30).unwrap();
        assert_eq!(cpu.d[1], 0xab << 40);
        // vmov.32 d5[1], r4
        cpu.r[4] = 0x5555_5555;
        run(&mut cpu, &mut mem, 0xee254b10).unwrap();
        assert_eq!(cpu.d[5], 0x5555_5555 << 32);
        // vdup.16 q1, r3 / vdup.8 d31, r3
        cpu.r[3] = 0xabcd_1234;
        run(&mut cpu, &mut mem, 0xeea23b30).unwrap();
        assert_eq!(
            (cpu.d[2], cpu.d[3]),
            (0x1234_1234_1234_1234, 0x1234_1234_1234_1234)
        );
        run(&mut cpu, &mut mem, 0xeecf3b90).unwrap();
        assert_eq!(cpu.d[31], 0x3434_3434_3434_3434);
    }

    #[test]
    fn vmrs_vmsr() {
        let (mut cpu, mut mem) = setup();
        cpu.r[5] = 0xffff_ffff;
        run(&mut cpu, &mut mem, 0xeee15a10).unwrap(); // vmsr fpscr, r5
        assert_eq!(cpu.fpscr, FPSCR_WRITABLE);
        run(&mut cpu, &mut mem, 0xeef1fa10).unwrap(); // vmrs APSR_nzcv, fpscr
        assert!(cpu.n() && cpu.z() && cpu.c() && cpu.v());
    }

    #[test]
    fn arithmetic_through_exec() {
        let (mut cpu, mut mem) = setup();
        // vmla.f32 s0, s1, s2: 1 + 2 * 3.
        cpu.set_s(0, 1f32.to_bits());
        cpu.set_s(1, 2f32.to_bits());
        cpu.set_s(2, 3f32.to_bits());
        run(&mut cpu, &mut mem, 0xee000a81).unwrap();
        assert_eq!(f32::from_bits(cpu.s(0)), 7.0);
        // vnmla.f32 s0, s1, s2: -7 - 6.
        run(&mut cpu, &mut mem, 0xee100ac1).unwrap();
        assert_eq!(f32::from_bits(cpu.s(0)), -13.0);
        // vnmls.f32: 13 + 6.
        run(&mut cpu, &mut mem, 0xee100a81).unwrap();
        assert_eq!(f32::from_bits(cpu.s(0)), 19.0);
        // vfms.f32: 19 - 6; vfnma.f32: -13 - 6; vfnms: 19 + 6.
        run(&mut cpu, &mut mem, 0xeea00ac1).unwrap();
        assert_eq!(f32::from_bits(cpu.s(0)), 13.0);
        run(&mut cpu, &mut mem, 0xee900ac1).unwrap();
        assert_eq!(f32::from_bits(cpu.s(0)), -19.0);
        run(&mut cpu, &mut mem, 0xee900a81).unwrap();
        assert_eq!(f32::from_bits(cpu.s(0)), 25.0);
        assert_eq!(cpu.fpscr, 0);
        // vnmul.f64 d0, d1, d2 with a quiet NaN: the NaN's sign flips.
        cpu.d[1] = 0x7ff8_0000_0000_0001;
        cpu.d[2] = 1f64.to_bits();
        run(&mut cpu, &mut mem, 0xee210b42).unwrap();
        assert_eq!(cpu.d[0], 0xfff8_0000_0000_0001);
        // vdiv.f64 d16, d17, d31: 1 / 0 -> inf, DZC.
        cpu.d[17] = 1f64.to_bits();
        cpu.d[31] = 0;
        run(&mut cpu, &mut mem, 0xeec10baf).unwrap();
        assert_eq!(cpu.d[16], f64::INFINITY.to_bits());
        assert_eq!(cpu.fpscr, fp::DZC);
    }

    #[test]
    fn compare_and_convert_through_exec() {
        let (mut cpu, mut mem) = setup();
        // vcmpe.f64 d1, #0.0 with d1 = -1: less.
        cpu.d[1] = (-1f64).to_bits();
        run(&mut cpu, &mut mem, 0xeeb51bc0).unwrap();
        assert_eq!(cpu.fpscr >> 28, 0b1000);
        // vcmp.f32 s0, s1 with a quiet NaN: unordered, no IOC; vcmpe: IOC.
        cpu.set_s(0, 0x7fc0_0000);
        run(&mut cpu, &mut mem, 0xeeb40a60).unwrap();
        assert_eq!(cpu.fpscr, 0x3000_0000);
        run(&mut cpu, &mut mem, 0xeeb40ae0).unwrap();
        assert_eq!(cpu.fpscr, 0x3000_0000 | fp::IOC);
        // vcvt.s32.f64 s0, d1: -1.
        cpu.fpscr = 0;
        run(&mut cpu, &mut mem, 0xeebd0bc1).unwrap();
        assert_eq!(cpu.s(0), 0xffff_ffff);
        // vcvtr.u32.f32 s0, s1 with s1 = 2.5 in RM: 2 inexact.
        cpu.set_s(1, 2.5f32.to_bits());
        cpu.fpscr = 2 << 22;
        run(&mut cpu, &mut mem, 0xeebc0a60).unwrap();
        assert_eq!(cpu.s(0), 2);
        assert_eq!(cpu.fpscr, 2 << 22 | fp::IXC);
        // vcvt.f64.s32 d3, s1 with s1 = -5.
        cpu.set_s(1, -5i32 as u32);
        run(&mut cpu, &mut mem, 0xeeb83be0).unwrap();
        assert_eq!(cpu.d[3], (-5f64).to_bits());
        // vcvt.s16.f64 d3, d3, #3: -5 * 8 = -40, sign-extended to 64 bits.
        run(&mut cpu, &mut mem, 0xeebe3b66).unwrap();
        assert_eq!(cpu.d[3], -40i64 as u64);
        // vcvt.f32.u32 s3, s3, #32: 0x8000_0000 -> 0.5.
        cpu.set_s(3, 0x8000_0000);
        run(&mut cpu, &mut mem, 0xeefb1ac0).unwrap();
        assert_eq!(cpu.s(3), 0.5f32.to_bits());
        // vcvtt.f16.f32 s1, s2 keeps the bottom half; vcvtb.f32.f16 s1, s2.
        cpu.set_s(1, 0x0000_abcd);
        cpu.set_s(2, 1f32.to_bits());
        run(&mut cpu, &mut mem, 0xeef30ac1).unwrap();
        assert_eq!(cpu.s(1), 0x3c00_abcd);
        cpu.set_s(2, 0x1234_c000);
        run(&mut cpu, &mut mem, 0xeef20a41).unwrap();
        assert_eq!(cpu.s(1), (-2f32).to_bits());
        // vcvt.f32.f64 s0, d16 and back (round to nearest again).
        cpu.fpscr = 0;
        cpu.d[16] = 0.1f64.to_bits();
        run(&mut cpu, &mut mem, 0xeeb70be0).unwrap();
        assert_eq!(cpu.s(0), 0.1f32.to_bits());
        cpu.set_s(31, 0.1f32.to_bits());
        run(&mut cpu, &mut mem, 0xeef70aef).unwrap();
        assert_eq!(cpu.d[16], (0.1f32 as f64).to_bits());
    }

    #[test]
    fn unary_ops_do_not_touch_nans_or_flags() {
        let (mut cpu, mut mem) = setup();
        cpu.d[31] = 0xfff0_0000_0000_0001; // signalling NaN
        run(&mut cpu, &mut mem, 0xeeb00bef).unwrap(); // vabs.f64 d0, d31
        assert_eq!(cpu.d[0], 0x7ff0_0000_0000_0001);
        run(&mut cpu, &mut mem, 0xeeb00b6f).unwrap(); // vmov.f64 d0, d31
        assert_eq!(cpu.d[0], 0xfff0_0000_0000_0001);
        cpu.set_s(1, 0x7f80_0001);
        run(&mut cpu, &mut mem, 0xeeb10a60).unwrap(); // vneg.f32 s0, s1
        assert_eq!(cpu.s(0), 0xff80_0001);
        assert_eq!(cpu.fpscr, 0);
        // vsqrt.f64 d0, d1 of a signalling NaN quietens it and raises IOC.
        cpu.d[1] = 0x7ff0_0000_0000_0001;
        run(&mut cpu, &mut mem, 0xeeb10bc1).unwrap();
        assert_eq!(cpu.d[0], 0x7ff8_0000_0000_0001);
        assert_eq!(cpu.fpscr, fp::IOC);
    }
}
