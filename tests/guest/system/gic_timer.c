/* gic_timer: the GICv2 distributor and CPU interface (ARM IHI 0048B, "GIC
 * architecture specification v2.0"), the generic timer (ARM ARM DDI 0406C
 * chapter B8 "The Generic Timer" and the CNT* registers in B4.1) and
 * interrupt exceptions (B1.9 "IRQ exception", "FIQ exception").
 *
 * Board facts (QEMU hw/arm/virt.c, which rsemu's board follows): one CPU,
 * 256 SPIs (GICD_TYPER.ITLinesNumber = 288/32 - 1 = 8), no Security
 * Extensions in the GIC; the virtual timer is PPI 11 (ID 27), the Non-secure
 * physical timer PPI 14 (ID 30); CNTFRQ = 62.5 MHz as QEMU sets it for the
 * Cortex-A15 (its counter ticks every 16 ns).
 *
 * GIC facts used (IHI 0048B, chapter 4 register descriptions unless noted):
 * uniprocessor GICD_ITARGETSRn are RAZ/WI (GICD_ITARGETSR); GICD_ICFGR0
 * (SGIs) reads 0b10 per field, edge (GICD_ICFGR); priority fields implement
 * at least the top 4 bits (3.3 "Interrupt prioritization", GICD_IPRIORITYR);
 * GICC_IAR returns 1023 when nothing pending has enough priority, and SGI
 * IDs carry the source CPU in [12:10] (GICC_IAR); GICC_RPR is 0xff when idle
 * (GICC_RPR); an interrupt of lower priority than the running one is not
 * acknowledged; a GICv2 without Security Extensions supports interrupt
 * groups, and with GICC_CTLR.FIQEn = 1 Group 0 interrupts are signalled as
 * FIQ ("Interrupt grouping" in chapter 3, GICC_CTLR). QEMU 7.2's arm_gic
 * (revision 2) implements the groups and FIQEn, and virt wires the GIC's FIQ
 * output to the CPU, so this is tested. Whether SGIs can be disabled and
 * whether PPI configuration is writable are IMPLEMENTATION DEFINED and not
 * tested.
 *
 * Timer facts (B8, B4.1): CNTVCT = CNTPCT when the Virtualization Extensions
 * are not implemented (CNTVOFF is 0); CNT*_TVAL reads CVAL - count (signed,
 * counting down) and a write sets CVAL = count + TVAL; ISTATUS = (count -
 * CVAL >= 0) with ENABLE = 1, whatever IMASK; the interrupt output is
 * ISTATUS AND NOT IMASK; CNTKCTL.PL0VCTEN = 0 makes a PL0 read of CNTVCT
 * UNDEFINED. WFI wakes on a pending IRQ even with CPSR.I set (B1.8 and the
 * WFI page: "Wait For Interrupt").
 *
 * Timing-dependent values are printed as yes/no.
 */
#include "rt.h"

u32 user_read_cntvct(u32);

#define GICD_CTLR       (GICD_BASE + 0x000)
#define GICD_TYPER      (GICD_BASE + 0x004)
#define GICD_IGROUPR(n) (GICD_BASE + 0x080 + 4 * (n))
#define GICD_ISENABLER(n) (GICD_BASE + 0x100 + 4 * (n))
#define GICD_ICENABLER(n) (GICD_BASE + 0x180 + 4 * (n))
#define GICD_ISPENDR(n) (GICD_BASE + 0x200 + 4 * (n))
#define GICD_ICPENDR(n) (GICD_BASE + 0x280 + 4 * (n))
#define GICD_ISACTIVER(n) (GICD_BASE + 0x300 + 4 * (n))
#define GICD_IPRIORITYR(id) (GICD_BASE + 0x400 + (id))
#define GICD_ITARGETSR(id) (GICD_BASE + 0x800 + (id))
#define GICD_ICFGR(n)   (GICD_BASE + 0xc00 + 4 * (n))
#define GICD_SGIR       (GICD_BASE + 0xf00)
#define GICC_CTLR       (GICC_BASE + 0x000)
#define GICC_PMR        (GICC_BASE + 0x004)
#define GICC_IAR        (GICC_BASE + 0x00c)
#define GICC_EOIR       (GICC_BASE + 0x010)
#define GICC_RPR        (GICC_BASE + 0x014)
#define GICC_HPPIR      (GICC_BASE + 0x018)

static inline void wr8(u32 a, u8 v) { *(volatile u8 *)a = v; }
static inline u8 rd8(u32 a) { return *(volatile u8 *)a; }

static inline u64 cntvct(void) { isb(); return MRRC(1, c14); }
static inline u64 cntpct(void) { isb(); return MRRC(0, c14); }
static inline void set_cntv_ctl(u32 v) { MCR(0, c14, c3, 1, v); isb(); }
static inline u32 get_cntv_ctl(void) { return MRC(0, c14, c3, 1); }
static inline void set_cntp_ctl(u32 v) { MCR(0, c14, c2, 1, v); isb(); }
static inline u32 get_cntp_ctl(void) { return MRC(0, c14, c2, 1); }
static inline void irq_on(void) { __asm__ volatile("cpsie i; isb" ::: "memory"); }
static inline void irq_off(void) { __asm__ volatile("cpsid i" ::: "memory"); }
static inline void fiq_on(void) { __asm__ volatile("cpsie f; isb" ::: "memory"); }
static inline void fiq_off(void) { __asm__ volatile("cpsid f" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("dsb; wfi" ::: "memory"); }

static volatile u32 irq_n, irq_ids[8], irq_cpsr, irq_spsr, fiq_n, fiq_id, fiq_cpsr;

/* IRQ: acknowledge, silence a timer source, EOI, return to LR - 4. */
static int irq_hook(struct rt_frame *f)
{
    u32 iar = rd32(GICC_IAR);
    u32 id = iar & 0x3ff;
    if (irq_n < 8)
        irq_ids[irq_n] = iar;
    irq_n++;
    irq_cpsr = f->cpsr;
    irq_spsr = f->spsr;
    if (id == 27)
        set_cntv_ctl(get_cntv_ctl() | 2);    /* IMASK */
    if (id == 30)
        set_cntp_ctl(get_cntp_ctl() | 2);
    if (id != 1023)
        wr32(GICC_EOIR, iar);
    f->pc -= 4;
    return 1;
}

static int fiq_hook(struct rt_frame *f)
{
    u32 iar = rd32(GICC_IAR);
    fiq_id = iar;
    fiq_n++;
    fiq_cpsr = f->cpsr;
    if ((iar & 0x3ff) != 1023)
        wr32(GICC_EOIR, iar);
    f->pc -= 4;
    return 1;
}

int main(void)
{
    u32 v;
    rt_puts("gic_timer\n");
    rt_irq_hook = irq_hook;
    rt_fiq_hook = fiq_hook;

    rt_puts("-- distributor\n");
    v = rd32(GICD_TYPER);
    check("gicd_typer.itlinesnumber", v & 0x1f, 8);
    check("gicd_typer.cpunumber", (v >> 5) & 7, 0);
    check("gicd_typer.securityextn", (v >> 10) & 1, 0);
    check("gicd_ctlr at reset", rd32(GICD_CTLR), 0);
    check("gicc_ctlr at reset", rd32(GICC_CTLR), 0);
    check("gicd_icfgr0 (sgis edge)", rd32(GICD_ICFGR(0)), 0xaaaaaaaa);
    check("gicd_itargetsr sgi 0 (uniprocessor raz)", rd8(GICD_ITARGETSR(0)), 0);
    wr8(GICD_ITARGETSR(40), 0x01);
    check("gicd_itargetsr spi 40 (raz/wi)", rd8(GICD_ITARGETSR(40)), 0);
    wr8(GICD_IPRIORITYR(40), 0xa0);
    check("gicd_ipriorityr 40 = a0", rd8(GICD_IPRIORITYR(40)), 0xa0);
    wr8(GICD_IPRIORITYR(41), 0xff);
    check_yes("gicd_ipriorityr 41 = ff: top 4 bits kept", (rd8(GICD_IPRIORITYR(41)) & 0xf0) == 0xf0, 1);
    wr32(GICD_ISENABLER(1), 1u << 8);
    check("gicd_isenabler1 after set 40", rd32(GICD_ISENABLER(1)), 1u << 8);
    wr32(GICD_ICENABLER(1), 1u << 8);
    check("gicd_isenabler1 after clear 40", rd32(GICD_ISENABLER(1)), 0);
    wr32(GICD_ISENABLER(0), 1u << 27);
    check("gicd_isenabler0 ppis after set 27", rd32(GICD_ISENABLER(0)) & 0xffff0000, 1u << 27);
    wr32(GICD_ICENABLER(0), 1u << 27);
    check("gicd_isenabler0 ppis after clear 27", rd32(GICD_ISENABLER(0)) & 0xffff0000, 0);
    wr32(GICD_ISPENDR(1), 1u << 8);
    check("gicd_ispendr1 after set 40", rd32(GICD_ISPENDR(1)), 1u << 8);
    check("gicd_icpendr1 reads the same", rd32(GICD_ICPENDR(1)), 1u << 8);
    wr32(GICD_ICPENDR(1), 1u << 8);
    check("gicd_ispendr1 after clear 40", rd32(GICD_ISPENDR(1)), 0);
    check("gicd_igroupr1 at reset", rd32(GICD_IGROUPR(1)), 0);
    wr32(GICD_IGROUPR(1), 1u << 9);
    check("gicd_igroupr1 after set 41", rd32(GICD_IGROUPR(1)), 1u << 9);
    wr32(GICD_IGROUPR(1), 0);
    /* SPIs 40-42 edge-triggered (Int_config[1] = 1). */
    wr32(GICD_ICFGR(2), rd32(GICD_ICFGR(2)) | (2u << 16) | (2u << 18) | (2u << 20));
    check("gicd_icfgr2 40-42 edge", (rd32(GICD_ICFGR(2)) >> 16) & 0x3f, 0x2a);
    wr32(GICD_CTLR, 1);
    check("gicd_ctlr enabled", rd32(GICD_CTLR), 1);

    rt_puts("-- cpu interface\n");
    wr32(GICC_PMR, 0xf0);
    check("gicc_pmr", rd32(GICC_PMR), 0xf0);
    wr32(GICC_CTLR, 1);
    check("gicc_ctlr enabled", rd32(GICC_CTLR), 1);
    check("gicc_iar, nothing pending", rd32(GICC_IAR), 1023);
    check("gicc_rpr idle", rd32(GICC_RPR), 0xff);

    rt_puts("-- acknowledge and end of interrupt (cpsr.i set)\n");
    wr32(GICD_ISENABLER(1), 1u << 8);
    wr32(GICD_ISPENDR(1), 1u << 8);
    check("gicc_hppir", rd32(GICC_HPPIR) & 0x3ff, 40);
    v = rd32(GICC_IAR);
    check("gicc_iar", v, 40);
    check("gicc_rpr while active", rd32(GICC_RPR), 0xa0);
    check("gicd_isactiver1 while active", rd32(GICD_ISACTIVER(1)), 1u << 8);
    check("gicd_ispendr1 while active", rd32(GICD_ISPENDR(1)), 0);
    wr32(GICC_EOIR, v);
    check("gicd_isactiver1 after eoi", rd32(GICD_ISACTIVER(1)), 0);
    check("gicc_rpr after eoi", rd32(GICC_RPR), 0xff);
    check("gicc_iar after eoi", rd32(GICC_IAR), 1023);
    /* Priorities: 42 (0x80) before 41 (0x90); 41 cannot be acknowledged
     * while 42 is active. */
    wr8(GICD_IPRIORITYR(41), 0x90);
    wr8(GICD_IPRIORITYR(42), 0x80);
    wr32(GICD_ISENABLER(1), (1u << 9) | (1u << 10));
    wr32(GICD_ISPENDR(1), (1u << 9) | (1u << 10));
    v = rd32(GICC_IAR);
    check("two pending: first iar", v, 42);
    check("iar while 42 active", rd32(GICC_IAR), 1023);
    wr32(GICC_EOIR, 42);
    v = rd32(GICC_IAR);
    check("iar after eoi 42", v, 41);
    wr32(GICC_EOIR, 41);
    check("rpr after both", rd32(GICC_RPR), 0xff);
    wr32(GICD_ICENABLER(1), 0xffffffff);

    rt_puts("-- sgi to self taken as irq\n");
    wr8(GICD_IPRIORITYR(5), 0x80);
    wr32(GICD_ISENABLER(0), 1u << 5);
    wr32(GICD_SGIR, (2u << 24) | 5);          /* TargetListFilter = self */
    dsb();
    check("sgi 5 pending", (rd32(GICD_ISPENDR(0)) >> 5) & 1, 1);
    check("irqs before unmasking", irq_n, 0);
    __asm__ volatile("cpsie i; isb; nop; nop; cpsid i" ::: "memory");
    check("irqs taken", irq_n, 1);
    check("irq iar (sgi 5 from cpu 0)", irq_ids[0], 5);
    check("irq handler mode, a, i, f", irq_cpsr & 0x1df, PSR_A | PSR_I | PSR_F | M_IRQ);
    check("irq spsr mode, i", irq_spsr & 0x9f, M_SVC);
    check("rpr after the handler", rd32(GICC_RPR), 0xff);

    rt_puts("-- generic timer\n");
    check("cntfrq", MRC(0, c14, c0, 0), 62500000);
    {
        u64 a = cntvct();
        for (volatile int i = 0; i < 100000; i++)
            ;
        u64 b = cntvct();
        check_yes("cntvct advances", b > a, 1);
        u64 p1 = cntpct(), vv = cntvct(), p2 = cntpct();
        check_yes("cntpct <= cntvct <= cntpct (cntvoff = 0)", p1 <= vv && vv <= p2, 1);
    }
    wr8(GICD_IPRIORITYR(27), 0x80);
    set_cntv_ctl(0);
    MCRR(3, c14, cntvct() + 62500000ull * 100);   /* 100 s ahead */
    set_cntv_ctl(1);
    check("cntv_ctl, cval in the future", get_cntv_ctl(), 1);
    v = MRC(0, c14, c3, 0);
    check_yes("cntv_tval positive, <= 100 s", (s32)v > 0 && v <= 62500000u * 100, 1);
    {
        u32 t1 = MRC(0, c14, c3, 0);
        for (volatile int i = 0; i < 100000; i++)
            ;
        u32 t2 = MRC(0, c14, c3, 0);
        check_yes("cntv_tval counts down", t2 < t1, 1);
    }
    {
        u64 before = cntvct();
        MCR(0, c14, c3, 0, 0x40000000);           /* TVAL write: CVAL = count + TVAL */
        isb();
        u64 cv = MRRC(3, c14), after = cntvct();
        check_yes("tval write sets cval = count + tval",
                  cv >= before + 0x40000000 && cv <= after + 0x40000000, 1);
    }
    MCRR(3, c14, 0);                              /* condition met */
    isb();
    check("cntv_ctl, cval passed (istatus)", get_cntv_ctl(), 5);
    check_yes("cntv_tval negative", (s32)MRC(0, c14, c3, 0) < 0, 1);
    check("gicd_ispendr0 bit 27 (timer output)", (rd32(GICD_ISPENDR(0)) >> 27) & 1, 1);
    set_cntv_ctl(3);                              /* IMASK */
    check("cntv_ctl, masked (istatus kept)", get_cntv_ctl(), 7);
    check("gicd_ispendr0 bit 27 when masked", (rd32(GICD_ISPENDR(0)) >> 27) & 1, 0);

    rt_puts("-- virtual timer irq\n");
    irq_n = 0;
    wr32(GICD_ISENABLER(0), 1u << 27);
    set_cntv_ctl(1);                              /* fires now */
    __asm__ volatile("cpsie i; isb; nop; nop; cpsid i" ::: "memory");
    check("irqs taken", irq_n, 1);
    check("irq iar", irq_ids[0], 27);
    check("cntv_ctl after the handler masked it", get_cntv_ctl(), 7);

    rt_puts("-- wfi\n");
    irq_n = 0;
    set_cntv_ctl(0);
    MCR(0, c14, c3, 0, 62500);                    /* 1 ms */
    set_cntv_ctl(1);
    {
        int loops = 0;
        while (!irq_n && loops++ < 100000) {
            wfi();                                /* I set: wakes, no IRQ */
            __asm__ volatile("cpsie i; isb; nop; cpsid i" ::: "memory");
        }
        check_yes("wfi woke, irq taken after unmasking", irq_n == 1, 1);
        check("irq iar", irq_ids[0], 27);
    }
    irq_n = 0;
    set_cntv_ctl(0);
    MCR(0, c14, c3, 0, 62500);
    set_cntv_ctl(1);
    {
        int loops = 0;
        while (!((rd32(GICD_ISPENDR(0)) >> 27) & 1) && loops++ < 100000)
            wfi();
        check_yes("wfi with cpsr.i set woke on the pending timer", (rd32(GICD_ISPENDR(0)) >> 27) & 1, 1);
        check("no irq taken while masked", irq_n, 0);
        check("gicc_iar", rd32(GICC_IAR), 27);
        set_cntv_ctl(3);
        wr32(GICC_EOIR, 27);
        check("rpr after eoi", rd32(GICC_RPR), 0xff);
    }
    wr32(GICD_ICENABLER(0), 1u << 27);
    set_cntv_ctl(0);

    rt_puts("-- physical timer\n");
    irq_n = 0;
    wr8(GICD_IPRIORITYR(30), 0x80);
    wr32(GICD_ISENABLER(0), 1u << 30);
    set_cntp_ctl(0);
    MCR(0, c14, c2, 0, 62500);                    /* CNTP_TVAL: 1 ms */
    set_cntp_ctl(1);
    {
        int loops = 0;
        while (!irq_n && loops++ < 100000) {
            wfi();
            __asm__ volatile("cpsie i; isb; nop; cpsid i" ::: "memory");
        }
        check_yes("physical timer irq taken", irq_n == 1, 1);
        check("irq iar", irq_ids[0], 30);
        check("cntp_ctl", get_cntp_ctl(), 7);
    }
    wr32(GICD_ICENABLER(0), 1u << 30);
    set_cntp_ctl(0);

    rt_puts("-- cntkctl\n");
    {
        u32 n = rt_count[EXC_UND];
        MCR(0, c14, c1, 0, 0);                    /* CNTKCTL: no PL0 access */
        isb();
        check("cntkctl", MRC(0, c14, c1, 0) & 0x3, 0);
        v = rt_run_user(user_read_cntvct, 0x1234);
        check("pl0 cntvct, pl0vcten = 0: undefined", rt_count[EXC_UND] - n, 1);
        check("pl0 cntvct, pl0vcten = 0: skipped", v, 0x1234);
        MCR(0, c14, c1, 0, 2);                    /* PL0VCTEN */
        isb();
        v = rt_run_user(user_read_cntvct, 0x1234);
        check("pl0 cntvct, pl0vcten = 1: no exception", rt_count[EXC_UND] - n, 1);
        check_yes("pl0 cntvct, pl0vcten = 1: read", v != 0x1234, 1);
        MCR(0, c14, c1, 0, 0);
    }

    rt_puts("-- group 0 as fiq\n");
    wr8(GICD_IPRIORITYR(6), 0x80);
    wr32(GICD_ISENABLER(0), 1u << 6);
    wr32(GICC_CTLR, 1 | (1u << 3));               /* EnableGrp0 | FIQEn */
    check("gicc_ctlr enablegrp0|fiqen", rd32(GICC_CTLR), 0x9);
    irq_n = 0;
    wr32(GICD_SGIR, (2u << 24) | 6);
    dsb();
    __asm__ volatile("cpsie i; isb; nop; nop; cpsid i" ::: "memory");
    check("irqs taken with f masked", irq_n, 0);
    __asm__ volatile("cpsie f; isb; nop; nop; cpsid f" ::: "memory");
    check("fiqs taken", fiq_n, 1);
    check("fiq iar", fiq_id, 6);
    check("fiq handler mode, a, i, f", fiq_cpsr & 0x1df, PSR_A | PSR_I | PSR_F | M_FIQ);
    check("rpr after the fiq", rd32(GICC_RPR), 0xff);
    wr32(GICC_CTLR, 1);                           /* FIQEn = 0: group 0 as IRQ */
    wr32(GICD_SGIR, (2u << 24) | 6);
    dsb();
    __asm__ volatile("cpsie if; isb; nop; nop; cpsid if" ::: "memory");
    check("fiqen = 0: fiqs", fiq_n, 1);
    check("fiqen = 0: irqs", irq_n, 1);
    check("fiqen = 0: irq iar", irq_ids[0], 6);

    wr32(GICC_CTLR, 0);
    wr32(GICD_CTLR, 0);
    rt_irq_hook = 0;
    rt_fiq_hook = 0;
    rt_finish();
}
