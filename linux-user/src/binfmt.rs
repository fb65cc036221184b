//! `rsemu-arm --binfmt ...`: registers this emulator with the kernel's
//! binfmt_misc as the handler of 32-bit little-endian ARM ELF programs, so
//! that `./arm-program`, ARM chroots and containers run with no wrapper
//! (what Debian's qemu-user-binfmt and qemu-user-static do for qemu-arm).
//!
//!   rsemu-arm --binfmt register [--flags POCF] [--name NAME] [--path EMULATOR]
//!   rsemu-arm --binfmt unregister [--name NAME]
//!   rsemu-arm --binfmt status [--name NAME]
//!   rsemu-arm --binfmt print [--flags POCF] [--name NAME] [--path EMULATOR]
//!
//! Flags are the kernel's (Documentation/admin-guide/binfmt-misc.rst):
//! `P` preserve argv[0] (the kernel passes it as an extra argument and
//! sets AT_FLAGS_PRESERVE_ARGV0, which `main` reads), `O` open the binary
//! for the handler (AT_EXECFD), `C` credentials from the binary (setuid
//! ARM programs; implies `O`), `F` open the handler at registration (works
//! in chroots and containers: use the static build,
//! `scripts/build-static.sh`). Only the entry of the given name is ever
//! written or removed.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// Where binfmt_misc lives.
const BINFMT_DIR: &str = "/proc/sys/fs/binfmt_misc";
/// The entry's default name.
const DEFAULT_NAME: &str = "rsemu-arm";
/// ELF header bytes 0-19 of a 32-bit little-endian ARM executable or
/// shared object (PIE): ident, e_type ET_EXEC/ET_DYN, e_machine EM_ARM.
/// The same magic and mask as Debian's qemu-user-binfmt for arm.
const MAGIC: [u8; 20] = [
    0x7f, b'E', b'L', b'F', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 40, 0,
];
/// Ignores EI_ABIVERSION and the low bit of e_type (EXEC and DYN match).
const MASK: [u8; 20] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xfe, 0xff, 0xff, 0xff,
];
/// The kernel's flag letters.
const FLAGS: &str = "POCF";

struct Options {
    name: String,
    flags: String,
    path: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut o = Options {
        name: DEFAULT_NAME.into(),
        flags: String::new(),
        path: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--name" => o.name = val()?.clone(),
            "--flags" => o.flags = val()?.clone(),
            "--path" => o.path = Some(PathBuf::from(val()?)),
            _ => bail!("--binfmt: unknown option {a}"),
        }
    }
    if o.name.is_empty()
        || o.name.len() > 64
        || o.name.contains(['/', ':'])
        || matches!(o.name.as_str(), "." | ".." | "register" | "status")
    {
        bail!("--binfmt: invalid name {:?}", o.name);
    }
    let mut flags = String::new();
    for c in o.flags.chars() {
        let c = c.to_ascii_uppercase();
        if !FLAGS.contains(c) {
            bail!("--binfmt: unknown flag {c:?} (the kernel's are P, O, C and F)");
        }
        if !flags.contains(c) {
            flags.push(c);
        }
    }
    o.flags = flags;
    Ok(o)
}

/// Runs `--binfmt ACTION [OPTIONS]`; returns the exit status.
pub fn command(args: &[String]) -> Result<i32> {
    let Some((action, rest)) = args.split_first() else {
        bail!("--binfmt needs an action: register, unregister, status or print");
    };
    let o = parse(rest)?;
    match action.as_str() {
        "register" => register(&o),
        "unregister" => unregister(&o),
        "status" => status(&o),
        "print" => print(&o),
        _ => bail!("--binfmt: unknown action {action} (register, unregister, status, print)"),
    }
}

/// `\xNN` for every byte, as binfmt_misc and update-binfmts read them.
fn escaped(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\x{b:02x}")).collect()
}

/// The handler: --path, or this executable.
fn handler(o: &Options) -> Result<PathBuf> {
    let p = match &o.path {
        Some(p) => p.clone(),
        None => {
            std::env::current_exe().context("cannot find this executable (is /proc mounted?)")?
        }
    };
    let p = std::fs::canonicalize(&p).with_context(|| format!("{}", p.display()))?;
    Ok(p)
}

/// The registration line: `:name:M::magic:mask:interpreter:flags`.
fn entry_line(o: &Options, interp: &Path) -> Result<String> {
    let interp = interp.to_str().context("the handler's path is not UTF-8")?;
    if interp.contains(':') {
        bail!("the handler's path {interp} contains ':', which binfmt_misc cannot take");
    }
    Ok(format!(
        ":{}:M::{}:{}:{}:{}",
        o.name,
        escaped(&MAGIC),
        escaped(&MASK),
        interp,
        o.flags
    ))
}

/// Mounts binfmt_misc if it is not (as systemd's proc-sys-fs-binfmt_misc
/// automount does).
fn ensure_mounted() -> Result<()> {
    if Path::new(BINFMT_DIR).join("register").exists() {
        return Ok(());
    }
    let src = std::ffi::CString::new("binfmt_misc").expect("no NUL");
    let dir = std::ffi::CString::new(BINFMT_DIR).expect("no NUL");
    // SAFETY: mount(2) with NUL-terminated strings we own and no data.
    let r = unsafe {
        libc::mount(
            src.as_ptr(),
            dir.as_ptr(),
            src.as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if r != 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EPERM) {
            bail!("cannot mount binfmt_misc on {BINFMT_DIR}: root is needed ({e})");
        }
        bail!("cannot mount binfmt_misc on {BINFMT_DIR}: {e}");
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    // One write: binfmt_misc parses each write as a whole.
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .write_all(text.as_bytes())
}

fn register(o: &Options) -> Result<i32> {
    let interp = handler(o)?;
    let line = entry_line(o, &interp)?;
    ensure_mounted()?;
    let entry = Path::new(BINFMT_DIR).join(&o.name);
    if entry.exists() {
        // Our own name: replaced (the kernel refuses a second entry of a
        // name). Entries of other names are left alone.
        write_file(&entry, "-1")
            .with_context(|| format!("cannot remove the old entry {}", entry.display()))?;
    }
    write_file(&Path::new(BINFMT_DIR).join("register"), &line).map_err(|e| {
        let hint =
            if e.raw_os_error() == Some(libc::EPERM) || e.raw_os_error() == Some(libc::EACCES) {
                ": root is needed"
            } else {
                ""
            };
        anyhow::anyhow!("cannot register {} with binfmt_misc{hint} ({e})", o.name)
    })?;
    println!(
        "registered {} -> {} (flags: {})",
        o.name,
        interp.display(),
        if o.flags.is_empty() { "none" } else { &o.flags }
    );
    Ok(0)
}

fn unregister(o: &Options) -> Result<i32> {
    let entry = Path::new(BINFMT_DIR).join(&o.name);
    if !entry.exists() {
        bail!("{} is not registered with binfmt_misc", o.name);
    }
    write_file(&entry, "-1").with_context(|| format!("cannot remove {}", entry.display()))?;
    println!("unregistered {}", o.name);
    Ok(0)
}

fn status(o: &Options) -> Result<i32> {
    let dir = Path::new(BINFMT_DIR);
    if !dir.join("register").exists() {
        println!("binfmt_misc is not mounted on {BINFMT_DIR}");
        return Ok(1);
    }
    let enabled = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
    println!("binfmt_misc: {}", enabled.trim());
    match std::fs::read_to_string(dir.join(&o.name)) {
        Ok(text) => {
            println!("{}:", o.name);
            for l in text.lines() {
                println!("  {l}");
            }
            Ok(0)
        }
        Err(_) => {
            println!("{}: not registered", o.name);
            Ok(1)
        }
    }
}

/// The registration as a systemd binfmt.d file and as an update-binfmts
/// import file, for packagers.
fn print(o: &Options) -> Result<i32> {
    let interp = o
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from("/usr/bin/rsemu-arm"));
    let yes = |c| if o.flags.contains(c) { "yes" } else { "no" };
    println!("# systemd-binfmt: /usr/lib/binfmt.d/{}.conf", o.name);
    println!("{}", entry_line(o, &interp)?);
    println!();
    println!("# update-binfmts --import: /usr/share/binfmts/{}", o.name);
    println!("package {}", o.name);
    println!("interpreter {}", interp.display());
    println!("magic {}", escaped(&MAGIC));
    println!("mask {}", escaped(&MASK));
    println!("credentials {}", yes('C'));
    println!("fix_binary {}", yes('F'));
    println!("preserve {}", yes('P'));
    if o.flags.contains('O') && !o.flags.contains('C') {
        println!("# (update-binfmts has no field for O alone; C implies it)");
    }
    Ok(0)
}

/// AT_FLAGS_PRESERVE_ARGV0: the kernel ran us for a `P` entry, so argv is
/// [handler, file, original argv[0], args...].
pub fn preserve_argv0() -> bool {
    // SAFETY: getauxval only reads the auxiliary vector.
    unsafe { libc::getauxval(libc::AT_FLAGS) & 1 != 0 }
}

/// AT_EXECFD: the kernel opened the program for an `O` or `C` entry.
pub fn exec_fd() -> Option<i32> {
    // SAFETY: getauxval only reads the auxiliary vector; errno tells an
    // absent entry from descriptor 0.
    unsafe {
        *libc::__errno_location() = 0;
        let fd = libc::getauxval(libc::AT_EXECFD);
        (*libc::__errno_location() == 0).then_some(fd as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_matches_arm_executables_and_pies_only() {
        let matches = |hdr: &[u8]| {
            hdr.iter()
                .zip(MAGIC.iter().zip(MASK.iter()))
                .all(|(&h, (&m, &k))| h & k == m & k)
        };
        let mut exec = MAGIC;
        assert!(matches(&exec));
        exec[16] = 3; // ET_DYN
        assert!(matches(&exec));
        exec[16] = 1; // ET_REL
        assert!(!matches(&exec));
        let mut x86 = MAGIC;
        x86[18] = 3; // EM_386
        assert!(!matches(&x86));
        let mut be = MAGIC;
        be[5] = 2; // big-endian
        assert!(!matches(&be));
    }

    #[test]
    fn options_are_checked() {
        let args = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        assert_eq!(parse(&args("--flags fpf")).unwrap().flags, "FP");
        assert!(parse(&args("--flags X")).is_err());
        assert!(parse(&args("--name a/b")).is_err());
        assert!(parse(&args("--name register")).is_err());
        let o = parse(&args("--name t --flags OC")).unwrap();
        let line = entry_line(&o, Path::new("/usr/bin/rsemu-arm")).unwrap();
        assert!(line.starts_with(":t:M::\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00"));
        assert!(line.ends_with(":/usr/bin/rsemu-arm:OC"));
    }
}
