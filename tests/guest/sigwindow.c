// A signal that arrives just as a thread enters a blocking call must
// interrupt the call, as in Linux (which checks for pending signals before
// it sleeps): another thread sends SIGUSR1 the moment this one announces
// it is about to read an empty pipe, 50000 times. A read the signal did
// not interrupt sleeps on: the sender notices no progress for half a
// second and frees the reader with SIGALRM. If by then the SIGUSR1 handler
// has run, the signal simply came before the read started (a race native
// runs have too, if rarely); if it has not, the signal was taken and the
// read still slept: stuck. An emulator that checks for signals and then
// makes the host call has that window between the two.
// Portable: the expected output is the host's (x86-64) result.
// ldflags: -pthread
// variants: arm-O2 thumb-O2
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 50000

static atomic_int announced = -1, done, usr1;
static int stuck;
static atomic_int usr1_before = -1;
static pid_t reader;

static void on_usr1(int s)
{
    (void)s;
    atomic_fetch_add(&usr1, 1);
}

static void on_alrm(int s)
{
    (void)s;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *sender(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        while (atomic_load(&announced) < i)
            ;
        int before = atomic_load(&usr1_before);
        syscall(SYS_tgkill, getpid(), reader, SIGUSR1);
        double start = now();
        int rescued = 0;
        while (atomic_load(&done) <= i) {
            if (!rescued && now() - start > 0.5) {
                if (atomic_load(&usr1) == before)
                    stuck++;
                rescued = 1;
                syscall(SYS_tgkill, getpid(), reader, SIGALRM);
            }
        }
    }
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1; // no SA_RESTART: EINTR
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);
    int p[2];
    pipe(p);
    reader = gettid();
    pthread_t t;
    pthread_create(&t, NULL, sender, NULL);
    int eintr = 0;
    char c;
    for (int i = 0; i < ROUNDS; i++) {
        int before = atomic_load(&usr1);
        atomic_store(&usr1_before, before);
        atomic_store(&announced, i);
        ssize_t r = read(p[0], &c, 1);
        eintr += r == -1 && errno == EINTR;
        while (atomic_load(&usr1) == before) // the signal may still be due
            ;
        atomic_store(&done, i + 1);
    }
    pthread_join(t, NULL);
    printf("rounds %d, reads ended by EINTR %d, signal taken but the read slept on %d\n", ROUNDS, eintr, stuck);
    return 0;
}
