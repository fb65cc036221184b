/* Single-instruction probes for the mmu_short test. Each takes the address
 * in r0 (and a value in r1); a Data Abort on the access is skipped by the
 * runtime, which the C side sees in rt_count[EXC_DABT]. */
    .syntax unified
    .arm
    .text

    .macro PROBE name, insn:vararg
    .global \name
    .type \name, %function
\name:
    \insn
    bx      lr
    .endm

    PROBE   al_ldr,    ldr r0, [r0]
    PROBE   al_str,    str r1, [r0]
    PROBE   al_ldrh,   ldrh r0, [r0]
    PROBE   al_ldrb,   ldrb r0, [r0]
    PROBE   al_strh,   strh r1, [r0]
    PROBE   al_ldrex,  ldrex r0, [r0]
    PROBE   al_ldrexh, ldrexh r0, [r0]
    PROBE   al_strt,   strt r1, [r0]

    .global al_ldrt
al_ldrt:
    ldrt    r2, [r0]                    @ post-indexed: Rt must differ from Rn
    mov     r0, r2
    bx      lr

    .global al_ldrexd
al_ldrexd:
    push    {r4, r5}
    ldrexd  r4, r5, [r0]
    clrex
    pop     {r4, r5}
    bx      lr

/* u64 al_ldrd(addr) */
    .global al_ldrd
al_ldrd:
    mov     r2, r0
    mov     r0, #0
    mov     r1, #0
    ldrd    r0, r1, [r2]
    bx      lr

    .global al_ldm
al_ldm:
    ldm     r0, {r2, r3}
    mov     r0, r2
    bx      lr

    .global al_stm
al_stm:
    mov     r2, r1
    mov     r3, r1
    stm     r0, {r2, r3}
    bx      lr
