// NEON intrinsics (arm_neon.h): vaddq, vmulq, vmlal, vqadd, vshr/vshl,
// vzip/vuzp/vtrn, vtbl, vext, vrev, vpadd, vcvt, vld2/vld3/vld4/vst*, vmull.
// Inputs are small ramps so each result can be checked by hand.
// cflags: -mfpu=neon
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <string.h>
#include <arm_neon.h>

static void p8(const char *n, uint8x16_t v) { uint8_t b[16]; vst1q_u8(b, v); printf("%-10s", n); for (int i = 0; i < 16; i++) printf(" %02x", b[i]); printf("\n"); }
static void p8d(const char *n, uint8x8_t v) { uint8_t b[8]; vst1_u8(b, v); printf("%-10s", n); for (int i = 0; i < 8; i++) printf(" %02x", b[i]); printf("\n"); }
static void p16(const char *n, uint16x8_t v) { uint16_t b[8]; vst1q_u16(b, v); printf("%-10s", n); for (int i = 0; i < 8; i++) printf(" %04x", b[i]); printf("\n"); }
static void p32(const char *n, uint32x4_t v) { uint32_t b[4]; vst1q_u32(b, v); printf("%-10s", n); for (int i = 0; i < 4; i++) printf(" %08" PRIx32, b[i]); printf("\n"); }
static void p64(const char *n, uint64x2_t v) { uint64_t b[2]; vst1q_u64(b, v); printf("%-10s %016" PRIx64 " %016" PRIx64 "\n", n, b[0], b[1]); }

int main(void)
{
    uint8_t a8[48], b8[16];
    for (int i = 0; i < 48; i++) a8[i] = (uint8_t)(i * 9 + 100);
    for (int i = 0; i < 16; i++) b8[i] = (uint8_t)(250 - i * 17);
    uint8x16_t a = vld1q_u8(a8), b = vld1q_u8(b8);
    p8("vaddq_u8", vaddq_u8(a, b));
    p8("vqaddq_u8", vqaddq_u8(a, b));
    p8("vqsubq_u8", vqsubq_u8(a, b));
    p8("vqaddq_s8", vreinterpretq_u8_s8(vqaddq_s8(vreinterpretq_s8_u8(a), vreinterpretq_s8_u8(b))));
    p8("vhaddq_u8", vhaddq_u8(a, b));
    p8("vrhaddq_u8", vrhaddq_u8(a, b));
    p8("vabdq_u8", vabdq_u8(a, b));
    p8("vcgtq_u8", vcgtq_u8(a, b));
    p8("vbslq_u8", vbslq_u8(vcgtq_u8(a, b), a, b));
    p8("vcntq_u8", vcntq_u8(a));
    p8("vclzq_u8", vclzq_u8(b));
    p8("vshrq_n_u8", vshrq_n_u8(a, 3));
    p8("vshlq_n_u8", vshlq_n_u8(a, 2));
    p8("vshlq_s8", vreinterpretq_u8_s8(vshlq_s8(vreinterpretq_s8_u8(a), vdupq_n_s8(-2))));
    p8("vrshrq_n_u8", vrshrq_n_u8(a, 2));
    p8("vsriq_n_u8", vsriq_n_u8(a, b, 4));
    p8("vextq_u8", vextq_u8(a, b, 5));
    p8("vrev64q_u8", vrev64q_u8(a));
    p8("vrev32q_u8", vrev32q_u8(a));
    p8d("vtbl2_u8", vtbl2_u8((uint8x8x2_t){{vget_low_u8(a), vget_high_u8(a)}}, vcreate_u8(0x1f0e0d0c03020100ull)));
    p8d("vtbx1_u8", vtbx1_u8(vget_low_u8(b), vget_low_u8(a), vcreate_u8(0x0908070605040302ull)));
    p8d("vpadd_u8", vpadd_u8(vget_low_u8(a), vget_high_u8(a)));
    uint8x16x2_t z = vzipq_u8(a, b);
    p8("vzip.0", z.val[0]); p8("vzip.1", z.val[1]);
    uint8x16x2_t u = vuzpq_u8(a, b);
    p8("vuzp.0", u.val[0]); p8("vuzp.1", u.val[1]);
    uint8x16x2_t t = vtrnq_u8(a, b);
    p8("vtrn.0", t.val[0]); p8("vtrn.1", t.val[1]);

    uint16x8_t a16 = vmovl_u8(vget_low_u8(a)), b16 = vmovl_u8(vget_high_u8(b));
    p16("vmulq_u16", vmulq_u16(a16, b16));
    p16("vmull_u8", vmull_u8(vget_low_u8(a), vget_low_u8(b)));
    p16("vmlal_u8", vmlal_u8(vdupq_n_u16(1000), vget_low_u8(a), vget_high_u8(b)));
    p16("vqdmulh", vreinterpretq_u16_s16(vqdmulhq_s16(vreinterpretq_s16_u16(vshlq_n_u16(a16, 7)), vdupq_n_s16(-20000))));
    p16("vqmovn", vcombine_u16(vqmovn_u32(vmull_u16(vget_low_u16(a16), vget_low_u16(b16))), vdup_n_u16(7)));
    p16("vpaddlq", vpaddlq_u8(a));
    int32x4_t s32 = {-100000, 2147483000, -7, 65536};
    p32("vqaddq_s32", vreinterpretq_u32_s32(vqaddq_s32(s32, vdupq_n_s32(1000))));
    p32("vmlaq_s32", vreinterpretq_u32_s32(vmlaq_s32(s32, s32, vdupq_n_s32(3))));
    p32("vshrq_s32", vreinterpretq_u32_s32(vshrq_n_s32(s32, 4)));
    p32("vqshlq_n", vreinterpretq_u32_s32(vqshlq_n_s32(s32, 8)));
    p64("vmull_s32", vreinterpretq_u64_s64(vmull_s32(vget_low_s32(s32), vget_high_s32(s32))));
    p64("vmlal_s32", vreinterpretq_u64_s64(vmlal_s32(vdupq_n_s64(-1), vget_low_s32(s32), vget_low_s32(s32))));
    p64("vpaddlq32", vpaddlq_u32(vreinterpretq_u32_s32(s32)));

    float32x4_t f = {1.5f, -2.25f, 1e10f, -0.0f}, g = {0.5f, 4.0f, -3.0f, 1.0f};
    p32("vaddq_f32", vreinterpretq_u32_f32(vaddq_f32(f, g)));
    p32("vmulq_f32", vreinterpretq_u32_f32(vmulq_f32(f, g)));
    p32("vmlaq_f32", vreinterpretq_u32_f32(vmlaq_f32(g, f, g)));
    p32("vcvt_s32", vreinterpretq_u32_s32(vcvtq_s32_f32(f)));
    p32("vcvt_u32", vcvtq_u32_f32(f));
    p32("vcvt_f32", vreinterpretq_u32_f32(vcvtq_f32_s32(s32)));
    p32("vcvt_n", vreinterpretq_u32_s32(vcvtq_n_s32_f32(f, 4)));
    p32("vrecpe", vreinterpretq_u32_f32(vrecpeq_f32(g)));
    p32("vrsqrte", vreinterpretq_u32_f32(vrsqrteq_f32(vabsq_f32(g))));
    p32("vrecps", vreinterpretq_u32_f32(vrecpsq_f32(f, g)));
    p32("vmaxq_f32", vreinterpretq_u32_f32(vmaxq_f32(f, g)));
    p32("vpadd_f32", vreinterpretq_u32_f32(vcombine_f32(vpadd_f32(vget_low_f32(f), vget_high_f32(g)), vdup_n_f32(0))));
    float den[4] = {1e-40f, -1e-40f, 1e-38f, 2.0f};
    p32("ftz", vreinterpretq_u32_f32(vmulq_f32(vld1q_f32(den), vdupq_n_f32(1.0f))));

    /* structured loads and stores */
    uint8x8x2_t l2 = vld2_u8(a8);
    p8d("vld2.0", l2.val[0]); p8d("vld2.1", l2.val[1]);
    uint8x8x3_t l3 = vld3_u8(a8);
    p8d("vld3.2", l3.val[2]);
    uint16x4x4_t l4 = vld4_u16((const uint16_t *)a8);
    p16("vld4.1+3", vcombine_u16(l4.val[1], l4.val[3]));
    uint8_t out[48];
    memset(out, 0, sizeof out);
    vst3_u8(out, l3);
    printf("vst3 roundtrip %d\n", memcmp(out, a8, 24) == 0);
    uint8x8x4_t q4 = {{vget_low_u8(a), vget_high_u8(a), vget_low_u8(b), vget_high_u8(b)}};
    vst4_u8(out, q4);
    p8("vst4", vld1q_u8(out));
    vst2q_u8(out, (uint8x16x2_t){{a, b}});
    p8("vst2q", vld1q_u8(out + 16));
    uint32x4_t lane = vld1q_lane_u32((const uint32_t *)(a8 + 4), vdupq_n_u32(0xdeadbeef), 2);
    p32("ld1 lane", lane);
    uint8x8_t dupl = vld1_dup_u8(a8 + 7);
    p8d("ld1 dup", dupl);
    return 0;
}
