//! A generic bit-pattern matcher: the machinery behind the decode tables.
//!
//! Each encoding is one table line: a name, a pattern and a handler, as in
//! dynarmic's `arm.inc` or QEMU's decodetree files. A pattern is a string of
//! `0`/`1` (fixed bits), `-` (ignored bits) and letters (named fields, which
//! may be split: all bits with the same letter are concatenated, most
//! significant first). Spaces are ignored. Lines are tried in order, so a
//! more specific encoding goes before the general one it overlaps.

use crate::ir::{Op, Reg};

/// The fields of a matched instruction, handed to a handler.
pub struct Fields<'a> {
    /// The raw encoding (T32 32-bit: first halfword in bits 31..16).
    pub raw: u32,
    /// Guest address of the instruction.
    pub pc: u32,
    /// ITSTATE at this instruction (T32 only; 0 otherwise).
    pub it: u8,
    masks: &'a [(u8, u32)],
}

impl Fields<'_> {
    /// The value of the field named `letter` (its bits concatenated).
    pub fn get(&self, letter: char) -> u32 {
        let mask = self
            .masks
            .iter()
            .find(|(l, _)| *l == letter as u8)
            .map(|(_, m)| *m)
            .unwrap_or_else(|| panic!("decode table bug: no field '{letter}'"));
        extract(self.raw, mask)
    }

    /// A one-bit field as a bool.
    pub fn bit(&self, letter: char) -> bool {
        self.get(letter) != 0
    }

    /// A register-number field.
    pub fn reg(&self, letter: char) -> Reg {
        self.get(letter) as Reg
    }

    /// Whether this instruction is inside an IT block.
    pub fn in_it(&self) -> bool {
        self.it & 0xf != 0
    }

    /// Whether this instruction is the last one of an IT block.
    pub fn last_in_it(&self) -> bool {
        self.it & 0xf == 0b1000
    }

    /// The "undefined instruction" op for this encoding.
    pub fn undefined(&self) -> Op {
        Op::Undefined { raw: self.raw }
    }
}

/// Gathers the bits of `raw` selected by `mask` into a right-aligned value.
pub fn extract(raw: u32, mask: u32) -> u32 {
    let mut out = 0;
    let mut bit = 31i32;
    while bit >= 0 {
        if mask & (1 << bit) != 0 {
            out = (out << 1) | ((raw >> bit) & 1);
        }
        bit -= 1;
    }
    out
}

/// A decode handler: builds the op for a matched encoding.
pub type Handler = fn(&Fields) -> Op;

struct Entry {
    name: &'static str,
    mask: u32,
    value: u32,
    fields: Vec<(u8, u32)>,
    handler: Handler,
}

/// A compiled decode table.
pub struct Table {
    entries: Vec<Entry>,
}

impl Table {
    /// Compiles a list of `(name, pattern, handler)` lines for encodings of
    /// `width` bits (16 or 32). Panics on a malformed pattern: tables are
    /// static data, checked by the unit tests.
    pub fn new(width: u32, lines: &[(&'static str, &'static str, Handler)]) -> Table {
        let entries = lines
            .iter()
            .map(|&(name, pattern, handler)| {
                let chars: Vec<u8> = pattern.bytes().filter(|c| *c != b' ').collect();
                assert_eq!(
                    chars.len() as u32,
                    width,
                    "pattern for {name} has {} bits",
                    chars.len()
                );
                let (mut mask, mut value) = (0u32, 0u32);
                let mut fields: Vec<(u8, u32)> = Vec::new();
                for (i, c) in chars.iter().enumerate() {
                    let bit = 1u32 << (width as usize - 1 - i);
                    match c {
                        b'0' => mask |= bit,
                        b'1' => {
                            mask |= bit;
                            value |= bit
                        }
                        b'-' => {}
                        c if c.is_ascii_alphabetic() => {
                            match fields.iter_mut().find(|(l, _)| l == c) {
                                Some((_, m)) => *m |= bit,
                                None => fields.push((*c, bit)),
                            }
                        }
                        _ => panic!("bad character in pattern for {name}"),
                    }
                }
                Entry {
                    name,
                    mask,
                    value,
                    fields,
                    handler,
                }
            })
            .collect();
        Table { entries }
    }

    /// Finds the first line matching `raw` and runs its handler.
    pub fn decode(&self, raw: u32, pc: u32, it: u8) -> Option<(&'static str, Op)> {
        let e = self.entries.iter().find(|e| raw & e.mask == e.value)?;
        let f = Fields {
            raw,
            pc,
            it,
            masks: &e.fields,
        };
        Some((e.name, (e.handler)(&f)))
    }

    /// The name of the first line matching `raw`, without decoding.
    pub fn name_of(&self, raw: u32) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|e| raw & e.mask == e.value)
            .map(|e| e.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(f: &Fields) -> Op {
        Op::Svc {
            imm: f.get('i') << 4 | f.get('n'),
        }
    }

    #[test]
    fn fields_are_gathered_across_gaps() {
        let t = Table::new(16, &[("x", "1i0i nnnn ---- ii--", h)]);
        // i bits: 14, 12, 3, 2 -> raw 0b1101_0101_0000_1100
        let (name, op) = t.decode(0b1101_0101_0000_1100, 0, 0).unwrap();
        assert_eq!(name, "x");
        assert_eq!(
            op,
            Op::Svc {
                imm: 0b1111 << 4 | 0b0101
            }
        );
        assert!(t.decode(0b0000_0000_0000_0000, 0, 0).is_none());
    }

    #[test]
    fn extract_concatenates_msb_first() {
        assert_eq!(extract(0b1010_0000, 0b1111_0000), 0b1010);
        assert_eq!(extract(0x8000_0001, 0x8000_0001), 0b11);
    }
}
