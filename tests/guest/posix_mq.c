// POSIX message queues: mq_open with attributes, priorities deciding the
// receive order, mq_getattr/mq_setattr (struct mq_attr has 4-byte longs in
// the guest), O_NONBLOCK (EAGAIN), mq_timedreceive timing out, a message
// from a fork child, mq_notify with a signal (SI_MESGQ and the value), and
// mq_unlink.
// Portable: the expected output is the host's (x86-64) result.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    char name[64];
    snprintf(name, sizeof name, "/rsemu-mq-test-%d", (int)getpid());
    struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 64};
    mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    printf("mq_open: %s\n", q == (mqd_t)-1 ? strerror(errno) : "ok");
    mq_send(q, "low", 4, 1);
    mq_send(q, "high", 5, 9);
    mq_send(q, "mid", 4, 5);
    struct mq_attr got;
    mq_getattr(q, &got);
    printf("attr: maxmsg %ld msgsize %ld curmsgs %ld flags %ld\n", got.mq_maxmsg, got.mq_msgsize, got.mq_curmsgs,
           got.mq_flags);
    char buf[64];
    unsigned prio;
    for (int i = 0; i < 3; i++) {
        ssize_t n = mq_receive(q, buf, sizeof buf, &prio);
        printf("receive: %zd \"%s\" prio %u\n", n, buf, prio);
    }
    ssize_t n = mq_receive(q, buf, 10, &prio);
    printf("small buffer: %zd %s\n", n, errno == EMSGSIZE ? "EMSGSIZE" : strerror(errno));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    n = mq_timedreceive(q, buf, sizeof buf, &prio, &ts);
    printf("timedreceive on empty: %zd %s\n", n, errno == ETIMEDOUT ? "ETIMEDOUT" : strerror(errno));
    struct mq_attr nb = {.mq_flags = O_NONBLOCK}, old;
    mq_setattr(q, &nb, &old);
    n = mq_receive(q, buf, sizeof buf, &prio);
    printf("nonblocking: %zd %s (old flags %ld)\n", n, errno == EAGAIN ? "EAGAIN" : strerror(errno), old.mq_flags);
    nb.mq_flags = 0;
    mq_setattr(q, &nb, NULL);

    pid_t pid = fork();
    if (pid == 0) {
        mqd_t c = mq_open(name, O_WRONLY);
        _exit(mq_send(c, "from the child", 15, 3) == 0 ? 0 : 1);
    }
    n = mq_receive(q, buf, sizeof buf, &prio);
    int st;
    waitpid(pid, &st, 0);
    printf("from child: %zd \"%s\" prio %u, exit %d\n", n, buf, prio, WEXITSTATUS(st));

    // Notification by signal when a message arrives in the empty queue.
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 31337;
    // (qemu-arm 7.2 has no mq_notify: posix_mq.qemu-expected.)
    int r = mq_notify(q, &ev);
    printf("mq_notify: %d%s\n", r, r ? " ENOSYS" : "");
    mq_send(q, "wake", 5, 0);
    if (r == 0) {
        siginfo_t si;
        int sig = sigwaitinfo(&usr1, &si);
        printf("notified: sig %d code %s value %d\n", sig, si.si_code == SI_MESGQ ? "SI_MESGQ" : "other",
               si.si_value.sival_int);
    }
    mq_close(q);
    int first = mq_unlink(name);
    int again = mq_unlink(name);
    printf("mq_unlink: %d, again: %d %s\n", first, again, errno == ENOENT ? "ENOENT" : "?");
    return 0;
}
