/* Runtime for the bare-metal system-mode test guests.
 *
 * start.S sets up one stack per mode, installs rt_vectors through VBAR and
 * calls main() in SVC mode with IRQ/FIQ/aborts masked and the MMU off.
 * Every exception goes through one entry stub that saves r0-r12 and the
 * return address in a struct rt_frame on the exception mode's stack and calls
 * rt_exception(), which records what happened in rt_last and decides where to
 * return (see rt.c). The stub returns with LDM {r0-r12, pc}^ (SPSR -> CPSR). */
#ifndef RT_H
#define RT_H

typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef unsigned long long u64;
typedef int s32;

/* ---- exception types (vector offset / 4) ---- */
#define EXC_RESET 0
#define EXC_UND   1
#define EXC_SVC   2
#define EXC_PABT  3
#define EXC_DABT  4
#define EXC_HYP   5
#define EXC_IRQ   6
#define EXC_FIQ   7

/* ---- CPSR ---- */
#define M_USR 0x10
#define M_FIQ 0x11
#define M_IRQ 0x12
#define M_SVC 0x13
#define M_ABT 0x17
#define M_UND 0x1b
#define M_SYS 0x1f
#define PSR_T (1u << 5)
#define PSR_F (1u << 6)
#define PSR_I (1u << 7)
#define PSR_A (1u << 8)

/* ---- SCTLR bits ---- */
#define SCTLR_M   (1u << 0)
#define SCTLR_A   (1u << 1)
#define SCTLR_C   (1u << 2)
#define SCTLR_Z   (1u << 11)
#define SCTLR_I   (1u << 12)
#define SCTLR_V   (1u << 13)
#define SCTLR_AFE (1u << 29)
#define SCTLR_TE  (1u << 30)

/* What the entry stub saves; rt_exception may change spsr, r[] and pc. */
struct rt_frame {
    u32 spsr;   /* SPSR of the exception mode (restored to it before return) */
    u32 type;   /* EXC_* */
    u32 cpsr;   /* CPSR at the first instruction of the handler */
    u32 pad;
    u32 r[13];  /* r0-r12 of the interrupted code (FIQ: the FIQ bank's r8-r12) */
    u32 pc;     /* on entry the exception mode's LR; the address returned to */
};

/* The last exception, as seen on entry to its handler. */
struct rt_exc {
    u32 type, cpsr, spsr, lr;
    u32 dfsr, dfar, ifsr, ifar;
    u32 svc_imm;   /* SVC: the instruction's immediate */
};
extern volatile struct rt_exc rt_last;
extern volatile u32 rt_exc_count;        /* all exceptions taken */
extern volatile u32 rt_count[8];         /* per type */

/* Optional per-test hooks, called before the default action. A hook returns
 * nonzero when it has handled the exception (set f->pc, f->spsr, ...). */
typedef int (*rt_hook_t)(struct rt_frame *f);
extern rt_hook_t rt_hook;       /* any synchronous exception */
extern rt_hook_t rt_irq_hook;   /* IRQ (required to take IRQs) */
extern rt_hook_t rt_fiq_hook;   /* FIQ (required to take FIQs) */
/* Where a prefetch abort that is not a debug event resumes (then cleared). */
extern volatile u32 rt_resume;

/* Default actions (when no hook handled it):
 *  UND   resume after the undefined instruction (32-bit Thumb: LR + 2)
 *  SVC   resume at LR; SVC #0xff from User mode ends rt_run_user()
 *  PABT  debug event (BKPT): resume after the BKPT; otherwise at rt_resume
 *  DABT  skip the faulting instruction
 *  IRQ/FIQ/reset/HYP without a hook: FAIL and power off. */

/* Run fn(arg) in User mode (I and F masked, A32 or T32 by bit 0 of fn) on
 * the User stack. Returns the r0 the User code had when it executed
 * SVC #0xff (returning from fn does that through rt_user_exit). */
u32 rt_run_user(u32 (*fn)(u32), u32 arg);
void rt_user_exit(void);
/* User-mode probes for rt_run_user (arg = address). A faulting access is
 * skipped by the default data-abort action; compare rt_count[] to see it. */
u32 rt_user_ldr(u32 addr);    /* returns the word read (0xdeadbeef if skipped) */
u32 rt_user_str(u32 addr);    /* stores 0x5555aaaa */
u32 rt_user_exec(u32 addr);   /* BLX addr; returns its r0 (0xdead0001 if aborted) */
/* PL1 probes: the same, from the current (privileged) mode. */
u32 rt_ldr(u32 addr);
u32 rt_str(u32 addr, u32 val);
u32 rt_exec(u32 addr);
/* Probe wrappers: return 0 when the access completed, else the raw
 * DFSR (read/write) or IFSR (exec) of the abort; rt_probe_far gets the
 * DFAR/IFAR and rt_probe_val the value read or returned. user=1 runs the
 * access in User mode. */
u32 probe_read(u32 addr, int user);
u32 probe_write(u32 addr, int user);
u32 probe_exec(u32 addr, int user);
extern u32 rt_probe_far, rt_probe_val;

/* PL011 registers as found at entry, before rt_init programmed the UART:
 * CR, LCR_H, IBRD, FBRD, IMSC, IFLS. */
extern u32 rt_uart_boot[6];
/* 1 if _start found the CPU in Hyp mode and dropped to SVC. */
extern u32 rt_started_in_hyp;

/* ---- output ---- */
void rt_putc(char c);
void rt_puts(const char *s);                 /* no newline added */
void rt_printf(const char *fmt, ...);        /* %s %c %d %u %x %08x %02x %% */

/* ---- checks ----
 * check() prints "name: value" (8 hex digits); on a mismatch it appends
 * "  MISMATCH want VALUE" and remembers the first failing name.
 * check_yes() prints "name: yes|no" against an expected truth value. */
void check(const char *name, u32 got, u32 want);
void check_yes(const char *name, u32 got, u32 want);
void rt_fail_note(const char *name);
/* Every comparison's expected value passes through rt_expect (see
 * RT_BREAK in rt.c). */
u32 rt_expect(u32 want);
/* a followed by b, in one of four rotating static buffers (a or b may be
 * an earlier result). */
const char *cat(const char *a, const char *b);
extern u32 rt_failures;
/* Print PASS (no failures) or FAIL <first failure>, then power off. */
void __attribute__((noreturn)) rt_finish(void);
void __attribute__((noreturn)) rt_fatal(const char *why);
void __attribute__((noreturn)) rt_system_off(void);

/* ---- system registers ---- */
#define MRC(op1, crn, crm, op2) ({ u32 _v; __asm__ volatile("mrc p15, " #op1 ", %0, " #crn ", " #crm ", " #op2 : "=r"(_v) :: "memory"); _v; })
#define MCR(op1, crn, crm, op2, v) __asm__ volatile("mcr p15, " #op1 ", %0, " #crn ", " #crm ", " #op2 :: "r"((u32)(v)) : "memory")
#define MRRC(op1, crm) ({ u32 _lo, _hi; __asm__ volatile("mrrc p15, " #op1 ", %0, %1, " #crm : "=r"(_lo), "=r"(_hi) :: "memory"); ((u64)_hi << 32) | _lo; })
#define MCRR(op1, crm, v) do { u64 _v = (v); __asm__ volatile("mcrr p15, " #op1 ", %0, %1, " #crm :: "r"((u32)_v), "r"((u32)(_v >> 32)) : "memory"); } while (0)

static inline u32 get_cpsr(void) { u32 v; __asm__ volatile("mrs %0, cpsr" : "=r"(v)); return v; }
static inline u32 get_sctlr(void) { return MRC(0, c1, c0, 0); }
static inline void set_sctlr(u32 v) { MCR(0, c1, c0, 0, v); __asm__ volatile("isb" ::: "memory"); }
static inline u32 get_dfsr(void) { return MRC(0, c5, c0, 0); }
static inline u32 get_ifsr(void) { return MRC(0, c5, c0, 1); }
static inline u32 get_dfar(void) { return MRC(0, c6, c0, 0); }
static inline u32 get_ifar(void) { return MRC(0, c6, c0, 2); }
static inline void dsb(void) { __asm__ volatile("dsb" ::: "memory"); }
static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
/* TLBIALL, then DSB and ISB. */
static inline void tlbi_all(void) { MCR(0, c8, c7, 0, 0); dsb(); isb(); }
/* ICIALLU + BPIALL, then DSB and ISB (after writing code). */
static inline void ic_inval(void) { dsb(); MCR(0, c7, c5, 0, 0); MCR(0, c7, c5, 6, 0); dsb(); isb(); }

static inline void wr32(u32 a, u32 v) { *(volatile u32 *)a = v; }
static inline u32 rd32(u32 a) { return *(volatile u32 *)a; }

/* Copy n bytes of code to dst and make it executable (IC invalidate). */
void rt_copy_code(u32 dst, const void *src, u32 n);
/* A tiny position-independent A32 routine: MOV r0, #42; BX lr. */
extern const u32 rt_ret42[2];

/* ---- short-descriptor MMU helpers ---- */
/* Section descriptor fields (B3.5.1). */
#define SD_SECTION   0x2u
#define SD_PXN       (1u << 0)
#define SD_B         (1u << 2)
#define SD_C         (1u << 3)
#define SD_XN        (1u << 4)
#define SD_DOMAIN(d) ((u32)(d) << 5)
#define SD_AP(ap)    ((((u32)(ap) & 3) << 10) | ((((u32)(ap) >> 2) & 1) << 15))
#define SD_TEX(t)    ((u32)(t) << 12)
#define SD_S         (1u << 16)
#define SD_NG        (1u << 17)
#define SD_SUPER     (1u << 18)
/* Normal memory, non-cacheable (TEX=001 C=0 B=0), and Device (TEX=000
 * C=0 B=1). */
#define SD_NORMAL    SD_TEX(1)
#define SD_DEVICE    SD_B
/* Fill a 16 KiB level-1 table: RAM (0x40000000-0x4fffffff) identity-mapped
 * as Normal sections with full access (AP=011), the GIC and UART MiBs as
 * Device, PL1-only, XN; everything else faults. Domain 0. */
void rt_l1_identity(u32 *l1);
/* TTBCR=0, TTBR0=l1 (non-cacheable walks), DACR: domain 0 client, TLBIALL,
 * SCTLR.M=1. */
void rt_mmu_on(u32 *l1);
void rt_mmu_off(void);

/* ---- memory layout ---- */
#define UART_BASE   0x09000000u
#define GICD_BASE   0x08000000u
#define GICC_BASE   0x08010000u
#define RAM_BASE    0x40000000u
#define SCRATCH_PA  0x40400000u   /* scratch physical RAM for the tests */

void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);

int main(void);
#endif
