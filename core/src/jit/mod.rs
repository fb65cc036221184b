//! The JIT backend: IR blocks compiled to x86-64 machine code.
//!
//! The engine interprets a block first and compiles it once it has run
//! [`HOT_THRESHOLD`] times (or at once if it loops to itself), so cold code
//! never pays for compilation. Compiled code works on the same
//! [`CpuState`] as the interpreter: guest registers and flags stay in
//! memory (`rbx` points at the state), every instruction commits its
//! results before the next one starts, and so the state is exact wherever
//! compiled code stops: at a fault, an exit or an interrupt.
//!
//! Control leaves compiled code with a status in `eax`:
//! - [`STATUS_LOOKUP`]: `cpu.r[15]`, `thumb` and `itstate` name the next
//!   block. If the exit was a direct branch, `JitCtx::patch_site` holds the
//!   address of its `jmp rel32`, which the engine points at the target once
//!   the target is compiled (block chaining).
//! - [`STATUS_EXIT`]: `JitCtx::exit` holds the [`Exit`].
//! - [`STATUS_INTERRUPTED`]: the interrupt flag was seen at a block entry.
//! - [`STATUS_INTERPRET`]: the block at `cpu.r[15]` (state exact, nothing
//!   of it run) is to run once in the interpreter: its code was compiled
//!   for other FPSCR modes than those set (see [`FpModes`]).
//!
//! Indirect branches (BX, POP {pc}, LDR pc) look the target up in a
//! direct-mapped table from compiled code and jump straight to it when it is
//! compiled. Instructions without a native template, and memory accesses
//! whose inline check fails, run through the interpreter's reference
//! semantics in one helper call ([`helpers::generic`]).
//!
//! Host registers in compiled code: `rbx` = `&mut CpuState`, `rbp` =
//! `&mut JitCtx`, `r12` = host address of guest 0 and `r13` = the page-flag
//! table (for inline memory access), `r14` = the interrupt flag. See
//! `docs/jit.md`.

mod arena;
mod encode;
mod helpers;
pub mod persist;
mod x86_64;

pub use x86_64::MAX_DISPLACEMENT_BASE;

use std::cell::Cell;
use std::ffi::c_void;
use std::sync::atomic::AtomicBool;

use crate::arm::cpu::CpuState;
use crate::exit::Exit;
use crate::ir::Block;
use crate::mem::GuestMemory;
use arena::CodeArena;

/// Whether the host has SSSE3 (`pshufb`), which some templates use: one
/// CPUID, read once. (std's feature detection runs a dozen CPUIDs, each a
/// trip to the hypervisor in a VM: a noticeable part of a short run.)
pub fn host_has_ssse3() -> bool {
    use std::sync::atomic::{AtomicU8, Ordering};
    static KNOWN: AtomicU8 = AtomicU8::new(0);
    match KNOWN.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            // (CPUID leaf 1 exists on every x86-64 processor.)
            let ecx = std::arch::x86_64::__cpuid(1).ecx;
            let has = ecx & (1 << 9) != 0;
            KNOWN.store(1 + has as u8, Ordering::Relaxed);
            has
        }
    }
}

/// Executions after which a block is compiled.
pub const HOT_THRESHOLD: u32 = 128;

/// Look up the next block from the CPU state.
pub const STATUS_LOOKUP: u32 = 1;
/// `JitCtx::exit` holds why the engine stops.
pub const STATUS_EXIT: u32 = 2;
/// The interrupt flag was raised.
pub const STATUS_INTERRUPTED: u32 = 3;
/// Run the block at `cpu.r[15]` once in the interpreter.
pub const STATUS_INTERPRET: u32 = 4;

/// FPSCR.RMode and FZ: the modes native VFP code depends on. (Default
/// NaN needs nothing: a NaN result always takes the interpreter's path.)
const FPSCR_NATIVE_MODES: u32 = 0x01c0_0000;
/// FPSCR.FZ, flush-to-zero.
const FPSCR_FZ: u32 = 1 << 24;
/// FPSCR.IXC, the cumulative Inexact flag.
const FPSCR_IXC: u32 = 1 << 4;

/// The FPSCR modes a block's native VFP code (SSE arithmetic where ARM
/// and x86 agree) is compiled for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FpModes {
    /// Round to nearest without flush-to-zero, tested once at the block's
    /// entry.
    Default,
    /// Round to nearest with flush-to-zero (set by programs built with
    /// `-ffast-math`), tested once at the entry: denormal operands, and
    /// results that may have been flushed, take the interpreter's path.
    /// With `inexact`, FPSCR.IXC is set (tested at the entry too): the
    /// Inexact flag an SSE attempt raises before it gives up on a result
    /// ARM flushes changes nothing then, and MXCSR need not be saved
    /// before each operation (a store that waits for the operations before
    /// it).
    FlushToZero { inexact: bool },
    /// Tested by each VFP instruction, native in the default modes only:
    /// for a block met with other modes than it was compiled for, and for
    /// other rounding modes.
    PerInsn,
}

impl FpModes {
    /// The modes to compile a block for that is entered with `fpscr`.
    pub fn for_fpscr(fpscr: u32) -> FpModes {
        match fpscr & FPSCR_NATIVE_MODES {
            0 => FpModes::Default,
            FPSCR_FZ => FpModes::FlushToZero {
                inexact: fpscr & FPSCR_IXC != 0,
            },
            _ => FpModes::PerInsn,
        }
    }

    /// Whether this is [`FpModes::FlushToZero`].
    pub fn flush_to_zero(self) -> bool {
        matches!(self, FpModes::FlushToZero { .. })
    }
}

/// Entries in the indirect-branch table.
const TABLE_SLOTS: usize = 4096;

/// Bytes of executable memory per JIT (reserved, committed as used).
const ARENA_SIZE: usize = 64 << 20;

/// What compiled code and its helpers share while it runs. `repr(C)`: the
/// generated code reads the pointer fields at fixed offsets.
#[repr(C)]
pub struct JitCtx {
    cpu: *mut CpuState,
    mem: *mut c_void,
    mem_base: *mut u8,
    page_flags: *const u8,
    interrupt: *const AtomicBool,
    table: *const TableEntry,
    /// Address of the `jmp rel32` the last direct-branch exit left through,
    /// or 0.
    patch_site: u64,
    /// Set by helpers before they return the exit status.
    exit: Option<Exit>,
    /// Scratch for reading MXCSR.
    mxcsr: u32,
    /// MXCSR with no exception flags (round to nearest, all masked).
    mxcsr_clean: u32,
    /// Host flags of the last flag-setting instruction whose packing into
    /// NZCV is deferred (see the code generator).
    raw_flags: u32,
    /// A later instruction's condition, computed (`setcc`) from the host
    /// flags of the instruction that set them (see the code generator).
    cond_byte: u32,
    /// Non-zero while NZCV in `CpuState` is stale across blocks: the flags
    /// are `raw_flags` of this kind (1 an add's, 2 a subtract's, 3 a
    /// logical op's), packed by whoever needs them (see the code
    /// generator's `raw_dynamic`) and always before returning to the
    /// engine.
    raw_kind: u32,
}

/// One slot of the indirect-branch table: `tag` is `pc | key << 32` (key as
/// in the engine: Thumb bit, ITSTATE, system key bits), `code` the
/// compiled entry, `phys` the physical page the block was translated
/// from (system mode checks the TLB still maps pc there before jumping).
#[derive(Clone, Copy)]
#[repr(C)]
struct TableEntry {
    tag: u64,
    code: u64,
    phys: u64,
    _pad: u64,
}

const EMPTY: TableEntry = TableEntry {
    tag: u64::MAX,
    code: 0,
    phys: 0,
    _pad: 0,
};

/// The slot of (pc, key) in the indirect-branch table; the generated lookup
/// computes the same function.
fn table_slot(pc: u32, key: u32) -> usize {
    lookup_hash(pc, key) as usize & (TABLE_SLOTS - 1)
}

/// The hash of (pc, state key) the lookup tables index with (the engine's
/// front table too). High pc bits are mixed in so that code at the same
/// offset in different 8 KiB windows (kernel and user code, shared
/// libraries) does not collide, and all of the key's bits count.
/// Compiled code computes the same with shifts and xors.
#[inline(always)]
pub fn lookup_hash(pc: u32, key: u32) -> u32 {
    (pc >> 1) ^ (pc >> 13) ^ (key << 7) ^ (key >> 5)
}

/// Addresses of the code shared by all blocks.
#[derive(Clone, Copy, Debug)]
struct Stubs {
    /// `extern "sysv64" fn(ctx, code) -> status`: saves host registers,
    /// loads the fixed ones and jumps to `code`.
    enter: u64,
    /// Restores host registers and returns `eax` to the caller of `enter`.
    epilogue: u64,
    /// Looks up (`cpu.r[15]`, state key) in the indirect-branch table and
    /// jumps there, or leaves with [`STATUS_LOOKUP`].
    lookup: u64,
    /// The same for a software-TLB memory: the entry must also match the
    /// TLB's current translation of pc.
    lookup_tlb: u64,
    /// Leaves with [`STATUS_LOOKUP`] and no patch site.
    lookup_miss: u64,
    /// After a helper returned non-zero: 1 = jump (lookup), 2 = exit.
    helper_status: u64,
    /// The same, looking up through `lookup_tlb`.
    helper_status_tlb: u64,
    /// Leaves with [`STATUS_INTERRUPTED`].
    interrupted: u64,
    /// Called (`call`): packs pending raw flags of `JitCtx::raw_kind` into
    /// NZCV and clears the kind. Uses `eax`, `ecx`, `edx`.
    normalize_flags: u64,
}

impl Stubs {
    /// Every stub, in the order saved code names them by
    /// ([`persist::Target::Stub`]): append only.
    fn list(&self) -> [u64; 9] {
        [
            self.enter,
            self.epilogue,
            self.lookup,
            self.lookup_tlb,
            self.lookup_miss,
            self.helper_status,
            self.helper_status_tlb,
            self.interrupted,
            self.normalize_flags,
        ]
    }

    /// The stubs of `image` placed at `base`.
    fn at(base: u64, image: &StubImage) -> Stubs {
        let o = |i: usize| base + u64::from(image.offsets[i]);
        Stubs {
            enter: o(0),
            epilogue: o(1),
            lookup: o(2),
            lookup_tlb: o(3),
            lookup_miss: o(4),
            helper_status: o(5),
            helper_status_tlb: o(6),
            interrupted: o(7),
            normalize_flags: o(8),
        }
    }
}

/// The shared stubs as bytes, for the persistent translation cache: they
/// are position independent (every reference is internal or through the
/// fixed registers), so the bytes one process assembled run anywhere in
/// another process of the same build, which then need not start the
/// assembler (its tables cost a short run a few hundred page faults).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StubImage {
    /// The code.
    pub bytes: Vec<u8>,
    /// Offsets of the stubs in it, in `Stubs::list` order.
    pub offsets: [u32; 9],
}

/// Bytes left empty between the stubs and the first block, so that no
/// branch from a block to a stub gets the short (8-bit) form: saved code
/// must reach the stubs from wherever it is loaded.
const STUB_GAP: usize = 256;

/// A compiled-code cache for one engine (one guest thread).
pub struct Jit {
    arena: CodeArena,
    stubs: Stubs,
    stubs_end: usize,
    table: Box<[TableEntry]>,
    /// Blocks the assembler refused (left to the interpreter; a bug).
    blocks_refused: u64,
    /// Print the host code of each compiled block to stderr (`-d out_asm`).
    pub log_out_asm: bool,
    /// `/tmp/perf-PID.map`, for `perf` to name compiled blocks by guest
    /// address (`RSEMU_PERF_MAP=1`).
    perf_map: Option<std::fs::File>,
    /// (host address of an access that may fault, where to resume), in
    /// address order: blocks are placed at increasing addresses.
    fault_sites: Vec<(u64, u64)>,
}

thread_local! {
    /// The fault sites of the compiled code this thread is running (base,
    /// length), for the host fault handler.
    static RUNNING_SITES: Cell<(*const (u64, u64), usize)> =
        const { Cell::new((std::ptr::null(), 0)) };
}

/// Turns a host fault at `rip` in compiled code into a resume at the
/// faulting instruction's slow path, which repeats the access with the
/// checks (raising the guest fault). Returns the new instruction pointer,
/// or `None` if `rip` is not a guest memory access of running compiled
/// code. Async-signal-safe: it reads a thread-local and the calling
/// thread's own table, which nothing changes while compiled code runs.
pub fn fault_resume(rip: u64) -> Option<u64> {
    let (base, len) = RUNNING_SITES.with(|c| c.get());
    if base.is_null() {
        return None;
    }
    // SAFETY: set by `Jit::run` to its table for the duration of the call;
    // the table is only modified outside `run` by the same thread.
    let sites = unsafe { std::slice::from_raw_parts(base, len) };
    sites
        .binary_search_by_key(&rip, |&(site, _)| site)
        .ok()
        .map(|i| sites[i].1)
}

/// For a SIGSEGV/SIGBUS handler (SA_SIGINFO): if the fault is a guest
/// access in compiled code, points the interrupted context at its slow
/// path and returns true.
///
/// # Safety
/// `ucontext` must be the third argument of an SA_SIGINFO handler on
/// x86-64 Linux.
pub unsafe fn handle_host_fault(ucontext: *mut c_void) -> bool {
    if ucontext.is_null() {
        return false;
    }
    // SAFETY: the kernel's ucontext for this signal (caller's contract).
    let uc = unsafe { &mut *(ucontext as *mut libc::ucontext_t) };
    let rip = uc.uc_mcontext.gregs[libc::REG_RIP as usize] as u64;
    match fault_resume(rip) {
        Some(resume) => {
            uc.uc_mcontext.gregs[libc::REG_RIP as usize] = resume as i64;
            true
        }
        None => false,
    }
}

// SAFETY: the arena and table are owned by this Jit and used only by the
// thread that owns the engine; the raw pointers are not shared.
unsafe impl Send for Jit {}

type EnterFn = unsafe extern "sysv64" fn(*mut JitCtx, u64) -> u32;

/// The code arena has no room left: flush and compile again.
#[derive(Debug)]
pub struct ArenaFull;

/// The result of compiling a block.
pub struct Compiled {
    /// Entry address.
    pub entry: u64,
    /// The code in a form another process can load (when asked for and
    /// the block allows it).
    pub portable: Option<persist::PortableCode>,
}

impl Jit {
    /// A JIT with an empty cache. Fails if executable memory cannot be
    /// mapped or the stubs cannot be assembled.
    pub fn new() -> Result<Jit, String> {
        Jit::with_stubs(None).map(|(jit, _)| jit)
    }

    /// A JIT whose stubs are `image` (as [`Jit::stub_image`] gave them in
    /// a process of this build), or assembled now if `None`; also returns
    /// the image when it assembled them.
    pub fn with_stubs(image: Option<&StubImage>) -> Result<(Jit, Option<StubImage>), String> {
        let mut arena =
            CodeArena::new(ARENA_SIZE).map_err(|e| format!("mapping JIT code memory: {e}"))?;
        let usable =
            image.filter(|img| img.offsets.iter().all(|&o| (o as usize) < img.bytes.len()));
        let made = match usable {
            Some(_) => None,
            None => Some(
                x86_64::assemble_stubs(arena.next_addr()).map_err(|e| format!("JIT stubs: {e}"))?,
            ),
        };
        let placing = made.as_ref().or(usable).expect("an image");
        let base = arena
            .push(&placing.bytes)
            .ok_or("no room for the JIT stubs")?;
        let stubs = Stubs::at(base, placing);
        arena
            .push(&[0xcc; STUB_GAP])
            .ok_or("JIT code memory too small")?;
        let stubs_end = arena.mark();
        Ok((
            Jit {
                arena,
                stubs,
                stubs_end,
                table: vec![EMPTY; TABLE_SLOTS].into_boxed_slice(),
                blocks_refused: 0,
                log_out_asm: false,
                fault_sites: Vec::new(),
                perf_map: std::env::var_os("RSEMU_PERF_MAP").and_then(|_| {
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(format!("/tmp/perf-{}.map", std::process::id()))
                        .ok()
                }),
            },
            made,
        ))
    }

    /// Drops all compiled blocks. Callers forget every entry address they
    /// hold.
    pub fn flush(&mut self) {
        self.arena.reset_to(self.stubs_end);
        self.fault_sites.clear();
        self.table.iter_mut().for_each(|e| *e = EMPTY);
    }

    /// Compiles `block` (which must stay alive, unmoved, as long as the
    /// code: generic steps point at its instructions). `key` is the
    /// engine's state key of the block, `phys` the physical address it was
    /// translated from; `fp` the FPSCR modes its VFP code is for (code for
    /// [`FpModes::FlushToZero`] is never portable). Returns `None` if the
    /// block cannot be compiled; [`ArenaFull`] if there is no room (flush
    /// and retry).
    pub fn compile<M: GuestMemory>(
        &mut self,
        block: &Block,
        key: u32,
        phys: u64,
        mem: &M,
        portable: bool,
        fp: FpModes,
    ) -> Result<Option<Compiled>, ArenaFull> {
        let code = match x86_64::compile_block::<M>(
            block,
            key,
            &self.stubs,
            mem,
            self.arena.next_addr(),
            portable && !fp.flush_to_zero(),
            fp,
        ) {
            Ok(code) => code,
            Err(e) => {
                // An assembler error is a bug of the code generator: the
                // block still runs (interpreted), but say so once, and fail
                // test builds outright.
                self.blocks_refused += 1;
                if self.log_out_asm || self.blocks_refused == 1 {
                    crate::log!(
                        "rsemu: JIT could not compile the block at 0x{:08x} ({e}); it stays interpreted",
                        block.start
                    );
                }
                debug_assert!(false, "JIT assembler error at 0x{:08x}: {e}", block.start);
                return Ok(None);
            }
        };
        let Some(entry) = self.arena.push(&code.bytes) else {
            return Err(ArenaFull);
        };
        debug_assert!(self
            .fault_sites
            .last()
            .is_none_or(|l| code.sites.first().is_none_or(|f| l.0 < f.0)));
        self.fault_sites.extend_from_slice(&code.sites);
        self.remember(block.start, key, entry, phys);
        self.note_placed(block, entry, &code.bytes);
        Ok(Some(Compiled {
            entry,
            portable: code.portable,
        }))
    }

    /// Places saved code (see [`persist`]) for `block` (which must stay
    /// alive, unmoved, as long as the code), with state key `key`
    /// (physical address `phys`). `Ok(None)` if the code does not fit the
    /// block (it is then not used); [`ArenaFull`] if there is no room.
    pub fn install<M: GuestMemory>(
        &mut self,
        block: &Block,
        key: u32,
        phys: u64,
        code: &persist::PortableCode,
    ) -> Result<Option<u64>, ArenaFull> {
        let at = self.arena.next_addr();
        let helpers = [
            helpers::generic::<M> as *const () as u64,
            helpers::vfp_pure as *const () as u64,
            helpers::neon_pure as *const () as u64,
        ];
        let Ok(bytes) = persist::relocate(code, at, block, &self.stubs.list(), &helpers) else {
            return Ok(None);
        };
        let Some(entry) = self.arena.push(&bytes) else {
            return Err(ArenaFull);
        };
        debug_assert_eq!(entry, at);
        self.fault_sites.extend(
            code.sites
                .iter()
                .map(|&(s, r)| (entry + s as u64, entry + r as u64)),
        );
        self.remember(block.start, key, entry, phys);
        self.note_placed(block, entry, &bytes);
        Ok(Some(entry))
    }

    /// The perf map line and `-d out_asm` text of code placed at `entry`.
    fn note_placed(&mut self, block: &Block, entry: u64, bytes: &[u8]) {
        if let Some(f) = &mut self.perf_map {
            use std::io::Write;
            let line = format!(
                "{entry:x} {:x} guest_{:08x}_{}\n",
                bytes.len(),
                block.start,
                if block.thumb { "t" } else { "a" }
            );
            // One write per line: O_APPEND keeps threads' lines whole.
            let _ = f.write_all(line.as_bytes());
        }
        if self.log_out_asm {
            crate::log!(
                "OUT: [guest 0x{:08x} {}, {} insns, {} host bytes]\n{}",
                block.start,
                if block.thumb { "T32" } else { "A32" },
                block.insns.len(),
                bytes.len(),
                x86_64::disassemble(bytes, entry)
            );
        }
    }

    /// Enters compiled code at `entry` for (pc, key) in the indirect-branch
    /// table; `phys` is the physical address of pc the block came from.
    pub fn remember(&mut self, pc: u32, key: u32, entry: u64, phys: u64) {
        self.table[table_slot(pc, key)] = TableEntry {
            tag: pc as u64 | (key as u64) << 32,
            code: entry,
            phys: phys & !0xfff,
            _pad: 0,
        };
    }

    /// Forgets the indirect-branch table entry of (pc, key) if it names
    /// `entry` (the block is being dropped).
    pub fn forget(&mut self, pc: u32, key: u32, entry: u64) {
        let slot = &mut self.table[table_slot(pc, key)];
        if slot.code == entry {
            *slot = EMPTY;
        }
    }

    /// Points the direct-branch exit at `site` back at its lookup path
    /// (the block it was chained to is being dropped).
    pub fn unlink(&mut self, site: u64) {
        self.patch(site, site + 5);
    }

    /// Points the direct-branch exit at `site` (a `jmp rel32`) at `target`.
    pub fn patch(&mut self, site: u64, target: u64) {
        if !self.arena.contains(site, 5) {
            return;
        }
        let rel = target.wrapping_sub(site + 5) as i64;
        if i32::try_from(rel).is_ok() {
            self.arena.patch_u32(site + 1, rel as u32);
        }
    }

    /// Runs compiled code from `entry` until it leaves. Returns the status
    /// and, for [`STATUS_LOOKUP`], the patch site (0 if none).
    pub fn run<M: GuestMemory>(
        &mut self,
        cpu: &mut CpuState,
        mem: &mut M,
        interrupt: &AtomicBool,
        entry: u64,
    ) -> (u32, u64, Option<Exit>) {
        let direct = mem.direct_map();
        // With a software TLB, r13 holds the table instead of page flags.
        let page_flags = match (direct, mem.soft_tlb()) {
            (Some(d), _) => d.page_flags,
            (None, Some(tlb)) => tlb as *const u8,
            (None, None) => std::ptr::null(),
        };
        let mut ctx = JitCtx {
            cpu,
            mem: mem as *mut M as *mut c_void,
            mem_base: direct.map_or(std::ptr::null_mut(), |d| d.base),
            page_flags,
            interrupt,
            table: self.table.as_ptr(),
            patch_site: 0,
            exit: None,
            mxcsr: 0,
            mxcsr_clean: 0x1f80,
            raw_flags: 0,
            cond_byte: 0,
            raw_kind: 0,
        };
        RUNNING_SITES.with(|c| c.set((self.fault_sites.as_ptr(), self.fault_sites.len())));
        // SAFETY: `enter` is the stub assembled by `assemble_stubs` with this
        // signature; `entry` is a block compiled by this Jit for memory type
        // M (the engine compiles and runs with one memory type), still
        // present since the engine drops entries on every flush. The context
        // and everything it points to outlive the call.
        let status = unsafe {
            let enter: EnterFn = std::mem::transmute::<u64, EnterFn>(self.stubs.enter);
            enter(&mut ctx, entry)
        };
        RUNNING_SITES.with(|c| c.set((std::ptr::null(), 0)));
        (status, ctx.patch_site, ctx.exit.take())
    }
}

#[cfg(test)]
mod icount;
#[cfg(test)]
mod tests;
