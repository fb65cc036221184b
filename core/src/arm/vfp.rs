//! Decoding of VFP instructions: the cp10/cp11 coprocessor space
//! (VFPv3-D32 and VFPv4 scalar floating point, extension register loads and
//! stores, and the core <-> extension register transfers, including the
//! 8/16/32-bit scalar moves and VDUP from a core register).
//!
//! One table line per encoding, in the A32 form (the condition field is
//! ignored: the caller attaches it). T32 encodings are identical apart from
//! the top nibble (0b1110), so the T32 decoder passes
//! `(raw & 0x0fff_ffff) | 0xe000_0000` to [`decode_t32`], which differs from
//! [`decode`] only in how PC reads for PC-relative VLDR/VSTR.
//!
//! UNPREDICTABLE encodings (register lists running past D31, Rt = PC for a
//! transfer, ...) decode to `Op::Undefined`.

use std::sync::LazyLock;

use crate::arm::decoder::{Fields, Table};
use crate::fp;
use crate::ir::vfp::{ArithOp, SysReg, UnaryOp, VfpInsn};
use crate::ir::{Op, PC};

/// The decode table: `(name, pattern, handler)`. Letter legend: `s` sz
/// (double precision), `D`/`d` the high/low parts of the destination
/// register, `N`/`n` and `M`/`m` likewise for the operands, `t`/`u` core
/// registers, `i` immediates, `L` load (or to-core) direction.
#[rustfmt::skip]
static TABLE: LazyLock<Table> = LazyLock::new(|| Table::new(32, &[
    // Data processing: three registers.
    ("VMLA",        "---- 1110 0D00 nnnn dddd 101s N0M0 mmmm", |f| arith(f, ArithOp::Mla)),
    ("VMLS",        "---- 1110 0D00 nnnn dddd 101s N1M0 mmmm", |f| arith(f, ArithOp::Mls)),
    ("VNMLS",       "---- 1110 0D01 nnnn dddd 101s N0M0 mmmm", |f| arith(f, ArithOp::Nmls)),
    ("VNMLA",       "---- 1110 0D01 nnnn dddd 101s N1M0 mmmm", |f| arith(f, ArithOp::Nmla)),
    ("VMUL",        "---- 1110 0D10 nnnn dddd 101s N0M0 mmmm", |f| arith(f, ArithOp::Mul)),
    ("VNMUL",       "---- 1110 0D10 nnnn dddd 101s N1M0 mmmm", |f| arith(f, ArithOp::Nmul)),
    ("VADD",        "---- 1110 0D11 nnnn dddd 101s N0M0 mmmm", |f| arith(f, ArithOp::Add)),
    ("VSUB",        "---- 1110 0D11 nnnn dddd 101s N1M0 mmmm", |f| arith(f, ArithOp::Sub)),
    ("VDIV",        "---- 1110 1D00 nnnn dddd 101s N0M0 mmmm", |f| arith(f, ArithOp::Div)),
    ("VFNMS",       "---- 1110 1D01 nnnn dddd 101s N0M0 mmmm", |f| arith(f, ArithOp::Fnms)),
    ("VFNMA",       "---- 1110 1D01 nnnn dddd 101s N1M0 mmmm", |f| arith(f, ArithOp::Fnma)),
    ("VFMA",        "---- 1110 1D10 nnnn dddd 101s N0M0 mmmm", |f| arith(f, ArithOp::Fma)),
    ("VFMS",        "---- 1110 1D10 nnnn dddd 101s N1M0 mmmm", |f| arith(f, ArithOp::Fms)),
    // Data processing: the "other" opcodes (opc1 = 1x11).
    ("VMOV (imm)",  "---- 1110 1D11 iiii dddd 101s 0000 jjjj", mov_imm),
    ("VMOV (reg)",  "---- 1110 1D11 0000 dddd 101s 01M0 mmmm", |f| unary(f, UnaryOp::Mov)),
    ("VABS",        "---- 1110 1D11 0000 dddd 101s 11M0 mmmm", |f| unary(f, UnaryOp::Abs)),
    ("VNEG",        "---- 1110 1D11 0001 dddd 101s 01M0 mmmm", |f| unary(f, UnaryOp::Neg)),
    ("VSQRT",       "---- 1110 1D11 0001 dddd 101s 11M0 mmmm", |f| unary(f, UnaryOp::Sqrt)),
    ("VCVTB/T",     "---- 1110 1D11 001o dddd 1010 T1M0 mmmm", cvt_half),
    ("VCMP",        "---- 1110 1D11 0100 dddd 101s E1M0 mmmm", cmp),
    ("VCMP #0",     "---- 1110 1D11 0101 dddd 101s E100 0000", cmp_zero),
    ("VCVT F64/F32","---- 1110 1D11 0111 dddd 101s 11M0 mmmm", cvt_prec),
    ("VCVT from int","---- 1110 1D11 1000 dddd 101s o1M0 mmmm", cvt_from_int),
    ("VCVT to int", "---- 1110 1D11 110o dddd 101s r1M0 mmmm", cvt_to_int),
    ("VCVT fixed",  "---- 1110 1D11 1o1u dddd 101s x1j0 iiii", cvt_fixed),
    // Extension register loads and stores.
    ("VLDR/VSTR",   "---- 1101 UD0L nnnn dddd 101s iiii iiii", ldr_str),
    ("VLDM/VSTM IA","---- 1100 1DWL nnnn dddd 101s iiii iiii", |f| multiple(f, true)),
    ("VLDM/VSTM DB","---- 1101 0D1L nnnn dddd 101s iiii iiii", |f| multiple(f, false)),
    ("VMOV 2 core", "---- 1100 010L uuuu tttt 101s 00M1 mmmm", mov_core2),
    // 8, 16 and 32-bit transfers.
    ("VMOV core/S", "---- 1110 000L nnnn tttt 1010 N001 0000", mov_core_s),
    ("VMSR",        "---- 1110 1110 rrrr tttt 1010 0001 0000", vmsr),
    ("VMRS",        "---- 1110 1111 rrrr tttt 1010 0001 0000", vmrs),
    ("VMOV to scalar","---- 1110 0oo0 dddd tttt 1011 Dpp1 0000", mov_to_scalar),
    ("VDUP (core)", "---- 1110 1bq0 dddd tttt 1011 D0e1 0000", dup),
    ("VMOV scalar to core","---- 1110 Uoo1 nnnn tttt 1011 Npp1 0000", mov_from_scalar),
]));

/// Decodes a VFP instruction given in its A32 form (for T32, use
/// [`decode_t32`]). Returns `None` when `raw` is not in the cp10/cp11
/// space, and `Op::Undefined` for an unallocated or UNPREDICTABLE encoding
/// inside it.
pub fn decode(raw: u32, pc: u32) -> Option<Op> {
    decode_with_pc(raw, pc, 8)
}

/// Decodes a T32 VFP instruction passed as `(raw & 0x0fff_ffff) |
/// 0xe000_0000`. The same as [`decode`] except that PC-relative VLDR/VSTR
/// read PC as Align(pc + 4, 4).
pub fn decode_t32(raw: u32, pc: u32) -> Option<Op> {
    decode_with_pc(raw, pc, 4)
}

/// The name of the table line matching `raw` (for tests and `-d` output).
pub fn name_of(raw: u32) -> Option<&'static str> {
    TABLE.name_of(raw)
}

fn in_space(raw: u32) -> bool {
    let coproc = raw >> 25 & 7 == 0b110 || raw >> 24 & 0xf == 0b1110;
    coproc && raw >> 9 & 7 == 0b101
}

fn decode_with_pc(raw: u32, pc: u32, pc_offset: u32) -> Option<Op> {
    if !in_space(raw) {
        return None;
    }
    let Some((_, op)) = TABLE.decode(raw, pc, 0) else {
        return Some(Op::Undefined { raw });
    };
    // Resolve PC-relative VLDR/VSTR to an absolute address.
    if let Op::Vfp(insn) = op {
        let mut insn = insn;
        if let VfpInsn::LoadStore { rn, offset, .. } = &mut *insn {
            if *rn == Some(PC) {
                let base = pc.wrapping_add(pc_offset) & !3;
                *offset = base.wrapping_add(*offset as u32) as i32;
                *rn = None;
            }
        }
        return Some(Op::Vfp(insn));
    }
    Some(op)
}

fn vfp(insn: VfpInsn) -> Op {
    Op::Vfp(Box::new(insn))
}

/// A register number from its one-bit (`hi`) and four-bit (`lo`) fields:
/// `hi:lo` for D registers, `lo:hi` for S registers.
fn vreg(f: &Fields, hi: char, lo: char, dp: bool) -> u8 {
    let (h, l) = (f.get(hi), f.get(lo));
    (if dp { h << 4 | l } else { l << 1 | h }) as u8
}

fn arith(f: &Fields, op: ArithOp) -> Op {
    let dp = f.bit('s');
    vfp(VfpInsn::Arith {
        op,
        dp,
        vd: vreg(f, 'D', 'd', dp),
        vn: vreg(f, 'N', 'n', dp),
        vm: vreg(f, 'M', 'm', dp),
    })
}

fn unary(f: &Fields, op: UnaryOp) -> Op {
    let dp = f.bit('s');
    vfp(VfpInsn::Unary {
        op,
        dp,
        vd: vreg(f, 'D', 'd', dp),
        vm: vreg(f, 'M', 'm', dp),
    })
}

fn mov_imm(f: &Fields) -> Op {
    let dp = f.bit('s');
    let imm8 = f.get('i') << 4 | f.get('j');
    vfp(VfpInsn::MovImm {
        dp,
        vd: vreg(f, 'D', 'd', dp),
        bits: fp::expand_imm(if dp { fp::F64 } else { fp::F32 }, imm8),
    })
}

fn cvt_half(f: &Fields) -> Op {
    vfp(VfpInsn::CvtHalf {
        to_half: f.bit('o'),
        top: f.bit('T'),
        sd: vreg(f, 'D', 'd', false),
        sm: vreg(f, 'M', 'm', false),
    })
}

fn cmp(f: &Fields) -> Op {
    let dp = f.bit('s');
    vfp(VfpInsn::Cmp {
        dp,
        e: f.bit('E'),
        vd: vreg(f, 'D', 'd', dp),
        vm: Some(vreg(f, 'M', 'm', dp)),
    })
}

fn cmp_zero(f: &Fields) -> Op {
    let dp = f.bit('s');
    vfp(VfpInsn::Cmp {
        dp,
        e: f.bit('E'),
        vd: vreg(f, 'D', 'd', dp),
        vm: None,
    })
}

fn cvt_prec(f: &Fields) -> Op {
    // sz = 0: VCVT.F64.F32 Dd, Sm; sz = 1: VCVT.F32.F64 Sd, Dm.
    let from_dp = f.bit('s');
    vfp(VfpInsn::CvtPrec {
        to_dp: !from_dp,
        vd: vreg(f, 'D', 'd', !from_dp),
        vm: vreg(f, 'M', 'm', from_dp),
    })
}

fn cvt_from_int(f: &Fields) -> Op {
    let dp = f.bit('s');
    vfp(VfpInsn::CvtFromInt {
        dp,
        signed: f.bit('o'),
        vd: vreg(f, 'D', 'd', dp),
        sm: vreg(f, 'M', 'm', false),
    })
}

fn cvt_to_int(f: &Fields) -> Op {
    let dp = f.bit('s');
    vfp(VfpInsn::CvtToInt {
        dp,
        signed: f.bit('o'),
        round_zero: f.bit('r'),
        sd: vreg(f, 'D', 'd', false),
        vm: vreg(f, 'M', 'm', dp),
    })
}

fn cvt_fixed(f: &Fields) -> Op {
    let dp = f.bit('s');
    let size = if f.bit('x') { 32 } else { 16 };
    let imm5 = f.get('i') << 1 | f.get('j');
    if imm5 > size {
        return f.undefined();
    }
    vfp(VfpInsn::CvtFixed {
        to_fixed: f.bit('o'),
        dp,
        signed: !f.bit('u'),
        half: size == 16,
        vd: vreg(f, 'D', 'd', dp),
        fbits: (size - imm5) as u8,
    })
}

fn ldr_str(f: &Fields) -> Op {
    let dp = f.bit('s');
    let imm = (f.get('i') << 2) as i32;
    vfp(VfpInsn::LoadStore {
        load: f.bit('L'),
        dp,
        vd: vreg(f, 'D', 'd', dp),
        rn: Some(f.reg('n')),
        offset: if f.bit('U') { imm } else { -imm },
    })
}

fn multiple(f: &Fields, add: bool) -> Op {
    let dp = f.bit('s');
    let imm8 = f.get('i');
    let vd = vreg(f, 'D', 'd', dp) as u32;
    let count = if dp { imm8 / 2 } else { imm8 };
    let wback = !add || f.bit('W');
    let rn = f.reg('n');
    if count == 0 || (dp && count > 16) || vd + count > 32 || (rn == PC && wback) {
        return f.undefined();
    }
    vfp(VfpInsn::Multiple {
        load: f.bit('L'),
        dp,
        vd: vd as u8,
        count: count as u8,
        rn,
        add,
        wback,
        bytes: (imm8 * 4) as u16,
    })
}

fn mov_core2(f: &Fields) -> Op {
    let dp = f.bit('s');
    let (rt, rt2) = (f.reg('t'), f.reg('u'));
    let to_core = f.bit('L');
    let vm = vreg(f, 'M', 'm', dp);
    if rt == PC || rt2 == PC || (!dp && vm == 31) || (to_core && rt == rt2) {
        return f.undefined();
    }
    vfp(if dp {
        VfpInsn::MovCoreD {
            to_core,
            rt,
            rt2,
            dm: vm,
        }
    } else {
        VfpInsn::MovCore2S {
            to_core,
            rt,
            rt2,
            sm: vm,
        }
    })
}

fn mov_core_s(f: &Fields) -> Op {
    let rt = f.reg('t');
    if rt == PC {
        return f.undefined();
    }
    vfp(VfpInsn::MovCoreS {
        to_core: f.bit('L'),
        rt,
        sn: vreg(f, 'N', 'n', false),
    })
}

fn sys_reg(f: &Fields) -> Option<SysReg> {
    Some(match f.get('r') {
        0b0000 => SysReg::Fpsid,
        0b0001 => SysReg::Fpscr,
        0b0110 => SysReg::Mvfr1,
        0b0111 => SysReg::Mvfr0,
        0b1000 => SysReg::Fpexc,
        _ => return None,
    })
}

/// VMRS/VMSR of a register other than FPSCR: a system instruction (PL1
/// only, and allowed while VFP is disabled).
fn vfp_system(reg: SysReg, rt: u8, write: bool) -> Op {
    Op::Sys(Box::new(crate::ir::SysOp::VfpSystem { reg, rt, write }))
}

fn vmsr(f: &Fields) -> Op {
    let rt = f.reg('t');
    match sys_reg(f) {
        Some(SysReg::Fpscr) if rt != PC => vfp(VfpInsn::Vmsr {
            reg: SysReg::Fpscr,
            rt,
        }),
        Some(reg @ (SysReg::Fpsid | SysReg::Fpexc)) if rt != PC => vfp_system(reg, rt, true),
        _ => f.undefined(),
    }
}

fn vmrs(f: &Fields) -> Op {
    let rt = f.reg('t');
    match sys_reg(f) {
        Some(SysReg::Fpscr) => vfp(VfpInsn::Vmrs {
            rt,
            reg: SysReg::Fpscr,
        }),
        Some(reg) if rt != PC => vfp_system(reg, rt, false),
        _ => f.undefined(),
    }
}

/// Lane size and index from opc1:opc2 (the VMOV scalar encodings).
fn lane(opc1: u32, opc2: u32) -> Option<(u8, u8)> {
    if opc1 & 2 != 0 {
        Some((8, ((opc1 & 1) << 2 | opc2) as u8))
    } else if opc2 & 1 != 0 {
        Some((16, ((opc1 & 1) << 1 | opc2 >> 1) as u8))
    } else if opc2 == 0 {
        Some((32, (opc1 & 1) as u8))
    } else {
        None
    }
}

fn mov_to_scalar(f: &Fields) -> Op {
    let rt = f.reg('t');
    match lane(f.get('o'), f.get('p')) {
        Some((size, index)) if rt != PC => vfp(VfpInsn::MovToScalar {
            dd: vreg(f, 'D', 'd', true),
            size,
            index,
            rt,
        }),
        _ => f.undefined(),
    }
}

fn mov_from_scalar(f: &Fields) -> Op {
    let rt = f.reg('t');
    let unsigned = f.bit('U');
    match lane(f.get('o'), f.get('p')) {
        Some((size, index)) if rt != PC && !(size == 32 && unsigned) => {
            vfp(VfpInsn::MovFromScalar {
                rt,
                dn: vreg(f, 'N', 'n', true),
                size,
                index,
                signed: size != 32 && !unsigned,
            })
        }
        _ => f.undefined(),
    }
}

fn dup(f: &Fields) -> Op {
    let rt = f.reg('t');
    let q = f.bit('q');
    let dd = vreg(f, 'D', 'd', true);
    let size = match (f.bit('b'), f.bit('e')) {
        (false, false) => 32,
        (false, true) => 16,
        (true, false) => 8,
        (true, true) => return f.undefined(),
    };
    if rt == PC || (q && dd & 1 != 0) {
        return f.undefined();
    }
    vfp(VfpInsn::Dup { dd, q, size, rt })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(raw: u32) -> VfpInsn {
        match decode(raw, 0x1000) {
            Some(Op::Vfp(i)) => *i,
            other => panic!("{raw:#010x} decoded to {other:?}"),
        }
    }

    fn undef(raw: u32) -> bool {
        decode(raw, 0) == Some(Op::Undefined { raw })
    }

    /// Encodings from `arm-linux-gnueabihf-as -mfpu=neon-vfpv4`.
    #[test]
    fn arithmetic_encodings() {
        let a = |op, dp, vd, vn, vm| VfpInsn::Arith { op, dp, vd, vn, vm };
        assert_eq!(dec(0xee000a81), a(ArithOp::Mla, false, 0, 1, 2));
        assert_eq!(dec(0xee000ac1), a(ArithOp::Mls, false, 0, 1, 2));
        assert_eq!(dec(0xee100ac1), a(ArithOp::Nmla, false, 0, 1, 2));
        assert_eq!(dec(0xee100a81), a(ArithOp::Nmls, false, 0, 1, 2));
        assert_eq!(dec(0xee210b42), a(ArithOp::Nmul, true, 0, 1, 2));
        assert_eq!(dec(0xeea00a81), a(ArithOp::Fma, false, 0, 1, 2));
        assert_eq!(dec(0xeea00ac1), a(ArithOp::Fms, false, 0, 1, 2));
        assert_eq!(dec(0xee900ac1), a(ArithOp::Fnma, false, 0, 1, 2));
        assert_eq!(dec(0xee900a81), a(ArithOp::Fnms, false, 0, 1, 2));
        assert_eq!(dec(0xeec10baf), a(ArithOp::Div, true, 16, 17, 31));
        // vadd.f32 s31, s30, s29 / vsub.f64 d31, d30, d29
        assert_eq!(dec(0xee7ffa2e), a(ArithOp::Add, false, 31, 30, 29));
        assert_eq!(dec(0xee7efbed), a(ArithOp::Sub, true, 31, 30, 29));
        // vmul.f32 s0, s1, s2
        assert_eq!(dec(0xee200a81), a(ArithOp::Mul, false, 0, 1, 2));
    }

    #[test]
    fn other_data_processing_encodings() {
        assert_eq!(
            dec(0xeef71a00),
            VfpInsn::MovImm {
                dp: false,
                vd: 3,
                bits: 0x3f80_0000
            }
        );
        assert_eq!(
            dec(0xeefc1b00),
            VfpInsn::MovImm {
                dp: true,
                vd: 17,
                bits: (-0.125f64).to_bits()
            }
        );
        assert_eq!(
            dec(0xeef20a41),
            VfpInsn::CvtHalf {
                to_half: false,
                top: false,
                sd: 1,
                sm: 2
            }
        );
        assert_eq!(
            dec(0xeef30ac1),
            VfpInsn::CvtHalf {
                to_half: true,
                top: true,
                sd: 1,
                sm: 2
            }
        );
        assert_eq!(
            dec(0xeeb51bc0),
            VfpInsn::Cmp {
                dp: true,
                e: true,
                vd: 1,
                vm: None
            }
        );
        // vcmp.f32 s0, s1
        assert_eq!(
            dec(0xeeb40a60),
            VfpInsn::Cmp {
                dp: false,
                e: false,
                vd: 0,
                vm: Some(1)
            }
        );
        assert_eq!(
            dec(0xeebd0bc1),
            VfpInsn::CvtToInt {
                dp: true,
                signed: true,
                round_zero: true,
                sd: 0,
                vm: 1
            }
        );
        assert_eq!(
            dec(0xeebc0a60),
            VfpInsn::CvtToInt {
                dp: false,
                signed: false,
                round_zero: false,
                sd: 0,
                vm: 1
            }
        );
        assert_eq!(
            dec(0xeeb83be0),
            VfpInsn::CvtFromInt {
                dp: true,
                signed: true,
                vd: 3,
                sm: 1
            }
        );
        assert_eq!(
            dec(0xeebe3b66),
            VfpInsn::CvtFixed {
                to_fixed: true,
                dp: true,
                signed: true,
                half: true,
                vd: 3,
                fbits: 3
            }
        );
        assert_eq!(
            dec(0xeefb1ac0),
            VfpInsn::CvtFixed {
                to_fixed: false,
                dp: false,
                signed: false,
                half: false,
                vd: 3,
                fbits: 32
            }
        );
        assert_eq!(
            dec(0xeeb70be0),
            VfpInsn::CvtPrec {
                to_dp: false,
                vd: 0,
                vm: 16
            }
        );
        assert_eq!(
            dec(0xeef70aef),
            VfpInsn::CvtPrec {
                to_dp: true,
                vd: 16,
                vm: 31
            }
        );
        let u = |op, dp, vd, vm| VfpInsn::Unary { op, dp, vd, vm };
        assert_eq!(dec(0xeeb10bc1), u(UnaryOp::Sqrt, true, 0, 1));
        assert_eq!(dec(0xeeb10a60), u(UnaryOp::Neg, false, 0, 1));
        assert_eq!(dec(0xeeb00bef), u(UnaryOp::Abs, true, 0, 31));
        assert_eq!(dec(0xeeb00b6f), u(UnaryOp::Mov, true, 0, 31));
    }

    #[test]
    fn transfer_encodings() {
        assert_eq!(
            dec(0xee612b30),
            VfpInsn::MovToScalar {
                dd: 1,
                size: 8,
                index: 5,
                rt: 2
            }
        );
        assert_eq!(
            dec(0xeeb13bf0),
            VfpInsn::MovFromScalar {
                rt: 3,
                dn: 17,
                size: 16,
                index: 3,
                signed: false
            }
        );
        assert_eq!(
            dec(0xee713bf0),
            VfpInsn::MovFromScalar {
                rt: 3,
                dn: 17,
                size: 8,
                index: 7,
                signed: true
            }
        );
        assert_eq!(
            dec(0xee254b10),
            VfpInsn::MovToScalar {
                dd: 5,
                size: 32,
                index: 1,
                rt: 4
            }
        );
        assert_eq!(
            dec(0xeea23b30),
            VfpInsn::Dup {
                dd: 2,
                q: true,
                size: 16,
                rt: 3
            }
        );
        assert_eq!(
            dec(0xeecf3b90),
            VfpInsn::Dup {
                dd: 31,
                q: false,
                size: 8,
                rt: 3
            }
        );
        assert_eq!(
            dec(0xeef1fa10),
            VfpInsn::Vmrs {
                rt: 15,
                reg: SysReg::Fpscr
            }
        );
        assert_eq!(
            decode(0xeef72a10, 0).unwrap(),
            Op::Sys(Box::new(crate::ir::SysOp::VfpSystem {
                reg: SysReg::Mvfr0,
                rt: 2,
                write: false
            }))
        );
        assert_eq!(
            dec(0xeee15a10),
            VfpInsn::Vmsr {
                reg: SysReg::Fpscr,
                rt: 5
            }
        );
        assert_eq!(
            dec(0xec521b31),
            VfpInsn::MovCoreD {
                to_core: true,
                rt: 1,
                rt2: 2,
                dm: 17
            }
        );
        assert_eq!(
            dec(0xee0f3a90),
            VfpInsn::MovCoreS {
                to_core: false,
                rt: 3,
                sn: 31
            }
        );
        assert_eq!(
            dec(0xec521a31),
            VfpInsn::MovCore2S {
                to_core: true,
                rt: 1,
                rt2: 2,
                sm: 3
            }
        );
        // vmov s0, r0 / vmov r0, s0
        assert_eq!(
            dec(0xee000a10),
            VfpInsn::MovCoreS {
                to_core: false,
                rt: 0,
                sn: 0
            }
        );
        assert_eq!(
            dec(0xee100a10),
            VfpInsn::MovCoreS {
                to_core: true,
                rt: 0,
                sn: 0
            }
        );
    }

    #[test]
    fn load_store_encodings() {
        let m = |load, dp, vd, count, rn, add, wback, bytes| VfpInsn::Multiple {
            load,
            dp,
            vd,
            count,
            rn,
            add,
            wback,
            bytes,
        };
        assert_eq!(dec(0xed2d8b10), m(false, true, 8, 8, 13, false, true, 64)); // vpush {d8-d15}
        assert_eq!(dec(0xecbd8a02), m(true, false, 16, 2, 13, true, true, 8)); // vpop {s16-s17}
        assert_eq!(dec(0xecb00b09), m(true, true, 0, 4, 0, true, true, 36)); // fldmiax r0!, {d0-d3}
        assert_eq!(dec(0xed710b20), m(true, true, 16, 16, 1, false, true, 128));
        assert_eq!(dec(0xec910a04), m(true, false, 0, 4, 1, true, false, 16));
        // vldr d1, [pc, #-8] at 0x1000: Align(0x1008, 4) - 8.
        assert_eq!(
            dec(0xed1f1b02),
            VfpInsn::LoadStore {
                load: true,
                dp: true,
                vd: 1,
                rn: None,
                offset: 0x1000
            }
        );
        // The same encoding from T32 at 0x1002: Align(0x1006, 4) - 8.
        match decode_t32(0xed1f1b02, 0x1002) {
            Some(Op::Vfp(i)) => assert_eq!(
                *i,
                VfpInsn::LoadStore {
                    load: true,
                    dp: true,
                    vd: 1,
                    rn: None,
                    offset: 0xffc
                }
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            dec(0xedc21aff),
            VfpInsn::LoadStore {
                load: false,
                dp: false,
                vd: 3,
                rn: Some(2),
                offset: 1020
            }
        );
    }

    #[test]
    fn unpredictable_and_unallocated_encodings() {
        assert!(undef(0xecb01b22)); // vldmia r0!, {d1-d17}: 17 registers
        assert!(undef(0xecf0fa02)); // vldmia r0!, {s31-s32}: past s31
        assert!(undef(0xecbf0b04)); // vldmia pc!, ...
        assert!(undef(0xec900a00)); // empty list
        assert!(undef(0xeda00b02)); // P=1 U=1 W=1
        assert!(undef(0xeef00a10 | 0x0004_0000)); // vmrs from an unknown register
        assert!(undef(0xee00fa10)); // vmov s0, pc
        assert!(undef(0xeeb60a40)); // VRINT (ARMv8) space
        assert!(undef(0xeeb20b40)); // VCVTB with sz = 1 (ARMv8)
        assert!(undef(0xeeba0a68)); // vcvt fixed 16-bit with imm5 > 16
                                    // Outside the space.
        assert_eq!(decode(0xe0810002, 0), None);
        assert_eq!(decode(0xee100f10, 0), None); // mrc p15
        assert_eq!(decode(0xef000000, 0), None); // svc
    }

    #[test]
    fn table_names() {
        assert_eq!(name_of(0xee7ffa2e), Some("VADD"));
        assert_eq!(name_of(0xed2d8b10), Some("VLDM/VSTM DB"));
    }
}
