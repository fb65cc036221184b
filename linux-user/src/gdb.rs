//! `-g PORT` (QEMU_GDB): a GDB server for the guest program, over the
//! `gdbstub` crate with the architecture of `rsemu-gdb` (core, VFP and
//! NEON registers), as qemu-arm's `-g`: the program waits before its first
//! instruction until gdb-multiarch connects (`target remote :PORT`).
//!
//! GDB reads and writes registers and guest memory, sets breakpoints (the
//! engine stops before the address; software and hardware kinds are the
//! same), single-steps, continues (system calls and signal handlers run
//! as usual), sees a signal that would kill the program before it does,
//! and the exit status, and reads the auxiliary vector (`info auxv`) and
//! the memory map (`info proc mappings`);
//! Ctrl-C stops the program. Write watchpoints are served by running
//! one instruction at a time and comparing the watched bytes; read and
//! access watchpoints are refused. The session follows the
//! main thread: other guest threads run on without breakpoints.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use gdbstub::common::Signal;
use gdbstub::conn::ConnectionExt;
use gdbstub::stub::{run_blocking, DisconnectReason, GdbStub, SingleThreadStopReason};
use gdbstub::target::ext::base::single_register_access::SingleRegisterAccessOps;
use gdbstub::target::ext::base::singlethread::{SingleThreadBase, SingleThreadResumeOps};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpointOps, HwWatchpoint, HwWatchpointOps, SwBreakpointOps,
    WatchKind,
};
use gdbstub::target::ext::host_io;
use gdbstub::target::{Target, TargetError, TargetResult};
use rsemu_core::{CpuState, Engine};
use rsemu_gdb::{ArmRegs, ArmV7};

use crate::syscall::Process;
use crate::{Handled, LoopEnd};

/// How often a running program looks for GDB's input (Ctrl-C).
const POLL: Duration = Duration::from_millis(20);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Resume {
    Continue,
    Step,
}

/// The guest's main thread as GDB's target.
struct Session<'a> {
    proc: &'a mut Process,
    cpu: &'a mut CpuState,
    engine: &'a mut Engine,
    breakpoints: BTreeSet<u32>,
    resume: Resume,
    /// Set while the guest runs: a ticker then interrupts the engine.
    running: Arc<AtomicBool>,
    /// The thread or process ended meanwhile.
    ended: Option<LoopEnd>,
    /// A signal that kills the program once GDB has seen it.
    fatal: Option<u32>,
    /// The memory map GDB has open (host I/O).
    open_maps: Option<Vec<u8>>,
    /// Write watchpoints: address, length, the bytes last seen.
    watchpoints: Vec<(u32, u32, Vec<u8>)>,
}

/// How the session ended for the caller.
pub enum Outcome {
    /// GDB detached or went away: run on without it.
    Detached,
    /// The guest ended under GDB.
    Ended(LoopEnd),
}

/// Waits for GDB on `port` (all interfaces, as qemu-arm does), then
/// serves the session until GDB detaches or the program ends.
pub fn serve(
    port: &str,
    proc: &mut Process,
    cpu: &mut CpuState,
    engine: &mut Engine,
) -> Result<Outcome> {
    let port: u16 = port
        .parse()
        .with_context(|| format!("-g {port}: not a TCP port"))?;
    let listener = TcpListener::bind(("0.0.0.0", port))
        .with_context(|| format!("-g {port}: cannot listen"))?;
    let (stream, _) = listener
        .accept()
        .context("-g: accepting GDB's connection")?;
    drop(listener);
    let _ = stream.set_nodelay(true);
    let running = Arc::new(AtomicBool::new(false));
    start_ticker(running.clone(), engine.interrupt.clone());
    let mut session = Session {
        proc,
        cpu,
        engine,
        breakpoints: BTreeSet::new(),
        resume: Resume::Continue,
        running: running.clone(),
        ended: None,
        fatal: None,
        open_maps: None,
        watchpoints: Vec::new(),
    };
    let conn: Box<dyn ConnectionExt<Error = std::io::Error>> = Box::new(stream);
    let result = GdbStub::new(conn).run_blocking::<EventLoop>(&mut session);
    running.store(false, Ordering::SeqCst);
    session.engine.set_breakpoints(BTreeSet::new());
    if let Some(sig) = session.fatal {
        crate::signal::die(sig);
    }
    if let Some(end) = session.ended.take() {
        return Ok(Outcome::Ended(end));
    }
    match result {
        Ok(DisconnectReason::Kill) => Ok(Outcome::Ended(LoopEnd::Group(137))),
        Ok(_) => Ok(Outcome::Detached),
        // The connection went away: carry on as if GDB had detached.
        Err(_) => Ok(Outcome::Detached),
    }
}

/// Interrupts the engine every [`POLL`] while `running` is set, so that a
/// guest that makes no system call still notices GDB's Ctrl-C.
fn start_ticker(running: Arc<AtomicBool>, interrupt: Arc<AtomicBool>) {
    let _ = std::thread::Builder::new()
        .name("rsemu-gdb-tick".into())
        .spawn(move || loop {
            std::thread::sleep(POLL);
            if Arc::strong_count(&running) == 1 {
                return;
            }
            if running.load(Ordering::SeqCst) {
                interrupt.store(true, Ordering::SeqCst);
            }
        });
}

/// A GDB stop reason for how the guest ended.
fn exit_reason(end: &LoopEnd) -> SingleThreadStopReason<u32> {
    match end {
        LoopEnd::Group(code) | LoopEnd::Thread(code) => SingleThreadStopReason::Exited(*code as u8),
    }
}

fn gdb_signal(sig: u32) -> Signal {
    Signal(sig as u8)
}

struct EventLoop<'a>(std::marker::PhantomData<&'a ()>);

impl<'a> run_blocking::BlockingEventLoop for EventLoop<'a> {
    type Target = Session<'a>;
    type Connection = Box<dyn ConnectionExt<Error = std::io::Error>>;
    type StopReason = SingleThreadStopReason<u32>;

    #[allow(clippy::type_complexity)]
    fn wait_for_stop_reason(
        target: &mut Self::Target,
        conn: &mut Self::Connection,
    ) -> Result<
        run_blocking::Event<Self::StopReason>,
        run_blocking::WaitForStopReasonError<String, std::io::Error>,
    > {
        let stopped = run_blocking::Event::TargetStopped;
        if let Some(sig) = target.fatal {
            // Continued after a fatal signal: the program dies of it.
            crate::signal::die(sig);
        }
        if target.resume == Resume::Step || target.breakpoints.contains(&target.cpu.r[15]) {
            // One instruction (also the first step off a breakpoint GDB
            // continues from).
            if let Some(reason) = target.step_once() {
                return Ok(stopped(reason));
            }
            if target.resume == Resume::Step {
                return Ok(stopped(SingleThreadStopReason::DoneStep));
            }
        }
        if !target.watchpoints.is_empty() {
            // Write watchpoints: one instruction at a time, comparing the
            // watched bytes after each (and breakpoints, and GDB's input
            // now and then).
            let mut n = 0u32;
            loop {
                if let Some(reason) = target.step_once() {
                    return Ok(stopped(reason));
                }
                if let Some(addr) = target.watch_hit() {
                    return Ok(stopped(SingleThreadStopReason::Watch {
                        tid: (),
                        kind: WatchKind::Write,
                        addr,
                    }));
                }
                if target.breakpoints.contains(&target.cpu.r[15]) {
                    return Ok(stopped(SingleThreadStopReason::SwBreak(())));
                }
                n = n.wrapping_add(1);
                if n.is_multiple_of(4096) && conn.peek().map(|b| b.is_some()).unwrap_or(true) {
                    let byte = conn
                        .read()
                        .map_err(run_blocking::WaitForStopReasonError::Connection)?;
                    return Ok(run_blocking::Event::IncomingData(byte));
                }
            }
        }
        target.running.store(true, Ordering::SeqCst);
        let event = loop {
            let exit = {
                let mut mem = target.proc.space.mem();
                target.engine.run(target.cpu, &mut mem)
            };
            let breakpoint = matches!(exit, rsemu_core::Exit::Debug { .. });
            match crate::handle_exit(target.proc, target.cpu, target.engine, exit, true) {
                None => continue,
                Some(Handled::End(end)) => {
                    let reason = exit_reason(&end);
                    target.ended = Some(end);
                    break stopped(reason);
                }
                Some(Handled::Fatal(sig)) => {
                    target.fatal = Some(sig);
                    break stopped(SingleThreadStopReason::Signal(gdb_signal(sig)));
                }
                Some(Handled::Stop) if breakpoint => {
                    break stopped(SingleThreadStopReason::SwBreak(()));
                }
                Some(Handled::Stop) => {
                    // The ticker: has GDB sent something (Ctrl-C)?
                    if conn.peek().map(|b| b.is_some()).unwrap_or(true) {
                        let byte = match conn.read() {
                            Ok(b) => b,
                            Err(e) => {
                                target.running.store(false, Ordering::SeqCst);
                                return Err(run_blocking::WaitForStopReasonError::Connection(e));
                            }
                        };
                        break run_blocking::Event::IncomingData(byte);
                    }
                }
            }
        };
        target.running.store(false, Ordering::SeqCst);
        Ok(event)
    }

    fn on_interrupt(_target: &mut Self::Target) -> Result<Option<Self::StopReason>, String> {
        Ok(Some(SingleThreadStopReason::Signal(Signal::SIGINT)))
    }
}

impl Target for Session<'_> {
    type Arch = ArmV7;
    type Error = String;

    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::SingleThread(self)
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

/// GDB's file access on the target, for `info proc mappings`: it opens
/// /proc/PID/maps, which is the guest's memory map; nothing else is
/// served (GDB reads the program from its own file).
impl host_io::HostIo for Session<'_> {
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

impl host_io::HostIoOpen for Session<'_> {
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
        self.open_maps = Some(crate::procfs::maps(self.proc).into_bytes());
        Ok(0)
    }
}

impl host_io::HostIoClose for Session<'_> {
    fn close(&mut self, _fd: u32) -> host_io::HostIoResult<(), Self> {
        self.open_maps = None;
        Ok(())
    }
}

impl host_io::HostIoPread for Session<'_> {
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
        let start = (offset as usize).min(text.len());
        let n = (text.len() - start).min(count).min(buf.len());
        buf[..n].copy_from_slice(&text[start..start + n]);
        Ok(n)
    }
}

impl gdbstub::target::ext::auxv::Auxv for Session<'_> {
    /// The guest's auxiliary vector as the kernel laid it out (32-bit
    /// pairs, ending with AT_NULL): `info auxv`.
    fn get_auxv(&self, offset: u64, length: usize, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let mut bytes = Vec::new();
        for &(k, v) in self.proc.auxv.iter().chain(std::iter::once(&(0, 0))) {
            bytes.extend_from_slice(&k.to_le_bytes());
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        let start = (offset as usize).min(bytes.len());
        let n = (bytes.len() - start).min(length).min(buf.len());
        buf[..n].copy_from_slice(&bytes[start..start + n]);
        Ok(n)
    }
}

impl SingleThreadBase for Session<'_> {
    fn read_registers(&mut self, regs: &mut ArmRegs) -> TargetResult<(), Self> {
        *regs = ArmRegs::from_cpu(self.cpu);
        Ok(())
    }

    fn write_registers(&mut self, regs: &ArmRegs) -> TargetResult<(), Self> {
        regs.to_cpu(self.cpu);
        Ok(())
    }

    fn read_addrs(&mut self, start: u32, data: &mut [u8]) -> TargetResult<usize, Self> {
        // As far as the guest's mapped, readable pages go.
        let mut n = 0;
        while n < data.len() {
            let Ok(s) = self.proc.space.slice(start.wrapping_add(n as u32), 1) else {
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

    fn write_addrs(&mut self, start: u32, data: &[u8]) -> TargetResult<(), Self> {
        // Writes reach read-only pages too (code), as a debugger's do;
        // translations of the range are dropped.
        let mapped = (0..data.len() as u32)
            .all(|i| self.proc.space.flags(start.wrapping_add(i)) & crate::memory::MAPPED != 0);
        if !mapped || u64::from(start) + data.len() as u64 > 1 << 32 {
            return Err(TargetError::Errno(14));
        }
        // SAFETY: the range is mapped guest memory inside the reservation.
        unsafe {
            std::ptr::copy_nonoverlapping(
                data.as_ptr(),
                self.proc.space.host_addr(start),
                data.len(),
            )
        };
        self.engine.invalidate_range(start, data.len() as u32);
        Ok(())
    }

    fn support_resume(&mut self) -> Option<SingleThreadResumeOps<'_, Self>> {
        Some(self)
    }

    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, (), Self>> {
        Some(self)
    }
}

impl Session<'_> {
    /// Executes one instruction (and what it leads to: a system call, a
    /// signal); the stop reason if the program ended or dies.
    fn step_once(&mut self) -> Option<SingleThreadStopReason<u32>> {
        let exit = {
            let mut mem = self.proc.space.mem();
            self.engine.step(self.cpu, &mut mem)
        }?;
        match crate::handle_exit(self.proc, self.cpu, self.engine, exit, true) {
            Some(Handled::End(end)) => {
                let reason = exit_reason(&end);
                self.ended = Some(end);
                Some(reason)
            }
            Some(Handled::Fatal(sig)) => {
                self.fatal = Some(sig);
                Some(SingleThreadStopReason::Signal(gdb_signal(sig)))
            }
            Some(Handled::Stop) | None => None,
        }
    }

    /// The bytes at `addr`, if all are readable.
    fn peek(&self, addr: u32, len: u32) -> Option<Vec<u8>> {
        (0..len)
            .map(|i| Some(self.proc.space.slice(addr.wrapping_add(i), 1).ok()?[0]))
            .collect()
    }

    /// The address of a write watchpoint whose bytes changed (they are
    /// remembered anew).
    fn watch_hit(&mut self) -> Option<u32> {
        for i in 0..self.watchpoints.len() {
            let (addr, len, ref old) = self.watchpoints[i];
            let now = self.peek(addr, len);
            if now.as_ref() != Some(old) {
                self.watchpoints[i].2 = now.unwrap_or_default();
                return Some(addr);
            }
        }
        None
    }

    fn gdb_cpu(&mut self) -> &mut rsemu_core::CpuState {
        self.cpu
    }

    fn gdb_resume(&mut self, step: bool) {
        self.resume = if step { Resume::Step } else { Resume::Continue };
    }

    fn breakpoint(&mut self, addr: u32, add: bool) -> bool {
        let changed = if add {
            self.breakpoints.insert(addr)
        } else {
            self.breakpoints.remove(&addr)
        };
        self.engine.set_breakpoints(self.breakpoints.clone());
        changed || add
    }
}

impl Breakpoints for Session<'_> {
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

impl HwWatchpoint for Session<'_> {
    /// Write watchpoints only: a change of the watched bytes is seen after
    /// the instruction that made it (read watchpoints would need every
    /// access checked; GDB says it cannot set them).
    fn add_hw_watchpoint(
        &mut self,
        addr: u32,
        len: u32,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        if kind != WatchKind::Write || len == 0 || len > 64 {
            return Ok(false);
        }
        let Some(now) = self.peek(addr, len) else {
            return Ok(false);
        };
        self.watchpoints.push((addr, len, now));
        Ok(true)
    }

    fn remove_hw_watchpoint(
        &mut self,
        addr: u32,
        len: u32,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        if kind != WatchKind::Write {
            return Ok(false);
        }
        let before = self.watchpoints.len();
        self.watchpoints.retain(|w| (w.0, w.1) != (addr, len));
        Ok(self.watchpoints.len() != before)
    }
}

rsemu_gdb::impl_common_target!(Session<'_>);
