// exit(3) from a nested function; atexit handlers run and stdio is flushed.
// exit: 3
#include <stdio.h>
#include <stdlib.h>
static void bye(void) { printf("atexit handler\n"); }
static void level3(int x) { printf("level3 %d\n", x); exit(x); }
static void level2(int x) { level3(x + 1); printf("not reached\n"); }
static void level1(int x) { level2(x + 1); printf("not reached\n"); }
int main(void)
{
    atexit(bye);
    printf("buffered before exit");
    printf("\n");
    level1(1);
    return 0;
}
