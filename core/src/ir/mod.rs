//! The IR: what a guest instruction means, independent of how it was encoded.
//!
//! Both instruction sets (A32 and T32) decode into the same [`Op`]s, so the
//! backends (the interpreter now, the x86-64 JIT later) implement each
//! operation once. An op is "mid-level": one op per guest instruction in the
//! common case, with every encoding detail already resolved at decode time
//! (immediates expanded, shift forms classified, PC-relative addresses made
//! absolute where the encoding allows, IT-block conditions attached). That
//! keeps the interpreter to one dispatch per guest instruction and gives the
//! JIT ops with a fixed, small meaning to emit templates for.
//!
//! A translated [`Block`] is a straight-line run of [`Insn`]s ending at a
//! branch, an exception-raising instruction, a page boundary or a size limit.

pub mod flags;
pub mod neon;
pub mod vfp;

/// A core register number, 0..=15 (13 = SP, 14 = LR, 15 = PC).
pub type Reg = u8;

/// The stack pointer.
pub const SP: Reg = 13;
/// The link register.
pub const LR: Reg = 14;
/// The program counter.
pub const PC: Reg = 15;

/// An ARM condition code (the `cond` field). `Al` is "always".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
#[allow(missing_docs)]
pub enum Cond {
    Eq = 0,
    Ne,
    Cs,
    Cc,
    Mi,
    Pl,
    Vs,
    Vc,
    Hi,
    Ls,
    Ge,
    Lt,
    Gt,
    Le,
    Al,
}

impl Cond {
    /// The condition for a 4-bit `cond` field; 0b1111 is treated as always
    /// (callers handle the unconditional space before asking).
    pub fn from_bits(bits: u32) -> Cond {
        const ALL: [Cond; 15] = [
            Cond::Eq,
            Cond::Ne,
            Cond::Cs,
            Cond::Cc,
            Cond::Mi,
            Cond::Pl,
            Cond::Vs,
            Cond::Vc,
            Cond::Hi,
            Cond::Ls,
            Cond::Ge,
            Cond::Lt,
            Cond::Gt,
            Cond::Le,
            Cond::Al,
        ];
        ALL[(bits & 0xf).min(14) as usize]
    }
}

/// A barrel-shifter operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Shift {
    Lsl,
    Lsr,
    Asr,
    Ror,
    /// Rotate right by one through carry (encoded as ROR #0).
    Rrx,
}

impl Shift {
    /// Decodes an immediate shift (`type`, `imm5`) the way DecodeImmShift does:
    /// LSR/ASR #0 mean #32 and ROR #0 means RRX.
    pub fn decode_imm(ty: u32, imm5: u32) -> (Shift, u8) {
        match ty & 3 {
            0 => (Shift::Lsl, imm5 as u8),
            1 => (Shift::Lsr, if imm5 == 0 { 32 } else { imm5 as u8 }),
            2 => (Shift::Asr, if imm5 == 0 { 32 } else { imm5 as u8 }),
            _ => {
                if imm5 == 0 {
                    (Shift::Rrx, 1)
                } else {
                    (Shift::Ror, imm5 as u8)
                }
            }
        }
    }

    /// The shift for a register-controlled shift's `type` field.
    pub fn from_type(ty: u32) -> Shift {
        match ty & 3 {
            0 => Shift::Lsl,
            1 => Shift::Lsr,
            2 => Shift::Asr,
            _ => Shift::Ror,
        }
    }
}

/// The flexible second operand of data-processing instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// An expanded immediate. `carry` is the shifter carry-out for flag-setting
    /// logical ops (`None`: C is left unchanged).
    Imm {
        /// The value.
        value: u32,
        /// Carry out of the immediate expansion, if it defines one.
        carry: Option<bool>,
    },
    /// A register shifted by an immediate amount (already decoded: LSR #32 is
    /// 32, RRX has amount 1).
    Reg {
        /// The register.
        rm: Reg,
        /// The shift.
        shift: Shift,
        /// The amount, 0..=32.
        amount: u8,
    },
    /// A register shifted by the bottom byte of another register.
    RegShift {
        /// The register shifted.
        rm: Reg,
        /// The shift (never RRX).
        shift: Shift,
        /// The register holding the amount.
        rs: Reg,
    },
}

impl Operand {
    /// A plain register operand.
    pub fn reg(rm: Reg) -> Operand {
        Operand::Reg {
            rm,
            shift: Shift::Lsl,
            amount: 0,
        }
    }
    /// A plain immediate that leaves carry alone.
    pub fn imm(value: u32) -> Operand {
        Operand::Imm { value, carry: None }
    }
}

/// A data-processing operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum AluOp {
    And,
    Eor,
    Sub,
    Rsb,
    Add,
    Adc,
    Sbc,
    Rsc,
    Tst,
    Teq,
    Cmp,
    Cmn,
    Orr,
    Mov,
    Bic,
    Mvn,
    Orn,
}

impl AluOp {
    /// Whether the op only sets flags and writes no register.
    pub fn is_test(self) -> bool {
        matches!(self, AluOp::Tst | AluOp::Teq | AluOp::Cmp | AluOp::Cmn)
    }
    /// Whether the flags come from the shifter and logic (N, Z, C) rather
    /// than from an adder (N, Z, C, V).
    pub fn is_logical(self) -> bool {
        matches!(
            self,
            AluOp::And
                | AluOp::Eor
                | AluOp::Tst
                | AluOp::Teq
                | AluOp::Orr
                | AluOp::Mov
                | AluOp::Bic
                | AluOp::Mvn
                | AluOp::Orn
        )
    }
}

/// How an address is formed for a single load or store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addr {
    /// Base register.
    pub rn: Reg,
    /// Offset added to or subtracted from the base.
    pub offset: Offset,
    /// Add (`true`) or subtract the offset.
    pub add: bool,
    /// Pre-indexed (`true`: address = base +/- offset) or post-indexed
    /// (address = base; base is then updated).
    pub index: bool,
    /// Write the updated address back to `rn` (always true when post-indexed).
    pub wback: bool,
}

impl Addr {
    /// `[rn, #+/-imm]` with no writeback.
    pub fn imm(rn: Reg, imm: u32, add: bool) -> Addr {
        Addr {
            rn,
            offset: Offset::Imm(imm),
            add,
            index: true,
            wback: false,
        }
    }
}

/// The offset part of an [`Addr`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offset {
    /// An immediate.
    Imm(u32),
    /// A register shifted by an immediate.
    Reg {
        /// Offset register.
        rm: Reg,
        /// Shift applied.
        shift: Shift,
        /// Amount, 0..=32.
        amount: u8,
    },
}

/// Width and signedness of a single load or store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum MemSize {
    U8,
    S8,
    U16,
    S16,
    U32,
}

/// The addressing mode of LDM/STM and friends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockMode {
    /// Increment after (LDMIA, POP).
    Ia,
    /// Increment before.
    Ib,
    /// Decrement after.
    Da,
    /// Decrement before (STMDB, PUSH).
    Db,
}

/// Size of an exclusive access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum ExclSize {
    B,
    H,
    W,
    /// A doubleword into a register pair.
    D,
}

/// Plain 32-bit multiplies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum MulOp {
    /// rd = rn * rm
    Mul,
    /// rd = rn * rm + ra
    Mla,
    /// rd = ra - rn * rm
    Mls,
}

/// 32x32 -> 64 multiplies into a register pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum MulLongOp {
    Umull,
    Smull,
    Umlal,
    Smlal,
    Umaal,
}

/// The DSP ("signed multiply with halfwords") family. Operand halves are
/// fields so one op covers the BB/BT/TB/TT and X variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DspMulOp {
    /// SMULxy / SMLAxy (`acc`): 16x16 (+ ra), SMLA sets Q on overflow.
    Smulxy {
        /// Take Rn's top half.
        n_top: bool,
        /// Take Rm's top half.
        m_top: bool,
        /// Accumulate ra.
        acc: bool,
    },
    /// SMULWy / SMLAWy: (32x16) >> 16 (+ ra).
    Smulwy {
        /// Take Rm's top half.
        m_top: bool,
        /// Accumulate ra.
        acc: bool,
    },
    /// SMLALxy: 16x16 added to the 64-bit pair (rd = hi, ra = lo).
    Smlalxy {
        /// Take Rn's top half.
        n_top: bool,
        /// Take Rm's top half.
        m_top: bool,
    },
    /// SMUAD/SMLAD/SMUSD/SMLSD (and X): dual 16x16, sum or difference
    /// (+ ra), Q set on overflow of the accumulation.
    Smlad {
        /// Swap Rm's halves.
        swap: bool,
        /// Subtract the products instead of adding.
        sub: bool,
        /// Accumulate ra.
        acc: bool,
    },
    /// SMLALD/SMLSLD (and X): dual 16x16 accumulated into the 64-bit pair
    /// (rd = hi, ra = lo).
    Smlald {
        /// Swap Rm's halves.
        swap: bool,
        /// Subtract the products.
        sub: bool,
    },
    /// SMMUL/SMMLA/SMMLS (and R): top 32 bits of a 64-bit product.
    Smmul {
        /// Accumulate (ra + product) or, with `sub`, (ra - product).
        acc: bool,
        /// Subtract (SMMLS).
        sub: bool,
        /// Round.
        round: bool,
    },
}

/// Saturating 32-bit add/subtract (QADD, QSUB, QDADD, QDSUB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum QOp {
    Qadd,
    Qsub,
    Qdadd,
    Qdsub,
}

/// The lane arithmetic of the parallel add/subtract family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum ParOp {
    Add16,
    Asx,
    Sax,
    Sub16,
    Add8,
    Sub8,
}

/// The flavour of the parallel add/subtract family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParKind {
    /// Signed modulo, sets GE.
    S,
    /// Signed saturating.
    Q,
    /// Signed halving.
    Sh,
    /// Unsigned modulo, sets GE.
    U,
    /// Unsigned saturating.
    Uq,
    /// Unsigned halving.
    Uh,
}

/// One-register bit operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum UnOp {
    Clz,
    Rbit,
    Rev,
    Rev16,
    Revsh,
}

/// A guest operation. See the module docs.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Does nothing (NOP, hints, PLD, IT itself).
    Nop,
    /// Data processing. A write to PC branches (interworking in A32 state,
    /// a plain branch in T32 state). `s` sets flags.
    Alu {
        /// Operation.
        op: AluOp,
        /// Set flags.
        s: bool,
        /// Destination (ignored by test ops).
        rd: Reg,
        /// First operand (ignored by MOV/MVN).
        rn: Reg,
        /// Second operand.
        op2: Operand,
    },
    /// MOVT: write imm16 to the top half of rd, keeping the bottom half.
    /// (MOVW is an `Alu` MOV of an immediate.)
    Movt {
        /// Destination.
        rd: Reg,
        /// The new top half.
        imm16: u16,
    },
    /// MUL/MLA/MLS.
    Mul {
        /// Operation.
        op: MulOp,
        /// Set N and Z.
        s: bool,
        /// Destination.
        rd: Reg,
        /// Multiplicand.
        rn: Reg,
        /// Multiplier.
        rm: Reg,
        /// Accumulator.
        ra: Reg,
    },
    /// UMULL/SMULL/UMLAL/SMLAL/UMAAL.
    MulLong {
        /// Operation.
        op: MulLongOp,
        /// Set N and Z.
        s: bool,
        /// Low half of the result.
        rdlo: Reg,
        /// High half of the result.
        rdhi: Reg,
        /// Multiplicand.
        rn: Reg,
        /// Multiplier.
        rm: Reg,
    },
    /// The halfword and most-significant-word multiplies.
    DspMul {
        /// Operation.
        op: DspMulOp,
        /// Destination (the high word for the 64-bit forms).
        rd: Reg,
        /// First operand.
        rn: Reg,
        /// Second operand.
        rm: Reg,
        /// Accumulator (the low word for the 64-bit forms).
        ra: Reg,
    },
    /// SDIV/UDIV (division by zero gives 0, as with SCTLR.DZ clear).
    Div {
        /// Signed.
        signed: bool,
        /// Quotient.
        rd: Reg,
        /// Dividend.
        rn: Reg,
        /// Divisor.
        rm: Reg,
    },
    /// CLZ, RBIT, REV, REV16, REVSH.
    Unary {
        /// Operation.
        op: UnOp,
        /// Destination.
        rd: Reg,
        /// Source.
        rm: Reg,
    },
    /// BFC (rn = None) and BFI: insert rn<width-1:0> into rd<msb:lsb>.
    Bfi {
        /// Destination.
        rd: Reg,
        /// Source, or None for BFC.
        rn: Option<Reg>,
        /// Lowest bit.
        lsb: u8,
        /// Highest bit (>= lsb, checked by the decoder).
        msb: u8,
    },
    /// UBFX/SBFX.
    Bfx {
        /// Sign-extend.
        signed: bool,
        /// Destination.
        rd: Reg,
        /// Source.
        rn: Reg,
        /// Lowest bit.
        lsb: u8,
        /// Width, 1..=32 with lsb + width <= 32.
        width: u8,
    },
    /// SXTB/UXTB/SXTH/UXTH/SXTB16/UXTB16 and their add forms.
    Extend {
        /// Sign-extend.
        signed: bool,
        /// Source width: 8 or 16; with `dual` the two bytes 0 and 2.
        bits: u8,
        /// The B16 forms: extend bytes 0 and 2 into two halfwords.
        dual: bool,
        /// Destination.
        rd: Reg,
        /// Added register, if an "extend and add" form.
        rn: Option<Reg>,
        /// Source register.
        rm: Reg,
        /// Rotation applied to rm first: 0, 8, 16 or 24.
        rot: u8,
    },
    /// SSAT/USAT: saturate (rn shifted) to `bits` bits; sets Q when clipped.
    Sat {
        /// Signed saturation (SSAT: bits is 1..=32) or unsigned (USAT: 0..=31).
        signed: bool,
        /// Destination.
        rd: Reg,
        /// Saturation width.
        bits: u8,
        /// Source.
        rn: Reg,
        /// Shift applied to rn first (LSL or ASR).
        shift: Shift,
        /// Shift amount.
        amount: u8,
    },
    /// SSAT16/USAT16.
    Sat16 {
        /// Signed.
        signed: bool,
        /// Destination.
        rd: Reg,
        /// Saturation width.
        bits: u8,
        /// Source.
        rn: Reg,
    },
    /// QADD/QSUB/QDADD/QDSUB: rd = sat(rm op rn).
    QAddSub {
        /// Operation.
        op: QOp,
        /// Destination.
        rd: Reg,
        /// First operand (the one named Rm in the ARM ARM).
        rm: Reg,
        /// Second operand (doubled by QDADD/QDSUB).
        rn: Reg,
    },
    /// The parallel add/subtract family (SADD16, UQSUB8, SHASX...).
    Parallel {
        /// Lane operation.
        op: ParOp,
        /// Flavour.
        kind: ParKind,
        /// Destination.
        rd: Reg,
        /// First operand.
        rn: Reg,
        /// Second operand.
        rm: Reg,
    },
    /// SEL: pick bytes by GE.
    Sel {
        /// Destination.
        rd: Reg,
        /// Taken where GE is set.
        rn: Reg,
        /// Taken where GE is clear.
        rm: Reg,
    },
    /// USAD8/USADA8 (ra = None for USAD8).
    Usad8 {
        /// Destination.
        rd: Reg,
        /// First operand.
        rn: Reg,
        /// Second operand.
        rm: Reg,
        /// Accumulator.
        ra: Option<Reg>,
    },
    /// PKHBT (tb = false: rn bottom, rm<<sh top) / PKHTB (rn top, rm asr sh bottom).
    Pkh {
        /// PKHTB.
        tb: bool,
        /// Destination.
        rd: Reg,
        /// First operand.
        rn: Reg,
        /// Second operand.
        rm: Reg,
        /// Shift amount (32 allowed for PKHTB).
        amount: u8,
    },
    /// Single load. Writing PC is an interworking branch.
    Load {
        /// Width and signedness.
        size: MemSize,
        /// Destination.
        rt: Reg,
        /// Address.
        addr: Addr,
    },
    /// Single store.
    Store {
        /// Width (signedness ignored).
        size: MemSize,
        /// Source.
        rt: Reg,
        /// Address.
        addr: Addr,
    },
    /// LDRD.
    LoadDual {
        /// First destination (lower address).
        rt: Reg,
        /// Second destination.
        rt2: Reg,
        /// Address.
        addr: Addr,
    },
    /// STRD.
    StoreDual {
        /// First source (lower address).
        rt: Reg,
        /// Second source.
        rt2: Reg,
        /// Address.
        addr: Addr,
    },
    /// LDM (and POP). Loading PC is an interworking branch.
    LoadMultiple {
        /// Base.
        rn: Reg,
        /// Register list (bit n = rn).
        regs: u16,
        /// Addressing mode.
        mode: BlockMode,
        /// Write back the base.
        wback: bool,
    },
    /// STM (and PUSH).
    StoreMultiple {
        /// Base.
        rn: Reg,
        /// Register list.
        regs: u16,
        /// Addressing mode.
        mode: BlockMode,
        /// Write back the base.
        wback: bool,
    },
    /// LDREX{B,H,D}.
    LoadExcl {
        /// Size.
        size: ExclSize,
        /// Destination.
        rt: Reg,
        /// Second destination for D.
        rt2: Reg,
        /// Address register.
        rn: Reg,
        /// Offset (T32 LDREX has an imm8<<2).
        imm: u32,
    },
    /// STREX{B,H,D}: rd = 0 on success, 1 on failure.
    StoreExcl {
        /// Size.
        size: ExclSize,
        /// Status destination.
        rd: Reg,
        /// Source.
        rt: Reg,
        /// Second source for D.
        rt2: Reg,
        /// Address register.
        rn: Reg,
        /// Offset.
        imm: u32,
    },
    /// CLREX.
    Clrex,
    /// SWP/SWPB (atomic exchange).
    Swp {
        /// Byte (SWPB).
        byte: bool,
        /// Destination of the old value.
        rt: Reg,
        /// Value stored.
        rt2: Reg,
        /// Address.
        rn: Reg,
    },
    /// DMB/DSB/ISB.
    Barrier,
    /// B: branch to an absolute target in the same state.
    Branch {
        /// Target address.
        target: u32,
    },
    /// BL/BLX immediate: LR = return address (with the Thumb bit in T32),
    /// then branch; `to_thumb` is the state at the target.
    BranchLink {
        /// Target address.
        target: u32,
        /// State at the target.
        to_thumb: bool,
    },
    /// BX/BLX register (interworking). `link` sets LR first.
    BranchExchange {
        /// Target register.
        rm: Reg,
        /// BLX.
        link: bool,
    },
    /// CBZ/CBNZ.
    CompareBranch {
        /// Register tested.
        rn: Reg,
        /// CBNZ.
        nonzero: bool,
        /// Target address.
        target: u32,
    },
    /// TBB/TBH: branch to PC + 2 * table[rm].
    TableBranch {
        /// Table base (PC reads as this instruction + 4).
        rn: Reg,
        /// Index.
        rm: Reg,
        /// TBH (halfword table).
        half: bool,
    },
    /// MRS rd, APSR.
    Mrs {
        /// Destination.
        rd: Reg,
    },
    /// MSR APSR_<nzcvq,g>, from a register or immediate.
    Msr {
        /// Write N, Z, C, V, Q.
        nzcvq: bool,
        /// Write GE.
        g: bool,
        /// Source.
        src: Operand,
    },
    /// MRC/MCR/MRRC/MCRR to a coprocessor other than VFP/NEON (CP15's
    /// user-visible registers in user mode).
    Coproc {
        /// Read from the coprocessor (MRC/MRRC).
        read: bool,
        /// Coprocessor number.
        cp: u8,
        /// opc1.
        opc1: u8,
        /// CRn.
        crn: u8,
        /// CRm.
        crm: u8,
        /// opc2.
        opc2: u8,
        /// Core register.
        rt: Reg,
        /// Second core register for the 64-bit forms, else None.
        rt2: Option<Reg>,
    },
    /// SVC (the immediate is ignored by Linux EABI but kept for -strace).
    Svc {
        /// The comment field.
        imm: u32,
    },
    /// BKPT.
    Bkpt {
        /// The comment field.
        imm: u32,
    },
    /// UDF, or any encoding the decoder does not accept.
    Undefined {
        /// The raw encoding (T32 32-bit: first halfword in the top half).
        raw: u32,
    },
    /// WFI/WFE: the CPU idles (user mode treats it as a hint).
    Wait,
    /// A debugger's breakpoint: stop before the instruction at this
    /// address (which is not executed). Never decoded from guest code.
    DebugTrap,
    /// A VFP instruction.
    Vfp(Box<vfp::VfpInsn>),
    /// An Advanced SIMD instruction.
    Neon(Box<neon::NeonInsn>),
    /// A privileged or system-level instruction (rare: always run by the
    /// interpreter, which checks the current mode).
    Sys(Box<SysOp>),
}

/// The privileged and system-level instructions (ARM ARM B9). Their
/// semantics (`interp::sys`) look at the current mode: at PL0 each does
/// what the architecture says for User mode (CPS is a NOP, MSR CPSR writes
/// only the APSR fields, LDRT is a plain load, the rest are UNDEFINED).
#[derive(Clone, Debug, PartialEq)]
pub enum SysOp {
    /// CPS: set (`disable`) or clear the A/I/F masks in `aif` (CPSR bit
    /// positions), and/or change to `mode`.
    Cps {
        /// The masks to change (0: none).
        aif: u32,
        /// Set them (CPSID) rather than clear them (CPSIE).
        disable: bool,
        /// The new mode, if any.
        mode: Option<u8>,
    },
    /// MRS Rd, SPSR.
    MrsSpsr {
        /// Destination.
        rd: Reg,
    },
    /// MSR CPSR_<fields> or SPSR_<fields>: `mask` bit 3 = f (31:24),
    /// 2 = s (23:16), 1 = x (15:8), 0 = c (7:0).
    MsrPsr {
        /// Write the SPSR rather than the CPSR.
        spsr: bool,
        /// Byte fields to write.
        mask: u8,
        /// Source.
        src: Operand,
    },
    /// MRS Rd, <banked register> (Virtualization Extensions form).
    MrsBanked {
        /// Destination.
        rd: Reg,
        /// An SPSR rather than a core register.
        r: bool,
        /// The SYSm field naming the register.
        sysm: u8,
    },
    /// MSR <banked register>, Rn.
    MsrBanked {
        /// Source.
        rn: Reg,
        /// An SPSR rather than a core register.
        r: bool,
        /// The SYSm field naming the register.
        sysm: u8,
    },
    /// SRS: store LR and SPSR of the current mode to the stack of `mode`.
    Srs {
        /// The mode whose SP is the base.
        mode: u8,
        /// Addressing mode.
        bmode: BlockMode,
        /// Write the base back.
        wback: bool,
    },
    /// RFE: load PC and CPSR from memory at Rn.
    Rfe {
        /// Base.
        rn: Reg,
        /// Addressing mode.
        bmode: BlockMode,
        /// Write the base back.
        wback: bool,
    },
    /// LDM/STM with `^` and no PC: the User-mode registers.
    MultipleUser {
        /// LDM rather than STM.
        load: bool,
        /// Base.
        rn: Reg,
        /// Register list.
        regs: u16,
        /// Addressing mode.
        bmode: BlockMode,
    },
    /// LDM with `^` and PC in the list: an exception return.
    LoadMultipleReturn {
        /// Base.
        rn: Reg,
        /// Register list (PC included).
        regs: u16,
        /// Addressing mode.
        bmode: BlockMode,
        /// Write the base back.
        wback: bool,
    },
    /// A flag-setting data-processing instruction writing PC (`subs pc,
    /// lr, #4`, `movs pc, lr`): an exception return.
    AluReturn {
        /// Operation (never a test op).
        op: AluOp,
        /// First operand.
        rn: Reg,
        /// Second operand.
        op2: Operand,
    },
    /// LDRT/STRT and the other unprivileged loads and stores.
    Unprivileged {
        /// A load rather than a store.
        load: bool,
        /// Width and signedness.
        size: MemSize,
        /// Data register.
        rt: Reg,
        /// Address.
        addr: Addr,
    },
    /// HVC (hypervisor call: the machine may implement PSCI behind it).
    Hvc {
        /// The immediate.
        imm: u32,
    },
    /// SMC (secure monitor call: as HVC).
    Smc {
        /// The immediate.
        imm: u32,
    },
    /// VMRS/VMSR of FPSID, MVFR0, MVFR1 or FPEXC (PL1 only).
    VfpSystem {
        /// The register.
        reg: vfp::SysReg,
        /// Core register.
        rt: Reg,
        /// VMSR rather than VMRS.
        write: bool,
    },
}

/// One guest instruction in a block.
#[derive(Clone, Debug, PartialEq)]
pub struct Insn {
    /// The operation.
    pub op: Op,
    /// Its condition (IT-block conditions included).
    pub cond: Cond,
    /// Guest address of the instruction.
    pub pc: u32,
    /// Encoding length in bytes: 2 or 4.
    pub len: u8,
    /// ITSTATE in effect when this instruction executes (0 outside IT).
    pub it: u8,
}

impl Insn {
    /// The value reading PC gives in this instruction: address + 8 in A32,
    /// + 4 in T32.
    pub fn pc_read(&self, thumb: bool) -> u32 {
        self.pc.wrapping_add(if thumb { 4 } else { 8 })
    }
    /// The address of the next instruction.
    pub fn next_pc(&self) -> u32 {
        self.pc.wrapping_add(self.len as u32)
    }
}

/// Advances ITSTATE past one instruction (ITAdvance in the ARM ARM).
pub fn it_advance(it: u8) -> u8 {
    if it & 7 == 0 {
        0
    } else {
        (it & 0xe0) | ((it << 1) & 0x1f)
    }
}

/// A translated run of guest instructions.
#[derive(Clone, Debug)]
pub struct Block {
    /// Guest address of the first instruction.
    pub start: u32,
    /// T32 state.
    pub thumb: bool,
    /// The instructions.
    pub insns: Vec<Insn>,
    /// Address after the last instruction (where execution falls through).
    pub end: u32,
    /// ITSTATE after the last instruction (a block may end inside an IT
    /// block, e.g. at a page boundary).
    pub end_it: u8,
}

impl Block {
    /// The last guest byte the block's instructions occupy (its
    /// instructions need not be contiguous: a translation with side exits
    /// goes on at the target of an unconditional branch).
    pub fn last_byte(&self) -> u32 {
        self.insns
            .iter()
            .map(|i| i.pc.wrapping_add(u32::from(i.len).max(1) - 1))
            .max()
            .unwrap_or(self.start)
    }

    /// Whether any of the block's instructions lies in guest
    /// `[start, end)`.
    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        self.insns
            .iter()
            .any(|i| (i.pc as u64) < end && i.pc as u64 + u64::from(i.len).max(1) > start)
    }

    /// Instructions after the first that a direct branch at or after them
    /// goes back to (or that the block runs into at its end: a
    /// translation that followed a branch may end where it went on),
    /// outside IT blocks and unconditional: where a backend may loop
    /// inside the block, as it does to the start.
    pub fn inner_loop_heads(&self) -> Vec<usize> {
        let back_to = |from: usize, pc: u32| {
            self.insns[from..].iter().any(|i| match i.op {
                Op::Branch { target } | Op::CompareBranch { target, .. } => target == pc,
                _ => false,
            }) || (self.end == pc && self.end_it == 0)
        };
        (1..self.insns.len())
            .filter(|&h| {
                let i = &self.insns[h];
                i.it == 0 && i.cond == Cond::Al && back_to(h, i.pc)
            })
            .collect()
    }

    /// Whether a direct branch of the block targets its own start in its
    /// own instruction set (a loop that stays in the block; a BL to its
    /// own start is a recursive call, which stays in the block too).
    /// Backends that run such a branch in place rely on this.
    pub fn branches_to_start(&self) -> bool {
        // (A translation that followed a branch can also fall through to
        // its own start.)
        let falls_to_start = self.end == self.start && self.insns.iter().any(|i| i.len > 0);
        falls_to_start
            || self.insns.iter().any(|i| match i.op {
                Op::Branch { target } | Op::CompareBranch { target, .. } => target == self.start,
                Op::BranchLink { target, to_thumb } => {
                    target == self.start && to_thumb == self.thumb
                }
                _ => false,
            })
    }
}
