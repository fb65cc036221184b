//! Advanced SIMD (NEON) operations in the IR.
//!
//! One [`NeonInsn`] per guest instruction, with every encoding detail
//! resolved at decode time: register numbers are full D-register numbers
//! (0..=31; a Q register `Qn` is given as `D(2n)`), element sizes are log2 of
//! the byte count (0 = 8 bits .. 3 = 64 bits), Q forms carry `q: true`,
//! shift amounts and immediates are already expanded. Signedness lives in a
//! `u` flag (true = unsigned) on the shapes whose ops have both forms.
//!
//! The shapes follow the ARM ARM's grouping of the Advanced SIMD encodings
//! (DDI 0406C, A7.4 and A7.7), so an instruction is found next to its
//! encoding neighbours.

use super::Reg;

/// Element size as log2 of its byte count: 0 = 8, 1 = 16, 2 = 32, 3 = 64 bits.
pub type Size = u8;

/// Base-register writeback of an element or structure load/store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writeback {
    /// `Rm == 15`: no writeback.
    None,
    /// `Rm == 13`: Rn += the number of bytes transferred (given).
    Fixed(u8),
    /// Rn += Rm.
    Reg(Reg),
}

/// Three registers of the same length (A7.4.1), plus the float forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameOp {
    /// VHADD.
    Hadd,
    /// VQADD.
    Qadd,
    /// VRHADD.
    Rhadd,
    /// VAND.
    And,
    /// VBIC (register).
    Bic,
    /// VORR (register).
    Orr,
    /// VORN (register).
    Orn,
    /// VEOR.
    Eor,
    /// VBSL.
    Bsl,
    /// VBIT.
    Bit,
    /// VBIF.
    Bif,
    /// VHSUB.
    Hsub,
    /// VQSUB.
    Qsub,
    /// VCGT (register, integer).
    Cgt,
    /// VCGE (register, integer).
    Cge,
    /// VSHL (register).
    Shl,
    /// VQSHL (register).
    Qshl,
    /// VRSHL.
    Rshl,
    /// VQRSHL.
    Qrshl,
    /// VMAX (integer).
    Max,
    /// VMIN (integer).
    Min,
    /// VABD (integer).
    Abd,
    /// VABA.
    Aba,
    /// VADD (integer).
    Add,
    /// VSUB (integer).
    Sub,
    /// VTST.
    Tst,
    /// VCEQ (register, integer).
    Ceq,
    /// VMLA (integer).
    Mla,
    /// VMLS (integer).
    Mls,
    /// VMUL (integer).
    Mul,
    /// VMUL.P8 (polynomial).
    Pmul,
    /// VPMAX (integer).
    Pmax,
    /// VPMIN (integer).
    Pmin,
    /// VQDMULH.
    Qdmulh,
    /// VQRDMULH.
    Qrdmulh,
    /// VPADD (integer).
    Padd,
    /// VFMA.F32.
    Fma,
    /// VFMS.F32.
    Fms,
    /// VADD.F32.
    Fadd,
    /// VSUB.F32.
    Fsub,
    /// VPADD.F32.
    Fpadd,
    /// VABD.F32.
    Fabd,
    /// VMLA.F32 (not fused).
    Fmla,
    /// VMLS.F32 (not fused).
    Fmls,
    /// VMUL.F32.
    Fmul,
    /// VCEQ.F32.
    Fceq,
    /// VCGE.F32.
    Fcge,
    /// VCGT.F32.
    Fcgt,
    /// VACGE.F32.
    Facge,
    /// VACGT.F32.
    Facgt,
    /// VMAX.F32.
    Fmax,
    /// VMIN.F32.
    Fmin,
    /// VPMAX.F32.
    Fpmax,
    /// VPMIN.F32.
    Fpmin,
    /// VRECPS.F32.
    Recps,
    /// VRSQRTS.F32.
    Rsqrts,
}

/// Three registers of different lengths (A7.4.2). `size` is the size of the
/// narrow elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LongOp {
    /// VADDL: Qd = Dn + Dm, widened.
    Addl,
    /// VADDW: Qd = Qn + Dm, widened.
    Addw,
    /// VSUBL.
    Subl,
    /// VSUBW.
    Subw,
    /// VADDHN: Dd = high half of Qn + Qm.
    Addhn,
    /// VRADDHN.
    Raddhn,
    /// VSUBHN.
    Subhn,
    /// VRSUBHN.
    Rsubhn,
    /// VABAL.
    Abal,
    /// VABDL.
    Abdl,
    /// VMLAL.
    Mlal,
    /// VMLSL.
    Mlsl,
    /// VMULL (integer).
    Mull,
    /// VMULL.P8.
    Pmull,
    /// VQDMLAL.
    Qdmlal,
    /// VQDMLSL.
    Qdmlsl,
    /// VQDMULL.
    Qdmull,
}

/// Two registers and a scalar (A7.4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarOp {
    /// VMLA (by scalar, integer).
    Mla,
    /// VMLS (by scalar, integer).
    Mls,
    /// VMUL (by scalar, integer).
    Mul,
    /// VMLA.F32 (by scalar).
    Fmla,
    /// VMLS.F32 (by scalar).
    Fmls,
    /// VMUL.F32 (by scalar).
    Fmul,
    /// VMLAL (by scalar).
    Mlal,
    /// VMLSL (by scalar).
    Mlsl,
    /// VMULL (by scalar).
    Mull,
    /// VQDMLAL (by scalar).
    Qdmlal,
    /// VQDMLSL (by scalar).
    Qdmlsl,
    /// VQDMULL (by scalar).
    Qdmull,
    /// VQDMULH (by scalar).
    Qdmulh,
    /// VQRDMULH (by scalar).
    Qrdmulh,
}

/// Two registers and a shift amount (A7.4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShiftOp {
    /// VSHR.
    Shr,
    /// VSRA.
    Sra,
    /// VRSHR.
    Rshr,
    /// VRSRA.
    Rsra,
    /// VSRI.
    Sri,
    /// VSHL (immediate).
    Shl,
    /// VSLI.
    Sli,
    /// VQSHL (immediate); signedness from `u`.
    Qshl,
    /// VQSHLU: signed input, unsigned saturation.
    Qshlu,
    /// VSHRN (`size` is the narrow result size).
    Shrn,
    /// VRSHRN.
    Rshrn,
    /// VQSHRN (signedness from `u`).
    Qshrn,
    /// VQRSHRN.
    Qrshrn,
    /// VQSHRUN.
    Qshrun,
    /// VQRSHRUN.
    Qrshrun,
    /// VSHLL / VMOVL (`size` is the narrow source size; shift may be 0).
    Shll,
    /// VCVT.F32.{S,U}32 with `shift` fraction bits.
    CvtFromFixed,
    /// VCVT.{S,U}32.F32 with `shift` fraction bits.
    CvtToFixed,
}

/// Two registers, miscellaneous (A7.4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MiscOp {
    /// VREV64.
    Rev64,
    /// VREV32.
    Rev32,
    /// VREV16.
    Rev16,
    /// VPADDL.
    Paddl,
    /// VPADAL.
    Padal,
    /// VCLS.
    Cls,
    /// VCLZ.
    Clz,
    /// VCNT.
    Cnt,
    /// VMVN (register).
    Mvn,
    /// VQABS.
    Qabs,
    /// VQNEG.
    Qneg,
    /// VCGT #0 (integer).
    Cgt0,
    /// VCGE #0.
    Cge0,
    /// VCEQ #0.
    Ceq0,
    /// VCLE #0.
    Cle0,
    /// VCLT #0.
    Clt0,
    /// VABS (integer).
    Abs,
    /// VNEG (integer).
    Neg,
    /// VCGT.F32 #0.
    Fcgt0,
    /// VCGE.F32 #0.
    Fcge0,
    /// VCEQ.F32 #0.
    Fceq0,
    /// VCLE.F32 #0.
    Fcle0,
    /// VCLT.F32 #0.
    Fclt0,
    /// VABS.F32.
    Fabs,
    /// VNEG.F32.
    Fneg,
    /// VSWP.
    Swp,
    /// VTRN.
    Trn,
    /// VUZP.
    Uzp,
    /// VZIP.
    Zip,
    /// VMOVN: Dd = narrow(Qm); `size` is the narrow size.
    Movn,
    /// VQMOVN (signedness from `u`).
    Qmovn,
    /// VQMOVUN.
    Qmovun,
    /// VSHLL with the maximum shift (the element size); `size` narrow.
    ShllMax,
    /// VCVT.F16.F32 Dd, Qm.
    CvtF32ToF16,
    /// VCVT.F32.F16 Qd, Dm.
    CvtF16ToF32,
    /// VRECPE.U32.
    Urecpe,
    /// VRSQRTE.U32.
    Ursqrte,
    /// VRECPE.F32.
    Frecpe,
    /// VRSQRTE.F32.
    Frsqrte,
    /// VCVT.F32.{S,U}32.
    CvtFromInt,
    /// VCVT.{S,U}32.F32 (round towards zero).
    CvtToInt,
}

/// What a one-register-and-modified-immediate instruction does with the
/// expanded 64-bit immediate (VMVN and VBIC store the inverted immediate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImmOp {
    /// Vd = imm (VMOV, VMVN).
    Mov,
    /// Vd |= imm (VORR).
    Orr,
    /// Vd &= imm (VBIC with the immediate inverted).
    And,
}

/// A decoded Advanced SIMD instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum NeonInsn {
    /// Three registers of the same length.
    Same {
        /// Operation.
        op: SameOp,
        /// Element size (2 for the float ops).
        size: Size,
        /// Unsigned (integer ops with both forms).
        u: bool,
        /// Quadword operation.
        q: bool,
        /// Destination D register.
        vd: u8,
        /// First operand D register.
        vn: u8,
        /// Second operand D register.
        vm: u8,
    },
    /// Three registers of different lengths.
    Long {
        /// Operation.
        op: LongOp,
        /// Narrow element size.
        size: Size,
        /// Unsigned.
        u: bool,
        /// Destination D register (a Q register unless narrowing).
        vd: u8,
        /// First operand D register.
        vn: u8,
        /// Second operand D register.
        vm: u8,
    },
    /// Two registers and a scalar.
    Scalar {
        /// Operation.
        op: ScalarOp,
        /// Element size (1 or 2).
        size: Size,
        /// Unsigned (long integer forms).
        u: bool,
        /// Quadword operation (non-long forms).
        q: bool,
        /// Destination D register.
        vd: u8,
        /// Vector operand D register.
        vn: u8,
        /// D register holding the scalar.
        vm: u8,
        /// Element index of the scalar in `vm`.
        index: u8,
    },
    /// Two registers and a shift amount.
    Shift {
        /// Operation.
        op: ShiftOp,
        /// Element size (narrow size for narrowing and widening ops).
        size: Size,
        /// Unsigned.
        u: bool,
        /// Quadword operation.
        q: bool,
        /// Destination D register.
        vd: u8,
        /// Source D register.
        vm: u8,
        /// Shift amount (or fraction bits for the fixed-point VCVT).
        shift: u8,
    },
    /// Two registers, miscellaneous.
    Misc {
        /// Operation.
        op: MiscOp,
        /// Element size.
        size: Size,
        /// Unsigned.
        u: bool,
        /// Quadword operation.
        q: bool,
        /// Destination D register.
        vd: u8,
        /// Source D register.
        vm: u8,
    },
    /// One register and a modified immediate (VMOV/VMVN/VORR/VBIC).
    Imm {
        /// Operation.
        op: ImmOp,
        /// Quadword operation.
        q: bool,
        /// Destination D register.
        vd: u8,
        /// The expanded immediate, inverted for VMVN and VBIC.
        imm: u64,
    },
    /// VEXT: bytes `imm..` of the concatenation Vm:Vn.
    Ext {
        /// Quadword operation.
        q: bool,
        /// Destination D register.
        vd: u8,
        /// Low operand D register.
        vn: u8,
        /// High operand D register.
        vm: u8,
        /// Starting byte.
        imm: u8,
    },
    /// VTBL / VTBX.
    Table {
        /// VTBX (out-of-range indices keep the destination byte).
        tbx: bool,
        /// Destination D register.
        vd: u8,
        /// First table D register.
        vn: u8,
        /// Number of table registers (1..=4).
        len: u8,
        /// Index D register.
        vm: u8,
    },
    /// VDUP (scalar).
    Dup {
        /// Quadword operation.
        q: bool,
        /// Element size.
        size: Size,
        /// Destination D register.
        vd: u8,
        /// Source D register.
        vm: u8,
        /// Element index.
        index: u8,
    },
    /// VLDn/VSTn (multiple n-element structures).
    Multi {
        /// Load (VLDn) rather than store.
        load: bool,
        /// Structure size n (1..=4).
        n: u8,
        /// Register blocks: registers per structure element (VLD1: 1..=4,
        /// VLD2: 1 or 2, else 1).
        regs: u8,
        /// Register spacing between structure members (1 or 2).
        inc: u8,
        /// Element size.
        size: Size,
        /// First D register.
        vd: u8,
        /// Base register.
        rn: Reg,
        /// Writeback.
        wb: Writeback,
        /// Alignment the encoding's hint requires of the base address, in
        /// bytes (1: none); a misaligned base is an alignment fault.
        align: u8,
    },
    /// VLDn/VSTn (single n-element structure to or from one lane).
    Lane {
        /// Load rather than store.
        load: bool,
        /// Structure size n (1..=4).
        n: u8,
        /// Register spacing (1 or 2).
        inc: u8,
        /// Element size (0..=2).
        size: Size,
        /// Lane index.
        index: u8,
        /// First D register.
        vd: u8,
        /// Base register.
        rn: Reg,
        /// Writeback.
        wb: Writeback,
        /// Alignment the encoding's hint requires of the base address, in
        /// bytes (1: none); a misaligned base is an alignment fault.
        align: u8,
    },
    /// VLDn (single n-element structure to all lanes).
    AllLanes {
        /// Structure size n (1..=4).
        n: u8,
        /// Registers per member (VLD1: 1 or 2, else 1).
        regs: u8,
        /// Register spacing (1 or 2).
        inc: u8,
        /// Element size (0..=2).
        size: Size,
        /// First D register.
        vd: u8,
        /// Base register.
        rn: Reg,
        /// Writeback.
        wb: Writeback,
        /// Alignment the encoding's hint requires of the base address, in
        /// bytes (1: none); a misaligned base is an alignment fault.
        align: u8,
    },
}
