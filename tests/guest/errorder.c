// Errors in the kernel's order: Linux looks at the descriptor (and what
// kind of file it is) before it touches a user pointer, and refuses bad
// flags and sizes before it does anything. A bad pointer here is an
// unmapped page; each line shows what a native run returns.
// Portable: the expected output is the host's (x86-64) result; qemu-arm
// checks pointers first in many calls (errorder.qemu-expected).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

static void show(const char *what, long r)
{
    printf("%-44s %s\n", what, r == -1 ? strerrorname_np(errno) : r == 0 ? "0" : "positive");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int p[2];
    pipe(p);
    void *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(bad, 4096);
    void *bad2 = (char *)bad + 64; // another bad pointer (restrict parameters)
    int sk = socket(AF_UNIX, SOCK_STREAM, 0);
    socklen_t len = sizeof(int);

    show("ioctl(pipe, TCGETS, bad)", ioctl(p[0], TCGETS, bad));
    show("ioctl(pipe, TIOCGWINSZ, bad)", ioctl(p[0], TIOCGWINSZ, bad));
    show("ioctl(pipe, FIONREAD, bad)", ioctl(p[0], FIONREAD, bad));
    show("ioctl(99, TCGETS, bad)", ioctl(99, TCGETS, bad));
    show("ioctl(pipe, unknown 0x1234abcd, 0)", ioctl(p[0], 0x1234abcd, 0));
    show("ioctl(99, unknown 0x1234abcd, 0)", ioctl(99, 0x1234abcd, 0));
    show("getsockopt(pipe, SO_TYPE, bad, bad)", getsockopt(p[0], SOL_SOCKET, SO_TYPE, bad, bad2));
    show("getsockopt(pipe, SO_TYPE, bad, &len)", getsockopt(p[0], SOL_SOCKET, SO_TYPE, bad, &len));
    show("getsockopt(99, SO_TYPE, bad, bad)", getsockopt(99, SOL_SOCKET, SO_TYPE, bad, bad2));
    show("getsockopt(sock, SO_TYPE, bad, &len)", getsockopt(sk, SOL_SOCKET, SO_TYPE, bad, &len));
    show("setsockopt(pipe, SO_REUSEADDR, bad, 4)", setsockopt(p[0], SOL_SOCKET, SO_REUSEADDR, bad, 4));
    show("getsockname(pipe, bad, bad)", getsockname(p[0], bad, bad2));
    show("getpeername(99, bad, bad2)", getpeername(99, bad, bad2));
    show("shutdown(pipe, SHUT_RD)", shutdown(p[0], SHUT_RD));
    show("listen(pipe, 1)", listen(p[0], 1));
    show("read(99, bad, 1)", read(99, bad, 1));
    show("write(99, bad, 1)", write(99, bad, 1));
    show("write(pipe read end, bad, 1)", write(p[0], bad, 1));
    show("write(pipe, bad, 1)", write(p[1], bad, 1));
    // The raw call: glibc's 32-bit fstat converts from a statx into the
    // caller's buffer itself, and would fault in user space.
#ifdef SYS_fstat64
    long fstat_nr = SYS_fstat64;
#else
    long fstat_nr = SYS_fstat;
#endif
    show("fstat(99, bad)", syscall(fstat_nr, 99, bad));
    show("fstat(pipe, bad)", syscall(fstat_nr, p[0], bad));
    show("rt_sigaction(SIGUSR1, bad, bad, 4)", syscall(SYS_rt_sigaction, SIGUSR1, bad, bad, 4));
    show("rt_sigaction(SIGUSR1, NULL, NULL, 16)", syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 16));
    show("rt_sigaction(SIGKILL, bad, NULL, 8)", syscall(SYS_rt_sigaction, SIGKILL, bad, NULL, 8));
    show("rt_sigaction(65, bad, NULL, 8)", syscall(SYS_rt_sigaction, 65, bad, NULL, 8));
    show("rt_sigprocmask(SIG_BLOCK, bad, bad, 4)", syscall(SYS_rt_sigprocmask, SIG_BLOCK, bad, bad, 4));
    show("rt_sigprocmask(99, bad, NULL, 8)", syscall(SYS_rt_sigprocmask, 99, bad, NULL, 8));
    show("rt_sigpending(bad, 4)", syscall(SYS_rt_sigpending, bad, 4));
    show("fcntl(99, F_GETFL)", fcntl(99, F_GETFL));
    show("fcntl(pipe, 9999)", fcntl(p[0], 9999));
    show("dup3(pipe, pipe, 0)", dup3(p[0], p[0], 0));
    show("dup3(pipe, 50, 0x1234)", dup3(p[0], 50, 0x1234));
    show("pipe2(bad, 0)", pipe2(bad, 0));
    show("pipe2(bad, 0x1234)", pipe2(bad, 0x1234));
    show("openat(AT_FDCWD, bad, O_RDONLY)", openat(AT_FDCWD, bad, O_RDONLY));
    show("openat(99, \"x\", O_RDONLY)", openat(99, "x", O_RDONLY));
    show("openat(99, \"/\", O_RDONLY)", openat(99, "/", O_RDONLY));
    show("accept4(pipe, NULL, NULL, 0x1234)", accept4(p[0], NULL, NULL, 0x1234));
    show("accept4(99, NULL, NULL, 0)", accept4(99, NULL, NULL, 0));
    show("sendto(pipe, bad, 1, 0, NULL, 0)", sendto(p[1], bad, 1, 0, NULL, 0));
    show("recvfrom(99, bad, 1, 0, NULL, NULL)", recvfrom(99, bad, 1, 0, NULL, NULL));
    show("socket(AF_UNIX, 99, 0)", socket(AF_UNIX, 99, 0));
    show("socket(AF_UNIX, SOCK_STREAM|0x1000, 0)", socket(AF_UNIX, SOCK_STREAM | 0x1000, 0));
    show("socketpair(AF_UNIX, SOCK_STREAM, 0, bad)", socketpair(AF_UNIX, SOCK_STREAM, 0, bad));
    // The mapping type is checked before anything is mapped (the fuzzer
    // found rsemu-arm mapping over the program here).
    show("mmap(0x20000, MAP_FIXED, no type)",
         (long)mmap((void *)0x20000, 0x10000, PROT_READ, MAP_FIXED | MAP_ANONYMOUS, -1, 0));
    show("mmap(NULL, MAP_PRIVATE, fd 99)", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 99, 0));
    // clone's flag combinations Linux refuses, before it forks.
    show("clone(CLONE_THREAD without CLONE_SIGHAND)",
         syscall(SYS_clone, CLONE_THREAD | SIGCHLD, 0, 0, 0, 0));
    show("clone(CLONE_SIGHAND without CLONE_VM)", syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0));
    show("clone(CLONE_NEWNS|CLONE_FS)", syscall(SYS_clone, CLONE_NEWNS | CLONE_FS | SIGCHLD, 0, 0, 0, 0));
    return 0;
}
