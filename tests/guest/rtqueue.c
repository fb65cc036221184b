// Real-time signals queue, standard signals do not (POSIX; Linux keeps each
// real-time instance with its siginfo). Five sigqueue() calls of a blocked
// SIGRTMIN+1 with values 100..104 run the handler five times, values in
// order, once unblocked; with a second real-time signal queued in between,
// the kernel's delivery order (lowest signal first, each handler blocking
// its own signal) shows in the handlers' order. The same instances read
// through sigwaitinfo/sigtimedwait and through a signalfd come in order
// too, and sigqueue() to another thread (pthread_sigqueue) while it runs
// unblocked loses none. A blocked standard signal does not queue: sent
// twice to the process and once to the thread, its handler runs once per
// queue (the thread's first), with the first instance's value.
// SIGRTMAX-1 is used too: qemu-arm cannot queue it (it gives the top two
// guest signals no host signal), hence rtqueue.qemu-expected.
// Portable: the expected output is the host's (x86-64) result.
// ldflags: -pthread
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define MAXLOG 256

static int log_sig[MAXLOG], log_val[MAXLOG];
static atomic_int nlog;

static void record(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    int i = atomic_fetch_add(&nlog, 1);
    if (i < MAXLOG) {
        log_sig[i] = sig;
        log_val[i] = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
    }
}

static void print_log(const char *what)
{
    printf("%s:", what);
    int n = atomic_load(&nlog);
    for (int i = 0; i < n && i < MAXLOG; i++)
        printf(" %s%d=%d", log_sig[i] >= SIGRTMIN ? "RTMIN+" : "sig",
               log_sig[i] >= SIGRTMIN ? log_sig[i] - SIGRTMIN : log_sig[i], log_val[i]);
    printf(" (%d)\n", n);
    atomic_store(&nlog, 0);
}

static void handle(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = record;
    sa.sa_flags = SA_SIGINFO;
    sigaction(sig, &sa, NULL);
}

static void set_block(int how, int a, int b)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, a);
    if (b)
        sigaddset(&s, b);
    sigprocmask(how, &s, NULL);
}

static int queue(int sig, int val)
{
    union sigval v = { .sival_int = val };
    return sigqueue(getpid(), sig, v);
}

// Blocked: queue five, unblock, five handler runs in order.
static void five_in_order(void)
{
    int a = SIGRTMIN + 1;
    handle(a);
    set_block(SIG_BLOCK, a, 0);
    for (int v = 100; v < 105; v++)
        if (queue(a, v) != 0)
            printf("sigqueue %d: %s\n", v, strerror(errno));
    sigset_t p;
    sigpending(&p);
    printf("pending before unblock: %d\n", sigismember(&p, a));
    set_block(SIG_UNBLOCK, a, 0);
    print_log("five");
    sigpending(&p);
    printf("pending after: %d\n", sigismember(&p, a));
}

// Two real-time signals interleaved: the lower one is taken first, its
// handler blocks it, so the higher one's instances run (nested) before the
// lower one's handler body, then the rest of the lower one's.
static void two_signals(void)
{
    int a = SIGRTMIN + 1, b = SIGRTMIN + 2;
    handle(a);
    handle(b);
    set_block(SIG_BLOCK, a, b);
    queue(b, 200);
    queue(a, 100);
    queue(b, 201);
    queue(a, 101);
    queue(a, 102);
    queue(b, 202);
    set_block(SIG_UNBLOCK, a, b);
    print_log("two");
    // The same with each handler blocking the other signal too: strictly
    // one at a time, all of the lower signal first.
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = record;
    sa.sa_flags = SA_SIGINFO;
    sigaddset(&sa.sa_mask, a);
    sigaddset(&sa.sa_mask, b);
    sigaction(a, &sa, NULL);
    sigaction(b, &sa, NULL);
    set_block(SIG_BLOCK, a, b);
    queue(b, 210);
    queue(a, 110);
    queue(b, 211);
    queue(a, 111);
    queue(a, 112);
    set_block(SIG_UNBLOCK, a, b);
    print_log("two, masked");
}

// Consumers that take them while blocked.
static void waiters(void)
{
    int a = SIGRTMIN + 1, b = SIGRTMAX - 1;
    set_block(SIG_BLOCK, a, b);
    int queued = 0;
    for (int v = 300; v < 305; v++) {
        queued += queue(a, v) == 0;
        queued += queue(b, v + 100) == 0;
    }
    if (queued != 10)
        printf("queued %d of 10\n", queued);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, a);
    sigaddset(&s, b);
    printf("sigwaitinfo:");
    for (int i = 0; i < queued; i++) {
        siginfo_t si;
        struct timespec zero = { 0, 0 };
        int sig = i % 2 ? sigtimedwait(&s, &si, &zero) : sigwaitinfo(&s, &si);
        printf(" %s=%d", sig == a ? "a" : sig == b ? "b" : "?", si.si_value.sival_int);
    }
    printf("\n");
    queued = 0;
    for (int v = 500; v < 505; v++) {
        queued += queue(b, v + 100) == 0;
        queued += queue(a, v) == 0;
    }
    int fd = signalfd(-1, &s, 0);
    struct signalfd_siginfo rec[4];
    int total = 0;
    printf("signalfd:");
    while (total < queued) {
        ssize_t n = read(fd, rec, sizeof rec);
        if (n <= 0)
            break;
        for (int i = 0; i < n / (ssize_t)sizeof rec[0]; i++, total++)
            printf(" %s=%d", (int)rec[i].ssi_signo == a ? "a" : (int)rec[i].ssi_signo == b ? "b" : "?",
                   rec[i].ssi_int);
    }
    printf(" (%d)\n", total);
    close(fd);
    sigset_t p;
    sigpending(&p);
    printf("left: %d %d\n", sigismember(&p, a), sigismember(&p, b));
    set_block(SIG_UNBLOCK, a, b);
}

// Another thread queues to this one while it runs unblocked.
static pthread_t main_thread;
static void *sender(void *arg)
{
    (void)arg;
    for (int v = 0; v < 60; v++) {
        union sigval val = { .sival_int = v };
        while (pthread_sigqueue(main_thread, SIGRTMIN + 3, val) != 0) {
            if (errno != EAGAIN) {
                printf("pthread_sigqueue: %s\n", strerror(errno));
                return NULL;
            }
            sched_yield();
        }
    }
    return NULL;
}

static void from_thread(void)
{
    handle(SIGRTMIN + 3);
    main_thread = pthread_self();
    pthread_t t;
    pthread_create(&t, NULL, sender, NULL);
    pthread_join(t, NULL);
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += 5;
    for (;;) {
        if (atomic_load(&nlog) >= 60)
            break;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec > end.tv_nsec))
            break;
    }
    int n = atomic_load(&nlog), in_order = 1;
    for (int i = 0; i < n && i < MAXLOG; i++)
        if (log_val[i] != i || log_sig[i] != SIGRTMIN + 3)
            in_order = 0;
    printf("from a thread: %d delivered, in order %d\n", n, in_order);
    atomic_store(&nlog, 0);
}

// A standard signal does not queue: one handler run, the first value.
static void standard(void)
{
    handle(SIGUSR1);
    set_block(SIG_BLOCK, SIGUSR1, 0);
    queue(SIGUSR1, 1);
    queue(SIGUSR1, 2);
    raise(SIGUSR1);
    set_block(SIG_UNBLOCK, SIGUSR1, 0);
    print_log("standard");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("SIGRTMIN %d SIGRTMAX %d\n", SIGRTMIN, SIGRTMAX);
    five_in_order();
    two_signals();
    waiters();
    from_thread();
    standard();
    return 0;
}
