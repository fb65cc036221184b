//! The ARM EABI Linux system call table.
//!
//! Numbers and names follow `arch/arm/tools/syscall.tbl` of Linux 6.17 (the
//! EABI entries; OABI-only calls such as `time`, `select`, `socketcall` or
//! `ipc` do not exist in EABI and are absent), plus the ARM private calls at
//! `0x0f0000 + n` (`breakpoint`, `cacheflush`, `usr26`, `usr32`, `set_tls`,
//! `get_tls`).
//!
//! In EABI the number is in `r7` and the arguments in `r0`..`r6`. A 64-bit
//! argument occupies an even/odd register pair (low word first), so a
//! padding register may precede it: [`SyscallInfo::args`] describes the
//! registers in order, with [`ArgKind::Pad`] for such an unused register and
//! [`ArgKind::Off64`]/[`ArgKind::U64`] for a pair. This is what `-strace`
//! printing needs.
//!
//! [`nr`] has one constant per call, generated from the same data as
//! [`SYSCALLS`], so each number is written once.

/// How a system call argument is shown by `-strace` (and what it means).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// Signed integer, decimal.
    Int,
    /// Unsigned integer, decimal (ids, counts).
    UInt,
    /// Integer shown in hex (masks, cookies, opaque values).
    Hex,
    /// Guest pointer (shown in hex, `NULL` for 0).
    Ptr,
    /// Pointer to a NUL-terminated string (shown quoted).
    Str,
    /// Pointer to a NULL-terminated array of string pointers (`execve` argv).
    StrArray,
    /// The same for an environment (shown as a count, as strace does).
    EnvArray,
    /// File descriptor.
    Fd,
    /// Directory file descriptor of `*at` calls (`AT_FDCWD` is -100).
    DirFd,
    /// Byte count (`size_t`).
    Size,
    /// 32-bit file offset (`off_t`, signed).
    Off,
    /// 64-bit file offset in a register pair (low word first).
    Off64,
    /// Other 64-bit value in a register pair (low word first), shown in hex.
    U64,
    /// Unused register that aligns a following 64-bit pair (EABI rule).
    Pad,
    /// Generic flag word, shown in hex.
    Flags,
    /// `open` flags (`O_*`), in the guest (ARM) encoding.
    OpenFlags,
    /// File mode, shown in octal.
    Mode,
    /// `mmap` protection (`PROT_*`).
    MmapProt,
    /// `mmap` flags (`MAP_*`).
    MmapFlags,
    /// `clone` flags (`CLONE_*` | exit signal).
    CloneFlags,
    /// Signal number.
    Signal,
    /// `fcntl` command (`F_*`).
    FcntlCmd,
    /// `lseek` whence (`SEEK_*`).
    Whence,
    /// `ioctl` request, shown in hex.
    Ioctl,
    /// `futex` operation (`FUTEX_*`).
    FutexOp,
    /// Clock id (`CLOCK_*`).
    ClockId,
}

impl ArgKind {
    /// Number of registers the argument occupies (2 for 64-bit pairs).
    pub fn regs(self) -> usize {
        match self {
            ArgKind::Off64 | ArgKind::U64 => 2,
            _ => 1,
        }
    }
}

/// Description of one system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyscallInfo {
    /// Number passed in `r7`.
    pub nr: u32,
    /// Name as in the kernel table (without `sys_`).
    pub name: &'static str,
    /// Arguments in register order, starting at `r0`.
    pub args: &'static [ArgKind],
}

impl SyscallInfo {
    /// Number of argument registers used (`r0`..), counting pairs as two.
    pub fn reg_count(&self) -> usize {
        self.args.iter().map(|a| a.regs()).sum()
    }
}

macro_rules! syscall_table {
    ($($nr:literal $konst:ident $name:ident [$($arg:ident),*];)*) => {
        /// One constant per system call number (`nr::READ == 3`). The ARM
        /// private calls are named `ARM_*`.
        pub mod nr {
            $(
                #[doc = concat!("`", stringify!($name), "` = ", stringify!($nr))]
                pub const $konst: u32 = $nr;
            )*
        }

        /// Every known system call, sorted by number.
        pub static SYSCALLS: &[SyscallInfo] = &[
            $(SyscallInfo { nr: $nr, name: stringify!($name), args: &[$(ArgKind::$arg),*] },)*
        ];

        /// (constant name, number) pairs, to test that constants and names agree.
        #[cfg(test)]
        static CONST_NAMES: &[(&str, u32)] = &[$((stringify!($konst), $nr),)*];
    };
}

syscall_table! {
    0 RESTART_SYSCALL restart_syscall [];
    1 EXIT exit [Int];
    2 FORK fork [];
    3 READ read [Fd, Ptr, Size];
    4 WRITE write [Fd, Ptr, Size];
    5 OPEN open [Str, OpenFlags, Mode];
    6 CLOSE close [Fd];
    8 CREAT creat [Str, Mode];
    9 LINK link [Str, Str];
    10 UNLINK unlink [Str];
    11 EXECVE execve [Str, StrArray, EnvArray];
    12 CHDIR chdir [Str];
    14 MKNOD mknod [Str, Mode, Hex];
    15 CHMOD chmod [Str, Mode];
    16 LCHOWN lchown [Str, UInt, UInt];
    19 LSEEK lseek [Fd, Off, Whence];
    20 GETPID getpid [];
    21 MOUNT mount [Str, Str, Str, Flags, Ptr];
    23 SETUID setuid [UInt];
    24 GETUID getuid [];
    26 PTRACE ptrace [Int, Int, Ptr, Ptr];
    29 PAUSE pause [];
    33 ACCESS access [Str, Int];
    34 NICE nice [Int];
    36 SYNC sync [];
    37 KILL kill [Int, Signal];
    38 RENAME rename [Str, Str];
    39 MKDIR mkdir [Str, Mode];
    40 RMDIR rmdir [Str];
    41 DUP dup [Fd];
    42 PIPE pipe [Ptr];
    43 TIMES times [Ptr];
    45 BRK brk [Ptr];
    46 SETGID setgid [UInt];
    47 GETGID getgid [];
    49 GETEUID geteuid [];
    50 GETEGID getegid [];
    51 ACCT acct [Str];
    52 UMOUNT2 umount2 [Str, Flags];
    54 IOCTL ioctl [Fd, Ioctl, Hex];
    55 FCNTL fcntl [Fd, FcntlCmd, Hex];
    57 SETPGID setpgid [Int, Int];
    60 UMASK umask [Mode];
    61 CHROOT chroot [Str];
    62 USTAT ustat [Hex, Ptr];
    63 DUP2 dup2 [Fd, Fd];
    64 GETPPID getppid [];
    65 GETPGRP getpgrp [];
    66 SETSID setsid [];
    67 SIGACTION sigaction [Signal, Ptr, Ptr];
    70 SETREUID setreuid [UInt, UInt];
    71 SETREGID setregid [UInt, UInt];
    72 SIGSUSPEND sigsuspend [Int, Int, Hex];
    73 SIGPENDING sigpending [Ptr];
    74 SETHOSTNAME sethostname [Str, Size];
    75 SETRLIMIT setrlimit [Int, Ptr];
    77 GETRUSAGE getrusage [Int, Ptr];
    78 GETTIMEOFDAY gettimeofday [Ptr, Ptr];
    79 SETTIMEOFDAY settimeofday [Ptr, Ptr];
    80 GETGROUPS getgroups [Int, Ptr];
    81 SETGROUPS setgroups [Int, Ptr];
    83 SYMLINK symlink [Str, Str];
    85 READLINK readlink [Str, Ptr, Size];
    86 USELIB uselib [Str];
    87 SWAPON swapon [Str, Flags];
    88 REBOOT reboot [Hex, Hex, Hex, Ptr];
    91 MUNMAP munmap [Ptr, Size];
    92 TRUNCATE truncate [Str, Off];
    93 FTRUNCATE ftruncate [Fd, Off];
    94 FCHMOD fchmod [Fd, Mode];
    95 FCHOWN fchown [Fd, UInt, UInt];
    96 GETPRIORITY getpriority [Int, Int];
    97 SETPRIORITY setpriority [Int, Int, Int];
    99 STATFS statfs [Str, Ptr];
    100 FSTATFS fstatfs [Fd, Ptr];
    103 SYSLOG syslog [Int, Ptr, Int];
    104 SETITIMER setitimer [Int, Ptr, Ptr];
    105 GETITIMER getitimer [Int, Ptr];
    106 STAT stat [Str, Ptr];
    107 LSTAT lstat [Str, Ptr];
    108 FSTAT fstat [Fd, Ptr];
    111 VHANGUP vhangup [];
    114 WAIT4 wait4 [Int, Ptr, Flags, Ptr];
    115 SWAPOFF swapoff [Str];
    116 SYSINFO sysinfo [Ptr];
    118 FSYNC fsync [Fd];
    119 SIGRETURN sigreturn [];
    120 CLONE clone [CloneFlags, Ptr, Ptr, Ptr, Ptr];
    121 SETDOMAINNAME setdomainname [Str, Size];
    122 UNAME uname [Ptr];
    124 ADJTIMEX adjtimex [Ptr];
    125 MPROTECT mprotect [Ptr, Size, MmapProt];
    126 SIGPROCMASK sigprocmask [Int, Ptr, Ptr];
    128 INIT_MODULE init_module [Ptr, Size, Str];
    129 DELETE_MODULE delete_module [Str, Flags];
    131 QUOTACTL quotactl [Hex, Str, Int, Ptr];
    132 GETPGID getpgid [Int];
    133 FCHDIR fchdir [Fd];
    134 BDFLUSH bdflush [Int, Hex];
    135 SYSFS sysfs [Int, Hex, Hex];
    136 PERSONALITY personality [Hex];
    138 SETFSUID setfsuid [UInt];
    139 SETFSGID setfsgid [UInt];
    140 _LLSEEK _llseek [Fd, Hex, Hex, Ptr, Whence];
    141 GETDENTS getdents [Fd, Ptr, Size];
    142 _NEWSELECT _newselect [Int, Ptr, Ptr, Ptr, Ptr];
    143 FLOCK flock [Fd, Int];
    144 MSYNC msync [Ptr, Size, Flags];
    145 READV readv [Fd, Ptr, Int];
    146 WRITEV writev [Fd, Ptr, Int];
    147 GETSID getsid [Int];
    148 FDATASYNC fdatasync [Fd];
    149 _SYSCTL _sysctl [Ptr];
    150 MLOCK mlock [Ptr, Size];
    151 MUNLOCK munlock [Ptr, Size];
    152 MLOCKALL mlockall [Flags];
    153 MUNLOCKALL munlockall [];
    154 SCHED_SETPARAM sched_setparam [Int, Ptr];
    155 SCHED_GETPARAM sched_getparam [Int, Ptr];
    156 SCHED_SETSCHEDULER sched_setscheduler [Int, Int, Ptr];
    157 SCHED_GETSCHEDULER sched_getscheduler [Int];
    158 SCHED_YIELD sched_yield [];
    159 SCHED_GET_PRIORITY_MAX sched_get_priority_max [Int];
    160 SCHED_GET_PRIORITY_MIN sched_get_priority_min [Int];
    161 SCHED_RR_GET_INTERVAL sched_rr_get_interval [Int, Ptr];
    162 NANOSLEEP nanosleep [Ptr, Ptr];
    163 MREMAP mremap [Ptr, Size, Size, Flags, Ptr];
    164 SETRESUID setresuid [UInt, UInt, UInt];
    165 GETRESUID getresuid [Ptr, Ptr, Ptr];
    168 POLL poll [Ptr, UInt, Int];
    169 NFSSERVCTL nfsservctl [Int, Ptr, Ptr];
    170 SETRESGID setresgid [UInt, UInt, UInt];
    171 GETRESGID getresgid [Ptr, Ptr, Ptr];
    172 PRCTL prctl [Int, Hex, Hex, Hex, Hex];
    173 RT_SIGRETURN rt_sigreturn [];
    174 RT_SIGACTION rt_sigaction [Signal, Ptr, Ptr, Size];
    175 RT_SIGPROCMASK rt_sigprocmask [Int, Ptr, Ptr, Size];
    176 RT_SIGPENDING rt_sigpending [Ptr, Size];
    177 RT_SIGTIMEDWAIT rt_sigtimedwait [Ptr, Ptr, Ptr, Size];
    178 RT_SIGQUEUEINFO rt_sigqueueinfo [Int, Signal, Ptr];
    179 RT_SIGSUSPEND rt_sigsuspend [Ptr, Size];
    180 PREAD64 pread64 [Fd, Ptr, Size, Pad, Off64];
    181 PWRITE64 pwrite64 [Fd, Ptr, Size, Pad, Off64];
    182 CHOWN chown [Str, UInt, UInt];
    183 GETCWD getcwd [Ptr, Size];
    184 CAPGET capget [Ptr, Ptr];
    185 CAPSET capset [Ptr, Ptr];
    186 SIGALTSTACK sigaltstack [Ptr, Ptr];
    187 SENDFILE sendfile [Fd, Fd, Ptr, Size];
    190 VFORK vfork [];
    191 UGETRLIMIT ugetrlimit [Int, Ptr];
    192 MMAP2 mmap2 [Ptr, Size, MmapProt, MmapFlags, Fd, Hex];
    193 TRUNCATE64 truncate64 [Str, Pad, Off64];
    194 FTRUNCATE64 ftruncate64 [Fd, Pad, Off64];
    195 STAT64 stat64 [Str, Ptr];
    196 LSTAT64 lstat64 [Str, Ptr];
    197 FSTAT64 fstat64 [Fd, Ptr];
    198 LCHOWN32 lchown32 [Str, UInt, UInt];
    199 GETUID32 getuid32 [];
    200 GETGID32 getgid32 [];
    201 GETEUID32 geteuid32 [];
    202 GETEGID32 getegid32 [];
    203 SETREUID32 setreuid32 [UInt, UInt];
    204 SETREGID32 setregid32 [UInt, UInt];
    205 GETGROUPS32 getgroups32 [Int, Ptr];
    206 SETGROUPS32 setgroups32 [Int, Ptr];
    207 FCHOWN32 fchown32 [Fd, UInt, UInt];
    208 SETRESUID32 setresuid32 [UInt, UInt, UInt];
    209 GETRESUID32 getresuid32 [Ptr, Ptr, Ptr];
    210 SETRESGID32 setresgid32 [UInt, UInt, UInt];
    211 GETRESGID32 getresgid32 [Ptr, Ptr, Ptr];
    212 CHOWN32 chown32 [Str, UInt, UInt];
    213 SETUID32 setuid32 [UInt];
    214 SETGID32 setgid32 [UInt];
    215 SETFSUID32 setfsuid32 [UInt];
    216 SETFSGID32 setfsgid32 [UInt];
    217 GETDENTS64 getdents64 [Fd, Ptr, Size];
    218 PIVOT_ROOT pivot_root [Str, Str];
    219 MINCORE mincore [Ptr, Size, Ptr];
    220 MADVISE madvise [Ptr, Size, Int];
    221 FCNTL64 fcntl64 [Fd, FcntlCmd, Hex];
    224 GETTID gettid [];
    225 READAHEAD readahead [Fd, Pad, Off64, Size];
    226 SETXATTR setxattr [Str, Str, Ptr, Size, Flags];
    227 LSETXATTR lsetxattr [Str, Str, Ptr, Size, Flags];
    228 FSETXATTR fsetxattr [Fd, Str, Ptr, Size, Flags];
    229 GETXATTR getxattr [Str, Str, Ptr, Size];
    230 LGETXATTR lgetxattr [Str, Str, Ptr, Size];
    231 FGETXATTR fgetxattr [Fd, Str, Ptr, Size];
    232 LISTXATTR listxattr [Str, Ptr, Size];
    233 LLISTXATTR llistxattr [Str, Ptr, Size];
    234 FLISTXATTR flistxattr [Fd, Ptr, Size];
    235 REMOVEXATTR removexattr [Str, Str];
    236 LREMOVEXATTR lremovexattr [Str, Str];
    237 FREMOVEXATTR fremovexattr [Fd, Str];
    238 TKILL tkill [Int, Signal];
    239 SENDFILE64 sendfile64 [Fd, Fd, Ptr, Size];
    240 FUTEX futex [Ptr, FutexOp, Hex, Ptr, Ptr, Hex];
    241 SCHED_SETAFFINITY sched_setaffinity [Int, Size, Ptr];
    242 SCHED_GETAFFINITY sched_getaffinity [Int, Size, Ptr];
    243 IO_SETUP io_setup [UInt, Ptr];
    244 IO_DESTROY io_destroy [Hex];
    245 IO_GETEVENTS io_getevents [Hex, Int, Int, Ptr, Ptr];
    246 IO_SUBMIT io_submit [Hex, Int, Ptr];
    247 IO_CANCEL io_cancel [Hex, Ptr, Ptr];
    248 EXIT_GROUP exit_group [Int];
    249 LOOKUP_DCOOKIE lookup_dcookie [U64, Ptr, Size];
    250 EPOLL_CREATE epoll_create [Int];
    251 EPOLL_CTL epoll_ctl [Fd, Int, Fd, Ptr];
    252 EPOLL_WAIT epoll_wait [Fd, Ptr, Int, Int];
    253 REMAP_FILE_PAGES remap_file_pages [Ptr, Size, MmapProt, Hex, Flags];
    256 SET_TID_ADDRESS set_tid_address [Ptr];
    257 TIMER_CREATE timer_create [ClockId, Ptr, Ptr];
    258 TIMER_SETTIME timer_settime [Int, Flags, Ptr, Ptr];
    259 TIMER_GETTIME timer_gettime [Int, Ptr];
    260 TIMER_GETOVERRUN timer_getoverrun [Int];
    261 TIMER_DELETE timer_delete [Int];
    262 CLOCK_SETTIME clock_settime [ClockId, Ptr];
    263 CLOCK_GETTIME clock_gettime [ClockId, Ptr];
    264 CLOCK_GETRES clock_getres [ClockId, Ptr];
    265 CLOCK_NANOSLEEP clock_nanosleep [ClockId, Flags, Ptr, Ptr];
    266 STATFS64 statfs64 [Str, Size, Ptr];
    267 FSTATFS64 fstatfs64 [Fd, Size, Ptr];
    268 TGKILL tgkill [Int, Int, Signal];
    269 UTIMES utimes [Str, Ptr];
    270 ARM_FADVISE64_64 arm_fadvise64_64 [Fd, Int, Off64, Off64];
    271 PCICONFIG_IOBASE pciconfig_iobase [Int, Hex, Hex];
    272 PCICONFIG_READ pciconfig_read [Hex, Hex, Hex, Size, Ptr];
    273 PCICONFIG_WRITE pciconfig_write [Hex, Hex, Hex, Size, Ptr];
    274 MQ_OPEN mq_open [Str, OpenFlags, Mode, Ptr];
    275 MQ_UNLINK mq_unlink [Str];
    276 MQ_TIMEDSEND mq_timedsend [Fd, Ptr, Size, UInt, Ptr];
    277 MQ_TIMEDRECEIVE mq_timedreceive [Fd, Ptr, Size, Ptr, Ptr];
    278 MQ_NOTIFY mq_notify [Fd, Ptr];
    279 MQ_GETSETATTR mq_getsetattr [Fd, Ptr, Ptr];
    280 WAITID waitid [Int, Int, Ptr, Flags, Ptr];
    281 SOCKET socket [Int, Int, Int];
    282 BIND bind [Fd, Ptr, UInt];
    283 CONNECT connect [Fd, Ptr, UInt];
    284 LISTEN listen [Fd, Int];
    285 ACCEPT accept [Fd, Ptr, Ptr];
    286 GETSOCKNAME getsockname [Fd, Ptr, Ptr];
    287 GETPEERNAME getpeername [Fd, Ptr, Ptr];
    288 SOCKETPAIR socketpair [Int, Int, Int, Ptr];
    289 SEND send [Fd, Ptr, Size, Flags];
    290 SENDTO sendto [Fd, Ptr, Size, Flags, Ptr, UInt];
    291 RECV recv [Fd, Ptr, Size, Flags];
    292 RECVFROM recvfrom [Fd, Ptr, Size, Flags, Ptr, Ptr];
    293 SHUTDOWN shutdown [Fd, Int];
    294 SETSOCKOPT setsockopt [Fd, Int, Int, Ptr, UInt];
    295 GETSOCKOPT getsockopt [Fd, Int, Int, Ptr, Ptr];
    296 SENDMSG sendmsg [Fd, Ptr, Flags];
    297 RECVMSG recvmsg [Fd, Ptr, Flags];
    298 SEMOP semop [Int, Ptr, UInt];
    299 SEMGET semget [Hex, Int, Flags];
    300 SEMCTL semctl [Int, Int, Int, Hex];
    301 MSGSND msgsnd [Int, Ptr, Size, Flags];
    302 MSGRCV msgrcv [Int, Ptr, Size, Int, Flags];
    303 MSGGET msgget [Hex, Flags];
    304 MSGCTL msgctl [Int, Int, Ptr];
    305 SHMAT shmat [Int, Ptr, Flags];
    306 SHMDT shmdt [Ptr];
    307 SHMGET shmget [Hex, Size, Flags];
    308 SHMCTL shmctl [Int, Int, Ptr];
    309 ADD_KEY add_key [Str, Str, Ptr, Size, Int];
    310 REQUEST_KEY request_key [Str, Str, Str, Int];
    311 KEYCTL keyctl [Int, Hex, Hex, Hex, Hex];
    312 SEMTIMEDOP semtimedop [Int, Ptr, UInt, Ptr];
    313 VSERVER vserver [];
    314 IOPRIO_SET ioprio_set [Int, Int, Int];
    315 IOPRIO_GET ioprio_get [Int, Int];
    316 INOTIFY_INIT inotify_init [];
    317 INOTIFY_ADD_WATCH inotify_add_watch [Fd, Str, Hex];
    318 INOTIFY_RM_WATCH inotify_rm_watch [Fd, Int];
    319 MBIND mbind [Ptr, Size, Int, Ptr, UInt, Flags];
    320 GET_MEMPOLICY get_mempolicy [Ptr, Ptr, UInt, Ptr, Flags];
    321 SET_MEMPOLICY set_mempolicy [Int, Ptr, UInt];
    322 OPENAT openat [DirFd, Str, OpenFlags, Mode];
    323 MKDIRAT mkdirat [DirFd, Str, Mode];
    324 MKNODAT mknodat [DirFd, Str, Mode, Hex];
    325 FCHOWNAT fchownat [DirFd, Str, UInt, UInt, Flags];
    326 FUTIMESAT futimesat [DirFd, Str, Ptr];
    327 FSTATAT64 fstatat64 [DirFd, Str, Ptr, Flags];
    328 UNLINKAT unlinkat [DirFd, Str, Flags];
    329 RENAMEAT renameat [DirFd, Str, DirFd, Str];
    330 LINKAT linkat [DirFd, Str, DirFd, Str, Flags];
    331 SYMLINKAT symlinkat [Str, DirFd, Str];
    332 READLINKAT readlinkat [DirFd, Str, Ptr, Size];
    333 FCHMODAT fchmodat [DirFd, Str, Mode];
    334 FACCESSAT faccessat [DirFd, Str, Int];
    335 PSELECT6 pselect6 [Int, Ptr, Ptr, Ptr, Ptr, Ptr];
    336 PPOLL ppoll [Ptr, UInt, Ptr, Ptr, Size];
    337 UNSHARE unshare [CloneFlags];
    338 SET_ROBUST_LIST set_robust_list [Ptr, Size];
    339 GET_ROBUST_LIST get_robust_list [Int, Ptr, Ptr];
    340 SPLICE splice [Fd, Ptr, Fd, Ptr, Size, Flags];
    341 ARM_SYNC_FILE_RANGE arm_sync_file_range [Fd, Flags, Off64, Off64];
    342 TEE tee [Fd, Fd, Size, Flags];
    343 VMSPLICE vmsplice [Fd, Ptr, UInt, Flags];
    344 MOVE_PAGES move_pages [Int, UInt, Ptr, Ptr, Ptr, Flags];
    345 GETCPU getcpu [Ptr, Ptr, Ptr];
    346 EPOLL_PWAIT epoll_pwait [Fd, Ptr, Int, Int, Ptr, Size];
    347 KEXEC_LOAD kexec_load [Hex, UInt, Ptr, Flags];
    348 UTIMENSAT utimensat [DirFd, Str, Ptr, Flags];
    349 SIGNALFD signalfd [Fd, Ptr, Size];
    350 TIMERFD_CREATE timerfd_create [ClockId, Flags];
    351 EVENTFD eventfd [UInt];
    352 FALLOCATE fallocate [Fd, Int, Off64, Off64];
    353 TIMERFD_SETTIME timerfd_settime [Fd, Flags, Ptr, Ptr];
    354 TIMERFD_GETTIME timerfd_gettime [Fd, Ptr];
    355 SIGNALFD4 signalfd4 [Fd, Ptr, Size, Flags];
    356 EVENTFD2 eventfd2 [UInt, Flags];
    357 EPOLL_CREATE1 epoll_create1 [Flags];
    358 DUP3 dup3 [Fd, Fd, OpenFlags];
    359 PIPE2 pipe2 [Ptr, OpenFlags];
    360 INOTIFY_INIT1 inotify_init1 [Flags];
    361 PREADV preadv [Fd, Ptr, Int, Off64];
    362 PWRITEV pwritev [Fd, Ptr, Int, Off64];
    363 RT_TGSIGQUEUEINFO rt_tgsigqueueinfo [Int, Int, Signal, Ptr];
    364 PERF_EVENT_OPEN perf_event_open [Ptr, Int, Int, Fd, Flags];
    365 RECVMMSG recvmmsg [Fd, Ptr, UInt, Flags, Ptr];
    366 ACCEPT4 accept4 [Fd, Ptr, Ptr, Flags];
    367 FANOTIFY_INIT fanotify_init [Flags, Flags];
    368 FANOTIFY_MARK fanotify_mark [Fd, Flags, U64, DirFd, Str];
    369 PRLIMIT64 prlimit64 [Int, Int, Ptr, Ptr];
    370 NAME_TO_HANDLE_AT name_to_handle_at [DirFd, Str, Ptr, Ptr, Flags];
    371 OPEN_BY_HANDLE_AT open_by_handle_at [Fd, Ptr, OpenFlags];
    372 CLOCK_ADJTIME clock_adjtime [ClockId, Ptr];
    373 SYNCFS syncfs [Fd];
    374 SENDMMSG sendmmsg [Fd, Ptr, UInt, Flags];
    375 SETNS setns [Fd, CloneFlags];
    376 PROCESS_VM_READV process_vm_readv [Int, Ptr, UInt, Ptr, UInt, Flags];
    377 PROCESS_VM_WRITEV process_vm_writev [Int, Ptr, UInt, Ptr, UInt, Flags];
    378 KCMP kcmp [Int, Int, Int, Hex, Hex];
    379 FINIT_MODULE finit_module [Fd, Str, Flags];
    380 SCHED_SETATTR sched_setattr [Int, Ptr, Flags];
    381 SCHED_GETATTR sched_getattr [Int, Ptr, UInt, Flags];
    382 RENAMEAT2 renameat2 [DirFd, Str, DirFd, Str, Flags];
    383 SECCOMP seccomp [UInt, Flags, Ptr];
    384 GETRANDOM getrandom [Ptr, Size, Flags];
    385 MEMFD_CREATE memfd_create [Str, Flags];
    386 BPF bpf [Int, Ptr, UInt];
    387 EXECVEAT execveat [DirFd, Str, StrArray, EnvArray, Flags];
    388 USERFAULTFD userfaultfd [Flags];
    389 MEMBARRIER membarrier [Int, Flags, Int];
    390 MLOCK2 mlock2 [Ptr, Size, Flags];
    391 COPY_FILE_RANGE copy_file_range [Fd, Ptr, Fd, Ptr, Size, Flags];
    392 PREADV2 preadv2 [Fd, Ptr, Int, Off64, Flags];
    393 PWRITEV2 pwritev2 [Fd, Ptr, Int, Off64, Flags];
    394 PKEY_MPROTECT pkey_mprotect [Ptr, Size, MmapProt, Int];
    395 PKEY_ALLOC pkey_alloc [Flags, Hex];
    396 PKEY_FREE pkey_free [Int];
    397 STATX statx [DirFd, Str, Flags, Hex, Ptr];
    398 RSEQ rseq [Ptr, UInt, Flags, Hex];
    399 IO_PGETEVENTS io_pgetevents [Hex, Int, Int, Ptr, Ptr, Ptr];
    400 MIGRATE_PAGES migrate_pages [Int, UInt, Ptr, Ptr];
    401 KEXEC_FILE_LOAD kexec_file_load [Fd, Fd, UInt, Str, Flags];
    403 CLOCK_GETTIME64 clock_gettime64 [ClockId, Ptr];
    404 CLOCK_SETTIME64 clock_settime64 [ClockId, Ptr];
    405 CLOCK_ADJTIME64 clock_adjtime64 [ClockId, Ptr];
    406 CLOCK_GETRES_TIME64 clock_getres_time64 [ClockId, Ptr];
    407 CLOCK_NANOSLEEP_TIME64 clock_nanosleep_time64 [ClockId, Flags, Ptr, Ptr];
    408 TIMER_GETTIME64 timer_gettime64 [Int, Ptr];
    409 TIMER_SETTIME64 timer_settime64 [Int, Flags, Ptr, Ptr];
    410 TIMERFD_GETTIME64 timerfd_gettime64 [Fd, Ptr];
    411 TIMERFD_SETTIME64 timerfd_settime64 [Fd, Flags, Ptr, Ptr];
    412 UTIMENSAT_TIME64 utimensat_time64 [DirFd, Str, Ptr, Flags];
    413 PSELECT6_TIME64 pselect6_time64 [Int, Ptr, Ptr, Ptr, Ptr, Ptr];
    414 PPOLL_TIME64 ppoll_time64 [Ptr, UInt, Ptr, Ptr, Size];
    416 IO_PGETEVENTS_TIME64 io_pgetevents_time64 [Hex, Int, Int, Ptr, Ptr, Ptr];
    417 RECVMMSG_TIME64 recvmmsg_time64 [Fd, Ptr, UInt, Flags, Ptr];
    418 MQ_TIMEDSEND_TIME64 mq_timedsend_time64 [Fd, Ptr, Size, UInt, Ptr];
    419 MQ_TIMEDRECEIVE_TIME64 mq_timedreceive_time64 [Fd, Ptr, Size, Ptr, Ptr];
    420 SEMTIMEDOP_TIME64 semtimedop_time64 [Int, Ptr, UInt, Ptr];
    421 RT_SIGTIMEDWAIT_TIME64 rt_sigtimedwait_time64 [Ptr, Ptr, Ptr, Size];
    422 FUTEX_TIME64 futex_time64 [Ptr, FutexOp, Hex, Ptr, Ptr, Hex];
    423 SCHED_RR_GET_INTERVAL_TIME64 sched_rr_get_interval_time64 [Int, Ptr];
    424 PIDFD_SEND_SIGNAL pidfd_send_signal [Fd, Signal, Ptr, Flags];
    425 IO_URING_SETUP io_uring_setup [UInt, Ptr];
    426 IO_URING_ENTER io_uring_enter [Fd, UInt, UInt, Flags, Ptr, Size];
    427 IO_URING_REGISTER io_uring_register [Fd, UInt, Ptr, UInt];
    428 OPEN_TREE open_tree [DirFd, Str, Flags];
    429 MOVE_MOUNT move_mount [DirFd, Str, DirFd, Str, Flags];
    430 FSOPEN fsopen [Str, Flags];
    431 FSCONFIG fsconfig [Fd, UInt, Str, Ptr, Int];
    432 FSMOUNT fsmount [Fd, Flags, Flags];
    433 FSPICK fspick [DirFd, Str, Flags];
    434 PIDFD_OPEN pidfd_open [Int, Flags];
    435 CLONE3 clone3 [Ptr, Size];
    436 CLOSE_RANGE close_range [Fd, Fd, Flags];
    437 OPENAT2 openat2 [DirFd, Str, Ptr, Size];
    438 PIDFD_GETFD pidfd_getfd [Fd, Fd, Flags];
    439 FACCESSAT2 faccessat2 [DirFd, Str, Int, Flags];
    440 PROCESS_MADVISE process_madvise [Fd, Ptr, Size, Int, Flags];
    441 EPOLL_PWAIT2 epoll_pwait2 [Fd, Ptr, Int, Ptr, Ptr, Size];
    442 MOUNT_SETATTR mount_setattr [DirFd, Str, Flags, Ptr, Size];
    443 QUOTACTL_FD quotactl_fd [Fd, UInt, Int, Ptr];
    444 LANDLOCK_CREATE_RULESET landlock_create_ruleset [Ptr, Size, Flags];
    445 LANDLOCK_ADD_RULE landlock_add_rule [Fd, Int, Ptr, Flags];
    446 LANDLOCK_RESTRICT_SELF landlock_restrict_self [Fd, Flags];
    448 PROCESS_MRELEASE process_mrelease [Fd, Flags];
    449 FUTEX_WAITV futex_waitv [Ptr, UInt, Flags, Ptr, ClockId];
    450 SET_MEMPOLICY_HOME_NODE set_mempolicy_home_node [Ptr, Size, UInt, Flags];
    451 CACHESTAT cachestat [Fd, Ptr, Ptr, Flags];
    452 FCHMODAT2 fchmodat2 [DirFd, Str, Mode, Flags];
    453 MAP_SHADOW_STACK map_shadow_stack [Ptr, Size, Flags];
    454 FUTEX_WAKE futex_wake [Ptr, Hex, Int, Flags];
    455 FUTEX_WAIT futex_wait [Ptr, Hex, Hex, Flags, Ptr, ClockId];
    456 FUTEX_REQUEUE futex_requeue [Ptr, Flags, Int, Int];
    457 STATMOUNT statmount [Ptr, Ptr, Size, Flags];
    458 LISTMOUNT listmount [Ptr, Ptr, Size, Flags];
    459 LSM_GET_SELF_ATTR lsm_get_self_attr [UInt, Ptr, Ptr, Flags];
    460 LSM_SET_SELF_ATTR lsm_set_self_attr [UInt, Ptr, Size, Flags];
    461 LSM_LIST_MODULES lsm_list_modules [Ptr, Ptr, Flags];
    462 MSEAL mseal [Ptr, Size, Flags];
    463 SETXATTRAT setxattrat [DirFd, Str, Flags, Str, Ptr, Size];
    464 GETXATTRAT getxattrat [DirFd, Str, Flags, Str, Ptr, Size];
    465 LISTXATTRAT listxattrat [DirFd, Str, Flags, Ptr, Size];
    466 REMOVEXATTRAT removexattrat [DirFd, Str, Flags, Str];
    467 OPEN_TREE_ATTR open_tree_attr [DirFd, Str, Flags, Ptr, Size];
    468 FILE_GETATTR file_getattr [DirFd, Str, Ptr, Size, Flags];
    469 FILE_SETATTR file_setattr [DirFd, Str, Ptr, Size, Flags];
    0xf0001 ARM_BREAKPOINT breakpoint [];
    0xf0002 ARM_CACHEFLUSH cacheflush [Ptr, Ptr, Flags];
    0xf0003 ARM_USR26 usr26 [];
    0xf0004 ARM_USR32 usr32 [];
    0xf0005 ARM_SET_TLS set_tls [Ptr];
    0xf0006 ARM_GET_TLS get_tls [];
}

/// First number of the ARM private system calls (`__ARM_NR_BASE`).
pub const ARM_NR_BASE: u32 = 0x0f_0000;

/// Looks up a system call by number.
pub fn info(nr: u32) -> Option<&'static SyscallInfo> {
    SYSCALLS
        .binary_search_by_key(&nr, |s| s.nr)
        .ok()
        .map(|i| &SYSCALLS[i])
}

/// The name of a system call, if the number is known.
pub fn name(nr: u32) -> Option<&'static str> {
    info(nr).map(|s| s.name)
}

/// Looks up a system call by name (linear search; for tools and tests).
pub fn by_name(name: &str) -> Option<&'static SyscallInfo> {
    SYSCALLS.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_consts_agree() {
        assert!(SYSCALLS.windows(2).all(|w| w[0].nr < w[1].nr));
        let mut names: Vec<&str> = SYSCALLS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SYSCALLS.len());
        assert_eq!(CONST_NAMES.len(), SYSCALLS.len());
        for (&(konst, nr), s) in CONST_NAMES.iter().zip(SYSCALLS) {
            assert_eq!(nr, s.nr);
            let expect = if nr >= ARM_NR_BASE {
                format!("ARM_{}", s.name.to_uppercase())
            } else {
                s.name.to_uppercase()
            };
            assert_eq!(konst, expect);
        }
        for s in SYSCALLS {
            assert!(
                s.reg_count() <= 7,
                "{} uses {} registers",
                s.name,
                s.reg_count()
            );
            // A 64-bit pair must start at an even register (EABI).
            let mut reg = 0;
            for a in s.args {
                // preadv/pwritev(2) take the offset as two explicit longs.
                let split = ["preadv", "pwritev", "preadv2", "pwritev2"].contains(&s.name);
                if a.regs() == 2 && !split {
                    assert_eq!(
                        reg % 2,
                        0,
                        "{}: 64-bit argument in odd register r{reg}",
                        s.name
                    );
                }
                reg += a.regs();
            }
        }
    }

    #[test]
    fn spot_checks() {
        let cases: &[(u32, &str)] = &[
            (0, "restart_syscall"),
            (1, "exit"),
            (2, "fork"),
            (3, "read"),
            (4, "write"),
            (5, "open"),
            (6, "close"),
            (11, "execve"),
            (45, "brk"),
            (54, "ioctl"),
            (120, "clone"),
            (122, "uname"),
            (125, "mprotect"),
            (140, "_llseek"),
            (145, "readv"),
            (146, "writev"),
            (174, "rt_sigaction"),
            (175, "rt_sigprocmask"),
            (180, "pread64"),
            (181, "pwrite64"),
            (191, "ugetrlimit"),
            (192, "mmap2"),
            (195, "stat64"),
            (196, "lstat64"),
            (197, "fstat64"),
            (217, "getdents64"),
            (220, "madvise"),
            (221, "fcntl64"),
            (224, "gettid"),
            (240, "futex"),
            (248, "exit_group"),
            (256, "set_tid_address"),
            (263, "clock_gettime"),
            (281, "socket"),
            (322, "openat"),
            (327, "fstatat64"),
            (338, "set_robust_list"),
            (341, "arm_sync_file_range"),
            (384, "getrandom"),
            (397, "statx"),
            (398, "rseq"),
            (403, "clock_gettime64"),
            (407, "clock_nanosleep_time64"),
            (422, "futex_time64"),
            (435, "clone3"),
            (439, "faccessat2"),
            (0xf0002, "cacheflush"),
            (0xf0005, "set_tls"),
        ];
        for &(n, name_) in cases {
            assert_eq!(name(n), Some(name_), "syscall {n}");
            assert_eq!(by_name(name_).map(|s| s.nr), Some(n));
        }
        assert_eq!(nr::MMAP2, 192);
        assert_eq!(nr::ARM_SET_TLS, 0xf0005);
        assert_eq!(nr::_LLSEEK, 140);
        // Numbers that do not exist in EABI.
        for n in [
            7, 13, 17, 18, 22, 25, 27, 28, 30, 31, 32, 35, 44, 48, 53, 56, 58, 59, 68, 69, 76, 82,
            84, 89, 90, 98, 101, 102, 109, 110, 112, 113, 117, 123, 127, 130, 137, 166, 167, 188,
            189, 222, 223, 254, 255, 402, 415, 447, 0xf0000, 0xf0007,
        ] {
            assert_eq!(name(n), None, "{n} should not exist");
        }
    }

    #[test]
    fn argument_layouts() {
        let p = info(nr::PREAD64).unwrap();
        assert_eq!(
            p.args,
            &[
                ArgKind::Fd,
                ArgKind::Ptr,
                ArgKind::Size,
                ArgKind::Pad,
                ArgKind::Off64
            ]
        );
        assert_eq!(p.reg_count(), 6);
        assert_eq!(info(nr::MMAP2).unwrap().reg_count(), 6);
        assert_eq!(info(nr::OPENAT).unwrap().args[2], ArgKind::OpenFlags);
        assert_eq!(info(nr::ARM_FADVISE64_64).unwrap().reg_count(), 6);
        assert_eq!(info(nr::GETPID).unwrap().reg_count(), 0);
    }
}
