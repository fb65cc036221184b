//! Process creation and replacement: fork/vfork/clone without CLONE_VM,
//! wait4, and execve (ARM programs re-run under rsemu-arm).

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
    let mut ccpu = cpu.clone();
    ccpu.r[0] = 0;
    if newsp != 0 {
        ccpu.r[13] = newsp;
    }
    if flags & CLONE_SETTLS != 0 {
        ccpu.tpidruro = tls;
    }
    ccpu.exclusive = None;
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
    let mut comm = [0u8; 16];
    // SAFETY: PR_GET_NAME writes at most 16 bytes into our buffer.
    unsafe { libc::prctl(libc::PR_GET_NAME, comm.as_mut_ptr()) };
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
                crate::LoopEnd::Group(code) => std::process::exit(code),
                crate::LoopEnd::Thread(code) => {
                    crate::signal::fini();
                    thread_exit(&child);
                    if THREADS.fetch_sub(1, Ordering::SeqCst) == 1 {
                        // The last guest thread, after the main thread
                        // left: the process ends, with this thread's
                        // status (what the host kernel reports too).
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
        }
        if let Some(a0) = argv.first() {
            args.push(cstr(b"-0")?);
            args.push(cstr(a0)?);
        }
        args.push(cstr(target.as_os_str().as_bytes())?);
        for a in argv.iter().skip(1) {
            args.push(cstr(a)?);
        }
        (cstr(p.emulator.as_os_str().as_bytes())?, args)
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
    let old = crate::signal::mask_for_exec(p.signals.mask);
    // SAFETY: NULL-terminated arrays of valid C strings that outlive the call.
    unsafe { libc::execve(prog.as_ptr(), arg_ptrs.as_ptr(), env_ptrs.as_ptr()) };
    let e = errno();
    crate::signal::restore_exec_mask(old);
    Err(e)
}
