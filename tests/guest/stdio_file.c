// stdio on a real file: fopen/fwrite/fread/fseek/ftell/fgets/fprintf/ungetc
// in /tmp with a pid-unique name, then unlink.
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

int main(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/rsemu-stdio-%d.dat", (int)getpid());
    FILE *f = fopen(path, "w+b");
    if (!f) { perror("fopen"); return 1; }
    unsigned char blk[5000];
    for (int i = 0; i < 5000; i++) blk[i] = (unsigned char)(i * 7 + (i >> 8));
    size_t w = fwrite(blk, 1, sizeof blk, f);
    int pr = fprintf(f, "\nline one %d\nline two %s\n", 123, "abc");
    long pos = ftell(f);
    int rc;
    printf("fwrite %zu fprintf %d ftell %ld\n", w, pr, pos);
    rc = fseek(f, 100, SEEK_SET);
    printf("fseek set %d ftell %ld\n", rc, ftell(f));
    unsigned char rd[300];
    size_t r = fread(rd, 1, sizeof rd, f);
    printf("fread %zu match %d ftell %ld\n", r, memcmp(rd, blk + 100, r) == 0, ftell(f));
    rc = fseek(f, -50, SEEK_CUR);
    printf("fseek cur %d ftell %ld\n", rc, ftell(f));
    printf("fgetc %d (want %d)\n", fgetc(f), blk[350]);
    rc = ungetc('Z', f);
    printf("ungetc %d fgetc %d\n", rc, fgetc(f));
    rc = fseek(f, -25, SEEK_END);
    printf("fseek end %d ftell %ld\n", rc, ftell(f));
    char line[64];
    while (fgets(line, sizeof line, f)) printf("fgets '%.*s'\n", (int)strcspn(line, "\n"), line);
    printf("feof %d ferror %d\n", feof(f) != 0, ferror(f) != 0);
    rewind(f);
    pos = ftell(f);
    printf("rewind ftell %ld fgetc %d\n", pos, fgetc(f));
    /* overwrite in the middle and read back */
    fseek(f, 4000, SEEK_SET);
    fputs("MIDDLE", f);
    fflush(f);
    fseek(f, 3998, SEEK_SET);
    r = fread(line, 1, 10, f);
    printf("mid %zu: %02x %02x %.6s %02x %02x\n", r, (unsigned char)line[0], (unsigned char)line[1], line + 2,
           (unsigned char)line[8], (unsigned char)line[9]);
    printf("fclose %d\n", fclose(f));
    f = fopen(path, "a");
    fputs("appended\n", f);
    fclose(f);
    f = fopen(path, "r");
    fseek(f, 0, SEEK_END);
    printf("size after append %ld\n", ftell(f));
    fclose(f);
    printf("unlink %d\n", unlink(path));
    errno = 0;
    FILE *missing = fopen(path, "r");
    printf("fopen missing %s errno ENOENT %d\n", missing ? "ok" : "NULL", errno == ENOENT);
    /* large buffered output through stdout */
    uint32_t h = 0;
    for (int i = 0; i < 2000; i++) {
        int n = snprintf(line, sizeof line, "%d:%x;", i, i * i);
        for (int k = 0; k < n; k++) h = h * 31 + (unsigned char)line[k];
    }
    printf("hash %08" PRIx32 "\n", h);
    return 0;
}
