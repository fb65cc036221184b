// Things rsemu-arm does not implement are the emulator's business, not the
// guest's: a system call number no kernel has, answered ENOSYS as Linux
// answers it, leaves the guest's stderr holding only what the guest wrote.
// linux-user/tests/logging.rs runs this with -d unimp, -D and QEMU_LOG to
// check where the emulator's note goes; the guest sees the same either way.
// Portable: the expected output is the host's (x86-64) result.
// variants: arm-O2 thumb-O2
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    long r = syscall(1000, 1, 2, 3);
    printf("syscall 1000: %ld %s\n", r, r < 0 ? strerror(errno) : "");
    fprintf(stderr, "the guest's own line\n");
    return 0;
}
