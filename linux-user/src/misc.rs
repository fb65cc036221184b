//! The long tail of system calls that pass to the host with at most a
//! pointer check or a small conversion: credentials, scheduling, extended
//! attributes, inotify, splice, file advice and locks, waitid.

use std::ffi::CString;

use rsemu_syscalls::layout::{self, GuestStruct};
use rsemu_syscalls::nr;

use crate::memory::{PROT_READ, PROT_WRITE};
use crate::syscall::{errno, host, Process, SysR};

/// A 64-bit argument in an ARM EABI register pair.
fn pair(lo: u32, hi: u32) -> i64 {
    ((hi as u64) << 32 | lo as u64) as i64
}

/// A guest C string (not a path: no sysroot redirection).
fn cstr(p: &Process, addr: u32) -> Result<CString, i32> {
    CString::new(p.space.read_cstr(addr, 4096)?).map_err(|_| libc::EINVAL)
}

/// An optional guest buffer: null for address 0.
fn opt_buf(p: &Process, addr: u32, len: u32, need: u8) -> Result<*mut libc::c_void, i32> {
    if addr == 0 {
        Ok(std::ptr::null_mut())
    } else {
        p.ptr(addr, len, need)
    }
}

/// The host's supplementary groups of this thread.
fn host_groups() -> Result<Vec<libc::gid_t>, i32> {
    // SAFETY: a count query, then a buffer of that many entries we own.
    let n = unsafe { libc::syscall(libc::SYS_getgroups, 0, std::ptr::null_mut::<libc::gid_t>()) };
    if n < 0 {
        return Err(crate::syscall::errno());
    }
    let mut groups = vec![0 as libc::gid_t; n as usize];
    // SAFETY: as above.
    let n = unsafe { libc::syscall(libc::SYS_getgroups, n, groups.as_mut_ptr()) };
    if n < 0 {
        return Err(crate::syscall::errno());
    }
    groups.truncate(n as usize);
    Ok(groups)
}

/// The 16-bit getgroups of old ARM binaries: ids above 65535 read as the
/// overflow id 65534, as Linux's high2lowgid does.
fn getgroups16(p: &Process, size: i32, list: u32) -> SysR {
    if size < 0 {
        return Err(libc::EINVAL);
    }
    let groups = host_groups()?;
    if size == 0 {
        return Ok(groups.len() as u32);
    }
    if groups.len() > size as usize {
        return Err(libc::EINVAL);
    }
    let bytes: Vec<u8> = groups
        .iter()
        .flat_map(|&g| (if g > 0xffff { 65534u16 } else { g as u16 }).to_le_bytes())
        .collect();
    p.space.write_bytes(list, &bytes)?;
    Ok(groups.len() as u32)
}

/// The 16-bit setgroups, in Linux's order: permission, count, the list
/// (0xffff stands for -1). The raw call changes this thread only, as the
/// kernel's does; the guest's C library signals its other threads.
fn setgroups16(p: &Process, size: u32, list: u32) -> SysR {
    const NGROUPS_MAX: u32 = 65536;
    if size > NGROUPS_MAX {
        // Permission first: setting the groups already held tells.
        let current = host_groups()?;
        // SAFETY: the thread's own group list, unchanged.
        let r = unsafe { libc::syscall(libc::SYS_setgroups, current.len(), current.as_ptr()) };
        return Err(if r < 0 {
            crate::syscall::errno()
        } else {
            libc::EINVAL
        });
    }
    let raw = if size == 0 {
        &[][..]
    } else {
        p.space.slice(list, size * 2)?
    };
    let groups: Vec<libc::gid_t> = raw
        .chunks_exact(2)
        .map(|c| match u16::from_le_bytes([c[0], c[1]]) {
            0xffff => libc::gid_t::MAX,
            g => g as libc::gid_t,
        })
        .collect();
    // SAFETY: a list of `size` ids we own.
    host(unsafe { libc::syscall(libc::SYS_setgroups, groups.len(), groups.as_ptr()) })
}

/// settimeofday(tv, tz): the ARM timeval (two 32-bit words) and the
/// timezone (two ints, same on both), in Linux's order and checks.
fn settimeofday(p: &Process, a: [u32; 6]) -> SysR {
    let tv = if a[0] != 0 {
        let sec = p.space.read_u32(a[0])? as i32 as i64;
        let usec = p.space.read_u32(a[0].wrapping_add(4))? as i32 as i64;
        if !(0..1_000_000).contains(&usec) {
            return Err(libc::EINVAL);
        }
        Some(libc::timeval {
            tv_sec: sec,
            tv_usec: usec,
        })
    } else {
        None
    };
    let tz = if a[1] != 0 {
        Some(p.space.slice(a[1], 8)?.to_vec())
    } else {
        None
    };
    // SAFETY: our own structs, or NULL.
    host(unsafe {
        libc::syscall(
            libc::SYS_settimeofday,
            tv.as_ref()
                .map_or(std::ptr::null(), |t| t as *const libc::timeval),
            tz.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()),
        )
    })
}

/// Whether every page of `[addr, addr + len)` is a guest mapping below
/// the top of user space.
fn all_mapped(p: &Process, addr: u32, len: u32) -> bool {
    (addr as u64 + len as u64) <= p.space.task_size as u64
        && p.space.check(addr, len as u64, crate::memory::MAPPED)
}

/// mlock2(start, len, flags): flags first, then the range (ENOMEM for a
/// hole), as Linux.
fn mlock2(p: &Process, a: [u32; 6]) -> SysR {
    const MLOCK_ONFAULT: u32 = 1;
    if a[2] & !MLOCK_ONFAULT != 0 {
        return Err(libc::EINVAL);
    }
    let start = a[0] & !0xfff;
    let len = (a[0] - start).saturating_add(a[1]);
    if !all_mapped(p, start, len) {
        return Err(libc::ENOMEM);
    }
    // SAFETY: mapped guest pages inside the reservation.
    host(unsafe { libc::syscall(libc::SYS_mlock2, p.space.host_addr(start), len, a[2]) })
}

/// mincore(start, len, vec): one byte a page into the guest's vector;
/// EINVAL for an unaligned start, ENOMEM for a hole, EFAULT for the vector.
fn mincore(p: &Process, a: [u32; 6]) -> SysR {
    let (start, len, vec) = (a[0], a[1], a[2]);
    if start & 0xfff != 0 {
        return Err(libc::EINVAL);
    }
    let pages = (len as u64).div_ceil(4096) as u32;
    if (start as u64 + len as u64) > p.space.task_size as u64 {
        return Err(libc::ENOMEM);
    }
    let out = p.ptr(vec, pages, PROT_WRITE)?;
    if !all_mapped(p, start, len) {
        return Err(libc::ENOMEM);
    }
    // SAFETY: mapped guest pages; the vector is checked guest memory.
    host(unsafe {
        libc::syscall(
            libc::SYS_mincore,
            p.space.host_addr(start),
            len as usize,
            out,
        )
    })
}

/// sched_setattr(pid, attr, flags) / sched_getattr(pid, attr, size,
/// flags): `struct sched_attr` (its size first, then fixed-width fields)
/// has one layout on both, so the host kernel reads and writes guest
/// memory itself.
fn sched_attr(p: &Process, num: u32, a: [u32; 6]) -> SysR {
    // The kernel reads at most a page of it.
    let attr = p.host_range(a[1], 4096.min(u32::MAX - a[1]))?;
    // SAFETY: integer arguments and a pointer into the guest reservation.
    host(unsafe {
        if num == nr::SCHED_SETATTR {
            libc::syscall(libc::SYS_sched_setattr, a[0] as i32, attr, a[2])
        } else {
            libc::syscall(libc::SYS_sched_getattr, a[0] as i32, attr, a[2], a[3])
        }
    })
}

/// kcmp(pid1, pid2, type, idx1, idx2): KCMP_EPOLL_TFD's idx2 points at
/// three u32s (one layout on both); the other types are integers.
fn kcmp(p: &Process, a: [u32; 6]) -> SysR {
    const KCMP_EPOLL_TFD: u32 = 7;
    let idx2 = if a[2] == KCMP_EPOLL_TFD {
        p.host_range(a[4], 12)? as libc::c_ulong
    } else {
        a[4] as libc::c_ulong
    };
    // SAFETY: integers, or a pointer into the guest reservation.
    host(unsafe {
        libc::syscall(
            libc::SYS_kcmp,
            a[0] as i32,
            a[1] as i32,
            a[2] as i32,
            a[3] as libc::c_ulong,
            idx2,
        )
    })
}

/// mount(source, target, fstype, flags, data): paths through the
/// sysroot, as every path; `data` is file-system specific, passed as the
/// guest's bytes.
fn mount(p: &Process, a: [u32; 6]) -> SysR {
    let source = if a[0] != 0 { Some(p.path(a[0])?) } else { None };
    let target = p.path(a[1])?;
    let fstype = if a[2] != 0 {
        Some(cstr(p, a[2])?)
    } else {
        None
    };
    let data = if a[4] != 0 {
        p.host_range(a[4], 4096.min(u32::MAX - a[4]))?
    } else {
        std::ptr::null_mut()
    };
    // SAFETY: C strings we own, and a pointer into the guest reservation.
    host(unsafe {
        libc::mount(
            source.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            target.as_ptr(),
            fstype.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            a[3] as libc::c_ulong,
            data,
        )
    } as i64)
}

/// openat2(dirfd, path, how, size): `struct open_how` (u64 flags, mode,
/// resolve) read as Linux's copy_struct_from_user does (EINVAL below 24
/// bytes, E2BIG above a page or for non-zero bytes it does not know),
/// the flags converted from ARM's encoding.
fn openat2(p: &Process, a: [u32; 6]) -> SysR {
    const OPEN_HOW_SIZE: u32 = 24;
    let size = a[3];
    if size < OPEN_HOW_SIZE {
        return Err(libc::EINVAL);
    }
    if size > 4096 {
        return Err(libc::E2BIG);
    }
    let raw = p.space.slice(a[2], size)?;
    if raw[OPEN_HOW_SIZE as usize..].iter().any(|&b| b != 0) {
        return Err(libc::E2BIG);
    }
    let word = |i: usize| u64::from_le_bytes(raw[8 * i..8 * i + 8].try_into().unwrap());
    let (flags, mode, resolve) = (word(0), word(1), word(2));
    if flags >> 32 != 0 {
        return Err(libc::EINVAL);
    }
    let how: [u64; 3] = [
        rsemu_syscalls::flags::open::to_host(flags as u32) as u64,
        mode,
        resolve,
    ];
    let path = p.path(a[1])?;
    // SAFETY: a C string and a struct we own.
    host(unsafe {
        libc::syscall(
            libc::SYS_openat2,
            a[0] as i32,
            path.as_ptr(),
            how.as_ptr(),
            OPEN_HOW_SIZE as usize,
        )
    })
}

/// Handles `num` if it is one of this module's calls.
pub fn call(p: &mut Process, num: u32, a: [u32; 6]) -> Option<SysR> {
    // SAFETY: (for every host call below) arguments are integers, C
    // strings we own, or guest buffers checked for the length the kernel
    // will touch.
    let r = unsafe {
        match num {
            nr::MEMFD_CREATE => {
                let name = match cstr(p, a[0]) {
                    Ok(n) => n,
                    Err(e) => return Some(Err(e)),
                };
                host(libc::memfd_create(name.as_ptr(), a[1]) as i64)
            }
            nr::SETHOSTNAME | nr::SETDOMAINNAME => match p.ptr(a[0], a[1], PROT_READ) {
                Ok(name) => {
                    let sysno = if num == nr::SETHOSTNAME {
                        libc::SYS_sethostname
                    } else {
                        libc::SYS_setdomainname
                    };
                    host(libc::syscall(sysno, name, a[1] as usize))
                }
                Err(e) => Err(e),
            },
            nr::CHROOT => match p.path(a[0]) {
                Ok(c) => host(libc::chroot(c.as_ptr()) as i64),
                Err(e) => Err(e),
            },
            nr::FLOCK => host(crate::safe!(libc::SYS_flock, a[0] as i32, a[1] as i32)),
            nr::FALLOCATE => {
                host(
                    libc::fallocate(a[0] as i32, a[1] as i32, pair(a[2], a[3]), pair(a[4], a[5]))
                        as i64,
                )
            }
            nr::ARM_SYNC_FILE_RANGE => {
                host(
                    libc::sync_file_range(a[0] as i32, pair(a[2], a[3]), pair(a[4], a[5]), a[1])
                        as i64,
                )
            }
            nr::ARM_FADVISE64_64 => {
                let r = libc::posix_fadvise(
                    a[0] as i32,
                    pair(a[2], a[3]),
                    pair(a[4], a[5]),
                    a[1] as i32,
                );
                if r != 0 {
                    Err(r)
                } else {
                    Ok(0)
                }
            }
            nr::READAHEAD => {
                host(libc::readahead(a[0] as i32, pair(a[2], a[3]), a[4] as usize) as i64)
            }
            nr::GETRESUID32 | nr::GETRESGID32 => {
                let (mut r, mut e, mut s) = (0u32, 0u32, 0u32);
                let rc = if num == nr::GETRESUID32 {
                    libc::getresuid(&mut r, &mut e, &mut s)
                } else {
                    libc::getresgid(&mut r, &mut e, &mut s)
                };
                match host(rc as i64) {
                    Ok(_) => [(a[0], r), (a[1], e), (a[2], s)]
                        .iter()
                        .try_for_each(|&(addr, v)| p.space.write_bytes(addr, &v.to_le_bytes()))
                        .map(|_| 0),
                    Err(e) => Err(e),
                }
            }
            nr::SETUID32 => host(libc::syscall(libc::SYS_setuid, a[0])),
            nr::SETGID32 => host(libc::syscall(libc::SYS_setgid, a[0])),
            nr::SETREUID32 => host(libc::syscall(libc::SYS_setreuid, a[0], a[1])),
            nr::SETREGID32 => host(libc::syscall(libc::SYS_setregid, a[0], a[1])),
            nr::SETRESUID32 => host(libc::syscall(libc::SYS_setresuid, a[0], a[1], a[2])),
            nr::SETRESGID32 => host(libc::syscall(libc::SYS_setresgid, a[0], a[1], a[2])),
            nr::GETGROUPS => getgroups16(p, a[0] as i32, a[1]),
            nr::SETGROUPS => setgroups16(p, a[0], a[1]),
            // The namespace types are the same CLONE_NEW* bits on both.
            nr::SETNS => host(libc::syscall(libc::SYS_setns, a[0] as i32, a[1] as i32)),
            nr::GETGROUPS32 | nr::SETGROUPS32 => {
                let n = a[0].min(65536);
                let list = match opt_buf(
                    p,
                    a[1],
                    n * 4,
                    if num == nr::GETGROUPS32 {
                        PROT_WRITE
                    } else {
                        PROT_READ
                    },
                ) {
                    Ok(l) => l,
                    Err(e) => return Some(Err(e)),
                };
                let sysno = if num == nr::GETGROUPS32 {
                    libc::SYS_getgroups
                } else {
                    libc::SYS_setgroups
                };
                host(libc::syscall(sysno, n, list))
            }
            nr::CAPGET | nr::CAPSET => {
                // Header {u32 version; i32 pid}; data: up to two {u32 x3}.
                let hdr = match p.ptr(a[0], 8, PROT_WRITE) {
                    Ok(h) => h,
                    Err(e) => return Some(Err(e)),
                };
                let need = if num == nr::CAPGET {
                    PROT_WRITE
                } else {
                    PROT_READ
                };
                let data = match opt_buf(p, a[1], 24, need) {
                    Ok(d) => d,
                    Err(e) => return Some(Err(e)),
                };
                let sysno = if num == nr::CAPGET {
                    libc::SYS_capget
                } else {
                    libc::SYS_capset
                };
                host(libc::syscall(sysno, hdr, data))
            }
            // Linux personality with no flags: querying and setting
            // PER_LINUX succeed; the emulator's own persona never changes.
            nr::PERSONALITY => Ok(0),
            nr::SCHED_SETAFFINITY => match p.ptr(a[2], a[1], PROT_READ) {
                Ok(m) => host(libc::syscall(
                    libc::SYS_sched_setaffinity,
                    a[0] as i32,
                    a[1] as usize,
                    m,
                )),
                Err(e) => Err(e),
            },
            nr::SCHED_GETSCHEDULER => {
                host(libc::syscall(libc::SYS_sched_getscheduler, a[0] as i32))
            }
            nr::SCHED_GETPARAM | nr::SCHED_SETSCHEDULER => {
                let addr = if num == nr::SCHED_GETPARAM {
                    a[1]
                } else {
                    a[2]
                };
                let param = match p.ptr(addr, 4, PROT_WRITE) {
                    Ok(x) => x,
                    Err(e) => return Some(Err(e)),
                };
                if num == nr::SCHED_GETPARAM {
                    host(libc::syscall(libc::SYS_sched_getparam, a[0] as i32, param))
                } else {
                    host(libc::syscall(
                        libc::SYS_sched_setscheduler,
                        a[0] as i32,
                        a[1] as i32,
                        param,
                    ))
                }
            }
            nr::SCHED_SETPARAM => match p.ptr(a[1], 4, PROT_READ) {
                Ok(x) => host(libc::syscall(libc::SYS_sched_setparam, a[0] as i32, x)),
                Err(e) => Err(e),
            },
            nr::SCHED_RR_GET_INTERVAL | nr::SCHED_RR_GET_INTERVAL_TIME64 => {
                let mut ts: libc::timespec = std::mem::zeroed();
                match host(libc::syscall(
                    libc::SYS_sched_rr_get_interval,
                    a[0] as i32,
                    &mut ts,
                )) {
                    Ok(_) => crate::syscall::write_timespec(
                        p,
                        a[1],
                        &ts,
                        num == nr::SCHED_RR_GET_INTERVAL_TIME64,
                    )
                    .map(|_| 0),
                    Err(e) => Err(e),
                }
            }
            nr::PIDFD_OPEN => host(libc::syscall(libc::SYS_pidfd_open, a[0] as i32, a[1])),
            nr::ADJTIMEX | nr::CLOCK_ADJTIME => {
                use rsemu_syscalls::layout::timex;
                let (clock, addr) = if num == nr::ADJTIMEX {
                    (libc::CLOCK_REALTIME, a[0])
                } else {
                    (a[0] as i32, a[1])
                };
                let mut h = match p.space.slice(addr, timex::GUEST_SIZE as u32) {
                    Ok(g) => timex::to_host(g),
                    Err(e) => return Some(Err(e)),
                };
                let r = host(libc::syscall(
                    libc::SYS_clock_adjtime,
                    clock,
                    h.as_mut_ptr(),
                ));
                match r {
                    Ok(state) => p
                        .space
                        .write_bytes(addr, &timex::to_guest(&h))
                        .map(|_| state),
                    Err(e) => Err(e),
                }
            }
            // struct __kernel_timex has the host's layout.
            nr::CLOCK_ADJTIME64 => match p.ptr(a[1], 208, PROT_WRITE) {
                Ok(t) => host(libc::syscall(libc::SYS_clock_adjtime, a[0] as i32, t)),
                Err(e) => Err(e),
            },
            // Removed from Linux (5.5 and 6.8): ENOSYS, as a current kernel
            // answers, without a report.
            nr::_SYSCTL | nr::LOOKUP_DCOOKIE => Err(libc::ENOSYS),
            nr::PIDFD_GETFD => host(libc::syscall(
                libc::SYS_pidfd_getfd,
                a[0] as i32,
                a[1] as i32,
                a[2],
            )),
            nr::PIDFD_SEND_SIGNAL => {
                // An optional guest siginfo, converted to the host layout.
                let info = if a[2] != 0 {
                    match p.space.slice(a[2], 128) {
                        // The kernel wants si_signo to be the signal sent.
                        Ok(b) if b[0..4] != a[1].to_le_bytes() => return Some(Err(libc::EINVAL)),
                        Ok(b) => Some(crate::signal::SigInfo::from_guest(b).to_host(a[1])),
                        Err(e) => return Some(Err(e)),
                    }
                } else {
                    None
                };
                host(libc::syscall(
                    libc::SYS_pidfd_send_signal,
                    a[0] as i32,
                    crate::sigmap::host_or_raw(a[1]),
                    info.as_ref().map_or(std::ptr::null(), |b| b.as_ptr()),
                    a[3],
                ))
            }
            nr::PREADV2 | nr::PWRITEV2 => {
                // (fd, iov, iovcnt, pos_l, pos_h, flags): the position is
                // split, not a register pair; -1 means the current offset.
                let read = num == nr::PREADV2;
                match crate::syscall::iovecs(p, a[1], a[2], read) {
                    Ok(iov) => {
                        let pos = pair(a[3], a[4]);
                        let sysno = if read {
                            libc::SYS_preadv2
                        } else {
                            libc::SYS_pwritev2
                        };
                        host(libc::syscall(
                            sysno,
                            a[0] as i32,
                            iov.as_ptr(),
                            iov.len() as i32,
                            pos,
                            pos >> 32,
                            a[5] as i32,
                        ))
                    }
                    Err(e) => Err(e),
                }
            }
            nr::SCHED_GET_PRIORITY_MAX => host(libc::sched_get_priority_max(a[0] as i32) as i64),
            nr::SCHED_GET_PRIORITY_MIN => host(libc::sched_get_priority_min(a[0] as i32) as i64),
            // The raw calls keep the kernel's "20 - nice" return convention.
            nr::GETPRIORITY => host(libc::syscall(
                libc::SYS_getpriority,
                a[0] as i32,
                a[1] as i32,
            )),
            nr::SETPRIORITY => host(libc::syscall(
                libc::SYS_setpriority,
                a[0] as i32,
                a[1] as i32,
                a[2] as i32,
            )),
            nr::MKNOD | nr::MKNODAT => {
                let (dirfd, path, mode, dev) = if num == nr::MKNOD {
                    (libc::AT_FDCWD, a[0], a[1], a[2])
                } else {
                    (a[0] as i32, a[1], a[2], a[3])
                };
                match p.path(path) {
                    Ok(c) => host(libc::mknodat(dirfd, c.as_ptr(), mode, dev as u64) as i64),
                    Err(e) => Err(e),
                }
            }
            nr::FCHOWNAT => match p.path(a[1]) {
                Ok(c) => {
                    host(libc::fchownat(a[0] as i32, c.as_ptr(), a[2], a[3], a[4] as i32) as i64)
                }
                Err(e) => Err(e),
            },
            nr::LINKAT => match (p.path(a[1]), p.path(a[3])) {
                (Ok(from), Ok(to)) => host(libc::linkat(
                    a[0] as i32,
                    from.as_ptr(),
                    a[2] as i32,
                    to.as_ptr(),
                    a[4] as i32,
                ) as i64),
                (Err(e), _) | (_, Err(e)) => Err(e),
            },
            nr::SPLICE | nr::COPY_FILE_RANGE => {
                // loff_t pointers: 8 bytes on both sides.
                let (i, o) = match (
                    opt_buf(p, a[1], 8, PROT_WRITE),
                    opt_buf(p, a[3], 8, PROT_WRITE),
                ) {
                    (Ok(i), Ok(o)) => (i, o),
                    (Err(e), _) | (_, Err(e)) => return Some(Err(e)),
                };
                let sysno = if num == nr::SPLICE {
                    libc::SYS_splice
                } else {
                    libc::SYS_copy_file_range
                };
                host(libc::syscall(
                    sysno,
                    a[0] as i32,
                    i,
                    a[2] as i32,
                    o,
                    a[4] as usize,
                    a[5],
                ))
            }
            nr::TEE => host(libc::syscall(
                libc::SYS_tee,
                a[0] as i32,
                a[1] as i32,
                a[2] as usize,
                a[3],
            )),
            nr::CLOSE_RANGE => host(libc::syscall(libc::SYS_close_range, a[0], a[1], a[2])),
            nr::GETXATTR | nr::LGETXATTR | nr::FGETXATTR => {
                let name = match cstr(p, a[1]) {
                    Ok(n) => n,
                    Err(e) => return Some(Err(e)),
                };
                let val = match opt_buf(p, a[2], a[3], PROT_WRITE) {
                    Ok(v) => v,
                    Err(e) => return Some(Err(e)),
                };
                match num {
                    nr::FGETXATTR => {
                        host(libc::fgetxattr(a[0] as i32, name.as_ptr(), val, a[3] as usize) as i64)
                    }
                    _ => match p.path(a[0]) {
                        Ok(path) if num == nr::GETXATTR => {
                            host(
                                libc::getxattr(path.as_ptr(), name.as_ptr(), val, a[3] as usize)
                                    as i64,
                            )
                        }
                        Ok(path) => {
                            host(
                                libc::lgetxattr(path.as_ptr(), name.as_ptr(), val, a[3] as usize)
                                    as i64,
                            )
                        }
                        Err(e) => Err(e),
                    },
                }
            }
            nr::SETXATTR | nr::LSETXATTR | nr::FSETXATTR => {
                let name = match cstr(p, a[1]) {
                    Ok(n) => n,
                    Err(e) => return Some(Err(e)),
                };
                let val = match opt_buf(p, a[2], a[3], PROT_READ) {
                    Ok(v) => v,
                    Err(e) => return Some(Err(e)),
                };
                let (len, fl) = (a[3] as usize, a[4] as i32);
                match num {
                    nr::FSETXATTR => {
                        host(libc::fsetxattr(a[0] as i32, name.as_ptr(), val, len, fl) as i64)
                    }
                    _ => match p.path(a[0]) {
                        Ok(path) if num == nr::SETXATTR => {
                            host(libc::setxattr(path.as_ptr(), name.as_ptr(), val, len, fl) as i64)
                        }
                        Ok(path) => {
                            host(libc::lsetxattr(path.as_ptr(), name.as_ptr(), val, len, fl) as i64)
                        }
                        Err(e) => Err(e),
                    },
                }
            }
            nr::LISTXATTR | nr::LLISTXATTR | nr::FLISTXATTR => {
                let list = match opt_buf(p, a[1], a[2], PROT_WRITE) {
                    Ok(l) => l as *mut libc::c_char,
                    Err(e) => return Some(Err(e)),
                };
                match num {
                    nr::FLISTXATTR => {
                        host(libc::flistxattr(a[0] as i32, list, a[2] as usize) as i64)
                    }
                    _ => match p.path(a[0]) {
                        Ok(path) if num == nr::LISTXATTR => {
                            host(libc::listxattr(path.as_ptr(), list, a[2] as usize) as i64)
                        }
                        Ok(path) => {
                            host(libc::llistxattr(path.as_ptr(), list, a[2] as usize) as i64)
                        }
                        Err(e) => Err(e),
                    },
                }
            }
            nr::REMOVEXATTR | nr::LREMOVEXATTR | nr::FREMOVEXATTR => {
                let name = match cstr(p, a[1]) {
                    Ok(n) => n,
                    Err(e) => return Some(Err(e)),
                };
                match num {
                    nr::FREMOVEXATTR => host(libc::fremovexattr(a[0] as i32, name.as_ptr()) as i64),
                    _ => match p.path(a[0]) {
                        Ok(path) if num == nr::REMOVEXATTR => {
                            host(libc::removexattr(path.as_ptr(), name.as_ptr()) as i64)
                        }
                        Ok(path) => host(libc::lremovexattr(path.as_ptr(), name.as_ptr()) as i64),
                        Err(e) => Err(e),
                    },
                }
            }
            // struct inotify_event has the same layout on both sides.
            nr::INOTIFY_INIT => host(libc::inotify_init() as i64),
            nr::INOTIFY_INIT1 => host(libc::inotify_init1(a[0] as i32) as i64),
            nr::INOTIFY_ADD_WATCH => match p.path(a[1]) {
                Ok(c) => host(libc::inotify_add_watch(a[0] as i32, c.as_ptr(), a[2]) as i64),
                Err(e) => Err(e),
            },
            nr::INOTIFY_RM_WATCH => host(libc::inotify_rm_watch(a[0] as i32, a[1] as i32) as i64),
            nr::GETCPU => {
                let (c, n) = match (
                    opt_buf(p, a[0], 4, PROT_WRITE),
                    opt_buf(p, a[1], 4, PROT_WRITE),
                ) {
                    (Ok(c), Ok(n)) => (c, n),
                    (Err(e), _) | (_, Err(e)) => return Some(Err(e)),
                };
                host(libc::syscall(libc::SYS_getcpu, c, n, 0usize))
            }
            nr::MLOCK | nr::MUNLOCK => match p.ptr(a[0], a[1], 0) {
                Ok(addr) => host(if num == nr::MLOCK {
                    libc::mlock(addr, a[1] as usize)
                } else {
                    libc::munlock(addr, a[1] as usize)
                } as i64),
                Err(e) => Err(e),
            },
            nr::MLOCK2 => mlock2(p, a),
            // Namespace flags are the same CLONE_NEW* bits on both.
            nr::UNSHARE => host(libc::syscall(libc::SYS_unshare, a[0])),
            nr::PIVOT_ROOT => match (p.path(a[0]), p.path(a[1])) {
                (Ok(new), Ok(old)) => host(libc::syscall(
                    libc::SYS_pivot_root,
                    new.as_ptr(),
                    old.as_ptr(),
                )),
                (Err(e), _) | (_, Err(e)) => Err(e),
            },
            nr::FCHMODAT2 => match p.path(a[1]) {
                Ok(path) => host(libc::syscall(
                    libc::SYS_fchmodat2,
                    a[0] as i32,
                    path.as_ptr(),
                    a[2],
                    a[3],
                )),
                Err(e) => Err(e),
            },
            nr::VMSPLICE => match crate::syscall::iovecs(p, a[1], a[2], false) {
                Ok(iov) => host(libc::syscall(
                    libc::SYS_vmsplice,
                    a[0] as i32,
                    iov.as_ptr(),
                    iov.len(),
                    a[3],
                )),
                Err(e) => Err(e),
            },
            nr::SETTIMEOFDAY => settimeofday(p, a),
            // klogctl: the buffer is bytes.
            nr::SYSLOG => {
                let buf = if a[1] != 0 {
                    match p.host_range(a[1], a[2].min(u32::MAX - a[1])) {
                        Ok(b) => b,
                        Err(e) => return Some(Err(e)),
                    }
                } else {
                    std::ptr::null_mut()
                };
                host(libc::syscall(
                    libc::SYS_syslog,
                    a[0] as i32,
                    buf,
                    a[2] as i32,
                ))
            }
            nr::VHANGUP => host(libc::syscall(libc::SYS_vhangup)),
            nr::ACCT => {
                let path = if a[0] != 0 {
                    match p.path(a[0]) {
                        Ok(path) => Some(path),
                        Err(e) => return Some(Err(e)),
                    }
                } else {
                    None
                };
                host(libc::acct(path.as_ref().map_or(std::ptr::null(), |p| p.as_ptr())) as i64)
            }
            // Only the kernel sets up a restart; asked directly, Linux
            // answers EINTR.
            nr::RESTART_SYSCALL => Err(libc::EINTR),
            // They act on the machine, not the process: refused as to a
            // caller without the capability, whoever the guest runs as.
            nr::REBOOT
            | nr::KEXEC_LOAD
            | nr::KEXEC_FILE_LOAD
            | nr::INIT_MODULE
            | nr::FINIT_MODULE
            | nr::DELETE_MODULE
            | nr::SWAPON
            | nr::SWAPOFF => Err(libc::EPERM),
            nr::MINCORE => mincore(p, a),
            // Commands and flags are integers; the barrier acts on the
            // host threads that run the guest's.
            nr::MEMBARRIER => host(libc::syscall(libc::SYS_membarrier, a[0], a[1], a[2])),
            nr::IOPRIO_GET => host(libc::syscall(libc::SYS_ioprio_get, a[0], a[1])),
            nr::IOPRIO_SET => host(libc::syscall(libc::SYS_ioprio_set, a[0], a[1], a[2])),
            nr::SCHED_SETATTR | nr::SCHED_GETATTR => sched_attr(p, num, a),
            nr::KCMP => kcmp(p, a),
            nr::MOUNT => mount(p, a),
            nr::UMOUNT2 => match p.path(a[0]) {
                Ok(target) => host(libc::umount2(target.as_ptr(), a[1] as i32) as i64),
                Err(e) => Err(e),
            },
            nr::OPENAT2 => openat2(p, a),
            nr::MLOCKALL => host(libc::mlockall(a[0] as i32) as i64),
            nr::MUNLOCKALL => host(libc::munlockall() as i64),
            nr::WAITID => waitid(p, a),
            nr::CLOCK_SETTIME | nr::CLOCK_SETTIME64 => {
                let t = if num == nr::CLOCK_SETTIME64 {
                    crate::syscall::read_timespec64(p, a[1])
                } else {
                    crate::syscall::read_timespec32(p, a[1])
                };
                match t {
                    Ok(t) => host(libc::clock_settime(a[0] as i32, &t) as i64),
                    Err(e) => Err(e),
                }
            }
            nr::UTIMES | nr::FUTIMESAT => {
                let (dirfd, path, times) = if num == nr::UTIMES {
                    (libc::AT_FDCWD, a[0], a[1])
                } else {
                    (a[0] as i32, a[1], a[2])
                };
                let ts = if times != 0 {
                    match p.space.slice(times, 16) {
                        Ok(b) => {
                            let t = |o: usize| {
                                let tv = layout::Timeval32::decode(&b[o..o + 8]);
                                libc::timespec {
                                    tv_sec: tv.sec as i64,
                                    tv_nsec: tv.usec as i64 * 1000,
                                }
                            };
                            Some([t(0), t(8)])
                        }
                        Err(e) => return Some(Err(e)),
                    }
                } else {
                    None
                };
                match p.path(path) {
                    Ok(c) => host(libc::utimensat(
                        dirfd,
                        c.as_ptr(),
                        ts.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()),
                        0,
                    ) as i64),
                    Err(e) => Err(e),
                }
            }
            _ => return None,
        }
    };
    Some(r)
}

/// waitid: the SIGCHLD siginfo differs in layout (union at offset 12 on
/// ARM, 16 on x86-64; clock_t fields are 32-bit).
fn waitid(p: &Process, a: [u32; 6]) -> SysR {
    // SAFETY: zeroed plain-data structs filled by the host.
    let mut si: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: our own structs; the raw call also fills rusage.
    let r = crate::safe!(
        libc::SYS_waitid,
        a[0] as i32,
        a[1] as i32,
        &mut si as *mut libc::siginfo_t,
        a[3] as i32,
        &mut ru as *mut libc::rusage,
    );
    if r < 0 {
        return Err(errno());
    }
    if a[2] != 0 {
        let mut g = [0u8; 128];
        let w = |g: &mut [u8; 128], off: usize, v: i32| {
            g[off..off + 4].copy_from_slice(&v.to_le_bytes())
        };
        w(&mut g, 0, crate::sigmap::guest_or_raw(si.si_signo) as i32);
        w(&mut g, 4, si.si_errno);
        w(&mut g, 8, si.si_code);
        if si.si_signo != 0 {
            // SAFETY: the host filled a SIGCHLD siginfo, whose union holds
            // pid, uid and status.
            let (pid, uid, status) = unsafe { (si.si_pid(), si.si_uid(), si.si_status()) };
            // The status of a killed, dumped or stopped child is a signal.
            let status = crate::sigmap::child_status(si.si_code, status as u32, true);
            w(&mut g, 12, pid);
            w(&mut g, 16, uid as i32);
            w(&mut g, 20, status as i32);
        }
        p.space.write_bytes(a[2], &g)?;
    }
    if a[4] != 0 {
        p.space
            .write_bytes(a[4], &crate::process::rusage_to_guest(&ru))?;
    }
    Ok(0)
}
