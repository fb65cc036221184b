// argv, envp and the auxiliary vector as a 32-bit ARM Linux kernel sets them
// up: getauxval(AT_PAGESZ) = 4096, AT_HWCAP has NEON, VFPv3 and IDIVA,
// AT_PLATFORM = "v7l", AT_RANDOM points at 16 bytes (not all zero), AT_PHDR/
// AT_ENTRY set, uid values consistent, uname machine "armv7l".
// args: first second "third"
// env: RSEMU_TEST_VAR=hello-from-env
// env: EMPTY_VAR=
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <elf.h>

extern char **environ;

int main(int argc, char **argv, char **envp)
{
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d] '%s'\n", i, argv[i]);
    printf("argv[argc] null %d\n", argv[argc] == NULL);
    printf("argv0 nonempty %d\n", argv[0] && argv[0][0] != 0);
    printf("envp == environ %d\n", envp == environ);
    printf("getenv RSEMU_TEST_VAR '%s'\n", getenv("RSEMU_TEST_VAR"));
    printf("getenv EMPTY_VAR '%s'\n", getenv("EMPTY_VAR"));
    printf("getenv UNSET %s\n", getenv("RSEMU_SURELY_UNSET") ? "set" : "null");
    printf("envp after argv %d\n", envp == argv + argc + 1);
    printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
    unsigned long hw = getauxval(AT_HWCAP);
    printf("HWCAP neon %d vfp %d vfpv3 %d idiva %d tls %d vfpd32 %d\n", !!(hw & (1 << 12)), !!(hw & (1 << 6)),
           !!(hw & (1 << 13)), !!(hw & (1 << 17)), !!(hw & (1 << 15)), !!(hw & (1 << 19)));
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    printf("AT_PLATFORM %s\n", plat ? plat : "(none)");
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    int nz = 0;
    if (rnd) for (int i = 0; i < 16; i++) nz |= rnd[i];
    printf("AT_RANDOM present %d nonzero %d\n", rnd != NULL, nz != 0);
    printf("AT_PHDR set %d AT_PHENT %lu AT_ENTRY set %d\n", getauxval(AT_PHDR) != 0, getauxval(AT_PHENT),
           getauxval(AT_ENTRY) != 0);
    printf("AT_UID ok %d AT_EUID ok %d AT_GID ok %d AT_SECURE %lu\n", getauxval(AT_UID) == getuid(),
           getauxval(AT_EUID) == geteuid(), getauxval(AT_GID) == getgid(), getauxval(AT_SECURE));
    const char *fn = (const char *)getauxval(AT_EXECFN);
    printf("AT_EXECFN nonempty %d\n", fn && fn[0]);
    printf("sysconf pagesize %ld\n", sysconf(_SC_PAGESIZE));
    struct utsname u;
    uname(&u);
    printf("uname sysname %s machine %s\n", u.sysname, u.machine);
    return 0;
}
