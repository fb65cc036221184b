// signalfd and signalfd4: blocked, pending signals read as struct
// signalfd_siginfo (128 bytes, the same layout on every architecture):
// kill() and raise() to itself, sigqueue() with a value, signals sent by a
// child process, SIGCHLD on a child's exit (with its pid and status),
// several records in one read, SFD_NONBLOCK (EAGAIN when nothing is
// pending), SFD_CLOEXEC, the fd in poll, select and epoll, a mask change
// on an existing fd, the raw signalfd call (no flags), a fork child
// reading its own signals through the inherited fd, and the errors
// (bad flags, bad mask size, short buffer, fd that is not a signalfd).
// Portable: the expected output is the host's (x86-64) result.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *code_name(int code)
{
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TKILL: return "SI_TKILL";
    case CLD_EXITED: return "CLD_EXITED";
    default: return "other";
    }
}

static int handled;
static void handler(int sig) { (void)sig; handled++; }

// Reads one record and describes it; `from` is the pid expected in ssi_pid.
static void read_one(const char *what, int fd, pid_t from)
{
    struct signalfd_siginfo si;
    memset(&si, 0xee, sizeof si);
    ssize_t n = read(fd, &si, sizeof si);
    if (n != (ssize_t)sizeof si) {
        printf("%s: read %zd errno %s\n", what, n, strerror(errno));
        return;
    }
    printf("%s: signo %u code %s pid %s uid %s\n", what, si.ssi_signo, code_name(si.ssi_code),
           (pid_t)si.ssi_pid == from ? "ok" : "wrong", si.ssi_uid == getuid() ? "ok" : "wrong");
}

static int readable(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, timeout_ms);
    return r == 1 && (p.revents & POLLIN);
}

static int select_readable(int fd)
{
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(fd, &rs);
    struct timeval tv = {0, 0};
    return select(fd + 1, &rs, NULL, NULL, &tv) == 1 && FD_ISSET(fd, &rs);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t me = getpid();
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, NULL);

    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGUSR2);
    int fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
    printf("signalfd4: %s\n", fd >= 0 ? "ok" : strerror(errno));
    printf("cloexec %d nonblock %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0,
           (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);

    // Nothing pending.
    struct signalfd_siginfo si;
    errno = 0;
    ssize_t n = read(fd, &si, sizeof si);
    printf("empty read: %zd %s\n", n, errno == EAGAIN ? "EAGAIN" : strerror(errno));
    printf("empty: poll %d select %d\n", readable(fd, 0), select_readable(fd));

    // kill() to itself: pending, readable, then consumed.
    kill(me, SIGUSR1);
    printf("after kill: poll %d select %d\n", readable(fd, 0), select_readable(fd));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ull};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    struct epoll_event out[2];
    int ne = epoll_wait(ep, out, 2, 0);
    printf("epoll: %d data %s\n", ne, ne == 1 && out[0].data.u64 == 0x1122334455667788ull ? "ok" : "wrong");
    read_one("kill", fd, me);
    sigset_t pend;
    sigpending(&pend);
    printf("consumed: pending %d poll %d epoll %d\n", sigismember(&pend, SIGUSR1), readable(fd, 0),
           epoll_wait(ep, out, 2, 0));

    // raise() is tgkill: SI_TKILL.
    raise(SIGUSR2);
    read_one("raise", fd, me);

    // sigqueue carries a value.
    union sigval v = {.sival_int = 4242};
    sigqueue(me, SIGUSR1, v);
    memset(&si, 0, sizeof si);
    n = read(fd, &si, sizeof si);
    printf("sigqueue: %zd signo %u code %s int %d\n", n, si.ssi_signo, code_name(si.ssi_code), si.ssi_int);

    // Two pending signals in one read: lowest number first.
    kill(me, SIGUSR2);
    kill(me, SIGUSR1);
    struct signalfd_siginfo two[3];
    n = read(fd, two, sizeof two);
    printf("two: %zd bytes, signos %u %u\n", n, two[0].ssi_signo, two[1].ssi_signo);

    // A blocked signal outside the mask is not readable, but pending.
    kill(me, SIGTERM);
    printf("other signal: poll %d\n", readable(fd, 0));
    sigpending(&pend);
    printf("SIGTERM pending %d\n", sigismember(&pend, SIGTERM));
    // Adding it to the mask of the existing fd makes it readable.
    sigaddset(&m, SIGTERM);
    int fd2 = signalfd(fd, &m, 0);
    printf("mask change: same fd %d poll %d\n", fd2 == fd, readable(fd, 0));
    read_one("term", fd, me);

    // An unblocked signal with a handler goes to the handler.
    signal(SIGUSR2, handler);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, SIGUSR2);
    sigprocmask(SIG_UNBLOCK, &one, NULL);
    kill(me, SIGUSR2);
    printf("handler: ran %d, fd poll %d\n", handled, readable(fd, 0));
    sigprocmask(SIG_BLOCK, &one, NULL);

    // A second fd from the raw signalfd call (no flags: blocking), for
    // signals from a child and SIGCHLD when it exits.
    sigset_t cm;
    sigemptyset(&cm);
    sigaddset(&cm, SIGUSR1);
    sigaddset(&cm, SIGCHLD);
    int bfd = syscall(SYS_signalfd, -1, &cm, 8);
    printf("signalfd: %s cloexec %d nonblock %d\n", bfd >= 0 ? "ok" : strerror(errno),
           (fcntl(bfd, F_GETFD) & FD_CLOEXEC) != 0, (fcntl(bfd, F_GETFL) & O_NONBLOCK) != 0);
    pid_t child = fork();
    if (child == 0) {
        kill(getppid(), SIGUSR1);
        _exit(7);
    }
    int seen_usr1 = 0, seen_chld = 0;
    while (!(seen_usr1 && seen_chld)) {
        memset(&si, 0, sizeof si);
        n = read(bfd, &si, sizeof si);   // blocks
        if (n != (ssize_t)sizeof si) {
            printf("child read: %zd %s\n", n, strerror(errno));
            break;
        }
        if (si.ssi_signo == SIGUSR1 && !seen_usr1) {
            seen_usr1 = 1;
            printf("from child: SIGUSR1 code %s pid %s\n", code_name(si.ssi_code),
                   (pid_t)si.ssi_pid == child ? "ok" : "wrong");
        } else if (si.ssi_signo == SIGCHLD && !seen_chld) {
            seen_chld = 1;
            printf("SIGCHLD: code %s pid %s status %d\n", code_name(si.ssi_code),
                   (pid_t)si.ssi_pid == child ? "ok" : "wrong", si.ssi_status);
        } else {
            printf("unexpected signo %u\n", si.ssi_signo);
        }
    }
    int st;
    pid_t w = waitpid(child, &st, 0);
    printf("waitpid: %s exit %d\n", w == child ? "ok" : "wrong", WEXITSTATUS(st));

    // epoll_wait blocks until a child's signal arrives.
    int ep2 = epoll_create1(0);
    struct epoll_event ev2 = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(ep2, EPOLL_CTL_ADD, fd, &ev2);
    child = fork();
    if (child == 0) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        kill(getppid(), SIGUSR2);
        _exit(0);
    }
    ne = epoll_wait(ep2, out, 2, 10000);
    printf("epoll wait: %d fd %s\n", ne, ne == 1 && out[0].data.fd == fd ? "ok" : "wrong");
    read_one("epoll", fd, child);
    waitpid(child, &st, 0);
    // The SIGCHLD of that child is pending (blocked): drain it by waiting.
    struct timespec zero = {0, 0};
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    printf("sigtimedwait SIGCHLD: %d\n", sigtimedwait(&chld, NULL, &zero));

    // A fork child reads its own signals through the inherited fd; the
    // parent's pending set is not affected.
    child = fork();
    if (child == 0) {
        kill(getpid(), SIGUSR1);
        struct signalfd_siginfo c;
        ssize_t k = read(fd, &c, sizeof c);
        _exit(k == (ssize_t)sizeof c && c.ssi_signo == SIGUSR1 && (pid_t)c.ssi_pid == getpid() ? 0 : 1);
    }
    waitpid(child, &st, 0);
    sigpending(&pend);
    printf("child read its own: exit %d, parent pending USR1 %d poll %d\n", WEXITSTATUS(st),
           sigismember(&pend, SIGUSR1), readable(fd, 0));
    sigtimedwait(&chld, NULL, &zero);

    // Errors (each result and errno taken before printing).
    long r = signalfd(-1, &m, 0x1234);
    printf("bad flags: %ld %s\n", r, errno == EINVAL ? "EINVAL" : strerror(errno));
    // The kernel wants sizeof(sigset_t) == 8 here; qemu-arm 7.2 ignores
    // the size and succeeds (signalfd.qemu-expected).
    r = syscall(SYS_signalfd4, -1, &m, 4, 0);
    printf("bad size: %ld %s\n", r, errno == EINVAL ? "EINVAL" : strerror(errno));
    kill(me, SIGUSR1);
    char small[64];
    r = read(fd, small, sizeof small);
    printf("short buffer: %ld %s\n", r, errno == EINVAL ? "EINVAL" : strerror(errno));
    int pfd[2];
    if (pipe(pfd)) return 1;
    r = signalfd(pfd[0], &m, 0);
    printf("not a signalfd: %ld %s\n", r, errno == EINVAL ? "EINVAL" : strerror(errno));
    r = signalfd(1000, &m, 0);
    printf("bad fd: %ld %s\n", r, errno == EBADF ? "EBADF" : strerror(errno));

    // After close the signal stays pending for sigwaitinfo.
    close(fd);
    siginfo_t info;
    r = sigwaitinfo(&m, &info);
    printf("after close: sigwaitinfo %ld code %s\n", r, code_name(info.si_code));

    // ppoll, pselect and epoll_pwait with a temporary mask that lets a
    // blocked signal through: interrupted (EINTR), the handler runs, and
    // the signal is blocked again afterwards.
    sigset_t let_usr2;
    sigprocmask(SIG_BLOCK, NULL, &let_usr2);
    sigdelset(&let_usr2, SIGUSR2);
    for (int k = 0; k < 3; k++) {
        handled = 0;
        child = fork();
        if (child == 0) {
            struct timespec ts = {0, 30 * 1000 * 1000};
            nanosleep(&ts, NULL);
            kill(getppid(), SIGUSR2);
            _exit(0);
        }
        struct timespec ten = {10, 0};
        const char *name;
        if (k == 0) {
            name = "ppoll";
            r = ppoll(NULL, 0, &ten, &let_usr2);
        } else if (k == 1) {
            name = "pselect";
            r = pselect(0, NULL, NULL, NULL, &ten, &let_usr2);
        } else {
            name = "epoll_pwait";
            r = epoll_pwait(ep2, out, 2, 10000, &let_usr2);
        }
        int e = errno;
        sigset_t now;
        sigprocmask(SIG_BLOCK, NULL, &now);
        printf("%s: %ld %s handler %d, blocked again %d\n", name, r, e == EINTR ? "EINTR" : strerror(e),
               handled, sigismember(&now, SIGUSR2));
        waitpid(child, &st, 0);
        sigtimedwait(&chld, NULL, &zero);
    }
    // Already pending when the call starts: it returns at once.
    handled = 0;
    raise(SIGUSR2);
    struct timespec ten = {10, 0};
    r = ppoll(NULL, 0, &ten, &let_usr2);
    printf("ppoll with USR2 pending: %ld %s handler %d\n", r, errno == EINTR ? "EINTR" : strerror(errno), handled);
    return 0;
}
