//! `-g PORT` (QEMU_GDB): a GDB server for the guest program, over the
//! `gdbstub` crate with the architecture of `rsemu-gdb` (core, VFP and
//! NEON registers), as qemu-arm's `-g`: the program waits before its first
//! instruction until gdb-multiarch connects (`target remote :PORT`).
//!
//! Every guest thread is a GDB thread, in GDB's all-stop mode: when one
//! thread stops (a breakpoint, a watchpoint, a finished step, a fatal
//! signal, the exit) or GDB interrupts, every other thread stops too before
//! GDB hears of it. The server runs on a host thread of its own; guest
//! threads meet it in a [`Hub`]:
//!
//! - a running thread looks at the hub's stop flag after each exit of the
//!   engine (the stopping side raises every thread's engine interrupt, so
//!   that comes within a block) and then *parks*: it publishes a copy of
//!   its `CpuState`, which GDB reads and writes, and waits to be resumed;
//! - a thread inside a system call counts as stopped with the registers it
//!   had at the call (a blocking call may never return); if it returns
//!   while the program is stopped, it parks;
//! - a thread reports a stop by recording it in its slot and raising the
//!   stop flag; the server reports the first one once no thread runs, and
//!   the others are dropped: a breakpoint or watchpoint not reported is hit
//!   again on resumption (the thread never executed that instruction), a
//!   fatal signal or the exit is reported again.
//!
//! Breakpoints (software and hardware alike) make the engine stop before
//! the address. Watchpoints (write, read and access) are served by running
//! the threads one instruction at a time through a memory that refuses an
//! access to a watched range: the thread stops *before* the access, with
//! the instruction not executed, as ARM's hardware watchpoints do and as
//! GDB expects of ARM (it steps the instruction itself). A resumed thread
//! executes the instruction at a reported breakpoint or watchpoint once
//! without stopping there again.
//!
//! GDB also gets the exit status, `info auxv`, `info proc mappings`, and
//! resumption per thread (`scheduler-locking`, `signal 0` to discard a
//! fatal signal, which then re-runs the faulting instruction as under
//! ptrace, or `signal SIG` to deliver another in its place). A forked child runs without the debugger, as under qemu-arm.

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result};
use gdbstub::common::{Signal, Tid};
use gdbstub::conn::ConnectionExt;
use gdbstub::stub::{run_blocking, DisconnectReason, GdbStub, MultiThreadStopReason};
use gdbstub::target::ext::base::multithread::{
    MultiThreadBase, MultiThreadResume, MultiThreadResumeOps, MultiThreadSchedulerLocking,
    MultiThreadSchedulerLockingOps, MultiThreadSingleStep, MultiThreadSingleStepOps,
};
use gdbstub::target::ext::base::single_register_access::{
    SingleRegisterAccess, SingleRegisterAccessOps,
};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps,
    SwBreakpoint, SwBreakpointOps, WatchKind,
};
use gdbstub::target::ext::host_io;
use gdbstub::target::{Target, TargetError, TargetResult};
use rsemu_core::mem::{Access, GuestMemory, MemFault, MemResult};
use rsemu_core::{CpuState, Engine, Exit};
use rsemu_gdb::{ArmBreakpointKind, ArmRegId, ArmRegs, ArmV7};

use crate::memory::GuestSpace;
use crate::syscall::Process;
use crate::{Handled, LoopEnd};

/// How often the server looks for GDB's input (Ctrl-C) while the program
/// runs.
const POLL: Duration = Duration::from_millis(20);

/// The longest range a watchpoint covers (GDB splits longer ones).
const MAX_WATCH_LEN: u32 = 64;

/// The debugger's meeting point, present under `-g` in the process that
/// started it.
static HUB: OnceLock<Hub> = OnceLock::new();

/// The hub if this process is being debugged: not in a forked child or a
/// CLONE_VM process (they copy or share the hub but are no GDB threads),
/// and not after GDB detached.
pub fn hub() -> Option<&'static Hub> {
    let hub = HUB.get()?;
    (hub.pid == std::process::id() && !hub.detached.load(Ordering::SeqCst)).then_some(hub)
}

/// What a resumed thread does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Action {
    Continue,
    Step,
    /// Stays stopped (GDB resumed other threads with scheduler locking).
    Stay,
}

/// Why a thread stopped.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stop {
    Breakpoint,
    Step,
    Watch {
        kind: WatchKind,
        addr: u32,
    },
    /// A signal that kills the program unless GDB discards it.
    Fatal(u32),
    /// A signal about to be delivered (held until GDB passes or drops
    /// it).
    Signal(u32),
    /// The program ends (exit_group, or the last thread's exit).
    Exited(i32),
}

/// One guest thread as the hub knows it.
struct Slot {
    /// Its engine's interrupt flag: raised to make it stop.
    interrupt: Arc<AtomicBool>,
    /// False while it is parked or inside a system call.
    running: bool,
    /// Its registers while it does not run.
    cpu: Option<Box<CpuState>>,
    /// GDB wrote `cpu`.
    cpu_written: bool,
    /// What it does when resumed, and the signal GDB resumes it with.
    action: Action,
    signal: Option<u32>,
    /// A stop it reported, with its order of arrival.
    report: Option<(u64, Stop)>,
    /// Its report was the one GDB heard.
    chosen: bool,
    /// The breakpoint generation its engine has.
    bp_generation: u64,
    /// Ranges GDB wrote (translations of them to drop).
    invalidate: Vec<(u32, u32)>,
}

/// A watchpoint: the range and what access triggers it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Watch {
    addr: u32,
    len: u32,
    kind: WatchKind,
}

struct HubState {
    /// The program is stopped (or stopping): threads park.
    stopped: bool,
    detached: bool,
    threads: BTreeMap<u32, Slot>,
    next_report: u64,
    breakpoints: BTreeSet<u32>,
    bp_generation: u64,
    watchpoints: Vec<Watch>,
    /// Resumed threads without an action of their own stay stopped.
    scheduler_locked: bool,
}

/// Where guest threads and the GDB server meet (see the module comment).
pub struct Hub {
    pid: u32,
    state: Mutex<HubState>,
    /// Threads wait here to be resumed.
    resumed: Condvar,
    /// The server waits here for threads to stop.
    parked: Condvar,
    /// Mirrors `state.stopped` for a check without the lock.
    stop_flag: AtomicBool,
    /// Mirrors `state.detached` for [`hub`].
    detached: AtomicBool,
    /// Mirrors `!state.watchpoints.is_empty()`.
    watching: AtomicBool,
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn register(&self, tid: u32, interrupt: Arc<AtomicBool>) {
        let mut st = self.lock();
        // A new engine has no breakpoints yet: one generation behind, its
        // first sync sets them.
        let bp_generation = st.bp_generation.wrapping_sub(1);
        st.threads.insert(
            tid,
            Slot {
                interrupt,
                running: true,
                cpu: None,
                cpu_written: false,
                action: Action::Continue,
                signal: None,
                report: None,
                chosen: false,
                bp_generation,
                invalidate: Vec::new(),
            },
        );
    }

    /// Stops every thread (raising their interrupts), under the lock.
    fn stop_all(&self, st: &mut HubState) {
        st.stopped = true;
        self.stop_flag.store(true, Ordering::SeqCst);
        for slot in st.threads.values() {
            slot.interrupt.store(true, Ordering::SeqCst);
        }
    }

    /// Brings the thread's engine up to date with GDB's breakpoints and
    /// memory writes.
    fn sync(st: &mut HubState, tid: u32, engine: &mut Engine) {
        let (generation, breakpoints) = (st.bp_generation, &st.breakpoints);
        let Some(slot) = st.threads.get_mut(&tid) else {
            return;
        };
        if slot.bp_generation != generation {
            engine.set_breakpoints(breakpoints.clone());
            slot.bp_generation = generation;
        }
        for (start, len) in slot.invalidate.drain(..) {
            engine.invalidate_range(start, len);
        }
    }

    /// Records this thread's stop and stops the others.
    fn report(&self, tid: u32, stop: Stop) {
        let mut st = self.lock();
        let order = st.next_report;
        st.next_report += 1;
        if let Some(slot) = st.threads.get_mut(&tid) {
            slot.report = Some((order, stop));
            slot.chosen = false;
        }
        self.stop_all(&mut st);
        self.parked.notify_all();
    }

    /// Parks the thread while the program is stopped (or GDB resumed
    /// other threads only); returns how it was resumed.
    fn park(&self, tid: u32, cpu: &mut CpuState, engine: &mut Engine) -> Wake {
        let mut st = self.lock();
        let stays = |st: &HubState| {
            st.threads
                .get(&tid)
                .is_some_and(|s| s.action == Action::Stay)
        };
        if (st.stopped || stays(&st)) && !st.detached {
            if let Some(slot) = st.threads.get_mut(&tid) {
                slot.cpu = Some(Box::new(cpu.clone()));
                slot.cpu_written = false;
                slot.running = false;
            }
            self.parked.notify_all();
            while !st.detached && (st.stopped || stays(&st)) {
                st = self.resumed.wait(st).unwrap_or_else(|e| e.into_inner());
            }
        }
        let detached = st.detached;
        let Some(slot) = st.threads.get_mut(&tid) else {
            return Wake {
                action: Action::Continue,
                signal: None,
                chosen: false,
                detached,
            };
        };
        if let Some(published) = slot.cpu.take() {
            if slot.cpu_written {
                *cpu = *published;
            }
        }
        slot.running = true;
        let wake = Wake {
            action: slot.action,
            signal: slot.signal.take(),
            chosen: std::mem::take(&mut slot.chosen),
            detached,
        };
        Self::sync(&mut st, tid, engine);
        wake
    }

    /// Brings a thread's engine up to date (a new thread's, at its start).
    fn sync_thread(&self, tid: u32, engine: &mut Engine) {
        Self::sync(&mut self.lock(), tid, engine);
    }

    /// The thread enters a system call: it counts as stopped meanwhile,
    /// with these registers.
    fn enter_syscall(&self, tid: u32, cpu: &CpuState) {
        let mut st = self.lock();
        if let Some(slot) = st.threads.get_mut(&tid) {
            slot.cpu = Some(Box::new(cpu.clone()));
            slot.cpu_written = false;
            slot.running = false;
        }
        self.parked.notify_all();
    }

    /// The thread is back from a system call (`pc_at_entry`: its pc when
    /// it entered). GDB's writes to its registers meanwhile are kept,
    /// except r0, the call's result, and unless a signal handler was
    /// entered since.
    /// Returns the action GDB gave it meanwhile (a step ends here; a
    /// thread told to stay parks).
    fn leave_syscall(
        &self,
        tid: u32,
        cpu: &mut CpuState,
        pc_at_entry: u32,
        engine: &mut Engine,
    ) -> Action {
        let mut st = self.lock();
        let mut action = Action::Continue;
        if let Some(slot) = st.threads.get_mut(&tid) {
            action = slot.action;
            if let Some(published) = slot.cpu.take() {
                if slot.cpu_written && cpu.r[15] == pc_at_entry {
                    let r0 = cpu.r[0];
                    *cpu = *published;
                    cpu.r[0] = r0;
                }
            }
            slot.running = true;
        }
        Self::sync(&mut st, tid, engine);
        action
    }

    fn unregister(&self, tid: u32) {
        let mut st = self.lock();
        st.threads.remove(&tid);
        self.parked.notify_all();
    }
}

/// How a parked thread was resumed.
struct Wake {
    action: Action,
    signal: Option<u32>,
    /// Its report was the one GDB heard.
    chosen: bool,
    /// GDB is gone.
    detached: bool,
}

/// Listens on `port` (all interfaces, as qemu-arm does) and starts the
/// server on a thread of its own; the program (its main thread, `tid`)
/// then waits in its run loop for GDB to connect and resume it.
pub fn start(port: &str, proc: &Process, main_interrupt: Arc<AtomicBool>) -> Result<()> {
    let port: u16 = port
        .parse()
        .with_context(|| format!("-g {port}: not a TCP port"))?;
    let listener = TcpListener::bind(("0.0.0.0", port))
        .with_context(|| format!("-g {port}: cannot listen"))?;
    let hub = Hub {
        pid: std::process::id(),
        state: Mutex::new(HubState {
            stopped: true,
            detached: false,
            threads: BTreeMap::new(),
            next_report: 0,
            breakpoints: BTreeSet::new(),
            bp_generation: 0,
            watchpoints: Vec::new(),
            scheduler_locked: false,
        }),
        resumed: Condvar::new(),
        parked: Condvar::new(),
        stop_flag: AtomicBool::new(true),
        detached: AtomicBool::new(false),
        watching: AtomicBool::new(false),
    };
    // SAFETY: gettid cannot fail.
    let tid = unsafe { libc::gettid() } as u32;
    hub.register(tid, main_interrupt);
    if HUB.set(hub).is_err() {
        anyhow::bail!("-g: the debugger was started twice");
    }
    let server = Server {
        hub: HUB.get().expect("just set"),
        space: proc.space.clone(),
        auxv: proc.auxv.clone(),
        open_maps: None,
    };
    // The server thread takes no guest signals: they are the guest
    // threads' to handle.
    let saved_mask = crate::signal::block_all_on_host();
    let spawned = std::thread::Builder::new()
        .name("rsemu-gdb".into())
        .spawn(move || server.serve(listener));
    crate::signal::restore_host_mask(saved_mask);
    spawned.context("-g: starting the debugger's thread")?;
    Ok(())
}

/// The run loop of a guest thread under the debugger.
pub fn run_debugged(
    hub: &'static Hub,
    proc: &mut Process,
    cpu: &mut CpuState,
    engine: &mut Engine,
) -> LoopEnd {
    // SAFETY: gettid cannot fail.
    let tid = unsafe { libc::gettid() } as u32;
    if !hub.lock().threads.contains_key(&tid) {
        hub.register(tid, engine.interrupt.clone());
    }
    hub.sync_thread(tid, engine);
    proc.signals.debugger = true;
    let mut thread = DebuggedThread {
        hub,
        tid,
        step_over: None,
    };
    // The stop this thread reported last, and whether it must park.
    let mut pending: Option<Stop> = None;
    let mut must_park = false;
    let end = loop {
        let mut action = Action::Continue;
        if must_park || hub.stop_flag.load(Ordering::SeqCst) {
            must_park = false;
            let wake = hub.park(tid, cpu, engine);
            let reported = pending.take();
            match reported {
                Some(Stop::Exited(code)) if wake.chosen || wake.detached => {
                    break LoopEnd::Group(code)
                }
                Some(Stop::Fatal(sig)) if wake.detached => crate::signal::die(sig),
                Some(Stop::Fatal(fatal)) if wake.chosen => match wake.signal {
                    // Continued with the signal: it kills.
                    Some(sig) if sig == fatal => crate::signal::die(sig),
                    // Another signal instead (`signal SIGUSR1`): it is
                    // delivered as the kernel's, and the instruction runs
                    // again after it, as under ptrace.
                    Some(sig) => {
                        proc.signals.queue(
                            sig,
                            crate::signal::SigInfo {
                                code: rsemu_syscalls::sigframe::siginfo::SI_KERNEL,
                                words: Default::default(),
                            },
                        );
                        engine.interrupt.store(true, Ordering::SeqCst);
                    }
                    // Dropped (`signal 0`): the instruction runs again.
                    None => {}
                },
                Some(Stop::Signal(_)) => {
                    if wake.chosen && !wake.detached {
                        // Delivered as GDB says: passed, another signal,
                        // or dropped.
                        let outcome = proc.signals.release_held(wake.signal, cpu, &proc.space);
                        if let crate::signal::Outcome::Die(sig) = outcome {
                            crate::signal::die(sig);
                        }
                    } else {
                        // Not reported, or GDB went away: delivered (and
                        // reported) as usual, at the next block.
                        proc.signals.requeue_held();
                    }
                    engine.interrupt.store(true, Ordering::SeqCst);
                }
                Some(stop @ (Stop::Fatal(_) | Stop::Exited(_))) => {
                    // GDB heard another thread's stop first: this one
                    // is reported at the next.
                    pending = Some(stop);
                    hub.report(tid, stop);
                    continue;
                }
                _ => {}
            }
            if wake.detached {
                // Run on without GDB.
                proc.signals.debugger = false;
                engine.set_breakpoints(BTreeSet::new());
                hub.unregister(tid);
                return crate::run_plain(proc, cpu, engine);
            }
            if !wake.chosen {
                thread.step_over = None;
            }
            action = wake.action;
        }
        let next = match action {
            Action::Stay => {
                must_park = true;
                Next::Go
            }
            Action::Step => match thread.step(proc, cpu, engine, false) {
                Next::Go | Next::Park | Next::StepDone => Next::Report(Stop::Step),
                other => other,
            },
            Action::Continue => thread.cont(proc, cpu, engine),
        };
        match next {
            Next::Go => {}
            Next::Park => must_park = true,
            Next::StepDone => {
                pending = Some(Stop::Step);
                hub.report(tid, Stop::Step);
            }
            Next::Report(stop) => {
                if matches!(stop, Stop::Breakpoint | Stop::Watch { .. }) {
                    thread.step_over = Some(cpu.r[15]);
                }
                pending = Some(stop);
                hub.report(tid, stop);
            }
            Next::End(LoopEnd::Group(code)) => {
                pending = Some(Stop::Exited(code));
                hub.report(tid, Stop::Exited(code));
            }
            Next::End(LoopEnd::Thread(code)) => {
                if hub.lock().threads.len() == 1 {
                    // The last thread: GDB hears of the exit first.
                    hub.report(tid, Stop::Exited(code));
                    let _ = hub.park(tid, cpu, engine);
                }
                break LoopEnd::Thread(code);
            }
            Next::Forked => return crate::run_plain(proc, cpu, engine),
        }
    };
    if hub.pid == std::process::id() {
        hub.unregister(tid);
    }
    end
}

/// What a debugged thread does next.
enum Next {
    /// Carry on (and park if the program is stopping).
    Go,
    /// Back from a system call that GDB resumed other threads during.
    Park,
    /// Back from a system call the thread was single-stepping.
    StepDone,
    Report(Stop),
    End(LoopEnd),
    /// This is a forked child now: no debugger here.
    Forked,
}

struct DebuggedThread {
    hub: &'static Hub,
    tid: u32,
    /// The pc of a breakpoint or watchpoint this thread reported: resumed
    /// there, it executes that instruction without stopping.
    step_over: Option<u32>,
}

impl DebuggedThread {
    /// Handles one exit of the engine.
    fn handle(
        &mut self,
        proc: &mut Process,
        cpu: &mut CpuState,
        engine: &mut Engine,
        exit: Exit,
    ) -> Next {
        let syscall = matches!(exit, Exit::Syscall { .. });
        let debug = matches!(exit, Exit::Debug { .. });
        let pc_at_entry = cpu.r[15];
        if syscall {
            self.hub.enter_syscall(self.tid, cpu);
        }
        let handled = crate::handle_exit(proc, cpu, engine, exit, true);
        let mut action = Action::Continue;
        if syscall {
            if self.hub.pid != std::process::id() {
                // fork's child: the hub is the parent's.
                engine.set_breakpoints(BTreeSet::new());
                return match handled {
                    Some(Handled::End(end)) => Next::End(end),
                    _ => Next::Forked,
                };
            }
            action = self.hub.leave_syscall(self.tid, cpu, pc_at_entry, engine);
        }
        match handled {
            Some(Handled::End(end)) => Next::End(end),
            Some(Handled::Fatal(sig)) => Next::Report(Stop::Fatal(sig)),
            Some(Handled::Signal(sig)) => Next::Report(Stop::Signal(sig)),
            Some(Handled::Stop) if debug => Next::Report(Stop::Breakpoint),
            None | Some(Handled::Stop) => match action {
                Action::Continue => Next::Go,
                Action::Step => Next::StepDone,
                Action::Stay => Next::Park,
            },
        }
    }

    /// Executes one instruction (and what it leads to: a system call, a
    /// signal); with `watch`, an access to a watched range stops it
    /// before the instruction.
    fn step(
        &mut self,
        proc: &mut Process,
        cpu: &mut CpuState,
        engine: &mut Engine,
        watch: bool,
    ) -> Next {
        let watchpoints = if watch && self.step_over != Some(cpu.r[15]) {
            self.hub.lock().watchpoints.clone()
        } else {
            Vec::new()
        };
        self.step_over = None;
        let (exit, hit) = {
            let mut inner = proc.space.mem();
            let mut mem = WatchedMem {
                inner: &mut inner,
                watchpoints: &watchpoints,
                hit: None,
            };
            let exit = engine.step(cpu, &mut mem);
            (exit, mem.hit)
        };
        if let Some(stop) = hit {
            return Next::Report(stop);
        }
        match exit {
            None => Next::Go,
            Some(exit) => self.handle(proc, cpu, engine, exit),
        }
    }

    /// Runs until a stop, the end, or until the program is stopping.
    fn cont(&mut self, proc: &mut Process, cpu: &mut CpuState, engine: &mut Engine) -> Next {
        if self.step_over == Some(cpu.r[15]) {
            match self.step(proc, cpu, engine, false) {
                Next::Go => {}
                other => return other,
            }
        }
        self.step_over = None;
        loop {
            if self.hub.stop_flag.load(Ordering::SeqCst) {
                return Next::Go;
            }
            let next = if self.hub.watching.load(Ordering::SeqCst) {
                // One instruction at a time under watchpoints.
                match self.step(proc, cpu, engine, true) {
                    Next::Go if engine.breakpoints().contains(&cpu.r[15]) => {
                        Next::Report(Stop::Breakpoint)
                    }
                    other => other,
                }
            } else {
                let exit = {
                    let mut mem = proc.space.mem();
                    engine.run(cpu, &mut mem)
                };
                self.handle(proc, cpu, engine, exit)
            };
            if !matches!(next, Next::Go) {
                return next;
            }
        }
    }
}

/// Guest memory that refuses (as a fault) an access to a watched range
/// and says which watchpoint it was.
struct WatchedMem<'a, M: GuestMemory> {
    inner: &'a mut M,
    watchpoints: &'a [Watch],
    hit: Option<Stop>,
}

impl<M: GuestMemory> WatchedMem<'_, M> {
    fn check(&mut self, addr: u32, len: u32, write: bool) -> MemResult<()> {
        let end = u64::from(addr) + u64::from(len);
        for w in self.watchpoints {
            let overlaps =
                u64::from(w.addr) < end && u64::from(addr) < u64::from(w.addr) + u64::from(w.len);
            let triggers = match w.kind {
                WatchKind::Write => write,
                WatchKind::Read => !write,
                WatchKind::ReadWrite => true,
            };
            if overlaps && triggers {
                self.hit = Some(Stop::Watch {
                    kind: w.kind,
                    addr: w.addr,
                });
                let access = if write { Access::Write } else { Access::Read };
                return Err(MemFault::perm(addr, access));
            }
        }
        Ok(())
    }
}

macro_rules! watched_rw {
    ($read:ident, $write:ident, $t:ty) => {
        fn $read(&mut self, addr: u32) -> MemResult<$t> {
            self.check(addr, std::mem::size_of::<$t>() as u32, false)?;
            self.inner.$read(addr)
        }
        fn $write(&mut self, addr: u32, value: $t) -> MemResult<()> {
            self.check(addr, std::mem::size_of::<$t>() as u32, true)?;
            self.inner.$write(addr, value)
        }
    };
}

impl<M: GuestMemory> GuestMemory for WatchedMem<'_, M> {
    watched_rw!(read_u8, write_u8, u8);
    watched_rw!(read_u16, write_u16, u16);
    watched_rw!(read_u32, write_u32, u32);
    watched_rw!(read_u64, write_u64, u64);

    fn compare_exchange(&mut self, addr: u32, size: u8, old: u64, new: u64) -> MemResult<bool> {
        self.check(addr, u32::from(size), true)?;
        self.inner.compare_exchange(addr, size, old, new)
    }

    fn swap(&mut self, addr: u32, size: u8, new: u32) -> MemResult<u32> {
        self.check(addr, u32::from(size), true)?;
        self.inner.swap(addr, size, new)
    }

    fn fetch_u16(&mut self, addr: u32) -> MemResult<u16> {
        self.inner.fetch_u16(addr)
    }

    fn fetch_u32(&mut self, addr: u32) -> MemResult<u32> {
        self.inner.fetch_u32(addr)
    }
}

/// The GDB server: GDB's target is the whole program, its threads the
/// guest threads.
struct Server {
    hub: &'static Hub,
    space: Arc<GuestSpace>,
    auxv: Vec<(u32, u32)>,
    /// The memory map GDB has open (host I/O).
    open_maps: Option<Vec<u8>>,
}

fn gdb_tid(tid: u32) -> Tid {
    NonZeroUsize::new(tid as usize).unwrap_or(NonZeroUsize::MIN)
}

impl Server {
    fn serve(mut self, listener: TcpListener) {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) => {
                eprintln!("rsemu-arm: -g: accepting GDB's connection: {e}");
                std::process::exit(1);
            }
        };
        drop(listener);
        let _ = stream.set_nodelay(true);
        // Before the first packet: the main thread has parked.
        drop(self.wait_all_stopped());
        let conn: Box<dyn ConnectionExt<Error = std::io::Error>> = Box::new(stream);
        let result = GdbStub::new(conn).run_blocking::<EventLoop>(&mut self);
        if let Ok(DisconnectReason::Kill) = result {
            std::process::exit(137);
        }
        // Detached, the program exited, or the connection went away: the
        // threads run on without GDB (or finish exiting).
        let mut st = self.hub.lock();
        st.detached = true;
        st.stopped = false;
        st.breakpoints.clear();
        st.watchpoints.clear();
        self.hub.watching.store(false, Ordering::SeqCst);
        self.hub.detached.store(true, Ordering::SeqCst);
        self.hub.stop_flag.store(false, Ordering::SeqCst);
        self.hub.resumed.notify_all();
    }

    /// Waits until no thread runs; the lock, held.
    fn wait_all_stopped(&self) -> MutexGuard<'_, HubState> {
        let mut st = self.hub.lock();
        while st.threads.values().any(|s| s.running) {
            st = self
                .hub
                .parked
                .wait_timeout(st, POLL)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            // A thread that was resumed meanwhile (it had not seen the
            // stop yet) gets its interrupt again.
            for slot in st.threads.values() {
                if slot.running {
                    slot.interrupt.store(true, Ordering::SeqCst);
                }
            }
        }
        st
    }

    /// The first stop reported, once every thread has stopped (the others
    /// are dropped); `None` if none came within [`POLL`].
    fn take_stop(&self) -> Option<MultiThreadStopReason<u32>> {
        {
            let st = self.hub.lock();
            let reported = st.threads.values().any(|s| s.report.is_some());
            if !reported {
                let st = self
                    .hub
                    .parked
                    .wait_timeout(st, POLL)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
                if !st.threads.values().any(|s| s.report.is_some()) {
                    return None;
                }
            }
        }
        let mut st = self.wait_all_stopped();
        Self::choose(&mut st)
    }

    /// Picks the earliest report, marks it chosen and drops the others.
    fn choose(st: &mut HubState) -> Option<MultiThreadStopReason<u32>> {
        let (&tid, _) = st
            .threads
            .iter()
            .filter(|(_, s)| s.report.is_some())
            .min_by_key(|(_, s)| s.report.map(|r| r.0))?;
        let stop = st.threads[&tid].report?.1;
        for (&t, slot) in st.threads.iter_mut() {
            if t == tid {
                slot.chosen = true;
            } else if !matches!(slot.report, Some((_, Stop::Fatal(_) | Stop::Exited(_)))) {
                // Dropped; a fatal signal or the exit is reported anew.
                slot.report = None;
            }
        }
        let tid = gdb_tid(tid);
        Some(match stop {
            Stop::Breakpoint => MultiThreadStopReason::SwBreak(tid),
            Stop::Step => MultiThreadStopReason::SignalWithThread {
                tid,
                signal: Signal::SIGTRAP,
            },
            Stop::Watch { kind, addr } => MultiThreadStopReason::Watch { tid, kind, addr },
            Stop::Fatal(sig) | Stop::Signal(sig) => MultiThreadStopReason::SignalWithThread {
                tid,
                signal: Signal(rsemu_gdb::gdb_signal(sig)),
            },
            Stop::Exited(code) => MultiThreadStopReason::Exited(code as u8),
        })
    }

    /// Runs `f` on the published registers of stopped thread `tid`
    /// (`write`: it changes them); ESRCH for a thread that is gone.
    fn with_cpu<R>(
        &mut self,
        tid: Tid,
        write: bool,
        f: impl FnOnce(&mut CpuState) -> R,
    ) -> TargetResult<R, Self> {
        const ESRCH: u8 = 3;
        let mut st = self.hub.lock();
        let slot = st
            .threads
            .get_mut(&(tid.get() as u32))
            .ok_or(TargetError::Errno(ESRCH))?;
        let cpu = slot.cpu.as_mut().ok_or(TargetError::Errno(ESRCH))?;
        let result = f(cpu);
        slot.cpu_written |= write;
        Ok(result)
    }

    fn set_breakpoint(&mut self, addr: u32, add: bool) -> bool {
        let mut st = self.hub.lock();
        let changed = if add {
            st.breakpoints.insert(addr)
        } else {
            st.breakpoints.remove(&addr)
        };
        if changed {
            st.bp_generation += 1;
        }
        changed || add
    }

    /// Whether all `len` bytes at `addr` are readable.
    fn readable(&self, addr: u32, len: u32) -> bool {
        (0..len).all(|i| self.space.slice(addr.wrapping_add(i), 1).is_ok())
    }
}

struct EventLoop;

impl run_blocking::BlockingEventLoop for EventLoop {
    type Target = Server;
    type Connection = Box<dyn ConnectionExt<Error = std::io::Error>>;
    type StopReason = MultiThreadStopReason<u32>;

    #[allow(clippy::type_complexity)]
    fn wait_for_stop_reason(
        target: &mut Server,
        conn: &mut Self::Connection,
    ) -> Result<
        run_blocking::Event<Self::StopReason>,
        run_blocking::WaitForStopReasonError<String, std::io::Error>,
    > {
        loop {
            if let Some(reason) = target.take_stop() {
                return Ok(run_blocking::Event::TargetStopped(reason));
            }
            if conn.peek().map(|b| b.is_some()).unwrap_or(true) {
                let byte = conn
                    .read()
                    .map_err(run_blocking::WaitForStopReasonError::Connection)?;
                return Ok(run_blocking::Event::IncomingData(byte));
            }
        }
    }

    /// Ctrl-C: every thread stops; a stop reported meanwhile wins.
    fn on_interrupt(target: &mut Server) -> Result<Option<Self::StopReason>, String> {
        {
            let mut st = target.hub.lock();
            target.hub.stop_all(&mut st);
        }
        let mut st = target.wait_all_stopped();
        if let Some(reason) = Server::choose(&mut st) {
            return Ok(Some(reason));
        }
        let first = st.threads.keys().next().copied().unwrap_or(target.hub.pid);
        Ok(Some(MultiThreadStopReason::SignalWithThread {
            tid: gdb_tid(first),
            signal: Signal::SIGINT,
        }))
    }
}

impl Target for Server {
    type Arch = ArmV7;
    type Error = String;

    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::MultiThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    fn support_auxv(&mut self) -> Option<gdbstub::target::ext::auxv::AuxvOps<'_, Self>> {
        Some(self)
    }

    fn support_host_io(&mut self) -> Option<host_io::HostIoOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadBase for Server {
    fn read_registers(&mut self, regs: &mut ArmRegs, tid: Tid) -> TargetResult<(), Self> {
        *regs = self.with_cpu(tid, false, |cpu| ArmRegs::from_cpu(cpu))?;
        Ok(())
    }

    fn write_registers(&mut self, regs: &ArmRegs, tid: Tid) -> TargetResult<(), Self> {
        self.with_cpu(tid, true, |cpu| regs.to_cpu(cpu))
    }

    fn read_addrs(&mut self, start: u32, data: &mut [u8], _tid: Tid) -> TargetResult<usize, Self> {
        // As far as the guest's mapped, readable pages go.
        let mut n = 0;
        while n < data.len() {
            let Ok(s) = self.space.slice(start.wrapping_add(n as u32), 1) else {
                break;
            };
            data[n] = s[0];
            n += 1;
        }
        if n == 0 && !data.is_empty() {
            return Err(TargetError::Errno(14)); // EFAULT
        }
        Ok(n)
    }

    fn write_addrs(&mut self, start: u32, data: &[u8], _tid: Tid) -> TargetResult<(), Self> {
        // Writes reach read-only pages too (code), as a debugger's do;
        // every thread drops its translations of the range.
        let mapped = (0..data.len() as u32)
            .all(|i| self.space.flags(start.wrapping_add(i)) & crate::memory::MAPPED != 0);
        if !mapped || u64::from(start) + data.len() as u64 > 1 << 32 {
            return Err(TargetError::Errno(14));
        }
        // SAFETY: the range is mapped guest memory inside the reservation;
        // every guest thread is stopped.
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr(), self.space.host_addr(start), data.len())
        };
        let mut st = self.hub.lock();
        for slot in st.threads.values_mut() {
            slot.invalidate.push((start, data.len() as u32));
        }
        Ok(())
    }

    fn list_active_threads(&mut self, thread_is_active: &mut dyn FnMut(Tid)) -> Result<(), String> {
        let st = self.hub.lock();
        for &tid in st.threads.keys() {
            thread_is_active(gdb_tid(tid));
        }
        Ok(())
    }

    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }

    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, Tid, Self>> {
        Some(self)
    }
}

impl SingleRegisterAccess<Tid> for Server {
    fn read_register(
        &mut self,
        tid: Tid,
        reg: ArmRegId,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        let bytes = self.with_cpu(tid, false, |cpu| ArmRegs::from_cpu(cpu).get(reg))?;
        let n = bytes.len().min(buf.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        Ok(n)
    }

    fn write_register(&mut self, tid: Tid, reg: ArmRegId, val: &[u8]) -> TargetResult<(), Self> {
        let ok = self.with_cpu(tid, true, |cpu| {
            let mut regs = ArmRegs::from_cpu(cpu);
            let ok = regs.set(reg, val);
            if ok {
                regs.to_cpu(cpu);
            }
            ok
        })?;
        if !ok {
            return Err(TargetError::Errno(22)); // EINVAL
        }
        Ok(())
    }
}

impl MultiThreadResume for Server {
    fn resume(&mut self) -> Result<(), String> {
        let mut st = self.hub.lock();
        let locked = st.scheduler_locked;
        for slot in st.threads.values_mut() {
            if slot.action == Action::Stay && !locked {
                slot.action = Action::Continue;
            }
            // Reports made after the stop GDB heard (a system call that
            // returned meanwhile) are stale.
            slot.report = None;
        }
        st.stopped = false;
        self.hub.stop_flag.store(false, Ordering::SeqCst);
        self.hub
            .watching
            .store(!st.watchpoints.is_empty(), Ordering::SeqCst);
        self.hub.resumed.notify_all();
        Ok(())
    }

    fn clear_resume_actions(&mut self) -> Result<(), String> {
        let mut st = self.hub.lock();
        st.scheduler_locked = false;
        for slot in st.threads.values_mut() {
            // No action of its own: Stay until `resume` knows whether
            // the others continue.
            slot.action = Action::Stay;
            slot.signal = None;
        }
        Ok(())
    }

    fn set_resume_action_continue(
        &mut self,
        tid: Tid,
        signal: Option<Signal>,
    ) -> Result<(), String> {
        self.set_action(tid, Action::Continue, signal);
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }
}

impl Server {
    fn set_action(&mut self, tid: Tid, action: Action, signal: Option<Signal>) {
        let mut st = self.hub.lock();
        if let Some(slot) = st.threads.get_mut(&(tid.get() as u32)) {
            slot.action = action;
            // GDB's numbering to Linux's (an unknown one passes as none).
            slot.signal = signal.and_then(|s| rsemu_gdb::linux_signal(s.0));
        }
    }
}

impl MultiThreadSingleStep for Server {
    fn set_resume_action_step(&mut self, tid: Tid, signal: Option<Signal>) -> Result<(), String> {
        self.set_action(tid, Action::Step, signal);
        Ok(())
    }
}

impl MultiThreadSchedulerLocking for Server {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), String> {
        self.hub.lock().scheduler_locked = true;
        Ok(())
    }
}

impl Breakpoints for Server {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl SwBreakpoint for Server {
    fn add_sw_breakpoint(
        &mut self,
        addr: u32,
        _kind: ArmBreakpointKind,
    ) -> TargetResult<bool, Self> {
        Ok(self.set_breakpoint(addr, true))
    }

    fn remove_sw_breakpoint(
        &mut self,
        addr: u32,
        _kind: ArmBreakpointKind,
    ) -> TargetResult<bool, Self> {
        Ok(self.set_breakpoint(addr, false))
    }
}

impl HwBreakpoint for Server {
    fn add_hw_breakpoint(
        &mut self,
        addr: u32,
        _kind: ArmBreakpointKind,
    ) -> TargetResult<bool, Self> {
        Ok(self.set_breakpoint(addr, true))
    }

    fn remove_hw_breakpoint(
        &mut self,
        addr: u32,
        _kind: ArmBreakpointKind,
    ) -> TargetResult<bool, Self> {
        Ok(self.set_breakpoint(addr, false))
    }
}

impl HwWatchpoint for Server {
    fn add_hw_watchpoint(
        &mut self,
        addr: u32,
        len: u32,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        if len == 0 || len > MAX_WATCH_LEN || !self.readable(addr, len) {
            return Ok(false);
        }
        self.hub.lock().watchpoints.push(Watch { addr, len, kind });
        Ok(true)
    }

    fn remove_hw_watchpoint(
        &mut self,
        addr: u32,
        len: u32,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        let mut st = self.hub.lock();
        let want = Watch { addr, len, kind };
        let Some(i) = st.watchpoints.iter().position(|w| *w == want) else {
            return Ok(false);
        };
        st.watchpoints.remove(i);
        Ok(true)
    }
}

impl gdbstub::target::ext::auxv::Auxv for Server {
    /// The guest's auxiliary vector as the kernel laid it out (32-bit
    /// pairs, ending with AT_NULL): `info auxv`.
    fn get_auxv(&self, offset: u64, length: usize, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let mut bytes = Vec::new();
        for &(k, v) in self.auxv.iter().chain(std::iter::once(&(0, 0))) {
            bytes.extend_from_slice(&k.to_le_bytes());
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        Ok(copy_window(&bytes, offset, length, buf))
    }
}

/// GDB's file access on the target, for `info proc mappings`: it opens
/// /proc/PID/maps, which is the guest's memory map; nothing else is
/// served (GDB reads the program from its own file).
impl host_io::HostIo for Server {
    fn support_open(&mut self) -> Option<host_io::HostIoOpenOps<'_, Self>> {
        Some(self)
    }

    fn support_close(&mut self) -> Option<host_io::HostIoCloseOps<'_, Self>> {
        Some(self)
    }

    fn support_pread(&mut self) -> Option<host_io::HostIoPreadOps<'_, Self>> {
        Some(self)
    }
}

impl host_io::HostIoOpen for Server {
    fn open(
        &mut self,
        filename: &[u8],
        _flags: host_io::HostIoOpenFlags,
        _mode: host_io::HostIoOpenMode,
    ) -> host_io::HostIoResult<u32, Self> {
        let is_maps = filename.starts_with(b"/proc/") && filename.ends_with(b"/maps");
        if !is_maps {
            return Err(host_io::HostIoError::Errno(host_io::HostIoErrno::ENOENT));
        }
        self.open_maps = Some(crate::procfs::maps_of(&self.space).into_bytes());
        Ok(0)
    }
}

impl host_io::HostIoClose for Server {
    fn close(&mut self, _fd: u32) -> host_io::HostIoResult<(), Self> {
        self.open_maps = None;
        Ok(())
    }
}

impl host_io::HostIoPread for Server {
    fn pread(
        &mut self,
        _fd: u32,
        count: usize,
        offset: u64,
        buf: &mut [u8],
    ) -> host_io::HostIoResult<usize, Self> {
        let Some(text) = &self.open_maps else {
            return Err(host_io::HostIoError::Errno(host_io::HostIoErrno::EBADF));
        };
        Ok(copy_window(text, offset, count, buf))
    }
}

/// Copies up to `length` bytes of `data` from `offset` into `buf` (GDB's
/// windowed reads of a file or an object); returns how many.
fn copy_window(data: &[u8], offset: u64, length: usize, buf: &mut [u8]) -> usize {
    let start = usize::try_from(offset).map_or(data.len(), |o| o.min(data.len()));
    let n = (data.len() - start).min(length).min(buf.len());
    buf[..n].copy_from_slice(&data[start..start + n]);
    n
}
