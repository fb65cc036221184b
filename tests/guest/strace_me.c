// A few system calls for -strace to show (linux-user/tests/strace.rs
// checks the log lines): a failing open, a write, a signal delivered to
// a handler, a call from a second thread, an open with O_CREAT, a bad
// pointer (EFAULT). Also the run for -d's items (logging.rs).
// ldflags: -pthread
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void on_usr1(int sig) { (void)sig; }

static void *thread(void *arg)
{
    (void)arg;
    getppid();
    return NULL;
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    if (open("/nonexistent/x", O_RDONLY) >= 0)
        return 1;
    if (write(1, "hi\n", 3) != 3)
        return 1;
    raise(SIGUSR1);
    pthread_t t;
    pthread_create(&t, NULL, thread, NULL);
    pthread_join(t, NULL);
    int fd = openat(AT_FDCWD, "strace-file", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    close(fd);
    unlink("strace-file");
    if (syscall(SYS_clock_gettime, CLOCK_REALTIME, (void *)16) != -1)
        return 1;
    return 0;
}
