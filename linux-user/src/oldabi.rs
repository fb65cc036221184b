//! The narrow calls ARM Linux keeps from its old ABI: user and group ids
//! of 16 bits (`getuid`, `setreuid`, `chown`... without the `32`), `nice`,
//! and `setrlimit` with 32-bit limits. Old binaries and some hand-written
//! assembly still make them; EABI glibc uses the wide versions.
//!
//! Ids convert as Linux's `high2lowuid`/`low2highuid` do: an id above
//! 65535 reads as the overflow id 65534, and 0xffff written means -1
//! ("unchanged"). The set calls are the raw per-thread ones, as the
//! kernel's are (the guest's C library signals its other threads).

use rsemu_syscalls::nr;

use crate::syscall::{errno, host, Process, SysR};

/// Linux's default overflow id (/proc/sys/kernel/overflowuid).
const OVERFLOW_ID: u32 = 65534;

/// A 16-bit id from the guest as a full one.
fn wide(id: u32) -> u32 {
    match id & 0xffff {
        0xffff => u32::MAX,
        low => low,
    }
}

/// A full id as the guest's 16 bits.
fn narrow(id: u32) -> u32 {
    if id > 0xffff {
        OVERFLOW_ID
    } else {
        id
    }
}

/// Handles `num` if it is one of the old ABI's calls.
pub fn call(p: &Process, num: u32, a: [u32; 6]) -> Option<SysR> {
    let raw = |sysno: libc::c_long, args: &[u32]| -> SysR {
        let w: Vec<libc::c_long> = args.iter().map(|&x| wide(x) as libc::c_long).collect();
        // SAFETY: integer arguments only.
        host(unsafe {
            match w.len() {
                1 => libc::syscall(sysno, w[0]),
                2 => libc::syscall(sysno, w[0], w[1]),
                _ => libc::syscall(sysno, w[0], w[1], w[2]),
            }
        })
    };
    // SAFETY: (for the id queries) these calls cannot fail.
    let r = unsafe {
        match num {
            nr::GETUID => Ok(narrow(libc::getuid())),
            nr::GETEUID => Ok(narrow(libc::geteuid())),
            nr::GETGID => Ok(narrow(libc::getgid())),
            nr::GETEGID => Ok(narrow(libc::getegid())),
            nr::SETUID => raw(libc::SYS_setuid, &a[..1]),
            nr::SETGID => raw(libc::SYS_setgid, &a[..1]),
            nr::SETREUID => raw(libc::SYS_setreuid, &a[..2]),
            nr::SETREGID => raw(libc::SYS_setregid, &a[..2]),
            nr::SETRESUID => raw(libc::SYS_setresuid, &a[..3]),
            nr::SETRESGID => raw(libc::SYS_setresgid, &a[..3]),
            // setfs*id never fail: they answer the previous id.
            nr::SETFSUID => raw(libc::SYS_setfsuid, &a[..1]).map(narrow),
            nr::SETFSGID => raw(libc::SYS_setfsgid, &a[..1]).map(narrow),
            nr::SETFSUID32 => host(libc::syscall(libc::SYS_setfsuid, a[0])),
            nr::SETFSGID32 => host(libc::syscall(libc::SYS_setfsgid, a[0])),
            nr::GETRESUID | nr::GETRESGID => getres16(p, num == nr::GETRESUID, a),
            nr::CHOWN | nr::LCHOWN => p.path(a[0]).and_then(|path| {
                let f = if num == nr::LCHOWN {
                    libc::lchown
                } else {
                    libc::chown
                };
                host(f(path.as_ptr(), wide(a[1]), wide(a[2])) as i64)
            }),
            nr::FCHOWN => host(libc::fchown(a[0] as i32, wide(a[1]), wide(a[2])) as i64),
            nr::NICE => nice(a[0] as i32),
            nr::SETRLIMIT => setrlimit32(p, a[0], a[1]),
            _ => return None,
        }
    };
    Some(r)
}

/// getresuid/getresgid with 16-bit ids: three u16 written, each pointer
/// checked in turn as Linux's put_user calls do.
fn getres16(p: &Process, uids: bool, a: [u32; 6]) -> SysR {
    let (mut r, mut e, mut s) = (0u32, 0u32, 0u32);
    // SAFETY: the calls fill our three locals.
    let ok = unsafe {
        if uids {
            libc::getresuid(&mut r, &mut e, &mut s)
        } else {
            libc::getresgid(&mut r, &mut e, &mut s)
        }
    };
    if ok != 0 {
        return Err(errno());
    }
    for (addr, id) in [(a[0], r), (a[1], e), (a[2], s)] {
        p.space
            .write_bytes(addr, &(narrow(id) as u16).to_le_bytes())?;
    }
    Ok(0)
}

/// nice(increment) for the calling thread, as Linux's sys_nice: the
/// increment and the result clamped to -20..19, EPERM when lowering the
/// value is not allowed. (x86-64 has no nice call: getpriority and
/// setpriority make it.)
fn nice(increment: i32) -> SysR {
    // SAFETY: integer arguments only; raw getpriority answers 20 - nice.
    let now = unsafe { libc::syscall(libc::SYS_getpriority, libc::PRIO_PROCESS, 0) };
    if now < 0 {
        return Err(errno());
    }
    let current = 20 - now as i32;
    let target = (current + increment.clamp(-40, 40)).clamp(-20, 19);
    // SAFETY: as above.
    let r = unsafe { libc::syscall(libc::SYS_setpriority, libc::PRIO_PROCESS, 0, target) };
    match r {
        0 => Ok(0),
        _ => match errno() {
            libc::EACCES => Err(libc::EPERM),
            e => Err(e),
        },
    }
}

/// The old setrlimit with 32-bit limits (RLIM_INFINITY is 0xffffffff).
fn setrlimit32(p: &Process, resource: u32, addr: u32) -> SysR {
    let raw = p.space.slice(addr, 8)?;
    let word = |i: usize| match u32::from_le_bytes(raw[i..i + 4].try_into().unwrap()) {
        u32::MAX => libc::RLIM_INFINITY,
        v => v as u64,
    };
    let limit = libc::rlimit {
        rlim_cur: word(0),
        rlim_max: word(4),
    };
    // SAFETY: our own struct, for this process (pid 0).
    host(unsafe {
        libc::syscall(
            libc::SYS_prlimit64,
            0,
            resource,
            &limit as *const libc::rlimit,
            std::ptr::null_mut::<libc::rlimit>(),
        )
    })
}
