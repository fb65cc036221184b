//! The JIT against the interpreter: random guest code, translated into
//! blocks the way the engine does, run from the same random state by both
//! backends; the whole CPU state, the exit and memory must match.
//!
//! Memory is a real flat space (`PagedMem` over a 4 GiB reservation) so that
//! compiled code takes its inline paths: a readable and writable scratch
//! area, a read-only page and an unmapped page, with half the registers
//! pointing into them.

use std::sync::atomic::{AtomicBool, AtomicU8};

use super::{FpModes, Jit, STATUS_EXIT, STATUS_INTERPRET, STATUS_INTERRUPTED, STATUS_LOOKUP};
use crate::arm::{cpu::CpuState, translate};
use crate::exit::Exit;
use crate::interp;
use crate::mem::paged::{PagedMem, MAPPED, PAGES, PROT_EXEC, PROT_READ, PROT_WRITE};
use crate::mem::{GuestMemory, RESERVATION_GUARD};

/// Code page, data pages, a read-only page and an unmapped page.
pub(super) const CODE: u32 = 0x1_0000;
const DATA: u32 = 0x2_0000;
const DATA_PAGES: u32 = 4;
const RO: u32 = DATA + DATA_PAGES * 0x1000;

pub(super) struct Space {
    base: *mut u8,
    pages: Vec<AtomicU8>,
    /// A space at [`LOW_BASE`] holds this while it exists (one at a time
    /// fits there).
    _low: Option<std::sync::MutexGuard<'static, ()>>,
}

/// Where [`Space::low`] puts guest address 0: low enough that compiled
/// code has the guest base as a displacement (user mode's default).
const LOW_BASE: usize = 0x4000_0000;
const _: () = assert!(LOW_BASE <= super::MAX_DISPLACEMENT_BASE);
static LOW_SPACE: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Space {
    /// A space wherever the kernel puts it (high: compiled code keeps the
    /// guest base in a register).
    pub(super) fn new() -> Space {
        Self::at(None)
    }

    /// A space at [`LOW_BASE`] (waits for another test's to go).
    pub(super) fn low() -> Space {
        let guard = LOW_SPACE.lock().unwrap_or_else(|e| e.into_inner());
        let mut space = Self::at(Some(LOW_BASE));
        space._low = Some(guard);
        space
    }

    fn at(base: Option<usize>) -> Space {
        let (hint, fixed) = match base {
            Some(b) => (b - RESERVATION_GUARD, libc::MAP_FIXED_NOREPLACE),
            None => (0, 0),
        };
        // SAFETY: a fresh private reservation (never over another mapping:
        // MAP_FIXED_NOREPLACE), unmapped in Drop.
        let start = unsafe {
            libc::mmap(
                hint as *mut libc::c_void,
                (1 << 32) + 2 * RESERVATION_GUARD,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | fixed,
                -1,
                0,
            )
        };
        assert_ne!(start, libc::MAP_FAILED, "reserving the guest space");
        if fixed != 0 {
            assert_eq!(
                start as usize, hint,
                "the low guest space's address is taken"
            );
        }
        // Guard bands on each side, as `DirectMap::host_faults` requires.
        // SAFETY: inside the reservation.
        let base = unsafe { (start as *mut u8).add(RESERVATION_GUARD) };
        let pages: Vec<AtomicU8> = (0..PAGES).map(|_| AtomicU8::new(0)).collect();
        let map = |addr: u32, len: u32, flags: u8| {
            // Host protections mirror the flags, as user mode keeps them.
            let mut prot = libc::PROT_READ;
            if flags & PROT_WRITE != 0 {
                prot |= libc::PROT_WRITE;
            }
            // SAFETY: inside the reservation made above.
            let r = unsafe {
                libc::mprotect(
                    base.add(addr as usize) as *mut libc::c_void,
                    len as usize,
                    prot,
                )
            };
            assert_eq!(r, 0);
            for p in addr >> 12..(addr + len) >> 12 {
                pages[p as usize].store(flags, std::sync::atomic::Ordering::Relaxed);
            }
        };
        map(CODE, 0x1000, MAPPED | PROT_READ | PROT_WRITE | PROT_EXEC);
        map(DATA, DATA_PAGES * 0x1000, MAPPED | PROT_READ | PROT_WRITE);
        map(RO, 0x1000, MAPPED | PROT_READ);
        Space {
            base,
            pages,
            _low: None,
        }
    }

    pub(super) fn mem(&self, host_faults: bool) -> PagedMem<'_> {
        // SAFETY: 4 GiB reservation alive as long as self; host
        // protections mirror the page flags.
        unsafe { PagedMem::new(self.base, &self.pages) }.with_host_faults(host_faults)
    }

    #[allow(clippy::mut_from_ref)]
    pub(super) fn bytes(&self, addr: u32, len: u32) -> &mut [u8] {
        // SAFETY: callers pass ranges mapped read-write in `new` (the code
        // page is host-writable too).
        unsafe { std::slice::from_raw_parts_mut(self.base.add(addr as usize), len as usize) }
    }
}

impl Drop for Space {
    fn drop(&mut self) {
        // SAFETY: unmaps the reservation made in `new`, guards included.
        unsafe {
            libc::munmap(
                self.base.sub(RESERVATION_GUARD) as *mut libc::c_void,
                (1 << 32) + 2 * RESERVATION_GUARD,
            )
        };
    }
}

use crate::test_rng::Rng;

fn random_state(rng: &mut Rng, thumb: bool) -> CpuState {
    let mut cpu = CpuState::default();
    const EDGES: [u32; 8] = [0, 1, u32::MAX, 0x7fff_ffff, 0x8000_0000, 31, 32, 33];
    for r in 0..15 {
        cpu.r[r] = match rng.next() % 4 {
            0 | 1 => DATA + 0x800 + (rng.next() % (DATA_PAGES * 0x1000 - 0x1000)),
            2 => EDGES[(rng.next() % 8) as usize],
            _ => rng.next(),
        };
    }
    cpu.r[15] = CODE;
    cpu.thumb = thumb;
    cpu.nzcv = rng.next() & 15;
    cpu.q = rng.next() & 1 != 0;
    cpu.ge = (rng.next() & 15) as u8;
    for d in cpu.d.iter_mut() {
        *d = match rng.next() % 4 {
            // Two singles from the edge values (s2n and s2n+1).
            0 => {
                let f =
                    |rng: &mut Rng| F32_EDGES[(rng.next() as usize) % F32_EDGES.len()].to_bits();
                (f(rng) as u64) << 32 | f(rng) as u64
            }
            1 => F64_EDGES[(rng.next() as usize) % F64_EDGES.len()].to_bits(),
            _ => (rng.next() as u64) << 32 | rng.next() as u64,
        };
    }
    // Rounding mode, flush-to-zero and default NaN as often as not, with
    // cumulative flags already set or clear.
    if rng.next().is_multiple_of(2) {
        cpu.fpscr = rng.next() & (0b1111 << 22 | 0x9f);
    }
    cpu
}

/// Singles where conversions and arithmetic have corner cases: signed
/// zeros, halves either side of rounding to zero, values that round below
/// zero (unsigned conversions saturate), the 32-bit limits, infinities,
/// NaNs, denormals.
const F32_EDGES: [f32; 24] = [
    0.0,
    -0.0,
    0.4,
    -0.4,
    0.5,
    -0.5,
    0.6,
    -0.6,
    1.5,
    -1.5,
    2.5,
    -2.5,
    -2.0625,
    2147483648.0,
    -2147483648.0,
    4294967296.0,
    4294967040.0,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    1e-40,
    -1e-40,
    f32::MAX,
    f32::MIN_POSITIVE,
];

/// The same for doubles, with the values just inside and outside the
/// 32-bit ranges.
const F64_EDGES: [f64; 20] = [
    0.0,
    -0.0,
    -0.4,
    -0.5,
    -0.6,
    -2.5,
    2.5,
    4294967295.4,
    4294967295.5,
    4294967296.0,
    2147483647.6,
    2147483647.4,
    -2147483648.5,
    -2147483648.6,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    5e-324,
    -1e-310,
    f64::MAX,
];

/// A32 VFP data-processing encodings (cond AL) and the bits of each that
/// are drawn at random: registers, precision, signedness, rounding (VCVT
/// toward zero or per FPSCR), fixed-point sizes.
const VFP_TEMPLATES: [(u32, u32); 16] = [
    (0xed10_0a00, 0x00cf_f1ff), // VLDR (from edge values, see `fill_vfp`)
    (0xec40_0b10, 0x000f_f02f), // VMOV Dm, Rt, Rt2
    (0xee30_0a00, 0x004f_f1af), // VADD
    (0xee30_0a40, 0x004f_f1af), // VSUB
    (0xee20_0a00, 0x004f_f1af), // VMUL
    (0xee80_0a00, 0x004f_f1af), // VDIV
    (0xee00_0a00, 0x004f_f1ef), // VMLA/VMLS
    (0xeea0_0a00, 0x004f_f1ef), // VFMA/VFMS
    (0xeeb1_0ac0, 0x0040_f12f), // VSQRT
    (0xeebc_0a40, 0x0041_f1af), // VCVT{R}.{S,U}32.F{32,64}
    (0xeeb8_0a40, 0x0040_f1af), // VCVT.F{32,64}.{S,U}32
    (0xeeb7_0ac0, 0x0040_f12f), // VCVT between precisions
    (0xeeba_0a40, 0x0045_f1af), // VCVT between float and fixed point
    (0xeeb4_0a40, 0x0040_f1af), // VCMP{E}
    (0xeeb5_0a40, 0x0040_f080), // VCMP{E} with zero
    (0xeef1_0a10, 0x0000_f000), // VMRS Rt, FPSCR (reads the flags)
];

/// Code made of VFP instructions only (so that conversions meet edge
/// operands in every mode, compiled at first use).
fn fill_vfp(space: &Space, rng: &mut Rng) {
    for chunk in space.bytes(CODE, 0x1000).chunks_mut(4) {
        let (base, mask) = VFP_TEMPLATES[(rng.next() as usize) % VFP_TEMPLATES.len()];
        let mut v = base | (rng.next() & mask);
        if base == 0xeef1_0a10 && (v >> 12) & 15 == 15 {
            v &= !0xf000; // not VMRS APSR_nzcv: r0 instead
        }
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    // Edge values in the data pages, for loads.
    for chunk in space.bytes(DATA, DATA_PAGES * 0x1000).chunks_mut(8) {
        let v = if rng.next().is_multiple_of(2) {
            F64_EDGES[(rng.next() as usize) % F64_EDGES.len()].to_bits()
        } else {
            let f = |rng: &mut Rng| F32_EDGES[(rng.next() as usize) % F32_EDGES.len()].to_bits();
            (f(rng) as u64) << 32 | f(rng) as u64
        };
        chunk.copy_from_slice(&v.to_le_bytes());
    }
}

fn fill(space: &Space, rng: &mut Rng, thumb: bool) {
    for chunk in space.bytes(CODE, 0x1000).chunks_mut(4) {
        let v = if thumb {
            // Mostly 16-bit encodings and 32-bit pairs, as Thumb code is.
            rng.next()
        } else {
            // Mostly unconditional-or-common conditions.
            let raw = rng.next();
            if rng.next().is_multiple_of(4) {
                raw
            } else {
                (raw & 0x0fff_ffff) | 0xe000_0000
            }
        };
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    for (i, b) in space
        .bytes(DATA, DATA_PAGES * 0x1000)
        .iter_mut()
        .enumerate()
    {
        *b = (i as u32).wrapping_mul(2654435761) as u8;
    }
}

/// The writable guest memory: the code page (a store may hit it and a
/// later load read it back) and the data pages.
fn snapshot(space: &Space) -> Vec<u8> {
    let mut v = space.bytes(CODE, 0x1000).to_vec();
    v.extend_from_slice(space.bytes(DATA, DATA_PAGES * 0x1000));
    v
}

fn restore(space: &Space, v: &[u8]) {
    space.bytes(CODE, 0x1000).copy_from_slice(&v[..0x1000]);
    space
        .bytes(DATA, DATA_PAGES * 0x1000)
        .copy_from_slice(&v[0x1000..]);
}

fn state_of(c: &CpuState) -> impl PartialEq + std::fmt::Debug {
    (
        c.r,
        c.nzcv,
        c.q,
        c.ge,
        c.thumb,
        c.itstate,
        c.d,
        c.fpscr,
        c.exclusive,
    )
}

extern "C" fn on_fault(sig: libc::c_int, _: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: ctx is this SA_SIGINFO handler's ucontext.
    if !unsafe { super::handle_host_fault(ctx) } {
        // SAFETY: default action for a fault that is not a guest access.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
}

/// The fault handler user mode installs, for compiled code that relies on
/// host faults.
fn install_fault_handler() {
    for sig in [libc::SIGSEGV, libc::SIGBUS] {
        // SAFETY: a handler that only redirects faults in compiled code.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_fault
                as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
                as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER;
            libc::sigemptyset(&mut sa.sa_mask);
            assert_eq!(libc::sigaction(sig, &sa, std::ptr::null_mut()), 0);
        }
    }
}

/// Runs `cases` random blocks; returns how many were compiled and compared.
/// With `host_faults`, compiled code accesses memory unchecked and relies
/// on host faults.
fn compare(thumb: bool, seed: u64, cases: usize, host_faults: bool) -> usize {
    compare_code(
        thumb,
        seed,
        cases,
        Setup {
            host_faults,
            ..Setup::default()
        },
    )
}

/// How [`compare_code`] runs its blocks.
#[derive(Clone, Copy, Default)]
struct Setup {
    /// Compiled code accesses memory unchecked and relies on host faults.
    host_faults: bool,
    /// A32 VFP code only.
    vfp: bool,
    /// The compiled code runs as the persistent cache would load it: in
    /// portable form, placed by another JIT (elsewhere in memory) for a
    /// fresh translation of the block.
    saved: bool,
    /// Guest memory lies at [`LOW_BASE`] (its address a displacement in
    /// the code).
    low: bool,
}

/// Places saved code as [`super::Jit::install`] does, for memory type `M`.
fn install_for<M: GuestMemory>(
    jit: &mut Jit,
    _mem: &M,
    block: &crate::ir::Block,
    key: u32,
    code: &super::persist::PortableCode,
) -> u64 {
    jit.flush();
    jit.install::<M>(block, key, block.start as u64, code)
        .expect("room")
        .expect("saved code fits its block")
}

/// [`compare`] over random code set up as `setup` says.
fn compare_code(thumb: bool, seed: u64, cases: usize, setup: Setup) -> usize {
    let Setup {
        host_faults,
        vfp,
        saved,
        low,
    } = setup;
    if host_faults {
        install_fault_handler();
    }
    let space = if low { Space::low() } else { Space::new() };
    let mut rng = Rng(seed);
    let (mut jit, image) = Jit::with_stubs(None).expect("jit");
    // The loader's stubs are the first JIT's bytes, placed elsewhere, as
    // a later process of the persistent cache places them.
    let (mut loader, _) = Jit::with_stubs(image.as_ref()).expect("jit");
    // JIT_TEST_LOG=1 prints the host code of every block compiled.
    jit.log_out_asm = std::env::var_os("JIT_TEST_LOG").is_some();
    let mut compared = 0;
    let mut unportable = 0;
    for case in 0..cases {
        if case.is_multiple_of(64) {
            fill(&space, &mut rng, thumb);
            if vfp {
                fill_vfp(&space, &mut rng);
            }
        }
        let start = CODE + 4 * (rng.next() % 512);
        let it = 0;
        let mut mem = space.mem(host_faults);
        let Ok(block) = translate(&mut mem, start, thumb, it) else {
            continue;
        };
        if block.branches_to_start() {
            continue;
        }
        // Code and data pages both: a guest store may hit the (writable)
        // code page, and a later load read it.
        let data_before = snapshot(&space);
        let mut cpu = random_state(&mut rng, thumb);
        cpu.r[15] = start;
        if vfp && rng.next().is_multiple_of(4) {
            // Flush-to-zero as a program built with -ffast-math runs,
            // with default NaN or not.
            cpu.fpscr = cpu.fpscr & !0x03c0_0000 | 1 << 24 | (rng.next() & 1) << 25;
        }
        let init = cpu.clone();
        // Code for the modes the block is entered with, as the engine
        // compiles it, or now and then for others.
        let fp = match rng.next() % 8 {
            0 => FpModes::Default,
            1 => FpModes::FlushToZero {
                inexact: rng.next().is_multiple_of(2),
            },
            2 => FpModes::PerInsn,
            _ => FpModes::for_fpscr(init.fpscr),
        };

        let mut code = interp::fast::compile(block);
        let mut c1 = init.clone();
        let e1 = interp::fast::run(&mut c1, &mut mem, &code, &AtomicBool::new(false));
        let data_interp = snapshot(&space);
        if e1.is_none() && c1.r[15] == start {
            continue;
        }

        restore(&space, &data_before);
        jit.flush();
        let key = thumb as u32;
        let compiled = match jit.compile(&code.block, key, code.block.start as u64, &mem, saved, fp)
        {
            Ok(Some(c)) => c,
            other => panic!("block at {start:#x} not compiled: {:?}", other.is_ok()),
        };
        // The loaded copy's IR: the code must point at it, not at the
        // block it was compiled from.
        let copy = translate(&mut mem, start, thumb, it).expect("translates again");
        let (runner, entry) = match (&compiled.portable, saved) {
            (Some(p), true) => {
                let entry = install_for(&mut loader, &mem, &copy, key, p);
                // Code still pointing at the block it was compiled from
                // would run these.
                for insn in &mut code.block.insns {
                    insn.op = crate::ir::Op::Undefined { raw: 0xe7f0_00f0 };
                }
                (&mut loader, entry)
            }
            (None, true) => {
                // (Code for flush-to-zero is never saved.)
                unportable += !fp.flush_to_zero() as usize;
                (&mut jit, compiled.entry)
            }
            _ => (&mut jit, compiled.entry),
        };
        // Indirect exits must not find this block again.
        runner.table.iter_mut().for_each(|e| *e = super::EMPTY);
        let mut c2 = init.clone();
        // A block that branches back into itself loops in compiled code:
        // interrupted from the start, it leaves at the first branch back,
        // where the interpreter's one pass stops.
        let interrupt = AtomicBool::new(!copy.inner_loop_heads().is_empty());
        let (status, _, e2) = runner.run(&mut c2, &mut mem, &interrupt, entry);
        if status == STATUS_INTERPRET {
            // Code for other FPSCR modes than those set: it must leave at
            // once, with nothing done, for the interpreter.
            assert_ne!(
                FpModes::for_fpscr(init.fpscr),
                fp,
                "interpret request in the modes compiled for"
            );
            assert_eq!(
                state_of(&init),
                state_of(&c2),
                "state changed before leaving"
            );
            assert!(
                data_before == snapshot(&space),
                "memory changed before leaving"
            );
            compared += 1;
            continue;
        }
        let e2: Option<Exit> = match status {
            STATUS_LOOKUP | STATUS_INTERRUPTED => None,
            STATUS_EXIT => e2,
            s => panic!("unexpected status {s}"),
        };
        let data_jit = snapshot(&space);
        let ctx = || {
            format!(
                "{} block at {start:#x}: {:#?}\nfrom {init:?}",
                if thumb { "T32" } else { "A32" },
                copy.insns
            )
        };
        assert_eq!(e1, e2, "exit differs in {}", ctx());
        assert_eq!(state_of(&c1), state_of(&c2), "state differs in {}", ctx());
        assert!(data_interp == data_jit, "memory differs in {}", ctx());
        compared += 1;
        let _ = mem.read_u8(DATA);
    }
    assert!(
        unportable * 100 <= compared,
        "{unportable} of {compared} blocks could not be saved"
    );
    compared
}

#[test]
fn a32_blocks_match_the_interpreter() {
    let n = compare(false, 0x1234_5678_9abc_def1, 20000, false);
    assert!(n > 15000, "only {n} blocks compared");
}

/// VFP-only blocks from edge operands in every FPSCR mode: the JIT once
/// kept the inexact flag of its own attempt at VCVTR.U32 of -2.5 (a
/// saturating conversion raises Invalid Operation only).
#[test]
fn vfp_blocks_match_the_interpreter() {
    let vfp = Setup {
        vfp: true,
        ..Setup::default()
    };
    let n = compare_code(false, 0x5eed_f10a_7c0d_e5ee, 20000, vfp);
    assert!(n > 15000, "only {n} blocks compared");
}

/// Code as the persistent cache saves and loads it (relocated into
/// another JIT for another copy of the IR) runs as the interpreter does.
#[test]
fn saved_blocks_match_the_interpreter() {
    compare_variants(0x5a7e_d000_0000_0000, 6000, |s| Setup { saved: true, ..s });
}

/// [`compare_code`] for A32 and T32 with and without host faults and for
/// VFP code, each `cases` blocks from a seed of its own, changed by `also`.
fn compare_variants(seed: u64, cases: usize, also: impl Fn(Setup) -> Setup) {
    for (k, (thumb, host_faults, vfp)) in [
        (false, false, false),
        (true, false, false),
        (false, true, false),
        (true, true, false),
        (false, true, true),
    ]
    .into_iter()
    .enumerate()
    {
        let setup = also(Setup {
            host_faults,
            vfp,
            ..Setup::default()
        });
        let n = compare_code(thumb, seed + k as u64, cases, setup);
        assert!(n > cases * 2 / 3, "only {n} blocks compared");
    }
}

#[test]
fn t32_blocks_match_the_interpreter() {
    let n = compare(true, 0x0fed_cba9_8765_4321, 20000, false);
    assert!(n > 15000, "only {n} blocks compared");
}

#[test]
fn a32_blocks_with_host_faults_match_the_interpreter() {
    let n = compare(false, 0x2345_6789_abcd_ef12, 20000, true);
    assert!(n > 15000, "only {n} blocks compared");
}

#[test]
fn t32_blocks_with_host_faults_match_the_interpreter() {
    let n = compare(true, 0x1fed_cba9_8765_4322, 20000, true);
    assert!(n > 15000, "only {n} blocks compared");
}

/// Guest memory low in the host's address space, as user mode places it:
/// its address is a displacement of every access and `r12` caches a guest
/// register; with and without host faults, A32, T32 and VFP code.
#[test]
fn blocks_with_a_low_guest_base_match_the_interpreter() {
    compare_variants(0x10b4_5e00_0000_0000, 8000, |s| Setup { low: true, ..s });
    // Saved and loaded (the persistent cache keys its files by the base).
    compare_variants(0x10b4_5e00_0001_0000, 3000, |s| Setup {
        low: true,
        saved: true,
        ..s
    });
}

/// Short runs from many seeds: different code pages, not just more blocks
/// (found a flag merge missing on one path of a two-exit block).
#[test]
fn many_code_pages_match_the_interpreter() {
    for seed in 1..13u64 {
        let s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        compare(false, s, 4000, seed % 2 == 0);
        compare(true, s ^ 0x5555, 4000, seed % 2 == 1);
    }
}

/// Writes `code` at `CODE`, translates the block at `init`'s pc and runs it from
/// `init` with the interpreter and with the JIT (compiled alone, the
/// indirect-branch table empty); returns (exit, state) of each.
/// Compiled code relies on host faults.
fn run_both_at_code(
    space: &Space,
    jit: &mut Jit,
    code: &[u8],
    init: &CpuState,
) -> ((Option<Exit>, CpuState), (Option<Exit>, CpuState)) {
    space.bytes(CODE, code.len() as u32).copy_from_slice(code);
    let mut mem = space.mem(true);
    let block = translate(&mut mem, init.r[15], init.thumb, 0).expect("translates");
    let compiled = interp::fast::compile(block);
    let mut c1 = init.clone();
    let e1 = interp::fast::run(&mut c1, &mut mem, &compiled, &AtomicBool::new(false));
    jit.flush();
    let entry = jit
        .compile(
            &compiled.block,
            init.thumb as u32,
            CODE as u64,
            &mem,
            false,
            FpModes::for_fpscr(init.fpscr),
        )
        .expect("room")
        .expect("compiles")
        .entry;
    jit.table.iter_mut().for_each(|e| *e = super::EMPTY);
    let mut c2 = init.clone();
    // A block that branches back into itself (not to its start) loops in
    // compiled code: interrupted from the start, it leaves at the first
    // branch back, where the interpreter's one pass stops.
    let interrupt = AtomicBool::new(!compiled.block.inner_loop_heads().is_empty());
    let (status, _, e2) = jit.run(&mut c2, &mut mem, &interrupt, entry);
    let e2 = if status == STATUS_EXIT { e2 } else { None };
    ((e1, c1), (e2, c2))
}

/// A32 instruction words as the bytes of guest memory.
fn a32_bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// [`run_both_at_code`], asserting that both backends leave the same way
/// with the same state (`what` names the case); returns that exit and
/// state.
fn same_at_code(
    space: &Space,
    jit: &mut Jit,
    code: &[u8],
    init: &CpuState,
    what: &str,
) -> (Option<Exit>, CpuState) {
    let ((e1, c1), (e2, c2)) = run_both_at_code(space, jit, code, init);
    assert_eq!(e1, e2, "{what}");
    assert_eq!(state_of(&c1), state_of(&c2), "{what}");
    (e1, c1)
}

/// Loads and stores whose base plus immediate offset wraps around 4 GiB
/// (up from near the top, down from near 0): compiled code folds the
/// offset into the host address, lands in a guard band of the
/// reservation, and its slow path must make the guest access at the
/// wrapped address, exactly as the interpreter does.
#[test]
fn folded_offsets_that_wrap_match_the_interpreter() {
    install_fault_handler();
    let space = Space::new();
    let mut jit = Jit::new().expect("jit");
    jit.log_out_asm = std::env::var_os("JIT_TEST_LOG").is_some();
    let cases: [(u32, u32, u32); 6] = [
        // ldr r0, [r1, #8] with r1 = 0xfffffffc: address 4 (unmapped).
        (0xe591_0008, 0xffff_fffc, 4),
        // ldr r0, [r1, #-8] with r1 = 4: address 0xfffffffc (unmapped).
        (0xe511_0008, 4, 0xffff_fffc),
        // str r0, [r1, #0xfff] with r1 = 0xffffff00: address 0xeff.
        (0xe581_0fff, 0xffff_ff00, 0xeff),
        // ldrb r0, [r1, #-1] with r1 = 0: address 0xffffffff.
        (0xe551_0001, 0, 0xffff_ffff),
        // ldr r0, [r1, #4] landing in the data page (no wrap, no fault).
        (0xe591_0004, DATA - 4, DATA),
        // ldrh r0, [r1, #-2] with r1 = DATA + 2 (no fault).
        (0xe151_00b2, DATA + 2, DATA),
    ];
    for (word, base, addr) in cases {
        // The access, a read of r1 (so that it lives in a host register
        // and is folded from there), then a branch to itself that ends the
        // block.
        let code_words = [word, 0xe1a0_2001, 0xeaff_fffe]; // mov r2, r1; b .
        let bytes = a32_bytes(&code_words);
        let mut init = CpuState::default();
        init.r[0] = 0x1234_5678;
        init.r[1] = base;
        init.r[15] = CODE;
        let what = format!("{word:#010x} at base {base:#x}");
        let (e1, _) = same_at_code(&space, &mut jit, &bytes, &init, &what);
        if (DATA..RO).contains(&addr) {
            assert!(e1.is_none(), "{word:#010x}: {e1:?}");
        } else {
            match e1 {
                Some(Exit::MemFault { fault, .. }) => assert_eq!(fault.addr, addr, "{word:#010x}"),
                other => panic!("{word:#010x}: expected a fault at {addr:#x}, got {other:?}"),
            }
        }
    }
}

/// TBB and TBH (a switch's dispatch, compiled natively): tables in the data
/// page and inline after the instruction (PC-relative), every index of a
/// small table, and a table on an unmapped page (the fault is the
/// interpreter's).
#[test]
fn table_branches_match_the_interpreter() {
    install_fault_handler();
    let space = Space::new();
    let mut jit = Jit::new().expect("jit");
    // Entries (halfwords, also read as bytes): small even and odd values.
    let table: Vec<u8> = (0u16..16).flat_map(|i| (i * 3 + 1).to_le_bytes()).collect();
    space
        .bytes(DATA, table.len() as u32)
        .copy_from_slice(&table);
    // (halfwords, base register, expected fault address)
    // A compare before the table branch leaves its flags raw at it: the
    // exit and the fault must both see them exact.
    let cases: [(&[u16], u32, Option<u32>); 6] = [
        (&[0xe8d0, 0xf001], DATA, None),                 // tbb [r0, r1]
        (&[0xe8d0, 0xf011], DATA, None),                 // tbh [r0, r1, lsl #1]
        (&[0xe8df, 0xf001], 0, None),                    // tbb [pc, r1]: the table inline
        (&[0xe8d0, 0xf011], 0x100, Some(0x100)),         // tbh from unmapped memory
        (&[0x2903, 0xe8d0, 0xf011], DATA, None),         // cmp r1, #3; tbh
        (&[0x2903, 0xe8d0, 0xf011], 0x100, Some(0x100)), // cmp r1, #3; tbh faulting
    ];
    for (code, base, fault) in cases {
        for index in 0..8u32 {
            let mut bytes: Vec<u8> = code.iter().flat_map(|h| h.to_le_bytes()).collect();
            // An inline table right after the instruction (for [pc, ...]).
            bytes.extend((0u8..16).map(|i| i * 2 + 3));
            let mut init = CpuState {
                thumb: true,
                ..CpuState::default()
            };
            init.r[0] = base;
            init.r[1] = index;
            init.r[15] = CODE;
            let what = format!(
                "{code:04x?} base {base:#x} index {index}",
                code = &bytes[..4]
            );
            let (e1, c1) = same_at_code(&space, &mut jit, &bytes, &init, &what);
            match fault {
                Some(addr) => match e1 {
                    Some(Exit::MemFault { fault, .. }) => assert!(fault.addr >= addr, "{what}"),
                    other => panic!("{what}: expected a fault, got {other:?}"),
                },
                None => {
                    assert!(e1.is_none(), "{what}: {e1:?}");
                    assert!(
                        c1.thumb && c1.r[15] >= CODE + 4,
                        "{what}: pc {:#x}",
                        c1.r[15]
                    );
                }
            }
        }
    }
}

/// `loop: ldr r2, [r1], #4; adds r0, r0, r2; subs r3, r3, #1; bne loop;
/// bx lr`.
const SUBS_LOOP: &[u32] = &[
    0xe491_2004,
    0xe090_0002,
    0xe253_3001,
    0x1aff_fffb,
    0xe12f_ff1e,
];

/// `loop: ldr r2, [r1], #4; ands r4, r2, #3; add r0, r0, r2; tst r2, #1;
/// bne loop; bx lr`.
const TST_LOOP: &[u32] = &[
    0xe491_2004,
    0xe212_4003,
    0xe080_0002,
    0xe312_0001,
    0x1aff_fffa,
    0xe12f_ff1e,
];

/// The loop tests' data: odd words (`TST_LOOP` goes on while they are
/// odd), with an even one at DATA + 40.
fn fill_loop_data(space: &Space) {
    let words: Vec<u8> = (0..1024u32)
        .flat_map(|i| {
            (if i == 10 {
                0x8000_0002u32
            } else {
                i.wrapping_mul(0x1111_1111) | 1
            })
            .to_le_bytes()
        })
        .collect();
    space.bytes(DATA, 4096).copy_from_slice(&words);
}

/// A loop test's state at CODE (A32): r1 where the loads start, r3 the
/// count, r0 7, the return address CODE + 0x800, NZCV `nzcv`.
fn loop_state(r1: u32, r3: u32, nzcv: u8) -> CpuState {
    let mut init = CpuState::default();
    init.r[0] = 7;
    init.r[1] = r1;
    init.r[3] = r3;
    init.r[14] = CODE + 0x800;
    init.nzcv = u32::from(nzcv);
    init.r[15] = CODE;
    init
}

/// Loops whose flags are live at their head (a load there could fault
/// and must see them exact): the back edge carries the last setter's raw
/// flags (a subtract's, a logical op's) and the loop head starts from
/// them, the entry converting NZCV. Each loop runs until it falls out
/// (the flags go to the engine exact) or its load faults on the page after
/// the read-only one (the fault sees the previous iteration's flags).
#[test]
fn loops_with_raw_flags_at_their_head_match_the_interpreter() {
    install_fault_handler();
    let space = Space::new();
    let mut jit = Jit::new().expect("jit");
    let (subs_loop, tst_loop) = (SUBS_LOOP, TST_LOOP);
    fill_loop_data(&space);
    let unmapped = RO + 0x1000;
    // (code, r1: where the loads start, r3: the count, nzcv at entry)
    let cases: [(&[u32], u32, u32, u8); 6] = [
        (subs_loop, DATA, 5, 0b0110),           // falls out after 5
        (subs_loop, unmapped - 8, 100, 0b1001), // faults at the third load
        (subs_loop, unmapped, 100, 0b0000),     // faults at once
        (tst_loop, DATA, 0, 0b1111),            // falls out at the even word
        (tst_loop, unmapped - 12, 0, 0b0100),   // faults after three
        (tst_loop, RO, 0, 0b0010),              // RO words are 0: falls out
    ];
    for (code, r1, r3, nzcv) in cases {
        let bytes = a32_bytes(code);
        let init = loop_state(r1, r3, nzcv);
        let what = format!("loop of {} words from r1 {r1:#x}", code.len());
        same_at_code(&space, &mut jit, &bytes, &init, &what);
        let looping = translate(&mut space.mem(true), CODE, false, 0).expect("translates");
        assert!(looping.branches_to_start(), "the block loops to its start");
    }
}

/// The loops of `loops_with_raw_flags_at_their_head_match_the_interpreter`
/// with an instruction before them (`mov r0, #0`), so that the loop head
/// is inside the block (an inner head): its back edge converts the flags
/// to the head's state and stores what the head does not count as dirty;
/// and a loop whose flags are dead at its head. The interpreter runs
/// block after block until the return address or an exit.
#[test]
fn loops_back_into_their_block_match_the_interpreter() {
    install_fault_handler();
    let space = Space::new();
    let mut jit = Jit::new().expect("jit");
    // `mov r0, #0` first (branches are relative: the loops' branches now
    // go to the instruction after it).
    let subs_loop = &[&[0xe3a0_0000], SUBS_LOOP].concat()[..];
    let tst_loop = &[&[0xe3a0_0000], TST_LOOP].concat()[..];
    // mov r0, #0; head: add r0, r0, #3; subs r3, r3, #1; bne head; bx lr
    let dead_flags_loop: &[u32] = &[
        0xe3a0_0000,
        0xe280_0003,
        0xe253_3001,
        0x1aff_fffc,
        0xe12f_ff1e,
    ];
    // Two back edges with flags of different kinds (the head takes the
    // subtract's; the other converts): mov r0, #0; head: ldr r2, [r1],
    // #4; add r0, r0, r2; tst r2, #2; beq head; subs r3, r3, #1;
    // bne head; bx lr
    let two_kinds_loop: &[u32] = &[
        0xe3a0_0000,
        0xe491_2004,
        0xe080_0002,
        0xe312_0002,
        0x0aff_fffb,
        0xe253_3001,
        0x1aff_fff9,
        0xe12f_ff1e,
    ];
    fill_loop_data(&space);
    let unmapped = RO + 0x1000;
    // A loop to the start round an inner one: start: add r0, r0, #1;
    // head: subs r3, r3, #1; beq done; tst r3, #3; bne head;
    // add r6, r6, #1; b start; done: bx lr
    let start_and_inner_loop: &[u32] = &[
        0xe280_0001,
        0xe253_3001,
        0x0a00_0003,
        0xe313_0003,
        0x1aff_fffb,
        0xe286_6001,
        0xeaff_fff8,
        0xe12f_ff1e,
    ];
    let cases: [(&[u32], u32, u32, u8); 12] = [
        (start_and_inner_loop, DATA, 13, 0b0110),
        (start_and_inner_loop, DATA, 1, 0b0000),
        (two_kinds_loop, DATA, 9, 0b0110),
        (two_kinds_loop, unmapped - 40, 100, 0b1001),
        (subs_loop, DATA, 5, 0b0110),
        (subs_loop, unmapped - 8, 100, 0b1001),
        (subs_loop, unmapped, 100, 0b0000),
        (tst_loop, DATA, 0, 0b1111),
        (tst_loop, unmapped - 12, 0, 0b0100),
        (tst_loop, RO, 0, 0b0010),
        (dead_flags_loop, DATA, 7, 0b1010),
        (dead_flags_loop, DATA, 1, 0b0101),
    ];
    for (code, r1, r3, nzcv) in cases {
        let bytes = a32_bytes(code);
        space
            .bytes(CODE, bytes.len() as u32)
            .copy_from_slice(&bytes);
        let mut mem = space.mem(true);
        let init = loop_state(r1, r3, nzcv);
        let block = translate(&mut mem, CODE, false, 0).expect("translates");
        assert_eq!(
            block.inner_loop_heads(),
            [1],
            "the block loops inside itself"
        );
        // The interpreter, block by block to the return address.
        let finish = |c: &mut CpuState, mut e: Option<Exit>, mem: &mut _| {
            while e.is_none() && c.r[15] != init.r[14] {
                let b = translate(mem, c.r[15], false, c.itstate).expect("translates");
                let no = AtomicBool::new(false);
                e = interp::fast::run(c, mem, &interp::fast::compile(b), &no);
            }
            e
        };
        let mut c1 = init.clone();
        let e1 = finish(&mut c1, None, &mut mem);
        // Compiled, in one go.
        jit.flush();
        let entry = jit
            .compile(&block, 0, CODE as u64, &mem, false, FpModes::Default)
            .expect("room")
            .expect("compiles")
            .entry;
        jit.table.iter_mut().for_each(|e| *e = super::EMPTY);
        let mut c2 = init.clone();
        let (status, _, e2) = jit.run(&mut c2, &mut mem, &AtomicBool::new(false), entry);
        // (The block may end before the return: the rest interpreted.)
        let e2 = finish(
            &mut c2,
            if status == STATUS_EXIT { e2 } else { None },
            &mut mem,
        );
        let what = format!("loop of {} words from r1 {r1:#x}, r3 {r3}", code.len());
        assert_eq!(e1, e2, "{what}");
        assert_eq!(state_of(&c1), state_of(&c2), "{what}");
    }
}

/// A dot product's loop (A32): `loop: vldr d6, [r2]; add r2, r2, #16;
/// vldmia r0!, {d5}; vmla.f64 d7, d5, d6; vadd.f64 d4, d4, d5;
/// subs r3, r3, #1; bne loop; bx lr`.
pub(super) const VFP_DOT_LOOP: &[u32] = &[
    0xed92_6b00,
    0xe282_2010,
    0xecb0_5b02,
    0xee05_7b06,
    0xee34_4b05,
    0xe253_3001,
    0x1aff_fff8,
    0xe12f_ff1e,
];

/// A loop carrying VFP double registers in XMM registers round its back
/// edge (an accumulator, as in a dot product): it falls out with the
/// registers exact, takes its slow path on a NaN (the helper's result
/// must reach the cached register the next round reads), and faults at a
/// load with the registers of the iteration before.
#[test]
fn vfp_loops_with_cached_registers_match_the_interpreter() {
    install_fault_handler();
    let space = Space::new();
    let mut jit = Jit::new().expect("jit");
    let code = VFP_DOT_LOOP;
    // The same with the loads last: the register VLDM wrote is stale in
    // its XMM register at the back edge and must be reloaded there.
    // loop: vmla.f64 d7, d5, d6; vadd.f64 d4, d4, d5; vldr d6, [r2];
    //       add r2, r2, #16; vldmia r0!, {d5}; subs r3, r3, #1;
    //       bne loop; bx lr
    let loads_last: &[u32] = &[
        0xee05_7b06,
        0xee34_4b05,
        0xed92_6b00,
        0xe282_2010,
        0xecb0_5b02,
        0xe253_3001,
        0x1aff_fff8,
        0xe12f_ff1e,
    ];
    let doubles = |nan_at: Option<usize>| -> Vec<u8> {
        (0..512usize)
            .flat_map(|i| {
                let v = if Some(i) == nan_at {
                    f64::NAN
                } else {
                    (i as f64) * 0.75 - 3.0
                };
                v.to_bits().to_le_bytes()
            })
            .collect()
    };
    let unmapped = RO + 0x1000;
    // (r0: the vldmia stream, r2: the vldr stream, r3: rounds, NaN at)
    let cases: [(u32, u32, u32, Option<usize>); 4] = [
        (DATA, DATA + 1024, 40, None),
        (DATA, DATA + 1024, 40, Some(7)),
        (DATA + 2048, DATA, 60, Some(130)),
        (unmapped - 24, DATA, 100, None),
    ];
    for ((r0, r2, r3, nan_at), code) in cases.into_iter().flat_map(|c| [(c, code), (c, loads_last)])
    {
        let bytes = a32_bytes(code);
        space.bytes(DATA, 4096).copy_from_slice(&doubles(nan_at));
        let mut init = CpuState::default();
        init.r[0] = r0;
        init.r[2] = r2;
        init.r[3] = r3;
        init.r[14] = CODE + 0x800;
        init.d[4] = 1.5f64.to_bits();
        init.d[5] = 0.5f64.to_bits();
        init.d[6] = 4.0f64.to_bits();
        init.d[7] = (-2.25f64).to_bits();
        init.r[15] = CODE;
        let what = format!("VFP loop r0 {r0:#x} r2 {r2:#x} rounds {r3} NaN at {nan_at:?}");
        let (_, c1) = same_at_code(&space, &mut jit, &bytes, &init, &what);
        assert_ne!(c1.r[3], init.r[3], "{what}: the loop ran");
    }
}

/// An add's flags left in the host flags across a register-offset load,
/// a literal load and a load with writeback (their addresses take a
/// `lea` and a `mov`, the writeback a `lea`): a
/// fault at the load must still see them, and a compare after it
/// overwrites them.
#[test]
fn flags_across_register_offset_and_literal_loads_match_the_interpreter() {
    install_fault_handler();
    let space = Space::new();
    let mut jit = Jit::new().expect("jit");
    // adds r2, r4, r3; ldrb.w ip, [r2, r0]; ldr r5, [pc, #4];
    // cmp ip, r6; bx lr; (literal); and adds r2, r4, r3;
    // ldr.w ip, [r2, #4]!; cmp ip, r6; bx lr (writeback by a `lea`).
    let codes: [&[u16]; 2] = [
        &[
            0x18e2, 0xf812, 0xc000, 0x4d01, 0x45b4, 0x4770, 0xbf00, 0x5678, 0x1234,
        ],
        &[0x18e2, 0xf852, 0xcf04, 0x45b4, 0x4770],
    ];
    let unmapped = RO + 0x1000;
    let mut faults = 0;
    for code in codes {
        let bytes: Vec<u8> = code.iter().flat_map(|h| h.to_le_bytes()).collect();
        // (r4 + r3 sets the flags: carry, overflow, zero, negative; r0 the
        // offset that lands in data or on the unmapped page.)
        for (r4, r3, r0) in [
            (DATA, 0x10, 0x20),
            (0xffff_fff0, 0x10 + DATA, 0),
            (0x7fff_ffff, 1, 0),
            (unmapped - 8, 4, 4),
            (0x8000_0000, 0x8000_0000, unmapped),
            (unmapped, 0, 0),
        ] {
            let mut init = CpuState {
                thumb: true,
                ..CpuState::default()
            };
            init.r[0] = r0;
            init.r[3] = r3;
            init.r[4] = r4;
            init.r[6] = 0x41;
            init.r[14] = CODE + 0x801;
            init.r[15] = CODE;
            let what = format!("r4 {r4:#x} r3 {r3:#x} r0 {r0:#x}");
            let (e1, _) = same_at_code(&space, &mut jit, &bytes, &init, &what);
            faults += e1.is_some() as usize;
        }
    }
    assert!(faults >= 4, "only {faults} faults");
}

/// UADD8, USUB8 and SEL (compiled as SSE lane operations and a byte
/// mask from GE) over bytes at the carry and borrow edges, each
/// followed by a SEL that makes every GE bit visible in a register.
#[test]
fn byte_lanes_and_sel_match_the_interpreter() {
    install_fault_handler();
    let space = Space::new();
    let mut jit = Jit::new().expect("jit");
    // uadd8 r2, r0, r1; sel r3, r0, r1; usub8 r4, r0, r1; sel r5, r1, r0;
    // bx lr
    let code: &[u32] = &[
        0xe650_2f91,
        0xe680_3fb1,
        0xe650_4ff1,
        0xe681_5fb0,
        0xe12f_ff1e,
    ];
    let bytes = a32_bytes(code);
    let edges = [0x00u32, 0x01, 0x7f, 0x80, 0xfe, 0xff];
    let mut compared = 0;
    for i in 0..edges.len() {
        for j in 0..edges.len() {
            // Four lanes with different pairs of edge bytes.
            let word = |f: &dyn Fn(usize) -> usize| {
                (0..4).fold(0u32, |acc, k| acc | edges[f(k) % 6] << (8 * k))
            };
            let n = word(&|k| i + k);
            let m = word(&|k| j + 2 * k);
            let mut init = CpuState::default();
            init.r[0] = n;
            init.r[1] = m;
            init.ge = (i * 6 + j) as u8 & 15;
            init.r[14] = CODE + 0x800;
            init.r[15] = CODE;
            let what = format!("rn {n:#010x} rm {m:#010x}");
            same_at_code(&space, &mut jit, &bytes, &init, &what);
            compared += 1;
        }
    }
    assert_eq!(compared, 36);
}

/// Products whose exact value lies just below the smallest normal
/// number and rounds up to it: ARM calls them tiny (Underflow, before
/// rounding), x86 does not (after rounding), so compiled code must leave
/// them to the interpreter, also inside a VMLA whose sum is normal.
#[test]
fn products_rounding_up_to_the_smallest_normal_match_the_interpreter() {
    install_fault_handler();
    let space = Space::new();
    let mut jit = Jit::new().expect("jit");
    // vmla.f64 d7, d5, d6, or vmls.f64 d9, d5, d6, or vmul.f64 d8, d5,
    // d6 (each alone: the flags are cumulative); vmrs r0, fpscr; bx lr
    let mut underflows = 0;
    for op in [0xee05_7b06u32, 0xee05_9b46, 0xee25_8b06] {
        let code: &[u32] = &[op, 0xeef1_0a10, 0xe12f_ff1e];
        let bytes = a32_bytes(code);
        // (1 + 2^-52) times the largest denormal is 2^-1022 (1 - 2^-104).
        for (a, b) in [
            (0x3ff0_0000_0000_0001u64, 0x000f_ffff_ffff_ffffu64),
            (0xbff0_0000_0000_0001, 0x000f_ffff_ffff_ffff),
            (0x3ff0_0000_0000_0000, 0x0010_0000_0000_0000),
            (0x3fe0_0000_0000_0000, 0x0020_0000_0000_0000),
        ] {
            for fpscr in [0u32, 1 << 24] {
                let mut init = CpuState {
                    fpscr,
                    ..CpuState::default()
                };
                init.d[5] = a;
                init.d[6] = b;
                init.d[7] = 1.0f64.to_bits();
                init.d[9] = (-3.5f64).to_bits();
                init.r[14] = CODE + 0x800;
                init.r[15] = CODE;
                let what = format!("{a:#x} * {b:#x}, FPSCR {fpscr:#x}");
                let (_, c1) = same_at_code(&space, &mut jit, &bytes, &init, &what);
                underflows += (c1.fpscr >> 3 & 1) as usize;
            }
        }
    }
    // The interpreter's own view: the first products underflow.
    assert!(underflows >= 6, "only {underflows} underflows");
}

/// Double arithmetic under flush-to-zero (as programs built with
/// -ffast-math run), compiled for it, with and without Inexact already
/// set: denormal operands (loaded, moved in from core registers, or
/// reloaded over a register an operation wrote), products that underflow
/// to zero or are zero exactly, and a loop carrying an accumulator, all
/// as the interpreter computes them, flags included.
#[test]
fn vfp_under_flush_to_zero_matches_the_interpreter() {
    install_fault_handler();
    let space = Space::new();
    let mut jit = Jit::new().expect("jit");
    // vmul.f64 d1, d2, d3; vldr d1, [r0]; vmul.f64 d4, d1, d5;
    // vmov d6, r2, r3; vmla.f64 d4, d6, d5; vmul.f64 d7, d2, d8;
    // vadd.f64 d7, d7, d1; vsub.f64 d9, d4, d4; vcmp.f64 d1, d9;
    // vmrs APSR_nzcv, fpscr; vcvt.s32.f64 s20, d6; vsqrt.f64 d11, d1;
    // vdiv.f64 d12, d2, d6; bx lr
    let straight: &[u32] = &[
        0xee22_1b03,
        0xed90_1b00,
        0xee21_4b05,
        0xec43_2b16,
        0xee06_4b05,
        0xee22_7b08,
        0xee37_7b01,
        0xee34_9b44,
        0xeeb4_1b49,
        0xeef1_fa10,
        0xeebd_abc6,
        0xeeb1_bbc1,
        0xee82_cb06,
        0xe12f_ff1e,
    ];
    let tiny = 1e-200f64;
    let values = [
        f64::from_bits(1),
        f64::from_bits(0x000f_ffff_ffff_ffff),
        -f64::from_bits(0x0000_0000_dead_beef),
        0.0,
        -0.0,
        tiny,
        1.0,
        3.0,
        2.0f64.powi(1000),
        f64::MIN_POSITIVE,
    ];
    let mut compared = 0;
    for fpscr in [1u32 << 24, 1 << 24 | 1 << 4, 1 << 24 | 1 << 25] {
        for &loaded in &values {
            for &factor in &values {
                for high in [0u32, 0x0008_0000, 0x3ff0_0000] {
                    let bytes = a32_bytes(straight);
                    space
                        .bytes(DATA, 8)
                        .copy_from_slice(&loaded.to_bits().to_le_bytes());
                    let mut init = CpuState {
                        fpscr,
                        ..CpuState::default()
                    };
                    init.r[0] = DATA;
                    init.r[2] = 5;
                    init.r[3] = high;
                    init.r[14] = CODE + 0x800;
                    init.d[2] = tiny.to_bits();
                    init.d[3] = factor.to_bits();
                    init.d[5] = factor.to_bits();
                    init.d[8] = (-tiny).to_bits();
                    init.r[15] = CODE;
                    let what = format!(
                        "flush-to-zero block, FPSCR {fpscr:#x}, loaded {loaded:e}, factor {factor:e}, high {high:#x}"
                    );
                    same_at_code(&space, &mut jit, &bytes, &init, &what);
                    compared += 1;
                }
            }
        }
    }
    // The dot product loop over denormals, zeros and tiny values.
    let bytes = a32_bytes(VFP_DOT_LOOP);
    for (seed, fpscr) in [(1usize, 1u32 << 24), (2, 1 << 24 | 1 << 4), (3, 1 << 24)] {
        let data: Vec<u8> = (0..512usize)
            .flat_map(|i| {
                let k = i.wrapping_mul(seed * 7 + 3);
                let v = if k % 5 == 0 {
                    values[k / 5 % values.len()]
                } else {
                    (k % 11) as f64 * 0.5 - 2.0
                };
                v.to_bits().to_le_bytes()
            })
            .collect();
        space.bytes(DATA, 4096).copy_from_slice(&data);
        let mut init = CpuState {
            fpscr,
            ..CpuState::default()
        };
        init.r[0] = DATA;
        init.r[2] = DATA + 1024;
        init.r[3] = 60;
        init.r[14] = CODE + 0x800;
        init.d[4] = 1.5f64.to_bits();
        init.d[5] = tiny.to_bits();
        init.d[6] = 4.0f64.to_bits();
        init.d[7] = (-2.25f64).to_bits();
        init.r[15] = CODE;
        let what = format!("flush-to-zero loop {seed}, FPSCR {fpscr:#x}");
        let (_, c1) = same_at_code(&space, &mut jit, &bytes, &init, &what);
        assert_ne!(c1.r[3], init.r[3], "{what}: the loop ran");
        compared += 1;
    }
    assert_eq!(compared, 3 * 10 * 10 * 3 + 3);
}

/// A loop laid out with its step first and a jump to its test (`b test`):
/// the translation follows the jump, so the block loops to its own start
/// with its registers in host registers. It falls out, or faults at a load
/// on the page after the read-only one, exactly as the interpreter does.
#[test]
fn loops_through_a_followed_branch_match_the_interpreter() {
    install_fault_handler();
    let space = Space::new();
    let mut jit = Jit::new().expect("jit");
    // start: add r8, r8, #1; b test; udf; test: ldr r7, [lr, #4]!;
    //        cmp r7, r0; blo start; bx lr
    let code: &[u32] = &[
        0xe288_8001,
        0xea00_0000,
        0xe7f0_00f0,
        0xe5be_7004,
        0xe157_0000,
        0x3aff_fff9,
        0xe12f_ff1e,
    ];
    let bytes = a32_bytes(code);
    let words: Vec<u8> = (0..1024u32).flat_map(|i| (i * 3).to_le_bytes()).collect();
    space.bytes(DATA, 4096).copy_from_slice(&words);
    let unmapped = RO + 0x1000;
    // (lr: one word before the first load, r0: the bound)
    for (lr, r0) in [(DATA, 300), (DATA + 400, 2000), (unmapped - 16, 1), (RO, 0)] {
        let mut init = CpuState::default();
        init.r[0] = r0;
        init.r[14] = lr;
        init.r[15] = CODE;
        let what = format!("loop from lr {lr:#x} to {r0}");
        let (_, c) = same_at_code(&space, &mut jit, &bytes, &init, &what);
        let block = translate(&mut space.mem(true), CODE, false, 0).expect("translates");
        let pcs: Vec<u32> = block.insns.iter().map(|i| i.pc - CODE).collect();
        assert_eq!(pcs, [0, 4, 12, 16, 20, 24], "the jump is followed");
        assert!(block.branches_to_start());
        if (lr, r0) == (DATA, 300) {
            // Words 3, 6, ... 300: a hundred rounds, as the ARM code says.
            assert_eq!((c.r[8], c.r[7], c.r[14]), (100, 300, DATA + 400));
        }
    }
}

/// The stubs assemble to the same bytes wherever they are placed: the
/// persistent cache runs one process's bytes in another.
#[test]
fn stubs_are_position_independent() {
    let low = super::x86_64::assemble_stubs(0x1000_0000).expect("assembles");
    let high = super::x86_64::assemble_stubs(0x7f12_3456_7000).expect("assembles");
    assert_eq!(low, high);
    let (_jit, made) = Jit::with_stubs(Some(&low)).expect("jit");
    assert!(made.is_none(), "placed, not assembled");
}

/// A loop whose test comes before its start: the block at the step
/// follows its jump back to the test and then reaches its own start
/// again by falling through, which makes it a loop (`Block::end` is its
/// start) with its registers kept, as a branch back would.
#[test]
fn blocks_that_fall_back_to_their_start_loop_like_the_interpreter() {
    install_fault_handler();
    let space = Space::new();
    let mut jit = Jit::new().expect("jit");
    // test: cmp r0, r1; bge out; start: add r0, r0, #1; b test; udf;
    // out: bx lr
    let code: &[u32] = &[
        0xe150_0001,
        0xaa00_0002,
        0xe280_0001,
        0xeaff_fffb,
        0xe7f0_00f0,
        0xe12f_ff1e,
    ];
    let bytes = a32_bytes(code);
    space
        .bytes(CODE, bytes.len() as u32)
        .copy_from_slice(&bytes);
    let block = translate(&mut space.mem(true), CODE + 8, false, 0).expect("translates");
    let pcs: Vec<u32> = block.insns.iter().map(|i| i.pc - CODE).collect();
    assert_eq!(
        pcs,
        [8, 12, 0, 4],
        "the jump back is followed, the start not repeated"
    );
    assert_eq!(block.end, block.start);
    assert!(block.branches_to_start());
    for (r0, r1) in [(0u32, 10u32), (20, 10), (0, 100_000)] {
        let mut init = CpuState::default();
        init.r[0] = r0;
        init.r[1] = r1;
        init.r[15] = CODE + 8;
        let ((mut e1, mut c1), (e2, c2)) = run_both_at_code(&space, &mut jit, &bytes, &init);
        // The interpreter leaves at the fall-through each round (the
        // engine enters the block again); compiled code loops in place.
        let mut mem = space.mem(true);
        let again = interp::fast::compile(block.clone());
        while e1.is_none() && c1.r[15] == CODE + 8 {
            e1 = interp::fast::run(&mut c1, &mut mem, &again, &AtomicBool::new(false));
        }
        assert_eq!(e1, e2, "r0 {r0} r1 {r1}");
        assert_eq!(state_of(&c1), state_of(&c2), "r0 {r0} r1 {r1}");
        assert_eq!(c2.r[0], (r0 + 1).max(r1), "r0 {r0} r1 {r1}");
    }
}

/// Blocks of flag setters and conditional instructions (A32, every
/// instruction may be conditional): compares, adds and subtracts (some
/// conditional, of either flag kind), logical flag setters (flag-setting
/// shifts by a constant and by a register among them, whose raw flags
/// carry C), conditional
/// moves and arithmetic testing every condition, ADC computing with C,
/// and loads that may fault, against the interpreter. This is where the
/// code generator keeps flags raw across conditional readers and
/// conditional writers of the same kind (and must pack them when the
/// kinds differ).
#[test]
fn conditional_flag_sequences_match_the_interpreter() {
    install_fault_handler();
    let space = Space::new();
    let mut jit = Jit::new().expect("jit");
    let mut rng = Rng(0x0f1a_95c0_ffee_1234);
    jit.log_out_asm = std::env::var_os("JIT_TEST_LOG").is_some();
    const VALUES: [u32; 8] = [
        0,
        1,
        2,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x8000_0001,
        5,
    ];
    let data: Vec<u8> = (0..1024u32)
        .flat_map(|i| VALUES[i as usize % 8].to_le_bytes())
        .collect();
    space.bytes(DATA, 4096).copy_from_slice(&data);
    let reg = |rng: &mut Rng| rng.next() % 8;
    for case in 0..20_000 {
        let len = 3 + rng.next() % 8;
        let mut words = Vec::new();
        for _ in 0..len {
            let cond = if rng.next().is_multiple_of(3) {
                14
            } else {
                rng.next() % 14
            };
            let (rd, rn, rm) = (reg(&mut rng), reg(&mut rng), reg(&mut rng));
            let body = match rng.next() % 15 {
                14 => 0x03b0_0000 | rd << 12 | (rng.next() % 2), // movs rd, #0 or #1
                12 => 0x01b0_0000 | rd << 12 | (rng.next() % 32) << 7 | rm, // movs rd, rm, lsl #n
                13 => 0x01b0_0030 | rd << 12 | rn << 8 | rm,     // movs rd, rm, lsr rn
                0 => 0x0150_0000 | rn << 16 | rm,                // cmp rn, rm
                1 => 0x0170_0000 | rn << 16 | rm,                // cmn rn, rm
                2 => 0x0090_0000 | rn << 16 | rd << 12 | rm,     // adds
                3 => 0x0050_0000 | rn << 16 | rd << 12 | rm,     // subs
                4 => 0x0070_0000 | rn << 16 | rd << 12 | rm,     // rsbs
                5 => 0x0350_0000 | rn << 16 | (rng.next() % 4),  // cmp rn, #imm
                6 => 0x0110_0000 | rn << 16 | rm,                // tst rn, rm
                7 => 0x03a0_0000 | rd << 12 | (rng.next() % 256), // mov rd, #imm
                8 => 0x0280_0000 | rn << 16 | rd << 12 | 1,      // add rd, rn, #1
                9 => 0x00a0_0000 | rn << 16 | rd << 12 | rm,     // adc
                10 => 0x01b0_0000 | rd << 12 | rm,               // movs rd, rm
                _ => 0x0598_0000 | rd << 12,                     // ldr rd, [r8]
            };
            words.push(cond << 28 | body);
        }
        if case < 8 {
            // A MOVS of a constant after a compare and a conditional move
            // on it, C and V overwritten unseen (cmp r0, r1; moveq r6, #1;
            // movs r2, #0 or #1; moveq r3, #1; movne r5, #1; cmp r4, r4):
            // the MOVS's flags are read from its host flags, then from
            // its raw word (stored by one `mov`), never from the host
            // flags of the compare.
            words = vec![
                0xe150_0001,
                0x03a0_6001,
                0xe3b0_2000 | (case % 2),
                0x03a0_3001,
                0x13a0_5001,
                0xe154_0004,
            ];
        }
        words.push(0xe12f_ff1e); // bx lr
        let bytes = a32_bytes(&words);
        let mut init = CpuState::default();
        for r in 0..8 {
            init.r[r] = if rng.next().is_multiple_of(4) {
                rng.next()
            } else {
                VALUES[rng.next() as usize % 8]
            };
        }
        // The loads: mostly data, sometimes an unmapped page (a fault
        // must see the flags exact).
        init.r[8] = if rng.next().is_multiple_of(16) {
            RO + 0x1000
        } else {
            DATA + 4 * (rng.next() % 1024)
        };
        init.r[14] = CODE + 0x800;
        init.nzcv = rng.next() % 16;
        init.r[15] = CODE;
        let what = format!("case {case}: {words:08x?} from {init:x?}");
        same_at_code(&space, &mut jit, &bytes, &init, &what);
    }
}
