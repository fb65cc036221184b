//! `rsemu-arm`: runs a 32-bit ARM Linux program on an x86-64 Linux host.
//!
//! The command line follows qemu-arm's: `rsemu-arm [options] PROG [ARGS...]`
//! with single-dash long options (`-L DIR`, `-cpu NAME`, `-strace`...).
//!
//! The C `main` is ours (`no_main`): Rust's usual start-up would reopen
//! closed standard descriptors on /dev/null and ignore SIGPIPE, and the
//! guest must see the descriptors and signal dispositions it was given.

#![cfg_attr(not(test), no_main)]
// Unit-test builds use the test harness's main, so nothing calls ours.
#![cfg_attr(test, allow(dead_code))]

mod binfmt;
mod compat;
mod cpu_model;
mod gdb;
mod hostfault;
mod ipc;
mod load;
mod memory;
mod misc;
mod net;
mod oldabi;
mod process;
mod procfs;
mod safecall;
mod sigmap;
mod signal;
mod syscall;
mod tcache;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use rsemu_core::{mem::FaultKind, Accel, CpuState, Engine, Exit};

/// Options, spelled as qemu-arm spells them (single dash accepted).
#[derive(Parser, Debug)]
#[command(
    name = "rsemu-arm",
    version,
    about = "Run 32-bit ARM Linux programs on an x86-64 host",
    after_help = "As the kernel's binfmt_misc handler for ARM programs (root):\n  \
                  rsemu-arm --binfmt register [--flags POCF] [--name NAME] [--path EMULATOR]\n  \
                  rsemu-arm --binfmt unregister|status [--name NAME]\n  \
                  rsemu-arm --binfmt print [--flags POCF] [--path EMULATOR]"
)]
struct Cli {
    /// Sysroot for the ELF interpreter and absolute paths (also QEMU_LD_PREFIX).
    #[arg(short = 'L', value_name = "DIR")]
    sysroot: Option<PathBuf>,
    /// Set a variable in the guest environment (repeatable).
    #[arg(short = 'E', value_name = "VAR=VALUE")]
    set_env: Vec<String>,
    /// Remove a variable from the guest environment (repeatable).
    #[arg(short = 'U', value_name = "VAR")]
    unset_env: Vec<String>,
    /// argv[0] for the guest.
    #[arg(short = '0', value_name = "ARGV0")]
    argv0: Option<String>,
    /// CPU model (also QEMU_CPU; `-cpu help` lists them).
    #[arg(long = "cpu", value_name = "MODEL")]
    cpu: Option<String>,
    /// The release uname reports (also QEMU_UNAME).
    #[arg(short = 'r', value_name = "RELEASE")]
    uname: Option<String>,
    /// Seed for the guest's random numbers (AT_RANDOM, getrandom; also QEMU_RAND_SEED).
    #[arg(long = "seed", value_name = "N")]
    seed: Option<u64>,
    /// Host address of guest address 0, page-aligned (also QEMU_GUEST_BASE).
    #[arg(short = 'B', value_name = "ADDRESS")]
    guest_base: Option<String>,
    /// Guest address space size, at least 256M (also QEMU_RESERVED_VA): user
    /// space ends there, with the stack below it.
    #[arg(short = 'R', value_name = "SIZE")]
    reserved_va: Option<String>,
    /// The main thread's stack size: bytes, or with k/M/G (also QEMU_STACK_SIZE).
    #[arg(short = 's', value_name = "SIZE")]
    stack_size: Option<String>,
    /// One guest instruction per translated block (debugging).
    #[arg(long = "one-insn-per-tb")]
    one_insn_per_tb: bool,
    /// Wait for GDB on PORT before the first instruction (also QEMU_GDB).
    #[arg(short = 'g', value_name = "PORT")]
    gdb: Option<String>,
    /// Print each system call to stderr.
    #[arg(long = "strace")]
    strace: bool,
    /// Debug logging: comma-separated items (also QEMU_LOG; `-d help` lists them).
    #[arg(short = 'd', value_name = "ITEMS")]
    debug: Option<String>,
    /// Write the log (-d, -strace) to FILE instead of stderr (also QEMU_LOG_FILENAME).
    #[arg(short = 'D', value_name = "FILE")]
    log_file: Option<PathBuf>,
    /// Keep compiled code on disk for the next run: on (in
    /// $XDG_CACHE_HOME/rsemu), off, or a directory (also RSEMU_TCACHE).
    #[arg(long = "tcache", value_name = "on|off|DIR")]
    tcache: Option<String>,
    /// Execution backend: jit (hot code compiled to x86-64) or interp.
    #[arg(long = "accel", value_name = "NAME", default_value = "jit")]
    accel: String,
    /// The ARM program.
    program: Option<PathBuf>,
    /// Its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<OsString>,
}

/// Names the process after the guest program, as Linux's execve does
/// (the base name, 15 bytes at most): `ps`, /proc/self/comm and
/// PR_GET_NAME then show the program, not the emulator.
fn set_comm_to(program: &std::path::Path) {
    let base = program
        .file_name()
        .map(std::os::unix::ffi::OsStrExt::as_bytes)
        .unwrap_or_default();
    let mut comm = [0u8; 16];
    let n = base.len().min(15);
    comm[..n].copy_from_slice(&base[..n]);
    // SAFETY: PR_SET_NAME reads a NUL-terminated 16-byte buffer we own.
    unsafe { libc::prctl(libc::PR_SET_NAME, comm.as_ptr()) };
}

/// A size as qemu-arm's options take it: bytes, or k/M/G (powers of 1024).
fn parse_size(text: &str) -> Result<u64> {
    let t = text.trim();
    let (num, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1u64 << 10),
        Some('m' | 'M') => (&t[..t.len() - 1], 1 << 20),
        Some('g' | 'G') => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    let n = match num.strip_prefix("0x").or_else(|| num.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => num.parse(),
    }
    .context("not a size")?;
    Ok(n.saturating_mul(mult))
}

/// `-s SIZE`, rounded up to whole pages.
fn parse_stack_size(text: &str) -> Result<u32> {
    let bytes = parse_size(text)
        .with_context(|| format!("-s {text}"))?
        .div_ceil(4096)
        * 4096;
    if bytes == 0 || bytes > u64::from(load::STACK_SIZE_MAX) {
        anyhow::bail!(
            "-s {text}: the stack must be between 4 KiB and {} MiB",
            load::STACK_SIZE_MAX >> 20
        );
    }
    Ok(bytes as u32)
}

/// `-d in_asm`'s disassembler (capstone, ARM or Thumb mode).
fn disassemble(bytes: &[u8], addr: u32, thumb: bool) -> String {
    use capstone::prelude::*;
    let mode = if thumb {
        arch::arm::ArchMode::Thumb
    } else {
        arch::arm::ArchMode::Arm
    };
    let Ok(cs) = Capstone::new().arm().mode(mode).build() else {
        return "(no disassembler)".into();
    };
    let text = match cs.disasm_count(bytes, u64::from(addr), 1) {
        Ok(insns) => insns
            .iter()
            .next()
            .map(|i| {
                format!(
                    "{} {}",
                    i.mnemonic().unwrap_or(""),
                    i.op_str().unwrap_or("")
                )
                .trim_end()
                .to_string()
            })
            .unwrap_or_else(|| "(undefined)".into()),
        Err(_) => "(undefined)".into(),
    };
    text
}

/// The `-d` items and what each logs.
const LOG_ITEMS: &[(&str, &str)] = &[
    ("in_asm", "the guest instructions of each new block"),
    ("op", "the intermediate code of each new block"),
    ("cpu", "the registers at each block entry (interprets)"),
    ("exec", "each block as it is entered, with r0, sp and lr"),
    (
        "out_asm",
        "the x86-64 code the JIT generates for each block",
    ),
    (
        "unimp",
        "system calls, ioctls and options rsemu does not implement",
    ),
    ("strace", "each system call and its result (as -strace)"),
    (
        "tcache",
        "at exit, what the persistent translation cache read, used and wrote",
    ),
    ("int", "each signal delivered, with the pc it interrupts"),
    (
        "guest_errors",
        "the guest's errors: bad pointers given to system calls, undefined instructions",
    ),
    ("page", "the guest's memory map once the program is loaded"),
    (
        "nochain",
        "no chaining of compiled blocks (each goes through the lookup)",
    ),
];

/// What `-d`, `-D` (or QEMU_LOG, QEMU_LOG_FILENAME) ask to log, and where.
#[derive(Default)]
struct LogOptions {
    file: Option<std::fs::File>,
    in_asm: bool,
    op: bool,
    cpu: bool,
    exec: bool,
    out_asm: bool,
    unimp: bool,
    strace: bool,
    int: bool,
    guest_errors: bool,
    page: bool,
    nochain: bool,
    tcache: bool,
}

/// Reads the log options; `None` when `-d help` printed the items.
fn log_options(cli: &Cli) -> Result<Option<LogOptions>> {
    let mut log = LogOptions::default();
    let items = cli
        .debug
        .clone()
        .or_else(|| std::env::var("QEMU_LOG").ok())
        .unwrap_or_default();
    for item in items.split(',').filter(|s| !s.is_empty()) {
        match item {
            "in_asm" => log.in_asm = true,
            "op" => log.op = true,
            "cpu" => log.cpu = true,
            "int" => log.int = true,
            "guest_errors" => log.guest_errors = true,
            "page" => log.page = true,
            "nochain" => log.nochain = true,
            "tcache" => log.tcache = true,
            "exec" => log.exec = true,
            "out_asm" => log.out_asm = true,
            "unimp" => log.unimp = true,
            "strace" => log.strace = true,
            "help" => {
                println!("Log items (-d ITEM,ITEM...; the log is stderr, or -D FILE):");
                for (name, what) in LOG_ITEMS {
                    println!("{name:<13} {what}");
                }
                return Ok(None);
            }
            other => anyhow::bail!("unknown -d item '{other}' (-d help lists them)"),
        }
    }
    let path = cli
        .log_file
        .clone()
        .or_else(|| std::env::var_os("QEMU_LOG_FILENAME").map(PathBuf::from));
    if let Some(path) = path {
        let file = std::fs::File::create(&path)
            .with_context(|| format!("-D {}: cannot create the log file", path.display()))?;
        log.file = Some(file);
    }
    Ok(Some(log))
}

/// qemu-arm's single-dash long options, rewritten to clap's double dash.
const LONG_OPTS: &[&str] = &[
    "cpu",
    "strace",
    "accel",
    "version",
    "help",
    "seed",
    "one-insn-per-tb",
    "tcache",
];

/// Rewrites `-cpu x` into `--cpu x` up to the program name, leaving the
/// guest's own arguments alone.
fn qemu_style_args(args: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter();
    if let Some(a0) = iter.next() {
        out.push(a0);
    }
    let takes_value = |s: &str| {
        matches!(
            s,
            "-L" | "-E"
                | "-U"
                | "-0"
                | "-d"
                | "-D"
                | "-r"
                | "-g"
                | "-s"
                | "-B"
                | "-R"
                | "--cpu"
                | "--accel"
                | "--seed"
                | "--tcache"
        )
    };
    while let Some(arg) = iter.next() {
        let s = arg.to_string_lossy().into_owned();
        if !s.starts_with('-') || s == "--" {
            // Everything from the program name on belongs to the guest:
            // "--" stops clap from reading guest options such as "-d".
            out.push(OsString::from("--"));
            if s != "--" {
                out.push(arg);
            }
            out.extend(iter);
            break;
        }
        let name = s.trim_start_matches('-');
        let fixed = if !s.starts_with("--") && LONG_OPTS.contains(&name) {
            format!("--{name}")
        } else {
            s
        };
        let needs_value = takes_value(&fixed);
        out.push(OsString::from(fixed));
        if needs_value {
            if let Some(v) = iter.next() {
                out.push(v);
            }
        }
    }
    out
}

/// `-E`/`-U` values, then QEMU_SET_ENV/QEMU_UNSET_ENV's comma-separated
/// lists (as qemu-arm reads them).
fn env_edits(cli: &Cli) -> (Vec<String>, Vec<String>) {
    let list = |var: &str| -> Vec<String> {
        std::env::var(var)
            .map(|v| {
                v.split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut set = cli.set_env.clone();
    set.extend(list("QEMU_SET_ENV"));
    let mut unset = cli.unset_env.clone();
    unset.extend(list("QEMU_UNSET_ENV"));
    (set, unset)
}

/// The guest environment: the host's, edited by -E/-U. (QEMU_LD_PREFIX
/// stays, as under qemu-arm: an ARM program that a host program execs
/// through binfmt_misc needs it to find its libraries.)
fn guest_env(cli: &Cli) -> Vec<Vec<u8>> {
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    let (set, unset) = env_edits(cli);
    for u in &unset {
        env.retain(|(k, _)| k.to_string_lossy() != *u);
    }
    for e in &set {
        let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
        env.retain(|(ek, _)| ek.to_string_lossy() != k);
        env.push((k.into(), v.into()));
    }
    env.into_iter()
        .map(|(k, v)| {
            let mut b = k.into_vec();
            b.push(b'=');
            b.extend(v.into_vec());
            b
        })
        .collect()
}

fn run() -> Result<i32> {
    let raw: Vec<OsString> = std::env::args_os().collect();
    if raw.get(1).is_some_and(|a| a == "--binfmt") {
        let rest: Vec<String> = raw[2..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        return binfmt::command(&rest);
    }
    let cli = Cli::parse_from(qemu_style_args(raw));
    let cpu_name = cli
        .cpu
        .clone()
        .or_else(|| std::env::var("QEMU_CPU").ok())
        .unwrap_or_else(|| cpu_model::MODELS[0].name.into());
    let names: Vec<&str> = cpu_model::MODELS.iter().map(|m| m.name).collect();
    if cpu_name == "help" {
        println!("Available CPUs:");
        for n in &names {
            println!("  {n}");
        }
        return Ok(0);
    }
    let Some(model) = cpu_model::find(&cpu_name) else {
        anyhow::bail!(
            "unknown CPU model '{cpu_name}' (known: {}, any)",
            names.join(", ")
        );
    };
    let gdb_port = cli.gdb.clone().or_else(|| std::env::var("QEMU_GDB").ok());
    let seed = match (cli.seed, std::env::var("QEMU_RAND_SEED").ok()) {
        (Some(s), _) => Some(s),
        (None, Some(v)) => Some(
            v.parse::<u64>()
                .with_context(|| format!("QEMU_RAND_SEED: not a number: {v}"))?,
        ),
        (None, None) => None,
    };
    // -seed's generator: AT_RANDOM's bytes first, then getrandom's.
    let mut seed_state = seed.map(|s| s ^ 0x9e37_79b9_7f4a_7c15 | 1);
    let at_random = seed_state.as_mut().map(|st| {
        let mut r = [0u8; 16];
        for b in r.iter_mut() {
            *b = cpu_model::next_seeded(st);
        }
        r
    });
    let Some(mut log) = log_options(&cli)? else {
        return Ok(0); // -d help
    };
    let Some(program) = cli.program.clone() else {
        anyhow::bail!("no program given (rsemu-arm --help shows the usage)");
    };
    let accel = match cli.accel.as_str() {
        "interp" => Accel::Interp,
        "jit" => Accel::Jit,
        other => anyhow::bail!("unknown accelerator '{other}' (available: jit, interp)"),
    };
    let sysroot = cli
        .sysroot
        .clone()
        .or_else(|| std::env::var_os("QEMU_LD_PREFIX").map(PathBuf::from));
    // Started by binfmt_misc for a `P` entry: the original argv[0] comes
    // after the program's path.
    let (argv0, args) = match cli.args.split_first() {
        Some((a0, rest)) if binfmt::preserve_argv0() => (Some(a0.clone().into_vec()), rest),
        _ => (
            cli.argv0
                .clone()
                .or_else(|| std::env::var("QEMU_ARGV0").ok())
                .map(String::into_bytes),
            &cli.args[..],
        ),
    };
    let mut argv: Vec<Vec<u8>> = Vec::with_capacity(args.len() + 1);
    argv.push(argv0.unwrap_or_else(|| program.clone().into_os_string().into_vec()));
    argv.extend(args.iter().map(|a| a.clone().into_vec()));
    let envp = guest_env(&cli);

    let base = cli
        .guest_base
        .clone()
        .or_else(|| std::env::var("QEMU_GUEST_BASE").ok())
        .map(|b| {
            let v = match b.strip_prefix("0x").or_else(|| b.strip_prefix("0X")) {
                Some(hex) => usize::from_str_radix(hex, 16),
                None => b.parse(),
            };
            match v {
                Ok(a) if a % 4096 == 0 && a.checked_add(1 << 32).is_some() => Ok(a),
                _ => Err(anyhow::anyhow!("-B {b}: not a page-aligned host address")),
            }
        })
        .transpose()?;
    let reserved_va = cli
        .reserved_va
        .clone()
        .or_else(|| std::env::var("QEMU_RESERVED_VA").ok())
        .map(|r| -> Result<u64> {
            let size = parse_size(&r).with_context(|| format!("-R {r}"))?;
            if size < MIN_RESERVED_VA {
                anyhow::bail!("-R {r}: the guest needs at least 256 MiB of address space");
            }
            Ok(size)
        })
        .transpose()?;
    let reserved = match base {
        Some(_) => memory::GuestSpace::new_at(base),
        None => memory::GuestSpace::new(),
    };
    let mut space = reserved.with_context(|| match base {
        Some(b) => format!("cannot reserve the 4 GiB guest address space at 0x{b:x} (-B)"),
        None => "cannot reserve the 4 GiB guest address space".into(),
    })?;
    if let Some(size) = reserved_va {
        // The whole 4 GiB stay reserved on the host (it costs nothing);
        // the guest sees user space end at `size`.
        if size < u64::from(rsemu_syscalls::flags::mmap::TASK_SIZE) {
            space.limit_to(size as u32);
        }
    }
    if let Some(size) = cli
        .stack_size
        .clone()
        .or_else(|| std::env::var("QEMU_STACK_SIZE").ok())
    {
        space.stack_size = parse_stack_size(&size)?;
    }
    // Guest memory faults are taken on the host (the JIT's code depends
    // on it, and so the cached code's key).
    let host_faults = accel == Accel::Jit && std::env::var_os("RSEMU_JIT_CHECKED_MEMORY").is_none();
    let tcache_setting = cli
        .tcache
        .clone()
        .or_else(|| std::env::var("RSEMU_TCACHE").ok());
    // (Not under GDB: its watchpoints change how memory is accessed.)
    let tcache = match accel {
        Accel::Jit if gdb_port.is_none() => tcache::open(
            tcache_setting.as_deref(),
            model.missing,
            host_faults,
            space.base(),
        ),
        _ => None,
    };
    let loaded = load::load_program(
        &mut space,
        &load::LoadOptions {
            path: &program,
            // An `O`/`C` binfmt_misc entry: the kernel opened the program
            // (perhaps one we may execute but not read).
            exec_fd: binfmt::exec_fd(),
            argv,
            envp,
            sysroot: sysroot.as_deref(),
            hwcap: model.hwcap,
            random: at_random,
            tcache: tcache.as_deref(),
        },
    )?;

    let mut cpu = CpuState::default();
    cpu.r[13] = loaded.sp;
    cpu.r[15] = loaded.entry & !1;
    cpu.thumb = loaded.entry & 1 != 0;
    // Default FPSCR for Linux user space: round to nearest, no traps.
    cpu.fpscr = 0;
    let mut engine = Engine::new();
    engine
        .set_accel(accel)
        .map_err(|e| anyhow::anyhow!("cannot start the JIT: {e}"))?;
    // Debugging and tests: compile blocks after this many runs (1: all).
    if let Some(n) = std::env::var("RSEMU_JIT_THRESHOLD")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        engine.set_jit_threshold(n);
    }
    if let Some(file) = log.file.take() {
        rsemu_core::log::set_file(file);
    }
    engine.missing_features = model.missing;
    engine.one_insn_per_block = cli.one_insn_per_tb;
    engine.trace_exec = log.exec;
    engine.trace_cpu = log.cpu;
    engine.log_op = log.op;
    engine.no_chain = log.nochain;
    if log.in_asm {
        engine.log_in_asm = Some(disassemble);
    }
    engine.set_log_out_asm(log.out_asm);
    engine.set_translation_cache(tcache.clone());
    let strace = cli.strace || log.strace || std::env::var_os("QEMU_STRACE").is_some();
    signal::init(&engine.interrupt);
    set_comm_to(&program);
    let mut proc = syscall::Process::new(space, loaded.exe, loaded.auxv, sysroot, strace);
    proc.args = loaded.args;
    proc.accel = accel;
    proc.tcache = tcache;
    proc.log_tcache = log.tcache;
    proc.log_unimp = log.unimp;
    proc.signals.strace = strace;
    proc.signals.log_int = log.int;
    proc.log_guest_errors = log.guest_errors;
    proc.cpu_model = model;
    proc.uname_release = cli
        .uname
        .clone()
        .or_else(|| std::env::var("QEMU_UNAME").ok());
    proc.seeded_random = seed_state.map(|s| std::sync::Arc::new(std::sync::Mutex::new(s)));
    if log.page {
        rsemu_core::log!(
            "guest base 0x{:x}; guest memory map:\n{}",
            proc.space.base(),
            procfs::maps(&proc)
        );
    }
    // What execve handed on first, then the emulator's fault handlers.
    proc.signals.inherit_from_host();
    hostfault::install(host_faults);
    if let Some(port) = gdb_port {
        // The run loop waits before the first instruction until GDB
        // connects and continues.
        gdb::start(&port, &proc, engine.interrupt.clone())?;
    }
    let code = match run_loop(&mut proc, &mut cpu, &mut engine) {
        LoopEnd::Group(code) => code,
        // The main thread ending with exit (not exit_group): the other
        // threads go on, as in Linux; this returns only if it was the last.
        LoopEnd::Thread(code) => process::main_thread_exit(&proc, code),
    };
    tcache::finish(proc.tcache.as_deref(), proc.log_tcache);
    // Exit now, without dropping the address space, block caches and code
    // memory: unmapping them page by page costs milliseconds (tens after a
    // fork), and the kernel frees them at exit anyway.
    std::process::exit(code)
}

/// The smallest `-R`: room for a program, its heap, the mmap area and the
/// stack area.
const MIN_RESERVED_VA: u64 = 256 << 20;

/// How a guest thread's run loop ended.
pub enum LoopEnd {
    /// `exit`: this thread ends.
    Thread(i32),
    /// `exit_group`: the whole process ends.
    Group(i32),
}

/// Runs a guest thread until it exits (under the debugger if `-g` is
/// serving this process).
pub fn run_loop(proc: &mut syscall::Process, cpu: &mut CpuState, engine: &mut Engine) -> LoopEnd {
    match gdb::hub() {
        Some(hub) => gdb::run_debugged(hub, proc, cpu, engine),
        None => run_plain(proc, cpu, engine),
    }
}

/// Runs a guest thread until it exits, without a debugger.
pub fn run_plain(proc: &mut syscall::Process, cpu: &mut CpuState, engine: &mut Engine) -> LoopEnd {
    // (A thread, fork or CLONE_VM child of a debugged program, or one GDB
    // left: signals go straight to the guest.)
    proc.signals.debugger = false;
    proc.signals.requeue_held();
    loop {
        let exit = {
            let mut mem = proc.space.mem();
            engine.run(cpu, &mut mem)
        };
        if let Some(end) = handle_exit(proc, cpu, engine, exit, false) {
            match end {
                Handled::End(end) => return end,
                // (Only under a debugger.)
                Handled::Stop | Handled::Fatal(_) | Handled::Signal(_) => {}
            }
        }
    }
}

/// What [`handle_exit`] leaves to its caller.
pub enum Handled {
    /// The thread or process ended.
    End(LoopEnd),
    /// A debugger's breakpoint (debugger only).
    Stop,
    /// A signal about to be delivered, held for the debugger (debugger
    /// only: `Signals::debugger`).
    Signal(u32),
    /// A signal that would kill the process (debugger only: the debugger
    /// sees it first, then [`signal::die`]).
    Fatal(u32),
}

/// Handles one exit of the engine for a guest thread: system calls,
/// faults turned into signals, signal delivery. `None`: carry on.
/// `under_gdb`: breakpoints, interruptions and fatal signals are returned
/// instead of being ignored or ending the process.
pub fn handle_exit(
    proc: &mut syscall::Process,
    cpu: &mut CpuState,
    engine: &mut Engine,
    exit: Exit,
    under_gdb: bool,
) -> Option<Handled> {
    use rsemu_syscalls::sigframe::siginfo;
    // A fault no handler takes: the guest dies of it, with one line saying
    // why; under the debugger, GDB hears of it first (and may pass another
    // signal or none), so nothing is printed yet.
    let fault_kills = |sig: u32, why: std::fmt::Arguments| -> Option<Handled> {
        if under_gdb {
            return Some(Handled::Fatal(sig));
        }
        eprintln!("rsemu-arm: {why}");
        signal::die(sig)
    };
    let die = |sig: u32| -> Option<Handled> {
        if under_gdb {
            return Some(Handled::Fatal(sig));
        }
        signal::die(sig)
    };
    {
        match exit {
            Exit::Syscall { .. } => match syscall::dispatch(proc, cpu, engine) {
                syscall::SysResult::Ret(v) => cpu.r[0] = v,
                syscall::SysResult::Restart(r) => {
                    // EINTR unless no handler without SA_RESTART runs.
                    cpu.r[0] = -libc::EINTR as u32;
                    proc.signals.restart = Some(r);
                }
                syscall::SysResult::NoReturn => {}
                syscall::SysResult::ExitThread(code) => {
                    return Some(Handled::End(LoopEnd::Thread(code)))
                }
                syscall::SysResult::Exit(code) => {
                    crate::process::exit_all_robust_lists(proc);
                    return Some(Handled::End(LoopEnd::Group(code)));
                }
            },
            Exit::Debug { .. } if under_gdb => return Some(Handled::Stop),
            // A CPU pinned to User mode never raises the system-mode exits
            // (HVC and SMC are UNDEFINED at PL0, so are the timer and MMU
            // registers): nothing to do if one ever came.
            Exit::Wait
            | Exit::TimerChanged
            | Exit::InterruptsUnmasked
            | Exit::Debug { .. }
            | Exit::Hvc { .. }
            | Exit::Smc { .. } => {}
            // A signal came in, or the debugger stops the program (its
            // run loop looks): deliver what is pending.
            Exit::Interrupted => {
                engine
                    .interrupt
                    .store(false, std::sync::atomic::Ordering::SeqCst);
            }
            Exit::Undefined { pc, raw, thumb } => {
                let info = signal::Info {
                    code: siginfo::ILL_ILLOPC,
                    addr_or_pid: pc,
                    uid: 0,
                };
                if proc.log_guest_errors {
                    rsemu_core::log!("guest_errors: undefined instruction at pc 0x{pc:08x}");
                }
                if !proc.signals.force(libc::SIGILL as u32, info) {
                    let enc = if !thumb {
                        format!("{raw:08x} (A32)")
                    } else if raw > 0xffff {
                        format!("{:04x} {:04x} (T32)", raw >> 16, raw & 0xffff)
                    } else {
                        format!("{raw:04x} (T16)")
                    };
                    return fault_kills(
                        libc::SIGILL as u32,
                        format_args!("undefined instruction at pc 0x{pc:08x}: {enc}"),
                    );
                }
            }
            Exit::Breakpoint { pc, imm } => {
                let info = signal::Info {
                    code: siginfo::TRAP_BRKPT,
                    addr_or_pid: pc,
                    uid: 0,
                };
                if !proc.signals.force(libc::SIGTRAP as u32, info) {
                    return fault_kills(
                        libc::SIGTRAP as u32,
                        format_args!("breakpoint (bkpt #{imm}) at pc 0x{pc:08x}"),
                    );
                }
            }
            Exit::MemFault { pc, fault } => {
                let mapped = proc.space.flags(fault.addr) & memory::MAPPED != 0;
                let (sig, code, why) = match fault.kind {
                    FaultKind::Permission if mapped => {
                        (libc::SIGSEGV, siginfo::SEGV_ACCERR, "segmentation fault")
                    }
                    FaultKind::Permission => {
                        (libc::SIGSEGV, siginfo::SEGV_MAPERR, "segmentation fault")
                    }
                    FaultKind::Alignment => (libc::SIGBUS, siginfo::BUS_ADRALN, "alignment fault"),
                    // Only a system-mode memory reports these.
                    FaultKind::Mmu(_) => (libc::SIGSEGV, siginfo::SEGV_MAPERR, "memory fault"),
                };
                let info = signal::Info {
                    code,
                    addr_or_pid: fault.addr,
                    uid: 0,
                };
                if !proc.signals.force(sig as u32, info) {
                    let what = match fault.access {
                        rsemu_core::mem::Access::Read => "read from",
                        rsemu_core::mem::Access::Write => "write to",
                        rsemu_core::mem::Access::Exec => "instruction fetch from",
                    };
                    return fault_kills(
                        sig as u32,
                        format_args!(
                            "{why}: {what} 0x{:08x} at pc 0x{pc:08x}{}",
                            fault.addr,
                            if cpu.thumb { " (T32)" } else { " (A32)" }
                        ),
                    );
                }
            }
        }
        // Signals raised by the system call or fault above, or caught from
        // the host meanwhile, run now.
        proc.signals.take_host_pending();
        if proc.signals.deliverable() {
            match proc.signals.deliver(cpu, &proc.space) {
                signal::Outcome::Continue => {}
                signal::Outcome::Die(sig) => return die(sig),
                // The debugger sees it first (the rest of the delivery
                // follows its answer).
                signal::Outcome::Held(sig) => return Some(Handled::Signal(sig)),
            }
        }
        // An interrupted call that Linux would restart and no handler ran.
        proc.signals.finish_restart(cpu);
    }
    None
}

/// The process entry point, called by the C runtime.
#[cfg(not(test))]
#[no_mangle]
pub extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    match run() {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("rsemu-arm: {e:#}");
            std::process::exit(1);
        }
    }
}
