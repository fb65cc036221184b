// cflags: -ffast-math
// A program built with -ffast-math: crtfastmath sets FPSCR.FZ at start-up,
// so tiny results flush to zero. The loops are hot (compiled code runs
// them, entered with FPSCR in a non-default mode): halving 1.0 reaches
// zero after 1023 steps with flush-to-zero (1075 without), and a small
// n-body-like update loop must give the same bits as on hardware.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t get_fpscr(void)
{
    uint32_t r;
    __asm__ volatile("vmrs %0, fpscr" : "=r"(r));
    return r;
}

static uint64_t bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

int main(void)
{
    printf("FZ %u\n", (unsigned)(get_fpscr() >> 24 & 1));
    for (int round = 0; round < 300; round++) {
        volatile double x = 1.0;
        int steps = 0;
        while (x != 0.0) {
            x = x * 0.5;
            steps++;
        }
        if (round == 0 || round == 299)
            printf("round %d: zero after %d halvings\n", round, steps);
    }
    double px = 1.0, py = 0.0, vx = 0.0, vy = 1.0, e = 0.0;
    for (int i = 0; i < 200000; i++) {
        double r2 = px * px + py * py;
        double f = 1e-300 / (r2 * 1e10);
        vx -= px * 0.001 + f;
        vy -= py * 0.001;
        px += vx * 0.001;
        py += vy * 0.001;
        e += f * 1e-10;
    }
    printf("p %016llx %016llx v %016llx %016llx e %016llx\n", (unsigned long long)bits(px),
           (unsigned long long)bits(py), (unsigned long long)bits(vx),
           (unsigned long long)bits(vy), (unsigned long long)bits(e));
    printf("UFC %u\n", (unsigned)(get_fpscr() >> 3 & 1));
    // Denormal operands read as zero (Input Denormal, IDC), products of
    // zeros are exact, and a sum that cancels is exact zero: a hot loop
    // with each, then the cumulative flags (IDC IXC UFC OFC DZC IOC).
    volatile double denormal = 0x1p-1060, zero = 0.0, big = 0x1p1000;
    double acc = 0.0, zeros = 1.0, sums = 0.0;
    for (int i = 0; i < 100000; i++) {
        acc += denormal * big;
        zeros += zero * big;
        sums += (big - big) * 3.0;
    }
    printf("acc %016llx zeros %016llx sums %016llx flags %02x\n",
           (unsigned long long)bits(acc), (unsigned long long)bits(zeros),
           (unsigned long long)bits(sums), (unsigned)(get_fpscr() & 0x9f));
    return 0;
}
