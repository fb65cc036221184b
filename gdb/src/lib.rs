//! rsemu-gdb: the ARMv7-A architecture as GDB's remote protocol sees it,
//! for the `gdbstub` crate, shared by both modes' debug servers.
//!
//! `gdbstub_arch`'s ARM description has only the ARMv4T core registers; a
//! debugger of Cortex-A code also wants the VFP/NEON registers, which GDB
//! learns of from a target description: [`ArmV7`] sends one with the core
//! feature (r0-r12, sp, lr, pc, cpsr) and the VFP feature: d0-d31 (as
//! NEON-style unions of lanes), q0-q15 (each a view of two d registers:
//! GDB 13 does not synthesise them from an empty NEON feature, so they are
//! real registers here, as in QEMU's description) and fpscr. Registers are
//! numbered in that order: 0-15 the core registers, 16 cpsr, 17-48 d0-d31,
//! 49-64 q0-q15, 65 fpscr.

use std::num::NonZeroUsize;

use gdbstub::arch::{Arch, RegId, Registers};
use rsemu_core::CpuState;

pub use gdbstub_arch::arm::ArmBreakpointKind;

/// The architecture.
#[derive(Debug)]
pub enum ArmV7 {}

impl Arch for ArmV7 {
    type Usize = u32;
    type Registers = ArmRegs;
    type BreakpointKind = ArmBreakpointKind;
    type RegId = ArmRegId;

    fn target_description_xml() -> Option<&'static str> {
        Some(TARGET_XML)
    }
}

/// The target description GDB reads (qXfer:features:read).
pub const TARGET_XML: &str = r#"<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
  <architecture>arm</architecture>
  <feature name="org.gnu.gdb.arm.core">
    <reg name="r0" bitsize="32" type="uint32"/>
    <reg name="r1" bitsize="32" type="uint32"/>
    <reg name="r2" bitsize="32" type="uint32"/>
    <reg name="r3" bitsize="32" type="uint32"/>
    <reg name="r4" bitsize="32" type="uint32"/>
    <reg name="r5" bitsize="32" type="uint32"/>
    <reg name="r6" bitsize="32" type="uint32"/>
    <reg name="r7" bitsize="32" type="uint32"/>
    <reg name="r8" bitsize="32" type="uint32"/>
    <reg name="r9" bitsize="32" type="uint32"/>
    <reg name="r10" bitsize="32" type="uint32"/>
    <reg name="r11" bitsize="32" type="uint32"/>
    <reg name="r12" bitsize="32" type="uint32"/>
    <reg name="sp" bitsize="32" type="data_ptr"/>
    <reg name="lr" bitsize="32"/>
    <reg name="pc" bitsize="32" type="code_ptr"/>
    <reg name="cpsr" bitsize="32"/>
  </feature>
  <feature name="org.gnu.gdb.arm.vfp">
    <vector id="v8u8" type="uint8" count="8"/>
    <vector id="v4u16" type="uint16" count="4"/>
    <vector id="v2u32" type="uint32" count="2"/>
    <vector id="v2f32" type="ieee_single" count="2"/>
    <union id="neon_d">
      <field name="u8" type="v8u8"/>
      <field name="u16" type="v4u16"/>
      <field name="u32" type="v2u32"/>
      <field name="u64" type="uint64"/>
      <field name="f32" type="v2f32"/>
      <field name="f64" type="ieee_double"/>
    </union>
    <vector id="v16u8" type="uint8" count="16"/>
    <vector id="v8u16" type="uint16" count="8"/>
    <vector id="v4u32" type="uint32" count="4"/>
    <vector id="v2u64" type="uint64" count="2"/>
    <vector id="v4f32" type="ieee_single" count="4"/>
    <vector id="v2f64" type="ieee_double" count="2"/>
    <union id="neon_q">
      <field name="u8" type="v16u8"/>
      <field name="u16" type="v8u16"/>
      <field name="u32" type="v4u32"/>
      <field name="u64" type="v2u64"/>
      <field name="f32" type="v4f32"/>
      <field name="f64" type="v2f64"/>
    </union>
    <reg name="d0" bitsize="64" type="neon_d"/>
    <reg name="d1" bitsize="64" type="neon_d"/>
    <reg name="d2" bitsize="64" type="neon_d"/>
    <reg name="d3" bitsize="64" type="neon_d"/>
    <reg name="d4" bitsize="64" type="neon_d"/>
    <reg name="d5" bitsize="64" type="neon_d"/>
    <reg name="d6" bitsize="64" type="neon_d"/>
    <reg name="d7" bitsize="64" type="neon_d"/>
    <reg name="d8" bitsize="64" type="neon_d"/>
    <reg name="d9" bitsize="64" type="neon_d"/>
    <reg name="d10" bitsize="64" type="neon_d"/>
    <reg name="d11" bitsize="64" type="neon_d"/>
    <reg name="d12" bitsize="64" type="neon_d"/>
    <reg name="d13" bitsize="64" type="neon_d"/>
    <reg name="d14" bitsize="64" type="neon_d"/>
    <reg name="d15" bitsize="64" type="neon_d"/>
    <reg name="d16" bitsize="64" type="neon_d"/>
    <reg name="d17" bitsize="64" type="neon_d"/>
    <reg name="d18" bitsize="64" type="neon_d"/>
    <reg name="d19" bitsize="64" type="neon_d"/>
    <reg name="d20" bitsize="64" type="neon_d"/>
    <reg name="d21" bitsize="64" type="neon_d"/>
    <reg name="d22" bitsize="64" type="neon_d"/>
    <reg name="d23" bitsize="64" type="neon_d"/>
    <reg name="d24" bitsize="64" type="neon_d"/>
    <reg name="d25" bitsize="64" type="neon_d"/>
    <reg name="d26" bitsize="64" type="neon_d"/>
    <reg name="d27" bitsize="64" type="neon_d"/>
    <reg name="d28" bitsize="64" type="neon_d"/>
    <reg name="d29" bitsize="64" type="neon_d"/>
    <reg name="d30" bitsize="64" type="neon_d"/>
    <reg name="d31" bitsize="64" type="neon_d"/>
    <reg name="q0" bitsize="128" type="neon_q"/>
    <reg name="q1" bitsize="128" type="neon_q"/>
    <reg name="q2" bitsize="128" type="neon_q"/>
    <reg name="q3" bitsize="128" type="neon_q"/>
    <reg name="q4" bitsize="128" type="neon_q"/>
    <reg name="q5" bitsize="128" type="neon_q"/>
    <reg name="q6" bitsize="128" type="neon_q"/>
    <reg name="q7" bitsize="128" type="neon_q"/>
    <reg name="q8" bitsize="128" type="neon_q"/>
    <reg name="q9" bitsize="128" type="neon_q"/>
    <reg name="q10" bitsize="128" type="neon_q"/>
    <reg name="q11" bitsize="128" type="neon_q"/>
    <reg name="q12" bitsize="128" type="neon_q"/>
    <reg name="q13" bitsize="128" type="neon_q"/>
    <reg name="q14" bitsize="128" type="neon_q"/>
    <reg name="q15" bitsize="128" type="neon_q"/>
    <reg name="fpscr" bitsize="32" type="int" group="float"/>
  </feature>
</target>
"#;

/// GDB's register numbers in [`TARGET_XML`].
pub mod regnum {
    /// cpsr (after r0-r15).
    pub const CPSR: usize = 16;
    /// d0; d1-d31 follow.
    pub const D0: usize = 17;
    /// q0; q1-q15 follow.
    pub const Q0: usize = 49;
    /// fpscr.
    pub const FPSCR: usize = 65;
    /// How many there are.
    pub const COUNT: usize = 66;
}

/// All registers, as the 'g' packet carries them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArmRegs {
    /// r0-r15 (r15 the address of the next instruction).
    pub r: [u32; 16],
    /// CPSR.
    pub cpsr: u32,
    /// d0-d31.
    pub d: [u64; 32],
    /// FPSCR.
    pub fpscr: u32,
}

impl ArmRegs {
    /// The registers of `cpu`.
    pub fn from_cpu(cpu: &CpuState) -> ArmRegs {
        ArmRegs {
            r: cpu.r,
            cpsr: cpu.cpsr(),
            d: cpu.d,
            fpscr: cpu.fpscr,
        }
    }

    /// Writes them into `cpu`: the core registers, the flags and
    /// execution state (T, IT) of the CPSR (a debugger may change the
    /// flags and the state to resume in, not the mode or masks), VFP/NEON.
    pub fn to_cpu(&self, cpu: &mut CpuState) {
        cpu.r = self.r;
        cpu.set_cpsr(self.cpsr);
        cpu.d = self.d;
        cpu.fpscr = self.fpscr;
    }

    /// Register `id` as little-endian bytes.
    pub fn get(&self, id: ArmRegId) -> Vec<u8> {
        match id {
            ArmRegId::Core(n) => self.r[n as usize].to_le_bytes().to_vec(),
            ArmRegId::Cpsr => self.cpsr.to_le_bytes().to_vec(),
            ArmRegId::D(n) => self.d[n as usize].to_le_bytes().to_vec(),
            ArmRegId::Q(n) => {
                let mut v = self.d[2 * n as usize].to_le_bytes().to_vec();
                v.extend(self.d[2 * n as usize + 1].to_le_bytes());
                v
            }
            ArmRegId::Fpscr => self.fpscr.to_le_bytes().to_vec(),
        }
    }

    /// Sets register `id` from little-endian bytes; false if the length
    /// is wrong.
    pub fn set(&mut self, id: ArmRegId, bytes: &[u8]) -> bool {
        match id {
            ArmRegId::D(n) => match <[u8; 8]>::try_from(bytes) {
                Ok(b) => self.d[n as usize] = u64::from_le_bytes(b),
                Err(_) => return false,
            },
            ArmRegId::Q(n) => {
                if bytes.len() != 16 {
                    return false;
                }
                let half = |k: usize| u64::from_le_bytes(bytes[k..k + 8].try_into().expect("8"));
                self.d[2 * n as usize] = half(0);
                self.d[2 * n as usize + 1] = half(8);
            }
            other => {
                let Ok(b) = <[u8; 4]>::try_from(bytes) else {
                    return false;
                };
                let v = u32::from_le_bytes(b);
                match other {
                    ArmRegId::Core(n) => self.r[n as usize] = v,
                    ArmRegId::Cpsr => self.cpsr = v,
                    _ => self.fpscr = v,
                }
            }
        }
        true
    }
}

impl Registers for ArmRegs {
    type ProgramCounter = u32;

    fn pc(&self) -> u32 {
        self.r[15]
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        for id in (0..regnum::COUNT).filter_map(ArmRegId::from_number) {
            for b in self.get(id) {
                write_byte(Some(b));
            }
        }
    }

    fn gdb_deserialize(&mut self, mut bytes: &[u8]) -> Result<(), ()> {
        for id in (0..regnum::COUNT).filter_map(ArmRegId::from_number) {
            let n = id.size();
            if bytes.len() < n {
                return Err(());
            }
            // The q registers repeat the d registers: the d values count
            // (GDB's copy of a q may predate a write to its d halves).
            if !matches!(id, ArmRegId::Q(_)) {
                self.set(id, &bytes[..n]);
            }
            bytes = &bytes[n..];
        }
        Ok(())
    }
}

/// One register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArmRegId {
    /// r0-r15.
    Core(u8),
    /// CPSR.
    Cpsr,
    /// d0-d31.
    D(u8),
    /// q0-q15 (views of d pairs).
    Q(u8),
    /// FPSCR.
    Fpscr,
}

impl ArmRegId {
    /// The register with GDB number `n`.
    pub fn from_number(n: usize) -> Option<ArmRegId> {
        Some(match n {
            0..=15 => ArmRegId::Core(n as u8),
            regnum::CPSR => ArmRegId::Cpsr,
            17..=48 => ArmRegId::D((n - regnum::D0) as u8),
            49..=64 => ArmRegId::Q((n - regnum::Q0) as u8),
            regnum::FPSCR => ArmRegId::Fpscr,
            _ => return None,
        })
    }

    /// Its size in bytes.
    pub fn size(self) -> usize {
        match self {
            ArmRegId::D(_) => 8,
            ArmRegId::Q(_) => 16,
            _ => 4,
        }
    }
}

impl RegId for ArmRegId {
    fn from_raw_id(id: usize) -> Option<(Self, Option<NonZeroUsize>)> {
        let r = ArmRegId::from_number(id)?;
        Some((r, NonZeroUsize::new(r.size())))
    }
}

/// The `gdbstub` extensions both modes' GDB servers implement alike, for
/// a single-thread target type that has
/// `fn gdb_cpu(&mut self) -> &mut rsemu_core::CpuState`,
/// `fn gdb_resume(&mut self, step: bool)` (what the next stop-reason wait
/// does) and `fn breakpoint(&mut self, addr: u32, add: bool) -> bool`:
/// single-register access, resume, single step, and software and
/// hardware breakpoints (the same thing here: the engine stops before the
/// address). The caller's crate depends on `gdbstub` 0.7.
#[macro_export]
macro_rules! impl_common_target {
    ($ty:ty) => {
        impl ::gdbstub::target::ext::base::single_register_access::SingleRegisterAccess<()>
            for $ty
        {
            fn read_register(
                &mut self,
                _tid: (),
                reg: $crate::ArmRegId,
                buf: &mut [u8],
            ) -> ::gdbstub::target::TargetResult<usize, Self> {
                let bytes = $crate::ArmRegs::from_cpu(self.gdb_cpu()).get(reg);
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                Ok(n)
            }

            fn write_register(
                &mut self,
                _tid: (),
                reg: $crate::ArmRegId,
                val: &[u8],
            ) -> ::gdbstub::target::TargetResult<(), Self> {
                let mut regs = $crate::ArmRegs::from_cpu(self.gdb_cpu());
                if !regs.set(reg, val) {
                    return Err(::gdbstub::target::TargetError::Errno(22)); // EINVAL
                }
                regs.to_cpu(self.gdb_cpu());
                Ok(())
            }
        }

        impl ::gdbstub::target::ext::base::singlethread::SingleThreadResume for $ty {
            fn resume(
                &mut self,
                _signal: Option<::gdbstub::common::Signal>,
            ) -> Result<(), Self::Error> {
                self.gdb_resume(false);
                Ok(())
            }

            fn support_single_step(
                &mut self,
            ) -> Option<
                ::gdbstub::target::ext::base::singlethread::SingleThreadSingleStepOps<'_, Self>,
            > {
                Some(self)
            }
        }

        impl ::gdbstub::target::ext::base::singlethread::SingleThreadSingleStep for $ty {
            fn step(
                &mut self,
                _signal: Option<::gdbstub::common::Signal>,
            ) -> Result<(), Self::Error> {
                self.gdb_resume(true);
                Ok(())
            }
        }

        impl ::gdbstub::target::ext::breakpoints::SwBreakpoint for $ty {
            fn add_sw_breakpoint(
                &mut self,
                addr: u32,
                _kind: $crate::ArmBreakpointKind,
            ) -> ::gdbstub::target::TargetResult<bool, Self> {
                Ok(self.breakpoint(addr, true))
            }

            fn remove_sw_breakpoint(
                &mut self,
                addr: u32,
                _kind: $crate::ArmBreakpointKind,
            ) -> ::gdbstub::target::TargetResult<bool, Self> {
                Ok(self.breakpoint(addr, false))
            }
        }

        impl ::gdbstub::target::ext::breakpoints::HwBreakpoint for $ty {
            fn add_hw_breakpoint(
                &mut self,
                addr: u32,
                _kind: $crate::ArmBreakpointKind,
            ) -> ::gdbstub::target::TargetResult<bool, Self> {
                Ok(self.breakpoint(addr, true))
            }

            fn remove_hw_breakpoint(
                &mut self,
                addr: u32,
                _kind: $crate::ArmBreakpointKind,
            ) -> ::gdbstub::target::TargetResult<bool, Self> {
                Ok(self.breakpoint(addr, false))
            }
        }
    };
}

/// GDB's own signal numbers for Linux's on ARM 1-31 (index = Linux
/// number): the remote protocol speaks GDB's numbering (its
/// `signals.def`), not the target's. 143 is GDB's "unknown" (SIGSTKFLT
/// has no GDB number).
const GDB_SIGNAL_OF_LINUX: [u8; 32] = [
    0, 1, 2, 3, 4, 5, 6, 10, 8, 9, 30, 11, 31, 13, 14, 15, //
    143, 20, 19, 17, 18, 21, 22, 16, 24, 25, 26, 27, 28, 23, 32, 12,
];

/// GDB's number for Linux signal `sig` (real-time ones included).
pub fn gdb_signal(sig: u32) -> u8 {
    match sig {
        0..=31 => GDB_SIGNAL_OF_LINUX[sig as usize],
        32 => 77,
        33..=63 => (sig - 33 + 45) as u8,
        64 => 78,
        _ => 143,
    }
}

/// The Linux signal for GDB's number `gdb` (`None`: no such signal).
pub fn linux_signal(gdb: u8) -> Option<u32> {
    (1..=64).find(|&sig| gdb_signal(sig) == gdb && gdb != 143)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_numbers_match_gdbs() {
        // GDB's signals.def: SIGBUS 10, SIGUSR1 30, SIGCHLD 20, SIGSYS 12,
        // real-time 33 is 45, 32 is 77, 64 is 78.
        for (linux, gdb) in [
            (7, 10),
            (10, 30),
            (11, 11),
            (17, 20),
            (31, 12),
            (33, 45),
            (63, 75),
            (32, 77),
            (64, 78),
        ] {
            assert_eq!(gdb_signal(linux), gdb, "signal {linux}");
            assert_eq!(linux_signal(gdb), Some(linux), "GDB signal {gdb}");
        }
        assert_eq!(linux_signal(143), None);
    }

    #[test]
    fn registers_round_trip_through_the_g_packet() {
        let mut regs = ArmRegs::default();
        for i in 0..16 {
            regs.r[i] = 0x1000 + i as u32;
        }
        regs.cpsr = 0x6000_0013;
        regs.d[31] = 0x0123_4567_89ab_cdef;
        regs.fpscr = 0x0300_0000;
        let mut bytes = Vec::new();
        regs.gdb_serialize(|b| bytes.push(b.unwrap()));
        assert_eq!(bytes.len(), 16 * 4 + 4 + 32 * 8 + 16 * 16 + 4);
        assert_eq!(&bytes[64..68], &0x6000_0013u32.to_le_bytes());
        let mut back = ArmRegs::default();
        back.gdb_deserialize(&bytes).unwrap();
        assert_eq!(back, regs);
        assert!(back.gdb_deserialize(&bytes[..10]).is_err());
    }

    #[test]
    fn numbering_matches_the_description() {
        // The XML lists 17 core registers, 32 d, 16 q registers and
        // fpscr, in GDB's numbering order.
        assert_eq!(TARGET_XML.matches("<reg ").count(), regnum::COUNT);
        assert_eq!(ArmRegId::from_number(16), Some(ArmRegId::Cpsr));
        assert_eq!(ArmRegId::from_number(17), Some(ArmRegId::D(0)));
        assert_eq!(ArmRegId::from_number(48), Some(ArmRegId::D(31)));
        assert_eq!(ArmRegId::from_number(49), Some(ArmRegId::Q(0)));
        assert_eq!(ArmRegId::from_number(64), Some(ArmRegId::Q(15)));
        assert_eq!(ArmRegId::from_number(65), Some(ArmRegId::Fpscr));
        assert_eq!(ArmRegId::from_number(66), None);
        // A q register is its two d registers.
        let mut regs = ArmRegs::default();
        assert!(regs.set(ArmRegId::Q(1), &[1u8; 16]));
        assert_eq!(regs.d[2..4], [0x0101_0101_0101_0101; 2]);
    }
}
