// ACLE saturating and SIMD-in-GPR intrinsics (<arm_acle.h>, gcc 12):
// __qadd/__qsub/__qdbl, __ssat/__usat, Q flag, __qadd8/__qsub16/__uqadd8,
// __sadd8/__uadd8 + __sel (GE flags), halving ops, __usad8, __smlad and
// friends, __smlabb/__smlawb, __sxtb16/__uxtab16. Values checked by hand
// against the ARM ARM pseudocode.
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <arm_acle.h>

static volatile int32_t A = 0x7ffffff0, B = 0x20, C = -0x7ffffff0;
static volatile uint32_t P = 0x7f80ff01u, Q = 0x01807f02u;

int main(void)
{
    int32_t a = A, b = B, c = C;
    uint32_t p = P, q = Q;
    __ignore_saturation();
    printf("qflag0 %d\n", __saturation_occurred());
    printf("qadd %08" PRIx32 " %08" PRIx32 " %08" PRIx32 "\n", (uint32_t)__qadd(a, b), (uint32_t)__qadd(c, -b),
           (uint32_t)__qadd(a, c));
    printf("qflag1 %d\n", __saturation_occurred());
    __set_saturation_occurred(0);
    printf("qsub %08" PRIx32 " %08" PRIx32 " qflag %d\n", (uint32_t)__qsub(b, a), (uint32_t)__qsub(c, b),
           __saturation_occurred());
    __set_saturation_occurred(0);
    printf("qdbl %08" PRIx32 " %08" PRIx32 " qflag %d\n", (uint32_t)__qdbl(0x30000000), (uint32_t)__qdbl(b),
           __saturation_occurred());
    __set_saturation_occurred(0);
    printf("ssat %d %d %d %d\n", __ssat(a, 8), __ssat(c, 8), __ssat(b, 16), __ssat(-b, 6));
    printf("usat %u %u %u %u qflag %d\n", __usat(a, 8), __usat(c, 8), __usat(b, 16), __usat(b, 5), __saturation_occurred());
    __set_saturation_occurred(0);
    printf("ssat16 %08" PRIx32 " usat16 %08" PRIx32 "\n", (uint32_t)__ssat16((int16x2_t)p, 8), (uint32_t)__usat16((int16x2_t)p, 8));
    printf("qadd8 %08" PRIx32 " qsub8 %08" PRIx32 " uqadd8 %08" PRIx32 " uqsub8 %08" PRIx32 "\n",
           (uint32_t)__qadd8(p, q), (uint32_t)__qsub8(p, q), __uqadd8(p, q), __uqsub8(p, q));
    printf("qadd16 %08" PRIx32 " qsub16 %08" PRIx32 " uqadd16 %08" PRIx32 " uqsub16 %08" PRIx32 "\n",
           (uint32_t)__qadd16(p, q), (uint32_t)__qsub16(p, q), __uqadd16(p, q), __uqsub16(p, q));
    printf("qasx %08" PRIx32 " qsax %08" PRIx32 "\n", (uint32_t)__qasx(p, q), (uint32_t)__qsax(p, q));
    printf("shadd8 %08" PRIx32 " uhadd8 %08" PRIx32 " shsub16 %08" PRIx32 " uhsub16 %08" PRIx32 "\n",
           (uint32_t)__shadd8(p, q), __uhadd8(p, q), (uint32_t)__shsub16(p, q), __uhsub16(p, q));
    /* GE flags from sadd8/uadd8/usub8 select bytes with __sel */
    uint32_t s1 = (uint32_t)__sadd8(p, q);
    uint32_t sel1 = __sel(0xaaaaaaaau, 0x55555555u);
    uint32_t s2 = __uadd8(p, q);
    uint32_t sel2 = __sel(0x11223344u, 0xaabbccddu);
    uint32_t s3 = __usub8(p, q);
    uint32_t sel3 = __sel(0x11223344u, 0xaabbccddu);
    uint32_t s4 = (uint32_t)__ssub16(p, q);
    uint32_t sel4 = __sel(0x11223344u, 0xaabbccddu);
    uint32_t s5 = __uadd16(p, q);
    uint32_t sel5 = __sel(0x11223344u, 0xaabbccddu);
    printf("sadd8 %08" PRIx32 " sel %08" PRIx32 "\n", s1, sel1);
    printf("uadd8 %08" PRIx32 " sel %08" PRIx32 "\n", s2, sel2);
    printf("usub8 %08" PRIx32 " sel %08" PRIx32 "\n", s3, sel3);
    printf("ssub16 %08" PRIx32 " sel %08" PRIx32 "\n", s4, sel4);
    printf("uadd16 %08" PRIx32 " sel %08" PRIx32 "\n", s5, sel5);
    printf("sasx %08" PRIx32 " usax %08" PRIx32 "\n", (uint32_t)__sasx(p, q), __usax(p, q));
    printf("usad8 %" PRIu32 " usada8 %" PRIu32 "\n", __usad8(p, q), __usada8(p, q, 1000));
    /* dual 16-bit multiplies: p = (0x7f80, 0xff01) q = (0x0180, 0x7f02) as signed halves */
    printf("smuad %" PRId32 " smuadx %" PRId32 " smusd %" PRId32 " smusdx %" PRId32 "\n", __smuad(p, q),
           __smuadx(p, q), __smusd(p, q), __smusdx(p, q));
    printf("smlad %" PRId32 " smladx %" PRId32 " smlsd %" PRId32 " smlsdx %" PRId32 "\n", __smlad(p, q, 5),
           __smladx(p, q, 5), __smlsd(p, q, 5), __smlsdx(p, q, 5));
    printf("smlald %" PRId64 " smlsld %" PRId64 "\n", __smlald(p, q, -10000000000ll), __smlsld(p, q, 10000000000ll));
    __set_saturation_occurred(0);
    printf("smlad overflow %08" PRIx32 " qflag %d\n", (uint32_t)__smlad(0x80008000u, 0x80008000u, 0), __saturation_occurred());
    printf("smlabb %" PRId32 " smlatb %" PRId32 " smlabt %" PRId32 " smlatt %" PRId32 "\n", __smlabb(p, q, 7),
           __smlatb(p, q, 7), __smlabt(p, q, 7), __smlatt(p, q, 7));
    printf("smlawb %" PRId32 " smlawt %" PRId32 "\n", __smlawb(0x12345678, p, 100), __smlawt(-0x12345678, p, 100));
    printf("sxtb16 %08" PRIx32 " uxtb16 %08" PRIx32 " sxtab16 %08" PRIx32 " uxtab16 %08" PRIx32 "\n",
           (uint32_t)__sxtb16(p), __uxtb16(p), (uint32_t)__sxtab16(0x00010001, p), __uxtab16(0x00010001u, p));
    return 0;
}
