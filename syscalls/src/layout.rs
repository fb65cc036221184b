//! Guest (ARM EABI, 32-bit little-endian) structure layouts.
//!
//! Each type mirrors one kernel structure as the guest sees it, with plain
//! Rust fields, and implements [`GuestStruct`]: `encode` writes the exact
//! guest bytes, `decode` reads them back. Conversions from host values take
//! plain host-side structs ([`HostStat`], [`HostStatfs`], ...) so this crate
//! needs no libc; linux-user fills those from `libc` results.
//!
//! Offsets were checked against the ARM uapi headers compiled with
//! `arm-linux-gnueabihf-gcc` (and are asserted by the unit tests). Notes:
//!
//! - `struct stat64` (104 bytes) has `st_size` at 48 and `st_blocks` at 64:
//!   EABI aligns 64-bit fields to 8 bytes.
//! - `struct statfs64` is `packed, aligned(4)` on ARM: 84 bytes, not 88. The
//!   kernel's `statfs64`/`fstatfs64` take the size as an argument and accept
//!   84 (and 88, rewritten to 84 by the ARM entry code).
//! - `struct statx` is 256 bytes with explicit padding, identical on all
//!   architectures: copy it through unchanged ([`STATX_SIZE`]).
//! - `struct epoll_event` is 16 bytes on ARM EABI (`u64 data` at offset 8);
//!   only x86-64 packs it to 12 bytes (`data` at 4). See [`EpollEvent`].
//! - `struct utsname`, `struct linux_dirent64`, the kernel `struct termios`
//!   (`termbits.h`, 36 bytes) and `struct winsize` are identical on ARM and
//!   x86-64.
//! - Everything with a C `long`, pointer or `size_t` is 32 bits in the guest:
//!   `rusage`, `sysinfo`, `tms`, `stack_t`, `iovec`, `timeval`, old
//!   `timespec`, `rlimit`, `struct flock`, `linux_dirent`.

/// `EOVERFLOW`: a host value does not fit the 32-bit guest field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

impl std::fmt::Display for Overflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("value too large for the 32-bit guest structure (EOVERFLOW)")
    }
}

impl std::error::Error for Overflow {}

/// A structure with a fixed guest layout.
pub trait GuestStruct: Sized {
    /// Size in bytes of the guest structure.
    const SIZE: usize;

    /// Writes the guest bytes into `out[..SIZE]`.
    ///
    /// Panics if `out` is shorter than [`SIZE`](Self::SIZE); padding bytes
    /// are written as zero.
    fn encode(&self, out: &mut [u8]);

    /// Reads the structure from `b[..SIZE]`. Panics if `b` is shorter.
    fn decode(b: &[u8]) -> Self;

    /// The guest bytes as a vector.
    fn to_guest_vec(&self) -> Vec<u8> {
        let mut v = vec![0; Self::SIZE];
        self.encode(&mut v);
        v
    }

    /// Reads the structure if `b` is long enough.
    fn try_decode(b: &[u8]) -> Option<Self> {
        (b.len() >= Self::SIZE).then(|| Self::decode(b))
    }
}

fn put<const N: usize>(b: &mut [u8], off: usize, v: [u8; N]) {
    b[off..off + N].copy_from_slice(&v);
}

fn get<const N: usize>(b: &[u8], off: usize) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[off..off + N]);
    a
}

fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes(get(b, off))
}
fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(get(b, off))
}
fn i32_at(b: &[u8], off: usize) -> i32 {
    i32::from_le_bytes(get(b, off))
}
fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(get(b, off))
}
fn i64_at(b: &[u8], off: usize) -> i64 {
    i64::from_le_bytes(get(b, off))
}

/// Adds inherent `to_guest_bytes`/`from_guest_bytes` with array types.
macro_rules! fixed_bytes {
    ($t:ty, $n:literal) => {
        impl $t {
            /// The guest bytes.
            pub fn to_guest_bytes(&self) -> [u8; $n] {
                let mut a = [0u8; $n];
                GuestStruct::encode(self, &mut a);
                a
            }

            /// Decodes the guest bytes.
            pub fn from_guest_bytes(b: &[u8; $n]) -> Self {
                <$t as GuestStruct>::decode(b)
            }
        }
    };
}

// ---------------------------------------------------------------- stat64

/// File status as the host reports it (fields of `libc::stat`, widened).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HostStat {
    /// Device (Linux `dev_t` encoding; same on both sides below 2^32).
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Type and permissions.
    pub mode: u32,
    /// Link count.
    pub nlink: u64,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device of a special file.
    pub rdev: u64,
    /// Size in bytes.
    pub size: i64,
    /// Preferred I/O block size.
    pub blksize: i64,
    /// Number of 512-byte blocks.
    pub blocks: i64,
    /// Access time, seconds.
    pub atime: i64,
    /// Access time, nanoseconds.
    pub atime_nsec: i64,
    /// Modification time, seconds.
    pub mtime: i64,
    /// Modification time, nanoseconds.
    pub mtime_nsec: i64,
    /// Status change time, seconds.
    pub ctime: i64,
    /// Status change time, nanoseconds.
    pub ctime_nsec: i64,
}

/// ARM EABI `struct stat64` (104 bytes), used by `stat64`, `lstat64`,
/// `fstat64` and `fstatat64`.
///
/// | offset | field |
/// | --- | --- |
/// | 0 | `u64 st_dev` |
/// | 8 | `u8 __pad0[4]` |
/// | 12 | `u32 __st_ino` (low 32 bits) |
/// | 16 | `u32 st_mode` |
/// | 20 | `u32 st_nlink` |
/// | 24 | `u32 st_uid` |
/// | 28 | `u32 st_gid` |
/// | 32 | `u64 st_rdev` |
/// | 40 | `u8 __pad3[4]` (+4 alignment) |
/// | 48 | `i64 st_size` |
/// | 56 | `u32 st_blksize` (+4 alignment) |
/// | 64 | `u64 st_blocks` |
/// | 72..96 | `u32 st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec` |
/// | 96 | `u64 st_ino` |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stat64 {
    /// `st_dev`.
    pub dev: u64,
    /// `__st_ino`: the inode number truncated to 32 bits.
    pub ino32: u32,
    /// `st_mode`.
    pub mode: u32,
    /// `st_nlink`.
    pub nlink: u32,
    /// `st_uid`.
    pub uid: u32,
    /// `st_gid`.
    pub gid: u32,
    /// `st_rdev`.
    pub rdev: u64,
    /// `st_size`.
    pub size: i64,
    /// `st_blksize`.
    pub blksize: u32,
    /// `st_blocks`.
    pub blocks: u64,
    /// `st_atime` (32-bit: wraps in 2106, as on a real 32-bit kernel).
    pub atime: u32,
    /// `st_atime_nsec`.
    pub atime_nsec: u32,
    /// `st_mtime`.
    pub mtime: u32,
    /// `st_mtime_nsec`.
    pub mtime_nsec: u32,
    /// `st_ctime`.
    pub ctime: u32,
    /// `st_ctime_nsec`.
    pub ctime_nsec: u32,
    /// `st_ino`: the full inode number.
    pub ino: u64,
}

impl Stat64 {
    /// Converts host file status like the kernel's `cp_new_stat64`: the
    /// inode goes to both fields (truncated in `__st_ino`), times are
    /// truncated to 32 bits, the link count saturates.
    pub fn from_host(h: &HostStat) -> Stat64 {
        Stat64 {
            dev: h.dev,
            ino32: h.ino as u32,
            mode: h.mode,
            nlink: u32::try_from(h.nlink).unwrap_or(u32::MAX),
            uid: h.uid,
            gid: h.gid,
            rdev: h.rdev,
            size: h.size,
            blksize: h.blksize as u32,
            blocks: h.blocks as u64,
            atime: h.atime as u32,
            atime_nsec: h.atime_nsec as u32,
            mtime: h.mtime as u32,
            mtime_nsec: h.mtime_nsec as u32,
            ctime: h.ctime as u32,
            ctime_nsec: h.ctime_nsec as u32,
            ino: h.ino,
        }
    }
}

impl GuestStruct for Stat64 {
    const SIZE: usize = 104;
    fn encode(&self, b: &mut [u8]) {
        b[..Self::SIZE].fill(0);
        put(b, 0, self.dev.to_le_bytes());
        put(b, 12, self.ino32.to_le_bytes());
        put(b, 16, self.mode.to_le_bytes());
        put(b, 20, self.nlink.to_le_bytes());
        put(b, 24, self.uid.to_le_bytes());
        put(b, 28, self.gid.to_le_bytes());
        put(b, 32, self.rdev.to_le_bytes());
        put(b, 48, self.size.to_le_bytes());
        put(b, 56, self.blksize.to_le_bytes());
        put(b, 64, self.blocks.to_le_bytes());
        put(b, 72, self.atime.to_le_bytes());
        put(b, 76, self.atime_nsec.to_le_bytes());
        put(b, 80, self.mtime.to_le_bytes());
        put(b, 84, self.mtime_nsec.to_le_bytes());
        put(b, 88, self.ctime.to_le_bytes());
        put(b, 92, self.ctime_nsec.to_le_bytes());
        put(b, 96, self.ino.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Stat64 {
            dev: u64_at(b, 0),
            ino32: u32_at(b, 12),
            mode: u32_at(b, 16),
            nlink: u32_at(b, 20),
            uid: u32_at(b, 24),
            gid: u32_at(b, 28),
            rdev: u64_at(b, 32),
            size: i64_at(b, 48),
            blksize: u32_at(b, 56),
            blocks: u64_at(b, 64),
            atime: u32_at(b, 72),
            atime_nsec: u32_at(b, 76),
            mtime: u32_at(b, 80),
            mtime_nsec: u32_at(b, 84),
            ctime: u32_at(b, 88),
            ctime_nsec: u32_at(b, 92),
            ino: u64_at(b, 96),
        }
    }
}
fixed_bytes!(Stat64, 104);

/// Size of `struct statx` on every architecture: pass it through unchanged.
pub const STATX_SIZE: usize = 256;

// ---------------------------------------------------------------- statfs

/// File system statistics as the host reports them (`libc::statfs`, widened).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HostStatfs {
    /// File system type magic.
    pub f_type: i64,
    /// Block size.
    pub bsize: i64,
    /// Total blocks.
    pub blocks: u64,
    /// Free blocks.
    pub bfree: u64,
    /// Blocks available to unprivileged users.
    pub bavail: u64,
    /// Total inodes.
    pub files: u64,
    /// Free inodes.
    pub ffree: u64,
    /// File system id.
    pub fsid: [i32; 2],
    /// Maximum name length.
    pub namelen: i64,
    /// Fragment size.
    pub frsize: i64,
    /// Mount flags (`ST_*`).
    pub flags: i64,
}

/// ARM `struct statfs64` (84 bytes, `packed, aligned(4)`): `u32 f_type`,
/// `u32 f_bsize`, `u64 f_blocks` @8, `f_bfree` @16, `f_bavail` @24,
/// `f_files` @32, `f_ffree` @40, `i32 f_fsid[2]` @48, `u32 f_namelen` @56,
/// `f_frsize` @60, `f_flags` @64, `u32 f_spare[4]` @68.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Statfs64 {
    /// `f_type`.
    pub f_type: u32,
    /// `f_bsize`.
    pub bsize: u32,
    /// `f_blocks`.
    pub blocks: u64,
    /// `f_bfree`.
    pub bfree: u64,
    /// `f_bavail`.
    pub bavail: u64,
    /// `f_files`.
    pub files: u64,
    /// `f_ffree`.
    pub ffree: u64,
    /// `f_fsid`.
    pub fsid: [i32; 2],
    /// `f_namelen`.
    pub namelen: u32,
    /// `f_frsize`.
    pub frsize: u32,
    /// `f_flags`.
    pub flags: u32,
}

impl Statfs64 {
    /// Converts host statistics (the 32-bit words are truncated).
    pub fn from_host(h: &HostStatfs) -> Statfs64 {
        Statfs64 {
            f_type: h.f_type as u32,
            bsize: h.bsize as u32,
            blocks: h.blocks,
            bfree: h.bfree,
            bavail: h.bavail,
            files: h.files,
            ffree: h.ffree,
            fsid: h.fsid,
            namelen: h.namelen as u32,
            frsize: h.frsize as u32,
            flags: h.flags as u32,
        }
    }
}

impl GuestStruct for Statfs64 {
    const SIZE: usize = 84;
    fn encode(&self, b: &mut [u8]) {
        b[..Self::SIZE].fill(0);
        put(b, 0, self.f_type.to_le_bytes());
        put(b, 4, self.bsize.to_le_bytes());
        put(b, 8, self.blocks.to_le_bytes());
        put(b, 16, self.bfree.to_le_bytes());
        put(b, 24, self.bavail.to_le_bytes());
        put(b, 32, self.files.to_le_bytes());
        put(b, 40, self.ffree.to_le_bytes());
        put(b, 48, self.fsid[0].to_le_bytes());
        put(b, 52, self.fsid[1].to_le_bytes());
        put(b, 56, self.namelen.to_le_bytes());
        put(b, 60, self.frsize.to_le_bytes());
        put(b, 64, self.flags.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Statfs64 {
            f_type: u32_at(b, 0),
            bsize: u32_at(b, 4),
            blocks: u64_at(b, 8),
            bfree: u64_at(b, 16),
            bavail: u64_at(b, 24),
            files: u64_at(b, 32),
            ffree: u64_at(b, 40),
            fsid: [i32_at(b, 48), i32_at(b, 52)],
            namelen: u32_at(b, 56),
            frsize: u32_at(b, 60),
            flags: u32_at(b, 64),
        }
    }
}
fixed_bytes!(Statfs64, 84);

/// ARM `struct statfs` (64 bytes, all 32-bit words) for `statfs`/`fstatfs`:
/// `f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree` @0..28,
/// `f_fsid[2]` @28, `f_namelen` @36, `f_frsize` @40, `f_flags` @44,
/// `f_spare[4]` @48.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Statfs32 {
    /// `f_type`.
    pub f_type: u32,
    /// `f_bsize`.
    pub bsize: u32,
    /// `f_blocks`.
    pub blocks: u32,
    /// `f_bfree`.
    pub bfree: u32,
    /// `f_bavail`.
    pub bavail: u32,
    /// `f_files`.
    pub files: u32,
    /// `f_ffree`.
    pub ffree: u32,
    /// `f_fsid`.
    pub fsid: [i32; 2],
    /// `f_namelen`.
    pub namelen: u32,
    /// `f_frsize`.
    pub frsize: u32,
    /// `f_flags`.
    pub flags: u32,
}

impl Statfs32 {
    /// Converts host statistics like the kernel does for 32-bit `statfs`:
    /// block counts that do not fit give `EOVERFLOW`; inode counts of
    /// `u64::MAX` ("unknown") become `u32::MAX`, other too large ones
    /// `EOVERFLOW`.
    pub fn from_host(h: &HostStatfs) -> Result<Statfs32, Overflow> {
        let fit = |v: u64| u32::try_from(v).map_err(|_| Overflow);
        let files = |v: u64| if v == u64::MAX { Ok(u32::MAX) } else { fit(v) };
        Ok(Statfs32 {
            f_type: h.f_type as u32,
            bsize: h.bsize as u32,
            blocks: fit(h.blocks)?,
            bfree: fit(h.bfree)?,
            bavail: fit(h.bavail)?,
            files: files(h.files)?,
            ffree: files(h.ffree)?,
            fsid: h.fsid,
            namelen: h.namelen as u32,
            frsize: h.frsize as u32,
            flags: h.flags as u32,
        })
    }
}

impl GuestStruct for Statfs32 {
    const SIZE: usize = 64;
    fn encode(&self, b: &mut [u8]) {
        b[..Self::SIZE].fill(0);
        let words = [
            self.f_type,
            self.bsize,
            self.blocks,
            self.bfree,
            self.bavail,
            self.files,
            self.ffree,
            self.fsid[0] as u32,
            self.fsid[1] as u32,
            self.namelen,
            self.frsize,
            self.flags,
        ];
        for (i, w) in words.iter().enumerate() {
            put(b, 4 * i, w.to_le_bytes());
        }
    }
    fn decode(b: &[u8]) -> Self {
        let w = |i: usize| u32_at(b, 4 * i);
        Statfs32 {
            f_type: w(0),
            bsize: w(1),
            blocks: w(2),
            bfree: w(3),
            bavail: w(4),
            files: w(5),
            ffree: w(6),
            fsid: [w(7) as i32, w(8) as i32],
            namelen: w(9),
            frsize: w(10),
            flags: w(11),
        }
    }
}
fixed_bytes!(Statfs32, 64);

// ---------------------------------------------------------------- time

/// Old 32-bit `struct timespec` (`time_t` is 32-bit on ARM): 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timespec32 {
    /// Seconds.
    pub sec: i32,
    /// Nanoseconds.
    pub nsec: i32,
}

impl Timespec32 {
    /// From a host timespec; `EOVERFLOW` if the seconds do not fit 32 bits.
    pub fn from_host(sec: i64, nsec: i64) -> Result<Timespec32, Overflow> {
        Ok(Timespec32 {
            sec: i32::try_from(sec).map_err(|_| Overflow)?,
            nsec: nsec as i32,
        })
    }
}

impl GuestStruct for Timespec32 {
    const SIZE: usize = 8;
    fn encode(&self, b: &mut [u8]) {
        put(b, 0, self.sec.to_le_bytes());
        put(b, 4, self.nsec.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Timespec32 {
            sec: i32_at(b, 0),
            nsec: i32_at(b, 4),
        }
    }
}
fixed_bytes!(Timespec32, 8);

/// `struct __kernel_timespec` (64-bit time, used by the `*_time64` calls): 16 bytes.
///
/// For input from the guest, the kernel ignores the upper 32 bits of
/// `nsec` for 32-bit tasks; use [`Timespec64::nsec_from_guest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timespec64 {
    /// Seconds.
    pub sec: i64,
    /// Nanoseconds.
    pub nsec: i64,
}

impl Timespec64 {
    /// Nanoseconds as a 32-bit task means them (low 32 bits, sign-extended).
    pub fn nsec_from_guest(&self) -> i64 {
        i64::from(self.nsec as i32)
    }
}

impl GuestStruct for Timespec64 {
    const SIZE: usize = 16;
    fn encode(&self, b: &mut [u8]) {
        put(b, 0, self.sec.to_le_bytes());
        put(b, 8, self.nsec.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Timespec64 {
            sec: i64_at(b, 0),
            nsec: i64_at(b, 8),
        }
    }
}
fixed_bytes!(Timespec64, 16);

/// 32-bit `struct timeval`: 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timeval32 {
    /// Seconds.
    pub sec: i32,
    /// Microseconds.
    pub usec: i32,
}

impl Timeval32 {
    /// From a host timeval, truncating the seconds to 32 bits.
    pub fn from_host(sec: i64, usec: i64) -> Timeval32 {
        Timeval32 {
            sec: sec as i32,
            usec: usec as i32,
        }
    }
}

impl GuestStruct for Timeval32 {
    const SIZE: usize = 8;
    fn encode(&self, b: &mut [u8]) {
        put(b, 0, self.sec.to_le_bytes());
        put(b, 4, self.usec.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Timeval32 {
            sec: i32_at(b, 0),
            usec: i32_at(b, 4),
        }
    }
}
fixed_bytes!(Timeval32, 8);

/// `struct timezone` (two ints, same on both): 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timezone {
    /// Minutes west of Greenwich.
    pub minuteswest: i32,
    /// Type of DST correction.
    pub dsttime: i32,
}

impl GuestStruct for Timezone {
    const SIZE: usize = 8;
    fn encode(&self, b: &mut [u8]) {
        put(b, 0, self.minuteswest.to_le_bytes());
        put(b, 4, self.dsttime.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Timezone {
            minuteswest: i32_at(b, 0),
            dsttime: i32_at(b, 4),
        }
    }
}
fixed_bytes!(Timezone, 8);

/// 32-bit `struct itimerval` (interval, value): 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Itimerval32 {
    /// Reload value.
    pub interval: Timeval32,
    /// Current value.
    pub value: Timeval32,
}

impl GuestStruct for Itimerval32 {
    const SIZE: usize = 16;
    fn encode(&self, b: &mut [u8]) {
        self.interval.encode(&mut b[0..8]);
        self.value.encode(&mut b[8..16]);
    }
    fn decode(b: &[u8]) -> Self {
        Itimerval32 {
            interval: Timeval32::decode(&b[0..8]),
            value: Timeval32::decode(&b[8..16]),
        }
    }
}
fixed_bytes!(Itimerval32, 16);

/// 32-bit `struct itimerspec` (interval, value): 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Itimerspec32 {
    /// Reload value.
    pub interval: Timespec32,
    /// Current value.
    pub value: Timespec32,
}

impl GuestStruct for Itimerspec32 {
    const SIZE: usize = 16;
    fn encode(&self, b: &mut [u8]) {
        self.interval.encode(&mut b[0..8]);
        self.value.encode(&mut b[8..16]);
    }
    fn decode(b: &[u8]) -> Self {
        Itimerspec32 {
            interval: Timespec32::decode(&b[0..8]),
            value: Timespec32::decode(&b[8..16]),
        }
    }
}
fixed_bytes!(Itimerspec32, 16);

/// `struct __kernel_itimerspec` (64-bit time): 32 bytes, same as the host's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Itimerspec64 {
    /// Reload value.
    pub interval: Timespec64,
    /// Current value.
    pub value: Timespec64,
}

impl GuestStruct for Itimerspec64 {
    const SIZE: usize = 32;
    fn encode(&self, b: &mut [u8]) {
        self.interval.encode(&mut b[0..16]);
        self.value.encode(&mut b[16..32]);
    }
    fn decode(b: &[u8]) -> Self {
        Itimerspec64 {
            interval: Timespec64::decode(&b[0..16]),
            value: Timespec64::decode(&b[16..32]),
        }
    }
}
fixed_bytes!(Itimerspec64, 32);

/// 32-bit `struct sigevent` (timer_create): 64 bytes, `sigev_value` (a
/// 4-byte union of int and pointer) at 0, `sigev_signo` at 4,
/// `sigev_notify` at 8, then a union whose first int is the thread id of
/// `SIGEV_THREAD_ID` at 12. (The host's is also 64 bytes but its
/// `sigev_value` is 8 bytes: signo at 8, notify at 12, tid at 16.)
/// glibc turns `SIGEV_THREAD` into `SIGEV_THREAD_ID` before the kernel
/// sees it, so only the thread id of the union matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sigevent32 {
    /// `sigev_value`.
    pub value: u32,
    /// `sigev_signo`.
    pub signo: i32,
    /// `sigev_notify`.
    pub notify: i32,
    /// `sigev_notify_thread_id`.
    pub tid: i32,
}

impl Sigevent32 {
    /// `SIGEV_SIGNAL`: notify with a signal to the process.
    pub const SIGEV_SIGNAL: i32 = 0;
    /// `SIGEV_NONE`: no notification.
    pub const SIGEV_NONE: i32 = 1;
    /// `SIGEV_THREAD_ID`: a signal to the thread `tid` (with SIGEV_SIGNAL).
    pub const SIGEV_THREAD_ID: i32 = 4;
}

impl GuestStruct for Sigevent32 {
    const SIZE: usize = 64;
    fn encode(&self, b: &mut [u8]) {
        b[..64].fill(0);
        put(b, 0, self.value.to_le_bytes());
        put(b, 4, self.signo.to_le_bytes());
        put(b, 8, self.notify.to_le_bytes());
        put(b, 12, self.tid.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Sigevent32 {
            value: u32_at(b, 0),
            signo: u32_at(b, 4) as i32,
            notify: u32_at(b, 8) as i32,
            tid: u32_at(b, 12) as i32,
        }
    }
}

/// The 32-bit `struct timex` of `adjtimex`/`clock_adjtime`: 128 bytes of
/// 21 four-byte fields (`modes`, longs, `status`, a 2-long `timeval`,
/// `shift`, `tai`, ...) and padding. The x86-64 host's (and the guest's
/// `clock_adjtime64` `__kernel_timex`) is 208 bytes with each field in an
/// 8-byte slot at twice the offset: ints in the low half, longs
/// sign-extended (offsetof checked on both compilers).
pub mod timex {
    /// Size of the guest's 32-bit struct.
    pub const GUEST_SIZE: usize = 128;
    /// Size of the host's (64-bit) struct.
    pub const HOST_SIZE: usize = 208;
    /// Number of fields (4-byte guest words, 8-byte host slots).
    pub const FIELDS: usize = 21;
    /// Guest word indices of the `int` fields (modes, status, shift, tai);
    /// the others are longs.
    pub const INTS: [usize; 4] = [0, 5, 14, 20];

    /// Guest struct to host struct.
    pub fn to_host(g: &[u8]) -> [u8; HOST_SIZE] {
        let mut h = [0u8; HOST_SIZE];
        for k in 0..FIELDS {
            let v = i32::from_le_bytes(g[4 * k..4 * k + 4].try_into().unwrap());
            if INTS.contains(&k) {
                h[8 * k..8 * k + 4].copy_from_slice(&v.to_le_bytes());
            } else {
                h[8 * k..8 * k + 8].copy_from_slice(&(v as i64).to_le_bytes());
            }
        }
        h
    }

    /// Host struct to guest struct (longs truncated to 32 bits, as the
    /// kernel's compat code does).
    pub fn to_guest(h: &[u8]) -> [u8; GUEST_SIZE] {
        let mut g = [0u8; GUEST_SIZE];
        for k in 0..FIELDS {
            g[4 * k..4 * k + 4].copy_from_slice(&h[8 * k..8 * k + 4]);
        }
        g
    }
}

/// System V IPC structures with `IPC_64` (glibc always asks for them on
/// ARM), as field tables: the ARM structs use the 32-bit asm-generic
/// layouts (`ipc64_perm` 36 bytes with a 2-byte `mode`; times as a low and
/// a high word), the x86-64 host's have 8-byte longs (offsetof checked on
/// both compilers against `asm/shmbuf.h`, `sembuf.h`, `msgbuf.h`).
pub mod ipc {
    /// One field: guest offset and size, host offset and size, and whether
    /// the guest field is the high word of the host's 64-bit value.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Field {
        /// Offset in the guest struct.
        pub guest: usize,
        /// Size in the guest struct (2 or 4).
        pub gsize: usize,
        /// Offset in the host struct.
        pub host: usize,
        /// Size in the host struct (2, 4 or 8).
        pub hsize: usize,
        /// The guest field holds bits 32..64 of the host value.
        pub high: bool,
    }

    const fn f(guest: usize, gsize: usize, host: usize, hsize: usize) -> Field {
        Field {
            guest,
            gsize,
            host,
            hsize,
            high: false,
        }
    }

    const fn hi(guest: usize, host: usize) -> Field {
        Field {
            guest,
            gsize: 4,
            host,
            hsize: 8,
            high: true,
        }
    }

    /// A structure: guest size, host size, fields.
    #[derive(Debug, Clone, Copy)]
    pub struct Layout {
        /// Guest size in bytes.
        pub guest_size: usize,
        /// Host size in bytes.
        pub host_size: usize,
        /// The fields (`ipc64_perm` first where there is one).
        pub fields: &'static [Field],
    }

    macro_rules! with_perm {
        ($($x:expr),* $(,)?) => {
            &[
                f(0, 4, 0, 4),   // key
                f(4, 4, 4, 4),   // uid
                f(8, 4, 8, 4),   // gid
                f(12, 4, 12, 4), // cuid
                f(16, 4, 16, 4), // cgid
                f(20, 2, 20, 4), // mode
                f(24, 2, 24, 2), // seq
                $($x),*
            ]
        };
    }

    /// `struct shmid64_ds`: 84 bytes on ARM, 112 on the host.
    pub const SHMID_DS: Layout = Layout {
        guest_size: 84,
        host_size: 112,
        fields: with_perm![
            f(36, 4, 48, 8), // shm_segsz
            f(40, 4, 56, 8), // shm_atime
            hi(44, 56),
            f(48, 4, 64, 8), // shm_dtime
            hi(52, 64),
            f(56, 4, 72, 8), // shm_ctime
            hi(60, 72),
            f(64, 4, 80, 4), // shm_cpid
            f(68, 4, 84, 4), // shm_lpid
            f(72, 4, 88, 8), // shm_nattch
        ],
    };

    /// `struct semid64_ds`: 64 bytes on ARM, 104 on the host.
    pub const SEMID_DS: Layout = Layout {
        guest_size: 64,
        host_size: 104,
        fields: with_perm![
            f(36, 4, 48, 8), // sem_otime
            hi(40, 48),
            f(44, 4, 64, 8), // sem_ctime
            hi(48, 64),
            f(52, 4, 80, 8), // sem_nsems
        ],
    };

    /// `struct msqid64_ds`: 88 bytes on ARM, 120 on the host.
    pub const MSQID_DS: Layout = Layout {
        guest_size: 88,
        host_size: 120,
        fields: with_perm![
            f(36, 4, 48, 8), // msg_stime
            hi(40, 48),
            f(44, 4, 56, 8), // msg_rtime
            hi(48, 56),
            f(52, 4, 64, 8), // msg_ctime
            hi(56, 64),
            f(60, 4, 72, 8),  // msg_cbytes
            f(64, 4, 80, 8),  // msg_qnum
            f(68, 4, 88, 8),  // msg_qbytes
            f(72, 4, 96, 4),  // msg_lspid
            f(76, 4, 100, 4), // msg_lrpid
        ],
    };

    /// `struct shminfo64` (shmctl IPC_INFO): nine unsigned longs.
    pub const SHMINFO: Layout = Layout {
        guest_size: 36,
        host_size: 72,
        fields: &[
            f(0, 4, 0, 8),
            f(4, 4, 8, 8),
            f(8, 4, 16, 8),
            f(12, 4, 24, 8),
            f(16, 4, 32, 8),
        ],
    };

    /// `struct shm_info` (shmctl SHM_INFO): an int and five unsigned longs.
    pub const SHM_INFO: Layout = Layout {
        guest_size: 24,
        host_size: 48,
        fields: &[
            f(0, 4, 0, 4),
            f(4, 4, 8, 8),
            f(8, 4, 16, 8),
            f(12, 4, 24, 8),
            f(16, 4, 32, 8),
            f(20, 4, 40, 8),
        ],
    };

    fn get(b: &[u8], off: usize, size: usize) -> u64 {
        let mut v = [0u8; 8];
        v[..size].copy_from_slice(&b[off..off + size]);
        u64::from_le_bytes(v)
    }

    /// Guest bytes to host bytes (values zero-extended; a high word is
    /// added to its field's upper half).
    pub fn to_host(l: &Layout, g: &[u8]) -> Vec<u8> {
        let mut h = vec![0u8; l.host_size];
        for fl in l.fields {
            let v = get(g, fl.guest, fl.gsize);
            let cur = get(&h, fl.host, fl.hsize);
            let v = if fl.high { cur | v << 32 } else { cur | v };
            h[fl.host..fl.host + fl.hsize].copy_from_slice(&v.to_le_bytes()[..fl.hsize]);
        }
        h
    }

    /// Host bytes to guest bytes (values truncated; high words filled).
    pub fn to_guest(l: &Layout, h: &[u8]) -> Vec<u8> {
        let mut g = vec![0u8; l.guest_size];
        for fl in l.fields {
            let v = get(h, fl.host, fl.hsize);
            let v = if fl.high { v >> 32 } else { v };
            g[fl.guest..fl.guest + fl.gsize].copy_from_slice(&v.to_le_bytes()[..fl.gsize]);
        }
        g
    }
}

// ---------------------------------------------------------------- misc

/// 32-bit `struct iovec`: 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Iovec32 {
    /// Guest address of the buffer.
    pub base: u32,
    /// Length in bytes.
    pub len: u32,
}

impl GuestStruct for Iovec32 {
    const SIZE: usize = 8;
    fn encode(&self, b: &mut [u8]) {
        put(b, 0, self.base.to_le_bytes());
        put(b, 4, self.len.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Iovec32 {
            base: u32_at(b, 0),
            len: u32_at(b, 4),
        }
    }
}
fixed_bytes!(Iovec32, 8);

/// Length of each `struct utsname` field, including the NUL.
pub const UTSNAME_FIELD_LEN: usize = 65;

/// `struct new_utsname`: six 65-byte NUL-terminated fields (390 bytes),
/// identical on ARM and x86-64.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Utsname {
    /// `sysname` ("Linux").
    pub sysname: String,
    /// `nodename` (host name).
    pub nodename: String,
    /// `release` (kernel version).
    pub release: String,
    /// `version` (build string).
    pub version: String,
    /// `machine` ("armv7l").
    pub machine: String,
    /// `domainname`.
    pub domainname: String,
}

impl GuestStruct for Utsname {
    const SIZE: usize = 6 * UTSNAME_FIELD_LEN;
    /// Each field is truncated to 64 bytes and NUL-padded.
    fn encode(&self, b: &mut [u8]) {
        b[..Self::SIZE].fill(0);
        let fields = [
            &self.sysname,
            &self.nodename,
            &self.release,
            &self.version,
            &self.machine,
            &self.domainname,
        ];
        for (i, f) in fields.iter().enumerate() {
            let n = f.len().min(UTSNAME_FIELD_LEN - 1);
            let o = i * UTSNAME_FIELD_LEN;
            b[o..o + n].copy_from_slice(&f.as_bytes()[..n]);
        }
    }
    fn decode(b: &[u8]) -> Self {
        let field = |i: usize| {
            let f = &b[i * UTSNAME_FIELD_LEN..(i + 1) * UTSNAME_FIELD_LEN];
            let n = f.iter().position(|&c| c == 0).unwrap_or(f.len());
            String::from_utf8_lossy(&f[..n]).into_owned()
        };
        Utsname {
            sysname: field(0),
            nodename: field(1),
            release: field(2),
            version: field(3),
            machine: field(4),
            domainname: field(5),
        }
    }
}

/// Number of control characters in the kernel `struct termios` (`NCCS`).
pub const NCCS: usize = 19;

/// Kernel `struct termios` (`TCGETS`/`TCSETS*`): 36 bytes, identical on ARM
/// and x86-64 (both use asm-generic `termbits.h`, including all flag values).
/// Note this is not glibc's user-space `struct termios`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Termios {
    /// Input modes.
    pub iflag: u32,
    /// Output modes.
    pub oflag: u32,
    /// Control modes.
    pub cflag: u32,
    /// Local modes.
    pub lflag: u32,
    /// Line discipline.
    pub line: u8,
    /// Control characters.
    pub cc: [u8; NCCS],
}

impl GuestStruct for Termios {
    const SIZE: usize = 36;
    fn encode(&self, b: &mut [u8]) {
        put(b, 0, self.iflag.to_le_bytes());
        put(b, 4, self.oflag.to_le_bytes());
        put(b, 8, self.cflag.to_le_bytes());
        put(b, 12, self.lflag.to_le_bytes());
        b[16] = self.line;
        b[17..36].copy_from_slice(&self.cc);
    }
    fn decode(b: &[u8]) -> Self {
        Termios {
            iflag: u32_at(b, 0),
            oflag: u32_at(b, 4),
            cflag: u32_at(b, 8),
            lflag: u32_at(b, 12),
            line: b[16],
            cc: get(b, 17),
        }
    }
}
fixed_bytes!(Termios, 36);

/// Kernel `struct termios2` (`TCGETS2`): [`Termios`] then `u32 c_ispeed`
/// @36 and `u32 c_ospeed` @40: 44 bytes, identical on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Termios2 {
    /// The `struct termios` part.
    pub termios: Termios,
    /// Input speed.
    pub ispeed: u32,
    /// Output speed.
    pub ospeed: u32,
}

impl GuestStruct for Termios2 {
    const SIZE: usize = 44;
    fn encode(&self, b: &mut [u8]) {
        self.termios.encode(b);
        put(b, 36, self.ispeed.to_le_bytes());
        put(b, 40, self.ospeed.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Termios2 {
            termios: Termios::decode(b),
            ispeed: u32_at(b, 36),
            ospeed: u32_at(b, 40),
        }
    }
}
fixed_bytes!(Termios2, 44);

/// `struct winsize` (`TIOCGWINSZ`): four `u16`, 8 bytes, identical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Winsize {
    /// Rows.
    pub row: u16,
    /// Columns.
    pub col: u16,
    /// Width in pixels.
    pub xpixel: u16,
    /// Height in pixels.
    pub ypixel: u16,
}

impl GuestStruct for Winsize {
    const SIZE: usize = 8;
    fn encode(&self, b: &mut [u8]) {
        put(b, 0, self.row.to_le_bytes());
        put(b, 2, self.col.to_le_bytes());
        put(b, 4, self.xpixel.to_le_bytes());
        put(b, 6, self.ypixel.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Winsize {
            row: u16_at(b, 0),
            col: u16_at(b, 2),
            xpixel: u16_at(b, 4),
            ypixel: u16_at(b, 6),
        }
    }
}
fixed_bytes!(Winsize, 8);

// ---------------------------------------------------------------- resources

/// `RLIM_INFINITY` of a 32-bit guest `struct rlimit`.
pub const RLIM32_INFINITY: u32 = u32::MAX;
/// `RLIM64_INFINITY`, also the x86-64 `RLIM_INFINITY`.
pub const RLIM64_INFINITY: u64 = u64::MAX;

/// 32-bit `struct rlimit` (`ugetrlimit`, `setrlimit`): 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rlimit32 {
    /// Soft limit.
    pub cur: u32,
    /// Hard limit.
    pub max: u32,
}

impl Rlimit32 {
    /// From host limits: values above `u32::MAX` (and infinity) become
    /// [`RLIM32_INFINITY`], as the kernel's compat `getrlimit` does.
    pub fn from_host(cur: u64, max: u64) -> Rlimit32 {
        let c = |v: u64| u32::try_from(v).unwrap_or(RLIM32_INFINITY);
        Rlimit32 {
            cur: c(cur),
            max: c(max),
        }
    }

    /// To host limits: [`RLIM32_INFINITY`] becomes [`RLIM64_INFINITY`].
    pub fn to_host(&self) -> (u64, u64) {
        let c = |v: u32| {
            if v == RLIM32_INFINITY {
                RLIM64_INFINITY
            } else {
                u64::from(v)
            }
        };
        (c(self.cur), c(self.max))
    }
}

impl GuestStruct for Rlimit32 {
    const SIZE: usize = 8;
    fn encode(&self, b: &mut [u8]) {
        put(b, 0, self.cur.to_le_bytes());
        put(b, 4, self.max.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Rlimit32 {
            cur: u32_at(b, 0),
            max: u32_at(b, 4),
        }
    }
}
fixed_bytes!(Rlimit32, 8);

/// `struct rlimit64` (`prlimit64`): two `u64`, 16 bytes, same as the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rlimit64 {
    /// Soft limit.
    pub cur: u64,
    /// Hard limit.
    pub max: u64,
}

impl GuestStruct for Rlimit64 {
    const SIZE: usize = 16;
    fn encode(&self, b: &mut [u8]) {
        put(b, 0, self.cur.to_le_bytes());
        put(b, 8, self.max.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Rlimit64 {
            cur: u64_at(b, 0),
            max: u64_at(b, 8),
        }
    }
}
fixed_bytes!(Rlimit64, 16);

/// 32-bit `struct rusage`: `ru_utime`, `ru_stime` (timeval32), then 14
/// `long`s (`ru_maxrss` @16 .. `ru_nivcsw` @68): 72 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rusage32 {
    /// User CPU time.
    pub utime: Timeval32,
    /// System CPU time.
    pub stime: Timeval32,
    /// `ru_maxrss, ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ru_majflt,
    /// ru_nswap, ru_inblock, ru_oublock, ru_msgsnd, ru_msgrcv, ru_nsignals,
    /// ru_nvcsw, ru_nivcsw`, in this order.
    pub longs: [i32; 14],
}

impl Rusage32 {
    /// From host values (times as (sec, usec), and the 14 counters in
    /// `struct rusage` order), truncated to 32 bits.
    pub fn from_host(utime: (i64, i64), stime: (i64, i64), longs: &[i64; 14]) -> Rusage32 {
        Rusage32 {
            utime: Timeval32::from_host(utime.0, utime.1),
            stime: Timeval32::from_host(stime.0, stime.1),
            longs: longs.map(|v| v as i32),
        }
    }
}

impl GuestStruct for Rusage32 {
    const SIZE: usize = 72;
    fn encode(&self, b: &mut [u8]) {
        self.utime.encode(&mut b[0..8]);
        self.stime.encode(&mut b[8..16]);
        for (i, v) in self.longs.iter().enumerate() {
            put(b, 16 + 4 * i, v.to_le_bytes());
        }
    }
    fn decode(b: &[u8]) -> Self {
        Rusage32 {
            utime: Timeval32::decode(&b[0..8]),
            stime: Timeval32::decode(&b[8..16]),
            longs: core::array::from_fn(|i| i32_at(b, 16 + 4 * i)),
        }
    }
}
fixed_bytes!(Rusage32, 72);

/// Host `struct sysinfo` values, widened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HostSysinfo {
    /// Seconds since boot.
    pub uptime: i64,
    /// 1, 5 and 15 minute load averages (fixed point, << 16).
    pub loads: [u64; 3],
    /// Total RAM, in `mem_unit`s.
    pub totalram: u64,
    /// Free RAM.
    pub freeram: u64,
    /// Shared RAM.
    pub sharedram: u64,
    /// Buffer RAM.
    pub bufferram: u64,
    /// Total swap.
    pub totalswap: u64,
    /// Free swap.
    pub freeswap: u64,
    /// Number of processes.
    pub procs: u16,
    /// Total high memory.
    pub totalhigh: u64,
    /// Free high memory.
    pub freehigh: u64,
    /// Size of the memory unit in bytes.
    pub mem_unit: u32,
}

/// 32-bit `struct sysinfo` (64 bytes): `uptime` @0, `loads[3]` @4,
/// `totalram` @16, `freeram` @20, `sharedram` @24, `bufferram` @28,
/// `totalswap` @32, `freeswap` @36, `u16 procs` @40, `u16 pad` @42,
/// `totalhigh` @44, `freehigh` @48, `u32 mem_unit` @52, 8 bytes padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sysinfo32 {
    /// `uptime`.
    pub uptime: i32,
    /// `loads`.
    pub loads: [u32; 3],
    /// `totalram`.
    pub totalram: u32,
    /// `freeram`.
    pub freeram: u32,
    /// `sharedram`.
    pub sharedram: u32,
    /// `bufferram`.
    pub bufferram: u32,
    /// `totalswap`.
    pub totalswap: u32,
    /// `freeswap`.
    pub freeswap: u32,
    /// `procs`.
    pub procs: u16,
    /// `totalhigh`.
    pub totalhigh: u32,
    /// `freehigh`.
    pub freehigh: u32,
    /// `mem_unit`.
    pub mem_unit: u32,
}

impl Sysinfo32 {
    /// Converts host values like the kernel's compat `sysinfo`: if a memory
    /// size does not fit 32 bits, all sizes are shifted right and
    /// `mem_unit` multiplied by the same power of two. Load averages are
    /// truncated.
    pub fn from_host(h: &HostSysinfo) -> Sysinfo32 {
        let mems = [
            h.totalram,
            h.freeram,
            h.sharedram,
            h.bufferram,
            h.totalswap,
            h.freeswap,
            h.totalhigh,
            h.freehigh,
        ];
        let biggest = mems.iter().copied().max().unwrap_or(0);
        let mut shift = 0u32;
        let mut unit = u64::from(h.mem_unit.max(1));
        while (biggest >> shift) > u64::from(u32::MAX) && unit << 1 <= u64::from(u32::MAX) {
            shift += 1;
            unit <<= 1;
        }
        let m = |v: u64| u32::try_from(v >> shift).unwrap_or(u32::MAX);
        Sysinfo32 {
            uptime: i32::try_from(h.uptime).unwrap_or(i32::MAX),
            loads: h.loads.map(|l| l as u32),
            totalram: m(h.totalram),
            freeram: m(h.freeram),
            sharedram: m(h.sharedram),
            bufferram: m(h.bufferram),
            totalswap: m(h.totalswap),
            freeswap: m(h.freeswap),
            procs: h.procs,
            totalhigh: m(h.totalhigh),
            freehigh: m(h.freehigh),
            mem_unit: if h.mem_unit == 0 && shift == 0 {
                0
            } else {
                unit as u32
            },
        }
    }
}

impl GuestStruct for Sysinfo32 {
    const SIZE: usize = 64;
    fn encode(&self, b: &mut [u8]) {
        b[..Self::SIZE].fill(0);
        put(b, 0, self.uptime.to_le_bytes());
        for (i, l) in self.loads.iter().enumerate() {
            put(b, 4 + 4 * i, l.to_le_bytes());
        }
        let mems = [
            self.totalram,
            self.freeram,
            self.sharedram,
            self.bufferram,
            self.totalswap,
            self.freeswap,
        ];
        for (i, v) in mems.iter().enumerate() {
            put(b, 16 + 4 * i, v.to_le_bytes());
        }
        put(b, 40, self.procs.to_le_bytes());
        put(b, 44, self.totalhigh.to_le_bytes());
        put(b, 48, self.freehigh.to_le_bytes());
        put(b, 52, self.mem_unit.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Sysinfo32 {
            uptime: i32_at(b, 0),
            loads: [u32_at(b, 4), u32_at(b, 8), u32_at(b, 12)],
            totalram: u32_at(b, 16),
            freeram: u32_at(b, 20),
            sharedram: u32_at(b, 24),
            bufferram: u32_at(b, 28),
            totalswap: u32_at(b, 32),
            freeswap: u32_at(b, 36),
            procs: u16_at(b, 40),
            totalhigh: u32_at(b, 44),
            freehigh: u32_at(b, 48),
            mem_unit: u32_at(b, 52),
        }
    }
}
fixed_bytes!(Sysinfo32, 64);

/// 32-bit `struct tms` (four `clock_t`): 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tms32 {
    /// User time.
    pub utime: i32,
    /// System time.
    pub stime: i32,
    /// User time of waited-for children.
    pub cutime: i32,
    /// System time of waited-for children.
    pub cstime: i32,
}

impl Tms32 {
    /// From host clock ticks, truncated to 32 bits.
    pub fn from_host(utime: i64, stime: i64, cutime: i64, cstime: i64) -> Tms32 {
        Tms32 {
            utime: utime as i32,
            stime: stime as i32,
            cutime: cutime as i32,
            cstime: cstime as i32,
        }
    }
}

impl GuestStruct for Tms32 {
    const SIZE: usize = 16;
    fn encode(&self, b: &mut [u8]) {
        for (i, v) in [self.utime, self.stime, self.cutime, self.cstime]
            .iter()
            .enumerate()
        {
            put(b, 4 * i, v.to_le_bytes());
        }
    }
    fn decode(b: &[u8]) -> Self {
        Tms32 {
            utime: i32_at(b, 0),
            stime: i32_at(b, 4),
            cutime: i32_at(b, 8),
            cstime: i32_at(b, 12),
        }
    }
}
fixed_bytes!(Tms32, 16);

// ---------------------------------------------------------------- signals

/// ARM kernel `struct sigaction` as used by `rt_sigaction` (20 bytes):
/// `u32 sa_handler` @0, `u32 sa_flags` @4, `u32 sa_restorer` @8,
/// `u64 sa_mask` @12 (two words; the mask comes after the restorer on ARM,
/// unlike glibc's user-space struct).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KSigaction {
    /// Handler address, or `SIG_DFL` (0) / `SIG_IGN` (1).
    pub handler: u32,
    /// `SA_*` flags.
    pub flags: u32,
    /// Restorer address (valid with `SA_RESTORER`).
    pub restorer: u32,
    /// Signals blocked during the handler.
    pub mask: u64,
}

impl GuestStruct for KSigaction {
    const SIZE: usize = 20;
    fn encode(&self, b: &mut [u8]) {
        put(b, 0, self.handler.to_le_bytes());
        put(b, 4, self.flags.to_le_bytes());
        put(b, 8, self.restorer.to_le_bytes());
        put(b, 12, self.mask.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        KSigaction {
            handler: u32_at(b, 0),
            flags: u32_at(b, 4),
            restorer: u32_at(b, 8),
            mask: u64_at(b, 12),
        }
    }
}
fixed_bytes!(KSigaction, 20);

/// ARM `struct old_sigaction` for the legacy `sigaction` (67) call (16
/// bytes): `u32 handler` @0, `u32 mask` @4, `u32 flags` @8, `u32 restorer` @12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OldSigaction {
    /// Handler address.
    pub handler: u32,
    /// Signals 1..=32 blocked during the handler.
    pub mask: u32,
    /// `SA_*` flags.
    pub flags: u32,
    /// Restorer address.
    pub restorer: u32,
}

impl GuestStruct for OldSigaction {
    const SIZE: usize = 16;
    fn encode(&self, b: &mut [u8]) {
        for (i, v) in [self.handler, self.mask, self.flags, self.restorer]
            .iter()
            .enumerate()
        {
            put(b, 4 * i, v.to_le_bytes());
        }
    }
    fn decode(b: &[u8]) -> Self {
        OldSigaction {
            handler: u32_at(b, 0),
            mask: u32_at(b, 4),
            flags: u32_at(b, 8),
            restorer: u32_at(b, 12),
        }
    }
}
fixed_bytes!(OldSigaction, 16);

/// 32-bit `stack_t` (`sigaltstack`): `u32 ss_sp`, `i32 ss_flags`,
/// `u32 ss_size`: 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StackT32 {
    /// Stack base address.
    pub sp: u32,
    /// `SS_*` flags.
    pub flags: i32,
    /// Stack size.
    pub size: u32,
}

impl GuestStruct for StackT32 {
    const SIZE: usize = 12;
    fn encode(&self, b: &mut [u8]) {
        put(b, 0, self.sp.to_le_bytes());
        put(b, 4, self.flags.to_le_bytes());
        put(b, 8, self.size.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        StackT32 {
            sp: u32_at(b, 0),
            flags: i32_at(b, 4),
            size: u32_at(b, 8),
        }
    }
}
fixed_bytes!(StackT32, 12);

// ---------------------------------------------------------------- epoll

/// Size of the host (x86-64, packed) `struct epoll_event`.
pub const HOST_EPOLL_EVENT_SIZE: usize = 12;

/// `struct epoll_event`. On ARM EABI it is not packed: `u32 events` @0,
/// 4 bytes padding, `u64 data` @8, 16 bytes. x86-64 declares it packed:
/// `data` @4, 12 bytes. Arrays must therefore be converted element by
/// element between guest and host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EpollEvent {
    /// `EPOLL*` event bits (same values on both).
    pub events: u32,
    /// User data.
    pub data: u64,
}

impl EpollEvent {
    /// Writes the host (x86-64 packed, 12-byte) layout.
    pub fn encode_host(&self, b: &mut [u8]) {
        put(b, 0, self.events.to_le_bytes());
        put(b, 4, self.data.to_le_bytes());
    }

    /// Reads the host (x86-64 packed, 12-byte) layout.
    pub fn decode_host(b: &[u8]) -> EpollEvent {
        EpollEvent {
            events: u32_at(b, 0),
            data: u64_at(b, 4),
        }
    }
}

impl GuestStruct for EpollEvent {
    const SIZE: usize = 16;
    fn encode(&self, b: &mut [u8]) {
        put(b, 0, self.events.to_le_bytes());
        put(b, 4, [0u8; 4]);
        put(b, 8, self.data.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        EpollEvent {
            events: u32_at(b, 0),
            data: u64_at(b, 8),
        }
    }
}
fixed_bytes!(EpollEvent, 16);

// ---------------------------------------------------------------- flock

/// A file lock with 64-bit offsets: the fields of the host's `struct flock`
/// (x86-64 has only this one) and of the guest's `struct flock64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flock {
    /// `F_RDLCK` 0, `F_WRLCK` 1, `F_UNLCK` 2.
    pub l_type: i16,
    /// `SEEK_SET`/`SEEK_CUR`/`SEEK_END`.
    pub l_whence: i16,
    /// Start offset.
    pub l_start: i64,
    /// Length (0 = to EOF).
    pub l_len: i64,
    /// Owner pid (`F_GETLK`).
    pub l_pid: i32,
}

/// ARM 32-bit `struct flock` (`F_GETLK`..`F_SETLKW` with plain offsets):
/// `i16 l_type` @0, `i16 l_whence` @2, `i32 l_start` @4, `i32 l_len` @8,
/// `i32 l_pid` @12: 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flock32 {
    /// Lock type.
    pub l_type: i16,
    /// Whence.
    pub l_whence: i16,
    /// Start offset.
    pub l_start: i32,
    /// Length.
    pub l_len: i32,
    /// Owner pid.
    pub l_pid: i32,
}

impl Flock32 {
    /// Widens to the 64-bit form for the host.
    pub fn to_flock(&self) -> Flock {
        Flock {
            l_type: self.l_type,
            l_whence: self.l_whence,
            l_start: i64::from(self.l_start),
            l_len: i64::from(self.l_len),
            l_pid: self.l_pid,
        }
    }

    /// Narrows a host result; `EOVERFLOW` if start or length do not fit,
    /// as the kernel does for `F_GETLK` with 32-bit offsets.
    pub fn from_flock(f: &Flock) -> Result<Flock32, Overflow> {
        Ok(Flock32 {
            l_type: f.l_type,
            l_whence: f.l_whence,
            l_start: i32::try_from(f.l_start).map_err(|_| Overflow)?,
            l_len: i32::try_from(f.l_len).map_err(|_| Overflow)?,
            l_pid: f.l_pid,
        })
    }
}

impl GuestStruct for Flock32 {
    const SIZE: usize = 16;
    fn encode(&self, b: &mut [u8]) {
        put(b, 0, self.l_type.to_le_bytes());
        put(b, 2, self.l_whence.to_le_bytes());
        put(b, 4, self.l_start.to_le_bytes());
        put(b, 8, self.l_len.to_le_bytes());
        put(b, 12, self.l_pid.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Flock32 {
            l_type: i16::from_le_bytes(get(b, 0)),
            l_whence: i16::from_le_bytes(get(b, 2)),
            l_start: i32_at(b, 4),
            l_len: i32_at(b, 8),
            l_pid: i32_at(b, 12),
        }
    }
}
fixed_bytes!(Flock32, 16);

/// ARM EABI `struct flock64`: `i16 l_type` @0, `i16 l_whence` @2, 4 bytes
/// padding, `i64 l_start` @8, `i64 l_len` @16, `i32 l_pid` @24, 4 bytes
/// padding: 32 bytes (the same bytes as the x86-64 `struct flock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flock64(pub Flock);

impl GuestStruct for Flock64 {
    const SIZE: usize = 32;
    fn encode(&self, b: &mut [u8]) {
        b[..Self::SIZE].fill(0);
        put(b, 0, self.0.l_type.to_le_bytes());
        put(b, 2, self.0.l_whence.to_le_bytes());
        put(b, 8, self.0.l_start.to_le_bytes());
        put(b, 16, self.0.l_len.to_le_bytes());
        put(b, 24, self.0.l_pid.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Flock64(Flock {
            l_type: i16::from_le_bytes(get(b, 0)),
            l_whence: i16::from_le_bytes(get(b, 2)),
            l_start: i64_at(b, 8),
            l_len: i64_at(b, 16),
            l_pid: i32_at(b, 24),
        })
    }
}
fixed_bytes!(Flock64, 32);

// ---------------------------------------------------------------- dirents

/// Offset of `d_name` in `struct linux_dirent64`.
pub const DIRENT64_NAME_OFFSET: usize = 19;
/// Offset of `d_name` in the 32-bit `struct linux_dirent`.
pub const DIRENT32_NAME_OFFSET: usize = 10;

/// One record of a `getdents64` buffer (`struct linux_dirent64`, identical
/// on ARM and x86-64: `u64 d_ino` @0, `i64 d_off` @8, `u16 d_reclen` @16,
/// `u8 d_type` @18, `d_name` @19, records padded to 8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dirent64<'a> {
    /// Inode number.
    pub ino: u64,
    /// Offset of the next record (for `lseek`).
    pub off: i64,
    /// File type (`DT_*`).
    pub d_type: u8,
    /// Name, without its NUL.
    pub name: &'a [u8],
}

/// Record length of a `linux_dirent64` with a name of `name_len` bytes.
pub fn dirent64_reclen(name_len: usize) -> usize {
    (DIRENT64_NAME_OFFSET + name_len + 1 + 7) & !7
}

/// Record length of a 32-bit `linux_dirent` with a name of `name_len`
/// bytes: name, NUL, padding, and `d_type` in the last byte, rounded to 4.
pub fn dirent32_reclen(name_len: usize) -> usize {
    (DIRENT32_NAME_OFFSET + name_len + 2 + 3) & !3
}

/// Appends a `linux_dirent64` record to `out`.
pub fn write_dirent64(out: &mut Vec<u8>, d: &Dirent64) {
    let reclen = dirent64_reclen(d.name.len());
    let start = out.len();
    out.resize(start + reclen, 0);
    let b = &mut out[start..];
    put(b, 0, d.ino.to_le_bytes());
    put(b, 8, d.off.to_le_bytes());
    put(b, 16, (reclen as u16).to_le_bytes());
    b[18] = d.d_type;
    b[19..19 + d.name.len()].copy_from_slice(d.name);
}

/// Iterates over the records of a `getdents64` buffer; stops at the first
/// malformed record (bad length or missing NUL).
pub fn parse_dirents64(buf: &[u8]) -> impl Iterator<Item = (usize, Dirent64<'_>)> + '_ {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let rest = buf.get(pos..)?;
        if rest.len() < DIRENT64_NAME_OFFSET + 1 {
            return None;
        }
        let reclen = usize::from(u16_at(rest, 16));
        if reclen < DIRENT64_NAME_OFFSET + 1 || reclen > rest.len() {
            return None;
        }
        let name_area = &rest[DIRENT64_NAME_OFFSET..reclen];
        let n = name_area.iter().position(|&c| c == 0)?;
        let d = Dirent64 {
            ino: u64_at(rest, 0),
            off: i64_at(rest, 8),
            d_type: rest[18],
            name: &name_area[..n],
        };
        let at = pos;
        pos += reclen;
        Some((at, d))
    })
}

/// Result of [`dirents64_to_dirents32`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirentConversion {
    /// The guest `linux_dirent` records.
    pub out: Vec<u8>,
    /// Bytes of the input consumed (whole records).
    pub consumed: usize,
    /// `d_off` of the last converted record: where to `lseek` the host
    /// directory if not all the input was consumed.
    pub last_off: Option<i64>,
}

/// Converts `getdents64` records to the 32-bit `linux_dirent` records of
/// the old `getdents` call, at most `max_out` bytes of output.
///
/// As the kernel does, an inode number that does not fit 32 bits gives
/// `EOVERFLOW`; `d_off` is truncated to 32 bits (a 64-bit host file system
/// may hand out 64-bit directory cookies). If not even the first record
/// fits `max_out`, the output is empty and `consumed` is 0 (the caller
/// returns `EINVAL`).
pub fn dirents64_to_dirents32(input: &[u8], max_out: usize) -> Result<DirentConversion, Overflow> {
    let mut out = Vec::new();
    let mut consumed = 0;
    let mut last_off = None;
    for (at, d) in parse_dirents64(input) {
        let ino = u32::try_from(d.ino).map_err(|_| Overflow)?;
        let reclen = dirent32_reclen(d.name.len());
        if out.len() + reclen > max_out {
            break;
        }
        let start = out.len();
        out.resize(start + reclen, 0);
        let b = &mut out[start..];
        put(b, 0, ino.to_le_bytes());
        put(b, 4, (d.off as u32).to_le_bytes());
        put(b, 8, (reclen as u16).to_le_bytes());
        b[DIRENT32_NAME_OFFSET..DIRENT32_NAME_OFFSET + d.name.len()].copy_from_slice(d.name);
        b[reclen - 1] = d.d_type;
        consumed = at + usize::from(u16_at(input, at + 16));
        last_off = Some(d.off);
    }
    Ok(DirentConversion {
        out,
        consumed,
        last_off,
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn timex_layout() {
        // offsetof: tai at 80 (guest) and 160 (host); status at 20 / 40.
        let mut g = [0u8; timex::GUEST_SIZE];
        g[80..84].copy_from_slice(&37i32.to_le_bytes());
        g[20..24].copy_from_slice(&0x40i32.to_le_bytes());
        g[8..12].copy_from_slice(&(-5i32).to_le_bytes()); // freq, a long
        let h = timex::to_host(&g);
        assert_eq!(&h[160..164], &37i32.to_le_bytes());
        assert_eq!(&h[40..44], &0x40i32.to_le_bytes());
        assert_eq!(&h[16..24], &(-5i64).to_le_bytes());
        assert_eq!(timex::to_guest(&h), g);
    }

    #[test]
    fn ipc_layouts() {
        use ipc::*;
        for l in [SHMID_DS, SEMID_DS, MSQID_DS, SHMINFO, SHM_INFO] {
            for f in l.fields {
                assert!(f.guest + f.gsize <= l.guest_size && f.host + f.hsize <= l.host_size);
            }
        }
        // shm_segsz at 36/48, shm_ctime with its high word at 56+60/72,
        // mode (2 bytes on ARM) at 20.
        let mut h = vec![0u8; SHMID_DS.host_size];
        h[48..56].copy_from_slice(&0x1000u64.to_le_bytes());
        h[72..80].copy_from_slice(&0x1_2345_6789u64.to_le_bytes());
        h[20..24].copy_from_slice(&0o600u32.to_le_bytes());
        let g = to_guest(&SHMID_DS, &h);
        assert_eq!(&g[36..40], &0x1000u32.to_le_bytes());
        assert_eq!(&g[56..64], &[0x89, 0x67, 0x45, 0x23, 1, 0, 0, 0]);
        assert_eq!(&g[20..22], &0o600u16.to_le_bytes());
        assert_eq!(to_host(&SHMID_DS, &g), h);
    }

    #[test]
    fn sigevent_layout() {
        // offsetof on arm-linux-gnueabihf: value 0, signo 4, notify 8,
        // _sigev_un._tid 12; sizeof 64.
        let e = Sigevent32 {
            value: 0x1122_3344,
            signo: 14,
            notify: Sigevent32::SIGEV_THREAD_ID,
            tid: 4321,
        };
        let b = e.to_guest_vec();
        assert_eq!(b.len(), 64);
        assert_eq!(&b[0..4], &0x1122_3344u32.to_le_bytes());
        assert_eq!(&b[4..8], &14i32.to_le_bytes());
        assert_eq!(&b[8..12], &4i32.to_le_bytes());
        assert_eq!(&b[12..16], &4321i32.to_le_bytes());
        assert_eq!(Sigevent32::decode(&b), e);
    }
    use super::*;

    fn u32le(b: &[u8], o: usize) -> u32 {
        u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
    }
    fn u64le(b: &[u8], o: usize) -> u64 {
        u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
    }

    #[test]
    fn stat64_offsets_and_round_trip() {
        let h = HostStat {
            dev: 0x0801,
            ino: 0x1_2345_6789,
            mode: 0o100644,
            nlink: 3,
            uid: 1000,
            gid: 100,
            rdev: 0x0103,
            size: 0x1_0000_0001,
            blksize: 4096,
            blocks: 0x1_0000_0002,
            atime: 1_700_000_001,
            atime_nsec: 11,
            mtime: 1_700_000_002,
            mtime_nsec: 22,
            ctime: 1_700_000_003,
            ctime_nsec: 33,
        };
        let s = Stat64::from_host(&h);
        let b = s.to_guest_bytes();
        assert_eq!(b.len(), 104);
        // (offset, expected value, width)
        let expect: &[(usize, u64, usize)] = &[
            (0, 0x0801, 8),
            (8, 0, 4),
            (12, 0x2345_6789, 4),
            (16, 0o100644, 4),
            (20, 3, 4),
            (24, 1000, 4),
            (28, 100, 4),
            (32, 0x0103, 8),
            (40, 0, 8),
            (48, 0x1_0000_0001, 8),
            (56, 4096, 4),
            (60, 0, 4),
            (64, 0x1_0000_0002, 8),
            (72, 1_700_000_001, 4),
            (76, 11, 4),
            (80, 1_700_000_002, 4),
            (84, 22, 4),
            (88, 1_700_000_003, 4),
            (92, 33, 4),
            (96, 0x1_2345_6789, 8),
        ];
        for &(o, v, w) in expect {
            let got = if w == 8 {
                u64le(&b, o)
            } else {
                u64::from(u32le(&b, o))
            };
            assert_eq!(got, v, "offset {o}");
        }
        assert_eq!(Stat64::from_guest_bytes(&b), s);
        assert_eq!(<Stat64 as GuestStruct>::SIZE, 104);
        assert_eq!(Stat64::try_decode(&b[..103]), None);
        assert_eq!(
            Stat64::from_host(&HostStat {
                nlink: u64::MAX,
                ..h
            })
            .nlink,
            u32::MAX
        );
    }

    #[test]
    fn statfs_layouts() {
        let h = HostStatfs {
            f_type: 0xef53,
            bsize: 4096,
            blocks: 1 << 33,
            bfree: 2,
            bavail: 3,
            files: 4,
            ffree: 5,
            fsid: [6, -7],
            namelen: 255,
            frsize: 4096,
            flags: 0x20,
        };
        let s = Statfs64::from_host(&h);
        let b = s.to_guest_bytes();
        assert_eq!(b.len(), 84);
        assert_eq!(u32le(&b, 0), 0xef53);
        assert_eq!(u32le(&b, 4), 4096);
        assert_eq!(u64le(&b, 8), 1 << 33);
        assert_eq!(u64le(&b, 16), 2);
        assert_eq!(u64le(&b, 24), 3);
        assert_eq!(u64le(&b, 32), 4);
        assert_eq!(u64le(&b, 40), 5);
        assert_eq!(u32le(&b, 48), 6);
        assert_eq!(u32le(&b, 52) as i32, -7);
        assert_eq!(u32le(&b, 56), 255);
        assert_eq!(u32le(&b, 60), 4096);
        assert_eq!(u32le(&b, 64), 0x20);
        assert!(b[68..].iter().all(|&c| c == 0));
        assert_eq!(Statfs64::from_guest_bytes(&b), s);

        assert_eq!(Statfs32::from_host(&h), Err(Overflow));
        let h2 = HostStatfs {
            blocks: 10,
            files: u64::MAX,
            ffree: u64::MAX,
            ..h
        };
        let s = Statfs32::from_host(&h2).unwrap();
        let b = s.to_guest_bytes();
        assert_eq!(u32le(&b, 8), 10);
        assert_eq!(u32le(&b, 20), u32::MAX);
        assert_eq!(u32le(&b, 28), 6);
        assert_eq!(u32le(&b, 36), 255);
        assert_eq!(u32le(&b, 44), 0x20);
        assert_eq!(Statfs32::from_guest_bytes(&b), s);
        assert_eq!(
            Statfs32::from_host(&HostStatfs {
                files: 1 << 40,
                ..h2
            }),
            Err(Overflow)
        );
    }

    #[test]
    fn time_structs() {
        let t = Timespec32::from_host(5, 123).unwrap();
        assert_eq!(t.to_guest_bytes(), [5, 0, 0, 0, 123, 0, 0, 0]);
        assert_eq!(Timespec32::from_host(1 << 31, 0), Err(Overflow));
        assert_eq!(Timespec32::from_host(-1, 0).unwrap().sec, -1);
        let t64 = Timespec64 {
            sec: 1 << 33,
            nsec: 0xffff_ffff_0000_0007u64 as i64,
        };
        let b = t64.to_guest_bytes();
        assert_eq!(u64le(&b, 0), 1 << 33);
        assert_eq!(Timespec64::from_guest_bytes(&b), t64);
        assert_eq!(t64.nsec_from_guest(), 7);
        let tv = Timeval32::from_host(10, 20);
        assert_eq!(Timeval32::from_guest_bytes(&tv.to_guest_bytes()), tv);
        let tz = Timezone {
            minuteswest: -60,
            dsttime: 1,
        };
        assert_eq!(Timezone::from_guest_bytes(&tz.to_guest_bytes()), tz);
        let it = Itimerval32 {
            interval: tv,
            value: Timeval32 { sec: 1, usec: 2 },
        };
        let b = it.to_guest_bytes();
        assert_eq!(u32le(&b, 8), 1);
        assert_eq!(Itimerval32::from_guest_bytes(&b), it);
        let its = Itimerspec32 {
            interval: t,
            value: t,
        };
        assert_eq!(Itimerspec32::from_guest_bytes(&its.to_guest_bytes()), its);
        let its64 = Itimerspec64 {
            interval: t64,
            value: Timespec64 { sec: 9, nsec: 8 },
        };
        let b = its64.to_guest_bytes();
        assert_eq!(u64le(&b, 16), 9);
        assert_eq!(Itimerspec64::from_guest_bytes(&b), its64);
    }

    #[test]
    fn iovec_utsname_termios_winsize() {
        let v = Iovec32 {
            base: 0x1000,
            len: 0x20,
        };
        assert_eq!(v.to_guest_bytes(), [0, 0x10, 0, 0, 0x20, 0, 0, 0]);
        assert_eq!(Iovec32::from_guest_bytes(&v.to_guest_bytes()), v);

        let u = Utsname {
            sysname: "Linux".into(),
            nodename: "x".repeat(100),
            release: "6.1.0".into(),
            version: "#1 SMP".into(),
            machine: "armv7l".into(),
            domainname: "(none)".into(),
        };
        let b = u.to_guest_vec();
        assert_eq!(b.len(), 390);
        assert_eq!(&b[0..6], b"Linux\0");
        assert_eq!(b[65 + 63], b'x');
        assert_eq!(b[65 + 64], 0, "fields are truncated to 64 bytes + NUL");
        assert_eq!(&b[4 * 65..4 * 65 + 7], b"armv7l\0");
        let d = Utsname::decode(&b);
        assert_eq!(d.machine, "armv7l");
        assert_eq!(d.nodename.len(), 64);

        let t = Termios {
            iflag: 0x500,
            oflag: 5,
            cflag: 0xbf,
            lflag: 0x8a3b,
            line: 0,
            cc: core::array::from_fn(|i| i as u8 + 1),
        };
        let b = t.to_guest_bytes();
        assert_eq!(u32le(&b, 12), 0x8a3b);
        assert_eq!(b[16], 0);
        assert_eq!(b[17], 1);
        assert_eq!(b[35], 19);
        assert_eq!(Termios::from_guest_bytes(&b), t);
        let t2 = Termios2 {
            termios: t,
            ispeed: 38400,
            ospeed: 9600,
        };
        let b = t2.to_guest_bytes();
        assert_eq!(u32le(&b, 36), 38400);
        assert_eq!(u32le(&b, 40), 9600);
        assert_eq!(Termios2::from_guest_bytes(&b), t2);

        let w = Winsize {
            row: 24,
            col: 80,
            xpixel: 1,
            ypixel: 2,
        };
        assert_eq!(w.to_guest_bytes(), [24, 0, 80, 0, 1, 0, 2, 0]);
        assert_eq!(Winsize::from_guest_bytes(&w.to_guest_bytes()), w);
    }

    #[test]
    fn rlimits_rusage_sysinfo_tms() {
        let r = Rlimit32::from_host(8 << 20, RLIM64_INFINITY);
        assert_eq!(
            r,
            Rlimit32 {
                cur: 8 << 20,
                max: RLIM32_INFINITY
            }
        );
        assert_eq!(Rlimit32::from_host(1 << 40, 5).cur, RLIM32_INFINITY);
        assert_eq!(r.to_host(), (8 << 20, RLIM64_INFINITY));
        assert_eq!(Rlimit32::from_guest_bytes(&r.to_guest_bytes()), r);
        let r64 = Rlimit64 {
            cur: 1 << 40,
            max: u64::MAX,
        };
        let b = r64.to_guest_bytes();
        assert_eq!(u64le(&b, 8), u64::MAX);
        assert_eq!(Rlimit64::from_guest_bytes(&b), r64);

        let longs: [i64; 14] = core::array::from_fn(|i| 100 + i as i64);
        let ru = Rusage32::from_host((1, 2), (3, 4), &longs);
        let b = ru.to_guest_bytes();
        assert_eq!(u32le(&b, 8), 3);
        assert_eq!(u32le(&b, 16), 100, "ru_maxrss");
        assert_eq!(u32le(&b, 68), 113, "ru_nivcsw");
        assert_eq!(Rusage32::from_guest_bytes(&b), ru);

        let h = HostSysinfo {
            uptime: 1000,
            loads: [1 << 16, 2 << 16, 3 << 16],
            totalram: 16 << 30,
            freeram: 8 << 30,
            sharedram: 1 << 20,
            bufferram: 2 << 20,
            totalswap: 0,
            freeswap: 0,
            procs: 123,
            totalhigh: 0,
            freehigh: 0,
            mem_unit: 1,
        };
        let s = Sysinfo32::from_host(&h);
        // 16 GiB does not fit 32 bits with unit 1: scaled to unit 8.
        assert_eq!(s.mem_unit, 8);
        assert_eq!(s.totalram, 2 << 30);
        assert_eq!(s.freeram, 1 << 30);
        let b = s.to_guest_bytes();
        assert_eq!(u32le(&b, 0), 1000);
        assert_eq!(u32le(&b, 8), 2 << 16);
        assert_eq!(u32le(&b, 16), 2 << 30);
        assert_eq!(u32le(&b, 28), 2 << 17);
        assert_eq!(u16::from_le_bytes([b[40], b[41]]), 123);
        assert_eq!(u32le(&b, 52), 8);
        assert_eq!(Sysinfo32::from_guest_bytes(&b), s);
        let small = Sysinfo32::from_host(&HostSysinfo {
            totalram: 1 << 30,
            freeram: 1,
            ..h
        });
        assert_eq!((small.mem_unit, small.totalram), (1, 1 << 30));

        let t = Tms32::from_host(1, 2, 3, 4);
        assert_eq!(u32le(&t.to_guest_bytes(), 12), 4);
        assert_eq!(Tms32::from_guest_bytes(&t.to_guest_bytes()), t);
    }

    #[test]
    fn signal_structs() {
        let sa = KSigaction {
            handler: 0x1_0000,
            flags: 0x0400_0004,
            restorer: 0x2_0000,
            mask: 0x8000_0000_0000_0001,
        };
        let b = sa.to_guest_bytes();
        assert_eq!(b.len(), 20);
        assert_eq!(u32le(&b, 0), 0x1_0000);
        assert_eq!(u32le(&b, 4), 0x0400_0004);
        assert_eq!(u32le(&b, 8), 0x2_0000);
        assert_eq!(u32le(&b, 12), 1);
        assert_eq!(u32le(&b, 16), 0x8000_0000);
        assert_eq!(KSigaction::from_guest_bytes(&b), sa);
        let old = OldSigaction {
            handler: 1,
            mask: 2,
            flags: 3,
            restorer: 4,
        };
        let b = old.to_guest_bytes();
        assert_eq!((u32le(&b, 4), u32le(&b, 8)), (2, 3));
        assert_eq!(OldSigaction::from_guest_bytes(&b), old);
        let st = StackT32 {
            sp: 0x1000,
            flags: 2,
            size: 8192,
        };
        let b = st.to_guest_bytes();
        assert_eq!(
            (u32le(&b, 0), u32le(&b, 4), u32le(&b, 8)),
            (0x1000, 2, 8192)
        );
        assert_eq!(StackT32::from_guest_bytes(&b), st);
    }

    #[test]
    fn epoll_event_guest_and_host() {
        let e = EpollEvent {
            events: 0x8000_0001,
            data: 0x1122_3344_5566_7788,
        };
        let g = e.to_guest_bytes();
        assert_eq!(g.len(), 16);
        assert_eq!(u32le(&g, 0), 0x8000_0001);
        assert_eq!(u32le(&g, 4), 0, "padding");
        assert_eq!(u64le(&g, 8), 0x1122_3344_5566_7788);
        assert_eq!(EpollEvent::from_guest_bytes(&g), e);
        let mut h = [0u8; HOST_EPOLL_EVENT_SIZE];
        e.encode_host(&mut h);
        assert_eq!(u64le(&h, 4), 0x1122_3344_5566_7788);
        assert_eq!(EpollEvent::decode_host(&h), e);
    }

    #[test]
    fn flock_layouts() {
        let f = Flock {
            l_type: 1,
            l_whence: 2,
            l_start: 0x1_0000_0000,
            l_len: -1,
            l_pid: 77,
        };
        let b = Flock64(f).to_guest_bytes();
        assert_eq!(b.len(), 32);
        assert_eq!(&b[0..4], &[1, 0, 2, 0]);
        assert_eq!(u32le(&b, 4), 0);
        assert_eq!(u64le(&b, 8), 0x1_0000_0000);
        assert_eq!(u64le(&b, 16), u64::MAX);
        assert_eq!(u32le(&b, 24), 77);
        assert_eq!(Flock64::from_guest_bytes(&b).0, f);

        assert_eq!(Flock32::from_flock(&f), Err(Overflow));
        let small = Flock { l_start: 100, ..f };
        let f32 = Flock32::from_flock(&small).unwrap();
        let b = f32.to_guest_bytes();
        assert_eq!(b.len(), 16);
        assert_eq!(u32le(&b, 4), 100);
        assert_eq!(u32le(&b, 8), u32::MAX);
        assert_eq!(u32le(&b, 12), 77);
        assert_eq!(Flock32::from_guest_bytes(&b), f32);
        assert_eq!(f32.to_flock(), small);
    }

    #[test]
    fn dirents() {
        assert_eq!(dirent64_reclen(1), 24);
        assert_eq!(dirent64_reclen(4), 24);
        assert_eq!(dirent64_reclen(5), 32);
        assert_eq!(dirent32_reclen(1), 16);
        assert_eq!(dirent32_reclen(2), 16);
        assert_eq!(dirent32_reclen(4), 16);
        assert_eq!(dirent32_reclen(5), 20);

        let mut buf = Vec::new();
        let names: [&[u8]; 3] = [b".", b"..", b"a-longer-file-name"];
        for (i, n) in names.iter().enumerate() {
            write_dirent64(
                &mut buf,
                &Dirent64 {
                    ino: 10 + i as u64,
                    off: (i as i64 + 1) << 40 | 7,
                    d_type: 4 + i as u8,
                    name: n,
                },
            );
        }
        assert_eq!(buf.len(), 24 + 24 + 40);
        let parsed: Vec<_> = parse_dirents64(&buf).collect();
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[2].0, 48);
        assert_eq!(parsed[2].1.name, b"a-longer-file-name");
        assert_eq!(parsed[1].1.ino, 11);
        assert_eq!(&buf[16..19], &[24, 0, 4]);

        let c = dirents64_to_dirents32(&buf, 4096).unwrap();
        assert_eq!(c.consumed, buf.len());
        assert_eq!(c.last_off, Some(3 << 40 | 7));
        assert_eq!(c.out.len(), 16 + 16 + 32);
        let o = &c.out;
        assert_eq!(u32le(o, 0), 10);
        assert_eq!(u32le(o, 4), 7, "d_off truncated to 32 bits");
        assert_eq!(u16::from_le_bytes([o[8], o[9]]), 16);
        assert_eq!(&o[10..12], b".\0");
        assert_eq!(o[15], 4, "d_type in the last byte");
        assert_eq!(&o[32 + 10..32 + 10 + 18], b"a-longer-file-name");
        assert_eq!(o[63], 6);

        // Output limit: only the first two records fit.
        let c = dirents64_to_dirents32(&buf, 40).unwrap();
        assert_eq!(
            (c.out.len(), c.consumed, c.last_off),
            (32, 48, Some(2 << 40 | 7))
        );
        let c = dirents64_to_dirents32(&buf, 8).unwrap();
        assert_eq!((c.out.len(), c.consumed, c.last_off), (0, 0, None));

        let mut big = Vec::new();
        write_dirent64(
            &mut big,
            &Dirent64 {
                ino: 1 << 32,
                off: 1,
                d_type: 8,
                name: b"x",
            },
        );
        assert_eq!(dirents64_to_dirents32(&big, 4096), Err(Overflow));

        // Malformed input stops the iteration without panicking.
        let mut bad = buf.clone();
        bad[16] = 3;
        assert_eq!(parse_dirents64(&bad).count(), 0);
        assert_eq!(parse_dirents64(&buf[..30]).count(), 1);
        for cut in 0..buf.len() {
            let _ = dirents64_to_dirents32(&buf[..cut], 4096);
        }
    }
}
