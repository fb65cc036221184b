// mremap as Linux does it (mm/mremap.c): flags checked first (unknown
// bits, FIXED without MAYMOVE, DONTUNMAP without MAYMOVE or with a size
// change); shrinking in place; growing in place when the pages after are
// free, else ENOMEM without MAYMOVE; moving with the contents; FIXED
// onto an overlapping range refused; MREMAP_DONTUNMAP moving the pages
// and leaving the old range mapped and zero-filled; a private file
// mapping grown in place showing the file's next page, not zeros (rsemu
// used to extend it with anonymous pages).
// Portable: the expected output is the host's (x86-64) result.
// qemu-skip: arm-O0 arm-O2 thumb-O0 thumb-O2 dyn-O2 qemu-arm fails in-place growth (EFAULT) and dies of SIGSEGV after MREMAP_DONTUNMAP
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static const char *res(void *r)
{
    static char buf[64];
    if (r != MAP_FAILED)
        return "ok";
    snprintf(buf, sizeof buf, "-1 %s", strerrorname_np(errno));
    return buf;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    // A region with a guard page after it, to control "room to grow".
    char *area = mmap(NULL, 16 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(area, 16 * PG);
    char *a = mmap(area, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    memset(a, 'a', 2 * PG);
    printf("unknown flag: %s\n", res(mremap(a, PG, PG, 8)));
    printf("FIXED without MAYMOVE: %s\n", res(mremap(a, PG, PG, MREMAP_FIXED, area + 8 * PG)));
    printf("DONTUNMAP without MAYMOVE: %s\n", res(mremap(a, PG, PG, MREMAP_DONTUNMAP)));
    printf("DONTUNMAP resizing: %s\n", res(mremap(a, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP)));
    printf("unaligned: %s\n", res(mremap(a + 1, PG, PG, 0)));
    printf("new size 0: %s\n", res(mremap(a, PG, 0, 0)));

    char *g = mremap(a, 2 * PG, 4 * PG, 0);
    printf("grow in place into free pages: %s, same address %d, kept %d, new zero %d\n", res(g), g == a,
           g != MAP_FAILED && g[PG] == 'a', g != MAP_FAILED && g[3 * PG] == 0);
    mmap(area + 4 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0); // a wall
    printf("grow against a neighbour without MAYMOVE: %s\n", res(mremap(a, 4 * PG, 6 * PG, 0)));
    char *m = mremap(a, 4 * PG, 6 * PG, MREMAP_MAYMOVE);
    printf("grow with MAYMOVE: %s, moved %d, kept %d\n", res(m), m != a, m != MAP_FAILED && m[PG] == 'a');
    char *s = mremap(m, 6 * PG, 2 * PG, 0);
    printf("shrink: %s, same address %d\n", res(s), s == m);
    printf("FIXED onto itself: %s\n", res(mremap(s, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, s + PG)));
    char *f = mremap(s, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, area + 8 * PG);
    printf("FIXED elsewhere: %s, there %d, kept %d\n", res(f), f == area + 8 * PG, f != MAP_FAILED && f[0] == 'a');

    char *d = mremap(f, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
    printf("DONTUNMAP: %s, moved %d, contents moved %d, old still mapped and zero %d\n", res(d), d != f,
           d != MAP_FAILED && d[0] == 'a' && d[PG] == 'a', f[0] == 0 && f[PG] == 0);

    // A private file mapping grown in place: the file's second page.
    char path[] = "mremap-XXXXXX";
    int fd = mkstemp(path);
    char page[PG];
    memset(page, '1', PG);
    write(fd, page, PG);
    memset(page, '2', PG);
    write(fd, page, PG);
    munmap(area, 16 * PG);
    char *fm = mmap(area, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    char *fg = mremap(fm, PG, 2 * PG, 0);
    printf("file mapping grown in place: %s, same %d, second page from the file %d\n", res(fg), fg == fm,
           fg != MAP_FAILED && fg[PG] == '2');
    unlink(path);
    return 0;
}
