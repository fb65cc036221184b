//! Compiled blocks in a form that can be saved and loaded into another
//! process: the host code with a list of the places that hold addresses
//! of this process (relocations), and fault sites as offsets.
//!
//! A block's code refers outside itself in three ways only: branches and
//! calls to the shared stubs (`rel32`), the addresses of helper functions
//! (`mov r64, imm64` before a call), and pointers to the block's own IR
//! instructions or their boxed VFP/NEON operations (the argument of a
//! helper call). Everything else is relative to the fixed host registers
//! (`rbx`, `rbp`, `r12`, `r13`) or inside the block (constants, the
//! chainable exits' `jmp rel32`, which start out pointing at their own
//! lookup path). The code generator records the `imm64`s it emits; the
//! stub branches are found by decoding the code. Loading copies the bytes
//! into the arena and writes this process's addresses into those places.
//!
//! The on-disk store of these blocks is [`crate::exec::tcache`].

use crate::ir::{Block, Op};

/// What a relocated field refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `rel32` of a branch or call to the shared stub number N (in the
    /// order of `Stubs::list`).
    Stub(u8),
    /// `imm64`: helper function N (0 the interpreter step, 1 the pure VFP
    /// helper, 2 the pure NEON helper).
    Helper(u8),
    /// `imm64`: the address of the block's instruction N.
    Insn(u16),
    /// `imm64`: the address of the boxed VFP or NEON operation of the
    /// block's instruction N.
    InsnOp(u16),
}

/// Helper numbers of [`Target::Helper`].
pub const HELPER_GENERIC: u8 = 0;
/// The pure VFP helper.
pub const HELPER_VFP: u8 = 1;
/// The pure NEON helper.
pub const HELPER_NEON: u8 = 2;
/// How many helpers there are.
pub const HELPERS: u8 = 3;

/// A relocation: the field at byte `at` of the code holds `target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reloc {
    /// Offset of the field (4 bytes for a stub branch, 8 otherwise).
    pub at: u32,
    /// What it refers to.
    pub target: Target,
}

/// A compiled block, position independent once relocated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortableCode {
    /// The host code as assembled (its addresses are of the process that
    /// compiled it; [`relocate`] rewrites them).
    pub bytes: Vec<u8>,
    /// The fields holding addresses.
    pub relocs: Vec<Reloc>,
    /// (access, resume) offsets of the accesses that may fault on the
    /// host, in order.
    pub sites: Vec<(u32, u32)>,
}

/// The address of what `target` names in this process, for a block whose
/// IR is `block`: `None` if the block has no such instruction or
/// operation (the saved code does not belong to it).
fn address_of(target: Target, block: &Block, helpers: &[u64; HELPERS as usize]) -> Option<u64> {
    match target {
        Target::Stub(_) => None,
        Target::Helper(h) => helpers.get(h as usize).copied(),
        Target::Insn(i) => block
            .insns
            .get(i as usize)
            .map(|insn| insn as *const _ as u64),
        Target::InsnOp(i) => match &block.insns.get(i as usize)?.op {
            Op::Vfp(v) => Some(&**v as *const _ as u64),
            Op::Neon(n) => Some(&**n as *const _ as u64),
            _ => None,
        },
    }
}

/// The [`Target`] of a pointer a helper call passes: an instruction of
/// `block` or the boxed operation of one.
pub(super) fn target_of_pointer(block: &Block, ptr: u64) -> Option<Target> {
    let size = std::mem::size_of::<crate::ir::Insn>() as u64;
    let base = block.insns.as_ptr() as u64;
    if ptr >= base
        && ptr < base + size * block.insns.len() as u64
        && (ptr - base).is_multiple_of(size)
    {
        return u16::try_from((ptr - base) / size).ok().map(Target::Insn);
    }
    block.insns.iter().enumerate().find_map(|(i, insn)| {
        let op = match &insn.op {
            Op::Vfp(v) => &**v as *const _ as u64,
            Op::Neon(n) => &**n as *const _ as u64,
            _ => return None,
        };
        (op == ptr).then(|| u16::try_from(i).ok().map(Target::InsnOp))?
    })
}

/// Why saved code cannot be placed.
#[derive(Debug, PartialEq, Eq)]
pub struct BadCode(pub &'static str);

/// `code` made to run at `at` in this process, for the block `block`
/// whose stubs are at `stubs` and helpers at `helpers`.
pub(super) fn relocate(
    code: &PortableCode,
    at: u64,
    block: &Block,
    stubs: &[u64],
    helpers: &[u64; HELPERS as usize],
) -> Result<Vec<u8>, BadCode> {
    let mut bytes = code.bytes.clone();
    for r in &code.relocs {
        let at_field = r.at as usize;
        match r.target {
            Target::Stub(s) => {
                let stub = *stubs.get(s as usize).ok_or(BadCode("unknown stub"))?;
                let field = bytes
                    .get_mut(at_field..at_field + 4)
                    .ok_or(BadCode("relocation outside the code"))?;
                let next = at + r.at as u64 + 4;
                let rel = i32::try_from(stub.wrapping_sub(next) as i64)
                    .map_err(|_| BadCode("stub out of reach"))?;
                field.copy_from_slice(&rel.to_le_bytes());
            }
            target => {
                let value = address_of(target, block, helpers)
                    .ok_or(BadCode("relocation names nothing in the block"))?;
                let field = bytes
                    .get_mut(at_field..at_field + 8)
                    .ok_or(BadCode("relocation outside the code"))?;
                field.copy_from_slice(&value.to_le_bytes());
            }
        }
    }
    if code
        .sites
        .iter()
        .any(|&(s, r)| s as usize >= bytes.len() || r as usize >= bytes.len())
    {
        return Err(BadCode("fault site outside the code"));
    }
    Ok(bytes)
}

/// The stub branches of `bytes` (assembled at `ip`; instructions in
/// `[0, code_end)`, data after): every branch or call leaving the block
/// must go to one of `stubs` with a 4-byte displacement. `None` if one
/// does not (or the code reads memory outside itself RIP-relative): such
/// a block is not saved.
pub(super) fn stub_relocs(
    bytes: &[u8],
    code_end: usize,
    ip: u64,
    stubs: &[u64],
) -> Option<Vec<Reloc>> {
    use iced_x86::{Decoder, DecoderOptions, Instruction, OpKind};
    let code = bytes.get(..code_end)?;
    let inside = |a: u64| a >= ip && a < ip + bytes.len() as u64;
    let mut decoder = Decoder::with_ip(64, code, ip, DecoderOptions::NONE);
    let mut insn = Instruction::default();
    let mut relocs = Vec::new();
    while decoder.can_decode() {
        decoder.decode_out(&mut insn);
        if insn.is_invalid() {
            return None;
        }
        if insn.is_ip_rel_memory_operand() && !inside(insn.ip_rel_memory_address()) {
            return None;
        }
        // Direct jumps, conditional jumps and calls (nothing else the
        // code generator emits has a near-branch operand).
        let direct = insn.op_count() > 0 && insn.op0_kind() == OpKind::NearBranch64;
        if !direct || inside(insn.near_branch_target()) {
            continue;
        }
        let stub = stubs.iter().position(|&s| s == insn.near_branch_target())?;
        let offsets = decoder.get_constant_offsets(&insn);
        if offsets.immediate_size() != 4 {
            return None;
        }
        relocs.push(Reloc {
            at: (insn.ip() - ip) as u32 + offsets.immediate_offset() as u32,
            target: Target::Stub(stub as u8),
        });
    }
    Some(relocs)
}
