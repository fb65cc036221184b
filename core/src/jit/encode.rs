//! Block assembly: turns the code generator's instruction list (iced's
//! `CodeAssembler`, with its labels) into machine code at a given address,
//! in place of iced's `BlockEncoder`.
//!
//! Start-up of a big program compiles thousands of blocks that run a few
//! hundred times, and `BlockEncoder` boxes every instruction and encodes
//! each at least twice: without it a cold `python3 -c pass` takes a fifth
//! less time. Here each
//! instruction whose bytes do not depend on where it lands (all but
//! branches and RIP-relative operands: most of a block) is encoded once,
//! into a scratch buffer, and copied; branches inside the block are laid
//! out long, shortened where the long layout proves the short form fits
//! (shortening only brings instructions closer), and encoded at their
//! final address with the rest of the position-dependent ones.
//!
//! Labels are iced's: a labelled instruction's `ip` is the label's id, and
//! a branch to a label, or a RIP-relative operand naming one, carries the
//! id as its target. Targets that are no label of the block (the stubs,
//! other code) are absolute addresses, reached with 32-bit displacements.

use iced_x86::{Encoder, IcedError, Instruction};

/// A block's machine code and the byte offset of each instruction in it
/// (one more entry at the end: the code's length).
pub(super) struct Assembled {
    pub bytes: Vec<u8>,
    pub offsets: Vec<u32>,
}

/// How an instruction is placed.
#[derive(Clone, Copy)]
enum Piece {
    /// Position-independent bytes, at `start` in the scratch buffer.
    Fixed { start: usize, len: u8 },
    /// A jump or conditional jump to instruction `target` of the block,
    /// in its short (rel8) form or not.
    Local { target: usize, short: bool },
    /// A RIP-relative operand (or a branch) whose bytes depend on where it
    /// lands; `target` is an instruction of the block or an absolute
    /// address. `len` does not depend on either.
    Relative { target: Target, len: u8 },
}

#[derive(Clone, Copy)]
enum Target {
    Insn(usize),
    Absolute(u64),
}

/// Lengths of the two forms of a local jump.
fn local_len(ins: &Instruction, short: bool) -> u32 {
    match (ins.is_jmp_short_or_near(), short) {
        (_, true) => 2,
        (true, false) => 5,
        (false, false) => 6,
    }
}

/// Assembles `instrs` (a `CodeAssembler`'s) to run at `ip`; `None` if the
/// layout went wrong (never expected; the caller then uses iced's
/// `BlockEncoder`).
pub(super) fn assemble(instrs: &[Instruction], ip: u64) -> Result<Option<Assembled>, IcedError> {
    // Label id -> instruction index.
    let max_label = instrs.iter().map(Instruction::ip).max().unwrap_or(0);
    let mut at_label = vec![u32::MAX; max_label as usize + 1];
    for (k, ins) in instrs.iter().enumerate() {
        if ins.ip() != 0 {
            at_label[ins.ip() as usize] = k as u32;
        }
    }
    let local = |id: u64| -> Option<usize> {
        at_label
            .get(id as usize)
            .copied()
            .filter(|&k| k != u32::MAX)
            .map(|k| k as usize)
    };
    let mut enc = Encoder::try_with_capacity(64, 16 * instrs.len())?;
    let mut spare = Vec::with_capacity(16);
    let mut pieces = Vec::with_capacity(instrs.len());
    for ins in instrs {
        let branch = ins.is_jcc_short_or_near() || ins.is_jmp_short_or_near();
        let piece = if branch || ins.is_call_near() {
            match local(ins.near_branch64()) {
                Some(target) if branch => Piece::Local {
                    target,
                    short: false,
                },
                _ => {
                    // Placed with a 32-bit displacement wherever it lands
                    // (measured once: encoding at the target itself).
                    let mut near = *ins;
                    near.as_near_branch();
                    let target = match local(ins.near_branch64()) {
                        Some(k) => Target::Insn(k),
                        None => Target::Absolute(ins.near_branch64()),
                    };
                    let len = measure(&mut enc, &mut spare, &near, near.near_branch64())?;
                    Piece::Relative { target, len }
                }
            }
        } else if ins.is_ip_rel_memory_operand() {
            let target = ins.ip_rel_memory_address();
            let len = measure(&mut enc, &mut spare, ins, target)?;
            Piece::Relative {
                target: match local(target) {
                    Some(k) => Target::Insn(k),
                    None => Target::Absolute(target),
                },
                len,
            }
        } else {
            let start = enc_len(&mut enc);
            let len = enc.encode(ins, 0)?;
            Piece::Fixed {
                start,
                len: len as u8,
            }
        };
        pieces.push(piece);
    }
    let scratch = enc.take_buffer();

    // Layout: local jumps long first, then short wherever the layout so
    // far proves the short form fits, until none more does: shortening
    // only brings instructions closer, so a jump shortened stays in reach
    // (checked again at the end, as a guard).
    let mut offsets = vec![0u32; instrs.len() + 1];
    let layout = |pieces: &[Piece], offsets: &mut [u32]| {
        let mut at = 0u32;
        for (k, p) in pieces.iter().enumerate() {
            offsets[k] = at;
            at += match *p {
                Piece::Fixed { len, .. } | Piece::Relative { len, .. } => len as u32,
                Piece::Local { short, .. } => local_len(&instrs[k], short),
            };
        }
        offsets[pieces.len()] = at;
    };
    let fits = |offsets: &[u32], k: usize, target: usize| {
        let from = offsets[k] as i64 + 2;
        (-128..=127).contains(&(offsets[target] as i64 - from))
    };
    loop {
        layout(&pieces, &mut offsets);
        let mut shortened = false;
        for (k, piece) in pieces.iter_mut().enumerate() {
            if let Piece::Local {
                target,
                short: short @ false,
            } = piece
            {
                if fits(&offsets, k, *target) {
                    *short = true;
                    shortened = true;
                }
            }
        }
        if !shortened {
            break;
        }
    }
    if (0..pieces.len()).any(
        |k| matches!(pieces[k], Piece::Local { target, short: true } if !fits(&offsets, k, target)),
    ) {
        debug_assert!(false, "a shortened jump out of reach");
        return Ok(None);
    }

    // The code.
    let total = offsets[pieces.len()] as usize;
    let mut out = Vec::with_capacity(total);
    let addr = |k: usize| ip + offsets[k] as u64;
    for (k, (ins, piece)) in instrs.iter().zip(&pieces).enumerate() {
        debug_assert_eq!(out.len(), offsets[k] as usize);
        match *piece {
            Piece::Fixed { start, len } => {
                out.extend_from_slice(&scratch[start..start + len as usize]);
            }
            Piece::Local { target, short } => {
                let mut j = *ins;
                if short {
                    j.as_short_branch();
                } else {
                    j.as_near_branch();
                }
                j.set_near_branch64(addr(target));
                enc.set_buffer(out);
                enc.encode(&j, addr(k))?;
                out = enc.take_buffer();
            }
            Piece::Relative { target, .. } => {
                let to = match target {
                    Target::Insn(t) => addr(t),
                    Target::Absolute(a) => a,
                };
                let mut j = *ins;
                if j.is_ip_rel_memory_operand() {
                    j.set_memory_displacement64(to);
                } else {
                    j.as_near_branch();
                    j.set_near_branch64(to);
                }
                enc.set_buffer(out);
                enc.encode(&j, addr(k))?;
                out = enc.take_buffer();
            }
        }
        if out.len() != offsets[k + 1] as usize {
            // An instruction's length changed with its place (a bug of
            // this layout): the caller assembles with iced's own.
            debug_assert!(false, "the length of {ins} changed with its place");
            return Ok(None);
        }
    }
    Ok(Some(Assembled {
        bytes: out,
        offsets,
    }))
}

/// The encoder's buffer length (where the next instruction goes).
fn enc_len(enc: &mut Encoder) -> usize {
    let buf = enc.take_buffer();
    let len = buf.len();
    enc.set_buffer(buf);
    len
}

/// The length of `ins`, whose RIP-relative operand or branch names
/// `target`: encoded at `target` itself (any distance that fits gives the
/// same length) into `spare`, not the scratch buffer.
fn measure(
    enc: &mut Encoder,
    spare: &mut Vec<u8>,
    ins: &Instruction,
    target: u64,
) -> Result<u8, IcedError> {
    let scratch = enc.take_buffer();
    enc.set_buffer(std::mem::take(spare));
    let len = enc.encode(ins, target);
    *spare = enc.take_buffer();
    spare.clear();
    enc.set_buffer(scratch);
    Ok(len? as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use iced_x86::code_asm::*;

    /// The same code as iced's `BlockEncoder` makes, byte for byte, for
    /// branches both ways (short and long), RIP-relative constants and
    /// absolute targets.
    #[test]
    fn assembles_as_iced_does() {
        let mut a = CodeAssembler::new(64).expect("assembler");
        let mut top = a.create_label();
        let mut far = a.create_label();
        let mut data = a.create_label();
        a.set_label(&mut top).expect("label");
        a.mov(eax, dword_ptr(rbx + 0x144)).expect("mov");
        a.cmp(eax, 3).expect("cmp");
        a.jne(far).expect("jne");
        a.lea(rcx, ptr(data)).expect("lea");
        a.movsd_2(xmm0, qword_ptr(data)).expect("movsd");
        for _ in 0..40 {
            a.add(dword_ptr(rbx + 0x200), 1).expect("add");
        }
        a.je(top).expect("je");
        a.jmp(0x7fff_0000_1000u64).expect("jmp abs");
        a.set_label(&mut far).expect("label");
        a.jb(top).expect("jb");
        a.jmp(top).expect("jmp");
        a.set_label(&mut data).expect("label");
        a.db(&[1, 2, 3, 4, 5, 6, 7, 8]).expect("db");
        let ip = 0x7fff_0000_0000u64;
        let ours = assemble(a.instructions(), ip)
            .expect("ours")
            .expect("laid out");
        let theirs = a.assemble(ip).expect("iced");
        assert_eq!(ours.bytes, theirs);
        assert_eq!(*ours.offsets.last().expect("length"), theirs.len() as u32);
    }
}
