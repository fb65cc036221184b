// CPU-bound benchmark: double-precision matrix multiply (VFP).
#include <stdio.h>
#define N 160
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
    double t = 0;
    for (int i = 0; i < N; i++) t += c[i][i];
    printf("trace %.1f\n", t);
    return 0;
}
