/* modes: processor modes and banked registers (ARM ARM DDI 0406C B1.3 "ARM
 * processor modes and ARM core registers").
 *
 *  - CPS and MSR CPSR_c switches to FIQ, IRQ, ABT, UND, SYS and back to SVC
 *    (B1.3, and the CPS and MSR pages of B9.3); an MSR of the control field
 *    keeps the flags.
 *  - Banked SP and LR of every mode, r8-r12 of FIQ (B1.3 "ARM core
 *    registers").
 *  - SPSR of each exception mode, and MSR SPSR_<fields> writing only the
 *    selected byte (the MSR page: f = [31:24], s = [23:16], x = [15:8], c =
 *    [7:0]).
 *  - CPSR.A/I/F through CPS and MSR (B1.3 "Program Status Registers
 *    (PSRs)").
 *  - User mode: CPS is a NOP and an MSR writes only the APSR (the CPS page:
 *    in User mode CPS is treated as a NOP; B1.3 PSRs: MSR in User mode
 *    cannot write the privileged fields), seen in the SPSR of an SVC after
 *    each (an MRS at PL0 is only compared in its APSR fields, NZCVQ and GE,
 *    A2.4 "The Application Program Status Register"); SVC back to PL1 with
 *    SPSR = the User CPSR, LR = SVC + 4, and the NZCVQ/GE flags unchanged by
 *    exception entry (TakeSVCException in B1.9: only M, I, IT, J, T, E are
 *    written).
 *  - Banked MRS/MSR (the "MRS (Banked register)" and "MSR (Banked register)"
 *    pages of B9.3), the Virtualization Extensions' forms.
 *
 * QEMU 7.2 departs from this file's expectations in one place, the banked
 * MRS/MSR. The Cortex-A15 implements the Virtualization Extensions, so the
 * banked forms read and write the other modes' registers from any PL1 mode
 * other than the target's (those B9.3 pages; the Cortex-A15 TRM gives
 * ID_PFR1.Virtualization = 1). QEMU's virt board without "virtualization=on"
 * removes EL2 from its cortex-a15 model, and its translator makes the banked
 * MRS/MSR UNDEFINED when the CPU has no EL2 (target/arm/translate.c,
 * msr_banked_access_decode: no ARM_FEATURE_EL2 -> undefined). So under QEMU
 * every banked access takes an Undefined Instruction exception: the MRS
 * destinations keep their 0x0bad00NN presets and the MSR targets are not
 * written. That output is modes.qemu-expected. With -M virt,virtualization=on
 * (EL2 present; the runtime drops from Hyp to SVC) QEMU prints exactly
 * modes.expected.
 */
#include "rt.h"

void cps_modes(u32 *out);
void msr_modes(u32 *out);
void banked_sp_lr(u32 *out);
void fiq_r8_r12(u32 *out);
void spsr_modes(const u32 *in, u32 *out);
void spsr_fields(u32 *out);
void banked_mrs_msr(u32 *out);
void mask_bits(u32 *out);
u32 user_probe(u32 out);
void get_usr_sp_lr(u32 *out);
extern char user_probe_svc[];
extern char rt_stack_usr[];

static const char *const mode_names[6] = { "fiq", "irq", "abt", "und", "sys", "svc" };
static const u32 mode_nums[6] = { M_FIQ, M_IRQ, M_ABT, M_UND, M_SYS, M_SVC };

static u32 usr_sp_at_svc;
static struct rt_exc svc10;
static u32 svc_spsr[5];                 /* SPSR at SVC #0x10 + i */

static int svc_hook(struct rt_frame *f)
{
    if (f->type == EXC_SVC && rt_last.svc_imm > 0x10 && rt_last.svc_imm <= 0x14)
        svc_spsr[rt_last.svc_imm - 0x10] = rt_last.spsr;
    if (f->type == EXC_SVC && rt_last.svc_imm == 0x10) {
        u32 b[2];
        get_usr_sp_lr(b);
        usr_sp_at_svc = b[0];
        svc10.cpsr = rt_last.cpsr;
        svc10.spsr = rt_last.spsr;
        svc10.lr = rt_last.lr;
    }
    return 0;   /* default action: return to LR */
}

int main(void)
{
    u32 out[16], in[5];

    rt_puts("modes\n");
    check("start cpsr", get_cpsr() & 0xffff, 0x01d3);

    /* CPS: CPSR = A I F set (as at reset), mode M. */
    cps_modes(out);
    for (int i = 0; i < 6; i++)
        check(cat("cps ", mode_names[i]), out[i], 0x1c0 | mode_nums[i]);
    /* MSR CPSR_c with flags N and C set: the flags stay, A (bit 8, in the x
     * field) stays set. */
    msr_modes(out);
    for (int i = 0; i < 6; i++)
        check(cat("msr ", mode_names[i]), out[i], 0xa0000000 | 0x1c0 | mode_nums[i]);

    /* Banked SP/LR: each mode reads back its own pair. */
    banked_sp_lr(out);
    {
        static const u32 m[6] = { M_FIQ, M_IRQ, M_ABT, M_UND, M_SYS, M_SVC };
        static const char *const sn[6] = { "sp_fiq", "sp_irq", "sp_abt", "sp_und", "sp_usr", "sp_svc" };
        static const char *const ln[6] = { "lr_fiq", "lr_irq", "lr_abt", "lr_und", "lr_usr", "lr_svc" };
        for (int i = 0; i < 6; i++) {
            check(sn[i], out[2 * i], 0x5a000000 | m[i]);
            check(ln[i], out[2 * i + 1], 0xa5000000 | m[i]);
        }
    }

    /* r8-r12: FIQ has its own; IRQ shares SVC's (the User bank). */
    fiq_r8_r12(out);
    {
        static const char *const nm[15] = {
            "svc r8", "svc r9", "svc r10", "svc r11", "svc r12",
            "fiq r8", "fiq r9", "fiq r10", "fiq r11", "fiq r12",
            "irq r8", "irq r9", "irq r10", "irq r11", "irq r12",
        };
        for (int i = 0; i < 15; i++) {
            u32 want = (i >= 5 && i < 10 ? 0x88110008 : 0x88000008) + (u32)(i % 5);
            check(nm[i], out[i], want);
        }
    }

    /* SPSRs: one per exception mode. */
    in[0] = 0xf8000010;   /* FIQ: N Z C V Q, User */
    in[1] = 0x000f01df;   /* IRQ: GE, A I F, System */
    in[2] = 0x400000f0;   /* ABT: Z, I F T, User */
    in[3] = 0x20000113;   /* UND: C, A, SVC */
    in[4] = 0x90000117;   /* SVC: N V, A, ABT */
    spsr_modes(in, out);
    {
        static const char *const nm[5] = { "spsr_fiq", "spsr_irq", "spsr_abt", "spsr_und", "spsr_svc" };
        for (int i = 0; i < 5; i++)
            check(nm[i], out[i], in[i]);
    }
    spsr_fields(out);
    check("spsr_fsxc 0", out[0], 0);
    check("spsr_f", out[1], 0xf8000000);
    check("spsr_c", out[2], 0xf8000013);
    check("spsr_s", out[3], 0xf80f0013);
    check("spsr_x", out[4], 0xf80f0113);

    /* CPSR.A/I/F. */
    mask_bits(out);
    check("cpsid aif", out[0] & 0x1ff, 0x1d3);
    check("cpsie a", out[1] & 0x1ff, 0x0d3);
    check("cpsie f", out[2] & 0x1ff, 0x093);
    check("cpsie i", out[3] & 0x1ff, 0x013);
    check("cpsid i", out[4] & 0x1ff, 0x093);
    check("cpsid af", out[5] & 0x1ff, 0x1d3);
    check("msr cpsr_c 13", out[6] & 0x1ff, 0x113);
    check("msr cpsr_xc d3", out[7] & 0x1ff, 0x0d3);
    check("cpsid a, sys", out[8] & 0x1ff, 0x1df);
    check("cpsr after", get_cpsr() & 0xffff, 0x01d3);

    /* User mode and back through SVC. */
    {
        static u32 uo[8];
        rt_hook = svc_hook;
        u32 n = rt_count[EXC_SVC];
        u32 r = rt_run_user(user_probe, (u32)uo);
        rt_hook = 0;
        /* PL0 reads the CPSR as the APSR (A2.4): only NZCVQ and GE are
         * compared; the mode and masks are checked through the SPSRs. */
        check("user mrs apsr (nzcvq, ge)", uo[0] & 0xf80f0000, 0);
        check("user cps #svc (nop): spsr at next svc", svc_spsr[1], 0x000000d0);
        check("user cpsie aif (nop): spsr at next svc", svc_spsr[2], 0x000000d0);
        check("user msr cpsr_c, #0x1f: spsr at next svc", svc_spsr[3], 0x000000d0);
        check("user msr cpsr_fc: mrs apsr", uo[4] & 0xf80f0000, 0xf8000000);
        check("user msr cpsr_fc: spsr at next svc", svc_spsr[4], 0xf80000d0);
        check_yes("user sp = top of the User stack", uo[5] == (u32)rt_stack_usr + 4096, 1);
        check_yes("user lr = rt_user_exit", uo[6] == (u32)rt_user_exit, 1);
        check("svc #0x10 spsr", svc10.spsr, 0xf80000d0);
        check("svc #0x10 handler cpsr", svc10.cpsr, 0xf80000d3);
        check("svc #0x10 lr - insn", svc10.lr - (u32)user_probe_svc, 4);
        check("user apsr after svc", uo[7] & 0xf80f0000, 0xf8000000);
        check("run_user result", r, 7);
        check("svc from user: count", rt_count[EXC_SVC] - n, 6);  /* #0x11-#0x14, #0x10, #0xff */
        check("sp_usr seen at svc", usr_sp_at_svc, 0x5a000010);
        check("cpsr back in svc", get_cpsr() & 0xffff, 0x01d3);
    }

    /* Banked MRS/MSR (Virtualization Extensions). */
    {
        u32 n = rt_count[EXC_UND];
        banked_mrs_msr(out);
        check("mrs sp_usr", out[0], 0x11110010);
        check("mrs lr_usr", out[1], 0x22220010);
        check("mrs sp_irq", out[2], 0x11110012);
        check("mrs lr_irq", out[3], 0x22220012);
        check("mrs spsr_irq", out[4], 0x300000d3);
        check("mrs r8_fiq", out[5], 0x33330008);
        check("mrs spsr_abt", out[6], 0x800001d7);
        check_yes("msr sp_abt", out[7] == 0x44440017, 1);
        check_yes("msr lr_und", out[8] == 0x5555001b, 1);
        check_yes("msr spsr_und", out[9] == 0x200001df, 1);
        check_yes("msr r10_fiq", out[10] == 0x6666000a, 1);
        check_yes("msr lr_usr", out[11] == 0x77770010, 1);
        check("banked: undefined exceptions", rt_count[EXC_UND] - n, 0);
    }
    check("total exceptions (six svcs)", rt_exc_count, 6);
    rt_finish();
}
