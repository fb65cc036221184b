//! Loading what `-kernel`, `-initrd` and `-dtb` name into guest RAM, and
//! the register state the kernel expects at entry (Linux's
//! `Documentation/arch/arm/booting.rst`): SVC mode, IRQs and FIQs masked,
//! MMU and caches off, r0 = 0, r1 = ~0 (machine type: device tree only),
//! r2 = the device tree's physical address.
//!
//! Kernel formats, told apart by their contents:
//! - zImage (magic 0x016f2818 at offset 0x24): position independent; put
//!   32 MiB into RAM when RAM allows, so the decompressor does not first
//!   have to move itself out of the way of the image it unpacks.
//! - ELF: each PT_LOAD segment at its physical address, entry from the
//!   header (bit 0 selects Thumb).
//! - anything else: a raw `Image`, at RAM + 0x8000 (TEXT_OFFSET).

use goblin::elf::{program_header::PT_LOAD, Elf};
use thiserror::Error;

use crate::machine;
use crate::memory::Ram;

/// zImage magic at offset 0x24 (little-endian kernels).
const ZIMAGE_MAGIC: u32 = 0x016f_2818;
/// The same magic as a big-endian kernel stores it.
const ZIMAGE_MAGIC_BE: u32 = 0x1828_6f01;
/// Where a raw Image goes: the kernel's TEXT_OFFSET.
const IMAGE_OFFSET: u64 = 0x8000;
/// Where a zImage goes when RAM is large enough.
const ZIMAGE_OFFSET: u64 = 32 << 20;

/// What can go wrong loading the boot files.
#[derive(Debug, Error)]
pub enum BootError {
    /// A file could not be read.
    #[error("cannot read {what} '{path}': {err}")]
    Read {
        /// Which file.
        what: &'static str,
        /// Its path.
        path: String,
        /// The error.
        err: std::io::Error,
    },
    /// The kernel is a big-endian zImage.
    #[error("'{0}' is a big-endian kernel; only little-endian guests are supported")]
    BigEndian(String),
    /// A malformed ELF.
    #[error("'{path}' is not a usable ARM ELF image: {why}")]
    BadElf {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// Something does not fit in guest RAM.
    #[error("{what} (0x{start:x}..0x{end:x}) does not fit in guest RAM (0x{ram_start:x}..0x{ram_end:x}): use a larger -m")]
    NoRoom {
        /// What.
        what: String,
        /// Its start.
        start: u64,
        /// Its end.
        end: u64,
        /// RAM start.
        ram_start: u64,
        /// RAM end.
        ram_end: u64,
    },
}

/// Where things went, and how to start the CPU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Boot {
    /// The first instruction.
    pub entry: u32,
    /// It is Thumb code.
    pub thumb: bool,
    /// The end of the kernel image in RAM (guest-physical).
    pub kernel_end: u64,
    /// Whether the kernel is a Linux image (zImage or Image) rather than
    /// an ELF: Linux gets the device tree after the initrd, an ELF at the
    /// start of RAM.
    pub linux: bool,
}

fn put(ram: &Ram, what: &str, pa: u64, data: &[u8]) -> Result<(), BootError> {
    if ram.write(pa, data) {
        return Ok(());
    }
    Err(BootError::NoRoom {
        what: what.to_string(),
        start: pa,
        end: pa + data.len() as u64,
        ram_start: ram.base,
        ram_end: ram.base + ram.size,
    })
}

/// Loads kernel image `data` (read from `path`) into `ram`.
pub fn load_kernel(ram: &Ram, path: &str, data: &[u8]) -> Result<Boot, BootError> {
    let magic = |off: usize| {
        data.get(off..off + 4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
    };
    if data.starts_with(b"\x7fELF") {
        return load_elf(ram, path, data);
    }
    match magic(0x24) {
        Some(ZIMAGE_MAGIC) => {
            let offset = if ram.size >= 2 * ZIMAGE_OFFSET + data.len() as u64 {
                ZIMAGE_OFFSET
            } else {
                IMAGE_OFFSET
            };
            let pa = ram.base + offset;
            put(ram, "the kernel", pa, data)?;
            Ok(Boot {
                entry: pa as u32,
                thumb: false,
                kernel_end: pa + data.len() as u64,
                linux: true,
            })
        }
        Some(ZIMAGE_MAGIC_BE) => Err(BootError::BigEndian(path.to_string())),
        _ => {
            let pa = ram.base + IMAGE_OFFSET;
            put(ram, "the kernel", pa, data)?;
            Ok(Boot {
                entry: pa as u32,
                thumb: false,
                kernel_end: pa + data.len() as u64,
                linux: true,
            })
        }
    }
}

fn load_elf(ram: &Ram, path: &str, data: &[u8]) -> Result<Boot, BootError> {
    let bad = |why: String| BootError::BadElf {
        path: path.to_string(),
        why,
    };
    let elf = Elf::parse(data).map_err(|e| bad(e.to_string()))?;
    if elf.is_64 || elf.header.e_machine != goblin::elf::header::EM_ARM {
        return Err(bad("not a 32-bit ARM ELF".into()));
    }
    if !elf.little_endian {
        return Err(BootError::BigEndian(path.to_string()));
    }
    let mut end = 0;
    let mut loaded = false;
    for ph in elf.program_headers.iter().filter(|p| p.p_type == PT_LOAD) {
        let file = ph
            .p_offset
            .checked_add(ph.p_filesz)
            .and_then(|e| data.get(ph.p_offset as usize..e as usize))
            .ok_or_else(|| {
                bad(format!(
                    "segment at file offset 0x{:x} runs past the end",
                    ph.p_offset
                ))
            })?;
        if ph.p_filesz > ph.p_memsz {
            return Err(bad("a segment's file size exceeds its memory size".into()));
        }
        put(
            ram,
            &format!("ELF segment at 0x{:x}", ph.p_paddr),
            ph.p_paddr,
            file,
        )?;
        let zeros = vec![0u8; (ph.p_memsz - ph.p_filesz) as usize];
        put(ram, "ELF segment's bss", ph.p_paddr + ph.p_filesz, &zeros)?;
        end = end.max(ph.p_paddr + ph.p_memsz);
        loaded = true;
    }
    if !loaded {
        return Err(bad("no loadable segment".into()));
    }
    Ok(Boot {
        entry: (elf.entry as u32) & !1,
        thumb: elf.entry & 1 != 0,
        kernel_end: end,
        linux: false,
    })
}

/// Where the initrd goes: as QEMU places it, half way into RAM but at
/// most 128 MiB in (the kernel must reach it through its early lowmem
/// mapping), and above the kernel image.
pub fn initrd_address(ram: &Ram, boot: &Boot) -> u64 {
    let preferred = ram.base + (ram.size / 2).min(128 << 20);
    let above_kernel = (boot.kernel_end + 0xfff) & !0xfff;
    preferred.max(above_kernel)
}

/// Loads the initrd at `pa`; its [start, end).
pub fn load_initrd(ram: &Ram, pa: u64, data: &[u8]) -> Result<(u64, u64), BootError> {
    put(ram, "the initrd", pa, data)?;
    Ok((pa, pa + data.len() as u64))
}

/// Where the device tree goes: after the initrd (or kernel) for Linux, at
/// the start of RAM for an ELF (bare-metal images link clear of it).
pub fn dtb_address(ram: &Ram, boot: &Boot, after: u64) -> u64 {
    if boot.linux {
        (after + 0xfff) & !0xfff
    } else {
        ram.base
    }
}

/// Puts the device tree at `pa`.
pub fn load_dtb(ram: &Ram, pa: u64, data: &[u8]) -> Result<(), BootError> {
    put(ram, "the device tree", pa, data)
}

/// Sets the registers the kernel expects at entry.
pub fn set_entry_state(cpu: &mut rsemu_core::CpuState, boot: &Boot, dtb: u64) {
    cpu.reset_system(boot.entry, boot.thumb);
    cpu.sys.cp15.cbar = machine::CPU_PERIPHS as u32;
    cpu.r[0] = 0;
    cpu.r[1] = 0xffff_ffff;
    cpu.r[2] = dtb as u32;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ram() -> Ram {
        Ram::new(machine::RAM_BASE, 256 << 20).unwrap()
    }

    #[test]
    fn zimage_goes_32_mib_in_and_raw_images_at_text_offset() {
        let ram = ram();
        let mut z = vec![0u8; 0x1000];
        z[0x24..0x28].copy_from_slice(&ZIMAGE_MAGIC.to_le_bytes());
        z[0] = 0xaa;
        let b = load_kernel(&ram, "z", &z).unwrap();
        assert_eq!(b.entry as u64, machine::RAM_BASE + (32 << 20));
        let mut first = [0u8; 1];
        ram.read(b.entry as u64, &mut first);
        assert_eq!(first[0], 0xaa);
        let raw = vec![0x55u8; 0x100];
        let b = load_kernel(&ram, "raw", &raw).unwrap();
        assert_eq!(b.entry as u64, machine::RAM_BASE + 0x8000);
        assert!(b.linux);
        // A big-endian zImage is refused by name.
        let mut be = z.clone();
        be[0x24..0x28].copy_from_slice(&ZIMAGE_MAGIC_BE.to_le_bytes());
        assert!(matches!(
            load_kernel(&ram, "be", &be),
            Err(BootError::BigEndian(_))
        ));
    }

    #[test]
    fn initrd_sits_at_half_ram_capped_at_128_mib_and_above_the_kernel() {
        let ram = ram();
        let boot = Boot {
            entry: 0,
            thumb: false,
            kernel_end: machine::RAM_BASE + 0x10_0000,
            linux: true,
        };
        assert_eq!(initrd_address(&ram, &boot), machine::RAM_BASE + (128 << 20));
        let big = Boot {
            kernel_end: machine::RAM_BASE + (130 << 20) + 1,
            ..boot.clone()
        };
        assert_eq!(
            initrd_address(&ram, &big),
            machine::RAM_BASE + (130 << 20) + 0x1000
        );
    }

    #[test]
    fn malformed_elf_is_a_clear_error_not_a_panic() {
        let ram = ram();
        let mut e = b"\x7fELF".to_vec();
        e.resize(64, 0);
        assert!(matches!(
            load_kernel(&ram, "e", &e),
            Err(BootError::BadElf { .. })
        ));
        // Truncations of a real header never panic.
        for n in 0..64 {
            let _ = load_kernel(&ram, "t", &e[..n.max(4)]);
        }
    }

    #[test]
    fn a_kernel_larger_than_ram_says_so() {
        let small = Ram::new(machine::RAM_BASE, 1 << 20).unwrap();
        let big = vec![0u8; 2 << 20];
        let err = load_kernel(&small, "big", &big).unwrap_err().to_string();
        assert!(err.contains("does not fit in guest RAM"), "{err}");
    }
}
