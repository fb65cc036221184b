/* vfp: access control of the floating-point and Advanced SIMD extension (ARM
 * ARM DDI 0406C B1.11 "Advanced SIMD and floating-point support", "Enabling
 * Advanced SIMD and floating-point support"; B4.1 CPACR; the FPEXC
 * description in B6.1).
 *
 *  - CPACR.cp10/cp11 = 0b00: every cp10/cp11 instruction, VMRS FPEXC and
 *    FPSID included, is UNDEFINED; 0b01: PL1 only (PL0 UNDEFINED); 0b11: PL0
 *    and PL1. The two fields must be equal (B4.1 CPACR).
 *  - FPEXC.EN = 0: every floating-point and Advanced SIMD instruction is
 *    UNDEFINED except, at PL1, VMRS/VMSR of FPSID, FPEXC, MVFR0 and MVFR1
 *    (B1.11, and the VMRS/VMSR pseudocode's CheckVFPEnabled(FALSE) for those
 *    registers); VMRS FPSCR is UNDEFINED.
 *  - The UNDEFINED exception's LR is the instruction + 4 (A32).
 *  - With EN = 1 the instructions run: a VADD.F32 and a VADD.I32 on q15 (d31
 *    exists: MVFR0.A_SIMD registers = 0b0010, 32 doubleword registers).
 *  - FPSID, MVFR0, MVFR1 at PL1 are the Cortex-A15's (the Cortex-A15 TRM's
 *    Advanced SIMD and floating-point register summary): FPSID 0x410430f0,
 *    MVFR0 0x10110222, MVFR1 0x11111111.
 */
#include "rt.h"

u32 get_fpexc(void), get_fpsid(void), get_mvfr0(void), get_mvfr1(void), get_fpscr(void);
void set_fpexc(u32);
u32 vfp_one(u32), vfp_add(u32, u32), neon_d31(u32);
extern char vfp_one_insn[];

static void set_cpacr(u32 v)
{
    MCR(0, c1, c0, 2, v);
    isb();
}

static u32 und_count(void) { return rt_count[EXC_UND]; }

static void expect_und(const char *name, u32 before, int want_und)
{
    check_yes(cat(name, ": undefined"), und_count() != before, want_und);
}

int main(void)
{
    u32 n, v;
    rt_puts("vfp\n");

    rt_puts("-- cpacr cp10/cp11 = 00 (no access)\n");
    set_cpacr(0);
    check("cpacr", MRC(0, c1, c0, 2) & 0x00f00000, 0);
    n = und_count();
    get_fpexc();
    expect_und("vmrs fpexc", n, 1);
    n = und_count();
    get_fpsid();
    expect_und("vmrs fpsid", n, 1);
    n = und_count();
    vfp_one(0);
    expect_und("vmov.f32", n, 1);
    check("  lr - insn", rt_last.lr - (u32)vfp_one_insn, 4);
    check("  handler mode", rt_last.cpsr & 0x1f, M_UND);

    rt_puts("-- cpacr cp10/cp11 = 11 (full access), fpexc.en = 0\n");
    set_cpacr(0x00f00000);
    check("cpacr", MRC(0, c1, c0, 2) & 0x00f00000, 0x00f00000);
    n = und_count();
    set_fpexc(0);
    v = get_fpexc();
    expect_und("vmsr/vmrs fpexc", n, 0);
    check("fpexc.en", v & 0x40000000, 0);
    n = und_count();
    check("fpsid", get_fpsid(), 0x410430f0);
    check("mvfr0", get_mvfr0(), 0x10110222);
    check("mvfr1", get_mvfr1(), 0x11111111);
    expect_und("vmrs fpsid/mvfr0/mvfr1", n, 0);
    n = und_count();
    get_fpscr();
    expect_und("vmrs fpscr", n, 1);
    n = und_count();
    v = vfp_one(0x77);
    expect_und("vmov.f32", n, 1);
    check("  lr - insn", rt_last.lr - (u32)vfp_one_insn, 4);
    check("  spsr", rt_last.spsr & 0x1ff, PSR_A | PSR_I | PSR_F | M_SVC);
    n = und_count();
    v = vfp_add(0x3fc00000, 0x40100000);
    check("vadd.f32 sequence: undefined instructions", und_count() - n, 4);
    n = und_count();
    rt_run_user(vfp_one, 0);
    expect_und("pl0 vmov.f32", n, 1);
    check("  spsr mode", rt_last.spsr & 0x1f, M_USR);

    rt_puts("-- fpexc.en = 1\n");
    set_fpexc(0x40000000);
    check("fpexc.en", get_fpexc() & 0x40000000, 0x40000000);
    n = und_count();
    v = vfp_add(0x3fc00000, 0x40100000);      /* 1.5 + 2.25 */
    expect_und("vadd.f32", n, 0);
    check("vadd.f32 1.5 + 2.25", v, 0x40700000);
    check("vadd.i32 q15 (d31)", neon_d31(0x01020304), 0x02040608);
    expect_und("advanced simd", n, 0);
    n = und_count();
    rt_run_user(vfp_one, 0);
    expect_und("pl0 vmov.f32 (cp10/cp11 = 11)", n, 0);

    rt_puts("-- cpacr cp10/cp11 = 01 (pl1 only)\n");
    set_cpacr(0x00500000);
    check("cpacr", MRC(0, c1, c0, 2) & 0x00f00000, 0x00500000);
    n = und_count();
    check("pl1 vadd.f32", vfp_add(0x3f800000, 0x3f800000), 0x40000000);
    expect_und("pl1 vadd.f32", n, 0);
    n = und_count();
    rt_run_user(vfp_one, 0);
    expect_und("pl0 vmov.f32", n, 1);

    set_cpacr(0x00f00000);
    set_fpexc(0);
    set_cpacr(0);
    rt_finish();
}
