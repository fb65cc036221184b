//! Decoder tests: encodings assembled with `arm-linux-gnueabihf-as
//! -mfpu=neon-vfpv4` (the table below is its `objdump -d` output), field
//! checks for tricky forms, UNDEFINED encodings, a random sweep for panics,
//! and every NEON instruction in the cross libc when it is installed.

use super::*;
use crate::ir::neon::Size;

/// (encoding, expected table line, objdump's disassembly).
#[rustfmt::skip]
const CASES: &[(u32, &str, &str)] = &[
    (0xf420070f, "VLDn/VSTn multiple", "vld1.8 {d0}, [r0]"),
    (0xf4210a4d, "VLDn/VSTn multiple", "vld1.16 {d0-d1}, [r1]!"),
    (0xf4220683, "VLDn/VSTn multiple", "vld1.32 {d0-d2}, [r2], r3"),
    (0xf42442ed, "VLDn/VSTn multiple", "vld1.64 {d4-d7}, [r4 :128]!"),
    (0xf420080f, "VLDn/VSTn multiple", "vld2.8 {d0-d1}, [r0]"),
    (0xf420094f, "VLDn/VSTn multiple", "vld2.16 {d0,d2}, [r0]"),
    (0xf420038d, "VLDn/VSTn multiple", "vld2.32 {d0-d3}, [r0]!"),
    (0xf420040f, "VLDn/VSTn multiple", "vld3.8 {d0-d2}, [r0]"),
    (0xf421054d, "VLDn/VSTn multiple", "vld3.16 {d0,d2,d4}, [r1]!"),
    (0xf420000f, "VLDn/VSTn multiple", "vld4.8 {d0-d3}, [r0]"),
    (0xf4201182, "VLDn/VSTn multiple", "vld4.32 {d1,d3,d5,d7}, [r0], r2"),
    (0xf400020d, "VLDn/VSTn multiple", "vst1.8 {d0-d3}, [r0]!"),
    (0xf400080f, "VLDn/VSTn multiple", "vst2.8 {d0-d1}, [r0]"),
    (0xf400048f, "VLDn/VSTn multiple", "vst3.32 {d0-d2}, [r0]"),
    (0xf400004d, "VLDn/VSTn multiple", "vst4.16 {d0-d3}, [r0]!"),
    (0xf4a0006f, "VLDn/VSTn lane", "vld1.8 {d0[3]}, [r0]"),
    (0xf4a0148d, "VLDn/VSTn lane", "vld1.16 {d1[2]}, [r0]!"),
    (0xf4a02885, "VLDn/VSTn lane", "vld1.32 {d2[1]}, [r0], r5"),
    (0xf4a0056f, "VLDn/VSTn lane", "vld2.16 {d0[1],d2[1]}, [r0]"),
    (0xf4a002ef, "VLDn/VSTn lane", "vld3.8 {d0[7],d1[7],d2[7]}, [r0]"),
    (0xf4a00bcf, "VLDn/VSTn lane", "vld4.32 {d0[1],d2[1],d4[1],d6[1]}, [r0]"),
    (0xf480288f, "VLDn/VSTn lane", "vst1.32 {d2[1]}, [r0]"),
    (0xf480032d, "VLDn/VSTn lane", "vst4.8 {d0[1],d1[1],d2[1],d3[1]}, [r0]!"),
    (0xf4a00c0f, "VLDn all lanes", "vld1.8 {d0[]}, [r0]"),
    (0xf4a00cad, "VLDn all lanes", "vld1.32 {d0[]-d1[]}, [r0]!"),
    (0xf4a00d6f, "VLDn all lanes", "vld2.16 {d0[],d2[]}, [r0]"),
    (0xf4a00e8f, "VLDn all lanes", "vld3.32 {d0[]-d2[]}, [r0]"),
    (0xf4a00f0f, "VLDn all lanes", "vld4.8 {d0[]-d3[]}, [r0]"),
    (0xf2010002, "VHADD", "vhadd.s8 d0, d1, d2"),
    (0xf3320054, "VQADD", "vqadd.u64 q0, q1, q2"),
    (0xf3110102, "VRHADD", "vrhadd.u16 d0, d1, d2"),
    (0xf2010112, "VAND", "vand d0, d1, d2"),
    (0xf2120154, "VBIC (reg)", "vbic q0, q1, q2"),
    (0xf2210112, "VORR (reg)", "vorr d0, d1, d2"),
    (0xf2310112, "VORN (reg)", "vorn d0, d1, d2"),
    (0xf34201f4, "VEOR", "veor q8, q9, q10"),
    (0xf3110112, "VBSL", "vbsl d0, d1, d2"),
    (0xf3210112, "VBIT", "vbit d0, d1, d2"),
    (0xf3310112, "VBIF", "vbif d0, d1, d2"),
    (0xf2210202, "VHSUB", "vhsub.s32 d0, d1, d2"),
    (0xf2020254, "VQSUB", "vqsub.s8 q0, q1, q2"),
    (0xf3010302, "VCGT (reg)", "vcgt.u8 d0, d1, d2"),
    (0xf2110312, "VCGE (reg)", "vcge.s16 d0, d1, d2"),
    (0xf2320401, "VSHL (reg)", "vshl.s64 d0, d1, d2"),
    (0xf3020411, "VQSHL (reg)", "vqshl.u8 d0, d1, d2"),
    (0xf2120501, "VRSHL", "vrshl.s16 d0, d1, d2"),
    (0xf3220511, "VQRSHL", "vqrshl.u32 d0, d1, d2"),
    (0xf3020644, "VMAX", "vmax.u8 q0, q1, q2"),
    (0xf2210612, "VMIN", "vmin.s32 d0, d1, d2"),
    (0xf2010702, "VABD", "vabd.s8 d0, d1, d2"),
    (0xf3110712, "VABA", "vaba.u16 d0, d1, d2"),
    (0xf2010802, "VADD", "vadd.i8 d0, d1, d2"),
    (0xf3320844, "VSUB", "vsub.i64 q0, q1, q2"),
    (0xf2010812, "VTST", "vtst.8 d0, d1, d2"),
    (0xf3020854, "VCEQ (reg)", "vceq.i8 q0, q1, q2"),
    (0xf2110902, "VMLA", "vmla.i16 d0, d1, d2"),
    (0xf3210902, "VMLS", "vmls.i32 d0, d1, d2"),
    (0xf2010912, "VMUL", "vmul.i8 d0, d1, d2"),
    (0xf3010912, "VMUL.P8", "vmul.p8 d0, d1, d2"),
    (0xf3010a02, "VPMAX", "vpmax.u8 d0, d1, d2"),
    (0xf2110a12, "VPMIN", "vpmin.s16 d0, d1, d2"),
    (0xf2110b02, "VQDMULH", "vqdmulh.s16 d0, d1, d2"),
    (0xf3220b44, "VQRDMULH", "vqrdmulh.s32 q0, q1, q2"),
    (0xf2010b12, "VPADD", "vpadd.i8 d0, d1, d2"),
    (0xf2010c12, "VFMA.F32", "vfma.f32 d0, d1, d2"),
    (0xf2220c54, "VFMS.F32", "vfms.f32 q0, q1, q2"),
    (0xf2020d44, "VADD.F32", "vadd.f32 q0, q1, q2"),
    (0xf2210d02, "VSUB.F32", "vsub.f32 d0, d1, d2"),
    (0xf3010d02, "VPADD.F32", "vpadd.f32 d0, d1, d2"),
    (0xf3210d02, "VABD.F32", "vabd.f32 d0, d1, d2"),
    (0xf2010d12, "VMLA.F32", "vmla.f32 d0, d1, d2"),
    (0xf2210d12, "VMLS.F32", "vmls.f32 d0, d1, d2"),
    (0xf3020d54, "VMUL.F32", "vmul.f32 q0, q1, q2"),
    (0xf2010e02, "VCEQ.F32", "vceq.f32 d0, d1, d2"),
    (0xf3010e02, "VCGE.F32", "vcge.f32 d0, d1, d2"),
    (0xf3210e02, "VCGT.F32", "vcgt.f32 d0, d1, d2"),
    (0xf3010e12, "VACGE.F32", "vacge.f32 d0, d1, d2"),
    (0xf3210e12, "VACGT.F32", "vacgt.f32 d0, d1, d2"),
    (0xf2010f02, "VMAX.F32", "vmax.f32 d0, d1, d2"),
    (0xf2210f02, "VMIN.F32", "vmin.f32 d0, d1, d2"),
    (0xf3010f02, "VPMAX.F32", "vpmax.f32 d0, d1, d2"),
    (0xf3210f02, "VPMIN.F32", "vpmin.f32 d0, d1, d2"),
    (0xf2020f54, "VRECPS.F32", "vrecps.f32 q0, q1, q2"),
    (0xf2210f12, "VRSQRTS.F32", "vrsqrts.f32 d0, d1, d2"),
    (0xf3b00001, "VREV64", "vrev64.8 d0, d1"),
    (0xf3b400c2, "VREV32", "vrev32.16 q0, q1"),
    (0xf3b00101, "VREV16", "vrev16.8 d0, d1"),
    (0xf3b00281, "VPADDL", "vpaddl.u8 d0, d1"),
    (0xf3b80242, "VPADDL", "vpaddl.s32 q0, q1"),
    (0xf3b00401, "VCLS", "vcls.s8 d0, d1"),
    (0xf3b40481, "VCLZ", "vclz.i16 d0, d1"),
    (0xf3b00542, "VCNT", "vcnt.8 q0, q1"),
    (0xf3b00581, "VMVN (reg)", "vmvn d0, d1"),
    (0xf3b40601, "VPADAL", "vpadal.s16 d0, d1"),
    (0xf3b00701, "VQABS", "vqabs.s8 d0, d1"),
    (0xf3b807c2, "VQNEG", "vqneg.s32 q0, q1"),
    (0xf3b10001, "VCGT #0", "vcgt.s8 d0, d1, #0"),
    (0xf3b50081, "VCGE #0", "vcge.s16 d0, d1, #0"),
    (0xf3b90101, "VCEQ #0", "vceq.i32 d0, d1, #0"),
    (0xf3b10181, "VCLE #0", "vcle.s8 d0, d1, #0"),
    (0xf3b10201, "VCLT #0", "vclt.s8 d0, d1, #0"),
    (0xf3b50301, "VABS", "vabs.s16 d0, d1"),
    (0xf3b90381, "VNEG", "vneg.s32 d0, d1"),
    (0xf3b90401, "VCGT.F32 #0", "vcgt.f32 d0, d1, #0"),
    (0xf3b90481, "VCGE.F32 #0", "vcge.f32 d0, d1, #0"),
    (0xf3b90501, "VCEQ.F32 #0", "vceq.f32 d0, d1, #0"),
    (0xf3b90581, "VCLE.F32 #0", "vcle.f32 d0, d1, #0"),
    (0xf3b90601, "VCLT.F32 #0", "vclt.f32 d0, d1, #0"),
    (0xf3b90742, "VABS.F32", "vabs.f32 q0, q1"),
    (0xf3b90781, "VNEG.F32", "vneg.f32 d0, d1"),
    (0xf3b20001, "VSWP", "vswp d0, d1"),
    (0xf3b20081, "VTRN", "vtrn.8 d0, d1"),
    (0xf3b60142, "VUZP", "vuzp.16 q0, q1"),
    (0xf3b20181, "VZIP", "vzip.8 d0, d1"),
    (0xf3b20202, "VMOVN", "vmovn.i16 d0, q1"),
    (0xf3b60242, "VQMOVUN", "vqmovun.s32 d0, q1"),
    (0xf3b20282, "VQMOVN", "vqmovn.s16 d0, q1"),
    (0xf3ba02c2, "VQMOVN", "vqmovn.u64 d0, q1"),
    (0xf3b20301, "VSHLL (max)", "vshll.i8 q0, d1, #8"),
    (0xf3b60602, "VCVT.F16.F32", "vcvt.f16.f32 d0, q1"),
    (0xf3b60701, "VCVT.F32.F16", "vcvt.f32.f16 q0, d1"),
    (0xf3bb0401, "VRECPE.U32", "vrecpe.u32 d0, d1"),
    (0xf3bb0481, "VRSQRTE.U32", "vrsqrte.u32 d0, d1"),
    (0xf3bb0542, "VRECPE.F32", "vrecpe.f32 q0, q1"),
    (0xf3bb0581, "VRSQRTE.F32", "vrsqrte.f32 d0, d1"),
    (0xf3bb0601, "VCVT.F32.xxx", "vcvt.f32.s32 d0, d1"),
    (0xf3bb06c2, "VCVT.F32.xxx", "vcvt.f32.u32 q0, q1"),
    (0xf3bb0701, "VCVT.xxx.F32", "vcvt.s32.f32 d0, d1"),
    (0xf3bb0781, "VCVT.xxx.F32", "vcvt.u32.f32 d0, d1"),
    (0xf28d0011, "VSHR", "vshr.s8 d0, d1, #3"),
    (0xf38000d2, "VSHR", "vshr.u64 q0, q1, #64"),
    (0xf3900111, "VSRA", "vsra.u16 d0, d1, #16"),
    (0xf2bf0211, "VRSHR", "vrshr.s32 d0, d1, #1"),
    (0xf3880311, "VRSRA", "vrsra.u8 d0, d1, #8"),
    (0xf3bb0411, "VSRI", "vsri.32 d0, d1, #5"),
    (0xf28f0511, "VSHL (imm)", "vshl.s8 d0, d1, #7"),
    (0xf3bf0591, "VSLI", "vsli.64 d0, d1, #63"),
    (0xf3930611, "VQSHLU (imm)", "vqshlu.s16 d0, d1, #3"),
    (0xf2bf0711, "VQSHL (imm)", "vqshl.s32 d0, d1, #31"),
    (0xf3800791, "VQSHL (imm)", "vqshl.u64 d0, d1, #0"),
    (0xf2880812, "VSHRN", "vshrn.i16 d0, q1, #8"),
    (0xf29f0852, "VRSHRN", "vrshrn.i32 d0, q1, #1"),
    (0xf3a00812, "VQSHRUN", "vqshrun.s64 d0, q1, #32"),
    (0xf38d0852, "VQRSHRUN", "vqrshrun.s16 d0, q1, #3"),
    (0xf38c0912, "VQSHRN", "vqshrn.u16 d0, q1, #4"),
    (0xf2900952, "VQRSHRN", "vqrshrn.s32 d0, q1, #16"),
    (0xf38b0a11, "VSHLL/VMOVL", "vshll.u8 q0, d1, #3"),
    (0xf2900a11, "VSHLL/VMOVL", "vmovl.s16 q0, d1"),
    (0xf2b00e11, "VCVT (fixed, to f32)", "vcvt.f32.s32 d0, d1, #16"),
    (0xf3a00f52, "VCVT (fixed, from f32)", "vcvt.u32.f32 q0, q1, #32"),
    (0xf3870e1f, "VMOV/VMVN (imm)", "vmov.i8 d0, #255"),
    (0xf2810052, "VMOV/VMVN (imm)", "vmov.i32 q0, #18"),
    (0xf2830a14, "VMOV/VMVN (imm)", "vmov.i16 d0, #13312"),
    (0xf3820e3a, "VMOV/VMVN (imm)", "vmov.i64 d0, #0xff00ff00ff00ff00"),
    (0xf2870f58, "VMOV/VMVN (imm)", "vmov.f32 q0, #1.5"),
    (0xf2810c32, "VMOV/VMVN (imm)", "vmvn.i32 d0, #4863"),
    (0xf2810512, "VORR (imm)", "vorr.i32 d0, #1179648"),
    (0xf2830b74, "VBIC (imm)", "vbic.i16 q0, #13312"),
    (0xf2810d12, "VMOV/VMVN (imm)", "vmov.i32 d0, #1245183"),
    (0xf2b10302, "VEXT", "vext.8 d0, d1, d2, #3"),
    (0xf2b20f44, "VEXT", "vext.8 q0, q1, q2, #15"),
    (0xf3b10802, "VTBL/VTBX", "vtbl.8 d0, {d1}, d2"),
    (0xf3b10b05, "VTBL/VTBX", "vtbl.8 d0, {d1-d4}, d5"),
    (0xf3b10945, "VTBL/VTBX", "vtbx.8 d0, {d1-d2}, d5"),
    (0xf3bf0c01, "VDUP (scalar)", "vdup.8 d0, d1[7]"),
    (0xf3be0c41, "VDUP (scalar)", "vdup.16 q0, d1[3]"),
    (0xf3bc0c6f, "VDUP (scalar)", "vdup.32 q0, d31[1]"),
    (0xf2810002, "VADDL", "vaddl.s8 q0, d1, d2"),
    (0xf3920102, "VADDW", "vaddw.u16 q0, q1, d2"),
    (0xf3a10202, "VSUBL", "vsubl.u32 q0, d1, d2"),
    (0xf2820302, "VSUBW", "vsubw.s8 q0, q1, d2"),
    (0xf2820404, "VADDHN", "vaddhn.i16 d0, q1, q2"),
    (0xf3920404, "VRADDHN", "vraddhn.i32 d0, q1, q2"),
    (0xf3810502, "VABAL", "vabal.u8 q0, d1, d2"),
    (0xf2a20604, "VSUBHN", "vsubhn.i64 d0, q1, q2"),
    (0xf3820604, "VRSUBHN", "vrsubhn.i16 d0, q1, q2"),
    (0xf2910702, "VABDL", "vabdl.s16 q0, d1, d2"),
    (0xf3810802, "VMLAL", "vmlal.u8 q0, d1, d2"),
    (0xf2910902, "VQDMLAL", "vqdmlal.s16 q0, d1, d2"),
    (0xf2a10a02, "VMLSL", "vmlsl.s32 q0, d1, d2"),
    (0xf2a10b02, "VQDMLSL", "vqdmlsl.s32 q0, d1, d2"),
    (0xf3810c02, "VMULL", "vmull.u8 q0, d1, d2"),
    (0xf2910d02, "VQDMULL", "vqdmull.s16 q0, d1, d2"),
    (0xf2810e02, "VMULL.P8", "vmull.p8 q0, d1, d2"),
    (0xf291006a, "VMLA (scalar)", "vmla.i16 d0, d1, d2[3]"),
    (0xf3a20162, "VMLA.F32 (scalar)", "vmla.f32 q0, q1, d2[1]"),
    (0xf2910267, "VMLAL (scalar)", "vmlal.s16 q0, d1, d7[2]"),
    (0xf2a1036f, "VQDMLAL (scalar)", "vqdmlal.s32 q0, d1, d15[1]"),
    (0xf3a20442, "VMLS (scalar)", "vmls.i32 q0, q1, d2[0]"),
    (0xf2a10542, "VMLS.F32 (scalar)", "vmls.f32 d0, d1, d2[0]"),
    (0xf3a10662, "VMLSL (scalar)", "vmlsl.u32 q0, d1, d2[1]"),
    (0xf291074a, "VQDMLSL (scalar)", "vqdmlsl.s16 q0, d1, d2[1]"),
    (0xf392086b, "VMUL (scalar)", "vmul.i16 q0, q1, d3[3]"),
    (0xf2a10962, "VMUL.F32 (scalar)", "vmul.f32 d0, d1, d2[1]"),
    (0xf3910a42, "VMULL (scalar)", "vmull.u16 q0, d1, d2[0]"),
    (0xf2a10b62, "VQDMULL (scalar)", "vqdmull.s32 q0, d1, d2[1]"),
    (0xf3920c62, "VQDMULH (scalar)", "vqdmulh.s16 q0, q1, d2[2]"),
    (0xf2a10d62, "VQRDMULH (scalar)", "vqrdmulh.s32 d0, d1, d2[1]"),
];

fn insn(raw: u32) -> NeonInsn {
    match decode(raw, 0) {
        Some(Op::Neon(i)) => *i,
        other => panic!("{raw:08x}: {other:?}"),
    }
}

#[test]
fn assembled_encodings_decode_to_their_line() {
    for &(raw, name, text) in CASES {
        assert_eq!(name_of(raw), Some(name), "{raw:08x} {text}");
        assert!(
            matches!(decode(raw, 0), Some(Op::Neon(_))),
            "{raw:08x} {text} decoded to {:?}",
            decode(raw, 0)
        );
    }
}

#[test]
fn outside_the_space_is_none() {
    assert_eq!(decode(0xe0810002, 0), None); // add r0, r1, r2
    assert_eq!(decode(0xf5d0f000, 0), None); // pld [r0]
    assert_eq!(decode(0xf4d0f000, 0), None); // pli [r0]
    assert_eq!(decode(0xee100a10, 0), None); // vmov r0, s0 (VFP)
}

#[test]
fn fields_are_resolved() {
    // vshr.u64 q0, q1, #64
    assert_eq!(
        insn(0xf38000d2),
        NeonInsn::Shift {
            op: ShiftOp::Shr,
            size: 3,
            u: true,
            q: true,
            vd: 0,
            vm: 2,
            shift: 64
        }
    );
    // vqrshrn.s32 d0, q1, #16: narrowing, Q bit is the R bit.
    assert_eq!(
        insn(0xf2900952),
        NeonInsn::Shift {
            op: ShiftOp::Qrshrn,
            size: 1,
            u: false,
            q: false,
            vd: 0,
            vm: 2,
            shift: 16
        }
    );
    // vdup.32 q0, d31[1]
    assert_eq!(
        insn(0xf3bc0c6f),
        NeonInsn::Dup {
            q: true,
            size: 2,
            vd: 0,
            vm: 31,
            index: 1
        }
    );
    // vmla.i16 d0, d1, d2[3]: scalar register is 3 bits for 16-bit elements.
    assert_eq!(
        insn(0xf291006a),
        NeonInsn::Scalar {
            op: ScalarOp::Mla,
            size: 1,
            u: false,
            q: false,
            vd: 0,
            vn: 1,
            vm: 2,
            index: 3
        }
    );
    // veor q8, q9, q10
    assert!(matches!(
        insn(0xf34201f4),
        NeonInsn::Same {
            op: SameOp::Eor,
            vd: 16,
            vn: 18,
            vm: 20,
            q: true,
            ..
        }
    ));
    // vld4.32 {d1,d3,d5,d7}, [r0], r2
    assert_eq!(
        insn(0xf4201182),
        NeonInsn::Multi {
            load: true,
            n: 4,
            regs: 1,
            inc: 2,
            size: 2,
            vd: 1,
            rn: 0,
            wb: Writeback::Reg(2),
            align: 1
        }
    );
    // vst4.8 {d8-d11}, [r1:128]! requires 16-byte alignment (found by the
    // difftest: the hint is an architectural check, not a hint).
    assert!(matches!(
        insn(0xf401802d),
        NeonInsn::Multi { align: 16, .. }
    ));
    // vmvn.i32 d0, #0x12ff stores the inverted immediate.
    assert_eq!(
        insn(0xf2810c32),
        NeonInsn::Imm {
            op: ImmOp::Mov,
            q: false,
            vd: 0,
            imm: !0x0000_12ff_0000_12ff
        }
    );
    // vmov.f32 q0, #1.5
    assert_eq!(
        insn(0xf2870f58),
        NeonInsn::Imm {
            op: ImmOp::Mov,
            q: true,
            vd: 0,
            imm: 0x3fc0_0000_3fc0_0000
        }
    );
}

#[test]
fn expand_imm_forms() {
    assert_eq!(expand_imm(false, 0b0000, 0xab), Some(0x0000_00ab_0000_00ab));
    assert_eq!(expand_imm(false, 0b0110, 0xab), Some(0xab00_0000_ab00_0000));
    assert_eq!(expand_imm(false, 0b1010, 0xab), Some(0xab00_ab00_ab00_ab00));
    assert_eq!(expand_imm(false, 0b1100, 0xab), Some(0x0000_abff_0000_abff));
    assert_eq!(expand_imm(false, 0b1101, 0xab), Some(0x00ab_ffff_00ab_ffff));
    assert_eq!(expand_imm(false, 0b1110, 0xab), Some(0xabab_abab_abab_abab));
    assert_eq!(
        expand_imm(true, 0b1110, 0b1000_0001),
        Some(0xff00_0000_0000_00ff)
    );
    // 0x70 -> 1.0, 0x00 -> 2.0, 0xf0 -> -1.0
    assert_eq!(expand_imm(false, 0b1111, 0x70), Some(0x3f80_0000_3f80_0000));
    assert_eq!(expand_imm(false, 0b1111, 0x00), Some(0x4000_0000_4000_0000));
    assert_eq!(expand_imm(false, 0b1111, 0xf0), Some(0xbf80_0000_bf80_0000));
    assert_eq!(expand_imm(true, 0b1111, 0), None);
}

#[test]
fn undefined_encodings() {
    let undef = |raw: u32| matches!(decode(raw, 0), Some(Op::Undefined { .. }));
    assert!(undef(0xf2010043 | 1 << 12), "Q form with odd Vd");
    assert!(undef(0xf2310002), "vhadd with size 11");
    assert!(undef(0xf2010b52), "vpadd Q form");
    assert!(undef(0xf3110912), "vmul.p16");
    assert!(undef(0xf2210b02 & !(3 << 20)), "vqdmulh.s8");
    assert!(undef(0xf3b80102), "vrev16.32");
    assert!(undef(0xf3b80181), "vzip.32 D form");
    assert!(
        undef((0xf3a00f52 & !(0x3f << 16)) | 0x10 << 16),
        "vcvt fixed with imm6 < 32"
    );
    assert!(undef(0xf4a00c1f | 0xc0), "vld1 all lanes size 11");
    assert!(undef(0xf480_0c0f), "vst1 all lanes");
    assert!(undef(0xf420_0b0f), "vld type 1011");
    assert!(undef(0xf3870f3f), "vmov op=1 cmode=1111");
}

/// A small xorshift generator for the sweeps.
fn rng(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn random_sweep_never_panics_and_stays_in_range() {
    let mut s = 0x1234_5678_9abc_def0u64;
    for i in 0..400_000 {
        let r = rng(&mut s) as u32;
        let raw = if i % 2 == 0 {
            0xf200_0000 | (r & 0x01ff_ffff)
        } else {
            0xf400_0000 | (r & 0x00ef_ffff)
        };
        let op = decode(raw, 0).expect("in the NEON space");
        if let Op::Neon(insn) = op {
            let regs: &[u8] = match &*insn {
                NeonInsn::Same { vd, vn, vm, .. } | NeonInsn::Long { vd, vn, vm, .. } => {
                    &[*vd, *vn, *vm]
                }
                NeonInsn::Table {
                    vd, vn, len, vm, ..
                } => &[*vd, *vn + *len - 1, *vm],
                NeonInsn::Multi { vd, .. }
                | NeonInsn::Lane { vd, .. }
                | NeonInsn::AllLanes { vd, .. } => &[*vd],
                _ => &[],
            };
            assert!(regs.iter().all(|r| *r < 32), "{raw:08x}: {insn:?}");
            let size: Size = match &*insn {
                NeonInsn::Same { size, .. }
                | NeonInsn::Misc { size, .. }
                | NeonInsn::Shift { size, .. } => *size,
                _ => 0,
            };
            assert!(size <= 3);
        }
    }
}

/// Converts a T32 Advanced SIMD encoding (first halfword in the top half)
/// to its A32 form, as the T32 decoder does.
fn t32_to_a32(t: u32) -> Option<u32> {
    if t >> 24 & 0xef == 0xef {
        Some(0xf200_0000 | (t >> 28 & 1) << 24 | (t & 0x00ff_ffff))
    } else if t >> 24 == 0xf9 && t & (1 << 20) == 0 {
        Some(0xf400_0000 | (t & 0x00ff_ffff))
    } else {
        None
    }
}

/// Whether objdump's text is an ARMv7 Advanced SIMD instruction we must
/// accept (not data shown as an instruction, not ARMv8 or half-precision
/// arithmetic, no register beyond D31).
fn valid_v7(text: &str) -> bool {
    let v8 = [
        "vmaxnm", "vminnm", "vrint", "vsel", "vqrdmlah", "vqrdmlsh", "vcvta", "vcvtn", "vcvtp",
        "vcvtm", "aes", "sha", "vsdot", "vudot", "vfmal", "vfmsl", "vcadd", "vcmla", "vmmla",
        "vdot",
    ];
    let mnemonic = text.split_whitespace().next().unwrap_or("");
    !text.contains("illegal")
        && !text.contains("UNDEFINED")
        && !text.contains("UNPREDICTABLE")
        && !mnemonic.contains("f16")
        && !v8.iter().any(|p| mnemonic.starts_with(p))
        && !(32..64).any(|n| text.contains(&format!("d{n}")))
}

#[test]
fn every_neon_instruction_in_libc_decodes() {
    let lib = "/usr/arm-linux-gnueabihf/lib/libc.so.6";
    let out = std::process::Command::new("arm-linux-gnueabihf-objdump")
        .args(["-d", lib])
        .output();
    let text = match out {
        Ok(o) if o.status.success() && std::path::Path::new(lib).exists() => {
            String::from_utf8_lossy(&o.stdout).into_owned()
        }
        _ => {
            eprintln!("note: {lib} or arm-linux-gnueabihf-objdump missing; libc sweep skipped");
            return;
        }
    };
    let (mut seen, mut decoded, mut undefined, mut valid) = (0, 0, 0, 0);
    for line in text.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 || !cols[0].trim_end().ends_with(':') {
            continue;
        }
        let enc: Vec<&str> = cols[1].split_whitespace().collect();
        let raw = match enc.as_slice() {
            [w] if w.len() == 8 => u32::from_str_radix(w, 16).ok(),
            [h1, h2] if h1.len() == 4 && h2.len() == 4 => {
                u32::from_str_radix(&format!("{h1}{h2}"), 16)
                    .ok()
                    .and_then(t32_to_a32)
            }
            _ => None,
        };
        let Some(raw) = raw else { continue };
        let Some(op) = decode(raw, 0) else { continue };
        seen += 1;
        let disasm = cols[2..].join(" ");
        let ok = matches!(op, Op::Neon(_));
        if ok {
            decoded += 1;
        } else {
            undefined += 1;
        }
        if valid_v7(&disasm) {
            valid += 1;
            assert!(ok, "{raw:08x} ({disasm}) decoded to {op:?}");
        }
    }
    eprintln!(
        "libc: {seen} encodings in the NEON space, {decoded} decoded, {undefined} UNDEFINED \
         (all {valid} valid ARMv7 NEON instructions decoded)"
    );
    assert!(valid > 0);
}
