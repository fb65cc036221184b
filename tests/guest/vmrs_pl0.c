// VMRS of FPSID, MVFR0, MVFR1 and FPEXC is UNDEFINED at PL0 (ARM ARM,
// B6.1: these are system registers; only FPSCR is reachable from user
// mode), so on hardware a user program that reads them gets SIGILL from
// Linux (ILL_ILLOPC, si_addr the instruction), while VMRS FPSCR works.
// rsemu-arm used to answer the Cortex-A15's values. Not portable: the
// expected output follows the ARM ARM and Linux's undefined-instruction
// handler (arch/arm/kernel/traps.c do_undefinstr).
// qemu-arm reports si_code 0 instead of ILL_ILLOPC (vmrs_pl0.qemu-expected).
// variants: arm-O2 thumb-O2
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf jb;
static volatile int code;
static void *volatile addr;

static void on_ill(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    code = si->si_code;
    addr = si->si_addr;
    siglongjmp(jb, sig);
}

static void *volatile where;

// The instruction's address is stored by the same asm statement, so the
// compiler cannot separate the two.
#define TRY(name, insn)                                                                            \
    do {                                                                                           \
        unsigned v = 0;                                                                            \
        if (!sigsetjmp(jb, 1)) {                                                                   \
            __asm__ volatile("adr ip, 1f\n\tstr ip, [%1]\n1:\t" insn                               \
                             : "=r"(v)                                                             \
                             : "r"(&where)                                                         \
                             : "ip", "memory");                                                    \
            printf("%-6s read\n", name);                                                           \
        } else {                                                                                   \
            printf("%-6s SIGILL, ILL_ILLOPC %d, at the instruction %d\n", name, code == ILL_ILLOPC, \
                   ((unsigned long)addr & ~1ul) == ((unsigned long)where & ~1ul));                 \
        }                                                                                          \
        (void)v;                                                                                   \
    } while (0)

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_ill;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    TRY("FPSID", "vmrs %0, fpsid");
    TRY("MVFR0", "vmrs %0, mvfr0");
    TRY("MVFR1", "vmrs %0, mvfr1");
    TRY("FPEXC", "vmrs %0, fpexc");
    TRY("FPSCR", "vmrs %0, fpscr");
    return 0;
}
