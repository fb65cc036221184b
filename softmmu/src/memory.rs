//! The guest's view of memory in system mode: virtual addresses through a
//! software TLB (filled by the page-table walker in [`crate::mmu`]) to
//! guest-physical addresses, and physical addresses to RAM or to a device
//! on the bus. [`SystemMemory`] implements the core's `GuestMemory`.
//!
//! The fast path of an access is one TLB entry compare and a host load or
//! store (the same compare compiled code makes inline; see
//! `rsemu_core::mem::tlb`). Everything else takes the slow path here: TLB
//! misses (walk and refill), faults (with their fault status), MMIO, and
//! writes to RAM pages that hold translated code (recorded, so the engine
//! drops those blocks, and the page's write entries disabled until then).

use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

use rsemu_core::mem::tlb::{SoftTlb, EMPTY_ENTRY, TLB_INVALID, TLB_SIZE};
use rsemu_core::mem::{Access, FaultKind, GuestMemory, MemFault, MemResult, MmuState, TlbOp};
use vm_memory::{GuestAddress, GuestMemoryBackend as _, GuestMemoryMmap};

use crate::devices::{DmaObserver, MmioDevice};
use crate::mmu::{self, PhysRead};

const PAGE: u64 = 4096;
const PAGE_MASK: u32 = !0xfff;

/// The guest's RAM: one host mapping at a guest-physical base.
#[derive(Clone, Debug)]
pub struct Ram {
    /// The mapping, shared with the devices that do DMA.
    pub mem: GuestMemoryMmap<()>,
    /// Guest-physical base address.
    pub base: u64,
    /// Size in bytes.
    pub size: u64,
    host: *mut u8,
}

// SAFETY: `host` points into the mapping owned (through an Arc) by `mem`,
// which is Send and Sync; the pointer is only a cached address of it.
unsafe impl Send for Ram {}

impl Ram {
    /// Maps `size` bytes of zeroed RAM at guest-physical `base`.
    pub fn new(base: u64, size: u64) -> anyhow::Result<Ram> {
        let mem = GuestMemoryMmap::<()>::from_ranges(&[(GuestAddress(base), size as usize)])
            .map_err(|e| anyhow::anyhow!("cannot allocate {} MiB of guest RAM: {e}", size >> 20))?;
        let host = mem
            .get_host_address(GuestAddress(base))
            .map_err(|e| anyhow::anyhow!("guest RAM has no host address: {e}"))?;
        Ok(Ram {
            mem,
            base,
            size,
            host,
        })
    }

    /// The offset of `pa` in RAM if `len` bytes there are RAM.
    #[inline]
    fn offset(&self, pa: u64, len: u64) -> Option<u64> {
        let off = pa.wrapping_sub(self.base);
        (off < self.size && len <= self.size - off).then_some(off)
    }

    /// The host address of RAM offset `off` (checked by the caller).
    #[inline]
    fn ptr(&self, off: u64) -> *mut u8 {
        // SAFETY: the caller checked off < size: inside the mapping.
        unsafe { self.host.add(off as usize) }
    }

    /// Copies `data` into RAM at `pa`; false if it is not all RAM.
    pub fn write(&self, pa: u64, data: &[u8]) -> bool {
        let Some(off) = self.offset(pa, data.len() as u64) else {
            return false;
        };
        // SAFETY: the range lies inside the mapping (checked above); the
        // source is a distinct host buffer.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr(off), data.len()) };
        true
    }

    /// Copies RAM at `pa` into `data`; false if it is not all RAM.
    pub fn read(&self, pa: u64, data: &mut [u8]) -> bool {
        let Some(off) = self.offset(pa, data.len() as u64) else {
            return false;
        };
        // SAFETY: as in `write`.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr(off), data.as_mut_ptr(), data.len()) };
        true
    }
}

/// A device window on the bus.
struct Region {
    base: u64,
    size: u64,
    name: &'static str,
    device: Box<dyn MmioDevice>,
}

/// The physical address map beyond RAM: devices at their windows.
#[derive(Default)]
pub struct Bus {
    regions: Vec<Region>,
}

impl Bus {
    /// Adds `device` at `[base, base + size)`. Windows must not overlap.
    pub fn add(&mut self, base: u64, size: u64, name: &'static str, device: Box<dyn MmioDevice>) {
        let at = self.regions.partition_point(|r| r.base < base);
        self.regions.insert(
            at,
            Region {
                base,
                size,
                name,
                device,
            },
        );
    }

    fn find(&mut self, pa: u64) -> Option<&mut Region> {
        let i = self.regions.partition_point(|r| r.base <= pa);
        let r = self.regions.get_mut(i.checked_sub(1)?)?;
        (pa - r.base < r.size).then_some(r)
    }

    /// Reads a device register; `None` if nothing is at `pa`.
    pub fn read(&mut self, pa: u64, size: u8) -> Option<u32> {
        let r = self.find(pa)?;
        Some(r.device.read((pa - r.base) as u32, size))
    }

    /// Writes a device register; false if nothing is at `pa`.
    pub fn write(&mut self, pa: u64, size: u8, value: u32) -> bool {
        match self.find(pa) {
            Some(r) => {
                r.device.write((pa - r.base) as u32, size, value);
                true
            }
            None => false,
        }
    }

    /// The name of the device at `pa`, for logs.
    pub fn name_at(&mut self, pa: u64) -> Option<&'static str> {
        self.find(pa).map(|r| r.name)
    }
}

/// Where a translated page lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Ram,
    Device,
    Nothing,
}

/// What the slow path remembers of a translation (the fast entry says
/// nothing for MMIO pages and forbidden accesses).
#[derive(Clone, Copy, Debug)]
struct Slow {
    /// Virtual page, or `TLB_INVALID`.
    tag: u32,
    /// Physical page address.
    phys: u64,
    /// Permitted accesses for this privilege, or the fault status of each
    /// forbidden one (0 = permitted).
    read: u32,
    write: u32,
    exec: u32,
}

const EMPTY_SLOW: Slow = Slow {
    tag: TLB_INVALID,
    phys: 0,
    read: 0,
    write: 0,
    exec: 0,
};

/// Where the entries of one TLB set are, for the invalidations that
/// concern only some of them: by short-descriptor domain (a DACR change),
/// and the non-global ones (an ASID change). Indices may be stale (the
/// entry since refilled); users check the entry itself.
#[derive(Default)]
struct SetIndex {
    by_domain: [Vec<u16>; 16],
    non_global: Vec<u16>,
    /// The DACR the set's permissions were computed under (only the set
    /// of the current privilege is kept in step at once; the other is
    /// brought up to date when it is next used).
    dacr: u32,
}

/// Index lists longer than this are rebuilt from a scan of the set.
const INDEX_LIMIT: usize = 4 * TLB_SIZE;

/// Entry flag (in `TlbEntry::domain` above the domain number): the
/// translation is global (not tied to an ASID).
const GLOBAL: u32 = 1 << 8;

/// The guest's memory in system mode.
pub struct SystemMemory {
    /// Guest RAM.
    pub ram: Ram,
    /// The devices.
    pub bus: Bus,
    tlb: Box<SoftTlb>,
    slow: Box<[[Slow; TLB_SIZE]; 2]>,
    index: [SetIndex; 2],
    mmu: MmuState,
    /// One bit per RAM page: it holds translated code.
    code_pages: Vec<u64>,
    /// RAM pages written (by the CPU) while marked as holding code.
    code_written: Vec<u64>,
    dma: DmaObserver,
    kick: Arc<AtomicBool>,
    /// Log accesses to unassigned physical addresses (`-d guest_errors`).
    pub log_guest_errors: bool,
}

struct RamReader<'a>(&'a Ram);

impl PhysRead for RamReader<'_> {
    fn read_u32(&mut self, pa: u64) -> Option<u32> {
        let mut b = [0; 4];
        self.0.read(pa, &mut b).then(|| u32::from_le_bytes(b))
    }
    fn read_u64(&mut self, pa: u64) -> Option<u64> {
        let mut b = [0; 8];
        self.0.read(pa, &mut b).then(|| u64::from_le_bytes(b))
    }
}

/// The short-descriptor FSR status of a synchronous external abort (not
/// on a walk), and the long-descriptor one.
const EXTERNAL_ABORT_SHORT: u32 = 0b01000;
const EXTERNAL_ABORT_LONG: u32 = 0b010000 | 1 << 9;

impl SystemMemory {
    /// Memory over `ram` and `bus`. `dma` collects device writes to RAM;
    /// `kick` is raised when code pages are written.
    pub fn new(ram: Ram, bus: Bus, dma: DmaObserver, kick: Arc<AtomicBool>) -> SystemMemory {
        let pages = ram.size.div_ceil(PAGE) as usize;
        SystemMemory {
            code_pages: vec![0; pages.div_ceil(64)],
            ram,
            bus,
            tlb: Box::default(),
            slow: Box::new([[EMPTY_SLOW; TLB_SIZE]; 2]),
            index: Default::default(),
            mmu: MmuState::default(),
            code_written: Vec::new(),
            dma,
            kick,
            log_guest_errors: false,
        }
    }

    fn set_index(&self) -> usize {
        self.mmu.privileged as usize
    }

    fn flush_all(&mut self) {
        self.tlb.flush();
        for set in self.slow.iter_mut() {
            set.fill(EMPTY_SLOW);
        }
        for ix in &mut self.index {
            ix.by_domain.iter_mut().for_each(Vec::clear);
            ix.non_global.clear();
            ix.dacr = self.mmu.dacr;
        }
    }

    fn drop_entry(&mut self, set: usize, i: usize) {
        self.slow[set][i] = EMPTY_SLOW;
        self.tlb.sets[set][i] = EMPTY_ENTRY;
    }

    /// Drops the entries of virtual page `va` (all ASIDs: entries are not
    /// ASID-tagged).
    fn flush_page(&mut self, va: u32) {
        let i = SoftTlb::index(va);
        for set in 0..2 {
            if self.slow[set][i].tag == va & PAGE_MASK {
                self.drop_entry(set, i);
            }
        }
    }

    /// Drops the non-global entries of both sets (a new ASID: global
    /// translations, the kernel's, stay).
    fn flush_non_global(&mut self) {
        for set in 0..2 {
            for i in std::mem::take(&mut self.index[set].non_global) {
                let i = i as usize;
                if self.slow[set][i].tag != TLB_INVALID
                    && self.tlb.sets[set][i].domain & GLOBAL == 0
                {
                    self.drop_entry(set, i);
                }
            }
        }
    }

    /// Brings set `set` in step with the current DACR: drops its entries
    /// of the domains whose access type changed since it was filled.
    #[inline]
    fn reconcile_dacr(&mut self, set: usize) {
        let dacr = self.mmu.dacr;
        let changed = self.index[set].dacr ^ dacr;
        if changed == 0 {
            return;
        }
        self.index[set].dacr = dacr;
        if self.mmu.lpae() {
            return;
        }
        for d in 0..16 {
            if (changed >> (2 * d)) & 3 == 0 {
                continue;
            }
            for i in std::mem::take(&mut self.index[set].by_domain[d]) {
                let i = i as usize;
                if self.slow[set][i].tag != TLB_INVALID
                    && self.tlb.sets[set][i].domain & 0xf == d as u32
                {
                    self.drop_entry(set, i);
                }
            }
        }
    }

    /// Records where a filled entry is, for the partial invalidations.
    fn note_fill(&mut self, set: usize, i: usize, domain: u32, global: bool) {
        let ix = &mut self.index[set];
        let list = &mut ix.by_domain[domain as usize & 0xf];
        list.push(i as u16);
        if !global {
            ix.non_global.push(i as u16);
        }
        if list.len() > INDEX_LIMIT || ix.non_global.len() > INDEX_LIMIT {
            // Rebuild both lists of the set from the entries themselves.
            ix.by_domain.iter_mut().for_each(Vec::clear);
            ix.non_global.clear();
            for (k, e) in self.tlb.sets[set].iter().enumerate() {
                if self.slow[set][k].tag != TLB_INVALID {
                    ix.by_domain[(e.domain & 0xf) as usize].push(k as u16);
                    if e.domain & GLOBAL == 0 {
                        ix.non_global.push(k as u16);
                    }
                }
            }
        }
    }

    fn is_code_page(&self, pa: u64) -> bool {
        match self.ram.offset(pa, 1) {
            Some(off) => {
                let page = (off / PAGE) as usize;
                self.code_pages[page / 64] & (1 << (page % 64)) != 0
            }
            None => false,
        }
    }

    fn target(&self, pa: u64) -> Target {
        if self.ram.offset(pa, 1).is_some() {
            Target::Ram
        } else if self
            .bus
            .regions
            .iter()
            .any(|r| pa.wrapping_sub(r.base) < r.size)
        {
            Target::Device
        } else {
            Target::Nothing
        }
    }

    fn external_abort(&self) -> u32 {
        if self.mmu.lpae() {
            EXTERNAL_ABORT_LONG
        } else {
            EXTERNAL_ABORT_SHORT
        }
    }

    /// Walks the tables for `va` and fills both TLB structures of privilege
    /// set `set`. Returns the slow entry.
    fn fill(&mut self, va: u32, set: usize) -> Result<Slow, u32> {
        let mut state = self.mmu;
        state.privileged = set == 1;
        let walk = mmu::walk(&state, va, &mut RamReader(&self.ram))?;
        let status = |a: Access| match walk.check(&state, a, state.privileged) {
            Ok(()) => 0,
            Err(s) => s,
        };
        let phys = walk.pa & !(PAGE - 1);
        let slow = Slow {
            tag: va & PAGE_MASK,
            phys,
            read: status(Access::Read),
            write: status(Access::Write),
            exec: status(Access::Exec),
        };
        let i = SoftTlb::index(va);
        self.slow[set][i] = slow;
        let mut fast = EMPTY_ENTRY;
        fast.domain = walk.domain as u32 & 0xf | if walk.global { GLOBAL } else { 0 };
        fast.phys = phys;
        if let Some(off) = self.ram.offset(phys, PAGE) {
            let host = self.ram.ptr(off) as u64;
            fast.addend = host.wrapping_sub((va & PAGE_MASK) as u64);
            if slow.read == 0 {
                fast.read = va & PAGE_MASK;
            }
            if slow.write == 0 && !self.is_code_page(phys) {
                fast.write = va & PAGE_MASK;
            }
            if slow.exec == 0 {
                fast.exec = va & PAGE_MASK;
            }
        }
        let meta = fast.domain;
        self.tlb.sets[set][i] = fast;
        self.note_fill(set, i, meta & 0xf, meta & GLOBAL != 0);
        Ok(slow)
    }

    /// The slow path's translation of `va` for `access` in set `set`:
    /// the physical address, or the fault.
    fn translate_slow(&mut self, va: u32, access: Access, set: usize) -> MemResult<u64> {
        let i = SoftTlb::index(va);
        let mut e = self.slow[set][i];
        if e.tag != va & PAGE_MASK {
            e = self.fill(va, set).map_err(|status| MemFault {
                addr: va,
                access,
                kind: FaultKind::Mmu(status),
            })?;
        }
        let status = match access {
            Access::Read => e.read,
            Access::Write => e.write,
            Access::Exec => e.exec,
        };
        if status != 0 {
            return Err(MemFault {
                addr: va,
                access,
                kind: FaultKind::Mmu(status),
            });
        }
        Ok(e.phys | (va & 0xfff) as u64)
    }

    fn alignment_fault(&self, va: u32, size: u32, access: Access) -> MemResult<()> {
        if self.mmu.sctlr & 2 != 0 && va & (size - 1) != 0 {
            return Err(MemFault {
                addr: va,
                access,
                kind: FaultKind::Alignment,
            });
        }
        Ok(())
    }

    /// A read that missed the fast path.
    #[cold]
    fn read_slow(&mut self, va: u32, size: u32, set: usize) -> MemResult<u32> {
        self.alignment_fault(va, size, Access::Read)?;
        if (va & 0xfff) + size > 0x1000 {
            // Crosses a page: byte by byte, each through its own page.
            let mut v = 0;
            for k in 0..size {
                let a = va.wrapping_add(k);
                let b = match self.fast_read(a, 1, set) {
                    Some(b) => b,
                    None => self.read_slow(a, 1, set)?,
                };
                v |= b << (8 * k);
            }
            return Ok(v);
        }
        let pa = self.translate_slow(va, Access::Read, set)?;
        if let Some(off) = self.ram.offset(pa, size as u64) {
            return Ok(read_host(self.ram.ptr(off), size));
        }
        match self.bus.read(pa, size as u8) {
            Some(v) => Ok(v),
            None => Err(self.unassigned(va, pa, Access::Read)),
        }
    }

    /// A write that missed the fast path.
    #[cold]
    fn write_slow(&mut self, va: u32, size: u32, value: u32, set: usize) -> MemResult<()> {
        self.alignment_fault(va, size, Access::Write)?;
        if (va & 0xfff) + size > 0x1000 {
            // Check both pages before writing anything: a fault must leave
            // memory unchanged.
            let second = (va & PAGE_MASK).wrapping_add(0x1000);
            self.translate_slow(va, Access::Write, set)?;
            self.translate_slow(second, Access::Write, set)?;
            for k in 0..size {
                self.write_slow(va.wrapping_add(k), 1, value >> (8 * k), set)?;
            }
            return Ok(());
        }
        let pa = self.translate_slow(va, Access::Write, set)?;
        if let Some(off) = self.ram.offset(pa, size as u64) {
            self.note_ram_write(pa);
            write_host(self.ram.ptr(off), size, value);
            return Ok(());
        }
        if self.bus.write(pa, size as u8, value) {
            Ok(())
        } else {
            Err(self.unassigned(va, pa, Access::Write))
        }
    }

    /// A CPU write to RAM at `pa` (slow path): if the page holds code,
    /// record it for the engine and let later writes take the fast path.
    fn note_ram_write(&mut self, pa: u64) {
        if !self.is_code_page(pa) {
            return;
        }
        let page = pa >> 12;
        self.clear_code_bit(pa);
        self.code_written.push(page);
        self.kick.store(true, Ordering::SeqCst);
    }

    fn clear_code_bit(&mut self, pa: u64) {
        if let Some(off) = self.ram.offset(pa, 1) {
            let page = (off / PAGE) as usize;
            self.code_pages[page / 64] &= !(1 << (page % 64));
        }
    }

    fn unassigned(&mut self, va: u32, pa: u64, access: Access) -> MemFault {
        if self.log_guest_errors {
            eprintln!("rsemu: guest {access:?} at 0x{va:08x} (physical 0x{pa:x}): nothing there");
        }
        MemFault {
            addr: va,
            access,
            kind: FaultKind::Mmu(self.external_abort()),
        }
    }

    /// Whether a `size`-byte access at `va` stays in its page and, with
    /// SCTLR.A set, is aligned: the fast path's conditions besides the tag.
    #[inline(always)]
    fn in_page_and_aligned(&self, va: u32, size: u32) -> bool {
        (va & 0xfff) <= 0x1000 - size && (self.mmu.sctlr & 2 == 0 || va & (size - 1) == 0)
    }

    /// The fast path of a read: `Some` when the TLB entry allows it and it
    /// does not cross a page.
    #[inline(always)]
    fn fast_read(&self, va: u32, size: u32, set: usize) -> Option<u32> {
        let e = &self.tlb.sets[set][SoftTlb::index(va)];
        if e.read == va & PAGE_MASK && self.in_page_and_aligned(va, size) {
            let host = (va as u64).wrapping_add(e.addend) as *mut u8;
            return Some(read_host(host, size));
        }
        None
    }

    #[inline(always)]
    fn read(&mut self, va: u32, size: u32) -> MemResult<u32> {
        let set = self.set_index();
        match self.fast_read(va, size, set) {
            Some(v) => Ok(v),
            None => self.read_slow(va, size, set),
        }
    }

    #[inline(always)]
    fn write(&mut self, va: u32, size: u32, value: u32) -> MemResult<()> {
        let set = self.set_index();
        let e = &self.tlb.sets[set][SoftTlb::index(va)];
        if e.write == va & PAGE_MASK && self.in_page_and_aligned(va, size) {
            let host = (va as u64).wrapping_add(e.addend) as *mut u8;
            write_host(host, size, value);
            return Ok(());
        }
        self.write_slow(va, size, value, set)
    }

    /// The host address for an atomic access of `size` bytes at `va`
    /// (aligned, checked by the caller), which must be RAM.
    fn atomic_ptr(&mut self, va: u32, size: u32) -> MemResult<*mut u8> {
        let set = self.set_index();
        let pa = self.translate_slow(va, Access::Write, set)?;
        // Exclusive accesses also need read permission.
        self.translate_slow(va, Access::Read, set)?;
        match self.ram.offset(pa, size as u64) {
            Some(off) => {
                self.note_ram_write(pa);
                Ok(self.ram.ptr(off))
            }
            None => Err(self.unassigned(va, pa, Access::Write)),
        }
    }

    /// Fetches `size` bytes of instruction at `va`.
    fn fetch(&mut self, va: u32, size: u32) -> MemResult<u32> {
        let set = self.set_index();
        let e = &self.tlb.sets[set][SoftTlb::index(va)];
        if e.exec == va & PAGE_MASK && (va & 0xfff) + size <= 0x1000 {
            let host = (va as u64).wrapping_add(e.addend) as *mut u8;
            return Ok(read_host(host, size));
        }
        let pa = self.translate_slow(va, Access::Exec, set)?;
        match self.ram.offset(pa, size as u64) {
            Some(off) => Ok(read_host(self.ram.ptr(off), size)),
            // Executing from a device (or nothing) is not supported.
            None => Err(self.unassigned(va, pa, Access::Exec)),
        }
    }
}

/// Reads `size` (1, 2 or 4) little-endian bytes at host address `p`.
#[inline(always)]
fn read_host(p: *mut u8, size: u32) -> u32 {
    // SAFETY: `p` comes from a TLB entry or a checked RAM offset: `size`
    // bytes there lie inside guest RAM's host mapping, which lives as long
    // as the memory. Guest RAM is only accessed by this thread's CPU and
    // by devices called from it.
    unsafe {
        match size {
            1 => *p as u32,
            2 => (p as *const u16).read_unaligned() as u32,
            _ => (p as *const u32).read_unaligned(),
        }
    }
}

/// Writes `size` (1, 2 or 4) little-endian bytes at host address `p`.
#[inline(always)]
fn write_host(p: *mut u8, size: u32, v: u32) {
    // SAFETY: as in `read_host`.
    unsafe {
        match size {
            1 => *p = v as u8,
            2 => (p as *mut u16).write_unaligned(v as u16),
            _ => (p as *mut u32).write_unaligned(v),
        }
    }
}

impl GuestMemory for SystemMemory {
    const MMU: bool = true;

    fn read_u8(&mut self, addr: u32) -> MemResult<u8> {
        Ok(self.read(addr, 1)? as u8)
    }
    fn read_u16(&mut self, addr: u32) -> MemResult<u16> {
        Ok(self.read(addr, 2)? as u16)
    }
    fn read_u32(&mut self, addr: u32) -> MemResult<u32> {
        self.read(addr, 4)
    }
    fn write_u8(&mut self, addr: u32, value: u8) -> MemResult<()> {
        self.write(addr, 1, value as u32)
    }
    fn write_u16(&mut self, addr: u32, value: u16) -> MemResult<()> {
        self.write(addr, 2, value as u32)
    }
    fn write_u32(&mut self, addr: u32, value: u32) -> MemResult<()> {
        self.write(addr, 4, value)
    }
    fn read_u64(&mut self, addr: u32) -> MemResult<u64> {
        // Both words are checked before either is used: the caller commits
        // nothing on a fault.
        let lo = self.read(addr, 4)? as u64;
        let hi = self.read(addr.wrapping_add(4), 4)? as u64;
        Ok(lo | hi << 32)
    }
    fn write_u64(&mut self, addr: u32, value: u64) -> MemResult<()> {
        // Translate both words first so a fault on the second leaves the
        // first unwritten.
        let set = self.set_index();
        self.translate_slow(addr, Access::Write, set)?;
        self.translate_slow(addr.wrapping_add(4), Access::Write, set)?;
        self.write(addr, 4, value as u32)?;
        self.write(addr.wrapping_add(4), 4, (value >> 32) as u32)
    }
    fn compare_exchange(&mut self, addr: u32, size: u8, old: u64, new: u64) -> MemResult<bool> {
        let p = self.atomic_ptr(addr, size as u32)?;
        // SAFETY: `p` is an aligned (checked by the caller) address inside
        // guest RAM; the atomics only reinterpret that memory.
        let ok = unsafe {
            match size {
                1 => AtomicU8::from_ptr(p)
                    .compare_exchange(old as u8, new as u8, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok(),
                2 => AtomicU16::from_ptr(p as *mut u16)
                    .compare_exchange(old as u16, new as u16, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok(),
                4 => AtomicU32::from_ptr(p as *mut u32)
                    .compare_exchange(old as u32, new as u32, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok(),
                _ => AtomicU64::from_ptr(p as *mut u64)
                    .compare_exchange(old, new, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok(),
            }
        };
        Ok(ok)
    }
    fn swap(&mut self, addr: u32, size: u8, new: u32) -> MemResult<u32> {
        if size == 4 && addr & 3 != 0 {
            // SWP of a misaligned word: not atomic, as the architecture
            // allows; go through the ordinary paths.
            let old = self.read(addr, 4)?;
            self.write(addr, 4, new)?;
            return Ok(old);
        }
        let p = self.atomic_ptr(addr, size as u32)?;
        // SAFETY: as in `compare_exchange`.
        let old = unsafe {
            match size {
                1 => AtomicU8::from_ptr(p).swap(new as u8, Ordering::SeqCst) as u32,
                _ => AtomicU32::from_ptr(p as *mut u32).swap(new, Ordering::SeqCst),
            }
        };
        Ok(old)
    }
    fn fetch_u16(&mut self, addr: u32) -> MemResult<u16> {
        Ok(self.fetch(addr, 2)? as u16)
    }
    fn fetch_u32(&mut self, addr: u32) -> MemResult<u32> {
        if addr & 0xfff <= 0xffc {
            return self.fetch(addr, 4);
        }
        let lo = self.fetch(addr, 2)?;
        let hi = self.fetch(addr.wrapping_add(2), 2)?;
        Ok(lo | hi << 16)
    }

    fn set_mmu(&mut self, state: &MmuState) -> bool {
        let old = self.mmu;
        self.mmu = *state;
        let mut flushed = false;
        // The privilege level only selects a TLB set.
        let mut before = old;
        before.privileged = state.privileged;
        // Permissions and attributes of the same translations: DACR
        // (Linux's software PAN writes it around every user access and on
        // every kernel entry) is applied set by set, when the set is used
        // (`reconcile_dacr`); memory attributes are not modelled.
        before.dacr = state.dacr;
        before.prrr = state.prrr;
        before.nmrr = state.nmrr;
        if before != *state {
            // A new TTBR with the same ASID: what the TLB holds may still
            // be used until the guest invalidates it, as on hardware (and
            // QEMU). A new ASID drops the non-global entries (entries are
            // not ASID-tagged); any other change of the regime (SCTLR,
            // TTBCR) empties the TLB.
            before.ttbr0 = state.ttbr0;
            before.ttbr1 = state.ttbr1;
            before.contextidr = state.contextidr;
            if before != *state {
                self.flush_all();
                flushed = true;
            } else if old.asid() != state.asid() {
                self.flush_non_global();
                flushed = true;
            }
        }
        self.reconcile_dacr(self.set_index());
        flushed
    }

    fn tlb_maintenance(&mut self, op: TlbOp) {
        match op {
            TlbOp::Mva { va, .. } | TlbOp::MvaAllAsid(va) => self.flush_page(va),
            TlbOp::All | TlbOp::Asid(_) => self.flush_all(),
        }
    }

    fn read_unprivileged(&mut self, addr: u32, size: u8) -> MemResult<u32> {
        self.reconcile_dacr(0);
        let size = size as u32;
        match self.fast_read(addr, size, 0) {
            Some(v) => Ok(v),
            None => self.read_slow(addr, size, 0),
        }
    }

    fn write_unprivileged(&mut self, addr: u32, size: u8, value: u32) -> MemResult<()> {
        self.reconcile_dacr(0);
        self.write_slow(addr, size as u32, value, 0)
    }

    #[inline]
    fn code_phys_cached(&self, va: u32) -> Option<u64> {
        let e = &self.tlb.sets[self.set_index()][SoftTlb::index(va)];
        (e.exec == va & PAGE_MASK).then_some(e.phys | (va & 0xfff) as u64)
    }

    fn code_phys(&mut self, va: u32) -> MemResult<u64> {
        let set = self.set_index();
        let e = &self.tlb.sets[set][SoftTlb::index(va)];
        if e.exec == va & PAGE_MASK {
            return Ok(e.phys | (va & 0xfff) as u64);
        }
        self.translate_slow(va, Access::Exec, set)
    }

    fn note_code_page(&mut self, page: u64) {
        let pa = page << 12;
        let Some(off) = self.ram.offset(pa, 1) else {
            return;
        };
        let bit = (off / PAGE) as usize;
        if self.code_pages[bit / 64] & (1 << (bit % 64)) != 0 {
            return;
        }
        self.code_pages[bit / 64] |= 1 << (bit % 64);
        // Writes to the page must now take the slow path.
        for set in self.tlb.sets.iter_mut() {
            for e in set.iter_mut() {
                if e.phys == pa && e.write != TLB_INVALID {
                    e.write = TLB_INVALID;
                }
            }
        }
    }

    fn take_code_writes(&mut self) -> Vec<u64> {
        let mut pages = std::mem::take(&mut self.code_written);
        for page in self.dma.take() {
            if self.is_code_page(page << 12) {
                self.clear_code_bit(page << 12);
                pages.push(page);
            }
        }
        pages
    }

    fn address_translation(&mut self, va: u32, write: bool, user: bool) -> u64 {
        let mut state = self.mmu;
        state.privileged = !user;
        let access = if write { Access::Write } else { Access::Read };
        let result = mmu::walk(&state, va, &mut RamReader(&self.ram))
            .and_then(|w| w.check(&state, access, !user).map(|()| w));
        mmu::par_for(&state, &result)
    }

    fn soft_tlb(&self) -> Option<*const SoftTlb> {
        Some(&*self.tlb as *const SoftTlb)
    }
}

impl SystemMemory {
    /// Where physical address `pa` goes (for the loader and logs).
    pub fn describe(&mut self, pa: u64) -> String {
        match self.target(pa) {
            Target::Ram => "RAM".into(),
            Target::Device => self.bus.name_at(pa).unwrap_or("device").into(),
            Target::Nothing => "nothing".into(),
        }
    }

    /// The current translation regime.
    pub fn mmu_state(&self) -> &MmuState {
        &self.mmu
    }

    /// A debugger's access to virtual memory, as the CPU at its current
    /// privilege would see it but without checking permissions and without
    /// side effects on the TLB: reads (or, with `write`, writes) RAM only
    /// (device registers are not touched). Returns how many bytes from the
    /// start were accessed; a write to a page holding translated code is
    /// recorded for the engine like a CPU write.
    pub fn debug_access(&mut self, va: u32, buf: &mut [u8], write: bool) -> usize {
        let mut done = 0;
        while done < buf.len() {
            let a = va.wrapping_add(done as u32);
            let Ok(walk) = mmu::walk(&self.mmu, a, &mut RamReader(&self.ram)) else {
                break;
            };
            let in_page = (0x1000 - (a & 0xfff)) as usize;
            let n = in_page.min(buf.len() - done);
            let chunk = &mut buf[done..done + n];
            let ok = if write {
                self.note_ram_write(walk.pa);
                self.ram.write(walk.pa, chunk)
            } else {
                self.ram.read(walk.pa, chunk)
            };
            if !ok {
                break;
            }
            done += n;
        }
        done
    }
}
