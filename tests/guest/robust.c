// Robust mutexes: a thread that dies holding one leaves it to the next
// locker with EOWNERDEAD (Linux walks the dying thread's robust list,
// registered with set_robust_list, marks each futex it owns with
// FUTEX_OWNER_DIED and wakes a waiter); pthread_mutex_consistent makes it
// usable again. The same across processes, for a process-shared robust
// mutex in shared memory whose owner exits. get_robust_list reports the
// list of this thread and of another thread of the process, and ESRCH
// for a thread that does not exist.
// Portable: the expected output is the host's (x86-64) result.
// qemu-skip: arm-O0 arm-O2 thumb-O0 thumb-O2 dyn-O2 qemu-arm has no robust lists: it blocks for ever at the first lock
// ldflags: -pthread
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t m;
static pthread_barrier_t b;
static volatile pid_t other_tid;

static void *die_holding(void *arg)
{
    (void)arg;
    printf("thread lock: %d\n", pthread_mutex_lock(&m));
    other_tid = gettid();
    pthread_barrier_wait(&b);
    pthread_barrier_wait(&b); // main looks at our list meanwhile
    return NULL;              // exits holding m
}

static void *wait_for_it(void *arg)
{
    (void)arg;
    int r = pthread_mutex_lock(&m); // blocks: the owner dies later
    printf("waiter lock: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
    if (r == EOWNERDEAD)
        pthread_mutex_consistent(&m);
    pthread_mutex_unlock(&m);
    return NULL;
}

static void init_robust(pthread_mutex_t *mx, int pshared)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (pshared)
        pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(mx, &a);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    init_robust(&m, 0);
    pthread_barrier_init(&b, NULL, 2);

    // The dead owner, found by the next lock.
    pthread_t t;
    pthread_create(&t, NULL, die_holding, NULL);
    pthread_barrier_wait(&b);
    void *head = NULL, *other = NULL;
    size_t len = 0, olen = 0;
    long r = syscall(SYS_get_robust_list, 0, &head, &len);
    printf("get_robust_list(self): %ld, head set %d, len is 3 words %d\n", r, head != NULL,
           len == 3 * sizeof(long));
    r = syscall(SYS_get_robust_list, other_tid, &other, &olen);
    printf("get_robust_list(other thread): %ld, head set %d, differs %d\n", r, other != NULL,
           other != head);
    r = syscall(SYS_get_robust_list, 0x3ffffff0, &other, &olen);
    printf("get_robust_list(no such thread): %ld %s\n", r, r ? strerrorname_np(errno) : "");
    r = syscall(SYS_set_robust_list, head, len + 1);
    printf("set_robust_list(wrong size): %ld %s\n", r, r ? strerrorname_np(errno) : "");
    pthread_barrier_wait(&b);
    pthread_join(t, NULL);
    int e = pthread_mutex_lock(&m);
    printf("main lock after owner died: %s\n", e == EOWNERDEAD ? "EOWNERDEAD" : strerror(e));
    printf("consistent: %d\n", pthread_mutex_consistent(&m));
    int u1 = pthread_mutex_unlock(&m);
    int l2 = pthread_mutex_lock(&m);
    printf("unlock: %d, lock again: %d, unlock: %d\n", u1, l2, pthread_mutex_unlock(&m));

    // A waiter blocked when the owner dies is woken.
    pthread_t w;
    pthread_create(&t, NULL, die_holding, NULL);
    pthread_barrier_wait(&b);
    pthread_create(&w, NULL, wait_for_it, NULL);
    usleep(100000); // let the waiter block
    pthread_barrier_wait(&b);
    pthread_join(t, NULL);
    pthread_join(w, NULL);

    // Across processes: a process-shared robust mutex in shared memory.
    pthread_mutex_t *sm = mmap(NULL, sizeof *sm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    init_robust(sm, 1);
    pid_t c = fork();
    if (c == 0) {
        pthread_mutex_lock(sm);
        _exit(0); // exit_group with the mutex held
    }
    int st;
    waitpid(c, &st, 0);
    e = pthread_mutex_lock(sm);
    printf("after the owner process exited: %s\n", e == EOWNERDEAD ? "EOWNERDEAD" : strerror(e));
    return 0;
}
