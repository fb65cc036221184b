//! The x86-64 code generator: one IR block in, machine code out.
//!
//! Each guest instruction becomes a short template. The guest registers a
//! block uses most (up to eight, each used at least twice) live in host
//! registers for the whole block (`esi`, `edi`, `r10d`, `r11d`, `r14d`,
//! `r15d`; `r13d` when host faults replace the inline page checks, `r12d`
//! when it does not hold the guest base: a reservation low in the host's
//! address space is a displacement, see [`GuestBase`]): loaded at the
//! block entry, written back to `CpuState` (`[rbx + offset]`) before
//! anything that reads the state there (exits, interpreter calls, slow
//! paths) and reloaded after interpreter calls, which may change any
//! register. The others stay in memory. Scratch values use `eax`, `ecx`, `edx`, `r8d` and `r9d` (`ecx` and `edx` carry
//! operands and results, `eax` flags and memory checks, `r8b` a shifter
//! carry, `r9b` a condition computed ahead).
//!
//! Conditions test the packed NZCV word with one `bt` against the
//! condition's pass mask, or, right after the instruction that set the
//! flags, a byte computed from the host flags with `setcc`. Flags are
//! packed from the host flags after the instruction (`lahf`/`seto`,
//! gathered with one multiply), only when the flag liveness pass
//! (`ir::flags`) says a later reader can see them, and left raw (packed on
//! the paths that need them) when only a fault or an exit can.
//!
//! Memory accesses, when the guest memory is a flat host mapping
//! (`GuestMemory::direct_map`), go straight to host memory: unchecked when
//! host faults are handled (a fault resumes at the instruction's slow
//! path), else after an inline check of the page's permission byte and
//! that the access stays inside the page. The slow path runs the whole
//! instruction through the interpreter, which raises the precise fault or
//! performs the page-crossing access. Without a direct map every access
//! takes that path.
//!
//! VFP arithmetic runs as SSE code in FPSCR's default modes, NEON's common
//! integer operations as SSE2 code, the rest through direct helper calls.

use iced_x86::code_asm::*;
use iced_x86::IcedError;
use std::mem::offset_of;

use super::helpers;
use super::persist;
use super::{
    FpModes, JitCtx, StubImage, Stubs, TableEntry, FPSCR_FZ, FPSCR_IXC, FPSCR_NATIVE_MODES,
    STATUS_EXIT, STATUS_INTERPRET, STATUS_INTERRUPTED, STATUS_LOOKUP, TABLE_SLOTS,
};
use crate::arm::cpu::{cond_mask, CpuState};
use crate::ir::flags::{self, live_writes};
use crate::ir::neon::NeonInsn;
use crate::ir::vfp::{UnaryOp as VfpUnary, VfpInsn};
use crate::ir::*;
use crate::mem::tlb::{
    OFFSET_ADDEND, OFFSET_EXEC, OFFSET_PHYS, OFFSET_READ, OFFSET_WRITE, TLB_SIZE,
};
use crate::mem::RESERVATION_GUARD;
use crate::mem::{DirectMap, GuestMemory};

type R = Result<(), IcedError>;

/// Offset of guest register `r` in `CpuState`.
fn off_r(r: Reg) -> i32 {
    (offset_of!(CpuState, r) + 4 * r as usize) as i32
}
const NZCV: i32 = offset_of!(CpuState, nzcv) as i32;
const THUMB: i32 = offset_of!(CpuState, thumb) as i32;
const IT: i32 = offset_of!(CpuState, itstate) as i32;
const KEY_BITS: i32 =
    (offset_of!(CpuState, sys) + offset_of!(crate::arm::cpu::SysState, key_bits)) as i32;
const DREGS: i32 = offset_of!(CpuState, d) as i32;

/// Offset of S register `n` (the low word of D(n/2) for even n).
fn off_s(n: u8) -> i32 {
    DREGS + 4 * n as i32
}
/// Offset of D register `n`.
fn off_d(n: u8) -> i32 {
    DREGS + 8 * n as i32
}

const CTX_CPU: i32 = offset_of!(JitCtx, cpu) as i32;
const CTX_MEM_BASE: i32 = offset_of!(JitCtx, mem_base) as i32;
const CTX_PAGE_FLAGS: i32 = offset_of!(JitCtx, page_flags) as i32;
const CTX_INTERRUPT: i32 = offset_of!(JitCtx, interrupt) as i32;
const CTX_TABLE: i32 = offset_of!(JitCtx, table) as i32;
const CTX_PATCH: i32 = offset_of!(JitCtx, patch_site) as i32;
const CTX_MXCSR: i32 = offset_of!(JitCtx, mxcsr) as i32;
const CTX_RAW_FLAGS: i32 = offset_of!(JitCtx, raw_flags) as i32;
const CTX_COND_BYTE: i32 = offset_of!(JitCtx, cond_byte) as i32;
const CTX_RAW_KIND: i32 = offset_of!(JitCtx, raw_kind) as i32;
const CTX_MXCSR_CLEAN: i32 = offset_of!(JitCtx, mxcsr_clean) as i32;
const FPSCR: i32 = offset_of!(CpuState, fpscr) as i32;
const GE: i32 = offset_of!(CpuState, ge) as i32;

/// Guest register `r` as a memory operand.
fn reg(r: Reg) -> AsmMemoryOperand {
    dword_ptr(rbx + off_r(r))
}

/// Assembles the shared stubs into the arena.
/// The shared stubs, assembled to run at `ip` (their bytes do not depend
/// on it: see [`StubImage`]).
pub(super) fn assemble_stubs(ip: u64) -> Result<StubImage, String> {
    assemble_stubs_at(ip).map_err(|e| e.to_string())
}

fn assemble_stubs_at(ip: u64) -> Result<StubImage, IcedError> {
    const _: () = assert!(std::mem::size_of::<TableEntry>() == 32);
    let mut a = CodeAssembler::new(64)?;
    let mut enter = a.create_label();
    let mut epilogue = a.create_label();
    let mut lookup = a.create_label();
    let mut lookup_tlb = a.create_label();
    let mut miss = a.create_label();
    let mut helper_status = a.create_label();
    let mut helper_status_tlb = a.create_label();
    let mut interrupted = a.create_label();
    let mut normalize = a.create_label();

    // enter(ctx = rdi, code = rsi)
    a.set_label(&mut enter)?;
    for r in [rbx, rbp, r12, r13, r14, r15] {
        a.push(r)?;
    }
    // Six pushes after the return address leave rsp 8 off 16-byte
    // alignment; helpers are called with it aligned.
    a.sub(rsp, 8)?;
    a.mov(rbp, rdi)?;
    a.mov(rbx, qword_ptr(rbp + CTX_CPU))?;
    a.mov(r12, qword_ptr(rbp + CTX_MEM_BASE))?;
    a.mov(r13, qword_ptr(rbp + CTX_PAGE_FLAGS))?;
    // While compiled code runs, MXCSR's exception flags are guest flags
    // not yet in FPSCR (see `Emitter::fp_merge`): none yet.
    a.ldmxcsr(dword_ptr(rbp + CTX_MXCSR_CLEAN))?;
    a.jmp(rsi)?;

    a.set_label(&mut epilogue)?;
    // Back to the engine: FPSCR gets the pending flags, NZCV the pending
    // raw flags (eax, the status, is kept).
    emit_fp_merge(&mut a)?;
    a.push(rax)?;
    a.call(normalize)?;
    a.pop(rax)?;
    a.add(rsp, 8)?;
    for r in [r15, r14, r13, r12, rbp, rbx] {
        a.pop(r)?;
    }
    a.ret()?;

    // The indirect-branch lookup: tag = pc | key << 32 with key = thumb |
    // itstate << 1 | the system key bits (0 in user mode), slot =
    // lookup_hash(pc, key) & (SLOTS - 1).
    for (label, tlb) in [(&mut lookup, false), (&mut lookup_tlb, true)] {
        a.set_label(label)?;
        // Blocks do not check the interrupt flag at their entry: every
        // way into compiled code that may close a cycle does (see
        // `Emitter::exit_to_inner`), this one included.
        a.mov(rax, qword_ptr(rbp + CTX_INTERRUPT))?;
        a.cmp(byte_ptr(rax), 0)?;
        a.jne(interrupted)?;
        a.mov(eax, reg(PC))?;
        a.movzx(ecx, byte_ptr(rbx + THUMB))?;
        a.movzx(edx, byte_ptr(rbx + IT))?;
        a.lea(ecx, ptr(rcx + rdx * 2))?;
        a.or(ecx, dword_ptr(rbx + KEY_BITS))?;
        // super::lookup_hash(pc = eax, key = ecx) into edx.
        a.mov(edx, eax)?;
        a.shr(edx, 1)?;
        a.mov(esi, eax)?;
        a.shr(esi, 13)?;
        a.xor(edx, esi)?;
        a.mov(esi, ecx)?;
        a.shl(esi, 7)?;
        a.xor(edx, esi)?;
        a.mov(esi, ecx)?;
        a.shr(esi, 5)?;
        a.xor(edx, esi)?;
        a.and(edx, (TABLE_SLOTS - 1) as u32)?;
        a.shl(rcx, 32)?;
        a.or(rcx, rax)?;
        a.shl(rdx, 5)?;
        a.add(rdx, qword_ptr(rbp + CTX_TABLE))?;
        a.cmp(rcx, qword_ptr(rdx))?;
        a.jne(miss)?;
        if tlb {
            emit_tlb_code_check(&mut a, miss)?;
        }
        a.jmp(qword_ptr(rdx + 8))?;
    }
    a.set_label(&mut miss)?;
    a.mov(qword_ptr(rbp + CTX_PATCH), 0)?;
    a.mov(eax, STATUS_LOOKUP)?;
    a.jmp(epilogue)?;

    // A helper returned 1 (jump) or 2 (exit) in eax.
    for (label, target) in [
        (&mut helper_status, lookup),
        (&mut helper_status_tlb, lookup_tlb),
    ] {
        a.set_label(label)?;
        // The call site merged the guest's flags before the call; what
        // MXCSR holds now is the helper's own.
        a.ldmxcsr(dword_ptr(rbp + CTX_MXCSR_CLEAN))?;
        a.cmp(eax, helpers::JUMP)?;
        a.je(target)?;
        a.mov(eax, STATUS_EXIT)?;
        a.jmp(epilogue)?;
    }

    a.set_label(&mut interrupted)?;
    a.mov(eax, STATUS_INTERRUPTED)?;
    a.jmp(epilogue)?;

    // Packs the raw flags a block left pending (JitCtx::raw_kind).
    {
        let mut clear = a.create_label();
        let mut done = a.create_label();
        a.set_label(&mut normalize)?;
        a.mov(eax, dword_ptr(rbp + CTX_RAW_KIND))?;
        a.test(eax, eax)?;
        a.je(done)?;
        a.mov(ecx, dword_ptr(rbp + CTX_RAW_FLAGS))?;
        // One packing per kind, as the code generator packs them.
        const KINDS: [FlagKind; 4] = [
            FlagKind::Add,
            FlagKind::Sub,
            FlagKind::Logic,
            FlagKind::LogicC,
        ];
        for (i, kind) in KINDS.into_iter().enumerate() {
            if i + 1 == KINDS.len() {
                // The last kind is what is left.
                emit_pack(&mut a, kind, ecx, edx)?;
                break;
            }
            let mut next = a.create_label();
            a.cmp(eax, raw_kind_code(kind))?;
            a.jne(next)?;
            emit_pack(&mut a, kind, ecx, edx)?;
            a.jmp(clear)?;
            a.set_label(&mut next)?;
        }
        a.set_label(&mut clear)?;
        a.mov(dword_ptr(rbp + CTX_RAW_KIND), 0)?;
        a.set_label(&mut done)?;
        a.ret()?;
    }

    let res = a.assemble_options(
        ip,
        iced_x86::BlockEncoderOptions::RETURN_NEW_INSTRUCTION_OFFSETS,
    )?;
    // In `Stubs::list` order.
    let labels = [
        enter,
        epilogue,
        lookup,
        lookup_tlb,
        miss,
        helper_status,
        helper_status_tlb,
        interrupted,
        normalize,
    ];
    let mut offsets = [0u32; 9];
    for (o, l) in offsets.iter_mut().zip(&labels) {
        *o = (res.label_ip(l)? - ip) as u32;
    }
    Ok(StubImage {
        bytes: res.inner.code_buffer,
        offsets,
    })
}

/// Packs host flags of `kind` captured as AX = SF ZF - AF - PF - CF :
/// 0000000 OF (`lahf`, `seto al`) in `r` into NZCV, using `tmp` for the
/// kinds that keep some flags in NZCV. The multiply gathers SF, ZF, CF,
/// OF into bits 15..12 without carries between them; ARM's C is CF
/// inverted after a subtract; a logical op's word has only SF and ZF
/// (C and V kept), or SF, ZF and CF with a shifter carry (V kept).
fn emit_pack(a: &mut CodeAssembler, kind: FlagKind, r: AsmRegister32, tmp: AsmRegister32) -> R {
    let keep = match kind {
        FlagKind::Logic => {
            a.shr(r, 12)?;
            a.and(r, 0xc)?;
            flags::C | flags::V
        }
        FlagKind::LogicC => {
            a.and(r, 0xc100)?;
            a.imul_3(r, r, 0x1021)?;
            a.shr(r, 12)?;
            a.and(r, 0xe)?;
            flags::V
        }
        FlagKind::Add | FlagKind::Sub => {
            a.and(r, 0xc101)?;
            a.imul_3(r, r, 0x1021)?;
            a.shr(r, 12)?;
            a.and(r, 15)?;
            if kind == FlagKind::Sub {
                a.xor(r, flags::C as u32)?;
            }
            0
        }
    };
    if keep != 0 {
        a.mov(tmp, dword_ptr(rbx + NZCV))?;
        a.and(tmp, keep as u32)?;
        a.or(r, tmp)?;
    }
    a.mov(dword_ptr(rbx + NZCV), r)
}

/// Merges MXCSR's exception flags into FPSCR's cumulative bits: IE -> IOC,
/// ZE -> DZC, OE -> OFC, UE -> UFC, PE -> IXC (DE has no ARM counterpart
/// with FZ off). Uses `ecx` and `r9d` only (an indirect exit has its
/// target in `eax`, the epilogue its status).
fn emit_fp_merge(a: &mut CodeAssembler) -> R {
    a.stmxcsr(dword_ptr(rbp + CTX_MXCSR))?;
    a.mov(ecx, dword_ptr(rbp + CTX_MXCSR))?;
    a.mov(r9d, ecx)?;
    a.and(r9d, 1)?;
    a.shr(ecx, 1)?;
    a.and(ecx, 0x1e)?;
    a.or(ecx, r9d)?;
    a.or(dword_ptr(rbx + FPSCR), ecx)
}

/// After an indirect-branch table hit (`rdx` = the entry, `eax` = pc) in
/// system mode: jumps to `miss` unless the software TLB (`r13`) still has
/// an execute translation of pc, for the CPU's privilege, to the physical
/// page the entry's block came from. Uses `r8` and `r9`.
fn emit_tlb_code_check<T: Copy>(a: &mut CodeAssembler, miss: T) -> R
where
    CodeAssembler: iced_x86::code_asm::asm_traits::CodeAsmJne<T>,
{
    a.mov(r8d, eax)?;
    a.shr(r8d, 12)?;
    a.and(r8d, (TLB_SIZE - 1) as u32)?;
    a.shl(r8d, 5)?;
    // The set: privileged blocks (key bit 9) use the second one, at
    // TLB_SIZE * 32 = 1 << (TLB_BITS + 5) bytes.
    const _: () = assert!(crate::arm::cpu::key::PRIVILEGED == 1 << 9);
    a.mov(r9d, dword_ptr(rbx + KEY_BITS))?;
    a.and(r9d, crate::arm::cpu::key::PRIVILEGED)?;
    a.shl(r9d, crate::mem::tlb::TLB_BITS + 5 - 9)?;
    a.add(r8, r9)?;
    a.mov(r9d, eax)?;
    a.and(r9d, 0xffff_f000u32)?;
    a.cmp(r9d, dword_ptr(r13 + r8 + OFFSET_EXEC))?;
    a.jne(miss)?;
    a.mov(r9, qword_ptr(r13 + r8 + OFFSET_PHYS))?;
    a.cmp(r9, qword_ptr(rdx + 16))?;
    a.jne(miss)
}

/// Whether the native form of `v` saves MXCSR first, for its slow path to
/// put back: conversions and compares, whose SSE attempt can raise flags
/// the ARM operation does not (the inexact flag of a conversion that then
/// saturates). Arithmetic and square roots need not: an SSE attempt that
/// gives up raises a subset of the flags the interpreter then raises for
/// the same operation (x86 detects underflow after rounding, ARM before,
/// so x86's underflows are ARM's too; the other flags agree), unless
/// `inexact_matters`: under flush-to-zero ARM's flushed result raises
/// Underflow without Inexact.
fn vfp_saves_mxcsr(v: &VfpInsn, inexact_matters: bool) -> bool {
    inexact_matters
        || !matches!(
            v,
            VfpInsn::Arith { .. }
                | VfpInsn::Unary {
                    op: VfpUnary::Sqrt,
                    ..
                }
        )
}

/// XMM registers that cache VFP double registers (the templates use
/// `xmm0`-`xmm2` as scratch).
const FCACHE_REGS: [AsmRegisterXmm; 13] = [
    xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14, xmm15,
];

/// The D registers `v` reads or writes as doubles, in the forms that
/// keep the D-register cache themselves (see `Emitter::vfp`).
fn fcache_uses(v: &VfpInsn) -> Vec<u8> {
    match *v {
        VfpInsn::Arith {
            dp: true,
            vd,
            vn,
            vm,
            ..
        } => vec![vd, vn, vm],
        VfpInsn::Unary {
            dp: true, vd, vm, ..
        } => vec![vd, vm],
        VfpInsn::Cmp {
            dp: true, vd, vm, ..
        } => std::iter::once(vd).chain(vm).collect(),
        VfpInsn::LoadStore { dp: true, vd, .. } | VfpInsn::MovImm { dp: true, vd, .. } => {
            vec![vd]
        }
        VfpInsn::Multiple {
            dp: true,
            vd,
            count,
            ..
        } => (vd..vd.saturating_add(count).min(32)).collect(),
        _ => Vec::new(),
    }
}

/// A compiled block: its code, and for each access that may fault on the
/// host, (address of the access, address to resume at).
pub(super) struct BlockCode {
    pub bytes: Vec<u8>,
    pub sites: Vec<(u64, u64)>,
    /// The code in a form another process can load, when asked for and
    /// possible.
    pub portable: Option<persist::PortableCode>,
}

/// Compiles `block` (state key `key`) for memory type `M`, assembled to
/// run at `ip`; with `portable`, also in the form of
/// [`persist::PortableCode`]; its native VFP code for FPSCR modes `fp`,
/// tested once at the entry if it can (see [`modes_checked_at_entry`]).
pub(super) fn compile_block<M: GuestMemory>(
    block: &Block,
    key: u32,
    stubs: &Stubs,
    mem: &M,
    ip: u64,
    portable: bool,
    fp: FpModes,
) -> Result<BlockCode, IcedError> {
    let modes_at_entry = fp != FpModes::PerInsn && modes_checked_at_entry(block);
    let new_emitter = |loop_raw: Option<FlagKind>,
                       head_dirty: u16,
                       head_plan: Vec<HeadPlan>|
     -> Result<Emitter<'_>, IcedError> {
        Ok(Emitter {
            a: CodeAssembler::new(64)?,
            block,
            thumb: block.thumb,
            stubs,
            direct: mem.direct_map(),
            tlb: mem.soft_tlb().is_some(),
            tlb_set: if key & crate::arm::cpu::key::PRIVILEGED != 0 {
                (TLB_SIZE * std::mem::size_of::<crate::mem::tlb::TlbEntry>()) as i32
            } else {
                0
            },
            align_check: key & crate::arm::cpu::key::ALIGN != 0,
            key_bits: key & !0x1ff,
            mmu: M::MMU,
            generic: helpers::generic::<M> as *const () as u64,
            vfp_pure: helpers::vfp_pure as *const () as u64,
            neon_pure: helpers::neon_pure as *const () as u64,
            live: live_writes(block),
            slow: Vec::new(),
            entry: CodeLabel::default(),
            labelled_at: usize::MAX,
            slow_at: Vec::new(),
            cache: [None; 16],
            dirty: 0,
            loop_head: CodeLabel::default(),
            pending: None,
            live_out: flags::live_out(block),
            raw: None,
            live_real: flags::live_computed(block),
            sites: Vec::new(),
            consts: Vec::new(),
            ssse3: super::host_has_ssse3(),
            fp_dirty: false,
            cur_cond: Cond::Al,
            main_len: 0,
            loop_raw,
            edge_raw: None,
            head_dirty,
            edge_dirty: 0,
            head_candidates: block.inner_loop_heads(),
            head_plan,
            heads: Vec::new(),
            raw_unsaved: false,
            host_raw: None,
            host_raw_at: 0,
            host_raw_kind: None,
            merge_v: false,
            raw_dynamic: false,
            relocs: Some(Vec::new()),
            code_instrs: 0,
            fcache: [None; 32],
            fvalid: 0,
            entry_modes: modes_at_entry.then_some(fp),
            known_normal: if modes_at_entry && fp.flush_to_zero() {
                known_normal(block)
            } else {
                Vec::new()
            },
            normal: 0,
        })
    };
    let emit = |loop_raw: Option<FlagKind>,
                head_dirty: u16,
                head_plan: Vec<HeadPlan>|
     -> Result<Emitter<'_>, IcedError> {
        let mut e = new_emitter(loop_raw, head_dirty, head_plan)?;
        e.entry = e.a.create_label();
        e.loop_head = e.a.create_label();
        e.allocate();
        e.emit_block()?;
        Ok(e)
    };
    let mut e = emit(None, 0, Vec::new())?;
    // A loop whose back edge carries raw flags of one kind: compiled
    // again with that state at the loop head (entry converts NZCV to it),
    // so that the edge packs nothing. A loop whose back edge comes with
    // registers unstored: compiled again with those dirty at the head.
    // The same for loops back to an instruction inside the block. The
    // second emission writes the same registers, so its back edges bring
    // no others, unless inner heads made more registers dirty: then a
    // third (a back edge stores what its head does not count as dirty,
    // so the code is exact either way).
    for pass in 1..3 {
        let loop_raw = e.edge_raw.flatten();
        let plan = e.next_head_plan();
        let unsettled = e.edge_dirty & !e.head_dirty != 0
            || e.heads.iter().any(|h| h.edge_dirty & !h.dirty != 0);
        let learnt = pass == 1 && (loop_raw.is_some() || !plan.is_empty());
        if !unsettled && !learnt {
            break;
        }
        e = emit(loop_raw, e.edge_dirty | e.head_dirty, plan)?;
    }
    #[cfg(test)]
    MAIN_LINE.with(|m| {
        let insns = &e.a.instructions()[..e.main_len];
        let real = insns
            .iter()
            .filter(|i| {
                i.code() != iced_x86::Code::DeclareByte && i.code() != iced_x86::Code::INVALID
            })
            .count();
        m.set(real);
    });
    // The code and each instruction's offset in it (see `encode`; iced's
    // own assembler if that fails, which it is not expected to).
    let (bytes, offsets) = match super::encode::assemble(e.a.instructions(), ip)? {
        Some(asm) => (asm.bytes, asm.offsets),
        None => {
            let res = e.a.assemble_options(
                ip,
                iced_x86::BlockEncoderOptions::RETURN_NEW_INSTRUCTION_OFFSETS,
            )?;
            (res.inner.code_buffer, res.inner.new_instruction_offsets)
        }
    };
    #[cfg(test)]
    {
        // The same bytes as iced's own assembler makes (every block the
        // tests compile checks `encode` so).
        let theirs = e.a.assemble(ip)?;
        assert!(
            theirs == bytes,
            "block at {:#x} not assembled as iced does:\n{}\n----\n{}",
            block.start,
            disassemble(&bytes, ip),
            disassemble(&theirs, ip)
        );
    }
    let label_ip = |label: &CodeLabel| {
        let (_, k) = e
            .slow_at
            .iter()
            .find(|s| s.0 == *label)
            .expect("a slow path");
        ip + offsets[*k] as u64
    };
    let sites: Vec<(u64, u64)> = e
        .sites
        .iter()
        .map(|&(site, ref slow)| (ip + offsets[site] as u64, label_ip(slow)))
        .collect();
    let portable = if portable {
        let offsets = &offsets;
        let code_end = offsets
            .get(e.code_instrs)
            .map_or(bytes.len(), |&o| o as usize)
            .min(bytes.len());
        portable_form(
            &bytes,
            ip,
            code_end,
            &sites,
            e.relocs.as_deref(),
            offsets,
            stubs,
        )
    } else {
        None
    };
    Ok(BlockCode {
        bytes,
        sites,
        portable,
    })
}

/// The [`persist::PortableCode`] of a block assembled at `ip`, from the
/// emitter's address loads (by instruction index; `offsets` are the
/// instructions' byte offsets) and the stub branches found in the code.
fn portable_form(
    bytes: &[u8],
    ip: u64,
    code_end: usize,
    sites: &[(u64, u64)],
    loads: Option<&[(usize, persist::Target)]>,
    offsets: &[u32],
    stubs: &Stubs,
) -> Option<persist::PortableCode> {
    let mut relocs = persist::stub_relocs(bytes, code_end, ip, &stubs.list())?;
    for &(index, target) in loads? {
        let at = *offsets.get(index)? as usize;
        // REX.W (+B) B8+r imm64: the address is at +2.
        let insn = bytes.get(at..at + 10)?;
        if insn[0] & 0xfe != 0x48 || insn[1] & 0xf8 != 0xb8 {
            return None;
        }
        relocs.push(persist::Reloc {
            at: at as u32 + 2,
            target,
        });
    }
    relocs.sort_by_key(|r| r.at);
    Some(persist::PortableCode {
        bytes: bytes.to_vec(),
        relocs,
        sites: sites
            .iter()
            .map(|&(s, r)| ((s - ip) as u32, (r - ip) as u32))
            .collect(),
    })
}

#[cfg(test)]
thread_local! {
    /// The number of host instructions on the main line (entry to exits,
    /// not the slow paths) of the block compiled last on this thread: the
    /// instruction-count tests pin it.
    pub(super) static MAIN_LINE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Host code as GNU assembler text, one instruction a line.
pub(super) fn disassemble(code: &[u8], ip: u64) -> String {
    use iced_x86::{Decoder, DecoderOptions, Formatter, GasFormatter};
    let mut decoder = Decoder::with_ip(64, code, ip, DecoderOptions::NONE);
    let mut formatter = GasFormatter::new();
    let mut out = String::new();
    for insn in &mut decoder {
        let mut text = String::new();
        formatter.format(&insn, &mut text);
        out += &format!("0x{:016x}:  {text}\n", insn.ip());
    }
    out
}

/// `JitCtx::raw_kind` values.
const RAW_KIND_ADD: u32 = 1;
const RAW_KIND_SUB: u32 = 2;

/// Whether condition `c` (and so its opposite) can be tested on the host
/// flags, or raw flags, of an instruction of `kind`.
fn cond_readable(kind: FlagKind, c: Cond) -> bool {
    c != Cond::Al && host_cond(kind, c).is_some() && host_cond(kind, inverse(c)).is_some()
}

/// The kind of host flags of a flag-setting add, subtract or compare that
/// the code generator compiles with a single x86 add or subtract (all
/// four flags written).
fn arith_kind(op: &Op) -> Option<FlagKind> {
    match *op {
        Op::Alu {
            op, s: true, rd, ..
        } if rd != PC || op.is_test() => match op {
            AluOp::Add | AluOp::Cmn => Some(FlagKind::Add),
            AluOp::Sub | AluOp::Cmp | AluOp::Rsb => Some(FlagKind::Sub),
            _ => None,
        },
        _ => None,
    }
}

/// An x86 condition code (as in `setcc`/`jcc`).
#[derive(Clone, Copy)]
enum HostCond {
    E,
    Ne,
    S,
    Ns,
    O,
    No,
    Ge,
    L,
    G,
    Le,
    B,
    Ae,
    A,
    Be,
}

/// The x86 condition that is ARM condition `c` on the host flags of an
/// instruction of `kind`, if one is.
fn host_cond(kind: FlagKind, c: Cond) -> Option<HostCond> {
    Some(match (kind, c) {
        (_, Cond::Eq) => HostCond::E,
        (_, Cond::Ne) => HostCond::Ne,
        (_, Cond::Mi) => HostCond::S,
        (_, Cond::Pl) => HostCond::Ns,
        // A logical op's raw flags hold only N and Z (and C with a
        // shifter carry).
        (FlagKind::LogicC, Cond::Cs) => HostCond::B,
        (FlagKind::LogicC, Cond::Cc) => HostCond::Ae,
        (FlagKind::Logic | FlagKind::LogicC, _) => return None,
        (_, Cond::Vs) => HostCond::O,
        (_, Cond::Vc) => HostCond::No,
        (_, Cond::Ge) => HostCond::Ge,
        (_, Cond::Lt) => HostCond::L,
        (_, Cond::Gt) => HostCond::G,
        (_, Cond::Le) => HostCond::Le,
        // ARM's C is the host carry after an add, its inverse after a
        // subtract.
        (FlagKind::Add, Cond::Cs) | (FlagKind::Sub, Cond::Cc) => HostCond::B,
        (FlagKind::Add, Cond::Cc) | (FlagKind::Sub, Cond::Cs) => HostCond::Ae,
        (FlagKind::Sub, Cond::Hi) => HostCond::A,
        (FlagKind::Sub, Cond::Ls) => HostCond::Be,
        _ => return None,
    })
}

/// The opposite condition (ARM pairs them: EQ/NE, CS/CC, ...).
fn inverse(c: Cond) -> Cond {
    debug_assert!(c != Cond::Al);
    Cond::from_bits(c as u32 ^ 1)
}

/// `JitCtx::raw_kind`'s code for raw flags of `kind`.
fn raw_kind_code(kind: FlagKind) -> u32 {
    match kind {
        FlagKind::Add => RAW_KIND_ADD,
        FlagKind::Sub => RAW_KIND_SUB,
        FlagKind::Logic => RAW_KIND_LOGIC,
        FlagKind::LogicC => RAW_KIND_LOGIC_C,
    }
}
const RAW_KIND_LOGIC: u32 = 3;
const RAW_KIND_LOGIC_C: u32 = 4;

/// How the host flags of a flag-setting instruction relate to ARM's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FlagKind {
    /// An add: host CF is ARM's C.
    Add,
    /// A subtract: host CF is ARM's C inverted.
    Sub,
    /// A logical op (after `test` of the result): only N and Z are there.
    Logic,
    /// A logical op with a shifter carry (a flag-setting shift): raw, N
    /// and Z as for `Logic` and CF set to ARM's C (V stays in NZCV); as
    /// host flags only N and Z are right (`test` clears CF).
    LogicC,
}

impl FlagKind {
    /// The kind whose conditions the host flags right after the
    /// instruction answer (see [`FlagKind::LogicC`]).
    fn on_host(self) -> FlagKind {
        match self {
            FlagKind::LogicC => FlagKind::Logic,
            k => k,
        }
    }
}

/// An instruction inside a block that a later direct branch of the block
/// goes back to: a loop head with the registers kept, as the block's
/// start is for a branch back to it (xz's match finder walks a binary
/// tree down either side in one block this way).
#[derive(Clone, Copy)]
struct InnerHead {
    /// Its instruction.
    index: usize,
    /// Its address.
    pc: u32,
    label: CodeLabel,
    /// Cached registers that may be unstored there.
    dirty: u16,
    /// The flag state there (raw of a kind, or exact) if flags are live
    /// there (`None` if not: both ways in leave them as they are).
    raw: Option<Option<FlagKind>>,
    /// The back edges' flag state and dirty registers (the first
    /// emission's, for the second).
    edge_raw: Option<Option<FlagKind>>,
    edge_dirty: u16,
}

/// The state an inner loop head is given in the second emission: the
/// back edges' raw flag kind and the registers they bring unstored.
#[derive(Clone, Copy)]
struct HeadPlan {
    index: usize,
    raw: Option<FlagKind>,
    dirty: u16,
}

/// Whether `block`'s native VFP templates may rely on a test of FPSCR's
/// modes at its entry: it has some, and nothing in it writes FPSCR (only
/// VMSR does; a block ends at anything else that may, such as a system
/// call's signal return). A loop then tests once, not every round; with
/// modes set (flush-to-zero, default NaN, another rounding), the block
/// runs in the interpreter instead.
fn modes_checked_at_entry(block: &Block) -> bool {
    fn vfp(insn: &Insn) -> Option<&VfpInsn> {
        match &insn.op {
            Op::Vfp(v) => Some(v),
            _ => None,
        }
    }
    block.insns.iter().filter_map(vfp).any(vfp_may_be_native)
        && !block
            .insns
            .iter()
            .filter_map(vfp)
            .any(|v| matches!(v, VfpInsn::Vmsr { .. }))
}

/// For each instruction of `block`, the D registers known not to hold a
/// denormal when it starts, for code under flush-to-zero: those written
/// since the last loop head by native double arithmetic, whose results
/// never are (SSE results are checked; the interpreter's path flushes
/// them). Their operands need no denormal check.
fn known_normal(block: &Block) -> Vec<u32> {
    use crate::ir::vfp::UnaryOp;
    let mut heads = block.inner_loop_heads();
    if block.branches_to_start() {
        heads.push(0);
    }
    let mut known = 0u32;
    let mut before = Vec::with_capacity(block.insns.len());
    for (k, insn) in block.insns.iter().enumerate() {
        if heads.contains(&k) {
            known = 0;
        }
        before.push(known);
        match &insn.op {
            Op::Vfp(v) => match **v {
                VfpInsn::Arith { dp: true, vd, .. }
                | VfpInsn::Unary {
                    op: UnaryOp::Sqrt,
                    dp: true,
                    vd,
                    ..
                } if vfp_may_be_native(v) => {
                    // (Skipped, a conditional one leaves `vd` as it was.)
                    if insn.cond == Cond::Al {
                        known |= 1 << vd;
                    }
                }
                VfpInsn::Cmp { .. } => {}
                VfpInsn::LoadStore { dp, vd, .. } => {
                    known &= !(1 << if dp { vd } else { vd / 2 });
                }
                _ => known = 0,
            },
            Op::Neon(_) => known = 0,
            _ => {}
        }
    }
    before
}

/// Whether `v` is VFP arithmetic the JIT runs as SSE code (when FPSCR is
/// in its default modes).
fn vfp_may_be_native(v: &VfpInsn) -> bool {
    use crate::ir::vfp::{ArithOp, UnaryOp};
    match *v {
        VfpInsn::Arith { op, .. } => !matches!(
            op,
            ArithOp::Fma | ArithOp::Fms | ArithOp::Fnma | ArithOp::Fnms
        ),
        VfpInsn::Unary {
            op: UnaryOp::Sqrt, ..
        }
        | VfpInsn::Cmp { .. }
        | VfpInsn::CvtPrec { .. }
        | VfpInsn::CvtToInt { .. }
        | VfpInsn::CvtFromInt { .. } => true,
        _ => false,
    }
}

/// What a zero result of native VFP code may be under flush-to-zero
/// (see [`Emitter::fcheck`]).
#[derive(Clone, Copy)]
enum ZeroResult {
    /// Only exact.
    Exact,
    /// The product of VFP register `vn` and the value in `m`: exact if
    /// either is zero.
    Product { vn: u8, m: AsmRegisterXmm },
    /// Perhaps a flushed underflow: the interpreter decides.
    Slow,
}

/// An x86 source operand.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Src {
    Imm(u32),
    Reg(AsmRegister32),
    /// An uncached guest register, read from `CpuState` by the operation
    /// itself (at this offset from `rbx`).
    Mem(i32),
}

/// The two-operand x86 ALU ops the templates use.
#[derive(Clone, Copy, PartialEq, Eq)]
enum XOp {
    Mov,
    Add,
    Sub,
    Adc,
    Sbb,
    And,
    Or,
    Xor,
    Cmp,
}

/// Where a shifter carry-out ended up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Carry {
    /// C is not changed.
    Unchanged,
    /// A constant.
    Const(bool),
    /// In `r8b`.
    InR8,
}

/// An out-of-line path that runs one instruction through the interpreter.
struct SlowPath {
    label: CodeLabel,
    insn: *const Insn,
    resume: CodeLabel,
    /// Cached registers to store first.
    dirty: u16,
    /// Host FP flags may be pending (merge them first).
    fp_dirty: bool,
    /// Raw flags pending (pack them first).
    raw: Option<FlagKind>,
    /// Run a VFP instruction with `helpers::vfp_pure` (core registers
    /// untouched) rather than the whole interpreter.
    vfp: Option<*const VfpInsn>,
    /// MXCSR was saved before the native attempt (restore it first).
    mxcsr_saved: bool,
    /// The interpreter's path may do host floating point.
    host_fp: bool,
    /// The previous block's raw flags may be pending (pack them first).
    raw_dynamic: bool,
    /// The raw flags are only in the host flags (see
    /// `Emitter::raw_unsaved`): save them first.
    save_raw: bool,
    /// The raw flags are (or, with `save_raw`, will be) in
    /// `JitCtx::raw_flags`, equal to the host flags at the access.
    raw_in_memory: bool,
    /// The code resumed at relies on the host flags holding the raw
    /// flags (`raw_unsaved`, `host_raw`): reload them before resuming.
    restore_flags: bool,
}

/// Whether a host instruction leaves RFLAGS alone, as iced's instruction
/// info says (moves, `lea`, `lahf`, `setcc`, jumps, SSE arithmetic...),
/// calls aside (what they call may change them) and data (`db`: a patch
/// site's jump) too.
fn keeps_host_flags(i: &iced_x86::Instruction) -> bool {
    use iced_x86::FlowControl;
    i.code() != iced_x86::Code::DeclareByte
        && i.rflags_modified() == 0
        && !matches!(
            i.flow_control(),
            FlowControl::Call | FlowControl::IndirectCall | FlowControl::Interrupt
        )
}

/// Whether `insn` writes all four flags before anything (a fault, an
/// exit) can see the ones before it: an unconditional data-processing
/// instruction that sets NZCV without reading any flag, not writing PC.
fn overwrites_flags_first(insn: &Insn) -> bool {
    insn.cond == Cond::Al
        && matches!(insn.op, Op::Alu { rd, .. } if rd != PC)
        && flags::op_writes(&insn.op) == flags::NZCV
        && flags::op_reads(&insn.op) == 0
}

/// Whether running `op` in the interpreter may do host floating point
/// (and leave exception flags in MXCSR): VFP and NEON instructions.
fn may_use_host_fp(op: &Op) -> bool {
    matches!(op, Op::Vfp(_) | Op::Neon(_))
}

/// The guest registers an instruction reads or writes in its native
/// template (instructions run by the interpreter reach the state in
/// memory and count for nothing), one entry per use.
fn reg_uses(op: &Op) -> Vec<Reg> {
    // A written-back base counts twice (read and written).
    let addr_regs = |a: &Addr| {
        let mut v = addr_reads(a);
        if a.wback {
            v.push(a.rn);
        }
        v
    };
    match *op {
        Op::Alu {
            op, rd, rn, op2, ..
        } => {
            // (MOV and MVN have no first operand.)
            let mut v = if matches!(op, AluOp::Mov | AluOp::Mvn) {
                vec![]
            } else {
                vec![rn]
            };
            match op2 {
                Operand::Reg { rm, .. } => v.push(rm),
                Operand::RegShift { rm, rs, .. } => v.extend([rm, rs]),
                Operand::Imm { .. } => {}
            }
            if !op.is_test() {
                v.push(rd);
            }
            v
        }
        Op::Movt { rd, .. } => vec![rd, rd],
        Op::Mul { rd, rn, rm, ra, .. } => vec![rd, rn, rm, ra],
        Op::MulLong {
            rdlo, rdhi, rn, rm, ..
        } => vec![rdlo, rdhi, rn, rm],
        Op::Div { rd, rn, rm, .. } => vec![rd, rn, rm],
        Op::Unary { rd, rm, .. } => vec![rd, rm],
        Op::Bfi { rd, rn, .. } => {
            let mut v = vec![rd, rd];
            v.extend(rn);
            v
        }
        Op::Bfx { rd, rn, .. } => vec![rd, rn],
        Op::Extend { rd, rn, rm, .. } => {
            let mut v = vec![rd, rm];
            v.extend(rn);
            v
        }
        Op::Load { rt, ref addr, .. } | Op::Store { rt, ref addr, .. } => {
            let mut v = addr_regs(addr);
            v.push(rt);
            v
        }
        Op::LoadDual { rt, rt2, ref addr } | Op::StoreDual { rt, rt2, ref addr } => {
            let mut v = addr_regs(addr);
            v.extend([rt, rt2]);
            v
        }
        Op::LoadMultiple { rn, regs, .. } | Op::StoreMultiple { rn, regs, .. } => {
            let mut v = vec![rn, rn];
            v.extend((0..16).filter(|i| regs & (1 << i) != 0));
            v
        }
        Op::BranchLink { .. } => vec![LR],
        Op::BranchExchange { rm, link } => {
            if link {
                vec![rm, LR]
            } else {
                vec![rm]
            }
        }
        Op::CompareBranch { rn, .. } => vec![rn],
        Op::TableBranch { rn, rm, .. } => vec![rn, rm],
        Op::Parallel { rd, rn, rm, .. } | Op::Sel { rd, rn, rm } => vec![rd, rn, rm],
        Op::Neon(ref n) => match **n {
            NeonInsn::Multi { rn, wb, .. } => match wb {
                crate::ir::neon::Writeback::Reg(m) => vec![rn, rn, m],
                _ => vec![rn, rn],
            },
            _ => Vec::new(),
        },
        Op::Vfp(ref v) => match **v {
            VfpInsn::LoadStore { rn, .. } => rn.into_iter().collect(),
            VfpInsn::Multiple { rn, .. } => vec![rn, rn],
            VfpInsn::MovCoreS { rt, .. } => vec![rt],
            VfpInsn::MovCore2S { rt, rt2, .. } | VfpInsn::MovCoreD { rt, rt2, .. } => {
                vec![rt, rt2]
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The registers an address reads: the base, and the offset register.
fn addr_reads(a: &Addr) -> Vec<Reg> {
    let mut v = vec![a.rn];
    if let Offset::Reg { rm, .. } = a.offset {
        v.push(rm);
    }
    v
}

/// The guest registers an unconditional instruction's native template
/// writes without reading them first (their old value is dead there).
/// Conservative: an operand field that a form ignores still counts as
/// read (as in [`reg_uses`]).
fn reg_kills(op: &Op) -> u16 {
    reg_written(op, false)
}

/// The registers `op` writes (whatever it reads), PC aside.
fn reg_writes(op: &Op) -> u16 {
    reg_written(op, true)
}

/// [`reg_kills`], or with `also_read` [`reg_writes`].
fn reg_written(op: &Op, also_read: bool) -> u16 {
    let bit = |r: Reg| 1u16 << r;
    let unless_read = |rd: Reg, reads: &[Reg]| {
        if rd == PC || (!also_read && reads.contains(&rd)) {
            0
        } else {
            bit(rd)
        }
    };
    match *op {
        Op::Alu {
            op, rd, rn, op2, ..
        } if !op.is_test() => match op2 {
            Operand::Reg { rm, .. } => unless_read(rd, &[rn, rm]),
            Operand::RegShift { rm, rs, .. } => unless_read(rd, &[rn, rm, rs]),
            Operand::Imm { .. } => unless_read(rd, &[rn]),
        },
        Op::Mul { rd, rn, rm, ra, .. } => unless_read(rd, &[rn, rm, ra]),
        Op::Div { rd, rn, rm, .. } => unless_read(rd, &[rn, rm]),
        Op::Unary { rd, rm, .. } => unless_read(rd, &[rm]),
        Op::Bfx { rd, rn, .. } => unless_read(rd, &[rn]),
        Op::Extend { rd, rn, rm, .. } => match rn {
            Some(rn) => unless_read(rd, &[rn, rm]),
            None => unless_read(rd, &[rm]),
        },
        Op::Load { rt, ref addr, .. } => unless_read(rt, &addr_reads(addr)),
        Op::LoadDual { rt, rt2, ref addr } => {
            let reads = addr_reads(addr);
            unless_read(rt, &reads) | unless_read(rt2, &reads)
        }
        Op::BranchLink { .. } => bit(LR),
        Op::Parallel { rd, rn, rm, .. } | Op::Sel { rd, rn, rm } => unless_read(rd, &[rn, rm]),
        _ => 0,
    }
}

/// The guest registers a block may read before writing them: the cached
/// ones among them are loaded at its entry, the others are written first
/// (their host registers start as garbage, which nothing sees: they are
/// not dirty until written).
fn live_in_regs(block: &Block) -> u16 {
    let (mut live, mut killed) = (0u16, 0u16);
    for insn in &block.insns {
        let kills = if insn.cond == Cond::Al {
            reg_kills(&insn.op)
        } else {
            0
        };
        for r in reg_uses(&insn.op) {
            if (killed | kills) & (1 << r) == 0 {
                live |= 1 << r;
            }
        }
        killed |= kills;
    }
    live
}

struct Emitter<'a> {
    a: CodeAssembler,
    block: &'a Block,
    thumb: bool,
    stubs: &'a Stubs,
    direct: Option<DirectMap>,
    /// The memory has a software TLB (system mode): accesses look it up
    /// inline (`r13` holds its base) and go through `r9`, the page's host
    /// address minus its virtual address.
    tlb: bool,
    /// Offset of the TLB set for the block's privilege level.
    tlb_set: i32,
    /// SCTLR.A is set: accesses are checked for alignment.
    align_check: bool,
    /// The memory translates addresses (system mode): chain only within a
    /// page.
    mmu: bool,
    generic: u64,
    vfp_pure: u64,
    neon_pure: u64,
    live: Vec<u8>,
    slow: Vec<SlowPath>,
    entry: CodeLabel,
    /// Instruction count when a label was last bound (only one label may
    /// name an instruction).
    labelled_at: usize,
    /// The instruction each slow path starts at (for their addresses
    /// after assembly).
    slow_at: Vec<(CodeLabel, usize)>,
    /// The host register caching each guest register, if any.
    cache: [Option<AsmRegister32>; 16],
    /// Cached guest registers written since their value was last stored.
    dirty: u16,
    /// Where a branch back to the block start re-enters, registers loaded.
    loop_head: CodeLabel,
    /// A condition of instruction `.0` already computed (see
    /// [`CondAt`]).
    pending: Option<(usize, Cond, CondAt)>,
    /// Flags each instruction leaves live for later instructions.
    live_out: Vec<u8>,
    /// `Some(kind)`: NZCV in `CpuState` is stale; the flags are the host
    /// flags of the last flag-setting instruction, saved raw (`lahf`,
    /// `seto al`) in `JitCtx::raw_flags`, to be packed only where something
    /// reads NZCV: a real reader, an exit, a slow path (a fault).
    raw: Option<FlagKind>,
    /// [`flags::live_computed`]: flag writes and live-after sets counting
    /// only readers that compute with the flags.
    live_real: (Vec<u8>, Vec<u8>),
    /// Memory access instructions that may fault on the host, with the
    /// slow path to resume at.
    /// (By instruction index: a label there would often share the
    /// instruction with the previous instruction's end label and cost a
    /// `nop`.)
    sites: Vec<(usize, CodeLabel)>,
    /// 16-byte constants to place after the code.
    consts: Vec<(CodeLabel, [u8; 16])>,
    /// The host has SSSE3 (pshufb).
    ssse3: bool,
    /// MXCSR may hold exception flags not yet merged into FPSCR.
    fp_dirty: bool,
    /// The condition of the instruction being emitted.
    cur_cond: Cond,
    /// Instructions emitted before the out-of-line code (slow paths,
    /// constants): the block's main line, entry to exits.
    main_len: usize,
    /// The flag state at the loop head of a block that loops to its start
    /// with flags live there: `Some(kind)` is raw flags of that kind (the
    /// entry converts the exact NZCV to them), so that the back edge
    /// needs no packing.
    loop_raw: Option<FlagKind>,
    /// The raw state at the back edge (`None`: no back edge needing exact
    /// flags), for the first emission to tell the second.
    edge_raw: Option<Option<FlagKind>>,
    /// Cached registers a branch back to the loop head brings unstored
    /// (whose `CpuState` copy is stale there). The entry loads every
    /// cached register, so the others are exact at the head and an exit
    /// need not store them unless written since.
    head_dirty: u16,
    /// The union of `dirty` at the back edges, for the first emission to
    /// tell the second.
    edge_dirty: u16,
    /// Instructions other than the first that a direct branch of the
    /// block goes back to (see [`Block::inner_loop_heads`]).
    head_candidates: Vec<usize>,
    /// What the first emission learnt about the back edges to inner loop
    /// heads, for the second.
    head_plan: Vec<HeadPlan>,
    /// The inner loop heads bound so far.
    heads: Vec<InnerHead>,
    /// The raw flags (`raw`, of an add or subtract) are still only in the
    /// host flags: the instructions since their setter were loads and
    /// stores that leave the host flags alone ([`Self::flag_quiet`]), whose
    /// fault paths save them first. The next other instruction saves
    /// them, unless it overwrites all four flags before anything can see
    /// them (`adds; ldrb; cmp` saves nothing).
    raw_unsaved: bool,
    /// The host flags hold the raw flags `raw` (the word in
    /// `JitCtx::raw_flags`), OF too if `Some(true)`: a condition on them
    /// is one `jcc`, without reloading them (`ite hs; movhs; movlo`
    /// reloads once). Set where they are saved or reloaded; kept past an
    /// instruction only if every host instruction emitted since leaves
    /// the flags alone, which `check_host_raw` reads off the emitted code
    /// itself, and the instruction's slow paths put them back.
    host_raw: Option<bool>,
    /// The emitted instruction count where `host_raw` was last set, and
    /// the kind of raw flags then.
    host_raw_at: usize,
    host_raw_kind: Option<FlagKind>,
    /// The instruction being emitted writes N, Z and C (a flag-setting
    /// logical op with a shifter carry: Thumb's 16-bit LSLS) over raw
    /// flags of an add or subtract whose V is still live: V stays in the
    /// raw word (bit 0), and the result is raw flags of an add (or exact
    /// NZCV with V from the raw word) instead of the raw flags packed
    /// first. Set by `raw_before`, taken by `alu`.
    merge_v: bool,
    /// NZCV may be stale with raw flags of the previous block pending
    /// (`JitCtx::raw_kind` says): from the entry of a block until it
    /// overwrites all four flags or something needs them exact, which
    /// then calls the normalizing stub. Exits with raw flags of their own
    /// set the kind instead of packing: the next block packs them only if
    /// it reads them before overwriting them.
    raw_dynamic: bool,
    /// `mov r64, imm64` instructions (by index) that load an address of
    /// this process, and what they name (see `persist`); `None` once one
    /// names something that cannot be named so (the block is not saved).
    relocs: Option<Vec<(usize, persist::Target)>>,
    /// Instructions before the constants (the code, as opposed to data).
    code_instrs: usize,
    /// The XMM register caching each VFP double register, if any (see
    /// `allocate`). The cache is write-through: `CpuState` is always
    /// exact, and a cached register is read from its XMM register while
    /// it is known to hold the same value (`fvalid`).
    fcache: [Option<AsmRegisterXmm>; 32],
    /// Cached D registers whose XMM register holds their current value
    /// at this point of the code being emitted.
    fvalid: u32,
    /// The system bits of the block's state key (above the Thumb bit and
    /// ITSTATE), which nothing in a block changes.
    key_bits: u32,
    /// The FPSCR modes tested once at the block's entry, if they are (see
    /// [`modes_checked_at_entry`]); else each native VFP template tests
    /// for the default modes.
    entry_modes: Option<FpModes>,
    /// Under flush-to-zero, [`known_normal`] of the block, and the entry
    /// of the instruction being emitted.
    known_normal: Vec<u32>,
    normal: u32,
}

/// Where the condition of an instruction computed ahead is.
#[derive(Clone, Copy, PartialEq)]
enum CondAt {
    /// `r9b`, for the next instruction.
    R9b,
    /// `JitCtx::cond_byte`, for a later one.
    Memory,
    /// Still in the host flags of the given kind: nothing was emitted
    /// between the instruction that set them and the next one's test
    /// except what leaves flags alone (saving them raw).
    HostFlags(FlagKind),
}

/// Where a `setcc` puts its byte.
enum SetccDst {
    Reg(AsmRegister8),
    Mem(AsmMemoryOperand),
}

/// A host register that caches guest registers: its 32-, 64-, 16- and
/// 8-bit views.
type CacheReg = (AsmRegister32, AsmRegister64, AsmRegister16, AsmRegister8);

/// Host registers that cache guest registers, in the order they are
/// handed out: the first four are caller-saved (a call clobbers them);
/// `r13` caches only when host faults replace the inline page checks that
/// use it (user mode), `r12` only when it does not hold the guest base
/// (see [`GuestBase`]).
const CACHE_REGS: [CacheReg; 8] = [
    (esi, rsi, si, sil),
    (edi, rdi, di, dil),
    (r10d, r10, r10w, r10b),
    (r11d, r11, r11w, r11b),
    (r14d, r14, r14w, r14b),
    (r15d, r15, r15w, r15b),
    (r13d, r13, r13w, r13b),
    (r12d, r12, r12w, r12b),
];

/// How many instructions after a register's write a read of it counts
/// twice in allocation.
const NEAR_USE: usize = 4;

/// Where compiled code finds the host address of guest address 0.
#[derive(Clone, Copy, PartialEq)]
enum GuestBase {
    /// In a register: `r12` (the prologue loads it), or `r9` after a
    /// software TLB lookup (the page's addend).
    Reg(AsmRegister64),
    /// A constant displacement: the reservation lies low enough in the
    /// host's address space (user mode's default, see
    /// [`MAX_DISPLACEMENT_BASE`]), and `r12` is free to cache a guest
    /// register.
    Disp(i32),
}

impl GuestBase {
    /// The host memory operand of the guest address in `index` (a 64-bit
    /// register holding it zero-extended) plus `disp`.
    fn at(self, index: AsmRegister64, disp: i32) -> AsmMemoryOperand {
        match self {
            GuestBase::Reg(base) => base + index + disp,
            GuestBase::Disp(base) => index + (base + disp),
        }
    }
}

/// The highest host address of guest address 0 that compiled code folds
/// into its accesses as a displacement: a 32-bit displacement is
/// sign-extended, and the guest's displacements (within the guard bands)
/// are added to it.
pub const MAX_DISPLACEMENT_BASE: usize = 0x7000_0000;

/// The caching registers a call clobbers.
const CALLER_SAVED_CACHE: &[CacheReg] = CACHE_REGS.split_at(4).0;

/// A caching register's 32-, 16- and 8-bit views.
fn narrow(r: AsmRegister32) -> (AsmRegister32, AsmRegister16, AsmRegister8) {
    CACHE_REGS
        .iter()
        .find(|v| v.0 == r)
        .map(|v| (v.0, v.2, v.3))
        .expect("a caching register")
}

/// The 64-bit register of a caching register (its upper half is zero:
/// only 32-bit operations write it).
fn full64(r: AsmRegister32) -> AsmRegister64 {
    CACHE_REGS
        .iter()
        .find(|p| p.0 == r)
        .map(|p| p.1)
        .expect("a caching register")
}

/// The 64-bit register of a scratch or caching register (for addressing:
/// a 32-bit `lea` of it reads only its low half).
fn full64_any(r: AsmRegister32) -> AsmRegister64 {
    [(eax, rax), (ecx, rcx), (edx, rdx), (r8d, r8), (r9d, r9)]
        .iter()
        .find(|p| p.0 == r)
        .map_or_else(|| full64(r), |p| p.1)
}

/// The 32-bit view of `rcx` or a caching register.
fn low32(r: AsmRegister64) -> AsmRegister32 {
    if r == rcx {
        return ecx;
    }
    CACHE_REGS
        .iter()
        .find(|p| p.1 == r)
        .map(|p| p.0)
        .expect("a caching register")
}

impl Emitter<'_> {
    fn bind(&mut self, label: &mut CodeLabel) -> R {
        if self.a.instructions().len() == self.labelled_at {
            self.a.nop()?;
        }
        self.a.set_label(label)?;
        self.labelled_at = self.a.instructions().len();
        Ok(())
    }

    /// Picks the guest registers to keep in host registers: the most used,
    /// if used at least twice.
    fn allocate(&mut self) {
        // A loop's body (up to its last branch back to the block start)
        // runs many times for each run of what follows it (its exit path,
        // reached by falling through the branch): its uses weigh more.
        let start = self.block.start;
        let loop_end = self.block.insns.iter().rposition(|i| {
            matches!(i.op, Op::Branch { target } | Op::CompareBranch { target, .. } if target == start)
        });
        let mut count = [0u32; 16];
        // Where each register was last written: a value read soon after
        // it is written would otherwise go through memory on the way
        // (a store and a load forwarded from it: several cycles on the
        // chain of a compare or an address).
        let mut written_at = [None::<usize>; 16];
        for (k, insn) in self.block.insns.iter().enumerate() {
            let weight = if loop_end.is_some_and(|e| k <= e) {
                8
            } else {
                1
            };
            for r in reg_uses(&insn.op) {
                count[r as usize] += weight;
                if written_at[r as usize].is_some_and(|w| k - w <= NEAR_USE) {
                    count[r as usize] += weight;
                }
            }
            let writes = reg_writes(&insn.op);
            for (r, at) in written_at.iter_mut().enumerate() {
                if writes & 1 << r != 0 {
                    *at = Some(k);
                }
            }
        }
        count[PC as usize] = 0;
        let mut order: Vec<usize> = (0..16).filter(|&r| count[r] >= 2).collect();
        order.sort_by_key(|&r| (std::cmp::Reverse(count[r]), r));
        let host_faults = !self.tlb && self.direct.is_some_and(|d| d.host_faults);
        let r12_free = self.base() != GuestBase::Reg(r12);
        let hosts = CACHE_REGS
            .iter()
            .filter(|c| (c.0 != r13d || host_faults) && (c.0 != r12d || r12_free));
        for (&r, &(host, ..)) in order.iter().zip(hosts) {
            self.cache[r] = Some(host);
        }
        // VFP double registers of blocks with double arithmetic: the most
        // used in XMM registers, so that a chain of operations (an
        // accumulator carried round a loop) does not go through memory.
        let mut fcount = [0u32; 32];
        let mut arith = false;
        for (k, insn) in self.block.insns.iter().enumerate() {
            if let Op::Vfp(v) = &insn.op {
                let weight = if loop_end.is_some_and(|e| k <= e) {
                    8
                } else {
                    1
                };
                arith |= matches!(**v, VfpInsn::Arith { dp: true, .. });
                for d in fcache_uses(v) {
                    fcount[d as usize] += weight;
                }
            }
        }
        if arith {
            let mut order: Vec<usize> = (0..32).filter(|&d| fcount[d] >= 2).collect();
            order.sort_by_key(|&d| (std::cmp::Reverse(fcount[d]), d));
            for (&d, &x) in order.iter().zip(FCACHE_REGS.iter()) {
                self.fcache[d] = Some(x);
            }
        }
    }

    /// The cached VFP double registers as a mask.
    fn fcached(&self) -> u32 {
        (0..32)
            .filter(|&d| self.fcache[d].is_some())
            .fold(0, |m, d| m | 1 << d)
    }

    /// Loads the cached D registers in `mask` from `CpuState` into their
    /// XMM registers.
    fn fcache_load(&mut self, mask: u32) -> R {
        for d in 0..32u8 {
            if let (Some(x), true) = (self.fcache[d as usize], mask & (1 << d) != 0) {
                self.a.movsd_2(x, qword_ptr(rbx + off_d(d)))?;
                self.fvalid |= 1 << d;
            }
        }
        Ok(())
    }

    /// Makes every cached D register valid (loads the others).
    fn fcache_refresh(&mut self) -> R {
        self.fcache_load(self.fcached() & !self.fvalid)
    }

    /// The cached guest registers as a mask.
    fn cached(&self) -> u16 {
        (0..16)
            .filter(|&r| self.cache[r].is_some())
            .fold(0, |m, r| m | 1 << r)
    }

    /// Stores the cached registers in `mask` to `CpuState`.
    fn store_regs(&mut self, mask: u16) -> R {
        for r in 0..16u8 {
            if let (Some(h), true) = (self.cache[r as usize], mask & (1 << r) != 0) {
                self.a.mov(reg(r), h)?;
            }
        }
        Ok(())
    }

    /// Loads every cached register from `CpuState`.
    fn load_regs(&mut self) -> R {
        self.load_regs_in(0xffff)
    }

    /// Loads the cached registers in `mask` from `CpuState`.
    fn load_regs_in(&mut self, mask: u16) -> R {
        for r in 0..16u8 {
            if let (Some(h), true) = (self.cache[r as usize], mask & (1 << r) != 0) {
                self.a.mov(h, reg(r))?;
            }
        }
        Ok(())
    }

    /// Makes `CpuState` exact: stores the dirty cached registers.
    fn sync_out(&mut self) -> R {
        self.store_regs(self.dirty)
    }

    /// Leaves through the interrupted stub if the interrupt flag is
    /// raised (the guest state stored: at an exit), using `scratch`.
    fn check_interrupt(&mut self, scratch: AsmRegister64) -> R {
        self.a.mov(scratch, qword_ptr(rbp + CTX_INTERRUPT))?;
        self.a.cmp(byte_ptr(scratch), 0)?;
        self.a.jne(self.stubs.interrupted)
    }

    fn emit_block(&mut self) -> R {
        let mut entry = self.entry;
        self.bind(&mut entry)?;
        // FPSCR's modes, for every native VFP template of the block (the
        // state is as the engine left it: nothing to store to leave).
        let mut interpret = self.a.create_label();
        if let Some(FpModes::FlushToZero { inexact }) = self.entry_modes {
            let ixc = if inexact { FPSCR_IXC } else { 0 };
            self.a.mov(eax, dword_ptr(rbx + FPSCR))?;
            self.a.and(eax, FPSCR_NATIVE_MODES | ixc)?;
            self.a.cmp(eax, FPSCR_FZ | ixc)?;
            self.a.jne(interpret)?;
        } else if self.entry_modes.is_some() {
            self.a.test(dword_ptr(rbx + FPSCR), FPSCR_NATIVE_MODES)?;
            self.a.jne(interpret)?;
        }
        // No interrupt check here: the engine checks before it enters
        // compiled code, and within it every cycle of blocks passes a
        // check (a branch back to the block's start, a direct exit to an
        // address not above the block's start, an indirect exit, the
        // lookup stubs): a cycle's block with the highest start address
        // has an exit of the second kind. Chains forward are finite.
        // A block that loops to its start has registers dirty at its head
        // (see below) that an exit stores even before the body writes
        // them: they are loaded too.
        if self.loops_to_start() {
            self.load_regs_in(live_in_regs(self.block) | self.head_dirty)?;
        } else {
            self.load_regs_in(live_in_regs(self.block))?;
        }
        self.fvalid = 0;
        self.fcache_load(self.fcached())?;
        // Flags of native VFP code in earlier blocks may be pending in
        // MXCSR (they are merged into FPSCR before a helper call and when
        // compiled code returns to the engine, not at block exits).
        self.fp_dirty = true;
        // The previous block's raw flags may be pending too. A loop's head
        // is also reached from its back edge: if something there may read
        // the flags before the block overwrites them, it needs one known
        // state, packed now; if not, it stays dynamic (the back edge comes
        // with nothing pending: the block overwrote them since).
        self.raw_dynamic = true;
        let head_reads_flags = flags::live_in(self.block) != 0;
        let mut head = self.loop_head;
        let mut convert = self.a.create_label();
        if let Some(kind) = self.loop_raw {
            // The head wants raw flags of `kind`. The previous block often
            // left just that pending (a compare before a jump into a
            // loop): then they are taken over as they are; if not, NZCV
            // is made exact and converted, out of line.
            self.a
                .cmp(dword_ptr(rbp + CTX_RAW_KIND), raw_kind_code(kind))?;
            self.a.jne(convert)?;
            self.a.mov(dword_ptr(rbp + CTX_RAW_KIND), 0)?;
        } else if self.loops_to_start() && head_reads_flags {
            // `normalize_dynamic`, its skip jumping to the head itself (a
            // label of its own there would cost a `nop`).
            self.emit_normalize_call_skipping_to(head)?;
            self.raw_dynamic = false;
        } else if self.loops_to_start() {
            // The loop overwrites the flags before anything (a fault
            // included) can read them: the previous block's pending ones
            // are dead. Forgetting them here rather than at the first
            // writer keeps that store out of the loop.
            self.a.mov(dword_ptr(rbp + CTX_RAW_KIND), 0)?;
        }
        self.bind(&mut head)?;
        // A branch back here comes with what the block wrote unstored.
        if self.loops_to_start() {
            self.dirty = self.head_dirty & self.cached();
            self.fp_dirty = true;
            self.raw = self.loop_raw;
            self.raw_dynamic = false;
        }
        let block = self.block;
        for (k, insn) in block.insns.iter().enumerate() {
            let top = self.a.instructions().len();
            let quiet_branch = self.quiet_branch(k);
            if self.raw_unsaved && !self.flag_quiet(k) && !quiet_branch {
                self.raw_unsaved = false;
                if !overwrites_flags_first(insn) {
                    self.save_raw_flags()?;
                }
            }
            if self.head_candidates.contains(&k) {
                // (Branches back come with the flags in memory only.)
                self.host_raw = None;
                self.inner_head(k)?;
            }
            let mut end = self.a.create_label();
            self.cur_cond = insn.cond;
            self.merge_v = false;
            self.raw_before(k, insn)?;
            if insn.cond != Cond::Al {
                self.cond_skip(k, insn.cond, end)?;
            }
            self.check_host_raw(top);
            // The host flags on the way that skips the instruction.
            let skipped_host_raw = self.host_raw;
            let body = self.a.instructions().len();
            if self.pending.is_some_and(|p| p.0 <= k) {
                self.pending = None;
            }
            if quiet_branch && self.raw_unsaved {
                // Taken, the branch leaves with them: saved on its path
                // only (`jcc` left the host flags alone).
                self.save_raw_flags()?;
            }
            let fvalid_before = self.fvalid;
            let (len_before, slow_before) = (self.a.instructions().len(), self.slow.len());
            self.normal = self.known_normal.get(k).copied().unwrap_or(0);
            self.insn(k, insn, end)?;
            if matches!(insn.op, Op::Neon(_)) {
                // NEON templates write the register file in memory.
                self.fvalid = 0;
            }
            // Nothing refers to the end of an unconditional instruction
            // that emitted nothing (a followed branch): binding it would
            // cost a `nop` when the next instruction's end comes next.
            let emitted =
                self.a.instructions().len() != len_before || self.slow.len() != slow_before;
            if insn.cond != Cond::Al || emitted {
                self.bind(&mut end)?;
            }
            if insn.cond != Cond::Al {
                // Skipped, the registers are as before.
                self.fvalid &= fvalid_before;
            }
            self.check_host_raw(body);
            if insn.cond != Cond::Al {
                self.host_raw = match (self.host_raw, skipped_host_raw) {
                    (Some(a), Some(b)) => Some(a && b),
                    _ => None,
                };
            }
            // The instruction's slow paths resume at its end: if what
            // follows relies on the host flags, they reload them (or, if
            // they cannot, nothing relies on them).
            let relies = self.host_raw.is_some() || self.raw_unsaved;
            if relies {
                if self.slow[slow_before..].iter().all(|s| s.raw_in_memory) {
                    for s in &mut self.slow[slow_before..] {
                        s.restore_flags = true;
                    }
                } else {
                    debug_assert!(!self.raw_unsaved, "a flag setter with a slow path");
                    self.host_raw = None;
                }
            }
        }
        if std::mem::take(&mut self.raw_unsaved) {
            self.save_raw_flags()?;
        }
        self.exit_to(block.end, self.thumb, block.end_it)?;
        self.main_len = self.a.instructions().len();
        if self.entry_modes.is_some() {
            self.bind(&mut interpret)?;
            self.a.mov(eax, STATUS_INTERPRET)?;
            self.a.jmp(self.stubs.epilogue)?;
        }
        if let Some(kind) = self.loop_raw {
            self.bind(&mut convert)?;
            self.emit_normalize_call()?;
            self.emit_unpack(kind)?;
            self.a.jmp(head)?;
        }
        for mut slow in std::mem::take(&mut self.slow) {
            self.bind(&mut slow.label)?;
            self.slow_at.push((slow.label, self.labelled_at));
            // Sites hold copies of the label made before it was bound.
            for site in &mut self.sites {
                if site.1 == slow.label {
                    site.1 = slow.label;
                }
            }
            if slow.save_raw {
                // Reached from the host fault of a load or store: the host
                // flags are the setter's.
                self.save_raw_flags()?;
            }
            self.fp_dirty = slow.fp_dirty;
            self.cur_cond = Cond::Al;
            if slow.mxcsr_saved {
                // Back to the flags from before the native attempt.
                self.a.ldmxcsr(dword_ptr(rbp + CTX_MXCSR))?;
            }
            self.fp_sync()?;
            match slow.vfp {
                Some(v) => {
                    self.call_pure(self.vfp_pure, v as u64)?;
                }
                None => {
                    self.emit_pack_raw(slow.raw)?;
                    if slow.raw_dynamic {
                        self.emit_normalize_call()?;
                    }
                    self.store_regs(slow.dirty)?;
                    self.call_generic(slow.insn)?;
                    self.load_regs()?;
                    self.fp_after_call(slow.host_fp)?;
                }
            }
            // The call took the XMM registers; the code resumed at expects
            // the cached D registers in them.
            self.fvalid = 0;
            self.fcache_refresh()?;
            if slow.restore_flags {
                self.a.mov(eax, dword_ptr(rbp + CTX_RAW_FLAGS))?;
                self.a.add(al, 0x7f)?;
                self.a.sahf()?;
            }
            self.a.jmp(slow.resume)?;
        }
        self.code_instrs = self.a.instructions().len();
        for (mut label, bytes) in std::mem::take(&mut self.consts) {
            self.bind(&mut label)?;
            self.a.db(&bytes)?;
        }
        Ok(())
    }

    /// Saves the host flags of an add or subtract raw (SF, ZF, CF in
    /// `ah`, OF in `al`) in `JitCtx::raw_flags`; uses `eax`.
    fn save_raw_flags(&mut self) -> R {
        self.a.lahf()?;
        self.a.seto(al)?;
        self.a.mov(dword_ptr(rbp + CTX_RAW_FLAGS), eax)?;
        self.host_raw = Some(true);
        self.host_raw_at = self.a.instructions().len();
        self.host_raw_kind = self.raw;
        Ok(())
    }

    /// Forgets `host_raw` unless every host instruction emitted from
    /// `from` (or from where it was set, if later) leaves the flags alone,
    /// and the flags are raw in memory.
    fn check_host_raw(&mut self, from: usize) {
        let from = from.max(self.host_raw_at);
        if self.raw.is_none()
            || self.raw != self.host_raw_kind
            || self.raw_unsaved
            || self.raw_dynamic
            || !self.a.instructions()[from..].iter().all(keeps_host_flags)
        {
            self.host_raw = None;
        }
    }

    /// Makes instruction `k` an inner loop head if it can be one (no
    /// condition computed ahead across it): the way in from the previous
    /// instruction brings the state the back edges will bring (flags of
    /// the planned kind if live there, every cached D register loaded,
    /// the planned dirty registers loaded so that storing them is exact).
    fn inner_head(&mut self, k: usize) -> R {
        if self.pending.is_some_and(|p| p.0 >= k) {
            return Ok(());
        }
        let plan = self.head_plan.iter().find(|p| p.index == k).copied();
        let live = self.live_out[k - 1] != 0;
        let raw = if live {
            let want = plan.and_then(|p| p.raw);
            if self.raw_dynamic {
                self.emit_normalize_call()?;
                self.raw_dynamic = false;
            }
            self.convert_raw(self.raw, want, edx)?;
            self.raw = want;
            Some(want)
        } else {
            // Dead here: whatever the flags are, nothing sees them before
            // they are overwritten. Pending ones of the previous block
            // are forgotten, as a loop at the start does.
            if self.raw_dynamic {
                self.a.mov(dword_ptr(rbp + CTX_RAW_KIND), 0)?;
                self.raw_dynamic = false;
            }
            self.raw = None;
            None
        };
        self.fcache_refresh()?;
        let extra = plan.map_or(0, |p| p.dirty) & self.cached() & !self.dirty;
        self.load_regs_in(extra)?;
        self.dirty |= extra;
        self.fp_dirty = true;
        let mut label = self.a.create_label();
        self.bind(&mut label)?;
        self.heads.push(InnerHead {
            index: k,
            pc: self.block.insns[k].pc,
            label,
            dirty: self.dirty,
            raw,
            edge_raw: None,
            edge_dirty: 0,
        });
        Ok(())
    }

    /// A branch to an inner loop head from a later instruction: the state
    /// made the head's (flags converted, registers it does not count as
    /// dirty stored), then round again unless interrupted.
    fn inner_back_edge(&mut self, h: usize, target: u32) -> R {
        let head = self.heads[h];
        if let Some(want) = head.raw {
            self.heads[h].edge_raw = Some(self.raw);
            self.convert_raw(self.raw, want, r9d)?;
        }
        self.heads[h].edge_dirty |= self.dirty;
        self.store_regs(self.dirty & !head.dirty)?;
        self.fcache_refresh()?;
        let mut out = self.a.create_label();
        self.a.mov(rax, qword_ptr(rbp + CTX_INTERRUPT))?;
        self.a.cmp(byte_ptr(rax), 0)?;
        self.a.je(head.label)?;
        self.bind(&mut out)?;
        // Interrupted: leave in the head's state.
        let raw = match head.raw {
            Some(want) => want,
            None => self.raw,
        };
        self.leave_raw(raw)?;
        self.store_regs(self.dirty | head.dirty)?;
        self.a.mov(reg(PC), target)?;
        self.store_itstate(0)?;
        self.a.jmp(self.stubs.interrupted)
    }

    /// The plan for a second emission: for each inner head with back
    /// edges, their flag kind and dirty registers.
    fn next_head_plan(&self) -> Vec<HeadPlan> {
        self.heads
            .iter()
            .filter(|h| h.edge_raw.flatten().is_some() || h.edge_dirty & !h.dirty != 0)
            .map(|h| HeadPlan {
                index: h.index,
                raw: h.edge_raw.flatten(),
                dirty: h.edge_dirty,
            })
            .collect()
    }

    /// Whether some direct branch of the block targets its start in the
    /// entry state.
    fn loops_to_start(&self) -> bool {
        let first_it = self.block.insns.first().map_or(0, |i| i.it);
        first_it == 0 && self.block.branches_to_start()
    }

    /// Skips to `end` unless `cond` passes.
    fn cond_skip(&mut self, k: usize, cond: Cond, end: CodeLabel) -> R {
        match self.pending {
            Some((at, c, CondAt::R9b)) if (at, c) == (k, cond) => {
                self.a.test(r9b, r9b)?;
                return self.a.je(end);
            }
            Some((at, c, CondAt::Memory)) if (at, c) == (k, cond) => {
                self.a.cmp(byte_ptr(rbp + CTX_COND_BYTE), 0)?;
                return self.a.je(end);
            }
            Some((at, c, CondAt::HostFlags(kind))) if (at, c) == (k, cond) => {
                let skip = Self::jcc_for(kind, inverse(cond)).expect("checked when computed");
                return skip(&mut self.a, end);
            }
            _ => {}
        }
        if let Some(kind) = self.raw {
            // Raw flags left so by `raw_before`: back into the host flags
            // (`sahf` for SF, ZF, CF; OF from `al`, 0 or 1, by an add
            // that overflows exactly when it is 1), then a jump as on
            // the host flags.
            debug_assert!(cond_readable(kind, cond));
            let reads_v = matches!(
                cond,
                Cond::Vs | Cond::Vc | Cond::Ge | Cond::Lt | Cond::Gt | Cond::Le
            );
            if !matches!(self.host_raw, Some(v) if v || !reads_v) {
                self.a.mov(eax, dword_ptr(rbp + CTX_RAW_FLAGS))?;
                if reads_v {
                    self.a.add(al, 0x7f)?;
                }
                self.a.sahf()?;
                self.host_raw = Some(reads_v);
                self.host_raw_at = self.a.instructions().len();
                self.host_raw_kind = self.raw;
            }
            let skip = Self::jcc_for(kind, inverse(cond)).expect("readable");
            return skip(&mut self.a, end);
        }
        // One flag: test its bit in place.
        let single = match cond {
            Cond::Eq => Some((flags::Z, true)),
            Cond::Ne => Some((flags::Z, false)),
            Cond::Cs => Some((flags::C, true)),
            Cond::Cc => Some((flags::C, false)),
            Cond::Mi => Some((flags::N, true)),
            Cond::Pl => Some((flags::N, false)),
            Cond::Vs => Some((flags::V, true)),
            Cond::Vc => Some((flags::V, false)),
            _ => None,
        };
        if let Some((bit, set)) = single {
            self.a.test(byte_ptr(rbx + NZCV), bit as u32)?;
            return if set { self.a.je(end) } else { self.a.jne(end) };
        }
        self.a.mov(eax, dword_ptr(rbx + NZCV))?;
        self.a.mov(edx, cond_mask(cond) as u32)?;
        self.a.bt(edx, eax)?;
        self.a.jae(end)
    }

    /// Loads guest register `r` (PC reads as the instruction's address + 8
    /// or + 4).
    fn get(&mut self, dst: AsmRegister32, r: Reg, insn: &Insn) -> R {
        if r == PC {
            self.a.mov(dst, insn.pc_read(self.thumb))
        } else if let Some(h) = self.cache[r as usize] {
            if h == dst {
                Ok(())
            } else {
                self.a.mov(dst, h)
            }
        } else {
            self.a.mov(dst, reg(r))
        }
    }

    fn set(&mut self, r: Reg, src: AsmRegister32) -> R {
        debug_assert!(r != PC);
        if let Some(h) = self.cache[r as usize] {
            self.dirty |= 1 << r;
            self.a.mov(h, src)
        } else {
            self.a.mov(reg(r), src)
        }
    }

    fn set_imm(&mut self, r: Reg, value: u32) -> R {
        if let Some(h) = self.cache[r as usize] {
            self.dirty |= 1 << r;
            self.a.mov(h, value)
        } else {
            self.a.mov(reg(r), value)
        }
    }

    /// Records that the next instruction (a `mov r64, imm64`) loads
    /// `addr`: helper `helper`, or a pointer into the block's IR.
    fn note_address(&mut self, addr: u64, helper: Option<u8>) {
        let index = self.a.instructions().len();
        let target = match helper {
            Some(h) => Some(persist::Target::Helper(h)),
            None => persist::target_of_pointer(self.block, addr),
        };
        match (target, &mut self.relocs) {
            (Some(t), Some(relocs)) => relocs.push((index, t)),
            _ => self.relocs = None,
        }
    }

    /// Calls the interpreter for `insn`; a non-zero result leaves through
    /// the helper-status stub. The caller stores and reloads cached
    /// registers around it.
    fn call_generic(&mut self, insn: *const Insn) -> R {
        self.a.mov(rdi, rbp)?;
        self.note_address(insn as u64, None);
        self.a.mov(rsi, insn as u64)?;
        self.note_address(self.generic, Some(persist::HELPER_GENERIC));
        self.a.mov(rax, self.generic)?;
        self.a.call(rax)?;
        self.a.test(eax, eax)?;
        let status = if self.tlb {
            self.stubs.helper_status_tlb
        } else {
            self.stubs.helper_status
        };
        self.a.jne(status)
    }

    /// Runs `insn` through the interpreter, inline.
    fn generic(&mut self, insn: &Insn) -> R {
        self.sync_out()?;
        self.fp_sync()?;
        self.flush_raw()?;
        self.call_generic(insn as *const Insn)?;
        self.fvalid = 0;
        self.fp_after_call(may_use_host_fp(&insn.op))?;
        self.load_regs()?;
        if insn.cond == Cond::Al {
            self.dirty = 0;
        }
        Ok(())
    }

    /// Registers an out-of-line interpreter path for `insn` that resumes
    /// at `end`; returns its label.
    fn slow_path(&mut self, insn: &Insn, end: CodeLabel) -> CodeLabel {
        let label = self.a.create_label();
        self.slow.push(SlowPath {
            label,
            insn: insn as *const Insn,
            resume: end,
            dirty: self.dirty,
            fp_dirty: self.fp_dirty,
            raw: self.raw,
            vfp: None,
            mxcsr_saved: false,
            host_fp: may_use_host_fp(&insn.op),
            raw_dynamic: self.raw_dynamic,
            save_raw: self.raw_unsaved,
            raw_in_memory: self.raw_unsaved || self.host_raw.is_some(),
            restore_flags: false,
        });
        label
    }

    /// An out-of-line path running VFP instruction `v` with the
    /// interpreter's semantics, resuming at `end`.
    fn slow_vfp(&mut self, v: &VfpInsn, end: CodeLabel) -> CodeLabel {
        let label = self.a.create_label();
        self.slow.push(SlowPath {
            label,
            insn: std::ptr::null(),
            resume: end,
            dirty: self.dirty,
            fp_dirty: self.fp_dirty,
            raw: self.raw,
            vfp: Some(v as *const VfpInsn),
            mxcsr_saved: vfp_saves_mxcsr(v, self.inexact_matters()),
            host_fp: true,
            raw_dynamic: self.raw_dynamic,
            save_raw: self.raw_unsaved,
            raw_in_memory: self.raw_unsaved || self.host_raw.is_some(),
            restore_flags: false,
        });
        label
    }

    /// Merges the host FP exception flags the native VFP code raised
    /// (MXCSR) into FPSCR's cumulative bits and clears them: IE -> IOC,
    /// ZE -> DZC, OE -> OFC, UE -> UFC, PE -> IXC (DE has no ARM
    /// counterpart with FZ off).
    fn fp_merge(&mut self) -> R {
        emit_fp_merge(&mut self.a)?;
        self.a.ldmxcsr(dword_ptr(rbp + CTX_MXCSR_CLEAN))?;
        if self.cur_cond == Cond::Al {
            self.fp_dirty = false;
        }
        Ok(())
    }

    /// Makes FPSCR exact (before anything reads or replaces it).
    fn fp_sync(&mut self) -> R {
        if self.fp_dirty {
            self.fp_merge()?;
        }
        Ok(())
    }

    /// After a helper call that may do host floating point (`host_fp`):
    /// drop the host FP flags the helper's own arithmetic raised (the
    /// helper recorded the guest's flags in FPSCR itself).
    fn fp_after_call(&mut self, host_fp: bool) -> R {
        if host_fp {
            self.a.ldmxcsr(dword_ptr(rbp + CTX_MXCSR_CLEAN))?;
        }
        Ok(())
    }

    /// Leaves for `target` in state (`thumb`, `it`) by a chainable exit.
    /// (Code emitted after it, the path where a conditional exit is not
    /// taken, still has the cached D registers it had.)
    fn exit_to(&mut self, target: u32, thumb: bool, it: u8) -> R {
        let fvalid = self.fvalid;
        let r = self.exit_to_inner(target, thumb, it);
        self.fvalid = fvalid;
        r
    }

    fn exit_to_inner(&mut self, target: u32, thumb: bool, it: u8) -> R {
        let first_it = self.block.insns.first().map_or(0, |i| i.it);
        if target == self.block.start && thumb == self.thumb && it == 0 && first_it == 0 {
            // Loop in place with registers kept; leave (state stored) only
            // when interrupted.
            let mut out = self.a.create_label();
            // The loop head expects its flag state (exact flags, or raw
            // ones of `loop_raw`'s kind) unless the block overwrites them
            // before anything (a fault included) can read them.
            let edge_pack = flags::live_in(self.block) != 0;
            if edge_pack {
                self.edge_raw = Some(self.raw);
                self.convert_raw(self.raw, self.loop_raw, r9d)?;
            }
            self.edge_dirty |= self.dirty;
            // What the head does not count as dirty is stored (nothing
            // once the dirty set is a fixed point; inner loop heads of the
            // second emission may add registers the first did not see).
            self.store_regs(self.dirty & !(self.head_dirty & self.cached()))?;
            // The loop head expects every cached D register in place.
            self.fcache_refresh()?;
            // Round again unless interrupted (then on to `out`).
            self.a.mov(rax, qword_ptr(rbp + CTX_INTERRUPT))?;
            self.a.cmp(byte_ptr(rax), 0)?;
            self.a.je(self.loop_head)?;
            self.bind(&mut out)?;
            if !edge_pack {
                self.leave_raw(self.raw)?;
            } else if let Some(kind) = self.loop_raw {
                self.leave_raw(Some(kind))?;
            }
            self.store_regs(self.dirty)?;
            self.a.mov(reg(PC), target)?;
            self.store_itstate(0)?;
            return self.a.jmp(self.stubs.interrupted);
        }
        if thumb == self.thumb && it == 0 {
            if let Some(h) = self.heads.iter().position(|h| h.pc == target) {
                return self.inner_back_edge(h, target);
            }
        }
        self.sync_out()?;
        self.leave_raw(self.raw)?;
        self.a.mov(reg(PC), target)?;
        if thumb != self.thumb {
            self.a.mov(byte_ptr(rbx + THUMB), thumb as u32)?;
        }
        self.store_itstate(it)?;
        if self.mmu && target >> 12 != self.block.start >> 12 {
            // Another page may map elsewhere by the time this runs again:
            // no chaining, look the target up (its tag is virtual, and the
            // table is cleared with the TLB).
            let lookup = if self.tlb {
                self.stubs.lookup_tlb
            } else {
                self.stubs.lookup
            };
            return self.a.jmp(lookup);
        }
        if target <= self.block.start {
            // Maybe a cycle's way back (see `emit_block`).
            self.check_interrupt(rax)?;
        }
        let mut slot = self.a.create_label();
        self.bind(&mut slot)?;
        // jmp rel32 to the next instruction until the engine patches it.
        self.a.db(&[0xe9, 0, 0, 0, 0])?;
        self.a.lea(rax, ptr(slot))?;
        self.a.mov(qword_ptr(rbp + CTX_PATCH), rax)?;
        self.a.mov(eax, STATUS_LOOKUP)?;
        self.a.jmp(self.stubs.epilogue)
    }

    /// Sets ITSTATE in `CpuState` for an exit to a block entered with
    /// `it`. A block entered outside an IT block with none inside keeps
    /// it 0 throughout (it is entered with `CpuState::itstate` equal to
    /// its key's, and the interpreter's helpers leave 0 as 0): then an
    /// exit with 0 stores nothing.
    fn store_itstate(&mut self, it: u8) -> R {
        if it == 0 && self.block.insns.iter().all(|i| i.it == 0) {
            return Ok(());
        }
        self.a.mov(byte_ptr(rbx + IT), it as u32)
    }

    /// BXWritePC of `eax`, then an indirect exit.
    fn bx_exit(&mut self) -> R {
        self.sync_out()?;
        self.leave_raw(self.raw)?;
        self.a.mov(edx, eax)?;
        self.a.and(edx, 1)?;
        self.a.mov(byte_ptr(rbx + THUMB), dl)?;
        // Clear bit 0 for Thumb targets, bits 1:0 for ARM ones: the mask
        // 2t - 4 is !1 for t = 1 and !3 for t = 0.
        self.a.lea(ecx, ptr(rdx + rdx - 4))?;
        self.a.and(eax, ecx)?;
        self.a.mov(reg(PC), eax)?;
        self.store_itstate(0)?;
        self.check_interrupt(rcx)?;
        // The table lookup of the stub, inline: each indirect branch gets
        // its own host indirect jump to predict. Key = Thumb bit t
        // (ITSTATE is 0 after a branch) and the block's system key bits K,
        // a constant (a block runs with one key). super::lookup_hash(pc =
        // eax, key = t | K) into ecx: its key part, (key << 7) ^ (key >>
        // 5), is (t << 7) ^ lookup_hash(0, K), t being bit 0 and K above
        // ITSTATE.
        self.a.mov(ecx, eax)?;
        self.a.shr(ecx, 1)?;
        self.a.mov(r8d, eax)?;
        self.a.shr(r8d, 13)?;
        self.a.xor(ecx, r8d)?;
        self.a.mov(r8d, edx)?;
        self.a.shl(r8d, 7)?;
        self.a.xor(ecx, r8d)?;
        debug_assert_eq!(self.key_bits & 0x1ff, 0, "key bits above ITSTATE");
        let k_hash = super::lookup_hash(0, self.key_bits);
        if k_hash != 0 {
            self.a.xor(ecx, k_hash as i32)?;
        }
        if self.key_bits != 0 {
            self.a.or(edx, self.key_bits as i32)?;
        }
        self.lookup_slot_and_jump(false)
    }

    /// An indirect exit to the Thumb address in `eax` (bit 0 clear), from
    /// Thumb code (a table branch): no interworking, and the state key,
    /// the block's own (a block runs with one key), is a constant of the
    /// lookup.
    fn thumb_indirect_exit(&mut self) -> R {
        debug_assert!(self.thumb);
        self.sync_out()?;
        self.leave_raw(self.raw)?;
        self.a.mov(reg(PC), eax)?;
        self.store_itstate(0)?;
        self.check_interrupt(rcx)?;
        let key = 1 | self.key_bits;
        let hash_key = super::lookup_hash(0, key);
        // super::lookup_hash(pc = eax, key) into ecx.
        self.a.mov(ecx, eax)?;
        self.a.shr(ecx, 1)?;
        self.a.mov(r8d, eax)?;
        self.a.shr(r8d, 13)?;
        self.a.xor(ecx, r8d)?;
        self.a.xor(ecx, hash_key as i32)?;
        self.a.mov(rdx, (key as u64) << 32)?;
        self.lookup_slot_and_jump(true)
    }

    /// The rest of an inline lookup: with the hash in `ecx`, the target
    /// in `eax` and its key in `edx` (in the high half of `rdx` if
    /// `key_high`), jumps to the table's entry if it matches, else to the
    /// miss stub.
    fn lookup_slot_and_jump(&mut self, key_high: bool) -> R {
        self.a.and(ecx, (TABLE_SLOTS - 1) as u32)?;
        self.a.shl(ecx, 5)?;
        self.a.add(rcx, qword_ptr(rbp + CTX_TABLE))?;
        if !key_high {
            self.a.shl(rdx, 32)?;
        }
        self.a.or(rdx, rax)?;
        self.a.cmp(rdx, qword_ptr(rcx))?;
        self.a.jne(self.stubs.lookup_miss)?;
        if self.tlb {
            self.a.mov(rdx, rcx)?;
            emit_tlb_code_check(&mut self.a, self.stubs.lookup_miss)?;
        }
        self.a.jmp(qword_ptr(rcx + 8))
    }

    fn insn(&mut self, k: usize, insn: &Insn, end: CodeLabel) -> R {
        match &insn.op {
            Op::Nop | Op::Barrier => Ok(()),
            &Op::Alu {
                op,
                s,
                rd,
                rn,
                ref op2,
            } => self.alu(k, insn, op, s, rd, rn, op2),
            &Op::Movt { rd, imm16 } if rd != PC => {
                self.get(ecx, rd, insn)?;
                self.a.and(ecx, 0xffff)?;
                self.a.or(ecx, (imm16 as u32) << 16)?;
                self.set(rd, ecx)
            }
            &Op::Mul {
                op,
                s,
                rd,
                rn,
                rm,
                ra,
            } if rd != PC => {
                self.get(ecx, rn, insn)?;
                self.get(edx, rm, insn)?;
                self.a.imul_2(ecx, edx)?;
                match op {
                    MulOp::Mul => {}
                    MulOp::Mla => {
                        self.get(edx, ra, insn)?;
                        self.a.add(ecx, edx)?;
                    }
                    MulOp::Mls => {
                        self.get(edx, ra, insn)?;
                        self.a.sub(edx, ecx)?;
                        self.a.mov(ecx, edx)?;
                    }
                }
                if s && self.live[k] != 0 {
                    self.flags_logic(ecx, Carry::Unchanged, false)?;
                }
                self.set(rd, ecx)
            }
            &Op::MulLong {
                op,
                s: false,
                rdlo,
                rdhi,
                rn,
                rm,
            } if ![rdlo, rdhi, rn, rm].contains(&PC) => {
                self.get(eax, rn, insn)?;
                self.get(ecx, rm, insn)?;
                match op {
                    MulLongOp::Smull | MulLongOp::Smlal => self.a.imul(ecx)?,
                    _ => self.a.mul(ecx)?,
                }
                match op {
                    MulLongOp::Umlal | MulLongOp::Smlal => {
                        self.get(ecx, rdlo, insn)?;
                        self.get(r8d, rdhi, insn)?;
                        self.a.add(eax, ecx)?;
                        self.a.adc(edx, r8d)?;
                    }
                    MulLongOp::Umaal => {
                        self.get(ecx, rdlo, insn)?;
                        self.get(r8d, rdhi, insn)?;
                        self.a.add(eax, ecx)?;
                        self.a.adc(edx, 0)?;
                        self.a.add(eax, r8d)?;
                        self.a.adc(edx, 0)?;
                    }
                    _ => {}
                }
                self.set(rdlo, eax)?;
                self.set(rdhi, edx)
            }
            &Op::Div { signed, rd, rn, rm } if rd != PC => self.div(insn, signed, rd, rn, rm),
            &Op::Unary { op, rd, rm } if rd != PC && op != UnOp::Rbit => {
                self.get(eax, rm, insn)?;
                match op {
                    UnOp::Clz => {
                        // 31 - bsr, with bsr of 0 taken as -1.
                        self.a.mov(edx, -1)?;
                        self.a.bsr(eax, eax)?;
                        self.a.cmove(eax, edx)?;
                        self.a.neg(eax)?;
                        self.a.add(eax, 31)?;
                    }
                    UnOp::Rev => self.a.bswap(eax)?,
                    UnOp::Rev16 => {
                        self.a.bswap(eax)?;
                        self.a.ror(eax, 16)?;
                    }
                    UnOp::Revsh => {
                        self.a.rol(ax, 8)?;
                        self.a.movsx(eax, ax)?;
                    }
                    UnOp::Rbit => unreachable!(),
                }
                self.set(rd, eax)
            }
            &Op::Bfi { rd, rn, lsb, msb } if rd != PC => {
                let width = (msb - lsb + 1) as u32;
                let mask = crate::interp::alu::low_mask(width) << lsb;
                self.get(eax, rd, insn)?;
                self.a.and(eax, !mask)?;
                if let Some(rn) = rn {
                    self.get(ecx, rn, insn)?;
                    if lsb != 0 {
                        self.a.shl(ecx, lsb as u32)?;
                    }
                    self.a.and(ecx, mask)?;
                    self.a.or(eax, ecx)?;
                }
                self.set(rd, eax)
            }
            &Op::Bfx {
                signed,
                rd,
                rn,
                lsb,
                width,
            } if rd != PC => {
                // In rd's own host register when it has one.
                let dst = self.cache[rd as usize].unwrap_or(eax);
                self.get(dst, rn, insn)?;
                let (lsb, width) = (lsb as u32, width as u32);
                if signed {
                    let up = 32 - (lsb + width);
                    if up != 0 {
                        self.a.shl(dst, up)?;
                    }
                    if width != 32 {
                        self.a.sar(dst, 32 - width)?;
                    }
                } else {
                    if lsb != 0 {
                        self.a.shr(dst, lsb)?;
                    }
                    if width != 32 {
                        self.a.and(dst, crate::interp::alu::low_mask(width))?;
                    }
                }
                self.loaded(rd, dst)
            }
            &Op::Extend {
                signed,
                bits,
                dual: false,
                rd,
                rn,
                rm,
                rot,
            } if rd != PC => {
                self.get(eax, rm, insn)?;
                if rot != 0 {
                    self.a.ror(eax, rot as u32)?;
                }
                match (signed, bits) {
                    (false, 8) => self.a.movzx(eax, al)?,
                    (true, 8) => self.a.movsx(eax, al)?,
                    (false, _) => self.a.movzx(eax, ax)?,
                    (true, _) => self.a.movsx(eax, ax)?,
                }
                if let Some(rn) = rn {
                    self.get(ecx, rn, insn)?;
                    self.a.add(eax, ecx)?;
                }
                self.set(rd, eax)
            }
            &Op::Load { size, rt, ref addr } => self.load(insn, end, size, rt, addr),
            &Op::Store { size, rt, ref addr } => self.store(insn, end, size, rt, addr),
            &Op::LoadDual { rt, rt2, ref addr } => self.dual(insn, end, true, rt, rt2, addr),
            &Op::StoreDual { rt, rt2, ref addr } => self.dual(insn, end, false, rt, rt2, addr),
            &Op::LoadMultiple {
                rn,
                regs,
                mode,
                wback,
            } => self.multiple(insn, end, true, rn, regs, mode, wback),
            &Op::StoreMultiple {
                rn,
                regs,
                mode,
                wback,
            } => self.multiple(insn, end, false, rn, regs, mode, wback),
            &Op::Branch { target } => self.exit_to(target, self.thumb, 0),
            &Op::Parallel {
                op: op @ (ParOp::Add8 | ParOp::Sub8),
                kind: ParKind::U,
                rd,
                rn,
                rm,
            } if ![rd, rn, rm].contains(&PC) => {
                self.uadd_usub8(insn, op == ParOp::Sub8, rd, rn, rm)
            }
            &Op::Sel { rd, rn, rm } if ![rd, rn, rm].contains(&PC) => self.sel(insn, rd, rn, rm),
            &Op::BranchLink { target, to_thumb } => {
                self.set_imm(LR, insn.next_pc() | self.thumb as u32)?;
                self.exit_to(target, to_thumb, 0)
            }
            &Op::BranchExchange { rm, link } => {
                self.get(eax, rm, insn)?;
                if link {
                    self.set_imm(LR, insn.next_pc() | self.thumb as u32)?;
                }
                self.bx_exit()
            }
            &Op::CompareBranch {
                rn,
                nonzero,
                target,
            } if rn != PC => {
                self.get(eax, rn, insn)?;
                self.a.test(eax, eax)?;
                if nonzero {
                    self.a.je(end)?;
                } else {
                    self.a.jne(end)?;
                }
                self.exit_to(target, self.thumb, 0)
            }
            &Op::TableBranch { rn, rm, half } if rm != PC => {
                self.table_branch(insn, end, rn, rm, half)
            }
            Op::Vfp(v) => self.vfp(insn, end, v),
            Op::Neon(n) => self.neon(insn, end, n),
            // MRC p15, 0, rt, c13, c0, 2/3: the thread ID registers, which
            // every privilege may read (glibc's __aeabi_read_tp, errno).
            &Op::Coproc {
                read: true,
                cp: 15,
                opc1: 0,
                crn: 13,
                crm: 0,
                opc2: opc2 @ (2 | 3),
                rt,
                rt2: None,
            } if rt != PC => {
                let field = if opc2 == 3 {
                    offset_of!(CpuState, tpidruro)
                } else {
                    offset_of!(CpuState, tpidrurw)
                };
                self.a.mov(eax, dword_ptr(rbx + field as i32))?;
                self.set(rt, eax)
            }
            _ => self.generic(insn),
        }
    }

    /// Calls `func(cpu, arg)`, a helper that touches only the extension
    /// registers and FPSCR: cached core registers stay valid; the caller-
    /// saved ones in use are preserved on the stack.
    fn call_pure(&mut self, func: u64, arg: u64) -> R {
        self.fp_sync()?;
        let saved: Vec<AsmRegister64> = CALLER_SAVED_CACHE
            .iter()
            .filter(|(r32, ..)| self.cache.contains(&Some(*r32)))
            .map(|&(_, r64, ..)| r64)
            .collect();
        for &r in &saved {
            self.a.push(r)?;
        }
        let pad = saved.len() % 2 == 1;
        if pad {
            self.a.sub(rsp, 8)?;
        }
        self.a.mov(rdi, rbx)?;
        self.note_address(arg, None);
        self.a.mov(rsi, arg)?;
        let helper = if func == self.vfp_pure {
            persist::HELPER_VFP
        } else {
            persist::HELPER_NEON
        };
        self.note_address(func, Some(helper));
        self.a.mov(rax, func)?;
        self.a.call(rax)?;
        // (XMM registers do not survive calls: cached D registers reload.)
        self.fvalid = 0;
        if pad {
            self.a.add(rsp, 8)?;
        }
        for &r in saved.iter().rev() {
            self.a.pop(r)?;
        }
        self.fp_after_call(true)
    }

    fn neon(&mut self, insn: &Insn, end: CodeLabel, n: &NeonInsn) -> R {
        if self.neon_native(n)? {
            return Ok(());
        }
        if let NeonInsn::Multi {
            load,
            n: 1,
            regs,
            vd,
            rn,
            wb,
            align,
            ..
        } = *n
        {
            let wb_ok = match wb {
                crate::ir::neon::Writeback::Reg(m) => m != PC,
                _ => true,
            };
            if self.fast_mem() && rn != PC && vd as u32 + regs as u32 <= 32 && wb_ok {
                return self.vld1(insn, end, load, regs, vd, rn, wb, align);
            }
        }
        match n {
            NeonInsn::Multi { .. } | NeonInsn::Lane { .. } | NeonInsn::AllLanes { .. } => {
                self.generic(insn)
            }
            _ => self.call_pure(self.neon_pure, n as *const NeonInsn as u64),
        }
    }

    /// VLD1/VST1 of whole registers: `regs` doublewords between memory at
    /// `rn` and D registers from `vd` (the little-endian layout makes the
    /// element size irrelevant).
    #[allow(clippy::too_many_arguments)]
    fn vld1(
        &mut self,
        insn: &Insn,
        end: CodeLabel,
        load: bool,
        regs: u8,
        vd: u8,
        rn: Reg,
        wb: crate::ir::neon::Writeback,
        align: u8,
    ) -> R {
        let b = self.base();
        use crate::ir::neon::Writeback;
        let slow = self.slow_path(insn, end);
        self.get(ecx, rn, insn)?;
        if align > 1 {
            // The alignment hint is a check (SIGBUS).
            self.a.test(ecx, align as u32 - 1)?;
            self.a.jne(slow)?;
        }
        let bytes = 8 * regs as u32;
        self.check(bytes, !load, slow)?;
        for r in 0..regs {
            let off = 8 * r as i32;
            let d = off_d(vd + r);
            if load {
                self.access(slow, |a| a.mov(rax, qword_ptr(b.at(rcx, off))))?;
                self.a.mov(qword_ptr(rbx + d), rax)?;
            } else {
                self.a.mov(rax, qword_ptr(rbx + d))?;
                self.access(slow, |a| a.mov(qword_ptr(b.at(rcx, off)), rax))?;
            }
        }
        match wb {
            Writeback::None => Ok(()),
            Writeback::Fixed(n) => {
                self.get(edx, rn, insn)?;
                self.a.add(edx, n as u32)?;
                self.set(rn, edx)
            }
            Writeback::Reg(m) => {
                self.get(edx, rn, insn)?;
                self.get(eax, m, insn)?;
                self.a.add(edx, eax)?;
                self.set(rn, edx)
            }
        }
    }

    /// Loads the VFP operand `r` (S or D) into the low lane of `x`.
    /// Loads VFP register `r` into `x`.
    fn fload(&mut self, x: AsmRegisterXmm, r: u8, dp: bool) -> R {
        let src = self.fsource(x, r, dp)?;
        if src != x {
            self.a.movapd(x, src)?;
        }
        Ok(())
    }

    /// A register holding VFP register `r` to read as a source operand:
    /// its cached XMM register, or `x` loaded with it.
    fn fsource(&mut self, x: AsmRegisterXmm, r: u8, dp: bool) -> Result<AsmRegisterXmm, IcedError> {
        if let (true, Some(c)) = (dp, self.fcache.get(r as usize).copied().flatten()) {
            if self.fvalid & (1 << r) == 0 {
                self.fcache_load(1 << r)?;
            }
            return Ok(c);
        }
        if dp {
            self.a.movsd_2(x, qword_ptr(rbx + off_d(r)))?;
        } else {
            self.a.movss(x, dword_ptr(rbx + off_s(r)))?;
        }
        Ok(x)
    }

    /// Writes VFP register `r` from `x` (through to `CpuState`, and to
    /// its XMM register if cached).
    fn fstore(&mut self, r: u8, x: AsmRegisterXmm, dp: bool) -> R {
        if dp {
            self.a.movsd_2(qword_ptr(rbx + off_d(r)), x)?;
            self.fcache_set(r, x)
        } else {
            self.fvalid &= !(1 << (r / 2));
            self.a.movss(dword_ptr(rbx + off_s(r)), x)
        }
    }

    /// D register `d` was just written in `CpuState` with the value in
    /// `x` (an XMM register) : its cached copy follows.
    fn fcache_set(&mut self, d: u8, x: AsmRegisterXmm) -> R {
        if let Some(c) = self.fcache[d as usize] {
            if c != x {
                self.a.movapd(c, x)?;
            }
            self.fvalid |= 1 << d;
        }
        Ok(())
    }

    /// D register `d` was just written in `CpuState` with the value in
    /// `rax`: its cached copy follows.
    fn fcache_set_rax(&mut self, d: u8) -> R {
        if let Some(c) = self.fcache[d as usize] {
            self.a.movq(c, rax)?;
            self.fvalid |= 1 << d;
        }
        Ok(())
    }

    /// Jumps to `slow` unless the value in `x` is zero, or a normal number
    /// or infinity clear of the underflow threshold: NaNs (propagation
    /// rules differ) and tiny results (ARM detects underflow before
    /// rounding, x86 after) take the interpreter's path.
    ///
    /// Under flush-to-zero, ARM flushes a tiny result to zero raising only
    /// Underflow where x86 raises Inexact too: a zero result is accepted
    /// only where `zero` shows it exact.
    fn fcheck(&mut self, x: AsmRegisterXmm, dp: bool, slow: CodeLabel, zero: ZeroResult) -> R {
        let mut ok = self.a.create_label();
        let mut nonzero = self.a.create_label();
        let zero = if self.flush_to_zero() {
            zero
        } else {
            ZeroResult::Exact
        };
        let (low, span) = if dp {
            // 2|v| in (2 * min normal, 2 * infinity], or 0 (the bounds are
            // constants after the code). Zero wraps round above the span.
            let low = self.constant((0x0020_0000_0000_0001u128).to_le_bytes());
            let span = self.constant((0xffbf_ffff_ffff_ffffu128).to_le_bytes());
            self.a.movq(rax, x)?;
            self.a.add(rax, rax)?;
            (Some(low), Some(span))
        } else {
            self.a.movd(eax, x)?;
            self.a.add(eax, eax)?;
            (None, None)
        };
        match zero {
            ZeroResult::Exact => self.a.je(ok)?,
            ZeroResult::Product { vn, m } => {
                // Exact if a factor is zero (neither is denormal): the
                // first is read from `CpuState`, not yet written.
                self.a.jne(nonzero)?;
                if dp {
                    self.a.mov(rax, qword_ptr(rbx + off_d(vn)))?;
                    self.a.add(rax, rax)?;
                    self.a.je(ok)?;
                    self.a.movq(rax, m)?;
                    self.a.add(rax, rax)?;
                } else {
                    self.a.mov(eax, dword_ptr(rbx + off_s(vn)))?;
                    self.a.add(eax, eax)?;
                    self.a.je(ok)?;
                    self.a.movd(eax, m)?;
                    self.a.add(eax, eax)?;
                }
                self.a.je(ok)?;
                self.a.jmp(slow)?;
                self.bind(&mut nonzero)?;
            }
            ZeroResult::Slow => {}
        }
        if let (Some(low), Some(span)) = (low, span) {
            self.a.sub(rax, qword_ptr(low))?;
            self.a.cmp(rax, qword_ptr(span))?;
        } else {
            self.a.sub(eax, 0x0100_0001)?;
            self.a.cmp(eax, 0xfdff_ffffu32)?;
        }
        self.a.ja(slow)?;
        self.bind(&mut ok)
    }

    /// Whether the block's VFP code runs under flush-to-zero (tested at
    /// its entry).
    fn flush_to_zero(&self) -> bool {
        self.entry_modes.is_some_and(FpModes::flush_to_zero)
    }

    /// Whether an SSE attempt's Inexact flag may be wrong for FPSCR: under
    /// flush-to-zero (a flushed result raises Underflow alone) unless IXC
    /// was set at the entry (see [`vfp_saves_mxcsr`]).
    fn inexact_matters(&self) -> bool {
        self.entry_modes == Some(FpModes::FlushToZero { inexact: false })
    }

    /// Jumps to `slow` if the product in `x`, which a VMLA family
    /// instruction sums next, is the smallest normal number (in FPSCR's
    /// default modes): only there do ARM and x86 disagree on underflow
    /// (ARM calls a product tiny before rounding, x86 after, and x86's
    /// tiny ones are ARM's too), and a NaN product makes the sum a NaN,
    /// which the sum's check sends to the interpreter.
    fn fcheck_product(&mut self, x: AsmRegisterXmm, dp: bool, slow: CodeLabel) -> R {
        if dp {
            let min_normal = self.constant((0x0020_0000_0000_0000u128).to_le_bytes());
            self.a.movq(rax, x)?;
            self.a.add(rax, rax)?;
            self.a.cmp(rax, qword_ptr(min_normal))?;
        } else {
            self.a.movd(eax, x)?;
            self.a.add(eax, eax)?;
            self.a.cmp(eax, 0x0100_0000)?;
        }
        self.a.je(slow)
    }

    /// Under flush-to-zero, jumps to `slow` if operand `r` (S or D), in
    /// `x`, is a denormal: ARM reads it as zero and raises Input Denormal,
    /// x86 would compute with it.
    fn fcheck_operand(&mut self, x: AsmRegisterXmm, r: u8, dp: bool, slow: CodeLabel) -> R {
        if !self.flush_to_zero() || (dp && self.normal & (1 << r) != 0) {
            return Ok(());
        }
        if dp {
            // (Within this instruction, passed: a repeated operand needs no
            // second check.)
            self.normal |= 1 << r;
            // 2|v| in [1, 2^53): exponent zero, fraction not.
            let mut ok = self.a.create_label();
            self.a.movq(rax, x)?;
            self.a.add(rax, rax)?;
            self.a.je(ok)?;
            self.a.shr(rax, 53)?;
            self.a.je(slow)?;
            self.bind(&mut ok)
        } else {
            // 2|v| - 1 below 2 * min normal - 1 (zero wraps round).
            self.a.movd(eax, x)?;
            self.a.add(eax, eax)?;
            self.a.sub(eax, 1)?;
            self.a.cmp(eax, 0x00ff_ffff)?;
            self.a.jb(slow)
        }
    }

    /// Flips the sign of the value in `x`.
    fn fneg(&mut self, x: AsmRegisterXmm, dp: bool) -> R {
        if dp {
            self.a.mov(rax, 0x8000_0000_0000_0000u64)?;
            self.a.movq(xmm2, rax)?;
        } else {
            self.a.mov(eax, 0x8000_0000u32)?;
            self.a.movd(xmm2, eax)?;
        }
        self.a.pxor(x, xmm2)
    }

    /// VFP arithmetic, square root, compares and conversions as SSE code,
    /// in FPSCR's default modes (round to nearest, no flush-to-zero, no
    /// default NaN); anything else, and NaN or tiny values, go through the
    /// interpreter's semantics. Exception flags collect in MXCSR.
    fn vfp_native(&mut self, v: &VfpInsn, end: CodeLabel) -> R {
        use crate::ir::vfp::{ArithOp, UnaryOp};
        let slow = self.slow_vfp(v, end);
        // The flags pending before this instruction: its slow path puts
        // them back, so that what the SSE attempt raised before it gave up
        // (the inexact flag of a conversion that then saturates, say) is
        // not merged with them. (A store: cheap; only the slow path pays
        // for the reload.)
        if vfp_saves_mxcsr(v, self.inexact_matters()) {
            self.a.stmxcsr(dword_ptr(rbp + CTX_MXCSR))?;
        }
        if self.entry_modes.is_none() {
            self.a.test(dword_ptr(rbx + FPSCR), FPSCR_NATIVE_MODES)?;
            self.a.jne(slow)?;
        }
        self.fp_dirty = true;
        macro_rules! op {
            ($sd:ident, $ss:ident, $dp:expr, $x:expr, $y:expr) => {
                if $dp {
                    self.a.$sd($x, $y)?
                } else {
                    self.a.$ss($x, $y)?
                }
            };
        }
        match *v {
            VfpInsn::Arith { op, dp, vd, vn, vm } => {
                self.fload(xmm0, vn, dp)?;
                self.fcheck_operand(xmm0, vn, dp, slow)?;
                let m = self.fsource(xmm1, vm, dp)?;
                self.fcheck_operand(m, vm, dp, slow)?;
                match op {
                    ArithOp::Add => op!(addsd, addss, dp, xmm0, m),
                    ArithOp::Sub => op!(subsd, subss, dp, xmm0, m),
                    ArithOp::Div => op!(divsd, divss, dp, xmm0, m),
                    _ => op!(mulsd, mulss, dp, xmm0, m),
                }
                let zero = match op {
                    // (A sum of operands that are not denormal is zero
                    // only when exact.)
                    ArithOp::Add | ArithOp::Sub => ZeroResult::Exact,
                    ArithOp::Div => ZeroResult::Slow,
                    _ => ZeroResult::Product { vn, m },
                };
                let accumulates = matches!(
                    op,
                    ArithOp::Mla | ArithOp::Mls | ArithOp::Nmla | ArithOp::Nmls
                );
                if accumulates && !self.flush_to_zero() {
                    // The product is summed next: see `fcheck_product`.
                    self.fcheck_product(xmm0, dp, slow)?;
                } else {
                    self.fcheck(xmm0, dp, slow, zero)?;
                }
                let mut result = xmm0;
                match op {
                    ArithOp::Nmul => self.fneg(xmm0, dp)?,
                    ArithOp::Mla | ArithOp::Mls | ArithOp::Nmla | ArithOp::Nmls => {
                        // d + p, d - p, -d - p, -d + p: two roundings.
                        if matches!(op, ArithOp::Mls | ArithOp::Nmla) {
                            self.fneg(xmm0, dp)?;
                        }
                        if matches!(op, ArithOp::Nmla | ArithOp::Nmls) {
                            self.fload(xmm1, vd, dp)?;
                            self.fcheck_operand(xmm1, vd, dp, slow)?;
                            self.fneg(xmm1, dp)?;
                            op!(addsd, addss, dp, xmm0, xmm1);
                        } else {
                            let d = self.fsource(xmm1, vd, dp)?;
                            self.fcheck_operand(d, vd, dp, slow)?;
                            if d == xmm1 {
                                op!(addsd, addss, dp, xmm0, d);
                            } else {
                                // Summed in vd's own XMM register (a
                                // slow path reloads it from `CpuState`).
                                op!(addsd, addss, dp, d, xmm0);
                                result = d;
                            }
                        }
                        self.fcheck(result, dp, slow, ZeroResult::Exact)?;
                    }
                    _ => {}
                }
                self.fstore(vd, result, dp)
            }
            VfpInsn::Unary {
                op: UnaryOp::Sqrt,
                dp,
                vd,
                vm,
            } => {
                self.fload(xmm1, vm, dp)?;
                self.fcheck_operand(xmm1, vm, dp, slow)?;
                op!(sqrtsd, sqrtss, dp, xmm0, xmm1);
                self.fcheck(xmm0, dp, slow, ZeroResult::Exact)?;
                self.fstore(vd, xmm0, dp)
            }
            VfpInsn::Cmp { dp, e: _, vd, vm } => {
                self.fload(xmm0, vd, dp)?;
                self.fcheck_operand(xmm0, vd, dp, slow)?;
                match vm {
                    Some(m) => {
                        self.fload(xmm1, m, dp)?;
                        self.fcheck_operand(xmm1, m, dp, slow)?;
                    }
                    None => self.a.xorps(xmm1, xmm1)?,
                }
                op!(ucomisd, ucomiss, dp, xmm0, xmm1);
                // Unordered (a NaN): IOC rules differ between VCMP and
                // VCMPE; the interpreter decides.
                self.a.jp(slow)?;
                // NZCV: less 1000, equal 0110, greater 0010.
                let mut done = self.a.create_label();
                let mut less = self.a.create_label();
                self.a.mov(eax, 0x6)?;
                self.a.je(done)?;
                self.a.jb(less)?;
                self.a.mov(eax, 0x2)?;
                self.a.jmp(done)?;
                self.bind(&mut less)?;
                self.a.mov(eax, 0x8)?;
                self.bind(&mut done)?;
                self.a.shl(eax, 28)?;
                self.a.mov(edx, dword_ptr(rbx + FPSCR))?;
                self.a.and(edx, 0x0fff_ffff)?;
                self.a.or(edx, eax)?;
                self.a.mov(dword_ptr(rbx + FPSCR), edx)
            }
            VfpInsn::CvtPrec { to_dp, vd, vm } => {
                if to_dp {
                    self.a.movss(xmm1, dword_ptr(rbx + off_s(vm)))?;
                    // A NaN stays a NaN: check the input (a zero one
                    // converts exactly).
                    self.fcheck(xmm1, false, slow, ZeroResult::Exact)?;
                    self.a.cvtss2sd(xmm0, xmm1)?;
                    self.a.movsd_2(qword_ptr(rbx + off_d(vd)), xmm0)
                } else {
                    self.a.movsd_2(xmm1, qword_ptr(rbx + off_d(vm)))?;
                    self.a.cvtsd2ss(xmm0, xmm1)?;
                    // (A denormal double converts to zero: the interpreter's
                    // path under flush-to-zero.)
                    self.fcheck(xmm0, false, slow, ZeroResult::Slow)?;
                    self.a.movss(dword_ptr(rbx + off_s(vd)), xmm0)
                }
            }
            VfpInsn::CvtToInt {
                dp,
                signed,
                round_zero,
                sd,
                vm,
            } => {
                self.fload(xmm0, vm, dp)?;
                self.fcheck_operand(xmm0, vm, dp, slow)?;
                // Convert to 64 bits and require the 32-bit range: NaN,
                // out-of-range (ARM saturates) and the sign rules of the
                // unsigned form go to the interpreter.
                match (dp, round_zero) {
                    (true, true) => self.a.cvttsd2si(rax, xmm0)?,
                    (true, false) => self.a.cvtsd2si(rax, xmm0)?,
                    (false, true) => self.a.cvttss2si(rax, xmm0)?,
                    (false, false) => self.a.cvtss2si(rax, xmm0)?,
                }
                if signed {
                    self.a.movsxd(rdx, eax)?;
                    self.a.cmp(rax, rdx)?;
                    self.a.jne(slow)?;
                } else {
                    self.a.mov(rdx, rax)?;
                    self.a.shr(rdx, 32)?;
                    self.a.jne(slow)?;
                }
                self.a.mov(dword_ptr(rbx + off_s(sd)), eax)
            }
            VfpInsn::CvtFromInt { dp, signed, vd, sm } => {
                if signed {
                    self.a.movsxd(rax, dword_ptr(rbx + off_s(sm)))?;
                } else {
                    self.a.mov(eax, dword_ptr(rbx + off_s(sm)))?;
                }
                self.a.xorps(xmm0, xmm0)?;
                if dp {
                    self.a.cvtsi2sd(xmm0, rax)?;
                } else {
                    self.a.cvtsi2ss(xmm0, rax)?;
                }
                self.fstore(vd, xmm0, dp)
            }
            _ => unreachable!("not a native VFP op"),
        }
    }

    /// Loads D register `r` (or the Q register from it, `q`) into `x`.
    fn vload(&mut self, x: AsmRegisterXmm, r: u8, q: bool) -> R {
        if q {
            self.a.movdqu(x, xmmword_ptr(rbx + off_d(r)))
        } else {
            self.a.movq(x, qword_ptr(rbx + off_d(r)))
        }
    }

    fn vstore(&mut self, r: u8, x: AsmRegisterXmm, q: bool) -> R {
        if q {
            self.a.movdqu(xmmword_ptr(rbx + off_d(r)), x)
        } else {
            self.a.movq(qword_ptr(rbx + off_d(r)), x)
        }
    }

    /// A 16-byte constant placed after the block's code (one copy of
    /// each value per block).
    fn constant(&mut self, bytes: [u8; 16]) -> CodeLabel {
        if let Some(&(label, _)) = self.consts.iter().find(|c| c.1 == bytes) {
            return label;
        }
        let label = self.a.create_label();
        self.consts.push((label, bytes));
        label
    }

    /// `lane` repeated across 16 bytes, for elements of `size`.
    fn splat(lane: u64, size: u8) -> [u8; 16] {
        let bits = 8u32 << size;
        let mut v = 0u128;
        for i in 0..(128 / bits) {
            v |= ((lane as u128) & ((1u128 << bits) - 1)) << (i * bits);
        }
        v.to_le_bytes()
    }

    /// Emits SSE code for the commonest Advanced SIMD data-processing
    /// instructions (those of hashing and bulk integer code); returns false
    /// for anything else. Sources are all read before the destination is
    /// written, as the ARM ARM requires for overlapping registers.
    fn neon_native(&mut self, n: &NeonInsn) -> Result<bool, IcedError> {
        use crate::ir::neon::{ImmOp, MiscOp, SameOp, ShiftOp};
        match *n {
            NeonInsn::Same {
                op,
                size,
                u: _,
                q,
                vd,
                vn,
                vm,
            } => {
                let handled = matches!(
                    op,
                    SameOp::Add
                        | SameOp::Sub
                        | SameOp::And
                        | SameOp::Bic
                        | SameOp::Orr
                        | SameOp::Orn
                        | SameOp::Eor
                        | SameOp::Bsl
                        | SameOp::Bit
                        | SameOp::Bif
                );
                if !handled {
                    return Ok(false);
                }
                self.vload(xmm0, vn, q)?;
                self.vload(xmm1, vm, q)?;
                let a = &mut self.a;
                match (op, size) {
                    (SameOp::Add, 0) => a.paddb(xmm0, xmm1)?,
                    (SameOp::Add, 1) => a.paddw(xmm0, xmm1)?,
                    (SameOp::Add, 2) => a.paddd(xmm0, xmm1)?,
                    (SameOp::Add, _) => a.paddq(xmm0, xmm1)?,
                    (SameOp::Sub, 0) => a.psubb(xmm0, xmm1)?,
                    (SameOp::Sub, 1) => a.psubw(xmm0, xmm1)?,
                    (SameOp::Sub, 2) => a.psubd(xmm0, xmm1)?,
                    (SameOp::Sub, _) => a.psubq(xmm0, xmm1)?,
                    (SameOp::And, _) => a.pand(xmm0, xmm1)?,
                    (SameOp::Orr, _) => a.por(xmm0, xmm1)?,
                    (SameOp::Eor, _) => a.pxor(xmm0, xmm1)?,
                    (SameOp::Bic, _) => {
                        // n & !m
                        a.pandn(xmm1, xmm0)?;
                        a.movdqa(xmm0, xmm1)?;
                    }
                    (SameOp::Orn, _) => {
                        a.pcmpeqd(xmm2, xmm2)?;
                        a.pxor(xmm1, xmm2)?;
                        a.por(xmm0, xmm1)?;
                    }
                    (SameOp::Bsl, _) => {
                        // (d & n) | (!d & m) = ((n ^ m) & d) ^ m
                        self.vload(xmm2, vd, q)?;
                        let a = &mut self.a;
                        a.pxor(xmm0, xmm1)?;
                        a.pand(xmm0, xmm2)?;
                        a.pxor(xmm0, xmm1)?;
                    }
                    (SameOp::Bit, _) | (SameOp::Bif, _) => {
                        // BIT: d ^ ((d ^ n) & m); BIF: d ^ ((d ^ n) & !m)
                        self.vload(xmm2, vd, q)?;
                        let a = &mut self.a;
                        a.pxor(xmm0, xmm2)?;
                        if op == SameOp::Bit {
                            a.pand(xmm0, xmm1)?;
                        } else {
                            a.pandn(xmm1, xmm0)?;
                            a.movdqa(xmm0, xmm1)?;
                        }
                        a.pxor(xmm0, xmm2)?;
                    }
                    _ => unreachable!(),
                }
                self.vstore(vd, xmm0, q)?;
                Ok(true)
            }
            NeonInsn::Shift {
                op,
                size,
                u,
                q,
                vd,
                vm,
                shift,
            } => {
                let sh = shift as u32;
                let bits = 8u32 << size;
                // 8-bit lanes have no SSE shifts; 64-bit arithmetic shifts
                // neither.
                let signed_right = !u && matches!(op, ShiftOp::Shr | ShiftOp::Sra);
                let ok = size > 0
                    && sh <= bits
                    && matches!(
                        op,
                        ShiftOp::Shr | ShiftOp::Sra | ShiftOp::Shl | ShiftOp::Sli | ShiftOp::Sri
                    )
                    && !(signed_right && size == 3);
                if !ok {
                    return Ok(false);
                }
                self.vload(xmm0, vm, q)?;
                let left = matches!(op, ShiftOp::Shl | ShiftOp::Sli);
                let a = &mut self.a;
                match (left, signed_right, size) {
                    (true, _, 1) => a.psllw(xmm0, sh)?,
                    (true, _, 2) => a.pslld(xmm0, sh)?,
                    (true, _, _) => a.psllq(xmm0, sh)?,
                    (false, false, 1) => a.psrlw(xmm0, sh)?,
                    (false, false, 2) => a.psrld(xmm0, sh)?,
                    (false, false, _) => a.psrlq(xmm0, sh)?,
                    // Counts of the lane size or more fill with the sign.
                    (false, true, 1) => a.psraw(xmm0, sh)?,
                    (false, true, _) => a.psrad(xmm0, sh)?,
                }
                match op {
                    ShiftOp::Sra => {
                        self.vload(xmm1, vd, q)?;
                        let a = &mut self.a;
                        match size {
                            1 => a.paddw(xmm0, xmm1)?,
                            2 => a.paddd(xmm0, xmm1)?,
                            _ => a.paddq(xmm0, xmm1)?,
                        }
                    }
                    ShiftOp::Sli | ShiftOp::Sri => {
                        // Keep the destination bits the shifted value does
                        // not cover.
                        let lane = if bits == 64 {
                            u64::MAX
                        } else {
                            (1u64 << bits) - 1
                        };
                        let covered = if left {
                            lane.checked_shl(sh).unwrap_or(0) & lane
                        } else {
                            lane.checked_shr(sh).unwrap_or(0)
                        };
                        let keep = self.constant(Self::splat(!covered & lane, size));
                        self.vload(xmm1, vd, q)?;
                        let a = &mut self.a;
                        // (legacy SSE memory operands must be aligned;
                        // constants are not)
                        a.movdqu(xmm2, xmmword_ptr(keep))?;
                        a.pand(xmm1, xmm2)?;
                        a.por(xmm0, xmm1)?;
                    }
                    _ => {}
                }
                self.vstore(vd, xmm0, q)?;
                Ok(true)
            }
            NeonInsn::Misc {
                op: MiscOp::Mvn,
                q,
                vd,
                vm,
                ..
            } => {
                self.vload(xmm0, vm, q)?;
                self.a.pcmpeqd(xmm1, xmm1)?;
                self.a.pxor(xmm0, xmm1)?;
                self.vstore(vd, xmm0, q)?;
                Ok(true)
            }
            NeonInsn::Misc {
                op: op @ (MiscOp::Rev16 | MiscOp::Rev32 | MiscOp::Rev64),
                size,
                q,
                vd,
                vm,
                ..
            } if self.ssse3 => {
                let group = match op {
                    MiscOp::Rev16 => 2,
                    MiscOp::Rev32 => 4,
                    _ => 8,
                };
                let elem = 1usize << size;
                if elem >= group {
                    return Ok(false);
                }
                // Byte permutation: elements reversed within each group.
                let mut perm = [0u8; 16];
                for (i, p) in perm.iter_mut().enumerate() {
                    let (g, within) = (i / group, i % group);
                    let (e, b) = (within / elem, within % elem);
                    let src_e = group / elem - 1 - e;
                    *p = (g * group + src_e * elem + b) as u8;
                }
                let mask = self.constant(perm);
                self.vload(xmm0, vm, q)?;
                self.a.movdqu(xmm1, xmmword_ptr(mask))?;
                self.a.pshufb(xmm0, xmm1)?;
                self.vstore(vd, xmm0, q)?;
                Ok(true)
            }
            NeonInsn::Ext {
                q: false,
                vd,
                vn,
                vm,
                imm,
            } if imm < 8 => {
                // Bytes imm.. of m:n (n low).
                self.a.mov(rax, qword_ptr(rbx + off_d(vn)))?;
                if imm != 0 {
                    self.a.mov(rdx, qword_ptr(rbx + off_d(vm)))?;
                    self.a.shrd(rax, rdx, 8 * imm as u32)?;
                }
                self.a.mov(qword_ptr(rbx + off_d(vd)), rax)?;
                Ok(true)
            }
            NeonInsn::Ext {
                q: true,
                vd,
                vn,
                vm,
                imm,
            } if imm < 16 => {
                self.vload(xmm0, vn, true)?;
                if imm != 0 {
                    self.vload(xmm1, vm, true)?;
                    self.a.psrldq(xmm0, imm as u32)?;
                    self.a.pslldq(xmm1, 16 - imm as u32)?;
                    self.a.por(xmm0, xmm1)?;
                }
                self.vstore(vd, xmm0, true)?;
                Ok(true)
            }
            NeonInsn::Imm { op, q, vd, imm } => {
                self.a.mov(rax, imm)?;
                for half in 0..1 + q as u8 {
                    let at = qword_ptr(rbx + off_d(vd + half));
                    match op {
                        ImmOp::Mov => self.a.mov(at, rax)?,
                        ImmOp::Orr => self.a.or(at, rax)?,
                        ImmOp::And => self.a.and(at, rax)?,
                    }
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn vfp(&mut self, insn: &Insn, end: CodeLabel, v: &VfpInsn) -> R {
        self.vfp_any(insn, end, v)?;
        // Only these keep the cached D registers right themselves (through
        // `fstore`, `fcache_set` or by clearing what they write); after
        // the others, every cached register is reloaded before its use.
        let keeps_cache = matches!(
            v,
            VfpInsn::Arith { .. }
                | VfpInsn::Unary { .. }
                | VfpInsn::Cmp { .. }
                | VfpInsn::LoadStore { .. }
                | VfpInsn::Multiple { .. }
                | VfpInsn::MovImm { .. }
        );
        if !keeps_cache {
            self.fvalid = 0;
        }
        Ok(())
    }

    fn vfp_any(&mut self, insn: &Insn, end: CodeLabel, v: &VfpInsn) -> R {
        let b = self.base();
        if vfp_may_be_native(v) {
            return self.vfp_native(v, end);
        }
        if let VfpInsn::Vmrs {
            rt: PC,
            reg: crate::ir::vfp::SysReg::Fpscr,
        } = *v
        {
            // VMRS APSR_nzcv, FPSCR: only the comparison flags, which
            // native compares write to FPSCR directly.
            self.a.mov(eax, dword_ptr(rbx + FPSCR))?;
            self.a.shr(eax, 28)?;
            return self.a.mov(dword_ptr(rbx + NZCV), eax);
        }
        match *v {
            VfpInsn::LoadStore {
                load,
                dp,
                vd,
                rn,
                offset,
            } => {
                if !self.fast_mem() {
                    return self.generic(insn);
                }
                let slow = self.slow_path(insn, end);
                let (base, disp) = match self.vfp_folded_base(insn, rn, offset)? {
                    Some(folded) => folded,
                    None => {
                        match rn {
                            Some(r) => {
                                self.get(ecx, r, insn)?;
                                if offset != 0 {
                                    self.a.add(ecx, offset)?;
                                }
                            }
                            None => self.a.mov(ecx, offset as u32)?,
                        }
                        (rcx, 0)
                    }
                };
                // Extension register accesses must be word aligned (the
                // offset is a multiple of 4).
                self.a.test(low32(base), 3)?;
                self.a.jne(slow)?;
                self.check(if dp { 8 } else { 4 }, !load, slow)?;
                let at = b.at(base, disp);
                match (load, dp) {
                    (true, true) => match self.fcache[vd as usize] {
                        // Straight into the cached register (a faulting
                        // load writes nothing), through to CpuState.
                        Some(x) => {
                            self.access(slow, |a| a.movsd_2(x, qword_ptr(at)))?;
                            self.a.movsd_2(qword_ptr(rbx + off_d(vd)), x)?;
                            self.fvalid |= 1 << vd;
                            Ok(())
                        }
                        None => {
                            self.access(slow, |a| a.mov(rax, qword_ptr(at)))?;
                            self.a.mov(qword_ptr(rbx + off_d(vd)), rax)
                        }
                    },
                    (true, false) => {
                        self.access(slow, |a| a.mov(eax, dword_ptr(at)))?;
                        self.fvalid &= !(1 << (vd / 2));
                        self.a.mov(dword_ptr(rbx + off_s(vd)), eax)
                    }
                    (false, true) => match self.fcache[vd as usize] {
                        Some(x) if self.fvalid & (1 << vd) != 0 => {
                            self.access(slow, |a| a.movsd_2(qword_ptr(at), x))
                        }
                        _ => {
                            self.a.mov(rax, qword_ptr(rbx + off_d(vd)))?;
                            self.access(slow, |a| a.mov(qword_ptr(at), rax))
                        }
                    },
                    (false, false) => {
                        self.a.mov(eax, dword_ptr(rbx + off_s(vd)))?;
                        self.access(slow, |a| a.mov(dword_ptr(at), eax))
                    }
                }
            }
            VfpInsn::Multiple {
                load,
                dp,
                vd,
                count,
                rn,
                add,
                wback,
                bytes,
            } => {
                let words = count as i32 * if dp { 2 } else { 1 };
                let first = if dp { off_d(vd) } else { off_s(vd) };
                let in_file = count > 0 && first + 4 * words <= DREGS + 256;
                if !self.fast_mem() || rn == PC || !in_file {
                    return self.generic(insn);
                }
                let slow = self.slow_path(insn, end);
                // A load of more than one access touches its first and
                // last word first, so that it faults before it writes any
                // register (`probe`, at `rcx`); a single access is a fault
                // site itself.
                let probed = load && words > 2;
                let first_at = if add { 0 } else { -(bytes as i32) };
                let folded = if probed {
                    None
                } else {
                    self.vfp_folded_base(insn, Some(rn), first_at)?
                };
                let (base, disp) = match folded {
                    Some(folded) => folded,
                    None => {
                        self.get(ecx, rn, insn)?;
                        if !add {
                            self.a.sub(ecx, bytes as u32)?;
                        }
                        (rcx, 0)
                    }
                };
                self.a.test(low32(base), 3)?;
                self.a.jne(slow)?;
                self.check(4 * words as u32, !load, slow)?;
                if probed {
                    self.probe(4 * words as u32, slow)?;
                }
                let mut off = 0;
                while off < 4 * words {
                    let wide = 4 * words - off >= 8;
                    let at = b.at(base, disp + off);
                    match (load, wide) {
                        (true, true) => {
                            let d = vd + (off / 8) as u8;
                            match self.fcache.get(d as usize).copied().flatten() {
                                Some(x) if dp && !probed => {
                                    self.access(slow, |a| a.movsd_2(x, qword_ptr(at)))?;
                                    self.a.movsd_2(qword_ptr(rbx + (first + off)), x)?;
                                    self.fvalid |= 1 << d;
                                }
                                _ => {
                                    if probed {
                                        self.a.mov(rax, qword_ptr(at))?;
                                    } else {
                                        self.access(slow, |a| a.mov(rax, qword_ptr(at)))?;
                                    }
                                    self.a.mov(qword_ptr(rbx + (first + off)), rax)?;
                                    if dp {
                                        self.fcache_set_rax(d)?;
                                    }
                                }
                            }
                        }
                        (true, false) => {
                            if probed {
                                self.a.mov(eax, dword_ptr(at))?;
                            } else {
                                self.access(slow, |a| a.mov(eax, dword_ptr(at)))?;
                            }
                            self.a.mov(dword_ptr(rbx + (first + off)), eax)?;
                        }
                        (false, true) => {
                            self.a.mov(rax, qword_ptr(rbx + (first + off)))?;
                            self.access(slow, |a| a.mov(qword_ptr(at), rax))?;
                        }
                        (false, false) => {
                            self.a.mov(eax, dword_ptr(rbx + (first + off)))?;
                            self.access(slow, |a| a.mov(dword_ptr(at), eax))?;
                        }
                    }
                    off += if wide { 8 } else { 4 };
                }
                if load && !dp {
                    // The D registers holding loaded S registers reload
                    // before their next use (D registers loaded whole
                    // were set above).
                    let (first_d, last_d) = (vd as u32 / 2, (vd as u32 + count as u32 - 1) / 2);
                    for d in first_d..=last_d.min(31) {
                        self.fvalid &= !(1 << d);
                    }
                }
                if wback {
                    let delta = if add { bytes as i32 } else { -(bytes as i32) };
                    match self.cache[rn as usize] {
                        Some(h) => {
                            self.dirty |= 1 << rn;
                            self.a.add(h, delta)?;
                        }
                        None => {
                            self.get(edx, rn, insn)?;
                            self.a.add(edx, delta)?;
                            self.set(rn, edx)?;
                        }
                    }
                }
                Ok(())
            }
            VfpInsn::MovImm { dp: true, vd, bits } => {
                self.a.mov(rax, bits)?;
                self.a.mov(qword_ptr(rbx + off_d(vd)), rax)?;
                self.fcache_set_rax(vd)
            }
            VfpInsn::MovImm {
                dp: false,
                vd,
                bits,
            } => {
                self.fvalid &= !(1 << (vd / 2));
                self.a.mov(dword_ptr(rbx + off_s(vd)), bits as u32)
            }
            VfpInsn::Unary { op, dp, vd, vm } if op != VfpUnary::Sqrt => {
                // Moves and sign-bit operations (no NaN processing).
                if dp {
                    self.a.mov(rax, qword_ptr(rbx + off_d(vm)))?;
                    match op {
                        VfpUnary::Abs => self.a.btr(rax, 63)?,
                        VfpUnary::Neg => self.a.btc(rax, 63)?,
                        _ => {}
                    }
                    self.a.mov(qword_ptr(rbx + off_d(vd)), rax)?;
                    self.fcache_set_rax(vd)
                } else {
                    self.fvalid &= !(1 << (vd / 2));
                    self.a.mov(eax, dword_ptr(rbx + off_s(vm)))?;
                    match op {
                        VfpUnary::Abs => self.a.and(eax, 0x7fff_ffff)?,
                        VfpUnary::Neg => self.a.xor(eax, 0x8000_0000u32)?,
                        _ => {}
                    }
                    self.a.mov(dword_ptr(rbx + off_s(vd)), eax)
                }
            }
            VfpInsn::MovCoreS { to_core, rt, sn } if rt != PC => {
                if to_core {
                    self.a.mov(eax, dword_ptr(rbx + off_s(sn)))?;
                    self.set(rt, eax)
                } else {
                    self.get(eax, rt, insn)?;
                    self.a.mov(dword_ptr(rbx + off_s(sn)), eax)
                }
            }
            VfpInsn::MovCore2S {
                to_core,
                rt,
                rt2,
                sm,
            } if rt != PC && rt2 != PC => {
                if to_core {
                    self.a.mov(eax, dword_ptr(rbx + off_s(sm)))?;
                    self.a.mov(edx, dword_ptr(rbx + off_s(sm + 1)))?;
                    self.set(rt, eax)?;
                    self.set(rt2, edx)
                } else {
                    self.get(eax, rt, insn)?;
                    self.get(edx, rt2, insn)?;
                    self.a.mov(dword_ptr(rbx + off_s(sm)), eax)?;
                    self.a.mov(dword_ptr(rbx + off_s(sm + 1)), edx)
                }
            }
            VfpInsn::MovCoreD {
                to_core,
                rt,
                rt2,
                dm,
            } if rt != PC && rt2 != PC => {
                if to_core {
                    self.a.mov(eax, dword_ptr(rbx + off_d(dm)))?;
                    self.a.mov(edx, dword_ptr(rbx + (off_d(dm) + 4)))?;
                    self.set(rt, eax)?;
                    self.set(rt2, edx)
                } else {
                    self.get(eax, rt, insn)?;
                    self.get(edx, rt2, insn)?;
                    self.a.mov(dword_ptr(rbx + off_d(dm)), eax)?;
                    self.a.mov(dword_ptr(rbx + (off_d(dm) + 4)), edx)
                }
            }
            VfpInsn::Unary { .. }
            | VfpInsn::Arith { .. }
            | VfpInsn::Cmp { .. }
            | VfpInsn::CvtPrec { .. }
            | VfpInsn::CvtToInt { .. }
            | VfpInsn::CvtFromInt { .. }
            | VfpInsn::CvtFixed { .. }
            | VfpInsn::CvtHalf { .. } => self.call_pure(self.vfp_pure, v as *const VfpInsn as u64),
            _ => self.generic(insn),
        }
    }

    /// Loads the second operand into `edx`; with `want_c`, the shifter
    /// carry-out is reported (and, if computed, left in `r8b`).
    fn operand(&mut self, insn: &Insn, op2: &Operand, want_c: bool) -> Result<Carry, IcedError> {
        match *op2 {
            Operand::Imm { value, carry } => {
                self.a.mov(edx, value)?;
                Ok(carry.map_or(Carry::Unchanged, Carry::Const))
            }
            Operand::Reg { rm, shift, amount } => {
                self.get(edx, rm, insn)?;
                self.shift_imm(shift, amount as u32, want_c)
            }
            Operand::RegShift { rm, shift, rs } if want_c => {
                self.reg_shift_carry(insn, rm, shift, rs)?;
                Ok(Carry::InR8)
            }
            Operand::RegShift { rm, shift, rs } => {
                self.get(edx, rm, insn)?;
                self.get(ecx, rs, insn)?;
                self.a.and(ecx, 0xff)?;
                if shift == Shift::Ror {
                    self.a.ror(edx, cl)?;
                } else {
                    self.wide_shift(shift)?;
                }
                Ok(Carry::Unchanged)
            }
        }
    }

    /// `edx` shifted left, right or arithmetically right by `ecx` (0-255)
    /// as ARM shifts by a register: in 64 bits (sign-extended first for
    /// ASR) by the amount clamped to 63, so that 32 and more give 0 or
    /// the sign; the host CF is the last bit out of the 64-bit register
    /// (ARM's carry for LSR and ASR). Uses `eax`.
    fn wide_shift(&mut self, shift: Shift) -> R {
        if shift == Shift::Asr {
            self.a.movsxd(rdx, edx)?;
        }
        self.a.mov(eax, 63)?;
        self.a.cmp(ecx, eax)?;
        self.a.cmova(ecx, eax)?;
        match shift {
            Shift::Lsl => self.a.shl(rdx, cl),
            Shift::Lsr => self.a.shr(rdx, cl),
            _ => self.a.sar(rdx, cl),
        }
    }

    /// `rm` shifted by the bottom byte of `rs` into `edx`, with the
    /// shifter's carry out in `r8b` (0 or 1): by 0, C unchanged (read from
    /// NZCV, exact here: the instruction reads C, so pending raw flags
    /// were packed before it); else the last bit shifted out, computed
    /// with a 64-bit shift by the amount clamped to 63 (which gives ARM's
    /// results for 32 and more: LSL #32 carries bit 0, LSR #32 bit 31,
    /// beyond both nothing, ASR the sign). ROR carries the result's bit 31.
    fn reg_shift_carry(&mut self, insn: &Insn, rm: Reg, shift: Shift, rs: Reg) -> R {
        let mut done = self.a.create_label();
        self.get(edx, rm, insn)?;
        self.get(ecx, rs, insn)?;
        self.a.movzx(r8d, byte_ptr(rbx + NZCV))?;
        self.a.shr(r8d, 1)?;
        self.a.and(r8d, 1)?;
        self.a.and(ecx, 0xff)?;
        self.a.je(done)?;
        if shift == Shift::Ror {
            self.a.ror(edx, cl)?;
            self.a.bt(edx, 31)?;
        } else {
            self.wide_shift(shift)?;
            if shift == Shift::Lsl {
                // The last bit out of the 32-bit value is bit 32.
                self.a.bt(rdx, 32)?;
            }
        }
        self.a.setb(r8b)?;
        // (The upper half of rdx is garbage now; users read edx.)
        self.bind(&mut done)
    }

    /// Shifts `edx` by a constant amount (as decoded: LSR/ASR #32 is 32,
    /// RRX has amount 1).
    fn shift_imm(&mut self, shift: Shift, amount: u32, want_c: bool) -> Result<Carry, IcedError> {
        if amount == 0 && shift != Shift::Rrx {
            return Ok(Carry::Unchanged);
        }
        let carried = |e: &mut Self| -> Result<Carry, IcedError> {
            if want_c {
                e.a.setb(r8b)?;
                Ok(Carry::InR8)
            } else {
                Ok(Carry::Unchanged)
            }
        };
        match shift {
            Shift::Rrx => {
                self.a.bt(dword_ptr(rbx + NZCV), 1)?;
                self.a.rcr(edx, 1)?;
                carried(self)
            }
            _ if amount >= 32 => {
                // LSL/LSR #32 give 0 with carry bit 0 / bit 31; ASR #32 the
                // sign with carry bit 31.
                let bit = if shift == Shift::Lsl { 0 } else { 31 };
                self.a.bt(edx, bit)?;
                let c = carried(self)?;
                match shift {
                    Shift::Asr => self.a.sar(edx, 31)?,
                    Shift::Ror => {}
                    _ => self.a.xor(edx, edx)?,
                }
                Ok(c)
            }
            Shift::Lsl => {
                self.a.shl(edx, amount)?;
                carried(self)
            }
            Shift::Lsr => {
                self.a.shr(edx, amount)?;
                carried(self)
            }
            Shift::Asr => {
                self.a.sar(edx, amount)?;
                carried(self)
            }
            Shift::Ror => {
                self.a.ror(edx, amount)?;
                if want_c {
                    self.a.bt(edx, 31)?;
                }
                carried(self)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn alu(
        &mut self,
        k: usize,
        insn: &Insn,
        op: AluOp,
        s: bool,
        rd: Reg,
        rn: Reg,
        op2: &Operand,
    ) -> R {
        let write = !op.is_test();
        if write && rd == PC && s {
            // An exception return (SUBS pc, lr): the interpreter's.
            return self.generic(insn);
        }
        let live = if s { self.live[k] } else { 0 };
        let want_c = op.is_logical() && live & flags::C != 0;
        if write && live == 0 {
            if let Some(h) = self.cache[rd as usize] {
                if self.alu_in_place(insn, op, h, rn, op2)? {
                    self.dirty |= 1 << rd;
                    return Ok(());
                }
            }
        }
        // A flag-setting shift by a constant (Thumb's 16-bit LSLS, LSRS and
        // ASRS) is done in the destination: the host flags are then its N,
        // Z and C, a raw word of a logical op with carry by one `lahf`,
        // left in `eax` for the flags below (C also in `r8b`).
        let shift_word = op == AluOp::Mov
            && write
            && want_c
            && rd != PC
            && matches!(
                *op2,
                Operand::Reg {
                    shift: Shift::Lsl | Shift::Lsr | Shift::Asr,
                    amount: 1..=31,
                    ..
                }
            );
        let (mut src, carry) = match *op2 {
            Operand::Reg { rm, shift, amount } if shift_word => {
                let dst = self.cache[rd as usize].unwrap_or(ecx);
                self.get(dst, rm, insn)?;
                match shift {
                    Shift::Lsl => self.a.shl(dst, amount as u32)?,
                    Shift::Lsr => self.a.shr(dst, amount as u32)?,
                    _ => self.a.sar(dst, amount as u32)?,
                }
                self.a.lahf()?;
                self.a.setb(r8b)?;
                (Src::Reg(dst), Carry::InR8)
            }
            _ => self.operand2(insn, op2, want_c)?,
        };
        // The result goes straight into rd's host register when it has one
        // (operand 2 is read first, so rd may be among the operands), else
        // into ecx.
        let dst = match (write, self.cache[rd as usize]) {
            (true, Some(h)) => h,
            _ => ecx,
        };
        if op == AluOp::Mov && write && live == 0 && dst == ecx && rd != PC {
            // A register or constant into an uncached register: one store.
            return match src {
                Src::Reg(r) => self.set(rd, r),
                Src::Imm(v) => self.set_imm(rd, v),
                Src::Mem(off) => {
                    self.a.mov(edx, dword_ptr(rbx + off))?;
                    self.set(rd, edx)
                }
            };
        }
        let uses_rn = !matches!(op, AluOp::Mov | AluOp::Mvn);
        if uses_rn && src == Src::Reg(dst) && self.cache[rn as usize] != Some(dst) {
            // Loading rn into dst would clobber operand 2.
            self.a.mov(edx, dst)?;
            src = Src::Reg(edx);
        }
        let kind = match op {
            AluOp::Mov => {
                self.src_op(XOp::Mov, dst, src)?;
                FlagKind::Logic
            }
            AluOp::Mvn => {
                self.src_op(XOp::Mov, dst, src)?;
                self.a.not(dst)?;
                FlagKind::Logic
            }
            AluOp::Cmp
                if rn != PC && self.cache[rn as usize].is_none() && !matches!(src, Src::Mem(_)) =>
            {
                // An uncached first operand compared in memory.
                let m = dword_ptr(rbx + off_r(rn));
                match src {
                    Src::Imm(v) => self.a.cmp(m, v as i32)?,
                    Src::Reg(r) => self.a.cmp(m, r)?,
                    Src::Mem(_) => unreachable!("excluded by the guard"),
                }
                FlagKind::Sub
            }
            AluOp::Cmp if live == 0 || self.cache[rn as usize].is_some() => {
                // Nothing written: compare in place.
                let a = match self.cache[rn as usize] {
                    Some(h) => h,
                    None => {
                        self.get(ecx, rn, insn)?;
                        ecx
                    }
                };
                self.src_op(XOp::Cmp, a, src)?;
                FlagKind::Sub
            }
            AluOp::Rsb | AluOp::Rsc => {
                // src - rn: compute in edx.
                self.src_op(XOp::Mov, edx, src)?;
                self.get(ecx, rn, insn)?;
                if op == AluOp::Rsc {
                    self.a.bt(dword_ptr(rbx + NZCV), 1)?;
                    self.a.cmc()?;
                    self.a.sbb(edx, ecx)?;
                } else {
                    self.a.sub(edx, ecx)?;
                }
                self.a.mov(dst, edx)?;
                FlagKind::Sub
            }
            AluOp::Bic | AluOp::Orn => {
                self.get(dst, rn, insn)?;
                let inv = match src {
                    Src::Imm(v) => Src::Imm(!v),
                    Src::Mem(off) => {
                        self.a.mov(edx, dword_ptr(rbx + off))?;
                        self.a.not(edx)?;
                        Src::Reg(edx)
                    }
                    Src::Reg(r) => {
                        if r != edx {
                            self.a.mov(edx, r)?;
                        }
                        self.a.not(edx)?;
                        Src::Reg(edx)
                    }
                };
                let x = if op == AluOp::Bic { XOp::And } else { XOp::Or };
                self.src_op(x, dst, inv)?;
                FlagKind::Logic
            }
            _ => {
                self.get(dst, rn, insn)?;
                let (x, kind) = match op {
                    AluOp::And | AluOp::Tst => (XOp::And, FlagKind::Logic),
                    AluOp::Eor | AluOp::Teq => (XOp::Xor, FlagKind::Logic),
                    AluOp::Orr => (XOp::Or, FlagKind::Logic),
                    AluOp::Add | AluOp::Cmn => (XOp::Add, FlagKind::Add),
                    AluOp::Sub | AluOp::Cmp => (XOp::Sub, FlagKind::Sub),
                    AluOp::Adc => {
                        self.a.bt(dword_ptr(rbx + NZCV), 1)?;
                        (XOp::Adc, FlagKind::Add)
                    }
                    _ => {
                        // SBC
                        self.a.bt(dword_ptr(rbx + NZCV), 1)?;
                        self.a.cmc()?;
                        (XOp::Sbb, FlagKind::Sub)
                    }
                };
                match (x, src) {
                    // Without flags, an add of a constant or a register
                    // is a `lea`: the host flags stay (raw flags of an
                    // earlier compare, see `host_raw`).
                    (XOp::Add | XOp::Sub, Src::Imm(v)) if live == 0 => {
                        let disp = if x == XOp::Add {
                            v as i32
                        } else {
                            (v as i32).wrapping_neg()
                        };
                        self.a.lea(dst, ptr(full64_any(dst) + disp))?;
                    }
                    (XOp::Add, Src::Reg(r)) if live == 0 => {
                        self.a.lea(dst, ptr(full64_any(dst) + full64_any(r)))?;
                    }
                    _ => self.src_op(x, dst, src)?,
                }
                kind
            }
        };
        if live != 0 {
            // A logical op with a shifter carry keeps C in its raw flags.
            let kind = match (kind, carry) {
                (FlagKind::Logic, Carry::Unchanged) => FlagKind::Logic,
                (FlagKind::Logic, _) => FlagKind::LogicC,
                (k, _) => k,
            };
            // Readers that only test conditions readable off raw flags
            // leave them raw too.
            let readable = self.raw_readable_after(k, kind);
            let (live, computed) = self.after_next_cond(k, live, kind, dst, readable)?;
            let stays_raw = if insn.cond == Cond::Al {
                computed == 0 || readable
            } else {
                // `raw_before` left the flags raw of this kind: the skip
                // path keeps those.
                self.raw == Some(kind)
            };
            let merge_v = std::mem::take(&mut self.merge_v);
            if live == 0 {
                // (With `merge_v`, the raw flags of the add or subtract
                // stay: their V is right, the rest dead.)
            } else if stays_raw {
                // Only a fault, an exit or a condition test can see these
                // flags: keep them raw and pack them there.
                match kind {
                    FlagKind::LogicC | FlagKind::Logic if merge_v => {
                        // N and Z, C (if live: else CF is 0), and V from
                        // the raw word of the add or subtract: raw flags
                        // of an add.
                        if !shift_word {
                            self.logic_word(kind, carry, dst)?;
                        }
                        self.a.mov(al, byte_ptr(rbp + CTX_RAW_FLAGS))?;
                        self.a.mov(dword_ptr(rbp + CTX_RAW_FLAGS), eax)?;
                        self.raw = Some(FlagKind::Add);
                        return self.alu_result(write, rd, dst);
                    }
                    FlagKind::LogicC => {
                        if !shift_word {
                            self.logic_word(kind, carry, dst)?;
                        }
                        self.a.mov(dword_ptr(rbp + CTX_RAW_FLAGS), eax)?;
                    }
                    FlagKind::Logic => match (op, *op2) {
                        (AluOp::Mov | AluOp::Mvn, Operand::Imm { value, .. }) => {
                            // MOVS/MVNS of a constant (Thumb's 16-bit
                            // `movs rd, #imm`): the word is known.
                            let v = if op == AluOp::Mvn { !value } else { value };
                            let word = (v >> 31) << 15 | ((v == 0) as u32) << 14;
                            self.a.mov(dword_ptr(rbp + CTX_RAW_FLAGS), word)?;
                            // (The host flags are not these.)
                            self.host_raw = None;
                        }
                        _ => {
                            self.a.test(dst, dst)?;
                            self.a.lahf()?;
                            self.a.mov(dword_ptr(rbp + CTX_RAW_FLAGS), eax)?;
                        }
                    },
                    _ if insn.cond == Cond::Al
                        && (self.flag_quiet(k + 1) || self.quiet_branch(k + 1)) =>
                    {
                        // The next instruction leaves the host flags alone
                        // (a load or store): saved later, where something
                        // can see them (see `raw_unsaved`).
                        self.raw_unsaved = true;
                    }
                    _ => {
                        self.raw = Some(kind);
                        self.save_raw_flags()?;
                    }
                }
                self.raw = Some(kind);
            } else if matches!(kind, FlagKind::Logic | FlagKind::LogicC) {
                self.flags_logic(dst, carry, merge_v)?;
                if merge_v {
                    self.raw = None;
                }
            } else {
                self.flags_arith(kind == FlagKind::Sub)?;
            }
        }
        self.alu_result(write, rd, dst)
    }

    /// The raw word of a logical op's flags into `eax`: SF and ZF by a
    /// `test` of `res`, CF (bit 8, 0 after the `test`) the shifter's
    /// carry for `LogicC` (added by a `lea`, which leaves the host flags
    /// to a following condition's test), 0 for `Logic`.
    fn logic_word(&mut self, kind: FlagKind, carry: Carry, res: AsmRegister32) -> R {
        match (kind, carry) {
            (FlagKind::Logic, _) => self.a.xor(edx, edx)?,
            (_, Carry::Const(c)) => self.a.mov(edx, (c as u32) << 8)?,
            _ => {
                self.a.movzx(edx, r8b)?;
                self.a.shl(edx, 8)?;
            }
        }
        self.a.test(res, res)?;
        self.a.lahf()?;
        self.a.lea(eax, ptr(rax + rdx))
    }

    /// An ALU operation's result, in `dst`, goes to `rd` (if `write`).
    fn alu_result(&mut self, write: bool, rd: Reg, dst: AsmRegister32) -> R {
        if write && rd == PC {
            // ALUWritePC: BXWritePC in A32 (interworking), BranchWritePC
            // in T32 (stays Thumb: bit 0 set for `bx_exit`).
            self.a.mov(eax, ecx)?;
            if self.thumb {
                self.a.or(eax, 1)?;
            }
            return self.bx_exit();
        }
        if write {
            if dst == ecx {
                self.set(rd, ecx)?;
            } else {
                self.dirty |= 1 << rd;
            }
        }
        Ok(())
    }

    /// The flagless forms that need no scratch register, into `dst` (the
    /// destination's host register): a MOV of a register shifted by a
    /// constant shifts in `dst`; an ADD or SUB of a constant, or an ADD
    /// of a register shifted left by 0-3, to a cached register is one
    /// `lea` (32-bit: it wraps as the guest's arithmetic does). Returns
    /// whether it emitted the instruction.
    fn alu_in_place(
        &mut self,
        insn: &Insn,
        op: AluOp,
        dst: AsmRegister32,
        rn: Reg,
        op2: &Operand,
    ) -> Result<bool, IcedError> {
        match (op, *op2) {
            (AluOp::Mov, Operand::Reg { rm, shift, amount })
                if rm != PC && (1..32).contains(&amount) && shift != Shift::Rrx =>
            {
                self.get(dst, rm, insn)?;
                let amount = amount as u32;
                match shift {
                    Shift::Lsl => self.a.shl(dst, amount)?,
                    Shift::Lsr => self.a.shr(dst, amount)?,
                    Shift::Asr => self.a.sar(dst, amount)?,
                    _ => self.a.ror(dst, amount)?,
                }
                Ok(true)
            }
            (AluOp::Add | AluOp::Sub, Operand::Imm { value, .. }) if rn != PC => {
                let Some(base) = self.cache[rn as usize] else {
                    return Ok(false);
                };
                let disp = if op == AluOp::Add {
                    value as i32
                } else {
                    (value as i32).wrapping_neg()
                };
                self.a.lea(dst, ptr(full64(base) + disp))?;
                Ok(true)
            }
            (
                AluOp::Add,
                Operand::Reg {
                    rm,
                    shift: Shift::Lsl,
                    amount: amount @ 0..=3,
                },
            ) if rn != PC && rm != PC => {
                let (Some(base), Some(index)) = (self.cache[rn as usize], self.cache[rm as usize])
                else {
                    return Ok(false);
                };
                self.a
                    .lea(dst, ptr(full64(base) + full64(index) * (1 << amount)))?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Operand 2 as an x86 source: an immediate, a cached register in
    /// place, or a value computed into `edx`; with the shifter carry as
    /// [`operand`](Self::operand) reports it.
    fn operand2(
        &mut self,
        insn: &Insn,
        op2: &Operand,
        want_c: bool,
    ) -> Result<(Src, Carry), IcedError> {
        match *op2 {
            Operand::Imm { value, carry } => Ok((
                Src::Imm(value),
                carry.map_or(Carry::Unchanged, Carry::Const),
            )),
            Operand::Reg { rm, shift, amount } if amount == 0 && shift != Shift::Rrx => {
                if rm == PC {
                    return Ok((Src::Imm(insn.pc_read(self.thumb)), Carry::Unchanged));
                }
                if let Some(h) = self.cache[rm as usize] {
                    return Ok((Src::Reg(h), Carry::Unchanged));
                }
                Ok((Src::Mem(off_r(rm)), Carry::Unchanged))
            }
            _ => {
                let c = self.operand(insn, op2, want_c)?;
                Ok((Src::Reg(edx), c))
            }
        }
    }

    /// `dst op= src` for the two-operand x86 ALU ops.
    fn src_op(&mut self, op: XOp, dst: AsmRegister32, src: Src) -> R {
        let a = &mut self.a;
        match src {
            Src::Imm(v) => match op {
                XOp::Mov => a.mov(dst, v),
                XOp::Add => a.add(dst, v as i32),
                XOp::Sub => a.sub(dst, v as i32),
                XOp::Adc => a.adc(dst, v as i32),
                XOp::Sbb => a.sbb(dst, v as i32),
                XOp::And => a.and(dst, v as i32),
                XOp::Or => a.or(dst, v as i32),
                XOp::Xor => a.xor(dst, v as i32),
                XOp::Cmp => a.cmp(dst, v as i32),
            },
            Src::Reg(r) => match op {
                XOp::Mov if r == dst => Ok(()),
                XOp::Mov => a.mov(dst, r),
                XOp::Add => a.add(dst, r),
                XOp::Sub => a.sub(dst, r),
                XOp::Adc => a.adc(dst, r),
                XOp::Sbb => a.sbb(dst, r),
                XOp::And => a.and(dst, r),
                XOp::Or => a.or(dst, r),
                XOp::Xor => a.xor(dst, r),
                XOp::Cmp => a.cmp(dst, r),
            },
            Src::Mem(off) => {
                let m = dword_ptr(rbx + off);
                match op {
                    XOp::Mov => a.mov(dst, m),
                    XOp::Add => a.add(dst, m),
                    XOp::Sub => a.sub(dst, m),
                    XOp::Adc => a.adc(dst, m),
                    XOp::Sbb => a.sbb(dst, m),
                    XOp::And => a.and(dst, m),
                    XOp::Or => a.or(dst, m),
                    XOp::Xor => a.xor(dst, m),
                    XOp::Cmp => a.cmp(dst, m),
                }
            }
        }
    }

    /// With the host flags of instruction `k` just computed: if the next
    /// instruction that uses flags is conditional and its condition can be
    /// read off the host flags, computes it for it: into `r9b` if it is
    /// the next instruction, else into `JitCtx::cond_byte` (the ones in
    /// between neither compute with nor write flags: a compare, some
    /// arithmetic, then the branch). Returns the flags still to be packed
    /// (those something other than that condition reads).
    ///
    /// `readable`: every later reader tests a condition readable off raw
    /// flags. The caller keeps the flags raw if only those, faults and
    /// exits can see them (saving them with `lahf`, which leaves the host
    /// flags alone): then the next instruction can test the host flags
    /// themselves.
    fn after_next_cond(
        &mut self,
        k: usize,
        live: u8,
        kind: FlagKind,
        res: AsmRegister32,
        readable: bool,
    ) -> Result<(u8, u8), IcedError> {
        let computed = self.live_real.0[k];
        let insns = &self.block.insns;
        let Some(this) = insns.get(k) else {
            return Ok((live, computed));
        };
        let mut j = k + 1;
        while let Some(mid) = insns.get(j) {
            let quiet = mid.cond == Cond::Al
                && flags::op_reads_computed(&mid.op) == 0
                && flags::op_writes(&mid.op) == 0;
            if !quiet {
                break;
            }
            j += 1;
        }
        let Some(next) = insns.get(j) else {
            return Ok((live, computed));
        };
        if this.cond != Cond::Al || next.cond == Cond::Al {
            return Ok((live, computed));
        }
        let c = next.cond;
        let Some(setcc) = Self::setcc_for(kind.on_host(), c) else {
            return Ok((live, computed));
        };
        let in_memory = j > k + 1;
        // What still needs the flags: anything after `next`, `next`'s
        // operation, and the instructions in between (a fault there must
        // see them exact: they read them, if not to compute).
        let mut later = self.live_out[j] | flags::op_reads(&next.op);
        for mid in &insns[k + 1..j] {
            later |= flags::op_reads(&mid.op);
        }
        let later_computed = self.live_real.1[j] | flags::op_reads_computed(&next.op);
        // The host flags survive to the next instruction's test if this
        // one's flags end up dead or raw (see the caller) and the next
        // one packs nothing before its test (`raw_before`: it neither
        // computes with flags nor writes them).
        //
        // Between them only instructions that emit nothing (an IT
        // instruction) may come. A next one that writes flags must be a
        // conditional compare, add or subtract of this kind that keeps
        // them raw (for which `raw_before` emits nothing either).
        let (live_after, computed_after) = (live & later, computed & later_computed);
        let stays_raw = computed_after == 0 || readable;
        let only_nops_between = insns[k + 1..j].iter().all(|i| matches!(i.op, Op::Nop));
        let next_keeps_raw = match flags::op_writes(&next.op) {
            0 => live_after == 0 || stays_raw,
            _ => {
                live_after != 0
                    && stays_raw
                    && arith_kind(&next.op) == Some(kind)
                    && self.raw_readable_after(j, kind)
            }
        };
        let host = only_nops_between
            && next_keeps_raw
            && flags::op_reads_computed(&next.op) == 0
            && Self::jcc_for(kind.on_host(), inverse(c)).is_some();
        if kind.on_host() == FlagKind::Logic {
            self.a.test(res, res)?;
        }
        let at = if host {
            CondAt::HostFlags(kind.on_host())
        } else if in_memory {
            setcc(&mut self.a, SetccDst::Mem(byte_ptr(rbp + CTX_COND_BYTE)))?;
            CondAt::Memory
        } else {
            setcc(&mut self.a, SetccDst::Reg(r9b))?;
            CondAt::R9b
        };
        self.pending = Some((j, c, at));
        Ok((live & later, computed & later_computed))
    }

    /// The `setcc` that computes condition `c` from the host flags of an
    /// instruction of `kind`, if one does.
    fn setcc_for(kind: FlagKind, c: Cond) -> Option<fn(&mut CodeAssembler, SetccDst) -> R> {
        macro_rules! setcc {
            ($($cc:ident => $m:ident),*) => {
                match host_cond(kind, c)? {
                    $(HostCond::$cc => Some(|a: &mut CodeAssembler, dst: SetccDst| match dst {
                        SetccDst::Reg(r) => a.$m(r),
                        SetccDst::Mem(m) => a.$m(m),
                    }),)*
                }
            };
        }
        setcc!(E => sete, Ne => setne, S => sets, Ns => setns, O => seto, No => setno,
               Ge => setge, L => setl, G => setg, Le => setle, B => setb, Ae => setae,
               A => seta, Be => setbe)
    }

    /// Whether raw flags of `kind` written by instruction `k` can stay raw
    /// for everything after it that reads them before all four are
    /// overwritten: conditions readable off them, conditional compares
    /// or adds/subtracts of the same kind (which keep them raw in turn),
    /// memory accesses (a fault packs them) and exits (the next block
    /// packs them if it reads them).
    fn raw_readable_after(&self, k: usize, kind: FlagKind) -> bool {
        for insn in &self.block.insns[k + 1..] {
            if flags::op_reads_computed(&insn.op) != 0 {
                return false;
            }
            if insn.cond != Cond::Al && !cond_readable(kind, insn.cond) {
                return false;
            }
            let writes = flags::op_writes(&insn.op);
            if writes == 0 {
                continue;
            }
            if writes != flags::NZCV {
                return false;
            }
            if insn.cond == Cond::Al {
                return true;
            }
            if arith_kind(&insn.op) != Some(kind) {
                return false;
            }
        }
        true
    }

    /// The conditional jump taken when condition `c` holds by the host
    /// flags of an instruction of `kind` (as [`Self::setcc_for`]).
    fn jcc_for(kind: FlagKind, c: Cond) -> Option<fn(&mut CodeAssembler, CodeLabel) -> R> {
        macro_rules! jcc {
            ($($cc:ident => $m:ident),*) => {
                match host_cond(kind, c)? {
                    $(HostCond::$cc => Some(|a: &mut CodeAssembler, to: CodeLabel| a.$m(to)),)*
                }
            };
        }
        jcc!(E => je, Ne => jne, S => js, Ns => jns, O => jo, No => jno, Ge => jge, L => jl,
             G => jg, Le => jle, B => jb, Ae => jae, A => ja, Be => jbe)
    }

    /// Packs N, Z from `res`, C from `carry`, V unchanged.
    fn flags_logic(&mut self, res: AsmRegister32, carry: Carry, v_from_raw: bool) -> R {
        self.a.test(res, res)?;
        self.a.lahf()?;
        self.a.movzx(edx, ah)?;
        self.a.shr(edx, 4)?;
        self.a.and(edx, 0xc)?;
        self.a.mov(eax, dword_ptr(rbx + NZCV))?;
        let mut keep = if carry == Carry::Unchanged {
            flags::C | flags::V
        } else {
            flags::V
        };
        if v_from_raw {
            keep &= !flags::V;
        }
        self.a.and(eax, keep as u32)?;
        if v_from_raw {
            // (`al` of a raw word of an add or subtract is V, 0 or 1.)
            self.a.or(al, byte_ptr(rbp + CTX_RAW_FLAGS))?;
        }
        self.a.or(eax, edx)?;
        match carry {
            Carry::Const(true) => self.a.or(eax, flags::C as u32)?,
            Carry::InR8 => {
                self.a.movzx(edx, r8b)?;
                self.a.add(edx, edx)?;
                self.a.or(eax, edx)?;
            }
            _ => {}
        }
        self.a.mov(dword_ptr(rbx + NZCV), eax)
    }

    /// Packs N, Z, C, V from the host flags of an add (`sub` false) or a
    /// subtract (ARM's C is the inverted borrow).
    fn flags_arith(&mut self, sub: bool) -> R {
        self.a.lahf()?;
        self.a.seto(al)?;
        let kind = if sub { FlagKind::Sub } else { FlagKind::Add };
        // (No flag of an add or subtract is kept: `tmp` is not used.)
        emit_pack(&mut self.a, kind, eax, ecx)
    }

    /// Packs raw flags of `kind` from `JitCtx::raw_flags` into NZCV, using
    /// only `ecx` and `tmp` (`r9d` at exits, where an indirect exit has
    /// its target in `eax`; `edx` before an instruction, where `r9b` may
    /// hold its condition). Emits code only; the tracked state is the
    /// caller's business.
    fn emit_pack_raw_with(&mut self, kind: Option<FlagKind>, tmp: AsmRegister32) -> R {
        let Some(kind) = kind else {
            return Ok(());
        };
        self.a.mov(ecx, dword_ptr(rbp + CTX_RAW_FLAGS))?;
        emit_pack(&mut self.a, kind, ecx, tmp)
    }

    /// Converts the exact NZCV in `CpuState` into raw flags of `kind` in
    /// `JitCtx::raw_flags` (the inverse of packing: SF, ZF, CF, OF at
    /// bits 15, 14, 8, 0, CF inverted after a subtract; a logical kind
    /// keeps only N and Z there, C and V staying in NZCV). Uses `eax` and
    /// `ecx`.
    fn emit_unpack(&mut self, kind: FlagKind) -> R {
        let mut table = [0u8; 32];
        for nzcv in 0..16u16 {
            let (n, z, c, v) = (nzcv >> 3 & 1, nzcv >> 2 & 1, nzcv >> 1 & 1, nzcv & 1);
            let raw = match kind {
                FlagKind::Logic => n << 15 | z << 14,
                FlagKind::LogicC => n << 15 | z << 14 | c << 8,
                FlagKind::Add => n << 15 | z << 14 | c << 8 | v,
                FlagKind::Sub => n << 15 | z << 14 | (c ^ 1) << 8 | v,
            };
            table[2 * nzcv as usize..2 * nzcv as usize + 2].copy_from_slice(&raw.to_le_bytes());
        }
        let lo = self.constant(table[..16].try_into().expect("16 bytes"));
        self.constant(table[16..].try_into().expect("16 bytes"));
        self.a.mov(eax, dword_ptr(rbx + NZCV))?;
        self.a.and(eax, 15)?;
        self.a.lea(rcx, ptr(lo))?;
        self.a.movzx(eax, word_ptr(rcx + rax * 2))?;
        self.a.mov(dword_ptr(rbp + CTX_RAW_FLAGS), eax)
    }

    /// Turns the flags pending as raw flags of kind `from` (or exact in
    /// NZCV) into raw flags of kind `to` (or exact in NZCV), using `eax`,
    /// `ecx` and `tmp`. Emits code only.
    fn convert_raw(
        &mut self,
        from: Option<FlagKind>,
        to: Option<FlagKind>,
        tmp: AsmRegister32,
    ) -> R {
        match (from, to) {
            _ if from == to => Ok(()),
            (Some(FlagKind::Add), Some(FlagKind::Sub))
            | (Some(FlagKind::Sub), Some(FlagKind::Add)) => {
                // Only the sense of C differs.
                self.a.xor(dword_ptr(rbp + CTX_RAW_FLAGS), 0x100)
            }
            (Some(FlagKind::LogicC), Some(kind @ (FlagKind::Add | FlagKind::Sub))) => {
                // N, Z and C from the word, V from NZCV.
                self.a.mov(eax, dword_ptr(rbp + CTX_RAW_FLAGS))?;
                self.a.and(eax, 0xc100)?;
                if kind == FlagKind::Sub {
                    self.a.xor(eax, 0x100)?;
                }
                self.a.mov(ecx, dword_ptr(rbx + NZCV))?;
                self.a.and(ecx, flags::V as u32)?;
                self.a.or(eax, ecx)?;
                self.a.mov(dword_ptr(rbp + CTX_RAW_FLAGS), eax)
            }
            _ => {
                self.emit_pack_raw_with(from, tmp)?;
                match to {
                    Some(kind) => self.emit_unpack(kind),
                    None => Ok(()),
                }
            }
        }
    }

    /// [`emit_pack_raw_with`](Self::emit_pack_raw_with) at an exit.
    fn emit_pack_raw(&mut self, kind: Option<FlagKind>) -> R {
        self.emit_pack_raw_with(kind, r9d)
    }

    /// Packs pending raw flags before an instruction (on every path): NZCV
    /// is exact from here on.
    fn flush_raw_at_start(&mut self) -> R {
        self.emit_pack_raw_with(self.raw, edx)?;
        self.raw = None;
        self.normalize_dynamic()
    }

    /// At an exit: leaves this block's raw flags of `kind` (if any)
    /// pending for the next block (`JitCtx::raw_kind`) instead of packing
    /// them. Flags pending from the previous block stay pending.
    fn leave_raw(&mut self, kind: Option<FlagKind>) -> R {
        match kind {
            None => Ok(()),
            Some(kind) => self
                .a
                .mov(dword_ptr(rbp + CTX_RAW_KIND), raw_kind_code(kind)),
        }
    }

    /// Packs the previous block's raw flags if they may be pending (on
    /// every path from here): NZCV is exact from here on.
    fn normalize_dynamic(&mut self) -> R {
        if self.raw_dynamic {
            self.emit_normalize_call()?;
            self.raw_dynamic = false;
        }
        Ok(())
    }

    /// `call` of the normalizing stub if a kind is pending (clobbers
    /// `eax`, `ecx`, `edx`).
    fn emit_normalize_call(&mut self) -> R {
        let mut done = self.a.create_label();
        self.emit_normalize_call_skipping_to(done)?;
        self.bind(&mut done)
    }

    /// The call of [`Self::emit_normalize_call`], skipped to `done` (bound
    /// by the caller) if nothing is pending.
    fn emit_normalize_call_skipping_to(&mut self, done: CodeLabel) -> R {
        self.a.cmp(dword_ptr(rbp + CTX_RAW_KIND), 0)?;
        self.a.je(done)?;
        self.a.call(self.stubs.normalize_flags)
    }

    /// Packs pending raw flags inside an instruction's template. In a
    /// conditional instruction the skip path does not pack, so the raw
    /// flags stay the truth to pack later (packing twice is harmless; such
    /// an instruction neither reads nor writes flags, or `raw_before`
    /// would have packed already).
    fn flush_raw(&mut self) -> R {
        self.emit_pack_raw_with(self.raw, edx)?;
        if self.raw_dynamic {
            self.emit_normalize_call()?;
        }
        if self.cur_cond == Cond::Al {
            self.raw = None;
            self.raw_dynamic = false;
        }
        Ok(())
    }

    /// Before instruction `k`: packs pending raw flags if it reads NZCV
    /// (its condition, unless computed ahead into `r9b`; its operation)
    /// or writes only part of it; forgets them if it overwrites all four.
    fn raw_before(&mut self, k: usize, insn: &Insn) -> R {
        if self.raw_dynamic {
            // Flags the previous block left raw: packed if this
            // instruction reads them or writes some while the others are
            // still live; forgotten if it overwrites all that matter.
            let reads = insn.cond != Cond::Al || flags::op_reads_computed(&insn.op) != 0;
            let writes = flags::op_writes(&insn.op);
            let others_live = flags::NZCV & !writes & self.live_out[k];
            if reads || (writes != 0 && others_live != 0) {
                return self.normalize_dynamic();
            }
            if writes != 0 {
                self.a.mov(dword_ptr(rbp + CTX_RAW_KIND), 0)?;
                self.raw_dynamic = false;
            }
            return Ok(());
        }
        if self.raw.is_none() {
            return Ok(());
        }
        let kind = self.raw.expect("raw flags");
        let cond_reads =
            insn.cond != Cond::Al && self.pending.map(|p| (p.0, p.1)) != Some((k, insn.cond));
        let reads = flags::op_reads_computed(&insn.op);
        let writes = flags::op_writes(&insn.op);
        // A condition readable off the raw flags leaves them raw
        // (`cond_skip` reads them), and so does a conditional compare or
        // add/subtract of the same kind whose flags stay raw (see
        // `raw_readable_after`): either way the flags are raw flags of
        // one kind in `JitCtx::raw_flags`, whichever path ran.
        let cond_raw = insn.cond == Cond::Al || cond_readable(kind, insn.cond);
        let write_raw = writes == 0
            || (insn.cond == Cond::Al
                || (arith_kind(&insn.op) == Some(kind) && self.raw_readable_after(k, kind)));
        if (cond_reads && !cond_raw) || reads != 0 || !write_raw {
            return self.flush_raw_at_start();
        }
        if insn.cond != Cond::Al && writes != 0 {
            // The conditional writer keeps them raw (`alu`).
            return Ok(());
        }
        let others_live = flags::NZCV & !writes & self.live_out[k];
        if writes != 0 && others_live == 0 {
            // All that matter are overwritten before anything sees the old
            // ones (the others are dead: overwritten later, unobserved).
            self.raw = None;
        } else if writes == flags::N | flags::Z | flags::C
            && matches!(kind, FlagKind::Add | FlagKind::Sub)
            && matches!(insn.op, Op::Alu { op, rd, .. } if op.is_logical() && rd != PC)
        {
            // Only V is kept, and the raw word has it (see `merge_v`).
            self.merge_v = true;
        } else if writes != 0 {
            // A partial write keeps the others: they must be exact.
            self.flush_raw_at_start()?;
        }
        Ok(())
    }

    /// UADD8 / USUB8 (`sub`): four byte lanes in SSE registers; GE bit i
    /// is lane i's carry out (no borrow for USUB8), from a saturating
    /// twin of the operation. (glibc's strlen and memchr test four bytes
    /// at a time with UADD8 and SEL.)
    fn uadd_usub8(&mut self, insn: &Insn, sub: bool, rd: Reg, rn: Reg, rm: Reg) -> R {
        self.get(ecx, rn, insn)?;
        self.get(edx, rm, insn)?;
        self.a.movd(xmm0, ecx)?;
        self.a.movd(xmm1, edx)?;
        if sub {
            // m -sat n is 0 exactly where n >= m (no borrow).
            self.a.movdqa(xmm2, xmm1)?;
            self.a.psubusb(xmm2, xmm0)?;
            self.a.psubb(xmm0, xmm1)?;
            self.a.pxor(xmm1, xmm1)?;
            self.a.pcmpeqb(xmm2, xmm1)?;
            self.a.pmovmskb(eax, xmm2)?;
        } else {
            // n +sat m equals n + m exactly where there is no carry.
            self.a.movdqa(xmm2, xmm0)?;
            self.a.paddusb(xmm2, xmm1)?;
            self.a.paddb(xmm0, xmm1)?;
            self.a.pcmpeqb(xmm2, xmm0)?;
            self.a.pmovmskb(eax, xmm2)?;
            self.a.not(eax)?;
        }
        self.a.and(eax, 15)?;
        self.a.mov(byte_ptr(rbx + GE), al)?;
        self.a.movd(ecx, xmm0)?;
        self.set(rd, ecx)
    }

    /// SEL: GE's four bits spread into a byte mask by two multiplies
    /// (bit i to bit 8i, then 0x01 to 0xff), rd = rn where set, rm
    /// where clear.
    fn sel(&mut self, insn: &Insn, rd: Reg, rn: Reg, rm: Reg) -> R {
        self.a.movzx(eax, byte_ptr(rbx + GE))?;
        self.a.imul_3(eax, eax, 0x0020_4081)?;
        self.a.and(eax, 0x0101_0101)?;
        self.a.imul_3(eax, eax, 0xff)?;
        self.get(ecx, rn, insn)?;
        self.get(edx, rm, insn)?;
        self.a.xor(ecx, edx)?;
        self.a.and(ecx, eax)?;
        self.a.xor(ecx, edx)?;
        self.set(rd, ecx)
    }

    fn div(&mut self, insn: &Insn, signed: bool, rd: Reg, rn: Reg, rm: Reg) -> R {
        let mut zero = self.a.create_label();
        let mut done = self.a.create_label();
        self.get(eax, rn, insn)?;
        self.get(ecx, rm, insn)?;
        self.a.test(ecx, ecx)?;
        self.a.je(zero)?;
        if signed {
            // INT_MIN / -1 traps on x86; x / -1 is -x (wrapping) anyway.
            let mut normal = self.a.create_label();
            self.a.cmp(ecx, -1)?;
            self.a.jne(normal)?;
            self.a.neg(eax)?;
            self.a.jmp(done)?;
            self.bind(&mut normal)?;
            self.a.cdq()?;
            self.a.idiv(ecx)?;
        } else {
            self.a.xor(edx, edx)?;
            self.a.div(ecx)?;
        }
        self.a.jmp(done)?;
        self.bind(&mut zero)?;
        self.a.xor(eax, eax)?;
        self.bind(&mut done)?;
        self.set(rd, eax)
    }

    /// Computes a single load/store's address into `ecx` (and a register
    /// offset into `edx`).
    fn address(&mut self, insn: &Insn, a: &Addr) -> R {
        if let (PC, false, Offset::Imm(i)) = (a.rn, a.wback, a.offset) {
            // A literal: the address is a constant.
            let pc = insn.pc_read(self.thumb);
            let addr = match (a.index, a.add) {
                (false, _) => pc,
                (true, true) => pc.wrapping_add(i),
                (true, false) => pc.wrapping_sub(i),
            };
            return self.a.mov(ecx, addr);
        }
        if let Offset::Reg {
            rm,
            shift: Shift::Lsl,
            amount: amount @ 0..=3,
        } = a.offset
        {
            if a.add && a.index && a.rn == PC && rm != PC {
                // A table at PC (TBB, TBH): the constant base and
                // (rm << amount) in one 32-bit lea.
                let index = match self.cache[rm as usize] {
                    Some(h) => full64(h),
                    None => {
                        self.get(edx, rm, insn)?;
                        rdx
                    }
                };
                let base = insn.pc_read(self.thumb) as i32;
                return self.a.lea(ecx, ptr(index * (1 << amount) + base));
            }
            if a.add && a.index && a.rn != PC && rm != PC {
                // rn + (rm << amount) in one 32-bit lea (it wraps as the
                // guest's address arithmetic does).
                let base = match self.cache[a.rn as usize] {
                    Some(h) => full64(h),
                    None => {
                        self.get(ecx, a.rn, insn)?;
                        rcx
                    }
                };
                let index = match self.cache[rm as usize] {
                    Some(h) => full64(h),
                    None => {
                        self.get(edx, rm, insn)?;
                        rdx
                    }
                };
                return self.a.lea(ecx, ptr(base + index * (1 << amount)));
            }
        }
        self.get(ecx, a.rn, insn)?;
        match a.offset {
            Offset::Imm(i) => {
                if a.index && i != 0 {
                    if a.add {
                        self.a.add(ecx, i)?;
                    } else {
                        self.a.sub(ecx, i)?;
                    }
                }
            }
            Offset::Reg { rm, shift, amount } => {
                self.get(edx, rm, insn)?;
                self.shift_imm(shift, amount as u32, false)?;
                if a.index {
                    if a.add {
                        self.a.add(ecx, edx)?;
                    } else {
                        self.a.sub(ecx, edx)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// For an immediate-offset access with host faults and guard bands
    /// (`DirectMap::host_faults`): the 64-bit host register holding the
    /// base and the displacement to fold into the access, `[guest base +
    /// reg + disp]`, without computing the address first. A sum that
    /// would wrap in 32 bits lands in a guard band and faults; the slow path then
    /// does the access with the wrapped address. With writeback (pre- or
    /// post-indexed), [`Self::folded_writeback`] updates the base after
    /// the access.
    fn folded_address(
        &mut self,
        insn: &Insn,
        a: &Addr,
    ) -> Result<Option<(AsmRegister64, i32)>, IcedError> {
        let Offset::Imm(i) = a.offset else {
            return Ok(None);
        };
        let host_faults = self.direct.is_some_and(|d| d.host_faults);
        if !host_faults || self.tlb || (a.wback && a.rn == PC) {
            return Ok(None);
        }
        if a.index && i as usize >= RESERVATION_GUARD {
            return Ok(None);
        }
        let disp = match (a.index, a.add) {
            (false, _) => 0,
            (true, true) => i as i32,
            (true, false) => -(i as i32),
        };
        if a.rn == PC {
            // A literal: the address is known.
            self.address(insn, a)?;
            return Ok(Some((rcx, 0)));
        }
        match self.cache[a.rn as usize] {
            Some(h) => Ok(Some((full64(h), disp))),
            None => {
                self.get(ecx, a.rn, insn)?;
                Ok(Some((rcx, disp)))
            }
        }
    }

    /// For a VFP access at guest register `rn` + `offset` (`None`: an
    /// absolute address): the host register holding the base and the
    /// displacement to fold into `[guest base + base + disp]`, as
    /// [`Self::folded_address`] does for core registers; `None` where
    /// the address must be computed into `ecx` first (no host faults, a
    /// software TLB, PC-relative, an absolute address).
    fn vfp_folded_base(
        &mut self,
        insn: &Insn,
        rn: Option<Reg>,
        offset: i32,
    ) -> Result<Option<(AsmRegister64, i32)>, IcedError> {
        let host_faults = self.direct.is_some_and(|d| d.host_faults);
        let Some(rn) = rn else {
            return Ok(None);
        };
        if !host_faults
            || self.tlb
            || rn == PC
            || offset.unsigned_abs() as usize >= RESERVATION_GUARD
        {
            return Ok(None);
        }
        match self.cache[rn as usize] {
            Some(h) => Ok(Some((full64(h), offset))),
            None => {
                self.get(ecx, rn, insn)?;
                Ok(Some((rcx, offset)))
            }
        }
    }

    /// The base update of a writeback access whose address
    /// [`Self::folded_address`] folded: `base` is the guest base register's
    /// host register (`rcx` if not cached).
    fn folded_writeback(&mut self, a: &Addr, base: AsmRegister64) -> R {
        let Offset::Imm(i) = a.offset else {
            return Ok(());
        };
        if !a.wback || i == 0 {
            return Ok(());
        }
        let delta = if a.add { i } else { i.wrapping_neg() };
        // (A `lea`: the host flags stay, see `flag_quiet`.)
        match self.cache[a.rn as usize] {
            Some(h) => {
                self.dirty |= 1 << a.rn;
                self.a.lea(h, ptr(full64(h) + delta as i32))
            }
            None => {
                debug_assert!(base == rcx);
                self.a.lea(ecx, ptr(rcx + delta as i32))?;
                self.a.mov(reg(a.rn), ecx)
            }
        }
    }

    /// Writes back the base after an access at `ecx` (offset in `edx`).
    fn writeback(&mut self, a: &Addr) -> R {
        if !a.wback {
            return Ok(());
        }
        if !a.index {
            match (a.offset, a.add) {
                (Offset::Imm(i), true) => self.a.add(ecx, i)?,
                (Offset::Imm(i), false) => self.a.sub(ecx, i)?,
                (Offset::Reg { .. }, true) => self.a.add(ecx, edx)?,
                (Offset::Reg { .. }, false) => self.a.sub(ecx, edx)?,
            }
        }
        self.set(a.rn, ecx)
    }

    /// Whether instruction `k` leaves the host flags alone: a no-op (a
    /// followed branch), or a load or store whose template does:
    /// unconditional, its address folded into the access (an immediate
    /// offset from a register, with writeback by a `lea`), a constant
    /// (a literal) or one `lea` (a register offset), with host faults as
    /// the only check; not a loop head (whose way in may convert the
    /// flags).
    fn flag_quiet(&self, k: usize) -> bool {
        let Some(insn) = self.block.insns.get(k) else {
            return false;
        };
        if self.head_candidates.contains(&k) {
            return false;
        }
        if insn.cond == Cond::Al && matches!(insn.op, Op::Nop) {
            // (A followed branch, an IT instruction: nothing emitted.)
            return true;
        }
        let host_faults = self.direct.is_some_and(|d| d.host_faults);
        // (The address in one `mov` or `lea`, or folded into the access:
        // see `address` and `folded_address`.)
        let plain = |rt: Reg, a: &Addr, load: bool| {
            (!load || rt != PC)
                && match a.offset {
                    Offset::Imm(_) if a.rn == PC => !a.wback,
                    Offset::Imm(i) => !a.index || (i as usize) < RESERVATION_GUARD,
                    Offset::Reg {
                        rm,
                        shift: Shift::Lsl,
                        amount: 0..=3,
                    } => !a.wback && a.add && a.index && a.rn != PC && rm != PC,
                    Offset::Reg { .. } => false,
                }
        };
        insn.cond == Cond::Al
            && host_faults
            && !self.tlb
            && !self.align_check
            && match insn.op {
                Op::Load { rt, ref addr, .. } => plain(rt, addr, true),
                Op::Store { rt, ref addr, .. } => plain(rt, addr, false),
                _ => false,
            }
    }

    /// Whether instruction `k` is a conditional branch tested on the host
    /// flags of the one before (see `after_next_cond`): not taken, it
    /// leaves them alone, so raw flags still only in the host flags stay
    /// so (`cmp; bne out; cmp` saves nothing on the way on); taken, it
    /// saves them first. Only where the way on overwrites them unseen.
    fn quiet_branch(&self, k: usize) -> bool {
        let Some(insn) = self.block.insns.get(k) else {
            return false;
        };
        if self.head_candidates.contains(&k)
            || insn.cond == Cond::Al
            || !matches!(insn.op, Op::Branch { .. })
            || !matches!(self.pending, Some((j, c, CondAt::HostFlags(_))) if j == k && c == insn.cond)
        {
            return false;
        }
        // Only if the way on overwrites them unseen (else they would be
        // saved on both paths).
        let mut j = k + 1;
        while self.flag_quiet(j) {
            j += 1;
        }
        self.block
            .insns
            .get(j)
            .is_some_and(|i| overwrites_flags_first(i) && !self.head_candidates.contains(&j))
    }

    /// Whether memory accesses can be compiled inline (a flat mapping or a
    /// software TLB); otherwise they run through the interpreter.
    fn fast_mem(&self) -> bool {
        self.direct.is_some() || self.tlb
    }

    /// Where the host address of a guest address comes from (after
    /// [`Self::check`] with a software TLB): see [`GuestBase`].
    fn base(&self) -> GuestBase {
        if self.tlb {
            GuestBase::Reg(r9)
        } else {
            match self.direct.map(|d| d.base as usize) {
                Some(b) if b <= MAX_DISPLACEMENT_BASE => GuestBase::Disp(b as i32),
                _ => GuestBase::Reg(r12),
            }
        }
    }

    /// Jumps to `slow` unless `size` bytes at `ecx` lie in one page the
    /// guest may read (`write` false) or write. Uses only `eax` (and `r9`
    /// with a software TLB, which it leaves holding the page's addend).
    fn check(&mut self, size: u32, write: bool, slow: CodeLabel) -> R {
        if self.tlb {
            return self.check_tlb(size, write, slow);
        }
        let d = self.direct.expect("direct map");
        if d.host_faults {
            // The host faults where the guest may not access: the access
            // itself is the check (see `access`).
            return Ok(());
        }
        let bit = if write { d.write_bit } else { d.read_bit };
        self.a.mov(eax, ecx)?;
        self.a.shr(eax, 12)?;
        self.a.test(byte_ptr(r13 + rax), bit as u32)?;
        self.a.je(slow)?;
        if size > 1 {
            self.a.mov(eax, ecx)?;
            self.a.and(eax, 0xfff)?;
            self.a.cmp(eax, 0x1000 - size)?;
            self.a.ja(slow)?;
        }
        Ok(())
    }

    /// The software TLB lookup (see `mem::tlb`): the page of the access's
    /// last byte must equal the tag of its first byte's entry, which also
    /// rejects accesses crossing a page. With SCTLR.A, a misaligned access
    /// takes the slow path, which raises the alignment fault.
    fn check_tlb(&mut self, size: u32, write: bool, slow: CodeLabel) -> R {
        if self.align_check && size > 1 {
            self.a.test(ecx, size.min(4) - 1)?;
            self.a.jne(slow)?;
        }
        self.a.mov(eax, ecx)?;
        self.a.shr(eax, 12)?;
        self.a.and(eax, (TLB_SIZE - 1) as u32)?;
        self.a.shl(eax, 5)?;
        if size > 1 {
            self.a.lea(r9d, ptr(rcx + (size - 1)))?;
        } else {
            self.a.mov(r9d, ecx)?;
        }
        self.a.and(r9d, 0xffff_f000u32)?;
        let tag = self.tlb_set + if write { OFFSET_WRITE } else { OFFSET_READ };
        self.a.cmp(r9d, dword_ptr(r13 + rax + tag))?;
        self.a.jne(slow)?;
        self.a
            .mov(r9, qword_ptr(r13 + rax + (self.tlb_set + OFFSET_ADDEND)))
    }

    /// Emits one guest memory access instruction. With host faults, its
    /// address is recorded so that a host fault there resumes at the
    /// instruction's slow path (nothing of the instruction is committed
    /// before its last access that can fault).
    fn access(&mut self, slow: CodeLabel, emit: impl FnOnce(&mut CodeAssembler) -> R) -> R {
        if self.direct.is_some_and(|d| d.host_faults) {
            let site = self.a.instructions().len();
            self.sites.push((site, slow));
        }
        emit(&mut self.a)
    }

    /// With host faults, touches the first and last word of a `size`-byte
    /// block at `ecx` so that a multiple load faults before it writes any
    /// register.
    fn probe(&mut self, size: u32, slow: CodeLabel) -> R {
        if self.direct.is_some_and(|d| d.host_faults) {
            let b = self.base();
            self.access(slow, |a| a.mov(eax, dword_ptr(b.at(rcx, 0))))?;
            if size > 4 {
                let last = size as i32 - 4;
                self.access(slow, |a| a.mov(eax, dword_ptr(b.at(rcx, last))))?;
            }
        }
        Ok(())
    }

    fn load(&mut self, insn: &Insn, end: CodeLabel, size: MemSize, rt: Reg, addr: &Addr) -> R {
        let b = self.base();
        if !self.fast_mem() || (addr.wback && (addr.rn == PC || addr.rn == rt)) {
            return self.generic(insn);
        }
        let slow = self.slow_path(insn, end);
        // A cached destination is loaded into directly (a faulting load
        // writes nothing).
        let dst = match self.cache[rt as usize] {
            Some(h) if rt != PC => h,
            _ => eax,
        };
        if let Some((r, disp)) = self.folded_address(insn, addr)? {
            self.access(slow, |a| match size {
                MemSize::U8 => a.movzx(dst, byte_ptr(b.at(r, disp))),
                MemSize::S8 => a.movsx(dst, byte_ptr(b.at(r, disp))),
                MemSize::U16 => a.movzx(dst, word_ptr(b.at(r, disp))),
                MemSize::S16 => a.movsx(dst, word_ptr(b.at(r, disp))),
                MemSize::U32 => a.mov(dst, dword_ptr(b.at(r, disp))),
            })?;
            self.folded_writeback(addr, r)?;
            return self.loaded(rt, dst);
        }
        self.address(insn, addr)?;
        let bytes = match size {
            MemSize::U8 | MemSize::S8 => 1,
            MemSize::U16 | MemSize::S16 => 2,
            MemSize::U32 => 4,
        };
        self.check(bytes, false, slow)?;
        self.access(slow, |a| match size {
            MemSize::U8 => a.movzx(dst, byte_ptr(b.at(rcx, 0))),
            MemSize::S8 => a.movsx(dst, byte_ptr(b.at(rcx, 0))),
            MemSize::U16 => a.movzx(dst, word_ptr(b.at(rcx, 0))),
            MemSize::S16 => a.movsx(dst, word_ptr(b.at(rcx, 0))),
            MemSize::U32 => a.mov(dst, dword_ptr(b.at(rcx, 0))),
        })?;
        self.writeback(addr)?;
        self.loaded(rt, dst)
    }

    /// Finishes a load of guest register `rt` into `dst` (its own host
    /// register, or `eax`).
    fn loaded(&mut self, rt: Reg, dst: AsmRegister32) -> R {
        if rt == PC {
            return self.bx_exit();
        }
        if dst == eax {
            self.set(rt, eax)
        } else {
            self.dirty |= 1 << rt;
            Ok(())
        }
    }

    /// TBB/TBH (a switch's dispatch): loads the table entry, then leaves
    /// through the indirect-branch lookup for PC + 2 * entry (in Thumb).
    fn table_branch(&mut self, insn: &Insn, end: CodeLabel, rn: Reg, rm: Reg, half: bool) -> R {
        if !self.fast_mem() {
            return self.generic(insn);
        }
        let slow = self.slow_path(insn, end);
        let a = Addr {
            rn,
            offset: Offset::Reg {
                rm,
                shift: Shift::Lsl,
                amount: half as u8,
            },
            add: true,
            index: true,
            wback: false,
        };
        self.address(insn, &a)?;
        self.check(if half { 2 } else { 1 }, false, slow)?;
        let b = self.base();
        self.access(slow, |a| {
            if half {
                a.movzx(eax, word_ptr(b.at(rcx, 0)))
            } else {
                a.movzx(eax, byte_ptr(b.at(rcx, 0)))
            }
        })?;
        // PC reads as this instruction + 4; the target stays in Thumb.
        // 32-bit lea wraps as the guest's arithmetic does.
        let base = insn.pc_read(self.thumb);
        self.a.lea(eax, ptr(rax * 2 + base as i32))?;
        self.thumb_indirect_exit()
    }

    fn store(&mut self, insn: &Insn, end: CodeLabel, size: MemSize, rt: Reg, addr: &Addr) -> R {
        let b = self.base();
        if !self.fast_mem() || (addr.wback && addr.rn == PC) {
            return self.generic(insn);
        }
        let slow = self.slow_path(insn, end);
        let bytes = match size {
            MemSize::U8 | MemSize::S8 => 1,
            MemSize::U16 | MemSize::S16 => 2,
            MemSize::U32 => 4,
        };
        if let Some((r, disp)) = self.folded_address(insn, addr)? {
            let src = self.store_source(rt, insn)?;
            self.access(slow, |a| match bytes {
                1 => a.mov(byte_ptr(b.at(r, disp)), src.2),
                2 => a.mov(word_ptr(b.at(r, disp)), src.1),
                _ => a.mov(dword_ptr(b.at(r, disp)), src.0),
            })?;
            return self.folded_writeback(addr, r);
        }
        self.address(insn, addr)?;
        self.check(bytes, true, slow)?;
        let src = self.store_source(rt, insn)?;
        self.access(slow, |a| match bytes {
            1 => a.mov(byte_ptr(b.at(rcx, 0)), src.2),
            2 => a.mov(word_ptr(b.at(rcx, 0)), src.1),
            _ => a.mov(dword_ptr(b.at(rcx, 0)), src.0),
        })?;
        self.writeback(addr)
    }

    /// The host register (32-, 16- and 8-bit views) holding the value a
    /// store of guest register `rt` writes: its cached register, or `r8`
    /// loaded with it.
    fn store_source(
        &mut self,
        rt: Reg,
        insn: &Insn,
    ) -> Result<(AsmRegister32, AsmRegister16, AsmRegister8), IcedError> {
        if rt != PC {
            if let Some(h) = self.cache[rt as usize] {
                return Ok(narrow(h));
            }
        }
        self.get(r8d, rt, insn)?;
        Ok((r8d, r8w, r8b))
    }

    fn dual(&mut self, insn: &Insn, end: CodeLabel, load: bool, rt: Reg, rt2: Reg, a: &Addr) -> R {
        let b = self.base();
        let bad = [rt, rt2, a.rn].contains(&PC) || (a.wback && (a.rn == rt || a.rn == rt2));
        if !self.fast_mem() || bad {
            return self.generic(insn);
        }
        let slow = self.slow_path(insn, end);
        self.address(insn, a)?;
        if self.mmu {
            // Word alignment is required (the interpreter raises the fault).
            self.a.test(ecx, 3)?;
            self.a.jne(slow)?;
        }
        self.check(8, !load, slow)?;
        if load {
            self.access(slow, |a| a.mov(eax, dword_ptr(b.at(rcx, 0))))?;
            self.access(slow, |a| a.mov(r8d, dword_ptr(b.at(rcx, 4))))?;
            self.writeback(a)?;
            self.set(rt, eax)?;
            self.set(rt2, r8d)
        } else {
            self.get(eax, rt, insn)?;
            self.get(r8d, rt2, insn)?;
            self.access(slow, |a| a.mov(dword_ptr(b.at(rcx, 0)), eax))?;
            self.access(slow, |a| a.mov(dword_ptr(b.at(rcx, 4)), r8d))?;
            self.writeback(a)
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn multiple(
        &mut self,
        insn: &Insn,
        end: CodeLabel,
        load: bool,
        rn: Reg,
        regs: u16,
        mode: BlockMode,
        wback: bool,
    ) -> R {
        let b = self.base();
        let count = regs.count_ones();
        if !self.fast_mem() || count == 0 || rn == PC {
            return self.generic(insn);
        }
        let size = 4 * count;
        let slow = self.slow_path(insn, end);
        self.get(ecx, rn, insn)?;
        let first: i32 = match mode {
            BlockMode::Ia => 0,
            BlockMode::Ib => 4,
            BlockMode::Da => 4 - size as i32,
            BlockMode::Db => -(size as i32),
        };
        if first != 0 {
            self.a.add(ecx, first)?;
        }
        if self.mmu {
            // Word alignment is required (the interpreter raises the fault).
            self.a.test(ecx, 3)?;
            self.a.jne(slow)?;
        }
        self.check(size, !load, slow)?;
        let delta: i32 = match mode {
            BlockMode::Ia | BlockMode::Ib => size as i32,
            _ => -(size as i32),
        };
        if load {
            self.probe(size, slow)?;
            // Base first: a loaded base register wins, as in the
            // interpreter.
            if wback {
                self.get(edx, rn, insn)?;
                self.a.add(edx, delta)?;
                self.set(rn, edx)?;
            }
            let mut slot = 0;
            for i in 0..16u8 {
                if regs & (1 << i) != 0 {
                    self.a.mov(eax, dword_ptr(b.at(rcx, 4 * slot)))?;
                    slot += 1;
                    if i == PC {
                        return self.bx_exit();
                    }
                    self.set(i, eax)?;
                }
            }
            Ok(())
        } else {
            let mut slot = 0;
            for i in 0..16u8 {
                if regs & (1 << i) != 0 {
                    self.get(eax, i, insn)?;
                    let off = 4 * slot;
                    self.access(slow, |a| a.mov(dword_ptr(b.at(rcx, off)), eax))?;
                    slot += 1;
                }
            }
            if wback {
                self.get(edx, rn, insn)?;
                self.a.add(edx, delta)?;
                self.set(rn, edx)?;
            }
            Ok(())
        }
    }
}
