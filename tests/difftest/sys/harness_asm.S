/* Case runner of the privileged difftest: loads a case's whole register
 * state (every mode's banked registers and SPSR, the CP15 registers under
 * test, then CPSR), jumps to its code, and at the first exception the case
 * takes (its own, or the UDF appended to it) dumps the state again and
 * returns to the C caller. TPIDRPRW is the one register the dump needs
 * as scratch: cases never touch it. A32 throughout. */
#include "layout.h"
    .syntax unified
    .arm
    .text

#define STACK_SIZE 4096

    .macro SETMODE m
    cps     #\m
    .endm

/* void sys_run_case(const u32 *state) -- returns after the dump. */
    .global sys_run_case
sys_run_case:
    push    {r4-r12, lr}
    ldr     r2, =sys_saved_sp
    str     sp, [r2]
    /* CP15 under test. */
    ldr     r2, [r0, #(S_CP15 + 0) * 4]
    mcr     p15, 0, r2, c13, c0, 2      @ TPIDRURW
    ldr     r2, [r0, #(S_CP15 + 1) * 4]
    mcr     p15, 0, r2, c13, c0, 3      @ TPIDRURO
    ldr     r2, [r0, #(S_CP15 + 2) * 4]
    mcr     p15, 0, r2, c13, c0, 1      @ CONTEXTIDR
    ldr     r2, [r0, #(S_CP15 + 3) * 4]
    mcr     p15, 0, r2, c3, c0, 0       @ DACR
    ldr     r2, [r0, #(S_CP15 + 4) * 4]
    mcr     p15, 0, r2, c5, c0, 0       @ DFSR
    ldr     r2, [r0, #(S_CP15 + 5) * 4]
    mcr     p15, 0, r2, c5, c0, 1       @ IFSR
    ldr     r2, [r0, #(S_CP15 + 6) * 4]
    mcr     p15, 0, r2, c6, c0, 0       @ DFAR
    ldr     r2, [r0, #(S_CP15 + 7) * 4]
    mcr     p15, 0, r2, c6, c0, 2       @ IFAR
    ldr     r2, [r0, #(S_CP15 + 8) * 4]
    mcr     p15, 0, r2, c7, c4, 0       @ PAR
    ldr     r2, [r0, #(S_CP15 + 9) * 4]
    mcr     p15, 0, r2, c10, c2, 0      @ PRRR
    ldr     r2, [r0, #(S_CP15 + 10) * 4]
    mcr     p15, 0, r2, c10, c2, 1      @ NMRR
    ldr     r2, [r0, #(S_CP15 + 13) * 4]
    mcr     p15, 0, r2, c2, c0, 2       @ TTBCR first: it selects TTBRs' format
    ldr     r2, [r0, #(S_CP15 + 11) * 4]
    mcr     p15, 0, r2, c2, c0, 0       @ TTBR0
    ldr     r2, [r0, #(S_CP15 + 12) * 4]
    mcr     p15, 0, r2, c2, c0, 1       @ TTBR1
    isb
    /* Banked registers, one mode at a time. */
    SETMODE 0x13
    ldr     sp, [r0, #S_SP_SVC * 4]
    ldr     lr, [r0, #S_LR_SVC * 4]
    ldr     r2, [r0, #S_SPSR_SVC * 4]
    msr     spsr_fsxc, r2
    SETMODE 0x17
    ldr     sp, [r0, #S_SP_ABT * 4]
    ldr     lr, [r0, #S_LR_ABT * 4]
    ldr     r2, [r0, #S_SPSR_ABT * 4]
    msr     spsr_fsxc, r2
    SETMODE 0x1b
    ldr     sp, [r0, #S_SP_UND * 4]
    ldr     lr, [r0, #S_LR_UND * 4]
    ldr     r2, [r0, #S_SPSR_UND * 4]
    msr     spsr_fsxc, r2
    SETMODE 0x12
    ldr     sp, [r0, #S_SP_IRQ * 4]
    ldr     lr, [r0, #S_LR_IRQ * 4]
    ldr     r2, [r0, #S_SPSR_IRQ * 4]
    msr     spsr_fsxc, r2
    SETMODE 0x11
    ldr     sp, [r0, #S_SP_FIQ * 4]
    ldr     lr, [r0, #S_LR_FIQ * 4]
    ldr     r2, [r0, #S_SPSR_FIQ * 4]
    msr     spsr_fsxc, r2
    add     r2, r0, #S_R8_FIQ * 4
    ldm     r2, {r8-r12}
    SETMODE 0x1f
    ldr     sp, [r0, #S_SP_USR * 4]
    ldr     lr, [r0, #S_LR_USR * 4]
    add     r2, r0, #S_R8 * 4
    ldm     r2, {r8-r12}
    /* CPSR last (MSR from System mode can enter any mode, User included),
     * then r0-r12 of that mode, then the code. */
    ldr     r1, [r0, #S_CPSR * 4]
    ldr     r2, =CODE_BUF
    tst     r1, #0x20                   @ T32 code: MSR cannot set T,
    orrne   r2, r2, #1                  @ an interworking load of PC does
    str     r2, sys_entry
    and     r2, r1, #0x1f
    cmp     r2, #0x11
    beq     1f
    msr     cpsr_fsxc, r1
    ldm     r0, {r0-r12}
    ldr     pc, sys_entry
1:  msr     cpsr_fsxc, r1               @ FIQ: keep its own r8-r12
    ldm     r0, {r0-r7}
    ldr     pc, sys_entry
sys_entry:
    .word   0
    .ltorg

/* Vectors used while a case runs: each records which one it was and
 * joins the dump. */
    .align  5
    .global sys_vectors
sys_vectors:
    b       sys_vec0
    b       sys_vec1
    b       sys_vec2
    b       sys_vec3
    b       sys_vec4
    b       sys_vec5
    b       sys_vec6
    b       sys_vec7

    .macro VEC k
sys_vec\k:
    mcr     p15, 0, r0, c13, c0, 4      @ r0 -> TPIDRPRW
    ldr     r0, =sys_dump
    str     r1, [r0, #4]
    mov     r1, #\k
    b       sys_dump_rest
    .endm
    VEC 0
    VEC 1
    VEC 2
    VEC 3
    VEC 4
    VEC 5
    VEC 6
    VEC 7

sys_dump_rest:                          @ r0 = sys_dump, r1 = vector
    str     r1, [r0, #S_VECTOR * 4]
    add     r1, r0, #8
    stmia   r1, {r2-r12}                @ r2-r12 of the exception mode
    mrc     p15, 0, r1, c13, c0, 4
    str     r1, [r0]
    mrs     r1, cpsr
    str     r1, [r0, #S_CPSR * 4]
    SETMODE 0x1f
    str     sp, [r0, #S_SP_USR * 4]
    str     lr, [r0, #S_LR_USR * 4]
    add     r1, r0, #S_R8 * 4
    stmia   r1, {r8-r12}                @ the User bank's, whatever mode took it
    SETMODE 0x13
    str     sp, [r0, #S_SP_SVC * 4]
    str     lr, [r0, #S_LR_SVC * 4]
    mrs     r1, spsr
    str     r1, [r0, #S_SPSR_SVC * 4]
    SETMODE 0x17
    str     sp, [r0, #S_SP_ABT * 4]
    str     lr, [r0, #S_LR_ABT * 4]
    mrs     r1, spsr
    str     r1, [r0, #S_SPSR_ABT * 4]
    SETMODE 0x1b
    str     sp, [r0, #S_SP_UND * 4]
    str     lr, [r0, #S_LR_UND * 4]
    mrs     r1, spsr
    str     r1, [r0, #S_SPSR_UND * 4]
    SETMODE 0x12
    str     sp, [r0, #S_SP_IRQ * 4]
    str     lr, [r0, #S_LR_IRQ * 4]
    mrs     r1, spsr
    str     r1, [r0, #S_SPSR_IRQ * 4]
    SETMODE 0x11
    str     sp, [r0, #S_SP_FIQ * 4]
    str     lr, [r0, #S_LR_FIQ * 4]
    mrs     r1, spsr
    str     r1, [r0, #S_SPSR_FIQ * 4]
    add     r1, r0, #S_R8_FIQ * 4
    stmia   r1, {r8-r12}
    SETMODE 0x13
    mrc     p15, 0, r1, c13, c0, 2
    str     r1, [r0, #(S_CP15 + 0) * 4]
    mrc     p15, 0, r1, c13, c0, 3
    str     r1, [r0, #(S_CP15 + 1) * 4]
    mrc     p15, 0, r1, c13, c0, 1
    str     r1, [r0, #(S_CP15 + 2) * 4]
    mrc     p15, 0, r1, c3, c0, 0
    str     r1, [r0, #(S_CP15 + 3) * 4]
    mrc     p15, 0, r1, c5, c0, 0
    str     r1, [r0, #(S_CP15 + 4) * 4]
    mrc     p15, 0, r1, c5, c0, 1
    str     r1, [r0, #(S_CP15 + 5) * 4]
    mrc     p15, 0, r1, c6, c0, 0
    str     r1, [r0, #(S_CP15 + 6) * 4]
    mrc     p15, 0, r1, c6, c0, 2
    str     r1, [r0, #(S_CP15 + 7) * 4]
    mrc     p15, 0, r1, c7, c4, 0
    str     r1, [r0, #(S_CP15 + 8) * 4]
    mrc     p15, 0, r1, c10, c2, 0
    str     r1, [r0, #(S_CP15 + 9) * 4]
    mrc     p15, 0, r1, c10, c2, 1
    str     r1, [r0, #(S_CP15 + 10) * 4]
    mrc     p15, 0, r1, c2, c0, 0
    str     r1, [r0, #(S_CP15 + 11) * 4]
    mrc     p15, 0, r1, c2, c0, 1
    str     r1, [r0, #(S_CP15 + 12) * 4]
    mrc     p15, 0, r1, c2, c0, 2
    str     r1, [r0, #(S_CP15 + 13) * 4]
    /* Back to the harness: its mode stacks, then its caller. */
    SETMODE 0x11
    ldr     sp, =rt_stack_fiq + STACK_SIZE
    SETMODE 0x12
    ldr     sp, =rt_stack_irq + STACK_SIZE
    SETMODE 0x17
    ldr     sp, =rt_stack_abt + STACK_SIZE
    SETMODE 0x1b
    ldr     sp, =rt_stack_und + STACK_SIZE
    SETMODE 0x1f
    ldr     sp, =rt_stack_usr + STACK_SIZE
    SETMODE 0x13
    ldr     sp, =sys_saved_sp
    ldr     sp, [sp]
    pop     {r4-r12, pc}
    .ltorg

    .bss
    .align  3
    .global sys_dump
sys_dump:       .space DUMP_WORDS * 4
sys_saved_sp:   .space 4
