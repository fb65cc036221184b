//! Small A32 sequences run through the engine with a flat memory.

use rsemu_core::mem::FlatMemory;
use rsemu_core::{CpuState, Engine, Exit, GuestMemory};

fn run_words(
    base: u32,
    words: &[u32],
    setup: impl FnOnce(&mut CpuState, &mut FlatMemory),
) -> (CpuState, FlatMemory, Exit) {
    let mut mem = FlatMemory::new(0, 0x80000);
    for (i, w) in words.iter().enumerate() {
        mem.write_u32(base + 4 * i as u32, *w).unwrap();
    }
    let mut cpu = CpuState::default();
    cpu.r[15] = base;
    setup(&mut cpu, &mut mem);
    let mut engine = Engine::new();
    let exit = engine.run(&mut cpu, &mut mem);
    (cpu, mem, exit)
}

#[test]
fn call_weak_fn_sequence() {
    // glibc's call_weak_fn: a PC-relative GOT load, then bxeq lr.
    let words = [
        0xe59f3014, // ldr r3, [pc, #20]
        0xe59f2014, // ldr r2, [pc, #20]
        0xe08f3003, // add r3, pc, r3
        0xe7932002, // ldr r2, [r3, r2]
        0xe3520000, // cmp r2, #0
        0x012fff1e, // bxeq lr
        0xef000000, // svc 0
        0x00058c1c, 0x00000244,
    ];
    let (cpu, _, exit) = run_words(0x103d4, &words, |cpu, mem| {
        cpu.r[14] = 0x2000;
        mem.write_u32(0x2000, 0xef00_0000).unwrap(); // svc 0 at the return address
    });
    assert_eq!(cpu.r[3], 0x69000);
    assert_eq!(cpu.r[2], 0);
    assert_eq!(exit, Exit::Syscall { pc: 0x2000, imm: 0 });
}
