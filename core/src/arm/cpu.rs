//! The architectural state of one ARMv7-A guest CPU as user code sees it.

/// Guest CPU state: core registers, flags, execution state, VFP/NEON and the
/// user-visible CP15 thread registers.
#[derive(Clone, Debug, Default)]
pub struct CpuState {
    /// r0..r15. `r[15]` holds the address of the next instruction between
    /// blocks; inside an instruction the interpreter sets it to the PC-read
    /// value (address + 8 or + 4).
    pub r: [u32; 16],
    /// The condition flags N, Z, C, V in bits 3..0. One word rather than
    /// four bools: flag writes and the condition check that follows them
    /// then hit the same bytes, which keeps store-to-load forwarding working
    /// on the interpreter's hottest path.
    pub nzcv: u32,
    /// Sticky saturation flag.
    pub q: bool,
    /// GE[3:0] flags of the parallel add/subtract instructions.
    pub ge: u8,
    /// T32 (Thumb) state.
    pub thumb: bool,
    /// ITSTATE (IT[7:0]); 0 outside an IT block.
    pub itstate: u8,
    /// The 32 doubleword VFP/NEON registers (S0..S31 alias D0..D15,
    /// Q0..Q15 are pairs).
    pub d: [u64; 32],
    /// FPSCR.
    pub fpscr: u32,
    /// TPIDRURO (CP15 c13, c0, 3): the TLS pointer set by `set_tls`.
    pub tpidruro: u32,
    /// TPIDRURW (CP15 c13, c0, 2).
    pub tpidrurw: u32,
    /// The local exclusive monitor: address and value loaded by LDREX, used
    /// to make STREX a compare-and-swap.
    pub exclusive: Option<Exclusive>,
}

/// What the last LDREX saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exclusive {
    /// Address of the access.
    pub addr: u32,
    /// Value read (zero-extended; both words for LDREXD).
    pub value: u64,
}

impl CpuState {
    /// The address of the next instruction to run.
    pub fn pc(&self) -> u32 {
        self.r[15]
    }

    /// Negative flag.
    #[inline(always)]
    pub fn n(&self) -> bool {
        self.nzcv & 8 != 0
    }
    /// Zero flag.
    #[inline(always)]
    pub fn z(&self) -> bool {
        self.nzcv & 4 != 0
    }
    /// Carry flag.
    #[inline(always)]
    pub fn c(&self) -> bool {
        self.nzcv & 2 != 0
    }
    /// Overflow flag.
    #[inline(always)]
    pub fn v(&self) -> bool {
        self.nzcv & 1 != 0
    }
    /// Sets all four condition flags.
    #[inline(always)]
    pub fn set_nzcv(&mut self, n: bool, z: bool, c: bool, v: bool) {
        self.nzcv = (n as u32) << 3 | (z as u32) << 2 | (c as u32) << 1 | v as u32;
    }
    /// Sets N and Z from a 32-bit result, keeping C and V.
    #[inline(always)]
    pub fn set_nz_from(&mut self, r: u32) {
        self.nzcv = (self.nzcv & 3) | (r >> 31) << 3 | ((r == 0) as u32) << 2;
    }
    /// Sets N and Z, keeping C and V.
    #[inline(always)]
    pub fn set_nz(&mut self, n: bool, z: bool) {
        self.nzcv = (self.nzcv & 3) | (n as u32) << 3 | (z as u32) << 2;
    }
    /// Sets C.
    #[inline(always)]
    pub fn set_c(&mut self, c: bool) {
        self.nzcv = (self.nzcv & !2) | (c as u32) << 1;
    }

    /// APSR as MRS reads it (N Z C V Q, GE).
    pub fn apsr(&self) -> u32 {
        self.nzcv << 28 | (self.q as u32) << 27 | (self.ge as u32 & 0xf) << 16
    }

    /// CPSR in user mode: APSR plus the execution state bits (IT, T) and
    /// mode USR (0x10).
    pub fn cpsr(&self) -> u32 {
        let it = self.itstate as u32;
        self.apsr() | ((it & 3) << 25) | ((it >> 2) << 10) | (self.thumb as u32) << 5 | 0x10
    }

    /// Writes the APSR fields selected by `nzcvq` and `g`.
    pub fn set_apsr(&mut self, value: u32, nzcvq: bool, g: bool) {
        if nzcvq {
            self.nzcv = value >> 28;
            self.q = value & (1 << 27) != 0;
        }
        if g {
            self.ge = ((value >> 16) & 0xf) as u8;
        }
    }

    /// Restores the user-writable CPSR fields (flags, GE, IT, T), as
    /// sigreturn does.
    pub fn set_cpsr(&mut self, value: u32) {
        self.set_apsr(value, true, true);
        self.thumb = value & (1 << 5) != 0;
        self.itstate = (((value >> 25) & 3) | ((value >> 10) & 0x3f) << 2) as u8;
    }

    /// Single-precision register `Sn` as raw bits.
    pub fn s(&self, n: usize) -> u32 {
        (self.d[n / 2] >> ((n % 2) * 32)) as u32
    }

    /// Writes single-precision register `Sn` as raw bits.
    pub fn set_s(&mut self, n: usize, bits: u32) {
        let shift = (n % 2) * 32;
        let d = &mut self.d[n / 2];
        *d = (*d & !(0xffff_ffffu64 << shift)) | ((bits as u64) << shift);
    }

    /// Quad register `Qn` as (low, high) doublewords.
    pub fn q_reg(&self, n: usize) -> [u64; 2] {
        [self.d[2 * n], self.d[2 * n + 1]]
    }

    /// Writes quad register `Qn`.
    pub fn set_q_reg(&mut self, n: usize, v: [u64; 2]) {
        self.d[2 * n] = v[0];
        self.d[2 * n + 1] = v[1];
    }

    /// Evaluates a condition against the flags. A table lookup rather than
    /// a `match`: the interpreter does this for every conditional guest
    /// instruction, and a jump table there mispredicts.
    #[inline(always)]
    pub fn cond_passed(&self, cond: crate::ir::Cond) -> bool {
        COND_TABLE[cond as usize] >> (self.nzcv & 15) & 1 != 0
    }
}

/// The pass mask of a condition: bit `nzcv` is set when the condition
/// passes with those flags (the JIT tests it with one `bt`).
pub fn cond_mask(cond: crate::ir::Cond) -> u16 {
    COND_TABLE[cond as usize]
}

/// For each condition, bit `nzcv` says whether it passes with those flags.
const COND_TABLE: [u16; 15] = {
    let mut t = [0u16; 15];
    let mut nzcv = 0;
    while nzcv < 16 {
        let (n, z, c, v) = (nzcv & 8 != 0, nzcv & 4 != 0, nzcv & 2 != 0, nzcv & 1 != 0);
        let pass = [
            z,
            !z,
            c,
            !c,
            n,
            !n,
            v,
            !v,
            c && !z,
            !c || z,
            n == v,
            n != v,
            !z && n == v,
            z || n != v,
            true,
        ];
        let mut cond = 0;
        while cond < 15 {
            if pass[cond] {
                t[cond] |= 1 << nzcv;
            }
            cond += 1;
        }
        nzcv += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s_registers_alias_d_registers() {
        let mut cpu = CpuState::default();
        cpu.set_s(0, 0x1111_1111);
        cpu.set_s(1, 0x2222_2222);
        cpu.set_s(31, 0xdead_beef);
        assert_eq!(cpu.d[0], 0x2222_2222_1111_1111);
        assert_eq!(cpu.d[15] >> 32, 0xdead_beef);
        assert_eq!(cpu.s(1), 0x2222_2222);
    }

    #[test]
    fn cpsr_round_trips_it_and_flags() {
        let mut cpu = CpuState::default();
        cpu.set_cpsr(0xf800_0000 | 0x000f_0000 | (0b10 << 25) | (0b101101 << 10) | (1 << 5));
        assert!(cpu.n() && cpu.z() && cpu.c() && cpu.v() && cpu.q);
        assert_eq!(cpu.ge, 0xf);
        assert!(cpu.thumb);
        assert_eq!(cpu.itstate, 0b1011_0110);
        assert_eq!(
            cpu.cpsr() & !0x1f,
            0xf80f_0000 | (0b10 << 25) | (0b101101 << 10) | (1 << 5)
        );
    }
}
