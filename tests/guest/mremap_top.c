// mremap shrinking in place unmaps the tail, computed as a 32-bit kernel
// computes it (arch/arm has a 32-bit unsigned long): `addr + new_len` wraps,
// and the unmap of the tail refuses a range that starts or ends past
// TASK_SIZE (0xbf000000) with EINVAL (do_mas_munmap in Linux 6.1):
//  * old 0xb6fff000 + 0xffff1000 (aligned) shrunk to 0xb6fff000: the tail
//    starts at the wrapped 0x6dffe000, is 0x48ff2000 long and ends below
//    TASK_SIZE, so it is unmapped (nothing of this program is there) and
//    the call returns the old address;
//  * old 0xb6fff000 + 0x9000000 shrunk to one page: the tail ends at
//    0xbffff000, past TASK_SIZE: EINVAL.
// The system call fuzzer found rsemu-arm panicking on the first (an
// address overflow). Not portable (ARM's TASK_SIZE); qemu-arm answers
// ENOMEM and success (mremap_top.qemu-expected).
// variants: arm-O2 thumb-O2
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, long r)
{
    if (r == -1)
        printf("%s: %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %#lx\n", what, (unsigned long)r);
}

int main(void)
{
    show("shrink with a wrapping tail", syscall(SYS_mremap, 0xb6fff000UL, 0xffff0f60UL, 0xb6fff000UL, 0UL, 0UL));
    show("shrink with a tail past TASK_SIZE", syscall(SYS_mremap, 0xb6fff000UL, 0x9000000UL, 0x1000UL, 0UL, 0UL));
    return 0;
}
