//! System V IPC (shared memory segments attached into the guest address
//! space, semaphore sets, message queues) and POSIX message queues. The
//! host kernel keeps the objects (so they are shared with other
//! processes, emulated or not); this module converts the 32-bit guest
//! structures (`shmid64_ds`, `semid64_ds`, `msqid64_ds`, `struct msgbuf`
//! with its 4-byte `mtype`, `struct mq_attr`, `struct sigevent`) and
//! places `shmat` mappings inside the guest reservation.

use std::collections::BTreeMap;
use std::sync::Mutex;

use rsemu_core::Engine;
use rsemu_syscalls::layout::ipc::{self as lay, Layout};
use rsemu_syscalls::nr;

use crate::memory::{page_align_up, MAPPED, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE};
use crate::syscall::{host, read_timespec32, read_timespec64, Process, SysR};

/// Asks for the 64-bit structure layouts (glibc always sets it on ARM);
/// the x86-64 kernel knows no other and rejects the bit.
const IPC_64: u32 = 0x100;
const IPC_SET: i32 = 1;
const IPC_STAT: i32 = 2;
const IPC_INFO: i32 = 3;
const SHM_STAT: i32 = 13;
const SHM_INFO: i32 = 14;
const SHM_STAT_ANY: i32 = 15;
const SEM_GETALL: i32 = 13;
const SEM_SETVAL: i32 = 16;
const SEM_SETALL: i32 = 17;
const SEM_STAT: i32 = 18;
const SEM_INFO: i32 = 19;
const SEM_STAT_ANY: i32 = 20;
const MSG_STAT: i32 = 11;
const MSG_INFO: i32 = 12;
const MSG_STAT_ANY: i32 = 13;
const SHM_RDONLY: u32 = 0o10000;
const SHM_RND: u32 = 0o20000;
const SHM_REMAP: u32 = 0o40000;
const SHM_EXEC: u32 = 0o100000;
/// ARM's SHMLBA: four pages (for aliasing VIPT caches).
const SHMLBA: u32 = 4 * PAGE_SIZE;
/// `struct seminfo` and `struct msginfo` are ints only: 40 and 32 bytes.
const SEMINFO_SIZE: u32 = 40;
const MSGINFO_SIZE: u32 = 32;

/// Attached segments by guest address, with their length (shmdt needs
/// it). A fork child inherits the attachments, and this table with them.
static ATTACHED: Mutex<BTreeMap<u32, u64>> = Mutex::new(BTreeMap::new());

/// System V IPC calls other than shmat/shmdt; `None` if `num` is none.
pub fn call(p: &mut Process, num: u32, a: [u32; 6]) -> Option<SysR> {
    // SAFETY: (for each host call) integer arguments, buffers we own, or
    // guest buffers checked for the length the kernel touches.
    Some(unsafe {
        match num {
            nr::SHMGET => host(libc::syscall(
                libc::SYS_shmget,
                a[0] as i32,
                a[1] as usize,
                a[2] as i32,
            )),
            nr::SEMGET => host(libc::syscall(
                libc::SYS_semget,
                a[0] as i32,
                a[1] as i32,
                a[2] as i32,
            )),
            nr::MSGGET => host(libc::syscall(libc::SYS_msgget, a[0] as i32, a[1] as i32)),
            nr::SHMCTL => shmctl(p, a),
            nr::SEMCTL => semctl(p, a),
            nr::MSGCTL => msgctl(p, a),
            nr::SEMOP | nr::SEMTIMEDOP | nr::SEMTIMEDOP_TIME64 => semtimedop(p, num, a),
            nr::MSGSND => msgsnd(p, a),
            nr::MSGRCV => msgrcv(p, a),
            nr::MQ_OPEN => mq_open(p, a),
            nr::MQ_UNLINK => match p.space.read_cstr(a[0], 4096) {
                Ok(name) => match std::ffi::CString::new(name) {
                    Ok(c) => host(libc::syscall(libc::SYS_mq_unlink, c.as_ptr())),
                    Err(_) => Err(libc::EINVAL),
                },
                Err(e) => Err(e),
            },
            nr::MQ_TIMEDSEND
            | nr::MQ_TIMEDSEND_TIME64
            | nr::MQ_TIMEDRECEIVE
            | nr::MQ_TIMEDRECEIVE_TIME64 => mq_timed(p, num, a),
            nr::MQ_NOTIFY => mq_notify(p, a),
            nr::MQ_GETSETATTR => mq_getsetattr(p, a),
            _ => return None,
        }
    })
}

/// A `*ctl` call whose argument is a structure: converts it in (IPC_SET)
/// or out (the STAT and INFO calls).
fn ctl_struct(
    p: &Process,
    sysno: libc::c_long,
    id: i32,
    semnum: Option<i32>,
    cmd: i32,
    addr: u32,
    l: &Layout,
) -> SysR {
    let out = cmd != IPC_SET;
    let mut h = if out {
        vec![0u8; l.host_size]
    } else {
        lay::to_host(l, p.space.slice(addr, l.guest_size as u32)?)
    };
    // SAFETY: h has the host struct's size.
    let r = host(unsafe {
        match semnum {
            Some(n) => libc::syscall(sysno, id, n, cmd, h.as_mut_ptr()),
            None => libc::syscall(sysno, id, cmd, h.as_mut_ptr()),
        }
    })?;
    if out {
        p.space.write_bytes(addr, &lay::to_guest(l, &h))?;
    }
    Ok(r)
}

fn shmctl(p: &Process, a: [u32; 6]) -> SysR {
    let (id, cmd, buf) = (a[0] as i32, (a[1] & !IPC_64) as i32, a[2]);
    let s = libc::SYS_shmctl;
    match cmd {
        IPC_STAT | SHM_STAT | SHM_STAT_ANY => ctl_struct(p, s, id, None, cmd, buf, &lay::SHMID_DS),
        IPC_SET => ctl_struct(p, s, id, None, cmd, buf, &lay::SHMID_DS),
        IPC_INFO => ctl_struct(p, s, id, None, cmd, buf, &lay::SHMINFO),
        SHM_INFO => ctl_struct(p, s, id, None, cmd, buf, &lay::SHM_INFO),
        // IPC_RMID, SHM_LOCK, SHM_UNLOCK: no argument.
        // SAFETY: integer arguments only.
        _ => host(unsafe { libc::syscall(s, id, cmd, 0usize) }),
    }
}

fn semctl(p: &Process, a: [u32; 6]) -> SysR {
    let (id, num, cmd, arg) = (a[0] as i32, a[1] as i32, (a[2] & !IPC_64) as i32, a[3]);
    let s = libc::SYS_semctl;
    match cmd {
        IPC_STAT | SEM_STAT | SEM_STAT_ANY => {
            ctl_struct(p, s, id, Some(num), cmd, arg, &lay::SEMID_DS)
        }
        IPC_SET => ctl_struct(p, s, id, Some(num), cmd, arg, &lay::SEMID_DS),
        IPC_INFO | SEM_INFO => {
            let info = p.ptr(arg, SEMINFO_SIZE, PROT_WRITE)?;
            // SAFETY: struct seminfo has the same layout on both sides.
            host(unsafe { libc::syscall(s, id, num, cmd, info) })
        }
        SEM_GETALL | SEM_SETALL => {
            // An array of unsigned shorts, one per semaphore.
            let mut ds = vec![0u8; lay::SEMID_DS.host_size];
            // SAFETY: ds has the host struct's size.
            host(unsafe { libc::syscall(s, id, 0, IPC_STAT, ds.as_mut_ptr()) })?;
            let nsems = u64::from_le_bytes(ds[80..88].try_into().unwrap()) as u32;
            let need = if cmd == SEM_GETALL {
                PROT_WRITE
            } else {
                PROT_READ
            };
            let arr = p.ptr(arg, nsems.saturating_mul(2), need)?;
            // SAFETY: the array is checked for nsems shorts.
            host(unsafe { libc::syscall(s, id, num, cmd, arr) })
        }
        // SETVAL takes an int; the rest nothing.
        // SAFETY: integer arguments only.
        SEM_SETVAL => host(unsafe { libc::syscall(s, id, num, cmd, arg as i32 as libc::c_long) }),
        // SAFETY: integer arguments only.
        _ => host(unsafe { libc::syscall(s, id, num, cmd, 0usize) }),
    }
}

fn msgctl(p: &Process, a: [u32; 6]) -> SysR {
    let (id, cmd, buf) = (a[0] as i32, (a[1] & !IPC_64) as i32, a[2]);
    let s = libc::SYS_msgctl;
    match cmd {
        IPC_STAT | MSG_STAT | MSG_STAT_ANY => ctl_struct(p, s, id, None, cmd, buf, &lay::MSQID_DS),
        IPC_SET => ctl_struct(p, s, id, None, cmd, buf, &lay::MSQID_DS),
        IPC_INFO | MSG_INFO => {
            let info = p.ptr(buf, MSGINFO_SIZE, PROT_WRITE)?;
            // SAFETY: struct msginfo has the same layout on both sides.
            host(unsafe { libc::syscall(s, id, cmd, info) })
        }
        // SAFETY: integer arguments only.
        _ => host(unsafe { libc::syscall(s, id, cmd, 0usize) }),
    }
}

/// semop, semtimedop: struct sembuf (three shorts) is the same on both
/// sides; the timeout is converted.
fn semtimedop(p: &Process, num: u32, a: [u32; 6]) -> SysR {
    let sops = p.ptr(a[1], a[2].saturating_mul(6), PROT_READ)?;
    let ts = match num {
        nr::SEMTIMEDOP if a[3] != 0 => Some(read_timespec32(p, a[3])?),
        nr::SEMTIMEDOP_TIME64 if a[3] != 0 => Some(read_timespec64(p, a[3])?),
        _ => None,
    };
    let tsp = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: the operations are checked guest memory, the timeout ours.
    host(crate::safe!(
        libc::SYS_semtimedop,
        a[0] as i32,
        sops,
        a[2] as usize,
        tsp
    ))
}

/// msgsnd: the guest's message is a 4-byte `mtype` and the text; the
/// host's `mtype` is a long.
fn msgsnd(p: &Process, a: [u32; 6]) -> SysR {
    let g = p
        .space
        .slice(a[1], a[2].checked_add(4).ok_or(libc::EINVAL)?)?;
    let mut h = Vec::with_capacity(8 + a[2] as usize);
    h.extend_from_slice(&(i32::from_le_bytes(g[0..4].try_into().unwrap()) as i64).to_le_bytes());
    h.extend_from_slice(&g[4..]);
    // SAFETY: h holds the host message of the given text size.
    host(crate::safe!(
        libc::SYS_msgsnd,
        a[0] as i32,
        h.as_ptr(),
        a[2] as usize,
        a[3] as i32,
    ))
}

/// msgrcv: received into a host message, copied out with a 4-byte
/// `mtype`; the wanted type is a (signed) long.
fn msgrcv(p: &Process, a: [u32; 6]) -> SysR {
    let size = a[2];
    p.ptr(a[1], size.checked_add(4).ok_or(libc::EINVAL)?, PROT_WRITE)?;
    let mut h = vec![0u8; 8 + size as usize];
    // SAFETY: h has room for the type and `size` bytes of text.
    let n = host(crate::safe!(
        libc::SYS_msgrcv,
        a[0] as i32,
        h.as_mut_ptr(),
        size as usize,
        a[3] as i32 as libc::c_long,
        a[4] as i32,
    ))?;
    let mut g = Vec::with_capacity(4 + n as usize);
    g.extend_from_slice(&h[0..4]);
    g.extend_from_slice(&h[8..8 + n as usize]);
    p.space.write_bytes(a[1], &g)?;
    Ok(n)
}

/// shmat(shmid, addr, flags): the segment is attached inside the guest
/// reservation (the host maps it over the reserved pages with SHM_REMAP)
/// at `addr` or a free range, and its pages get the guest's protection.
pub fn shmat(p: &mut Process, engine: &mut Engine, a: [u32; 6]) -> SysR {
    let (id, addr, flags) = (a[0] as i32, a[1], a[2]);
    let mut ds = vec![0u8; lay::SHMID_DS.host_size];
    // SAFETY: ds has the host struct's size.
    host(unsafe { libc::syscall(libc::SYS_shmctl, id, IPC_STAT, ds.as_mut_ptr()) })?;
    let size = page_align_up(u64::from_le_bytes(ds[48..56].try_into().unwrap()));
    if size == 0 || size >= 1 << 32 {
        return Err(libc::EINVAL);
    }
    let space = p.space.clone();
    let _maps = space.brk.lock().unwrap_or_else(|e| e.into_inner());
    let target = if addr == 0 {
        space.find_free(size).ok_or(libc::ENOMEM)?
    } else {
        let at = if flags & SHM_RND != 0 {
            addr & !(SHMLBA - 1)
        } else {
            addr
        };
        if !at.is_multiple_of(PAGE_SIZE) || at as u64 + size > 1 << 32 {
            return Err(libc::EINVAL);
        }
        if flags & SHM_REMAP == 0 && !space.is_free(at, size) {
            return Err(libc::EINVAL);
        }
        at
    };
    let hflags = (flags & (SHM_RDONLY | SHM_EXEC)) | SHM_REMAP;
    // SAFETY: the range lies inside the guest reservation; SHM_REMAP
    // replaces only the reserved (or guest) pages there.
    let r = unsafe {
        libc::shmat(
            id,
            space.host_addr(target) as *const libc::c_void,
            hflags as i32,
        )
    };
    if r as isize == -1 {
        return Err(crate::syscall::errno());
    }
    let mut pf = MAPPED | PROT_READ;
    if flags & SHM_RDONLY == 0 {
        pf |= PROT_WRITE;
    }
    if flags & SHM_EXEC != 0 {
        pf |= PROT_EXEC;
    }
    engine.invalidate_range(target, size as u32);
    space.mark(target, size, pf);
    ATTACHED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(target, size);
    Ok(target)
}

/// shmdt(addr): detaches by putting the reservation back over the range.
pub fn shmdt(p: &mut Process, engine: &mut Engine, addr: u32) -> SysR {
    let space = p.space.clone();
    let _maps = space.brk.lock().unwrap_or_else(|e| e.into_inner());
    let size = ATTACHED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&addr)
        .ok_or(libc::EINVAL)?;
    engine.invalidate_range(addr, size as u32);
    space.unmap(addr, size)?;
    Ok(0)
}

/// `struct mq_attr`: four longs and four reserved ones, 32 bytes in the
/// guest and 64 on the host (offsetof checked on both compilers).
fn mq_attr_to_host(g: &[u8]) -> [i64; 8] {
    let mut h = [0i64; 8];
    for (k, v) in h.iter_mut().enumerate().take(4) {
        *v = i32::from_le_bytes(g[4 * k..4 * k + 4].try_into().unwrap()) as i64;
    }
    h
}

fn mq_attr_to_guest(h: &[i64; 8]) -> [u8; 32] {
    let mut g = [0u8; 32];
    for k in 0..4 {
        g[4 * k..4 * k + 4].copy_from_slice(&(h[k] as i32).to_le_bytes());
    }
    g
}

/// mq_open(name, oflag, mode, attr): the name is not a path (no sysroot).
fn mq_open(p: &Process, a: [u32; 6]) -> SysR {
    let name = std::ffi::CString::new(p.space.read_cstr(a[0], 4096)?).map_err(|_| libc::EINVAL)?;
    let attr = if a[3] != 0 {
        Some(mq_attr_to_host(p.space.slice(a[3], 32)?))
    } else {
        None
    };
    let flags = rsemu_syscalls::flags::open::to_host(a[1]) as i32;
    // SAFETY: a C string and an attribute struct we own.
    host(unsafe {
        libc::syscall(
            libc::SYS_mq_open,
            name.as_ptr(),
            flags,
            a[2],
            attr.as_ref().map_or(std::ptr::null(), |h| h.as_ptr()),
        )
    })
}

/// mq_timedsend(mqd, msg, len, prio, timeout) and mq_timedreceive(mqd,
/// msg, len, prio*, timeout): buffers pass through, the absolute timeout
/// is converted.
fn mq_timed(p: &Process, num: u32, a: [u32; 6]) -> SysR {
    let send = matches!(num, nr::MQ_TIMEDSEND | nr::MQ_TIMEDSEND_TIME64);
    let t64 = matches!(num, nr::MQ_TIMEDSEND_TIME64 | nr::MQ_TIMEDRECEIVE_TIME64);
    let ts = if a[4] != 0 {
        Some(if t64 {
            read_timespec64(p, a[4])?
        } else {
            read_timespec32(p, a[4])?
        })
    } else {
        None
    };
    let tsp = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    let buf = p.ptr(a[1], a[2], if send { PROT_READ } else { PROT_WRITE })?;
    if send {
        // SAFETY: the message is checked guest memory, the timeout ours.
        host(crate::safe!(
            libc::SYS_mq_timedsend,
            a[0] as i32,
            buf,
            a[2] as usize,
            a[3],
            tsp,
        ))
    } else {
        let prio = if a[3] != 0 {
            p.ptr(a[3], 4, PROT_WRITE)?
        } else {
            std::ptr::null_mut()
        };
        // SAFETY: buffer and priority are checked guest memory.
        host(crate::safe!(
            libc::SYS_mq_timedreceive,
            a[0] as i32,
            buf,
            a[2] as usize,
            prio,
            tsp,
        ))
    }
}

/// mq_notify(mqd, sigevent): glibc's SIGEV_THREAD passes a netlink socket
/// in sigev_signo and a 32-byte cookie the kernel reads through
/// sigev_value, a guest pointer made a host one here.
fn mq_notify(p: &Process, a: [u32; 6]) -> SysR {
    use rsemu_syscalls::layout::{GuestStruct, Sigevent32};
    const SIGEV_THREAD: i32 = 2;
    // SAFETY: zeroed plain-data struct.
    let mut ev: libc::sigevent = unsafe { std::mem::zeroed() };
    let evp = if a[1] != 0 {
        let g = Sigevent32::decode(p.space.slice(a[1], 64)?);
        let value = if g.notify == SIGEV_THREAD {
            p.ptr(g.value, 32, PROT_READ)? as usize
        } else {
            g.value as usize
        };
        ev.sigev_value = libc::sigval {
            sival_ptr: value as *mut libc::c_void,
        };
        // SIGEV_SIGNAL's signal number; glibc's SIGEV_THREAD puts its
        // netlink socket there instead.
        ev.sigev_signo = if g.notify == SIGEV_THREAD {
            g.signo
        } else {
            crate::sigmap::host_or_raw(g.signo as u32)
        };
        ev.sigev_notify = g.notify;
        ev.sigev_notify_thread_id = g.tid;
        &ev as *const libc::sigevent
    } else {
        std::ptr::null()
    };
    // SAFETY: our own sigevent (its cookie pointer checked above).
    host(unsafe { libc::syscall(libc::SYS_mq_notify, a[0] as i32, evp) })
}

fn mq_getsetattr(p: &Process, a: [u32; 6]) -> SysR {
    let new = if a[1] != 0 {
        Some(mq_attr_to_host(p.space.slice(a[1], 32)?))
    } else {
        None
    };
    let mut old = [0i64; 8];
    // SAFETY: attribute structs we own.
    host(unsafe {
        libc::syscall(
            libc::SYS_mq_getsetattr,
            a[0] as i32,
            new.as_ref().map_or(std::ptr::null(), |h| h.as_ptr()),
            old.as_mut_ptr(),
        )
    })?;
    if a[2] != 0 {
        p.space.write_bytes(a[2], &mq_attr_to_guest(&old))?;
    }
    Ok(0)
}
