//! The running machine: builds the `virt` board from a [`Config`] (RAM,
//! devices at the addresses of [`crate::machine`], the device tree, the
//! boot files) and runs the CPU, doing between guest runs what the core
//! leaves to the machine: timer deadlines, console input, the interrupt
//! controller's inputs, PSCI calls and WFI.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use rsemu_core::arm::exception::{self, Exception};
use rsemu_core::{Accel, CpuState, Engine, Exit};

use crate::block::{self, ImageFormat};
use crate::boot;
use crate::console::{Alarm, ConsoleIn, ConsoleOut, Events};
use crate::devices::gic::{Gic, GicCpuInterface, GicDistributor};
use crate::devices::pl011::Pl011;
use crate::devices::pl031::Pl031;
use crate::devices::virtio_blk::VirtioBlk;
use crate::devices::virtio_mmio::{VirtioDevice, VirtioMmio};
use crate::devices::virtio_rng::VirtioRng;
use crate::devices::{CpuIrqLines, DmaObserver, IrqLevels, IrqLine, MmioDevice};
use crate::dtb::{self, DtbConfig};
use crate::machine::{self, irq, psci};
use crate::memory::{Bus, Ram, SystemMemory};

/// A disk given with `-drive` or `-hda`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drive {
    /// The image file.
    pub file: String,
    /// Its format (`None`: probe, as QEMU does with a warning).
    pub format: Option<ImageFormat>,
    /// Attach read-only.
    pub read_only: bool,
}

/// What the command line asked for.
#[derive(Clone, Debug)]
pub struct Config {
    /// RAM in bytes.
    pub ram_size: u64,
    /// `-kernel`.
    pub kernel: String,
    /// `-initrd`.
    pub initrd: Option<String>,
    /// `-append`.
    pub append: String,
    /// `-dtb`: the user's device tree instead of the generated one.
    pub dtb: Option<String>,
    /// Disks, in order (the first is the guest's vda).
    pub drives: Vec<Drive>,
    /// A virtio entropy device.
    pub rng: bool,
    /// `-no-reboot`: a guest reset exits instead.
    pub no_reboot: bool,
    /// The backend.
    pub accel: Accel,
    /// `-d guest_errors`.
    pub log_guest_errors: bool,
    /// `-M virt,dumpdtb=FILE`: write the device tree there and stop.
    pub dump_dtb: Option<String>,
    /// `-device loader,file=F,addr=A`: files put in memory as they are.
    pub loaders: Vec<Blob>,
}

/// A file QEMU's generic loader device puts into guest memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blob {
    /// The file.
    pub file: String,
    /// Where its bytes go.
    pub addr: u64,
    /// `force-raw=on`: an ELF file is copied as it is, not loaded.
    pub force_raw: bool,
}

/// How a run of the machine ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Power off, or quit: exit with this status.
    Exit(i32),
    /// The guest asked for a reset.
    Reset,
}

/// A device shared by the bus (guest accesses) and the machine.
struct Shared<T>(Arc<Mutex<T>>);

impl<T: MmioDevice> MmioDevice for Shared<T> {
    fn read(&mut self, offset: u32, size: u8) -> u32 {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .read(offset, size)
    }
    fn write(&mut self, offset: u32, size: u8, value: u32) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write(offset, size, value)
    }
}

/// The UART on the bus: after each guest access (a read of DR frees FIFO
/// room, a CR write may enable the receiver) it takes waiting console
/// input, so typed bytes do not wait for the next timer tick.
struct ConsoleUart {
    uart: Arc<Mutex<Pl011>>,
    input: ConsoleIn,
}

/// Moves waiting console input into the UART's FIFO, as far as it has room.
fn feed_uart(uart: &mut Pl011, input: &ConsoleIn) {
    if input.pending() {
        let room = uart.rx_room();
        if room > 0 {
            let bytes = input.take(room);
            uart.receive(&bytes);
        }
    }
}

impl MmioDevice for ConsoleUart {
    fn read(&mut self, offset: u32, size: u8) -> u32 {
        let mut uart = self.uart.lock().unwrap_or_else(|e| e.into_inner());
        let v = uart.read(offset, size);
        feed_uart(&mut uart, &self.input);
        v
    }
    fn write(&mut self, offset: u32, size: u8, value: u32) {
        let mut uart = self.uart.lock().unwrap_or_else(|e| e.into_inner());
        uart.write(offset, size, value);
        feed_uart(&mut uart, &self.input);
    }
}

/// Why [`Vm::run_until`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The machine ended.
    End(End),
    /// A debugger breakpoint at this address was reached.
    Breakpoint(u32),
    /// The caller's poll said to stop.
    Poll,
}

/// `-M virt,dumpdtb=FILE` did its job: the machine does not run.
#[derive(Debug, thiserror::Error)]
#[error("dtb dumped to {0}")]
pub struct DtbDumped(pub String);

/// The machine.
pub struct Vm {
    cpu: CpuState,
    engine: Engine,
    mem: SystemMemory,
    gic: Arc<Mutex<Gic>>,
    uart: Arc<Mutex<Pl011>>,
    rtc: Arc<Mutex<Pl031>>,
    levels: Arc<IrqLevels>,
    events: Arc<Events>,
    alarm: Alarm,
    input: ConsoleIn,
    out: ConsoleOut,
    no_reboot: bool,
    /// The timer outputs last driven onto the GIC (physical, virtual).
    timer_levels: [bool; 2],
}

impl Vm {
    /// Builds the machine and loads the boot files. `events` and `input`
    /// outlive resets (the console threads keep running).
    pub fn new(
        cfg: &Config,
        events: Arc<Events>,
        alarm: Alarm,
        input: ConsoleIn,
        out: ConsoleOut,
    ) -> Result<Vm> {
        let mut engine = Engine::new();
        engine.interrupt = events.kick.clone();
        engine
            .set_accel(cfg.accel)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        engine.set_system(true);
        // As in rsemu-arm: tests compile every block at its first run.
        if let Some(n) = std::env::var("RSEMU_JIT_THRESHOLD")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            engine.set_jit_threshold(n);
        }

        let ram = Ram::new(machine::RAM_BASE, cfg.ram_size)?;
        let kick = events.kick.clone();
        let levels = Arc::new(IrqLevels::new(kick.clone()));
        let lines = Arc::new(CpuIrqLines::with_inputs(
            engine.irq_inputs.clone(),
            kick.clone(),
        ));
        let dma = DmaObserver::new(kick.clone());
        let mut bus = Bus::default();

        let gic = Arc::new(Mutex::new(Gic::new(
            machine::GIC_IRQS,
            levels.clone(),
            lines,
        )));
        bus.add(
            machine::GIC_DIST.base,
            machine::GIC_DIST.size,
            "gic-dist",
            Box::new(GicDistributor(gic.clone())),
        );
        bus.add(
            machine::GIC_CPU.base,
            machine::GIC_CPU.size,
            "gic-cpu",
            Box::new(GicCpuInterface(gic.clone())),
        );
        let uart = Arc::new(Mutex::new(Pl011::new(
            IrqLine::new(levels.clone(), irq::UART),
            out.writer(),
        )));
        bus.add(
            machine::UART.base,
            machine::UART.size,
            "pl011",
            Box::new(ConsoleUart {
                uart: uart.clone(),
                input: input.clone(),
            }),
        );
        let rtc = Arc::new(Mutex::new(Pl031::new(IrqLine::new(
            levels.clone(),
            irq::RTC,
        ))));
        bus.add(
            machine::RTC.base,
            machine::RTC.size,
            "pl031",
            Box::new(Shared(rtc.clone())),
        );

        let mut devices: Vec<Box<dyn VirtioDevice>> = Vec::new();
        for d in &cfg.drives {
            let image = block::open_image(std::path::Path::new(&d.file), d.format, d.read_only)
                .with_context(|| format!("-drive file={}", d.file))?;
            devices.push(Box::new(VirtioBlk::new(image)));
        }
        if cfg.rng {
            let rng = VirtioRng::new().context("virtio-rng: opening the host's entropy source")?;
            devices.push(Box::new(rng));
        }
        if devices.len() > machine::VIRTIO_COUNT as usize {
            bail!(
                "too many virtio devices: {} (the board has {} transports)",
                devices.len(),
                machine::VIRTIO_COUNT
            );
        }
        let mut transports = Vec::new();
        for (k, device) in devices.into_iter().enumerate() {
            let k = k as u32;
            let w = machine::virtio(k);
            let transport = VirtioMmio::new(
                Some(device),
                ram.mem.clone(),
                IrqLine::new(levels.clone(), irq::virtio(k)),
                dma.clone(),
            );
            bus.add(w.base, w.size, "virtio-mmio", Box::new(transport));
            transports.push(k);
        }

        if let Some(path) = &cfg.dump_dtb {
            let tree = dtb::build(&DtbConfig {
                ram_size: cfg.ram_size,
                bootargs: cfg.append.clone(),
                initrd: None,
                virtio: transports,
                rng_seed: Vec::new(),
            })
            .map_err(|e| anyhow::anyhow!("writing the device tree: {e}"))?;
            std::fs::write(path, tree).with_context(|| format!("dumpdtb={path}"))?;
            return Err(DtbDumped(path.clone()).into());
        }

        // Boot files.
        let read = |what: &'static str, path: &str| {
            std::fs::read(path).map_err(|err| boot::BootError::Read {
                what,
                path: path.to_string(),
                err,
            })
        };
        let kernel = read("kernel", &cfg.kernel)?;
        let boot = boot::load_kernel(&ram, &cfg.kernel, &kernel)?;
        let mut end = boot.kernel_end;
        let mut initrd = None;
        if let Some(path) = &cfg.initrd {
            let data = read("initrd", path)?;
            let at = boot::initrd_address(&ram, &boot);
            let range = boot::load_initrd(&ram, at, &data)?;
            end = range.1;
            initrd = Some(range);
        }
        let tree = DtbConfig {
            ram_size: cfg.ram_size,
            bootargs: cfg.append.clone(),
            initrd,
            virtio: transports,
            rng_seed: host_random(64),
        };
        let dtb = match &cfg.dtb {
            Some(path) => {
                let data = read("device tree", path)?;
                dtb::patch(&data, &tree).with_context(|| format!("-dtb {path}"))?
            }
            None => {
                dtb::build(&tree).map_err(|e| anyhow::anyhow!("writing the device tree: {e}"))?
            }
        };
        let dtb_at = boot::dtb_address(&ram, &boot, end);
        boot::load_dtb(&ram, dtb_at, &dtb)?;
        for blob in &cfg.loaders {
            let data = read("-device loader file", &blob.file)?;
            if data.starts_with(b"\x7fELF") && !blob.force_raw {
                bail!(
                    "-device loader,file={}: loading an ELF this way is not supported (add force-raw=on to copy it as it is)",
                    blob.file
                );
            }
            if !ram.write(blob.addr, &data) {
                bail!(
                    "-device loader,file={}: {} bytes at 0x{:x} do not fit in guest RAM",
                    blob.file,
                    data.len(),
                    blob.addr
                );
            }
        }

        let mut cpu = CpuState::default();
        boot::set_entry_state(&mut cpu, &boot, dtb_at);

        let mut mem = SystemMemory::new(ram, bus, dma, kick);
        mem.log_guest_errors = cfg.log_guest_errors;
        let _ = rsemu_core::GuestMemory::set_mmu(&mut mem, &cpu.mmu_state());
        Ok(Vm {
            cpu,
            engine,
            mem,
            gic,
            uart,
            rtc,
            levels,
            events,
            alarm,
            input,
            out,
            no_reboot: cfg.no_reboot,
            timer_levels: [false; 2],
        })
    }

    /// Logs every block as it runs (`-d exec`; interpreted), every
    /// exception taken (`-d int`) and the host code of every compiled
    /// block (`-d out_asm`).
    pub fn set_logging(&mut self, exec: bool, exceptions: bool, out_asm: bool) {
        self.engine.trace_exec = exec;
        self.engine.log_exceptions = exceptions;
        self.engine.set_log_out_asm(out_asm);
    }

    /// Runs the machine until it powers off, resets or the user quits.
    pub fn run(&mut self) -> End {
        loop {
            if let Stop::End(end) = self.run_until(|| false) {
                return end;
            }
        }
    }

    /// Runs the machine until it powers off, resets or the user quits, a
    /// debugger breakpoint is reached, or `poll` (asked whenever the
    /// machine looks at its devices) says to stop.
    pub fn run_until(&mut self, mut poll: impl FnMut() -> bool) -> Stop {
        loop {
            if let Some(end) = self.service() {
                self.out.flush();
                return Stop::End(end);
            }
            if poll() {
                self.out.flush();
                return Stop::Poll;
            }
            match self.engine.run(&mut self.cpu, &mut self.mem) {
                Exit::Interrupted => self.engine.interrupt.store(false, Ordering::SeqCst),
                Exit::TimerChanged => {}
                Exit::Wait => {
                    if self.idle(&mut poll) {
                        self.out.flush();
                        return Stop::Poll;
                    }
                }
                Exit::Hvc { pc, .. } | Exit::Smc { pc, .. } => {
                    if let Some(end) = self.psci(pc) {
                        self.out.flush();
                        return Stop::End(end);
                    }
                }
                Exit::Debug { pc } => {
                    self.out.flush();
                    return Stop::Breakpoint(pc);
                }
                other => {
                    // The engine takes every other exit itself in system
                    // mode: reaching here is an emulator bug.
                    self.out.flush();
                    eprintln!(
                        "rsemu-system-arm: internal error: unexpected exit {other:?} at pc 0x{:08x}",
                        self.cpu.r[15]
                    );
                    return Stop::End(End::Exit(1));
                }
            }
        }
    }

    /// Executes one instruction (a debugger's step): exceptions are taken,
    /// PSCI calls answered, WFI stepped over. `Some` if the machine ended.
    pub fn step(&mut self) -> Option<End> {
        let end = match self.engine.step(&mut self.cpu, &mut self.mem) {
            Some(Exit::Hvc { pc, .. } | Exit::Smc { pc, .. }) => self.psci(pc),
            _ => None,
        };
        let end = end.or_else(|| self.service());
        self.out.flush();
        end
    }

    /// The CPU (for a debugger).
    pub fn cpu(&mut self) -> &mut CpuState {
        &mut self.cpu
    }

    /// Guest memory (for a debugger).
    pub fn memory(&mut self) -> &mut SystemMemory {
        &mut self.mem
    }

    /// Sets the debugger's breakpoints.
    pub fn set_breakpoints(&mut self, breakpoints: std::collections::BTreeSet<u32>) {
        self.engine.set_breakpoints(breakpoints);
    }

    /// The events that wake the machine.
    pub fn events(&self) -> &Arc<Events> {
        &self.events
    }

    /// Does what the devices need between guest runs. `Some` when the
    /// machine must stop.
    fn service(&mut self) -> Option<End> {
        if self.events.quit_requested() {
            return Some(End::Exit(0));
        }
        feed_uart(
            &mut self.uart.lock().unwrap_or_else(|e| e.into_inner()),
            &self.input,
        );
        self.rtc.lock().unwrap_or_else(|e| e.into_inner()).poll();
        self.update_timers();
        self.gic.lock().unwrap_or_else(|e| e.into_inner()).update();
        self.out.flush();
        None
    }

    /// Drives the timer outputs onto their PPIs and arms the alarm for
    /// the next deadline.
    fn update_timers(&mut self) {
        let cp15 = &self.cpu.sys.cp15;
        let timers = cp15.timers();
        let ids = [irq::TIMER_PHYS, irq::TIMER_VIRT];
        let mut next: Option<u64> = None;
        for (k, t) in timers.iter().enumerate() {
            if t.asserted != self.timer_levels[k] {
                self.levels.set(ids[k], t.asserted);
                self.timer_levels[k] = t.asserted;
            }
            if let (Some(d), false) = (t.deadline, t.asserted) {
                next = Some(next.map_or(d, |n: u64| n.min(d)));
            }
        }
        let timer = next.map(|d| cp15.instant_of(d));
        let rtc = self
            .rtc
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .alarm_in()
            .map(|d| std::time::Instant::now() + d);
        let earliest = match (timer, rtc) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.alarm.set(earliest);
    }

    /// WFI: sleeps until an interrupt is pending (masked or not, as the
    /// architecture says) or the user quits. True if `poll` asked to stop.
    fn idle(&mut self, poll: &mut impl FnMut() -> bool) -> bool {
        loop {
            if self.service().is_some() {
                return false;
            }
            if poll() {
                return true;
            }
            let inputs = &self.engine.irq_inputs;
            if inputs.irq.load(Ordering::SeqCst) || inputs.fiq.load(Ordering::SeqCst) {
                return false;
            }
            // The alarm thread holds the next timer deadline; console input
            // notifies too.
            self.events.wait(None);
            self.engine.interrupt.store(false, Ordering::SeqCst);
        }
    }

    /// An HVC or SMC at `pc`: PSCI if r0 holds a PSCI function ID, else
    /// an undefined instruction (no EL2 or EL3 behind it).
    fn psci(&mut self, pc: u32) -> Option<End> {
        let function = self.cpu.r[0];
        let is_psci = matches!(function, 0x8400_0000..=0x8400_001f | 0xc400_0000..=0xc400_001f);
        if !is_psci {
            exception::take(&mut self.cpu, &mut self.mem, Exception::Undefined, pc);
            return None;
        }
        let ret: i32 = match function {
            psci::VERSION => psci::IMPLEMENTED_VERSION as i32,
            psci::SYSTEM_OFF => return Some(End::Exit(0)),
            psci::SYSTEM_RESET => {
                return Some(if self.no_reboot {
                    End::Exit(0)
                } else {
                    End::Reset
                })
            }
            // One CPU: turning it off stops the machine.
            psci::CPU_OFF => return Some(End::Exit(0)),
            psci::CPU_ON | 0xc400_0003 => {
                if self.cpu.r[1] & 0xff_ffff == 0 {
                    psci::ALREADY_ON
                } else {
                    psci::INVALID_PARAMETERS
                }
            }
            psci::AFFINITY_INFO | 0xc400_0004 => {
                if self.cpu.r[1] & 0xff_ffff == 0 {
                    0 // ON
                } else {
                    psci::INVALID_PARAMETERS
                }
            }
            psci::MIGRATE_INFO_TYPE => 2, // no Trusted OS
            psci::FEATURES => match self.cpu.r[1] {
                psci::VERSION
                | psci::CPU_OFF
                | psci::CPU_ON
                | psci::AFFINITY_INFO
                | psci::MIGRATE_INFO_TYPE
                | psci::SYSTEM_OFF
                | psci::SYSTEM_RESET
                | psci::FEATURES => psci::SUCCESS,
                _ => psci::NOT_SUPPORTED,
            },
            _ => psci::NOT_SUPPORTED,
        };
        self.cpu.r[0] = ret as u32;
        None
    }
}

/// `n` bytes from the host's entropy source (empty if it fails: the seed
/// only speeds up the guest's random pool).
fn host_random(n: usize) -> Vec<u8> {
    use std::io::Read;
    let mut buf = vec![0u8; n];
    match std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf)) {
        Ok(()) => buf,
        Err(_) => Vec::new(),
    }
}
