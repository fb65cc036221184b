//! The execution engine: block cache and dispatch loop.
//!
//! [`Engine::run`] executes guest code until something needs the caller
//! (an [`Exit`]): a system call, a fault or an interrupt request in user
//! mode; in system mode ([`Engine::set_system`]) the engine takes
//! exceptions and interrupts itself and returns only for what the machine
//! must do (PSCI calls, WFI, timers, device events).
//!
//! Blocks are cached by (virtual pc, state key, physical pc): the state key
//! is the Thumb bit, ITSTATE and the system state that changes translation
//! ([`crate::arm::cpu::key`]); the physical pc (the same as the virtual
//! one in user mode) keeps blocks of different address spaces apart and
//! lets writes to a physical page drop exactly the blocks on it. A
//! direct-mapped table in front of the hash map, tagged by (virtual pc,
//! key), makes the common lookup a compare and a load; in system mode it is
//! cleared whenever the TLB is.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use crate::arm::exception::{self, Exception};
use crate::arm::{self, cpu::CpuState};
pub use crate::exit::Exit;
use crate::interp;
use crate::jit::{self, Jit};
use crate::mem::{GuestMemory, MemFault};

pub mod tcache;

/// Which backend runs guest code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accel {
    /// The interpreter only.
    Interp,
    /// Hot blocks compiled to x86-64 (the interpreter runs the rest).
    Jit,
}

/// The CPU's interrupt request inputs (system mode), driven by the
/// machine's interrupt controller.
#[derive(Debug, Default)]
pub struct IrqInputs {
    /// nIRQ asserted.
    pub irq: AtomicBool,
    /// nFIQ asserted.
    pub fiq: AtomicBool,
}

/// Cache key bits beyond the PC: T32 state, ITSTATE and the system state
/// that changes translation (0 in user mode).
fn state_key(cpu: &CpuState) -> u32 {
    (cpu.thumb as u32) | (cpu.itstate as u32) << 1 | cpu.sys.key_bits
}

/// Code invalidations shared by the engines of all guest threads: each
/// engine has its own block cache, and a change to guest code made through
/// one thread (munmap, mprotect, cacheflush) must reach all of them.
#[derive(Debug, Default)]
pub struct SharedInvalidations {
    epoch: AtomicU64,
    log: Mutex<Vec<(u64, u32, u32)>>,
}

/// How many invalidations the shared log keeps; an engine further behind
/// drops its whole cache.
const LOG_KEEP: usize = 1024;

impl SharedInvalidations {
    fn push(&self, start: u32, len: u32) -> u64 {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let epoch = self.epoch.fetch_add(1, Ordering::SeqCst) + 1;
        log.push((epoch, start, len));
        if log.len() > 2 * LOG_KEEP {
            log.drain(..LOG_KEEP);
        }
        epoch
    }
}

const FAST_SLOTS: usize = 32768;

/// Rounds a block that loops to its own start makes in the interpreter
/// (under the JIT) before it is compiled.
const SELF_LOOP_BUDGET: u32 = 64;
/// An entry of the engine's front table: (virtual pc, state key) -> block,
/// with the physical pc the block was translated from. All zero is an
/// empty entry, so a new table comes zeroed from the allocator (its pages
/// touched only as it fills).
#[derive(Clone, Copy, Debug)]
struct Fast {
    pc: u32,
    key: u32,
    /// The block's slab index plus one; 0: empty.
    block: u32,
    ppc: u64,
}

const NO_FAST: Fast = Fast {
    pc: 0,
    key: 0,
    block: 0,
    ppc: 0,
};

/// An empty front table.
fn empty_fast_table() -> Box<[Fast]> {
    // SAFETY: Fast is plain integers, and all zero is NO_FAST.
    unsafe { Box::<[Fast]>::new_zeroed_slice(FAST_SLOTS).assume_init() }
}

/// A cached block: its interpreter form, how often it ran, and its
/// compiled code once it is hot (0 until then).
struct Slot {
    code: interp::fast::Compiled,
    hits: u32,
    native: u64,
    /// The JIT could not compile it: stay interpreted.
    refused: bool,
    /// Its block branches to its own start (the interpreter goes round
    /// it only so often before it is compiled); follows `code`.
    self_loop: bool,
    /// Its cache key: (virtual pc, state key, physical pc).
    key: (u32, u32, u64),
    /// The physical pages its code lies on: the second differs from the
    /// first only when the last instruction straddles a page boundary.
    pages: [u64; 2],
    /// Direct-branch exits of compiled code chained to this block's entry:
    /// unlinked when the block is dropped.
    incoming: Vec<u64>,
    /// Times its compiled code was entered with other FPSCR modes than it
    /// was compiled for: the first time it is compiled again for the
    /// modes then set, after that with the modes tested per instruction
    /// (see [`jit::FpModes`]).
    fp_misses: u8,
    /// The blocks the interpreter last went on to from this one (pc,
    /// state key, id + 1, and the engine's `block_generation` then; 0 id:
    /// none), most recent first: looked at before the block table, whose
    /// entries are mostly cache misses, while this slot was just used.
    next: [(u32, u32, u32, u32); 2],
}

impl Slot {
    fn new(code: interp::fast::Compiled, key: (u32, u32, u64), pages: [u64; 2]) -> Slot {
        Slot {
            self_loop: code.block.branches_to_start(),
            code,
            hits: 0,
            native: 0,
            refused: false,
            key,
            pages,
            incoming: Vec::new(),
            fp_misses: 0,
            next: [(0, 0, 0, 0); 2],
        }
    }

    /// The FPSCR modes to compile its code for, entered with `cpu`.
    fn fp_modes(&self, cpu: &CpuState) -> jit::FpModes {
        if self.fp_misses >= 2 {
            jit::FpModes::PerInsn
        } else {
            jit::FpModes::for_fpscr(cpu.fpscr)
        }
    }

    /// Drops its compiled code: out of the indirect-branch table, the
    /// exits chained to it unlinked (the code stays in the arena,
    /// unreachable, until it is flushed).
    fn drop_native(&mut self, jit: Option<&mut Jit>) {
        if let Some(jit) = jit {
            if self.native != 0 {
                jit.forget(self.key.0, self.key.1, self.native);
            }
            for &site in &self.incoming {
                jit.unlink(site);
            }
        }
        self.incoming = Vec::new();
        self.native = 0;
    }

    /// Replaces the block's translation (with the longer one it is
    /// compiled from).
    fn set_code(&mut self, code: interp::fast::Compiled) {
        self.self_loop = code.block.branches_to_start();
        self.code = code;
    }

    /// The distinct pages of the block.
    fn page_list(&self) -> impl Iterator<Item = u64> {
        let [a, b] = self.pages;
        std::iter::once(a).chain((b != a).then_some(b))
    }
}

/// `-d int`: one line per synchronous exception the engine is about to
/// take, as QEMU logs them.
fn log_exception(cpu: &CpuState, exit: &Exit) {
    let mode = cpu.sys.mode;
    match *exit {
        Exit::Syscall { pc, imm } => {
            crate::log!("int: SVC #{imm:#x} at 0x{pc:08x} (mode {mode:#x})")
        }
        Exit::Undefined { pc, raw, thumb } => crate::log!(
            "int: undefined instruction {raw:08x} ({}) at 0x{pc:08x} (mode {mode:#x})",
            if thumb { "T32" } else { "A32" }
        ),
        Exit::Breakpoint { pc, imm } => crate::log!("int: BKPT #{imm:#x} at 0x{pc:08x}"),
        Exit::MemFault { pc, fault } => crate::log!(
            "int: {} abort at 0x{pc:08x}: {:?} of 0x{:08x}, {:?} (mode {mode:#x})",
            if fault.access == crate::mem::Access::Exec {
                "prefetch"
            } else {
                "data"
            },
            fault.access,
            fault.addr,
            fault.kind
        ),
        _ => {}
    }
}

/// Translated-code cache plus the dispatch loop.
///
/// Blocks live in a slab and are named by index, so the hot lookup is a
/// direct-mapped table probe with no reference counting.
pub struct Engine {
    slab: Vec<Slot>,
    free: Vec<u32>,
    map: FxHashMap<(u32, u32, u64), u32>,
    /// Bumped whenever blocks are dropped (their ids may be reused): a
    /// slot's remembered successors of an older generation are stale.
    block_generation: u32,
    /// Physical page -> blocks with code on it, so invalidating a range
    /// touches only the blocks there.
    by_page: BTreeMap<u64, Vec<u32>>,
    fast: Box<[Fast]>,
    /// Set from another thread or a signal handler to make `run` return
    /// [`Exit::Interrupted`] at the next block boundary.
    pub interrupt: Arc<AtomicBool>,
    /// Blocks translated so far (statistics).
    pub blocks_translated: u64,
    /// Log every block executed to stderr (`-d exec`).
    pub trace_exec: bool,
    /// Log the registers at every block entry (`-d cpu`; interprets,
    /// as `trace_exec` does).
    pub trace_cpu: bool,
    /// Log the guest instructions of each new block (`-d in_asm`), with
    /// this disassembler (the engine has none of its own).
    pub log_in_asm: Option<Disassembler>,
    /// Log the IR of each new block (`-d op`).
    pub log_op: bool,
    /// Never chain compiled blocks to each other (`-d nochain`): every
    /// block boundary goes through the engine's lookup.
    pub no_chain: bool,
    /// One guest instruction per block (`-one-insn-per-tb`).
    pub one_insn_per_block: bool,
    /// [`crate::arm::feature`] bits the CPU model lacks (`-cpu`).
    pub missing_features: u32,
    shared: Arc<SharedInvalidations>,
    seen: u64,
    /// The backend chosen.
    accel: Accel,
    /// The JIT's code cache, made when the first block is compiled (a
    /// short run that compiles nothing never assembles anything).
    jit: Option<Box<Jit>>,
    /// `-d out_asm`, for the JIT once it exists.
    log_out_asm: bool,
    /// Compiled code kept on disk between runs (shared by all threads).
    tcache: Option<Arc<tcache::TranslationCache>>,
    jit_threshold: u32,
    /// System mode: exceptions are taken here, direct branches chain only
    /// within a page.
    system: bool,
    /// The interrupt lines (system mode).
    pub irq_inputs: Arc<IrqInputs>,
    /// Log every exception taken to stderr (`-d int`, system mode).
    pub log_exceptions: bool,
    /// Debugger breakpoints (virtual addresses): execution stops before
    /// them with [`Exit::Debug`].
    breakpoints: std::collections::BTreeSet<u32>,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

/// A disassembler for `-d in_asm`: the instruction's bytes (as in memory),
/// its address and instruction set (T32 or A32), to text.
pub type Disassembler = fn(bytes: &[u8], addr: u32, thumb: bool) -> String;

fn fast_slot(pc: u32, key: u32) -> usize {
    jit::lookup_hash(pc, key) as usize & (FAST_SLOTS - 1)
}

impl Engine {
    /// An engine with an empty cache.
    pub fn new() -> Engine {
        Engine {
            slab: Vec::new(),
            free: Vec::new(),
            map: FxHashMap::default(),
            block_generation: 0,
            by_page: BTreeMap::new(),
            fast: empty_fast_table(),
            interrupt: Arc::new(AtomicBool::new(false)),
            blocks_translated: 0,
            trace_exec: false,
            trace_cpu: false,
            log_in_asm: None,
            log_op: false,
            no_chain: false,
            one_insn_per_block: false,
            missing_features: 0,
            shared: Arc::new(SharedInvalidations::default()),
            seen: 0,
            accel: Accel::Interp,
            jit: None,
            log_out_asm: false,
            tcache: None,
            jit_threshold: jit::HOT_THRESHOLD,
            system: false,
            irq_inputs: Arc::default(),
            log_exceptions: false,
            breakpoints: Default::default(),
        }
    }

    /// Runs the CPU as a whole machine's: the engine takes exceptions and
    /// interrupts itself ([`Engine::run`]).
    pub fn set_system(&mut self, on: bool) {
        self.system = on;
        self.invalidate_local_all();
    }

    /// Sets how many times a block runs interpreted before it is compiled
    /// (1: compile everything at first use, as tests of the JIT want).
    pub fn set_jit_threshold(&mut self, runs: u32) {
        self.jit_threshold = runs.max(1);
    }

    /// Chooses the backend. The JIT gets its code memory when it first
    /// compiles a block; if it cannot, the engine says so (`-d`) and
    /// goes on interpreting.
    pub fn set_accel(&mut self, accel: Accel) -> Result<(), String> {
        self.accel = accel;
        self.jit = None;
        self.invalidate_local_all();
        Ok(())
    }

    /// The backend in use.
    pub fn accel(&self) -> Accel {
        self.accel
    }

    /// Logs the host code of every block the JIT compiles (`-d out_asm`).
    pub fn set_log_out_asm(&mut self, on: bool) {
        self.log_out_asm = on;
        if let Some(jit) = &mut self.jit {
            jit.log_out_asm = on;
        }
    }

    /// Uses (and adds to) compiled code saved on disk by earlier runs.
    pub fn set_translation_cache(&mut self, cache: Option<Arc<tcache::TranslationCache>>) {
        self.tcache = cache;
    }

    /// The persistent translation cache in use, if any.
    pub fn translation_cache(&self) -> Option<&Arc<tcache::TranslationCache>> {
        self.tcache.as_ref()
    }

    /// Whether blocks may come from (and go to) the persistent cache now:
    /// not while debugging or cutting blocks to one instruction.
    fn tcache_usable(&self) -> bool {
        self.tcache.is_some()
            && self.accel == Accel::Jit
            && self.breakpoints.is_empty()
            && !self.one_insn_per_block
            && !self.trace_exec
            && !self.trace_cpu
    }

    /// The JIT, made now if this is its first use; `None` (and the
    /// interpreter from now on) if it cannot get executable memory.
    fn jit_ready(&mut self) -> Option<&mut Jit> {
        if self.jit.is_none() {
            let saved = self.tcache.as_ref().and_then(|tc| tc.stub_image());
            match Jit::with_stubs(saved.as_ref()) {
                Ok((mut jit, made)) => {
                    jit.log_out_asm = self.log_out_asm;
                    self.jit = Some(Box::new(jit));
                    if let (Some(tc), Some(image)) = (&self.tcache, made) {
                        tc.keep_stub_image(image);
                    }
                }
                Err(e) => {
                    crate::log!("rsemu: cannot start the JIT ({e}); interpreting");
                    self.accel = Accel::Interp;
                    return None;
                }
            }
        }
        self.jit.as_deref_mut()
    }

    /// An engine for another guest thread: its own block cache and
    /// interrupt flag, the same shared invalidations.
    pub fn new_thread(&self) -> Engine {
        let mut e = Engine::new();
        e.shared = self.shared.clone();
        e.seen = self.shared.epoch.load(Ordering::SeqCst);
        e.trace_exec = self.trace_exec;
        e.trace_cpu = self.trace_cpu;
        e.log_in_asm = self.log_in_asm;
        e.log_op = self.log_op;
        e.no_chain = self.no_chain;
        e.one_insn_per_block = self.one_insn_per_block;
        e.missing_features = self.missing_features;
        e.jit_threshold = self.jit_threshold;
        e.accel = self.accel;
        e.log_out_asm = self.log_out_asm;
        e.tcache = self.tcache.clone();
        e
    }

    /// Applies invalidations other threads made since this engine last
    /// looked.
    fn sync_invalidations(&mut self) {
        let log = self.shared.log.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.shared.epoch.load(Ordering::SeqCst);
        let pending: Vec<(u32, u32)> = if log.first().is_some_and(|&(e, _, _)| e <= self.seen + 1) {
            // The log is in epoch order: start at the first one not seen.
            let from = log.partition_point(|&(e, _, _)| e <= self.seen);
            log[from..].iter().map(|&(_, s, l)| (s, l)).collect()
        } else {
            drop(log);
            self.invalidate_local_all();
            self.seen = current;
            return;
        };
        drop(log);
        for (start, len) in pending {
            self.invalidate_local(start, len);
        }
        self.seen = current;
    }

    /// Drops translations of code in `[start, start + len)`, in every
    /// guest thread's engine.
    pub fn invalidate_range(&mut self, start: u32, len: u32) {
        if let Some(tc) = &self.tcache {
            tc.remove_range(start, len);
        }
        self.invalidate_local(start, len);
        self.shared.push(start, len);
        self.sync_invalidations();
    }

    fn invalidate_local(&mut self, start: u32, len: u32) {
        if len == 0 {
            return;
        }
        // User mode: physical addresses are the virtual ones.
        let (start, end) = (start as u64, start as u64 + len as u64);
        let pages = start >> 12..=(end - 1) >> 12;
        let slab = &self.slab;
        let overlaps = |id: u32| slab[id as usize].code.block.overlaps(start, end);
        let dead: Vec<u32> = self
            .by_page
            .range(pages)
            .flat_map(|(_, ids)| ids.iter().copied())
            .filter(|&id| overlaps(id))
            .collect();
        self.drop_blocks(dead);
    }

    /// Drops every block with code on the physical pages `pages` (page
    /// numbers: address >> 12), as after a write to them.
    pub fn invalidate_phys_pages(&mut self, pages: &[u64]) {
        let dead: Vec<u32> = pages
            .iter()
            .filter_map(|p| self.by_page.get(p))
            .flat_map(|ids| ids.iter().copied())
            .collect();
        self.drop_blocks(dead);
    }

    /// Removes blocks from every table that can reach them, unlinks the
    /// compiled exits chained to them and frees their slots. Their
    /// compiled code stays in the arena, unreachable, until it is flushed.
    fn drop_blocks(&mut self, mut dead: Vec<u32>) {
        if dead.is_empty() {
            return;
        }
        dead.sort_unstable();
        dead.dedup();
        self.block_generation = self.block_generation.wrapping_add(1);
        for id in dead {
            let slot = &mut self.slab[id as usize];
            let key = slot.key;
            for page in slot.page_list() {
                if let Some(ids) = self.by_page.get_mut(&page) {
                    ids.retain(|&x| x != id);
                    if ids.is_empty() {
                        self.by_page.remove(&page);
                    }
                }
            }
            self.map.remove(&key);
            let f = fast_slot(key.0, key.1);
            if self.fast[f].block == id + 1 {
                self.fast[f] = NO_FAST;
            }
            slot.drop_native(self.jit.as_deref_mut());
            slot.code.block.insns = Vec::new();
            self.free.push(id);
        }
    }

    /// Drops all compiled code (blocks fall back to the interpreter until
    /// they are hot again).
    fn flush_jit(&mut self) {
        if let Some(jit) = &mut self.jit {
            jit.flush();
            for slot in &mut self.slab {
                slot.native = 0;
                slot.hits = 0;
                slot.incoming.clear();
            }
        }
    }

    /// Drops every translation (this engine only).
    pub fn invalidate_all(&mut self) {
        self.invalidate_local_all();
    }

    fn invalidate_local_all(&mut self) {
        if let Some(jit) = &mut self.jit {
            jit.flush();
        }
        self.slab.clear();
        self.free.clear();
        self.map.clear();
        self.block_generation = self.block_generation.wrapping_add(1);
        self.by_page.clear();
        self.fast = empty_fast_table();
    }

    /// [`Self::lookup`] after the interpreter ran block `prev` (id and
    /// `block_generation` then): its slot remembers where it went on to
    /// the last two times.
    #[inline]
    fn lookup_after<M: GuestMemory>(
        &mut self,
        prev: Option<(u32, u32)>,
        cpu: &CpuState,
        mem: &mut M,
    ) -> Result<u32, MemFault> {
        let generation = self.block_generation;
        let Some((prev, _)) = prev.filter(|&(_, g)| !M::MMU && g == generation) else {
            return self.lookup(cpu, mem);
        };
        let (pc, key) = (cpu.r[15], state_key(cpu));
        let next = self.slab[prev as usize].next;
        if let Some(&(.., id1, _)) = next
            .iter()
            .find(|&&(p, k, id1, g)| id1 != 0 && p == pc && k == key && g == generation)
        {
            return Ok(id1 - 1);
        }
        let id = self.lookup(cpu, mem)?;
        if self.block_generation == generation {
            let next = &mut self.slab[prev as usize].next;
            next[1] = next[0];
            next[0] = (pc, key, id + 1, generation);
        }
        Ok(id)
    }

    /// Finds or translates the block for the CPU's current state.
    #[inline]
    fn lookup<M: GuestMemory>(&mut self, cpu: &CpuState, mem: &mut M) -> Result<u32, MemFault> {
        let pc = cpu.r[15];
        let key = state_key(cpu);
        let slot = fast_slot(pc, key);
        let f = self.fast[slot];
        // With an MMU the table is tagged by virtual address: an entry is
        // used only if the TLB still maps its pc where the block came from
        // (so TLB changes need no flush of the table).
        if f.pc == pc
            && f.key == key
            && f.block != 0
            && (!M::MMU || mem.code_phys_cached(pc) == Some(f.ppc))
        {
            return Ok(f.block - 1);
        }
        let ppc = mem.code_phys(pc)?;
        let map_key = (pc, key, ppc);
        let id = match self.map.get(&map_key) {
            Some(&id) => id,
            None => self.translate(cpu, mem, map_key)?,
        };
        self.fast[slot] = Fast {
            pc,
            key,
            block: id + 1,
            ppc,
        };
        Ok(id)
    }

    /// What a block translated now for `cpu` may contain: up to its
    /// breakpoints, with its CPU model's features, one instruction with
    /// `-one-insn-per-tb`, and past a conditional branch with `side_exits`.
    fn limits(&self, cpu: &CpuState, side_exits: bool) -> arm::Limits<'_> {
        arm::Limits {
            key_bits: cpu.sys.key_bits,
            breakpoints: (!self.breakpoints.is_empty()).then_some(&self.breakpoints),
            missing: self.missing_features,
            max_insns: if self.one_insn_per_block {
                1
            } else {
                arm::MAX_BLOCK_INSNS
            },
            side_exits,
        }
    }

    #[cold]
    fn translate<M: GuestMemory>(
        &mut self,
        cpu: &CpuState,
        mem: &mut M,
        map_key: (u32, u32, u64),
    ) -> Result<u32, MemFault> {
        let (pc, key, ppc) = map_key;
        // Compiled code an earlier run (or thread) saved for this block.
        let saved = if self.tcache_usable() && tcache_memory(mem) {
            self.tcache.as_ref().and_then(|tc| tc.lookup(pc, key))
        } else {
            None
        };
        // Cold code is interpreted in short blocks; `extend` makes the
        // longer one when the block gets compiled. A block with saved code
        // is translated as it was compiled (with side exits if it was), so
        // that it is translated once.
        let limits = self.limits(cpu, saved.as_ref().is_some_and(|s| s.extended));
        let block = arm::translate_with(mem, pc, cpu.thumb, cpu.itstate, &limits)?;
        if self.log_in_asm.is_some() || self.log_op {
            self.log_block(&block, mem);
        }
        let last = block.last_byte();
        let first_page = ppc >> 12;
        let last_page = if last >> 12 == pc >> 12 {
            first_page
        } else {
            // The last instruction straddles into the next page, which was
            // just fetched: it translates.
            mem.code_phys(last).map_or(first_page, |p| p >> 12)
        };
        let block = interp::fast::compile(block);
        self.blocks_translated += 1;
        let slot = Slot::new(block, map_key, [first_page, last_page]);
        let id = match self.free.pop() {
            Some(id) => {
                self.slab[id as usize] = slot;
                id
            }
            None => {
                self.slab.push(slot);
                (self.slab.len() - 1) as u32
            }
        };
        self.map.insert(map_key, id);
        for page in self.slab[id as usize].page_list() {
            self.by_page.entry(page).or_default().push(id);
            mem.note_code_page(page);
        }
        if let Some(saved) = saved {
            self.place_saved(id, mem, saved, None);
        }
        Ok(id)
    }

    /// Gives the new block `id` the code an earlier run compiled for it,
    /// if the persistent cache has some for exactly these instructions.
    fn load_saved<M: GuestMemory>(&mut self, id: u32, cpu: &CpuState, mem: &mut M) {
        let Some(tc) = self.tcache.clone() else {
            return;
        };
        let (pc, key, _) = self.slab[id as usize].key;
        let Some(saved) = tc.lookup(pc, key) else {
            return;
        };
        // The block as it was compiled: with side exits if it was then.
        let block = if saved.extended {
            let limits = self.limits(cpu, true);
            match arm::translate_with(mem, pc, cpu.thumb, cpu.itstate, &limits) {
                Ok(b) => Some(b),
                Err(_) => {
                    tc.stats.rejected.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
        } else {
            None
        };
        self.place_saved(id, mem, saved, block);
    }

    /// Places `saved` as block `id`'s compiled code if it was compiled
    /// from exactly the instructions of `block` (the block as translated
    /// for it, when the slot holds another translation) or of the slot's
    /// block; counts it as rejected otherwise.
    fn place_saved<M: GuestMemory>(
        &mut self,
        id: u32,
        mem: &mut M,
        saved: tcache::SavedBlock,
        block: Option<crate::ir::Block>,
    ) {
        let Some(tc) = self.tcache.clone() else {
            return;
        };
        let (_, key, ppc) = self.slab[id as usize].key;
        let reject = || {
            tc.stats.rejected.fetch_add(1, Ordering::Relaxed);
        };
        let b = block.as_ref().unwrap_or(&self.slab[id as usize].code.block);
        let same_pages = b.last_byte() >> 12 == self.slab[id as usize].code.block.last_byte() >> 12;
        if !same_pages || guest_bytes(mem, b).as_deref() != Some(&saved.guest[..]) {
            return reject();
        }
        if let Some(b) = block {
            self.slab[id as usize].set_code(interp::fast::compile(b));
        }
        for _ in 0..2 {
            if self.jit_ready().is_none() {
                return;
            }
            let jit = self.jit.as_mut().expect("jit");
            let block = &self.slab[id as usize].code.block;
            match jit.install::<M>(block, key, ppc, &saved.code) {
                Ok(Some(entry)) => {
                    self.slab[id as usize].native = entry;
                    tc.stats.used.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Ok(None) => return reject(),
                Err(jit::ArenaFull) => self.flush_jit(),
            }
        }
    }

    /// `-d in_asm` and `-d op`: a new block's guest instructions and IR.
    fn log_block<M: GuestMemory>(&self, block: &crate::ir::Block, mem: &mut M) {
        crate::log!(
            "IN: 0x{:08x} ({})",
            block.start,
            if block.thumb { "T32" } else { "A32" }
        );
        for insn in &block.insns {
            if let Some(disasm) = self.log_in_asm {
                let mut bytes = Vec::with_capacity(4);
                for k in 0..u32::from(insn.len) / 2 {
                    match mem.fetch_u16(insn.pc.wrapping_add(2 * k)) {
                        Ok(h) => bytes.extend_from_slice(&h.to_le_bytes()),
                        Err(_) => break,
                    }
                }
                let hex: String = if block.thumb {
                    bytes
                        .chunks(2)
                        .map(|h| format!("{:04x}", u16::from_le_bytes([h[0], h[1]])))
                        .collect::<Vec<_>>()
                        .join(" ")
                } else {
                    bytes.iter().rev().map(|b| format!("{b:02x}")).collect()
                };
                crate::log!(
                    "0x{:08x}:  {hex:<9}  {}",
                    insn.pc,
                    disasm(&bytes, insn.pc, block.thumb)
                );
            }
            if self.log_op {
                crate::log!("    {:?} {:?}", insn.cond, insn.op);
            }
        }
        crate::log!("");
    }

    /// Sets the debugger's breakpoints: execution stops before any of these
    /// virtual addresses with [`Exit::Debug`]. Drops every translation
    /// (blocks are cut at breakpoints when translated).
    pub fn set_breakpoints(&mut self, breakpoints: std::collections::BTreeSet<u32>) {
        if breakpoints != self.breakpoints {
            self.breakpoints = breakpoints;
            self.invalidate_local_all();
        }
    }

    /// The debugger's breakpoints.
    pub fn breakpoints(&self) -> &std::collections::BTreeSet<u32> {
        &self.breakpoints
    }

    /// Executes exactly one instruction from `cpu.r[15]` with the
    /// interpreter, whether or not a breakpoint is set there (a debugger's
    /// single step, or stepping off a breakpoint). In system mode an
    /// exception the instruction raises is taken (the CPU is then at the
    /// vector). `None` when the step completed; `Some` for what the caller
    /// must handle as from [`Engine::run`].
    pub fn step<M: GuestMemory>(&mut self, cpu: &mut CpuState, mem: &mut M) -> Option<Exit> {
        let limits = arm::Limits {
            key_bits: cpu.sys.key_bits,
            max_insns: 1,
            breakpoints: None,
            missing: self.missing_features,
            side_exits: false,
        };
        let exit = match arm::translate_with(mem, cpu.r[15], cpu.thumb, cpu.itstate, &limits) {
            Ok(block) => {
                let code = interp::fast::compile(block);
                // Raised, so that a branch to itself runs once, not in a
                // loop.
                let stop = AtomicBool::new(true);
                interp::fast::run(cpu, mem, &code, &stop)
            }
            Err(fault) => Some(Exit::MemFault {
                pc: cpu.r[15],
                fault,
            }),
        };
        let exit = exit?;
        if !self.system {
            return Some(exit);
        }
        match exit {
            Exit::Syscall { pc, .. } => exception::take(cpu, mem, Exception::Svc, pc),
            Exit::Undefined { pc, .. } => exception::take(cpu, mem, Exception::Undefined, pc),
            Exit::Breakpoint { pc, .. } => exception::take_breakpoint(cpu, mem, pc),
            Exit::MemFault { pc, fault } => exception::take_fault(cpu, mem, pc, fault),
            Exit::InterruptsUnmasked => {}
            other => return Some(other),
        }
        // Guest code may have been written: apply it before the next run.
        let written = mem.take_code_writes();
        if !written.is_empty() {
            self.invalidate_phys_pages(&written);
        }
        None
    }

    /// Runs guest code from `cpu.r[15]` until an [`Exit`].
    ///
    /// In system mode the engine takes synchronous exceptions (SVC,
    /// undefined instructions, breakpoints, aborts) and pending interrupts
    /// itself, and returns only [`Exit::Interrupted`], [`Exit::Wait`],
    /// [`Exit::Hvc`], [`Exit::Smc`] and [`Exit::TimerChanged`].
    pub fn run<M: GuestMemory>(&mut self, cpu: &mut CpuState, mem: &mut M) -> Exit {
        if !self.system {
            return self.run_blocks(cpu, mem);
        }
        // Whatever raised the interrupt flag last time has been seen by
        // the machine; apply writes to code pages before running anything.
        let written = mem.take_code_writes();
        if !written.is_empty() {
            self.invalidate_phys_pages(&written);
        }
        self.take_pending_interrupt(cpu, mem);
        loop {
            let exit = self.run_blocks(cpu, mem);
            if self.log_exceptions {
                log_exception(cpu, &exit);
            }
            match exit {
                Exit::Syscall { pc, .. } => exception::take(cpu, mem, Exception::Svc, pc),
                Exit::Undefined { pc, .. } => exception::take(cpu, mem, Exception::Undefined, pc),
                Exit::Breakpoint { pc, .. } => exception::take_breakpoint(cpu, mem, pc),
                Exit::MemFault { pc, fault } => exception::take_fault(cpu, mem, pc, fault),
                Exit::InterruptsUnmasked => {
                    self.take_pending_interrupt(cpu, mem);
                }
                other => return other,
            }
        }
    }

    /// Takes an interrupt whose line is asserted and which the CPSR does
    /// not mask.
    fn take_pending_interrupt<M: GuestMemory>(&mut self, cpu: &mut CpuState, mem: &mut M) {
        let irq = self.irq_inputs.irq.load(Ordering::SeqCst);
        let fiq = self.irq_inputs.fiq.load(Ordering::SeqCst);
        if (irq || fiq) && exception::take_interrupt(cpu, mem, irq, fiq) && self.log_exceptions {
            crate::log!(
                "int: {} taken, vector 0x{:08x}, return to 0x{:08x}",
                if cpu.sys.mode == arm::cpu::mode::FIQ {
                    "FIQ"
                } else {
                    "IRQ"
                },
                cpu.r[15],
                cpu.r[14].wrapping_sub(4)
            );
        }
    }

    /// The dispatch loop: runs blocks until one exits.
    fn run_blocks<M: GuestMemory>(&mut self, cpu: &mut CpuState, mem: &mut M) -> Exit {
        // The direct-branch exit compiled code last left through, to point
        // at the next block once that one is compiled.
        let mut patch_site = 0u64;
        // Compiled code asked for the next block to be interpreted.
        let mut interpret_next = false;
        // The block the interpreter ran last (see `lookup_after`).
        let mut prev: Option<(u32, u32)> = None;
        loop {
            if self.interrupt.load(Ordering::Relaxed) {
                return Exit::Interrupted;
            }
            if self.shared.epoch.load(Ordering::Relaxed) != self.seen {
                self.sync_invalidations();
                patch_site = 0;
            }
            let id = match self.lookup_after(prev.take(), cpu, mem) {
                Ok(id) => id,
                Err(fault) => {
                    return Exit::MemFault {
                        pc: cpu.r[15],
                        fault,
                    }
                }
            };
            if self.accel == Accel::Jit
                && !self.trace_exec
                && !self.trace_cpu
                && !std::mem::take(&mut interpret_next)
            {
                if self.no_chain {
                    patch_site = 0;
                }
                let entry = self.native_entry(id, cpu, mem, &mut patch_site);
                if entry != 0 {
                    let jit = self.jit.as_mut().expect("jit");
                    if self.no_chain {
                        // Neither patched nor in the indirect table.
                    } else if patch_site != 0 {
                        jit.patch(patch_site, entry);
                        self.slab[id as usize].incoming.push(patch_site);
                    } else {
                        // An indirect branch missed the table (never
                        // entered, or evicted by a colliding block).
                        let ppc = self.slab[id as usize].key.2;
                        jit.remember(cpu.r[15], state_key(cpu), entry, ppc);
                    }
                    let (status, site, exit) = jit.run(cpu, mem, &self.interrupt, entry);

                    patch_site = site;
                    match status {
                        jit::STATUS_LOOKUP | jit::STATUS_INTERRUPTED => continue,
                        jit::STATUS_INTERPRET => {
                            // (Left at a block's entry: no exit to patch.)
                            interpret_next = true;
                            patch_site = 0;
                            self.fp_modes_met(cpu, mem);
                            continue;
                        }
                        _ => return exit.expect("compiled code left with an exit"),
                    }
                }
                patch_site = 0;
            }
            let code = &self.slab[id as usize].code;
            let block = &code.block;
            if self.trace_exec {
                crate::log!(
                    "exec: 0x{:08x} {} it={:02x} r0=0x{:08x} sp=0x{:08x} lr=0x{:08x}",
                    block.start,
                    if block.thumb { "T32" } else { "A32" },
                    cpu.itstate,
                    cpu.r[0],
                    cpu.r[13],
                    cpu.r[14]
                );
            }
            if self.trace_cpu {
                let r = &cpu.r;
                crate::log!(
                    "CPU at 0x{:08x} ({}):\n R00={:08x} R01={:08x} R02={:08x} R03={:08x}\n \
                     R04={:08x} R05={:08x} R06={:08x} R07={:08x}\n \
                     R08={:08x} R09={:08x} R10={:08x} R11={:08x}\n \
                     R12={:08x} R13={:08x} R14={:08x} R15={:08x}\n PSR={:08x} FPSCR={:08x}",
                    block.start,
                    if block.thumb { "T32" } else { "A32" },
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    r[6],
                    r[7],
                    r[8],
                    r[9],
                    r[10],
                    r[11],
                    r[12],
                    r[13],
                    r[14],
                    r[15],
                    cpu.cpsr(),
                    cpu.fpscr
                );
            }
            // Under the JIT, a block that loops to itself goes round only
            // so often in the interpreter: still looping then, it is
            // compiled (a loop of a few rounds is not worth it).
            let budget = if self.accel == Accel::Jit && self.slab[id as usize].self_loop {
                SELF_LOOP_BUDGET
            } else {
                u32::MAX
            };
            let start = block.start;
            if let Some(exit) = interp::fast::run_budget(cpu, mem, code, &self.interrupt, budget) {
                return exit;
            }
            prev = Some((id, self.block_generation));
            if budget != u32::MAX && cpu.r[15] == start {
                let slot = &mut self.slab[id as usize];
                slot.hits = slot.hits.max(self.jit_threshold - 1);
            }
        }
    }

    /// Compiled code of the block at the CPU's pc left at its entry because
    /// FPSCR is in other modes than it was compiled for (code from the
    /// persistent cache, or a program that changes modes): its code is
    /// dropped, to be compiled again when it is next entered, for the
    /// modes then set or, if that happened before, with the modes tested
    /// per instruction, so that it runs compiled rather than interpreted.
    fn fp_modes_met<M: GuestMemory>(&mut self, cpu: &CpuState, mem: &mut M) {
        let Ok(id) = self.lookup(cpu, mem) else {
            return;
        };
        let slot = &mut self.slab[id as usize];
        if slot.fp_misses >= 2 || slot.native == 0 {
            return;
        }
        slot.fp_misses += 1;
        slot.drop_native(self.jit.as_deref_mut());
        slot.hits = self.jit_threshold.saturating_sub(1);
    }

    /// Before block `id` is compiled: translates it again with side exits
    /// (on past its conditional branches, see [`arm::Limits::side_exits`])
    /// and keeps the longer block if it lies on the same pages. Returns
    /// whether it did.
    fn extend<M: GuestMemory>(&mut self, id: u32, cpu: &CpuState, mem: &mut M) -> bool {
        let slot = &self.slab[id as usize];
        let old = &slot.code.block;
        let goes_on = old
            .insns
            .last()
            .is_some_and(|i| arm::extends_past(i, old.start));
        if self.one_insn_per_block || !goes_on || old.start >> 12 != old.last_byte() >> 12 {
            return false;
        }
        let limits = self.limits(cpu, true);
        let Ok(block) = arm::translate_with(mem, old.start, old.thumb, cpu.itstate, &limits) else {
            return false;
        };
        // Past the old end, on the first page only (the page index and
        // invalidation know the block by its pages).
        let last = block.last_byte();
        if block.insns.len() <= old.insns.len() || last >> 12 != old.start >> 12 {
            return false;
        }
        if self.log_in_asm.is_some() || self.log_op {
            self.log_block(&block, mem);
        }
        self.slab[id as usize].set_code(interp::fast::compile(block));
        true
    }

    /// The compiled entry of block `id`, compiling it if it is hot now; 0
    /// to interpret it.
    fn native_entry<M: GuestMemory>(
        &mut self,
        id: u32,
        cpu: &CpuState,
        mem: &mut M,
        patch_site: &mut u64,
    ) -> u64 {
        let slot = &mut self.slab[id as usize];
        if slot.native != 0 || slot.refused {
            return slot.native;
        }
        slot.hits += 1;
        if slot.hits < self.jit_threshold {
            return 0;
        }
        // (Saved code is for the default modes.)
        let fp = slot.fp_modes(cpu);
        if self.tcache_usable() && tcache_memory(mem) && fp == jit::FpModes::Default {
            // Another thread (or this one, before its code memory was
            // flushed) may have compiled it meanwhile.
            self.load_saved(id, cpu, mem);
            let native = self.slab[id as usize].native;
            if native != 0 {
                return native;
            }
        }
        if self.jit_ready().is_none() {
            return 0;
        }
        let extended = self.extend(id, cpu, mem);
        let key = state_key(cpu);
        let tcache = (self.tcache_usable() && tcache_memory(mem))
            .then(|| self.tcache.clone())
            .flatten();
        let portable = tcache.as_ref().is_some_and(|tc| {
            let b = &self.slab[id as usize].code.block;
            let low = b.insns.iter().map(|i| i.pc).min().unwrap_or(b.start);
            tc.covers(low, b.last_byte().wrapping_add(1))
        });
        for _ in 0..2 {
            let jit = self.jit.as_mut().expect("jit");
            let slot = &self.slab[id as usize];
            match jit.compile(&slot.code.block, key, slot.key.2, mem, portable, fp) {
                Ok(Some(c)) => {
                    self.slab[id as usize].native = c.entry;
                    if let (Some(tc), Some(code)) = (&tcache, c.portable) {
                        let b = &self.slab[id as usize].code.block;
                        if let Some(guest) = guest_bytes(mem, b) {
                            tc.record(tcache::SavedBlock {
                                pc: b.start,
                                key,
                                extended,
                                guest,
                                code,
                            });
                        }
                    }
                    return c.entry;
                }
                Ok(None) => {
                    self.slab[id as usize].refused = true;
                    return 0;
                }
                Err(jit::ArenaFull) => {
                    // Code memory is full: start over.
                    self.flush_jit();
                    *patch_site = 0;
                }
            }
        }
        0
    }
}

/// Whether code compiled for `mem` may be saved and loaded: only for the
/// one kind of memory user mode runs with (flat, faults taken on the
/// host), not for a debugger's wrapper or the checked-memory mode, whose
/// code differs.
fn tcache_memory<M: GuestMemory>(mem: &M) -> bool {
    !M::MMU && mem.soft_tlb().is_none() && mem.direct_map().is_some_and(|d| d.host_faults)
}

/// The guest bytes of `block`'s instructions, in order, as fetched for
/// execution now (what its translation read).
fn guest_bytes<M: GuestMemory>(mem: &mut M, block: &crate::ir::Block) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(4 * block.insns.len());
    for insn in &block.insns {
        for k in 0..u32::from(insn.len) / 2 {
            let half = mem.fetch_u16(insn.pc.wrapping_add(2 * k)).ok()?;
            out.extend_from_slice(&half.to_le_bytes());
        }
    }
    (!out.is_empty()).then_some(out)
}
