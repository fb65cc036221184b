//! The execution engine: block cache, dispatch loop and the `Exit` enum.
//!
//! [`Engine::run`] executes guest code until something needs the caller: a
//! system call, an exception, a fault or an interrupt request. The block
//! cache maps (pc, state) to translated blocks; a small direct-mapped cache
//! in front of the hash map makes the common lookup a compare and a load.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use crate::arm::{self, cpu::CpuState};
use crate::interp;
use crate::mem::{GuestMemory, MemFault};

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

/// Translated-code cache plus the dispatch loop.
///
/// Blocks live in a slab and are named by index, so the hot lookup is a
/// direct-mapped table probe with no reference counting.
pub struct Engine {
    slab: Vec<interp::fast::Compiled>,
    free: Vec<u32>,
    map: FxHashMap<(u32, u32), u32>,
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
            fast: vec![(0, 0, NO_BLOCK); FAST_SLOTS],
            interrupt: Arc::new(AtomicBool::new(false)),
            blocks_translated: 0,
            trace_exec: false,
            shared: Arc::new(SharedInvalidations::default()),
            seen: 0,
        }
    }

    /// An engine for another guest thread: its own block cache and
    /// interrupt flag, the same shared invalidations.
    pub fn new_thread(&self) -> Engine {
        let mut e = Engine::new();
        e.shared = self.shared.clone();
        e.seen = self.shared.epoch.load(Ordering::SeqCst);
        e.trace_exec = self.trace_exec;
        e
    }

    /// Applies invalidations other threads made since this engine last
    /// looked.
    fn sync_invalidations(&mut self) {
        let log = self.shared.log.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.shared.epoch.load(Ordering::SeqCst);
        let pending: Vec<(u32, u32)> = if log.first().is_some_and(|&(e, _, _)| e <= self.seen + 1) {
            log.iter()
                .filter(|&&(e, _, _)| e > self.seen)
                .map(|&(_, s, l)| (s, l))
                .collect()
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
        let (start, end) = (start as u64, start as u64 + len as u64);
        let slab = &self.slab;
        let overlaps = |id: u32| {
            let b = &slab[id as usize].block;
            (b.start as u64) < end && (b.end as u64) > start
        };
        let dead: Vec<u32> = self
            .map
            .values()
            .copied()
            .filter(|&id| overlaps(id))
            .collect();
        if dead.is_empty() {
            return;
        }
        self.map.retain(|_, id| !dead.contains(id));
        for slot in self.fast.iter_mut() {
            if dead.contains(&slot.2) {
                *slot = (0, 0, NO_BLOCK);
            }
        }
        for id in dead {
            self.slab[id as usize].block.insns = Vec::new();
            self.free.push(id);
        }
    }

    /// Drops every translation (this engine only).
    pub fn invalidate_all(&mut self) {
        self.invalidate_local_all();
    }

    fn invalidate_local_all(&mut self) {
        self.slab.clear();
        self.free.clear();
        self.map.clear();
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
                        self.slab[id as usize] = block;
                        id
                    }
                    None => {
                        self.slab.push(block);
                        (self.slab.len() - 1) as u32
                    }
                };
                self.map.insert((pc, key), id);
                id
            }
        };
        self.fast[slot] = (pc, key, id);
        Ok(id)
    }

    /// Runs guest code from `cpu.r[15]` until an [`Exit`].
    pub fn run<M: GuestMemory>(&mut self, cpu: &mut CpuState, mem: &mut M) -> Exit {
        loop {
            if self.interrupt.load(Ordering::Relaxed) {
                return Exit::Interrupted;
            }
            if self.shared.epoch.load(Ordering::Relaxed) != self.seen {
                self.sync_invalidations();
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
            let code = &self.slab[id as usize];
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
}
