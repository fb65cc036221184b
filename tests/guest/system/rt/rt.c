/* C half of the system-mode test runtime: UART output, checks, exception
 * policy, probes. See rt.h. */
#include "rt.h"
#include <stdarg.h>

volatile struct rt_exc rt_last;
volatile u32 rt_exc_count;
volatile u32 rt_count[8];
rt_hook_t rt_hook, rt_irq_hook, rt_fiq_hook;
volatile u32 rt_resume;
u32 rt_failures;
static char first_failure[64];
static volatile u32 depth;
u32 rt_probe_far, rt_probe_val;

extern void rt_user_return(void);

/* ---- PL011 ---- */
#define UART_DR   (UART_BASE + 0x00)
#define UART_FR   (UART_BASE + 0x18)
#define UART_IBRD (UART_BASE + 0x24)
#define UART_FBRD (UART_BASE + 0x28)
#define UART_LCRH (UART_BASE + 0x2c)
#define UART_CR   (UART_BASE + 0x30)
#define UART_IMSC (UART_BASE + 0x38)
#define FR_TXFF   (1u << 5)

u32 rt_uart_boot[6];

void rt_init(void)
{
    /* What the UART held before this runtime touched it (the uart test
     * checks the reset values): CR, LCR_H, IBRD, FBRD, IMSC, IFLS. */
    rt_uart_boot[0] = rd32(UART_CR);
    rt_uart_boot[1] = rd32(UART_LCRH);
    rt_uart_boot[2] = rd32(UART_IBRD);
    rt_uart_boot[3] = rd32(UART_FBRD);
    rt_uart_boot[4] = rd32(UART_IMSC);
    rt_uart_boot[5] = rd32(UART_BASE + 0x34);
    /* Program the UART as a driver would: disable, 115200 8N1 (for the
     * 24 MHz UARTCLK of the virt board), FIFOs on, enable TX and RX. */
    wr32(UART_CR, 0);
    wr32(UART_IMSC, 0);
    wr32(UART_IBRD, 13);
    wr32(UART_FBRD, 1);
    wr32(UART_LCRH, (3u << 5) | (1u << 4));
    wr32(UART_CR, (1u << 9) | (1u << 8) | 1u);
}

void rt_putc(char c)
{
    while (rd32(UART_FR) & FR_TXFF)
        ;
    wr32(UART_DR, (u8)c);
}

void rt_puts(const char *s)
{
    while (*s)
        rt_putc(*s++);
}

static void put_num(u32 v, unsigned base, int width, char pad)
{
    char buf[12];
    int n = 0;
    do {
        u32 d = v % base;
        buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    while (n < width && n < 12)
        buf[n++] = pad;
    while (n)
        rt_putc(buf[--n]);
}

void rt_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            rt_putc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        switch (*fmt) {
        case 's': rt_puts(va_arg(ap, const char *)); break;
        case 'c': rt_putc((char)va_arg(ap, int)); break;
        case 'u': put_num(va_arg(ap, u32), 10, width, pad); break;
        case 'd': {
            s32 v = va_arg(ap, s32);
            if (v < 0) {
                rt_putc('-');
                v = -v;
            }
            put_num((u32)v, 10, width, pad);
            break;
        }
        case 'x': put_num(va_arg(ap, u32), 16, width, pad); break;
        case '%': rt_putc('%'); break;
        default: rt_putc('?'); break;
        }
    }
    va_end(ap);
}

/* ---- checks ---- */
void rt_fail_note(const char *name)
{
    if (!rt_failures++) {
        u32 i = 0;
        for (; name[i] && i < sizeof first_failure - 1; i++)
            first_failure[i] = name[i];
        first_failure[i] = 0;
    }
}

/* Build with -DRT_BREAK=N (scripts/build-system-guests.sh: EXTRA_CFLAGS)
 * to make the N-th comparison of a run expect a wrong value: that run must
 * then print FAIL. It proves each comparison can fail. */
#ifndef RT_BREAK
#define RT_BREAK 0
#endif
u32 rt_expect(u32 want)
{
    static u32 index;
    return ++index == RT_BREAK ? want ^ 1 : want;
}

void check(const char *name, u32 got, u32 want)
{
    want = rt_expect(want);
    rt_printf("%s: %08x", name, got);
    if (got != want) {
        rt_printf("  MISMATCH want %08x", want);
        rt_fail_note(name);
    }
    rt_putc('\n');
}

void check_yes(const char *name, u32 got, u32 want)
{
    want = rt_expect(want);
    rt_printf("%s: %s", name, got ? "yes" : "no");
    if (!got != !want) {
        rt_printf("  MISMATCH want %s", want ? "yes" : "no");
        rt_fail_note(name);
    }
    rt_putc('\n');
}

void rt_finish(void)
{
    if (rt_failures)
        rt_printf("FAIL %s\n", first_failure);
    else
        rt_puts("PASS\n");
    rt_system_off();
}

void rt_fatal(const char *why)
{
    rt_printf("FAIL %s\n", why);
    rt_system_off();
}

const char *cat(const char *a, const char *b)
{
    static char bufs[4][64];
    static u32 next;
    char t[64];
    u32 i = 0;
    for (; *a && i < 63; a++)
        t[i++] = *a;
    for (; *b && i < 63; b++)
        t[i++] = *b;
    t[i] = 0;
    char *d = bufs[next++ & 3];
    memcpy(d, t, i + 1);
    return d;
}

/* ---- exceptions ---- */
static const char *const exc_names[8] = {
    "reset", "undefined", "svc", "prefetch abort", "data abort", "hyp", "irq", "fiq",
};

/* Size of the T32 instruction whose first halfword is hw. */
static u32 t32_size(u16 hw)
{
    return (hw >> 11) >= 0x1d ? 4 : 2;
}

static int debug_event(u32 ifsr)
{
    if (MRC(0, c2, c0, 2) & (1u << 31))      /* TTBCR.EAE: long format */
        return (ifsr & 0x3f) == 0x22;
    return ((ifsr & 0xf) | ((ifsr >> 6) & 0x10)) == 0x02;
}

static void __attribute__((noreturn)) unexpected(struct rt_frame *f)
{
    rt_printf("FAIL unexpected %s exception: lr=%08x spsr=%08x dfsr=%08x dfar=%08x ifsr=%08x ifar=%08x\n",
              exc_names[f->type & 7], rt_last.lr, f->spsr, rt_last.dfsr, rt_last.dfar,
              rt_last.ifsr, rt_last.ifar);
    rt_system_off();
}

void rt_exception(struct rt_frame *f)
{
    u32 type = f->type & 7;
    u32 lr = f->pc;
    int thumb = (f->spsr & PSR_T) != 0;

    if (++depth > 3)
        rt_fatal("nested exceptions");
    rt_last.type = type;
    rt_last.cpsr = f->cpsr;
    rt_last.spsr = f->spsr;
    rt_last.lr = lr;
    rt_last.dfsr = get_dfsr();
    rt_last.dfar = get_dfar();
    rt_last.ifsr = get_ifsr();
    rt_last.ifar = get_ifar();
    rt_last.svc_imm = 0;
    if (type == EXC_SVC)
        rt_last.svc_imm = thumb ? *(volatile u16 *)(lr - 2) & 0xff
                                : *(volatile u32 *)(lr - 4) & 0xffffff;
    rt_exc_count++;
    rt_count[type]++;

    rt_hook_t hook = type == EXC_IRQ ? rt_irq_hook : type == EXC_FIQ ? rt_fiq_hook : rt_hook;
    if (hook && hook(f)) {
        depth--;
        return;
    }

    switch (type) {
    case EXC_UND:
        /* LR is the UNDEFINED instruction + 4 (A32) or + 2 (T32, even for a
         * 32-bit instruction): resume after it. */
        if (thumb && t32_size(*(volatile u16 *)(lr - 2)) == 4)
            f->pc = lr + 2;
        break;
    case EXC_SVC:
        if (rt_last.svc_imm == 0xff && (f->spsr & 0x1f) == M_USR) {
            extern u32 rt_user_saved_cpsr;
            f->pc = (u32)rt_user_return;
            f->spsr = rt_user_saved_cpsr;
        }
        break;
    case EXC_PABT:
        if (debug_event(rt_last.ifsr)) {
            /* BKPT: LR = BKPT + 4; resume after it. */
            f->pc = lr - 4 + (thumb ? 2 : 4);
        } else if (rt_resume) {
            f->pc = rt_resume;
            rt_resume = 0;
        } else if ((f->spsr & 0x1f) == M_USR) {
            f->pc = (u32)rt_user_exit;
            f->spsr &= ~PSR_T;
        } else {
            unexpected(f);
        }
        break;
    case EXC_DABT:
        /* LR = faulting instruction + 8: skip it. */
        f->pc = lr - 8 + (thumb ? t32_size(*(volatile u16 *)(lr - 8)) : 4);
        break;
    default:
        unexpected(f);
    }
    depth--;
}

/* ---- probes ---- */
u32 probe_read(u32 addr, int user)
{
    u32 n = rt_count[EXC_DABT];
    rt_probe_val = user ? rt_run_user(rt_user_ldr, addr) : rt_ldr(addr);
    if (rt_count[EXC_DABT] == n)
        return 0;
    rt_probe_far = rt_last.dfar;
    return rt_last.dfsr;
}

u32 probe_write(u32 addr, int user)
{
    u32 n = rt_count[EXC_DABT];
    if (user)
        rt_run_user(rt_user_str, addr);
    else
        rt_str(addr, 0x5555aaaa);
    if (rt_count[EXC_DABT] == n)
        return 0;
    rt_probe_far = rt_last.dfar;
    return rt_last.dfsr;
}

u32 probe_exec(u32 addr, int user)
{
    u32 n = rt_count[EXC_PABT];
    rt_probe_val = user ? rt_run_user(rt_user_exec, addr) : rt_exec(addr);
    if (rt_count[EXC_PABT] == n)
        return 0;
    rt_probe_far = rt_last.ifar;
    return rt_last.ifsr;
}

void rt_copy_code(u32 dst, const void *src, u32 n)
{
    memcpy((void *)dst, src, n);
    /* Clean to the point of unification (no-op with caches off), then
     * invalidate the instruction cache and branch predictor. */
    for (u32 a = dst & ~63u; a < dst + n; a += 64)
        MCR(0, c7, c11, 1, a);
    ic_inval();
}

void rt_l1_identity(u32 *l1)
{
    for (u32 i = 0; i < 4096; i++)
        l1[i] = 0;
    for (u32 mb = RAM_BASE >> 20; mb < (RAM_BASE >> 20) + 256; mb++)
        l1[mb] = (mb << 20) | SD_SECTION | SD_NORMAL | SD_AP(3) | SD_DOMAIN(0);
    l1[GICD_BASE >> 20] = GICD_BASE | SD_SECTION | SD_DEVICE | SD_AP(1) | SD_XN;
    l1[UART_BASE >> 20] = UART_BASE | SD_SECTION | SD_DEVICE | SD_AP(1) | SD_XN;
    dsb();
}

void rt_mmu_on(u32 *l1)
{
    MCR(0, c2, c0, 2, 0);            /* TTBCR: short descriptors, N = 0 */
    MCR(0, c2, c0, 0, (u32)l1);      /* TTBR0: non-cacheable table walks */
    MCR(0, c3, c0, 0, 1);            /* DACR: domain 0 client */
    MCR(0, c13, c0, 1, 0);           /* CONTEXTIDR: ASID 0 */
    isb();
    tlbi_all();
    set_sctlr(get_sctlr() | SCTLR_M);
}

void rt_mmu_off(void)
{
    set_sctlr(get_sctlr() & ~SCTLR_M);
    tlbi_all();
}

void *memset(void *d, int c, unsigned long n)
{
    u8 *p = d;
    while (n--)
        *p++ = (u8)c;
    return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
    u8 *p = d;
    const u8 *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}
