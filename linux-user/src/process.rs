//! Process creation and replacement: fork, clone of threads and of
//! processes with or without CLONE_VM, vfork, wait4, and execve (ARM
//! programs re-run under rsemu-arm).

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use rsemu_core::CpuState;
use rsemu_syscalls::flags::clone::*;
use rsemu_syscalls::{layout, GuestStruct};

use crate::syscall::Process;

type SysR = Result<u32, i32>;

fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// clone for a new process (no CLONE_VM) and fork/vfork. ARM argument
/// order: flags, newsp, parent_tidptr, tls, child_tidptr.
pub fn clone_process(
    p: &mut Process,
    cpu: &mut CpuState,
    flags: u32,
    newsp: u32,
    ptid: u32,
    tls: u32,
    ctid: u32,
) -> SysR {
    // vfork shares memory with a parent that waits; a copy-on-write fork is
    // indistinguishable for a child that only execs or exits.
    let pid = fork_with_exit_signal(flags & CSIGNAL)?;
    if pid == 0 {
        THREADS.store(1, Ordering::SeqCst);
        crate::signal::clear_process_pending();
        p.signals.clear_pending();
        p.signals.reset_host_mask();
        // SAFETY: gettid cannot fail.
        let tid = unsafe { libc::gettid() } as u32;
        if flags & CLONE_CHILD_SETTID != 0 {
            let _ = p.space.write_bytes(ctid, &tid.to_le_bytes());
        }
        if flags & CLONE_CHILD_CLEARTID != 0 {
            p.clear_child_tid = ctid;
        }
        if flags & CLONE_SETTLS != 0 {
            cpu.tpidruro = tls;
        }
        if newsp != 0 {
            cpu.r[13] = newsp;
        }
        // A new process has no robust list until it sets one (Linux's
        // copy_process); the other threads' lists stayed behind.
        set_robust_list_of(tid, 0);
        ROBUST_LISTS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|&t, _| t == tid);
        return Ok(0);
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        let _ = p.space.write_bytes(ptid, &(pid as u32).to_le_bytes());
    }
    Ok(pid as u32)
}

/// The main guest thread calls `exit` (not `exit_group`): in Linux the
/// process lives on while other threads run, and ends when the last one
/// does, with that thread's status. Returns `code` when this is the only
/// thread (the caller exits the process); otherwise the main host thread
/// ends here and the last guest thread ends the process (`clone_thread`).
pub fn main_thread_exit(p: &Process, code: i32) -> i32 {
    thread_exit(p);
    if THREADS.fetch_sub(1, Ordering::SeqCst) == 1 {
        return code;
    }
    // SAFETY: ends only this host thread (SYS_exit, not exit_group); no
    // Rust state of this thread is used afterwards, and what the other
    // threads share lives in Arcs and statics.
    unsafe { libc::syscall(libc::SYS_exit, code) };
    unreachable!("SYS_exit returned")
}

/// Guest threads alive in this process (a fork with an exit signal other
/// than SIGCHLD needs to know whether the process is single-threaded).
static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Forks the emulator for a guest fork or clone whose child's exit signal
/// (what the parent gets when it ends) is guest signal `exit_signal` (0:
/// none). Returns the child's pid in the parent and 0 in the child.
fn fork_with_exit_signal(exit_signal: u32) -> Result<i32, i32> {
    let host_exit = match exit_signal {
        0 => 0,
        s => crate::sigmap::host(s).ok_or(libc::EINVAL)?,
    };
    crate::signal::note_exit_signal(exit_signal);
    let pid = if host_exit == libc::SIGCHLD || THREADS.load(Ordering::SeqCst) > 1 {
        // glibc's fork, which keeps its own locks (malloc's) consistent in
        // the child. Its exit signal is SIGCHLD: another one is given to
        // the child of a single-threaded process only (see docs).
        // SAFETY: the child continues with a copy of every emulator
        // structure; another guest thread holding one of the emulator's
        // locks at this moment would leave it held in the child (as with
        // any fork of a threaded process).
        unsafe { libc::fork() }
    } else {
        // The raw call, for the exit signal: with one thread there is no
        // other holder of a lock (glibc's included) to worry about.
        // SAFETY: without CLONE_VM the child gets a copy of the address
        // space and continues from this call with 0, like fork.
        unsafe {
            libc::syscall(
                libc::SYS_clone,
                host_exit as libc::c_ulong,
                0usize,
                0usize,
                0usize,
                0usize,
            ) as i32
        }
    };
    if pid < 0 {
        return Err(errno());
    }
    Ok(pid)
}

/// The CPU a clone's child starts with: the parent's, returning 0 from
/// the call, on `newsp` if given, with CLONE_SETTLS's TLS, and no
/// exclusive monitor held.
fn child_cpu(cpu: &CpuState, flags: u32, newsp: u32, tls: u32) -> CpuState {
    let mut ccpu = cpu.clone();
    ccpu.r[0] = 0;
    if newsp != 0 {
        ccpu.r[13] = newsp;
    }
    if flags & CLONE_SETTLS != 0 {
        ccpu.tpidruro = tls;
    }
    ccpu.exclusive = None;
    ccpu
}

/// clone with CLONE_VM: a new guest thread on a new host thread, with its
/// own CPU state and block cache, sharing the address space, signal
/// actions and the code-invalidation log. ARM argument order: flags, newsp,
/// parent_tidptr, tls, child_tidptr.
#[allow(clippy::too_many_arguments)]
pub fn clone_thread(
    p: &Process,
    cpu: &CpuState,
    engine: &rsemu_core::Engine,
    flags: u32,
    newsp: u32,
    ptid: u32,
    tls: u32,
    ctid: u32,
) -> SysR {
    let mut child = p.thread_copy();
    let mut ccpu = child_cpu(cpu, flags, newsp, tls);
    if flags & CLONE_CHILD_CLEARTID != 0 {
        child.clear_child_tid = ctid;
    }
    let mut cengine = engine.new_thread();
    let set_child_tid = flags & CLONE_CHILD_SETTID != 0;
    let set_parent_tid = flags & CLONE_PARENT_SETTID != 0;
    let (tx, rx) = std::sync::mpsc::channel();
    // glibc installs its own handler for signal 33 (SIGSETXID) when the
    // process creates its first thread: keep every guest signal from this
    // thread meanwhile (the new thread starts with this mask too), and put
    // the guest's dispositions back before either thread runs guest code.
    let saved_mask = crate::signal::block_all_on_host();
    // A new thread has its parent's name (comm), as in Linux, not the
    // name std gives the host thread.
    let comm = thread_name();
    THREADS.fetch_add(1, Ordering::SeqCst);
    let spawned = std::thread::Builder::new()
        .name("rsemu-guest".into())
        .spawn(move || {
            // SAFETY: gettid cannot fail.
            let tid = unsafe { libc::gettid() } as u32;
            // Both tid words are written before the thread runs, as the
            // kernel does: glibc's parent_tid is the word the thread's exit
            // clears (CHILD_CLEARTID), and a thread that exits before a
            // late parent-side write would leave pthread_join waiting.
            if set_parent_tid {
                let _ = child.space.write_bytes(ptid, &tid.to_le_bytes());
            }
            if set_child_tid {
                let _ = child.space.write_bytes(ctid, &tid.to_le_bytes());
            }
            // SAFETY: PR_SET_NAME reads a NUL-terminated 16-byte buffer.
            unsafe { libc::prctl(libc::PR_SET_NAME, comm.as_ptr()) };
            child.signals.reclaim_runtime_signals();
            let _ = tx.send(tid);
            crate::signal::init(&cengine.interrupt);
            child.signals.reset_host_mask();
            match crate::run_loop(&mut child, &mut ccpu, &mut cengine) {
                crate::LoopEnd::Group(code) => {
                    crate::tcache::finish(child.tcache.as_deref(), child.log_tcache);
                    std::process::exit(code)
                }
                crate::LoopEnd::Thread(code) => {
                    crate::signal::fini();
                    thread_exit(&child);
                    if THREADS.fetch_sub(1, Ordering::SeqCst) == 1 {
                        // The last guest thread, after the main thread
                        // left: the process ends, with this thread's
                        // status (what the host kernel reports too).
                        crate::tcache::finish(child.tcache.as_deref(), child.log_tcache);
                        std::process::exit(code);
                    }
                }
            }
        });
    p.signals.reclaim_runtime_signals();
    crate::signal::restore_host_mask(saved_mask);
    if spawned.is_err() {
        THREADS.fetch_sub(1, Ordering::SeqCst);
        return Err(libc::EAGAIN);
    }
    let tid = rx.recv().map_err(|_| libc::EAGAIN)?;
    Ok(tid)
}

/// The host flags a CLONE_VM process passes on as they are: what the host
/// kernel does for the child itself (descriptor table, cwd and umask,
/// namespaces, SysV undo, vfork's wait). The rest is the guest's TLS and
/// tid words (emulated) or the emulator's business (signal handlers).
const VM_PROCESS_HOST_FLAGS: u32 = CLONE_FS
    | CLONE_FILES
    | CLONE_VFORK
    | CLONE_PARENT
    | CLONE_SYSVSEM
    | CLONE_IO
    | CLONE_UNTRACED
    | CLONE_NEWNS
    | CLONE_NEWCGROUP
    | CLONE_NEWUTS
    | CLONE_NEWIPC
    | CLONE_NEWUSER
    | CLONE_NEWPID
    | CLONE_NEWNET;

/// Host stack of a CLONE_VM child process: the emulator runs its guest on
/// it (the guest's own stack is in guest memory).
const VM_CHILD_STACK: usize = 8 << 20;

/// What a CLONE_VM child process starts from.
struct VmChild {
    proc: Process,
    cpu: CpuState,
    engine: rsemu_core::Engine,
    set_child_tid: Option<u32>,
    /// The creating thread's name (comm), which a child inherits.
    comm: [u8; 16],
}

/// clone with CLONE_VM and without CLONE_THREAD (vfork, posix_spawn,
/// stress-ng's vm-rw, old LinuxThreads): a new process that shares the
/// parent's memory but has its own pid, exit status, descriptor table
/// (unless CLONE_FILES) and signal actions (unless CLONE_SIGHAND).
///
/// The host child is made the same way: clone(CLONE_VM) of the emulator,
/// so the guest's memory, and the emulator's structures that describe
/// it, are shared as the kernel shares them. The child's host side runs on
/// a stack of its own, and on the thread-local storage of a keeper: a
/// host thread of the parent that clones it and then does nothing until
/// the child has exited or exec'd (`CLONE_CHILD_CLEARTID` on the host
/// tells it when), so that the C library's and Rust's per-thread state
/// (errno, malloc's cache) have one user at a time, as after vfork.
/// Keepers are pooled and never exit (see [`KEEPERS`]). The child ends
/// with the raw `exit_group`, so that no exit handler of the parent runs
/// in it.
///
/// ARM argument order: flags, newsp, parent_tidptr, tls, child_tidptr.
#[allow(clippy::too_many_arguments)]
pub fn clone_vm_process(
    p: &Process,
    cpu: &CpuState,
    engine: &rsemu_core::Engine,
    flags: u32,
    newsp: u32,
    ptid: u32,
    tls: u32,
    ctid: u32,
) -> SysR {
    // (Flag combinations Linux refuses were refused by the dispatcher:
    // flags::clone::valid.)
    let exit_signal = flags & CSIGNAL;
    let host_exit = match exit_signal {
        0 => 0,
        s => crate::sigmap::host(s).ok_or(libc::EINVAL)?,
    };
    crate::signal::note_exit_signal(exit_signal);
    let mut proc = p.thread_copy();
    proc.signals = p.signals.for_new_process(flags & CLONE_SIGHAND != 0);
    proc.shares_parent_memory = true;
    proc.clear_child_tid = if flags & CLONE_CHILD_CLEARTID != 0 {
        ctid
    } else {
        0
    };
    let start = Box::new(VmChild {
        proc,
        cpu: child_cpu(cpu, flags, newsp, tls),
        engine: engine.new_thread(),
        set_child_tid: (flags & CLONE_CHILD_SETTID != 0).then_some(ctid),
        comm: thread_name(),
    });
    let host_flags = (flags & VM_PROCESS_HOST_FLAGS)
        | CLONE_VM
        | CLONE_CHILD_CLEARTID
        | (flags & CLONE_PIDFD)
        | host_exit as u32;
    let (tx, rx) = std::sync::mpsc::channel::<Result<(i32, i32), i32>>();
    // The child gets the keeper's credentials (they are per thread): a
    // keeper is reused only by a thread whose credentials it has.
    let creds = thread_creds();
    let keeper = idle_keeper(&creds)
        .or_else(|| spawn_keeper(p))
        .ok_or(libc::EAGAIN)?;
    {
        let mut job = keeper.job.lock().unwrap_or_else(|e| e.into_inner());
        *job = Some(KeeperJob {
            start,
            host_flags,
            reply: tx,
        });
        keeper.ready.notify_one();
    }
    let (pid, pidfd) = rx.recv().map_err(|_| libc::EAGAIN)??;
    if flags & CLONE_PARENT_SETTID != 0 {
        let _ = p.space.write_bytes(ptid, &(pid as u32).to_le_bytes());
    }
    if flags & CLONE_PIDFD != 0 {
        let _ = p.space.write_bytes(ptid, &(pidfd as u32).to_le_bytes());
    }
    Ok(pid as u32)
}

/// One CLONE_VM child for a keeper to start.
struct KeeperJob {
    start: Box<VmChild>,
    host_flags: u32,
    reply: std::sync::mpsc::Sender<Result<(i32, i32), i32>>,
}

/// A keeper thread's mailbox, and the credentials it has (its creator's
/// when it started: see [`thread_creds`]).
#[derive(Default)]
struct Keeper {
    job: std::sync::Mutex<Option<KeeperJob>>,
    ready: std::sync::Condvar,
    creds: Vec<u64>,
}

/// The per-thread attributes a new process inherits from the thread that
/// clones it and that a guest may change (raw calls: a thread's own):
/// real/effective/saved uid and gid, supplementary groups, capability
/// sets, securebits, no_new_privs, nice value.
fn thread_creds() -> Vec<u64> {
    let mut v = Vec::with_capacity(16);
    let (mut r, mut e, mut s) = (0u32, 0u32, 0u32);
    // SAFETY: each call writes only into the locals or buffers given.
    unsafe {
        libc::syscall(libc::SYS_getresuid, &mut r, &mut e, &mut s);
        v.extend([r, e, s].map(u64::from));
        libc::syscall(libc::SYS_getresgid, &mut r, &mut e, &mut s);
        v.extend([r, e, s].map(u64::from));
        let mut groups = [0u32; 256];
        let n = libc::syscall(libc::SYS_getgroups, groups.len(), groups.as_mut_ptr());
        v.push(n as u64);
        v.extend(
            groups[..n.clamp(0, 256) as usize]
                .iter()
                .map(|&g| u64::from(g)),
        );
        let mut header = [0x2008_0522u32, 0]; // _LINUX_CAPABILITY_VERSION_3, this thread
        let mut data = [0u32; 6];
        libc::syscall(libc::SYS_capget, header.as_mut_ptr(), data.as_mut_ptr());
        v.extend(data.map(u64::from));
        v.push(libc::syscall(libc::SYS_prctl, libc::PR_GET_SECUREBITS, 0, 0, 0, 0) as u64);
        v.push(libc::syscall(libc::SYS_prctl, libc::PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) as u64);
        v.push(libc::syscall(libc::SYS_getpriority, libc::PRIO_PROCESS, 0) as u64);
    }
    v
}

/// The calling thread's name (comm).
fn thread_name() -> [u8; 16] {
    let mut comm = [0u8; 16];
    // SAFETY: PR_GET_NAME writes at most 16 bytes into our buffer.
    unsafe { libc::prctl(libc::PR_GET_NAME, comm.as_mut_ptr()) };
    comm
}

/// Idle keeper threads: (host pid, host tid, mailbox). Keepers never exit
/// and are reused: the processes that share this memory (this static
/// included) must never see one of them die inside the C library's
/// thread-exit path, whose stack-cache lock they share; a keeper only
/// ever waits in the kernel when its process may end. Entries whose
/// thread is gone (its process exited, or this is a fork child's copy)
/// are dropped when seen.
static KEEPERS: std::sync::Mutex<Vec<(i32, i32, std::sync::Arc<Keeper>)>> =
    std::sync::Mutex::new(Vec::new());

/// An idle keeper thread of this process with these credentials, if
/// there is one.
fn idle_keeper(creds: &[u64]) -> Option<std::sync::Arc<Keeper>> {
    // SAFETY: getpid cannot fail.
    let me = unsafe { libc::getpid() };
    let mut keepers = KEEPERS.lock().unwrap_or_else(|e| e.into_inner());
    keepers.retain(|&(pid, tid, _)| {
        // SAFETY: tgkill with signal 0 only checks that the thread exists
        // in that process.
        unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, 0) == 0 }
    });
    let i = keepers
        .iter()
        .position(|(pid, _, k)| *pid == me && k.creds == creds)?;
    Some(keepers.swap_remove(i).2)
}

/// Starts a keeper thread in this process.
fn spawn_keeper(p: &Process) -> Option<std::sync::Arc<Keeper>> {
    // A new thread has its creator's credentials.
    let keeper = std::sync::Arc::new(Keeper {
        creds: thread_creds(),
        ..Keeper::default()
    });
    let mine = keeper.clone();
    // As for a thread (`clone_thread`): glibc's first pthread_create
    // installs its SIGSETXID handler, which the guest's disposition must
    // replace before guest code runs again. The keeper keeps every host
    // signal blocked for good.
    let saved_mask = crate::signal::block_all_on_host();
    let spawned = std::thread::Builder::new()
        .name("rsemu-vmchild".into())
        .spawn(move || vm_child_keeper(mine));
    p.signals.reclaim_runtime_signals();
    crate::signal::restore_host_mask(saved_mask);
    // The handle is never joined or detached: the thread never ends.
    std::mem::forget(spawned.ok()?);
    Some(keeper)
}

/// The host thread whose thread-local storage a CLONE_VM child runs on:
/// for each job, clones the child, waits (touching nothing of its own)
/// until the child has exited or exec'd, frees what the child used, and
/// only then reports the pid for a vfork (for other children at once),
/// and goes back to the idle list.
fn vm_child_keeper(me: std::sync::Arc<Keeper>) {
    // SAFETY: getpid and gettid cannot fail.
    let (pid, tid) = unsafe { (libc::getpid(), libc::gettid()) };
    loop {
        let job = {
            let mut slot = me.job.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if let Some(job) = slot.take() {
                    break job;
                }
                slot = me.ready.wait(slot).unwrap_or_else(|e| e.into_inner());
            }
        };
        run_keeper_job(job);
        KEEPERS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((pid, tid, me.clone()));
    }
}

fn run_keeper_job(job: KeeperJob) {
    let KeeperJob {
        start,
        host_flags,
        reply,
    } = job;
    // SAFETY: a fresh private anonymous mapping, ours alone.
    let stack = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            VM_CHILD_STACK,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if stack == libc::MAP_FAILED {
        let _ = reply.send(Err(libc::EAGAIN));
        return;
    }
    // Cleared to 0 (and woken) by the host kernel when the child exits or
    // execs: CLONE_CHILD_CLEARTID.
    let alive = std::sync::atomic::AtomicU32::new(1);
    let mut pidfd: i32 = -1;
    let start = Box::into_raw(start);
    // SAFETY: the stack is ours and unused; `start` stays valid until the
    // child is gone (it is freed below, after the wait); `alive` and
    // `pidfd` live in this frame, which outlives the child's use of them.
    let pid = unsafe {
        clone_vm_raw(
            host_flags as u64,
            (stack as *mut u8).add(VM_CHILD_STACK),
            &mut pidfd,
            alive.as_ptr(),
            start,
        )
    };
    if pid < 0 {
        // SAFETY: no child was made: `start` and the stack are still ours.
        unsafe {
            drop(Box::from_raw(start));
            libc::munmap(stack, VM_CHILD_STACK);
        }
        let _ = reply.send(Err(-pid as i32));
        return;
    }
    let vfork = host_flags & CLONE_VFORK != 0;
    if !vfork {
        let _ = reply.send(Ok((pid as i32, pidfd)));
    }
    while alive.load(Ordering::SeqCst) != 0 {
        // SAFETY: waits on our own word; raw, so that errno (which the
        // child may be using) is not written.
        unsafe { futex_wait_raw(alive.as_ptr(), 1) };
    }
    // SAFETY: the child has exited or exec'd: nothing uses the stack or
    // `start` any more.
    unsafe {
        drop(Box::from_raw(start));
        libc::munmap(stack, VM_CHILD_STACK);
    }
    if vfork {
        let _ = reply.send(Ok((pid as i32, pidfd)));
    }
}

/// The raw clone for a CLONE_VM child: in the child, switches to `stack`
/// and calls [`vm_child_main`] with `start`; in the parent, returns the
/// child's pid or -errno. (x86-64 order: flags, stack, parent_tid,
/// child_tid, tls.)
///
/// # Safety
/// `stack` must be the top of an unused stack and `start` a valid,
/// leaked `VmChild` that nothing else uses until the child is gone.
unsafe fn clone_vm_raw(
    flags: u64,
    stack: *mut u8,
    parent_tid: *mut i32,
    child_tid: *mut u32,
    start: *mut VmChild,
) -> i64 {
    let ret: i64;
    // SAFETY: the caller's contract. The child starts on the new stack
    // with the parent's registers, calls vm_child_main (which never
    // returns) and so never comes back into this function's frame.
    unsafe {
        std::arch::asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "xor ebp, ebp",
            "and rsp, -16",
            "mov rdi, r12",
            "call r13",
            "ud2",
            "2:",
            inlateout("rax") libc::SYS_clone => ret,
            in("rdi") flags,
            in("rsi") stack,
            in("rdx") parent_tid,
            in("r10") child_tid,
            in("r8") 0usize,
            in("r12") start,
            in("r13") vm_child_main as *const () as usize,
            lateout("rcx") _,
            lateout("r11") _,
        );
    }
    ret
}

/// Waits while `*word == val` (FUTEX_WAIT, raw: no errno).
///
/// # Safety
/// `word` must be a valid, aligned u32.
unsafe fn futex_wait_raw(word: *mut u32, val: u32) {
    // SAFETY: the caller's contract; the other arguments are null.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") libc::SYS_futex => _,
            in("rdi") word,
            in("rsi") libc::FUTEX_WAIT,
            in("rdx") val,
            in("r10") 0usize,
            lateout("rcx") _,
            lateout("r11") _,
        );
    }
}

/// The CLONE_VM child's emulator: runs the guest until it exits, then ends
/// the host process with the raw exit_group (the parent's exit handlers
/// and stdio buffers are not this process's to run or flush).
extern "C" fn vm_child_main(start: *mut VmChild) -> ! {
    // SAFETY: vm_child_keeper leaked it for us and does not touch it until
    // this process is gone.
    let child = unsafe { &mut *start };
    // SAFETY: gettid cannot fail.
    let tid = unsafe { libc::gettid() } as u32;
    if let Some(ctid) = child.set_child_tid {
        let _ = child.proc.space.write_bytes(ctid, &tid.to_le_bytes());
    }
    // SAFETY: PR_SET_NAME reads a NUL-terminated 16-byte buffer.
    unsafe { libc::prctl(libc::PR_SET_NAME, child.comm.as_ptr()) };
    crate::signal::clear_process_pending();
    crate::signal::init(&child.engine.interrupt);
    child.proc.signals.reset_host_mask();
    let code = match crate::run_loop(&mut child.proc, &mut child.cpu, &mut child.engine) {
        crate::LoopEnd::Group(code) => code,
        crate::LoopEnd::Thread(code) => {
            thread_exit(&child.proc);
            code
        }
    };
    crate::signal::fini();
    // SAFETY: ends this host process; nothing runs after it.
    unsafe { libc::syscall(libc::SYS_exit_group, code) };
    unreachable!("exit_group returned")
}

/// What the kernel does when a thread exits: clear the registered tid
/// word and wake one futex waiter on it (pthread_join waits there).
pub fn thread_exit(p: &Process) {
    // SAFETY: gettid cannot fail.
    let tid = unsafe { libc::gettid() } as u32;
    // Linux releases the robust futexes first, then clears the tid.
    exit_robust_list(p, tid);
    set_robust_list_of(tid, 0);
    let ctid = p.clear_child_tid;
    if ctid != 0 && p.space.write_bytes(ctid, &0u32.to_le_bytes()).is_ok() {
        // SAFETY: the word is writable guest memory (just written); the host
        // futex wakes waiters of that same address.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                p.space.host_addr(ctid),
                libc::FUTEX_WAKE,
                1,
                std::ptr::null::<libc::timespec>(),
                std::ptr::null::<u32>(),
                0,
            )
        };
    }
}

/// The robust-futex list head each guest thread registered with
/// `set_robust_list`, by thread id (`get_robust_list` may ask for another
/// thread's). The host kernel cannot walk these lists (they are in guest
/// memory, with 32-bit pointers): rsemu does, when a thread exits.
static ROBUST_LISTS: std::sync::Mutex<std::collections::BTreeMap<u32, u32>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// Size of the ARM `struct robust_list_head`: next, futex_offset,
/// list_op_pending (three 32-bit words).
const ROBUST_HEAD_SIZE: u32 = 12;

fn set_robust_list_of(tid: u32, head: u32) {
    let mut lists = ROBUST_LISTS.lock().unwrap_or_else(|e| e.into_inner());
    if head == 0 {
        lists.remove(&tid);
    } else {
        lists.insert(tid, head);
    }
}

/// set_robust_list(head, len).
pub fn set_robust_list(head: u32, len: u32) -> SysR {
    if len != ROBUST_HEAD_SIZE {
        return Err(libc::EINVAL);
    }
    // SAFETY: gettid cannot fail.
    set_robust_list_of(unsafe { libc::gettid() } as u32, head);
    Ok(0)
}

/// get_robust_list(pid, head_ptr, len_ptr): this thread's (pid 0) or
/// another guest thread's list. Other processes' lists are not known to
/// this one (they may not even be ARM programs): EPERM, as when Linux
/// refuses to show them.
pub fn get_robust_list(p: &Process, pid: u32, head_ptr: u32, len_ptr: u32) -> SysR {
    // SAFETY: gettid and kill(pid, 0) only look up threads.
    let me = unsafe { libc::gettid() } as u32;
    let tid = if pid == 0 { me } else { pid };
    let head = ROBUST_LISTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&tid)
        .copied();
    let head = match head {
        Some(h) => h,
        None if tid == me => 0,
        None => {
            let ours = std::path::Path::new(&format!("/proc/self/task/{tid}")).exists();
            // SAFETY: as above.
            let exists = ours || unsafe { libc::kill(tid as i32, 0) } == 0;
            return if ours {
                write_robust(p, 0, head_ptr, len_ptr)
            } else if exists {
                Err(libc::EPERM)
            } else {
                Err(libc::ESRCH)
            };
        }
    };
    write_robust(p, head, head_ptr, len_ptr)
}

fn write_robust(p: &Process, head: u32, head_ptr: u32, len_ptr: u32) -> SysR {
    p.space
        .write_bytes(len_ptr, &ROBUST_HEAD_SIZE.to_le_bytes())?;
    p.space.write_bytes(head_ptr, &head.to_le_bytes())?;
    Ok(0)
}

/// exit_group: every thread of the process ends, and Linux releases each
/// one's robust futexes (this matters for process-shared mutexes, which
/// other processes go on using).
pub fn exit_all_robust_lists(p: &Process) {
    if p.shares_parent_memory {
        // The table is the parent's too: only this process's one thread.
        // SAFETY: gettid cannot fail.
        let tid = unsafe { libc::gettid() } as u32;
        exit_robust_list(p, tid);
        set_robust_list_of(tid, 0);
        return;
    }
    let tids: Vec<u32> = ROBUST_LISTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .keys()
        .copied()
        .collect();
    for tid in tids {
        exit_robust_list(p, tid);
    }
}

/// Linux's exit_robust_list for the guest thread `tid` that is exiting:
/// each futex on its list (and the one it was taking or releasing) that
/// it still owns gets FUTEX_OWNER_DIED, and one waiter is woken, so
/// another thread's pthread_mutex_lock returns EOWNERDEAD.
fn exit_robust_list(p: &Process, tid: u32) {
    const FUTEX_WAITERS: u32 = 0x8000_0000;
    const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
    const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
    const LIST_LIMIT: usize = 2048; // Linux's ROBUST_LIST_LIMIT
    let head = ROBUST_LISTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&tid)
        .copied();
    let Some(head) = head else { return };
    let read = |addr: u32| p.space.read_u32(addr).ok();
    let (Some(first), Some(offset), Some(pending)) = (
        read(head),
        read(head.wrapping_add(4)),
        read(head.wrapping_add(8)),
    ) else {
        return;
    };
    let death = |entry: u32, pending_op: bool| {
        let (entry, pi) = (entry & !1, entry & 1 != 0);
        let uaddr = entry.wrapping_add(offset);
        if !uaddr.is_multiple_of(4)
            || !p.space.check(
                uaddr,
                4,
                crate::memory::PROT_READ | crate::memory::PROT_WRITE,
            )
        {
            return;
        }
        // SAFETY: a writable, aligned guest word inside the reservation;
        // other threads use it atomically too.
        let word =
            unsafe { std::sync::atomic::AtomicU32::from_ptr(p.space.host_addr(uaddr) as *mut u32) };
        let wake = || {
            // SAFETY: a futex wake on that word; a shared (not private)
            // wake, as Linux's, which glibc's robust mutexes wait for.
            unsafe {
                libc::syscall(
                    libc::SYS_futex,
                    p.space.host_addr(uaddr),
                    libc::FUTEX_WAKE,
                    1,
                )
            };
        };
        let mut val = word.load(std::sync::atomic::Ordering::SeqCst);
        loop {
            if pending_op && !pi && val == 0 {
                wake(); // released but not yet woken: wake on its behalf
                return;
            }
            if val & FUTEX_TID_MASK != tid {
                return;
            }
            let died = (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
            match word.compare_exchange(
                val,
                died,
                std::sync::atomic::Ordering::SeqCst,
                std::sync::atomic::Ordering::SeqCst,
            ) {
                Ok(_) => break,
                Err(now) => val = now,
            }
        }
        if !pi && val & FUTEX_WAITERS != 0 {
            wake();
        }
    };
    let mut entry = first;
    for _ in 0..LIST_LIMIT {
        if entry & !1 == head {
            break;
        }
        let Some(next) = read(entry & !1) else { break };
        if entry & !1 != pending & !1 {
            death(entry, false);
        }
        entry = next;
    }
    if pending != 0 {
        death(pending, true);
    }
}

/// wait4(pid, status, options, rusage).
pub fn wait4(p: &Process, pid: u32, status: u32, options: u32, rusage: u32) -> SysR {
    let mut st: i32 = 0;
    // SAFETY: all pointers are to our own locals.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = crate::safe!(
        libc::SYS_wait4,
        pid as i32,
        &mut st as *mut i32,
        options as i32,
        &mut ru as *mut libc::rusage
    );
    if r < 0 {
        return Err(errno());
    }
    if status != 0 && r > 0 {
        let st = crate::sigmap::guest_wait_status(st);
        p.space.write_bytes(status, &st.to_le_bytes())?;
    }
    if rusage != 0 {
        p.space.write_bytes(rusage, &rusage_to_guest(&ru))?;
    }
    Ok(r as u32)
}

/// A host `struct rusage` in the guest's 32-bit layout.
pub fn rusage_to_guest(ru: &libc::rusage) -> Vec<u8> {
    let longs = [
        ru.ru_maxrss,
        ru.ru_ixrss,
        ru.ru_idrss,
        ru.ru_isrss,
        ru.ru_minflt,
        ru.ru_majflt,
        ru.ru_nswap,
        ru.ru_inblock,
        ru.ru_oublock,
        ru.ru_msgsnd,
        ru.ru_msgrcv,
        ru.ru_nsignals,
        ru.ru_nvcsw,
        ru.ru_nivcsw,
    ];
    layout::Rusage32::from_host(
        (ru.ru_utime.tv_sec, ru.ru_utime.tv_usec),
        (ru.ru_stime.tv_sec, ru.ru_stime.tv_usec),
        &longs,
    )
    .to_guest_vec()
}

/// Reads a NULL-terminated array of guest string pointers.
fn string_array(p: &Process, mut addr: u32) -> Result<Vec<Vec<u8>>, i32> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    loop {
        let b = p.space.slice(addr, 4)?;
        let ptr = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        if ptr == 0 {
            return Ok(out);
        }
        out.push(p.space.read_cstr(ptr, 128 * 1024)?);
        if out.len() > 100_000 {
            return Err(libc::E2BIG);
        }
        addr = addr.wrapping_add(4);
    }
}

/// The file behind `/proc/self/fd/N` (or `/proc/<pid>/fd/N`).
fn own_fd_target(path: &[u8]) -> Option<std::path::PathBuf> {
    let s = std::str::from_utf8(path).ok()?;
    // SAFETY: getpid cannot fail.
    let pid = unsafe { libc::getpid() };
    let fd = s
        .strip_prefix("/proc/self/fd/")
        .or_else(|| s.strip_prefix(&format!("/proc/{pid}/fd/")))?;
    fd.parse::<u32>().ok()?;
    std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()
}

fn is_arm_elf(path: &Path) -> bool {
    let mut head = [0u8; 20];
    match std::fs::File::open(path) {
        Ok(mut f) => {
            use std::io::Read;
            f.read_exact(&mut head).is_ok()
                && head[..4] == *b"\x7fELF"
                && head[4] == 1
                && head[18] == 40
                && head[19] == 0
        }
        Err(_) => false,
    }
}

fn cstr(b: &[u8]) -> Result<CString, i32> {
    CString::new(b.to_vec()).map_err(|_| libc::EINVAL)
}

/// execve: an ARM ELF runs under this emulator again (no binfmt_misc
/// needed), with the same options; anything else runs natively.
pub fn execve(p: &Process, path_addr: u32, argv_addr: u32, envp_addr: u32) -> SysR {
    let raw_path = p.space.read_cstr(path_addr, 4096)?;
    exec_path(p, raw_path, argv_addr, envp_addr)
}

/// execveat(dirfd, path, argv, envp, flags): the path is made absolute
/// against the directory descriptor (or is the descriptor itself with
/// AT_EMPTY_PATH), then run as execve would.
pub fn execveat(p: &Process, a: [u32; 6]) -> SysR {
    let (dirfd, flags) = (a[0] as i32, a[4] as i32);
    let path = p.space.read_cstr(a[1], 4096)?;
    let raw_path = if path.is_empty() && flags & libc::AT_EMPTY_PATH != 0 {
        format!("/proc/self/fd/{dirfd}").into_bytes()
    } else if !path.starts_with(b"/") && dirfd != libc::AT_FDCWD {
        use std::os::unix::ffi::OsStrExt;
        let dir = std::fs::read_link(format!("/proc/self/fd/{dirfd}")).map_err(|_| libc::EBADF)?;
        dir.join(std::ffi::OsStr::from_bytes(&path))
            .as_os_str()
            .as_bytes()
            .to_vec()
    } else {
        path
    };
    exec_path(p, raw_path, a[2], a[3])
}

fn exec_path(p: &Process, raw_path: Vec<u8>, argv_addr: u32, envp_addr: u32) -> SysR {
    let argv = string_array(p, argv_addr)?;
    let envp = string_array(p, envp_addr)?;
    // /proc/self/exe is the guest program, not the emulator; a
    // /proc/self/fd/N path (fexecve) names a file this process has open,
    // which the next process could not reach: resolve it here.
    let target = if crate::procfs::is_own_exe(&raw_path) {
        p.exe.clone()
    } else if let Some(fd_path) = own_fd_target(&raw_path) {
        fd_path
    } else {
        crate::load::resolve_in_sysroot(p.sysroot.as_deref(), &raw_path)
    };
    if !target.exists() {
        return Err(libc::ENOENT);
    }
    let envs: Vec<CString> = envp.iter().map(|e| cstr(e)).collect::<Result<_, _>>()?;
    let mut env_ptrs: Vec<*const libc::c_char> = envs.iter().map(|c| c.as_ptr()).collect();
    env_ptrs.push(std::ptr::null());
    let (prog, args): (CString, Vec<CString>) = if is_arm_elf(&target) {
        let mut args = vec![cstr(b"rsemu-arm")?];
        if let Some(root) = &p.sysroot {
            args.push(cstr(b"-L")?);
            args.push(cstr(root.as_os_str().as_bytes())?);
        }
        if p.strace {
            args.push(cstr(b"-strace")?);
        }
        if p.accel == rsemu_core::Accel::Jit {
            args.push(cstr(b"-accel")?);
            args.push(cstr(b"jit")?);
            args.push(cstr(b"-tcache")?);
            match &p.tcache {
                Some(c) => args.push(cstr(c.dir().as_os_str().as_bytes())?),
                None => args.push(cstr(b"off")?),
            }
        }
        args.push(cstr(b"-cpu")?);
        args.push(cstr(p.cpu_model.name.as_bytes())?);
        if p.space.task_size != rsemu_syscalls::flags::mmap::TASK_SIZE {
            args.push(cstr(b"-R")?);
            args.push(cstr(p.space.task_size.to_string().as_bytes())?);
        }
        if let Some(r) = &p.uname_release {
            args.push(cstr(b"-r")?);
            args.push(cstr(r.as_bytes())?);
        }
        if let Some(a0) = argv.first() {
            args.push(cstr(b"-0")?);
            args.push(cstr(a0)?);
        }
        args.push(cstr(target.as_os_str().as_bytes())?);
        for a in argv.iter().skip(1) {
            args.push(cstr(a)?);
        }
        if p.emulator.exists() {
            (cstr(p.emulator.as_os_str().as_bytes())?, args)
        } else {
            // No way back to this emulator's file (a chroot without /proc,
            // where binfmt_misc's F flag started us): the program itself,
            // for the kernel to hand to the registered handler.
            let args = argv
                .iter()
                .map(|a| cstr(a))
                .collect::<Result<Vec<_>, _>>()?;
            (cstr(target.as_os_str().as_bytes())?, args)
        }
    } else {
        let args = argv
            .iter()
            .map(|a| cstr(a))
            .collect::<Result<Vec<_>, _>>()?;
        (cstr(target.as_os_str().as_bytes())?, args)
    };
    let mut arg_ptrs: Vec<*const libc::c_char> = args.iter().map(|c| c.as_ptr()).collect();
    arg_ptrs.push(std::ptr::null());
    // The blocked mask survives execve: the host thread carries the
    // guest's (fault signals included for the moment), so the next
    // program (native, or rsemu-arm reading it back) inherits it.
    // What this program compiled is saved before another replaces it.
    crate::tcache::finish(p.tcache.as_deref(), false);
    let old = crate::signal::mask_for_exec(p.signals.mask);
    // SAFETY: NULL-terminated arrays of valid C strings that outlive the call.
    unsafe { libc::execve(prog.as_ptr(), arg_ptrs.as_ptr(), env_ptrs.as_ptr()) };
    let e = errno();
    crate::signal::restore_exec_mask(old);
    Err(e)
}
