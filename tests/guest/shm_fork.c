// Memory shared between processes: MAP_SHARED|MAP_ANONYMOUS written by a
// forked child and read by the parent and the other way round (a pipe
// orders the steps), MAP_PRIVATE as the control (copy on write), a
// MAP_SHARED file mapping (with an offset) seen by both processes and by
// read()/write() on the file, memfd_create mapped twice in one process and
// again in the child, munmap in the child leaving the parent's mapping
// alone, and atomics on a shared page from four processes at once
// (__sync and C11 atomics of 8, 16, 32 and 64 bits: LDREX/STREX of every
// size, a CAS spin lock guarding plain counters, a process-shared pthread
// mutex and semaphore) giving exact totals.
// Portable: the expected output is the host's (x86-64) result.
// ldflags: -pthread
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define PROCS 4
#define ITERS 20000

static void step_wait(int fd)
{
    char c;
    if (read(fd, &c, 1) != 1) _exit(90);
}

static void step_go(int fd)
{
    if (write(fd, "x", 1) != 1) _exit(91);
}

static int wait_child(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

struct counters {
    atomic_int go;
    atomic_int ready;
    uint32_t sync32;
    uint64_t sync64;
    _Atomic uint16_t c16;
    _Atomic uint8_t c8;
    _Atomic uint64_t c11_64;
    atomic_uint c11_32;
    atomic_flag lock;
    uint32_t locked_plain;
    uint64_t locked_plain64;
    pthread_mutex_t mutex;
    uint32_t mutex_plain;
    sem_t sem;
    uint32_t max_seen;
};

static void worker(struct counters *c, int id)
{
    atomic_fetch_add(&c->ready, 1);
    while (!atomic_load(&c->go)) {
    }
    for (int i = 0; i < ITERS; i++) {
        __sync_fetch_and_add(&c->sync32, 1);
        __sync_add_and_fetch(&c->sync64, 3);
        atomic_fetch_add(&c->c16, 1);
        atomic_fetch_add(&c->c8, 1);
        atomic_fetch_add_explicit(&c->c11_64, 0x100000001ull, memory_order_relaxed);
        atomic_fetch_sub(&c->c11_32, 2);
        // A CAS-based max (compare_exchange loop).
        uint32_t v = (uint32_t)(id * ITERS + i), cur = __atomic_load_n(&c->max_seen, __ATOMIC_RELAXED);
        while (v > cur && !__atomic_compare_exchange_n(&c->max_seen, &cur, v, 1, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
        }
        while (atomic_flag_test_and_set_explicit(&c->lock, memory_order_acquire)) {
        }
        c->locked_plain++;
        c->locked_plain64 += 5;
        atomic_flag_clear_explicit(&c->lock, memory_order_release);
        if (i % 8 == 0) {
            pthread_mutex_lock(&c->mutex);
            c->mutex_plain++;
            pthread_mutex_unlock(&c->mutex);
        }
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int to_child[2], to_parent[2];
    if (pipe(to_child) || pipe(to_parent)) return 1;

    // 1. Anonymous shared memory, both directions.
    char *sh = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char *pv = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED || pv == MAP_FAILED) return 2;
    strcpy(sh, "from parent");
    strcpy(sh + 2 * PAGE + 100, "last page");
    strcpy(pv, "private");
    pid_t pid = fork();
    if (pid == 0) {
        int ok = strcmp(sh, "from parent") == 0 && strcmp(sh + 2 * PAGE + 100, "last page") == 0 &&
                 strcmp(pv, "private") == 0;
        strcpy(sh + PAGE, "from child");
        strcpy(pv, "child's copy");
        step_go(to_parent[1]);
        step_wait(to_child[0]);
        // The parent wrote after our first step.
        ok = ok && strcmp(sh, "parent again") == 0;
        _exit(ok ? 0 : 1);
    }
    step_wait(to_parent[0]);
    printf("anon shared: parent sees \"%s\"\n", sh + PAGE);
    printf("anon private: parent sees \"%s\"\n", pv);
    strcpy(sh, "parent again");
    step_go(to_child[1]);
    printf("anon shared: child saw both writes: exit %d\n", wait_child(pid));

    // 2. munmap in the child does not unmap the parent's pages.
    pid = fork();
    if (pid == 0) {
        munmap(sh, 3 * PAGE);
        _exit(0);
    }
    wait_child(pid);
    printf("after child munmap: \"%s\"\n", sh);

    // 3. A shared file mapping, at an offset.
    char path[] = "shm_fork.data";
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 3 * PAGE)) return 3;
    if (pwrite(fd, "file page one", 13, PAGE) != 13) return 4;
    char *fm = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
    if (fm == MAP_FAILED) return 5;
    printf("file map at offset: \"%s\"\n", fm);
    pid = fork();
    if (pid == 0) {
        memcpy(fm + PAGE, "child wrote page two", 21);
        step_go(to_parent[1]);
        step_wait(to_child[0]);
        _exit(strcmp(fm + 200, "parent via write()") == 0 ? 0 : 1);
    }
    step_wait(to_parent[0]);
    char buf[64] = {0};
    if (pread(fd, buf, 21, 2 * PAGE) != 21) return 6;
    printf("file map: parent mapping \"%s\", pread \"%s\"\n", fm + PAGE, buf);
    if (pwrite(fd, "parent via write()", 19, PAGE + 200) != 19) return 7;
    step_go(to_child[1]);
    printf("file map: child saw write(): exit %d\n", wait_child(pid));
    munmap(fm, 2 * PAGE);
    close(fd);
    unlink(path);

    // 4. memfd: two mappings in one process alias, and a child's own
    // mapping of the inherited fd is the same memory.
    int mfd = memfd_create("shm_fork", MFD_CLOEXEC);
    if (mfd < 0 || ftruncate(mfd, 2 * PAGE)) return 8;
    char *m1 = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    char *m2 = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, mfd, PAGE);
    if (m1 == MAP_FAILED || m2 == MAP_FAILED) return 9;
    strcpy(m1 + PAGE, "alias");
    printf("memfd alias: \"%s\" (distinct addresses %d)\n", m2, m1 + PAGE != m2);
    pid = fork();
    if (pid == 0) {
        char *c = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
        if (c == MAP_FAILED) _exit(2);
        strcpy(c + PAGE + 10, "child's own mapping");
        _exit(strcmp(c + PAGE, "alias") == 0 ? 0 : 1);
    }
    int st = wait_child(pid);
    printf("memfd child: exit %d, parent sees \"%s\" and \"%s\"\n", st, m1 + PAGE + 10, m2 + 10);
    munmap(m1, 2 * PAGE);
    munmap(m2, PAGE);
    close(mfd);

    // 5. Atomics from four processes at once.
    struct counters *c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c == MAP_FAILED) return 10;
    atomic_flag_clear(&c->lock);
    atomic_store(&c->c11_32, 1000000u);
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&c->mutex, &ma);
    sem_init(&c->sem, 1, 0);
    pid_t kids[PROCS - 1];
    for (int k = 0; k < PROCS - 1; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            worker(c, k + 1);
            sem_post(&c->sem);
            _exit(0);
        }
    }
    while (atomic_load(&c->ready) != PROCS - 1) {
    }
    atomic_store(&c->go, 1);
    worker(c, 0);
    for (int k = 0; k < PROCS - 1; k++) sem_wait(&c->sem);
    int bad = 0;
    for (int k = 0; k < PROCS - 1; k++) bad |= wait_child(kids[k]);
    const unsigned n = PROCS * ITERS;
    printf("children: %s\n", bad ? "failed" : "ok");
    printf("__sync 32: %u (want %u)\n", c->sync32, n);
    printf("__sync 64: %llu (want %llu)\n", (unsigned long long)c->sync64, 3ull * n);
    printf("C11 16: %u (want %u)\n", (unsigned)c->c16, n % 65536);
    printf("C11 8: %u (want %u)\n", (unsigned)c->c8, n % 256);
    printf("C11 64: %#llx (want %#llx)\n", (unsigned long long)c->c11_64, 0x100000001ull * n);
    printf("C11 32 sub: %u (want %u)\n", (unsigned)c->c11_32, 1000000u - 2 * n);
    printf("CAS max: %u (want %u)\n", c->max_seen, (unsigned)(PROCS * ITERS - 1));
    printf("spin lock: %u %llu (want %u %llu)\n", c->locked_plain, (unsigned long long)c->locked_plain64, n,
           5ull * n);
    printf("pshared mutex: %u (want %u)\n", c->mutex_plain, PROCS * (ITERS / 8));

    // 6. A process-shared semaphore ping-pong.
    sem_t *ping = (sem_t *)(sh + PAGE), *pong = ping + 1;
    volatile int *ball = (volatile int *)(pong + 1);
    sem_init(ping, 1, 0);
    sem_init(pong, 1, 0);
    *ball = 0;
    pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 500; i++) {
            sem_wait(ping);
            *ball += 2;
            sem_post(pong);
        }
        _exit(0);
    }
    for (int i = 0; i < 500; i++) {
        *ball += 1;
        sem_post(ping);
        sem_wait(pong);
    }
    st = wait_child(pid);
    printf("ping-pong: ball %d (want 1500), child exit %d\n", *ball, st);
    return 0;
}
