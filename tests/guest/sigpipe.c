// Writing to a pipe with no reader kills the process with SIGPIPE (its
// default action): the emulator must not inherit Rust's SIG_IGN.
// signal: 13
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    int p[2];
    if (pipe(p)) return 1;
    close(p[0]);
    ssize_t n = write(p[1], "x", 1);
    printf("survived: write returned %zd\n", n);
    return 0;
}
