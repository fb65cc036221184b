//! The ARMv7-A VMSA translation table walk for the PL1&0 stage 1 regime of
//! a Cortex-A15: short descriptors (two levels, domains) and long
//! descriptors (LPAE, three levels, 40-bit output), the permission checks,
//! the fault status encodings and the PAR values of the ATS1C** operations.
//!
//! References: ARM DDI 0406C (the ARMv7-A/R ARM) chapter B3 (B3.5 short
//! descriptors, B3.6 long descriptors, B3.7 access permissions, B3.8 memory
//! attributes, B3.13 fault status encodings with tables B3-23 and B3-24)
//! and B4.1.112 (PAR); its `TranslationTableWalkSD/LD` and
//! `CheckPermission` pseudocode fixes the order of the checks. QEMU's
//! `target/arm/ptw.c` and Linux's `pgtable-{2,3}level-hwdef.h` were read for
//! cross-checking; where QEMU departs from the ARM ARM this file follows the
//! ARM ARM and says so.
//!
//! How the pieces fit:
//!
//! - [`walk`] reads the descriptors for one virtual address through
//!   [`PhysRead`] and returns a [`Walk`]: the physical address, the size of
//!   the mapping, and everything the descriptors say about access (AP, XN,
//!   PXN, the access flag, the domain, the memory attributes), with the
//!   long format's hierarchical APTable/XNTable/PXNTable already folded in.
//!   It fails only with what the walk itself finds: translation faults and
//!   external aborts on the walk. A `Walk` depends only on memory and the
//!   translation registers, not on the access, so the software TLB caches it.
//! - [`Walk::check`] decides one access (read, write or execute, privileged
//!   or not) against the walk, SCTLR (AFE, WXN, UWXN) and DACR: access flag,
//!   domain and permission faults. DACR is read here, not in `walk`, so a
//!   DACR write need not invalidate cached walks (docs/system.md).
//! - [`translate`] is the two together; [`par_for`] turns either outcome
//!   into the PAR value an ATS1C** operation writes.
//! - Fault statuses are `u32` in the layout `FaultKind::Mmu` documents, in
//!   the format of the walk: short descriptors put FS[3:0] in bits 3:0,
//!   FS[4] in bit 10 and the domain in bits 7:4; long descriptors put STATUS
//!   in bits 5:0 and set bit 9 (the FSR's LPAE bit). WnR is never included:
//!   the core adds it (and must clear bits 7:4 for IFSR, which has no domain
//!   field). [`alignment_status`], [`debug_status`] and
//!   [`external_abort_status`] give the other statuses the core and the bus
//!   raise, in the current format.
//!
//! Not modelled: the Security Extensions' NS/NSTable bits (the CPU runs in
//! Non-secure state, as on QEMU's `virt` without EL3, so one physical
//! address space), stage 2, Hyp mode, hardware access-flag management (the
//! Cortex-A15 has none), parity errors and the contiguous hint (a hint only).

use rsemu_core::mem::{Access, MmuState};

// ---------------------------------------------------------------------------
// System register fields (the SCTLR and TTBCR descriptions in B4.1).

/// SCTLR.M: stage 1 translation enabled.
pub const SCTLR_M: u32 = 1 << 0;
/// SCTLR.WXN: any region writable at a privilege level is execute-never
/// (Virtualization Extensions, which the Cortex-A15 has).
pub const SCTLR_WXN: u32 = 1 << 19;
/// SCTLR.UWXN: a region writable at PL0 is execute-never at PL1.
pub const SCTLR_UWXN: u32 = 1 << 20;
/// SCTLR.TRE: TEX remap (PRRR/NMRR decide short-descriptor attributes).
pub const SCTLR_TRE: u32 = 1 << 28;
/// SCTLR.AFE: short-descriptor AP[0] is an access flag (simplified model).
pub const SCTLR_AFE: u32 = 1 << 29;

/// TTBCR.EAE: long descriptors.
pub const TTBCR_EAE: u32 = 1 << 31;
/// TTBCR.N (short descriptors): TTBR0 translates VAs whose top N bits are 0.
const TTBCR_N_MASK: u32 = 0x7;
/// TTBCR.PD0 (short descriptors): a TLB miss in TTBR0's range faults.
pub const TTBCR_PD0: u32 = 1 << 4;
/// TTBCR.PD1 (short descriptors): the same for TTBR1.
pub const TTBCR_PD1: u32 = 1 << 5;
/// TTBCR.T0SZ (long descriptors), bits 2:0.
const TTBCR_T0SZ_SHIFT: u32 = 0;
/// TTBCR.EPD0 (long descriptors): walks from TTBR0 are disabled.
pub const TTBCR_EPD0: u32 = 1 << 7;
/// TTBCR.T1SZ (long descriptors), bits 18:16.
const TTBCR_T1SZ_SHIFT: u32 = 16;
/// TTBCR.EPD1 (long descriptors): walks from TTBR1 are disabled.
pub const TTBCR_EPD1: u32 = 1 << 23;
/// Width of T0SZ and T1SZ: 3 bits in ARMv7 (bits above are SBZ).
const TTBCR_TXSZ_MASK: u32 = 0x7;

/// TTBR1's table base with short descriptors, bits 31:14 (TTBR0's is
/// bits 31:14-N).
const SD_TTBR_BASE_MASK: u32 = 0xffff_c000;

// DACR (B3.7, domains): two bits per domain. 0b00 is No access (a domain
// fault); 0b10 is reserved (UNPREDICTABLE) and, as in QEMU and the ARMv5/v6
// cores' documented behaviour, also a domain fault.
/// Client: the descriptors' permissions are checked.
const DACR_CLIENT: u32 = 0b01;
/// Manager: nothing is checked.
const DACR_MANAGER: u32 = 0b11;

// PRRR / NMRR fields for TEX remap (B3.8.3).
const PRRR_DS0: u32 = 1 << 16;
const PRRR_DS1: u32 = 1 << 17;
const PRRR_NS0: u32 = 1 << 18;
const PRRR_NS1: u32 = 1 << 19;
const PRRR_NOS_SHIFT: u32 = 24;
const NMRR_OR_SHIFT: u32 = 16;
const PRRR_TR_STRONGLY_ORDERED: u32 = 0b00;
const PRRR_TR_DEVICE: u32 = 0b01;

// ---------------------------------------------------------------------------
// Short-descriptor format (B3.5.1, Linux pgtable-2level-hwdef.h).

/// Descriptor type, bits 1:0 (both levels).
const SD_TYPE_MASK: u32 = 0b11;
/// Level 1: invalid. Level 2: invalid.
const SD_TYPE_FAULT: u32 = 0b00;
/// Level 1: page table. Level 2: large page.
const SD_TYPE_TABLE_OR_LARGE: u32 = 0b01;
// Level 1 0b1x: section or supersection, bit 0 being PXN on CPUs with LPAE
// (the Cortex-A15). Level 2 0b1x: small page, bit 0 being XN.

/// Level 1 page-table descriptor: PXN for every page of the table.
const SD_L1_TABLE_PXN: u32 = 1 << 2;
/// Level 1 page-table descriptor: level 2 table address, bits 31:10.
const SD_L1_TABLE_BASE_MASK: u32 = 0xffff_fc00;
/// Domain, bits 8:5 (page tables and sections).
const SD_L1_DOMAIN_SHIFT: u32 = 5;
const SD_DOMAIN_MASK: u32 = 0xf;

/// Section/supersection: PXN (bit 0 of a 0b11 descriptor).
const SD_SECT_PXN: u32 = 1 << 0;
/// Section: B (bit 2) and C (bit 3), as for small and large pages.
const SD_B: u32 = 1 << 2;
const SD_C: u32 = 1 << 3;
/// Section: XN.
const SD_SECT_XN: u32 = 1 << 4;
/// Section: AP[1:0] at bits 11:10.
const SD_SECT_AP_SHIFT: u32 = 10;
/// Section: TEX[2:0] at bits 14:12.
const SD_SECT_TEX_SHIFT: u32 = 12;
/// Section: AP[2].
const SD_SECT_APX: u32 = 1 << 15;
/// Section: S (shareable).
const SD_SECT_S: u32 = 1 << 16;
/// Section: nG.
const SD_SECT_NG: u32 = 1 << 17;
/// Section: 1 = supersection.
const SD_SECT_SUPER: u32 = 1 << 18;
/// Section base address, bits 31:20.
const SD_SECT_BASE_MASK: u32 = 0xfff0_0000;
/// Supersection base address PA[31:24], bits 31:24.
const SD_SUPER_BASE_MASK: u32 = 0xff00_0000;
/// Supersection extended base PA[35:32], bits 23:20.
const SD_SUPER_PA35_32_SHIFT: u32 = 20;
/// Supersection extended base PA[39:36], bits 8:5 (where a section has its
/// domain: supersections are always in domain 0).
const SD_SUPER_PA39_36_SHIFT: u32 = 5;

/// Small page: XN (bit 0).
const SD_SMALL_XN: u32 = 1 << 0;
/// Small and large page: AP[1:0] at bits 5:4.
const SD_PAGE_AP_SHIFT: u32 = 4;
/// Small page: TEX[2:0] at bits 8:6.
const SD_SMALL_TEX_SHIFT: u32 = 6;
/// Small and large page: AP[2].
const SD_PAGE_APX: u32 = 1 << 9;
/// Small and large page: S.
const SD_PAGE_S: u32 = 1 << 10;
/// Small and large page: nG.
const SD_PAGE_NG: u32 = 1 << 11;
/// Large page: TEX[2:0] at bits 14:12.
const SD_LARGE_TEX_SHIFT: u32 = 12;
/// Large page: XN.
const SD_LARGE_XN: u32 = 1 << 15;
/// Large page base address, bits 31:16.
const SD_LARGE_BASE_MASK: u32 = 0xffff_0000;
/// Small page base address, bits 31:12.
const SD_SMALL_BASE_MASK: u32 = 0xffff_f000;

// ---------------------------------------------------------------------------
// Long-descriptor format (B3.6.1, Linux pgtable-3level-hwdef.h).

/// Bit 0: valid.
const LD_VALID: u64 = 1 << 0;
/// Bit 1: table (levels 1 and 2) or page (level 3); clear: block (levels 1
/// and 2) or reserved (level 3, a translation fault).
const LD_TABLE_OR_PAGE: u64 = 1 << 1;
/// AttrIndx[2:0], bits 4:2: selects a MAIR0/MAIR1 byte.
const LD_ATTRINDX_SHIFT: u32 = 2;
/// AP[1]: access from PL0 permitted.
const LD_AP1: u64 = 1 << 6;
/// AP[2]: read-only.
const LD_AP2: u64 = 1 << 7;
/// SH[1:0], bits 9:8.
const LD_SH_SHIFT: u32 = 8;
/// AF: access flag.
const LD_AF: u64 = 1 << 10;
/// nG.
const LD_NG: u64 = 1 << 11;
/// PXN.
const LD_PXN: u64 = 1 << 53;
/// XN.
const LD_XN: u64 = 1 << 54;
/// Table descriptor: PXNTable (PXN for everything below).
const LD_PXNTABLE: u64 = 1 << 59;
/// Table descriptor: XNTable.
const LD_XNTABLE: u64 = 1 << 60;
/// Table descriptor: APTable[0], no PL0 access below.
const LD_APTABLE0: u64 = 1 << 61;
/// Table descriptor: APTable[1], no write access below.
const LD_APTABLE1: u64 = 1 << 62;
/// Output and next-table addresses: bits 39:12 (ARMv7 has 40-bit physical
/// addresses; bits 47:40 are SBZ and ignored, ARMv7 having no address size
/// fault).
const LD_ADDR_MASK: u64 = 0x00ff_ffff_f000;
/// A 40-bit physical address.
const PA40_MASK: u64 = (1 << 40) - 1;
/// SH[1:0] value for Outer Shareable.
const SH_OUTER: u8 = 0b10;
/// SH[1:0] value for Inner Shareable.
const SH_INNER: u8 = 0b11;
/// SH[1:0] value for Non-shareable.
const SH_NONE: u8 = 0b00;

// ---------------------------------------------------------------------------
// Fault status encodings.

/// Short-descriptor FS[4:0] values, ARM DDI 0406C table B3-23.
pub mod sd_fs {
    /// Alignment fault.
    pub const ALIGNMENT: u32 = 0b00001;
    /// Debug event.
    pub const DEBUG: u32 = 0b00010;
    /// Access flag fault, section (level 1).
    pub const ACCESS_FLAG_SECTION: u32 = 0b00011;
    /// Translation fault, section (level 1).
    pub const TRANSLATION_SECTION: u32 = 0b00101;
    /// Access flag fault, page (level 2).
    pub const ACCESS_FLAG_PAGE: u32 = 0b00110;
    /// Translation fault, page (level 2).
    pub const TRANSLATION_PAGE: u32 = 0b00111;
    /// Synchronous external abort, not on a translation table walk.
    pub const EXTERNAL_ABORT: u32 = 0b01000;
    /// Domain fault, section (level 1).
    pub const DOMAIN_SECTION: u32 = 0b01001;
    /// Domain fault, page (level 2).
    pub const DOMAIN_PAGE: u32 = 0b01011;
    /// Synchronous external abort on a translation table walk, level 1.
    pub const WALK_EXTERNAL_ABORT_L1: u32 = 0b01100;
    /// Permission fault, section (level 1).
    pub const PERMISSION_SECTION: u32 = 0b01101;
    /// Synchronous external abort on a translation table walk, level 2.
    pub const WALK_EXTERNAL_ABORT_L2: u32 = 0b01110;
    /// Permission fault, page (level 2).
    pub const PERMISSION_PAGE: u32 = 0b01111;
}

/// Long-descriptor STATUS[5:0] values, ARM DDI 0406C table B3-24. The
/// by-level ones have the level (1 to 3) in bits 1:0.
pub mod ld_status {
    /// Translation fault, plus the level.
    pub const TRANSLATION: u32 = 0b000100;
    /// Access flag fault, plus the level.
    pub const ACCESS_FLAG: u32 = 0b001000;
    /// Permission fault, plus the level.
    pub const PERMISSION: u32 = 0b001100;
    /// Synchronous external abort, not on a translation table walk.
    pub const EXTERNAL_ABORT: u32 = 0b010000;
    /// Synchronous external abort on a translation table walk, plus the
    /// level.
    pub const WALK_EXTERNAL_ABORT: u32 = 0b010100;
    /// Alignment fault.
    pub const ALIGNMENT: u32 = 0b100001;
    /// Debug event.
    pub const DEBUG: u32 = 0b100010;
}

/// FSR bit 9: the status is in the long-descriptor format.
pub const FSR_LPAE: u32 = 1 << 9;
/// Short-descriptor FSR: FS[4] lives in bit 10.
const FSR_FS4: u32 = 1 << 10;
/// Short-descriptor FSR: FS[3:0] in bits 3:0.
const FSR_FS_LOW_MASK: u32 = 0xf;
/// Short-descriptor FSR: the domain in bits 7:4.
const FSR_DOMAIN_SHIFT: u32 = 4;
/// Short-descriptor FSR: ExT (external abort type), bit 12. Never set here
/// (IMPLEMENTATION DEFINED; an unmapped physical address is a decode error,
/// which reports 0), but carried into the PAR if a caller sets it.
const FSR_EXT: u32 = 1 << 12;
/// Long-descriptor FSR: STATUS in bits 5:0.
const FSR_STATUS_MASK: u32 = 0x3f;

/// A short-descriptor status: FS[4:0] split as the FSR holds it, and the
/// domain.
fn sd_status(fs: u32, domain: u8) -> u32 {
    (fs & FSR_FS_LOW_MASK)
        | if fs & 0x10 != 0 { FSR_FS4 } else { 0 }
        | (u32::from(domain) & SD_DOMAIN_MASK) << FSR_DOMAIN_SHIFT
}

/// A long-descriptor status.
fn ld_status(status: u32) -> u32 {
    FSR_LPAE | (status & FSR_STATUS_MASK)
}

/// A long-descriptor status of a by-level kind.
fn ld_status_at(kind: u32, level: u8) -> u32 {
    ld_status(kind | (u32::from(level) & 3))
}

/// The alignment fault status in the current format (B3-23: 0b00001,
/// B3-24: 0b100001).
pub fn alignment_status(state: &MmuState) -> u32 {
    if state.lpae() {
        ld_status(ld_status::ALIGNMENT)
    } else {
        sd_status(sd_fs::ALIGNMENT, 0)
    }
}

/// The debug event status in the current format (B3-23: 0b00010, B3-24:
/// 0b100010).
pub fn debug_status(state: &MmuState) -> u32 {
    if state.lpae() {
        ld_status(ld_status::DEBUG)
    } else {
        sd_status(sd_fs::DEBUG, 0)
    }
}

/// The status of a synchronous external abort on the access itself (not on
/// the walk), e.g. a physical address with neither RAM nor a device, in the
/// current format (B3-23: 0b01000, B3-24: 0b010000). The bus needs it.
pub fn external_abort_status(state: &MmuState) -> u32 {
    if state.lpae() {
        ld_status(ld_status::EXTERNAL_ABORT)
    } else {
        sd_status(sd_fs::EXTERNAL_ABORT, 0)
    }
}

// ---------------------------------------------------------------------------
// The walk.

/// Reads guest-physical memory for the walker: a 32-bit (short) or 64-bit
/// (long) little-endian descriptor at an aligned address. `None` is an
/// external abort on the walk (nothing, or a device that refuses, there).
pub trait PhysRead {
    /// A short descriptor.
    fn read_u32(&mut self, pa: u64) -> Option<u32>;
    /// A long descriptor.
    fn read_u64(&mut self, pa: u64) -> Option<u64>;
}

/// Which rules a [`Walk`] is checked by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Stage 1 translation off (SCTLR.M clear): identity, no checks.
    Off,
    /// Short descriptors (TTBCR.EAE clear).
    Short,
    /// Long descriptors (TTBCR.EAE set).
    Long,
}

/// A successful walk: where the page is and what its descriptors allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Walk {
    /// Physical address of the requested virtual address (40 bits at most).
    pub pa: u64,
    /// log2 of the mapping's size: 12 (small page, long-descriptor page),
    /// 16 (large page), 20 (section), 21 (level 2 block), 24
    /// (supersection), 30 (level 1 block); 32 with the MMU off (the whole
    /// address space is one identity mapping).
    pub page_bits: u8,
    /// Short-descriptor domain (0 for supersections, long descriptors and
    /// the MMU off).
    pub domain: u8,
    /// Not nG: the translation is valid for every ASID.
    pub global: bool,
    /// The format the descriptors were read in.
    pub format: Format,
    /// Level of the descriptor that mapped the address: 1 (section,
    /// supersection, level 1 block) to 3; 0 with the MMU off. Fault
    /// statuses from [`Walk::check`] report it.
    pub level: u8,
    /// Access permissions as the ARM ARM's `CheckPermission` takes them:
    /// short descriptors, AP[2:0] as in the descriptor (with SCTLR.AFE,
    /// AP[0] is the access flag and the check treats it as 1); long
    /// descriptors, the effective AP[2:1] (APTable folded in) in bits 2:1
    /// with bit 0 set, which the same table reads right.
    pub ap: u8,
    /// The access flag: long descriptors, AF; short descriptors, AP[0]
    /// (only checked when SCTLR.AFE is set).
    pub af: bool,
    /// Execute-never (long: XN or any XNTable on the way).
    pub xn: bool,
    /// Privileged execute-never (short: section bit 0 or the page table's
    /// PXN; long: PXN or any PXNTable).
    pub pxn: bool,
    /// Memory attributes in MAIR0/MAIR1 format (B3.8.4): 0x00 Strongly-ordered,
    /// 0x04 Device, otherwise Normal with the outer policy in bits 7:4 and
    /// the inner in bits 3:0. Short descriptors are decoded (through
    /// PRRR/NMRR when SCTLR.TRE is set) into the same form.
    pub attr: u8,
    /// Shareability as SH[1:0]: 0b00 Non-shareable, 0b10 Outer Shareable,
    /// 0b11 Inner Shareable.
    pub sh: u8,
}

impl Walk {
    /// The mapping with the MMU off: identity over the whole 32-bit space,
    /// everything allowed. Data accesses are Strongly-ordered then (B3.2.1;
    /// instruction fetches are Normal, but alignment does not matter for
    /// them).
    fn identity(va: u32) -> Walk {
        Walk {
            pa: u64::from(va),
            page_bits: 32,
            domain: 0,
            global: true,
            format: Format::Off,
            level: 0,
            ap: 0b011,
            af: true,
            xn: false,
            pxn: false,
            attr: 0x00,
            sh: SH_OUTER,
        }
    }

    /// Whether the memory is Device or Strongly-ordered (where unaligned
    /// accesses take an alignment fault whatever SCTLR.A says).
    pub fn is_device(&self) -> bool {
        self.attr & 0xf0 == 0
    }

    /// Checks an access of the given privilege against the descriptors,
    /// SCTLR and (short descriptors) DACR, in the ARM ARM's order: access
    /// flag, domain, permission (`TranslationTableWalkSD` raises the access
    /// flag fault before `CheckDomain` runs, so it is reported whatever the
    /// domain; QEMU checks the domain first and the access flag only for
    /// Client domains). Short descriptors: a No access (or reserved) domain
    /// is a domain fault, a Manager domain skips every other check (XN and
    /// PXN included, B3.7.2), a Client domain checks AP, XN and PXN. Long
    /// descriptors always check AF and the permissions. `Err` is the fault
    /// status in the walk's format, without WnR.
    pub fn check(&self, state: &MmuState, access: Access, privileged: bool) -> Result<(), u32> {
        match self.format {
            Format::Off => Ok(()),
            Format::Short => {
                let page = self.level == 2;
                let afe = state.sctlr & SCTLR_AFE != 0;
                if afe && !self.af {
                    let fs = if page {
                        sd_fs::ACCESS_FLAG_PAGE
                    } else {
                        sd_fs::ACCESS_FLAG_SECTION
                    };
                    return Err(sd_status(fs, self.domain));
                }
                let shift = 2 * u32::from(self.domain & SD_DOMAIN_MASK as u8);
                match (state.dacr >> shift) & 0b11 {
                    DACR_MANAGER => return Ok(()),
                    DACR_CLIENT => {}
                    // No access (0b00) and reserved (0b10).
                    _ => {
                        let fs = if page {
                            sd_fs::DOMAIN_PAGE
                        } else {
                            sd_fs::DOMAIN_SECTION
                        };
                        return Err(sd_status(fs, self.domain));
                    }
                }
                // The simplified model reads permissions from AP[2:1] only:
                // the pseudocode sets perms.ap<0> to 1 when SCTLR.AFE is set.
                let ap = if afe { self.ap | 1 } else { self.ap };
                if self.permits(state, ap, access, privileged) {
                    Ok(())
                } else {
                    let fs = if page {
                        sd_fs::PERMISSION_PAGE
                    } else {
                        sd_fs::PERMISSION_SECTION
                    };
                    Err(sd_status(fs, self.domain))
                }
            }
            Format::Long => {
                if !self.af {
                    return Err(ld_status_at(ld_status::ACCESS_FLAG, self.level));
                }
                if self.permits(state, self.ap, access, privileged) {
                    Ok(())
                } else {
                    Err(ld_status_at(ld_status::PERMISSION, self.level))
                }
            }
        }
    }

    /// The permission part of the check, both formats.
    fn permits(&self, state: &MmuState, ap: u8, access: Access, privileged: bool) -> bool {
        let (read, write) = ap_permits(ap, privileged);
        match access {
            Access::Read => read,
            Access::Write => write,
            Access::Exec => {
                // B3.7.2: a fetch needs read permission at the current
                // level and no XN; PXN forbids PL1 fetches; WXN makes any
                // writable region XN and UWXN makes regions writable at PL0
                // XN for PL1. QEMU applies WXN/UWXN to long descriptors
                // only; the ARM ARM ties them to neither format.
                let wxn = state.sctlr & SCTLR_WXN != 0 && write;
                let uwxn = privileged && state.sctlr & SCTLR_UWXN != 0 && ap_permits(ap, false).1;
                let never = self.xn || (privileged && self.pxn) || wxn || uwxn;
                read && !never
            }
        }
    }
}

/// (read, write) permitted by AP[2:0] at PL1 (`privileged`) or PL0: the
/// ARM ARM's `CheckPermission` table (B3.7.1, SCTLR.AFE = 0 model). With
/// AP[0] = 1 it is also the simplified AP[2:1] model and the long format's.
fn ap_permits(ap: u8, privileged: bool) -> (bool, bool) {
    match ap & 0b111 {
        0b000 => (false, false),
        0b001 => (privileged, privileged),
        0b010 => (true, privileged),
        0b011 => (true, true),
        // Reserved (UNPREDICTABLE): no access, as QEMU does.
        0b100 => (false, false),
        0b101 => (privileged, false),
        // 0b110 is the deprecated encoding of 0b111.
        _ => (true, false),
    }
}

/// Walks the translation tables for `va` (MMU off: identity mapping with
/// everything allowed). `Err` is a translation fault or an external abort
/// on the walk, with its level, in the current format.
pub fn walk(state: &MmuState, va: u32, mem: &mut dyn PhysRead) -> Result<Walk, u32> {
    if state.sctlr & SCTLR_M == 0 {
        Ok(Walk::identity(va))
    } else if state.ttbcr & TTBCR_EAE != 0 {
        walk_long(state, va, mem)
    } else {
        walk_short(state, va, mem)
    }
}

/// Convenience: [`walk`] then [`Walk::check`].
pub fn translate(
    state: &MmuState,
    va: u32,
    access: Access,
    privileged: bool,
    mem: &mut dyn PhysRead,
) -> Result<Walk, u32> {
    let w = walk(state, va, mem)?;
    w.check(state, access, privileged)?;
    Ok(w)
}

/// The short-descriptor walk (B3.5, pseudocode `TranslationTableWalkSD`).
fn walk_short(state: &MmuState, va: u32, mem: &mut dyn PhysRead) -> Result<Walk, u32> {
    // B3.5.4: with N > 0, VAs whose top N bits are not all zero use TTBR1.
    // TTBR0's table then covers 2^(32-N) bytes and is 16 KB >> N long.
    let n = state.ttbcr & TTBCR_N_MASK;
    let use_ttbr1 = n != 0 && va >> (32 - n) != 0;
    let l1_addr = if use_ttbr1 {
        if state.ttbcr & TTBCR_PD1 != 0 {
            return Err(sd_status(sd_fs::TRANSLATION_SECTION, 0));
        }
        (state.ttbr1 as u32 & SD_TTBR_BASE_MASK) | (va >> 20) << 2
    } else {
        if state.ttbcr & TTBCR_PD0 != 0 {
            return Err(sd_status(sd_fs::TRANSLATION_SECTION, 0));
        }
        // Base bits 31:14-N (the table shrinks, so its alignment does);
        // index VA[31-N:20] (the top N bits are zero).
        let base = state.ttbr0 as u32 & (u32::MAX << (14 - n));
        base | ((va >> 20) & (0xfff >> n)) << 2
    };
    let l1 = mem
        .read_u32(u64::from(l1_addr))
        .ok_or(sd_status(sd_fs::WALK_EXTERNAL_ABORT_L1, 0))?;

    match l1 & SD_TYPE_MASK {
        SD_TYPE_FAULT => Err(sd_status(sd_fs::TRANSLATION_SECTION, 0)),
        SD_TYPE_TABLE_OR_LARGE => {
            // A page table: the domain and PXN come from here, the rest
            // from the level 2 descriptor. Faults from now on report the
            // domain (the DFSR's Domain field is valid for them). The
            // domain is checked later, by `Walk::check`: the ARM ARM reads
            // the level 2 descriptor first (`TranslationTableWalkSD`, then
            // `CheckDomain`), so an invalid one in a No access domain is a
            // page translation fault. QEMU checks the domain before reading
            // it and reports a domain fault.
            let domain = ((l1 >> SD_L1_DOMAIN_SHIFT) & SD_DOMAIN_MASK) as u8;
            let pxn = l1 & SD_L1_TABLE_PXN != 0;
            let l2_addr = (l1 & SD_L1_TABLE_BASE_MASK) | ((va >> 12) & 0xff) << 2;
            let l2 = mem
                .read_u32(u64::from(l2_addr))
                .ok_or(sd_status(sd_fs::WALK_EXTERNAL_ABORT_L2, domain))?;
            let ap = (u8::from(l2 & SD_PAGE_APX != 0) << 2) | ((l2 >> SD_PAGE_AP_SHIFT) & 3) as u8;
            let (pa, page_bits, xn, tex) = match l2 & SD_TYPE_MASK {
                SD_TYPE_FAULT => return Err(sd_status(sd_fs::TRANSLATION_PAGE, domain)),
                SD_TYPE_TABLE_OR_LARGE => (
                    (l2 & SD_LARGE_BASE_MASK) | (va & 0xffff),
                    16,
                    l2 & SD_LARGE_XN != 0,
                    (l2 >> SD_LARGE_TEX_SHIFT) & 7,
                ),
                _ => (
                    (l2 & SD_SMALL_BASE_MASK) | (va & 0xfff),
                    12,
                    l2 & SD_SMALL_XN != 0,
                    (l2 >> SD_SMALL_TEX_SHIFT) & 7,
                ),
            };
            let (attr, sh) = short_attrs(
                state,
                tex,
                l2 & SD_C != 0,
                l2 & SD_B != 0,
                l2 & SD_PAGE_S != 0,
            );
            Ok(Walk {
                pa: u64::from(pa),
                page_bits,
                domain,
                global: l2 & SD_PAGE_NG == 0,
                format: Format::Short,
                level: 2,
                ap,
                af: ap & 1 != 0,
                xn,
                pxn,
                attr,
                sh,
            })
        }
        _ => {
            // Section or supersection; 0b11 is the same with PXN set.
            let ap = (u8::from(l1 & SD_SECT_APX != 0) << 2) | ((l1 >> SD_SECT_AP_SHIFT) & 3) as u8;
            let (pa, page_bits, domain) = if l1 & SD_SECT_SUPER != 0 {
                let pa = u64::from(l1 & SD_SUPER_BASE_MASK)
                    | u64::from((l1 >> SD_SUPER_PA35_32_SHIFT) & 0xf) << 32
                    | u64::from((l1 >> SD_SUPER_PA39_36_SHIFT) & 0xf) << 36
                    | u64::from(va & 0x00ff_ffff);
                (pa, 24, 0)
            } else {
                let pa = u64::from((l1 & SD_SECT_BASE_MASK) | (va & 0x000f_ffff));
                (pa, 20, ((l1 >> SD_L1_DOMAIN_SHIFT) & SD_DOMAIN_MASK) as u8)
            };
            let tex = (l1 >> SD_SECT_TEX_SHIFT) & 7;
            let (attr, sh) = short_attrs(
                state,
                tex,
                l1 & SD_C != 0,
                l1 & SD_B != 0,
                l1 & SD_SECT_S != 0,
            );
            Ok(Walk {
                pa,
                page_bits,
                domain,
                global: l1 & SD_SECT_NG == 0,
                format: Format::Short,
                level: 1,
                ap,
                af: ap & 1 != 0,
                xn: l1 & SD_SECT_XN != 0,
                pxn: l1 & SD_SECT_PXN != 0,
                attr,
                sh,
            })
        }
    }
}

/// A short-descriptor cache policy (NMRR IRn/ORn, TEX[1:0], C:B of a
/// cacheable TEX = 1xx) as a MAIR nibble: 0b00 Non-cacheable, 0b01
/// Write-Back Write-Allocate, 0b10 Write-Through no Write-Allocate, 0b11
/// Write-Back no Write-Allocate (B3.8.2, B3.8.3).
fn policy_nibble(policy: u32) -> u8 {
    match policy & 3 {
        0b00 => 0b0100,
        0b01 => 0b1111,
        0b10 => 0b1010,
        _ => 0b1110,
    }
}

/// Short-descriptor memory attributes as (MAIR-format byte, SH[1:0]), from
/// TEX[2:0], C, B and S: with SCTLR.TRE through PRRR/NMRR (B3.8.3), else by
/// the fixed TEX/C/B table (B3.8.2).
fn short_attrs(state: &MmuState, tex: u32, c: bool, b: bool, s: bool) -> (u8, u8) {
    const SO: u8 = 0x00;
    const DEVICE: u8 = 0x04;
    const NC: u8 = 0x44;
    let cb = (u32::from(c) << 1) | u32::from(b);
    let normal_sh = if s { SH_OUTER } else { SH_NONE };
    if state.sctlr & SCTLR_TRE != 0 {
        let n = ((tex & 1) << 2) | cb;
        match (state.prrr >> (2 * n)) & 3 {
            PRRR_TR_STRONGLY_ORDERED => (SO, SH_OUTER),
            PRRR_TR_DEVICE => {
                let ds = if s { PRRR_DS1 } else { PRRR_DS0 };
                (
                    DEVICE,
                    if state.prrr & ds != 0 {
                        SH_OUTER
                    } else {
                        SH_NONE
                    },
                )
            }
            // 0b10 Normal; 0b11 is reserved and taken as Normal too.
            _ => {
                let inner = policy_nibble(state.nmrr >> (2 * n));
                let outer = policy_nibble(state.nmrr >> (NMRR_OR_SHIFT + 2 * n));
                let ns = if s { PRRR_NS1 } else { PRRR_NS0 };
                let sh = if state.prrr & ns == 0 {
                    SH_NONE
                } else if state.prrr & (1 << (PRRR_NOS_SHIFT + n)) != 0 {
                    // NOSn set: Inner Shareable, not Outer.
                    SH_INNER
                } else {
                    SH_OUTER
                };
                ((outer << 4) | inner, sh)
            }
        }
    } else {
        match (tex, cb) {
            (0b000, 0b00) => (SO, SH_OUTER),
            (0b000, 0b01) => (DEVICE, SH_OUTER),
            (0b000, 0b10) => (0xaa, normal_sh),
            (0b000, 0b11) => (0xee, normal_sh),
            (0b001, 0b00) => (NC, normal_sh),
            (0b001, 0b11) => (0xff, normal_sh),
            (0b010, 0b00) => (DEVICE, SH_NONE),
            (0b100..=0b111, _) => {
                let outer = policy_nibble(tex);
                let inner = policy_nibble(cb);
                ((outer << 4) | inner, normal_sh)
            }
            // Reserved or IMPLEMENTATION DEFINED encodings: Normal
            // Non-cacheable, the least surprising reading.
            _ => (NC, normal_sh),
        }
    }
}

/// The long-descriptor walk (B3.6, pseudocode `TranslationTableWalkLD`).
fn walk_long(state: &MmuState, va: u32, mem: &mut dyn PhysRead) -> Result<Walk, u32> {
    let t0sz = (state.ttbcr >> TTBCR_T0SZ_SHIFT) & TTBCR_TXSZ_MASK;
    let t1sz = (state.ttbcr >> TTBCR_T1SZ_SHIFT) & TTBCR_TXSZ_MASK;
    // B3.6.4: TTBR0 translates VAs whose top T0SZ bits are zero (all of
    // them when T0SZ is 0); TTBR1 those whose top T1SZ bits are ones, or
    // with T1SZ = 0 everything TTBR0 does not. TTBR1 is tested second and
    // wins, which gives T0SZ = 0, T1SZ > 0 its documented split. A VA in
    // neither range, or in a range whose walks EPDn disables, is a level 1
    // translation fault (the pseudocode sets level = 1).
    let in_ttbr0 = t0sz == 0 || va >> (32 - t0sz) == 0;
    let in_ttbr1 = if t1sz == 0 {
        !in_ttbr0
    } else {
        va >> (32 - t1sz) == (1 << t1sz) - 1
    };
    let (ttbr, tsz, disabled) = if in_ttbr1 {
        (state.ttbr1, t1sz, state.ttbcr & TTBCR_EPD1 != 0)
    } else if in_ttbr0 {
        (state.ttbr0, t0sz, state.ttbcr & TTBCR_EPD0 != 0)
    } else {
        return Err(ld_status_at(ld_status::TRANSLATION, 1));
    };
    if disabled {
        return Err(ld_status_at(ld_status::TRANSLATION, 1));
    }

    // The input address has 32 - TxSZ bits; level 1 resolves bits 31:30, so
    // with TxSZ > 1 the walk starts at level 2. The first table holds just
    // the entries the input size needs and is aligned to its size: TTBR
    // bits 39:x with x = 5 - TxSZ (level 1) or 14 - TxSZ (level 2). Lower
    // bits are SBZ; they are ignored, as QEMU does.
    let input_bits = 32 - tsz;
    let start: u8 = if tsz <= 1 { 1 } else { 2 };
    let base_low = if start == 1 { 5 - tsz } else { 14 - tsz };
    let mut table = ttbr & PA40_MASK & !((1u64 << base_low) - 1);

    let mut level = start;
    // Hierarchical attributes gathered from table descriptors (B3.6.1):
    // each only ever takes permission away.
    let mut no_write = false;
    let mut no_pl0 = false;
    let mut xn_table = false;
    let mut pxn_table = false;
    loop {
        // Level 1 resolves VA[31:30], level 2 VA[29:21], level 3 VA[20:12].
        let shift = 12 + 9 * (3 - u32::from(level));
        let index_bits = if level == start {
            input_bits - shift
        } else {
            9
        };
        let index = (u64::from(va) >> shift) & ((1 << index_bits) - 1);
        let desc = mem
            .read_u64(table | index << 3)
            .ok_or(ld_status_at(ld_status::WALK_EXTERNAL_ABORT, level))?;
        if desc & LD_VALID == 0 || (level == 3 && desc & LD_TABLE_OR_PAGE == 0) {
            // Invalid, or the reserved 0b01 encoding at level 3.
            return Err(ld_status_at(ld_status::TRANSLATION, level));
        }
        if level < 3 && desc & LD_TABLE_OR_PAGE != 0 {
            no_write |= desc & LD_APTABLE1 != 0;
            no_pl0 |= desc & LD_APTABLE0 != 0;
            xn_table |= desc & LD_XNTABLE != 0;
            pxn_table |= desc & LD_PXNTABLE != 0;
            table = desc & LD_ADDR_MASK;
            level += 1;
            continue;
        }

        // A block (levels 1, 2) or a page (level 3): its output address
        // bits 39:shift; bits below (SBZ in a block) are ignored.
        let offset_mask = (1u64 << shift) - 1;
        let pa = (desc & LD_ADDR_MASK & !offset_mask) | (u64::from(va) & offset_mask);
        // APTable[1] forces AP[2] (read-only), APTable[0] clears AP[1]
        // (no PL0 access): the pseudocode's combination.
        let ap2 = desc & LD_AP2 != 0 || no_write;
        let ap1 = desc & LD_AP1 != 0 && !no_pl0;
        let ap = (u8::from(ap2) << 2) | (u8::from(ap1) << 1) | 1;
        let attr_index = ((desc >> LD_ATTRINDX_SHIFT) & 7) as u32;
        let mair = if attr_index < 4 {
            state.prrr
        } else {
            state.nmrr
        };
        let attr = (mair >> (8 * (attr_index & 3))) as u8;
        // Device and Strongly-ordered memory is Outer Shareable whatever SH
        // says; SH = 0b01 is reserved and read as Non-shareable.
        let sh = match ((desc >> LD_SH_SHIFT) & 3) as u8 {
            _ if attr & 0xf0 == 0 => SH_OUTER,
            0b01 => SH_NONE,
            sh => sh,
        };
        return Ok(Walk {
            pa,
            page_bits: shift as u8,
            domain: 0,
            global: desc & LD_NG == 0,
            format: Format::Long,
            level,
            ap,
            af: desc & LD_AF != 0,
            xn: desc & LD_XN != 0 || xn_table,
            pxn: desc & LD_PXN != 0 || pxn_table,
            attr,
            sh,
        });
    }
}

// ---------------------------------------------------------------------------
// PAR (B4.1.112).

/// PAR.F: the translation faulted.
const PAR_F: u64 = 1 << 0;
/// Short PAR.SS: the PA is a supersection's (PAR[23:16] = PA[39:32]).
const PAR_SS: u64 = 1 << 1;
/// Short PAR: Outer[1:0] at bits 3:2.
const PAR_OUTER_SHIFT: u32 = 2;
/// Short PAR: Inner[2:0] at bits 6:4.
const PAR_INNER_SHIFT: u32 = 4;
/// Short PAR.SH: shareable.
const PAR_SD_SH: u64 = 1 << 7;
/// Long PAR: SH[1:0] at bits 8:7.
const PAR_LD_SH_SHIFT: u32 = 7;
/// PAR.NS: the Non-secure attribute. The architecture leaves it UNKNOWN
/// for a walk done in Non-secure state; it is set, as QEMU's `virt` board
/// (no EL3, so Non-secure) reports it.
const PAR_NS: u64 = 1 << 9;
/// Short PAR.NOS: shareable but not Outer Shareable.
const PAR_SD_NOS: u64 = 1 << 10;
/// PAR.LPAE: the 64-bit long-descriptor layout.
const PAR_LPAE: u64 = 1 << 11;
/// Short PAR (fault): FS[4:0] at bits 5:1, ExT at bit 6.
const PAR_SD_FS_SHIFT: u32 = 1;
const PAR_SD_EXT: u64 = 1 << 6;
/// Long PAR (fault): FST (STATUS) at bits 6:1.
const PAR_LD_FST_SHIFT: u32 = 1;
/// Long PAR: ATTR, a MAIR-format byte, at bits 63:56.
const PAR_LD_ATTR_SHIFT: u32 = 56;

/// A MAIR nibble as the short PAR's cache policy code: 0b00 Non-cacheable,
/// 0b01 Write-Back Write-Allocate, 0b10 Write-Through, 0b11 Write-Back no
/// Write-Allocate.
fn par_policy(nibble: u8) -> u64 {
    let write_allocate = nibble & 0b0001 != 0;
    match nibble & 0xf {
        // Non-cacheable (0b0000 is not a Normal policy at all).
        0b0100 | 0b0000 => 0b00,
        // 0b10RW Write-Through, 0b00RW Write-Through transient.
        n if n & 0b0100 == 0 => 0b10,
        // 0b11RW Write-Back, 0b01RW Write-Back transient.
        _ if write_allocate => 0b01,
        _ => 0b11,
    }
}

/// The PAR value the ATS1C** operations write for this result: a 32-bit
/// short-descriptor PAR (zero-extended) unless TTBCR.EAE is set, then the
/// 64-bit long-descriptor PAR with bit 11 (LPAE) set. Both for a success
/// (PA, memory attributes, NS) and a fault (F, the status; the fault status
/// must be in the current format, as [`walk`] and [`Walk::check`] return
/// it under the same `state`).
pub fn par_for(state: &MmuState, result: &Result<Walk, u32>) -> u64 {
    let lpae = state.ttbcr & TTBCR_EAE != 0;
    match (result, lpae) {
        (Ok(w), true) => {
            (w.pa & LD_ADDR_MASK)
                | u64::from(w.attr) << PAR_LD_ATTR_SHIFT
                | u64::from(w.sh & 3) << PAR_LD_SH_SHIFT
                | PAR_NS
                | PAR_LPAE
        }
        (Ok(w), false) => {
            // Supersections report PA[39:32] in PAR[23:16] (B4.1.112);
            // QEMU drops those bits.
            let pa = if w.format == Format::Short && w.page_bits == 24 {
                (w.pa & 0xff00_0000) | ((w.pa >> 32) & 0xff) << 16 | PAR_SS
            } else {
                w.pa & 0xffff_f000
            };
            // Inner[2:0]: 0b001 Strongly-ordered, 0b011 Device, else the
            // Normal policy (0b000 Non-cacheable, 0b1pp cacheable);
            // Outer[1:0] the Normal outer policy (0 for Device). QEMU
            // reports no attributes here.
            let (inner, outer) = if w.is_device() {
                (if w.attr == 0 { 0b001 } else { 0b011 }, 0)
            } else {
                let inner = match par_policy(w.attr) {
                    0 => 0,
                    p => 0b100 | p,
                };
                (inner, par_policy(w.attr >> 4))
            };
            let sh = match w.sh & 3 {
                SH_OUTER => PAR_SD_SH,
                SH_INNER => PAR_SD_SH | PAR_SD_NOS,
                _ => 0,
            };
            pa | inner << PAR_INNER_SHIFT | outer << PAR_OUTER_SHIFT | sh | PAR_NS
        }
        (Err(status), true) => {
            PAR_F | PAR_LPAE | u64::from(status & FSR_STATUS_MASK) << PAR_LD_FST_SHIFT
        }
        (Err(status), false) => {
            let fs = (status & FSR_FS_LOW_MASK) | if status & FSR_FS4 != 0 { 0x10 } else { 0 };
            let ext = if status & FSR_EXT != 0 { PAR_SD_EXT } else { 0 };
            PAR_F | u64::from(fs) << PAR_SD_FS_SHIFT | ext
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::ops::Range;

    // ---- fake physical memory -------------------------------------------

    /// Sparse physical memory of 32-bit words (0 where unwritten), with
    /// ranges that abort.
    #[derive(Default)]
    struct Phys {
        words: HashMap<u64, u32>,
        abort: Option<Range<u64>>,
        reads: usize,
    }

    impl Phys {
        fn w32(&mut self, pa: u64, v: u32) {
            assert_eq!(pa % 4, 0);
            self.words.insert(pa, v);
        }
        fn w64(&mut self, pa: u64, v: u64) {
            assert_eq!(pa % 8, 0);
            self.w32(pa, v as u32);
            self.w32(pa + 4, (v >> 32) as u32);
        }
        fn aborts(&self, pa: u64) -> bool {
            self.abort.as_ref().is_some_and(|r| r.contains(&pa))
        }
    }

    impl PhysRead for Phys {
        fn read_u32(&mut self, pa: u64) -> Option<u32> {
            // The walker only makes aligned descriptor reads.
            assert_eq!(pa % 4, 0, "unaligned short descriptor read at {pa:#x}");
            self.reads += 1;
            if self.aborts(pa) {
                return None;
            }
            Some(self.words.get(&pa).copied().unwrap_or(0))
        }
        fn read_u64(&mut self, pa: u64) -> Option<u64> {
            assert_eq!(pa % 8, 0, "unaligned long descriptor read at {pa:#x}");
            self.reads += 1;
            if self.aborts(pa) {
                return None;
            }
            let lo = self.words.get(&pa).copied().unwrap_or(0);
            let hi = self.words.get(&(pa + 4)).copied().unwrap_or(0);
            Some(u64::from(lo) | u64::from(hi) << 32)
        }
    }

    const ACCESSES: [Access; 3] = [Access::Read, Access::Write, Access::Exec];

    // ---- short-descriptor builders (bit positions from B3.5.1's figures,
    // written out here independently of the constants above) -------------

    const L1: u32 = 0x0000_4000; // TTBR0 table, 16 KB aligned
    const L1_TTBR1: u32 = 0x0000_8000;
    const L2: u32 = 0x0001_0000; // level 2 tables, 1 KB each

    /// A section: base, AP[2:0], domain, XN, PXN (as type 0b11).
    fn section(base: u32, ap: u32, domain: u32, xn: bool, pxn: bool) -> u32 {
        (base & 0xfff0_0000)
            | (ap >> 2 & 1) << 15
            | (ap & 3) << 10
            | domain << 5
            | u32::from(xn) << 4
            | 0b10
            | u32::from(pxn)
    }

    /// A level 1 page-table descriptor.
    fn page_table(l2: u32, domain: u32, pxn: bool) -> u32 {
        l2 | domain << 5 | u32::from(pxn) << 2 | 0b01
    }

    /// A small page.
    fn small(base: u32, ap: u32, xn: bool) -> u32 {
        (base & 0xffff_f000) | (ap >> 2 & 1) << 9 | (ap & 3) << 4 | 0b10 | u32::from(xn)
    }

    /// A large page.
    fn large(base: u32, ap: u32, xn: bool) -> u32 {
        (base & 0xffff_0000) | u32::from(xn) << 15 | (ap >> 2 & 1) << 9 | (ap & 3) << 4 | 0b01
    }

    /// Short descriptors, MMU on, TTBCR.N = n, every domain Client.
    fn sd_state(n: u32) -> MmuState {
        MmuState {
            sctlr: 1,
            ttbcr: n,
            ttbr0: u64::from(L1),
            ttbr1: u64::from(L1_TTBR1),
            dacr: 0x5555_5555,
            privileged: true,
            ..MmuState::default()
        }
    }

    fn l1_slot(va: u32) -> u64 {
        u64::from(L1 + (va >> 20) * 4)
    }

    fn l2_slot(table: u32, va: u32) -> u64 {
        u64::from(table + ((va >> 12) & 0xff) * 4)
    }

    /// Maps `va`'s megabyte with a page table at `L2 + 0x400 * slot` holding
    /// one level 2 descriptor for `va`.
    fn map_page(mem: &mut Phys, va: u32, slot: u32, domain: u32, pxn: bool, l2d: u32) {
        let table = L2 + 0x400 * slot;
        mem.w32(l1_slot(va), page_table(table, domain, pxn));
        mem.w32(l2_slot(table, va), l2d);
    }

    // Short-descriptor statuses written out from table B3-23, FS[3:0] in
    // bits 3:0 and the domain in bits 7:4.
    const SD_TRANSLATION_SECTION: u32 = 0b00101;
    const SD_TRANSLATION_PAGE: u32 = 0b00111;
    const SD_AF_SECTION: u32 = 0b00011;
    const SD_AF_PAGE: u32 = 0b00110;
    const SD_DOMAIN_SECTION: u32 = 0b01001;
    const SD_DOMAIN_PAGE: u32 = 0b01011;
    const SD_PERM_SECTION: u32 = 0b01101;
    const SD_PERM_PAGE: u32 = 0b01111;
    const SD_WALK_EA_L1: u32 = 0b01100;
    const SD_WALK_EA_L2: u32 = 0b01110;

    fn with_domain(fs: u32, domain: u32) -> u32 {
        fs | domain << 4
    }

    /// The access permission table of B3.7.1 (SCTLR.AFE = 0), as (PL1,
    /// PL0) rights: AP[2:0] = 000 no access; 001 PL1 RW; 010 PL1 RW, PL0
    /// RO; 011 full access; 100 reserved (we take no access, as QEMU);
    /// 101 PL1 RO; 110 RO at both (deprecated); 111 RO at both.
    const AP_TABLE: [(&str, &str); 8] = [
        ("--", "--"),
        ("rw", "--"),
        ("rw", "r-"),
        ("rw", "rw"),
        ("--", "--"),
        ("r-", "--"),
        ("r-", "r-"),
        ("r-", "r-"),
    ];

    /// The simplified model (B3.7.1, SCTLR.AFE = 1) and the long-descriptor
    /// AP[2:1] (B3.6.1): 00 PL1 RW; 01 RW at both; 10 PL1 RO; 11 RO at both.
    const AP21_TABLE: [(&str, &str); 4] = [("rw", "--"), ("rw", "rw"), ("r-", "--"), ("r-", "r-")];

    /// Whether `rights` ("rw", "r-", "--") allow `access`, given XN and PXN
    /// (B3.7.2: a fetch needs read permission and no XN, and no PXN at PL1).
    fn expected(rights: &str, access: Access, privileged: bool, xn: bool, pxn: bool) -> bool {
        let r = rights.as_bytes()[0] == b'r';
        let w = rights.as_bytes()[1] == b'w';
        match access {
            Access::Read => r,
            Access::Write => w,
            Access::Exec => r && !xn && !(privileged && pxn),
        }
    }

    // ---- MMU off ---------------------------------------------------------

    #[test]
    fn mmu_off_is_identity_and_allows_everything() {
        let mut mem = Phys::default();
        for ttbcr in [0, TTBCR_EAE] {
            let state = MmuState {
                sctlr: SCTLR_AFE,
                ttbcr,
                dacr: 0,
                ..MmuState::default()
            };
            for va in [0, 0x1234_5678, 0xffff_ffff] {
                let w = walk(&state, va, &mut mem).unwrap();
                assert_eq!(w.pa, u64::from(va));
                assert_eq!(w.page_bits, 32);
                assert_eq!(w.format, Format::Off);
                assert!(w.global);
                assert!(w.is_device(), "MMU off: data is Strongly-ordered");
                for access in ACCESSES {
                    for privileged in [false, true] {
                        assert_eq!(w.check(&state, access, privileged), Ok(()));
                    }
                }
            }
        }
        assert_eq!(mem.reads, 0, "no walk with the MMU off");
    }

    // ---- short descriptors: addresses -------------------------------------

    #[test]
    fn short_section_address_size_domain_global() {
        let mut mem = Phys::default();
        let va = 0x1234_5678;
        mem.w32(l1_slot(va), section(0x8760_0000, 0b011, 7, false, false));
        let state = sd_state(0);
        let w = walk(&state, va, &mut mem).unwrap();
        assert_eq!(w.pa, 0x8764_5678);
        assert_eq!(w.page_bits, 20);
        assert_eq!(w.domain, 7);
        assert_eq!(w.level, 1);
        assert!(w.global);
        assert_eq!(w.format, Format::Short);
        // nG is bit 17.
        mem.w32(
            l1_slot(va),
            section(0x8760_0000, 0b011, 7, false, false) | 1 << 17,
        );
        assert!(!walk(&state, va, &mut mem).unwrap().global);
    }

    #[test]
    fn short_supersection_has_40_bit_address_and_domain_0() {
        let mut mem = Phys::default();
        let va = 0xc3a5_5a5a;
        // PA[31:24] = 0x9e, PA[35:32] (bits 23:20) = 0xb, PA[39:36] (bits
        // 8:5) = 0xd, bit 18 = supersection, AP = 011.
        let d = 0x9e00_0000 | 0xb << 20 | 1 << 18 | 0b11 << 10 | 0xd << 5 | 0b10;
        mem.w32(l1_slot(va), d);
        let w = walk(&sd_state(0), va, &mut mem).unwrap();
        assert_eq!(w.pa, 0xdb_9ea5_5a5a);
        assert_eq!(w.page_bits, 24);
        assert_eq!(w.domain, 0, "supersections are in domain 0");
        // DACR grants domain 0 only: the supersection is reachable even
        // though bits 8:5 (which are not a domain here) say 13.
        let state = MmuState {
            dacr: 0b01,
            ..sd_state(0)
        };
        assert_eq!(w.check(&state, Access::Write, true), Ok(()));
    }

    #[test]
    fn short_small_and_large_pages() {
        let mut mem = Phys::default();
        let state = sd_state(0);
        let va = 0x4012_3abc;
        map_page(&mut mem, va, 0, 9, false, small(0x7777_7000, 0b011, false));
        let w = walk(&state, va, &mut mem).unwrap();
        assert_eq!(
            (w.pa, w.page_bits, w.domain, w.level),
            (0x7777_7abc, 12, 9, 2)
        );
        assert!(w.global);
        // Small page with bit 0 set (type 0b11) is still a small page, XN.
        map_page(
            &mut mem,
            va,
            0,
            9,
            false,
            small(0x7777_7000, 0b011, true) | 1 << 11,
        );
        let w = walk(&state, va, &mut mem).unwrap();
        assert_eq!((w.pa, w.page_bits), (0x7777_7abc, 12));
        assert!(w.xn && !w.global);
        // Large page: 64 KB, VA[15:0] is the offset.
        let va = 0x5018_f123;
        map_page(&mut mem, va, 1, 3, false, large(0x1234_0000, 0b011, false));
        let w = walk(&state, va, &mut mem).unwrap();
        assert_eq!(
            (w.pa, w.page_bits, w.domain, w.level),
            (0x1234_f123, 16, 3, 2)
        );
        assert!(!w.xn);
        map_page(
            &mut mem,
            va,
            1,
            3,
            false,
            large(0x1234_0000, 0b011, true) | 1 << 11,
        );
        let w = walk(&state, va, &mut mem).unwrap();
        assert!(w.xn && !w.global);
    }

    #[test]
    fn short_ttbcr_n_splits_between_ttbr0_and_ttbr1() {
        // For each N, the boundary is 2^(32-N): below it TTBR0 (a table of
        // 4096 >> N entries at TTBR0[31:14-N]), above it TTBR1 (the full
        // 4096-entry table at TTBR1[31:14], indexed by VA[31:20]). TTBR0 is
        // given low bits that the mask must drop.
        for n in 0..8u32 {
            let ttbr0_base: u32 = 0x0010_0000;
            let ttbr1_base: u32 = 0x0020_0000;
            // Bits below TTBR0[14-N] (attributes, then SBZ) are ignored.
            let low_junk = (1u32 << (14 - n)) - 1;
            let state = MmuState {
                ttbr0: u64::from(ttbr0_base | low_junk),
                ttbr1: u64::from(ttbr1_base | 0x3fff),
                ..sd_state(n)
            };
            let boundary: u64 = 1 << (32 - n);
            let mut mem = Phys::default();
            let vas = [
                0u32,
                0x0010_0000,
                (boundary - 1) as u32,
                (boundary.min(0xffff_ffff)) as u32,
                0x8000_0000,
                0xfff0_0000,
                0xffff_ffff,
            ];
            for &va in &vas {
                let mb = va >> 20;
                let in_ttbr0 = n == 0 || u64::from(va) < boundary;
                let slot = if in_ttbr0 {
                    ttbr0_base + ((mb & ((1 << (12 - n)) - 1)) << 2)
                } else {
                    ttbr1_base + (mb << 2)
                };
                // Output megabyte: which table, and the index, readable back.
                let out = (if in_ttbr0 { 0x100 } else { 0x200 }) + (mb & 0xff);
                mem.w32(u64::from(slot), section(out << 20, 0b011, 0, false, false));
            }
            for &va in &vas {
                let in_ttbr0 = n == 0 || u64::from(va) < boundary;
                let w = walk(&state, va, &mut mem).unwrap();
                let which = w.pa >> 28;
                assert_eq!(which, if in_ttbr0 { 1 } else { 2 }, "N={n} va={va:#x}");
                assert_eq!((w.pa >> 20) & 0xff, u64::from((va >> 20) & 0xff));
                assert_eq!(w.pa & 0xf_ffff, u64::from(va & 0xf_ffff));
            }
        }
    }

    #[test]
    fn short_pd0_pd1_disable_walks_with_a_section_translation_fault() {
        let mut mem = Phys::default();
        mem.w32(
            l1_slot(0x1000_0000),
            section(0x1000_0000, 0b011, 0, false, false),
        );
        mem.w32(
            u64::from(L1_TTBR1 + (0xf000_0000u32 >> 20) * 4),
            section(0xf000_0000, 0b011, 0, false, false),
        );
        // N = 1: TTBR0 below 2 GB, TTBR1 above.
        let state = sd_state(1);
        assert!(walk(&state, 0x1000_0000, &mut mem).is_ok());
        assert!(walk(&state, 0xf000_0000, &mut mem).is_ok());
        let pd0 = MmuState {
            ttbcr: 1 | TTBCR_PD0,
            ..state
        };
        assert_eq!(
            walk(&pd0, 0x1000_0000, &mut mem),
            Err(SD_TRANSLATION_SECTION)
        );
        assert!(walk(&pd0, 0xf000_0000, &mut mem).is_ok());
        let pd1 = MmuState {
            ttbcr: 1 | TTBCR_PD1,
            ..state
        };
        assert!(walk(&pd1, 0x1000_0000, &mut mem).is_ok());
        assert_eq!(
            walk(&pd1, 0xf000_0000, &mut mem),
            Err(SD_TRANSLATION_SECTION)
        );
        // With N = 0 everything is TTBR0's: PD1 does not matter.
        let pd1_n0 = MmuState {
            ttbcr: TTBCR_PD1,
            ..state
        };
        mem.w32(
            l1_slot(0xf000_0000),
            section(0xf000_0000, 0b011, 0, false, false),
        );
        assert!(walk(&pd1_n0, 0xf000_0000, &mut mem).is_ok());
    }

    // ---- short descriptors: walk faults -----------------------------------

    #[test]
    fn short_walk_fault_statuses() {
        let state = sd_state(0);
        let mut mem = Phys::default();
        // B3-23: translation fault, first level = 0b00101, no domain.
        for junk in [0, 0xffff_fffc, 0x1234_5678 & !3] {
            mem.w32(l1_slot(0x0030_0000), junk);
            assert_eq!(
                walk(&state, 0x0030_0000, &mut mem),
                Err(SD_TRANSLATION_SECTION)
            );
        }
        // B3-23: translation fault, second level = 0b00111, with the page
        // table's domain.
        for junk in [0, 0xffff_fffc] {
            map_page(&mut mem, 0x0040_0000, 0, 11, false, junk);
            assert_eq!(
                walk(&state, 0x0040_0000, &mut mem),
                Err(with_domain(SD_TRANSLATION_PAGE, 11))
            );
        }
        // The level 2 translation fault comes before the domain check: the
        // same in a No access domain (QEMU would say domain fault, 0b01011).
        let no_access = MmuState { dacr: 0, ..state };
        assert_eq!(
            walk(&no_access, 0x0040_0000, &mut mem),
            Err(with_domain(SD_TRANSLATION_PAGE, 11))
        );
        assert_eq!(
            translate(&no_access, 0x0040_0000, Access::Read, true, &mut mem),
            Err(with_domain(SD_TRANSLATION_PAGE, 11))
        );
        // B3-23: synchronous external abort on translation table walk, first
        // level = 0b01100; second level = 0b01110 (with the domain).
        let mut mem = Phys {
            abort: Some(u64::from(L1)..u64::from(L1) + 0x4000),
            ..Phys::default()
        };
        assert_eq!(walk(&state, 0x0050_0000, &mut mem), Err(SD_WALK_EA_L1));
        let mut mem = Phys {
            abort: Some(0x9000_0000..0x9000_0400),
            ..Phys::default()
        };
        mem.w32(l1_slot(0x0060_0000), page_table(0x9000_0000, 4, false));
        assert_eq!(
            walk(&state, 0x0060_0000, &mut mem),
            Err(with_domain(SD_WALK_EA_L2, 4))
        );
    }

    #[test]
    fn short_type_3_is_a_section_with_pxn() {
        let mut mem = Phys::default();
        let va = 0x0070_0000;
        mem.w32(l1_slot(va), section(0x0070_0000, 0b011, 0, false, true));
        assert_eq!(mem.words[&l1_slot(va)] & 3, 0b11);
        let state = sd_state(0);
        let w = walk(&state, va, &mut mem).unwrap();
        assert_eq!((w.pa, w.page_bits), (0x0070_0000, 20));
        assert!(w.pxn);
        assert_eq!(w.check(&state, Access::Exec, true), Err(SD_PERM_SECTION));
        assert_eq!(w.check(&state, Access::Exec, false), Ok(()));
    }

    // ---- short descriptors: permissions -----------------------------------

    #[test]
    fn short_permissions_full_table_for_sections_and_pages() {
        // Every AP[2:0] x PL1/PL0 x read/write/exec x XN x PXN, for a
        // section (permission fault 0b01101) and a small and a large page
        // (0b01111), domain Client, SCTLR.AFE = 0.
        let state = sd_state(0);
        let domain = 5;
        for ap in 0..8u32 {
            for xn in [false, true] {
                for pxn in [false, true] {
                    let mut mem = Phys::default();
                    let s_va = 0x0010_0000;
                    mem.w32(l1_slot(s_va), section(s_va, ap, domain, xn, pxn));
                    let p_va = 0x0020_0000;
                    map_page(&mut mem, p_va, 0, domain, pxn, small(0x5000, ap, xn));
                    let l_va = 0x0030_0000;
                    map_page(&mut mem, l_va, 1, domain, pxn, large(0x5_0000, ap, xn));
                    let cases = [
                        (s_va, SD_PERM_SECTION),
                        (p_va, SD_PERM_PAGE),
                        (l_va, SD_PERM_PAGE),
                    ];
                    for (va, perm) in cases {
                        let w = walk(&state, va, &mut mem).unwrap();
                        for privileged in [false, true] {
                            let (pl1, pl0) = AP_TABLE[ap as usize];
                            let rights = if privileged { pl1 } else { pl0 };
                            for access in ACCESSES {
                                let want = if expected(rights, access, privileged, xn, pxn) {
                                    Ok(())
                                } else {
                                    Err(with_domain(perm, domain))
                                };
                                assert_eq!(
                                    w.check(&state, access, privileged),
                                    want,
                                    "ap={ap:03b} xn={xn} pxn={pxn} va={va:#x} \
                                     priv={privileged} {access:?}"
                                );
                                assert_eq!(
                                    translate(&state, va, access, privileged, &mut mem),
                                    want.map(|()| w)
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn short_simplified_model_and_access_flag() {
        // SCTLR.AFE = 1: AP[2:1] gives the rights, AP[0] is the access flag.
        // AF = 0 is an access flag fault (0b00011 section, 0b00110 page) for
        // every access and, AF coming before the domain check in
        // TranslationTableWalkSD, in every domain, Manager and No access
        // included.
        for ap21 in 0..4u32 {
            for af in [false, true] {
                let ap = ap21 << 1 | u32::from(af);
                for dac in 0..4u32 {
                    let domain = 2;
                    let state = MmuState {
                        sctlr: 1 | SCTLR_AFE,
                        dacr: dac << (2 * domain),
                        ..sd_state(0)
                    };
                    let mut mem = Phys::default();
                    let s_va = 0x0010_0000;
                    mem.w32(l1_slot(s_va), section(s_va, ap, domain, false, false));
                    let p_va = 0x0020_0000;
                    map_page(&mut mem, p_va, 0, domain, false, small(0x5000, ap, false));
                    for (va, af_fs, dom_fs, perm_fs) in [
                        (s_va, SD_AF_SECTION, SD_DOMAIN_SECTION, SD_PERM_SECTION),
                        (p_va, SD_AF_PAGE, SD_DOMAIN_PAGE, SD_PERM_PAGE),
                    ] {
                        let w = walk(&state, va, &mut mem).unwrap();
                        for privileged in [false, true] {
                            for access in ACCESSES {
                                let (pl1, pl0) = AP21_TABLE[ap21 as usize];
                                let rights = if privileged { pl1 } else { pl0 };
                                let want = if !af {
                                    Err(with_domain(af_fs, domain))
                                } else if dac == 0 || dac == 2 {
                                    Err(with_domain(dom_fs, domain))
                                } else if dac == 3
                                    || expected(rights, access, privileged, false, false)
                                {
                                    Ok(())
                                } else {
                                    Err(with_domain(perm_fs, domain))
                                };
                                assert_eq!(
                                    w.check(&state, access, privileged),
                                    want,
                                    "ap21={ap21:02b} af={af} dac={dac} va={va:#x} \
                                     priv={privileged} {access:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn short_afe_off_ignores_the_access_flag() {
        // With AFE = 0, AP[0] is a permission bit, never an access flag:
        // AP = 010 (PL1 RW, PL0 RO) has AP[0] = 0 and no access flag fault.
        let state = sd_state(0);
        let mut mem = Phys::default();
        mem.w32(
            l1_slot(0x0010_0000),
            section(0x0010_0000, 0b010, 0, false, false),
        );
        let w = walk(&state, 0x0010_0000, &mut mem).unwrap();
        assert_eq!(w.check(&state, Access::Write, true), Ok(()));
        assert_eq!(w.check(&state, Access::Read, false), Ok(()));
    }

    #[test]
    fn short_domains_no_access_client_manager_reserved() {
        // DACR per domain (B3.7): 00 No access (domain fault: 0b01001
        // section, 0b01011 page), 01 Client (AP checked), 10 reserved (we
        // fault, as QEMU), 11 Manager (nothing checked, not even XN/PXN).
        for domain in [0u32, 6, 15] {
            let mut mem = Phys::default();
            let s_va = 0x0010_0000;
            // AP = 000, XN, PXN: nothing is allowed to a Client.
            mem.w32(l1_slot(s_va), section(s_va, 0b000, domain, true, true));
            let p_va = 0x0020_0000;
            map_page(&mut mem, p_va, 0, domain, true, small(0x5000, 0b000, true));
            for dac in 0..4u32 {
                // Other domains get the opposite, to catch a wrong index.
                let dacr = (0x5555_5555 & !(3 << (2 * domain))) | dac << (2 * domain);
                let state = MmuState {
                    dacr: if dac == 1 { !(2 << (2 * domain)) } else { dacr },
                    ..sd_state(0)
                };
                for (va, dom_fs, perm_fs) in [
                    (s_va, SD_DOMAIN_SECTION, SD_PERM_SECTION),
                    (p_va, SD_DOMAIN_PAGE, SD_PERM_PAGE),
                ] {
                    let w = walk(&state, va, &mut mem).unwrap();
                    for privileged in [false, true] {
                        for access in ACCESSES {
                            let want = match dac {
                                0b00 | 0b10 => Err(with_domain(dom_fs, domain)),
                                0b01 => Err(with_domain(perm_fs, domain)),
                                _ => Ok(()),
                            };
                            assert_eq!(
                                w.check(&state, access, privileged),
                                want,
                                "domain={domain} dac={dac:02b} va={va:#x}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn short_xn_and_pxn_per_descriptor() {
        let state = sd_state(0);
        let mut mem = Phys::default();
        // Section XN (bit 4), small page XN (bit 0), large page XN (bit 15):
        // no fetch at either level, reads still fine.
        let s = 0x0010_0000;
        mem.w32(l1_slot(s), section(s, 0b011, 0, true, false));
        let p = 0x0020_0000;
        map_page(&mut mem, p, 0, 0, false, small(0x5000, 0b011, true));
        let l = 0x0030_0000;
        map_page(&mut mem, l, 1, 0, false, large(0x5_0000, 0b011, true));
        for (va, perm) in [(s, SD_PERM_SECTION), (p, SD_PERM_PAGE), (l, SD_PERM_PAGE)] {
            for privileged in [false, true] {
                assert_eq!(
                    translate(&state, va, Access::Exec, privileged, &mut mem),
                    Err(perm)
                );
                assert!(translate(&state, va, Access::Read, privileged, &mut mem).is_ok());
            }
        }
        // PXN from the level 1 page-table descriptor (bit 2) covers its
        // pages: PL1 cannot fetch, PL0 can.
        let q = 0x0040_0000;
        map_page(&mut mem, q, 2, 0, true, small(0x6000, 0b011, false));
        assert_eq!(
            translate(&state, q, Access::Exec, true, &mut mem),
            Err(SD_PERM_PAGE)
        );
        assert!(translate(&state, q, Access::Exec, false, &mut mem).is_ok());
        assert!(translate(&state, q, Access::Write, true, &mut mem).is_ok());
    }

    #[test]
    fn wxn_and_uwxn() {
        // SCTLR.WXN: writable (at the fetching level) means XN. SCTLR.UWXN:
        // writable at PL0 means PL1 XN. Both formats.
        let mut mem = Phys::default();
        let state = sd_state(0);
        for (ap, va) in [
            (0b001u32, 0x0010_0000u32),
            (0b011, 0x0020_0000),
            (0b111, 0x0030_0000),
        ] {
            mem.w32(l1_slot(va), section(va, ap, 0, false, false));
        }
        let wxn = MmuState {
            sctlr: 1 | SCTLR_WXN,
            ..state
        };
        let uwxn = MmuState {
            sctlr: 1 | SCTLR_UWXN,
            ..state
        };
        let exec =
            |s: &MmuState, va, p, mem: &mut Phys| translate(s, va, Access::Exec, p, mem).is_ok();
        // AP 001: PL1 RW, PL0 none.
        assert!(!exec(&wxn, 0x0010_0000, true, &mut mem));
        assert!(exec(&uwxn, 0x0010_0000, true, &mut mem));
        // AP 011: RW at both.
        assert!(!exec(&wxn, 0x0020_0000, true, &mut mem));
        assert!(!exec(&wxn, 0x0020_0000, false, &mut mem));
        assert!(!exec(&uwxn, 0x0020_0000, true, &mut mem));
        assert!(exec(&uwxn, 0x0020_0000, false, &mut mem));
        // AP 111: read-only everywhere: executable under both.
        for s in [&wxn, &uwxn] {
            assert!(exec(s, 0x0030_0000, true, &mut mem));
            assert!(exec(s, 0x0030_0000, false, &mut mem));
        }
        // Long descriptors: a level 2 block with AP[2:1] = 01 (RW both).
        let mut mem = Phys::default();
        mem.w64(0x1000, 0x2000 | 0b11);
        mem.w64(0x2000 + 8, 0x0020_0000 | 1 << 10 | 0b01 << 6 | 0b01);
        let ld = MmuState {
            sctlr: 1,
            ttbcr: TTBCR_EAE,
            ttbr0: 0x1000,
            ..MmuState::default()
        };
        assert!(exec(&ld, 0x0020_0000, true, &mut mem));
        let ld_wxn = MmuState {
            sctlr: 1 | SCTLR_WXN,
            ..ld
        };
        assert_eq!(
            translate(&ld_wxn, 0x0020_0000, Access::Exec, false, &mut mem),
            Err(0x200 | 0b001110)
        );
        let ld_uwxn = MmuState {
            sctlr: 1 | SCTLR_UWXN,
            ..ld
        };
        assert!(!exec(&ld_uwxn, 0x0020_0000, true, &mut mem));
        assert!(exec(&ld_uwxn, 0x0020_0000, false, &mut mem));
    }

    // ---- short descriptors: memory attributes -----------------------------

    #[test]
    fn short_memory_attributes_without_remap() {
        // B3.8.2's TEX/C/B table, as MAIR-format bytes and SH.
        let state = sd_state(0);
        let cases: [(u32, u32, u32, bool, u8, u8); 9] = [
            // tex, c, b, s -> attr, sh
            (0b000, 0, 0, false, 0x00, 0b10), // Strongly-ordered, shareable
            (0b000, 0, 1, false, 0x04, 0b10), // Shareable Device
            (0b000, 1, 0, true, 0xaa, 0b10),  // Normal WT, S
            (0b000, 1, 1, false, 0xee, 0b00), // Normal WB no WA
            (0b001, 0, 0, false, 0x44, 0b00), // Normal Non-cacheable
            (0b001, 1, 1, true, 0xff, 0b10),  // Normal WB WA
            (0b010, 0, 0, true, 0x04, 0b00),  // Non-shareable Device
            (0b101, 1, 0, false, 0xfa, 0b00), // outer WBWA (01), inner WT (10)
            (0b110, 0, 0, true, 0xa4, 0b10),  // outer WT (10), inner NC (00)
        ];
        for (tex, c, b, s, attr, sh) in cases {
            let mut mem = Phys::default();
            let d = section(0x0010_0000, 0b011, 0, false, false)
                | tex << 12
                | c << 3
                | b << 2
                | u32::from(s) << 16;
            mem.w32(l1_slot(0x0010_0000), d);
            let small_d =
                small(0x5000, 0b011, false) | tex << 6 | c << 3 | b << 2 | u32::from(s) << 10;
            map_page(&mut mem, 0x0020_0000, 0, 0, false, small_d);
            let large_d =
                large(0x5_0000, 0b011, false) | tex << 12 | c << 3 | b << 2 | u32::from(s) << 10;
            map_page(&mut mem, 0x0030_0000, 1, 0, false, large_d);
            for va in [0x0010_0000, 0x0020_0000, 0x0030_0000] {
                let w = walk(&state, va, &mut mem).unwrap();
                assert_eq!(
                    (w.attr, w.sh),
                    (attr, sh),
                    "tex={tex:03b} c={c} b={b} s={s} va={va:#x}"
                );
            }
        }
    }

    #[test]
    fn short_memory_attributes_with_tex_remap() {
        // Linux's ARMv7 2-level values (proc-v7-2level.S): PRRR 0xff0a81a8,
        // NMRR 0x40e040e0. Index n = TEX[0]:C:B (B3.8.3).
        // TR: n0 = 00 SO, n1 = 10 Normal, n2 = 10, n3 = 10, n4 = 01 Device,
        // n5 = 00, n6 = 00, n7 = 10. NS1 (bit 19) set, NS0 clear, DS1 set,
        // DS0 clear; NOS = 0xff.
        // NMRR IR: n1 = 00 (NC), n2 = 10 (WT), n3 = 11 (WB), n7 = 01 (WBWA);
        // OR the same.
        let state = MmuState {
            sctlr: 1 | SCTLR_TRE,
            prrr: 0xff0a_81a8,
            nmrr: 0x40e0_40e0,
            ..sd_state(0)
        };
        let cases: [(u32, u32, u32, bool, u8, u8); 6] = [
            (0, 0, 0, true, 0x00, 0b10),  // n0: SO
            (0, 0, 1, false, 0x44, 0b00), // n1: Normal NC, S = 0 -> NS0 = 0
            (0, 0, 1, true, 0x44, 0b11),  // n1, S = 1 -> NS1 = 1, NOS1 -> inner
            (0, 1, 1, true, 0xee, 0b11),  // n3: WB no WA
            (1, 0, 0, true, 0x04, 0b10),  // n4: Device, S = 1 -> DS1 = 1
            (1, 1, 1, false, 0xff, 0b00), // n7: WBWA
        ];
        for (tex0, c, b, s, attr, sh) in cases {
            let mut mem = Phys::default();
            // TEX[2:1] do not matter under remap: set them to junk.
            let d = section(0x0010_0000, 0b011, 0, false, false)
                | (0b110 | tex0) << 12
                | c << 3
                | b << 2
                | u32::from(s) << 16;
            mem.w32(l1_slot(0x0010_0000), d);
            let w = walk(&state, 0x0010_0000, &mut mem).unwrap();
            assert_eq!((w.attr, w.sh), (attr, sh), "tex0={tex0} c={c} b={b} s={s}");
        }
        // Device with S = 0 takes DS0 (clear): Non-shareable.
        let mut mem = Phys::default();
        mem.w32(
            l1_slot(0x0010_0000),
            section(0x0010_0000, 0b011, 0, false, false) | 1 << 12,
        );
        let w = walk(&state, 0x0010_0000, &mut mem).unwrap();
        assert_eq!((w.attr, w.sh), (0x04, 0b00));
        assert!(w.is_device());
    }

    // ---- long descriptors ---------------------------------------------------

    // Long-descriptor statuses from table B3-24 (STATUS in bits 5:0, bit 9
    // set): 0b0001LL translation, 0b0010LL access flag, 0b0011LL
    // permission, 0b0101LL external abort on the walk.
    fn ld_translation(level: u32) -> u32 {
        0x200 | 0b000100 | level
    }
    fn ld_access_flag(level: u32) -> u32 {
        0x200 | 0b001000 | level
    }
    fn ld_permission(level: u32) -> u32 {
        0x200 | 0b001100 | level
    }
    fn ld_walk_abort(level: u32) -> u32 {
        0x200 | 0b010100 | level
    }

    /// A long-descriptor block (levels 1, 2) or page (level 3) with AF set,
    /// AP[2:1] and the given upper bits.
    fn ld_leaf(pa: u64, level: u32, ap21: u64) -> u64 {
        pa | 1 << 10 | ap21 << 6 | if level == 3 { 0b11 } else { 0b01 }
    }

    fn ld_table(next: u64) -> u64 {
        next | 0b11
    }

    fn ld_state(t0sz: u32, t1sz: u32, ttbr0: u64, ttbr1: u64) -> MmuState {
        MmuState {
            sctlr: 1,
            ttbcr: TTBCR_EAE | t0sz | t1sz << 16,
            ttbr0,
            ttbr1,
            privileged: true,
            ..MmuState::default()
        }
    }

    /// A three-level mapping from TTBR0 (T0SZ = 0): level 1 table at 0x1000
    /// (4 entries), level 2 tables at 0x2000, level 3 tables at 0x3000.
    fn ld_three_levels(mem: &mut Phys, va: u32, leaf: u64) {
        let l1i = u64::from(va >> 30);
        let l2i = u64::from((va >> 21) & 0x1ff);
        let l3i = u64::from((va >> 12) & 0x1ff);
        mem.w64(0x1000 + 8 * l1i, ld_table(0x2000));
        mem.w64(0x2000 + 8 * l2i, ld_table(0x3000));
        mem.w64(0x3000 + 8 * l3i, leaf);
    }

    #[test]
    fn long_blocks_and_pages_with_40_bit_outputs() {
        let state = ld_state(0, 0, 0x1000, 0);
        let mut mem = Phys::default();
        // Level 1 block, 1 GB: VA 0x4000_0000-0x7fff_ffff -> 0xab_4000_0000.
        mem.w64(0x1000 + 8, ld_leaf(0xab_4000_0000, 1, 0b00));
        let w = walk(&state, 0x5234_5678, &mut mem).unwrap();
        assert_eq!((w.pa, w.page_bits, w.level), (0xab_5234_5678, 30, 1));
        assert_eq!((w.domain, w.format), (0, Format::Long));
        // Level 2 block, 2 MB; junk in the SBZ bits 20:12 and 47:40 ignored.
        mem.w64(0x1000 + 16, ld_table(0xc2_0000_0000));
        mem.w64(
            0xc2_0000_0000 + 8 * 0x1a3,
            ld_leaf(0x12_3460_0000, 2, 0b00) | 0x1f_f000 | 0xff << 40,
        );
        let va = 0x8000_0000 | 0x1a3 << 21 | 0x1_2345;
        let w = walk(&state, va, &mut mem).unwrap();
        assert_eq!(
            (w.pa, w.page_bits, w.level),
            (0x12_3460_0000 | 0x1_2345, 21, 2)
        );
        // Level 3 page, 4 KB, with nG.
        let mut mem = Phys::default();
        let va = 0xdead_beef;
        ld_three_levels(&mut mem, va, ld_leaf(0xfe_dcba_9000, 3, 0b00) | 1 << 11);
        let w = walk(&state, va, &mut mem).unwrap();
        assert_eq!((w.pa, w.page_bits, w.level), (0xfe_dcba_9eef, 12, 3));
        assert!(!w.global);
        // Tables above 4 GB and a TTBR with junk below its alignment and
        // above bit 39 (the ASID, bits 55:48).
        let mut mem = Phys::default();
        let state = ld_state(0, 0, 0x00ab_0012_3400_0000 | 0x18, 0);
        mem.w64(0x12_3400_0000 + 8 * 3, ld_leaf(0xc000_0000, 1, 0b00));
        assert_eq!(walk(&state, 0xc000_0010, &mut mem).unwrap().pa, 0xc000_0010);
    }

    #[test]
    fn long_region_selection_and_starting_level() {
        // B3.6.4's TTBR0/TTBR1 ranges, written as boundaries:
        //   T0SZ  T1SZ  TTBR0                     TTBR1
        //   0     0     all                       none
        //   0     >0    below 2^32 - 2^(32-T1SZ)  from 2^32 - 2^(32-T1SZ)
        //   >0    0     below 2^(32-T0SZ)         from 2^(32-T0SZ)
        //   >0    >0    below 2^(32-T0SZ)         from 2^32 - 2^(32-T1SZ)
        // anything else is a level 1 translation fault. Each TTBR's first
        // table (level 1 for TxSZ <= 1, else level 2) is filled with blocks
        // whose output says which table and entry mapped the VA.
        let vas: Vec<u32> = (0..64u32)
            .map(|i| i << 26 | 0x0012_3450)
            .chain([
                0,
                0x3fff_ffff,
                0x4000_0000,
                0x7fff_ffff,
                0x8000_0000,
                0xbfff_ffff,
            ])
            .chain([
                0xc000_0000,
                0xdfff_ffff,
                0xe000_0000,
                0xfdff_ffff,
                0xfe00_0000,
                0xffff_ffff,
            ])
            .collect();
        for t0sz in 0..8u32 {
            for t1sz in 0..8u32 {
                let ttbr0 = 0x10_0000u64;
                let ttbr1 = 0x20_0000u64;
                let state = ld_state(t0sz, t1sz, ttbr0, ttbr1);
                let mut mem = Phys::default();
                for (base, tsz, tag) in [(ttbr0, t0sz, 1u64), (ttbr1, t1sz, 2u64)] {
                    let (entries, block_bits) = if tsz <= 1 {
                        (4u64 >> tsz, 30)
                    } else {
                        (1u64 << (11 - tsz), 21)
                    };
                    for i in 0..entries {
                        let out = tag << 36 | i << block_bits;
                        mem.w64(
                            base + 8 * i,
                            ld_leaf(out, if tsz <= 1 { 1 } else { 2 }, 0b00),
                        );
                    }
                }
                let top: u64 = 1 << 32;
                let ttbr0_end = match (t0sz, t1sz) {
                    (0, 0) => top,
                    (0, t1) => top - (1 << (32 - t1)),
                    (t0, _) => 1 << (32 - t0),
                };
                let ttbr1_start = match (t0sz, t1sz) {
                    (0, 0) => top,
                    (t0, 0) => 1 << (32 - t0),
                    (_, t1) => top - (1 << (32 - t1)),
                };
                for &va in &vas {
                    let v = u64::from(va);
                    let got = walk(&state, va, &mut mem);
                    let ctx = format!("T0SZ={t0sz} T1SZ={t1sz} va={va:#x}");
                    let (tag, tsz) = if v >= ttbr1_start {
                        (2, t1sz)
                    } else if v < ttbr0_end {
                        (1, t0sz)
                    } else {
                        assert_eq!(got, Err(ld_translation(1)), "{ctx}");
                        continue;
                    };
                    let w = got.unwrap_or_else(|e| panic!("{ctx}: fault {e:#x}"));
                    assert_eq!(w.pa >> 36, tag, "{ctx}");
                    let (level, bits, index_mask) = if tsz <= 1 {
                        (1, 30, (4u64 >> tsz) - 1)
                    } else {
                        (2, 21, (1u64 << (11 - tsz)) - 1)
                    };
                    assert_eq!(w.level, level, "{ctx}");
                    assert_eq!(u32::from(w.page_bits), bits, "{ctx}");
                    let index = (v >> bits) & index_mask;
                    let offset = v & ((1 << bits) - 1);
                    assert_eq!(w.pa, tag << 36 | index << bits | offset, "{ctx}");
                }
            }
        }
    }

    #[test]
    fn long_ttbr_alignment_follows_txsz() {
        // x = 5 - TxSZ at level 1, 14 - TxSZ at level 2: TTBR bits below x
        // are ignored. T0SZ = 3: level 2 table of 256 entries at a 2 KB
        // boundary; TTBR0 = base + 0x7f8 must still index from base.
        let mut mem = Phys::default();
        let base = 0x4_0000u64;
        mem.w64(base + 8 * 5, ld_leaf(0x0060_0000, 2, 0b00));
        let state = ld_state(3, 0, base | 0x7f8, 0);
        let w = walk(&state, 5 << 21 | 0x1234, &mut mem).unwrap();
        assert_eq!(w.pa, 0x0060_1234);
        // T0SZ = 1: level 1 table of 2 entries at a 16-byte boundary.
        let mut mem = Phys::default();
        mem.w64(base + 8, ld_leaf(0x8000_0000, 1, 0b00));
        let state = ld_state(1, 1, base | 0x8, 0x9000);
        let w = walk(&state, 0x4000_0000, &mut mem).unwrap();
        assert_eq!(w.pa, 0x8000_0000);
    }

    #[test]
    fn long_epd_disables_a_region() {
        let mut mem = Phys::default();
        mem.w64(0x1000, ld_leaf(0, 1, 0b00));
        mem.w64(0x2000 + 8, ld_leaf(0xc000_0000, 1, 0b00));
        // T0SZ = 1, T1SZ = 1: TTBR0 below 2 GB, TTBR1 above.
        let state = ld_state(1, 1, 0x1000, 0x2000);
        assert!(walk(&state, 0x1000, &mut mem).is_ok());
        assert!(walk(&state, 0xc000_1000, &mut mem).is_ok());
        let epd0 = MmuState {
            ttbcr: state.ttbcr | TTBCR_EPD0,
            ..state
        };
        assert_eq!(walk(&epd0, 0x1000, &mut mem), Err(ld_translation(1)));
        assert!(walk(&epd0, 0xc000_1000, &mut mem).is_ok());
        let epd1 = MmuState {
            ttbcr: state.ttbcr | TTBCR_EPD1,
            ..state
        };
        assert!(walk(&epd1, 0x1000, &mut mem).is_ok());
        assert_eq!(walk(&epd1, 0xc000_1000, &mut mem), Err(ld_translation(1)));
    }

    #[test]
    fn long_walk_fault_statuses_by_level() {
        let state = ld_state(0, 0, 0x1000, 0);
        let va = 0x4060_3000;
        // B3-24 translation fault, level 1/2/3: an invalid descriptor (bit 0
        // clear, other bits junk) at each level.
        for level in 1..=3u32 {
            let mut mem = Phys::default();
            ld_three_levels(&mut mem, va, ld_leaf(0x9000, 3, 0));
            let slot = match level {
                1 => 0x1000 + 8,
                2 => 0x2000 + 8 * 3,
                _ => 0x3000 + 8 * 3,
            };
            mem.w64(slot, 0xffff_ffff_ffff_fffe);
            assert_eq!(
                walk(&state, va, &mut mem),
                Err(ld_translation(level)),
                "level {level}"
            );
        }
        // The reserved level 3 encoding 0b01 is a level 3 translation fault.
        let mut mem = Phys::default();
        ld_three_levels(&mut mem, va, ld_leaf(0x9000, 3, 0) & !0b10);
        assert_eq!(walk(&state, va, &mut mem), Err(ld_translation(3)));
        // External abort on the walk, level 1/2/3 (B3-24 0b0101LL).
        for (level, table) in [(1u32, 0x1000u64), (2, 0x2000), (3, 0x3000)] {
            let mut mem = Phys {
                abort: Some(table..table + 0x1000),
                ..Phys::default()
            };
            ld_three_levels(&mut mem, va, ld_leaf(0x9000, 3, 0));
            assert_eq!(
                walk(&state, va, &mut mem),
                Err(ld_walk_abort(level)),
                "level {level}"
            );
        }
        // Access flag fault, level 1/2/3 (0b0010LL): AF is always checked.
        let mut mem = Phys::default();
        mem.w64(0x1000, ld_leaf(0, 1, 0b01) & !(1 << 10));
        mem.w64(0x1000 + 8, ld_table(0x2000));
        mem.w64(0x2000, ld_leaf(0x0020_0000, 2, 0b01) & !(1 << 10));
        mem.w64(0x2000 + 8, ld_table(0x3000));
        mem.w64(0x3000, ld_leaf(0x5000, 3, 0b01) & !(1 << 10));
        for (level, va) in [(1u32, 0x1000u32), (2, 0x4000_0000), (3, 0x4020_0000)] {
            for privileged in [false, true] {
                for access in ACCESSES {
                    assert_eq!(
                        translate(&state, va, access, privileged, &mut mem),
                        Err(ld_access_flag(level))
                    );
                }
            }
        }
        // Permission fault, level 1/2/3 (0b0011LL): a write to AP[2:1] = 11.
        let mut mem = Phys::default();
        mem.w64(0x1000, ld_leaf(0, 1, 0b11));
        mem.w64(0x1000 + 8, ld_table(0x2000));
        mem.w64(0x2000, ld_leaf(0x0020_0000, 2, 0b11));
        mem.w64(0x2000 + 8, ld_table(0x3000));
        mem.w64(0x3000, ld_leaf(0x5000, 3, 0b11));
        for (level, va) in [(1u32, 0x1000u32), (2, 0x4000_0000), (3, 0x4020_0000)] {
            assert_eq!(
                translate(&state, va, Access::Write, true, &mut mem),
                Err(ld_permission(level))
            );
            assert!(translate(&state, va, Access::Read, false, &mut mem).is_ok());
        }
    }

    #[test]
    fn long_permissions_full_table() {
        // Every AP[2:1] x PL1/PL0 x read/write/exec x XN x PXN, at each
        // level (B3.6.1 AP[2:1] table, B3.7.2 XN/PXN).
        let state = ld_state(0, 0, 0x1000, 0);
        for ap21 in 0..4u64 {
            for xn in [false, true] {
                for pxn in [false, true] {
                    let upper = u64::from(xn) << 54 | u64::from(pxn) << 53;
                    let mut mem = Phys::default();
                    mem.w64(0x1000, ld_leaf(0, 1, ap21) | upper);
                    mem.w64(0x1000 + 8, ld_table(0x2000));
                    mem.w64(0x2000, ld_leaf(0x0020_0000, 2, ap21) | upper);
                    mem.w64(0x2000 + 8, ld_table(0x3000));
                    mem.w64(0x3000, ld_leaf(0x5000, 3, ap21) | upper);
                    for (level, va) in [(1u32, 0x1000u32), (2, 0x4000_0000), (3, 0x4020_0000)] {
                        let w = walk(&state, va, &mut mem).unwrap();
                        for privileged in [false, true] {
                            let (pl1, pl0) = AP21_TABLE[ap21 as usize];
                            let rights = if privileged { pl1 } else { pl0 };
                            for access in ACCESSES {
                                let want = if expected(rights, access, privileged, xn, pxn) {
                                    Ok(())
                                } else {
                                    Err(ld_permission(level))
                                };
                                assert_eq!(
                                    w.check(&state, access, privileged),
                                    want,
                                    "ap21={ap21:02b} xn={xn} pxn={pxn} level={level} \
                                     priv={privileged} {access:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whether APTable (B3.6.1: 00 no effect; 01 no PL0 access; 10 no
    /// write at any level; 11 no write, no PL0 access) lets `access` by.
    fn aptable_allows(aptable: u64, access: Access, privileged: bool) -> bool {
        let no_pl0 = aptable & 1 != 0 && !privileged;
        let no_write = aptable & 2 != 0 && access == Access::Write;
        !no_pl0 && !no_write
    }

    #[test]
    fn long_hierarchical_aptable() {
        // APTable on the level 1 table descriptor over a level 2 block, for
        // every APTable x AP[2:1]; then split over two levels, where the
        // restrictions accumulate.
        let state = ld_state(0, 0, 0x1000, 0);
        for aptable in 0..4u64 {
            for ap21 in 0..4u64 {
                let mut mem = Phys::default();
                mem.w64(0x1000, ld_table(0x2000) | aptable << 61);
                mem.w64(0x2000, ld_leaf(0x0020_0000, 2, ap21));
                let w = walk(&state, 0x1000, &mut mem).unwrap();
                for privileged in [false, true] {
                    let (pl1, pl0) = AP21_TABLE[ap21 as usize];
                    let rights = if privileged { pl1 } else { pl0 };
                    for access in ACCESSES {
                        // A fetch needs read: it is allowed iff a read is.
                        let gate = if access == Access::Exec {
                            Access::Read
                        } else {
                            access
                        };
                        let want = expected(rights, access, privileged, false, false)
                            && aptable_allows(aptable, gate, privileged);
                        assert_eq!(
                            w.check(&state, access, privileged).is_ok(),
                            want,
                            "aptable={aptable:02b} ap21={ap21:02b} priv={privileged} {access:?}"
                        );
                        if !want {
                            assert_eq!(w.check(&state, access, privileged), Err(ld_permission(2)));
                        }
                    }
                }
            }
        }
        // APTable = 01 at level 1 and 10 at level 2 make 11 at the page.
        let mut mem = Phys::default();
        ld_three_levels(&mut mem, 0x4020_1000, ld_leaf(0x5000, 3, 0b01));
        mem.w64(0x1000 + 8, ld_table(0x2000) | 0b01 << 61);
        mem.w64(0x2000 + 8, ld_table(0x3000) | 0b10 << 61);
        let w = walk(&state, 0x4020_1000, &mut mem).unwrap();
        assert_eq!(w.check(&state, Access::Read, true), Ok(()));
        assert_eq!(w.check(&state, Access::Write, true), Err(ld_permission(3)));
        assert_eq!(w.check(&state, Access::Read, false), Err(ld_permission(3)));
    }

    #[test]
    fn long_hierarchical_xntable_and_pxntable() {
        let state = ld_state(0, 0, 0x1000, 0);
        for (bit, user_exec, priv_exec) in [(60u32, false, false), (59, true, false)] {
            for table_level in [1u32, 2] {
                let mut mem = Phys::default();
                ld_three_levels(&mut mem, 0x4020_1000, ld_leaf(0x5000, 3, 0b01));
                let slot = if table_level == 1 {
                    0x1000 + 8
                } else {
                    0x2000 + 8
                };
                let next = if table_level == 1 { 0x2000 } else { 0x3000 };
                mem.w64(slot, ld_table(next) | 1 << bit);
                let w = walk(&state, 0x4020_1000, &mut mem).unwrap();
                let ctx = format!("bit {bit} at level {table_level}");
                assert_eq!(
                    w.check(&state, Access::Exec, false).is_ok(),
                    user_exec,
                    "{ctx}"
                );
                assert_eq!(
                    w.check(&state, Access::Exec, true).is_ok(),
                    priv_exec,
                    "{ctx}"
                );
                if !priv_exec {
                    assert_eq!(w.check(&state, Access::Exec, true), Err(ld_permission(3)));
                }
                assert_eq!(w.check(&state, Access::Read, false), Ok(()), "{ctx}");
                assert_eq!(w.check(&state, Access::Write, true), Ok(()), "{ctx}");
            }
        }
    }

    #[test]
    fn long_memory_attributes_from_mair() {
        // Linux's LPAE MAIR0 = 0xeeaa4400, MAIR1 = 0xff000004
        // (proc-v7-3level.S): index 0 SO, 1 NC, 2 WT, 3 WB, 4 Device, 7 WBWA.
        let state = MmuState {
            prrr: 0xeeaa_4400,
            nmrr: 0xff00_0004,
            ..ld_state(0, 0, 0x1000, 0)
        };
        for (index, sh, attr, want_sh) in [
            (0u64, 0b11u64, 0x00u8, 0b10u8), // SO: Outer Shareable whatever SH
            (1, 0b00, 0x44, 0b00),
            (2, 0b10, 0xaa, 0b10),
            (3, 0b11, 0xee, 0b11),
            (4, 0b00, 0x04, 0b10),
            (7, 0b11, 0xff, 0b11),
            (7, 0b01, 0xff, 0b00), // reserved SH
        ] {
            let mut mem = Phys::default();
            mem.w64(0x1000, ld_leaf(0, 1, 0b00) | index << 2 | sh << 8);
            let w = walk(&state, 0x1000, &mut mem).unwrap();
            assert_eq!((w.attr, w.sh), (attr, want_sh), "index {index}");
        }
    }

    // ---- PAR ---------------------------------------------------------------

    #[test]
    fn par_short_format() {
        // B4.1.112, 32-bit PAR. Success: PA[31:12], Outer[1:0] at 3:2,
        // Inner[2:0] at 6:4, SH at 7, NS at 9, NOS at 10, LPAE (11) clear.
        let state = sd_state(0);
        let mut mem = Phys::default();
        // Section, TEX 001 C 1 B 1 (WBWA), S: inner 0b101, outer 0b01, SH.
        let d = section(0x8760_0000, 0b011, 0, false, false) | 1 << 12 | 1 << 3 | 1 << 2 | 1 << 16;
        mem.w32(l1_slot(0x1234_5678), d);
        let r = translate(&state, 0x1234_5678, Access::Read, true, &mut mem);
        assert_eq!(
            par_for(&state, &r),
            0x8764_5000 | 0b101 << 4 | 0b01 << 2 | 1 << 7 | 1 << 9
        );
        // Strongly-ordered: Inner 0b001, shareable. Device: Inner 0b011.
        mem.w32(
            l1_slot(0x2000_0000),
            section(0x3000_0000, 0b011, 0, false, false),
        );
        let r = walk(&state, 0x2000_0abc, &mut mem);
        assert_eq!(
            par_for(&state, &r),
            0x3000_0000 | 0b001 << 4 | 1 << 7 | 1 << 9
        );
        mem.w32(
            l1_slot(0x2010_0000),
            section(0x3000_0000, 0b011, 0, false, false) | 1 << 2,
        );
        let r = walk(&state, 0x2010_0abc, &mut mem);
        assert_eq!(
            par_for(&state, &r),
            0x3000_0000 | 0b011 << 4 | 1 << 7 | 1 << 9
        );
        // Supersection: SS (bit 1), PA[31:24] at 31:24, PA[39:32] at 23:16.
        let sup = 0x9e00_0000 | 0xb << 20 | 1 << 18 | 0b11 << 10 | 0xd << 5 | 0b10;
        mem.w32(l1_slot(0xc3a5_5a5a), sup);
        let r = walk(&state, 0xc3a5_5a5a, &mut mem);
        assert_eq!(
            par_for(&state, &r),
            0x9e00_0000 | 0xdb << 16 | 1 << 1 | 0b001 << 4 | 1 << 7 | 1 << 9
        );
        // Inner Shareable under remap reports SH and NOS.
        let remap = MmuState {
            sctlr: 1 | SCTLR_TRE,
            prrr: 0xff0a_81a8,
            nmrr: 0x40e0_40e0,
            ..state
        };
        mem.w32(
            l1_slot(0x2020_0000),
            section(0x3000_0000, 0b011, 0, false, false) | 1 << 3 | 1 << 2 | 1 << 16,
        );
        let r = walk(&remap, 0x2020_0000, &mut mem);
        assert_eq!(
            par_for(&remap, &r),
            0x3000_0000 | 0b111 << 4 | 0b11 << 2 | 1 << 7 | 1 << 10 | 1 << 9
        );
        // Faults: F (bit 0), FS[4:0] at bits 5:1; no domain, no LPAE.
        // Translation section 0b00101 -> 0b0_0101_1.
        mem.w32(l1_slot(0x5000_0000), 0);
        let r = walk(&state, 0x5000_0000, &mut mem);
        assert_eq!(par_for(&state, &r), 0b00101 << 1 | 1);
        // Permission page with domain 9: 0b01111 -> 0x1f, domain dropped.
        map_page(
            &mut mem,
            0x6000_0000,
            0,
            9,
            false,
            small(0x5000, 0b001, false),
        );
        let r = translate(&state, 0x6000_0000, Access::Read, false, &mut mem);
        assert_eq!(r, Err(with_domain(SD_PERM_PAGE, 9)));
        assert_eq!(par_for(&state, &r), 0b01111 << 1 | 1);
        // An FS[4] status (TLB conflict 0b10000, bit 10) and ExT (bit 12).
        assert_eq!(par_for(&state, &Err(1 << 10)), 0b10000 << 1 | 1);
        assert_eq!(
            par_for(&state, &Err(1 << 12 | 0b01100)),
            1 << 6 | 0b01100 << 1 | 1
        );
        // MMU off: PA = VA, Strongly-ordered.
        let off = MmuState { sctlr: 0, ..state };
        let r = walk(&off, 0xfedc_ba98, &mut mem);
        assert_eq!(
            par_for(&off, &r),
            0xfedc_b000 | 0b001 << 4 | 1 << 7 | 1 << 9
        );
    }

    #[test]
    fn par_long_format() {
        // B4.1.112, 64-bit PAR (LPAE, bit 11, set). Success: PA[39:12], SH
        // at 8:7, NS at 9, ATTR at 63:56. Fault: F, FST at 6:1.
        let state = MmuState {
            prrr: 0xeeaa_4400,
            nmrr: 0xff00_0004,
            ..ld_state(0, 0, 0x1000, 0)
        };
        let mut mem = Phys::default();
        ld_three_levels(
            &mut mem,
            0xdead_beef,
            ld_leaf(0xfe_dcba_9000, 3, 0b00) | 7 << 2 | 0b11 << 8,
        );
        let r = walk(&state, 0xdead_beef, &mut mem);
        assert_eq!(
            par_for(&state, &r),
            0xff << 56 | 0xfe_dcba_9000 | 0b11 << 7 | 1 << 9 | 1 << 11
        );
        // Permission fault at level 3: FST = 0b001111.
        let r = translate(&state, 0xdead_beef, Access::Read, false, &mut mem);
        assert_eq!(r, Err(ld_permission(3)));
        assert_eq!(par_for(&state, &r), 0b001111 << 1 | 1 << 11 | 1);
        // Translation fault at level 1 (neither region): FST = 0b000101.
        let split = MmuState {
            ttbcr: state.ttbcr | 2 | 2 << 16,
            ..state
        };
        let r = walk(&split, 0x8000_0000, &mut mem);
        assert_eq!(par_for(&split, &r), 0b000101 << 1 | 1 << 11 | 1);
        // MMU off with EAE: the 64-bit format, PA = VA, Strongly-ordered.
        let off = MmuState { sctlr: 0, ..state };
        let r = walk(&off, 0x1234_5678, &mut mem);
        assert_eq!(
            par_for(&off, &r),
            0x1234_5000 | 0b10 << 7 | 1 << 9 | 1 << 11
        );
    }

    // ---- other statuses ------------------------------------------------------

    #[test]
    fn alignment_debug_and_external_abort_statuses() {
        let short = sd_state(0);
        let long = ld_state(0, 0, 0, 0);
        // B3-23: alignment 0b00001, debug 0b00010, external abort 0b01000.
        assert_eq!(alignment_status(&short), 0b00001);
        assert_eq!(debug_status(&short), 0b00010);
        assert_eq!(external_abort_status(&short), 0b01000);
        // B3-24: alignment 0b100001, debug 0b100010, external abort
        // 0b010000, with the LPAE bit (9).
        assert_eq!(alignment_status(&long), 0x200 | 0b100001);
        assert_eq!(debug_status(&long), 0x200 | 0b100010);
        assert_eq!(external_abort_status(&long), 0x200 | 0b010000);
        // The format follows TTBCR.EAE even with the MMU off.
        let off = MmuState { sctlr: 0, ..long };
        assert_eq!(alignment_status(&off), 0x221);
    }

    #[test]
    fn exported_constants_match_the_tables() {
        // B3-23 and B3-24 values, checked against the named constants.
        assert_eq!(sd_fs::TRANSLATION_SECTION, SD_TRANSLATION_SECTION);
        assert_eq!(sd_fs::TRANSLATION_PAGE, SD_TRANSLATION_PAGE);
        assert_eq!(sd_fs::ACCESS_FLAG_SECTION, SD_AF_SECTION);
        assert_eq!(sd_fs::ACCESS_FLAG_PAGE, SD_AF_PAGE);
        assert_eq!(sd_fs::DOMAIN_SECTION, SD_DOMAIN_SECTION);
        assert_eq!(sd_fs::DOMAIN_PAGE, SD_DOMAIN_PAGE);
        assert_eq!(sd_fs::PERMISSION_SECTION, SD_PERM_SECTION);
        assert_eq!(sd_fs::PERMISSION_PAGE, SD_PERM_PAGE);
        assert_eq!(sd_fs::WALK_EXTERNAL_ABORT_L1, SD_WALK_EA_L1);
        assert_eq!(sd_fs::WALK_EXTERNAL_ABORT_L2, SD_WALK_EA_L2);
        for level in 1..=3 {
            assert_eq!(
                ld_status_at(ld_status::TRANSLATION, level as u8),
                ld_translation(level)
            );
            assert_eq!(
                ld_status_at(ld_status::ACCESS_FLAG, level as u8),
                ld_access_flag(level)
            );
            assert_eq!(
                ld_status_at(ld_status::PERMISSION, level as u8),
                ld_permission(level)
            );
            assert_eq!(
                ld_status_at(ld_status::WALK_EXTERNAL_ABORT, level as u8),
                ld_walk_abort(level)
            );
        }
    }

    // ---- robustness ----------------------------------------------------------

    /// Memory whose every word is a hash of its address, some of it aborting.
    struct Noise(u64);

    fn mix(mut x: u64) -> u64 {
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    }

    impl PhysRead for Noise {
        fn read_u32(&mut self, pa: u64) -> Option<u32> {
            self.read_u64(pa & !7).map(|v| (v >> (8 * (pa & 4))) as u32)
        }
        fn read_u64(&mut self, pa: u64) -> Option<u64> {
            let v = mix(pa ^ self.0);
            (!v.is_multiple_of(13)).then_some(v)
        }
    }

    #[test]
    fn random_registers_descriptors_and_addresses_never_panic() {
        let mut seed = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            seed = mix(seed.wrapping_add(0x9e37_79b9_7f4a_7c15));
            seed
        };
        let mut oks = 0;
        for _ in 0..20_000 {
            let state = MmuState {
                sctlr: next() as u32 | 1,
                ttbcr: next() as u32,
                ttbr0: next(),
                ttbr1: next(),
                dacr: next() as u32,
                prrr: next() as u32,
                nmrr: next() as u32,
                contextidr: next() as u32,
                privileged: next() & 1 != 0,
            };
            let mut mem = Noise(next());
            let va = next() as u32;
            let r = walk(&state, va, &mut mem);
            if let Ok(w) = &r {
                oks += 1;
                assert!(w.pa < 1 << 40);
                assert_eq!(
                    w.pa & ((1 << w.page_bits.min(32)) - 1),
                    u64::from(va) & ((1 << w.page_bits.min(32)) - 1)
                );
                for access in ACCESSES {
                    for privileged in [false, true] {
                        if let Err(status) = w.check(&state, access, privileged) {
                            assert_eq!(status & FSR_LPAE != 0, state.lpae());
                            let _ = par_for(&state, &Err(status));
                        }
                    }
                }
            } else if let Err(status) = r {
                assert_eq!(status & FSR_LPAE != 0, state.lpae());
            }
            let _ = par_for(&state, &r);
        }
        assert!(oks > 1000, "the noise should map something ({oks})");
    }
}
