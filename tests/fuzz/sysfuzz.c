// A system call fuzzer for rsemu-arm, run as an ARM guest.
//
//   sysfuzz random SEED COUNT   random calls, each in a forked child
//   sysfuzz efault              pointer arguments Linux refuses with EFAULT
//
// random: system call numbers from the ARM table (and beyond it), with
// arguments drawn from edge values: small and extreme integers, this
// child's own descriptors (a file, a pipe, a socket, a directory: no
// host object is reachable through them), pointers to a good buffer, a
// read-only page, an unmapped page, NULL, the kernel half, the kuser page,
// misaligned ones, huge lengths. Each call runs in a child with a private
// working directory, an alarm and a file-size limit; calls that would
// change the machine as root (clocks, hostname, mounts, reboot, modules,
// keyrings, swap, other processes, System V IPC objects, device nodes)
// are never made. The parent watches each child:
//  * a crash of the emulator: "panicked", "internal error", or death by
//    a fault signal without the emulator's one-line report of a guest
//    fault (a guest killed by a fault it caused itself is reported);
//  * a hang: still alive 5 s after its 1 s alarm, although the call
//    cannot have blocked SIGALRM (the emulator must deliver it).
// efault: for calls whose pointer argument Linux must read or write with
// every other argument valid, each bad pointer must give EFAULT (a read
// from the kuser page is allowed: user space may read it on ARM).
// Prints one line per problem and a summary line; exits 1 on problems.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG 4096
#define MAX_NR 470

static uint64_t rng;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static char *good;      // a read-write page: "AAAA...\0"
static char *readonly;  // a read-only page of the same
static char *unmapped;  // a page that is not mapped

// Calls never made (they act on the machine or on other processes).
static const long denied[] = {
    SYS_reboot, SYS_kexec_load, SYS_kexec_file_load, SYS_init_module, SYS_finit_module,
    SYS_delete_module, SYS_swapon, SYS_swapoff, SYS_mount, SYS_umount2, SYS_pivot_root,
    SYS_settimeofday, SYS_clock_settime, SYS_clock_settime64, SYS_adjtimex, SYS_clock_adjtime,
    SYS_clock_adjtime64, SYS_sethostname, SYS_setdomainname, SYS_acct, SYS_syslog, SYS_vhangup,
    SYS_quotactl, SYS_add_key, SYS_request_key, SYS_keyctl, SYS_kill, SYS_tkill, SYS_tgkill,
    SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo, SYS_pidfd_send_signal, SYS_ptrace,
    SYS_process_vm_writev, SYS_process_madvise, SYS_setpriority, SYS_sched_setscheduler,
    SYS_sched_setparam, SYS_sched_setattr, SYS_sched_setaffinity, SYS_prlimit64, SYS_ioprio_set,
    SYS_msgget, SYS_msgctl, SYS_semget, SYS_semctl, SYS_shmget, SYS_shmctl, SYS_mq_open,
    SYS_mq_unlink, SYS_mknod, SYS_mknodat, SYS_fanotify_init, SYS_fanotify_mark, SYS_migrate_pages,
    SYS_move_pages, SYS_set_mempolicy, SYS_mbind, SYS_perf_event_open, SYS_bpf, SYS_userfaultfd,
    SYS_setpgid, SYS_quotactl_fd,
};

// Calls that take a signal mask: they may block SIGALRM while they wait.
static const long masked_waits[] = {
    SYS_rt_sigsuspend, SYS_ppoll, SYS_ppoll_time64, SYS_pselect6, SYS_pselect6_time64,
    SYS_epoll_pwait, SYS_epoll_pwait2, SYS_io_pgetevents, SYS_io_pgetevents_time64, SYS_sigsuspend,
    SYS_rt_sigprocmask, SYS_rt_sigaction, SYS_sigprocmask, SYS_sigaction, SYS_signalfd,
    SYS_signalfd4, SYS_rt_sigtimedwait, SYS_rt_sigtimedwait_time64,
};

static int listed(long nr, const long *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == nr)
            return 1;
    return 0;
}

static long pick_nr(void)
{
    for (;;) {
        long nr;
        uint32_t r = next() % 100;
        if (r < 90)
            nr = next() % MAX_NR;
        else if (r < 95)
            nr = 0xf0000 + next() % 8; // ARM private calls
        else
            nr = (long)next(); // anything
        if (!listed(nr, denied, sizeof denied / sizeof *denied))
            return nr;
    }
}

static uint32_t pick_arg(void)
{
    static const uint32_t ints[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 64, 100, 4095, 4096, 65536,
                                     0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0xffffff9c,
                                     0x800, 0x80000, 0x40000000, 0x20000 };
    switch (next() % 12) {
    case 0:
    case 1:
    case 2:
        return ints[next() % (sizeof ints / sizeof *ints)];
    case 3:
        return 3 + next() % 5; // one of this child's descriptors
    case 4:
        return (uint32_t)(uintptr_t)good + (next() % 2 ? 0 : next() % 64);
    case 5:
        return (uint32_t)(uintptr_t)readonly;
    case 6:
        return (uint32_t)(uintptr_t)unmapped;
    case 7:
        return 0xc0000000u + (next() % 0x1000) * 4; // the kernel half
    case 8:
        return 0xffff0fa0u - (next() % 4) * 0x20; // the kuser helpers
    case 9:
        return (uint32_t)(uintptr_t)good + 4093; // misaligned, near the end
    case 10:
        return next();
    default:
        return next() % 1024;
    }
}

// A child's descriptors 3..7: a file, a pipe's two ends, a socket, the
// working directory. 0, 1: an empty pipe and a pipe to nowhere; 2: the
// report pipe to the parent.
static void child_setup(int err_fd)
{
    int devnull_like[2];
    pipe(devnull_like);
    dup2(devnull_like[0], 0);
    close(devnull_like[1]);
    int out[2];
    pipe(out);
    dup2(out[1], 1);
    close(out[0]);
    dup2(err_fd, 2);
    for (int fd = 3; fd < 64; fd++)
        close(fd);
    int f = open("file", O_CREAT | O_RDWR, 0600); // 3
    int p[2];
    pipe(p);                                      // 4, 5
    int s = socket(AF_UNIX, SOCK_STREAM, 0);      // 6
    int d = open(".", O_RDONLY | O_DIRECTORY);    // 7
    (void)f, (void)s, (void)d;
    struct rlimit fsize = { 1 << 20, 1 << 20 };
    setrlimit(RLIMIT_FSIZE, &fsize);
    alarm(1);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int problems;

static void report(const char *what, long nr, uint32_t *a, const char *detail)
{
    problems++;
    printf("%s: syscall %ld (0x%x, 0x%x, 0x%x, 0x%x, 0x%x, 0x%x): %s\n", what, nr, a[0], a[1], a[2], a[3],
           a[4], a[5], detail);
}

// Runs one call in a child; classifies how it ended.
static void one_call(long nr, uint32_t *a)
{
    int errp[2];
    pipe(errp);
    pid_t c = fork();
    if (c < 0) {
        perror("fork");
        exit(2);
    }
    if (c == 0) {
        close(errp[0]);
        child_setup(errp[1]);
        syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        _exit(0);
    }
    close(errp[1]);
    fcntl(errp[0], F_SETFL, O_NONBLOCK);
    char err[4096];
    size_t got = 0;
    int st = 0;
    double start = now();
    int killed = 0;
    for (;;) {
        ssize_t n = read(errp[0], err + got, sizeof err - 1 - got);
        if (n > 0)
            got += n;
        pid_t w = waitpid(c, &st, WNOHANG);
        if (w == c)
            break;
        if (!killed && now() - start > 6) {
            kill(c, SIGKILL);
            killed = 1;
            // (A clone whose exit signal stops the caller, SIGSTOP and
            // the like, leaves it stopped when the child ends: natively too.)
            int stops = nr == SYS_clone && ((a[0] & 0xff) == SIGSTOP || (a[0] & 0xff) == SIGTSTP ||
                                            (a[0] & 0xff) == SIGTTIN || (a[0] & 0xff) == SIGTTOU);
            if (!stops && !listed(nr, masked_waits, sizeof masked_waits / sizeof *masked_waits))
                report("HANG", nr, a, "alive 5 s after its alarm");
        }
        struct timespec t = { 0, 1000000 };
        nanosleep(&t, NULL);
    }
    for (ssize_t n; (n = read(errp[0], err + got, sizeof err - 1 - got)) > 0;)
        got += n;
    err[got] = 0;
    close(errp[0]);
    // The grandchildren a clone or fork made die with their process group.
    if (strstr(err, "panicked") || strstr(err, "internal error"))
        report("CRASH", nr, a, err);
    else if (WIFSIGNALED(st) && !killed) {
        int sig = WTERMSIG(st);
        int fault = sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGABRT ||
                    sig == SIGTRAP || sig == SIGSYS;
        // (A clone's exit signal, sent to the caller when its child ends,
        // may be one of these: that death is the call working.)
        if (nr == SYS_clone && (int)(a[0] & 0xff) == sig)
            fault = 0;
        if (fault && !strstr(err, "rsemu-arm: ")) {
            char d[64];
            snprintf(d, sizeof d, "died of signal %d with no report", sig);
            report("CRASH", nr, a, d);
        }
    }
}

static int random_mode(uint64_t seed, long count)
{
    rng = seed * 0x9e3779b97f4a7c15ull + 1;
    for (long i = 0; i < count; i++) {
        long nr = pick_nr();
        uint32_t a[6];
        for (int j = 0; j < 6; j++)
            a[j] = pick_arg();
        one_call(nr, a);
    }
    printf("sysfuzz: %ld calls from seed %llu, %d problems\n", count, (unsigned long long)seed, problems);
    return problems != 0;
}

// --- EFAULT checks -----------------------------------------------------------

struct efault_case {
    const char *name;
    long nr;
    int ptr_arg;   // which argument is the pointer
    int writes;    // the kernel writes through it (else reads)
    uint32_t a[6]; // the other arguments (valid)
    int null_ok;   // NULL means "none" for this argument
};

static int pipe_w, file_fd;

static int efault_mode(void)
{
    int p[2];
    pipe(p);
    pipe_w = p[1];
    file_fd = open("efault-file", O_CREAT | O_RDWR, 0600);
    write(file_fd, "data", 4);
    // With `ptr` in argument `ptr_arg`, Linux must touch it.
    const struct efault_case cases[] = {
        { "uname", SYS_uname, 0, 1, { 0 } },
        { "gettimeofday", SYS_gettimeofday, 0, 1, { 0, 0 }, 1 },
        { "clock_gettime64", SYS_clock_gettime64, 1, 1, { CLOCK_MONOTONIC } },
        { "clock_getres_time64", SYS_clock_getres_time64, 1, 1, { CLOCK_MONOTONIC }, 1 },
        { "getrusage", SYS_getrusage, 1, 1, { 0 } },
        { "sysinfo", SYS_sysinfo, 0, 1, { 0 } },
        { "pipe2", SYS_pipe2, 0, 1, { 0, 0 } },
        { "getcwd", SYS_getcwd, 0, 1, { 0, 4096 } },
        { "stat64 path", SYS_stat64, 0, 0, { 0, 0 } },
        { "openat path", SYS_openat, 1, 0, { (uint32_t)AT_FDCWD, 0, O_RDONLY } },
        { "fstat64", SYS_fstat64, 1, 1, { 0 } },
        { "statfs64", SYS_statfs64, 2, 1, { 0, 84 } },
        { "getresuid32", SYS_getresuid32, 0, 1, { 0, 0, 0 } },
        { "sched_getaffinity", SYS_sched_getaffinity, 2, 1, { 0, 128 } },
        { "ugetrlimit", SYS_ugetrlimit, 1, 1, { RLIMIT_NOFILE } },
        { "rt_sigprocmask set", SYS_rt_sigprocmask, 1, 0, { SIG_BLOCK, 0, 0, 8 }, 1 },
        { "rt_sigprocmask old", SYS_rt_sigprocmask, 2, 1, { SIG_BLOCK, 0, 0, 8 }, 1 },
        { "rt_sigaction new", SYS_rt_sigaction, 1, 0, { SIGUSR1, 0, 0, 8 }, 1 },
        { "rt_sigaction old", SYS_rt_sigaction, 2, 1, { SIGUSR1, 0, 0, 8 }, 1 },
        { "rt_sigpending", SYS_rt_sigpending, 0, 1, { 0, 8 } },
        { "sigaltstack old", SYS_sigaltstack, 1, 1, { 0, 0 }, 1 },
        { "write to a pipe", SYS_write, 1, 0, { 0, 0, 16 } },
        { "read from a file", SYS_read, 1, 1, { 0, 0, 4 } },
        { "pread64", SYS_pread64, 1, 1, { 0, 0, 4, 0, 0, 0 } },
        { "clock_nanosleep_time64", SYS_clock_nanosleep_time64, 2, 0, { CLOCK_MONOTONIC, 0, 0, 0 } },
        { "getrandom", SYS_getrandom, 0, 1, { 0, 16, 0 } },
        { "times", SYS_times, 0, 1, { 0 }, 1 },
        { "socketpair", SYS_socketpair, 3, 1, { AF_UNIX, SOCK_STREAM, 0, 0 } },
        { "prctl PR_GET_NAME", SYS_prctl, 1, 1, { PR_GET_NAME, 0 } },
    };
    const char *kinds[] = { "NULL", "unmapped page", "kernel half", "kuser page", "read-only page" };
    uint32_t ptrs[] = { 0, (uint32_t)(uintptr_t)unmapped, 0xc0001000u, 0xffff0fa0u,
                        (uint32_t)(uintptr_t)readonly };
    int checked = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        for (size_t k = 0; k < sizeof ptrs / sizeof *ptrs; k++) {
            // User space may read the kuser page and the read-only page.
            if ((!cases[i].writes && (k == 3 || k == 4)) || (k == 0 && cases[i].null_ok))
                continue;
            uint32_t a[6];
            memcpy(a, cases[i].a, sizeof a);
            if (cases[i].nr == SYS_write)
                a[0] = pipe_w;
            if (cases[i].nr == SYS_read || cases[i].nr == SYS_pread64 || cases[i].nr == SYS_fstat64)
                a[0] = file_fd;
            if (cases[i].nr == SYS_read)
                lseek(file_fd, 0, SEEK_SET);
            if (cases[i].nr == SYS_statfs64)
                a[0] = (uint32_t)(uintptr_t)".";
            a[cases[i].ptr_arg] = ptrs[k];
            errno = 0;
            long r = syscall(cases[i].nr, a[0], a[1], a[2], a[3], a[4], a[5]);
            checked++;
            if (!(r == -1 && errno == EFAULT)) {
                problems++;
                printf("EFAULT expected: %s with a %s pointer: got %ld (%s)\n", cases[i].name, kinds[k], r,
                       r == -1 ? strerrorname_np(errno) : "success");
            }
        }
    }
    printf("sysfuzz efault: %d checks, %d problems\n", checked, problems);
    return problems != 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    good = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(good, 'A', PG - 1);
    readonly = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(readonly, 'A', PG - 1);
    mprotect(readonly, PG, PROT_READ);
    unmapped = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(unmapped, PG);
    // A private working directory under the current one, which the
    // caller removes.
    char dir[] = "sysfuzz-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0) {
        perror("sysfuzz: working directory");
        return 2;
    }
    printf("sysfuzz: working in %s\n", dir);
    signal(SIGPIPE, SIG_IGN);
    if (argc == 4 && strcmp(argv[1], "random") == 0)
        return random_mode(strtoull(argv[2], NULL, 0), strtol(argv[3], NULL, 0));
    if (argc == 2 && strcmp(argv[1], "efault") == 0)
        return efault_mode();
    fprintf(stderr, "usage: sysfuzz random SEED COUNT | sysfuzz efault\n");
    return 2;
}
