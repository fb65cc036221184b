//! The guest address space of user mode: one 4 GiB host reservation.
//!
//! Guest address `a` lives at host address `base + a`, so every 32-bit guest
//! address is inside the reservation and no bounds checks are needed. A
//! table with one byte per 4 KiB guest page records what the guest mapped
//! and with which protection; every access the core makes checks it, which
//! makes guest faults precise without a host signal handler. Host pages get
//! real protections too (never more than the guest asked for, plus read for
//! executable pages so the translator can fetch).

use std::sync::atomic::{AtomicU8, Ordering};

use rsemu_core::mem::paged::PagedMem;

/// Guest page size.
pub const PAGE_SIZE: u32 = 4096;
use rsemu_core::mem::paged::PAGES;

pub use rsemu_core::mem::paged::{MAPPED, PROT_EXEC, PROT_READ, PROT_WRITE};
/// The core's view of the guest space.
pub type UserMem<'a> = PagedMem<'a>;

/// Rounds up to a page boundary (in u64 so that 4 GiB does not wrap).
pub fn page_align_up(x: u64) -> u64 {
    (x + PAGE_SIZE as u64 - 1) & !(PAGE_SIZE as u64 - 1)
}

/// Converts Linux PROT_* bits into page flags.
pub fn prot_from_linux(prot: u32) -> u8 {
    let mut p = MAPPED;
    if prot & 1 != 0 {
        p |= PROT_READ;
    }
    if prot & 2 != 0 {
        p |= PROT_WRITE;
    }
    if prot & 4 != 0 {
        p |= PROT_EXEC;
    }
    p
}

fn host_prot(flags: u8) -> i32 {
    let mut p = libc::PROT_NONE;
    if flags & (PROT_READ | PROT_EXEC) != 0 {
        p |= libc::PROT_READ;
    }
    if flags & PROT_WRITE != 0 {
        p |= libc::PROT_WRITE;
    }
    p
}

/// Errors of address-space operations, as Linux errnos.
pub type Errno = i32;

/// The guest's address space.
pub struct GuestSpace {
    base: *mut u8,
    pages: Box<[AtomicU8]>,
    /// Start of the heap (end of the program's bss, page aligned).
    pub brk_start: u32,
    /// Current program break; the lock also serialises every change to
    /// the guest's mappings (threads share the address space).
    pub brk: std::sync::Mutex<u32>,
    /// Highest address (exclusive) that mmap without a hint allocates below.
    pub mmap_top: u32,
    /// Lowest address mmap without a hint may hand out.
    pub mmap_floor: u32,
    /// Size of the main thread's stack, below `task_size` (`-s`).
    pub stack_size: u32,
    /// The top of user space (exclusive): Linux's TASK_SIZE, or lower
    /// with `-R`. Nothing of the guest's is mapped above it but the kuser
    /// helper page; the main thread's stack ends there.
    pub task_size: u32,
}

// SAFETY: the reservation is plain memory owned by GuestSpace for its whole
// life; concurrent guest threads access it the way the guest program
// synchronises itself, as on real hardware.
unsafe impl Send for GuestSpace {}
// SAFETY: as above; page flags are atomics.
unsafe impl Sync for GuestSpace {}

impl GuestSpace {
    /// Reserves 4 GiB of host address space with nothing accessible (and
    /// the JIT's guard bands on each side, `RESERVATION_GUARD`): at
    /// [`LOW_BASE`] if that range is free, else wherever the kernel puts
    /// it.
    pub fn new() -> std::io::Result<GuestSpace> {
        Self::new_at(Some(LOW_BASE)).or_else(|_| Self::new_at(None))
    }

    /// As [`GuestSpace::new`], at host address `at` if given (`-B`): the
    /// whole range must be free there.
    pub fn new_at(at: Option<usize>) -> std::io::Result<GuestSpace> {
        let (hint, fixed) = match at {
            Some(a) if a < GUARD => return Err(std::io::Error::from_raw_os_error(libc::EINVAL)),
            Some(a) => ((a - GUARD) as *mut libc::c_void, libc::MAP_FIXED_NOREPLACE),
            None => (std::ptr::null_mut(), 0),
        };
        // SAFETY: a fresh anonymous PROT_NONE reservation (never over an
        // existing mapping: MAP_FIXED_NOREPLACE); nothing else refers to
        // the range. MAP_NORESERVE keeps it free of commit charge.
        let start = unsafe {
            libc::mmap(
                hint,
                RESERVATION,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | fixed,
                -1,
                0,
            )
        };
        if start == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        if at.is_some_and(|a| a - GUARD != start as usize) {
            // An old kernel that took the flag as a hint.
            // SAFETY: unmapping the reservation just made.
            unsafe { libc::munmap(start, RESERVATION) };
            return Err(std::io::Error::from_raw_os_error(libc::EEXIST));
        }
        // SAFETY: inside the reservation (GUARD < RESERVATION).
        let base = unsafe { (start as *mut u8).add(GUARD) };
        // Zeroed memory straight from the allocator (fresh pages from the
        // kernel, touched only where the guest maps something): writing
        // the megabyte cost a few hundred page faults at every start.
        // SAFETY: an all-zero byte is a valid AtomicU8 (0).
        let pages = unsafe { Box::<[AtomicU8]>::new_zeroed_slice(PAGES).assume_init() };
        Ok(GuestSpace {
            base,
            pages,
            brk_start: 0,
            brk: std::sync::Mutex::new(0),
            mmap_top: rsemu_syscalls::flags::mmap::TASK_SIZE - crate::load::STACK_AREA,
            mmap_floor: 0x0001_0000,
            stack_size: crate::load::STACK_SIZE,
            task_size: rsemu_syscalls::flags::mmap::TASK_SIZE,
        })
    }

    /// Limits the guest to the lowest `size` bytes of its address space
    /// (`-R`, QEMU's reserved_va): user space ends there, the stack
    /// below it and the mmap area below the stack.
    pub fn limit_to(&mut self, size: u32) {
        self.task_size = size.min(rsemu_syscalls::flags::mmap::TASK_SIZE) & !(PAGE_SIZE - 1);
        self.mmap_top = self.task_size - crate::load::STACK_AREA;
    }

    /// Host address of guest address 0 (`-d page` reports it).
    pub fn base(&self) -> usize {
        self.base as usize
    }

    /// Host address of guest address `addr`.
    pub fn host_addr(&self, addr: u32) -> *mut u8 {
        // SAFETY: addr < 4 GiB, inside the reservation.
        unsafe { self.base.add(addr as usize) }
    }

    /// Page flags of the page holding `addr`.
    pub fn flags(&self, addr: u32) -> u8 {
        self.pages[(addr >> 12) as usize].load(Ordering::Relaxed)
    }

    /// A handle implementing [`GuestMemory`] for the core.
    pub fn mem(&self) -> UserMem<'_> {
        // SAFETY: the reservation covers all 4 GiB of guest addresses and
        // stays mapped as long as `self`, which the handle borrows.
        unsafe { PagedMem::new(self.base, &self.pages) }
            .with_host_faults(crate::hostfault::installed())
    }

    /// Whether every page of `[addr, addr + len)` is unmapped.
    pub fn is_free(&self, addr: u32, len: u64) -> bool {
        let first = (addr >> 12) as u64;
        let last = (addr as u64 + len).div_ceil(PAGE_SIZE as u64);
        if last > PAGES as u64 {
            return false;
        }
        (first..last).all(|p| self.pages[p as usize].load(Ordering::Relaxed) & MAPPED == 0)
    }

    /// Whether every byte of `[addr, addr + len)` is accessible with `need`
    /// (`PROT_READ` and/or `PROT_WRITE`).
    pub fn check(&self, addr: u32, len: u64, need: u8) -> bool {
        if len == 0 {
            return true;
        }
        let end = addr as u64 + len;
        if end > 1 << 32 {
            return false;
        }
        let first = addr >> 12;
        let last = ((end - 1) >> 12) as u32;
        (first..=last).all(|p| self.pages[p as usize].load(Ordering::Relaxed) & need == need)
    }

    /// Finds a free, page-aligned range of `len` bytes, searching down from
    /// `mmap_top`.
    pub fn find_free(&self, len: u64) -> Option<u32> {
        let npages = page_align_up(len) / PAGE_SIZE as u64;
        if npages == 0 || npages > PAGES as u64 {
            return None;
        }
        let floor = (self.mmap_floor >> 12) as u64;
        let mut end = (self.mmap_top >> 12) as u64;
        while end >= floor + npages {
            // Scan down for npages free pages ending at `end`.
            let mut run = 0;
            let mut p = end;
            while run < npages {
                if self.pages[(p - 1) as usize].load(Ordering::Relaxed) & MAPPED != 0 {
                    break;
                }
                run += 1;
                p -= 1;
            }
            if run == npages {
                return Some((p as u32) << 12);
            }
            end = p - 1;
        }
        None
    }

    /// Records page flags for a range the host already mapped (mremap).
    pub fn mark(&self, addr: u32, len: u64, flags: u8) {
        self.set_flags(addr, len, flags)
    }

    fn set_flags(&self, addr: u32, len: u64, flags: u8) {
        let first = (addr >> 12) as u64;
        let last = (addr as u64 + len).div_ceil(PAGE_SIZE as u64);
        for p in first..last {
            self.pages[p as usize].store(flags, Ordering::Relaxed);
        }
    }

    /// Maps `len` bytes at the page-aligned `addr` (replacing what was
    /// there): anonymous zero pages, or `fd` from `offset`.
    pub fn map(
        &self,
        addr: u32,
        len: u64,
        flags: u8,
        shared: bool,
        fd: Option<(i32, u64)>,
    ) -> Result<(), Errno> {
        let len = page_align_up(len);
        if addr as u64 + len > 1 << 32 {
            return Err(libc::ENOMEM);
        }
        let mut mflags = libc::MAP_FIXED
            | if shared {
                libc::MAP_SHARED
            } else {
                libc::MAP_PRIVATE
            };
        let (hfd, off) = match fd {
            Some((fd, off)) => (fd, off as libc::off_t),
            None => {
                mflags |= libc::MAP_ANONYMOUS;
                (-1, 0)
            }
        };
        // SAFETY: the target range lies inside our reservation (checked
        // above), so MAP_FIXED replaces only guest memory.
        let r = unsafe {
            libc::mmap(
                self.host_addr(addr) as *mut libc::c_void,
                len as usize,
                host_prot(flags),
                mflags,
                hfd,
                off,
            )
        };
        if r == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::ENOMEM));
        }
        self.set_flags(addr, len, flags);
        Ok(())
    }

    /// Unmaps `[addr, addr + len)`, leaving the reservation in place.
    pub fn unmap(&self, addr: u32, len: u64) -> Result<(), Errno> {
        let len = page_align_up(len);
        if addr as u64 + len > 1 << 32 {
            return Err(libc::EINVAL);
        }
        // SAFETY: replaces guest pages inside the reservation with fresh
        // inaccessible ones, giving their memory back to the host.
        let r = unsafe {
            libc::mmap(
                self.host_addr(addr) as *mut libc::c_void,
                len as usize,
                libc::PROT_NONE,
                libc::MAP_FIXED | libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if r == libc::MAP_FAILED {
            return Err(libc::ENOMEM);
        }
        self.set_flags(addr, len, 0);
        Ok(())
    }

    /// Fills a hole the host left in the reservation (after it moved
    /// pages away with mremap) with inaccessible reserved pages again.
    /// Unlike [`GuestSpace::unmap`] this never replaces a mapping: if
    /// the host put something of the emulator's own there meanwhile, the
    /// guest must not get to it, and the emulator stops.
    pub fn refill_hole(&self, addr: u32, len: u64) {
        // SAFETY: MAP_FIXED_NOREPLACE inside the reservation creates the
        // mapping only where nothing is mapped.
        let r = unsafe {
            libc::mmap(
                self.host_addr(addr) as *mut libc::c_void,
                len as usize,
                libc::PROT_NONE,
                libc::MAP_FIXED_NOREPLACE
                    | libc::MAP_PRIVATE
                    | libc::MAP_ANONYMOUS
                    | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if r != self.host_addr(addr) as *mut libc::c_void {
            eprintln!(
                "rsemu-arm: internal error: host memory appeared in the guest address space at 0x{addr:08x}"
            );
            std::process::abort();
        }
        self.set_flags(addr, len, 0);
    }

    /// Frees the reserved (unmapped) guest range `[addr, addr + len)` on
    /// the host, so a host mapping next to it can grow into it.
    pub fn open_hole(&self, addr: u32, len: u64) -> Result<(), Errno> {
        // SAFETY: the range is inside the reservation and holds no guest
        // mapping (the caller checked), only reserved pages.
        let r = unsafe { libc::munmap(self.host_addr(addr) as *mut libc::c_void, len as usize) };
        if r != 0 {
            return Err(libc::ENOMEM);
        }
        Ok(())
    }

    /// Changes the protection of mapped pages.
    pub fn protect(&self, addr: u32, len: u64, flags: u8) -> Result<(), Errno> {
        let len = page_align_up(len);
        if addr as u64 + len > 1 << 32 {
            return Err(libc::ENOMEM);
        }
        if !self.check(addr, len, MAPPED) {
            return Err(libc::ENOMEM);
        }
        // SAFETY: the range is inside the reservation and mapped.
        let r = unsafe {
            libc::mprotect(
                self.host_addr(addr) as *mut libc::c_void,
                len as usize,
                host_prot(flags),
            )
        };
        if r != 0 {
            return Err(std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EINVAL));
        }
        self.set_flags(addr, len, flags);
        Ok(())
    }

    /// Copies bytes into guest memory regardless of guest protection (for
    /// the loader and the kernel-side writes the emulator makes).
    pub fn poke(&self, addr: u32, data: &[u8]) -> Result<(), Errno> {
        if !self.check(addr, data.len() as u64, MAPPED) {
            return Err(libc::EFAULT);
        }
        let needs_write = !self.check(addr, data.len() as u64, PROT_WRITE);
        let first = addr & !(PAGE_SIZE - 1);
        let span = page_align_up(addr as u64 + data.len() as u64) - first as u64;
        if needs_write {
            // SAFETY: range inside the reservation and mapped.
            unsafe {
                libc::mprotect(
                    self.host_addr(first) as *mut libc::c_void,
                    span as usize,
                    libc::PROT_READ | libc::PROT_WRITE,
                )
            };
        }
        // SAFETY: the destination range is mapped host memory inside the
        // reservation and writable (made so just above if needed).
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.host_addr(addr), data.len()) };
        if needs_write {
            for page in (first as u64..first as u64 + span).step_by(PAGE_SIZE as usize) {
                let f = self.flags(page as u32);
                // SAFETY: restores the protection of a page inside the reservation.
                unsafe {
                    libc::mprotect(
                        self.host_addr(page as u32) as *mut libc::c_void,
                        PAGE_SIZE as usize,
                        host_prot(f),
                    )
                };
            }
        }
        Ok(())
    }

    /// A guest byte range as a host slice, if readable.
    pub fn slice(&self, addr: u32, len: u32) -> Result<&[u8], Errno> {
        if !self.check(addr, len as u64, PROT_READ) {
            return Err(libc::EFAULT);
        }
        // SAFETY: the range is readable guest memory inside the reservation.
        Ok(unsafe { std::slice::from_raw_parts(self.host_addr(addr), len as usize) })
    }

    /// A guest byte range as a mutable host slice, if writable.
    #[allow(clippy::mut_from_ref)]
    pub fn slice_mut(&self, addr: u32, len: u32) -> Result<&mut [u8], Errno> {
        if !self.check(addr, len as u64, PROT_WRITE) {
            return Err(libc::EFAULT);
        }
        // SAFETY: the range is writable guest memory inside the reservation;
        // the guest, not the emulator, owns its contents (as a kernel's
        // copy_to_user does, concurrent guest writes are the guest's race).
        Ok(unsafe { std::slice::from_raw_parts_mut(self.host_addr(addr), len as usize) })
    }

    /// Reads a NUL-terminated string (at most `max` bytes).
    pub fn read_cstr(&self, addr: u32, max: usize) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        let mut a = addr;
        while out.len() < max {
            if !self.check(a, 1, PROT_READ) {
                return Err(libc::EFAULT);
            }
            // SAFETY: checked readable just above.
            let b = unsafe { *self.host_addr(a) };
            if b == 0 {
                return Ok(out);
            }
            out.push(b);
            a = a.wrapping_add(1);
        }
        Err(libc::ENAMETOOLONG)
    }

    /// Reads a little-endian u32 the guest may read.
    pub fn read_u32(&self, addr: u32) -> Result<u32, Errno> {
        let s = self.slice(addr, 4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }

    /// Writes bytes (guest must be allowed to write there).
    pub fn write_bytes(&self, addr: u32, data: &[u8]) -> Result<(), Errno> {
        self.slice_mut(addr, data.len() as u32)?
            .copy_from_slice(data);
        Ok(())
    }
}

impl Drop for GuestSpace {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the reservation made in `new`, guards
        // included.
        unsafe { libc::munmap(self.base.sub(GUARD) as *mut libc::c_void, RESERVATION) };
    }
}

/// The JIT's guard band on each side of the guest's 4 GiB.
const GUARD: usize = rsemu_core::mem::RESERVATION_GUARD;
/// Where the guest space goes unless `-B` says otherwise: low enough in
/// the host's address space that compiled code addresses guest memory as
/// `[guest address + constant]` and keeps one more guest register in a
/// host register (`rsemu_core::jit::MAX_DISPLACEMENT_BASE`), and clear of
/// where Linux puts programs, their heaps and mappings (a position-
/// independent emulator sits above 0x5500_0000_0000, mappings come down
/// from the top; a fixed-address build's heap starts at a few MiB).
pub const LOW_BASE: usize = 0x4000_0000;
const _: () = assert!(LOW_BASE <= rsemu_core::jit::MAX_DISPLACEMENT_BASE);
/// The whole host reservation: the 4 GiB and both guards.
const RESERVATION: usize = (1usize << 32) + 2 * GUARD;
