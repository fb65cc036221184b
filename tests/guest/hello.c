// Hello world: the first program scripts/demo.sh runs.
#include <stdio.h>
#include <sys/utsname.h>

int main(void)
{
    struct utsname u;
    printf("Hello from ARM!\n");
    if (uname(&u) != 0) {
        perror("uname");
        return 1;
    }
    printf("machine: %s\n", u.machine);
    return 0;
}
