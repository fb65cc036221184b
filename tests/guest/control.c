// Control flow: setjmp/longjmp, recursion, function pointers, varargs,
// qsort/bsearch, dense switch statements (Thumb-2 TBB/TBH jump tables).
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <setjmp.h>

/* gcc 12 wrongly flags deep() (it ends in longjmp) as infinite recursion */
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static jmp_buf jb;
static int depth_reached;

static void deep(int n)
{
    volatile char pad[64];
    pad[0] = (char)n;
    if (n > 0) {
        deep(n - 1);
        pad[1] = 0;
        return;
    }
    depth_reached = pad[0] + 1000;
    longjmp(jb, 7);
}

static unsigned ackermann(unsigned m, unsigned n)
{
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static uint64_t fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static int mul(int a, int b) { return a * b; }
static int (*const ops[])(int, int) = {add, sub, mul};

static double vsum(int n, ...)
{
    va_list ap;
    double s = 0;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        switch (va_arg(ap, int)) {
        case 'i': s += va_arg(ap, int); break;
        case 'l': s += (double)va_arg(ap, long long); break;
        case 'd': s += va_arg(ap, double); break;
        }
    }
    va_end(ap);
    return s;
}

static void vprint(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    vprintf(fmt, ap);
    char buf[128];
    vsnprintf(buf, sizeof buf, fmt, ap2);
    printf("[%s]\n", buf);
    va_end(ap2);
    va_end(ap);
}

/* small dense switch: TBB */
static int sw8(int x)
{
    switch (x) {
    case 0: return 11; case 1: return 22; case 2: return 35; case 3: return 47;
    case 4: return 51; case 5: return 68; case 6: return 70; case 7: return 89;
    case 8: return 93; case 9: return 104; default: return -1;
    }
}

/* switch with large case bodies: TBH */
#define BODY(k) do { volatile int t = x * (k); for (int q = 0; q < (k); q++) t += q ^ (k); r = t; } while (0); break
static int sw16(int x)
{
    int r = 0;
    switch (x) {
    case 0: BODY(3); case 1: BODY(5); case 2: BODY(7); case 3: BODY(11); case 4: BODY(13);
    case 5: BODY(17); case 6: BODY(19); case 7: BODY(23); case 8: BODY(29); case 9: BODY(31);
    case 10: BODY(37); case 11: BODY(41); case 12: BODY(43); case 13: BODY(47); case 14: BODY(53);
    case 15: BODY(59); case 16: BODY(61); case 17: BODY(67); case 18: BODY(71); case 19: BODY(73);
    case 20: BODY(79); case 21: BODY(83); case 22: BODY(89); case 23: BODY(97); case 24: BODY(101);
    case 25: BODY(103); case 26: BODY(107); case 27: BODY(109); case 28: BODY(113); case 29: BODY(127);
    case 30: { volatile unsigned char big[300]; for (int q = 0; q < 300; q++) big[q] = (unsigned char)q; r = big[299] + big[150]; } break;
    case 31: { volatile int a = 1; for (int q = 0; q < 20; q++) a = a * 3 + q; r = a; } break;
    default: r = -12345;
    }
    return r;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    volatile int counter = 0;
    int v = setjmp(jb);
    if (v == 0) {
        counter++;
        deep(50);
        printf("not reached\n");
    }
    printf("longjmp returned %d counter %d depth %d\n", v, counter, depth_reached);

    printf("ack(2,3)=%u ack(3,3)=%u fib(25)=%" PRIu64 "\n", ackermann(2, 3), ackermann(3, 3), fib(25));

    for (int i = 0; i < 3; i++) {
        volatile int idx = i;
        printf("op%d(17,5)=%d\n", i, ops[idx](17, 5));
    }

    printf("vsum %.6f\n", vsum(5, 'i', 3, 'd', 2.5, 'l', 10000000000ll, 'i', -7, 'd', 0.125));
    vprint("%d %s %c %5.2f %lld %x|", 42, "str", 'z', 3.14159, -9876543210ll, 0xbeefu);

    for (int i = -2; i < 12; i++) {
        volatile int vi = i;
        printf("sw8(%d)=%d ", i, sw8(vi));
    }
    printf("\n");
    for (int i = -1; i < 34; i++) {
        volatile int vi = i;
        printf("sw16(%d)=%d\n", i, sw16(vi));
    }

    int arr[200];
    uint32_t x = 12345;
    for (int i = 0; i < 200; i++) {
        x = x * 1664525u + 1013904223u;
        arr[i] = (int)(x >> 8) % 1000 - 500;
    }
    qsort(arr, 200, sizeof arr[0], cmp_int);
    int sorted = 1;
    long long sum = 0;
    for (int i = 0; i < 200; i++) {
        if (i && arr[i - 1] > arr[i]) sorted = 0;
        sum += arr[i] * (i + 1);
    }
    printf("qsort sorted %d min %d max %d wsum %lld\n", sorted, arr[0], arr[199], sum);
    for (int k = -500; k <= 500; k += 125) {
        int *p = bsearch(&k, arr, 200, sizeof arr[0], cmp_int);
        printf("bsearch %d: %s\n", k, p ? "found" : "absent");
    }
    return 0;
}
