// Specific A32/T32 instructions via inline asm (built as ARM and Thumb-2),
// with results worked out from the ARM ARM pseudocode: flags (NZCV via MRS)
// after adds/subs/adcs/sbcs at edge values, register-controlled shifts >= 32
// and their carry-out, sdiv/udiv corner cases (INT_MIN/-1, /0 => 0),
// ldrex/strex (and failure after clrex), ldrd/strd, ldm/stm with writeback,
// pre/post-indexed loads, rev/rev16/revsh/rbit, clz, umull/smull/umlal/smlal/
// umaal, smulbb/smultb/smlawb, mla/mls, uxtab/sxtah, ssat/usat with shifts,
// bfi/bfc/ubfx/sbfx, pkhbt/pkhtb, and IT blocks / conditional execution.
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>

#define P(name, v) printf("%-28s %08" PRIx32 "\n", name, (uint32_t)(v))
#define P64(name, v) printf("%-28s %016" PRIx64 "\n", name, (uint64_t)(v))

static uint32_t apsr(void) { uint32_t f; __asm__ volatile("mrs %0, APSR" : "=r"(f)); return f >> 28; }

/* result and NZCV of an op, with the incoming C flag set to cin */
#define FLAGOP(insn, a, b, cin, res, nzcv) \
    __asm__ volatile("msr APSR_nzcvq, %[fl]\n\t" insn " %[r], %[x], %[y]\n\tmrs %[f], APSR" \
                     : [r] "=&r"(res), [f] "=&r"(nzcv) : [x] "r"(a), [y] "r"(b), [fl] "r"((cin) ? 0x20000000u : 0u) : "cc")

static void flags(void)
{
    static const uint32_t v[][2] = {{1, 1}, {0x7fffffff, 1}, {0xffffffff, 1}, {0x80000000, 0x80000000},
                                    {0, 1}, {5, 5}, {0x80000000, 1}, {1, 0x80000000}, {0, 0}, {0xffffffff, 0xffffffff}};
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
        volatile uint32_t a = v[i][0], b = v[i][1];
        uint32_t r, f;
        printf("%08" PRIx32 ",%08" PRIx32 ":", a, b);
        FLAGOP("adds", a, b, 0, r, f); printf(" adds %08" PRIx32 "/%" PRIx32, r, f >> 28);
        FLAGOP("subs", a, b, 0, r, f); printf(" subs %08" PRIx32 "/%" PRIx32, r, f >> 28);
        FLAGOP("adcs", a, b, 1, r, f); printf(" adcs1 %08" PRIx32 "/%" PRIx32, r, f >> 28);
        FLAGOP("sbcs", a, b, 0, r, f); printf(" sbcs0 %08" PRIx32 "/%" PRIx32, r, f >> 28);
        FLAGOP("sbcs", a, b, 1, r, f); printf(" sbcs1 %08" PRIx32 "/%" PRIx32, r, f >> 28);
        FLAGOP("ands", a, b, 1, r, f); printf(" ands %08" PRIx32 "/%" PRIx32 "\n", r, f >> 28);
    }
    /* cmp / cmn / tst / teq only set flags */
    volatile uint32_t x = 0x80000000, y = 0x7fffffff;
    uint32_t f;
    __asm__ volatile("cmp %1, %2\n\tmrs %0, APSR" : "=r"(f) : "r"(x), "r"(y) : "cc"); P("cmp nzcv", f >> 28);
    __asm__ volatile("cmn %1, %2\n\tmrs %0, APSR" : "=r"(f) : "r"(x), "r"(y) : "cc"); P("cmn nzcv", f >> 28);
    __asm__ volatile("tst %1, %2\n\tmrs %0, APSR" : "=r"(f) : "r"(x), "r"(y) : "cc"); P("tst nzcv(z)", (f >> 30) & 1);
    __asm__ volatile("teq %1, %1\n\tmrs %0, APSR" : "=r"(f) : "r"(x) : "cc"); P("teq self z", (f >> 30) & 1);
    printf("apsr helper %" PRIx32 "\n", apsr() & 0);
}

static void shifts(void)
{
    static const uint32_t amounts[] = {0, 1, 31, 32, 33, 255, 256 + 4};
    volatile uint32_t val = 0x80000001;
    for (unsigned i = 0; i < sizeof amounts / sizeof amounts[0]; i++) {
        volatile uint32_t n = amounts[i];
        uint32_t r, f;
        printf("shift %3" PRIu32 ":", n);
        FLAGOP("lsls", val, n, 0, r, f); printf(" lsl %08" PRIx32 "/%" PRIx32, r, f >> 28);
        FLAGOP("lsrs", val, n, 0, r, f); printf(" lsr %08" PRIx32 "/%" PRIx32, r, f >> 28);
        FLAGOP("asrs", val, n, 0, r, f); printf(" asr %08" PRIx32 "/%" PRIx32, r, f >> 28);
        FLAGOP("rors", val, n, 0, r, f); printf(" ror %08" PRIx32 "/%" PRIx32 "\n", r, f >> 28);
    }
    uint32_t r, f;
    __asm__ volatile("msr APSR_nzcvq, %2\n\trrxs %0, %3\n\tmrs %1, APSR" : "=&r"(r), "=&r"(f) : "r"(0x20000000u), "r"(val) : "cc");
    printf("rrxs c=1 %08" PRIx32 "/%" PRIx32 "\n", r, f >> 28);
}

static void divide(void)
{
    static const int32_t v[][2] = {{7, 2}, {-7, 2}, {7, -2}, {-7, -2}, {(int32_t)0x80000000, -1}, {5, 0}, {-5, 0},
                                   {0, 5}, {(int32_t)0x80000000, 1}, {-1, (int32_t)0x80000000}};
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
        volatile int32_t a = v[i][0], b = v[i][1];
        int32_t q;
        uint32_t uq;
        __asm__ volatile(".arch_extension idiv\n\tsdiv %0, %1, %2" : "=r"(q) : "r"(a), "r"(b));
        __asm__ volatile(".arch_extension idiv\n\tudiv %0, %1, %2" : "=r"(uq) : "r"(a), "r"(b));
        printf("div %" PRId32 ",%" PRId32 ": sdiv %" PRId32 " udiv %08" PRIx32 "\n", a, b, q, uq);
    }
}

static void exclusive(void)
{
    static volatile uint32_t word = 0x1234;
    static volatile uint64_t dword __attribute__((aligned(8))) = 0x1111111122222222ull;
    static volatile uint8_t byte = 0x7f;
    static volatile uint16_t half = 0xbeef;
    uint32_t old, st, st2;
    __asm__ volatile("ldrex %0, [%2]\n\tstrex %1, %3, [%2]" : "=&r"(old), "=&r"(st) : "r"(&word), "r"(0x5678u) : "memory");
    P("ldrex old", old); P("strex status", st); P("word now", word);
    __asm__ volatile("ldrex %0, [%2]\n\tclrex\n\tstrex %1, %3, [%2]" : "=&r"(old), "=&r"(st) : "r"(&word), "r"(0x9999u) : "memory");
    P("strex after clrex", st); P("word unchanged", word);
    __asm__ volatile("ldrexb %0, [%3]\n\tstrexb %1, %4, [%3]\n\tstrexb %2, %4, [%3]"
                     : "=&r"(old), "=&r"(st), "=&r"(st2) : "r"(&byte), "r"(0x180u) : "memory");
    P("ldrexb", old); P("strexb", st); P("strexb again", st2); P("byte now", byte);
    __asm__ volatile("ldrexh %0, [%2]\n\tstrexh %1, %3, [%2]" : "=&r"(old), "=&r"(st) : "r"(&half), "r"(0x1cafeu) : "memory");
    P("ldrexh", old); P("strexh", st); P("half now", half);
    uint64_t d;
    register uint32_t lo __asm__("r4") = 0xaaaaaaaa, hi __asm__("r5") = 0xbbbbbbbb;
    __asm__ volatile("ldrexd %Q0, %R0, [%2]\n\tstrexd %1, %3, %4, [%2]"
                     : "=&r"(d), "=&r"(st) : "r"(&dword), "r"(lo), "r"(hi) : "memory");
    P64("ldrexd", d); P("strexd", st); P64("dword now", dword);
}

static void loadstore(void)
{
    static uint32_t buf[8] = {0x11111111, 0x22222222, 0x33333333, 0x44444444,
                              0x55555555, 0x66666666, 0x77777777, 0x88888888};
    uint64_t d;
    __asm__ volatile("ldrd %Q0, %R0, [%1, #8]" : "=r"(d) : "r"(buf) : "memory");
    P64("ldrd [buf,#8]", d);
    register uint32_t a __asm__("r4") = 0xdeadbeef, b __asm__("r5") = 0xcafef00d;
    __asm__ volatile("strd %1, %2, [%0, #16]" : : "r"(buf), "r"(a), "r"(b) : "memory");
    P("strd -> buf[4]", buf[4]); P("strd -> buf[5]", buf[5]);
    /* ldmia with writeback */
    register uint32_t r4 __asm__("r4"), r5 __asm__("r5"), r6 __asm__("r6");
    uint32_t *base = buf;
    __asm__ volatile("ldmia %3!, {%0, %1, %2}" : "=r"(r4), "=r"(r5), "=r"(r6), "+r"(base) : : "memory");
    P("ldmia r4", r4); P("ldmia r5", r5); P("ldmia r6", r6); P("ldmia wb words", base - buf);
    /* stmdb with writeback, then ldmdb without */
    uint32_t *top = buf + 8;
    r4 = 0xa0a0a0a0; r5 = 0xb1b1b1b1; r6 = 0xc2c2c2c2;
    __asm__ volatile("stmdb %0!, {%1, %2, %3}" : "+r"(top) : "r"(r4), "r"(r5), "r"(r6) : "memory");
    P("stmdb wb words", top - buf); P("buf[5]", buf[5]); P("buf[6]", buf[6]); P("buf[7]", buf[7]);
    top = buf + 8;
    __asm__ volatile("ldmdb %3, {%0, %1, %2}" : "=r"(r4), "=r"(r5), "=r"(r6) : "r"(top) : "memory");
    P("ldmdb r4", r4); P("ldmdb r6", r6);
    /* post- and pre-indexed loads, signed byte/half */
    static const uint8_t bytes[8] = {0x81, 0x02, 0xf3, 0x84, 0x05, 0x86, 0x07, 0x88};
    const uint8_t *bp = bytes;
    int32_t sb, sh;
    uint32_t w;
    __asm__ volatile("ldrsb %0, [%1], #2" : "=r"(sb), "+r"(bp) : : "memory");
    P("ldrsb post", sb); P("post offset", bp - bytes);
    __asm__ volatile("ldrsh %0, [%1, #1]!" : "=r"(sh), "+r"(bp) : : "memory");
    P("ldrsh pre (unaligned)", sh); P("pre offset", bp - bytes);
    bp = bytes + 4;
    __asm__ volatile("ldr %0, [%1, #-4]" : "=r"(w) : "r"(bp) : "memory");
    P("ldr neg offset", w);
    __asm__ volatile("ldrh %0, [%1, #-3]" : "=r"(w) : "r"(bp) : "memory");
    P("ldrh unaligned", w);
    __asm__ volatile("ldr %0, [%1, #-3]" : "=r"(w) : "r"(bp) : "memory");
    P("ldr unaligned", w);
}

static void misc(void)
{
    volatile uint32_t x = 0x12345680, y = 0xfedcba98, z = 1;
    uint32_t r, hi;
    __asm__("rev %0, %1" : "=r"(r) : "r"(x)); P("rev", r);
    __asm__("rev16 %0, %1" : "=r"(r) : "r"(x)); P("rev16", r);
    __asm__("revsh %0, %1" : "=r"(r) : "r"(x)); P("revsh", r);
    __asm__("rbit %0, %1" : "=r"(r) : "r"(x)); P("rbit", r);
    __asm__("rbit %0, %1" : "=r"(r) : "r"(z)); P("rbit 1", r);
    __asm__("clz %0, %1" : "=r"(r) : "r"(0u * x)); P("clz 0", r);
    __asm__("clz %0, %1" : "=r"(r) : "r"(z)); P("clz 1", r);
    __asm__("clz %0, %1" : "=r"(r) : "r"(y)); P("clz fedcba98", r);
    __asm__("umull %0, %1, %2, %3" : "=&r"(r), "=&r"(hi) : "r"(y), "r"(y)); P("umull lo", r); P("umull hi", hi);
    __asm__("smull %0, %1, %2, %3" : "=&r"(r), "=&r"(hi) : "r"(y), "r"(x)); P("smull lo", r); P("smull hi", hi);
    r = 0xffffffff; hi = 0xffffffff;
    __asm__("umlal %0, %1, %2, %3" : "+&r"(r), "+&r"(hi) : "r"(z), "r"(z)); P("umlal lo", r); P("umlal hi", hi);
    r = 0x00000001; hi = 0x80000000;
    __asm__("smlal %0, %1, %2, %3" : "+&r"(r), "+&r"(hi) : "r"(y), "r"(y)); P("smlal lo", r); P("smlal hi", hi);
    r = 0xffffffff; hi = 0xffffffff;
    __asm__("umaal %0, %1, %2, %3" : "+&r"(r), "+&r"(hi) : "r"(0xffffffffu + z - 1), "r"(0xffffffffu + z - 1));
    P("umaal lo", r); P("umaal hi", hi);
    volatile uint32_t m = 0x00018000, n = 0x00027fff, acc = 0x12345678;
    __asm__("smulbb %0, %1, %2" : "=r"(r) : "r"(m), "r"(n)); P("smulbb", r);
    __asm__("smultb %0, %1, %2" : "=r"(r) : "r"(m), "r"(n)); P("smultb", r);
    __asm__("smultt %0, %1, %2" : "=r"(r) : "r"(m), "r"(n)); P("smultt", r);
    __asm__("smlawb %0, %1, %2, %3" : "=r"(r) : "r"(acc), "r"(m), "r"(z)); P("smlawb", r);
    __asm__("smulwt %0, %1, %2" : "=r"(r) : "r"(acc), "r"(n)); P("smulwt", r);
    __asm__("mla %0, %1, %2, %3" : "=r"(r) : "r"(3u + 0 * z), "r"(4u), "r"(5u)); P("mla 3*4+5", r);
    __asm__("mls %0, %1, %2, %3" : "=r"(r) : "r"(3u + 0 * z), "r"(4u), "r"(5u)); P("mls 5-3*4", r);
    __asm__("uxtab %0, %1, %2" : "=r"(r) : "r"(0x1000u), "r"(x)); P("uxtab", r);
    __asm__("uxtab %0, %1, %2, ror #8" : "=r"(r) : "r"(0x1000u), "r"(x)); P("uxtab ror8", r);
    __asm__("sxtah %0, %1, %2" : "=r"(r) : "r"(0x1000u), "r"(0x0000ff80u + 0 * z)); P("sxtah", r);
    __asm__("sxtah %0, %1, %2, ror #16" : "=r"(r) : "r"(0x1000u), "r"(y)); P("sxtah ror16", r);
    __asm__("sxtb %0, %1, ror #24" : "=r"(r) : "r"(y)); P("sxtb ror24", r);
    __asm__("uxth %0, %1" : "=r"(r) : "r"(y)); P("uxth", r);
    __asm__("ssat %0, #8, %1, lsl #4" : "=r"(r) : "r"(0x9u + 0 * z)); P("ssat 8 lsl4 9", r);
    __asm__("ssat %0, #12, %1, asr #8" : "=r"(r) : "r"(y)); P("ssat 12 asr8", r);
    __asm__("usat %0, #4, %1" : "=r"(r) : "r"(y)); P("usat 4 neg", r);
    __asm__("usat %0, #31, %1, lsl #2" : "=r"(r) : "r"(0x3fffffffu + 0 * z)); P("usat 31", r);
    r = y;
    __asm__("bfi %0, %1, #8, #12" : "+r"(r) : "r"(x)); P("bfi 8,12", r);
    r = y;
    __asm__("bfc %0, #4, #20" : "+r"(r)); P("bfc 4,20", r);
    __asm__("ubfx %0, %1, #7, #9" : "=r"(r) : "r"(y)); P("ubfx 7,9", r);
    __asm__("sbfx %0, %1, #7, #9" : "=r"(r) : "r"(y)); P("sbfx 7,9", r);
    __asm__("sbfx %0, %1, #0, #32" : "=r"(r) : "r"(y)); P("sbfx 0,32", r);
    __asm__("pkhbt %0, %1, %2, lsl #8" : "=r"(r) : "r"(x), "r"(y)); P("pkhbt lsl8", r);
    __asm__("pkhtb %0, %1, %2, asr #20" : "=r"(r) : "r"(x), "r"(y)); P("pkhtb asr20", r);
    __asm__("movw %0, #0xbeef\n\tmovt %0, #0xdead" : "=r"(r)); P("movw/movt", r);
    __asm__("rsb %0, %1, #100" : "=r"(r) : "r"(z)); P("rsb 100-1", r);
    __asm__("mvn %0, %1, lsl #3" : "=r"(r) : "r"(x)); P("mvn lsl3", r);
}

static uint32_t it_blocks(uint32_t a, uint32_t b)
{
    uint32_t r1, r2 = 0, r3 = 0;
    __asm__("cmp %3, %4\n\t"
            "ite gt\n\t"
            "movgt %0, #1\n\t"
            "movle %0, #2\n\t"
            "itete lo\n\t"
            "addlo %1, %1, #10\n\t"
            "addhs %1, %1, #20\n\t"
            "addlo %1, %1, #100\n\t"
            "addhs %1, %1, #200\n\t"
            "tst %3, #1\n\t"
            "it ne\n\t"
            "orrne %2, %2, #0x40\n\t"
            "cmp %3, %4\n\t"
            "itt eq\n\t"
            "moveq %2, #0x77\n\t"
            "addeq %2, %2, #1\n\t"
            : "=&r"(r1), "+&r"(r2), "+&r"(r3) : "r"(a), "r"(b) : "cc");
    return r1 | r2 << 4 | r3 << 16;
}

int main(void)
{
    flags();
    shifts();
    divide();
    exclusive();
    loadstore();
    misc();
    static const int32_t v[][2] = {{5, 3}, {3, 5}, {4, 4}, {-1, 1}, {1, -1}, {7, 7}};
    for (unsigned i = 0; i < 6; i++)
        printf("it(%" PRId32 ",%" PRId32 ") %08" PRIx32 "\n", v[i][0], v[i][1], it_blocks((uint32_t)v[i][0], (uint32_t)v[i][1]));
    return 0;
}
