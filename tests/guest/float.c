// IEEE floating point: float/double add/sub/mul/div/sqrt/fma, in-range
// conversions, rounding modes (fesetround), denormals, infinities, signed
// zeros. Results printed with %a and the raw bits. Portable C: no NaN sign
// or payload is printed here (those differ between ARM and x86; see float_arm.c).
// cflags: -frounding-math
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <string.h>
#include <math.h>
#include <fenv.h>

static uint32_t fb(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static uint64_t db(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static float bf(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static double bd(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static void pf(const char *what, float f)
{
    if (isnan(f)) printf("%s nan\n", what);
    else printf("%s %a %08" PRIx32 "\n", what, (double)f, fb(f));
}
static void pd(const char *what, double d)
{
    if (isnan(d)) printf("%s nan\n", what);
    else printf("%s %a %016" PRIx64 "\n", what, d, db(d));
}

static volatile float fv[] = {0.0f, -0.0f, 1.0f, -1.5f, 3.0f, 0.1f, 1e30f, -7e-39f /* denormal */, 1.17549435e-38f,
                              3.4028235e38f, 16777217.0f};
static volatile double dv[] = {0.0, -0.0, 1.0, -1.5, 3.0, 0.1, 1e300, 4.9e-324, 2.2250738585072014e-308,
                               1.7976931348623157e308, 9007199254740993.0};
#define N(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
    char name[64];
    unsigned i, j;
    for (i = 0; i < N(fv); i++)
        for (j = 0; j < N(fv); j++) {
            float a = fv[i], b = fv[j];
            snprintf(name, sizeof name, "f%u,%u +", i, j); pf(name, a + b);
            snprintf(name, sizeof name, "f%u,%u -", i, j); pf(name, a - b);
            snprintf(name, sizeof name, "f%u,%u *", i, j); pf(name, a * b);
            snprintf(name, sizeof name, "f%u,%u /", i, j); pf(name, a / b);
            snprintf(name, sizeof name, "f%u,%u fma", i, j); pf(name, fmaf(a, b, fv[(i + j) % N(fv)]));
        }
    for (i = 0; i < N(dv); i++)
        for (j = 0; j < N(dv); j++) {
            double a = dv[i], b = dv[j];
            snprintf(name, sizeof name, "d%u,%u +", i, j); pd(name, a + b);
            snprintf(name, sizeof name, "d%u,%u -", i, j); pd(name, a - b);
            snprintf(name, sizeof name, "d%u,%u *", i, j); pd(name, a * b);
            snprintf(name, sizeof name, "d%u,%u /", i, j); pd(name, a / b);
            snprintf(name, sizeof name, "d%u,%u fma", i, j); pd(name, fma(a, b, dv[(i + j) % N(dv)]));
        }
    for (i = 0; i < N(fv); i++) {
        snprintf(name, sizeof name, "sqrtf %u", i); pf(name, sqrtf(fabsf(fv[i])));
        snprintf(name, sizeof name, "sqrt %u", i); pd(name, sqrt(fabs(dv[i])));
        snprintf(name, sizeof name, "f2d %u", i); pd(name, (double)fv[i]);
        snprintf(name, sizeof name, "d2f %u", i); pf(name, (float)dv[i]);
    }
    pd("sqrt(2)", sqrt((volatile double){2.0}));
    pf("sqrtf(2)", sqrtf((volatile float){2.0f}));
    /* fma: exact where a*b+c differs from the rounded product */
    {
        volatile double a = 1.0 + 0x1p-30, b = 1.0 - 0x1p-30, c = -1.0;
        pd("fma exact", fma(a, b, c));
        pd("mul-add", a * b + c);
        volatile float fa = 1.0f + 0x1p-12f, fbb = 1.0f - 0x1p-12f, fc = -1.0f;
        pf("fmaf exact", fmaf(fa, fbb, fc));
    }
    /* in-range conversions */
    {
        volatile double ds[] = {0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 2147483647.0, -2147483648.0, 4294967295.0,
                                123456.789, -0.99, 1e15};
        for (i = 0; i < N(ds); i++) {
            double d = ds[i];
            printf("cvt %a:", d);
            if (d > -2147483649.0 && d < 2147483648.0) printf(" i32 %" PRId32, (int32_t)d);
            if (d > -1.0 && d < 4294967296.0) printf(" u32 %" PRIu32, (uint32_t)d);
            if (fabs(d) < 9e18) printf(" i64 %" PRId64, (int64_t)d);
            printf(" rint %a lrint %ld round %a trunc %a floor %a ceil %a\n", rint(d), d < 2e9 && d > -2e9 ? lrint(d) : 0L,
                   round(d), trunc(d), floor(d), ceil(d));
        }
        volatile int32_t is[] = {0, 1, -1, 16777217, INT32_MAX, INT32_MIN};
        volatile uint32_t us[] = {0, 1, 16777217u, 0x80000001u, UINT32_MAX};
        volatile int64_t ls[] = {9007199254740993ll, -9007199254740993ll, INT64_MAX};
        volatile uint64_t uls[] = {UINT64_MAX, 0x8000000000000801ull};
        for (i = 0; i < N(is); i++) { pf("i2f", (float)is[i]); pd("i2d", (double)is[i]); }
        for (i = 0; i < N(us); i++) { pf("u2f", (float)us[i]); pd("u2d", (double)us[i]); }
        for (i = 0; i < N(ls); i++) { pf("l2f", (float)ls[i]); pd("l2d", (double)ls[i]); }
        for (i = 0; i < N(uls); i++) { pf("ul2f", (float)uls[i]); pd("ul2d", (double)uls[i]); }
    }
    /* rounding modes */
    {
        const int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
        const char *mn[] = {"nearest", "upward", "downward", "towardzero"};
        for (i = 0; i < 4; i++) {
            if (fesetround(modes[i]) != 0) { printf("fesetround failed\n"); return 1; }
            volatile double one = 1.0, three = 3.0, m = -1.0;
            volatile float fone = 1.0f, fthree = 3.0f;
            printf("%s: getround ok %d\n", mn[i], fegetround() == modes[i]);
            pd(" 1/3", one / three);
            pd(" -1/3", m / three);
            pf(" 1f/3f", fone / fthree);
            pd(" sqrt3", sqrt(three));
            pd(" rint2.5", rint(2.5 * one));
            pd(" rint-2.5", rint(-2.5 * one));
            pf(" d2f 0.1", (float)(0.1 * one));
            pd(" big+1", 1e16 * one + one);
            pd(" 1-1", one - one);
        }
        fesetround(FE_TONEAREST);
    }
    /* denormals and overflow/underflow */
    {
        volatile double tiny = bd(1), dmin = 0x1p-1022;
        volatile float ftiny = bf(1), fmin = 0x1p-126f;
        pd("dmin/2", dmin / 2);
        pd("tiny*2^60", tiny * 0x1p60);
        pd("tiny/2", tiny / 2);
        pd("dmin*(1-2^-52)", dmin * (1 - 0x1p-52));
        pf("fmin/3", fmin / 3);
        pf("ftiny*3", ftiny * 3);
        pf("ftiny+fmin", ftiny + fmin);
        pd("overflow", dv[9] * 2);
        pd("underflow", dv[7] * 0.25);
        pf("f overflow", fv[9] * 2);
    }
    /* cumulative exception flags */
    {
        volatile double one = 1.0, zero = 0.0, three = 3.0, big = 1e308;
        volatile double r;
        feclearexcept(FE_ALL_EXCEPT);
        r = one / zero;
        printf("1/0 divbyzero %d invalid %d\n", !!fetestexcept(FE_DIVBYZERO), !!fetestexcept(FE_INVALID));
        feclearexcept(FE_ALL_EXCEPT);
        r = zero / zero;
        printf("0/0 invalid %d\n", !!fetestexcept(FE_INVALID));
        feclearexcept(FE_ALL_EXCEPT);
        r = one / three;
        printf("1/3 inexact %d invalid %d\n", !!fetestexcept(FE_INEXACT), !!fetestexcept(FE_INVALID));
        feclearexcept(FE_ALL_EXCEPT);
        r = big * big;
        printf("big*big overflow %d\n", !!fetestexcept(FE_OVERFLOW));
        feclearexcept(FE_ALL_EXCEPT);
        r = one + one;
        printf("1+1 any %d\n", !!fetestexcept(FE_ALL_EXCEPT));
        (void)r;
    }
    return 0;
}
