//! Guest signals: actions, the blocked mask, pending signals, delivery on
//! an ARM `rt_sigframe`, `rt_sigreturn`, and the host handlers that turn
//! host signals into pending guest signals.
//!
//! Guest signal numbers become host ones through `sigmap.rs` (the
//! identity: every guest signal, glibc's internal 32 and 33 included, is
//! the host signal of the same number, whose disposition the emulator
//! owns). Each guest thread runs on a host thread whose signal mask mirrors
//! the guest's (less the synchronous fault signals). So the host kernel
//! does what Linux would do for the guest: a signal the guest blocks stays
//! pending in the host kernel, with its siginfo and, for a real-time
//! signal, every queued instance in order, where a host signalfd,
//! sigtimedwait or sigpending finds it; a process-directed signal goes to a
//! thread that does not block it; an unblocked signal with the default
//! action gets the host's default action. Signals the guest sends, to
//! itself or to others, go through the host kernel too.
//!
//! Signals the guest handles are caught by a tiny async-signal-safe host
//! handler that appends the number and siginfo to a per-thread ring (in
//! arrival order, so that real-time instances keep theirs) and raises the
//! engine's interrupt flag; the thread then takes them into its pending
//! queues ([`Signals`]: one instance of a standard signal, every instance
//! of a real-time one) and delivers them at the next block boundary (or
//! after the system call it was in). A caught signal stays blocked on the
//! host until taken, and then until delivered: its later instances wait in
//! the host kernel's queues (a real-time signal's in order). Faults the core
//! reports (bad access, undefined instruction, breakpoint) are queued here
//! directly. A queued signal that becomes blocked before delivery is
//! handed back to the host kernel's queue (`rt_tgsigqueueinfo`) so it stays
//! visible there, unless that would put it behind later instances.
//!
//! A host system call made for the guest that the host kernel would
//! restart after the handler (`SA_RESTART`, which every host handler has)
//! is made to return EINTR instead when a guest signal interrupts it, so
//! that the guest's handler runs at once; the guest's call is then
//! restarted after its handler if the guest asked for `SA_RESTART` (or no
//! handler ran), as Linux restarts it. Without this, a thread blocked in a
//! futex or a pipe read would run its handler only when the call returned:
//! glibc's set*id (signal 33 to every thread, waiting for each to answer)
//! and pthread_cancel (32) depend on it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rsemu_core::CpuState;
use rsemu_syscalls::flags::signal::*;
use rsemu_syscalls::layout::KSigaction;
use rsemu_syscalls::sigframe::{self, siginfo};

use crate::memory::GuestSpace;
use crate::sigmap;

/// Where the return trampolines live in the kuser page: `mov r7, #173;
/// svc 0` in A32 at +0, and `movs r7, #173; svc 0` in T32 at +8.
pub const SIGRETURN_A32: u32 = 0xffff_0f00;
/// The T32 trampoline.
pub const SIGRETURN_T32: u32 = 0xffff_0f08;

/// The bit of signal `sig` in a 64-bit set (guest or host numbering).
const fn bit(sig: u32) -> u64 {
    1 << (sig - 1)
}

/// Host signals whose host mask bit mirrors the guest's: all but SIGKILL
/// and SIGSTOP (which cannot be blocked) and the synchronous fault signals
/// (the emulator's own: a real fault while one is blocked would kill the
/// emulator instead of reaching its handler). Host numbering.
pub const HOST_BLOCKABLE: u64 = !(bit(libc::SIGKILL as u32)
    | bit(libc::SIGSTOP as u32)
    | bit(libc::SIGSEGV as u32)
    | bit(libc::SIGBUS as u32)
    | bit(libc::SIGILL as u32)
    | bit(libc::SIGTRAP as u32)
    | bit(libc::SIGFPE as u32));

/// Guest signals that can never be blocked.
pub const UNBLOCKABLE: u64 = bit(SIGKILL) | bit(SIGSTOP);

/// The signals the host C library keeps for itself (glibc's SIGCANCEL and
/// SIGSETXID), which the emulator takes over for the guest.
const RUNTIME_SIGNALS: [u32; 2] = [32, 33];

// --- Host side: what the handler records ------------------------------------

/// One caught signal: its guest number, `si_code` and union words.
struct Caught {
    sig: AtomicU32,
    code: AtomicU32,
    words: [AtomicU32; siginfo::UNION_WORDS],
}

impl Caught {
    const fn new() -> Caught {
        Caught {
            sig: AtomicU32::new(0),
            code: AtomicU32::new(0),
            words: [const { AtomicU32::new(0) }; siginfo::UNION_WORDS],
        }
    }
}

/// Capacity of the ring. A caught blockable signal stays blocked until
/// the thread takes it, so the ring holds at most one instance of each
/// between two takes (plus sent fault signals, which do not queue).
const RING: usize = 128;

// Thread-locals with const initialisers and no destructor are plain TLS
// accesses, safe in a signal handler. The handler runs on the thread it
// interrupts and may nest (a different signal arriving during it); the
// thread itself reads the ring only between handlers, so a slot reserved
// by a handler is always written by the time the thread reads it.
thread_local! {
    /// Signals the host handler caught, oldest first: slots
    /// `HEAD..TAIL` (indices modulo `RING`).
    static CAUGHT: [Caught; RING] = const { [const { Caught::new() }; RING] };
    /// The next slot the thread reads.
    static HEAD: AtomicUsize = const { AtomicUsize::new(0) };
    /// The next slot a handler fills.
    static TAIL: AtomicUsize = const { AtomicUsize::new(0) };
    /// This thread's engine interrupt flag, raised by the host handler.
    static INTERRUPT: AtomicPtr<AtomicBool> = const { AtomicPtr::new(std::ptr::null_mut()) };
    /// Set while the thread runs a guest system call on the host.
    static IN_GUEST_CALL: AtomicBool = const { AtomicBool::new(false) };
    /// Set by the handler when it turned the host kernel's restart of
    /// that call into an EINTR return.
    static RESTARTABLE: AtomicBool = const { AtomicBool::new(false) };
}

fn raise_flag(flag: *mut AtomicBool) {
    if !flag.is_null() {
        // SAFETY: flags are leaked from Arcs in `init` and live for the
        // rest of the process; an atomic store is async-signal-safe.
        unsafe { (*flag).store(true, Ordering::SeqCst) };
    }
}

/// Forgets signals caught but not yet taken (a fork child starts with
/// none pending).
pub fn clear_process_pending() {
    let tail = TAIL.with(|t| t.load(Ordering::SeqCst));
    HEAD.with(|h| h.store(tail, Ordering::SeqCst));
}

/// Marks the start and end of a guest system call's host work (see
/// [`take_restartable`]).
pub fn set_in_guest_call(on: bool) {
    if on {
        RESTARTABLE.with(|r| r.store(false, Ordering::SeqCst));
    }
    IN_GUEST_CALL.with(|f| f.store(on, Ordering::SeqCst));
}

/// The addresses of this thread's caught-signal ring head and tail
/// (equal when no signal waits to be taken), for `safecall`.
pub fn caught_ring_words() -> (*const usize, *const usize) {
    (
        HEAD.with(|h| h.as_ptr() as *const usize),
        TAIL.with(|t| t.as_ptr() as *const usize),
    )
}

/// Marks the current guest call as interrupted where Linux would restart
/// it (see [`take_restartable`]).
pub fn mark_restartable() {
    RESTARTABLE.with(|r| r.store(true, Ordering::SeqCst));
}

/// Whether a guest signal interrupted the last guest system call in a
/// host call the host kernel was about to restart (its EINTR then means
/// "restart unless a handler without SA_RESTART runs"); clears it.
pub fn take_restartable() -> bool {
    RESTARTABLE.with(|r| r.swap(false, Ordering::SeqCst))
}

/// Turns the host kernel's restart of an interrupted system call into an
/// EINTR return, if the thread is in a guest call and the interrupted
/// context is that restart: the kernel moved rip back onto the `syscall`
/// instruction (whose execution left its return address in rcx) and put
/// the call number back in rax.
///
/// # Safety
/// `ctx` must be null or the handler's `ucontext_t`.
unsafe fn interrupt_restart(ctx: *mut libc::c_void) {
    if ctx.is_null() || !IN_GUEST_CALL.with(|f| f.load(Ordering::SeqCst)) {
        return;
    }
    // SAFETY: the kernel's ucontext for this handler (caller's contract).
    let gregs = unsafe { &mut (*(ctx as *mut libc::ucontext_t)).uc_mcontext.gregs };
    let rip = gregs[libc::REG_RIP as usize] as u64;
    let rcx = gregs[libc::REG_RCX as usize] as u64;
    // Between safecall's check of the ring and its `syscall` (not a
    // restart of it, which has rcx = rip + 2): the call is not made.
    let (start, insn, interrupted) = crate::safecall::window();
    if (start as u64..=insn as u64).contains(&rip) && !(rip == insn as u64 && rcx == rip + 2) {
        gregs[libc::REG_RIP as usize] = interrupted as i64;
        return;
    }
    if rip == 0 || rcx != rip.wrapping_add(2) {
        return;
    }
    // SAFETY: rip is the address the thread was executing (or, here,
    // about to execute again): two readable bytes of code.
    let insn = unsafe { std::ptr::read_unaligned(rip as *const [u8; 2]) };
    if insn != [0x0f, 0x05] {
        return;
    }
    // fork and clone are restarted whatever the handler (ERESTARTNOINTR):
    // leave those to the host.
    let nr = gregs[libc::REG_RAX as usize];
    if [
        libc::SYS_clone,
        libc::SYS_clone3,
        libc::SYS_fork,
        libc::SYS_vfork,
    ]
    .contains(&nr)
    {
        return;
    }
    gregs[libc::REG_RIP as usize] = rip.wrapping_add(2) as i64;
    gregs[libc::REG_RAX as usize] = -(libc::EINTR as i64);
    RESTARTABLE.with(|r| r.store(true, Ordering::SeqCst));
}

/// Records a host signal for the guest: the handler of every signal the
/// guest handles, and the fault handler's path for fault signals someone
/// sent (`hostfault.rs`). Async-signal-safe.
///
/// # Safety
/// `info` and `ctx` must be null or the handler's siginfo and ucontext.
pub unsafe fn on_host_signal(host_sig: i32, info: *const libc::siginfo_t, ctx: *mut libc::c_void) {
    let Some(sig) = sigmap::guest(host_sig) else {
        return;
    };
    let blockable = HOST_BLOCKABLE & bit(host_sig as u32) != 0;
    if blockable && !ctx.is_null() {
        // The signal stays blocked on the host thread when the handler
        // returns (its bit is added to the mask the kernel restores)
        // until the thread takes it: a host timer firing faster than the
        // guest can handle its signals (stress-ng's 1 MHz POSIX timer)
        // would otherwise interrupt the thread without end, and its slot
        // in the ring stays the only one.
        // (By hand: glibc's sigaddset refuses its own 32 and 33.)
        // SAFETY: the kernel passes the interrupted context to SA_SIGINFO
        // handlers; its saved mask starts with the 64 bits of signals
        // 1..=64, of which this sets one.
        unsafe {
            let set = &mut (*(ctx as *mut libc::ucontext_t)).uc_sigmask as *mut libc::sigset_t;
            *(set as *mut u64) |= bit(host_sig as u32);
        }
    }
    let si = if info.is_null() {
        SigInfo::default()
    } else {
        // SAFETY: the kernel passes a valid siginfo to SA_SIGINFO handlers.
        unsafe { SigInfo::from_host_raw(sig, info as *const u8) }
    };
    let stored = CAUGHT.with(|ring| {
        HEAD.with(|head| {
            TAIL.with(|tail| loop {
                let t = tail.load(Ordering::SeqCst);
                if t.wrapping_sub(head.load(Ordering::SeqCst)) >= RING {
                    return false;
                }
                if tail
                    .compare_exchange(t, t.wrapping_add(1), Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    let slot = &ring[t % RING];
                    slot.sig.store(sig, Ordering::SeqCst);
                    slot.code.store(si.code as u32, Ordering::SeqCst);
                    for (w, v) in slot.words.iter().zip(si.words) {
                        w.store(v, Ordering::SeqCst);
                    }
                    return true;
                }
            })
        })
    });
    if !stored && blockable && sig >= SIGRTMIN && !info.is_null() {
        // Full (cannot happen while caught signals stay blocked): keep a
        // real-time instance in the host queue, where it stays blocked.
        // A standard signal already pending is merged, as Linux does.
        // SAFETY: errno is this thread's; the call gets plain ids and the
        // kernel's own siginfo; errno is put back for the code this
        // handler interrupted.
        unsafe {
            let saved = *libc::__errno_location();
            libc::syscall(
                libc::SYS_rt_tgsigqueueinfo,
                libc::getpid(),
                libc::gettid(),
                host_sig,
                info,
            );
            *libc::__errno_location() = saved;
        }
    }
    // SAFETY: as above.
    unsafe { interrupt_restart(ctx) };
    raise_flag(INTERRUPT.with(|f| f.load(Ordering::SeqCst)));
}

extern "C" fn host_handler(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel's siginfo and ucontext for this SA_SIGINFO handler.
    unsafe { on_host_signal(sig, info, ctx) };
}

// --- Host side: dispositions and masks ----------------------------------------

// The x86-64 kernel returns from a handler through the `sa_restorer` it
// is given (it has no default); glibc's `sigaction` supplies its own, but
// the emulator installs handlers with the raw call (glibc's refuses 32 and
// 33). The same two instructions as glibc's, which debuggers and unwinders
// recognise as a signal frame.
std::arch::global_asm!(
    ".pushsection .text.rsemu_host_sigreturn, \"ax\", @progbits",
    ".globl rsemu_host_sigreturn",
    ".hidden rsemu_host_sigreturn",
    ".type rsemu_host_sigreturn, @function",
    ".p2align 4",
    "rsemu_host_sigreturn:",
    "mov rax, 15",
    "syscall",
    "ud2",
    ".size rsemu_host_sigreturn, . - rsemu_host_sigreturn",
    ".popsection",
);

extern "C" {
    fn rsemu_host_sigreturn();
}

/// The x86-64 kernel's `struct sigaction`.
#[repr(C)]
#[derive(Default)]
struct HostSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

const HOST_SA_RESTORER: u64 = 0x0400_0000;

/// A host handler for [`host_sigaction`]: the default action, ignore, or
/// an SA_SIGINFO function.
pub enum HostHandler {
    /// `SIG_DFL`.
    Default,
    /// `SIG_IGN`.
    Ignore,
    /// A three-argument handler.
    Function(extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)),
}

/// Sets host signal `sig`'s disposition with the raw `rt_sigaction` (any
/// signal, glibc's own included), with this module's restorer and an
/// empty handler mask. Async-signal-safe. Returns whether it succeeded.
pub fn host_sigaction(sig: i32, handler: HostHandler, flags: u64) -> bool {
    let mut act = HostSigaction {
        flags: flags | HOST_SA_RESTORER,
        restorer: rsemu_host_sigreturn as *const () as usize,
        ..HostSigaction::default()
    };
    act.handler = match handler {
        HostHandler::Default => libc::SIG_DFL,
        HostHandler::Ignore => libc::SIG_IGN,
        HostHandler::Function(f) => {
            act.flags |= libc::SA_SIGINFO as u64;
            f as *const () as usize
        }
    };
    // SAFETY: a kernel sigaction struct we own; no old action asked for.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            &act as *const HostSigaction,
            std::ptr::null_mut::<HostSigaction>(),
            8usize,
        ) == 0
    }
}

/// Whether host signal `sig` is ignored (`SIG_IGN`).
fn host_ignored(sig: i32) -> bool {
    let mut old = HostSigaction::default();
    // SAFETY: fills a kernel sigaction struct we own.
    let r = unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            std::ptr::null::<HostSigaction>(),
            &mut old as *mut HostSigaction,
            8usize,
        )
    };
    r == 0 && old.handler == libc::SIG_IGN
}

/// Sets the calling host thread's blocked mask (host numbering, bit n-1 =
/// signal n) to the host-blockable part of `set`; returns the previous
/// host mask. Async-signal-safe.
fn set_host_mask(set: u64) -> u64 {
    let set = set & HOST_BLOCKABLE;
    let mut old = 0u64;
    // SAFETY: rt_sigprocmask with 8-byte sets we own.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &set as *const u64,
            &mut old as *mut u64,
            8usize,
        )
    };
    old
}

/// Blocks every host signal the guest could send on the calling thread;
/// returns the previous host mask (for [`restore_host_mask`]).
pub fn block_all_on_host() -> u64 {
    set_host_mask(HOST_BLOCKABLE)
}

/// Puts back a host mask saved by [`block_all_on_host`].
pub fn restore_host_mask(old: u64) {
    set_host_mask(old);
}

/// Sets the host thread's mask to all of the guest's `mask` that the
/// host allows (fault signals included), for execve to hand on; returns
/// the previous host mask, to put back (with [`restore_exec_mask`]) if
/// execve fails.
pub fn mask_for_exec(mask: u64) -> u64 {
    let set = sigmap::host_set(mask & !UNBLOCKABLE);
    let mut old = 0u64;
    // SAFETY: rt_sigprocmask with 8-byte sets we own.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &set as *const u64,
            &mut old as *mut u64,
            8usize,
        )
    };
    old
}

/// Puts back the host mask [`mask_for_exec`] returned.
pub fn restore_exec_mask(old: u64) {
    // SAFETY: rt_sigprocmask with an 8-byte set we own.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &old as *const u64,
            std::ptr::null_mut::<u64>(),
            8usize,
        )
    };
}

/// The guest signals pending in the host kernel for this thread and its
/// process (only blocked ones stay there).
pub fn host_pending() -> u64 {
    let mut set = 0u64;
    // SAFETY: rt_sigpending fills an 8-byte set we own.
    unsafe { libc::syscall(libc::SYS_rt_sigpending, &mut set as *mut u64, 8usize) };
    sigmap::guest_set(set)
}

/// Connects host handlers running on the calling thread to its engine's
/// interrupt flag. Called by each guest thread before it runs.
pub fn init(interrupt: &Arc<AtomicBool>) {
    let raw = Arc::into_raw(interrupt.clone()) as *mut AtomicBool;
    INTERRUPT.with(|f| f.store(raw, Ordering::SeqCst));
}

/// Called when a guest thread ends (nothing to undo: its host thread's
/// pending signals go back to the process with it).
pub fn fini() {}

/// Ends the process the way guest signal `sig` would end a native one:
/// the host signal's default action, core dumps off (a guest crash must
/// not dump the emulator's memory).
pub fn die(sig: u32) -> ! {
    let host_sig = sigmap::host(sig).unwrap_or(libc::SIGKILL);
    let rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit with a struct we own.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &rl) };
    host_sigaction(host_sig, HostHandler::Default, 0);
    let set = bit(host_sig as u32);
    // SAFETY: unblocks the signal on this thread (raw: glibc's wrapper
    // would refuse 32 and 33) and sends it to this thread.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_UNBLOCK,
            &set as *const u64,
            std::ptr::null_mut::<u64>(),
            8usize,
        );
        libc::syscall(libc::SYS_tgkill, libc::getpid(), libc::gettid(), host_sig);
    }
    // Signals whose default action does not end the process (the caller
    // only asks for those that do) would get here.
    std::process::exit(128 + sig as i32)
}

/// Signals whose default action is to do nothing.
fn ignored_by_default(sig: u32) -> bool {
    matches!(sig, SIGCHLD | SIGCONT | SIGURG | SIGWINCH)
}

/// Signals whose default action dumps core, other than the fault signals
/// (whose host handler is always the emulator's): with the guest's default
/// action the emulator still catches them and ends the process itself
/// ([`die`]), so that the host does not dump the emulator's memory.
const DUMPS_CORE: [u32; 5] = [SIGQUIT, SIGABRT, SIGSYS, SIGXCPU, SIGXFSZ];

/// Signals the core raises itself (faults), whose host handler is the
/// emulator's own (`hostfault.rs`).
pub fn synchronous(sig: u32) -> bool {
    matches!(sig, SIGSEGV | SIGBUS | SIGILL | SIGTRAP | SIGFPE)
}

/// What a fault or a self-sent signal carries (the simple cases).
#[derive(Clone, Copy, Debug, Default)]
pub struct Info {
    /// `si_code`.
    pub code: i32,
    /// `si_pid` or `si_addr`, by signal.
    pub addr_or_pid: u32,
    /// `si_uid`.
    pub uid: u32,
}

/// A pending signal's siginfo as the guest sees it: `si_code` and the
/// union words (offsets 12..32 of the ARM `siginfo_t`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigInfo {
    /// `si_code`.
    pub code: i32,
    /// The union, in guest words.
    pub words: [u32; siginfo::UNION_WORDS],
}

impl From<Info> for SigInfo {
    fn from(i: Info) -> SigInfo {
        SigInfo {
            code: i.code,
            words: [i.addr_or_pid, i.uid, 0, 0, 0],
        }
    }
}

/// Guest signals that some child's exit notifies (clone's exit signal,
/// when not SIGCHLD).
static EXIT_SIGNALS: AtomicU64 = AtomicU64::new(0);

/// Records that a child of this process notifies its exit with guest
/// signal `sig`: its siginfo then carries the child's pid, uid and status
/// like SIGCHLD's (a 32-bit ARM kernel copies that union member as it is;
/// the kernel's layout table, which conversions follow, only knows it for
/// SIGCHLD).
pub fn note_exit_signal(sig: u32) {
    if (1..=sigmap::NSIG).contains(&sig) && sig != SIGCHLD {
        EXIT_SIGNALS.fetch_or(bit(sig), Ordering::SeqCst);
    }
}

/// The siginfo union member of guest signal `sig` with code `code`.
fn info_layout(sig: u32, code: i32) -> siginfo::Layout {
    // CLD_EXITED..=CLD_CONTINUED.
    if (1..=6).contains(&code)
        && (1..=sigmap::NSIG).contains(&sig)
        && EXIT_SIGNALS.load(Ordering::Relaxed) & bit(sig) != 0
    {
        return siginfo::Layout::Chld;
    }
    siginfo::layout(sig, code)
}

/// Index of SIGCHLD's `si_status` among the union words.
const STATUS_WORD: usize = ((siginfo::STATUS - siginfo::GUEST_UNION) / 4) as usize;

impl SigInfo {
    /// kill()-style information: sender pid and uid.
    pub fn sender(code: i32, pid: u32, uid: u32) -> SigInfo {
        SigInfo {
            code,
            words: [pid, uid, 0, 0, 0],
        }
    }

    /// Reads a host `siginfo_t` of guest signal `sig` (async-signal-safe:
    /// plain loads).
    ///
    /// # Safety
    /// `p` must point to 128 readable bytes.
    pub unsafe fn from_host_raw(sig: u32, p: *const u8) -> SigInfo {
        // SAFETY: the caller guarantees 128 readable bytes; every offset
        // read is inside them (asserted by the syscalls crate's tests).
        unsafe {
            let code = std::ptr::read_unaligned(p.add(8) as *const i32);
            let layout = info_layout(sig, code);
            let mut words = [0u32; siginfo::UNION_WORDS];
            for &(g, h, size) in siginfo::fields(layout) {
                let v = if size == 8 {
                    std::ptr::read_unaligned(p.add(h as usize) as *const u64) as u32
                } else {
                    std::ptr::read_unaligned(p.add(h as usize) as *const u32)
                };
                words[((g - siginfo::GUEST_UNION) / 4) as usize] = v;
            }
            if layout == siginfo::Layout::Chld {
                words[STATUS_WORD] = sigmap::child_status(code, words[STATUS_WORD], true);
            }
            SigInfo { code, words }
        }
    }

    /// Reads a host `siginfo_t` of guest signal `sig`.
    pub fn from_host(sig: u32, si: &libc::siginfo_t) -> SigInfo {
        // SAFETY: a siginfo_t is 128 bytes.
        unsafe { SigInfo::from_host_raw(sig, si as *const libc::siginfo_t as *const u8) }
    }

    /// Reads a guest `siginfo_t` (rt_sigqueueinfo's argument).
    pub fn from_guest(b: &[u8]) -> SigInfo {
        let w = |off: usize| {
            b.get(off..off + 4)
                .map_or(0, |x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
        };
        let mut words = [0u32; siginfo::UNION_WORDS];
        for (i, v) in words.iter_mut().enumerate() {
            *v = w(siginfo::GUEST_UNION as usize + 4 * i);
        }
        SigInfo {
            code: w(siginfo::CODE as usize) as i32,
            words,
        }
    }

    /// The guest `siginfo_t` (128 bytes) for guest signal `sig`.
    pub fn to_guest(self, sig: u32) -> [u8; 128] {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&sig.to_le_bytes());
        b[8..12].copy_from_slice(&self.code.to_le_bytes());
        // Only the words the layout defines (the rest of the union is
        // padding the kernel clears).
        for &(g, _, _) in siginfo::fields(info_layout(sig, self.code)) {
            let v = self.words[((g - siginfo::GUEST_UNION) / 4) as usize];
            b[g as usize..g as usize + 4].copy_from_slice(&v.to_le_bytes());
        }
        b
    }

    /// The host `siginfo_t` bytes for guest signal `sig` (for queueing it
    /// on the host): the host signal number, guest pointers and longs
    /// zero-extended.
    pub fn to_host(self, sig: u32) -> [u8; 128] {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&sigmap::host_or_raw(sig).to_le_bytes());
        b[8..12].copy_from_slice(&self.code.to_le_bytes());
        let layout = info_layout(sig, self.code);
        for &(g, h, size) in siginfo::fields(layout) {
            let i = ((g - siginfo::GUEST_UNION) / 4) as usize;
            let mut v = self.words[i];
            if layout == siginfo::Layout::Chld && i == STATUS_WORD {
                v = sigmap::child_status(self.code, v, false);
            }
            let h = h as usize;
            if size == 8 {
                b[h..h + 8].copy_from_slice(&(v as u64).to_le_bytes());
            } else {
                b[h..h + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        b
    }
}

/// A guest system call interrupted by a signal where Linux would restart
/// it: what restarting takes.
#[derive(Clone, Copy, Debug)]
pub struct Restart {
    /// The call's first argument (r0 now holds -EINTR).
    pub r0: u32,
    /// Bytes back from pc to the SVC instruction.
    pub svc_len: u32,
}

/// The guest's signal state.
pub struct Signals {
    /// Actions by signal number (index 0 unused), shared by all threads.
    actions: Arc<Mutex<[KSigaction; 65]>>,
    /// Blocked signals.
    pub mask: u64,
    /// Signals with an instance queued here (not in the host kernel).
    pending: u64,
    /// The instances by signal, oldest first: at most one of a standard
    /// signal, every one of a real-time signal.
    queued: Vec<VecDeque<SigInfo>>,
    /// The alternate stack: (sp, size, flags).
    pub altstack: (u32, u32, u32),
    /// The mask to restore after a handler when a sigsuspend replaced it.
    pub saved_mask: Option<u64>,
    /// The guest call to restart, or to fail with EINTR if a handler
    /// without SA_RESTART runs (see the module documentation).
    pub restart: Option<Restart>,
    /// The host thread's blocked mask as last set (host numbering).
    host_mask: u64,
    /// Log each signal delivered to a handler (-strace).
    pub strace: bool,
    /// Log each signal delivered, with the interrupted pc (`-d int`).
    pub log_int: bool,
    /// A debugger (`-g`) sees each signal before it is delivered: it is
    /// held here ([`Outcome::Held`]) until the debugger passes or drops
    /// it ([`Signals::release_held`]).
    pub debugger: bool,
    held: Option<(u32, SigInfo)>,
}

impl Default for Signals {
    fn default() -> Self {
        Signals {
            actions: Arc::new(Mutex::new([KSigaction::default(); 65])),
            mask: 0,
            pending: 0,
            queued: vec![VecDeque::new(); 65],
            altstack: (0, 0, SS_DISABLE),
            saved_mask: None,
            restart: None,
            host_mask: 0,
            strace: false,
            log_int: false,
            debugger: false,
            held: None,
        }
    }
}

/// What the main loop must do after trying to deliver.
pub enum Outcome {
    /// Carry on running the guest.
    Continue,
    /// The process dies by this signal (default action).
    Die(u32),
    /// This signal waits for the debugger ([`Signals::debugger`]).
    Held(u32),
}

impl Signals {
    /// Takes over what execve handed this process: the blocked mask
    /// (which stays on the host thread, less the signals the emulator
    /// must not block) and ignored signals. Called before the emulator
    /// installs its own fault handlers.
    pub fn inherit_from_host(&mut self) {
        {
            let mut actions = self.actions.lock().unwrap_or_else(|e| e.into_inner());
            for sig in 1..=sigmap::NSIG {
                if sigmap::host(sig).is_some_and(host_ignored) {
                    actions[sig as usize].handler = SIG_IGN;
                }
            }
        }
        let mut cur = 0u64;
        // SAFETY: reads the thread's mask into an 8-byte set we own.
        unsafe {
            libc::syscall(
                libc::SYS_rt_sigprocmask,
                libc::SIG_SETMASK,
                std::ptr::null::<u64>(),
                &mut cur as *mut u64,
                8usize,
            )
        };
        self.mask = sigmap::guest_set(cur) & !UNBLOCKABLE;
        self.host_mask = cur;
        // The host C library's own signals get the guest's dispositions,
        // and the emulator ends the process itself for those that dump
        // core.
        self.reclaim_runtime_signals();
        self.reinstall(&DUMPS_CORE);
        self.sync_host_mask();
    }

    /// The action for `sig`.
    pub fn action(&self, sig: u32) -> KSigaction {
        self.actions.lock().unwrap_or_else(|e| e.into_inner())[sig as usize]
    }

    /// The signal state of a new thread: the same actions and mask,
    /// nothing pending, no alternate stack. (Its host thread inherits the
    /// creating thread's host mask.)
    pub fn for_new_thread(&self) -> Signals {
        Signals {
            actions: self.actions.clone(),
            mask: self.mask,
            host_mask: self.host_mask,
            strace: self.strace,
            log_int: self.log_int,
            ..Signals::default()
        }
    }

    /// The signal state of a process made by clone with CLONE_VM but not
    /// CLONE_THREAD: a copy of the actions (shared only with
    /// CLONE_SIGHAND), the creating thread's mask, nothing pending.
    pub fn for_new_process(&self, share_actions: bool) -> Signals {
        let actions = if share_actions {
            self.actions.clone()
        } else {
            let copy = *self.actions.lock().unwrap_or_else(|e| e.into_inner());
            Arc::new(Mutex::new(copy))
        };
        Signals {
            actions,
            ..self.for_new_thread()
        }
    }

    /// Puts the host thread's mask back to the guest's: for a fork child
    /// or a new thread, which inherit the creating thread's host mask
    /// with any signal the host handler had just left blocked.
    pub fn reset_host_mask(&mut self) {
        self.host_mask = self.host_want();
        set_host_mask(self.host_mask);
    }

    /// Records a new action and mirrors it on the host.
    pub fn set_action(&mut self, sig: u32, act: KSigaction) {
        // The host disposition changes under the lock too, so that the
        // host's and the table's agree whatever other threads do.
        let mut actions = self.actions.lock().unwrap_or_else(|e| e.into_inner());
        actions[sig as usize] = act;
        install_host_action(sig, &act);
    }

    /// Installs the host dispositions of `sigs` from the guest's actions.
    fn reinstall(&self, sigs: &[u32]) {
        let actions = self.actions.lock().unwrap_or_else(|e| e.into_inner());
        for &sig in sigs {
            install_host_action(sig, &actions[sig as usize]);
        }
    }

    /// Installs the guest's dispositions of the signals the host C
    /// library keeps for itself (32 and 33) again: glibc installs its
    /// SIGSETXID handler when the process creates its first thread (and
    /// after a fork), so each thread creation calls this (with the host
    /// signals blocked meanwhile: see `process.rs`).
    pub fn reclaim_runtime_signals(&self) {
        self.reinstall(&RUNTIME_SIGNALS);
    }

    /// Makes `sig` pending with `info`: another instance of a real-time
    /// signal, nothing new for a standard signal already pending (Linux
    /// keeps the first).
    pub fn queue(&mut self, sig: u32, info: SigInfo) {
        if !(1..=sigmap::NSIG).contains(&sig) {
            return;
        }
        let q = &mut self.queued[sig as usize];
        if sig >= SIGRTMIN || q.is_empty() {
            q.push_back(info);
        }
        self.pending |= bit(sig);
    }

    /// Forgets every pending signal (a fork child has none).
    pub fn clear_pending(&mut self) {
        for q in &mut self.queued {
            q.clear();
        }
        self.pending = 0;
    }

    /// Takes the signals host handlers caught into the pending set, and
    /// unblocks them on the host again (the handler left them blocked).
    pub fn take_host_pending(&mut self) {
        if self.take_caught() {
            self.set_host_want(true);
        }
    }

    /// Takes the signals host handlers caught into the pending set, in
    /// the order they arrived, leaving the host mask alone (for callers
    /// that set it themselves); returns whether there were any.
    pub fn take_caught(&mut self) -> bool {
        let head = HEAD.with(|h| h.load(Ordering::SeqCst));
        let tail = TAIL.with(|t| t.load(Ordering::SeqCst));
        if head == tail {
            return false;
        }
        let mut i = head;
        while i != tail {
            let (sig, info) = CAUGHT.with(|ring| {
                let slot = &ring[i % RING];
                let mut words = [0u32; siginfo::UNION_WORDS];
                for (v, w) in words.iter_mut().zip(&slot.words) {
                    *v = w.load(Ordering::SeqCst);
                }
                let info = SigInfo {
                    code: slot.code.load(Ordering::SeqCst) as i32,
                    words,
                };
                (slot.sig.load(Ordering::SeqCst), info)
            });
            self.queue(sig, info);
            i = i.wrapping_add(1);
        }
        HEAD.with(|h| h.store(tail, Ordering::SeqCst));
        true
    }

    /// Pending signals queued here (the host kernel may hold more: see
    /// [`host_pending`]).
    pub fn all_pending(&self) -> u64 {
        self.pending
    }

    /// Takes the oldest pending instance of `sig` out of this thread's
    /// queues; returns what it carries.
    pub fn take(&mut self, sig: u32) -> Option<SigInfo> {
        if self.pending & bit(sig) == 0 {
            return None;
        }
        let q = &mut self.queued[sig as usize];
        let info = q.pop_front();
        if q.is_empty() {
            self.pending &= !bit(sig);
        }
        info
    }

    /// Whether an unblocked signal is pending.
    pub fn deliverable(&self) -> bool {
        self.pending & !self.mask != 0
    }

    /// The host mask this thread should have (host numbering): the
    /// guest's, plus the signals with an instance queued here. Their next
    /// instances wait in the host kernel until that one is delivered: a
    /// real-time signal's in order behind it, a standard signal's merged
    /// there as Linux merges it (a signal pending in the thread's queue and
    /// in the process's is delivered twice).
    pub fn host_want(&self) -> u64 {
        sigmap::host_set((self.mask | self.pending) & !UNBLOCKABLE) & HOST_BLOCKABLE
    }

    /// Sets the host mask to [`Signals::host_want`] plus `extra` (host
    /// numbering): for calls that keep more signals from the host handler
    /// for a while (sigtimedwait). [`Signals::apply_host_mask`] ends it.
    pub fn block_on_host(&mut self, extra: u64) {
        let want = (self.host_want() | extra) & HOST_BLOCKABLE;
        set_host_mask(want);
        self.host_mask = want;
    }

    /// Takes in what the host handler caught, then makes the host
    /// thread's mask [`Signals::host_want`]. (Signals that the new mask
    /// lets through arrive during the call, and wait in the ring, blocked,
    /// for the next take.)
    pub fn apply_host_mask(&mut self) {
        let taken = self.take_caught();
        self.set_host_want(taken);
    }

    /// Sets the host mask to [`Signals::host_want`] if that changed, or
    /// always after a take (the handler left the signals it caught blocked
    /// behind the recorded mask's back).
    fn set_host_want(&mut self, force: bool) {
        let want = self.host_want();
        if force || want != self.host_mask {
            set_host_mask(want);
            self.host_mask = want;
        }
    }

    /// Makes the host thread's mask match the guest's, then hands signals
    /// queued here that are now blocked to the host kernel's queue, where
    /// signalfd, sigtimedwait, sigpending and other threads see them. A
    /// real-time signal of which the host already holds instances (which
    /// came later) stays here, to keep the order; sigtimedwait and
    /// sigpending look here too.
    pub fn sync_host_mask(&mut self) {
        self.apply_host_mask();
        // Signals the new mask let through arrived during the call.
        self.take_host_pending();
        let mut blocked = self.pending & self.mask & sigmap::guest_set(HOST_BLOCKABLE);
        if blocked == 0 {
            return;
        }
        let in_host = host_pending();
        while blocked != 0 {
            let sig = blocked.trailing_zeros() + 1;
            blocked &= blocked - 1;
            if sig >= SIGRTMIN && in_host & bit(sig) != 0 {
                continue;
            }
            let Some(host_sig) = sigmap::host(sig) else {
                continue;
            };
            while let Some(&info) = self.queued[sig as usize].front() {
                let host = info.to_host(sig);
                // SAFETY: plain ids and a 128-byte siginfo we own;
                // queueing to our own thread group is allowed for any
                // si_code.
                let r = unsafe {
                    libc::syscall(
                        libc::SYS_rt_tgsigqueueinfo,
                        libc::getpid(),
                        libc::gettid(),
                        host_sig,
                        host.as_ptr(),
                    )
                };
                if r != 0 {
                    break;
                }
                self.take(sig);
            }
        }
    }

    /// Waits until a signal the guest handles arrives while `temp` is the
    /// blocked mask (sigsuspend, pause): the host thread blocks everything
    /// while it checks what is already queued, then sleeps in the host's
    /// rt_sigsuspend with `temp`, which returns once the host handler ran.
    pub fn suspend(&mut self, temp: u64) {
        set_host_mask(HOST_BLOCKABLE);
        loop {
            self.take_caught();
            if self.pending & !temp != 0 {
                break;
            }
            let set = sigmap::host_set(temp) & HOST_BLOCKABLE;
            // SAFETY: an 8-byte set we own; returns after a handler ran.
            unsafe { libc::syscall(libc::SYS_rt_sigsuspend, &set as *const u64, 8usize) };
        }
        self.set_host_want(true);
    }

    /// Runs a host call that takes a temporary blocked mask (ppoll,
    /// pselect6, epoll_pwait): `call` gets the host mask to pass (null
    /// without one) and returns the host result, errno set. Interrupted by
    /// a signal the temporary mask lets through, the guest's handler runs
    /// with that mask and sigreturn restores the old one, as in Linux.
    /// Returns the result or a negative errno.
    pub fn with_temp_mask(
        &mut self,
        temp: Option<u64>,
        call: impl FnOnce(*const u64) -> i64,
    ) -> i64 {
        let run = |mask: *const u64| {
            let r = call(mask);
            if r < 0 {
                -(crate::syscall::errno() as i64)
            } else {
                r
            }
        };
        let Some(temp) = temp else {
            return run(std::ptr::null());
        };
        let temp = temp & !UNBLOCKABLE;
        self.take_host_pending();
        let r = if self.pending & !temp != 0 {
            // Already pending: the kernel returns before waiting.
            -(libc::EINTR as i64)
        } else {
            run(&(sigmap::host_set(temp) & HOST_BLOCKABLE))
        };
        if r == -(libc::EINTR as i64) {
            self.take_host_pending();
            if self.pending & !temp != 0 {
                self.saved_mask = Some(self.mask);
                self.mask = temp;
            }
        }
        r
    }

    /// A fault the core raised: delivered now if the guest handles it,
    /// else (blocked, ignored or default) the process dies, as Linux's
    /// force_sig does.
    pub fn force(&mut self, sig: u32, info: Info) -> bool {
        let act = self.action(sig);
        if self.mask & bit(sig) != 0 || act.handler == SIG_DFL || act.handler == SIG_IGN {
            return false;
        }
        self.queue(sig, info.into());
        true
    }

    /// Delivers every deliverable pending signal: handlers get a frame
    /// each (the last one delivered runs first), default actions are
    /// applied. A system call interrupted where Linux would restart it
    /// ([`Signals::restart`]) is restarted after the first handler if that
    /// handler has SA_RESTART, and fails with EINTR if it has not.
    pub fn deliver(&mut self, cpu: &mut CpuState, space: &GuestSpace) -> Outcome {
        while let Some(sig) = {
            let ready = self.pending & !self.mask;
            (ready != 0).then(|| ready.trailing_zeros() + 1)
        } {
            let Some(info) = self.take(sig) else {
                continue;
            };
            if self.debugger && self.action(sig).handler != SIG_IGN {
                self.held = Some((sig, info));
                return Outcome::Held(sig);
            }
            if let Some(die) = self.deliver_one(sig, info, cpu, space) {
                return die;
            }
        }
        self.finish_delivery(cpu);
        Outcome::Continue
    }

    /// The debugger's answer for the held signal: `pass` is delivered (the
    /// held signal with its siginfo, or another one the debugger chose, as
    /// sent by the kernel), `None` drops it.
    pub fn release_held(
        &mut self,
        pass: Option<u32>,
        cpu: &mut CpuState,
        space: &GuestSpace,
    ) -> Outcome {
        let Some((held, info)) = self.held.take() else {
            return Outcome::Continue;
        };
        if let Some(sig) = pass.filter(|s| (1..=sigmap::NSIG).contains(s)) {
            let info = if sig == held {
                info
            } else {
                SigInfo {
                    code: siginfo::SI_KERNEL,
                    words: Default::default(),
                }
            };
            if self.action(sig).handler != SIG_IGN {
                if let Some(die) = self.deliver_one(sig, info, cpu, space) {
                    return die;
                }
            }
        }
        self.finish_delivery(cpu);
        Outcome::Continue
    }

    /// Puts the held signal back in front of its queue (the debugger
    /// reported another thread's stop first, or went away).
    pub fn requeue_held(&mut self) {
        if let Some((sig, info)) = self.held.take() {
            self.queued[sig as usize].push_front(info);
            self.pending |= bit(sig);
        }
    }

    /// Delivers one signal taken from the queue: a handler's frame, or the
    /// default action (`Some` if it kills).
    fn deliver_one(
        &mut self,
        sig: u32,
        info: SigInfo,
        cpu: &mut CpuState,
        space: &GuestSpace,
    ) -> Option<Outcome> {
        let act = self.action(sig);
        if self.log_int {
            rsemu_core::log!(
                "int: signal {} (si_code {}) at pc 0x{:08x}: {}",
                rsemu_syscalls::flags::signal::name(sig).unwrap_or_default(),
                info.code,
                cpu.r[15],
                match act.handler {
                    SIG_IGN => "ignored".to_string(),
                    SIG_DFL => "default action".to_string(),
                    h => format!("handler 0x{h:08x}"),
                }
            );
        }
        match act.handler {
            SIG_IGN => return None,
            SIG_DFL if ignored_by_default(sig) => return None,
            SIG_DFL => return Some(Outcome::Die(sig)),
            _ => {}
        }
        if let Some(r) = self.restart.take() {
            if act.flags & SA_RESTART != 0 {
                cpu.r[0] = r.r0;
                cpu.r[15] = cpu.r[15].wrapping_sub(r.svc_len);
            }
        }
        if self.strace {
            // As strace shows a signal: its name, code and sender.
            // SAFETY: getpid cannot fail.
            let pid = unsafe { libc::getpid() };
            let name = rsemu_syscalls::flags::signal::name(sig).unwrap_or_default();
            rsemu_core::log!(
                "{pid} --- {name} {{si_signo={name}, si_code={}, si_pid={}}} ---",
                rsemu_syscalls::strace::si_code(info.code),
                info.words[0]
            );
        }
        if setup_frame(self, cpu, space, sig, &act, &info).is_err() {
            // No room for the frame: the kernel kills with SIGSEGV.
            return Some(Outcome::Die(SIGSEGV));
        }
        if act.flags & SA_RESETHAND != 0 {
            self.set_action(sig, KSigaction::default());
        }
        let mut block = act.mask;
        if act.flags & SA_NODEFER == 0 {
            block |= bit(sig);
        }
        self.mask |= block & !UNBLOCKABLE;
        None
    }

    /// After delivery: a temporary mask (sigsuspend, ppoll...) whose
    /// signal ran no handler is dropped, as the kernel's
    /// restore_saved_sigmask; an interrupted call no handler ran for
    /// restarts.
    fn finish_delivery(&mut self, cpu: &mut CpuState) {
        if let Some(old) = self.saved_mask.take() {
            self.mask = old;
        }
        self.finish_restart(cpu);
        self.sync_host_mask();
    }

    /// A call interrupted where Linux would restart it, and no handler ran
    /// (the signal was ignored, or is blocked now): it runs again.
    pub fn finish_restart(&mut self, cpu: &mut CpuState) {
        if let Some(r) = self.restart.take() {
            cpu.r[0] = r.r0;
            cpu.r[15] = cpu.r[15].wrapping_sub(r.svc_len);
        }
    }
}

/// Mirrors guest action `act` of `sig` on the host: the host handler for
/// a handled signal (always with SA_RESTART: see the module
/// documentation) and for a default action that dumps core, else the
/// default action or ignore. The fault signals keep the emulator's own
/// handler, which hands sent ones to the guest.
fn install_host_action(sig: u32, act: &KSigaction) {
    if synchronous(sig) || sig == SIGKILL || sig == SIGSTOP {
        return;
    }
    let Some(host_sig) = sigmap::host(sig) else {
        return;
    };
    let handler = match act.handler {
        SIG_DFL if DUMPS_CORE.contains(&sig) => HostHandler::Function(host_handler),
        SIG_DFL => HostHandler::Default,
        SIG_IGN => HostHandler::Ignore,
        _ => HostHandler::Function(host_handler),
    };
    let mut flags = libc::SA_RESTART as u64;
    // Child notification and reaping are the host kernel's job.
    if act.flags & SA_NOCLDSTOP != 0 {
        flags |= libc::SA_NOCLDSTOP as u64;
    }
    if act.flags & SA_NOCLDWAIT != 0 {
        flags |= libc::SA_NOCLDWAIT as u64;
    }
    host_sigaction(host_sig, handler, flags);
}

fn put(frame: &mut [u8], off: u32, v: u32) {
    frame[off as usize..off as usize + 4].copy_from_slice(&v.to_le_bytes());
}

fn get(frame: &[u8], off: u32) -> u32 {
    u32::from_le_bytes(frame[off as usize..off as usize + 4].try_into().unwrap())
}

/// Builds an `rt_sigframe` on the guest stack and points the CPU at the
/// handler (r0 = signal, r1 = &info, r2 = &ucontext, lr = restorer).
fn setup_frame(
    sigs: &mut Signals,
    cpu: &mut CpuState,
    space: &GuestSpace,
    sig: u32,
    act: &KSigaction,
    info: &SigInfo,
) -> Result<(), i32> {
    let (ss_sp, ss_size, ss_flags) = sigs.altstack;
    let sp = cpu.r[13];
    let on_altstack = ss_flags & SS_DISABLE == 0 && sp.wrapping_sub(ss_sp) < ss_size;
    let top = if act.flags & SA_ONSTACK != 0 && ss_flags & SS_DISABLE == 0 && !on_altstack {
        ss_sp.wrapping_add(ss_size)
    } else {
        sp
    };
    let base = top.wrapping_sub(sigframe::FRAME_SIZE) & !7;
    let mut f = vec![0u8; sigframe::FRAME_SIZE as usize];
    // siginfo
    f[..sigframe::SIGINFO_SIZE as usize].copy_from_slice(&info.to_guest(sig));
    // ucontext
    put(&mut f, sigframe::UC_STACK, ss_sp);
    put(
        &mut f,
        sigframe::UC_STACK + 4,
        if on_altstack { SS_ONSTACK } else { ss_flags },
    );
    put(&mut f, sigframe::UC_STACK + 8, ss_size);
    for r in 0..16 {
        put(&mut f, sigframe::SC_R0 + 4 * r as u32, cpu.r[r]);
    }
    put(&mut f, sigframe::SC_CPSR, cpu.cpsr());
    if synchronous(sig) {
        put(&mut f, sigframe::SC_FAULT_ADDRESS, info.words[0]);
    }
    let old_mask = sigs.saved_mask.take().unwrap_or(sigs.mask);
    put(&mut f, sigframe::SC_OLDMASK, old_mask as u32);
    put(&mut f, sigframe::UC_SIGMASK, old_mask as u32);
    put(&mut f, sigframe::UC_SIGMASK + 4, (old_mask >> 32) as u32);
    let vfp = sigframe::UC_REGSPACE;
    put(&mut f, vfp, sigframe::VFP_MAGIC);
    put(&mut f, vfp + 4, sigframe::VFP_SIZE);
    for (i, d) in cpu.d.iter().enumerate() {
        let off = (vfp + sigframe::VFP_FPREGS) as usize + 8 * i;
        f[off..off + 8].copy_from_slice(&d.to_le_bytes());
    }
    put(&mut f, vfp + sigframe::VFP_FPSCR, cpu.fpscr);
    put(&mut f, vfp + sigframe::VFP_FPEXC, 0x4000_0000);
    space.write_bytes(base, &f)?;

    let restorer = if act.flags & SA_RESTORER != 0 {
        act.restorer
    } else if act.handler & 1 != 0 {
        SIGRETURN_T32 | 1
    } else {
        SIGRETURN_A32
    };
    cpu.r[0] = sig;
    cpu.r[1] = base + siginfo::SIGNO;
    cpu.r[2] = base + sigframe::UC;
    cpu.r[13] = base;
    cpu.r[14] = restorer;
    cpu.r[15] = act.handler & !1;
    cpu.thumb = act.handler & 1 != 0;
    cpu.itstate = 0;
    Ok(())
}

/// `rt_sigreturn`: restores the context saved by [`setup_frame`] from the
/// frame at sp.
pub fn sigreturn(sigs: &mut Signals, cpu: &mut CpuState, space: &GuestSpace) -> Result<(), i32> {
    let base = cpu.r[13];
    let f = space.slice(base, sigframe::FRAME_SIZE)?.to_vec();
    for r in 0..16 {
        cpu.r[r] = get(&f, sigframe::SC_R0 + 4 * r as u32);
    }
    let cpsr = get(&f, sigframe::SC_CPSR);
    cpu.set_cpsr(cpsr);
    if cpu.thumb {
        cpu.r[15] &= !1;
    } else {
        cpu.r[15] &= !3;
    }
    let mask =
        get(&f, sigframe::UC_SIGMASK) as u64 | (get(&f, sigframe::UC_SIGMASK + 4) as u64) << 32;
    sigs.mask = mask & !UNBLOCKABLE;
    let vfp = sigframe::UC_REGSPACE;
    if get(&f, vfp) == sigframe::VFP_MAGIC {
        for i in 0..32 {
            let off = (vfp + sigframe::VFP_FPREGS) as usize + 8 * i;
            cpu.d[i] = u64::from_le_bytes(f[off..off + 8].try_into().unwrap());
        }
        cpu.fpscr = get(&f, vfp + sigframe::VFP_FPSCR);
    }
    // Signals the restored mask unblocks arrive from the host now.
    sigs.sync_host_mask();
    Ok(())
}

/// The return trampolines placed in the kuser page (see `load.rs`).
pub fn trampolines() -> [(u32, Vec<u8>); 2] {
    let mut a32 = Vec::new();
    a32.extend_from_slice(&0xe3a0_70adu32.to_le_bytes()); // mov r7, #173
    a32.extend_from_slice(&0xef00_0000u32.to_le_bytes()); // svc 0
    let mut t32 = Vec::new();
    t32.extend_from_slice(&0x27adu16.to_le_bytes()); // movs r7, #173
    t32.extend_from_slice(&0xdf00u16.to_le_bytes()); // svc 0
    [(SIGRETURN_A32, a32), (SIGRETURN_T32, t32)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siginfo_converts_between_host_and_guest_layouts() {
        // kill(): pid and uid at 12/16 in the guest, 16/20 on the host.
        let k = SigInfo::sender(siginfo::SI_USER, 1234, 1000);
        let h = k.to_host(SIGUSR1);
        assert_eq!(&h[16..24], &[0xd2, 0x04, 0, 0, 0xe8, 0x03, 0, 0]);
        // SAFETY: h is 128 bytes.
        assert_eq!(unsafe { SigInfo::from_host_raw(SIGUSR1, h.as_ptr()) }, k);
        let g = k.to_guest(SIGUSR1);
        assert_eq!(&g[0..4], &10u32.to_le_bytes());
        assert_eq!(&g[12..20], &[0xd2, 0x04, 0, 0, 0xe8, 0x03, 0, 0]);
        assert_eq!(SigInfo::from_guest(&g), k);

        // SIGCHLD: status at 20 (guest) / 24 (host), clock_t utime and
        // stime 4 bytes at 24/28 in the guest, 8 bytes at 32/40 on the host.
        let c = SigInfo {
            code: siginfo::CLD_EXITED,
            words: [77, 0, 7, 3, 4],
        };
        let h = c.to_host(SIGCHLD);
        assert_eq!(h[24], 7);
        assert_eq!(h[32], 3);
        assert_eq!(h[40], 4);
        // SAFETY: h is 128 bytes.
        assert_eq!(unsafe { SigInfo::from_host_raw(SIGCHLD, h.as_ptr()) }, c);
        let g = c.to_guest(SIGCHLD);
        assert_eq!((g[20], g[24], g[28]), (7, 3, 4));

        // sigqueue(): the value follows pid and uid.
        let q = SigInfo {
            code: siginfo::SI_QUEUE,
            words: [5, 6, 4242, 0, 0],
        };
        assert_eq!(&q.to_host(SIGUSR2)[24..28], &4242u32.to_le_bytes());
        assert_eq!(&q.to_guest(SIGUSR2)[20..24], &4242u32.to_le_bytes());

        // Faults: only the address is carried.
        let f: SigInfo = Info {
            code: siginfo::SEGV_MAPERR,
            addr_or_pid: 0x10,
            uid: 0,
        }
        .into();
        let g = f.to_guest(SIGSEGV);
        assert_eq!(&g[12..20], &[0x10, 0, 0, 0, 0, 0, 0, 0]);
    }
}
