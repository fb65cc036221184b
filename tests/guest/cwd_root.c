// chdir("/") reaches the root even with a sysroot (-L): the dynamic build
// runs with -L /usr/arm-linux-gnueabihf, where "/" must not be redirected
// into the sysroot (getcwd would then show the sysroot's host path).
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    char buf[4096];
    if (chdir("/") != 0) {
        perror("chdir");
        return 1;
    }
    if (!getcwd(buf, sizeof buf)) {
        perror("getcwd");
        return 1;
    }
    printf("cwd after chdir(\"/\"): %s\n", buf);
    if (chdir("//") != 0 || !getcwd(buf, sizeof buf)) {
        perror("chdir //");
        return 1;
    }
    printf("cwd after chdir(\"//\"): %s\n", buf);
    return 0;
}
