// Time: clock_gettime (monotonic increases, realtime sane), nanosleep 10 ms
// elapses >= 10 ms, gettimeofday agrees with time() within a second,
// clock_getres, times(). Prints only booleans.
#include <stdio.h>
#include <stdint.h>
#include <time.h>
#include <sys/time.h>
#include <sys/times.h>
#include <unistd.h>

static int64_t ns(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec; }

int main(void)
{
    struct timespec a, b, r;
    int inc = 1;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (ns(&b) < ns(&a)) inc = 0;
        a = b;
    }
    printf("monotonic non-decreasing %d\n", inc);
    printf("nsec in range %d\n", b.tv_nsec >= 0 && b.tv_nsec < 1000000000);
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec req = {0, 10 * 1000 * 1000}, rem = {0, 0};
    int rc = nanosleep(&req, &rem);
    clock_gettime(CLOCK_MONOTONIC, &b);
    int64_t el = ns(&b) - ns(&a);
    printf("nanosleep rc %d elapsed>=10ms %d <2s %d\n", rc, el >= 10000000, el < 2000000000);
    struct timeval tv;
    time_t t0 = time(NULL);
    gettimeofday(&tv, NULL);
    time_t t1 = time(NULL);
    printf("gettimeofday vs time %d usec ok %d\n", tv.tv_sec >= t0 - 1 && tv.tv_sec <= t1 + 1,
           tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    clock_gettime(CLOCK_REALTIME, &a);
    printf("realtime after 2020 %d matches time %d\n", a.tv_sec > 1577836800, a.tv_sec >= t0 - 1 && a.tv_sec <= t1 + 1);
    rc = clock_getres(CLOCK_MONOTONIC, &r);
    printf("getres rc %d sane %d\n", rc, r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 10000000);
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    volatile uint32_t x = 0;
    for (int i = 0; i < 2000000; i++) x += i;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    printf("cputime advances %d\n", ns(&c1) > ns(&c0));
    struct tms tm;
    printf("times ok %d\n", times(&tm) != (clock_t)-1);
    struct tm g;
    time_t fixed = 1700000000;
    gmtime_r(&fixed, &g);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a %j", &g);
    printf("gmtime %s\n", buf);
    return 0;
}
