// Integer arithmetic: 32/64-bit add/sub/mul/div/mod/shift incl. corner cases.
// Portable C (fixed-width types only); no undefined behaviour.
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <limits.h>

/* volatile inputs so the compiler cannot fold everything at compile time */
static volatile uint32_t u32s[] = {0, 1, 2, 3, 7, 10, 0x7fffffffu, 0x80000000u,
                                   0x80000001u, 0xfffffffeu, 0xffffffffu, 0x12345678u, 0xdeadbeefu};
static volatile int32_t s32s[] = {0, 1, -1, 2, -2, 7, -7, 100, -100, INT32_MAX, INT32_MIN + 1, INT32_MIN};
static volatile uint64_t u64s[] = {0, 1, 3, 0xffffffffull, 0x100000000ull, 0x123456789abcdef0ull,
                                   0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull,
                                   1000000007ull, 0xfedcba9876543210ull};
static volatile int64_t s64s[] = {0, 1, -1, 3, -3, 1000000007ll, -1000000007ll, INT64_MAX, INT64_MIN + 1,
                                  INT64_MIN, 0x123456789ll, -0x123456789ll};
#define N(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
    uint64_t h = 0;
    unsigned i, j;
    for (i = 0; i < N(u32s); i++)
        for (j = 0; j < N(u32s); j++) {
            uint32_t a = u32s[i], b = u32s[j];
            printf("u32 %08" PRIx32 " %08" PRIx32 ": + %08" PRIx32 " - %08" PRIx32 " * %08" PRIx32,
                   a, b, a + b, a - b, a * b);
            if (b)
                printf(" / %08" PRIx32 " %% %08" PRIx32, a / b, a % b);
            printf(" << %08" PRIx32 " >> %08" PRIx32 "\n", a << (b & 31), a >> (b & 31));
        }
    for (i = 0; i < N(s32s); i++)
        for (j = 0; j < N(s32s); j++) {
            int32_t a = s32s[i], b = s32s[j];
            int64_t wide = (int64_t)a * b;
            printf("s32 %" PRId32 " %" PRId32 ": *64 %" PRId64, a, b, wide);
            if (b && !(a == INT32_MIN && b == -1))
                printf(" / %" PRId32 " %% %" PRId32, a / b, a % b);
            printf(" >> %" PRId32 " cmp %d%d%d\n", a >> (b & 31), a < b, a == b, (uint32_t)a < (uint32_t)b);
        }
    for (i = 0; i < N(u64s); i++)
        for (j = 0; j < N(u64s); j++) {
            uint64_t a = u64s[i], b = u64s[j];
            printf("u64 %" PRIx64 " %" PRIx64 ": + %" PRIx64 " - %" PRIx64 " * %" PRIx64, a, b, a + b, a - b, a * b);
            if (b)
                printf(" / %" PRIx64 " %% %" PRIx64, a / b, a % b);
            printf(" << %" PRIx64 " >> %" PRIx64 " lt %d\n", a << (b & 63), a >> (b & 63), a < b);
        }
    for (i = 0; i < N(s64s); i++)
        for (j = 0; j < N(s64s); j++) {
            int64_t a = s64s[i], b = s64s[j];
            printf("s64 %" PRId64 " %" PRId64 ":", a, b);
            if (b && !(a == INT64_MIN && b == -1))
                printf(" / %" PRId64 " %% %" PRId64, a / b, a % b);
            printf(" >> %" PRId64 " lt %d\n", a >> (b & 63), a < b);
        }
    /* variable shift amounts 0..63 on 64-bit values */
    for (i = 0; i < 64; i++) {
        volatile unsigned sh = i;
        uint64_t x = 0x8123456789abcdefull;
        int64_t y = (int64_t)0x8123456789abcdefull;
        h = h * 31 + (x << sh) + (x >> sh) + (uint64_t)(y >> sh);
    }
    printf("shift hash %016" PRIx64 "\n", h);
    /* a little LCG + mixing loop exercising mul/add chains */
    {
        uint32_t x = 1;
        uint64_t acc = 0;
        for (i = 0; i < 10000; i++) {
            x = x * 1103515245u + 12345u;
            acc += (uint64_t)x * (x >> 7);
            acc ^= acc >> 13;
        }
        printf("lcg %08" PRIx32 " acc %016" PRIx64 "\n", x, acc);
    }
    /* narrowing / sign extension */
    {
        volatile int32_t v = -129;
        printf("narrow %d %d %u %u %d\n", (int8_t)v, (int16_t)(v * 300), (uint8_t)v, (uint16_t)v, (int)(int8_t)(uint8_t)200);
    }
    return 0;
}
