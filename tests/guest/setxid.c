// glibc's internal signals 32 (SIGCANCEL, also its POSIX timers' SIGTIMER)
// and 33 (SIGSETXID) between threads, and the signal numbers at the top and
// bottom of the real-time range as the guest sees them.
//  * set*id in a threaded process: glibc signals every other thread with 33
//    so each changes its own credentials. Threads blocked in nanosleep, a
//    pipe read, a condition wait and pthread_join (on the thread doing the
//    change) all take the change; each reads its own ids with the raw
//    (per-thread) system calls. Runs as root: ids are changed and put back.
//  * pthread_cancel (signal 32) of threads blocked in read(), sleep() and
//    pthread_cond_wait(): cancelled, with their cleanup handlers run.
//  * A SIGEV_THREAD timer (glibc waits for signal 32 in a helper thread and
//    runs the function in a new thread) fires three times with its value.
//  * Signals 32 and 33 installed with the raw rt_sigaction (glibc's
//    sigaction refuses them): tgkill to another thread, rt_sigqueueinfo of
//    a blocked 32 taken by rt_sigtimedwait, sigpending; a child killed by
//    33 and one killed by SIGRTMAX, as wait status and waitid; clone with
//    SIGRTMIN+5 as the exit signal (the parent gets that signal, with the
//    child's status) and with none (waited for with __WCLONE).
// Portable: the expected output is the host's (x86-64) result; qemu-arm
// maps guest signals 32.. onto host 34.. and gives up 63 and 64, and
// refuses clone exit signals other than SIGCHLD (setxid.qemu-expected).
// ldflags: -pthread
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef SYS_getresuid32
#define RAW_GETRESUID SYS_getresuid32
#define RAW_GETRESGID SYS_getresgid32
#define RAW_GETGROUPS SYS_getgroups32
#else
#define RAW_GETRESUID SYS_getresuid
#define RAW_GETRESGID SYS_getresgid
#define RAW_GETGROUPS SYS_getgroups
#endif

// This thread's own credentials, read with the raw calls (glibc's
// wrappers would answer the same, but only the raw calls are per thread).
static void creds(char *out, size_t len)
{
    unsigned r, e, s, gr, ge, gs;
    gid_t groups[8];
    syscall(RAW_GETRESUID, &r, &e, &s);
    syscall(RAW_GETRESGID, &gr, &ge, &gs);
    long n = syscall(RAW_GETGROUPS, 8, groups);
    int o = snprintf(out, len, "uid %u/%u/%u gid %u/%u/%u groups", r, e, s, gr, ge, gs);
    for (long i = 0; i < n; i++)
        o += snprintf(out + o, len - o, " %u", (unsigned)groups[i]);
}

// --- set*id broadcast -------------------------------------------------------

static pthread_barrier_t ready;
static int wake_pipe[2];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int go;
static atomic_int sleeper_go;
static char seen[4][160];

static void *sleeper(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&ready);
    while (!atomic_load(&sleeper_go)) {
        struct timespec t = { 0, 2000000 };
        nanosleep(&t, NULL);
    }
    creds(seen[0], sizeof seen[0]);
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    char c;
    pthread_barrier_wait(&ready);
    while (read(wake_pipe[0], &c, 1) != 1)
        ;
    creds(seen[1], sizeof seen[1]);
    return NULL;
}

static void *waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    pthread_barrier_wait(&ready);
    while (!go)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    creds(seen[2], sizeof seen[2]);
    return NULL;
}

// Changes the effective gid while the main thread waits in pthread_join.
static void *changer(void *arg)
{
    (void)arg;
    struct timespec t = { 0, 20000000 };
    nanosleep(&t, NULL);
    int r = setresgid(-1, 777, -1);
    creds(seen[3], sizeof seen[3]);
    return (void *)(long)r;
}

static void broadcast(void)
{
    pthread_t t[3];
    void *(*fn[3])(void *) = { sleeper, reader, waiter };
    pipe(wake_pipe);
    pthread_barrier_init(&ready, NULL, 4);
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, fn[i], NULL);
    pthread_barrier_wait(&ready);
    // Let them block in their calls.
    struct timespec pause = { 0, 30000000 };
    nanosleep(&pause, NULL);
    gid_t groups[2] = { 0, 4321 };
    int r1 = setgroups(2, groups);
    int r2 = setresgid(-1, 1234, -1);
    int r3 = setresuid(-1, 1234, -1);
    printf("setgroups %d setresgid %d setresuid %d\n", r1, r2, r3);
    atomic_store(&sleeper_go, 1);
    write(wake_pipe[1], "x", 1);
    pthread_mutex_lock(&mu);
    go = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    char me[160];
    creds(me, sizeof me);
    printf("main:    %s\nsleeper: %s\nreader:  %s\nwaiter:  %s\n", me, seen[0], seen[1], seen[2]);
    // Put everything back (the saved uid is still 0).
    r3 = setresuid(-1, 0, -1);
    r2 = setresgid(-1, 0, -1);
    groups[1] = 0;
    r1 = setgroups(1, groups);
    printf("restored: %d %d %d\n", r1, r2, r3);

    // Another thread changes the ids while this one is in pthread_join.
    pthread_t c;
    void *ret;
    pthread_create(&c, NULL, changer, NULL);
    pthread_join(c, &ret);
    creds(me, sizeof me);
    printf("changer returned %ld\nchanger: %s\nmain:    %s\n", (long)ret, seen[3], me);
    printf("setgid(0) %d setuid(0) %d\n", setgid(0), setuid(0));
    creds(me, sizeof me);
    printf("main:    %s\n", me);
}

// --- pthread_cancel -----------------------------------------------------------

static int cleaned[3];
static int cancel_pipe[2];
static pthread_mutex_t cmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ccv = PTHREAD_COND_INITIALIZER;

static void cleanup(void *arg) { cleaned[(long)arg] = 1; }
static void unlock(void *arg) { pthread_mutex_unlock(arg); }

static void *blocked_read(void *arg)
{
    char c;
    pthread_cleanup_push(cleanup, arg);
    pthread_barrier_wait(&ready);
    read(cancel_pipe[0], &c, 1);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *blocked_sleep(void *arg)
{
    pthread_cleanup_push(cleanup, arg);
    pthread_barrier_wait(&ready);
    sleep(100);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *blocked_cond(void *arg)
{
    pthread_cleanup_push(cleanup, arg);
    pthread_mutex_lock(&cmu);
    pthread_cleanup_push(unlock, &cmu);
    pthread_barrier_wait(&ready);
    for (;;)
        pthread_cond_wait(&ccv, &cmu);
    pthread_cleanup_pop(1);
    pthread_cleanup_pop(0);
    return NULL;
}

static void cancel(void)
{
    pthread_t t[3];
    void *(*fn[3])(void *) = { blocked_read, blocked_sleep, blocked_cond };
    const char *name[3] = { "read", "sleep", "cond_wait" };
    pipe(cancel_pipe);
    pthread_barrier_init(&ready, NULL, 4);
    for (long i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, fn[i], (void *)i);
    pthread_barrier_wait(&ready);
    struct timespec pause = { 0, 30000000 };
    nanosleep(&pause, NULL);
    for (int i = 0; i < 3; i++) {
        void *ret = NULL;
        int r = pthread_cancel(t[i]);
        int j = pthread_join(t[i], &ret);
        printf("cancel %s: %d join %d canceled %d cleanup %d\n", name[i], r, j,
               ret == PTHREAD_CANCELED, cleaned[i]);
    }
    // The mutex was released by the cleanup handler.
    printf("mutex free: %d\n", pthread_mutex_trylock(&cmu) == 0);
}

// --- SIGEV_THREAD timer ---------------------------------------------------------

static sem_t fired;
static atomic_int timer_runs, timer_value, timer_on_main;
static pthread_t main_thread;

static void timer_fn(union sigval v)
{
    atomic_fetch_add(&timer_runs, 1);
    atomic_store(&timer_value, v.sival_int);
    if (pthread_equal(pthread_self(), main_thread))
        atomic_store(&timer_on_main, 1);
    sem_post(&fired);
}

static void thread_timer(void)
{
    main_thread = pthread_self();
    sem_init(&fired, 0, 0);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD;
    ev.sigev_notify_function = timer_fn;
    ev.sigev_value.sival_int = 4242;
    timer_t id;
    int r = timer_create(CLOCK_MONOTONIC, &ev, &id);
    struct itimerspec its = { { 0, 5000000 }, { 0, 5000000 } };
    int s = timer_settime(id, 0, &its, NULL);
    int got = 0;
    for (int i = 0; i < 3; i++) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 5;
        got += sem_timedwait(&fired, &until) == 0;
    }
    timer_delete(id);
    printf("SIGEV_THREAD timer: create %d settime %d fired %d value %d on main %d\n", r, s, got,
           atomic_load(&timer_value), atomic_load(&timer_on_main));
}

// --- signals 32 and 33 seen by the guest ----------------------------------------

// The kernel's struct sigaction (not glibc's): the same field order on ARM
// and x86-64.
struct ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask[64 / (8 * sizeof(long))];
};

// Installs `fn` for `sig` with the raw call, borrowing the restorer glibc
// set up for SIGUSR2 (x86-64 needs one).
static int raw_handler(int sig, void (*fn)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    struct ksigaction k;
    syscall(SYS_rt_sigaction, SIGUSR2, NULL, &k, 8);
    return syscall(SYS_rt_sigaction, sig, &k, NULL, 8);
}

static int raw_default(int sig)
{
    struct ksigaction k;
    memset(&k, 0, sizeof k);
    return syscall(SYS_rt_sigaction, sig, &k, NULL, 8);
}

static int raw_mask(int how, int sig)
{
    unsigned long long set = 1ULL << (sig - 1);
    return syscall(SYS_rt_sigprocmask, how, &set, NULL, 8);
}

static atomic_int got_sig, got_code, got_from_me, got_tid;

static void note(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    atomic_store(&got_code, si->si_code);
    atomic_store(&got_from_me, si->si_pid == getpid() && si->si_signo == sig);
    atomic_store(&got_tid, syscall(SYS_gettid));
    atomic_store(&got_sig, sig);
}

static atomic_int target_tid;
static void *target(void *arg)
{
    (void)arg;
    atomic_store(&target_tid, syscall(SYS_gettid));
    while (!atomic_load(&got_sig)) {
        struct timespec t = { 0, 1000000 };
        nanosleep(&t, NULL);
    }
    return NULL;
}

static int wait_status(pid_t pid)
{
    int st = 0;
    if (waitpid(pid, &st, __WALL) != pid)
        return -1;
    return st;
}

static void describe(const char *what, int st)
{
    if (WIFSIGNALED(st))
        printf("%s: killed by signal %d\n", what, WTERMSIG(st));
    else if (WIFEXITED(st))
        printf("%s: exit %d\n", what, WEXITSTATUS(st));
    else
        printf("%s: status %#x\n", what, st);
}

static char clone_stack[64 * 1024] __attribute__((aligned(16)));
static int clone_child(void *arg) { _exit((int)(long)arg); }

static void numbers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    printf("glibc sigaction(32): %d, (33): %d\n", sigaction(32, &sa, NULL),
           sigaction(33, &sa, NULL));
    // In a child process: its glibc's own handlers are replaced here.
    pid_t pid = fork();
    if (pid == 0) {
        // 33 to another thread. (glibc installs its own handler for 33
        // when the process creates its first thread: replace it after.)
        pthread_t t;
        pthread_create(&t, NULL, target, NULL);
        while (!atomic_load(&target_tid))
            sched_yield();
        int r = raw_handler(33, note);
        int k = syscall(SYS_tgkill, getpid(), atomic_load(&target_tid), 33);
        pthread_join(t, NULL);
        printf("33 to a thread: sigaction %d tgkill %d signal %d code %d from me %d in target %d\n", r,
               k, atomic_load(&got_sig), atomic_load(&got_code), atomic_load(&got_from_me),
               atomic_load(&got_tid) == atomic_load(&target_tid));
        // A blocked 32, queued with a value and taken by sigtimedwait.
        raw_handler(32, note);
        raw_mask(SIG_BLOCK, 32);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        si.si_signo = 32;
        si.si_code = SI_QUEUE;
        si.si_pid = getpid();
        si.si_uid = getuid();
        si.si_value.sival_int = 3232;
        int q = syscall(SYS_rt_sigqueueinfo, getpid(), 32, &si);
        unsigned long long pending = 0;
        syscall(SYS_rt_sigpending, &pending, 8);
        unsigned long long set = 1ULL << 31;
        struct timespec zero = { 0, 0 };
        memset(&si, 0, sizeof si);
        int w = syscall(SYS_rt_sigtimedwait, &set, &si, &zero, 8);
        printf("32 queued: %d pending %d waited %d signo %d code %d value %d\n", q,
               (int)(pending >> 31 & 1), w, si.si_signo, si.si_code, si.si_value.sival_int);
        fflush(stdout);
        _exit(0);
    }
    describe("numbers child", wait_status(pid));

    // Children killed by 33 and by SIGRTMAX.
    int sigs[2] = { 33, SIGRTMAX };
    for (int i = 0; i < 2; i++) {
        pid = fork();
        if (pid == 0) {
            raw_default(sigs[i]);
            raw_mask(SIG_UNBLOCK, sigs[i]);
            syscall(SYS_kill, getpid(), sigs[i]);
            _exit(99);
        }
        siginfo_t si;
        memset(&si, 0, sizeof si);
        int r = waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
        printf("waitid: %d signo %d code %s status %d\n", r, si.si_signo,
               si.si_code == CLD_KILLED ? "CLD_KILLED" : "other", si.si_status);
        describe(i ? "child killed by SIGRTMAX" : "child killed by 33", wait_status(pid));
    }

    // clone's exit signal: SIGRTMIN+5 (blocked, taken with sigtimedwait),
    // then none.
    int xs = SIGRTMIN + 5;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, xs);
    sigaddset(&s, SIGCHLD);
    sigprocmask(SIG_BLOCK, &s, NULL);
    pid = clone(clone_child, clone_stack + sizeof clone_stack, xs, (void *)7);
    if (pid < 0) {
        printf("clone exit signal SIGRTMIN+5: %s\n", strerror(errno));
    } else {
        siginfo_t si;
        struct timespec two = { 2, 0 };
        int sig = sigtimedwait(&s, &si, &two);
        printf("clone exit signal: %s code %s pid ok %d status %d\n",
               sig == xs ? "SIGRTMIN+5" : sig == SIGCHLD ? "SIGCHLD" : "none",
               si.si_code == CLD_EXITED ? "CLD_EXITED" : "other", si.si_pid == pid, si.si_status);
        int st = 0;
        printf("waitpid without __WCLONE: %d\n", waitpid(pid, &st, WNOHANG) == pid);
        describe("waitpid __WCLONE", waitpid(pid, &st, __WCLONE) == pid ? st : -1);
    }
    pid = clone(clone_child, clone_stack + sizeof clone_stack, 0, (void *)8);
    if (pid < 0) {
        printf("clone without exit signal: %s\n", strerror(errno));
    } else {
        siginfo_t si;
        struct timespec brief = { 0, 200000000 };
        int sig = sigtimedwait(&s, &si, &brief);
        int st = 0;
        printf("clone without exit signal: signal %d\n", sig > 0 ? sig : 0);
        describe("waitpid __WCLONE", waitpid(pid, &st, __WCLONE) == pid ? st : -1);
    }
    sigprocmask(SIG_UNBLOCK, &s, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (geteuid() != 0)
        printf("not root: the set*id results will differ\n");
    numbers();
    broadcast();
    cancel();
    thread_timer();
    return 0;
}
