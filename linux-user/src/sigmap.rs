//! The one mapping between guest and host signal numbers.
//!
//! Every place where a signal number or a signal set crosses between the
//! guest and the host goes through this module: `rt_sigaction` and the host
//! dispositions, the blocked masks (`rt_sigprocmask`, the temporary masks
//! of `rt_sigsuspend`, `ppoll`, `pselect6`, `epoll_pwait`, execve's inherited
//! mask), `kill`/`tkill`/`tgkill`, `rt_sigqueueinfo`/`rt_tgsigqueueinfo`,
//! `pidfd_send_signal`, `signalfd` masks, `rt_sigtimedwait` sets and results,
//! `rt_sigpending`, the host handler's signal number, siginfo (`si_signo`,
//! and `si_status` of SIGCHLD when it is a signal), POSIX timers'
//! `sigev_signo`, `mq_notify`, `fcntl(F_SETSIG/F_GETSIG)`,
//! `prctl(PR_SET_PDEATHSIG/PR_GET_PDEATHSIG)`, wait statuses (`wait4`,
//! `waitid`) and clone's exit signal.
//!
//! # The mapping: the identity on 1..=64
//!
//! ARM and x86-64 Linux number their signals alike, and every guest signal
//! has the host signal of the same number. That needs the two real-time
//! signals the host C library keeps for itself, 32 (glibc's SIGCANCEL, also
//! its SIGTIMER) and 33 (SIGSETXID): rsemu takes them over. Their host
//! dispositions are the guest's, installed with raw `rt_sigaction` (glibc's
//! `sigaction` refuses them), and put back each time glibc could have
//! installed its own handler (its first `pthread_create`, see
//! `signal::reclaim_runtime_signals`). glibc sends them only from
//! `pthread_cancel`, its set*id wrappers and its SIGEV_THREAD timers and
//! message-queue notifications, none of which the emulator calls: it makes
//! those system calls raw, for the guest, whose own C library does its
//! signalling itself (`clippy.toml` forbids the libc functions). So no
//! guest signal number can reach a handler of the host C library.
//!
//! The emulator's other own host signals are the synchronous fault
//! signals: SIGSEGV and SIGBUS for compiled code's guest-memory accesses,
//! and SIGILL, SIGTRAP, SIGFPE, which only an emulator bug would raise.
//! Their one host handler (`hostfault.rs`) tells a fault the kernel raised
//! (`si_code > 0`) from a signal someone sent (kill, tgkill, sigqueue:
//! `si_code <= 0`, or a guest's own positive-code `rt_sigqueueinfo`,
//! marked in `si_errno`, see [`SENT_FAULT_MARK`]) and hands the latter to
//! the guest like any other signal.
//!
//! Compared with qemu-arm's mapping (guest 32.. onto host 34.., the top two
//! guest signals lost), nothing is lost, and the guest and native programs
//! agree on every number: `kill -RTMIN+1` from a shell, the exit status of a
//! process killed by a real-time signal, the records of a signalfd (read
//! from the host descriptor unchanged, which relies on [`IDENTITY`]).

/// The largest signal number (`_NSIG`), guest and host.
pub const NSIG: u32 = 64;

/// Host signal number of each guest signal (index 0 unused).
const TO_HOST: [u8; NSIG as usize + 1] = {
    let mut t = [0u8; NSIG as usize + 1];
    let mut s = 1;
    while s <= NSIG as usize {
        t[s] = s as u8;
        s += 1;
    }
    t
};

/// Guest signal number of each host signal (index 0 unused).
const TO_GUEST: [u8; NSIG as usize + 1] = {
    let mut t = [0u8; NSIG as usize + 1];
    let mut s = 1;
    while s <= NSIG as usize {
        t[TO_HOST[s] as usize] = s as u8;
        s += 1;
    }
    t
};

/// Whether the mapping is the identity (code that copies host records
/// holding signal numbers unchanged asserts it).
pub const IDENTITY: bool = {
    let mut s = 1;
    let mut same = true;
    while s <= NSIG as usize {
        same &= TO_HOST[s] as usize == s;
        s += 1;
    }
    same
};

/// The value rsemu puts in `si_errno` of a synchronous fault signal
/// (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE) with a positive `si_code`
/// that the guest queues to a thread of its own process, so that the host
/// fault handler can tell it from a real fault. Guests never see it.
pub const SENT_FAULT_MARK: i32 = 0x5253_454d;

/// The host signal for guest signal `sig`; `None` for 0 and numbers above
/// 64.
pub fn host(sig: u32) -> Option<i32> {
    (1..=NSIG)
        .contains(&sig)
        .then(|| TO_HOST[sig as usize] as i32)
}

/// The guest signal for host signal `sig`.
pub fn guest(sig: i32) -> Option<u32> {
    (1..=NSIG as i32)
        .contains(&sig)
        .then(|| TO_GUEST[sig as usize] as u32)
}

/// A guest signal number for a host call that validates it itself: mapped
/// when valid, else passed on unchanged (0 and numbers above 64 mean the
/// same to both kernels, so the host answers as Linux would).
pub fn host_or_raw(sig: u32) -> i32 {
    host(sig).unwrap_or(sig as i32)
}

/// A host signal number read back from a host call, for the guest: mapped
/// when valid, else unchanged (0: none).
pub fn guest_or_raw(sig: i32) -> u32 {
    guest(sig).unwrap_or(sig as u32)
}

/// A guest signal set (bit n-1 = signal n) as a host one.
pub fn host_set(set: u64) -> u64 {
    if IDENTITY {
        return set;
    }
    let mut out = 0u64;
    let mut rest = set;
    while rest != 0 {
        let sig = rest.trailing_zeros() + 1;
        rest &= rest - 1;
        out |= 1 << (TO_HOST[sig as usize] - 1);
    }
    out
}

/// A host signal set as a guest one.
pub fn guest_set(set: u64) -> u64 {
    if IDENTITY {
        return set;
    }
    let mut out = 0u64;
    let mut rest = set;
    while rest != 0 {
        let sig = rest.trailing_zeros() + 1;
        rest &= rest - 1;
        out |= 1 << (TO_GUEST[sig as usize] - 1);
    }
    out
}

/// A host wait status (`wait4`) for the guest: the terminating signal
/// (low 7 bits) of a killed child and the stop signal (bits 8..15) of a
/// stopped one are signal numbers.
pub fn guest_wait_status(st: i32) -> i32 {
    let low = st & 0x7f;
    if low == 0x7f {
        // Stopped: the signal in bits 8..15 (ptrace events above).
        let sig = (st >> 8) & 0xff;
        (st & !0xff00) | ((guest_or_raw(sig) as i32 & 0xff) << 8)
    } else if low != 0 {
        // Killed (bit 7: core dumped).
        (st & !0x7f) | (guest_or_raw(low) as i32 & 0x7f)
    } else {
        st
    }
}

/// `si_status` of a SIGCHLD siginfo with code `code`: a signal number for
/// killed, dumped, stopped, trapped and continued children, an exit status
/// for exited ones.
pub fn child_status(code: i32, status: u32, to_guest: bool) -> u32 {
    // CLD_EXITED = 1; CLD_KILLED, CLD_DUMPED, CLD_TRAPPED, CLD_STOPPED,
    // CLD_CONTINUED = 2..=6.
    if (2..=6).contains(&code) {
        if to_guest {
            guest_or_raw(status as i32)
        } else {
            host_or_raw(status) as u32
        }
    } else {
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guest_signal_has_its_own_host_signal() {
        let mut seen = 0u64;
        for sig in 1..=NSIG {
            let h = host(sig).unwrap();
            assert!((1..=64).contains(&h));
            assert_eq!(seen & (1 << (h - 1)), 0, "host {h} used twice");
            seen |= 1 << (h - 1);
            assert_eq!(guest(h), Some(sig));
        }
        assert_eq!(seen, u64::MAX);
        assert_eq!(host(0), None);
        assert_eq!(host(65), None);
        assert_eq!(guest(0), None);
        assert_eq!(guest(65), None);
        assert_eq!(host_or_raw(65), 65);
        assert_eq!(host_or_raw(0), 0);
        // glibc's 32 and 33 and the top two are guest signals too.
        assert_eq!(host(32), Some(32));
        assert_eq!(host(33), Some(33));
        assert_eq!(host(64), Some(64));
        const { assert!(IDENTITY) };
    }

    #[test]
    fn sets_and_statuses() {
        let set = 1u64 << 31 | 1 << 32 | 1 << 63 | 1;
        assert_eq!(guest_set(host_set(set)), set);
        // Killed by 33 with a core dump; stopped by SIGTSTP; exited 7.
        assert_eq!(guest_wait_status(0x80 | 33), 0x80 | 33);
        assert_eq!(guest_wait_status(20 << 8 | 0x7f), 20 << 8 | 0x7f);
        assert_eq!(guest_wait_status(7 << 8), 7 << 8);
        assert_eq!(child_status(2, 33, true), 33);
        assert_eq!(child_status(1, 200, true), 200);
    }
}
