/* Bare-metal harness of the privileged difftest (rsemu-difftest-sys).
 *
 * The cases are linked in (cases.S, generated per run: `sys_cases`, a
 * sequence of records {ncode, scratch seed, state[S_WORDS], code[ncode]},
 * ended by ncode == 0xffffffff). For each one: fill the scratch RAM from
 * its seed, copy its A32 code to CODE_BUF followed by a UDF, run it
 * through sys_run_case with sys_vectors installed, and print the dump:
 * `case N:` and DUMP_WORDS hex words on one line. The same image runs
 * under qemu-system-arm and rsemu-system-arm; the host side compares the
 * lines. */
#include "rt.h"
#include "layout.h"

extern const u32 sys_cases[];
extern const u32 sys_vectors[];
extern const u32 rt_vectors[];
extern u32 sys_dump[DUMP_WORDS];
void sys_run_case(const u32 *state);

#define UDF_END 0xe7f000f0u  /* udf #0 */

static u32 xorshift(u32 *s)
{
    u32 x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void put_hex(u32 v)
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 28; i >= 0; i -= 4)
        rt_putc(digits[(v >> i) & 15]);
}

int main(void)
{
    const u32 *p = sys_cases;
    u32 n = 0;
    while (p[0] != 0xffffffffu) {
        u32 ncode = p[0], seed = p[1] | 1;
        const u32 *state = p + 2, *code = state + S_WORDS;
        u32 *scratch = (u32 *)SCRATCH;
        for (u32 i = 0; i < SCRATCH_LEN / 4; i++)
            scratch[i] = xorshift(&seed);
        u32 *buf = (u32 *)CODE_BUF;
        for (u32 i = 0; i < ncode; i++)
            buf[i] = code[i];
        buf[ncode] = UDF_END;
        ic_inval();
        MCR(0, c12, c0, 0, (u32)sys_vectors);
        isb();
        sys_run_case(state);
        MCR(0, c12, c0, 0, (u32)rt_vectors);
        isb();
        u32 h = 0x811c9dc5u;
        for (u32 i = 0; i < SCRATCH_LEN / 4; i++)
            h = (h ^ scratch[i]) * 0x01000193u;
        sys_dump[S_HASH] = h;
        rt_printf("case %u:", n);
        for (u32 i = 0; i < DUMP_WORDS; i++) {
            rt_putc(' ');
            put_hex(sys_dump[i]);
        }
        rt_putc('\n');
        p = code + ncode;
        n++;
    }
    rt_printf("cases: %u\n", n);
    return 0;
}
