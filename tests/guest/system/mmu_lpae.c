/* mmu_lpae: the Long-descriptor translation table format (TTBCR.EAE = 1, ARM
 * ARM DDI 0406C B3.6), its permissions (B3.7 "Memory access control",
 * including "Hierarchical control of access permissions" and execute-never),
 * the fault status codes it reports (B3.13, the long-descriptor FSR
 * encodings, and B4.1 DFSR/IFSR in the long-descriptor format: bit 9 = 1,
 * Status[5:0]) and the 64-bit PAR (B4.1 PAR).
 *
 * Status codes (long-descriptor format), LL = level: translation 0b0001LL,
 * access flag 0b0010LL, permission 0b0011LL, synchronous external abort
 * 0b010000, on a table walk 0b0101LL, alignment 0b100001, debug 0b100010. A
 * permission fault is reported at the level of the descriptor that completed
 * the translation, including when APTable/XNTable/PXNTable of an earlier
 * level caused it (the walk accumulates the table limits and checks once at
 * the final level).
 *
 * Compared: DFSR[13:11,9,5:0] (CM, ExT, WnR, LPAE, Status) and
 * IFSR[12,9,5:0]; the other bits are UNK/SBZP. PAR on success: PA[39:12],
 * LPAE (bit 11) = 1, F = 0 and ATTR[63:56] (the MAIR attribute, checked for
 * Normal Non-cacheable 0x44 and Device-nGnRnE 0x00, the two encodings an
 * implementation cannot report differently); SH and NS are not compared. PAR
 * on a fault: F = 1, FST[6:1] = the status code, LPAE = 1.
 *
 * TTBR0/TTBR1 selection (B3.6 "Selecting between TTBR0 and TTBR1",
 * TranslationTableWalkLD): with T0SZ = 0 and T1SZ = 0 TTBR0 translates
 * everything; TTBR0 covers VA below 2^(32-T0SZ); TTBR1 covers VA at or above
 * 2^32 - 2^(32-T1SZ), or, with T1SZ = 0, everything TTBR0 does not; a VA in
 * neither faults (translation, level 1). A region of 1 GiB or less starts
 * its walk at level 2.
 *
 * QEMU 7.2 agrees with every expectation here.
 */
#include "rt.h"

typedef u64 desc_t;
#define D_BLOCK     0x1ull
#define D_TABLE     0x3ull
#define D_PAGE      0x3ull
#define ATTRIDX(i)  ((u64)(i) << 2)
#define AP21(x)     ((u64)(x) << 6)         /* AP[2:1] */
#define D_AF        (1ull << 10)
#define D_NG        (1ull << 11)
#define D_PXN       (1ull << 53)
#define D_XN        (1ull << 54)
#define T_PXN       (1ull << 59)
#define T_XN        (1ull << 60)
#define T_AP(x)     ((u64)(x) << 61)
/* MAIR0: Attr0 Normal Non-cacheable, Attr1 Device-nGnRnE (Strongly-ordered),
 * Attr2 Device-nGnRE, Attr3 Normal Write-Back. */
#define MAIR0_VAL   0xff040044u
#define MAIR1_VAL   0x4400ff04u
#define NORMAL      (ATTRIDX(0) | D_AF)
#define DEVICE      (ATTRIDX(1) | D_AF | AP21(0) | D_XN | D_PXN)

#define DFSR_MASK 0x3a3fu
#define IFSR_MASK 0x123fu
#define PA_CODE   0x40700000u

static desc_t l1[512] __attribute__((aligned(4096)));
static desc_t l1_t1[512] __attribute__((aligned(4096)));
static desc_t l1_t1c[512] __attribute__((aligned(4096)));
static desc_t l2_low[512] __attribute__((aligned(4096)));
static desc_t l2_test[512] __attribute__((aligned(4096)));
static desc_t l2_hi[512] __attribute__((aligned(4096)));
static desc_t l3a[512] __attribute__((aligned(4096)));
static desc_t l3b[512] __attribute__((aligned(4096)));
static desc_t l3c[512] __attribute__((aligned(4096)));

static void sync_tables(void)
{
    dsb();
    tlbi_all();
}

static void set_ttbcr(u32 v)
{
    MCR(0, c2, c0, 2, v);
    isb();
    tlbi_all();
}

static void acc(const char *name, char kind, u32 addr, int user, u32 want)
{
    want = rt_expect(want);
    u32 f = kind == 'r' ? probe_read(addr, user) : kind == 'w' ? probe_write(addr, user)
                                                              : probe_exec(addr, user);
    u32 fs = f & (kind == 'x' ? IFSR_MASK : DFSR_MASK);
    int good;
    if (!f) {
        rt_printf("%s: ok", name);
        good = want == 0;
    } else {
        rt_printf("%s: fsr %03x far %08x", name, fs, rt_probe_far);
        good = want != 0 && fs == want && rt_probe_far == addr;
    }
    if (!good) {
        if (want)
            rt_printf("  MISMATCH want fsr %03x far %08x", want, addr);
        else
            rt_printf("  MISMATCH want ok");
        rt_fail_note(name);
    }
    rt_putc('\n');
}

static u64 ats(int op, u32 va)
{
    switch (op) {
    case 0: MCR(0, c7, c8, 0, va); break;   /* ATS1CPR */
    case 1: MCR(0, c7, c8, 1, va); break;   /* ATS1CPW */
    case 2: MCR(0, c7, c8, 2, va); break;   /* ATS1CUR */
    default: MCR(0, c7, c8, 3, va); break;  /* ATS1CUW */
    }
    isb();
    return MRRC(0, c7);
}

static void par(const char *name, int op, u32 va, u64 want)
{
    want ^= (u64)(rt_expect(0) & 1);
    u64 v = ats(op, va);
    u64 mask = (v & 1) ? 0x87full : 0xff000000fffff801ull;
    v &= mask;
    rt_printf("%s: %08x%08x", name, (u32)(v >> 32), (u32)v);
    if (v != want) {
        rt_printf("  MISMATCH want %08x%08x", (u32)(want >> 32), (u32)want);
        rt_fail_note(name);
    }
    rt_putc('\n');
}

static void build(void)
{
    for (int i = 0; i < 512; i++)
        l1[i] = l1_t1[i] = l1_t1c[i] = l2_low[i] = l2_test[i] = l2_hi[i] = l3a[i] = l3b[i] = l3c[i] = 0;
    /* TTBR0, level 1 (1 GiB each) */
    l1[0] = (u32)l2_low | D_TABLE;
    l1[1] = 0x40000000 | D_BLOCK | NORMAL | AP21(1);        /* identity, RW any PL */
    l1[2] = (u32)l2_test | D_TABLE;
    l1[3] = 0x40000000 | D_BLOCK | NORMAL | AP21(1);        /* 0xc0000000 -> 0x40000000 */
    /* 0x00000000-0x3fffffff, level 2: the GIC and UART 2 MiB blocks */
    l2_low[GICD_BASE >> 21] = GICD_BASE | D_BLOCK | DEVICE;
    l2_low[UART_BASE >> 21] = UART_BASE | D_BLOCK | DEVICE;
    /* 0x80000000-0xbfffffff, level 2 (2 MiB each) */
    l2_test[0] = 0x40400000 | D_BLOCK | NORMAL | AP21(1);
    l2_test[1] = (u32)l3a | D_TABLE;                        /* 0x80200000 */
    l2_test[2] = 0x40400000 | D_BLOCK | ATTRIDX(0) | AP21(1);  /* AF = 0 */
    /* [3] 0x80600000 invalid */
    l2_test[4] = 0x40400000 | D_BLOCK | NORMAL | AP21(2);   /* 0x80800000 PL1 RO */
    l2_test[5] = 0x40600000 | D_BLOCK | NORMAL | AP21(1) | D_XN;    /* 0x80a00000 */
    l2_test[6] = 0x40600000 | D_BLOCK | NORMAL | AP21(1) | D_PXN;   /* 0x80c00000 */
    l2_test[7] = (u32)l3b | D_TABLE | T_AP(1);              /* 0x80e00000: no PL0 */
    l2_test[8] = (u32)l3b | D_TABLE | T_AP(2);              /* 0x81000000: no write */
    l2_test[9] = (u32)l3c | D_TABLE | T_XN;                 /* 0x81200000 */
    l2_test[10] = (u32)l3c | D_TABLE | T_PXN;               /* 0x81400000 */
    l2_test[11] = 0x40400000 | D_BLOCK | ATTRIDX(1) | D_AF | AP21(1) | D_XN;  /* 0x81600000 */
    l2_test[12] = 0x40400000 | D_BLOCK | NORMAL | AP21(0);  /* 0x81800000 PL1 only */
    l2_test[13] = 0x0b000000 | D_BLOCK | DEVICE;            /* 0x81a00000: nothing there */
    l2_test[14] = 0x0b000000 | D_TABLE;                     /* 0x81c00000: table in nothing */
    l2_test[15] = 0x40600000 | D_BLOCK | NORMAL | AP21(1);  /* 0x81e00000: exec ok */
    /* 0x80200000, level 3 (4 KiB) */
    l3a[0] = 0x40402000 | D_PAGE | NORMAL | AP21(1);
    l3a[1] = 0x40401000 | D_PAGE | NORMAL | AP21(1);
    /* [2] invalid */
    l3a[3] = 0x40403000 | D_PAGE | ATTRIDX(0) | AP21(1);   /* AF = 0 */
    l3a[4] = 0x40404000 | D_PAGE | NORMAL | AP21(3);       /* RO at PL1 and PL0 */
    l3a[5] = PA_CODE | D_PAGE | NORMAL | AP21(1) | D_XN;
    l3a[6] = PA_CODE | D_PAGE | NORMAL | AP21(1);
    l3a[7] = 0x40407000 | 0x1 | NORMAL | AP21(1);          /* 0b01 at level 3: invalid */
    l3b[0] = 0x40405000 | D_PAGE | NORMAL | AP21(1);
    l3c[0] = PA_CODE | D_PAGE | NORMAL | AP21(1);
    sync_tables();
}

static void marks(void)
{
    for (u32 p = SCRATCH_PA; p < SCRATCH_PA + 0x300000; p += 0x1000) {
        wr32(p, p);
        wr32(p + 0x100, p + 0x100);
    }
    dsb();
}

int main(void)
{
    rt_puts("mmu_lpae\n");
    marks();
    rt_copy_code(PA_CODE, rt_ret42, 8);
    /* The exec blocks map 0x40600000-0x407fffff: the code is at offset
     * 0x100000 of them. */
    build();

    MCR(0, c10, c2, 0, MAIR0_VAL);
    MCR(0, c10, c2, 1, MAIR1_VAL);
    MCR(0, c3, c0, 0, 0x55555555);          /* DACR: ignored with EAE = 1 */
    MCRR(0, c2, (u32)l1);                   /* TTBR0, ASID 0 */
    MCRR(1, c2, (u32)l1_t1);                /* TTBR1 */
    set_ttbcr(1u << 31);                    /* EAE, T0SZ = T1SZ = 0 */
    set_sctlr(get_sctlr() | SCTLR_M);
    check_yes("mmu on", get_sctlr() & SCTLR_M, 1);
    check("ttbcr", MRC(0, c2, c0, 2), 0x80000000);
    check("mair0", MRC(0, c10, c2, 0), MAIR0_VAL);
    check("mair1", MRC(0, c10, c2, 1), MAIR1_VAL);
    check_yes("ttbr0 (64-bit) reads back", MRRC(0, c2) == (u64)(u32)l1, 1);

    rt_puts("-- blocks and pages\n");
    check("1 GiB block 0xc0400100", rd32(0xc0400100), 0x40400100);
    check("1 GiB block 0x40400100 (identity)", rd32(0x40400100), 0x40400100);
    check("2 MiB block 0x80000100", rd32(0x80000100), 0x40400100);
    check("2 MiB block 0x801ff000", rd32(0x801ff000), 0x405ff000);
    check("4 KiB page 0x80200100", rd32(0x80200100), 0x40402100);
    check("4 KiB page 0x80201000", rd32(0x80201000), 0x40401000);
    wr32(0x80200104, 0xabcd0002);
    check("write via page", rd32(0x40402104), 0xabcd0002);

    rt_puts("-- t0sz/t1sz\n");
    /* T0SZ = 2, T1SZ = 0: TTBR0 = 0-1 GiB, walk from level 2 (l2_low);
     * TTBR1 = the rest, from level 1. */
    l1_t1[1] = 0x40000000 | D_BLOCK | NORMAL | AP21(1);
    l1_t1[2] = 0x40000000 | D_BLOCK | NORMAL | AP21(1);
    sync_tables();
    MCRR(0, c2, (u32)l2_low);
    set_ttbcr((1u << 31) | 2);
    check("t0sz=2: 0x80600100 via ttbr1", rd32(0x80600100), 0x40600100);
    check("t0sz=2: code at 0x401xxxxx via ttbr1", rd32(0x40400100), 0x40400100);
    check("t0sz=2: uart fr via ttbr0", rd32(UART_BASE + 0x18) & 0x80, 0x80);
    acc("t0sz=2: 0xc0000000 via ttbr1 (invalid)", 'r', 0xc0000000, 0, 0x205);
    /* T0SZ = 1, T1SZ = 1: 2 GiB each, both from level 1 (2 entries). */
    l1_t1c[0] = 0x40000000 | D_BLOCK | NORMAL | AP21(1);    /* 0x80000000 */
    sync_tables();
    MCRR(0, c2, (u32)l1);
    MCRR(1, c2, (u32)l1_t1c);
    set_ttbcr((1u << 31) | (1u << 16) | 1);
    check("t0sz=1,t1sz=1: 0x80600100 via ttbr1", rd32(0x80600100), 0x40600100);
    check("t0sz=1,t1sz=1: 0x40400100 via ttbr0", rd32(0x40400100), 0x40400100);
    acc("level 1 translation fault", 'r', 0xc0000010, 0, 0x205);
    acc("level 1 translation fault, write", 'w', 0xc0000010, 0, 0xa05);
    l1_t1c[1] = 0x40000000 | D_BLOCK | ATTRIDX(0) | AP21(1); /* AF = 0 */
    sync_tables();
    acc("level 1 access flag fault", 'r', 0xc0000010, 0, 0x209);
    l1_t1c[1] = 0x40000000 | D_BLOCK | NORMAL | AP21(3);      /* read-only */
    sync_tables();
    acc("level 1 permission fault, write", 'w', 0xc0400010, 0, 0xa0d);
    acc("level 1 read-only block, read", 'r', 0xc0400100, 0, 0);
    /* T0SZ = 1, T1SZ = 2: TTBR1 = the top 1 GiB, from level 2; the third
     * GiB is in neither region. */
    l2_hi[2] = 0x40400000 | D_BLOCK | NORMAL | AP21(1);     /* 0xc0400000 */
    sync_tables();
    MCRR(1, c2, (u32)l2_hi);
    set_ttbcr((1u << 31) | (2u << 16) | 1);
    check("t1sz=2: 0xc0400100 via ttbr1 level 2", rd32(0xc0400100), 0x40400100);
    acc("t0sz=1,t1sz=2: gap at 0x80000000", 'r', 0x80000010, 0, 0x205);
    check("ttbcr t0sz=1 t1sz=2", MRC(0, c2, c0, 2), 0x80020001);
    MCRR(1, c2, (u32)l1_t1);
    set_ttbcr(1u << 31);

    rt_puts("-- faults by level\n");
    acc("level 2 translation fault", 'r', 0x80600010, 0, 0x206);
    acc("level 2 translation fault, write", 'w', 0x80600010, 0, 0xa06);
    acc("level 3 translation fault", 'r', 0x80202010, 0, 0x207);
    acc("level 3 descriptor 0b01 (invalid)", 'r', 0x80207010, 0, 0x207);
    acc("level 2 access flag fault", 'r', 0x80400010, 0, 0x20a);
    acc("level 2 access flag fault, write", 'w', 0x80400010, 0, 0xa0a);
    acc("level 3 access flag fault", 'r', 0x80203010, 0, 0x20b);
    acc("level 2 access flag fault, pl0", 'r', 0x80400010, 1, 0x20a);
    acc("level 2 ap=10 (pl1 ro) write", 'w', 0x80800010, 0, 0xa0e);
    acc("level 2 ap=10 (pl1 ro) read", 'r', 0x80800010, 0, 0);
    acc("level 2 ap=10 (pl1 ro) pl0 read", 'r', 0x80800010, 1, 0x20e);
    acc("level 2 ap=00 (pl1 rw) pl0 read", 'r', 0x81800010, 1, 0x20e);
    acc("level 2 ap=00 (pl1 rw) pl1 write", 'w', 0x81800010, 0, 0);
    acc("level 3 ap=11 (ro) write", 'w', 0x80204010, 0, 0xa0f);
    acc("level 3 ap=11 (ro) pl0 write", 'w', 0x80204010, 1, 0xa0f);
    acc("level 3 ap=11 (ro) pl0 read", 'r', 0x80204010, 1, 0);
    acc("level 1 ap=01 (rw) pl0 write", 'w', 0x40400200, 1, 0);

    rt_puts("-- hierarchical attributes\n");
    acc("aptable=01 (no pl0): pl1 read", 'r', 0x80e00010, 0, 0);
    acc("aptable=01 (no pl0): pl0 read", 'r', 0x80e00010, 1, 0x20f);
    acc("aptable=10 (no write): pl1 read", 'r', 0x81000010, 0, 0);
    acc("aptable=10 (no write): pl1 write", 'w', 0x81000010, 0, 0xa0f);
    acc("aptable=10 (no write): pl0 write", 'w', 0x81000010, 1, 0xa0f);
    acc("exec 2 MiB block", 'x', 0x81f00000, 0, 0);
    check("exec 2 MiB block result", rt_probe_val, 42);
    acc("exec 2 MiB block xn", 'x', 0x80b00000, 0, 0x20e);
    acc("exec 2 MiB block pxn, pl1", 'x', 0x80d00000, 0, 0x20e);
    acc("exec 2 MiB block pxn, pl0", 'x', 0x80d00000, 1, 0);
    check("exec 2 MiB block pxn, pl0 result", rt_probe_val, 42);
    acc("exec page", 'x', 0x80206000, 0, 0);
    check("exec page result", rt_probe_val, 42);
    acc("exec page xn", 'x', 0x80205000, 0, 0x20f);
    acc("exec xntable page", 'x', 0x81200000, 0, 0x20f);
    acc("exec xntable page, pl0", 'x', 0x81200000, 1, 0x20f);
    acc("exec pxntable page, pl1", 'x', 0x81400000, 0, 0x20f);
    acc("exec pxntable page, pl0", 'x', 0x81400000, 1, 0);
    acc("exec level 3 translation fault", 'x', 0x80202000, 0, 0x207);
    acc("exec level 2 access flag fault", 'x', 0x80400000, 0, 0x20a);

    rt_puts("-- other status codes\n");
    set_sctlr(get_sctlr() | SCTLR_A);
    acc("alignment fault", 'r', 0x80000101, 0, 0x221);
    acc("alignment fault, write", 'w', 0x80000102, 0, 0xa21);
    set_sctlr(get_sctlr() & ~SCTLR_A);
    {
        u32 n = rt_count[EXC_PABT];
        __asm__ volatile("bkpt #0x5" ::: "memory");
        check("bkpt: prefetch aborts", rt_count[EXC_PABT] - n, 1);
        check("bkpt ifsr", rt_last.ifsr & IFSR_MASK, 0x222);
    }
    acc("external abort, load", 'r', 0x81a00010, 0, 0x210);
    acc("external abort on level 3 walk", 'r', 0x81c00010, 0, 0x217);

    rt_puts("-- ats1c** and the 64-bit par\n");
    {
        u32 n = rt_exc_count;
        par("ats1cpr 1 GiB block", 0, 0xc0400123, 0x4400000040400800ull);
        par("ats1cpr 2 MiB block", 0, 0x80012345, 0x4400000040412800ull);
        par("ats1cpr page", 0, 0x80201abc, 0x4400000040401800ull);
        par("ats1cpr device attr", 0, 0x81600000, 0x0000000040400800ull);
        par("ats1cpw pl1 ro block", 1, 0x80800000, 0x81d);
        par("ats1cpr pl1 ro block", 0, 0x80800000, 0x4400000040400800ull);
        par("ats1cur pl1-only block", 2, 0x81800000, 0x81d);
        par("ats1cuw ro page", 3, 0x80204000, 0x81f);
        par("ats1cur aptable=01", 2, 0x80e00000, 0x81f);
        par("ats1cpr level 3 translation", 0, 0x80202000, 0x80f);
        par("ats1cpr level 2 translation", 0, 0x80600000, 0x80d);
        par("ats1cpr level 2 access flag", 0, 0x80400000, 0x815);
        check("ats: no exceptions", rt_exc_count - n, 0);
    }

    set_sctlr(get_sctlr() & ~SCTLR_M);
    set_ttbcr(0);
    rt_finish();
}
