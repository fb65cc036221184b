//! Parsing and validation of 32-bit little-endian ARM ELF executables.
//!
//! [`parse_elf`] accepts `ET_EXEC` (classic fixed-address executables) and
//! `ET_DYN` (PIE, static-pie, and the dynamic linker `ld-linux-armhf.so.3`
//! itself) and returns an [`ElfImage`]: the loadable segments with their
//! protections, the entry point, where the program headers are in memory, the
//! interpreter path and the stack executability. Nothing is mapped here; the
//! caller (linux-user) maps each [`LoadSegment`] at `vaddr + load_bias`.
//!
//! goblin decodes the headers, but every offset and size is bounds-checked
//! here first, so a malformed or hostile file gives a [`LoadError`], never a
//! panic.
//!
//! Rules, following Linux `fs/binfmt_elf.c`:
//! - segments with `p_memsz == 0` are ignored;
//! - `PT_LOAD` segments must be sorted by `p_vaddr` and must not overlap byte
//!   ranges (two segments may share a page: the mapper must handle that);
//! - `p_vaddr` and `p_offset` must be congruent modulo [`PAGE_SIZE`], since the
//!   file is mapped page by page;
//! - the memory image must fit below 4 GiB with its last page.

use crate::error::LoadError;
use goblin::container::{Container, Ctx, Endian};
use goblin::elf::program_header::ProgramHeader;

/// Guest page size assumed for alignment checks (ARM Linux uses 4 KiB pages).
pub const PAGE_SIZE: u32 = 4096;

/// `e_machine` value of 32-bit ARM.
pub const EM_ARM: u16 = 40;
/// `e_type` of a fixed-address executable.
pub const ET_EXEC: u16 = 2;
/// `e_type` of a position-independent executable or shared object.
pub const ET_DYN: u16 = 3;

/// Program header type: loadable segment.
pub const PT_LOAD: u32 = 1;
/// Program header type: dynamic linking information.
pub const PT_DYNAMIC: u32 = 2;
/// Program header type: path of the program interpreter.
pub const PT_INTERP: u32 = 3;
/// Program header type: the program header table itself.
pub const PT_PHDR: u32 = 6;
/// Program header type: thread-local storage template.
pub const PT_TLS: u32 = 7;
/// Program header type: stack flags (executable or not).
pub const PT_GNU_STACK: u32 = 0x6474_e551;
/// Program header type: ARM exception unwind index table.
pub const PT_ARM_EXIDX: u32 = 0x7000_0001;

/// Segment permission flag: executable.
pub const PF_X: u32 = 1;
/// Segment permission flag: writable.
pub const PF_W: u32 = 2;
/// Segment permission flag: readable.
pub const PF_R: u32 = 4;

/// `e_flags` mask of the ARM EABI version.
pub const EF_ARM_EABIMASK: u32 = 0xff00_0000;
/// `e_flags` EABI version 5 (what current toolchains emit).
pub const EF_ARM_EABI_VER5: u32 = 0x0500_0000;
/// `e_flags`: the image uses BE8 (byte-invariant big-endian) code.
pub const EF_ARM_BE8: u32 = 0x0080_0000;
/// `e_flags`: hard-float calling convention (armhf, VFP registers for arguments).
pub const EF_ARM_ABI_FLOAT_HARD: u32 = 0x0000_0400;
/// `e_flags`: soft-float calling convention (armel).
pub const EF_ARM_ABI_FLOAT_SOFT: u32 = 0x0000_0200;

/// Size of an `Elf32_Ehdr`.
const EHDR_SIZE: usize = 52;
/// Size of an `Elf32_Phdr`.
const PHDR_SIZE: u16 = 32;
/// Longest accepted interpreter path, including its NUL (Linux `PATH_MAX`).
const MAX_INTERP_LEN: u32 = 4096;

/// Kind of ELF file accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElfType {
    /// `ET_EXEC`: loaded at its link addresses (load bias 0).
    Exec,
    /// `ET_DYN`: position independent, loaded at a chosen bias.
    Dyn,
}

/// Memory protection of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prot {
    /// Readable (`PF_R`).
    pub read: bool,
    /// Writable (`PF_W`).
    pub write: bool,
    /// Executable (`PF_X`).
    pub exec: bool,
}

impl Prot {
    /// Decodes ELF `p_flags` (`PF_R`/`PF_W`/`PF_X`).
    pub fn from_p_flags(flags: u32) -> Prot {
        Prot {
            read: flags & PF_R != 0,
            write: flags & PF_W != 0,
            exec: flags & PF_X != 0,
        }
    }

    /// The equivalent Linux `PROT_*` bits (`PROT_READ` 1, `PROT_WRITE` 2, `PROT_EXEC` 4).
    pub fn to_mmap_prot(self) -> u32 {
        u32::from(self.read) | (u32::from(self.write) << 1) | (u32::from(self.exec) << 2)
    }
}

/// One `PT_LOAD` segment to be mapped.
///
/// Bytes `file_offset .. file_offset + filesz` of the file go to
/// `vaddr .. vaddr + filesz` (plus the load bias); the rest up to `memsz` is
/// zero (`.bss`). Note that the zeroing must also cover the tail of the last
/// file-backed page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadSegment {
    /// Link-time virtual address (`p_vaddr`), before adding the load bias.
    pub vaddr: u32,
    /// Size in memory (`p_memsz`), never 0.
    pub memsz: u32,
    /// Offset of the data in the file (`p_offset`).
    pub file_offset: u64,
    /// Number of bytes taken from the file (`p_filesz`), `<= memsz`.
    pub filesz: u32,
    /// Protection from `p_flags`.
    pub prot: Prot,
    /// `p_align` as found (informative; only page congruence is enforced).
    pub align: u32,
}

impl LoadSegment {
    /// End address (exclusive) of the segment in memory, before the bias.
    pub fn end(&self) -> u64 {
        u64::from(self.vaddr) + u64::from(self.memsz)
    }
}

/// A validated ELF executable, ready to be mapped by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfImage {
    /// `ET_EXEC` or `ET_DYN`.
    pub elf_type: ElfType,
    /// Entry point (`e_entry`), before adding the load bias.
    pub entry: u32,
    /// File offset of the program header table (`e_phoff`).
    pub phoff: u32,
    /// Number of program headers (`e_phnum`), for `AT_PHNUM`.
    pub phnum: u16,
    /// Size of one program header (`e_phentsize`), for `AT_PHENT`.
    pub phentsize: u16,
    /// Virtual address of the program headers (before the bias), for `AT_PHDR`:
    /// from `PT_PHDR`, else from the `PT_LOAD` that maps `e_phoff`; `None` if
    /// the headers are not loaded at all.
    pub phdr_vaddr: Option<u32>,
    /// The non-empty `PT_LOAD` segments, sorted by address.
    pub segments: Vec<LoadSegment>,
    /// Path of the program interpreter (`PT_INTERP`), without its NUL.
    pub interp: Option<String>,
    /// Protection requested by `PT_GNU_STACK`, if that header is present.
    pub gnu_stack: Option<Prot>,
    /// `e_flags` (see the `EF_ARM_*` constants).
    pub eflags: u32,
}

impl ElfImage {
    /// Page-aligned address range `(lo, hi)` covered by the segments, before
    /// the load bias: `lo` is rounded down, `hi` (exclusive) rounded up.
    pub fn span(&self) -> (u32, u32) {
        let lo = self.segments.iter().map(|s| s.vaddr).min().unwrap_or(0);
        let hi = self.segments.iter().map(|s| s.end()).max().unwrap_or(0);
        let lo = lo & !(PAGE_SIZE - 1);
        let hi = (hi + u64::from(PAGE_SIZE) - 1) & !u64::from(PAGE_SIZE - 1);
        // parse_elf guarantees the rounded end fits in 32 bits.
        (
            lo,
            u32::try_from(hi).unwrap_or(0u32.wrapping_sub(PAGE_SIZE)),
        )
    }

    /// Total size in bytes of [`span`](Self::span).
    pub fn span_len(&self) -> u32 {
        let (lo, hi) = self.span();
        hi - lo
    }

    /// Whether a `PT_GNU_STACK` header asks for an executable stack.
    ///
    /// Returns false when the header is absent. (Linux on ARMv7 also gives a
    /// non-executable stack in that case unless the `READ_IMPLIES_EXEC`
    /// personality is set.)
    pub fn has_gnu_stack_exec(&self) -> bool {
        self.gnu_stack.is_some_and(|p| p.exec)
    }

    /// Whether the image is position independent (`ET_DYN`).
    pub fn is_dyn(&self) -> bool {
        self.elf_type == ElfType::Dyn
    }

    /// ARM EABI version from `e_flags` (5 for current toolchains, 0 for old ABI).
    pub fn eabi_version(&self) -> u32 {
        (self.eflags & EF_ARM_EABIMASK) >> 24
    }

    /// Whether `e_flags` marks the hard-float (armhf) calling convention.
    pub fn is_hard_float(&self) -> bool {
        self.eflags & EF_ARM_ABI_FLOAT_HARD != 0
    }

    /// Largest `p_align` of the `PT_LOAD` segments (at least [`PAGE_SIZE`]):
    /// the alignment to give the load bias of an `ET_DYN` image.
    pub fn max_align(&self) -> u32 {
        self.segments
            .iter()
            .map(|s| s.align)
            .filter(|a| a.is_power_of_two())
            .fold(PAGE_SIZE, u32::max)
    }
}

fn check_range(
    what: &'static str,
    offset: u64,
    size: u64,
    file_len: usize,
) -> Result<(), LoadError> {
    let file_len = file_len as u64;
    if offset.checked_add(size).is_none_or(|end| end > file_len) {
        return Err(LoadError::Truncated {
            what,
            offset,
            size,
            file_len,
        });
    }
    Ok(())
}

/// Parses and validates a 32-bit little-endian ARM ELF executable.
///
/// Never panics, whatever the input: every malformation gives a [`LoadError`].
pub fn parse_elf(bytes: &[u8]) -> Result<ElfImage, LoadError> {
    if bytes.len() < 4 || &bytes[..4] != b"\x7fELF" {
        return Err(LoadError::NotElf);
    }
    if bytes.len() < 6 {
        return Err(LoadError::Truncated {
            what: "ELF identification",
            offset: 0,
            size: 16,
            file_len: bytes.len() as u64,
        });
    }
    match bytes[4] {
        1 => {}
        2 => return Err(LoadError::Elf64),
        v => {
            return Err(LoadError::BadIdent {
                what: "EI_CLASS",
                value: v,
            })
        }
    }
    match bytes[5] {
        1 => {}
        2 => return Err(LoadError::BigEndian),
        v => {
            return Err(LoadError::BadIdent {
                what: "EI_DATA",
                value: v,
            })
        }
    }
    check_range("ELF header", 0, EHDR_SIZE as u64, bytes.len())?;
    if bytes[6] != 1 {
        return Err(LoadError::BadIdent {
            what: "EI_VERSION",
            value: bytes[6],
        });
    }
    let header =
        goblin::elf::Elf::parse_header(bytes).map_err(|e| LoadError::Malformed(e.to_string()))?;
    if header.e_machine != EM_ARM {
        return Err(LoadError::WrongMachine(header.e_machine));
    }
    let elf_type = match header.e_type {
        ET_EXEC => ElfType::Exec,
        ET_DYN => ElfType::Dyn,
        t => return Err(LoadError::BadType(t)),
    };
    let phnum = header.e_phnum;
    if phnum == 0 {
        return Err(LoadError::NoLoadSegments);
    }
    if phnum == 0xffff {
        return Err(LoadError::BadPhnum(phnum));
    }
    if header.e_phentsize != PHDR_SIZE {
        return Err(LoadError::BadPhentsize(header.e_phentsize));
    }
    // ELF32 fields are 32 bits wide; goblin widens them to u64.
    let phoff = u32::try_from(header.e_phoff)
        .map_err(|_| LoadError::Malformed("e_phoff does not fit 32 bits".into()))?;
    let entry = u32::try_from(header.e_entry)
        .map_err(|_| LoadError::Malformed("e_entry does not fit 32 bits".into()))?;
    let table_size = u64::from(phnum) * u64::from(PHDR_SIZE);
    check_range(
        "program header table",
        u64::from(phoff),
        table_size,
        bytes.len(),
    )?;

    let ctx = Ctx::new(Container::Little, Endian::Little);
    let phdrs = ProgramHeader::parse(bytes, phoff as usize, usize::from(phnum), ctx)
        .map_err(|e| LoadError::Malformed(e.to_string()))?;

    let mut segments: Vec<LoadSegment> = Vec::new();
    let mut interp = None;
    let mut gnu_stack = None;
    let mut pt_phdr = None;
    let mut prev_end: Option<u64> = None;

    for (index, ph) in phdrs.iter().enumerate() {
        // All fields of an Elf32_Phdr are 32 bits wide.
        let off = ph.p_offset as u32;
        let vaddr = ph.p_vaddr as u32;
        let filesz = ph.p_filesz as u32;
        let memsz = ph.p_memsz as u32;
        match ph.p_type {
            PT_LOAD => {
                if filesz > memsz {
                    return Err(LoadError::FileszExceedsMemsz {
                        index,
                        filesz,
                        memsz,
                    });
                }
                if memsz == 0 {
                    continue;
                }
                check_range(
                    "PT_LOAD segment data",
                    u64::from(off),
                    u64::from(filesz),
                    bytes.len(),
                )?;
                if off % PAGE_SIZE != vaddr % PAGE_SIZE {
                    return Err(LoadError::Misaligned {
                        index,
                        vaddr,
                        offset: off,
                        page_size: PAGE_SIZE,
                    });
                }
                let end = u64::from(vaddr) + u64::from(memsz);
                // The last page, rounded up, must still be addressable.
                if end > u64::from(u32::MAX - PAGE_SIZE + 1) {
                    return Err(LoadError::AddressOverflow {
                        index,
                        vaddr,
                        memsz,
                    });
                }
                if let Some(prev_end) = prev_end {
                    if u64::from(vaddr) < prev_end {
                        return Err(LoadError::OverlappingSegments {
                            index,
                            vaddr,
                            prev_end,
                        });
                    }
                }
                prev_end = Some(end);
                segments.push(LoadSegment {
                    vaddr,
                    memsz,
                    file_offset: u64::from(off),
                    filesz,
                    prot: Prot::from_p_flags(ph.p_flags),
                    align: ph.p_align as u32,
                });
            }
            PT_INTERP => {
                if interp.is_some() {
                    return Err(LoadError::BadInterp(
                        "more than one PT_INTERP header".into(),
                    ));
                }
                interp = Some(parse_interp(bytes, off, filesz)?);
            }
            PT_GNU_STACK => gnu_stack = Some(Prot::from_p_flags(ph.p_flags)),
            PT_PHDR => pt_phdr = Some(vaddr),
            _ => {}
        }
    }
    if segments.is_empty() {
        return Err(LoadError::NoLoadSegments);
    }
    let phdr_vaddr = pt_phdr.or_else(|| {
        let (start, end) = (u64::from(phoff), u64::from(phoff) + table_size);
        segments
            .iter()
            .find(|s| s.file_offset <= start && end <= s.file_offset + u64::from(s.filesz))
            .map(|s| s.vaddr + (phoff - s.file_offset as u32))
    });
    Ok(ElfImage {
        elf_type,
        entry,
        phoff,
        phnum,
        phentsize: header.e_phentsize,
        phdr_vaddr,
        segments,
        interp,
        gnu_stack,
        eflags: header.e_flags,
    })
}

fn parse_interp(bytes: &[u8], off: u32, filesz: u32) -> Result<String, LoadError> {
    if filesz < 2 {
        return Err(LoadError::BadInterp(format!(
            "path of {filesz} bytes is too short"
        )));
    }
    if filesz > MAX_INTERP_LEN {
        return Err(LoadError::BadInterp(format!(
            "path of {filesz} bytes is longer than PATH_MAX"
        )));
    }
    check_range(
        "PT_INTERP string",
        u64::from(off),
        u64::from(filesz),
        bytes.len(),
    )?;
    let raw = &bytes[off as usize..(off + filesz) as usize];
    let Some((&0, path)) = raw.split_last() else {
        return Err(LoadError::BadInterp("path is not NUL-terminated".into()));
    };
    if path.contains(&0) {
        return Err(LoadError::BadInterp(
            "path contains an embedded NUL byte".into(),
        ));
    }
    String::from_utf8(path.to_vec())
        .map_err(|_| LoadError::BadInterp("path is not valid UTF-8".into()))
}

#[cfg(test)]
pub(crate) mod test_elf {
    //! A tiny ELF32 little-endian builder for tests.

    /// One program header to emit.
    #[derive(Clone, Debug)]
    pub struct Ph {
        pub p_type: u32,
        pub offset: u32,
        pub vaddr: u32,
        pub filesz: u32,
        pub memsz: u32,
        pub flags: u32,
        pub align: u32,
    }

    impl Ph {
        pub fn load(offset: u32, vaddr: u32, filesz: u32, memsz: u32, flags: u32) -> Ph {
            Ph {
                p_type: super::PT_LOAD,
                offset,
                vaddr,
                filesz,
                memsz,
                flags,
                align: 0x1000,
            }
        }
        pub fn other(p_type: u32, offset: u32, vaddr: u32, filesz: u32, flags: u32) -> Ph {
            Ph {
                p_type,
                offset,
                vaddr,
                filesz,
                memsz: filesz,
                flags,
                align: 4,
            }
        }
    }

    /// Builds a file: ELF header, program headers at offset 52, `extra`
    /// bytes written at given offsets, padded to `len`.
    pub fn build(
        e_type: u16,
        entry: u32,
        phs: &[Ph],
        extra: &[(u32, &[u8])],
        len: usize,
    ) -> Vec<u8> {
        let mut f = vec![0u8; len.max(52 + 32 * phs.len())];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4] = 1; // ELFCLASS32
        f[5] = 1; // ELFDATA2LSB
        f[6] = 1; // EV_CURRENT
        let put16 =
            |f: &mut Vec<u8>, o: usize, v: u16| f[o..o + 2].copy_from_slice(&v.to_le_bytes());
        let put32 =
            |f: &mut Vec<u8>, o: usize, v: u32| f[o..o + 4].copy_from_slice(&v.to_le_bytes());
        put16(&mut f, 16, e_type);
        put16(&mut f, 18, 40);
        put32(&mut f, 20, 1);
        put32(&mut f, 24, entry);
        put32(&mut f, 28, 52); // e_phoff
        put32(&mut f, 32, 0); // e_shoff
        put32(&mut f, 36, 0x0500_0400); // EABI5, hard float
        put16(&mut f, 40, 52);
        put16(&mut f, 42, 32);
        put16(&mut f, 44, phs.len() as u16);
        put16(&mut f, 46, 40);
        for (i, ph) in phs.iter().enumerate() {
            let o = 52 + 32 * i;
            put32(&mut f, o, ph.p_type);
            put32(&mut f, o + 4, ph.offset);
            put32(&mut f, o + 8, ph.vaddr);
            put32(&mut f, o + 12, ph.vaddr);
            put32(&mut f, o + 16, ph.filesz);
            put32(&mut f, o + 20, ph.memsz);
            put32(&mut f, o + 24, ph.flags);
            put32(&mut f, o + 28, ph.align);
        }
        for (off, data) in extra {
            let o = *off as usize;
            f[o..o + data.len()].copy_from_slice(data);
        }
        f
    }

    pub const INTERP: &[u8] = b"/lib/ld-linux-armhf.so.3\0";

    /// A typical dynamically linked ET_EXEC: text at 0x10000 (covering the
    /// headers), data at 0x20f00, PT_INTERP, PT_GNU_STACK RW.
    pub fn dynamic_exec() -> Vec<u8> {
        let phs = [
            Ph::other(super::PT_PHDR, 52, 0x10034, 5 * 32, super::PF_R),
            Ph::other(
                super::PT_INTERP,
                0x200,
                0x10200,
                INTERP.len() as u32,
                super::PF_R,
            ),
            Ph::load(0, 0x10000, 0x800, 0x800, super::PF_R | super::PF_X),
            Ph::load(0xf00, 0x20f00, 0x100, 0x300, super::PF_R | super::PF_W),
            Ph::other(super::PT_GNU_STACK, 0, 0, 0, super::PF_R | super::PF_W),
        ];
        build(super::ET_EXEC, 0x10400, &phs, &[(0x200, INTERP)], 0x1000)
    }

    /// A static-pie style ET_DYN without PT_PHDR and PT_INTERP.
    pub fn static_pie() -> Vec<u8> {
        let phs = [
            Ph::load(0, 0, 0x1800, 0x1800, super::PF_R | super::PF_X),
            Ph::load(0x1800, 0x2800, 0x200, 0x1000, super::PF_R | super::PF_W),
            Ph::other(
                super::PT_GNU_STACK,
                0,
                0,
                0,
                super::PF_R | super::PF_W | super::PF_X,
            ),
        ];
        build(super::ET_DYN, 0x101, &phs, &[], 0x1a00)
    }
}

#[cfg(test)]
mod tests {
    use super::test_elf::*;
    use super::*;

    fn put32(f: &mut [u8], o: usize, v: u32) {
        f[o..o + 4].copy_from_slice(&v.to_le_bytes());
    }

    #[test]
    fn parses_dynamic_exec() {
        let img = parse_elf(&dynamic_exec()).unwrap();
        assert_eq!(img.elf_type, ElfType::Exec);
        assert_eq!(img.entry, 0x10400);
        assert_eq!(img.phoff, 52);
        assert_eq!(img.phnum, 5);
        assert_eq!(img.phentsize, 32);
        assert_eq!(img.phdr_vaddr, Some(0x10034));
        assert_eq!(img.interp.as_deref(), Some("/lib/ld-linux-armhf.so.3"));
        assert_eq!(img.segments.len(), 2);
        let text = &img.segments[0];
        assert_eq!(
            (text.vaddr, text.memsz, text.file_offset, text.filesz),
            (0x10000, 0x800, 0, 0x800)
        );
        assert_eq!(
            text.prot,
            Prot {
                read: true,
                write: false,
                exec: true
            }
        );
        assert_eq!(text.prot.to_mmap_prot(), 5);
        let data = &img.segments[1];
        assert_eq!(
            (data.vaddr, data.memsz, data.file_offset, data.filesz),
            (0x20f00, 0x300, 0xf00, 0x100)
        );
        assert_eq!(data.prot.to_mmap_prot(), 3);
        assert_eq!(img.span(), (0x10000, 0x22000));
        assert_eq!(img.span_len(), 0x12000);
        assert!(!img.has_gnu_stack_exec());
        assert!(img.is_hard_float());
        assert_eq!(img.eabi_version(), 5);
        assert!(!img.is_dyn());
        assert_eq!(img.max_align(), 0x1000);
    }

    #[test]
    fn parses_static_pie_and_computes_phdr_from_load() {
        let img = parse_elf(&static_pie()).unwrap();
        assert_eq!(img.elf_type, ElfType::Dyn);
        assert!(img.is_dyn());
        assert_eq!(img.interp, None);
        // No PT_PHDR: e_phoff 52 lies in the first PT_LOAD at vaddr 0.
        assert_eq!(img.phdr_vaddr, Some(52));
        assert!(img.has_gnu_stack_exec());
        assert_eq!(img.span(), (0, 0x4000));
    }

    #[test]
    fn phdr_not_loaded_gives_none() {
        let phs = [Ph::load(0x1000, 0x8000, 0x100, 0x100, PF_R | PF_X)];
        let f = build(ET_EXEC, 0x8000, &phs, &[], 0x1100);
        let img = parse_elf(&f).unwrap();
        assert_eq!(img.phdr_vaddr, None);
        assert_eq!(img.gnu_stack, None);
        assert!(!img.has_gnu_stack_exec());
    }

    #[test]
    fn rejects_bad_identification() {
        assert_eq!(parse_elf(b""), Err(LoadError::NotElf));
        assert_eq!(parse_elf(b"MZ\x90\x00 not elf"), Err(LoadError::NotElf));
        let mut f = dynamic_exec();
        f[4] = 2;
        assert_eq!(parse_elf(&f), Err(LoadError::Elf64));
        f[4] = 7;
        assert!(matches!(
            parse_elf(&f),
            Err(LoadError::BadIdent {
                what: "EI_CLASS",
                value: 7
            })
        ));
        let mut f = dynamic_exec();
        f[5] = 2;
        assert_eq!(parse_elf(&f), Err(LoadError::BigEndian));
        let mut f = dynamic_exec();
        f[18] = 62; // EM_X86_64
        let err = parse_elf(&f).unwrap_err();
        assert_eq!(err, LoadError::WrongMachine(62));
        assert!(err.to_string().contains("62 (x86-64)"), "{err}");
        let mut f = dynamic_exec();
        f[16] = 1; // ET_REL
        assert_eq!(parse_elf(&f), Err(LoadError::BadType(1)));
        let mut f = dynamic_exec();
        f[16] = 4; // ET_CORE
        assert_eq!(parse_elf(&f), Err(LoadError::BadType(4)));
    }

    #[test]
    fn rejects_truncation() {
        let f = dynamic_exec();
        assert!(matches!(
            parse_elf(&f[..40]),
            Err(LoadError::Truncated {
                what: "ELF header",
                ..
            })
        ));
        assert!(matches!(
            parse_elf(&f[..100]),
            Err(LoadError::Truncated {
                what: "program header table",
                ..
            })
        ));
        // Segment data past EOF: the data PT_LOAD needs 0xf00..0x1000.
        assert!(matches!(
            parse_elf(&f[..0xf80]),
            Err(LoadError::Truncated {
                what: "PT_LOAD segment data",
                ..
            })
        ));
        // PT_INTERP string past EOF.
        let mut g = f.clone();
        put32(&mut g, 52 + 32 + 4, 0xff0);
        assert!(matches!(
            parse_elf(&g),
            Err(LoadError::Truncated {
                what: "PT_INTERP string",
                ..
            })
        ));
    }

    #[test]
    fn rejects_bad_program_headers() {
        // filesz > memsz
        let phs = [Ph::load(0, 0x10000, 0x200, 0x100, PF_R)];
        let f = build(ET_EXEC, 0x10000, &phs, &[], 0x1000);
        assert!(matches!(
            parse_elf(&f),
            Err(LoadError::FileszExceedsMemsz { index: 0, .. })
        ));
        // misaligned offset vs vaddr
        let phs = [Ph::load(0x10, 0x10020, 0x100, 0x100, PF_R)];
        let f = build(ET_EXEC, 0x10000, &phs, &[], 0x1000);
        assert!(matches!(
            parse_elf(&f),
            Err(LoadError::Misaligned { index: 0, .. })
        ));
        // overlap
        let phs = [
            Ph::load(0, 0x10000, 0x100, 0x2000, PF_R),
            Ph::load(0x100, 0x11100, 0x100, 0x100, PF_R),
        ];
        let f = build(ET_EXEC, 0x10000, &phs, &[], 0x1000);
        assert!(matches!(
            parse_elf(&f),
            Err(LoadError::OverlappingSegments { index: 1, .. })
        ));
        // unsorted
        let phs = [
            Ph::load(0x100, 0x20100, 0x100, 0x100, PF_R),
            Ph::load(0, 0x10000, 0x100, 0x100, PF_R),
        ];
        let f = build(ET_EXEC, 0x10000, &phs, &[], 0x1000);
        assert!(matches!(
            parse_elf(&f),
            Err(LoadError::OverlappingSegments { index: 1, .. })
        ));
        // sharing a page without overlapping bytes is fine
        let phs = [
            Ph::load(0, 0x10000, 0x100, 0x100, PF_R | PF_X),
            Ph::load(0x100, 0x10100, 0x100, 0x100, PF_R | PF_W),
        ];
        let f = build(ET_EXEC, 0x10000, &phs, &[], 0x1000);
        assert_eq!(parse_elf(&f).unwrap().segments.len(), 2);
        // address overflow
        let phs = [Ph::load(0, 0xffff_0000, 0x100, 0x10000, PF_R)];
        let f = build(ET_EXEC, 0xffff_0000, &phs, &[], 0x1000);
        assert!(matches!(
            parse_elf(&f),
            Err(LoadError::AddressOverflow { index: 0, .. })
        ));
        let phs = [Ph::load(0, 0xffff_e000, 0x100, 0x1001, PF_R)];
        let f = build(ET_EXEC, 0xffff_e000, &phs, &[], 0x1000);
        assert!(matches!(
            parse_elf(&f),
            Err(LoadError::AddressOverflow { .. })
        ));
        let phs = [Ph::load(0, 0xffff_e000, 0x100, 0x1000, PF_R)];
        let f = build(ET_EXEC, 0xffff_e000, &phs, &[], 0x1000);
        assert_eq!(parse_elf(&f).unwrap().span(), (0xffff_e000, 0xffff_f000));
        // no PT_LOAD at all, and only empty ones
        let phs = [Ph::other(PT_GNU_STACK, 0, 0, 0, PF_R | PF_W)];
        let f = build(ET_EXEC, 0, &phs, &[], 0x100);
        assert_eq!(parse_elf(&f), Err(LoadError::NoLoadSegments));
        let phs = [Ph::load(0, 0x10000, 0, 0, PF_R)];
        let f = build(ET_EXEC, 0, &phs, &[], 0x100);
        assert_eq!(parse_elf(&f), Err(LoadError::NoLoadSegments));
        let f = build(ET_EXEC, 0, &[], &[], 0x100);
        assert_eq!(parse_elf(&f), Err(LoadError::NoLoadSegments));
        // bad phentsize
        let mut f = dynamic_exec();
        f[42] = 56;
        assert_eq!(parse_elf(&f), Err(LoadError::BadPhentsize(56)));
        // PN_XNUM
        let mut f = dynamic_exec();
        f[44] = 0xff;
        f[45] = 0xff;
        assert_eq!(parse_elf(&f), Err(LoadError::BadPhnum(0xffff)));
    }

    #[test]
    fn rejects_bad_interp() {
        let mk = |s: &[u8]| {
            let phs = [
                Ph::other(PT_INTERP, 0x200, 0x10200, s.len() as u32, PF_R),
                Ph::load(0, 0x10000, 0x800, 0x800, PF_R | PF_X),
            ];
            parse_elf(&build(ET_EXEC, 0x10000, &phs, &[(0x200, s)], 0x1000))
        };
        assert!(mk(b"/lib/ld.so\0").is_ok());
        assert!(
            matches!(mk(b"/lib/ld.so"), Err(LoadError::BadInterp(m)) if m.contains("NUL-terminated"))
        );
        assert!(
            matches!(mk(b"/lib\0/ld.so\0"), Err(LoadError::BadInterp(m)) if m.contains("embedded"))
        );
        assert!(matches!(mk(b"\0"), Err(LoadError::BadInterp(_))));
        assert!(
            matches!(mk(b"/lib/\xff\xfe\0"), Err(LoadError::BadInterp(m)) if m.contains("UTF-8"))
        );
        // Two PT_INTERP headers.
        let phs = [
            Ph::other(PT_INTERP, 0x200, 0x10200, 4, PF_R),
            Ph::other(PT_INTERP, 0x200, 0x10200, 4, PF_R),
            Ph::load(0, 0x10000, 0x800, 0x800, PF_R | PF_X),
        ];
        let f = build(ET_EXEC, 0x10000, &phs, &[(0x200, b"/ab\0")], 0x1000);
        assert!(
            matches!(parse_elf(&f), Err(LoadError::BadInterp(m)) if m.contains("more than one"))
        );
    }

    /// A small deterministic PRNG (xorshift) so the fuzz test is reproducible.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn malformed_inputs_never_panic() {
        let seeds = [dynamic_exec(), static_pie()];
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for base in &seeds {
            // Every truncation.
            for len in 0..=base.len() {
                let _ = parse_elf(&base[..len]);
            }
            // Single bit flips in the headers.
            for bit in 0..(52 + 5 * 32) * 8 {
                let mut f = base.clone();
                if bit / 8 < f.len() {
                    f[bit / 8] ^= 1 << (bit % 8);
                    let _ = parse_elf(&f);
                }
            }
            // Random multi-byte corruption of the headers, including extreme values.
            for _ in 0..20_000 {
                let mut f = base.clone();
                for _ in 0..(rng.next() % 6 + 1) {
                    let o = (rng.next() % (52 + 5 * 32)) as usize;
                    let v = match rng.next() % 4 {
                        0 => 0xff,
                        1 => 0,
                        2 => 0x80,
                        _ => rng.next() as u8,
                    };
                    if o < f.len() {
                        f[o] = v;
                    }
                }
                let cut = (rng.next() as usize) % (f.len() + 1);
                let _ = parse_elf(&f);
                let _ = parse_elf(&f[..cut]);
            }
        }
        // Pure garbage, with and without an ELF magic.
        for _ in 0..5_000 {
            let n = (rng.next() % 300) as usize;
            let mut g: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            let _ = parse_elf(&g);
            if g.len() >= 6 {
                g[..6].copy_from_slice(b"\x7fELF\x01\x01");
                let _ = parse_elf(&g);
            }
        }
    }

    #[test]
    fn parses_host_cross_dynamic_linker_if_present() {
        let path = "/usr/arm-linux-gnueabihf/lib/ld-linux-armhf.so.3";
        let required = std::env::var("RSEMU_REQUIRE_CROSS").is_ok_and(|v| v == "1");
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                assert!(
                    !required,
                    "RSEMU_REQUIRE_CROSS=1 but {path} cannot be read: {e}"
                );
                eprintln!("note: {path} not found ({e}); skipping the cross-toolchain check");
                return;
            }
        };
        let img = parse_elf(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(img.elf_type, ElfType::Dyn);
        assert_eq!(img.interp, None);
        assert!(img.is_hard_float());
        assert_eq!(img.eabi_version(), 5);
        assert!(img.segments.iter().any(|s| s.prot.exec));
        assert!(img.phdr_vaddr.is_some());
        assert!(!img.has_gnu_stack_exec());
        let (lo, hi) = img.span();
        assert_eq!(lo, 0);
        assert!(hi > 0x10000, "span {lo:#x}..{hi:#x}");
        assert!(usize::try_from(img.entry).unwrap() < usize::try_from(hi).unwrap());
    }
}
