// A process made with CLONE_VM (posix_spawn, vfork) inherits the
// credentials, no_new_privs and name of the thread that made it. Runs as
// root in a threaded process: spawn, drop to nobody (setgroups, setgid,
// setuid: glibc changes every thread), set no_new_privs, spawn again.
// Portable: the expected output is the host's (x86-64) result. qemu-arm
// runs a CLONE_VM|CLONE_VFORK clone as a fork, so the parent does not see
// what the child wrote (spawn_creds.qemu-expected).
// ldflags: -pthread
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void spawn_id(const char *when)
{
    char *const argv[] = { "/bin/sh", "-c",
                           "echo \"  uid $(id -u) gid $(id -g) groups $(id -G)\"; "
                           "grep NoNewPrivs /proc/self/status",
                           NULL };
    pid_t pid;
    printf("%s:\n", when);
    fflush(stdout);
    int rc = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
    if (rc) {
        printf("  posix_spawn: %s\n", strerror(rc));
        return;
    }
    int status;
    waitpid(pid, &status, 0);
    printf("  exit %d\n", WEXITSTATUS(status));
}

static char child_comm[32];
static char stack[65536] __attribute__((aligned(16)));

static int read_comm(void *arg)
{
    (void)arg;
    FILE *f = fopen("/proc/self/comm", "r");
    if (f) {
        fgets(child_comm, sizeof child_comm, f);
        fclose(f);
    }
    _exit(0);
}

static void *idle(void *arg)
{
    (void)arg;
    pause();
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, idle, NULL);
    spawn_id("as root");
    gid_t g = 65534;
    if (setgroups(1, &g) || setgid(65534) || setuid(65534)) {
        printf("dropping privileges: %s\n", strerror(errno));
        return 0;
    }
    spawn_id("after dropping to nobody");
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    spawn_id("with no_new_privs");

    char comm[32] = "";
    FILE *f = fopen("/proc/self/comm", "r");
    if (f) {
        fgets(comm, sizeof comm, f);
        fclose(f);
    }
    pid_t pid = clone(read_comm, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    if (pid < 0) {
        printf("clone: %s\n", strerror(errno));
        return 0;
    }
    waitpid(pid, NULL, 0);
    printf("the child's name is its parent's: %s\n",
           comm[0] && strcmp(comm, child_comm) == 0 ? "yes" : "no");
    return 0;
}
