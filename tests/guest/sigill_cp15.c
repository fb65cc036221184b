// Reading a privileged CP15 register (SCTLR) from user mode is UNDEFINED:
// the process must die by SIGILL, after what it printed before.
// signal: 4
#include <stdio.h>
int main(void)
{
    printf("before\n");
    fflush(stdout);
    unsigned v;
    __asm__ volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(v));
    printf("after %u\n", v);
    return 0;
}
