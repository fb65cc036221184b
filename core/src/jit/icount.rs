//! Instruction-count tests, in the spirit of FEX's InstructionCountCI: for
//! guest sequences that matter to real programs (a loop closed by a
//! compare and branch, a load-modify-store, VFP arithmetic (straight and
//! in a loop carrying its registers in XMM registers), an
//! interpreter's dispatch, quicksort's swap), the number of host instructions the JIT emits
//! on the block's main line (entry, body, and every exit's code, not the
//! out-of-line slow paths) is pinned. Entries do not check the interrupt
//! flag; loop back edges, backward and indirect exits do. Exits of blocks
//! without IT blocks store no ITSTATE. A loop's closing branch is a side
//! exit: the block goes on with the loop's exit path (here `bx lr`). A change that makes the code worse fails here,
//! without timing anything; one that makes it better updates the pin.
//!
//! `ICOUNT_SHOW=1` prints each block's host code.

use super::tests::{Space, CODE};
use super::x86_64::MAIN_LINE;
use super::Jit;
use crate::arm::translate;

/// A guest sequence (at `CODE`; branches are relative, so those back to
/// its start loop), its encoding as 32-bit A32 words or T32 halfwords,
/// and the host instructions expected on its main line, with why.
struct Case {
    name: &'static str,
    thumb: bool,
    code: &'static [u32],
    host_insns: usize,
}

const CASES: &[Case] = &[
    // cmp r0, r1; addne r2, r2, #1; bx lr. The compare reads r1 from
    // CpuState as its memory operand. ADDNE is skipped by a `je`
    // on the compare's own host flags (saving them raw with `lahf`
    // between leaves them alone; no NZCV packing in line); the exit
    // leaves the raw flags pending for the next block
    // (JitCtx::raw_kind), which packs them only if it reads them.
    Case {
        name: "A32 compare, conditional add, return",
        thumb: false,
        code: &[0xe150_0001, 0x1282_2001, 0xe12f_ff1e],
        host_insns: 44,
    },
    // cmp r0, #0; add r2, r2, r3; ldr r4, [r5, #8]; bgt start; bx lr
    // (the loop's exit path is a side exit's fall-through). The
    // branch's condition is computed at the compare (`setg` to memory)
    // across the add and the load; the loop back keeps the registers
    // and the load writes r4's host register directly.
    Case {
        name: "A32 loop: compare, work, load, bgt back",
        thumb: false,
        code: &[
            0xe350_0000,
            0xe082_2003,
            0xe595_4008,
            0xcaff_fffb,
            0xe12f_ff1e,
        ],
        host_insns: 60,
    },
    // ldr r2, [r1], #4; adds r0, r0, r2; subs r3, r3, #1; bne start;
    // bx lr: the load at the loop head could fault, so the flags are
    // live there; the back edge carries the subtract's raw flags (the
    // head starts from raw flags: the entry takes over the previous
    // block's if they are a subtract's, else converts NZCV by a table
    // out of line), packing nothing per iteration. The post-indexed load
    // is a load into r2's host register and an add; `bne` tests the
    // subtract's host flags.
    Case {
        name: "A32 loop with flags live at its head",
        thumb: false,
        code: &[
            0xe491_2004,
            0xe090_0002,
            0xe253_3001,
            0x1aff_fffb,
            0xe12f_ff1e,
        ],
        host_insns: 66,
    },
    // ldr r3, [r0, #4]; add r3, r3, r1; str r3, [r0, #4]; b start:
    // guest memory accessed directly (host faults catch the bad ones),
    // the offset folded into the host address (`[r12 + rsi + 4]`), the
    // load into r3's host register and the store from it, no `nop`s.
    Case {
        name: "A32 loop: load, add, store",
        thumb: false,
        code: &[0xe590_3004, 0xe083_3001, 0xe580_3004, 0xeaff_fffb],
        host_insns: 21,
    },
    // vldr d0, [r0]; vldr d1, [r0, #8]; vadd.f64 d0, d0, d1;
    // vmul.f64 d2, d0, d1; vstr d2, [r0, #16]; bx lr: loads straight
    // into the cached XMM registers, at [r12 + base + offset] with the
    // base's host register; SSE arithmetic
    // with the NaN/denormal check of each result; FPSCR's modes tested
    // once at entry, not per operation; MXCSR is neither cleared at entry
    // nor merged at the exit (the flags stay pending across blocks until
    // a helper call or the return to the engine).
    Case {
        name: "A32 VFP double: load, add, multiply, store",
        thumb: false,
        code: &[
            0xed90_0b00,
            0xed90_1b02,
            0xee30_0b01,
            0xee20_2b01,
            0xed80_2b04,
            0xe12f_ff1e,
        ],
        host_insns: 68,
    },
    // A dot product's loop (`tests::VFP_DOT_LOOP`): d4-d7 stay in XMM registers round
    // the loop (written through to CpuState), so the accumulators' chain
    // does not go through memory; FPSCR's modes are tested before the
    // loop, not in it; VLDM's writeback is one `add` to the base's host
    // register; the VMLA's product is checked only for the smallest
    // normal number, and the sum made in d7's own XMM register.
    Case {
        name: "A32 VFP accumulator loop",
        thumb: false,
        code: super::tests::VFP_DOT_LOOP,
        host_insns: 99,
    },
    // sbfx r3, r1, #0, #1; subs r2, #1; and.w r3, r3, r0;
    // eor.w r1, r3, r1, lsr #1; bne start; bx lr (crc32's inner loop): the
    // subtract's NE goes to memory with `setne`, its flags stay raw and
    // are not packed on the loop's back edge (the block sets them before
    // reading them, so the previous block's pending flags are forgotten
    // at the entry, not in the loop); the SBFX works in r3's register.
    Case {
        name: "T32 crc32 inner loop",
        thumb: true,
        code: &[
            0xf341, 0x0300, 0x3a01, 0xea03, 0x0300, 0xea83, 0x0151, 0xd1f7, 0x4770,
        ],
        host_insns: 68,
    },
    // A C switch's dispatch (the interp kernel's, after each handler):
    // adds r2, #8; ldrb r3, [r2]; cmp r3, #15; bhi.n (side exit);
    // tbh [pc, r3, lsl #1] (its table follows). The table entry's address
    // is one `lea` off the constant PC; the target is known to be Thumb
    // (no interworking) and the lookup's state key is a constant. The
    // add's flags are never saved: only the load's fault path could see
    // them before the compare overwrites them.
    Case {
        name: "T32 switch dispatch through tbh",
        thumb: true,
        code: &[
            0x3208, 0x7813, 0x2b0f, 0xd810, 0xe8df, 0xf013, 0x0010, 0x0011, 0x0012,
        ],
        host_insns: 49,
    },
    // The same with a followed branch between the add and the load
    // (adds r2, #8; b.n 1f; nop; 1: ldrb ...), as the interp kernel's
    // handlers end: the branch emits nothing and leaves the add's flags
    // unsaved, as the load does.
    Case {
        name: "T32 switch dispatch after a followed branch",
        thumb: true,
        code: &[
            0x3208, 0xe000, 0xbf00, 0x7813, 0x2b0f, 0xd80e, 0xe8df, 0xf013, 0x0010, 0x0011, 0x0012,
        ],
        host_insns: 49,
    },
    // xz's binary-tree match finder: cmp r0, #0; it ne; cmpne r1, r2;
    // add.w r7, r7, #-1; ite hs; movhs r4, #1; movlo r4, #0;
    // cmp r4, #0; bne (a side exit to the next instruction); bx lr.
    // The compare's raw flags are
    // saved once (`lahf`) and stay in the host flags: the add is a
    // `lea`, and each conditional move is one `jcc` on them, with no
    // reload (`mov`, `sahf`) of the saved word.
    Case {
        name: "T32 IT block on the host flags (xz's match finder)",
        thumb: true,
        code: &[
            0x2800, 0xbf18, 0x4291, 0xf107, 0x37ff, 0xbf2c, 0x2401, 0x2400, 0x2c00, 0xd100, 0x4770,
        ],
        host_insns: 71,
    },
    // Quicksort's swap (the sort kernel's): subs r2, #1; str.w r1, [lr];
    // str.w r7, [ip]; lsls r3, r2, #2; add.w r8, r8, #1;
    // ldr r7, [lr, #4]!; cmp r7, r0; bx lr. The 16-bit LSLS sets N, Z
    // and C, which only the load's fault path could see (V is the
    // subtract's): the shift is done in r3's register, its host flags
    // taken by one `lahf` into a raw word of an add with the subtract's
    // V, and nothing is packed into NZCV.
    Case {
        name: "T32 swap: subtract, stores, flag-setting shift, load",
        thumb: true,
        code: &[
            0x3a01, 0xf8ce, 0x1000, 0xf8cc, 0x7000, 0x0093, 0xf108, 0x0801, 0xf85e, 0x7f04, 0x4287,
            0x4770,
        ],
        host_insns: 68,
    },
    // Lua's instruction dispatch: decode fields, load the handler's
    // address from a table (the address in one `lea`), bx to it through
    // the inline lookup of the indirect-branch table. Registers written before being read (r2, r4,
    // r8, r9, r10) are not loaded at entry.
    Case {
        name: "T32 bytecode dispatch through bx",
        thumb: true,
        code: &[
            0xf007, 0x027f, 0xea4f, 0x18d7, 0xfa5f, 0xf488, 0xf853, 0x3022, 0xeb06, 0x1404, 0xf043,
            0x0301, 0xf104, 0x0a30, 0xf104, 0x0940, 0x4718,
        ],
        host_insns: 61,
    },
];

/// The main-line host instruction count of `case` compiled, and its host
/// code as text.
fn compile(space: &Space, jit: &mut Jit, case: &Case) -> (usize, String) {
    let bytes: Vec<u8> = if case.thumb {
        case.code
            .iter()
            .flat_map(|&h| (h as u16).to_le_bytes())
            .collect()
    } else {
        case.code.iter().flat_map(|w| w.to_le_bytes()).collect()
    };
    space.bytes(CODE, 0x1000)[..bytes.len()].copy_from_slice(&bytes);
    let mut mem = space.mem(true);
    let block = translate(&mut mem, CODE, case.thumb, 0).expect("translates");
    jit.flush();
    jit.log_out_asm = false;
    let code = crate::interp::fast::compile(block);
    let compiled = jit
        .compile(
            &code.block,
            case.thumb as u32,
            CODE as u64,
            &mem,
            false,
            super::FpModes::Default,
        )
        .expect("room")
        .expect("compiles");
    let count = MAIN_LINE.with(|m| m.get());
    let len = jit.arena.next_addr() - compiled.entry;
    // SAFETY: the block's code was just written at `entry`, `len` bytes.
    let host = unsafe { std::slice::from_raw_parts(compiled.entry as *const u8, len as usize) };
    // (The arena is zero beyond the block.)
    let end = host.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let host = &host[..end];
    (count, super::x86_64::disassemble(host, compiled.entry))
}

#[test]
fn host_instruction_counts_are_pinned() {
    let space = Space::new();
    let mut jit = Jit::new().expect("jit");
    let show = std::env::var_os("ICOUNT_SHOW").is_some();
    let mut wrong = Vec::new();
    for case in CASES {
        let (count, text) = compile(&space, &mut jit, case);
        if show {
            println!("== {}: {count} host instructions\n{text}", case.name);
        }
        if count != case.host_insns {
            wrong.push(format!(
                "{}: {count} host instructions on the main line, pinned at {}:\n{text}",
                case.name, case.host_insns
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
