//! The software TLB's layout: filled by system mode's memory
//! (`rsemu-softmmu`), read by its accessors and, inline, by compiled code.
//!
//! Two direct-mapped sets of [`TLB_SIZE`] entries, one per privilege
//! level; a virtual page's entry is `(va >> 12) & (TLB_SIZE - 1)`. An
//! entry holds, per kind of access, the page's virtual address as a tag
//! when that access may go straight to host memory, or [`TLB_INVALID`]
//! when it must take the slow path (not permitted, not RAM, or a write to
//! a page holding translated code). The host address of a virtual address
//! `va` is `va + addend` (wrapping, 64-bit).

/// log2 of the entries per set (1024: 4 MiB of guest pages; Linux's
/// kernel and a process's working set thrash a smaller direct-mapped one).
pub const TLB_BITS: u32 = 10;
/// Entries per set.
pub const TLB_SIZE: usize = 1 << TLB_BITS;
/// A tag no access matches: page addresses have their low 12 bits clear
/// and an access's compare value at most its low 3 bits set.
pub const TLB_INVALID: u32 = u32::MAX;

/// One entry (32 bytes: compiled code indexes with a shift by 5).
#[derive(Clone, Copy, Debug)]
#[repr(C, align(32))]
pub struct TlbEntry {
    /// Tag for data reads.
    pub read: u32,
    /// Tag for data writes.
    pub write: u32,
    /// Tag for instruction fetches.
    pub exec: u32,
    /// The short-descriptor domain of the translation in bits 3:0 (DACR
    /// changes drop only the entries of the domains they change), and
    /// flags of the memory's own above.
    pub domain: u32,
    /// Host address minus virtual address.
    pub addend: u64,
    /// The physical address of the page (with a valid execute tag: the
    /// page the engine's lookup tables check translated code against).
    pub phys: u64,
}

/// An entry that matches nothing.
pub const EMPTY_ENTRY: TlbEntry = TlbEntry {
    read: TLB_INVALID,
    write: TLB_INVALID,
    exec: TLB_INVALID,
    domain: 0,
    addend: 0,
    phys: 0,
};

/// Byte offset of the read tag in an entry.
pub const OFFSET_READ: i32 = std::mem::offset_of!(TlbEntry, read) as i32;
/// Byte offset of the write tag.
pub const OFFSET_WRITE: i32 = std::mem::offset_of!(TlbEntry, write) as i32;
/// Byte offset of the execute tag.
pub const OFFSET_EXEC: i32 = std::mem::offset_of!(TlbEntry, exec) as i32;
/// Byte offset of the physical page address.
pub const OFFSET_PHYS: i32 = std::mem::offset_of!(TlbEntry, phys) as i32;
/// Byte offset of the addend.
pub const OFFSET_ADDEND: i32 = std::mem::offset_of!(TlbEntry, addend) as i32;

/// The two sets: `sets[0]` for PL0 (User mode, and LDRT/STRT), `sets[1]`
/// for PL1.
#[derive(Clone, Debug)]
#[repr(C)]
pub struct SoftTlb {
    /// Per privilege level.
    pub sets: [[TlbEntry; TLB_SIZE]; 2],
}

const _: () = assert!(std::mem::size_of::<TlbEntry>() == 32);

impl Default for SoftTlb {
    fn default() -> SoftTlb {
        SoftTlb {
            sets: [[EMPTY_ENTRY; TLB_SIZE]; 2],
        }
    }
}

impl SoftTlb {
    /// The index of `va`'s entry in a set.
    #[inline(always)]
    pub fn index(va: u32) -> usize {
        (va >> 12) as usize & (TLB_SIZE - 1)
    }

    /// Empties both sets.
    pub fn flush(&mut self) {
        for set in &mut self.sets {
            set.fill(EMPTY_ENTRY);
        }
    }
}
