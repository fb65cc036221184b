// libm: sin/cos/tan/exp/log/pow/atan2/cbrt/hypot/expm1/log1p/sinf/expf/powf...
// printed as raw bits. Expected output is that of Debian 12's armhf glibc
// 2.36 libm (statically linked into the guest), which is deterministic: the
// emulator must reproduce real ARM results bit for bit, so any difference
// points at a wrong basic FP op. (Generated under qemu-arm, whose softfloat
// is IEEE-exact for the basic ops, and spot-checked against the host's libm.)
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <string.h>
#include <math.h>

static uint64_t db(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint32_t fb(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static volatile double xs[] = {0.0, 0.5, 1.0, 2.0, 3.14159265358979, 10.0, 100.5, -0.75, 1e-10, 700.0, -30.0, 0.1};

int main(void)
{
    for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double x = xs[i];
        printf("x=%a sin %016" PRIx64 " cos %016" PRIx64 " tan %016" PRIx64 " exp %016" PRIx64 "\n", x, db(sin(x)),
               db(cos(x)), db(tan(x)), db(exp(x)));
        double ax = fabs(x) + 0.25;
        printf("  log %016" PRIx64 " log2 %016" PRIx64 " log10 %016" PRIx64 " pow %016" PRIx64 " sqrt %016" PRIx64 "\n",
               db(log(ax)), db(log2(ax)), db(log10(ax)), db(pow(ax, 1.7)), db(sqrt(ax)));
        printf("  atan2 %016" PRIx64 " cbrt %016" PRIx64 " hypot %016" PRIx64 " expm1 %016" PRIx64 " log1p %016" PRIx64
               " tanh %016" PRIx64 "\n",
               db(atan2(x, 1.5)), db(cbrt(x)), db(hypot(x, 3.0)), db(expm1(x / 100)), db(log1p(ax)), db(tanh(x)));
        float f = (float)x;
        printf("  sinf %08" PRIx32 " cosf %08" PRIx32 " expf %08" PRIx32 " logf %08" PRIx32 " powf %08" PRIx32 "\n",
               fb(sinf(f)), fb(cosf(f)), fb(expf(f / 8)), fb(logf(fabsf(f) + 0.25f)), fb(powf(fabsf(f) + 0.25f, 0.3f)));
    }
    printf("pow(2,0.5) %a pow(-8,1/3.) nan %d pow(0,-1) %a\n", pow(2, 0.5), isnan(pow(-8, 1.0 / 3)), pow(0.0, -1));
    printf("fmod %a remainder %a ldexp %a frexp-exp ", fmod(10.5, 3.0), remainder(10.5, 3.0), ldexp(0.75, 10));
    int e;
    double m = frexp(1000.0, &e);
    printf("%d %a modf ", e, m);
    double ip;
    double fr = modf(-3.75, &ip);
    printf("%a %a\n", ip, fr);
    return 0;
}
