//! How `-strace` shows a system call, from the argument kinds of the
//! table ([`crate::table`]): strings quoted, descriptors and counts in
//! decimal, flag words by name, `AT_FDCWD`, signals and errors by name.
//! The format is strace's: `name(arg, arg, ...) = result`, with
//! `-1 ENAME (message)` for an error. Guest memory is read through
//! [`GuestMem`], so this stays free of the emulator's types.

use crate::flags::{clone::*, mmap::*, open::*};
use crate::table::{ArgKind, SyscallInfo};

/// Read access to guest memory for the printer (a failed read shows the
/// pointer instead).
pub trait GuestMem {
    /// Up to `max` bytes of the NUL-terminated string at `addr`, and
    /// whether it ended (false: longer than `max`).
    fn cstr(&self, addr: u32, max: usize) -> Option<(Vec<u8>, bool)>;
    /// The 32-bit word at `addr`.
    fn word(&self, addr: u32) -> Option<u32>;
}

/// Bytes of a string shown before `...` (strace's default `-s 32`).
const STRING_LIMIT: usize = 32;
/// Entries of a string array shown before `...`.
const ARRAY_LIMIT: usize = 32;

/// `AT_FDCWD` as the guest passes it.
const AT_FDCWD: i32 = -100;

/// A name table: (bits, name), tested in order.
type Names = &'static [(u32, &'static str)];

const OPEN_FLAGS: Names = &[
    (O_CREAT, "O_CREAT"),
    (O_EXCL, "O_EXCL"),
    (O_NOCTTY, "O_NOCTTY"),
    (O_TRUNC, "O_TRUNC"),
    (O_APPEND, "O_APPEND"),
    (O_NONBLOCK, "O_NONBLOCK"),
    (O_SYNC, "O_SYNC"),
    (O_DSYNC, "O_DSYNC"),
    (O_ASYNC, "O_ASYNC"),
    (arm::O_DIRECTORY, "O_DIRECTORY"),
    (arm::O_NOFOLLOW, "O_NOFOLLOW"),
    (arm::O_DIRECT, "O_DIRECT"),
    (arm::O_LARGEFILE, "O_LARGEFILE"),
    (O_NOATIME, "O_NOATIME"),
    (O_CLOEXEC, "O_CLOEXEC"),
    (O_PATH, "O_PATH"),
];

const PROT_NAMES: Names = &[
    (PROT_READ, "PROT_READ"),
    (PROT_WRITE, "PROT_WRITE"),
    (PROT_EXEC, "PROT_EXEC"),
    (PROT_SEM, "PROT_SEM"),
    (PROT_GROWSDOWN, "PROT_GROWSDOWN"),
    (PROT_GROWSUP, "PROT_GROWSUP"),
];

const MAP_NAMES: Names = &[
    (MAP_FIXED, "MAP_FIXED"),
    (MAP_ANONYMOUS, "MAP_ANONYMOUS"),
    (MAP_32BIT, "MAP_32BIT"),
    (MAP_GROWSDOWN, "MAP_GROWSDOWN"),
    (MAP_DENYWRITE, "MAP_DENYWRITE"),
    (MAP_EXECUTABLE, "MAP_EXECUTABLE"),
    (MAP_LOCKED, "MAP_LOCKED"),
    (MAP_NORESERVE, "MAP_NORESERVE"),
    (MAP_POPULATE, "MAP_POPULATE"),
    (MAP_NONBLOCK, "MAP_NONBLOCK"),
    (MAP_STACK, "MAP_STACK"),
    (MAP_HUGETLB, "MAP_HUGETLB"),
    (MAP_SYNC, "MAP_SYNC"),
    (MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"),
    (MAP_UNINITIALIZED, "MAP_UNINITIALIZED"),
];

const CLONE_NAMES: Names = &[
    (CLONE_VM, "CLONE_VM"),
    (CLONE_FS, "CLONE_FS"),
    (CLONE_FILES, "CLONE_FILES"),
    (CLONE_SIGHAND, "CLONE_SIGHAND"),
    (CLONE_PIDFD, "CLONE_PIDFD"),
    (CLONE_PTRACE, "CLONE_PTRACE"),
    (CLONE_VFORK, "CLONE_VFORK"),
    (CLONE_PARENT, "CLONE_PARENT"),
    (CLONE_THREAD, "CLONE_THREAD"),
    (CLONE_NEWNS, "CLONE_NEWNS"),
    (CLONE_SYSVSEM, "CLONE_SYSVSEM"),
    (CLONE_SETTLS, "CLONE_SETTLS"),
    (CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"),
    (CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"),
    (CLONE_DETACHED, "CLONE_DETACHED"),
    (CLONE_UNTRACED, "CLONE_UNTRACED"),
    (CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"),
    (CLONE_NEWCGROUP, "CLONE_NEWCGROUP"),
    (CLONE_NEWUTS, "CLONE_NEWUTS"),
    (CLONE_NEWIPC, "CLONE_NEWIPC"),
    (CLONE_NEWUSER, "CLONE_NEWUSER"),
    (CLONE_NEWPID, "CLONE_NEWPID"),
    (CLONE_NEWNET, "CLONE_NEWNET"),
    (CLONE_IO, "CLONE_IO"),
];

/// fcntl commands (`include/uapi/asm-generic/fcntl.h`, linux/fcntl.h).
const FCNTL_CMDS: Names = &[
    (0, "F_DUPFD"),
    (1, "F_GETFD"),
    (2, "F_SETFD"),
    (3, "F_GETFL"),
    (4, "F_SETFL"),
    (5, "F_GETLK"),
    (6, "F_SETLK"),
    (7, "F_SETLKW"),
    (8, "F_SETOWN"),
    (9, "F_GETOWN"),
    (10, "F_SETSIG"),
    (11, "F_GETSIG"),
    (12, "F_GETLK64"),
    (13, "F_SETLK64"),
    (14, "F_SETLKW64"),
    (15, "F_SETOWN_EX"),
    (16, "F_GETOWN_EX"),
    (36, "F_OFD_GETLK"),
    (37, "F_OFD_SETLK"),
    (38, "F_OFD_SETLKW"),
    (1024, "F_SETLEASE"),
    (1025, "F_GETLEASE"),
    (1026, "F_NOTIFY"),
    (1030, "F_DUPFD_CLOEXEC"),
    (1031, "F_SETPIPE_SZ"),
    (1032, "F_GETPIPE_SZ"),
    (1033, "F_ADD_SEALS"),
    (1034, "F_GET_SEALS"),
];

const WHENCE: Names = &[
    (0, "SEEK_SET"),
    (1, "SEEK_CUR"),
    (2, "SEEK_END"),
    (3, "SEEK_DATA"),
    (4, "SEEK_HOLE"),
];

/// futex operations (low 7 bits; `include/uapi/linux/futex.h`).
const FUTEX_OPS: Names = &[
    (0, "FUTEX_WAIT"),
    (1, "FUTEX_WAKE"),
    (2, "FUTEX_FD"),
    (3, "FUTEX_REQUEUE"),
    (4, "FUTEX_CMP_REQUEUE"),
    (5, "FUTEX_WAKE_OP"),
    (6, "FUTEX_LOCK_PI"),
    (7, "FUTEX_UNLOCK_PI"),
    (8, "FUTEX_TRYLOCK_PI"),
    (9, "FUTEX_WAIT_BITSET"),
    (10, "FUTEX_WAKE_BITSET"),
    (11, "FUTEX_WAIT_REQUEUE_PI"),
    (12, "FUTEX_CMP_REQUEUE_PI"),
    (13, "FUTEX_LOCK_PI2"),
];

const CLOCKS: Names = &[
    (0, "CLOCK_REALTIME"),
    (1, "CLOCK_MONOTONIC"),
    (2, "CLOCK_PROCESS_CPUTIME_ID"),
    (3, "CLOCK_THREAD_CPUTIME_ID"),
    (4, "CLOCK_MONOTONIC_RAW"),
    (5, "CLOCK_REALTIME_COARSE"),
    (6, "CLOCK_MONOTONIC_COARSE"),
    (7, "CLOCK_BOOTTIME"),
    (8, "CLOCK_REALTIME_ALARM"),
    (9, "CLOCK_BOOTTIME_ALARM"),
    (11, "CLOCK_TAI"),
];

/// Calls whose result is an address (shown in hex).
const ADDRESS_RESULTS: &[&str] = &["mmap2", "brk", "mremap", "shmat", "get_tls"];

/// `A|B|0x..` for the bits of `v` named in `names`; `zero` if none is set.
fn bits(v: u32, names: Names, zero: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut left = v;
    for &(bit, name) in names {
        if bit != 0 && v & bit == bit && left & bit != 0 {
            out.push(name.into());
            left &= !bit;
        }
    }
    if left != 0 || out.is_empty() {
        if out.is_empty() && left == 0 {
            return zero.into();
        }
        out.push(format!("{left:#x}"));
    }
    out.join("|")
}

/// The name of `v` in `names`, or the number.
fn one_of(v: u32, names: Names) -> String {
    names
        .iter()
        .find(|&&(n, _)| n == v)
        .map_or_else(|| v.to_string(), |&(_, name)| name.to_string())
}

/// A string as strace quotes it.
fn quoted(bytes: &[u8], complete: bool) -> String {
    let mut s = String::from("\"");
    for &b in bytes {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    if !complete {
        s.push_str("...");
    }
    s
}

fn pointer(v: u32) -> String {
    if v == 0 {
        "NULL".into()
    } else {
        format!("{v:#x}")
    }
}

fn string_at(mem: &dyn GuestMem, addr: u32) -> String {
    if addr == 0 {
        return "NULL".into();
    }
    match mem.cstr(addr, STRING_LIMIT) {
        Some((b, complete)) => quoted(&b, complete),
        None => format!("{addr:#x}"),
    }
}

fn string_array(mem: &dyn GuestMem, addr: u32) -> String {
    if addr == 0 {
        return "NULL".into();
    }
    let mut items = Vec::new();
    for i in 0..=ARRAY_LIMIT as u32 {
        let Some(p) = mem.word(addr.wrapping_add(4 * i)) else {
            return format!("{addr:#x}");
        };
        if p == 0 {
            break;
        }
        if i as usize == ARRAY_LIMIT {
            items.push("...".to_string());
            break;
        }
        items.push(string_at(mem, p));
    }
    format!("[{}]", items.join(", "))
}

/// `0x... /* N vars */`, as strace shows an environment.
fn env_array(mem: &dyn GuestMem, addr: u32) -> String {
    if addr == 0 {
        return "NULL".into();
    }
    let mut n = 0u32;
    while let Some(p) = mem.word(addr.wrapping_add(4 * n)) {
        if p == 0 {
            return format!("{addr:#x} /* {n} vars */");
        }
        n += 1;
        if n > 1 << 16 {
            break;
        }
    }
    format!("{addr:#x}")
}

fn signal(v: u32) -> String {
    crate::flags::signal::name(v).unwrap_or_else(|| v.to_string())
}

/// One argument, from `regs` starting at register `i`.
fn arg(kind: ArgKind, regs: &[u32], i: usize, mem: &dyn GuestMem) -> String {
    let v = regs.get(i).copied().unwrap_or(0);
    let pair = || (u64::from(regs.get(i + 1).copied().unwrap_or(0)) << 32) | u64::from(v);
    match kind {
        ArgKind::Int | ArgKind::Fd | ArgKind::Off => (v as i32).to_string(),
        ArgKind::UInt | ArgKind::Size => v.to_string(),
        ArgKind::Hex | ArgKind::Flags | ArgKind::Ioctl => match (kind, crate::ioctl::info(v)) {
            (ArgKind::Ioctl, Some(info)) => info.name.to_string(),
            _ if v == 0 => "0".into(),
            _ => format!("{v:#x}"),
        },
        ArgKind::Ptr => pointer(v),
        ArgKind::Str => string_at(mem, v),
        ArgKind::StrArray => string_array(mem, v),
        ArgKind::EnvArray => env_array(mem, v),
        ArgKind::DirFd if v as i32 == AT_FDCWD => "AT_FDCWD".into(),
        ArgKind::DirFd => (v as i32).to_string(),
        ArgKind::Off64 => (pair() as i64).to_string(),
        ArgKind::U64 => format!("{:#x}", pair()),
        ArgKind::Pad => String::new(),
        ArgKind::OpenFlags => {
            let acc = match v & O_ACCMODE {
                O_RDONLY => "O_RDONLY",
                O_WRONLY => "O_WRONLY",
                O_RDWR => "O_RDWR",
                _ => "O_ACCMODE",
            };
            let rest = v & !O_ACCMODE;
            if rest == 0 {
                acc.into()
            } else {
                format!("{acc}|{}", bits(rest, OPEN_FLAGS, "0"))
            }
        }
        ArgKind::Mode if v == 0 => "0".into(),
        ArgKind::Mode => format!("0{v:o}"),
        ArgKind::MmapProt => bits(v, PROT_NAMES, "PROT_NONE"),
        ArgKind::MmapFlags => {
            let kind = match v & MAP_TYPE {
                MAP_SHARED => "MAP_SHARED".to_string(),
                MAP_PRIVATE => "MAP_PRIVATE".to_string(),
                MAP_SHARED_VALIDATE => "MAP_SHARED_VALIDATE".to_string(),
                t => format!("{t:#x}"),
            };
            let rest = v & !MAP_TYPE;
            if rest == 0 {
                kind
            } else {
                format!("{kind}|{}", bits(rest, MAP_NAMES, "0"))
            }
        }
        ArgKind::CloneFlags => {
            let sig = v & CSIGNAL;
            let mut s = bits(v & !CSIGNAL, CLONE_NAMES, "");
            if sig != 0 {
                if !s.is_empty() {
                    s.push('|');
                }
                s.push_str(&signal(sig));
            }
            if s.is_empty() {
                s.push('0');
            }
            s
        }
        ArgKind::Signal => signal(v),
        ArgKind::FcntlCmd => one_of(v, FCNTL_CMDS),
        ArgKind::Whence => one_of(v, WHENCE),
        ArgKind::FutexOp => {
            const PRIVATE: u32 = 128;
            const REALTIME: u32 = 256;
            let mut s = one_of(v & 127, FUTEX_OPS);
            if v & PRIVATE != 0 {
                s.push_str("|FUTEX_PRIVATE_FLAG");
            }
            if v & REALTIME != 0 {
                s.push_str("|FUTEX_CLOCK_REALTIME");
            }
            if v & !(127 | PRIVATE | REALTIME) != 0 {
                s.push_str(&format!("|{:#x}", v & !(127 | PRIVATE | REALTIME)));
            }
            s
        }
        ArgKind::ClockId => one_of(v, CLOCKS),
    }
}

/// `name(args)` for a call with registers `regs` (r0..r6).
pub fn call(info: &SyscallInfo, regs: &[u32], mem: &dyn GuestMem) -> String {
    let mut shown = Vec::new();
    let mut i = 0;
    let mut flags = 0;
    for &kind in info.args {
        let v = regs.get(i).copied().unwrap_or(0);
        // open's mode means something only with O_CREAT or O_TMPFILE
        // (strace leaves it out otherwise).
        let unused_mode = kind == ArgKind::Mode && flags & (O_CREAT | __O_TMPFILE) == 0;
        if kind == ArgKind::OpenFlags {
            flags = v;
        }
        if kind != ArgKind::Pad && !(unused_mode && info.name.starts_with("open")) {
            shown.push(arg(kind, regs, i, mem));
        }
        i += kind.regs();
    }
    format!("{}({})", info.name, shown.join(", "))
}

/// A siginfo `si_code` as strace names the generic ones.
pub fn si_code(code: i32) -> String {
    match code {
        0 => "SI_USER".into(),
        0x80 => "SI_KERNEL".into(),
        -1 => "SI_QUEUE".into(),
        -2 => "SI_TIMER".into(),
        -3 => "SI_MESGQ".into(),
        -4 => "SI_ASYNCIO".into(),
        -5 => "SI_SIGIO".into(),
        -6 => "SI_TKILL".into(),
        c => c.to_string(),
    }
}

/// An unknown call: its number and the first four registers.
pub fn unknown_call(nr: u32, regs: &[u32]) -> String {
    let shown: Vec<String> = regs.iter().take(4).map(|r| format!("{r:#x}")).collect();
    format!("syscall_{nr:#x}({})", shown.join(", "))
}

/// `= value`, or `= -1 ENAME (message)` for an error, as strace writes it.
/// `message` gives an error's text.
pub fn result(name: &str, r: Result<u32, i32>, message: impl Fn(i32) -> String) -> String {
    match r {
        Ok(v) if ADDRESS_RESULTS.contains(&name) => format!("= {v:#x}"),
        Ok(v) => format!("= {}", v as i32),
        Err(e) => format!(
            "= -1 {} ({})",
            crate::errno::name(e).unwrap_or("E?"),
            message(e)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Mem;
    impl GuestMem for Mem {
        fn cstr(&self, addr: u32, max: usize) -> Option<(Vec<u8>, bool)> {
            let s: &[u8] = match addr {
                0x1000 => b"/etc/passwd",
                0x2000 => b"a\"b\n\x01",
                0x3000 => &[b'x'; 40],
                _ => return None,
            };
            Some((s[..s.len().min(max)].to_vec(), s.len() <= max))
        }
        fn word(&self, addr: u32) -> Option<u32> {
            match addr {
                0x4000 => Some(0x1000),
                0x4004 => Some(0x2000),
                0x4008 => Some(0),
                _ => None,
            }
        }
    }

    fn show(name: &str, regs: &[u32]) -> String {
        call(crate::table::by_name(name).unwrap(), regs, &Mem)
    }

    #[test]
    fn arguments_by_kind() {
        assert_eq!(
            show("openat", &[(-100i32) as u32, 0x1000, 0o2000102, 0o644]),
            "openat(AT_FDCWD, \"/etc/passwd\", O_RDWR|O_CREAT|O_CLOEXEC, 0644)"
        );
        assert_eq!(show("write", &[1, 0x2000, 5]), "write(1, 0x2000, 5)");
        assert_eq!(
            show("access", &[0x2000, 0]),
            "access(\"a\\\"b\\n\\x01\", 0)"
        );
        assert_eq!(
            show("access", &[0x3000, 0]),
            format!("access(\"{}\"..., 0)", "x".repeat(32))
        );
        assert_eq!(show("access", &[0x9000, 0]), "access(0x9000, 0)");
        assert_eq!(
            show("mmap2", &[0, 4096, 3, 0x22, (-1i32) as u32, 0]),
            "mmap2(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)"
        );
        assert_eq!(
            show("mprotect", &[0x1000, 4096, 0]),
            "mprotect(0x1000, 4096, PROT_NONE)"
        );
        assert_eq!(
            show("execve", &[0x1000, 0x4000, 0x4000]),
            "execve(\"/etc/passwd\", [\"/etc/passwd\", \"a\\\"b\\n\\x01\"], 0x4000 /* 2 vars */)"
        );
        assert_eq!(show("kill", &[42, 9]), "kill(42, SIGKILL)");
        assert_eq!(
            show("fcntl64", &[3, 1030, 0]),
            "fcntl64(3, F_DUPFD_CLOEXEC, 0)"
        );
        assert_eq!(
            show("clone", &[0x01200011, 0, 0, 0, 0x1000]),
            "clone(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, NULL, NULL, NULL, 0x1000)"
        );
        assert_eq!(
            show("futex", &[0x1000, 0x80, 1, 0, 0, 0]),
            "futex(0x1000, FUTEX_WAIT|FUTEX_PRIVATE_FLAG, 0x1, NULL, NULL, 0)"
        );
        // A 64-bit offset in an aligned register pair.
        assert_eq!(
            show("pread64", &[3, 0x1000, 10, 0, 0x10, 1]),
            "pread64(3, 0x1000, 10, 4294967312)"
        );
    }

    #[test]
    fn results() {
        let msg = |_| "No such file or directory".to_string();
        assert_eq!(result("openat", Ok(3), msg), "= 3");
        assert_eq!(
            result("openat", Err(2), msg),
            "= -1 ENOENT (No such file or directory)"
        );
        assert_eq!(result("mmap2", Ok(0x4000_0000), msg), "= 0x40000000");
    }
}
