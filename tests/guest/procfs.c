// /proc as the guest sees it: /proc/self/exe (readlink and open) is the
// guest program, cmdline is the guest argv, auxv the guest auxv, maps the
// guest's own mappings, cpuinfo an ARMv7 processor.
// qemu-arm 7.2 shows the host's /proc/cpuinfo (x86), see procfs.qemu-expected.
// args: one two
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static int slurp(const char *path, char *buf, int size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    int n = 0, r;
    while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0) n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

int main(int argc, char **argv)
{
    char link[4096];
    ssize_t n = readlink("/proc/self/exe", link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    const char *base = strrchr(link, '/');
    printf("exe basename starts with procfs.: %d\n", base && !strncmp(base + 1, "procfs.", 7));
    char pidpath[64];
    snprintf(pidpath, sizeof pidpath, "/proc/%d/exe", getpid());
    char link2[4096];
    ssize_t n2 = readlink(pidpath, link2, sizeof link2 - 1);
    link2[n2 > 0 ? n2 : 0] = 0;
    printf("/proc/PID/exe same: %d\n", n == n2 && !strcmp(link, link2));

    // The exe opens as an ARM ELF.
    unsigned char hdr[20];
    int fd = open("/proc/self/exe", O_RDONLY);
    printf("exe is ARM ELF: %d\n", fd >= 0 && read(fd, hdr, 20) == 20 && !memcmp(hdr, "\177ELF", 4) && hdr[18] == 40);
    close(fd);

    static char buf[65536];
    int len = slurp("/proc/self/cmdline", buf, sizeof buf);
    int args = 0;
    for (int i = 0; i < len; i++) args += buf[i] == 0;
    printf("cmdline strings %d argc %d last '%s'\n", args, argc, buf + len - 4);

    len = slurp("/proc/self/auxv", buf, sizeof buf);
    uint32_t *av = (uint32_t *)buf;
    uint32_t pagesz = 0;
    for (int i = 0; i + 1 < len / 4; i += 2)
        if (av[i] == AT_PAGESZ) pagesz = av[i + 1];
    printf("auxv AT_PAGESZ %u matches getauxval %d\n", pagesz, pagesz == getauxval(AT_PAGESZ));

    slurp("/proc/self/maps", buf, sizeof buf);
    // The main function's own address is in an r-x mapping.
    unsigned long me = (unsigned long)(uintptr_t)&main, lo, hi;
    char perms[5];
    int found = 0, stack = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo <= (me & ~1u) && (me & ~1u) < hi)
            found = perms[0] == 'r' && perms[2] == 'x';
        if (strstr(line, "[stack]")) stack = 1;
    }
    printf("maps: code mapping r-x %d, stack listed %d\n", found, stack);

    slurp("/proc/cpuinfo", buf, sizeof buf);
    printf("cpuinfo ARMv7 %d neon %d\n", strstr(buf, "ARMv7") != NULL, strstr(buf, " neon") != NULL);
    return 0;
}
