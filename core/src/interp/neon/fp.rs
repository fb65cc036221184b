//! Single-precision arithmetic under the Advanced SIMD "standard FPSCR
//! value" (DDI 0406C, A2.7.2): round to nearest even, flush-to-zero and
//! default NaN, whatever FPSCR says.
//!
//! - Denormal inputs become a zero of the same sign and set IDC.
//! - A result that is tiny before rounding (|exact| < 2^-126) becomes a
//!   zero of the same sign and sets UFC (not IXC), as FPRound does with FZ.
//! - Any NaN result is the default NaN 0x7fc00000. IOC is set for a
//!   signalling NaN input and for invalid operations (inf - inf, 0 * inf,
//!   ordered comparisons with a NaN, out-of-range conversions).
//! - OFC (with IXC) on overflow, IXC on an inexact result, DZC for a
//!   reciprocal (square root) estimate of zero.
//!
//! Values come from the host's correctly rounded arithmetic: a sum or
//! product of two f32s is computed in f64 (a product exactly; a sum with its
//! rounding error from TwoSum) and rounded once more to f32, which gives the
//! correctly rounded f32 result; the fused multiply-add uses `f32::mul_add`.
//! The f64 value plus error tells whether the exact result was tiny or
//! inexact.

/// FPSCR.IOC: invalid operation.
pub const IOC: u32 = 1 << 0;
/// FPSCR.DZC: division by zero.
pub const DZC: u32 = 1 << 1;
/// FPSCR.OFC: overflow.
pub const OFC: u32 = 1 << 2;
/// FPSCR.UFC: underflow.
pub const UFC: u32 = 1 << 3;
/// FPSCR.IXC: inexact.
pub const IXC: u32 = 1 << 4;
/// FPSCR.IDC: input denormal.
pub const IDC: u32 = 1 << 7;
/// The default NaN.
pub const DEFAULT_NAN: u32 = 0x7fc0_0000;

const SIGN: u32 = 0x8000_0000;
const TWO: u32 = 0x4000_0000;
const THREE: u32 = 0x4040_0000;
const MIN_NORMAL: f64 = 1.0 / (1u128 << 126) as f64;

fn is_nan(x: u32) -> bool {
    x & 0x7fff_ffff > 0x7f80_0000
}

fn is_inf(x: u32) -> bool {
    x & 0x7fff_ffff == 0x7f80_0000
}

fn is_zero(x: u32) -> bool {
    x & 0x7fff_ffff == 0
}

fn val(x: u32) -> f64 {
    f32::from_bits(x) as f64
}

/// Exact sum of two f64s as (rounded sum, rounding error).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    if !s.is_finite() {
        return (s, 0.0);
    }
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// The cumulative exception flags raised so far by one instruction.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fp {
    /// FPSCR exception bits (IOC, DZC, OFC, UFC, IXC, IDC).
    pub flags: u32,
}

impl Fp {
    /// Flushes a denormal input to a signed zero.
    pub fn flush(&mut self, x: u32) -> u32 {
        if x & 0x7f80_0000 == 0 && x & 0x007f_ffff != 0 {
            self.flags |= IDC;
            x & SIGN
        } else {
            x
        }
    }

    /// Whether any operand is a NaN (IOC if one is signalling).
    fn nans(&mut self, ops: &[u32]) -> bool {
        let mut any = false;
        for &x in ops {
            if is_nan(x) {
                any = true;
                if x & 0x0040_0000 == 0 {
                    self.flags |= IOC;
                }
            }
        }
        any
    }

    /// Rounds the exact result `hi + lo` (`hi` its f64 rounding) whose
    /// correctly rounded f32 value is `v`, applying flush-to-zero.
    fn round(&mut self, hi: f64, lo: f64, v: f32) -> u32 {
        if v.is_nan() {
            self.flags |= IOC;
            return DEFAULT_NAN;
        }
        let a = hi.abs();
        let tiny = hi != 0.0
            && (a < MIN_NORMAL || (a == MIN_NORMAL && lo != 0.0 && (lo < 0.0) != (hi < 0.0)));
        if tiny {
            self.flags |= UFC;
            return if hi < 0.0 { SIGN } else { 0 };
        }
        if v.is_infinite() && hi.is_finite() {
            self.flags |= OFC | IXC;
        } else if lo != 0.0 || (v as f64 != hi && hi.is_finite()) {
            self.flags |= IXC;
        }
        v.to_bits()
    }

    /// FPAdd.
    pub fn add(&mut self, a: u32, b: u32) -> u32 {
        let (a, b) = (self.flush(a), self.flush(b));
        if self.nans(&[a, b]) {
            return DEFAULT_NAN;
        }
        let (s, e) = two_sum(val(a), val(b));
        self.round(s, e, s as f32)
    }

    /// FPSub.
    pub fn sub(&mut self, a: u32, b: u32) -> u32 {
        self.add(a, b ^ SIGN)
    }

    /// FPMul.
    pub fn mul(&mut self, a: u32, b: u32) -> u32 {
        let (a, b) = (self.flush(a), self.flush(b));
        if self.nans(&[a, b]) {
            return DEFAULT_NAN;
        }
        let p = val(a) * val(b);
        self.round(p, 0.0, p as f32)
    }

    /// FPMulAdd: `acc + a * b` with one rounding (VFMA).
    pub fn fma(&mut self, acc: u32, a: u32, b: u32) -> u32 {
        let (acc, a, b) = (self.flush(acc), self.flush(a), self.flush(b));
        let inf_zero = (is_inf(a) && is_zero(b)) || (is_zero(a) && is_inf(b));
        if self.nans(&[acc, a, b]) {
            if inf_zero {
                self.flags |= IOC;
            }
            return DEFAULT_NAN;
        }
        let v = f32::from_bits(a).mul_add(f32::from_bits(b), f32::from_bits(acc));
        let (s, e) = two_sum(val(a) * val(b), val(acc));
        self.round(s, e, v)
    }

    /// FPMax (`max`) or FPMin.
    pub fn max_min(&mut self, a: u32, b: u32, max: bool) -> u32 {
        let (a, b) = (self.flush(a), self.flush(b));
        if self.nans(&[a, b]) {
            return DEFAULT_NAN;
        }
        let (fa, fb) = (val(a), val(b));
        if fa == fb {
            // Equal values, or zeros of either sign: +0 wins for max.
            if max {
                a & b
            } else {
                a | b
            }
        } else if (fa > fb) == max {
            a
        } else {
            b
        }
    }

    /// FPCompareEQ / GE / GT as a lane mask (`kind` 0 = EQ, 1 = GE, 2 = GT).
    pub fn compare(&mut self, a: u32, b: u32, kind: u8) -> bool {
        let (a, b) = (self.flush(a), self.flush(b));
        if is_nan(a) || is_nan(b) {
            if kind != 0 {
                self.flags |= IOC;
            } else {
                self.nans(&[a, b]);
            }
            return false;
        }
        let (fa, fb) = (val(a), val(b));
        match kind {
            0 => fa == fb,
            1 => fa >= fb,
            _ => fa > fb,
        }
    }

    /// FPRecipStep: 2 - a * b (VRECPS).
    pub fn recps(&mut self, a: u32, b: u32) -> u32 {
        let (a, b) = (self.flush(a), self.flush(b));
        if self.nans(&[a, b]) {
            return DEFAULT_NAN;
        }
        let p = if (is_inf(a) && is_zero(b)) || (is_zero(a) && is_inf(b)) {
            0
        } else {
            self.mul(a, b)
        };
        self.sub(TWO, p)
    }

    /// FPRSqrtStep: (3 - a * b) / 2 (VRSQRTS).
    pub fn rsqrts(&mut self, a: u32, b: u32) -> u32 {
        let (a, b) = (self.flush(a), self.flush(b));
        if self.nans(&[a, b]) {
            return DEFAULT_NAN;
        }
        let p = if (is_inf(a) && is_zero(b)) || (is_zero(a) && is_inf(b)) {
            0
        } else {
            self.mul(a, b)
        };
        let r = self.sub(THREE, p);
        if is_nan(r) {
            return r;
        }
        let h = val(r) / 2.0;
        self.round(h, 0.0, h as f32)
    }

    /// FPRecipEstimate (VRECPE.F32).
    pub fn recpe(&mut self, x: u32) -> u32 {
        let x = self.flush(x);
        if self.nans(&[x]) {
            return DEFAULT_NAN;
        }
        let sign = x & SIGN;
        if is_inf(x) {
            return sign;
        }
        if is_zero(x) {
            self.flags |= DZC;
            return sign | 0x7f80_0000;
        }
        let exp = x >> 23 & 0xff;
        if exp >= 253 {
            self.flags |= UFC;
            return sign;
        }
        let s = recip_estimate(256 + (x >> 15 & 0xff));
        sign | (253 - exp) << 23 | (s & 0xff) << 15
    }

    /// FPRSqrtEstimate (VRSQRTE.F32).
    pub fn rsqrte(&mut self, x: u32) -> u32 {
        let x = self.flush(x);
        if self.nans(&[x]) {
            return DEFAULT_NAN;
        }
        if is_zero(x) {
            self.flags |= DZC;
            return x | 0x7f80_0000;
        }
        if x & SIGN != 0 {
            self.flags |= IOC;
            return DEFAULT_NAN;
        }
        if is_inf(x) {
            return 0;
        }
        let exp = x >> 23 & 0xff;
        // Exponent even: significand/2 in [0.5, 1); odd: significand/4 in
        // [0.25, 0.5). Either way the top 7 fraction bits select the entry.
        let s = recip_sqrt_estimate(128 + (x >> 16 & 0x7f), exp & 1 == 0);
        ((380 - exp) / 2) << 23 | (s & 0xff) << 15
    }

    /// FPToFixed with round towards zero: `frac` fraction bits, signed or
    /// unsigned 32-bit result, saturating (IOC) when out of range.
    pub fn f32_to_fixed(&mut self, x: u32, unsigned: bool, frac: u32) -> u32 {
        let x = self.flush(x);
        if is_nan(x) {
            self.flags |= IOC;
            return 0;
        }
        let v = val(x) * (1u64 << frac) as f64;
        let t = v.trunc();
        let (lo, hi) = if unsigned {
            (0.0, u32::MAX as f64)
        } else {
            (i32::MIN as f64, i32::MAX as f64)
        };
        if t > hi || t < lo {
            self.flags |= IOC;
            let r = if t > hi { hi } else { lo };
            return if unsigned { r as u32 } else { r as i32 as u32 };
        }
        if t != v {
            self.flags |= IXC;
        }
        if unsigned {
            t as u32
        } else {
            t as i32 as u32
        }
    }

    /// FixedToFP with round to nearest: `frac` fraction bits.
    pub fn f32_from_fixed(&mut self, x: u32, unsigned: bool, frac: u32) -> u32 {
        let i = if unsigned { x as f64 } else { x as i32 as f64 };
        let v = i / (1u64 << frac) as f64;
        let r = v as f32;
        if r as f64 != v {
            self.flags |= IXC;
        }
        r.to_bits()
    }

    /// Single to half precision (VCVT.F16.F32) under the standard FPSCR
    /// value, which keeps FPSCR.AHP: shared with VFP's conversion.
    pub fn f32_to_half(&mut self, x: u32, fpscr: u32) -> u16 {
        let mut env = crate::fp::FpEnv::standard(fpscr);
        let r = crate::fp::convert(crate::fp::F32, crate::fp::F16, x as u64, &mut env);
        self.flags |= env.flags;
        r as u16
    }

    /// Half to single precision (VCVT.F32.F16) under the standard FPSCR
    /// value (AHP from FPSCR).
    pub fn f32_from_half(&mut self, h: u16, fpscr: u32) -> u32 {
        let mut env = crate::fp::FpEnv::standard(fpscr);
        let r = crate::fp::convert(crate::fp::F16, crate::fp::F32, h as u64, &mut env);
        self.flags |= env.flags;
        r as u32
    }
}

/// recip_estimate of the ARM ARM for `q` = floor(a * 512), a in [0.5, 1):
/// s = round(256 / ((q + 0.5) / 512)), in 256..=511 (s/256 in [1, 2)).
pub fn recip_estimate(q: u32) -> u32 {
    // 256 * 512 / (q + 0.5) + 0.5, floored, in integers.
    (524_288 + 2 * q + 1) / (4 * q + 2)
}

/// recip_sqrt_estimate of the ARM ARM for `q` in 128..=255, where the
/// operand a is in [0.5, 1) with q = floor(a * 256) (`half` true) or in
/// [0.25, 0.5) with q = floor(a * 512): s = round(256 / sqrt((q + 0.5) /
/// scale)), computed exactly in integers.
pub fn recip_sqrt_estimate(q: u32, half: bool) -> u32 {
    // s is the largest integer with (2s - 1)^2 * (2q + 1) <= 2^27 (a in
    // [0.5, 1)) or 2^28 (a in [0.25, 0.5)).
    let limit: u64 = if half { 1 << 27 } else { 1 << 28 };
    let scale = if half { 256.0 } else { 512.0 };
    let fits = |s: u64| (2 * s - 1) * (2 * s - 1) * (2 * q as u64 + 1) <= limit;
    let mut s = (256.0 / ((q as f64 + 0.5) / scale).sqrt() + 0.5) as u64;
    while fits(s + 1) {
        s += 1;
    }
    while !fits(s) {
        s -= 1;
    }
    s as u32
}

/// UnsignedRecipEstimate (VRECPE.U32).
pub fn urecpe(x: u32) -> u32 {
    if x & SIGN == 0 {
        return u32::MAX;
    }
    recip_estimate(256 + (x >> 23 & 0xff)) << 23
}

/// UnsignedRSqrtEstimate (VRSQRTE.U32).
pub fn ursqrte(x: u32) -> u32 {
    if x >> 30 == 0 {
        return u32::MAX;
    }
    let s = if x & SIGN != 0 {
        recip_sqrt_estimate(128 + (x >> 24 & 0x7f), true)
    } else {
        recip_sqrt_estimate(128 + (x >> 23 & 0x7f), false)
    };
    s << 23
}
