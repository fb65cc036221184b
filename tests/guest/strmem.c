// String and memory functions over sizes 0..300 and alignments 0..7, each
// result checked against a naive byte loop; prints a checksum and "ok".
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <string.h>

#define BUF 640
static unsigned char A[BUF], B[BUF], R[BUF];
static uint32_t sum = 0;
static int errors = 0;
static uint32_t rng = 1;
static unsigned char rb(void) { rng = rng * 1103515245u + 12345u; return (unsigned char)(rng >> 16); }
static void mix(uint32_t v) { sum = (sum ^ v) * 16777619u; }
#define CHECK(cond, what, n, al) do { if (!(cond)) { if (errors++ < 10) printf("FAIL %s n=%d al=%d\n", what, (int)(n), (int)(al)); } } while (0)

static void fill(unsigned char *p, size_t n, int nonzero)
{
    for (size_t i = 0; i < n; i++) { unsigned char c = rb(); p[i] = nonzero && !c ? 1 : c; }
}
static int sgn(int x) { return (x > 0) - (x < 0); }

int main(void)
{
    for (int n = 0; n <= 300; n++) {
        for (int al = 0; al < 8; al++) {
            int bl = (al * 3 + n) & 7;
            unsigned char *s = A + 8 + al, *d = B + 8 + bl;
            fill(A, BUF, 0);
            fill(B, BUF, 0);
            memcpy(R, B, BUF);
            /* memcpy */
            memcpy(d, s, n);
            for (int i = 0; i < n; i++) R[8 + bl + i] = s[i];
            CHECK(memcmp(B, R, BUF) == 0 || 0, "memcpy", n, al);
            for (int i = 0; i < BUF; i++) CHECK(B[i] == R[i], "memcpy-bytes", n, al);
            /* memset */
            int c = rb();
            memset(d, c, n);
            for (int i = 0; i < n; i++) R[8 + bl + i] = (unsigned char)c;
            for (int i = 0; i < BUF; i++) CHECK(B[i] == R[i], "memset", n, al);
            /* memmove, overlapping both directions */
            int off = (n % 13) - 6;
            unsigned char *src2 = B + 100 + al, *dst2 = B + 100 + al + off;
            unsigned char tmp[BUF];
            for (int i = 0; i < n; i++) tmp[i] = src2[i];
            memcpy(R, B, BUF);
            for (int i = 0; i < n; i++) R[100 + al + off + i] = tmp[i];
            memmove(dst2, src2, n);
            for (int i = 0; i < BUF; i++) CHECK(B[i] == R[i], "memmove", n, al);
            /* memcmp: equal, then one differing byte */
            memcpy(d, s, n);
            CHECK(memcmp(d, s, n) == 0, "memcmp-eq", n, al);
            if (n) {
                int k = rb() % n;
                d[k] ^= (unsigned char)(1 + (rb() % 255));
                int naive = d[k] - s[k];
                int got = memcmp(d, s, n);
                CHECK(sgn(got) == sgn(naive), "memcmp-ne", n, al);
                mix((uint32_t)sgn(got));
            }
            /* strings: nonzero bytes, terminated */
            fill(s, n, 1);
            s[n] = 0;
            size_t len = strlen((char *)s);
            CHECK(len == (size_t)n, "strlen", n, al);
            mix((uint32_t)len);
            strcpy((char *)d, (char *)s);
            for (int i = 0; i <= n; i++) CHECK(d[i] == s[i], "strcpy", n, al);
            CHECK(strcmp((char *)d, (char *)s) == 0, "strcmp-eq", n, al);
            if (n) {
                int k = rb() % n;
                unsigned char old = d[k];
                d[k] = (unsigned char)(old == 255 ? 1 : old + 1);
                int naive = (int)d[k] - (int)s[k];
                CHECK(sgn(strcmp((char *)d, (char *)s)) == sgn(naive), "strcmp-ne", n, al);
                CHECK(strncmp((char *)d, (char *)s, k) == 0, "strncmp-prefix", n, al);
                CHECK(sgn(strncmp((char *)d, (char *)s, k + 1)) == sgn(naive), "strncmp-ne", n, al);
                d[k] = old;
                /* strchr / strrchr for a byte that is present */
                unsigned char ch = s[rb() % n];
                const unsigned char *f = NULL, *l = NULL;
                for (int i = 0; i < n; i++) if (s[i] == ch) { if (!f) f = s + i; l = s + i; }
                CHECK((unsigned char *)strchr((char *)s, ch) == f, "strchr", n, al);
                CHECK((unsigned char *)strrchr((char *)s, ch) == l, "strrchr", n, al);
                mix((uint32_t)(f - s) * 7 + (uint32_t)(l - s));
            }
            CHECK((unsigned char *)strchr((char *)s, 0) == s + n, "strchr-nul", n, al);
            /* strstr: needle taken from inside the haystack */
            if (n >= 4) {
                int st = rb() % (n - 3), nl = 1 + rb() % 3;
                char needle[8];
                memcpy(needle, s + st, nl);
                needle[nl] = 0;
                const unsigned char *first = NULL;
                for (int i = 0; i + nl <= n && !first; i++)
                    if (memcmp(s + i, needle, nl) == 0) first = s + i;
                CHECK((unsigned char *)strstr((char *)s, needle) == first, "strstr", n, al);
                mix((uint32_t)(first - s));
            }
            mix(n * 8 + al);
        }
    }
    /* a few fixed cases */
    printf("strstr %s|%s|%d\n", strstr("hello world", "o w"), strstr("aaab", "aab"), strstr("abc", "abd") == NULL);
    printf("strcmp %d %d %d\n", sgn(strcmp("abc", "abd")), sgn(strcmp("b", "abc")), sgn(strcmp("\xff", "\x01")));
    printf("checksum %08" PRIx32 " errors %d\n", sum, errors);
    printf("%s\n", errors ? "FAIL" : "ok");
    return 0;
}
