//! Guest signals: actions, the blocked mask, pending signals, delivery on
//! an ARM `rt_sigframe`, `rt_sigreturn`, and the host handlers that turn
//! host signals into pending guest signals.
//!
//! Each guest thread runs on a host thread whose signal mask mirrors the
//! guest's (less the synchronous fault signals and glibc's internal 32 and
//! 33). So the host kernel does what Linux would do for the guest: a signal
//! the guest blocks stays pending in the host kernel, with its siginfo,
//! where a host signalfd, sigtimedwait or sigpending finds it; a
//! process-directed signal goes to a thread that does not block it; an
//! unblocked signal with the default action gets the host's default action.
//!
//! Signals the guest handles are caught by a tiny async-signal-safe host
//! handler that records the number and siginfo and raises the engine's
//! interrupt flag; the main loop then delivers at the next block boundary
//! (or after the system call the guest was in). Signals the guest sends to
//! itself while not blocking them, and faults the core reports (bad access,
//! undefined instruction, breakpoint), are queued here directly; a queued
//! signal that becomes blocked before delivery is handed back to the host
//! kernel's queue (`rt_tgsigqueueinfo`) so it stays visible there.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rsemu_core::CpuState;
use rsemu_syscalls::flags::signal::*;
use rsemu_syscalls::layout::KSigaction;
use rsemu_syscalls::sigframe::{self, siginfo};

use crate::memory::GuestSpace;

/// Per signal: `si_code` and the union words of the last caught instance.
type InfoSlots = [[AtomicU32; 1 + siginfo::UNION_WORDS]; 65];

thread_local! {
    /// Host signals this thread's handler caught and the thread has not
    /// yet taken into its guest pending set.
    static HOST_PENDING: AtomicU64 = const { AtomicU64::new(0) };
    /// Their siginfo (written before the pending bit is set).
    static HOST_INFO: InfoSlots =
        const { [const { [const { AtomicU32::new(0) }; 1 + siginfo::UNION_WORDS] }; 65] };
    /// This thread's engine interrupt flag, raised by the host handler.
    static INTERRUPT: AtomicPtr<AtomicBool> = const { AtomicPtr::new(std::ptr::null_mut()) };
}

/// Where the return trampolines live in the kuser page: `mov r7, #173;
/// svc 0` in A32 at +0, and `movs r7, #173; svc 0` in T32 at +8.
pub const SIGRETURN_A32: u32 = 0xffff_0f00;
/// The T32 trampoline.
pub const SIGRETURN_T32: u32 = 0xffff_0f08;

const fn bit(sig: u32) -> u64 {
    1 << (sig - 1)
}

/// Signals whose guest mask bit is mirrored on the host thread: all but
/// SIGKILL and SIGSTOP (which cannot be blocked), the synchronous fault
/// signals (the core raises those itself; a host one means an emulator
/// bug and must not wait) and glibc's internal 32 and 33 (the host C
/// library refuses them; the guest only sends them to itself).
pub const HOST_BLOCKABLE: u64 = !(bit(SIGKILL)
    | bit(SIGSTOP)
    | bit(SIGSEGV)
    | bit(SIGBUS)
    | bit(SIGILL)
    | bit(SIGTRAP)
    | bit(SIGFPE)
    | bit(32)
    | bit(33));

/// Signals that can never be blocked.
pub const UNBLOCKABLE: u64 = bit(SIGKILL) | bit(SIGSTOP);

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
    HOST_PENDING.with(|p| p.store(0, Ordering::SeqCst));
}

// Thread-locals with const initialisers and no destructor are plain TLS
// accesses, safe in a signal handler. The host picked this thread (the
// target of tgkill, or one not blocking a process-directed signal), so the
// signal is this thread's.
//
// The signal stays blocked on the host thread when the handler returns
// (its bit is added to the mask the kernel restores), until the thread
// takes it into the guest's pending set: a host timer firing faster than
// the guest can handle its signals (stress-ng's 1 MHz POSIX timer) would
// otherwise interrupt the thread without end and starve the guest.
extern "C" fn host_handler(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    if !ctx.is_null() {
        // SAFETY: the kernel passes the interrupted context to SA_SIGINFO
        // handlers; sigaddset only sets a bit of its saved mask.
        unsafe { libc::sigaddset(&mut (*(ctx as *mut libc::ucontext_t)).uc_sigmask, sig) };
    }
    let sig = sig as u32;
    if !(1..=64).contains(&sig) {
        return;
    }
    let si = if info.is_null() {
        SigInfo::default()
    } else {
        // SAFETY: the kernel passes a valid siginfo to SA_SIGINFO handlers.
        unsafe { SigInfo::from_host_raw(sig, info as *const u8) }
    };
    HOST_INFO.with(|slots| {
        let slot = &slots[sig as usize];
        slot[0].store(si.code as u32, Ordering::SeqCst);
        for (w, v) in slot[1..].iter().zip(si.words) {
            w.store(v, Ordering::SeqCst);
        }
    });
    HOST_PENDING.with(|p| p.fetch_or(bit(sig), Ordering::SeqCst));
    raise_flag(INTERRUPT.with(|f| f.load(Ordering::SeqCst)));
}

/// Sets the calling host thread's blocked mask (bit n-1 = signal n) to
/// the host-blockable part of `mask`; returns the previous host mask.
pub fn set_host_mask(mask: u64) -> u64 {
    let set = mask & HOST_BLOCKABLE;
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

/// Sets the host thread's mask to all of the guest's `mask` that the
/// host allows (fault signals included), for execve to hand on; returns
/// the previous mask, to put back if execve fails.
pub fn mask_for_exec(mask: u64) -> u64 {
    let set = mask & !UNBLOCKABLE & !(bit(32) | bit(33));
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

/// The signals pending in the host kernel for this thread and its process
/// (only blocked ones stay there).
pub fn host_pending() -> u64 {
    let mut set = 0u64;
    // SAFETY: rt_sigpending fills an 8-byte set we own.
    unsafe { libc::syscall(libc::SYS_rt_sigpending, &mut set as *mut u64, 8usize) };
    set
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

/// Signals whose default action is to do nothing.
fn ignored_by_default(sig: u32) -> bool {
    matches!(sig, SIGCHLD | SIGCONT | SIGURG | SIGWINCH)
}

/// Signals the core raises itself (faults): never handed to the host.
fn synchronous(sig: u32) -> bool {
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

impl SigInfo {
    /// kill()-style information: sender pid and uid.
    pub fn sender(code: i32, pid: u32, uid: u32) -> SigInfo {
        SigInfo {
            code,
            words: [pid, uid, 0, 0, 0],
        }
    }

    /// Reads a host `siginfo_t` (async-signal-safe: plain loads).
    ///
    /// # Safety
    /// `p` must point to 128 readable bytes.
    pub unsafe fn from_host_raw(sig: u32, p: *const u8) -> SigInfo {
        // SAFETY: the caller guarantees 128 readable bytes; every offset
        // read is inside them (asserted by the syscalls crate's tests).
        unsafe {
            let code = std::ptr::read_unaligned(p.add(8) as *const i32);
            let mut words = [0u32; siginfo::UNION_WORDS];
            for &(g, h, size) in siginfo::fields(siginfo::layout(sig, code)) {
                let v = if size == 8 {
                    std::ptr::read_unaligned(p.add(h as usize) as *const u64) as u32
                } else {
                    std::ptr::read_unaligned(p.add(h as usize) as *const u32)
                };
                words[((g - siginfo::GUEST_UNION) / 4) as usize] = v;
            }
            SigInfo { code, words }
        }
    }

    /// Reads a host `siginfo_t`.
    pub fn from_host(sig: u32, si: &libc::siginfo_t) -> SigInfo {
        // SAFETY: a siginfo_t is 128 bytes.
        unsafe { SigInfo::from_host_raw(sig, si as *const libc::siginfo_t as *const u8) }
    }

    /// Reads a guest `siginfo_t` (rt_sigqueueinfo's argument).
    pub fn from_guest(b: &[u8]) -> SigInfo {
        let w = |off: usize| u32::from_le_bytes(b[off..off + 4].try_into().unwrap());
        let mut words = [0u32; siginfo::UNION_WORDS];
        for (i, v) in words.iter_mut().enumerate() {
            *v = w(siginfo::GUEST_UNION as usize + 4 * i);
        }
        SigInfo {
            code: w(siginfo::CODE as usize) as i32,
            words,
        }
    }

    /// The guest `siginfo_t` (128 bytes) for signal `sig`.
    pub fn to_guest(self, sig: u32) -> [u8; 128] {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&sig.to_le_bytes());
        b[8..12].copy_from_slice(&self.code.to_le_bytes());
        // Only the words the layout defines (the rest of the union is
        // padding the kernel clears).
        for &(g, _, _) in siginfo::fields(siginfo::layout(sig, self.code)) {
            let v = self.words[((g - siginfo::GUEST_UNION) / 4) as usize];
            b[g as usize..g as usize + 4].copy_from_slice(&v.to_le_bytes());
        }
        b
    }

    /// The host `siginfo_t` bytes for signal `sig` (for queueing it on
    /// the host); guest pointers and longs are zero-extended.
    pub fn to_host(self, sig: u32) -> [u8; 128] {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&sig.to_le_bytes());
        b[8..12].copy_from_slice(&self.code.to_le_bytes());
        for &(g, h, size) in siginfo::fields(siginfo::layout(sig, self.code)) {
            let v = self.words[((g - siginfo::GUEST_UNION) / 4) as usize];
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

/// The guest's signal state.
pub struct Signals {
    /// Actions by signal number (index 0 unused), shared by all threads.
    actions: Arc<Mutex<[KSigaction; 65]>>,
    /// Blocked signals.
    pub mask: u64,
    /// Pending signals queued here (not in the host kernel).
    pub pending: u64,
    info: [SigInfo; 65],
    /// The alternate stack: (sp, size, flags).
    pub altstack: (u32, u32, u32),
    /// The mask to restore after a handler when a sigsuspend replaced it.
    pub saved_mask: Option<u64>,
    /// The host thread's blocked mask as last set (`mask & HOST_BLOCKABLE`
    /// once synchronised).
    host_mask: u64,
}

impl Default for Signals {
    fn default() -> Self {
        Signals {
            actions: Arc::new(Mutex::new([KSigaction::default(); 65])),
            mask: 0,
            pending: 0,
            info: [SigInfo::default(); 65],
            altstack: (0, 0, SS_DISABLE),
            saved_mask: None,
            host_mask: 0,
        }
    }
}

/// What the main loop must do after trying to deliver.
pub enum Outcome {
    /// Carry on running the guest.
    Continue,
    /// The process dies by this signal (default action).
    Die(u32),
}

impl Signals {
    /// Takes over what execve handed this process: the blocked mask
    /// (which stays on the host thread, less the signals the emulator
    /// must not block) and ignored signals.
    pub fn inherit_from_host(&mut self) {
        // SAFETY: queries into a sigaction struct we own.
        unsafe {
            let mut actions = self.actions.lock().unwrap_or_else(|e| e.into_inner());
            for sig in 1..=64u32 {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig as i32, std::ptr::null(), &mut old) == 0
                    && old.sa_sigaction == libc::SIG_IGN
                {
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
        self.mask = cur & !UNBLOCKABLE;
        self.host_mask = cur;
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
            ..Signals::default()
        }
    }

    /// Puts the host thread's mask back to the guest's: for a fork child
    /// or a new thread, which inherit the creating thread's host mask
    /// with any signal the host handler had just left blocked.
    pub fn reset_host_mask(&mut self) {
        self.host_mask = self.mask & HOST_BLOCKABLE;
        set_host_mask(self.host_mask);
    }

    /// Records a new action and mirrors it on the host.
    pub fn set_action(&mut self, sig: u32, act: KSigaction) {
        self.actions.lock().unwrap_or_else(|e| e.into_inner())[sig as usize] = act;
        // glibc's internal real-time signals (32, 33) are not handed to the
        // host; the guest can still send them to itself.
        if synchronous(sig) || sig == 32 || sig == 33 || sig > 64 {
            return;
        }
        // SAFETY: installs a disposition for a signal the emulator itself
        // does not use; the handler only touches atomics.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = match act.handler {
                SIG_DFL => libc::SIG_DFL,
                SIG_IGN => libc::SIG_IGN,
                _ => {
                    host_handler
                        as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
                        as usize
                }
            };
            sa.sa_flags |= libc::SA_SIGINFO;
            if act.flags & SA_RESTART != 0 {
                sa.sa_flags |= libc::SA_RESTART;
            }
            // Child notification and reaping are the host kernel's job.
            if act.flags & SA_NOCLDSTOP != 0 {
                sa.sa_flags |= libc::SA_NOCLDSTOP;
            }
            if act.flags & SA_NOCLDWAIT != 0 {
                sa.sa_flags |= libc::SA_NOCLDWAIT;
            }
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig as i32, &sa, std::ptr::null_mut());
        }
    }

    /// Makes `sig` pending with `info`.
    pub fn queue(&mut self, sig: u32, info: SigInfo) {
        if (1..=64).contains(&sig) {
            self.pending |= bit(sig);
            self.info[sig as usize] = info;
        }
    }

    /// Takes the signals host handlers caught into the pending set, and
    /// unblocks them on the host again (the handler left them blocked).
    pub fn take_host_pending(&mut self) {
        if self.take_caught() {
            set_host_mask(self.host_mask);
        }
    }

    /// Takes the signals host handlers caught into the pending set,
    /// leaving the host mask alone (for callers that set it themselves);
    /// returns whether there were any.
    pub fn take_caught(&mut self) -> bool {
        let mut caught = HOST_PENDING.with(|p| p.swap(0, Ordering::SeqCst));
        let any = caught != 0;
        while caught != 0 {
            let sig = caught.trailing_zeros() + 1;
            caught &= caught - 1;
            let info = HOST_INFO.with(|slots| {
                let slot = &slots[sig as usize];
                let mut words = [0u32; siginfo::UNION_WORDS];
                for (v, w) in words.iter_mut().zip(&slot[1..]) {
                    *v = w.load(Ordering::SeqCst);
                }
                SigInfo {
                    code: slot[0].load(Ordering::SeqCst) as i32,
                    words,
                }
            });
            self.queue(sig, info);
        }
        any
    }

    /// Pending signals queued here (the host kernel may hold more: see
    /// [`host_pending`]).
    pub fn all_pending(&self) -> u64 {
        self.pending
    }

    /// Takes a pending signal out of this thread's set; returns what it
    /// carries.
    pub fn take(&mut self, sig: u32) -> Option<SigInfo> {
        if self.pending & bit(sig) != 0 {
            self.pending &= !bit(sig);
            return Some(self.info[sig as usize]);
        }
        None
    }

    /// Whether an unblocked signal is pending.
    pub fn deliverable(&self) -> bool {
        self.pending & !self.mask != 0
    }

    /// Makes the host thread's mask match the guest's, then hands signals
    /// queued here that are now blocked to the host kernel's queue, where
    /// signalfd, sigtimedwait, sigpending and other threads see them.
    pub fn sync_host_mask(&mut self) {
        let want = self.mask & HOST_BLOCKABLE;
        if self.take_caught() || want != self.host_mask {
            set_host_mask(want);
            self.host_mask = want;
        }
        // Signals the new mask let through arrive during the call above.
        self.take_host_pending();
        let mut blocked = self.pending & want;
        while blocked != 0 {
            let sig = blocked.trailing_zeros() + 1;
            blocked &= blocked - 1;
            let host = self.info[sig as usize].to_host(sig);
            // SAFETY: plain ids and a 128-byte siginfo we own; queueing to
            // our own thread group is allowed for any si_code.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_rt_tgsigqueueinfo,
                    libc::getpid(),
                    libc::gettid(),
                    sig as i32,
                    host.as_ptr(),
                )
            };
            if r == 0 {
                self.pending &= !bit(sig);
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
            let set = temp & HOST_BLOCKABLE;
            // SAFETY: an 8-byte set we own; returns after a handler ran.
            unsafe { libc::syscall(libc::SYS_rt_sigsuspend, &set as *const u64, 8usize) };
        }
        set_host_mask(self.host_mask);
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
            run(&(temp & HOST_BLOCKABLE))
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
    /// applied.
    pub fn deliver(&mut self, cpu: &mut CpuState, space: &GuestSpace) -> Outcome {
        while let Some(sig) = {
            let ready = self.pending & !self.mask;
            (ready != 0).then(|| ready.trailing_zeros() + 1)
        } {
            let Some(info) = self.take(sig) else {
                continue;
            };
            let act = self.action(sig);
            match act.handler {
                SIG_IGN => continue,
                SIG_DFL if ignored_by_default(sig) => continue,
                SIG_DFL => return Outcome::Die(sig),
                _ => {}
            }
            if setup_frame(self, cpu, space, sig, &act, &info).is_err() {
                // No room for the frame: the kernel kills with SIGSEGV.
                return Outcome::Die(SIGSEGV);
            }
            if act.flags & SA_RESETHAND != 0 {
                self.actions.lock().unwrap_or_else(|e| e.into_inner())[sig as usize] =
                    KSigaction::default();
            }
            let mut block = act.mask;
            if act.flags & SA_NODEFER == 0 {
                block |= bit(sig);
            }
            self.mask |= block & !UNBLOCKABLE;
        }
        // A temporary mask (sigsuspend, ppoll...) whose signal ran no
        // handler is dropped now, as the kernel's restore_saved_sigmask.
        if let Some(old) = self.saved_mask.take() {
            self.mask = old;
        }
        self.sync_host_mask();
        Outcome::Continue
    }
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
