//! Error numbers of the guest.
//!
//! ARM Linux uses the generic errno values of `include/uapi/asm-generic/errno-base.h`
//! and `errno.h` (`arch/arm/include/uapi/asm/errno.h` only includes them),
//! and so does x86-64: a host errno is the guest errno, and [`from_host`] is
//! the identity. It exists so that the fact is stated, and relied on, in one
//! place. (This would not hold for e.g. MIPS, SPARC, Alpha or PA-RISC hosts.)
//!
//! System calls return `-errno` in `r0`; values in `-4095..=-1` are errors.

macro_rules! errnos {
    ($($name:ident = $val:literal;)*) => {
        $(
            #[doc = concat!("`", stringify!($name), "` (", stringify!($val), ")")]
            pub const $name: i32 = $val;
        )*

        /// The symbolic name of an errno value (`2` -> `"ENOENT"`), for `-strace`.
        pub fn name(e: i32) -> Option<&'static str> {
            match e {
                $($val => Some(stringify!($name)),)*
                _ => None,
            }
        }
    };
}

errnos! {
    EPERM = 1; ENOENT = 2; ESRCH = 3; EINTR = 4; EIO = 5; ENXIO = 6; E2BIG = 7;
    ENOEXEC = 8; EBADF = 9; ECHILD = 10; EAGAIN = 11; ENOMEM = 12; EACCES = 13;
    EFAULT = 14; ENOTBLK = 15; EBUSY = 16; EEXIST = 17; EXDEV = 18; ENODEV = 19;
    ENOTDIR = 20; EISDIR = 21; EINVAL = 22; ENFILE = 23; EMFILE = 24; ENOTTY = 25;
    ETXTBSY = 26; EFBIG = 27; ENOSPC = 28; ESPIPE = 29; EROFS = 30; EMLINK = 31;
    EPIPE = 32; EDOM = 33; ERANGE = 34; EDEADLK = 35; ENAMETOOLONG = 36; ENOLCK = 37;
    ENOSYS = 38; ENOTEMPTY = 39; ELOOP = 40; ENOMSG = 42; EIDRM = 43; ECHRNG = 44;
    EL2NSYNC = 45; EL3HLT = 46; EL3RST = 47; ELNRNG = 48; EUNATCH = 49; ENOCSI = 50;
    EL2HLT = 51; EBADE = 52; EBADR = 53; EXFULL = 54; ENOANO = 55; EBADRQC = 56;
    EBADSLT = 57; EBFONT = 59; ENOSTR = 60; ENODATA = 61; ETIME = 62; ENOSR = 63;
    ENONET = 64; ENOPKG = 65; EREMOTE = 66; ENOLINK = 67; EADV = 68; ESRMNT = 69;
    ECOMM = 70; EPROTO = 71; EMULTIHOP = 72; EDOTDOT = 73; EBADMSG = 74;
    EOVERFLOW = 75; ENOTUNIQ = 76; EBADFD = 77; EREMCHG = 78; ELIBACC = 79;
    ELIBBAD = 80; ELIBSCN = 81; ELIBMAX = 82; ELIBEXEC = 83; EILSEQ = 84;
    ERESTART = 85; ESTRPIPE = 86; EUSERS = 87; ENOTSOCK = 88; EDESTADDRREQ = 89;
    EMSGSIZE = 90; EPROTOTYPE = 91; ENOPROTOOPT = 92; EPROTONOSUPPORT = 93;
    ESOCKTNOSUPPORT = 94; EOPNOTSUPP = 95; EPFNOSUPPORT = 96; EAFNOSUPPORT = 97;
    EADDRINUSE = 98; EADDRNOTAVAIL = 99; ENETDOWN = 100; ENETUNREACH = 101;
    ENETRESET = 102; ECONNABORTED = 103; ECONNRESET = 104; ENOBUFS = 105;
    EISCONN = 106; ENOTCONN = 107; ESHUTDOWN = 108; ETOOMANYREFS = 109;
    ETIMEDOUT = 110; ECONNREFUSED = 111; EHOSTDOWN = 112; EHOSTUNREACH = 113;
    EALREADY = 114; EINPROGRESS = 115; ESTALE = 116; EUCLEAN = 117; ENOTNAM = 118;
    ENAVAIL = 119; EISNAM = 120; EREMOTEIO = 121; EDQUOT = 122; ENOMEDIUM = 123;
    EMEDIUMTYPE = 124; ECANCELED = 125; ENOKEY = 126; EKEYEXPIRED = 127;
    EKEYREVOKED = 128; EKEYREJECTED = 129; EOWNERDEAD = 130; ENOTRECOVERABLE = 131;
    ERFKILL = 132; EHWPOISON = 133;
    ERESTARTSYS = 512; ERESTARTNOINTR = 513; ERESTARTNOHAND = 514;
    ERESTART_RESTARTBLOCK = 516;
}

/// `EWOULDBLOCK` is `EAGAIN`.
pub const EWOULDBLOCK: i32 = EAGAIN;
/// `EDEADLOCK` is `EDEADLK`.
pub const EDEADLOCK: i32 = EDEADLK;
/// `ENOTSUP` is `EOPNOTSUPP` on Linux.
pub const ENOTSUP: i32 = EOPNOTSUPP;
/// Largest errno value a system call may return (as `-errno`).
pub const MAX_ERRNO: i32 = 4095;

/// Converts a host (x86-64) errno to the guest (ARM) errno: the identity,
/// since both use the generic Linux numbering.
///
/// The kernel-internal restart codes (`ERESTARTSYS` ..
/// `ERESTART_RESTARTBLOCK`, 512..=516) never reach user space and are passed
/// through unchanged too.
#[inline]
pub const fn from_host(e: i32) -> i32 {
    e
}

/// Converts a guest errno to the host errno (the identity, see [`from_host`]).
#[inline]
pub const fn to_host(e: i32) -> i32 {
    e
}

/// Encodes an errno as the guest `r0` value of a failing system call (`-e`).
#[inline]
pub const fn to_guest_ret(e: i32) -> u32 {
    (-e) as u32
}

/// If a guest `r0` return value is an error (`-4095..=-1`), the errno.
#[inline]
pub const fn guest_ret_errno(r0: u32) -> Option<i32> {
    if r0 > (-MAX_ERRNO - 1) as u32 {
        Some(-(r0 as i32))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_names() {
        assert_eq!(
            (EPERM, ENOENT, EBADF, EAGAIN, ENOMEM, EFAULT, EINVAL),
            (1, 2, 9, 11, 12, 14, 22)
        );
        assert_eq!(
            (ENOSYS, ELOOP, EOVERFLOW, EOPNOTSUPP, ETIMEDOUT, EHWPOISON),
            (38, 40, 75, 95, 110, 133)
        );
        assert_eq!(name(ENOENT), Some("ENOENT"));
        assert_eq!(name(ENOSYS), Some("ENOSYS"));
        assert_eq!(name(EWOULDBLOCK), Some("EAGAIN"));
        assert_eq!(name(41), None);
        assert_eq!(name(58), None);
        assert_eq!(name(0), None);
        // 1..=133 except the two holes are all named.
        assert_eq!((1..=133).filter(|&e| name(e).is_some()).count(), 131);
    }

    #[test]
    fn identity_and_return_encoding() {
        for e in 1..=133 {
            assert_eq!(from_host(e), e);
            assert_eq!(to_host(e), e);
            assert_eq!(guest_ret_errno(to_guest_ret(e)), Some(e));
        }
        assert_eq!(to_guest_ret(ENOENT), 0xffff_fffe);
        assert_eq!(guest_ret_errno(0), None);
        assert_eq!(
            guest_ret_errno(0xffff_f000),
            None,
            "-4096 is a valid result (e.g. an address)"
        );
        assert_eq!(guest_ret_errno(0xffff_f001), Some(4095));
        assert_eq!(guest_ret_errno(0x8000_0000), None);
    }
}
