// CPU-bound benchmark: sieve of Eratosthenes, repeated.
#include <stdio.h>
#include <string.h>
static unsigned char flags[1 << 20];
int main(void)
{
    int count = 0;
    for (int rep = 0; rep < 80; rep++) {
        memset(flags, 1, sizeof flags);
        count = 0;
        for (int i = 2; i < (int)sizeof flags; i++) {
            if (!flags[i]) continue;
            count++;
            for (int j = 2 * i; j < (int)sizeof flags; j += i) flags[j] = 0;
        }
    }
    printf("primes below 2^20: %d\n", count);
    return 0;
}
