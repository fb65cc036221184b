//! The ioctl requests rsemu passes to the host, as data: request number,
//! name, and what the argument is. Only requests whose argument has the
//! same layout on ARM and x86-64 are listed; anything else is reported as
//! unsupported by the caller.

/// What an ioctl's third argument is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoctlArg {
    /// An integer (or nothing): passed unchanged.
    Int,
    /// A pointer to a struct of this many bytes the kernel reads.
    In(u32),
    /// A pointer to a struct of this many bytes the kernel writes.
    Out(u32),
    /// A `struct ifreq`: 32 bytes on ARM, 40 on x86-64 (its union holds a
    /// pointer-sized struct); the name and the first 16 union bytes are
    /// the same, so they are copied through a host-sized buffer.
    Ifreq,
}

/// One pass-through ioctl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoctlInfo {
    /// Request number (identical on ARM and x86-64 for these).
    pub request: u32,
    /// Name, for -strace and reports.
    pub name: &'static str,
    /// The argument.
    pub arg: IoctlArg,
}

use crate::layout::{GuestStruct, Termios, Winsize};

const TERMIOS: u32 = Termios::SIZE as u32;
const WINSIZE: u32 = Winsize::SIZE as u32;

/// The pass-through table.
pub static IOCTLS: &[IoctlInfo] = &[
    IoctlInfo {
        request: 0x5401,
        name: "TCGETS",
        arg: IoctlArg::Out(TERMIOS),
    },
    IoctlInfo {
        request: 0x5402,
        name: "TCSETS",
        arg: IoctlArg::In(TERMIOS),
    },
    IoctlInfo {
        request: 0x5403,
        name: "TCSETSW",
        arg: IoctlArg::In(TERMIOS),
    },
    IoctlInfo {
        request: 0x5404,
        name: "TCSETSF",
        arg: IoctlArg::In(TERMIOS),
    },
    IoctlInfo {
        request: 0x5409,
        name: "TCSBRK",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x540a,
        name: "TCXONC",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x540b,
        name: "TCFLSH",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x540e,
        name: "TIOCSCTTY",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x540f,
        name: "TIOCGPGRP",
        arg: IoctlArg::Out(4),
    },
    IoctlInfo {
        request: 0x5410,
        name: "TIOCSPGRP",
        arg: IoctlArg::In(4),
    },
    IoctlInfo {
        request: 0x5413,
        name: "TIOCGWINSZ",
        arg: IoctlArg::Out(WINSIZE),
    },
    IoctlInfo {
        request: 0x5414,
        name: "TIOCSWINSZ",
        arg: IoctlArg::In(WINSIZE),
    },
    IoctlInfo {
        request: 0x541b,
        name: "FIONREAD",
        arg: IoctlArg::Out(4),
    },
    IoctlInfo {
        request: 0x5421,
        name: "FIONBIO",
        arg: IoctlArg::In(4),
    },
    IoctlInfo {
        request: 0x5422,
        name: "TIOCNOTTY",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x5450,
        name: "FIONCLEX",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x5451,
        name: "FIOCLEX",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x8004_5430,
        name: "TIOCGPTN",
        arg: IoctlArg::Out(4),
    },
    IoctlInfo {
        request: 0x4004_5431,
        name: "TIOCSPTLCK",
        arg: IoctlArg::In(4),
    },
    IoctlInfo {
        request: 0x540c,
        name: "TIOCEXCL",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x540d,
        name: "TIOCNXCL",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x5411,
        name: "TIOCOUTQ",
        arg: IoctlArg::Out(4),
    },
    IoctlInfo {
        request: 0x5412,
        name: "TIOCSTI",
        arg: IoctlArg::In(1),
    },
    IoctlInfo {
        request: 0x5415,
        name: "TIOCMGET",
        arg: IoctlArg::Out(4),
    },
    IoctlInfo {
        request: 0x5416,
        name: "TIOCMBIS",
        arg: IoctlArg::In(4),
    },
    IoctlInfo {
        request: 0x5417,
        name: "TIOCMBIC",
        arg: IoctlArg::In(4),
    },
    IoctlInfo {
        request: 0x5418,
        name: "TIOCMSET",
        arg: IoctlArg::In(4),
    },
    IoctlInfo {
        request: 0x5420,
        name: "TIOCPKT",
        arg: IoctlArg::In(4),
    },
    IoctlInfo {
        request: 0x5423,
        name: "TIOCSETD",
        arg: IoctlArg::In(4),
    },
    IoctlInfo {
        request: 0x5424,
        name: "TIOCGETD",
        arg: IoctlArg::Out(4),
    },
    IoctlInfo {
        request: 0x5425,
        name: "TCSBRKP",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x5427,
        name: "TIOCSBRK",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x5428,
        name: "TIOCCBRK",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x5429,
        name: "TIOCGSID",
        arg: IoctlArg::Out(4),
    },
    IoctlInfo {
        request: 0x5437,
        name: "TIOCVHANGUP",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x5441,
        name: "TIOCGPTPEER",
        arg: IoctlArg::Int,
    },
    IoctlInfo {
        request: 0x5452,
        name: "FIOASYNC",
        arg: IoctlArg::In(4),
    },
    IoctlInfo {
        request: 0x8004_5438,
        name: "TIOCGPKT",
        arg: IoctlArg::Out(4),
    },
    IoctlInfo {
        request: 0x8004_5439,
        name: "TIOCGPTLCK",
        arg: IoctlArg::Out(4),
    },
    IoctlInfo {
        request: 0x8004_5440,
        name: "TIOCGEXCL",
        arg: IoctlArg::Out(4),
    },
    IoctlInfo {
        request: 0x8901,
        name: "FIOSETOWN",
        arg: IoctlArg::In(4),
    },
    IoctlInfo {
        request: 0x8902,
        name: "SIOCSPGRP",
        arg: IoctlArg::In(4),
    },
    IoctlInfo {
        request: 0x8903,
        name: "FIOGETOWN",
        arg: IoctlArg::Out(4),
    },
    IoctlInfo {
        request: 0x8904,
        name: "SIOCGPGRP",
        arg: IoctlArg::Out(4),
    },
    IoctlInfo {
        request: 0x8905,
        name: "SIOCATMARK",
        arg: IoctlArg::Out(4),
    },
    IoctlInfo {
        request: 0x8910,
        name: "SIOCGIFNAME",
        arg: IoctlArg::Ifreq,
    },
    IoctlInfo {
        request: 0x8913,
        name: "SIOCGIFFLAGS",
        arg: IoctlArg::Ifreq,
    },
    IoctlInfo {
        request: 0x8915,
        name: "SIOCGIFADDR",
        arg: IoctlArg::Ifreq,
    },
    IoctlInfo {
        request: 0x8921,
        name: "SIOCGIFMTU",
        arg: IoctlArg::Ifreq,
    },
    IoctlInfo {
        request: 0x8927,
        name: "SIOCGIFHWADDR",
        arg: IoctlArg::Ifreq,
    },
    IoctlInfo {
        request: 0x8933,
        name: "SIOCGIFINDEX",
        arg: IoctlArg::Ifreq,
    },
];

/// Looks up a pass-through ioctl.
pub fn info(request: u32) -> Option<&'static IoctlInfo> {
    IOCTLS.iter().find(|i| i.request == request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_unique_and_sizes_match_layouts() {
        for (i, a) in IOCTLS.iter().enumerate() {
            assert!(
                IOCTLS[i + 1..].iter().all(|b| b.request != a.request),
                "{} twice",
                a.name
            );
        }
        assert_eq!(info(0x5401).unwrap().arg, IoctlArg::Out(36));
        assert_eq!(info(0x5413).unwrap().arg, IoctlArg::Out(8));
        assert!(info(0x1234).is_none());
    }
}
