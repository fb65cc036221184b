//! Flag translation between the ARM guest and the x86-64 host, as data.
//!
//! Each translation is a [`FlagTable`]: a list of (guest mask, host mask)
//! pairs walked by one generic converter. Most Linux flags have the same
//! value on ARM and x86-64 (both use the asm-generic definitions); the
//! differences are:
//!
//! - **open flags**: ARM defines `O_DIRECTORY` 0o40000, `O_NOFOLLOW` 0o100000,
//!   `O_DIRECT` 0o200000, `O_LARGEFILE` 0o400000
//!   (`arch/arm/include/uapi/asm/fcntl.h`); x86-64 uses the generic
//!   `O_DIRECT` 0o40000, `O_LARGEFILE` 0o100000, `O_DIRECTORY` 0o200000,
//!   `O_NOFOLLOW` 0o400000. `O_TMPFILE` is `__O_TMPFILE | O_DIRECTORY`, so it
//!   differs too, and is translated bit by bit. A 64-bit host kernel sets
//!   `O_LARGEFILE` on every open file, so `F_GETFL` results carry it.
//! - **mmap flags**: `MAP_32BIT` (0x40) exists only on x86-64; on ARM that
//!   bit means nothing and must not reach the host.
//! - **sigaction flags**: `SA_THIRTYTWO` (0x02000000) exists only on ARM.
//! - **fcntl**: ARM (32-bit) has both `struct flock` with 32-bit offsets
//!   (`F_GETLK` 5..7) and `struct flock64` (`F_GETLK64` 12..14 via
//!   `fcntl64`); x86-64 has only the 64-bit layout under `F_GETLK` 5..7. See
//!   [`fcntl_cmd_to_host`].
//!
//! Signal numbers 1..=31 and the real-time range are the same on both, as
//! are the `clone`, `PROT_*` and `AT_*` values.
//!
//! "Host" here means x86-64. (An AArch64 host uses the ARM open-flag values.)

use std::fmt::Write as _;

/// One entry of a [`FlagTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagBit {
    /// Mask in the guest encoding.
    pub guest: u32,
    /// Mask in the host encoding.
    pub host: u32,
    /// Name for `-strace`.
    pub name: &'static str,
}

/// A table of flag correspondences with a generic converter.
///
/// An entry whose guest and host masks are equal copies those bits (this
/// also covers multi-bit fields such as `O_ACCMODE`); an entry whose masks
/// differ is a single flag that moves (`guest` all set -> `host` set).
/// Bits not covered by any entry are "unknown": the converters keep them
/// unchanged and [`FlagTable::unknown_guest`] / [`FlagTable::unknown_host`]
/// report them.
#[derive(Debug, Clone, Copy)]
pub struct FlagTable {
    /// The entries.
    pub bits: &'static [FlagBit],
}

impl FlagTable {
    fn convert(&self, v: u32, to_host: bool) -> u32 {
        let mut out = 0;
        let mut known = 0;
        for b in self.bits {
            let (from, to) = if to_host {
                (b.guest, b.host)
            } else {
                (b.host, b.guest)
            };
            known |= from;
            if from == to {
                out |= v & from;
            } else if v & from == from {
                out |= to;
            }
        }
        out | (v & !known)
    }

    /// Converts guest flags to host flags (unknown bits kept as they are).
    pub fn to_host(&self, guest: u32) -> u32 {
        self.convert(guest, true)
    }

    /// Converts host flags to guest flags (unknown bits kept as they are).
    pub fn to_guest(&self, host: u32) -> u32 {
        self.convert(host, false)
    }

    /// Guest bits that no entry covers.
    pub fn unknown_guest(&self, guest: u32) -> u32 {
        guest & !self.bits.iter().fold(0, |m, b| m | b.guest)
    }

    /// Host bits that no entry covers.
    pub fn unknown_host(&self, host: u32) -> u32 {
        host & !self.bits.iter().fold(0, |m, b| m | b.host)
    }

    /// `NAME|NAME|0x...` for a guest value: the single-bit (or whole-mask)
    /// entries that are set, then the remaining bits in hex. Multi-bit
    /// fields whose masks are equal on both sides and which are only partly
    /// set are shown in the hex remainder. Returns `"0"` for 0.
    pub fn describe(&self, guest: u32) -> String {
        let mut s = String::new();
        let mut rest = guest;
        for b in self.bits {
            if b.guest != 0 && guest & b.guest == b.guest && rest & b.guest != 0 {
                if !s.is_empty() {
                    s.push('|');
                }
                s.push_str(b.name);
                rest &= !b.guest;
            }
        }
        if rest != 0 || s.is_empty() {
            if !s.is_empty() {
                s.push('|');
            }
            let _ = write!(s, "{rest:#x}");
        }
        s
    }
}

macro_rules! fb {
    ($name:literal, $g:expr, $h:expr) => {
        FlagBit {
            guest: $g,
            host: $h,
            name: $name,
        }
    };
    ($name:literal, $v:expr) => {
        FlagBit {
            guest: $v,
            host: $v,
            name: $name,
        }
    };
}

/// `open`/`openat`/`fcntl(F_GETFL/F_SETFL)` flags.
pub mod open {
    use super::{FlagBit, FlagTable};

    /// Mask of the access mode (`O_RDONLY` 0, `O_WRONLY` 1, `O_RDWR` 2).
    pub const O_ACCMODE: u32 = 0o3;
    /// Open for reading only.
    pub const O_RDONLY: u32 = 0;
    /// Open for writing only.
    pub const O_WRONLY: u32 = 0o1;
    /// Open for reading and writing.
    pub const O_RDWR: u32 = 0o2;
    /// Create the file.
    pub const O_CREAT: u32 = 0o100;
    /// Fail if the file exists (with `O_CREAT`).
    pub const O_EXCL: u32 = 0o200;
    /// Do not make the terminal the controlling one.
    pub const O_NOCTTY: u32 = 0o400;
    /// Truncate to zero length.
    pub const O_TRUNC: u32 = 0o1000;
    /// Append on each write.
    pub const O_APPEND: u32 = 0o2000;
    /// Non-blocking I/O.
    pub const O_NONBLOCK: u32 = 0o4000;
    /// Synchronized data writes.
    pub const O_DSYNC: u32 = 0o10000;
    /// Signal-driven I/O (`FASYNC`).
    pub const O_ASYNC: u32 = 0o20000;
    /// Do not update the access time.
    pub const O_NOATIME: u32 = 0o1000000;
    /// Close on exec.
    pub const O_CLOEXEC: u32 = 0o2000000;
    /// The bit that, with `O_DSYNC`, makes `O_SYNC`.
    pub const __O_SYNC: u32 = 0o4000000;
    /// Fully synchronized writes (`__O_SYNC | O_DSYNC`).
    pub const O_SYNC: u32 = __O_SYNC | O_DSYNC;
    /// Path-only file descriptor.
    pub const O_PATH: u32 = 0o10000000;
    /// The bit that, with `O_DIRECTORY`, makes `O_TMPFILE`.
    pub const __O_TMPFILE: u32 = 0o20000000;

    /// The ARM (guest) values of the flags that differ from x86-64.
    pub mod arm {
        /// Must be a directory.
        pub const O_DIRECTORY: u32 = 0o40000;
        /// Do not follow a final symlink.
        pub const O_NOFOLLOW: u32 = 0o100000;
        /// Direct I/O.
        pub const O_DIRECT: u32 = 0o200000;
        /// Large file (64-bit offsets).
        pub const O_LARGEFILE: u32 = 0o400000;
        /// Unnamed temporary file (`__O_TMPFILE | O_DIRECTORY`).
        pub const O_TMPFILE: u32 = super::__O_TMPFILE | O_DIRECTORY;
    }

    /// The x86-64 (host) values of the flags that differ from ARM.
    pub mod x86_64 {
        /// Direct I/O.
        pub const O_DIRECT: u32 = 0o40000;
        /// Large file (64-bit offsets).
        pub const O_LARGEFILE: u32 = 0o100000;
        /// Must be a directory.
        pub const O_DIRECTORY: u32 = 0o200000;
        /// Do not follow a final symlink.
        pub const O_NOFOLLOW: u32 = 0o400000;
        /// Unnamed temporary file (`__O_TMPFILE | O_DIRECTORY`).
        pub const O_TMPFILE: u32 = super::__O_TMPFILE | O_DIRECTORY;
    }

    /// Guest (ARM) <-> host (x86-64) open flags.
    pub static TABLE: FlagTable = FlagTable {
        bits: &[
            fb!("O_ACCMODE", O_ACCMODE),
            fb!("O_CREAT", O_CREAT),
            fb!("O_EXCL", O_EXCL),
            fb!("O_NOCTTY", O_NOCTTY),
            fb!("O_TRUNC", O_TRUNC),
            fb!("O_APPEND", O_APPEND),
            fb!("O_NONBLOCK", O_NONBLOCK),
            fb!("O_DSYNC", O_DSYNC),
            fb!("O_ASYNC", O_ASYNC),
            fb!("O_DIRECTORY", arm::O_DIRECTORY, x86_64::O_DIRECTORY),
            fb!("O_NOFOLLOW", arm::O_NOFOLLOW, x86_64::O_NOFOLLOW),
            fb!("O_DIRECT", arm::O_DIRECT, x86_64::O_DIRECT),
            fb!("O_LARGEFILE", arm::O_LARGEFILE, x86_64::O_LARGEFILE),
            fb!("O_NOATIME", O_NOATIME),
            fb!("O_CLOEXEC", O_CLOEXEC),
            fb!("__O_SYNC", __O_SYNC),
            fb!("O_PATH", O_PATH),
            fb!("__O_TMPFILE", __O_TMPFILE),
        ],
    };

    /// Converts guest open flags to host flags.
    pub fn to_host(guest: u32) -> u32 {
        TABLE.to_host(guest)
    }

    /// Converts host open flags (e.g. an `F_GETFL` result) to guest flags.
    pub fn to_guest(host: u32) -> u32 {
        TABLE.to_guest(host)
    }

    /// strace-style rendering of guest open flags: `O_RDWR|O_CREAT|...`.
    pub fn describe(guest: u32) -> String {
        let acc = match guest & O_ACCMODE {
            O_RDONLY => "O_RDONLY",
            O_WRONLY => "O_WRONLY",
            O_RDWR => "O_RDWR",
            _ => "O_ACCMODE",
        };
        let rest = guest & !O_ACCMODE;
        if rest == 0 {
            acc.to_string()
        } else {
            format!("{acc}|{}", TABLE.describe(rest))
        }
    }
}

/// `signalfd4` flags (the same values as `O_NONBLOCK`/`O_CLOEXEC` on ARM
/// and on x86-64; `include/uapi/linux/signalfd.h`).
pub mod signalfd {
    use super::{FlagBit, FlagTable};

    /// Close on exec.
    pub const SFD_CLOEXEC: u32 = 0o2000000;
    /// Non-blocking reads.
    pub const SFD_NONBLOCK: u32 = 0o4000;
    /// Size of `struct signalfd_siginfo`, one record of a read. Its layout
    /// (fixed-width fields, `ssi_ptr` at 48, `ssi_arch` at 96) is the same
    /// on ARM and x86-64, so records pass through unchanged.
    pub const SIGINFO_SIZE: u32 = 128;

    /// The flags.
    pub const TABLE: FlagTable = FlagTable {
        bits: &[
            fb!("SFD_CLOEXEC", SFD_CLOEXEC),
            fb!("SFD_NONBLOCK", SFD_NONBLOCK),
        ],
    };

    /// Host flags for guest flags; `None` (EINVAL) for unknown bits.
    pub fn to_host(guest: u32) -> Option<u32> {
        (TABLE.unknown_guest(guest) == 0).then(|| TABLE.to_host(guest))
    }
}

/// `mmap`/`mprotect` protections and `mmap` flags.
pub mod mmap {
    use super::{FlagBit, FlagTable};

    /// The top of ARM Linux's user address space (3G/1G split, less the
    /// 16 MiB of modules): no user mapping reaches above it.
    pub const TASK_SIZE: u32 = 0xbf00_0000;

    /// Readable.
    pub const PROT_READ: u32 = 0x1;
    /// Writable.
    pub const PROT_WRITE: u32 = 0x2;
    /// Executable.
    pub const PROT_EXEC: u32 = 0x4;
    /// Usable for atomic operations (ignored by Linux).
    pub const PROT_SEM: u32 = 0x8;
    /// `mprotect`: extend the change down to the start of a grows-down mapping.
    pub const PROT_GROWSDOWN: u32 = 0x0100_0000;
    /// `mprotect`: extend the change up to the end of a grows-up mapping.
    pub const PROT_GROWSUP: u32 = 0x0200_0000;

    /// Mask of the mapping type field.
    pub const MAP_TYPE: u32 = 0x0f;
    /// Shared mapping.
    pub const MAP_SHARED: u32 = 0x01;
    /// Private copy-on-write mapping.
    pub const MAP_PRIVATE: u32 = 0x02;
    /// Shared, with unknown flags rejected (`EOPNOTSUPP`).
    pub const MAP_SHARED_VALIDATE: u32 = 0x03;
    /// Place exactly at the address, replacing existing mappings.
    pub const MAP_FIXED: u32 = 0x10;
    /// Not backed by a file.
    pub const MAP_ANONYMOUS: u32 = 0x20;
    /// x86-64 only: place in the first 2 GiB. Unknown to ARM; never forwarded.
    pub const MAP_32BIT: u32 = 0x40;
    /// Stack-like segment growing down.
    pub const MAP_GROWSDOWN: u32 = 0x0100;
    /// Ignored.
    pub const MAP_DENYWRITE: u32 = 0x0800;
    /// Ignored.
    pub const MAP_EXECUTABLE: u32 = 0x1000;
    /// Lock the pages.
    pub const MAP_LOCKED: u32 = 0x2000;
    /// Do not reserve swap.
    pub const MAP_NORESERVE: u32 = 0x4000;
    /// Prefault the pages.
    pub const MAP_POPULATE: u32 = 0x8000;
    /// With `MAP_POPULATE`: do not block on I/O.
    pub const MAP_NONBLOCK: u32 = 0x1_0000;
    /// Mapping is a thread stack.
    pub const MAP_STACK: u32 = 0x2_0000;
    /// Huge pages.
    pub const MAP_HUGETLB: u32 = 0x4_0000;
    /// Synchronous page faults (DAX).
    pub const MAP_SYNC: u32 = 0x8_0000;
    /// Like `MAP_FIXED` but fail with `EEXIST` instead of replacing.
    pub const MAP_FIXED_NOREPLACE: u32 = 0x10_0000;
    /// Anonymous pages not cleared (only with a special kernel config).
    pub const MAP_UNINITIALIZED: u32 = 0x400_0000;
    /// Huge page size field (`log2(size) << 26`), meaningful with `MAP_HUGETLB`.
    pub const MAP_HUGE_MASK: u32 = 0x3f << 26;

    /// `mremap`: the mapping may move.
    pub const MREMAP_MAYMOVE: u32 = 1;
    /// `mremap`: move to the given address (with `MREMAP_MAYMOVE`).
    pub const MREMAP_FIXED: u32 = 2;
    /// `mremap`: move, leaving the old range mapped but empty.
    pub const MREMAP_DONTUNMAP: u32 = 4;

    /// Protection bits: identical on ARM and x86-64.
    pub static PROT_TABLE: FlagTable = FlagTable {
        bits: &[
            fb!("PROT_READ", PROT_READ),
            fb!("PROT_WRITE", PROT_WRITE),
            fb!("PROT_EXEC", PROT_EXEC),
            fb!("PROT_SEM", PROT_SEM),
            fb!("PROT_GROWSDOWN", PROT_GROWSDOWN),
            fb!("PROT_GROWSUP", PROT_GROWSUP),
        ],
    };

    /// Flags known to ARM Linux; all have the same value on x86-64.
    pub static FLAG_TABLE: FlagTable = FlagTable {
        bits: &[
            fb!("MAP_TYPE", MAP_TYPE),
            fb!("MAP_FIXED", MAP_FIXED),
            fb!("MAP_ANONYMOUS", MAP_ANONYMOUS),
            fb!("MAP_GROWSDOWN", MAP_GROWSDOWN),
            fb!("MAP_DENYWRITE", MAP_DENYWRITE),
            fb!("MAP_EXECUTABLE", MAP_EXECUTABLE),
            fb!("MAP_LOCKED", MAP_LOCKED),
            fb!("MAP_NORESERVE", MAP_NORESERVE),
            fb!("MAP_POPULATE", MAP_POPULATE),
            fb!("MAP_NONBLOCK", MAP_NONBLOCK),
            fb!("MAP_STACK", MAP_STACK),
            fb!("MAP_HUGETLB", MAP_HUGETLB),
            fb!("MAP_SYNC", MAP_SYNC),
            fb!("MAP_FIXED_NOREPLACE", MAP_FIXED_NOREPLACE),
            fb!("MAP_HUGE_MASK", MAP_HUGE_MASK),
        ],
    };

    /// Result of [`flags_to_host`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct MmapFlags {
        /// Flags to pass to the host `mmap`, unknown bits removed.
        pub host: u32,
        /// Guest bits unknown to ARM Linux (e.g. 0x40). The ARM kernel ignores
        /// them for `MAP_SHARED`/`MAP_PRIVATE` and fails with `EOPNOTSUPP`
        /// for `MAP_SHARED_VALIDATE`.
        pub unknown: u32,
    }

    /// Whether mmap's flags name a mapping type Linux takes (do_mmap:
    /// anything but shared, shared-validate or private is EINVAL).
    pub fn map_type_valid(flags: u32) -> bool {
        matches!(
            flags & MAP_TYPE,
            MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE
        )
    }

    /// Converts guest `mmap` flags for the host, dropping unknown bits
    /// (notably 0x40, which the host would take as `MAP_32BIT`).
    pub fn flags_to_host(guest: u32) -> MmapFlags {
        let unknown = FLAG_TABLE.unknown_guest(guest);
        MmapFlags {
            host: FLAG_TABLE.to_host(guest & !unknown),
            unknown,
        }
    }

    /// `madvise` advice values (asm-generic numbering, ARM and x86-64 alike).
    pub mod advice {
        /// No special treatment.
        pub const NORMAL: u32 = 0;
        /// Expect random access (no read-ahead).
        pub const RANDOM: u32 = 1;
        /// Expect sequential access (aggressive read-ahead).
        pub const SEQUENTIAL: u32 = 2;
        /// Read the pages in soon.
        pub const WILLNEED: u32 = 3;
        /// Drop the pages: private anonymous ones read as zero afterwards,
        /// private file ones are read from the file again.
        pub const DONTNEED: u32 = 4;
        /// The pages may be dropped lazily (private anonymous memory).
        pub const FREE: u32 = 8;
        /// Free the backing store (shared memory, tmpfs): a hole punch.
        pub const REMOVE: u32 = 9;
        /// Do not copy the range into a fork's child.
        pub const DONTFORK: u32 = 10;
        /// Undo `DONTFORK`.
        pub const DOFORK: u32 = 11;
        /// Let KSM merge identical pages.
        pub const MERGEABLE: u32 = 12;
        /// Undo `MERGEABLE`.
        pub const UNMERGEABLE: u32 = 13;
        /// Prefer transparent huge pages.
        pub const HUGEPAGE: u32 = 14;
        /// Avoid transparent huge pages.
        pub const NOHUGEPAGE: u32 = 15;
        /// Leave the range out of core dumps.
        pub const DONTDUMP: u32 = 16;
        /// Undo `DONTDUMP`.
        pub const DODUMP: u32 = 17;
        /// The child of a fork sees the range as zero-filled.
        pub const WIPEONFORK: u32 = 18;
        /// Undo `WIPEONFORK`.
        pub const KEEPONFORK: u32 = 19;
        /// Deactivate the pages (reclaim them first).
        pub const COLD: u32 = 20;
        /// Reclaim the pages now.
        pub const PAGEOUT: u32 = 21;
        /// Prefault the pages readable.
        pub const POPULATE_READ: u32 = 22;
        /// Prefault the pages writable.
        pub const POPULATE_WRITE: u32 = 23;
        /// `DONTNEED` that also applies to locked pages.
        pub const DONTNEED_LOCKED: u32 = 24;
        /// Collapse the range into huge pages now.
        pub const COLLAPSE: u32 = 25;
        /// Poison the pages' physical memory (needs CAP_SYS_ADMIN).
        pub const HWPOISON: u32 = 100;
        /// Soft-offline the pages' physical memory (needs CAP_SYS_ADMIN).
        pub const SOFT_OFFLINE: u32 = 101;

        /// What rsemu does with an advice value.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Handling {
            /// Apply it to the host pages, which are the guest's own.
            Host,
            /// Like `Host`, and the contents may change: translated code
            /// of the range must be dropped.
            HostChangesContents,
            /// It acts on the machine, not the process: refused as to an
            /// unprivileged caller (`EPERM`), whoever the guest runs as.
            Refused,
            /// Unknown to Linux: `EINVAL`.
            Invalid,
        }

        /// How `madvise(advice)` is handled.
        pub fn handling(advice: u32) -> Handling {
            match advice {
                DONTNEED | FREE | REMOVE | DONTNEED_LOCKED => Handling::HostChangesContents,
                NORMAL | RANDOM | SEQUENTIAL | WILLNEED | DONTFORK | DOFORK | MERGEABLE
                | UNMERGEABLE | HUGEPAGE | NOHUGEPAGE | DONTDUMP | DODUMP | WIPEONFORK
                | KEEPONFORK | COLD | PAGEOUT | POPULATE_READ | POPULATE_WRITE | COLLAPSE => {
                    Handling::Host
                }
                HWPOISON | SOFT_OFFLINE => Handling::Refused,
                _ => Handling::Invalid,
            }
        }
    }

    /// Converts guest protections for the host. `None` if unknown bits are
    /// set (Linux fails such calls with `EINVAL`).
    pub fn prot_to_host(guest: u32) -> Option<u32> {
        (PROT_TABLE.unknown_guest(guest) == 0).then(|| PROT_TABLE.to_host(guest))
    }
}

/// `fcntl` commands (same numbers as the asm-generic definitions).
pub mod fcntl {
    /// Duplicate to the lowest fd >= arg.
    pub const F_DUPFD: u32 = 0;
    /// Get the fd flags (`FD_CLOEXEC`).
    pub const F_GETFD: u32 = 1;
    /// Set the fd flags.
    pub const F_SETFD: u32 = 2;
    /// Get the file status flags (open flags).
    pub const F_GETFL: u32 = 3;
    /// Set the file status flags.
    pub const F_SETFL: u32 = 4;
    /// Test a lock (`struct flock`; 32-bit offsets on ARM).
    pub const F_GETLK: u32 = 5;
    /// Set a lock.
    pub const F_SETLK: u32 = 6;
    /// Set a lock, waiting.
    pub const F_SETLKW: u32 = 7;
    /// Set the owner for `SIGIO`.
    pub const F_SETOWN: u32 = 8;
    /// Get the owner for `SIGIO`.
    pub const F_GETOWN: u32 = 9;
    /// Set the signal sent for I/O readiness.
    pub const F_SETSIG: u32 = 10;
    /// Get the signal sent for I/O readiness.
    pub const F_GETSIG: u32 = 11;
    /// ARM `fcntl64` only: test a lock with `struct flock64`.
    pub const F_GETLK64: u32 = 12;
    /// ARM `fcntl64` only: set a lock with `struct flock64`.
    pub const F_SETLK64: u32 = 13;
    /// ARM `fcntl64` only: set a lock with `struct flock64`, waiting.
    pub const F_SETLKW64: u32 = 14;
    /// Set the owner (`struct f_owner_ex`).
    pub const F_SETOWN_EX: u32 = 15;
    /// Get the owner (`struct f_owner_ex`).
    pub const F_GETOWN_EX: u32 = 16;
    /// Get the owner uids.
    pub const F_GETOWNER_UIDS: u32 = 17;
    /// Open file description lock: test.
    pub const F_OFD_GETLK: u32 = 36;
    /// Open file description lock: set.
    pub const F_OFD_SETLK: u32 = 37;
    /// Open file description lock: set, waiting.
    pub const F_OFD_SETLKW: u32 = 38;
    /// Set a lease.
    pub const F_SETLEASE: u32 = 1024;
    /// Get the lease.
    pub const F_GETLEASE: u32 = 1025;
    /// Directory change notification.
    pub const F_NOTIFY: u32 = 1026;
    /// Whether two fds refer to the same file description.
    pub const F_DUPFD_QUERY: u32 = 1027;
    /// Whether the file was created by the open.
    pub const F_CREATED_QUERY: u32 = 1028;
    /// Cancel a blocking lock.
    pub const F_CANCELLK: u32 = 1029;
    /// `F_DUPFD` with close-on-exec.
    pub const F_DUPFD_CLOEXEC: u32 = 1030;
    /// Set the pipe buffer size.
    pub const F_SETPIPE_SZ: u32 = 1031;
    /// Get the pipe buffer size.
    pub const F_GETPIPE_SZ: u32 = 1032;
    /// Add file seals.
    pub const F_ADD_SEALS: u32 = 1033;
    /// Get file seals.
    pub const F_GET_SEALS: u32 = 1034;
    /// Get the inode write-life hint (pointer to u64).
    pub const F_GET_RW_HINT: u32 = 1035;
    /// Set the inode write-life hint (pointer to u64).
    pub const F_SET_RW_HINT: u32 = 1036;
    /// Get the file write-life hint (pointer to u64).
    pub const F_GET_FILE_RW_HINT: u32 = 1037;
    /// Set the file write-life hint (pointer to u64).
    pub const F_SET_FILE_RW_HINT: u32 = 1038;
    /// `FD_CLOEXEC` for `F_GETFD`/`F_SETFD`.
    pub const FD_CLOEXEC: u32 = 1;
}

/// What the third `fcntl` argument is, and how to translate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FcntlArg {
    /// Not used.
    None,
    /// A plain integer, passed unchanged.
    Int,
    /// Guest open flags ([`open::to_host`]) for `F_SETFL`; for `F_GETFL` the
    /// result is host flags to convert back with [`open::to_guest`].
    OpenFlags,
    /// Pointer to a guest 32-bit `struct flock`
    /// ([`Flock32`](crate::layout::Flock32)), to convert to and from the
    /// host's 64-bit `struct flock`.
    Flock32,
    /// Pointer to a guest `struct flock64`
    /// ([`Flock64`](crate::layout::Flock64)).
    Flock64,
    /// Pointer to data with the same layout on both (`struct f_owner_ex`,
    /// owner uids, u64 write hints): pass the translated address.
    SameLayoutPtr,
}

/// A guest `fcntl` command mapped to the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FcntlMap {
    /// The host command.
    pub host_cmd: u32,
    /// How to handle the argument.
    pub arg: FcntlArg,
}

/// Maps a guest `fcntl` command to the host.
///
/// `is_fcntl64` tells whether the guest called `fcntl64` (221) rather than
/// `fcntl` (55): as in the ARM kernel, `F_GETLK64`..`F_SETLKW64` exist only
/// for `fcntl64`, and the OFD lock commands take a `struct flock64` there but
/// a 32-bit `struct flock` with plain `fcntl`. `F_GETLK`..`F_SETLKW` always
/// take the 32-bit `struct flock`. Returns `None` for commands the ARM
/// kernel would reject with `EINVAL`.
pub fn fcntl_cmd_to_host(cmd: u32, is_fcntl64: bool) -> Option<FcntlMap> {
    use fcntl::*;
    let lock = if is_fcntl64 {
        FcntlArg::Flock64
    } else {
        FcntlArg::Flock32
    };
    let (host_cmd, arg) = match cmd {
        F_DUPFD | F_SETFD | F_SETOWN | F_SETSIG => (cmd, FcntlArg::Int),
        F_GETFD | F_GETOWN | F_GETSIG => (cmd, FcntlArg::None),
        F_GETFL | F_SETFL => (cmd, FcntlArg::OpenFlags),
        F_GETLK | F_SETLK | F_SETLKW => (cmd, FcntlArg::Flock32),
        F_GETLK64 | F_SETLK64 | F_SETLKW64 if is_fcntl64 => {
            (cmd - F_GETLK64 + F_GETLK, FcntlArg::Flock64)
        }
        F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW => (cmd, lock),
        F_SETOWN_EX | F_GETOWN_EX | F_GETOWNER_UIDS => (cmd, FcntlArg::SameLayoutPtr),
        F_GET_RW_HINT | F_SET_RW_HINT | F_GET_FILE_RW_HINT | F_SET_FILE_RW_HINT => {
            (cmd, FcntlArg::SameLayoutPtr)
        }
        F_SETLEASE | F_NOTIFY | F_DUPFD_QUERY | F_CANCELLK | F_DUPFD_CLOEXEC | F_SETPIPE_SZ
        | F_ADD_SEALS => (cmd, FcntlArg::Int),
        F_GETLEASE | F_CREATED_QUERY | F_GETPIPE_SZ | F_GET_SEALS => (cmd, FcntlArg::None),
        _ => return None,
    };
    Some(FcntlMap { host_cmd, arg })
}

/// `clone` flags (identical on ARM and x86-64).
///
/// Argument order differs: ARM uses the `CLONE_BACKWARDS` convention
/// `clone(flags, newsp, parent_tidptr, tls, child_tidptr)` (`r0`..`r4`),
/// while x86-64 is `clone(flags, newsp, parent_tidptr, child_tidptr, tls)`.
pub mod clone {
    /// Mask of the signal sent to the parent on exit.
    pub const CSIGNAL: u32 = 0x0000_00ff;
    /// New time namespace (`clone3`/`unshare` only).
    pub const CLONE_NEWTIME: u32 = 0x0000_0080;
    /// Share the address space.
    pub const CLONE_VM: u32 = 0x0000_0100;
    /// Share filesystem information.
    pub const CLONE_FS: u32 = 0x0000_0200;
    /// Share the file descriptor table.
    pub const CLONE_FILES: u32 = 0x0000_0400;
    /// Share signal handlers.
    pub const CLONE_SIGHAND: u32 = 0x0000_0800;
    /// Return a pidfd in `parent_tidptr`.
    pub const CLONE_PIDFD: u32 = 0x0000_1000;
    /// Continue tracing the child.
    pub const CLONE_PTRACE: u32 = 0x0000_2000;
    /// Suspend the parent until the child execs or exits.
    pub const CLONE_VFORK: u32 = 0x0000_4000;
    /// Same parent as the caller.
    pub const CLONE_PARENT: u32 = 0x0000_8000;
    /// Same thread group (a thread).
    pub const CLONE_THREAD: u32 = 0x0001_0000;
    /// New mount namespace.
    pub const CLONE_NEWNS: u32 = 0x0002_0000;
    /// Share System V semaphore undo lists.
    pub const CLONE_SYSVSEM: u32 = 0x0004_0000;
    /// Set the TLS register (ARM: TPIDRURO) from the `tls` argument.
    pub const CLONE_SETTLS: u32 = 0x0008_0000;
    /// Store the child tid at `parent_tidptr` in the parent.
    pub const CLONE_PARENT_SETTID: u32 = 0x0010_0000;
    /// Clear (and futex-wake) `child_tidptr` when the child exits.
    pub const CLONE_CHILD_CLEARTID: u32 = 0x0020_0000;
    /// Ignored.
    pub const CLONE_DETACHED: u32 = 0x0040_0000;
    /// Tracer cannot force `CLONE_PTRACE`.
    pub const CLONE_UNTRACED: u32 = 0x0080_0000;
    /// Store the child tid at `child_tidptr` in the child.
    pub const CLONE_CHILD_SETTID: u32 = 0x0100_0000;
    /// New cgroup namespace.
    pub const CLONE_NEWCGROUP: u32 = 0x0200_0000;
    /// New UTS namespace.
    pub const CLONE_NEWUTS: u32 = 0x0400_0000;
    /// New IPC namespace.
    pub const CLONE_NEWIPC: u32 = 0x0800_0000;
    /// New user namespace.
    pub const CLONE_NEWUSER: u32 = 0x1000_0000;
    /// New PID namespace.
    pub const CLONE_NEWPID: u32 = 0x2000_0000;
    /// New network namespace.
    pub const CLONE_NEWNET: u32 = 0x4000_0000;
    /// Share the I/O context.
    pub const CLONE_IO: u32 = 0x8000_0000;
    /// Whether clone's flags are a combination Linux accepts
    /// (copy_process): new mount or user namespaces cannot share the fs
    /// struct, a thread shares the signal handlers, shared handlers need a
    /// shared address space, and a pidfd cannot go where the parent's tid
    /// does (legacy clone) nor come with CLONE_DETACHED.
    pub fn valid(flags: u32) -> bool {
        let both = |a: u32, b: u32| flags & a != 0 && flags & b != 0;
        !(both(CLONE_NEWNS, CLONE_FS)
            || both(CLONE_NEWUSER, CLONE_FS)
            || (flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0)
            || (flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0)
            || both(CLONE_PIDFD, CLONE_PARENT_SETTID)
            || both(CLONE_PIDFD, CLONE_DETACHED))
    }

    /// The flags glibc's `pthread_create` passes.
    pub const PTHREAD_FLAGS: u32 = CLONE_VM
        | CLONE_FS
        | CLONE_FILES
        | CLONE_SIGHAND
        | CLONE_THREAD
        | CLONE_SYSVSEM
        | CLONE_SETTLS
        | CLONE_PARENT_SETTID
        | CLONE_CHILD_CLEARTID;
}

/// Signal numbers, `sigaction` flags and related constants.
///
/// ARM and x86-64 Linux share the numbers 1..=31 (including `SIGSTKFLT` 16,
/// `SIGPWR` 30, `SIGSYS` 31) and the real-time range 32..=64 (`_NSIG` 64),
/// so translation is the identity. (The C libraries of guest and host both
/// reserve the first real-time signals for themselves: that is the
/// emulator's problem to solve, not a numbering difference.) The kernel
/// `sigset_t` is 64 bits on both: two 32-bit words, low word first, in the
/// guest.
pub mod signal {
    /// Hangup.
    pub const SIGHUP: u32 = 1;
    /// Interrupt.
    pub const SIGINT: u32 = 2;
    /// Quit.
    pub const SIGQUIT: u32 = 3;
    /// Illegal instruction.
    pub const SIGILL: u32 = 4;
    /// Trace/breakpoint trap.
    pub const SIGTRAP: u32 = 5;
    /// Abort.
    pub const SIGABRT: u32 = 6;
    /// Bus error (alignment).
    pub const SIGBUS: u32 = 7;
    /// Arithmetic exception.
    pub const SIGFPE: u32 = 8;
    /// Kill.
    pub const SIGKILL: u32 = 9;
    /// User signal 1.
    pub const SIGUSR1: u32 = 10;
    /// Segmentation fault.
    pub const SIGSEGV: u32 = 11;
    /// User signal 2.
    pub const SIGUSR2: u32 = 12;
    /// Broken pipe.
    pub const SIGPIPE: u32 = 13;
    /// Alarm clock.
    pub const SIGALRM: u32 = 14;
    /// Termination.
    pub const SIGTERM: u32 = 15;
    /// Coprocessor stack fault (unused).
    pub const SIGSTKFLT: u32 = 16;
    /// Child stopped or exited.
    pub const SIGCHLD: u32 = 17;
    /// Continue.
    pub const SIGCONT: u32 = 18;
    /// Stop (cannot be caught).
    pub const SIGSTOP: u32 = 19;
    /// Terminal stop.
    pub const SIGTSTP: u32 = 20;
    /// Background read from the terminal.
    pub const SIGTTIN: u32 = 21;
    /// Background write to the terminal.
    pub const SIGTTOU: u32 = 22;
    /// Urgent socket data.
    pub const SIGURG: u32 = 23;
    /// CPU time limit exceeded.
    pub const SIGXCPU: u32 = 24;
    /// File size limit exceeded.
    pub const SIGXFSZ: u32 = 25;
    /// Virtual timer.
    pub const SIGVTALRM: u32 = 26;
    /// Profiling timer.
    pub const SIGPROF: u32 = 27;
    /// Window size change.
    pub const SIGWINCH: u32 = 28;
    /// I/O possible (`SIGPOLL`).
    pub const SIGIO: u32 = 29;
    /// Power failure.
    pub const SIGPWR: u32 = 30;
    /// Bad system call.
    pub const SIGSYS: u32 = 31;
    /// First real-time signal (kernel numbering).
    pub const SIGRTMIN: u32 = 32;
    /// Last real-time signal.
    pub const SIGRTMAX: u32 = 64;
    /// Number of signals (`_NSIG`).
    pub const NSIG: u32 = 64;

    /// Do not notify on child stop.
    pub const SA_NOCLDSTOP: u32 = 0x0000_0001;
    /// Do not create zombies.
    pub const SA_NOCLDWAIT: u32 = 0x0000_0002;
    /// Three-argument handler with `siginfo_t`.
    pub const SA_SIGINFO: u32 = 0x0000_0004;
    /// Used to probe for flag support.
    pub const SA_UNSUPPORTED: u32 = 0x0000_0400;
    /// Keep tag bits in `si_addr` (arm64).
    pub const SA_EXPOSE_TAGBITS: u32 = 0x0000_0800;
    /// ARM only: historic "deliver in 32-bit mode"; ignored. Not forwarded.
    pub const SA_THIRTYTWO: u32 = 0x0200_0000;
    /// `sa_restorer` is valid (set by the C library).
    pub const SA_RESTORER: u32 = 0x0400_0000;
    /// Run on the alternate signal stack.
    pub const SA_ONSTACK: u32 = 0x0800_0000;
    /// Restart interrupted system calls.
    pub const SA_RESTART: u32 = 0x1000_0000;
    /// Do not block the signal in its handler.
    pub const SA_NODEFER: u32 = 0x4000_0000;
    /// Reset to `SIG_DFL` on delivery.
    pub const SA_RESETHAND: u32 = 0x8000_0000;

    /// Default action (`sa_handler`).
    pub const SIG_DFL: u32 = 0;
    /// Ignore (`sa_handler`).
    pub const SIG_IGN: u32 = 1;
    /// `sigprocmask` how: add to the mask.
    pub const SIG_BLOCK: u32 = 0;
    /// `sigprocmask` how: remove from the mask.
    pub const SIG_UNBLOCK: u32 = 1;
    /// `sigprocmask` how: replace the mask.
    pub const SIG_SETMASK: u32 = 2;
    /// `sigaltstack` flag: currently on the alternate stack.
    pub const SS_ONSTACK: u32 = 1;
    /// `sigaltstack` flag: alternate stack disabled.
    pub const SS_DISABLE: u32 = 2;
    /// `sigaltstack` flag: clear it on signal delivery.
    pub const SS_AUTODISARM: u32 = 1 << 31;
    /// ARM `MINSIGSTKSZ`.
    pub const MINSIGSTKSZ: u32 = 2048;
    /// ARM `SIGSTKSZ`.
    pub const SIGSTKSZ: u32 = 8192;

    /// Size in bytes of the kernel `sigset_t` (the `sigsetsize` argument of
    /// `rt_sig*` calls must equal it).
    pub const SIGSET_SIZE: u32 = 8;

    // Guest and host signal numbers meet in one place, rsemu-arm's
    // `linux-user/src/sigmap.rs`: the mapping depends on which host signals
    // the emulator's own runtime keeps, not only on the two kernels' ABIs.

    /// `sa_flags` for the host: `SA_THIRTYTWO` dropped, the rest unchanged.
    /// (The emulator still installs its own host handler and restorer.)
    pub fn sa_flags_to_host(guest: u32) -> u32 {
        guest & !SA_THIRTYTWO
    }

    /// The bit of signal `sig` (1..=64) in a 64-bit `sigset_t`.
    pub fn sigmask(sig: u32) -> u64 {
        if (1..=NSIG).contains(&sig) {
            1u64 << (sig - 1)
        } else {
            0
        }
    }

    /// Builds a sigset from the two guest words (low word first).
    pub fn sigset_from_words(lo: u32, hi: u32) -> u64 {
        u64::from(lo) | (u64::from(hi) << 32)
    }

    /// Splits a sigset into the two guest words (low, high).
    pub fn sigset_to_words(set: u64) -> (u32, u32) {
        (set as u32, (set >> 32) as u32)
    }

    /// Name of a signal (`"SIGSEGV"`, `"SIGRT3"`), for `-strace` and messages.
    pub fn name(sig: u32) -> Option<String> {
        const NAMES: [&str; 31] = [
            "SIGHUP",
            "SIGINT",
            "SIGQUIT",
            "SIGILL",
            "SIGTRAP",
            "SIGABRT",
            "SIGBUS",
            "SIGFPE",
            "SIGKILL",
            "SIGUSR1",
            "SIGSEGV",
            "SIGUSR2",
            "SIGPIPE",
            "SIGALRM",
            "SIGTERM",
            "SIGSTKFLT",
            "SIGCHLD",
            "SIGCONT",
            "SIGSTOP",
            "SIGTSTP",
            "SIGTTIN",
            "SIGTTOU",
            "SIGURG",
            "SIGXCPU",
            "SIGXFSZ",
            "SIGVTALRM",
            "SIGPROF",
            "SIGWINCH",
            "SIGIO",
            "SIGPWR",
            "SIGSYS",
        ];
        match sig {
            1..=31 => Some(NAMES[sig as usize - 1].to_string()),
            SIGRTMIN..=SIGRTMAX => Some(format!("SIGRT{}", sig - SIGRTMIN)),
            _ => None,
        }
    }
}

/// `prctl` options as ARM Linux has them, and how rsemu-arm answers each.
pub mod prctl {
    /// How an option is handled.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Handling {
        /// Integer arguments only: the host call gives Linux's answer
        /// (including its checks of unused arguments) for this thread.
        Host,
        /// The host call, with argument `arg` (1-based like `arg2`..) a
        /// pointer to `size` bytes laid out alike on ARM and x86-64, passed
        /// as the guest address's host address (NULL stays NULL).
        HostPointer {
            /// Which argument (1 = `arg2`) is the pointer.
            arg: usize,
            /// Bytes the kernel reads or writes there.
            size: u32,
        },
        /// Answered from the guest's own state (the guest's signal
        /// numbers, its clear_child_tid, its auxiliary vector, guest
        /// addresses of a VMA name).
        Emulated,
        /// An option of another architecture, or one ARM Linux 6.1 does
        /// not have: `EINVAL`, as on ARM.
        NotOnArm,
        /// Would act on the emulator rather than the guest (a seccomp
        /// filter of x86-64 system calls, the host's mm fields): refused
        /// as a kernel without the feature refuses it (`EINVAL`).
        Refused,
    }

    /// PR_SET_PDEATHSIG.
    pub const SET_PDEATHSIG: u32 = 1;
    /// PR_GET_PDEATHSIG.
    pub const GET_PDEATHSIG: u32 = 2;
    /// PR_SET_NAME.
    pub const SET_NAME: u32 = 15;
    /// PR_GET_NAME.
    pub const GET_NAME: u32 = 16;
    /// PR_GET_TID_ADDRESS.
    pub const GET_TID_ADDRESS: u32 = 40;
    /// PR_SET_VMA (`"SVMA"`).
    pub const SET_VMA: u32 = 0x5356_4d41;
    /// PR_GET_AUXV (`"AUXV"`).
    pub const GET_AUXV: u32 = 0x4155_5856;

    /// Every option: number, name, handling.
    pub static OPTIONS: &[(u32, &str, Handling)] = &[
        (SET_PDEATHSIG, "PR_SET_PDEATHSIG", Handling::Emulated),
        (GET_PDEATHSIG, "PR_GET_PDEATHSIG", Handling::Emulated),
        (3, "PR_GET_DUMPABLE", Handling::Host),
        (4, "PR_SET_DUMPABLE", Handling::Host),
        (5, "PR_GET_UNALIGN", Handling::NotOnArm),
        (6, "PR_SET_UNALIGN", Handling::NotOnArm),
        (7, "PR_GET_KEEPCAPS", Handling::Host),
        (8, "PR_SET_KEEPCAPS", Handling::Host),
        (9, "PR_GET_FPEMU", Handling::NotOnArm),
        (10, "PR_SET_FPEMU", Handling::NotOnArm),
        (11, "PR_GET_FPEXC", Handling::NotOnArm),
        (12, "PR_SET_FPEXC", Handling::NotOnArm),
        (13, "PR_GET_TIMING", Handling::Host),
        (14, "PR_SET_TIMING", Handling::Host),
        (
            SET_NAME,
            "PR_SET_NAME",
            Handling::HostPointer { arg: 1, size: 16 },
        ),
        (
            GET_NAME,
            "PR_GET_NAME",
            Handling::HostPointer { arg: 1, size: 16 },
        ),
        (19, "PR_GET_ENDIAN", Handling::NotOnArm),
        (20, "PR_SET_ENDIAN", Handling::NotOnArm),
        (21, "PR_GET_SECCOMP", Handling::Refused),
        (22, "PR_SET_SECCOMP", Handling::Refused),
        (23, "PR_CAPBSET_READ", Handling::Host),
        (24, "PR_CAPBSET_DROP", Handling::Host),
        (25, "PR_GET_TSC", Handling::NotOnArm),
        (26, "PR_SET_TSC", Handling::NotOnArm),
        (27, "PR_GET_SECUREBITS", Handling::Host),
        (28, "PR_SET_SECUREBITS", Handling::Host),
        (29, "PR_SET_TIMERSLACK", Handling::Host),
        (30, "PR_GET_TIMERSLACK", Handling::Host),
        (31, "PR_TASK_PERF_EVENTS_DISABLE", Handling::Host),
        (32, "PR_TASK_PERF_EVENTS_ENABLE", Handling::Host),
        (33, "PR_MCE_KILL", Handling::Host),
        (34, "PR_MCE_KILL_GET", Handling::Host),
        (35, "PR_SET_MM", Handling::Refused),
        (36, "PR_SET_CHILD_SUBREAPER", Handling::Host),
        (
            37,
            "PR_GET_CHILD_SUBREAPER",
            Handling::HostPointer { arg: 1, size: 4 },
        ),
        (38, "PR_SET_NO_NEW_PRIVS", Handling::Host),
        (39, "PR_GET_NO_NEW_PRIVS", Handling::Host),
        (GET_TID_ADDRESS, "PR_GET_TID_ADDRESS", Handling::Emulated),
        (41, "PR_SET_THP_DISABLE", Handling::Host),
        (42, "PR_GET_THP_DISABLE", Handling::Host),
        (43, "PR_MPX_ENABLE_MANAGEMENT", Handling::NotOnArm),
        (44, "PR_MPX_DISABLE_MANAGEMENT", Handling::NotOnArm),
        (45, "PR_SET_FP_MODE", Handling::NotOnArm),
        (46, "PR_GET_FP_MODE", Handling::NotOnArm),
        (47, "PR_CAP_AMBIENT", Handling::Host),
        (50, "PR_SVE_SET_VL", Handling::NotOnArm),
        (51, "PR_SVE_GET_VL", Handling::NotOnArm),
        (52, "PR_GET_SPECULATION_CTRL", Handling::NotOnArm),
        (53, "PR_SET_SPECULATION_CTRL", Handling::NotOnArm),
        (54, "PR_PAC_RESET_KEYS", Handling::NotOnArm),
        (55, "PR_SET_TAGGED_ADDR_CTRL", Handling::NotOnArm),
        (56, "PR_GET_TAGGED_ADDR_CTRL", Handling::NotOnArm),
        (57, "PR_SET_IO_FLUSHER", Handling::Host),
        (58, "PR_GET_IO_FLUSHER", Handling::Host),
        (59, "PR_SET_SYSCALL_USER_DISPATCH", Handling::NotOnArm),
        (60, "PR_PAC_SET_ENABLED_KEYS", Handling::NotOnArm),
        (61, "PR_PAC_GET_ENABLED_KEYS", Handling::NotOnArm),
        (
            62,
            "PR_SCHED_CORE",
            Handling::HostPointer { arg: 4, size: 8 },
        ),
        (63, "PR_SME_SET_VL", Handling::NotOnArm),
        (64, "PR_SME_GET_VL", Handling::NotOnArm),
        (65, "PR_SET_MDWE", Handling::NotOnArm),
        (66, "PR_GET_MDWE", Handling::NotOnArm),
        (67, "PR_SET_MEMORY_MERGE", Handling::Host),
        (68, "PR_GET_MEMORY_MERGE", Handling::Host),
        (SET_VMA, "PR_SET_VMA", Handling::Emulated),
        (GET_AUXV, "PR_GET_AUXV", Handling::Emulated),
        (0x5961_6d61, "PR_SET_PTRACER", Handling::Host),
    ];

    /// The name and handling of option `option` (`None`: unknown, `EINVAL`).
    pub fn option(option: u32) -> Option<(&'static str, Handling)> {
        OPTIONS
            .iter()
            .find(|(n, _, _)| *n == option)
            .map(|&(_, name, h)| (name, h))
    }
}

/// `*at` call constants (identical on ARM and x86-64).
pub mod at {
    /// The current directory as `dirfd` (-100).
    pub const AT_FDCWD: i32 = -100;
    /// Do not follow a final symlink.
    pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
    /// `unlinkat`: remove a directory.
    pub const AT_REMOVEDIR: u32 = 0x200;
    /// `linkat`: follow a final symlink.
    pub const AT_SYMLINK_FOLLOW: u32 = 0x400;
    /// Do not automount.
    pub const AT_NO_AUTOMOUNT: u32 = 0x800;
    /// Allow an empty path (operate on `dirfd`).
    pub const AT_EMPTY_PATH: u32 = 0x1000;
    /// `faccessat`: use effective ids.
    pub const AT_EACCESS: u32 = 0x200;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags_each_bit_both_ways() {
        use open::*;
        let pairs = [
            (O_CREAT, O_CREAT),
            (O_EXCL, O_EXCL),
            (O_NOCTTY, O_NOCTTY),
            (O_TRUNC, O_TRUNC),
            (O_APPEND, O_APPEND),
            (O_NONBLOCK, O_NONBLOCK),
            (O_DSYNC, O_DSYNC),
            (O_ASYNC, O_ASYNC),
            (0o40000, 0o200000),  // O_DIRECTORY
            (0o100000, 0o400000), // O_NOFOLLOW
            (0o200000, 0o40000),  // O_DIRECT
            (0o400000, 0o100000), // O_LARGEFILE
            (O_NOATIME, O_NOATIME),
            (O_CLOEXEC, O_CLOEXEC),
            (O_SYNC, O_SYNC),
            (O_PATH, O_PATH),
            (arm::O_TMPFILE, x86_64::O_TMPFILE),
            (O_WRONLY, O_WRONLY),
            (O_RDWR, O_RDWR),
            (O_ACCMODE, O_ACCMODE),
        ];
        for (g, h) in pairs {
            assert_eq!(to_host(g), h, "guest {g:#o}");
            assert_eq!(to_guest(h), g, "host {h:#o}");
        }
        assert_eq!(x86_64::O_TMPFILE, 0o20200000);
        assert_eq!(arm::O_TMPFILE, 0o20040000);
        // Every bit 0..32 round-trips, and the four swapped bits are a permutation.
        for bit in 0..32 {
            let v = 1u32 << bit;
            assert_eq!(to_guest(to_host(v)), v, "bit {bit}");
        }
        let all_g = TABLE.bits.iter().fold(0, |m, b| m | b.guest);
        let all_h = TABLE.bits.iter().fold(0, |m, b| m | b.host);
        assert_eq!(all_g, all_h);
        assert_eq!(all_g, 0o37777703);
        // Unknown bits are preserved and reported.
        assert_eq!(TABLE.unknown_guest(1 << 30 | O_CREAT), 1 << 30);
        assert_eq!(
            to_host(1 << 30 | arm::O_DIRECTORY),
            1 << 30 | x86_64::O_DIRECTORY
        );
        // A realistic combination.
        let g = O_RDONLY | O_CLOEXEC | arm::O_DIRECTORY | arm::O_LARGEFILE | O_NONBLOCK;
        let h = O_RDONLY | O_CLOEXEC | x86_64::O_DIRECTORY | x86_64::O_LARGEFILE | O_NONBLOCK;
        assert_eq!(to_host(g), h);
        assert_eq!(to_guest(h), g);
    }

    #[test]
    fn open_flags_describe() {
        use open::*;
        assert_eq!(describe(0), "O_RDONLY");
        assert_eq!(
            describe(O_RDWR | O_CREAT | O_CLOEXEC),
            "O_RDWR|O_CREAT|O_CLOEXEC"
        );
        assert_eq!(
            describe(arm::O_DIRECTORY | arm::O_LARGEFILE),
            "O_RDONLY|O_DIRECTORY|O_LARGEFILE"
        );
        assert_eq!(describe(O_WRONLY | 1 << 30), "O_WRONLY|0x40000000");
        assert_eq!(mmap::PROT_TABLE.describe(0), "0x0");
        assert_eq!(mmap::PROT_TABLE.describe(5), "PROT_READ|PROT_EXEC");
    }

    #[test]
    fn mmap_flags() {
        use mmap::*;
        let f = flags_to_host(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
        assert_eq!(f.host, 0x32);
        assert_eq!(f.unknown, 0);
        let f = flags_to_host(MAP_PRIVATE | MAP_32BIT);
        assert_eq!(
            f.host, MAP_PRIVATE,
            "0x40 must not become MAP_32BIT on the host"
        );
        assert_eq!(f.unknown, MAP_32BIT);
        for b in FLAG_TABLE.bits {
            assert_eq!(flags_to_host(b.guest).host, b.host, "{}", b.name);
            assert_eq!(FLAG_TABLE.to_guest(b.host), b.guest, "{}", b.name);
        }
        assert_eq!(
            flags_to_host(MAP_HUGETLB | 21 << 26).host,
            MAP_HUGETLB | 21 << 26
        );
        assert_eq!(prot_to_host(PROT_READ | PROT_WRITE), Some(3));
        assert_eq!(prot_to_host(PROT_READ | PROT_GROWSDOWN), Some(0x0100_0001));
        assert_eq!(prot_to_host(0x10), None);
    }

    #[test]
    fn fcntl_mapping() {
        use fcntl::*;
        let m = |c, f64| fcntl_cmd_to_host(c, f64);
        assert_eq!(m(F_GETFL, false).unwrap().arg, FcntlArg::OpenFlags);
        assert_eq!(
            m(F_SETFD, true).unwrap(),
            FcntlMap {
                host_cmd: F_SETFD,
                arg: FcntlArg::Int
            }
        );
        assert_eq!(
            m(F_GETLK, true).unwrap(),
            FcntlMap {
                host_cmd: 5,
                arg: FcntlArg::Flock32
            }
        );
        assert_eq!(
            m(F_GETLK64, true).unwrap(),
            FcntlMap {
                host_cmd: 5,
                arg: FcntlArg::Flock64
            }
        );
        assert_eq!(m(F_SETLK64, true).unwrap().host_cmd, 6);
        assert_eq!(m(F_SETLKW64, true).unwrap().host_cmd, 7);
        assert_eq!(
            m(F_GETLK64, false),
            None,
            "F_GETLK64 only exists for fcntl64"
        );
        assert_eq!(m(F_OFD_SETLK, true).unwrap().arg, FcntlArg::Flock64);
        assert_eq!(m(F_OFD_SETLK, false).unwrap().arg, FcntlArg::Flock32);
        assert_eq!(
            m(F_DUPFD_CLOEXEC, false).unwrap(),
            FcntlMap {
                host_cmd: 1030,
                arg: FcntlArg::Int
            }
        );
        assert_eq!(m(F_GETOWN_EX, false).unwrap().arg, FcntlArg::SameLayoutPtr);
        assert_eq!(m(F_GET_SEALS, false).unwrap().arg, FcntlArg::None);
        assert_eq!(m(18, true), None);
        assert_eq!(m(9999, true), None);
    }

    #[test]
    fn signals() {
        use signal::*;
        assert_eq!(
            (SIGBUS, SIGUSR1, SIGSEGV, SIGSTKFLT, SIGCHLD, SIGSYS),
            (7, 10, 11, 16, 17, 31)
        );
        assert_eq!(name(SIGSEGV).as_deref(), Some("SIGSEGV"));
        assert_eq!(name(SIGSYS).as_deref(), Some("SIGSYS"));
        assert_eq!(name(34).as_deref(), Some("SIGRT2"));
        assert_eq!(name(0), None);
        assert_eq!(name(65), None);
        assert_eq!(
            sa_flags_to_host(SA_SIGINFO | SA_RESTORER | SA_THIRTYTWO | SA_ONSTACK),
            0x0c00_0004
        );
        assert_eq!(sigmask(1), 1);
        assert_eq!(sigmask(64), 1 << 63);
        assert_eq!(sigmask(0), 0);
        let set = sigmask(SIGSEGV) | sigmask(40);
        let (lo, hi) = sigset_to_words(set);
        assert_eq!((lo, hi), (1 << 10, 1 << 7));
        assert_eq!(sigset_from_words(lo, hi), set);
    }

    #[test]
    fn clone_flags() {
        use clone::*;
        assert_eq!(PTHREAD_FLAGS, 0x003d_0f00);
        assert_eq!(CLONE_SETTLS, 0x80000);
        assert_eq!(CLONE_VFORK | CLONE_VM, 0x4100);
    }
}
