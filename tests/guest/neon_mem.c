// cflags: -mfpu=neon
// NEON whole-register loads and stores (VLD1/VST1) at the edges: an
// alignment hint on a misaligned base raises SIGBUS (the hint is a check;
// Linux does not fix up NEON accesses), an access running into an
// unmapped page raises SIGSEGV with nothing loaded, and one crossing into a
// mapped page just works. Expected values follow from the data written.
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile int caught;

static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)si;
    (void)ctx;
    caught = sig;
    siglongjmp(env, 1);
}

static uint64_t load2(const void *p, uint64_t *hi)
{
    uint64_t lo, h;
    __asm__ volatile("vld1.64 {d16, d17}, [%2]\n\t"
                     "vmov %Q0, %R0, d16\n\t"
                     "vmov %Q1, %R1, d17"
                     : "=r"(lo), "=r"(h)
                     : "r"(p)
                     : "d16", "d17", "memory");
    *hi = h;
    return lo;
}

static void load_aligned64(const void *p)
{
    __asm__ volatile("vld1.64 {d16}, [%0:64]" : : "r"(p) : "d16", "memory");
}

static void store2(void *p, uint64_t a, uint64_t b)
{
    __asm__ volatile("vmov d16, %Q1, %R1\n\t"
                     "vmov d17, %Q2, %R2\n\t"
                     "vst1.8 {d16, d17}, [%0]!"
                     : "+r"(p)
                     : "r"(a), "r"(b)
                     : "d16", "d17", "memory");
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, 0);
    sigaction(SIGSEGV, &sa, 0);

    long page = sysconf(_SC_PAGESIZE);
    unsigned char *m = mmap(0, 2 * page, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 1;
    for (long i = 0; i < 2 * page; i++)
        m[i] = (unsigned char)i;

    // Crossing from the first page into the second (both mapped).
    uint64_t hi, lo = load2(m + page - 4, &hi);
    printf("cross: %016llx %016llx\n", (unsigned long long)lo, (unsigned long long)hi);

    store2(m + 8, 0x0807060504030201ull, 0x100f0e0d0c0b0a09ull);
    printf("store: %02x %02x %02x\n", m[8], m[15], m[23]);

    for (int round = 0; round < 3; round++) {
        caught = 0;
        if (sigsetjmp(env, 1) == 0)
            load_aligned64(m + 4);
        printf("misaligned :64 -> %s\n", caught == SIGBUS ? "SIGBUS" : caught ? "other" : "no fault");
        caught = 0;
        if (sigsetjmp(env, 1) == 0)
            load_aligned64(m + 8);
        printf("aligned :64 -> %s\n", caught ? "fault" : "no fault");
    }

    // The second page goes away: a load running into it faults.
    munmap(m + page, page);
    caught = 0;
    uint64_t before = 0x1111;
    if (sigsetjmp(env, 1) == 0)
        before = load2(m + page - 8, &hi);
    printf("into unmapped -> %s, result untouched: %s\n",
           caught == SIGSEGV ? "SIGSEGV" : caught ? "other" : "no fault",
           before == 0x1111 ? "yes" : "no");
    return 0;
}
