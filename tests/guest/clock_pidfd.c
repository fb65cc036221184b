// adjtimex and clock_adjtime reading the clock state (modes 0: the 32-bit
// struct timex converted both ways), and pidfd_send_signal: to a child
// (killed by SIGTERM) and to itself with a siginfo carrying a value, and
// pidfd_getfd copying its own stdout. (Nothing sets the clock.)
// Portable: the expected output is the host's (x86-64) result.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    int st = adjtimex(&tx);
    // USER_HZ is 100 on ARM and x86-64 Linux: a tick of 10000 us.
    printf("adjtimex: state ok %d, tick %ld, precision > 0 %d\n", st >= 0 && st <= 5, (long)tx.tick,
           tx.precision > 0);
    memset(&tx, 0, sizeof tx);
    st = clock_adjtime(CLOCK_REALTIME, &tx);
    printf("clock_adjtime: state ok %d, tick %ld\n", st >= 0 && st <= 5, (long)tx.tick);

    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    int pfd = (int)syscall(SYS_pidfd_open, child, 0);
    long r = syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0);
    int ws;
    waitpid(child, &ws, 0);
    printf("pidfd_send_signal to child: %ld, killed by %d\n", r, WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
    close(pfd);

    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_int = 777;
    r = syscall(SYS_pidfd_send_signal, self, SIGUSR1, &si, 0);
    siginfo_t got;
    int sig = sigwaitinfo(&usr1, &got);
    printf("pidfd_send_signal to self: %ld, got %d code %s value %d\n", r, sig,
           got.si_code == SI_QUEUE ? "SI_QUEUE" : "other", got.si_value.sival_int);
    r = syscall(SYS_pidfd_send_signal, self, SIGUSR2, &si, 0);
    printf("signo mismatch: %ld %s\n", r, errno == EINVAL ? "EINVAL" : strerror(errno));

    int fd = (int)syscall(SYS_pidfd_getfd, self, 1, 0);
    printf("pidfd_getfd of stdout: %s\n", fd > 2 ? "new fd" : strerror(errno));
    return 0;
}
