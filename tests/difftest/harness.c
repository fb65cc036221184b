// Differential-testing harness: runs generated instruction sequences from a
// known CPU state and reports the state afterwards. Built once for ARM
// (static, -marm) and run under two emulators with the same input; the
// `rsemu-difftest` tool generates the cases and compares the outputs.
//
// Input (stdin), repeated: struct case_in. Output (stdout): struct state per
// case. Code runs from a fixed RWX page at CODE_ADDR with sp on a private
// stack; memory operands point into the scratch page at SCRATCH_ADDR, which
// is part of the state.
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#define CODE_ADDR 0x20000000u
#define CODE_SIZE 4096u
#define SCRATCH_ADDR 0x30000000u
#define SCRATCH_SIZE 1024u
#define STACK_ADDR 0x31000000u
#define STACK_SIZE 4096u

struct state {
    uint32_t r[15];   // r0-r14 (r13 is ignored on input: it is the harness stack)
    uint32_t apsr;    // N Z C V Q and GE
    uint32_t fpscr;
    uint32_t pad;
    uint64_t d[32];
    uint8_t scratch[SCRATCH_SIZE];
};

struct case_in {
    uint32_t magic;       // 0x44494646 "DIFF"
    uint32_t thumb;       // entry in T32 state
    uint32_t code_len;    // bytes of code (the sequence ends with a jump to `epilogue`)
    uint32_t pad;
    struct state st;
    uint8_t code[CODE_SIZE - 64];
};

struct state g_in, g_out;
uint32_t g_saved_sp;
uint32_t g_target;

void run_case(void);
void epilogue(void);

// r0-r12 and lr come from g_in; sp is the case stack; flags and VFP state
// are loaded first. The case's last instruction jumps to `epilogue`, which
// stores everything into g_out and returns to the C caller.
__asm__(
    ".arm\n"
    ".global run_case\n"
    "run_case:\n"
    "  push {r4-r11, lr}\n"
    "  ldr r1, =g_saved_sp\n"
    "  str sp, [r1]\n"
    "  ldr r0, =g_in\n"
    "  add r1, r0, #72\n"              // d[] at offset 72
    "  vldmia r1!, {d0-d15}\n"
    "  vldmia r1, {d16-d31}\n"
    "  ldr r1, [r0, #64]\n"            // fpscr
    "  vmsr fpscr, r1\n"
    "  ldr r1, [r0, #60]\n"            // apsr
    "  msr APSR_nzcvqg, r1\n"
    "  ldr sp, =0x31000ff0\n"          // STACK_ADDR + STACK_SIZE - 16
    "  ldr r1, =g_target\n"
    "  ldr r1, [r1]\n"
    "  str r1, [sp]\n"
    "  ldr lr, [r0, #56]\n"
    "  ldm r0, {r0-r12}\n"
    "  ldr pc, [sp]\n"
    ".global epilogue\n"
    "epilogue:\n"
    "  sub sp, sp, #64\n"
    "  stm sp, {r0-r12}\n"
    "  str lr, [sp, #56]\n"
    "  mrs r0, APSR\n"
    "  str r0, [sp, #60]\n"
    "  ldr r1, =g_out\n"
    "  vmrs r0, fpscr\n"
    "  str r0, [r1, #64]\n"
    "  add r2, r1, #72\n"
    "  vstmia r2!, {d0-d15}\n"
    "  vstmia r2, {d16-d31}\n"
    "  mov r2, #0\n"
    "1: ldr r3, [sp, r2]\n"            // copy r0-r12, lr, apsr
    "  str r3, [r1, r2]\n"
    "  add r2, r2, #4\n"
    "  cmp r2, #64\n"
    "  bne 1b\n"
    "  ldr r1, =g_saved_sp\n"
    "  ldr sp, [r1]\n"
    "  mov r0, #0\n"
    "  vmsr fpscr, r0\n"
    "  pop {r4-r11, pc}\n"
    ".ltorg\n");

static int read_full(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = read(0, p, len);
        if (n <= 0) return 0;
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

static void write_full(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = write(1, p, len);
        if (n <= 0) _exit(3);
        p += n;
        len -= (size_t)n;
    }
}

int main(void)
{
    static struct case_in c;
    uint8_t *code = mmap((void *)CODE_ADDR, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    uint8_t *scratch = mmap((void *)SCRATCH_ADDR, SCRATCH_SIZE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    void *stack = mmap((void *)STACK_ADDR, STACK_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (code == MAP_FAILED || scratch == MAP_FAILED || stack == MAP_FAILED) return 2;
    while (read_full(&c, sizeof c)) {
        if (c.magic != 0x44494646u || c.code_len > sizeof c.code) return 4;
        memcpy(code, c.code, c.code_len);
        __builtin___clear_cache((char *)code, (char *)code + c.code_len);
        memcpy(scratch, c.st.scratch, SCRATCH_SIZE);
        g_in = c.st;
        g_target = CODE_ADDR | (c.thumb ? 1u : 0u);
        run_case();
        memcpy(g_out.scratch, scratch, SCRATCH_SIZE);
        g_out.r[13] = 0;
        write_full(&g_out, sizeof g_out);
    }
    return 0;
}
