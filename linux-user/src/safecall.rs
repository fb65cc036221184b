//! Blocking host system calls that a guest signal can always interrupt.
//!
//! Before a guest system call, dispatch takes the signals the host
//! handlers caught and delivers the deliverable ones. A signal caught
//! after that check but before the host call blocks would otherwise wait
//! until the call returns on its own (a read of an empty pipe: for ever),
//! where Linux would have interrupted it. So blocking calls go through
//! [`syscall`]: a few instructions that compare the caught-signal ring's
//! head and tail (see `signal.rs`) and make the `syscall` only if nothing
//! was caught; and the host handler, when it interrupts a thread between
//! that comparison and the `syscall` instruction, moves it to the exit
//! that answers "interrupted" (`signal::interrupt_restart`). Either way
//! the guest sees EINTR, or its call is restarted after a handler with
//! SA_RESTART, as Linux's -ERESTARTSYS does. (qemu-user closes the same
//! window with its `safe_syscall` assembly.)

std::arch::global_asm!(
    ".pushsection .text.rsemu_safe_syscall, \"ax\", @progbits",
    ".globl rsemu_safe_syscall",
    ".hidden rsemu_safe_syscall",
    ".globl rsemu_safe_syscall_start",
    ".hidden rsemu_safe_syscall_start",
    ".globl rsemu_safe_syscall_insn",
    ".hidden rsemu_safe_syscall_insn",
    ".globl rsemu_safe_syscall_interrupted",
    ".hidden rsemu_safe_syscall_interrupted",
    ".type rsemu_safe_syscall, @function",
    ".p2align 4",
    // (head: rdi, tail: rsi, nr: rdx, a1: rcx, a2: r8, a3: r9,
    //  a4..a6 on the stack) -> rax
    "rsemu_safe_syscall:",
    "mov rax, rdx",
    "mov r11, rdi",
    "mov rdi, rcx",
    "mov rcx, rsi",
    "mov rsi, r8",
    "mov rdx, r9",
    "mov r8, [rsp + 16]",
    "mov r9, [rsp + 24]",
    "rsemu_safe_syscall_start:",
    "mov r10, [r11]",
    "cmp r10, [rcx]",
    "jne rsemu_safe_syscall_interrupted",
    "mov r10, [rsp + 8]",
    // rcx = 0 marks "not yet entered": a restarted call has rip+2 there.
    "xor ecx, ecx",
    "rsemu_safe_syscall_insn:",
    "syscall",
    "ret",
    "rsemu_safe_syscall_interrupted:",
    "mov rax, -512",
    "ret",
    ".size rsemu_safe_syscall, . - rsemu_safe_syscall",
    ".popsection",
);

extern "C" {
    fn rsemu_safe_syscall(
        head: *const usize,
        tail: *const usize,
        nr: libc::c_long,
        a1: usize,
        a2: usize,
        a3: usize,
        a4: usize,
        a5: usize,
        a6: usize,
    ) -> isize;
    static rsemu_safe_syscall_start: u8;
    static rsemu_safe_syscall_insn: u8;
    static rsemu_safe_syscall_interrupted: u8;
}

/// What the asm answers when it did not make the call (Linux's internal
/// ERESTARTSYS, which never reaches user space otherwise).
const NOT_ENTERED: isize = -512;

/// The window the handler moves out of: from the ring comparison to the
/// `syscall` instruction, inclusive, and where it moves the thread to.
pub fn window() -> (usize, usize, usize) {
    (
        &raw const rsemu_safe_syscall_start as usize,
        &raw const rsemu_safe_syscall_insn as usize,
        &raw const rsemu_safe_syscall_interrupted as usize,
    )
}

/// Calls Linux ends with EINTR after a handler even with SA_RESTART
/// (signal(7)): for them a call not entered is plain EINTR too. The host
/// kernel answers them so itself when the signal comes during the call.
const NEVER_RESTARTED: [libc::c_long; 9] = [
    libc::SYS_nanosleep,
    libc::SYS_clock_nanosleep,
    libc::SYS_epoll_pwait2,
    libc::SYS_ppoll,
    libc::SYS_pselect6,
    libc::SYS_rt_sigtimedwait,
    libc::SYS_semtimedop,
    libc::SYS_msgsnd,
    libc::SYS_msgrcv,
];

/// Makes host system call `nr` unless a guest signal was caught since the
/// thread last took them; in libc's convention (-1 and errno). A call not
/// made, or interrupted before it started, is EINTR marked restartable.
pub fn syscall(nr: libc::c_long, args: &[usize]) -> isize {
    let mut a = [0usize; 6];
    a[..args.len()].copy_from_slice(args);
    let (head, tail) = crate::signal::caught_ring_words();
    // SAFETY: the asm makes the raw system call with these arguments, as
    // libc::syscall would; the callers pass what that call needs (buffers
    // in guest memory or their own). head and tail are this thread's.
    let r = unsafe { rsemu_safe_syscall(head, tail, nr, a[0], a[1], a[2], a[3], a[4], a[5]) };
    if r == NOT_ENTERED {
        if !NEVER_RESTARTED.contains(&nr) {
            crate::signal::mark_restartable();
        }
        // SAFETY: errno is this thread's.
        unsafe { *libc::__errno_location() = libc::EINTR };
        return -1;
    }
    if (-4095..0).contains(&r) {
        // SAFETY: as above.
        unsafe { *libc::__errno_location() = -r as i32 };
        return -1;
    }
    r
}

/// `safe!(SYS_read, fd, buf, len)`: [`syscall`] with each argument cast
/// to a machine word.
#[macro_export]
macro_rules! safe {
    ($nr:expr $(, $arg:expr)* $(,)?) => {
        $crate::safecall::syscall($nr, &[$($arg as usize),*]) as i64
    };
}
