//! The error type of the loader.
//!
//! Every way an ELF file or an initial-stack request can be rejected has its
//! own variant, with the numbers needed to explain the problem to a user
//! (offsets, addresses, program header index).

use thiserror::Error;

/// Why an ELF image could not be parsed or an initial stack could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LoadError {
    /// The file does not start with `\x7fELF`.
    #[error("not an ELF file (bad magic)")]
    NotElf,
    /// The file is a 64-bit ELF (`ELFCLASS64`); only 32-bit ARM is supported.
    #[error("64-bit ELF file: only 32-bit ARM (ELFCLASS32) executables are supported")]
    Elf64,
    /// The file is big-endian (`ELFDATA2MSB`).
    #[error("big-endian ELF file: only little-endian ARM executables are supported")]
    BigEndian,
    /// An `e_ident` byte has a value that is not valid at all.
    #[error("invalid ELF identification: {what} = {value}")]
    BadIdent {
        /// Which field (`EI_CLASS`, `EI_DATA`, `EI_VERSION`).
        what: &'static str,
        /// The value found.
        value: u8,
    },
    /// `e_machine` is not `EM_ARM` (40).
    #[error("wrong machine: e_machine = {0} ({name}), expected 40 (EM_ARM)", name = machine_name(*.0))]
    WrongMachine(u16),
    /// `e_type` is neither `ET_EXEC` nor `ET_DYN`.
    #[error("unsupported ELF type e_type = {0}: expected ET_EXEC (2) or ET_DYN (3)")]
    BadType(u16),
    /// A part of the file lies (partly) beyond its end.
    #[error("truncated file: {what} at offset {offset:#x} size {size:#x} exceeds the file length {file_len:#x}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// File offset of the part.
        offset: u64,
        /// Size of the part.
        size: u64,
        /// Length of the whole file.
        file_len: u64,
    },
    /// `e_phentsize` is not 32 (the size of an `Elf32_Phdr`).
    #[error("bad program header entry size e_phentsize = {0}, expected 32")]
    BadPhentsize(u16),
    /// `e_phnum` is `PN_XNUM` (0xffff) or otherwise unreasonable.
    #[error("unsupported number of program headers e_phnum = {0}")]
    BadPhnum(u16),
    /// There is no non-empty `PT_LOAD` segment.
    #[error("no PT_LOAD segment: nothing to load")]
    NoLoadSegments,
    /// A `PT_LOAD` segment has `p_filesz > p_memsz`.
    #[error("program header {index}: p_filesz {filesz:#x} is larger than p_memsz {memsz:#x}")]
    FileszExceedsMemsz {
        /// Program header index.
        index: usize,
        /// `p_filesz`.
        filesz: u32,
        /// `p_memsz`.
        memsz: u32,
    },
    /// `p_vaddr` and `p_offset` of a `PT_LOAD` are not congruent modulo the page size.
    #[error("program header {index}: p_vaddr {vaddr:#x} and p_offset {offset:#x} differ modulo the page size {page_size:#x}")]
    Misaligned {
        /// Program header index.
        index: usize,
        /// `p_vaddr`.
        vaddr: u32,
        /// `p_offset`.
        offset: u32,
        /// The page size checked against.
        page_size: u32,
    },
    /// A segment reaches beyond the 32-bit address space.
    #[error("program header {index}: segment {vaddr:#x} + {memsz:#x} overflows the 32-bit address space")]
    AddressOverflow {
        /// Program header index.
        index: usize,
        /// `p_vaddr`.
        vaddr: u32,
        /// `p_memsz`.
        memsz: u32,
    },
    /// `PT_LOAD` segments are not sorted by address or overlap.
    #[error("program header {index}: PT_LOAD at {vaddr:#x} overlaps or precedes the previous one ending at {prev_end:#x}")]
    OverlappingSegments {
        /// Program header index of the offending segment.
        index: usize,
        /// Its `p_vaddr`.
        vaddr: u32,
        /// End address (exclusive) of the previous `PT_LOAD`.
        prev_end: u64,
    },
    /// The `PT_INTERP` string is malformed.
    #[error("bad PT_INTERP: {0}")]
    BadInterp(String),
    /// goblin rejected a structure that passed our own checks.
    #[error("malformed ELF: {0}")]
    Malformed(String),
    /// An argument, environment, execfn or platform string contains a NUL byte.
    #[error("{what} string {index} contains a NUL byte")]
    NulInString {
        /// `argv`, `envp`, `execfn` or `platform`.
        what: &'static str,
        /// Index in its list (0 for execfn/platform).
        index: usize,
    },
    /// The initial stack image would be larger than allowed.
    #[error("initial stack needs {needed} bytes, more than the limit of {max} bytes (argument list too long)")]
    StackTooLarge {
        /// Bytes needed.
        needed: u64,
        /// The limit.
        max: u64,
    },
}

/// A short human name for an `e_machine` value, for error messages.
pub fn machine_name(machine: u16) -> &'static str {
    match machine {
        0 => "none",
        2 => "SPARC",
        3 => "i386",
        8 => "MIPS",
        20 => "PowerPC",
        21 => "PowerPC64",
        22 => "S/390",
        40 => "ARM",
        42 => "SuperH",
        50 => "IA-64",
        62 => "x86-64",
        183 => "AArch64",
        243 => "RISC-V",
        258 => "LoongArch",
        _ => "unknown",
    }
}
