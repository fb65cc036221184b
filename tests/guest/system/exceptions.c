/* exceptions: exception entry and return (ARM ARM DDI 0406C B1.8 "Exception
 * handling", B1.9 "Exception descriptions").
 *
 * Every trigger runs with CPSR = 0x600f0093 (Z C, GE=1111, I, SVC) so the
 * SPSR and the handler's CPSR are exact:
 *  - entry writes only M, T (= SCTLR.TE), IT (cleared), J, E and the masks:
 *    I always, A for aborts/IRQ/FIQ, F for FIQ (B1.8 "Processor mode for
 *    taking exceptions", "Exception entry", and the Take*Exception
 *    pseudocode of B1.9); NZCVQ and GE are kept.
 *  - LR = preferred return + offset (B1.8, the table of exception return
 *    offsets): SVC: next instruction (A32 +4, T32 +2); Undefined: +4 (A32) /
 *    +2 (T32, also for a 32-bit T32 instruction: LR points at its second
 *    halfword); Prefetch Abort and BKPT: +4 in both states; Data Abort: +8
 *    in both states.
 *  - SVC: SPSR.IT is the IT state advanced past the SVC (B1.9,
 *    TakeSVCException calls ITAdvance()); the handler runs with IT = 0.
 *  - BKPT: Prefetch Abort with IFSR.FS = 0b00010 debug event (C4 "Debug
 *    exceptions", B4.1 IFSR); IFAR is UNKNOWN and not checked.
 *  - Data Abort: an alignment fault (SCTLR.A = 1, DFSR.FS = 0b00001, DFAR =
 *    the address) skipped, and retried after the handler clears SCTLR.A. An
 *    instruction fetch from a physical address with nothing there:
 *    synchronous external abort, IFSR.FS = 0b01000 (B3.13, the
 *    short-descriptor FSR encodings), resumed elsewhere. What a bus returns
 *    for an empty address is the system's choice (B3.12 "External aborts");
 *    the virt board decodes nothing at 0x0b000000 and QEMU and rsemu report
 *    a synchronous DECERR abort (ExT = 0 marks DECERR in the Cortex-A15
 *    TRM's DFSR description).
 *  - MRS of the CPSR reads the execution state bits IT, J and T as zero
 *    (B9.3, MRS: CPSR AND 0xf8ff03df), so a T32 snippet sees its CPSR
 *    without T; T32 execution itself shows the T bit took effect.
 *  - Exception returns (B1.9 "Exception return", and the B9.3 pages of the
 *    instructions): MOVS PC, LR; SUBS PC, LR, #4; LDMFD sp!, {.., pc}^;
 *    RFEIA/RFEDB; SRSDB to the own and to another mode's stack; a return
 *    into System mode, into T32 and a T32 SUBS PC, LR, #0 back into A32.
 *  - LDM/STM of the User registers (B9.3, "LDM (User registers)" and "STM
 *    (User registers)"): they reach the User bank from SVC.
 *  - SCTLR.TE = 1: handlers are entered in T32 (B1.8, B4.1 SCTLR).
 *  - SCTLR.V = 1 selects the vectors at 0xffff0000 (mapped through the MMU
 *    here) and VBAR is ignored; V = 0 uses VBAR (B1.8 "Exception vectors and
 *    the exception base address", B4.1 VBAR).
 */
#include "rt.h"

void trig_svc_a32(void), trig_svc_t32(void), trig_und_a32(void), trig_und_t16(void);
void trig_und_t32(void), trig_bkpt_a32(void), trig_bkpt_t16(void);
u32 trig_svc_it(void);
u32 trig_dabt_a32(u32), trig_dabt_t16(u32), trig_dabt_t32(u32);
extern char svc_a32_insn[], svc_t32_insn[], svc_it_insn[], und_a32_insn[], und_t16_insn[];
extern char und_t32_insn[], bkpt_a32_insn[], bkpt_t16_insn[];
extern char dabt_a32_insn[], dabt_t16_insn[], dabt_t32_insn[];
extern volatile u32 exc_after_cpsr;
u32 ret_movs(u32), ret_subs(u32), ret_ldm(u32, u32 *), ret_rfeia(u32, u32 *), ret_rfedb(u32);
u32 srs_sys(u32 *), ret_to_sys(u32), ret_thumb(u32), ret_from_thumb(void);
void srs_own(u32 *), user_regs(u32 *), te_test(void);
extern volatile u32 te_n, te_rec[];
extern char te_svc_a32_insn[], te_und_a32_insn[], te_svc_t32_insn[], te_und_t16_insn[];
extern volatile u32 hv_hits, vbar_hits;
extern char hv_svc_stub[], vbar_svc_stub[];
extern const u32 rt_vectors[16];

#define PRE 0x600f0093u

static void show(const char *what, const char *insn, u32 type, u32 lr_off, u32 spsr, u32 cpsr)
{
    check(cat(what, " type"), rt_last.type, type);
    check(cat(what, " lr - insn"), rt_last.lr - (u32)insn, lr_off);
    check(cat(what, " spsr"), rt_last.spsr, spsr);
    check(cat(what, " handler cpsr"), rt_last.cpsr, cpsr);
}

static int retry_hook(struct rt_frame *f)
{
    if (f->type == EXC_DABT && (rt_last.dfsr & 0x40f) == 0x001) {
        set_sctlr(get_sctlr() & ~SCTLR_A);
        f->pc -= 8;             /* re-execute the load */
        return 1;
    }
    return 0;
}

static u32 l1[4096] __attribute__((aligned(16384)));
static u32 l2_hi[256] __attribute__((aligned(1024)));
static u32 alt_vec[16] __attribute__((aligned(32)));
static u8 buf[16] __attribute__((aligned(8)));

static inline void do_svc(void) { __asm__ volatile("svc #0x55" ::: "lr", "memory"); }

int main(void)
{
    u32 v, out[8];

    rt_puts("exceptions\n");

    /* SVC */
    trig_svc_a32();
    show("svc a32", svc_a32_insn, EXC_SVC, 4, PRE, PRE);
    check("svc a32 imm", rt_last.svc_imm, 0x123456);
    check("svc a32 cpsr after", exc_after_cpsr, PRE);
    trig_svc_t32();
    show("svc t32", svc_t32_insn, EXC_SVC, 2, PRE | PSR_T, PRE);
    check("svc t32 imm", rt_last.svc_imm, 0x42);
    check("svc t32 cpsr after", exc_after_cpsr, PRE);
    v = trig_svc_it();
    /* ITT EQ: ITSTATE 0x04 at the SVC, advanced to 0x08 (one instruction
     * left): SPSR.IT[7:2] = 0b000010 -> bit 11. */
    show("svc in it", svc_it_insn, EXC_SVC, 2, PRE | PSR_T | (1u << 11), PRE);
    check("svc in it: moveq ran", v, 1);
    check("svc in it cpsr after", exc_after_cpsr, PRE);

    /* Undefined Instruction */
    trig_und_a32();
    show("udf a32", und_a32_insn, EXC_UND, 4, PRE, (PRE & ~0x1fu) | M_UND);
    check("udf a32 cpsr after", exc_after_cpsr, PRE);
    trig_und_t16();
    show("udf t16", und_t16_insn, EXC_UND, 2, PRE | PSR_T, (PRE & ~0x1fu) | M_UND);
    check("udf t16 cpsr after", exc_after_cpsr, PRE);
    trig_und_t32();
    show("udf.w t32", und_t32_insn, EXC_UND, 2, PRE | PSR_T, (PRE & ~0x1fu) | M_UND);
    check("udf.w t32 cpsr after", exc_after_cpsr, PRE);

    /* BKPT: Prefetch Abort, debug event */
    trig_bkpt_a32();
    show("bkpt a32", bkpt_a32_insn, EXC_PABT, 4, PRE, (PRE & ~0x1fu) | M_ABT | PSR_A);
    check("bkpt a32 ifsr", rt_last.ifsr & 0x160f, 0x002);
    trig_bkpt_t16();
    show("bkpt t16", bkpt_t16_insn, EXC_PABT, 4, PRE | PSR_T, (PRE & ~0x1fu) | M_ABT | PSR_A);
    check("bkpt t16 ifsr", rt_last.ifsr & 0x160f, 0x002);
    check("bkpt t16 cpsr after", exc_after_cpsr, PRE);

    /* Data Abort: alignment fault, skipped, in A32, T32 16-bit and 32-bit */
    for (u32 i = 0; i < 16; i++)
        buf[i] = (u8)(0x11 * (i + 1));
    set_sctlr(get_sctlr() | SCTLR_A);
    v = trig_dabt_a32((u32)buf + 1);
    show("dabt a32", dabt_a32_insn, EXC_DABT, 8, PRE, (PRE & ~0x1fu) | M_ABT | PSR_A);
    check("dabt a32 dfsr", rt_last.dfsr & 0x3e0f, 0x001);
    check_yes("dabt a32 dfar = address", rt_last.dfar == (u32)buf + 1, 1);
    check("dabt a32 skipped", v, 0xdeadbeef);
    v = trig_dabt_t16((u32)buf + 2);
    show("dabt t16", dabt_t16_insn, EXC_DABT, 8, PRE | PSR_T, (PRE & ~0x1fu) | M_ABT | PSR_A);
    check("dabt t16 dfsr", rt_last.dfsr & 0x3e0f, 0x001);
    check("dabt t16 skipped", v, 0xdeadbeef);
    check("dabt t16 cpsr after", exc_after_cpsr, PRE);
    v = trig_dabt_t32((u32)buf + 3);
    show("dabt t32", dabt_t32_insn, EXC_DABT, 8, PRE | PSR_T, (PRE & ~0x1fu) | M_ABT | PSR_A);
    check("dabt t32 skipped", v, 0xdeadbeef);
    check("dabt t32 cpsr after", exc_after_cpsr, PRE);
    /* ... and retried: the handler clears SCTLR.A and returns to LR - 8. */
    rt_hook = retry_hook;
    u32 n = rt_count[EXC_DABT];
    v = trig_dabt_a32((u32)buf + 1);
    rt_hook = 0;
    check("dabt retry aborts", rt_count[EXC_DABT] - n, 1);
    check("dabt retry value", v, 0x55443322);
    check_yes("dabt retry: sctlr.a clear", !(get_sctlr() & SCTLR_A), 1);

    /* External aborts: nothing decodes physical 0x0b000000 on virt. */
    v = probe_read(0x0b000000, 0);
    check("ext abort load dfsr", v & 0x3e0f, 0x008);
    check("ext abort load dfar", rt_probe_far, 0x0b000000);
    v = probe_exec(0x0b000000, 0);
    check("ext abort fetch ifsr", v & 0x160f, 0x008);
    check("ext abort fetch ifar", rt_probe_far, 0x0b000000);
    check("ext abort fetch lr", rt_last.lr, 0x0b000004);
    check("ext abort fetch mode/a/i", rt_last.cpsr & 0x19f, PSR_A | PSR_I | M_ABT);
    check("ext abort fetch resumed", rt_probe_val, 0xdead0001);

    /* Exception returns */
    check("movs pc, lr", ret_movs(0x900f0093), 0x900f0093);
    check("subs pc, lr, #4", ret_subs(0x500f0193), 0x500f0193);
    check("ldmfd sp!, {r1, pc}^", ret_ldm(0x30000093, out), 0x30000093);
    check("ldm^ r1", out[0], 0x1234abcd);
    check("ldm^ sp writeback", out[1], 0);
    check("rfeia r2!", ret_rfeia(0x80000093, out), 0x80000093);
    check("rfeia writeback", out[0], 8);
    check("rfedb r2", ret_rfedb(0x20000093), 0x20000093);
    {
        static u32 sb[4];
        check("srsdb sp!, #sys: sp decrement", srs_sys(sb), 8);
        check("srsdb #sys: stored lr", sb[2], 0x12345678);
        check("srsdb #sys: stored spsr", sb[3], 0xf00f0010);
    }
    srs_own(out);
    check("srsdb sp!, #svc: stored lr", out[0], 0xcafe0013);
    check("srsdb sp!, #svc: stored spsr", out[1], 0x800001d7);
    check("srsdb sp!, #svc: sp decrement", out[2], 8);
    check("movs pc, lr into sys", ret_to_sys(0x000001df), 0x000001df);
    /* SPSR.T = 1 reaches T32 code; its MRS reads T as 0. */
    check("movs pc, lr into thumb", ret_thumb(0x800001b3), 0x80000193);
    check("t32 subs pc, lr, #0 into arm", ret_from_thumb(), 0x40000093);

    /* LDM/STM User registers */
    user_regs(out);
    check("stm^ user sp", out[0], 0x5a00001f);
    check("stm^ user lr", out[1], 0xa500001f);
    check("ldm^ user sp", out[4], 0x11111110);
    check("ldm^ user lr", out[5], 0x22222210);
    check("ldm^ svc sp change", out[6], 0);
    check("ldm^ svc lr kept", out[7], 1);

    /* SCTLR.TE */
    te_test();
    check("te exceptions", te_n, 4);
    {
        static const char *const nm[4] = { "te svc a32", "te udf a32", "te svc t32", "te udf t16" };
        const char *insn[4] = { te_svc_a32_insn, te_und_a32_insn, te_svc_t32_insn, te_und_t16_insn };
        /* The handlers run in T32 (else they would not run at all); their
         * MRS reads T as 0. */
        const u32 cpsr[4] = { PRE, (PRE & ~0x1fu) | M_UND, PRE, (PRE & ~0x1fu) | M_UND };
        const u32 spsr[4] = { PRE, PRE, PRE | PSR_T, PRE | PSR_T };
        const u32 off[4] = { 4, 4, 2, 2 };
        const u32 type[4] = { 2, 1, 2, 1 };
        for (int i = 0; i < 4; i++) {
            check(cat(nm[i], " type"), te_rec[4 * i + 3], type[i]);
            check(cat(nm[i], " handler cpsr"), te_rec[4 * i + 0], cpsr[i]);
            check(cat(nm[i], " spsr"), te_rec[4 * i + 1], spsr[i]);
            check(cat(nm[i], " lr - insn"), te_rec[4 * i + 2] - (u32)insn[i], off[i]);
        }
    }
    check("te cpsr after", exc_after_cpsr, PRE);

    /* High vectors vs VBAR */
    {
        u32 hv_pa = SCRATCH_PA + 0x10000;
        rt_l1_identity(l1);
        for (int i = 0; i < 256; i++)
            l2_hi[i] = 0;
        /* Small page: TEX=001 (Normal), AP=01 (PL1 read/write). */
        l2_hi[0xf0] = hv_pa | 0x2 | (1u << 6) | (1u << 4);
        l1[0xfff] = (u32)l2_hi | 0x1;
        rt_copy_code(hv_pa, rt_vectors, 64);
        wr32(hv_pa + 0x28, (u32)hv_svc_stub);
        rt_copy_code((u32)alt_vec, rt_vectors, 64);
        alt_vec[10] = (u32)vbar_svc_stub;
        dsb();
        rt_mmu_on(l1);
        MCR(0, c12, c0, 0, (u32)alt_vec);
        isb();
        check_yes("vbar reads back", MRC(0, c12, c0, 0) == (u32)alt_vec, 1);
        do_svc();
        check("v=0: vbar hits", vbar_hits, 1);
        check("v=0: high hits", hv_hits, 0);
        set_sctlr(get_sctlr() | SCTLR_V);
        do_svc();
        check("v=1: vbar hits", vbar_hits, 1);
        check("v=1: high hits", hv_hits, 1);
        check("v=1: svc imm", rt_last.svc_imm, 0x55);
        check_yes("v=1: 0xffff0028 holds the stub", rd32(0xffff0028) == (u32)hv_svc_stub, 1);
        set_sctlr(get_sctlr() & ~SCTLR_V);
        do_svc();
        check("v=0 again: vbar hits", vbar_hits, 2);
        check("v=0 again: high hits", hv_hits, 1);
        MCR(0, c12, c0, 0, (u32)rt_vectors);
        isb();
        rt_mmu_off();
    }
    rt_finish();
}
