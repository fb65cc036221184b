/* Startup, vector table and exception entry for the system-mode test guests.
 * A32 throughout. See rt.h for the frame layout and rt.c for the policy. */
    .syntax unified
    .arm

#define STACK_SIZE 4096

    .section .text.start, "ax"
    .global _start
_start:
    cpsid   aif
    /* Entered in Hyp mode (a board with EL2, e.g. QEMU's
     * virt,virtualization=on): drop to SVC with ERET and remember it, so
     * PSCI goes through SMC (the conduit such a board uses). */
    mov     r11, #0
    mrs     r0, cpsr
    and     r0, r0, #0x1f
    cmp     r0, #0x1a
    bne     1f
    mov     r11, #1
    mov     r0, #0x1d3
    msr     spsr_fsxc, r0              @ SPSR_hyp (the current SPSR)
    adr     r0, 1f
    msr     elr_hyp, r0
    eret
1:
    /* One stack per mode. CPS to each mode, load its SP. */
    cps     #0x11               @ FIQ
    ldr     sp, =rt_stack_fiq + STACK_SIZE
    cps     #0x12               @ IRQ
    ldr     sp, =rt_stack_irq + STACK_SIZE
    cps     #0x17               @ ABT
    ldr     sp, =rt_stack_abt + STACK_SIZE
    cps     #0x1b               @ UND
    ldr     sp, =rt_stack_und + STACK_SIZE
    cps     #0x1f               @ SYS (the User bank)
    ldr     sp, =rt_stack_usr + STACK_SIZE
    cps     #0x13               @ SVC
    ldr     sp, =rt_stack_svc + STACK_SIZE

    /* SCTLR: MMU, alignment checking, caches, high vectors, TEX remap,
     * AFE and TE all off. */
    mrc     p15, 0, r0, c1, c0, 0
    ldr     r1, =(1 << 0) | (1 << 1) | (1 << 2) | (1 << 12) | (1 << 13) | (1 << 28) | (1 << 29) | (1 << 30)
    bic     r0, r0, r1
    mcr     p15, 0, r0, c1, c0, 0
    isb
    /* Vectors through VBAR. */
    ldr     r0, =rt_vectors
    mcr     p15, 0, r0, c12, c0, 0
    isb

    /* Clear .bss (includes the stacks). */
    ldr     r0, =__bss_start
    ldr     r1, =__bss_end
    mov     r2, #0
1:  cmp     r0, r1
    strlo   r2, [r0], #4
    blo     1b

    ldr     r0, =rt_started_in_hyp
    str     r11, [r0]
    bl      rt_init
    bl      main
    bl      rt_finish
2:  b       2b

/* ---- vector table: absolute jumps, so the 64 bytes can be copied (high
 * vectors) and still reach the handlers. ---- */
    .text
    .align  5
    .global rt_vectors
rt_vectors:
    ldr     pc, [pc, #24]       @ 0x00 reset
    ldr     pc, [pc, #24]       @ 0x04 undefined instruction
    ldr     pc, [pc, #24]       @ 0x08 supervisor call
    ldr     pc, [pc, #24]       @ 0x0c prefetch abort
    ldr     pc, [pc, #24]       @ 0x10 data abort
    ldr     pc, [pc, #24]       @ 0x14 hyp trap (not used at PL1)
    ldr     pc, [pc, #24]       @ 0x18 IRQ
    ldr     pc, [pc, #24]       @ 0x1c FIQ
    .global rt_vector_addrs
rt_vector_addrs:
    .word   rt_entry_reset, rt_entry_und, rt_entry_svc, rt_entry_pabt
    .word   rt_entry_dabt, rt_entry_hyp, rt_entry_irq, rt_entry_fiq
    .global rt_vectors_end
rt_vectors_end:

/* Entry stub: frame = {spsr, type, cpsr, pad, r0-r12, lr} (18 words, so an
 * 8-byte aligned SP stays aligned for the C call). */
    .macro ENTRY name, type
    .global \name
\name:
    stmfd   sp!, {r0-r12, lr}
    mrs     r2, cpsr
    mrs     r0, spsr
    mov     r1, #\type
    sub     sp, sp, #16
    stmia   sp, {r0-r3}
    mov     r0, sp
    bl      rt_exception
    ldr     r0, [sp]
    msr     spsr_fsxc, r0
    add     sp, sp, #16
    ldmfd   sp!, {r0-r12, pc}^
    .endm

    ENTRY   rt_entry_reset, 0
    ENTRY   rt_entry_und, 1
    ENTRY   rt_entry_svc, 2
    ENTRY   rt_entry_pabt, 3
    ENTRY   rt_entry_dabt, 4
    ENTRY   rt_entry_hyp, 5
    ENTRY   rt_entry_irq, 6
    ENTRY   rt_entry_fiq, 7

/* u32 rt_run_user(u32 (*fn)(u32), u32 arg) */
    .global rt_run_user
rt_run_user:
    push    {r4-r12, lr}
    ldr     r2, =rt_user_saved_sp
    str     sp, [r2]
    mrs     r3, cpsr
    ldr     r2, =rt_user_saved_cpsr
    str     r3, [r2]
    cps     #0x1f
    ldr     sp, =rt_stack_usr + STACK_SIZE
    ldr     lr, =rt_user_exit
    msr     cpsr_c, r3                  @ back to the caller's mode
    mov     r2, #0xd0                   @ User, I and F masked
    tst     r0, #1
    orrne   r2, r2, #0x20               @ T32 entry
    bicne   r0, r0, #1
    msr     spsr_fsxc, r2
    mov     lr, r0
    mov     r0, r1
    movs    pc, lr

    .global rt_user_exit
rt_user_exit:
    svc     #0xff                       @ back to rt_user_return, r0 = result
    b       rt_user_exit

    .global rt_user_return
rt_user_return:                         @ entered from rt_exception, caller's mode
    ldr     r2, =rt_user_saved_sp
    ldr     sp, [r2]
    pop     {r4-r12, pc}

/* User-mode probes (run through rt_run_user, arg = address). */
    .global rt_user_ldr
rt_user_ldr:
    mov     r1, r0
    ldr     r0, =0xdeadbeef
    ldr     r0, [r1]                    @ skipped if it aborts
    bx      lr

    .global rt_user_str
rt_user_str:
    mov     r1, r0
    ldr     r2, =0x5555aaaa
    str     r2, [r1]                    @ skipped if it aborts
    mov     r0, #1
    bx      lr

    .global rt_user_exec
rt_user_exec:
    push    {lr}
    mov     r1, r0
    ldr     r0, =0xdead0001
    blx     r1                          @ a prefetch abort resumes at rt_user_exit
    pop     {pc}

/* PL1 probes. */
    .global rt_ldr
rt_ldr:
    mov     r1, r0
    ldr     r0, =0xdeadbeef
    ldr     r0, [r1]
    bx      lr

    .global rt_str
rt_str:
    str     r1, [r0]                    @ skipped if it aborts
    mov     r0, #1
    bx      lr

    .global rt_exec
rt_exec:
    push    {r4, lr}
    ldr     r1, =rt_resume
    adr     r2, 1f
    str     r2, [r1]
    mov     r4, r0
    ldr     r0, =0xdead0001
    blx     r4
1:  ldr     r1, =rt_resume
    mov     r2, #0
    str     r2, [r1]
    pop     {r4, pc}

    .global rt_ret42
    .align  2
rt_ret42:
    mov     r0, #42
    bx      lr

/* PSCI SYSTEM_OFF through HVC (the virt board's conduit). */
    .global rt_system_off
rt_system_off:
    ldr     r1, =rt_started_in_hyp
    ldr     r1, [r1]
    ldr     r0, =0x84000008
    cmp     r1, #0
    bne     2f
    hvc     #0
1:  wfi
    b       1b
2:  smc     #0
    b       1b

    .ltorg

    .data
    .align  3
    .global rt_user_saved_sp
rt_user_saved_sp:   .word 0
    .global rt_started_in_hyp
rt_started_in_hyp:  .word 0
    .global rt_user_saved_cpsr
rt_user_saved_cpsr: .word 0

    .bss
    .align  12
    .global rt_stack_svc, rt_stack_usr, rt_stack_fiq, rt_stack_irq, rt_stack_abt, rt_stack_und
rt_stack_fiq: .space STACK_SIZE
rt_stack_irq: .space STACK_SIZE
rt_stack_abt: .space STACK_SIZE
rt_stack_und: .space STACK_SIZE
rt_stack_usr: .space STACK_SIZE
rt_stack_svc: .space STACK_SIZE * 2
