// CPU-bound benchmark: double-precision matrix multiply (VFP).
#include <stdio.h>
#define N 360
static double a[N][N], b[N][N], c[N][N];
int main(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) { a[i][j] = (i + j) % 7 - 3; b[i][j] = (i * j) % 5 - 2; }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
    double t = 0, s = 0;
    for (int i = 0; i < N; i++) t += c[i][i];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) s += c[i][j] * ((i ^ j) & 3);
    printf("trace %.1f weighted sum %.1f\n", t, s);
    return 0;
}
