// Loops gcc auto-vectorizes with NEON at -O3 (variant neon-O3), also built in
// the scalar variants: the output must be identical in all of them.
// variants: thumb-O0 thumb-O2 arm-O2 neon-O3
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>

#define N 1003
static uint8_t u8a[N], u8b[N], u8r[N];
static int16_t s16a[N], s16b[N], s16r[N];
static int32_t s32a[N], s32b[N], s32r[N];
static uint32_t u32r[N];
static float fa[N], fb[N], fr[N];
static int64_t s64r[N];

static uint32_t h32(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
    return h;
}

int main(void)
{
    uint32_t x = 99;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        u8a[i] = (uint8_t)(x >> 16); u8b[i] = (uint8_t)(x >> 24);
        s16a[i] = (int16_t)(x >> 8); s16b[i] = (int16_t)(x >> 13);
        s32a[i] = (int32_t)x; s32b[i] = (int32_t)(x * 2654435761u);
        fa[i] = (float)(int16_t)(x >> 10) / 64.0f; fb[i] = (float)(int8_t)(x >> 20) * 0.375f;
    }
    for (int i = 0; i < N; i++) u8r[i] = (uint8_t)(u8a[i] + u8b[i]);
    printf("u8 add %08" PRIx32 "\n", h32(u8r, N));
    for (int i = 0; i < N; i++) { unsigned s = u8a[i] + u8b[i]; u8r[i] = s > 255 ? 255 : (uint8_t)s; }
    printf("u8 sat %08" PRIx32 "\n", h32(u8r, N));
    for (int i = 0; i < N; i++) u8r[i] = (uint8_t)((u8a[i] + u8b[i] + 1) >> 1);
    printf("u8 avg %08" PRIx32 "\n", h32(u8r, N));
    for (int i = 0; i < N; i++) u8r[i] = u8a[i] > u8b[i] ? u8a[i] : u8b[i];
    printf("u8 max %08" PRIx32 "\n", h32(u8r, N));
    for (int i = 0; i < N; i++) s16r[i] = (int16_t)(s16a[i] * s16b[i]);
    printf("s16 mul %08" PRIx32 "\n", h32(s16r, sizeof s16r));
    for (int i = 0; i < N; i++) s16r[i] = (int16_t)(s16a[i] >> 3) - (int16_t)(s16b[i] << 2);
    printf("s16 shift %08" PRIx32 "\n", h32(s16r, sizeof s16r));
    for (int i = 0; i < N; i++) { int v = s16a[i]; s16r[i] = (int16_t)(v < 0 ? -v : v); }
    printf("s16 abs %08" PRIx32 "\n", h32(s16r, sizeof s16r));
    for (int i = 0; i < N; i++) s32r[i] = s32a[i] * s32b[i] + s32r[i];
    printf("s32 mla %08" PRIx32 "\n", h32(s32r, sizeof s32r));
    for (int i = 0; i < N; i++) s32r[i] = (s32a[i] ^ s32b[i]) & ~(s32a[i] | 0x0f0f0f0f);
    printf("s32 logic %08" PRIx32 "\n", h32(s32r, sizeof s32r));
    for (int i = 0; i < N; i++) u32r[i] = (uint32_t)s32a[i] >> (s32b[i] & 7);
    printf("u32 var shift %08" PRIx32 "\n", h32(u32r, sizeof u32r));
    for (int i = 0; i < N; i++) s32r[i] = s32a[i] < s32b[i] ? s32a[i] : s32b[i];
    printf("s32 min %08" PRIx32 "\n", h32(s32r, sizeof s32r));
    for (int i = 0; i < N; i++) s64r[i] = (int64_t)s32a[i] * s32b[i];
    printf("s64 widen mul %08" PRIx32 "\n", h32(s64r, sizeof s64r));
    for (int i = 0; i < N; i++) s32r[i] = s16a[i] * (int32_t)u8a[i];
    printf("widen %08" PRIx32 "\n", h32(s32r, sizeof s32r));
    for (int i = 0; i < N; i++) fr[i] = fa[i] * fb[i] + fa[i];
    printf("f32 muladd %08" PRIx32 "\n", h32(fr, sizeof fr));
    for (int i = 0; i < N; i++) fr[i] = fa[i] > fb[i] ? fa[i] - fb[i] : fb[i] * 0.5f;
    printf("f32 select %08" PRIx32 "\n", h32(fr, sizeof fr));
    for (int i = 0; i < N; i++) s32r[i] = (int32_t)fa[i];
    printf("f32 to int %08" PRIx32 "\n", h32(s32r, sizeof s32r));
    for (int i = 0; i < N; i++) fr[i] = (float)s16a[i];
    printf("int to f32 %08" PRIx32 "\n", h32(fr, sizeof fr));
    int64_t acc = 0;
    uint32_t usum = 0;
    for (int i = 0; i < N; i++) { acc += (int64_t)s16a[i] * s16b[i]; usum += u8a[i]; }
    printf("dot %" PRId64 " sum %" PRIu32 "\n", acc, usum);
    uint8_t mx = 0;
    for (int i = 0; i < N; i++) mx = u8a[i] > mx ? u8a[i] : mx;
    printf("reduce max %u\n", mx);
    return 0;
}
