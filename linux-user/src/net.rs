//! Sockets, I/O multiplexing, event file descriptors and timers: the
//! system calls whose arguments hold 32-bit guest pointers or structs that
//! differ from x86-64 (msghdr, cmsghdr, timeval, epoll_event, itimerspec,
//! sigevent) and need translating; the rest pass straight through.

use rsemu_syscalls::layout::{self, GuestStruct};
use rsemu_syscalls::nr;

use crate::memory::{PROT_READ, PROT_WRITE};
use crate::syscall::{
    errno, host, read_timespec32, read_timespec64, write_timespec, Process, SysR,
};

/// Socket and event system calls; `None` if `num` is not one of them.
pub fn call(p: &mut Process, num: u32, a: [u32; 6]) -> Option<SysR> {
    Some(match num {
        nr::SOCKET => {
            // SAFETY: integer arguments only.
            host(unsafe { libc::socket(a[0] as i32, a[1] as i32, a[2] as i32) } as i64)
        }
        nr::SOCKETPAIR => socketpair(p, a),
        nr::BIND | nr::CONNECT => (|| {
            // struct sockaddr has the same layout on both sides.
            let addr = p.ptr(a[1], a[2], PROT_READ)? as *const libc::sockaddr;
            if num == nr::BIND {
                // SAFETY: the address is guest memory checked for a[2] bytes.
                host(unsafe { libc::bind(a[0] as i32, addr, a[2]) } as i64)
            } else {
                // connect may block: interruptible by guest signals.
                host(crate::safe!(libc::SYS_connect, a[0] as i32, addr, a[2]))
            }
        })(),
        nr::LISTEN => {
            // SAFETY: integer arguments only.
            host(unsafe { libc::listen(a[0] as i32, a[1] as i32) } as i64)
        }
        nr::ACCEPT | nr::ACCEPT4 | nr::GETSOCKNAME | nr::GETPEERNAME => sockaddr_out(p, num, a),
        nr::SEND | nr::SENDTO => (|| {
            let buf = p.ptr(a[1], a[2], PROT_READ)?;
            let (to, tolen) = if num == nr::SENDTO && a[4] != 0 {
                (p.ptr(a[4], a[5], PROT_READ)? as *const libc::sockaddr, a[5])
            } else {
                (std::ptr::null(), 0)
            };
            host(crate::safe!(
                libc::SYS_sendto,
                a[0] as i32,
                buf,
                a[2],
                a[3] as i32,
                to,
                tolen
            ))
        })(),
        nr::RECV | nr::RECVFROM => (|| {
            let buf = p.ptr(a[1], a[2], PROT_WRITE)?;
            let (from, lenp) = if num == nr::RECVFROM && a[4] != 0 {
                let len = p.space.read_u32(a[5])?;
                (
                    p.ptr(a[4], len, PROT_WRITE)? as *mut libc::sockaddr,
                    p.ptr(a[5], 4, PROT_WRITE)? as *mut u32,
                )
            } else {
                (std::ptr::null_mut(), std::ptr::null_mut())
            };
            // socklen_t is u32 on both sides.
            host(crate::safe!(
                libc::SYS_recvfrom,
                a[0] as i32,
                buf,
                a[2],
                a[3] as i32,
                from,
                lenp
            ))
        })(),
        nr::SHUTDOWN => {
            // SAFETY: integer arguments only.
            host(unsafe { libc::shutdown(a[0] as i32, a[1] as i32) } as i64)
        }
        nr::SETSOCKOPT | nr::GETSOCKOPT => sockopt(p, num, a),
        nr::SENDMSG | nr::RECVMSG => msg(p, num == nr::SENDMSG, a),
        nr::SENDMMSG => sendmmsg(p, a),
        nr::RECVMMSG | nr::RECVMMSG_TIME64 => recvmmsg(p, num == nr::RECVMMSG_TIME64, a),
        nr::_NEWSELECT | nr::PSELECT6 | nr::PSELECT6_TIME64 => select(p, num, a),
        nr::PPOLL | nr::PPOLL_TIME64 => ppoll(p, num, a),
        nr::EPOLL_CREATE => {
            // SAFETY: integer arguments only.
            host(unsafe { libc::epoll_create(a[0] as i32) } as i64)
        }
        nr::EPOLL_CREATE1 => {
            // SAFETY: integer arguments only.
            host(unsafe { libc::epoll_create1(a[0] as i32) } as i64)
        }
        nr::EPOLL_CTL => epoll_ctl(p, a),
        nr::EPOLL_WAIT | nr::EPOLL_PWAIT | nr::EPOLL_PWAIT2 => epoll_wait(p, num, a),
        nr::EVENTFD => {
            // SAFETY: integer arguments only.
            host(unsafe { libc::eventfd(a[0], 0) } as i64)
        }
        nr::EVENTFD2 => {
            // SAFETY: integer arguments only.
            host(unsafe { libc::eventfd(a[0], a[1] as i32) } as i64)
        }
        nr::TIMERFD_CREATE => {
            // SAFETY: integer arguments only.
            host(unsafe { libc::timerfd_create(a[0] as i32, a[1] as i32) } as i64)
        }
        nr::TIMERFD_SETTIME | nr::TIMERFD_SETTIME64 => {
            timerfd_settime(p, num == nr::TIMERFD_SETTIME64, a)
        }
        nr::TIMERFD_GETTIME | nr::TIMERFD_GETTIME64 => {
            timerfd_gettime(p, num == nr::TIMERFD_GETTIME64, a)
        }
        nr::TIMER_CREATE => timer_create(p, a),
        nr::TIMER_SETTIME | nr::TIMER_SETTIME64 => timer_settime(p, num == nr::TIMER_SETTIME64, a),
        nr::TIMER_GETTIME | nr::TIMER_GETTIME64 => timer_gettime(p, num == nr::TIMER_GETTIME64, a),
        nr::TIMER_GETOVERRUN | nr::TIMER_DELETE => {
            let sysno = if num == nr::TIMER_DELETE {
                libc::SYS_timer_delete
            } else {
                libc::SYS_timer_getoverrun
            };
            // SAFETY: integer argument only.
            host(unsafe { libc::syscall(sysno, a[0] as i32) })
        }
        nr::STATFS64 | nr::FSTATFS64 => statfs(p, num, a),
        nr::GETRUSAGE => getrusage(p, a),
        nr::SYSINFO => sysinfo(p, a),
        nr::TIMES => times(p, a),
        _ => return None,
    })
}

fn socketpair(p: &Process, a: [u32; 6]) -> SysR {
    let mut fds = [0i32; 2];
    // SAFETY: fds is our own array.
    let r = unsafe { libc::socketpair(a[0] as i32, a[1] as i32, a[2] as i32, fds.as_mut_ptr()) };
    host(r as i64)?;
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&fds[0].to_le_bytes());
    b[4..].copy_from_slice(&fds[1].to_le_bytes());
    p.space.write_bytes(a[3], &b)?;
    Ok(0)
}

/// accept/accept4/getsockname/getpeername: an optional sockaddr out with
/// an in/out length.
fn sockaddr_out(p: &Process, num: u32, a: [u32; 6]) -> SysR {
    let (addr, lenp) = if a[1] != 0 && a[2] != 0 {
        let len = p.space.read_u32(a[2])?;
        (
            p.ptr(a[1], len, PROT_WRITE)? as *mut libc::sockaddr,
            p.ptr(a[2], 4, PROT_WRITE)? as *mut libc::socklen_t,
        )
    } else {
        (std::ptr::null_mut(), std::ptr::null_mut())
    };
    let fd = a[0] as i32;
    match num {
        // accept blocks: interruptible by guest signals.
        nr::ACCEPT => host(crate::safe!(libc::SYS_accept4, fd, addr, lenp, 0)),
        nr::ACCEPT4 => host(crate::safe!(libc::SYS_accept4, fd, addr, lenp, a[3] as i32)),
        // SAFETY: the buffers are guest memory checked for their lengths.
        nr::GETSOCKNAME => host(unsafe { libc::getsockname(fd, addr, lenp) } as i64),
        // SAFETY: as above.
        _ => host(unsafe { libc::getpeername(fd, addr, lenp) } as i64),
    }
}

const SOL_SOCKET: u32 = 1;
const SO_RCVTIMEO: u32 = 20;
const SO_SNDTIMEO: u32 = 21;

/// setsockopt/getsockopt: options are plain ints or same-layout structs,
/// except the timeouts (struct timeval, 8 bytes on ARM, 16 on the host).
fn sockopt(p: &Process, num: u32, a: [u32; 6]) -> SysR {
    let (fd, level, name) = (a[0] as i32, a[1], a[2]);
    let timeval = level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO);
    if num == nr::SETSOCKOPT {
        if timeval {
            let g = layout::Timeval32::decode(p.space.slice(a[3], 8)?);
            let tv = libc::timeval {
                tv_sec: g.sec as i64,
                tv_usec: g.usec as i64,
            };
            // SAFETY: tv is our own struct.
            return host(unsafe {
                libc::setsockopt(
                    fd,
                    level as i32,
                    name as i32,
                    &tv as *const _ as *const libc::c_void,
                    16,
                )
            } as i64);
        }
        let val = p.ptr(a[3], a[4], PROT_READ)?;
        // SAFETY: the option value is guest memory checked for its length.
        host(unsafe { libc::setsockopt(fd, level as i32, name as i32, val, a[4]) } as i64)
    } else {
        let len = p.space.read_u32(a[4])?;
        if timeval {
            // SAFETY: zeroed plain-data struct.
            let mut tv: libc::timeval = unsafe { std::mem::zeroed() };
            let mut l: libc::socklen_t = 16;
            // SAFETY: tv and l are our own.
            host(unsafe {
                libc::getsockopt(
                    fd,
                    level as i32,
                    name as i32,
                    &mut tv as *mut _ as *mut libc::c_void,
                    &mut l,
                )
            } as i64)?;
            let g = layout::Timeval32::from_host(tv.tv_sec, tv.tv_usec).to_guest_vec();
            let n = (len as usize).min(g.len());
            p.space.write_bytes(a[3], &g[..n])?;
            p.space.write_bytes(a[4], &(n as u32).to_le_bytes())?;
            return Ok(0);
        }
        let val = p.ptr(a[3], len, PROT_WRITE)?;
        let lenp = p.ptr(a[4], 4, PROT_WRITE)? as *mut libc::socklen_t;
        // SAFETY: the value and length are guest memory checked above.
        host(unsafe { libc::getsockopt(fd, level as i32, name as i32, val, lenp) } as i64)
    }
}

/// Guest struct msghdr (7 words on ARM).
struct GuestMsghdr {
    name: u32,
    namelen: u32,
    iov: u32,
    iovlen: u32,
    control: u32,
    controllen: u32,
    flags: u32,
}

fn cmsg_align_guest(n: usize) -> usize {
    (n + 3) & !3
}

fn cmsg_align_host(n: usize) -> usize {
    (n + 7) & !7
}

/// Guest control messages to host layout: {u32 len, i32 level, i32 type}
/// aligned to 4 becomes {u64 len, i32 level, i32 type} aligned to 8; the
/// payloads (fd arrays, ucred) are the same.
fn cmsgs_to_host(g: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + 12 <= g.len() {
        let len = u32::from_le_bytes(g[off..off + 4].try_into().unwrap()) as usize;
        if len < 12 || off + len > g.len() {
            break;
        }
        let data = &g[off + 12..off + len];
        let hlen = 16 + data.len();
        out.extend_from_slice(&(hlen as u64).to_le_bytes());
        out.extend_from_slice(&g[off + 4..off + 12]);
        out.extend_from_slice(data);
        out.resize(cmsg_align_host(out.len()), 0);
        off += cmsg_align_guest(len);
    }
    out
}

const SCM_RIGHTS: i32 = 1;

/// Host control messages back to the guest layout, in at most `room`
/// bytes, truncating as the kernel's 32-bit compat path does (the header
/// length says what fit; MSG_CTRUNC is reported; file descriptors that do
/// not fit are closed). Returns the bytes and whether it truncated.
fn cmsgs_to_guest(h: &[u8], room: usize) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut trunc = false;
    let mut off = 0;
    while off + 16 <= h.len() {
        let len = u64::from_le_bytes(h[off..off + 8].try_into().unwrap()) as usize;
        if len < 16 || off + len > h.len() {
            break;
        }
        let level = i32::from_le_bytes(h[off + 8..off + 12].try_into().unwrap());
        let ty = i32::from_le_bytes(h[off + 12..off + 16].try_into().unwrap());
        let data = &h[off + 16..off + len];
        off += cmsg_align_host(len);
        let left = room.saturating_sub(out.len());
        let rights = level == libc::SOL_SOCKET && ty == SCM_RIGHTS;
        // How much of the payload fits.
        let keep = if left < 12 {
            None
        } else if rights {
            Some(((left - 12) / 4).min(data.len() / 4) * 4)
        } else {
            Some((left - 12).min(data.len()))
        };
        if rights {
            // Descriptors the guest will not see must not leak.
            for fd in data.chunks_exact(4).skip(keep.unwrap_or(0) / 4) {
                // SAFETY: the host just installed these descriptors for us.
                unsafe { libc::close(i32::from_le_bytes(fd.try_into().unwrap())) };
            }
        }
        let Some(keep) = keep else {
            trunc = true;
            continue;
        };
        if keep < data.len() {
            trunc = true;
        }
        out.extend_from_slice(&((12 + keep) as u32).to_le_bytes());
        out.extend_from_slice(&level.to_le_bytes());
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&data[..keep]);
        let padded = cmsg_align_guest(out.len()).min(room);
        out.resize(padded, 0);
    }
    (out, trunc)
}

fn msg(p: &Process, send: bool, a: [u32; 6]) -> SysR {
    let raw = p.space.slice(a[1], 28)?;
    let w = |i: usize| u32::from_le_bytes(raw[4 * i..4 * i + 4].try_into().unwrap());
    let g = GuestMsghdr {
        name: w(0),
        namelen: w(1),
        iov: w(2),
        iovlen: w(3),
        control: w(4),
        controllen: w(5),
        flags: w(6),
    };
    let _ = g.flags;
    let mut iov = crate::syscall::iovecs(p, g.iov, g.iovlen, !send)?;
    let mut control = if g.control != 0 && g.controllen != 0 {
        let c = p.space.slice(g.control, g.controllen)?.to_vec();
        if send {
            cmsgs_to_host(&c)
        } else {
            // Room for the host's wider headers.
            vec![0u8; g.controllen as usize * 2 + 64]
        }
    } else {
        Vec::new()
    };
    let name = if g.name != 0 {
        p.ptr(g.name, g.namelen, if send { PROT_READ } else { PROT_WRITE })?
    } else {
        std::ptr::null_mut()
    };
    // SAFETY: zeroed plain-data struct.
    let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
    m.msg_name = name;
    m.msg_namelen = g.namelen;
    m.msg_iov = iov.as_mut_ptr();
    m.msg_iovlen = iov.len();
    if !control.is_empty() {
        m.msg_control = control.as_mut_ptr() as *mut libc::c_void;
        m.msg_controllen = control.len();
    }
    // Every pointer in m refers to checked guest memory or our own
    // buffers, all live across the call.
    let r = if send {
        crate::safe!(
            libc::SYS_sendmsg,
            a[0] as i32,
            &m as *const libc::msghdr,
            a[2] as i32
        )
    } else {
        crate::safe!(
            libc::SYS_recvmsg,
            a[0] as i32,
            &mut m as *mut libc::msghdr,
            a[2] as i32
        )
    };
    if r < 0 {
        return Err(errno());
    }
    if !send {
        let used = if m.msg_control.is_null() {
            0
        } else {
            m.msg_controllen.min(control.len())
        };
        let (gc, trunc) = cmsgs_to_guest(&control[..used], g.controllen as usize);
        if !gc.is_empty() {
            p.space.write_bytes(g.control, &gc)?;
        }
        let mut flags = m.msg_flags as u32;
        if trunc {
            flags |= libc::MSG_CTRUNC as u32;
        }
        let mut out = [0u8; 12];
        out[0..4].copy_from_slice(&m.msg_namelen.to_le_bytes());
        out[4..8].copy_from_slice(&(gc.len() as u32).to_le_bytes());
        out[8..12].copy_from_slice(&flags.to_le_bytes());
        p.space.write_bytes(a[1] + 4, &out[0..4])?;
        p.space.write_bytes(a[1] + 20, &out[4..12])?;
    }
    Ok(r as u32)
}

/// Size of the ARM `struct mmsghdr`: a 28-byte msghdr and the 32-bit
/// `msg_len` the kernel fills in.
const MMSGHDR_SIZE: u32 = 32;
/// Linux's cap on the message count (UIO_MAXIOV).
const MMSG_MAX: u32 = 1024;
/// recvmmsg: after the first message, do not wait for more.
const MSG_WAITFORONE: u32 = 0x1_0000;

/// The bytes the iovecs of the ARM msghdr at `hdr` describe.
fn msg_bytes(p: &Process, hdr: u32) -> Result<u64, i32> {
    let iov = p.space.read_u32(hdr.wrapping_add(8))?;
    let count = p.space.read_u32(hdr.wrapping_add(12))?.min(MMSG_MAX);
    let raw = p.space.slice(iov, count * 8)?;
    Ok(raw
        .chunks_exact(8)
        .map(|c| u32::from_le_bytes(c[4..8].try_into().unwrap()) as u64)
        .sum())
}

/// sendmmsg as Linux's __sys_sendmmsg: one sendmsg per entry, each
/// entry's msg_len set, stopping at an error or a partial send; an error
/// only if nothing was sent.
fn sendmmsg(p: &Process, a: [u32; 6]) -> SysR {
    let (fd, vec, vlen, flags) = (a[0], a[1], a[2].min(MMSG_MAX), a[3]);
    let mut sent = 0;
    let mut err = 0;
    while sent < vlen {
        let entry = vec.wrapping_add(sent * MMSGHDR_SIZE);
        let want = match msg_bytes(p, entry) {
            Ok(n) => n,
            Err(e) => {
                err = e;
                break;
            }
        };
        match msg(p, true, [fd, entry, flags, 0, 0, 0]) {
            Ok(n) => {
                if let Err(e) = p
                    .space
                    .write_bytes(entry.wrapping_add(28), &n.to_le_bytes())
                {
                    err = e;
                    break;
                }
                sent += 1;
                if (n as u64) < want {
                    break;
                }
            }
            Err(e) => {
                err = e;
                break;
            }
        }
    }
    if sent > 0 || err == 0 {
        Ok(sent)
    } else {
        Err(err)
    }
}

/// recvmmsg as Linux's do_recvmmsg: up to `vlen` messages, the first
/// waited for unless MSG_DONTWAIT, the rest too unless MSG_WAITFORONE;
/// the timeout is checked after each message (it does not bound the
/// wait for one) and what is left of it written back.
fn recvmmsg(p: &Process, time64: bool, a: [u32; 6]) -> SysR {
    let (fd, vec, vlen, mut flags, timeout) = (a[0], a[1], a[2].min(MMSG_MAX), a[3], a[4]);
    let deadline = if timeout != 0 {
        let t = if time64 {
            crate::syscall::read_timespec64(p, timeout)?
        } else {
            crate::syscall::read_timespec32(p, timeout)?
        };
        if t.tv_sec < 0 || !(0..1_000_000_000).contains(&t.tv_nsec) {
            return Err(libc::EINVAL);
        }
        Some(
            std::time::Instant::now() + std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32),
        )
    } else {
        None
    };
    let mut got = 0;
    let mut err = 0;
    while got < vlen {
        let entry = vec.wrapping_add(got * MMSGHDR_SIZE);
        match msg(p, false, [fd, entry, flags & !MSG_WAITFORONE, 0, 0, 0]) {
            Ok(n) => {
                if let Err(e) = p
                    .space
                    .write_bytes(entry.wrapping_add(28), &n.to_le_bytes())
                {
                    err = e;
                    break;
                }
                got += 1;
            }
            Err(e) => {
                err = e;
                break;
            }
        }
        if flags & MSG_WAITFORONE != 0 {
            flags |= libc::MSG_DONTWAIT as u32;
        }
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            break;
        }
        // Out-of-band data ends the batch, as in Linux.
        if p.space.read_u32(entry.wrapping_add(24)).unwrap_or(0) & libc::MSG_OOB as u32 != 0 {
            break;
        }
    }
    if got == 0 && err != 0 {
        return Err(err);
    }
    if let Some(d) = deadline {
        let left = d.saturating_duration_since(std::time::Instant::now());
        let left = libc::timespec {
            tv_sec: left.as_secs() as i64,
            tv_nsec: left.subsec_nanos() as i64,
        };
        crate::syscall::write_timespec(p, timeout, &left, time64)?;
    }
    Ok(got)
}

/// select/_newselect/pselect6: fd_set bitmaps have the same bytes on both
/// sides; the timeout is converted.
fn select(p: &mut Process, num: u32, a: [u32; 6]) -> SysR {
    let nfds = a[0] as i32;
    if !(0..=1024).contains(&nfds) {
        return Err(libc::EINVAL);
    }
    let bytes = (nfds as u32).div_ceil(32) * 4;
    let set = |addr: u32| -> Result<*mut libc::fd_set, i32> {
        if addr == 0 {
            Ok(std::ptr::null_mut())
        } else {
            // The host reads whole longs: check the 8-byte-rounded span.
            Ok(p.ptr(addr, bytes.div_ceil(8) * 8, PROT_WRITE)? as *mut libc::fd_set)
        }
    };
    let (r, w, e) = (set(a[1])?, set(a[2])?, set(a[3])?);
    let ts = if a[4] == 0 {
        None
    } else if num == nr::_NEWSELECT {
        let tv = layout::Timeval32::decode(p.space.slice(a[4], 8)?);
        Some(libc::timespec {
            tv_sec: tv.sec as i64,
            tv_nsec: tv.usec as i64 * 1000,
        })
    } else if num == nr::PSELECT6_TIME64 {
        Some(read_timespec64(p, a[4])?)
    } else {
        Some(read_timespec32(p, a[4])?)
    };
    let tsp = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // pselect6's sixth argument points to { const sigset_t *ss; size_t len }.
    let temp = if num != nr::_NEWSELECT && a[5] != 0 {
        let b = p.space.slice(a[5], 8)?;
        let (ss, len) = (
            u32::from_le_bytes(b[0..4].try_into().unwrap()),
            u32::from_le_bytes(b[4..8].try_into().unwrap()),
        );
        guest_sigset(p, ss, len)?
    } else {
        None
    };
    let n = p.signals.with_temp_mask(temp, |mask| {
        let arg: [usize; 2] = [mask as usize, 8];
        let sig = if mask.is_null() {
            std::ptr::null()
        } else {
            arg.as_ptr()
        };
        // SAFETY: fd sets and timeout checked or ours; the mask argument
        // is ours (a host sigset and its size).
        crate::safe!(libc::SYS_pselect6, nfds, r, w, e, tsp, sig)
    });
    if n < 0 {
        return Err(-n as i32);
    }
    Ok(n as u32)
}

/// A guest `sigset_t` argument with its size: `None` for a null pointer.
fn guest_sigset(p: &Process, addr: u32, size: u32) -> Result<Option<u64>, i32> {
    if addr == 0 {
        return Ok(None);
    }
    if size != 8 {
        return Err(libc::EINVAL);
    }
    Ok(Some(u64::from_le_bytes(
        p.space.slice(addr, 8)?.try_into().unwrap(),
    )))
}

fn ppoll(p: &mut Process, num: u32, a: [u32; 6]) -> SysR {
    let fds = p.ptr(a[0], a[1].saturating_mul(8), PROT_WRITE)? as *mut libc::pollfd;
    let ts = if a[2] == 0 {
        None
    } else if num == nr::PPOLL_TIME64 {
        Some(read_timespec64(p, a[2])?)
    } else {
        Some(read_timespec32(p, a[2])?)
    };
    let tsp = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    let temp = guest_sigset(p, a[3], a[4])?;
    let n = p.signals.with_temp_mask(temp, |mask| {
        // SAFETY: pollfd is the same on both sides and checked above; the
        // timeout and mask are ours.
        crate::safe!(libc::SYS_ppoll, fds, a[1] as u64, tsp, mask, 8usize)
    });
    if n < 0 {
        return Err(-n as i32);
    }
    Ok(n as u32)
}

fn epoll_ctl(p: &Process, a: [u32; 6]) -> SysR {
    let mut ev = [0u8; 12];
    let evp = if a[3] != 0 {
        let g = layout::EpollEvent::decode(p.space.slice(a[3], layout::EpollEvent::SIZE as u32)?);
        g.encode_host(&mut ev);
        ev.as_mut_ptr() as *mut libc::epoll_event
    } else {
        std::ptr::null_mut()
    };
    // SAFETY: ev is our own host-layout event.
    host(unsafe { libc::epoll_ctl(a[0] as i32, a[1] as i32, a[2] as i32, evp) } as i64)
}

/// epoll_wait, epoll_pwait (a signal mask) and epoll_pwait2 (a 64-bit
/// timespec timeout instead of milliseconds), through the host's
/// epoll_pwait2 with events converted to the guest's layout.
fn epoll_wait(p: &mut Process, num: u32, a: [u32; 6]) -> SysR {
    // Linux's order for epoll_pwait2: the timeout, then the signal mask
    // (whose size dispatch checked), then the event count.
    let timeout = if num == nr::EPOLL_PWAIT2 {
        if a[3] == 0 {
            None
        } else {
            let t = read_timespec64(p, a[3])?;
            if t.tv_sec < 0 || !(0..1_000_000_000).contains(&t.tv_nsec) {
                return Err(libc::EINVAL);
            }
            Some(t)
        }
    } else {
        // Milliseconds; negative waits for ever.
        let ms = a[3] as i32;
        (ms >= 0).then(|| libc::timespec {
            tv_sec: (ms / 1000) as i64,
            tv_nsec: (ms % 1000) as i64 * 1_000_000,
        })
    };
    let temp = if num == nr::EPOLL_WAIT {
        None
    } else {
        guest_sigset(p, a[4], a[5])?
    };
    let max = a[2] as i32;
    if !(1..=65536).contains(&max) {
        return Err(libc::EINVAL);
    }
    let gsize = layout::EpollEvent::SIZE;
    p.ptr(a[1], max as u32 * gsize as u32, PROT_WRITE)?;
    let mut buf = vec![0u8; 12 * max as usize];
    let n = p.signals.with_temp_mask(temp, |mask| {
        // SAFETY: buf holds `max` host-layout (12-byte, packed) events;
        // the mask is ours.
        crate::safe!(
            libc::SYS_epoll_pwait2,
            a[0] as i32,
            buf.as_mut_ptr() as *mut libc::epoll_event,
            max,
            timeout
                .as_ref()
                .map_or(std::ptr::null(), |t| t as *const libc::timespec),
            mask,
            8usize,
        )
    });
    if n < 0 {
        return Err(-n as i32);
    }
    let mut out = vec![0u8; n as usize * gsize];
    for i in 0..n as usize {
        layout::EpollEvent::decode_host(&buf[12 * i..12 * i + 12])
            .encode(&mut out[gsize * i..gsize * (i + 1)]);
    }
    p.space.write_bytes(a[1], &out)?;
    Ok(n as u32)
}

fn read_itimerspec(p: &Process, addr: u32, t64: bool) -> Result<libc::itimerspec, i32> {
    let size = if t64 { 16 } else { 8 };
    let read = |x| {
        if t64 {
            read_timespec64(p, x)
        } else {
            read_timespec32(p, x)
        }
    };
    Ok(libc::itimerspec {
        it_interval: read(addr)?,
        it_value: read(addr + size)?,
    })
}

fn write_itimerspec(p: &Process, addr: u32, t: &libc::itimerspec, t64: bool) -> Result<(), i32> {
    let size = if t64 { 16 } else { 8 };
    write_timespec(p, addr, &t.it_interval, t64)?;
    write_timespec(p, addr + size, &t.it_value, t64)
}

fn timerfd_settime(p: &Process, t64: bool, a: [u32; 6]) -> SysR {
    let new = read_itimerspec(p, a[2], t64)?;
    // SAFETY: zeroed plain-data struct.
    let mut old: libc::itimerspec = unsafe { std::mem::zeroed() };
    // SAFETY: our own structs.
    host(unsafe { libc::timerfd_settime(a[0] as i32, a[1] as i32, &new, &mut old) } as i64)?;
    if a[3] != 0 {
        write_itimerspec(p, a[3], &old, t64)?;
    }
    Ok(0)
}

fn timerfd_gettime(p: &Process, t64: bool, a: [u32; 6]) -> SysR {
    // SAFETY: zeroed plain-data struct.
    let mut cur: libc::itimerspec = unsafe { std::mem::zeroed() };
    // SAFETY: our own struct.
    host(unsafe { libc::timerfd_gettime(a[0] as i32, &mut cur) } as i64)?;
    write_itimerspec(p, a[1], &cur, t64)?;
    Ok(0)
}

/// timer_create(clock, sigevent, timerid): the guest's sigevent has a
/// 4-byte value, so its fields sit 4 bytes lower than the host's. The
/// kernel's timer id is the guest's; with SIGEV_THREAD_ID the signal goes
/// to that host thread, which is the guest thread of the same id.
fn timer_create(p: &Process, a: [u32; 6]) -> SysR {
    // SAFETY: zeroed plain-data struct.
    let mut ev: libc::sigevent = unsafe { std::mem::zeroed() };
    let evp = if a[1] != 0 {
        let g = layout::Sigevent32::decode(p.space.slice(a[1], 64)?);
        ev.sigev_value = libc::sigval {
            sival_ptr: g.value as usize as *mut libc::c_void,
        };
        // SIGEV_SIGNAL and SIGEV_THREAD_ID carry a signal number; the
        // others ignore it (the host checks it as Linux does).
        ev.sigev_signo = crate::sigmap::host_or_raw(g.signo as u32);
        ev.sigev_notify = g.notify;
        ev.sigev_notify_thread_id = g.tid;
        &mut ev as *mut libc::sigevent
    } else {
        std::ptr::null_mut()
    };
    p.ptr(a[2], 4, PROT_WRITE)?;
    let mut id: i32 = 0;
    // SAFETY: our own sigevent and id.
    host(unsafe { libc::syscall(libc::SYS_timer_create, a[0] as i32, evp, &mut id) })?;
    p.space.write_bytes(a[2], &id.to_le_bytes())?;
    Ok(0)
}

fn timer_settime(p: &Process, t64: bool, a: [u32; 6]) -> SysR {
    let new = read_itimerspec(p, a[2], t64)?;
    // SAFETY: zeroed plain-data struct.
    let mut old: libc::itimerspec = unsafe { std::mem::zeroed() };
    // SAFETY: our own structs.
    host(unsafe {
        libc::syscall(
            libc::SYS_timer_settime,
            a[0] as i32,
            a[1] as i32,
            &new as *const libc::itimerspec,
            &mut old as *mut libc::itimerspec,
        )
    })?;
    if a[3] != 0 {
        write_itimerspec(p, a[3], &old, t64)?;
    }
    Ok(0)
}

fn timer_gettime(p: &Process, t64: bool, a: [u32; 6]) -> SysR {
    // SAFETY: zeroed plain-data struct.
    let mut cur: libc::itimerspec = unsafe { std::mem::zeroed() };
    // SAFETY: our own struct.
    host(unsafe {
        libc::syscall(
            libc::SYS_timer_gettime,
            a[0] as i32,
            &mut cur as *mut libc::itimerspec,
        )
    })?;
    write_itimerspec(p, a[1], &cur, t64)?;
    Ok(0)
}

fn statfs(p: &Process, num: u32, a: [u32; 6]) -> SysR {
    // SAFETY: zeroed plain-data struct filled by the host.
    let mut st: libc::statfs64 = unsafe { std::mem::zeroed() };
    let r = if num == nr::STATFS64 {
        let path = p.path(a[0])?;
        // SAFETY: path is a C string, st ours.
        unsafe { libc::statfs64(path.as_ptr(), &mut st) }
    } else {
        // SAFETY: as above.
        unsafe { libc::fstatfs64(a[0] as i32, &mut st) }
    };
    host(r as i64)?;
    // SAFETY: fsid is two ints in a struct libc exposes opaquely.
    let fsid: [i32; 2] = unsafe { std::mem::transmute(st.f_fsid) };
    let g = layout::Statfs64::from_host(&layout::HostStatfs {
        f_type: st.f_type,
        bsize: st.f_bsize,
        blocks: st.f_blocks,
        bfree: st.f_bfree,
        bavail: st.f_bavail,
        files: st.f_files,
        ffree: st.f_ffree,
        fsid,
        namelen: st.f_namelen,
        frsize: st.f_frsize,
        flags: st.f_flags,
    });
    let bytes = g.to_guest_vec();
    let n = (a[1] as usize).min(bytes.len());
    p.space.write_bytes(a[2], &bytes[..n])?;
    Ok(0)
}

fn getrusage(p: &Process, a: [u32; 6]) -> SysR {
    // SAFETY: zeroed plain-data struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: filled by the host.
    host(unsafe { libc::getrusage(a[0] as i32, &mut ru) } as i64)?;
    p.space
        .write_bytes(a[1], &crate::process::rusage_to_guest(&ru))?;
    Ok(0)
}

fn sysinfo(p: &Process, a: [u32; 6]) -> SysR {
    // SAFETY: zeroed plain-data struct.
    let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
    // SAFETY: filled by the host.
    host(unsafe { libc::sysinfo(&mut si) } as i64)?;
    let g = layout::Sysinfo32::from_host(&layout::HostSysinfo {
        uptime: si.uptime,
        loads: si.loads,
        totalram: si.totalram,
        freeram: si.freeram,
        sharedram: si.sharedram,
        bufferram: si.bufferram,
        totalswap: si.totalswap,
        freeswap: si.freeswap,
        procs: si.procs,
        totalhigh: si.totalhigh,
        freehigh: si.freehigh,
        mem_unit: si.mem_unit,
    });
    p.space.write_bytes(a[0], &g.to_guest_vec())?;
    Ok(0)
}

fn times(p: &Process, a: [u32; 6]) -> SysR {
    // SAFETY: zeroed plain-data struct.
    let mut t: libc::tms = unsafe { std::mem::zeroed() };
    // SAFETY: filled by the host.
    let r = unsafe { libc::times(&mut t) };
    if r == u64::MAX as libc::clock_t {
        return Err(errno());
    }
    if a[0] != 0 {
        let g = layout::Tms32::from_host(t.tms_utime, t.tms_stime, t.tms_cutime, t.tms_cstime);
        p.space.write_bytes(a[0], &g.to_guest_vec())?;
    }
    Ok(r as u32)
}
