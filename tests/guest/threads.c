// Threads: 16 threads hammering a C11 atomic (LDREX/STREX) and a
// mutex-protected counter, thread-local storage, return values through
// pthread_join, a condition-variable ping-pong, a barrier, and a signal
// sent to one thread with pthread_kill.
// ldflags: -pthread
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#define THREADS 16
#define ITERS 20000

static atomic_uint atomic_counter;
static unsigned locked_counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread unsigned tls_value;
static pthread_barrier_t barrier;

static void *worker(void *arg)
{
    uintptr_t id = (uintptr_t)arg;
    tls_value = (unsigned)id * 1000;
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < ITERS; i++) {
        atomic_fetch_add(&atomic_counter, 1);
        pthread_mutex_lock(&lock);
        locked_counter++;
        pthread_mutex_unlock(&lock);
    }
    // Each thread still sees its own TLS value.
    return (void *)(uintptr_t)(tls_value == id * 1000 ? id + 1 : 0);
}

static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int turn, rounds_done;

static void *ponger(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < 1000; i++) {
        while (turn != 1) pthread_cond_wait(&cond, &lock);
        turn = 0;
        rounds_done++;
        pthread_cond_signal(&cond);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

static volatile sig_atomic_t usr1_thread_ok;
static pthread_t target;
static void on_usr1(int sig) { (void)sig; usr1_thread_ok = pthread_equal(pthread_self(), target); }

static void *waiter(void *arg)
{
    (void)arg;
    while (!usr1_thread_ok) usleep(1000);
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    pthread_barrier_init(&barrier, NULL, THREADS);
    tls_value = 7;
    for (uintptr_t i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    unsigned good = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        good += (uintptr_t)r == (uintptr_t)i + 1;
    }
    printf("atomic %u locked %u (want %u)\n", atomic_load(&atomic_counter), locked_counter, THREADS * ITERS);
    printf("tls ok %u of %u, main tls %u\n", good, THREADS, tls_value);

    pthread_t p;
    pthread_create(&p, NULL, ponger, NULL);
    pthread_mutex_lock(&lock);
    for (int i = 0; i < 1000; i++) {
        turn = 1;
        pthread_cond_signal(&cond);
        while (turn != 0) pthread_cond_wait(&cond, &lock);
    }
    pthread_mutex_unlock(&lock);
    pthread_join(p, NULL);
    printf("ping-pong rounds %d\n", rounds_done);

    signal(SIGUSR1, on_usr1);
    pthread_create(&target, NULL, waiter, NULL);
    pthread_kill(target, SIGUSR1);
    pthread_join(target, NULL);
    printf("signal ran in target thread %d\n", (int)usr1_thread_ok);
    return 0;
}
