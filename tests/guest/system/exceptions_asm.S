/* Assembly half of the exceptions test: instruction sequences whose exact
 * addresses (LR offsets) and CPSR matter. Entered in SVC mode. */
    .syntax unified
    .arm
    .text

/* Pre-state for every synchronous exception trigger: Z and C set, GE=1111,
 * I set, A and F clear, A32, SVC. r4 keeps the caller's CPSR. */
#define PRE_CPSR 0x600f0093
    .macro PRE
    push    {r4-r7, lr}
    mrs     r4, cpsr
    ldr     r5, =PRE_CPSR
    msr     cpsr_fsxc, r5
    .endm
    /* CPSR right after the exception returned (T32 snippets leave theirs
     * in r5 themselves), stored to exc_after_cpsr by DONE. */
    .macro POST
    mrs     r5, cpsr
    .endm
    .macro DONE
    ldr     r6, =exc_after_cpsr
    str     r5, [r6]
    msr     cpsr_fsxc, r4
    pop     {r4-r7, pc}
    .endm

    .global trig_svc_a32, svc_a32_insn
trig_svc_a32:
    PRE
svc_a32_insn:
    svc     #0x123456
    POST
    DONE

    .global trig_svc_t32
trig_svc_t32:
    PRE
    blx     t_svc
    DONE

    .global trig_svc_it
trig_svc_it:                    @ returns r0 = 1 if the MOVEQ after the SVC ran
    PRE
    mov     r0, #0
    blx     t_svc_it
    DONE

    .global trig_und_a32, und_a32_insn
trig_und_a32:
    PRE
und_a32_insn:
    udf     #0x1234
    POST
    DONE

    .global trig_und_t16
trig_und_t16:
    PRE
    blx     t_und16
    DONE

    .global trig_und_t32
trig_und_t32:
    PRE
    blx     t_und32
    DONE

    .global trig_bkpt_a32, bkpt_a32_insn
trig_bkpt_a32:
    PRE
bkpt_a32_insn:
    bkpt    #0x12
    POST
    DONE

    .global trig_bkpt_t16
trig_bkpt_t16:
    PRE
    blx     t_bkpt
    DONE

/* u32 trig_dabt_*(u32 addr): LDR r0, [addr]; r0 = 0xdeadbeef if skipped. */
    .global trig_dabt_a32, dabt_a32_insn
trig_dabt_a32:
    PRE
    mov     r1, r0
    ldr     r0, =0xdeadbeef
dabt_a32_insn:
    ldr     r0, [r1]
    POST
    DONE

    .global trig_dabt_t16
trig_dabt_t16:
    PRE
    mov     r1, r0
    ldr     r0, =0xdeadbeef
    blx     t_dabt16
    DONE

    .global trig_dabt_t32
trig_dabt_t32:
    PRE
    mov     r1, r0
    ldr     r0, =0xdeadbeef
    blx     t_dabt32
    DONE

/* ---- T32 snippets (called with BLX, return with BX lr, CPSR in r5) ---- */
    .thumb
    .type   t_svc, %function
    .thumb_func
t_svc:                          @ an SVC taken to SVC mode overwrites LR_svc
    push    {lr}
    .global svc_t32_insn
svc_t32_insn:
    svc     #0x42
    mrs     r5, cpsr
    pop     {pc}

    .type   t_svc_it, %function
    .thumb_func
t_svc_it:
    push    {lr}
    itt     eq
    .global svc_it_insn
svc_it_insn:
    svceq   #0x43
    moveq   r0, #1
    mrs     r5, cpsr
    pop     {pc}

    .type   t_und16, %function
    .thumb_func
t_und16:
    .global und_t16_insn
und_t16_insn:
    udf     #0x12
    mrs     r5, cpsr
    bx      lr

    .type   t_und32, %function
    .thumb_func
t_und32:
    .global und_t32_insn
und_t32_insn:
    udf.w   #0x1234
    mrs     r5, cpsr
    bx      lr

    .type   t_bkpt, %function
    .thumb_func
t_bkpt:
    .global bkpt_t16_insn
bkpt_t16_insn:
    bkpt    #0x34
    mrs     r5, cpsr
    bx      lr

    .type   t_dabt16, %function
    .thumb_func
t_dabt16:
    .global dabt_t16_insn
dabt_t16_insn:
    ldr     r0, [r1]
    mrs     r5, cpsr
    bx      lr

    .type   t_dabt32, %function
    .thumb_func
t_dabt32:
    .global dabt_t32_insn
dabt_t32_insn:
    ldr.w   r0, [r1, #0]
    mrs     r5, cpsr
    bx      lr
    .ltorg
    .arm

/* ---- exception returns without an exception: set SPSR (and LR), return ----
 * Each returns the CPSR seen at the return target (0 if the return fell
 * through). */

/* u32 ret_movs(u32 spsr): MOVS PC, LR */
    .global ret_movs
ret_movs:
    push    {r4, lr}
    mrs     r4, cpsr
    msr     spsr_fsxc, r0
    mov     r0, #0
    adr     lr, 1f
    movs    pc, lr
    b       2f
1:  mrs     r0, cpsr
2:  msr     cpsr_fsxc, r4
    pop     {r4, pc}

/* u32 ret_subs(u32 spsr): SUBS PC, LR, #4 */
    .global ret_subs
ret_subs:
    push    {r4, lr}
    mrs     r4, cpsr
    msr     spsr_fsxc, r0
    mov     r0, #0
    adr     lr, 1f + 4
    subs    pc, lr, #4
    b       2f
1:  mrs     r0, cpsr
2:  msr     cpsr_fsxc, r4
    pop     {r4, pc}

/* u32 ret_ldm(u32 spsr, u32 out[2]): LDMFD sp!, {r1, pc}^; out[0] = the r1
 * loaded, out[1] = SP after minus SP before the two pushes (0). */
    .global ret_ldm
ret_ldm:
    push    {r4-r6, lr}
    mrs     r4, cpsr
    mov     r6, r1
    msr     spsr_fsxc, r0
    mov     r5, sp
    adr     r2, 1f
    ldr     r3, =0x1234abcd
    push    {r2}
    push    {r3}
    mov     r0, #0
    mov     r1, #0
    ldmfd   sp!, {r1, pc}^
    b       2f
1:  mrs     r0, cpsr
    str     r1, [r6, #0]
    sub     r3, sp, r5
    str     r3, [r6, #4]
2:  msr     cpsr_fsxc, r4
    pop     {r4-r6, pc}

/* u32 ret_rfeia(u32 cpsr, u32 *wb): RFEIA r2! from {pc, cpsr}; *wb = r2
 * after minus the buffer (8). */
    .global ret_rfeia
ret_rfeia:
    push    {r4, r5, lr}
    mrs     r4, cpsr
    mov     r5, r1
    ldr     r2, =rfe_buf
    adr     r3, 1f
    str     r3, [r2, #0]
    str     r0, [r2, #4]
    mov     r0, #0
    rfeia   r2!
    b       2f
1:  mrs     r0, cpsr
    ldr     r3, =rfe_buf
    sub     r2, r2, r3
    str     r2, [r5]
2:  msr     cpsr_fsxc, r4
    pop     {r4, r5, pc}

/* u32 ret_rfedb(u32 cpsr): RFEDB r2 (no writeback) with r2 = buffer + 8. */
    .global ret_rfedb
ret_rfedb:
    push    {r4, lr}
    mrs     r4, cpsr
    ldr     r2, =rfe_buf
    adr     r3, 1f
    str     r3, [r2, #0]
    str     r0, [r2, #4]
    add     r2, r2, #8
    mov     r0, #0
    rfedb   r2
    b       2f
1:  mrs     r0, cpsr
2:  msr     cpsr_fsxc, r4
    pop     {r4, pc}

/* u32 srs_sys(u32 buf[4]): with LR_svc = 0x12345678, SPSR_svc = 0xf00f0010
 * and SP_usr = buf + 16: SRSDB sp!, #0x1f. Returns buf + 16 - SP_usr (8). */
    .global srs_sys
srs_sys:
    push    {r4-r6, lr}
    cps     #0x1f
    mov     r5, sp
    add     sp, r0, #16
    cps     #0x13
    mrs     r6, spsr
    ldr     r1, =0xf00f0010
    msr     spsr_fsxc, r1
    ldr     lr, =0x12345678
    srsdb   sp!, #0x1f
    cps     #0x1f
    add     r1, r0, #16
    sub     r1, r1, sp
    mov     sp, r5
    cps     #0x13
    msr     spsr_fsxc, r6
    mov     r0, r1
    pop     {r4-r6, pc}

/* void srs_own(u32 out[3]): SRSDB sp!, #0x13 from SVC onto its own stack,
 * LR = 0xcafe0013, SPSR = 0x800001d7. out = {stored LR, stored SPSR, SP
 * decrement}. */
    .global srs_own
srs_own:
    push    {r4-r6, lr}
    mrs     r6, spsr
    ldr     r1, =0x800001d7
    msr     spsr_fsxc, r1
    ldr     lr, =0xcafe0013
    mov     r5, sp
    srsdb   sp!, #0x13
    ldr     r1, [sp, #0]
    str     r1, [r0, #0]
    ldr     r1, [sp, #4]
    str     r1, [r0, #4]
    sub     r1, r5, sp
    str     r1, [r0, #8]
    mov     sp, r5
    msr     spsr_fsxc, r6
    pop     {r4-r6, pc}

/* u32 ret_to_sys(u32 spsr): MOVS PC, LR into System mode; CPSR there. */
    .global ret_to_sys
ret_to_sys:
    push    {r4, lr}
    mrs     r4, cpsr
    msr     spsr_fsxc, r0
    mov     r0, #0
    adr     lr, 1f
    movs    pc, lr
    b       2f
1:  mrs     r0, cpsr
    cps     #0x13
2:  msr     cpsr_fsxc, r4
    pop     {r4, pc}

/* u32 ret_thumb(u32 spsr): MOVS PC, LR with SPSR.T = 1; CPSR seen by the
 * T32 target. */
    .global ret_thumb
ret_thumb:
    push    {r4, r5, lr}
    mrs     r4, cpsr
    msr     spsr_fsxc, r0
    mov     r0, #0
    ldr     lr, =t_ret_target
    bic     lr, lr, #1
    adr     r5, 1f
    movs    pc, lr
1:  msr     cpsr_fsxc, r4
    pop     {r4, r5, pc}

/* u32 ret_from_thumb(void): T32 SUBS PC, LR, #0 back to A32 with
 * SPSR = 0x40000093; CPSR seen by the A32 target. */
    .global ret_from_thumb
ret_from_thumb:
    push    {r4, lr}
    mrs     r4, cpsr
    mov     r0, #0
    blx     t_subs
    b       2f
    .global arm_after_subs
arm_after_subs:
    mrs     r0, cpsr
2:  msr     cpsr_fsxc, r4
    pop     {r4, pc}

    .thumb
    .type   t_ret_target, %function
    .thumb_func
t_ret_target:
    mrs     r0, cpsr
    bx      r5

    .type   t_subs, %function
    .thumb_func
t_subs:
    ldr     r1, =0x40000093
    msr     spsr_fsxc, r1
    ldr     lr, =arm_after_subs
    subs    pc, lr, #0
    .ltorg
    .arm

/* void user_regs(u32 buf[8]): STMIA r0, {sp, lr}^ and LDMIA r1, {sp, lr}^
 * from SVC. buf[0..1] = User SP/LR stored (0x5a00001f, 0xa500001f), LDM^
 * loads buf[2..3] = (0x11111110, 0x22222210) into the User bank, read back
 * through SYS into buf[4..5]; buf[6] = SVC SP change (0), buf[7] = SVC LR
 * unchanged (1). */
    .global user_regs
user_regs:
    push    {r4-r7, lr}
    cps     #0x1f
    mov     r4, sp
    mov     r5, lr
    ldr     sp, =0x5a00001f
    ldr     lr, =0xa500001f
    cps     #0x13
    mov     r6, sp
    ldr     lr, =0x0dd00013
    stmia   r0, {sp, lr}^
    add     r1, r0, #8
    ldr     r2, =0x11111110
    ldr     r3, =0x22222210
    stmia   r1, {r2, r3}
    ldmia   r1, {sp, lr}^
    nop
    sub     r2, sp, r6
    str     r2, [r0, #24]
    ldr     r3, =0x0dd00013
    cmp     lr, r3
    moveq   r2, #1
    movne   r2, #0
    str     r2, [r0, #28]
    cps     #0x1f
    str     sp, [r0, #16]
    str     lr, [r0, #20]
    mov     sp, r4
    mov     lr, r5
    cps     #0x13
    pop     {r4-r7, pc}

/* ---- SCTLR.TE: exceptions taken to T32 handlers ---- */
    .align  5
    .thumb
te_vectors:
    b.w     te_unexpected           @ reset
    b.w     te_und                  @ undefined
    b.w     te_svc                  @ svc
    b.w     te_unexpected           @ prefetch abort
    b.w     te_unexpected           @ data abort
    b.w     te_unexpected           @ hyp
    b.w     te_unexpected           @ irq
    b.w     te_unexpected           @ fiq

/* Record {CPSR, SPSR, LR, type} in te_rec[te_n++], return with SUBS PC, LR. */
    .macro TE_HANDLER type
    push    {r0-r3}
    mrs     r3, cpsr                @ first: nothing below may change the flags
    ldr     r0, =te_n
    ldr     r1, [r0]
    add.w   r2, r1, #1
    str     r2, [r0]
    ldr     r0, =te_rec
    add.w   r0, r0, r1, lsl #4
    str     r3, [r0, #0]
    mrs     r2, spsr
    str     r2, [r0, #4]
    str     lr, [r0, #8]
    mov.w   r2, #\type
    str     r2, [r0, #12]
    pop     {r0-r3}
    subs    pc, lr, #0
    .endm

    .type   te_svc, %function
    .thumb_func
te_svc:
    TE_HANDLER 2
    .type   te_und, %function
    .thumb_func
te_und:
    TE_HANDLER 1
    .type   te_unexpected, %function
    .thumb_func
te_unexpected:
    ldr     r0, =te_msg
    ldr     r1, =rt_fatal
    blx     r1
    .ltorg

    .type   t_te_trig, %function
    .thumb_func
t_te_trig:
    push    {lr}
    .global te_svc_t32_insn
te_svc_t32_insn:
    svc     #0x78
    .global te_und_t16_insn
te_und_t16_insn:
    udf     #8
    pop     {pc}
    .arm

/* void te_test(void): VBAR = te_vectors, SCTLR.TE = 1, then SVC and UDF in
 * A32 and in T32; restores SCTLR and VBAR. */
    .global te_test
te_test:
    PRE
    mrc     p15, 0, r6, c12, c0, 0
    ldr     r0, =te_vectors
    mcr     p15, 0, r0, c12, c0, 0
    mrc     p15, 0, r7, c1, c0, 0
    orr     r0, r7, #(1 << 30)
    mcr     p15, 0, r0, c1, c0, 0
    isb
    .global te_svc_a32_insn
te_svc_a32_insn:
    svc     #0x77
    .global te_und_a32_insn
te_und_a32_insn:
    udf     #7
    blx     t_te_trig
    mcr     p15, 0, r7, c1, c0, 0
    isb
    mcr     p15, 0, r6, c12, c0, 0
    isb
    POST
    DONE

/* ---- high vectors / VBAR: SVC stubs that count, then join the runtime ---- */
    .global hv_svc_stub
hv_svc_stub:
    push    {r0, r1}
    ldr     r0, =hv_hits
    ldr     r1, [r0]
    add     r1, r1, #1
    str     r1, [r0]
    pop     {r0, r1}
    ldr     pc, =rt_entry_svc

    .global vbar_svc_stub
vbar_svc_stub:
    push    {r0, r1}
    ldr     r0, =vbar_hits
    ldr     r1, [r0]
    add     r1, r1, #1
    str     r1, [r0]
    pop     {r0, r1}
    ldr     pc, =rt_entry_svc
    .ltorg

    .section .rodata
te_msg: .asciz "unexpected exception with SCTLR.TE set"

    .data
    .align  3
    .global exc_after_cpsr, rfe_buf, te_n, te_rec, hv_hits, vbar_hits
exc_after_cpsr: .word 0
rfe_buf:        .word 0, 0, 0, 0
hv_hits:        .word 0
vbar_hits:      .word 0
te_n:           .word 0
te_rec:         .space 16 * 8
