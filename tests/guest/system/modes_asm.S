/* Assembly half of the modes test: sequences that switch modes or touch
 * banked registers, where compiled code cannot be trusted (the stack and
 * LR change under it). All entered in SVC mode with IRQ/FIQ masked. */
    .syntax unified
    .arm
    .text

/* void cps_modes(u32 out[6]): CPSR read after CPS to FIQ, IRQ, ABT, UND,
 * SYS, SVC (each switched to from SVC, then back). */
    .global cps_modes
cps_modes:
    msr     cpsr_f, #0
    cps     #0x11
    mrs     r1, cpsr
    cps     #0x13
    str     r1, [r0, #0]
    cps     #0x12
    mrs     r1, cpsr
    cps     #0x13
    str     r1, [r0, #4]
    cps     #0x17
    mrs     r1, cpsr
    cps     #0x13
    str     r1, [r0, #8]
    cps     #0x1b
    mrs     r1, cpsr
    cps     #0x13
    str     r1, [r0, #12]
    cps     #0x1f
    mrs     r1, cpsr
    cps     #0x13
    str     r1, [r0, #16]
    mrs     r1, cpsr
    str     r1, [r0, #20]
    bx      lr

/* void msr_modes(u32 out[6]): the same with MSR CPSR_c, after setting the
 * flags to N and C with MSR CPSR_f (an MSR of the c field must keep them). */
    .global msr_modes
msr_modes:
    mrs     r3, cpsr
    msr     cpsr_f, #0xa0000000
    msr     cpsr_c, #0xd1
    mrs     r1, cpsr
    msr     cpsr_c, #0xd3
    str     r1, [r0, #0]
    msr     cpsr_c, #0xd2
    mrs     r1, cpsr
    msr     cpsr_c, #0xd3
    str     r1, [r0, #4]
    msr     cpsr_c, #0xd7
    mrs     r1, cpsr
    msr     cpsr_c, #0xd3
    str     r1, [r0, #8]
    msr     cpsr_c, #0xdb
    mrs     r1, cpsr
    msr     cpsr_c, #0xd3
    str     r1, [r0, #12]
    msr     cpsr_c, #0xdf
    mrs     r1, cpsr
    msr     cpsr_c, #0xd3
    str     r1, [r0, #16]
    mrs     r1, cpsr
    str     r1, [r0, #20]
    msr     cpsr_fsxc, r3
    bx      lr

/* void banked_sp_lr(u32 out[12]): give SP and LR of FIQ, IRQ, ABT, UND,
 * SYS/User and SVC distinct values (0x5a0000MM, 0xa50000MM), then read each
 * mode's pair back into out[2i], out[2i+1]. Restores the real stacks. */
    .global banked_sp_lr
banked_sp_lr:
    push    {r4-r12, lr}
    ldr     r1, =saved_sp
    cps     #0x11
    str     sp, [r1, #0]
    ldr     sp, =0x5a000011
    ldr     lr, =0xa5000011
    cps     #0x12
    str     sp, [r1, #4]
    ldr     sp, =0x5a000012
    ldr     lr, =0xa5000012
    cps     #0x17
    str     sp, [r1, #8]
    ldr     sp, =0x5a000017
    ldr     lr, =0xa5000017
    cps     #0x1b
    str     sp, [r1, #12]
    ldr     sp, =0x5a00001b
    ldr     lr, =0xa500001b
    cps     #0x1f
    str     sp, [r1, #16]
    ldr     sp, =0x5a00001f
    ldr     lr, =0xa500001f
    cps     #0x13
    mov     r2, sp
    mov     r3, lr
    ldr     sp, =0x5a000013
    ldr     lr, =0xa5000013
    /* Read back, in a different order from the writes. */
    cps     #0x1f
    str     sp, [r0, #32]
    str     lr, [r0, #36]
    cps     #0x11
    str     sp, [r0, #0]
    str     lr, [r0, #4]
    cps     #0x1b
    str     sp, [r0, #24]
    str     lr, [r0, #28]
    cps     #0x12
    str     sp, [r0, #8]
    str     lr, [r0, #12]
    cps     #0x17
    str     sp, [r0, #16]
    str     lr, [r0, #20]
    cps     #0x13
    str     sp, [r0, #40]
    str     lr, [r0, #44]
    mov     sp, r2
    mov     lr, r3
    cps     #0x11
    ldr     sp, [r1, #0]
    cps     #0x12
    ldr     sp, [r1, #4]
    cps     #0x17
    ldr     sp, [r1, #8]
    cps     #0x1b
    ldr     sp, [r1, #12]
    cps     #0x1f
    ldr     sp, [r1, #16]
    cps     #0x13
    pop     {r4-r12, pc}

/* void fiq_r8_r12(u32 out[15]): r8-r12 as seen from SVC, FIQ and IRQ after
 * writing 0x880000nn in SVC and 0x881100nn in FIQ. */
    .global fiq_r8_r12
fiq_r8_r12:
    push    {r4-r12, lr}
    ldr     r8, =0x88000008
    ldr     r9, =0x88000009
    ldr     r10, =0x8800000a
    ldr     r11, =0x8800000b
    ldr     r12, =0x8800000c
    cps     #0x11
    ldr     r8, =0x88110008
    ldr     r9, =0x88110009
    ldr     r10, =0x8811000a
    ldr     r11, =0x8811000b
    ldr     r12, =0x8811000c
    cps     #0x13
    stmia   r0, {r8-r12}
    cps     #0x11
    add     r1, r0, #20
    stmia   r1, {r8-r12}
    cps     #0x12
    add     r1, r0, #40
    stmia   r1, {r8-r12}
    cps     #0x13
    pop     {r4-r12, pc}

/* void spsr_modes(const u32 in[5], u32 out[5]): write SPSR of FIQ, IRQ,
 * ABT, UND, SVC from in[], then read all five back. */
    .global spsr_modes
spsr_modes:
    push    {r4, lr}
    mrs     r4, spsr
    ldr     r2, [r0, #0]
    cps     #0x11
    msr     spsr_fsxc, r2
    ldr     r2, [r0, #4]
    cps     #0x12
    msr     spsr_fsxc, r2
    ldr     r2, [r0, #8]
    cps     #0x17
    msr     spsr_fsxc, r2
    ldr     r2, [r0, #12]
    cps     #0x1b
    msr     spsr_fsxc, r2
    ldr     r2, [r0, #16]
    cps     #0x13
    msr     spsr_fsxc, r2
    cps     #0x11
    mrs     r2, spsr
    str     r2, [r1, #0]
    cps     #0x12
    mrs     r2, spsr
    str     r2, [r1, #4]
    cps     #0x17
    mrs     r2, spsr
    str     r2, [r1, #8]
    cps     #0x1b
    mrs     r2, spsr
    str     r2, [r1, #12]
    cps     #0x13
    mrs     r2, spsr
    str     r2, [r1, #16]
    msr     spsr_fsxc, r4
    pop     {r4, pc}

/* void spsr_fields(u32 out[5]): SPSR_svc after MSR of one field at a time:
 * all (0), f, c, s, x. */
    .global spsr_fields
spsr_fields:
    mov     r1, #0
    msr     spsr_fsxc, r1
    mrs     r2, spsr
    str     r2, [r0, #0]
    msr     spsr_f, #0xf8000000
    mrs     r2, spsr
    str     r2, [r0, #4]
    ldr     r1, =0xffffff13
    msr     spsr_c, r1
    mrs     r2, spsr
    str     r2, [r0, #8]
    ldr     r1, =0x000f0000
    msr     spsr_s, r1
    mrs     r2, spsr
    str     r2, [r0, #12]
    ldr     r1, =0x00000100
    msr     spsr_x, r1
    mrs     r2, spsr
    str     r2, [r0, #16]
    bx      lr

/* void banked_mrs_msr(u32 out[16]): the Virtualization Extensions' banked
 * MRS/MSR from SVC mode. Sets the registers by mode switching first, then
 * reads them with MRS <banked>, writes others with MSR <banked> and reads
 * those back by mode switching. A destination is preset to 0x0bad00NN so an
 * UNDEFINED (skipped) MRS shows. */
    .global banked_mrs_msr
banked_mrs_msr:
    push    {r4-r12, lr}
    ldr     r1, =saved_sp
    /* Known values in other modes' banks. */
    cps     #0x1f
    str     sp, [r1, #16]
    ldr     sp, =0x11110010
    ldr     lr, =0x22220010
    cps     #0x12
    str     sp, [r1, #4]
    ldr     sp, =0x11110012
    ldr     lr, =0x22220012
    ldr     r2, =0x300000d3
    msr     spsr_fsxc, r2
    cps     #0x11
    mov     r3, r8
    ldr     r8, =0x33330008
    cps     #0x17
    str     sp, [r1, #8]
    ldr     r2, =0x800001d7
    msr     spsr_fsxc, r2
    cps     #0x13
    /* MRS <banked>. */
    ldr     r2, =0x0bad0000
    mrs     r2, sp_usr
    str     r2, [r0, #0]
    ldr     r2, =0x0bad0001
    mrs     r2, lr_usr
    str     r2, [r0, #4]
    ldr     r2, =0x0bad0002
    mrs     r2, sp_irq
    str     r2, [r0, #8]
    ldr     r2, =0x0bad0003
    mrs     r2, lr_irq
    str     r2, [r0, #12]
    ldr     r2, =0x0bad0004
    mrs     r2, SPSR_irq
    str     r2, [r0, #16]
    ldr     r2, =0x0bad0005
    mrs     r2, r8_fiq
    str     r2, [r0, #20]
    ldr     r2, =0x0bad0006
    mrs     r2, SPSR_abt
    str     r2, [r0, #24]
    /* MSR <banked>, then read back by switching. */
    ldr     r2, =0x44440017
    msr     sp_abt, r2
    ldr     r2, =0x5555001b
    msr     lr_und, r2
    ldr     r2, =0x6666000a
    msr     r10_fiq, r2
    ldr     r2, =0x200001df
    msr     SPSR_und, r2
    ldr     r2, =0x77770010
    msr     lr_usr, r2
    cps     #0x17
    str     sp, [r0, #28]
    ldr     sp, [r1, #8]
    cps     #0x1b
    str     lr, [r0, #32]
    mrs     r2, spsr
    str     r2, [r0, #36]
    cps     #0x11
    str     r10, [r0, #40]
    mov     r8, r3
    cps     #0x1f
    str     lr, [r0, #44]
    ldr     sp, [r1, #16]
    cps     #0x12
    ldr     sp, [r1, #4]
    cps     #0x13
    pop     {r4-r12, pc}

/* void mask_bits(u32 out[9]): CPSR[8:6] (A, I, F) after each step. */
    .global mask_bits
mask_bits:
    mrs     r3, cpsr
    cpsid   aif
    mrs     r1, cpsr
    str     r1, [r0, #0]
    cpsie   a
    mrs     r1, cpsr
    str     r1, [r0, #4]
    cpsie   f
    mrs     r1, cpsr
    str     r1, [r0, #8]
    cpsie   i
    mrs     r1, cpsr
    str     r1, [r0, #12]
    cpsid   i
    mrs     r1, cpsr
    str     r1, [r0, #16]
    cpsid   af
    mrs     r1, cpsr
    str     r1, [r0, #20]
    msr     cpsr_c, #0x13               @ clears I and F, keeps A
    mrs     r1, cpsr
    str     r1, [r0, #24]
    msr     cpsr_xc, #0xd3              @ x field: A = 0
    mrs     r1, cpsr
    str     r1, [r0, #28]
    cpsid   a, #0x1f                    @ mask A and change mode at once
    mrs     r1, cpsr
    cps     #0x13
    str     r1, [r0, #32]
    msr     cpsr_fsxc, r3
    bx      lr

/* u32 user_probe(u32 out) -- runs in User mode (rt_run_user). MRS at PL0
 * gives the APSR view (out[0], out[4]); whether CPS, CPSIE and MSR CPSR_c
 * changed the mode or the masks shows in the SPSR of the SVC #0x11..#0x14
 * that follows each. Then SP and LR, and SVC #0x10 with SP = 0x5a000010. */
    .global user_probe
user_probe:
    mrs     r1, cpsr
    str     r1, [r0, #0]
    cps     #0x13                       @ NOP in User mode
    svc     #0x11
    cpsie   aif                         @ NOP in User mode
    svc     #0x12
    msr     cpsr_c, #0x1f               @ control field ignored at PL0
    svc     #0x13
    ldr     r2, =0xf80001df
    msr     cpsr_fc, r2                 @ only the flags are written
    mrs     r1, cpsr
    str     r1, [r0, #16]
    svc     #0x14
    str     sp, [r0, #20]
    str     lr, [r0, #24]
    mov     r3, sp
    ldr     sp, =0x5a000010
    .global user_probe_svc
user_probe_svc:
    svc     #0x10
    mov     sp, r3
    mrs     r1, cpsr
    str     r1, [r0, #28]
    mov     r0, #7
    bx      lr

/* void get_usr_sp_lr(u32 out[2]) from a PL1 mode other than SYS: SP and LR
 * of the User bank (through SYS mode). */
    .global get_usr_sp_lr
get_usr_sp_lr:
    mrs     r3, cpsr
    cps     #0x1f
    str     sp, [r0, #0]
    str     lr, [r0, #4]
    msr     cpsr_c, r3
    bx      lr

    .ltorg
    .bss
    .align  2
saved_sp:
    .space  32
