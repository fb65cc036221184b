//! Semantic tests: instructions (assembled with `arm-linux-gnueabihf-as
//! -mfpu=neon-vfpv4`, encodings noted) decoded and executed on a CpuState
//! and FlatMemory, with expected values worked out by hand from the ARM ARM.

use super::fp::{recip_sqrt_estimate, DEFAULT_NAN, IDC, IOC, IXC, OFC, UFC};
use super::*;
use crate::arm::neon::decode;
use crate::ir::Op;
use crate::mem::FlatMemory;

const BASE: u32 = 0x1000;

fn setup() -> (CpuState, FlatMemory) {
    let mut cpu = CpuState::default();
    cpu.r[0] = BASE;
    cpu.r[1] = BASE + 0x100;
    (cpu, FlatMemory::new(BASE, 0x400))
}

fn run(cpu: &mut CpuState, mem: &mut FlatMemory, raw: u32) {
    match decode(raw, 0) {
        Some(Op::Neon(insn)) => exec(cpu, mem, &insn).expect("no fault"),
        other => panic!("{raw:08x} decoded to {other:?}"),
    }
}

/// A doubleword from its bytes, first byte lowest.
fn bytes(b: [u8; 8]) -> u64 {
    u64::from_le_bytes(b)
}

/// A doubleword from halfwords, first lowest.
fn halves(h: [u16; 4]) -> u64 {
    h.iter().rev().fold(0, |acc, &x| acc << 16 | x as u64)
}

/// A doubleword from two words, first lowest.
fn words(lo: u32, hi: u32) -> u64 {
    (hi as u64) << 32 | lo as u64
}

fn f(x: f32) -> u32 {
    x.to_bits()
}

#[test]
fn vld2_vld3_vld4_deinterleave() {
    let (mut cpu, mut mem) = setup();
    for i in 0..64 {
        mem.bytes[i] = i as u8;
    }
    run(&mut cpu, &mut mem, 0xf420084f); // vld2.16 {d0-d1}, [r0]
    assert_eq!(cpu.d[0], halves([0x0100, 0x0504, 0x0908, 0x0d0c]));
    assert_eq!(cpu.d[1], halves([0x0302, 0x0706, 0x0b0a, 0x0f0e]));

    run(&mut cpu, &mut mem, 0xf420040d); // vld3.8 {d0-d2}, [r0]!
    assert_eq!(cpu.d[0], bytes([0, 3, 6, 9, 12, 15, 18, 21]));
    assert_eq!(cpu.d[1], bytes([1, 4, 7, 10, 13, 16, 19, 22]));
    assert_eq!(cpu.d[2], bytes([2, 5, 8, 11, 14, 17, 20, 23]));
    assert_eq!(cpu.r[0], BASE + 24);

    cpu.r[0] = BASE;
    run(&mut cpu, &mut mem, 0xf420000f); // vld4.8 {d0-d3}, [r0]
    for k in 0..4u8 {
        assert_eq!(
            cpu.d[k as usize],
            bytes(core::array::from_fn(|e| 4 * e as u8 + k))
        );
    }

    // vld4.32 {d1,d3,d5,d7}, [r0], r2
    cpu.r[2] = 100;
    run(&mut cpu, &mut mem, 0xf4201182);
    assert_eq!(cpu.d[1], words(0x0302_0100, 0x1312_1110));
    assert_eq!(cpu.d[7], words(0x0f0e_0d0c, 0x1f1e_1d1c));
    assert_eq!(cpu.r[0], BASE + 100);
}

#[test]
fn vst4_interleaves_and_round_trips() {
    let (mut cpu, mut mem) = setup();
    for k in 0..4 {
        cpu.d[4 + k] = halves(core::array::from_fn(|e| (0x100 * k + e) as u16));
    }
    run(&mut cpu, &mut mem, 0xf401404f); // vst4.16 {d4-d7}, [r1]
    let off = 0x100;
    let h = |i: usize| u16::from_le_bytes([mem.bytes[off + 2 * i], mem.bytes[off + 2 * i + 1]]);
    assert_eq!(
        [h(0), h(1), h(2), h(3), h(4), h(5)],
        [0x000, 0x100, 0x200, 0x300, 0x001, 0x101]
    );
    assert_eq!(cpu.r[1], BASE + 0x100, "no writeback");
}

#[test]
fn vld1_vst1_forms() {
    let (mut cpu, mut mem) = setup();
    for i in 0..16 {
        mem.bytes[i] = 0xa0 + i as u8;
    }
    run(&mut cpu, &mut mem, 0xf4200a0d); // vld1.8 {d0-d1}, [r0]!
    assert_eq!(cpu.d[0], 0xa7a6_a5a4_a3a2_a1a0);
    assert_eq!(cpu.d[1], 0xafae_adac_abaa_a9a8);
    assert_eq!(cpu.r[0], BASE + 16);

    cpu.r[2] = 0x20;
    run(&mut cpu, &mut mem, 0xf4010a02); // vst1.8 {d0-d1}, [r1], r2
    assert_eq!(&mem.bytes[0x100..0x110], &mem.bytes[0..16].to_vec()[..]);
    assert_eq!(cpu.r[1], BASE + 0x120);

    cpu.r[0] = BASE + 4;
    cpu.d[0] = 0x1111_1111_2222_2222;
    run(&mut cpu, &mut mem, 0xf4a0088f); // vld1.32 {d0[1]}, [r0]
    assert_eq!(cpu.d[0], 0xa7a6_a5a4_2222_2222);

    run(&mut cpu, &mut mem, 0xf4a00c0f); // vld1.8 {d0[]}, [r0]
    assert_eq!(cpu.d[0], 0xa4a4_a4a4_a4a4_a4a4);

    run(&mut cpu, &mut mem, 0xf4a00d0f); // vld2.8 {d0[], d1[]}, [r0]
    assert_eq!(
        (cpu.d[0], cpu.d[1]),
        (0xa4a4_a4a4_a4a4_a4a4, 0xa5a5_a5a5_a5a5_a5a5)
    );

    cpu.r[0] = BASE;
    run(&mut cpu, &mut mem, 0xf4a0064d); // vld3.16 {d0[1],d1[1],d2[1]}, [r0]!
    assert_eq!(lane(cpu.d[0], 1, 1), 0xa1a0);
    assert_eq!(lane(cpu.d[1], 1, 1), 0xa3a2);
    assert_eq!(lane(cpu.d[2], 1, 1), 0xa5a4);
    assert_eq!(cpu.r[0], BASE + 6);

    cpu.d[0] = words(0, 0xdead_beef);
    cpu.d[2] = words(0, 0x0bad_f00d);
    run(&mut cpu, &mut mem, 0xf48009cf); // vst2.32 {d0[1],d2[1]}, [r0]
    assert_eq!(
        &mem.bytes[6..14],
        &[0xef, 0xbe, 0xad, 0xde, 0x0d, 0xf0, 0xad, 0x0b]
    );
}

#[test]
fn faulting_load_does_not_write_back() {
    let (mut cpu, mut mem) = setup();
    cpu.r[0] = BASE + 0x3f8;
    match decode(0xf4200a0d, 0) {
        // vld1.8 {d0-d1}, [r0]!: the second doubleword is past the end.
        Some(Op::Neon(insn)) => assert!(exec(&mut cpu, &mut mem, &insn).is_err()),
        other => panic!("{other:?}"),
    }
    assert_eq!(cpu.r[0], BASE + 0x3f8);
}

#[test]
fn vzip_vuzp_vtrn() {
    let (mut cpu, mut mem) = setup();
    let d0 = bytes([0, 1, 2, 3, 4, 5, 6, 7]);
    let d1 = bytes([0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17]);
    (cpu.d[0], cpu.d[1]) = (d0, d1);
    run(&mut cpu, &mut mem, 0xf3b20181); // vzip.8 d0, d1
    assert_eq!(cpu.d[0], bytes([0, 0x10, 1, 0x11, 2, 0x12, 3, 0x13]));
    assert_eq!(cpu.d[1], bytes([4, 0x14, 5, 0x15, 6, 0x16, 7, 0x17]));

    (cpu.d[0], cpu.d[1]) = (d0, d1);
    run(&mut cpu, &mut mem, 0xf3b20081); // vtrn.8 d0, d1
    assert_eq!(cpu.d[0], bytes([0, 0x10, 2, 0x12, 4, 0x14, 6, 0x16]));
    assert_eq!(cpu.d[1], bytes([1, 0x11, 3, 0x13, 5, 0x15, 7, 0x17]));

    // vuzp.16 q0, q1 with halfwords 0..7 in q0 and 8..15 in q1.
    cpu.d[0] = halves([0, 1, 2, 3]);
    cpu.d[1] = halves([4, 5, 6, 7]);
    cpu.d[2] = halves([8, 9, 10, 11]);
    cpu.d[3] = halves([12, 13, 14, 15]);
    run(&mut cpu, &mut mem, 0xf3b60142);
    assert_eq!(
        (cpu.d[0], cpu.d[1]),
        (halves([0, 2, 4, 6]), halves([8, 10, 12, 14]))
    );
    assert_eq!(
        (cpu.d[2], cpu.d[3]),
        (halves([1, 3, 5, 7]), halves([9, 11, 13, 15]))
    );

    // vzip.32 q0, q1: a0 b0 a1 b1 | a2 b2 a3 b3.
    cpu.d[0] = words(0xa0, 0xa1);
    cpu.d[1] = words(0xa2, 0xa3);
    cpu.d[2] = words(0xb0, 0xb1);
    cpu.d[3] = words(0xb2, 0xb3);
    run(&mut cpu, &mut mem, 0xf3ba01c2);
    assert_eq!((cpu.d[0], cpu.d[1]), (words(0xa0, 0xb0), words(0xa1, 0xb1)));
    assert_eq!((cpu.d[2], cpu.d[3]), (words(0xa2, 0xb2), words(0xa3, 0xb3)));
}

#[test]
fn vtbl_out_of_range_is_zero_and_vtbx_keeps() {
    let (mut cpu, mut mem) = setup();
    cpu.d[1] = bytes([0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7]);
    cpu.d[2] = bytes([0, 7, 8, 255, 3, 1, 2, 9]);
    cpu.d[0] = 0x5555_5555_5555_5555;
    run(&mut cpu, &mut mem, 0xf3b10802); // vtbl.8 d0, {d1}, d2
    assert_eq!(cpu.d[0], bytes([0xa0, 0xa7, 0, 0, 0xa3, 0xa1, 0xa2, 0]));
    cpu.d[0] = 0x5555_5555_5555_5555;
    run(&mut cpu, &mut mem, 0xf3b10842); // vtbx.8 d0, {d1}, d2
    assert_eq!(
        cpu.d[0],
        bytes([0xa0, 0xa7, 0x55, 0x55, 0xa3, 0xa1, 0xa2, 0x55])
    );
    // vtbl.8 d0, {d30-d31}, d2: two-register table.
    cpu.d[30] = cpu.d[1];
    cpu.d[31] = bytes([0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7]);
    run(&mut cpu, &mut mem, 0xf3be0982);
    assert_eq!(
        cpu.d[0],
        bytes([0xa0, 0xa7, 0xb0, 0, 0xa3, 0xa1, 0xa2, 0xb1])
    );
}

#[test]
fn vqadd_saturates_and_sets_qc() {
    let (mut cpu, mut mem) = setup();
    cpu.d[1] = bytes([0x7f, 0x80, 1, 0xfe, 0, 0, 0, 0]);
    cpu.d[2] = bytes([1, 0xff, 2, 0xfe, 0, 0, 0, 0]);
    run(&mut cpu, &mut mem, 0xf2010012); // vqadd.s8 d0, d1, d2
    assert_eq!(cpu.d[0], bytes([0x7f, 0x80, 3, 0xfc, 0, 0, 0, 0]));
    assert_ne!(cpu.fpscr & QC, 0);

    cpu.fpscr = 0;
    cpu.d[1] = bytes([1, 2, 0, 0, 0, 0, 0, 0]);
    cpu.d[2] = bytes([1, 2, 0, 0, 0, 0, 0, 0]);
    run(&mut cpu, &mut mem, 0xf2010012);
    assert_eq!(cpu.fpscr & QC, 0, "no saturation, QC untouched");

    cpu.d[1] = bytes([0xff, 0x80, 0, 0, 0, 0, 0, 0]);
    cpu.d[2] = bytes([1, 0x80, 0, 0, 0, 0, 0, 0]);
    run(&mut cpu, &mut mem, 0xf3010012); // vqadd.u8 d0, d1, d2
    assert_eq!(cpu.d[0], bytes([0xff, 0xff, 0, 0, 0, 0, 0, 0]));
    assert_ne!(cpu.fpscr & QC, 0);
}

#[test]
fn vqdmulh_and_vqrdmulh() {
    let (mut cpu, mut mem) = setup();
    cpu.d[1] = halves([0x8000, 0x4000, 0x0003, 0xffff]);
    cpu.d[2] = halves([0x8000, 0x4000, 0x4000, 0x0001]);
    run(&mut cpu, &mut mem, 0xf2110b02); // vqdmulh.s16 d0, d1, d2
                                         // 2*3*0x4000 = 0x18000 -> 1; 2*-1*1 = -2 -> -1 (floor).
    assert_eq!(cpu.d[0], halves([0x7fff, 0x2000, 0x0001, 0xffff]));
    assert_ne!(cpu.fpscr & QC, 0);
    run(&mut cpu, &mut mem, 0xf3110b02); // vqrdmulh.s16 d0, d1, d2
                                         // (0x18000 + 0x8000) >> 16 = 2; (-2 + 0x8000) >> 16 = 0.
    assert_eq!(cpu.d[0], halves([0x7fff, 0x2000, 0x0002, 0x0000]));
}

#[test]
fn narrowing_shifts_round_and_saturate() {
    let (mut cpu, mut mem) = setup();
    cpu.d[2] = halves([0x1234, 0xabcd, 0x00ff, 0x8000]);
    cpu.d[3] = halves([0x0100, 0xffff, 0x7f80, 0x0080]);
    run(&mut cpu, &mut mem, 0xf2880812); // vshrn.i16 d0, q1, #8
    assert_eq!(
        cpu.d[0],
        bytes([0x12, 0xab, 0x00, 0x80, 0x01, 0xff, 0x7f, 0x00])
    );

    // vqrshrn.s32 d0, q1, #16
    cpu.d[2] = words(0x0001_8000, 0x7fff_ffff);
    cpu.d[3] = words((-0x18000i32) as u32, 0x0000_7fff);
    run(&mut cpu, &mut mem, 0xf2900952);
    // (0x18000 + 0x8000) >> 16 = 2; 0x7fffffff rounds to 0x8000 -> 0x7fff
    // (saturated); (-0x18000 + 0x8000) >> 16 = -1; 0x7fff rounds to 0.
    assert_eq!(cpu.d[0], halves([2, 0x7fff, 0xffff, 0]));
    assert_ne!(cpu.fpscr & QC, 0);

    // vqrshrun.s16 d0, q1, #4: signed input, unsigned result.
    cpu.fpscr = 0;
    cpu.d[2] = halves([0x0018, 0xfff0, 0x0ff8, 0x1000]);
    cpu.d[3] = halves([0x0007, 0x0008, 0, 0]);
    run(&mut cpu, &mut mem, 0xf38c0852);
    // 0x18 -> (0x18+8)>>4 = 2; -16 -> 0 (saturated); 0xff8 -> 0x100 -> 0xff
    // (saturated); 0x1000 -> 0x100 -> 0xff; 7 -> 0; 8 -> 1.
    assert_eq!(cpu.d[0], bytes([2, 0, 0xff, 0xff, 0, 1, 0, 0]));
    assert_ne!(cpu.fpscr & QC, 0);
}

#[test]
fn polynomial_multiply_long() {
    let (mut cpu, mut mem) = setup();
    cpu.d[1] = bytes([0xff, 0x03, 0x80, 0x57, 0, 1, 2, 0xaa]);
    cpu.d[2] = bytes([0xff, 0x03, 0x02, 0x83, 9, 1, 2, 0x55]);
    run(&mut cpu, &mut mem, 0xf2810e02); // vmull.p8 q0, d1, d2
                                         // 0x57 * 0x83 (carry-less) = 0x57<<7 ^ 0x57<<1 ^ 0x57 = 0x2b80 ^ 0xae ^ 0x57.
    let p = 0x2b80 ^ 0xae ^ 0x57;
    assert_eq!(cpu.d[0], halves([0x5555, 0x0005, 0x0100, p]));
    // 0xaa * 0x55: bits of 0x55 at 0,2,4,6 -> 0xaa ^ 0x2a8 ^ 0xaa0 ^ 0x2a80.
    assert_eq!(cpu.d[1], halves([0, 1, 4, 0xaa ^ 0x2a8 ^ 0xaa0 ^ 0x2a80]));
}

#[test]
fn vcvt_float_to_int_truncates_and_saturates() {
    let (mut cpu, mut mem) = setup();
    cpu.d[1] = words(f(-1.75), f(3e9));
    run(&mut cpu, &mut mem, 0xf3bb0701); // vcvt.s32.f32 d0, d1
    assert_eq!(cpu.d[0], words(-1i32 as u32, 0x7fff_ffff));
    assert_ne!(cpu.fpscr & IOC, 0);
    cpu.fpscr = 0;
    cpu.d[1] = words(0x7fc0_0000, f(-0.5));
    run(&mut cpu, &mut mem, 0xf3bb0781); // vcvt.u32.f32 d0, d1
    assert_eq!(cpu.d[0], 0, "NaN -> 0, -0.5 -> 0");
    assert_eq!(cpu.fpscr & (IOC | IXC), IOC | IXC);
    cpu.d[1] = words(f(2.75), f(-2.75));
    run(&mut cpu, &mut mem, 0xf2b80f11); // vcvt.s32.f32 d0, d1, #8
    assert_eq!(cpu.d[0], words(0x2c0, (-0x2c0i32) as u32));
    cpu.d[1] = words(0xffff_ffff, 16_777_217);
    run(&mut cpu, &mut mem, 0xf3bb0681); // vcvt.f32.u32 d0, d1
    assert_eq!(
        cpu.d[0],
        words(f(4294967296.0), f(16777216.0)),
        "round to nearest even"
    );
    cpu.d[1] = words(0x0001_8000, (-0x0000_8000i32) as u32);
    run(&mut cpu, &mut mem, 0xf2b00e11); // vcvt.f32.s32 d0, d1, #16
    assert_eq!(cpu.d[0], words(f(1.5), f(-0.5)));
}

#[test]
fn reciprocal_estimates_match_the_arm_arm() {
    let (mut cpu, mut mem) = setup();
    cpu.d[1] = words(f(1.0), f(3.0));
    run(&mut cpu, &mut mem, 0xf3bb0501); // vrecpe.f32 d0, d1
    assert_eq!(cpu.d[0], words(0x3f7f_8000, 0x3eaa_8000)); // 0.998046875, 0.333007812
    cpu.d[1] = words(0x8000_0000, f(-2.0));
    run(&mut cpu, &mut mem, 0xf3bb0501);
    assert_eq!(
        cpu.d[0],
        words(0xff80_0000, 0xbeff_8000),
        "-0 -> -inf, -2 -> -0.499"
    );
    cpu.d[1] = words(f(1.0), f(2.0));
    run(&mut cpu, &mut mem, 0xf3bb0581); // vrsqrte.f32 d0, d1
    assert_eq!(cpu.d[0], words(0x3f7f_8000, 0x3f34_8000)); // 0.998046875, 0.705078125
    cpu.d[1] = words(f(4.0), f(-1.0));
    run(&mut cpu, &mut mem, 0xf3bb0581);
    assert_eq!(cpu.d[0], words(0x3eff_8000, DEFAULT_NAN));
    assert_ne!(cpu.fpscr & IOC, 0);
    cpu.d[1] = words(0x8000_0000, 0x7fff_ffff);
    run(&mut cpu, &mut mem, 0xf3bb0401); // vrecpe.u32 d0, d1
    assert_eq!(cpu.d[0], words(0xff80_0000, 0xffff_ffff));
}

#[test]
fn rsqrt_estimate_table_is_exact() {
    // The f64 formula of the ARM ARM and the integer search agree.
    for q in 128..256u32 {
        for (half, scale) in [(true, 256.0), (false, 512.0)] {
            let r = 1.0 / ((q as f64 + 0.5) / scale).sqrt();
            assert_eq!(
                recip_sqrt_estimate(q, half),
                (256.0 * r + 0.5).floor() as u32
            );
        }
    }
}

#[test]
fn half_precision_conversions() {
    let (mut cpu, mut mem) = setup();
    let tie = f32::from_bits(0x3f80_1000); // 1 + 2^-11: halfway, rounds to even
    let up = f32::from_bits(0x3f80_3000); // 1 + 3 * 2^-11: rounds up
    cpu.d[2] = words(f(1.0), f(65504.0));
    cpu.d[3] = words(f(tie), f(up));
    run(&mut cpu, &mut mem, 0xf3b60602); // vcvt.f16.f32 d0, q1
    assert_eq!(cpu.d[0], halves([0x3c00, 0x7bff, 0x3c00, 0x3c02]));
    cpu.d[2] = words(f(65520.0), f(2f32.powi(-24)));
    cpu.d[3] = words(f(-0.0), 0x7f80_0001);
    cpu.fpscr = 0;
    run(&mut cpu, &mut mem, 0xf3b60602);
    assert_eq!(cpu.d[0], halves([0x7c00, 0x0001, 0x8000, 0x7e00]));
    assert_eq!(cpu.fpscr & (OFC | IOC), OFC | IOC);

    cpu.d[1] = halves([0x3c00, 0x0001, 0xfc00, 0x7d00]);
    run(&mut cpu, &mut mem, 0xf3b60701); // vcvt.f32.f16 q0, d1
    assert_eq!(cpu.d[0], words(f(1.0), f(2f32.powi(-24))));
    assert_eq!(cpu.d[1], words(0xff80_0000, DEFAULT_NAN));
}

/// Found by the difftest: the standard FPSCR value keeps FPSCR.AHP, so with
/// alternative half precision a NaN converts to zero (IOC) and the largest
/// exponent is a number, not infinity.
#[test]
fn half_precision_conversions_honour_ahp() {
    let (mut cpu, mut mem) = setup();
    cpu.fpscr = 1 << 26; // AHP
    cpu.d[2] = words(0x7fc0_0000, f(1.0));
    cpu.d[3] = words(f(65536.0), f(131008.0));
    run(&mut cpu, &mut mem, 0xf3b60602); // vcvt.f16.f32 d0, q1
                                         // NaN -> 0 (IOC); 1.0; 65536 = 2^16 and 131008 are representable with
                                         // exponent field 31 in AHP.
    assert_eq!(cpu.d[0], halves([0x0000, 0x3c00, 0x7c00, 0x7fff]));
    assert_eq!(cpu.fpscr & IOC, IOC);
    cpu.d[1] = halves([0x7c00, 0xfc01, 0x3c00, 0]);
    run(&mut cpu, &mut mem, 0xf3b60701); // vcvt.f32.f16 q0, d1
    assert_eq!(cpu.d[0], words(f(65536.0), f(-65600.0)));
}

#[test]
fn float_flush_to_zero_and_default_nan() {
    let (mut cpu, mut mem) = setup();
    let min = f32::MIN_POSITIVE;
    cpu.d[1] = words(0x0000_0001, f(1.5 * min));
    cpu.d[2] = words(f(1.0), f(-min));
    run(&mut cpu, &mut mem, 0xf2010d02); // vadd.f32 d0, d1, d2
                                         // Denormal input counts as +0; 0.5 * min is tiny and flushes to +0.
    assert_eq!(cpu.d[0], words(f(1.0), 0));
    assert_eq!(cpu.fpscr & (IDC | UFC), IDC | UFC);

    cpu.fpscr = 0;
    cpu.d[1] = words(0xffc1_2345, f(f32::INFINITY));
    cpu.d[2] = words(f(1.0), f(f32::NEG_INFINITY));
    run(&mut cpu, &mut mem, 0xf2010d02);
    assert_eq!(cpu.d[0], words(DEFAULT_NAN, DEFAULT_NAN));
    assert_eq!(cpu.fpscr & IOC, IOC, "inf - inf is invalid");

    cpu.d[1] = words(f(f32::MAX), f(0.1));
    cpu.d[2] = words(f(f32::MAX), f(0.2));
    cpu.fpscr = 0;
    run(&mut cpu, &mut mem, 0xf2010d02);
    assert_eq!(cpu.d[0], words(f(f32::INFINITY), f(0.1 + 0.2)));
    assert_eq!(cpu.fpscr & (OFC | IXC), OFC | IXC);
}

#[test]
fn vfma_is_fused_and_vmla_is_not() {
    let (mut cpu, mut mem) = setup();
    let a = 1.0 + 2f32.powi(-12);
    let acc = -(1.0 + 2f32.powi(-11));
    cpu.d[1] = words(f(a), f(2.0));
    cpu.d[2] = words(f(a), f(3.0));
    cpu.d[0] = words(f(acc), f(1.0));
    run(&mut cpu, &mut mem, 0xf2010c12); // vfma.f32 d0, d1, d2
    assert_eq!(cpu.d[0], words(f(2f32.powi(-24)), f(7.0)));
    cpu.d[0] = words(f(acc), f(1.0));
    run(&mut cpu, &mut mem, 0xf2010d12); // vmla.f32 d0, d1, d2
    assert_eq!(cpu.d[0], words(0, f(7.0)));
}

#[test]
fn float_max_min_recps() {
    let (mut cpu, mut mem) = setup();
    cpu.d[1] = words(f(0.0), f(-3.0));
    cpu.d[2] = words(f(-0.0), f(2.0));
    run(&mut cpu, &mut mem, 0xf2010f02); // vmax.f32 d0, d1, d2
    assert_eq!(cpu.d[0], words(f(0.0), f(2.0)));
    run(&mut cpu, &mut mem, 0xf2210f02); // vmin.f32 d0, d1, d2
    assert_eq!(cpu.d[0], words(f(-0.0), f(-3.0)));
    cpu.d[1] = words(f(f32::INFINITY), f(1.5));
    cpu.d[2] = words(f(0.0), f(0.5));
    run(&mut cpu, &mut mem, 0xf2010f12); // vrecps.f32 d0, d1, d2
    assert_eq!(cpu.d[0], words(f(2.0), f(1.25)));
    cpu.d[1] = words(f(1.0), f(f32::NAN));
    cpu.d[2] = words(f(1.0), f(1.0));
    cpu.fpscr = 0;
    run(&mut cpu, &mut mem, 0xf3010e02); // vcge.f32 d0, d1, d2
    assert_eq!(cpu.d[0], words(!0, 0));
    assert_ne!(cpu.fpscr & IOC, 0, "ordered compare with NaN");
}

#[test]
fn shifts_by_register() {
    let (mut cpu, mut mem) = setup();
    // vrshl.s16 d0, d1, d2: shifts d1 by d2.
    cpu.d[1] = halves([5, (-5i16) as u16, 0x4000, 0x1234]);
    cpu.d[2] = halves([0xffff, 0xffff, 2, 0x0080]); // -1, -1, +2, -128
    run(&mut cpu, &mut mem, 0xf2120501);
    assert_eq!(cpu.d[0], halves([3, (-2i16) as u16, 0, 0]));
    // vqshl.s8 d0, d1, d2
    cpu.d[1] = bytes([0x40, 0xc0, 0x01, 0x81, 0x10, 0, 0, 0]);
    cpu.d[2] = bytes([1, 1, 7, 0xff, 0xfc, 0, 0, 0]);
    run(&mut cpu, &mut mem, 0xf2020411);
    assert_eq!(cpu.d[0], bytes([0x7f, 0x80, 0x7f, 0xc0, 0x01, 0, 0, 0]));
    assert_ne!(cpu.fpscr & QC, 0);
}

#[test]
fn shifts_by_immediate() {
    let (mut cpu, mut mem) = setup();
    cpu.d[0] = bytes([0xab; 8]);
    cpu.d[1] = bytes([0x12, 0xf0, 0, 0, 0, 0, 0, 0x0f]);
    run(&mut cpu, &mut mem, 0xf38c0411); // vsri.8 d0, d1, #4
    assert_eq!(
        cpu.d[0],
        bytes([0xa1, 0xaf, 0xa0, 0xa0, 0xa0, 0xa0, 0xa0, 0xa0])
    );
    cpu.d[0] = halves([0xffff; 4]);
    cpu.d[1] = halves([0x1234, 0, 0, 0]);
    run(&mut cpu, &mut mem, 0xf3940511); // vsli.16 d0, d1, #4
    assert_eq!(cpu.d[0], halves([0x234f, 0x000f, 0x000f, 0x000f]));
    cpu.d[1] = 0x8000_0000_0000_0000;
    run(&mut cpu, &mut mem, 0xf2800091); // vshr.s64 d0, d1, #64
    assert_eq!(cpu.d[0], !0);
    run(&mut cpu, &mut mem, 0xf3800291); // vrshr.u64 d0, d1, #64
    assert_eq!(cpu.d[0], 1);
    cpu.d[1] = bytes([0x20, 0x1f, 0xff, 0x80, 1, 0, 0, 0]);
    run(&mut cpu, &mut mem, 0xf38a0611); // vqshlu.s8 d0, d1, #2
    assert_eq!(cpu.d[0], bytes([0x80, 0x7c, 0, 0, 4, 0, 0, 0]));
    cpu.d[1] = bytes([0xff, 0x80, 1, 2, 3, 4, 5, 6]);
    run(&mut cpu, &mut mem, 0xf3880a11); // vmovl.u8 q0, d1
    assert_eq!(
        (cpu.d[0], cpu.d[1]),
        (halves([0xff, 0x80, 1, 2]), halves([3, 4, 5, 6]))
    );
    cpu.d[1] = halves([0x8001, 2, 3, 4]);
    run(&mut cpu, &mut mem, 0xf3b60301); // vshll.i16 q0, d1, #16
    assert_eq!(
        (cpu.d[0], cpu.d[1]),
        (
            words(0x8001_0000, 0x0002_0000),
            words(0x0003_0000, 0x0004_0000)
        )
    );
}

#[test]
fn misc_integer_ops() {
    let (mut cpu, mut mem) = setup();
    cpu.d[1] = bytes([0xff, 0x01, 0x80, 0x7f, 0x00, 0x0f, 0xc0, 0x3f]);
    run(&mut cpu, &mut mem, 0xf3b00501); // vcnt.8
    assert_eq!(cpu.d[0], bytes([8, 1, 1, 7, 0, 4, 2, 6]));
    run(&mut cpu, &mut mem, 0xf3b00481); // vclz.i8
    assert_eq!(cpu.d[0], bytes([0, 7, 0, 1, 8, 4, 0, 2]));
    run(&mut cpu, &mut mem, 0xf3b00401); // vcls.s8
    assert_eq!(cpu.d[0], bytes([7, 6, 0, 0, 7, 3, 1, 1]));
    run(&mut cpu, &mut mem, 0xf3b00281); // vpaddl.u8
    assert_eq!(cpu.d[0], halves([0x100, 0xff, 0x0f, 0xff]));
    run(&mut cpu, &mut mem, 0xf3b00781); // vqneg.s8
    assert_eq!(
        cpu.d[0],
        bytes([0x01, 0xff, 0x7f, 0x81, 0, 0xf1, 0x40, 0xc1])
    );
    run(&mut cpu, &mut mem, 0xf3b00701); // vqabs.s8
    assert_eq!(
        cpu.d[0],
        bytes([0x01, 0x01, 0x7f, 0x7f, 0, 0x0f, 0x40, 0x3f])
    );
    run(&mut cpu, &mut mem, 0xf3b00081); // vrev32.8
    assert_eq!(
        cpu.d[0],
        bytes([0x7f, 0x80, 0x01, 0xff, 0x3f, 0xc0, 0x0f, 0x00])
    );
    cpu.d[1] = halves([1, 2, 3, 4]);
    run(&mut cpu, &mut mem, 0xf3b40001); // vrev64.16
    assert_eq!(cpu.d[0], halves([4, 3, 2, 1]));
    cpu.d[2] = halves([0xfff0, 0x0003, 0x0010, 0xf000]);
    cpu.d[3] = halves([0x8000, 0x00ff, 0x7fff, 0x0100]);
    cpu.fpscr = 0;
    run(&mut cpu, &mut mem, 0xf3b20242); // vqmovun.s16 d0, q1
    assert_eq!(cpu.d[0], bytes([0, 3, 0x10, 0, 0, 0xff, 0xff, 0xff]));
    assert_ne!(cpu.fpscr & QC, 0);
    cpu.d[2] = words(0x1234_5678, 0x9abc_def0);
    cpu.d[3] = words(0x0000_ffff, 0xffff_0000);
    run(&mut cpu, &mut mem, 0xf3b60202); // vmovn.i32 d0, q1
    assert_eq!(cpu.d[0], halves([0x5678, 0xdef0, 0xffff, 0]));
}

#[test]
fn three_same_integer_ops() {
    let (mut cpu, mut mem) = setup();
    cpu.d[1] = bytes([0x80, 0x7f, 3, 0xff, 10, 0, 0, 0]);
    cpu.d[2] = bytes([0x7f, 0x7f, 4, 0x01, 20, 0, 0, 0]);
    run(&mut cpu, &mut mem, 0xf2010002); // vhadd.s8
    assert_eq!(cpu.d[0], bytes([0xff, 0x7f, 3, 0, 15, 0, 0, 0]));
    run(&mut cpu, &mut mem, 0xf3010102); // vrhadd.u8
    assert_eq!(cpu.d[0], bytes([0x80, 0x7f, 4, 0x80, 15, 0, 0, 0]));
    run(&mut cpu, &mut mem, 0xf3010702); // vabd.u8
    assert_eq!(cpu.d[0], bytes([1, 0, 1, 0xfe, 10, 0, 0, 0]));
    run(&mut cpu, &mut mem, 0xf3010a02); // vpmax.u8 d0, d1, d2
    assert_eq!(cpu.d[0], bytes([0x80, 0xff, 10, 0, 0x7f, 0x04, 20, 0]));
    cpu.d[1] = halves([1, 2, 3, 4]);
    cpu.d[2] = halves([0xffff, 1, 5, 5]);
    run(&mut cpu, &mut mem, 0xf2110b12); // vpadd.i16
    assert_eq!(cpu.d[0], halves([3, 7, 0, 10]));
    cpu.d[0] = 0xff00_ff00_ff00_ff00;
    cpu.d[1] = 0x1111_1111_1111_1111;
    cpu.d[2] = 0x2222_2222_2222_2222;
    run(&mut cpu, &mut mem, 0xf3110112); // vbsl d0, d1, d2
    assert_eq!(cpu.d[0], 0x1122_1122_1122_1122);
    cpu.d[2] = bytes([0, 1, 2, 3, 4, 5, 6, 7]);
    cpu.d[4] = bytes([0, 0, 2, 0, 4, 0, 6, 0]);
    run(&mut cpu, &mut mem, 0xf3020854); // vceq.i8 q0, q1, q2
    assert_eq!(cpu.d[0], bytes([0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0]));
}

#[test]
fn long_and_by_scalar_ops() {
    let (mut cpu, mut mem) = setup();
    cpu.d[0] = words(0x7fff_fff0, 5);
    cpu.d[1] = words(0, 0);
    cpu.d[2] = halves([0x7fff, 0x8000, 2, 0]);
    cpu.d[3] = halves([0x7fff, 0x8000, 3, 0]);
    run(&mut cpu, &mut mem, 0xf2920903); // vqdmlal.s16 q0, d2, d3
                                         // 0x7ffffff0 + 2*0x7fff^2 saturates; 5 + sat(2*0x8000^2) saturates;
                                         // 0 + 12.
    assert_eq!(cpu.d[0], words(0x7fff_ffff, 0x7fff_ffff));
    assert_eq!(cpu.d[1], words(12, 0));
    assert_ne!(cpu.fpscr & QC, 0);

    cpu.d[1] = halves([1, 2, 3, 0xffff]);
    cpu.d[2] = halves([0, 0, 0, 10]);
    cpu.d[0] = halves([100, 100, 100, 100]);
    run(&mut cpu, &mut mem, 0xf291006a); // vmla.i16 d0, d1, d2[3]
    assert_eq!(cpu.d[0], halves([110, 120, 130, 90]));
    cpu.d[2] = halves([0, 0xfffe, 0, 0]);
    run(&mut cpu, &mut mem, 0xf2910a4a); // vmull.s16 q0, d1, d2[1]
    assert_eq!(
        (cpu.d[0], cpu.d[1]),
        (words(-2i32 as u32, -4i32 as u32), words(-6i32 as u32, 2))
    );

    cpu.d[2] = halves([0x00ff, 0x0180, 0xffff, 0x0001]);
    cpu.d[3] = halves([0x0001, 0x0080, 0x0001, 0x7fff]);
    cpu.d[4] = halves([0x0001, 0x0000, 0x0001, 0x0000]);
    cpu.d[5] = halves([0, 0, 0, 0]);
    run(&mut cpu, &mut mem, 0xf2820404); // vaddhn.i16 d0, q1, q2
    assert_eq!(cpu.d[0], bytes([1, 1, 0, 0, 0, 0, 0, 0x7f]));
    run(&mut cpu, &mut mem, 0xf3820404); // vraddhn.i16 d0, q1, q2
    assert_eq!(cpu.d[0], bytes([1, 2, 0, 0, 0, 1, 0, 0x80]));

    cpu.d[0] = halves([1, 1, 1, 1]);
    cpu.d[1] = halves([0xffff, 0, 0, 0]);
    cpu.d[2] = bytes([10, 0, 200, 0, 0, 0, 0, 0]);
    cpu.d[3] = bytes([3, 5, 100, 0, 1, 0, 0, 0]);
    run(&mut cpu, &mut mem, 0xf3820503); // vabal.u8 q0, d2, d3
    assert_eq!(
        (cpu.d[0], cpu.d[1]),
        (halves([8, 6, 101, 1]), halves([0, 0, 0, 0]))
    );

    cpu.d[2] = halves([1000, 0, 0, 0]);
    cpu.d[3] = halves([0, 0, 0, 0]);
    cpu.d[4] = bytes([0xff, 0x7f, 0, 0, 0, 0, 0, 0]);
    run(&mut cpu, &mut mem, 0xf2820304); // vsubw.s8 q0, q1, d4
    assert_eq!(cpu.d[0], halves([1001, 0xff81, 0, 0]));
}

#[test]
fn immediates_ext_dup() {
    let (mut cpu, mut mem) = setup();
    run(&mut cpu, &mut mem, 0xf2850e55); // vmov.i8 q0, #0x55
    assert_eq!(
        (cpu.d[0], cpu.d[1]),
        (0x5555_5555_5555_5555, 0x5555_5555_5555_5555)
    );
    run(&mut cpu, &mut mem, 0xf387013f); // vbic.i32 d0, #0xff
    assert_eq!(cpu.d[0], 0x5555_5500_5555_5500);
    run(&mut cpu, &mut mem, 0xf2810b12); // vorr.i16 d0, #0x1200
    assert_eq!(cpu.d[0], 0x5755_5700_5755_5700);
    cpu.d[1] = bytes([0, 1, 2, 3, 4, 5, 6, 7]);
    cpu.d[2] = bytes([0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17]);
    run(&mut cpu, &mut mem, 0xf2b10302); // vext.8 d0, d1, d2, #3
    assert_eq!(cpu.d[0], bytes([3, 4, 5, 6, 7, 0x10, 0x11, 0x12]));
    cpu.d[1] = halves([1, 2, 3, 0xbeef]);
    run(&mut cpu, &mut mem, 0xf3be0c41); // vdup.16 q0, d1[3]
    assert_eq!(
        (cpu.d[0], cpu.d[1]),
        (0xbeef_beef_beef_beef, 0xbeef_beef_beef_beef)
    );
}

/// A small xorshift generator for the sweep.
fn rng(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn random_instructions_never_panic() {
    let mut s = 0x0dd_ba11_cafe_f00du64;
    let (mut cpu, mut mem) = setup();
    for i in 0..300_000 {
        let r = rng(&mut s) as u32;
        let raw = if i % 4 == 0 {
            // Loads and stores with Rn = r0 and no writeback.
            0xf400_000f | (r & 0x00ef_ff00 & !(0xf << 16))
        } else {
            0xf200_0000 | (r & 0x01ff_ffff)
        };
        for d in cpu.d.iter_mut() {
            *d = rng(&mut s);
        }
        cpu.r[0] = BASE + 0x80;
        if let Some(Op::Neon(insn)) = decode(raw, 0) {
            exec(&mut cpu, &mut mem, &insn).expect("in range");
        }
    }
}

#[test]
fn alignment_hints_fault_when_misaligned() {
    let (mut cpu, mut mem) = setup();
    // vst1.64 {d0, d1}, [r0:128]
    cpu.r[0] = BASE + 8; // 8-aligned only
    let r = match decode(0xf4000aef, 0) {
        Some(Op::Neon(n)) => exec(&mut cpu, &mut mem, &n),
        other => panic!("{other:?}"),
    };
    assert!(
        matches!(
            r,
            Err(crate::mem::MemFault {
                kind: crate::mem::FaultKind::Alignment,
                ..
            })
        ),
        "{r:?}"
    );
    cpu.r[0] = BASE + 16;
    match decode(0xf4000aef, 0) {
        Some(Op::Neon(n)) => exec(&mut cpu, &mut mem, &n).unwrap(),
        other => panic!("{other:?}"),
    }
}
