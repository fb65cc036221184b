//! The order in which Linux finds a call's errors, where it differs from
//! "check every pointer first": most calls on a descriptor look it up
//! (and check how it was opened, or that it is a socket) before they copy
//! anything from or to user memory. So `read(99, bad_ptr, n)` is `EBADF`,
//! `write(read_end_of_pipe, bad_ptr, n)` is `EBADF` and
//! `getsockopt(pipe, .., bad_ptr, ..)` is `ENOTSOCK`, not `EFAULT`.
//!
//! rsemu-arm converts structs in guest memory before it makes the host
//! call, so it can find a bad pointer first; when a call listed here
//! fails with `EFAULT`, the descriptor check below decides the error
//! instead, as the kernel would have. Calls the kernel orders otherwise
//! are left out on purpose: `sendfile` reads its offset pointer first,
//! `recvmmsg` its timeout, `accept4`/`dup3` check flags before anything,
//! `connect` copies the address before it checks for a socket,
//! `epoll_pwait` copies its signal mask first.
//! (Checked against Linux 6.1's fs/read_write.c, fs/stat.c, fs/ioctl.c,
//! fs/fcntl.c, fs/readdir.c, fs/xattr.c, fs/eventpoll.c, fs/timerfd.c,
//! fs/splice.c and net/socket.c.)

use crate::table::nr;

/// What the kernel checks of the first argument, a descriptor, before it
/// touches user memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdCheck {
    /// Open (`EBADF`).
    Open,
    /// Open for reading (`EBADF` otherwise, also for `O_PATH`).
    Readable,
    /// Open for writing (`EBADF` otherwise, also for `O_PATH`).
    Writable,
    /// Open and a socket (`EBADF`, then `ENOTSOCK`).
    Socket,
}

/// The descriptor check that comes before any user-memory access in
/// call `num`, if the kernel makes one.
pub fn fd_first(num: u32) -> Option<FdCheck> {
    Some(match num {
        nr::READ | nr::READV | nr::PREAD64 | nr::PREADV | nr::PREADV2 => FdCheck::Readable,
        nr::WRITE | nr::WRITEV | nr::PWRITE64 | nr::PWRITEV | nr::PWRITEV2 => FdCheck::Writable,
        nr::IOCTL
        | nr::FCNTL
        | nr::FCNTL64
        | nr::FSTAT64
        | nr::FSTATFS
        | nr::FSTATFS64
        | nr::_LLSEEK
        | nr::GETDENTS
        | nr::GETDENTS64
        | nr::FSETXATTR
        | nr::FGETXATTR
        | nr::FLISTXATTR
        | nr::FREMOVEXATTR
        | nr::EPOLL_WAIT
        | nr::TIMERFD_GETTIME
        | nr::TIMERFD_GETTIME64
        | nr::VMSPLICE => FdCheck::Open,
        nr::BIND
        | nr::LISTEN
        | nr::ACCEPT
        | nr::GETSOCKNAME
        | nr::GETPEERNAME
        | nr::SEND
        | nr::SENDTO
        | nr::RECV
        | nr::RECVFROM
        | nr::SHUTDOWN
        | nr::SETSOCKOPT
        | nr::GETSOCKOPT
        | nr::SENDMSG
        | nr::RECVMSG
        | nr::SENDMMSG => FdCheck::Socket,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{info, ArgKind};

    /// Every listed call takes a descriptor as its first argument.
    #[test]
    fn listed_calls_take_a_descriptor_first() {
        for num in 0..0x1000 {
            if fd_first(num).is_some() {
                let call = info(num).expect("listed call in the table");
                assert_eq!(call.args.first(), Some(&ArgKind::Fd), "{}", call.name);
            }
        }
    }
}

/// What a call requires of its signal-set size argument. Linux checks
/// it before anything else the call does (`EINVAL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigsetSize {
    /// Argument `size` must equal [`crate::flags::signal::SIGSET_SIZE`].
    Exact {
        /// Index of the size argument.
        size: usize,
    },
    /// Argument `size` must not exceed it (`rt_sigpending` writes that
    /// many bytes).
    AtMost {
        /// Index of the size argument.
        size: usize,
    },
    /// Argument `size` must equal it when the set pointer, argument
    /// `set`, is not NULL.
    ExactIfSet {
        /// Index of the size argument.
        size: usize,
        /// Index of the set pointer.
        set: usize,
    },
}

/// The signal-set size rule of call `num`, if it takes one that is
/// checked first. (`ppoll`, `pselect6` and `epoll_pwait2` copy their
/// timeout first and check the size in their own code.)
pub fn sigset_size(num: u32) -> Option<SigsetSize> {
    Some(match num {
        nr::RT_SIGACTION | nr::RT_SIGPROCMASK => SigsetSize::Exact { size: 3 },
        nr::RT_SIGTIMEDWAIT | nr::RT_SIGTIMEDWAIT_TIME64 => SigsetSize::Exact { size: 3 },
        nr::RT_SIGSUSPEND => SigsetSize::Exact { size: 1 },
        nr::SIGNALFD | nr::SIGNALFD4 => SigsetSize::Exact { size: 2 },
        nr::RT_SIGPENDING => SigsetSize::AtMost { size: 1 },
        nr::EPOLL_PWAIT => SigsetSize::ExactIfSet { size: 5, set: 4 },
        _ => return None,
    })
}

/// Whether arguments `a` pass call `num`'s signal-set size rule.
pub fn sigset_size_ok(num: u32, a: &[u32; 6]) -> bool {
    use crate::flags::signal::SIGSET_SIZE;
    match sigset_size(num) {
        None => true,
        Some(SigsetSize::Exact { size }) => a[size] == SIGSET_SIZE,
        Some(SigsetSize::AtMost { size }) => a[size] <= SIGSET_SIZE,
        Some(SigsetSize::ExactIfSet { size, set }) => a[set] == 0 || a[size] == SIGSET_SIZE,
    }
}
