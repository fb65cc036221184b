/* VFP instruction probes for the vfp test. The C code is built without
 * FPU use; these are the only VFP/Advanced SIMD instructions executed. */
    .syntax unified
    .arm
    .fpu    neon-vfpv4
    .text

    .global get_fpexc, set_fpexc, get_fpsid, get_mvfr0, get_mvfr1, get_fpscr
get_fpexc:
    vmrs    r0, fpexc
    bx      lr
set_fpexc:
    vmsr    fpexc, r0
    isb
    bx      lr
get_fpsid:
    vmrs    r0, fpsid
    bx      lr
get_mvfr0:
    vmrs    r0, mvfr0
    bx      lr
get_mvfr1:
    vmrs    r0, mvfr1
    bx      lr
get_fpscr:
    vmrs    r0, fpscr
    bx      lr

/* u32 vfp_one(u32 x): one VFP data instruction (VMOV.F32 s0, #1.0);
 * returns x. */
    .global vfp_one, vfp_one_insn
vfp_one:
vfp_one_insn:
    vmov.f32 s0, #1.0
    bx      lr

/* u32 vfp_add(u32 a, u32 b): single-precision a + b (bit patterns). */
    .global vfp_add
vfp_add:
    vmov    s0, r0
    vmov    s1, r1
    vadd.f32 s2, s0, s1
    vmov    r0, s2
    bx      lr

/* u32 neon_d31(u32 a): a through d31 and back, plus VADD.I32 of a to itself
 * in q15 (Advanced SIMD): returns 2a. */
    .global neon_d31
neon_d31:
    vdup.32 q15, r0
    vadd.i32 q15, q15, q15
    vmov.32 r0, d31[1]
    bx      lr
