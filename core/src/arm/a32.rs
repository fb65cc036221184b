//! The A32 (ARM state) decode table: one line per encoding, into IR ops.
//!
//! Patterns follow the ARM ARM (DDI 0406C, chapter A5) field names: `c` is
//! the condition, `n`/`d`/`m`/`t`/`s`/`a` registers, `i` immediates. Lines are
//! tried in order, so the specific encodings carved out of the
//! data-processing space (multiplies, extra loads and stores, the
//! miscellaneous instructions) come before the general data-processing lines.

use std::sync::OnceLock;

use super::decoder::{Fields, Handler, Table};
use crate::ir::*;

/// Decodes one A32 instruction at `pc`: its condition and operation.
pub fn decode(raw: u32, pc: u32) -> (Cond, Op) {
    let cond_bits = raw >> 28;
    if cond_bits == 0xf {
        let op = unconditional_table()
            .decode(raw, pc, 0)
            .map(|(_, op)| op)
            .or_else(|| super::neon::decode(raw, pc))
            .unwrap_or(Op::Undefined { raw });
        return (Cond::Al, op);
    }
    let op = match conditional_table().decode(raw, pc, 0) {
        Some((_, op)) => op,
        None => Op::Undefined { raw },
    };
    (Cond::from_bits(cond_bits), op)
}

/// The name of the table line that matches `raw` (for tests and `-d`).
pub fn encoding_name(raw: u32) -> Option<&'static str> {
    if raw >> 28 == 0xf {
        unconditional_table().name_of(raw)
    } else {
        conditional_table().name_of(raw)
    }
}

fn conditional_table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| Table::new(32, CONDITIONAL))
}

fn unconditional_table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| Table::new(32, UNCONDITIONAL))
}

#[rustfmt::skip]
// Bits the ARM ARM marks (0) or (1) are fixed in the patterns: an encoding
// with them flipped is UNPREDICTABLE, and decoding it as UNDEFINED (as QEMU
// does) is the safe choice.
pub(crate) const CONDITIONAL: &[(&str, &str, Handler)] = &[
    // Multiplies (A5.2.5)
    ("MUL",     "cccc 0000 000S dddd 0000 mmmm 1001 nnnn", mul),
    ("MLA",     "cccc 0000 001S dddd aaaa mmmm 1001 nnnn", mla),
    ("UMAAL",   "cccc 0000 0100 hhhh llll mmmm 1001 nnnn", umaal),
    ("MLS",     "cccc 0000 0110 dddd aaaa mmmm 1001 nnnn", mls),
    ("xMULL",   "cccc 0000 1ooS hhhh llll mmmm 1001 nnnn", mul_long),
    // Synchronization primitives (A5.2.10)
    ("SWP",     "cccc 0001 0B00 nnnn tttt 0000 1001 uuuu", swp),
    ("LDREX",   "cccc 0001 1oo1 nnnn tttt 1111 1001 1111", ldrex),
    ("STREX",   "cccc 0001 1oo0 nnnn dddd 1111 1001 tttt", strex),
    // Extra loads and stores (A5.2.8)
    ("LDRD reg",  "cccc 000P U0W0 nnnn tttt 0000 1101 mmmm", extra_ls),
    ("LDRD imm",  "cccc 000P U1W0 nnnn tttt iiii 1101 iiii", extra_ls),
    ("STRD reg",  "cccc 000P U0W0 nnnn tttt 0000 1111 mmmm", extra_ls),
    ("STRD imm",  "cccc 000P U1W0 nnnn tttt iiii 1111 iiii", extra_ls),
    ("xH/SB reg", "cccc 000P U0WL nnnn tttt 0000 1oo1 mmmm", extra_ls),
    ("xH/SB imm", "cccc 000P U1WL nnnn tttt iiii 1oo1 iiii", extra_ls),
    // Miscellaneous (A5.2.12) and halfword multiplies (A5.2.7)
    ("MRS",     "cccc 0001 0R00 1111 dddd 0000 0000 0000", mrs),
    ("MRS bank", "cccc 0001 0R00 mmmm dddd 001M 0000 0000", mrs_banked),
    ("MSR reg", "cccc 0001 0R10 mmmm 1111 0000 0000 nnnn", msr_reg),
    ("MSR bank", "cccc 0001 0R10 mmmm 1111 001M 0000 nnnn", msr_banked),
    ("BX",      "cccc 0001 0010 1111 1111 1111 0001 mmmm", bx),
    ("BXJ",     "cccc 0001 0010 1111 1111 1111 0010 mmmm", bx),
    ("BLX reg", "cccc 0001 0010 1111 1111 1111 0011 mmmm", blx_reg),
    ("CLZ",     "cccc 0001 0110 1111 dddd 1111 0001 mmmm", clz),
    ("QADD..",  "cccc 0001 0oo0 nnnn dddd 0000 0101 mmmm", qaddsub),
    ("BKPT",    "cccc 0001 0010 iiii iiii iiii 0111 iiii", bkpt),
    ("HVC",     "cccc 0001 0100 iiii iiii iiii 0111 iiii", hvc),
    ("SMC",     "cccc 0001 0110 0000 0000 0000 0111 iiii", smc),
    ("SMLAxy",  "cccc 0001 0000 dddd aaaa mmmm 1yx0 nnnn", smlaxy),
    ("SMLAWy",  "cccc 0001 0010 dddd aaaa mmmm 1y00 nnnn", smlawy),
    ("SMULWy",  "cccc 0001 0010 dddd 0000 mmmm 1y10 nnnn", smulwy),
    ("SMLALxy", "cccc 0001 0100 hhhh llll mmmm 1yx0 nnnn", smlalxy),
    ("SMULxy",  "cccc 0001 0110 dddd 0000 mmmm 1yx0 nnnn", smulxy),
    ("misc?",   "cccc 0001 0--0 ---- ---- ---- ---- ----", undef),
    // MOVW/MOVT, MSR immediate and hints (A5.2.11)
    ("MOVW",    "cccc 0011 0000 iiii dddd iiii iiii iiii", movw),
    ("MOVT",    "cccc 0011 0100 iiii dddd iiii iiii iiii", movt),
    ("hint",    "cccc 0011 0010 0000 1111 0000 hhhh hhhh", hint),
    ("MSR imm", "cccc 0011 0R10 mmmm 1111 rrrr iiii iiii", msr_imm),
    ("MSR imm?", "cccc 0011 0-10 ---- ---- ---- ---- ----", undef),
    // Data processing (A5.2.1-3)
    ("DP reg",  "cccc 000o oooS nnnn dddd iiii itt0 mmmm", dp_reg),
    ("DP rsr",  "cccc 000o oooS nnnn dddd ssss 0tt1 mmmm", dp_rsr),
    ("DP imm",  "cccc 001o oooS nnnn dddd rrrr iiii iiii", dp_imm),
    // Media instructions (A5.4)
    ("UDF",     "cccc 0111 1111 iiii iiii iiii 1111 iiii", udf),
    ("parallel", "cccc 0110 0kkk nnnn dddd 1111 ooo1 mmmm", parallel),
    ("PKH",     "cccc 0110 1000 nnnn dddd iiii it01 mmmm", pkh),
    ("SSAT16",  "cccc 0110 1010 ssss dddd 1111 0011 nnnn", ssat16),
    ("USAT16",  "cccc 0110 1110 ssss dddd 1111 0011 nnnn", usat16),
    ("SSAT",    "cccc 0110 101s ssss dddd iiii ih01 nnnn", ssat),
    ("USAT",    "cccc 0110 111s ssss dddd iiii ih01 nnnn", usat),
    ("xXTAx",   "cccc 0110 1uoo nnnn dddd rr00 0111 mmmm", extend),
    ("SEL",     "cccc 0110 1000 nnnn dddd 1111 1011 mmmm", sel),
    ("REV",     "cccc 0110 1011 1111 dddd 1111 0011 mmmm", rev),
    ("REV16",   "cccc 0110 1011 1111 dddd 1111 1011 mmmm", rev16),
    ("RBIT",    "cccc 0110 1111 1111 dddd 1111 0011 mmmm", rbit),
    ("REVSH",   "cccc 0110 1111 1111 dddd 1111 1011 mmmm", revsh),
    ("SMLAD",   "cccc 0111 0000 dddd aaaa mmmm 0sM1 nnnn", smlad),
    ("SDIV",    "cccc 0111 0001 dddd 1111 mmmm 0001 nnnn", sdiv),
    ("UDIV",    "cccc 0111 0011 dddd 1111 mmmm 0001 nnnn", udiv),
    ("SMLALD",  "cccc 0111 0100 hhhh llll mmmm 0sM1 nnnn", smlald),
    ("SMMLA",   "cccc 0111 0101 dddd aaaa mmmm 00R1 nnnn", smmla),
    ("SMMLS",   "cccc 0111 0101 dddd aaaa mmmm 11R1 nnnn", smmls),
    ("USADA8",  "cccc 0111 1000 dddd aaaa mmmm 0001 nnnn", usada8),
    ("SBFX",    "cccc 0111 101w wwww dddd llll l101 nnnn", sbfx),
    ("UBFX",    "cccc 0111 111w wwww dddd llll l101 nnnn", ubfx),
    ("BFI",     "cccc 0111 110m mmmm dddd llll l001 nnnn", bfi),
    ("media?",  "cccc 011- ---- ---- ---- ---- ---1 ----", undef),
    // Load/store word and unsigned byte (A5.3)
    ("LDR/STR imm", "cccc 010P UBWL nnnn tttt iiii iiii iiii", ls_imm),
    ("LDR/STR reg", "cccc 011P UBWL nnnn tttt iiii iyy0 mmmm", ls_reg),
    // Branch and block transfer (A5.5)
    ("LDM/STM", "cccc 100P USWL nnnn rrrr rrrr rrrr rrrr", ldm_stm),
    ("B",       "cccc 1010 iiii iiii iiii iiii iiii iiii", b),
    ("BL",      "cccc 1011 iiii iiii iiii iiii iiii iiii", bl),
    // Coprocessor and SVC (A5.6)
    ("SVC",     "cccc 1111 iiii iiii iiii iiii iiii iiii", svc),
    ("VFP",     "cccc 11-- ---- ---- ---- 101- ---- ----", vfp),
    ("MCRR/MRRC", "cccc 1100 010L uuuu tttt pppp oooo mmmm", mcrr),
    ("MCR/MRC", "cccc 1110 oooL nnnn tttt pppp qqq1 mmmm", mcr),
];

#[rustfmt::skip]
pub(crate) const UNCONDITIONAL: &[(&str, &str, Handler)] = &[
    ("CLREX",   "1111 0101 0111 1111 1111 0000 0001 1111", clrex),
    ("DSB",     "1111 0101 0111 1111 1111 0000 0100 ----", barrier),
    ("DMB",     "1111 0101 0111 1111 1111 0000 0101 ----", barrier),
    ("ISB",     "1111 0101 0111 1111 1111 0000 0110 ----", barrier),
    ("PLI",     "1111 0100 -101 ---- ---- ---- ---- ----", nop),
    ("PLD imm", "1111 0101 -R01 ---- ---- ---- ---- ----", nop),
    ("PLD reg", "1111 0111 -R01 ---- ---- ---- ---0 ----", nop),
    ("PLI reg", "1111 0110 -101 ---- ---- ---- ---0 ----", nop),
    ("SETEND",  "1111 0001 0000 0001 0000 00E0 0000 0000", setend),
    ("CPS",     "1111 0001 0000 ooM0 0000 000a if0m mmmm", cps),
    ("SRS",     "1111 100P U1W0 1101 0000 0101 000m mmmm", srs),
    ("RFE",     "1111 100P U0W1 nnnn 0000 1010 0000 0000", rfe),
    ("BLX imm", "1111 101H iiii iiii iiii iiii iiii iiii", blx_imm),
];

fn nop(_: &Fields) -> Op {
    Op::Nop
}

fn undef(f: &Fields) -> Op {
    f.undefined()
}

/// ARMExpandImm_C: the rotated immediate and its carry-out.
fn expand_imm(imm12: u32) -> Operand {
    let rot = 2 * (imm12 >> 8);
    let value = (imm12 & 0xff).rotate_right(rot);
    Operand::Imm {
        value,
        carry: (rot != 0).then_some(value >> 31 != 0),
    }
}

const DP_OPS: [AluOp; 16] = [
    AluOp::And,
    AluOp::Eor,
    AluOp::Sub,
    AluOp::Rsb,
    AluOp::Add,
    AluOp::Adc,
    AluOp::Sbc,
    AluOp::Rsc,
    AluOp::Tst,
    AluOp::Teq,
    AluOp::Cmp,
    AluOp::Cmn,
    AluOp::Orr,
    AluOp::Mov,
    AluOp::Bic,
    AluOp::Mvn,
];

fn dp(f: &Fields, op2: Operand) -> Op {
    let op = DP_OPS[f.get('o') as usize];
    let s = f.bit('S');
    let rd = f.reg('d');
    // Test ops without S are other instructions (carved out above); with
    // S and Rd = PC they are the obsolete TSTP forms. Flag-setting writes
    // to PC are exception returns, which user code cannot execute.
    if op.is_test() && !s {
        return f.undefined();
    }
    // The should-be-zero register fields (Rn of MOV/MVN, Rd of the test
    // ops) make the encoding UNPREDICTABLE when set; treat it as UNDEFINED,
    // as QEMU does, rather than guess.
    let rn = f.reg('n');
    if (matches!(op, AluOp::Mov | AluOp::Mvn) && rn != 0) || (op.is_test() && rd != 0) {
        return f.undefined();
    }
    // A flag-setting write to PC is an exception return (SUBS PC, LR...).
    if s && rd == PC && !op.is_test() {
        return sys(SysOp::AluReturn { op, rn, op2 });
    }
    Op::Alu {
        op,
        s,
        rd,
        rn: f.reg('n'),
        op2,
    }
}

fn dp_reg(f: &Fields) -> Op {
    let (shift, amount) = Shift::decode_imm(f.get('t'), f.get('i'));
    dp(
        f,
        Operand::Reg {
            rm: f.reg('m'),
            shift,
            amount,
        },
    )
}

fn dp_rsr(f: &Fields) -> Op {
    if [f.reg('d'), f.reg('n'), f.reg('m'), f.reg('s')].contains(&PC) {
        return f.undefined();
    }
    dp(
        f,
        Operand::RegShift {
            rm: f.reg('m'),
            shift: Shift::from_type(f.get('t')),
            rs: f.reg('s'),
        },
    )
}

fn dp_imm(f: &Fields) -> Op {
    dp(f, expand_imm(f.get('r') << 8 | f.get('i')))
}

fn mul(f: &Fields) -> Op {
    Op::Mul {
        op: MulOp::Mul,
        s: f.bit('S'),
        rd: f.reg('d'),
        rn: f.reg('n'),
        rm: f.reg('m'),
        ra: 0,
    }
}

fn mla(f: &Fields) -> Op {
    Op::Mul {
        op: MulOp::Mla,
        s: f.bit('S'),
        rd: f.reg('d'),
        rn: f.reg('n'),
        rm: f.reg('m'),
        ra: f.reg('a'),
    }
}

fn mls(f: &Fields) -> Op {
    Op::Mul {
        op: MulOp::Mls,
        s: false,
        rd: f.reg('d'),
        rn: f.reg('n'),
        rm: f.reg('m'),
        ra: f.reg('a'),
    }
}

fn long_mul(f: &Fields, op: MulLongOp, s: bool) -> Op {
    let (rdlo, rdhi) = (f.reg('l'), f.reg('h'));
    if rdlo == rdhi {
        return f.undefined();
    }
    Op::MulLong {
        op,
        s,
        rdlo,
        rdhi,
        rn: f.reg('n'),
        rm: f.reg('m'),
    }
}

fn umaal(f: &Fields) -> Op {
    long_mul(f, MulLongOp::Umaal, false)
}

fn mul_long(f: &Fields) -> Op {
    let op = [
        MulLongOp::Umull,
        MulLongOp::Umlal,
        MulLongOp::Smull,
        MulLongOp::Smlal,
    ][f.get('o') as usize];
    long_mul(f, op, f.bit('S'))
}

fn swp(f: &Fields) -> Op {
    Op::Swp {
        byte: f.bit('B'),
        rt: f.reg('t'),
        rt2: f.reg('u'),
        rn: f.reg('n'),
    }
}

fn excl_size(o: u32) -> ExclSize {
    [ExclSize::W, ExclSize::D, ExclSize::B, ExclSize::H][o as usize]
}

fn ldrex(f: &Fields) -> Op {
    let size = excl_size(f.get('o'));
    let rt = f.reg('t');
    if size == ExclSize::D && (rt & 1 != 0 || rt == 14) {
        return f.undefined();
    }
    Op::LoadExcl {
        size,
        rt,
        rt2: rt + 1,
        rn: f.reg('n'),
        imm: 0,
    }
}

fn strex(f: &Fields) -> Op {
    let size = excl_size(f.get('o'));
    let rt = f.reg('t');
    if size == ExclSize::D && (rt & 1 != 0 || rt == 14) {
        return f.undefined();
    }
    Op::StoreExcl {
        size,
        rd: f.reg('d'),
        rt,
        rt2: rt + 1,
        rn: f.reg('n'),
        imm: 0,
    }
}

/// The "extra" loads and stores: halfword, signed byte/halfword, doubleword.
fn extra_ls(f: &Fields) -> Op {
    let p = f.bit('P');
    let w = f.bit('W');
    let op2 = (f.raw >> 5) & 3;
    let load = f.raw & (1 << 20) != 0;
    let offset = if f.raw & (1 << 22) != 0 {
        Offset::Imm(f.get('i'))
    } else {
        Offset::Reg {
            rm: f.reg('m'),
            shift: Shift::Lsl,
            amount: 0,
        }
    };
    let addr = Addr {
        rn: f.reg('n'),
        offset,
        add: f.bit('U'),
        index: p,
        wback: !p || w,
    };
    let rt = f.reg('t');
    let op = match (load, op2) {
        (false, 1) => Op::Store {
            size: MemSize::U16,
            rt,
            addr,
        },
        (true, 1) => Op::Load {
            size: MemSize::U16,
            rt,
            addr,
        },
        (true, 2) => Op::Load {
            size: MemSize::S8,
            rt,
            addr,
        },
        (true, 3) => Op::Load {
            size: MemSize::S16,
            rt,
            addr,
        },
        (false, 2) | (false, 3) => {
            // LDRD/STRD have no unprivileged (P = 0, W = 1) form.
            if rt & 1 != 0 || rt == 14 || (!p && w) {
                return f.undefined();
            }
            if op2 == 2 {
                Op::LoadDual {
                    rt,
                    rt2: rt + 1,
                    addr,
                }
            } else {
                Op::StoreDual {
                    rt,
                    rt2: rt + 1,
                    addr,
                }
            }
        }
        _ => f.undefined(),
    };
    // LDRHT, LDRSBT, LDRSHT, STRHT.
    if !p && w {
        return unprivileged(op);
    }
    op
}

fn sys(op: SysOp) -> Op {
    Op::Sys(Box::new(op))
}

fn mrs(f: &Fields) -> Op {
    let rd = f.reg('d');
    if rd == PC {
        return f.undefined();
    }
    if f.bit('R') {
        sys(SysOp::MrsSpsr { rd })
    } else {
        Op::Mrs { rd }
    }
}

fn mrs_banked(f: &Fields) -> Op {
    let rd = f.reg('d');
    if rd == PC {
        return f.undefined();
    }
    sys(SysOp::MrsBanked {
        rd,
        r: f.bit('R'),
        sysm: (f.get('M') << 4 | f.get('m')) as u8,
    })
}

fn msr_banked(f: &Fields) -> Op {
    let rn = f.reg('n');
    if rn == PC {
        return f.undefined();
    }
    sys(SysOp::MsrBanked {
        rn,
        r: f.bit('R'),
        sysm: (f.get('M') << 4 | f.get('m')) as u8,
    })
}

/// MSR to the APSR (mask f/s only), CPSR or SPSR from `src`.
fn msr(f: &Fields, src: Operand) -> Op {
    let mask = f.get('m') as u8;
    if mask == 0 {
        return f.undefined();
    }
    if !f.bit('R') && mask & 3 == 0 {
        return Op::Msr {
            nzcvq: mask & 8 != 0,
            g: mask & 4 != 0,
            src,
        };
    }
    sys(SysOp::MsrPsr {
        spsr: f.bit('R'),
        mask,
        src,
    })
}

fn msr_reg(f: &Fields) -> Op {
    if f.reg('n') == PC {
        return f.undefined();
    }
    msr(f, Operand::reg(f.reg('n')))
}

fn msr_imm(f: &Fields) -> Op {
    msr(f, expand_imm(f.get('r') << 8 | f.get('i')))
}

fn hvc(f: &Fields) -> Op {
    // HVC is unconditional; other conditions are UNPREDICTABLE.
    if f.raw >> 28 != 0xe {
        return f.undefined();
    }
    sys(SysOp::Hvc { imm: f.get('i') })
}

fn smc(f: &Fields) -> Op {
    sys(SysOp::Smc { imm: f.get('i') })
}

fn cps(f: &Fields) -> Op {
    cps_op(
        f,
        f.get('o'),
        f.bit('M'),
        f.get('a') << 2 | f.get('i') << 1 | f.get('f'),
        f.get('m'),
    )
}

/// CPS from its fields (shared with T32): `imod` 0b10 enables, 0b11
/// disables the masks in `aif` (A, I, F as bits 2..0); `change_mode` with
/// `m` switches mode. Invalid combinations are UNPREDICTABLE: UNDEFINED.
pub(crate) fn cps_op(f: &Fields, imod: u32, change_mode: bool, aif: u32, m: u32) -> Op {
    let masks = (aif & 4) << 6 | (aif & 2) << 6 | (aif & 1) << 6;
    if imod == 1 || (imod == 0 && !change_mode) || ((imod & 2 != 0) == (aif == 0)) {
        return f.undefined();
    }
    if !change_mode && m != 0 {
        return f.undefined();
    }
    sys(SysOp::Cps {
        aif: if imod & 2 != 0 { masks } else { 0 },
        disable: imod == 3,
        mode: change_mode.then_some(m as u8),
    })
}

/// The addressing mode from P and U.
fn block_mode(p: bool, u: bool) -> BlockMode {
    match (p, u) {
        (false, true) => BlockMode::Ia,
        (true, true) => BlockMode::Ib,
        (false, false) => BlockMode::Da,
        (true, false) => BlockMode::Db,
    }
}

fn srs(f: &Fields) -> Op {
    sys(SysOp::Srs {
        mode: f.get('m') as u8,
        bmode: block_mode(f.bit('P'), f.bit('U')),
        wback: f.bit('W'),
    })
}

fn rfe(f: &Fields) -> Op {
    let rn = f.reg('n');
    if rn == PC {
        return f.undefined();
    }
    sys(SysOp::Rfe {
        rn,
        bmode: block_mode(f.bit('P'), f.bit('U')),
        wback: f.bit('W'),
    })
}

/// The unprivileged form (LDRT and friends: P = 0, W = 1) of a single
/// load or store: post-indexed, with User-mode permissions at PL1.
fn unprivileged(op: Op) -> Op {
    match op {
        Op::Load { size, rt, addr } => sys(SysOp::Unprivileged {
            load: true,
            size,
            rt,
            addr,
        }),
        Op::Store { size, rt, addr } => sys(SysOp::Unprivileged {
            load: false,
            size,
            rt,
            addr,
        }),
        other => other,
    }
}

fn hint(f: &Fields) -> Op {
    match f.get('h') {
        2 | 3 => Op::Wait,
        _ => Op::Nop,
    }
}

fn bx(f: &Fields) -> Op {
    Op::BranchExchange {
        rm: f.reg('m'),
        link: false,
    }
}

fn blx_reg(f: &Fields) -> Op {
    if f.reg('m') == PC {
        return f.undefined();
    }
    Op::BranchExchange {
        rm: f.reg('m'),
        link: true,
    }
}

fn clz(f: &Fields) -> Op {
    Op::Unary {
        op: UnOp::Clz,
        rd: f.reg('d'),
        rm: f.reg('m'),
    }
}

fn qaddsub(f: &Fields) -> Op {
    Op::QAddSub {
        op: [QOp::Qadd, QOp::Qsub, QOp::Qdadd, QOp::Qdsub][f.get('o') as usize],
        rd: f.reg('d'),
        rm: f.reg('m'),
        rn: f.reg('n'),
    }
}

fn bkpt(f: &Fields) -> Op {
    Op::Bkpt { imm: f.get('i') }
}

fn dsp(f: &Fields, op: DspMulOp, rd: char, ra: char) -> Op {
    Op::DspMul {
        op,
        rd: f.reg(rd),
        rn: f.reg('n'),
        rm: f.reg('m'),
        ra: f.reg(ra),
    }
}

fn smlaxy(f: &Fields) -> Op {
    let op = DspMulOp::Smulxy {
        n_top: f.bit('x'),
        m_top: f.bit('y'),
        acc: true,
    };
    dsp(f, op, 'd', 'a')
}

fn smulxy(f: &Fields) -> Op {
    let op = DspMulOp::Smulxy {
        n_top: f.bit('x'),
        m_top: f.bit('y'),
        acc: false,
    };
    dsp(f, op, 'd', 'd')
}

fn smlawy(f: &Fields) -> Op {
    let op = DspMulOp::Smulwy {
        m_top: f.bit('y'),
        acc: true,
    };
    dsp(f, op, 'd', 'a')
}

fn smulwy(f: &Fields) -> Op {
    let op = DspMulOp::Smulwy {
        m_top: f.bit('y'),
        acc: false,
    };
    dsp(f, op, 'd', 'd')
}

fn smlalxy(f: &Fields) -> Op {
    let op = DspMulOp::Smlalxy {
        n_top: f.bit('x'),
        m_top: f.bit('y'),
    };
    dsp(f, op, 'h', 'l')
}

fn smlad(f: &Fields) -> Op {
    let acc = f.reg('a') != PC;
    let op = DspMulOp::Smlad {
        swap: f.bit('M'),
        sub: f.bit('s'),
        acc,
    };
    dsp(f, op, 'd', 'a')
}

fn smlald(f: &Fields) -> Op {
    let op = DspMulOp::Smlald {
        swap: f.bit('M'),
        sub: f.bit('s'),
    };
    dsp(f, op, 'h', 'l')
}

fn smmla(f: &Fields) -> Op {
    let op = DspMulOp::Smmul {
        acc: f.reg('a') != PC,
        sub: false,
        round: f.bit('R'),
    };
    dsp(f, op, 'd', 'a')
}

fn smmls(f: &Fields) -> Op {
    let op = DspMulOp::Smmul {
        acc: true,
        sub: true,
        round: f.bit('R'),
    };
    dsp(f, op, 'd', 'a')
}

fn movw(f: &Fields) -> Op {
    Op::Alu {
        op: AluOp::Mov,
        s: false,
        rd: f.reg('d'),
        rn: 0,
        op2: Operand::imm(f.get('i')),
    }
}

fn movt(f: &Fields) -> Op {
    Op::Movt {
        rd: f.reg('d'),
        imm16: f.get('i') as u16,
    }
}

fn udf(f: &Fields) -> Op {
    f.undefined()
}

fn parallel(f: &Fields) -> Op {
    let kind = match f.get('k') {
        1 => ParKind::S,
        2 => ParKind::Q,
        3 => ParKind::Sh,
        5 => ParKind::U,
        6 => ParKind::Uq,
        7 => ParKind::Uh,
        _ => return f.undefined(),
    };
    let op = match f.get('o') {
        0 => ParOp::Add16,
        1 => ParOp::Asx,
        2 => ParOp::Sax,
        3 => ParOp::Sub16,
        4 => ParOp::Add8,
        7 => ParOp::Sub8,
        _ => return f.undefined(),
    };
    Op::Parallel {
        op,
        kind,
        rd: f.reg('d'),
        rn: f.reg('n'),
        rm: f.reg('m'),
    }
}

fn pkh(f: &Fields) -> Op {
    let tb = f.bit('t');
    let imm = f.get('i') as u8;
    Op::Pkh {
        tb,
        rd: f.reg('d'),
        rn: f.reg('n'),
        rm: f.reg('m'),
        amount: if tb && imm == 0 { 32 } else { imm },
    }
}

fn sat(f: &Fields, signed: bool) -> Op {
    let bits = f.get('s') as u8 + signed as u8;
    let (shift, amount) = if f.bit('h') {
        let imm = f.get('i') as u8;
        (Shift::Asr, if imm == 0 { 32 } else { imm })
    } else {
        (Shift::Lsl, f.get('i') as u8)
    };
    Op::Sat {
        signed,
        rd: f.reg('d'),
        bits,
        rn: f.reg('n'),
        shift,
        amount,
    }
}

fn ssat(f: &Fields) -> Op {
    sat(f, true)
}

fn usat(f: &Fields) -> Op {
    sat(f, false)
}

fn ssat16(f: &Fields) -> Op {
    Op::Sat16 {
        signed: true,
        rd: f.reg('d'),
        bits: f.get('s') as u8 + 1,
        rn: f.reg('n'),
    }
}

fn usat16(f: &Fields) -> Op {
    Op::Sat16 {
        signed: false,
        rd: f.reg('d'),
        bits: f.get('s') as u8,
        rn: f.reg('n'),
    }
}

fn extend(f: &Fields) -> Op {
    // op bits 22..20: u (unsigned), oo: 00 = B16, 10 = B, 11 = H.
    let (bits, dual) = match f.get('o') {
        0 => (8, true),
        2 => (8, false),
        3 => (16, false),
        _ => return f.undefined(),
    };
    let rn = f.reg('n');
    Op::Extend {
        signed: !f.bit('u'),
        bits,
        dual,
        rd: f.reg('d'),
        rn: (rn != PC).then_some(rn),
        rm: f.reg('m'),
        rot: (f.get('r') * 8) as u8,
    }
}

fn sel(f: &Fields) -> Op {
    Op::Sel {
        rd: f.reg('d'),
        rn: f.reg('n'),
        rm: f.reg('m'),
    }
}

fn unary(f: &Fields, op: UnOp) -> Op {
    Op::Unary {
        op,
        rd: f.reg('d'),
        rm: f.reg('m'),
    }
}

fn rev(f: &Fields) -> Op {
    unary(f, UnOp::Rev)
}

fn rev16(f: &Fields) -> Op {
    unary(f, UnOp::Rev16)
}

fn rbit(f: &Fields) -> Op {
    unary(f, UnOp::Rbit)
}

fn revsh(f: &Fields) -> Op {
    unary(f, UnOp::Revsh)
}

fn div(f: &Fields, signed: bool) -> Op {
    Op::Div {
        signed,
        rd: f.reg('d'),
        rn: f.reg('n'),
        rm: f.reg('m'),
    }
}

fn sdiv(f: &Fields) -> Op {
    div(f, true)
}

fn udiv(f: &Fields) -> Op {
    div(f, false)
}

fn usada8(f: &Fields) -> Op {
    let ra = f.reg('a');
    Op::Usad8 {
        rd: f.reg('d'),
        rn: f.reg('n'),
        rm: f.reg('m'),
        ra: (ra != PC).then_some(ra),
    }
}

fn bfx(f: &Fields, signed: bool) -> Op {
    let lsb = f.get('l');
    let width = f.get('w') + 1;
    if lsb + width > 32 {
        return f.undefined();
    }
    Op::Bfx {
        signed,
        rd: f.reg('d'),
        rn: f.reg('n'),
        lsb: lsb as u8,
        width: width as u8,
    }
}

fn sbfx(f: &Fields) -> Op {
    bfx(f, true)
}

fn ubfx(f: &Fields) -> Op {
    bfx(f, false)
}

fn bfi(f: &Fields) -> Op {
    let (lsb, msb) = (f.get('l'), f.get('m'));
    if msb < lsb {
        return f.undefined();
    }
    let rn = f.reg('n');
    Op::Bfi {
        rd: f.reg('d'),
        rn: (rn != PC).then_some(rn),
        lsb: lsb as u8,
        msb: msb as u8,
    }
}

fn ls_addr(f: &Fields, offset: Offset) -> Addr {
    let p = f.bit('P');
    Addr {
        rn: f.reg('n'),
        offset,
        add: f.bit('U'),
        index: p,
        wback: !p || f.bit('W'),
    }
}

fn ls(f: &Fields, addr: Addr) -> Op {
    let size = if f.bit('B') {
        MemSize::U8
    } else {
        MemSize::U32
    };
    let rt = f.reg('t');
    if f.bit('L') {
        Op::Load { size, rt, addr }
    } else {
        Op::Store { size, rt, addr }
    }
}

fn ls_imm(f: &Fields) -> Op {
    let op = ls(f, ls_addr(f, Offset::Imm(f.get('i'))));
    if !f.bit('P') && f.bit('W') {
        return unprivileged(op);
    }
    op
}

fn ls_reg(f: &Fields) -> Op {
    let (shift, amount) = Shift::decode_imm(f.get('y'), f.get('i'));
    let offset = Offset::Reg {
        rm: f.reg('m'),
        shift,
        amount,
    };
    let op = ls(f, ls_addr(f, offset));
    if !f.bit('P') && f.bit('W') {
        return unprivileged(op);
    }
    op
}

fn ldm_stm(f: &Fields) -> Op {
    let regs = f.get('r') as u16;
    if regs == 0 {
        return f.undefined();
    }
    let mode = block_mode(f.bit('P'), f.bit('U'));
    let (rn, wback) = (f.reg('n'), f.bit('W'));
    if f.bit('S') {
        // The S bit selects the User-mode registers (no writeback
        // allowed) or, with PC loaded, an exception return.
        let load = f.bit('L');
        if rn == PC {
            return f.undefined();
        }
        if load && regs & (1 << 15) != 0 {
            return sys(SysOp::LoadMultipleReturn {
                rn,
                regs,
                bmode: mode,
                wback,
            });
        }
        if wback {
            return f.undefined();
        }
        return sys(SysOp::MultipleUser {
            load,
            rn,
            regs,
            bmode: mode,
        });
    }
    if f.bit('L') {
        Op::LoadMultiple {
            rn,
            regs,
            mode,
            wback,
        }
    } else {
        Op::StoreMultiple {
            rn,
            regs,
            mode,
            wback,
        }
    }
}

fn branch_offset(f: &Fields) -> u32 {
    (((f.get('i') << 8) as i32) >> 6) as u32
}

fn b(f: &Fields) -> Op {
    Op::Branch {
        target: f.pc.wrapping_add(8).wrapping_add(branch_offset(f)),
    }
}

fn bl(f: &Fields) -> Op {
    Op::BranchLink {
        target: f.pc.wrapping_add(8).wrapping_add(branch_offset(f)),
        to_thumb: false,
    }
}

fn blx_imm(f: &Fields) -> Op {
    let target =
        f.pc.wrapping_add(8)
            .wrapping_add(branch_offset(f))
            .wrapping_add(f.get('H') << 1);
    Op::BranchLink {
        target,
        to_thumb: true,
    }
}

fn svc(f: &Fields) -> Op {
    Op::Svc { imm: f.get('i') }
}

fn vfp(f: &Fields) -> Op {
    super::vfp::decode(f.raw, f.pc).unwrap_or_else(|| f.undefined())
}

fn mcr(f: &Fields) -> Op {
    Op::Coproc {
        read: f.bit('L'),
        cp: f.get('p') as u8,
        opc1: f.get('o') as u8,
        crn: f.get('n') as u8,
        crm: f.get('m') as u8,
        opc2: f.get('q') as u8,
        rt: f.reg('t'),
        rt2: None,
    }
}

fn mcrr(f: &Fields) -> Op {
    Op::Coproc {
        read: f.bit('L'),
        cp: f.get('p') as u8,
        opc1: f.get('o') as u8,
        crn: 0,
        crm: f.get('m') as u8,
        opc2: 0,
        rt: f.reg('t'),
        rt2: Some(f.reg('u')),
    }
}

fn clrex(_: &Fields) -> Op {
    Op::Clrex
}

fn barrier(_: &Fields) -> Op {
    Op::Barrier
}

fn setend(f: &Fields) -> Op {
    // Big-endian data is not supported; SETEND LE is a no-op.
    if f.bit('E') {
        f.undefined()
    } else {
        Op::Nop
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(raw: u32) -> Op {
        decode(raw, 0x1000).1
    }

    #[test]
    fn data_processing() {
        // adds r0, r1, #1
        assert_eq!(
            op(0xe291_0001),
            Op::Alu {
                op: AluOp::Add,
                s: true,
                rd: 0,
                rn: 1,
                op2: Operand::Imm {
                    value: 1,
                    carry: None
                }
            }
        );
        // mov r0, r1, lsl #3
        assert_eq!(
            op(0xe1a0_0181),
            Op::Alu {
                op: AluOp::Mov,
                s: false,
                rd: 0,
                rn: 0,
                op2: Operand::Reg {
                    rm: 1,
                    shift: Shift::Lsl,
                    amount: 3
                }
            }
        );
        // mvn r2, #0xff000000 (rotated immediate defines a carry)
        assert_eq!(
            op(0xe3e0_24ff),
            Op::Alu {
                op: AluOp::Mvn,
                s: false,
                rd: 2,
                rn: 0,
                op2: Operand::Imm {
                    value: 0xff00_0000,
                    carry: Some(true)
                }
            }
        );
        // cmp r3, r4, asr r5
        assert_eq!(
            op(0xe153_0554),
            Op::Alu {
                op: AluOp::Cmp,
                s: true,
                rd: 0,
                rn: 3,
                op2: Operand::RegShift {
                    rm: 4,
                    shift: Shift::Asr,
                    rs: 5
                }
            }
        );
        // movne r0, r1, rrx
        let (c, o) = decode(0x11a0_0061, 0);
        assert_eq!(c, Cond::Ne);
        assert_eq!(
            o,
            Op::Alu {
                op: AluOp::Mov,
                s: false,
                rd: 0,
                rn: 0,
                op2: Operand::Reg {
                    rm: 1,
                    shift: Shift::Rrx,
                    amount: 1
                }
            }
        );
    }

    #[test]
    fn loads_stores_and_branches() {
        // ldr r0, [r1, #-4]!
        assert_eq!(
            op(0xe531_0004),
            Op::Load {
                size: MemSize::U32,
                rt: 0,
                addr: Addr {
                    rn: 1,
                    offset: Offset::Imm(4),
                    add: false,
                    index: true,
                    wback: true
                }
            }
        );
        // ldrsh r2, [r3], #6
        assert_eq!(
            op(0xe0d3_20f6),
            Op::Load {
                size: MemSize::S16,
                rt: 2,
                addr: Addr {
                    rn: 3,
                    offset: Offset::Imm(6),
                    add: true,
                    index: false,
                    wback: true
                }
            }
        );
        // ldrd r4, r5, [sp, #8]
        assert_eq!(
            op(0xe1cd_40d8),
            Op::LoadDual {
                rt: 4,
                rt2: 5,
                addr: Addr::imm(13, 8, true)
            }
        );
        // push {r4, lr}
        assert_eq!(
            op(0xe92d_4010),
            Op::StoreMultiple {
                rn: 13,
                regs: 0x4010,
                mode: BlockMode::Db,
                wback: true
            }
        );
        // bl . (offset -8 from pc+8)
        assert_eq!(
            op(0xebff_fffe),
            Op::BranchLink {
                target: 0x1000,
                to_thumb: false
            }
        );
        // blx #+4 with H: 0xfb000000 -> target pc+8+2, Thumb
        assert_eq!(
            op(0xfb00_0000),
            Op::BranchLink {
                target: 0x100a,
                to_thumb: true
            }
        );
        // bx lr
        assert_eq!(
            op(0xe12f_ff1e),
            Op::BranchExchange {
                rm: 14,
                link: false
            }
        );
        // svc 0
        assert_eq!(op(0xef00_0000), Op::Svc { imm: 0 });
    }

    #[test]
    fn media_and_misc() {
        // ubfx r0, r1, #4, #8
        assert_eq!(
            op(0xe7e7_0251),
            Op::Bfx {
                signed: false,
                rd: 0,
                rn: 1,
                lsb: 4,
                width: 8
            }
        );
        // bfc r0, #8, #4
        assert_eq!(
            op(0xe7cb_041f),
            Op::Bfi {
                rd: 0,
                rn: None,
                lsb: 8,
                msb: 11
            }
        );
        // uxtb r0, r1
        assert_eq!(
            op(0xe6ef_0071),
            Op::Extend {
                signed: false,
                bits: 8,
                dual: false,
                rd: 0,
                rn: None,
                rm: 1,
                rot: 0
            }
        );
        // sdiv r0, r1, r2
        assert_eq!(
            op(0xe710_f211),
            Op::Div {
                signed: true,
                rd: 0,
                rn: 1,
                rm: 2
            }
        );
        // ldrex r0, [r1]; strex r2, r3, [r1]
        assert_eq!(
            op(0xe191_0f9f),
            Op::LoadExcl {
                size: ExclSize::W,
                rt: 0,
                rt2: 1,
                rn: 1,
                imm: 0
            }
        );
        assert_eq!(
            op(0xe181_2f93),
            Op::StoreExcl {
                size: ExclSize::W,
                rd: 2,
                rt: 3,
                rt2: 4,
                rn: 1,
                imm: 0
            }
        );
        // dmb ish
        assert_eq!(op(0xf57f_f05b), Op::Barrier);
        // mrc p15, 0, r0, c13, c0, 3
        assert_eq!(
            op(0xee1d_0f70),
            Op::Coproc {
                read: true,
                cp: 15,
                opc1: 0,
                crn: 13,
                crm: 0,
                opc2: 3,
                rt: 0,
                rt2: None
            }
        );
        // movw r0, #0x1234; movt r0, #0x5678
        assert_eq!(
            op(0xe301_0234),
            Op::Alu {
                op: AluOp::Mov,
                s: false,
                rd: 0,
                rn: 0,
                op2: Operand::imm(0x1234)
            }
        );
        assert_eq!(
            op(0xe345_0678),
            Op::Movt {
                rd: 0,
                imm16: 0x5678
            }
        );
        // umull r0, r1, r2, r3
        assert_eq!(
            op(0xe081_0392),
            Op::MulLong {
                op: MulLongOp::Umull,
                s: false,
                rdlo: 0,
                rdhi: 1,
                rn: 2,
                rm: 3
            }
        );
        // udf #0
        assert_eq!(op(0xe7f0_00f0), Op::Undefined { raw: 0xe7f0_00f0 });
        // Found by the difftest: should-be-zero fields set, and LDRD/STRD
        // with P = 0, W = 1, are UNPREDICTABLE; decoded as UNDEFINED.
        for raw in [
            0xe3eb_0345,
            0xe03a_2df4,
            0xe186_3db8,
            0xe0e4_a5d8,
            0xe0a8_60fc,
            0xe624_9033,
            0xe1de_3896,
        ] {
            assert_eq!(op(raw), Op::Undefined { raw }, "{raw:08x}");
        }
        // nop, wfi
        assert_eq!(op(0xe320_f000), Op::Nop);
        assert_eq!(op(0xe320_f003), Op::Wait);
    }

    #[test]
    fn never_panics() {
        let mut x: u32 = 0x1234_5678;
        for _ in 0..2_000_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let _ = decode(x, 0x8000);
        }
    }
}
