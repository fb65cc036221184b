//! The ELF auxiliary vector: `AT_*` keys, ARM `HWCAP` bits, and the standard
//! list a Linux kernel gives a new 32-bit ARM process.
//!
//! Values are those of Linux `include/uapi/linux/auxvec.h` and
//! `arch/arm/include/uapi/asm/hwcap.h`. [`standard_auxv`] produces the list in
//! the order `fs/binfmt_elf.c` (`create_elf_tables`) uses, with placeholder
//! entries for `AT_RANDOM`, `AT_EXECFN` and `AT_PLATFORM` that
//! [`build_initial_stack`](crate::build_initial_stack) fills in with the
//! addresses of the data it places on the stack.

use crate::elf::{ElfImage, PAGE_SIZE};

/// End of the vector.
pub const AT_NULL: u32 = 0;
/// Entry to be ignored.
pub const AT_IGNORE: u32 = 1;
/// File descriptor of the program (binfmt_misc `O` flag).
pub const AT_EXECFD: u32 = 2;
/// Address of the program headers of the executable.
pub const AT_PHDR: u32 = 3;
/// Size of one program header entry.
pub const AT_PHENT: u32 = 4;
/// Number of program headers.
pub const AT_PHNUM: u32 = 5;
/// System page size.
pub const AT_PAGESZ: u32 = 6;
/// Load address of the interpreter (0 when there is none).
pub const AT_BASE: u32 = 7;
/// Flags (always 0 on Linux).
pub const AT_FLAGS: u32 = 8;
/// Entry point of the executable (with its load bias).
pub const AT_ENTRY: u32 = 9;
/// The program is not ELF.
pub const AT_NOTELF: u32 = 10;
/// Real user id.
pub const AT_UID: u32 = 11;
/// Effective user id.
pub const AT_EUID: u32 = 12;
/// Real group id.
pub const AT_GID: u32 = 13;
/// Effective group id.
pub const AT_EGID: u32 = 14;
/// Address of the platform string (`"v7l"`).
pub const AT_PLATFORM: u32 = 15;
/// CPU capability bits (`HWCAP_*`).
pub const AT_HWCAP: u32 = 16;
/// Frequency of `times()` (clock ticks per second, 100).
pub const AT_CLKTCK: u32 = 17;
/// Secure mode (setuid-like execution): 1 or 0.
pub const AT_SECURE: u32 = 23;
/// Address of the base platform string.
pub const AT_BASE_PLATFORM: u32 = 24;
/// Address of 16 random bytes (stack protector and pointer guard seed).
pub const AT_RANDOM: u32 = 25;
/// More CPU capability bits (`HWCAP2_*`).
pub const AT_HWCAP2: u32 = 26;
/// rseq: supported feature size.
pub const AT_RSEQ_FEATURE_SIZE: u32 = 27;
/// rseq: required alignment.
pub const AT_RSEQ_ALIGN: u32 = 28;
/// Address of the file name given to `execve`.
pub const AT_EXECFN: u32 = 31;
/// Address of the vDSO ELF header (not provided by rsemu for ARM).
pub const AT_SYSINFO_EHDR: u32 = 33;
/// Minimal signal stack size the kernel needs.
pub const AT_MINSIGSTKSZ: u32 = 51;

/// `HWCAP_SWP`: SWP/SWPB instructions.
pub const HWCAP_SWP: u32 = 1 << 0;
/// `HWCAP_HALF`: half-word loads and stores.
pub const HWCAP_HALF: u32 = 1 << 1;
/// `HWCAP_THUMB`: Thumb instruction set.
pub const HWCAP_THUMB: u32 = 1 << 2;
/// `HWCAP_26BIT`: 26-bit mode (obsolete).
pub const HWCAP_26BIT: u32 = 1 << 3;
/// `HWCAP_FAST_MULT`: 32x32->64 multiplies.
pub const HWCAP_FAST_MULT: u32 = 1 << 4;
/// `HWCAP_FPA`: FPA floating point (obsolete).
pub const HWCAP_FPA: u32 = 1 << 5;
/// `HWCAP_VFP`: VFP floating point.
pub const HWCAP_VFP: u32 = 1 << 6;
/// `HWCAP_EDSP`: DSP extensions (ARMv5TE).
pub const HWCAP_EDSP: u32 = 1 << 7;
/// `HWCAP_JAVA`: Jazelle.
pub const HWCAP_JAVA: u32 = 1 << 8;
/// `HWCAP_IWMMXT`: Intel wireless MMX.
pub const HWCAP_IWMMXT: u32 = 1 << 9;
/// `HWCAP_CRUNCH`: MaverickCrunch.
pub const HWCAP_CRUNCH: u32 = 1 << 10;
/// `HWCAP_THUMBEE`: ThumbEE.
pub const HWCAP_THUMBEE: u32 = 1 << 11;
/// `HWCAP_NEON`: Advanced SIMD.
pub const HWCAP_NEON: u32 = 1 << 12;
/// `HWCAP_VFPv3`: VFPv3.
pub const HWCAP_VFPV3: u32 = 1 << 13;
/// `HWCAP_VFPv3D16`: VFPv3 with only 16 double registers (also VFPv4-D16).
pub const HWCAP_VFPV3D16: u32 = 1 << 14;
/// `HWCAP_TLS`: the TPIDRURO thread register.
pub const HWCAP_TLS: u32 = 1 << 15;
/// `HWCAP_VFPv4`: VFPv4 (fused multiply-add).
pub const HWCAP_VFPV4: u32 = 1 << 16;
/// `HWCAP_IDIVA`: SDIV/UDIV in ARM state.
pub const HWCAP_IDIVA: u32 = 1 << 17;
/// `HWCAP_IDIVT`: SDIV/UDIV in Thumb state.
pub const HWCAP_IDIVT: u32 = 1 << 18;
/// `HWCAP_VFPD32`: VFP has 32 double registers.
pub const HWCAP_VFPD32: u32 = 1 << 19;
/// `HWCAP_IDIV`: both integer divide bits.
pub const HWCAP_IDIV: u32 = HWCAP_IDIVA | HWCAP_IDIVT;
/// `HWCAP_LPAE`: large physical address extension (LDRD/STRD are atomic).
pub const HWCAP_LPAE: u32 = 1 << 20;
/// `HWCAP_EVTSTRM`: generic timer event stream.
pub const HWCAP_EVTSTRM: u32 = 1 << 21;

/// `HWCAP2_AES` (ARMv8 crypto in AArch32).
pub const HWCAP2_AES: u32 = 1 << 0;
/// `HWCAP2_PMULL`.
pub const HWCAP2_PMULL: u32 = 1 << 1;
/// `HWCAP2_SHA1`.
pub const HWCAP2_SHA1: u32 = 1 << 2;
/// `HWCAP2_SHA2`.
pub const HWCAP2_SHA2: u32 = 1 << 3;
/// `HWCAP2_CRC32`.
pub const HWCAP2_CRC32: u32 = 1 << 4;

/// The `AT_HWCAP` Linux reports on a Cortex-A15 (VFPv4-D32, NEON, integer
/// divide, TLS register, LPAE): the CPU rsemu emulates.
///
/// A real kernel with the architected timer also sets [`HWCAP_EVTSTRM`]; it is
/// left out since rsemu has no event stream.
pub const fn cortex_a15_hwcap() -> u32 {
    HWCAP_SWP
        | HWCAP_HALF
        | HWCAP_THUMB
        | HWCAP_FAST_MULT
        | HWCAP_VFP
        | HWCAP_EDSP
        | HWCAP_NEON
        | HWCAP_VFPV3
        | HWCAP_TLS
        | HWCAP_VFPV4
        | HWCAP_IDIVA
        | HWCAP_IDIVT
        | HWCAP_VFPD32
        | HWCAP_LPAE
}

/// The name of an `AT_*` key, for `/proc/self/auxv` dumps and `LD_SHOW_AUXV`-like output.
pub fn at_name(key: u32) -> Option<&'static str> {
    Some(match key {
        AT_NULL => "AT_NULL",
        AT_IGNORE => "AT_IGNORE",
        AT_EXECFD => "AT_EXECFD",
        AT_PHDR => "AT_PHDR",
        AT_PHENT => "AT_PHENT",
        AT_PHNUM => "AT_PHNUM",
        AT_PAGESZ => "AT_PAGESZ",
        AT_BASE => "AT_BASE",
        AT_FLAGS => "AT_FLAGS",
        AT_ENTRY => "AT_ENTRY",
        AT_NOTELF => "AT_NOTELF",
        AT_UID => "AT_UID",
        AT_EUID => "AT_EUID",
        AT_GID => "AT_GID",
        AT_EGID => "AT_EGID",
        AT_PLATFORM => "AT_PLATFORM",
        AT_HWCAP => "AT_HWCAP",
        AT_CLKTCK => "AT_CLKTCK",
        AT_SECURE => "AT_SECURE",
        AT_BASE_PLATFORM => "AT_BASE_PLATFORM",
        AT_RANDOM => "AT_RANDOM",
        AT_HWCAP2 => "AT_HWCAP2",
        AT_RSEQ_FEATURE_SIZE => "AT_RSEQ_FEATURE_SIZE",
        AT_RSEQ_ALIGN => "AT_RSEQ_ALIGN",
        AT_EXECFN => "AT_EXECFN",
        AT_SYSINFO_EHDR => "AT_SYSINFO_EHDR",
        AT_MINSIGSTKSZ => "AT_MINSIGSTKSZ",
        _ => return None,
    })
}

/// Process facts that go into the auxiliary vector besides the ELF image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuxvParams {
    /// Load bias of the executable (0 for `ET_EXEC`).
    pub load_bias: u32,
    /// Load address (bias) of the interpreter, or `None` for a static program
    /// (`AT_BASE` is then 0).
    pub interp_base: Option<u32>,
    /// `AT_HWCAP` (see [`cortex_a15_hwcap`]).
    pub hwcap: u32,
    /// `AT_HWCAP2`.
    pub hwcap2: u32,
    /// Real user id.
    pub uid: u32,
    /// Effective user id.
    pub euid: u32,
    /// Real group id.
    pub gid: u32,
    /// Effective group id.
    pub egid: u32,
    /// `AT_SECURE`.
    pub secure: bool,
    /// `AT_CLKTCK`, normally 100.
    pub clktck: u32,
}

impl Default for AuxvParams {
    fn default() -> Self {
        AuxvParams {
            load_bias: 0,
            interp_base: None,
            hwcap: cortex_a15_hwcap(),
            hwcap2: 0,
            uid: 0,
            euid: 0,
            gid: 0,
            egid: 0,
            secure: false,
            clktck: 100,
        }
    }
}

/// Builds the auxiliary vector for the executable `image` (not its
/// interpreter), in the order of Linux `create_elf_tables`:
/// `AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE,
/// AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE,
/// AT_RANDOM, AT_HWCAP2, AT_EXECFN, AT_PLATFORM`.
///
/// `AT_RANDOM`, `AT_EXECFN` and `AT_PLATFORM` are placeholders with value 0
/// that [`build_initial_stack`](crate::build_initial_stack) replaces; no
/// `AT_NULL` is included. `AT_PHDR` is 0 if the program headers are not
/// mapped ([`ElfImage::phdr_vaddr`] is `None`).
pub fn standard_auxv(image: &ElfImage, p: &AuxvParams) -> Vec<(u32, u32)> {
    let bias = p.load_bias;
    let phdr = image.phdr_vaddr.map_or(0, |a| a.wrapping_add(bias));
    vec![
        (AT_HWCAP, p.hwcap),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_CLKTCK, p.clktck),
        (AT_PHDR, phdr),
        (AT_PHENT, u32::from(image.phentsize)),
        (AT_PHNUM, u32::from(image.phnum)),
        (AT_BASE, p.interp_base.unwrap_or(0)),
        (AT_FLAGS, 0),
        (AT_ENTRY, image.entry.wrapping_add(bias)),
        (AT_UID, p.uid),
        (AT_EUID, p.euid),
        (AT_GID, p.gid),
        (AT_EGID, p.egid),
        (AT_SECURE, u32::from(p.secure)),
        (AT_RANDOM, 0),
        (AT_HWCAP2, p.hwcap2),
        (AT_EXECFN, 0),
        (AT_PLATFORM, 0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::{parse_elf, test_elf};

    #[test]
    fn hwcap_values_match_linux() {
        assert_eq!(HWCAP_VFP, 64);
        assert_eq!(HWCAP_NEON, 4096);
        assert_eq!(HWCAP_TLS, 0x8000);
        assert_eq!(HWCAP_IDIV, 0x60000);
        assert_eq!(HWCAP_LPAE, 0x10_0000);
        assert_eq!(HWCAP_EVTSTRM, 0x20_0000);
        // What /proc/cpuinfo of a Cortex-A15 kernel lists, minus evtstrm:
        // swp half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae
        assert_eq!(cortex_a15_hwcap(), 0x001f_b0d7);
        assert_eq!(cortex_a15_hwcap() & HWCAP_VFPV3D16, 0);
    }

    #[test]
    fn at_names() {
        assert_eq!(at_name(AT_RANDOM), Some("AT_RANDOM"));
        assert_eq!(at_name(AT_MINSIGSTKSZ), Some("AT_MINSIGSTKSZ"));
        assert_eq!(at_name(1000), None);
        assert_eq!(
            (AT_PHDR, AT_ENTRY, AT_SECURE, AT_EXECFN, AT_HWCAP2),
            (3, 9, 23, 31, 26)
        );
    }

    #[test]
    fn standard_auxv_for_pie() {
        let img = parse_elf(&test_elf::static_pie()).unwrap();
        let p = AuxvParams {
            load_bias: 0x4000_0000,
            interp_base: Some(0x7f00_0000),
            uid: 1000,
            euid: 1001,
            gid: 100,
            egid: 101,
            secure: true,
            ..AuxvParams::default()
        };
        let v = standard_auxv(&img, &p);
        let get = |k| v.iter().find(|e| e.0 == k).map(|e| e.1);
        assert_eq!(get(AT_PHDR), Some(0x4000_0034));
        assert_eq!(get(AT_PHENT), Some(32));
        assert_eq!(get(AT_PHNUM), Some(3));
        assert_eq!(get(AT_PAGESZ), Some(4096));
        assert_eq!(get(AT_BASE), Some(0x7f00_0000));
        assert_eq!(get(AT_ENTRY), Some(0x4000_0101));
        assert_eq!(get(AT_UID), Some(1000));
        assert_eq!(get(AT_EUID), Some(1001));
        assert_eq!(get(AT_GID), Some(100));
        assert_eq!(get(AT_EGID), Some(101));
        assert_eq!(get(AT_SECURE), Some(1));
        assert_eq!(get(AT_HWCAP), Some(cortex_a15_hwcap()));
        assert_eq!(get(AT_CLKTCK), Some(100));
        assert_eq!(v[0].0, AT_HWCAP);
        assert!(v.iter().all(|e| e.0 != AT_NULL));
        for k in [AT_RANDOM, AT_EXECFN, AT_PLATFORM] {
            assert_eq!(get(k), Some(0));
        }
    }

    #[test]
    fn standard_auxv_static_exec() {
        let img = parse_elf(&test_elf::dynamic_exec()).unwrap();
        let v = standard_auxv(&img, &AuxvParams::default());
        let get = |k| v.iter().find(|e| e.0 == k).map(|e| e.1);
        assert_eq!(get(AT_BASE), Some(0));
        assert_eq!(get(AT_PHDR), Some(0x10034));
        assert_eq!(get(AT_ENTRY), Some(0x10400));
        assert_eq!(get(AT_SECURE), Some(0));
    }
}
