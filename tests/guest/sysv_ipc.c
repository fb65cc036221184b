// System V IPC: a shared memory segment attached by the parent (at a
// chosen address with SHM_RND, and anywhere), written by a fork child and
// read back, shmctl IPC_STAT (size, attach count, creator), a read-only
// attachment that faults on write, shmdt of an address not attached;
// semaphore sets (SETVAL/GETVAL, SETALL/GETALL, IPC_STAT, a ping-pong with
// a child, semtimedop timing out); message queues (types, a negative type
// selecting the lowest, IPC_NOWAIT, MSG_NOERROR truncation, IPC_STAT).
// Portable: the expected output is the host's (x86-64) result.
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static sigjmp_buf jb;
static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(jb, 1);
}

static int wait_child(pid_t pid)
{
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

struct msg {
    long mtype;
    char text[32];
};

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    // Shared memory.
    int shm = shmget(IPC_PRIVATE, 3 * 4096 + 100, IPC_CREAT | 0600);
    char *p = shmat(shm, NULL, 0);
    printf("shmat anywhere: %s\n", p == (void *)-1 ? strerror(errno) : "ok");
    strcpy(p, "parent");
    pid_t pid = fork();
    if (pid == 0) {
        int ok = strcmp(p, "parent") == 0;
        strcpy(p + 3 * 4096, "child in the last page");
        char *q = shmat(shm, NULL, 0);
        ok = ok && q != (void *)-1 && q != p && strcmp(q + 3 * 4096, "child in the last page") == 0;
        _exit(ok ? 0 : 1);
    }
    int st = wait_child(pid);
    printf("child: exit %d, parent reads \"%s\"\n", st, p + 3 * 4096);
    struct shmid_ds ds;
    shmctl(shm, IPC_STAT, &ds);
    printf("IPC_STAT: size %zu nattch %lu creator %s mode %o\n", (size_t)ds.shm_segsz, (unsigned long)ds.shm_nattch,
           ds.shm_cpid == getpid() ? "me" : "other", (unsigned)(ds.shm_perm.mode & 0777));

    // At a chosen address (rounded down to SHMLBA) in a free range.
    // qemu-arm 7.2 fails this with EINVAL (sysv_ipc.qemu-expected).
    char *hole = mmap(NULL, 256 * 1024, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole, 256 * 1024);
    char *want = hole + 65536 + 123;
    char *at = shmat(shm, want, SHM_RND);
    printf("shmat SHM_RND: %s, rounded down %d, same memory %d\n", at == (void *)-1 ? strerror(errno) : "ok",
           at <= want && want - at < 65536, at != (void *)-1 && strcmp(at, "parent") == 0);
    errno = 0;
    void *bad = shmat(shm, p + 1, 0);
    printf("unaligned without SHM_RND: %s\n", bad == (void *)-1 && errno == EINVAL ? "EINVAL" : "?");

    // Read-only: writes fault.
    char *ro = shmat(shm, NULL, SHM_RDONLY);
    signal(SIGSEGV, on_segv);
    volatile int faulted = 0;
    if (sigsetjmp(jb, 1) == 0)
        ro[10] = 'x';
    else
        faulted = 1;
    printf("read-only: reads \"%s\", write faulted %d\n", ro, faulted);
    shmdt(ro);
    shmdt(at);
    int r = shmdt(p + 4096);
    printf("shmdt not attached: %d %s\n", r, errno == EINVAL ? "EINVAL" : strerror(errno));
    shmdt(p);
    shmctl(shm, IPC_STAT, &ds);
    printf("after shmdt: nattch %lu\n", (unsigned long)ds.shm_nattch);
    printf("IPC_RMID: %d\n", shmctl(shm, IPC_RMID, NULL));

    // Semaphores.
    int sem = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    union semun arg;
    unsigned short vals[3] = {5, 0, 9}, got[3] = {0};
    arg.array = vals;
    semctl(sem, 0, SETALL, arg);
    arg.val = 7;
    semctl(sem, 1, SETVAL, arg);
    arg.array = got;
    semctl(sem, 0, GETALL, arg);
    struct semid_ds sds;
    arg.buf = &sds;
    semctl(sem, 0, IPC_STAT, arg);
    printf("sem: GETALL %u %u %u GETVAL %d nsems %lu\n", got[0], got[1], got[2], semctl(sem, 2, GETVAL),
           (unsigned long)sds.sem_nsems);
    arg.val = 0;
    semctl(sem, 0, SETVAL, arg);
    semctl(sem, 1, SETVAL, arg);
    pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 100; i++) {
            struct sembuf down = {0, -1, 0}, up = {1, 1, 0};
            semop(sem, &down, 1);
            semop(sem, &up, 1);
        }
        _exit(0);
    }
    for (int i = 0; i < 100; i++) {
        struct sembuf up = {0, 1, 0}, down = {1, -1, 0};
        semop(sem, &up, 1);
        semop(sem, &down, 1);
    }
    st = wait_child(pid);
    printf("sem ping-pong: child exit %d, values %d %d\n", st, semctl(sem, 0, GETVAL), semctl(sem, 1, GETVAL));
    struct sembuf wait0 = {1, -1, 0};
    struct timespec ts = {0, 20 * 1000 * 1000};
    r = semtimedop(sem, &wait0, 1, &ts);
    printf("semtimedop: %d %s\n", r, errno == EAGAIN ? "EAGAIN" : strerror(errno));
    printf("sem IPC_RMID: %d\n", semctl(sem, 0, IPC_RMID));

    // Message queues.
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct msg m;
    const char *texts[] = {"three", "one", "two"};
    long types[] = {3, 1, 2};
    for (int i = 0; i < 3; i++) {
        m.mtype = types[i];
        strcpy(m.text, texts[i]);
        msgsnd(q, &m, strlen(m.text) + 1, 0);
    }
    struct msqid_ds qds;
    msgctl(q, IPC_STAT, &qds);
    printf("msg: qnum %lu cbytes %lu\n", (unsigned long)qds.msg_qnum, (unsigned long)qds.__msg_cbytes);
    ssize_t n = msgrcv(q, &m, sizeof m.text, 2, 0);
    printf("msgrcv type 2: %zd \"%s\" type %ld\n", n, m.text, m.mtype);
    n = msgrcv(q, &m, sizeof m.text, -3, 0);
    printf("msgrcv type <= 3: %zd \"%s\" type %ld\n", n, m.text, m.mtype);
    n = msgrcv(q, &m, 2, 0, 0);
    printf("msgrcv too small: %zd %s\n", n, errno == E2BIG ? "E2BIG" : strerror(errno));
    n = msgrcv(q, &m, 2, 0, MSG_NOERROR);
    printf("msgrcv MSG_NOERROR: %zd \"%.2s\" type %ld\n", n, m.text, m.mtype);
    n = msgrcv(q, &m, sizeof m.text, 0, IPC_NOWAIT);
    printf("msgrcv empty: %zd %s\n", n, errno == ENOMSG ? "ENOMSG" : strerror(errno));
    pid = fork();
    if (pid == 0) {
        struct msg c = {.mtype = 42};
        strcpy(c.text, "from the child");
        _exit(msgsnd(q, &c, sizeof c.text, 0) == 0 ? 0 : 1);
    }
    n = msgrcv(q, &m, sizeof m.text, 42, 0);
    st = wait_child(pid);
    printf("msg from child: %zd \"%s\", exit %d\n", n, m.text, st);
    printf("msg IPC_RMID: %d\n", msgctl(q, IPC_RMID, NULL));
    return 0;
}
