//! The execution engine: block cache, dispatch loop and the `Exit` enum.
//!
//! [`Engine::run`] executes guest code until something needs the caller: a
//! system call, an exception, a fault or an interrupt request. The block
//! cache maps (pc, state) to translated blocks; a small direct-mapped cache
//! in front of the hash map makes the common lookup a compare and a load.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use crate::arm::{self, cpu::CpuState};
use crate::interp;
use crate::jit::{self, Jit};
use crate::mem::{GuestMemory, MemFault};

/// Which backend runs guest code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accel {
    /// The interpreter only.
    Interp,
    /// Hot blocks compiled to x86-64 (the interpreter runs the rest).
    Jit,
}

/// Why the engine stopped running guest code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// SVC executed. `cpu.r[15]` is the address after it.
    Syscall {
        /// Address of the SVC instruction.
        pc: u32,
        /// Its immediate.
        imm: u32,
    },
    /// An undefined (or unsupported) instruction. `cpu.r[15]` is its address.
    Undefined {
        /// Address of the instruction.
        pc: u32,
        /// Its encoding (T32 32-bit: first halfword in the top half).
        raw: u32,
        /// Whether it was T32.
        thumb: bool,
    },
    /// BKPT. `cpu.r[15]` is its address.
    Breakpoint {
        /// Address of the instruction.
        pc: u32,
        /// Its immediate.
        imm: u32,
    },
    /// A data access or instruction fetch failed. `cpu.r[15]` is the address
    /// of the faulting instruction; its effects were not committed.
    MemFault {
        /// Address of the instruction.
        pc: u32,
        /// The failed access.
        fault: MemFault,
    },
    /// WFI/WFE.
    Wait,
    /// The interrupt flag was raised (an asynchronous event needs handling).
    Interrupted,
}

/// Cache key bits beyond the PC: T32 state and ITSTATE.
fn state_key(cpu: &CpuState) -> u32 {
    (cpu.thumb as u32) | (cpu.itstate as u32) << 1
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

const FAST_SLOTS: usize = 4096;
const NO_BLOCK: u32 = u32::MAX;

/// A cached block: its interpreter form, how often it ran, and its
/// compiled code once it is hot (0 until then).
struct Slot {
    code: interp::fast::Compiled,
    hits: u32,
    native: u64,
    /// The JIT could not compile it: stay interpreted.
    refused: bool,
    /// It branches to its own start (compiled at once).
    self_loop: bool,
}

impl Slot {
    fn new(code: interp::fast::Compiled) -> Slot {
        Slot {
            // A loop may run for a long time inside one interpreter call:
            // compiled at once.
            self_loop: code.block.branches_to_start(),
            code,
            hits: 0,
            native: 0,
            refused: false,
        }
    }

    /// The guest pages the block's code lies on (a block ends at a page
    /// boundary, but its last instruction may straddle it).
    fn pages(&self) -> std::ops::RangeInclusive<u32> {
        let b = &self.code.block;
        (b.start >> 12)..=(b.end.wrapping_sub(1).max(b.start) >> 12)
    }
}

/// Translated-code cache plus the dispatch loop.
///
/// Blocks live in a slab and are named by index, so the hot lookup is a
/// direct-mapped table probe with no reference counting.
pub struct Engine {
    slab: Vec<Slot>,
    free: Vec<u32>,
    map: FxHashMap<(u32, u32), u32>,
    /// Guest page -> blocks with code on it, so invalidating a range
    /// touches only the blocks there.
    by_page: BTreeMap<u32, Vec<u32>>,
    fast: Vec<(u32, u32, u32)>,
    /// Set from another thread or a signal handler to make `run` return
    /// [`Exit::Interrupted`] at the next block boundary.
    pub interrupt: Arc<AtomicBool>,
    /// Blocks translated so far (statistics).
    pub blocks_translated: u64,
    /// Log every block executed to stderr (`-d exec`).
    pub trace_exec: bool,
    shared: Arc<SharedInvalidations>,
    seen: u64,
    jit: Option<Box<Jit>>,
    jit_threshold: u32,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

fn fast_slot(pc: u32, key: u32) -> usize {
    ((pc >> 1) as usize ^ (key as usize) << 7) & (FAST_SLOTS - 1)
}

impl Engine {
    /// An engine with an empty cache.
    pub fn new() -> Engine {
        Engine {
            slab: Vec::new(),
            free: Vec::new(),
            map: FxHashMap::default(),
            by_page: BTreeMap::new(),
            fast: vec![(0, 0, NO_BLOCK); FAST_SLOTS],
            interrupt: Arc::new(AtomicBool::new(false)),
            blocks_translated: 0,
            trace_exec: false,
            shared: Arc::new(SharedInvalidations::default()),
            seen: 0,
            jit: None,
            jit_threshold: jit::HOT_THRESHOLD,
        }
    }

    /// Sets how many times a block runs interpreted before it is compiled
    /// (1: compile everything at first use, as tests of the JIT want).
    pub fn set_jit_threshold(&mut self, runs: u32) {
        self.jit_threshold = runs.max(1);
    }

    /// Chooses the backend. Fails if the JIT cannot get executable memory.
    pub fn set_accel(&mut self, accel: Accel) -> Result<(), String> {
        self.jit = match accel {
            Accel::Interp => None,
            Accel::Jit => Some(Box::new(Jit::new()?)),
        };
        self.invalidate_local_all();
        Ok(())
    }

    /// The backend in use.
    pub fn accel(&self) -> Accel {
        if self.jit.is_some() {
            Accel::Jit
        } else {
            Accel::Interp
        }
    }

    /// Logs the host code of every block the JIT compiles (`-d out_asm`).
    pub fn set_log_out_asm(&mut self, on: bool) {
        if let Some(jit) = &mut self.jit {
            jit.log_out_asm = on;
        }
    }

    /// An engine for another guest thread: its own block cache and
    /// interrupt flag, the same shared invalidations.
    pub fn new_thread(&self) -> Engine {
        let mut e = Engine::new();
        e.shared = self.shared.clone();
        e.seen = self.shared.epoch.load(Ordering::SeqCst);
        e.trace_exec = self.trace_exec;
        e.jit_threshold = self.jit_threshold;
        if self.jit.is_some() {
            // A thread that cannot get code memory still runs, interpreted.
            let _ = e.set_accel(Accel::Jit);
        }
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
        self.invalidate_local(start, len);
        self.shared.push(start, len);
        self.sync_invalidations();
    }

    fn invalidate_local(&mut self, start: u32, len: u32) {
        if len == 0 {
            return;
        }
        let (start, end) = (start as u64, start as u64 + len as u64);
        let pages = (start >> 12) as u32..=((end - 1) >> 12) as u32;
        let slab = &self.slab;
        let overlaps = |id: u32| {
            let b = &slab[id as usize].code.block;
            (b.start as u64) < end && (b.end as u64) > start
        };
        let mut dead: Vec<u32> = self
            .by_page
            .range(pages)
            .flat_map(|(_, ids)| ids.iter().copied())
            .filter(|&id| overlaps(id))
            .collect();
        if dead.is_empty() {
            return;
        }
        dead.sort_unstable();
        dead.dedup();
        for &id in &dead {
            for page in self.slab[id as usize].pages() {
                if let Some(ids) = self.by_page.get_mut(&page) {
                    ids.retain(|&x| x != id);
                    if ids.is_empty() {
                        self.by_page.remove(&page);
                    }
                }
            }
        }
        self.map.retain(|_, id| !dead.contains(id));
        for slot in self.fast.iter_mut() {
            if dead.contains(&slot.2) {
                *slot = (0, 0, NO_BLOCK);
            }
        }
        // Compiled code may chain into a dropped block or run its
        // instructions: drop all compiled code with it.
        if dead.iter().any(|&id| self.slab[id as usize].native != 0) {
            self.flush_jit();
        }
        for id in dead {
            self.slab[id as usize].code.block.insns = Vec::new();
            self.slab[id as usize].native = 0;
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
        self.by_page.clear();
        self.fast.iter_mut().for_each(|s| *s = (0, 0, NO_BLOCK));
    }

    /// Finds or translates the block for the CPU's current state.
    #[inline]
    fn lookup<M: GuestMemory>(&mut self, cpu: &CpuState, mem: &mut M) -> Result<u32, MemFault> {
        let pc = cpu.r[15];
        let key = state_key(cpu);
        let slot = fast_slot(pc, key);
        let (spc, skey, sid) = self.fast[slot];
        if spc == pc && skey == key && sid != NO_BLOCK {
            return Ok(sid);
        }
        let id = match self.map.get(&(pc, key)) {
            Some(&id) => id,
            None => {
                let block = interp::fast::compile(arm::translate(mem, pc, cpu.thumb, cpu.itstate)?);
                self.blocks_translated += 1;
                let id = match self.free.pop() {
                    Some(id) => {
                        self.slab[id as usize] = Slot::new(block);
                        id
                    }
                    None => {
                        self.slab.push(Slot::new(block));
                        (self.slab.len() - 1) as u32
                    }
                };
                self.map.insert((pc, key), id);
                for page in self.slab[id as usize].pages() {
                    self.by_page.entry(page).or_default().push(id);
                }
                id
            }
        };
        self.fast[slot] = (pc, key, id);
        Ok(id)
    }

    /// Runs guest code from `cpu.r[15]` until an [`Exit`].
    pub fn run<M: GuestMemory>(&mut self, cpu: &mut CpuState, mem: &mut M) -> Exit {
        // The direct-branch exit compiled code last left through, to point
        // at the next block once that one is compiled.
        let mut patch_site = 0u64;
        loop {
            if self.interrupt.load(Ordering::Relaxed) {
                return Exit::Interrupted;
            }
            if self.shared.epoch.load(Ordering::Relaxed) != self.seen {
                self.sync_invalidations();
                patch_site = 0;
            }
            let id = match self.lookup(cpu, mem) {
                Ok(id) => id,
                Err(fault) => {
                    return Exit::MemFault {
                        pc: cpu.r[15],
                        fault,
                    }
                }
            };
            if self.jit.is_some() && !self.trace_exec {
                let entry = self.native_entry(id, cpu, mem, &mut patch_site);
                if entry != 0 {
                    let jit = self.jit.as_mut().expect("jit");
                    if patch_site != 0 {
                        jit.patch(patch_site, entry);
                    } else {
                        // An indirect branch missed the table (never
                        // entered, or evicted by a colliding block).
                        jit.remember(cpu.r[15], state_key(cpu), entry);
                    }
                    let (status, site, exit) = jit.run(cpu, mem, &self.interrupt, entry);

                    patch_site = site;
                    match status {
                        jit::STATUS_LOOKUP | jit::STATUS_INTERRUPTED => continue,
                        _ => return exit.expect("compiled code left with an exit"),
                    }
                }
                patch_site = 0;
            }
            let code = &self.slab[id as usize].code;
            let block = &code.block;
            if self.trace_exec {
                eprintln!(
                    "exec: 0x{:08x} {} it={:02x} r0=0x{:08x} sp=0x{:08x} lr=0x{:08x}",
                    block.start,
                    if block.thumb { "T32" } else { "A32" },
                    cpu.itstate,
                    cpu.r[0],
                    cpu.r[13],
                    cpu.r[14]
                );
            }
            if let Some(exit) = interp::fast::run(cpu, mem, code, &self.interrupt) {
                return exit;
            }
        }
    }

    /// The compiled entry of block `id`, compiling it if it is hot now; 0
    /// to interpret it.
    fn native_entry<M: GuestMemory>(
        &mut self,
        id: u32,
        cpu: &CpuState,
        mem: &M,
        patch_site: &mut u64,
    ) -> u64 {
        let slot = &mut self.slab[id as usize];
        if slot.native != 0 || slot.refused {
            return slot.native;
        }
        slot.hits += 1;
        if slot.hits < self.jit_threshold && !slot.self_loop {
            return 0;
        }
        let key = state_key(cpu);
        for _ in 0..2 {
            let jit = self.jit.as_mut().expect("jit");
            match jit.compile(&self.slab[id as usize].code.block, key, mem) {
                Ok(Some(c)) => {
                    self.slab[id as usize].native = c.entry;
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
