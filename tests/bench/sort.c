// CPU-bound benchmark: sort 2^22 pseudo-random 32-bit ints (from an LCG)
// with a hand-written quicksort (median of three, insertion sort below 16
// elements), check the order and print a position-weighted checksum.
// Loads, stores, compares and unpredictable branches.
#include <stdio.h>
#include <stdint.h>

#define N (1 << 22)
static uint32_t a[N];

static void insertion(uint32_t *v, long n)
{
    for (long i = 1; i < n; i++) {
        uint32_t t = v[i];
        long j = i - 1;
        while (j >= 0 && v[j] > t) { v[j + 1] = v[j]; j--; }
        v[j + 1] = t;
    }
}

static void quicksort(uint32_t *v, long n)
{
    while (n > 16) {
        uint32_t x = v[0], y = v[n / 2], z = v[n - 1], p;
        if (x < y) p = y < z ? y : (x < z ? z : x);
        else p = x < z ? x : (y < z ? z : y);
        long i = 0, j = n - 1;
        for (;;) { // Hoare partition
            while (v[i] < p) i++;
            while (v[j] > p) j--;
            if (i >= j) break;
            uint32_t t = v[i]; v[i] = v[j]; v[j] = t;
            i++; j--;
        }
        // Recurse into the smaller part, loop on the larger.
        long left = j + 1;
        if (left < n - left) { quicksort(v, left); v += left; n -= left; }
        else { quicksort(v + left, n - left); n = left; }
    }
    insertion(v, n);
}

int main(void)
{
    uint32_t x = 2463534242u;
    for (long i = 0; i < N; i++) {
        x = x * 1664525u + 1013904223u;
        a[i] = (x >> 8) ^ (x << 20);
    }
    quicksort(a, N);
    uint32_t sum = 0;
    for (long i = 0; i < N; i++) {
        if (i > 0 && a[i - 1] > a[i]) { printf("not sorted at %ld\n", i); return 1; }
        sum = sum * 31u + a[i] * (uint32_t)(i + 1);
    }
    printf("sorted %d ints: min %08x median %08x max %08x checksum %08x\n",
           N, a[0], a[N / 2], a[N - 1], sum);
    return 0;
}
