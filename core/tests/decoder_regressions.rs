//! Decodings the instruction-level difftest (docs/difftest.md) showed wrong,
//! pinned so they stay fixed.

use rsemu_core::arm::{a32, t32};
use rsemu_core::ir::Op;

#[test]
fn t32_ssat_with_zero_shift_is_ssat16() {
    // f322 0e1f: SSAT16 r14, r2 with its should-be-zero bit 4 set; QEMU
    // reads the saturation field as five bits (here 31 + 1).
    assert_eq!(
        t32::decode32(0xf322_0e1f, 0x1000, 0),
        Op::Sat16 {
            signed: true,
            rd: 14,
            bits: 32,
            rn: 2
        }
    );
}

#[test]
fn should_be_zero_fields_make_undefined() {
    for raw in [
        0xf383_af89u32,
        0xf381_86d9,
        0xf3ef_8845,
        0xeb60_ca03,
        0xf769_3256,
    ] {
        assert_eq!(
            t32::decode32(raw, 0x1000, 0),
            Op::Undefined { raw },
            "T32 {raw:08x}"
        );
    }
    for raw in [0xe3eb_0345u32, 0xe0e4_a5d8] {
        assert_eq!(
            a32::decode(raw, 0x1000).1,
            Op::Undefined { raw },
            "A32 {raw:08x}"
        );
    }
    // Empty register lists.
    for hw in [0xc000u16, 0xb400] {
        assert_eq!(
            t32::decode16(hw, 0x1000, 0),
            Op::Undefined { raw: hw as u32 },
            "T16 {hw:04x}"
        );
    }
}
