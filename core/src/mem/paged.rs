//! A flat guest address space with a page-flag table, as user mode lays
//! it out: guest address `a` lives at host `base + a` inside a 4 GiB
//! reservation, and one byte per 4 KiB page says what the guest mapped and
//! with which protection. Every access checks the byte, which makes guest
//! faults precise without a host signal handler; compiled code does the
//! same check inline (see [`DirectMap`]).

use std::sync::atomic::{AtomicU8, Ordering};

use super::{Access, DirectMap, GuestMemory, MemFault, MemResult};

/// Pages in the 4 GiB space.
pub const PAGES: usize = 1 << 20;
/// Page is mapped.
pub const MAPPED: u8 = 1 << 0;
/// Guest may read.
pub const PROT_READ: u8 = 1 << 1;
/// Guest may write.
pub const PROT_WRITE: u8 = 1 << 2;
/// Guest may execute.
pub const PROT_EXEC: u8 = 1 << 3;

/// A flat 4 GiB guest space with a page-flag table: checks the flags,
/// then accesses host memory directly.
pub struct PagedMem<'a> {
    base: *mut u8,
    /// A fixed-size array: indexing by a page number needs no bounds check.
    pages: &'a [AtomicU8; PAGES],
    host_faults: bool,
}

impl<'a> PagedMem<'a> {
    /// A view of the space at `base` with flags `pages` (one per 4 KiB
    /// page, 2^20 of them).
    ///
    /// # Safety
    /// `base` must be the start of a host reservation of 4 GiB that stays
    /// mapped for `'a`, whose pages are host-accessible wherever `pages`
    /// allows the guest access (readable for PROT_READ or PROT_EXEC,
    /// writable for PROT_WRITE).
    pub unsafe fn new(base: *mut u8, pages: &'a [AtomicU8]) -> PagedMem<'a> {
        let pages: &[AtomicU8; PAGES] = pages.try_into().expect("one flag byte per 4 KiB page");
        PagedMem {
            base,
            pages,
            host_faults: false,
        }
    }

    /// Declares that host protections match the page flags and host faults
    /// in compiled code are handled (see [`DirectMap::host_faults`]).
    pub fn with_host_faults(mut self, on: bool) -> Self {
        self.host_faults = on;
        self
    }

    #[inline(always)]
    fn ok(&self, addr: u32, size: u32, need: u8, access: Access) -> MemResult<*mut u8> {
        let first = self.pages[(addr >> 12) as usize].load(Ordering::Relaxed);
        if first & need != need {
            return Err(MemFault::perm(addr, access));
        }
        let last_addr = addr.wrapping_add(size - 1);
        if (last_addr ^ addr) >> 12 != 0 {
            let second = self.pages[(last_addr >> 12) as usize].load(Ordering::Relaxed);
            if second & need != need || last_addr < addr {
                return Err(MemFault::perm(last_addr & !0xfff, access));
            }
        }
        // SAFETY: addr < 4 GiB lies inside the reservation.
        Ok(unsafe { self.base.add(addr as usize) })
    }
}

macro_rules! rw {
    ($read:ident, $write:ident, $t:ty) => {
        #[inline(always)]
        fn $read(&mut self, addr: u32) -> MemResult<$t> {
            let p = self.ok(
                addr,
                std::mem::size_of::<$t>() as u32,
                PROT_READ,
                Access::Read,
            )?;
            // SAFETY: the bytes are readable guest memory (page flags checked
            // and host protection at least as permissive).
            Ok(<$t>::from_le(unsafe {
                std::ptr::read_unaligned(p as *const $t)
            }))
        }
        #[inline(always)]
        fn $write(&mut self, addr: u32, value: $t) -> MemResult<()> {
            let p = self.ok(
                addr,
                std::mem::size_of::<$t>() as u32,
                PROT_WRITE,
                Access::Write,
            )?;
            // SAFETY: the bytes are writable guest memory.
            unsafe { std::ptr::write_unaligned(p as *mut $t, value.to_le()) };
            Ok(())
        }
    };
}

impl GuestMemory for PagedMem<'_> {
    rw!(read_u8, write_u8, u8);
    rw!(read_u16, write_u16, u16);
    rw!(read_u32, write_u32, u32);
    rw!(read_u64, write_u64, u64);

    fn compare_exchange(&mut self, addr: u32, size: u8, old: u64, new: u64) -> MemResult<bool> {
        let p = self.ok(addr, size as u32, PROT_WRITE | PROT_READ, Access::Write)?;
        // SAFETY: aligned (checked by the caller), writable guest memory;
        // the atomic types have the size and alignment of the access.
        unsafe {
            use std::sync::atomic::*;
            Ok(match size {
                1 => (*(p as *const AtomicU8))
                    .compare_exchange(old as u8, new as u8, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok(),
                2 => (*(p as *const AtomicU16))
                    .compare_exchange(old as u16, new as u16, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok(),
                4 => (*(p as *const AtomicU32))
                    .compare_exchange(old as u32, new as u32, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok(),
                _ => (*(p as *const AtomicU64))
                    .compare_exchange(old, new, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok(),
            })
        }
    }

    fn swap(&mut self, addr: u32, size: u8, new: u32) -> MemResult<u32> {
        let p = self.ok(addr, size as u32, PROT_WRITE | PROT_READ, Access::Write)?;
        // SAFETY: writable guest memory. SWP of an unaligned word is
        // UNPREDICTABLE; fall back to a plain exchange then.
        unsafe {
            use std::sync::atomic::*;
            if size == 1 {
                Ok((*(p as *const AtomicU8)).swap(new as u8, Ordering::SeqCst) as u32)
            } else if addr & 3 == 0 {
                Ok((*(p as *const AtomicU32)).swap(new, Ordering::SeqCst))
            } else {
                let old = std::ptr::read_unaligned(p as *const u32);
                std::ptr::write_unaligned(p as *mut u32, new);
                Ok(old)
            }
        }
    }

    fn direct_map(&self) -> Option<DirectMap> {
        Some(DirectMap {
            base: self.base,
            page_flags: self.pages.as_ptr() as *const u8,
            read_bit: PROT_READ,
            write_bit: PROT_WRITE,
            host_faults: self.host_faults,
        })
    }

    #[inline(always)]
    fn fetch_u16(&mut self, addr: u32) -> MemResult<u16> {
        let p = self.ok(addr, 2, PROT_EXEC, Access::Exec)?;
        // SAFETY: executable pages are host-readable.
        Ok(u16::from_le(unsafe {
            std::ptr::read_unaligned(p as *const u16)
        }))
    }

    #[inline(always)]
    fn fetch_u32(&mut self, addr: u32) -> MemResult<u32> {
        let p = self.ok(addr, 4, PROT_EXEC, Access::Exec)?;
        // SAFETY: executable pages are host-readable.
        Ok(u32::from_le(unsafe {
            std::ptr::read_unaligned(p as *const u32)
        }))
    }
}
