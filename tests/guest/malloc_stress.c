// malloc/free/realloc/calloc stress over many sizes; checks contents survive.
// Expected output: the same source built for and run on the x86-64 host
// (portable C; the byte total depends only on the xorshift sequence).
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 256
static unsigned char *p[SLOTS];
static size_t sz[SLOTS];
static unsigned char tag[SLOTS];

static uint32_t rng = 2463534242u;
static uint32_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }

static int check(int i)
{
    for (size_t k = 0; k < sz[i]; k++)
        if (p[i][k] != (unsigned char)(tag[i] + k)) return 0;
    return 1;
}

int main(void)
{
    int bad = 0, aligned_bad = 0;
    uint64_t total = 0;
    for (int round = 0; round < 1500; round++) {
        int i = rnd() % SLOTS;
        uint32_t r = rnd();
        size_t n;
        switch (r & 3) {
        case 0: n = r >> 28; break;                 /* 0..15 */
        case 1: n = (r >> 20) & 0x3ff; break;       /* < 1 KiB */
        case 2: n = (r >> 16) & 0x7fff; break;      /* < 32 KiB */
        default: n = (r % 5 == 0) ? 150000 + ((r >> 8) & 0xffff) : 64; break; /* mmap-sized sometimes */
        }
        if (p[i] && !check(i)) bad++;
        if (p[i] && (r & 0x10)) {
            /* realloc keeps the common prefix */
            size_t keep = sz[i] < n ? sz[i] : n;
            unsigned char *q = realloc(p[i], n ? n : 1);
            if (!q) { printf("realloc failed\n"); return 1; }
            for (size_t k = 0; k < keep; k++)
                if (q[k] != (unsigned char)(tag[i] + k)) { bad++; break; }
            p[i] = q;
        } else {
            free(p[i]);
            p[i] = (r & 0x20) ? calloc(1, n ? n : 1) : malloc(n ? n : 1);
            if (!p[i]) { printf("malloc failed\n"); return 1; }
            if (r & 0x20)
                for (size_t k = 0; k < n; k++)
                    if (p[i][k]) { bad++; break; }
        }
        if ((uintptr_t)p[i] & 7) aligned_bad++;
        sz[i] = n;
        tag[i] = (unsigned char)round;
        for (size_t k = 0; k < n; k++) p[i][k] = (unsigned char)(tag[i] + k);
        total += n;
    }
    for (int i = 0; i < SLOTS; i++) {
        if (p[i] && !check(i)) bad++;
        free(p[i]);
    }
    /* many tiny allocations then free in reverse */
    void *small[4000];
    for (int i = 0; i < 4000; i++) { small[i] = malloc(i % 48 + 1); memset(small[i], i, i % 48 + 1); }
    for (int i = 3999; i >= 0; i--) {
        if (((unsigned char *)small[i])[i % 48] != (unsigned char)i) bad++;
        free(small[i]);
    }
    /* posix_memalign */
    for (size_t al = 8; al <= 65536; al *= 2) {
        void *m = NULL;
        if (posix_memalign(&m, al, 100) || ((uintptr_t)m & (al - 1))) aligned_bad++;
        free(m);
    }
    printf("total bytes %" PRIu64 " bad %d misaligned %d\n", total, bad, aligned_bad);
    printf("%s\n", bad || aligned_bad ? "FAIL" : "ok");
    return 0;
}
