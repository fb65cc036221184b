// A store to an unmapped low address kills the process with SIGSEGV (11).
// signal: 11
#include <stdio.h>
#include <stdint.h>
int main(void)
{
    printf("before fault\n");
    fflush(stdout);
    static volatile uintptr_t addr = 0x10; /* hidden from the optimiser */
    volatile uint32_t *p = (volatile uint32_t *)addr;
    *p = 1;
    printf("not reached\n");
    return 0;
}
