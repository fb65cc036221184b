//! IEEE 754 half, single and double precision arithmetic with the exact
//! behaviour the ARM Architecture Reference Manual (DDI 0406C, the VFP
//! pseudocode: `FPUnpack`, `FPRound`, `FPProcessNaNs`, `FPAdd`, `FPMul`,
//! `FPMulAdd`, `FPDiv`, `FPSqrt`, `FPCompare`, `FPToFixed`, `FixedToFP` and
//! the precision conversions) gives it.
//!
//! The host FPU is not used for results: each operation computes its exact
//! value (or a value with a sticky bit) in integer arithmetic on `u128`
//! significands and rounds it once in [`round_pack`], which is a transcription
//! of `FPRound`. That makes every rounding mode, flush-to-zero, default NaN,
//! NaN propagation order and cumulative flag bit-exact by construction.
//!
//! Values travel as raw bit patterns in a `u64` (the low 16, 32 or 64 bits)
//! together with a [`Fmt`] naming the format. The control bits come from an
//! [`FpEnv`], which also collects the cumulative exception flags in their
//! FPSCR bit positions, so the VFP code (FPSCR-controlled) and the Advanced
//! SIMD code ([`FpEnv::standard`]) share every function.

use std::cmp::Ordering;

/// FPSCR.IOC: invalid operation (cumulative).
pub const IOC: u32 = 1 << 0;
/// FPSCR.DZC: division by zero (cumulative).
pub const DZC: u32 = 1 << 1;
/// FPSCR.OFC: overflow (cumulative).
pub const OFC: u32 = 1 << 2;
/// FPSCR.UFC: underflow (cumulative).
pub const UFC: u32 = 1 << 3;
/// FPSCR.IXC: inexact (cumulative).
pub const IXC: u32 = 1 << 4;
/// FPSCR.IDC: input denormal flushed to zero (cumulative).
pub const IDC: u32 = 1 << 7;
/// All cumulative exception bits of FPSCR.
pub const EXC_MASK: u32 = IOC | DZC | OFC | UFC | IXC | IDC;
/// FPSCR.AHP: alternative half-precision format.
pub const FPSCR_AHP: u32 = 1 << 26;
/// FPSCR.DN: default NaN mode.
pub const FPSCR_DN: u32 = 1 << 25;
/// FPSCR.FZ: flush-to-zero mode.
pub const FPSCR_FZ: u32 = 1 << 24;
/// Position of FPSCR.RMode (two bits).
pub const FPSCR_RMODE_SHIFT: u32 = 22;

/// A rounding mode (the FPSCR.RMode encoding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Round to nearest, ties to even (RN, 0b00).
    Nearest,
    /// Round towards plus infinity (RP, 0b01).
    PlusInf,
    /// Round towards minus infinity (RM, 0b10).
    MinusInf,
    /// Round towards zero (RZ, 0b11).
    Zero,
}

impl Rounding {
    /// The mode for a two-bit RMode field.
    pub fn from_bits(bits: u32) -> Rounding {
        match bits & 3 {
            0 => Rounding::Nearest,
            1 => Rounding::PlusInf,
            2 => Rounding::MinusInf,
            _ => Rounding::Zero,
        }
    }
}

/// The control state of a floating-point operation, and the exception flags
/// it raised (in FPSCR bit positions: [`IOC`], [`DZC`], [`OFC`], [`UFC`],
/// [`IXC`], [`IDC`]). Flags accumulate over several operations; the caller
/// ORs `flags` into FPSCR (or discards them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FpEnv {
    /// Rounding mode.
    pub rmode: Rounding,
    /// Flush-to-zero: denormal single/double inputs and tiny results become
    /// zero (half precision is never flushed).
    pub fz: bool,
    /// Default NaN: every NaN result is the default NaN.
    pub dn: bool,
    /// Alternative half-precision format (no infinities or NaNs).
    pub ahp: bool,
    /// Exception flags raised so far.
    pub flags: u32,
}

impl FpEnv {
    /// The environment FPSCR selects (the VFP instructions).
    pub fn new(fpscr: u32) -> FpEnv {
        FpEnv {
            rmode: Rounding::from_bits(fpscr >> FPSCR_RMODE_SHIFT),
            fz: fpscr & FPSCR_FZ != 0,
            dn: fpscr & FPSCR_DN != 0,
            ahp: fpscr & FPSCR_AHP != 0,
            flags: 0,
        }
    }

    /// The ARM "standard FPSCR value" Advanced SIMD arithmetic uses:
    /// round to nearest, flush-to-zero, default NaN, and FPSCR's AHP.
    pub fn standard(fpscr: u32) -> FpEnv {
        FpEnv {
            rmode: Rounding::Nearest,
            fz: true,
            dn: true,
            ahp: fpscr & FPSCR_AHP != 0,
            flags: 0,
        }
    }

    fn raise(&mut self, flag: u32) {
        self.flags |= flag;
    }
}

/// A binary floating-point format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fmt {
    /// Exponent width in bits.
    pub ebits: u32,
    /// Fraction (trailing significand) width in bits.
    pub fbits: u32,
}

/// IEEE half precision (or the ARM alternative format when FPSCR.AHP is set).
pub const F16: Fmt = Fmt {
    ebits: 5,
    fbits: 10,
};
/// IEEE single precision.
pub const F32: Fmt = Fmt {
    ebits: 8,
    fbits: 23,
};
/// IEEE double precision.
pub const F64: Fmt = Fmt {
    ebits: 11,
    fbits: 52,
};

impl Fmt {
    /// Total width in bits.
    pub const fn width(self) -> u32 {
        1 + self.ebits + self.fbits
    }
    fn bias(self) -> i32 {
        (1 << (self.ebits - 1)) - 1
    }
    fn emax_field(self) -> u64 {
        (1 << self.ebits) - 1
    }
    fn frac_mask(self) -> u64 {
        (1 << self.fbits) - 1
    }
    fn sign_bit(self) -> u64 {
        1 << (self.width() - 1)
    }
    /// Flush-to-zero applies to single and double precision only.
    fn flushable(self) -> bool {
        self != F16
    }
    fn pack(self, sign: bool, biased_exp: u64, frac: u64) -> u64 {
        (if sign { self.sign_bit() } else { 0 }) | biased_exp << self.fbits | frac
    }
    /// The default NaN (positive, quiet, fraction = top bit only):
    /// 0x7e00, 0x7fc0_0000, 0x7ff8_0000_0000_0000.
    pub fn default_nan(self) -> u64 {
        self.pack(false, self.emax_field(), 1 << (self.fbits - 1))
    }
    /// A zero of the given sign.
    pub fn zero(self, sign: bool) -> u64 {
        self.pack(sign, 0, 0)
    }
    /// An infinity of the given sign.
    pub fn infinity(self, sign: bool) -> u64 {
        self.pack(sign, self.emax_field(), 0)
    }
    /// The largest finite value of the given sign (IEEE encoding).
    pub fn max_normal(self, sign: bool) -> u64 {
        self.pack(sign, self.emax_field() - 1, self.frac_mask())
    }
    /// Whether `bits` is a NaN (IEEE encoding).
    pub fn is_nan(self, bits: u64) -> bool {
        (bits >> self.fbits) & self.emax_field() == self.emax_field()
            && bits & self.frac_mask() != 0
    }
}

/// FPNeg: flips the sign bit (NaNs included, no exception).
pub fn neg(fmt: Fmt, bits: u64) -> u64 {
    bits ^ fmt.sign_bit()
}

/// FPAbs: clears the sign bit (NaNs included, no exception).
pub fn abs(fmt: Fmt, bits: u64) -> u64 {
    bits & !fmt.sign_bit()
}

/// The VFPv3 modified immediate (VFPExpandImm) for `imm8` in `fmt`
/// (single or double).
pub fn expand_imm(fmt: Fmt, imm8: u32) -> u64 {
    let imm8 = imm8 as u64;
    let sign = imm8 >> 7 & 1 != 0;
    let b6 = imm8 >> 6 & 1;
    // exp = NOT(b6) : Replicate(b6, E-3) : imm8<5:4>
    let rep = if b6 == 1 {
        (1u64 << (fmt.ebits - 3)) - 1
    } else {
        0
    };
    let exp = (b6 ^ 1) << (fmt.ebits - 1) | rep << 2 | (imm8 >> 4 & 3);
    let frac = (imm8 & 0xf) << (fmt.fbits - 4);
    fmt.pack(sign, exp, frac)
}

/// The class of an unpacked operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Zero,
    Finite,
    Inf,
    QNaN,
    SNaN,
}

/// An unpacked operand. For `Finite`, the value is `sig * 2^exp` with bit 63
/// of `sig` set (denormals are normalised too), so magnitudes compare as
/// `(exp, sig)`.
#[derive(Clone, Copy, Debug)]
struct Val {
    kind: Kind,
    sign: bool,
    exp: i32,
    sig: u64,
}

impl Val {
    fn is_nan(&self) -> bool {
        matches!(self.kind, Kind::QNaN | Kind::SNaN)
    }
}

/// FPUnpack: classifies `bits`, flushing a denormal single/double input to
/// zero (and raising IDC) when FZ is set.
fn unpack(fmt: Fmt, bits: u64, env: &mut FpEnv) -> Val {
    let sign = bits & fmt.sign_bit() != 0;
    let e = (bits >> fmt.fbits) & fmt.emax_field();
    let f = bits & fmt.frac_mask();
    let mut v = Val {
        kind: Kind::Finite,
        sign,
        exp: 0,
        sig: 0,
    };
    if e == 0 {
        if f == 0 || (env.fz && fmt.flushable()) {
            if f != 0 {
                env.raise(IDC);
            }
            v.kind = Kind::Zero;
        } else {
            let lz = f.leading_zeros();
            // value = f * 2^(1 - bias - fbits); f << lz moves the top bit to 63.
            v.sig = f << lz;
            v.exp = 1 - fmt.bias() - fmt.fbits as i32 - lz as i32;
        }
    } else if e == fmt.emax_field() && !(fmt == F16 && env.ahp) {
        v.kind = if f == 0 {
            Kind::Inf
        } else if f >> (fmt.fbits - 1) & 1 != 0 {
            Kind::QNaN
        } else {
            Kind::SNaN
        };
    } else {
        let shift = 63 - fmt.fbits;
        v.sig = (f | 1 << fmt.fbits) << shift;
        v.exp = e as i32 - fmt.bias() - fmt.fbits as i32 - shift as i32;
    }
    v
}

/// FPProcessNaN: quietens a NaN operand (raising IOC for a signalling one),
/// or gives the default NaN in DN mode.
fn process_nan(fmt: Fmt, v: &Val, bits: u64, env: &mut FpEnv) -> u64 {
    if v.kind == Kind::SNaN {
        env.raise(IOC);
    }
    if env.dn {
        fmt.default_nan()
    } else {
        bits | 1 << (fmt.fbits - 1)
    }
}

/// FPProcessNaNs / FPProcessNaNs3: the first signalling NaN operand, else
/// the first quiet NaN operand, processed; `None` when there is no NaN.
fn process_nans(fmt: Fmt, ops: &[(Val, u64)], env: &mut FpEnv) -> Option<u64> {
    let pick = ops
        .iter()
        .find(|(v, _)| v.kind == Kind::SNaN)
        .or_else(|| ops.iter().find(|(v, _)| v.kind == Kind::QNaN))?;
    Some(process_nan(fmt, &pick.0, pick.1, env))
}

/// Shifts right by `n`, ORing any bits shifted out into bit 0.
fn shr_jam(x: u128, n: u32) -> u128 {
    if n == 0 {
        x
    } else if n >= 128 {
        (x != 0) as u128
    } else {
        x >> n | (x & ((1u128 << n) - 1) != 0) as u128
    }
}

/// The sign of an exact zero result of a sum: -0 only when rounding towards
/// minus infinity.
fn exact_zero(fmt: Fmt, env: &FpEnv) -> u64 {
    fmt.zero(env.rmode == Rounding::MinusInf)
}

/// FPRound: rounds the non-zero value `(sig + sticky) * 2^exp` (`sticky`:
/// some non-zero bits lie below `sig`'s bit 0) to `fmt` under `env`, raising
/// UFC, OFC, IXC (and IOC for alternative half precision overflow).
pub fn round_pack(fmt: Fmt, sign: bool, exp: i32, sig: u128, sticky: bool, env: &mut FpEnv) -> u64 {
    debug_assert!(sig != 0);
    // Normalise so that the top bit is bit 125, leaving room for rounding.
    let msb = 127 - sig.leading_zeros() as i32;
    let mut sig = if msb > 125 {
        shr_jam(sig, (msb - 125) as u32)
    } else {
        sig << (125 - msb)
    };
    let exp = exp + msb - 125;
    if sticky {
        sig |= 1;
    }
    // The value lies in [2^e, 2^(e+1)).
    let e = exp + 125;
    let f = fmt.fbits as i32;
    let emin = 1 - fmt.bias();
    if env.fz && fmt.flushable() && e < emin {
        env.raise(UFC);
        return fmt.zero(sign);
    }
    let mut biased = (e - emin + 1).max(0) as u64;
    let lsb_exp = if biased > 0 { e - f } else { emin - f };
    let shift = (lsb_exp - exp) as u32; // at least 125 - 52
    let (mut mant, half, rest) = if shift > 127 {
        (0u128, false, true)
    } else {
        (
            sig >> shift,
            (sig >> (shift - 1)) & 1 != 0,
            sig & ((1u128 << (shift - 1)) - 1) != 0,
        )
    };
    let inexact = half || rest;
    if biased == 0 && inexact {
        env.raise(UFC);
    }
    let (up, overflow_to_inf) = match env.rmode {
        Rounding::Nearest => (half && (rest || mant & 1 == 1), true),
        Rounding::PlusInf => (inexact && !sign, !sign),
        Rounding::MinusInf => (inexact && sign, sign),
        Rounding::Zero => (false, false),
    };
    if up {
        mant += 1;
        if mant == 1 << f {
            biased = 1; // rounded up from denormal to normal
        }
        if mant == 1 << (f + 1) {
            biased += 1;
            mant >>= 1;
        }
    }
    if fmt == F16 && env.ahp {
        if biased >= 1 << fmt.ebits {
            env.raise(IOC);
            return fmt.pack(sign, fmt.emax_field(), fmt.frac_mask());
        }
    } else if biased >= fmt.emax_field() {
        env.raise(OFC | IXC);
        return if overflow_to_inf {
            fmt.infinity(sign)
        } else {
            fmt.max_normal(sign)
        };
    }
    if inexact {
        env.raise(IXC);
    }
    fmt.pack(sign, biased, mant as u64 & fmt.frac_mask())
}

/// A finite value as an exact `(sign, exp, sig)` triple for [`sum_round`];
/// `sig == 0` is a zero.
type Exact = (bool, i32, u128);

/// Moves the top bit of a non-zero significand to bit 125 (the inputs here
/// have at most 106 significant bits, so nothing is lost).
fn norm125(v: Exact) -> Exact {
    let (s, e, m) = v;
    let msb = 127 - m.leading_zeros() as i32;
    if msb > 125 {
        (s, e + msb - 125, shr_jam(m, (msb - 125) as u32))
    } else {
        (s, e - (125 - msb), m << (125 - msb))
    }
}

/// Rounds `x + y` (exact finite values) once. An exact zero sum gets the
/// sign the rounding mode gives it.
fn sum_round(fmt: Fmt, x: Exact, y: Exact, env: &mut FpEnv) -> u64 {
    match (x.2 == 0, y.2 == 0) {
        (true, true) => return exact_zero(fmt, env),
        (false, true) => return round_pack(fmt, x.0, x.1, x.2, false, env),
        (true, false) => return round_pack(fmt, y.0, y.1, y.2, false, env),
        _ => {}
    }
    let (mut x, mut y) = (norm125(x), norm125(y));
    if y.1 > x.1 {
        std::mem::swap(&mut x, &mut y);
    }
    // x has the larger magnitude exponent; y is aligned to it. Bits jammed
    // out of y lie far below the rounding position (see the module docs of
    // any textbook soft-float adder: two guard bits plus sticky suffice).
    let ys = shr_jam(y.2, (x.1 - y.1) as u32);
    if x.0 == y.0 {
        round_pack(fmt, x.0, x.1, x.2 + ys, false, env)
    } else if x.2 > ys {
        round_pack(fmt, x.0, x.1, x.2 - ys, false, env)
    } else if ys > x.2 {
        round_pack(fmt, y.0, x.1, ys - x.2, false, env)
    } else {
        exact_zero(fmt, env)
    }
}

fn exact(v: &Val) -> Exact {
    (
        v.sign,
        v.exp,
        if v.kind == Kind::Zero {
            0
        } else {
            v.sig as u128
        },
    )
}

/// Addition core shared by FPAdd and FPSub (`neg_b` flips op2's sign for
/// everything but NaN propagation).
fn add_sub(fmt: Fmt, a: u64, b: u64, neg_b: bool, env: &mut FpEnv) -> u64 {
    let va = unpack(fmt, a, env);
    let mut vb = unpack(fmt, b, env);
    if let Some(r) = process_nans(fmt, &[(va, a), (vb, b)], env) {
        return r;
    }
    vb.sign ^= neg_b;
    let (inf_a, inf_b) = (va.kind == Kind::Inf, vb.kind == Kind::Inf);
    if inf_a && inf_b && va.sign != vb.sign {
        env.raise(IOC);
        return fmt.default_nan();
    }
    if inf_a || inf_b {
        return fmt.infinity(if inf_a { va.sign } else { vb.sign });
    }
    if va.kind == Kind::Zero && vb.kind == Kind::Zero && va.sign == vb.sign {
        return fmt.zero(va.sign);
    }
    sum_round(fmt, exact(&va), exact(&vb), env)
}

/// FPAdd: `a + b`.
pub fn add(fmt: Fmt, a: u64, b: u64, env: &mut FpEnv) -> u64 {
    fast::binary(fast::Op::Add, fmt, a, b, env).unwrap_or_else(|| add_sub(fmt, a, b, false, env))
}

/// FPSub: `a - b`.
pub fn sub(fmt: Fmt, a: u64, b: u64, env: &mut FpEnv) -> u64 {
    fast::binary(fast::Op::Sub, fmt, a, b, env).unwrap_or_else(|| add_sub(fmt, a, b, true, env))
}

/// FPMul: `a * b`.
pub fn mul(fmt: Fmt, a: u64, b: u64, env: &mut FpEnv) -> u64 {
    fast::binary(fast::Op::Mul, fmt, a, b, env).unwrap_or_else(|| mul_soft(fmt, a, b, env))
}

fn mul_soft(fmt: Fmt, a: u64, b: u64, env: &mut FpEnv) -> u64 {
    let va = unpack(fmt, a, env);
    let vb = unpack(fmt, b, env);
    if let Some(r) = process_nans(fmt, &[(va, a), (vb, b)], env) {
        return r;
    }
    let sign = va.sign ^ vb.sign;
    let (inf_a, inf_b) = (va.kind == Kind::Inf, vb.kind == Kind::Inf);
    let (zero_a, zero_b) = (va.kind == Kind::Zero, vb.kind == Kind::Zero);
    if (inf_a && zero_b) || (zero_a && inf_b) {
        env.raise(IOC);
        return fmt.default_nan();
    }
    if inf_a || inf_b {
        return fmt.infinity(sign);
    }
    if zero_a || zero_b {
        return fmt.zero(sign);
    }
    round_pack(
        fmt,
        sign,
        va.exp + vb.exp,
        va.sig as u128 * vb.sig as u128,
        false,
        env,
    )
}

/// FPDiv: `a / b`.
pub fn div(fmt: Fmt, a: u64, b: u64, env: &mut FpEnv) -> u64 {
    fast::binary(fast::Op::Div, fmt, a, b, env).unwrap_or_else(|| div_soft(fmt, a, b, env))
}

fn div_soft(fmt: Fmt, a: u64, b: u64, env: &mut FpEnv) -> u64 {
    let va = unpack(fmt, a, env);
    let vb = unpack(fmt, b, env);
    if let Some(r) = process_nans(fmt, &[(va, a), (vb, b)], env) {
        return r;
    }
    let sign = va.sign ^ vb.sign;
    let (inf_a, inf_b) = (va.kind == Kind::Inf, vb.kind == Kind::Inf);
    let (zero_a, zero_b) = (va.kind == Kind::Zero, vb.kind == Kind::Zero);
    if (inf_a && inf_b) || (zero_a && zero_b) {
        env.raise(IOC);
        return fmt.default_nan();
    }
    if inf_a || zero_b {
        if !inf_a {
            env.raise(DZC);
        }
        return fmt.infinity(sign);
    }
    if zero_a || inf_b {
        return fmt.zero(sign);
    }
    let n = (va.sig as u128) << 64;
    let d = vb.sig as u128;
    let (q, r) = (n / d, n % d);
    round_pack(fmt, sign, va.exp - 64 - vb.exp, q, r != 0, env)
}

/// Integer square root: `(floor(sqrt(n)), not exact)`.
fn isqrt(n: u128) -> (u128, bool) {
    let mut r = ((n as f64).sqrt() as u128).max(1);
    for _ in 0..2 {
        r = (r + n / r) >> 1;
    }
    while r.checked_mul(r).is_none_or(|s| s > n) {
        r -= 1;
    }
    while (r + 1).checked_mul(r + 1).is_some_and(|s| s <= n) {
        r += 1;
    }
    (r, r * r != n)
}

/// FPSqrt.
pub fn sqrt(fmt: Fmt, a: u64, env: &mut FpEnv) -> u64 {
    let v = unpack(fmt, a, env);
    match v.kind {
        Kind::QNaN | Kind::SNaN => process_nan(fmt, &v, a, env),
        Kind::Zero => fmt.zero(v.sign),
        Kind::Inf if !v.sign => fmt.infinity(false),
        _ if v.sign => {
            env.raise(IOC);
            fmt.default_nan()
        }
        _ => {
            // Make the exponent even and the radicand about 127 bits wide.
            let k = if (v.exp - 63) % 2 == 0 { 63 } else { 64 };
            let (root, inexact) = isqrt((v.sig as u128) << k);
            round_pack(fmt, false, (v.exp - k) / 2, root, inexact, env)
        }
    }
}

/// FPMulAdd (fused, one rounding): `addend + op1 * op2`, NaNs processed in
/// the order addend, op1, op2.
pub fn mul_add(fmt: Fmt, addend: u64, op1: u64, op2: u64, env: &mut FpEnv) -> u64 {
    let va = unpack(fmt, addend, env);
    let v1 = unpack(fmt, op1, env);
    let v2 = unpack(fmt, op2, env);
    let (inf1, inf2) = (v1.kind == Kind::Inf, v2.kind == Kind::Inf);
    let (zero1, zero2) = (v1.kind == Kind::Zero, v2.kind == Kind::Zero);
    let inf_times_zero = (inf1 && zero2) || (zero1 && inf2);
    if let Some(r) = process_nans(fmt, &[(va, addend), (v1, op1), (v2, op2)], env) {
        if va.kind == Kind::QNaN && inf_times_zero {
            env.raise(IOC);
            return fmt.default_nan();
        }
        return r;
    }
    let sign_p = v1.sign ^ v2.sign;
    let inf_p = inf1 || inf2;
    let zero_p = zero1 || zero2;
    let (inf_a, zero_a) = (va.kind == Kind::Inf, va.kind == Kind::Zero);
    if inf_times_zero || (inf_a && inf_p && va.sign != sign_p) {
        env.raise(IOC);
        return fmt.default_nan();
    }
    if inf_a || inf_p {
        return fmt.infinity(if inf_a { va.sign } else { sign_p });
    }
    if zero_a && zero_p && va.sign == sign_p {
        return fmt.zero(va.sign);
    }
    let product = if zero_p {
        (sign_p, 0, 0)
    } else {
        (sign_p, v1.exp + v2.exp, v1.sig as u128 * v2.sig as u128)
    };
    sum_round(fmt, exact(&va), product, env)
}

/// FPCompare: the NZCV result of comparing `a` with `b` (unordered 0b0011,
/// equal 0b0110, less 0b1000, greater 0b0010). A signalling NaN operand,
/// or any NaN with `signal_qnan` (VCMPE), raises IOC.
pub fn compare(fmt: Fmt, a: u64, b: u64, signal_qnan: bool, env: &mut FpEnv) -> u32 {
    let va = unpack(fmt, a, env);
    let vb = unpack(fmt, b, env);
    if va.is_nan() || vb.is_nan() {
        if va.kind == Kind::SNaN || vb.kind == Kind::SNaN || signal_qnan {
            env.raise(IOC);
        }
        return 0b0011;
    }
    match cmp_vals(&va, &vb) {
        Ordering::Equal => 0b0110,
        Ordering::Less => 0b1000,
        Ordering::Greater => 0b0010,
    }
}

/// Orders two non-NaN operands by value.
fn cmp_vals(a: &Val, b: &Val) -> Ordering {
    let key = |v: &Val| match v.kind {
        Kind::Zero => (0, 0, 0),
        Kind::Inf => (2, 0, 0),
        _ => (1, v.exp, v.sig),
    };
    let neg_a = a.sign && a.kind != Kind::Zero;
    let neg_b = b.sign && b.kind != Kind::Zero;
    match (neg_a, neg_b) {
        (false, true) => Ordering::Greater,
        (true, false) => Ordering::Less,
        (false, false) => key(a).cmp(&key(b)),
        (true, true) => key(b).cmp(&key(a)),
    }
}

/// FPToFixed: converts `bits` to a `width`-bit (16 or 32) signed or unsigned
/// fixed-point value with `fbits` fraction bits, rounding towards zero when
/// `round_zero` (else by the environment's mode), saturating with IOC on
/// overflow or NaN (a NaN converts to 0). Returns the saturated integer;
/// casting it to `u32`/`u64` gives the sign- or zero-extended register value.
pub fn to_fixed(
    fmt: Fmt,
    bits: u64,
    width: u32,
    fbits: u32,
    unsigned: bool,
    round_zero: bool,
    env: &mut FpEnv,
) -> i64 {
    let rmode = if round_zero {
        Rounding::Zero
    } else {
        env.rmode
    };
    let v = unpack(fmt, bits, env);
    // Magnitude (integer part), round bit, sticky bits.
    let (mag, half, rest): (u128, bool, bool) = match v.kind {
        Kind::QNaN | Kind::SNaN => {
            env.raise(IOC);
            return 0;
        }
        Kind::Zero => return 0,
        Kind::Inf => (u128::MAX, false, false),
        Kind::Finite => {
            let e2 = v.exp + fbits as i32;
            if e2 >= 0 {
                if e2 > 64 {
                    (u128::MAX, false, false)
                } else {
                    ((v.sig as u128) << e2, false, false)
                }
            } else {
                let sh = (-e2) as u32;
                let s = v.sig as u128;
                if sh >= 128 {
                    (0, false, true)
                } else {
                    (
                        s >> sh,
                        (s >> (sh - 1)) & 1 != 0,
                        s & ((1u128 << (sh - 1)) - 1) != 0,
                    )
                }
            }
        }
    };
    let sign = v.sign;
    let inexact = half || rest;
    let up = match rmode {
        Rounding::Nearest => half && (rest || mag & 1 == 1),
        Rounding::PlusInf => inexact && !sign,
        Rounding::MinusInf => inexact && sign,
        Rounding::Zero => false,
    };
    let mag = mag.saturating_add(up as u128);
    let (min, max): (i64, i64) = if unsigned {
        (0, (1i64 << width) - 1)
    } else {
        (-(1i64 << (width - 1)), (1i64 << (width - 1)) - 1)
    };
    let (result, overflow) = if sign {
        if mag > min.unsigned_abs() as u128 {
            (min, true)
        } else {
            (-(mag as i128) as i64, false)
        }
    } else if mag > max as u128 {
        (max, true)
    } else {
        (mag as i64, false)
    };
    if overflow {
        env.raise(IOC);
    } else if inexact {
        env.raise(IXC);
    }
    result
}

/// FixedToFP: converts the low `width` bits of `operand`, a signed or
/// unsigned fixed-point value with `fbits` fraction bits, to `fmt`, rounding
/// to nearest when `round_nearest` (else by the environment's mode).
pub fn from_fixed(
    fmt: Fmt,
    operand: u64,
    width: u32,
    fbits: u32,
    unsigned: bool,
    round_nearest: bool,
    env: &mut FpEnv,
) -> u64 {
    let raw = if width >= 64 {
        operand
    } else {
        operand & ((1u64 << width) - 1)
    };
    let int: i128 = if unsigned {
        raw as i128
    } else {
        ((raw << (64 - width)) as i64 >> (64 - width)) as i128
    };
    if int == 0 {
        return fmt.zero(false);
    }
    let saved = env.rmode;
    if round_nearest {
        env.rmode = Rounding::Nearest;
    }
    let r = round_pack(
        fmt,
        int < 0,
        -(fbits as i32),
        int.unsigned_abs(),
        false,
        env,
    );
    env.rmode = saved;
    r
}

/// Converts between precisions (FPSingleToDouble, FPDoubleToSingle,
/// FPHalfToSingle, FPSingleToHalf): NaNs keep their top fraction bits and
/// are quietened (IOC for a signalling one; the default NaN in DN mode);
/// an alternative-format half result turns NaN into signed zero and
/// infinity into the largest value, both with IOC.
pub fn convert(from: Fmt, to: Fmt, bits: u64, env: &mut FpEnv) -> u64 {
    let v = unpack(from, bits, env);
    let ahp_out = to == F16 && env.ahp;
    match v.kind {
        Kind::QNaN | Kind::SNaN => {
            let r = if ahp_out {
                to.zero(v.sign)
            } else if env.dn {
                to.default_nan()
            } else {
                let frac = bits & from.frac_mask();
                let frac = if to.fbits > from.fbits {
                    frac << (to.fbits - from.fbits)
                } else {
                    frac >> (from.fbits - to.fbits)
                };
                to.pack(v.sign, to.emax_field(), frac | 1 << (to.fbits - 1))
            };
            if v.kind == Kind::SNaN || ahp_out {
                env.raise(IOC);
            }
            r
        }
        Kind::Inf => {
            if ahp_out {
                env.raise(IOC);
                to.pack(v.sign, to.emax_field(), to.frac_mask())
            } else {
                to.infinity(v.sign)
            }
        }
        Kind::Zero => to.zero(v.sign),
        Kind::Finite => round_pack(to, v.sign, v.exp, v.sig as u128, false, env),
    }
}

/// The host-FPU fast path for the common case: round to nearest, normal
/// operands and a normal result clear of the underflow threshold. There the
/// host's IEEE result is the ARM result, and the only possible flag is IXC,
/// found with an error-free transform (the exact error of a sum by TwoSum,
/// of a product or quotient by a fused multiply-add; single precision is
/// computed exactly in double). Anything else returns `None` and takes the
/// exact integer path.
mod fast {
    use super::{Fmt, FpEnv, Rounding, F32, F64, IXC};

    /// The operations with a fast path.
    #[derive(Clone, Copy)]
    pub(super) enum Op {
        Add,
        Sub,
        Mul,
        Div,
    }

    pub(super) fn binary(op: Op, fmt: Fmt, a: u64, b: u64, env: &mut FpEnv) -> Option<u64> {
        if env.rmode != Rounding::Nearest {
            return None;
        }
        let (r, inexact) = if fmt == F32 {
            single(op, a as u32, b as u32)?
        } else if fmt == F64 {
            double(op, a, b)?
        } else {
            return None;
        };
        if inexact {
            env.flags |= IXC;
        }
        Some(r)
    }

    fn normal32(x: u32) -> bool {
        let e = x >> 23 & 0xff;
        e != 0 && e != 0xff
    }

    fn normal64(x: u64) -> bool {
        let e = x >> 52 & 0x7ff;
        e != 0 && e != 0x7ff
    }

    fn single(op: Op, a: u32, b: u32) -> Option<(u64, bool)> {
        if !normal32(a) || !normal32(b) {
            return None;
        }
        let (x, y) = (f32::from_bits(a) as f64, f32::from_bits(b) as f64);
        // The exact value in double (sums only when the exponents are close
        // enough for it to fit), then one rounding to single. Division and
        // square root in double then single are correctly rounded too
        // (53 >= 2 * 24 + 2), and r * y is exact.
        let (exact, r) = match op {
            Op::Add | Op::Sub => {
                let gap = (a >> 23 & 0xff).abs_diff(b >> 23 & 0xff);
                if gap > 28 {
                    return None;
                }
                let e = if matches!(op, Op::Add) { x + y } else { x - y };
                (e, e as f32)
            }
            Op::Mul => {
                let e = x * y;
                (e, e as f32)
            }
            Op::Div => {
                let r = (x / y) as f32;
                if !(r.abs() > f32::MIN_POSITIVE && r.is_finite()) {
                    return None;
                }
                return Some((r.to_bits() as u64, r as f64 * y != x));
            }
        };
        if !(r.abs() > f32::MIN_POSITIVE && r.is_finite()) {
            return None;
        }
        Some((r.to_bits() as u64, r as f64 != exact))
    }

    fn double(op: Op, a: u64, b: u64) -> Option<(u64, bool)> {
        if !normal64(a) || !normal64(b) {
            return None;
        }
        let (x, y) = (f64::from_bits(a), f64::from_bits(b));
        // Keep well clear of the underflow range so that the residuals below
        // are exactly representable.
        const TINY: f64 = f64::from_bits(223 << 52); // 2^-800
        let safe = |v: f64| v.abs() >= TINY && v.is_finite();
        let (r, inexact) = match op {
            Op::Add | Op::Sub => {
                let y = if matches!(op, Op::Sub) { -y } else { y };
                let s = x + y;
                let bb = s - x;
                let err = (x - (s - bb)) + (y - bb);
                (s, err != 0.0)
            }
            Op::Mul => {
                let p = x * y;
                if !safe(p) {
                    return None;
                }
                (p, x.mul_add(y, -p) != 0.0)
            }
            Op::Div => {
                let q = x / y;
                if !safe(q) || !safe(x) {
                    return None;
                }
                (q, (-q).mul_add(y, x) != 0.0)
            }
        };
        if !(r.abs() > f64::MIN_POSITIVE && r.is_finite()) {
            return None;
        }
        Some((r.to_bits(), inexact))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RN: u32 = 0;
    const RP: u32 = 1 << 22;
    const RM: u32 = 2 << 22;
    const RZ: u32 = 3 << 22;

    fn env(fpscr: u32) -> FpEnv {
        FpEnv::new(fpscr)
    }

    fn f(x: f32) -> u64 {
        x.to_bits() as u64
    }

    fn d(x: f64) -> u64 {
        x.to_bits()
    }

    /// Runs a single-precision binary op, returning (bits, flags).
    fn op32(op: fn(Fmt, u64, u64, &mut FpEnv) -> u64, a: u32, b: u32, fpscr: u32) -> (u32, u32) {
        let mut e = env(fpscr);
        let r = op(F32, a as u64, b as u64, &mut e);
        (r as u32, e.flags)
    }

    fn op64(op: fn(Fmt, u64, u64, &mut FpEnv) -> u64, a: u64, b: u64, fpscr: u32) -> (u64, u32) {
        let mut e = env(fpscr);
        let r = op(F64, a, b, &mut e);
        (r, e.flags)
    }

    #[test]
    fn simple_exact_arithmetic() {
        assert_eq!(op32(add, 0x3f80_0000, 0x4000_0000, RN), (0x4040_0000, 0));
        assert_eq!(op32(sub, 0x3f80_0000, 0x4000_0000, RN), (0xbf80_0000, 0));
        assert_eq!(op32(mul, 0x4040_0000, 0xc000_0000, RN), (0xc0c0_0000, 0));
        assert_eq!(op32(div, 0x40c0_0000, 0x4000_0000, RN), (0x4040_0000, 0));
        assert_eq!(op64(add, d(1.5), d(2.25), RN), (d(3.75), 0));
        assert_eq!(op64(div, d(1.0), d(4.0), RN), (d(0.25), 0));
    }

    #[test]
    fn one_third_in_every_rounding_mode() {
        // 1/3 = 0x3eaaaaab in RN (the tail 0101... rounds up past half? no:
        // the next bit pattern is 1010..., so RN rounds up), 0x3eaaaaaa in RZ/RM.
        let one = 0x3f80_0000;
        let three = 0x4040_0000;
        assert_eq!(op32(div, one, three, RN), (0x3eaa_aaab, IXC));
        assert_eq!(op32(div, one, three, RP), (0x3eaa_aaab, IXC));
        assert_eq!(op32(div, one, three, RM), (0x3eaa_aaaa, IXC));
        assert_eq!(op32(div, one, three, RZ), (0x3eaa_aaaa, IXC));
        let m1 = 0xbf80_0000;
        assert_eq!(op32(div, m1, three, RP), (0xbeaa_aaaa, IXC));
        assert_eq!(op32(div, m1, three, RM), (0xbeaa_aaab, IXC));
        assert_eq!(op64(div, d(1.0), d(3.0), RN), (0x3fd5_5555_5555_5555, IXC));
        assert_eq!(op64(div, d(1.0), d(3.0), RP), (0x3fd5_5555_5555_5556, IXC));
    }

    #[test]
    fn ties_to_even_and_directed_adds() {
        // 1 + 2^-24 is exactly halfway between 1 and 1 + 2^-23: RN keeps 1.
        let tiny = 0x3380_0000; // 2^-24
        assert_eq!(op32(add, 0x3f80_0000, tiny, RN), (0x3f80_0000, IXC));
        assert_eq!(op32(add, 0x3f80_0000, tiny, RP), (0x3f80_0001, IXC));
        // (1 + 2^-23) + 2^-24: halfway, odd below -> rounds up to even.
        assert_eq!(op32(add, 0x3f80_0001, tiny, RN), (0x3f80_0002, IXC));
        // A far smaller addend still counts for directed modes.
        assert_eq!(op32(add, 0x3f80_0000, 0x0000_0001, RP), (0x3f80_0001, IXC));
        assert_eq!(op32(sub, 0x3f80_0000, 0x0000_0001, RZ), (0x3f7f_ffff, IXC));
        assert_eq!(op32(sub, 0x3f80_0000, 0x0000_0001, RN), (0x3f80_0000, IXC));
    }

    #[test]
    fn exact_zero_sums_follow_the_rounding_mode() {
        let x = f(1.5) as u32;
        assert_eq!(op32(sub, x, x, RN), (0x0000_0000, 0));
        assert_eq!(op32(sub, x, x, RM), (0x8000_0000, 0));
        assert_eq!(op32(add, 0x8000_0000, 0x8000_0000, RN), (0x8000_0000, 0));
        assert_eq!(op32(add, 0x8000_0000, 0x0000_0000, RN), (0x0000_0000, 0));
        assert_eq!(op32(add, 0x8000_0000, 0x0000_0000, RM), (0x8000_0000, 0));
        assert_eq!(op64(sub, d(2.0), d(2.0), RM), (d(-0.0), 0));
    }

    #[test]
    fn overflow_by_mode() {
        let max = 0x7f7f_ffff;
        assert_eq!(op32(add, max, max, RN), (0x7f80_0000, OFC | IXC));
        assert_eq!(op32(add, max, max, RZ), (max, OFC | IXC));
        assert_eq!(op32(add, max, max, RM), (max, OFC | IXC));
        assert_eq!(
            op32(mul, max | 0x8000_0000, max, RM),
            (0xff80_0000, OFC | IXC)
        );
        assert_eq!(
            op32(mul, max | 0x8000_0000, max, RP),
            (0xff7f_ffff, OFC | IXC)
        );
        assert_eq!(
            op64(mul, d(1e300), d(1e300), RN),
            (d(f64::INFINITY), OFC | IXC)
        );
    }

    #[test]
    fn underflow_and_denormals() {
        // 2^-126 * 0.5 = 2^-127: a denormal, exact -> no UFC.
        assert_eq!(op32(mul, 0x0080_0000, 0x3f00_0000, RN), (0x0040_0000, 0));
        // Smallest denormal / 2: tiny and inexact; ties-to-even gives 0.
        assert_eq!(op32(mul, 0x0000_0001, 0x3f00_0000, RN), (0, UFC | IXC));
        assert_eq!(op32(mul, 0x0000_0001, 0x3f00_0000, RP), (1, UFC | IXC));
        // 3 * 2^-150 = 1.5 smallest denormals: RN rounds to 2.
        assert_eq!(op32(mul, 0x0000_0003, 0x3f00_0000, RN), (2, UFC | IXC));
        // Tininess before rounding: (2^-126 - 2^-150) rounds up to 2^-126 in
        // RN, but it is tiny before rounding, so UFC is set.
        let just_below = op32(mul, 0x00ff_ffff, 0x3f00_0000, RN);
        assert_eq!(just_below, (0x0080_0000, UFC | IXC));
        // Denormal inputs are fine without FZ.
        assert_eq!(op32(add, 0x0000_0001, 0x0000_0001, RN), (2, 0));
    }

    #[test]
    fn flush_to_zero() {
        let fz = FPSCR_FZ;
        // Denormal input flushed, IDC; the sign is kept.
        assert_eq!(op32(add, 0x0000_0001, 0x0000_0000, fz), (0, IDC));
        assert_eq!(op32(add, 0x8000_0001, 0x8000_0000, fz), (0x8000_0000, IDC));
        assert_eq!(op32(mul, 0x8000_0001, 0x3f80_0000, fz), (0x8000_0000, IDC));
        // Tiny result flushed: UFC only (no IXC), even when exact.
        assert_eq!(op32(mul, 0x0080_0000, 0x3f00_0000, fz), (0, UFC));
        assert_eq!(op32(mul, 0x8080_0000, 0x3f00_0000, fz), (0x8000_0000, UFC));
        // Result just below 2^-126 that would round up to it: still flushed.
        assert_eq!(op32(mul, 0x00ff_ffff, 0x3f00_0000, fz), (0, UFC));
        // Double.
        assert_eq!(op64(add, 1, 0, fz), (0, IDC));
        // Division by a flushed denormal is division by zero.
        assert_eq!(
            op32(div, 0x3f80_0000, 0x0000_0001, fz),
            (0x7f80_0000, IDC | DZC)
        );
    }

    #[test]
    fn nan_propagation() {
        let qa = 0x7fc0_0001;
        let qb = 0xffc0_0002;
        let sa = 0x7f80_0003;
        let sb = 0xff80_0004;
        // First operand's quiet NaN wins over a second quiet NaN.
        assert_eq!(op32(add, qa, qb, RN), (qa, 0));
        assert_eq!(op32(add, qb, qa, RN), (qb, 0));
        // A signalling NaN wins over a quiet one, is quietened, raises IOC.
        assert_eq!(op32(add, qa, sb, RN), (0xffc0_0004, IOC));
        assert_eq!(op32(mul, sa, sb, RN), (0x7fc0_0003, IOC));
        assert_eq!(op32(sub, 0x3f80_0000, qb, RN), (qb, 0));
        // Sub propagates op2's NaN unchanged (no sign flip).
        assert_eq!(op32(sub, 0x3f80_0000, 0x7fc0_0005, RN), (0x7fc0_0005, 0));
        // Default NaN mode.
        assert_eq!(op32(add, qa, 0, FPSCR_DN), (0x7fc0_0000, 0));
        assert_eq!(op32(add, sb, 0, FPSCR_DN), (0x7fc0_0000, IOC));
        // Invalid operations give the default NaN.
        assert_eq!(op32(sub, 0x7f80_0000, 0x7f80_0000, RN), (0x7fc0_0000, IOC));
        assert_eq!(op32(mul, 0x7f80_0000, 0x8000_0000, RN), (0x7fc0_0000, IOC));
        assert_eq!(op32(div, 0, 0x8000_0000, RN), (0x7fc0_0000, IOC));
        assert_eq!(
            op64(div, d(f64::INFINITY), d(f64::INFINITY), RN),
            (0x7ff8_0000_0000_0000, IOC)
        );
        // Double payload.
        assert_eq!(
            op64(add, 0x7ff0_0000_0000_0001, d(1.0), RN),
            (0x7ff8_0000_0000_0001, IOC)
        );
    }

    #[test]
    fn division_by_zero() {
        assert_eq!(op32(div, 0xbf80_0000, 0, RN), (0xff80_0000, DZC));
        assert_eq!(op32(div, 0x7f80_0000, 0, RN), (0x7f80_0000, 0));
        assert_eq!(op64(div, d(1.0), d(-0.0), RN), (d(f64::NEG_INFINITY), DZC));
    }

    #[test]
    fn square_root() {
        let mut e = env(RN);
        assert_eq!(sqrt(F32, f(4.0), &mut e), f(2.0));
        assert_eq!(sqrt(F64, d(2.0), &mut e), d(2f64.sqrt()));
        assert_eq!(e.flags, IXC);
        let mut e = env(RN);
        assert_eq!(sqrt(F32, 0x8000_0000, &mut e), 0x8000_0000);
        assert_eq!(sqrt(F32, f(-1.0), &mut e), 0x7fc0_0000);
        assert_eq!(e.flags, IOC);
        // sqrt(2) = 1.41421353816986083984375 (RN, 0x3fb504f3) is above the
        // exact value, so RZ gives the value below.
        let mut e = env(RZ);
        assert_eq!(sqrt(F32, f(2.0), &mut e), 0x3fb5_04f3);
        let mut e = env(RN);
        assert_eq!(sqrt(F32, f(2.0), &mut e), 0x3fb5_04f3);
        // Denormal input.
        let mut e = env(RN);
        assert_eq!(
            sqrt(F32, 0x0000_0001, &mut e),
            f((2f64.powi(-149)).sqrt() as f32)
        );
        assert_eq!(sqrt(F32, 0x7f80_0001, &mut e), 0x7fc0_0001);
    }

    #[test]
    fn fused_multiply_add() {
        let mut e = env(RN);
        // (1 + 2^-23)^2 = 1 + 2^-22 + 2^-46; minus (1 + 2^-22) leaves 2^-46
        // exactly, which an unfused sequence would lose.
        let a = 0x3f80_0001;
        let r = mul_add(F32, f(-(1.0 + 2f32.powi(-22))), a, a, &mut e);
        assert_eq!(r, f(2f32.powi(-46)));
        assert_eq!(e.flags, 0);
        // Matches the host fma on a few values.
        for (x, y, z) in [
            (0.1f64, 0.2f64, 0.3f64),
            (1e308, 10.0, -1e308),
            (-3.5, 1e-310, 2e-310),
        ] {
            let mut e = env(RN);
            assert_eq!(mul_add(F64, d(z), d(x), d(y), &mut e), d(x.mul_add(y, z)));
        }
        // NaN order: addend first.
        let mut e = env(RN);
        assert_eq!(
            mul_add(F32, 0x7fc0_0001, 0x7f80_0002, 0x7fc0_0003, &mut e),
            0x7fc0_0002
        );
        assert_eq!(e.flags, IOC);
        // Quiet NaN addend with inf * 0: default NaN and IOC.
        let mut e = env(RN);
        assert_eq!(
            mul_add(F32, 0x7fc0_0001, 0x7f80_0000, 0, &mut e),
            0x7fc0_0000
        );
        assert_eq!(e.flags, IOC);
        // inf - inf.
        let mut e = env(RN);
        assert_eq!(
            mul_add(F32, 0xff80_0000, 0x7f80_0000, f(1.0), &mut e),
            0x7fc0_0000
        );
        // Exact zero: -0 in RM, and same-signed zeros keep their sign.
        let mut e = env(RM);
        assert_eq!(mul_add(F32, f(-1.0), f(1.0), f(1.0), &mut e), 0x8000_0000);
        let mut e = env(RN);
        assert_eq!(mul_add(F32, 0x8000_0000, f(-1.0), 0, &mut e), 0x8000_0000);
        assert_eq!(mul_add(F32, 0x8000_0000, f(1.0), 0, &mut e), 0);
    }

    #[test]
    fn compare_flags() {
        let mut e = env(RN);
        assert_eq!(compare(F32, f(1.0), f(2.0), false, &mut e), 0b1000);
        assert_eq!(compare(F32, f(2.0), f(1.0), false, &mut e), 0b0010);
        assert_eq!(compare(F32, 0, 0x8000_0000, false, &mut e), 0b0110);
        assert_eq!(compare(F32, f(-1.0), f(-2.0), false, &mut e), 0b0010);
        assert_eq!(compare(F32, 0xff80_0000, f(-2.0), false, &mut e), 0b1000);
        assert_eq!(compare(F64, d(-0.5), d(0.0), false, &mut e), 0b1000);
        assert_eq!(compare(F32, 0x0000_0001, 0, false, &mut e), 0b0010);
        assert_eq!(e.flags, 0);
        assert_eq!(compare(F32, 0x7fc0_0000, 0, false, &mut e), 0b0011);
        assert_eq!(e.flags, 0);
        assert_eq!(compare(F32, 0x7fc0_0000, 0, true, &mut e), 0b0011);
        assert_eq!(e.flags, IOC);
        let mut e = env(RN);
        assert_eq!(compare(F32, 0, 0x7f80_0001, false, &mut e), 0b0011);
        assert_eq!(e.flags, IOC);
        // FZ: a denormal equals zero.
        let mut e = env(FPSCR_FZ);
        assert_eq!(compare(F32, 0x0000_0001, 0, false, &mut e), 0b0110);
        assert_eq!(e.flags, IDC);
    }

    #[test]
    fn float_to_int() {
        let t = |bits: u64, fmt: Fmt, unsigned: bool, rz: bool, fpscr: u32| {
            let mut e = env(fpscr);
            let r = to_fixed(fmt, bits, 32, 0, unsigned, rz, &mut e);
            (r, e.flags)
        };
        assert_eq!(t(f(2.5), F32, false, true, RN), (2, IXC));
        assert_eq!(t(f(2.5), F32, false, false, RN), (2, IXC));
        assert_eq!(t(f(3.5), F32, false, false, RN), (4, IXC));
        assert_eq!(t(f(-2.5), F32, false, false, RN), (-2, IXC));
        assert_eq!(t(f(-2.5), F32, false, false, RM), (-3, IXC));
        assert_eq!(t(f(-2.5), F32, false, false, RP), (-2, IXC));
        assert_eq!(t(f(2.1), F32, false, false, RP), (3, IXC));
        assert_eq!(t(f(-2.9), F32, false, true, RN), (-2, IXC));
        assert_eq!(t(f(7.0), F32, false, true, RN), (7, 0));
        // Saturation.
        assert_eq!(t(f(3e9), F32, false, true, RN), (i32::MAX as i64, IOC));
        assert_eq!(t(f(-3e9), F32, false, true, RN), (i32::MIN as i64, IOC));
        assert_eq!(t(f(3e9), F32, true, true, RN), (3_000_000_000, 0));
        assert_eq!(t(f(5e9), F32, true, true, RN), (u32::MAX as i64, IOC));
        assert_eq!(t(f(-1.0), F32, true, true, RN), (0, IOC));
        assert_eq!(t(f(-0.5), F32, true, true, RN), (0, IXC));
        assert_eq!(t(f(-0.7), F32, true, false, RN), (0, IOC));
        assert_eq!(
            t(d(-2147483648.0), F64, false, true, RN),
            (i32::MIN as i64, 0)
        );
        assert_eq!(
            t(d(-2147483648.9), F64, false, true, RN),
            (i32::MIN as i64, IXC)
        );
        assert_eq!(
            t(d(-2147483649.0), F64, false, true, RN),
            (i32::MIN as i64, IOC)
        );
        assert_eq!(
            t(d(2147483647.5), F64, false, false, RN),
            (i32::MAX as i64, IOC)
        );
        assert_eq!(
            t(d(4294967295.4), F64, true, false, RN),
            (u32::MAX as i64, IXC)
        );
        assert_eq!(
            t(d(f64::INFINITY), F64, true, true, RN),
            (u32::MAX as i64, IOC)
        );
        assert_eq!(
            t(d(f64::NEG_INFINITY), F64, false, true, RN),
            (i32::MIN as i64, IOC)
        );
        // NaN converts to 0 with IOC.
        assert_eq!(t(0x7fc0_0000, F32, false, true, RN), (0, IOC));
        assert_eq!(t(0xffc0_0000, F32, true, true, RN), (0, IOC));
        // Denormals: inexact, or flushed (IDC, exact 0) with FZ.
        assert_eq!(t(1, F32, false, true, RN), (0, IXC));
        assert_eq!(t(1, F32, false, false, RP), (1, IXC));
        assert_eq!(t(1, F32, false, true, FPSCR_FZ), (0, IDC));
    }

    #[test]
    fn fixed_point_conversions() {
        let mut e = env(RN);
        // 16-bit signed with 8 fraction bits: 1.5 -> 0x180.
        assert_eq!(to_fixed(F32, f(1.5), 16, 8, false, true, &mut e), 0x180);
        assert_eq!(to_fixed(F32, f(-1.5), 16, 8, false, true, &mut e), -0x180);
        assert_eq!(e.flags, 0);
        assert_eq!(to_fixed(F32, f(200.0), 16, 8, false, true, &mut e), 0x7fff);
        assert_eq!(e.flags, IOC);
        let mut e = env(RN);
        assert_eq!(
            to_fixed(F64, d(0.75), 32, 32, true, true, &mut e),
            0xc000_0000
        );
        assert_eq!(from_fixed(F32, 0x180, 16, 8, false, false, &mut e), f(1.5));
        assert_eq!(
            from_fixed(F32, 0xfe80, 16, 8, false, false, &mut e),
            f(-1.5)
        );
        assert_eq!(
            from_fixed(F32, 0xfe80, 16, 8, true, false, &mut e),
            f(254.5)
        );
        assert_eq!(
            from_fixed(F64, 0xffff_ffff, 32, 32, true, false, &mut e),
            d(1.0 - 2f64.powi(-32))
        );
        assert_eq!(e.flags, 0);
        // 2^24 + 1 is not representable in single: rounding by mode.
        let mut e = env(RP);
        assert_eq!(
            from_fixed(F32, 0x0100_0001, 32, 0, false, false, &mut e),
            f(16777218.0)
        );
        assert_eq!(e.flags, IXC);
        let mut e = env(RP);
        assert_eq!(
            from_fixed(F32, 0x0100_0001, 32, 0, false, true, &mut e),
            f(16777216.0)
        );
        assert_eq!(
            from_fixed(F32, 0x8000_0000, 32, 0, false, false, &mut e),
            f(-2147483648.0)
        );
        assert_eq!(from_fixed(F32, 0, 32, 0, false, false, &mut e), 0);
    }

    #[test]
    fn precision_conversions() {
        let mut e = env(RN);
        assert_eq!(convert(F32, F64, f(1.1), &mut e), d(1.1f32 as f64));
        assert_eq!(e.flags, 0);
        assert_eq!(convert(F64, F32, d(1.1), &mut e), f(1.1));
        assert_eq!(e.flags, IXC);
        // NaN payloads keep their top bits.
        let mut e = env(RN);
        assert_eq!(
            convert(F32, F64, 0xff80_0001, &mut e),
            0xfff8_0000_2000_0000
        );
        assert_eq!(e.flags, IOC);
        assert_eq!(
            convert(F64, F32, 0x7ff4_0000_2000_0000, &mut e),
            0x7fe0_0001
        );
        let mut e = env(FPSCR_DN);
        assert_eq!(
            convert(F64, F32, 0xfff4_0000_2000_0000, &mut e),
            0x7fc0_0000
        );
        // Denormal single -> double is exact; flushed with FZ.
        let mut e = env(RN);
        assert_eq!(convert(F32, F64, 1, &mut e), d(2f64.powi(-149)));
        let mut e = env(FPSCR_FZ);
        assert_eq!(convert(F32, F64, 0x8000_0001, &mut e), d(-0.0));
        assert_eq!(e.flags, IDC);
        // Double too small for single: denormal or flushed.
        let mut e = env(RN);
        assert_eq!(convert(F64, F32, d(2f64.powi(-140)), &mut e), 1 << 9);
        assert_eq!(e.flags, 0);
        let mut e = env(FPSCR_FZ);
        assert_eq!(convert(F64, F32, d(2f64.powi(-140)), &mut e), 0);
        assert_eq!(e.flags, UFC);
        let mut e = env(RZ);
        assert_eq!(convert(F64, F32, d(1e39), &mut e), 0x7f7f_ffff);
        assert_eq!(e.flags, OFC | IXC);
    }

    #[test]
    fn half_precision() {
        let mut e = env(RN);
        assert_eq!(convert(F32, F16, f(1.0), &mut e), 0x3c00);
        assert_eq!(convert(F32, F16, f(65504.0), &mut e), 0x7bff);
        assert_eq!(convert(F16, F32, 0x0001, &mut e), f(2f32.powi(-24)));
        assert_eq!(convert(F16, F32, 0xfc00, &mut e), 0xff80_0000);
        assert_eq!(e.flags, 0);
        assert_eq!(convert(F32, F16, f(65536.0), &mut e), 0x7c00);
        assert_eq!(e.flags, OFC | IXC);
        let mut e = env(RN);
        assert_eq!(convert(F32, F16, 0x7f80_2001, &mut e), 0x7e01);
        assert_eq!(e.flags, IOC);
        let mut e = env(RN);
        assert_eq!(convert(F16, F32, 0x7d01, &mut e), 0x7fe0_2000);
        assert_eq!(e.flags, IOC);
        // Half results are never flushed, even with FZ.
        let mut e = env(FPSCR_FZ);
        assert_eq!(convert(F32, F16, f(2f32.powi(-24)), &mut e), 0x0001);
        assert_eq!(convert(F16, F32, 0x0001, &mut e), f(2f32.powi(-24)));
        assert_eq!(e.flags, 0);
        // Tiny and inexact.
        let mut e = env(RN);
        assert_eq!(convert(F32, F16, f(2f32.powi(-26)), &mut e), 0);
        assert_eq!(e.flags, UFC | IXC);
        // Alternative format: exponent 31 is a number; NaN -> 0, inf -> max.
        let mut e = env(FPSCR_AHP);
        assert_eq!(convert(F32, F16, f(65536.0), &mut e), 0x7c00);
        assert_eq!(convert(F16, F32, 0x7fff, &mut e), f(131008.0));
        assert_eq!(e.flags, 0);
        assert_eq!(convert(F32, F16, f(131072.0), &mut e), 0x7fff);
        assert_eq!(e.flags, IOC);
        let mut e = env(FPSCR_AHP);
        assert_eq!(convert(F32, F16, 0xffc0_0000, &mut e), 0x8000);
        assert_eq!(e.flags, IOC);
        let mut e = env(FPSCR_AHP);
        assert_eq!(convert(F32, F16, 0xff80_0000, &mut e), 0xffff);
        assert_eq!(e.flags, IOC);
    }

    #[test]
    fn vfp_immediates() {
        assert_eq!(expand_imm(F32, 0x70), 0x3f80_0000);
        assert_eq!(expand_imm(F64, 0xc0), d(-0.125));
        assert_eq!(expand_imm(F64, 0x80), d(-2.0));
        assert_eq!(expand_imm(F32, 0x00), f(2.0));
        assert_eq!(expand_imm(F32, 0x7f), f(1.9375));
        assert_eq!(expand_imm(F32, 0x20), f(8.0));
        assert_eq!(expand_imm(F32, 0x30), f(16.0));
    }

    use crate::test_rng::Rng;

    /// Floating-point operands for the randomised cross-checks.
    impl Rng {
        /// Random bits biased towards interesting exponents.
        fn f64_bits(&mut self) -> u64 {
            let r = self.next64();
            match r % 8 {
                0 => r >> 12, // denormal-ish / small
                1 => (r & 0x800f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000,
                2 => (r & 0x800f_ffff_ffff_ffff) | 0x4330_0000_0000_0000,
                _ => r,
            }
        }
        fn f32_bits(&mut self) -> u64 {
            let r = self.next64() as u32;
            (match r % 8 {
                0 => r >> 9,
                1 => (r & 0x807f_ffff) | 0x3f80_0000,
                _ => r,
            }) as u64
        }
    }

    /// In round-to-nearest the results must equal the host's IEEE results
    /// (NaNs aside, whose payload rules differ).
    #[test]
    fn round_to_nearest_matches_host() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for _ in 0..200_000 {
            let (a, b, c) = (rng.f64_bits(), rng.f64_bits(), rng.f64_bits());
            let (x, y, z) = (f64::from_bits(a), f64::from_bits(b), f64::from_bits(c));
            let mut e = env(RN);
            let checks = [
                (add(F64, a, b, &mut e), x + y),
                (sub(F64, a, b, &mut e), x - y),
                (mul(F64, a, b, &mut e), x * y),
                (div(F64, a, b, &mut e), x / y),
                (sqrt(F64, a, &mut e), x.sqrt()),
                (mul_add(F64, c, a, b, &mut e), x.mul_add(y, z)),
            ];
            for (i, (got, want)) in checks.iter().enumerate() {
                if !want.is_nan() {
                    assert_eq!(*got, want.to_bits(), "op {i} {a:#x} {b:#x} {c:#x}");
                } else {
                    assert!(F64.is_nan(*got));
                }
            }
            let (a, b, c) = (rng.f32_bits(), rng.f32_bits(), rng.f32_bits());
            let (x, y, z) = (
                f32::from_bits(a as u32),
                f32::from_bits(b as u32),
                f32::from_bits(c as u32),
            );
            let checks = [
                (add(F32, a, b, &mut e), x + y),
                (sub(F32, a, b, &mut e), x - y),
                (mul(F32, a, b, &mut e), x * y),
                (div(F32, a, b, &mut e), x / y),
                (sqrt(F32, a, &mut e), x.sqrt()),
                (mul_add(F32, c, a, b, &mut e), x.mul_add(y, z)),
            ];
            for (i, (got, want)) in checks.iter().enumerate() {
                if !want.is_nan() {
                    assert_eq!(*got, want.to_bits() as u64, "op32 {i} {a:#x} {b:#x} {c:#x}");
                }
            }
            let dbits = rng.f64_bits();
            let dv = f64::from_bits(dbits);
            if !dv.is_nan() {
                assert_eq!(
                    convert(F64, F32, dbits, &mut e),
                    (dv as f32).to_bits() as u64
                );
            }
        }
    }

    /// The host fast path agrees with the exact path, flags included.
    #[test]
    fn fast_path_matches_exact_path() {
        let mut rng = Rng(0x0bad_cafe_1234_5678);
        let mut hits = 0;
        for _ in 0..300_000 {
            for (fmt, a, b) in [
                (F32, rng.f32_bits(), rng.f32_bits()),
                (F64, rng.f64_bits(), rng.f64_bits()),
            ] {
                for (i, op) in [fast::Op::Add, fast::Op::Sub, fast::Op::Mul, fast::Op::Div]
                    .into_iter()
                    .enumerate()
                {
                    let mut ef = env(RN);
                    let Some(r) = fast::binary(op, fmt, a, b, &mut ef) else {
                        continue;
                    };
                    hits += 1;
                    let mut es = env(RN);
                    let want = match i {
                        0 => add_sub(fmt, a, b, false, &mut es),
                        1 => add_sub(fmt, a, b, true, &mut es),
                        2 => mul_soft(fmt, a, b, &mut es),
                        _ => div_soft(fmt, a, b, &mut es),
                    };
                    assert_eq!((r, ef.flags), (want, es.flags), "op {i} {a:#x} {b:#x}");
                }
            }
        }
        assert!(hits > 1_000_000);
    }

    /// Directed rounding checked against bounds: the result r of RP must be
    /// the RN result or its successor, and consistent with the exact sign
    /// of the error computed through f64 (exact for single operations).
    #[test]
    fn directed_rounding_brackets_the_exact_value() {
        let mut rng = Rng(0xdead_beef_cafe_f00d);
        for _ in 0..100_000 {
            let (a, b) = (rng.f32_bits(), rng.f32_bits());
            let (x, y) = (
                f32::from_bits(a as u32) as f64,
                f32::from_bits(b as u32) as f64,
            );
            // Single add and mul are exact in f64 (barring huge exponent gaps
            // for add, which the bracket still tolerates as ordering).
            type BinOp = fn(Fmt, u64, u64, &mut FpEnv) -> u64;
            for (op, exact, is_mul) in [(add as BinOp, x + y, false), (mul, x * y, true)] {
                if exact.is_nan() || exact.is_infinite() {
                    continue;
                }
                let mut e = env(RP);
                let up = f32::from_bits(op(F32, a, b, &mut e) as u32) as f64;
                let mut e = env(RM);
                let down = f32::from_bits(op(F32, a, b, &mut e) as u32) as f64;
                let mut e = env(RZ);
                let zero = f32::from_bits(op(F32, a, b, &mut e) as u32) as f64;
                assert!(down <= exact && exact <= up, "{a:#x} {b:#x}");
                assert_eq!(zero, if exact >= 0.0 { down } else { up });
                let single = exact as f32 as f64;
                assert!(single == up || single == down);
                if is_mul && single == exact {
                    assert_eq!(up, down);
                }
            }
        }
    }
}
