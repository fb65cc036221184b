/* The state record of the privileged difftest (rsemu-difftest-sys), shared
 * by harness.c and harness_asm.S; difftest/src/bin/rsemu-difftest-sys.rs
 * mirrors it (its `FIELDS` table lists the same words in the same order).
 *
 * A case's initial state and the dump taken at the first exception have
 * the same layout: word offsets below. r0-r12 hold r0-r7 and the User
 * bank's r8-r12; FIQ's r8-r12 have their own slots. In a dump, CPSR is the
 * CPSR at the handler's first instruction and two more words follow: the
 * vector taken (EXC_*) and a hash of the scratch memory. */
#ifndef SYS_LAYOUT_H
#define SYS_LAYOUT_H

#define S_R0        0
#define S_R8        8
#define S_SP_USR    13
#define S_LR_USR    14
#define S_SP_SVC    15
#define S_LR_SVC    16
#define S_SPSR_SVC  17
#define S_SP_ABT    18
#define S_LR_ABT    19
#define S_SPSR_ABT  20
#define S_SP_UND    21
#define S_LR_UND    22
#define S_SPSR_UND  23
#define S_SP_IRQ    24
#define S_LR_IRQ    25
#define S_SPSR_IRQ  26
#define S_SP_FIQ    27
#define S_LR_FIQ    28
#define S_SPSR_FIQ  29
#define S_R8_FIQ    30
#define S_CPSR      35
/* CP15 registers, in this order: TPIDRURW, TPIDRURO, CONTEXTIDR, DACR,
 * DFSR, IFSR, DFAR, IFAR, PAR, PRRR, NMRR, TTBR0, TTBR1, TTBCR. */
#define S_CP15      36
#define S_WORDS     50
/* Dump only. */
#define S_VECTOR    50
#define S_HASH      51
#define DUMP_WORDS  52

/* Where a case's code runs and the scratch RAM its SPs and base registers
 * point into. */
#define CODE_BUF    0x40600000
#define SCRATCH     0x40500000
#define SCRATCH_LEN 4096

#endif
