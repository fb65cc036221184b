//! The decoders checked against capstone, in both instruction sets:
//! random encodings that capstone decodes as a common user-level
//! instruction must rarely be undefined for us (only UNPREDICTABLE forms,
//! which we decode as UNDEFINED as QEMU does, and capstone prints anyway;
//! the instruction-level difftest checks those against qemu-arm), and
//! every encoding we accept must be one capstone knows.

use capstone::prelude::*;
use rsemu_core::arm::{a32, t32, t32_is_wide};
use rsemu_core::ir::Op;

/// Mnemonic stems of ordinary user-level integer instructions (capstone
/// appends condition codes and `.w`; we compare the stem).
const COMMON: &[&str] = &[
    "add", "adds", "adc", "adcs", "sub", "subs", "sbc", "sbcs", "rsb", "rsbs", "and", "ands",
    "orr", "orrs", "eor", "eors", "bic", "bics", "mov", "movs", "mvn", "mvns", "cmp", "cmn", "tst",
    "teq", "lsl", "lsls", "lsr", "lsrs", "asr", "asrs", "ror", "rors", "mul", "muls", "mla", "mls",
    "umull", "smull", "umlal", "smlal", "ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "str", "strb",
    "strh", "ldm", "stm", "push", "pop", "clz", "rev", "rev16", "revsh", "rbit", "uxtb", "uxth",
    "sxtb", "sxth", "ubfx", "sbfx", "bfi", "bfc", "movw", "movt", "sdiv", "udiv", "b", "bl", "bx",
    "blx",
];

fn stem(mnemonic: &str) -> String {
    let m = mnemonic.split('.').next().unwrap_or("");
    m.to_string()
}

fn is_common(m: &str) -> bool {
    let s = stem(m);
    if COMMON.contains(&s.as_str()) {
        return true;
    }
    // Strip a condition suffix (eq, ne, ...).
    const CONDS: [&str; 14] = [
        "eq", "ne", "hs", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le",
    ];
    CONDS
        .iter()
        .any(|c| s.strip_suffix(c).is_some_and(|base| COMMON.contains(&base)))
}

/// Encodings capstone prints but the ARM ARM makes UNPREDICTABLE or
/// privileged, which we decode as undefined on purpose: LDM/STM with `^`
/// (user registers / exception return), bitfield ranges past bit 31 or
/// msb < lsb (capstone shows them anyway), long multiplies with RdLo == RdHi.
fn unpredictable_a32(m: &str, ops: &str) -> bool {
    let regs: Vec<&str> = ops.split(", ").collect();
    ops.ends_with('^')
        || m.starts_with("sbfx")
        || m.starts_with("ubfx")
        || m.starts_with("bfi")
        || m.starts_with("bfc")
        || (["umull", "smull", "umlal", "smlal"]
            .iter()
            .any(|x| m.starts_with(x))
            && regs.len() > 1
            && regs[0] == regs[1])
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
}

#[test]
fn a32_common_instructions_decode() {
    let cs = Capstone::new()
        .arm()
        .mode(arch::arm::ArchMode::Arm)
        .build()
        .unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut checked, mut bad) = (0, Vec::new());
    for _ in 0..200_000 {
        // Keep the condition AL-ish and avoid the unconditional space.
        let raw = (rng.next() & 0x0fff_ffff) | 0xe000_0000;
        let insns = cs.disasm_count(&raw.to_le_bytes(), 0x10000, 1).unwrap();
        let Some(i) = insns.iter().next() else {
            continue;
        };
        let m = i.mnemonic().unwrap_or("");
        if !is_common(m) {
            continue;
        }
        checked += 1;
        if let (_, Op::Undefined { .. }) = a32::decode(raw, 0x10000) {
            // Capstone accepts some UNPREDICTABLE forms (PC as a register);
            // only count encodings without r15/pc in the operands.
            let ops = i.op_str().unwrap_or("");
            if !ops.contains("pc") && !unpredictable_a32(m, ops) {
                bad.push(format!("{raw:08x} {m} {ops}"));
            }
        }
    }
    assert!(checked > 10_000, "only {checked} common encodings checked");
    assert!(
        bad.len() * 10 <= checked,
        "{} of {checked} undefined, e.g. {:?}",
        bad.len(),
        &bad[..bad.len().min(20)]
    );
}

#[test]
fn t32_common_instructions_decode() {
    let cs = Capstone::new()
        .arm()
        .mode(arch::arm::ArchMode::Thumb)
        .build()
        .unwrap();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut checked, mut bad) = (0, Vec::new());
    for n in 0..200_000 {
        let (bytes, op) = if n % 2 == 0 {
            let hw = (rng.next() & 0xffff) as u16;
            if t32_is_wide(hw) {
                continue;
            }
            (hw.to_le_bytes().to_vec(), t32::decode16(hw, 0x10000, 0))
        } else {
            let first = (rng.next() as u16) | 0xe800;
            if !t32_is_wide(first) {
                continue;
            }
            let second = rng.next() as u16;
            let raw = (first as u32) << 16 | second as u32;
            let mut b = first.to_le_bytes().to_vec();
            b.extend_from_slice(&second.to_le_bytes());
            (b, t32::decode32(raw, 0x10000, 0))
        };
        let insns = cs.disasm_count(&bytes, 0x10000, 1).unwrap();
        let Some(i) = insns.iter().next() else {
            continue;
        };
        let m = i.mnemonic().unwrap_or("");
        // Conditional branches and IT need ITSTATE context; skip them.
        if !is_common(m) || m.starts_with("it") || i.bytes().len() != bytes.len() {
            continue;
        }
        checked += 1;
        if matches!(op, Op::Undefined { .. }) {
            let ops = i.op_str().unwrap_or("");
            if !ops.contains("pc") && !ops.contains("sp") {
                bad.push(format!("{bytes:02x?} {m} {ops}"));
            }
        }
    }
    assert!(checked > 10_000, "only {checked} common encodings checked");
    assert!(
        bad.len() * 10 <= checked,
        "{} of {checked} undefined, e.g. {:?}",
        bad.len(),
        &bad[..bad.len().min(20)]
    );
}

/// Every random encoding our decoders accept, capstone decodes too.
#[test]
fn accepted_encodings_are_known_to_capstone() {
    let cs_a = Capstone::new()
        .arm()
        .mode(arch::arm::ArchMode::Arm)
        .build()
        .unwrap();
    let cs_t = Capstone::new()
        .arm()
        .mode(arch::arm::ArchMode::Thumb)
        .build()
        .unwrap();
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut unknown = Vec::new();
    let mut accepted = 0;
    for n in 0..300_000 {
        let (bytes, op, thumb) = match n % 3 {
            0 => {
                let raw = (rng.next() & 0x0fff_ffff) | 0xe000_0000;
                (
                    raw.to_le_bytes().to_vec(),
                    a32::decode(raw, 0x10000).1,
                    false,
                )
            }
            1 => {
                let hw = rng.next() as u16;
                if t32_is_wide(hw) {
                    continue;
                }
                (
                    hw.to_le_bytes().to_vec(),
                    t32::decode16(hw, 0x10000, 0),
                    true,
                )
            }
            _ => {
                let first = (rng.next() as u16) | 0xe800;
                if !t32_is_wide(first) {
                    continue;
                }
                let second = rng.next() as u16;
                let mut b = first.to_le_bytes().to_vec();
                b.extend_from_slice(&second.to_le_bytes());
                (
                    b,
                    t32::decode32((first as u32) << 16 | second as u32, 0x10000, 0),
                    true,
                )
            }
        };
        if matches!(op, Op::Undefined { .. }) {
            continue;
        }
        accepted += 1;
        let cs = if thumb { &cs_t } else { &cs_a };
        let known = cs
            .disasm_count(&bytes, 0x10000, 1)
            .map(|i| {
                i.iter()
                    .next()
                    .is_some_and(|i| i.bytes().len() == bytes.len())
            })
            .unwrap_or(false);
        if !known {
            unknown.push(format!("{bytes:02x?} -> {op:?}"));
        }
    }
    assert!(accepted > 50_000, "only {accepted} accepted");
    assert!(
        unknown.len() * 1000 <= accepted,
        "{} of {accepted} accepted encodings unknown to capstone, e.g. {:#?}",
        unknown.len(),
        &unknown[..unknown.len().min(20)]
    );
}
