/* mmu_short: the VMSAv7 short-descriptor translation table format (ARM ARM
 * DDI 0406C B3.5), its permissions (B3.7), its faults (B3.12, B3.13) and the
 * VA to PA translation operations (ATS1C**, with the PAR in B4.1).
 *
 * Layout: RAM identity-mapped by 1 MiB sections (rt_l1_identity); test
 * mappings in 0x80000000-0x81ffffff; scratch physical pages from 0x40400000
 * whose words at offsets 0 and 0x100 hold their own physical address, so a
 * read through a mapping shows which page it reached.
 *
 * Fault status values are compared as DFSR[13:9,3:0] (CM, ExT, WnR, FS[4],
 * bit 9 = 0 in this format, FS[3:0]) and IFSR[12,10:9,3:0]: bits [31:14] and
 * [8] are UNK/SBZP, and DFSR.Domain is deprecated and UNKNOWN for permission
 * faults (B4.1 DFSR), so it is checked only for domain faults, where the
 * faulting domain is the point.
 *
 * Expected fault status codes (B3.13, short-descriptor format): alignment
 * 0b00001, translation section 0b00101 / page 0b00111, access flag section
 * 0b00011 / page 0b00110, domain section 0b01001 / page 0b01011, permission
 * section 0b01101 / page 0b01111, synchronous external abort 0b01000, on a
 * translation table walk: first level 0b01100, second level 0b01110; WnR
 * (bit 11) on writes. Prioritization (B3.12 "Prioritization of aborts"):
 * alignment before any MMU fault. Alignment (A3.2 "Alignment support"; the
 * MemA pseudocode, SCTLR.U = 1 in ARMv7): LDREX/STREX/LDREXH/LDREXD,
 * LDRD/STRD, LDM/STM always check (word, halfword, doubleword for LDREXD,
 * word for LDRD/LDM); LDR/LDRH/STR check only with SCTLR.A = 1. LDRD with
 * SCTLR.A = 1 at a word-aligned address is two word accesses and does not
 * fault. An unaligned STREX is not tested: ExclusiveMonitorsPass() lets an
 * implementation fail the local monitor check before it detects the abort
 * ("It is IMPLEMENTATION DEFINED whether the detection of memory aborts
 * happens before or after the check on the local Exclusive Monitor"), and
 * QEMU does exactly that (the STREX just fails). PXN in a level-1 page table
 * descriptor: the walk's permission check for a page runs with level 2
 * (TranslationTableWalkSD), so the fault is "permission, page".
 *
 * External abort: a load through a mapping of physical 0x0b000000, where the
 * virt board decodes nothing. The ARM ARM leaves it to the system whether
 * such an access returns an error and whether the abort is synchronous
 * (B3.12 "External aborts"); QEMU 7.2 (and rsemu) give a synchronous
 * external abort, DECERR (DFSR.ExT = 0 as the Cortex-A15 TRM classifies
 * DECERR), with DFAR valid, on loads, on instruction fetches and on table
 * walks. Stores are not tested: a Cortex-A15 may report them asynchronously.
 *
 * QEMU 7.2 agrees with every expectation here.
 */
#include "rt.h"

/* mmu_short_asm.S: one access each, address in r0, value in r1. */
typedef u32 probe_fn(u32 addr, u32 val);
probe_fn al_ldr, al_str, al_ldrh, al_ldrb, al_strh, al_ldrex, al_ldrexh;
probe_fn al_ldrexd, al_ldrd, al_ldm, al_stm, al_ldrt, al_strt;

#define DFSR_MASK 0x3e0fu
#define IFSR_MASK 0x160fu

/* Small page (B3.5 "Short-descriptor translation table format descriptors"): [31:12] base, nG 11, S 10, AP[2] 9, TEX 8:6,
 * AP[1:0] 5:4, C 3, B 2, 1, XN 0. TEX=001: Normal non-cacheable. */
#define SMALL(pa, ap, xn) ((u32)(pa) | 0x2u | (((u32)(ap) & 3) << 4) | ((((u32)(ap) >> 2) & 1) << 9) | (1u << 6) | (xn))
/* Large page: [31:16] base, XN 15, TEX 14:12, nG 11, S 10, AP[2] 9,
 * AP[1:0] 5:4, C 3, B 2, 0b01. */
#define LARGE(pa, ap) ((u32)(pa) | 0x1u | (((u32)(ap) & 3) << 4) | ((((u32)(ap) >> 2) & 1) << 9) | (1u << 12))
/* Level-1 page table descriptor: [31:10] base, domain 8:5, PXN 2, 0b01. */
#define PTD(l2, dom) ((u32)(l2) | 0x1u | ((u32)(dom) << 5))
#define PTD_PXN (1u << 2)
#define SECT(pa, ap) ((u32)(pa) | SD_SECTION | SD_NORMAL | SD_AP(ap))

static u32 l1[4096] __attribute__((aligned(16384)));
static u32 l1b[4096] __attribute__((aligned(16384)));
static u32 l2a[256] __attribute__((aligned(1024)));
static u32 l2b[256] __attribute__((aligned(1024)));
static u32 l2c[256] __attribute__((aligned(1024)));

#define PA_CODE 0x40700000u     /* a copy of MOV r0, #42; BX lr */

static void set_l1(u32 va, u32 desc)
{
    l1[va >> 20] = desc;
    dsb();
    tlbi_all();
}

static void sync_tlb(void)
{
    dsb();
    tlbi_all();
}

static void set_dacr(u32 v)
{
    MCR(0, c3, c0, 0, v);
    isb();
}

/* Check one access: "ok", or the fault status and address. want = 0: must
 * complete; else the masked FSR, and FAR must be the address. */
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

/* An access by one of the al_* probes: 0 if it completed, else the
 * masked DFSR (and DFAR must be the address). */
static void al(const char *name, probe_fn *fn, u32 addr, u32 want)
{
    want = rt_expect(want);
    u32 n = rt_count[EXC_DABT];
    fn(addr, 0x12345678);
    u32 f = rt_count[EXC_DABT] != n ? rt_last.dfsr & DFSR_MASK : 0;
    int good;
    if (!f) {
        rt_printf("%s: ok", name);
        good = want == 0;
    } else {
        rt_printf("%s: fsr %03x far %08x", name, f, rt_last.dfar);
        good = f == want && rt_last.dfar == addr;
    }
    if (!good) {
        rt_printf(want ? "  MISMATCH want fsr %03x" : "  MISMATCH want ok", want);
        rt_fail_note(name);
    }
    rt_putc('\n');
}

static u32 ats(int op, u32 va)
{
    switch (op) {
    case 0: MCR(0, c7, c8, 0, va); break;   /* ATS1CPR */
    case 1: MCR(0, c7, c8, 1, va); break;   /* ATS1CPW */
    case 2: MCR(0, c7, c8, 2, va); break;   /* ATS1CUR */
    default: MCR(0, c7, c8, 3, va); break;  /* ATS1CUW */
    }
    isb();
    return MRC(0, c7, c4, 0);
}

/* PAR, short-descriptor format (B4.1 PAR): success: PA[31:12] (or with
 * SS = 1, PA[31:24]), LPAE (11) = 0, SS (1), F (0) = 0; the memory
 * attribute fields NOS/NS/SH/Inner/Outer are not compared. Fault: F = 1,
 * FS[5:0] in [6:1] = DFSR bits {12, 10, 3:0}, LPAE = 0. */
static void par(const char *name, int op, u32 va, u32 want)
{
    want = rt_expect(want);
    u32 v = ats(op, va);
    u32 mask = (v & 1) ? 0x87fu : (v & 2) ? 0xff000803u : 0xfffff803u;
    check(name, v & mask, want);
}

/* (Re)write the scratch markers: a page's own address at 0 and 0x100. */
static void marks(void)
{
    for (u32 p = SCRATCH_PA; p < SCRATCH_PA + 0x300000; p += 0x1000) {
        wr32(p, p);
        wr32(p + 0x100, p + 0x100);
    }
    wr32(0x40415678, 0x40415678);
    wr32(0x41234568, 0x41234568);
    wr32(0x41fff100, 0x41fff100);
    wr32(0x40400104, 0x11223344);
    dsb();
}

static int xn_retry_hook(struct rt_frame *f)
{
    /* Prefetch Abort on the XN page: clear XN, invalidate, retry the
     * fetch (preferred return = LR - 4). */
    if (f->type != EXC_PABT || (rt_last.ifsr & IFSR_MASK) != 0x00f || rt_last.ifar != 0x80104000)
        return 0;
    l2a[4] &= ~1u;
    dsb();
    MCR(0, c8, c7, 1, 0x80104000);          /* TLBIMVA, ASID 0 */
    dsb();
    isb();
    f->pc -= 4;
    return 1;
}

static int af_retry_hook(struct rt_frame *f)
{
    /* Access flag fault: set AP[0] (the AF) in the descriptor, invalidate
     * the VA and retry the access. */
    u32 fs = (rt_last.dfsr & 0xf) | ((rt_last.dfsr >> 6) & 0x10);
    if (f->type != EXC_DABT || (fs != 0x03 && fs != 0x06))
        return 0;
    u32 va = rt_last.dfar;
    if (fs == 0x03) {
        l1[va >> 20] |= 1u << 10;
    } else {
        l2a[(va >> 12) & 0xff] |= 1u << 4;
    }
    dsb();
    MCR(0, c8, c7, 1, va & ~0xfffu);        /* TLBIMVA, ASID 0 */
    dsb();
    isb();
    f->pc -= 8;
    return 1;
}

int main(void)
{
    rt_puts("mmu_short\n");

    marks();
    rt_copy_code(PA_CODE, rt_ret42, 8);

    rt_l1_identity(l1);
    for (int i = 0; i < 256; i++)
        l2a[i] = l2b[i] = l2c[i] = 0;
    /* 0x80000000: section -> 0x40400000 */
    l1[0x800] = SECT(0x40400000, 3);
    /* 0x81000000: supersection -> 0x41000000 (16 identical entries) */
    for (int i = 0; i < 16; i++)
        l1[0x810 + i] = 0x41000000 | SD_SECTION | SD_SUPER | SD_NORMAL | SD_AP(3);
    /* 0x80100000: level-2 table l2a, domain 0 */
    l1[0x801] = PTD(l2a, 0);
    l2a[0] = SMALL(0x40402000, 3, 0);
    l2a[1] = SMALL(0x40401000, 3, 0);
    /* l2a[2] = 0: translation fault, page */
    l2a[4] = SMALL(PA_CODE, 3, 1);          /* XN page */
    l2a[5] = SMALL(PA_CODE, 3, 0);
    for (int i = 0x10; i < 0x20; i++)
        l2a[i] = LARGE(0x40410000, 3);      /* 64 KiB page at 0x80110000 */
    /* Executable sections */
    l1[0x806] = SECT(PA_CODE, 3) | SD_XN;
    l1[0x807] = SECT(PA_CODE, 3);
    l1[0x808] = SECT(PA_CODE, 3) | SD_PXN;
    l1[0x809] = PTD(l2c, 0) | PTD_PXN;
    l2c[0] = SMALL(PA_CODE, 3, 0);
    dsb();
    rt_mmu_on(l1);
    check_yes("mmu on", get_sctlr() & SCTLR_M, 1);

    /* ---- mappings ---- */
    rt_puts("-- mappings\n");
    check("section 0x80000100", rd32(0x80000100), 0x40400100);
    check("section 0x800ff000", rd32(0x800ff000), 0x404ff000);
    check("supersection 0x81234568", rd32(0x81234568), 0x41234568);
    check("supersection 0x81fff100", rd32(0x81fff100), 0x41fff100);
    check("small page 0x80100100", rd32(0x80100100), 0x40402100);
    check("small page 0x80101000", rd32(0x80101000), 0x40401000);
    check("large page 0x80115678", rd32(0x80115678), 0x40415678);
    check("large page 0x8011f100", rd32(0x8011f100), 0x4041f100);
    wr32(0x80100104, 0xabcd0001);
    check("write via small page", rd32(0x40402104), 0xabcd0001);

    /* ---- TTBCR.N and TTBR1 ---- */
    rt_puts("-- ttbcr.n\n");
    for (int i = 0; i < 4096; i++)
        l1b[i] = l1[i];
    l1b[0x800] = SECT(0x40500000, 3);       /* differs from TTBR0's table */
    l1b[0x404] = SECT(0x40500000, 3);
    dsb();
    MCR(0, c2, c0, 1, (u32)l1b);            /* TTBR1 */
    MCR(0, c2, c0, 2, 1);                   /* N = 1: TTBR1 from 0x80000000 */
    isb();
    tlbi_all();
    check("ttbcr", MRC(0, c2, c0, 2), 1);
    check("n=1: 0x80000100 via ttbr1", rd32(0x80000100), 0x40500100);
    check("n=1: 0x40400100 via ttbr0", rd32(0x40400100), 0x40400100);
    MCR(0, c2, c0, 2, 2);                   /* N = 2: TTBR1 from 0x40000000 */
    isb();
    tlbi_all();
    check("n=2: 0x40400100 via ttbr1", rd32(0x40400100), 0x40500100);
    check("n=2: 0x80000100 via ttbr1", rd32(0x80000100), 0x40500100);
    check("n=2: uart fr via ttbr0", rd32(UART_BASE + 0x18) & 0x80, 0x80);
    MCR(0, c2, c0, 2, 0);
    isb();
    tlbi_all();
    check("n=0: 0x80000100 via ttbr0", rd32(0x80000100), 0x40400100);
    check("n=0: 0x40400100 via ttbr0", rd32(0x40400100), 0x40400100);

    /* ---- AP permissions (SCTLR.AFE = 0), PL1 and PL0 ---- */
    rt_puts("-- access permissions\n");
    {
        /* AP[2:0] -> PL1 / PL0 access (B3.7, the access permissions table). */
        static const u32 aps[7] = { 0, 1, 2, 3, 5, 6, 7 };
        static const char *const desc[7] = {
            "000 (none/none)", "001 (rw/none)", "010 (rw/ro)", "011 (rw/rw)",
            "101 (ro/none)", "110 (ro/ro)", "111 (ro/ro)",
        };
        static const char *const what[4] = { " pl1 read", " pl1 write", " pl0 read", " pl0 write" };
        /* allow[i] = {pl1 r, pl1 w, pl0 r, pl0 w}: 1 = allowed */
        static const u8 allow[7][4] = {
            { 0, 0, 0, 0 }, { 1, 1, 0, 0 }, { 1, 1, 1, 0 }, { 1, 1, 1, 1 },
            { 1, 0, 0, 0 }, { 1, 0, 1, 0 }, { 1, 0, 1, 0 },
        };
        for (int i = 0; i < 7; i++) {
            u32 va = 0x82000000 + ((u32)i << 20);
            set_l1(va, SECT(0x40400000, aps[i]));
            const char *p = cat("section ap=", desc[i]);
            for (int k = 0; k < 4; k++)
                acc(cat(p, what[k]), (k & 1) ? 'w' : 'r', va + 0x100, k >= 2,
                    allow[i][k] ? 0 : ((k & 1) ? 0x80d : 0x00d));
        }
        /* The same through small pages (permission fault, page). */
        for (int i = 0; i < 7; i++)
            l2a[0x20 + i] = SMALL(0x40404000, aps[i], 0);
        dsb();
        tlbi_all();
        for (int i = 0; i < 7; i++) {
            u32 va = 0x80120000 + ((u32)i << 12);
            const char *p = cat("page ap=", desc[i]);
            for (int k = 0; k < 4; k++)
                acc(cat(p, what[k]), (k & 1) ? 'w' : 'r', va + 0x100, k >= 2,
                    allow[i][k] ? 0 : ((k & 1) ? 0x80f : 0x00f));
        }
        /* LDRT/STRT at PL1 are checked as PL0 accesses (the LDRT/STRT pages in A8). */
        u32 n = rt_count[EXC_DABT];
        al("ldrt ap=001 (rw/none)", al_ldrt, 0x82100100, 0x00d);
        al("strt ap=010 (rw/ro)", al_strt, 0x82200100, 0x80d);
        al("ldrt ap=010 (rw/ro)", al_ldrt, 0x82200100, 0);
        al("strt ap=011 (rw/rw)", al_strt, 0x82300100, 0);
        check("ldrt/strt aborts", rt_count[EXC_DABT] - n, 2);
    }

    /* ---- XN and PXN ---- */
    rt_puts("-- execute never\n");
    acc("exec section", 'x', 0x80700000, 0, 0);
    check("exec section result", rt_probe_val, 42);
    acc("exec section xn pl1", 'x', 0x80600000, 0, 0x00d);
    acc("exec section xn pl0", 'x', 0x80600000, 1, 0x00d);
    acc("exec page", 'x', 0x80105000, 0, 0);
    acc("exec page xn pl1", 'x', 0x80104000, 0, 0x00f);
    acc("exec section pxn pl1", 'x', 0x80800000, 0, 0x00d);
    acc("exec section pxn pl0", 'x', 0x80800000, 1, 0);
    check("exec section pxn pl0 result", rt_probe_val, 42);
    acc("exec table pxn pl1", 'x', 0x80900000, 0, 0x00f);
    acc("exec table pxn pl0", 'x', 0x80900000, 1, 0);
    /* Instruction fetches need read permission (B3.7). */
    set_l1(0x80a00000, SECT(PA_CODE, 1));
    acc("exec ap=001 pl0", 'x', 0x80a00000, 1, 0x00d);
    acc("exec ap=001 pl1", 'x', 0x80a00000, 0, 0);
    {
        u32 n = rt_count[EXC_PABT];
        rt_hook = xn_retry_hook;
        u32 v = rt_exec(0x80104000);
        rt_hook = 0;
        check("xn page, handler clears xn and retries: result", v, 42);
        check("xn page retry: prefetch aborts", rt_count[EXC_PABT] - n, 1);
        check("xn page retry: lr - 4 was the fetch", rt_last.lr - 4, 0x80104000);
        l2a[4] |= 1;                         /* XN again */
        sync_tlb();
    }
    acc("exec unmapped section", 'x', 0x90000000, 0, 0x005);
    acc("exec unmapped page", 'x', 0x80102000, 0, 0x007);

    /* ---- translation faults ---- */
    rt_puts("-- translation faults\n");
    acc("read unmapped section", 'r', 0x90000010, 0, 0x005);
    acc("write unmapped section", 'w', 0x90000010, 0, 0x805);
    acc("read unmapped page", 'r', 0x80102010, 0, 0x007);
    acc("write unmapped page", 'w', 0x80102010, 0, 0x807);
    acc("pl0 read unmapped section", 'r', 0x90000010, 1, 0x005);

    /* ---- domains ---- */
    rt_puts("-- domains\n");
    set_l1(0x80300000, SECT(0x40400000, 5) | SD_DOMAIN(5));      /* AP=101: PL1 read-only */
    l1[0x804] = PTD(l2b, 6);
    l2b[0] = SMALL(0x40405000, 5, 0);
    dsb();
    tlbi_all();
    set_dacr(0x1);                          /* D5, D6 no access */
    acc("domain 5 no access: section read", 'r', 0x80300100, 0, 0x009);
    check("  dfsr.domain", (rt_last.dfsr >> 4) & 0xf, 5);
    acc("domain 5 no access: section write", 'w', 0x80300100, 0, 0x809);
    acc("domain 6 no access: page read", 'r', 0x80400100, 0, 0x00b);
    check("  dfsr.domain", (rt_last.dfsr >> 4) & 0xf, 6);
    acc("domain 6 no access: pl0 page read", 'r', 0x80400100, 1, 0x00b);
    set_dacr(0x1 | (1u << 10) | (1u << 12));      /* D5, D6 client */
    acc("domain 5 client: section read", 'r', 0x80300100, 0, 0);
    acc("domain 5 client: section write (ap ro)", 'w', 0x80300100, 0, 0x80d);
    acc("domain 6 client: page write (ap ro)", 'w', 0x80400100, 0, 0x80f);
    set_dacr(0x1 | (3u << 10) | (3u << 12));      /* D5, D6 manager */
    acc("domain 5 manager: section write", 'w', 0x80300100, 0, 0);
    acc("domain 5 manager: pl0 write", 'w', 0x80300100, 1, 0);
    acc("domain 6 manager: page write", 'w', 0x80400100, 0, 0);
    check("manager write landed", rd32(0x40405100), 0x5555aaaa);
    check("dacr", MRC(0, c3, c0, 0), 0x00003c01);
    set_dacr(0x1);

    /* ---- access flag (SCTLR.AFE = 1) ---- */
    rt_puts("-- access flag\n");
    marks();
    set_sctlr(get_sctlr() | SCTLR_AFE);
    tlbi_all();
    /* AFE = 1: AP[2:1] = 01 (read/write at any PL), AP[0] = AF. */
    set_l1(0x80200000, SECT(0x40400000, 2));     /* AP = 010: AF = 0 */
    l2a[3] = SMALL(0x40403000, 2, 0);
    dsb();
    tlbi_all();
    acc("af=0 section read", 'r', 0x80200100, 0, 0x003);
    acc("af=0 section write", 'w', 0x80200100, 0, 0x803);
    acc("af=0 section pl0 read", 'r', 0x80200100, 1, 0x003);
    acc("af=0 page read", 'r', 0x80103100, 0, 0x006);
    acc("af=0 page write", 'w', 0x80103100, 0, 0x806);
    set_l1(0x80f00000, SECT(PA_CODE, 2));
    acc("af=0 section exec", 'x', 0x80f00000, 0, 0x003);
    /* AFE = 1, AP[2:1] = 11: read-only at PL1 and PL0; 10: PL1 read-only. */
    set_l1(0x80b00000, SECT(0x40400000, 7));
    acc("afe ap[2:1]=11 pl1 write", 'w', 0x80b00100, 0, 0x80d);
    acc("afe ap[2:1]=11 pl0 read", 'r', 0x80b00100, 1, 0);
    set_l1(0x80b00000, SECT(0x40400000, 5));
    acc("afe ap[2:1]=10 pl0 read", 'r', 0x80b00100, 1, 0x00d);
    acc("afe ap[2:1]=10 pl1 read", 'r', 0x80b00100, 0, 0);
    /* Retry: the handler sets the AF and returns to the load. */
    rt_hook = af_retry_hook;
    {
        u32 n = rt_count[EXC_DABT];
        check("af retry section read", rt_ldr(0x80200100), 0x40400100);
        check("af retry page read", rt_ldr(0x80103100), 0x40403100);
        check("af retry aborts", rt_count[EXC_DABT] - n, 2);
        check("af now set: no abort", rt_ldr(0x80200100), 0x40400100);
        check("af retry aborts after", rt_count[EXC_DABT] - n, 2);
    }
    rt_hook = 0;
    set_sctlr(get_sctlr() & ~SCTLR_AFE);
    tlbi_all();

    /* ---- nG, ASIDs and TLB maintenance ---- */
    rt_puts("-- asid and tlb maintenance\n");
    marks();
    MCR(0, c13, c0, 1, 0x00000101);          /* PROCID 1, ASID 1 */
    isb();
    set_l1(0x80c00000, SECT(0x40400000, 3) | SD_NG);
    check("asid 1: ng section", rd32(0x80c00100), 0x40400100);
    l1[0x80c] = SECT(0x40500000, 3) | SD_NG;
    dsb();
    MCR(0, c8, c7, 2, 1);                    /* TLBIASID 1 */
    dsb();
    isb();
    check("after tlbiasid 1", rd32(0x80c00100), 0x40500100);
    l1[0x80c] = SECT(0x40600000, 3) | SD_NG;
    dsb();
    MCR(0, c8, c7, 1, 0x80c00000 | 1);       /* TLBIMVA, ASID 1 */
    dsb();
    isb();
    check("after tlbimva asid 1", rd32(0x80c00100), 0x40600100);
    MCR(0, c13, c0, 1, 0x00000202);          /* ASID 2 */
    isb();
    check("asid 2: ng section", rd32(0x80c00100), 0x40600100);
    l1[0x80c] = SECT(0x40400000, 3) | SD_NG;
    dsb();
    MCR(0, c8, c7, 3, 0x80c00000);           /* TLBIMVAA */
    dsb();
    isb();
    check("after tlbimvaa", rd32(0x80c00100), 0x40400100);
    /* A global entry is invalidated by TLBIMVA whatever the ASID. */
    set_l1(0x80d00000, SECT(0x40400000, 3));
    check("global section", rd32(0x80d00100), 0x40400100);
    l1[0x80d] = SECT(0x40500000, 3);
    dsb();
    MCR(0, c8, c7, 1, 0x80d00000 | 7);       /* TLBIMVA, ASID 7 */
    dsb();
    isb();
    check("global after tlbimva asid 7", rd32(0x80d00100), 0x40500100);
    l1[0x80d] = SECT(0x40600000, 3);
    dsb();
    MCR(0, c8, c3, 0, 0);                    /* TLBIALLIS */
    dsb();
    isb();
    check("global after tlbiallis", rd32(0x80d00100), 0x40600100);
    check("contextidr", MRC(0, c13, c0, 1), 0x00000202);
    MCR(0, c13, c0, 1, 0);
    isb();
    tlbi_all();

    /* ---- address translation operations ---- */
    rt_puts("-- ats1c**\n");
    {
        u32 n = rt_exc_count;
        par("ats1cpr section", 0, 0x80001234, 0x40401000);
        par("ats1cpr small page", 0, 0x80100abc, 0x40402000);
        par("ats1cpr large page", 0, 0x8011a000, 0x4041a000);
        par("ats1cpr supersection", 0, 0x81234568, 0x41000002);
        set_l1(0x80c00000, SECT(0x40400000, 2));
        par("ats1cur ap=010 (rw/ro)", 2, 0x80c00010, 0x40400000);
        par("ats1cuw ap=010 (rw/ro)", 3, 0x80c00010, 0x01b);
        par("ats1cur ap=001 (rw/none)", 2, 0x82100010, 0x01b);
        par("ats1cpw ap=101 (ro/none)", 1, 0x82400010, 0x01b);
        par("ats1cpr ap=101 (ro/none)", 0, 0x82400010, 0x40400000);
        par("ats1cpr unmapped section", 0, 0x90000000, 0x00b);
        par("ats1cpr unmapped page", 0, 0x80102000, 0x00f);
        par("ats1cpw page ap=111", 1, 0x80126000, 0x01f);
        set_dacr(0x1);
        par("ats1cpr domain fault", 0, 0x80300010, 0x013);
        check("ats: no exceptions", rt_exc_count - n, 0);
    }

    /* ---- alignment ---- */
    rt_puts("-- alignment\n");
    marks();
    {
        u32 b = 0x80000000;                  /* section -> 0x40400000 */
        set_sctlr(get_sctlr() | SCTLR_A);
        al("a=1 ldr +1", al_ldr, b + 1, 0x001);
        al("a=1 str +2", al_str, b + 2, 0x801);
        al("a=1 ldrh +1", al_ldrh, b + 1, 0x001);
        al("a=1 strh +3", al_strh, b + 3, 0x801);
        al("a=1 ldrb +3", al_ldrb, b + 3, 0);
        al("a=1 ldr +1 unmapped (alignment first)", al_ldr, 0x90000001, 0x001);
        al("a=1 ldrd +4", al_ldrd, b + 4, 0);
        al("a=1 ldm +4", al_ldm, b + 4, 0);
        set_sctlr(get_sctlr() & ~SCTLR_A);
        al("a=0 ldr +1", al_ldr, b + 1, 0);
        check("a=0 ldr +0x101 value", al_ldr(b + 0x101, 0), 0x44404001);
        al("a=0 ldrh +1", al_ldrh, b + 1, 0);
        al("a=0 ldrex +2", al_ldrex, b + 2, 0x001);
        al("a=0 ldrexh +1", al_ldrexh, b + 1, 0x001);
        al("a=0 ldrexd +4", al_ldrexd, b + 4, 0x001);
        al("a=0 ldrd +2", al_ldrd, b + 2, 0x001);
        al("a=0 ldrd +4", al_ldrd, b + 4, 0);
        al("a=0 ldm +2", al_ldm, b + 2, 0x001);
        al("a=0 stm +2", al_stm, b + 0x202, 0x801);
        al("a=0 ldrex +0", al_ldrex, b + 0, 0);
    }

    /* ---- external aborts ---- */
    rt_puts("-- external aborts\n");
    set_l1(0x80e00000, 0x0b000000 | SD_SECTION | SD_DEVICE | SD_AP(3) | SD_XN);
    acc("load from nothing (section to pa 0b000000)", 'r', 0x80e00010, 0, 0x008);
    set_l1(0x80e00000, 0x0b000000 | SD_SECTION | SD_NORMAL | SD_AP(3));
    acc("fetch from nothing", 'x', 0x80e00010, 0, 0x008);
    set_l1(0x80e00000, PTD(0x0b000000, 0));
    acc("level-2 walk from nothing", 'r', 0x80e00010, 0, 0x00e);
    acc("level-2 walk from nothing, fetch", 'x', 0x80e00010, 0, 0x00e);
    MCR(0, c2, c0, 1, 0x0b000000);           /* TTBR1 -> nothing */
    MCR(0, c2, c0, 2, 1);
    isb();
    tlbi_all();
    acc("level-1 walk from nothing", 'r', 0x90000010, 0, 0x00c);
    MCR(0, c2, c0, 2, 0);
    isb();
    tlbi_all();

    rt_mmu_off();
    rt_finish();
}
