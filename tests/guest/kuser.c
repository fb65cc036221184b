// The kuser helper page at 0xffff0000 (Linux's Documentation/arm/
// kernel_user_helpers.rst): version, get_tls, cmpxchg, cmpxchg64 and the
// memory barrier, called through their fixed addresses. Also an unknown
// system call, which must fail with ENOSYS.
#include <stdio.h>
#include <stdint.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

typedef int (kuser_cmpxchg_t)(int oldval, int newval, volatile int *ptr);
typedef int (kuser_cmpxchg64_t)(const int64_t *oldval, const int64_t *newval, volatile int64_t *ptr);
typedef void *(kuser_get_tls_t)(void);
typedef void (kuser_memory_barrier_t)(void);

#define kuser_helper_version (*(int32_t *)0xffff0ffc)
#define kuser_get_tls (*(kuser_get_tls_t *)0xffff0fe0)
#define kuser_cmpxchg (*(kuser_cmpxchg_t *)0xffff0fc0)
#define kuser_cmpxchg64 (*(kuser_cmpxchg64_t *)0xffff0f60)
#define kuser_memory_barrier (*(kuser_memory_barrier_t *)0xffff0fa0)

int main(void)
{
    printf("version >= 5: %d\n", kuser_helper_version >= 5);
    void *tp;
    __asm__("mrc p15, 0, %0, c13, c0, 3" : "=r"(tp));
    printf("get_tls matches TPIDRURO: %d\n", kuser_get_tls() == tp);

    volatile int v = 10;
    int r1 = kuser_cmpxchg(10, 20, &v);
    printf("cmpxchg hit: ret %d value %d\n", r1, v);
    int r2 = kuser_cmpxchg(10, 30, &v);
    printf("cmpxchg miss: ret %s value %d\n", r2 != 0 ? "nonzero" : "0", v);

    volatile int64_t w = 0x100000002LL;
    int64_t old = 0x100000002LL, new = 0x300000004LL;
    int r3 = kuser_cmpxchg64(&old, &new, &w);
    printf("cmpxchg64 hit: ret %d value %llx\n", r3, (unsigned long long)w);
    int r4 = kuser_cmpxchg64(&old, &new, &w);
    printf("cmpxchg64 miss: ret %s value %llx\n", r4 != 0 ? "nonzero" : "0", (unsigned long long)w);

    kuser_memory_barrier();
    printf("barrier returned\n");

    errno = 0;
    long r = syscall(0x3ff);
    printf("unknown syscall: %ld %s\n", r, errno == ENOSYS ? "ENOSYS" : "other");
    return 0;
}
