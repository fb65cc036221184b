// Bit operations: clz/ctz/popcount/bswap, rotations, bitfield structs that
// compile to bfi/ubfx/sbfx, parity, and masks. Portable C.
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>

struct bits {
    unsigned a : 3;
    signed b : 5;
    unsigned c : 12;
    signed d : 7;
    unsigned e : 5;
};
union ub { struct bits s; uint32_t w; };

static uint32_t rotl32(uint32_t x, unsigned r) { return (x << (r & 31)) | (x >> ((32 - r) & 31)); }
static uint32_t rotr32(uint32_t x, unsigned r) { return (x >> (r & 31)) | (x << ((32 - r) & 31)); }
static uint64_t rotl64(uint64_t x, unsigned r) { return (x << (r & 63)) | (x >> ((64 - r) & 63)); }

static volatile uint32_t vals[] = {1, 2, 3, 0x80, 0x8000, 0x80000000u, 0xffffffffu, 0x12345678u,
                                   0xf0f0f0f0u, 0x00010000u, 0x7fffffffu, 0xdeadbeefu, 0x0000ff00u};
#define N(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
    unsigned i, r;
    for (i = 0; i < N(vals); i++) {
        uint32_t x = vals[i];
        printf("%08" PRIx32 ": clz %d ctz %d pop %d par %d bswap %08" PRIx32 " bswap16 %04x "
               "rol7 %08" PRIx32 " ror13 %08" PRIx32 " ffs %d clrsb %d\n",
               x, __builtin_clz(x), __builtin_ctz(x), __builtin_popcount(x), __builtin_parity(x),
               __builtin_bswap32(x), (unsigned)__builtin_bswap16((uint16_t)x), rotl32(x, 7), rotr32(x, 13),
               __builtin_ffs((int)x), __builtin_clrsb((int32_t)x));
        uint64_t y = ((uint64_t)x << 32) | (x ^ 0x5a5a5a5au);
        printf("  64 %016" PRIx64 ": clzll %d ctzll %d popll %d bswap64 %016" PRIx64 " rol %016" PRIx64 "\n",
               y, __builtin_clzll(y), __builtin_ctzll(y), __builtin_popcountll(y), __builtin_bswap64(y),
               rotl64(y, 17 + i));
    }
    uint32_t h = 0;
    for (r = 0; r < 64; r++) {
        volatile unsigned vr = r;
        h = h * 33 + rotl32(0x9e3779b9u, vr) + rotr32(0x7f4a7c15u, vr);
    }
    printf("rot hash %08" PRIx32 "\n", h);

    /* bitfields: insert and extract with sign extension */
    union ub u;
    u.w = 0;
    for (i = 0; i < 40; i++) {
        volatile int k = (int)i * 7 - 100;
        u.s.a = k;
        u.s.b = k;
        u.s.c = k * 37;
        u.s.d = -k;
        u.s.e = k >> 2;
        printf("bf %2u: w %08" PRIx32 " a %u b %d c %u d %d e %u\n", i, u.w, u.s.a, u.s.b, u.s.c, u.s.d, u.s.e);
    }
    /* manual extracts that gcc turns into ubfx/sbfx */
    {
        volatile uint32_t w = 0xfedcba98u;
        int32_t sw = (int32_t)w;
        printf("ubfx %x %x %x sbfx %d %d %d\n", (w >> 4) & 0xff, (w >> 20) & 0x7, (w >> 31) & 1,
               (int32_t)(sw << 4) >> 24, (int32_t)(sw << 20) >> 29, sw >> 31);
        uint32_t m = (w & ~0x0000ff00u) | ((0x5au & 0xff) << 8);
        printf("bfi %08" PRIx32 " bfc %08" PRIx32 "\n", m, w & ~0x00ffff00u);
    }
    return 0;
}
