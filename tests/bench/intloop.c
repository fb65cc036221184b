// CPU-bound benchmark: a register-only integer loop (no memory traffic).
#include <stdio.h>
int main(void){ unsigned x=1; for (unsigned i=0;i<200000000u;i++){ x = x*3 + i; } printf("%u\n", x); return 0; }
