// clone(CLONE_VM) without CLONE_THREAD: a new process that shares the
// parent's memory but has its own pid, descriptor table (unless
// CLONE_FILES), signal handlers (unless CLONE_SIGHAND) and exit status;
// with CLONE_VFORK the parent waits until the child exits or execs. Also
// glibc's posix_spawn, which reports a failed exec through memory it
// shares with its CLONE_VM|CLONE_VFORK child. And process_vm_readv/
// writev between a parent and its forked child.
// Portable: the expected output is the x86-64 host's. qemu-arm refuses
// CLONE_VM without CLONE_THREAD (EINVAL; clone_vm.qemu-expected).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int shared_word;
static volatile char *child_map;
static volatile int parent_handled, child_handled;
static int pipe_fds[2];
static pid_t parent_pid;

static void parent_handler(int sig) { parent_handled = sig; }
static void child_handler(int sig) { child_handled = sig; }

static char stacks[4][65536] __attribute__((aligned(16)));
#define STACK(i) (stacks[i] + sizeof stacks[i])

static int child_plain(void *arg)
{
    (void)arg;
    shared_word = 42;
    // Its own pid, its parent's pid.
    if (getpid() == parent_pid || getppid() != parent_pid)
        return 90;
    // Its own signal handlers: the parent's stay.
    signal(SIGUSR1, child_handler);
    raise(SIGUSR1);
    if (child_handled != SIGUSR1)
        return 91;
    // Its own descriptor table: closing here leaves the parent's open.
    close(pipe_fds[1]);
    // New mappings are the parent's too.
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 92;
    strcpy(m, "written by the child");
    child_map = m;
    return 7;
}

static int child_files(void *arg)
{
    (void)arg;
    close(pipe_fds[0]); // CLONE_FILES: the parent's table
    return 0;
}

static int child_vfork(void *arg)
{
    (void)arg;
    usleep(100000); // the parent must still be waiting after this
    shared_word = 1000;
    _exit(3);
}

static int child_dies(void *arg)
{
    (void)arg;
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    return 0;
}

static int child_execs(void *arg)
{
    char *const argv[] = { "/bin/sh", "-c", "exit 5", NULL };
    (void)arg;
    shared_word = 77;
    execv(argv[0], argv);
    _exit(127);
}

static void report_wait(const char *what, pid_t pid)
{
    int status;
    if (waitpid(pid, &status, __WALL) != pid) {
        printf("%s: waitpid: %s\n", what, strerror(errno));
        return;
    }
    if (WIFEXITED(status))
        printf("%s: exited %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by %s\n", what, strsignal(WTERMSIG(status)));
}

int main(void)
{
    parent_pid = getpid();
    signal(SIGUSR1, parent_handler);
    if (pipe(pipe_fds))
        return 1;

    pid_t pid = clone(child_plain, STACK(0), CLONE_VM | SIGCHLD, NULL);
    if (pid < 0) {
        printf("clone: %s\n", strerror(errno));
        return 0;
    }
    report_wait("CLONE_VM", pid);
    printf("shared word: %d\n", shared_word);
    printf("child's mapping: %s\n", child_map ? (const char *)child_map : "(none)");
    printf("parent's write end still open: %s\n", write(pipe_fds[1], "x", 1) == 1 ? "yes" : "no");
    raise(SIGUSR1);
    printf("parent's handler ran: %s, child's handler ran here: %s\n",
           parent_handled == SIGUSR1 ? "yes" : "no", child_handled ? "yes" : "no");

    pid = clone(child_files, STACK(1), CLONE_VM | CLONE_FILES | SIGCHLD, NULL);
    report_wait("CLONE_VM|CLONE_FILES", pid);
    errno = 0;
    char c;
    printf("read end after the child closed it: %s\n",
           read(pipe_fds[0], &c, 1) < 0 ? strerror(errno) : "still open");

    shared_word = 0;
    pid = clone(child_vfork, STACK(2), CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    printf("CLONE_VFORK: the child ran first: %s\n", shared_word == 1000 ? "yes" : "no");
    report_wait("CLONE_VM|CLONE_VFORK", pid);

    pid = clone(child_dies, STACK(3), CLONE_VM | SIGCHLD, NULL);
    report_wait("CLONE_VM, child raises SIGTERM", pid);

    shared_word = 0;
    pid = clone(child_execs, STACK(2), CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    printf("exec from a CLONE_VFORK child: wrote %d before it\n", shared_word);
    report_wait("CLONE_VM|CLONE_VFORK, exec sh", pid);

    // posix_spawn: an exec that fails is an error of the call itself.
    char *const argv[] = { "/nonexistent/program", NULL };
    int rc = posix_spawn(&pid, argv[0], NULL, NULL, argv, NULL);
    printf("posix_spawn of a missing program: %s\n", rc ? strerror(rc) : "0 (success?)");
    if (rc == 0)
        report_wait("posix_spawn child", pid);
    char *const argv2[] = { "/bin/sh", "-c", "exit 9", NULL };
    rc = posix_spawn(&pid, argv2[0], NULL, NULL, argv2, NULL);
    printf("posix_spawn of sh: %s\n", rc ? strerror(rc) : "ok");
    if (rc == 0)
        report_wait("posix_spawn sh", pid);
    printf("parent still here: %d\n", getpid() == parent_pid);

    // process_vm_readv/writev: the child's copy of a buffer, read and
    // written from the parent.
    static char buf[32] = "original";
    int go[2], ready[2];
    if (pipe(go) || pipe(ready))
        return 1;
    pid = fork();
    if (pid == 0) {
        strcpy(buf, "the child's copy");
        write(ready[1], "r", 1);
        read(go[0], &c, 1);
        _exit(strcmp(buf, "from the parent") == 0 ? 0 : 1);
    }
    read(ready[0], &c, 1);
    char got[32] = "";
    struct iovec local = { got, sizeof got }, remote = { buf, sizeof buf };
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    printf("process_vm_readv: %zd bytes, \"%s\"\n", n, got);
    char put[32] = "from the parent";
    local.iov_base = put;
    n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
    printf("process_vm_writev: %zd bytes\n", n);
    errno = 0;
    n = process_vm_readv(pid, &local, 1, &remote, 1, 1);
    printf("process_vm_readv with flags 1: %zd %s\n", n, strerror(errno));
    struct iovec bad = { (void *)16, 8 };
    errno = 0;
    n = process_vm_readv(pid, &bad, 1, &remote, 1, 0);
    printf("process_vm_readv into a bad buffer: %zd %s\n", n, strerror(errno));
    write(go[1], "g", 1);
    report_wait("the child checking what the parent wrote", pid);
    return 0;
}
