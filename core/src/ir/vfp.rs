//! VFP operations in the IR: the scalar floating-point instructions of
//! VFPv3-D32/VFPv4 and the core<->extension register transfers of the cp10
//! and cp11 space (including the 8/16-bit scalar moves and VDUP from a core
//! register, which share that space).
//!
//! Register numbers are resolved at decode time: a field named `vd`/`vn`/`vm`
//! is an S register index (0..=31) when the op is single precision
//! (`dp == false`) and a D register index (0..=31) when it is double
//! precision. Fields named `s*` are always S registers and `d*` always D
//! registers.

use super::Reg;

/// Two-operand arithmetic (`Vd = Vn op Vm`, the accumulating forms also read
/// `Vd`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    /// VADD: n + m.
    Add,
    /// VSUB: n - m.
    Sub,
    /// VMUL: n * m.
    Mul,
    /// VNMUL: -(n * m).
    Nmul,
    /// VDIV: n / m.
    Div,
    /// VMLA: d + (n * m), two roundings.
    Mla,
    /// VMLS: d + -(n * m), two roundings.
    Mls,
    /// VNMLA: -d + -(n * m), two roundings.
    Nmla,
    /// VNMLS: -d + (n * m), two roundings.
    Nmls,
    /// VFMA: d + n * m, fused.
    Fma,
    /// VFMS: d + (-n) * m, fused.
    Fms,
    /// VFNMA: -d + (-n) * m, fused.
    Fnma,
    /// VFNMS: -d + n * m, fused.
    Fnms,
}

/// One-operand operations (`Vd = op Vm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// VMOV register (a plain copy).
    Mov,
    /// VABS (clears the sign bit; no NaN processing).
    Abs,
    /// VNEG (flips the sign bit; no NaN processing).
    Neg,
    /// VSQRT.
    Sqrt,
}

/// The system registers VMRS/VMSR reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysReg {
    /// FPSID (reads as a Cortex-A15-like 0x410430f0).
    Fpsid,
    /// FPSCR.
    Fpscr,
    /// MVFR1 (reads as 0x11111111).
    Mvfr1,
    /// MVFR0 (reads as 0x10110222).
    Mvfr0,
    /// FPEXC (reads as 0x40000000: enabled).
    Fpexc,
}

/// A decoded VFP instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum VfpInsn {
    /// VLDR/VSTR: one register at `base + offset` (wrapping). `rn == None`
    /// means the address is absolute: the PC-relative form, with
    /// Align(PC, 4) already added by the decoder.
    LoadStore {
        /// Load (VLDR) or store (VSTR).
        load: bool,
        /// Double precision.
        dp: bool,
        /// The register transferred.
        vd: u8,
        /// Base register, or None for an absolute address.
        rn: Option<Reg>,
        /// Signed offset (already scaled by 4).
        offset: i32,
    },
    /// VLDM/VSTM (VPUSH = VSTMDB SP!, VPOP = VLDMIA SP!): `count`
    /// consecutive registers from `vd`. The block starts at `rn` (`add`,
    /// increment after) or at `rn - bytes` (decrement before); writeback
    /// moves `rn` by `bytes`, which is 4 more than the registers' size for
    /// the FLDMX/FSTMX forms.
    Multiple {
        /// Load or store.
        load: bool,
        /// Double-precision registers.
        dp: bool,
        /// First register.
        vd: u8,
        /// Number of registers (1..=32 single, 1..=16 double).
        count: u8,
        /// Base register.
        rn: Reg,
        /// Increment after (IA) rather than decrement before (DB).
        add: bool,
        /// Write the base back.
        wback: bool,
        /// Bytes the block spans (imm8 * 4).
        bytes: u16,
    },
    /// VMOV immediate: `bits` (already expanded) into `vd`.
    MovImm {
        /// Double precision.
        dp: bool,
        /// Destination.
        vd: u8,
        /// The value.
        bits: u64,
    },
    /// VMOV register, VABS, VNEG, VSQRT.
    Unary {
        /// Operation.
        op: UnaryOp,
        /// Double precision.
        dp: bool,
        /// Destination.
        vd: u8,
        /// Source.
        vm: u8,
    },
    /// The two- and three-operand arithmetic.
    Arith {
        /// Operation.
        op: ArithOp,
        /// Double precision.
        dp: bool,
        /// Destination (and accumulator).
        vd: u8,
        /// First operand.
        vn: u8,
        /// Second operand.
        vm: u8,
    },
    /// VCMP/VCMPE: sets FPSCR.NZCV from comparing `vd` with `vm` (None:
    /// with +0.0).
    Cmp {
        /// Double precision.
        dp: bool,
        /// VCMPE: a quiet NaN operand raises IOC too.
        e: bool,
        /// First operand.
        vd: u8,
        /// Second operand, or None for #0.0.
        vm: Option<u8>,
    },
    /// VCVT.F64.F32 (`to_dp`: `Dd = Sm`) and VCVT.F32.F64 (`Sd = Dm`).
    CvtPrec {
        /// Convert single to double.
        to_dp: bool,
        /// Destination (D if `to_dp`, else S).
        vd: u8,
        /// Source (S if `to_dp`, else D).
        vm: u8,
    },
    /// VCVT/VCVTR to a 32-bit integer: `Sd = int(Vm)`.
    CvtToInt {
        /// The source is double precision.
        dp: bool,
        /// Signed result.
        signed: bool,
        /// Round towards zero (VCVT) rather than by FPSCR (VCVTR).
        round_zero: bool,
        /// Destination S register.
        sd: u8,
        /// Source.
        vm: u8,
    },
    /// VCVT from a 32-bit integer: `Vd = float(Sm)`, rounded by FPSCR.
    CvtFromInt {
        /// The destination is double precision.
        dp: bool,
        /// Signed source.
        signed: bool,
        /// Destination.
        vd: u8,
        /// Source S register.
        sm: u8,
    },
    /// VCVT between floating point and fixed point, in place in `vd`.
    CvtFixed {
        /// Float to fixed (rounds towards zero) rather than fixed to float
        /// (rounds by FPSCR).
        to_fixed: bool,
        /// Double-precision float.
        dp: bool,
        /// Signed fixed-point value.
        signed: bool,
        /// 16-bit fixed-point value (else 32).
        half: bool,
        /// The register converted.
        vd: u8,
        /// Fraction bits (0..=16 or 0..=32).
        fbits: u8,
    },
    /// VCVTB/VCVTT between half and single precision: `to_half` converts
    /// `Sm` into the bottom (or, with `top`, top) half of `Sd`, keeping the
    /// other half; otherwise that half of `Sm` is converted into `Sd`.
    CvtHalf {
        /// Single to half.
        to_half: bool,
        /// Use the top halfword (VCVTT).
        top: bool,
        /// Destination.
        sd: u8,
        /// Source.
        sm: u8,
    },
    /// VMOV between a core register and a single-precision register.
    MovCoreS {
        /// `Rt = Sn` (else `Sn = Rt`).
        to_core: bool,
        /// Core register.
        rt: Reg,
        /// S register.
        sn: u8,
    },
    /// VMOV between two core registers and two consecutive S registers
    /// (`rt` <-> `Sm`, `rt2` <-> `Sm+1`).
    MovCore2S {
        /// To the core registers.
        to_core: bool,
        /// First core register.
        rt: Reg,
        /// Second core register.
        rt2: Reg,
        /// First S register (0..=30).
        sm: u8,
    },
    /// VMOV between two core registers and a D register (`rt` is the low
    /// word).
    MovCoreD {
        /// To the core registers.
        to_core: bool,
        /// Low word.
        rt: Reg,
        /// High word.
        rt2: Reg,
        /// D register.
        dm: u8,
    },
    /// VMOV.{8,16,32} Dd[index], Rt: writes the low `size` bits of `rt`
    /// into one lane.
    MovToScalar {
        /// D register.
        dd: u8,
        /// Lane size in bits: 8, 16 or 32.
        size: u8,
        /// Lane index.
        index: u8,
        /// Core register.
        rt: Reg,
    },
    /// VMOV.{U8,S8,U16,S16,32} Rt, Dn[index]: reads one lane, zero- or
    /// sign-extended.
    MovFromScalar {
        /// Core register.
        rt: Reg,
        /// D register.
        dn: u8,
        /// Lane size in bits: 8, 16 or 32.
        size: u8,
        /// Lane index.
        index: u8,
        /// Sign-extend.
        signed: bool,
    },
    /// VDUP.{8,16,32} Dd/Qd, Rt: replicate the low `size` bits of `rt`.
    Dup {
        /// First D register (even when `q`).
        dd: u8,
        /// A Q register (two D registers).
        q: bool,
        /// Element size in bits: 8, 16 or 32.
        size: u8,
        /// Core register.
        rt: Reg,
    },
    /// VMRS Rt, reg. `rt == 15` with FPSCR is VMRS APSR_nzcv, FPSCR.
    Vmrs {
        /// Destination (15: APSR.NZCV).
        rt: Reg,
        /// Register read.
        reg: SysReg,
    },
    /// VMSR reg, Rt (writes to FPSID and FPEXC are ignored).
    Vmsr {
        /// Register written.
        reg: SysReg,
        /// Source.
        rt: Reg,
    },
}
