// Calls real software makes that rsemu-arm once answered ENOSYS or
// EINVAL: prctl options (sandboxes' PR_SET_NO_NEW_PRIVS, the thread name,
// PR_GET_AUXV, PR_GET_TID_ADDRESS, the child subreaper, capabilities),
// 16-bit getgroups, epoll_pwait2, futex_waitv, the TIOCOUTQ and
// SIOCGPGRP ioctls. Where ARM and x86-64 Linux differ (options of other
// architectures, the width of the old group ids) the program checks what
// the kernel says on each and prints one line for both.
// Portable: the expected output is the host's (x86-64) result; qemu-arm
// lacks most of these (newcalls.qemu-expected).
// ldflags: -pthread
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_GET_AUXV
#define PR_GET_AUXV 0x41555856 // Linux 6.4; newer than these headers
#endif
#ifndef FUTEX_32
#define FUTEX_32 2
#endif

static const char *res(long r)
{
    static char buf[64];
    if (r >= 0)
        snprintf(buf, sizeof buf, "%ld", r);
    else
        snprintf(buf, sizeof buf, "-1 %s", strerrorname_np(errno));
    return buf;
}

static void *thread_name(void *arg)
{
    char name[16] = "";
    prctl(PR_GET_NAME, name);
    printf("new thread's name: %s\n", name);
    return arg;
}

static void prctls(const char *argv0)
{
    printf("PR_GET_NO_NEW_PRIVS: %s\n", res(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));
    printf("PR_SET_NO_NEW_PRIVS, extra argument: %s\n", res(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0)));
    printf("PR_SET_NO_NEW_PRIVS: %s\n", res(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)));
    printf("PR_GET_NO_NEW_PRIVS: %s\n", res(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));

    char name[16] = "";
    prctl(PR_GET_NAME, name);
    const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
    printf("name is the program's: %d\n", strncmp(name, base, 15) == 0);
    printf("PR_SET_NAME: %s\n", res(prctl(PR_SET_NAME, "worker-name-that-is-long")));
    prctl(PR_GET_NAME, name);
    printf("PR_GET_NAME: %s\n", name);
    pthread_t t;
    pthread_create(&t, NULL, thread_name, NULL);
    pthread_join(t, NULL);

    int *tidp = NULL;
    long r = prctl(PR_GET_TID_ADDRESS, &tidp, 0, 0, 0);
    printf("PR_GET_TID_ADDRESS: %s, holds this thread's id %d\n", res(r), tidp && *tidp == gettid());

    unsigned long aux[128];
    r = prctl(PR_GET_AUXV, aux, sizeof aux, 0, 0);
    int found = 0;
    for (long i = 0; i + 1 < r / (long)sizeof(long) && i + 1 < 128; i += 2)
        if (aux[i] == AT_PAGESZ && aux[i + 1] == getauxval(AT_PAGESZ))
            found = 1;
    printf("PR_GET_AUXV: whole pairs %d, AT_PAGESZ found %d\n", r > 0 && r % (2 * sizeof(long)) == 0, found);
    printf("PR_GET_AUXV, 0 bytes: same size %d\n", prctl(PR_GET_AUXV, aux, 0, 0, 0) == r);

    int reaper = -1;
    printf("PR_SET_CHILD_SUBREAPER: %s", res(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)));
    printf(", PR_GET_CHILD_SUBREAPER: %s", res(prctl(PR_GET_CHILD_SUBREAPER, &reaper, 0, 0, 0)));
    printf(" -> %d\n", reaper);
    printf("PR_CAPBSET_READ(CAP_CHOWN): %s\n", res(prctl(PR_CAPBSET_READ, 0, 0, 0, 0)));
    printf("PR_CAPBSET_READ(999): %s\n", res(prctl(PR_CAPBSET_READ, 999, 0, 0, 0)));
    printf("PR_GET_DUMPABLE: %s\n", res(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)));
    printf("PR_SET_PDEATHSIG(SIGRTMIN+3): %s", res(prctl(PR_SET_PDEATHSIG, SIGRTMIN + 3)));
    int sig = 0;
    prctl(PR_GET_PDEATHSIG, &sig);
    printf(", PR_GET_PDEATHSIG: SIGRTMIN+%d\n", sig - SIGRTMIN);
    printf("PR_SET_TIMERSLACK: %s", res(prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0)));
    printf(", PR_GET_TIMERSLACK: %s\n", res(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0)));
    printf("unknown option 999999: %s\n", res(prctl(999999, 0, 0, 0, 0)));
    // PR_GET_TSC is x86's: EINVAL on ARM.
    int tsc = 0;
    r = prctl(PR_GET_TSC, &tsc, 0, 0, 0);
#ifdef __arm__
    printf("PR_GET_TSC: %s\n", r == -1 && errno == EINVAL ? "as the kernel says" : "wrong");
#else
    printf("PR_GET_TSC: %s\n", r == 0 ? "as the kernel says" : "wrong");
#endif
}

static void groups16(void)
{
    gid_t g[64];
    int n = getgroups(64, g);
#ifdef __arm__
    uint16_t old[64]; // ARM's getgroups (80) has 16-bit ids
#else
    gid_t old[64];
#endif
    long m = syscall(SYS_getgroups, 64, old);
    int same = m == n;
    for (int i = 0; same && i < n; i++)
        same = old[i] == (g[i] > 65535 ? 65534 : g[i]);
    printf("old getgroups agrees: %d; count only: %d\n", same, (int)syscall(SYS_getgroups, 0, NULL) == n);
    errno = 0;
    printf("old getgroups, too small: %s\n", n > 0 ? res(syscall(SYS_getgroups, n - 1, old)) : "-1 EINVAL");
    printf("old getgroups, negative: %s\n", res(syscall(SYS_getgroups, -1, old)));
    printf("old setgroups, same list: %s\n", res(syscall(SYS_setgroups, m, old)));
}

// epoll_pwait2 and futex_waitv take the kernel's 64-bit timespec, on
// 32-bit ARM too (glibc's struct timespec has a 32-bit time_t there).
struct ktimespec {
    int64_t sec, nsec;
};

static void waits(void)
{
    int ep = epoll_create1(0);
    int ev = eventfd(0, 0);
    struct epoll_event e = { .events = EPOLLIN, .data.u64 = 0x1122334455667788ull };
    epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e);
    struct ktimespec ten_ms = { 0, 10000000 }, bad = { 0, 1000000000 };
    struct epoll_event out[4];
    printf("epoll_pwait2, nothing ready: %s\n", res(syscall(SYS_epoll_pwait2, ep, out, 4, &ten_ms, NULL, 8)));
    printf("epoll_pwait2, bad timeout: %s\n", res(syscall(SYS_epoll_pwait2, ep, out, 4, &bad, NULL, 8)));
    uint64_t one = 1;
    write(ev, &one, 8);
    long r = syscall(SYS_epoll_pwait2, ep, out, 4, NULL, NULL, 8);
    printf("epoll_pwait2, ready: %s, data %llx\n", res(r), (unsigned long long)out[0].data.u64);

    uint32_t word = 5;
    struct futex_waitv w = { .val = 5, .uaddr = (uintptr_t)&word, .flags = FUTEX_32 | FUTEX_PRIVATE_FLAG };
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct ktimespec deadline = { now.tv_sec, now.tv_nsec + 20000000 };
    if (deadline.nsec >= 1000000000) {
        deadline.sec++;
        deadline.nsec -= 1000000000;
    }
    printf("futex_waitv, times out: %s\n", res(syscall(SYS_futex_waitv, &w, 1, 0, &deadline, CLOCK_MONOTONIC)));
    w.val = 6;
    printf("futex_waitv, value differs: %s\n", res(syscall(SYS_futex_waitv, &w, 1, 0, NULL, 0)));
    printf("futex_waitv, flags: %s\n", res(syscall(SYS_futex_waitv, &w, 1, 1, NULL, 0)));
    printf("futex_waitv, none: %s\n", res(syscall(SYS_futex_waitv, &w, 0, 0, NULL, 0)));
    printf("futex_waitv, bad clock: %s\n", res(syscall(SYS_futex_waitv, &w, 1, 0, &deadline, 99)));
}

static void ioctls(void)
{
    int p[2], s[2], n = -1;
    pipe(p);
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    write(s[0], "abc", 3);
    printf("TIOCOUTQ on a pipe: %s\n", res(ioctl(p[1], TIOCOUTQ, &n)));
    n = -1;
    printf("TIOCOUTQ on a socket: %s", res(ioctl(s[1], TIOCOUTQ, &n)));
    printf(" -> %d\n", n);
    printf("FIONREAD on a socket: %s", res(ioctl(s[1], FIONREAD, &n)));
    printf(" -> %d\n", n);
    printf("SIOCGPGRP on a socket: %s", res(ioctl(s[0], SIOCGPGRP, &n)));
    printf(" -> %d\n", n);
    printf("SIOCSPGRP: %s", res(ioctl(s[0], SIOCSPGRP, &(int){ getpid() })));
    ioctl(s[0], SIOCGPGRP, &n);
    printf(" -> is us %d\n", n == getpid());
}

int main(int argc, char **argv)
{
    (void)argc;
    setvbuf(stdout, NULL, _IOLBF, 0);
    prctls(argv[0]);
    groups16();
    waits();
    ioctls();
    return 0;
}
