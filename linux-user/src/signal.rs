//! Guest signals: actions, the blocked mask, pending signals, delivery on
//! an ARM `rt_sigframe`, `rt_sigreturn`, and the host handlers that turn
//! host signals into pending guest signals.
//!
//! Host signals are caught by a tiny async-signal-safe handler that records
//! the number and raises the engine's interrupt flag; the main loop then
//! delivers at the next block boundary (or after the system call the guest
//! was in). Faults the core reports (bad access, undefined instruction,
//! breakpoint) become synchronous guest signals at the faulting pc.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rsemu_core::CpuState;
use rsemu_syscalls::flags::signal::*;
use rsemu_syscalls::layout::KSigaction;
use rsemu_syscalls::sigframe::{self, siginfo};

use crate::memory::GuestSpace;

thread_local! {
    /// Host signals this thread received and has not yet taken into its
    /// guest pending set (the host picks the thread, as Linux would for
    /// the guest: the target of tgkill, or any thread for kill).
    static HOST_PENDING: AtomicU64 = const { AtomicU64::new(0) };
    /// This thread's engine interrupt flag, raised by the host handler.
    static INTERRUPT: AtomicPtr<AtomicBool> = const { AtomicPtr::new(std::ptr::null_mut()) };
}

/// Where the return trampolines live in the kuser page: `mov r7, #173;
/// svc 0` in A32 at +0, and `movs r7, #173; svc 0` in T32 at +8.
pub const SIGRETURN_A32: u32 = 0xffff_0f00;
/// The T32 trampoline.
pub const SIGRETURN_T32: u32 = 0xffff_0f08;

/// Signals pending for the process as a whole (kill rather than tgkill):
/// taken by whichever thread does not block them.
static PROCESS_PENDING: AtomicU64 = AtomicU64::new(0);
/// Every guest thread's interrupt flag, so a process-directed signal wakes
/// them all (the one not blocking it takes it).
static THREAD_FLAGS: [AtomicPtr<AtomicBool>; 256] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; 256];

fn raise_flag(flag: *mut AtomicBool) {
    if !flag.is_null() {
        // SAFETY: flags are leaked from Arcs in `init` and live for the
        // rest of the process; an atomic store is async-signal-safe.
        unsafe { (*flag).store(true, Ordering::SeqCst) };
    }
}

/// Raises every thread's interrupt flag.
pub fn wake_all_threads() {
    for slot in THREAD_FLAGS.iter() {
        raise_flag(slot.load(Ordering::SeqCst));
    }
}

/// Marks `sig` pending for the whole process and wakes the threads.
pub fn queue_process(sig: u32) {
    if (1..=64).contains(&sig) {
        PROCESS_PENDING.fetch_or(bit(sig), Ordering::SeqCst);
        wake_all_threads();
    }
}

/// Forgets process-wide pending signals (a fork child starts with none).
pub fn clear_process_pending() {
    PROCESS_PENDING.store(0, Ordering::SeqCst);
    HOST_PENDING.with(|p| p.store(0, Ordering::SeqCst));
}

// Thread-locals with const initialisers and no destructor are plain TLS
// reads, safe in a signal handler. tgkill/tkill (SI_TKILL) target this
// thread; anything else targets the process.
extern "C" fn host_handler(sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    let code = if info.is_null() {
        0
    } else {
        // SAFETY: the kernel passes a valid siginfo to SA_SIGINFO handlers.
        unsafe { (*info).si_code }
    };
    if code == siginfo::SI_TKILL {
        HOST_PENDING.with(|p| p.fetch_or(1 << (sig - 1), Ordering::SeqCst));
        raise_flag(INTERRUPT.with(|f| f.load(Ordering::SeqCst)));
    } else {
        PROCESS_PENDING.fetch_or(1 << (sig - 1), Ordering::SeqCst);
        wake_all_threads();
    }
}

/// Sets the calling host thread's blocked mask (bit n-1 = signal n).
pub fn set_host_mask(mask: u64) {
    // SAFETY: builds a sigset we own and applies it to this thread.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in 1..=64 {
            if mask & bit(sig) != 0 && sig != SIGKILL && sig != SIGSTOP {
                libc::sigaddset(&mut set, sig as i32);
            }
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
    }
}

/// Connects host handlers running on the calling thread to its engine's
/// interrupt flag. Called by each guest thread before it runs.
pub fn init(interrupt: &Arc<AtomicBool>) {
    let raw = Arc::into_raw(interrupt.clone()) as *mut AtomicBool;
    INTERRUPT.with(|f| f.store(raw, Ordering::SeqCst));
    for slot in THREAD_FLAGS.iter() {
        if slot
            .compare_exchange(
                std::ptr::null_mut(),
                raw,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_ok()
        {
            break;
        }
    }
}

/// Takes the calling thread's flag out of the wake-up list (thread exit).
pub fn fini() {
    let raw = INTERRUPT.with(|f| f.load(Ordering::SeqCst));
    for slot in THREAD_FLAGS.iter() {
        if slot.load(Ordering::SeqCst) == raw {
            slot.store(std::ptr::null_mut(), Ordering::SeqCst);
        }
    }
}

fn bit(sig: u32) -> u64 {
    1 << (sig - 1)
}

/// Signals whose default action is to do nothing.
fn ignored_by_default(sig: u32) -> bool {
    matches!(sig, SIGCHLD | SIGCONT | SIGURG | SIGWINCH)
}

/// Signals the core raises itself (faults): never handed to the host.
fn synchronous(sig: u32) -> bool {
    matches!(sig, SIGSEGV | SIGBUS | SIGILL | SIGTRAP | SIGFPE)
}

/// What a delivered signal carries.
#[derive(Clone, Copy, Debug, Default)]
pub struct Info {
    /// `si_code`.
    pub code: i32,
    /// `si_pid` or `si_addr`, by signal.
    pub addr_or_pid: u32,
    /// `si_uid`.
    pub uid: u32,
}

/// The guest's signal state.
pub struct Signals {
    /// Actions by signal number (index 0 unused), shared by all threads.
    actions: Arc<Mutex<[KSigaction; 65]>>,
    /// Blocked signals.
    pub mask: u64,
    /// Pending signals.
    pub pending: u64,
    info: [Info; 65],
    /// The alternate stack: (sp, size, flags).
    pub altstack: (u32, u32, u32),
    /// The mask to restore after a handler when a sigsuspend replaced it.
    pub saved_mask: Option<u64>,
}

impl Default for Signals {
    fn default() -> Self {
        Signals {
            actions: Arc::new(Mutex::new([KSigaction::default(); 65])),
            mask: 0,
            pending: 0,
            info: [Info::default(); 65],
            altstack: (0, 0, SS_DISABLE),
            saved_mask: None,
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
    /// (which becomes the guest's, the host's is then cleared so host
    /// handlers run) and ignored signals.
    pub fn inherit_from_host(&mut self) {
        // SAFETY: queries into sigset/sigaction structs we own.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_SETMASK, std::ptr::null(), &mut set);
            let mut actions = self.actions.lock().unwrap_or_else(|e| e.into_inner());
            for sig in 1..=64u32 {
                if libc::sigismember(&set, sig as i32) == 1 {
                    self.mask |= bit(sig);
                }
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig as i32, std::ptr::null(), &mut old) == 0
                    && old.sa_sigaction == libc::SIG_IGN
                {
                    actions[sig as usize].handler = SIG_IGN;
                }
            }
        }
        set_host_mask(0);
    }

    /// The action for `sig`.
    pub fn action(&self, sig: u32) -> KSigaction {
        self.actions.lock().unwrap_or_else(|e| e.into_inner())[sig as usize]
    }

    /// The signal state of a new thread: the same actions and mask,
    /// nothing pending, no alternate stack.
    pub fn for_new_thread(&self) -> Signals {
        Signals {
            actions: self.actions.clone(),
            mask: self.mask,
            ..Signals::default()
        }
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
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig as i32, &sa, std::ptr::null_mut());
        }
    }

    /// Makes `sig` pending with `info`.
    pub fn queue(&mut self, sig: u32, info: Info) {
        if (1..=64).contains(&sig) {
            self.pending |= bit(sig);
            self.info[sig as usize] = info;
        }
    }

    /// Takes the signals host handlers caught into the pending set.
    pub fn take_host_pending(&mut self) {
        let mut caught = HOST_PENDING.with(|p| p.swap(0, Ordering::SeqCst));
        while caught != 0 {
            let sig = caught.trailing_zeros() + 1;
            caught &= caught - 1;
            self.queue(
                sig,
                Info {
                    code: siginfo::SI_USER,
                    ..Info::default()
                },
            );
        }
    }

    /// Pending signals: this thread's and the process's.
    pub fn all_pending(&self) -> u64 {
        self.pending | PROCESS_PENDING.load(Ordering::SeqCst)
    }

    /// Takes a pending signal out of this thread's set or, failing that,
    /// the process's (another thread may have taken it first); returns
    /// what it carries.
    pub fn take(&mut self, sig: u32) -> Option<Info> {
        if self.pending & bit(sig) != 0 {
            self.pending &= !bit(sig);
            return Some(self.info[sig as usize]);
        }
        if PROCESS_PENDING.fetch_and(!bit(sig), Ordering::SeqCst) & bit(sig) != 0 {
            // Process-directed signals keep only their number; the sender
            // is reported as kill() from this process would be.
            // SAFETY: plain id queries.
            let (pid, uid) = unsafe { (libc::getpid(), libc::getuid()) };
            return Some(Info {
                code: siginfo::SI_USER,
                addr_or_pid: pid as u32,
                uid,
            });
        }
        None
    }

    /// Whether an unblocked signal is pending.
    pub fn deliverable(&self) -> bool {
        self.all_pending() & !self.mask != 0
    }

    /// A fault the core raised: delivered now if the guest handles it,
    /// else (blocked, ignored or default) the process dies, as Linux's
    /// force_sig does.
    pub fn force(&mut self, sig: u32, info: Info) -> bool {
        let act = self.action(sig);
        if self.mask & bit(sig) != 0 || act.handler == SIG_DFL || act.handler == SIG_IGN {
            return false;
        }
        self.queue(sig, info);
        true
    }

    /// Delivers every deliverable pending signal: handlers get a frame
    /// each (the last one delivered runs first), default actions are
    /// applied.
    pub fn deliver(&mut self, cpu: &mut CpuState, space: &GuestSpace) -> Outcome {
        while let Some(sig) = {
            let ready = self.all_pending() & !self.mask;
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
            self.mask |= block & !(bit(SIGKILL) | bit(SIGSTOP));
        }
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
    info: &Info,
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
    put(&mut f, siginfo::SIGNO, sig);
    put(&mut f, siginfo::CODE, info.code as u32);
    put(&mut f, siginfo::PID, info.addr_or_pid);
    put(&mut f, siginfo::UID, info.uid);
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
        put(&mut f, sigframe::SC_FAULT_ADDRESS, info.addr_or_pid);
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
    sigs.mask = mask & !(bit(SIGKILL) | bit(SIGSTOP));
    let vfp = sigframe::UC_REGSPACE;
    if get(&f, vfp) == sigframe::VFP_MAGIC {
        for i in 0..32 {
            let off = (vfp + sigframe::VFP_FPREGS) as usize + 8 * i;
            cpu.d[i] = u64::from_le_bytes(f[off..off + 8].try_into().unwrap());
        }
        cpu.fpscr = get(&f, vfp + sigframe::VFP_FPSCR);
    }
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
