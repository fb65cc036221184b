//! Decoding of Advanced SIMD (NEON) instructions (A32 encodings; the T32
//! caller converts its encodings to the A32 form first).
//!
//! One table line per encoding (DDI 0406C, A7.4 data processing and A7.7
//! element and structure loads and stores). Patterns name the fields for
//! the reader (`d` = D:Vd, `N`/`n` = N:Vn, `m` = M:Vm, `q` = Q, `u` = U,
//! `z` = size); the handlers take the register fields from their fixed
//! places in the raw word and resolve everything the interpreter needs
//! (element size, D-register numbers, shift amounts, expanded immediates).
//! Encodings the manual calls UNDEFINED (and the UNPREDICTABLE register
//! ranges past D31) decode to [`Op::Undefined`].

use std::sync::LazyLock;

use crate::arm::decoder::{Fields, Handler, Table};
use crate::ir::neon::{ImmOp, LongOp, MiscOp, NeonInsn, SameOp, ScalarOp, ShiftOp, Writeback};
use crate::ir::Op;

#[cfg(test)]
mod tests;

/// Decodes an Advanced SIMD data-processing (`1111 001U ...`) or
/// element/structure load-store (`1111 0100 xxx0 ...`) instruction in its A32
/// form. Returns `None` when `raw` is not in those spaces.
pub fn decode(raw: u32, pc: u32) -> Option<Op> {
    let dp = raw >> 25 == 0b111_1001;
    let ls = raw >> 24 == 0xf4 && raw & (1 << 20) == 0;
    if !dp && !ls {
        return None;
    }
    TABLE.decode(raw, pc, 0).map(|(_, op)| op)
}

/// The name of the table line `raw` matches (for diagnostics and tests).
pub fn name_of(raw: u32) -> Option<&'static str> {
    TABLE.name_of(raw)
}

type Line = (&'static str, &'static str, Handler);

static TABLE: LazyLock<Table> = LazyLock::new(|| Table::new(32, LINES));

use LongOp as L;
use MiscOp as M;
use SameOp as S;
use ScalarOp as C;
use ShiftOp as H;

#[rustfmt::skip]
pub(crate) static LINES: &[Line] = &[
    // Element and structure loads and stores (A7.7).
    ("VLDn/VSTn multiple",  "1111 0100 0d-0 nnnn dddd tttt zzaa mmmm", multi),
    ("VLDn all lanes",      "1111 0100 1d10 nnnn dddd 11kk zzta mmmm", all_lanes),
    ("VSTn all lanes",      "1111 0100 1d00 nnnn dddd 11-- ---- mmmm", undef),
    ("VLDn/VSTn lane",      "1111 0100 1d-0 nnnn dddd zzkk iiii mmmm", lane),

    // One register and a modified immediate (before the shifts it overlaps).
    ("VORR (imm)",          "1111 001i 1d00 0iii dddd 0cc1 0q01 iiii", mod_imm),
    ("VORR (imm)",          "1111 001i 1d00 0iii dddd 10c1 0q01 iiii", mod_imm),
    ("VBIC (imm)",          "1111 001i 1d00 0iii dddd 0cc1 0q11 iiii", mod_imm),
    ("VBIC (imm)",          "1111 001i 1d00 0iii dddd 10c1 0q11 iiii", mod_imm),
    ("VMOV/VMVN (imm)",     "1111 001i 1d00 0iii dddd cccc 0qo1 iiii", mod_imm),

    // Two registers and a shift amount.
    ("VSHR",                "1111 001u 1dii iiii dddd 0000 Lqm1 mmmm", |f| shift(f, H::Shr)),
    ("VSRA",                "1111 001u 1dii iiii dddd 0001 Lqm1 mmmm", |f| shift(f, H::Sra)),
    ("VRSHR",               "1111 001u 1dii iiii dddd 0010 Lqm1 mmmm", |f| shift(f, H::Rshr)),
    ("VRSRA",               "1111 001u 1dii iiii dddd 0011 Lqm1 mmmm", |f| shift(f, H::Rsra)),
    ("VSRI",                "1111 0011 1dii iiii dddd 0100 Lqm1 mmmm", |f| shift(f, H::Sri)),
    ("VSHL (imm)",          "1111 0010 1dii iiii dddd 0101 Lqm1 mmmm", |f| shift(f, H::Shl)),
    ("VSLI",                "1111 0011 1dii iiii dddd 0101 Lqm1 mmmm", |f| shift(f, H::Sli)),
    ("VQSHLU (imm)",        "1111 0011 1dii iiii dddd 0110 Lqm1 mmmm", |f| shift(f, H::Qshlu)),
    ("VQSHL (imm)",         "1111 001u 1dii iiii dddd 0111 Lqm1 mmmm", |f| shift(f, H::Qshl)),
    ("VSHRN",               "1111 0010 1dii iiii dddd 1000 00m1 mmmm", |f| shift(f, H::Shrn)),
    ("VRSHRN",              "1111 0010 1dii iiii dddd 1000 01m1 mmmm", |f| shift(f, H::Rshrn)),
    ("VQSHRUN",             "1111 0011 1dii iiii dddd 1000 00m1 mmmm", |f| shift(f, H::Qshrun)),
    ("VQRSHRUN",            "1111 0011 1dii iiii dddd 1000 01m1 mmmm", |f| shift(f, H::Qrshrun)),
    ("VQSHRN",              "1111 001u 1dii iiii dddd 1001 00m1 mmmm", |f| shift(f, H::Qshrn)),
    ("VQRSHRN",             "1111 001u 1dii iiii dddd 1001 01m1 mmmm", |f| shift(f, H::Qrshrn)),
    ("VSHLL/VMOVL",         "1111 001u 1dii iiii dddd 1010 00m1 mmmm", |f| shift(f, H::Shll)),
    ("VCVT (fixed, to f32)", "1111 001u 1dii iiii dddd 1110 0qm1 mmmm", |f| shift(f, H::CvtFromFixed)),
    ("VCVT (fixed, from f32)", "1111 001u 1dii iiii dddd 1111 0qm1 mmmm", |f| shift(f, H::CvtToFixed)),
    ("shift (undefined)",   "1111 001- 1--- ---- ---- ---- ---1 ----", undef),

    // size == 0b11 with bit 4 clear: VEXT, two registers misc, VTBL, VDUP.
    ("VEXT",                "1111 0010 1d11 nnnn dddd iiii Nqm0 mmmm", ext),
    ("VREV64",              "1111 0011 1d11 zz00 dddd 0000 0qm0 mmmm", |f| misc(f, M::Rev64)),
    ("VREV32",              "1111 0011 1d11 zz00 dddd 0000 1qm0 mmmm", |f| misc(f, M::Rev32)),
    ("VREV16",              "1111 0011 1d11 zz00 dddd 0001 0qm0 mmmm", |f| misc(f, M::Rev16)),
    ("VPADDL",              "1111 0011 1d11 zz00 dddd 0010 uqm0 mmmm", |f| misc(f, M::Paddl)),
    ("VCLS",                "1111 0011 1d11 zz00 dddd 0100 0qm0 mmmm", |f| misc(f, M::Cls)),
    ("VCLZ",                "1111 0011 1d11 zz00 dddd 0100 1qm0 mmmm", |f| misc(f, M::Clz)),
    ("VCNT",                "1111 0011 1d11 zz00 dddd 0101 0qm0 mmmm", |f| misc(f, M::Cnt)),
    ("VMVN (reg)",          "1111 0011 1d11 zz00 dddd 0101 1qm0 mmmm", |f| misc(f, M::Mvn)),
    ("VPADAL",              "1111 0011 1d11 zz00 dddd 0110 uqm0 mmmm", |f| misc(f, M::Padal)),
    ("VQABS",               "1111 0011 1d11 zz00 dddd 0111 0qm0 mmmm", |f| misc(f, M::Qabs)),
    ("VQNEG",               "1111 0011 1d11 zz00 dddd 0111 1qm0 mmmm", |f| misc(f, M::Qneg)),
    ("VCGT #0",             "1111 0011 1d11 zz01 dddd 0000 0qm0 mmmm", |f| misc(f, M::Cgt0)),
    ("VCGE #0",             "1111 0011 1d11 zz01 dddd 0000 1qm0 mmmm", |f| misc(f, M::Cge0)),
    ("VCEQ #0",             "1111 0011 1d11 zz01 dddd 0001 0qm0 mmmm", |f| misc(f, M::Ceq0)),
    ("VCLE #0",             "1111 0011 1d11 zz01 dddd 0001 1qm0 mmmm", |f| misc(f, M::Cle0)),
    ("VCLT #0",             "1111 0011 1d11 zz01 dddd 0010 0qm0 mmmm", |f| misc(f, M::Clt0)),
    ("VABS",                "1111 0011 1d11 zz01 dddd 0011 0qm0 mmmm", |f| misc(f, M::Abs)),
    ("VNEG",                "1111 0011 1d11 zz01 dddd 0011 1qm0 mmmm", |f| misc(f, M::Neg)),
    ("VCGT.F32 #0",         "1111 0011 1d11 zz01 dddd 0100 0qm0 mmmm", |f| misc(f, M::Fcgt0)),
    ("VCGE.F32 #0",         "1111 0011 1d11 zz01 dddd 0100 1qm0 mmmm", |f| misc(f, M::Fcge0)),
    ("VCEQ.F32 #0",         "1111 0011 1d11 zz01 dddd 0101 0qm0 mmmm", |f| misc(f, M::Fceq0)),
    ("VCLE.F32 #0",         "1111 0011 1d11 zz01 dddd 0101 1qm0 mmmm", |f| misc(f, M::Fcle0)),
    ("VCLT.F32 #0",         "1111 0011 1d11 zz01 dddd 0110 0qm0 mmmm", |f| misc(f, M::Fclt0)),
    ("VABS.F32",            "1111 0011 1d11 zz01 dddd 0111 0qm0 mmmm", |f| misc(f, M::Fabs)),
    ("VNEG.F32",            "1111 0011 1d11 zz01 dddd 0111 1qm0 mmmm", |f| misc(f, M::Fneg)),
    ("VSWP",                "1111 0011 1d11 zz10 dddd 0000 0qm0 mmmm", |f| misc(f, M::Swp)),
    ("VTRN",                "1111 0011 1d11 zz10 dddd 0000 1qm0 mmmm", |f| misc(f, M::Trn)),
    ("VUZP",                "1111 0011 1d11 zz10 dddd 0001 0qm0 mmmm", |f| misc(f, M::Uzp)),
    ("VZIP",                "1111 0011 1d11 zz10 dddd 0001 1qm0 mmmm", |f| misc(f, M::Zip)),
    ("VMOVN",               "1111 0011 1d11 zz10 dddd 0010 00m0 mmmm", |f| misc(f, M::Movn)),
    ("VQMOVUN",             "1111 0011 1d11 zz10 dddd 0010 01m0 mmmm", |f| misc(f, M::Qmovun)),
    ("VQMOVN",              "1111 0011 1d11 zz10 dddd 0010 1um0 mmmm", |f| misc(f, M::Qmovn)),
    ("VSHLL (max)",         "1111 0011 1d11 zz10 dddd 0011 00m0 mmmm", |f| misc(f, M::ShllMax)),
    ("VCVT.F16.F32",        "1111 0011 1d11 zz10 dddd 0110 00m0 mmmm", |f| misc(f, M::CvtF32ToF16)),
    ("VCVT.F32.F16",        "1111 0011 1d11 zz10 dddd 0111 00m0 mmmm", |f| misc(f, M::CvtF16ToF32)),
    ("VRECPE.U32",          "1111 0011 1d11 zz11 dddd 0100 0qm0 mmmm", |f| misc(f, M::Urecpe)),
    ("VRSQRTE.U32",         "1111 0011 1d11 zz11 dddd 0100 1qm0 mmmm", |f| misc(f, M::Ursqrte)),
    ("VRECPE.F32",          "1111 0011 1d11 zz11 dddd 0101 0qm0 mmmm", |f| misc(f, M::Frecpe)),
    ("VRSQRTE.F32",         "1111 0011 1d11 zz11 dddd 0101 1qm0 mmmm", |f| misc(f, M::Frsqrte)),
    ("VCVT.F32.xxx",        "1111 0011 1d11 zz11 dddd 0110 uqm0 mmmm", |f| misc(f, M::CvtFromInt)),
    ("VCVT.xxx.F32",        "1111 0011 1d11 zz11 dddd 0111 uqm0 mmmm", |f| misc(f, M::CvtToInt)),
    ("VTBL/VTBX",           "1111 0011 1d11 nnnn dddd 10kk Nxm0 mmmm", table),
    ("VDUP (scalar)",       "1111 0011 1d11 iiii dddd 1100 0qm0 mmmm", dup),
    ("size 11 (undefined)", "1111 001- 1-11 ---- ---- ---- ---0 ----", undef),

    // Three registers of different lengths (size != 0b11 by the lines above).
    ("VADDL",               "1111 001u 1dzz nnnn dddd 0000 N0m0 mmmm", |f| long(f, L::Addl)),
    ("VADDW",               "1111 001u 1dzz nnnn dddd 0001 N0m0 mmmm", |f| long(f, L::Addw)),
    ("VSUBL",               "1111 001u 1dzz nnnn dddd 0010 N0m0 mmmm", |f| long(f, L::Subl)),
    ("VSUBW",               "1111 001u 1dzz nnnn dddd 0011 N0m0 mmmm", |f| long(f, L::Subw)),
    ("VADDHN",              "1111 0010 1dzz nnnn dddd 0100 N0m0 mmmm", |f| long(f, L::Addhn)),
    ("VRADDHN",             "1111 0011 1dzz nnnn dddd 0100 N0m0 mmmm", |f| long(f, L::Raddhn)),
    ("VABAL",               "1111 001u 1dzz nnnn dddd 0101 N0m0 mmmm", |f| long(f, L::Abal)),
    ("VSUBHN",              "1111 0010 1dzz nnnn dddd 0110 N0m0 mmmm", |f| long(f, L::Subhn)),
    ("VRSUBHN",             "1111 0011 1dzz nnnn dddd 0110 N0m0 mmmm", |f| long(f, L::Rsubhn)),
    ("VABDL",               "1111 001u 1dzz nnnn dddd 0111 N0m0 mmmm", |f| long(f, L::Abdl)),
    ("VMLAL",               "1111 001u 1dzz nnnn dddd 1000 N0m0 mmmm", |f| long(f, L::Mlal)),
    ("VQDMLAL",             "1111 0010 1dzz nnnn dddd 1001 N0m0 mmmm", |f| long(f, L::Qdmlal)),
    ("VMLSL",               "1111 001u 1dzz nnnn dddd 1010 N0m0 mmmm", |f| long(f, L::Mlsl)),
    ("VQDMLSL",             "1111 0010 1dzz nnnn dddd 1011 N0m0 mmmm", |f| long(f, L::Qdmlsl)),
    ("VMULL",               "1111 001u 1dzz nnnn dddd 1100 N0m0 mmmm", |f| long(f, L::Mull)),
    ("VQDMULL",             "1111 0010 1dzz nnnn dddd 1101 N0m0 mmmm", |f| long(f, L::Qdmull)),
    ("VMULL.P8",            "1111 0010 1dzz nnnn dddd 1110 N0m0 mmmm", |f| long(f, L::Pmull)),

    // Two registers and a scalar.
    ("VMLA (scalar)",       "1111 001q 1dzz nnnn dddd 0000 N1m0 mmmm", |f| scalar(f, C::Mla)),
    ("VMLA.F32 (scalar)",   "1111 001q 1dzz nnnn dddd 0001 N1m0 mmmm", |f| scalar(f, C::Fmla)),
    ("VMLAL (scalar)",      "1111 001u 1dzz nnnn dddd 0010 N1m0 mmmm", |f| scalar(f, C::Mlal)),
    ("VQDMLAL (scalar)",    "1111 0010 1dzz nnnn dddd 0011 N1m0 mmmm", |f| scalar(f, C::Qdmlal)),
    ("VMLS (scalar)",       "1111 001q 1dzz nnnn dddd 0100 N1m0 mmmm", |f| scalar(f, C::Mls)),
    ("VMLS.F32 (scalar)",   "1111 001q 1dzz nnnn dddd 0101 N1m0 mmmm", |f| scalar(f, C::Fmls)),
    ("VMLSL (scalar)",      "1111 001u 1dzz nnnn dddd 0110 N1m0 mmmm", |f| scalar(f, C::Mlsl)),
    ("VQDMLSL (scalar)",    "1111 0010 1dzz nnnn dddd 0111 N1m0 mmmm", |f| scalar(f, C::Qdmlsl)),
    ("VMUL (scalar)",       "1111 001q 1dzz nnnn dddd 1000 N1m0 mmmm", |f| scalar(f, C::Mul)),
    ("VMUL.F32 (scalar)",   "1111 001q 1dzz nnnn dddd 1001 N1m0 mmmm", |f| scalar(f, C::Fmul)),
    ("VMULL (scalar)",      "1111 001u 1dzz nnnn dddd 1010 N1m0 mmmm", |f| scalar(f, C::Mull)),
    ("VQDMULL (scalar)",    "1111 0010 1dzz nnnn dddd 1011 N1m0 mmmm", |f| scalar(f, C::Qdmull)),
    ("VQDMULH (scalar)",    "1111 001q 1dzz nnnn dddd 1100 N1m0 mmmm", |f| scalar(f, C::Qdmulh)),
    ("VQRDMULH (scalar)",   "1111 001q 1dzz nnnn dddd 1101 N1m0 mmmm", |f| scalar(f, C::Qrdmulh)),

    // Three registers of the same length.
    ("VHADD",               "1111 001u 0dzz nnnn dddd 0000 Nqm0 mmmm", |f| same(f, S::Hadd)),
    ("VQADD",               "1111 001u 0dzz nnnn dddd 0000 Nqm1 mmmm", |f| same(f, S::Qadd)),
    ("VRHADD",              "1111 001u 0dzz nnnn dddd 0001 Nqm0 mmmm", |f| same(f, S::Rhadd)),
    ("VAND",                "1111 0010 0d00 nnnn dddd 0001 Nqm1 mmmm", |f| same(f, S::And)),
    ("VBIC (reg)",          "1111 0010 0d01 nnnn dddd 0001 Nqm1 mmmm", |f| same(f, S::Bic)),
    ("VORR (reg)",          "1111 0010 0d10 nnnn dddd 0001 Nqm1 mmmm", |f| same(f, S::Orr)),
    ("VORN (reg)",          "1111 0010 0d11 nnnn dddd 0001 Nqm1 mmmm", |f| same(f, S::Orn)),
    ("VEOR",                "1111 0011 0d00 nnnn dddd 0001 Nqm1 mmmm", |f| same(f, S::Eor)),
    ("VBSL",                "1111 0011 0d01 nnnn dddd 0001 Nqm1 mmmm", |f| same(f, S::Bsl)),
    ("VBIT",                "1111 0011 0d10 nnnn dddd 0001 Nqm1 mmmm", |f| same(f, S::Bit)),
    ("VBIF",                "1111 0011 0d11 nnnn dddd 0001 Nqm1 mmmm", |f| same(f, S::Bif)),
    ("VHSUB",               "1111 001u 0dzz nnnn dddd 0010 Nqm0 mmmm", |f| same(f, S::Hsub)),
    ("VQSUB",               "1111 001u 0dzz nnnn dddd 0010 Nqm1 mmmm", |f| same(f, S::Qsub)),
    ("VCGT (reg)",          "1111 001u 0dzz nnnn dddd 0011 Nqm0 mmmm", |f| same(f, S::Cgt)),
    ("VCGE (reg)",          "1111 001u 0dzz nnnn dddd 0011 Nqm1 mmmm", |f| same(f, S::Cge)),
    ("VSHL (reg)",          "1111 001u 0dzz nnnn dddd 0100 Nqm0 mmmm", |f| same(f, S::Shl)),
    ("VQSHL (reg)",         "1111 001u 0dzz nnnn dddd 0100 Nqm1 mmmm", |f| same(f, S::Qshl)),
    ("VRSHL",               "1111 001u 0dzz nnnn dddd 0101 Nqm0 mmmm", |f| same(f, S::Rshl)),
    ("VQRSHL",              "1111 001u 0dzz nnnn dddd 0101 Nqm1 mmmm", |f| same(f, S::Qrshl)),
    ("VMAX",                "1111 001u 0dzz nnnn dddd 0110 Nqm0 mmmm", |f| same(f, S::Max)),
    ("VMIN",                "1111 001u 0dzz nnnn dddd 0110 Nqm1 mmmm", |f| same(f, S::Min)),
    ("VABD",                "1111 001u 0dzz nnnn dddd 0111 Nqm0 mmmm", |f| same(f, S::Abd)),
    ("VABA",                "1111 001u 0dzz nnnn dddd 0111 Nqm1 mmmm", |f| same(f, S::Aba)),
    ("VADD",                "1111 0010 0dzz nnnn dddd 1000 Nqm0 mmmm", |f| same(f, S::Add)),
    ("VSUB",                "1111 0011 0dzz nnnn dddd 1000 Nqm0 mmmm", |f| same(f, S::Sub)),
    ("VTST",                "1111 0010 0dzz nnnn dddd 1000 Nqm1 mmmm", |f| same(f, S::Tst)),
    ("VCEQ (reg)",          "1111 0011 0dzz nnnn dddd 1000 Nqm1 mmmm", |f| same(f, S::Ceq)),
    ("VMLA",                "1111 0010 0dzz nnnn dddd 1001 Nqm0 mmmm", |f| same(f, S::Mla)),
    ("VMLS",                "1111 0011 0dzz nnnn dddd 1001 Nqm0 mmmm", |f| same(f, S::Mls)),
    ("VMUL",                "1111 0010 0dzz nnnn dddd 1001 Nqm1 mmmm", |f| same(f, S::Mul)),
    ("VMUL.P8",             "1111 0011 0dzz nnnn dddd 1001 Nqm1 mmmm", |f| same(f, S::Pmul)),
    ("VPMAX",               "1111 001u 0dzz nnnn dddd 1010 Nqm0 mmmm", |f| same(f, S::Pmax)),
    ("VPMIN",               "1111 001u 0dzz nnnn dddd 1010 Nqm1 mmmm", |f| same(f, S::Pmin)),
    ("VQDMULH",             "1111 0010 0dzz nnnn dddd 1011 Nqm0 mmmm", |f| same(f, S::Qdmulh)),
    ("VQRDMULH",            "1111 0011 0dzz nnnn dddd 1011 Nqm0 mmmm", |f| same(f, S::Qrdmulh)),
    ("VPADD",               "1111 0010 0dzz nnnn dddd 1011 Nqm1 mmmm", |f| same(f, S::Padd)),
    ("VFMA.F32",            "1111 0010 0d0z nnnn dddd 1100 Nqm1 mmmm", |f| same(f, S::Fma)),
    ("VFMS.F32",            "1111 0010 0d1z nnnn dddd 1100 Nqm1 mmmm", |f| same(f, S::Fms)),
    ("VADD.F32",            "1111 0010 0d0z nnnn dddd 1101 Nqm0 mmmm", |f| same(f, S::Fadd)),
    ("VSUB.F32",            "1111 0010 0d1z nnnn dddd 1101 Nqm0 mmmm", |f| same(f, S::Fsub)),
    ("VPADD.F32",           "1111 0011 0d0z nnnn dddd 1101 Nqm0 mmmm", |f| same(f, S::Fpadd)),
    ("VABD.F32",            "1111 0011 0d1z nnnn dddd 1101 Nqm0 mmmm", |f| same(f, S::Fabd)),
    ("VMLA.F32",            "1111 0010 0d0z nnnn dddd 1101 Nqm1 mmmm", |f| same(f, S::Fmla)),
    ("VMLS.F32",            "1111 0010 0d1z nnnn dddd 1101 Nqm1 mmmm", |f| same(f, S::Fmls)),
    ("VMUL.F32",            "1111 0011 0d0z nnnn dddd 1101 Nqm1 mmmm", |f| same(f, S::Fmul)),
    ("VCEQ.F32",            "1111 0010 0d0z nnnn dddd 1110 Nqm0 mmmm", |f| same(f, S::Fceq)),
    ("VCGE.F32",            "1111 0011 0d0z nnnn dddd 1110 Nqm0 mmmm", |f| same(f, S::Fcge)),
    ("VCGT.F32",            "1111 0011 0d1z nnnn dddd 1110 Nqm0 mmmm", |f| same(f, S::Fcgt)),
    ("VACGE.F32",           "1111 0011 0d0z nnnn dddd 1110 Nqm1 mmmm", |f| same(f, S::Facge)),
    ("VACGT.F32",           "1111 0011 0d1z nnnn dddd 1110 Nqm1 mmmm", |f| same(f, S::Facgt)),
    ("VMAX.F32",            "1111 0010 0d0z nnnn dddd 1111 Nqm0 mmmm", |f| same(f, S::Fmax)),
    ("VMIN.F32",            "1111 0010 0d1z nnnn dddd 1111 Nqm0 mmmm", |f| same(f, S::Fmin)),
    ("VPMAX.F32",           "1111 0011 0d0z nnnn dddd 1111 Nqm0 mmmm", |f| same(f, S::Fpmax)),
    ("VPMIN.F32",           "1111 0011 0d1z nnnn dddd 1111 Nqm0 mmmm", |f| same(f, S::Fpmin)),
    ("VRECPS.F32",          "1111 0010 0d0z nnnn dddd 1111 Nqm1 mmmm", |f| same(f, S::Recps)),
    ("VRSQRTS.F32",         "1111 0010 0d1z nnnn dddd 1111 Nqm1 mmmm", |f| same(f, S::Rsqrts)),

    // Whatever is left of the two spaces.
    ("NEON (undefined)",    "1111 001- ---- ---- ---- ---- ---- ----", undef),
    ("NEON ld/st (undefined)", "1111 0100 ---0 ---- ---- ---- ---- ----", undef),
];

/// Bits `hi..=lo` of `raw`.
fn bits(raw: u32, hi: u32, lo: u32) -> u32 {
    (raw >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// Bit `n` of `raw` as a bool.
fn bit(raw: u32, n: u32) -> bool {
    raw & (1 << n) != 0
}

/// D:Vd.
fn vd(raw: u32) -> u8 {
    (bits(raw, 22, 22) << 4 | bits(raw, 15, 12)) as u8
}

/// N:Vn.
fn vn(raw: u32) -> u8 {
    (bits(raw, 7, 7) << 4 | bits(raw, 19, 16)) as u8
}

/// M:Vm.
fn vm(raw: u32) -> u8 {
    (bits(raw, 5, 5) << 4 | bits(raw, 3, 0)) as u8
}

fn neon(insn: NeonInsn) -> Op {
    Op::Neon(Box::new(insn))
}

fn undef(f: &Fields) -> Op {
    f.undefined()
}

/// Whether any of `regs` is odd (a Q operand must be an even D register).
fn odd(regs: &[u8]) -> bool {
    regs.iter().any(|r| r & 1 != 0)
}

fn same(f: &Fields, op: SameOp) -> Op {
    let raw = f.raw;
    let (q, u, z) = (bit(raw, 6), bit(raw, 24), bits(raw, 21, 20) as u8);
    let (d, n, m) = (vd(raw), vn(raw), vm(raw));
    if q && odd(&[d, n, m]) {
        return f.undefined();
    }
    use SameOp::*;
    let size = match op {
        And | Bic | Orr | Orn | Eor | Bsl | Bit | Bif => 3,
        Qadd | Qsub | Shl | Qshl | Rshl | Qrshl | Add | Sub => z,
        Hadd | Rhadd | Hsub | Cgt | Cge | Max | Min | Abd | Aba | Tst | Ceq | Mla | Mls | Mul
            if z != 3 =>
        {
            z
        }
        Pmax | Pmin | Padd if z != 3 && !q => z,
        Pmul if z == 0 => 0,
        Qdmulh | Qrdmulh if z == 1 || z == 2 => z,
        Fpadd | Fpmax | Fpmin if z & 1 == 0 && !q => 2,
        Fma | Fms | Fadd | Fsub | Fabd | Fmla | Fmls | Fmul | Fceq | Fcge | Fcgt | Facge
        | Facgt | Fmax | Fmin | Recps | Rsqrts
            if z & 1 == 0 =>
        {
            2
        }
        _ => return f.undefined(),
    };
    neon(NeonInsn::Same {
        op,
        size,
        u,
        q,
        vd: d,
        vn: n,
        vm: m,
    })
}

fn long(f: &Fields, op: LongOp) -> Op {
    let raw = f.raw;
    let (u, size) = (bit(raw, 24), bits(raw, 21, 20) as u8);
    let (d, n, m) = (vd(raw), vn(raw), vm(raw));
    use LongOp::*;
    let bad = match op {
        Addl | Subl | Abal | Abdl | Mlal | Mlsl | Mull => odd(&[d]),
        Addw | Subw => odd(&[d, n]),
        Addhn | Raddhn | Subhn | Rsubhn => odd(&[n, m]),
        Qdmlal | Qdmlsl | Qdmull => size == 0 || odd(&[d]),
        Pmull => size != 0 || odd(&[d]),
    };
    if bad {
        return f.undefined();
    }
    neon(NeonInsn::Long {
        op,
        size,
        u,
        vd: d,
        vn: n,
        vm: m,
    })
}

fn scalar(f: &Fields, op: ScalarOp) -> Op {
    let raw = f.raw;
    let size = bits(raw, 21, 20) as u8;
    let (d, n) = (vd(raw), vn(raw));
    let (m, index) = match size {
        1 => (bits(raw, 2, 0), bits(raw, 5, 5) << 1 | bits(raw, 3, 3)),
        2 => (bits(raw, 3, 0), bits(raw, 5, 5)),
        _ => return f.undefined(),
    };
    use ScalarOp::*;
    let long = matches!(op, Mlal | Mlsl | Mull | Qdmlal | Qdmlsl | Qdmull);
    let q = !long && bit(raw, 24);
    let u = long && bit(raw, 24);
    let bad = if long {
        odd(&[d])
    } else {
        (q && odd(&[d, n])) || (matches!(op, Fmla | Fmls | Fmul) && size != 2)
    };
    if bad {
        return f.undefined();
    }
    neon(NeonInsn::Scalar {
        op,
        size,
        u,
        q,
        vd: d,
        vn: n,
        vm: m as u8,
        index: index as u8,
    })
}

fn shift(f: &Fields, op: ShiftOp) -> Op {
    let raw = f.raw;
    let (u, q, l) = (bit(raw, 24), bit(raw, 6), bit(raw, 7));
    let imm6 = bits(raw, 21, 16);
    let (d, m) = (vd(raw), vm(raw));
    let size: u8 = if l {
        3
    } else if imm6 >= 32 {
        2
    } else if imm6 >= 16 {
        1
    } else {
        0
    };
    let esize = 8u32 << size;
    let li = (l as u32) << 6 | imm6;
    use ShiftOp::*;
    let (shift, bad) = match op {
        Shr | Sra | Rshr | Rsra | Sri => (2 * esize - li, q && odd(&[d, m])),
        Shl | Sli | Qshl | Qshlu => (li - esize, q && odd(&[d, m])),
        Shrn | Rshrn | Qshrn | Qrshrn | Qshrun | Qrshrun => (2 * esize - imm6, odd(&[m])),
        Shll => (imm6 - esize, odd(&[d])),
        CvtFromFixed | CvtToFixed => (64u32.saturating_sub(imm6), imm6 < 32 || (q && odd(&[d, m]))),
    };
    if bad {
        return f.undefined();
    }
    neon(NeonInsn::Shift {
        op,
        size,
        u,
        q: q && !matches!(op, Shrn | Rshrn | Qshrn | Qrshrn | Qshrun | Qrshrun | Shll),
        vd: d,
        vm: m,
        shift: shift as u8,
    })
}

fn misc(f: &Fields, op: MiscOp) -> Op {
    let raw = f.raw;
    let (size, q) = (bits(raw, 19, 18) as u8, bit(raw, 6));
    let (d, m) = (vd(raw), vm(raw));
    use MiscOp::*;
    let u = match op {
        Paddl | Padal | CvtFromInt | CvtToInt => bit(raw, 7),
        Qmovn => bit(raw, 6),
        _ => false,
    };
    let ok = match op {
        Rev64 => size != 3,
        Rev32 => size < 2,
        Rev16 => size == 0,
        Paddl | Padal | Cls | Clz | Qabs | Qneg | Cgt0 | Cge0 | Ceq0 | Cle0 | Clt0 | Abs | Neg
        | Trn => size != 3,
        Cnt | Mvn | Swp => size == 0,
        Uzp | Zip => size != 3 && (q || size != 2),
        Fcgt0 | Fcge0 | Fceq0 | Fcle0 | Fclt0 | Fabs | Fneg => size == 2,
        Urecpe | Ursqrte | Frecpe | Frsqrte | CvtFromInt | CvtToInt => size == 2,
        Movn | Qmovn | Qmovun => size != 3 && !odd(&[m]),
        ShllMax => size != 3 && !odd(&[d]),
        CvtF32ToF16 => size == 1 && !odd(&[m]),
        CvtF16ToF32 => size == 1 && !odd(&[d]),
    };
    let wide = matches!(
        op,
        Movn | Qmovn | Qmovun | ShllMax | CvtF32ToF16 | CvtF16ToF32
    );
    if !ok || (!wide && q && odd(&[d, m])) {
        return f.undefined();
    }
    neon(NeonInsn::Misc {
        op,
        size,
        u,
        q: q && !wide,
        vd: d,
        vm: m,
    })
}

/// AdvSIMDExpandImm (A7.4.6) for `op`, `cmode` and `imm8`; `None` for the
/// UNDEFINED `op == 1, cmode == 1111`.
pub fn expand_imm(op: bool, cmode: u32, imm8: u32) -> Option<u64> {
    let i = imm8 as u64;
    let rep2 = |w: u64| w | w << 32;
    let rep4 = |h: u64| h | h << 16 | h << 32 | h << 48;
    Some(match cmode >> 1 {
        0 => rep2(i),
        1 => rep2(i << 8),
        2 => rep2(i << 16),
        3 => rep2(i << 24),
        4 => rep4(i),
        5 => rep4(i << 8),
        6 if cmode & 1 == 0 => rep2(i << 8 | 0xff),
        6 => rep2(i << 16 | 0xffff),
        _ if cmode & 1 == 0 && !op => i * 0x0101_0101_0101_0101,
        _ if cmode & 1 == 0 => (0..8).fold(0u64, |acc, b| {
            acc | if imm8 >> b & 1 != 0 {
                0xff << (8 * b)
            } else {
                0
            }
        }),
        _ if !op => {
            let (a, b, rest) = (i >> 7 & 1, i >> 6 & 1, i & 0x3f);
            rep2(a << 31 | (b ^ 1) << 30 | (b * 0x1f) << 25 | rest << 19)
        }
        _ => return None,
    })
}

fn mod_imm(f: &Fields) -> Op {
    let raw = f.raw;
    let (q, op, cmode) = (bit(raw, 6), bit(raw, 5), bits(raw, 11, 8));
    let imm8 = bits(raw, 24, 24) << 7 | bits(raw, 18, 16) << 4 | bits(raw, 3, 0);
    let d = vd(raw);
    let Some(imm) = expand_imm(op, cmode, imm8) else {
        return f.undefined();
    };
    if q && odd(&[d]) {
        return f.undefined();
    }
    let orr_bic = cmode & 1 == 1 && cmode < 12;
    let (kind, imm) = match (op, orr_bic) {
        (false, true) => (ImmOp::Orr, imm),
        (true, true) => (ImmOp::And, !imm),
        (true, false) if cmode != 14 => (ImmOp::Mov, !imm),
        _ => (ImmOp::Mov, imm),
    };
    neon(NeonInsn::Imm {
        op: kind,
        q,
        vd: d,
        imm,
    })
}

fn ext(f: &Fields) -> Op {
    let raw = f.raw;
    let (q, imm) = (bit(raw, 6), bits(raw, 11, 8) as u8);
    let (d, n, m) = (vd(raw), vn(raw), vm(raw));
    if (q && odd(&[d, n, m])) || (!q && imm > 7) {
        return f.undefined();
    }
    neon(NeonInsn::Ext {
        q,
        vd: d,
        vn: n,
        vm: m,
        imm,
    })
}

fn table(f: &Fields) -> Op {
    let raw = f.raw;
    let len = bits(raw, 9, 8) as u8 + 1;
    let n = vn(raw);
    if n + len > 32 {
        return f.undefined();
    }
    neon(NeonInsn::Table {
        tbx: bit(raw, 6),
        vd: vd(raw),
        vn: n,
        len,
        vm: vm(raw),
    })
}

fn dup(f: &Fields) -> Op {
    let raw = f.raw;
    let (q, imm4) = (bit(raw, 6), bits(raw, 19, 16));
    let (size, index) = if imm4 & 1 != 0 {
        (0, imm4 >> 1)
    } else if imm4 & 2 != 0 {
        (1, imm4 >> 2)
    } else if imm4 & 4 != 0 {
        (2, imm4 >> 3)
    } else {
        return f.undefined();
    };
    let d = vd(raw);
    if q && odd(&[d]) {
        return f.undefined();
    }
    neon(NeonInsn::Dup {
        q,
        size,
        vd: d,
        vm: vm(raw),
        index: index as u8,
    })
}

/// The writeback for base-register field `rm`, `bytes` transferred.
fn writeback(rm: u32, bytes: u32) -> Writeback {
    match rm {
        15 => Writeback::None,
        13 => Writeback::Fixed(bytes as u8),
        r => Writeback::Reg(r as u8),
    }
}

fn multi(f: &Fields) -> Op {
    let raw = f.raw;
    let (load, ty, size, align) = (
        bit(raw, 21),
        bits(raw, 11, 8),
        bits(raw, 7, 6) as u8,
        bits(raw, 5, 4),
    );
    let (n, regs, inc, ok) = match ty {
        0b0111 => (1, 1, 1, align & 2 == 0),
        0b1010 => (1, 2, 1, align != 3),
        0b0110 => (1, 3, 1, align & 2 == 0),
        0b0010 => (1, 4, 1, true),
        0b1000 => (2, 1, 1, size != 3 && align != 3),
        0b1001 => (2, 1, 2, size != 3 && align != 3),
        0b0011 => (2, 2, 2, size != 3),
        0b0100 => (3, 1, 1, size != 3 && align & 2 == 0),
        0b0101 => (3, 1, 2, size != 3 && align & 2 == 0),
        0b0000 => (4, 1, 1, size != 3),
        0b0001 => (4, 1, 2, size != 3),
        _ => (0, 0, 0, false),
    };
    let d = vd(raw);
    if !ok || d as u32 + (n - 1) * inc + regs > 32 {
        return f.undefined();
    }
    neon(NeonInsn::Multi {
        load,
        n: n as u8,
        regs: regs as u8,
        inc: inc as u8,
        size,
        vd: d,
        rn: bits(raw, 19, 16) as u8,
        wb: writeback(bits(raw, 3, 0), 8 * n * regs),
        // align 00: none, else 64 << align bits.
        align: if align == 0 { 1 } else { 4 << align },
    })
}

fn lane(f: &Fields) -> Op {
    let raw = f.raw;
    let (load, size, n, ia) = (
        bit(raw, 21),
        bits(raw, 11, 10),
        bits(raw, 9, 8) + 1,
        bits(raw, 7, 4),
    );
    let index = ia >> (size + 1);
    let spaced = |b: u32| if ia >> b & 1 != 0 { 2 } else { 1 };
    let (inc, ok) = match (n, size) {
        (1, 0) => (1, ia & 1 == 0),
        (1, 1) => (1, ia & 2 == 0),
        (1, _) => (1, ia & 4 == 0 && (ia & 3 == 0 || ia & 3 == 3)),
        (2, 0) => (1, true),
        (2, 1) => (spaced(1), true),
        (2, _) => (spaced(2), ia & 2 == 0),
        (3, 0) => (1, ia & 1 == 0),
        (3, 1) => (spaced(1), ia & 1 == 0),
        (3, _) => (spaced(2), ia & 3 == 0),
        (_, 0) => (1, true),
        (_, 1) => (spaced(1), true),
        (_, _) => (spaced(2), ia & 3 != 3),
    };
    let d = vd(raw);
    if !ok || d as u32 + (n - 1) * inc > 31 {
        return f.undefined();
    }
    neon(NeonInsn::Lane {
        load,
        n: n as u8,
        inc: inc as u8,
        size: size as u8,
        index: index as u8,
        vd: d,
        rn: bits(raw, 19, 16) as u8,
        wb: writeback(bits(raw, 3, 0), n << size),
        align: lane_alignment(n, size, ia),
    })
}

fn all_lanes(f: &Fields) -> Op {
    let raw = f.raw;
    let (n, mut size, t, a) = (
        bits(raw, 9, 8) + 1,
        bits(raw, 7, 6),
        bit(raw, 5),
        bit(raw, 4),
    );
    let spacing = if t { 2 } else { 1 };
    let (regs, inc, ok) = match n {
        1 => (spacing, 1, size != 3 && !(size == 0 && a)),
        2 => (1, spacing, size != 3),
        3 => (1, spacing, size != 3 && !a),
        _ => (1, spacing, size != 3 || a),
    };
    if n == 4 && size == 3 {
        size = 2;
    }
    let d = vd(raw);
    if !ok || d as u32 + (n - 1) * inc + regs > 32 {
        return f.undefined();
    }
    neon(NeonInsn::AllLanes {
        n: n as u8,
        regs: regs as u8,
        inc: inc as u8,
        size: size as u8,
        vd: d,
        rn: bits(raw, 19, 16) as u8,
        wb: writeback(bits(raw, 3, 0), n << size),
        align: match (n, a) {
            (_, false) => 1,
            (1, true) => 1 << size,
            (2, true) => 2 << size,
            (4, true) if size == 0 => 4,
            (4, true) if size == 1 => 8,
            (4, true) => 8 << (raw >> 6 & 3 == 3) as u32,
            _ => 1,
        },
    })
}

/// The alignment a single-lane VLDn/VSTn's index_align field requires.
fn lane_alignment(n: u32, size: u32, ia: u32) -> u8 {
    let low = ia & 1 != 0;
    match (n, size) {
        (1, 1) if low => 2,
        (1, 2) if ia & 3 == 3 => 4,
        (2, s) if low => 2 << s,
        (4, 0) if low => 4,
        (4, 1) if low => 8,
        (4, 2) if ia & 3 == 1 => 8,
        (4, 2) if ia & 3 == 2 => 16,
        _ => 1,
    }
}
