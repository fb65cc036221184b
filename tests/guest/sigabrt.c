// abort() kills the process with SIGABRT (6).
// signal: 6
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
    printf("before abort\n");
    fflush(stdout);
    abort();
}
