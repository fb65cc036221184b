// telldir/seekdir: glibc keeps the directory offset (d_off) of each entry
// as a 32-bit cookie on ARM; seeking back to one must continue with the
// same entries, in the same order, as after the first telldir. With 300
// files ext4 indexes the directory by hash, so the cookies are hash
// values, not small counters. rewinddir starts over.
// Portable: the expected output is the host's (x86-64) result; qemu-arm
// reads no entries at all from an ext4 directory (EOVERFLOW on 64-bit
// cookies: seekdir.qemu-expected).
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILES 300

static int names(DIR *d, char out[][32], int max)
{
    int n = 0;
    struct dirent *e;
    while (n < max && (e = readdir(d)))
        snprintf(out[n++], 32, "%.31s", e->d_name);
    return n;
}

int main(void)
{
    char dir[] = "seekdir-XXXXXX";
    mkdtemp(dir);
    char path[64];
    for (int i = 0; i < FILES; i++) {
        snprintf(path, sizeof path, "%s/file-%03d", dir, i);
        close(open(path, O_CREAT | O_WRONLY, 0600));
    }
    static char first[FILES + 2][32], again[FILES + 2][32], skip[FILES + 2][32];
    DIR *d = opendir(dir);
    int total = names(d, first, 100);
    long mark = telldir(d);
    total += names(d, first + 100, FILES + 2 - 100);
    printf("entries: %d\n", total);
    seekdir(d, mark);
    int n = names(d, again, FILES + 2);
    int same = n == total - 100;
    for (int i = 0; same && i < n; i++)
        same = strcmp(again[i], first[100 + i]) == 0;
    printf("after seekdir: %d entries, same as the first time %d\n", n, same);
    // A cookie from the middle of the second half, then back to the mark.
    seekdir(d, mark);
    names(d, skip, 50);
    long mark2 = telldir(d);
    names(d, skip, 10);
    seekdir(d, mark2);
    n = names(d, again, 1);
    printf("second mark: %d, right entry %d\n", n, n == 1 && strcmp(again[0], first[150]) == 0);
    rewinddir(d);
    n = names(d, again, FILES + 2);
    same = n == total;
    for (int i = 0; same && i < n; i++)
        same = strcmp(again[i], first[i]) == 0;
    printf("after rewinddir: %d entries, same %d\n", n, same);
    closedir(d);
    for (int i = 0; i < FILES; i++) {
        snprintf(path, sizeof path, "%s/file-%03d", dir, i);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}
