//! The CPU models `-cpu` (QEMU_CPU) names: what each reports to the
//! guest (AT_HWCAP, /proc/cpuinfo's Features and ids) and which optional
//! instructions it lacks (UNDEFINED there, as on the real core). The
//! cpuinfo Features line is made from the HWCAP bits, in the kernel's
//! order (`hwcap_str` in arch/arm/kernel/setup.c), so the two agree.

use rsemu_core::arm::feature;
use rsemu_loader::auxv::*;

/// One model.
pub struct CpuModel {
    /// The name `-cpu` takes.
    pub name: &'static str,
    /// AT_HWCAP.
    pub hwcap: u32,
    /// [`feature`] bits it lacks.
    pub missing: u32,
    /// MIDR fields as /proc/cpuinfo shows them: variant, part, revision.
    pub variant: u32,
    pub part: u32,
    pub revision: u32,
}

/// The Cortex-A15's HWCAPs (the loader's, one list for both).
const A15: u32 = rsemu_loader::cortex_a15_hwcap();

/// ARMv7 with VFPv3-D32 and NEON, no divide, no VFPv4, no LPAE:
/// Cortex-A8/A9.
const V7_VFP3: u32 = A15 & !(HWCAP_VFPV4 | HWCAP_IDIVA | HWCAP_IDIVT | HWCAP_LPAE);

/// The models, the default first.
pub const MODELS: &[CpuModel] = &[
    CpuModel {
        name: "cortex-a15",
        hwcap: A15,
        missing: 0,
        variant: 2,
        part: 0xc0f,
        revision: 4,
    },
    CpuModel {
        name: "cortex-a7",
        hwcap: A15,
        missing: 0,
        variant: 0,
        part: 0xc07,
        revision: 5,
    },
    CpuModel {
        name: "cortex-a9",
        hwcap: V7_VFP3,
        missing: feature::IDIV | feature::VFPV4,
        variant: 0,
        part: 0xc09,
        revision: 0,
    },
    CpuModel {
        name: "cortex-a8",
        hwcap: V7_VFP3,
        missing: feature::IDIV | feature::VFPV4,
        variant: 0,
        part: 0xc08,
        revision: 0,
    },
    // Everything rsemu emulates (as QEMU's "max" is its newest): the
    // Cortex-A15's set.
    CpuModel {
        name: "max",
        hwcap: A15,
        missing: 0,
        variant: 2,
        part: 0xc0f,
        revision: 4,
    },
];

/// The model named `name` ("any" is "max", as in QEMU).
pub fn find(name: &str) -> Option<&'static CpuModel> {
    let name = if name == "any" { "max" } else { name };
    MODELS.iter().find(|m| m.name == name)
}

/// The kernel's names of the HWCAP bits, bit 0 first.
const HWCAP_NAMES: [&str; 22] = [
    "swp", "half", "thumb", "26bit", "fastmult", "fpa", "vfp", "edsp", "java", "iwmmxt", "crunch",
    "thumbee", "neon", "vfpv3", "vfpv3d16", "tls", "vfpv4", "idiva", "idivt", "vfpd32", "lpae",
    "evtstrm",
];

impl CpuModel {
    /// /proc/cpuinfo for `cpus` processors.
    pub fn cpuinfo(&self, cpus: usize) -> String {
        let features: Vec<&str> = HWCAP_NAMES
            .iter()
            .enumerate()
            .filter(|(bit, _)| self.hwcap & (1 << bit) != 0)
            .map(|(_, n)| *n)
            .collect();
        let mut s = String::new();
        for i in 0..cpus.max(1) {
            s.push_str(&format!(
                "processor\t: {i}\nmodel name\t: ARMv7 Processor rev {} (v7l)\nBogoMIPS\t: 48.00\n\
                 Features\t: {}\nCPU implementer\t: 0x41\nCPU architecture: 7\n\
                 CPU variant\t: 0x{:x}\nCPU part\t: 0x{:03x}\nCPU revision\t: {}\n\n",
                self.revision,
                features.join(" "),
                self.variant,
                self.part,
                self.revision
            ));
        }
        s.push_str(
            "Hardware\t: Generic DT based system\nRevision\t: 0000\nSerial\t\t: 0000000000000000\n",
        );
        s
    }
}

/// The next byte of `-seed`'s generator (xorshift64*).
pub fn next_seeded(state: &mut u64) -> u8 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_a15_the_loader_reports() {
        assert_eq!(MODELS[0].hwcap, rsemu_loader::cortex_a15_hwcap());
        assert!(find("any").is_some_and(|m| m.name == "max"));
        let info = find("cortex-a9").unwrap().cpuinfo(1);
        assert!(
            info.contains("Features\t: swp half thumb fastmult vfp edsp neon vfpv3 tls vfpd32\n")
        );
        assert!(info.contains("CPU part\t: 0xc09\n"));
    }
}
