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
    masks: &'a [Field],
}

/// A named field of an encoding: its letter, the bits it takes, and (if
/// they are contiguous) how far to shift them down.
#[derive(Clone, Copy, Debug)]
struct Field {
    letter: u8,
    mask: u32,
    /// `Some(shift)` when the bits are contiguous (most fields).
    shift: Option<u8>,
}

impl Fields<'_> {
    /// The value of the field named `letter` (its bits concatenated).
    #[inline]
    pub fn get(&self, letter: char) -> u32 {
        let f = self
            .masks
            .iter()
            .find(|f| f.letter == letter as u8)
            .unwrap_or_else(|| panic!("decode table bug: no field '{letter}'"));
        match f.shift {
            Some(shift) => (self.raw & f.mask) >> shift,
            None => extract(self.raw, f.mask),
        }
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
    let mut rest = mask;
    while rest != 0 {
        let bit = 31 - rest.leading_zeros();
        out = (out << 1) | ((raw >> bit) & 1);
        rest &= !(1 << bit);
    }
    out
}

/// A decode handler: builds the op for a matched encoding.
pub type Handler = fn(&Fields) -> Op;

struct Entry {
    name: &'static str,
    mask: u32,
    value: u32,
    fields: Vec<Field>,
    handler: Handler,
}

/// A compiled decode table.
///
/// Lookup goes through buckets: the encoding's bits at the
/// [`INDEX_BITS`] positions most lines fix pick a bucket, which lists (in
/// table order) only the lines those bits do not rule out. A bucket is
/// filled the first time an encoding lands in it, so start-up pays only
/// for the buckets a program uses. (A linear scan of the A32 table cost
/// about a hundred compares per instruction translated.)
pub struct Table {
    entries: Vec<Entry>,
    index_mask: u32,
    buckets: Vec<std::sync::OnceLock<Box<[u16]>>>,
}

/// How many bits select a bucket.
const INDEX_BITS: u32 = 10;

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
                let mut fields: Vec<Field> = Vec::new();
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
                            match fields.iter_mut().find(|f| f.letter == *c) {
                                Some(f) => f.mask |= bit,
                                None => fields.push(Field {
                                    letter: *c,
                                    mask: bit,
                                    shift: None,
                                }),
                            }
                        }
                        _ => panic!("bad character in pattern for {name}"),
                    }
                }
                for f in &mut fields {
                    let low = f.mask.trailing_zeros();
                    let ones = f.mask >> low;
                    if ones & ones.wrapping_add(1) == 0 {
                        f.shift = Some(low as u8);
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
            .collect::<Vec<Entry>>();
        // The bits fixed by the most lines index the buckets.
        let mut by_use: Vec<(usize, u32)> = (0..width)
            .map(|b| (entries.iter().filter(|e| e.mask >> b & 1 != 0).count(), b))
            .collect();
        by_use.sort_by(|a, b| b.cmp(a));
        let index_mask = by_use
            .iter()
            .take(INDEX_BITS as usize)
            .fold(0u32, |m, &(_, b)| m | 1 << b);
        assert!(entries.len() <= u16::MAX as usize);
        Table {
            entries,
            index_mask,
            buckets: (0..1 << INDEX_BITS)
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        }
    }

    /// The lines that may match an encoding whose index bits are those of
    /// `raw`, in table order.
    #[inline]
    fn candidates(&self, raw: u32) -> &[u16] {
        let key = extract(raw, self.index_mask) as usize;
        self.buckets[key].get_or_init(|| {
            let fixed = raw & self.index_mask;
            self.entries
                .iter()
                .enumerate()
                .filter(|(_, e)| (fixed ^ e.value) & e.mask & self.index_mask == 0)
                .map(|(i, _)| i as u16)
                .collect()
        })
    }

    /// The first line matching `raw`.
    #[inline]
    fn find(&self, raw: u32) -> Option<&Entry> {
        self.candidates(raw)
            .iter()
            .map(|&i| &self.entries[i as usize])
            .find(|e| raw & e.mask == e.value)
    }

    /// Finds the first line matching `raw` and runs its handler.
    pub fn decode(&self, raw: u32, pc: u32, it: u8) -> Option<(&'static str, Op)> {
        let e = self.find(raw)?;
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
        self.find(raw).map(|e| e.name)
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

    /// The buckets find what a scan in table order finds, for every line
    /// of the real tables and random encodings.
    #[test]
    fn buckets_find_the_first_matching_line() {
        let mut rng = crate::test_rng::Rng(0xdec0_de00_b0c7_e75a);
        type Lines = &'static [(&'static str, &'static str, Handler)];
        let tables: [(u32, Lines); 5] = [
            (32, crate::arm::a32::CONDITIONAL),
            (32, crate::arm::a32::UNCONDITIONAL),
            (16, crate::arm::t32::T16),
            (32, crate::arm::t32::T32),
            (32, crate::arm::neon::LINES),
        ];
        for (width, lines) in tables {
            let t = Table::new(width, lines);
            let scan = |raw: u32| {
                t.entries
                    .iter()
                    .find(|e| raw & e.mask == e.value)
                    .map(|e| e.name)
            };
            let mut raws: Vec<u32> = t.entries.iter().map(|e| e.value).collect();
            raws.extend((0..200_000).map(|_| {
                let r = rng.next();
                if width == 16 {
                    r & 0xffff
                } else {
                    r
                }
            }));
            for raw in raws {
                assert_eq!(t.name_of(raw), scan(raw), "{raw:#x}");
            }
        }
    }

    #[test]
    fn extract_concatenates_msb_first() {
        assert_eq!(extract(0b1010_0000, 0b1111_0000), 0b1010);
        assert_eq!(extract(0x8000_0001, 0x8000_0001), 0b11);
    }
}
