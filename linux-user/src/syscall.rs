//! System-call emulation: ARM EABI calls (number in r7, arguments in r0-r6,
//! result or negative errno in r0) mapped onto the host kernel.
//!
//! Guest memory is host memory at a fixed offset, so most calls pass guest
//! buffers straight to the host after checking the guest may access them.
//! Numbers, struct layouts and flag tables come from `rsemu-syscalls`;
//! this module holds only the behaviour.

use std::collections::HashSet;
use std::ffi::CString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rsemu_core::{CpuState, Engine};
use rsemu_syscalls::{flags, layout, nr, GuestStruct};

use crate::memory::{
    page_align_up, prot_from_linux, GuestSpace, MAPPED, PAGE_SIZE, PROT_READ, PROT_WRITE,
};

/// Per-process emulation state.
pub struct Process {
    /// The guest address space (shared by the process's threads).
    pub space: Arc<GuestSpace>,
    /// The executable, for /proc/self/exe.
    pub exe: PathBuf,
    /// The auxiliary vector, for /proc/self/auxv.
    pub auxv: Vec<(u32, u32)>,
    /// Where the argument strings are on the stack (start, end), for
    /// /proc/self/cmdline.
    pub args: (u32, u32),
    /// Sysroot (-L).
    pub sysroot: Option<PathBuf>,
    /// Recorded signal actions, indexed by signal number.
    pub signals: crate::signal::Signals,
    /// Print each system call (-strace).
    pub strace: bool,
    /// clear_child_tid from set_tid_address.
    pub clear_child_tid: u32,
    /// The emulator's own executable, for re-running ARM programs on execve.
    pub emulator: PathBuf,
    /// The execution backend, passed on to ARM programs this one execs.
    pub accel: rsemu_core::Accel,
    /// The persistent translation cache (shared with the engines).
    pub tcache: Option<Arc<rsemu_core::exec::tcache::TranslationCache>>,
    /// Say what the cache did at exit (`-d tcache`).
    pub log_tcache: bool,
    /// Note unimplemented calls, ioctls and options in the log (`-d unimp`).
    pub log_unimp: bool,
    /// Log the guest's errors (`-d guest_errors`).
    pub log_guest_errors: bool,
    /// The CPU model (`-cpu`): /proc/cpuinfo, and passed on by execve.
    pub cpu_model: &'static crate::cpu_model::CpuModel,
    /// uname's release as `-r` set it.
    pub uname_release: Option<String>,
    /// getrandom's source when `-seed` made it deterministic (shared by
    /// the process's threads).
    pub seeded_random: Option<Arc<Mutex<u64>>>,
    /// This process was made by clone with CLONE_VM and without
    /// CLONE_THREAD: its memory, and the emulator's structures in it, are
    /// its parent's (see `process::clone_vm_process`).
    pub shares_parent_memory: bool,
    reported: Arc<Mutex<HashSet<u32>>>,
}

/// What a system call asks of the main loop.
pub enum SysResult {
    /// Put this in r0 and continue.
    Ret(u32),
    /// Continue without touching r0 (rt_sigreturn restored it).
    NoReturn,
    /// A signal interrupted the call where Linux would restart it: EINTR
    /// if a handler without SA_RESTART runs, else the call runs again.
    Restart(crate::signal::Restart),
    /// The calling thread exits with this status (`exit`).
    ExitThread(i32),
    /// The whole process exits with this status (`exit_group`).
    Exit(i32),
}

impl Process {
    /// State for a freshly loaded program.
    pub fn new(
        space: GuestSpace,
        exe: PathBuf,
        auxv: Vec<(u32, u32)>,
        sysroot: Option<PathBuf>,
        strace: bool,
    ) -> Process {
        Process {
            space: Arc::new(space),
            exe,
            auxv,
            args: (0, 0),
            sysroot,
            signals: crate::signal::Signals::default(),
            strace,
            clear_child_tid: 0,
            emulator: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("/proc/self/exe")),
            accel: rsemu_core::Accel::Interp,
            tcache: None,
            log_tcache: false,
            log_unimp: false,
            log_guest_errors: false,
            cpu_model: &crate::cpu_model::MODELS[0],
            uname_release: None,
            seeded_random: None,
            shares_parent_memory: false,
            reported: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// The per-thread state of a new thread of this process.
    pub fn thread_copy(&self) -> Process {
        Process {
            space: self.space.clone(),
            exe: self.exe.clone(),
            auxv: self.auxv.clone(),
            args: self.args,
            sysroot: self.sysroot.clone(),
            signals: self.signals.for_new_thread(),
            strace: self.strace,
            clear_child_tid: 0,
            emulator: self.emulator.clone(),
            accel: self.accel,
            tcache: self.tcache.clone(),
            log_tcache: self.log_tcache,
            log_unimp: self.log_unimp,
            log_guest_errors: self.log_guest_errors,
            cpu_model: self.cpu_model,
            uname_release: self.uname_release.clone(),
            seeded_random: self.seeded_random.clone(),
            shares_parent_memory: self.shares_parent_memory,
            reported: self.reported.clone(),
        }
    }
}

/// A system call's result: the value for r0, or a (positive) errno.
pub type SysR = Result<u32, i32>;

/// The host's errno.
pub fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// Turns a host libc return value into a guest result.
pub fn host(r: i64) -> SysR {
    if r < 0 {
        Err(errno())
    } else {
        Ok(r as u32)
    }
}

fn encode(r: SysR) -> u32 {
    match r {
        Ok(v) => v,
        Err(e) => (-e) as u32,
    }
}

/// Runs the system call the guest asked for.
pub fn dispatch(p: &mut Process, cpu: &mut CpuState, engine: &mut Engine) -> SysResult {
    let num = cpu.r[7];
    let a = [cpu.r[0], cpu.r[1], cpu.r[2], cpu.r[3], cpu.r[4], cpu.r[5]];
    if p.strace && matches!(num, nr::EXIT | nr::EXIT_GROUP | nr::EXECVE | nr::EXECVEAT) {
        // Logged before: these do not come back (execve only to fail).
        let line = strace_call(p, num, cpu);
        let tail = if matches!(num, nr::EXIT | nr::EXIT_GROUP) {
            " = ?"
        } else {
            " ..."
        };
        rsemu_core::log!("{} {line}{tail}", strace_who());
    }
    let r = match num {
        nr::EXIT => return SysResult::ExitThread(a[0] as i32 & 0xff),
        nr::EXIT_GROUP => return SysResult::Exit(a[0] as i32 & 0xff),
        nr::RT_SIGRETURN | nr::SIGRETURN => {
            return match crate::signal::sigreturn(&mut p.signals, cpu, &p.space) {
                Ok(()) => SysResult::NoReturn,
                // A bad frame kills the process with SIGSEGV, as Linux does.
                Err(_) => SysResult::Exit(128 + libc::SIGSEGV),
            };
        }
        _ => {
            // A signal caught since the last check is delivered before the
            // call, which runs again when its handler returns: as in Linux,
            // where it would have been taken before the SVC. (Left caught,
            // it would also stay blocked on the host during the call: a
            // sleep could not be interrupted.)
            p.signals.take_host_pending();
            if p.signals.deliverable() && cpu.itstate == 0 {
                cpu.r[15] = cpu.r[15].wrapping_sub(if cpu.thumb { 2 } else { 4 });
                return SysResult::NoReturn;
            }
            crate::signal::set_in_guest_call(true);
            let mut r = if rsemu_syscalls::order::sigset_size_ok(num, &a) {
                call(p, cpu, engine, num, a)
            } else {
                Err(libc::EINVAL)
            };
            crate::signal::set_in_guest_call(false);
            if r == Err(libc::EFAULT) {
                // rsemu copied guest memory before the host call; Linux
                // would have refused the descriptor first.
                if let Some(check) = rsemu_syscalls::order::fd_first(num) {
                    r = check_fd(a[0] as i32, check).and(r);
                }
            }
            if crate::signal::take_restartable() && r == Err(libc::EINTR) && cpu.itstate == 0 {
                if p.strace {
                    strace(p, num, &a, r);
                }
                return SysResult::Restart(crate::signal::Restart {
                    r0: a[0],
                    svc_len: if cpu.thumb { 2 } else { 4 },
                });
            }
            r
        }
    };
    if p.strace {
        strace(p, num, &a, r);
    }
    if p.log_guest_errors && r == Err(libc::EFAULT) {
        rsemu_core::log!(
            "guest_errors: {} at pc 0x{:08x} was given a bad address (EFAULT)",
            rsemu_syscalls::name(num).unwrap_or("?"),
            cpu.r[15]
        );
    }
    SysResult::Ret(encode(r))
}

/// The descriptor check Linux makes before touching user memory
/// (`rsemu_syscalls::order`), made on the host descriptor.
fn check_fd(fd: i32, check: rsemu_syscalls::order::FdCheck) -> Result<(), i32> {
    use rsemu_syscalls::order::FdCheck;
    // SAFETY: F_GETFL on any integer only reads the descriptor's flags.
    let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if fl < 0 {
        return Err(libc::EBADF);
    }
    let acc = fl & libc::O_ACCMODE;
    let path_only = fl & libc::O_PATH != 0;
    match check {
        FdCheck::Open => Ok(()),
        FdCheck::Readable if path_only || acc == libc::O_WRONLY => Err(libc::EBADF),
        FdCheck::Writable if path_only || acc == libc::O_RDONLY => Err(libc::EBADF),
        FdCheck::Readable | FdCheck::Writable => Ok(()),
        FdCheck::Socket => {
            // SAFETY: fstat fills the struct we own.
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            // SAFETY: as above.
            if unsafe { libc::fstat(fd, &mut st) } != 0 {
                return Err(libc::EBADF);
            }
            if st.st_mode & libc::S_IFMT == libc::S_IFSOCK {
                Ok(())
            } else {
                Err(libc::ENOTSOCK)
            }
        }
    }
}

/// Guest memory as the `-strace` printer reads it.
struct StraceMem<'a>(&'a crate::memory::GuestSpace);

impl rsemu_syscalls::strace::GuestMem for StraceMem<'_> {
    fn cstr(&self, addr: u32, max: usize) -> Option<(Vec<u8>, bool)> {
        let mut out = Vec::new();
        for i in 0..=max as u32 {
            let b = *self.0.slice(addr.checked_add(i)?, 1).ok()?.first()?;
            if b == 0 {
                return Some((out, true));
            }
            if out.len() == max {
                return Some((out, false));
            }
            out.push(b);
        }
        Some((out, false))
    }
    fn word(&self, addr: u32) -> Option<u32> {
        self.0.read_u32(addr).ok()
    }
}

/// Who makes the call: the pid, and the thread id when it is not the
/// main thread (`PID/TID`).
fn strace_who() -> String {
    // SAFETY: getpid and gettid cannot fail.
    let (pid, tid) = unsafe { (libc::getpid(), libc::gettid()) };
    if pid == tid {
        pid.to_string()
    } else {
        format!("{pid}/{tid}")
    }
}

/// `name(args)` of the call in the registers.
fn strace_call(p: &Process, num: u32, cpu: &CpuState) -> String {
    let regs = &cpu.r[..7];
    match rsemu_syscalls::info(num) {
        Some(info) => rsemu_syscalls::strace::call(info, regs, &StraceMem(&p.space)),
        None => rsemu_syscalls::strace::unknown_call(num, regs),
    }
}

/// Logs a system call and its result (-strace), as strace shows them.
fn strace(p: &Process, num: u32, a: &[u32; 6], r: SysR) {
    let who = strace_who();
    let message = |e: i32| {
        let s = std::io::Error::from_raw_os_error(rsemu_syscalls::errno::to_host(e)).to_string();
        // "No such file or directory (os error 2)": the text only.
        s.rsplit_once(" (os error")
            .map_or(s.clone(), |(t, _)| t.to_string())
    };
    let name = rsemu_syscalls::name(num).unwrap_or("");
    let result = rsemu_syscalls::strace::result(name, r, message);
    if matches!(num, nr::EXECVE | nr::EXECVEAT) {
        rsemu_core::log!("{who} <... {name} resumed>) {result}");
        return;
    }
    let mut regs = [0u32; 7];
    regs[..6].copy_from_slice(a);
    let line = match rsemu_syscalls::info(num) {
        Some(info) => rsemu_syscalls::strace::call(info, &regs, &StraceMem(&p.space)),
        None => rsemu_syscalls::strace::unknown_call(num, &regs),
    };
    rsemu_core::log!("{who} {line} {result}");
}

impl Process {
    /// A guest path as a host C string, resolved through the sysroot.
    pub fn path(&self, addr: u32) -> Result<CString, i32> {
        let raw = self.space.read_cstr(addr, 4096)?;
        let resolved = crate::load::resolve_in_sysroot(self.sysroot.as_deref(), &raw);
        use std::os::unix::ffi::OsStrExt;
        CString::new(resolved.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)
    }

    /// The host address of `[addr, addr + len)` for a host call that
    /// accesses it itself: inside the guest reservation, but not checked
    /// against the guest's mappings (host protections mirror them, so the
    /// host kernel answers `EFAULT` where Linux would, in its own order).
    pub fn host_range(&self, addr: u32, len: u32) -> Result<*mut libc::c_void, i32> {
        if addr as u64 + len as u64 > 1 << 32 {
            return Err(libc::EFAULT);
        }
        Ok(self.space.host_addr(addr) as *mut libc::c_void)
    }

    pub fn ptr(&self, addr: u32, len: u32, need: u8) -> Result<*mut libc::c_void, i32> {
        if !self.space.check(addr, len as u64, need) {
            return Err(libc::EFAULT);
        }
        Ok(self.space.host_addr(addr) as *mut libc::c_void)
    }

    /// `-d unimp`: notes something the guest asked for that rsemu does
    /// not implement, once per `key`.
    fn report_once(&mut self, what: String, key: u32) {
        if self.log_unimp
            && self
                .reported
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key)
        {
            rsemu_core::log!("rsemu-arm: {what}");
        }
    }
}

pub fn read_timespec32(p: &Process, addr: u32) -> Result<libc::timespec, i32> {
    let t = layout::Timespec32::decode(p.space.slice(addr, 8)?);
    Ok(libc::timespec {
        tv_sec: t.sec as i64,
        tv_nsec: t.nsec as i64,
    })
}

pub fn read_timespec64(p: &Process, addr: u32) -> Result<libc::timespec, i32> {
    let t = layout::Timespec64::decode(p.space.slice(addr, 16)?);
    Ok(libc::timespec {
        tv_sec: t.sec,
        tv_nsec: t.nsec_from_guest(),
    })
}

pub fn write_timespec(p: &Process, addr: u32, t: &libc::timespec, time64: bool) -> Result<(), i32> {
    if time64 {
        let v = layout::Timespec64 {
            sec: t.tv_sec,
            nsec: t.tv_nsec,
        };
        p.space.write_bytes(addr, &v.to_guest_vec())
    } else {
        let v = layout::Timespec32::from_host(t.tv_sec, t.tv_nsec).map_err(|_| libc::EOVERFLOW)?;
        p.space.write_bytes(addr, &v.to_guest_vec())
    }
}

fn write_stat(p: &Process, addr: u32, st: &libc::stat) -> Result<(), i32> {
    let s = layout::Stat64::from_host(&layout::HostStat {
        dev: st.st_dev,
        ino: st.st_ino,
        mode: st.st_mode,
        nlink: st.st_nlink,
        uid: st.st_uid,
        gid: st.st_gid,
        rdev: st.st_rdev,
        size: st.st_size,
        blksize: st.st_blksize,
        blocks: st.st_blocks,
        atime: st.st_atime,
        atime_nsec: st.st_atime_nsec,
        mtime: st.st_mtime,
        mtime_nsec: st.st_mtime_nsec,
        ctime: st.st_ctime,
        ctime_nsec: st.st_ctime_nsec,
    });
    p.space.write_bytes(addr, &s.to_guest_vec())
}

/// Splits an ARM EABI 64-bit argument passed in an aligned register pair.
fn pair(lo: u32, hi: u32) -> i64 {
    ((hi as u64) << 32 | lo as u64) as i64
}

fn call(p: &mut Process, cpu: &mut CpuState, engine: &mut Engine, num: u32, a: [u32; 6]) -> SysR {
    if let Some(r) = crate::net::call(p, num, a)
        .or_else(|| crate::misc::call(p, num, a))
        .or_else(|| crate::oldabi::call(p, num, a))
        .or_else(|| crate::ipc::call(p, num, a))
    {
        return r;
    }
    // SAFETY: every host call below gets either plain
    // integers, host buffers we own, or guest buffers whose accessibility
    // `Process::ptr`/`slice` checked for the full length passed.
    unsafe {
        match num {
            nr::READ => {
                let buf = p.ptr(a[1], a[2], PROT_WRITE)?;
                host(crate::safe!(libc::SYS_read, a[0] as i32, buf, a[2]))
            }
            nr::WRITE => {
                let buf = p.ptr(a[1], a[2], PROT_READ)?;
                host(crate::safe!(libc::SYS_write, a[0] as i32, buf, a[2]))
            }
            nr::READV | nr::WRITEV | nr::PREADV | nr::PWRITEV => {
                let iov = iovecs(p, a[1], a[2], num == nr::READV || num == nr::PREADV)?;
                let (fd, v, cnt) = (a[0] as i32, iov.as_ptr(), iov.len());
                // (x86-64 takes the whole offset in pos_l; pos_h is 0.)
                host(match num {
                    nr::READV => crate::safe!(libc::SYS_readv, fd, v, cnt),
                    nr::WRITEV => crate::safe!(libc::SYS_writev, fd, v, cnt),
                    nr::PREADV => crate::safe!(libc::SYS_preadv, fd, v, cnt, pair(a[3], a[4]), 0),
                    _ => crate::safe!(libc::SYS_pwritev, fd, v, cnt, pair(a[3], a[4]), 0),
                })
            }
            nr::PREAD64 => {
                let buf = p.ptr(a[1], a[2], PROT_WRITE)?;
                host(crate::safe!(
                    libc::SYS_pread64,
                    a[0] as i32,
                    buf,
                    a[2],
                    pair(a[4], a[5])
                ))
            }
            nr::PWRITE64 => {
                let buf = p.ptr(a[1], a[2], PROT_READ)?;
                host(crate::safe!(
                    libc::SYS_pwrite64,
                    a[0] as i32,
                    buf,
                    a[2],
                    pair(a[4], a[5])
                ))
            }
            nr::OPEN => {
                let path = p.path(a[0])?;
                open_at(p, libc::AT_FDCWD, &path, a[1], a[2])
            }
            nr::OPENAT => {
                let path = p.path(a[1])?;
                open_at(p, a[0] as i32, &path, a[2], a[3])
            }
            nr::CREAT => {
                let path = p.path(a[0])?;
                host(libc::creat(path.as_ptr(), a[1]) as i64)
            }
            nr::CLOSE => {
                // Keep the emulator's own standard streams usable for its
                // error messages only as long as the guest keeps them.
                host(libc::close(a[0] as i32) as i64)
            }
            nr::LSEEK => host(libc::lseek(a[0] as i32, a[1] as i32 as i64, a[2] as i32)),
            nr::_LLSEEK => {
                let off = pair(a[2], a[1]);
                let r = libc::lseek(a[0] as i32, off, a[4] as i32);
                if r < 0 {
                    return Err(errno());
                }
                p.space.write_bytes(a[3], &(r as u64).to_le_bytes())?;
                Ok(0)
            }
            nr::STAT64 | nr::LSTAT64 => {
                let path = p.path(a[0])?;
                let mut st: libc::stat = std::mem::zeroed();
                let r = if num == nr::STAT64 {
                    libc::stat(path.as_ptr(), &mut st)
                } else {
                    libc::lstat(path.as_ptr(), &mut st)
                };
                host(r as i64)?;
                write_stat(p, a[1], &st)?;
                Ok(0)
            }
            nr::FSTAT64 => {
                let mut st: libc::stat = std::mem::zeroed();
                host(libc::fstat(a[0] as i32, &mut st) as i64)?;
                write_stat(p, a[1], &st)?;
                Ok(0)
            }
            nr::FSTATAT64 => {
                let path = p.path(a[1])?;
                let mut st: libc::stat = std::mem::zeroed();
                host(libc::fstatat(a[0] as i32, path.as_ptr(), &mut st, a[3] as i32) as i64)?;
                write_stat(p, a[2], &st)?;
                Ok(0)
            }
            nr::STATX => {
                // struct statx has the same layout on every architecture.
                let path = p.path(a[1])?;
                let buf = p.ptr(a[4], 256, PROT_WRITE)?;
                host(libc::syscall(
                    libc::SYS_statx,
                    a[0] as i32,
                    path.as_ptr(),
                    a[2] as i32,
                    a[3],
                    buf,
                ))
            }
            nr::GETDENTS64 => {
                // linux_dirent64 has the same layout on ARM and x86-64, but
                // d_off must fit the guest's 32-bit off_t: see compat.rs.
                let out = p.space.slice_mut(a[1], a[2])?;
                match crate::compat::getdents64(a[0] as i32, out) {
                    Some(r) if r < 0 => Err(-r as i32),
                    Some(r) => Ok(r as u32),
                    None => {
                        let buf = p.ptr(a[1], a[2], PROT_WRITE)?;
                        host(libc::syscall(
                            libc::SYS_getdents64,
                            a[0] as i32,
                            buf,
                            a[2] as usize,
                        ))
                    }
                }
            }
            nr::FCNTL64 | nr::FCNTL => fcntl(p, a, num == nr::FCNTL64),
            nr::IOCTL => ioctl(p, a),
            nr::READLINK => {
                let path = p.path(a[0])?;
                readlink_at(p, libc::AT_FDCWD, path, a[1], a[2])
            }
            nr::READLINKAT => {
                let path = p.path(a[1])?;
                readlink_at(p, a[0] as i32, path, a[2], a[3])
            }
            nr::ACCESS => {
                let path = p.path(a[0])?;
                host(libc::access(path.as_ptr(), a[1] as i32) as i64)
            }
            nr::FACCESSAT | nr::FACCESSAT2 => {
                let path = p.path(a[1])?;
                let flags = if num == nr::FACCESSAT2 {
                    a[3] as i32
                } else {
                    0
                };
                host(libc::syscall(
                    libc::SYS_faccessat2,
                    a[0] as i32,
                    path.as_ptr(),
                    a[2] as i32,
                    flags,
                ))
            }
            nr::GETCWD => {
                let buf = p.ptr(a[0], a[1], PROT_WRITE)?;
                host(libc::syscall(libc::SYS_getcwd, buf, a[1] as usize))
            }
            nr::CHDIR => {
                let path = p.path(a[0])?;
                host(libc::chdir(path.as_ptr()) as i64)
            }
            nr::FCHDIR => host(libc::fchdir(a[0] as i32) as i64),
            nr::MKDIR => {
                let path = p.path(a[0])?;
                host(libc::mkdir(path.as_ptr(), a[1]) as i64)
            }
            nr::MKDIRAT => {
                let path = p.path(a[1])?;
                host(libc::mkdirat(a[0] as i32, path.as_ptr(), a[2]) as i64)
            }
            nr::RMDIR => {
                let path = p.path(a[0])?;
                host(libc::rmdir(path.as_ptr()) as i64)
            }
            nr::UNLINK => {
                let path = p.path(a[0])?;
                host(libc::unlink(path.as_ptr()) as i64)
            }
            nr::UNLINKAT => {
                let path = p.path(a[1])?;
                host(libc::unlinkat(a[0] as i32, path.as_ptr(), a[2] as i32) as i64)
            }
            nr::RENAME => {
                let (from, to) = (p.path(a[0])?, p.path(a[1])?);
                host(libc::rename(from.as_ptr(), to.as_ptr()) as i64)
            }
            nr::RENAMEAT | nr::RENAMEAT2 => {
                let (from, to) = (p.path(a[1])?, p.path(a[3])?);
                let flags = if num == nr::RENAMEAT2 { a[4] } else { 0 };
                host(libc::syscall(
                    libc::SYS_renameat2,
                    a[0] as i32,
                    from.as_ptr(),
                    a[2] as i32,
                    to.as_ptr(),
                    flags,
                ))
            }
            nr::LINK => {
                let (from, to) = (p.path(a[0])?, p.path(a[1])?);
                host(libc::link(from.as_ptr(), to.as_ptr()) as i64)
            }
            nr::SYMLINK => {
                let target =
                    CString::new(p.space.read_cstr(a[0], 4096)?).map_err(|_| libc::EINVAL)?;
                let link = p.path(a[1])?;
                host(libc::symlink(target.as_ptr(), link.as_ptr()) as i64)
            }
            nr::SYMLINKAT => {
                let target =
                    CString::new(p.space.read_cstr(a[0], 4096)?).map_err(|_| libc::EINVAL)?;
                let link = p.path(a[2])?;
                host(libc::symlinkat(target.as_ptr(), a[1] as i32, link.as_ptr()) as i64)
            }
            nr::CHMOD => {
                let path = p.path(a[0])?;
                host(libc::chmod(path.as_ptr(), a[1]) as i64)
            }
            nr::FCHMOD => host(libc::fchmod(a[0] as i32, a[1]) as i64),
            nr::FCHMODAT => {
                let path = p.path(a[1])?;
                host(libc::syscall(
                    libc::SYS_fchmodat,
                    a[0] as i32,
                    path.as_ptr(),
                    a[2],
                ))
            }
            nr::FCHOWN32 => host(libc::fchown(a[0] as i32, a[1], a[2]) as i64),
            nr::CHOWN32 | nr::LCHOWN32 => {
                let path = p.path(a[0])?;
                let r = if num == nr::CHOWN32 {
                    libc::chown(path.as_ptr(), a[1], a[2])
                } else {
                    libc::lchown(path.as_ptr(), a[1], a[2])
                };
                host(r as i64)
            }
            nr::UMASK => Ok(libc::umask(a[0]) as u32),
            nr::DUP => host(libc::dup(a[0] as i32) as i64),
            nr::DUP2 => host(libc::dup2(a[0] as i32, a[1] as i32) as i64),
            nr::DUP3 => {
                host(libc::dup3(a[0] as i32, a[1] as i32, flags::open::to_host(a[2]) as i32) as i64)
            }
            nr::PIPE | nr::PIPE2 => {
                let mut fds = [0i32; 2];
                let fl = if num == nr::PIPE2 {
                    flags::open::to_host(a[1]) as i32
                } else {
                    0
                };
                host(libc::pipe2(fds.as_mut_ptr(), fl) as i64)?;
                let mut b = [0u8; 8];
                b[..4].copy_from_slice(&fds[0].to_le_bytes());
                b[4..].copy_from_slice(&fds[1].to_le_bytes());
                p.space.write_bytes(a[0], &b)?;
                Ok(0)
            }
            nr::SENDFILE64 | nr::SENDFILE => {
                // loff_t is 64-bit in sendfile64's pointer, 32-bit in sendfile's.
                let mut off: i64 = 0;
                let use_off = a[2] != 0;
                if use_off {
                    off = if num == nr::SENDFILE64 {
                        i64::from_le_bytes(p.space.slice(a[2], 8)?.try_into().unwrap())
                    } else {
                        i32::from_le_bytes(p.space.slice(a[2], 4)?.try_into().unwrap()) as i64
                    };
                }
                let offp = if use_off {
                    &mut off as *mut i64
                } else {
                    std::ptr::null_mut()
                };
                let r = host(crate::safe!(
                    libc::SYS_sendfile,
                    a[0] as i32,
                    a[1] as i32,
                    offp,
                    a[3]
                ))?;
                if use_off {
                    if num == nr::SENDFILE64 {
                        p.space.write_bytes(a[2], &off.to_le_bytes())?;
                    } else {
                        p.space.write_bytes(a[2], &(off as i32).to_le_bytes())?;
                    }
                }
                Ok(r)
            }
            nr::UTIMENSAT | nr::UTIMENSAT_TIME64 => {
                let t64 = num == nr::UTIMENSAT_TIME64;
                let times = if a[2] != 0 {
                    let size = if t64 { 16 } else { 8 };
                    let read = |addr| {
                        if t64 {
                            read_timespec64(p, addr)
                        } else {
                            read_timespec32(p, addr)
                        }
                    };
                    Some([read(a[2])?, read(a[2] + size)?])
                } else {
                    None
                };
                let path = if a[1] != 0 { Some(p.path(a[1])?) } else { None };
                host(libc::syscall(
                    libc::SYS_utimensat,
                    a[0] as i32,
                    path.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
                    times.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()),
                    a[3] as i32,
                ))
            }
            nr::FSYNC => host(libc::fsync(a[0] as i32) as i64),
            nr::SYNCFS => host(libc::syncfs(a[0] as i32) as i64),
            nr::FDATASYNC => host(libc::fdatasync(a[0] as i32) as i64),
            nr::SYNC => {
                libc::sync();
                Ok(0)
            }
            nr::FTRUNCATE64 => host(libc::ftruncate(a[0] as i32, pair(a[2], a[3])) as i64),
            // The old calls take a 32-bit signed length.
            nr::FTRUNCATE => host(libc::ftruncate(a[0] as i32, a[1] as i32 as i64) as i64),
            nr::TRUNCATE => {
                let path = p.path(a[0])?;
                host(libc::truncate(path.as_ptr(), a[1] as i32 as i64) as i64)
            }
            nr::TRUNCATE64 => {
                let path = p.path(a[0])?;
                host(libc::truncate(path.as_ptr(), pair(a[2], a[3])) as i64)
            }
            nr::POLL => {
                // struct pollfd is identical on both sides.
                let fds = p.ptr(a[0], a[1].saturating_mul(8), PROT_WRITE)?;
                host(libc::poll(fds as *mut libc::pollfd, a[1] as u64, a[2] as i32) as i64)
            }
            // Processes and identity.
            nr::GETPID => Ok(libc::getpid() as u32),
            nr::GETPPID => Ok(libc::getppid() as u32),
            nr::GETTID => Ok(libc::gettid() as u32),
            nr::GETUID32 => Ok(libc::getuid()),
            nr::GETEUID32 => Ok(libc::geteuid()),
            nr::GETGID32 => Ok(libc::getgid()),
            nr::GETEGID32 => Ok(libc::getegid()),
            nr::GETPGRP => Ok(libc::getpgrp() as u32),
            nr::GETPGID => host(libc::getpgid(a[0] as i32) as i64),
            nr::GETSID => host(libc::getsid(a[0] as i32) as i64),
            nr::SETSID => host(libc::setsid() as i64),
            nr::SETPGID => host(libc::setpgid(a[0] as i32, a[1] as i32) as i64),
            nr::UNAME => uname(p, a[0]),
            nr::KILL | nr::TKILL | nr::TGKILL => kill(num, a),
            nr::SCHED_YIELD => host(libc::sched_yield() as i64),
            nr::SCHED_GETAFFINITY => {
                let buf = p.ptr(a[2], a[1], PROT_WRITE)?;
                host(libc::syscall(
                    libc::SYS_sched_getaffinity,
                    a[0] as i32,
                    a[1] as usize,
                    buf,
                ))
            }
            nr::UGETRLIMIT => {
                let mut rl: libc::rlimit = std::mem::zeroed();
                host(libc::getrlimit(a[0], &mut rl) as i64)?;
                let clamp = |v: u64| {
                    if v > u32::MAX as u64 {
                        u32::MAX
                    } else {
                        v as u32
                    }
                };
                let mut b = [0u8; 8];
                b[..4].copy_from_slice(&clamp(rl.rlim_cur).to_le_bytes());
                b[4..].copy_from_slice(&clamp(rl.rlim_max).to_le_bytes());
                p.space.write_bytes(a[1], &b)?;
                Ok(0)
            }
            nr::PRLIMIT64 => {
                // struct rlimit64 is two u64s on both sides.
                let new = if a[2] != 0 {
                    p.ptr(a[2], 16, PROT_READ)?
                } else {
                    std::ptr::null_mut()
                };
                let old = if a[3] != 0 {
                    p.ptr(a[3], 16, PROT_WRITE)?
                } else {
                    std::ptr::null_mut()
                };
                host(libc::syscall(
                    libc::SYS_prlimit64,
                    a[0] as i32,
                    a[1],
                    new,
                    old,
                ))
            }
            // Memory.
            nr::BRK => Ok(brk(p, a[0])),
            nr::MMAP2 => mmap(
                p,
                engine,
                a[0],
                a[1],
                a[2],
                a[3],
                a[4] as i32,
                a[5] as u64 * 4096,
            ),
            nr::MUNMAP => {
                let space = p.space.clone();
                let _maps = space.brk.lock().unwrap_or_else(|e| e.into_inner());
                // Linux's order: alignment and range, then the length.
                let (start, len) = (a[0], a[1]);
                let task_size = p.space.task_size;
                if !start.is_multiple_of(PAGE_SIZE)
                    || start > task_size
                    || len > task_size - start
                    || len == 0
                {
                    return Err(libc::EINVAL);
                }
                engine.invalidate_range(start, len);
                p.space.unmap(start, len as u64)?;
                Ok(0)
            }
            nr::MPROTECT => mprotect(p, engine, a),
            nr::MREMAP => {
                let space = p.space.clone();
                let _maps = space.brk.lock().unwrap_or_else(|e| e.into_inner());
                mremap(p, engine, a)
            }
            nr::SHMAT => crate::ipc::shmat(p, engine, a),
            nr::SHMDT => crate::ipc::shmdt(p, engine, a[0]),
            nr::MADVISE => madvise(p, engine, a),
            nr::MSYNC => {
                let addr = p.ptr(a[0], a[1], MAPPED)?;
                host(libc::msync(addr, a[1] as usize, a[2] as i32) as i64)
            }
            nr::ARM_CACHEFLUSH => {
                engine.invalidate_range(a[0], a[1].wrapping_sub(a[0]));
                Ok(0)
            }
            nr::ARM_SET_TLS => {
                cpu.tpidruro = a[0];
                Ok(0)
            }
            nr::ARM_GET_TLS => Ok(cpu.tpidruro),
            // Time.
            nr::CLOCK_GETTIME
            | nr::CLOCK_GETTIME64
            | nr::CLOCK_GETRES
            | nr::CLOCK_GETRES_TIME64 => {
                let mut t: libc::timespec = std::mem::zeroed();
                let r = if num == nr::CLOCK_GETTIME || num == nr::CLOCK_GETTIME64 {
                    libc::clock_gettime(a[0] as i32, &mut t)
                } else {
                    libc::clock_getres(a[0] as i32, &mut t)
                };
                host(r as i64)?;
                // clock_getres may be given NULL; clock_gettime writes
                // whatever it is given (NULL is EFAULT), as in Linux.
                let is_getres = num == nr::CLOCK_GETRES || num == nr::CLOCK_GETRES_TIME64;
                if a[1] != 0 || !is_getres {
                    write_timespec(
                        p,
                        a[1],
                        &t,
                        num == nr::CLOCK_GETTIME64 || num == nr::CLOCK_GETRES_TIME64,
                    )?;
                }
                Ok(0)
            }
            nr::GETTIMEOFDAY => {
                let mut tv: libc::timeval = std::mem::zeroed();
                host(libc::gettimeofday(&mut tv, std::ptr::null_mut()) as i64)?;
                if a[0] != 0 {
                    let g = layout::Timeval32::from_host(tv.tv_sec, tv.tv_usec);
                    p.space.write_bytes(a[0], &g.to_guest_vec())?;
                }
                if a[1] != 0 {
                    // The kernel's timezone is always zero nowadays.
                    p.space
                        .write_bytes(a[1], &layout::Timezone::default().to_guest_vec())?;
                }
                Ok(0)
            }
            nr::NANOSLEEP => {
                let req = read_timespec32(p, a[0])?;
                // All of it is left if a signal comes before the sleep.
                let mut rem = req;
                let r = crate::safe!(
                    libc::SYS_nanosleep,
                    &req as *const libc::timespec,
                    &mut rem as *mut libc::timespec
                );
                if r < 0 && errno() == libc::EINTR && a[1] != 0 {
                    write_timespec(p, a[1], &rem, false)?;
                }
                host(r)
            }
            nr::CLOCK_NANOSLEEP | nr::CLOCK_NANOSLEEP_TIME64 => {
                let t64 = num == nr::CLOCK_NANOSLEEP_TIME64;
                let req = if t64 {
                    read_timespec64(p, a[2])?
                } else {
                    read_timespec32(p, a[2])?
                };
                let mut rem = req;
                let r = crate::safe!(
                    libc::SYS_clock_nanosleep,
                    a[0] as i32,
                    a[1] as i32,
                    &req as *const libc::timespec,
                    &mut rem as *mut libc::timespec
                );
                if r < 0 {
                    let e = errno();
                    // The time left, for a relative sleep (Linux writes it
                    // only then).
                    if e == libc::EINTR && a[3] != 0 && a[1] as i32 & libc::TIMER_ABSTIME == 0 {
                        write_timespec(p, a[3], &rem, t64)?;
                    }
                    return Err(e);
                }
                Ok(0)
            }
            nr::GETRANDOM => {
                let buf = p.ptr(a[0], a[1], PROT_WRITE)?;
                match &p.seeded_random {
                    // -seed: the same bytes on every run (flags checked
                    // by the host first, with an empty request).
                    Some(state) => {
                        host(libc::getrandom(buf, 0, a[2]) as i64)?;
                        let out = p.space.slice_mut(a[0], a[1])?;
                        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                        for b in out.iter_mut() {
                            *b = crate::cpu_model::next_seeded(&mut s);
                        }
                        Ok(a[1])
                    }
                    None => host(libc::getrandom(buf, a[1] as usize, a[2]) as i64),
                }
            }
            // Threads and signals (recorded; delivery comes with signal support).
            nr::SET_TID_ADDRESS => {
                p.clear_child_tid = a[0];
                Ok(libc::gettid() as u32)
            }
            nr::SET_ROBUST_LIST => crate::process::set_robust_list(a[0], a[1]),
            nr::GET_ROBUST_LIST => crate::process::get_robust_list(p, a[0], a[1], a[2]),
            // Restartable sequences are optional in Linux (CONFIG_RSEQ);
            // glibc registers one at start-up and carries on without it when
            // the kernel says ENOSYS, so this is a decision, not a gap to report.
            nr::RSEQ => Err(libc::ENOSYS),
            nr::FORK => crate::process::clone_process(p, cpu, libc::SIGCHLD as u32, 0, 0, 0, 0),
            nr::VFORK => crate::process::clone_vm_process(
                p,
                cpu,
                engine,
                flags::clone::CLONE_VM | flags::clone::CLONE_VFORK | libc::SIGCHLD as u32,
                0,
                0,
                0,
                0,
            ),
            nr::CLONE if !flags::clone::valid(a[0]) => Err(libc::EINVAL),
            nr::CLONE
                if a[0] & flags::clone::CLONE_VM != 0 && a[0] & flags::clone::CLONE_THREAD != 0 =>
            {
                crate::process::clone_thread(p, cpu, engine, a[0], a[1], a[2], a[3], a[4])
            }
            nr::CLONE if a[0] & flags::clone::CLONE_VM != 0 => {
                crate::process::clone_vm_process(p, cpu, engine, a[0], a[1], a[2], a[3], a[4])
            }
            nr::CLONE => crate::process::clone_process(p, cpu, a[0], a[1], a[2], a[3], a[4]),
            nr::WAIT4 => crate::process::wait4(p, a[0], a[1], a[2], a[3]),
            nr::PROCESS_VM_READV | nr::PROCESS_VM_WRITEV => {
                process_vm_rw(p, num == nr::PROCESS_VM_WRITEV, a)
            }
            nr::EXECVE => crate::process::execve(p, a[0], a[1], a[2]),
            nr::EXECVEAT => crate::process::execveat(p, a),
            nr::PRCTL => prctl(p, a),
            nr::FUTEX | nr::FUTEX_TIME64 => futex(p, num == nr::FUTEX_TIME64, a),
            nr::FUTEX_WAITV => futex_waitv(p, a),
            nr::RT_SIGACTION => rt_sigaction(p, a),
            nr::RT_SIGPROCMASK => rt_sigprocmask(p, a),
            nr::SIGALTSTACK => sigaltstack(p, cpu, a),
            nr::RT_SIGPENDING => {
                // Queued here, or blocked and held by the host kernel.
                p.signals.take_host_pending();
                let set =
                    (p.signals.all_pending() | crate::signal::host_pending()) & p.signals.mask;
                // As many bytes as asked (at most 8, checked before).
                p.space
                    .write_bytes(a[0], &set.to_le_bytes()[..a[1] as usize])?;
                Ok(0)
            }
            nr::RT_SIGSUSPEND => sigsuspend(p, a),
            nr::PAUSE => {
                // Sleeps until a signal is delivered (its handler runs when
                // this returns EINTR).
                let mask = p.signals.mask;
                p.signals.suspend(mask);
                Err(libc::EINTR)
            }
            nr::RT_SIGTIMEDWAIT | nr::RT_SIGTIMEDWAIT_TIME64 => sigtimedwait(p, num, a),
            nr::RT_SIGQUEUEINFO | nr::RT_TGSIGQUEUEINFO => sigqueueinfo(p, num, a),
            nr::SIGNALFD | nr::SIGNALFD4 => signalfd(p, num, a),
            nr::SETITIMER | nr::GETITIMER => itimer(p, num, a),
            _ => {
                let name = rsemu_syscalls::name(num).unwrap_or("unknown");
                p.report_once(
                    format!(
                        "unsupported syscall {num} ({name}) at pc 0x{:08x}",
                        // r15 is past the SVC (2 bytes in T32, 4 in A32).
                        cpu.r[15].wrapping_sub(if cpu.thumb { 2 } else { 4 })
                    ),
                    num,
                );
                Err(libc::ENOSYS)
            }
        }
    }
}

fn open_at(p: &Process, dirfd: i32, path: &CString, gflags: u32, mode: u32) -> SysR {
    let hflags = flags::open::to_host(gflags) as i32;
    // /proc/self/* must describe the guest program, not the emulator.
    let bytes = path.as_bytes();
    if let Some(data) = crate::procfs::synthesize(p, bytes) {
        return synthetic_file(&data);
    }
    let path = if crate::procfs::is_own_exe(bytes) {
        use std::os::unix::ffi::OsStrExt;
        CString::new(p.exe.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)?
    } else {
        path.clone()
    };
    // SAFETY: path is a valid C string.
    host(unsafe { libc::openat(dirfd, path.as_ptr(), hflags, mode) } as i64)
}

/// An fd reading `data`, for files the emulator makes up (/proc entries
/// that must show the guest's view).
fn synthetic_file(data: &[u8]) -> SysR {
    // SAFETY: memfd_create gets a static C string; write gets our buffer.
    unsafe {
        let fd = libc::memfd_create(c"rsemu-proc".as_ptr(), libc::MFD_CLOEXEC);
        if fd < 0 {
            return Err(errno());
        }
        if libc::write(fd, data.as_ptr() as *const libc::c_void, data.len()) != data.len() as isize
        {
            libc::close(fd);
            return Err(libc::EIO);
        }
        libc::lseek(fd, 0, libc::SEEK_SET);
        // The guest did not ask for close-on-exec.
        libc::fcntl(fd, libc::F_SETFD, 0);
        Ok(fd as u32)
    }
}

fn readlink_at(p: &Process, dirfd: i32, path: CString, buf: u32, len: u32) -> SysR {
    if crate::procfs::is_own_exe(path.as_bytes()) {
        use std::os::unix::ffi::OsStrExt;
        let target = p.exe.as_os_str().as_bytes();
        let n = target.len().min(len as usize);
        p.space.write_bytes(buf, &target[..n])?;
        return Ok(n as u32);
    }
    let out = p.ptr(buf, len, PROT_WRITE)?;
    // SAFETY: out is checked writable for len bytes.
    host(
        unsafe { libc::readlinkat(dirfd, path.as_ptr(), out as *mut libc::c_char, len as usize) }
            as i64,
    )
}

/// process_vm_readv/writev(pid, local_iov, liovcnt, remote_iov, riovcnt,
/// flags). The remote addresses are guest addresses of the other process,
/// taken to be where they are here: every rsemu-arm process this one
/// forked or cloned (and the one it came from) has its guest memory at
/// the same host address. (The kernel checks the remote ranges; a
/// non-rsemu process's memory there is most likely unmapped: EFAULT.)
fn process_vm_rw(p: &Process, write: bool, a: [u32; 6]) -> SysR {
    if a[5] != 0 {
        return Err(libc::EINVAL);
    }
    let local = iovecs(p, a[1], a[2], !write)?;
    if a[4] > 1024 {
        return Err(libc::EINVAL);
    }
    let size = layout::Iovec32::SIZE as u32;
    let raw = p.space.slice(a[3], a[4] * size)?;
    let remote: Vec<libc::iovec> = raw
        .chunks_exact(size as usize)
        .map(|c| {
            let v = layout::Iovec32::decode(c);
            // Clipped at the end of the 4 GiB guest space.
            let room = (1u64 << 32) - u64::from(v.base);
            libc::iovec {
                iov_base: p.space.host_addr(v.base) as *mut libc::c_void,
                iov_len: u64::from(v.len).min(room) as usize,
            }
        })
        .collect();
    let nr = if write {
        libc::SYS_process_vm_writev
    } else {
        libc::SYS_process_vm_readv
    };
    // SAFETY: the local iovecs point into checked guest memory; the remote
    // ones are another process's addresses, which the kernel checks.
    host(unsafe {
        libc::syscall(
            nr,
            a[0] as i32,
            local.as_ptr(),
            local.len(),
            remote.as_ptr(),
            remote.len(),
            0usize,
        )
    })
}

pub fn iovecs(p: &Process, addr: u32, count: u32, write: bool) -> Result<Vec<libc::iovec>, i32> {
    if count > 1024 {
        return Err(libc::EINVAL);
    }
    let size = layout::Iovec32::SIZE as u32;
    let raw = p.space.slice(addr, count * size)?;
    let need = if write { PROT_WRITE } else { PROT_READ };
    raw.chunks_exact(size as usize)
        .map(|c| {
            let v = layout::Iovec32::decode(c);
            let ptr = if v.len == 0 {
                std::ptr::null_mut()
            } else {
                p.ptr(v.base, v.len, need)?
            };
            Ok(libc::iovec {
                iov_base: ptr,
                iov_len: v.len as usize,
            })
        })
        .collect()
}

fn fcntl(p: &Process, a: [u32; 6], is64: bool) -> SysR {
    use flags::FcntlArg;
    let fd = a[0] as i32;
    let map = flags::fcntl_cmd_to_host(a[1], is64).ok_or(libc::EINVAL)?;
    let cmd = map.host_cmd as i32;
    // SAFETY: lock structures are host values we own; pass-through pointers
    // are guest memory checked for the largest struct they may point to.
    unsafe {
        match map.arg {
            // The signal for I/O readiness (0: SIGIO) is a signal number.
            FcntlArg::None if a[1] == flags::fcntl::F_GETSIG => {
                host(libc::fcntl(fd, cmd) as i64).map(|s| crate::sigmap::guest_or_raw(s as i32))
            }
            FcntlArg::Int if a[1] == flags::fcntl::F_SETSIG => {
                host(libc::fcntl(fd, cmd, crate::sigmap::host_or_raw(a[2])) as i64)
            }
            FcntlArg::None => host(libc::fcntl(fd, cmd) as i64),
            FcntlArg::Int => host(libc::fcntl(fd, cmd, a[2]) as i64),
            FcntlArg::OpenFlags if cmd == libc::F_GETFL => {
                host(libc::fcntl(fd, cmd) as i64).map(flags::open::to_guest)
            }
            FcntlArg::OpenFlags => {
                host(libc::fcntl(fd, cmd, flags::open::to_host(a[2]) as i32) as i64)
            }
            FcntlArg::Flock32 | FcntlArg::Flock64 => {
                let wide = matches!(map.arg, FcntlArg::Flock64);
                let g = if wide {
                    layout::Flock64::decode(p.space.slice(a[2], 32)?).0
                } else {
                    layout::Flock32::decode(p.space.slice(a[2], 16)?).to_flock()
                };
                let mut fl: libc::flock = std::mem::zeroed();
                fl.l_type = g.l_type;
                fl.l_whence = g.l_whence;
                fl.l_start = g.l_start;
                fl.l_len = g.l_len;
                fl.l_pid = g.l_pid;
                host(libc::fcntl(fd, cmd, &mut fl) as i64)?;
                if cmd == libc::F_GETLK || cmd == libc::F_OFD_GETLK {
                    let out = layout::Flock {
                        l_type: fl.l_type,
                        l_whence: fl.l_whence,
                        l_start: fl.l_start,
                        l_len: fl.l_len,
                        l_pid: fl.l_pid,
                    };
                    if wide {
                        p.space
                            .write_bytes(a[2], &layout::Flock64(out).to_guest_vec())?;
                    } else {
                        let n = layout::Flock32::from_flock(&out).map_err(|_| libc::EOVERFLOW)?;
                        p.space.write_bytes(a[2], &n.to_guest_vec())?;
                    }
                }
                Ok(0)
            }
            _ => {
                let ptr = p.ptr(a[2], 8, PROT_READ)?;
                host(libc::fcntl(fd, cmd, ptr) as i64)
            }
        }
    }
}

/// prctl, by the option table in `rsemu_syscalls::flags::prctl`.
fn prctl(p: &mut Process, a: [u32; 6]) -> SysR {
    use flags::prctl::{self, Handling};
    let Some((_, handling)) = prctl::option(a[0]) else {
        p.report_once(
            format!("unsupported prctl option {}", a[0]),
            0x4000_0000 ^ a[0],
        );
        return Err(libc::EINVAL);
    };
    let host_prctl = |args: [libc::c_ulong; 5]| {
        // SAFETY: integer arguments, or pointers into the guest
        // reservation of the size the option uses (see the table).
        host(unsafe { libc::prctl(a[0] as i32, args[0], args[1], args[2], args[3]) } as i64)
    };
    let ints = [a[1], a[2], a[3], a[4]].map(|v| v as libc::c_ulong);
    match handling {
        Handling::Host => host_prctl([ints[0], ints[1], ints[2], ints[3], 0]),
        Handling::HostPointer { arg, size } => {
            let mut args = [ints[0], ints[1], ints[2], ints[3], 0];
            if a[arg] != 0 {
                args[arg - 1] = p.host_range(a[arg], size)? as libc::c_ulong;
            }
            host_prctl(args)
        }
        Handling::NotOnArm | Handling::Refused => Err(libc::EINVAL),
        Handling::Emulated => match a[0] {
            // The guest's signal numbers.
            prctl::SET_PDEATHSIG => host_prctl([
                crate::sigmap::host_or_raw(a[1]) as libc::c_ulong,
                0,
                0,
                0,
                0,
            ]),
            prctl::GET_PDEATHSIG => {
                let mut sig: libc::c_int = 0;
                host_prctl([&mut sig as *mut libc::c_int as libc::c_ulong, 0, 0, 0, 0])?;
                let g = crate::sigmap::guest_or_raw(sig);
                p.space.write_bytes(a[1], &g.to_le_bytes())?;
                Ok(0)
            }
            // The guest's clear_child_tid (set_tid_address, clone).
            prctl::GET_TID_ADDRESS => {
                p.space
                    .write_bytes(a[1], &p.clear_child_tid.to_le_bytes())?;
                Ok(0)
            }
            // The guest's auxiliary vector, 32-bit pairs; the result is
            // its whole size, at most `size` bytes copied.
            prctl::GET_AUXV => {
                if a[3] != 0 || a[4] != 0 {
                    return Err(libc::EINVAL);
                }
                let mut bytes: Vec<u8> = p
                    .auxv
                    .iter()
                    .flat_map(|&(k, v)| k.to_le_bytes().into_iter().chain(v.to_le_bytes()))
                    .collect();
                if p.auxv.last().is_none_or(|&(k, _)| k != 0) {
                    bytes.extend_from_slice(&[0; 8]); // AT_NULL
                }
                let n = bytes.len().min(a[2] as usize);
                if n > 0 {
                    p.space.write_bytes(a[1], &bytes[..n])?;
                }
                Ok(bytes.len() as u32)
            }
            // PR_SET_VMA_ANON_NAME: guest range and name, host addresses.
            prctl::SET_VMA => {
                if a[1] != 0 {
                    return Err(libc::EINVAL);
                }
                let start = p.host_range(a[2], a[3])? as libc::c_ulong;
                let name = if a[4] != 0 {
                    p.host_range(a[4], 1)? as libc::c_ulong
                } else {
                    0
                };
                host_prctl([0, start, a[3] as libc::c_ulong, name, 0])
            }
            _ => Err(libc::EINVAL),
        },
    }
}

/// mprotect, validating as Linux does and in its order: both grow
/// directions, alignment, an empty range (success), wrap-around, unknown
/// protection bits, then the mapping itself (`ENOMEM` for a hole).
fn mprotect(p: &mut Process, engine: &mut Engine, a: [u32; 6]) -> SysR {
    use flags::mmap::{PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, PROT_SEM};
    let task_size = p.space.task_size;
    let (start, len, prot) = (a[0], a[1], a[2]);
    let space = p.space.clone();
    let _maps = space.brk.lock().unwrap_or_else(|e| e.into_inner());
    let grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
    let prot = prot & !grows;
    if grows == PROT_GROWSDOWN | PROT_GROWSUP || !start.is_multiple_of(PAGE_SIZE) {
        return Err(libc::EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    let end = start as u64 + page_align_up(len as u64);
    if end > 1 << 32 {
        return Err(libc::ENOMEM); // wraps: Linux's end <= start
    }
    if prot & !(flags::mmap::PROT_READ | flags::mmap::PROT_WRITE | PROT_EXEC | PROT_SEM) != 0 {
        return Err(libc::EINVAL);
    }
    // ARM has no grows-up mappings. PROT_GROWSDOWN (glibc's executable
    // stack) applies to the range given; its extension down to the start
    // of the stack mapping is not made.
    if grows == PROT_GROWSUP {
        return Err(libc::EINVAL);
    }
    if end > task_size as u64 {
        return Err(libc::ENOMEM);
    }
    engine.invalidate_range(start, len);
    p.space.protect(start, len as u64, prot_from_linux(prot))?;
    Ok(0)
}

/// madvise: validated in Linux's order (advice, alignment, wrap-around,
/// an empty range), then applied to the host pages, which are the
/// guest's own one for one (same 4 KiB pages). Advice that acts on the
/// machine rather than the process (hardware poisoning) is refused;
/// advice that can change contents drops translated code of the range.
/// A range with unmapped pages is `ENOMEM`, after the mapped ones took
/// the advice, as in Linux.
fn madvise(p: &mut Process, engine: &mut Engine, a: [u32; 6]) -> SysR {
    use flags::mmap::advice::{handling, Handling};
    let task_size = p.space.task_size;
    let (start, len_in, advice) = (a[0], a[1], a[2]);
    let how = handling(advice);
    if how == Handling::Invalid || !start.is_multiple_of(PAGE_SIZE) {
        return Err(libc::EINVAL);
    }
    let len = page_align_up(len_in as u64);
    let end = start as u64 + len;
    if end > 1 << 32 || (len_in != 0 && len == 1 << 32) {
        return Err(libc::EINVAL); // wraps in 32 bits
    }
    if len == 0 {
        return Ok(0);
    }
    if how == Handling::Refused {
        return Err(libc::EPERM);
    }
    let space = p.space.clone();
    let _maps = space.brk.lock().unwrap_or_else(|e| e.into_inner());
    let end = end.min(task_size as u64);
    let mut hole = end < start as u64 + len;
    let mut page = start as u64;
    while page < end {
        // One host call per run of mapped pages.
        let run_start = page;
        while page < end && space.flags(page as u32) & MAPPED != 0 {
            page += PAGE_SIZE as u64;
        }
        if page > run_start {
            if how == Handling::HostChangesContents {
                engine.invalidate_range(run_start as u32, (page - run_start) as u32);
            }
            // SAFETY: the run is mapped guest memory inside the
            // reservation; the advice (validated above) acts only on
            // these pages of this process.
            let r = unsafe {
                libc::madvise(
                    space.host_addr(run_start as u32) as *mut libc::c_void,
                    (page - run_start) as usize,
                    advice as i32,
                )
            };
            if r != 0 {
                return Err(errno());
            }
        }
        if page < end {
            hole = true;
            page += PAGE_SIZE as u64;
        }
    }
    if hole {
        Err(libc::ENOMEM)
    } else {
        Ok(0)
    }
}

fn ioctl(p: &mut Process, a: [u32; 6]) -> SysR {
    use rsemu_syscalls::ioctl::{self, IoctlArg};
    let (fd, req) = (a[0] as i32, a[1]);
    let Some(info) = ioctl::info(req) else {
        p.report_once(
            format!("unsupported ioctl 0x{req:x} on fd {fd}"),
            0x8000_0000 ^ req,
        );
        // What Linux answers for a request no driver knows, after the
        // descriptor check.
        check_fd(fd, rsemu_syscalls::order::FdCheck::Open)?;
        return Err(libc::ENOTTY);
    };
    if info.arg == IoctlArg::Ifreq {
        let mut buf = [0u8; 40];
        buf[..32].copy_from_slice(p.space.slice(a[2], 32)?);
        // SAFETY: buf is a host-sized struct ifreq we own.
        host(unsafe { libc::ioctl(fd, req as libc::c_ulong, buf.as_mut_ptr()) } as i64)?;
        p.space.write_bytes(a[2], &buf[..32])?;
        return Ok(0);
    }
    let arg = match info.arg {
        IoctlArg::Ifreq => unreachable!(),
        IoctlArg::Int => a[2] as usize as *mut libc::c_void,
        // The struct's layout is the host's: the host kernel reads or
        // writes guest memory itself, and finds a bad descriptor, a file
        // the request does not apply to and a bad pointer in its order.
        IoctlArg::In(size) | IoctlArg::Out(size) => p.host_range(a[2], size)?,
    };
    // SAFETY: arg is an integer the kernel does not dereference, or lies
    // in the guest reservation with the struct's size, where the host
    // kernel's access checks apply the guest's protections.
    host(unsafe { libc::ioctl(fd, req as libc::c_ulong, arg) } as i64)
}

fn uname(p: &Process, addr: u32) -> SysR {
    // SAFETY: uname fills the struct we own.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    host(unsafe { libc::uname(&mut u) } as i64)?;
    let text = |f: &[libc::c_char]| -> String {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|c| **c != 0)
            .map(|c| *c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let g = layout::Utsname {
        sysname: text(&u.sysname),
        nodename: text(&u.nodename),
        release: p.uname_release.clone().unwrap_or_else(|| text(&u.release)),
        version: text(&u.version),
        machine: "armv7l".into(),
        domainname: text(&u.domainname),
    };
    p.space.write_bytes(addr, &g.to_guest_vec())?;
    Ok(0)
}

fn brk(p: &mut Process, new: u32) -> u32 {
    let s = &p.space;
    let mut cur = s.brk.lock().unwrap_or_else(|e| e.into_inner());
    if new < s.brk_start {
        return *cur;
    }
    let old_end = page_align_up(*cur as u64);
    let new_end = page_align_up(new as u64);
    if new_end > old_end {
        let len = new_end - old_end;
        if !s.is_free(old_end as u32, len)
            || s.map(
                old_end as u32,
                len,
                MAPPED | PROT_READ | PROT_WRITE,
                false,
                None,
            )
            .is_err()
        {
            return *cur;
        }
    } else if new_end < old_end {
        let _ = s.unmap(new_end as u32, old_end - new_end);
    }
    *cur = new;
    new
}

use flags::mmap::{MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_SHARED};

#[allow(clippy::too_many_arguments)]
fn mmap(
    p: &mut Process,
    engine: &mut Engine,
    addr: u32,
    len: u32,
    prot: u32,
    fl: u32,
    fd: i32,
    offset: u64,
) -> SysR {
    // Threads share the address space: placement and mapping must not
    // interleave with another thread's.
    let space = p.space.clone();
    let _maps = space.brk.lock().unwrap_or_else(|e| e.into_inner());
    // Linux's order: the descriptor (ksys_mmap_pgoff), the length, the
    // place (get_unmapped_area), then the mapping type (do_mmap).
    if fl & MAP_ANONYMOUS == 0 {
        // SAFETY: F_GETFD only looks the descriptor up.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            return Err(libc::EBADF);
        }
    }
    if len == 0 {
        return Err(libc::EINVAL);
    }
    let alen = page_align_up(len as u64);
    let fixed = fl & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
    if fixed && addr as u64 + alen > u64::from(p.space.task_size) {
        return Err(libc::ENOMEM);
    }
    if !flags::mmap::map_type_valid(fl) {
        return Err(libc::EINVAL);
    }
    let target = if fixed {
        if !addr.is_multiple_of(PAGE_SIZE) {
            return Err(libc::EINVAL);
        }
        if fl & MAP_FIXED_NOREPLACE != 0 && !p.space.is_free(addr, alen) {
            return Err(libc::EEXIST);
        }
        addr
    } else if addr != 0
        && addr.is_multiple_of(PAGE_SIZE)
        && addr as u64 + alen <= 0xc000_0000
        && p.space.is_free(addr, alen)
    {
        addr
    } else {
        p.space.find_free(alen).ok_or(libc::ENOMEM)?
    };
    let file = if fl & MAP_ANONYMOUS != 0 {
        None
    } else {
        Some((fd, offset))
    };
    engine.invalidate_range(target, alen as u32);
    p.space.map(
        target,
        alen,
        prot_from_linux(prot),
        fl & MAP_SHARED != 0,
        file,
    )?;
    if prot & 4 != 0 && fl & MAP_ANONYMOUS == 0 {
        crate::tcache::file_mapped(
            engine.translation_cache().map(|c| &**c),
            target,
            alen,
            fd,
            offset,
        );
    }
    Ok(target)
}

/// mremap, validated in mm/mremap.c's order and carried out by the host's
/// mremap on the guest's own pages, so file mappings grow with file pages
/// and MREMAP_DONTUNMAP leaves the old range mapped but emptied.
fn mremap(p: &mut Process, engine: &mut Engine, a: [u32; 6]) -> SysR {
    use flags::mmap::{MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE};
    let task_size = p.space.task_size;
    let (old, old_len_in, new_len_in, fl, new_addr) = (a[0], a[1], a[2], a[3], a[4]);
    if fl & !(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP) != 0
        || (fl & MREMAP_FIXED != 0 && fl & MREMAP_MAYMOVE == 0)
        || (fl & MREMAP_DONTUNMAP != 0 && (fl & MREMAP_MAYMOVE == 0 || old_len_in != new_len_in))
        || !old.is_multiple_of(PAGE_SIZE)
    {
        return Err(libc::EINVAL);
    }
    let old_len = page_align_up(old_len_in as u64);
    let new_len = page_align_up(new_len_in as u64);
    if new_len == 0 || new_len > task_size as u64 {
        return Err(libc::EINVAL);
    }
    // Duplicating a shared mapping (old_len 0) is not supported: its
    // pages cannot be named on the host without the file.
    if old_len == 0 {
        return Err(libc::EINVAL);
    }
    let moving = fl & (MREMAP_FIXED | MREMAP_DONTUNMAP) != 0;
    if !moving && new_len <= old_len {
        // Always allowed: shrinking in place, by unmapping the tail, with
        // a 32-bit kernel's arithmetic: `addr + new_len` wraps, and munmap
        // refuses a range that starts or ends past TASK_SIZE (EINVAL).
        if new_len < old_len {
            let start = old.wrapping_add(new_len as u32);
            let len = (old_len - new_len) as u32;
            if start > task_size || len > task_size - start {
                return Err(libc::EINVAL);
            }
            engine.invalidate_range(start, len);
            p.space.unmap(start, u64::from(len))?;
        }
        return Ok(old);
    }
    if old as u64 + old_len > task_size as u64 || !p.space.check(old, old_len, MAPPED) {
        return Err(libc::EFAULT);
    }
    let flags = p.space.flags(old);
    let host_mremap = |to: Option<u32>, how: u32| {
        // SAFETY: the source is guest memory inside the reservation; a
        // destination is a page-aligned range inside it too, which the
        // host replaces atomically (MREMAP_FIXED).
        let r = unsafe {
            libc::mremap(
                p.space.host_addr(old) as *mut libc::c_void,
                old_len as usize,
                new_len as usize,
                how as i32,
                to.map_or(std::ptr::null_mut(), |t| {
                    p.space.host_addr(t) as *mut libc::c_void
                }),
            )
        };
        if r == libc::MAP_FAILED {
            Err(errno())
        } else {
            Ok(())
        }
    };
    if !moving {
        // Grow in place when the guest pages after it are free: the host
        // mapping grows into the reservation's room (a file mapping with
        // the file's next pages, as on Linux).
        let tail = old as u64 + old_len;
        let grow = new_len - old_len;
        if tail + grow <= task_size as u64 && p.space.is_free(tail as u32, grow) {
            p.space.open_hole(tail as u32, grow)?;
            match host_mremap(None, 0) {
                Ok(()) => {
                    p.space.mark(tail as u32, grow, flags);
                    return Ok(old);
                }
                Err(_) => p.space.refill_hole(tail as u32, grow),
            }
        }
        if fl & MREMAP_MAYMOVE == 0 {
            return Err(libc::ENOMEM);
        }
    }
    let dest = if fl & MREMAP_FIXED != 0 {
        if !new_addr.is_multiple_of(PAGE_SIZE) || new_addr as u64 + new_len > task_size as u64 {
            return Err(libc::EINVAL);
        }
        // Overlapping source and destination: EINVAL, as Linux.
        let (o0, o1) = (old as u64, old as u64 + old_len);
        let (n0, n1) = (new_addr as u64, new_addr as u64 + new_len);
        if n0 < o1 && o0 < n1 {
            return Err(libc::EINVAL);
        }
        new_addr
    } else {
        p.space.find_free(new_len).ok_or(libc::ENOMEM)?
    };
    engine.invalidate_range(old, old_len as u32);
    engine.invalidate_range(dest, new_len as u32);
    let mut how = (libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED) as u32;
    if fl & MREMAP_DONTUNMAP != 0 {
        how |= MREMAP_DONTUNMAP;
    }
    host_mremap(Some(dest), how)?;
    if fl & MREMAP_DONTUNMAP == 0 {
        // The host left a hole where the old pages were.
        p.space.refill_hole(old, old_len);
    }
    p.space.mark(dest, new_len, flags);
    Ok(dest)
}

/// futex_waitv(waiters, nr_futexes, flags, timeout, clockid): the
/// `struct futex_waitv` array (u64 val, u64 uaddr, u32 flags, u32
/// reserved: one layout on both) is copied with each guest address
/// turned into its host address; checks in Linux's order (flags and
/// count, the clock, the timeout, then the array).
fn futex_waitv(p: &Process, a: [u32; 6]) -> SysR {
    const FUTEX_WAITV_MAX: u32 = 128;
    const WAITV_SIZE: u32 = 24;
    let (waiters, count, flags, timeout, clock) = (a[0], a[1], a[2], a[3], a[4] as i32);
    if flags != 0 || waiters == 0 || count == 0 || count > FUTEX_WAITV_MAX {
        return Err(libc::EINVAL);
    }
    let ts = if timeout != 0 {
        if clock != libc::CLOCK_REALTIME && clock != libc::CLOCK_MONOTONIC {
            return Err(libc::EINVAL);
        }
        Some(read_timespec64(p, timeout)?)
    } else {
        None
    };
    let mut list = p.space.slice(waiters, count * WAITV_SIZE)?.to_vec();
    for w in list.chunks_exact_mut(WAITV_SIZE as usize) {
        let uaddr = u64::from_le_bytes(w[8..16].try_into().unwrap());
        // A guest address is 32 bits; Linux would fault on any other.
        let guest = u32::try_from(uaddr).map_err(|_| libc::EFAULT)?;
        let host_addr = p.host_range(guest, 4)? as u64;
        w[8..16].copy_from_slice(&host_addr.to_le_bytes());
    }
    // SAFETY: the array is ours, its addresses lie in the guest
    // reservation (the host kernel checks access and alignment), and the
    // timeout is ours or NULL.
    host(unsafe {
        libc::syscall(
            libc::SYS_futex_waitv,
            list.as_ptr(),
            count,
            0,
            ts.as_ref()
                .map_or(std::ptr::null(), |t| t as *const libc::timespec),
            clock,
        )
    })
}

fn futex(p: &Process, time64: bool, a: [u32; 6]) -> SysR {
    const FUTEX_CMD_MASK: u32 = 0x7f & !0x80;
    let op = a[1];
    let cmd = op & FUTEX_CMD_MASK & 0xf;
    let uaddr = p.ptr(a[0], 4, PROT_READ)?;
    // WAIT and WAIT_BITSET take a timeout; the others take val2 there.
    let has_timeout = matches!(cmd, 0 | 9) && a[3] != 0;
    let ts = if has_timeout {
        Some(if time64 {
            read_timespec64(p, a[3])?
        } else {
            read_timespec32(p, a[3])?
        })
    } else {
        None
    };
    let timeout: *const libc::timespec = match &ts {
        Some(t) => t,
        None => a[3] as usize as *const libc::timespec,
    };
    let uaddr2 = if matches!(cmd, 3..=5) {
        p.ptr(a[4], 4, PROT_READ)?
    } else {
        std::ptr::null_mut()
    };
    // SAFETY: the futex words are guest memory checked readable; the host
    // kernel reads and compares them atomically.
    host(crate::safe!(
        libc::SYS_futex,
        uaddr,
        op as i32,
        a[2],
        timeout,
        uaddr2,
        a[5],
    ))
}

/// rt_sigaction in Linux's order: the set size (checked in dispatch),
/// reading the new action (`EFAULT`), the signal (`EINVAL`), then writing
/// the old one.
fn rt_sigaction(p: &mut Process, a: [u32; 6]) -> SysR {
    let sig = a[0];
    let act = if a[1] != 0 {
        Some(layout::KSigaction::decode(
            p.space.slice(a[1], layout::KSigaction::SIZE as u32)?,
        ))
    } else {
        None
    };
    if crate::sigmap::host(sig).is_none()
        || (act.is_some() && (sig == libc::SIGKILL as u32 || sig == libc::SIGSTOP as u32))
    {
        return Err(libc::EINVAL);
    }
    let old = p.signals.action(sig);
    if let Some(act) = act {
        p.signals.set_action(sig, act);
    }
    if a[2] != 0 {
        p.space.write_bytes(a[2], &old.to_guest_vec())?;
    }
    Ok(0)
}

/// kill/tkill/tgkill: through the host kernel, to this process or any
/// other. The host picks the thread a process-directed signal goes to,
/// keeps a blocked one pending (where signalfd and sigtimedwait see it) and
/// queues real-time ones, as Linux does for the guest: guest threads are
/// host threads and their host masks mirror the guest's. A signal this
/// thread takes arrives before the call returns and is delivered then.
fn kill(num: u32, a: [u32; 6]) -> SysR {
    // SAFETY: plain integer arguments; 0 and invalid numbers go through
    // unchanged for the host to answer as Linux would.
    host(unsafe {
        match num {
            nr::KILL => libc::syscall(
                libc::SYS_kill,
                a[0] as i32,
                crate::sigmap::host_or_raw(a[1]),
            ),
            nr::TKILL => libc::syscall(
                libc::SYS_tkill,
                a[0] as i32,
                crate::sigmap::host_or_raw(a[1]),
            ),
            _ => libc::syscall(
                libc::SYS_tgkill,
                a[0] as i32,
                a[1] as i32,
                crate::sigmap::host_or_raw(a[2]),
            ),
        }
    })
}

fn sigaltstack(p: &mut Process, cpu: &CpuState, a: [u32; 6]) -> SysR {
    use rsemu_syscalls::flags::signal::{MINSIGSTKSZ, SS_DISABLE, SS_ONSTACK};
    let (sp, size, flags) = p.signals.altstack;
    let on = flags & SS_DISABLE == 0 && cpu.r[13].wrapping_sub(sp) < size;
    if a[0] != 0 {
        if on {
            return Err(libc::EPERM);
        }
        let new = layout::StackT32::decode(p.space.slice(a[0], layout::StackT32::SIZE as u32)?);
        let nflags = new.flags as u32;
        if nflags & SS_DISABLE != 0 {
            p.signals.altstack = (0, 0, SS_DISABLE);
        } else if nflags & !(1 << 31) != 0 {
            return Err(libc::EINVAL);
        } else if new.size < MINSIGSTKSZ {
            return Err(libc::ENOMEM);
        } else {
            p.signals.altstack = (new.sp, new.size, 0);
        }
    }
    if a[1] != 0 {
        let old = layout::StackT32 {
            sp,
            flags: if on { SS_ONSTACK as i32 } else { flags as i32 },
            size,
        };
        p.space.write_bytes(a[1], &old.to_guest_vec())?;
    }
    Ok(0)
}

fn sigsuspend(p: &mut Process, a: [u32; 6]) -> SysR {
    let new = u64::from_le_bytes(p.space.slice(a[0], 8)?.try_into().unwrap());
    let temp = new & !crate::signal::UNBLOCKABLE;
    p.signals.suspend(temp);
    // The handler runs with the suspend mask; sigreturn restores the old.
    p.signals.saved_mask = Some(p.signals.mask);
    p.signals.mask = temp;
    Err(libc::EINTR)
}

fn sigtimedwait(p: &mut Process, num: u32, a: [u32; 6]) -> SysR {
    use crate::signal::HOST_BLOCKABLE;
    if a[3] != 8 {
        return Err(libc::EINVAL);
    }
    let set = u64::from_le_bytes(p.space.slice(a[0], 8)?.try_into().unwrap())
        & !crate::signal::UNBLOCKABLE;
    let ts = if a[2] != 0 {
        Some(if num == nr::RT_SIGTIMEDWAIT_TIME64 {
            read_timespec64(p, a[2])?
        } else {
            read_timespec32(p, a[2])?
        })
    } else {
        None
    };
    // The waited-for signals are kept from the host handler meanwhile, so
    // that they stay queued for the host's sigtimedwait (which takes them
    // whether blocked or not, as Linux's does). Instances queued here are
    // older than the host's: they come first.
    let hset = crate::sigmap::host_set(set) & HOST_BLOCKABLE;
    p.signals.block_on_host(hset);
    p.signals.take_caught();
    let ready = p.signals.all_pending() & set;
    let got = if ready != 0 {
        let sig = ready.trailing_zeros() + 1;
        Ok((sig, p.signals.take(sig).unwrap_or_default()))
    } else {
        // SAFETY: zeroed plain-data struct.
        let mut hinfo: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let tsp = ts
            .as_ref()
            .map_or(std::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: an 8-byte set, a siginfo and a timespec we own.
        let r = crate::safe!(
            libc::SYS_rt_sigtimedwait,
            &hset as *const u64,
            &mut hinfo as *mut libc::siginfo_t,
            tsp,
            8usize,
        );
        if r > 0 {
            match crate::sigmap::guest(r as i32) {
                Some(sig) => Ok((sig, crate::signal::SigInfo::from_host(sig, &hinfo))),
                None => Err(libc::EINTR),
            }
        } else {
            Err(errno())
        }
    };
    p.signals.apply_host_mask();
    let (sig, info) = got?;
    if a[1] != 0 {
        p.space.write_bytes(a[1], &info.to_guest(sig))?;
    }
    Ok(sig)
}

/// rt_sigqueueinfo(tgid, sig, info) and rt_tgsigqueueinfo(tgid, tid, sig,
/// info): the guest's siginfo, converted, through the host kernel (see
/// [`kill`]).
fn sigqueueinfo(p: &mut Process, num: u32, a: [u32; 6]) -> SysR {
    // SAFETY: plain id query.
    let pid = unsafe { libc::getpid() };
    let (tid_arg, sig, uinfo) = if num == nr::RT_SIGQUEUEINFO {
        (None, a[1], a[2])
    } else {
        (Some(a[1] as i32), a[2], a[3])
    };
    let info = crate::signal::SigInfo::from_guest(p.space.slice(uinfo, 128)?);
    // Only the kernel may send positive codes (and SI_TKILL) to others.
    if (info.code >= 0 || info.code == rsemu_syscalls::sigframe::siginfo::SI_TKILL)
        && a[0] as i32 != pid
    {
        return Err(libc::EPERM);
    }
    let mut host_info = info.to_host(sig);
    if a[0] as i32 == pid && crate::signal::synchronous(sig) && info.code > 0 {
        // A fault code sent to this process: the fault handler must not
        // take it for a fault of the emulator's own.
        host_info[4..8].copy_from_slice(&crate::sigmap::SENT_FAULT_MARK.to_le_bytes());
    }
    let hsig = crate::sigmap::host_or_raw(sig);
    // SAFETY: integer ids and a 128-byte host siginfo we own.
    host(unsafe {
        match tid_arg {
            None => libc::syscall(
                libc::SYS_rt_sigqueueinfo,
                a[0] as i32,
                hsig,
                host_info.as_ptr(),
            ),
            Some(t) => libc::syscall(
                libc::SYS_rt_tgsigqueueinfo,
                a[0] as i32,
                t,
                hsig,
                host_info.as_ptr(),
            ),
        }
    })
}

/// signalfd(fd, mask, size) and signalfd4(fd, mask, size, flags): a host
/// signalfd. The guest's blocked signals are blocked on its host thread
/// too, so they wait in the host kernel where the host signalfd reads
/// them; its records (`struct signalfd_siginfo`) have the guest's layout.
fn signalfd(p: &mut Process, num: u32, a: [u32; 6]) -> SysR {
    use rsemu_syscalls::flags::signalfd as sfd;
    if a[2] != 8 {
        return Err(libc::EINVAL);
    }
    let flags = if num == nr::SIGNALFD4 {
        sfd::to_host(a[3]).ok_or(libc::EINVAL)?
    } else {
        0
    };
    let mask = crate::sigmap::host_set(u64::from_le_bytes(
        p.space.slice(a[1], 8)?.try_into().unwrap(),
    ));
    // The guest reads the host descriptor's records (struct
    // signalfd_siginfo, the same layout everywhere) unchanged: their
    // ssi_signo is the guest's number because the mapping is the identity.
    const _: () = assert!(crate::sigmap::IDENTITY);
    // Signals queued here and blocked belong in the host queue already
    // (sync_host_mask moves them); make sure before the fd is read.
    p.signals.sync_host_mask();
    // SAFETY: an 8-byte mask we own.
    host(unsafe {
        libc::syscall(
            libc::SYS_signalfd4,
            a[0] as i32,
            &mask as *const u64,
            8usize,
            flags as i32,
        )
    })
}

fn itimer(p: &Process, num: u32, a: [u32; 6]) -> SysR {
    use layout::Itimerval32;
    let to_host = |g: &Itimerval32| libc::itimerval {
        it_interval: libc::timeval {
            tv_sec: g.interval.sec as i64,
            tv_usec: g.interval.usec as i64,
        },
        it_value: libc::timeval {
            tv_sec: g.value.sec as i64,
            tv_usec: g.value.usec as i64,
        },
    };
    let from_host = |h: &libc::itimerval| Itimerval32 {
        interval: layout::Timeval32::from_host(h.it_interval.tv_sec, h.it_interval.tv_usec),
        value: layout::Timeval32::from_host(h.it_value.tv_sec, h.it_value.tv_usec),
    };
    // SAFETY: zeroed plain-data structs.
    let mut old: libc::itimerval = unsafe { std::mem::zeroed() };
    let (r, out) = if num == nr::SETITIMER {
        let new = if a[1] != 0 {
            to_host(&Itimerval32::decode(
                p.space.slice(a[1], Itimerval32::SIZE as u32)?,
            ))
        } else {
            // SAFETY: as above.
            unsafe { std::mem::zeroed() }
        };
        // SAFETY: pointers to our own structs.
        (
            unsafe { libc::setitimer(a[0] as i32, &new, &mut old) },
            a[2],
        )
    } else {
        // SAFETY: as above.
        (unsafe { libc::getitimer(a[0] as i32, &mut old) }, a[1])
    };
    host(r as i64)?;
    if out != 0 {
        p.space.write_bytes(out, &from_host(&old).to_guest_vec())?;
    }
    Ok(0)
}

fn rt_sigprocmask(p: &mut Process, a: [u32; 6]) -> SysR {
    let old = p.signals.mask;
    if a[1] != 0 {
        let b = p.space.slice(a[1], 8)?;
        let set = u64::from_le_bytes(b.try_into().unwrap());
        // SIGKILL and SIGSTOP cannot be blocked.
        let set = set & !((1 << 8) | (1 << 18));
        p.signals.mask = match a[0] {
            0 => old | set,
            1 => old & !set,
            2 => set,
            _ => return Err(libc::EINVAL),
        };
        // Unblocked signals waiting in the host kernel arrive now (and
        // are delivered when the call returns).
        p.signals.sync_host_mask();
    }
    if a[2] != 0 {
        p.space.write_bytes(a[2], &old.to_le_bytes())?;
    }
    Ok(0)
}
