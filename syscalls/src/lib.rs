//! rsemu-syscalls: pure data and conversions for the ARM EABI Linux system
//! call ABI, testable without running a guest.
//!
//! - [`table`]: system call numbers, names and argument kinds
//!   ([`info`], [`name`], [`nr`]).
//! - [`errno`]: guest errno values (the same as the host's).
//! - [`flags`]: guest <-> host flag translation (open, mmap, fcntl, signals).
//! - [`layout`]: guest structure layouts (`stat64`, `statfs64`,
//!   `epoll_event`, `flock64`, ...) with encoders and decoders.
//!
//! The guest is 32-bit little-endian ARM (EABI); the host is x86-64 Linux.

#![warn(missing_docs)]

pub mod errno;
pub mod flags;
pub mod ioctl;
pub mod layout;
pub mod order;
pub mod sigframe;
pub mod strace;
pub mod table;

pub use layout::GuestStruct;
pub use table::{info, name, nr, ArgKind, SyscallInfo, SYSCALLS};
