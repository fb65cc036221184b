// The main thread ending with the exit system call (not exit_group) while
// another thread runs: Linux keeps the process alive until its last
// thread ends, and the parent then sees the main thread's status. The
// scenario runs in a child process: its other thread writes after the
// main thread is gone, then ends with the raw exit too; the parent reads
// the status and the output. Then the same with the other thread calling
// exit_group, whose status wins.
// Portable: the expected output is the host's (x86-64) result.
// ldflags: -pthread
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int out;
static int group;

static void *worker(void *arg)
{
    (void)arg;
    struct timespec t = { 0, 200 * 1000 * 1000 };
    nanosleep(&t, NULL);
    dprintf(out, "worker still running after the main thread left\n");
    if (group)
        syscall(SYS_exit_group, 9);
    syscall(SYS_exit, 3);
    return NULL;
}

static void scenario(int exit_group)
{
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        out = p[1];
        group = exit_group;
        pthread_t t;
        pthread_create(&t, NULL, worker, NULL);
        syscall(SYS_exit, 7); // only the main thread
    }
    close(p[1]);
    char buf[128];
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    int st;
    waitpid(c, &st, 0);
    printf("%s", buf);
    printf("status: exited %d, code %d\n", WIFEXITED(st), WEXITSTATUS(st));
    close(p[0]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    scenario(0);
    scenario(1);
    return 0;
}
