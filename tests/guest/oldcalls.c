// More of the long tail of ARM system calls: the old ABI's 16-bit id calls
// (ids above 65535 read as 65534, 0xffff means "unchanged"), nice and the
// 32-bit setrlimit; sendmmsg/recvmmsg; mincore, mlock2, membarrier,
// ioprio_get, sched_getattr, kcmp, openat2, vmsplice, unshare,
// settimeofday, restart_syscall. x86-64 has no 16-bit calls
// and no nice: there the program checks the same facts through the wide
// calls, so one expected output serves both.
// Portable: the expected output is the host's (x86-64) result; qemu-arm
// lacks mlock2 and openat2 and answers nice with the new value
// (oldcalls.qemu-expected), and aborts on a direct restart_syscall.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

// The kernel's struct sched_attr (linux/sched/types.h clashes with glibc).
struct sched_attr {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
};

static const char *res(long r)
{
    static char buf[64];
    if (r >= 0)
        snprintf(buf, sizeof buf, "%ld", r);
    else
        snprintf(buf, sizeof buf, "-1 %s", strerrorname_np(errno));
    return buf;
}

static unsigned narrow(unsigned id)
{
    return id > 65535 ? 65534 : id;
}

static void ids16(void)
{
#ifdef __arm__
    unsigned u = syscall(SYS_getuid), g = syscall(SYS_getgid);
    unsigned short r, e, s;
    long ok = syscall(SYS_getresuid, &r, &e, &s);
    long keep = syscall(SYS_setresuid, 0xffff, 0xffff, 0xffff);
    long fs = syscall(SYS_setfsuid, 0xffff);
    long chown_keep = syscall(SYS_chown, ".", 0xffff, 0xffff);
#else
    unsigned u = narrow(getuid()), g = narrow(getgid());
    unsigned r = narrow(getuid()), e = narrow(geteuid()), s = r;
    long ok = 0, keep = setresuid(-1, -1, -1), fs = narrow(setfsuid(-1));
    long chown_keep = chown(".", -1, -1);
#endif
    printf("16-bit getuid/getgid agree: %d %d\n", u == narrow(getuid()), g == narrow(getgid()));
    printf("16-bit getresuid: %s, agree %d\n", res(ok), r == narrow(getuid()) && e == narrow(geteuid()));
    (void)s;
    printf("16-bit setresuid(unchanged): %s, uid kept %d\n", res(keep), narrow(getuid()) == u);
    printf("16-bit setfsuid(-1) answers the fsuid: %d\n", fs == (long)narrow(geteuid()));
    printf("16-bit chown(unchanged): %s\n", res(chown_keep));
}

static void nice_and_limits(void)
{
    int before = getpriority(PRIO_PROCESS, 0);
#ifdef __arm__
    long r = syscall(SYS_nice, 1);
#else
    long r = setpriority(PRIO_PROCESS, 0, before + 1);
#endif
    printf("nice(1): %s, now one higher %d\n", res(r), getpriority(PRIO_PROCESS, 0) == before + 1);
    struct rlimit cur;
    getrlimit(RLIMIT_NOFILE, &cur);
#ifdef __arm__
    uint32_t lim[2] = { 200, cur.rlim_max > 0xfffffffe ? 0xffffffff : (uint32_t)cur.rlim_max };
    r = syscall(SYS_setrlimit, RLIMIT_NOFILE, lim);
#else
    struct rlimit lim = { 200, cur.rlim_max };
    r = setrlimit(RLIMIT_NOFILE, &lim);
#endif
    struct rlimit now;
    getrlimit(RLIMIT_NOFILE, &now);
    printf("old setrlimit(NOFILE, 200): %s, now %lu, max kept %d\n", res(r), (unsigned long)now.rlim_cur,
           now.rlim_max == cur.rlim_max);
    setrlimit(RLIMIT_NOFILE, &cur);
}

static void mmsg(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    char *words[] = { "one", "three", "seventeen" };
    struct iovec iov[3];
    struct mmsghdr out[3];
    memset(out, 0, sizeof out);
    for (int i = 0; i < 3; i++) {
        iov[i].iov_base = words[i];
        iov[i].iov_len = strlen(words[i]);
        out[i].msg_hdr.msg_iov = &iov[i];
        out[i].msg_hdr.msg_iovlen = 1;
    }
    int n = sendmmsg(sv[0], out, 3, 0);
    printf("sendmmsg: %d, lengths %u %u %u\n", n, out[0].msg_len, out[1].msg_len, out[2].msg_len);
    char buf[5][32];
    struct iovec riov[5];
    struct mmsghdr in[5];
    memset(in, 0, sizeof in);
    for (int i = 0; i < 5; i++) {
        riov[i].iov_base = buf[i];
        riov[i].iov_len = sizeof buf[i];
        in[i].msg_hdr.msg_iov = &riov[i];
        in[i].msg_hdr.msg_iovlen = 1;
    }
    n = recvmmsg(sv[1], in, 5, MSG_WAITFORONE, NULL);
    printf("recvmmsg(WAITFORONE): %d:", n);
    for (int i = 0; i < n; i++)
        printf(" %.*s", (int)in[i].msg_len, buf[i]);
    printf("\n");
    printf("recvmmsg, nothing there: %s\n", res(recvmmsg(sv[1], in, 5, MSG_DONTWAIT, NULL)));
    printf("sendmmsg on a pipe: %s\n", res(sendmmsg(0 /* stdin: not a socket */, out, 1, 0)));
}

static void memory(void)
{
    unsigned char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[0] = 1;
    unsigned char vec[3];
    printf("mincore: %s", res(mincore(m, 3 * 4096, vec)));
    printf(", first resident %d\n", vec[0] & 1);
    printf("mincore unaligned: %s\n", res(mincore(m + 1, 4096, vec)));
    munmap(m + 4096, 4096);
    printf("mincore over a hole: %s\n", res(mincore(m, 3 * 4096, vec)));
    printf("mlock2: %s\n", res(syscall(SYS_mlock2, m, 4096, 0)));
    printf("mlock2 bad flags: %s\n", res(syscall(SYS_mlock2, m, 4096, 2)));
    printf("mlock2 over a hole: %s\n", res(syscall(SYS_mlock2, m, 3 * 4096, 0)));
    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    printf("membarrier query: private expedited offered %d\n",
           q > 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0);
    printf("membarrier register: %s\n",
           res(syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0)));
    printf("membarrier: %s\n", res(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0)));
}

static void misc(void)
{
    printf("ioprio_get: %d\n", syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0) >= 0);
    struct sched_attr attr;
    memset(&attr, 0xff, sizeof attr);
    long r = syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0);
    printf("sched_getattr: %s, size %u, policy %u\n", res(r), attr.size, attr.sched_policy);
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    int fd2 = dup(fd);
    int other = open("/", O_RDONLY);
    printf("kcmp same file: %s", res(syscall(SYS_kcmp, getpid(), getpid(), 0, fd, fd2)));
    printf("; other: %s\n", res(syscall(SYS_kcmp, getpid(), getpid(), 0, fd, other) > 0));
    struct open_how how = { .flags = O_RDONLY | O_DIRECTORY };
    r = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
    printf("openat2(., O_DIRECTORY): %s\n", r >= 0 ? "a descriptor" : res(r));
    int f = open("plain", O_CREAT | O_WRONLY, 0600);
    close(f);
    printf("openat2(plain file, O_DIRECTORY): %s\n", res(syscall(SYS_openat2, AT_FDCWD, "plain", &how, sizeof how)));
    printf("openat2 size 8: %s\n", res(syscall(SYS_openat2, AT_FDCWD, ".", &how, 8)));
    struct {
        struct open_how h;
        uint64_t more;
    } big = { how, 1 };
    printf("openat2 unknown tail: %s\n", res(syscall(SYS_openat2, AT_FDCWD, ".", &big, sizeof big)));
    big.more = 0;
    r = syscall(SYS_openat2, AT_FDCWD, ".", &big, sizeof big);
    printf("openat2 zero tail: %s\n", r >= 0 ? "a descriptor" : res(r));
    how.resolve = RESOLVE_BENEATH;
    printf("openat2 RESOLVE_BENEATH to /: %s\n", res(syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how)));
    unlink("plain");

    int pp[2];
    pipe(pp);
    struct iovec v[2] = { { "vm", 2 }, { "splice", 6 } };
    char got[16] = "";
    printf("vmsplice: %s", res(syscall(SYS_vmsplice, pp[1], v, 2, 0)));
    read(pp[0], got, sizeof got - 1);
    printf(" -> %s\n", got);
    printf("unshare(0): %s\n", res(syscall(SYS_unshare, 0)));
    printf("settimeofday(NULL, NULL): %s\n", res(syscall(SYS_settimeofday, NULL, NULL)));
    printf("restart_syscall: %s\n", res(syscall(SYS_restart_syscall)));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    ids16();
    nice_and_limits();
    mmsg();
    memory();
    misc();
    return 0;
}
