//! The host handler of the synchronous fault signals (SIGSEGV, SIGBUS,
//! SIGILL, SIGTRAP, SIGFPE): the emulator's own, installed for the whole
//! run. It lets compiled code access guest memory without checking it
//! first, and hands signals someone sent to the guest.
//!
//! Host page protections mirror the guest's (see `memory.rs`), so an access
//! the guest may not make faults on the host. When the fault is a guest
//! access in compiled code, the core moves the host context to that
//! instruction's slow path, which repeats the access with the page-flag
//! check and raises the precise guest fault. Any other fault the kernel
//! raised is a real crash of the emulator: the handler steps aside and the
//! signal's default action follows, as if it had never been installed.
//!
//! A fault signal that was sent (kill, tgkill, sigqueue, a timer: the
//! kernel's `si_code` is not positive, or a guest's own `rt_sigqueueinfo`
//! with a fault code, which rsemu marks, see `sigmap::SENT_FAULT_MARK`) is
//! a guest signal like any other: it goes to `signal::on_host_signal`,
//! and the guest's action decides (its handler, or death by that signal).

use std::sync::atomic::{AtomicBool, Ordering};

use crate::signal::{self, HostHandler};

/// Set once the handler is installed for compiled code: guest memory may
/// then tell compiled code that host faults are handled.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Whether compiled code may rely on host faults.
pub fn installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// The fault signals, whose host handler this is.
const FAULT_SIGNALS: [i32; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGILL,
    libc::SIGTRAP,
    libc::SIGFPE,
];

extern "C" fn on_fault(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let (code, errno) = if info.is_null() {
        (0, 0)
    } else {
        // SAFETY: the kernel passes a valid siginfo to SA_SIGINFO handlers.
        unsafe { ((*info).si_code, (*info).si_errno) }
    };
    let raised_by_kernel = code > 0 && errno != crate::sigmap::SENT_FAULT_MARK;
    if !raised_by_kernel {
        // SAFETY: the handler's own siginfo and ucontext.
        unsafe { signal::on_host_signal(sig, info, ctx) };
        return;
    }
    if (sig == libc::SIGSEGV || sig == libc::SIGBUS) && installed() {
        // SAFETY: ctx is this handler's ucontext.
        if unsafe { rsemu_core::jit::handle_host_fault(ctx) } {
            return;
        }
    }
    // Not a guest access: the default action. The fault happens again
    // when the instruction is retried, and kills.
    signal::host_sigaction(sig, HostHandler::Default, 0);
}

/// Installs the handler for the fault signals (once per process, before
/// the guest runs); `compiled_code` says whether compiled code relies on
/// it for guest-memory faults.
pub fn install(compiled_code: bool) {
    let mut ok = true;
    for sig in FAULT_SIGNALS {
        ok &= signal::host_sigaction(
            sig,
            HostHandler::Function(on_fault),
            (libc::SA_NODEFER | libc::SA_RESTART) as u64,
        );
    }
    if ok && compiled_code {
        INSTALLED.store(true, Ordering::Relaxed);
    }
}
