// Code written at run time: generated into a page, run until it is hot
// (compiled), rewritten and run again after __builtin___clear_cache (the
// ARM cacheflush system call), and replaced by a munmap/mmap of the same
// address (as dlclose/dlopen do). The new code must run each time.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef int (*fn_t)(int);

// A32: add r0, r0, #imm ; bx lr
static void emit_a32(uint32_t *p, unsigned imm)
{
    p[0] = 0xe2800000u | (imm & 0xff);
    p[1] = 0xe12fff1eu;
}

// T32: adds r0, #imm ; bx lr
static void emit_t32(uint16_t *p, unsigned imm)
{
    p[0] = (uint16_t)(0x3000u | (imm & 0xff));
    p[1] = 0x4770;
}

static long run(fn_t f, int times)
{
    long sum = 0;
    for (int i = 0; i < times; i++)
        sum += f(i);
    return sum;
}

int main(void)
{
    size_t len = 4096;
    unsigned char *page = mmap(0, len, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        perror("mmap");
        return 1;
    }

    // A32 code, rewritten in place.
    for (unsigned imm = 1; imm <= 3; imm++) {
        emit_a32((uint32_t *)page, imm * 10);
        __builtin___clear_cache((char *)page, (char *)page + 8);
        fn_t f = (fn_t)(uintptr_t)page;
        // sum of (i + imm*10) for i < 1000
        printf("a32 add #%u: %ld\n", imm * 10, run(f, 1000));
    }

    // T32 code at another offset of the same page (bit 0 set: Thumb).
    for (unsigned imm = 4; imm <= 5; imm++) {
        emit_t32((uint16_t *)(page + 256), imm);
        __builtin___clear_cache((char *)page + 256, (char *)page + 260);
        fn_t f = (fn_t)((uintptr_t)(page + 256) | 1);
        printf("t32 adds #%u: %ld\n", imm, run(f, 1000));
    }

    // Unmapped and mapped again at the same address with other code.
    munmap(page, len);
    unsigned char *again = mmap(page, len, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (again != page) {
        perror("mmap again");
        return 1;
    }
    emit_a32((uint32_t *)again, 77);
    if (mprotect(again, len, PROT_READ | PROT_EXEC) != 0) {
        perror("mprotect");
        return 1;
    }
    __builtin___clear_cache((char *)again, (char *)again + 8);
    printf("remapped add #77: %ld\n", run((fn_t)(uintptr_t)again, 1000));
    return 0;
}
