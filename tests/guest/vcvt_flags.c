// Float-to-integer conversions and FPSCR's cumulative flags, per the ARM
// ARM's FPToFixed: a result that saturates (NaN, out of range, a negative
// value that rounds below zero for an unsigned result) raises Invalid
// Operation (IOC) only; an in-range result that is not exact raises
// Inexact (IXC) only; -0.5 rounds to -0, which is 0 and in range (IXC).
// VCVTR rounds per FPSCR (each of the four modes here), VCVT toward zero.
// An exact VADD comes first in the same block, so that compiled code has
// host flags pending when it converts: the JIT once merged the inexact
// flag of its own first attempt at the conversion with them (IOC|IXC for
// -2.5) before handing the conversion to the interpreter.
// Not portable: the expected output follows the ARM ARM (and qemu-arm
// agrees).
// variants: arm-O2 thumb-O2 arm-O0
// cflags: -mfpu=vfpv3-d16
#include <stdio.h>

static unsigned fpscr_get(void)
{
    unsigned v;
    __asm__ volatile("vmrs %0, fpscr" : "=r"(v));
    return v;
}

static void fpscr_set(unsigned v)
{
    __asm__ volatile("vmsr fpscr, %0" : : "r"(v));
}

static const char *flags(unsigned f)
{
    static char buf[16];
    snprintf(buf, sizeof buf, "%s%s%s", f & 1 ? "IOC" : "", (f & 1) && (f & 16) ? "|" : "",
             f & 16 ? "IXC" : "");
    return f & 0x9f ? buf : "-";
}

// `op` is the source operand: %1 (a single) or %P1 (a double).
#define CONVERT(name, insn, op, in)                                                                \
    do {                                                                                           \
        unsigned out;                                                                              \
        fpscr_set(mode << 22);                                                                     \
        __asm__ volatile("vmov.f32 s13, #1.0\n\tvadd.f32 s13, s13, s13\n\t" insn " s14, " op      \
                         "\n\tvmov %0, s14"                                                         \
                         : "=r"(out)                                                               \
                         : "w"(in)                                                                 \
                         : "s13", "s14");                                                          \
        unsigned f = fpscr_get() & 0x9f;                                                           \
        printf("%-16s %-3s %14.4f -> 0x%08x %s\n", name, modes[mode], (double)(in), out, flags(f)); \
    } while (0)

int main(void)
{
    static const char *modes[] = { "RN", "RP", "RM", "RZ" };
    static const float fs[] = { -2.5f, -2.0625f, -0.5f, -0.4f, -0.6f, 2.5f, 3.0f, 4294967296.0f,
                                2147483648.0f, -2147483648.0f, 0.0f / 0.0f };
    static const double ds[] = { -2.5, -0.5, -1.0, 4294967295.4, 2147483647.6, -2147483648.5 };
    for (unsigned mode = 0; mode < 4; mode++) {
        for (unsigned i = 0; i < sizeof fs / sizeof *fs; i++) {
            float x = fs[i];
            CONVERT("vcvtr.u32.f32", "vcvtr.u32.f32", "%1", x);
            CONVERT("vcvtr.s32.f32", "vcvtr.s32.f32", "%1", x);
        }
        for (unsigned i = 0; i < sizeof ds / sizeof *ds; i++) {
            double x = ds[i];
            CONVERT("vcvtr.u32.f64", "vcvtr.u32.f64", "%P1", x);
            CONVERT("vcvtr.s32.f64", "vcvtr.s32.f64", "%P1", x);
        }
    }
    unsigned mode = 0;
    for (unsigned i = 0; i < sizeof fs / sizeof *fs; i++) {
        float x = fs[i];
        CONVERT("vcvt.u32.f32", "vcvt.u32.f32", "%1", x);
        CONVERT("vcvt.s32.f32", "vcvt.s32.f32", "%1", x);
    }
    return 0;
}
