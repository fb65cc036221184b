// ARM-specific VFP behaviour, via inline asm so the compiler cannot fold or
// reorder anything (ARM ARM, VFP pseudocode FPToFixed/FPProcessNaNs):
// - VCVT float->int saturates (NaN -> 0, +-inf and out-of-range -> INT_MAX/
//   INT_MIN, or 0/UINT_MAX for unsigned), VCVTR uses the FPSCR rounding mode;
// - NaN propagation: a signalling NaN operand wins (quietened, first one in
//   operand order), else the first quiet NaN; invalid ops give the default
//   NaN 0x7fc00000 / 0x7ff8000000000000 (positive, unlike x86);
// - FPSCR cumulative flags, FPSCR.DN (default NaN mode) and FPSCR.FZ (flush
//   to zero).
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <string.h>

static float bf(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static uint32_t fb(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static double bd(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static uint64_t db(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

static uint32_t get_fpscr(void) { uint32_t r; __asm__ volatile("vmrs %0, fpscr" : "=r"(r)); return r; }
static void set_fpscr(uint32_t r) { __asm__ volatile("vmsr fpscr, %0" : : "r"(r)); }

static uint32_t f2s(float f) { float r; __asm__ volatile("vcvt.s32.f32 %0, %1" : "=t"(r) : "t"(f)); return fb(r); }
static uint32_t f2u(float f) { float r; __asm__ volatile("vcvt.u32.f32 %0, %1" : "=t"(r) : "t"(f)); return fb(r); }
static uint32_t f2sr(float f) { float r; __asm__ volatile("vcvtr.s32.f32 %0, %1" : "=t"(r) : "t"(f)); return fb(r); }
static uint32_t d2s(double d) { float r; __asm__ volatile("vcvt.s32.f64 %0, %P1" : "=t"(r) : "w"(d)); return fb(r); }
static uint32_t d2u(double d) { float r; __asm__ volatile("vcvt.u32.f64 %0, %P1" : "=t"(r) : "w"(d)); return fb(r); }
static uint32_t d2ur(double d) { float r; __asm__ volatile("vcvtr.u32.f64 %0, %P1" : "=t"(r) : "w"(d)); return fb(r); }
static uint32_t fadd(uint32_t a, uint32_t b) { float r; __asm__ volatile("vadd.f32 %0, %1, %2" : "=t"(r) : "t"(bf(a)), "t"(bf(b))); return fb(r); }
static uint32_t fmul(uint32_t a, uint32_t b) { float r; __asm__ volatile("vmul.f32 %0, %1, %2" : "=t"(r) : "t"(bf(a)), "t"(bf(b))); return fb(r); }
static uint32_t fsub(uint32_t a, uint32_t b) { float r; __asm__ volatile("vsub.f32 %0, %1, %2" : "=t"(r) : "t"(bf(a)), "t"(bf(b))); return fb(r); }
static uint32_t fsqrt(uint32_t a) { float r; __asm__ volatile("vsqrt.f32 %0, %1" : "=t"(r) : "t"(bf(a))); return fb(r); }
static uint32_t fmla(uint32_t acc, uint32_t a, uint32_t b) { float r = bf(acc); __asm__ volatile("vmla.f32 %0, %1, %2" : "+t"(r) : "t"(bf(a)), "t"(bf(b))); return fb(r); }
static uint64_t dadd(uint64_t a, uint64_t b) { double r; __asm__ volatile("vadd.f64 %P0, %P1, %P2" : "=w"(r) : "w"(bd(a)), "w"(bd(b))); return db(r); }
static uint64_t ddiv(uint64_t a, uint64_t b) { double r; __asm__ volatile("vdiv.f64 %P0, %P1, %P2" : "=w"(r) : "w"(bd(a)), "w"(bd(b))); return db(r); }
static uint64_t f2d(uint32_t a) { double r; __asm__ volatile("vcvt.f64.f32 %P0, %1" : "=w"(r) : "t"(bf(a))); return db(r); }
static uint32_t d2f(uint64_t a) { float r; __asm__ volatile("vcvt.f32.f64 %0, %P1" : "=t"(r) : "w"(bd(a))); return fb(r); }
static uint32_t fcmp(uint32_t a, uint32_t b)
{
    uint32_t f;
    __asm__ volatile("vcmp.f32 %1, %2\n\tvmrs APSR_nzcv, fpscr\n\tmrs %0, APSR" : "=r"(f) : "t"(bf(a)), "t"(bf(b)) : "cc");
    return f >> 28;
}

#define QNAN1 0x7fc00011u
#define QNAN2 0xffc00022u
#define SNAN1 0x7f800033u
#define SNAN2 0xff800044u
#define ONE 0x3f800000u
#define INF 0x7f800000u

int main(void)
{
    static const uint32_t fv[] = {0x00000000, 0x80000000, 0x3fc00000 /* 1.5 */, 0xbfc00000 /* -1.5 */,
                                  0x40200000 /* 2.5 */, 0x40600000 /* 3.5 */, 0xc0200000 /* -2.5 */,
                                  0x4f000000 /* 2^31 */, 0xcf000000 /* -2^31 */, 0xcf000001, 0x4f800000 /* 2^32 */,
                                  0x4f7fffff, 0xbf000000 /* -0.5 */, INF, 0xff800000, QNAN1, SNAN1, 0x00000001};
    set_fpscr(0);
    for (unsigned i = 0; i < sizeof fv / sizeof fv[0]; i++)
        printf("f %08" PRIx32 ": s32 %08" PRIx32 " u32 %08" PRIx32 " s32r %08" PRIx32 "\n", fv[i], f2s(bf(fv[i])),
               f2u(bf(fv[i])), f2sr(bf(fv[i])));
    static const uint64_t dv[] = {0x41dfffffffc00000ull /* 2^31-1 */, 0x41e0000000000000ull /* 2^31 */,
                                  0xc1e0000000200000ull /* -2^31-1 */, 0x41efffffffe00000ull /* 2^32-1 */,
                                  0x41f0000000000000ull /* 2^32 */, 0x41effffffff00000ull /* 2^32-0.5 */,
                                  0xbff0000000000000ull, 0x7ff8000000000000ull, 0x7ff0000000000000ull,
                                  0xfff0000000000000ull, 0x400c000000000000ull /* 3.5 */};
    for (unsigned i = 0; i < sizeof dv / sizeof dv[0]; i++)
        printf("d %016" PRIx64 ": s32 %08" PRIx32 " u32 %08" PRIx32 " u32r %08" PRIx32 "\n", dv[i], d2s(bd(dv[i])),
               d2u(bd(dv[i])), d2ur(bd(dv[i])));
    printf("cvt flags ioc %" PRIu32 " ixc %" PRIu32 "\n", get_fpscr() & 1, (get_fpscr() >> 4) & 1);
    /* VCVTR with round-towards-zero and round-up (FPSCR.RMode bits 23:22) */
    set_fpscr(3u << 22);
    printf("rz: s32r(2.5) %08" PRIx32 " s32r(-2.5) %08" PRIx32 "\n", f2sr(2.5f), f2sr(-2.5f));
    set_fpscr(1u << 22);
    printf("rp: s32r(2.5) %08" PRIx32 " s32r(-2.5) %08" PRIx32 " add(1,2^-30) %08" PRIx32 "\n", f2sr(2.5f),
           f2sr(-2.5f), fadd(ONE, 0x30800000));
    set_fpscr(0);

    /* NaN propagation */
    printf("qnan1+qnan2 %08" PRIx32 "\n", fadd(QNAN1, QNAN2));
    printf("qnan2+qnan1 %08" PRIx32 "\n", fadd(QNAN2, QNAN1));
    printf("qnan1+snan1 %08" PRIx32 "\n", fadd(QNAN1, SNAN1));
    printf("snan2+snan1 %08" PRIx32 "\n", fadd(SNAN2, SNAN1));
    printf("1*snan2 %08" PRIx32 "\n", fmul(ONE, SNAN2));
    printf("qnan2-1 %08" PRIx32 "\n", fsub(QNAN2, ONE));
    printf("inf-inf %08" PRIx32 "\n", fsub(INF, INF));
    printf("0*inf %08" PRIx32 "\n", fmul(0, INF));
    printf("sqrt(-1) %08" PRIx32 "\n", fsqrt(0xbf800000));
    printf("sqrt(qnan2) %08" PRIx32 "\n", fsqrt(QNAN2));
    printf("vmla(qnan1, snan1, 1) %08" PRIx32 "\n", fmla(QNAN1, SNAN1, ONE));
    printf("vmla(qnan1, qnan2, 1) %08" PRIx32 "\n", fmla(QNAN1, QNAN2, ONE));
    printf("d 0/0 %016" PRIx64 "\n", ddiv(0, 0));
    printf("d snan+qnan %016" PRIx64 "\n", dadd(0x7ff8000000000005ull, 0xfff0000000000007ull));
    printf("f2d snan1 %016" PRIx64 " f2d qnan2 %016" PRIx64 "\n", f2d(SNAN1), f2d(QNAN2));
    printf("d2f nan %08" PRIx32 " d2f snan %08" PRIx32 "\n", d2f(0x7ff8000000000001ull), d2f(0xfff4000020000000ull));
    printf("flags ioc %" PRIu32 "\n", get_fpscr() & 1);
    /* comparisons: NZCV for less, equal, greater, unordered */
    printf("vcmp 1,2 %" PRIx32 " 2,2 %" PRIx32 " 2,1 %" PRIx32 " nan,1 %" PRIx32 "\n", fcmp(ONE, 0x40000000),
           fcmp(0x40000000, 0x40000000), fcmp(0x40000000, ONE), fcmp(QNAN1, ONE));

    /* default NaN mode */
    set_fpscr(1u << 25);
    printf("DN: qnan1+1 %08" PRIx32 " snan1*1 %08" PRIx32 " d %016" PRIx64 "\n", fadd(QNAN1, ONE), fmul(SNAN1, ONE),
           dadd(0x7ff8000000000005ull, 0));
    /* flush to zero: denormal inputs and results become signed zeros */
    set_fpscr(1u << 24);
    uint32_t z1 = fmul(0x00000001, ONE), z2 = fadd(0x80000003, 0), z3 = fmul(0x00800000, 0x3f000000);
    uint32_t z4 = fmul(0x00800000, ONE), fpscr = get_fpscr();
    printf("FZ: den*1 %08" PRIx32 " -den+0 %08" PRIx32 " min/2 %08" PRIx32 " min*1 %08" PRIx32 " idc %" PRIu32 " ufc %" PRIu32 "\n",
           z1, z2, z3, z4, (fpscr >> 7) & 1, (fpscr >> 3) & 1);
    set_fpscr(0);
    printf("no FZ: den*1 %08" PRIx32 " min/2 %08" PRIx32 "\n", fmul(0x00000001, ONE), fmul(0x00800000, 0x3f000000));
    return 0;
}
