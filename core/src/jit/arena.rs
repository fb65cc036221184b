//! Executable memory for generated code: one host mapping per JIT, filled
//! from the bottom and emptied all at once.
//!
//! Code is assembled for the exact address it will live at (iced-x86 picks
//! branch forms for that address), so callers first ask where the next piece
//! goes ([`CodeArena::next_addr`]), assemble, then [`CodeArena::push`] the
//! bytes there. Everything after [`CodeArena::mark`] can be dropped with
//! [`CodeArena::reset_to`]; the shared stubs live below the mark.

use std::io;

/// A read-write-execute mapping used as a bump allocator.
pub struct CodeArena {
    base: *mut u8,
    size: usize,
    used: usize,
}

/// Alignment of each piece of code (a cache-line half: block entries are
/// branch targets).
const ALIGN: usize = 32;

impl CodeArena {
    /// Maps `size` bytes of executable memory (reserved lazily by the host).
    pub fn new(size: usize) -> io::Result<CodeArena> {
        // SAFETY: a fresh anonymous private mapping; nothing else refers to
        // it. MAP_NORESERVE: pages are committed only when code is written.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(CodeArena {
            base: base as *mut u8,
            size,
            used: 0,
        })
    }

    /// The address the next [`push`](Self::push) will place code at.
    pub fn next_addr(&self) -> u64 {
        self.base as u64 + self.used.next_multiple_of(ALIGN) as u64
    }

    /// Copies `code` (assembled for [`next_addr`](Self::next_addr)) into the
    /// arena and returns its address, or `None` if it does not fit.
    pub fn push(&mut self, code: &[u8]) -> Option<u64> {
        let start = self.used.next_multiple_of(ALIGN);
        if start + code.len() > self.size {
            return None;
        }
        // SAFETY: [start, start + len) is inside the mapping (checked above)
        // and no generated code is running while the engine compiles.
        unsafe {
            std::ptr::copy_nonoverlapping(code.as_ptr(), self.base.add(start), code.len());
        }
        self.used = start + code.len();
        Some(self.base as u64 + start as u64)
    }

    /// The current fill level, to return to with [`reset_to`](Self::reset_to).
    pub fn mark(&self) -> usize {
        self.used
    }

    /// Drops all code placed after `mark`.
    pub fn reset_to(&mut self, mark: usize) {
        self.used = mark.min(self.used);
    }

    /// Whether `addr..addr + len` lies inside the arena.
    pub fn contains(&self, addr: u64, len: usize) -> bool {
        let base = self.base as u64;
        addr >= base && addr + len as u64 <= base + self.used as u64
    }

    /// Rewrites the 32-bit little-endian value at `addr` (a branch
    /// displacement of generated code).
    pub fn patch_u32(&mut self, addr: u64, value: u32) {
        assert!(self.contains(addr, 4), "patch outside the code arena");
        // SAFETY: the four bytes are inside the arena (checked), which is
        // writable; no generated code runs while the engine patches.
        unsafe { std::ptr::write_unaligned(addr as *mut u32, value) };
    }
}

impl Drop for CodeArena {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`.
        unsafe { libc::munmap(self.base as *mut libc::c_void, self.size) };
    }
}
