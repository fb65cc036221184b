// mmap: anonymous, file-backed (shared and private), mprotect, munmap,
// mremap grow (in place or moving), MAP_FIXED, msync, and fault-free checks.
// qemu-skip: dyn-O2 qemu-arm 7.2 dies with SIGSEGV in the file-mapping part when this is linked dynamically (its mmap placement); rsemu-arm runs it
// qemu-arm 7.2 disagrees with the Linux kernel here: mprotect over an
// unmapped page returns 0 instead of -1/ENOMEM (see mmap.qemu-expected).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <sys/mman.h>

static uint32_t sum(const unsigned char *p, size_t n)
{
    uint32_t h = 0;
    for (size_t i = 0; i < n; i++) h = h * 31 + p[i];
    return h;
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    printf("pagesize %ld\n", pg);
    size_t len = 16 * 4096;
    unsigned char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("anon ok %d aligned %d zero %d\n", a != MAP_FAILED, ((uintptr_t)a & 4095) == 0, sum(a, len) == 0);
    for (size_t i = 0; i < len; i++) a[i] = (unsigned char)(i ^ (i >> 9));
    printf("anon sum %08" PRIx32 "\n", sum(a, len));
    printf("mprotect ro %d\n", mprotect(a + 4096, 4096, PROT_READ));
    printf("still readable %u\n", a[4096 + 5]);
    printf("mprotect rw %d\n", mprotect(a + 4096, 4096, PROT_READ | PROT_WRITE));
    a[4096] = 1;
    printf("munmap middle %d\n", munmap(a + 8 * 4096, 4096));
    int rc = mprotect(a + 8 * 4096, 4096, PROT_READ);
    printf("mprotect unmapped %d errno ENOMEM %d\n", rc, errno == ENOMEM);
    /* MAP_FIXED into the hole */
    unsigned char *h = mmap(a + 8 * 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("fixed ok %d zero %d\n", h == a + 8 * 4096, sum(h, 4096) == 0);

    /* mremap grow, keep contents */
    unsigned char *b = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(b, 0xab, 2 * 4096);
    unsigned char *c = mremap(b, 2 * 4096, 64 * 4096, MREMAP_MAYMOVE);
    printf("mremap ok %d newzero %d\n", c != MAP_FAILED, sum(c + 2 * 4096, 62 * 4096) == 0);
    {
        int kept = 1;
        for (int i = 0; i < 2 * 4096; i++) if (c[i] != 0xab) kept = 0;
        printf("mremap contents kept %d\n", kept);
    }
    memset(c, 1, 64 * 4096);
    unsigned char *c2 = mremap(c, 64 * 4096, 4096, 0);
    printf("mremap shrink same %d val %d\n", c2 == c, c2[4095]);
    printf("munmap %d\n", munmap(c2, 4096));

    /* file-backed */
    char path[64];
    snprintf(path, sizeof path, "/tmp/rsemu-mmap-%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    unsigned char blk[3 * 4096 + 100];
    for (size_t i = 0; i < sizeof blk; i++) blk[i] = (unsigned char)(i * 13);
    printf("write %zd\n", write(fd, blk, sizeof blk));
    unsigned char *f = mmap(NULL, sizeof blk, PROT_READ, MAP_SHARED, fd, 0);
    printf("file map ok %d same %d tailzero %d\n", f != MAP_FAILED, memcmp(f, blk, sizeof blk) == 0,
           sum(f + sizeof blk, 4096 - 100) == 0);
    unsigned char *f2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
    f2[10] = 0x5a;
    printf("msync %d\n", msync(f2, 4096, MS_SYNC));
    printf("shared write visible %d\n", f[4096 + 10] == 0x5a);
    unsigned char rb = 0;
    ssize_t got = pread(fd, &rb, 1, 4096 + 10);
    printf("pread %zd val %x\n", got, rb);
    unsigned char *f3 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 8192);
    f3[0] = 0xee;
    pread(fd, &rb, 1, 8192);
    printf("private write hidden %d file %x\n", rb == blk[8192], rb);
    void *bad = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 100);
    printf("bad offset %d errno EINVAL %d\n", bad == MAP_FAILED, errno == EINVAL);
    munmap(f, sizeof blk);
    munmap(f2, 4096);
    munmap(f3, 4096);
    close(fd);
    unlink(path);

    /* a large anonymous region touched sparsely */
    unsigned char *big = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    printf("big ok %d\n", big != MAP_FAILED);
    for (size_t i = 0; i < (64u << 20); i += 1 << 20) big[i] = (unsigned char)(i >> 20);
    uint32_t s = 0;
    for (size_t i = 0; i < (64u << 20); i += 1 << 20) s += big[i];
    rc = munmap(big, 64 << 20);
    printf("big sum %" PRIu32 " munmap %d\n", s, rc);
    printf("munmap all %d\n", munmap(a, len));
    return 0;
}
