//! The host SIGSEGV/SIGBUS handler that lets compiled code access guest
//! memory without checking it first.
//!
//! Host page protections mirror the guest's (see `memory.rs`), so an access
//! the guest may not make faults on the host. When the fault is a guest
//! access in compiled code, the core moves the host context to that
//! instruction's slow path, which repeats the access with the page-flag
//! check and raises the precise guest fault. Any other fault is a real
//! crash of the emulator: the handler steps aside and the signal's default
//! action follows, as if it had never been installed.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set once the handler is installed: guest memory may then tell compiled
/// code that host faults are handled.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Whether compiled code may rely on host faults.
pub fn installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

extern "C" fn on_fault(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let code = if info.is_null() {
        0
    } else {
        // SAFETY: the kernel passes a valid siginfo to SA_SIGINFO handlers.
        unsafe { (*info).si_code }
    };
    // si_code > 0: raised by the kernel for a fault (not kill/tgkill).
    // SAFETY: ctx is this handler's ucontext.
    if code > 0 && unsafe { rsemu_core::jit::handle_host_fault(ctx) } {
        return;
    }
    // Not a guest access: take the default action. A fault re-executes
    // and faults again; a sent signal is raised again.
    // SAFETY: resetting a disposition and raising are async-signal-safe.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        if code <= 0 {
            libc::raise(sig);
        }
    }
}

/// Installs the handler for SIGSEGV and SIGBUS (once per process).
pub fn install() {
    for sig in [libc::SIGSEGV, libc::SIGBUS] {
        // SAFETY: installs a handler for a fault signal the guest never
        // gets from the host directly (guest faults come from the core).
        let ok = unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_fault
                as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
                as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut()) == 0
        };
        if !ok {
            return;
        }
    }
    INSTALLED.store(true, Ordering::Relaxed);
}
