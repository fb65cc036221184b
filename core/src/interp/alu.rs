//! Integer building blocks of the ARM ARM pseudocode (AddWithCarry, Shift_C,
//! SignedSatQ, the parallel add/subtract lanes, the DSP multiplies), shared
//! by the interpreter and, later, by the JIT's slow-path helpers.

use crate::arm::cpu::CpuState;
use crate::ir::{DspMulOp, ParKind, ParOp, Reg, Shift};

/// AddWithCarry: (result, carry out, overflow).
#[inline]
pub fn add_with_carry(x: u32, y: u32, carry_in: bool) -> (u32, bool, bool) {
    let (r1, c1) = x.overflowing_add(y);
    let (r, c2) = r1.overflowing_add(carry_in as u32);
    let v = ((x ^ r) & (y ^ r)) >> 31 != 0;
    (r, c1 | c2, v)
}

/// A mask of the low `bits` bits (0..=32).
#[inline]
pub fn low_mask(bits: u32) -> u32 {
    if bits >= 32 {
        u32::MAX
    } else {
        (1u32 << bits) - 1
    }
}

/// Shift_C: the shifted value and the shifter carry-out. `amount` may be
/// anything 0..=255 (register shifts); 0 leaves value and carry unchanged.
#[inline]
pub fn shift_c(v: u32, shift: Shift, amount: u32, carry_in: bool) -> (u32, bool) {
    if amount == 0 && shift != Shift::Rrx {
        return (v, carry_in);
    }
    match shift {
        Shift::Lsl => match amount {
            1..=31 => (v << amount, (v >> (32 - amount)) & 1 != 0),
            32 => (0, v & 1 != 0),
            _ => (0, false),
        },
        Shift::Lsr => match amount {
            1..=31 => (v >> amount, (v >> (amount - 1)) & 1 != 0),
            32 => (0, v >> 31 != 0),
            _ => (0, false),
        },
        Shift::Asr => match amount {
            1..=31 => (((v as i32) >> amount) as u32, (v >> (amount - 1)) & 1 != 0),
            _ => (((v as i32) >> 31) as u32, v >> 31 != 0),
        },
        Shift::Ror => {
            let r = v.rotate_right(amount & 31);
            (r, r >> 31 != 0)
        }
        Shift::Rrx => ((carry_in as u32) << 31 | v >> 1, v & 1 != 0),
    }
}

/// Shift without the carry-out.
#[inline]
pub fn shift_value(v: u32, shift: Shift, amount: u32, carry_in: bool) -> u32 {
    match shift {
        Shift::Lsl => {
            if amount < 32 {
                v << amount
            } else {
                0
            }
        }
        Shift::Lsr => {
            if amount < 32 {
                v >> amount
            } else {
                0
            }
        }
        Shift::Asr => ((v as i32) >> amount.min(31)) as u32,
        Shift::Ror => v.rotate_right(amount & 31),
        Shift::Rrx => (carry_in as u32) << 31 | v >> 1,
    }
}

/// SignedSatQ to `bits` (1..=32): the result as u32 bits, and whether it
/// saturated.
#[inline]
pub fn signed_sat(v: i64, bits: u32) -> (u32, bool) {
    let max = (1i64 << (bits - 1)) - 1;
    let min = -(1i64 << (bits - 1));
    if v > max {
        (max as u32, true)
    } else if v < min {
        (min as u32, true)
    } else {
        (v as u32, false)
    }
}

/// UnsignedSatQ to `bits` (0..=32).
#[inline]
pub fn unsigned_sat(v: i64, bits: u32) -> (u32, bool) {
    let max = (1i64 << bits) - 1;
    if v > max {
        (max as u32, true)
    } else if v < 0 {
        (0, true)
    } else {
        (v as u32, false)
    }
}

/// The extend family on an already rotated value: SXTB/UXTB/SXTH/UXTH
/// (+ add) and the B16 forms (two lanes, + per-halfword add).
pub fn extend(v: u32, add: u32, signed: bool, bits: u8, dual: bool) -> u32 {
    if dual {
        let lane = |b: u32| -> u32 {
            if signed {
                b as u8 as i8 as i32 as u32
            } else {
                b & 0xff
            }
        };
        let lo = lane(v).wrapping_add(add) & 0xffff;
        let hi = lane(v >> 16).wrapping_add(add >> 16) & 0xffff;
        lo | hi << 16
    } else {
        let x = match (bits, signed) {
            (8, true) => v as u8 as i8 as i32 as u32,
            (8, false) => v & 0xff,
            (_, true) => v as u16 as i16 as i32 as u32,
            (_, false) => v & 0xffff,
        };
        x.wrapping_add(add)
    }
}

/// One lane of the parallel family: exact result, and the GE bit for the
/// modulo flavours.
fn par_lane(kind: ParKind, a: u32, b: u32, sub: bool, width: u32) -> (u32, bool) {
    let signed = matches!(kind, ParKind::S | ParKind::Q | ParKind::Sh);
    let (x, y) = if signed {
        let sh = 32 - width;
        (
            (((a << sh) as i32) >> sh) as i64,
            (((b << sh) as i32) >> sh) as i64,
        )
    } else {
        ((a & low_mask(width)) as i64, (b & low_mask(width)) as i64)
    };
    let r = if sub { x - y } else { x + y };
    let lane_mask = low_mask(width);
    match kind {
        ParKind::S => (r as u32 & lane_mask, r >= 0),
        ParKind::U => (
            r as u32 & lane_mask,
            if sub { r >= 0 } else { r >= 1 << width },
        ),
        ParKind::Q => (signed_sat(r, width).0 & lane_mask, false),
        ParKind::Uq => (unsigned_sat(r, width).0 & lane_mask, false),
        ParKind::Sh | ParKind::Uh => ((r >> 1) as u32 & lane_mask, false),
    }
}

/// The parallel add/subtract family: result and, for the S and U flavours,
/// the new GE flags.
pub fn parallel(op: ParOp, kind: ParKind, n: u32, m: u32) -> (u32, Option<u8>) {
    // (lane width, [(n lane, m lane, subtract) per result lane])
    let half = |v: u32, i: u32| v >> (16 * i);
    let byte = |v: u32, i: u32| v >> (8 * i);
    let mut out = 0u32;
    let mut ge = 0u8;
    match op {
        ParOp::Add16 | ParOp::Sub16 | ParOp::Asx | ParOp::Sax => {
            for i in 0..2 {
                let (a, b, sub) = match op {
                    ParOp::Add16 => (half(n, i), half(m, i), false),
                    ParOp::Sub16 => (half(n, i), half(m, i), true),
                    // ASX: low = n.lo - m.hi, high = n.hi + m.lo
                    ParOp::Asx => (half(n, i), half(m, 1 - i), i == 0),
                    // SAX: low = n.lo + m.hi, high = n.hi - m.lo
                    _ => (half(n, i), half(m, 1 - i), i == 1),
                };
                let (r, g) = par_lane(kind, a, b, sub, 16);
                out |= r << (16 * i);
                if g {
                    ge |= 0b11 << (2 * i);
                }
            }
        }
        ParOp::Add8 | ParOp::Sub8 => {
            for i in 0..4 {
                let (r, g) = par_lane(kind, byte(n, i), byte(m, i), op == ParOp::Sub8, 8);
                out |= r << (8 * i);
                if g {
                    ge |= 1 << i;
                }
            }
        }
    }
    let sets_ge = matches!(kind, ParKind::S | ParKind::U);
    (out, sets_ge.then_some(ge))
}

fn half_s(v: u32, top: bool) -> i64 {
    (if top { v >> 16 } else { v }) as u16 as i16 as i64
}

/// Executes a DSP multiply (see [`DspMulOp`]).
pub fn dsp_mul(cpu: &mut CpuState, op: DspMulOp, rd: Reg, rn: Reg, rm: Reg, ra: Reg) {
    let n = cpu.r[rn as usize];
    let m = cpu.r[rm as usize];
    let a = cpu.r[ra as usize];
    let fits32 = |v: i64| v == v as i32 as i64;
    match op {
        DspMulOp::Smulxy { n_top, m_top, acc } => {
            let mut r = half_s(n, n_top) * half_s(m, m_top);
            if acc {
                r += a as i32 as i64;
                cpu.q |= !fits32(r);
            }
            cpu.r[rd as usize] = r as u32;
        }
        DspMulOp::Smulwy { m_top, acc } => {
            let mut r = (n as i32 as i64 * half_s(m, m_top)) >> 16;
            if acc {
                r += a as i32 as i64;
                cpu.q |= !fits32(r);
            }
            cpu.r[rd as usize] = r as u32;
        }
        DspMulOp::Smlalxy { n_top, m_top } => {
            let acc = ((cpu.r[rd as usize] as u64) << 32 | a as u64) as i64;
            let r = acc.wrapping_add(half_s(n, n_top) * half_s(m, m_top));
            cpu.r[ra as usize] = r as u32;
            cpu.r[rd as usize] = (r >> 32) as u32;
        }
        DspMulOp::Smlad { swap, sub, acc } => {
            let m2 = if swap { m.rotate_right(16) } else { m };
            let p1 = half_s(n, false) * half_s(m2, false);
            let p2 = half_s(n, true) * half_s(m2, true);
            let mut r = if sub { p1 - p2 } else { p1 + p2 };
            if acc {
                r += a as i32 as i64;
            }
            cpu.q |= !fits32(r);
            cpu.r[rd as usize] = r as u32;
        }
        DspMulOp::Smlald { swap, sub } => {
            let m2 = if swap { m.rotate_right(16) } else { m };
            let p1 = half_s(n, false) * half_s(m2, false);
            let p2 = half_s(n, true) * half_s(m2, true);
            let acc = ((cpu.r[rd as usize] as u64) << 32 | a as u64) as i64;
            let r = acc.wrapping_add(if sub { p1 - p2 } else { p1 + p2 });
            cpu.r[ra as usize] = r as u32;
            cpu.r[rd as usize] = (r >> 32) as u32;
        }
        DspMulOp::Smmul { acc, sub, round } => {
            let p = n as i32 as i64 * m as i32 as i64;
            let mut r = if !acc {
                p
            } else if sub {
                (((a as u64) << 32) as i64).wrapping_sub(p)
            } else {
                (((a as u64) << 32) as i64).wrapping_add(p)
            };
            if round {
                r = r.wrapping_add(0x8000_0000);
            }
            cpu.r[rd as usize] = (r >> 32) as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_with_carry_flags() {
        assert_eq!(
            add_with_carry(0x7fff_ffff, 1, false),
            (0x8000_0000, false, true)
        );
        assert_eq!(add_with_carry(0xffff_ffff, 1, false), (0, true, false));
        // 5 - 7 = AddWithCarry(5, NOT 7, 1): borrow -> C clear
        assert_eq!(add_with_carry(5, !7, true), (0xffff_fffe, false, false));
        // 0x80000000 - 1 overflows
        assert_eq!(
            add_with_carry(0x8000_0000, !1, true),
            (0x7fff_ffff, true, true)
        );
    }

    #[test]
    fn shifts_at_the_edges() {
        assert_eq!(shift_c(0x8000_0001, Shift::Lsl, 1, false), (2, true));
        assert_eq!(shift_c(0x8000_0001, Shift::Lsl, 32, false), (0, true));
        assert_eq!(shift_c(0x8000_0001, Shift::Lsl, 33, true), (0, false));
        assert_eq!(shift_c(0x8000_0001, Shift::Lsr, 32, false), (0, true));
        assert_eq!(
            shift_c(0x8000_0000, Shift::Asr, 40, false),
            (0xffff_ffff, true)
        );
        assert_eq!(
            shift_c(0x0000_0003, Shift::Rrx, 1, true),
            (0x8000_0001, true)
        );
        assert_eq!(
            shift_c(0x8000_0001, Shift::Ror, 32, false),
            (0x8000_0001, true)
        );
        assert_eq!(shift_c(0x1234, Shift::Ror, 0, true), (0x1234, true));
        assert_eq!(
            shift_value(0x8000_0000, Shift::Asr, 200, false),
            0xffff_ffff
        );
    }

    #[test]
    fn saturation() {
        assert_eq!(signed_sat(200, 8), (127, true));
        assert_eq!(signed_sat(-200, 8), (-128i32 as u32, true));
        assert_eq!(unsigned_sat(-1, 8), (0, true));
        assert_eq!(unsigned_sat(255, 8), (255, false));
        assert_eq!(signed_sat(i32::MAX as i64 + 1, 32), (i32::MAX as u32, true));
    }

    #[test]
    fn parallel_ops() {
        // UADD8 0xff010203 + 0x01010101: lane 3 carries
        assert_eq!(
            parallel(ParOp::Add8, ParKind::U, 0xff01_0203, 0x0101_0101),
            (0x0002_0304, Some(0b1000))
        );
        // SSUB16: 0x0001_0005 - 0x0002_0003 -> hi -1 (GE 00), lo 2 (GE 11)
        assert_eq!(
            parallel(ParOp::Sub16, ParKind::S, 0x0001_0005, 0x0002_0003),
            (0xffff_0002, Some(0b0011))
        );
        // QADD16 saturates
        assert_eq!(
            parallel(ParOp::Add16, ParKind::Q, 0x7fff_8000, 0x0001_ffff),
            (0x7fff_8000, None)
        );
        // UHSUB8: (1 - 3) >> 1 = -1 -> 0xff
        assert_eq!(parallel(ParOp::Sub8, ParKind::Uh, 1, 3).0 & 0xff, 0xff);
        // SASX: low = n.lo + m.hi... no: SAX low = n.lo + m.hi, high = n.hi - m.lo
        assert_eq!(
            parallel(ParOp::Sax, ParKind::S, 0x0005_0001, 0x0002_0003).0,
            0x0002_0003
        );
        // ASX: low = n.lo - m.hi = 1 - 2 = -1, high = n.hi + m.lo = 5 + 3 = 8
        assert_eq!(
            parallel(ParOp::Asx, ParKind::S, 0x0005_0001, 0x0002_0003).0,
            0x0008_ffff
        );
    }

    #[test]
    fn extends() {
        assert_eq!(extend(0x80, 0, true, 8, false), 0xffff_ff80);
        assert_eq!(extend(0x0080_0080, 0x0001_0001, true, 8, true), 0xff81_ff81);
        assert_eq!(extend(0x1_8000, 1, false, 16, false), 0x8001);
    }

    #[test]
    fn smmls_wraps_like_the_arm_arm() {
        // (Ra << 32) - Rn * Rm taken modulo 2^64: with Ra = 0x80000000 the
        // subtraction leaves the i64 range (found by the JIT's random test:
        // a debug-build overflow panic on guest input).
        let mut cpu = CpuState::default();
        cpu.r[1] = 1;
        cpu.r[2] = 1;
        cpu.r[3] = 0x8000_0000;
        let op = DspMulOp::Smmul {
            acc: true,
            sub: true,
            round: false,
        };
        dsp_mul(&mut cpu, op, 0, 1, 2, 3);
        assert_eq!(cpu.r[0], 0x7fff_ffff);
    }
}
