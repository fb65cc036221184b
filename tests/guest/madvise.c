// madvise and mprotect as Linux does them (mm/madvise.c, mm/mprotect.c):
//  * MADV_DONTNEED: private anonymous pages read as zero afterwards,
//    private file pages as the file again (the private copy dropped),
//    shared file pages keep what was written (it is in the file);
//  * MADV_REMOVE punches a hole in shared memory, is EINVAL on private;
//  * MADV_DONTFORK: the child of a fork has no such pages (SIGSEGV);
//    MADV_WIPEONFORK: it sees zeros, the parent keeps its data; EINVAL on
//    a file mapping;
//  * errors in the kernel's order: unknown advice and unaligned starts are
//    EINVAL, an empty range succeeds even over a hole, a range with a hole
//    is ENOMEM after the mapped part took the advice, a range that wraps
//    the 32-bit address space is EINVAL (ARM) where x86-64 sees no mapping
//    (ENOMEM); mprotect refuses unknown PROT bits and both grow directions
//    with EINVAL before looking at the mapping.
// Portable: the expected output is the host's (x86-64) result; qemu-arm
// ignores most advice and unknown values (madvise.qemu-expected).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096
#ifndef PROT_SEM
#define PROT_SEM 0x8 // asm-generic, ARM and x86-64 alike; glibc leaves it out
#endif

static const char *err(int r)
{
    static char buf[64];
    if (r == 0)
        return "0";
    snprintf(buf, sizeof buf, "-1 %s", strerrorname_np(errno));
    return buf;
}

static int all(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

static void anon(void)
{
    unsigned char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 0xaa, 4 * PG);
    printf("DONTNEED private anon (2 of 4 pages): %s", err(madvise(p + PG, 2 * PG, MADV_DONTNEED)));
    printf(", zero %d %d, kept %d %d\n", all(p + PG, PG, 0), all(p + 2 * PG, PG, 0), all(p, PG, 0xaa),
           all(p + 3 * PG, PG, 0xaa));
    printf("REMOVE private anon: %s\n", err(madvise(p, PG, MADV_REMOVE)));
    printf("FREE private anon: %s\n", err(madvise(p, PG, MADV_FREE)));
    p[0] = 1; // written after FREE: kept
    printf("written after FREE: %d\n", p[0]);
    printf("WILLNEED, SEQUENTIAL, RANDOM, NORMAL: %s", err(madvise(p, 4 * PG, MADV_WILLNEED)));
    printf(" %s", err(madvise(p, 4 * PG, MADV_SEQUENTIAL)));
    printf(" %s", err(madvise(p, 4 * PG, MADV_RANDOM)));
    printf(" %s\n", err(madvise(p, 4 * PG, MADV_NORMAL)));
    printf("DONTDUMP, DODUMP, COLD, PAGEOUT: %s", err(madvise(p, 4 * PG, MADV_DONTDUMP)));
    printf(" %s", err(madvise(p, 4 * PG, MADV_DODUMP)));
    printf(" %s", err(madvise(p, 4 * PG, MADV_COLD)));
    printf(" %s\n", err(madvise(p, 4 * PG, MADV_PAGEOUT)));
    munmap(p, 4 * PG);

    unsigned char *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(s, 0x55, 2 * PG);
    printf("DONTNEED shared anon: %s", err(madvise(s, 2 * PG, MADV_DONTNEED)));
    printf(", kept %d\n", all(s, 2 * PG, 0x55));
    printf("REMOVE shared anon: %s", err(madvise(s, PG, MADV_REMOVE)));
    printf(", zero %d, rest kept %d\n", all(s, PG, 0), all(s + PG, PG, 0x55));
    munmap(s, 2 * PG);
}

static void files(void)
{
    char path[] = "madvise-XXXXXX";
    int fd = mkstemp(path);
    unsigned char page[PG];
    memset(page, 'f', PG);
    write(fd, page, PG);
    write(fd, page, PG);
    unsigned char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    memset(p, 'w', 2 * PG);
    printf("DONTNEED private file: %s", err(madvise(p, 2 * PG, MADV_DONTNEED)));
    printf(", file again %d\n", all(p, 2 * PG, 'f'));
    printf("WIPEONFORK private file: %s\n", err(madvise(p, PG, MADV_WIPEONFORK)));
    munmap(p, 2 * PG);
    unsigned char *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    memset(s, 's', 2 * PG);
    printf("DONTNEED shared file: %s", err(madvise(s, 2 * PG, MADV_DONTNEED)));
    printf(", kept %d\n", all(s, 2 * PG, 's'));
    printf("REMOVE shared file: %s", err(madvise(s, PG, MADV_REMOVE)));
    printf(", zero %d", all(s, PG, 0));
    pread(fd, page, PG, 0);
    printf(", file zero %d\n", all(page, PG, 0));
    munmap(s, 2 * PG);
    close(fd);
    unlink(path);
}

static void forks(void)
{
    unsigned char *d = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(d, 7, PG);
    memset(w, 9, PG);
    printf("DONTFORK: %s", err(madvise(d, PG, MADV_DONTFORK)));
    printf(", WIPEONFORK: %s\n", err(madvise(w, PG, MADV_WIPEONFORK)));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        printf("child: wiped %d\n", all(w, PG, 0));
        fflush(stdout);
        volatile unsigned char x = d[0]; // not in the child: SIGSEGV
        printf("child read %d\n", x);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("child %s %d; parent kept %d %d\n", WIFSIGNALED(st) ? "killed by" : "exited",
           WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), all(d, PG, 7), all(w, PG, 9));
    printf("DOFORK, KEEPONFORK: %s", err(madvise(d, PG, MADV_DOFORK)));
    printf(" %s\n", err(madvise(w, PG, MADV_KEEPONFORK)));
    c = fork();
    if (c == 0)
        _exit(d[0] == 7 && w[0] == 9 ? 0 : 1);
    waitpid(c, &st, 0);
    printf("child after DOFORK/KEEPONFORK: exit %d\n", WEXITSTATUS(st));
}

static void errors(void)
{
    unsigned char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 0xcc, 3 * PG);
    printf("unknown advice 7, 999: %s", err(madvise(p, PG, 7)));
    printf(" %s\n", err(madvise(p, PG, 999)));
    printf("unaligned: %s", err(madvise(p + 1, PG, MADV_DONTNEED)));
    printf("; unaligned and unknown: %s\n", err(madvise(p + 1, PG, 999)));
    printf("unaligned length: %s\n", err(madvise(p, 1, MADV_NORMAL)));
    munmap(p + PG, PG);
    printf("empty over a hole: %s\n", err(madvise(p + PG, 0, MADV_DONTNEED)));
    printf("over a hole: %s", err(madvise(p, 3 * PG, MADV_DONTNEED)));
    printf(", first page zero %d, last zero %d\n", all(p, PG, 0), all(p + 2 * PG, PG, 0));
    printf("unknown advice over a hole: %s\n", err(madvise(p, 3 * PG, 999)));
    // 0xfffff000 + 8 KiB wraps on a 32-bit kernel (EINVAL); on x86-64 it is
    // just unmapped (ENOMEM).
    uintptr_t top = (uintptr_t)0xfffff000u;
    int r = madvise((void *)top, 2 * PG, MADV_DONTNEED);
    int e = errno;
    printf("wrapping range: %s\n",
           r == -1 && e == (sizeof(void *) == 4 ? EINVAL : ENOMEM) ? "as the kernel says" : "wrong");

    printf("mprotect unknown bit 0x10: %s\n", err(mprotect(p, PG, PROT_READ | 0x10)));
    printf("mprotect PROT_SEM: %s\n", err(mprotect(p, PG, PROT_READ | PROT_SEM)));
    printf("mprotect GROWSDOWN|GROWSUP: %s\n", err(mprotect(p, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP)));
    printf("mprotect GROWSUP: %s\n", err(mprotect(p, PG, PROT_READ | PROT_GROWSUP)));
    printf("mprotect unaligned: %s\n", err(mprotect(p + 1, PG, PROT_READ)));
    printf("mprotect empty over a hole: %s\n", err(mprotect(p + PG, 0, PROT_READ)));
    printf("mprotect hole: %s\n", err(mprotect(p + PG, PG, PROT_READ)));
    printf("mprotect unknown bit on a hole: %s\n", err(mprotect(p + PG, PG, PROT_READ | 0x10)));
    munmap(p, 3 * PG);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    anon();
    files();
    forks();
    errors();
    return 0;
}
