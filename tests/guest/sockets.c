// Sockets and event descriptors: socketpair with SCM_RIGHTS, TCP over loopback between a parent and a forked child,
// socket options (incl. the timeval timeouts), select, poll/ppoll, epoll
// (whose ARM event layout differs from x86-64's), eventfd, timerfd,
// statfs, getrusage, sysinfo, times.
#define _GNU_SOURCE
// qemu-arm 7.2 does not report MSG_CTRUNC for a too-small control buffer
// (the kernel does): see sockets.qemu-expected.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void pass_fd(void)
{
    int sv[2], p[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(p)) { printf("setup failed\n"); return; }
    char byte = 'x';
    struct iovec iov = {&byte, 1};
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof u);
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[1], sizeof(int));
    printf("sendmsg %zd\n", sendmsg(sv[0], &m, 0));

    char got = 0;
    struct iovec riov = {&got, 1};
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ru;
    struct msghdr rm = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = ru.buf, .msg_controllen = sizeof ru.buf};
    ssize_t n = recvmsg(sv[1], &rm, 0);
    struct cmsghdr *rc = CMSG_FIRSTHDR(&rm);
    int fd = -1;
    if (rc && rc->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(rc), sizeof fd);
    printf("recvmsg %zd byte %c rights %d controllen %u\n", n, got, rc && rc->cmsg_type == SCM_RIGHTS,
           (unsigned)rm.msg_controllen);
    // The received descriptor is the pipe's write end.
    if (write(fd, "ok", 2) == 2) {
        char b[3] = {0};
        printf("through passed fd: %zd %s\n", read(p[0], b, 2), b);
    }
    close(fd);

    // A control buffer too small for the descriptor: MSG_CTRUNC, and the
    // descriptor does not arrive.
    if (sendmsg(sv[0], &m, 0) != 1) printf("second sendmsg failed\n");
    char small[12];
    struct msghdr sm = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = small, .msg_controllen = sizeof small};
    n = recvmsg(sv[1], &sm, 0);
    printf("truncated recvmsg %zd ctrunc %d controllen %u\n", n, (sm.msg_flags & MSG_CTRUNC) != 0,
           (unsigned)sm.msg_controllen);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

static void tcp(void)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1, val = 0;
    socklen_t len = sizeof val;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &val, &len);
    printf("SO_REUSEADDR %d len %u\n", val != 0, (unsigned)len);
    struct timeval tv = {0, 200000}, tv2 = {0, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    len = sizeof tv2;
    getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv2, &len);
    printf("SO_RCVTIMEO %ld.%06ld len %u\n", (long)tv2.tv_sec, (long)tv2.tv_usec, (unsigned)len);

    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 1)) { printf("bind/listen failed\n"); return; }
    len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    printf("bound to loopback %d port nonzero %d\n", a.sin_addr.s_addr == htonl(INADDR_LOOPBACK), a.sin_port != 0);
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, sizeof a)) _exit(1);
        send(c, "ping", 4, 0);
        char b[5] = {0};
        ssize_t n = recv(c, b, 4, MSG_WAITALL);
        _exit(n == 4 && !strcmp(b, "pong") ? 0 : 2);
    }
    struct sockaddr_in peer;
    len = sizeof peer;
    int c = accept4(s, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
    char b[5] = {0};
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(c, b, 4, MSG_WAITALL, (struct sockaddr *)&from, &flen);
    printf("server got %zd '%s' peer loopback %d\n", n, b, peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    sendto(c, "pong", 4, 0, NULL, 0);
    int st = 0;
    waitpid(pid, &st, 0);
    printf("client exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    shutdown(c, SHUT_RDWR);
    close(c);
    close(s);
}

static void multiplex(void)
{
    int p[2];
    if (pipe(p)) return;
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    struct timeval tv = {0, 10000};
    printf("select empty %d\n", select(p[0] + 1, &rs, NULL, NULL, &tv));
    if (write(p[1], "a", 1) != 1) return;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    tv.tv_usec = 10000;
    int r = select(p[0] + 1, &rs, NULL, NULL, &tv);
    printf("select ready %d isset %d\n", r, FD_ISSET(p[0], &rs));
    struct pollfd pf = {p[0], POLLIN, 0};
    struct timespec ts = {0, 1000000};
    printf("ppoll %d revents %x\n", ppoll(&pf, 1, &ts, NULL), pf.revents);

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ull};
    printf("epoll_ctl %d\n", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    struct epoll_event out[4];
    memset(out, 0, sizeof out);
    int n = epoll_wait(ep, out, 4, 100);
    printf("epoll_wait %d events %x data %llx\n", n, out[0].events, (unsigned long long)out[0].data.u64);
    close(ep);

    int e = eventfd(3, EFD_CLOEXEC);
    uint64_t add = 4, sum = 0;
    if (write(e, &add, 8) != 8 || read(e, &sum, 8) != 8) return;
    printf("eventfd %llu\n", (unsigned long long)sum);
    close(e);

    int t = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = {.it_value = {0, 20000000}};
    timerfd_settime(t, 0, &its, NULL);
    struct itimerspec cur;
    timerfd_gettime(t, &cur);
    printf("timerfd armed %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0);
    uint64_t exp = 0;
    printf("timerfd read %zd expirations %llu\n", read(t, &exp, 8), (unsigned long long)exp);
    close(t);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pass_fd();
    tcp();
    multiplex();
    struct statfs sf;
    printf("statfs %d bsize>0 %d\n", statfs("/", &sf), sf.f_bsize > 0);
    struct rusage ru;
    printf("getrusage %d\n", getrusage(RUSAGE_SELF, &ru));
    struct sysinfo si;
    printf("sysinfo %d uptime>0 %d ram>0 %d\n", sysinfo(&si), si.uptime > 0, si.totalram > 0);
    struct tms tm;
    printf("times ok %d\n", times(&tm) != (clock_t)-1);
    return 0;
}
