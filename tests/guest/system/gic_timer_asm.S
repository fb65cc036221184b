/* User-mode probe for gic_timer: read CNTVCT at PL0 (returns the low word,
 * or the argument if the MRRC was UNDEFINED and skipped). */
    .syntax unified
    .arm
    .text
    .global user_read_cntvct
user_read_cntvct:
    mrrc    p15, 1, r0, r1, c14
    bx      lr
