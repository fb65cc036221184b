//! Interpreter semantics of Advanced SIMD instructions (DDI 0406C, A8).
//!
//! Elements are handled inside 64-bit doublewords: an element-wise Q
//! operation is two independent D operations (Q operands are even-aligned,
//! so no output doubleword feeds a later input one), which keeps the hot
//! paths (loads and stores, compares, bitwise ops used by glibc's string
//! routines) to plain `u64` arithmetic with no allocation. Narrowing,
//! widening and permuting operations read their operands into `u128`
//! values first, so a destination overlapping a source is handled.
//!
//! Saturating operations set FPSCR.QC; float operations use the standard
//! FPSCR value and accumulate exception flags as described in [`fp`].

mod fp;
mod mem;
#[cfg(test)]
mod tests;

use crate::arm::cpu::CpuState;
use crate::ir::neon::{ImmOp, LongOp, MiscOp, NeonInsn, SameOp, ScalarOp, ShiftOp, Size};
use crate::mem::{GuestMemory, MemResult};
use fp::Fp;

/// FPSCR.QC, the cumulative saturation flag.
const QC: u32 = 1 << 27;
const SIGN32: u32 = 0x8000_0000;

/// Executes one Advanced SIMD instruction.
pub fn exec<M: GuestMemory>(cpu: &mut CpuState, mem: &mut M, insn: &NeonInsn) -> MemResult<()> {
    let mut st = State::default();
    match *insn {
        NeonInsn::Same {
            op,
            size,
            u,
            q,
            vd,
            vn,
            vm,
        } => same(cpu, &mut st, op, size, u, q, vd, vn, vm),
        NeonInsn::Long {
            op,
            size,
            u,
            vd,
            vn,
            vm,
        } => {
            let wide_n = matches!(op, LongOp::Addw | LongOp::Subw) || narrowing(op);
            let n = if wide_n {
                rq(cpu, vn)
            } else {
                cpu.d[vn as usize] as u128
            };
            let m = if narrowing(op) {
                rq(cpu, vm)
            } else {
                cpu.d[vm as usize] as u128
            };
            if narrowing(op) {
                cpu.d[vd as usize] = long(&mut st, op, size, u, n, m, 0) as u64;
            } else {
                let acc = rq(cpu, vd);
                let r = long(&mut st, op, size, u, n, m, acc);
                wq(cpu, vd, r);
            }
        }
        NeonInsn::Scalar {
            op,
            size,
            u,
            q,
            vd,
            vn,
            vm,
            index,
        } => {
            let x = lane(cpu.d[vm as usize], size, index as usize);
            let m = dup(x, size);
            let sop = match op {
                ScalarOp::Mla => Some(SameOp::Mla),
                ScalarOp::Mls => Some(SameOp::Mls),
                ScalarOp::Mul => Some(SameOp::Mul),
                ScalarOp::Fmla => Some(SameOp::Fmla),
                ScalarOp::Fmls => Some(SameOp::Fmls),
                ScalarOp::Fmul => Some(SameOp::Fmul),
                ScalarOp::Qdmulh => Some(SameOp::Qdmulh),
                ScalarOp::Qrdmulh => Some(SameOp::Qrdmulh),
                _ => None,
            };
            if let Some(sop) = sop {
                for r in 0..1 + q as usize {
                    let (a, d) = (cpu.d[vn as usize + r], cpu.d[vd as usize + r]);
                    cpu.d[vd as usize + r] = same_d(&mut st, sop, size, u, a, m, d);
                }
            } else {
                let lop = match op {
                    ScalarOp::Mlal => LongOp::Mlal,
                    ScalarOp::Mlsl => LongOp::Mlsl,
                    ScalarOp::Mull => LongOp::Mull,
                    ScalarOp::Qdmlal => LongOp::Qdmlal,
                    ScalarOp::Qdmlsl => LongOp::Qdmlsl,
                    _ => LongOp::Qdmull,
                };
                let n = cpu.d[vn as usize] as u128;
                let acc = rq(cpu, vd);
                let r = long(&mut st, lop, size, u, n, m as u128, acc);
                wq(cpu, vd, r);
            }
        }
        NeonInsn::Shift {
            op,
            size,
            u,
            q,
            vd,
            vm,
            shift,
        } => shift_imm(cpu, &mut st, op, size, u, q, vd, vm, shift as u32),
        NeonInsn::Misc {
            op,
            size,
            u,
            q,
            vd,
            vm,
        } => misc(cpu, &mut st, op, size, u, q, vd, vm),
        NeonInsn::Imm { op, q, vd, imm } => {
            for r in 0..1 + q as usize {
                let d = &mut cpu.d[vd as usize + r];
                *d = match op {
                    ImmOp::Mov => imm,
                    ImmOp::Orr => *d | imm,
                    ImmOp::And => *d & imm,
                };
            }
        }
        NeonInsn::Ext { q, vd, vn, vm, imm } => {
            let regs = 1 + q as usize;
            let mut bytes = [0u8; 32];
            for r in 0..regs {
                bytes[8 * r..8 * r + 8].copy_from_slice(&cpu.d[vn as usize + r].to_le_bytes());
                bytes[8 * (regs + r)..8 * (regs + r) + 8]
                    .copy_from_slice(&cpu.d[vm as usize + r].to_le_bytes());
            }
            for r in 0..regs {
                let start = imm as usize + 8 * r;
                let chunk: [u8; 8] = bytes[start..start + 8].try_into().unwrap();
                cpu.d[vd as usize + r] = u64::from_le_bytes(chunk);
            }
        }
        NeonInsn::Table {
            tbx,
            vd,
            vn,
            len,
            vm,
        } => {
            let mut table = [0u8; 32];
            for r in 0..len as usize {
                table[8 * r..8 * r + 8].copy_from_slice(&cpu.d[vn as usize + r].to_le_bytes());
            }
            let idx = cpu.d[vm as usize].to_le_bytes();
            let mut out = cpu.d[vd as usize].to_le_bytes();
            for (o, &i) in out.iter_mut().zip(idx.iter()) {
                if (i as usize) < 8 * len as usize {
                    *o = table[i as usize];
                } else if !tbx {
                    *o = 0;
                }
            }
            cpu.d[vd as usize] = u64::from_le_bytes(out);
        }
        NeonInsn::Dup {
            q,
            size,
            vd,
            vm,
            index,
        } => {
            let v = dup(lane(cpu.d[vm as usize], size, index as usize), size);
            for r in 0..1 + q as usize {
                cpu.d[vd as usize + r] = v;
            }
        }
        NeonInsn::Multi { .. } | NeonInsn::Lane { .. } | NeonInsn::AllLanes { .. } => {
            return mem::exec(cpu, mem, insn);
        }
    }
    if st.qc {
        cpu.fpscr |= QC;
    }
    cpu.fpscr |= st.fp.flags;
    Ok(())
}

/// Side effects gathered while executing one instruction.
#[derive(Default)]
struct State {
    /// Some element saturated.
    qc: bool,
    /// Float exception flags.
    fp: Fp,
}

fn narrowing(op: LongOp) -> bool {
    matches!(
        op,
        LongOp::Addhn | LongOp::Raddhn | LongOp::Subhn | LongOp::Rsubhn
    )
}

// ---------------------------------------------------------------------------
// Element helpers.

/// Element bits mask.
#[inline(always)]
fn emask(size: Size) -> u64 {
    if size >= 3 {
        !0
    } else {
        (1u64 << (8u32 << size)) - 1
    }
}

/// Element bit count.
#[inline(always)]
fn ebits(size: Size) -> u32 {
    8 << size
}

/// Sign-extends an element.
#[inline(always)]
fn sx(x: u64, size: Size) -> i64 {
    let sh = 64 - ebits(size);
    ((x << sh) as i64) >> sh
}

/// An element as i128, sign- or zero-extended.
#[inline(always)]
fn ext(x: u64, size: Size, u: bool) -> i128 {
    if u {
        (x & emask(size)) as i128
    } else {
        sx(x, size) as i128
    }
}

/// Element `i` of a doubleword.
#[inline(always)]
fn lane(v: u64, size: Size, i: usize) -> u64 {
    (v >> ((i as u32 * ebits(size)) % 64)) & emask(size)
}

/// Element `i` of a quadword.
#[inline(always)]
fn lane128(v: u128, size: Size, i: usize) -> u64 {
    (v >> (i as u32 * ebits(size))) as u64 & emask(size)
}

/// Sets element `i` of a quadword.
#[inline(always)]
fn set128(v: &mut u128, size: Size, i: usize, x: u64) {
    let sh = i as u32 * ebits(size);
    let m = (emask(size) as u128) << sh;
    *v = (*v & !m) | (((x & emask(size)) as u128) << sh);
}

/// An element replicated across a doubleword.
#[inline(always)]
fn dup(x: u64, size: Size) -> u64 {
    match size {
        0 => (x & 0xff) * 0x0101_0101_0101_0101,
        1 => (x & 0xffff) * 0x0001_0001_0001_0001,
        2 => (x & 0xffff_ffff) * 0x0000_0001_0000_0001,
        _ => x,
    }
}

/// Applies `f` to each element of a doubleword.
#[inline(always)]
fn map1(a: u64, size: Size, mut f: impl FnMut(u64) -> u64) -> u64 {
    let (eb, m) = (ebits(size), emask(size));
    let mut r = 0;
    let mut i = 0;
    while i < 64 {
        r |= (f((a >> i) & m) & m) << i;
        i += eb;
    }
    r
}

/// Applies `f` to corresponding elements of two doublewords.
#[inline(always)]
fn map2(a: u64, b: u64, size: Size, mut f: impl FnMut(u64, u64) -> u64) -> u64 {
    let (eb, m) = (ebits(size), emask(size));
    let mut r = 0;
    let mut i = 0;
    while i < 64 {
        r |= (f((a >> i) & m, (b >> i) & m) & m) << i;
        i += eb;
    }
    r
}

/// Applies `f` to corresponding elements of three doublewords.
#[inline(always)]
fn map3(a: u64, b: u64, c: u64, size: Size, mut f: impl FnMut(u64, u64, u64) -> u64) -> u64 {
    let (eb, m) = (ebits(size), emask(size));
    let mut r = 0;
    let mut i = 0;
    while i < 64 {
        r |= (f((a >> i) & m, (b >> i) & m, (c >> i) & m) & m) << i;
        i += eb;
    }
    r
}

/// All ones if `t`.
#[inline(always)]
fn ones(t: bool) -> u64 {
    if t {
        !0
    } else {
        0
    }
}

/// Saturates `v` to the signed or unsigned range of `size`, noting
/// saturation in `qc`.
#[inline(always)]
fn sat(v: i128, size: Size, unsigned: bool, qc: &mut bool) -> u64 {
    let bits = ebits(size);
    let (lo, hi) = if unsigned {
        (0i128, ((1u128 << bits) - 1) as i128)
    } else {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    };
    if v < lo {
        *qc = true;
        lo as u64 & emask(size)
    } else if v > hi {
        *qc = true;
        hi as u64 & emask(size)
    } else {
        v as u64 & emask(size)
    }
}

/// Shift right by `k` (1..=65) with optional rounding, in i128.
#[inline(always)]
fn shr(v: i128, k: u32, round: bool) -> i128 {
    if round {
        (v + (1i128 << (k - 1))) >> k
    } else {
        v >> k
    }
}

/// VSHL/VQSHL/VRSHL/VQRSHL by register: shifts element `x` by the signed
/// bottom byte of `s`.
#[inline(always)]
fn shift_reg(
    x: u64,
    s: u64,
    size: Size,
    u: bool,
    round: bool,
    saturate: bool,
    qc: &mut bool,
) -> u64 {
    let sh = s as u8 as i8 as i32;
    let v = ext(x, size, u);
    let esize = ebits(size) as i32;
    let r = if sh >= 0 {
        if v == 0 {
            return 0;
        }
        if sh >= esize {
            if !saturate {
                return 0;
            }
            if v > 0 {
                i128::MAX >> 1
            } else {
                i128::MIN >> 1
            }
        } else {
            v << sh
        }
    } else {
        shr(v, (-sh).min(65) as u32, round)
    };
    if saturate {
        sat(r, size, u, qc)
    } else {
        r as u64 & emask(size)
    }
}

/// Carry-less multiply of two polynomials of up to 32 bits.
#[inline(always)]
fn clmul(a: u64, b: u64) -> u64 {
    let mut r = 0;
    for i in 0..32 {
        if b >> i & 1 != 0 {
            r ^= a << i;
        }
    }
    r
}

/// Reads Qn as one u128 (from D register `d`, `d + 1`).
#[inline(always)]
fn rq(cpu: &CpuState, d: u8) -> u128 {
    let d = d as usize;
    cpu.d[d] as u128 | (cpu.d[(d + 1) % 32] as u128) << 64
}

/// Writes a u128 to D registers `d`, `d + 1`.
#[inline(always)]
fn wq(cpu: &mut CpuState, d: u8, v: u128) {
    let d = d as usize;
    cpu.d[d] = v as u64;
    cpu.d[(d + 1) % 32] = (v >> 64) as u64;
}

// ---------------------------------------------------------------------------
// Three registers of the same length.

#[allow(clippy::too_many_arguments)]
fn same(
    cpu: &mut CpuState,
    st: &mut State,
    op: SameOp,
    size: Size,
    u: bool,
    q: bool,
    vd: u8,
    vn: u8,
    vm: u8,
) {
    use SameOp::*;
    let (vd, vn, vm) = (vd as usize, vn as usize, vm as usize);
    if matches!(op, Pmax | Pmin | Padd | Fpadd | Fpmax | Fpmin) {
        // Pairwise (D only): low half of the result from Vn, high from Vm.
        let (a, b) = (cpu.d[vn], cpu.d[vm]);
        let half = (4 >> size) as usize;
        let mut r = 0u64;
        for (k, src) in [a, b].into_iter().enumerate() {
            for i in 0..half {
                let (x, y) = (lane(src, size, 2 * i), lane(src, size, 2 * i + 1));
                let v = match op {
                    Padd => x.wrapping_add(y),
                    Pmax | Pmin => {
                        let gt = if u { x > y } else { sx(x, size) > sx(y, size) };
                        if gt == (op == Pmax) {
                            x
                        } else {
                            y
                        }
                    }
                    Fpadd => st.fp.add(x as u32, y as u32) as u64,
                    _ => st.fp.max_min(x as u32, y as u32, op == Fpmax) as u64,
                };
                r |= (v & emask(size)) << ((k * half + i) as u32 * ebits(size));
            }
        }
        cpu.d[vd] = r;
        return;
    }
    for r in 0..1 + q as usize {
        let (a, b, d) = (cpu.d[vn + r], cpu.d[vm + r], cpu.d[vd + r]);
        cpu.d[vd + r] = same_d(st, op, size, u, a, b, d);
    }
}

/// One doubleword of an element-wise three-same operation: `a` from Vn,
/// `b` from Vm, `d` the old Vd.
#[inline(always)]
fn same_d(st: &mut State, op: SameOp, size: Size, u: bool, a: u64, b: u64, d: u64) -> u64 {
    use SameOp::*;
    let qc = &mut st.qc;
    let fp = &mut st.fp;
    let s = |x: u64| ext(x, size, u);
    match op {
        And => a & b,
        Bic => a & !b,
        Orr => a | b,
        Orn => a | !b,
        Eor => a ^ b,
        Bsl => (d & a) | (!d & b),
        Bit => (d & !b) | (a & b),
        Bif => (d & b) | (a & !b),
        Add => map2(a, b, size, |x, y| x.wrapping_add(y)),
        Sub => map2(a, b, size, |x, y| x.wrapping_sub(y)),
        Hadd => map2(a, b, size, |x, y| ((s(x) + s(y)) >> 1) as u64),
        Rhadd => map2(a, b, size, |x, y| ((s(x) + s(y) + 1) >> 1) as u64),
        Hsub => map2(a, b, size, |x, y| ((s(x) - s(y)) >> 1) as u64),
        Qadd => map2(a, b, size, |x, y| sat(s(x) + s(y), size, u, qc)),
        Qsub => map2(a, b, size, |x, y| sat(s(x) - s(y), size, u, qc)),
        Cgt => map2(a, b, size, |x, y| ones(s(x) > s(y))),
        Cge => map2(a, b, size, |x, y| ones(s(x) >= s(y))),
        Ceq => map2(a, b, size, |x, y| ones(x == y)),
        Tst => map2(a, b, size, |x, y| ones(x & y != 0)),
        // The shifts by register shift Vm by the bottom byte of Vn.
        Shl => map2(b, a, size, |x, y| {
            shift_reg(x, y, size, u, false, false, qc)
        }),
        Qshl => map2(b, a, size, |x, y| shift_reg(x, y, size, u, false, true, qc)),
        Rshl => map2(b, a, size, |x, y| shift_reg(x, y, size, u, true, false, qc)),
        Qrshl => map2(b, a, size, |x, y| shift_reg(x, y, size, u, true, true, qc)),
        Max => map2(a, b, size, |x, y| if s(x) >= s(y) { x } else { y }),
        Min => map2(a, b, size, |x, y| if s(x) <= s(y) { x } else { y }),
        Abd => map2(a, b, size, |x, y| (s(x) - s(y)).unsigned_abs() as u64),
        Aba => map3(a, b, d, size, |x, y, z| {
            z.wrapping_add((s(x) - s(y)).unsigned_abs() as u64)
        }),
        Mla => map3(a, b, d, size, |x, y, z| z.wrapping_add(x.wrapping_mul(y))),
        Mls => map3(a, b, d, size, |x, y, z| z.wrapping_sub(x.wrapping_mul(y))),
        Mul => map2(a, b, size, |x, y| x.wrapping_mul(y)),
        Pmul => map2(a, b, size, clmul),
        Qdmulh | Qrdmulh => {
            let round = if op == Qrdmulh {
                1i128 << (ebits(size) - 1)
            } else {
                0
            };
            map2(a, b, size, |x, y| {
                let p = 2 * sx(x, size) as i128 * sx(y, size) as i128;
                sat((p + round) >> ebits(size), size, false, qc)
            })
        }
        Fadd => map2(a, b, 2, |x, y| fp.add(x as u32, y as u32) as u64),
        Fsub => map2(a, b, 2, |x, y| fp.sub(x as u32, y as u32) as u64),
        Fabd => map2(a, b, 2, |x, y| {
            (fp.sub(x as u32, y as u32) & !SIGN32) as u64
        }),
        Fmul => map2(a, b, 2, |x, y| fp.mul(x as u32, y as u32) as u64),
        Fmla => map3(a, b, d, 2, |x, y, z| {
            let p = fp.mul(x as u32, y as u32);
            fp.add(z as u32, p) as u64
        }),
        Fmls => map3(a, b, d, 2, |x, y, z| {
            let p = fp.mul(x as u32, y as u32);
            fp.add(z as u32, p ^ SIGN32) as u64
        }),
        Fma => map3(a, b, d, 2, |x, y, z| {
            fp.fma(z as u32, x as u32, y as u32) as u64
        }),
        Fms => map3(a, b, d, 2, |x, y, z| {
            fp.fma(z as u32, x as u32 ^ SIGN32, y as u32) as u64
        }),
        Fceq => map2(a, b, 2, |x, y| ones(fp.compare(x as u32, y as u32, 0))),
        Fcge => map2(a, b, 2, |x, y| ones(fp.compare(x as u32, y as u32, 1))),
        Fcgt => map2(a, b, 2, |x, y| ones(fp.compare(x as u32, y as u32, 2))),
        Facge => map2(a, b, 2, |x, y| {
            ones(fp.compare(x as u32 & !SIGN32, y as u32 & !SIGN32, 1))
        }),
        Facgt => map2(a, b, 2, |x, y| {
            ones(fp.compare(x as u32 & !SIGN32, y as u32 & !SIGN32, 2))
        }),
        Fmax => map2(a, b, 2, |x, y| fp.max_min(x as u32, y as u32, true) as u64),
        Fmin => map2(a, b, 2, |x, y| fp.max_min(x as u32, y as u32, false) as u64),
        Recps => map2(a, b, 2, |x, y| fp.recps(x as u32, y as u32) as u64),
        Rsqrts => map2(a, b, 2, |x, y| fp.rsqrts(x as u32, y as u32) as u64),
        Pmax | Pmin | Padd | Fpadd | Fpmax | Fpmin => unreachable!("pairwise handled by caller"),
    }
}

// ---------------------------------------------------------------------------
// Three registers of different lengths (and the long by-scalar forms).

/// `n` and `m` hold narrow D operands in their low 64 bits, or wide Q
/// operands; `acc` is the old Qd. Returns the wide result (or the narrow
/// one in the low 64 bits for the high-half narrowing ops).
fn long(st: &mut State, op: LongOp, size: Size, u: bool, n: u128, m: u128, acc: u128) -> u128 {
    use LongOp::*;
    let w = size + 1;
    let count = (8 >> size) as usize;
    let qc = &mut st.qc;
    let mut out = 0u128;
    for i in 0..count {
        let nn = |v: u128| ext(lane128(v, size, i), size, u);
        let ww = |v: u128| ext(lane128(v, w, i), w, u);
        let r: i128 = match op {
            Addl => nn(n) + nn(m),
            Subl => nn(n) - nn(m),
            Addw => ww(n) + nn(m),
            Subw => ww(n) - nn(m),
            Addhn | Raddhn | Subhn | Rsubhn => {
                let (x, y) = (lane128(n, w, i), lane128(m, w, i));
                let mut v = if matches!(op, Addhn | Raddhn) {
                    x.wrapping_add(y)
                } else {
                    x.wrapping_sub(y)
                };
                if matches!(op, Raddhn | Rsubhn) {
                    v = v.wrapping_add(1 << (ebits(size) - 1));
                }
                set128(&mut out, size, i, (v & emask(w)) >> ebits(size));
                continue;
            }
            Abal => ww(acc) + (nn(n) - nn(m)).abs(),
            Abdl => (nn(n) - nn(m)).abs(),
            Mlal => ww(acc) + nn(n) * nn(m),
            Mlsl => ww(acc) - nn(n) * nn(m),
            Mull => nn(n) * nn(m),
            Pmull => clmul(lane128(n, size, i), lane128(m, size, i)) as i128,
            Qdmull | Qdmlal | Qdmlsl => {
                let s = |v: u128| ext(lane128(v, size, i), size, false);
                let p = sat(2 * s(n) * s(m), w, false, qc);
                let p = sx(p, w) as i128;
                let a = ext(lane128(acc, w, i), w, false);
                let v = match op {
                    Qdmull => p,
                    Qdmlal => a + p,
                    _ => a - p,
                };
                set128(&mut out, w, i, sat(v, w, false, qc));
                continue;
            }
        };
        set128(&mut out, w, i, r as u64);
    }
    out
}

// ---------------------------------------------------------------------------
// Shifts by immediate.

#[allow(clippy::too_many_arguments)]
fn shift_imm(
    cpu: &mut CpuState,
    st: &mut State,
    op: ShiftOp,
    size: Size,
    u: bool,
    q: bool,
    vd: u8,
    vm: u8,
    sh: u32,
) {
    use ShiftOp::*;
    let qc = &mut st.qc;
    let fp = &mut st.fp;
    match op {
        Shrn | Rshrn | Qshrn | Qrshrn | Qshrun | Qrshrun => {
            let w = size + 1;
            let src = rq(cpu, vm);
            let round = matches!(op, Rshrn | Qrshrn | Qrshrun);
            let in_u = matches!(op, Shrn | Rshrn) || (u && matches!(op, Qshrn | Qrshrn));
            let mut r = 0u64;
            for i in 0..(8 >> size) as usize {
                let v = shr(ext(lane128(src, w, i), w, in_u), sh, round);
                let x = match op {
                    Shrn | Rshrn => v as u64 & emask(size),
                    Qshrn | Qrshrn => sat(v, size, u, qc),
                    _ => sat(v, size, true, qc),
                };
                r |= x << (i as u32 * ebits(size));
            }
            cpu.d[vd as usize] = r;
            return;
        }
        Shll => {
            let src = cpu.d[vm as usize];
            let mut r = 0u128;
            for i in 0..(8 >> size) as usize {
                let v = ext(lane(src, size, i), size, u) << sh;
                set128(&mut r, size + 1, i, v as u64);
            }
            wq(cpu, vd, r);
            return;
        }
        _ => {}
    }
    let m = emask(size);
    for r in 0..1 + q as usize {
        let (a, d) = (cpu.d[vm as usize + r], cpu.d[vd as usize + r]);
        let s = |x: u64| ext(x, size, u);
        cpu.d[vd as usize + r] = match op {
            Shr => map1(a, size, |x| shr(s(x), sh, false) as u64),
            Rshr => map1(a, size, |x| shr(s(x), sh, true) as u64),
            Sra => map2(a, d, size, |x, z| {
                z.wrapping_add(shr(s(x), sh, false) as u64)
            }),
            Rsra => map2(a, d, size, |x, z| {
                z.wrapping_add(shr(s(x), sh, true) as u64)
            }),
            Sri => {
                let keep = if sh >= 64 { !0 } else { !(m >> sh) & m };
                map2(a, d, size, |x, z| (z & keep) | (x >> sh.min(63) & !keep))
            }
            Shl => map1(a, size, |x| x << sh),
            Sli => {
                let keep = !(m << sh) & m;
                map2(a, d, size, |x, z| (z & keep) | (x << sh & !keep))
            }
            Qshl => map1(a, size, |x| sat(s(x) << sh, size, u, qc)),
            Qshlu => map1(a, size, |x| sat(ext(x, size, false) << sh, size, true, qc)),
            CvtFromFixed => map1(a, 2, |x| fp.f32_from_fixed(x as u32, u, sh) as u64),
            CvtToFixed => map1(a, 2, |x| fp.f32_to_fixed(x as u32, u, sh) as u64),
            Shrn | Rshrn | Qshrn | Qrshrn | Qshrun | Qrshrun | Shll => unreachable!(),
        };
    }
}

// ---------------------------------------------------------------------------
// Two registers, miscellaneous.

/// Reverses the order of `size` elements within each `1 << group`-byte
/// container of a doubleword.
fn rev(v: u64, size: Size, group: u32) -> u64 {
    let per = (1usize << group) >> size;
    let count = (8 >> size) as usize;
    let mut r = 0;
    for i in 0..count {
        let (c, j) = (i / per, i % per);
        let dst = c * per + (per - 1 - j);
        r |= lane(v, size, i) << (dst as u32 * ebits(size));
    }
    r
}

#[allow(clippy::too_many_arguments)]
fn misc(
    cpu: &mut CpuState,
    st: &mut State,
    op: MiscOp,
    size: Size,
    u: bool,
    q: bool,
    vd: u8,
    vm: u8,
) {
    use MiscOp::*;
    let (vdu, vmu) = (vd as usize, vm as usize);
    let regs = 1 + q as usize;
    let qc = &mut st.qc;
    let fp = &mut st.fp;
    match op {
        Swp => {
            for r in 0..regs {
                cpu.d.swap(vdu + r, vmu + r);
            }
            return;
        }
        Trn | Uzp | Zip => {
            let (d, m) = if q {
                (rq(cpu, vd), rq(cpu, vm))
            } else {
                (cpu.d[vdu] as u128, cpu.d[vmu] as u128)
            };
            let count = ((64 << q as u32) >> (3 + size)) as usize;
            let (mut nd, mut nm) = (d, m);
            match op {
                Trn => {
                    for e in 0..count / 2 {
                        set128(&mut nd, size, 2 * e + 1, lane128(m, size, 2 * e));
                        set128(&mut nm, size, 2 * e, lane128(d, size, 2 * e + 1));
                    }
                }
                Zip => {
                    for i in 0..count {
                        for (k, src) in [d, m].into_iter().enumerate() {
                            let pos = 2 * i + k;
                            let x = lane128(src, size, i);
                            if pos < count {
                                set128(&mut nd, size, pos, x);
                            } else {
                                set128(&mut nm, size, pos - count, x);
                            }
                        }
                    }
                }
                _ => {
                    for pos in 0..2 * count {
                        let x = if pos < count {
                            lane128(d, size, pos)
                        } else {
                            lane128(m, size, pos - count)
                        };
                        if pos % 2 == 0 {
                            set128(&mut nd, size, pos / 2, x);
                        } else {
                            set128(&mut nm, size, pos / 2, x);
                        }
                    }
                }
            }
            if q {
                wq(cpu, vd, nd);
                wq(cpu, vm, nm);
            } else {
                cpu.d[vdu] = nd as u64;
                cpu.d[vmu] = nm as u64;
            }
            return;
        }
        Movn | Qmovn | Qmovun => {
            let (src, w) = (rq(cpu, vm), size + 1);
            let mut r = 0u64;
            for i in 0..(8 >> size) as usize {
                let x = lane128(src, w, i);
                let v = match op {
                    Movn => x & emask(size),
                    Qmovn => sat(ext(x, w, u), size, u, qc),
                    _ => sat(ext(x, w, false), size, true, qc),
                };
                r |= v << (i as u32 * ebits(size));
            }
            cpu.d[vdu] = r;
            return;
        }
        ShllMax => {
            let src = cpu.d[vmu];
            let mut r = 0u128;
            for i in 0..(8 >> size) as usize {
                set128(&mut r, size + 1, i, lane(src, size, i) << ebits(size));
            }
            wq(cpu, vd, r);
            return;
        }
        CvtF32ToF16 => {
            let src = rq(cpu, vm);
            let mut r = 0u64;
            for i in 0..4 {
                r |= (fp.f32_to_half(lane128(src, 2, i) as u32, cpu.fpscr) as u64) << (16 * i);
            }
            cpu.d[vdu] = r;
            return;
        }
        CvtF16ToF32 => {
            let src = cpu.d[vmu];
            let mut r = 0u128;
            for i in 0..4 {
                set128(
                    &mut r,
                    2,
                    i,
                    fp.f32_from_half(lane(src, 1, i) as u16, cpu.fpscr) as u64,
                );
            }
            wq(cpu, vd, r);
            return;
        }
        _ => {}
    }
    let s = |x: u64| sx(x, size);
    let eb = ebits(size);
    for r in 0..regs {
        let (a, d) = (cpu.d[vmu + r], cpu.d[vdu + r]);
        cpu.d[vdu + r] = match op {
            Rev64 => rev(a, size, 3),
            Rev32 => rev(a, size, 2),
            Rev16 => rev(a, size, 1),
            Paddl | Padal => {
                let w = size + 1;
                let mut v = 0u64;
                for i in 0..(4 >> size) as usize {
                    let sum =
                        ext(lane(a, size, 2 * i), size, u) + ext(lane(a, size, 2 * i + 1), size, u);
                    let sum = if op == Padal {
                        (sum as u64).wrapping_add(lane(d, w, i))
                    } else {
                        sum as u64
                    };
                    v |= (sum & emask(w)) << (i as u32 * ebits(w));
                }
                v
            }
            Cls => map1(a, size, |x| {
                let t = (x ^ (s(x) >> 1) as u64) & emask(size);
                (t.leading_zeros() - (64 - eb)) as u64 - 1
            }),
            Clz => map1(a, size, |x| (x.leading_zeros() - (64 - eb)) as u64),
            Cnt => map1(a, 0, |x| x.count_ones() as u64),
            Mvn => !a,
            Qabs => map1(a, size, |x| {
                sat(s(x).unsigned_abs() as i128, size, false, qc)
            }),
            Qneg => map1(a, size, |x| sat(-(s(x) as i128), size, false, qc)),
            Cgt0 => map1(a, size, |x| ones(s(x) > 0)),
            Cge0 => map1(a, size, |x| ones(s(x) >= 0)),
            Ceq0 => map1(a, size, |x| ones(x == 0)),
            Cle0 => map1(a, size, |x| ones(s(x) <= 0)),
            Clt0 => map1(a, size, |x| ones(s(x) < 0)),
            Abs => map1(a, size, |x| s(x).wrapping_abs() as u64),
            Neg => map1(a, size, |x| s(x).wrapping_neg() as u64),
            Fcgt0 => map1(a, 2, |x| ones(fp.compare(x as u32, 0, 2))),
            Fcge0 => map1(a, 2, |x| ones(fp.compare(x as u32, 0, 1))),
            Fceq0 => map1(a, 2, |x| ones(fp.compare(x as u32, 0, 0))),
            Fcle0 => map1(a, 2, |x| ones(fp.compare(0, x as u32, 1))),
            Fclt0 => map1(a, 2, |x| ones(fp.compare(0, x as u32, 2))),
            Fabs => a & !0x8000_0000_8000_0000,
            Fneg => a ^ 0x8000_0000_8000_0000,
            Urecpe => map1(a, 2, |x| fp::urecpe(x as u32) as u64),
            Ursqrte => map1(a, 2, |x| fp::ursqrte(x as u32) as u64),
            Frecpe => map1(a, 2, |x| fp.recpe(x as u32) as u64),
            Frsqrte => map1(a, 2, |x| fp.rsqrte(x as u32) as u64),
            CvtFromInt => map1(a, 2, |x| fp.f32_from_fixed(x as u32, u, 0) as u64),
            CvtToInt => map1(a, 2, |x| fp.f32_to_fixed(x as u32, u, 0) as u64),
            Swp | Trn | Uzp | Zip | Movn | Qmovn | Qmovun | ShllMax | CvtF32ToF16 | CvtF16ToF32 => {
                unreachable!()
            }
        };
    }
}
