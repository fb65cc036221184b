//! Host system calls made through the x86 32-bit compat entry (`int 0x80`).
//!
//! Some host kernels answer a 32-bit caller differently from a 64-bit one,
//! and the 32-bit answer is the one an ARM guest needs. ext4 (and others)
//! hand 64-bit callers 64-bit directory offsets (hash cookies) that a 32-bit
//! glibc cannot store, so its `readdir` fails with EOVERFLOW; asked through
//! the compat entry, the same kernel returns 32-bit cookies, as on a real
//! 32-bit system. The compat entry takes 32-bit pointers, so data goes
//! through a bounce buffer mapped below 4 GiB.

use std::sync::Mutex;

const BOUNCE_SIZE: usize = 64 * 1024;
/// i386 `getdents64`.
const IA32_GETDENTS64: i32 = 220;

static BOUNCE: Mutex<usize> = Mutex::new(0);

fn bounce_buffer() -> Option<std::sync::MutexGuard<'static, usize>> {
    let mut guard = BOUNCE.lock().ok()?;
    if *guard == 0 {
        *guard = map_below_4g()?;
    }
    Some(guard)
}

/// A fresh read-write mapping of `BOUNCE_SIZE` bytes below 4 GiB: where
/// `MAP_32BIT` puts it (between 1 and 2 GiB), or, when the guest space
/// fills that window (`memory::LOW_BASE`), at one of a few addresses below
/// it.
fn map_below_4g() -> Option<usize> {
    let tries = [(0, libc::MAP_32BIT)].into_iter().chain(
        [0x3000_0000usize, 0x2000_0000, 0x1000_0000].map(|a| (a, libc::MAP_FIXED_NOREPLACE)),
    );
    for (hint, how) in tries {
        // SAFETY: a fresh private anonymous mapping, never over an existing
        // one (MAP_32BIT picks a free range, MAP_FIXED_NOREPLACE fails on
        // a used one); nothing else refers to it.
        let p = unsafe {
            libc::mmap(
                hint as *mut libc::c_void,
                BOUNCE_SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | how,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            continue;
        }
        if (p as usize) < 1 << 32 && (hint == 0 || p as usize == hint) {
            return Some(p as usize);
        }
        // An old kernel that took the address as a hint.
        // SAFETY: unmapping the mapping just made.
        unsafe { libc::munmap(p, BOUNCE_SIZE) };
    }
    None
}

/// `getdents64(fd, out)` with 32-bit directory offsets. Returns the host
/// result (bytes or negative errno), or `None` when the compat entry is not
/// available (the caller then uses the native call).
pub fn getdents64(fd: i32, out: &mut [u8]) -> Option<i64> {
    let guard = bounce_buffer()?;
    let buf = *guard;
    let len = out.len().min(BOUNCE_SIZE) as u32;
    let ret: i32;
    // SAFETY: `int 0x80` enters the kernel's ia32 entry with eax = number,
    // ebx/ecx/edx = arguments; the buffer is ours, below 4 GiB and `len`
    // bytes long. rbx is reserved by the compiler, so it is swapped in and
    // out around the call (64-bit xchg keeps its upper half); r8-r11 may be
    // cleared by the compat entry and are declared clobbered.
    unsafe {
        std::arch::asm!(
            "xchg {b}, rbx",
            "int 0x80",
            "xchg {b}, rbx",
            b = inout(reg) fd as u32 as u64 => _,
            inlateout("eax") IA32_GETDENTS64 => ret,
            in("ecx") buf as u32,
            in("edx") len,
            out("r8") _, out("r9") _, out("r10") _, out("r11") _,
        );
    }
    if ret == -libc::ENOSYS {
        return None;
    }
    if ret > 0 {
        // SAFETY: the kernel wrote `ret` bytes into the bounce buffer.
        let src = unsafe { std::slice::from_raw_parts(buf as *const u8, ret as usize) };
        out[..ret as usize].copy_from_slice(src);
    }
    Some(ret as i64)
}
