// A Go-style signal storm. Sixteen worker threads compute while a sender
// thread hammers them with SIGURG through tgkill (thousands of signals)
// and each worker has a POSIX timer signalling it alone (timer_create with
// SIGEV_THREAD_ID). Handlers are SA_SIGINFO|SA_RESTART|SA_ONSTACK on
// per-thread alternate stacks. Like Go's asynchronous preemption, the
// SIGURG handler often rewrites the interrupted context so that the thread
// first calls a function (an ARM assembly trampoline that saves and
// restores the core registers, the flags and the VFP state) and then
// resumes where it was, in ARM or Thumb state.
// Checks: the work (integer and floating point, with IT blocks in Thumb
// code) gives exact results; pipe transfers between workers see no EINTR
// (SA_RESTART) and move every byte; a counter under a mutex is exact;
// every worker got SIGURG and its own timer's signals (SI_TIMER, its
// value) on its own alternate stack, and ran injected calls.
// The trampoline is ARM assembly, so there is no host run: the expected
// output is every check passing (cross-checked with qemu-arm).
// ldflags: -pthread
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define NW 16
#define NEXP 64
#define CHUNKS 12
#define MIN_URG 200
#define MIN_TIMER 10
#define PIPE_BYTES (64 * 1024)
#define ALT_SIZE (64 * 1024)

static pid_t tids[NW];
static atomic_uint urg[NW], timer_sigs[NW], timer_bad[NW], injected[NW], off_stack[NW];
static atomic_uint stray, chunks_done, chunk_bad, eintr, pipe_bad, timer_setup_bad;
static atomic_int stop_sender;
static atomic_ulong sends;
static unsigned mutex_count;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start;
static int pipes[NW / 2][2];
static uint32_t expected[NEXP];
static struct timespec deadline;
static __thread int me = -1;
static __thread char *alt_lo, *alt_hi;

static uint32_t chunk(uint32_t seed)
{
    uint32_t h = seed;
    double d = 0.0;
    for (int i = 0; i < 600; i++) {
        h = h * 1103515245u + 12345u;
        h ^= h >> 7;
        if (h & 1)
            d += i * 0.5;
        else
            d -= 0.25;
        if ((h & 6) == 2) h += (uint32_t)i;
    }
    return h ^ (uint32_t)(int64_t)d;
}

static int past_deadline(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline.tv_sec || (now.tv_sec == deadline.tv_sec && now.tv_nsec > deadline.tv_nsec);
}

// Called through the trampoline, as Go's asyncPreempt calls into the
// scheduler: it may use any caller-saved register, VFP included.
void sigstorm_injected(void)
{
    if (me >= 0) atomic_fetch_add(&injected[me], 1);
    volatile double x = 1.5;
    x = x * x + 0.125;
}

void sigstorm_tramp(void);
// Entered with sp pointing at {resume pc (bit 0 = Thumb), pad}: saves the
// caller-saved core registers, APSR (NZCVQ and GE) and the VFP registers
// and FPSCR a call may change, calls sigstorm_injected on an 8-aligned
// stack, restores everything and resumes with an interworking load to pc.
__asm__(
    "    .text\n"
    "    .arm\n"
    "    .fpu neon\n"
    "    .align 2\n"
    "    .global sigstorm_tramp\n"
    "    .type sigstorm_tramp, %function\n"
    "sigstorm_tramp:\n"
    "    push {r0-r3, r12, lr}\n"
    "    mrs r0, APSR\n"
    "    push {r0, r4}\n"
    "    mov r4, sp\n"
    "    bic sp, sp, #7\n"
    "    vpush {d0-d7}\n"
    "    vpush {d16-d31}\n"
    "    vmrs r0, fpscr\n"
    "    push {r0, r1}\n"
    "    bl sigstorm_injected\n"
    "    pop {r0, r1}\n"
    "    vmsr fpscr, r0\n"
    "    vpop {d16-d31}\n"
    "    vpop {d0-d7}\n"
    "    mov sp, r4\n"
    "    pop {r0, r4}\n"
    "    msr APSR_nzcvqg, r0\n"
    "    pop {r0-r3, r12, lr}\n"
    "    ldr pc, [sp], #8\n"
    "    .size sigstorm_tramp, .-sigstorm_tramp\n");

static void check_stack(void)
{
    char local;
    if (&local < alt_lo || &local >= alt_hi) atomic_fetch_add(&off_stack[me], 1);
}

static void on_urg(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    (void)si;
    if (me < 0) {
        atomic_fetch_add(&stray, 1);
        return;
    }
    check_stack();
    unsigned n = atomic_fetch_add(&urg[me], 1) + 1;
    volatile double f = n * 0.75;
    f = f / 3.0;
    // Inject a call every other signal, outside IT blocks (Go preempts
    // only at safe points; ARM state has no IT block).
    mcontext_t *mc = &((ucontext_t *)ucv)->uc_mcontext;
    uint32_t it = ((mc->arm_cpsr >> 25) & 3) | ((mc->arm_cpsr >> 8) & 0xfc);
    if (n % 2 == 0 && it == 0) {
        uint32_t *sp = (uint32_t *)(uintptr_t)(mc->arm_sp - 8);
        sp[0] = mc->arm_pc | ((mc->arm_cpsr & 0x20) ? 1 : 0);
        sp[1] = 0;
        mc->arm_sp = (uint32_t)(uintptr_t)sp;
        mc->arm_pc = (uint32_t)(uintptr_t)sigstorm_tramp;
        mc->arm_cpsr &= ~0x20u;
    }
}

static void on_timer(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    if (me < 0) {
        atomic_fetch_add(&stray, 1);
        return;
    }
    check_stack();
    if (si->si_code != SI_TIMER || si->si_value.sival_int != me + 100) atomic_fetch_add(&timer_bad[me], 1);
    atomic_fetch_add(&timer_sigs[me], 1);
}

static void pipe_work(int i)
{
    char pattern[4096];
    if (i < NW / 2) {
        int fd = pipes[i][1];
        for (size_t done = 0; done < PIPE_BYTES;) {
            size_t want = PIPE_BYTES - done < sizeof pattern ? PIPE_BYTES - done : sizeof pattern;
            for (size_t k = 0; k < want; k++) pattern[k] = (char)((done + k) * 7 + i);
            ssize_t n = write(fd, pattern, want);
            if (n < 0 && errno == EINTR) {
                atomic_fetch_add(&eintr, 1);
                continue;
            }
            if (n <= 0) {
                atomic_fetch_add(&pipe_bad, 1);
                return;
            }
            // A short write leaves the rest of this block for next time.
            done += (size_t)n;
        }
    } else {
        int w = i - NW / 2, fd = pipes[w][0];
        char buf[512];
        size_t got = 0;
        while (got < PIPE_BYTES) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) {
                atomic_fetch_add(&eintr, 1);
                continue;
            }
            if (n <= 0) {
                atomic_fetch_add(&pipe_bad, 1);
                return;
            }
            for (ssize_t k = 0; k < n; k++)
                if (buf[k] != (char)((got + (size_t)k) * 7 + w)) {
                    atomic_fetch_add(&pipe_bad, 1);
                    return;
                }
            got += (size_t)n;
        }
    }
}

static void *worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    me = i;
    tids[i] = (pid_t)syscall(SYS_gettid);
    alt_lo = malloc(ALT_SIZE);
    alt_hi = alt_lo + ALT_SIZE;
    stack_t ss = {.ss_sp = alt_lo, .ss_size = ALT_SIZE, .ss_flags = 0};
    sigaltstack(&ss, NULL);

    timer_t t;
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGALRM;
    ev.sigev_value.sival_int = i + 100;
    ev.sigev_notify_thread_id = tids[i];
    struct itimerspec its = {.it_interval = {0, 1000000}, .it_value = {0, 1000000}};
    if (timer_create(CLOCK_MONOTONIC, &ev, &t) || timer_settime(t, 0, &its, NULL))
        atomic_fetch_add(&timer_setup_bad, 1);

    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGURG);
    sigaddset(&both, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &both, NULL);
    pthread_barrier_wait(&start);

    pipe_work(i);
    for (unsigned k = 0; k < CHUNKS || atomic_load(&urg[i]) < MIN_URG || atomic_load(&timer_sigs[i]) < MIN_TIMER;
         k++) {
        uint32_t j = (k * 7 + (unsigned)i * 3) % NEXP;
        if (chunk(j) != expected[j]) atomic_fetch_add(&chunk_bad, 1);
        pthread_mutex_lock(&mu);
        mutex_count++;
        pthread_mutex_unlock(&mu);
        atomic_fetch_add(&chunks_done, 1);
        if (past_deadline()) break;
        // Let the others run (a pending signal is delivered on return):
        // deliveries then follow scheduling rounds, not time slices.
        sched_yield();
    }
    pthread_sigmask(SIG_BLOCK, &both, NULL);
    timer_delete(t);
    return NULL;
}

static void *sender(void *arg)
{
    (void)arg;
    pid_t pid = getpid();
    pthread_barrier_wait(&start);
    while (!atomic_load(&stop_sender)) {
        for (int i = 0; i < NW; i++) syscall(SYS_tgkill, pid, tids[i], SIGURG);
        atomic_fetch_add(&sends, NW);
        sched_yield();
    }
    return NULL;
}

int main(void)
{
    for (int j = 0; j < NEXP; j++) expected[j] = chunk((uint32_t)j);
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 15;

    // Only the workers take the signals.
    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGURG);
    sigaddset(&both, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &both, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sa.sa_sigaction = on_urg;
    sigaction(SIGURG, &sa, NULL);
    sa.sa_sigaction = on_timer;
    sigaction(SIGALRM, &sa, NULL);

    for (int w = 0; w < NW / 2; w++)
        if (pipe(pipes[w])) return 1;
    pthread_barrier_init(&start, NULL, NW + 1);
    pthread_t th[NW], snd;
    for (int i = 0; i < NW; i++) pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
    pthread_create(&snd, NULL, sender, NULL);
    for (int i = 0; i < NW; i++) pthread_join(th[i], NULL);
    atomic_store(&stop_sender, 1);
    pthread_join(snd, NULL);

    int all_urg = 1, all_timer = 1, timer_ok = 1, all_injected = 1, on_alt = 1;
    unsigned total = 0;
    for (int i = 0; i < NW; i++) {
        all_urg &= urg[i] >= MIN_URG;
        all_timer &= timer_sigs[i] >= MIN_TIMER;
        timer_ok &= timer_bad[i] == 0;
        all_injected &= injected[i] > 0;
        on_alt &= off_stack[i] == 0;
        total += urg[i];
    }
    printf("workers: %d, in time: %d\n", NW, !past_deadline());
    printf("chunk results exact: %d (chunks done >= %d: %d)\n", chunk_bad == 0, NW * CHUNKS,
           chunks_done >= NW * CHUNKS);
    printf("mutex counter equals chunks done: %d\n", mutex_count == chunks_done);
    printf("pipes: EINTR seen %u, all bytes right: %d\n", eintr, pipe_bad == 0);
    printf("every worker got SIGURG >= %d times: %d (total >= %d: %d, sent >= total: %d)\n", MIN_URG, all_urg,
           NW * MIN_URG, total >= NW * MIN_URG, sends >= total);
    printf("timers set up: %d; every worker got its own timer's signals: %d, SI_TIMER and value: %d\n",
           timer_setup_bad == 0, all_timer, timer_ok);
    printf("handlers on the alternate stack: %d; stray signals: %u\n", on_alt, stray);
    printf("injected calls ran in every worker: %d\n", all_injected);
    return 0;
}
