//! The ARM Linux signal frame (`struct rt_sigframe` of
//! arch/arm/kernel/signal.c) as offsets, for delivering signals to a guest
//! and reading them back on `rt_sigreturn`.
//!
//! ```text
//! rt_sigframe { siginfo info (128); sigframe sig { ucontext uc; u32 retcode[2] } }
//! ucontext    { u32 uc_flags; u32 uc_link; stack_t uc_stack (12);
//!               sigcontext uc_mcontext (21 words); sigset_t uc_sigmask (8)
//!               + 120 bytes unused; u32 uc_regspace[128] (8-aligned) }
//! sigcontext  { trap_no, error_code, oldmask, r0..r10, fp, ip, sp, lr, pc,
//!               cpsr, fault_address }
//! regspace    { vfp_sigframe { u32 magic 0x56465001; u32 size 288;
//!               u64 fpregs[32]; u32 fpscr; (pad); u32 fpexc, fpinst, fpinst2 }
//!               then a zero magic word ending the list }
//! ```

/// Size of `siginfo_t`.
pub const SIGINFO_SIZE: u32 = 128;
/// Offset of the ucontext in the frame.
pub const UC: u32 = SIGINFO_SIZE;
/// `uc_flags`.
pub const UC_FLAGS: u32 = UC;
/// `uc_link`.
pub const UC_LINK: u32 = UC + 4;
/// `uc_stack` (`ss_sp`, `ss_flags`, `ss_size`).
pub const UC_STACK: u32 = UC + 8;
/// `uc_mcontext`: the sigcontext.
pub const UC_MCONTEXT: u32 = UC + 20;
/// `trap_no` in the sigcontext.
pub const SC_TRAP_NO: u32 = UC_MCONTEXT;
/// `error_code`.
pub const SC_ERROR_CODE: u32 = UC_MCONTEXT + 4;
/// `oldmask` (low word of the blocked mask).
pub const SC_OLDMASK: u32 = UC_MCONTEXT + 8;
/// `arm_r0`; r1..r15 follow, one word each.
pub const SC_R0: u32 = UC_MCONTEXT + 12;
/// `arm_cpsr`.
pub const SC_CPSR: u32 = SC_R0 + 16 * 4;
/// `fault_address`.
pub const SC_FAULT_ADDRESS: u32 = SC_CPSR + 4;
/// `uc_sigmask`.
pub const UC_SIGMASK: u32 = UC_MCONTEXT + 21 * 4;
/// `uc_regspace`.
pub const UC_REGSPACE: u32 = UC_SIGMASK + 128;
/// Size of `uc_regspace`.
pub const REGSPACE_SIZE: u32 = 128 * 4;
/// Magic of the VFP block in the regspace.
pub const VFP_MAGIC: u32 = 0x5646_5001;
/// Size of the VFP block (`struct vfp_sigframe`).
pub const VFP_SIZE: u32 = 288;
/// Offset of `fpregs[0]` in the VFP block.
pub const VFP_FPREGS: u32 = 8;
/// Offset of `fpscr` in the VFP block.
pub const VFP_FPSCR: u32 = VFP_FPREGS + 32 * 8;
/// Offset of `fpexc` in the VFP block.
pub const VFP_FPEXC: u32 = VFP_FPSCR + 8;
/// The two-word return trampoline after the ucontext.
pub const RETCODE: u32 = UC_REGSPACE + REGSPACE_SIZE;
/// Size of the whole frame.
pub const FRAME_SIZE: u32 = RETCODE + 8;

/// siginfo field offsets (the common prefix and the unions rsemu fills).
pub mod siginfo {
    /// `si_signo`.
    pub const SIGNO: u32 = 0;
    /// `si_errno`.
    pub const ERRNO: u32 = 4;
    /// `si_code`.
    pub const CODE: u32 = 8;
    /// `si_pid` (kill, sigqueue, SIGCHLD).
    pub const PID: u32 = 12;
    /// `si_uid`.
    pub const UID: u32 = 16;
    /// `si_addr` (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE).
    pub const ADDR: u32 = 12;
    /// `si_status` (SIGCHLD).
    pub const STATUS: u32 = 20;
    /// `si_code` for kill().
    pub const SI_USER: i32 = 0;
    /// `si_code` for tkill()/tgkill().
    pub const SI_TKILL: i32 = -6;
    /// `si_code` for a kernel-generated signal.
    pub const SI_KERNEL: i32 = 0x80;
    /// SIGSEGV: address not mapped.
    pub const SEGV_MAPERR: i32 = 1;
    /// SIGSEGV: no permission for the access.
    pub const SEGV_ACCERR: i32 = 2;
    /// SIGBUS: misaligned address.
    pub const BUS_ADRALN: i32 = 1;
    /// SIGILL: illegal opcode.
    pub const ILL_ILLOPC: i32 = 1;
    /// SIGTRAP: breakpoint.
    pub const TRAP_BRKPT: i32 = 1;
    /// `si_code` for sigqueue().
    pub const SI_QUEUE: i32 = -1;
    /// `si_code` for a POSIX timer expiry.
    pub const SI_TIMER: i32 = -2;
    /// `si_code` for a message queue arrival.
    pub const SI_MESGQ: i32 = -3;
    /// `si_code` for AIO completion.
    pub const SI_ASYNCIO: i32 = -4;
    /// `si_code` for queued SIGIO.
    pub const SI_SIGIO: i32 = -5;
    /// SIGCHLD: the child exited.
    pub const CLD_EXITED: i32 = 1;

    /// Size of the `siginfo_t` union after `si_signo`, `si_errno`,
    /// `si_code` that rsemu carries: five guest words (offsets 12..32),
    /// enough for every layout's fields.
    pub const UNION_WORDS: usize = 5;
    /// Offset of the union in the guest's `siginfo_t` (three ints).
    pub const GUEST_UNION: u32 = 12;
    /// Offset of the union in the x86-64 host's `siginfo_t`: it holds
    /// pointers and longs, so it is 8-aligned after the three ints.
    pub const HOST_UNION: u32 = 16;

    /// Which member of the union a signal carries: the kernel's
    /// `siginfo_layout()` (kernel/signal.c).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Layout {
        /// kill(): pid, uid.
        Kill,
        /// POSIX timer: timer id, overrun, value.
        Timer,
        /// sigqueue() and other negative codes: pid, uid, value.
        Rt,
        /// SIGPOLL: band, fd.
        Poll,
        /// Faults: address.
        Fault,
        /// SIGCHLD: pid, uid, status, utime, stime.
        Chld,
        /// SIGSYS (seccomp): call address, syscall, arch.
        Sys,
    }

    /// The layout of signal `sig` with code `code`. Kernel-generated codes
    /// (1..=0x7f) up to each signal's last defined code select that
    /// signal's member (NSIGILL 11, NSIGFPE 15, NSIGSEGV 10, NSIGBUS 5,
    /// NSIGTRAP 6, NSIGCHLD 6, NSIGPOLL 6, NSIGSYS 2); other small positive
    /// codes are SIGPOLL's.
    pub fn layout(sig: u32, code: i32) -> Layout {
        const SIGILL: u32 = 4;
        const SIGTRAP: u32 = 5;
        const SIGBUS: u32 = 7;
        const SIGFPE: u32 = 8;
        const SIGSEGV: u32 = 11;
        const SIGCHLD: u32 = 17;
        const SIGPOLL: u32 = 29;
        const SIGSYS: u32 = 31;
        const NSIGPOLL: i32 = 6;
        if code > SI_USER && code < SI_KERNEL {
            let (limit, l) = match sig {
                SIGILL => (11, Layout::Fault),
                SIGFPE => (15, Layout::Fault),
                SIGSEGV => (10, Layout::Fault),
                SIGBUS => (5, Layout::Fault),
                SIGTRAP => (6, Layout::Fault),
                SIGCHLD => (6, Layout::Chld),
                SIGPOLL => (NSIGPOLL, Layout::Poll),
                SIGSYS => (2, Layout::Sys),
                _ => (0, Layout::Kill),
            };
            if code <= limit {
                l
            } else if code <= NSIGPOLL {
                Layout::Poll
            } else {
                Layout::Kill
            }
        } else if code == SI_TIMER {
            Layout::Timer
        } else if code == SI_SIGIO {
            Layout::Poll
        } else if code < 0 {
            Layout::Rt
        } else {
            Layout::Kill
        }
    }

    /// The union fields of a layout as (guest offset, host offset, host
    /// size): the guest's longs, pointers and `clock_t` are 4 bytes, the
    /// host's 8 (and 8-aligned). Checked with offsetof() on both compilers.
    pub fn fields(l: Layout) -> &'static [(u32, u32, u32)] {
        match l {
            // pid, uid
            Layout::Kill => &[(12, 16, 4), (16, 20, 4)],
            // tid/pid, overrun/uid, sigval (int or pointer)
            Layout::Timer | Layout::Rt => &[(12, 16, 4), (16, 20, 4), (20, 24, 8)],
            // band (long), fd
            Layout::Poll => &[(12, 16, 8), (16, 24, 4)],
            // addr
            Layout::Fault => &[(12, 16, 8)],
            // pid, uid, status, utime, stime
            Layout::Chld => &[
                (12, 16, 4),
                (16, 20, 4),
                (20, 24, 4),
                (24, 32, 8),
                (28, 40, 8),
            ],
            // call_addr, syscall, arch
            Layout::Sys => &[(12, 16, 8), (16, 24, 4), (20, 28, 4)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_layout_matches_the_kernel() {
        assert_eq!(UC_MCONTEXT, 128 + 20);
        assert_eq!(SC_CPSR - UC_MCONTEXT, 19 * 4);
        assert_eq!(UC_SIGMASK - UC, 104);
        assert_eq!(UC_REGSPACE - UC, 232);
        assert_eq!((UC_REGSPACE - UC) % 8, 0, "regspace is 8-aligned");
        assert_eq!(RETCODE - UC, 744);
        assert_eq!(FRAME_SIZE, 880);
        const { assert!(VFP_FPEXC + 12 <= VFP_SIZE) };
    }

    #[test]
    fn siginfo_layouts_follow_the_kernel() {
        use siginfo::*;
        assert_eq!(layout(17, CLD_EXITED), Layout::Chld);
        assert_eq!(layout(10, SI_USER), Layout::Kill);
        assert_eq!(layout(10, SI_TKILL), Layout::Rt);
        assert_eq!(layout(10, SI_QUEUE), Layout::Rt);
        assert_eq!(layout(14, SI_TIMER), Layout::Timer);
        assert_eq!(layout(11, SEGV_MAPERR), Layout::Fault);
        assert_eq!(layout(11, SI_KERNEL), Layout::Kill);
        assert_eq!(layout(29, 1), Layout::Poll);
        assert_eq!(layout(10, 3), Layout::Poll);
        assert_eq!(layout(10, 7), Layout::Kill);
        for l in [
            Layout::Kill,
            Layout::Timer,
            Layout::Rt,
            Layout::Poll,
            Layout::Fault,
            Layout::Chld,
            Layout::Sys,
        ] {
            for &(g, h, size) in fields(l) {
                assert!(g >= GUEST_UNION && g + 4 <= GUEST_UNION + 4 * UNION_WORDS as u32);
                assert!(h >= HOST_UNION && h + size <= SIGINFO_SIZE && h % size == 0);
            }
        }
    }
}
