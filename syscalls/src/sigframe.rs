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
}
