//! `rsemu-system-arm`: emulates QEMU's `virt` board with one Cortex-A15
//! and boots a Linux zImage (or a bare-metal ELF), with QEMU's command
//! line:
//!
//! ```text
//! rsemu-system-arm -M virt -m 256 -kernel vmlinuz -initrd initrd.gz \
//!     -append 'console=ttyAMA0' -nographic -no-reboot \
//!     -drive file=disk.qcow2,format=qcow2,if=virtio
//! ```
//!
//! Options are parsed here by hand: QEMU's single-dash long options and
//! comma-separated sub-options (`-drive file=x,format=y`) are not what
//! argument-parsing crates expect.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use rsemu_core::Accel;
use rsemu_softmmu::block::ImageFormat;
use rsemu_softmmu::console::{self, Alarm, ConsoleOut, Events, Serial};
use rsemu_softmmu::gdb::{self, Outcome};
use rsemu_softmmu::vm::{Config, Drive, DtbDumped, End, Stop, Vm};

const USAGE: &str = "\
usage: rsemu-system-arm [options]

Emulates QEMU's 'virt' board with one Cortex-A15 (ARMv7-A, LPAE, VFPv4,
NEON): GICv2, generic timer, PL011 UART, PL031 RTC, virtio-mmio disks and
entropy, PSCI.

  -M virt[,prop=val]   the machine (the only one; -M help lists it);
                       -M virt,dumpdtb=FILE writes its device tree and exits
  -m SIZE              RAM (default 128M; suffixes K, M, G; plain numbers are MiB)
  -cpu cortex-a15      the CPU (-cpu help lists it)
  -smp 1               one CPU only
  -kernel FILE         zImage, raw Image or ELF to boot
  -initrd FILE         initial ramdisk
  -append STRING       kernel command line
  -dtb FILE            use this device tree instead of the generated one
  -drive file=F[,format=raw|qcow2][,if=virtio|none][,readonly=on][,id=ID]
                       a disk (virtio-blk over virtio-mmio)
  -hda FILE            a disk, format probed
  -device virtio-blk-device,drive=ID | virtio-blk-pci,drive=ID
                       attach an if=none drive
  -device virtio-rng-device | virtio-rng-pci
                       an entropy device
  -device loader,file=F,addr=A
                       put the bytes of F into guest memory at A
  -nographic           serial console on stdio (Ctrl-A x quits, Ctrl-A h helps)
  -serial stdio|mon:stdio|file:PATH|null
  -monitor none        (no monitor is emulated)
  -display none
  -no-reboot           exit when the guest resets
  -accel jit|interp    the backend (tcg means jit; default jit)
  -s                   a GDB server on tcp::1234 (-gdb tcp::PORT for another)
  -S                   wait for GDB before the first instruction
  -d guest_errors,int,exec,out_asm
                       log accesses to nothing / exceptions taken / every
                       block run / the host code of each compiled block
                       (to stderr)
  -D FILE              write the emulator's log to FILE
  -version             print the version
";

fn parse_size(s: &str) -> Result<u64> {
    let s = s.strip_prefix("size=").unwrap_or(s);
    let (num, mult) = match s.chars().last() {
        Some('k' | 'K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('m' | 'M') => (&s[..s.len() - 1], 1 << 20),
        Some('g' | 'G') => (&s[..s.len() - 1], 1 << 30),
        Some('b' | 'B') => (&s[..s.len() - 1], 1),
        _ => (s, 1 << 20),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| anyhow!("invalid memory size '{s}'"))?;
    if n.is_nan() || n <= 0.0 {
        bail!("invalid memory size '{s}'");
    }
    Ok((n * mult as f64) as u64)
}

/// `key=value` pairs of a comma-separated option (a bare first word is
/// returned under the key "").
fn sub_options(s: &str) -> Vec<(String, String)> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (String::new(), p.to_string()),
        })
        .collect()
}

fn on_off(key: &str, v: &str) -> Result<bool> {
    match v {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => bail!("{key}={v}: expected on or off"),
    }
}

struct Parsed {
    cfg: Config,
    /// Where the GDB server listens (`-s`, `-gdb`).
    gdb: Option<String>,
    /// `-S`: wait for GDB before the first instruction.
    wait_for_gdb: bool,
    serial: Serial,
    escapes: bool,
    exec_trace: bool,
    log_int: bool,
    log_out_asm: bool,
    log_file: Option<String>,
}

/// A -drive before its -device (if=none) is seen.
struct PendingDrive {
    id: Option<String>,
    drive: Drive,
    attached: bool,
}

fn parse(args: Vec<String>) -> Result<Option<Parsed>> {
    let mut cfg = Config {
        ram_size: 128 << 20,
        kernel: String::new(),
        initrd: None,
        append: String::new(),
        dtb: None,
        drives: Vec::new(),
        rng: false,
        no_reboot: false,
        accel: Accel::Jit,
        log_guest_errors: false,
        dump_dtb: None,
        loaders: Vec::new(),
    };
    let mut serial = Serial::Stdio;
    let mut escapes = true;
    let mut exec_trace = false;
    let mut log_int = false;
    let mut log_out_asm = false;
    let mut log_file = None;
    let mut gdb: Option<String> = None;
    let mut wait_for_gdb = false;
    let mut drives: Vec<PendingDrive> = Vec::new();
    let mut attach: Vec<String> = Vec::new();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        // QEMU accepts --opt as well as -opt.
        let opt = arg
            .strip_prefix("--")
            .map(|o| format!("-{o}"))
            .unwrap_or(arg.clone());
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| anyhow!("option {name} needs an argument"))
        };
        match opt.as_str() {
            "-h" | "-help" => {
                print!("{USAGE}");
                return Ok(None);
            }
            "-version" => {
                println!(
                    "rsemu-system-arm version {} (QEMU-compatible 'virt' machine)",
                    env!("CARGO_PKG_VERSION")
                );
                return Ok(None);
            }
            "-M" | "-machine" => {
                let v = value(&opt)?;
                let props = sub_options(&v);
                for (k, val) in props {
                    match (k.as_str(), val.as_str()) {
                        ("" | "type", "virt") => {}
                        ("" | "type", m) if m.starts_with("virt-") => {}
                        ("" | "type", "help" | "?") => {
                            println!("Supported machines are:");
                            println!(
                                "virt                 QEMU 'virt' board, one Cortex-A15 (default)"
                            );
                            return Ok(None);
                        }
                        ("" | "type", m) => bail!("unsupported machine type '{m}' (use -M help)"),
                        // Accepted for QEMU command-line compatibility;
                        // they describe what this board already is.
                        (
                            "highmem" | "secure" | "virtualization" | "its" | "iommu" | "ras"
                            | "mte" | "dtb-randomness" | "dtb-kaslr-seed",
                            _,
                        ) => {
                            on_off(&k, &val).or_else(|_| {
                                if k == "iommu" && val == "none" {
                                    Ok(false)
                                } else {
                                    Err(anyhow!("-M {k}={val}: expected on or off"))
                                }
                            })?;
                            if matches!(k.as_str(), "secure" | "virtualization" | "mte")
                                && on_off(&k, &val)?
                            {
                                bail!("-M {k}=on is not supported (the CPU has no EL3/EL2)");
                            }
                        }
                        ("dumpdtb", path) => cfg.dump_dtb = Some(path.to_string()),
                        ("gic-version", "2") => {}
                        ("gic-version", g) => bail!("-M gic-version={g}: only a GICv2 is emulated"),
                        ("accel", a) => cfg.accel = parse_accel(a)?,
                        (k, _) => bail!("-M: unsupported property '{k}'"),
                    }
                }
            }
            "-m" => cfg.ram_size = parse_size(&value(&opt)?)?,
            "-cpu" => match value(&opt)?.as_str() {
                "cortex-a15" => {}
                "help" | "?" => {
                    println!("Available CPUs:\n  cortex-a15");
                    return Ok(None);
                }
                c => bail!("unsupported CPU '{c}': rsemu-system-arm emulates a cortex-a15"),
            },
            "-smp" => {
                let v = value(&opt)?;
                let n = sub_options(&v)
                    .into_iter()
                    .find(|(k, _)| k.is_empty() || k == "cpus")
                    .map(|(_, v)| v)
                    .unwrap_or_else(|| "1".into());
                if n != "1" {
                    bail!("-smp {v}: only one CPU is emulated");
                }
            }
            "-kernel" => cfg.kernel = value(&opt)?,
            "-initrd" => cfg.initrd = Some(value(&opt)?),
            "-append" => cfg.append = value(&opt)?,
            "-dtb" => cfg.dtb = Some(value(&opt)?),
            "-hda" => drives.push(PendingDrive {
                id: None,
                drive: Drive {
                    file: value(&opt)?,
                    format: None,
                    read_only: false,
                },
                attached: true,
            }),
            "-drive" => {
                let v = value(&opt)?;
                let mut file = None;
                let mut format = None;
                let mut read_only = false;
                let mut id = None;
                let mut interface = "virtio".to_string();
                for (k, val) in sub_options(&v) {
                    match k.as_str() {
                        "file" => file = Some(val),
                        "format" => {
                            format = Some(match val.as_str() {
                                "raw" => ImageFormat::Raw,
                                "qcow2" => ImageFormat::Qcow2,
                                f => bail!("-drive format={f}: only raw and qcow2 are supported"),
                            })
                        }
                        "if" => interface = val,
                        "readonly" => read_only = on_off("readonly", &val)?,
                        "id" => id = Some(val),
                        // Host caching and AIO choices do not change what
                        // the guest sees.
                        "cache" | "aio" | "discard" | "detect-zeroes" | "media" | "index"
                            if k != "media" || val == "disk" => {}
                        _ => bail!("-drive: unsupported option '{k}={val}'"),
                    }
                }
                let file = file.ok_or_else(|| anyhow!("-drive {v}: no file= given"))?;
                let attached = match interface.as_str() {
                    "virtio" => true,
                    "none" => false,
                    other => bail!(
                        "-drive if={other}: the virt board has only virtio disks (use if=virtio)"
                    ),
                };
                drives.push(PendingDrive {
                    id,
                    drive: Drive {
                        file,
                        format,
                        read_only,
                    },
                    attached,
                });
            }
            "-device" => {
                let v = value(&opt)?;
                let props = sub_options(&v);
                let kind = props.first().map(|(_, v)| v.clone()).unwrap_or_default();
                match kind.as_str() {
                    "virtio-blk-device" | "virtio-blk-pci" | "virtio-blk" => {
                        let id = props
                            .iter()
                            .find(|(k, _)| k == "drive")
                            .map(|(_, v)| v.clone())
                            .ok_or_else(|| anyhow!("-device {kind}: drive= is required"))?;
                        attach.push(id);
                    }
                    "virtio-rng-device" | "virtio-rng-pci" | "virtio-rng" => cfg.rng = true,
                    "loader" => {
                        let get = |k: &str| {
                            props
                                .iter()
                                .find(|(key, _)| key == k)
                                .map(|(_, v)| v.clone())
                        };
                        let file = get("file")
                            .ok_or_else(|| anyhow!("-device loader: file= is required (data= and cpu-num= are not supported)"))?;
                        let addr = get("addr").ok_or_else(|| {
                            anyhow!("-device loader,file={file}: addr= is required")
                        })?;
                        let addr = parse_number(&addr)
                            .ok_or_else(|| anyhow!("-device loader: invalid addr={addr}"))?;
                        let raw = get("force-raw")
                            .map(|v| on_off("force-raw", &v))
                            .transpose()?;
                        cfg.loaders.push(rsemu_softmmu::vm::Blob {
                            file,
                            addr,
                            force_raw: raw.unwrap_or(false),
                        });
                    }
                    "help" => {
                        println!("Devices: virtio-blk-device (virtio-blk-pci), virtio-rng-device (virtio-rng-pci)");
                        return Ok(None);
                    }
                    d => bail!("-device {d}: not emulated (virtio-blk and virtio-rng are)"),
                }
            }
            "-object" => {
                // rng-random/rng-builtin back a virtio-rng in QEMU; the
                // entropy here always comes from the host's getrandom.
                let v = value(&opt)?;
                if !v.starts_with("rng-") {
                    bail!("-object {v}: not supported");
                }
            }
            "-nographic" => {
                serial = Serial::Stdio;
                escapes = true;
            }
            "-serial" => {
                let v = value(&opt)?;
                (serial, escapes) = match v.as_str() {
                    "stdio" => (Serial::Stdio, false),
                    "mon:stdio" => (Serial::Stdio, true),
                    "null" | "none" => (Serial::Null, false),
                    f if f.starts_with("file:") => (Serial::File(f[5..].to_string()), false),
                    other => {
                        bail!("-serial {other}: supported are stdio, mon:stdio, file:PATH, null")
                    }
                };
            }
            "-monitor" => {
                let v = value(&opt)?;
                if v != "none" {
                    bail!("-monitor {v}: no monitor is emulated (use -monitor none)");
                }
            }
            "-display" | "-vga" => {
                let v = value(&opt)?;
                if v != "none" {
                    bail!("{opt} {v}: there is no display (use -nographic)");
                }
            }
            "-net" | "-nic" => {
                let v = value(&opt)?;
                if v != "none" {
                    bail!("{opt} {v}: networking is not emulated yet");
                }
            }
            "-rtc" => {
                let v = value(&opt)?;
                if !sub_options(&v)
                    .iter()
                    .all(|(k, val)| k == "base" && val == "utc")
                {
                    bail!("-rtc {v}: the RTC always runs on the host's UTC clock");
                }
            }
            "-no-reboot" => cfg.no_reboot = true,
            "-nodefaults" => {}
            "-accel" => cfg.accel = parse_accel(&value(&opt)?)?,
            "-d" => {
                for item in value(&opt)?.split(',') {
                    match item {
                        "guest_errors" => cfg.log_guest_errors = true,
                        "exec" => exec_trace = true,
                        "int" => log_int = true,
                        "out_asm" => log_out_asm = true,
                        i => bail!(
                            "-d {i}: supported log items are guest_errors, int, exec and out_asm"
                        ),
                    }
                }
            }
            "-D" => log_file = Some(value(&opt)?),
            "-s" => gdb = Some("tcp::1234".into()),
            "-S" => wait_for_gdb = true,
            "-gdb" => gdb = Some(value(&opt)?),
            o => bail!("unknown option '{o}' (rsemu-system-arm -h lists the options)"),
        }
    }
    if cfg.kernel.is_empty() && cfg.dump_dtb.is_none() {
        bail!("no kernel given: use -kernel FILE (rsemu-system-arm -h for help)");
    }
    for id in attach {
        let d = drives
            .iter_mut()
            .find(|d| d.id.as_deref() == Some(id.as_str()))
            .ok_or_else(|| anyhow!("-device ...,drive={id}: no -drive with id={id}"))?;
        d.attached = true;
    }
    for d in drives {
        if !d.attached {
            bail!(
                "-drive file={}: if=none but no -device uses it",
                d.drive.file
            );
        }
        cfg.drives.push(d.drive);
    }
    if cfg.ram_size < (16 << 20) || cfg.ram_size > rsemu_softmmu::machine::RAM_MAX {
        bail!(
            "-m: RAM must be between 16 MiB and {} MiB",
            rsemu_softmmu::machine::RAM_MAX >> 20
        );
    }
    if wait_for_gdb && gdb.is_none() {
        bail!("-S: the machine would wait for a debugger, but no -s or -gdb gives it a port");
    }
    let gdb = gdb.map(|g| gdb_address(&g)).transpose()?;
    Ok(Some(Parsed {
        cfg,
        gdb,
        wait_for_gdb,
        serial,
        escapes,
        exec_trace,
        log_int,
        log_out_asm,
        log_file,
    }))
}

/// The socket address of `-gdb tcp::PORT` or `tcp:HOST:PORT` (QEMU's
/// chardev syntax; `tcp::PORT` listens on every interface, as QEMU's).
fn gdb_address(spec: &str) -> Result<String> {
    let rest = spec
        .strip_prefix("tcp:")
        .ok_or_else(|| anyhow!("-gdb {spec}: supported is tcp::PORT or tcp:HOST:PORT"))?;
    let (host, port) = rest
        .rsplit_once(':')
        .ok_or_else(|| anyhow!("-gdb {spec}: no port"))?;
    let port: u16 = port
        .split(',')
        .next()
        .unwrap_or("")
        .parse()
        .map_err(|_| anyhow!("-gdb {spec}: invalid port"))?;
    let host = if host.is_empty() { "0.0.0.0" } else { host };
    Ok(format!("{host}:{port}"))
}

/// A number as QEMU takes it: decimal, or hexadecimal with 0x.
fn parse_number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn parse_accel(v: &str) -> Result<Accel> {
    let name = v.split(',').next().unwrap_or("");
    match name {
        "jit" | "tcg" => Ok(Accel::Jit),
        "interp" => Ok(Accel::Interp),
        a => bail!("-accel {a}: supported are jit (or tcg) and interp"),
    }
}

fn run() -> Result<i32> {
    let Some(p) = parse(std::env::args().skip(1).collect())? else {
        return Ok(0);
    };
    if let Some(path) = &p.log_file {
        let f = std::fs::File::create(path).with_context(|| format!("-D {path}"))?;
        use std::os::fd::AsRawFd;
        // SAFETY: dup2 onto stderr of a file this process just opened; the
        // emulator's notes then go to the log file.
        unsafe { libc::dup2(f.as_raw_fd(), 2) };
    }
    let kick = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let events = Events::new(kick);
    console::catch_termination(events.clone());
    let out = ConsoleOut::open(&p.serial).context("-serial")?;
    let input = if p.serial == Serial::Stdio {
        if p.escapes {
            console::enter_raw_mode();
        }
        console::start_input(events.clone(), p.escapes)
    } else {
        Default::default()
    };
    // The GDB server: connections come through a channel from a thread
    // that accepts them, and wake the machine.
    let debugger = match &p.gdb {
        Some(addr) => {
            let listener = std::net::TcpListener::bind(addr)
                .with_context(|| format!("-gdb: cannot listen on {addr}"))?;
            let (tx, rx) = std::sync::mpsc::channel();
            let wake = events.clone();
            std::thread::Builder::new()
                .name("rsemu-gdb-accept".into())
                .spawn(move || {
                    for stream in listener.incoming().flatten() {
                        let _ = stream.set_nodelay(true);
                        if tx.send(stream).is_err() {
                            return;
                        }
                        wake.notify();
                    }
                })
                .context("starting the gdb server")?;
            Some(rx)
        }
        None => None,
    };
    let mut first_boot = true;
    loop {
        let alarm = Alarm::start(events.clone());
        let mut vm = match Vm::new(&p.cfg, events.clone(), alarm, input.clone(), out.clone()) {
            Ok(vm) => vm,
            Err(e) if e.is::<DtbDumped>() => {
                eprintln!("rsemu-system-arm: info: {e}. Exiting.");
                return Ok(0);
            }
            Err(e) => return Err(e),
        };
        vm.set_logging(p.exec_trace, p.log_int, p.log_out_asm);
        let mut pending = None;
        if p.wait_for_gdb && first_boot {
            if let Some(rx) = &debugger {
                pending = rx.recv().ok();
            }
        }
        first_boot = false;
        let end = loop {
            if let Some(stream) = pending.take() {
                let outcome;
                (vm, outcome) = gdb::serve(vm, stream);
                match outcome? {
                    Outcome::Detached => {}
                    Outcome::Ended(end) => break end,
                }
            }
            let poll = || match debugger.as_ref().map(|rx| rx.try_recv()) {
                Some(Ok(stream)) => {
                    pending = Some(stream);
                    true
                }
                _ => false,
            };
            match vm.run_until(poll) {
                Stop::End(end) => break end,
                Stop::Poll | Stop::Breakpoint(_) => {}
            }
        };
        match end {
            End::Exit(code) => {
                drop(vm); // flushes and closes the disk images
                if let Some(sig) = console::quit_signal() {
                    eprintln!("rsemu-system-arm: terminating on signal {sig}");
                }
                return Ok(code);
            }
            End::Reset => continue,
        }
    }
}

fn main() -> ExitCode {
    let result = run();
    console::restore_terminal();
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("rsemu-system-arm: {e:#}");
            ExitCode::from(1)
        }
    }
}
