// Executes a permanently undefined instruction (UDF): the process must die
// from SIGILL (shell status 132). Output before it is flushed explicitly.
// signal: 4
#include <stdio.h>
int main(void)
{
    printf("before udf\n");
    fflush(stdout);
    __asm__ volatile("udf #0x42");
    printf("not reached\n");
    return 0;
}
