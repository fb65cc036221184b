//! The GDB server of `-s`/`-S`/`-gdb tcp::PORT`: the machine as one GDB
//! thread over the `gdbstub` crate, with the architecture of `rsemu-gdb`
//! (core, VFP and NEON registers).
//!
//! GDB reads and writes registers and virtual memory (through the page
//! tables as the CPU currently sees them, RAM only), sets breakpoints (the
//! software and hardware kinds are the same here: the engine stops before
//! the address), single-steps and continues; Ctrl-C in GDB stops the
//! machine. While the machine runs, a ticker wakes it every few
//! milliseconds so that incoming GDB data is noticed even if the guest
//! spins without interrupts. Watchpoints are left to GDB, which emulates
//! them by single-stepping.

use std::collections::BTreeSet;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gdbstub::common::Signal;
use gdbstub::conn::ConnectionExt;
use gdbstub::stub::{run_blocking, DisconnectReason, GdbStub, SingleThreadStopReason};
use gdbstub::target::ext::base::single_register_access::SingleRegisterAccessOps;
use gdbstub::target::ext::base::singlethread::{SingleThreadBase, SingleThreadResumeOps};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpointOps, SwBreakpointOps,
};
use gdbstub::target::{Target, TargetError, TargetResult};
use rsemu_gdb::{ArmRegs, ArmV7};

use crate::console::Events;
use crate::vm::{End, Stop, Vm};

/// How often a running machine looks for GDB's input.
const POLL: Duration = Duration::from_millis(20);

/// What the GDB session asked the machine to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resume {
    Continue,
    Step,
}

/// The machine as GDB's target.
pub struct Session {
    vm: Vm,
    breakpoints: BTreeSet<u32>,
    resume: Resume,
    ticker: Arc<AtomicBool>,
}

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// GDB detached: the machine runs on without it.
    Detached,
    /// The machine ended (power-off, reset, quit), or GDB killed it.
    Ended(End),
}

/// Starts the thread that wakes a running machine every [`POLL`] while
/// `running` is set.
fn start_ticker(events: Arc<Events>) -> Arc<AtomicBool> {
    let running = Arc::new(AtomicBool::new(false));
    let flag = running.clone();
    let _ = std::thread::Builder::new()
        .name("rsemu-gdb-tick".into())
        .spawn(move || loop {
            std::thread::sleep(POLL);
            if flag.load(Ordering::SeqCst) {
                events.notify();
            }
        });
    running
}

/// Runs a GDB session on `stream` with the machine stopped, until GDB
/// detaches or the machine ends; gives the machine back.
pub fn serve(vm: Vm, stream: TcpStream) -> (Vm, anyhow::Result<Outcome>) {
    let ticker = start_ticker(vm.events().clone());
    let mut session = Session {
        vm,
        breakpoints: BTreeSet::new(),
        resume: Resume::Continue,
        ticker,
    };
    let conn: Box<dyn ConnectionExt<Error = std::io::Error>> = Box::new(stream);
    let result = GdbStub::new(conn).run_blocking::<EventLoop>(&mut session);
    session.vm.set_breakpoints(BTreeSet::new());
    session.ticker.store(false, Ordering::SeqCst);
    let outcome = match result {
        Ok(DisconnectReason::Disconnect) => Ok(Outcome::Detached),
        Ok(DisconnectReason::TargetExited(code)) => Ok(Outcome::Ended(End::Exit(code as i32))),
        Ok(DisconnectReason::TargetTerminated(_)) | Ok(DisconnectReason::Kill) => {
            Ok(Outcome::Ended(End::Exit(0)))
        }
        Err(e) => Err(anyhow::anyhow!("gdb session: {e}")),
    };
    (session.vm, outcome)
}

enum EventLoop {}

impl run_blocking::BlockingEventLoop for EventLoop {
    type Target = Session;
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
        let reason = |end: End| match end {
            End::Exit(code) => SingleThreadStopReason::Exited(code as u8),
            // A reboot under GDB: report the machine gone, as a fresh boot
            // would need a fresh session.
            End::Reset => SingleThreadStopReason::Exited(0),
        };
        if target.resume == Resume::Step || target.breakpoints.contains(&target.vm.cpu().r[15]) {
            // Single step; also the first step off a breakpoint GDB
            // continues from.
            if let Some(end) = target.vm.step() {
                return Ok(run_blocking::Event::TargetStopped(reason(end)));
            }
            if target.resume == Resume::Step {
                return Ok(run_blocking::Event::TargetStopped(
                    SingleThreadStopReason::DoneStep,
                ));
            }
        }
        target.ticker.store(true, Ordering::SeqCst);
        let stop = target
            .vm
            .run_until(|| conn.peek().map(|b| b.is_some()).unwrap_or(true));
        target.ticker.store(false, Ordering::SeqCst);
        match stop {
            Stop::Poll => {
                let byte = conn
                    .read()
                    .map_err(run_blocking::WaitForStopReasonError::Connection)?;
                Ok(run_blocking::Event::IncomingData(byte))
            }
            Stop::Breakpoint(_) => Ok(run_blocking::Event::TargetStopped(
                SingleThreadStopReason::SwBreak(()),
            )),
            Stop::End(end) => Ok(run_blocking::Event::TargetStopped(reason(end))),
        }
    }

    fn on_interrupt(_target: &mut Self::Target) -> Result<Option<Self::StopReason>, String> {
        Ok(Some(SingleThreadStopReason::Signal(Signal::SIGINT)))
    }
}

impl Target for Session {
    type Arch = ArmV7;
    type Error = String;

    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::SingleThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }
}

impl SingleThreadBase for Session {
    fn read_registers(&mut self, regs: &mut ArmRegs) -> TargetResult<(), Self> {
        *regs = ArmRegs::from_cpu(self.vm.cpu());
        Ok(())
    }

    fn write_registers(&mut self, regs: &ArmRegs) -> TargetResult<(), Self> {
        regs.to_cpu(self.vm.cpu());
        Ok(())
    }

    fn read_addrs(&mut self, start: u32, data: &mut [u8]) -> TargetResult<usize, Self> {
        match self.vm.memory().debug_access(start, data, false) {
            0 if !data.is_empty() => Err(TargetError::Errno(14)), // EFAULT
            n => Ok(n),
        }
    }

    fn write_addrs(&mut self, start: u32, data: &[u8]) -> TargetResult<(), Self> {
        let mut buf = data.to_vec();
        if self.vm.memory().debug_access(start, &mut buf, true) == data.len() {
            Ok(())
        } else {
            Err(TargetError::Errno(14))
        }
    }

    fn support_resume(&mut self) -> Option<SingleThreadResumeOps<'_, Self>> {
        Some(self)
    }

    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, (), Self>> {
        Some(self)
    }
}

impl Session {
    fn gdb_cpu(&mut self) -> &mut rsemu_core::CpuState {
        self.vm.cpu()
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
        self.vm.set_breakpoints(self.breakpoints.clone());
        changed || add
    }
}

impl Breakpoints for Session {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }
}

rsemu_gdb::impl_common_target!(Session);
