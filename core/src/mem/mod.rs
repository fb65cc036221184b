//! The `GuestMemory` trait: how the core reads and writes guest memory.
//!
//! User mode implements it over a flat host reservation; system mode
//! implements it over a software MMU and device bus (`rsemu-softmmu`). The
//! interpreter is generic over it, so each mode's accessors inline into the
//! hot path, and the methods only system mode needs have defaults that
//! compile to nothing in user mode.

pub mod paged;
pub mod tlb;

/// The kind of access that faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A data read.
    Read,
    /// A data write.
    Write,
    /// An instruction fetch.
    Exec,
}

/// Why an access failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Nothing mapped, or not with the needed permission (SIGSEGV).
    Permission,
    /// A misaligned access the architecture does not allow (SIGBUS).
    Alignment,
    /// A fault of the system-mode translation regime or bus: `status` is
    /// the architectural fault status in the format in use (short
    /// descriptors: FS[4] in bit 10, FS[3:0] and the domain in bits 7:4;
    /// long descriptors: STATUS in bits 5:0 and bit 9 set), without WnR.
    Mmu(u32),
}

/// A failed guest memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemFault {
    /// The guest address that faulted.
    pub addr: u32,
    /// The access.
    pub access: Access,
    /// Why.
    pub kind: FaultKind,
}

impl MemFault {
    /// A permission fault at `addr`.
    pub fn perm(addr: u32, access: Access) -> MemFault {
        MemFault {
            addr,
            access,
            kind: FaultKind::Permission,
        }
    }
}

/// Result of a guest memory access.
pub type MemResult<T> = Result<T, MemFault>;

/// The translation regime as the CPU's system registers define it: what a
/// system-mode memory needs to walk page tables and check permissions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MmuState {
    /// SCTLR (M: MMU on, A: alignment checks, AFE, TRE).
    pub sctlr: u32,
    /// TTBCR (EAE selects long descriptors; N or T0SZ/T1SZ split).
    pub ttbcr: u32,
    /// TTBR0 (64-bit with long descriptors: ASID in bits 55:48).
    pub ttbr0: u64,
    /// TTBR1.
    pub ttbr1: u64,
    /// DACR (short descriptors only).
    pub dacr: u32,
    /// PRRR, or MAIR0 with long descriptors.
    pub prrr: u32,
    /// NMRR, or MAIR1 with long descriptors.
    pub nmrr: u32,
    /// CONTEXTIDR (ASID in bits 7:0 with short descriptors).
    pub contextidr: u32,
    /// The CPU runs at PL1 (not User mode).
    pub privileged: bool,
}

impl MmuState {
    /// Whether the MMU is enabled (SCTLR.M).
    pub fn mmu_on(&self) -> bool {
        self.sctlr & 1 != 0
    }
    /// Whether long descriptors are in use (TTBCR.EAE).
    pub fn lpae(&self) -> bool {
        self.ttbcr & (1 << 31) != 0
    }
    /// The current ASID.
    pub fn asid(&self) -> u8 {
        if self.lpae() {
            // TTBCR.A1 selects which TTBR holds the ASID.
            let ttbr = if self.ttbcr & (1 << 22) != 0 {
                self.ttbr1
            } else {
                self.ttbr0
            };
            (ttbr >> 48) as u8
        } else {
            self.contextidr as u8
        }
    }
}

/// A TLB maintenance operation (CP15 c8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlbOp {
    /// Every entry (TLBIALL and its IS, instruction and data forms).
    All,
    /// The entries for a virtual page and an ASID (TLBIMVA: page address
    /// in bits 31:12; global entries match any ASID).
    Mva {
        /// Page address.
        va: u32,
        /// ASID.
        asid: u8,
    },
    /// The entries for a virtual page, any ASID (TLBIMVAA).
    MvaAllAsid(u32),
    /// Every non-global entry of an ASID (TLBIASID).
    Asid(u8),
}

/// A guest address space laid out flat in host memory, which JIT code may
/// access inline: guest address `a` is host `base + a` for every 32-bit `a`,
/// and `page_flags[a >> 12]` holds the page's permissions.
#[derive(Clone, Copy, Debug)]
pub struct DirectMap {
    /// Host address of guest address 0 (a 4 GiB reservation).
    pub base: *mut u8,
    /// One byte per 4 KiB guest page (2^20 entries).
    pub page_flags: *const u8,
    /// The flag bit that allows data reads.
    pub read_bit: u8,
    /// The flag bit that allows data writes.
    pub write_bit: u8,
    /// Host protections match the page flags and a host fault in compiled
    /// code is turned into a guest fault (the mode installed
    /// `jit::handle_host_fault` in its SIGSEGV and SIGBUS handlers): compiled
    /// code may then skip the inline check. The reservation then also has
    /// [`RESERVATION_GUARD`] inaccessible bytes below `base` and above
    /// `base + 4 GiB`, so compiled code may add a displacement to a guest
    /// address in the host addressing mode (`[base + reg + disp]`): where
    /// the 32-bit sum would wrap, the host access faults instead, and the
    /// slow path computes the wrapped address.
    pub host_faults: bool,
}

/// Inaccessible host bytes a [`DirectMap`] with `host_faults` keeps on each
/// side of its 4 GiB (more than any displacement compiled code folds).
pub const RESERVATION_GUARD: usize = 64 << 10;

/// Guest memory as the CPU sees it (little-endian, unaligned accesses
/// allowed for the plain loads and stores as with SCTLR.A clear).
pub trait GuestMemory {
    /// Addresses are virtual and their mapping can change under
    /// translated code (system mode's MMU): compiled code then chains
    /// direct branches only to blocks on the same page, which share its
    /// translation.
    const MMU: bool = false;
    /// Reads a byte.
    fn read_u8(&mut self, addr: u32) -> MemResult<u8>;
    /// Reads a halfword.
    fn read_u16(&mut self, addr: u32) -> MemResult<u16>;
    /// Reads a word.
    fn read_u32(&mut self, addr: u32) -> MemResult<u32>;
    /// Reads a doubleword.
    fn read_u64(&mut self, addr: u32) -> MemResult<u64> {
        let lo = self.read_u32(addr)? as u64;
        let hi = self.read_u32(addr.wrapping_add(4))? as u64;
        Ok(lo | hi << 32)
    }
    /// Writes a byte.
    fn write_u8(&mut self, addr: u32, value: u8) -> MemResult<()>;
    /// Writes a halfword.
    fn write_u16(&mut self, addr: u32, value: u16) -> MemResult<()>;
    /// Writes a word.
    fn write_u32(&mut self, addr: u32, value: u32) -> MemResult<()>;
    /// Writes a doubleword.
    fn write_u64(&mut self, addr: u32, value: u64) -> MemResult<()> {
        self.write_u32(addr, value as u32)?;
        self.write_u32(addr.wrapping_add(4), (value >> 32) as u32)
    }
    /// Atomically replaces the `size`-byte value (1, 2, 4 or 8) at `addr`
    /// with `new` if it equals `old`; returns whether it did. The address is
    /// aligned (the caller checks).
    fn compare_exchange(&mut self, addr: u32, size: u8, old: u64, new: u64) -> MemResult<bool>;
    /// Atomically swaps a `size`-byte value (1 or 4), returning the old one.
    fn swap(&mut self, addr: u32, size: u8, new: u32) -> MemResult<u32>;
    /// Fetches an instruction halfword (needs execute permission).
    fn fetch_u16(&mut self, addr: u32) -> MemResult<u16>;
    /// The software TLB of a system-mode memory, which compiled code looks
    /// up inline (`None`: no such table). It must stay at this address as
    /// long as the memory lives.
    fn soft_tlb(&self) -> Option<*const tlb::SoftTlb> {
        None
    }
    /// The flat host layout of this memory, if it has one. Backends that
    /// generate code use it to access memory inline and fall back to the
    /// methods above when a check fails; `None` sends every access through
    /// the methods.
    fn direct_map(&self) -> Option<DirectMap> {
        None
    }
    /// The translation regime changed (system mode only): SCTLR, a TTBR,
    /// TTBCR, DACR, PRRR/NMRR, CONTEXTIDR, or the privilege level. Returns
    /// whether translations cached so far were dropped (as a TLB flush
    /// does).
    fn set_mmu(&mut self, _state: &MmuState) -> bool {
        false
    }
    /// A TLB maintenance operation (system mode only).
    fn tlb_maintenance(&mut self, _op: TlbOp) {}
    /// The physical address of the instruction at `va` (an instruction
    /// fetch translation with the current privilege, permission checked):
    /// translated blocks are keyed by it. User mode has no translation.
    #[inline(always)]
    fn code_phys(&mut self, va: u32) -> MemResult<u64> {
        Ok(va as u64)
    }
    /// The physical address of the instruction at `va` if the translation
    /// is cached and permits execution now (system mode: the TLB's execute
    /// entry), else `None`. Lookups of translated code by virtual address
    /// check it, so they stay right across TLB changes without being
    /// flushed. User mode has no translation.
    #[inline(always)]
    fn code_phys_cached(&self, va: u32) -> Option<u64> {
        Some(va as u64)
    }
    /// Records that a block was translated from physical page `page`
    /// (address >> 12), so that writes to the page are noticed (system
    /// mode; user mode invalidates on its own mapping changes).
    #[inline(always)]
    fn note_code_page(&mut self, _page: u64) {}
    /// The physical pages written since the last call that held
    /// translated code (system mode: by the CPU or by DMA).
    fn take_code_writes(&mut self) -> Vec<u64> {
        Vec::new()
    }
    /// An address translation operation (ATS1C**): translates `va` for a
    /// read or write with PL1 or (`user`) PL0 permissions and returns the
    /// value for PAR. Only system-mode memories translate.
    fn address_translation(&mut self, _va: u32, _write: bool, _user: bool) -> u64 {
        1 // PAR.F: the translation failed
    }
    /// Reads `size` bytes (1, 2 or 4) with User-mode permissions (LDRT
    /// and friends at PL1). Outside system mode, an ordinary read.
    fn read_unprivileged(&mut self, addr: u32, size: u8) -> MemResult<u32> {
        Ok(match size {
            1 => self.read_u8(addr)? as u32,
            2 => self.read_u16(addr)? as u32,
            _ => self.read_u32(addr)?,
        })
    }
    /// Writes `size` bytes (1, 2 or 4) with User-mode permissions (STRT
    /// and friends at PL1). Outside system mode, an ordinary write.
    fn write_unprivileged(&mut self, addr: u32, size: u8, value: u32) -> MemResult<()> {
        match size {
            1 => self.write_u8(addr, value as u8),
            2 => self.write_u16(addr, value as u16),
            _ => self.write_u32(addr, value),
        }
    }
    /// Fetches an instruction word (needs execute permission).
    fn fetch_u32(&mut self, addr: u32) -> MemResult<u32> {
        let lo = self.fetch_u16(addr)? as u32;
        let hi = self.fetch_u16(addr.wrapping_add(2))? as u32;
        Ok(lo | hi << 16)
    }
}

/// A flat, bounds-checked memory backed by a `Vec`, for unit tests of the
/// core. Everything is readable, writable and executable.
#[derive(Clone, Debug)]
pub struct FlatMemory {
    /// Guest address of `bytes[0]`.
    pub base: u32,
    /// The contents.
    pub bytes: Vec<u8>,
}

impl FlatMemory {
    /// `size` zero bytes at `base`.
    pub fn new(base: u32, size: usize) -> FlatMemory {
        FlatMemory {
            base,
            bytes: vec![0; size],
        }
    }

    fn range(&self, addr: u32, len: usize, access: Access) -> MemResult<usize> {
        let off = addr.wrapping_sub(self.base) as usize;
        if off
            .checked_add(len)
            .is_some_and(|end| end <= self.bytes.len())
        {
            Ok(off)
        } else {
            Err(MemFault::perm(addr, access))
        }
    }

    fn read_n<const N: usize>(&self, addr: u32, access: Access) -> MemResult<[u8; N]> {
        let off = self.range(addr, N, access)?;
        let mut out = [0; N];
        out.copy_from_slice(&self.bytes[off..off + N]);
        Ok(out)
    }

    fn write_n(&mut self, addr: u32, data: &[u8]) -> MemResult<()> {
        let off = self.range(addr, data.len(), Access::Write)?;
        self.bytes[off..off + data.len()].copy_from_slice(data);
        Ok(())
    }
}

impl GuestMemory for FlatMemory {
    fn read_u8(&mut self, addr: u32) -> MemResult<u8> {
        Ok(self.read_n::<1>(addr, Access::Read)?[0])
    }
    fn read_u16(&mut self, addr: u32) -> MemResult<u16> {
        Ok(u16::from_le_bytes(self.read_n(addr, Access::Read)?))
    }
    fn read_u32(&mut self, addr: u32) -> MemResult<u32> {
        Ok(u32::from_le_bytes(self.read_n(addr, Access::Read)?))
    }
    fn write_u8(&mut self, addr: u32, value: u8) -> MemResult<()> {
        self.write_n(addr, &[value])
    }
    fn write_u16(&mut self, addr: u32, value: u16) -> MemResult<()> {
        self.write_n(addr, &value.to_le_bytes())
    }
    fn write_u32(&mut self, addr: u32, value: u32) -> MemResult<()> {
        self.write_n(addr, &value.to_le_bytes())
    }
    fn compare_exchange(&mut self, addr: u32, size: u8, old: u64, new: u64) -> MemResult<bool> {
        let n = size as usize;
        let off = self.range(addr, n, Access::Write)?;
        let mut cur = [0u8; 8];
        cur[..n].copy_from_slice(&self.bytes[off..off + n]);
        if u64::from_le_bytes(cur) == old {
            self.bytes[off..off + n].copy_from_slice(&new.to_le_bytes()[..n]);
            Ok(true)
        } else {
            Ok(false)
        }
    }
    fn swap(&mut self, addr: u32, size: u8, new: u32) -> MemResult<u32> {
        let n = size as usize;
        let off = self.range(addr, n, Access::Write)?;
        let mut cur = [0u8; 4];
        cur[..n].copy_from_slice(&self.bytes[off..off + n]);
        self.bytes[off..off + n].copy_from_slice(&new.to_le_bytes()[..n]);
        Ok(u32::from_le_bytes(cur))
    }
    fn fetch_u16(&mut self, addr: u32) -> MemResult<u16> {
        Ok(u16::from_le_bytes(self.read_n(addr, Access::Exec)?))
    }
}
