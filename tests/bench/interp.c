// CPU-bound benchmark: a register-machine bytecode interpreter with a
// switch dispatch, running a loop-heavy program: an LCG driving updates of
// a 1024-word memory, then a checksum pass over that memory. One indirect
// jump per bytecode, data-dependent branches, small loads and stores.
#include <stdio.h>
#include <stdint.h>

enum { LI, MOV, ADD, ADDI, SUB, MUL, AND, ANDI, XOR, SHRI, SHLI, LD, ST, JNZ, JLT, HALT };
typedef struct { uint8_t op, a, b, c; int32_t imm; } Insn;

static uint32_t mem[1024];

static uint32_t run(const Insn *code, uint32_t *r)
{
    const Insn *pc = code;
    for (;;) {
        const Insn *i = pc++;
        switch (i->op) {
        case LI:   r[i->a] = (uint32_t)i->imm; break;
        case MOV:  r[i->a] = r[i->b]; break;
        case ADD:  r[i->a] = r[i->b] + r[i->c]; break;
        case ADDI: r[i->a] = r[i->b] + (uint32_t)i->imm; break;
        case SUB:  r[i->a] = r[i->b] - r[i->c]; break;
        case MUL:  r[i->a] = r[i->b] * r[i->c]; break;
        case AND:  r[i->a] = r[i->b] & r[i->c]; break;
        case ANDI: r[i->a] = r[i->b] & (uint32_t)i->imm; break;
        case XOR:  r[i->a] = r[i->b] ^ r[i->c]; break;
        case SHRI: r[i->a] = r[i->b] >> (i->imm & 31); break;
        case SHLI: r[i->a] = r[i->b] << (i->imm & 31); break;
        case LD:   r[i->a] = mem[r[i->b] & 1023]; break;
        case ST:   mem[r[i->b] & 1023] = r[i->a]; break;
        case JNZ:  if (r[i->a]) pc = code + i->imm; break;
        case JLT:  if (r[i->a] < r[i->b]) pc = code + i->imm; break;
        case HALT: return r[0];
        default:   return 0xdeadbeef;
        }
    }
}

// Registers: r1 i, r2 n, r3 x (LCG state), r4 multiplier, r5 address,
// r6 word, r7 temp, r0 result.
static Insn prog[] = {
    /*  0 */ { LI, 1, 0, 0, 0 },
    /*  1 */ { LI, 2, 0, 0, 6000000 },
    /*  2 */ { LI, 3, 0, 0, 1 },
    /*  3 */ { LI, 4, 0, 0, 1103515245 },
    /* loop: */
    /*  4 */ { MUL, 3, 3, 4, 0 },
    /*  5 */ { ADDI, 3, 3, 0, 12345 },
    /*  6 */ { SHRI, 5, 3, 0, 16 },
    /*  7 */ { LD, 6, 5, 0, 0 },
    /*  8 */ { SHRI, 7, 3, 0, 7 },
    /*  9 */ { XOR, 7, 7, 1, 0 },
    /* 10 */ { ADD, 6, 6, 7, 0 },
    /* 11 */ { SHLI, 7, 6, 0, 3 },
    /* 12 */ { XOR, 6, 6, 7, 0 },
    /* 13 */ { ST, 6, 5, 0, 0 },
    /* 14 */ { ANDI, 7, 3, 0, 0x300 },
    /* 15 */ { JNZ, 7, 0, 0, 17 },
    /* 16 */ { ADDI, 0, 0, 0, 1 },      // taken about a quarter of the time
    /* 17 */ { ADDI, 1, 1, 0, 1 },
    /* 18 */ { JLT, 1, 2, 0, 4 },
    /* checksum: r0 = r0*33 ^ mem[k] for k = 0..1023 */
    /* 19 */ { LI, 1, 0, 0, 0 },
    /* 20 */ { LI, 2, 0, 0, 1024 },
    /* 21 */ { LI, 4, 0, 0, 33 },
    /* 22 */ { MUL, 0, 0, 4, 0 },
    /* 23 */ { LD, 6, 1, 0, 0 },
    /* 24 */ { XOR, 0, 0, 6, 0 },
    /* 25 */ { ADDI, 1, 1, 0, 1 },
    /* 26 */ { JLT, 1, 2, 0, 22 },
    /* 27 */ { HALT, 0, 0, 0, 0 },
};

int main(void)
{
    uint32_t r[8] = { 0 };
    uint32_t res = run(prog, r);
    printf("interp: result %08x lcg %08x\n", res, r[3]);
    return 0;
}
