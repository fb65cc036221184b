// SA_RESTART as Linux applies it, with the handler running while the call
// is blocked (not when it returns): another thread signals this one while
// it is blocked in a call, and the handler records that it ran before the
// call completed. Calls Linux restarts after an SA_RESTART handler (pipe
// read, futex wait, wait4, pthread_join/cond_wait) complete normally; the
// same calls fail with EINTR without SA_RESTART; calls Linux never
// restarts after a handler (nanosleep, poll, sigtimedwait, sem_timedwait)
// fail with EINTR either way.
// Portable: the expected output is the host's (x86-64) result.
// ldflags: -pthread
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static atomic_int handled, done;
static pid_t victim;
static int fds[2];

static void on_usr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&handled, 1);
}

static void install(int restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);
}

static void pause_ms(int ms)
{
    struct timespec t = { 0, ms * 1000000L };
    nanosleep(&t, NULL);
}

// Signals the victim after a while, waits until its handler ran, then
// (for the restartable calls) completes the call by writing to the pipe.
static void *poker(void *arg)
{
    int finish = (int)(long)arg;
    pause_ms(25);
    syscall(SYS_tgkill, getpid(), victim, SIGUSR1);
    for (int i = 0; i < 2500 && !atomic_load(&handled); i++)
        pause_ms(2);
    // The handler ran while the call was still blocked.
    atomic_store(&done, atomic_load(&handled));
    pause_ms(10);
    if (finish)
        write(fds[1], "x", 1);
    return NULL;
}

static pthread_t start_poker(int finish)
{
    atomic_store(&handled, 0);
    atomic_store(&done, 0);
    victim = syscall(SYS_gettid);
    pthread_t t;
    pthread_create(&t, NULL, poker, (void *)(long)finish);
    return t;
}

static void report(const char *what, long r, int err)
{
    printf("%-28s -> %ld %s, handler ran while blocked %d\n", what, r,
           r < 0 ? (err == EINTR ? "EINTR" : strerror(err)) : "", atomic_load(&done));
}

static void pipe_read(int restart)
{
    install(restart);
    char c;
    pthread_t t = start_poker(1);
    long r = read(fds[0], &c, 1);
    int e = errno;
    pthread_join(t, NULL);
    if (r < 0)
        read(fds[0], &c, 1);
    report(restart ? "read, SA_RESTART" : "read", r, e);
}

static int futex_word;
static atomic_int futex_returned;
static void futex_wait(int restart)
{
    install(restart);
    pthread_t t = start_poker(0);
    long r = syscall(SYS_futex, &futex_word, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0);
    int e = errno;
    atomic_store(&futex_returned, 1);
    if (r == 0 || e != EINTR) {
        // Restarted: woken below.
    }
    pthread_join(t, NULL);
    report(restart ? "futex wait, SA_RESTART" : "futex wait", r, e);
}

// The futex wait restarted after the handler never returns on its own:
// a second thread wakes it once the handler ran, again and again until
// the wait has returned (the word stays 0: a wake that comes before the
// restarted wait sleeps is lost, and it must not make that wait fail
// with EAGAIN, which a changed word would on a slow run).
static void *waker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2500 && !atomic_load(&done); i++)
        pause_ms(2);
    for (int i = 0; i < 5000 && !atomic_load(&futex_returned); i++) {
        syscall(SYS_futex, &futex_word, 1 /* FUTEX_WAKE */, 1, NULL, NULL, 0);
        pause_ms(2);
    }
    return NULL;
}

static void futex_restart(void)
{
    futex_word = 0;
    atomic_store(&futex_returned, 0);
    pthread_t w;
    pthread_create(&w, NULL, waker, NULL);
    futex_wait(1);
    pthread_join(w, NULL);
}

static void child_wait(int restart)
{
    install(restart);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        read(fds[0], &c, 1);
        _exit(5);
    }
    pthread_t t = start_poker(1);
    int st = 0;
    long r = waitpid(pid, &st, 0);
    int e = errno;
    pthread_join(t, NULL);
    if (r < 0)
        waitpid(pid, &st, 0);
    report(restart ? "waitpid, SA_RESTART" : "waitpid", r == pid ? WEXITSTATUS(st) : r, e);
}

static void never_restarted(void)
{
    install(1);
    pthread_t t = start_poker(0);
    struct timespec ts = { 5, 0 };
    long r = nanosleep(&ts, NULL);
    int e = errno;
    pthread_join(t, NULL);
    report("nanosleep, SA_RESTART", r, e);

    t = start_poker(0);
    struct pollfd p = { fds[0], POLLIN, 0 };
    r = poll(&p, 1, 5000);
    e = errno;
    pthread_join(t, NULL);
    report("poll, SA_RESTART", r, e);

    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, NULL);
    t = start_poker(0);
    r = sigtimedwait(&s, NULL, &ts);
    e = errno;
    pthread_join(t, NULL);
    report("sigtimedwait, SA_RESTART", r, e);

    sem_t sem;
    sem_init(&sem, 0, 0);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    t = start_poker(0);
    r = sem_timedwait(&sem, &until);
    e = errno;
    pthread_join(t, NULL);
    report("sem_timedwait, SA_RESTART", r, e);
}

// pthread_cond_wait and pthread_join (untimed futex waits inside glibc)
// go on after the handler, which runs while they wait.
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;

static void *signaller(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2500 && !atomic_load(&done); i++)
        pause_ms(2);
    pthread_mutex_lock(&mu);
    ready = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void glibc_waits(void)
{
    install(1);
    pthread_t s;
    pthread_create(&s, NULL, signaller, NULL);
    pthread_t t = start_poker(0);
    pthread_mutex_lock(&mu);
    while (!ready)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    pthread_join(t, NULL);
    pthread_join(s, NULL);
    report("pthread_cond_wait", 0, 0);

    pthread_create(&s, NULL, signaller, NULL);
    t = start_poker(0);
    long r = pthread_join(s, NULL);
    pthread_join(t, NULL);
    report("pthread_join", r, 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pipe(fds);
    pipe_read(1);
    pipe_read(0);
    futex_restart();
    futex_word = 0;
    futex_wait(0);
    child_wait(1);
    child_wait(0);
    never_restarted();
    glibc_waits();
    return 0;
}
