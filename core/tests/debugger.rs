//! The engine's debugger support: breakpoints stop execution before the
//! instruction (under the interpreter and under compiled code, chained
//! blocks included), and a single step runs exactly one instruction, also
//! off a breakpoint and through an IT block.

use std::collections::BTreeSet;

use rsemu_core::mem::FlatMemory;
use rsemu_core::{Accel, CpuState, Engine, Exit, GuestMemory};

/// A32: mov r0,#1; 1: add r0,r0,#1; add r0,r0,#1; b 1b
fn counting_loop() -> FlatMemory {
    let mut mem = FlatMemory::new(0x1000, 0x1000);
    for (i, w) in [0xe3a0_0001u32, 0xe280_0001, 0xe280_0001, 0xeaff_fffc]
        .iter()
        .enumerate()
    {
        mem.write_u32(0x1000 + 4 * i as u32, *w).unwrap();
    }
    mem
}

fn engine(accel: Accel) -> Engine {
    let mut e = Engine::new();
    e.set_accel(accel).unwrap();
    e.set_jit_threshold(1);
    e
}

#[test]
fn breakpoints_stop_before_the_instruction() {
    for accel in [Accel::Interp, Accel::Jit] {
        let mut mem = counting_loop();
        let mut cpu = CpuState::default();
        cpu.r[15] = 0x1000;
        let mut e = engine(accel);
        e.set_breakpoints(BTreeSet::from([0x1008]));
        assert_eq!(
            e.run(&mut cpu, &mut mem),
            Exit::Debug { pc: 0x1008 },
            "{accel:?}"
        );
        assert_eq!((cpu.r[0], cpu.r[15]), (2, 0x1008));
        // Stepping off the breakpoint runs its instruction.
        assert_eq!(e.step(&mut cpu, &mut mem), None);
        assert_eq!((cpu.r[0], cpu.r[15]), (3, 0x100c));
        // Around the loop (branch, first add: compiled and chained under
        // the JIT) and stopped again.
        for round in 0..5 {
            assert_eq!(e.run(&mut cpu, &mut mem), Exit::Debug { pc: 0x1008 });
            assert_eq!(cpu.r[0], 4 + 2 * round, "{accel:?} round {round}");
            assert_eq!(e.step(&mut cpu, &mut mem), None);
        }
        // A breakpoint moved elsewhere takes effect.
        e.set_breakpoints(BTreeSet::from([0x100c]));
        assert_eq!(e.run(&mut cpu, &mut mem), Exit::Debug { pc: 0x100c });
        assert_eq!(cpu.r[0], 13);
    }
}

#[test]
fn single_steps_follow_branches_and_it_blocks() {
    // T32 at 0x1001: movs r0,#0; cmp r0,#0; ite eq; moveq r1,#1; movne r1,#2; b .
    let mut mem = FlatMemory::new(0x1000, 0x1000);
    for (i, h) in [0x2000u16, 0x2800, 0xbf0c, 0x2101, 0x2102, 0xe7fe]
        .iter()
        .enumerate()
    {
        mem.write_u16(0x1000 + 2 * i as u32, *h).unwrap();
    }
    let mut cpu = CpuState::default();
    cpu.r[15] = 0x1000;
    cpu.thumb = true;
    let mut e = engine(Accel::Jit);
    let mut pcs = Vec::new();
    for _ in 0..7 {
        assert_eq!(e.step(&mut cpu, &mut mem), None);
        pcs.push(cpu.r[15]);
    }
    // The ITE's two instructions each take a step; `b .` stays put.
    assert_eq!(
        pcs,
        [0x1002, 0x1004, 0x1006, 0x1008, 0x100a, 0x100a, 0x100a]
    );
    assert_eq!(cpu.r[1], 1, "movne skipped");
    assert_eq!(cpu.itstate, 0);
}
