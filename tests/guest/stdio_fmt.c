// snprintf / sscanf / strtol / strtoul / strtoll / strtod formatting and parsing.
// Expected output assumes ILP32 (long is 32 bits): strtol saturates at LONG_MAX/LONG_MIN.
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <limits.h>

int main(void)
{
    char buf[256];
    int n;
    n = snprintf(buf, sizeof buf, "[%d|%5d|%-5d|%05d|%+d|%x|%X|%#o|%#x|%c|%s|%.3s|%10.4s|%%]",
                 -42, 42, 42, 42, 42, 0xabcdu, 0xabcdu, 8u, 255u, 'Q', "hello", "abcdef", "xyzzy");
    printf("%d %s\n", n, buf);
    n = snprintf(buf, sizeof buf, "[%lld|%llu|%llx|%" PRId64 "|%hhd|%hd|%zu|%jd]",
                 LLONG_MIN, ULLONG_MAX, 0x123456789abcdefull, (int64_t)-1, (signed char)300, (short)70000,
                 (size_t)12345, (intmax_t)-5);
    printf("%d %s\n", n, buf);
    n = snprintf(buf, sizeof buf, "[%f|%.2f|%e|%.3E|%g|%g|%g|%a|%.0f|%.0f|%10.3f|%-10.1f|]",
                 3.14159265358979, 2.675, 12345.6789, 0.000123456, 100000.0, 1e-5, 123456789.0, 1.0, 0.5, 1.5,
                 -2.5, 7.25);
    printf("%d %s\n", n, buf);
    n = snprintf(buf, sizeof buf, "[%f|%f|%f|%e|%g]", 1.0 / 0.0, -1.0 / 0.0, 1e300 * 1e10, 0.0, -0.0);
    printf("%d %s\n", n, buf);
    volatile size_t small = 8;
    n = snprintf(buf, small, "truncated-output-%d", 12345);
    printf("trunc %d '%s'\n", n, buf);

    int a, b;
    unsigned u;
    char word[32];
    double d;
    float f;
    long long ll;
    n = sscanf("  17 -0x1F word 2.5e3 1.25 -123456789012", "%d %i %31s %lf %f %lld", &a, &b, word, &d, &f, &ll);
    printf("sscanf %d: %d %d %s %.1f %.2f %lld\n", n, a, b, word, d, (double)f, ll);
    int pos = -1;
    n = sscanf("ff:077:12abc", "%x:%o:%d%n", &u, &a, &b, &pos);
    printf("sscanf2 %d: u=%u a=%d b=%d pos=%d\n", n, u, a, b, pos);
    n = sscanf("abc", "%d", &a);
    printf("sscanf3 %d\n", n);

    const char *ls[] = {"0", "123", "-123", "  +77xyz", "0x7fffffff", "2147483647", "2147483648", "-2147483649",
                        "0777", "zz", "", "-0", "99999999999999999999"};
    for (unsigned i = 0; i < sizeof ls / sizeof ls[0]; i++) {
        char *end;
        errno = 0;
        long long v = strtoll(ls[i], &end, 0);
        int e1 = errno;
        errno = 0;
        unsigned long uv = strtoul(ls[i], NULL, 10);
        int e2 = errno;
        errno = 0;
        int32_t v32 = (int32_t)strtol(ls[i], NULL, 10);
        printf("strto '%s': ll %lld end+%d erange %d | ul10 %lu erange %d | l10(32) %" PRId32 "\n", ls[i], v,
               (int)(end - ls[i]), e1 == ERANGE, (unsigned long)(uint32_t)uv, e2 == ERANGE, v32);
    }
    const char *ds[] = {"0", "1.5", "-2.25e-3", "1e308", "1e309", "4.9e-324", "1e-400", "0x1.8p3", "inf", "-nan",
                        "3.14159265358979323846", "  12.5abc", "1e-310"};
    for (unsigned i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        char *end;
        errno = 0;
        double v = strtod(ds[i], &end);
        uint64_t bits;
        memcpy(&bits, &v, 8);
        /* the sign of a parsed NaN is kept; print it separately from the payload */
        printf("strtod '%s': %a %016" PRIx64 " end+%d erange %d\n", ds[i], v, bits, (int)(end - ds[i]),
               errno == ERANGE);
    }
    float fv = strtof("0.1", NULL);
    uint32_t fb;
    memcpy(&fb, &fv, 4);
    printf("strtof 0.1 %a %08" PRIx32 "\n", (double)fv, fb);
    return 0;
}
