// Pseudo-terminals: posix_openpt/grantpt/unlockpt/ptsname (TIOCGPTN,
// TIOCSPTLCK), terminal attributes (TCGETS/TCSETS) and data through the
// line discipline.
#define _XOPEN_SOURCE 600
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int main(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    printf("openpt %d grantpt %d unlockpt %d\n", m >= 0, grantpt(m), unlockpt(m));
    const char *name = ptsname(m);
    printf("ptsname /dev/pts/ %d\n", name && !strncmp(name, "/dev/pts/", 9));
    int s = open(name, O_RDWR | O_NOCTTY);
    struct termios t;
    printf("slave %d isatty %d tcgetattr %d\n", s >= 0, isatty(s), tcgetattr(s, &t));
    t.c_lflag &= ~ECHO;
    printf("tcsetattr %d\n", tcsetattr(s, TCSANOW, &t));
    if (write(m, "hi\n", 3) != 3) return 1;
    char buf[8] = {0};
    ssize_t n = read(s, buf, sizeof buf - 1);
    printf("read %zd %s", n, buf);
    return 0;
}
